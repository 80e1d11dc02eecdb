//! What the co-op's pages read that no single API call answers: who holds each office and for
//! how long, how many members there are (the public `/about` page), and the ledger's month by
//! month income, expenses and running balance (the `/ledger` charts). Each reads through the
//! same rules as the API: the month totals only for those who may read the ledger.

use chrono::{DateTime, Datelike, NaiveDate};
use serde::Serialize;

use crate::error::AppResult;
use crate::state::AppState;
use crate::storage::accounts as account_store;
use crate::storage::governance as gov_store;
use crate::storage::proposals as prop_store;

/// One holder of an office, with the term the bylaws gave them.
#[derive(Debug, Serialize)]
pub struct Officer {
    pub role: String,
    pub username: String,
    pub display_name: String,
    pub since: String,
    pub until: Option<String>,
    pub holding_over: bool,
}

/// The officers (admins, moderators, treasurers) holding a role now, by role then seniority.
/// Who holds an office is public: the bylaws make officers answerable to anyone they act on.
pub async fn officers(state: &AppState) -> AppResult<Vec<Officer>> {
    let mut out = Vec::new();
    for role in crate::services::accounts::ROLES {
        for g in gov_store::active_grants_of_role(&state.db.pool, role).await? {
            let Some(a) = account_store::account_by_id(&state.db.pool, g.account_id).await? else {
                continue;
            };
            out.push(Officer {
                role: g.role,
                username: a.username,
                display_name: a.display_name,
                since: crate::time::iso(g.granted_at),
                until: g.term_ends_at.map(crate::time::iso),
                holding_over: g.holding_over != 0,
            });
        }
    }
    Ok(out)
}

/// How many active members the co-op has (a public figure, as a co-op's size is).
pub async fn member_count(state: &AppState) -> AppResult<i64> {
    Ok(prop_store::count_active_members_except(&state.db.pool, &[]).await?)
}

/// One calendar month of the ledger, in minor units of the bylaws' currency.
#[derive(Debug, Serialize, Clone)]
pub struct Month {
    /// `YYYY-MM`.
    pub month: String,
    pub income: i64,
    pub expenses: i64,
    /// Total assets at the month's end (the co-op's money, all accounts together).
    pub balance: i64,
}

/// The last `months` calendar months (this one included), oldest first, with the currency
/// they are in; for ledger readers only (as `GET ledger/report`).
pub async fn monthly(
    state: &AppState,
    viewer: Option<i64>,
    months: u32,
) -> AppResult<(String, Vec<Month>)> {
    use crate::services::ledger;
    ledger::require_reader(state, viewer).await?;
    let now = state.clock.now_micros();
    let today = DateTime::from_timestamp_micros(now)
        .unwrap_or_default()
        .date_naive();
    let this_month = NaiveDate::from_ymd_opt(today.year(), today.month(), 1).unwrap_or(today);
    let micros = |d: NaiveDate| {
        d.and_hms_opt(0, 0, 0)
            .map(|t| t.and_utc().timestamp_micros())
            .unwrap_or(now)
    };
    let mut out = Vec::new();
    let mut currency = String::new();
    for back in (0..months).rev() {
        let start = this_month
            .checked_sub_months(chrono::Months::new(back))
            .unwrap_or(this_month);
        let end = start
            .checked_add_months(chrono::Months::new(1))
            .unwrap_or(start);
        // The current month ends now (a report's `to` is exclusive).
        let to = if back == 0 { now + 1 } else { micros(end) };
        let r = ledger::report(state, micros(start), to).await?;
        currency = r.currency.clone();
        let pick =
            |t: &std::collections::BTreeMap<String, i64>| t.get(&r.currency).copied().unwrap_or(0);
        out.push(Month {
            month: start.format("%Y-%m").to_string(),
            income: pick(&r.income_statement.total_income),
            expenses: pick(&r.income_statement.total_expenses),
            balance: pick(&r.balance_sheet.total_assets),
        });
    }
    Ok((currency, out))
}

