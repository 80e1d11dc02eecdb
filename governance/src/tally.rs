//! Counting: from the checked ballots of a closed proposal and the rule it opened under, the
//! result (passed, failed or no quorum; the winners where options compete) and the counts behind
//! it, so that every member can redo the sum.
//!
//! The bylaws say *which* method and thresholds a kind of proposal uses; this module says what
//! each method means. Choices made where the bylaws are silent, and why:
//!
//! - **Exact arithmetic.** Shares in the bylaws are decimals (0.5, 0.9, 0.75). They are read as
//!   millionths ([`share_ppm`]) and every comparison is done in integers
//!   (`agree × 1 000 000 ≥ share_ppm × voters`), so 9 agree out of 10 is exactly 90 %, never
//!   89.999… Shares with more than six decimals are rounded to the nearest millionth.
//! - **Quorum** is `voted / eligible ≥ quorum_share`, counting every ballot cast, abstentions and
//!   empty ballots included: the quorum asks whether enough members took part, not how they voted.
//!   A `quorum_share` of 0 means no quorum. Without quorum the outcome is `no_quorum`, no option
//!   wins, and the counts are still shown.
//! - **Abstentions do not count in the agree share** (consent: `agree / (agree + disagree +
//!   block)`; yes/no: `yes / (yes + no)`). An abstention is "I stand aside": if it counted in the
//!   denominator it would weigh exactly like a disagreement, and a member who wants to stand aside
//!   without opposing would have to stay away and weaken the quorum instead. This follows the
//!   usual "share of votes cast for or against" convention; social.coop's "at least 50 % of voting
//!   members agree" is read with abstainers standing aside. Abstentions do count towards turnout.
//!   A proposal nobody agrees with (no agree / no yes ballot) fails, whatever the shares say.
//! - **Quorum and monotonicity.** Among votes that reach quorum, one more agree never turns a
//!   pass into a fail and one more block never turns a fail into a pass (property-tested). A
//!   participation quorum has one unavoidable paradox: a ballot of any kind, a block included,
//!   can lift a vote from `no_quorum` to quorate and so to `passed`.
//! - **Consent** passes iff `agree share ≥ agree_share` and (no block, or `agree share ≥
//!   block_override_share`). The thresholds are "at least", as social.coop's bylaws word them,
//!   so `tie` does not apply. A block is a veto that a broad enough agreement overrides: this is
//!   what social.coop practised ("any block defeats the proposal unless agreement ≥ 90 %").
//! - **Majority** passes iff the yes share of `yes + no` is *more than* `agree_share` (0.5 when
//!   unset: more yes than no). Exactly at the share is a tie, settled by the rule's `tie`
//!   (`status_quo`: fails; `passes`: passes). **Supermajority** passes iff the yes share is *at
//!   least* `agree_share` (as "two thirds" is usually meant); no tie arises.
//! - **Approval, score, dot**: each option's total is summed; the winners are the `seats`
//!   (default 1) options with the highest totals. An option nobody supported (total 0) never wins.
//!   For approval with an `agree_share`, an option must also be approved by at least that share
//!   of the approval ballots. **Ties for the last seat go to the option listed first** on the
//!   proposal: the order is fixed when the proposal opens, before any vote, so it cannot be chosen
//!   to favour a side; the result says when this happened ([`Outcome::tie_break`]).
//! - **Ranked choice**: see [`RankedTally`] (instant runoff for one seat; STV with the Droop quota
//!   and fractional surplus transfer for several).
//! - The outcome for a multi-option method is `passed` when at least one option wins, else
//!   `failed`.
//! - A ballot that does not fit the rule or the option list (checked against another proposal:
//!   a bug upstream, never a member's doing) is not counted but is reported as `spoiled`; it
//!   still counts towards turnout, since the member did vote.

use serde::{Deserialize, Serialize};

use crate::ballot::{ConsentChoice, Content, Shape, ValidBallot, YesNoChoice};
use crate::bylaws::{DecisionRule, Method, TieRule};

mod ranked;

pub use ranked::{CandidateState, CandidateVotes, RankedTally, Round, STV_SCALE};

/// Parts per million: shares are compared as integers in these units.
pub const PPM: u64 = 1_000_000;

