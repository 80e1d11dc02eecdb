//! Ingestion's shortcuts (issue 4, performance): a Create(Note) whose author nobody here
//! follows queues no fan-out job yet is stored and shown where it belongs (the author's
//! profile, the federated timeline, a mentioned member's notifications); replays are
//! processed once; a followed author or a followed tag still reaches home feeds.

mod common;

use common::federation::{domain, settle_in, signed_post};

use common::{Backend, TestApp};
use serde_json::{json, Value};

/// Runs one two-instance test body on SQLite and on PostgreSQL.
macro_rules! pair_test {
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

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

async fn fan_out_jobs(app: &TestApp) -> i64 {
    count(app, "SELECT COUNT(*) FROM jobs WHERE kind = 'fan_out'").await
}

fn texts(v: &Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s["content"].as_str().unwrap_or("").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn contains(list: &[String], needle: &str) -> bool {
    list.iter().any(|t| t.contains(needle))
}

async fn home(app: &TestApp, token: &str) -> Vec<String> {
    let (status, v) = app.get_json("/api/v1/timelines/home", Some(token)).await;
    assert_eq!(status, 200, "{v}");
    texts(&v)
}

async fn unfollowed_notes_skip_the_fan_out(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (bob_id, _) = b.user_with_token("bob").await;
    let bob = format!("http://{}/users/bob", domain(&b));
    let alice_uri = format!("http://{}/users/alice", domain(&a));
    const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
    let note = |n: u32, text: &str, to: Value, tag: Value| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{bob}/statuses/{n}/activity"),
            "type": "Create",
            "actor": bob,
            "to": to,
            "object": {
                "id": format!("{bob}/statuses/{n}"),
                "type": "Note",
                "attributedTo": bob,
                "content": format!("<p>{text}</p>"),
                "to": to,
                "tag": tag,
            }
        })
    };

    // Nobody on A follows bob: the note is stored, and no fan-out job is queued for it.
    let first = note(1, "first unfollowed note", json!([PUBLIC]), json!([]));
    assert_eq!(signed_post(&b, bob_id, "bob", &a, &first).await, 202);
    assert_eq!(fan_out_jobs(&a).await, 0, "no local audience: no job");
    // A replay is answered 202 and changes nothing.
    assert_eq!(signed_post(&b, bob_id, "bob", &a, &first).await, 202);
    assert_eq!(
        count(&a, "SELECT COUNT(*) FROM statuses WHERE local = 0").await,
        1
    );
    assert_eq!(fan_out_jobs(&a).await, 0);
    // It is where it belongs: the federated timeline and bob's profile here (counted once).
    let (status, public) = a
        .get_json("/api/v1/timelines/public?remote=true", Some(&alice))
        .await;
    assert_eq!(status, 200, "{public}");
    assert!(
        contains(&texts(&public), "first unfollowed note"),
        "{public}"
    );
    let (status, acct) = a
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", domain(&b)),
            Some(&alice),
        )
        .await;
    assert_eq!(status, 200, "{acct}");
    let bob_here = acct["id"].as_str().expect("id").to_string();
    assert_eq!(acct["statuses_count"], 1, "{acct}");
    assert!(acct["last_status_at"].is_string(), "{acct}");
    let (_, statuses) = a
        .get_json(
            &format!("/api/v1/accounts/{bob_here}/statuses"),
            Some(&alice),
        )
        .await;
    assert!(contains(&texts(&statuses), "first unfollowed note"));
    // …and not in the home feed of someone who does not follow bob.
    assert!(!contains(&home(&a, &alice).await, "first unfollowed note"));

    // A direct note mentioning alice: no job either, but alice is notified and may read it
    // (she lets strangers' private mentions through; Mastodon's default policy filters them).
    a.client
        .patch(a.url("/api/v2/notifications/policy"))
        .bearer_auth(&alice)
        .json(&json!({"for_private_mentions": "accept"}))
        .send()
        .await
        .expect("PATCH policy");
    let mention = note(
        2,
        "a word for alice",
        json!([alice_uri]),
        json!([{"type": "Mention", "href": alice_uri, "name": format!("@alice@{}", domain(&a))}]),
    );
    assert_eq!(signed_post(&b, bob_id, "bob", &a, &mention).await, 202);
    assert_eq!(fan_out_jobs(&a).await, 0);
    let (_, notes) = a.get_json("/api/v1/notifications", Some(&alice)).await;
    let n = notes
        .as_array()
        .and_then(|n| n.iter().find(|n| n["type"] == "mention"))
        .cloned()
        .expect("a mention notification");
    assert!(n["status"]["content"]
        .as_str()
        .is_some_and(|c| c.contains("a word for alice")));
    assert_eq!(n["status"]["visibility"], "direct");
    // Direct messages are not counted in statuses_count (as before).
    let (_, acct) = a
        .get_json(&format!("/api/v1/accounts/{bob_here}"), Some(&alice))
        .await;
    assert_eq!(acct["statuses_count"], 1, "{acct}");

    // alice follows a tag: a public note carrying it is fanned out to her home feed.
    let (status, v) = a
        .post_json("/api/v1/tags/herdingest/follow", &alice, json!({}))
        .await;
    assert_eq!(status, 200, "{v}");
    let tagged = note(
        3,
        "tagged note #herdingest",
        json!([PUBLIC]),
        json!([{"type": "Hashtag", "name": "#herdingest", "href": "http://x.example/tags/herdingest"}]),
    );
    assert_eq!(signed_post(&b, bob_id, "bob", &a, &tagged).await, 202);
    assert_eq!(fan_out_jobs(&a).await, 1, "a local tag follower: a job");
    a.run_jobs().await;
    assert!(contains(&home(&a, &alice).await, "tagged note"));
    // A tag nobody here follows queues nothing.
    let other_tag = note(
        4,
        "another tag #nobodyfollows",
        json!([PUBLIC]),
        json!([{"type": "Hashtag", "name": "#nobodyfollows", "href": "http://x.example/tags/nobodyfollows"}]),
    );
    assert_eq!(signed_post(&b, bob_id, "bob", &a, &other_tag).await, 202);
    assert_eq!(fan_out_jobs(&a).await, 0);

    // Once alice follows bob, his notes are fanned out to her home feed again.
    let (status, rel) = a
        .post_json(
            &format!("/api/v1/accounts/{bob_here}/follow"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
    settle_in(&a, &b, 12).await;
    let followed = note(5, "now followed", json!([PUBLIC]), json!([]));
    assert_eq!(signed_post(&b, bob_id, "bob", &a, &followed).await, 202);
    assert_eq!(fan_out_jobs(&a).await, 1, "a local follower: a job");
    a.run_jobs().await;
    assert!(contains(&home(&a, &alice).await, "now followed"));
    assert_eq!(
        count(&a, "SELECT COUNT(*) FROM statuses WHERE local = 0").await,
        5
    );
}

pair_test!(
    unfollowed_notes_queue_no_fan_out,
    unfollowed_notes_skip_the_fan_out
);

/// Creates arriving together are committed together; one bad Create among them is refused
/// with its own error and nothing of it is stored, the others are stored once each, and
/// replays in the same burst change nothing.
async fn a_burst_with_replays_and_a_forgery(backend: Backend) {
    let Some(a) = TestApp::spawn(backend).await else {
        return;
    };
    let Some(b) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, alice) = a.user_with_token("alice").await;
    let (bob_id, _) = b.user_with_token("bob").await;
    b.create_user("carol", "correct horse battery").await;
    let bob = format!("http://{}/users/bob", domain(&b));
    let carol = format!("http://{}/users/carol", domain(&b));
    const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
    let note = |n: usize, author: &str| {
        json!({
            "@context": "https://www.w3.org/ns/activitystreams",
            "id": format!("{bob}/statuses/{n}/activity"),
            "type": "Create",
            "actor": bob,
            "to": [PUBLIC],
            "object": {
                "id": format!("{bob}/statuses/{n}"),
                "type": "Note",
                "attributedTo": author,
                "content": format!("<p>burst note {n}</p>"),
                "to": [PUBLIC],
            }
        })
    };
    // The key is fetched once before the burst, so the burst's Creates queue together.
    assert_eq!(
        signed_post(&b, bob_id, "bob", &a, &note(0, &bob)).await,
        202
    );
    let mut bodies: Vec<(Value, u16)> = Vec::new();
    for n in 1..=30 {
        bodies.push((note(n, &bob), 202));
        if n % 6 == 0 {
            bodies.push((note(n - 3, &bob), 202)); // a replay
        }
        if n % 10 == 0 {
            // Bob's activity claiming a note of carol's: refused.
            bodies.push((note(100 + n, &carol), 401));
        }
    }
    let answers = futures_util::future::join_all(
        bodies
            .iter()
            .map(|(body, _)| signed_post(&b, bob_id, "bob", &a, body)),
    )
    .await;
    for ((body, want), got) in bodies.iter().zip(&answers) {
        assert_eq!(got, want, "{body}");
    }
    assert_eq!(
        count(&a, "SELECT COUNT(*) FROM statuses WHERE local = 0").await,
        31,
        "each good note once, no forged one"
    );
    assert_eq!(
        count(
            &a,
            "SELECT COUNT(*) FROM statuses WHERE uri LIKE '%/statuses/1__'"
        )
        .await,
        0
    );
    assert_eq!(
        count(&a, "SELECT COUNT(*) FROM inbox_activities").await,
        31,
        "a refused activity's id is not kept (it may come again, fixed)"
    );
    let (_, acct) = a
        .get_json(
            &format!("/api/v1/accounts/lookup?acct=bob@{}", domain(&b)),
            Some(&alice),
        )
        .await;
    assert_eq!(acct["statuses_count"], 31, "{acct}");
    assert_eq!(fan_out_jobs(&a).await, 0);
}

pair_test!(
    burst_with_replays_and_a_forgery,
    a_burst_with_replays_and_a_forgery
);
