//! Concurrent writers of the ledger's hash chain (the point is PostgreSQL, where requests
//! really run in parallel; SQLite has one writer): two treasurers posting at once, dues
//! recorded meanwhile, and one Stripe event delivered twice at the same moment. Every request
//! succeeds, the event posts once, and the chain stays linear: seq 1…n with no gap or fork,
//! each transaction pointing at its predecessor's hash, and verification passes.

mod common;

use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;
use tokio::task::JoinSet;

const PW: &str = "correct horse battery";
const SECRET: &str = "whsec_race";
const ROUNDS: usize = 12;

async fn post(client: reqwest::Client, url: String, token: String, body: Value) -> (u16, Value) {
    let res = client
        .post(url)
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

async fn racing_writers_keep_the_chain_linear(app: &common::TestApp) {
    app.create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    app.create_user_with("toby", PW, Some("treasurer"), true)
        .await;
    let member = app.create_user_with("mia", PW, None, true).await;
    let tokens = [
        app.login("tess", PW, "read write").await,
        app.login("toby", PW, "read write").await,
    ];
    let mut set = JoinSet::new();
    for round in 0..ROUNDS {
        for (k, token) in tokens.iter().enumerate() {
            let body = json!({ "memo": format!("bill {round}/{k}"), "postings": [
                { "account": "expenses:hosting", "amount": 100 + round, "currency": "EUR" },
                { "account": "assets:bank", "amount": -(100 + round as i64), "currency": "EUR" } ] });
            set.spawn(post(
                app.client.clone(),
                app.url("/api/v1/coop/ledger/transactions"),
                token.clone(),
                body,
            ));
        }
        if round % 4 == 0 {
            set.spawn(post(
                app.client.clone(),
                app.url(&format!("/api/v1/coop/members/{member}/dues")),
                tokens[round % 2].clone(),
                json!({ "amount": 500 }),
            ));
        }
    }
    // The same Stripe event, delivered twice at once.
    let now = app.state.clock.now_micros() / 1_000_000;
    let payload = json!({ "id": "evt_race", "object": "event", "type": "charge.succeeded",
        "created": now, "data": { "object": { "id": "ch_race", "object": "charge", "amount": 700,
        "currency": "eur", "invoice": null, "balance_transaction": { "id": "txn_race", "fee": 30 },
        "metadata": { "herd_account_id": member.to_string() } } } })
    .to_string();
    let mut mac = Hmac::<Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
    mac.update(format!("{now}.{payload}").as_bytes());
    let sig = format!("t={now},v1={}", hex::encode(mac.finalize().into_bytes()));
    for _ in 0..2 {
        let (client, url, payload, sig) = (
            app.client.clone(),
            app.url("/api/v1/coop/stripe/webhook"),
            payload.clone(),
            sig.clone(),
        );
        set.spawn(async move {
            let res = client
                .post(url)
                .header("stripe-signature", sig)
                .body(payload)
                .send()
                .await
                .unwrap();
            let s = res.status().as_u16();
            (s, res.json().await.unwrap_or(Value::Null))
        });
    }
    let mut webhook_posts = 0;
    while let Some(r) = set.join_next().await {
        let (s, v) = r.unwrap();
        assert_eq!(s, 200, "{v}");
        if v["received"] == true && v["duplicate"] == false {
            webhook_posts += 1;
        }
    }
    assert_eq!(webhook_posts, 1, "the event posts once");

    let expected = 2 * ROUNDS + ROUNDS / 4 + 1;
    let (s, v) = app
        .get_json("/api/v1/coop/ledger/verify", Some(&tokens[0]))
        .await;
    assert_eq!(s, 200);
    assert_eq!(v["valid"], true, "{v}");
    assert_eq!(v["transactions"], expected, "{v}");
    let (_, list) = app
        .get_json(
            "/api/v1/coop/ledger/transactions?limit=200",
            Some(&tokens[0]),
        )
        .await;
    let mut chain: Vec<(i64, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["seq"].as_i64().unwrap(),
                t["prev_hash"].as_str().unwrap().to_string(),
                t["hash"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    chain.sort();
    assert_eq!(chain.len(), expected);
    let mut prev = "0".repeat(64);
    for (i, (seq, prev_hash, hash)) in chain.iter().enumerate() {
        assert_eq!(*seq, i as i64 + 1, "no gap, no duplicate seq");
        assert_eq!(prev_hash, &prev, "seq {seq} points at its predecessor");
        prev = hash.clone();
    }
}

fn with_webhook_secret(config: &mut herd::config::Config) {
    config.stripe.webhook_secret = SECRET.into();
    config.database.max_connections = 8;
}

on_both_backends!(
    race,
    racing_writers_keep_the_chain_linear,
    with_webhook_secret
);
