//! The proposals' pages over HTTP on both backends (issue 15): voting by form for consent,
//! approval, ranked choice and score, changing the vote, the receipt shown once and checked
//! on the server, bad ballots refused beside the field (422) with nothing written, a
//! non-member offered no ballot and refused a forged one, secret ballots and hidden counts
//! never shown, the result with its rule, /proposals, /coop and /proposals/new.

use std::time::Duration;

use crate::common::coop::{members, token_for, PW};
use crate::common::web::web_sign_in;
use crate::common::{csrf_of, TestApp};
use herd::config::Config;
use serde_json::{json, Value};

async fn page(client: &reqwest::Client, app: &TestApp, path: &str) -> (u16, String) {
    let res = client
        .get(app.url(path))
        .header("accept", "text/html")
        .send()
        .await
        .expect("GET");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

/// Posts a form from the page at `from` (its CSRF token added) and answers status and body.
async fn post_form(
    client: &reqwest::Client,
    app: &TestApp,
    from: &str,
    action: &str,
    fields: &[(&str, &str)],
) -> (u16, String) {
    let (_, html) = page(client, app, from).await;
    let csrf = csrf_of(&html);
    let mut all: Vec<(&str, &str)> = vec![("csrf_token", csrf.as_str())];
    all.extend_from_slice(fields);
    let res = client
        .post(app.url(action))
        .form(&all)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let body = res.text().await.unwrap_or_default();
    (status, location.unwrap_or(body))
}

async fn propose(app: &TestApp, token: &str, body: Value) -> String {
    let (status, p) = app.post_json("/api/v1/coop/proposals", token, body).await;
    assert_eq!(status, 200, "{p}");
    p["id"].as_str().unwrap().to_string()
}

async fn proposal(app: &TestApp, token: &str, id: &str) -> Value {
    let (status, p) = app
        .get_json(&format!("/api/v1/coop/proposals/{id}"), Some(token))
        .await;
    assert_eq!(status, 200, "{p}");
    p
}

/// The text of the first `<code class="NAME">…</code>` in a page.
fn code_of(html: &str, class: &str) -> String {
    let start = format!("<code class=\"{class}\">");
    let at = html.find(&start).expect(class) + start.len();
    html[at..].split("</code>").next().unwrap().to_string()
}

/// The ballot form's part of a page.
fn ballot_form(html: &str) -> &str {
    html.split("id=\"ballot\"")
        .nth(1)
        .and_then(|s| s.split("</form>").next())
        .unwrap_or("")
}

async fn close_after(app: &TestApp, days: u64) {
    app.state
        .clock
        .advance(Duration::from_secs(days * 86_400 + 60));
    app.run_jobs().await;
}

/// Consent by form: the ballot, the vote, the receipt once, changing the vote, checking the
/// receipt, a bad ballot beside its field, a non-member, the list, /coop, the discussion and
/// the result with its rule once closed.
async fn consent_by_form(app: &TestApp) {
    let m = members(app, 3).await;
    let id = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Buy a bigger server", "body": "The old one is full." }),
    )
    .await;
    let path = format!("/proposals/{id}");
    // The mail announcing it links to its page.
    app.run_jobs().await;
    let page_url = app.url(&path);
    assert!(
        app.mails()
            .iter()
            .any(|m| crate::common::link_in(m, &page_url).as_deref() == Some(page_url.as_str())),
        "a mail links to {page_url}"
    );
    let m1 = web_sign_in(app, "m1").await;

    let (status, html) = page(&m1, app, &path).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Buy a bigger server"));
    assert!(html.contains("By consent"), "the rule in words");
    assert!(
        html.contains("Any block defeats it") || html.contains("A block defeats it unless 90%")
    );
    let form = ballot_form(&html);
    for choice in ["agree", "abstain", "disagree", "block"] {
        assert!(
            form.contains(&format!("name=\"choice\" value=\"{choice}\"")),
            "{choice} offered"
        );
    }

    // /coop lists it as waiting for my vote.
    let (status, coop) = page(&m1, app, "/coop").await;
    assert_eq!(status, 200, "{coop}");
    let waiting = coop.split("needs-vote").nth(1).unwrap_or("");
    assert!(waiting.contains("Buy a bigger server"), "{coop}");

    // A bad ballot: 422, the message beside the ballot, nothing written.
    let votes = format!("{path}/votes");
    let (status, html) = post_form(&m1, app, &path, &votes, &[("choice", "maybe")]).await;
    assert_eq!(status, 422, "{html}");
    assert!(
        ballot_form(&html).contains("id=\"ballot-error\""),
        "the error sits in the ballot: {html}"
    );
    assert!(proposal(app, &m[1].1, &id).await["my_vote"].is_null());

    // Vote: the answer shows the receipt and the nonce, once.
    let (status, html) = post_form(
        &m1,
        app,
        &path,
        &votes,
        &[("choice", "agree"), ("reason", "We need room")],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Your vote is in"));
    let receipt = code_of(&html, "receipt-value");
    let nonce = code_of(&html, "nonce-value");
    assert_eq!(receipt.len(), 64);
    let p = proposal(app, &m[1].1, &id).await;
    assert_eq!(p["my_vote"]["ballot"], json!({ "choice": "agree" }));
    assert_eq!(p["my_vote"]["receipt"], receipt.as_str());
    let (_, again) = page(&m1, app, &path).await;
    assert!(!again.contains(&nonce), "the nonce is shown only once");
    assert!(
        again.contains("You voted: <strong>Agree</strong>"),
        "{again}"
    );
    assert!(again.contains("We need room"), "my reason, shown");
    let (_, coop) = page(&m1, app, "/coop").await;
    let waiting = coop.split("needs-vote").nth(1).unwrap_or("");
    assert!(
        !waiting.contains("Buy a bigger server"),
        "voted: no longer waiting"
    );

    // Check the receipt: recomputed on the server from ballot and nonce.
    let check = format!("{path}/receipt");
    let ballot = r#"{"choice":"agree"}"#;
    let (status, html) = post_form(
        &m1,
        app,
        &path,
        &check,
        &[("ballot", ballot), ("nonce", &nonce), ("receipt", &receipt)],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(
        html.contains("The receipt matches this ballot and nonce."),
        "{html}"
    );
    assert!(html.contains("It is your current ballot."));
    let (_, html) = post_form(
        &m1,
        app,
        &path,
        &check,
        &[
            ("ballot", r#"{"choice":"block"}"#),
            ("nonce", &nonce),
            ("receipt", &receipt),
        ],
    )
    .await;
    assert!(
        html.contains("does not match"),
        "another ballot does not match"
    );

    // Change the vote.
    let (status, html) = post_form(&m1, app, &path, &votes, &[("choice", "disagree")]).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Your vote is changed"));
    let p = proposal(app, &m[1].1, &id).await;
    assert_eq!(p["my_vote"]["ballot"], json!({ "choice": "disagree" }));

    // Open, not secret, not hidden: the count and who voted how, with the reason.
    let (_, html) = page(&m1, app, &path).await;
    assert!(html.contains("Who voted, and how"));
    assert!(html.contains("@m1</a>: Disagree"), "in words: {html}");
    assert!(html.contains("1 of 3 members have voted."), "{html}");

    // The discussion: a reply by form lands in the proposal's thread.
    let (status, loc) = post_form(
        &m1,
        app,
        &path,
        &format!("{path}/replies"),
        &[("status", "Which provider, though?")],
    )
    .await;
    assert_eq!(
        (status, loc.as_str()),
        (303, format!("{path}#discussion").as_str())
    );
    let (_, html) = page(&m1, app, &path).await;
    assert!(html.contains("Which provider, though?"), "the reply shows");

    // A non-member: no page, and a forged ballot is refused with nothing written.
    app.create_user("nora", PW).await;
    let nora = web_sign_in(app, "nora").await;
    let (status, html) = page(&nora, app, &path).await;
    assert_eq!(status, 403, "{html}");
    assert!(!html.contains("id=\"ballot\""));
    let (status, _) = post_form(&nora, app, "/home", &votes, &[("choice", "agree")]).await;
    assert_eq!(status, 403);
    assert_eq!(proposal(app, &m[1].1, &id).await["votes_count"], 1);
    let (status, coop) = page(&nora, app, "/coop").await;
    assert_eq!(status, 200);
    assert!(coop.contains("You are not a member of the co-op"));
    // A forged form without the CSRF token is refused too.
    let res = m1
        .post(app.url(&votes))
        .form(&[("choice", "block")])
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    assert_eq!(
        proposal(app, &m[1].1, &id).await["my_vote"]["ballot"],
        json!({ "choice": "disagree" })
    );

    // The lists.
    let (_, list) = page(&m1, app, "/proposals").await;
    assert!(list.contains(&format!("href=\"/proposals/{id}\"")));
    let (_, list) = page(&m1, app, "/proposals?state=closed").await;
    assert!(!list.contains(&format!("href=\"/proposals/{id}\"")));
    let (_, list) = page(&m1, app, "/proposals?state=open&kind=expense").await;
    assert!(!list.contains(&format!("href=\"/proposals/{id}\"")));

    // Closed: the result with the rule it was counted under, no ballot.
    close_after(app, 7).await;
    let (_, html) = page(&m1, app, &path).await;
    assert!(html.contains("Result"));
    assert!(html.contains("Counted by consent under bylaws@"), "{html}");
    assert!(html.contains("Voting on this proposal has closed."));
    assert!(!html.contains("id=\"ballot\""));
    let (_, list) = page(&m1, app, "/proposals?state=closed").await;
    assert!(list.contains(&format!("href=\"/proposals/{id}\"")));
    let (_, coop) = page(&m1, app, "/coop").await;
    assert!(
        coop.split("id=\"recent-h\"")
            .nth(1)
            .unwrap_or("")
            .contains("Buy a bigger server"),
        "{coop}"
    );
    let (status, _) = post_form(&m1, app, &path, &votes, &[("choice", "agree")]).await;
    assert_eq!(status, 422, "a vote after close is refused");
}

on_both_backends!(consent_vote_by_form, consent_by_form);

/// Ranked choice (an election, by selects), a secret ballot and a hidden count.
async fn ranked_secret_hidden(app: &TestApp) {
    let m = members(app, 4).await;
    let (c1, c2) = (m[1].0.to_string(), m[2].0.to_string());
    let id = propose(
        app,
        &m[0].1,
        json!({ "kind": "role_election", "title": "Elect a moderator", "body": "",
                "payload": { "role": "moderator", "seats": 1, "candidates": [m[1].0, m[2].0] } }),
    )
    .await;
    let path = format!("/proposals/{id}");
    let web = web_sign_in(app, "m3").await;
    let (_, html) = page(&web, app, &path).await;
    let form = ballot_form(&html);
    assert_eq!(
        form.matches("name=\"ranking[]\"").count(),
        2,
        "one select per rank"
    );
    assert!(
        form.contains("@m1") && form.contains("@m2"),
        "candidates by handle"
    );
    let votes = format!("{path}/votes");
    // Duplicates: 422 beside the ranking, nothing written.
    let (status, html) = post_form(
        &web,
        app,
        &path,
        &votes,
        &[("ranking[]", &c1), ("ranking[]", &c1)],
    )
    .await;
    assert_eq!(status, 422);
    assert!(ballot_form(&html).contains("more than once"), "{html}");
    assert!(proposal(app, &m[3].1, &id).await["my_vote"].is_null());
    // A ranking with a blank rank left.
    let (status, html) = post_form(
        &web,
        app,
        &path,
        &votes,
        &[("ranking[]", &c2), ("ranking[]", "")],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        proposal(app, &m[3].1, &id).await["my_vote"]["ballot"],
        json!({ "ranking": [c2] })
    );
    let (_, html) = page(&web, app, &path).await;
    assert!(
        html.contains("You voted: <strong>1. @m2</strong>"),
        "{html}"
    );

    // A secret ballot: no one sees how anyone voted, nor the count until the close.
    let sid = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Secret matter", "body": "", "secret": true }),
    )
    .await;
    let (status, _) = app
        .post_json(
            &format!("/api/v1/coop/proposals/{sid}/votes"),
            &m[1].1,
            json!({ "choice": "block", "reason": "A telling reason" }),
        )
        .await;
    assert_eq!(status, 200);
    let (_, html) = page(&web, app, &format!("/proposals/{sid}")).await;
    assert!(!html.contains("Who voted, and how"));
    assert!(!html.contains("A telling reason"));
    assert!(!html.contains("class=\"voters\""));
    assert!(!html.contains("&quot;block&quot;") && !html.contains("\"choice\":\"block\""));
    assert!(html.contains("The count is hidden until the proposal closes."));
    assert!(!html.contains("class=\"tally\""), "no count while open");

    // Hidden until close: no count, no voters' ballots; the count after the close.
    let hid = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Hidden count", "body": "", "hide_results": true }),
    )
    .await;
    let (status, _) = app
        .post_json(
            &format!("/api/v1/coop/proposals/{hid}/votes"),
            &m[1].1,
            json!({ "choice": "agree", "reason": "Hidden reason" }),
        )
        .await;
    assert_eq!(status, 200);
    let hpath = format!("/proposals/{hid}");
    let (_, html) = page(&web, app, &hpath).await;
    assert!(html.contains("The count is hidden until the proposal closes."));
    assert!(!html.contains("class=\"tally\""));
    assert!(!html.contains("Hidden reason"));
    close_after(app, 11).await;
    let (_, html) = page(&web, app, &hpath).await;
    assert!(
        html.contains("class=\"tally\""),
        "the count after the close"
    );
    assert!(
        !html.contains("Hidden reason"),
        "how each voted stays hidden"
    );
    let (_, html) = page(&web, app, &path).await;
    assert!(
        html.contains("Rounds of the count"),
        "ranked rounds as a table"
    );
    let (_, html) = page(&web, app, &format!("/proposals/{sid}")).await;
    assert!(
        !html.contains("A telling reason"),
        "secret after the close too"
    );
}

on_both_backends!(ranked_secret_and_hidden, ranked_secret_hidden);

/// Writes the default founding documents with the general rule replaced.
fn general_rule(config: &mut Config, rule: &str) {
    let dir = config.data_dir.join("bylaws");
    std::fs::create_dir_all(&dir).unwrap();
    for (name, text) in herd_governance::bylaws::DEFAULT_DOCUMENTS {
        let mut text = text.to_string();
        if *name == "bylaws.md" {
            let line = text
                .lines()
                .find(|l| l.starts_with("  general:"))
                .unwrap()
                .to_string();
            text = text.replacen(&line, &format!("  general: {rule}"), 1);
        }
        std::fs::write(dir.join(name), text).unwrap();
    }
    config.bylaws_dir = dir.display().to_string();
}

fn approval_rule(config: &mut Config) {
    general_rule(config, "{ method: approval, min_days: 6 }");
}

fn score_rule(config: &mut Config) {
    general_rule(config, "{ method: score, min_days: 6, max_score: 5 }");
}

async fn approval_by_form(app: &TestApp) {
    let m = members(app, 2).await;
    let id = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Meeting day", "body": "",
                "options": ["Tuesday", "Wednesday", "Thursday"] }),
    )
    .await;
    let path = format!("/proposals/{id}");
    let web = web_sign_in(app, "m1").await;
    let (_, html) = page(&web, app, &path).await;
    assert_eq!(ballot_form(&html).matches("name=\"choices[]\"").count(), 3);
    let (status, html) = post_form(
        &web,
        app,
        &path,
        &format!("{path}/votes"),
        &[("choices[]", "Tuesday"), ("choices[]", "Thursday")],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let p = proposal(app, &m[1].1, &id).await;
    let mut got: Vec<String> = p["my_vote"]["ballot"]["choices"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_string())
        .collect();
    got.sort();
    assert_eq!(got, ["Thursday", "Tuesday"]);
    let (_, html) = page(&web, app, &path).await;
    assert!(
        ballot_form(&html).contains("value=\"Tuesday\" checked"),
        "my vote kept"
    );
    let (status, html) = post_form(
        &web,
        app,
        &path,
        &format!("{path}/votes"),
        &[("choices[]", "Friday")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(ballot_form(&html).contains("not an option"), "{html}");
    let _ = token_for(app, m[0].0).await;
}

on_both_backends!(approval_vote_by_form, approval_by_form, approval_rule);

async fn score_by_form(app: &TestApp) {
    let m = members(app, 2).await;
    let id = propose(
        app,
        &m[0].1,
        json!({ "kind": "general", "title": "Rate the logos", "body": "",
                "options": ["Blue", "Green"] }),
    )
    .await;
    let path = format!("/proposals/{id}");
    let web = web_sign_in(app, "m1").await;
    let (_, html) = page(&web, app, &path).await;
    let form = ballot_form(&html);
    assert!(form.contains("name=\"scores[Blue]\"") && form.contains("max=\"5\""));
    let votes = format!("{path}/votes");
    let (status, html) = post_form(
        &web,
        app,
        &path,
        &votes,
        &[("scores[Blue]", "6"), ("scores[Green]", "2")],
    )
    .await;
    assert_eq!(status, 422);
    assert!(ballot_form(&html).contains("out of range"), "{html}");
    assert!(
        ballot_form(&html).contains("value=\"6\""),
        "what was typed is kept"
    );
    assert!(proposal(app, &m[1].1, &id).await["my_vote"].is_null());
    let (status, html) = post_form(
        &web,
        app,
        &path,
        &votes,
        &[("scores[Blue]", "4"), ("scores[Green]", "")],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert_eq!(
        proposal(app, &m[1].1, &id).await["my_vote"]["ballot"],
        json!({ "scores": { "Blue": 4 } })
    );
}

on_both_backends!(score_vote_by_form, score_by_form, score_rule);

/// `/proposals/new`: a general proposal by form, errors beside the field with the text kept,
/// an amendment prefilled with the text in force and previewed clause by clause.
async fn new_proposals(app: &TestApp) {
    let _m = members(app, 2).await;
    let web = web_sign_in(app, "m1").await;
    let (status, html) = page(&web, app, "/proposals/new").await;
    assert_eq!(status, 200, "{html}");
    let (status, html) = post_form(
        &web,
        app,
        "/proposals/new",
        "/proposals/new",
        &[
            ("kind", "general"),
            ("title", ""),
            ("body", "Keep this text"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"title-error\""), "{html}");
    assert!(html.contains("Keep this text"));
    let (status, loc) = post_form(
        &web,
        app,
        "/proposals/new",
        "/proposals/new",
        &[
            ("kind", "general"),
            ("title", "Plant a tree"),
            ("body", "One tree."),
            ("options[]", ""),
        ],
    )
    .await;
    assert_eq!(status, 303, "{loc}");
    assert!(loc.starts_with("/proposals/"));
    let (_, html) = page(&web, app, &loc).await;
    assert!(html.contains("Plant a tree"));

    let new_path = "/proposals/new?kind=policy_amendment&policy=code-of-conduct";
    let (_, html) = page(&web, app, new_path).await;
    assert!(
        html.contains("slug: code-of-conduct"),
        "the text in force prefilled"
    );
    let text = crate::common::unescape(
        html.split("name=\"payload[text]\"")
            .nth(1)
            .and_then(|s| s.split_once('>'))
            .map(|(_, rest)| rest.split("</textarea>").next().unwrap())
            .unwrap(),
    );
    // Change clause 1.1's title.
    assert!(text.contains("### 1.1 Slurs"), "{text}");
    let edited = text.replacen("### 1.1 Slurs", "### 1.1 Amended slurs", 1);
    let (status, html) = post_form(
        &web,
        app,
        new_path,
        "/proposals/new",
        &[
            ("kind", "policy_amendment"),
            ("title", "Amend"),
            ("body", ""),
            ("payload[policy]", "code-of-conduct"),
            ("payload[text]", &edited),
            ("preview", "1"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Changes against version"), "{html}");
    assert!(html.contains("Changed "), "a changed clause: {html}");
    assert!(html.contains("Amended"), "the typed text is kept");
}

on_both_backends!(new_proposal_forms, new_proposals);
