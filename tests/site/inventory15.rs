//! Issue 15 over HTTP on both backends: standing for election and withdrawing (the co-op API
//! and the proposal page), moderators' notes on a report, /admin's domain allows and invites
//! (sign-up by invite honoured, a revoked one refused), each bad input refused with nothing
//! written; and the route inventory: every path of DESIGN §10 that issue 15 owns, visited
//! signed out, as a non-member, a member, a treasurer and a moderator, each answering as it
//! should (the page, a 403 page, or a redirect to sign-in).

use crate::common::moderation::{get, post, send, user};
use crate::common::web::{page, web_sign_in};
use crate::common::{csrf_of, TestApp};
use serde_json::{json, Value};

async fn count(app: &TestApp, sql: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(sql)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

fn options(p: &Value) -> Vec<String> {
    p["options"]
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|o| o.as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default()
}

/// The text of the field error with id `id`, if any.
fn error_text<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let marker = format!("id=\"{id}\"");
    let start = html.find(&marker)?;
    let rest = &html[start..];
    let open = rest.find('>')? + 1;
    let close = rest.find("</p>")?;
    Some(&rest[open..close])
}

/// Sets a member's language (the preference wins over the browser's Accept-Language).
async fn set_locale(app: &TestApp, username: &str, locale: &str) {
    sqlx::query(&format!(
        "UPDATE users SET locale = '{locale}' WHERE account_id IN \
         (SELECT id FROM accounts WHERE username = '{username}' AND domain = '')"
    ))
    .execute(&app.state.db.pool)
    .await
    .expect("set the locale");
}

/// POSTs a form as a reader whose browser asks for Japanese.
async fn send_form_ja(client: &reqwest::Client, url: &str, form: &[(&str, &str)]) -> (u16, String) {
    let res = client
        .post(url)
        .header("accept-language", "ja")
        .form(form)
        .send()
        .await
        .expect("POST");
    let status = res.status().as_u16();
    (status, res.text().await.unwrap_or_default())
}

// ---------------------------------------------------------------- standing for election

