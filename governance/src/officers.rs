//! Rules that bind the co-op's officers (bylaws §3.4, §5.3): nobody decides their own case,
//! a treasurer's own claims and dues go to another treasurer or an admin, the treasurers'
//! approval limit counts what one submitter claims in one category over the bylaws' window
//! (so splitting a purchase does not dodge the members' vote), and the person a proposal is
//! about (or the moderator whose action an appeal contests) does not vote on it, nor count
//! among its eligible voters.

use std::fmt;

use crate::bylaws::FinanceRules;
use crate::lifecycle::MICROS_PER_DAY;

/// Why an officer may not act on something that concerns `subject`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Refusal {
    /// The actor is the subject: nobody records, approves or pays for themselves.
    OwnCase,
    /// The actor holds no role that may do this for this subject.
    NotOfficer,
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::OwnCase => f.write_str(
                "nobody records dues, approves or pays an expense for themselves; another treasurer or an admin must",
            ),
            Refusal::NotOfficer => f.write_str("only a treasurer may do this"),
        }
    }
}

/// Whether `actor` may act for the treasurers' office (record dues or a share, approve, reject
/// or pay an expense) on something whose subject (the member paying, the submitter) is
/// `subject`. A treasurer may, for anyone but themselves; an admin may when the subject is a
/// treasurer (so a treasurer's own claims and dues are decided by another treasurer or an
/// admin, even when the co-op has one treasurer); nobody may for themselves unless
/// `own_case_allowed` (a rejection, which decides against the actor's own interest).
pub fn may_act_for(
    actor: i64,
    actor_roles: &[impl AsRef<str>],
    subject: i64,
    subject_roles: &[impl AsRef<str>],
    own_case_allowed: bool,
) -> Result<(), Refusal> {
    let treasurer = has(actor_roles, "treasurer");
    let admin_for_treasurer = has(actor_roles, "admin") && has(subject_roles, "treasurer");
    if !treasurer && !admin_for_treasurer {
        return Err(Refusal::NotOfficer);
    }
    if actor == subject && !own_case_allowed {
        return Err(Refusal::OwnCase);
    }
    Ok(())
}

fn has(roles: &[impl AsRef<str>], role: &str) -> bool {
    roles.iter().any(|r| r.as_ref() == role)
}

/// What stake an account has in a proposal that is about it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interest {
    /// The member a `membership` proposal would admit or expel.
    Subject,
    /// The appellant of the appeal a proposal decides (the appeal's author, and the account
    /// its strike sanctioned).
    Appellant,
    /// The moderator whose action that appeal contests: no moderator decides an appeal of
    /// their own action, in the moderators' queue or by the members' vote.
    ActingModerator,
    /// The holder a recall (a `general` proposal with `payload.recall`) would remove from a
    /// role: like the subject of an expulsion, they do not decide their own case.
    Recalled,
}

impl fmt::Display for Interest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Interest::Subject => "you cannot vote on a membership proposal about yourself",
            Interest::Appellant => {
                "you cannot vote on a proposal that decides your own appeal"
            }
            Interest::ActingModerator => {
                "you cannot vote on the appeal of your own moderation action; the other members decide it"
            }
            Interest::Recalled => "you cannot vote on a proposal to recall you from a role",
        })
    }
}

/// One account a proposal is about, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Party {
    pub account: i64,
    pub interest: Interest,
}

/// Why `voter` may not vote on a proposal whose parties are `parties`; `None` when they may.
/// The one rule for who votes on what: the ballot is refused, and the quorum counted, by it.
pub fn recusal(voter: i64, parties: &[Party]) -> Option<Interest> {
    parties
        .iter()
        .find(|p| p.account == voter)
        .map(|p| p.interest)
}

/// Whether `voter` may vote on a proposal whose parties are `parties`.
pub fn may_vote(voter: i64, parties: &[Party]) -> bool {
    recusal(voter, parties).is_none()
}

/// The accounts that may not vote on a proposal whose parties are `parties` (sorted, once
/// each): they are not among its eligible voters either, so its quorum is a share of those
/// who may vote.
pub fn recused(parties: &[Party]) -> Vec<i64> {
    let mut out: Vec<i64> = parties
        .iter()
        .map(|p| p.account)
        .filter(|&a| !may_vote(a, parties))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// One expense claim, as the threshold counts it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    pub amount: i64,
    pub currency: String,
    /// When it was submitted (epoch microseconds).
    pub at: i64,
}

/// What the treasurers' limit says of one claim.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LimitCheck {
    /// What the submitter claims in the category within the window, this claim included, in
    /// the threshold's currency (this claim alone when it is in another currency).
    pub total: i64,
    /// Whether only an enacted `expense` proposal may approve it.
    pub needs_vote: bool,
}

/// The earliest submission time that counts with a claim submitted at `at`: the window is the
/// `expense_threshold_window_days` days up to and including the claim.
pub fn window_start(rules: &FinanceRules, at: i64) -> i64 {
    at.saturating_sub(i64::from(rules.expense_threshold_window_days).saturating_mul(MICROS_PER_DAY))
}

