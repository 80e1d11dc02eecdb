//! Membership dues: recorded by a treasurer (paid another way; never their own) or arriving by
//! Stripe's signed webhook (idempotent by event id), each posting ledger entries and extending
//! the member's `dues_paid_until` in one transaction, with what it granted recorded so that a
//! ledger reversal takes it back; and lapsing members whose dues are overdue as the bylaws say.

use herd_governance::bylaws::DuesPeriod;
use herd_governance::dues as dues_rules;
use herd_governance::ledger::{self, Draft, Posting};
use hmac::{Hmac, Mac};
use serde_json::{json, Value};
use sha2::Sha256;

use crate::error::{AppError, AppResult};
use crate::services::ledger as ledger_svc;
use crate::state::AppState;
use crate::storage::ledger as store;
use crate::storage::proposals as prop_store;
use crate::storage::WriteTx;
use crate::time::MICROS_PER_DAY;

/// Stripe's signature tolerance.
pub const STRIPE_TOLERANCE_SECONDS: i64 = 300;

/// Posts a dues payment and extends the membership, inside the caller's transaction; a lapsed
/// member becomes active again. What the payment granted (its months, paid-until before and
/// after) is recorded beside it, so a reversal takes back exactly that ([`on_reversed`]).
#[allow(clippy::too_many_arguments)]
async fn apply_payment(
    state: &AppState,
    tx: &mut WriteTx,
    account_id: i64,
    draft: Draft,
    periods: u32,
    actor: Option<i64>,
    now: i64,
) -> AppResult<ledger::Entry> {
    let (chart, bylaws) = ledger_svc::chart(state, now).await?;
    let period = bylaws
        .membership
        .as_ref()
        .and_then(|m| m.dues.as_ref())
        .map(|d| d.period)
        .unwrap_or(DuesPeriod::Month);
    // Posting takes the ledger's lock first, so the membership read below sees every payment
    // and reversal before this one.
    let entry = ledger_svc::post_in(tx, state.db.backend(), &chart, draft, now).await?;
    let membership = prop_store::membership(&mut ***tx, account_id).await?;
    if let Some(m) = membership {
        // Paid ahead: extend from the paid-until date; behind: from now.
        let grant = dues_rules::Grant {
            at: now,
            months: dues_rules::months(period, periods),
        };
        let until = dues_rules::apply(m.dues_paid_until, grant);
        store::set_dues_paid_until(&mut ***tx, account_id, until, now).await?;
        store::insert_dues_grant(
            &mut ***tx,
            &store::DuesGrantRow {
                transaction_id: entry.id,
                account_id,
                seq: entry.seq,
                months: i64::from(grant.months),
                granted_at: now,
                paid_until_before: m.dues_paid_until,
                paid_until_after: until,
                reversed_by_transaction_id: None,
                reversed_at: None,
            },
        )
        .await?;
        ledger_svc::log(
            tx,
            "dues.paid",
            actor,
            Some(account_id),
            json!({ "transaction_id": entry.id.to_string(), "paid_until": crate::time::iso(until) }),
            now,
        )
        .await?;
        if m.state == "lapsed" {
            crate::services::membership::change_state(
                tx,
                account_id,
                "active",
                "membership.reinstated",
                actor,
                None,
                json!({ "reason": "dues paid" }),
                now,
            )
            .await?;
        }
    }
    Ok(entry)
}

