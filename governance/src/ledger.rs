//! The co-op's double-entry ledger, as rules on plain data.
//!
//! - Accounts are named by codes whose first segment gives their type, as in hledger:
//!   `assets:bank`, `liabilities:reimbursements`, `equity:member-shares`, `income:dues`,
//!   `expenses:hosting`. The [`Chart`] is the default set below plus what the bylaws'
//!   `finance.accounts` adds or renames.
//! - A transaction has two or more postings in integer minor units of an ISO 4217 currency,
//!   signed: debits positive, credits negative. Per currency its postings sum to zero
//!   ([`validate`]). Posted transactions are never edited: a correction is a [`reversal`].
//! - Every transaction is sealed into a hash chain ([`seal`]): its hash is SHA-256 over its
//!   canonical form, which includes the previous transaction's hash, so changing, removing or
//!   reordering any past transaction breaks the chain from there on; [`Verifier`] finds the first
//!   broken link.
//! - Balances and reports are derived from postings alone: [`Sums`] (account → currency →
//!   signed total), then [`income_statement`], [`balance_sheet`] and [`budget_lines`] against
//!   budgets resolved per calendar month ([`budget::resolve`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::bylaws::{FinanceRules, MembershipRules};

pub mod budget;

/// The `prev_hash` of the first transaction.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

/// The largest magnitude of one posting (10^15 minor units), so sums never overflow.
pub const MAX_AMOUNT: i64 = 1_000_000_000_000_000;
pub const MEMO_MAX: usize = 500;
pub const COUNTERPARTY_MAX: usize = 200;
pub const CATEGORY_MAX: usize = 100;
pub const POSTINGS_MAX: usize = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AccountType {
    Asset,
    Liability,
    Equity,
    Income,
    Expense,
}

impl AccountType {
    pub const ALL: [AccountType; 5] = [
        AccountType::Asset,
        AccountType::Liability,
        AccountType::Equity,
        AccountType::Income,
        AccountType::Expense,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AccountType::Asset => "asset",
            AccountType::Liability => "liability",
            AccountType::Equity => "equity",
            AccountType::Income => "income",
            AccountType::Expense => "expense",
        }
    }

    /// The first segment of codes of this type.
    pub fn prefix(self) -> &'static str {
        match self {
            AccountType::Asset => "assets",
            AccountType::Liability => "liabilities",
            AccountType::Equity => "equity",
            AccountType::Income => "income",
            AccountType::Expense => "expenses",
        }
    }

    /// The type an account code names by its first segment.
    pub fn of_code(code: &str) -> Option<AccountType> {
        let head = code.split(':').next()?;
        AccountType::ALL.into_iter().find(|t| t.prefix() == head)
    }

    /// Assets and expenses grow with debits (positive postings); the others with credits.
    pub fn debit_normal(self) -> bool {
        matches!(self, AccountType::Asset | AccountType::Expense)
    }

    /// A signed total turned to this type's natural sign (what a report shows).
    pub fn natural(self, signed: i64) -> i64 {
        if self.debit_normal() {
            signed
        } else {
            -signed
        }
    }
}

impl fmt::Display for AccountType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// `type:name[:name…]`: a type prefix, then one or more segments of `[a-z0-9-]`.
pub fn valid_account_code(code: &str) -> bool {
    let mut parts = code.split(':');
    let Some(head) = parts.next() else {
        return false;
    };
    if !AccountType::ALL.iter().any(|t| t.prefix() == head) || code.len() > 100 {
        return false;
    }
    let mut rest = 0;
    for p in parts {
        if p.is_empty()
            || !p
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return false;
        }
        rest += 1;
    }
    rest >= 1
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Account {
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AccountType,
}

/// The co-op's chart of accounts.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Chart {
    accounts: BTreeMap<String, Account>,
}

/// The accounts every co-op starts with.
pub const DEFAULT_ACCOUNTS: &[(&str, &str)] = &[
    ("assets:bank", "Bank account"),
    ("assets:cash", "Cash"),
    ("assets:stripe", "Stripe balance"),
    ("liabilities:reimbursements", "Owed to members for expenses"),
    ("equity:member-shares", "Members' shares"),
    ("equity:opening-balances", "Opening balances"),
    ("income:dues", "Membership dues"),
    ("income:donations", "Donations"),
    ("expenses:hosting", "Hosting and infrastructure"),
    ("expenses:software", "Software and services"),
    ("expenses:fees:stripe", "Stripe fees"),
    ("expenses:fees:bank", "Bank fees"),
    ("expenses:general", "General expenses"),
];

