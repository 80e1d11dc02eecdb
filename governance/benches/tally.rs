//! Tally 10,000 random ballots for each method and print the median of 5 runs.
//! Run: `cargo bench --bench tally` (or `cargo run --release --bench tally`).
//! Plain `std::time::Instant`, no benchmark framework; a fixed-seed xorshift PRNG, no `rand`.

use std::collections::BTreeMap;
use std::hint::black_box;
use std::time::Instant;

use herd_governance::ballot::{validate, Ballot, ValidBallot};
use herd_governance::bylaws::{DecisionRule, Method, TieRule};
use herd_governance::tally::tally;

const BALLOTS: usize = 10_000;
const RUNS: usize = 5;
const TARGET_MS: f64 = 50.0;

struct XorShift(u64);

impl XorShift {
    fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        self.0 = x;
        x
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

fn rule(method: Method, seats: Option<u32>) -> DecisionRule {
    DecisionRule {
        method,
        min_days: 6.0,
        urgent_min_days: None,
        agree_share: match method {
            Method::Consent => Some(0.5),
            Method::Supermajority => Some(0.75),
            _ => None,
        },
        block_override_share: (method == Method::Consent).then_some(0.9),
        quorum_share: 0.1,
        tie: TieRule::StatusQuo,
        dots: (method == Method::Dot).then_some(10),
        max_score: (method == Method::Score).then_some(5),
        seats,
    }
}

fn ballots(r: &DecisionRule, opts: &[String], rng: &mut XorShift) -> Vec<ValidBallot> {
    (0..BALLOTS)
        .map(|_| {
            let b = match r.method {
                Method::Consent => Ballot::Choice {
                    choice: ["agree", "agree", "abstain", "disagree", "block"]
                        [rng.below(5) as usize]
                        .into(),
                },
                Method::Majority | Method::Supermajority => Ballot::Choice {
                    choice: ["yes", "no", "abstain"][rng.below(3) as usize].into(),
                },
                Method::Approval => Ballot::Choices {
                    choices: opts.iter().filter(|_| rng.below(3) == 0).cloned().collect(),
                },
                Method::Score => Ballot::Scores {
                    scores: opts
                        .iter()
                        .map(|o| (o.clone(), rng.below(6) as u32))
                        .collect(),
                },
                Method::Dot => {
                    let mut dots = BTreeMap::new();
                    for _ in 0..10 {
                        *dots
                            .entry(opts[rng.below(opts.len() as u64) as usize].clone())
                            .or_insert(0) += 1;
                    }
                    Ballot::Dots { dots }
                }
                Method::RankedChoice => {
                    // Skewed preferences (lower-numbered candidates more popular), partial
                    // rankings of 1 to 20 candidates, so the count runs many rounds.
                    let mut pool: Vec<String> = opts.to_vec();
                    let k = 1 + rng.below(opts.len() as u64) as usize;
                    let mut ranking = Vec::with_capacity(k);
                    for _ in 0..k {
                        let a = rng.below(pool.len() as u64);
                        let b = rng.below(pool.len() as u64);
                        ranking.push(pool.remove(a.min(b) as usize));
                    }
                    Ballot::Ranking { ranking }
                }
            };
            validate(r, opts, &b).expect("bench ballots are valid")
        })
        .collect()
}

fn main() {
    let mut rng = XorShift(0x9e37_79b9_7f4a_7c15);
    let cases: Vec<(&str, DecisionRule, usize)> = vec![
        ("consent", rule(Method::Consent, None), 0),
        ("majority", rule(Method::Majority, None), 0),
        ("supermajority", rule(Method::Supermajority, None), 0),
        (
            "approval (10 options, 1 seat)",
            rule(Method::Approval, None),
            10,
        ),
        ("score (10 options, 0..=5)", rule(Method::Score, None), 10),
        ("dot (10 options, 10 dots)", rule(Method::Dot, Some(2)), 10),
        (
            "ranked_choice IRV (20 candidates, 1 seat)",
            rule(Method::RankedChoice, None),
            20,
        ),
        (
            "ranked_choice STV (20 candidates, 3 seats)",
            rule(Method::RankedChoice, Some(3)),
            20,
        ),
    ];
    let mut slow = false;
    for (name, r, n) in cases {
        let opts: Vec<String> = (1..=n).map(|i| format!("candidate-{i:02}")).collect();
        let bs = ballots(&r, &opts, &mut rng);
        let mut times = Vec::with_capacity(RUNS);
        let mut rounds = 0;
        for _ in 0..RUNS {
            let t = Instant::now();
            let o = tally(
                black_box(&r),
                black_box(&opts),
                black_box(&bs),
                20_000,
                false,
            );
            times.push(t.elapsed().as_secs_f64() * 1000.0);
            if let herd_governance::tally::Tally::RankedChoice(t) = &o.tally {
                rounds = t.rounds.len();
            }
            black_box(o);
        }
        times.sort_by(f64::total_cmp);
        let median = times[RUNS / 2];
        slow |= median > TARGET_MS;
        let extra = if rounds > 0 {
            format!(" ({rounds} rounds)")
        } else {
            String::new()
        };
        println!("{name}: {BALLOTS} ballots in {median:.3} ms{extra}");
    }
    if slow {
        println!("some method took more than the {TARGET_MS} ms target");
    }
}
