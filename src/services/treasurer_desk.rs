//! What the treasurer's pages offer and read before they post through `services::ledger`:
//! the accounts a transaction may post to, amounts typed in the currency's major unit (signed),
//! the budget form of one period, and whether a transaction's page offers its reversal. The
//! rules (who is a treasurer, what balances, what may be reversed) stay in `services::ledger`
//! and `herd_governance::ledger`; every action re-checks them there.

use std::collections::BTreeMap;

use herd_governance::ledger::{currency_exponent, AccountType};
use serde::Serialize;

use crate::entities::coop;
use crate::error::{AppError, AppResult};
use crate::services::coop_site::{money, parse_money};
use crate::services::ledger::{self, BudgetPeriod};
use crate::state::AppState;
use crate::storage::ledger as store;

/// One account of the chart, as a select offers it.
#[derive(Debug, Clone, Serialize)]
pub struct AccountChoice {
    pub code: String,
    pub name: String,
    pub kind: String,
}

/// What the transaction form offers a treasurer.
#[derive(Debug, Serialize)]
pub struct EntryChoices {
    pub currency: String,
    /// Minor units per major unit, as a power of ten (the live sum's scale).
    pub exponent: u32,
    pub accounts: Vec<AccountChoice>,
}

async fn choices(state: &AppState) -> AppResult<(Vec<AccountChoice>, String)> {
    let now = state.clock.now_micros();
    let (chart, bylaws) = ledger::chart(state, now).await?;
    let currency = bylaws
        .finance
        .as_ref()
        .map(|f| f.currency.clone())
        .unwrap_or_else(|| "EUR".into());
    let accounts = chart
        .iter()
        .map(|a| AccountChoice {
            code: a.code.clone(),
            name: a.name.clone(),
            kind: a.kind.to_string(),
        })
        .collect();
    Ok((accounts, currency))
}

/// The transaction form's accounts and currency, for treasurers (403 for anyone else).
pub async fn entry_choices(state: &AppState, actor: i64) -> AppResult<EntryChoices> {
    ledger::require_treasurer(state, actor).await?;
    let (accounts, currency) = choices(state).await?;
    Ok(EntryChoices {
        exponent: currency_exponent(&currency).unwrap_or(2),
        currency,
        accounts,
    })
}

