//! "Prove it": a year of a small co-op over HTTP, on both backends. Twenty members pay dues —
//! ten through Stripe (five one-off charges, five subscriptions, all as signed webhooks), ten by
//! bank transfer recorded by a treasurer —, hosting is paid every month, one wrong entry is
//! reversed, one expense above the bylaws' threshold goes through an expense proposal that
//! the closing job enacts, and one expense is rejected. At the end the API's income statement
//! and balance sheet, the account balances and the CSV export all match the hand computation
//! below, and the submitters got a mail for every decision.

mod common;

use std::collections::BTreeMap;
use std::time::Duration;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const PW: &str = "correct horse battery";
const SECRET: &str = "whsec_year_of_a_coop";
const DAY: u64 = 86_400;

// ---- the hand computation (EUR cents) ----
//
// Stripe, one-off charges, members 0–4 pay 3.00, 4.00, 5.00, 6.00, 7.00 a month;
// subscriptions, members 5–9 pay 8.00, 9.00, 10.00, 11.00, 12.00 a month:
//   gross per month 300+400+…+1200 = 7 500, over 12 months             = 90 000
// Stripe's fee in the fixtures is 0.25 + 1.5 % rounded down:
//   29+31+32+34+35+37+38+40+41+43 = 360 per month, over 12 months      =  4 320
// Bank transfers, members 10–19, quarterly (3 months at once) at 2.00, 2.50, … 6.50:
//   3 × (200+250+…+650) = 3 × 4 250 = 12 750 a quarter, × 4            = 51 000
// Hosting 39.90 a month × 12                                           = 47 880
//   (plus one hosting bill entered twice in May and reversed: net 0)
// The new server, approved by proposal and paid from the bank          = 60 000
// The conference ticket, rejected: never posted                        =      0
// Opening balance brought in from the old bank account                 = 150 000
const DUES_STRIPE: i64 = 90_000;
const STRIPE_FEES: i64 = 4_320;
const DUES_BANK: i64 = 51_000;
const HOSTING: i64 = 47_880 + 60_000;
const OPENING: i64 = 150_000;
// income 141 000; expenses 4 320 + 107 880 = 112 200; net 28 800.
const INCOME: i64 = 141_000;
const EXPENSES: i64 = 112_200;
const NET: i64 = 28_800;
// assets:stripe 90 000 − 4 320 = 85 680; assets:bank 150 000 + 51 000 − 47 880 − 60 000 = 93 120
const STRIPE_BALANCE: i64 = 85_680;
const BANK_BALANCE: i64 = 93_120;

fn fee(amount: i64) -> i64 {
    25 + amount * 15 / 1000
}

fn sign(payload: &str, t: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{t}.{payload}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// Delivers an event as Stripe would: created now, signed now.
async fn deliver(app: &common::TestApp, id: &str, kind: &str, object: Value) -> Value {
    let now = app.state.clock.now_micros() / 1_000_000;
    let payload = json!({
        "id": id, "object": "event", "type": kind, "api_version": "2024-06-20",
        "created": now, "livemode": false, "pending_webhooks": 1, "request": { "id": null },
        "data": { "object": object }
    })
    .to_string();
    let res = app
        .client
        .post(app.url("/api/v1/coop/stripe/webhook"))
        .header("stripe-signature", sign(&payload, now))
        .header("content-type", "application/json")
        .body(payload)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{id}: {body}");
    body
}

fn charge(id: &str, member: i64, amount: i64) -> Value {
    json!({
        "id": id, "object": "charge", "amount": amount, "currency": "eur", "invoice": null,
        "balance_transaction": { "id": format!("txn_{id}"), "object": "balance_transaction",
                                 "fee": fee(amount), "net": amount - fee(amount) },
        "metadata": { "herd_account_id": member.to_string(), "herd_periods": "1" }
    })
}

fn invoice(id: &str, member: i64, amount: i64) -> Value {
    json!({
        "id": id, "object": "invoice", "amount_paid": amount, "currency": "eur",
        "subscription": format!("sub_{member}"), "status": "paid",
        "subscription_details": { "metadata": { "herd_account_id": member.to_string() } },
        "charge": { "id": format!("ch_{id}"), "object": "charge", "amount": amount,
                    "balance_transaction": { "id": format!("txn_{id}"), "fee": fee(amount) } }
    })
}

async fn post(app: &common::TestApp, path: &str, token: &str, body: Value) -> Value {
    let (s, v) = app.post_json(path, token, body).await;
    assert_eq!(s, 200, "{path}: {v}");
    v
}

fn hosting(memo: &str) -> Value {
    json!({ "memo": memo, "counterparty": "Hetzner", "category": "hosting", "postings": [
        { "account": "expenses:hosting", "amount": 3990, "currency": "EUR" },
        { "account": "assets:bank", "amount": -3990, "currency": "EUR" } ] })
}

/// One CSV record (RFC 4180 quoting, no line breaks inside fields here).
fn csv_fields(line: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                chars.next();
                out.last_mut().unwrap().push('"');
            }
            ('"', _) => quoted = !quoted,
            (',', false) => out.push(String::new()),
            (c, _) => out.last_mut().unwrap().push(c),
        }
    }
    out
}

