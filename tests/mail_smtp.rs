//! Mail through a real SMTP server: `.ci/run` starts aiosmtpd on loopback and sets
//! HERD_TEST_SMTP_URL and HERD_TEST_SMTP_MAILDIR; without them the test says why it skips.

mod common;

use common::{link_in, Backend, TestApp};

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
    let token = app.app_token("write").await;
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
    app.run_jobs().await;
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

/// The sink's settings, or None (after saying why) when no sink runs: `.ci/run` starts one and
/// sets HERD_TEST_REQUIRE_SMTP=1, which turns the skip into a failure.
fn smtp_sink() -> Option<(String, String)> {
    match (
        std::env::var("HERD_TEST_SMTP_URL"),
        std::env::var("HERD_TEST_SMTP_MAILDIR"),
    ) {
        (Ok(url), Ok(maildir)) => Some((url, maildir)),
        _ => {
            if std::env::var("HERD_TEST_REQUIRE_SMTP").as_deref() == Ok("1") {
                panic!("HERD_TEST_REQUIRE_SMTP=1 but HERD_TEST_SMTP_URL / HERD_TEST_SMTP_MAILDIR are not set");
            }
            eprintln!("skipping: HERD_TEST_SMTP_URL and HERD_TEST_SMTP_MAILDIR are not set (.ci/run starts an SMTP sink)");
            None
        }
    }
}

/// Sends mail through the sink when one runs (the app is the same either way).
fn through_sink(config: &mut herd::config::Config) {
    if let Ok(url) = std::env::var("HERD_TEST_SMTP_URL") {
        config.mail.smtp_url = url;
    }
}

/// The subjects of the messages the sink stored for `address` (headers unfolded).
fn subjects_to(maildir: &str, address: &str) -> Vec<String> {
    let mut out = Vec::new();
    for sub in ["new", "cur"] {
        let Ok(dir) = std::fs::read_dir(std::path::Path::new(maildir).join(sub)) else {
            continue;
        };
        for entry in dir.filter_map(Result::ok) {
            let Ok(text) = std::fs::read_to_string(entry.path()) else {
                continue;
            };
            let text = text.replace("\r\n", "\n");
            let head = text.split("\n\n").next().unwrap_or("").replace("\n ", " ");
            let to_them = head
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains(address));
            if !to_them {
                continue;
            }
            if let Some(subject) = head.lines().find_map(|l| l.strip_prefix("Subject: ")) {
                out.push(subject.trim().to_string());
            }
        }
    }
    out.sort();
    out
}

fn sorted(subjects: &[&String]) -> Vec<String> {
    let mut v: Vec<String> = subjects.iter().map(|s| s.to_string()).collect();
    v.sort();
    v
}

/// Governance mails reach members through a real SMTP server, on both backends: the new
/// proposal to every active member, the reminder 24 hours before close only to those who
/// have not voted, the result to every member; nothing to a member who opted out or to an
/// account that is not a member.
async fn governance_mails(app: &TestApp) {
    let Some((_, maildir)) = smtp_sink() else {
        return;
    };
    // Names unique to this run, so the shared sink's other mails do not count.
    let tag = uuid::Uuid::new_v4().simple().to_string()[..8].to_string();
    let name = |who: &str| format!("{who}{tag}");
    let mut tokens = Vec::new();
    for (who, role) in [("a", Some("admin")), ("b", None), ("c", None), ("d", None)] {
        let id = app
            .create_user_with(&name(who), "correct horse battery", role, true)
            .await;
        tokens.push(
            herd::services::oauth::operator_token(&app.state, id, "read write")
                .await
                .unwrap(),
        );
    }
    app.create_user(&name("o"), "correct horse battery").await;
    let addr = |who: &str| format!("{}@example.org", name(who));
    // c opts out of proposal mails.
    let res = app
        .client
        .patch(app.url("/api/v1/coop/preferences"))
        .bearer_auth(&tokens[2])
        .json(&serde_json::json!({ "email_proposals": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    let title = format!("Buy a kettle {tag}");
    let (status, p) = app
        .post_json(
            "/api/v1/coop/proposals",
            &tokens[0],
            serde_json::json!({ "kind": "general", "title": title, "body": "For the co-working space." }),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let id = p["id"].as_str().unwrap().to_string();
    app.run_jobs().await;
    let opened = format!("New proposal: {title}");
    for who in ["a", "b", "d"] {
        assert_eq!(
            subjects_to(&maildir, &addr(who)),
            sorted(&[&opened]),
            "{who}"
        );
    }
    assert_eq!(subjects_to(&maildir, &addr("c")), Vec::<String>::new());
    assert_eq!(subjects_to(&maildir, &addr("o")), Vec::<String>::new());

    // a and b vote; a day before the close only d (who has not, and did not opt out) is reminded.
    for t in &tokens[..2] {
        let (status, v) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{id}/votes"),
                t,
                serde_json::json!({ "choice": "agree" }),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    app.state
        .clock
        .advance(std::time::Duration::from_secs(5 * 86_400 + 3600));
    app.run_jobs().await;
    let reminder = format!("24 hours left to vote: {title}");
    assert_eq!(
        subjects_to(&maildir, &addr("d")),
        sorted(&[&opened, &reminder])
    );
    for who in ["a", "b"] {
        assert_eq!(
            subjects_to(&maildir, &addr(who)),
            sorted(&[&opened]),
            "{who}"
        );
    }

    // At closes_at the queue closes it; the result goes to every member who wants mail.
    app.state
        .clock
        .advance(std::time::Duration::from_secs(86_400));
    app.run_jobs().await;
    let (_, closed) = app
        .get_json(&format!("/api/v1/coop/proposals/{id}"), Some(&tokens[0]))
        .await;
    assert_eq!(closed["state"], "enacted", "{closed}");
    let result = format!("Proposal enacted: {title}");
    for who in ["a", "b"] {
        assert_eq!(
            subjects_to(&maildir, &addr(who)),
            sorted(&[&opened, &result]),
            "{who}"
        );
    }
    assert_eq!(
        subjects_to(&maildir, &addr("d")),
        sorted(&[&opened, &reminder, &result])
    );
    assert_eq!(subjects_to(&maildir, &addr("c")), Vec::<String>::new());
    assert_eq!(subjects_to(&maildir, &addr("o")), Vec::<String>::new());
    assert!(
        app.mails().is_empty(),
        "with SMTP configured nothing is written to data/mail"
    );
}

on_both_backends!(
    proposal_mails_go_through_smtp,
    governance_mails,
    through_sink
);

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
    app.run_jobs().await;
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
