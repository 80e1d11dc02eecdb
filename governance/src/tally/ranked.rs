//! Ranked choice: instant runoff for one seat, single transferable vote for several.
//!
//! Both run in rounds. Each round records every candidate's votes *before* that round's action,
//! the exhausted votes, and the action taken (candidates elected, or the one eliminated), so a
//! member can follow the count by hand.
//!
//! **Instant runoff (one seat).** A ballot counts for its highest-ranked candidate still in the
//! race. A candidate with more than half of the votes on continuing ballots (exhausted ballots
//! left out) wins. Otherwise the candidate with the fewest votes is eliminated and its ballots
//! move to their next choice; a ballot with no choice left is *exhausted*. Votes are whole
//! ballots (`scale` 1). A candidate first on a strict majority of all ballots therefore wins in
//! round 1.
//!
//! **STV (several seats)** with the Droop quota `floor(valid / (seats + 1)) + 1`, where `valid`
//! counts the non-empty rankings: the smallest number of votes that at most `seats` candidates
//! can reach. Every candidate reaching the quota is elected in that round; their surpluses are
//! then transferred by the inclusive Gregory method: each of the elected candidate's ballots
//! moves on to its next continuing choice carrying `weight × surplus / total` of its weight, so
//! every voter for that candidate passes on the same fraction. If nobody reaches the quota, the
//! lowest candidate is eliminated and its ballots move on at their current weight.
//!
//! **Arithmetic.** STV weights are integers in millionths of a ballot ([`STV_SCALE`]); a
//! transferred weight is rounded *down* (`u128` intermediate), and what rounding leaves behind
//! stays with the elected candidate. So the weight is conserved *exactly*: in every round, the
//! candidates' votes (the elected keeping the quota plus at most one millionth per ballot they
//! hold) plus the exhausted votes equal `ballots × scale`. No floating point is used, so results
//! are identical on every machine and in any ballot order.
//!
//! **When seats remain but the quota cannot be reached**: once no more candidates remain than
//! seats, the rest are elected (most votes first), except that a candidate no continuing ballot
//! supports (0 votes) is never elected: its seat stays empty. The count also stops when no
//! continuing ballot is left.
//!
//! **Ties for elimination** (several candidates with the fewest votes) are broken backwards:
//! the one with fewer votes in the most recent earlier round where they differ is eliminated;
//! if they were level in every round, the one listed *last* on the proposal is eliminated (the
//! same "earlier option wins ties" rule as the other methods). The round says so in
//! `tie_break`. Candidates reaching the quota together are all elected (the Droop quota
//! guarantees they fit), listed by votes, then option order.

use serde::Serialize;

use crate::ballot::{Content, ValidBallot};

use super::quote_list;

/// Units of one ballot in STV counts (millionths).
pub const STV_SCALE: u64 = 1_000_000;

/// The count of a ranked-choice vote.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RankedTally {
    /// 1: instant runoff; more: STV.
    pub seats: u32,
    /// Votes in the rounds are in units of `1 / scale` ballot: 1 for instant runoff,
    /// [`STV_SCALE`] for STV.
    pub scale: u64,
    /// Ranking ballots counted, empty rankings included (they are exhausted from round 1).
    pub ballots: u32,
    /// Non-empty rankings.
    pub valid: u32,
    /// STV only: the Droop quota, in units of `1 / scale` ballot.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quota: Option<u64>,
    pub rounds: Vec<Round>,
    /// In the order elected.
    pub winners: Vec<String>,
}

/// One round of a ranked count.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Round {
    /// From 1.
    pub number: u32,
    /// Every candidate, in the proposal's option order, with its votes at the start of the round.
    pub votes: Vec<CandidateVotes>,
    /// Votes on ballots with no continuing choice left.
    pub exhausted: u64,
    /// Candidates elected this round.
    pub elected: Vec<String>,
    /// Candidates eliminated this round.
    pub eliminated: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tie_break: Option<String>,
}

