use super::*;

const RULES: &str = "\
decisions:
  general: { method: consent, min_days: 6, urgent_min_days: 2, agree_share: 0.5, block_override_share: 0.9, quorum_share: 0 }
  policy_amendment: { method: consent, min_days: 6, agree_share: 0.5 }
  bylaws_amendment: { method: supermajority, min_days: 10, agree_share: 0.75 }
  role_election: { method: ranked_choice, min_days: 6, seats: 2 }
  expense: { method: majority, min_days: 0.5 }
  membership: { method: dot, dots: 3, tie: passes }
membership:
  admission: proposal
  share_price_minor: 1000
  currency: EUR
  lapse_after_days_unpaid: 90
  dues: { period: year, min_minor: 1200, suggested_minor: 6000, max_minor: 24000 }
finance: { expense_approval_threshold_minor: 20000, currency: EUR, ledger_visibility: public }
";

const BODY: &str = "\
# Bylaws

Intro text, not a clause.

## 1. Purpose

We exist.

### 1.1 Principles

One member, one vote.
";

fn doc(front: &str, body: &str) -> String {
    format!("---\n{front}---\n{body}")
}

/// A valid bylaws document with `extra` appended to the front matter and `rules` as its rules.
fn bylaws_doc(rules: &str) -> String {
    doc(
        &format!("slug: bylaws\ntitle: Bylaws\nversion: 3\n{rules}"),
        BODY,
    )
}

fn err(source: &str) -> BylawsError {
    parse_named_document("test.md", source).expect_err("the document should be refused")
}

fn msg(source: &str) -> String {
    err(source).to_string()
}

/// The bylaws with one decision rule replaced.
fn with_rule(kind: &str, rule: &str) -> String {
    let rules: String = RULES
        .lines()
        .map(|line| {
            if line.starts_with(&format!("  {kind}:")) {
                format!("  {kind}: {rule}\n")
            } else {
                format!("{line}\n")
            }
        })
        .collect();
    bylaws_doc(&rules)
}

fn coc(sanctions: &str, body: &str) -> String {
    doc(
        &format!("slug: code-of-conduct\ntitle: Code of conduct\nversion: 2\n{sanctions}"),
        body,
    )
}

// ---- a full valid document ----

#[test]
fn parses_a_full_valid_bylaws_document() {
    let source = bylaws_doc(&format!("summary: How we decide.\n{RULES}"));
    let d = parse_document(&source).unwrap();
    assert_eq!(d.slug, "bylaws");
    assert_eq!(d.title, "Bylaws");
    assert_eq!(d.version, 3);
    assert_eq!(d.summary.as_deref(), Some("How we decide."));
    assert_eq!(d.source, source);
    assert_eq!(d.body, BODY);
    assert_eq!(d.appeal_window_days, None);

    let ids: Vec<_> = d.clauses.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(ids, ["1", "1.1"]);

    let rules = d.decisions.as_ref().unwrap();
    assert_eq!(
        rules.get(ProposalKind::General),
        Some(&DecisionRule {
            method: Method::Consent,
            min_days: 6.0,
            urgent_min_days: Some(2.0),
            agree_share: Some(0.5),
            block_override_share: Some(0.9),
            quorum_share: 0.0,
            tie: TieRule::StatusQuo,
            dots: None,
            max_score: None,
            seats: None,
        })
    );
    let expense = rules.get(ProposalKind::Expense).unwrap();
    assert_eq!(expense.method, Method::Majority);
    assert_eq!(expense.min_days, 0.5);
    assert_eq!(expense.agree_share, None);
    let membership_rule = rules.get(ProposalKind::Membership).unwrap();
    assert_eq!(membership_rule.min_days, 0.0);
    assert_eq!(membership_rule.dots, Some(3));
    assert_eq!(membership_rule.tie, TieRule::Passes);
    assert_eq!(
        rules.get(ProposalKind::RoleElection).unwrap().seats,
        Some(2)
    );
    assert_eq!(rules.iter().count(), ProposalKind::ALL.len());

    assert_eq!(
        d.membership,
        Some(MembershipRules {
            admission: Admission::Proposal,
            share_price_minor: 1000,
            currency: "EUR".into(),
            lapse_after_days_unpaid: Some(90),
            dues: Some(DuesScale {
                period: DuesPeriod::Year,
                min_minor: 1200,
                suggested_minor: Some(6000),
                max_minor: Some(24000),
            }),
        })
    );
    assert_eq!(
        d.finance,
        Some(FinanceRules {
            expense_approval_threshold_minor: 20000,
            currency: "EUR".into(),
            expense_threshold_window_days: 30,
            ledger_visibility: LedgerVisibility::Public,
            accounts: Default::default(),
            monthly_budgets: Default::default(),
        })
    );
}

#[test]
fn parses_a_policy_with_sanctions() {
    let source = coc(
        "sanctions:\n  \"1.1\": [warn, sensitive, warn]\n  2: [suspend]\n",
        "# Rules\n\n## 1. Be kind\n\nHint.\n\n### 1.1 No insults\n\nText.\n\n## 2. No spam\n",
    );
    let d = parse_document(&source).unwrap();
    assert_eq!(d.slug, "code-of-conduct");
    assert_eq!(d.decisions, None);
    assert_eq!(d.clause("1").unwrap().sanctions, []);
    // Duplicates are dropped, order kept.
    assert_eq!(
        d.clause("1.1").unwrap().sanctions,
        [Sanction::Warn, Sanction::Sensitive]
    );
    assert!(d.clause("1.1").unwrap().permits(Sanction::Sensitive));
    assert!(!d.clause("1.1").unwrap().permits(Sanction::Suspend));
    // An unquoted integer key is accepted.
    assert_eq!(d.clause("2").unwrap().sanctions, [Sanction::Suspend]);
    let rules: Vec<_> = d.top_level_clauses().map(|c| c.title.as_str()).collect();
    assert_eq!(rules, ["Be kind", "No spam"]);
    assert_eq!(
        d.cite("1.1"),
        Some(Citation::new("code-of-conduct", 2, "1.1"))
    );
    assert_eq!(d.cite("9"), None);
}

