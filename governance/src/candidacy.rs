//! Standing for election and withdrawing (bylaws 3.2: roles are elected "among the candidates
//! who stood").
//!
//! The bylaws say who may be elected (active members) but not until when one may stand. Herd
//! keeps the list open while the election is open and **nobody has voted yet**: once the first
//! ballot is cast every voter must have chosen among the same candidates, so that no ballot was
//! cast over a shorter list than a later one (a ranking made before a candidate stood could not
//! rank them). Withdrawing follows the same window, and the last candidate cannot withdraw: an
//! election needs someone to elect. An election whose ballot is a Mastodon poll cannot change
//! its choices either (a poll's options are fixed once posted).

use std::fmt;

use crate::lifecycle::State;

/// What the rule needs to know about the election and the member.
#[derive(Debug, Clone, Copy)]
pub struct Standing {
    /// The proposal's state.
    pub state: State,
    /// Whether the proposal is a role election.
    pub is_election: bool,
    /// Now and the proposal's close, microseconds.
    pub now: i64,
    pub closes_at: i64,
    /// Ballots cast so far (current ones).
    pub ballots: usize,
    /// Whether the election's ballot is also a Mastodon poll.
    pub has_poll: bool,
    /// Whether the member is active (in good standing: not lapsed, withdrawn or expelled).
    pub active_member: bool,
    /// Whether the member is already on the ballot.
    pub already_candidate: bool,
    /// How many candidates there are now.
    pub candidates: usize,
}

/// Why standing or withdrawing is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    NotAnElection,
    NotOpen,
    VotingStarted,
    PollFixed,
    NotAMember,
    AlreadyStanding,
    NotStanding,
    LastCandidate,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Refusal::NotAnElection => "Only a role election has candidates",
            Refusal::NotOpen => "This election is closed",
            Refusal::VotingStarted => {
                "Voting has started: the candidates are fixed once the first ballot is cast"
            }
            Refusal::PollFixed => "This election's ballot is a poll, whose choices are fixed",
            Refusal::NotAMember => "Only active members may stand for election",
            Refusal::AlreadyStanding => "You already stand in this election",
            Refusal::NotStanding => "You do not stand in this election",
            Refusal::LastCandidate => "The last candidate cannot withdraw: an election needs one",
        })
    }
}

impl std::error::Error for Refusal {}

fn window(s: &Standing) -> Result<(), Refusal> {
    if !s.is_election {
        return Err(Refusal::NotAnElection);
    }
    if !s.state.accepts_votes() || s.now >= s.closes_at {
        return Err(Refusal::NotOpen);
    }
    if s.ballots > 0 {
        return Err(Refusal::VotingStarted);
    }
    if s.has_poll {
        return Err(Refusal::PollFixed);
    }
    Ok(())
}

/// Whether the member may stand now.
pub fn may_stand(s: &Standing) -> Result<(), Refusal> {
    window(s)?;
    if !s.active_member {
        return Err(Refusal::NotAMember);
    }
    if s.already_candidate {
        return Err(Refusal::AlreadyStanding);
    }
    Ok(())
}

/// Whether the candidate may withdraw now (a lapsed member may still withdraw).
pub fn may_withdraw(s: &Standing) -> Result<(), Refusal> {
    window(s)?;
    if !s.already_candidate {
        return Err(Refusal::NotStanding);
    }
    if s.candidates <= 1 {
        return Err(Refusal::LastCandidate);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn open() -> Standing {
        Standing {
            state: State::Open,
            is_election: true,
            now: 10,
            closes_at: 20,
            ballots: 0,
            has_poll: false,
            active_member: true,
            already_candidate: false,
            candidates: 1,
        }
    }

    #[test]
    fn an_active_member_stands_before_the_first_ballot() {
        assert_eq!(may_stand(&open()), Ok(()));
    }

    #[test]
    fn standing_is_refused_after_voting_starts_or_the_close() {
        let s = Standing {
            ballots: 1,
            ..open()
        };
        assert_eq!(may_stand(&s), Err(Refusal::VotingStarted));
        let s = Standing { now: 20, ..open() };
        assert_eq!(may_stand(&s), Err(Refusal::NotOpen));
        let s = Standing {
            state: State::Closed,
            ..open()
        };
        assert_eq!(may_stand(&s), Err(Refusal::NotOpen));
    }

    #[test]
    fn non_members_twice_and_polls_are_refused() {
        let s = Standing {
            active_member: false,
            ..open()
        };
        assert_eq!(may_stand(&s), Err(Refusal::NotAMember));
        let s = Standing {
            already_candidate: true,
            ..open()
        };
        assert_eq!(may_stand(&s), Err(Refusal::AlreadyStanding));
        let s = Standing {
            has_poll: true,
            ..open()
        };
        assert_eq!(may_stand(&s), Err(Refusal::PollFixed));
        let s = Standing {
            is_election: false,
            ..open()
        };
        assert_eq!(may_stand(&s), Err(Refusal::NotAnElection));
    }

    #[test]
    fn withdrawing_needs_candidacy_and_another_candidate() {
        let s = Standing {
            already_candidate: true,
            candidates: 2,
            ..open()
        };
        assert_eq!(may_withdraw(&s), Ok(()));
        let s = Standing {
            already_candidate: true,
            candidates: 1,
            ..open()
        };
        assert_eq!(may_withdraw(&s), Err(Refusal::LastCandidate));
        assert_eq!(may_withdraw(&open()), Err(Refusal::NotStanding));
    }
}