/// A share (`0.0..=1.0`) in millionths, rounded to the nearest; out-of-range values are clamped
/// and NaN is 0. Rounding to the nearest millionth makes every decimal a bylaws writer would use
/// exact (0.9 is exactly 900 000, so 9 of 10 reaches it). A repeating fraction cannot be exact:
/// `0.6666…` reads as 666 667 ppm, which 2 of 3 does not reach; write "two thirds" as `0.666`.
pub fn share_ppm(share: f64) -> u64 {
    if share.is_nan() {
        return 0;
    }
    (share.clamp(0.0, 1.0) * PPM as f64).round() as u64
}

/// Whether `part / whole ≥ share`, exactly (`whole` 0: only a 0 share is reached).
fn at_least(part: u64, whole: u64, share_ppm: u64) -> bool {
    u128::from(part) * u128::from(PPM) >= u128::from(share_ppm) * u128::from(whole)
}

/// `part / whole` as a float, for display only (never for deciding); `None` when `whole` is 0.
fn ratio(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| part as f64 / whole as f64)
}

/// What the vote decided.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Passed,
    Failed,
    NoQuorum,
}

impl Decision {
    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Passed => "passed",
            Decision::Failed => "failed",
            Decision::NoQuorum => "no_quorum",
        }
    }
}

/// A closed proposal's result: DESIGN §7's `{outcome, tally, eligible, voted, rule}` plus
/// `winners`, `quorum_reached`, `urgent`, and, when they apply, `spoiled`, `tie_break` and
/// `receipts`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Outcome {
    pub outcome: Decision,
    /// Options elected or chosen, in order (highest total first; for ranked choice, in the order
    /// elected). Empty for consent and yes/no methods, and when there is no quorum.
    pub winners: Vec<String>,
    pub tally: Tally,
    /// Members eligible to vote when the proposal closed.
    pub eligible: u32,
    /// Ballots cast (one per member: the latest).
    pub voted: u32,
    pub quorum_reached: bool,
    pub urgent: bool,
    /// The rule the proposal opened under, as applied.
    pub rule: DecisionRule,
    /// Ballots that did not fit the rule or options and were not counted (should always be 0).
    #[serde(skip_serializing_if = "is_zero")]
    pub spoiled: u32,
    /// How a tie was broken, in words, when one was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tie_break: Option<String>,
    /// Receipts of the ballots counted, sorted (so their order says nothing about who voted
    /// when); see [`crate::receipt`]. Empty unless attached with [`Outcome::with_receipts`].
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub receipts: Vec<String>,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

impl Outcome {
    /// Attach the receipts of the ballots counted (sorted here).
    pub fn with_receipts(mut self, receipts: impl IntoIterator<Item = String>) -> Self {
        self.receipts = receipts.into_iter().collect();
        self.receipts.sort();
        self
    }

    pub fn passed(&self) -> bool {
        self.outcome == Decision::Passed
    }
}

/// The counts behind an outcome, by method family (JSON: tagged by `kind`).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Tally {
    Consent {
        agree: u32,
        abstain: u32,
        disagree: u32,
        block: u32,
        /// `agree / (agree + disagree + block)`, for display; `None` when that is 0.
        agree_share: Option<f64>,
        /// Whether a block defeated the proposal (blocks present and not overridden).
        blocked: bool,
    },
    /// Majority and supermajority.
    YesNo {
        yes: u32,
        no: u32,
        abstain: u32,
        /// `yes / (yes + no)`, for display; `None` when that is 0.
        yes_share: Option<f64>,
        /// Whether the yes share sat exactly on the threshold (majority only) and `tie` decided.
        tie: bool,
    },
    /// Approval, score and dot: the total per option, in the proposal's option order.
    Totals {
        options: Vec<OptionTotal>,
        /// Ballots counted (including empty ones).
        ballots: u32,
        /// Approval with an `agree_share`: approvals an option needs to win.
        #[serde(skip_serializing_if = "Option::is_none")]
        needed: Option<u64>,
    },
    RankedChoice(RankedTally),
}

/// One option's total: approvals, summed scores, or dots.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct OptionTotal {
    pub option: String,
    pub total: u64,
}