impl Chart {
    /// The default chart plus the accounts the bylaws' `finance.accounts` adds or renames.
    pub fn from_bylaws(_membership: Option<&MembershipRules>, finance: &FinanceRules) -> Chart {
        let mut chart = Chart::default();
        for (code, name) in DEFAULT_ACCOUNTS {
            chart.add(code, name);
        }
        for (code, name) in &finance.accounts {
            chart.add(code, name);
        }
        chart
    }

    /// Adds (or renames) an account; an invalid code is ignored.
    pub fn add(&mut self, code: &str, name: &str) {
        if let Some(kind) = AccountType::of_code(code).filter(|_| valid_account_code(code)) {
            self.accounts.insert(
                code.to_string(),
                Account {
                    code: code.to_string(),
                    name: name.to_string(),
                    kind,
                },
            );
        }
    }

    pub fn get(&self, code: &str) -> Option<&Account> {
        self.accounts.get(code)
    }

    pub fn contains(&self, code: &str) -> bool {
        self.accounts.contains_key(code)
    }

    pub fn iter(&self) -> impl Iterator<Item = &Account> {
        self.accounts.values()
    }

    /// The expense account for an expense category: `hosting` → `expenses:hosting`
    /// (`fees:bank` → `expenses:fees:bank`); a full code is accepted too.
    pub fn expense_account(&self, category: &str) -> Option<&Account> {
        let code = if category.starts_with("expenses:") {
            category.to_string()
        } else {
            format!("expenses:{category}")
        };
        self.get(&code)
    }

    /// The expense categories, as [`Chart::expense_account`] takes them.
    pub fn expense_categories(&self) -> Vec<String> {
        self.iter()
            .filter(|a| a.kind == AccountType::Expense)
            .map(|a| a.code.trim_start_matches("expenses:").to_string())
            .collect()
    }

    /// The account for a code: from the chart, or (for codes that were used once and left the
    /// chart later) typed by its prefix and named by its code.
    pub fn describe(&self, code: &str) -> Account {
        self.get(code).cloned().unwrap_or_else(|| Account {
            code: code.to_string(),
            name: code.to_string(),
            kind: AccountType::of_code(code).unwrap_or(AccountType::Asset),
        })
    }
}

/// The exponent of an ISO 4217 currency (minor units per major unit = 10^exponent).
pub fn currency_exponent(code: &str) -> Option<u32> {
    const ZERO: &[&str] = &[
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "UYI", "VND",
        "VUV", "XAF", "XOF", "XPF",
    ];
    const THREE: &[&str] = &["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"];
    const FOUR: &[&str] = &["CLF", "UYW"];
    const TWO: &[&str] = &[
        "AED", "AFN", "ALL", "AMD", "ANG", "AOA", "ARS", "AUD", "AWG", "AZN", "BAM", "BBD", "BDT",
        "BGN", "BMD", "BND", "BOB", "BRL", "BSD", "BTN", "BWP", "BYN", "BZD", "CAD", "CDF", "CHF",
        "CNY", "COP", "CRC", "CUP", "CVE", "CZK", "DKK", "DOP", "DZD", "EGP", "ERN", "ETB", "EUR",
        "FJD", "FKP", "GBP", "GEL", "GHS", "GIP", "GMD", "GTQ", "GYD", "HKD", "HNL", "HTG", "HUF",
        "IDR", "ILS", "INR", "IRR", "JMD", "KES", "KGS", "KHR", "KPW", "KYD", "KZT", "LAK", "LBP",
        "LKR", "LRD", "LSL", "MAD", "MDL", "MGA", "MKD", "MMK", "MNT", "MOP", "MRU", "MUR", "MVR",
        "MWK", "MXN", "MYR", "MZN", "NAD", "NGN", "NIO", "NOK", "NPR", "NZD", "PAB", "PEN", "PGK",
        "PHP", "PKR", "PLN", "QAR", "RON", "RSD", "RUB", "SAR", "SBD", "SCR", "SDG", "SEK", "SGD",
        "SHP", "SLE", "SOS", "SRD", "SSP", "STN", "SVC", "SYP", "SZL", "THB", "TJS", "TMT", "TOP",
        "TRY", "TTD", "TWD", "TZS", "UAH", "USD", "UYU", "UZS", "VES", "WST", "XCD", "YER", "ZAR",
        "ZMW", "ZWL",
    ];
    if TWO.contains(&code) {
        Some(2)
    } else if ZERO.contains(&code) {
        Some(0)
    } else if THREE.contains(&code) {
        Some(3)
    } else if FOUR.contains(&code) {
        Some(4)
    } else {
        None
    }
}

