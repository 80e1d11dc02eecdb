use super::*;
use crate::bylaws::{parse_document, FoundingDocuments};

fn docs() -> Vec<PolicyDocument> {
    FoundingDocuments::default_documents()
        .expect("default documents")
        .iter()
        .cloned()
        .collect()
}

/// The default documents with the code of conduct amended to version 2.
fn docs_v2() -> Vec<PolicyDocument> {
    let mut all = docs();
    let coc = all
        .iter_mut()
        .find(|d| d.slug == "code-of-conduct")
        .expect("coc");
    *coc = parse_document(&coc.source.replacen("version: 1", "version: 2", 1)).expect("v2");
    all
}

fn moderator() -> Vec<String> {
    vec!["moderator".into()]
}

fn req<'a>(citation: Option<&'a str>, act: Act, roles: &'a [String]) -> Request<'a> {
    Request {
        citation,
        act,
        actor: 1,
        actor_roles: roles,
        target: Some(2),
    }
}

#[test]
fn a_permitted_sanction_under_the_version_in_force_is_allowed() {
    let roles = moderator();
    let c = check(
        &docs(),
        &req(
            Some(" code-of-conduct@1#2.1 "),
            Act::Impose(Sanction::Suspend),
            &roles,
        ),
    )
    .expect("allowed");
    assert_eq!(c.to_string(), "code-of-conduct@1#2.1");
    // Admins moderate too.
    let admin = vec!["admin".to_string()];
    assert!(check(
        &docs(),
        &req(
            Some("federation-policy@1#2.1"),
            Act::Impose(Sanction::DomainBlock),
            &admin
        )
    )
    .is_ok());
}

#[test]
fn every_refusal_names_its_check() {
    let roles = moderator();
    let d = docs();
    let none: Vec<String> = vec!["treasurer".into()];
    let cases: Vec<(Request, &str, &str)> = vec![
        (
            req(
                Some("code-of-conduct@1#2.1"),
                Act::Impose(Sanction::Suspend),
                &none,
            ),
            "not_moderator",
            "moderator role",
        ),
        (
            Request {
                target: Some(1),
                ..req(
                    Some("code-of-conduct@1#2.1"),
                    Act::Impose(Sanction::Suspend),
                    &roles,
                )
            },
            "own_account",
            "own account",
        ),
        (
            req(None, Act::Impose(Sanction::Warn), &roles),
            "no_citation",
            "required",
        ),
        (
            req(Some("  "), Act::Impose(Sanction::Warn), &roles),
            "no_citation",
            "required",
        ),
        (
            req(
                Some("code-of-conduct#2.1"),
                Act::Impose(Sanction::Warn),
                &roles,
            ),
            "malformed_citation",
            "missing `@`",
        ),
        (
            req(
                Some("house-rules@1#2.1"),
                Act::Impose(Sanction::Warn),
                &roles,
            ),
            "unknown_policy",
            "code-of-conduct, federation-policy",
        ),
        (
            req(
                Some("code-of-conduct@3#2.1"),
                Act::Impose(Sanction::Warn),
                &roles,
            ),
            "version_not_in_force",
            "version 1 is in force",
        ),
        (
            req(
                Some("code-of-conduct@1#9.9"),
                Act::Impose(Sanction::Warn),
                &roles,
            ),
            "no_such_clause",
            "no clause 9.9",
        ),
        (
            req(
                Some("code-of-conduct@1#2.3"),
                Act::Impose(Sanction::Silence),
                &roles,
            ),
            "sanction_not_permitted",
            "it permits: delete_status, suspend",
        ),
        (
            req(
                Some("code-of-conduct@1#2"),
                Act::Impose(Sanction::Warn),
                &roles,
            ),
            "sanction_not_permitted",
            "it permits: no sanctions",
        ),
    ];
    for (r, code, text) in cases {
        let e = check(&d, &r).expect_err(code);
        assert_eq!(e.code(), code, "{e}");
        assert!(e.to_string().contains(text), "{code}: {e}");
        assert_eq!(e.is_forbidden(), code == "not_moderator");
    }
}