/// What joining costs and how one is admitted, from the bylaws in force (amounts formatted in
/// the membership currency).
#[derive(Debug, Serialize)]
pub struct JoinTerms {
    /// `admin` or `proposal`.
    pub admission: String,
    pub currency: String,
    pub share: String,
    /// `month` or `year`; empty when the bylaws set no dues.
    pub dues_period: String,
    pub dues_min: String,
    pub dues_suggested: String,
    pub dues_max: String,
    pub lapse_after_days: Option<u32>,
    /// Whether the bylaws make the ledger public.
    pub ledger_public: bool,
}

pub async fn join_terms(state: &AppState) -> AppResult<Option<JoinTerms>> {
    use herd_governance::ledger::format_amount;
    let now = state.clock.now_micros();
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let ledger_public = bylaws
        .finance
        .as_ref()
        .is_some_and(|f| f.ledger_visibility == herd_governance::bylaws::LedgerVisibility::Public);
    Ok(bylaws.membership.as_ref().map(|m| {
        let cur = m.currency.as_str();
        let dues = m.dues.as_ref();
        JoinTerms {
            admission: m.admission.as_str().to_string(),
            currency: m.currency.clone(),
            share: format_amount(m.share_price_minor, cur),
            dues_period: dues
                .map(|d| d.period.as_str().to_string())
                .unwrap_or_default(),
            dues_min: dues
                .map(|d| format_amount(d.min_minor, cur))
                .unwrap_or_default(),
            dues_suggested: dues
                .and_then(|d| d.suggested_minor)
                .map(|v| format_amount(v, cur))
                .unwrap_or_default(),
            dues_max: dues
                .and_then(|d| d.max_minor)
                .map(|v| format_amount(v, cur))
                .unwrap_or_default(),
            lapse_after_days: m.lapse_after_days_unpaid,
            ledger_public,
        }
    }))
}

/// An amount in minor units as text in the currency's major unit (`12.50`).
pub fn money(amount: i64, currency: &str) -> String {
    herd_governance::ledger::format_amount(amount, currency)
}

/// A typed amount in the major unit (`12.5`, `12.50`, `12`) as minor units of `currency`;
/// `None` when it is not a plain positive decimal with at most the currency's decimals.
pub fn parse_money(text: &str, currency: &str) -> Option<i64> {
    let exp = herd_governance::ledger::currency_exponent(&currency.trim().to_ascii_uppercase())
        .unwrap_or(2);
    let text = text.trim();
    let (whole, frac) = match text.split_once('.') {
        Some((w, f)) => (w, f),
        None => (text, ""),
    };
    if whole.is_empty()
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
        || frac.len() > exp as usize
        || whole.len() > 15
    {
        return None;
    }
    let scale = 10i64.pow(exp);
    let frac_value: i64 = if frac.is_empty() {
        0
    } else {
        frac.parse::<i64>().ok()? * 10i64.pow(exp - frac.len() as u32)
    };
    whole
        .parse::<i64>()
        .ok()?
        .checked_mul(scale)?
        .checked_add(frac_value)
}

/// What the expense form offers: the bylaws' expense categories and currency.
#[derive(Debug, Serialize)]
pub struct ExpenseChoices {
    pub categories: Vec<String>,
    pub currency: String,
}

pub async fn expense_choices(state: &AppState) -> AppResult<ExpenseChoices> {
    let now = state.clock.now_micros();
    let (chart, bylaws) = crate::services::ledger::chart(state, now).await?;
    Ok(ExpenseChoices {
        categories: chart.expense_categories(),
        currency: bylaws
            .finance
            .as_ref()
            .map(|f| f.currency.clone())
            .unwrap_or_default(),
    })
}

#[cfg(test)]
mod tests {
    use super::parse_money;

    #[test]
    fn typed_amounts_read_as_minor_units() {
        assert_eq!(parse_money("12.50", "EUR"), Some(1250));
        assert_eq!(parse_money("12.5", "EUR"), Some(1250));
        assert_eq!(parse_money(" 7 ", "EUR"), Some(700));
        assert_eq!(parse_money("0.05", "EUR"), Some(5));
        assert_eq!(parse_money("1.234", "EUR"), None);
        assert_eq!(parse_money("-3", "EUR"), None);
        assert_eq!(parse_money("abc", "EUR"), None);
        assert_eq!(parse_money("", "EUR"), None);
        assert_eq!(parse_money("500", "JPY"), Some(500));
    }
}