/// Whether a claim needs the members' vote. `earlier` are the same submitter's earlier claims
/// in the same category that were not refused (submitted, approved or paid, whoever approved
/// them); those before the window or in another currency do not count. A claim in another
/// currency than the threshold's always needs a vote (the limit is set in one currency).
pub fn check_limit(rules: &FinanceRules, claim: &Claim, earlier: &[Claim]) -> LimitCheck {
    if claim.currency != rules.currency {
        return LimitCheck {
            total: claim.amount,
            needs_vote: true,
        };
    }
    let from = window_start(rules, claim.at);
    let total = earlier
        .iter()
        .filter(|c| c.currency == rules.currency && c.at > from && c.at <= claim.at)
        .fold(claim.amount, |sum, c| sum.saturating_add(c.amount));
    LimitCheck {
        total,
        needs_vote: total > rules.expense_approval_threshold_minor,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bylaws::LedgerVisibility;

    fn rules() -> FinanceRules {
        FinanceRules {
            expense_approval_threshold_minor: 20000,
            currency: "EUR".into(),
            expense_threshold_window_days: 30,
            ledger_visibility: LedgerVisibility::Members,
            accounts: Default::default(),
            monthly_budgets: Default::default(),
        }
    }

    fn claim(amount: i64, currency: &str, day: i64) -> Claim {
        Claim {
            amount,
            currency: currency.into(),
            at: day * MICROS_PER_DAY,
        }
    }

    #[test]
    fn nobody_acts_for_themselves() {
        let t = ["treasurer"];
        let none: [&str; 0] = [];
        assert_eq!(may_act_for(1, &t, 2, &none, false), Ok(()));
        assert_eq!(may_act_for(1, &t, 1, &t, false), Err(Refusal::OwnCase));
        assert_eq!(may_act_for(1, &t, 1, &t, true), Ok(()));
        // A plain member, or a moderator, never acts for the office.
        assert_eq!(
            may_act_for(1, &none, 2, &none, false),
            Err(Refusal::NotOfficer)
        );
        assert_eq!(
            may_act_for(1, &["moderator"], 2, &t, false),
            Err(Refusal::NotOfficer)
        );
        // An admin acts for a treasurer's own case, not for an ordinary member's.
        assert_eq!(may_act_for(3, &["admin"], 1, &t, false), Ok(()));
        assert_eq!(
            may_act_for(3, &["admin"], 2, &none, false),
            Err(Refusal::NotOfficer)
        );
        // An admin who is also the treasurer concerned does not act for themselves.
        assert_eq!(
            may_act_for(
                1,
                &["admin", "treasurer"],
                1,
                &["admin", "treasurer"],
                false
            ),
            Err(Refusal::OwnCase)
        );
    }

    #[test]
    fn parties_do_not_vote() {
        let party = |account, interest| Party { account, interest };
        let expel = [party(7, Interest::Subject)];
        assert!(!may_vote(7, &expel));
        assert!(may_vote(8, &expel));
        assert!(may_vote(8, &[]));
        assert_eq!(recused(&expel), vec![7]);
        // An appeal: its author and the sanctioned account (the same person) and the moderator
        // who acted.
        let appeal = [
            party(9, Interest::Appellant),
            party(9, Interest::Appellant),
            party(4, Interest::ActingModerator),
        ];
        assert_eq!(recusal(9, &appeal), Some(Interest::Appellant));
        assert_eq!(recusal(4, &appeal), Some(Interest::ActingModerator));
        assert_eq!(recusal(5, &appeal), None);
        assert_eq!(recused(&appeal), vec![4, 9]);
        assert!(recused(&[]).is_empty());
    }

    #[test]
    fn split_claims_add_up_within_the_window() {
        let r = rules();
        // Alone, 150.00 is within the limit.
        let first = claim(15000, "EUR", 100);
        assert_eq!(
            check_limit(&r, &first, &[]),
            LimitCheck {
                total: 15000,
                needs_vote: false
            }
        );
        // The second half of a split purchase, ten days later: 250.00 in 30 days.
        let second = claim(10000, "EUR", 110);
        assert!(check_limit(&r, &second, std::slice::from_ref(&first)).needs_vote);
        assert_eq!(
            check_limit(&r, &second, std::slice::from_ref(&first)).total,
            25000
        );
        // Exactly at the limit is within it.
        assert!(
            !check_limit(&r, &claim(5000, "EUR", 110), std::slice::from_ref(&first)).needs_vote
        );
        // Outside the window (30 days or more before), or in another currency: not counted.
        assert!(
            !check_limit(&r, &claim(10000, "EUR", 130), std::slice::from_ref(&first)).needs_vote
        );
        assert!(
            !check_limit(&r, &claim(10000, "EUR", 131), std::slice::from_ref(&first)).needs_vote
        );
        assert!(!check_limit(&r, &second, &[claim(15000, "USD", 105)]).needs_vote);
        // A later claim does not count against an earlier one.
        assert!(!check_limit(&r, &first, &[claim(15000, "EUR", 101)]).needs_vote);
        // A claim in another currency always goes to the members.
        assert!(check_limit(&r, &claim(1, "USD", 100), &[]).needs_vote);
        // A wider window catches more.
        let wide = FinanceRules {
            expense_threshold_window_days: 60,
            ..rules()
        };
        assert!(check_limit(&wide, &claim(10000, "EUR", 150), &[first]).needs_vote);
    }
}
