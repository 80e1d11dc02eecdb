//! Helpers for tests with two instances on loopback.

use herd::federation::{keys, signatures};
use serde_json::Value;

use super::TestApp;

pub fn domain(app: &TestApp) -> String {
    app.state.config.domain.clone()
}

/// Runs both instances' job queues until neither has anything left (at most 10 rounds).
pub async fn settle(a: &TestApp, b: &TestApp) {
    settle_in(a, b, 10).await
}

/// As [`settle`], within `rounds` rounds.
pub async fn settle_in(a: &TestApp, b: &TestApp, rounds: usize) {
    for _ in 0..rounds {
        if a.run_jobs().await + b.run_jobs().await == 0 {
            return;
        }
    }
    panic!("the queues did not settle");
}

/// A POST to `to`'s shared inbox signed by `username`, a local account of `from` whose id is
/// `owner` (the key owner). Returns the status.
pub async fn signed_post(
    from: &TestApp,
    owner: i64,
    username: &str,
    to: &TestApp,
    body: &Value,
) -> u16 {
    let key = keys::signing_key(&from.state, &owner.to_string())
        .await
        .expect("key");
    let key_id = format!("http://{}/users/{username}#main-key", domain(from));
    let bytes = body.to_string().into_bytes();
    let signed = signatures::sign(
        &key,
        &key_id,
        "post",
        &domain(to),
        "/inbox",
        Some(&bytes),
        from.state.clock.now_micros(),
    )
    .expect("sign");
    to.client
        .post(to.url("/inbox"))
        .header("content-type", "application/activity+json")
        .header("date", signed.date)
        .header("digest", signed.digest.unwrap_or_default())
        .header("signature", signed.signature)
        .body(bytes)
        .send()
        .await
        .expect("POST")
        .status()
        .as_u16()
}
