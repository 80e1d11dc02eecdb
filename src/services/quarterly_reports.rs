//! The treasurers' quarterly report (bylaws 5.4: "a financial report to the members at least
//! every three months"): for one calendar quarter, the income statement, the balance sheet at
//! its end, budget against actual and the notable expenses, all from the ledger; and its
//! publication, once per quarter, as a post by `@coop` for the members and a mail to each.
//!
//! Choices made where the issue is silent:
//! - Anyone who may read the ledger (the bylaws' `ledger_visibility`) may read any quarter's
//!   report, published or not: its figures are the ledger's, which they can read already.
//! - Notable expenses are the quarter's five largest debits to expense accounts, leaving out
//!   transactions that were reversed and their reversals.
//! - A quarter is published only once it has ended, and only once (a second try is refused).
//!   The post is members-only (followers-only and local-only) unless the ledger is public;
//!   the mail goes to every active member who takes the co-op's mails (`email_proposals`).

use chrono::{DateTime, Datelike, NaiveDate};
use herd_governance::bylaws::LedgerVisibility;
use serde::Serialize;
use serde_json::json;

use crate::error::{AppError, AppResult};
use crate::jobs::{self, Job};
use crate::services::ledger::{self, Report};
use crate::services::proposal_posts;
use crate::state::AppState;
use crate::storage::accounts as account_store;
use crate::storage::proposals as prop_store;
use crate::storage::quarterly_reports::{self as store, ExpensePostingRow, PublishedRow};

/// How many of the quarter's largest expenses the report lists.
pub const NOTABLE_EXPENSES: i64 = 5;

/// A calendar quarter, `2026-Q3`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Quarter {
    pub year: i32,
    /// 1 to 4.
    pub q: u32,
}

impl Quarter {
    /// `YYYY-QN` (the `Q` in either case).
    pub fn parse(s: &str) -> Option<Quarter> {
        let (year, q) = s.trim().split_once(['-'])?;
        let q = q.strip_prefix(['Q', 'q'])?;
        if year.len() != 4 || !year.bytes().all(|b| b.is_ascii_digit()) || q.len() != 1 {
            return None;
        }
        let year: i32 = year.parse().ok()?;
        let q: u32 = q.parse().ok()?;
        ((1..=4).contains(&q) && year >= 1970).then_some(Quarter { year, q })
    }

    pub fn key(&self) -> String {
        format!("{}-Q{}", self.year, self.q)
    }

    fn first_day(&self) -> Option<NaiveDate> {
        NaiveDate::from_ymd_opt(self.year, 3 * (self.q - 1) + 1, 1)
    }

    /// `[from, to)` in epoch microseconds.
    pub fn span(&self) -> Option<(i64, i64)> {
        let start = self.first_day()?;
        let end = start.checked_add_months(chrono::Months::new(3))?;
        let micros = |d: NaiveDate| {
            d.and_hms_opt(0, 0, 0)
                .map(|t| t.and_utc().timestamp_micros())
        };
        Some((micros(start)?, micros(end)?))
    }

    /// The quarter `at` (epoch microseconds) falls in.
    pub fn of(at: i64) -> Quarter {
        let d = DateTime::from_timestamp_micros(at)
            .unwrap_or_default()
            .date_naive();
        Quarter {
            year: d.year(),
            q: (d.month() - 1) / 3 + 1,
        }
    }

    pub fn previous(&self) -> Quarter {
        if self.q == 1 {
            Quarter {
                year: self.year - 1,
                q: 4,
            }
        } else {
            Quarter {
                year: self.year,
                q: self.q - 1,
            }
        }
    }
}

fn parse_quarter(s: &str) -> AppResult<(Quarter, i64, i64)> {
    let q = Quarter::parse(s).ok_or_else(AppError::not_found)?;
    let (from, to) = q.span().ok_or_else(AppError::not_found)?;
    Ok((q, from, to))
}

/// When and by whom a quarter's report was published.
#[derive(Debug, Serialize)]
pub struct Publication {
    pub at: String,
    /// `at`'s day, `YYYY-MM-DD`.
    pub date: String,
    pub by: String,
    /// The `@coop` post's page, when there is one.
    pub status_url: Option<String>,
    pub recipients: i64,
}

