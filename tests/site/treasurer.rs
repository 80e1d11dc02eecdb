//! The treasurer's pages over HTTP on both backends: the balanced-transaction form (rows, "add
//! a row", refusals beside the field with nothing written, the role, forged CSRF), reversals
//! from a transaction's page, budgets shown against actuals on /ledger, a month of dues and
//! hosting recorded through the form whose /ledger chart and table agree with the CSV, and the
//! quarterly report (its figures, who reads it, publishing it once: one post, one mail each).

use crate::common::coop::{members, token_for, PW};
use crate::common::web::{page, web_sign_in};
use crate::common::{csrf_of, TestApp};
use chrono::{Datelike, NaiveDate, Utc};
use serde_json::{json, Value};

/// How many transactions the ledger holds (through the API, as a member).
async fn ledger_size(app: &TestApp, token: &str) -> usize {
    let (status, list) = app
        .get_json("/api/v1/coop/ledger/transactions?limit=200", Some(token))
        .await;
    assert_eq!(status, 200, "{list}");
    list.as_array().map(Vec::len).unwrap_or(0)
}

/// Posts the transaction form as a browser would (multipart): `rows` of (account, amount).
async fn post_entry(
    client: &reqwest::Client,
    app: &TestApp,
    csrf: &str,
    memo: &str,
    date: &str,
    rows: &[(&str, &str)],
    extra: &[(&str, &str)],
) -> reqwest::Response {
    let mut form = reqwest::multipart::Form::new()
        .text("csrf_token", csrf.to_string())
        .text("memo", memo.to_string())
        .text("date", date.to_string());
    for (i, (account, amount)) in rows.iter().enumerate() {
        form = form
            .text(format!("postings[{i}][account]"), account.to_string())
            .text(format!("postings[{i}][amount]"), amount.to_string());
    }
    for (k, v) in extra {
        form = form.text(k.to_string(), v.to_string());
    }
    client
        .post(app.url("/ledger/transactions"))
        .multipart(form)
        .send()
        .await
        .expect("POST /ledger/transactions")
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

async fn the_treasurer_forms(app: &TestApp) {
    let crew = members(app, 3).await;
    let m1_token = &crew[1].1;
    app.create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    let tess = web_sign_in(app, "tess").await;
    let m1 = web_sign_in(app, "m1").await;

    // The form: four blank rows, the live sum's hooks, attachments.
    let (status, form) = page(&tess, &app.url("/ledger/transactions/new")).await;
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("name=\"postings[3][amount]\""), "{form}");
    assert!(!form.contains("name=\"postings[4][amount]\""), "{form}");
    assert!(form.contains("data-ledger-sum=\"entry-sum\""), "{form}");
    assert!(form.contains("name=\"attachments\""), "{form}");
    assert!(form.contains("value=\"expenses:hosting\""), "{form}");
    let csrf = csrf_of(&form);
    // /ledger links the treasurer's forms for her, not for a member.
    let (_, ledger) = page(&tess, &app.url("/ledger")).await;
    assert!(
        ledger.contains("href=\"/ledger/transactions/new\""),
        "{ledger}"
    );
    let (_, ledger) = page(&m1, &app.url("/ledger")).await;
    assert!(
        !ledger.contains("href=\"/ledger/transactions/new\""),
        "{ledger}"
    );
    assert!(ledger.contains("href=\"/ledger/reports\""), "{ledger}");

    // A member who is no treasurer gets the 403 page, and her post writes nothing.
    let (status, body) = page(&m1, &app.url("/ledger/transactions/new")).await;
    assert_eq!(status, 403, "{body}");
    let m1_csrf = csrf_of(&page(&m1, &app.url("/ledger")).await.1);
    let hosting = [("expenses:hosting", "42.50"), ("assets:bank", "-42.50")];
    let res = post_entry(&m1, app, &m1_csrf, "Hosting", "", &hosting, &[]).await;
    assert_eq!(res.status(), 403);
    assert!(res.text().await.unwrap().contains("treasurer"));
    // A forged form (no matching token) is refused too.
    let res = post_entry(&tess, app, "forged", "Hosting", "", &hosting, &[]).await;
    assert_eq!(res.status(), 403);
    assert_eq!(ledger_size(app, m1_token).await, 0);

    // Unbalanced: refused beside the sum, the rows kept, nothing written.
    let res = post_entry(
        &tess,
        app,
        &csrf,
        "Hosting",
        "",
        &[("expenses:hosting", "42.50"), ("assets:bank", "-40")],
        &[],
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("id=\"postings-error\""), "{body}");
    assert!(body.contains("do not balance"), "{body}");
    assert!(
        body.contains("Not balanced: the rows sum to 2.50 EUR"),
        "{body}"
    );
    assert!(body.contains("value=\"42.50\""), "{body}");
    assert_eq!(ledger_size(app, m1_token).await, 0);
    // A row without an account, or with an amount that is no number: beside the row.
    let res = post_entry(
        &tess,
        app,
        &csrf,
        "Hosting",
        "",
        &[("", "42.50"), ("assets:bank", "forty")],
        &[],
    )
    .await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("id=\"row-0-error\""), "{body}");
    assert!(body.contains("id=\"row-1-error\""), "{body}");
    // A date that does not parse: beside the date.
    let res = post_entry(&tess, app, &csrf, "Hosting", "yesterday", &hosting, &[]).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"date-error\""));
    assert_eq!(ledger_size(app, m1_token).await, 0);

    // "Add a row" draws the form again with a fifth row, what was typed kept, nothing written.
    // (A browser sends the four rows, blank ones included.)
    let four = [hosting[0], hosting[1], ("", ""), ("", "")];
    let res = post_entry(&tess, app, &csrf, "Hosting", "", &four, &[("add_row", "1")]).await;
    assert_eq!(res.status(), 200);
    let body = res.text().await.unwrap();
    assert!(body.contains("name=\"postings[4][amount]\""), "{body}");
    assert!(body.contains("value=\"-42.50\""), "{body}");
    assert!(
        body.contains("Balanced: the rows sum to 0.00 EUR"),
        "{body}"
    );
    assert_eq!(ledger_size(app, m1_token).await, 0);

    // Balanced: recorded, then its page.
    let res = post_entry(&tess, app, &csrf, "Hosting, this month", "", &hosting, &[]).await;
    assert_eq!(res.status(), 303);
    let original = location(&res);
    assert!(original.starts_with("/ledger/transactions/"), "{original}");
    let id = original
        .trim_start_matches("/ledger/transactions/")
        .to_string();
    let (status, shown) = page(&tess, &app.url(&original)).await;
    assert_eq!(status, 200);
    assert!(shown.contains("42.50 EUR"), "{shown}");
    let reverse_action = format!("action=\"/ledger/transactions/{id}/reverse\"");
    assert!(shown.contains(&reverse_action), "{shown}");
    // A member reads it but is offered no reversal, and hers is refused.
    let (_, as_member) = page(&m1, &app.url(&original)).await;
    assert!(!as_member.contains(&reverse_action), "{as_member}");
    let res = m1
        .post(app.url(&format!("{original}/reverse")))
        .form(&[("csrf_token", m1_csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(ledger_size(app, m1_token).await, 1);

    // The treasurer reverses it: the reversal links to what it reverses, and back.
    let res = tess
        .post(app.url(&format!("{original}/reverse")))
        .form(&[("csrf_token", csrf.as_str()), ("memo", "Billed twice")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let reversal = location(&res);
    assert_ne!(reversal, original);
    let rid = reversal
        .trim_start_matches("/ledger/transactions/")
        .to_string();
    let (_, shown) = page(&m1, &app.url(&reversal)).await;
    assert!(shown.contains(&format!("href=\"{original}\"")), "{shown}");
    assert!(shown.contains("Billed twice"), "{shown}");
    let (_, api) = app
        .get_json(
            &format!("/api/v1/coop/ledger/transactions/{rid}"),
            Some(m1_token),
        )
        .await;
    assert_eq!(api["reverses"], json!(id));
    let (_, shown) = page(&tess, &app.url(&original)).await;
    assert!(shown.contains(&format!("href=\"{reversal}\"")), "{shown}");
    assert!(!shown.contains(&reverse_action), "{shown}");
    // A second reversal is refused on the page, nothing written.
    let res = tess
        .post(app.url(&format!("{original}/reverse")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("already been reversed"));
    assert_eq!(ledger_size(app, m1_token).await, 2);
    // Hosting again, for the budget's actual.
    let res = post_entry(&tess, app, &csrf, "Hosting", "", &hosting, &[]).await;
    assert_eq!(res.status(), 303);

    // Budgets: for treasurers; set through the form, then shown against actuals on /ledger.
    let month = Utc::now().format("%Y-%m").to_string();
    let (status, form) = page(&tess, &app.url(&format!("/ledger/budgets?period={month}"))).await;
    assert_eq!(status, 200, "{form}");
    assert!(form.contains("value=\"expenses:hosting\""), "{form}");
    assert_eq!(page(&m1, &app.url("/ledger/budgets")).await.0, 403);
    let budget = |client: &reqwest::Client, csrf: &str, amount: &str| {
        let req = client.post(app.url("/ledger/budgets")).form(&[
            ("csrf_token", csrf),
            ("period", month.as_str()),
            ("budgets[0][account]", "expenses:hosting"),
            ("budgets[0][amount]", amount),
        ]);
        async move { req.send().await.unwrap() }
    };
    let res = budget(&m1, &m1_csrf, "50").await;
    assert_eq!(res.status(), 403);
    let res = budget(&tess, &csrf, "fifty").await;
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(body.contains("id=\"budget-0-error\""), "{body}");
    let (_, stored) = app
        .get_json(
            &format!("/api/v1/coop/ledger/budgets?period={month}"),
            Some(m1_token),
        )
        .await;
    assert_eq!(stored["budgets"], json!([]), "{stored}");
    let res = budget(&tess, &csrf, "50").await;
    assert_eq!(res.status(), 303);
    let target = location(&res);
    assert!(target.starts_with("/ledger?from="), "{target}");
    let (_, ledger) = page(&m1, &app.url(&target)).await;
    let row = ledger
        .split("<tr")
        .find(|r| r.contains("Hosting and infrastructure") && r.contains("50.00"))
        .unwrap_or_else(|| panic!("a budget row: {ledger}"));
    assert!(row.contains(">42.50<"), "{row}");
    assert!(row.contains(">7.50"), "{row}");
    let (_, form) = page(&tess, &app.url(&format!("/ledger/budgets?period={month}"))).await;
    assert!(form.contains("value=\"50.00\""), "{form}");
}

on_both_backends!(treasurer_forms, the_treasurer_forms);

/// The amount column of the CSV summed per account.
fn csv_sums(csv: &str) -> std::collections::BTreeMap<String, i64> {
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().expect("header").split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).expect(name);
    let (account, amount) = (col("account"), col("amount_minor"));
    let mut out = std::collections::BTreeMap::new();
    for line in lines.filter(|l| !l.is_empty()) {
        // The test's memos have no commas, so a plain split reads the columns.
        let cells: Vec<&str> = line.split(',').collect();
        *out.entry(cells[account].to_string()).or_insert(0) +=
            cells[amount].parse::<i64>().expect("minor units");
    }
    out
}

async fn a_month_of_dues_and_hosting(app: &TestApp) {
    members(app, 4).await;
    app.create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    let tess = web_sign_in(app, "tess").await;
    let m1 = web_sign_in(app, "m1").await;
    let csrf = csrf_of(&page(&tess, &app.url("/ledger/transactions/new")).await.1);

    // Last month: three members' dues and the hosting bill, through the form.
    let today = Utc::now().date_naive();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap();
    let last_month = this_month
        .checked_sub_months(chrono::Months::new(1))
        .unwrap();
    let day = |d: u32| {
        last_month
            .with_day(d)
            .unwrap()
            .format("%Y-%m-%d")
            .to_string()
    };
    for (i, who) in ["m1", "m2", "m3"].iter().enumerate() {
        let res = post_entry(
            &tess,
            app,
            &csrf,
            &format!("Dues from {who}"),
            &day(3 + i as u32),
            &[("assets:bank", "5"), ("income:dues", "-5.00")],
            &[],
        )
        .await;
        assert_eq!(res.status(), 303);
    }
    let res = post_entry(
        &tess,
        app,
        &csrf,
        "Hosting",
        &day(15),
        &[("expenses:hosting", "42.50"), ("assets:bank", "-42.50")],
        &[],
    )
    .await;
    assert_eq!(res.status(), 303);

    // The CSV of that month, downloaded from the page's link.
    let from = last_month.format("%Y-%m-%d").to_string();
    let to = this_month.format("%Y-%m-%d").to_string();
    let res = m1
        .get(app.url(&format!("/ledger.csv?from={from}&to={to}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let sums = csv_sums(&res.text().await.unwrap());
    assert_eq!(sums["income:dues"], -1500);
    assert_eq!(sums["expenses:hosting"], 4250);
    assert_eq!(sums["assets:bank"], 1500 - 4250);

    // /ledger's month table shows the same figures, and its bars are drawn from them.
    let (status, ledger) = page(&m1, &app.url("/ledger")).await;
    assert_eq!(status, 200);
    let month = last_month.format("%Y-%m").to_string();
    let income = -sums["income:dues"];
    let expenses = sums["expenses:hosting"];
    let money = |v: i64| {
        format!(
            "{}{}.{:02}",
            if v < 0 { "-" } else { "" },
            v.abs() / 100,
            v.abs() % 100
        )
    };
    let row = format!(
        "<tr><th scope=\"row\">{month}</th><td class=\"amount\">{}</td><td class=\"amount\">{}</td><td class=\"amount\">{}</td><td class=\"amount\">{}</td></tr>",
        money(income),
        money(expenses),
        money(income - expenses),
        money(sums["assets:bank"]),
    );
    assert!(ledger.contains(&row), "{row} in {ledger}");
    // The chart: last month's expense bar is the tallest (200 units of the plot's height), its
    // income bar in proportion, in the same integer scaling as the table's figures.
    let bars: Vec<(i64, String)> = ledger
        .split("<rect ")
        .skip(1)
        .map(|r| {
            let h = r
                .split("height=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .and_then(|s| s.parse().ok())
                .unwrap_or(-1);
            let class = r
                .split("class=\"")
                .nth(1)
                .and_then(|s| s.split('"').next())
                .unwrap_or("");
            (h, class.to_string())
        })
        .collect();
    assert_eq!(bars.len(), 24, "12 months of two bars");
    let (last_income, last_expense) = (&bars[20], &bars[21]);
    assert_eq!(last_expense, &(200, "expense".to_string()));
    assert_eq!(
        last_income,
        &(income * 200 / expenses, "income".to_string())
    );
    assert!(
        bars[..20].iter().chain(&bars[22..]).all(|(h, _)| *h == 0),
        "{bars:?}"
    );
}

on_both_backends!(month_of_dues, a_month_of_dues_and_hosting);

async fn the_quarterly_report(app: &TestApp) {
    let crew = members(app, 3).await;
    let tess_id = app
        .create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    let tess_token = token_for(app, tess_id).await;
    app.create_user("olga", PW).await;
    let m1_token = crew[1].1.clone();
    let record = |memo: &str, date: &str, rows: Value| {
        let body = json!({ "memo": memo, "date": date, "postings": rows });
        let token = tess_token.clone();
        async move {
            let (status, v) = app
                .post_json("/api/v1/coop/ledger/transactions", &token, body)
                .await;
            assert_eq!(status, 200, "{v}");
            v["id"].as_str().unwrap().to_string()
        }
    };
    let dues = json!([{ "account": "assets:bank", "amount": 1500, "currency": "EUR" },
                      { "account": "income:dues", "amount": -1500, "currency": "EUR" }]);
    record("Dues, April", "2026-04-10", dues).await;
    record(
        "Hosting, May",
        "2026-05-01",
        json!([
        { "account": "expenses:hosting", "amount": 4250, "currency": "EUR" },
        { "account": "assets:bank", "amount": -4250, "currency": "EUR" }]),
    )
    .await;
    record(
        "New laptop",
        "2026-06-01",
        json!([
        { "account": "expenses:software", "amount": 10000, "currency": "EUR" },
        { "account": "assets:bank", "amount": -10000, "currency": "EUR" }]),
    )
    .await;
    let wrong = record(
        "Wrong bill",
        "2026-06-02",
        json!([
        { "account": "expenses:general", "amount": 99900, "currency": "EUR" },
        { "account": "assets:bank", "amount": -99900, "currency": "EUR" }]),
    )
    .await;
    let (status, v) = app
        .post_json(
            "/api/v1/coop/ledger/transactions",
            &tess_token,
            json!({ "memo": "Not ours", "date": "2026-06-03", "reverses": wrong }),
        )
        .await;
    assert_eq!(status, 200, "{v}");
    // After the quarter: not in it.
    record(
        "Hosting, July",
        "2026-07-01",
        json!([
        { "account": "expenses:hosting", "amount": 4250, "currency": "EUR" },
        { "account": "assets:bank", "amount": -4250, "currency": "EUR" }]),
    )
    .await;

    let m1 = web_sign_in(app, "m1").await;
    let tess = web_sign_in(app, "tess").await;
    let olga = web_sign_in(app, "olga").await;

    // The list of quarters and the report's figures.
    let (status, list) = page(&m1, &app.url("/ledger/reports")).await;
    assert_eq!(status, 200, "{list}");
    assert!(list.contains("href=\"/policies/bylaws#5.4\""), "{list}");
    let (status, report) = page(&m1, &app.url("/ledger/reports/2026-Q2")).await;
    assert_eq!(status, 200, "{report}");
    assert!(report.contains("2026-04-01 to 2026-06-30"), "{report}");
    let section = |id: &str| {
        report
            .split(&format!("id=\"{id}\""))
            .nth(1)
            .and_then(|s| s.split("</table>").next())
            .unwrap_or_else(|| panic!("{id} in {report}"))
            .to_string()
    };
    let income = section("income-statement");
    assert!(income.contains("15.00 EUR"), "{income}");
    assert!(income.contains("142.50 EUR"), "{income}");
    assert!(income.contains("-127.50 EUR"), "{income}");
    assert!(
        !income.contains("999.00"),
        "the reversed bill nets out: {income}"
    );
    let sheet = section("balance-sheet");
    assert!(
        sheet.contains("-127.50 EUR"),
        "bank at the quarter's end: {sheet}"
    );
    let notable = section("notable");
    let laptop = notable.find("New laptop").expect("the laptop");
    let hosting = notable.find("Hosting, May").expect("the hosting");
    assert!(laptop < hosting, "largest first: {notable}");
    assert!(notable.contains("100.00 EUR"), "{notable}");
    assert!(
        !notable.contains("Wrong bill") && !notable.contains("July"),
        "{notable}"
    );
    assert!(
        section("budget").contains("Hosting and infrastructure")
            || section("budget").contains("<td colspan=\"4\">")
    );
    // A member reads it but has no publish button; the public and a non-member do not read it.
    assert!(!report.contains("/publish\""), "{report}");
    assert_eq!(
        page(&olga, &app.url("/ledger/reports/2026-Q2")).await.0,
        403
    );
    let res = app
        .browser()
        .get(app.url("/ledger/reports/2026-Q2"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/auth/sign_in"));
    assert_eq!(page(&m1, &app.url("/ledger/reports/2026-Q9")).await.0, 404);

    // Publishing: a treasurer's, once, of an ended quarter.
    let (_, mine) = page(&tess, &app.url("/ledger/reports/2026-Q2")).await;
    assert!(
        mine.contains("action=\"/ledger/reports/2026-Q2/publish\""),
        "{mine}"
    );
    let csrf = csrf_of(&mine);
    let m1_csrf = csrf_of(&page(&m1, &app.url("/ledger")).await.1);
    let publish = |client: &reqwest::Client, quarter: &str, token: &str| {
        let req = client
            .post(app.url(&format!("/ledger/reports/{quarter}/publish")))
            .form(&[("csrf_token", token)]);
        async move { req.send().await.unwrap() }
    };
    assert_eq!(publish(&m1, "2026-Q2", &m1_csrf).await.status(), 403);
    assert_eq!(publish(&tess, "2026-Q2", "forged").await.status(), 403);
    let running = chrono::Utc::now();
    let running = format!("{}-Q{}", running.year(), (running.month() - 1) / 3 + 1);
    let res = publish(&tess, &running, &csrf).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("id=\"publish-error\""));
    app.run_jobs().await;
    let subject = "Financial report for 2026-Q2";
    let mails_before = app.mails().iter().filter(|m| m.contains(subject)).count();
    assert_eq!(mails_before, 0);

    let res = publish(&tess, "2026-Q2", &csrf).await;
    assert_eq!(res.status(), 303);
    app.run_jobs().await;
    let mails: Vec<String> = app
        .mails()
        .into_iter()
        .filter(|m| m.contains(subject))
        .collect();
    // ada, m1, m2 and tess are the active members: one mail each.
    assert_eq!(mails.len(), 4, "{mails:?}");
    for who in ["ada", "m1", "m2", "tess"] {
        let to = format!("{who}@example.org");
        assert_eq!(mails.iter().filter(|m| m.contains(&to)).count(), 1, "{who}");
    }
    assert!(mails.iter().all(|m| !m.contains("olga@")));
    assert!(mails[0].contains("/ledger/reports/2026-Q2"), "{}", mails[0]);
    // One post by @coop, members-only: a member sees it, Olga does not.
    let (_, coop) = app
        .get_json("/api/v1/accounts/lookup?acct=coop", Some(&m1_token))
        .await;
    let coop_id = coop["id"].as_str().expect("@coop").to_string();
    let posts = |token: String| {
        let path = format!("/api/v1/accounts/{coop_id}/statuses");
        async move {
            let (_, list) = app.get_json(&path, Some(&token)).await;
            list.as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .filter(|s| s["content"].as_str().unwrap_or("").contains("2026-Q2"))
                .collect::<Vec<Value>>()
        }
    };
    let seen = posts(m1_token.clone()).await;
    assert_eq!(seen.len(), 1, "{seen:?}");
    assert_eq!(seen[0]["visibility"], "private");
    let olga_token = app.login("olga", PW, "read").await;
    assert!(posts(olga_token).await.is_empty());
    // The page says so and offers no second publication; a second try is refused.
    let (_, shown) = page(&m1, &app.url("/ledger/reports/2026-Q2")).await;
    assert!(shown.contains("Published on"), "{shown}");
    assert!(shown.contains("by @tess"), "{shown}");
    let (_, mine) = page(&tess, &app.url("/ledger/reports/2026-Q2")).await;
    assert!(!mine.contains("/publish\""), "{mine}");
    let res = publish(&tess, "2026-Q2", &csrf).await;
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("already been published"));
    app.run_jobs().await;
    assert_eq!(
        app.mails().iter().filter(|m| m.contains(subject)).count(),
        4
    );
    assert_eq!(posts(m1_token.clone()).await.len(), 1);
    let (_, list) = page(&m1, &app.url("/ledger/reports")).await;
    assert!(list.contains("Published on"), "{list}");
}

on_both_backends!(quarterly_report, the_quarterly_report);
