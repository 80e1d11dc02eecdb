//! Mails go through the job queue: a request that causes mail answers without talking to SMTP,
//! the worker sends one mail per recipient, retries while the SMTP server is unreachable and
//! sends nothing twice. The parts that need a real SMTP server to come up use the sink `.ci/run`
//! starts (HERD_TEST_SMTP_URL, HERD_TEST_SMTP_MAILDIR) behind a relay on the port Herd was
//! pointed at; without it they say why they skip.

mod common;

use std::time::Duration;

use common::{link_in, Backend, TestApp};
use serde_json::json;

/// Defines `mod $name { sqlite, postgres }` running `$body(backend)`.
macro_rules! both {
    ($name:ident, $body:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                $body(Backend::Sqlite).await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                $body(Backend::Postgres).await;
            }
        }
    };
}

/// A loopback port nothing listens on (bound, then released).
fn closed_port() -> u16 {
    let l = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    l.local_addr().expect("addr").port()
}

async fn spawn(backend: Backend, smtp_port: Option<u16>) -> Option<TestApp> {
    TestApp::spawn_with(backend, |c| {
        if let Some(port) = smtp_port {
            c.mail.smtp_url = format!("smtp://127.0.0.1:{port}");
        }
    })
    .await
}

/// Active members `{tag}a` (admin) and `{tag}m1`…: (name, token).
async fn members(app: &TestApp, tag: &str, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for i in 0..=n {
        let (name, role) = if i == 0 {
            (format!("{tag}a"), Some("admin"))
        } else {
            (format!("{tag}m{i}"), None)
        };
        let id = app
            .create_user_with(&name, "correct horse battery", role, true)
            .await;
        let token = herd::services::oauth::operator_token(&app.state, id, "read write")
            .await
            .expect("token");
        out.push((name, token));
    }
    out
}

async fn open_proposal(app: &TestApp, token: &str, title: &str) {
    let (status, p) = app
        .post_json(
            "/api/v1/coop/proposals",
            token,
            json!({ "kind": "general", "title": title, "body": "For the kitchen." }),
        )
        .await;
    assert_eq!(status, 200, "{p}");
}

/// Mails written to data/mail for `who` with `subject`.
fn mails_to(app: &TestApp, who: &str, subject: &str) -> usize {
    app.mails()
        .iter()
        .filter(|m| {
            m.contains(&format!("To: {who}@example.org"))
                && m.contains(&format!("Subject: {subject}"))
        })
        .count()
}

async fn count_jobs(app: &TestApp, kind: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as("SELECT COUNT(*) FROM jobs WHERE kind = $1")
        .bind(kind)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count jobs");
    n
}

/// The attempts made so far by each queued job of `kind`, and whether each recorded an error.
async fn attempts(app: &TestApp, kind: &str) -> Vec<(i64, bool)> {
    let rows: Vec<(i64, Option<String>)> =
        sqlx::query_as("SELECT attempts, last_error FROM jobs WHERE kind = $1 ORDER BY id")
            .bind(kind)
            .fetch_all(&app.state.db.pool)
            .await
            .expect("jobs");
    rows.into_iter()
        .map(|(a, e)| (a, e.is_some_and(|e| !e.is_empty())))
        .collect()
}