impl Tally {
    /// Ballots this tally accounts for. Every tally conserves the ballots it is given: this is
    /// the number of fitting ballots, each counted exactly once (for ranked choice, in every
    /// round, as votes or as exhausted).
    pub fn ballots(&self) -> u64 {
        match self {
            Tally::Consent {
                agree,
                abstain,
                disagree,
                block,
                ..
            } => u64::from(*agree) + u64::from(*abstain) + u64::from(*disagree) + u64::from(*block),
            Tally::YesNo {
                yes, no, abstain, ..
            } => u64::from(*yes) + u64::from(*no) + u64::from(*abstain),
            Tally::Totals { ballots, .. } => u64::from(*ballots),
            Tally::RankedChoice(r) => u64::from(r.ballots),
        }
    }
}

/// Count `ballots` (one per member who voted) under `rule`. `options` is the proposal's option
/// list the ballots were checked against (ignored by consent and yes/no methods); `eligible` the
/// number of members entitled to vote; `urgent` whether the proposal was marked urgent (recorded;
/// it changes only how long the proposal stays open). Pure and deterministic: the order of
/// `ballots` does not matter.
pub fn tally(
    rule: &DecisionRule,
    options: &[String],
    ballots: &[ValidBallot],
    eligible: u32,
    urgent: bool,
) -> Outcome {
    let voted = u32::try_from(ballots.len()).unwrap_or(u32::MAX);
    let fitting: Vec<&ValidBallot> = ballots
        .iter()
        .filter(|b| b.fits(rule.method, options))
        .collect();
    let spoiled = voted - fitting.len() as u32;
    let quorum_reached = at_least(
        u64::from(voted),
        u64::from(eligible),
        share_ppm(rule.quorum_share),
    );

    let (decided, winners, tally, tie_break) = match Shape::of(rule.method) {
        Shape::Consent => consent(rule, &fitting),
        Shape::YesNo => yes_no(rule, &fitting),
        Shape::Approval | Shape::Score | Shape::Dot => totals(rule, options, &fitting),
        Shape::Ranking => {
            let r = ranked::count(options, &fitting, rule.seats.unwrap_or(1));
            let winners: Vec<String> = r.winners.clone();
            let ties: Vec<String> = r
                .rounds
                .iter()
                .filter_map(|x| x.tie_break.clone())
                .collect();
            let decided = if winners.is_empty() {
                Decision::Failed
            } else {
                Decision::Passed
            };
            let tie = (!ties.is_empty()).then(|| ties.join("; "));
            (decided, winners, Tally::RankedChoice(r), tie)
        }
    };

    let (outcome, winners) = if quorum_reached {
        (decided, winners)
    } else {
        (Decision::NoQuorum, Vec::new())
    };
    Outcome {
        outcome,
        winners,
        tally,
        eligible,
        voted,
        quorum_reached,
        urgent,
        rule: rule.clone(),
        spoiled,
        tie_break,
        receipts: Vec::new(),
    }
}

type Counted = (Decision, Vec<String>, Tally, Option<String>);

fn pass_if(b: bool) -> Decision {
    if b {
        Decision::Passed
    } else {
        Decision::Failed
    }
}

fn consent(rule: &DecisionRule, ballots: &[&ValidBallot]) -> Counted {
    let mut n = [0u32; 4];
    for b in ballots {
        if let Content::Consent(c) = b.content {
            let i = match c {
                ConsentChoice::Agree => 0,
                ConsentChoice::Abstain => 1,
                ConsentChoice::Disagree => 2,
                ConsentChoice::Block => 3,
            };
            n[i] += 1;
        }
    }
    let [agree, abstain, disagree, block] = n;
    let agree64 = u64::from(agree);
    let cast = agree64 + u64::from(disagree) + u64::from(block);
    // The parser requires agree_share for consent; a hand-built rule without one means "more
    // than nothing": 50 %, social.coop's ordinary threshold.
    // `agree > 0`: a proposal nobody agrees with never passes, even under a 0 share.
    let agreed = agree > 0 && at_least(agree64, cast, share_ppm(rule.agree_share.unwrap_or(0.5)));
    let overridden = rule
        .block_override_share
        .is_some_and(|s| cast > 0 && at_least(agree64, cast, share_ppm(s)));
    let blocked = block > 0 && !overridden;
    (
        pass_if(agreed && !blocked),
        Vec::new(),
        Tally::Consent {
            agree,
            abstain,
            disagree,
            block,
            agree_share: ratio(agree64, cast),
            blocked,
        },
        None,
    )
}

