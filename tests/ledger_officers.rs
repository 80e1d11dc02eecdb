//! Officers are bound by the members' decisions and by conflicts of interest (issue 12 item 6),
//! over HTTP on both backends: an expense a proposal decides is decided by its enactment alone
//! (409 while the vote is open or after it failed); nobody records dues or a share, approves or
//! pays an expense for themselves (403; another treasurer, or an admin for a treasurer, may);
//! a reversed dues payment takes back the paid-up time it granted (and the membership lapses
//! if that leaves the dues overdue); the treasurers' limit counts one submitter's claims in one
//! category over the bylaws' window; and the subject of an expulsion and the appellant of an
//! appeal cannot vote on it, through the co-op API or the proposal's poll.

mod common;

use std::time::Duration;

use common::moderation::{action, get, post, user};
use herd::services::proposals::close_due;
use serde_json::{json, Value};

const DAY: u64 = 86_400;

struct Coop {
    tess: (i64, String),
    toby: (i64, String),
    ada: (i64, String),
    members: Vec<(i64, String)>,
}

/// Two treasurers (tess, toby), an admin (ada) and `n` members, each with a token.
async fn coop(app: &common::TestApp, n: usize) -> Coop {
    let tess = user(app, "tess", Some("treasurer"), true).await;
    let toby = user(app, "toby", Some("treasurer"), true).await;
    let ada = user(app, "ada", Some("admin"), true).await;
    let mut members = Vec::new();
    for i in 0..n {
        members.push(user(app, &format!("member{i}"), None, true).await);
    }
    Coop {
        tess,
        toby,
        ada,
        members,
    }
}

async fn submit(app: &common::TestApp, token: &str, amount: i64, category: &str) -> String {
    let (s, e) = post(
        app,
        "/api/v1/coop/expenses",
        token,
        json!({ "amount": amount, "currency": "EUR", "description": format!("{category} things"),
                "category": category }),
    )
    .await;
    assert_eq!(s, 200, "{e}");
    e["id"].as_str().expect("id").to_string()
}

async fn expense(app: &common::TestApp, token: &str, id: &str) -> Value {
    let (s, e) = get(app, &format!("/api/v1/coop/expenses/{id}"), token).await;
    assert_eq!(s, 200, "{e}");
    e
}

async fn decide(app: &common::TestApp, token: &str, id: &str, what: &str) -> (u16, Value) {
    let body = if what == "reject" {
        json!({ "reason": "Not now" })
    } else {
        json!({})
    };
    post(
        app,
        &format!("/api/v1/coop/expenses/{id}/{what}"),
        token,
        body,
    )
    .await
}

async fn open_proposal(app: &common::TestApp, token: &str, id: &str) -> String {
    let (s, p) = post(
        app,
        &format!("/api/v1/coop/expenses/{id}/proposal"),
        token,
        json!({}),
    )
    .await;
    assert_eq!(s, 200, "{p}");
    p["proposal_id"].as_str().expect("proposal_id").to_string()
}

async fn vote(app: &common::TestApp, token: &str, pid: &str, ballot: Value) -> (u16, Value) {
    post(
        app,
        &format!("/api/v1/coop/proposals/{pid}/votes"),
        token,
        ballot,
    )
    .await
}

async fn close_after(app: &common::TestApp, days: u64) {
    app.state
        .clock
        .advance(Duration::from_secs(days * DAY + 60));
    close_due(&app.state).await.expect("close");
}

async fn event_kinds(app: &common::TestApp, token: &str) -> Vec<String> {
    let (s, events) = get(app, "/api/v1/coop/events?limit=200", token).await;
    assert_eq!(s, 200, "{events}");
    events
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str().map(str::to_string))
        .collect()
}

