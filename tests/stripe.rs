//! Stripe Checkout and the Stripe API calls a webhook needs, against a small fake Stripe API
//! on loopback (axum on 127.0.0.1:0) reached through `stripe.api_base`: the fake checks the
//! secret key and the form fields as Stripe would receive them. `localstripe_subscription`
//! runs the same flow against localstripe (PyPI) when HERD_TEST_LOCALSTRIPE_URL points at one
//! (`.ci/stripe_local.sh` starts it); otherwise it says why it skips.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::{Form, Json, Router};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

const PW: &str = "correct horse battery";
const KEY: &str = "sk_test_herd_fake";
const SECRET: &str = "whsec_fake_stripe";

#[derive(Default)]
struct Fake {
    /// The form fields of every Checkout Session created.
    sessions: Vec<Vec<(String, String)>>,
    /// Every GET path read.
    reads: Vec<String>,
    /// Requests refused for a wrong key.
    unauthorized: usize,
    /// Balance transactions answer 500 while set.
    broken: bool,
}

type Shared = Arc<Mutex<Fake>>;

fn authorized(f: &Shared, headers: &HeaderMap) -> bool {
    let ok = headers.get("authorization").and_then(|v| v.to_str().ok())
        == Some(&format!("Bearer {KEY}"));
    if !ok {
        f.lock().unwrap().unauthorized += 1;
    }
    ok
}

fn refused() -> (StatusCode, Json<Value>) {
    (
        StatusCode::UNAUTHORIZED,
        Json(
            json!({ "error": { "type": "invalid_request_error", "message": "Invalid API Key provided" } }),
        ),
    )
}

async fn create_session(
    State(f): State<Shared>,
    headers: HeaderMap,
    Form(fields): Form<Vec<(String, String)>>,
) -> (StatusCode, Json<Value>) {
    if !authorized(&f, &headers) {
        return refused();
    }
    let ct = headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    assert!(ct.starts_with("application/x-www-form-urlencoded"), "{ct}");
    let mut fake = f.lock().unwrap();
    fake.sessions.push(fields);
    let id = format!("cs_test_{}", fake.sessions.len());
    (
        StatusCode::OK,
        Json(
            json!({ "id": id, "object": "checkout.session", "url": format!("https://checkout.stripe.test/c/pay/{id}") }),
        ),
    )
}

async fn retrieve(
    State(f): State<Shared>,
    headers: HeaderMap,
    Path((kind, id)): Path<(String, String)>,
) -> (StatusCode, Json<Value>) {
    if !authorized(&f, &headers) {
        return refused();
    }
    let mut fake = f.lock().unwrap();
    fake.reads.push(format!("{kind}/{id}"));
    match kind.as_str() {
        "balance_transactions" if fake.broken => (
            StatusCode::INTERNAL_SERVER_ERROR,
            Json(json!({ "error": { "message": "try again later" } })),
        ),
        "balance_transactions" => (
            StatusCode::OK,
            Json(json!({ "id": id, "object": "balance_transaction", "fee": 47 })),
        ),
        "charges" => (
            StatusCode::OK,
            Json(
                json!({ "id": id, "object": "charge", "balance_transaction": format!("txn_of_{id}") }),
            ),
        ),
        "subscriptions" => (
            StatusCode::OK,
            Json(
                json!({ "id": id, "object": "subscription", "metadata": { "herd_account_id": id.trim_start_matches("sub_member_") } }),
            ),
        ),
        _ => (
            StatusCode::NOT_FOUND,
            Json(json!({ "error": { "message": "No such object" } })),
        ),
    }
}

async fn fake_stripe() -> (String, Shared) {
    let shared: Shared = Arc::default();
    let app = Router::new()
        .route("/v1/checkout/sessions", post(create_session))
        .route("/v1/{kind}/{id}", get(retrieve))
        .with_state(shared.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (format!("http://{addr}"), shared)
}

fn field<'a>(fields: &'a [(String, String)], name: &str) -> Option<&'a str> {
    fields
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

