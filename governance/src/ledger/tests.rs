use super::*;
use crate::bylaws::LedgerVisibility;

fn chart() -> Chart {
    let mut accounts = BTreeMap::new();
    accounts.insert("expenses:travel".to_string(), "Travel".to_string());
    Chart::from_bylaws(
        None,
        &FinanceRules {
            expense_approval_threshold_minor: 20000,
            currency: "EUR".into(),
            expense_threshold_window_days: 30,
            ledger_visibility: LedgerVisibility::Members,
            accounts,
            monthly_budgets: BTreeMap::new(),
        },
    )
}

fn draft(postings: Vec<Posting>) -> Draft {
    Draft {
        date: 1_700_000_000_000_000,
        memo: "Hosting for March".into(),
        kind: "manual".into(),
        postings,
        ..Draft::default()
    }
}

#[test]
fn chart_has_defaults_and_bylaws_additions() {
    let c = chart();
    assert_eq!(
        c.get("assets:bank").map(|a| a.kind),
        Some(AccountType::Asset)
    );
    assert_eq!(
        c.get("expenses:travel").map(|a| a.name.as_str()),
        Some("Travel")
    );
    assert_eq!(
        c.expense_account("fees:stripe").map(|a| a.code.as_str()),
        Some("expenses:fees:stripe")
    );
    assert!(c.expense_categories().contains(&"travel".to_string()));
    assert!(valid_account_code("expenses:fees:bank"));
    for bad in [
        "expenses",
        "expenses:",
        "Expenses:x",
        "stuff:x",
        "assets:Bank",
        "assets::x",
    ] {
        assert!(!valid_account_code(bad), "{bad}");
    }
}

#[test]
fn validates_balance_accounts_currencies_amounts() {
    let c = chart();
    let ok = draft(vec![
        Posting::new("expenses:hosting", 4200, "EUR"),
        Posting::new("assets:bank", -4200, "EUR"),
    ]);
    assert_eq!(validate(&c, &ok), Ok(()));
    let unbalanced = draft(vec![
        Posting::new("expenses:hosting", 4200, "EUR"),
        Posting::new("assets:bank", -4100, "EUR"),
    ]);
    assert!(matches!(
        validate(&c, &unbalanced),
        Err(LedgerError::Unbalanced { sum: 100, .. })
    ));
    // Balanced overall but not per currency.
    let mixed = draft(vec![
        Posting::new("expenses:hosting", 100, "EUR"),
        Posting::new("assets:bank", -100, "USD"),
    ]);
    assert!(matches!(
        validate(&c, &mixed),
        Err(LedgerError::Unbalanced { .. })
    ));
    let one = draft(vec![Posting::new("assets:bank", 0, "EUR")]);
    assert_eq!(validate(&c, &one), Err(LedgerError::TooFewPostings));
    let unknown = draft(vec![
        Posting::new("expenses:yachts", 1, "EUR"),
        Posting::new("assets:bank", -1, "EUR"),
    ]);
    assert_eq!(
        validate(&c, &unknown),
        Err(LedgerError::UnknownAccount("expenses:yachts".into()))
    );
    let cur = draft(vec![
        Posting::new("expenses:hosting", 1, "EURO"),
        Posting::new("assets:bank", -1, "EURO"),
    ]);
    assert!(matches!(
        validate(&c, &cur),
        Err(LedgerError::UnknownCurrency(_))
    ));
    let zero = draft(vec![
        Posting::new("expenses:hosting", 0, "EUR"),
        Posting::new("assets:bank", 0, "EUR"),
    ]);
    assert!(matches!(
        validate(&c, &zero),
        Err(LedgerError::ZeroAmount { .. })
    ));
    let mut blank = ok.clone();
    blank.memo = "  ".into();
    assert!(matches!(
        validate(&c, &blank),
        Err(LedgerError::Field { field: "memo", .. })
    ));
}

#[test]
fn chain_seals_and_verifies_and_finds_the_first_edit() {
    let mut chain = Vec::new();
    let mut head = (0, GENESIS_HASH.to_string());
    for i in 1..=5 {
        let d = draft(vec![
            Posting::new("expenses:hosting", 100 * i, "EUR"),
            Posting::new("assets:bank", -100 * i, "EUR"),
        ]);
        let e = seal(d, 1000 + i, (head.0, &head.1));
        head = (e.seq, e.hash.clone());
        chain.push(e);
    }
    assert_eq!(verify(&chain), Ok(5));
    let mut edited = chain.clone();
    edited[2].draft.postings[0].amount += 1;
    edited[2].draft.postings[1].amount -= 1;
    let broken = verify(&edited).expect_err("edit detected");
    assert_eq!((broken.seq, broken.id), (3, 1003));
    // Re-hashing the edited row moves the break to the next link.
    edited[2].hash = hash(3, 1003, &edited[2].draft, &edited[2].prev_hash);
    assert_eq!(verify(&edited).map_err(|b| b.seq), Err(4));
    let mut missing = chain.clone();
    missing.remove(1);
    assert_eq!(verify(&missing).map_err(|b| b.seq), Err(2));
}