/// Minor units as a decimal string in the currency's major unit: `-1234` EUR → `-12.34`.
pub fn format_amount(amount: i64, currency: &str) -> String {
    let exp = currency_exponent(currency).unwrap_or(2);
    if exp == 0 {
        return amount.to_string();
    }
    let scale = 10u64.pow(exp);
    let abs = amount.unsigned_abs();
    let sign = if amount < 0 { "-" } else { "" };
    format!(
        "{sign}{}.{:0width$}",
        abs / scale,
        abs % scale,
        width = exp as usize
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Posting {
    pub account: String,
    /// Minor units; debits positive, credits negative.
    pub amount: i64,
    pub currency: String,
}

impl Posting {
    pub fn new(account: &str, amount: i64, currency: &str) -> Posting {
        Posting {
            account: account.to_string(),
            amount,
            currency: currency.to_string(),
        }
    }
}

/// A transaction before it is posted.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Draft {
    /// When it happened, epoch microseconds.
    pub date: i64,
    pub memo: String,
    pub counterparty: String,
    pub category: String,
    /// What made it: `manual`, `expense`, `dues`, `stripe`, `reversal` …
    pub kind: String,
    /// An external reference, unique across the ledger (`stripe:evt_…`, `expense:123`).
    pub source: Option<String>,
    /// The transaction this one reverses.
    pub reverses: Option<i64>,
    /// The member this transaction concerns (dues), if any.
    pub member: Option<i64>,
    /// Who posted it (a treasurer's account), if a person did.
    pub created_by: Option<i64>,
    pub postings: Vec<Posting>,
}

/// A posted transaction: a draft with its place in the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Entry {
    /// 1, 2, 3 … in chain order.
    pub seq: i64,
    pub id: i64,
    pub draft: Draft,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LedgerError {
    #[error("a transaction needs at least two postings")]
    TooFewPostings,
    #[error("a transaction has at most {POSTINGS_MAX} postings")]
    TooManyPostings,
    #[error("unknown account {0:?}")]
    UnknownAccount(String),
    #[error("unknown currency {0:?}: use an ISO 4217 code such as EUR")]
    UnknownCurrency(String),
    #[error("posting {index} to {account} has amount 0")]
    ZeroAmount { index: usize, account: String },
    #[error("posting {index} is too large (at most {MAX_AMOUNT} minor units)")]
    TooLarge { index: usize },
    #[error("the postings in {currency} do not balance: they sum to {sum}, not 0")]
    Unbalanced { currency: String, sum: i128 },
    #[error("{field} {message}")]
    Field {
        field: &'static str,
        message: String,
    },
}

/// Checks a draft: two or more postings to accounts of the chart, non-zero whole amounts in
/// known currencies, balanced per currency; a memo; lengths within limits.
pub fn validate(chart: &Chart, draft: &Draft) -> Result<(), LedgerError> {
    let field = |field: &'static str, message: &str| LedgerError::Field {
        field,
        message: message.to_string(),
    };
    if draft.memo.trim().is_empty() {
        return Err(field("memo", "can't be blank"));
    }
    if draft.memo.chars().count() > MEMO_MAX {
        return Err(field(
            "memo",
            &format!("is too long (maximum is {MEMO_MAX})"),
        ));
    }
    if draft.counterparty.chars().count() > COUNTERPARTY_MAX {
        return Err(field(
            "counterparty",
            &format!("is too long (maximum is {COUNTERPARTY_MAX})"),
        ));
    }
    if draft.category.chars().count() > CATEGORY_MAX {
        return Err(field(
            "category",
            &format!("is too long (maximum is {CATEGORY_MAX})"),
        ));
    }
    if draft.postings.len() < 2 {
        return Err(LedgerError::TooFewPostings);
    }
    if draft.postings.len() > POSTINGS_MAX {
        return Err(LedgerError::TooManyPostings);
    }
    for (index, p) in draft.postings.iter().enumerate() {
        if !chart.contains(&p.account) {
            return Err(LedgerError::UnknownAccount(p.account.clone()));
        }
        if currency_exponent(&p.currency).is_none() {
            return Err(LedgerError::UnknownCurrency(p.currency.clone()));
        }
        if p.amount == 0 {
            return Err(LedgerError::ZeroAmount {
                index,
                account: p.account.clone(),
            });
        }
        if p.amount.unsigned_abs() > MAX_AMOUNT as u64 {
            return Err(LedgerError::TooLarge { index });
        }
    }
    check_balanced(&draft.postings)
}

