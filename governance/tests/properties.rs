//! Property tests of the counting rules (proptest).

use herd_governance::ballot::{validate, Ballot, ValidBallot};
use herd_governance::bylaws::{DecisionRule, Method, TieRule};
use herd_governance::tally::{tally, Decision, Outcome, Tally};
use proptest::prelude::*;
use std::collections::BTreeMap;

fn rule(method: Method) -> DecisionRule {
    DecisionRule {
        method,
        min_days: 0.0,
        urgent_min_days: None,
        agree_share: None,
        block_override_share: None,
        quorum_share: 0.0,
        tie: TieRule::StatusQuo,
        dots: (method == Method::Dot).then_some(7),
        max_score: (method == Method::Score).then_some(4),
        seats: None,
    }
}

fn options(n: usize) -> Vec<String> {
    (0..n).map(|i| format!("opt{i}")).collect()
}

fn consent_ballots(r: &DecisionRule, counts: [usize; 4]) -> Vec<ValidBallot> {
    let mut out = Vec::new();
    for (c, n) in ["agree", "abstain", "disagree", "block"].iter().zip(counts) {
        let b = validate(
            r,
            &[],
            &Ballot::Choice {
                choice: c.to_string(),
            },
        )
        .unwrap();
        out.extend(std::iter::repeat_n(b, n));
    }
    out
}

fn consent_rule() -> impl Strategy<Value = DecisionRule> {
    (0u32..=100, proptest::option::of(0u32..=100), 0u32..=100).prop_map(|(a, o, q)| {
        let agree = f64::from(a) / 100.0;
        DecisionRule {
            agree_share: Some(agree),
            // The parser requires override ≥ agree.
            block_override_share: o.map(|o| (f64::from(o) / 100.0).max(agree)),
            quorum_share: f64::from(q) / 100.0,
            ..rule(Method::Consent)
        }
    })
}

/// A ranking: a random permutation of a random subset of `n` options (possibly empty).
fn ranking(n: usize) -> impl Strategy<Value = Vec<usize>> {
    (Just((0..n).collect::<Vec<_>>()).prop_shuffle(), 0..=n)
        .prop_map(|(perm, k)| perm.into_iter().take(k).collect())
}

fn ranked_ballots(opts: &[String], rankings: &[Vec<usize>]) -> Vec<ValidBallot> {
    let r = rule(Method::RankedChoice);
    rankings
        .iter()
        .map(|rk| {
            let ranking = rk.iter().map(|&i| opts[i].clone()).collect();
            validate(&r, opts, &Ballot::Ranking { ranking }).unwrap()
        })
        .collect()
}

/// Any method, with fitting random ballots.
fn any_vote() -> impl Strategy<Value = (DecisionRule, Vec<String>, Vec<ValidBallot>)> {
    (
        0usize..7,
        1usize..7,
        1u32..4,
        proptest::collection::vec(any::<u64>(), 0..60),
    )
        .prop_map(|(m, n, seats, seeds)| {
            let method = Method::ALL[m];
            let mut r = rule(method);
            match method {
                Method::Consent => {
                    r.agree_share = Some(0.5);
                    r.block_override_share = Some(0.9);
                }
                Method::Supermajority => r.agree_share = Some(0.75),
                Method::Approval | Method::Score | Method::Dot | Method::RankedChoice => {
                    r.seats = Some(seats)
                }
                Method::Majority => {}
            }
            let opts = options(n);
            let ballots = seeds
                .iter()
                .map(|&s| ballot_from_seed(&r, &opts, s))
                .collect();
            (r, opts, ballots)
        })
}

fn ballot_from_seed(r: &DecisionRule, opts: &[String], mut s: u64) -> ValidBallot {
    let mut next = |m: u64| {
        s ^= s << 13;
        s ^= s >> 7;
        s ^= s << 17;
        s % m
    };
    let n = opts.len() as u64;
    let b = match r.method {
        Method::Consent => Ballot::Choice {
            choice: ["agree", "abstain", "disagree", "block"][next(4) as usize].into(),
        },
        Method::Majority | Method::Supermajority => Ballot::Choice {
            choice: ["yes", "no", "abstain"][next(3) as usize].into(),
        },
        Method::Approval => Ballot::Choices {
            choices: opts.iter().filter(|_| next(2) == 0).cloned().collect(),
        },
        Method::Score => Ballot::Scores {
            scores: opts.iter().map(|o| (o.clone(), next(5) as u32)).collect(),
        },
        Method::Dot => {
            let mut left = 7;
            let mut dots = BTreeMap::new();
            for o in opts {
                let d = next(left + 1);
                left -= d;
                dots.insert(o.clone(), d as u32);
            }
            Ballot::Dots { dots }
        }
        Method::RankedChoice => {
            let mut pool: Vec<String> = opts.to_vec();
            let k = next(n + 1);
            let mut ranking = Vec::new();
            for _ in 0..k {
                let i = next(pool.len() as u64) as usize;
                ranking.push(pool.remove(i));
            }
            Ballot::Ranking { ranking }
        }
    };
    validate(r, opts, &b).unwrap()
}

