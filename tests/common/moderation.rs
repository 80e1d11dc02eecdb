//! Helpers for the moderation tests: requests as a moderator or member with admin scopes,
//! users with roles, and the admin account action.

use serde_json::Value;

use super::TestApp;

pub const PW: &str = "correct horse battery";
pub const SCOPES: &str = "read write follow admin:read admin:write";

pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Value,
) -> (u16, Value) {
    let res = app
        .client
        .request(method, app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("request");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    send(app, reqwest::Method::POST, path, token, body).await
}

pub async fn get(app: &TestApp, path: &str, token: &str) -> (u16, Value) {
    app.get_json(path, Some(token)).await
}

/// A confirmed user (a member with `role`, when given) and a token with admin scopes.
pub async fn user(app: &TestApp, name: &str, role: Option<&str>, member: bool) -> (i64, String) {
    let id = app.create_user_with(name, PW, role, member).await;
    let token = herd::services::oauth::operator_token(&app.state, id, SCOPES)
        .await
        .expect("token");
    (id, token)
}

pub fn err(v: &Value) -> &str {
    v["error"].as_str().unwrap_or("")
}

/// `POST /api/v1/admin/accounts/:target/action`.
pub async fn action(app: &TestApp, token: &str, target: i64, body: Value) -> (u16, Value) {
    post(
        app,
        &format!("/api/v1/admin/accounts/{target}/action"),
        token,
        body,
    )
    .await
}
