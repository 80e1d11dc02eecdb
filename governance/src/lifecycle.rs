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
    #[error(
        "is required when a proposal is urgent: the bylaws let it close early only with a reason"
    )]
    UrgentWithoutReason,
    #[error("is only for an urgent proposal (set urgent, or leave the reason out)")]
    ReasonWithoutUrgency,
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

/// Checks urgency against its reason (bylaws 4.4: a proposal is "marked urgent, with a
/// reason"): an urgent proposal needs a reason that is not blank, and a reason without urgency
/// is refused rather than shown on a proposal that is not urgent.
pub fn check_urgency(urgent: bool, reason: Option<&str>) -> Result<(), LifecycleError> {
    let given = reason.is_some_and(|r| !r.trim().is_empty());
    match (urgent, given) {
        (true, false) => Err(LifecycleError::UrgentWithoutReason),
        (false, true) => Err(LifecycleError::ReasonWithoutUrgency),
        _ => Ok(()),
    }
}

/// Whether a running count may be shown while a proposal is open. Never for a secret ballot:
/// a count that moves when one member votes or changes their vote tells whoever watches it how
/// that member voted. Nor when the proposal hides its results until the close.
pub fn running_tally_shown(hide_results: bool, secret: bool) -> bool {
    !hide_results && !secret
}

/// What the governance log records of a ballot cast while the proposal is open.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BallotRecord {
    /// Nothing at all: a secret ballot changed. Who has voted is already known from their first
    /// ballot, and any entry (even one naming nobody) would tell that some vote changed, which
    /// a watcher can tie to the one member who cast a ballot then.
    Nothing,
    /// Who voted, nothing about the ballot: a secret ballot's first.
    Voter,
    /// Who voted and whether they changed their vote, not how: results hidden until close.
    VoterAndChange,
    /// Who voted, how, and their reason: an open ballot.
    Everything,
}

/// The [`BallotRecord`] for a ballot on a proposal with these settings; `replaced` when it
/// replaces the member's earlier ballot.
pub fn ballot_record(hide_results: bool, secret: bool, replaced: bool) -> BallotRecord {
    match (secret, hide_results, replaced) {
        (true, _, true) => BallotRecord::Nothing,
        (true, _, false) => BallotRecord::Voter,
        (false, true, _) => BallotRecord::VoterAndChange,
        (false, false, _) => BallotRecord::Everything,
    }
}

#[cfg(test)]
mod tests;
