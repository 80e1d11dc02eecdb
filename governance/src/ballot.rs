//! Ballots: what a member sends (`{choice}`, `{choices}`, `{ranking}`, `{scores}`, `{dots}`, as
//! DESIGN §7 names them) and the checked form the tally counts.
//!
//! A ballot is checked once, when it is cast, against the proposal's [`DecisionRule`] and its
//! options ([`validate`]). The result, a [`ValidBallot`], can only be built by that check, so the
//! tally never has to second-guess a ballot: a refused ballot is refused with a message naming
//! what is wrong, before anything is written.
//!
//! Choices made here where the bylaws are silent:
//! - **Consent and yes/no ballots ignore the proposal's options.** Their choices are fixed
//!   (`agree|abstain|disagree|block`, `yes|no|abstain`), because the bylaws give those choices a
//!   meaning (a block is a veto, an abstention stands aside) that an option list could not.
//! - **An empty approval ballot is allowed.** It approves nothing but counts towards turnout:
//!   it is approval voting's way of abstaining. Refusing it would push a member who supports none
//!   of the options to stay away, and so weaken the quorum the bylaws ask for.
//! - **Likewise an empty ranking, a score ballot that scores nothing, and a dot ballot that places
//!   no dots** are allowed and count towards turnout only. Options left out of a score or dot
//!   ballot score 0; a ranking may rank any subset of the options (partial rankings).
//! - **Duplicates are refused, not merged**: naming an option twice in an approval list or a
//!   ranking is almost always a client bug, and silently merging it would count a ballot the
//!   member did not mean to cast.
//! - Option names are matched exactly (case and spaces matter): they are the proposal's strings.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::bylaws::{DecisionRule, Method};

/// Score voting when the rule sets no `max_score` (the bylaws parser requires it; this only
/// matters for a rule built by hand): Loomio's default range, 0 to 5.
pub const DEFAULT_MAX_SCORE: u32 = 5;
/// Dot voting when the rule sets no `dots` (as above): Loomio's default, 8 dots each.
pub const DEFAULT_DOTS: u32 = 8;

/// A ballot as a member sends it (JSON: exactly one of the keys). Deserialising accepts any of
/// the shapes; [`validate`] then checks that the shape fits the proposal's method.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged, deny_unknown_fields)]
pub enum Ballot {
    /// Consent (`agree|abstain|disagree|block`) and majority / supermajority (`yes|no|abstain`).
    Choice { choice: String },
    /// Approval: the options approved, in any order.
    Choices { choices: Vec<String> },
    /// Ranked choice: options from most to least preferred; unranked options come after all
    /// ranked ones.
    Ranking { ranking: Vec<String> },
    /// Score: option → score in `0..=max_score`; options left out score 0.
    Scores { scores: BTreeMap<String, u32> },
    /// Dot: option → dots placed; at most `dots` in all; options left out get 0.
    Dots { dots: BTreeMap<String, u32> },
}

impl Ballot {
    /// The JSON key of this shape (`choice`, `choices`, …), for messages.
    pub fn shape(&self) -> &'static str {
        match self {
            Ballot::Choice { .. } => "choice",
            Ballot::Choices { .. } => "choices",
            Ballot::Ranking { .. } => "ranking",
            Ballot::Scores { .. } => "scores",
            Ballot::Dots { .. } => "dots",
        }
    }
}

/// Why a ballot (or a proposal's option list) was refused. Messages are meant for the member.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BallotError {
    #[error("a {method} ballot is {expected}, not a `{got}` ballot")]
    WrongShape {
        method: Method,
        expected: &'static str,
        got: &'static str,
    },
    #[error("`{choice}` is not a choice in a {method} vote (expected one of: {expected})")]
    InvalidChoice {
        method: Method,
        choice: String,
        expected: &'static str,
    },
    #[error("`{option}` is not an option of this proposal (expected one of: {expected})")]
    UnknownOption { option: String, expected: String },
    #[error("`{option}` appears more than once in the {shape}")]
    DuplicateOption { option: String, shape: &'static str },
    #[error("{placed} dots placed, but each member has only {allowed}")]
    TooManyDots { placed: u64, allowed: u32 },
    #[error("score {score} for `{option}` is out of range (scores run from 0 to {max})")]
    ScoreOutOfRange {
        option: String,
        score: u32,
        max: u32,
    },
    #[error("a {method} proposal needs at least one option")]
    NoOptions { method: Method },
    #[error("option `{option}` is listed more than once")]
    DuplicateProposalOption { option: String },
    #[error("option names must not be empty")]
    EmptyOptionName,
}

