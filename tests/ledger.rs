//! The co-op's finances over HTTP on both backends: treasurers post balanced transactions,
//! members read the ledger (or everyone, when the bylaws say public), expenses go submitted →
//! approved (by a treasurer, or above the threshold by an enacted proposal) → paid, dues arrive
//! by a treasurer's entry or a signed Stripe webhook (once, however often delivered), and any
//! edit of a stored row is caught by verification.

mod common;

use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const PW: &str = "correct horse battery";

struct Coop {
    treasurer: (i64, String),
    treasurer2: (i64, String),
    members: Vec<(i64, String)>,
    outsider: (i64, String),
}

async fn coop(app: &common::TestApp, members: usize) -> Coop {
    let person = |name: &str, role: Option<&'static str>, member: bool| {
        let name = name.to_string();
        async move {
            let id = app.create_user_with(&name, PW, role, member).await;
            (id, app.login(&name, PW, "read write").await)
        }
    };
    let treasurer = person("tess", Some("treasurer"), true).await;
    let treasurer2 = person("toby", Some("treasurer"), true).await;
    let mut ms = Vec::new();
    for i in 0..members {
        ms.push(person(&format!("member{i}"), None, true).await);
    }
    let outsider = person("outsider", None, false).await;
    Coop {
        treasurer,
        treasurer2,
        members: ms,
        outsider,
    }
}

async fn get(app: &common::TestApp, path: &str, token: Option<&str>) -> (u16, Value) {
    app.get_json(path, token).await
}

async fn balances(app: &common::TestApp, token: &str) -> std::collections::BTreeMap<String, i64> {
    let (s, accounts) = get(app, "/api/v1/coop/ledger/accounts", Some(token)).await;
    assert_eq!(s, 200, "{accounts}");
    accounts
        .as_array()
        .expect("accounts")
        .iter()
        .filter_map(|a| {
            a["balances"]["EUR"]
                .as_i64()
                .map(|v| (a["code"].as_str().unwrap_or("").to_string(), v))
        })
        .collect()
}

async fn count_transactions(app: &common::TestApp, token: &str) -> usize {
    let (s, list) = get(
        app,
        "/api/v1/coop/ledger/transactions?limit=200",
        Some(token),
    )
    .await;
    assert_eq!(s, 200, "{list}");
    list.as_array().map(Vec::len).unwrap_or(0)
}

fn txn(memo: &str, postings: Value) -> Value {
    json!({ "memo": memo, "counterparty": "Hetzner", "category": "hosting", "postings": postings })
}

async fn treasurer_posts_balanced_transactions(app: &common::TestApp) {
    let c = coop(app, 2).await;
    let t = &c.treasurer.1;
    let (s, opening) = app
        .post_json(
            "/api/v1/coop/ledger/transactions",
            t,
            txn(
                "Opening balance",
                json!([{ "account": "assets:bank", "amount": 100_000, "currency": "EUR" },
                       { "account": "equity:opening-balances", "amount": -100_000, "currency": "EUR" }]),
            ),
        )
        .await;
    assert_eq!(s, 200, "{opening}");
    assert_eq!(opening["seq"], 1);
    assert_eq!(opening["prev_hash"], "0".repeat(64));
    assert_eq!(opening["hash"].as_str().map(str::len), Some(64));
    let (s, hosting) = app
        .post_json(
            "/api/v1/coop/ledger/transactions",
            t,
            txn(
                "Hosting, January",
                json!([{ "account": "expenses:hosting", "amount": "4250", "currency": "eur" },
                       { "account": "assets:bank", "amount": -4250, "currency": "EUR" }]),
            ),
        )
        .await;
    assert_eq!(s, 200, "{hosting}");
    assert_eq!(hosting["prev_hash"], opening["hash"]);

    // Bad input: each a 422 (or 403) and nothing written.
    let bad = [
        json!([{ "account": "expenses:hosting", "amount": 100, "currency": "EUR" },
               { "account": "assets:bank", "amount": -99, "currency": "EUR" }]),
        json!([{ "account": "expenses:hosting", "amount": 100, "currency": "EUR" },
               { "account": "assets:bank", "amount": -100, "currency": "USD" }]),
        json!([{ "account": "expenses:hosting", "amount": 1.5, "currency": "EUR" },
               { "account": "assets:bank", "amount": -1.5, "currency": "EUR" }]),
        json!([{ "account": "expenses:yachts", "amount": 100, "currency": "EUR" },
               { "account": "assets:bank", "amount": -100, "currency": "EUR" }]),
        json!([{ "account": "assets:bank", "amount": 100, "currency": "EUR" }]),
    ];
    for postings in bad {
        let (s, body) = app
            .post_json(
                "/api/v1/coop/ledger/transactions",
                t,
                txn("bad", postings.clone()),
            )
            .await;
        assert_eq!(s, 422, "{postings} → {body}");
        assert!(body["error"].is_string());
    }
    let ok = json!([{ "account": "expenses:hosting", "amount": 1, "currency": "EUR" },
                    { "account": "assets:bank", "amount": -1, "currency": "EUR" }]);
    let (s, _) = app
        .post_json(
            "/api/v1/coop/ledger/transactions",
            &c.members[0].1,
            txn("x", ok.clone()),
        )
        .await;
    assert_eq!(s, 403);
    assert_eq!(count_transactions(app, t).await, 2);
    let b = balances(app, t).await;
    assert_eq!(b["assets:bank"], 100_000 - 4250);
    assert_eq!(b["expenses:hosting"], 4250);
    assert_eq!(b["equity:opening-balances"], -100_000);

    // A correction is a reversal; it restores every balance and cannot be repeated.
    let hid = hosting["id"].as_str().unwrap();
    let (s, rev) = app
        .post_json(
            "/api/v1/coop/ledger/transactions",
            t,
            json!({ "memo": "Entered twice by mistake", "reverses": hid }),
        )
        .await;
    assert_eq!(s, 200, "{rev}");
    assert_eq!(rev["postings"][0]["amount"], -4250);
    let b = balances(app, t).await;
    assert_eq!(b["assets:bank"], 100_000);
    assert!(!b.contains_key("expenses:hosting"));
    let (s, _) = app
        .post_json(
            "/api/v1/coop/ledger/transactions",
            t,
            json!({ "memo": "again", "reverses": hid }),
        )
        .await;
    assert_eq!(s, 422);

    // Reads: members yes, outsiders and anonymous no (default visibility: members).
    assert_eq!(
        get(app, "/api/v1/coop/ledger/accounts", Some(&c.members[1].1))
            .await
            .0,
        200
    );
    assert_eq!(
        get(app, "/api/v1/coop/ledger/accounts", Some(&c.outsider.1))
            .await
            .0,
        403
    );
    assert_eq!(
        get(app, "/api/v1/coop/ledger/transactions", None).await.0,
        401
    );
    assert_eq!(get(app, "/api/v1/coop/ledger.csv", None).await.0, 401);

    // Paging by Link header.
    let res = app
        .client
        .get(app.url("/api/v1/coop/ledger/transactions?limit=2"))
        .bearer_auth(t)
        .send()
        .await
        .unwrap();
    let link = res.headers()["link"].to_str().unwrap().to_string();
    assert!(link.contains("rel=\"next\""), "{link}");
    let page: Value = res.json().await.unwrap();
    assert_eq!(page.as_array().unwrap().len(), 2);
    assert_eq!(page[0]["id"], rev["id"]);

    // CSV: one line per posting, the same amounts and hashes as the JSON.
    let res = app
        .client
        .get(app.url("/api/v1/coop/ledger.csv"))
        .bearer_auth(t)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/csv"));
    let csv = res.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines.len(), 1 + 6, "{csv}");
    assert!(lines[0].starts_with("transaction_id,seq,date,memo"));
    let hosting_line = lines
        .iter()
        .find(|l| l.contains("expenses:hosting") && l.contains(",4250,"))
        .expect("hosting posting");
    assert!(hosting_line.contains(",42.50,EUR,"), "{hosting_line}");
    assert!(hosting_line.contains(hosting["hash"].as_str().unwrap()));
    let sum: i64 = lines[1..]
        .iter()
        .map(|l| {
            l.rsplit(',')
                .nth(5)
                .unwrap()
                .parse::<i64>()
                .unwrap_or_else(|_| panic!("{l}"))
        })
        .sum();
    assert_eq!(sum, 0);

    // The chain verifies, through the API and the service the CLI uses.
    let (s, v) = get(app, "/api/v1/coop/ledger/verify", Some(t)).await;
    assert_eq!(
        (s, v["valid"].clone(), v["transactions"].clone()),
        (200, json!(true), json!(3))
    );
}
on_both_backends!(treasurer_records, treasurer_posts_balanced_transactions);