#[test]
fn a_superseded_version_is_refused_and_the_version_in_force_named() {
    let roles = moderator();
    let e = check(
        &docs_v2(),
        &req(
            Some("code-of-conduct@1#2.1"),
            Act::Impose(Sanction::Suspend),
            &roles,
        ),
    )
    .expect_err("superseded");
    assert_eq!(e.code(), "superseded_version");
    assert!(e.to_string().contains("version 2 is in force"), "{e}");
    assert!(check(
        &docs_v2(),
        &req(
            Some("code-of-conduct@2#2.1"),
            Act::Impose(Sanction::Suspend),
            &roles
        )
    )
    .is_ok());
}

#[test]
fn lifting_needs_a_clause_in_force_but_no_permission() {
    let roles = moderator();
    // 2.3 does not permit silence, but lifting a silence under it is fine.
    assert!(check(
        &docs(),
        &req(
            Some("code-of-conduct@1#2.3"),
            Act::Lift(Sanction::Silence),
            &roles
        )
    )
    .is_ok());
    assert!(check(
        &docs(),
        &req(Some("moderation-policy@1#5.3"), Act::Decide, &roles)
    )
    .is_ok());
    assert_eq!(
        check(
            &docs(),
            &req(Some("moderation-policy@1#9.1"), Act::Decide, &roles)
        )
        .unwrap_err()
        .code(),
        "no_such_clause"
    );
    assert_eq!(
        check(&docs(), &req(None, Act::Lift(Sanction::Suspend), &roles))
            .unwrap_err()
            .code(),
        "no_citation"
    );
}

#[test]
fn appeals_within_the_window_by_the_affected_account_only() {
    let window = appeal_deadline(1_000, Some(20.0));
    assert_eq!(window, Some(1_000 + 20 * 86_400_000_000));
    let s = StrikeFacts {
        account: 2,
        moderator: 1,
        appealable_until: window,
        overruled: false,
        appealed: false,
    };
    assert_eq!(check_appeal(&s, 2, 1_000), Ok(()));
    assert_eq!(check_appeal(&s, 3, 1_000), Err(AppealRefusal::NotAffected));
    assert!(matches!(
        check_appeal(&s, 2, window.unwrap() + 1),
        Err(AppealRefusal::WindowClosed { .. })
    ));
    assert_eq!(
        check_appeal(
            &StrikeFacts {
                appealed: true,
                ..s
            },
            2,
            1_000
        ),
        Err(AppealRefusal::AlreadyAppealed)
    );
    assert_eq!(
        check_appeal(
            &StrikeFacts {
                overruled: true,
                ..s
            },
            2,
            1_000
        ),
        Err(AppealRefusal::Overruled)
    );
    assert_eq!(
        check_appeal(
            &StrikeFacts {
                appealable_until: appeal_deadline(0, None),
                ..s
            },
            2,
            i64::MAX
        ),
        Ok(())
    );
}

#[test]
fn another_moderator_decides_an_appeal() {
    let s = StrikeFacts {
        account: 2,
        moderator: 1,
        appealable_until: None,
        overruled: false,
        appealed: true,
    };
    let m = moderator();
    assert_eq!(check_appeal_decision(&s, 3, &m, false), Ok(()));
    assert_eq!(
        check_appeal_decision(&s, 1, &m, false),
        Err(AppealRefusal::OwnAction)
    );
    assert_eq!(
        check_appeal_decision(&s, 2, &m, false),
        Err(AppealRefusal::OwnAppeal)
    );
    assert_eq!(
        check_appeal_decision(&s, 3, &[], false),
        Err(AppealRefusal::NotModerator)
    );
    assert_eq!(
        check_appeal_decision(&s, 3, &m, true),
        Err(AppealRefusal::AlreadyDecided)
    );
}

#[test]
fn sign_up_decisions_need_a_clause_that_permits_them() {
    let roles = moderator();
    for (cite, act) in [
        ("moderation-policy@1#7.1", Sanction::ApproveSignup),
        ("moderation-policy@1#7.2", Sanction::RejectSignup),
    ] {
        assert!(check(&docs(), &req(Some(cite), Act::Impose(act), &roles)).is_ok());
    }
    for (cite, act) in [
        ("moderation-policy@1#7.2", Sanction::ApproveSignup),
        ("moderation-policy@1#7.1", Sanction::RejectSignup),
        ("code-of-conduct@1#2.1", Sanction::RejectSignup),
        ("moderation-policy@1#5.3", Sanction::ApproveSignup),
    ] {
        assert_eq!(
            check(&docs(), &req(Some(cite), Act::Impose(act), &roles))
                .unwrap_err()
                .code(),
            "sanction_not_permitted",
            "{cite} {act}"
        );
    }
}
