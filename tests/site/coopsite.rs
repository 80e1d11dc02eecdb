//! The co-op's pages over HTTP on both backends: /about, the policies (clause anchors, the
//! adopting proposal, versions and the diff between them), the ledger (public only when the
//! bylaws say so), expenses (a receipt upload, refusals beside the field, a treasurer's
//! approval a member cannot make, CSRF), the roster and my membership.

use std::time::Duration;

use crate::common::coop::{members, token_for, PW};
use crate::common::web::{page, web_sign_in};
use crate::common::{csrf_of, TestApp};
use herd::services::proposals::close_due;
use serde_json::{json, Value};

async fn post(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let (status, v) = app.post_json(path, token, body).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

async fn policies_and_about(app: &TestApp) {
    let crew = members(app, 3).await;
    let anon = app.browser();

    // /about: for anyone, with the policies, the officers (ada is admin) and the member count.
    let (status, about) = page(&anon, &app.url("/about")).await;
    assert_eq!(status, 200, "{about}");
    assert!(
        about.contains("href=\"/policies/code-of-conduct\""),
        "{about}"
    );
    assert!(about.contains("3 active members"), "{about}");
    assert!(about.contains("href=\"/@ada\""), "{about}");
    assert!(about.contains("Admin"), "{about}");
    // The ledger is for members by default: no balances on the public page.
    assert!(about.contains("books for its members"), "{about}");

    // A policy page: clause anchors, sanctions, the founding, the amendment link.
    let (status, coc) = page(&anon, &app.url("/policies/code-of-conduct")).await;
    assert_eq!(status, 200);
    assert!(coc.contains("id=\"1.1\""), "{coc}");
    assert!(coc.contains("href=\"#2.1\""), "{coc}");
    assert!(coc.contains("adopted at the founding"), "{coc}");
    assert!(coc.contains("suspend"), "{coc}");
    assert!(
        coc.contains("/proposals/new?kind=policy_amendment&amp;policy=code-of-conduct"),
        "{coc}"
    );
    let (status, list) = page(&anon, &app.url("/policies")).await;
    assert_eq!(status, 200);
    assert!(list.contains("href=\"/policies/bylaws\""), "{list}");
    assert_eq!(page(&anon, &app.url("/policies/nope")).await.0, 404);
    assert_eq!(
        page(&anon, &app.url("/policies/code-of-conduct/versions/x"))
            .await
            .0,
        404
    );

    // The members adopt version 2, which rewords clause 1.1.
    let (_, v1) = app
        .get_json("/api/v1/coop/policies/code-of-conduct", None)
        .await;
    let v2 = v1["text"]
        .as_str()
        .unwrap()
        .replacen("version: 1", "version: 2", 1)
        .replace(
            "is not allowed, including as a \"joke\".",
            "is never allowed, not even as a \"joke\".",
        );
    let p = post(
        app,
        "/api/v1/coop/proposals",
        &crew[1].1,
        json!({ "kind": "policy_amendment", "title": "Clearer 1.1", "body": "",
                "payload": { "policy": "code-of-conduct", "text": v2 } }),
    )
    .await;
    let pid = p["id"].as_str().unwrap().to_string();
    for (_, tok) in &crew {
        post(
            app,
            &format!("/api/v1/coop/proposals/{pid}/votes"),
            tok,
            json!({ "choice": "agree" }),
        )
        .await;
    }
    app.state
        .clock
        .advance(Duration::from_secs(7 * 86_400 + 60));
    assert_eq!(close_due(&app.state).await.unwrap(), 1);
    app.run_jobs().await;

    let (_, coc) = page(&anon, &app.url("/policies/code-of-conduct")).await;
    assert!(coc.contains("version 2"), "{coc}");
    assert!(coc.contains(&format!("href=\"/proposals/{pid}\"")), "{coc}");
    assert!(coc.contains("never allowed"), "{coc}");
    // Version 1 is still there, no longer in force.
    let (status, old) = page(&anon, &app.url("/policies/code-of-conduct/versions/1")).await;
    assert_eq!(status, 200);
    assert!(old.contains("not in force"), "{old}");
    assert!(!old.contains("never allowed"), "{old}");

    // The diff shows the changed clause, and only it, both ways.
    let (status, diff) = page(
        &anon,
        &app.url("/policies/code-of-conduct/diff?from=1&to=2"),
    )
    .await;
    assert_eq!(status, 200, "{diff}");
    assert!(
        diff.contains("class=\"clause changed\" id=\"1.1\""),
        "{diff}"
    );
    assert!(!diff.contains("id=\"1.2\""), "{diff}");
    assert!(diff.contains("<del>Using slurs"), "{diff}");
    assert!(diff.contains("never allowed"), "{diff}");
    // A version that is not a number is refused; one that does not exist is a 404.
    assert_eq!(
        page(
            &anon,
            &app.url("/policies/code-of-conduct/diff?from=x&to=2")
        )
        .await
        .0,
        422
    );
    assert_eq!(
        page(
            &anon,
            &app.url("/policies/code-of-conduct/diff?from=1&to=9")
        )
        .await
        .0,
        404
    );
}

on_both_backends!(policies, policies_and_about);

async fn members_only_ledger(app: &TestApp) {
    let _crew = members(app, 2).await;
    let olga_id = app.create_user("olga", PW).await;
    let anon = app.browser();
    // A visitor is sent to sign in; a non-member is refused; a member reads it.
    let res = anon.get(app.url("/ledger")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(res.headers()["location"]
        .to_str()
        .unwrap()
        .starts_with("/auth/sign_in"));
    let olga = web_sign_in(app, "olga").await;
    let (status, body) = page(&olga, &app.url("/ledger")).await;
    assert_eq!(status, 403, "{body}");
    assert!(!body.contains("Balances"), "{body}");
    assert_eq!(page(&olga, &app.url("/ledger.csv")).await.0, 403);
    assert_eq!(page(&olga, &app.url("/expenses")).await.0, 403);
    assert_eq!(page(&olga, &app.url("/members")).await.0, 403);

    let m1 = web_sign_in(app, "m1").await;
    let (status, body) = page(&m1, &app.url("/ledger")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Balances"), "{body}");
    assert!(body.contains("role=\"img\""), "{body}");
    assert!(body.contains("hash chain verifies"), "{body}");
    // A bad filter is shown beside its field, not a failure.
    let (status, body) = page(&m1, &app.url("/ledger?from=yesterday")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("id=\"from-error\""), "{body}");
    let (status, roster) = page(&m1, &app.url("/members")).await;
    assert_eq!(status, 200);
    assert!(roster.contains("href=\"/@ada\""), "{roster}");
    assert!(!roster.contains("olga"), "{roster}");
    let (status, mine) = page(&m1, &app.url("/membership")).await;
    assert_eq!(status, 200);
    assert!(mine.contains("Leave the co-op"), "{mine}");
    // Without Stripe, dues are paid by hand: no card form.
    assert!(!mine.contains("action=\"/membership/dues\""), "{mine}");
    assert!(mine.contains("bank transfer"), "{mine}");
    // A treasurer's attachment is served to members through the page's route, not to Olga.
    let tess = app
        .create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    let form = reqwest::multipart::Form::new()
        .text("memo", "Hosting, March")
        .text("postings[0][account]", "expenses:hosting")
        .text("postings[0][amount]", "4250")
        .text("postings[0][currency]", "EUR")
        .text("postings[1][account]", "assets:bank")
        .text("postings[1][amount]", "-4250")
        .text("postings[1][currency]", "EUR")
        .part(
            "attachments[]",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 invoice".to_vec())
                .file_name("invoice.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let res = app
        .client
        .post(app.url("/api/v1/coop/ledger/transactions"))
        .bearer_auth(token_for(app, tess).await)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (_, body) = page(&m1, &app.url("/ledger")).await;
    let link = body
        .split("href=\"/ledger/transactions/")
        .find(|s| s.contains("/attachments/"))
        .and_then(|s| s.split('"').next())
        .map(|s| format!("/ledger/transactions/{s}"))
        .expect("an attachment link");
    let res = m1.get(app.url(&link)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF-1.4 invoice");
    assert_eq!(page(&olga, &app.url(&link)).await.0, 403);
    assert!(body.contains("42.50"), "{body}");

    // Withdrawing needs the box ticked; then the membership is withdrawn.
    let res = m1
        .post(app.url("/membership/withdraw"))
        .form(&[("csrf_token", csrf_of(&mine).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"confirm-error\""));
    let res = m1
        .post(app.url("/membership/withdraw"))
        .form(&[("csrf_token", csrf_of(&mine).as_str()), ("confirm", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, mine) = page(&m1, &app.url("/membership")).await;
    assert!(mine.contains("withdrawn"), "{mine}");

    // Olga applies from her page.
    let (_, form) = page(&olga, &app.url("/membership")).await;
    let res = olga
        .post(app.url("/membership/apply"))
        .form(&[("csrf_token", csrf_of(&form).as_str()), ("note", "Hi!")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, form) = page(&olga, &app.url("/membership")).await;
    assert!(form.contains("applicant"), "{form}");

    // Only an admin gets the admit button, and only the admin's form admits.
    app.create_user_with("m9", PW, None, true).await;
    let m9 = web_sign_in(app, "m9").await;
    let (_, roster) = page(&m9, &app.url("/members?state=applicant")).await;
    assert!(roster.contains("olga"), "{roster}");
    assert!(!roster.contains("/admit"), "{roster}");
    let res = m9
        .post(app.url(&format!("/members/{olga_id}/admit")))
        .form(&[("csrf_token", csrf_of(&roster).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let ada = web_sign_in(app, "ada").await;
    let (_, roster) = page(&ada, &app.url("/members?state=applicant")).await;
    let action = format!("action=\"/members/{olga_id}/admit\"");
    assert!(roster.contains(&action), "{roster}");
    let res = ada
        .post(app.url(&format!("/members/{olga_id}/admit")))
        .form(&[("csrf_token", csrf_of(&roster).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, mine) = page(&olga, &app.url("/membership")).await;
    assert!(mine.contains("Leave the co-op"), "now a member: {mine}");
}

on_both_backends!(members_ledger, members_only_ledger);

async fn public_ledger_for_anyone(app: &TestApp) {
    let crew = members(app, 2).await;
    let _ = token_for(app, crew[0].0).await;
    let anon = app.browser();
    let (status, body) = page(&anon, &app.url("/ledger")).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("Balances"), "{body}");
    assert_eq!(page(&anon, &app.url("/ledger.csv")).await.0, 200);
    let (_, about) = page(&anon, &app.url("/about")).await;
    assert!(about.contains("books public"), "{about}");
}

on_both_backends!(
    public_ledger,
    public_ledger_for_anyone,
    |config: &mut herd::config::Config| {
        let dir = config.data_dir.join("bylaws");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in herd_governance::bylaws::DEFAULT_DOCUMENTS {
            let text = text.replace("ledger_visibility: members", "ledger_visibility: public");
            std::fs::write(dir.join(name), text).unwrap();
        }
        config.bylaws_dir = dir.display().to_string();
    }
);

fn expense_form(csrf: &str, amount: &str, file: &[u8], mime: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("csrf_token", csrf.to_string())
        .text("amount", amount.to_string())
        .text("currency", "EUR")
        .text("category", "hosting")
        .text("description", "Domain renewal")
        .part(
            "receipts",
            reqwest::multipart::Part::bytes(file.to_vec())
                .file_name("invoice.pdf")
                .mime_str(mime)
                .unwrap(),
        )
}

async fn expense_pages(app: &TestApp) {
    let _crew = members(app, 3).await;
    app.create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    let m1 = web_sign_in(app, "m1").await;
    let (status, form) = page(&m1, &app.url("/expenses/new")).await;
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("enctype=\"multipart/form-data\""), "{form}");
    let csrf = csrf_of(&form);

    // Bad input: 422 with the message beside the field, nothing written.
    let res = m1
        .post(app.url("/expenses"))
        .multipart(expense_form(
            &csrf,
            "twelve",
            b"%PDF-1.4",
            "application/pdf",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("id=\"amount-error\""), "{body}");
    assert!(
        body.contains("Domain renewal"),
        "kept what was typed: {body}"
    );
    let res = m1
        .post(app.url("/expenses"))
        .multipart(expense_form(
            &csrf,
            "12.50",
            b"MZ\x90\x00",
            "application/x-msdownload",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("id=\"receipts-error\""), "{body}");
    // Without the CSRF token: 403.
    let res = m1
        .post(app.url("/expenses"))
        .multipart(expense_form("", "12.50", b"%PDF-1.4", "application/pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (_, list) = page(&m1, &app.url("/expenses")).await;
    assert!(!list.contains("Domain renewal"), "nothing written: {list}");

    // A good one, with its receipt.
    let res = m1
        .post(app.url("/expenses"))
        .multipart(expense_form(
            &csrf,
            "12.50",
            b"%PDF-1.4 receipt",
            "application/pdf",
        ))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let at = res.headers()["location"].to_str().unwrap().to_string();
    let (status, mine) = page(&m1, &app.url(&at)).await;
    assert_eq!(status, 200);
    assert!(mine.contains("12.50 EUR"), "{mine}");
    assert!(mine.contains("submitted"), "{mine}");
    assert!(
        !mine.contains("/approve"),
        "no approve form for a member: {mine}"
    );
    let receipt = mine
        .split("/receipts/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("a receipt link");
    let res = m1
        .get(app.url(&format!("{at}/receipts/{receipt}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.bytes().await.unwrap().as_ref(), b"%PDF-1.4 receipt");

    // Another member sees the expense but neither its receipts nor the actions, and cannot act.
    let m2 = web_sign_in(app, "m2").await;
    let (_, theirs) = page(&m2, &app.url(&at)).await;
    assert!(!theirs.contains("/receipts/"), "{theirs}");
    assert!(!theirs.contains("/approve"), "{theirs}");
    assert_eq!(
        page(&m2, &app.url(&format!("{at}/receipts/{receipt}")))
            .await
            .0,
        403
    );
    let res = m2
        .post(app.url(&format!("{at}/approve")))
        .form(&[("csrf_token", csrf_of(&theirs).as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let (_, still) = page(&m1, &app.url(&at)).await;
    assert!(still.contains("submitted"), "{still}");

    // The treasurer: a rejection needs a reason (422 beside it), an approval works, then pay.
    let tess = web_sign_in(app, "tess").await;
    let (_, hers) = page(&tess, &app.url(&at)).await;
    assert!(hers.contains(&format!("action=\"{at}/approve\"")), "{hers}");
    let csrf = csrf_of(&hers);
    let res = tess
        .post(app.url(&format!("{at}/reject")))
        .form(&[("csrf_token", csrf.as_str()), ("reason", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"reason-error\""));
    let res = tess
        .post(app.url(&format!("{at}/approve")))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = tess
        .post(app.url(&format!("{at}/approve")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = tess
        .post(app.url(&format!("{at}/pay")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, paid) = page(&m1, &app.url(&at)).await;
    assert!(paid.contains("paid"), "{paid}");
    let entry = paid
        .split("/ledger/transactions/")
        .nth(1)
        .and_then(|s| s.split('"').next())
        .expect("the ledger entry's link")
        .to_string();
    let (status, tx) = page(&m1, &app.url(&format!("/ledger/transactions/{entry}"))).await;
    assert_eq!(status, 200, "{tx}");
    assert!(tx.contains("expenses:hosting"), "{tx}");
    let (_, ledger) = page(&m1, &app.url("/ledger")).await;
    assert!(ledger.contains("12.50"), "{ledger}");
}

on_both_backends!(expenses, expense_pages);

/// A fake Stripe API that opens any Checkout Session asked for.
async fn fake_stripe() -> String {
    use axum::routing::post as route_post;
    let app = axum::Router::new().route(
        "/v1/checkout/sessions",
        route_post(|| async {
            axum::Json(json!({ "id": "cs_test_1", "object": "checkout.session",
                "url": "https://checkout.stripe.test/c/pay/cs_test_1" }))
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    format!("http://{addr}")
}

async fn dues_by_card(backend: crate::common::Backend) {
    let base = fake_stripe().await;
    let Some(app) = TestApp::spawn_with(backend, move |c| {
        c.stripe.secret_key = "sk_test_herd_fake".into();
        c.stripe.api_base = base;
    })
    .await
    else {
        return;
    };
    members(&app, 2).await;
    let m1 = web_sign_in(&app, "m1").await;
    let (_, mine) = page(&m1, &app.url("/membership")).await;
    assert!(mine.contains("action=\"/membership/dues\""), "{mine}");
    let csrf = csrf_of(&mine);
    let res = m1
        .post(app.url("/membership/dues"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("amount", "lots"),
            ("periods", "2"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"amount-error\""));
    let res = m1
        .post(app.url("/membership/dues"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("amount", "5.00"),
            ("periods", "2"),
            ("mode", "payment"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "https://checkout.stripe.test/c/pay/cs_test_1"
    );
    app.stop().await;
}

mod dues_checkout {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        dues_by_card(crate::common::Backend::Sqlite).await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        dues_by_card(crate::common::Backend::Postgres).await;
    }
}