fn sign(payload: &str, t: i64, secret: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.{payload}").as_bytes());
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

async fn deliver(app: &common::TestApp, id: &str, kind: &str, object: Value) -> (u16, Value) {
    let now = app.state.clock.now_micros() / 1_000_000;
    let payload = json!({ "id": id, "object": "event", "type": kind, "created": now,
        "api_version": "2024-06-20", "livemode": false, "pending_webhooks": 1, "request": { "id": null },
        "data": { "object": object } })
    .to_string();
    let res = app
        .client
        .post(app.url("/api/v1/coop/stripe/webhook"))
        .header("stripe-signature", sign(&payload, now, SECRET))
        .body(payload)
        .send()
        .await
        .unwrap();
    let s = res.status().as_u16();
    (s, res.json().await.unwrap_or(Value::Null))
}

async fn stripe_balances(app: &common::TestApp, token: &str) -> (i64, i64, i64) {
    let (_, accounts) = app
        .get_json("/api/v1/coop/ledger/accounts", Some(token))
        .await;
    let get = |code: &str| {
        accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["code"] == code)
            .and_then(|a| a["balances"]["EUR"].as_i64())
            .unwrap_or(0)
    };
    (
        get("assets:stripe"),
        get("income:dues"),
        get("expenses:fees:stripe"),
    )
}

async fn checkout_and_fees(app: &common::TestApp, fake: &Shared) {
    let me = app.create_user_with("payer", PW, None, true).await;
    let token = app.login("payer", PW, "read write").await;
    app.create_user_with("visitor", PW, None, false).await;
    let visitor = app.login("visitor", PW, "read write").await;

    // One-off: three months at 7.00 EUR.
    let (s, session) = app
        .post_json(
            "/api/v1/coop/dues/checkout",
            &token,
            json!({ "mode": "payment", "amount": 700, "periods": 3 }),
        )
        .await;
    assert_eq!(s, 200, "{session}");
    assert_eq!(
        session["url"],
        "https://checkout.stripe.test/c/pay/cs_test_1"
    );
    assert_eq!(session["amount"], 700);
    assert_eq!(session["currency"], "EUR");
    // Subscription: the bylaws' suggested 5.00 EUR a month.
    let (s, sub) = app
        .post_json(
            "/api/v1/coop/dues/checkout",
            &token,
            json!({ "mode": "subscription" }),
        )
        .await;
    assert_eq!(s, 200, "{sub}");
    assert_eq!(sub["amount"], 500);
    // DESIGN §7: `POST membership` pays dues too, through the same Checkout.
    let (s, via_membership) = app
        .post_json(
            "/api/v1/coop/membership",
            &token,
            json!({ "dues": { "mode": "payment", "amount": 900 } }),
        )
        .await;
    assert_eq!(s, 200, "{via_membership}");
    assert_eq!(via_membership["amount"], 900);
    assert!(
        via_membership["url"]
            .as_str()
            .is_some_and(|u| u.starts_with("https://checkout.stripe.test/")),
        "{via_membership}"
    );
    {
        let f = fake.lock().unwrap();
        assert_eq!(f.unauthorized, 0);
        let one = &f.sessions[0];
        let m = me.to_string();
        assert_eq!(field(one, "mode"), Some("payment"));
        assert_eq!(
            field(one, "line_items[0][price_data][currency]"),
            Some("eur")
        );
        assert_eq!(
            field(one, "line_items[0][price_data][unit_amount]"),
            Some("700")
        );
        assert_eq!(field(one, "line_items[0][quantity]"), Some("3"));
        assert_eq!(
            field(one, "payment_intent_data[metadata][herd_account_id]"),
            Some(m.as_str())
        );
        assert_eq!(
            field(one, "payment_intent_data[metadata][herd_periods]"),
            Some("3")
        );
        assert_eq!(field(one, "client_reference_id"), Some(m.as_str()));
        assert_eq!(field(one, "customer_email"), Some("payer@example.org"));
        assert!(field(one, "success_url").unwrap().starts_with(&app.base));
        let two = &f.sessions[1];
        assert_eq!(field(two, "mode"), Some("subscription"));
        assert_eq!(
            field(two, "line_items[0][price_data][recurring][interval]"),
            Some("month")
        );
        assert_eq!(field(two, "line_items[0][quantity]"), Some("1"));
        assert_eq!(
            field(two, "subscription_data[metadata][herd_account_id]"),
            Some(m.as_str())
        );
        assert_eq!(
            field(&f.sessions[2], "line_items[0][price_data][unit_amount]"),
            Some("900")
        );
    }
    // Bad input: a clear 422 and nothing sent to Stripe.
    for (body, why) in [
        (json!({ "amount": 50 }), "below the sliding scale"),
        (json!({ "amount": 2500 }), "above the sliding scale"),
        (json!({ "amount": 5.5 }), "not whole cents"),
        (json!({ "mode": "weekly" }), "unknown mode"),
        (
            json!({ "mode": "subscription", "periods": 3 }),
            "periods of a subscription",
        ),
        (json!({ "periods": 0 }), "no period"),
    ] {
        let (s, e) = app
            .post_json("/api/v1/coop/dues/checkout", &token, body.clone())
            .await;
        assert_eq!(s, 422, "{why}: {body} → {e}");
        assert!(e["error"].is_string());
    }
    let (s, _) = app
        .post_json("/api/v1/coop/dues/checkout", &visitor, json!({}))
        .await;
    assert_eq!(s, 422, "not a member");
    assert_eq!(fake.lock().unwrap().sessions.len(), 3);

    // The one-off payment arrives with its balance transaction as an id: Herd reads the fee.
    let charge = json!({ "id": "ch_one", "object": "charge", "amount": 2100, "currency": "eur",
        "balance_transaction": "txn_one", "invoice": null,
        "metadata": { "herd_account_id": me.to_string(), "herd_periods": "3" } });
    // While Stripe's API fails, the event is answered 503 (Stripe retries) and nothing is written.
    fake.lock().unwrap().broken = true;
    let (s, e) = deliver(app, "evt_one", "charge.succeeded", charge.clone()).await;
    assert_eq!(s, 503, "{e}");
    assert_eq!(stripe_balances(app, &token).await, (0, 0, 0));
    fake.lock().unwrap().broken = false;
    let (s, e) = deliver(app, "evt_one", "charge.succeeded", charge).await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(e["duplicate"], false);
    assert_eq!(stripe_balances(app, &token).await, (2100 - 47, -2100, 47));
    let (_, mine) = app
        .get_json("/api/v1/coop/membership/dues", Some(&token))
        .await;
    let paid_until_one_off = mine["paid_until"].as_str().unwrap().to_string();

    // A subscription's invoice without metadata or an expanded charge: Herd reads the
    // subscription (for the member) and the charge and its balance transaction (for the fee).
    let invoice = json!({ "id": "in_sub_1", "object": "invoice", "amount_paid": 500, "currency": "eur",
        "subscription": format!("sub_member_{me}"), "charge": "ch_sub_1", "status": "paid" });
    let (s, e) = deliver(app, "evt_sub_1", "invoice.paid", invoice).await;
    assert_eq!(s, 200, "{e}");
    assert_eq!(
        stripe_balances(app, &token).await,
        (2100 + 500 - 2 * 47, -2600, 94)
    );
    let (_, mine) = app
        .get_json("/api/v1/coop/membership/dues", Some(&token))
        .await;
    assert_eq!(mine["payments"].as_array().unwrap().len(), 2, "{mine}");
    assert!(mine["paid_until"].as_str().unwrap() > paid_until_one_off.as_str());
    let reads = fake.lock().unwrap().reads.clone();
    for r in [
        "balance_transactions/txn_one",
        "subscriptions/sub_member_",
        "charges/ch_sub_1",
        "balance_transactions/txn_of_ch_sub_1",
    ] {
        assert!(reads.iter().any(|x| x.starts_with(r)), "{r} in {reads:?}");
    }
    assert_eq!(fake.lock().unwrap().unauthorized, 0);
}

