//! The moderation pages over HTTP on both backends: a moderator acts from a report citing a
//! clause that permits the sanction and the log shows it with the clause linked; a clause that
//! does not permit it, or none, comes back 422 beside the field with nothing written; a plain
//! member gets 403 pages and no forms, and a forged action POST is refused; a struck member
//! reads the strike and appeals, and a second moderator (never the one who acted) decides it;
//! a form without its CSRF token is refused; the admin dashboard blocks and unblocks a domain
//! under a clause and decides a sign-up.

use crate::common::moderation::{action, get, post, user, PW};
use crate::common::web::send_form;
use crate::common::web::{page, web_sign_in};
use crate::common::{csrf_of, TestApp};
use serde_json::json;

async fn count(app: &TestApp, table: &str) -> i64 {
    let (n,): (i64,) = sqlx::query_as(&format!("SELECT COUNT(*) FROM {table}"))
        .fetch_one(&app.state.db.pool)
        .await
        .expect("count");
    n
}

/// Files a report about `target` as `reporter`; its id.
async fn file_report(app: &TestApp, reporter: &str, target: i64) -> String {
    let (status, r) = post(
        app,
        "/api/v1/reports",
        reporter,
        json!({ "account_id": target.to_string(), "comment": "Spamming the local timeline",
                "category": "spam" }),
    )
    .await;
    assert_eq!(status, 200, "{r}");
    r["id"].as_str().expect("id").to_string()
}

/// The text of the field error beside `id`'s field, if any.
fn field_error<'a>(html: &'a str, id: &str) -> Option<&'a str> {
    let marker = format!("id=\"{id}-error\"");
    let start = html.find(&marker)?;
    let rest = &html[start..];
    let open = rest.find('>')? + 1;
    let close = rest.find("</p>")?;
    Some(&rest[open..close])
}