async fn publication(state: &AppState, row: PublishedRow) -> AppResult<Publication> {
    let by = account_store::account_by_id(&state.db.pool, row.published_by_account_id)
        .await?
        .map(|a| a.username)
        .unwrap_or_default();
    let at = crate::time::iso(row.published_at);
    Ok(Publication {
        date: at.get(..10).unwrap_or(&at).to_string(),
        at,
        by,
        status_url: row.status_id.map(|id| format!("/@coop/{id}")),
        recipients: row.recipients,
    })
}

/// One quarter's report.
pub struct QuarterReport {
    pub quarter: Quarter,
    pub report: Report,
    pub notable: Vec<ExpensePostingRow>,
    /// Whether the quarter is over (a report of a running quarter is to date).
    pub ended: bool,
    pub published: Option<Publication>,
    /// Whether this viewer is offered the publish button (the service checks again).
    pub can_publish: bool,
}

/// A quarter's report for whoever may read the ledger; 404 for a quarter that does not parse.
pub async fn show(
    state: &AppState,
    viewer: Option<i64>,
    quarter: &str,
) -> AppResult<QuarterReport> {
    ledger::require_reader(state, viewer).await?;
    let (q, from, to) = parse_quarter(quarter)?;
    let now = state.clock.now_micros();
    let report = ledger::report(state, from, to).await?;
    let notable = store::largest_expenses(&state.db.pool, from, to, NOTABLE_EXPENSES).await?;
    let published = match store::get(&state.db.pool, &q.key()).await? {
        Some(row) => Some(publication(state, row).await?),
        None => None,
    };
    let ended = to <= now;
    let treasurer = match viewer {
        Some(v) => ledger::has_role(state, v, "treasurer").await?,
        None => false,
    };
    Ok(QuarterReport {
        quarter: q,
        report,
        notable,
        ended,
        can_publish: treasurer && ended && published.is_none(),
        published,
    })
}

/// A quarter in the list of reports.
#[derive(Debug, Serialize)]
pub struct QuarterItem {
    pub quarter: String,
    pub from: String,
    pub to: String,
    pub ended: bool,
    pub published: Option<Publication>,
}

/// The last eight quarters (this one first) and any older published one, for ledger readers.
pub async fn list(state: &AppState, viewer: Option<i64>) -> AppResult<Vec<QuarterItem>> {
    ledger::require_reader(state, viewer).await?;
    let now = state.clock.now_micros();
    let mut quarters = vec![Quarter::of(now)];
    for _ in 1..8 {
        let prev = quarters
            .last()
            .map(Quarter::previous)
            .unwrap_or(Quarter::of(now));
        quarters.push(prev);
    }
    let mut published = std::collections::BTreeMap::new();
    for row in store::list(&state.db.pool).await? {
        if let Some(q) = Quarter::parse(&row.quarter) {
            if !quarters.contains(&q) {
                quarters.push(q);
            }
            published.insert(q, row);
        }
    }
    quarters.sort_by(|a, b| b.cmp(a));
    let mut out = Vec::new();
    for q in quarters {
        let Some((from, to)) = q.span() else { continue };
        let day = |t: i64| {
            let s = crate::time::iso(t);
            s.get(..10).unwrap_or(&s).to_string()
        };
        out.push(QuarterItem {
            quarter: q.key(),
            from: day(from),
            to: day(to - 1),
            ended: to <= now,
            published: match published.remove(&q) {
                Some(row) => Some(publication(state, row).await?),
                None => None,
            },
        });
    }
    Ok(out)
}