/// While an expense's proposal is open the treasurers cannot approve, pay or reject it (409);
/// after it failed the expense is rejected and still nobody approves or pays it (409); after
/// it was enacted the proposal has approved it and another treasurer pays it.
async fn only_the_enacted_proposal_decides(app: &common::TestApp) {
    let c = coop(app, 3).await;
    let (tess, toby) = (&c.tess.1, &c.toby.1);
    let m0 = &c.members[0].1;
    // Within the treasurers' limit, but the submitter asked the members.
    let small = submit(app, m0, 5_000, "software").await;
    let pid = open_proposal(app, m0, &small).await;
    for what in ["approve", "reject", "pay"] {
        let (s, body) = decide(app, tess, &small, what).await;
        assert_eq!(s, 409, "{what} while the vote is open: {body}");
        assert!(body["error"].as_str().unwrap().contains(&pid), "{body}");
    }
    let e = expense(app, m0, &small).await;
    assert_eq!(e["state"], "submitted", "{e}");
    assert_eq!(e["proposal_id"], json!(pid));
    // The members vote it down.
    for (_, tok) in c.members.iter().chain([&c.tess, &c.toby]) {
        let (s, v) = vote(app, tok, &pid, json!({ "choice": "no" })).await;
        assert_eq!(s, 200, "{v}");
    }
    close_after(app, 3).await;
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{pid}"), m0).await;
    assert_eq!(p["state"], "failed", "{p}");
    for what in ["approve", "pay"] {
        let (s, body) = decide(app, toby, &small, what).await;
        assert_eq!(s, 409, "{what} after the proposal failed: {body}");
        assert!(body["error"].as_str().unwrap().contains("failed"), "{body}");
    }
    let e = expense(app, m0, &small).await;
    assert_eq!(
        e["state"], "rejected",
        "the members' refusal rejects it: {e}"
    );
    assert!(e["reject_reason"].as_str().unwrap().contains(&pid), "{e}");
    // A new proposal for it is refused: it is no longer submitted.
    let (s, _) = post(
        app,
        &format!("/api/v1/coop/expenses/{small}/proposal"),
        m0,
        json!({}),
    )
    .await;
    assert_eq!(s, 422);

    // Enacted: approved by the proposal, then paid by a treasurer.
    let big = submit(app, &c.members[1].1, 60_000, "hosting").await;
    let pid = open_proposal(app, &c.members[1].1, &big).await;
    for (_, tok) in c.members.iter().chain([&c.tess, &c.toby]) {
        let (s, v) = vote(app, tok, &pid, json!({ "choice": "yes" })).await;
        assert_eq!(s, 200, "{v}");
    }
    close_after(app, 3).await;
    let e = expense(app, m0, &big).await;
    assert_eq!(e["state"], "approved", "{e}");
    assert_eq!(e["proposal_id"], json!(pid));
    let (s, _) = decide(app, tess, &big, "approve").await;
    assert_eq!(s, 422, "already approved");
    let (s, paid) = decide(app, tess, &big, "pay").await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["state"], "paid");
    let kinds = event_kinds(app, m0).await;
    assert!(kinds.contains(&"expense.rejected".to_string()), "{kinds:?}");
}
on_both_backends!(enacted_proposal_decides, only_the_enacted_proposal_decides);