/// A typed amount in the major unit, with an optional leading minus (a credit), as signed
/// minor units of `currency`; `None` when it is not such a number or is zero.
pub fn parse_signed_money(text: &str, currency: &str) -> Option<i64> {
    let text = text.trim();
    let (negative, digits) = match text.strip_prefix('-') {
        Some(rest) => (true, rest.trim_start()),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let v = parse_money(digits, currency)?;
    (v != 0).then_some(if negative { -v } else { v })
}

/// The sum of typed amounts that parse (in minor units), formatted, and whether it is zero:
/// what the form shows beside its rows before and after a submit.
pub fn typed_sum(amounts: &[&str], currency: &str) -> (String, bool) {
    let sum: i64 = amounts
        .iter()
        .filter_map(|a| parse_signed_money(a, currency))
        .fold(0i64, |s, v| s.saturating_add(v));
    (money(sum, currency), sum == 0)
}

/// One row of the budget form: an income or expense account with this period's budget set by
/// a treasurer (blank when none) and the budget in force for it (the bylaws' default included).
#[derive(Debug, Serialize)]
pub struct BudgetRow {
    pub code: String,
    pub name: String,
    pub kind: String,
    /// The treasurers' budget for exactly this period, in the major unit; empty when unset.
    pub amount: String,
    /// What reports use for this period, formatted, and where it comes from.
    pub effective: String,
    pub source: String,
}

#[derive(Debug, Serialize)]
pub struct BudgetForm {
    pub period: String,
    pub currency: String,
    pub rows: Vec<BudgetRow>,
    /// The period as `/ledger`'s report filter (`from`, `to` exclusive), where budgets are
    /// shown against actuals.
    pub from: String,
    pub to: String,
}

/// The budget form of one period (`YYYY-MM` or `YYYY`), for treasurers.
pub async fn budget_form(state: &AppState, actor: i64, period: &str) -> AppResult<BudgetForm> {
    ledger::require_treasurer(state, actor).await?;
    let p = ledger::parse_period("period", period)?;
    budget_form_of(state, p).await
}

async fn budget_form_of(state: &AppState, p: BudgetPeriod) -> AppResult<BudgetForm> {
    let b = ledger::budgets(state, Some(p)).await?;
    let key = p.key();
    let mut stored: BTreeMap<String, (i64, String)> = BTreeMap::new();
    for (a, r) in &b.stored {
        if r.period == key {
            stored.insert(a.code.clone(), (r.amount, r.currency.clone()));
        }
    }
    let mut effective: BTreeMap<String, (i64, String, bool)> = BTreeMap::new();
    for (a, currency, r) in &b.effective {
        effective.insert(
            a.code.clone(),
            (r.amount, currency.clone(), r.set_by_treasurer),
        );
    }
    let (accounts, _) = choices(state).await?;
    let rows = accounts
        .into_iter()
        .filter(|a| {
            a.kind == AccountType::Income.as_str() || a.kind == AccountType::Expense.as_str()
        })
        .map(|a| {
            let amount = stored
                .get(&a.code)
                .map(|(v, c)| money(*v, c))
                .unwrap_or_default();
            let (effective, source) = match effective.get(&a.code) {
                Some((v, c, by_treasurer)) => (
                    format!("{} {c}", money(*v, c)),
                    if *by_treasurer { "treasurer" } else { "bylaws" }.to_string(),
                ),
                None => (String::new(), String::new()),
            };
            BudgetRow {
                code: a.code,
                name: a.name,
                kind: a.kind,
                amount,
                effective,
                source,
            }
        })
        .collect();
    let (from, to) = p
        .span()
        .ok_or_else(|| AppError::validation("period", "ERR_INVALID", "is out of range"))?;
    let day = |t: i64| {
        let s = crate::time::iso(t);
        s.get(..10).unwrap_or(&s).to_string()
    };
    Ok(BudgetForm {
        period: key,
        currency: b.currency,
        rows,
        from: day(from),
        to: day(to),
    })
}

/// One budget line as a treasurer typed it: an account and an amount in the major unit
/// (blank removes the treasurers' budget for the period).
pub struct TypedBudget {
    pub account: String,
    pub amount: String,
}

/// A treasurer sets a period's budgets from the form (all or nothing); answers the `/ledger`
/// report filter of the period, where they show against actuals.
pub async fn set_typed_budgets(
    state: &AppState,
    actor: i64,
    period: &str,
    lines: Vec<TypedBudget>,
) -> AppResult<(String, String)> {
    ledger::require_treasurer(state, actor).await?;
    let p = ledger::parse_period("period", period)?;
    let form = budget_form_of(state, p).await?;
    let mut items = Vec::new();
    for (i, line) in lines.into_iter().enumerate() {
        let typed = line.amount.trim();
        let amount = if typed.is_empty() {
            None
        } else {
            Some(parse_money(typed, &form.currency).ok_or_else(|| {
                AppError::validation(
                    &format!("budgets[{i}].amount"),
                    "ERR_INVALID",
                    "must be an amount such as 120 or 120.50",
                )
            })?)
        };
        items.push(ledger::BudgetInput {
            account: line.account,
            amount,
            currency: Some(form.currency.clone()),
        });
    }
    ledger::set_budgets(state, actor, p, items).await?;
    Ok((form.from, form.to))
}

/// A transaction as its page shows it: the entity, whether this viewer is offered its
/// reversal (a treasurer, the transaction neither a reversal nor reversed), and the reversal
/// that undid it, if any.
pub struct TransactionView {
    pub tx: coop::Transaction,
    pub can_reverse: bool,
    pub reversed_by: Option<String>,
}

/// A transaction for ledger readers, with what its page offers this viewer.
pub async fn transaction_view(
    state: &AppState,
    viewer: Option<i64>,
    id: i64,
) -> AppResult<TransactionView> {
    let tx = ledger::show_transaction(state, viewer, id).await?;
    let reversed_by = store::reversal_of(&state.db.pool, id).await?;
    let treasurer = match viewer {
        Some(v) => ledger::has_role(state, v, "treasurer").await?,
        None => false,
    };
    Ok(TransactionView {
        can_reverse: treasurer && tx.reverses.is_none() && reversed_by.is_none(),
        reversed_by: reversed_by.map(|r| r.to_string()),
        tx,
    })
}

#[cfg(test)]
mod tests {
    use super::{parse_signed_money, typed_sum};

    #[test]
    fn signed_amounts_read_as_minor_units() {
        assert_eq!(parse_signed_money("42.50", "EUR"), Some(4250));
        assert_eq!(parse_signed_money("-42.5", "EUR"), Some(-4250));
        assert_eq!(parse_signed_money("+7", "EUR"), Some(700));
        assert_eq!(parse_signed_money("0", "EUR"), None);
        assert_eq!(parse_signed_money("--1", "EUR"), None);
        assert_eq!(parse_signed_money("1,5", "EUR"), None);
        assert_eq!(parse_signed_money("-500", "JPY"), Some(-500));
    }

    #[test]
    fn the_typed_sum_is_zero_when_balanced() {
        assert_eq!(
            typed_sum(&["42.50", "-42.50", ""], "EUR"),
            ("0.00".into(), true)
        );
        assert_eq!(typed_sum(&["42.50", "-40"], "EUR"), ("2.50".into(), false));
    }
}