/// A consent ballot's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConsentChoice {
    Agree,
    /// Stands aside: counts towards turnout, not towards the agree share (see [`crate::tally`]).
    Abstain,
    Disagree,
    /// A veto, overridden only by the block-override share.
    Block,
}

impl ConsentChoice {
    pub const ALL: [ConsentChoice; 4] = [
        ConsentChoice::Agree,
        ConsentChoice::Abstain,
        ConsentChoice::Disagree,
        ConsentChoice::Block,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ConsentChoice::Agree => "agree",
            ConsentChoice::Abstain => "abstain",
            ConsentChoice::Disagree => "disagree",
            ConsentChoice::Block => "block",
        }
    }
}

/// A majority or supermajority ballot's choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum YesNoChoice {
    Yes,
    No,
    /// Counts towards turnout, not towards the yes share.
    Abstain,
}

impl YesNoChoice {
    pub const ALL: [YesNoChoice; 3] = [YesNoChoice::Yes, YesNoChoice::No, YesNoChoice::Abstain];

    pub fn as_str(self) -> &'static str {
        match self {
            YesNoChoice::Yes => "yes",
            YesNoChoice::No => "no",
            YesNoChoice::Abstain => "abstain",
        }
    }
}

impl fmt::Display for ConsentChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl fmt::Display for YesNoChoice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A checked ballot, in the form the tally counts: options are indices into the proposal's
/// option list (the one [`validate`] was given). Only [`validate`] builds one.
///
/// To store a ballot, store [`ValidBallot::canonical_json`]; to count stored ballots, parse that
/// JSON back into a [`Ballot`] and run [`validate`] again with the proposal's rule and options
/// (canonical JSON always validates to the same ballot: property-tested).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ValidBallot {
    pub(crate) content: Content,
    /// How many options the ballot was checked against, so that the tally can refuse a ballot
    /// checked against another list.
    pub(crate) n_options: usize,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) enum Content {
    Consent(ConsentChoice),
    YesNo(YesNoChoice),
    /// Sorted option indices, no duplicates.
    Approval(Vec<u32>),
    /// One score per option.
    Score(Vec<u32>),
    /// Dots per option.
    Dot(Vec<u32>),
    /// Option indices, most preferred first, no duplicates.
    Ranking(Vec<u32>),
}

/// The family of ballot a method takes. Majority and supermajority share one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Shape {
    Consent,
    YesNo,
    Approval,
    Score,
    Dot,
    Ranking,
}

impl Shape {
    pub(crate) fn of(method: Method) -> Shape {
        match method {
            Method::Consent => Shape::Consent,
            Method::Majority | Method::Supermajority => Shape::YesNo,
            Method::Approval => Shape::Approval,
            Method::Score => Shape::Score,
            Method::Dot => Shape::Dot,
            Method::RankedChoice => Shape::Ranking,
        }
    }
}

impl Content {
    pub(crate) fn shape(&self) -> Shape {
        match self {
            Content::Consent(_) => Shape::Consent,
            Content::YesNo(_) => Shape::YesNo,
            Content::Approval(_) => Shape::Approval,
            Content::Score(_) => Shape::Score,
            Content::Dot(_) => Shape::Dot,
            Content::Ranking(_) => Shape::Ranking,
        }
    }
}

impl ValidBallot {
    /// Whether this ballot can be counted under `method` with `options` (same ballot shape and
    /// the same number of options as when it was checked).
    pub fn fits(&self, method: Method, options: &[String]) -> bool {
        self.content.shape() == Shape::of(method)
            && match self.content {
                Content::Consent(_) | Content::YesNo(_) => true,
                _ => self.n_options == options.len(),
            }
    }