async fn tampering_is_caught(app: &common::TestApp) {
    let c = coop(app, 0).await;
    let t = &c.treasurer.1;
    let mut ids = Vec::new();
    for i in 1..=3 {
        let (s, body) = app
            .post_json(
                "/api/v1/coop/ledger/transactions",
                t,
                txn(
                    &format!("Hosting {i}"),
                    json!([{ "account": "expenses:hosting", "amount": 1000 * i, "currency": "EUR" },
                           { "account": "assets:bank", "amount": -1000 * i, "currency": "EUR" }]),
                ),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        ids.push(body["id"].as_str().unwrap().parse::<i64>().unwrap());
    }
    assert!(herd::services::ledger::verify(&app.state.db)
        .await
        .unwrap()
        .is_ok());
    let (_, v) = get(app, "/api/v1/coop/ledger/verify", Some(t)).await;
    assert_eq!(v["daily_sums_match"], true, "{v}");
    // The per-day sums reports read are checked against the postings too.
    sqlx::query("UPDATE ledger_daily_sums SET amount = amount + 1 WHERE account = 'assets:bank'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let (_, v) = get(app, "/api/v1/coop/ledger/verify", Some(t)).await;
    assert_eq!(v["daily_sums_match"], false, "{v}");
    let out = verify_cli(app);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("daily sum of assets:bank"), "{err}");
    sqlx::query("UPDATE ledger_daily_sums SET amount = amount - 1 WHERE account = 'assets:bank'")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    assert!(verify_cli(app).status.success());
    // Someone with database access quietly changes the second payment (both legs, so it still
    // balances).
    sqlx::query("UPDATE ledger_postings SET amount = amount / 2 WHERE transaction_id = $1")
        .bind(ids[1])
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    let broken = herd::services::ledger::verify(&app.state.db)
        .await
        .unwrap()
        .expect_err("tampering detected");
    assert_eq!((broken.seq, broken.id), (2, ids[1]));
    let out = verify_cli(app);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("breaks at transaction {} (#2)", ids[1])),
        "{err}"
    );
    let (s, v) = get(app, "/api/v1/coop/ledger/verify", Some(t)).await;
    assert_eq!(s, 200);
    assert_eq!(v["valid"], false);
    assert_eq!(v["broken"]["seq"], 2);
}
on_both_backends!(tampering, tampering_is_caught);

async fn moved_posting_date_is_caught(app: &common::TestApp) {
    let c = coop(app, 0).await;
    let t = &c.treasurer.1;
    let mut ids = Vec::new();
    for i in 1..=3 {
        let (s, body) = app
            .post_json(
                "/api/v1/coop/ledger/transactions",
                t,
                txn(
                    &format!("Hosting {i}"),
                    json!([{ "account": "expenses:hosting", "amount": 1000 * i, "currency": "EUR" },
                           { "account": "assets:bank", "amount": -1000 * i, "currency": "EUR" }]),
                ),
            )
            .await;
        assert_eq!(s, 200, "{body}");
        ids.push(body["id"].as_str().unwrap().parse::<i64>().unwrap());
    }
    assert!(verify_cli(app).status.success());
    let (_, before) = get(app, "/api/v1/coop/ledger/report", Some(t)).await;
    // Someone with database access moves the second payment's postings 40 days back and
    // rebuilds the per-day sums to match, so the period sums and the daily sums agree.
    sqlx::query(
        "UPDATE ledger_postings SET occurred_at = occurred_at - 3456000000000 WHERE transaction_id = $1",
    )
    .bind(ids[1])
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    sqlx::query("DELETE FROM ledger_daily_sums")
        .execute(&app.state.db.pool)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO ledger_daily_sums (day, account, currency, amount) \
         SELECT occurred_at - ((occurred_at % 86400000000) + 86400000000) % 86400000000, \
                account, currency, CAST(SUM(amount) AS BIGINT) FROM ledger_postings \
         GROUP BY occurred_at - ((occurred_at % 86400000000) + 86400000000) % 86400000000, account, currency",
    )
    .execute(&app.state.db.pool)
    .await
    .unwrap();
    // The move shows in reports: the last 30 days lose the second payment.
    let now = app.state.clock.now_micros();
    let from = herd::time::iso(now - 30 * 86_400_000_000);
    let (s, recent) = get(
        app,
        &format!("/api/v1/coop/ledger/report?from={from}"),
        Some(t),
    )
    .await;
    assert_eq!(s, 200, "{recent}");
    assert_eq!(
        recent["income_statement"]["total_expenses"]["EUR"],
        json!(4000),
        "{recent}"
    );
    assert_eq!(
        before["income_statement"]["total_expenses"]["EUR"],
        json!(6000),
        "{before}"
    );
    // The daily sums agree with the postings, but the posting disagrees with its transaction.
    assert_eq!(
        herd::services::ledger::verify_daily_sums(&app.state.db)
            .await
            .unwrap(),
        None
    );
    let broken = herd::services::ledger::verify(&app.state.db)
        .await
        .unwrap()
        .expect_err("moved posting detected");
    assert_eq!((broken.seq, broken.id), (2, ids[1]));
    let (s, v) = get(app, "/api/v1/coop/ledger/verify", Some(t)).await;
    assert_eq!(s, 200);
    assert_eq!(v["valid"], false, "{v}");
    assert_eq!(v["broken"]["seq"], 2, "{v}");
    assert!(
        v["broken"]["reason"]
            .as_str()
            .unwrap_or("")
            .contains("posting #0 is dated"),
        "{v}"
    );
    let out = verify_cli(app);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("breaks at transaction {} (#2)", ids[1]))
            && err.contains("edited after posting"),
        "{err}"
    );
}
on_both_backends!(moved_posting_date, moved_posting_date_is_caught);

