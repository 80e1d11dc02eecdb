//! Membership dues arithmetic: how far a payment extends a member's `paid_until`, what
//! `paid_until` becomes when a payment is reversed (as if it had never been made, the later
//! payments applied as they were), and when dues are overdue.

use chrono::{DateTime, Months};

use crate::bylaws::DuesPeriod;
use crate::lifecycle::MICROS_PER_DAY;

/// How many calendar months `periods` dues periods are.
pub fn months(period: DuesPeriod, periods: u32) -> u32 {
    match period {
        DuesPeriod::Month => periods,
        DuesPeriod::Year => periods.saturating_mul(12),
    }
}

/// `from` plus `months` calendar months (UTC); 30 days a month beyond chrono's range.
pub fn add_months(from: i64, months: u32) -> i64 {
    DateTime::from_timestamp_micros(from)
        .and_then(|t| t.checked_add_months(Months::new(months)))
        .map(|t| t.timestamp_micros())
        .unwrap_or(from.saturating_add(i64::from(months).saturating_mul(30 * MICROS_PER_DAY)))
}

/// A dues payment as it was applied: when, and how many months it paid for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Grant {
    pub at: i64,
    pub months: u32,
}

/// `paid_until` after a payment: paid ahead, it extends from the paid-until date; behind (or
/// never paid), from the payment's time.
pub fn apply(before: Option<i64>, g: Grant) -> i64 {
    let base = before.map_or(g.at, |u| u.max(g.at));
    add_months(base, g.months)
}

/// Applies `grants` in order from `start`: each one's (paid_until before, paid_until after).
/// Reversing a payment is replaying the payments after it from the value before it.
pub fn replay(start: Option<i64>, grants: &[Grant]) -> Vec<(Option<i64>, i64)> {
    let mut until = start;
    grants
        .iter()
        .map(|g| {
            let after = apply(until, *g);
            let step = (until, after);
            until = Some(after);
            step
        })
        .collect()
}

/// Whether a membership whose dues ran (or which began) until `last` is overdue at `now` when
/// the bylaws lapse it after `lapse_after_days` days unpaid.
pub fn overdue(last: i64, now: i64, lapse_after_days: u32) -> bool {
    last < now.saturating_sub(i64::from(lapse_after_days).saturating_mul(MICROS_PER_DAY))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(y: i32, m: u32, d: u32) -> i64 {
        chrono::NaiveDate::from_ymd_opt(y, m, d)
            .and_then(|d| d.and_hms_opt(0, 0, 0))
            .map(|t| t.and_utc().timestamp_micros())
            .unwrap_or_default()
    }

    #[test]
    fn payments_extend_from_paid_until_or_now() {
        assert_eq!(months(DuesPeriod::Year, 2), 24);
        let g = Grant {
            at: at(2026, 1, 31),
            months: 1,
        };
        // Behind: from the payment (calendar months: 31 January + 1 month = 28 February).
        assert_eq!(apply(None, g), at(2026, 2, 28));
        assert_eq!(apply(Some(at(2025, 6, 1)), g), at(2026, 2, 28));
        // Ahead: from paid-until.
        assert_eq!(apply(Some(at(2026, 5, 1)), g), at(2026, 6, 1));
    }

    #[test]
    fn reversal_replays_the_later_payments() {
        let a = Grant {
            at: at(2026, 1, 1),
            months: 36,
        };
        let b = Grant {
            at: at(2026, 2, 1),
            months: 1,
        };
        let steps = replay(None, &[a, b]);
        assert_eq!(
            steps,
            vec![
                (None, at(2029, 1, 1)),
                (Some(at(2029, 1, 1)), at(2029, 2, 1))
            ]
        );
        // Without a, b pays one month from its own date.
        assert_eq!(replay(None, &[b]), vec![(None, at(2026, 3, 1))]);
        assert!(replay(Some(5), &[]).is_empty());
    }

    #[test]
    fn overdue_after_the_lapse_days() {
        let now = at(2026, 4, 1);
        assert!(overdue(at(2025, 12, 31), now, 90));
        assert!(!overdue(at(2026, 1, 1), now, 90));
        assert!(!overdue(at(2026, 3, 1), now, 90));
    }
}