impl Round {
    /// Votes held by candidates plus exhausted votes: always `ballots × scale`.
    pub fn total(&self) -> u64 {
        self.votes.iter().map(|c| c.votes).sum::<u64>() + self.exhausted
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CandidateVotes {
    pub option: String,
    pub votes: u64,
    /// At the start of the round.
    pub state: CandidateState,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum CandidateState {
    Continuing,
    Elected,
    Eliminated,
}

struct Count<'a> {
    rankings: Vec<&'a [u32]>,
    /// Position in its ranking of each ballot's current choice.
    pos: Vec<u32>,
    weight: Vec<u64>,
    /// Ballots currently counting for each candidate.
    piles: Vec<Vec<u32>>,
    state: Vec<CandidateState>,
    votes: Vec<u64>,
    exhausted: u64,
}

impl Count<'_> {
    /// Move ballot `b`, now carrying `w`, to its next continuing choice after position `from`.
    fn place(&mut self, b: usize, from: usize, w: u64) {
        self.weight[b] = w;
        let ranking = self.rankings[b];
        for (k, &c) in ranking.iter().enumerate().skip(from) {
            if self.state[c as usize] == CandidateState::Continuing {
                self.pos[b] = k as u32;
                self.piles[c as usize].push(b as u32);
                self.votes[c as usize] += w;
                return;
            }
        }
        self.exhausted += w;
    }

    /// Pass on candidate `c`'s ballots, each keeping `num / den` of its weight (rounded down);
    /// what is not passed on stays with `c`.
    fn transfer(&mut self, c: usize, num: u64, den: u64) {
        let pile = std::mem::take(&mut self.piles[c]);
        for b in pile {
            let b = b as usize;
            let w = self.weight[b];
            let moved = if num == den {
                w
            } else {
                (u128::from(w) * u128::from(num) / u128::from(den)) as u64
            };
            self.votes[c] -= moved;
            if moved == 0 {
                self.weight[b] = 0;
                continue;
            }
            let next = self.pos[b] as usize + 1;
            self.place(b, next, moved);
        }
    }
}

pub(super) fn count(options: &[String], ballots: &[&ValidBallot], seats: u32) -> RankedTally {
    let seats = seats.max(1);
    let rankings: Vec<&[u32]> = ballots
        .iter()
        .filter_map(|b| match &b.content {
            Content::Ranking(r) => Some(r.as_slice()),
            _ => None,
        })
        .collect();
    let n = options.len();
    let valid = rankings.iter().filter(|r| !r.is_empty()).count() as u64;
    let stv = seats > 1;
    let scale = if stv { STV_SCALE } else { 1 };
    let quota = stv.then(|| (valid / (u64::from(seats) + 1) + 1) * scale);

    let nb = rankings.len();
    let mut st = Count {
        rankings,
        pos: vec![0; nb],
        weight: vec![0; nb],
        piles: vec![Vec::new(); n],
        state: vec![CandidateState::Continuing; n],
        votes: vec![0; n],
        exhausted: 0,
    };
    for b in 0..nb {
        st.place(b, 0, scale);
    }

    let mut rounds: Vec<Round> = Vec::new();
    let mut winners: Vec<usize> = Vec::new();
    loop {
        let mut round = Round {
            number: rounds.len() as u32 + 1,
            votes: options
                .iter()
                .enumerate()
                .map(|(i, o)| CandidateVotes {
                    option: o.clone(),
                    votes: st.votes[i],
                    state: st.state[i],
                })
                .collect(),
            exhausted: st.exhausted,
            elected: Vec::new(),
            eliminated: Vec::new(),
            tie_break: None,
        };
        let seats_left = seats as usize - winners.len();
        let continuing: Vec<usize> = (0..n)
            .filter(|&c| st.state[c] == CandidateState::Continuing)
            .collect();
        let live: u64 = continuing.iter().map(|&c| st.votes[c]).sum();
        if seats_left == 0 || continuing.is_empty() || live == 0 {
            rounds.push(round);
            break;
        }
        let by_votes = |v: &mut Vec<usize>, votes: &[u64]| {
            v.sort_by(|&a, &b| votes[b].cmp(&votes[a]).then(a.cmp(&b)));
        };

        // 1. Election by quota (STV) or by majority of continuing votes (instant runoff).
        let mut reached: Vec<usize> = continuing
            .iter()
            .copied()
            .filter(|&c| match quota {
                Some(q) => st.votes[c] >= q,
                None => u128::from(st.votes[c]) * 2 > u128::from(live),
            })
            .collect();
        if !reached.is_empty() {
            by_votes(&mut reached, &st.votes);
            reached.truncate(seats_left);
            for &c in &reached {
                st.state[c] = CandidateState::Elected;
                round.elected.push(options[c].clone());
                winners.push(c);
            }
            let done = winners.len() == seats as usize;
            if !done {
                if let Some(q) = quota {
                    for &c in &reached {
                        let total = st.votes[c];
                        if total > q {
                            st.transfer(c, total - q, total);
                        }
                    }
                }
            }
            rounds.push(round);
            if done {
                break;
            }
            continue;
        }

        // 2. No more candidates than seats: elect the rest that anyone supports.
        if continuing.len() <= seats_left {
            let mut rest: Vec<usize> = continuing
                .iter()
                .copied()
                .filter(|&c| st.votes[c] > 0)
                .collect();
            by_votes(&mut rest, &st.votes);
            for &c in &rest {
                st.state[c] = CandidateState::Elected;
                round.elected.push(options[c].clone());
                winners.push(c);
            }
            rounds.push(round);
            break;
        }

        // 3. Eliminate the candidate with the fewest votes.
        let least = continuing.iter().map(|&c| st.votes[c]).min().unwrap_or(0);
        let mut tied: Vec<usize> = continuing
            .iter()
            .copied()
            .filter(|&c| st.votes[c] == least)
            .collect();
        let out = if tied.len() == 1 {
            tied[0]
        } else {
            let names: Vec<&str> = tied.iter().map(|&c| options[c].as_str()).collect();
            let mut how = None;
            for earlier in rounds.iter().rev() {
                let fewest = tied
                    .iter()
                    .map(|&c| earlier.votes[c].votes)
                    .min()
                    .unwrap_or(0);
                let fewer: Vec<usize> = tied
                    .iter()
                    .copied()
                    .filter(|&c| earlier.votes[c].votes == fewest)
                    .collect();
                if fewer.len() < tied.len() {
                    tied = fewer;
                    if tied.len() == 1 {
                        how = Some(format!("it had fewer votes in round {}", earlier.number));
                        break;
                    }
                }
            }
            let c = *tied.iter().max().expect("at least one tied candidate");
            round.tie_break = Some(format!(
                "{} tied for fewest votes ({}); `{}` eliminated: {}",
                quote_list(&names),
                least,
                options[c],
                how.unwrap_or_else(|| {
                    "no earlier round separates them, and it is listed last of them on the proposal"
                        .to_string()
                })
            ));
            c
        };
        st.state[out] = CandidateState::Eliminated;
        round.eliminated.push(options[out].clone());
        st.transfer(out, 1, 1);
        rounds.push(round);
    }

    RankedTally {
        seats,
        scale,
        ballots: nb as u32,
        valid: valid as u32,
        quota,
        rounds,
        winners: winners.iter().map(|&c| options[c].clone()).collect(),
    }
}