fn mails_to(app: &common::TestApp, who: &str, subject: &str) -> usize {
    app.mails()
        .iter()
        .filter(|m| m.contains(&format!("To: {who}@example.org")) && m.contains(subject))
        .count()
}

async fn a_year_of_a_small_coop(app: &common::TestApp) {
    // Whole seconds: Stripe dates its events in seconds.
    let year_start = app.state.clock.now_micros() / 1_000_000 * 1_000_000;
    // Two treasurers the members elected for the year (roles are held for a term: a founding
    // one would end after three months), written here as the election would.
    let tess = app.create_user_with("tess", PW, None, true).await;
    let tess_t = app.login("tess", PW, "read write").await;
    let toby = app.create_user_with("toby", PW, None, true).await;
    let toby_t = app.login("toby", PW, "read write").await;
    for who in [tess, toby] {
        let now = app.state.clock.now_micros();
        let mut tx = app.state.db.begin_write().await.unwrap();
        herd::storage::governance::insert_role_grant_until(
            &mut **tx,
            herd::ids::next_id_at(now / 1000),
            who,
            "treasurer",
            "proposal:0",
            now,
            Some(now + 400 * 86_400 * 1_000_000),
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
    }
    let mut members = Vec::new();
    for i in 0..20 {
        members.push(
            app.create_user_with(&format!("m{i:02}"), PW, None, true)
                .await,
        );
    }
    // Six members vote on the expense proposal; the first two submit expenses.
    let mut voters = Vec::new();
    for i in 0..6 {
        voters.push(app.login(&format!("m{i:02}"), PW, "read write").await);
    }
    let _ = tess;

    post(
        app,
        "/api/v1/coop/ledger/transactions",
        &tess_t,
        json!({ "memo": "Opening balance from the old bank account", "category": "opening",
                "postings": [ { "account": "assets:bank", "amount": OPENING, "currency": "EUR" },
                              { "account": "equity:opening-balances", "amount": -OPENING, "currency": "EUR" } ] }),
    )
    .await;

    let mut big_expense = String::new();
    for month in 0..12 {
        if month > 0 {
            // Month 7 starts 27 days after month 6, whose vote took three days.
            let days = if month == 7 { 27 } else { 30 };
            app.state.clock.advance(Duration::from_secs(days * DAY));
        }
        for (i, &m) in members.iter().enumerate().take(10) {
            let amount = 300 + 100 * i as i64;
            if i < 5 {
                let ch = format!("ch_{month}_{i}");
                let out = deliver(
                    app,
                    &format!("evt_ch_{month}_{i}"),
                    "charge.succeeded",
                    charge(&ch, m, amount),
                )
                .await;
                assert_eq!(out["duplicate"], false, "{out}");
            } else {
                let inv = format!("in_{month}_{i}");
                let out = deliver(
                    app,
                    &format!("evt_in_{month}_{i}"),
                    "invoice.paid",
                    invoice(&inv, m, amount),
                )
                .await;
                assert_eq!(out["duplicate"], false, "{out}");
                if month == 0 {
                    // Stripe also sends invoice.payment_succeeded for the same invoice, and
                    // redelivers events: neither is counted twice.
                    let again = deliver(
                        app,
                        &format!("evt_ps_{month}_{i}"),
                        "invoice.payment_succeeded",
                        invoice(&inv, m, amount),
                    )
                    .await;
                    assert_eq!(again["duplicate"], true, "{again}");
                    assert!(again["transaction_id"].is_null());
                }
            }
        }
        if month % 3 == 0 {
            for (j, &m) in members.iter().enumerate().skip(10) {
                let rate = 200 + 50 * (j as i64 - 10);
                let tx = post(
                    app,
                    &format!("/api/v1/coop/members/{m}/dues"),
                    &tess_t,
                    json!({ "amount": 3 * rate, "periods": 3, "memo": "Dues by bank transfer for one quarter" }),
                )
                .await;
                assert_eq!(tx["kind"], "dues");
            }
        }
        let bill = post(
            app,
            "/api/v1/coop/ledger/transactions",
            &toby_t,
            hosting(&format!("Hosting, month {}", month + 1)),
        )
        .await;
        if month == 4 {
            // The same bill entered twice; the treasurer reverses the second one.
            let dup = post(
                app,
                "/api/v1/coop/ledger/transactions",
                &toby_t,
                hosting(&format!("Hosting, month {}", month + 1)),
            )
            .await;
            assert_ne!(dup["id"], bill["id"]);
            let rev = post(
                app,
                "/api/v1/coop/ledger/transactions",
                &tess_t,
                json!({ "memo": "Hosting bill entered twice", "reverses": dup["id"] }),
            )
            .await;
            assert_eq!(rev["reverses"], dup["id"]);
            assert_eq!(rev["kind"], "reversal");
        }
        if month == 6 {
            big_expense = the_new_server(app, &tess_t, &toby_t, &voters).await;
        }
        if month == 8 {
            let e = post(
                app,
                "/api/v1/coop/expenses",
                &voters[1],
                json!({ "amount": 45_000, "currency": "EUR", "description": "Conference ticket", "category": "general" }),
            )
            .await;
            let id = e["id"].as_str().unwrap();
            let r = post(
                app,
                &format!("/api/v1/coop/expenses/{id}/reject"),
                &tess_t,
                json!({ "reason": "Not in this year's budget" }),
            )
            .await;
            assert_eq!(r["state"], "rejected");
        }
    }

    // ---- the year's figures, from the API ----
    let from = herd::time::iso(year_start);
    let to = herd::time::iso(year_start + 365 * DAY as i64 * 1_000_000);
    app.state.clock.advance(Duration::from_secs(30 * DAY));
    let (s, report) = app
        .get_json(
            &format!("/api/v1/coop/ledger/report?from={from}&to={to}"),
            Some(&voters[3]),
        )
        .await;
    assert_eq!(s, 200, "{report}");
    let is = &report["income_statement"];
    assert_eq!(is["total_income"]["EUR"], INCOME, "{is}");
    assert_eq!(is["total_expenses"]["EUR"], EXPENSES, "{is}");
    assert_eq!(is["net"]["EUR"], NET, "{is}");
    let line = |lines: &Value, code: &str| -> i64 {
        lines
            .as_array()
            .unwrap()
            .iter()
            .find(|l| l["code"] == code)
            .and_then(|l| l["amounts"]["EUR"].as_i64())
            .unwrap_or_else(|| panic!("{code} in {lines}"))
    };
    assert_eq!(line(&is["income"], "income:dues"), DUES_STRIPE + DUES_BANK);
    assert_eq!(line(&is["expenses"], "expenses:hosting"), HOSTING);
    assert_eq!(line(&is["expenses"], "expenses:fees:stripe"), STRIPE_FEES);
    let bs = &report["balance_sheet"];
    assert_eq!(bs["balanced"], true, "{bs}");
    assert_eq!(line(&bs["assets"], "assets:bank"), BANK_BALANCE);
    assert_eq!(line(&bs["assets"], "assets:stripe"), STRIPE_BALANCE);
    assert_eq!(bs["total_assets"]["EUR"], BANK_BALANCE + STRIPE_BALANCE);
    assert_eq!(line(&bs["equity"], "equity:opening-balances"), OPENING);
    assert_eq!(bs["retained_earnings"]["EUR"], NET);

    // The account balances (debits positive) say the same.
    let (s, accounts) = app
        .get_json("/api/v1/coop/ledger/accounts", Some(&voters[3]))
        .await;
    assert_eq!(s, 200);
    let balances: BTreeMap<String, i64> = accounts
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|a| {
            Some((
                a["code"].as_str()?.to_string(),
                a["balances"]["EUR"].as_i64()?,
            ))
        })
        .collect();
    assert_eq!(balances["assets:bank"], BANK_BALANCE);
    assert_eq!(balances["assets:stripe"], STRIPE_BALANCE);
    assert_eq!(balances["income:dues"], -INCOME);
    assert_eq!(balances["expenses:fees:stripe"], STRIPE_FEES);
    assert_eq!(balances["expenses:hosting"], HOSTING);
    assert_eq!(balances["equity:opening-balances"], -OPENING);
    assert_eq!(balances.values().sum::<i64>(), 0, "trial balance");

    // The CSV export of the year sums to the same balances, account by account.
    let res = app
        .client
        .get(app.url(&format!("/api/v1/coop/ledger.csv?from={from}&to={to}")))
        .bearer_auth(&voters[3])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csv = res.text().await.unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let (acc, amt) = (col("account"), col("amount_minor"));
    let mut from_csv: BTreeMap<String, i64> = BTreeMap::new();
    let mut rows = 0;
    for l in lines {
        let f = csv_fields(l);
        assert_eq!(f.len(), header.len(), "{l}");
        *from_csv.entry(f[acc].clone()).or_default() += f[amt].parse::<i64>().unwrap();
        rows += 1;
    }
    from_csv.retain(|_, v| *v != 0);
    assert_eq!(
        from_csv,
        balances
            .clone()
            .into_iter()
            .filter(|(_, v)| *v != 0)
            .collect()
    );
    // 1 opening + 60 charges (4 postings) + 60 invoices (4) + 40 bank dues + 13 hosting bills
    // + 1 reversal + 1 expense payment, two postings each where not said.
    assert_eq!(rows, 2 + 60 * 4 + 60 * 4 + 40 * 2 + 13 * 2 + 2 + 2);

    // Members see their own dues: a Stripe subscriber has 12 payments, a bank payer 4.
    let (_, mine) = app
        .get_json("/api/v1/coop/membership/dues", Some(&voters[5]))
        .await;
    assert_eq!(mine["payments"].as_array().unwrap().len(), 12, "{mine}");

    // The chain verifies, over HTTP and with `herd ledger verify`.
    let (_, v) = app
        .get_json("/api/v1/coop/ledger/verify", Some(&voters[3]))
        .await;
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["transactions"], 1 + 60 + 60 + 40 + 13 + 1 + 1);

    // Every decision reached its submitter: approved and paid (m00), rejected (m01).
    app.run_jobs().await;
    assert_eq!(mails_to(app, "m00", "Expense approved"), 1);
    assert_eq!(mails_to(app, "m00", "Expense paid"), 1);
    assert_eq!(mails_to(app, "m01", "Expense rejected"), 1);
    let rejected = app
        .mails()
        .into_iter()
        .find(|m| m.contains("To: m01@example.org") && m.contains("Expense rejected"))
        .unwrap();
    assert!(rejected.contains("Not in this year's budget"), "{rejected}");
    let (_, e) = app
        .get_json(
            &format!("/api/v1/coop/expenses/{big_expense}"),
            Some(&voters[3]),
        )
        .await;
    assert_eq!(e["state"], "paid");
}