async fn spawn(backend: common::Backend, base: &str) -> Option<common::TestApp> {
    let base = base.to_string();
    common::TestApp::spawn_with(backend, move |c| {
        c.stripe.secret_key = KEY.into();
        c.stripe.webhook_secret = SECRET.into();
        c.stripe.api_base = base;
    })
    .await
}

mod checkout {
    use super::*;
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn sqlite() {
        let (base, fake) = fake_stripe().await;
        let app = spawn(common::Backend::Sqlite, &base).await.expect("app");
        checkout_and_fees(&app, &fake).await;
        app.stop().await;
    }
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres() {
        let (base, fake) = fake_stripe().await;
        if let Some(app) = spawn(common::Backend::Postgres, &base).await {
            checkout_and_fees(&app, &fake).await;
            app.stop().await;
        }
    }
}

/// Without a Stripe key the instance runs; checkout says so clearly, everything else works.
async fn without_stripe(app: &common::TestApp) {
    app.create_user_with("payer", PW, None, true).await;
    let token = app.login("payer", PW, "read write").await;
    let (s, e) = app
        .post_json("/api/v1/coop/dues/checkout", &token, json!({}))
        .await;
    assert_eq!(s, 503, "{e}");
    assert!(
        e["error"].as_str().unwrap().contains("not configured"),
        "{e}"
    );
    let (s, e) = app
        .post_json("/api/v1/coop/membership", &token, json!({"dues": {}}))
        .await;
    assert_eq!(s, 503, "{e}");
    // Without `dues` it stays the application it was: an active member is told so.
    let (s, e) = app
        .post_json("/api/v1/coop/membership", &token, json!({}))
        .await;
    assert_eq!(s, 422, "{e}");
    let (s, _) = app
        .get_json("/api/v1/coop/membership/dues", Some(&token))
        .await;
    assert_eq!(s, 200);
    let res = app
        .client
        .post(app.url("/api/v1/coop/stripe/webhook"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}
on_both_backends!(no_stripe, without_stripe);

/// The same flow against localstripe: Herd's Checkout call reaches it with the key (and fails
/// cleanly, as localstripe has no Checkout), then a subscription paid on localstripe sends a
/// signed `invoice.payment_succeeded` to Herd, which reads the subscription, the payment
/// intent, the charge and the balance transaction back from localstripe and posts the dues.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn localstripe_subscription() {
    let Ok(ls) = std::env::var("HERD_TEST_LOCALSTRIPE_URL") else {
        eprintln!("skipping: HERD_TEST_LOCALSTRIPE_URL is not set (.ci/stripe_local.sh starts localstripe and sets it)");
        return;
    };
    let ls = ls.trim_end_matches('/').to_string();
    let key = "sk_test_herd_localstripe";
    let secret = format!("whsec_{}", uuid::Uuid::new_v4().simple());
    let app = {
        let (ls, secret) = (ls.clone(), secret.clone());
        common::TestApp::spawn_with(common::Backend::Sqlite, move |c| {
            c.stripe.secret_key = key.into();
            c.stripe.webhook_secret = secret;
            c.stripe.api_base = ls;
        })
        .await
        .unwrap()
    };
    let me = app.create_user_with("payer", PW, None, true).await;
    let token = app.login("payer", PW, "read write").await;
    let client = reqwest::Client::new();
    let ls_post = |path: &str, form: Vec<(&str, String)>| {
        client
            .post(format!("{ls}{path}"))
            .bearer_auth(key)
            .form(&form)
            .send()
    };
    let hook = format!("herd{}", &secret[6..14]);
    let res = ls_post(
        &format!("/_config/webhooks/{hook}"),
        vec![
            ("url", app.url("/api/v1/coop/stripe/webhook")),
            ("secret", secret.clone()),
        ],
    )
    .await
    .unwrap();
    assert!(res.status().is_success(), "{}", res.text().await.unwrap());

    // Herd reaches localstripe with its key; localstripe has no Checkout, so Herd answers 502
    // naming Stripe's refusal, and nothing is written.
    let (s, e) = app
        .post_json(
            "/api/v1/coop/dues/checkout",
            &token,
            json!({ "mode": "subscription" }),
        )
        .await;
    assert_eq!(s, 502, "{e}");

    // What Checkout would have set up: a customer with a card, a monthly price, a
    // subscription carrying the member's id in its metadata.
    let card: Value = ls_post(
        "/v1/tokens",
        vec![
            ("card[number]", "4242424242424242".into()),
            ("card[exp_month]", "12".into()),
            ("card[exp_year]", "2040".into()),
            ("card[cvc]", "123".into()),
        ],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let customer: Value = ls_post(
        "/v1/customers",
        vec![
            ("email", "payer@example.org".into()),
            ("source", card["id"].as_str().expect("token id").to_string()),
        ],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let plan_id = format!("herd-dues-{}", &secret[6..14]);
    let plan: Value = ls_post(
        "/v1/plans",
        vec![
            ("id", plan_id.clone()),
            ("amount", "500".into()),
            ("currency", "eur".into()),
            ("interval", "month".into()),
            ("product[name]", "Membership dues".into()),
        ],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(plan["id"], plan_id.as_str(), "{plan}");
    let sub: Value = ls_post(
        "/v1/subscriptions",
        vec![
            (
                "customer",
                customer["id"].as_str().expect("customer id").to_string(),
            ),
            ("items[0][plan]", plan_id),
            ("metadata[herd_account_id]", me.to_string()),
        ],
    )
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    assert_eq!(sub["status"], "active", "{sub}");

    // localstripe delivers the signed event about a second later.
    let mut payments = 0;
    for _ in 0..40 {
        tokio::time::sleep(Duration::from_millis(250)).await;
        let (_, mine) = app
            .get_json("/api/v1/coop/membership/dues", Some(&token))
            .await;
        payments = mine["payments"].as_array().map(Vec::len).unwrap_or(0);
        if payments > 0 {
            assert!(mine["paid_until"].is_string(), "{mine}");
            break;
        }
    }
    assert_eq!(
        payments, 1,
        "localstripe's invoice.payment_succeeded posted the dues"
    );
    let (stripe, dues, _fee) = stripe_balances(&app, &token).await;
    assert_eq!((stripe, dues), (500, -500));
    app.stop().await;
}
