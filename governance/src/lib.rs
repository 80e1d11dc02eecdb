//! Herd's governance rules, as pure functions on plain data (no I/O: no database, network or
//! clock). The server decides nothing itself: it loads the co-op's documents, asks this crate what
//! they say, and persists the answer.
//!
//! Module map:
//! - [`bylaws`]: parse the co-op's founding documents (Markdown with YAML front matter) into
//!   policy documents with numbered clauses, the sanctions each clause permits, the decision rule
//!   of every proposal kind, the membership and finance rules; clause citations
//!   (`code-of-conduct@2#4.1`).

pub mod bylaws;

pub use bylaws::{
    parse_document, parse_named_document, Admission, BylawsError, Citation, Clause, DecisionRule,
    DecisionRules, DuesPeriod, DuesScale, FinanceRules, FoundingDocuments, LedgerVisibility,
    MembershipRules, Method, PolicyDocument, ProposalKind, Sanction, TieRule,
};