/// Per currency, the postings sum to zero.
pub fn check_balanced(postings: &[Posting]) -> Result<(), LedgerError> {
    let mut sums: BTreeMap<&str, i128> = BTreeMap::new();
    for p in postings {
        *sums.entry(&p.currency).or_default() += i128::from(p.amount);
    }
    match sums.into_iter().find(|(_, s)| *s != 0) {
        Some((currency, sum)) => Err(LedgerError::Unbalanced {
            currency: currency.to_string(),
            sum,
        }),
        None => Ok(()),
    }
}

/// The transaction that undoes `original`: the same postings with opposite signs.
pub fn reversal(original: &Entry, date: i64, memo: Option<&str>) -> Draft {
    Draft {
        date,
        memo: memo
            .filter(|m| !m.trim().is_empty())
            .map(str::to_string)
            .unwrap_or_else(|| format!("Reversal of {}: {}", original.id, original.draft.memo)),
        counterparty: original.draft.counterparty.clone(),
        category: original.draft.category.clone(),
        kind: "reversal".into(),
        source: None,
        reverses: Some(original.id),
        member: original.draft.member,
        created_by: None,
        postings: original
            .draft
            .postings
            .iter()
            .map(|p| Posting {
                account: p.account.clone(),
                amount: -p.amount,
                currency: p.currency.clone(),
            })
            .collect(),
    }
}

fn field(buf: &mut Vec<u8>, s: &str) {
    buf.extend_from_slice(s.len().to_string().as_bytes());
    buf.push(b':');
    buf.extend_from_slice(s.as_bytes());
    buf.push(b'\n');
}

fn opt_field(buf: &mut Vec<u8>, s: Option<String>) {
    match s {
        Some(s) => field(buf, &format!("+{s}")),
        None => field(buf, "-"),
    }
}

/// The bytes a transaction's hash covers: every field, each length-prefixed so no two
/// different transactions share a form, and the previous hash.
pub fn canonical(seq: i64, id: i64, draft: &Draft, prev_hash: &str) -> Vec<u8> {
    let mut buf = Vec::with_capacity(256);
    field(&mut buf, "herd-ledger/1");
    field(&mut buf, &seq.to_string());
    field(&mut buf, &id.to_string());
    field(&mut buf, &draft.date.to_string());
    field(&mut buf, &draft.memo);
    field(&mut buf, &draft.counterparty);
    field(&mut buf, &draft.category);
    field(&mut buf, &draft.kind);
    opt_field(&mut buf, draft.source.clone());
    opt_field(&mut buf, draft.reverses.map(|r| r.to_string()));
    opt_field(&mut buf, draft.member.map(|r| r.to_string()));
    opt_field(&mut buf, draft.created_by.map(|r| r.to_string()));
    field(&mut buf, &draft.postings.len().to_string());
    for p in &draft.postings {
        field(&mut buf, &p.account);
        field(&mut buf, &p.amount.to_string());
        field(&mut buf, &p.currency);
    }
    field(&mut buf, prev_hash);
    buf
}