fn totals(t: &std::collections::BTreeMap<String, i64>) -> String {
    if t.values().all(|v| *v == 0) {
        return "0".into();
    }
    t.iter()
        .filter(|(_, v)| **v != 0)
        .map(|(c, v)| format!("{} {c}", herd_governance::ledger::format_amount(*v, c)))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A treasurer publishes an ended quarter's report to the members: the record, the `@coop`
/// post and one mail per member are written in one transaction, so the quarter is published
/// once (a second try, even a concurrent one, is refused and writes nothing).
pub async fn publish(state: &AppState, actor: i64, quarter: &str) -> AppResult<Publication> {
    ledger::require_treasurer(state, actor).await?;
    let (q, from, to) = parse_quarter(quarter)?;
    let now = state.clock.now_micros();
    if to > now {
        return Err(AppError::validation(
            "publish",
            "ERR_INVALID",
            "A quarter's report is published once the quarter has ended",
        ));
    }
    let key = q.key();
    if store::get(&state.db.pool, &key).await?.is_some() {
        return Err(already_published(&key));
    }
    let report = ledger::report(state, from, to).await?;
    let bylaws = crate::services::policies::bylaws_in_force(state, now).await?;
    let public = bylaws
        .finance
        .as_ref()
        .is_some_and(|f| f.ledger_visibility == LedgerVisibility::Public);
    let url = format!("{}/ledger/reports/{key}", state.base_url());
    let figures = format!(
        "Income {}; expenses {}; net {}; the co-op's assets at the quarter's end {}.",
        totals(&report.income_statement.total_income),
        totals(&report.income_statement.total_expenses),
        totals(&report.income_statement.net),
        totals(&report.balance_sheet.total_assets),
    );
    let text = format!(
        "The treasurers' financial report for {key} is published (bylaws 5.4). {figures}\n\n{url}"
    );
    let body = format!(
        "The treasurers have published the co-op's financial report for {key} (bylaws 5.4): the \
         income statement, the balance sheet, budget against actual and the notable expenses.\n\n\
         {figures}\n\nRead it: {url}\n\nTo stop these mails: PATCH /api/v1/coop/preferences with email_proposals=false.\n"
    );
    let subject = format!("Financial report for {key}");

    let mut tx = state.db.begin_write().await?;
    let members = prop_store::active_members(&mut **tx).await?;
    let recipients: Vec<i64> = members
        .iter()
        .filter(|m| m.email_proposals != 0)
        .map(|m| m.account_id)
        .collect();
    let mails: Vec<Job> = prop_store::emails_of(&mut **tx, &recipients)
        .await?
        .into_iter()
        .map(|(_, email)| Job::Mail {
            to: email,
            subject: subject.clone(),
            body: body.clone(),
            // The co-op's mails to its members, which `email_proposals` governs.
            mail_kind: Some("proposals".into()),
        })
        .collect();
    let status = proposal_posts::post_for_members(&mut tx, state, text, public, now).await?;
    let row = PublishedRow {
        quarter: key.clone(),
        published_by_account_id: actor,
        status_id: status.as_ref().map(|s| s.id),
        recipients: mails.len() as i64,
        published_at: now,
    };
    store::insert(&mut **tx, &row).await.map_err(|e| {
        if crate::storage::is_unique_violation(&e) {
            already_published(&key)
        } else {
            AppError::from(e)
        }
    })?;
    jobs::enqueue_many(&mut tx, &mails, now).await?;
    ledger::log(
        &mut tx,
        "ledger.report_published",
        Some(actor),
        None,
        json!({ "quarter": key, "status_id": row.status_id.map(|i| i.to_string()),
                "recipients": row.recipients }),
        now,
    )
    .await?;
    tx.commit().await?;
    state.jobs.wake();
    publication(state, row).await
}

fn already_published(key: &str) -> AppError {
    AppError::validation(
        "publish",
        "ERR_TAKEN",
        &format!("The report for {key} has already been published"),
    )
}

#[cfg(test)]
mod tests {
    use super::Quarter;

    #[test]
    fn quarters_parse_and_span_three_months() {
        let q = Quarter::parse("2026-Q3").expect("parses");
        assert_eq!(q, Quarter { year: 2026, q: 3 });
        assert_eq!(
            Quarter::parse("2026-q1").map(|q| q.key()),
            Some("2026-Q1".into())
        );
        for bad in ["2026-Q5", "2026-Q0", "2026Q3", "26-Q3", "2026-Q", "x"] {
            assert_eq!(Quarter::parse(bad), None, "{bad}");
        }
        let (from, to) = q.span().expect("span");
        assert_eq!(crate::time::iso(from).get(..10), Some("2026-07-01"));
        assert_eq!(crate::time::iso(to).get(..10), Some("2026-10-01"));
        assert_eq!(Quarter::of(from), q);
        assert_eq!(Quarter::of(to - 1), q);
        assert_eq!(
            Quarter { year: 2026, q: 1 }.previous(),
            Quarter { year: 2025, q: 4 }
        );
    }
}