    /// The ballot in its canonical member-facing form: approvals in option order, zero scores and
    /// dots left out. Two ballots that count the same have the same canonical form.
    pub fn to_ballot(&self, options: &[String]) -> Ballot {
        let name = |i: &u32| options[*i as usize].clone();
        let nonzero = |v: &[u32]| -> BTreeMap<String, u32> {
            v.iter()
                .enumerate()
                .filter(|(_, n)| **n > 0)
                .map(|(i, n)| (options[i].clone(), *n))
                .collect()
        };
        match &self.content {
            Content::Consent(c) => Ballot::Choice {
                choice: c.as_str().to_string(),
            },
            Content::YesNo(c) => Ballot::Choice {
                choice: c.as_str().to_string(),
            },
            Content::Approval(v) => Ballot::Choices {
                choices: v.iter().map(name).collect(),
            },
            Content::Ranking(v) => Ballot::Ranking {
                ranking: v.iter().map(name).collect(),
            },
            Content::Score(v) => Ballot::Scores { scores: nonzero(v) },
            Content::Dot(v) => Ballot::Dots { dots: nonzero(v) },
        }
    }

    /// Canonical JSON of [`ValidBallot::to_ballot`]: no whitespace, object keys in byte order,
    /// strings escaped as RFC 8785 (JCS) does. Receipts hash this text (see [`crate::receipt`]).
    pub fn canonical_json(&self, options: &[String]) -> String {
        let mut out = String::new();
        match self.to_ballot(options) {
            Ballot::Choice { choice } => {
                out.push_str("{\"choice\":");
                json_string(&mut out, &choice);
            }
            Ballot::Choices { choices } => {
                out.push_str("{\"choices\":");
                json_list(&mut out, &choices);
            }
            Ballot::Ranking { ranking } => {
                out.push_str("{\"ranking\":");
                json_list(&mut out, &ranking);
            }
            Ballot::Scores { scores } => {
                out.push_str("{\"scores\":");
                json_map(&mut out, &scores);
            }
            Ballot::Dots { dots } => {
                out.push_str("{\"dots\":");
                json_map(&mut out, &dots);
            }
        }
        out.push('}');
        out
    }

    /// The consent choice, if this is a consent ballot.
    pub fn consent(&self) -> Option<ConsentChoice> {
        match self.content {
            Content::Consent(c) => Some(c),
            _ => None,
        }
    }

    /// The yes/no choice, if this is a majority or supermajority ballot.
    pub fn yes_no(&self) -> Option<YesNoChoice> {
        match self.content {
            Content::YesNo(c) => Some(c),
            _ => None,
        }
    }
}

fn json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
}

fn json_list(out: &mut String, items: &[String]) {
    out.push('[');
    for (i, s) in items.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(out, s);
    }
    out.push(']');
}

fn json_map(out: &mut String, map: &BTreeMap<String, u32>) {
    // BTreeMap<String> orders by bytes of UTF-8, which for JCS's UTF-16 order differs only
    // for characters outside the Basic Multilingual Plane; the order is fixed either way.
    out.push('{');
    for (i, (k, v)) in map.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        json_string(out, k);
        out.push(':');
        out.push_str(&v.to_string());
    }
    out.push('}');
}

/// Check a proposal's option list for its method: methods that choose among options need at
/// least one; names must be non-empty and distinct. Consent and yes/no methods take no options
/// (any list given is ignored by [`validate`]).
pub fn validate_options(method: Method, options: &[String]) -> Result<(), BallotError> {
    if matches!(Shape::of(method), Shape::Consent | Shape::YesNo) {
        return Ok(());
    }
    if options.is_empty() {
        return Err(BallotError::NoOptions { method });
    }
    let mut seen = std::collections::HashSet::new();
    for o in options {
        if o.is_empty() {
            return Err(BallotError::EmptyOptionName);
        }
        if !seen.insert(o.as_str()) {
            return Err(BallotError::DuplicateProposalOption { option: o.clone() });
        }
    }
    Ok(())
}