/// Lowercase hex SHA-256 of the canonical form.
pub fn hash(seq: i64, id: i64, draft: &Draft, prev_hash: &str) -> String {
    let digest = Sha256::digest(canonical(seq, id, draft, prev_hash));
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

/// Seals a draft as the transaction after the chain head `(seq, hash)` (`(0, GENESIS_HASH)`
/// for the first).
pub fn seal(draft: Draft, id: i64, head: (i64, &str)) -> Entry {
    let seq = head.0 + 1;
    let hash = hash(seq, id, &draft, head.1);
    Entry {
        seq,
        id,
        draft,
        prev_hash: head.1.to_string(),
        hash,
    }
}

/// Where the chain breaks, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("the ledger's hash chain breaks at transaction {id} (#{seq}): {reason}")]
pub struct BrokenLink {
    pub seq: i64,
    pub id: i64,
    pub reason: String,
}

/// Checks a chain one transaction at a time (so a caller can stream millions of rows).
#[derive(Debug, Clone)]
pub struct Verifier {
    seq: i64,
    hash: String,
}

impl Default for Verifier {
    fn default() -> Self {
        Verifier {
            seq: 0,
            hash: GENESIS_HASH.to_string(),
        }
    }
}

impl Verifier {
    /// How many transactions checked so far.
    pub fn count(&self) -> i64 {
        self.seq
    }

    /// The head's hash so far.
    pub fn head(&self) -> &str {
        &self.hash
    }

    /// Checks the next transaction: its place, its link to the previous one, its own hash,
    /// and that it balances.
    pub fn push(&mut self, e: &Entry) -> Result<(), BrokenLink> {
        let broken = |reason: String| BrokenLink {
            seq: e.seq,
            id: e.id,
            reason,
        };
        if e.seq != self.seq + 1 {
            return Err(BrokenLink {
                seq: self.seq + 1,
                id: e.id,
                reason: format!(
                    "expected transaction #{} next, found #{} (a transaction is missing or out of order)",
                    self.seq + 1,
                    e.seq
                ),
            });
        }
        if e.prev_hash != self.hash {
            return Err(broken(format!(
                "prev_hash {} does not match the previous transaction's hash {}",
                e.prev_hash, self.hash
            )));
        }
        let recomputed = hash(e.seq, e.id, &e.draft, &e.prev_hash);
        if recomputed != e.hash {
            return Err(broken(format!(
                "its content does not match its hash (stored {}, computed {recomputed}): it was edited after posting",
                e.hash
            )));
        }
        if let Err(err) = check_balanced(&e.draft.postings) {
            return Err(broken(err.to_string()));
        }
        self.seq = e.seq;
        self.hash = e.hash.clone();
        Ok(())
    }
}

/// Verifies a whole chain; returns how many transactions it holds, or the first broken link.
pub fn verify<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Result<i64, BrokenLink> {
    let mut v = Verifier::default();
    for e in entries {
        v.push(e)?;
    }
    Ok(v.count())
}

/// Signed totals: account code → currency → sum of postings (zeros kept out).
pub type Sums = BTreeMap<String, BTreeMap<String, i64>>;

/// Adds postings to running sums.
pub fn add_postings<'a>(sums: &mut Sums, postings: impl IntoIterator<Item = &'a Posting>) {
    for p in postings {
        let by_cur = sums.entry(p.account.clone()).or_default();
        let v = by_cur.entry(p.currency.clone()).or_default();
        *v += p.amount;
        if *v == 0 {
            by_cur.remove(&p.currency);
            if by_cur.is_empty() {
                sums.remove(&p.account);
            }
        }
    }
}

/// Totals of every posting of these transactions.
pub fn balances<'a>(entries: impl IntoIterator<Item = &'a Entry>) -> Sums {
    let mut sums = Sums::new();
    for e in entries {
        add_postings(&mut sums, &e.draft.postings);
    }
    sums
}

/// One account in a report, amounts in the type's natural sign (income and liabilities
/// positive when credited).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Line {
    pub code: String,
    pub name: String,
    #[serde(rename = "type")]
    pub kind: AccountType,
    pub amounts: BTreeMap<String, i64>,
}

/// Per currency totals.
pub type Totals = BTreeMap<String, i64>;