async fn standing_for_election(app: &TestApp) {
    let (alice, alice_t) = user(app, "alice", None, true).await;
    let (bob, bob_t) = user(app, "bob", None, true).await;
    let (carol, _) = user(app, "carol", None, true).await;
    let (_, dave_t) = user(app, "dave", None, false).await;
    let (status, p) = post(
        app,
        "/api/v1/coop/proposals",
        &alice_t,
        json!({ "kind": "role_election", "title": "Elect a moderator", "body": "",
                "payload": { "role": "moderator", "seats": 1, "candidates": [alice.to_string()] } }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    let id = p["id"].as_str().expect("id").to_string();
    let stand = format!("/api/v1/coop/proposals/{id}/candidates");

    // Bob stands through the API: he is on the ballot.
    let (status, p) = post(app, &stand, &bob_t, json!({})).await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(options(&p), vec![alice.to_string(), bob.to_string()]);
    assert_eq!(p["payload"]["candidates"][1], bob.to_string());

    // Standing twice, or as a non-member: refused, nothing written.
    let (status, e) = post(app, &stand, &bob_t, json!({})).await;
    assert_eq!(status, 422, "{e}");
    assert!(e["error"].as_str().unwrap_or("").contains("already"), "{e}");
    let (status, e) = post(app, &stand, &dave_t, json!({})).await;
    assert_eq!(status, 403, "{e}");
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{id}"), &alice_t).await;
    assert_eq!(options(&p).len(), 2, "{p}");

    // Carol stands from the page, and sees herself among the candidates and on the ballot.
    let web = web_sign_in(app, "carol").await;
    let here = app.url(&format!("/proposals/{id}"));
    let (status, html) = page(&web, &here).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("Stand for election"), "{html}");
    let csrf = csrf_of(&html);
    // Without the form's token: refused.
    let (status, _) = send_form(&web, &format!("{here}/candidates"), &[]).await;
    assert_eq!(status, 403);
    let (status, _) = send_form(
        &web,
        &format!("{here}/candidates"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&web, &here).await;
    assert!(html.contains("Withdraw my candidacy"), "{html}");
    assert!(
        html.contains(&format!("<option value=\"{carol}\">@carol</option>")),
        "carol is on the ranked ballot: {html}"
    );
    // And withdraws.
    let (status, _) = send_form(
        &web,
        &format!("{here}/candidates/withdraw"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{id}"), &alice_t).await;
    assert!(!options(&p).contains(&carol.to_string()), "{p}");

    // Once the first ballot is cast the candidates are fixed: standing and withdrawing are
    // refused beside the form, nothing changes.
    let (status, v) = post(
        app,
        &format!("/api/v1/coop/proposals/{id}/votes"),
        &bob_t,
        json!({ "ranking": [bob.to_string(), alice.to_string()] }),
    )
    .await;
    assert_eq!(status, 200, "{v}");
    let (status, html) = send_form(
        &web,
        &format!("{here}/candidates"),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    let error = error_text(&html, "candidacy-error").expect("error beside the form");
    assert!(error.contains("Voting has started"), "{error}");
    let (status, e) = send(app, reqwest::Method::DELETE, &stand, &bob_t, json!({})).await;
    assert_eq!(status, 422, "{e}");
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{id}"), &alice_t).await;
    assert_eq!(options(&p), vec![alice.to_string(), bob.to_string()]);
    // Each candidacy is in the proposal's log.
    let sql = format!(
        "SELECT COUNT(*) FROM governance_events WHERE proposal_id = {id} AND kind LIKE 'candidate_%'"
    );
    assert_eq!(count(app, &sql).await, 3);
}
on_both_backends!(standing, standing_for_election);

// ---------------------------------------------------------------- report notes

async fn report_notes(app: &TestApp) {
    user(app, "mod1", Some("moderator"), true).await;
    user(app, "mod2", Some("moderator"), true).await;
    let (target, _) = user(app, "spammer", None, true).await;
    let (_, reporter_t) = user(app, "reporter", None, true).await;
    let (status, r) = post(
        app,
        "/api/v1/reports",
        &reporter_t,
        json!({ "account_id": target.to_string(), "comment": "Spam", "category": "spam" }),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    let rid = r["id"].as_str().expect("id").to_string();
    let here = app.url(&format!("/moderation/reports/{rid}"));
    let notes = format!("{here}/notes");
    let web = web_sign_in(app, "mod1").await;
    let (status, html) = page(&web, &here).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"notes-h\""), "{html}");
    let csrf = csrf_of(&html);

    // A blank note: the form again with the message beside it, nothing written.
    let (status, html) = send_form(&web, &notes, &[("csrf_token", &csrf), ("content", "  ")]).await;
    assert_eq!(status, 422, "{html}");
    assert!(error_text(&html, "note-error").is_some(), "{html}");
    // A forged form (no token): refused.
    let (status, _) = send_form(&web, &notes, &[("content", "forged")]).await;
    assert_eq!(status, 403);
    assert_eq!(count(app, "SELECT COUNT(*) FROM report_notes").await, 0);

    let (status, _) = send_form(
        &web,
        &notes,
        &[
            ("csrf_token", &csrf),
            ("content", "Asked the reporter for links"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&web, &here).await;
    assert!(html.contains("Asked the reporter for links"), "{html}");
    // The other moderator reads it too.
    let web2 = web_sign_in(app, "mod2").await;
    let (_, html) = page(&web2, &here).await;
    assert!(html.contains("Asked the reporter for links"), "{html}");

    // The reporter and the reported account: a 403 page without the note, and a note posted
    // with their own valid token is refused.
    for who in ["reporter", "spammer"] {
        let member = web_sign_in(app, who).await;
        let (status, html) = page(&member, &here).await;
        assert_eq!(status, 403, "{who}");
        assert!(!html.contains("Asked the reporter"), "{who}: {html}");
        let (_, own) = page(&member, &app.url("/strikes")).await;
        let (status, _) = send_form(
            &member,
            &notes,
            &[("csrf_token", &csrf_of(&own)), ("content", "mine")],
        )
        .await;
        assert_eq!(status, 403, "{who}");
    }
    // Nor does any API they can reach carry it.
    let (_, mine) = get(app, &format!("/api/v1/admin/reports/{rid}"), &reporter_t).await;
    assert!(!mine.to_string().contains("Asked the reporter"), "{mine}");
    assert_eq!(count(app, "SELECT COUNT(*) FROM report_notes").await, 1);

    // Its author deletes it.
    let (_, html) = page(&web, &here).await;
    let nid: String = sqlx::query_as::<_, (i64,)>("SELECT id FROM report_notes")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("note")
        .0
        .to_string();
    // Not another moderator's to delete.
    let (status, _) = send_form(
        &web2,
        &format!("{notes}/{nid}/delete"),
        &[("csrf_token", &csrf_of(&html))],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _) = send_form(
        &web,
        &format!("{notes}/{nid}/delete"),
        &[("csrf_token", &csrf_of(&html))],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(count(app, "SELECT COUNT(*) FROM report_notes").await, 0);
}
on_both_backends!(notes, report_notes);

// ---------------------------------------------------------------- /admin

async fn sign_up_with(app: &TestApp, name: &str, code: &str) -> (u16, String) {
    let anon = app.browser();
    let (_, form) = page(&anon, &app.url(&format!("/auth/sign_up?invite={code}"))).await;
    let email = format!("{name}@example.org");
    send_form(
        &anon,
        &app.url("/auth/sign_up"),
        &[
            ("csrf_token", csrf_of(&form).as_str()),
            ("username", name),
            ("email", email.as_str()),
            ("password", "correct horse battery"),
            ("password_confirmation", "correct horse battery"),
            ("agreement", "1"),
            ("invite_code", code),
        ],
    )
    .await
}

async fn admin_allows_and_invites(app: &TestApp) {
    user(app, "root", Some("admin"), true).await;
    user(app, "mod1", Some("moderator"), true).await;
    let web = web_sign_in(app, "root").await;
    let admin = app.url("/admin");
    let (status, html) = page(&web, &admin).await;
    assert_eq!(status, 200, "{html}");
    let csrf = csrf_of(&html);

    // An allow without a citation: the form again, the domain kept, the message beside the
    // clause; nothing written. A forged form: refused.
    let allows = app.url("/admin/domain_allows");
    let (status, html) = send_form(
        &web,
        &allows,
        &[
            ("csrf_token", &csrf),
            ("domain", "friendly.example"),
            ("policy_clause", ""),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(error_text(&html, "allow-clause-error").is_some(), "{html}");
    assert!(html.contains("value=\"friendly.example\""), "{html}");
    let (status, _) = send_form(
        &web,
        &allows,
        &[
            ("domain", "friendly.example"),
            ("policy_clause", "federation-policy@1#3.2"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(count(app, "SELECT COUNT(*) FROM domain_allows").await, 0);
    let (status, _) = send_form(
        &web,
        &allows,
        &[
            ("csrf_token", &csrf),
            ("domain", "friendly.example"),
            ("policy_clause", "federation-policy@1#3.2"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&web, &admin).await;
    assert!(html.contains("<strong>friendly.example</strong>"), "{html}");
    assert!(
        html.contains("href=\"/policies/federation-policy#3.2\""),
        "the citation links to its clause: {html}"
    );

    // Invites: a bad number beside its field; then one use for a week, its link shown once.
    let invites = app.url("/admin/invites");
    let (status, html) = send_form(
        &web,
        &invites,
        &[
            ("csrf_token", &csrf),
            ("max_uses", "0"),
            ("expires_in_days", "7"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(
        error_text(&html, "invite-uses-error"),
        Some("max_uses must be 1 to 1000, or empty for no limit"),
        "{html}"
    );
    assert_eq!(count(app, "SELECT COUNT(*) FROM invites").await, 0);
    // A Japanese reader reads the same refusals in Japanese, beside the same fields.
    set_locale(app, "root", "ja").await;
    let (status, html) = send_form_ja(
        &web,
        &invites,
        &[
            ("csrf_token", &csrf),
            ("max_uses", "1"),
            ("expires_in_days", "x"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(
        error_text(&html, "invite-days-error"),
        Some("整数を入力してください。"),
        "{html}"
    );
    let (status, html) =
        send_form_ja(&web, &invites, &[("csrf_token", &csrf), ("max_uses", "0")]).await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(
        error_text(&html, "invite-uses-error"),
        Some("1 から 1000 までの数にするか、無制限なら空欄にしてください。"),
        "{html}"
    );
    assert_eq!(count(app, "SELECT COUNT(*) FROM invites").await, 0);
    let (status, html) = send_form_ja(
        &web,
        &allows,
        &[
            ("csrf_token", &csrf),
            ("domain", "other.example"),
            ("policy_clause", ""),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(
        error_text(&html, "allow-clause-error")
            .is_some_and(|t| t.starts_with("policy_clause が必要です")),
        "{html}"
    );
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM domain_allows WHERE domain = 'other.example'"
        )
        .await,
        0
    );
    set_locale(app, "root", "en").await;
    let (status, html) = send_form(
        &web,
        &invites,
        &[
            ("csrf_token", &csrf),
            ("max_uses", "2"),
            ("expires_in_days", "7"),
        ],
    )
    .await;
    assert_eq!(status, 200, "{html}");
    let html = crate::common::unescape(&html);
    let link_at = html
        .find("/auth/sign_up?invite=")
        .expect("the invite's link");
    let code: String = html[link_at + "/auth/sign_up?invite=".len()..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    assert!(!code.is_empty());
    let (_, again) = page(&web, &admin).await;
    assert!(!again.contains(&code), "the code is shown once");
    assert!(again.contains("Live"), "{again}");

    // Sign-ups are closed, but the invite lets a person in.
    let (status, body) = sign_up_with(app, "invited", &code).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM accounts WHERE username = 'invited'"
        )
        .await,
        1
    );
    // Revoked, it no longer does.
    let iid: i64 = sqlx::query_as::<_, (i64,)>("SELECT id FROM invites")
        .fetch_one(&app.state.db.pool)
        .await
        .expect("invite")
        .0;
    let (status, _) = send_form(
        &web,
        &app.url(&format!("/admin/invites/{iid}/revoke")),
        &[("csrf_token", &csrf)],
    )
    .await;
    assert_eq!(status, 303);
    let (_, html) = page(&web, &admin).await;
    assert!(html.contains("Revoked"), "{html}");
    let (status, body) = sign_up_with(app, "latecomer", &code).await;
    assert_ne!(status, 200, "{body}");
    assert_eq!(
        count(
            app,
            "SELECT COUNT(*) FROM accounts WHERE username = 'latecomer'"
        )
        .await,
        0
    );

    // A moderator who is not an admin sees no invites and may not make one.
    let m = web_sign_in(app, "mod1").await;
    let (status, html) = page(&m, &admin).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("id=\"invites-h\""), "{html}");
    let (status, _) = send_form(
        &m,
        &invites,
        &[("csrf_token", &csrf_of(&html)), ("max_uses", "1")],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(count(app, "SELECT COUNT(*) FROM invites").await, 1);
}
on_both_backends!(
    admin_page,
    admin_allows_and_invites,
    |c: &mut herd::config::Config| {
        c.registrations.mode = herd::config::RegistrationMode::Closed;
        c.registrations.require_email_confirmation = false;
    }
);

// ---------------------------------------------------------------- instance settings

async fn instance_settings(app: &TestApp) {
    let (root, _) = user(app, "root", Some("admin"), true).await;
    user(app, "mod1", Some("moderator"), true).await;
    user(app, "mem", None, true).await;
    let web = web_sign_in(app, "root").await;
    let admin = app.url("/admin");
    let (status, html) = page(&web, &admin).await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("id=\"set-title\""), "{html}");
    let csrf = csrf_of(&html);
    let settings = app.url("/admin/settings");
    let changed =
        "SELECT COUNT(*) FROM moderation_actions WHERE action = 'change_instance_setting'";

    // A blank title and a bad email: the form again, each message beside its field, what was
    // typed kept, nothing written (not even the good value sent with them).
    let (status, html) = send_form(
        &web,
        &settings,
        &[
            ("csrf_token", &csrf),
            ("title", "  "),
            ("description", "Kept as typed"),
            ("contact_email", "not an email"),
            ("timelines_access.live_feeds.local", "members"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert!(
        error_text(&html, "set-title-error").is_some_and(|t| t.contains("blank")),
        "{html}"
    );
    assert!(
        error_text(&html, "set-contact_email-error").is_some(),
        "{html}"
    );
    assert!(
        error_text(&html, "set-live_feeds-local-error").is_some(),
        "{html}"
    );
    assert!(html.contains("Kept as typed"), "{html}");
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM instance_settings").await,
        0
    );
    assert_eq!(count(app, changed).await, 0);
    let (_, v2) = app.get_json("/api/v2/instance", None).await;
    assert_eq!(v2["description"], app.state.config.instance.description);

    // In Japanese: the same refusals, translated, beside the same fields; nothing written.
    set_locale(app, "root", "ja").await;
    let long = "x".repeat(600);
    let (status, html) = send_form_ja(
        &web,
        &settings,
        &[
            ("csrf_token", &csrf),
            ("title", "  "),
            ("description", long.as_str()),
            ("contact_email", "not an email"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{html}");
    assert_eq!(
        error_text(&html, "set-title-error"),
        Some("入力してください。"),
        "{html}"
    );
    assert_eq!(
        error_text(&html, "set-description-error"),
        Some("500 文字以内にしてください。"),
        "{html}"
    );
    assert_eq!(
        error_text(&html, "set-contact_email-error"),
        Some("メールアドレスではありません。"),
        "{html}"
    );
    assert_eq!(
        count(app, "SELECT COUNT(*) FROM instance_settings").await,
        0
    );
    assert_eq!(count(app, changed).await, 0);
    set_locale(app, "root", "en").await;

    // A forged form: refused.
    let (status, _) = send_form(&web, &settings, &[("title", "Forged")]).await;
    assert_eq!(status, 403);

    // The admin changes the title, descriptions, contact and the public feed's access.
    let (status, html) = send_form(
        &web,
        &settings,
        &[
            ("csrf_token", &csrf),
            ("title", "Herd Commons"),
            ("description", "A commons"),
            ("extended_description", "We **grow** together."),
            ("contact_email", "admins@example.org"),
            ("contact_account", "@root"),
            ("timelines_access.live_feeds.local", "authenticated"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{html}");
    let (_, v2) = app.get_json("/api/v2/instance", None).await;
    assert_eq!(v2["title"], "Herd Commons", "{v2}");
    assert_eq!(v2["description"], "A commons", "{v2}");
    assert_eq!(v2["contact"]["email"], "admins@example.org", "{v2}");
    assert_eq!(v2["contact"]["account"]["username"], "root", "{v2}");
    assert_eq!(
        v2["configuration"]["timelines_access"]["live_feeds"]["local"], "authenticated",
        "{v2}"
    );
    let (_, v1) = app.get_json("/api/v1/instance", None).await;
    assert_eq!(v1["title"], "Herd Commons", "{v1}");
    let (_, ext) = app
        .get_json("/api/v1/instance/extended_description", None)
        .await;
    assert!(
        ext["content"]
            .as_str()
            .unwrap_or("")
            .contains("<strong>grow</strong>"),
        "{ext}"
    );
    let (status, about) = page(&app.browser(), &app.url("/about")).await;
    assert_eq!(status, 200);
    assert!(about.contains("<h1>Herd Commons</h1>"), "{about}");
    assert!(about.contains("<strong>grow</strong>"), "{about}");
    // The new access applies at once: the local public feed now needs a signed-in user.
    let (status, _) = app
        .get_json("/api/v1/timelines/public?local=true", None)
        .await;
    assert_eq!(status, 401);
    // Each change is in the audit log, with who made it.
    assert_eq!(count(app, changed).await, 6);
    assert_eq!(
        count(
            app,
            &format!("SELECT COUNT(*) FROM moderation_actions WHERE action = 'change_instance_setting' AND moderator_account_id = {root}")
        )
        .await,
        6
    );
    let (_, html) = page(&web, &admin).await;
    assert!(html.contains("value=\"Herd Commons\""), "{html}");

    // A moderator sees /admin without the settings and may not change them; a member gets
    // the 403 page for both.
    let m = web_sign_in(app, "mod1").await;
    let (status, html) = page(&m, &admin).await;
    assert_eq!(status, 200, "{html}");
    assert!(!html.contains("id=\"settings-form\""), "{html}");
    let (status, _) = send_form(
        &m,
        &settings,
        &[("csrf_token", &csrf_of(&html)), ("title", "Mod's herd")],
    )
    .await;
    assert_eq!(status, 403);
    let member = web_sign_in(app, "mem").await;
    let (status, html) = page(&member, &admin).await;
    assert_eq!(status, 403, "{html}");
    let (_, html) = page(&member, &app.url("/about")).await;
    let (status, _) = send_form(
        &member,
        &settings,
        &[("csrf_token", &csrf_of(&html)), ("title", "Member's herd")],
    )
    .await;
    assert_eq!(status, 403);
    let (_, v2) = app.get_json("/api/v2/instance", None).await;
    assert_eq!(v2["title"], "Herd Commons", "{v2}");
    assert_eq!(count(app, changed).await, 6);
}
on_both_backends!(settings15, instance_settings);

// ---------------------------------------------------------------- the route inventory

/// What a path should answer a viewer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Page,
    Forbidden,
    SignIn,
}
use crate::common::web::send_form;
use Answer::{Forbidden as F, Page as P, SignIn as S};

/// The viewers, in the order of each row's answers.
const VIEWERS: [&str; 5] = [
    "signed out",
    "non-member",
    "member",
    "treasurer",
    "moderator",
];

/// A co-op with one of everything a path names: a proposal, an expense, a report.
struct Fixture {
    proposal: String,
    expense: String,
    report: String,
    account: i64,
}

async fn fixture(app: &TestApp) -> Fixture {
    let (_, member_t) = user(app, "member", None, true).await;
    user(app, "outsider", None, false).await;
    user(app, "treasurer", Some("treasurer"), true).await;
    user(app, "moderator", Some("moderator"), true).await;
    let (target, _) = user(app, "target", None, true).await;
    let (status, p) = post(
        app,
        "/api/v1/coop/proposals",
        &member_t,
        json!({ "kind": "general", "title": "Picnic", "body": "In June" }),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    let (status, e) = post(
        app,
        "/api/v1/coop/expenses",
        &member_t,
        json!({ "amount": 1000, "currency": "EUR", "description": "Backup disk", "category": "software" }),
    )
    .await;
    assert_eq!(status, 200, "{e}");
    let (status, r) = post(
        app,
        "/api/v1/reports",
        &member_t,
        json!({ "account_id": target.to_string(), "comment": "Spam", "category": "spam" }),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    Fixture {
        proposal: p["id"].as_str().expect("id").into(),
        expense: e["id"].as_str().expect("id").into(),
        report: r["id"].as_str().expect("id").into(),
        account: target,
    }
}

/// Every path of DESIGN §10 that issue 15 owns, and its answer to each of `VIEWERS`.
fn inventory(f: &Fixture) -> Vec<(String, [Answer; 5])> {
    let public = [P, P, P, P, P];
    let members = [S, F, P, P, P];
    let moderators = [S, F, F, F, P];
    vec![
        ("/about".into(), public),
        ("/policies".into(), public),
        ("/policies/code-of-conduct".into(), public),
        ("/policies/code-of-conduct/versions/1".into(), public),
        ("/policies/code-of-conduct/diff?from=1&to=1".into(), public),
        // The bylaws keep the ledger and the moderation log to members.
        ("/ledger".into(), members),
        ("/moderation/log".into(), members),
        // Anyone signed in: what needs me, applying for membership, my strikes.
        ("/coop".into(), [S, P, P, P, P]),
        ("/membership".into(), [S, P, P, P, P]),
        ("/strikes".into(), [S, P, P, P, P]),
        ("/proposals".into(), members),
        ("/proposals/new".into(), members),
        (format!("/proposals/{}", f.proposal), members),
        ("/members".into(), members),
        ("/expenses".into(), members),
        // The claim form only for those who may claim (a non-member's post is refused too).
        ("/expenses/new".into(), members),
        (format!("/expenses/{}", f.expense), members),
        ("/moderation".into(), moderators),
        (format!("/moderation/reports/{}", f.report), moderators),
        (format!("/moderation/accounts/{}", f.account), moderators),
        ("/moderation/appeals".into(), moderators),
        ("/admin".into(), moderators),
    ]
}

async fn route_inventory(app: &TestApp) {
    let f = fixture(app).await;
    let clients = [
        app.browser(),
        web_sign_in(app, "outsider").await,
        web_sign_in(app, "member").await,
        web_sign_in(app, "treasurer").await,
        web_sign_in(app, "moderator").await,
    ];
    let mut wrong = Vec::new();
    for (path, answers) in inventory(&f) {
        for (i, client) in clients.iter().enumerate() {
            // As a browser asks (`/coop` answers ActivityPub clients with the actor).
            let res = client
                .get(app.url(&path))
                .header("accept", "text/html")
                .send()
                .await
                .expect("GET");
            let status = res.status().as_u16();
            let location = res
                .headers()
                .get("location")
                .and_then(|l| l.to_str().ok())
                .unwrap_or("")
                .to_string();
            let html = res.text().await.unwrap_or_default();
            let got = match status {
                200 if html.contains("<main") => Some(P),
                403 if html.contains("<main") => Some(F),
                303 | 302 if location.starts_with("/auth/sign_in") => Some(S),
                _ => None,
            };
            if got != Some(answers[i]) {
                wrong.push(format!(
                    "{path} as {}: expected {:?}, got {status} {location}",
                    VIEWERS[i], answers[i]
                ));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}
on_both_backends!(inventory15, route_inventory);
