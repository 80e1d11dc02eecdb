//! Terms of roles (bylaws 3.2, 3.3): how long a grant lasts, when its holder and the members
//! are told it ends, and what happens when it ends. Times are epoch microseconds.
//!
//! A role never falls to zero holders by expiry: when a term ends and nobody else holds the
//! role, the holder keeps it, *holding over*, until an election fills the seat. A recall (an
//! enacted `general` proposal) or the end of the holder's membership removes a role at once.

use crate::bylaws::{RoleRules, MAX_TERM_DAYS};

const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Where a grant's term comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grant {
    /// Granted once by the bootstrap when the co-op is founded.
    Founding,
    /// Granted by an election; `term_days` when the proposal says so.
    Election { term_days: Option<u32> },
}

/// The length of a term in days, under `rules`.
pub fn term_days(rules: &RoleRules, grant: Grant) -> u32 {
    match grant {
        Grant::Founding => rules.founding_term_days,
        Grant::Election { term_days } => term_days.unwrap_or(rules.term_days),
    }
}

/// When a term that starts at `since` and lasts `days` ends.
pub fn term_end(since: i64, days: u32) -> i64 {
    since.saturating_add(i64::from(days).saturating_mul(MICROS_PER_DAY))
}

/// When the holder and the members are told that a term ending at `until` ends (never before
/// `since`, the term's start).
pub fn notice_at(rules: &RoleRules, since: i64, until: i64) -> i64 {
    until
        .saturating_sub(i64::from(rules.notice_days).saturating_mul(MICROS_PER_DAY))
        .max(since)
}

/// Checks an election's own `term_days`.
pub fn check_term_days(days: u64) -> Result<u32, String> {
    u32::try_from(days)
        .ok()
        .filter(|d| (1..=MAX_TERM_DAYS).contains(d))
        .ok_or_else(|| format!("term_days must be 1 to {MAX_TERM_DAYS} days"))
}

/// What happens to a grant whose term has ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermEnd {
    /// The role ends.
    Expires,
    /// The holder keeps the role until an election fills the seat.
    HoldsOver,
}

/// A term has ended; `other_holders` is how many others hold the same role now (their terms
/// running, ended or held over).
pub fn at_term_end(other_holders: usize) -> TermEnd {
    if other_holders == 0 {
        TermEnd::HoldsOver
    } else {
        TermEnd::Expires
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terms_follow_the_rules() {
        let rules = RoleRules::default();
        assert_eq!(term_days(&rules, Grant::Founding), 90);
        assert_eq!(term_days(&rules, Grant::Election { term_days: None }), 365);
        assert_eq!(
            term_days(
                &rules,
                Grant::Election {
                    term_days: Some(30)
                }
            ),
            30
        );
        assert_eq!(term_end(0, 2), 2 * MICROS_PER_DAY);
        assert_eq!(
            notice_at(&rules, 0, 365 * MICROS_PER_DAY),
            335 * MICROS_PER_DAY
        );
        // A term shorter than the notice is announced when it starts.
        assert_eq!(notice_at(&rules, 5, 10 * MICROS_PER_DAY), 5);
    }

    #[test]
    fn term_days_are_bounded() {
        assert!(check_term_days(0).is_err());
        assert_eq!(check_term_days(1), Ok(1));
        assert_eq!(check_term_days(1830), Ok(1830));
        assert!(check_term_days(1831).is_err());
        assert!(check_term_days(u64::MAX).is_err());
    }

    #[test]
    fn the_last_holder_holds_over() {
        assert_eq!(at_term_end(0), TermEnd::HoldsOver);
        assert_eq!(at_term_end(1), TermEnd::Expires);
    }
}
