//! The pages' live connection (`GET /live`) and the deck (`/deck`), over HTTP on both
//! backends: fragments rendered for the viewer (visibility, blocks, mutes applied), replay
//! after `Last-Event-ID` and the gap event, a proposal's count only where its rules show it,
//! status actions answered with a fragment, and the deck's columns saved or refused.

use std::time::Duration;

use crate::common::coop::members;
use crate::common::web::{page, web_sign_in};
use crate::common::{csrf_of, TestApp};
use serde_json::{json, Value};

/// One server-sent event.
#[derive(Debug, Clone)]
struct Ev {
    name: String,
    id: Option<String>,
    data: Value,
}

/// A page's live connection, read block by block.
struct Live {
    res: reqwest::Response,
    buf: String,
}

impl Live {
    async fn open(
        app: &TestApp,
        client: &reqwest::Client,
        streams: &str,
        last: Option<&str>,
    ) -> Live {
        let mut req = client.get(app.url(&format!("/live?streams={streams}")));
        if let Some(id) = last {
            req = req.header("last-event-id", id);
        }
        let res = req.send().await.expect("GET /live");
        assert_eq!(res.status(), 200, "live connection for {streams}");
        assert!(res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream"));
        Live {
            res,
            buf: String::new(),
        }
    }

    /// The next event within `wait`, or None.
    async fn next(&mut self, wait: Duration) -> Option<Ev> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            while let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf[..end].to_string();
                self.buf.drain(..end + 2);
                let mut ev = Ev {
                    name: String::new(),
                    id: None,
                    data: Value::Null,
                };
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event: ") {
                        ev.name = v.to_string();
                    } else if let Some(v) = line.strip_prefix("id: ") {
                        ev.id = Some(v.to_string());
                    } else if let Some(v) = line.strip_prefix("data: ") {
                        ev.data = serde_json::from_str(v).unwrap_or(Value::String(v.into()));
                    }
                }
                if !ev.name.is_empty() {
                    return Some(ev);
                }
            }
            let chunk = tokio::time::timeout_at(deadline, self.res.chunk())
                .await
                .ok()?
                .ok()??;
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }

    /// Events until one whose HTML holds `marker` (returned with all before it); fails when
    /// none comes within ten seconds.
    async fn until(&mut self, marker: &str) -> Vec<Ev> {
        let mut seen = Vec::new();
        loop {
            let ev = self
                .next(Duration::from_secs(10))
                .await
                .unwrap_or_else(|| panic!("no event with {marker:?}; saw {seen:#?}"));
            let hit = ev.data["html"]
                .as_str()
                .unwrap_or_default()
                .contains(marker);
            seen.push(ev);
            if hit {
                return seen;
            }
        }
    }
}

fn html_of(events: &[Ev]) -> String {
    events
        .iter()
        .map(|e| e.data.to_string())
        .collect::<Vec<_>>()
        .join("\n")
}

async fn post(app: &TestApp, token: &str, body: Value) -> String {
    let (status, s) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().unwrap_or_default().to_string()
}

async fn act(app: &TestApp, token: &str, path: &str) {
    let (status, v) = app.post_json(path, token, json!({})).await;
    assert_eq!(status, 200, "{path}: {v}");
}