/// Month 7: a 600.00 EUR server, above the treasurer's 200.00 threshold: created as an
/// expense, turned into a proposal in one step, voted, enacted by the closing job, paid.
async fn the_new_server(
    app: &common::TestApp,
    tess: &str,
    toby: &str,
    voters: &[String],
) -> String {
    let e = post(
        app,
        "/api/v1/coop/expenses",
        &voters[0],
        json!({ "amount": 60_000, "currency": "EUR", "description": "New server", "category": "hosting" }),
    )
    .await;
    let id = e["id"].as_str().unwrap().to_string();
    let (s, refused) = app
        .post_json(
            &format!("/api/v1/coop/expenses/{id}/approve"),
            tess,
            json!({}),
        )
        .await;
    assert_eq!(s, 422, "{refused}");
    let opened = post(
        app,
        &format!("/api/v1/coop/expenses/{id}/proposal"),
        &voters[0],
        json!({}),
    )
    .await;
    let pid = opened["proposal_id"].as_str().unwrap().to_string();
    for (k, v) in voters.iter().enumerate() {
        let choice = if k == 5 { "no" } else { "yes" };
        post(
            app,
            &format!("/api/v1/coop/proposals/{pid}/votes"),
            v,
            json!({ "choice": choice }),
        )
        .await;
    }
    // The vote runs its three days; the queued closing job closes and enacts it.
    app.state.clock.advance(Duration::from_secs(3 * DAY + 60));
    assert!(app.run_jobs().await >= 1);
    let (_, p) = app
        .get_json(&format!("/api/v1/coop/proposals/{pid}"), Some(&voters[0]))
        .await;
    assert_eq!(p["state"], "enacted", "{p}");
    assert_eq!(p["result"]["voted"], 6, "{p}");
    let (_, e) = app
        .get_json(&format!("/api/v1/coop/expenses/{id}"), Some(&voters[0]))
        .await;
    assert_eq!(e["state"], "approved", "{e}");
    assert_eq!(e["proposal_id"], pid);
    let paid = post(
        app,
        &format!("/api/v1/coop/expenses/{id}/pay"),
        toby,
        json!({}),
    )
    .await;
    assert_eq!(paid["state"], "paid");
    assert!(paid["transaction_id"].is_string());
    id
}

fn with_webhook_secret(config: &mut herd::config::Config) {
    config.stripe.webhook_secret = SECRET.into();
}

on_both_backends!(year, a_year_of_a_small_coop, with_webhook_secret);