async fn posted_rows_are_final(app: &common::TestApp) {
    let c = coop(app, 0).await;
    let t = &c.treasurer.1;
    let (s, posted) = app
        .post_json(
            "/api/v1/coop/ledger/transactions",
            t,
            txn(
                "Hosting",
                json!([{ "account": "expenses:hosting", "amount": 4250, "currency": "EUR" },
                       { "account": "assets:bank", "amount": -4250, "currency": "EUR" }]),
            ),
        )
        .await;
    assert_eq!(s, 200, "{posted}");
    let id = posted["id"].as_str().unwrap();
    let path = format!("/api/v1/coop/ledger/transactions/{id}");
    let (_, head_before) = get(app, "/api/v1/coop/ledger/verify", Some(t)).await;
    let edit = json!({ "memo": "Hosting (less)", "postings": [
        { "account": "expenses:hosting", "amount": 1, "currency": "EUR" },
        { "account": "assets:bank", "amount": -1, "currency": "EUR" }] });
    for method in [
        reqwest::Method::PUT,
        reqwest::Method::PATCH,
        reqwest::Method::DELETE,
    ] {
        let res = app
            .client
            .request(method.clone(), app.url(&path))
            .bearer_auth(t)
            .json(&edit)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status().as_u16(), 405, "{method}");
        let allow = res
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_string();
        assert!(allow.contains("GET"), "{method}: Allow {allow}");
        let body: Value = res.json().await.unwrap_or(Value::Null);
        assert!(
            body["error"].as_str().unwrap_or("").contains("reversal"),
            "{method}: {body}"
        );
    }
    // The transaction, its postings and the chain head are as they were.
    let (s, after) = get(app, &path, Some(t)).await;
    assert_eq!(s, 200);
    assert_eq!(after, posted);
    let (_, head_after) = get(app, "/api/v1/coop/ledger/verify", Some(t)).await;
    assert_eq!(head_after["head"], head_before["head"]);
    assert_eq!(head_after["transactions"], json!(1));
    assert_eq!(head_after["valid"], true);
    assert_eq!(count_transactions(app, t).await, 1);
}
on_both_backends!(posted_rows_final, posted_rows_are_final);

