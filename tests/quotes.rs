//! Quote posts (Mastodon 4.5): quoting under the author's policy (public, followers,
//! nobody; the account default and per post), the `quote` and `quote_approval` a reader is
//! shown (never a post they could not see), the 422 refusals, listing and revoking quotes,
//! changing a post's policy, the `quote` and `quoted_update` notifications; and over
//! ActivityPub (FEP-044f) between two Herds both ways: QuoteRequest, the stamp, an incoming
//! quote checked against it, and revocation. Each backend.

mod common;

use common::federation::{domain, settle};
use common::{Backend, TestApp};
use serde_json::{json, Value};

fn id(v: &Value) -> String {
    v["id"].as_str().expect("id").to_string()
}

async fn post(app: &TestApp, token: &str, body: Value) -> Value {
    let (status, v) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{v}");
    v
}

async fn quote(app: &TestApp, token: &str, quoted: &str) -> (u16, Value) {
    app.post_json(
        "/api/v1/statuses",
        token,
        json!({"status": "look at this", "quoted_status_id": quoted}),
    )
    .await
}

async fn get(app: &TestApp, path: &str, token: Option<&str>) -> Value {
    let (status, v) = app.get_json(path, token).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

async fn put_json(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .put(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("PUT");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn patch_json(app: &TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .patch(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .expect("PATCH");
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn notifications_of(app: &TestApp, token: &str, kind: &str) -> Vec<Value> {
    get(app, "/api/v1/notifications", Some(token))
        .await
        .as_array()
        .expect("notifications")
        .iter()
        .filter(|n| n["type"] == kind)
        .cloned()
        .collect()
}

async fn follow_local(app: &TestApp, token: &str, account: i64) {
    let (status, v) = app
        .post_json(
            &format!("/api/v1/accounts/{account}/follow"),
            token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
}

/// Each policy: public lets anyone quote, followers only followers, nobody only the author;
/// the account default comes from `source.quote_policy`; a bad value is a 422.
async fn policies(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;

    // Public (the default): Bob quotes, the quote is accepted and shows the post.
    let open = post(app, &alice, json!({"status": "open post"})).await;
    assert_eq!(
        open["quote_approval"]["automatic"],
        json!(["public"]),
        "{open}"
    );
    assert!(open["quote"].is_null(), "{open}");
    let seen = get(app, &format!("/api/v1/statuses/{}", id(&open)), Some(&bob)).await;
    assert_eq!(
        seen["quote_approval"]["current_user"], "automatic",
        "{seen}"
    );
    let anon = get(app, &format!("/api/v1/statuses/{}", id(&open)), None).await;
    assert_eq!(anon["quote_approval"]["current_user"], "unknown", "{anon}");
    let (status, q) = quote(app, &bob, &id(&open)).await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(q["quote"]["state"], "accepted", "{q}");
    assert_eq!(q["quote"]["quoted_status"]["id"], open["id"], "{q}");
    // Inside the quoted post, a further quote would only be named.
    assert!(q["quote"]["quoted_status"]["quote"].is_null(), "{q}");
    let notes = notifications_of(app, &alice, "quote").await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["status"]["id"], q["id"], "{notes:?}");
    let again = get(
        app,
        &format!("/api/v1/statuses/{}", id(&open)),
        Some(&alice),
    )
    .await;
    assert_eq!(again["quotes_count"], 1, "{again}");

    // A bad policy, per post or as the default, is refused.
    let (status, v) = app
        .post_json(
            "/api/v1/statuses",
            &alice,
            json!({"status": "x", "quote_approval_policy": "everyone"}),
        )
        .await;
    assert_eq!(status, 422, "{v}");
    assert!(v["error"].is_string(), "{v}");
    let (status, v) = patch_json(
        app,
        "/api/v1/accounts/update_credentials",
        &alice,
        json!({"source": {"quote_policy": "everyone"}}),
    )
    .await;
    assert_eq!(status, 422, "{v}");

    // Followers, as the account's default.
    let (status, v) = patch_json(
        app,
        "/api/v1/accounts/update_credentials",
        &alice,
        json!({"source": {"quote_policy": "followers"}}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["source"]["quote_policy"], "followers", "{v}");
    let creds = get(app, "/api/v1/accounts/verify_credentials", Some(&alice)).await;
    assert_eq!(creds["source"]["quote_policy"], "followers", "{creds}");
    let prefs = get(app, "/api/v1/preferences", Some(&alice)).await;
    assert_eq!(
        prefs["posting:default:quote_policy"], "followers",
        "{prefs}"
    );
    let friends = post(app, &alice, json!({"status": "for followers to quote"})).await;
    assert_eq!(
        friends["quote_approval"]["automatic"],
        json!(["followers"]),
        "{friends}"
    );
    let seen = get(
        app,
        &format!("/api/v1/statuses/{}", id(&friends)),
        Some(&bob),
    )
    .await;
    assert_eq!(seen["quote_approval"]["current_user"], "denied", "{seen}");
    let (status, v) = quote(app, &bob, &id(&friends)).await;
    assert_eq!(status, 422, "a stranger may not quote: {v}");
    assert!(v["error"].is_string(), "{v}");
    follow_local(app, &bob, alice_id).await;
    let seen = get(
        app,
        &format!("/api/v1/statuses/{}", id(&friends)),
        Some(&bob),
    )
    .await;
    assert_eq!(
        seen["quote_approval"]["current_user"], "automatic",
        "{seen}"
    );
    let (status, v) = quote(app, &bob, &id(&friends)).await;
    assert_eq!(status, 200, "a follower may: {v}");
    assert_eq!(v["quote"]["state"], "accepted", "{v}");

    // Nobody, per post: only the author.
    let closed = post(
        app,
        &alice,
        json!({"status": "mine alone", "quote_approval_policy": "nobody"}),
    )
    .await;
    assert_eq!(closed["quote_approval"]["automatic"], json!([]), "{closed}");
    let (status, v) = quote(app, &bob, &id(&closed)).await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = quote(app, &alice, &id(&closed)).await;
    assert_eq!(status, 200, "the author may quote her own post: {v}");

    // Private and direct posts are never quotable, even by a follower who sees them; a
    // post one cannot see is not found.
    let private = post(
        app,
        &alice,
        json!({"status": "followers only", "visibility": "private"}),
    )
    .await;
    assert_eq!(
        private["quote_approval"]["automatic"],
        json!([]),
        "{private}"
    );
    let (status, v) = quote(app, &bob, &id(&private)).await;
    assert_eq!(status, 422, "{v}");
    let (_, carol) = app.user_with_token("carol").await;
    let (status, v) = quote(app, &carol, &id(&private)).await;
    assert_eq!(status, 404, "{v}");
    let direct = post(
        app,
        &alice,
        json!({"status": "@bob hi", "visibility": "direct"}),
    )
    .await;
    let (status, v) = quote(app, &bob, &id(&direct)).await;
    assert_eq!(status, 422, "{v}");
    let (status, v) = quote(app, &bob, "123456").await;
    assert_eq!(status, 404, "{v}");
    // Nothing half-written: Bob has exactly his two accepted quotes.
    let mine = get(
        app,
        &format!("/api/v1/accounts/{}/statuses", v_id(app, &bob).await),
        Some(&bob),
    )
    .await;
    assert_eq!(mine.as_array().expect("statuses").len(), 2, "{mine}");
}

async fn v_id(app: &TestApp, token: &str) -> String {
    id(&get(app, "/api/v1/accounts/verify_credentials", Some(token)).await)
}

on_both_backends!(each_policy, policies);

/// Listing a post's quotes (its author only), revoking one, and changing the post's policy.
async fn revoke_and_policy(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    let original = post(app, &alice, json!({"status": "quote me"})).await;
    let (_, q) = quote(app, &bob, &id(&original)).await;
    let list = get(
        app,
        &format!("/api/v1/statuses/{}/quotes", id(&original)),
        Some(&alice),
    )
    .await;
    assert_eq!(list.as_array().expect("list").len(), 1, "{list}");
    assert_eq!(list[0]["id"], q["id"], "{list}");
    let (status, _) = app
        .get_json(
            &format!("/api/v1/statuses/{}/quotes", id(&original)),
            Some(&bob),
        )
        .await;
    assert_eq!(status, 403, "only the author lists the quotes");

    // Only the quoted author revokes, and only a quote of that post.
    let path = format!(
        "/api/v1/statuses/{}/quotes/{}/revoke",
        id(&original),
        id(&q)
    );
    let (status, _) = app.post_json(&path, &bob, json!({})).await;
    assert_eq!(status, 403);
    let other = post(app, &alice, json!({"status": "another"})).await;
    let (status, _) = app
        .post_json(
            &format!("/api/v1/statuses/{}/quotes/{}/revoke", id(&other), id(&q)),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 404);
    let (status, revoked) = app.post_json(&path, &alice, json!({})).await;
    assert_eq!(status, 200, "{revoked}");
    assert_eq!(revoked["id"], q["id"], "{revoked}");
    assert_eq!(revoked["quote"]["state"], "revoked", "{revoked}");
    assert!(revoked["quote"]["quoted_status"].is_null(), "{revoked}");
    let seen = get(app, &format!("/api/v1/statuses/{}", id(&q)), Some(&carol)).await;
    assert_eq!(seen["quote"]["state"], "revoked", "{seen}");
    assert!(seen["quote"]["quoted_status"].is_null(), "{seen}");
    let list = get(
        app,
        &format!("/api/v1/statuses/{}/quotes", id(&original)),
        Some(&alice),
    )
    .await;
    assert_eq!(list, json!([]));

    // The interaction policy: nobody from now on; bad values and others' posts refused.
    let ip = format!("/api/v1/statuses/{}/interaction_policy", id(&original));
    let (status, v) = put_json(
        app,
        &ip,
        &alice,
        json!({"quote_approval_policy": "sometimes"}),
    )
    .await;
    assert_eq!(status, 422, "{v}");
    let (status, _) = put_json(app, &ip, &bob, json!({"quote_approval_policy": "public"})).await;
    assert_eq!(status, 403);
    let (status, v) = put_json(app, &ip, &alice, json!({"quote_approval_policy": "nobody"})).await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["quote_approval"]["automatic"], json!([]), "{v}");
    let (status, v) = quote(app, &carol, &id(&original)).await;
    assert_eq!(status, 422, "{v}");
    let private = post(app, &alice, json!({"status": "p", "visibility": "private"})).await;
    let (status, v) = put_json(
        app,
        &format!("/api/v1/statuses/{}/interaction_policy", id(&private)),
        &alice,
        json!({"quote_approval_policy": "public"}),
    )
    .await;
    assert_eq!(status, 422, "{v}");
}

on_both_backends!(revoking_and_interaction_policy, revoke_and_policy);

/// What a reader is shown of a quoted post: blocked either way, muted, deleted, or not
/// visible to them (a local-only post read anonymously) hide it behind a state.
async fn states_for_readers(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (carol_id, carol) = app.user_with_token("carol").await;
    let (_, dave) = app.user_with_token("dave").await;
    let original = post(app, &alice, json!({"status": "the quoted words"})).await;
    let (_, q) = quote(app, &bob, &id(&original)).await;
    let path = format!("/api/v1/statuses/{}", id(&q));
    let seen = get(app, &path, Some(&carol)).await;
    assert_eq!(seen["quote"]["state"], "accepted", "{seen}");

    // Alice blocks Carol: Carol sees Bob's post, not Alice's inside it.
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{carol_id}/block"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let seen = get(app, &path, Some(&carol)).await;
    assert_eq!(seen["quote"]["state"], "blocked_account", "{seen}");
    assert!(seen["quote"]["quoted_status"].is_null(), "{seen}");
    assert!(!seen.to_string().contains("the quoted words"), "{seen}");
    // Dave blocks Alice: the same for him; muting her, muted_account.
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/mute"),
            &dave,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let seen = get(app, &path, Some(&dave)).await;
    assert_eq!(seen["quote"]["state"], "muted_account", "{seen}");
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{alice_id}/block"),
            &dave,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let seen = get(app, &path, Some(&dave)).await;
    assert_eq!(seen["quote"]["state"], "blocked_account", "{seen}");
    // Blocked, one cannot quote either.
    let fresh = post(app, &alice, json!({"status": "fresh"})).await;
    let (status, v) = quote(app, &dave, &id(&fresh)).await;
    assert_eq!(status, 422, "{v}");

    // A local-only post quoted: anonymous readers are not shown it.
    let local = post(
        app,
        &alice,
        json!({"status": "members only words", "local_only": true}),
    )
    .await;
    let (status, lq) = quote(app, &bob, &id(&local)).await;
    assert_eq!(status, 200, "{lq}");
    let anon = get(app, &format!("/api/v1/statuses/{}", id(&lq)), None).await;
    assert_eq!(anon["quote"]["state"], "unauthorized", "{anon}");
    assert!(!anon.to_string().contains("members only words"), "{anon}");

    // The quoted post deleted.
    let (status, _) = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{}", id(&original))))
        .bearer_auth(&alice)
        .send()
        .await
        .map(|r| (r.status().as_u16(), ()))
        .expect("DELETE");
    assert_eq!(status, 200);
    let seen = get(app, &path, Some(&bob)).await;
    assert_eq!(seen["quote"]["state"], "deleted", "{seen}");
    assert!(seen["quote"]["quoted_status"].is_null(), "{seen}");
}

on_both_backends!(reader_states, states_for_readers);

/// An edit of a quoted post tells the quoting authors (`quoted_update`).
async fn quoted_update(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let original = post(app, &alice, json!({"status": "first words"})).await;
    let (_, q) = quote(app, &bob, &id(&original)).await;
    let (status, v) = put_json(
        app,
        &format!("/api/v1/statuses/{}", id(&original)),
        &alice,
        json!({"status": "second words"}),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let notes = notifications_of(app, &bob, "quoted_update").await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["status"]["id"], q["id"], "{notes:?}");
    assert!(
        notes[0]["status"]["quote"]["quoted_status"]["content"]
            .as_str()
            .is_some_and(|c| c.contains("second words")),
        "{notes:?}"
    );
}

on_both_backends!(quoted_update_notification, quoted_update);

// ---------------------------------------------------------------------------------------
// Two Herds.

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

async fn pair(backend: Backend) -> Option<(TestApp, TestApp)> {
    let a = TestApp::spawn(backend).await?;
    let b = TestApp::spawn(backend).await?;
    Some((a, b))
}

/// `token` on `from` follows `acct` (looked up through WebFinger).
async fn follow_remote(from: &TestApp, token: &str, acct: &str) {
    let found = get(
        from,
        &format!("/api/v1/accounts/lookup?acct={acct}"),
        Some(token),
    )
    .await;
    let (status, rel) = from
        .post_json(
            &format!("/api/v1/accounts/{}/follow", id(&found)),
            token,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{rel}");
}

/// The copy on `app` of the post at `uri`, as `token`'s home timeline shows it.
async fn home_copy(app: &TestApp, token: &str, uri: &Value) -> Value {
    let home = get(app, "/api/v1/timelines/home", Some(token)).await;
    home.as_array()
        .expect("home")
        .iter()
        .find(|s| s["uri"] == *uri)
        .cloned()
        .unwrap_or_else(|| panic!("{uri} not in home: {home}"))
}

/// A user on `quoter` quotes a post of a user on `owner`: QuoteRequest, Accept with a stamp
/// that `owner` serves, the quote accepted on both sides and the author notified; then the
/// author revokes it and the quoting side shows it revoked. Run both ways.
async fn quote_across(owner: &TestApp, quoter: &TestApp) {
    let (_, alice) = owner.user_with_token("alice").await;
    let (_, bob) = quoter.user_with_token("bob").await;
    follow_remote(quoter, &bob, &format!("alice@{}", domain(owner))).await;
    follow_remote(owner, &alice, &format!("bob@{}", domain(quoter))).await;
    settle(owner, quoter).await;
    let original = post(owner, &alice, json!({"status": "words worth quoting"})).await;
    let closed = post(
        owner,
        &alice,
        json!({"status": "not to be quoted", "quote_approval_policy": "nobody"}),
    )
    .await;
    settle(owner, quoter).await;
    let copy = home_copy(quoter, &bob, &original["uri"]).await;
    assert_eq!(
        copy["quote_approval"]["automatic"],
        json!(["public"]),
        "{copy}"
    );
    let closed_copy = home_copy(quoter, &bob, &closed["uri"]).await;
    assert_eq!(
        closed_copy["quote_approval"]["current_user"], "denied",
        "{closed_copy}"
    );
    let (status, v) = quote(quoter, &bob, &id(&closed_copy)).await;
    assert_eq!(status, 422, "the remote post's policy holds here: {v}");

    let (status, q) = quote(quoter, &bob, &id(&copy)).await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(q["quote"]["state"], "pending", "{q}");
    assert!(q["quote"]["quoted_status"].is_null(), "{q}");
    settle(owner, quoter).await;

    // Accepted on the quoting side, with the stamp the owner serves.
    let now = get(quoter, &format!("/api/v1/statuses/{}", id(&q)), Some(&bob)).await;
    assert_eq!(now["quote"]["state"], "accepted", "{now}");
    assert_eq!(
        now["quote"]["quoted_status"]["uri"], original["uri"],
        "{now}"
    );
    let stamp: (Option<String>,) =
        sqlx::query_as("SELECT authorization_uri FROM quotes WHERE status_id = $1")
            .bind(id(&q).parse::<i64>().expect("id"))
            .fetch_one(&quoter.state.db.pool)
            .await
            .expect("quote row");
    let stamp = stamp.0.expect("a stamp");
    assert!(
        stamp.starts_with(&format!("http://{}/", domain(owner))),
        "{stamp}"
    );
    let doc: Value = owner
        .client
        .get(&stamp)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET stamp")
        .json()
        .await
        .expect("json");
    assert_eq!(doc["type"], "QuoteAuthorization", "{doc}");
    assert_eq!(doc["interactingObject"], q["uri"], "{doc}");
    assert_eq!(doc["interactionTarget"], original["uri"], "{doc}");

    // The quoting Note as a JSON-LD reader sees it: its @context defines the quote terms, or a
    // reader such as Fedify drops `quote` and `quoteAuthorization` (and the policy) unread.
    let note: Value = quoter
        .client
        .get(q["uri"].as_str().expect("uri"))
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET note")
        .json()
        .await
        .expect("json");
    assert_eq!(note["quoteAuthorization"], stamp.as_str(), "{note}");
    let defined = |term: &str| {
        note["@context"]
            .as_array()
            .is_some_and(|c| c.iter().any(|e| e.get(term).is_some()))
    };
    for term in [
        "quote",
        "quoteAuthorization",
        "interactionPolicy",
        "canQuote",
    ] {
        assert!(defined(term), "@context lacks {term}: {}", note["@context"]);
    }

    // Accepted on the owner's side too: the author is told, and lists the quote.
    let notes = notifications_of(owner, &alice, "quote").await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    assert_eq!(notes[0]["status"]["uri"], q["uri"], "{notes:?}");
    let remote_quote = notes[0]["status"].clone();
    assert_eq!(remote_quote["quote"]["state"], "accepted", "{remote_quote}");
    assert_eq!(
        remote_quote["quote"]["quoted_status"]["id"], original["id"],
        "{remote_quote}"
    );
    let list = get(
        owner,
        &format!("/api/v1/statuses/{}/quotes", id(&original)),
        Some(&alice),
    )
    .await;
    assert_eq!(list.as_array().expect("list").len(), 1, "{list}");

    // Revoked by the author: the stamp is gone, and the quoting side shows it revoked.
    let (status, v) = owner
        .post_json(
            &format!(
                "/api/v1/statuses/{}/quotes/{}/revoke",
                id(&original),
                id(&remote_quote)
            ),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    assert_eq!(v["quote"]["state"], "revoked", "{v}");
    settle(owner, quoter).await;
    let status = owner
        .client
        .get(&stamp)
        .header("accept", "application/activity+json")
        .send()
        .await
        .expect("GET stamp")
        .status()
        .as_u16();
    assert_eq!(status, 404, "a revoked stamp is gone");
    let now = get(quoter, &format!("/api/v1/statuses/{}", id(&q)), Some(&bob)).await;
    assert_eq!(now["quote"]["state"], "revoked", "{now}");
    assert!(now["quote"]["quoted_status"].is_null(), "{now}");
}

async fn both_ways(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    quote_across(&a, &b).await;
    let Some((c, d)) = pair(backend).await else {
        return;
    };
    quote_across(&d, &c).await;
    a.stop().await;
    b.stop().await;
    c.stop().await;
    d.stop().await;
}

pair_test!(federated_quote_both_ways, both_ways);

/// The quoted author's server approves after the quote was delivered (every approval is late:
/// the QuoteRequest and the Create leave together): the quoting post's server then sends an
/// `Update` with the stamp to the audience it delivered the post to, so a third server's
/// reader sees the quote leave its pending state, as with Mastodon 4.5.
async fn late_approval(backend: Backend) {
    let Some((owner, quoter)) = pair(backend).await else {
        return;
    };
    let Some(third) = TestApp::spawn(backend).await else {
        return;
    };
    let (_, alice) = owner.user_with_token("alice").await;
    let (_, bob) = quoter.user_with_token("bob").await;
    let (_, carol) = third.user_with_token("carol").await;
    follow_remote(&quoter, &bob, &format!("alice@{}", domain(&owner))).await;
    settle(&owner, &quoter).await;
    follow_remote(&third, &carol, &format!("bob@{}", domain(&quoter))).await;
    settle(&third, &quoter).await;
    let original = post(&owner, &alice, json!({"status": "worth quoting"})).await;
    settle(&owner, &quoter).await;
    let copy = home_copy(&quoter, &bob, &original["uri"]).await;
    let (status, q) = quote(&quoter, &bob, &id(&copy)).await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(q["quote"]["state"], "pending", "{q}");

    // The post reaches the third server before the owner's server has answered.
    settle(&quoter, &third).await;
    let seen = home_copy(&third, &carol, &q["uri"]).await;
    assert_eq!(seen["quote"]["state"], "pending", "{seen}");

    // The owner's server approves; the quoting server sends the Update on.
    settle(&owner, &quoter).await;
    let now = get(&quoter, &format!("/api/v1/statuses/{}", id(&q)), Some(&bob)).await;
    assert_eq!(now["quote"]["state"], "accepted", "{now}");
    settle(&quoter, &third).await;
    settle(&third, &owner).await;
    let seen = home_copy(&third, &carol, &q["uri"]).await;
    assert_eq!(seen["quote"]["state"], "accepted", "{seen}");
    assert_eq!(
        seen["quote"]["quoted_status"]["uri"], original["uri"],
        "{seen}"
    );
    owner.stop().await;
    quoter.stop().await;
    third.stop().await;
}

pair_test!(late_approval_reaches_third_servers, late_approval);

/// A quote of a third party's post arrives with its stamp: the reader's server fetches the
/// quoted post and the stamp from their origin before it shows the quote accepted; a stamp
/// that does not name the quote (a forged claim) leaves it unapproved.
async fn stamp_checked(backend: Backend) {
    let Some((a, b)) = pair(backend).await else {
        return;
    };
    let (_, carol) = a.user_with_token("carol").await;
    let (bob_id, bob) = b.user_with_token("bob").await;
    let (_, dave) = b.user_with_token("dave").await;
    follow_remote(&a, &carol, &format!("bob@{}", domain(&b))).await;
    settle(&a, &b).await;
    let daves = post(&b, &dave, json!({"status": "dave speaks"})).await;
    let other = post(&b, &dave, json!({"status": "dave again"})).await;
    let (status, q) = quote(&b, &bob, &id(&daves)).await;
    assert_eq!(status, 200, "{q}");
    assert_eq!(q["quote"]["state"], "accepted", "{q}");
    settle(&a, &b).await;
    let copy = home_copy(&a, &carol, &q["uri"]).await;
    assert_eq!(copy["quote"]["state"], "accepted", "{copy}");
    assert_eq!(
        copy["quote"]["quoted_status"]["uri"], daves["uri"],
        "{copy}"
    );

    // Bob claims the stamp of his quote of one post for a quote of another.
    let stamp: (Option<String>,) =
        sqlx::query_as("SELECT authorization_uri FROM quotes WHERE status_id = $1")
            .bind(id(&q).parse::<i64>().expect("id"))
            .fetch_one(&b.state.db.pool)
            .await
            .expect("quote row");
    let uri = format!("http://{}/users/bob/statuses/999999", domain(&b));
    let forged = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": format!("{uri}/activity"),
        "type": "Create",
        "actor": format!("http://{}/users/bob", domain(&b)),
        "to": ["https://www.w3.org/ns/activitystreams#Public"],
        "object": {
            "id": uri,
            "type": "Note",
            "attributedTo": format!("http://{}/users/bob", domain(&b)),
            "content": "<p>forged quote</p>",
            "to": ["https://www.w3.org/ns/activitystreams#Public"],
            "quote": other["uri"],
            "quoteAuthorization": stamp.0.expect("stamp"),
        }
    });
    let status = common::federation::signed_post(&b, bob_id, "bob", &a, &forged).await;
    assert!(status < 300, "{status}");
    settle(&a, &b).await;
    let copy = home_copy(&a, &carol, &json!(uri)).await;
    assert_eq!(copy["quote"]["state"], "pending", "{copy}");
    assert!(copy["quote"]["quoted_status"].is_null(), "{copy}");
    a.stop().await;
    b.stop().await;
}

pair_test!(incoming_stamp_is_checked, stamp_checked);

// ---------------------------------------------------------------------------------------
// Pages.

/// The pages: a post's quote action leads to compose with the quoted post, posting it
/// makes a quote, and a status shows the quoted post to a reader who may see it and only
/// its state to one who may not.
async fn pages(app: &TestApp) {
    use common::web::{page, web_sign_in};
    let (_, alice) = app.user_with_token("alice").await;
    let (carol_id, _) = app.user_with_token("carol").await;
    app.user_with_token("bob").await;
    let original = post(app, &alice, json!({"status": "quotable words here"})).await;
    let closed = post(
        app,
        &alice,
        json!({"status": "closed words", "quote_approval_policy": "nobody"}),
    )
    .await;
    let bob = web_sign_in(app, "bob").await;
    let (_, alice_page) = page(&bob, &app.url("/@alice")).await;
    assert!(
        alice_page.contains(&format!("/home?quoted_status_id={}#compose", id(&original))),
        "a quote action on a quotable post"
    );
    assert!(
        !alice_page.contains(&format!("/home?quoted_status_id={}#compose", id(&closed))),
        "none where the policy forbids it"
    );
    let (status, compose) = page(
        &bob,
        &app.url(&format!("/home?quoted_status_id={}", id(&original))),
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        compose.contains("quotable words here"),
        "the quoted post in compose"
    );
    let res = bob
        .post(app.url("/web/statuses"))
        .form(&[
            ("csrf_token", common::csrf_of(&compose).as_str()),
            ("status", "my take"),
            ("visibility", "public"),
            ("quoted_status_id", id(&original).as_str()),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 303);
    let notes = notifications_of(app, &alice, "quote").await;
    assert_eq!(notes.len(), 1, "{notes:?}");
    let quote_id = id(&notes[0]["status"]);
    let (_, shown) = page(&bob, &app.url(&format!("/@bob/{quote_id}"))).await;
    assert!(shown.contains("class=\"quote\""), "the quoted post shows");
    assert!(shown.contains("quotable words here"));

    // Alice blocks Carol: Carol's page shows the quote's state, never Alice's words.
    let (status, _) = app
        .post_json(
            &format!("/api/v1/accounts/{carol_id}/block"),
            &alice,
            json!({}),
        )
        .await;
    assert_eq!(status, 200);
    let carol = web_sign_in(app, "carol").await;
    let (_, shown) = page(&carol, &app.url(&format!("/@bob/{quote_id}"))).await;
    assert!(shown.contains("my take"), "Bob's post shows");
    assert!(!shown.contains("quotable words here"), "Alice's does not");
    assert!(shown.contains("quote-state"), "its state does");

    // A quote the policy forbids comes back as the form with the error, 422.
    let (_, compose) = page(&bob, &app.url("/home")).await;
    let res = bob
        .post(app.url("/web/statuses"))
        .form(&[
            ("csrf_token", common::csrf_of(&compose).as_str()),
            ("status", "not allowed"),
            ("visibility", "public"),
            ("quoted_status_id", id(&closed).as_str()),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 422);
}

on_both_backends!(quote_pages, pages);