#[test]
fn reports_from_postings() {
    let c = chart();
    let mut sums = Sums::new();
    add_postings(
        &mut sums,
        &[
            Posting::new("assets:bank", 10_000, "EUR"),
            Posting::new("income:dues", -10_000, "EUR"),
            Posting::new("expenses:hosting", 3_000, "EUR"),
            Posting::new("assets:bank", -3_000, "EUR"),
            Posting::new("assets:bank", 1_000, "EUR"),
            Posting::new("equity:member-shares", -1_000, "EUR"),
        ],
    );
    let is = income_statement(&c, &sums);
    assert_eq!(is.total_income["EUR"], 10_000);
    assert_eq!(is.total_expenses["EUR"], 3_000);
    assert_eq!(is.net["EUR"], 7_000);
    let bs = balance_sheet(&c, &sums);
    assert_eq!(bs.total_assets["EUR"], 8_000);
    assert_eq!(bs.total_equity["EUR"], 1_000);
    assert_eq!(bs.retained_earnings["EUR"], 7_000);
    assert!(bs.balanced);
    // Two calendar months of a 2,500 monthly budget from the bylaws.
    let mut monthly = BTreeMap::new();
    monthly.insert("expenses:hosting".to_string(), 2_500);
    let (from, _) = budget::BudgetPeriod::Month(2026, 1).span().unwrap();
    let (_, to) = budget::BudgetPeriod::Month(2026, 2).span().unwrap();
    let resolved = budget::resolve(&monthly, "EUR", &[], from, to)
        .into_iter()
        .map(|(k, r)| (k, r.amount))
        .collect();
    let bva = budget_lines(&c, &resolved, &sums);
    assert_eq!(
        (bva[0].budget, bva[0].actual, bva[0].remaining),
        (5_000, 3_000, 2_000)
    );
}

#[test]
fn budgets_resolve_month_by_month_from_the_treasurers_or_the_bylaws() {
    use budget::{Budget, BudgetPeriod};
    let mut monthly = BTreeMap::new();
    monthly.insert("expenses:general".to_string(), 1_000);
    let stored = [
        Budget {
            period: "2026-03".into(),
            account: "expenses:hosting".into(),
            amount: 5_000,
            currency: "EUR".into(),
        },
        Budget {
            period: "2026".into(),
            account: "income:dues".into(),
            amount: 120_000,
            currency: "EUR".into(),
        },
        Budget {
            period: "2026-06".into(),
            account: "expenses:general".into(),
            amount: 4_000,
            currency: "EUR".into(),
        },
    ];
    let (from, to) = BudgetPeriod::Year(2026).span().unwrap();
    let year = budget::resolve(&monthly, "EUR", &stored, from, to);
    let amount = |m: &BTreeMap<(String, String), budget::ResolvedBudget>, a: &str| {
        m[&(a.to_string(), "EUR".to_string())].amount
    };
    // A whole year of a year budget is exact; June's own budget replaces the bylaws' month.
    assert_eq!(amount(&year, "income:dues"), 120_000);
    assert_eq!(amount(&year, "expenses:general"), 11 * 1_000 + 4_000);
    assert_eq!(amount(&year, "expenses:hosting"), 5_000);
    assert!(year[&("expenses:general".into(), "EUR".into())].set_by_treasurer);
    let (from, to) = BudgetPeriod::Month(2026, 4).span().unwrap();
    let april = budget::resolve(&monthly, "EUR", &stored, from, to);
    assert_eq!(amount(&april, "expenses:general"), 1_000);
    assert!(!april[&("expenses:general".into(), "EUR".into())].set_by_treasurer);
    assert!(!april.contains_key(&("expenses:hosting".into(), "EUR".into())));
    assert_eq!(
        BudgetPeriod::parse("2026-03"),
        Some(BudgetPeriod::Month(2026, 3))
    );
    assert_eq!(BudgetPeriod::parse("2026"), Some(BudgetPeriod::Year(2026)));
    for bad in ["2026-13", "2026-3", "March", "", "1899", "2026-03-01"] {
        assert_eq!(BudgetPeriod::parse(bad), None, "{bad}");
    }
    assert!(BudgetPeriod::Year(2026).relates_to("2026-05"));
    assert!(BudgetPeriod::Month(2026, 5).relates_to("2026"));
    assert!(!BudgetPeriod::Month(2026, 5).relates_to("2026-06"));
}

#[test]
fn budget_lines_compare_resolved_budgets_with_actuals_per_currency() {
    let c = chart();
    let mut sums = Sums::new();
    add_postings(
        &mut sums,
        &[
            Posting::new("expenses:hosting", 3_000, "EUR"),
            Posting::new("assets:bank", -3_000, "EUR"),
            Posting::new("expenses:hosting", 700, "USD"),
            Posting::new("assets:bank", -700, "USD"),
            Posting::new("assets:bank", 9_000, "EUR"),
            Posting::new("income:dues", -9_000, "EUR"),
        ],
    );
    let mut budgets = BTreeMap::new();
    budgets.insert(("expenses:hosting".to_string(), "EUR".to_string()), 2_500);
    budgets.insert(("income:dues".to_string(), "EUR".to_string()), 10_000);
    let lines = budget_lines(&c, &budgets, &sums);
    let got: Vec<(&str, i64, i64, i64)> = lines
        .iter()
        .map(|l| (l.code.as_str(), l.budget, l.actual, l.remaining))
        .collect();
    assert_eq!(
        got,
        [
            ("expenses:hosting", 2_500, 3_000, -500),
            ("income:dues", 10_000, 9_000, 1_000)
        ]
    );
    assert_eq!(prorate_part(3_100, 31, 31), 3_100);
    assert_eq!(prorate_part(3_100, 10, 31), 1_000);
    assert_eq!(prorate_part(1_000, 1, 3), 333);
    assert_eq!(prorate_part(1_000, 2, 3), 667);
    assert_eq!(prorate_part(1_000, 5, 0), 1_000);
}

#[test]
fn formats_amounts_by_currency_exponent() {
    assert_eq!(format_amount(-1234, "EUR"), "-12.34");
    assert_eq!(format_amount(5, "EUR"), "0.05");
    assert_eq!(format_amount(1234, "JPY"), "1234");
    assert_eq!(format_amount(1234, "KWD"), "1.234");
}