fn yes_no(rule: &DecisionRule, ballots: &[&ValidBallot]) -> Counted {
    let mut n = [0u32; 3];
    for b in ballots {
        if let Content::YesNo(c) = b.content {
            let i = match c {
                YesNoChoice::Yes => 0,
                YesNoChoice::No => 1,
                YesNoChoice::Abstain => 2,
            };
            n[i] += 1;
        }
    }
    let [yes, no, abstain] = n;
    let (y, cast) = (u64::from(yes), u64::from(yes) + u64::from(no));
    let share = share_ppm(rule.agree_share.unwrap_or(0.5));
    let lhs = u128::from(y) * u128::from(PPM);
    let rhs = u128::from(share) * u128::from(cast);
    let mut tie = false;
    let mut tie_break = None;
    let passed = if yes == 0 {
        // Nobody voted yes: nothing to pass, whatever the share or the tie rule.
        false
    } else if rule.method == Method::Supermajority {
        lhs >= rhs
    } else if lhs == rhs {
        tie = true;
        let passes = rule.tie == TieRule::Passes;
        tie_break = Some(format!(
            "the yes share was exactly the threshold; tie rule `{}`: the proposal {}",
            rule.tie,
            if passes { "passes" } else { "fails" }
        ));
        passes
    } else {
        lhs > rhs
    };
    (
        pass_if(passed),
        Vec::new(),
        Tally::YesNo {
            yes,
            no,
            abstain,
            yes_share: ratio(y, cast),
            tie,
        },
        tie_break,
    )
}

fn totals(rule: &DecisionRule, options: &[String], ballots: &[&ValidBallot]) -> Counted {
    let mut total = vec![0u64; options.len()];
    for b in ballots {
        match &b.content {
            Content::Approval(v) => {
                for &i in v {
                    total[i as usize] += 1;
                }
            }
            Content::Score(v) | Content::Dot(v) => {
                for (t, &x) in total.iter_mut().zip(v) {
                    *t += u64::from(x);
                }
            }
            _ => {}
        }
    }
    let counted = ballots.len() as u64;
    // Approval with an agree_share: the share of approval ballots an option needs.
    let needed_ppm = match rule.method {
        Method::Approval => rule.agree_share.map(share_ppm),
        _ => None,
    };
    let qualifies = |t: u64| t > 0 && needed_ppm.is_none_or(|ppm| at_least(t, counted, ppm));
    let mut order: Vec<usize> = (0..options.len())
        .filter(|&i| qualifies(total[i]))
        .collect();
    // Highest total first; equal totals in the proposal's option order.
    order.sort_by(|&a, &b| total[b].cmp(&total[a]).then(a.cmp(&b)));
    let seats = rule.seats.unwrap_or(1) as usize;
    let mut tie_break = None;
    if order.len() > seats && seats > 0 {
        let cut = total[order[seats - 1]];
        if total[order[seats]] == cut {
            let tied: Vec<&str> = order
                .iter()
                .filter(|&&i| total[i] == cut)
                .map(|&i| options[i].as_str())
                .collect();
            let won: Vec<&str> = order[..seats]
                .iter()
                .filter(|&&i| total[i] == cut)
                .map(|&i| options[i].as_str())
                .collect();
            tie_break = Some(format!(
                "{} tied with {cut} for the last seat; broken by the proposal's option order: {} won",
                quote_list(&tied),
                quote_list(&won)
            ));
        }
    }
    order.truncate(seats);
    let winners: Vec<String> = order.iter().map(|&i| options[i].clone()).collect();
    let needed = needed_ppm.map(|ppm| {
        // The least t with t × PPM ≥ ppm × counted (and at least 1).
        let n = u128::from(ppm) * u128::from(counted);
        (n.div_ceil(u128::from(PPM)) as u64).max(1)
    });
    (
        pass_if(!winners.is_empty()),
        winners,
        Tally::Totals {
            options: options
                .iter()
                .zip(&total)
                .map(|(o, &t)| OptionTotal {
                    option: o.clone(),
                    total: t,
                })
                .collect(),
            ballots: ballots.len() as u32,
            needed,
        },
        tie_break,
    )
}

pub(crate) fn quote_list(items: &[&str]) -> String {
    let q: Vec<String> = items.iter().map(|s| format!("`{s}`")).collect();
    match q.len() {
        0 => String::new(),
        1 => q[0].clone(),
        n => format!("{} and {}", q[..n - 1].join(", "), q[n - 1]),
    }
}

#[cfg(test)]
mod tests;
