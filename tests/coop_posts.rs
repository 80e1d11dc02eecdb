//! Members-only means members only (issue 12, item 9). With the bylaws' default
//! `governance.proposal_visibility: members`, `@coop` is a locked account whose followers are
//! the active members, its proposal posts are followers-only and local-only, no public surface
//! shows them, and a reply in their thread takes their audience (active members, this server)
//! whatever visibility the app asked for. With `proposal_visibility: public` they stay public.

mod common;

use std::time::Duration;

use common::federation::{domain, settle};
use common::{Backend, TestApp};
use herd::config::Config;
use serde_json::{json, Value};

const PW: &str = "correct horse battery";

async fn token_for(app: &TestApp, account_id: i64) -> String {
    herd::services::oauth::operator_token(&app.state, account_id, "read write follow")
        .await
        .expect("token")
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    app.get_json(path, token).await
}

async fn ok(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    let (status, v) = app.get_json(path, token).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    app.post_json(path, token, body).await
}

async fn propose(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, p) = post(app, "/api/v1/coop/proposals", token, body).await;
    assert_eq!(status, 200, "{p}");
    p
}

/// The ids of the statuses in a JSON array (a timeline or a profile's statuses).
fn ids(list: &Value) -> Vec<String> {
    list.as_array()
        .unwrap_or_else(|| panic!("a list: {list}"))
        .iter()
        .map(|s| s["id"].as_str().unwrap_or_default().to_string())
        .collect()
}

async fn coop_id(app: &TestApp, token: &str) -> String {
    let coop = ok(app, "/api/v1/accounts/lookup?acct=coop", Some(token)).await;
    coop["id"].as_str().expect("id").to_string()
}

async fn relationship(app: &TestApp, token: &str, id: &str) -> Value {
    let r = ok(
        app,
        &format!("/api/v1/accounts/relationships?id[]={id}"),
        Some(token),
    )
    .await;
    r[0].clone()
}

async fn home(app: &TestApp, token: &str) -> Vec<String> {
    ids(&ok(app, "/api/v1/timelines/home?limit=40", Some(token)).await)
}

/// Writes the default founding documents with the bylaws' `governance` section replaced,
/// and points the configuration at them (as an operator's HERD_BYLAWS_DIR would).
fn proposal_visibility(config: &mut Config, value: &str) {
    let dir = config.data_dir.join("bylaws");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in herd_governance::bylaws::DEFAULT_DOCUMENTS {
        let mut text = text.to_string();
        if *name == "bylaws.md" {
            let before = "governance: { proposal_visibility: members }";
            assert!(
                text.contains(before),
                "the bylaws have a governance section"
            );
            text = text.replace(
                before,
                &format!("governance: {{ proposal_visibility: {value} }}"),
            );
        }
        std::fs::write(dir.join(name), text).unwrap();
    }
    config.bylaws_dir = dir.display().to_string();
}

fn public_bylaws(config: &mut Config) {
    proposal_visibility(config, "public")
}

