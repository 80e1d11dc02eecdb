//! Issue 15 in a real headless Chromium (tests/common/browser.rs), SQLite only (the services
//! are covered on both backends over HTTP in tests/site/inventory15.rs): axe-core on every
//! page issue 15 owns, light and dark, for each kind of viewer; and a co-op's month: a member
//! proposes a policy amendment from the prefilled form and sees its diff, members vote by
//! consent, by ranked choice (keyboard only) and by dots, the results show with their rule,
//! the treasurer they elected records the month's dues and hosting in the balanced-transaction
//! form and the ledger's charts, table and CSV agree, a member's expense with a receipt is
//! approved and paid, a moderator cannot suspend without a clause and suspends with one, and a
//! second moderator approves the appeal the account filed from /strikes. axe runs on every
//! page the walk visits. With scripts off, every path answers as a page or the 403 page and a
//! ballot still goes in.
//!
//! Without chromedriver on PATH each test prints `SKIP: …` and passes, unless
//! HERD_TEST_REQUIRE_BROWSER=1. Without HERD_AXE_PATH the axe checks are skipped.

use std::time::Duration;

use crate::common::browser::Browser;
use crate::common::moderation::{post, user, PW};
use crate::common::{Backend, TestApp};
use herd::config::Config;
use serde_json::{json, Value};

async fn ok(app: &TestApp, path: &str, token: &str, body: Value) -> Value {
    let (status, v) = post(app, path, token, body).await;
    assert_eq!(status, 200, "{path}: {v}");
    v
}

/// Signs out from /strikes (a 403 page has no sign-out form; /strikes opens for anyone
/// signed in, suspended too).
async fn sign_out(b: &Browser, app: &TestApp) {
    b.goto(&app.url("/strikes")).await;
    b.submit("form[action='/auth/sign_out'] button[type=submit]")
        .await;
}

/// Goes to `path` and runs axe there.
async fn visit(b: &Browser, app: &TestApp, path: &str) {
    b.goto(&app.url(path)).await;
    b.assert_accessible(path).await;
}