/// A ledger reversal of `original` was posted (inside its transaction, after the ledger's
/// lock): takes back what the payment granted. For dues, the member's paid-until becomes what
/// it would be had the payment never been made, the later payments applied as they were (and
/// restated); if that leaves the dues overdue by the bylaws' lapse days, the membership lapses
/// at once, as the hourly check would. For a share, the share is no longer paid. Payments
/// recorded before `dues_grants` existed have no grant, and nothing changes.
pub async fn on_reversed(
    state: &AppState,
    tx: &mut WriteTx,
    original: &ledger::Entry,
    reversal_id: i64,
    actor: Option<i64>,
    now: i64,
) -> AppResult<()> {
    if original.draft.kind == "share" {
        if let Some(member) = original.draft.member {
            if store::clear_share_paid(&mut ***tx, member, now).await? {
                ledger_svc::log(
                    tx,
                    "membership.share_reversed",
                    actor,
                    Some(member),
                    json!({ "transaction_id": original.id.to_string(),
                            "reversal_id": reversal_id.to_string() }),
                    now,
                )
                .await?;
            }
        }
        return Ok(());
    }
    let Some(grant) = store::dues_grant(&mut ***tx, original.id).await? else {
        return Ok(());
    };
    if !store::reverse_dues_grant(&mut ***tx, original.id, reversal_id, now).await? {
        return Ok(());
    }
    let account_id = grant.account_id;
    let later = store::dues_grants_after(&mut ***tx, account_id, grant.seq).await?;
    let steps = dues_rules::replay(
        grant.paid_until_before,
        &later
            .iter()
            .map(|g| dues_rules::Grant {
                at: g.granted_at,
                months: u32::try_from(g.months).unwrap_or(u32::MAX),
            })
            .collect::<Vec<_>>(),
    );
    for (g, (before, after)) in later.iter().zip(&steps) {
        store::restate_dues_grant(&mut ***tx, g.transaction_id, *before, *after).await?;
    }
    let until = steps.last().map(|s| s.1).or(grant.paid_until_before);
    let Some(m) = prop_store::membership(&mut ***tx, account_id).await? else {
        return Ok(());
    };
    store::restore_dues_paid_until(&mut ***tx, account_id, until, now).await?;
    ledger_svc::log(
        tx,
        "dues.reversed",
        actor,
        Some(account_id),
        json!({ "transaction_id": original.id.to_string(),
                "reversal_id": reversal_id.to_string(),
                "paid_until_was": m.dues_paid_until.map(crate::time::iso),
                "paid_until": until.map(crate::time::iso) }),
        now,
    )
    .await?;
    if m.state == "active" {
        let (_, bylaws) = ledger_svc::chart(state, now).await?;
        if let Some(days) = lapse_days(&bylaws) {
            let last = until.or(m.joined_at).unwrap_or(m.applied_at);
            if dues_rules::overdue(last, now, days) {
                crate::services::membership::change_state(
                    tx,
                    account_id,
                    "lapsed",
                    "membership.lapsed",
                    actor,
                    None,
                    json!({ "reason": "dues payment reversed", "days": days,
                            "transaction_id": original.id.to_string(),
                            "bylaws": format!("bylaws@{}", bylaws.version) }),
                    now,
                )
                .await?;
            }
        }
    }
    Ok(())
}

/// The bylaws' `lapse_after_days_unpaid`, when they set dues (without dues nothing lapses).
fn lapse_days(bylaws: &herd_governance::bylaws::PolicyDocument) -> Option<u32> {
    let rules = bylaws.membership.as_ref()?;
    rules.dues.as_ref()?;
    rules.lapse_after_days_unpaid
}

pub struct ManualDues {
    pub account_id: i64,
    pub amount: i64,
    pub currency: Option<String>,
    pub periods: u32,
    /// Where the money went: an asset account, default `assets:bank`.
    pub account: Option<String>,
    pub date: Option<i64>,
    pub memo: Option<String>,
}

