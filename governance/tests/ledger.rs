//! Ledger properties: every accepted transaction balances per currency; a reversal restores
//! every balance; any edit to a past transaction breaks the hash chain where it was made.

use std::collections::BTreeMap;

use herd_governance::bylaws::{FinanceRules, LedgerVisibility};
use herd_governance::ledger::{
    self, add_postings, balances, reversal, seal, validate, verify, Chart, Draft, Entry, Posting,
    Sums, GENESIS_HASH,
};
use proptest::prelude::*;

fn chart() -> Chart {
    Chart::from_bylaws(
        None,
        &FinanceRules {
            expense_approval_threshold_minor: 20000,
            currency: "EUR".into(),
            expense_threshold_window_days: 30,
            ledger_visibility: LedgerVisibility::Members,
            accounts: BTreeMap::new(),
            monthly_budgets: BTreeMap::new(),
        },
    )
}

const ACCOUNTS: &[&str] = &[
    "assets:bank",
    "assets:stripe",
    "income:dues",
    "expenses:hosting",
    "expenses:fees:stripe",
    "equity:member-shares",
    "liabilities:reimbursements",
    "expenses:nope",
];
const CURRENCIES: &[&str] = &["EUR", "USD", "JPY", "XXQ"];

fn any_posting() -> impl Strategy<Value = Posting> {
    (
        0..ACCOUNTS.len(),
        -1_000_000i64..1_000_000,
        0..CURRENCIES.len(),
    )
        .prop_map(|(a, amount, c)| Posting::new(ACCOUNTS[a], amount, CURRENCIES[c]))
}

/// A balanced draft: pairs of opposite postings per currency, split unevenly.
fn balanced_draft() -> impl Strategy<Value = Draft> {
    prop::collection::vec(
        (
            0..7usize,
            0..7usize,
            1i64..1_000_000,
            1i64..1_000,
            0..3usize,
        ),
        1..4,
    )
    .prop_map(|legs| {
        let mut postings = Vec::new();
        for (a, b, amount, part, c) in legs {
            let cur = CURRENCIES[c];
            let part = part.min(amount - 1);
            if part > 0 {
                postings.push(Posting::new(ACCOUNTS[a], amount - part, cur));
                postings.push(Posting::new(ACCOUNTS[a], part, cur));
            } else {
                postings.push(Posting::new(ACCOUNTS[a], amount, cur));
            }
            postings.push(Posting::new(ACCOUNTS[b], -amount, cur));
        }
        Draft {
            date: 1_700_000_000_000_000,
            memo: "generated".into(),
            kind: "manual".into(),
            postings,
            ..Draft::default()
        }
    })
}

fn chain(drafts: Vec<Draft>) -> Vec<Entry> {
    let mut out: Vec<Entry> = Vec::new();
    for (i, d) in drafts.into_iter().enumerate() {
        let head = out
            .last()
            .map(|e| (e.seq, e.hash.clone()))
            .unwrap_or((0, GENESIS_HASH.to_string()));
        out.push(seal(d, 10_000 + i as i64, (head.0, &head.1)));
    }
    out
}

fn per_currency(postings: &[Posting]) -> BTreeMap<String, i128> {
    let mut m = BTreeMap::new();
    for p in postings {
        *m.entry(p.currency.clone()).or_default() += i128::from(p.amount);
    }
    m
}

proptest! {
    #[test]
    fn every_accepted_transaction_balances(postings in prop::collection::vec(any_posting(), 0..8)) {
        let d = Draft { memo: "x".into(), kind: "manual".into(), postings, ..Draft::default() };
        if validate(&chart(), &d).is_ok() {
            prop_assert!(d.postings.len() >= 2);
            prop_assert!(per_currency(&d.postings).values().all(|s| *s == 0));
            prop_assert!(d.postings.iter().all(|p| p.amount != 0 && chart().contains(&p.account)));
        }
    }

    #[test]
    fn balanced_drafts_are_accepted(d in balanced_draft()) {
        prop_assert_eq!(validate(&chart(), &d), Ok(()));
    }

    #[test]
    fn reversing_restores_every_balance(
        before in prop::collection::vec(balanced_draft(), 0..5),
        d in balanced_draft(),
    ) {
        let mut entries = chain(before);
        let expected: Sums = balances(&entries);
        let head = entries.last().map(|e| (e.seq, e.hash.clone())).unwrap_or((0, GENESIS_HASH.to_string()));
        let posted = seal(d, 99, (head.0, &head.1));
        let rev = reversal(&posted, posted.draft.date, None);
        prop_assert_eq!(validate(&chart(), &rev), Ok(()));
        let rev = seal(rev, 100, (posted.seq, &posted.hash));
        entries.push(posted);
        entries.push(rev);
        prop_assert_eq!(balances(&entries), expected);
        prop_assert!(verify(&entries).is_ok());
    }

    #[test]
    fn any_edit_to_a_past_transaction_is_detected(
        drafts in prop::collection::vec(balanced_draft(), 2..8),
        pick in any::<prop::sample::Index>(),
        edit in 0..9u8,
        delta in 1i64..1000,
    ) {
        let original = chain(drafts);
        prop_assert_eq!(verify(&original), Ok(original.len() as i64));
        let i = pick.index(original.len());
        let mut edited = original.clone();
        let e = &mut edited[i];
        match edit {
            0 => e.draft.postings[0].amount += delta,
            1 => { e.draft.postings[0].amount += delta; e.draft.postings[1].amount -= delta; }
            2 => e.draft.postings[0].account = "assets:cash".into(),
            3 => e.draft.memo.push('!'),
            4 => e.draft.date += delta,
            5 => e.draft.postings.swap(0, 1),
            6 => e.draft.counterparty.push('x'),
            7 => { edited.remove(i); }
            _ => { e.draft.postings[0].currency = "USD".into(); }
        }
        if edited == original {
            // An edit that changed nothing (swapping two equal postings) is no edit.
            return Ok(());
        }
        if edit == 7 && i + 1 == original.len() {
            // Cutting off the newest transaction leaves a valid shorter chain: only the head
            // hash published before (GET ledger/transactions shows it) reveals the cut.
            let mut v = ledger::Verifier::default();
            for e in &edited { v.push(e).expect("prefix verifies"); }
            prop_assert_ne!(v.head(), original[i].hash.as_str());
            return Ok(());
        }
        let broken = verify(&edited).expect_err("edit detected");
        prop_assert_eq!(broken.seq, i as i64 + 1);
        // Recomputing the edited transaction's own hash only moves the break to its successor.
        if edit != 7 && i + 1 < edited.len() {
            let e = &mut edited[i];
            e.hash = ledger::hash(e.seq, e.id, &e.draft, &e.prev_hash);
            if ledger::check_balanced(&e.draft.postings).is_ok() {
                prop_assert_eq!(verify(&edited).map_err(|b| b.seq), Err(i as i64 + 2));
            }
        }
    }

    #[test]
    fn sums_are_order_independent(drafts in prop::collection::vec(balanced_draft(), 0..6)) {
        let mut forward = Sums::new();
        for d in &drafts { add_postings(&mut forward, &d.postings); }
        let mut backward = Sums::new();
        for d in drafts.iter().rev() { add_postings(&mut backward, d.postings.iter().rev()); }
        prop_assert_eq!(forward, backward);
    }
}