/// Opening a proposal answers before any mail is sent (one job is queued with it); the worker
/// then mails every active member who wants proposal mail once, drops a mail to an address
/// that cannot be sent to instead of retrying it, and never sends anything twice.
async fn opening_answers_before_mail(backend: Backend) {
    let Some(app) = spawn(backend, None).await else {
        return;
    };
    let people = members(&app, "q", 7).await;
    let outsider = "qo";
    app.create_user(outsider, "correct horse battery").await;
    // m7 opts out; m6's address is broken (a permanent failure).
    let res = app
        .client
        .patch(app.url("/api/v1/coop/preferences"))
        .bearer_auth(&people[7].1)
        .json(&json!({ "email_proposals": false }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    sqlx::query("UPDATE users SET email = 'not an address' WHERE email = 'qm6@example.org'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();

    open_proposal(&app, &people[0].1, "Buy a kettle").await;
    assert!(app.mails().is_empty(), "the request sent no mail");
    assert_eq!(
        count_jobs(&app, "mail_members").await,
        1,
        "one job for the whole mailing"
    );

    app.run_jobs().await;
    let subject = "New proposal: Buy a kettle";
    for (name, _) in &people[..6] {
        assert_eq!(mails_to(&app, name, subject), 1, "{name}");
    }
    assert_eq!(app.mails().len(), 6, "nobody else: {:?}", app.mails());
    assert_eq!(mails_to(&app, outsider, subject), 0);
    assert_eq!(
        (
            count_jobs(&app, "mail_member").await,
            count_jobs(&app, "mail_members").await
        ),
        (0, 0),
        "the broken address was dropped, not retried"
    );

    // Later runs send nothing again.
    app.state.clock.advance(Duration::from_secs(86_400));
    app.run_jobs().await;
    for (name, _) in &people[..6] {
        assert_eq!(mails_to(&app, name, subject), 1, "{name}");
    }
    assert_eq!(app.mails().len(), 6);
    app.stop().await;
}
both!(
    opening_a_proposal_answers_before_any_mail_is_sent,
    opening_answers_before_mail
);

/// The sink's address (host:port) and Maildir, or None after saying why (a failure when
/// HERD_TEST_REQUIRE_SMTP=1, as `.ci/run` sets).
fn smtp_sink() -> Option<(String, String)> {
    match (
        std::env::var("HERD_TEST_SMTP_URL"),
        std::env::var("HERD_TEST_SMTP_MAILDIR"),
    ) {
        (Ok(url), Ok(maildir)) => {
            let url = url::Url::parse(&url).expect("HERD_TEST_SMTP_URL is a URL");
            let addr = format!(
                "{}:{}",
                url.host_str().expect("a host"),
                url.port().unwrap_or(25)
            );
            Some((addr, maildir))
        }
        _ => {
            if std::env::var("HERD_TEST_REQUIRE_SMTP").as_deref() == Ok("1") {
                panic!("HERD_TEST_REQUIRE_SMTP=1 but HERD_TEST_SMTP_URL / HERD_TEST_SMTP_MAILDIR are not set");
            }
            eprintln!("skipping the delivery half: HERD_TEST_SMTP_URL and HERD_TEST_SMTP_MAILDIR are not set (.ci/run starts an SMTP sink)");
            None
        }
    }
}

/// The SMTP server comes up on `port`: a relay there to the sink at `sink`.
async fn smtp_comes_up(port: u16, sink: String) -> tokio::task::JoinHandle<()> {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
        .await
        .expect("bind the SMTP port");
    tokio::spawn(async move {
        while let Ok((mut inbound, _)) = listener.accept().await {
            let sink = sink.clone();
            tokio::spawn(async move {
                if let Ok(mut out) = tokio::net::TcpStream::connect(&sink).await {
                    let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                }
            });
        }
    })
}

/// The messages the sink stored for `address`.
fn sink_mails(maildir: &str, address: &str) -> Vec<String> {
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
            if head
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("to:") && l.contains(address))
            {
                out.push(text);
            }
        }
    }
    out
}