#[test]
fn accepts_a_byte_order_mark_and_crlf_lines() {
    let source =
        "\u{feff}---\r\nslug: x\r\ntitle: X\r\nversion: 1\r\n---\r\n## 1. One\r\nText.\r\n";
    let d = parse_document(source).unwrap();
    assert_eq!(d.clauses[0].id, "1");
    assert_eq!(d.clauses[0].text, "Text.");
}

// ---- validation errors ----

#[test]
fn front_matter_must_be_present_and_closed() {
    assert_eq!(
        err("# Title\n"),
        BylawsError::MissingFrontMatter {
            doc: "test.md".into()
        }
    );
    assert_eq!(
        err("---\nslug: x\ntitle: X\n"),
        BylawsError::UnclosedFrontMatter {
            doc: "test.md".into()
        }
    );
    assert_eq!(msg("---\nslug: [x\n---\n"), "test.md:3: the front matter is not valid YAML: did not find expected ',' or ']' at line 3 column 1, while parsing a flow sequence at line 2 column 7");
    // A syntax error further down is reported at its own line of the file.
    assert_eq!(
        msg("---\nslug: x\ntitle: X\nversion: 1\nsummary: \"unclosed\n---\n# Body\n"),
        "test.md:6: the front matter is not valid YAML: found unexpected end of stream at line 6 column 1, while scanning a quoted scalar at line 5 column 10"
    );
    assert_eq!(
        msg("---\nslug: x\ntitle: X\n  version: 1\n---\n"),
        "test.md:4: the front matter is not valid YAML: mapping values are not allowed in this context at line 4 column 10"
    );
    assert_eq!(
        msg("---\n- a list\n---\n"),
        "test.md:2: the front matter must be a mapping of keys to values (got a list)"
    );
}

#[test]
fn errors_name_the_slug_when_no_file_name_is_given() {
    let e = parse_document("---\nslug: my-policy\ntitle: X\nversion: 0\n---\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "my-policy:4: key version: must be at least 1 (got 0)"
    );
    let e = parse_document("no front matter").unwrap_err();
    assert_eq!(
        e.to_string(),
        "document:1: no front matter (the first line must be `---`)"
    );
}

#[test]
fn unknown_keys_are_named() {
    assert_eq!(
        err(&doc("slug: x\ntitle: X\nversion: 1\nsanction: {}\n", "")),
        BylawsError::UnknownKey {
            doc: "test.md".into(),
            line: 5,
            key: "sanction".into(),
            expected: TOP_KEYS.join(", "),
        }
    );
    assert_eq!(
        msg(&with_rule(
            "general",
            "{ method: consent, agre_share: 0.5 }"
        )),
        "test.md:6: key decisions.general.agre_share: unknown key (expected one of: method, min_days, urgent_min_days, agree_share, block_override_share, quorum_share, tie, dots, max_score, seats)"
    );
    assert_eq!(
        msg(&bylaws_doc(
            &RULES.replace("lapse_after_days_unpaid", "lapse_days")
        )),
        "test.md:16: key membership.lapse_days: unknown key (expected one of: admission, share_price_minor, currency, lapse_after_days_unpaid, dues)"
    );
    assert_eq!(
        msg(&bylaws_doc(
            &RULES.replace("min_minor: 1200", "minimum: 1200")
        )),
        "test.md:17: key membership.dues.minimum: unknown key (expected one of: period, min_minor, suggested_minor, max_minor)"
    );
    assert_eq!(
        msg(&bylaws_doc(
            &RULES.replace("ledger_visibility", "visibility")
        )),
        "test.md:18: key finance.visibility: unknown key (expected one of: expense_approval_threshold_minor, expense_threshold_window_days, currency, ledger_visibility, accounts, monthly_budgets)"
    );
}

#[test]
fn required_keys_and_basic_values() {
    assert_eq!(
        err(&doc("title: X\nversion: 1\n", "")),
        BylawsError::MissingKey {
            doc: "test.md".into(),
            line: 1,
            key: "slug".into()
        }
    );
    assert_eq!(
        msg(&doc("slug: x\nversion: 1\n", "")),
        "test.md:1: key title: required but missing"
    );
    assert_eq!(
        msg(&doc("slug: x\ntitle: X\n", "")),
        "test.md:1: key version: required but missing"
    );
    assert_eq!(
        msg(&doc("slug: Code_Of_Conduct\ntitle: X\nversion: 1\n", "")),
        "test.md:2: key slug: must be lowercase letters, digits and hyphens (got \"Code_Of_Conduct\")"
    );
    assert_eq!(
        msg(&doc("slug: x\ntitle: \"\"\nversion: 1\n", "")),
        "test.md:3: key title: must not be empty"
    );
    assert_eq!(
        msg(&doc("slug: x\ntitle: X\nversion: two\n", "")),
        "test.md:4: key version: must be a whole number, 0 or more (got \"two\")"
    );
    assert_eq!(
        msg(&doc("slug: x\ntitle: X\nversion: 1.5\n", "")),
        "test.md:4: key version: must be a whole number, 0 or more (got 1.5)"
    );
    assert_eq!(
        msg(&doc(
            "slug: x\ntitle: X\nversion: 1\nsummary: \"a\\nb\"\n",
            ""
        )),
        "test.md:5: key summary: must be one line"
    );
    assert_eq!(
        msg(&doc("slug: x\ntitle: [X]\nversion: 1\n", "")),
        "test.md:3: key title: must be text (got a list)"
    );
}

