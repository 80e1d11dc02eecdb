//! Mail through a real SMTP server: `.ci/run` starts aiosmtpd on loopback and sets
//! HERD_TEST_SMTP_URL and HERD_TEST_SMTP_MAILDIR; without them the test says why it skips.

mod common;

use common::{link_in, Backend, TestApp};
use serde_json::Value;

#[tokio::test]
async fn confirmation_mail_goes_through_smtp() {
    let (Ok(smtp_url), Ok(maildir)) = (
        std::env::var("HERD_TEST_SMTP_URL"),
        std::env::var("HERD_TEST_SMTP_MAILDIR"),
    ) else {
        if std::env::var("HERD_TEST_REQUIRE_SMTP").as_deref() == Ok("1") {
            panic!("HERD_TEST_REQUIRE_SMTP=1 but HERD_TEST_SMTP_URL / HERD_TEST_SMTP_MAILDIR are not set");
        }
        eprintln!("skipping: HERD_TEST_SMTP_URL and HERD_TEST_SMTP_MAILDIR are not set (.ci/run starts an SMTP sink)");
        return;
    };
    let app = TestApp::spawn_with(Backend::Sqlite, |c| c.mail.smtp_url = smtp_url.clone())
        .await
        .unwrap();
    let (id, secret) = app
        .register_app("read write", "urn:ietf:wg:oauth:2.0:oob")
        .await;
    let res = app
        .client
        .post(app.url("/oauth/token"))
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", &id),
            ("client_secret", &secret),
            ("scope", "write"),
        ])
        .send()
        .await
        .unwrap();
    let token = res.json::<Value>().await.unwrap()["access_token"]
        .as_str()
        .unwrap()
        .to_string();
    let address = format!("smtp-{}@example.org", uuid::Uuid::new_v4().simple());
    let res = app
        .client
        .post(app.url("/api/v1/accounts"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"username": "smtpuser", "email": address, "password": "correct horse battery", "agreement": true}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        app.mails().is_empty(),
        "with SMTP configured nothing is written to data/mail"
    );
    // Find the message the sink stored for this address.
    let new = std::path::Path::new(&maildir).join("new");
    let mail = std::fs::read_dir(&new)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .find(|m| m.contains(&address))
        .expect("the sink received the confirmation mail");
    let link = link_in(&mail, &app.url("/auth/confirmation?")).expect("link in mail");
    assert_eq!(app.client.get(&link).send().await.unwrap().status(), 200);
    app.stop().await;
}