const CONSENT_EXPECTED: &str = "agree, abstain, disagree, block";
const YES_NO_EXPECTED: &str = "yes, no, abstain";

fn expected_shape(method: Method) -> &'static str {
    match Shape::of(method) {
        Shape::Consent => "{\"choice\": agree|abstain|disagree|block}",
        Shape::YesNo => "{\"choice\": yes|no|abstain}",
        Shape::Approval => "{\"choices\": [option, …]}",
        Shape::Score => "{\"scores\": {option: score, …}}",
        Shape::Dot => "{\"dots\": {option: dots, …}}",
        Shape::Ranking => "{\"ranking\": [option, …]}",
    }
}

/// Check `ballot` against the proposal's rule and options. `options` must be the proposal's
/// list (as [`validate_options`] accepts); the returned ballot refers to options by position
/// in it.
pub fn validate(
    rule: &DecisionRule,
    options: &[String],
    ballot: &Ballot,
) -> Result<ValidBallot, BallotError> {
    let method = rule.method;
    let wrong_shape = || BallotError::WrongShape {
        method,
        expected: expected_shape(method),
        got: ballot.shape(),
    };
    let index = |option: &str| -> Result<u32, BallotError> {
        options
            .iter()
            .position(|o| o == option)
            .map(|i| i as u32)
            .ok_or_else(|| BallotError::UnknownOption {
                option: option.to_string(),
                expected: options.join(", "),
            })
    };
    let n = options.len();
    let content = match (Shape::of(method), ballot) {
        (Shape::Consent, Ballot::Choice { choice }) => Content::Consent(
            ConsentChoice::ALL
                .into_iter()
                .find(|c| c.as_str() == choice)
                .ok_or_else(|| BallotError::InvalidChoice {
                    method,
                    choice: choice.clone(),
                    expected: CONSENT_EXPECTED,
                })?,
        ),
        (Shape::YesNo, Ballot::Choice { choice }) => Content::YesNo(
            YesNoChoice::ALL
                .into_iter()
                .find(|c| c.as_str() == choice)
                .ok_or_else(|| BallotError::InvalidChoice {
                    method,
                    choice: choice.clone(),
                    expected: YES_NO_EXPECTED,
                })?,
        ),
        (Shape::Approval, Ballot::Choices { choices }) => {
            let mut idx = indices(choices, "choices", index)?;
            idx.sort_unstable();
            Content::Approval(idx)
        }
        (Shape::Ranking, Ballot::Ranking { ranking }) => {
            Content::Ranking(indices(ranking, "ranking", index)?)
        }
        (Shape::Score, Ballot::Scores { scores }) => {
            let max = rule.max_score.unwrap_or(DEFAULT_MAX_SCORE);
            let mut v = vec![0u32; n];
            for (option, &score) in scores {
                let i = index(option)?;
                if score > max {
                    return Err(BallotError::ScoreOutOfRange {
                        option: option.clone(),
                        score,
                        max,
                    });
                }
                v[i as usize] = score;
            }
            Content::Score(v)
        }
        (Shape::Dot, Ballot::Dots { dots }) => {
            let allowed = rule.dots.unwrap_or(DEFAULT_DOTS);
            let mut v = vec![0u32; n];
            let mut placed: u64 = 0;
            for (option, &d) in dots {
                let i = index(option)?;
                v[i as usize] = d;
                placed += u64::from(d);
            }
            if placed > u64::from(allowed) {
                return Err(BallotError::TooManyDots { placed, allowed });
            }
            Content::Dot(v)
        }
        _ => return Err(wrong_shape()),
    };
    Ok(ValidBallot {
        content,
        n_options: n,
    })
}

fn indices(
    names: &[String],
    shape: &'static str,
    index: impl Fn(&str) -> Result<u32, BallotError>,
) -> Result<Vec<u32>, BallotError> {
    let mut out = Vec::with_capacity(names.len());
    for name in names {
        let i = index(name)?;
        if out.contains(&i) {
            return Err(BallotError::DuplicateOption {
                option: name.clone(),
                shape,
            });
        }
        out.push(i);
    }
    Ok(out)
}

#[cfg(test)]
mod tests;