/// Types a transaction into the treasurer's form (`/ledger/transactions/new`, already open)
/// row by row, waits for the running sum to say it balances, and records it.
async fn record(b: &Browser, memo: &str, rows: &[(&str, &str)]) {
    b.fill("#memo", memo).await;
    for (i, (account, amount)) in rows.iter().enumerate() {
        b.find(&format!("#account-{i} option[value='{account}']"))
            .await
            .click()
            .await
            .expect("choose an account");
        b.fill(&format!("#amount-{i}"), amount).await;
    }
    for _ in 0..50 {
        if b.text("#entry-sum").await.starts_with("Balanced") {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(b.text("#entry-sum").await.starts_with("Balanced"));
    b.submit("form.entry-form button[type=submit]:not([name])")
        .await;
    assert!(
        b.url().await.path().starts_with("/ledger/transactions/"),
        "{}",
        b.body_text().await
    );
    assert!(b.body_text().await.contains(memo));
}

/// The fields of one CSV line (RFC 4180 quoting).
fn csv_fields(line: &str) -> Vec<String> {
    let (mut out, mut field, mut quoted) = (Vec::new(), String::new(), false);
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    out.push(field);
    out
}

/// Income, expenses and the assets' balance at its end, per month (`YYYY-MM`), from the
/// ledger's CSV, in minor units.
fn months_of_csv(csv: &str) -> std::collections::BTreeMap<String, (i64, i64, i64)> {
    let mut lines = csv.lines();
    let header = csv_fields(lines.next().expect("a header"));
    let col = |name: &str| header.iter().position(|h| h == name).expect(name);
    let (date, kind, minor) = (col("date"), col("account_type"), col("amount_minor"));
    let mut months: std::collections::BTreeMap<String, (i64, i64, i64)> = Default::default();
    for line in lines.filter(|l| !l.is_empty()) {
        let f = csv_fields(line);
        let amount: i64 = f[minor].parse().expect("amount_minor");
        let m = months.entry(f[date][..7].to_string()).or_default();
        match f[kind].as_str() {
            "income" => m.0 -= amount,
            "expense" => m.1 += amount,
            "asset" => m.2 += amount,
            _ => {}
        }
    }
    // The balance is the running sum of the assets' movements.
    let mut running = 0;
    for m in months.values_mut() {
        running += m.2;
        m.2 = running;
    }
    months
}

/// The default founding documents, with general proposals decided by dots (five each).
fn dots_for_general(config: &mut Config) {
    let dir = config.data_dir.join("bylaws");
    std::fs::create_dir_all(&dir).expect("bylaws dir");
    for (name, text) in herd_governance::bylaws::DEFAULT_DOCUMENTS {
        let mut text = text.to_string();
        if *name == "bylaws.md" {
            let line = text
                .lines()
                .find(|l| l.starts_with("  general:"))
                .expect("the general rule")
                .to_string();
            text = text.replacen(&line, "  general: { method: dot, min_days: 6, dots: 5 }", 1);
        }
        std::fs::write(dir.join(name), text).expect("write bylaws");
    }
    config.bylaws_dir = dir.display().to_string();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn issue15_pages_are_accessible() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn(Backend::Sqlite).await.expect("sqlite app");
    let (_, member_t) = user(&app, "member", None, true).await;
    user(&app, "outsider", None, false).await;
    user(&app, "moderator", Some("admin"), true).await;
    user(&app, "treasurer", Some("treasurer"), true).await;
    let (target, _) = user(&app, "target", None, true).await;
    let p = ok(
        &app,
        "/api/v1/coop/proposals",
        &member_t,
        json!({ "kind": "general", "title": "Picnic", "body": "In June" }),
    )
    .await;
    let e = ok(
        &app,
        "/api/v1/coop/expenses",
        &member_t,
        json!({ "amount": 1000, "currency": "EUR", "description": "Backup disk", "category": "software" }),
    )
    .await;
    let r = ok(
        &app,
        "/api/v1/reports",
        &member_t,
        json!({ "account_id": target.to_string(), "comment": "Spam", "category": "spam" }),
    )
    .await;
    let (pid, eid, rid) = (
        p["id"].as_str().unwrap().to_string(),
        e["id"].as_str().unwrap().to_string(),
        r["id"].as_str().unwrap().to_string(),
    );
    let public = [
        "/about".to_string(),
        "/policies".into(),
        "/policies/code-of-conduct".into(),
        "/policies/code-of-conduct/versions/1".into(),
        "/policies/code-of-conduct/diff?from=1&to=1".into(),
    ];
    let members = [
        "/coop".to_string(),
        "/membership".into(),
        "/strikes".into(),
        "/ledger".into(),
        "/moderation/log".into(),
        "/proposals".into(),
        "/proposals/new".into(),
        "/proposals/new?kind=policy_amendment".into(),
        "/proposals/new?kind=role_election".into(),
        format!("/proposals/{pid}"),
        "/members".into(),
        "/expenses".into(),
        "/expenses/new".into(),
        format!("/expenses/{eid}"),
    ];
    let moderators = [
        "/moderation".to_string(),
        format!("/moderation/reports/{rid}"),
        format!("/moderation/accounts/{target}"),
        "/moderation/appeals".into(),
        "/admin".into(),
    ];
    // Signed out: the public pages.
    for path in &public {
        b.accessible_in_both_schemes(&app, path, path).await;
    }
    // A non-member: what they may see, and a 403 page (light only: the dark scheme's colours
    // are the same stylesheet, checked for the member below).
    b.sign_in(&app, "outsider", PW).await;
    for path in [
        "/coop",
        "/membership",
        "/strikes",
        "/proposals",
        "/expenses/new",
    ] {
        visit(&b, &app, path).await;
    }
    sign_out(&b, &app).await;
    // A member: every member page in both schemes; a moderator's page is a 403 page.
    b.sign_in(&app, "member", PW).await;
    for path in members.iter().chain(["/admin".to_string()].iter()) {
        b.accessible_in_both_schemes(&app, path, &format!("{path} as member"))
            .await;
    }
    sign_out(&b, &app).await;
    // A treasurer: the pages that differ for them (record and approve actions).
    b.sign_in(&app, "treasurer", PW).await;
    for path in [
        "/ledger".to_string(),
        "/expenses".into(),
        format!("/expenses/{eid}"),
    ] {
        visit(&b, &app, &path).await;
    }
    sign_out(&b, &app).await;
    // A moderator (an admin, so /admin shows invites too).
    b.sign_in(&app, "moderator", PW).await;
    for path in &moderators {
        b.accessible_in_both_schemes(&app, path, &format!("{path} as a moderator"))
            .await;
    }
    b.close().await;

    // Scripts off: each path answers as a page or the 403 page, never a redirect, and a
    // consent ballot goes in as a plain form.
    let Some(b) = Browser::start_without_scripts().await else {
        return;
    };
    for (who, allowed) in [("member", false), ("moderator", true)] {
        b.sign_in(&app, who, PW).await;
        for (path, page) in members
            .iter()
            .map(|p| (p, true))
            .chain(moderators.iter().map(|p| (p, allowed)))
        {
            b.goto(&app.url(path)).await;
            b.find("main h1").await;
            let url = b.url().await;
            let at = match url.query() {
                Some(q) => format!("{}?{q}", url.path()),
                None => url.path().to_string(),
            };
            assert_eq!(&at, path, "{path} as {who} is not a redirect");
            assert_eq!(
                !b.title().await.starts_with("403"),
                page,
                "{path} as {who}: {}",
                b.title().await
            );
        }
        if who == "member" {
            b.goto(&app.url(&format!("/proposals/{pid}"))).await;
            b.click("input[name=choice][value=agree]").await;
            b.submit("#ballot button[type=submit]").await;
            assert!(
                b.text(".my-vote").await.contains("Agree"),
                "the vote went in"
            );
            assert!(
                !b.text(".receipt-value").await.is_empty(),
                "with its receipt"
            );
        }
        sign_out(&b, &app).await;
    }
    b.close().await;
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_coop_month() {
    let Some(b) = Browser::start().await else {
        return;
    };
    let app = TestApp::spawn_with(Backend::Sqlite, dots_for_general)
        .await
        .expect("sqlite app");
    let (m1, m1_t) = user(&app, "m1", None, true).await;
    let (m2, _) = user(&app, "m2", None, true).await;
    user(&app, "m3", None, true).await;
    user(&app, "mod1", Some("moderator"), true).await;
    user(&app, "mod2", Some("moderator"), true).await;
    let (troll, _) = user(&app, "troll", None, true).await;

    // m1 proposes an amendment from the prefilled form and sees the clause-level diff.
    b.sign_in(&app, "m1", PW).await;
    visit(
        &b,
        &app,
        "/proposals/new?kind=policy_amendment&policy=code-of-conduct",
    )
    .await;
    let text: Value = b
        .client
        .execute("return document.getElementById('text').value", vec![])
        .await
        .expect("the text in force");
    let text = text.as_str().expect("prefilled").to_string();
    assert!(
        text.contains("version: 1"),
        "prefilled with the text in force"
    );
    let amended = text.replacen("version: 1", "version: 2", 1).replace(
        "is not allowed, including as a \"joke\".",
        "is never allowed, not even as a \"joke\".",
    );
    assert_ne!(amended, text);
    b.fill("#title", "Clearer 1.1").await;
    b.fill("#text", &amended).await;
    // The script asks the server's preview as the member types: the diff appears unasked.
    let live = b.text("section.diff").await;
    assert!(live.contains("never allowed"), "the live preview: {live}");
    b.submit("button[name=preview]").await;
    b.assert_accessible("the amendment's preview").await;
    let diff = b.text("section.diff").await;
    assert!(diff.contains("1.1"), "{diff}");
    assert!(diff.contains("never allowed"), "{diff}");
    b.submit("form.proposal-form button[type=submit]:not([name])")
        .await;
    let amendment = b.url().await.path().to_string();
    assert!(amendment.starts_with("/proposals/"), "{amendment}");
    b.assert_accessible("the amendment's page").await;
    let countdown = b.text("span.countdown").await;
    assert!(
        countdown.contains("in "),
        "the countdown to the close: {countdown}"
    );

    // The other proposals of the month: an election and a dot vote.
    let election = ok(
        &app,
        "/api/v1/coop/proposals",
        &m1_t,
        json!({ "kind": "role_election", "title": "A treasurer", "body": "",
                "payload": { "role": "treasurer", "seats": 1, "candidates": [m1.to_string(), m2.to_string()] } }),
    )
    .await;
    let election = format!("/proposals/{}", election["id"].as_str().unwrap());
    let dots = ok(
        &app,
        "/api/v1/coop/proposals",
        &m1_t,
        json!({ "kind": "general", "title": "Next features", "body": "",
                "options": ["search", "lists", "themes"] }),
    )
    .await;
    let dots = format!("/proposals/{}", dots["id"].as_str().unwrap());
    sign_out(&b, &app).await;

    for who in ["m1", "m2", "m3"] {
        b.sign_in(&app, who, PW).await;
        // Consent on the amendment.
        visit(&b, &app, &amendment).await;
        b.click("input[name=choice][value=agree]").await;
        // Scripts on: the ballot is answered in place, and the receipt takes the focus.
        b.submit_in_place("#ballot button[type=submit]", "#voting")
            .await;
        let on_receipt = b
            .client
            .execute(
                "return Boolean(document.activeElement.closest('.receipt'))",
                vec![],
            )
            .await
            .expect("the focused element");
        assert_eq!(on_receipt, json!(true), "the receipt has the focus");
        b.assert_accessible("after a consent ballot").await;
        assert!(b.body_text().await.contains(&"Agree".to_string()));

        // Ranked choice with the keyboard only: each select takes arrow keys, Tab moves on,
        // Enter on the button submits.
        visit(&b, &app, &election).await;
        let first = b.find("#rank-1").await;
        first.send_keys("\u{E015}").await.expect("arrow down"); // m1
        let second = b.find("#rank-2").await;
        second
            .send_keys("\u{E015}\u{E015}")
            .await
            .expect("arrow down twice"); // m2
        let button = b.find("#ballot button[type=submit]").await;
        b.mark_old("#voting").await;
        button.send_keys("\u{E007}").await.expect("Enter");
        b.wait_replaced("#voting").await;
        b.assert_accessible("after a ranked ballot").await;
        assert!(
            b.body_text().await.contains("1. @m1, 2. @m2"),
            "{}",
            b.body_text().await
        );

        // Dots: the counter shows what is left of the budget.
        visit(&b, &app, &dots).await;
        b.fill("#dots-1", "3").await;
        b.fill("#dots-3", "1").await;
        let left = b.text("#dots-left").await;
        assert!(left.ends_with('1'), "{left}");
        b.submit_in_place("#ballot button[type=submit]", "#voting")
            .await;
        b.assert_accessible("after a dot ballot").await;
        sign_out(&b, &app).await;
    }

    // A week later every proposal is closed: each result shows with the rule it was counted
    // under.
    app.state.clock.advance(Duration::from_secs(11 * 86_400));
    herd::services::proposals::close_due(&app.state)
        .await
        .expect("close");
    app.run_jobs().await;
    b.sign_in(&app, "m2", PW).await;
    for path in [&amendment, &election, &dots] {
        visit(&b, &app, path).await;
        let outcome = b.text(".outcome").await;
        assert!(!outcome.is_empty(), "{path}");
        let page = b.body_text().await;
        assert!(
            page.contains("Counted by"),
            "the rule it was counted under: {page}"
        );
    }
    assert!(
        b.text(".outcome").await.contains("search"),
        "the dots' winner"
    );
    sign_out(&b, &app).await;

    // m1, elected treasurer, records the month's dues and hosting as a user types them.
    b.sign_in(&app, "m1", PW).await;
    visit(&b, &app, "/ledger/transactions/new").await;
    record(
        &b,
        "Dues paid in this month",
        &[
            ("assets:bank", "35"),
            ("income:dues", "-5.00"),
            ("income:dues", "-10"),
            ("income:dues", "-20.00"),
        ],
    )
    .await;
    b.assert_accessible("a recorded transaction").await;
    b.goto(&app.url("/ledger/transactions/new")).await;
    record(
        &b,
        "Hosting for the month",
        &[("expenses:hosting", "24.00"), ("assets:bank", "-24")],
    )
    .await;
    sign_out(&b, &app).await;

    // m2 claims an expense with a receipt, uploaded through the file input.
    let dir = tempfile::tempdir().expect("temp dir");
    let receipt = dir.path().join("receipt.png");
    std::fs::write(
        &receipt,
        crate::common::images::gradient(8, 8, image::ImageFormat::Png),
    )
    .expect("write the receipt");
    b.sign_in(&app, "m2", PW).await;
    visit(&b, &app, "/expenses/new").await;
    b.fill("#amount", "8.40").await;
    b.find("#category option[value='software']")
        .await
        .click()
        .await
        .expect("choose a category");
    b.fill("#description", "Domain renewal").await;
    b.find("#receipts")
        .await
        .send_keys(&receipt.display().to_string())
        .await
        .expect("choose the receipt");
    b.submit("form[action='/expenses'] button[type=submit]")
        .await;
    let expense = b.url().await.path().to_string();
    assert!(
        expense.starts_with("/expenses/"),
        "{expense}: {}",
        b.body_text().await
    );
    b.assert_accessible("the submitted expense").await;
    assert!(b
        .text("a[href*='/receipts/']")
        .await
        .contains("receipt.png"));
    assert_eq!(b.text("strong.state").await, "submitted");
    sign_out(&b, &app).await;

    // The treasurer approves and pays it.
    b.sign_in(&app, "m1", PW).await;
    visit(&b, &app, &expense).await;
    b.submit("form[action$='/approve'] button[type=submit]")
        .await;
    b.assert_accessible("the approved expense").await;
    assert_eq!(b.text("strong.state").await, "approved");
    b.fill("#account", "assets:bank").await;
    b.submit("form[action$='/pay'] button[type=submit]").await;
    assert_eq!(b.text("strong.state").await, "paid");
    b.find("a[href^='/ledger/transactions/']").await;

    // The ledger shows the payment, and its charts, the table under them and the CSV agree.
    visit(&b, &app, "/ledger").await;
    let id = expense.trim_start_matches("/expenses/");
    assert!(
        b.text("#transactions")
            .await
            .contains(&format!("Expense {id}: Domain renewal")),
        "the payment is in the ledger"
    );
    let href = b
        .find("a[href^='/ledger.csv']")
        .await
        .attr("href")
        .await
        .expect("href")
        .expect("the CSV link");
    let csv: Value = b
        .client
        .execute_async(
            "const [url, done] = arguments;
             fetch(url).then(r => r.text()).then(done, e => done('failed: ' + e));",
            vec![json!(href)],
        )
        .await
        .expect("the CSV");
    let csv = csv.as_str().expect("text");
    assert!(csv.contains("Domain renewal"), "{csv}");
    let by_month = months_of_csv(csv);
    let eur = |minor: i64| herd_governance::ledger::format_amount(minor, "EUR");
    // The page's geometry, read back: bars and balance points per month, ticks, table rows.
    let page: Value = b
        .client
        .execute(
            "const [flow, bal] = document.querySelectorAll('#charts svg');
             const n = (els, a) => [...els].map(e => Number(e.getAttribute(a)));
             return {
               months: [...document.querySelectorAll('table.chart-table tbody tr')]
                 .map(r => [...r.children].map(c => c.textContent.trim())),
               income: n(flow.querySelectorAll('rect.income'), 'height'),
               expense: n(flow.querySelectorAll('rect.expense'), 'height'),
               flow_max: flow.querySelector('text.tick').textContent,
               balance_max: bal.querySelector('text.tick').textContent,
               dots: n(bal.querySelectorAll('circle'), 'cy'),
             };",
            vec![],
        )
        .await
        .expect("the charts");
    let rows = page["months"].as_array().expect("table rows");
    assert_eq!(rows.len(), 12);
    // What the CSV says of each month the table shows (nothing posted: zero).
    let figures: Vec<(i64, i64, i64)> = {
        let mut balance = 0;
        rows.iter()
            .map(|r| {
                let month = r[0].as_str().expect("month");
                balance = by_month
                    .range(..=month.to_string())
                    .next_back()
                    .map_or(balance, |(_, m)| m.2);
                let (i, e, _) = by_month.get(month).copied().unwrap_or_default();
                (i, e, balance)
            })
            .collect()
    };
    let this_month = &figures[11];
    assert_eq!(this_month.0, 3500, "the dues: {figures:?}");
    assert_eq!(this_month.1, 2400 + 840, "hosting and the expense");
    for (r, (income, expenses, balance)) in rows.iter().zip(&figures) {
        let want = json!([
            r[0].clone(),
            eur(*income),
            eur(*expenses),
            eur(income - expenses),
            eur(*balance)
        ]);
        assert_eq!(r, &want, "the table against the CSV");
    }
    // The bars are drawn to the same figures (200 units for the tallest), the balance points
    // likewise between the lowest and highest balance.
    let flow_max = figures
        .iter()
        .map(|f| f.0.max(f.1))
        .max()
        .unwrap_or(0)
        .max(1);
    assert_eq!(page["flow_max"], json!(eur(flow_max)));
    let b_max = figures.iter().map(|f| f.2).max().unwrap_or(0).max(1);
    let b_min = figures.iter().map(|f| f.2).min().unwrap_or(0).min(0);
    assert_eq!(page["balance_max"], json!(eur(b_max)));
    for (i, (income, expenses, balance)) in figures.iter().enumerate() {
        assert_eq!(
            page["income"][i],
            json!(income * 200 / flow_max),
            "month {i}"
        );
        assert_eq!(
            page["expense"][i],
            json!(expenses * 200 / flow_max),
            "month {i}"
        );
        let y = 12 + 200 - (balance - b_min) * 200 / (b_max - b_min).max(1);
        assert_eq!(page["dots"][i], json!(y), "month {i}");
    }
    sign_out(&b, &app).await;

    // A moderator cannot suspend without a clause, and suspends with one.
    b.sign_in(&app, "mod1", PW).await;
    let account = format!("/moderation/accounts/{troll}?sanction=suspend");
    visit(&b, &app, &account).await;
    b.fill("#text", "Harassing members").await;
    b.submit("#action-form button[type=submit]").await;
    b.assert_accessible("the refused action").await;
    assert!(!b.text("#policy_clause-error").await.is_empty());
    b.find("#policy_clause")
        .await
        // The amendment enacted this month made version 2 the one in force.
        .select_by_value("code-of-conduct@2#1.1")
        .await
        .expect("choose a clause");
    b.submit("#action-form button[type=submit]").await;
    b.assert_accessible("the account after suspension").await;
    sign_out(&b, &app).await;

    // The account appeals from /strikes.
    b.sign_in(&app, "troll", PW).await;
    visit(&b, &app, "/strikes").await;
    b.fill("textarea[name=text]", "It was a quote, not harassment")
        .await;
    b.submit("form[action^='/strikes/'] button[type=submit]")
        .await;
    b.assert_accessible("the appeal filed").await;
    assert!(
        b.client
            .find(fantoccini::Locator::Css("form[action^='/strikes/']"))
            .await
            .is_err(),
        "the appeal is filed: no second form"
    );
    sign_out(&b, &app).await;

    // The moderator who acted does not see it as theirs to decide; a second one approves it.
    b.sign_in(&app, "mod1", PW).await;
    visit(&b, &app, "/moderation/appeals").await;
    assert!(b
        .client
        .find(fantoccini::Locator::Css("form[action$='/approve']"))
        .await
        .is_err());
    sign_out(&b, &app).await;
    b.sign_in(&app, "mod2", PW).await;
    visit(&b, &app, "/moderation/appeals").await;
    b.fill("textarea[name=reason]", "A quote, in context").await;
    b.submit("form[action$='/approve'] button[type=submit]:not([formaction])")
        .await;
    b.assert_accessible("the appeal approved").await;
    let (_, acct) = app
        .get_json(&format!("/api/v1/accounts/{troll}"), None)
        .await;
    assert_ne!(acct["suspended"], true, "{acct}");
    b.close().await;
    app.stop().await;
}
