//! Co-op API request bodies: a field of the wrong type is a 422 in the co-op shape naming the
//! field, never a 500 or a message that names a Rust type; forms are read like JSON.

mod common;

use serde_json::{json, Value};

const PW: &str = "correct horse battery";

/// The one field `details` names, and its description.
fn named_field(body: &Value) -> (String, String) {
    let details = body["details"].as_object().expect("details");
    assert_eq!(details.len(), 1, "{body}");
    let (field, errors) = details.iter().next().expect("one field");
    (
        field.clone(),
        errors[0]["description"].as_str().unwrap_or("").to_string(),
    )
}

async fn wrong_types_are_named(app: &common::TestApp) {
    let admin = app.create_user_with("ada", PW, Some("admin"), true).await;
    let treasurer = app
        .create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    let _ = (admin, treasurer);
    let ada = app.login("ada", PW, "read write").await;
    let tess = app.login("tess", PW, "read write").await;

    for (path, token, body, field) in [
        (
            "/api/v1/coop/proposals",
            &ada,
            json!({ "kind": ["policy_amendment"], "title": "T" }),
            "kind",
        ),
        (
            "/api/v1/coop/proposals",
            &ada,
            json!({ "kind": "membership", "urgent": "perhaps" }),
            "urgent",
        ),
        (
            "/api/v1/coop/dues/checkout",
            &ada,
            json!({ "amount": { "cents": 5 } }),
            "amount",
        ),
        (
            "/api/v1/coop/membership",
            &ada,
            json!({ "dues": 5 }),
            "dues",
        ),
        (
            "/api/v1/coop/membership",
            &ada,
            json!({ "dues": { "periods": [1] } }),
            "dues.periods",
        ),
        (
            "/api/v1/coop/ledger/transactions",
            &tess,
            json!({ "memo": "m", "postings": [
                { "account": "assets:bank", "amount": 100, "currency": "EUR" },
                { "account": "income:dues", "amount": [1], "currency": "EUR" }] }),
            "postings[1].amount",
        ),
        (
            "/api/v1/coop/ledger/transactions",
            &tess,
            json!({ "memo": "m", "postings": "all of them" }),
            "postings",
        ),
        (
            "/api/v1/coop/expenses",
            &ada,
            json!({ "amount": 1000, "currency": "EUR", "description": ["disk"] }),
            "description",
        ),
    ] {
        let (s, body) = app.post_json(path, token, body).await;
        assert_eq!(s, 422, "{path} {field}: {body}");
        assert!(
            body["error"]
                .as_str()
                .is_some_and(|e| e.starts_with("Validation failed")),
            "{body}"
        );
        let (named, description) = named_field(&body);
        assert_eq!(named, field, "{body}");
        for rust in ["struct", "Body", "u64", "i64", "Option", "invalid type"] {
            assert!(!description.contains(rust), "{path}: {description}");
        }
    }
    // Nothing was written by any of them.
    let (_, proposals) = app.get_json("/api/v1/coop/proposals", Some(&ada)).await;
    assert_eq!(proposals, json!([]));
    let (_, txs) = app
        .get_json("/api/v1/coop/ledger/transactions", Some(&tess))
        .await;
    assert_eq!(txs, json!([]));
}
on_both_backends!(wrong_types, wrong_types_are_named);

async fn forms_read_like_json(app: &common::TestApp) {
    app.create_user_with("tess", PW, Some("treasurer"), true)
        .await;
    let tess = app.login("tess", PW, "read write").await;
    // A balanced transaction as a form, postings by index.
    let res = app
        .client
        .post(app.url("/api/v1/coop/ledger/transactions"))
        .bearer_auth(&tess)
        .form(&[
            ("memo", "Hosting"),
            ("date", "2025-03-01"),
            ("postings[0][account]", "expenses:hosting"),
            ("postings[0][amount]", "1250"),
            ("postings[0][currency]", "eur"),
            ("postings[1][account]", "assets:bank"),
            ("postings[1][amount]", "-1250"),
            ("postings[1][currency]", "EUR"),
        ])
        .send()
        .await
        .expect("post");
    let status = res.status().as_u16();
    let t: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["postings"][0]["amount"], 1250, "{t}");
    assert_eq!(t["postings"][0]["currency"], "EUR", "{t}");
    // A form's budgets by index, with a bad amount named as a list element.
    let res = app
        .client
        .put(app.url("/api/v1/coop/ledger/budgets"))
        .bearer_auth(&tess)
        .form(&[
            ("period", "2025-03"),
            ("budgets[0][category]", "hosting"),
            ("budgets[0][amount]", "12.50"),
        ])
        .send()
        .await
        .expect("put");
    assert_eq!(res.status().as_u16(), 422);
    let body: Value = res.json().await.unwrap_or(Value::Null);
    assert_eq!(named_field(&body).0, "budgets[0].amount", "{body}");
}
on_both_backends!(forms, forms_read_like_json);