async fn moderator_acts_from_a_report(app: &TestApp) {
    user(app, "mod1", Some("moderator"), true).await;
    let (target, _) = user(app, "spammer", None, true).await;
    let (_, reporter) = user(app, "reporter", None, true).await;
    let report = file_report(app, &reporter, target).await;
    let web = web_sign_in(app, "mod1").await;

    // The queue lists it, filtered by origin and category.
    let (status, queue) = page(&web, &app.url("/moderation")).await;
    assert_eq!(status, 200, "{queue}");
    assert!(
        queue.contains(&format!("/moderation/reports/{report}")),
        "{queue}"
    );
    let (_, local_spam) = page(&web, &app.url("/moderation?origin=local&category=spam")).await;
    assert!(local_spam.contains(&format!("/moderation/reports/{report}")));
    let (_, remote) = page(&web, &app.url("/moderation?origin=remote")).await;
    assert!(!remote.contains(&format!("/moderation/reports/{report}")));
    let (_, legal) = page(&web, &app.url("/moderation?category=legal")).await;
    assert!(!legal.contains(&format!("/moderation/reports/{report}")));

    // Choosing suspension lists only the clauses in force that permit it.
    let path = format!("/moderation/reports/{report}");
    let (status, form) = page(&web, &app.url(&format!("{path}?sanction=suspend"))).await;
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("Spamming the local timeline"));
    assert!(form.contains("name=\"type\" value=\"suspend\""));
    assert!(form.contains("value=\"code-of-conduct@1#1.1\""), "{form}");
    assert!(
        !form.contains("value=\"code-of-conduct@1#3.1\""),
        "3.1 does not permit suspend"
    );
    assert!(!form.contains("value=\"federation-policy@1#2.1\""));
    let csrf = csrf_of(&form);
    let act = app.url(&format!("{path}/action"));

    // A clause that does not permit it, or none: the form again, the message beside the
    // clause, nothing written.
    for clause in ["code-of-conduct@1#3.1", ""] {
        let (status, body) = send_form(
            &web,
            &act,
            &[
                ("csrf_token", csrf.as_str()),
                ("type", "suspend"),
                ("policy_clause", clause),
                ("text", "Spam"),
            ],
        )
        .await;
        assert_eq!(status, 422, "{clause}: {body}");
        let error = field_error(&body, "policy_clause").expect("error beside the clause");
        assert!(!error.is_empty(), "{body}");
        if !clause.is_empty() {
            assert!(error.contains("does not permit"), "{error}");
        }
        assert!(body.contains(">Spam</textarea>"), "what was typed is kept");
        assert_eq!(count(app, "strikes").await, 0);
        assert_eq!(count(app, "moderation_actions").await, 0);
    }

    // Without the form's token: refused.
    let (status, _) = send_form(
        &web,
        &act,
        &[
            ("type", "suspend"),
            ("policy_clause", "code-of-conduct@1#1.1"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    assert_eq!(count(app, "strikes").await, 0);

    // Assign to me, then act under a permitting clause: the report is resolved.
    let (status, _) = send_form(
        &web,
        &app.url(&format!("{path}/assign_to_self")),
        &[("csrf_token", csrf.as_str())],
    )
    .await;
    assert_eq!(status, 303);
    let (_, assigned) = page(&web, &app.url(&path)).await;
    assert!(assigned.contains("@mod1"), "{assigned}");
    let (status, body) = send_form(
        &web,
        &act,
        &[
            ("csrf_token", csrf.as_str()),
            ("type", "silence"),
            ("policy_clause", "code-of-conduct@1#1.1"),
            ("text", "Repeated spam"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, v) = get(
        app,
        &format!("/api/v1/admin/accounts/{target}"),
        &user_token(app, "mod1").await,
    )
    .await;
    assert_eq!(v["silenced"], true, "{v}");
    let (_, resolved) = page(&web, &app.url("/moderation?resolved=1")).await;
    assert!(resolved.contains(&format!("/moderation/reports/{report}")));
    let (_, open) = page(&web, &app.url("/moderation")).await;
    assert!(!open.contains(&format!("/moderation/reports/{report}")));

    // The account's record shows the strike and the action, citations linked to the clause.
    let (status, record) = page(&web, &app.url(&format!("/moderation/accounts/{target}"))).await;
    assert_eq!(status, 200, "{record}");
    assert!(
        record.contains("href=\"/policies/code-of-conduct#1.1\""),
        "{record}"
    );
    assert!(record.contains("Repeated spam"));

    // Lifting the limit cites a clause too: none is refused beside the field; one lifts it.
    assert!(record.contains("/lift/unsilence\""), "{record}");
    assert!(
        !record.contains("/lift/unsuspend\""),
        "only sanctions in effect"
    );
    let lift = app.url(&format!("/moderation/accounts/{target}/lift/unsilence"));
    let (status, body) = send_form(
        &web,
        &lift,
        &[("csrf_token", csrf.as_str()), ("policy_clause", "")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(field_error(&body, "lift-unsilence").is_some(), "{body}");
    let (status, _) = send_form(
        &web,
        &lift,
        &[
            ("csrf_token", csrf.as_str()),
            ("policy_clause", "code-of-conduct@1#1.1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, v) = get(
        app,
        &format!("/api/v1/admin/accounts/{target}"),
        &user_token(app, "mod1").await,
    )
    .await;
    assert_eq!(v["silenced"], false, "{v}");

    // The log, read by a plain member, shows it with the citation linked.
    let member = web_sign_in(app, "reporter").await;
    let (status, log) = page(&member, &app.url("/moderation/log")).await;
    assert_eq!(status, 200, "{log}");
    assert!(log.contains("<code>silence</code>"), "{log}");
    assert!(log.contains("<code>unsilence</code>"), "{log}");
    assert!(
        log.contains("href=\"/policies/code-of-conduct#1.1\""),
        "{log}"
    );
    // Anonymous: the default policy keeps the log to members.
    let res = app
        .browser()
        .get(app.url("/moderation/log"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // Reopen from the page.
    let (status, _) = send_form(
        &web,
        &app.url(&format!("{path}/reopen")),
        &[("csrf_token", csrf.as_str())],
    )
    .await;
    assert_eq!(status, 303);
    let (_, open) = page(&web, &app.url("/moderation")).await;
    assert!(open.contains(&format!("/moderation/reports/{report}")));
}
on_both_backends!(moderator_acts, moderator_acts_from_a_report);

async fn user_token(app: &TestApp, name: &str) -> String {
    let id: (i64,) = sqlx::query_as("SELECT id FROM accounts WHERE username = $1 AND domain = ''")
        .bind(name)
        .fetch_one(&app.state.db.pool)
        .await
        .expect("account");
    herd::services::oauth::operator_token(&app.state, id.0, crate::common::moderation::SCOPES)
        .await
        .expect("token")
}

async fn members_get_no_moderation_forms(app: &TestApp) {
    let (target, _) = user(app, "target", None, true).await;
    let (_, reporter) = user(app, "member", None, true).await;
    let report = file_report(app, &reporter, target).await;
    let web = web_sign_in(app, "member").await;
    for path in [
        "/moderation".to_string(),
        format!("/moderation/reports/{report}"),
        format!("/moderation/accounts/{target}"),
        "/moderation/appeals".to_string(),
        "/admin".to_string(),
    ] {
        let (status, body) = page(&web, &app.url(&path)).await;
        assert_eq!(status, 403, "{path}");
        assert!(!body.contains("policy_clause"), "{path} offers no form");
        assert!(!body.contains("Spamming"), "{path} shows no report");
    }
    // A forged action, with the member's own valid token: refused by the service.
    let (_, home) = page(&web, &app.url("/home")).await;
    let csrf = csrf_of(&home);
    for (path, form) in [
        (
            format!("/moderation/accounts/{target}/action"),
            vec![
                ("type", "suspend"),
                ("policy_clause", "code-of-conduct@1#1.1"),
            ],
        ),
        (
            format!("/moderation/reports/{report}/action"),
            vec![
                ("type", "suspend"),
                ("policy_clause", "code-of-conduct@1#1.1"),
            ],
        ),
        (format!("/moderation/reports/{report}/resolve"), vec![]),
        (
            "/admin/domain_blocks".to_string(),
            vec![
                ("domain", "spam.example"),
                ("severity", "suspend"),
                ("policy_clause", "federation-policy@1#2.1"),
            ],
        ),
    ] {
        let mut form = form;
        form.push(("csrf_token", csrf.as_str()));
        let (status, _) = send_form(&web, &app.url(&path), &form).await;
        assert_eq!(status, 403, "{path}");
    }
    assert_eq!(count(app, "strikes").await, 0);
    assert_eq!(count(app, "moderation_actions").await, 0);
    assert_eq!(count(app, "domain_blocks").await, 0);
    let (_, v) = get(
        app,
        &format!("/api/v1/admin/reports/{report}"),
        &user_token(app, "member").await,
    )
    .await;
    assert_ne!(v["action_taken"], true);
    // Signed out: sent to sign in.
    let res = app
        .browser()
        .get(app.url("/moderation"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
}
on_both_backends!(members_refused, members_get_no_moderation_forms);

async fn a_struck_member_appeals(app: &TestApp) {
    let (_, mod1) = user(app, "mod1", Some("moderator"), true).await;
    user(app, "mod2", Some("moderator"), true).await;
    let (target, _) = user(app, "struck", None, true).await;
    let (status, body) = action(
        app,
        &mod1,
        target,
        json!({ "type": "warn", "policy_clause": "code-of-conduct@1#2.1", "text": "Be kind" }),
    )
    .await;
    assert_eq!(status, 200, "{body}");

    let web = web_sign_in(app, "struck").await;
    let (status, strikes) = page(&web, &app.url("/strikes")).await;
    assert_eq!(status, 200, "{strikes}");
    assert!(
        strikes.contains("href=\"/policies/code-of-conduct#2.1\""),
        "{strikes}"
    );
    assert!(strikes.contains("Be kind"));
    let strike = body["strike_id"].as_str().expect("strike").to_string();
    assert!(
        strikes.contains(&format!("/strikes/{strike}/appeal")),
        "an appeal form"
    );
    let csrf = csrf_of(&strikes);
    let appeal_url = app.url(&format!("/strikes/{strike}/appeal"));

    // Blank: the message beside the field, nothing written.
    let (status, again) = send_form(
        &web,
        &appeal_url,
        &[("csrf_token", csrf.as_str()), ("text", " ")],
    )
    .await;
    assert_eq!(status, 422, "{again}");
    assert!(
        field_error(&again, &format!("appeal-{strike}")).is_some(),
        "{again}"
    );
    assert_eq!(count(app, "appeals").await, 0);
    // Without the token: refused.
    let (status, _) = send_form(&web, &appeal_url, &[("text", "forged")]).await;
    assert_eq!(status, 403);
    assert_eq!(count(app, "appeals").await, 0);

    let (status, _) = send_form(
        &web,
        &appeal_url,
        &[
            ("csrf_token", csrf.as_str()),
            ("text", "I was quoting someone"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, strikes) = page(&web, &app.url("/strikes")).await;
    assert!(strikes.contains("appeal pending"), "{strikes}");
    assert!(
        !strikes.contains(&format!("/strikes/{strike}/appeal")),
        "no second appeal form"
    );

    // The moderator who acted sees the appeal but no form to decide it.
    let m1 = web_sign_in(app, "mod1").await;
    let (status, queue) = page(&m1, &app.url("/moderation/appeals")).await;
    assert_eq!(status, 200);
    assert!(queue.contains("I was quoting someone"));
    assert!(!queue.contains("/approve\""), "{queue}");
    // And a forged decision from them is refused, with the reason shown; nothing decided.
    let (_, v) = get(app, "/api/v1/coop/moderation/appeals?state=pending", &mod1).await;
    let appeal = v[0]["id"].as_str().expect("appeal").to_string();
    let (status, body) = send_form(
        &m1,
        &app.url(&format!("/moderation/appeals/{appeal}/approve")),
        &[("csrf_token", csrf_of(&queue).as_str()), ("reason", "mine")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains("class=\"field-error\""), "{body}");
    let (_, v) = get(app, "/api/v1/coop/moderation/appeals?state=pending", &mod1).await;
    assert_eq!(v[0]["id"].as_str(), Some(appeal.as_str()), "still pending");

    // A second moderator approves it: the strike is overruled.
    let m2 = web_sign_in(app, "mod2").await;
    let (_, queue) = page(&m2, &app.url("/moderation/appeals")).await;
    assert!(
        queue.contains(&format!("/moderation/appeals/{appeal}/approve")),
        "{queue}"
    );
    let (status, _) = send_form(
        &m2,
        &app.url(&format!("/moderation/appeals/{appeal}/approve")),
        &[
            ("csrf_token", csrf_of(&queue).as_str()),
            ("reason", "Quoting is fine"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, strikes) = page(&web, &app.url("/strikes")).await;
    assert!(strikes.contains("This strike was overruled"), "{strikes}");
    let (_, log) = page(&web, &app.url("/moderation/log")).await;
    assert!(log.contains("<code>appeal_approved</code>"), "{log}");
}
on_both_backends!(struck_member_appeals, a_struck_member_appeals);

/// A sign-in that does not follow redirects: the status and where it sends.
async fn try_sign_in(app: &TestApp, login: &str) -> (reqwest::Client, u16, String) {
    let browser = app.browser();
    let (_, form) = page(&browser, &app.url("/auth/sign_in")).await;
    let res = browser
        .post(app.url("/auth/sign_in"))
        .form(&[
            ("csrf_token", csrf_of(&form).as_str()),
            ("login", login),
            ("password", PW),
            ("return_to", "/home"),
        ])
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let to = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (browser, status, to)
}

/// A disabled login and a suspended account still reach /strikes (only /strikes) and appeal.
async fn sanctioned_accounts_reach_their_strikes(app: &TestApp) {
    let (_, mod1) = user(app, "mod1", Some("moderator"), true).await;
    let (disabled, _) = user(app, "disabled", None, true).await;
    let (suspended, _) = user(app, "suspended", None, true).await;
    for (target, kind, clause) in [
        (disabled, "disable", "code-of-conduct@1#3.2"),
        (suspended, "suspend", "code-of-conduct@1#1.1"),
    ] {
        let (status, body) = action(
            app,
            &mod1,
            target,
            json!({ "type": kind, "policy_clause": clause, "text": "Automated posting" }),
        )
        .await;
        assert_eq!(status, 200, "{body}");
    }
    for name in ["disabled", "suspended"] {
        let (web, status, to) = try_sign_in(app, name).await;
        assert_eq!(status, 303, "{name}");
        if name == "disabled" {
            assert_eq!(to, "/strikes");
        }
        let (status, strikes) = page(&web, &app.url("/strikes")).await;
        assert_eq!(status, 200, "{name}: {strikes}");
        assert!(strikes.contains("Automated posting"), "{strikes}");
        let (status, _) = page(&web, &app.url("/home")).await;
        assert_eq!(status, 403, "{name} reaches nothing else");
        let (status, _) = page(&web, &app.url("/moderation/log")).await;
        assert_eq!(status, 403, "{name} reaches nothing else");
        let form = strikes
            .split("action=\"/strikes/")
            .nth(1)
            .expect("appeal form");
        let strike = form.split('/').next().unwrap_or("");
        let (status, _) = send_form(
            &web,
            &app.url(&format!("/strikes/{strike}/appeal")),
            &[
                ("csrf_token", csrf_of(&strikes).as_str()),
                ("text", "Not a bot"),
            ],
        )
        .await;
        assert_eq!(status, 303, "{name}");
    }
    assert_eq!(count(app, "appeals").await, 2);
}
on_both_backends!(
    sanctioned_reach_strikes,
    sanctioned_accounts_reach_their_strikes
);

async fn admin_blocks_domains_and_decides_sign_ups(app: &TestApp) {
    user(app, "admin1", Some("admin"), true).await;
    let app_token = app.app_token("read write").await;
    let (status, v) = app
        .post_json(
            "/api/v1/accounts",
            &app_token,
            json!({ "username": "newcomer", "email": "newcomer@example.org", "password": PW,
                    "agreement": true, "reason": "I sing in the choir" }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    let web = web_sign_in(app, "admin1").await;
    let (status, board) = page(&web, &app.url("/admin")).await;
    assert_eq!(status, 200, "{board}");
    assert!(board.contains("@newcomer"), "{board}");
    assert!(board.contains("I sing in the choir"));
    assert!(
        board.contains("value=\"moderation-policy@1#7.1\""),
        "{board}"
    );
    let csrf = csrf_of(&board);
    let (newcomer,): (i64,) = sqlx::query_as("SELECT id FROM accounts WHERE username = 'newcomer'")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();

    // Approving without a clause: refused beside the field.
    let approve = app.url(&format!("/admin/accounts/{newcomer}/approve"));
    let (status, body) = send_form(
        &web,
        &approve,
        &[("csrf_token", csrf.as_str()), ("policy_clause", "")],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(
        field_error(&body, &format!("approve-{newcomer}")).is_some(),
        "{body}"
    );
    let (status, _) = send_form(
        &web,
        &approve,
        &[
            ("csrf_token", csrf.as_str()),
            ("policy_clause", "moderation-policy@1#7.1"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    let (_, board) = page(&web, &app.url("/admin")).await;
    assert!(!board.contains("@newcomer"));

    // A silence block lists only the clauses permitting domain_silence; one that does not is
    // refused beside the field.
    let (_, board) = page(&web, &app.url("/admin?severity=silence")).await;
    // The block form's own list (the allow form below it offers the federation clauses too).
    let block_form = board
        .split("id=\"block-form\"")
        .nth(1)
        .and_then(|f| f.split("</form>").next())
        .unwrap_or("");
    assert!(block_form.contains("value=\"federation-policy@1#3.2\""));
    assert!(!block_form.contains("value=\"federation-policy@1#2.1\""));
    let block = app.url("/admin/domain_blocks");
    let (status, body) = send_form(
        &web,
        &block,
        &[
            ("csrf_token", csrf.as_str()),
            ("domain", "spam.example"),
            ("severity", "silence"),
            ("policy_clause", "federation-policy@1#2.1"),
        ],
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert!(field_error(&body, "block-clause").is_some(), "{body}");
    assert!(
        body.contains("value=\"spam.example\""),
        "what was typed is kept"
    );
    assert_eq!(count(app, "domain_blocks").await, 0);
    let (status, body) = send_form(
        &web,
        &block,
        &[
            ("csrf_token", csrf.as_str()),
            ("domain", "spam.example"),
            ("severity", "silence"),
            ("policy_clause", "federation-policy@1#3.2"),
            ("public_comment", "Unmoderated spam"),
        ],
    )
    .await;
    assert_eq!(status, 303, "{body}");
    let (_, board) = page(&web, &app.url("/admin")).await;
    assert!(board.contains("spam.example"));
    assert!(
        board.contains("href=\"/policies/federation-policy#3.2\""),
        "{board}"
    );
    let (id,): (i64,) = sqlx::query_as("SELECT id FROM domain_blocks")
        .fetch_one(&app.state.db.pool)
        .await
        .unwrap();
    let (status, _) = send_form(
        &web,
        &app.url(&format!("/admin/domain_blocks/{id}/delete")),
        &[
            ("csrf_token", csrf.as_str()),
            ("policy_clause", "federation-policy@1#3.2"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(count(app, "domain_blocks").await, 0);
}
on_both_backends!(
    admin_dashboard,
    admin_blocks_domains_and_decides_sign_ups,
    |c: &mut herd::config::Config| {
        c.registrations.mode = herd::config::RegistrationMode::Approval;
        c.registrations.require_email_confirmation = false;
    }
);
