use super::*;
use crate::ballot::{validate, Ballot};
use crate::bylaws::{FoundingDocuments, ProposalKind, TieRule};
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
        dots: (method == Method::Dot).then_some(10),
        max_score: (method == Method::Score).then_some(5),
        seats: None,
    }
}

fn social_coop() -> DecisionRule {
    DecisionRule {
        agree_share: Some(0.5),
        block_override_share: Some(0.9),
        ..rule(Method::Consent)
    }
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// `counts` of each choice, e.g. `[("agree", 6), ("block", 1)]`.
fn choices(r: &DecisionRule, counts: &[(&str, usize)]) -> Vec<ValidBallot> {
    let mut out = Vec::new();
    for (c, n) in counts {
        let b = validate(
            r,
            &[],
            &Ballot::Choice {
                choice: c.to_string(),
            },
        )
        .unwrap();
        out.extend(std::iter::repeat_n(b, *n));
    }
    out
}

fn rankings(options: &[String], counts: &[(usize, &[&str])]) -> Vec<ValidBallot> {
    let r = rule(Method::RankedChoice);
    let mut out = Vec::new();
    for (n, ranking) in counts {
        let b = validate(
            &r,
            options,
            &Ballot::Ranking {
                ranking: names(ranking),
            },
        )
        .unwrap();
        out.extend(std::iter::repeat_n(b, *n));
    }
    out
}

fn consent_counts(o: &Outcome) -> (u32, u32, u32, u32, bool) {
    match &o.tally {
        Tally::Consent {
            agree,
            abstain,
            disagree,
            block,
            blocked,
            ..
        } => (*agree, *abstain, *disagree, *block, *blocked),
        t => panic!("not a consent tally: {t:?}"),
    }
}

#[test]
fn social_coop_six_agree_one_block_fails() {
    let r = social_coop();
    let o = tally(
        &r,
        &[],
        &choices(&r, &[("agree", 6), ("block", 1)]),
        10,
        false,
    );
    assert_eq!(o.outcome, Decision::Failed);
    assert_eq!(consent_counts(&o), (6, 0, 0, 1, true));
    assert_eq!((o.eligible, o.voted), (10, 7));
}

#[test]
fn social_coop_nine_agree_one_block_passes_at_exactly_ninety_percent() {
    let r = social_coop();
    let o = tally(
        &r,
        &[],
        &choices(&r, &[("agree", 9), ("block", 1)]),
        10,
        false,
    );
    assert_eq!(o.outcome, Decision::Passed);
    assert_eq!(consent_counts(&o), (9, 0, 0, 1, false));
    let o = tally(
        &r,
        &[],
        &choices(&r, &[("agree", 8), ("block", 1)]),
        10,
        false,
    );
    assert_eq!(o.outcome, Decision::Failed, "8/9 = 88.9 % < 90 %");
}

#[test]
fn exact_shares_have_no_float_drift() {
    // 7/10 against 0.7, 29/100 against 0.29: exact in integers, borderline in floats.
    for (agree, disagree, share) in [
        (7, 3, 0.7),
        (29, 71, 0.29),
        (57, 43, 0.57),
        (1, 2, 1.0 / 3.0),
    ] {
        let r = DecisionRule {
            agree_share: Some(share),
            ..social_coop()
        };
        let o = tally(
            &r,
            &[],
            &choices(&r, &[("agree", agree), ("disagree", disagree)]),
            0,
            false,
        );
        assert_eq!(
            o.outcome,
            Decision::Passed,
            "{agree}/{} vs {share}",
            agree + disagree
        );
        let o = tally(
            &r,
            &[],
            &choices(&r, &[("agree", agree - 1), ("disagree", disagree + 1)]),
            0,
            false,
        );
        assert_eq!(o.outcome, Decision::Failed);
    }
    assert_eq!(share_ppm(0.9), 900_000);
    assert_eq!(share_ppm(1.0 / 3.0), 333_333);
    assert_eq!(share_ppm(f64::NAN), 0);
    assert_eq!(share_ppm(2.0), PPM);
}

#[test]
fn abstentions_stand_aside_in_the_agree_share() {
    let r = social_coop();
    // 3 agree, 3 disagree, 4 abstain: agree share 3/6 = 50 % (it would be 30 % if abstentions
    // counted as votes against).
    let b = choices(&r, &[("agree", 3), ("disagree", 3), ("abstain", 4)]);
    let o = tally(&r, &[], &b, 10, false);
    assert_eq!(o.outcome, Decision::Passed);
    match o.tally {
        Tally::Consent { agree_share, .. } => assert_eq!(agree_share, Some(0.5)),
        _ => unreachable!(),
    }
    assert_eq!(o.voted, 10, "abstentions count towards turnout");
}

#[test]
fn abstentions_count_towards_quorum() {
    let r = DecisionRule {
        quorum_share: 0.5,
        ..social_coop()
    };
    let o = tally(
        &r,
        &[],
        &choices(&r, &[("agree", 1), ("abstain", 4)]),
        10,
        false,
    );
    assert!(o.quorum_reached);
    assert_eq!(o.outcome, Decision::Passed);
    let o = tally(
        &r,
        &[],
        &choices(&r, &[("agree", 1), ("abstain", 3)]),
        10,
        false,
    );
    assert!(!o.quorum_reached);
    assert_eq!(o.outcome, Decision::NoQuorum);
    // The counts are still shown.
    assert_eq!(consent_counts(&o), (1, 3, 0, 0, false));
}

#[test]
fn nobody_taking_a_side_fails() {
    let r = social_coop();
    assert_eq!(
        tally(&r, &[], &choices(&r, &[("abstain", 5)]), 5, false).outcome,
        Decision::Failed
    );
    assert_eq!(tally(&r, &[], &[], 5, false).outcome, Decision::Failed);
}

#[test]
fn without_an_override_share_any_block_defeats() {
    let r = DecisionRule {
        block_override_share: None,
        ..social_coop()
    };
    let o = tally(
        &r,
        &[],
        &choices(&r, &[("agree", 99), ("block", 1)]),
        100,
        false,
    );
    assert_eq!(o.outcome, Decision::Failed);
    let o = tally(
        &r,
        &[],
        &choices(&r, &[("agree", 99), ("disagree", 1)]),
        100,
        false,
    );
    assert_eq!(o.outcome, Decision::Passed);
}

#[test]
fn bylaws_amendment_thresholds() {
    let docs = FoundingDocuments::default_documents().unwrap();
    let r = docs.decision_rule(ProposalKind::BylawsAmendment).clone();
    let run = |c: &[(&str, usize)]| tally(&r, &[], &choices(&r, c), 100, false).outcome;
    assert_eq!(run(&[("agree", 75), ("disagree", 25)]), Decision::Passed);
    assert_eq!(run(&[("agree", 74), ("disagree", 26)]), Decision::Failed);
    assert_eq!(
        run(&[("agree", 94), ("disagree", 5), ("block", 1)]),
        Decision::Failed
    );
    assert_eq!(
        run(&[("agree", 95), ("disagree", 4), ("block", 1)]),
        Decision::Passed
    );
}

#[test]
fn quorum_edges() {
    let r = DecisionRule {
        quorum_share: 0.25,
        ..social_coop()
    };
    let agree = |n| choices(&r, &[("agree", n)]);
    assert!(tally(&r, &[], &agree(3), 12, false).quorum_reached);
    assert!(!tally(&r, &[], &agree(2), 12, false).quorum_reached);
    assert!(!tally(&r, &[], &agree(0), 12, false).quorum_reached);
    // No quorum rule: even nobody eligible is fine (and then nothing passes).
    let r0 = social_coop();
    assert!(tally(&r0, &[], &[], 0, false).quorum_reached);
    assert_eq!(tally(&r0, &[], &[], 0, false).outcome, Decision::Failed);
}

#[test]
fn majority_and_its_tie_rule() {
    let r = rule(Method::Majority);
    let run = |r: &DecisionRule, c: &[(&str, usize)]| tally(r, &[], &choices(r, c), 20, false);
    assert_eq!(run(&r, &[("yes", 4), ("no", 3)]).outcome, Decision::Passed);
    assert_eq!(run(&r, &[("yes", 3), ("no", 4)]).outcome, Decision::Failed);
    let tie = run(&r, &[("yes", 3), ("no", 3), ("abstain", 5)]);
    assert_eq!(tie.outcome, Decision::Failed, "status quo by default");
    assert!(matches!(tie.tally, Tally::YesNo { tie: true, .. }));
    assert!(tie.tie_break.as_deref().unwrap().contains("status_quo"));
    let passes = DecisionRule {
        tie: TieRule::Passes,
        ..r.clone()
    };
    assert_eq!(
        run(&passes, &[("yes", 3), ("no", 3)]).outcome,
        Decision::Passed
    );
    // agree_share 0.6: 6 of 10 is the tie point.
    let r6 = DecisionRule {
        agree_share: Some(0.6),
        ..r.clone()
    };
    assert_eq!(run(&r6, &[("yes", 6), ("no", 4)]).outcome, Decision::Failed);
    assert_eq!(run(&r6, &[("yes", 7), ("no", 4)]).outcome, Decision::Passed);
    let r6p = DecisionRule {
        tie: TieRule::Passes,
        ..r6
    };
    assert_eq!(
        run(&r6p, &[("yes", 6), ("no", 4)]).outcome,
        Decision::Passed
    );
    // Only abstentions: nothing decided, whatever the tie rule.
    assert_eq!(run(&passes, &[("abstain", 3)]).outcome, Decision::Failed);
}

#[test]
fn supermajority_is_at_least() {
    let r = DecisionRule {
        agree_share: Some(2.0 / 3.0),
        ..rule(Method::Supermajority)
    };
    let run = |c: &[(&str, usize)]| tally(&r, &[], &choices(&r, c), 20, false);
    // 2/3 reads as 666 667 ppm, so 2 of 3 (666 666.67 ppm) falls just short: bylaws meaning
    // "two thirds" should write 0.666 (documented at `share_ppm`).
    assert_eq!(run(&[("yes", 2), ("no", 1)]).outcome, Decision::Failed);
    let r666 = DecisionRule {
        agree_share: Some(0.666),
        ..r.clone()
    };
    assert_eq!(
        tally(
            &r666,
            &[],
            &choices(&r666, &[("yes", 2), ("no", 1)]),
            3,
            false
        )
        .outcome,
        Decision::Passed
    );
    assert_eq!(run(&[("yes", 3), ("no", 1)]).outcome, Decision::Passed);
    assert_eq!(run(&[("yes", 1), ("no", 1)]).outcome, Decision::Failed);
    let r75 = DecisionRule {
        agree_share: Some(0.75),
        ..rule(Method::Supermajority)
    };
    let o = tally(
        &r75,
        &[],
        &choices(&r75, &[("yes", 3), ("no", 1), ("abstain", 9)]),
        20,
        false,
    );
    assert_eq!(o.outcome, Decision::Passed);
    assert!(o.tie_break.is_none());
    let o = tally(
        &r75,
        &[],
        &choices(&r75, &[("yes", 2), ("no", 1)]),
        20,
        false,
    );
    assert_eq!(o.outcome, Decision::Failed);
}

fn approvals(options: &[String], lists: &[(usize, &[&str])]) -> Vec<ValidBallot> {
    let r = rule(Method::Approval);
    let mut out = Vec::new();
    for (n, l) in lists {
        let b = validate(&r, options, &Ballot::Choices { choices: names(l) }).unwrap();
        out.extend(std::iter::repeat_n(b, *n));
    }
    out
}

fn totals_of(o: &Outcome) -> Vec<u64> {
    match &o.tally {
        Tally::Totals { options, .. } => options.iter().map(|t| t.total).collect(),
        t => panic!("not totals: {t:?}"),
    }
}

#[test]
fn approval_winners_and_seats() {
    let opts = names(&["a", "b", "c", "d"]);
    let b = approvals(
        &opts,
        &[(3, &["a", "b"]), (2, &["c"]), (1, &["b", "c"]), (1, &[])],
    );
    let r = rule(Method::Approval);
    let o = tally(&r, &opts, &b, 10, false);
    assert_eq!(totals_of(&o), [3, 4, 3, 0]);
    assert_eq!(o.winners, ["b"]);
    assert_eq!(o.outcome, Decision::Passed);
    assert_eq!(o.voted, 7);
    assert!(o.tie_break.is_none());
    // Two seats: a and c tie for the second; a is listed first.
    let r2 = DecisionRule {
        seats: Some(2),
        ..r.clone()
    };
    let o = tally(&r2, &opts, &b, 10, false);
    assert_eq!(o.winners, ["b", "a"]);
    assert_eq!(
        o.tie_break.as_deref(),
        Some("`a` and `c` tied with 3 for the last seat; broken by the proposal's option order: `a` won")
    );
    // More seats than supported options: unsupported options never win.
    let r9 = DecisionRule {
        seats: Some(9),
        ..r.clone()
    };
    assert_eq!(tally(&r9, &opts, &b, 10, false).winners, ["b", "a", "c"]);
    // Nobody approves anything: fails.
    let empty = approvals(&opts, &[(4, &[])]);
    let o = tally(&r, &opts, &empty, 10, false);
    assert_eq!(o.outcome, Decision::Failed);
    assert!(o.winners.is_empty());
}

#[test]
fn approval_with_a_required_share() {
    let opts = names(&["a", "b"]);
    let r = DecisionRule {
        agree_share: Some(0.5),
        seats: Some(2),
        ..rule(Method::Approval)
    };
    // 5 ballots: a approved by 3 (60 %), b by 2 (40 %): only a reaches half.
    let b = approvals(&opts, &[(2, &["a", "b"]), (1, &["a"]), (2, &[])]);
    let o = tally(&r, &opts, &b, 5, false);
    assert_eq!(o.winners, ["a"]);
    assert!(matches!(
        o.tally,
        Tally::Totals {
            needed: Some(3),
            ..
        }
    ));
}

#[test]
fn score_and_dot_totals() {
    let opts = names(&["x", "y", "z"]);
    let rs = rule(Method::Score);
    let sc = |m: &[(&str, u32)]| {
        let scores: BTreeMap<String, u32> = m.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        validate(&rs, &opts, &Ballot::Scores { scores }).unwrap()
    };
    let b = vec![
        sc(&[("x", 5), ("y", 3)]),
        sc(&[("y", 5)]),
        sc(&[("x", 1), ("z", 2)]),
    ];
    let o = tally(&rs, &opts, &b, 3, false);
    assert_eq!(totals_of(&o), [6, 8, 2]);
    assert_eq!(o.winners, ["y"]);

    let rd = DecisionRule {
        seats: Some(2),
        ..rule(Method::Dot)
    };
    let dot = |m: &[(&str, u32)]| {
        let dots: BTreeMap<String, u32> = m.iter().map(|(k, v)| (k.to_string(), *v)).collect();
        validate(&rd, &opts, &Ballot::Dots { dots }).unwrap()
    };
    let b = vec![dot(&[("z", 10)]), dot(&[("x", 4), ("y", 6)]), dot(&[])];
    let o = tally(&rd, &opts, &b, 3, false);
    assert_eq!(totals_of(&o), [4, 6, 10]);
    assert_eq!(o.winners, ["z", "y"]);
    assert!(matches!(o.tally, Tally::Totals { ballots: 3, .. }));
}

fn ranked(o: &Outcome) -> &RankedTally {
    match &o.tally {
        Tally::RankedChoice(r) => r,
        t => panic!("not ranked: {t:?}"),
    }
}

fn round_votes(r: &Round) -> Vec<u64> {
    r.votes.iter().map(|c| c.votes).collect()
}

#[test]
fn instant_runoff_transfers_the_last_candidates_votes() {
    let opts = names(&["A", "B", "C"]);
    let b = rankings(&opts, &[(4, &["A"]), (3, &["B", "C"]), (2, &["C", "B"])]);
    let o = tally(&rule(Method::RankedChoice), &opts, &b, 9, false);
    let r = ranked(&o);
    assert_eq!((r.seats, r.scale, r.quota), (1, 1, None));
    assert_eq!(r.rounds.len(), 2);
    assert_eq!(round_votes(&r.rounds[0]), [4, 3, 2]);
    assert_eq!(r.rounds[0].eliminated, ["C"]);
    assert_eq!(round_votes(&r.rounds[1]), [4, 5, 0]);
    assert_eq!(r.rounds[1].elected, ["B"]);
    assert_eq!(o.winners, ["B"]);
    assert_eq!(o.outcome, Decision::Passed);
}

#[test]
fn instant_runoff_majority_is_of_continuing_ballots() {
    let opts = names(&["A", "B", "C"]);
    // C's voters rank nobody else: their ballots exhaust, and A's 4 of 7 continuing win.
    let b = rankings(&opts, &[(4, &["A"]), (3, &["B"]), (2, &["C"])]);
    let o = tally(&rule(Method::RankedChoice), &opts, &b, 9, false);
    let r = ranked(&o);
    assert_eq!(r.rounds[1].exhausted, 2);
    assert_eq!(o.winners, ["A"]);
    for round in &r.rounds {
        assert_eq!(round.total(), 9);
    }
}

#[test]
fn instant_runoff_first_round_majority() {
    let opts = names(&["A", "B", "C"]);
    let b = rankings(&opts, &[(5, &["C"]), (4, &["A", "B"])]);
    let o = tally(&rule(Method::RankedChoice), &opts, &b, 9, false);
    assert_eq!(ranked(&o).rounds.len(), 1);
    assert_eq!(o.winners, ["C"]);
}

#[test]
fn elimination_ties_look_back_then_use_option_order() {
    // Options listed A, C, B, D so that option order alone would eliminate B.
    let opts = names(&["A", "C", "B", "D"]);
    let b = rankings(
        &opts,
        &[(6, &["A"]), (3, &["B"]), (2, &["C"]), (1, &["D", "C"])],
    );
    let o = tally(&rule(Method::RankedChoice), &opts, &b, 12, false);
    let r = ranked(&o);
    assert_eq!(r.rounds[0].eliminated, ["D"]);
    assert_eq!(
        r.rounds[1].eliminated,
        ["C"],
        "C had fewer votes in round 1"
    );
    assert_eq!(
        r.rounds[1].tie_break.as_deref(),
        Some(
            "`C` and `B` tied for fewest votes (3); `C` eliminated: it had fewer votes in round 1"
        )
    );
    assert_eq!(o.tie_break, r.rounds[1].tie_break);

    // Level from the start: the one listed last goes.
    let opts = names(&["A", "B", "C"]);
    let b = rankings(&opts, &[(3, &["A"]), (2, &["B"]), (2, &["C"])]);
    let o = tally(&rule(Method::RankedChoice), &opts, &b, 7, false);
    assert_eq!(ranked(&o).rounds[0].eliminated, ["C"]);
    assert!(o.tie_break.unwrap().contains("listed last"));
}

#[test]
fn a_two_way_final_tie_is_broken_by_option_order() {
    let opts = names(&["A", "B"]);
    let b = rankings(&opts, &[(2, &["A"]), (2, &["B"])]);
    let o = tally(&rule(Method::RankedChoice), &opts, &b, 4, false);
    assert_eq!(o.winners, ["A"]);
    assert!(o.tie_break.is_some());
}

#[test]
fn empty_rankings_elect_nobody() {
    let opts = names(&["A", "B"]);
    let b = rankings(&opts, &[(3, &[])]);
    let o = tally(&rule(Method::RankedChoice), &opts, &b, 3, false);
    assert_eq!(o.outcome, Decision::Failed);
    let r = ranked(&o);
    assert_eq!((r.ballots, r.valid), (3, 0));
    assert_eq!(r.rounds.len(), 1);
    assert_eq!(r.rounds[0].exhausted, 3);
}

#[test]
fn stv_wikipedia_food_election() {
    // The worked example of the Wikipedia article "Single transferable vote": 20 voters, 3 seats.
    let opts = names(&[
        "Oranges",
        "Pears",
        "Chocolate",
        "Strawberries",
        "Hamburgers",
    ]);
    let b = rankings(
        &opts,
        &[
            (4, &["Oranges"]),
            (2, &["Pears", "Oranges"]),
            (8, &["Chocolate", "Strawberries"]),
            (4, &["Chocolate", "Hamburgers"]),
            (1, &["Strawberries"]),
            (1, &["Hamburgers"]),
        ],
    );
    let r3 = DecisionRule {
        seats: Some(3),
        ..rule(Method::RankedChoice)
    };
    let o = tally(&r3, &opts, &b, 20, false);
    let r = ranked(&o);
    let m = STV_SCALE;
    assert_eq!(r.quota, Some(6 * m), "floor(20 / 4) + 1");
    assert_eq!(round_votes(&r.rounds[0]), [4 * m, 2 * m, 12 * m, m, m]);
    assert_eq!(r.rounds[0].elected, ["Chocolate"]);
    // Chocolate's surplus 6 of 12: each of its ballots passes on half.
    assert_eq!(
        round_votes(&r.rounds[1]),
        [4 * m, 2 * m, 6 * m, 5 * m, 3 * m]
    );
    assert_eq!(r.rounds[1].eliminated, ["Pears"]);
    assert_eq!(round_votes(&r.rounds[2]), [6 * m, 0, 6 * m, 5 * m, 3 * m]);
    assert_eq!(r.rounds[2].elected, ["Oranges"]);
    assert_eq!(r.rounds[3].eliminated, ["Hamburgers"]);
    assert_eq!(r.rounds[4].exhausted, 3 * m);
    assert_eq!(r.rounds[4].elected, ["Strawberries"]);
    assert_eq!(o.winners, ["Chocolate", "Oranges", "Strawberries"]);
    for round in &r.rounds {
        assert_eq!(round.total(), 20 * m, "round {}", round.number);
    }
}

#[test]
fn stv_rounding_stays_with_the_elected_candidate() {
    // Surplus 1 of 7 over three ballots: 1/7 of a ballot does not divide evenly.
    let opts = names(&["A", "B", "C", "D"]);
    let b = rankings(&opts, &[(7, &["A", "B"]), (3, &["C"]), (2, &["D"])]);
    let r2 = DecisionRule {
        seats: Some(2),
        ..rule(Method::RankedChoice)
    };
    let o = tally(&r2, &opts, &b, 12, false);
    let r = ranked(&o);
    assert_eq!(r.quota, Some(5 * STV_SCALE));
    let after = &r.rounds[1];
    // Each of 7 ballots passes on floor(1e6 × 2 / 7) = 285 714.
    assert_eq!(after.votes[1].votes, 7 * 285_714);
    assert_eq!(
        after.votes[0].votes,
        12 * STV_SCALE - 7 * 285_714 - 5 * STV_SCALE
    );
    assert!(after.votes[0].votes >= 5 * STV_SCALE);
    for round in &r.rounds {
        assert_eq!(round.total(), 12 * STV_SCALE);
    }
    assert_eq!(o.winners.len(), 2);
    assert_eq!(o.winners[0], "A");
}

#[test]
fn stv_leaves_a_seat_empty_rather_than_elect_an_unsupported_candidate() {
    let opts = names(&["A", "B", "C"]);
    let b = rankings(&opts, &[(5, &["A"])]);
    let r2 = DecisionRule {
        seats: Some(2),
        ..rule(Method::RankedChoice)
    };
    let o = tally(&r2, &opts, &b, 5, false);
    assert_eq!(o.winners, ["A"]);
}

#[test]
fn a_ballot_checked_against_other_options_is_spoiled() {
    let opts = names(&["a", "b"]);
    let other = names(&["a", "b", "c"]);
    let r = rule(Method::Approval);
    let good = validate(
        &r,
        &opts,
        &Ballot::Choices {
            choices: names(&["a"]),
        },
    )
    .unwrap();
    let bad = validate(
        &r,
        &other,
        &Ballot::Choices {
            choices: names(&["c"]),
        },
    )
    .unwrap();
    let consent = choices(&social_coop(), &[("agree", 1)]).remove(0);
    let o = tally(&r, &opts, &[good, bad, consent], 5, false);
    assert_eq!((o.voted, o.spoiled), (3, 2));
    assert_eq!(o.tally.ballots(), 1);
    assert_eq!(o.winners, ["a"]);
}

#[test]
fn no_quorum_names_no_winner() {
    let opts = names(&["a", "b"]);
    let r = DecisionRule {
        quorum_share: 0.5,
        ..rule(Method::Approval)
    };
    let o = tally(&r, &opts, &approvals(&opts, &[(2, &["a"])]), 10, true);
    assert_eq!(o.outcome, Decision::NoQuorum);
    assert!(o.winners.is_empty());
    assert_eq!(totals_of(&o), [2, 0]);
    assert!(o.urgent);
}

#[test]
fn receipts_are_sorted() {
    let r = social_coop();
    let o = tally(&r, &[], &[], 0, false).with_receipts(["ff".to_string(), "0a".to_string()]);
    assert_eq!(o.receipts, ["0a", "ff"]);
}

#[test]
fn json_shape() {
    let r = social_coop();
    let o = tally(
        &r,
        &[],
        &choices(&r, &[("agree", 9), ("block", 1)]),
        10,
        false,
    );
    let v = serde_json::to_value(&o).unwrap();
    assert_eq!(v["outcome"], "passed");
    assert_eq!(v["eligible"], 10);
    assert_eq!(v["voted"], 10);
    assert_eq!(v["rule"]["method"], "consent");
    assert_eq!(v["rule"]["block_override_share"], 0.9);
    assert_eq!(v["tally"]["kind"], "consent");
    assert_eq!(v["tally"]["agree"], 9);
    assert_eq!(v["tally"]["block"], 1);
    assert_eq!(v["winners"], serde_json::json!([]));
    assert!(v.get("spoiled").is_none() && v.get("receipts").is_none());

    let opts = names(&["A", "B"]);
    let o = tally(
        &rule(Method::RankedChoice),
        &opts,
        &rankings(&opts, &[(2, &["A"]), (1, &["B"])]),
        3,
        false,
    );
    let v = serde_json::to_value(&o).unwrap();
    assert_eq!(v["tally"]["kind"], "ranked_choice");
    assert_eq!(v["tally"]["rounds"][0]["votes"][0]["option"], "A");
    assert_eq!(v["tally"]["rounds"][0]["votes"][0]["state"], "continuing");
    assert_eq!(v["tally"]["rounds"][0]["elected"][0], "A");
    assert_eq!(v["winners"][0], "A");
    assert_eq!(v["outcome"], "passed");
    let no_quorum = serde_json::to_value(Decision::NoQuorum).unwrap();
    assert_eq!(no_quorum, "no_quorum");
}

#[test]
fn default_bylaws_rules_all_tally() {
    let docs = FoundingDocuments::default_documents().unwrap();
    for (kind, r) in docs.decision_rules().iter() {
        let o = tally(r, &names(&["x"]), &[], 10, false);
        assert_ne!(
            o.outcome,
            Decision::Passed,
            "{kind}: nothing passes with no ballots"
        );
    }
}