fn lines(chart: &Chart, sums: &Sums, kind: AccountType) -> (Vec<Line>, Totals) {
    let mut out = Vec::new();
    let mut totals = Totals::new();
    for (code, by_cur) in sums {
        let account = chart.describe(code);
        if account.kind != kind {
            continue;
        }
        let amounts: BTreeMap<String, i64> = by_cur
            .iter()
            .map(|(c, v)| (c.clone(), kind.natural(*v)))
            .collect();
        for (c, v) in &amounts {
            *totals.entry(c.clone()).or_default() += v;
        }
        out.push(Line {
            code: code.clone(),
            name: account.name,
            kind,
            amounts,
        });
    }
    (out, totals)
}

fn minus(a: &Totals, b: &Totals) -> Totals {
    let mut out = a.clone();
    for (c, v) in b {
        *out.entry(c.clone()).or_default() -= v;
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct IncomeStatement {
    pub income: Vec<Line>,
    pub expenses: Vec<Line>,
    pub total_income: Totals,
    pub total_expenses: Totals,
    /// Income minus expenses.
    pub net: Totals,
}

/// Income and expenses over a period, from the sums of that period's postings.
pub fn income_statement(chart: &Chart, period: &Sums) -> IncomeStatement {
    let (income, total_income) = lines(chart, period, AccountType::Income);
    let (expenses, total_expenses) = lines(chart, period, AccountType::Expense);
    let net = minus(&total_income, &total_expenses);
    IncomeStatement {
        income,
        expenses,
        total_income,
        total_expenses,
        net,
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BalanceSheet {
    pub assets: Vec<Line>,
    pub liabilities: Vec<Line>,
    pub equity: Vec<Line>,
    pub total_assets: Totals,
    pub total_liabilities: Totals,
    pub total_equity: Totals,
    /// Income minus expenses of all time up to the date (not yet closed into equity).
    pub retained_earnings: Totals,
    /// Assets = liabilities + equity + retained earnings, in every currency.
    pub balanced: bool,
}

/// Positions at a date, from the sums of every posting up to it.
pub fn balance_sheet(chart: &Chart, to_date: &Sums) -> BalanceSheet {
    let (assets, total_assets) = lines(chart, to_date, AccountType::Asset);
    let (liabilities, total_liabilities) = lines(chart, to_date, AccountType::Liability);
    let (equity, total_equity) = lines(chart, to_date, AccountType::Equity);
    let is = income_statement(chart, to_date);
    let retained_earnings = is.net;
    let mut check = total_assets.clone();
    for t in [&total_liabilities, &total_equity, &retained_earnings] {
        for (c, v) in t {
            *check.entry(c.clone()).or_default() -= v;
        }
    }
    BalanceSheet {
        assets,
        liabilities,
        equity,
        total_assets,
        total_liabilities,
        total_equity,
        retained_earnings,
        balanced: check.values().all(|v| *v == 0),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct BudgetLine {
    pub code: String,
    pub name: String,
    pub currency: String,
    pub budget: i64,
    /// Natural sign: money spent on an expense, money received on income.
    pub actual: i64,
    /// Budget minus actual.
    pub remaining: i64,
}

/// `amount` for `part` of a span `whole` long, rounded to the nearest minor unit (exact when
/// `part == whole`).
pub fn prorate_part(amount: i64, part: i64, whole: i64) -> i64 {
    if whole <= 0 || part >= whole {
        return amount;
    }
    let v = i128::from(amount) * i128::from(part.max(0));
    let w = i128::from(whole);
    i64::try_from((v + w / 2) / w).unwrap_or(i64::MAX)
}

/// Budget against actual for budgets already resolved to the period: `(account code,
/// currency) → budget in minor units`. Actual is the period's postings on that account in that
/// currency, in the account's natural sign.
pub fn budget_lines(
    chart: &Chart,
    budgets: &BTreeMap<(String, String), i64>,
    period: &Sums,
) -> Vec<BudgetLine> {
    budgets
        .iter()
        .map(|((code, currency), budget)| {
            let account = chart.describe(code);
            let signed = period
                .get(code)
                .and_then(|c| c.get(currency))
                .copied()
                .unwrap_or(0);
            let actual = account.kind.natural(signed);
            BudgetLine {
                code: code.clone(),
                name: account.name,
                currency: currency.clone(),
                budget: *budget,
                actual,
                remaining: budget - actual,
            }
        })
        .collect()
}

#[cfg(test)]
mod tests;