async fn expense_refusals_write_nothing(app: &common::TestApp) {
    let c = coop(app, 2).await;
    let t = &c.treasurer.1;
    let (member, other) = (&c.members[0].1, &c.members[1].1);
    let (s, _) = app
        .post_json(
            "/api/v1/coop/ledger/transactions",
            t,
            txn(
                "Opening balance",
                json!([{ "account": "assets:bank", "amount": 50_000, "currency": "EUR" },
                       { "account": "equity:opening-balances", "amount": -50_000, "currency": "EUR" }]),
            ),
        )
        .await;
    assert_eq!(s, 200);
    let count_expenses = || async {
        let (s, list) = get(app, "/api/v1/coop/expenses?limit=80", Some(t)).await;
        assert_eq!(s, 200, "{list}");
        list.as_array().map(Vec::len).unwrap_or(0)
    };

    // Refused submissions: each a 422 and no expense row.
    let good = json!({ "amount": 1000, "currency": "EUR", "description": "Backup disk", "category": "software" });
    for (field, value) in [
        ("amount", json!(-1000)),
        ("amount", json!(0)),
        ("amount", json!(10.5)),
        ("amount", json!("10.50")),
        ("currency", json!("XYZ")),
        ("currency", json!("")),
        ("category", json!("yachts")),
    ] {
        let mut body = good.clone();
        body[field] = value.clone();
        let (s, err) = app.post_json("/api/v1/coop/expenses", member, body).await;
        assert_eq!(s, 422, "{field} = {value}: {err}");
        assert!(err["error"].is_string(), "{err}");
    }
    // With a receipt file too: refused, and no file kept.
    let form = reqwest::multipart::Form::new()
        .text("amount", "1000")
        .text("currency", "EUR")
        .text("description", "Backup disk")
        .text("category", "yachts")
        .part(
            "receipts[]",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 receipt".to_vec())
                .file_name("invoice.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let res = app
        .client
        .post(app.url("/api/v1/coop/expenses"))
        .bearer_auth(member)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert_eq!(count_expenses().await, 0);
    let receipts_dir = app.data_dir.join("receipts");
    let kept = std::fs::read_dir(&receipts_dir)
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(kept, 0, "no receipt files kept for refused submissions");

    // A submitted expense: another member can neither reject nor pay it.
    let (s, e) = app.post_json("/api/v1/coop/expenses", member, good).await;
    assert_eq!(s, 200, "{e}");
    let id = e["id"].as_str().unwrap().to_string();
    let before_tx = count_transactions(app, t).await;
    let (_, head_before) = get(app, "/api/v1/coop/ledger/verify", Some(t)).await;
    for token in [other, &c.outsider.1] {
        let (s, _) = app
            .post_json(
                &format!("/api/v1/coop/expenses/{id}/reject"),
                token,
                json!({ "reason": "No" }),
            )
            .await;
        assert_eq!(s, 403);
        let (s, _) = app
            .post_json(&format!("/api/v1/coop/expenses/{id}/pay"), token, json!({}))
            .await;
        assert_eq!(s, 403);
    }
    let (_, now) = get(app, &format!("/api/v1/coop/expenses/{id}"), Some(t)).await;
    assert_eq!(now["state"], "submitted", "{now}");
    assert!(now["reject_reason"].is_null(), "{now}");
    // Approved by the treasurer, still not payable by a member.
    let (s, _) = app
        .post_json(&format!("/api/v1/coop/expenses/{id}/approve"), t, json!({}))
        .await;
    assert_eq!(s, 200);
    let (s, _) = app
        .post_json(&format!("/api/v1/coop/expenses/{id}/pay"), other, json!({}))
        .await;
    assert_eq!(s, 403);
    let (_, now) = get(app, &format!("/api/v1/coop/expenses/{id}"), Some(t)).await;
    assert_eq!(now["state"], "approved", "{now}");
    assert!(now["transaction_id"].is_null(), "{now}");
    assert_eq!(
        count_transactions(app, t).await,
        before_tx,
        "no ledger entry"
    );
    let (_, head_after) = get(app, "/api/v1/coop/ledger/verify", Some(t)).await;
    assert_eq!(head_after["head"], head_before["head"]);
    let (_, events) = get(app, "/api/v1/coop/events?limit=80", Some(t)).await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(!kinds.contains(&"expense.rejected"), "{kinds:?}");
    assert!(!kinds.contains(&"expense.paid"), "{kinds:?}");
    assert_eq!(
        kinds.iter().filter(|k| **k == "expense.submitted").count(),
        1,
        "{kinds:?}"
    );
}
on_both_backends!(expense_refusals, expense_refusals_write_nothing);

async fn put_json(app: &common::TestApp, path: &str, token: &str, body: Value) -> (u16, Value) {
    let res = app
        .client
        .put(app.url(path))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

/// `(budget, actual, remaining)` of one account in a report's budget lines.
fn budget_line(report: &Value, code: &str) -> Option<(i64, i64, i64)> {
    report["budget"].as_array()?.iter().find_map(|l| {
        (l["code"] == code && l["currency"] == "EUR").then(|| {
            (
                l["budget"].as_i64().unwrap(),
                l["actual"].as_i64().unwrap(),
                l["remaining"].as_i64().unwrap(),
            )
        })
    })
}

async fn treasurer_budgets_per_period(app: &common::TestApp) {
    let c = coop(app, 1).await;
    let t = &c.treasurer.1;
    let member = &c.members[0].1;
    let path = "/api/v1/coop/ledger/budgets";
    // March 2025: hosting (by category) and software (by account); the year 2025: dues income.
    let (s, march) = put_json(
        app,
        path,
        t,
        json!({ "period": "2025-03", "budgets": [
            { "category": "hosting", "amount": 5000 },
            { "account": "expenses:software", "amount": "2000", "currency": "eur" }] }),
    )
    .await;
    assert_eq!(s, 200, "{march}");
    assert_eq!(march["period"], "2025-03");
    assert_eq!(
        march["budgets"].as_array().map(Vec::len),
        Some(2),
        "{march}"
    );
    let (s, year) = put_json(
        app,
        path,
        t,
        json!({ "period": "2025", "account": "income:dues", "amount": 120_000 }),
    )
    .await;
    assert_eq!(s, 200, "{year}");
    // Members read them like the ledger; anonymous readers are told to sign in.
    let (s, seen) = get(app, &format!("{path}?period=2025-03"), Some(member)).await;
    assert_eq!(s, 200, "{seen}");
    let effective: Vec<(String, i64, String)> = seen["effective"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["account"].as_str().unwrap().to_string(),
                e["amount"].as_i64().unwrap(),
                e["source"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // The year's dues budget prorated to March: 120000 × 31/365, rounded.
    assert_eq!(
        effective,
        [
            ("expenses:general".to_string(), 1000, "bylaws".to_string()),
            (
                "expenses:hosting".to_string(),
                5000,
                "treasurer".to_string()
            ),
            (
                "expenses:software".to_string(),
                2000,
                "treasurer".to_string()
            ),
            ("income:dues".to_string(), 10_192, "treasurer".to_string()),
        ]
    );
    assert_eq!(seen["bylaws_monthly"][0]["account"], "expenses:general");
    assert_eq!(get(app, path, None).await.0, 401);

    // Spending in March, and some in April.
    for (date, account, amount) in [
        ("2025-03-05", "expenses:hosting", 4250),
        ("2025-03-20", "expenses:software", 2500),
        ("2025-04-02", "expenses:hosting", 999),
    ] {
        let mut body = txn(
            "Spending",
            json!([{ "account": account, "amount": amount, "currency": "EUR" },
                   { "account": "assets:bank", "amount": -amount, "currency": "EUR" }]),
        );
        body["date"] = json!(date);
        let (s, tx) = app
            .post_json("/api/v1/coop/ledger/transactions", t, body)
            .await;
        assert_eq!(s, 200, "{tx}");
    }
    let (s, report) = get(
        app,
        "/api/v1/coop/ledger/report?from=2025-03-01&to=2025-04-01",
        Some(member),
    )
    .await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(
        budget_line(&report, "expenses:hosting"),
        Some((5000, 4250, 750))
    );
    assert_eq!(
        budget_line(&report, "expenses:software"),
        Some((2000, 2500, -500))
    );
    assert_eq!(
        budget_line(&report, "income:dues"),
        Some((10_192, 0, 10_192))
    );
    assert_eq!(
        budget_line(&report, "expenses:general"),
        Some((1000, 0, 1000))
    );
    // The whole year: March's budgets (no other month has one), the year's dues budget whole.
    let (_, report) = get(
        app,
        "/api/v1/coop/ledger/report?from=2025-01-01&to=2026-01-01",
        Some(member),
    )
    .await;
    assert_eq!(
        budget_line(&report, "expenses:hosting"),
        Some((5000, 5249, -249))
    );
    assert_eq!(
        budget_line(&report, "income:dues"),
        Some((120_000, 0, 120_000))
    );
    // General expenses: the bylaws' 10.00 a month for twelve months.
    assert_eq!(
        budget_line(&report, "expenses:general"),
        Some((12_000, 0, 12_000))
    );
    // A treasurer's budget for a month replaces the bylaws' for that month only.
    let (s, _) = put_json(
        app,
        path,
        t,
        json!({ "period": "2025-06", "category": "general", "amount": 4000 }),
    )
    .await;
    assert_eq!(s, 200);
    let (_, report) = get(
        app,
        "/api/v1/coop/ledger/report?from=2025-01-01&to=2026-01-01",
        Some(member),
    )
    .await;
    assert_eq!(
        budget_line(&report, "expenses:general"),
        Some((15_000, 0, 15_000))
    );

    // Only treasurers set budgets; bad input is a 422; neither changes anything.
    let (s, _) = put_json(
        app,
        path,
        member,
        json!({ "period": "2025-03", "category": "hosting", "amount": 1 }),
    )
    .await;
    assert_eq!(s, 403);
    for bad in [
        json!({ "period": "2025-03", "category": "hosting", "amount": -1 }),
        json!({ "period": "2025-03", "category": "hosting", "amount": 10.5 }),
        json!({ "period": "2025-03", "category": "yachts", "amount": 100 }),
        json!({ "period": "2025-03", "account": "assets:bank", "amount": 100 }),
        json!({ "period": "2025-03", "category": "hosting", "amount": 100, "currency": "XYZ" }),
        json!({ "period": "2025-13", "category": "hosting", "amount": 100 }),
        json!({ "period": "2025-3", "category": "hosting", "amount": 100 }),
        json!({ "period": "March", "category": "hosting", "amount": 100 }),
        json!({ "category": "hosting", "amount": 100 }),
        json!({ "period": "2025-03", "budgets": [
            { "category": "hosting", "amount": 1 }, { "category": "yachts", "amount": 1 }] }),
    ] {
        let (s, err) = put_json(app, path, t, bad.clone()).await;
        assert_eq!(s, 422, "{bad}: {err}");
        assert!(err["error"].is_string(), "{err}");
    }
    let (_, again) = get(app, &format!("{path}?period=2025-03"), Some(member)).await;
    assert_eq!(again["effective"], seen["effective"]);
    assert_eq!(
        get(app, &format!("{path}?period=2025-00"), Some(t)).await.0,
        422
    );

    // A budget set to null is removed: the report falls back (no bylaws budget here).
    let (s, removed) = put_json(
        app,
        path,
        t,
        json!({ "period": "2025-03", "budgets": [{ "category": "software", "amount": null }] }),
    )
    .await;
    assert_eq!(s, 200, "{removed}");
    assert_eq!(
        removed["budgets"].as_array().map(Vec::len),
        Some(2),
        "{removed}"
    );
    let (_, report) = get(
        app,
        "/api/v1/coop/ledger/report?from=2025-03-01&to=2025-04-01",
        Some(member),
    )
    .await;
    assert_eq!(budget_line(&report, "expenses:software"), None);
    // Also at the top level (as forms send it): `remove`.
    let (s, removed) = put_json(
        app,
        path,
        t,
        json!({ "period": "2025-06", "category": "general", "remove": true }),
    )
    .await;
    assert_eq!(s, 200, "{removed}");
    let (_, report) = get(
        app,
        "/api/v1/coop/ledger/report?from=2025-01-01&to=2026-01-01",
        Some(member),
    )
    .await;
    assert_eq!(
        budget_line(&report, "expenses:general"),
        Some((12_000, 0, 12_000))
    );
    let (_, events) = get(app, "/api/v1/coop/events?limit=80", Some(member)).await;
    let sets = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "ledger.budget_set")
        .count();
    assert_eq!(sets, 5, "{events}");
}
on_both_backends!(
    budgets,
    treasurer_budgets_per_period,
    |config: &mut herd::config::Config| {
        // The bylaws give general expenses 10.00 EUR a month, the fallback for any month
        // without a treasurer's budget.
        let dir = config.data_dir.join("bylaws");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in herd_governance::bylaws::DEFAULT_DOCUMENTS {
            let text = text.replace(
                "ledger_visibility: members",
                "ledger_visibility: members\n  monthly_budgets:\n    expenses:general: 1000",
            );
            std::fs::write(dir.join(name), text).unwrap();
        }
        config.bylaws_dir = dir.display().to_string();
    }
);

/// A multipart transaction (hosting paid from the bank) with one attached file.
fn transaction_form(amount: i64, debit: i64, file: &[u8], mime: &str) -> reqwest::multipart::Form {
    reqwest::multipart::Form::new()
        .text("memo", "Hosting, March")
        .text("counterparty", "Hetzner")
        .text("category", "hosting")
        .text("postings[0][account]", "expenses:hosting")
        .text("postings[0][amount]", debit.to_string())
        .text("postings[0][currency]", "EUR")
        .text("postings[1][account]", "assets:bank")
        .text("postings[1][amount]", (-amount).to_string())
        .text("postings[1][currency]", "EUR")
        .part(
            "attachments[]",
            reqwest::multipart::Part::bytes(file.to_vec())
                .file_name("invoice-2025-03.pdf")
                .mime_str(mime)
                .unwrap(),
        )
}

async fn transaction_attachments(app: &common::TestApp) {
    let c = coop(app, 1).await;
    let t = &c.treasurer.1;
    let member = &c.members[0].1;
    let post = |form: reqwest::multipart::Form| async {
        let res = app
            .client
            .post(app.url("/api/v1/coop/ledger/transactions"))
            .bearer_auth(t)
            .multipart(form)
            .send()
            .await
            .unwrap();
        let s = res.status().as_u16();
        (s, res.json::<Value>().await.unwrap_or(Value::Null))
    };
    let invoice = b"%PDF-1.4 Hetzner invoice 4250";
    let (s, tx) = post(transaction_form(4250, 4250, invoice, "application/pdf")).await;
    assert_eq!(s, 200, "{tx}");
    assert_eq!(tx["postings"].as_array().map(Vec::len), Some(2), "{tx}");
    let files = tx["attachments"].as_array().expect("attachments");
    assert_eq!(files.len(), 1, "{tx}");
    assert_eq!(files[0]["file_name"], "invoice-2025-03.pdf");
    assert_eq!(files[0]["content_type"], "application/pdf");
    assert_eq!(files[0]["size"], invoice.len());
    let url = files[0]["url"].as_str().unwrap().to_string();
    let id = tx["id"].as_str().unwrap();
    // Listed on the transaction and in the list, for members.
    let (_, seen) = get(
        app,
        &format!("/api/v1/coop/ledger/transactions/{id}"),
        Some(member),
    )
    .await;
    assert_eq!(seen["attachments"], tx["attachments"]);
    let (_, list) = get(app, "/api/v1/coop/ledger/transactions", Some(member)).await;
    assert_eq!(list[0]["attachments"], tx["attachments"]);
    // Served to members (the ledger is members-only here), not to anyone else.
    let fetch = |token: Option<String>| {
        let req = app.client.get(&url);
        async move {
            let req = match token {
                Some(t) => req.bearer_auth(t),
                None => req,
            };
            req.send().await.unwrap()
        }
    };
    let res = fetch(Some(member.clone())).await;
    assert_eq!(res.status(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "application/pdf"
    );
    assert_eq!(res.headers()["content-disposition"], "attachment");
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.bytes().await.unwrap().as_ref(), invoice);
    assert_eq!(fetch(Some(t.clone())).await.status(), 200);
    assert_eq!(fetch(None).await.status(), 401);
    assert_eq!(fetch(Some(c.outsider.1.clone())).await.status(), 403);
    let other = url.rsplit_once('/').unwrap().0.to_string() + "/1";
    let res = app
        .client
        .get(&other)
        .bearer_auth(member)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Refused: a file type outside the receipts' rules, or an unbalanced transaction with a
    // file; neither writes a transaction nor keeps a file.
    let (s, err) = post(transaction_form(
        100,
        100,
        b"MZ\x90",
        "application/x-msdownload",
    ))
    .await;
    assert_eq!(s, 422, "{err}");
    let (s, err) = post(transaction_form(100, 99, invoice, "application/pdf")).await;
    assert_eq!(s, 422, "{err}");
    assert_eq!(count_transactions(app, t).await, 1);
    let kept = std::fs::read_dir(app.data_dir.join("ledger-attachments"))
        .map(|d| d.count())
        .unwrap_or(0);
    assert_eq!(kept, 1, "only the recorded transaction's files remain");
    // A member cannot record one, file or not.
    let res = app
        .client
        .post(app.url("/api/v1/coop/ledger/transactions"))
        .bearer_auth(member)
        .multipart(transaction_form(100, 100, invoice, "application/pdf"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(count_transactions(app, t).await, 1);
}
on_both_backends!(attachments, transaction_attachments);

/// `herd ledger verify` against the test app's database.
fn verify_cli(app: &common::TestApp) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_herd"))
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HERD_DATA_DIR", &app.data_dir)
        .env("DATABASE_URL", app.state.config.database_url())
        .env("RUST_LOG", "warn")
        .args(["ledger", "verify"])
        .output()
        .expect("run herd ledger verify")
}

fn mails_to(app: &common::TestApp, who: &str, subject: &str) -> usize {
    app.mails()
        .iter()
        .filter(|m| m.contains(&format!("To: {who}@example.org")) && m.contains(subject))
        .count()
}

async fn expense_flow_reconciles(app: &common::TestApp) {
    let c = coop(app, 3).await;
    let t = &c.treasurer.1;
    let (member_id, member) = (&c.members[0].0, &c.members[0].1);
    // Funds to pay from.
    let (s, _) = app
        .post_json(
            "/api/v1/coop/ledger/transactions",
            t,
            txn(
                "Opening balance",
                json!([{ "account": "assets:bank", "amount": 50_000, "currency": "EUR" },
                       { "account": "equity:opening-balances", "amount": -50_000, "currency": "EUR" }]),
            ),
        )
        .await;
    assert_eq!(s, 200);

    // Submitted as multipart with a receipt file.
    let form = reqwest::multipart::Form::new()
        .text("amount", "12345")
        .text("currency", "EUR")
        .text("description", "Domain renewal for three years")
        .text("category", "software")
        .part(
            "receipts[]",
            reqwest::multipart::Part::bytes(b"%PDF-1.4 receipt".to_vec())
                .file_name("invoice.pdf")
                .mime_str("application/pdf")
                .unwrap(),
        );
    let res = app
        .client
        .post(app.url("/api/v1/coop/expenses"))
        .bearer_auth(member)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let e: Value = res.json().await.unwrap();
    assert_eq!(e["state"], "submitted");
    assert_eq!(e["submitter"]["id"], member_id.to_string());
    assert_eq!(e["receipts"].as_array().map(Vec::len), Some(1));
    let id = e["id"].as_str().unwrap().to_string();
    let receipt_url = e["receipts"][0]["url"].as_str().unwrap().to_string();

    // Receipts: the submitter and treasurers see them, another member does not.
    let (_, other_view) = get(
        app,
        &format!("/api/v1/coop/expenses/{id}"),
        Some(&c.members[1].1),
    )
    .await;
    assert_eq!(other_view["amount"], 12345);
    assert!(other_view["receipts"].is_null());
    let path = receipt_url.trim_start_matches(&app.base);
    let fetch = |token: String| {
        let url = app.url(path);
        let client = app.client.clone();
        async move { client.get(url).bearer_auth(token).send().await.unwrap() }
    };
    let r = fetch(t.clone()).await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"%PDF-1.4 receipt");
    assert_eq!(fetch(c.members[1].1.clone()).await.status(), 403);

    // Bad submissions.
    for bad in [
        json!({ "amount": -5, "currency": "EUR", "description": "x", "category": "software" }),
        json!({ "amount": 5, "currency": "EUR", "description": "x", "category": "yachts" }),
        json!({ "amount": 5, "currency": "XYZ", "description": "x", "category": "software" }),
    ] {
        let (s, _) = app.post_json("/api/v1/coop/expenses", member, bad).await;
        assert_eq!(s, 422);
    }
    let (s, _) = app
        .post_json(
            "/api/v1/coop/expenses",
            &c.outsider.1,
            json!({ "amount": 5, "currency": "EUR", "description": "x", "category": "software" }),
        )
        .await;
    assert_eq!(s, 403);

    // Approval: not by a plain member, not paid before approval.
    let (s, _) = app
        .post_json(
            &format!("/api/v1/coop/expenses/{id}/approve"),
            member,
            json!({}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = app
        .post_json(&format!("/api/v1/coop/expenses/{id}/pay"), t, json!({}))
        .await;
    assert_eq!(s, 422);
    let (s, approved) = app
        .post_json(&format!("/api/v1/coop/expenses/{id}/approve"), t, json!({}))
        .await;
    assert_eq!(s, 200, "{approved}");
    assert_eq!(approved["state"], "approved");
    let (s, paid) = app
        .post_json(&format!("/api/v1/coop/expenses/{id}/pay"), t, json!({}))
        .await;
    assert_eq!(s, 200, "{paid}");
    assert_eq!(paid["state"], "paid");
    let tid = paid["transaction_id"].as_str().unwrap();
    let (_, tx) = get(
        app,
        &format!("/api/v1/coop/ledger/transactions/{tid}"),
        Some(member),
    )
    .await;
    assert_eq!(tx["kind"], "expense");
    assert_eq!(
        tx["postings"][0],
        json!({ "account": "expenses:software", "amount": 12345, "currency": "EUR" })
    );

    // A treasurer's own expense needs another treasurer; a rejection needs a reason.
    let (_, own) = app
        .post_json(
            "/api/v1/coop/expenses",
            t,
            json!({ "amount": 800, "currency": "EUR", "description": "Stamps", "category": "general" }),
        )
        .await;
    let own_id = own["id"].as_str().unwrap();
    let (s, _) = app
        .post_json(
            &format!("/api/v1/coop/expenses/{own_id}/approve"),
            t,
            json!({}),
        )
        .await;
    assert_eq!(s, 403);
    let (s, _) = app
        .post_json(
            &format!("/api/v1/coop/expenses/{own_id}/reject"),
            &c.treasurer2.1,
            json!({}),
        )
        .await;
    assert_eq!(s, 422);
    let (s, rejected) = app
        .post_json(
            &format!("/api/v1/coop/expenses/{own_id}/reject"),
            &c.treasurer2.1,
            json!({ "reason": "We have stamps" }),
        )
        .await;
    assert_eq!(s, 200);
    assert_eq!(rejected["reject_reason"], "We have stamps");

    // The report reconciles to the cent.
    let (s, report) = get(app, "/api/v1/coop/ledger/report", Some(member)).await;
    assert_eq!(s, 200, "{report}");
    assert_eq!(report["income_statement"]["total_expenses"]["EUR"], 12345);
    assert_eq!(report["income_statement"]["net"]["EUR"], -12345);
    assert_eq!(
        report["balance_sheet"]["total_assets"]["EUR"],
        50_000 - 12345
    );
    assert_eq!(report["balance_sheet"]["balanced"], true);

    // Every transition was logged and mailed to the submitter.
    let (_, events) = get(app, "/api/v1/coop/events?limit=80", Some(member)).await;
    let kinds: Vec<&str> = events
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    for k in [
        "expense.submitted",
        "expense.approved",
        "expense.paid",
        "expense.rejected",
    ] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    app.run_jobs().await;
    assert_eq!(mails_to(app, "member0", "Expense approved"), 1);
    assert_eq!(mails_to(app, "member0", "Expense paid"), 1);
    assert_eq!(mails_to(app, "tess", "Expense rejected"), 1);
}
on_both_backends!(expense_flow, expense_flow_reconciles);

async fn expense_above_threshold_needs_a_proposal(app: &common::TestApp) {
    let c = coop(app, 3).await;
    let t = &c.treasurer.1;
    let member = &c.members[0].1;
    // The default bylaws let a treasurer approve up to 200.00 EUR.
    let (_, e) = app
        .post_json(
            "/api/v1/coop/expenses",
            member,
            json!({ "amount": 60_000, "currency": "EUR", "description": "New server", "category": "hosting" }),
        )
        .await;
    let id = e["id"].as_str().unwrap().to_string();
    let (s, refused) = app
        .post_json(&format!("/api/v1/coop/expenses/{id}/approve"), t, json!({}))
        .await;
    assert_eq!(s, 422);
    assert!(
        refused["error"].as_str().unwrap().contains("proposal"),
        "{refused}"
    );
    let (s, opened) = app
        .post_json(
            &format!("/api/v1/coop/expenses/{id}/proposal"),
            member,
            json!({}),
        )
        .await;
    assert_eq!(s, 200, "{opened}");
    let pid = opened["proposal_id"].as_str().unwrap().to_string();
    let (_, e) = get(app, &format!("/api/v1/coop/expenses/{id}"), Some(member)).await;
    assert_eq!(e["proposal_id"], pid);
    // A second proposal for the same expense is refused.
    let (s, _) = app
        .post_json(
            "/api/v1/coop/proposals",
            t,
            json!({ "kind": "expense", "title": "again", "body": "again", "payload": { "expense_id": id } }),
        )
        .await;
    assert_eq!(s, 422);
    for (_, tok) in c.members.iter().chain([&c.treasurer, &c.treasurer2]) {
        let (s, v) = app
            .post_json(
                &format!("/api/v1/coop/proposals/{pid}/votes"),
                tok,
                json!({ "choice": "yes" }),
            )
            .await;
        assert_eq!(s, 200, "{v}");
    }
    app.state
        .clock
        .advance(Duration::from_secs(3 * 86_400 + 60));
    herd::services::proposals::close_due(&app.state)
        .await
        .unwrap();
    let (_, p) = get(app, &format!("/api/v1/coop/proposals/{pid}"), Some(member)).await;
    assert_eq!(p["state"], "enacted", "{p}");
    let (_, e) = get(app, &format!("/api/v1/coop/expenses/{id}"), Some(member)).await;
    assert_eq!(e["state"], "approved");
    let (s, paid) = app
        .post_json(&format!("/api/v1/coop/expenses/{id}/pay"), t, json!({}))
        .await;
    assert_eq!(s, 200, "{paid}");
    let b = balances(app, t).await;
    assert_eq!(b["expenses:hosting"], 60_000);
    assert_eq!(b["assets:bank"], -60_000);
}
on_both_backends!(expense_proposal, expense_above_threshold_needs_a_proposal);

const SECRET: &str = "whsec_test_secret";

fn sign(payload: &str, t: i64, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{payload}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn deliver(app: &common::TestApp, payload: &str, sig: &str) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/api/v1/coop/stripe/webhook"))
        .header("stripe-signature", sig)
        .header("content-type", "application/json")
        .body(payload.to_string())
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

async fn dues_by_hand_and_by_stripe(app: &common::TestApp) {
    let c = coop(app, 2).await;
    let t = &c.treasurer.1;
    let (m_id, m_tok) = (c.members[0].0, &c.members[0].1);
    // A treasurer records dues paid by bank transfer: 3 months.
    let (s, tx) = app
        .post_json(
            &format!("/api/v1/coop/members/{m_id}/dues"),
            t,
            json!({ "amount": 1500, "periods": 3 }),
        )
        .await;
    assert_eq!(s, 200, "{tx}");
    assert_eq!(tx["kind"], "dues");
    let (s, _) = app
        .post_json(
            &format!("/api/v1/coop/members/{m_id}/dues"),
            t,
            json!({ "amount": 50 }),
        )
        .await;
    assert_eq!(s, 422, "below the bylaws' minimum dues");
    let (s, _) = app
        .post_json(
            &format!("/api/v1/coop/members/{m_id}/dues"),
            &c.members[1].1,
            json!({ "amount": 500 }),
        )
        .await;
    assert_eq!(s, 403);
    let (_, mine) = get(app, "/api/v1/coop/membership/dues", Some(m_tok)).await;
    let until_manual = mine["paid_until"].as_str().unwrap().to_string();
    assert_eq!(mine["payments"].as_array().unwrap().len(), 1);

    // Stripe: a signed charge.succeeded with the fee in its balance transaction.
    let now = app.state.clock.now_micros() / 1_000_000;
    let payload = json!({
        "id": "evt_1Test", "object": "event", "type": "charge.succeeded", "api_version": "2024-06-20",
        "created": now, "livemode": false, "pending_webhooks": 1, "request": { "id": null },
        "data": { "object": {
            "id": "ch_1", "object": "charge", "amount": 500, "currency": "eur",
            "balance_transaction": { "id": "txn_1", "fee": 33, "net": 467 },
            "metadata": { "herd_account_id": m_id.to_string() }
        } }
    })
    .to_string();
    let (s, first) = deliver(app, &payload, &sign(&payload, now, SECRET)).await;
    assert_eq!(s, 200, "{first}");
    assert_eq!(first["duplicate"], false);
    let (s, again) = deliver(app, &payload, &sign(&payload, now, SECRET)).await;
    assert_eq!(s, 200);
    assert_eq!(again["duplicate"], true);
    // Refused deliveries: tampered body, wrong secret, stale timestamp, no header.
    let tampered = payload.replace("\"amount\":500", "\"amount\":50000");
    assert_eq!(
        deliver(app, &tampered, &sign(&payload, now, SECRET))
            .await
            .0,
        400
    );
    let other = payload.replace("evt_1Test", "evt_2Test");
    assert_eq!(
        deliver(app, &other, &sign(&other, now, "whsec_wrong"))
            .await
            .0,
        400
    );
    assert_eq!(
        deliver(app, &other, &sign(&other, now - 301, SECRET))
            .await
            .0,
        400
    );
    assert_eq!(
        // A minute past the tolerance: `now` was read before the deliveries above, and a busy
        // machine may take more than a second over them.
        deliver(app, &other, &sign(&other, now + 360, SECRET))
            .await
            .0,
        400,
        "a timestamp beyond the tolerance in the future is refused like a stale one"
    );
    assert_eq!(deliver(app, &other, "").await.0, 400);

    let b = balances(app, t).await;
    assert_eq!(b["assets:stripe"], 500 - 33);
    assert_eq!(b["expenses:fees:stripe"], 33);
    assert_eq!(b["income:dues"], -(1500 + 500));
    assert_eq!(b["assets:bank"], 1500);
    let (_, mine) = get(app, "/api/v1/coop/membership/dues", Some(m_tok)).await;
    assert_eq!(mine["payments"].as_array().unwrap().len(), 2);
    assert!(mine["paid_until"].as_str().unwrap() > until_manual.as_str());

    // Lapse: the member who never paid lapses after the bylaws' 90 days; the payer does not.
    app.state.clock.advance(Duration::from_secs(91 * 86_400));
    let lapsed = herd::services::dues::lapse_overdue(&app.state)
        .await
        .unwrap();
    assert!(lapsed >= 1);
    let (_, m1) = get(
        app,
        &format!("/api/v1/coop/members/{}", c.members[1].0),
        Some(m_tok),
    )
    .await;
    assert_eq!(m1["state"], "lapsed");
    let (_, m0) = get(app, &format!("/api/v1/coop/members/{m_id}"), Some(m_tok)).await;
    assert_eq!(m0["state"], "active");
    // A lapsed treasurer cannot act (reinstatement by dues: see `reinstatement` below).
    let (s, _) = app
        .post_json(
            &format!("/api/v1/coop/members/{}/dues", c.members[1].0),
            &c.treasurer.1,
            json!({ "amount": 500 }),
        )
        .await;
    assert_eq!(
        s, 403,
        "the treasurer lapsed too: only active members act as treasurer"
    );
}

async fn stripe_app(backend: common::Backend) -> Option<common::TestApp> {
    common::TestApp::spawn_with(backend, |config| {
        config.stripe.webhook_secret = SECRET.into();
    })
    .await
}

mod dues {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = stripe_app(common::Backend::Sqlite).await.expect("app");
        dues_by_hand_and_by_stripe(&app).await;
        app.stop().await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = stripe_app(common::Backend::Postgres).await {
            dues_by_hand_and_by_stripe(&app).await;
            app.stop().await;
        }
    }
}

/// Whether the governance log holds a `membership.reinstated` event about `account_id`.
async fn reinstated_event(app: &common::TestApp, token: &str, account_id: i64) -> bool {
    let (s, events) = get(app, "/api/v1/coop/events?limit=80", Some(token)).await;
    assert_eq!(s, 200, "{events}");
    events.as_array().unwrap().iter().any(|e| {
        e["kind"] == "membership.reinstated" && e["subject"]["id"] == json!(account_id.to_string())
    })
}

async fn dues_reinstate_lapsed_members(app: &common::TestApp) {
    let c = coop(app, 2).await;
    let t = &c.treasurer.1;
    let (by_hand, by_stripe) = (c.members[0].0, c.members[1].0);
    // The treasurer's own dues are paid a year ahead (recorded by the other treasurer), so
    // the treasurer stays active while the two members lapse.
    let (s, body) = app
        .post_json(
            &format!("/api/v1/coop/members/{}/dues", c.treasurer.0),
            &c.treasurer2.1,
            json!({ "amount": 6000, "periods": 12 }),
        )
        .await;
    assert_eq!(s, 200, "{body}");
    app.state.clock.advance(Duration::from_secs(91 * 86_400));
    herd::services::dues::lapse_overdue(&app.state)
        .await
        .unwrap();
    for id in [by_hand, by_stripe] {
        let (_, m) = get(app, &format!("/api/v1/coop/members/{id}"), Some(t)).await;
        assert_eq!(m["state"], "lapsed", "{m}");
        assert!(!reinstated_event(app, t, id).await);
    }
    let (_, me) = get(
        app,
        &format!("/api/v1/coop/members/{}", c.treasurer.0),
        Some(t),
    )
    .await;
    assert_eq!(me["state"], "active", "{me}");

    // Dues recorded by the (active) treasurer.
    let (s, tx) = app
        .post_json(
            &format!("/api/v1/coop/members/{by_hand}/dues"),
            t,
            json!({ "amount": 500 }),
        )
        .await;
    assert_eq!(s, 200, "{tx}");
    let (_, m) = get(app, &format!("/api/v1/coop/members/{by_hand}"), Some(t)).await;
    assert_eq!(m["state"], "active", "{m}");
    assert!(reinstated_event(app, t, by_hand).await);

    // Dues paid through Stripe's signed webhook.
    let now = app.state.clock.now_micros() / 1_000_000;
    let payload = json!({
        "id": "evt_reinstate", "object": "event", "type": "charge.succeeded", "api_version": "2024-06-20",
        "created": now, "livemode": false, "pending_webhooks": 1, "request": { "id": null },
        "data": { "object": {
            "id": "ch_reinstate", "object": "charge", "amount": 500, "currency": "eur",
            "balance_transaction": { "id": "txn_reinstate", "fee": 33, "net": 467 },
            "metadata": { "herd_account_id": by_stripe.to_string() }
        } }
    })
    .to_string();
    let (s, out) = deliver(app, &payload, &sign(&payload, now, SECRET)).await;
    assert_eq!(s, 200, "{out}");
    let (_, m) = get(app, &format!("/api/v1/coop/members/{by_stripe}"), Some(t)).await;
    assert_eq!(m["state"], "active", "{m}");
    assert!(reinstated_event(app, t, by_stripe).await);
    // Reinstated members vote again: their own dues history shows the payment.
    let (_, mine) = get(app, "/api/v1/coop/membership/dues", Some(&c.members[1].1)).await;
    assert_eq!(mine["payments"].as_array().unwrap().len(), 1, "{mine}");
}

on_both_backends!(
    reinstatement,
    dues_reinstate_lapsed_members,
    |config: &mut herd::config::Config| config.stripe.webhook_secret = SECRET.into()
);

async fn public_ledger(backend: common::Backend) -> Option<common::TestApp> {
    common::TestApp::spawn_with(backend, |config| {
        let dir = config.data_dir.join("bylaws");
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in herd_governance::bylaws::DEFAULT_DOCUMENTS {
            let text = text.replace("ledger_visibility: members", "ledger_visibility: public");
            std::fs::write(dir.join(name), text).unwrap();
        }
        config.bylaws_dir = dir.display().to_string();
    })
    .await
}

async fn public_visibility(app: &common::TestApp) {
    assert_eq!(get(app, "/api/v1/coop/ledger/accounts", None).await.0, 200);
    assert_eq!(
        get(
            app,
            "/api/v1/coop/ledger/report?from=2020-01-01&to=2030-01-01",
            None
        )
        .await
        .0,
        200
    );
    assert_eq!(get(app, "/api/v1/coop/ledger.csv", None).await.0, 200);
    assert_eq!(
        get(app, "/api/v1/coop/ledger/report?from=yesterday", None)
            .await
            .0,
        422
    );
}

mod visibility {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = public_ledger(common::Backend::Sqlite).await.expect("app");
        public_visibility(&app).await;
        app.stop().await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = public_ledger(common::Backend::Postgres).await {
            public_visibility(&app).await;
            app.stop().await;
        }
    }
}

async fn member_shares(app: &common::TestApp) {
    let c = coop(app, 2).await;
    let t = &c.treasurer.1;
    let (m_id, m_tok) = (c.members[0].0, &c.members[0].1);
    let before = count_transactions(app, t).await;
    // Only a treasurer records a share.
    let (s, _) = app
        .post_json(
            &format!("/api/v1/coop/members/{m_id}/share"),
            m_tok,
            json!({}),
        )
        .await;
    assert_eq!(s, 403);
    // Dues before and after the share, so the member's own history pages past the share.
    let pay_dues = || async {
        let (s, tx) = app
            .post_json(
                &format!("/api/v1/coop/members/{m_id}/dues"),
                t,
                json!({ "amount": 500 }),
            )
            .await;
        assert_eq!(s, 200, "{tx}");
        tx["id"].as_str().unwrap().to_string()
    };
    let first_dues = pay_dues().await;
    // The share price comes from the bylaws (1000 EUR cents in the default co-op).
    let (s, tx) = app
        .post_json(&format!("/api/v1/coop/members/{m_id}/share"), t, json!({}))
        .await;
    assert_eq!(s, 200, "{tx}");
    let second_dues = pay_dues().await;
    // The dues history is filtered before paging: a page of two holds both payments.
    let (s, mine) = get(app, "/api/v1/coop/membership/dues?limit=2", Some(m_tok)).await;
    assert_eq!(s, 200, "{mine}");
    let ids: Vec<&str> = mine["payments"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["id"].as_str())
        .collect();
    assert_eq!(ids, [second_dues.as_str(), first_dues.as_str()], "{mine}");
    let before = before + 2;
    assert_eq!(tx["kind"], "share");
    let b = balances(app, t).await;
    assert_eq!(b.get("equity:member-shares"), Some(&-1000));
    let (_, member) = get(app, &format!("/api/v1/coop/members/{m_id}"), Some(m_tok)).await;
    assert!(member["share_paid_at"].is_string(), "{member}");
    // Once only, and never for someone who is not a member or applicant.
    let (s, err) = app
        .post_json(&format!("/api/v1/coop/members/{m_id}/share"), t, json!({}))
        .await;
    assert_eq!(
        (s, err["error"].as_str()),
        (422, Some("This member's share is already paid"))
    );
    let (s, _) = app
        .post_json(
            &format!("/api/v1/coop/members/{}/share", c.outsider.0),
            t,
            json!({}),
        )
        .await;
    assert_eq!(s, 422);
    let (s, _) = app
        .post_json(
            &format!("/api/v1/coop/members/{m_id}/share"),
            t,
            json!({"account": "income:dues"}),
        )
        .await;
    assert_eq!(s, 422);
    assert_eq!(
        count_transactions(app, t).await,
        before + 1,
        "refusals post nothing"
    );
    let (_, events) = get(app, "/api/v1/coop/events", Some(m_tok)).await;
    assert!(
        events
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "membership.share_paid"),
        "{events}"
    );
}
on_both_backends!(shares, member_shares);

/// The co-op's public page (`/about`, the co-op actor's `url`) shows balances and the last
/// complete month's report when the bylaws make the ledger public, and nothing otherwise.
async fn public_page_shows_finances(app: &common::TestApp, public: bool) {
    use chrono::{Datelike, Duration as Days};
    let c = coop(app, 1).await;
    let t = &c.treasurer.1;
    let today = chrono::DateTime::from_timestamp_micros(app.state.clock.now_micros())
        .unwrap()
        .date_naive();
    let first = today.with_day(1).unwrap();
    let last_month = first - Days::days(20);
    let day = |d: chrono::NaiveDate| d.format("%Y-%m-%d").to_string();
    for (memo, amount, account, other, date) in [
        (
            "Opening balance",
            100_000,
            "assets:bank",
            "equity:opening-balances",
            Some(day(last_month)),
        ),
        (
            "Hosting, last month",
            4250,
            "expenses:hosting",
            "assets:bank",
            Some(day(last_month + Days::days(1))),
        ),
        (
            "Hosting, this month",
            4250,
            "expenses:hosting",
            "assets:bank",
            None,
        ),
    ] {
        let mut body = json!({ "memo": memo, "postings": [
            { "account": account, "amount": amount, "currency": "EUR" },
            { "account": other, "amount": -amount, "currency": "EUR" } ] });
        if let Some(d) = date {
            body["date"] = json!(d);
        }
        let (s, v) = app
            .post_json("/api/v1/coop/ledger/transactions", t, body)
            .await;
        assert_eq!(s, 200, "{v}");
    }
    let res = app.client.get(app.url("/about")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    if !public {
        assert!(
            !html.contains("id=\"finances\""),
            "members-only books stay off the public page"
        );
        assert!(!html.contains("915.00"));
        return;
    }
    let finances = html
        .split("id=\"finances\"")
        .nth(1)
        .expect("a Finances section")
        .split("</section>")
        .next()
        .unwrap();
    // Balances now: the bank after both bills, the opening balance in equity.
    assert!(
        finances.contains("Bank account</th><td class=\"amount\">915.00 EUR"),
        "{finances}"
    );
    assert!(
        finances.contains("Opening balances</th><td class=\"amount\">1000.00 EUR"),
        "{finances}"
    );
    // Last month's report: one hosting bill, not this month's.
    assert!(
        finances.contains(&last_month.format("%B %Y").to_string()),
        "{finances}"
    );
    assert!(
        finances.contains("Hosting and infrastructure</th><td class=\"amount\">42.50 EUR"),
        "{finances}"
    );
    assert!(
        finances.contains("Net</th><td class=\"amount\">-42.50 EUR"),
        "{finances}"
    );
    assert!(
        finances.contains(&format!("from={}", day(last_month.with_day(1).unwrap()))),
        "{finances}"
    );
}

mod public_page {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let app = public_ledger(common::Backend::Sqlite).await.expect("app");
        public_page_shows_finances(&app, true).await;
        app.stop().await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        if let Some(app) = public_ledger(common::Backend::Postgres).await {
            public_page_shows_finances(&app, true).await;
            app.stop().await;
        }
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn members_only() {
        let app = common::TestApp::spawn(common::Backend::Sqlite)
            .await
            .expect("app");
        public_page_shows_finances(&app, false).await;
        app.stop().await;
    }
}
