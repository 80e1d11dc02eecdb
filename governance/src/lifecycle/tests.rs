use super::*;
use crate::bylaws::{Method, TieRule};

fn rule(min_days: f64, urgent_min_days: Option<f64>) -> DecisionRule {
    DecisionRule {
        method: Method::Consent,
        min_days,
        urgent_min_days,
        agree_share: Some(0.5),
        block_override_share: Some(0.9),
        quorum_share: 0.0,
        tie: TieRule::StatusQuo,
        dots: None,
        max_score: None,
        seats: None,
    }
}

#[test]
fn the_happy_path() {
    let mut s = State::Draft;
    for (event, want) in [
        (Event::Open, State::Open),
        (Event::Close, State::Closed),
        (Event::Decide(Decision::Passed), State::Passed),
        (Event::Enact, State::Enacted),
    ] {
        s = transition(s, event).unwrap();
        assert_eq!(s, want);
    }
    assert!(s.is_final());
}

#[test]
fn decisions_map_to_states() {
    for (d, want) in [
        (Decision::Passed, State::Passed),
        (Decision::Failed, State::Failed),
        (Decision::NoQuorum, State::NoQuorum),
    ] {
        assert_eq!(transition(State::Closed, Event::Decide(d)).unwrap(), want);
    }
}

#[test]
fn only_the_listed_transitions_are_allowed() {
    let events = [
        Event::Open,
        Event::Close,
        Event::Decide(Decision::Passed),
        Event::Decide(Decision::Failed),
        Event::Decide(Decision::NoQuorum),
        Event::Enact,
    ];
    let mut allowed = 0;
    for from in State::ALL {
        for event in events {
            let ok = matches!(
                (from, event),
                (State::Draft, Event::Open)
                    | (State::Open, Event::Close)
                    | (State::Closed, Event::Decide(_))
                    | (State::Passed, Event::Enact)
            );
            assert_eq!(transition(from, event).is_ok(), ok, "{from} + {event}");
            allowed += usize::from(ok);
        }
    }
    assert_eq!(allowed, 6);
}

#[test]
fn refusals_say_what_is_allowed() {
    let e = transition(State::Failed, Event::Enact).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a failed proposal cannot enact (allowed: nothing: the proposal is final)"
    );
    let e = transition(State::Closed, Event::Open).unwrap_err();
    assert_eq!(
        e.to_string(),
        "a closed proposal cannot open (allowed: decide)"
    );
    let e = transition(State::Open, Event::Enact).unwrap_err();
    assert!(e.to_string().contains("allowed: close"), "{e}");
}

#[test]
fn only_open_accepts_votes() {
    for s in State::ALL {
        assert_eq!(s.accepts_votes(), s == State::Open);
    }
    assert!(State::Passed.has_result() && !State::Passed.is_final());
    assert!(!State::Closed.has_result());
}

#[test]
fn state_json_names() {
    assert_eq!(State::NoQuorum.as_str(), "no_quorum");
    for s in State::ALL {
        assert_eq!(s.to_string(), s.as_str());
    }
}

#[test]
fn earliest_close_uses_min_days() {
    let r = rule(6.0, Some(2.0));
    assert_eq!(earliest_close(1_000, &r, false), 1_000 + 6 * MICROS_PER_DAY);
    assert_eq!(earliest_close(1_000, &r, true), 1_000 + 2 * MICROS_PER_DAY);
}

#[test]
fn urgency_does_not_shorten_without_urgent_min_days() {
    let r = rule(10.0, None);
    assert_eq!(earliest_close(0, &r, true), 10 * MICROS_PER_DAY);
    assert_eq!(min_days(&r, true), 10.0);
}

#[test]
fn fractional_and_zero_days() {
    assert_eq!(
        earliest_close(5, &rule(0.5, None), false),
        5 + MICROS_PER_DAY / 2
    );
    assert_eq!(earliest_close(0, &rule(0.1, None), false), 8_640_000_000);
    assert_eq!(
        earliest_close(0, &rule(1.0 / 3.0, None), false),
        28_800_000_000
    );
    assert_eq!(earliest_close(42, &rule(0.0, None), false), 42);
    assert_eq!(earliest_close(-7, &rule(0.0, None), false), -7);
}

#[test]
fn earliest_close_saturates() {
    assert_eq!(
        earliest_close(i64::MAX - 1, &rule(1.0, None), false),
        i64::MAX
    );
}

#[test]
fn closes_at_before_the_minimum_is_refused_with_the_minimum_named() {
    let r = rule(6.0, Some(2.0));
    let open = 1_700_000_000_000_000;
    assert!(validate_closes_at(open, open + 6 * MICROS_PER_DAY, &r, false).is_ok());
    assert!(validate_closes_at(open, open + 7 * MICROS_PER_DAY, &r, false).is_ok());
    let e = validate_closes_at(open, open + 6 * MICROS_PER_DAY - 1, &r, false).unwrap_err();
    let msg = e.to_string();
    assert!(
        msg.starts_with("closes_at must be at least 6 days after the proposal opens ("),
        "{msg}"
    );
    assert!(validate_closes_at(open, open + 2 * MICROS_PER_DAY, &r, true).is_ok());
    let e = validate_closes_at(open, open + MICROS_PER_DAY, &r, true).unwrap_err();
    assert!(
        e.to_string()
            .contains("at least 2 days after the proposal opens (urgent)"),
        "{e}"
    );
    // Before opening.
    assert!(validate_closes_at(open, open - 1, &rule(0.0, None), false).is_err());
    assert!(validate_closes_at(open, open, &rule(0.0, None), false).is_ok());
}

#[test]
fn events_serialize_tagged() {
    let mut names = Vec::new();
    for e in [Event::Open, Event::Decide(Decision::NoQuorum)] {
        names.push(e.to_string());
    }
    assert_eq!(names, ["open", "decide (no_quorum)"]);
}

#[test]
fn urgency_needs_a_reason_and_a_reason_needs_urgency() {
    assert_eq!(
        check_urgency(true, None),
        Err(LifecycleError::UrgentWithoutReason)
    );
    assert_eq!(
        check_urgency(true, Some(" \n ")),
        Err(LifecycleError::UrgentWithoutReason)
    );
    assert_eq!(check_urgency(true, Some("the server is down")), Ok(()));
    assert_eq!(
        check_urgency(false, Some("why not")),
        Err(LifecycleError::ReasonWithoutUrgency)
    );
    assert_eq!(check_urgency(false, Some("")), Ok(()));
    assert_eq!(check_urgency(false, None), Ok(()));
}

#[test]
fn secret_ballots_show_no_running_count_and_log_no_change() {
    assert!(running_tally_shown(false, false));
    assert!(!running_tally_shown(true, false));
    assert!(!running_tally_shown(false, true));
    assert!(!running_tally_shown(true, true));
    for hide in [false, true] {
        assert_eq!(ballot_record(hide, true, false), BallotRecord::Voter);
        assert_eq!(ballot_record(hide, true, true), BallotRecord::Nothing);
    }
    assert_eq!(
        ballot_record(true, false, true),
        BallotRecord::VoterAndChange
    );
    assert_eq!(ballot_record(false, false, true), BallotRecord::Everything);
}