/// Nobody records dues or a share for themselves, nor approves or pays their own expense: a
/// treasurer's go to another treasurer or to an admin (who does not act for ordinary members).
async fn nobody_acts_for_themselves(app: &common::TestApp) {
    let c = coop(app, 1).await;
    let ((tess_id, tess), (toby_id, toby), (_, ada)) = (&c.tess, &c.toby, &c.ada);
    let (m0_id, m0) = (c.members[0].0, &c.members[0].1);
    let count = || async {
        let (s, list) = get(app, "/api/v1/coop/ledger/transactions?limit=200", m0).await;
        assert_eq!(s, 200, "{list}");
        list.as_array().map(Vec::len).unwrap_or(0)
    };
    let before = count().await;

    // Dues: not one's own, years ahead or otherwise.
    let (s, body) = post(
        app,
        &format!("/api/v1/coop/members/{tess_id}/dues"),
        tess,
        json!({ "amount": 24_000, "periods": 120 }),
    )
    .await;
    assert_eq!(s, 403, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("Conflict of interest"),
        "{body}"
    );
    let (s, body) = post(
        app,
        &format!("/api/v1/coop/members/{tess_id}/share"),
        tess,
        json!({}),
    )
    .await;
    assert_eq!(s, 403, "{body}");
    assert_eq!(count().await, before, "nothing written");
    let (_, mine) = get(app, "/api/v1/coop/membership/dues", tess).await;
    assert_eq!(mine["paid_until"], Value::Null, "{mine}");
    // Another treasurer, or an admin, records a treasurer's dues.
    let (s, body) = post(
        app,
        &format!("/api/v1/coop/members/{tess_id}/dues"),
        toby,
        json!({ "amount": 500 }),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    let (s, body) = post(
        app,
        &format!("/api/v1/coop/members/{toby_id}/dues"),
        ada,
        json!({ "amount": 500 }),
    )
    .await;
    assert_eq!(s, 200, "{body}");
    // An admin does not do the treasurers' ordinary work.
    let (s, body) = post(
        app,
        &format!("/api/v1/coop/members/{m0_id}/dues"),
        ada,
        json!({ "amount": 500 }),
    )
    .await;
    assert_eq!(s, 403, "{body}");

    // Expenses: a treasurer's own claim is approved and paid by someone else.
    let own = submit(app, tess, 800, "general").await;
    for what in ["approve", "pay"] {
        let (s, body) = decide(app, tess, &own, what).await;
        assert_eq!(s, 403, "{what} own expense: {body}");
    }
    let (s, e) = decide(app, toby, &own, "approve").await;
    assert_eq!(s, 200, "{e}");
    let (s, body) = decide(app, tess, &own, "pay").await;
    assert_eq!(s, 403, "paying one's own approved expense: {body}");
    assert_eq!(expense(app, m0, &own).await["state"], "approved");
    let (s, e) = decide(app, ada, &own, "pay").await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["state"], "paid");
    // An admin approves a treasurer's claim; not an ordinary member's.
    let own2 = submit(app, toby, 900, "general").await;
    let (s, e) = decide(app, ada, &own2, "approve").await;
    assert_eq!(s, 200, "{e}");
    let theirs = submit(app, m0, 900, "general").await;
    let (s, body) = decide(app, ada, &theirs, "approve").await;
    assert_eq!(s, 403, "{body}");
    // A treasurer may withdraw their own claim (a rejection decides against themselves).
    let own3 = submit(app, tess, 700, "hosting").await;
    let (s, e) = decide(app, tess, &own3, "reject").await;
    assert_eq!(s, 200, "{e}");
}
on_both_backends!(own_case, nobody_acts_for_themselves);

fn micros(iso: &Value) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso.as_str().expect("a date"))
        .expect("RFC 3339")
        .timestamp_micros()
}

/// `iso` plus `months` calendar months, in microseconds (how dues extend paid-until).
fn plus_months(iso: &Value, months: u32) -> i64 {
    chrono::DateTime::parse_from_rfc3339(iso.as_str().expect("a date"))
        .expect("RFC 3339")
        .checked_add_months(chrono::Months::new(months))
        .expect("in range")
        .timestamp_micros()
}

async fn paid_until(app: &common::TestApp, token: &str) -> Value {
    let (s, mine) = get(app, "/api/v1/coop/membership/dues", token).await;
    assert_eq!(s, 200, "{mine}");
    mine["paid_until"].clone()
}

async fn record_dues(app: &common::TestApp, token: &str, member: i64, periods: u32) -> String {
    let (s, tx) = post(
        app,
        &format!("/api/v1/coop/members/{member}/dues"),
        token,
        json!({ "amount": 500 * periods, "periods": periods }),
    )
    .await;
    assert_eq!(s, 200, "{tx}");
    tx["id"].as_str().expect("id").to_string()
}

async fn reverse(app: &common::TestApp, token: &str, id: &str) {
    let (s, rev) = post(
        app,
        "/api/v1/coop/ledger/transactions",
        token,
        json!({ "memo": "Recorded in error", "reverses": id }),
    )
    .await;
    assert_eq!(s, 200, "{rev}");
}

