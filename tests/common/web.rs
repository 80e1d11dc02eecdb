//! The web pages over HTTP: a cookie-keeping client signed in through the form, and a page's
//! status and body.

use super::{csrf_of, TestApp};

/// A cookie-keeping client signed in through the web form (password "correct horse battery",
/// the fixtures' one), with a user agent naming `login` so its session can be told apart.
pub async fn web_sign_in(app: &TestApp, login: &str) -> reqwest::Client {
    let browser = app.browser();
    let agent = format!("Browser of {login}");
    let page = browser
        .get(app.url("/auth/sign_in"))
        .header("user-agent", &agent)
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = browser
        .post(app.url("/auth/sign_in"))
        .header("user-agent", &agent)
        .form(&[
            ("csrf_token", csrf_of(&page).as_str()),
            ("login", login),
            ("password", "correct horse battery"),
            ("return_to", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "signed in as {login}");
    browser
}

/// GET `url`: the status and the body.
pub async fn page(client: &reqwest::Client, url: &str) -> (u16, String) {
    let res = client.get(url).send().await.expect("GET");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// POSTs `form` to `url` as it stands: the status and the body.
pub async fn send_form(
    client: &reqwest::Client,
    url: &str,
    form: &[(&str, &str)],
) -> (u16, String) {
    let res = client.post(url).form(form).send().await.expect("POST");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// POSTs `fields` to `url` with the page's `csrf` token (none when empty): the status, the
/// `Location` (empty when none) and the body.
pub async fn submit(
    client: &reqwest::Client,
    url: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let mut all: Vec<(&str, &str)> = Vec::new();
    if !csrf.is_empty() {
        all.push(("csrf_token", csrf));
    }
    all.extend_from_slice(fields);
    let res = client.post(url).form(&all).send().await.expect("POST");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (status, location, res.text().await.unwrap_or_default())
}

/// `submit` to `path` on `app`.
pub async fn submit_at(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    csrf: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    submit(client, &app.url(path), csrf, fields).await
}