/// A treasurer records dues paid another way (bank transfer, cash): never their own (another
/// treasurer or an admin records a treasurer's dues).
pub async fn record(state: &AppState, actor: i64, d: ManualDues) -> AppResult<ledger::Entry> {
    crate::services::officers::require_office_for(state, actor, d.account_id, false).await?;
    let now = state.clock.now_micros();
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let rules = bylaws
        .membership
        .as_ref()
        .ok_or_else(|| AppError::internal_msg("no membership rules"))?;
    let currency = d
        .currency
        .map(|c| c.trim().to_ascii_uppercase())
        .unwrap_or_else(|| rules.currency.clone());
    if currency != rules.currency {
        return Err(AppError::validation(
            "currency",
            "ERR_INVALID",
            &format!(
                "must be {}, the currency of dues in the bylaws",
                rules.currency
            ),
        ));
    }
    if d.periods == 0 || d.periods > 120 {
        return Err(AppError::validation(
            "periods",
            "ERR_INVALID",
            "must be 1 to 120",
        ));
    }
    let min = rules
        .dues
        .as_ref()
        .map(|s| s.min_minor)
        .unwrap_or(1)
        .saturating_mul(i64::from(d.periods))
        .max(1);
    if d.amount < min || d.amount > ledger::MAX_AMOUNT {
        return Err(AppError::validation(
            "amount",
            "ERR_INVALID",
            &format!(
                "must be at least {} {currency} for {} period(s) (the bylaws' minimum dues)",
                ledger::format_amount(min, &currency),
                d.periods
            ),
        ));
    }
    match prop_store::membership(&state.db.pool, d.account_id).await? {
        Some(m) if matches!(m.state.as_str(), "active" | "lapsed") => {}
        _ => {
            return Err(AppError::unprocessable(
                "Dues can only be recorded for active or lapsed members",
            ))
        }
    }
    let to = d.account.unwrap_or_else(|| "assets:bank".into());
    if ledger::AccountType::of_code(&to) != Some(ledger::AccountType::Asset) {
        return Err(AppError::validation(
            "account",
            "ERR_INVALID",
            "must be an asset account such as assets:bank",
        ));
    }
    let draft = Draft {
        date: d.date.unwrap_or(now),
        memo: d
            .memo
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| "Membership dues".into()),
        counterparty: String::new(),
        category: "dues".into(),
        kind: "dues".into(),
        source: None,
        reverses: None,
        member: Some(d.account_id),
        created_by: Some(actor),
        postings: vec![
            Posting::new(&to, d.amount, &currency),
            Posting::new("income:dues", -d.amount, &currency),
        ],
    };
    let mut tx = state.db.begin_write().await?;
    let entry = apply_payment(
        state,
        &mut tx,
        d.account_id,
        draft,
        d.periods,
        Some(actor),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}

pub struct SharePayment {
    pub account_id: i64,
    /// Where the money went: an asset account, default `assets:bank`.
    pub account: Option<String>,
    pub date: Option<i64>,
    pub memo: Option<String>,
}