/// Reversing a dues payment takes back exactly the time it paid for: later payments keep
/// theirs, as if the reversed one had never been made; a member it reinstated lapses again
/// when that leaves the dues overdue.
async fn reversal_takes_back_what_dues_granted(app: &common::TestApp) {
    let c = coop(app, 2).await;
    let (tess, toby) = (&c.tess.1, &c.toby.1);
    let (m0_id, m0) = (c.members[0].0, &c.members[0].1);
    // A year for m0, then three years more (the entry made in error), then one month.
    record_dues(app, tess, m0_id, 12).await;
    let year = paid_until(app, m0).await;
    let wrong = record_dues(app, tess, m0_id, 36).await;
    assert_eq!(micros(&paid_until(app, m0).await), plus_months(&year, 36));
    record_dues(app, toby, m0_id, 1).await;
    reverse(app, toby, &wrong).await;
    // Only the year and the month stand: the month extends the year.
    assert_eq!(micros(&paid_until(app, m0).await), plus_months(&year, 1));
    let kinds = event_kinds(app, m0).await;
    assert!(kinds.contains(&"dues.reversed".to_string()), "{kinds:?}");
    // A reversal is not reversed back into force.
    let (s, _) = post(
        app,
        "/api/v1/coop/ledger/transactions",
        tess,
        json!({ "memo": "again", "reverses": wrong }),
    )
    .await;
    assert_eq!(s, 422);

    // The treasurers pay a year ahead (each recorded by the other), so they stay active.
    record_dues(app, toby, c.tess.0, 12).await;
    record_dues(app, tess, c.toby.0, 12).await;
    // m1 never paid and lapses; a payment reinstates them; its reversal lapses them again.
    let (m1_id, m1) = (c.members[1].0, &c.members[1].1);
    app.state.clock.advance(Duration::from_secs(91 * DAY));
    herd::services::dues::lapse_overdue(&app.state)
        .await
        .expect("lapse");
    let state_of = |id: i64| async move {
        let (_, m) = get(app, &format!("/api/v1/coop/members/{id}"), tess).await;
        m["state"].as_str().unwrap_or("").to_string()
    };
    assert_eq!(state_of(m1_id).await, "lapsed");
    let paid = record_dues(app, tess, m1_id, 1).await;
    assert_eq!(state_of(m1_id).await, "active");
    reverse(app, toby, &paid).await;
    assert_eq!(paid_until(app, m1).await, Value::Null);
    assert_eq!(
        state_of(m1_id).await,
        "lapsed",
        "the reversal took back the reinstatement"
    );
    // m0, whose dues still run, is untouched.
    assert_eq!(state_of(m0_id).await, "active");
}
on_both_backends!(dues_reversal, reversal_takes_back_what_dues_granted);

/// Two claims by one member in one category within the bylaws' 30 days that together exceed
/// the treasurers' 200.00 EUR: the second needs the members (422 pointing to the proposal).
/// Claims in another category, after the window, or rejected do not add up.
async fn split_claims_go_to_the_members(app: &common::TestApp) {
    let c = coop(app, 3).await;
    let tess = &c.tess.1;
    let m0 = &c.members[0].1;
    let first = submit(app, m0, 15_000, "software").await;
    let (s, e) = decide(app, tess, &first, "approve").await;
    assert_eq!(s, 200, "{e}");
    app.state.clock.advance(Duration::from_secs(10 * DAY));
    let second = submit(app, m0, 10_000, "software").await;
    let (s, body) = decide(app, tess, &second, "approve").await;
    assert_eq!(s, 422, "{body}");
    let error = body["error"].as_str().unwrap();
    assert!(
        error.contains("proposal") && error.contains("250.00 EUR"),
        "{body}"
    );
    assert_eq!(expense(app, m0, &second).await["state"], "submitted");
    // Another category does not add up.
    let hosting = submit(app, m0, 10_000, "hosting").await;
    let (s, e) = decide(app, tess, &hosting, "approve").await;
    assert_eq!(s, 200, "{e}");
    // Another member's claims do not add up to m0's.
    let other = submit(app, &c.members[1].1, 10_000, "software").await;
    let (s, e) = decide(app, tess, &other, "approve").await;
    assert_eq!(s, 200, "{e}");
    // After the window the first claim no longer counts (the second, still pending, does).
    app.state.clock.advance(Duration::from_secs(25 * DAY));
    let third = submit(app, m0, 15_000, "software").await;
    let (s, body) = decide(app, tess, &third, "approve").await;
    assert_eq!(
        s, 422,
        "the pending second claim is within the window: {body}"
    );
    let (s, _) = decide(app, tess, &second, "reject").await;
    assert_eq!(s, 200);
    let (s, e) = decide(app, tess, &third, "approve").await;
    assert_eq!(s, 200, "a rejected claim does not count: {e}");
    // The split claim is approved the members' way.
    let fourth = submit(app, m0, 15_000, "software").await;
    let (s, _) = decide(app, tess, &fourth, "approve").await;
    assert_eq!(s, 422);
    let pid = open_proposal(app, m0, &fourth).await;
    for (_, tok) in &c.members {
        let (s, v) = vote(app, tok, &pid, json!({ "choice": "yes" })).await;
        assert_eq!(s, 200, "{v}");
    }
    close_after(app, 3).await;
    assert_eq!(expense(app, m0, &fourth).await["state"], "approved");
}
on_both_backends!(split_claims, split_claims_go_to_the_members);