/// With the SMTP server unreachable, opening a proposal still succeeds; each member's mail is
/// retried with backoff, and once the server is up every member gets it exactly once.
async fn unreachable_smtp(backend: Backend) {
    let port = closed_port();
    let Some(app) = spawn(backend, Some(port)).await else {
        return;
    };
    let tag = format!("u{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let people = members(&app, &tag, 3).await;
    let title = format!("Paint the door {tag}");
    open_proposal(&app, &people[0].1, &title).await;

    app.run_jobs().await;
    assert_eq!(
        attempts(&app, "mail_member").await,
        vec![(1, true); 4],
        "each member's mail failed once and waits for a retry"
    );
    app.state.clock.advance(Duration::from_secs(3600));
    app.run_jobs().await;
    assert_eq!(
        attempts(&app, "mail_member").await,
        vec![(2, true); 4],
        "retried, still unreachable"
    );
    assert!(app.mails().is_empty(), "no fallback to files");

    if let Some((sink, maildir)) = smtp_sink() {
        let relay = smtp_comes_up(port, sink).await;
        app.state.clock.advance(Duration::from_secs(3600));
        app.run_jobs().await;
        let subject = format!("Subject: New proposal: {title}");
        let got = |name: &str| {
            sink_mails(&maildir, &format!("{name}@example.org"))
                .iter()
                .filter(|m| m.contains(&subject))
                .count()
        };
        for (name, _) in &people {
            assert_eq!(got(name), 1, "{name} got the mail once the server was up");
        }
        assert_eq!(count_jobs(&app, "mail_member").await, 0);
        app.state.clock.advance(Duration::from_secs(86_400));
        app.run_jobs().await;
        for (name, _) in &people {
            assert_eq!(got(name), 1, "{name}: nothing sent twice");
        }
        relay.abort();
    }
    app.stop().await;
}
both!(
    proposal_mails_wait_for_an_unreachable_smtp_server,
    unreachable_smtp
);

/// A sign-up succeeds while the SMTP server is unreachable; its confirmation mail is retried
/// and arrives once the server is up, and its link confirms the address.
async fn confirmation_retried(backend: Backend) {
    let port = closed_port();
    let Some(app) = spawn(backend, Some(port)).await else {
        return;
    };
    let token = app.app_token("write").await;
    let address = format!("late-{}@example.org", uuid::Uuid::new_v4().simple());
    let (status, body) = app
        .post_json(
            "/api/v1/accounts",
            &token,
            json!({"username": "latemail", "email": address, "password": "correct horse battery", "agreement": true}),
        )
        .await;
    assert_eq!(status, 200, "{body}");
    app.run_jobs().await;
    assert_eq!(
        attempts(&app, "mail").await,
        vec![(1, true)],
        "the confirmation failed once and waits for a retry"
    );

    if let Some((sink, maildir)) = smtp_sink() {
        let relay = smtp_comes_up(port, sink).await;
        app.state.clock.advance(Duration::from_secs(600));
        app.run_jobs().await;
        let mails = sink_mails(&maildir, &address);
        assert_eq!(mails.len(), 1, "the confirmation arrived once");
        let link = link_in(&mails[0], &app.url("/auth/confirmation?")).expect("link");
        assert_eq!(app.client.get(&link).send().await.unwrap().status(), 200);
        assert_eq!(count_jobs(&app, "mail").await, 0);
        relay.abort();
    }
    app.stop().await;
}
both!(
    a_confirmation_that_fails_at_first_arrives_after_a_retry,
    confirmation_retried
);

/// Mails have lanes of their own in the server's worker: while an SMTP server hangs on every
/// connection, a post still reaches its followers' home timelines promptly (the main loop is
/// not waiting on SMTP), and the mails are being attempted meanwhile.
async fn hanging_smtp(backend: Backend) {
    let smtp = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = smtp.local_addr().unwrap().port();
    smtp.set_nonblocking(true).unwrap();
    let smtp = tokio::net::TcpListener::from_std(smtp).unwrap();
    let connections = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = connections.clone();
    let hang = tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = smtp.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            held.push(socket); // never greets
        }
    });
    let Some(app) = spawn(backend, Some(port)).await else {
        hang.abort();
        return;
    };
    let people = members(&app, "h", 5).await;
    let worker = herd::jobs::spawn_worker(app.state.clone());
    open_proposal(&app, &people[0].1, "Fix the roof").await;

    let alice = app
        .login(&people[1].0, "correct horse battery", "read write follow")
        .await;
    let bob = app
        .login(&people[2].0, "correct horse battery", "read write follow")
        .await;
    let (_, me) = app
        .get_json("/api/v1/accounts/verify_credentials", Some(&alice))
        .await;
    let alice_id = me["id"].as_str().unwrap().to_string();
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/follow"),
            &bob,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let (status, posted) = app
        .post_json("/api/v1/statuses", &alice, json!({ "status": "roof news" }))
        .await;
    assert_eq!(status, 200, "{posted}");
    let mut fed = false;
    for _ in 0..100 {
        let (_, home) = app.get_json("/api/v1/timelines/home", Some(&bob)).await;
        if home
            .as_array()
            .is_some_and(|l| l.iter().any(|s| s["id"] == posted["id"]))
        {
            fed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let tried = connections.load(std::sync::atomic::Ordering::SeqCst);
    worker.abort();
    let _ = worker.await;
    hang.abort();
    assert!(fed, "the post reached bob's home timeline while SMTP hangs");
    assert!(tried >= 1, "the mail lanes were trying the SMTP server");
    assert!(app.mails().is_empty());
    app.stop().await;
}
both!(a_hanging_smtp_server_holds_up_nothing_else, hanging_smtp);