/// A treasurer records a member's share (co-ownership) at the bylaws' share price: it posts
/// the money against `equity:member-shares` and marks the share paid, once, in one transaction.
/// Never their own (another treasurer or an admin records a treasurer's share).
pub async fn record_share(
    state: &AppState,
    actor: i64,
    p: SharePayment,
) -> AppResult<ledger::Entry> {
    crate::services::officers::require_office_for(state, actor, p.account_id, false).await?;
    let now = state.clock.now_micros();
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let rules = bylaws
        .membership
        .as_ref()
        .ok_or_else(|| AppError::internal_msg("no membership rules"))?;
    match prop_store::membership(&state.db.pool, p.account_id).await? {
        Some(m) if m.share_paid_at.is_some() => {
            return Err(AppError::unprocessable(
                "This member's share is already paid",
            ))
        }
        Some(m) if matches!(m.state.as_str(), "applicant" | "active" | "lapsed") => {}
        _ => {
            return Err(AppError::unprocessable(
                "A share can only be recorded for an applicant or a member",
            ))
        }
    }
    let to = p.account.unwrap_or_else(|| "assets:bank".into());
    if ledger::AccountType::of_code(&to) != Some(ledger::AccountType::Asset) {
        return Err(AppError::validation(
            "account",
            "ERR_INVALID",
            "must be an asset account such as assets:bank",
        ));
    }
    let price = rules.share_price_minor;
    let draft = Draft {
        date: p.date.unwrap_or(now),
        memo: p
            .memo
            .filter(|m| !m.trim().is_empty())
            .unwrap_or_else(|| "Membership share".into()),
        counterparty: String::new(),
        category: "shares".into(),
        kind: "share".into(),
        source: None,
        reverses: None,
        member: Some(p.account_id),
        created_by: Some(actor),
        postings: vec![
            Posting::new(&to, price, &rules.currency),
            Posting::new("equity:member-shares", -price, &rules.currency),
        ],
    };
    let (chart, _) = ledger_svc::chart(state, now).await?;
    let mut tx = state.db.begin_write().await?;
    // The conditional UPDATE makes a second, racing recording fail before anything is posted.
    if !store::set_share_paid(&mut **tx, p.account_id, draft.date, now).await? {
        return Err(AppError::unprocessable(
            "This member's share is already paid",
        ));
    }
    let entry = ledger_svc::post_in(&mut tx, state.db.backend(), &chart, draft, now).await?;
    ledger_svc::log(
        &mut tx,
        "membership.share_paid",
        Some(actor),
        Some(p.account_id),
        json!({ "transaction_id": entry.id.to_string(), "amount": price, "currency": rules.currency }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(entry)
}

/// Why a webhook was refused (answered 400 and logged).
#[derive(Debug, thiserror::Error)]
pub enum WebhookError {
    #[error("Stripe webhooks are not configured on this instance")]
    NotConfigured,
    #[error("missing or malformed Stripe-Signature header")]
    BadHeader,
    #[error("no signature matches")]
    BadSignature,
    #[error("the signature's timestamp is outside the {STRIPE_TOLERANCE_SECONDS} s tolerance")]
    Stale,
    #[error("the event does not parse: {0}")]
    BadEvent(String),
    /// Stripe's API or the database failed: answered 503 so Stripe delivers the event again.
    #[error("the event could not be completed now: {0}")]
    Upstream(String),
}

/// Checks `Stripe-Signature: t=…,v1=…[,v1=…]` over `{t}.{payload}` with HMAC-SHA256 and the
/// endpoint secret, in constant time, within the tolerance.
pub fn verify_signature(
    payload: &[u8],
    header: &str,
    secret: &str,
    now_seconds: i64,
) -> Result<(), WebhookError> {
    let mut t: Option<i64> = None;
    let mut sigs: Vec<Vec<u8>> = Vec::new();
    for part in header.split(',') {
        let Some((k, v)) = part.trim().split_once('=') else {
            continue;
        };
        match k {
            "t" => t = v.parse().ok(),
            "v1" => {
                if let Ok(bytes) = hex::decode(v) {
                    sigs.push(bytes);
                }
            }
            _ => {}
        }
    }
    let t = t.ok_or(WebhookError::BadHeader)?;
    if sigs.is_empty() {
        return Err(WebhookError::BadHeader);
    }
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| WebhookError::NotConfigured)?;
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(payload);
    let ok = sigs.iter().any(|s| mac.clone().verify_slice(s).is_ok());
    if !ok {
        return Err(WebhookError::BadSignature);
    }
    if (now_seconds - t).abs() > STRIPE_TOLERANCE_SECONDS {
        return Err(WebhookError::Stale);
    }
    Ok(())
}

/// What a webhook did.
#[derive(Debug, serde::Serialize)]
pub struct WebhookOutcome {
    pub received: bool,
    pub duplicate: bool,
    pub transaction_id: Option<String>,
}

/// Where Stripe's fee for a payment comes from.
enum Fee {
    Known(i64),
    /// A charge whose balance transaction is only an id.
    Charge(Value),
    /// A paid invoice: its charge or payment intent.
    Invoice(Value),
}

/// A payment an event reports.
struct Incoming {
    /// The Stripe object paid (`charge:ch_…`, `invoice:in_…`): one ledger entry per object,
    /// however many events report it (`invoice.paid` and `invoice.payment_succeeded`).
    object: String,
    amount: i64,
    currency: String,
    member: Option<i64>,
    periods: u32,
    fee: Fee,
    subscription: Option<String>,
    recurring: bool,
}

fn herd_member(metadata: &Value) -> Option<i64> {
    match &metadata["herd_account_id"] {
        Value::String(s) => s.trim().parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn herd_periods(metadata: &Value) -> Option<u32> {
    metadata["herd_periods"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .filter(|p| (1..=120).contains(p))
}

/// The payment a `charge.succeeded` reports; `None` for a charge paying an invoice (the
/// invoice's own event posts it, so a subscription payment is not counted twice).
fn from_charge(obj: &Value) -> Result<Option<Incoming>, String> {
    if obj["invoice"].is_string() || obj["invoice"].is_object() {
        return Ok(None);
    }
    let id = obj["id"]
        .as_str()
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .ok_or("charge.succeeded without a charge id")?
        .to_string();
    let amount = obj["amount"]
        .as_i64()
        .filter(|a| *a > 0)
        .ok_or("charge.succeeded without a positive amount")?;
    let fee = match &obj["balance_transaction"] {
        Value::Object(b) => Fee::Known(b.get("fee").and_then(Value::as_i64).unwrap_or(0)),
        Value::String(_) => Fee::Charge(obj.clone()),
        _ => Fee::Known(0),
    };
    Ok(Some(Incoming {
        object: format!("charge:{id}"),
        amount,
        currency: obj["currency"].as_str().unwrap_or("").to_ascii_uppercase(),
        member: herd_member(&obj["metadata"]),
        periods: herd_periods(&obj["metadata"]).unwrap_or(1),
        fee,
        subscription: None,
        recurring: false,
    }))
}

/// The payment an `invoice.paid` (or `invoice.payment_succeeded`) reports: one period of a
/// subscription's dues. The member comes from the subscription's metadata, which newer API
/// versions copy into the invoice (`subscription_details`, `parent.subscription_details`,
/// the lines), or else from the subscription itself.
fn from_invoice(obj: &Value) -> Result<Option<Incoming>, String> {
    let id = obj["id"]
        .as_str()
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .ok_or("invoice without an id")?;
    let amount = obj["amount_paid"].as_i64().unwrap_or(0);
    if amount <= 0 {
        return Ok(None);
    }
    let candidates = [
        &obj["subscription_details"]["metadata"],
        &obj["parent"]["subscription_details"]["metadata"],
        &obj["metadata"],
    ];
    let mut member = candidates.iter().find_map(|m| herd_member(m));
    let mut periods = candidates.iter().find_map(|m| herd_periods(m));
    if member.is_none() {
        if let Some(lines) = obj["lines"]["data"].as_array() {
            member = lines.iter().find_map(|l| herd_member(&l["metadata"]));
            periods = periods.or_else(|| lines.iter().find_map(|l| herd_periods(&l["metadata"])));
        }
    }
    let fee = match &obj["charge"]["balance_transaction"] {
        Value::Object(b) => Fee::Known(b.get("fee").and_then(Value::as_i64).unwrap_or(0)),
        _ => Fee::Invoice(obj.clone()),
    };
    let subscription = match &obj["subscription"] {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => o.get("id").and_then(Value::as_str).map(str::to_string),
        _ => obj["parent"]["subscription_details"]["subscription"]
            .as_str()
            .map(str::to_string),
    };
    Ok(Some(Incoming {
        object: format!("invoice:{id}"),
        amount,
        currency: obj["currency"].as_str().unwrap_or("").to_ascii_uppercase(),
        member,
        periods: periods.unwrap_or(1),
        fee,
        subscription,
        recurring: true,
    }))
}

/// Fills in what the event did not carry (Stripe's fee, the subscription's member) from
/// Stripe's API, before any database transaction opens. Without a secret key the fee of an
/// unexpanded payment stays unknown (logged) and is not posted.
async fn complete(
    state: &AppState,
    event_id: &str,
    inc: &mut Incoming,
) -> Result<i64, WebhookError> {
    let client = crate::services::stripe::Stripe::from_state(state).ok();
    let upstream = |e: crate::services::stripe::StripeError| WebhookError::Upstream(e.to_string());
    if inc.member.is_none() {
        if let (Some(c), Some(sub)) = (&client, &inc.subscription) {
            let s = c
                .retrieve("subscriptions", sub, &[])
                .await
                .map_err(upstream)?;
            inc.member = herd_member(&s["metadata"]);
            if let Some(p) = herd_periods(&s["metadata"]) {
                inc.periods = p;
            }
        }
    }
    let fee = match (&inc.fee, &client) {
        (Fee::Known(f), _) => *f,
        (Fee::Charge(charge), Some(c)) => c.fee_of_charge(charge).await.map_err(upstream)?,
        (Fee::Invoice(invoice), Some(c)) => c
            .fee_of_invoice(invoice)
            .await
            .map_err(upstream)?
            .unwrap_or(0),
        (_, None) => {
            tracing::warn!(event = %event_id, "Stripe payment without an expanded balance transaction and no secret key to read it: Stripe's fee is not known and was not posted");
            0
        }
    };
    Ok(fee)
}

/// A Stripe webhook: verified, then (once per event id, and once per paid object)
/// `charge.succeeded` (one-off dues) or `invoice.paid` / `invoice.payment_succeeded`
/// (a subscription's dues) for a member posts the gross to `assets:stripe` against
/// `income:dues` and Stripe's fee to `expenses:fees:stripe`, and extends the membership.
/// Other event types are acknowledged.
pub async fn webhook(
    state: &AppState,
    payload: &[u8],
    header: &str,
) -> Result<WebhookOutcome, WebhookError> {
    let secret = &state.config.stripe.webhook_secret;
    if secret.is_empty() {
        return Err(WebhookError::NotConfigured);
    }
    let now = state.clock.now_micros();
    verify_signature(payload, header, secret, now / 1_000_000)?;
    let event: Value =
        serde_json::from_slice(payload).map_err(|e| WebhookError::BadEvent(e.to_string()))?;
    let id = event["id"]
        .as_str()
        .filter(|s| !s.is_empty() && s.len() <= 255)
        .ok_or_else(|| WebhookError::BadEvent("no event id".into()))?
        .to_string();
    let kind = event["type"].as_str().unwrap_or("").to_string();
    let db_err = |e: sqlx::Error| WebhookError::Upstream(format!("database: {e}"));
    if store::stripe_event_seen(&state.db.pool, &id)
        .await
        .map_err(db_err)?
    {
        return Ok(WebhookOutcome {
            received: true,
            duplicate: true,
            transaction_id: None,
        });
    }
    let obj = &event["data"]["object"];
    let incoming = match kind.as_str() {
        "charge.succeeded" => from_charge(obj),
        "invoice.paid" | "invoice.payment_succeeded" => from_invoice(obj),
        _ => Ok(None),
    }
    .map_err(WebhookError::BadEvent)?;
    let payment = match incoming {
        Some(mut inc) => {
            let fee = complete(state, &id, &mut inc).await?;
            Some((inc, fee))
        }
        None => None,
    };
    let date = event["created"]
        .as_i64()
        .map(|s| s.saturating_mul(1_000_000))
        .unwrap_or(now);
    match process(state, &id, &kind, payment, date, now).await {
        Ok(o) => Ok(o),
        Err(e) => {
            tracing::error!(event = %id, error = %e, "Stripe webhook could not be applied");
            Err(WebhookError::BadEvent(e.message))
        }
    }
}

async fn process(
    state: &AppState,
    id: &str,
    kind: &str,
    payment: Option<(Incoming, i64)>,
    date: i64,
    now: i64,
) -> AppResult<WebhookOutcome> {
    let mut tx = state.db.begin_write().await?;
    if !store::claim_stripe_event(&mut **tx, id, kind, None, now).await? {
        return Ok(WebhookOutcome {
            received: true,
            duplicate: true,
            transaction_id: None,
        });
    }
    let mut transaction_id = None;
    let mut duplicate = false;
    if let Some((inc, fee)) = payment {
        let source = format!("stripe:{}", inc.object);
        if store::transaction_by_source(&mut **tx, &source)
            .await?
            .is_some()
        {
            // Another event already reported this payment.
            duplicate = true;
        } else {
            let member = match inc.member {
                Some(m) if prop_store::membership(&mut **tx, m).await?.is_some() => Some(m),
                _ => None,
            };
            let currency = inc.currency;
            let mut postings = vec![
                Posting::new("assets:stripe", inc.amount, &currency),
                Posting::new(
                    if member.is_some() {
                        "income:dues"
                    } else {
                        "income:donations"
                    },
                    -inc.amount,
                    &currency,
                ),
            ];
            if fee > 0 {
                postings.push(Posting::new("expenses:fees:stripe", fee, &currency));
                postings.push(Posting::new("assets:stripe", -fee, &currency));
            }
            let draft = Draft {
                date,
                memo: match (member.is_some(), inc.recurring) {
                    (true, true) => "Membership dues (Stripe subscription)".into(),
                    (true, false) => "Membership dues (Stripe)".into(),
                    (false, _) => "Payment received through Stripe (no member attached)".into(),
                },
                counterparty: "Stripe".into(),
                category: "dues".into(),
                kind: "stripe".into(),
                source: Some(source),
                reverses: None,
                member,
                created_by: None,
                postings,
            };
            let entry = match member {
                Some(m) => apply_payment(state, &mut tx, m, draft, inc.periods, None, now).await?,
                None => {
                    let (chart, _) = ledger_svc::chart(state, now).await?;
                    ledger_svc::post_in(&mut tx, state.db.backend(), &chart, draft, now).await?
                }
            };
            transaction_id = Some(entry.id.to_string());
        }
    }
    tx.commit().await?;
    Ok(WebhookOutcome {
        received: true,
        duplicate,
        transaction_id,
    })
}

/// What a member asks Stripe Checkout for.
pub struct CheckoutRequest {
    /// `payment` (one-off, `periods` at once) or `subscription` (every period until cancelled).
    pub mode: String,
    /// Per period, in minor units; default the bylaws' suggested amount.
    pub amount: Option<i64>,
    pub periods: u32,
}

#[derive(Debug, serde::Serialize)]
pub struct CheckoutSession {
    pub id: String,
    pub url: String,
    pub mode: String,
    pub amount: i64,
    pub currency: String,
    pub periods: u32,
}

/// Opens a Stripe Checkout Session for the caller's dues on the bylaws' sliding scale. The
/// webhook posts the payment when Stripe reports it; nothing is written here.
pub async fn checkout(
    state: &AppState,
    account_id: i64,
    r: CheckoutRequest,
) -> AppResult<CheckoutSession> {
    let stripe = crate::services::stripe::Stripe::from_state(state)?;
    let now = state.clock.now_micros();
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let rules = bylaws
        .membership
        .as_ref()
        .ok_or_else(|| AppError::unprocessable("The bylaws set no membership dues"))?;
    let scale = rules
        .dues
        .as_ref()
        .ok_or_else(|| AppError::unprocessable("The bylaws set no membership dues"))?;
    match prop_store::membership(&state.db.pool, account_id).await? {
        Some(m) if matches!(m.state.as_str(), "applicant" | "active" | "lapsed") => {}
        _ => {
            return Err(AppError::unprocessable(
                "Only members and applicants pay dues: apply first (POST /api/v1/coop/membership)",
            ))
        }
    }
    let mode = r.mode.trim().to_ascii_lowercase();
    if mode != "payment" && mode != "subscription" {
        return Err(AppError::validation(
            "mode",
            "ERR_INVALID",
            "must be payment (one-off) or subscription",
        ));
    }
    let amount = r
        .amount
        .or(scale.suggested_minor)
        .unwrap_or(scale.min_minor);
    let max = scale.max_minor.unwrap_or(ledger::MAX_AMOUNT);
    let currency = rules.currency.clone();
    if amount < scale.min_minor.max(1) || amount > max {
        return Err(AppError::validation(
            "amount",
            "ERR_INVALID",
            &format!(
                "must be between {} and {} {currency} per {} (the bylaws' sliding scale)",
                ledger::format_amount(scale.min_minor.max(1), &currency),
                ledger::format_amount(max, &currency),
                period_name(scale.period)
            ),
        ));
    }
    let periods = r.periods;
    if mode == "subscription" && periods != 1 {
        return Err(AppError::validation(
            "periods",
            "ERR_INVALID",
            "must be 1 for a subscription (it renews every period)",
        ));
    }
    if !(1..=24).contains(&periods) {
        return Err(AppError::validation(
            "periods",
            "ERR_INVALID",
            "must be 1 to 24",
        ));
    }
    let base = state.base_url();
    let member = account_id.to_string();
    let mut f: Vec<(String, String)> = vec![
        ("mode".into(), mode.clone()),
        ("success_url".into(), format!("{base}/about?dues=thanks")),
        ("cancel_url".into(), format!("{base}/about?dues=cancelled")),
        ("client_reference_id".into(), member.clone()),
        ("metadata[herd_account_id]".into(), member.clone()),
        ("line_items[0][quantity]".into(), periods.to_string()),
        (
            "line_items[0][price_data][currency]".into(),
            currency.to_ascii_lowercase(),
        ),
        (
            "line_items[0][price_data][unit_amount]".into(),
            amount.to_string(),
        ),
        (
            "line_items[0][price_data][product_data][name]".into(),
            format!(
                "Membership dues, {}",
                crate::services::instance_settings::title(state)
            ),
        ),
    ];
    if let Some((_, email)) = crate::storage::proposals::emails_of(&state.db.pool, &[account_id])
        .await?
        .into_iter()
        .next()
    {
        f.push(("customer_email".into(), email));
    }
    if mode == "subscription" {
        f.push((
            "line_items[0][price_data][recurring][interval]".into(),
            period_name(scale.period).into(),
        ));
        f.push((
            "subscription_data[metadata][herd_account_id]".into(),
            member,
        ));
    } else {
        f.push((
            "payment_intent_data[metadata][herd_account_id]".into(),
            member,
        ));
        f.push((
            "payment_intent_data[metadata][herd_periods]".into(),
            periods.to_string(),
        ));
    }
    let session = stripe.post_form("/v1/checkout/sessions", &f, None).await?;
    let (Some(id), Some(url)) = (session["id"].as_str(), session["url"].as_str()) else {
        return Err(crate::services::stripe::StripeError::Refused {
            status: 200,
            message: "the Checkout Session has no id or url".into(),
        }
        .into());
    };
    Ok(CheckoutSession {
        id: id.to_string(),
        url: url.to_string(),
        mode,
        amount,
        currency,
        periods,
    })
}

fn period_name(p: DuesPeriod) -> &'static str {
    match p {
        DuesPeriod::Month => "month",
        DuesPeriod::Year => "year",
    }
}

/// Lapses active members whose dues (or, never paid, whose membership) are older than the
/// bylaws' `lapse_after_days_unpaid`. Returns how many lapsed.
pub async fn lapse_overdue(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now_micros();
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let Some(days) = lapse_days(&bylaws) else {
        return Ok(0);
    };
    let cutoff = now - i64::from(days) * MICROS_PER_DAY;
    let overdue = store::overdue_members(&state.db.pool, cutoff).await?;
    let mut n = 0;
    for account_id in overdue {
        let mut tx = state.db.begin_write().await?;
        // Re-check inside the write transaction: a payment may have arrived meanwhile.
        let Some(m) = prop_store::membership(&mut **tx, account_id).await? else {
            continue;
        };
        let last = m.dues_paid_until.or(m.joined_at).unwrap_or(m.applied_at);
        if m.state != "active" || !dues_rules::overdue(last, now, days) {
            continue;
        }
        crate::services::membership::change_state(
            &mut tx,
            account_id,
            "lapsed",
            "membership.lapsed",
            None,
            None,
            json!({ "reason": "dues unpaid", "days": days, "bylaws": format!("bylaws@{}", bylaws.version) }),
            now,
        )
        .await?;
        tx.commit().await?;
        n += 1;
    }
    Ok(n)
}

/// Runs [`lapse_overdue`] every `every`, once per cluster, until the process ends.
pub fn spawn_lapser(state: AppState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    crate::services::cluster::spawn_periodic(state, "dues_lapser", every, |state| async move {
        let n = lapse_overdue(&state)
            .await
            .map_err(|e| anyhow::anyhow!("{e}"))?;
        if n > 0 {
            tracing::info!(lapsed = n, "memberships lapsed for unpaid dues");
        }
        Ok(())
    })
}

/// A member's own dues history (treasurer entries, Stripe payments and their reversals),
/// newest first, with the date they are paid up to; with the page's cursor ids.
pub async fn history(
    state: &AppState,
    account_id: i64,
    page: &crate::paging::Page,
) -> AppResult<(crate::entities::coop::DuesHistory, Vec<i64>)> {
    // Filtered in SQL, so every page is full until the history ends.
    let filter = store::TxFilter {
        member: Some(account_id),
        kinds: ["dues", "stripe", "reversal"].map(String::from).to_vec(),
        ..store::TxFilter::default()
    };
    let entries = ledger_svc::list(state, &filter, page).await?;
    let paid_until = crate::services::membership::dues_paid_until(state, account_id).await?;
    let cursors = entries.iter().map(|e| e.id).collect();
    Ok((
        crate::entities::coop::DuesHistory {
            paid_until: paid_until.map(crate::time::iso),
            payments: entries
                .iter()
                .map(crate::entities::coop::Transaction::from)
                .collect(),
        },
        cursors,
    ))
}