async fn members_only(app: &TestApp) {
    let ada = app.create_user_with("ada", PW, Some("admin"), true).await;
    let ada_tok = token_for(app, ada).await;
    let m1 = app.create_user_with("m1", PW, None, true).await;
    let m1_tok = token_for(app, m1).await;
    let m2 = app.create_user_with("m2", PW, None, true).await;
    let m2_tok = token_for(app, m2).await;
    let m3 = app.create_user_with("m3", PW, None, true).await;
    let m3_tok = token_for(app, m3).await;
    let olive = app.create_user("olive", PW).await;
    let olive_tok = token_for(app, olive).await;
    // olive, not a member, follows m1 with notifications (m1's replies in the thread must not
    // reach her); so does m3, a member.
    for tok in [&olive_tok, &m3_tok] {
        let (status, r) = post(
            app,
            &format!("/api/v1/accounts/{m1}/follow"),
            tok,
            json!({ "notify": true }),
        )
        .await;
        assert_eq!(status, 200, "{r}");
        assert_eq!(r["following"], true, "{r}");
    }

    // @coop is locked; the members follow it.
    let coop = coop_id(app, &m1_tok).await;
    let account = ok(app, &format!("/api/v1/accounts/{coop}"), None).await;
    assert_eq!(account["locked"], true, "{account}");
    assert_eq!(relationship(app, &m1_tok, &coop).await["following"], true);
    // Its actor says so to other servers.
    let res = app
        .client
        .get(app.url("/coop"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET /coop");
    let actor: Value = res.json().await.expect("json");
    assert_eq!(actor["manuallyApprovesFollowers"], true, "{actor}");
    // Its followers are the roster, which is for members: the list is hidden.
    let followers = format!("/api/v1/accounts/{coop}/followers");
    assert_eq!(ok(app, &followers, None).await, json!([]));
    assert_eq!(ok(app, &followers, Some(&olive_tok)).await, json!([]));
    let res = app
        .client
        .get(app.url("/users/coop/followers?page=true"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET followers");
    assert_eq!(res.status(), 403, "the followers pages are hidden");

    // A proposal opens: @coop posts it to its followers only, on this server only.
    let p = propose(
        app,
        &ada_tok,
        json!({ "kind": "general", "title": "Buy a larger flamingo disk", "body": "It costs 300 EUR." }),
    )
    .await;
    let sid = p["status_id"].as_str().expect("status_id").to_string();
    let poll = p["poll_id"].as_str().expect("poll_id").to_string();
    app.run_jobs().await;

    // No public surface shows it.
    let path = format!("/api/v1/statuses/{sid}");
    assert_eq!(get(app, &path, None).await.0, 404, "anonymous");
    assert_eq!(get(app, &path, Some(&olive_tok)).await.0, 404, "non-member");
    for tl in [
        "/api/v1/timelines/public?limit=40",
        "/api/v1/timelines/public?local=true&limit=40",
    ] {
        assert!(!ids(&ok(app, tl, None).await).contains(&sid), "{tl}");
        assert!(
            !ids(&ok(app, tl, Some(&m1_tok)).await).contains(&sid),
            "{tl}"
        );
    }
    let profile = format!("/api/v1/accounts/{coop}/statuses");
    assert!(!ids(&ok(app, &profile, None).await).contains(&sid));
    assert!(!ids(&ok(app, &profile, Some(&olive_tok)).await).contains(&sid));
    let search = "/api/v2/search?q=flamingo&type=statuses";
    assert!(ids(&ok(app, search, Some(&olive_tok)).await["statuses"]).is_empty());
    assert_eq!(
        ids(&ok(app, search, Some(&m1_tok)).await["statuses"]),
        std::slice::from_ref(&sid),
        "a member finds it"
    );
    for outbox in ["/users/coop/outbox?page=true", "/coop/outbox"] {
        let (status, o) = get(app, outbox, None).await;
        assert_eq!(status, 200, "{outbox}");
        assert!(!o.to_string().contains("flamingo"), "{outbox}: {o}");
    }
    let res = app
        .client
        .get(app.url(&format!("/users/coop/statuses/{sid}")))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET note");
    assert_eq!(res.status(), 404, "the Note is not served");

    // A member sees it at home, as followers-only and local-only, and votes in its poll.
    assert!(home(app, &m1_tok).await.contains(&sid));
    let s = ok(app, &path, Some(&m1_tok)).await;
    assert_eq!(s["visibility"], "private", "{s}");
    assert_eq!(s["local_only"], true, "{s}");
    assert!(ids(&ok(app, &profile, Some(&m1_tok)).await).contains(&sid));
    let (status, v) = post(
        app,
        &format!("/api/v1/polls/{poll}/votes"),
        &m1_tok,
        json!({ "choices": ["0"] }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let mine = ok(
        app,
        &format!("/api/v1/coop/proposals/{}", p["id"].as_str().unwrap()),
        Some(&m1_tok),
    )
    .await;
    assert_eq!(
        mine["my_vote"]["ballot"],
        json!({ "choice": "agree" }),
        "{mine}"
    );

    // Following @coop: a non-member is refused; a member is accepted at once.
    let follow = format!("/api/v1/accounts/{coop}/follow");
    let (status, err) = post(app, &follow, &olive_tok, json!({})).await;
    assert_eq!(status, 403, "{err}");
    assert!(
        err["error"].as_str().unwrap().contains("active members"),
        "{err}"
    );
    let r = relationship(app, &olive_tok, &coop).await;
    assert_eq!(
        (r["following"].clone(), r["requested"].clone()),
        (json!(false), json!(false))
    );
    let (status, r) = post(
        app,
        &format!("/api/v1/accounts/{coop}/unfollow"),
        &m2_tok,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["following"], false, "{r}");
    let (status, r) = post(app, &follow, &m2_tok, json!({})).await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["following"], true, "{r}");
    assert_eq!(r["requested"], false, "{r}");

    // m1 replies asking for a public post: it gets the thread's audience, and says so.
    let (status, reply) = post(
        app,
        "/api/v1/statuses",
        &m1_tok,
        json!({ "status": "Flamingo disks are loud, @olive", "visibility": "public", "in_reply_to_id": sid }),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["visibility"], "private", "{reply}");
    assert_eq!(reply["local_only"], true, "{reply}");
    let rid = reply["id"].as_str().unwrap().to_string();
    // m2 answers m1 (a reply to a reply) as unlisted: the same.
    let (status, reply2) = post(
        app,
        "/api/v1/statuses",
        &m2_tok,
        json!({ "status": "Quieter ones cost more", "visibility": "unlisted", "in_reply_to_id": rid }),
    )
    .await;
    assert_eq!(status, 200, "{reply2}");
    assert_eq!(reply2["visibility"], "private", "{reply2}");
    assert_eq!(reply2["local_only"], true, "{reply2}");
    let rid2 = reply2["id"].as_str().unwrap().to_string();
    app.run_jobs().await;
    // Other members (who do not follow m1) read the discussion; olive, who follows m1 and is
    // mentioned, does not: not at home, not on m1's profile, not by id, not as a mention.
    for (tok, who) in [(&ada_tok, "ada"), (&m3_tok, "m3")] {
        assert_eq!(
            get(app, &format!("/api/v1/statuses/{rid}"), Some(tok))
                .await
                .0,
            200,
            "{who}"
        );
        let ctx = ok(app, &format!("/api/v1/statuses/{sid}/context"), Some(tok)).await;
        let d = ids(&ctx["descendants"]);
        assert!(d.contains(&rid) && d.contains(&rid2), "{who}: {ctx}");
    }
    for id in [&rid, &rid2] {
        assert_eq!(
            get(app, &format!("/api/v1/statuses/{id}"), Some(&olive_tok))
                .await
                .0,
            404
        );
        assert_eq!(
            get(app, &format!("/api/v1/statuses/{id}"), None).await.0,
            404
        );
    }
    assert!(!home(app, &olive_tok).await.contains(&rid));
    assert!(
        home(app, &m3_tok).await.contains(&rid),
        "m3, a member, follows m1"
    );
    assert!(!ids(&ok(
        app,
        &format!("/api/v1/accounts/{m1}/statuses"),
        Some(&olive_tok)
    )
    .await)
    .contains(&rid));
    assert!(!ids(&ok(app, &format!("/api/v1/accounts/{m1}/statuses"), None).await).contains(&rid));
    let notes = ok(app, "/api/v1/notifications", Some(&olive_tok)).await;
    assert!(
        !notes.to_string().contains(&rid),
        "no mention reaches olive: {notes}"
    );
    let unread = ok(app, "/api/v1/notifications/unread_count", Some(&olive_tok)).await;
    assert_eq!(
        unread["count"], 0,
        "nor a notification of m1's post: {unread}"
    );
    let m3_notes = ok(app, "/api/v1/notifications", Some(&m3_tok)).await;
    assert!(
        m3_notes.to_string().contains(&rid),
        "m3 is told: {m3_notes}"
    );
    assert!(!ids(&ok(app, "/api/v1/timelines/public?limit=40", None).await).contains(&rid));
    // Nor can m1 boost it out of its audience.
    let (status, err) = post(
        app,
        &format!("/api/v1/statuses/{rid}/reblog"),
        &m1_tok,
        json!({}),
    )
    .await;
    assert_eq!(status, 403, "{err}");

    // m2 withdraws and m3 is expelled: they leave @coop's followers and see no new posts.
    let res = app
        .client
        .delete(app.url("/api/v1/coop/membership"))
        .bearer_auth(&m2_tok)
        .send()
        .await
        .expect("withdraw");
    assert_eq!(res.status(), 200);
    let expel = propose(
        app,
        &ada_tok,
        json!({ "kind": "membership", "title": "Expel m3", "body": "CoC 1.1",
                "payload": { "account_id": m3.to_string(), "action": "expel" } }),
    )
    .await;
    let expel_id = expel["id"].as_str().unwrap().to_string();
    for t in [&ada_tok, &m1_tok] {
        let (status, v) = post(
            app,
            &format!("/api/v1/coop/proposals/{expel_id}/votes"),
            t,
            json!({ "choice": "agree" }),
        )
        .await;
        assert_eq!(status, 200, "{v}");
    }
    app.state
        .clock
        .advance(Duration::from_secs(3 * 86_400 + 60));
    app.run_jobs().await;
    let m = ok(app, &format!("/api/v1/coop/members/{m3}"), Some(&ada_tok)).await;
    assert_eq!(m["state"], "expelled", "{m}");
    let later = propose(
        app,
        &ada_tok,
        json!({ "kind": "general", "title": "Rename the flamingo server", "body": "" }),
    )
    .await;
    let later_sid = later["status_id"].as_str().unwrap().to_string();
    app.run_jobs().await;
    assert!(home(app, &m1_tok).await.contains(&later_sid));
    for (tok, who) in [(&m2_tok, "m2 (withdrawn)"), (&m3_tok, "m3 (expelled)")] {
        assert_eq!(
            relationship(app, tok, &coop).await["following"],
            false,
            "{who}"
        );
        let h = home(app, tok).await;
        assert!(!h.contains(&later_sid), "{who}: {h:?}");
        assert!(
            !h.contains(&sid),
            "{who}: the old posts leave their home too"
        );
        assert!(!h.contains(&rid), "{who}: and so does the discussion");
        assert_eq!(
            get(app, &format!("/api/v1/statuses/{later_sid}"), Some(tok))
                .await
                .0,
            404,
            "{who}"
        );
        assert_eq!(
            get(app, &format!("/api/v1/statuses/{rid}"), Some(tok))
                .await
                .0,
            404,
            "{who}"
        );
        // And they cannot follow back in.
        assert_eq!(post(app, &follow, tok, json!({})).await.0, 403, "{who}");
    }
    // A post of one's own outside the thread is untouched: m1's public post stays public.
    let (status, own) = post(
        app,
        "/api/v1/statuses",
        &m1_tok,
        json!({ "status": "Lunch?", "visibility": "public" }),
    )
    .await;
    assert_eq!(status, 200, "{own}");
    assert_eq!(own["visibility"], "public");
    assert_eq!(own["local_only"], false);
}

on_both_backends!(members_only_proposal_posts, members_only);

/// `proposal_visibility: public`: the posts stay public, as before, and anyone may follow.
async fn public_posts(app: &TestApp) {
    let ada = app.create_user_with("ada", PW, Some("admin"), true).await;
    let ada_tok = token_for(app, ada).await;
    let olive = app.create_user("olive", PW).await;
    let olive_tok = token_for(app, olive).await;
    let coop = coop_id(app, &olive_tok).await;
    let account = ok(app, &format!("/api/v1/accounts/{coop}"), None).await;
    assert_eq!(account["locked"], false, "{account}");
    let (status, r) = post(
        app,
        &format!("/api/v1/accounts/{coop}/follow"),
        &olive_tok,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["following"], true, "{r}");

    let p = propose(
        app,
        &ada_tok,
        json!({ "kind": "general", "title": "Open the books", "body": "" }),
    )
    .await;
    let sid = p["status_id"].as_str().unwrap().to_string();
    app.run_jobs().await;
    let s = ok(app, &format!("/api/v1/statuses/{sid}"), None).await;
    assert_eq!(s["visibility"], "public", "{s}");
    assert_eq!(s["local_only"], false, "{s}");
    assert!(ids(&ok(app, "/api/v1/timelines/public?limit=40", None).await).contains(&sid));
    assert!(home(app, &olive_tok).await.contains(&sid));
    // olive sees the poll but may not vote in it, and is told why.
    let (status, err) = post(
        app,
        &format!("/api/v1/polls/{}/votes", p["poll_id"].as_str().unwrap()),
        &olive_tok,
        json!({ "choices": ["0"] }),
    )
    .await;
    assert_eq!(status, 403, "{err}");
    assert!(
        err["error"]
            .as_str()
            .unwrap()
            .contains("Only active members of the co-op can vote on proposals"),
        "{err}"
    );
    // A reply keeps the visibility it asked for.
    let (status, reply) = post(
        app,
        "/api/v1/statuses",
        &ada_tok,
        json!({ "status": "Yes please", "visibility": "public", "in_reply_to_id": sid }),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["visibility"], "public", "{reply}");
    assert_eq!(reply["local_only"], false, "{reply}");
}

on_both_backends!(public_proposal_posts, public_posts, public_bylaws);

async fn pair(backend: Backend, tweak: fn(&mut Config)) -> Option<(TestApp, TestApp)> {
    let a = TestApp::spawn_with(backend, tweak).await?;
    let b = TestApp::spawn(backend).await?;
    Some((a, b))
}

/// B's account for an acct on A (resolved through WebFinger).
async fn remote_id(b: &TestApp, token: &str, acct: &str) -> String {
    let r = ok(
        b,
        &format!("/api/v1/accounts/lookup?acct={acct}"),
        Some(token),
    )
    .await;
    r["id"].as_str().expect("id").to_string()
}

/// Across servers: a remote follow of @coop is refused, and neither the proposal post nor a
/// member's reply to it reaches the member's remote follower.
async fn two_servers(backend: Backend) {
    let Some((a, b)) = pair(backend, |_| {}).await else {
        return;
    };
    let da = domain(&a);
    let ada = a.create_user_with("ada", PW, Some("admin"), true).await;
    let ada_tok = token_for(&a, ada).await;
    let m1 = a.create_user_with("m1", PW, None, true).await;
    let m1_tok = token_for(&a, m1).await;
    let (_, bob) = b.user_with_token("bob").await;

    // bob@B follows m1@A (accepted) and asks to follow coop@A: refused with a Reject.
    let m1_on_b = remote_id(&b, &bob, &format!("m1@{da}")).await;
    let (status, _) = post(
        &b,
        &format!("/api/v1/accounts/{m1_on_b}/follow"),
        &bob,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let coop_on_b = remote_id(&b, &bob, &format!("coop@{da}")).await;
    let (status, r) = post(
        &b,
        &format!("/api/v1/accounts/{coop_on_b}/follow"),
        &bob,
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    assert_eq!(r["requested"], true, "{r}");
    settle(&a, &b).await;
    assert_eq!(relationship(&b, &bob, &m1_on_b).await["following"], true);
    let r = relationship(&b, &bob, &coop_on_b).await;
    assert_eq!(r["following"], false, "{r}");
    assert_eq!(r["requested"], false, "the Reject arrived: {r}");
    let coop = coop_id(&a, &ada_tok).await;
    let coop_on_a = ok(&a, &format!("/api/v1/accounts/{coop}"), None).await;
    assert_eq!(
        coop_on_a["followers_count"], 2,
        "ada and m1 only: {coop_on_a}"
    );

    // A proposal, m1's public-asked reply to it, and (as a control) m1's own public post.
    let p = propose(
        &a,
        &ada_tok,
        json!({ "kind": "general", "title": "Pay the flamingo invoice", "body": "" }),
    )
    .await;
    let sid = p["status_id"].as_str().unwrap().to_string();
    let (status, reply) = post(
        &a,
        "/api/v1/statuses",
        &m1_tok,
        json!({ "status": "Secret flamingo matters", "visibility": "public", "in_reply_to_id": sid }),
    )
    .await;
    assert_eq!(status, 200, "{reply}");
    assert_eq!(reply["visibility"], "private", "{reply}");
    assert_eq!(reply["local_only"], true, "{reply}");
    let (status, _) = post(
        &a,
        "/api/v1/statuses",
        &m1_tok,
        json!({ "status": "Hello from m1", "visibility": "public" }),
    )
    .await;
    assert_eq!(status, 200);
    settle(&a, &b).await;

    let home_b = ok(&b, "/api/v1/timelines/home?limit=40", Some(&bob))
        .await
        .to_string();
    assert!(
        home_b.contains("Hello from m1"),
        "the control arrives: {home_b}"
    );
    assert!(!home_b.contains("flamingo"), "{home_b}");
    let public_b = ok(&b, "/api/v1/timelines/public?limit=40", None)
        .await
        .to_string();
    assert!(!public_b.contains("flamingo"), "{public_b}");
    let search = ok(&b, "/api/v2/search?q=flamingo&type=statuses", Some(&bob)).await;
    assert!(ids(&search["statuses"]).is_empty(), "{search}");

    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_sqlite() {
    two_servers(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_servers_postgres() {
    two_servers(Backend::Postgres).await
}

/// An amendment that turns proposal posts members-only locks @coop when it is enacted (as
/// does the start of an instance whose bylaws in force say so, or say nothing): followers who
/// are not active members are removed (a remote one gets a Reject); the posts already made
/// public are left as they were.
async fn becoming_members_only(backend: Backend) {
    let Some((a, b)) = pair(backend, public_bylaws).await else {
        return;
    };
    let da = domain(&a);
    let ada = a.create_user_with("ada", PW, Some("admin"), true).await;
    let ada_tok = token_for(&a, ada).await;
    let olive = a.create_user("olive", PW).await;
    let olive_tok = token_for(&a, olive).await;
    let (_, bob) = b.user_with_token("bob").await;
    let coop = coop_id(&a, &ada_tok).await;
    let (status, _) = post(
        &a,
        &format!("/api/v1/accounts/{coop}/follow"),
        &olive_tok,
        json!({}),
    )
    .await;
    assert_eq!(status, 200);
    let coop_on_b = remote_id(&b, &bob, &format!("coop@{da}")).await;
    post(
        &b,
        &format!("/api/v1/accounts/{coop_on_b}/follow"),
        &bob,
        json!({}),
    )
    .await;
    settle(&a, &b).await;
    assert_eq!(relationship(&b, &bob, &coop_on_b).await["following"], true);
    assert_eq!(relationship(&a, &olive_tok, &coop).await["following"], true);
    let before = propose(
        &a,
        &ada_tok,
        json!({ "kind": "general", "title": "Made while public", "body": "" }),
    )
    .await;
    let before_sid = before["status_id"].as_str().unwrap().to_string();
    settle(&a, &b).await;

    // The members amend the bylaws: proposal posts become members-only.
    let by = ok(&a, "/api/v1/coop/policies/bylaws", None).await;
    let text = by["text"].as_str().expect("text").replace(
        "proposal_visibility: public",
        "proposal_visibility: members",
    );
    let mut amendment = None;
    // Written on version 1: numbered 2 by hand, or left at 1 where Herd numbers versions.
    for version in ["version: 2", "version: 1"] {
        let (status, p) = post(
            &a,
            "/api/v1/coop/proposals",
            &ada_tok,
            json!({ "kind": "bylaws_amendment", "title": "Proposals for members", "body": "",
                    "payload": { "policy": "bylaws", "text": text.replace("version: 1", version) } }),
        )
        .await;
        if status == 200 {
            amendment = Some(p);
            break;
        }
        assert_eq!(status, 422, "{p}");
    }
    let amendment = amendment.expect("the amendment opens");
    let pid = amendment["id"].as_str().unwrap().to_string();
    let (status, v) = post(
        &a,
        &format!("/api/v1/coop/proposals/{pid}/votes"),
        &ada_tok,
        json!({ "choice": "agree" }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    // Both clocks move on, so that A's signatures stay within B's window.
    for app in [&a, &b] {
        app.state
            .clock
            .advance(Duration::from_secs(10 * 86_400 + 60));
    }
    settle(&a, &b).await;
    let done = ok(&a, &format!("/api/v1/coop/proposals/{pid}"), Some(&ada_tok)).await;
    assert_eq!(done["state"], "enacted", "{done}");

    let account = ok(&a, &format!("/api/v1/accounts/{coop}"), None).await;
    assert_eq!(account["locked"], true, "{account}");
    assert_eq!(account["followers_count"], 1, "ada only: {account}");
    assert_eq!(
        relationship(&a, &olive_tok, &coop).await["following"],
        false
    );
    let r = relationship(&b, &bob, &coop_on_b).await;
    assert_eq!(
        r["following"], false,
        "the remote follower got a Reject: {r}"
    );
    // The post made while public stays public; the next one is for members.
    assert_eq!(
        get(&a, &format!("/api/v1/statuses/{before_sid}"), None)
            .await
            .0,
        200
    );
    let after = propose(
        &a,
        &ada_tok,
        json!({ "kind": "general", "title": "Made for members", "body": "" }),
    )
    .await;
    let after_sid = after["status_id"].as_str().unwrap().to_string();
    assert_eq!(
        get(&a, &format!("/api/v1/statuses/{after_sid}"), None)
            .await
            .0,
        404
    );
    let s = ok(&a, &format!("/api/v1/statuses/{after_sid}"), Some(&ada_tok)).await;
    assert_eq!(s["visibility"], "private", "{s}");

    a.stop().await;
    b.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn becoming_members_only_sqlite() {
    becoming_members_only(Backend::Sqlite).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn becoming_members_only_postgres() {
    becoming_members_only(Backend::Postgres).await
}