/// Every ballot is accounted for exactly once (in every round, for ranked choice).
fn conserves(o: &Outcome, cast: usize) -> bool {
    if o.voted as usize != cast || o.tally.ballots() != cast as u64 {
        return false;
    }
    match &o.tally {
        Tally::RankedChoice(r) => r
            .rounds
            .iter()
            .all(|round| round.total() == u64::from(r.ballots) * r.scale),
        Tally::Totals { ballots, .. } => *ballots as usize == cast,
        _ => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn consent_one_more_agree_never_turns_a_pass_into_a_fail(
        r in consent_rule(),
        counts in [0usize..12, 0usize..12, 0usize..12, 0usize..4],
        extra_eligible in 0u32..20,
    ) {
        let eligible = counts.iter().sum::<usize>() as u32 + 1 + extra_eligible;
        let before = tally(&r, &[], &consent_ballots(&r, counts), eligible, false);
        let mut more = counts;
        more[0] += 1;
        let after = tally(&r, &[], &consent_ballots(&r, more), eligible, false);
        if before.outcome == Decision::Passed {
            prop_assert_eq!(after.outcome, Decision::Passed);
        }
    }

    #[test]
    fn consent_one_more_block_never_turns_a_fail_into_a_pass(
        r in consent_rule(),
        counts in [0usize..12, 0usize..12, 0usize..12, 0usize..4],
    ) {
        let eligible = counts.iter().sum::<usize>() as u32 + 1;
        let before = tally(&r, &[], &consent_ballots(&r, counts), eligible, false);
        let mut more = counts;
        more[3] += 1;
        let after = tally(&r, &[], &consent_ballots(&r, more), eligible, false);
        // Among quorate votes (a block can lift a vote to quorum: see the tally docs).
        if before.outcome == Decision::Failed {
            prop_assert_eq!(after.outcome, Decision::Failed);
        }
    }

    #[test]
    fn instant_runoff_elects_a_first_preference_majority(
        n in 2usize..8,
        winner_seed in any::<usize>(),
        majority in proptest::collection::vec(proptest::collection::vec(any::<usize>(), 0..6), 1..30),
        rest in proptest::collection::vec(ranking(7), 0..30),
    ) {
        let opts = options(n);
        let w = winner_seed % n;
        // `majority` ballots rank w first, then others; `rest` are arbitrary. Keep the majority
        // strict.
        let mut rankings: Vec<Vec<usize>> = majority
            .iter()
            .map(|tail| {
                let mut rk = vec![w];
                for t in tail {
                    let c = t % n;
                    if !rk.contains(&c) {
                        rk.push(c);
                    }
                }
                rk
            })
            .collect();
        let others: Vec<Vec<usize>> = rest
            .iter()
            .map(|rk| rk.iter().copied().filter(|&c| c < n).collect())
            .collect();
        let keep = others.len().min(rankings.len().saturating_sub(1));
        rankings.extend(others.into_iter().take(keep).filter(|rk: &Vec<usize>| rk.first() != Some(&w)));
        let ballots = ranked_ballots(&opts, &rankings);
        let o = tally(&rule(Method::RankedChoice), &opts, &ballots, ballots.len() as u32, false);
        prop_assert_eq!(o.winners, vec![opts[w].clone()]);
    }

    #[test]
    fn every_tally_conserves_the_ballots_cast((r, opts, ballots) in any_vote()) {
        let o = tally(&r, &opts, &ballots, ballots.len() as u32, false);
        prop_assert!(conserves(&o, ballots.len()), "{:?}", o);
        prop_assert!(o.winners.len() <= r.seats.unwrap_or(1) as usize);
        prop_assert_eq!(o.spoiled, 0);
    }

    #[test]
    fn tallies_do_not_depend_on_ballot_order(
        (r, opts, ballots) in any_vote(),
        shuffle_seed in any::<u64>(),
    ) {
        let a = tally(&r, &opts, &ballots, 100, false);
        let mut shuffled = ballots.clone();
        let mut s = shuffle_seed | 1;
        for i in (1..shuffled.len()).rev() {
            s ^= s << 13;
            s ^= s >> 7;
            s ^= s << 17;
            shuffled.swap(i, (s % (i as u64 + 1)) as usize);
        }
        let b = tally(&r, &opts, &shuffled, 100, false);
        prop_assert_eq!(a, b);
    }

    #[test]
    fn stv_elects_at_most_seats_and_every_quota_holder(
        n in 2usize..9,
        seats in 2u32..5,
        rankings in proptest::collection::vec(ranking(8), 0..80),
    ) {
        let opts = options(n);
        let rankings: Vec<Vec<usize>> = rankings
            .into_iter()
            .map(|rk| rk.into_iter().filter(|&c| c < n).collect())
            .collect();
        let ballots = ranked_ballots(&opts, &rankings);
        let r = DecisionRule { seats: Some(seats), ..rule(Method::RankedChoice) };
        let o = tally(&r, &opts, &ballots, ballots.len() as u32, false);
        prop_assert!(conserves(&o, ballots.len()));
        prop_assert!(o.winners.len() <= seats as usize);
        let Tally::RankedChoice(t) = &o.tally else { unreachable!() };
        // Anyone with a quota of first preferences is elected.
        let quota = t.quota.unwrap();
        for c in &t.rounds[0].votes {
            if c.votes >= quota {
                prop_assert!(o.winners.contains(&c.option));
            }
        }
        // Winners are distinct.
        let mut w = o.winners.clone();
        w.sort();
        w.dedup();
        prop_assert_eq!(w.len(), o.winners.len());
    }

    #[test]
    fn ballots_never_fail_validation_after_canonicalisation((r, opts, ballots) in any_vote()) {
        for b in &ballots {
            let again = validate(&r, &opts, &b.to_ballot(&opts)).unwrap();
            prop_assert_eq!(&again, b);
            let json = b.canonical_json(&opts);
            let parsed: Ballot = serde_json::from_str(&json).unwrap();
            prop_assert_eq!(parsed, b.to_ballot(&opts));
        }
    }
}