/// A follower gets a status fragment rendered for them; a stranger's connection never
/// carries a followers-only post, and nobody's carries the post of an account they muted
/// or blocked.
async fn fragments_for_the_viewer(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, _carol) = app.user_with_token("carol").await;
    let (dave_id, dave) = app.user_with_token("dave").await;
    let (frank_id, frank) = app.user_with_token("frank").await;
    act(app, &bob, &format!("/api/v1/accounts/{alice_id}/follow")).await;
    act(app, &bob, &format!("/api/v1/accounts/{dave_id}/mute")).await;
    act(app, &bob, &format!("/api/v1/accounts/{frank_id}/block")).await;
    let bob_web = web_sign_in(app, "bob").await;
    let carol_web = web_sign_in(app, "carol").await;
    let (_, bob_home) = page(&bob_web, &app.url("/home")).await;
    assert!(bob_home.contains(r#"data-live="home""#), "home is live");
    let bob_csrf = csrf_of(&bob_home);
    let mut bob_live = Live::open(app, &bob_web, "home,local", None).await;
    let mut carol_live = Live::open(app, &carol_web, "home,local", None).await;

    let secret = post(
        app,
        &alice,
        json!({"status": "for followers only", "visibility": "private"}),
    )
    .await;
    post(app, &dave, json!({"status": "muted voice"})).await;
    post(app, &frank, json!({"status": "blocked voice"})).await;
    let public = post(app, &alice, json!({"status": "hello live world"})).await;
    app.run_jobs().await;
    // Home feeds are written by a job: a last public post, after it, closes the reading.
    post(app, &alice, json!({"status": "the end of it"})).await;

    let seen = bob_live.until("the end of it").await;
    let all = html_of(&seen);
    assert!(
        all.contains("for followers only"),
        "the follower sees it: {all}"
    );
    assert!(
        !all.contains("muted voice"),
        "a muted author never reaches bob: {all}"
    );
    assert!(
        !all.contains("blocked voice"),
        "a blocked author never reaches bob: {all}"
    );
    let home = seen
        .iter()
        .find(|e| e.name == "status" && e.data["col"] == "home" && e.data["id"] == public)
        .unwrap_or_else(|| panic!("the public post in bob's home column: {seen:#?}"));
    let html = home.data["html"].as_str().unwrap();
    assert!(html.contains(&format!(r#"id="s-{public}""#)), "{html}");
    assert!(
        html.contains(&format!("/web/statuses/{public}/favourite")),
        "the actions are bob's: {html}"
    );
    assert_eq!(
        crate::common::csrf_unmasked(&csrf_of(html)),
        crate::common::csrf_unmasked(&bob_csrf),
        "with bob's CSRF token: {html}"
    );
    assert!(
        home.id.as_deref().is_some_and(|i| i.parse::<i64>().is_ok()),
        "{home:?}"
    );

    let seen = carol_live.until("the end of it").await;
    let all = html_of(&seen);
    assert!(
        !all.contains("for followers only"),
        "a stranger never sees it: {all}"
    );
    assert!(!all.contains(&secret), "not even its id: {all}");
    assert!(all.contains("muted voice"), "carol muted nobody: {all}");
}

on_both_backends!(live_fragments_for_the_viewer, fragments_for_the_viewer);

/// A reconnect with `Last-Event-ID` replays what the viewer missed (and may see), once; an
/// id older than the log gets the gap event.
async fn replay(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (mallory_id, mallory) = app.user_with_token("mallory").await;
    act(app, &bob, &format!("/api/v1/accounts/{alice_id}/follow")).await;
    act(app, &bob, &format!("/api/v1/accounts/{mallory_id}/mute")).await;
    let bob_web = web_sign_in(app, "bob").await;

    // Ids run ahead of the wall clock once anything in the process made one for a later
    // time (another test's clock moved forward): the log must not take them for forgeries.
    herd::ids::next_id_at(chrono::Utc::now().timestamp_millis() + 10 * 60_000);
    let mut live = Live::open(app, &bob_web, "home", None).await;
    post(app, &alice, json!({"status": "first of three"})).await;
    app.run_jobs().await;
    let seen = live.until("first of three").await;
    let last = seen.last().and_then(|e| e.id.clone()).expect("an id");
    drop(live);

    // Missed while away: two posts bob may see, one he may not.
    post(app, &alice, json!({"status": "second of three"})).await;
    post(app, &mallory, json!({"status": "not for bob"})).await;
    post(app, &alice, json!({"status": "third of three"})).await;
    app.run_jobs().await;
    let after = post(app, &alice, json!({"status": "after the feeds"})).await;
    // The dispatcher logs events in commit order: once the last post's is in the log, so are
    // the others (a fixed pause was too short on a loaded machine).
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    loop {
        let (n,): (i64,) = sqlx::query_as(&format!(
            "SELECT COUNT(*) FROM live_events WHERE event LIKE '%{after}%'"
        ))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("read the live log");
        if n > 0 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the last post's event was never logged"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }

    let mut again = Live::open(app, &bob_web, "home,local", Some(&last)).await;
    let seen = again.until("after the feeds").await;
    let all = html_of(&seen);
    assert!(all.contains("second of three"), "replayed: {all}");
    assert!(
        !all.contains("first of three"),
        "nothing before the id: {all}"
    );
    assert!(
        !all.contains("not for bob"),
        "the replay is rendered for bob: {all}"
    );
    let ids: Vec<i64> = seen
        .iter()
        .filter_map(|e| e.id.as_deref()?.parse().ok())
        .collect();
    assert!(
        ids.iter().all(|i| *i > last.parse::<i64>().unwrap()),
        "{ids:?}"
    );
    assert!(ids.windows(2).all(|w| w[0] <= w[1]), "in order: {ids:?}");
    let second = seen
        .iter()
        .filter(|e| {
            e.data["html"]
                .as_str()
                .unwrap_or_default()
                .contains("second of three")
        })
        .count();
    assert_eq!(
        second, 2,
        "replayed once per column (home, local): {seen:#?}"
    );

    // A page shown again after "back" closed its connection on leaving and names its last
    // event in the query (a new EventSource cannot set the header): the same replay.
    let mut shown_again =
        Live::open(app, &bob_web, &format!("home&last_event_id={last}"), None).await;
    let all = html_of(&shown_again.until("third of three").await);
    assert!(all.contains("second of three"), "replayed: {all}");
    assert!(!all.contains("first of three"), "nothing before: {all}");

    // A fresh connection starts with `hello`, whose id is where the log stands: a page that
    // hears nothing before the reader leaves and comes "back" replays from there.
    let (newest,): (i64,) = sqlx::query_as("SELECT MAX(id) FROM live_events")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("read the live log");
    let mut fresh = Live::open(app, &bob_web, "home", None).await;
    let hello = fresh.next(Duration::from_secs(5)).await.expect("an event");
    assert_eq!(hello.name, "hello", "{hello:?}");
    assert_eq!(hello.id, Some(newest.to_string()), "{hello:?}");

    // An id the log never held (made up, or from another instance): the page reloads.
    let made_up = (last.parse::<i64>().unwrap_or_default() + 1).to_string();
    let mut stranger = Live::open(app, &bob_web, "home", Some(&made_up)).await;
    let ev = stranger
        .next(Duration::from_secs(5))
        .await
        .expect("an event");
    assert_eq!(ev.name, "gap", "{ev:?}");

    // An id from before the log: the page is told to reload.
    let old = herd::ids::compose(chrono::Utc::now().timestamp_millis() - 2 * 3_600_000, 0);
    let mut stale = Live::open(app, &bob_web, "home", Some(&old.to_string())).await;
    let ev = stale.next(Duration::from_secs(5)).await.expect("an event");
    assert_eq!(ev.name, "gap", "{ev:?}");
    assert!(
        stale.next(Duration::from_millis(500)).await.is_none(),
        "the connection ends after a gap"
    );
}

on_both_backends!(live_replay_after_last_event_id, replay);

/// Who may open a live connection, and on what.
async fn doors(app: &TestApp) {
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    let (status, list) = app
        .post_json("/api/v1/lists", &carol, json!({"title": "carol's"}))
        .await;
    assert_eq!(status, 200, "{list}");
    let _ = bob;
    let anon = app.browser();
    let res = anon
        .get(app.url("/live?streams=home"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "no session");
    let bob_web = web_sign_in(app, "bob").await;
    for (streams, code) in [
        ("", 400),
        ("nonsense", 400),
        (&format!("list:{}", list["id"].as_str().unwrap())[..], 404),
        ("thread:12345", 404),
    ] {
        let res = bob_web
            .get(app.url(&format!("/live?streams={streams}")))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), code, "{streams}");
    }
    // Signed-in pages name their streams; an anonymous reader's pages name none.
    let (_, tag) = page(&bob_web, &app.url("/tags/Rust")).await;
    assert!(tag.contains(r#"data-live="tag:rust""#), "{tag}");
    let (_, tag) = page(&anon, &app.url("/tags/Rust")).await;
    assert!(!tag.contains("data-live"), "{tag}");
    assert!(!tag.contains("live-text"), "{tag}");
    // Proposals are for members: bob is not one.
    let res = bob_web
        .get(app.url("/live?streams=proposals"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

on_both_backends!(live_doors, doors);

/// A proposal's page follows its count live when the rules show it, and never otherwise:
/// a ballot on a secret proposal sends nothing at all.
async fn tallies(app: &TestApp) {
    let m = members(app, 3).await;
    let (status, open) = app
        .post_json(
            "/api/v1/coop/proposals",
            &m[0].1,
            json!({"kind": "general", "title": "An open count", "body": ""}),
        )
        .await;
    assert_eq!(status, 200, "{open}");
    let (status, secret) = app
        .post_json(
            "/api/v1/coop/proposals",
            &m[0].1,
            json!({"kind": "general", "title": "A secret count", "body": "", "secret": true}),
        )
        .await;
    assert_eq!(status, 200, "{secret}");
    let (open_id, secret_id) = (
        open["id"].as_str().unwrap().to_string(),
        secret["id"].as_str().unwrap().to_string(),
    );
    let web = web_sign_in(app, "m1").await;
    let (_, show) = page(&web, &app.url(&format!("/proposals/{open_id}"))).await;
    assert!(
        show.contains(&format!(r#"data-live="proposal:{open_id}""#)),
        "{show}"
    );
    let mut live = Live::open(
        app,
        &web,
        &format!("proposal:{secret_id},proposal:{open_id}"),
        None,
    )
    .await;
    for pid in [&secret_id, &open_id] {
        let (status, v) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{pid}/votes"),
                &m[2].1,
                json!({"choice": "agree"}),
            )
            .await;
        assert_eq!(status, 200, "{v}");
    }
    let mut seen = Vec::new();
    let tally = loop {
        let ev = live
            .next(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| panic!("no tally for the open proposal: {seen:#?}"));
        if ev.name == "tally" && ev.data["col"] == format!("proposal:{open_id}") {
            break ev;
        }
        seen.push(ev);
    };
    assert!(
        seen.iter()
            .all(|e| e.data["col"] != format!("proposal:{secret_id}")),
        "a secret ballot sends nothing: {seen:#?}"
    );
    let html = tally.data["html"].as_str().unwrap();
    assert!(html.contains(r#"id="count""#), "{html}");
    assert!(
        html.contains(r#"class="tally""#),
        "the running count: {html}"
    );
}

on_both_backends!(live_tallies_only_where_shown, tallies);

/// With `X-Herd-Fragment: 1` a status action answers the status fragment; without, 303.
async fn fragments(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    app.user_with_token("bob").await;
    let id = post(app, &alice, json!({"status": "favourite me"})).await;
    let web = web_sign_in(app, "bob").await;
    let (_, home) = page(&web, &app.url("/home")).await;
    let csrf = csrf_of(&home);
    let form = [("csrf_token", csrf.as_str()), ("return_to", "/home")];
    let res = web
        .post(app.url(&format!("/web/statuses/{id}/favourite")))
        .header("x-herd-fragment", "1")
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.trim_start().starts_with("<article"), "{html}");
    assert!(
        html.contains(&format!("/web/statuses/{id}/unfavourite")),
        "{html}"
    );
    assert!(!html.contains("<html"), "a fragment only: {html}");
    let res = web
        .post(app.url(&format!("/web/statuses/{id}/unfavourite")))
        .form(&form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303, "plain post/redirect/get");
    // A forged fragment request is refused like any form.
    let res = web
        .post(app.url(&format!("/web/statuses/{id}/favourite")))
        .header("x-herd-fragment", "1")
        .form(&[("csrf_token", "forged"), ("return_to", "/home")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
}

on_both_backends!(status_actions_answer_fragments, fragments);

/// A reader with a thread open gets its new replies live, each as the reader may see it: a
/// followers-only reply reaches a follower only, a blocked author's reply nobody who blocked
/// them.
async fn thread(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    let (dave_id, dave) = app.user_with_token("dave").await;
    act(app, &bob, &format!("/api/v1/accounts/{alice_id}/follow")).await;
    act(app, &carol, &format!("/api/v1/accounts/{dave_id}/block")).await;
    let root = post(app, &alice, json!({"status": "what shall we bake"})).await;
    let bob_web = web_sign_in(app, "bob").await;
    let carol_web = web_sign_in(app, "carol").await;
    let (status, html) = page(&bob_web, &app.url(&format!("/@alice/{root}"))).await;
    assert_eq!(status, 200);
    assert!(
        html.contains(&format!(r#"data-live="thread:{root}""#)),
        "the thread page follows its replies: {html}"
    );
    let key = format!("thread:{root}");
    let mut bob_live = Live::open(app, &bob_web, &key, None).await;
    let mut carol_live = Live::open(app, &carol_web, &key, None).await;
    let reply = |text: &str, visibility: &str| json!({"status": text, "in_reply_to_id": root, "visibility": visibility});
    let hidden = post(app, &alice, reply("rye, for followers", "private")).await;
    post(app, &dave, reply("dave says scones", "public")).await;
    let open = post(app, &alice, reply("sourdough for all", "public")).await;
    post(app, &bob, json!({"status": "unrelated toast"})).await;
    post(app, &alice, reply("the last word", "public")).await;

    let seen = bob_live.until("the last word").await;
    let all = html_of(&seen);
    assert!(
        all.contains("rye, for followers"),
        "a follower sees it: {all}"
    );
    assert!(
        all.contains("dave says scones"),
        "bob blocked nobody: {all}"
    );
    assert!(!all.contains("unrelated toast"), "only this thread: {all}");
    let ev = seen
        .iter()
        .find(|e| e.data["id"] == open)
        .unwrap_or_else(|| panic!("the public reply: {seen:#?}"));
    assert_eq!(ev.name, "status");
    assert_eq!(ev.data["col"], key.as_str());
    let html = ev.data["html"].as_str().unwrap();
    assert!(html.contains(&format!(r#"id="s-{open}""#)), "{html}");

    let seen = carol_live.until("the last word").await;
    let all = html_of(&seen);
    assert!(all.contains("sourdough for all"), "{all}");
    assert!(
        !all.contains("rye, for followers") && !all.contains(&hidden),
        "a followers-only reply never reaches a stranger: {all}"
    );
    assert!(
        !all.contains("dave says scones"),
        "nor a blocked author's reply: {all}"
    );
    // A thread the reader may not see opens no connection.
    let secret = post(
        app,
        &alice,
        json!({"status": "just us", "visibility": "private"}),
    )
    .await;
    let res = carol_web
        .get(app.url(&format!("/live?streams=thread:{secret}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

on_both_backends!(live_thread_replies_for_the_viewer, thread);

/// POSTs `form` to `path` as a page would, with `X-Herd-Fragment: 1` when `fragment`.
async fn submit(
    app: &TestApp,
    web: &reqwest::Client,
    path: &str,
    form: &[(&str, &str)],
    fragment: bool,
) -> (u16, String) {
    let mut req = web.post(app.url(path)).form(form);
    if fragment {
        req = req.header("x-herd-fragment", "1");
    }
    let res = req.send().await.unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// The ballot and the follow button answer in place with `X-Herd-Fragment: 1`: the voting
/// part with the receipt once, or the message beside the field (422); the relationship
/// buttons as they now are. Without the header, the page or the redirect as before; a
/// forged token is refused either way.
async fn in_place(app: &TestApp) {
    let m = members(app, 3).await;
    let (status, p) = app
        .post_json(
            "/api/v1/coop/proposals",
            &m[0].1,
            json!({"kind": "general", "title": "Vote in place", "body": ""}),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let pid = p["id"].as_str().unwrap().to_string();
    let votes = format!("/proposals/{pid}/votes");
    let web = web_sign_in(app, "m1").await;
    let (_, show) = page(&web, &app.url(&format!("/proposals/{pid}"))).await;
    assert!(show.contains(r#"<div id="voting">"#), "{show}");
    let csrf = csrf_of(&show);

    let bad = [("csrf_token", csrf.as_str()), ("choice", "perhaps")];
    let (status, html) = submit(app, &web, &votes, &bad, true).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        html.trim_start().starts_with(r#"<div id="voting">"#),
        "{html}"
    );
    assert!(!html.contains("<html"), "a fragment only: {html}");
    assert!(
        html.contains(r#"id="ballot-error""#),
        "beside the field: {html}"
    );
    assert!(!html.contains("receipt-value"), "nothing was cast: {html}");

    let good = [("csrf_token", csrf.as_str()), ("choice", "agree")];
    let (status, html) = submit(app, &web, &votes, &good, true).await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.trim_start().starts_with(r#"<div id="voting">"#),
        "{html}"
    );
    assert!(!html.contains("<html"), "a fragment only: {html}");
    assert!(
        html.contains("receipt-value") && html.contains("nonce-value"),
        "{html}"
    );
    assert!(
        html.contains(r#"class="my-vote""#),
        "the vote as now cast: {html}"
    );
    let (_, again) = page(&web, &app.url(&format!("/proposals/{pid}"))).await;
    assert!(!again.contains("nonce-value"), "the nonce is shown once");

    // Without the header: the whole page, as before.
    let change = [("csrf_token", csrf.as_str()), ("choice", "disagree")];
    let (status, html) = submit(app, &web, &votes, &change, false).await;
    assert_eq!(status, 200);
    assert!(
        html.contains("<html") && html.contains("receipt-value"),
        "{html}"
    );
    let forged = [("csrf_token", "forged"), ("choice", "agree")];
    let (status, _) = submit(app, &web, &votes, &forged, true).await;
    assert_eq!(status, 403);

    // The follow button.
    let ada = m[0].0;
    let (_, profile) = page(&web, &app.url("/@ada")).await;
    assert!(profile.contains(r#"<div id="relationship">"#), "{profile}");
    let form = [("csrf_token", csrf.as_str()), ("return_to", "/@ada")];
    let (status, html) = submit(
        app,
        &web,
        &format!("/web/accounts/{ada}/follow"),
        &form,
        true,
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.trim_start().starts_with(r#"<div id="relationship">"#),
        "{html}"
    );
    assert!(!html.contains("<html"), "a fragment only: {html}");
    assert!(
        html.contains(&format!("/web/accounts/{ada}/unfollow")),
        "{html}"
    );
    assert!(
        html.contains(r#"name="return_to" value="&#x2F;@ada""#),
        "the form comes back to the profile: {html}"
    );
    let (status, _) = submit(
        app,
        &web,
        &format!("/web/accounts/{ada}/unfollow"),
        &form,
        false,
    )
    .await;
    assert_eq!(status, 303, "plain post/redirect/get");
    let (_, profile) = page(&web, &app.url("/@ada")).await;
    assert!(
        profile.contains(&format!("/web/accounts/{ada}/follow\"")),
        "unfollowed"
    );
    let forged = [("csrf_token", "forged"), ("return_to", "/@ada")];
    let (status, _) = submit(
        app,
        &web,
        &format!("/web/accounts/{ada}/follow"),
        &forged,
        true,
    )
    .await;
    assert_eq!(status, 403);
}

on_both_backends!(ballot_and_follow_answer_in_place, in_place);

fn columns_of(html: &str) -> Vec<String> {
    html.split(r#"<section class="deck-column""#)
        .skip(1)
        .filter_map(|s| {
            let start = s.find(r#"data-live=""#)? + 11;
            Some(s[start..start + s[start..].find('"')?].to_string())
        })
        .collect()
}

/// The deck's columns: the defaults, added, moved, removed, saved; bad input refused with
/// the message beside the field and nothing saved; forged forms refused.
async fn deck(app: &TestApp) {
    let (_, carol) = app.user_with_token("carol").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol_list) = app
        .post_json("/api/v1/lists", &carol, json!({"title": "carol's"}))
        .await;
    let (_, bob_list) = app
        .post_json("/api/v1/lists", &bob, json!({"title": "Friends"}))
        .await;
    let web = web_sign_in(app, "bob").await;
    let (status, html) = page(&web, &app.url("/deck")).await;
    assert_eq!(status, 200);
    assert_eq!(columns_of(&html), ["home", "notifications", "local"]);
    let csrf = csrf_of(&html);
    let add = |kind: &str, arg: &str| {
        let web = web.clone();
        let url = app.url("/deck/columns");
        let form = vec![
            ("csrf_token".to_string(), csrf.clone()),
            ("kind".to_string(), kind.to_string()),
            ("arg".to_string(), arg.to_string()),
        ];
        async move { web.post(url).form(&form).send().await.unwrap() }
    };
    assert_eq!(add("tag", "#Rust").await.status(), 303);
    let bob_list_id = bob_list["id"].as_str().unwrap();
    assert_eq!(add(&format!("list:{bob_list_id}"), "").await.status(), 303);
    let (_, html) = page(&web, &app.url("/deck")).await;
    assert_eq!(
        columns_of(&html),
        [
            "home",
            "notifications",
            "local",
            "tag:rust",
            &format!("list:{bob_list_id}")
        ]
    );
    assert!(
        html.contains("Friends"),
        "the list's title heads its column"
    );

    for (kind, arg, field) in [
        ("tag", "no spaces!", "deck-arg-error"),
        ("tag", "", "deck-arg-error"),
        ("list", carol_list["id"].as_str().unwrap(), "deck-arg-error"),
        ("tag", "rust", "deck-kind-error"),
        ("sideways", "", "deck-kind-error"),
    ] {
        let res = add(kind, arg).await;
        assert_eq!(res.status(), 422, "{kind} {arg}");
        let body = res.text().await.unwrap();
        assert!(
            body.contains(&format!(r#"id="{field}""#)),
            "{kind} {arg}: {body}"
        );
    }
    let (_, html) = page(&web, &app.url("/deck")).await;
    assert_eq!(columns_of(&html).len(), 5, "nothing saved");

    // Moves and removal, by plain forms.
    let post = |path: &str, token: &str| {
        let web = web.clone();
        let url = app.url(path);
        let form = vec![("csrf_token".to_string(), token.to_string())];
        async move { web.post(url).form(&form).send().await.unwrap() }
    };
    assert_eq!(post("/deck/columns/3/left", &csrf).await.status(), 303);
    assert_eq!(post("/deck/columns/0/remove", &csrf).await.status(), 303);
    assert_eq!(post("/deck/columns/9/remove", &csrf).await.status(), 404);
    assert_eq!(post("/deck/columns/0/sideways", &csrf).await.status(), 404);
    assert_eq!(post("/deck/columns/0/remove", "forged").await.status(), 403);
    let (_, html) = page(&web, &app.url("/deck")).await;
    assert_eq!(
        columns_of(&html),
        [
            "notifications",
            "tag:rust",
            "local",
            &format!("list:{bob_list_id}")
        ]
    );
    // Up to eight columns.
    for kind in ["home", "federated", "tag:a", "tag:b"] {
        let (k, a) = kind.split_once(':').unwrap_or((kind, ""));
        assert_eq!(add(k, a).await.status(), 303, "{kind}");
    }
    let res = add("tag", "ninth").await;
    assert_eq!(res.status(), 422);
    // Another member's deck is their own.
    let carol_web = web_sign_in(app, "carol").await;
    let (_, html) = page(&carol_web, &app.url("/deck")).await;
    assert_eq!(columns_of(&html), ["home", "notifications", "local"]);
    // Without a session: the sign-in page.
    let res = app.browser().get(app.url("/deck")).send().await.unwrap();
    assert_eq!(res.status(), 303);
}

on_both_backends!(deck_columns, deck);
