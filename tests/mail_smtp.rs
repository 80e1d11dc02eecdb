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

/// Governance mails (proposal opened, result) reach members through a real SMTP server.
#[tokio::test]
async fn proposal_mails_go_through_smtp() {
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
    // Addresses unique to this run, so the shared sink's other mails do not count.
    let tag = uuid::Uuid::new_v4().simple().to_string();
    app.create_user_with(
        &format!("a{}", &tag[..8]),
        "correct horse battery",
        Some("admin"),
        true,
    )
    .await;
    app.create_user_with(
        &format!("m{}", &tag[..8]),
        "correct horse battery",
        None,
        true,
    )
    .await;
    let token = app
        .login(
            &format!("a{}", &tag[..8]),
            "correct horse battery",
            "read write",
        )
        .await;
    let res = app
        .client
        .post(app.url("/api/v1/coop/proposals"))
        .bearer_auth(&token)
        .json(&serde_json::json!({"kind": "general", "title": format!("Buy a kettle {tag}"), "body": "For the co-working space."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    let new = std::path::Path::new(&maildir).join("new");
    let received = std::fs::read_dir(&new)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .filter(|m| m.contains(&tag[..8]))
        .count();
    assert!(
        received >= 2,
        "each active member is mailed the new proposal through SMTP (got {received})"
    );
    app.stop().await;
}

/// Expense decisions (approved, paid, rejected) reach the submitter through a real SMTP server.
#[tokio::test]
async fn expense_decision_mails_go_through_smtp() {
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
    let tag = uuid::Uuid::new_v4().simple().to_string();
    let (treasurer, member) = (format!("t{}", &tag[..8]), format!("e{}", &tag[..8]));
    app.create_user_with(&treasurer, "correct horse battery", Some("treasurer"), true)
        .await;
    app.create_user_with(&member, "correct horse battery", None, true)
        .await;
    let t = app
        .login(&treasurer, "correct horse battery", "read write")
        .await;
    let m = app
        .login(&member, "correct horse battery", "read write")
        .await;
    let mut ids = Vec::new();
    for description in ["Domain renewal", "Conference ticket"] {
        let (s, e) = app
            .post_json(
                "/api/v1/coop/expenses",
                &m,
                serde_json::json!({"amount": 1500, "currency": "EUR", "description": description, "category": "general"}),
            )
            .await;
        assert_eq!(s, 200, "{e}");
        ids.push(e["id"].as_str().unwrap().to_string());
    }
    for (path, body) in [
        (
            format!("/api/v1/coop/expenses/{}/approve", ids[0]),
            serde_json::json!({}),
        ),
        (
            format!("/api/v1/coop/expenses/{}/pay", ids[0]),
            serde_json::json!({}),
        ),
        (
            format!("/api/v1/coop/expenses/{}/reject", ids[1]),
            serde_json::json!({"reason": "Outside the budget"}),
        ),
    ] {
        let (s, v) = app.post_json(&path, &t, body).await;
        assert_eq!(s, 200, "{path}: {v}");
    }
    assert!(
        app.mails().is_empty(),
        "with SMTP nothing goes to data/mail"
    );
    let new = std::path::Path::new(&maildir).join("new");
    let to_member: Vec<String> = std::fs::read_dir(&new)
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| std::fs::read_to_string(e.path()).unwrap())
        .filter(|mail| mail.contains(&format!("{member}@example.org")))
        .collect();
    for subject in ["Expense approved", "Expense paid", "Expense rejected"] {
        assert_eq!(
            to_member
                .iter()
                .filter(|mail| mail.contains(subject))
                .count(),
            1,
            "{subject} reached the submitter through SMTP"
        );
    }
    assert!(to_member
        .iter()
        .any(|mail| mail.contains("Outside the budget")));
    app.stop().await;
}
