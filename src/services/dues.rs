//! Membership dues: recorded by a treasurer (paid another way) or arriving by Stripe's signed
//! webhook (idempotent by event id), each posting ledger entries and extending the member's
//! `dues_paid_until` in one transaction; and lapsing members whose dues are overdue as the
//! bylaws say.

use chrono::{DateTime, Months};
use herd_governance::bylaws::DuesPeriod;
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

/// `from` plus `periods` months or years (calendar arithmetic, UTC).
fn extend(from: i64, period: DuesPeriod, periods: u32) -> i64 {
    let months = match period {
        DuesPeriod::Month => periods,
        DuesPeriod::Year => periods.saturating_mul(12),
    };
    DateTime::from_timestamp_micros(from)
        .and_then(|t| t.checked_add_months(Months::new(months)))
        .map(|t| t.timestamp_micros())
        .unwrap_or(from.saturating_add(i64::from(months) * 30 * MICROS_PER_DAY))
}

/// Posts a dues payment and extends the membership, inside the caller's transaction; a lapsed
/// member becomes active again.
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
    let membership = prop_store::membership(&mut ***tx, account_id).await?;
    let entry = ledger_svc::post_in(tx, state.db.backend(), &chart, draft, now).await?;
    if let Some(m) = membership {
        // Paid ahead: extend from the paid-until date; behind: from now.
        let base = m.dues_paid_until.map_or(now, |u| u.max(now));
        let until = extend(base, period, periods);
        store::set_dues_paid_until(&mut ***tx, account_id, until, now).await?;
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

/// A treasurer records dues paid another way (bank transfer, cash).
pub async fn record(state: &AppState, actor: i64, d: ManualDues) -> AppResult<ledger::Entry> {
    ledger_svc::require_treasurer(state, actor).await?;
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
pub async fn record_share(
    state: &AppState,
    actor: i64,
    p: SharePayment,
) -> AppResult<ledger::Entry> {
    ledger_svc::require_treasurer(state, actor).await?;
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

/// A Stripe webhook: verified, then (once per event id) `charge.succeeded` for a member's
/// dues posts the gross to `assets:stripe` against `income:dues` and Stripe's fee to
/// `expenses:fees:stripe`, and extends the membership. Other event types are acknowledged.
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
    let result = process(state, &id, &kind, &event, now).await;
    match result {
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
    event: &Value,
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
    if kind == "charge.succeeded" {
        let obj = &event["data"]["object"];
        let amount = obj["amount"]
            .as_i64()
            .filter(|a| *a > 0)
            .ok_or_else(|| AppError::bad_request("charge.succeeded without a positive amount"))?;
        let currency = obj["currency"].as_str().unwrap_or("").to_ascii_uppercase();
        let fee = obj["balance_transaction"]["fee"].as_i64().unwrap_or(0);
        if obj["balance_transaction"].is_string() {
            tracing::warn!(event = %id, "charge.succeeded without an expanded balance_transaction: Stripe's fee is not known and was not posted");
        }
        let member: Option<i64> = obj["metadata"]["herd_account_id"]
            .as_str()
            .and_then(|s| s.parse().ok());
        let member = match member {
            Some(m) if prop_store::membership(&mut **tx, m).await?.is_some() => Some(m),
            _ => None,
        };
        let periods: u32 = obj["metadata"]["herd_periods"]
            .as_str()
            .and_then(|s| s.parse().ok())
            .filter(|p| (1..=120).contains(p))
            .unwrap_or(1);
        let mut postings = vec![
            Posting::new("assets:stripe", amount, &currency),
            Posting::new(
                if member.is_some() {
                    "income:dues"
                } else {
                    "income:donations"
                },
                -amount,
                &currency,
            ),
        ];
        if fee > 0 {
            postings.push(Posting::new("expenses:fees:stripe", fee, &currency));
            postings.push(Posting::new("assets:stripe", -fee, &currency));
        }
        let date = event["created"]
            .as_i64()
            .map(|s| s.saturating_mul(1_000_000))
            .unwrap_or(now);
        let draft = Draft {
            date,
            memo: if member.is_some() {
                "Membership dues (Stripe)".into()
            } else {
                "Payment received through Stripe (no member attached)".into()
            },
            counterparty: "Stripe".into(),
            category: "dues".into(),
            kind: "stripe".into(),
            source: Some(format!("stripe:{id}")),
            reverses: None,
            member,
            created_by: None,
            postings,
        };
        let entry = match member {
            Some(m) => apply_payment(state, &mut tx, m, draft, periods, None, now).await?,
            None => {
                let (chart, _) = ledger_svc::chart(state, now).await?;
                ledger_svc::post_in(&mut tx, state.db.backend(), &chart, draft, now).await?
            }
        };
        transaction_id = Some(entry.id.to_string());
    }
    tx.commit().await?;
    Ok(WebhookOutcome {
        received: true,
        duplicate: false,
        transaction_id,
    })
}

/// Lapses active members whose dues (or, never paid, whose membership) are older than the
/// bylaws' `lapse_after_days_unpaid`. Returns how many lapsed.
pub async fn lapse_overdue(state: &AppState) -> AppResult<usize> {
    let now = state.clock.now_micros();
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let Some(rules) = bylaws.membership.as_ref() else {
        return Ok(0);
    };
    let (Some(days), Some(_)) = (rules.lapse_after_days_unpaid, rules.dues.as_ref()) else {
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
        if m.state != "active" || last >= cutoff {
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

/// Runs [`lapse_overdue`] every `every` until the process ends.
pub fn spawn_lapser(state: AppState, every: std::time::Duration) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match lapse_overdue(&state).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(lapsed = n, "memberships lapsed for unpaid dues"),
                Err(e) => tracing::error!(error = %e, "lapsing overdue memberships failed"),
            }
        }
    })
}
