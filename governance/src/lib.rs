//! Herd's governance rules, as pure functions on plain data (no I/O: no database, network or
//! clock). The server decides nothing itself: it loads the co-op's documents, asks this crate what
//! they say, and persists the answer.
//!
//! Module map:
//! - [`bylaws`]: parse the co-op's founding documents (Markdown with YAML front matter) into
//!   policy documents with numbered clauses, the sanctions each clause permits, the decision rule
//!   of every proposal kind, the membership and finance rules; clause citations
//!   (`code-of-conduct@2#4.1`).
//! - [`ballot`]: the ballot a member casts for each method, checked against the rule and the
//!   proposal's options ([`ballot::validate`]).
//! - [`tally`]: counting checked ballots under a decision rule into an [`Outcome`] (quorum,
//!   consent with blocks, majorities, approval / score / dot, instant runoff and STV).
//! - [`lifecycle`]: proposal states and their transitions; minimum time open.
//! - [`moderation`]: the moderation gate (role, own account, citation of a clause in force that
//!   permits the sanction) and the appeal rules.
//! - [`ledger`]: the double-entry ledger: chart of accounts, balanced transactions, reversals,
//!   the hash chain and its verification, balances and period reports.
//! - [`officers`]: conflicts of interest (nobody records, approves or pays for themselves; a
//!   proposal's parties do not vote on it) and the treasurers' limit over the bylaws' window.
//! - [`dues`]: how dues payments extend `paid_until`, and what a reversal takes back.
//! - [`receipt`]: receipts that let a member check their (secret) ballot was counted.
//! - [`candidacy`]: standing for election and withdrawing, and until when.
//! - [`terms`]: terms of roles: their length, the notice before they end, holding over.

pub mod ballot;
pub mod bylaws;
pub mod candidacy;
pub mod dues;
pub mod ledger;
pub mod lifecycle;
pub mod moderation;
pub mod officers;
pub mod receipt;
pub mod tally;
pub mod terms;

pub use ballot::{
    validate, validate_options, Ballot, BallotError, ConsentChoice, ValidBallot, YesNoChoice,
};
pub use bylaws::{
    parse_document, parse_named_document, Admission, BylawsError, Citation, Clause, DecisionRule,
    DecisionRules, DuesPeriod, DuesScale, FinanceRules, FoundingDocuments, GovernanceRules,
    LedgerVisibility, MembershipRules, Method, PolicyDocument, ProposalKind, ProposalVisibility,
    RoleRules, Sanction, TieRule,
};
pub use lifecycle::{earliest_close, transition, validate_closes_at, Event, LifecycleError, State};
pub use receipt::receipt;
pub use tally::{tally, Decision, Outcome, RankedTally, Round, Tally};
