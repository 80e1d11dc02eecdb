//! Budgets per period and account: a treasurer's budget for a calendar month or year, or the
//! bylaws' monthly budget, resolved to any report period month by month.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, NaiveDate};

use super::prorate_part;

/// A budget period: a calendar month (`2026-03`) or year (`2026`), UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetPeriod {
    Month(i32, u32),
    Year(i32),
}

/// A budget a treasurer set: `amount` minor units of `currency` for `account` in `period`
/// (a [`BudgetPeriod::key`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Budget {
    pub period: String,
    pub account: String,
    pub amount: i64,
    pub currency: String,
}

fn month_start(year: i32, month: u32) -> Option<i64> {
    NaiveDate::from_ymd_opt(year, month, 1)
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc().timestamp_micros())
}

fn next_month(year: i32, month: u32) -> (i32, u32) {
    if month == 12 {
        (year + 1, 1)
    } else {
        (year, month + 1)
    }
}

impl BudgetPeriod {
    /// `YYYY-MM` or `YYYY`, years 1900 to 9999; `None` for anything else.
    pub fn parse(s: &str) -> Option<BudgetPeriod> {
        let s = s.trim();
        let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
        let (y, m) = match s.split_once('-') {
            Some((y, m)) if y.len() == 4 && m.len() == 2 && digits(y) && digits(m) => (y, Some(m)),
            None if s.len() == 4 && digits(s) => (s, None),
            _ => return None,
        };
        let year: i32 = y.parse().ok()?;
        if !(1900..=9999).contains(&year) {
            return None;
        }
        match m {
            None => Some(BudgetPeriod::Year(year)),
            Some(m) => match m.parse::<u32>() {
                Ok(month @ 1..=12) => Some(BudgetPeriod::Month(year, month)),
                _ => None,
            },
        }
    }

    pub fn key(&self) -> String {
        match self {
            BudgetPeriod::Month(y, m) => format!("{y:04}-{m:02}"),
            BudgetPeriod::Year(y) => format!("{y:04}"),
        }
    }

    /// `[start, end)` in epoch microseconds.
    pub fn span(&self) -> Option<(i64, i64)> {
        let (from, to) = match *self {
            BudgetPeriod::Month(y, m) => {
                let (ny, nm) = next_month(y, m);
                (month_start(y, m), month_start(ny, nm))
            }
            BudgetPeriod::Year(y) => (month_start(y, 1), month_start(y + 1, 1)),
        };
        from.zip(to)
    }

    /// Whether a budget stored under `key` bears on this period: its own, its year's (for a
    /// month) or its months' (for a year).
    pub fn relates_to(&self, key: &str) -> bool {
        match *self {
            BudgetPeriod::Month(y, _) => key == self.key() || key == format!("{y:04}"),
            BudgetPeriod::Year(y) => key.get(..4) == Some(format!("{y:04}").as_str()),
        }
    }
}

/// A budget resolved to a report's period.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedBudget {
    pub amount: i64,
    /// Whether a treasurer's budget (rather than only the bylaws') contributed.
    pub set_by_treasurer: bool,
}

/// Each account's budget for `[from, to)`, per currency: calendar month by month, a
/// treasurer's budget for that month, else the treasurer's budget for its year (prorated by
/// time), else the bylaws' `monthly_budgets`; a month the period covers in part counts in
/// proportion.
pub fn resolve(
    monthly_bylaws: &BTreeMap<String, i64>,
    bylaws_currency: &str,
    stored: &[Budget],
    from: i64,
    to: i64,
) -> BTreeMap<(String, String), ResolvedBudget> {
    let mut out: BTreeMap<(String, String), ResolvedBudget> = BTreeMap::new();
    let mut accounts: BTreeSet<&str> = monthly_bylaws.keys().map(String::as_str).collect();
    accounts.extend(stored.iter().map(|b| b.account.as_str()));
    if accounts.is_empty() || to <= from {
        return out;
    }
    let by_key: BTreeMap<(&str, &str), &Budget> = stored
        .iter()
        .map(|b| ((b.period.as_str(), b.account.as_str()), b))
        .collect();
    let mut add = |account: &str, currency: &str, amount: i64, treasurer: bool| {
        let e = out
            .entry((account.to_string(), currency.to_string()))
            .or_insert(ResolvedBudget {
                amount: 0,
                set_by_treasurer: false,
            });
        e.amount = e.amount.saturating_add(amount);
        e.set_by_treasurer |= treasurer;
    };
    let Some(first) = DateTime::from_timestamp_micros(from) else {
        return BTreeMap::new();
    };
    let (mut y, mut m) = (first.year(), first.month());
    // Time of each year covered where that year's budget applies, prorated once per year so
    // a whole year adds up to the budget exactly.
    let mut year_parts: BTreeMap<(i32, &str), i64> = BTreeMap::new();
    loop {
        let (ny, nm) = next_month(y, m);
        let (Some(start), Some(end)) = (month_start(y, m), month_start(ny, nm)) else {
            break;
        };
        if start >= to {
            break;
        }
        let part = to.min(end) - from.max(start);
        if part > 0 {
            let (month_key, year_key) = (format!("{y:04}-{m:02}"), format!("{y:04}"));
            for &a in &accounts {
                if let Some(b) = by_key.get(&(month_key.as_str(), a)) {
                    add(
                        a,
                        &b.currency,
                        prorate_part(b.amount, part, end - start),
                        true,
                    );
                } else if by_key.contains_key(&(year_key.as_str(), a)) {
                    *year_parts.entry((y, a)).or_default() += part;
                } else if let Some(monthly) = monthly_bylaws.get(a) {
                    add(
                        a,
                        bylaws_currency,
                        prorate_part(*monthly, part, end - start),
                        false,
                    );
                }
            }
        }
        (y, m) = (ny, nm);
    }
    for ((year, a), part) in year_parts {
        let key = format!("{year:04}");
        if let (Some(b), Some(start), Some(end)) = (
            by_key.get(&(key.as_str(), a)),
            month_start(year, 1),
            month_start(year + 1, 1),
        ) {
            add(
                a,
                &b.currency,
                prorate_part(b.amount, part, end - start),
                true,
            );
        }
    }
    out
}
