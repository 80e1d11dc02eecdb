use super::*;
use crate::bylaws::TieRule;

fn rule(method: Method) -> DecisionRule {
    DecisionRule {
        method,
        min_days: 0.0,
        urgent_min_days: None,
        agree_share: None,
        block_override_share: None,
        quorum_share: 0.0,
        tie: TieRule::StatusQuo,
        dots: (method == Method::Dot).then_some(5),
        max_score: (method == Method::Score).then_some(3),
        seats: None,
    }
}

fn opts() -> Vec<String> {
    ["alice", "bob", "carol"].map(String::from).to_vec()
}

fn choice(c: &str) -> Ballot {
    Ballot::Choice {
        choice: c.to_string(),
    }
}

fn names(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

fn map(v: &[(&str, u32)]) -> BTreeMap<String, u32> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

fn check(method: Method, b: &Ballot) -> Result<ValidBallot, BallotError> {
    validate(&rule(method), &opts(), b)
}

fn err(method: Method, b: &Ballot) -> String {
    check(method, b).unwrap_err().to_string()
}

#[test]
fn consent_choices() {
    for (c, want) in [
        ("agree", ConsentChoice::Agree),
        ("abstain", ConsentChoice::Abstain),
        ("disagree", ConsentChoice::Disagree),
        ("block", ConsentChoice::Block),
    ] {
        assert_eq!(
            check(Method::Consent, &choice(c)).unwrap().consent(),
            Some(want)
        );
    }
    assert_eq!(
        err(Method::Consent, &choice("yes")),
        "`yes` is not a choice in a consent vote (expected one of: agree, abstain, disagree, block)"
    );
    assert!(
        check(Method::Consent, &choice("Agree")).is_err(),
        "case matters"
    );
}

#[test]
fn yes_no_choices_for_majority_and_supermajority() {
    for m in [Method::Majority, Method::Supermajority] {
        assert_eq!(
            check(m, &choice("yes")).unwrap().yes_no(),
            Some(YesNoChoice::Yes)
        );
        assert_eq!(
            check(m, &choice("no")).unwrap().yes_no(),
            Some(YesNoChoice::No)
        );
        assert_eq!(
            check(m, &choice("abstain")).unwrap().yes_no(),
            Some(YesNoChoice::Abstain)
        );
        assert!(check(m, &choice("block")).is_err());
    }
    assert_eq!(
        err(Method::Majority, &choice("agree")),
        "`agree` is not a choice in a majority vote (expected one of: yes, no, abstain)"
    );
}

#[test]
fn consent_ignores_the_option_list() {
    let r = rule(Method::Consent);
    assert!(validate(&r, &[], &choice("agree")).is_ok());
    assert!(validate(&r, &opts(), &choice("agree")).is_ok());
}

#[test]
fn wrong_shape_names_the_expected_shape() {
    assert_eq!(
        err(Method::Consent, &Ballot::Choices { choices: vec![] }),
        "a consent ballot is {\"choice\": agree|abstain|disagree|block}, not a `choices` ballot"
    );
    assert_eq!(
        err(Method::RankedChoice, &choice("alice")),
        "a ranked_choice ballot is {\"ranking\": [option, …]}, not a `choice` ballot"
    );
    assert!(check(Method::Score, &Ballot::Dots { dots: map(&[]) }).is_err());
    assert!(check(Method::Dot, &Ballot::Scores { scores: map(&[]) }).is_err());
    assert!(check(Method::Approval, &Ballot::Ranking { ranking: vec![] }).is_err());
}

#[test]
fn approval() {
    let b = check(
        Method::Approval,
        &Ballot::Choices {
            choices: names(&["carol", "alice"]),
        },
    )
    .unwrap();
    // Canonical order is the proposal's option order.
    assert_eq!(
        b.to_ballot(&opts()),
        Ballot::Choices {
            choices: names(&["alice", "carol"])
        }
    );
    // Empty approval: allowed (abstaining).
    assert!(check(Method::Approval, &Ballot::Choices { choices: vec![] }).is_ok());
    assert_eq!(
        err(
            Method::Approval,
            &Ballot::Choices {
                choices: names(&["alice", "alice"])
            }
        ),
        "`alice` appears more than once in the choices"
    );
    assert_eq!(
        err(
            Method::Approval,
            &Ballot::Choices {
                choices: names(&["dave"])
            }
        ),
        "`dave` is not an option of this proposal (expected one of: alice, bob, carol)"
    );
}

#[test]
fn ranking() {
    let b = check(
        Method::RankedChoice,
        &Ballot::Ranking {
            ranking: names(&["bob", "alice"]),
        },
    )
    .unwrap();
    assert_eq!(
        b.to_ballot(&opts()),
        Ballot::Ranking {
            ranking: names(&["bob", "alice"])
        }
    );
    assert!(check(Method::RankedChoice, &Ballot::Ranking { ranking: vec![] }).is_ok());
    assert!(check(
        Method::RankedChoice,
        &Ballot::Ranking {
            ranking: names(&["carol", "bob", "alice"])
        }
    )
    .is_ok());
    assert_eq!(
        err(
            Method::RankedChoice,
            &Ballot::Ranking {
                ranking: names(&["bob", "carol", "bob"])
            }
        ),
        "`bob` appears more than once in the ranking"
    );
    assert!(err(
        Method::RankedChoice,
        &Ballot::Ranking {
            ranking: names(&["Bob"])
        }
    )
    .contains("`Bob` is not an option"));
}

#[test]
fn scores() {
    let b = check(
        Method::Score,
        &Ballot::Scores {
            scores: map(&[("alice", 3), ("bob", 0)]),
        },
    )
    .unwrap();
    assert_eq!(
        b.to_ballot(&opts()),
        Ballot::Scores {
            scores: map(&[("alice", 3)])
        }
    );
    assert_eq!(
        err(
            Method::Score,
            &Ballot::Scores {
                scores: map(&[("alice", 4)])
            }
        ),
        "score 4 for `alice` is out of range (scores run from 0 to 3)"
    );
    assert!(err(
        Method::Score,
        &Ballot::Scores {
            scores: map(&[("x", 1)])
        }
    )
    .contains("`x` is not an option"));
    assert!(check(Method::Score, &Ballot::Scores { scores: map(&[]) }).is_ok());
}

#[test]
fn dots() {
    assert!(check(
        Method::Dot,
        &Ballot::Dots {
            dots: map(&[("alice", 3), ("carol", 2)])
        }
    )
    .is_ok());
    assert!(check(
        Method::Dot,
        &Ballot::Dots {
            dots: map(&[("bob", 5)])
        }
    )
    .is_ok());
    assert_eq!(
        err(
            Method::Dot,
            &Ballot::Dots {
                dots: map(&[("alice", 3), ("bob", 3)])
            }
        ),
        "6 dots placed, but each member has only 5"
    );
    // No overflow with huge numbers.
    assert!(err(
        Method::Dot,
        &Ballot::Dots {
            dots: map(&[("alice", u32::MAX), ("bob", u32::MAX)])
        }
    )
    .contains("8589934590 dots placed"));
    assert!(check(Method::Dot, &Ballot::Dots { dots: map(&[]) }).is_ok());
}

#[test]
fn defaults_when_a_hand_built_rule_omits_limits() {
    let mut r = rule(Method::Dot);
    r.dots = None;
    assert!(validate(
        &r,
        &opts(),
        &Ballot::Dots {
            dots: map(&[("alice", DEFAULT_DOTS)])
        }
    )
    .is_ok());
    let mut r = rule(Method::Score);
    r.max_score = None;
    assert!(validate(
        &r,
        &opts(),
        &Ballot::Scores {
            scores: map(&[("bob", DEFAULT_MAX_SCORE + 1)])
        }
    )
    .is_err());
}

#[test]
fn options_lists() {
    assert!(validate_options(Method::Consent, &[]).is_ok());
    assert!(validate_options(Method::Majority, &[]).is_ok());
    assert_eq!(
        validate_options(Method::Approval, &[])
            .unwrap_err()
            .to_string(),
        "a approval proposal needs at least one option"
    );
    assert_eq!(
        validate_options(Method::RankedChoice, &names(&["a", "b", "a"]))
            .unwrap_err()
            .to_string(),
        "option `a` is listed more than once"
    );
    assert!(validate_options(Method::Score, &names(&["a", ""])).is_err());
    assert!(validate_options(Method::Dot, &opts()).is_ok());
}

#[test]
fn fits_checks_method_family_and_option_count() {
    let b = check(
        Method::Approval,
        &Ballot::Choices {
            choices: names(&["bob"]),
        },
    )
    .unwrap();
    assert!(b.fits(Method::Approval, &opts()));
    assert!(!b.fits(Method::Score, &opts()));
    assert!(!b.fits(Method::Approval, &names(&["bob"])));
    let y = check(Method::Majority, &choice("yes")).unwrap();
    assert!(y.fits(Method::Supermajority, &[]));
    assert!(!y.fits(Method::Consent, &[]));
}

#[test]
fn json_shapes_round_trip() {
    let cases = [
        (r#"{"choice":"agree"}"#, choice("agree")),
        (
            r#"{"choices":["a","b"]}"#,
            Ballot::Choices {
                choices: names(&["a", "b"]),
            },
        ),
        (
            r#"{"ranking":["b"]}"#,
            Ballot::Ranking {
                ranking: names(&["b"]),
            },
        ),
        (
            r#"{"scores":{"a":2}}"#,
            Ballot::Scores {
                scores: map(&[("a", 2)]),
            },
        ),
        (
            r#"{"dots":{"a":1,"b":4}}"#,
            Ballot::Dots {
                dots: map(&[("a", 1), ("b", 4)]),
            },
        ),
    ];
    for (json, ballot) in cases {
        let parsed: Ballot = serde_json::from_str(json).unwrap();
        assert_eq!(parsed, ballot);
        assert_eq!(serde_json::to_string(&ballot).unwrap(), json);
    }
    assert!(serde_json::from_str::<Ballot>(r#"{"scores":{"a":-1}}"#).is_err());
    assert!(serde_json::from_str::<Ballot>(r#"{"vote":"agree"}"#).is_err());
}

#[test]
fn canonical_json_is_normalised_and_matches_serde() {
    let options = names(&["b\"q", "a\\z", "new\nline", "é"]);
    let r = rule(Method::Score);
    let b = validate(
        &r,
        &options,
        &Ballot::Scores {
            scores: map(&[("é", 1), ("b\"q", 2), ("new\nline", 0)]),
        },
    )
    .unwrap();
    let json = b.canonical_json(&options);
    assert_eq!(json, "{\"scores\":{\"b\\\"q\":2,\"é\":1}}");
    assert_eq!(json, serde_json::to_string(&b.to_ballot(&options)).unwrap());
    let r = rule(Method::RankedChoice);
    let b = validate(
        &r,
        &options,
        &Ballot::Ranking {
            ranking: options.clone(),
        },
    )
    .unwrap();
    assert_eq!(
        b.canonical_json(&options),
        serde_json::to_string(&b.to_ballot(&options)).unwrap()
    );
    let c = check(Method::Consent, &choice("block")).unwrap();
    assert_eq!(c.canonical_json(&[]), r#"{"choice":"block"}"#);
    let a = check(Method::Approval, &Ballot::Choices { choices: vec![] }).unwrap();
    assert_eq!(a.canonical_json(&opts()), r#"{"choices":[]}"#);
}

#[test]
fn control_characters_escape_like_jcs() {
    let mut s = String::new();
    json_string(&mut s, "\u{1}\u{8}\t\u{1f}");
    assert_eq!(s, "\"\\u0001\\b\\t\\u001f\"");
    assert_eq!(s, serde_json::to_string("\u{1}\u{8}\t\u{1f}").unwrap());
}
