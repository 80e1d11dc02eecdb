//! A proposal's life: `draft → open → closed → passed | failed | no_quorum`, and `passed →
//! enacted`; and how long it must stay open.
//!
//! The states are DESIGN §6's. Only the transitions below are allowed, so a proposal cannot be
//! reopened after its result is known (that would let a result be re-run until it suits
//! someone), cannot be enacted unless it passed, and cannot skip being open for the minimum the
//! bylaws set: members must have the time the bylaws promise them to read, discuss and vote.
//!
//! Times are `i64` microseconds since the Unix epoch; this crate has no clock, so the caller
//! passes them in.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::bylaws::DecisionRule;
use crate::tally::Decision;

/// Microseconds in a day.
pub const MICROS_PER_DAY: i64 = 86_400_000_000;

/// Where a proposal is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    /// Being written; nobody can vote.
    Draft,
    /// Accepting ballots (a member may change theirs until close).
    Open,
    /// No longer accepting ballots; the count is due.
    Closed,
    Passed,
    Failed,
    NoQuorum,
    /// A passed proposal whose effect has been applied (policy adopted, roles granted, …).
    Enacted,
}

impl State {
    pub const ALL: [State; 7] = [
        State::Draft,
        State::Open,
        State::Closed,
        State::Passed,
        State::Failed,
        State::NoQuorum,
        State::Enacted,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::Open => "open",
            State::Closed => "closed",
            State::Passed => "passed",
            State::Failed => "failed",
            State::NoQuorum => "no_quorum",
            State::Enacted => "enacted",
        }
    }

    /// Whether ballots may be cast or changed.
    pub fn accepts_votes(self) -> bool {
        self == State::Open
    }

    /// Whether the result is known (passed, failed, no quorum or enacted).
    pub fn has_result(self) -> bool {
        matches!(
            self,
            State::Passed | State::Failed | State::NoQuorum | State::Enacted
        )
    }

    /// Whether no further transition is possible.
    pub fn is_final(self) -> bool {
        matches!(self, State::Failed | State::NoQuorum | State::Enacted)
    }
}

impl fmt::Display for State {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl From<Decision> for State {
    fn from(d: Decision) -> State {
        match d {
            Decision::Passed => State::Passed,
            Decision::Failed => State::Failed,
            Decision::NoQuorum => State::NoQuorum,
        }
    }
}

/// What happens to a proposal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "event", content = "decision")]
pub enum Event {
    /// Voting starts (draft → open).
    Open,
    /// Voting ends at `closes_at` (open → closed).
    Close,
    /// The count is recorded (closed → passed | failed | no_quorum).
    Decide(Decision),
    /// The effect is applied (passed → enacted).
    Enact,
}

impl fmt::Display for Event {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Event::Open => f.write_str("open"),
            Event::Close => f.write_str("close"),
            Event::Decide(d) => write!(f, "decide ({})", d.as_str()),
            Event::Enact => f.write_str("enact"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LifecycleError {
    #[error("a {from} proposal cannot {event} (allowed: {allowed})")]
    InvalidTransition {
        from: State,
        event: Event,
        allowed: &'static str,
    },
    #[error(
        "closes_at must be at least {min_days} days after the proposal opens{urgent} \
         (earliest {earliest} µs since the epoch, got {closes_at})"
    )]
    ClosesTooSoon {
        min_days: f64,
        /// `" (urgent)"` or empty.
        urgent: &'static str,
        earliest: i64,
        closes_at: i64,
    },
}

/// The state after `event`, or an error naming what the state allows.
pub fn transition(from: State, event: Event) -> Result<State, LifecycleError> {
    let to = match (from, event) {
        (State::Draft, Event::Open) => Some(State::Open),
        (State::Open, Event::Close) => Some(State::Closed),
        (State::Closed, Event::Decide(d)) => Some(State::from(d)),
        (State::Passed, Event::Enact) => Some(State::Enacted),
        _ => None,
    };
    to.ok_or(LifecycleError::InvalidTransition {
        from,
        event,
        allowed: match from {
            State::Draft => "open",
            State::Open => "close",
            State::Closed => "decide",
            State::Passed => "enact",
            State::Failed | State::NoQuorum | State::Enacted => "nothing: the proposal is final",
        },
    })
}

/// The minimum days open under `rule`: `urgent_min_days` when urgent and set, else `min_days`.
/// Urgency can only shorten the period when the bylaws say by how much.
pub fn min_days(rule: &DecisionRule, urgent: bool) -> f64 {
    match (urgent, rule.urgent_min_days) {
        (true, Some(d)) => d,
        _ => rule.min_days,
    }
}

/// The earliest moment the proposal may close: `opened_at` plus the minimum days (fractional
/// days rounded to the nearest microsecond; saturating at the ends of `i64`).
pub fn earliest_close(opened_at_micros: i64, rule: &DecisionRule, urgent: bool) -> i64 {
    let days = min_days(rule, urgent);
    let micros = if days.is_finite() && days > 0.0 {
        // f64 → i64 `as` saturates; 1e6 days is far beyond any bylaws and still exact enough.
        (days * MICROS_PER_DAY as f64).round() as i64
    } else {
        0
    };
    opened_at_micros.saturating_add(micros)
}

/// Refuse a `closes_at` before [`earliest_close`], naming the minimum.
pub fn validate_closes_at(
    opened_at_micros: i64,
    closes_at_micros: i64,
    rule: &DecisionRule,
    urgent: bool,
) -> Result<(), LifecycleError> {
    let earliest = earliest_close(opened_at_micros, rule, urgent);
    if closes_at_micros < earliest {
        return Err(LifecycleError::ClosesTooSoon {
            min_days: min_days(rule, urgent),
            urgent: if urgent && rule.urgent_min_days.is_some() {
                " (urgent)"
            } else {
                ""
            },
            earliest,
            closes_at: closes_at_micros,
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests;