#[test]
fn bylaws_only_keys_are_refused_elsewhere() {
    assert_eq!(
        msg(&coc(RULES, "")),
        "test.md:5: key decisions: is only allowed in the `bylaws` document"
    );
    assert_eq!(
        msg(&coc("finance: {}\n", "")),
        "test.md:5: key finance: is only allowed in the `bylaws` document"
    );
    assert_eq!(
        msg(&coc("appeal_window_days: 20\n", "")),
        "test.md:5: key appeal_window_days: is only allowed in the `moderation-policy` document"
    );
    let policy = doc(
        "slug: moderation-policy\ntitle: M\nversion: 1\nappeal_window_days: -1\n",
        "",
    );
    assert_eq!(
        msg(&policy),
        "test.md:5: key appeal_window_days: must not be negative (got -1)"
    );
    let policy = doc(
        "slug: moderation-policy\ntitle: M\nversion: 1\nappeal_window_days: 14.5\n",
        "",
    );
    assert_eq!(
        parse_document(&policy).unwrap().appeal_window_days,
        Some(14.5)
    );
    assert_eq!(
        msg(&coc("log_visibility: public\n", "")),
        "test.md:5: key log_visibility: is only allowed in the `moderation-policy` document"
    );
    let policy = doc(
        "slug: moderation-policy\ntitle: M\nversion: 1\nlog_visibility: everyone\n",
        "",
    );
    assert_eq!(
        msg(&policy),
        "test.md:5: key log_visibility: must be one of members, public (got \"everyone\")"
    );
    let policy = doc(
        "slug: moderation-policy\ntitle: M\nversion: 1\nlog_visibility: public\n",
        "",
    );
    assert_eq!(
        parse_document(&policy).unwrap().log_visibility,
        Some(LogVisibility::Public)
    );
}