async fn poll_vote(app: &common::TestApp, token: &str, poll: &str, choice: i64) -> (u16, Value) {
    post(
        app,
        &format!("/api/v1/polls/{poll}/votes"),
        token,
        json!({ "choices": [choice.to_string()] }),
    )
    .await
}

async fn propose(app: &common::TestApp, token: &str, body: Value) -> Value {
    let (s, p) = post(app, "/api/v1/coop/proposals", token, body).await;
    assert_eq!(s, 200, "{p}");
    p
}

/// The member an expulsion is about, and the appellant of an appeal the members decide, cannot
/// vote on it: 403 through the co-op API and through the proposal's poll, nothing written.
async fn parties_do_not_vote(app: &common::TestApp) {
    let c = coop(app, 4).await;
    let (m0_id, m0) = (c.members[0].0, &c.members[0].1);
    let (m1_id, m1) = (c.members[1].0, &c.members[1].1);
    let m2 = &c.members[2].1;
    // Expulsion, secret (the default for membership): co-op API only.
    let p = propose(
        app,
        m2,
        json!({ "kind": "membership", "title": "Expel member0", "body": "CoC 2.1",
                "payload": { "account_id": m0_id.to_string(), "action": "expel" } }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    let (s, body) = vote(app, m0, &pid, json!({ "choice": "block" })).await;
    assert_eq!(s, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("about yourself"),
        "{body}"
    );
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{pid}"), m2).await;
    assert_eq!(p["votes_count"], 0, "nothing written: {p}");
    let (s, v) = vote(app, m2, &pid, json!({ "choice": "agree" })).await;
    assert_eq!(s, 200, "{v}");

    // Expulsion with an open ballot, so it has a poll: the subject cannot answer it.
    let p = propose(
        app,
        m2,
        json!({ "kind": "membership", "title": "Expel member1", "body": "CoC 2.1", "secret": false,
                "payload": { "account_id": m1_id.to_string(), "action": "expel" } }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    let poll = p["poll_id"].as_str().expect("a poll").to_string();
    let (s, body) = poll_vote(app, m1, &poll, 3).await;
    assert_eq!(s, 403, "{body}");
    let (s, polled) = get(app, &format!("/api/v1/polls/{poll}"), m2).await;
    assert_eq!(s, 200);
    assert_eq!(polled["votes_count"], 0, "nothing written: {polled}");
    let (s, body) = vote(app, m1, &pid, json!({ "choice": "block" })).await;
    assert_eq!(s, 403, "{body}");
    let (s, v) = poll_vote(app, m2, &poll, 0).await;
    assert_eq!(s, 200, "{v}");

    // An appeal the members decide: its appellant does not vote on it.
    let (_, moderator) = user(app, "mod1", Some("moderator"), true).await;
    let (target, target_tok) = (c.members[3].0, &c.members[3].1);
    let (s, res) = action(
        app,
        &moderator,
        target,
        json!({ "type": "silence", "policy_clause": "code-of-conduct@1#2.2", "text": "Pile-on" }),
    )
    .await;
    assert_eq!(s, 200, "{res}");
    let strike = res["strike_id"].as_str().unwrap();
    let (s, appeal) = post(
        app,
        &format!("/api/v1/coop/moderation/strikes/{strike}/appeal"),
        target_tok,
        json!({ "text": "I did not join in." }),
    )
    .await;
    assert_eq!(s, 200, "{appeal}");
    let p = propose(
        app,
        m2,
        json!({ "kind": "general", "title": "Overturn the silence", "body": "",
                "payload": { "appeal_id": appeal["id"], "decision": "approve" } }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    let (s, body) = vote(app, target_tok, &pid, json!({ "choice": "agree" })).await;
    assert_eq!(s, 403, "{body}");
    assert!(
        body["error"].as_str().unwrap().contains("your own appeal"),
        "{body}"
    );
    let poll = p["poll_id"].as_str().expect("a poll").to_string();
    let (s, body) = poll_vote(app, target_tok, &poll, 0).await;
    assert_eq!(s, 403, "{body}");
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{pid}"), m2).await;
    assert_eq!(p["votes_count"], 0, "nothing written: {p}");
    let (s, v) = vote(app, m2, &pid, json!({ "choice": "agree" })).await;
    assert_eq!(s, 200, "{v}");
}
on_both_backends!(parties, parties_do_not_vote);

/// The quorum is a share of those who may vote: the member an expulsion is about is not
/// counted among the eligible. Eleven active members, one of them the subject, and one
/// ballot: 1 of 10 meets the membership quorum of 0.1 (1 of 11 would not).
async fn the_subject_is_not_eligible(app: &common::TestApp) {
    let c = coop(app, 8).await;
    let (m0_id, m1) = (c.members[0].0, &c.members[1].1);
    let (s, roster) = get(app, "/api/v1/coop/members?state=active&limit=80", m1).await;
    assert_eq!(s, 200, "{roster}");
    assert_eq!(roster.as_array().map(Vec::len), Some(11), "{roster}");
    let p = propose(
        app,
        m1,
        json!({ "kind": "membership", "title": "Expel member0", "body": "CoC 2.1",
                "payload": { "account_id": m0_id.to_string(), "action": "expel" } }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    let (s, v) = vote(app, m1, &pid, json!({ "choice": "agree" })).await;
    assert_eq!(s, 200, "{v}");
    // A day before the close, "you have not voted yet" goes to those who may vote and did not:
    // not to the member the proposal is about.
    app.state.clock.advance(Duration::from_secs(2 * DAY + 60));
    herd::services::proposals::remind_due(&app.state)
        .await
        .expect("remind");
    app.run_jobs().await;
    let reminded = |to: &str| {
        app.mails()
            .iter()
            .filter(|m| m.contains("Subject: 24 hours left to vote") && m.contains(to))
            .count()
    };
    assert_eq!(
        reminded("member2@example.org"),
        1,
        "a member who did not vote"
    );
    assert_eq!(reminded("member1@example.org"), 0, "voted");
    assert_eq!(
        reminded("member0@example.org"),
        0,
        "the subject may not vote"
    );
    close_after(app, 2).await;
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{pid}"), m1).await;
    assert_eq!(p["result"]["eligible"], 10, "{p}");
    assert_eq!(p["result"]["voted"], 1, "{p}");
    assert_eq!(p["state"], "enacted", "{p}");
    let (_, m) = get(app, &format!("/api/v1/coop/members/{m0_id}"), m1).await;
    assert_eq!(m["state"], "expelled", "{m}");
}
on_both_backends!(subject_not_eligible, the_subject_is_not_eligible);

/// No moderator decides an appeal of their own action, in the moderators' queue or by the
/// members' vote: the moderator whose strike an appeal contests cannot vote on the proposal
/// that decides it (403 through the co-op API and the poll, nothing written), and neither they
/// nor the appellant count among its eligible voters.
async fn the_acting_moderator_does_not_vote_on_the_appeal(app: &common::TestApp) {
    let c = coop(app, 3).await;
    let (_, moderator) = user(app, "mod1", Some("moderator"), true).await;
    let (target, target_tok) = (c.members[0].0, &c.members[0].1);
    let m1 = &c.members[1].1;
    let (s, res) = action(
        app,
        &moderator,
        target,
        json!({ "type": "silence", "policy_clause": "code-of-conduct@1#2.2", "text": "Pile-on" }),
    )
    .await;
    assert_eq!(s, 200, "{res}");
    let strike = res["strike_id"].as_str().unwrap();
    let (s, appeal) = post(
        app,
        &format!("/api/v1/coop/moderation/strikes/{strike}/appeal"),
        target_tok,
        json!({ "text": "I did not join in." }),
    )
    .await;
    assert_eq!(s, 200, "{appeal}");
    let p = propose(
        app,
        m1,
        json!({ "kind": "general", "title": "Overturn the silence", "body": "",
                "payload": { "appeal_id": appeal["id"], "decision": "approve" } }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    let (s, body) = vote(app, &moderator, &pid, json!({ "choice": "block" })).await;
    assert_eq!(s, 403, "{body}");
    assert!(
        body["error"]
            .as_str()
            .unwrap()
            .contains("your own moderation"),
        "{body}"
    );
    let poll = p["poll_id"].as_str().expect("a poll").to_string();
    let (s, body) = poll_vote(app, &moderator, &poll, 3).await;
    assert_eq!(s, 403, "{body}");
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{pid}"), m1).await;
    assert_eq!(p["votes_count"], 0, "nothing written: {p}");
    let (s, polled) = get(app, &format!("/api/v1/polls/{poll}"), m1).await;
    assert_eq!(s, 200);
    assert_eq!(polled["votes_count"], 0, "nothing written: {polled}");
    // Another moderator's ballot is an ordinary member's.
    let (_, other_mod) = user(app, "mod2", Some("moderator"), true).await;
    let (s, v) = vote(app, &other_mod, &pid, json!({ "choice": "agree" })).await;
    assert_eq!(s, 200, "{v}");
    let (s, v) = vote(app, m1, &pid, json!({ "choice": "agree" })).await;
    assert_eq!(s, 200, "{v}");
    close_after(app, 7).await;
    // Eight active members (three officers, three members, two moderators), less the
    // appellant and the moderator who acted.
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{pid}"), m1).await;
    assert_eq!(p["result"]["eligible"], 6, "{p}");
    assert_eq!(p["state"], "enacted", "{p}");
}
on_both_backends!(
    acting_moderator,
    the_acting_moderator_does_not_vote_on_the_appeal
);

/// Reversing an expense's payment in the ledger takes back what the payment granted: the
/// expense is approved again, not paid (logged), and can be paid again; the new payment's
/// reversal does the same.
async fn reversing_a_payment_unpays_the_expense(app: &common::TestApp) {
    let c = coop(app, 1).await;
    let (tess, toby) = (&c.tess.1, &c.toby.1);
    let m0 = &c.members[0].1;
    let id = submit(app, m0, 8_000, "hosting").await;
    let (s, e) = decide(app, tess, &id, "approve").await;
    assert_eq!(s, 200, "{e}");
    let (s, paid) = decide(app, tess, &id, "pay").await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["state"], "paid");
    let first = paid["transaction_id"].as_str().expect("paid").to_string();
    reverse(app, toby, &first).await;
    let e = expense(app, m0, &id).await;
    assert_eq!(e["state"], "approved", "the payment was reversed: {e}");
    assert_eq!(e["transaction_id"], Value::Null, "{e}");
    assert_eq!(e["paid_at"], Value::Null, "{e}");
    let kinds = event_kinds(app, m0).await;
    assert!(
        kinds.contains(&"expense.payment_reversed".to_string()),
        "{kinds:?}"
    );
    // Paid again, and reversed again.
    let (s, paid) = decide(app, toby, &id, "pay").await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["state"], "paid");
    let second = paid["transaction_id"].as_str().expect("paid").to_string();
    assert_ne!(first, second);
    reverse(app, tess, &second).await;
    assert_eq!(expense(app, m0, &id).await["state"], "approved");
    // Reversing another transaction leaves a paid expense alone.
    let other = submit(app, m0, 3_000, "hosting").await;
    let (s, _) = decide(app, tess, &other, "approve").await;
    assert_eq!(s, 200);
    let (s, paid) = decide(app, tess, &other, "pay").await;
    assert_eq!(s, 200, "{paid}");
    let (s, manual) = post(
        app,
        "/api/v1/coop/ledger/transactions",
        tess,
        json!({ "memo": "Bank fee", "postings": [
            { "account": "expenses:hosting", "amount": 150, "currency": "EUR" },
            { "account": "assets:bank", "amount": -150, "currency": "EUR" } ] }),
    )
    .await;
    assert_eq!(s, 200, "{manual}");
    reverse(app, toby, manual["id"].as_str().unwrap()).await;
    assert_eq!(expense(app, m0, &other).await["state"], "paid");
}
on_both_backends!(payment_reversal, reversing_a_payment_unpays_the_expense);
