//! Hash-chain verification throughput and a period report over 1,000,000 postings, in memory.
//! Run: `cargo bench -p herd-governance --bench ledger`. Plain `Instant`, fixed-seed PRNG.
//! (The server computes reports with SQL sums over the postings table; `herd bench
//! ledger-report` prints that figure per backend.)

use std::hint::black_box;
use std::time::Instant;

use herd_governance::bylaws::{FinanceRules, LedgerVisibility};
use herd_governance::ledger::{
    add_postings, balance_sheet, income_statement, seal, Chart, Draft, Entry, Posting, Sums,
    Verifier, GENESIS_HASH,
};

const POSTINGS: usize = 1_000_000;

fn main() {
    let chart = Chart::from_bylaws(
        None,
        &FinanceRules {
            expense_approval_threshold_minor: 0,
            currency: "EUR".into(),
            expense_threshold_window_days: 30,
            ledger_visibility: LedgerVisibility::Members,
            accounts: Default::default(),
            monthly_budgets: Default::default(),
        },
    );
    let accounts = [
        "assets:bank",
        "income:dues",
        "expenses:hosting",
        "assets:stripe",
        "expenses:fees:stripe",
    ];
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut next = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let start = Instant::now();
    let mut chain: Vec<Entry> = Vec::with_capacity(POSTINGS / 2);
    let mut head = (0i64, GENESIS_HASH.to_string());
    for i in 0..POSTINGS / 2 {
        let a = accounts[(next() % 5) as usize];
        let b = accounts[(next() % 5) as usize];
        let amount = (next() % 100_000) as i64 + 1;
        let d = Draft {
            date: 1_700_000_000_000_000 + i as i64 * 1_000_000,
            memo: "bench".into(),
            kind: "manual".into(),
            postings: vec![
                Posting::new(a, amount, "EUR"),
                Posting::new(b, -amount, "EUR"),
            ],
            ..Draft::default()
        };
        let e = seal(d, i as i64 + 1, (head.0, &head.1));
        head = (e.seq, e.hash.clone());
        chain.push(e);
    }
    let sealed = start.elapsed();
    println!(
        "sealed {} transactions ({} postings) in {:.0} ms",
        chain.len(),
        POSTINGS,
        sealed.as_secs_f64() * 1000.0
    );
    let start = Instant::now();
    let mut v = Verifier::default();
    for e in &chain {
        v.push(e).expect("chain verifies");
    }
    let t = start.elapsed().as_secs_f64();
    println!(
        "verified the hash chain: {:.0} transactions/s ({:.0} ms for {})",
        chain.len() as f64 / t,
        t * 1000.0,
        chain.len()
    );
    let start = Instant::now();
    let mut sums = Sums::new();
    for e in &chain {
        add_postings(&mut sums, &e.draft.postings);
    }
    let is = income_statement(&chart, &sums);
    let bs = balance_sheet(&chart, &sums);
    black_box((&is, &bs));
    println!(
        "period report (income statement + balance sheet) over {} postings: {:.0} ms (balanced: {})",
        POSTINGS,
        start.elapsed().as_secs_f64() * 1000.0,
        bs.balanced
    );
}