#[test]
fn the_bylaws_need_every_rule() {
    let missing_expense: String = RULES
        .lines()
        .filter(|l| !l.starts_with("  expense:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        err(&bylaws_doc(&missing_expense)),
        BylawsError::MissingDecisionRule {
            doc: "test.md".into(),
            line: 5,
            kind: ProposalKind::Expense
        }
    );
    let no_finance: String = RULES
        .lines()
        .filter(|l| !l.starts_with("finance:"))
        .map(|l| format!("{l}\n"))
        .collect();
    assert_eq!(
        msg(&bylaws_doc(&no_finance)),
        "test.md:1: key finance: required but missing"
    );
    let only_decisions = RULES.split("membership:\n").next().unwrap();
    assert_eq!(
        msg(&bylaws_doc(only_decisions)),
        "test.md:1: key membership: required but missing"
    );
    assert_eq!(
        msg(&bylaws_doc("")),
        "test.md:1: key decisions: required but missing"
    );
}

/// The line of a decision rule in [`bylaws_doc`]: the rules start on line 6.
fn rule_line(kind: &str) -> usize {
    let kinds = [
        "general",
        "policy_amendment",
        "bylaws_amendment",
        "role_election",
        "expense",
        "membership",
    ];
    6 + kinds
        .iter()
        .position(|k| *k == kind)
        .expect("a kind in RULES")
}

/// The line in [`bylaws_doc`] where `from` starts in [`RULES`] (RULES starts on line 5), or for a
/// missing key, the line of the mapping that should hold it.
fn line_of(from: &str, expected: &str) -> usize {
    let at = RULES.find(from).expect("in RULES");
    let line = 5 + RULES[..at].matches('\n').count();
    // A removed line starts with its newline-free text; its parent is the line above.
    if expected.ends_with("required but missing") {
        line - 1
    } else {
        line
    }
}

#[test]
fn decision_rules_are_validated() {
    let cases = [
        (
            "general",
            "{ method: consent, agree_share: 1.5 }",
            "key decisions.general.agree_share: must be a share between 0 and 1 (got 1.5)",
        ),
        (
            "general",
            "{ method: consent, agree_share: 0.5, block_override_share: -0.1 }",
            "key decisions.general.block_override_share: must be a share between 0 and 1 (got -0.1)",
        ),
        (
            "general",
            "{ method: consent, agree_share: 0.5, quorum_share: 2 }",
            "key decisions.general.quorum_share: must be a share between 0 and 1 (got 2)",
        ),
        (
            "general",
            "{ method: consent, agree_share: 0.5, min_days: -1 }",
            "key decisions.general.min_days: must not be negative (got -1)",
        ),
        (
            "general",
            "{ method: consent, agree_share: 0.5, min_days: six }",
            "key decisions.general.min_days: must be a number (got \"six\")",
        ),
        (
            "general",
            "{ method: consent, agree_share: 0.5, min_days: .nan }",
            "key decisions.general.min_days: must be a number (got .nan)",
        ),
        (
            "general",
            "{ method: consent, agree_share: 0.5, min_days: 2, urgent_min_days: 3 }",
            "key decisions.general.urgent_min_days: must not be more than min_days (2) (got 3)",
        ),
        (
            "general",
            "{ method: consent }",
            "key decisions.general.agree_share: is required by method consent",
        ),
        (
            "general",
            "{ agree_share: 0.5 }",
            "key decisions.general.method: required but missing",
        ),
        (
            "general",
            "{ method: sortition }",
            "key decisions.general.method: must be one of consent, majority, supermajority, approval, score, dot, ranked_choice (got \"sortition\")",
        ),
        (
            "general",
            "{ method: consent, agree_share: 0.5, tie: coin }",
            "key decisions.general.tie: must be one of status_quo, passes (got \"coin\")",
        ),
        (
            "general",
            "{ method: consent, agree_share: 0.8, block_override_share: 0.7 }",
            "key decisions.general.block_override_share: must not be less than agree_share (0.8) (got 0.7)",
        ),
        (
            "expense",
            "{ method: majority, block_override_share: 0.9 }",
            "key decisions.expense.block_override_share: does not apply to method majority",
        ),
        (
            "expense",
            "{ method: majority, seats: 2 }",
            "key decisions.expense.seats: does not apply to method majority",
        ),
        (
            "expense",
            "{ method: majority, dots: 2 }",
            "key decisions.expense.dots: does not apply to method majority",
        ),
        (
            "expense",
            "{ method: majority, max_score: 5 }",
            "key decisions.expense.max_score: does not apply to method majority",
        ),
        (
            "bylaws_amendment",
            "{ method: supermajority }",
            "key decisions.bylaws_amendment.agree_share: is required by method supermajority",
        ),
        (
            "bylaws_amendment",
            "{ method: supermajority, agree_share: 0.5 }",
            "key decisions.bylaws_amendment.agree_share: must be more than 0.5 for a supermajority (got 0.5)",
        ),
        (
            "membership",
            "{ method: dot }",
            "key decisions.membership.dots: is required by method dot",
        ),
        (
            "membership",
            "{ method: dot, dots: 0 }",
            "key decisions.membership.dots: must be at least 1 (got 0)",
        ),
        (
            "membership",
            "{ method: score }",
            "key decisions.membership.max_score: is required by method score",
        ),
        (
            "role_election",
            "{ method: ranked_choice, agree_share: 0.5 }",
            "key decisions.role_election.agree_share: does not apply to method ranked_choice",
        ),
        (
            "role_election",
            "{ method: ranked_choice, seats: -2 }",
            "key decisions.role_election.seats: must be a whole number, 0 or more (got -2)",
        ),
        (
            "role_election",
            "ranked_choice",
            "key decisions.role_election: must be a mapping (got \"ranked_choice\")",
        ),
    ];
    for (kind, rule, expected) in cases {
        assert_eq!(
            msg(&with_rule(kind, rule)),
            format!("test.md:{}: {expected}", rule_line(kind)),
            "rule {kind}: {rule}"
        );
    }
    let unknown_kind = bylaws_doc(&RULES.replace("  expense:", "  expenses:"));
    assert_eq!(
        msg(&unknown_kind),
        "test.md:10: key decisions.expenses: is not a proposal kind (expected one of: general, policy_amendment, bylaws_amendment, role_election, expense, membership)"
    );
}

#[test]
fn membership_and_finance_are_validated() {
    let cases = [
        (
            "currency: EUR\n  lapse",
            "currency: euro\n  lapse",
            "key membership.currency: must be an ISO 4217 code like EUR (got \"euro\")",
        ),
        (
            "share_price_minor: 1000",
            "share_price_minor: -5",
            "key membership.share_price_minor: must be a whole number of minor units, 0 or more (got -5)",
        ),
        (
            "share_price_minor: 1000",
            "share_price_minor: 10.5",
            "key membership.share_price_minor: must be a whole number of minor units, 0 or more (got 10.5)",
        ),
        (
            "admission: proposal",
            "admission: lottery",
            "key membership.admission: must be one of admin, proposal (got \"lottery\")",
        ),
        (
            "  admission: proposal\n",
            "",
            "key membership.admission: required but missing",
        ),
        (
            "lapse_after_days_unpaid: 90",
            "lapse_after_days_unpaid: 0",
            "key membership.lapse_after_days_unpaid: must be at least 1 (got 0)",
        ),
        (
            "period: year",
            "period: week",
            "key membership.dues.period: must be one of month, year (got \"week\")",
        ),
        (
            "suggested_minor: 6000",
            "suggested_minor: 100",
            "key membership.dues.suggested_minor: must not be less than min_minor (1200) (got 100)",
        ),
        (
            "max_minor: 24000",
            "max_minor: 5000",
            "key membership.dues.max_minor: must not be less than min_minor and suggested_minor (6000) (got 5000)",
        ),
        (
            "expense_approval_threshold_minor: 20000",
            "expense_approval_threshold_minor: -1",
            "key finance.expense_approval_threshold_minor: must be a whole number of minor units, 0 or more (got -1)",
        ),
        (
            "ledger_visibility: public",
            "ledger_visibility: secret",
            "key finance.ledger_visibility: must be one of members, public (got \"secret\")",
        ),
        (
            "finance: { expense_approval_threshold_minor: 20000, currency: EUR, ledger_visibility: public }",
            "finance: 3",
            "key finance: must be a mapping (got 3)",
        ),
        (
            "ledger_visibility: public }",
            "ledger_visibility: public, expense_threshold_window_days: 0 }",
            "key finance.expense_threshold_window_days: must be at least 1 (got 0)",
        ),
        (
            "ledger_visibility: public }",
            "ledger_visibility: public, expense_threshold_window_days: 400 }",
            "key finance.expense_threshold_window_days: must be at most 366 days (got 400)",
        ),
        (
            "ledger_visibility: public }",
            "ledger_visibility: public, expense_threshold_window_days: monthly }",
            "key finance.expense_threshold_window_days: must be a whole number, 0 or more (got \"monthly\")",
        ),
    ];
    for (from, to, expected) in cases {
        let rules = RULES.replace(from, to);
        assert_ne!(rules, RULES, "{from} not found");
        assert_eq!(
            msg(&bylaws_doc(&rules)),
            format!("test.md:{}: {expected}", line_of(from, expected)),
            "{from} → {to}"
        );
    }
}

#[test]
fn sanctions_are_validated() {
    let body = "## 1. Be kind\n\n### 1.1 No insults\n";
    assert_eq!(
        err(&coc("sanctions: {\"1.1\": [warn, banish]}\n", body)),
        BylawsError::UnknownSanction {
            doc: "test.md".into(),
            line: 5,
            clause: "1.1".into(),
            name: "banish".into(),
            expected: "warn, sensitive, delete_status, silence, suspend, domain_block, domain_silence, reject_media, disable, approve_signup, reject_signup".into(),
        }
    );
    assert!(msg(&coc("sanctions: {\"1.1\": [banish]}\n", body))
        .starts_with("test.md:5: key sanctions.\"1.1\": unknown sanction `banish`"));
    assert_eq!(
        msg(&coc("sanctions:\n  \"1\": [warn]\n  \"1.1\": [warn, banish]\n", body)),
        "test.md:7: key sanctions.\"1.1\": unknown sanction `banish` (expected one of: warn, sensitive, delete_status, silence, suspend, domain_block, domain_silence, reject_media, disable, approve_signup, reject_signup)"
    );
    assert_eq!(
        msg(&coc("sanctions: {\"4.2\": [warn]}\n", body)),
        "test.md:5: key sanctions.\"4.2\": clause 4.2 is not in the document"
    );
    assert_eq!(
        msg(&coc("sanctions: {1.1: [warn]}\n", body)),
        "test.md:5: key sanctions: has key 1.1: quote clause numbers (\"4.1\"), or YAML reads them as decimals"
    );
    assert_eq!(
        msg(&coc("sanctions: {\"1.1\": warn}\n", body)),
        "test.md:5: key sanctions.\"1.1\": must be a list of sanctions (got \"warn\")"
    );
    assert_eq!(
        msg(&coc("sanctions: {\"rule 1\": [warn]}\n", body)),
        "test.md:5: key sanctions.\"rule 1\": is not a clause number like 4.1"
    );
    assert_eq!(
        msg(&coc("sanctions: [warn]\n", body)),
        "test.md:5: key sanctions: must be a mapping (got a list)"
    );
}

// ---- clause extraction ----

#[test]
fn clauses_follow_the_headings() {
    let body = "\
# Code of conduct

Preamble, not in any clause.

## 1. Be kind

Hint for rule one.

### 1.1 No *insults*

First paragraph.

- a list item
- another

```text
# not a heading, inside code
```

#### 1.1.1. Deeply nested `case`

Deep text.

### 1.2 Next
## Unnumbered section

Belongs to no clause.

## 2. Second rule
Setext heading
--------------

After the setext heading.

## 10 Tenth

Last text.

";
    let d = parse_document(&coc("", body)).unwrap();
    let got: Vec<(&str, &str, &str)> = d
        .clauses
        .iter()
        .map(|c| (c.id.as_str(), c.title.as_str(), c.text.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            ("1", "Be kind", "Hint for rule one."),
            (
                "1.1",
                "No insults",
                "First paragraph.\n\n- a list item\n- another\n\n```text\n# not a heading, inside code\n```"
            ),
            ("1.1.1", "Deeply nested case", "Deep text."),
            ("1.2", "Next", ""),
            ("2", "Second rule", ""),
            ("10", "Tenth", "Last text."),
        ]
    );
    let c = d.clause("1.1.1").unwrap();
    assert_eq!(c.depth(), 3);
    assert_eq!(c.parent_id(), Some("1.1"));
    assert!(!c.is_top_level());
    assert!(d.clause("10").unwrap().is_top_level());
    let children: Vec<_> = d.children("1").map(|c| c.id.as_str()).collect();
    assert_eq!(children, ["1.1", "1.2"]);
}

#[test]
fn headings_that_are_not_clauses() {
    let body = "## 2024 review\n\n## 3.x Draft\n\n## 4-5 Range\n\n## Title 1.\n\n## v1 Notes\n";
    let d = parse_document(&coc("", body)).unwrap();
    let ids: Vec<_> = d.clauses.iter().map(|c| c.id.as_str()).collect();
    // "2024 review" begins with a number followed by a space, so it is clause 2024.
    assert_eq!(ids, ["2024"]);
}

#[test]
fn clause_errors() {
    assert_eq!(
        err(&coc("", "## 1. A\n\n## 1. B\n")),
        BylawsError::DuplicateClause {
            doc: "test.md".into(),
            line: 8,
            clause: "1".into()
        }
    );
    assert_eq!(
        msg(&coc("", "## 1. A\n### 1.1 B\n## 2. C\n### 1.1 D\n")),
        "test.md:9: clause 1.1 appears more than once"
    );
    assert_eq!(
        msg(&coc("", "## 1.\n")),
        "test.md:6: clause 1 has no title after its number"
    );
    assert_eq!(
        msg(&coc("", "## 1. A\n### 2.1 B\n## 2. C\n")),
        "test.md:7: clause 2.1 comes before (or without) its parent clause 2"
    );
}

// ---- citations ----

#[test]
fn citations_parse_and_display() {
    let c: Citation = "code-of-conduct@2#4.1".parse().unwrap();
    assert_eq!(c, Citation::new("code-of-conduct", 2, "4.1"));
    assert_eq!(c.to_string(), "code-of-conduct@2#4.1");
    let c: Citation = "bylaws@10#3".parse().unwrap();
    assert_eq!((c.version, c.clause.as_str()), (10, "3"));
}

#[test]
fn malformed_citations_are_refused() {
    let cases = [
        (
            "code-of-conduct#4.1",
            "missing `@` between the policy and its version",
        ),
        (
            "code-of-conduct@2",
            "missing `#` between the version and the clause",
        ),
        (
            "code-of-conduct@two#4.1",
            "the version `two` must be a whole number of at least 1",
        ),
        (
            "code-of-conduct@0#4.1",
            "the version `0` must be a whole number of at least 1",
        ),
        (
            "code-of-conduct@+2#4.1",
            "the version `+2` must be a whole number of at least 1",
        ),
        (
            "code-of-conduct@#4.1",
            "the version `` must be a whole number of at least 1",
        ),
        ("code-of-conduct@2#", "the clause is empty"),
        (
            "code-of-conduct@2#4.",
            "the clause `4.` must be a clause number like 4.1",
        ),
        (
            "code-of-conduct@2#a",
            "the clause `a` must be a clause number like 4.1",
        ),
        (
            "@2#4.1",
            "the policy `` must be lowercase letters, digits and hyphens",
        ),
        (
            "Code@2#4.1",
            "the policy `Code` must be lowercase letters, digits and hyphens",
        ),
    ];
    for (input, reason) in cases {
        assert_eq!(
            input.parse::<Citation>(),
            Err(BylawsError::InvalidCitation {
                input: input.into(),
                reason: reason.into()
            }),
            "{input}"
        );
    }
    assert_eq!(
        "x@2".parse::<Citation>().unwrap_err().to_string(),
        "invalid citation `x@2`: missing `#` between the version and the clause (expected e.g. code-of-conduct@2#4.1)"
    );
}

// ---- names ----

#[test]
fn names_match_serde_and_parse_back() {
    fn check<T>(all: &[T])
    where
        T: Copy + Serialize + FromStr<Err = BylawsError> + fmt::Display + PartialEq + fmt::Debug,
    {
        for v in all {
            let text = v.to_string();
            assert_eq!(
                serde_yaml_ng::to_value(v).unwrap(),
                Value::String(text.clone())
            );
            assert_eq!(text.parse::<T>().unwrap(), *v);
        }
    }
    check(Sanction::ALL);
    check(ProposalKind::ALL);
    check(Method::ALL);
    check(TieRule::ALL);
    check(Admission::ALL);
    check(DuesPeriod::ALL);
    check(LedgerVisibility::ALL);
    assert_eq!(ProposalKind::BylawsAmendment.as_str(), "bylaws_amendment");
    assert_eq!(
        "vote".parse::<ProposalKind>().unwrap_err().to_string(),
        "unknown proposal kind `vote` (expected one of: general, policy_amendment, bylaws_amendment, role_election, expense, membership)"
    );
    assert!(Sanction::DomainBlock.is_domain_action());
    assert!(!Sanction::Suspend.is_domain_action());
}

#[test]
fn a_decision_rule_round_trips_through_serde() {
    let d = parse_document(&bylaws_doc(RULES)).unwrap();
    let rule = d
        .decisions
        .unwrap()
        .get(ProposalKind::General)
        .unwrap()
        .clone();
    let value = serde_yaml_ng::to_value(&rule).unwrap();
    // Unset options are left out.
    assert_eq!(value.get("dots"), None);
    assert_eq!(value.get("tie"), Some(&Value::String("status_quo".into())));
    let back: DecisionRule = serde_yaml_ng::from_value(value).unwrap();
    assert_eq!(back, rule);
}

// ---- sets of documents ----

fn default_set() -> FoundingDocuments {
    FoundingDocuments::default_documents().expect("the default documents load")
}

#[test]
fn the_default_documents_carry_social_coops_numbers() {
    let set = default_set();
    let slugs: Vec<_> = set.iter().map(|d| d.slug.as_str()).collect();
    assert_eq!(
        slugs,
        [
            "bylaws",
            "code-of-conduct",
            "federation-policy",
            "moderation-policy"
        ]
    );
    for d in &set {
        assert_eq!(d.version, 1, "{}", d.slug);
        assert!(d.summary.is_some(), "{}", d.slug);
    }

    let rule = |kind| set.decision_rule(kind).clone();
    let consent = |min_days, urgent, agree, block, quorum| DecisionRule {
        method: Method::Consent,
        min_days,
        urgent_min_days: urgent,
        agree_share: Some(agree),
        block_override_share: Some(block),
        quorum_share: quorum,
        tie: TieRule::StatusQuo,
        dots: None,
        max_score: None,
        seats: None,
    };
    assert_eq!(
        rule(ProposalKind::General),
        consent(6.0, Some(2.0), 0.5, 0.9, 0.0)
    );
    assert_eq!(
        rule(ProposalKind::PolicyAmendment),
        consent(6.0, Some(2.0), 0.5, 0.9, 0.1)
    );
    assert_eq!(
        rule(ProposalKind::BylawsAmendment),
        consent(10.0, None, 0.75, 0.95, 0.2)
    );
    assert_eq!(
        rule(ProposalKind::Membership),
        consent(3.0, None, 0.5, 0.9, 0.1)
    );
    let election = rule(ProposalKind::RoleElection);
    assert_eq!(
        (election.method, election.min_days, election.quorum_share),
        (Method::RankedChoice, 6.0, 0.1)
    );
    let expense = rule(ProposalKind::Expense);
    assert_eq!(
        (
            expense.method,
            expense.min_days,
            expense.agree_share,
            expense.quorum_share
        ),
        (Method::Majority, 3.0, Some(0.5), 0.0)
    );

    // The clauses repeat the quorums in words (4.5, 6.1).
    let prose = set
        .get("bylaws")
        .unwrap()
        .source
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ");
    for words in [
        "A `policy_amendment`, `role_election` or `membership` proposal is decided only if at least 10% of the active members vote on it, and a `bylaws_amendment` only if at least 20% do",
        "needs at least 20% of the active members to vote",
        "an urgent proposal without a reason is refused",
    ] {
        assert!(prose.contains(words), "the bylaws say: {words}");
    }

    let m = set.membership();
    assert_eq!(m.admission, Admission::Admin);
    assert_eq!(m.share_price_minor, 1000);
    assert_eq!(m.currency, "EUR");
    assert_eq!(m.lapse_after_days_unpaid, Some(90));
    assert_eq!(m.dues.as_ref().unwrap().period, DuesPeriod::Month);
    assert_eq!(set.finance().expense_approval_threshold_minor, 20000);
    assert_eq!(set.finance().currency, "EUR");
    assert_eq!(set.appeal_window_days(), Some(20.0));
    assert_eq!(set.log_visibility(), LogVisibility::Members);
}

#[test]
fn the_default_documents_are_well_formed() {
    let set = default_set();
    for d in &set {
        assert!(d.clauses.len() >= 4, "{} has few clauses", d.slug);
        assert!(
            d.clauses.iter().any(|c| c.depth() == 2),
            "{} has no sub-clauses",
            d.slug
        );
    }
    let coc = set.code_of_conduct();
    let rules: Vec<_> = coc.top_level_clauses().collect();
    assert!(rules.len() >= 5);
    for rule in &rules {
        assert!(rule.title.len() <= 300, "rule {} is too long", rule.id);
        assert!(!rule.text.is_empty(), "rule {} has no hint", rule.id);
        // Every sub-clause permits at least one account sanction.
        for sub in coc.children(&rule.id) {
            assert!(
                !sub.sanctions.is_empty(),
                "clause {} has no sanctions",
                sub.id
            );
            assert!(sub.sanctions.iter().all(|s| !s.is_domain_action()));
        }
    }
    assert!(coc.clause("2.1").unwrap().permits(Sanction::Suspend));
    let federation = set.get("federation-policy").unwrap();
    let domain: Vec<_> = federation
        .clauses
        .iter()
        .flat_map(|c| c.sanctions.iter().copied())
        .collect();
    for s in [
        Sanction::DomainBlock,
        Sanction::DomainSilence,
        Sanction::RejectMedia,
    ] {
        assert!(domain.contains(&s), "federation policy never permits {s}");
    }
    assert!(domain.iter().all(|s| s.is_domain_action()));
    assert_eq!(
        set.resolve(&"code-of-conduct@1#2.1".parse().unwrap())
            .map(|c| c.title.as_str()),
        Some("Targeted abuse")
    );
    assert_eq!(set.resolve(&"code-of-conduct@2#2.1".parse().unwrap()), None);
    assert_eq!(set.resolve(&"code-of-conduct@1#99".parse().unwrap()), None);
}

#[test]
fn loading_requires_the_core_documents() {
    let bylaws = ("bylaws.md", DEFAULT_DOCUMENTS[0].1);
    let coc_file = ("code-of-conduct.md", DEFAULT_DOCUMENTS[1].1);
    assert_eq!(
        FoundingDocuments::load([coc_file]).unwrap_err(),
        BylawsError::MissingDocument {
            slug: "bylaws".into()
        }
    );
    assert_eq!(
        FoundingDocuments::load([bylaws]).unwrap_err().to_string(),
        "founding documents: no `code-of-conduct` document"
    );
    assert_eq!(
        FoundingDocuments::load([bylaws, coc_file, ("copy.md", coc_file.1)])
            .unwrap_err()
            .to_string(),
        "copy.md:2: key slug: `code-of-conduct` is already used by code-of-conduct.md"
    );
    let empty_coc = coc("", "# Rules\n\nBe nice.\n");
    assert_eq!(
        FoundingDocuments::load([bylaws, ("coc.md", empty_coc.as_str())])
            .unwrap_err()
            .to_string(),
        "coc.md:6: the code of conduct has no numbered clauses (its top-level clauses are the rules)"
    );
    // Errors from a file name the file.
    let broken = DEFAULT_DOCUMENTS[0]
        .1
        .replace("agree_share: 0.75", "agree_share: 7.5");
    assert_eq!(
        FoundingDocuments::load([("bylaws.md", broken.as_str()), coc_file])
            .unwrap_err()
            .to_string(),
        "bylaws.md:9: key decisions.bylaws_amendment.agree_share: must be a share between 0 and 1 (got 7.5)"
    );
    // Owned pairs work too.
    let owned: Vec<(String, String)> = DEFAULT_DOCUMENTS
        .iter()
        .map(|(n, t)| (n.to_string(), t.to_string()))
        .collect();
    assert_eq!(FoundingDocuments::load(owned).unwrap(), default_set());
}

#[test]
fn an_amendment_replaces_a_document() {
    let set = default_set();
    let text = DEFAULT_DOCUMENTS[1]
        .1
        .replace("version: 1", "version: 2")
        .replace("### 2.3 Doxxing", "### 2.3 Publishing private information");
    let v2 = parse_document(&text).unwrap();
    let amended = set.with_document(v2).unwrap();
    assert_eq!(amended.code_of_conduct().version, 2);
    assert_eq!(
        amended.code_of_conduct().clause("2.3").unwrap().title,
        "Publishing private information"
    );
    assert_eq!(set.code_of_conduct().version, 1);

    let same = parse_document(DEFAULT_DOCUMENTS[1].1).unwrap();
    assert_eq!(
        set.with_document(same).unwrap_err().to_string(),
        "code-of-conduct: version 1 does not follow the version in force (1)"
    );
}

/// The default bylaws with one edit, loaded with the other founding documents as at start-up.
fn load_default_with(from: &str, to: &str) -> String {
    let docs: Vec<(String, String)> = DEFAULT_DOCUMENTS
        .iter()
        .map(|(name, text)| {
            let text = if *name == "bylaws.md" {
                assert!(text.contains(from), "{from} not in bylaws.md");
                text.replacen(from, to, 1)
            } else {
                text.to_string()
            };
            (format!("bylaws/{name}"), text)
        })
        .collect();
    FoundingDocuments::load(docs)
        .expect_err("the edited bylaws should be refused")
        .to_string()
}

#[test]
fn malformed_default_bylaws_are_refused_naming_file_line_and_key() {
    // Line 9 of bylaws/bylaws.md holds the bylaws_amendment rule.
    assert_eq!(
        load_default_with("agree_share: 0.75", "agree_share: 1.75"),
        "bylaws/bylaws.md:9: key decisions.bylaws_amendment.agree_share: must be a share between 0 and 1 (got 1.75)"
    );
    assert_eq!(
        load_default_with("method: ranked_choice", "method: lottery"),
        "bylaws/bylaws.md:10: key decisions.role_election.method: must be one of consent, majority, supermajority, approval, score, dot, ranked_choice (got \"lottery\")"
    );
    // A missing key is reported at the mapping that should hold it (membership, line 13).
    assert_eq!(
        load_default_with("  currency: EUR\n  lapse", "  lapse"),
        "bylaws/bylaws.md:13: key membership.currency: required but missing"
    );
    assert_eq!(
        load_default_with(
            "  expense: { method: majority, min_days: 3, agree_share: 0.5 }\n",
            ""
        ),
        "bylaws/bylaws.md:6: key decisions: no rule for proposal kind `expense`"
    );
    assert_eq!(
        load_default_with(
            "expense_threshold_window_days: 30",
            "expense_threshold_window_days: 0.5"
        ),
        "bylaws/bylaws.md:24: key finance.expense_threshold_window_days: must be a whole number, 0 or more (got 0.5)"
    );
    assert_eq!(
        load_default_with("ledger_visibility: members", "ledger_visiblity: members"),
        "bylaws/bylaws.md:23: key finance.ledger_visiblity: unknown key (expected one of: expense_approval_threshold_minor, expense_threshold_window_days, currency, ledger_visibility, accounts, monthly_budgets)"
    );
    // Bad YAML syntax: a flow mapping left open on line 11.
    let e = load_default_with(
        "role_election: { method: ranked_choice, min_days: 6, quorum_share: 0.1 }",
        "role_election: { method: ranked_choice, min_days: 6, quorum_share: 0.1",
    );
    assert!(
        e.starts_with("bylaws/bylaws.md:11: the front matter is not valid YAML"),
        "{e}"
    );
    // A clause error in the Markdown body names the heading's line.
    let e = load_default_with("### 1.2 Principles", "### 1.1 Principles");
    assert!(e.starts_with("bylaws/bylaws.md:"), "{e}");
    let line: usize = e["bylaws/bylaws.md:".len()..]
        .split(':')
        .next()
        .and_then(|n| n.parse().ok())
        .expect("a line number");
    let bylaws = DEFAULT_DOCUMENTS[0].1;
    assert_eq!(
        bylaws.lines().nth(line - 1),
        Some("### 1.2 Principles"),
        "{e}"
    );
    assert!(e.ends_with("clause 1.1 appears more than once"), "{e}");
}

#[test]
fn governance_rules_default_to_members_only_proposals() {
    let d = parse_document(&bylaws_doc(RULES)).unwrap();
    assert_eq!(d.governance, None);
    assert_eq!(
        d.governance_rules().proposal_visibility,
        ProposalVisibility::Members
    );
    let d = parse_document(&bylaws_doc(&format!(
        "{RULES}governance: {{ proposal_visibility: public }}\n"
    )))
    .unwrap();
    assert_eq!(
        d.governance,
        Some(GovernanceRules {
            proposal_visibility: ProposalVisibility::Public
        })
    );
    let d = parse_document(&bylaws_doc(&format!("{RULES}governance: {{}}\n"))).unwrap();
    assert_eq!(
        d.governance_rules().proposal_visibility,
        ProposalVisibility::Members
    );
}

#[test]
fn governance_rules_are_checked_with_file_line_and_key() {
    assert_eq!(
        msg(&bylaws_doc(&format!(
            "{RULES}governance:\n  proposal_visibility: everyone\n"
        ))),
        "test.md:20: key governance.proposal_visibility: must be one of members, public (got \"everyone\")"
    );
    assert_eq!(
        msg(&bylaws_doc(&format!(
            "{RULES}governance:\n  post_visibility: public\n"
        ))),
        "test.md:20: key governance.post_visibility: unknown key (expected one of: proposal_visibility)"
    );
    assert_eq!(
        msg(&bylaws_doc(&format!("{RULES}governance: public\n"))),
        "test.md:19: key governance: must be a mapping (got \"public\")"
    );
    assert_eq!(
        msg(&coc("governance: { proposal_visibility: public }\n", "")),
        "test.md:5: key governance: is only allowed in the `bylaws` document"
    );
}

// ---- terms of roles ----

#[test]
fn role_terms_default_and_are_validated() {
    let plain = parse_document(&bylaws_doc(RULES)).unwrap();
    assert_eq!(plain.roles, None);
    assert_eq!(default_set().roles(), RoleRules::default());
    assert_eq!(
        RoleRules::default(),
        RoleRules {
            term_days: 365,
            founding_term_days: 90,
            notice_days: 30
        }
    );
    let set = parse_document(&bylaws_doc(&format!(
        "{RULES}roles: {{ term_days: 730 }}\n"
    )))
    .unwrap();
    assert_eq!(
        set.roles,
        Some(RoleRules {
            term_days: 730,
            ..RoleRules::default()
        })
    );
    for (roles, expected) in [
        ("roles: { term_days: 0 }", "key roles.term_days: must be at least 1 (got 0)"),
        (
            "roles: { term_days: 5000 }",
            "key roles.term_days: must be at most 1830 days (got 5000)",
        ),
        (
            "roles: { notice_days: 90 }",
            "key roles.notice_days: must be shorter than every term (90 days) (got 90)",
        ),
        (
            "roles: { terms: 3 }",
            "key roles.terms: unknown key (expected one of: term_days, founding_term_days, notice_days)",
        ),
    ] {
        let source = bylaws_doc(&format!("{RULES}{roles}\n"));
        let m = msg(&source);
        assert!(m.ends_with(expected), "{roles}: {m}");
    }
    let m = msg(&coc("roles: { term_days: 30 }\n", "## 1. Be kind\n"));
    assert!(
        m.contains("key roles: is only allowed in the `bylaws` document"),
        "{m}"
    );
}

// ---- numbering amendments ----

#[test]
fn an_amendment_on_the_text_in_force_gets_the_next_number() {
    let v1 = DEFAULT_DOCUMENTS[1].1;
    assert!(v1.contains("\nversion: 1\n"));
    // Written on version 1 without touching the number: numbered 2, the text says so.
    let doc = number_amendment(v1, 1).unwrap();
    assert_eq!(doc.version, 2);
    assert!(doc.source.contains("\nversion: 2\n"), "{}", doc.source);
    assert!(!doc.source.contains("\nversion: 1\n"));
    assert_eq!(doc.source.len(), v1.len());
    // Numbered by hand: kept.
    let by_hand = v1.replacen("version: 1", "version: 2", 1);
    assert_eq!(number_amendment(&by_hand, 1).unwrap().source, by_hand);
    // No version at all: one is added after the opening line.
    let bare = v1.replacen("version: 1\n", "", 1);
    let doc = number_amendment(&bare, 4).unwrap();
    assert_eq!(doc.version, 5);
    assert!(
        doc.source.starts_with("---\nversion: 5\n"),
        "{}",
        doc.source
    );
    // CRLF lines keep their endings.
    let crlf = v1.replace('\n', "\r\n");
    let doc = number_amendment(&crlf, 1).unwrap();
    assert!(doc.source.contains("\r\nversion: 2\r\n"));
    // Any other version is refused, naming the versions.
    let seven = v1.replacen("version: 1", "version: 7", 1);
    assert_eq!(
        number_amendment(&seven, 1).unwrap_err().to_string(),
        "code-of-conduct: the text names version 7, but version 1 is in force: write the amendment on version 1 (or name no version) and it becomes version 2"
    );
    // Other faults are the parser's, with their line.
    let bad = v1.replacen("version: 1", "version: one", 1);
    assert!(number_amendment(&bad, 1)
        .unwrap_err()
        .to_string()
        .contains("key version: must be a whole number"));
    assert!(matches!(
        number_amendment("no front matter", 1),
        Err(BylawsError::MissingFrontMatter { .. })
    ));
    // A version inside a one-line mapping cannot be rewritten: said so.
    let flow = "---\n{ slug: code-of-conduct, title: C, version: 1 }\n---\n## 1. Be kind\n";
    assert!(number_amendment(flow, 1)
        .unwrap_err()
        .to_string()
        .contains("write it on a line of its own"));
}
