//! Co-op test helpers shared by the co-op test files: members with tokens.

use super::TestApp;

/// The password every test member gets.
pub const PW: &str = "correct horse battery";

/// An operator-issued token for `account_id` (read, write, follow).
pub async fn token_for(app: &TestApp, account_id: i64) -> String {
    herd::services::oauth::operator_token(&app.state, account_id, "read write follow")
        .await
        .expect("token")
}

/// `n` active members: ada (admin) first, then m1…; (account id, token) each.
pub async fn members(app: &TestApp, n: usize) -> Vec<(i64, String)> {
    let ada = app.create_user_with("ada", PW, Some("admin"), true).await;
    let mut out = vec![(ada, token_for(app, ada).await)];
    for i in 1..n {
        let id = app.create_user_with(&format!("m{i}"), PW, None, true).await;
        out.push((id, token_for(app, id).await));
    }
    out
}
