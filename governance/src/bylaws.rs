//! The co-op's founding documents: Markdown with YAML front matter, parsed into rules.
//!
//! A document starts with a `---` line, YAML front matter, another `---` line, then Markdown:
//!
//! ```text
//! ---
//! slug: code-of-conduct
//! title: Code of conduct
//! version: 1
//! sanctions: {"2.1": [warn, delete_status, silence, suspend]}
//! ---
//! # Code of conduct
//! ## 2. No harassment or targeted abuse
//! ### 2.1 Pile-ons
//! …
//! ```
//!
//! Clauses are the Markdown headings whose text begins with a clause number (`## 2. Title`,
//! `### 2.1 Title`); a clause's text is the Markdown between its heading and the next heading.
//! Sanctions are listed per clause and apply to that clause only (not to its sub-clauses).
//!
//! Front matter keys (unknown keys are an error, so a typo in an amendment is caught):
//! `slug`, `title`, `version`, `summary`, `sanctions`; in the `bylaws` document only `decisions`,
//! `membership` and `finance` (all three required there), `governance` (optional:
//! `proposal_visibility`, `members`, the default, or `public`) and `roles` (optional: the
//! terms of elected roles, [`RoleRules`]); in the `moderation-policy` only
//! `appeal_window_days` and `log_visibility` (`members`, the default, or `public`).
//!
//! An amendment is written on the text in force: [`number_amendment`] accepts a text that
//! names the version in force, the next one or none, and numbers it as the next version.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::str::FromStr;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};
use serde::{Deserialize, Serialize};
use serde_yaml_ng::{Mapping, Value};

mod locate;

/// Slug of the document that holds the decision, membership and finance rules.
pub const BYLAWS_SLUG: &str = "bylaws";
/// Slug of the code of conduct; its top-level clauses are the instance's rules.
pub const CODE_OF_CONDUCT_SLUG: &str = "code-of-conduct";
/// Slug of the moderation policy; it sets `appeal_window_days`.
pub const MODERATION_POLICY_SLUG: &str = "moderation-policy";
/// Slug of the federation policy (domain blocks and silences).
pub const FEDERATION_POLICY_SLUG: &str = "federation-policy";

/// The default co-op's founding documents (`bylaws/*.md` at the repository root), embedded at
/// compile time as `(file name, text)` pairs, ready for [`FoundingDocuments::load`].
pub const DEFAULT_DOCUMENTS: &[(&str, &str)] = &[
    ("bylaws.md", include_str!("../../bylaws/bylaws.md")),
    (
        "code-of-conduct.md",
        include_str!("../../bylaws/code-of-conduct.md"),
    ),
    (
        "moderation-policy.md",
        include_str!("../../bylaws/moderation-policy.md"),
    ),
    (
        "federation-policy.md",
        include_str!("../../bylaws/federation-policy.md"),
    ),
];

/// Everything that can be wrong with a document or a set of documents. Each message about a
/// document names it (its file name, or its slug when no file name was given), the 1-based line
/// in that file, and the failing key or clause: `bylaws.md:7: key decisions.general.agree_share:
/// must be between 0 and 1 (got 1.5)`. A key that is missing is reported at the line of the key
/// that should hold it (line 1, the opening `---`, for a top-level key).
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BylawsError {
    #[error("{doc}:1: no front matter (the first line must be `---`)")]
    MissingFrontMatter { doc: String },
    #[error("{doc}:1: the front matter opened here is not closed by a `---` line")]
    UnclosedFrontMatter { doc: String },
    #[error("{doc}:{line}: the front matter is not valid YAML: {message}")]
    Yaml {
        doc: String,
        line: usize,
        message: String,
    },
    #[error("{doc}:{line}: the front matter must be a mapping of keys to values (got {got})")]
    NotAMapping {
        doc: String,
        line: usize,
        got: String,
    },
    #[error("{doc}:{line}: key {key}: unknown key (expected one of: {expected})")]
    UnknownKey {
        doc: String,
        line: usize,
        key: String,
        expected: String,
    },
    #[error("{doc}:{line}: key {key}: required but missing")]
    MissingKey {
        doc: String,
        line: usize,
        key: String,
    },
    /// A key is present but its value is wrong; `message` says what was expected and what was found.
    #[error("{doc}:{line}: key {key}: {message}")]
    InvalidValue {
        doc: String,
        line: usize,
        key: String,
        message: String,
    },
    #[error("{doc}:{line}: key sanctions.\"{clause}\": unknown sanction `{name}` (expected one of: {expected})")]
    UnknownSanction {
        doc: String,
        line: usize,
        clause: String,
        name: String,
        expected: String,
    },
    #[error("{doc}:{line}: key sanctions.\"{clause}\": clause {clause} is not in the document")]
    SanctionsForMissingClause {
        doc: String,
        line: usize,
        clause: String,
    },
    #[error("{doc}:{line}: clause {clause} appears more than once")]
    DuplicateClause {
        doc: String,
        line: usize,
        clause: String,
    },
    #[error("{doc}:{line}: clause {clause} {message}")]
    InvalidClause {
        doc: String,
        line: usize,
        clause: String,
        message: String,
    },
    #[error("{doc}:{line}: key decisions: no rule for proposal kind `{kind}`")]
    MissingDecisionRule {
        doc: String,
        line: usize,
        kind: ProposalKind,
    },
    #[error("{doc}:{line}: the code of conduct has no numbered clauses (its top-level clauses are the rules)")]
    NoRules { doc: String, line: usize },
    #[error("{second}:{line}: key slug: `{slug}` is already used by {first}")]
    DuplicateSlug {
        slug: String,
        first: String,
        second: String,
        line: usize,
    },
    #[error("founding documents: no `{slug}` document")]
    MissingDocument { slug: String },
    #[error("{doc}: version {version} does not follow the version in force ({current})")]
    StaleVersion {
        doc: String,
        version: u32,
        current: u32,
    },
    #[error("{doc}: the text names version {named}, but version {in_force} is in force: write the amendment on version {in_force} (or name no version) and it becomes version {next}", next = in_force + 1)]
    AmendmentVersion {
        doc: String,
        named: u32,
        in_force: u32,
    },
    #[error("invalid citation `{input}`: {reason} (expected e.g. code-of-conduct@2#4.1)")]
    InvalidCitation { input: String, reason: String },
    #[error("unknown {what} `{name}` (expected one of: {expected})")]
    UnknownName {
        what: &'static str,
        name: String,
        expected: String,
    },
}

macro_rules! named_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident ($what:literal) {
            $($(#[$vmeta:meta])* $variant:ident = $text:literal,)+
        }
    ) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The name used in front matter and JSON.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text,)+
                }
            }

            fn expected() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = BylawsError;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                match s {
                    $($text => Ok($name::$variant),)+
                    _ => Err(BylawsError::UnknownName {
                        what: $what,
                        name: s.to_string(),
                        expected: Self::expected(),
                    }),
                }
            }
        }
    };
}

named_enum! {
    /// A moderation sanction a clause can permit (Mastodon's account actions and domain blocks).
    pub enum Sanction ("sanction") {
        Warn = "warn",
        Sensitive = "sensitive",
        DeleteStatus = "delete_status",
        Silence = "silence",
        Suspend = "suspend",
        DomainBlock = "domain_block",
        DomainSilence = "domain_silence",
        RejectMedia = "reject_media",
        Disable = "disable",
        /// Admitting a sign-up that waits for approval.
        ApproveSignup = "approve_signup",
        /// Refusing a sign-up that waits for approval.
        RejectSignup = "reject_signup",
    }
}

impl Sanction {
    /// Whether the sanction applies to a whole remote domain rather than one account or status.
    pub fn is_domain_action(self) -> bool {
        matches!(
            self,
            Sanction::DomainBlock | Sanction::DomainSilence | Sanction::RejectMedia
        )
    }
}

named_enum! {
    /// The kinds of proposal; each has its own decision rule in the bylaws.
    pub enum ProposalKind ("proposal kind") {
        General = "general",
        PolicyAmendment = "policy_amendment",
        BylawsAmendment = "bylaws_amendment",
        RoleElection = "role_election",
        Expense = "expense",
        Membership = "membership",
    }
}

named_enum! {
    /// How votes on a proposal are cast and counted.
    pub enum Method ("decision method") {
        /// agree / abstain / disagree / block.
        Consent = "consent",
        /// yes / no; passes with more than `agree_share` (or more yes than no when unset).
        Majority = "majority",
        /// yes / no; passes with at least `agree_share` (> 0.5).
        Supermajority = "supermajority",
        Approval = "approval",
        Score = "score",
        Dot = "dot",
        RankedChoice = "ranked_choice",
    }
}

named_enum! {
    /// What a tie means.
    #[derive(Default)]
    pub enum TieRule ("tie rule") {
        /// The status quo wins: the proposal fails (the default).
        #[default]
        StatusQuo = "status_quo",
        /// The proposal passes.
        Passes = "passes",
    }
}

named_enum! {
    /// How an applicant becomes a member.
    pub enum Admission ("admission rule") {
        /// An admin admits applicants who meet the conditions.
        Admin = "admin",
        /// Each admission is a `membership` proposal.
        Proposal = "proposal",
    }
}

named_enum! {
    /// How often dues are paid.
    pub enum DuesPeriod ("dues period") {
        Month = "month",
        Year = "year",
    }
}

named_enum! {
    /// Who may read the ledger's amounts and descriptions (receipts stay private regardless).
    #[derive(Default)]
    pub enum LedgerVisibility ("ledger visibility") {
        #[default]
        Members = "members",
        Public = "public",
    }
}

named_enum! {
    /// Who sees the co-op's proposal posts (the statuses of `@coop`): the active members, on
    /// this server only, or anyone (public posts that federate).
    #[derive(Default)]
    pub enum ProposalVisibility ("proposal visibility") {
        #[default]
        Members = "members",
        Public = "public",
    }
}

named_enum! {
    /// Who may read the moderation log: members (and moderators), or anyone.
    #[derive(Default)]
    pub enum LogVisibility ("log visibility") {
        #[default]
        Members = "members",
        Public = "public",
    }
}

/// One parsed document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PolicyDocument {
    /// Front matter `slug`, `[a-z0-9-]+`.
    pub slug: String,
    pub title: String,
    /// At least 1.
    pub version: u32,
    /// One line.
    pub summary: Option<String>,
    /// The Markdown after the front matter.
    pub body: String,
    /// The full text as given.
    pub source: String,
    /// In document order.
    pub clauses: Vec<Clause>,
    /// Only in the bylaws, and there covering every [`ProposalKind`].
    pub decisions: Option<DecisionRules>,
    /// Only in the bylaws (required there).
    pub membership: Option<MembershipRules>,
    /// Only in the bylaws (required there).
    pub finance: Option<FinanceRules>,
    /// Only in the bylaws, optional there: absent, every rule has its default (see
    /// [`PolicyDocument::governance_rules`]).
    pub governance: Option<GovernanceRules>,
    /// Only in the moderation policy.
    pub appeal_window_days: Option<f64>,
    /// Only in the moderation policy: who may read the moderation log (absent: members).
    pub log_visibility: Option<LogVisibility>,
    /// Only in the bylaws (optional): the terms of roles; absent, [`RoleRules::default`].
    pub roles: Option<RoleRules>,
}

impl PolicyDocument {
    /// The bylaws' `governance` rules, with the defaults for what the document leaves out.
    pub fn governance_rules(&self) -> GovernanceRules {
        self.governance.clone().unwrap_or_default()
    }

    /// The clause with this id (`"4.1"`).
    pub fn clause(&self, id: &str) -> Option<&Clause> {
        self.clauses.iter().find(|c| c.id == id)
    }

    /// Top-level clauses (`1`, `2`, …) in order: for the code of conduct, the instance's rules.
    pub fn top_level_clauses(&self) -> impl Iterator<Item = &Clause> {
        self.clauses.iter().filter(|c| c.is_top_level())
    }

    /// The sub-clauses directly under `id`.
    pub fn children<'a>(&'a self, id: &'a str) -> impl Iterator<Item = &'a Clause> + 'a {
        self.clauses
            .iter()
            .filter(move |c| c.parent_id() == Some(id))
    }

    /// A citation of one of this version's clauses, or `None` if there is no such clause.
    pub fn cite(&self, clause_id: &str) -> Option<Citation> {
        self.clause(clause_id)
            .map(|c| Citation::new(&self.slug, self.version, &c.id))
    }
}

/// A numbered clause of a document.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Clause {
    /// `"4"`, `"4.1"`, … (no trailing dot).
    pub id: String,
    /// The heading after the number, as plain text.
    pub title: String,
    /// Markdown source between this clause's heading and the next heading (sub-clauses excluded).
    pub text: String,
    /// The sanctions this clause permits, as listed in the front matter.
    pub sanctions: Vec<Sanction>,
}

impl Clause {
    /// 1 for `"4"`, 2 for `"4.1"`, …
    pub fn depth(&self) -> usize {
        self.id.split('.').count()
    }

    pub fn is_top_level(&self) -> bool {
        !self.id.contains('.')
    }

    /// `"4"` for `"4.1"`; `None` for a top-level clause.
    pub fn parent_id(&self) -> Option<&str> {
        self.id.rsplit_once('.').map(|(parent, _)| parent)
    }

    pub fn permits(&self, sanction: Sanction) -> bool {
        self.sanctions.contains(&sanction)
    }
}

/// The decision rule of every proposal kind (bylaws front matter `decisions`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRules(pub BTreeMap<ProposalKind, DecisionRule>);

impl DecisionRules {
    pub fn get(&self, kind: ProposalKind) -> Option<&DecisionRule> {
        self.0.get(&kind)
    }

    pub fn iter(&self) -> impl Iterator<Item = (ProposalKind, &DecisionRule)> {
        self.0.iter().map(|(k, v)| (*k, v))
    }
}

/// How one kind of proposal is decided. Shares are fractions in `[0, 1]` of the members who voted
/// (`quorum_share`: of the members eligible to vote). `Option` fields left out of the front
/// matter are `None` and are left out of the JSON too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DecisionRule {
    pub method: Method,
    /// Minimum days open; fractional allowed, 0 allowed; 0 when not given.
    #[serde(default)]
    pub min_days: f64,
    /// Minimum days open when marked urgent; at most `min_days`. `None`: urgency does not shorten it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub urgent_min_days: Option<f64>,
    /// Share of agree (yes) votes needed. Required for consent and supermajority; `None` for
    /// majority means more yes than no; for approval it is the share of voters an option needs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agree_share: Option<f64>,
    /// Consent only: with at least this share agreeing, blocks do not defeat the proposal.
    /// `None`: any block defeats it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block_override_share: Option<f64>,
    /// Share of eligible voters who must vote; 0 when not given.
    #[serde(default)]
    pub quorum_share: f64,
    #[serde(default)]
    pub tie: TieRule,
    /// Dot voting only (required there): dots each voter may place.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dots: Option<u32>,
    /// Score voting only (required there): the highest score (scores run from 0).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_score: Option<u32>,
    /// Approval, score, dot and ranked choice: the most options that can win.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seats: Option<u32>,
}

/// Bylaws front matter `membership`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MembershipRules {
    pub admission: Admission,
    /// The one-off membership share, in minor units of `currency` (0 allowed).
    pub share_price_minor: i64,
    /// ISO 4217 code, e.g. `EUR`.
    pub currency: String,
    /// Membership lapses after this many days with dues unpaid; `None`: never for dues.
    pub lapse_after_days_unpaid: Option<u32>,
    /// Dues on a sliding scale; `None`: no dues.
    pub dues: Option<DuesScale>,
}

/// A sliding scale of dues, in minor units of the membership currency per `period`: each member
/// chooses an amount between `min_minor` and `max_minor` (if set); `suggested_minor` is shown first.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct DuesScale {
    pub period: DuesPeriod,
    pub min_minor: i64,
    pub suggested_minor: Option<i64>,
    pub max_minor: Option<i64>,
}

/// `finance.expense_threshold_window_days` when the bylaws leave it out.
pub const DEFAULT_EXPENSE_THRESHOLD_WINDOW_DAYS: u32 = 30;
/// The longest window the bylaws may set (a year).
pub const MAX_EXPENSE_THRESHOLD_WINDOW_DAYS: u32 = 366;

/// Bylaws front matter `finance`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FinanceRules {
    /// A treasurer may approve an expense up to and including this amount; above it only an
    /// enacted `expense` proposal does.
    pub expense_approval_threshold_minor: i64,
    /// ISO 4217 code of the threshold, e.g. `EUR`.
    pub currency: String,
    /// `expense_threshold_window_days` (default 30, 1 to 366): the threshold applies to what
    /// one submitter claims in one category over this many days, so splitting a purchase into
    /// several claims does not dodge the members' vote (see [`crate::officers`]).
    pub expense_threshold_window_days: u32,
    /// Who may read amounts and descriptions; default `members`.
    pub ledger_visibility: LedgerVisibility,
    /// `accounts`: ledger accounts added to (or renamed in) the default chart, code → name
    /// (`expenses:travel: Travel`). Codes start with assets, liabilities, equity, income or
    /// expenses; see [`crate::ledger::Chart`].
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub accounts: BTreeMap<String, String>,
    /// `monthly_budgets`: account code → budget per month in minor units of `currency`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub monthly_budgets: BTreeMap<String, i64>,
}

/// Bylaws front matter `governance` (optional, as is each key).
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct GovernanceRules {
    /// `proposal_visibility`: who sees the proposal posts; default `members` (followers-only
    /// posts of a locked `@coop` whose followers are the active members, never federated).
    pub proposal_visibility: ProposalVisibility,
}

/// Bylaws front matter `roles`: how long a role is held (bylaws 3.2). Every key is optional.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct RoleRules {
    /// An elected term, in days, unless the election says otherwise (`term_days` of its payload).
    pub term_days: u32,
    /// The term of a role granted by the bootstrap when the co-op is founded, in days.
    pub founding_term_days: u32,
    /// The holder and the members are mailed this many days before a term ends (0: no notice).
    pub notice_days: u32,
}

impl Default for RoleRules {
    /// One year, three months for the founding roles, a month's notice (bylaws 3.2).
    fn default() -> Self {
        RoleRules {
            term_days: 365,
            founding_term_days: 90,
            notice_days: 30,
        }
    }
}

/// The longest term an election may give (`term_days` of a `role_election` payload, and the
/// bylaws' `roles.term_days`): five years.
pub const MAX_TERM_DAYS: u32 = 1830;

/// A reference to one clause of one version of a policy: `code-of-conduct@2#4.1`.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Citation {
    pub slug: String,
    pub version: u32,
    pub clause: String,
}

impl Citation {
    pub fn new(slug: impl Into<String>, version: u32, clause: impl Into<String>) -> Self {
        Citation {
            slug: slug.into(),
            version,
            clause: clause.into(),
        }
    }
}

impl fmt::Display for Citation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}@{}#{}", self.slug, self.version, self.clause)
    }
}

impl FromStr for Citation {
    type Err = BylawsError;

    fn from_str(input: &str) -> Result<Self, Self::Err> {
        let fail = |reason: String| BylawsError::InvalidCitation {
            input: input.to_string(),
            reason,
        };
        let (slug, rest) = input
            .split_once('@')
            .ok_or_else(|| fail("missing `@` between the policy and its version".into()))?;
        if !is_slug(slug) {
            return Err(fail(format!(
                "the policy `{slug}` must be lowercase letters, digits and hyphens"
            )));
        }
        let (version, clause) = rest
            .split_once('#')
            .ok_or_else(|| fail("missing `#` between the version and the clause".into()))?;
        let version = match version.parse::<u32>() {
            Ok(v) if v >= 1 && version.bytes().all(|b| b.is_ascii_digit()) => v,
            _ => {
                return Err(fail(format!(
                    "the version `{version}` must be a whole number of at least 1"
                )))
            }
        };
        if clause.is_empty() {
            return Err(fail("the clause is empty".into()));
        }
        if !is_clause_id(clause) {
            return Err(fail(format!(
                "the clause `{clause}` must be a clause number like 4.1"
            )));
        }
        Ok(Citation::new(slug, version, clause))
    }
}

/// The co-op's documents in force, by slug. Construction guarantees a `bylaws` document with
/// complete decision, membership and finance rules, and a `code-of-conduct` with at least one clause.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(transparent)]
pub struct FoundingDocuments {
    documents: BTreeMap<String, PolicyDocument>,
}

impl FoundingDocuments {
    /// Parse and check a set of `(file name, text)` documents.
    pub fn load<N, T>(docs: impl IntoIterator<Item = (N, T)>) -> Result<Self, BylawsError>
    where
        N: AsRef<str>,
        T: AsRef<str>,
    {
        let mut documents = BTreeMap::new();
        let mut files: BTreeMap<String, String> = BTreeMap::new();
        for (name, text) in docs {
            let name = name.as_ref();
            let doc = parse_named_document(name, text.as_ref())?;
            if let Some(first) = files.insert(doc.slug.clone(), name.to_string()) {
                return Err(BylawsError::DuplicateSlug {
                    line: source_key_line(&doc.source, "slug"),
                    slug: doc.slug,
                    first,
                    second: name.to_string(),
                });
            }
            documents.insert(doc.slug.clone(), doc);
        }
        Self::check(documents, &files)
    }

    /// The default co-op's documents ([`DEFAULT_DOCUMENTS`]).
    pub fn default_documents() -> Result<Self, BylawsError> {
        Self::load(DEFAULT_DOCUMENTS.iter().copied())
    }

    /// `files` names each document's file by slug, for errors (the slug names it otherwise).
    fn check(
        documents: BTreeMap<String, PolicyDocument>,
        files: &BTreeMap<String, String>,
    ) -> Result<Self, BylawsError> {
        let name = |slug: &str| files.get(slug).map_or(slug, String::as_str).to_string();
        let bylaws = documents
            .get(BYLAWS_SLUG)
            .ok_or_else(|| BylawsError::MissingDocument {
                slug: BYLAWS_SLUG.into(),
            })?;
        // parse_document already requires these in the bylaws; check again so that a document
        // built by hand cannot break the accessors' guarantees.
        for (key, present) in [
            ("decisions", bylaws.decisions.is_some()),
            ("membership", bylaws.membership.is_some()),
            ("finance", bylaws.finance.is_some()),
        ] {
            if !present {
                return Err(BylawsError::MissingKey {
                    doc: name(BYLAWS_SLUG),
                    line: 1,
                    key: key.into(),
                });
            }
        }
        if let Some(decisions) = &bylaws.decisions {
            check_decisions_complete(&name(BYLAWS_SLUG), &bylaws.source, decisions)?;
        }
        let coc =
            documents
                .get(CODE_OF_CONDUCT_SLUG)
                .ok_or_else(|| BylawsError::MissingDocument {
                    slug: CODE_OF_CONDUCT_SLUG.into(),
                })?;
        if coc.top_level_clauses().next().is_none() {
            return Err(BylawsError::NoRules {
                doc: name(CODE_OF_CONDUCT_SLUG),
                line: body_first_line(&coc.source),
            });
        }
        Ok(FoundingDocuments { documents })
    }

    /// The same set with `doc` added, or replacing the document with its slug; a replacement's
    /// version must be greater than the one in force. Use it to enact an amendment.
    pub fn with_document(&self, doc: PolicyDocument) -> Result<Self, BylawsError> {
        if let Some(current) = self.documents.get(&doc.slug) {
            if doc.version <= current.version {
                return Err(BylawsError::StaleVersion {
                    doc: doc.slug,
                    version: doc.version,
                    current: current.version,
                });
            }
        }
        let mut documents = self.documents.clone();
        documents.insert(doc.slug.clone(), doc);
        Self::check(documents, &BTreeMap::new())
    }

    pub fn get(&self, slug: &str) -> Option<&PolicyDocument> {
        self.documents.get(slug)
    }

    /// All documents, by slug.
    pub fn iter(&self) -> impl Iterator<Item = &PolicyDocument> {
        self.documents.values()
    }

    pub fn bylaws(&self) -> &PolicyDocument {
        &self.documents[BYLAWS_SLUG]
    }

    pub fn code_of_conduct(&self) -> &PolicyDocument {
        &self.documents[CODE_OF_CONDUCT_SLUG]
    }

    pub fn decision_rules(&self) -> &DecisionRules {
        self.bylaws()
            .decisions
            .as_ref()
            .expect("checked when the set was built")
    }

    pub fn decision_rule(&self, kind: ProposalKind) -> &DecisionRule {
        self.decision_rules()
            .get(kind)
            .expect("checked when the set was built")
    }

    pub fn membership(&self) -> &MembershipRules {
        self.bylaws()
            .membership
            .as_ref()
            .expect("checked when the set was built")
    }

    pub fn finance(&self) -> &FinanceRules {
        self.bylaws()
            .finance
            .as_ref()
            .expect("checked when the set was built")
    }

    /// The bylaws' `governance` rules (defaults for what they leave out).
    pub fn governance(&self) -> GovernanceRules {
        self.bylaws().governance_rules()
    }

    /// Who may read the moderation log, per the moderation policy (default: members).
    pub fn log_visibility(&self) -> LogVisibility {
        self.get(MODERATION_POLICY_SLUG)
            .and_then(|d| d.log_visibility)
            .unwrap_or_default()
    }

    /// The terms of roles (bylaws `roles`, else the defaults).
    pub fn roles(&self) -> RoleRules {
        self.bylaws().roles.unwrap_or_default()
    }

    /// The moderation policy's appeal window, if there is one.
    pub fn appeal_window_days(&self) -> Option<f64> {
        self.get(MODERATION_POLICY_SLUG)
            .and_then(|d| d.appeal_window_days)
    }

    /// The clause a citation names, if it cites the version in force of a document in this set.
    pub fn resolve(&self, citation: &Citation) -> Option<&Clause> {
        self.get(&citation.slug)
            .filter(|d| d.version == citation.version)
            .and_then(|d| d.clause(&citation.clause))
    }
}

impl<'a> IntoIterator for &'a FoundingDocuments {
    type Item = &'a PolicyDocument;
    type IntoIter = std::collections::btree_map::Values<'a, String, PolicyDocument>;

    fn into_iter(self) -> Self::IntoIter {
        self.documents.values()
    }
}

/// Parse one document. Errors name it by its slug (or "document" before the slug is known).
pub fn parse_document(source: &str) -> Result<PolicyDocument, BylawsError> {
    parse_inner(None, source)
}

/// An amendment of a document whose version `in_force` is in force, as its author wrote it: a
/// text written on the text in force names that version or none (or, numbered by hand, the next
/// one). Returns the document numbered as the next version, its front matter's `version` line
/// rewritten (or added after the opening `---`) so that the stored text says its own number.
/// A text naming any other version is refused with [`BylawsError::AmendmentVersion`].
pub fn number_amendment(source: &str, in_force: u32) -> Result<PolicyDocument, BylawsError> {
    let next = in_force.saturating_add(1);
    // The version the text names, read without the rest of the checks (`parse_document`
    // reports any other fault below, with its line).
    let named = match split_front_matter(source) {
        Ok((yaml, _)) => match serde_yaml_ng::from_str::<Value>(yaml) {
            Ok(Value::Mapping(map)) => match get(&map, "version") {
                None => None,
                Some(v) => match v.as_u64().and_then(|n| u32::try_from(n).ok()) {
                    Some(n) => Some(n),
                    None => return parse_document(source),
                },
            },
            _ => return parse_document(source),
        },
        Err(_) => return parse_document(source),
    };
    let doc_name = || match split_front_matter(source)
        .ok()
        .and_then(|(yaml, _)| serde_yaml_ng::from_str::<Mapping>(yaml).ok())
        .and_then(|m| get(&m, "slug").and_then(Value::as_str).map(str::to_string))
    {
        Some(slug) => slug,
        None => "document".to_string(),
    };
    let numbered = match named {
        Some(v) if v == next => return parse_document(source),
        Some(v) if v != in_force => {
            return Err(BylawsError::AmendmentVersion {
                doc: doc_name(),
                named: v,
                in_force,
            })
        }
        _ => with_version_line(source, next, named.is_some()).ok_or_else(|| {
            BylawsError::InvalidValue {
                doc: doc_name(),
                line: source_key_line(source, "version"),
                key: "version".into(),
                message: "write it on a line of its own (`version: N`) so that the amendment can be numbered".into(),
            }
        })?,
    };
    let doc = parse_document(&numbered)?;
    if doc.version != next {
        return Err(BylawsError::InvalidValue {
            doc: doc.slug,
            line: source_key_line(source, "version"),
            key: "version".into(),
            message:
                "write it on a line of its own (`version: N`) so that the amendment can be numbered"
                    .into(),
        });
    }
    Ok(doc)
}

/// `source` with its front matter's top-level `version:` line replaced by `version: {version}`
/// (`replace`), or such a line added after the opening `---` (`!replace`). `None` when there is
/// no front matter or no such line to replace.
fn with_version_line(source: &str, version: u32, replace: bool) -> Option<String> {
    let mut out = String::with_capacity(source.len() + 16);
    let mut lines = source.split_inclusive('\n');
    let first = lines.next()?;
    if first.trim_start_matches('\u{feff}').trim_end() != "---" {
        return None;
    }
    let eol = if first.ends_with("\r\n") {
        "\r\n"
    } else {
        "\n"
    };
    out.push_str(first);
    if !first.ends_with('\n') {
        return None;
    }
    let mut done = !replace;
    if !replace {
        out.push_str(&format!("version: {version}{eol}"));
    }
    let mut in_front = true;
    for line in lines {
        if in_front && line.trim_end() == "---" {
            in_front = false;
        } else if in_front && !done {
            let is_version = line
                .strip_prefix("version")
                .is_some_and(|rest| rest.trim_start().starts_with(':'));
            if is_version {
                let ending = if line.ends_with("\r\n") {
                    "\r\n"
                } else if line.ends_with('\n') {
                    "\n"
                } else {
                    ""
                };
                out.push_str(&format!("version: {version}{ending}"));
                done = true;
                continue;
            }
        }
        out.push_str(line);
    }
    done.then_some(out)
}

/// Parse one document; errors name it by `file_name`.
pub fn parse_named_document(file_name: &str, source: &str) -> Result<PolicyDocument, BylawsError> {
    parse_inner(Some(file_name), source)
}

const TOP_KEYS: &[&str] = &[
    "slug",
    "title",
    "version",
    "summary",
    "sanctions",
    "decisions",
    "membership",
    "finance",
    "governance",
    "appeal_window_days",
    "log_visibility",
    "roles",
];
const ROLES_KEYS: &[&str] = &["term_days", "founding_term_days", "notice_days"];
const RULE_KEYS: &[&str] = &[
    "method",
    "min_days",
    "urgent_min_days",
    "agree_share",
    "block_override_share",
    "quorum_share",
    "tie",
    "dots",
    "max_score",
    "seats",
];
const MEMBERSHIP_KEYS: &[&str] = &[
    "admission",
    "share_price_minor",
    "currency",
    "lapse_after_days_unpaid",
    "dues",
];
const DUES_KEYS: &[&str] = &["period", "min_minor", "suggested_minor", "max_minor"];
const FINANCE_KEYS: &[&str] = &[
    "expense_approval_threshold_minor",
    "expense_threshold_window_days",
    "currency",
    "ledger_visibility",
    "accounts",
    "monthly_budgets",
];
const GOVERNANCE_KEYS: &[&str] = &["proposal_visibility"];

fn parse_inner(file_name: Option<&str>, source: &str) -> Result<PolicyDocument, BylawsError> {
    let early = file_name.unwrap_or("document").to_string();
    let (yaml, body) = split_front_matter(source).map_err(|closed| {
        if closed {
            BylawsError::UnclosedFrontMatter { doc: early.clone() }
        } else {
            BylawsError::MissingFrontMatter { doc: early.clone() }
        }
    })?;
    // Parsed with the opening `---` line kept as an empty line, so that the YAML library's
    // positions (in its messages too) are lines of the file.
    let aligned = locate::file_aligned(yaml);
    let value: Value = serde_yaml_ng::from_str(&aligned).map_err(|e| BylawsError::Yaml {
        doc: early.clone(),
        line: e.location().map_or(1, |l| l.line()),
        message: e.to_string(),
    })?;
    let map = match value {
        Value::Mapping(m) => m,
        Value::Null => Mapping::new(),
        other => {
            return Err(BylawsError::NotAMapping {
                doc: early,
                line: 2,
                got: describe(&other),
            })
        }
    };
    let doc = match (file_name, map.get("slug")) {
        (Some(name), _) => name.to_string(),
        (None, Some(Value::String(slug))) => slug.clone(),
        (None, _) => early,
    };
    let cx = Cx {
        doc: &doc,
        yaml: &aligned,
        body_line: body_first_line(source),
    };
    cx.check_keys(&map, "", TOP_KEYS)?;

    let slug = cx.string(&map, "", "slug")?;
    if !is_slug(&slug) {
        return Err(cx.invalid(
            "slug",
            format!("must be lowercase letters, digits and hyphens (got {slug:?})"),
        ));
    }
    let title = cx.string(&map, "", "title")?;
    if title.trim().is_empty() {
        return Err(cx.invalid("title", "must not be empty"));
    }
    let version = cx.u32(cx.required(&map, "", "version")?, "version")?;
    if version < 1 {
        return Err(cx.invalid("version", "must be at least 1 (got 0)"));
    }
    let summary = match get(&map, "summary") {
        None => None,
        Some(v) => {
            let s = cx.str(v, "summary")?.trim().to_string();
            if s.contains('\n') {
                return Err(cx.invalid("summary", "must be one line"));
            }
            Some(s)
        }
    };

    let only_in = |key: &str, wanted: &str| -> Result<(), BylawsError> {
        if get(&map, key).is_some() && slug != wanted {
            return Err(cx.invalid(key, format!("is only allowed in the `{wanted}` document")));
        }
        Ok(())
    };
    for key in ["decisions", "membership", "finance", "governance", "roles"] {
        only_in(key, BYLAWS_SLUG)?;
    }
    only_in("appeal_window_days", MODERATION_POLICY_SLUG)?;
    only_in("log_visibility", MODERATION_POLICY_SLUG)?;

    let decisions = get(&map, "decisions")
        .map(|v| cx.decisions(v))
        .transpose()?;
    let membership = get(&map, "membership")
        .map(|v| cx.membership(v))
        .transpose()?;
    let finance = get(&map, "finance").map(|v| cx.finance(v)).transpose()?;
    let governance = get(&map, "governance")
        .map(|v| cx.governance(v))
        .transpose()?;
    let roles = get(&map, "roles").map(|v| cx.roles(v)).transpose()?;
    let appeal_window_days = get(&map, "appeal_window_days")
        .map(|v| cx.non_negative(v, "appeal_window_days"))
        .transpose()?;
    let log_visibility = get(&map, "log_visibility")
        .map(|v| cx.name(v, "log_visibility"))
        .transpose()?;
    if slug == BYLAWS_SLUG {
        for (key, present) in [
            ("decisions", decisions.is_some()),
            ("membership", membership.is_some()),
            ("finance", finance.is_some()),
        ] {
            if !present {
                return Err(cx.missing("", key));
            }
        }
        if let Some(d) = &decisions {
            check_decisions_complete(&doc, source, d)?;
        }
    }

    let mut clauses = extract_clauses(&cx, body)?;
    if let Some(v) = get(&map, "sanctions") {
        for (clause_id, list) in cx.sanctions(v)? {
            let clause = clauses
                .iter_mut()
                .find(|c| c.id == clause_id)
                .ok_or_else(|| BylawsError::SanctionsForMissingClause {
                    doc: doc.clone(),
                    line: cx.line(&format!("sanctions.\"{clause_id}\"")),
                    clause: clause_id.clone(),
                })?;
            clause.sanctions = list;
        }
    }

    Ok(PolicyDocument {
        slug,
        title: title.trim().to_string(),
        version,
        summary,
        body: body.to_string(),
        source: source.to_string(),
        clauses,
        decisions,
        membership,
        finance,
        governance,
        appeal_window_days,
        log_visibility,
        roles,
    })
}

fn check_decisions_complete(
    doc: &str,
    source: &str,
    decisions: &DecisionRules,
) -> Result<(), BylawsError> {
    for kind in ProposalKind::ALL {
        if decisions.get(*kind).is_none() {
            return Err(BylawsError::MissingDecisionRule {
                doc: doc.to_string(),
                line: source_key_line(source, "decisions"),
                kind: *kind,
            });
        }
    }
    Ok(())
}

/// Split off the front matter: `Err(false)` when there is none, `Err(true)` when it is not closed.
fn split_front_matter(source: &str) -> Result<(&str, &str), bool> {
    let s = source.strip_prefix('\u{feff}').unwrap_or(source);
    let mut lines = s.split_inclusive('\n');
    match lines.next() {
        Some(first) if first.trim_end() == "---" => {
            let start = first.len();
            let mut pos = start;
            for line in lines {
                if line.trim_end() == "---" {
                    return Ok((&s[start..pos], &s[pos + line.len()..]));
                }
                pos += line.len();
            }
            Err(true)
        }
        _ => Err(false),
    }
}

/// The line of `key` in the front matter of `source` (see [`locate::key_line`]); 1 when the
/// document has no front matter.
fn source_key_line(source: &str, key: &str) -> usize {
    match split_front_matter(source) {
        Ok((yaml, _)) => locate::key_line(&locate::file_aligned(yaml), key),
        Err(_) => 1,
    }
}

/// The 1-based line of the first line after the front matter.
fn body_first_line(source: &str) -> usize {
    let s = source.strip_prefix('\u{feff}').unwrap_or(source);
    match split_front_matter(source) {
        Ok((_, body)) => s[..s.len() - body.len()].matches('\n').count() + 1,
        Err(_) => 1,
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

/// `4`, `4.1`, `12.3.2`: numbers separated by single dots.
fn is_clause_id(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|part| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit()))
}

/// `"4. Harassment"` → `("4", "Harassment")`, `"4.1 Targeted abuse"` → `("4.1", …)`; `None` when
/// the text does not begin with a clause number followed by whitespace (or nothing).
fn split_clause_number(text: &str) -> Option<(&str, &str)> {
    let end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, rest) = text.split_at(end);
    if !rest.is_empty() && !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let id = number.strip_suffix('.').unwrap_or(number);
    is_clause_id(id).then(|| (id, rest.trim()))
}

/// Drop trailing whitespace and leading blank lines (keeping the first line's indentation).
fn trim_blank_lines(s: &str) -> &str {
    let s = s.trim_end();
    let mut start = 0;
    for line in s.split_inclusive('\n') {
        if line.trim().is_empty() {
            start += line.len();
        } else {
            break;
        }
    }
    &s[start..]
}

fn extract_clauses(cx: &Cx<'_>, body: &str) -> Result<Vec<Clause>, BylawsError> {
    let options = Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH;
    let mut clauses: Vec<Clause> = Vec::new();
    // The clause whose text is being collected: (index in `clauses`, offset where its text starts).
    let mut open: Option<(usize, usize)> = None;
    let mut heading: Option<String> = None;
    let mut seen = BTreeSet::new();

    for (event, range) in Parser::new_ext(body, options).into_offset_iter() {
        match event {
            Event::Start(Tag::Heading { .. }) => {
                if let Some((i, start)) = open.take() {
                    clauses[i].text = trim_blank_lines(&body[start..range.start]).to_string();
                }
                heading = Some(String::new());
            }
            Event::End(TagEnd::Heading(_)) => {
                let text = heading.take().unwrap_or_default();
                let Some((id, title)) = split_clause_number(text.trim()) else {
                    continue;
                };
                let line = cx.body_line + body[..range.start].matches('\n').count();
                if !seen.insert(id.to_string()) {
                    return Err(BylawsError::DuplicateClause {
                        doc: cx.doc.to_string(),
                        line,
                        clause: id.to_string(),
                    });
                }
                if title.is_empty() {
                    return Err(cx.clause_error(id, line, "has no title after its number"));
                }
                if let Some((parent, _)) = id.rsplit_once('.') {
                    if !seen.contains(parent) {
                        return Err(cx.clause_error(
                            id,
                            line,
                            format!("comes before (or without) its parent clause {parent}"),
                        ));
                    }
                }
                clauses.push(Clause {
                    id: id.to_string(),
                    title: title.to_string(),
                    text: String::new(),
                    sanctions: Vec::new(),
                });
                open = Some((clauses.len() - 1, range.end));
            }
            Event::Text(t) | Event::Code(t) => {
                if let Some(h) = heading.as_mut() {
                    h.push_str(&t);
                }
            }
            Event::SoftBreak | Event::HardBreak => {
                if let Some(h) = heading.as_mut() {
                    h.push(' ');
                }
            }
            _ => {}
        }
    }
    if let Some((i, start)) = open {
        clauses[i].text = trim_blank_lines(&body[start..]).to_string();
    }
    Ok(clauses)
}

fn get<'m>(map: &'m Mapping, key: &str) -> Option<&'m Value> {
    map.get(key).filter(|v| !v.is_null())
}

fn join(prefix: &str, key: &str) -> String {
    if prefix.is_empty() {
        key.to_string()
    } else {
        format!("{prefix}.{key}")
    }
}

fn describe(v: &Value) -> String {
    match v {
        Value::Null => "nothing".into(),
        Value::Bool(b) => b.to_string(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => format!("{s:?}"),
        Value::Sequence(_) => "a list".into(),
        Value::Mapping(_) => "a mapping".into(),
        Value::Tagged(t) => format!("a value tagged {}", t.tag),
    }
}

/// Reads typed values out of the front matter, naming the document, line and key in every error.
struct Cx<'a> {
    doc: &'a str,
    /// The front matter as [`locate::file_aligned`] returns it.
    yaml: &'a str,
    /// The line of the file where the Markdown body starts.
    body_line: usize,
}

impl Cx<'_> {
    fn line(&self, key: &str) -> usize {
        locate::key_line(self.yaml, key)
    }

    fn invalid(&self, key: &str, message: impl Into<String>) -> BylawsError {
        BylawsError::InvalidValue {
            doc: self.doc.to_string(),
            line: self.line(key),
            key: key.to_string(),
            message: message.into(),
        }
    }

    /// `key` (under `prefix`) is missing: reported at the line of `prefix`.
    fn missing(&self, prefix: &str, key: &str) -> BylawsError {
        BylawsError::MissingKey {
            doc: self.doc.to_string(),
            line: self.line(prefix),
            key: join(prefix, key),
        }
    }

    fn clause_error(&self, clause: &str, line: usize, message: impl Into<String>) -> BylawsError {
        BylawsError::InvalidClause {
            doc: self.doc.to_string(),
            line,
            clause: clause.to_string(),
            message: message.into(),
        }
    }

    fn check_keys(&self, map: &Mapping, prefix: &str, allowed: &[&str]) -> Result<(), BylawsError> {
        for key in map.keys() {
            let Value::String(key) = key else {
                let at = if prefix.is_empty() {
                    "front matter"
                } else {
                    prefix
                };
                return Err(self.invalid(
                    at,
                    format!("has a key that is not a name: {}", describe(key)),
                ));
            };
            if !allowed.contains(&key.as_str()) {
                let key = join(prefix, key);
                return Err(BylawsError::UnknownKey {
                    doc: self.doc.to_string(),
                    line: self.line(&key),
                    key,
                    expected: allowed.join(", "),
                });
            }
        }
        Ok(())
    }

    fn required<'m>(
        &self,
        map: &'m Mapping,
        prefix: &str,
        key: &str,
    ) -> Result<&'m Value, BylawsError> {
        get(map, key).ok_or_else(|| self.missing(prefix, key))
    }

    fn mapping<'v>(&self, v: &'v Value, key: &str) -> Result<&'v Mapping, BylawsError> {
        v.as_mapping()
            .ok_or_else(|| self.invalid(key, format!("must be a mapping (got {})", describe(v))))
    }

    fn str<'v>(&self, v: &'v Value, key: &str) -> Result<&'v str, BylawsError> {
        v.as_str()
            .ok_or_else(|| self.invalid(key, format!("must be text (got {})", describe(v))))
    }

    fn string(&self, map: &Mapping, prefix: &str, key: &str) -> Result<String, BylawsError> {
        let path = join(prefix, key);
        Ok(self
            .str(self.required(map, prefix, key)?, &path)?
            .to_string())
    }

    fn name<T: FromStr<Err = BylawsError>>(&self, v: &Value, key: &str) -> Result<T, BylawsError> {
        let s = self.str(v, key)?;
        s.parse::<T>().map_err(|e| match e {
            BylawsError::UnknownName { expected, .. } => {
                self.invalid(key, format!("must be one of {expected} (got {s:?})"))
            }
            other => other,
        })
    }

    fn f64(&self, v: &Value, key: &str) -> Result<f64, BylawsError> {
        match v.as_f64() {
            Some(x) if x.is_finite() => Ok(x),
            _ => Err(self.invalid(key, format!("must be a number (got {})", describe(v)))),
        }
    }

    fn non_negative(&self, v: &Value, key: &str) -> Result<f64, BylawsError> {
        let x = self.f64(v, key)?;
        if x < 0.0 {
            return Err(self.invalid(key, format!("must not be negative (got {x})")));
        }
        Ok(x)
    }

    fn share(&self, v: &Value, key: &str) -> Result<f64, BylawsError> {
        let x = self.f64(v, key)?;
        if !(0.0..=1.0).contains(&x) {
            return Err(self.invalid(key, format!("must be a share between 0 and 1 (got {x})")));
        }
        Ok(x)
    }

    fn u32(&self, v: &Value, key: &str) -> Result<u32, BylawsError> {
        v.as_u64()
            .and_then(|n| u32::try_from(n).ok())
            .ok_or_else(|| {
                self.invalid(
                    key,
                    format!("must be a whole number, 0 or more (got {})", describe(v)),
                )
            })
    }

    fn positive_u32(&self, v: &Value, key: &str) -> Result<u32, BylawsError> {
        let n = self.u32(v, key)?;
        if n == 0 {
            return Err(self.invalid(key, "must be at least 1 (got 0)"));
        }
        Ok(n)
    }

    fn amount(&self, v: &Value, key: &str) -> Result<i64, BylawsError> {
        match v.as_i64() {
            Some(n) if n >= 0 => Ok(n),
            _ => Err(self.invalid(
                key,
                format!(
                    "must be a whole number of minor units, 0 or more (got {})",
                    describe(v)
                ),
            )),
        }
    }

    fn currency(&self, v: &Value, key: &str) -> Result<String, BylawsError> {
        let s = self.str(v, key)?;
        if s.len() != 3 || !s.bytes().all(|b| b.is_ascii_uppercase()) {
            return Err(self.invalid(
                key,
                format!("must be an ISO 4217 code like EUR (got {s:?})"),
            ));
        }
        Ok(s.to_string())
    }

    fn decisions(&self, v: &Value) -> Result<DecisionRules, BylawsError> {
        let map = self.mapping(v, "decisions")?;
        let mut rules = BTreeMap::new();
        for (key, rule) in map {
            let Value::String(name) = key else {
                return Err(self.invalid(
                    "decisions",
                    format!("has a key that is not a name: {}", describe(key)),
                ));
            };
            let path = join("decisions", name);
            let kind = name.parse::<ProposalKind>().map_err(|_| {
                self.invalid(
                    &path,
                    format!(
                        "is not a proposal kind (expected one of: {})",
                        ProposalKind::expected()
                    ),
                )
            })?;
            rules.insert(kind, self.rule(rule, &path)?);
        }
        Ok(DecisionRules(rules))
    }

    fn rule(&self, v: &Value, path: &str) -> Result<DecisionRule, BylawsError> {
        let map = self.mapping(v, path)?;
        self.check_keys(map, path, RULE_KEYS)?;
        let key = |k: &str| join(path, k);
        let opt = |k: &str| get(map, k);

        let method: Method = self.name(self.required(map, path, "method")?, &key("method"))?;
        let min_days = opt("min_days")
            .map(|v| self.non_negative(v, &key("min_days")))
            .transpose()?
            .unwrap_or(0.0);
        let urgent_min_days = opt("urgent_min_days")
            .map(|v| self.non_negative(v, &key("urgent_min_days")))
            .transpose()?;
        if let Some(urgent) = urgent_min_days {
            if urgent > min_days {
                return Err(self.invalid(
                    &key("urgent_min_days"),
                    format!("must not be more than min_days ({min_days}) (got {urgent})"),
                ));
            }
        }
        let agree_share = opt("agree_share")
            .map(|v| self.share(v, &key("agree_share")))
            .transpose()?;
        let block_override_share = opt("block_override_share")
            .map(|v| self.share(v, &key("block_override_share")))
            .transpose()?;
        let quorum_share = opt("quorum_share")
            .map(|v| self.share(v, &key("quorum_share")))
            .transpose()?
            .unwrap_or(0.0);
        let tie = opt("tie")
            .map(|v| self.name(v, &key("tie")))
            .transpose()?
            .unwrap_or_default();
        let dots = opt("dots")
            .map(|v| self.positive_u32(v, &key("dots")))
            .transpose()?;
        let max_score = opt("max_score")
            .map(|v| self.positive_u32(v, &key("max_score")))
            .transpose()?;
        let seats = opt("seats")
            .map(|v| self.positive_u32(v, &key("seats")))
            .transpose()?;

        // Which keys each method takes, so a key that would be silently ignored is an error.
        use Method::*;
        let not_for = |k: &str| self.invalid(&key(k), format!("does not apply to method {method}"));
        let missing = |k: &str| self.invalid(&key(k), format!("is required by method {method}"));
        if agree_share.is_some() && matches!(method, Score | Dot | RankedChoice) {
            return Err(not_for("agree_share"));
        }
        if agree_share.is_none() && matches!(method, Consent | Supermajority) {
            return Err(missing("agree_share"));
        }
        if block_override_share.is_some() && method != Consent {
            return Err(not_for("block_override_share"));
        }
        if dots.is_some() && method != Dot {
            return Err(not_for("dots"));
        }
        if dots.is_none() && method == Dot {
            return Err(missing("dots"));
        }
        if max_score.is_some() && method != Score {
            return Err(not_for("max_score"));
        }
        if max_score.is_none() && method == Score {
            return Err(missing("max_score"));
        }
        if seats.is_some() && matches!(method, Consent | Majority | Supermajority) {
            return Err(not_for("seats"));
        }
        if let (Supermajority, Some(share)) = (method, agree_share) {
            if share <= 0.5 {
                return Err(self.invalid(
                    &key("agree_share"),
                    format!("must be more than 0.5 for a supermajority (got {share})"),
                ));
            }
        }
        if let (Some(agree), Some(over)) = (agree_share, block_override_share) {
            if over < agree {
                return Err(self.invalid(
                    &key("block_override_share"),
                    format!("must not be less than agree_share ({agree}) (got {over})"),
                ));
            }
        }

        Ok(DecisionRule {
            method,
            min_days,
            urgent_min_days,
            agree_share,
            block_override_share,
            quorum_share,
            tie,
            dots,
            max_score,
            seats,
        })
    }

    fn membership(&self, v: &Value) -> Result<MembershipRules, BylawsError> {
        let p = "membership";
        let map = self.mapping(v, p)?;
        self.check_keys(map, p, MEMBERSHIP_KEYS)?;
        let key = |k: &str| join(p, k);
        let admission = self.name(self.required(map, p, "admission")?, &key("admission"))?;
        let share_price_minor = self.amount(
            self.required(map, p, "share_price_minor")?,
            &key("share_price_minor"),
        )?;
        let currency = self.currency(self.required(map, p, "currency")?, &key("currency"))?;
        let lapse_after_days_unpaid = get(map, "lapse_after_days_unpaid")
            .map(|v| self.positive_u32(v, &key("lapse_after_days_unpaid")))
            .transpose()?;
        let dues = get(map, "dues").map(|v| self.dues(v)).transpose()?;
        Ok(MembershipRules {
            admission,
            share_price_minor,
            currency,
            lapse_after_days_unpaid,
            dues,
        })
    }

    fn dues(&self, v: &Value) -> Result<DuesScale, BylawsError> {
        let p = "membership.dues";
        let map = self.mapping(v, p)?;
        self.check_keys(map, p, DUES_KEYS)?;
        let key = |k: &str| join(p, k);
        let period = self.name(self.required(map, p, "period")?, &key("period"))?;
        let min_minor = self.amount(self.required(map, p, "min_minor")?, &key("min_minor"))?;
        let suggested_minor = get(map, "suggested_minor")
            .map(|v| self.amount(v, &key("suggested_minor")))
            .transpose()?;
        let max_minor = get(map, "max_minor")
            .map(|v| self.amount(v, &key("max_minor")))
            .transpose()?;
        if let Some(s) = suggested_minor {
            if s < min_minor {
                return Err(self.invalid(
                    &key("suggested_minor"),
                    format!("must not be less than min_minor ({min_minor}) (got {s})"),
                ));
            }
        }
        if let Some(max) = max_minor {
            let floor = suggested_minor.unwrap_or(min_minor);
            if max < floor {
                return Err(self.invalid(
                    &key("max_minor"),
                    format!(
                        "must not be less than min_minor and suggested_minor ({floor}) (got {max})"
                    ),
                ));
            }
        }
        Ok(DuesScale {
            period,
            min_minor,
            suggested_minor,
            max_minor,
        })
    }

    fn roles(&self, v: &Value) -> Result<RoleRules, BylawsError> {
        let p = "roles";
        let map = self.mapping(v, p)?;
        self.check_keys(map, p, ROLES_KEYS)?;
        let key = |k: &str| join(p, k);
        let defaults = RoleRules::default();
        let term = |k: &str, default: u32| -> Result<u32, BylawsError> {
            match get(map, k) {
                None => Ok(default),
                Some(v) => {
                    let n = self.positive_u32(v, &key(k))?;
                    if n > MAX_TERM_DAYS {
                        return Err(self.invalid(
                            &key(k),
                            format!("must be at most {MAX_TERM_DAYS} days (got {n})"),
                        ));
                    }
                    Ok(n)
                }
            }
        };
        let term_days = term("term_days", defaults.term_days)?;
        let founding_term_days = term("founding_term_days", defaults.founding_term_days)?;
        let notice_days = match get(map, "notice_days") {
            None => defaults.notice_days,
            Some(v) => self.u32(v, &key("notice_days"))?,
        };
        if notice_days >= term_days.min(founding_term_days) {
            return Err(self.invalid(
                &key("notice_days"),
                format!(
                    "must be shorter than every term ({} days) (got {notice_days})",
                    term_days.min(founding_term_days)
                ),
            ));
        }
        Ok(RoleRules {
            term_days,
            founding_term_days,
            notice_days,
        })
    }

    fn finance(&self, v: &Value) -> Result<FinanceRules, BylawsError> {
        let p = "finance";
        let map = self.mapping(v, p)?;
        self.check_keys(map, p, FINANCE_KEYS)?;
        let key = |k: &str| join(p, k);
        let expense_approval_threshold_minor = self.amount(
            self.required(map, p, "expense_approval_threshold_minor")?,
            &key("expense_approval_threshold_minor"),
        )?;
        let expense_threshold_window_days = match get(map, "expense_threshold_window_days") {
            None => DEFAULT_EXPENSE_THRESHOLD_WINDOW_DAYS,
            Some(v) => {
                let k = key("expense_threshold_window_days");
                let days = self.positive_u32(v, &k)?;
                if days > MAX_EXPENSE_THRESHOLD_WINDOW_DAYS {
                    return Err(self.invalid(
                        &k,
                        format!(
                            "must be at most {MAX_EXPENSE_THRESHOLD_WINDOW_DAYS} days (got {days})"
                        ),
                    ));
                }
                days
            }
        };
        let currency = self.currency(self.required(map, p, "currency")?, &key("currency"))?;
        let ledger_visibility = get(map, "ledger_visibility")
            .map(|v| self.name(v, &key("ledger_visibility")))
            .transpose()?
            .unwrap_or_default();
        let mut accounts = BTreeMap::new();
        if let Some(v) = get(map, "accounts") {
            for (code, name) in self.mapping(v, &key("accounts"))? {
                let code = self.str(code, &key("accounts"))?;
                let path = format!("{}.{code}", key("accounts"));
                if !crate::ledger::valid_account_code(code) {
                    return Err(self.invalid(
                        &path,
                        "is not an account code like expenses:hosting (assets, liabilities, equity, income or expenses, then lowercase names after colons)",
                    ));
                }
                let name = self.str(name, &path)?.trim();
                if name.is_empty() {
                    return Err(self.invalid(&path, "must have a name"));
                }
                accounts.insert(code.to_string(), name.to_string());
            }
        }
        let mut monthly_budgets = BTreeMap::new();
        if let Some(v) = get(map, "monthly_budgets") {
            for (code, amount) in self.mapping(v, &key("monthly_budgets"))? {
                let code = self.str(code, &key("monthly_budgets"))?;
                let path = format!("{}.{code}", key("monthly_budgets"));
                if !crate::ledger::valid_account_code(code) {
                    return Err(self.invalid(&path, "is not an account code like expenses:hosting"));
                }
                monthly_budgets.insert(code.to_string(), self.amount(amount, &path)?);
            }
        }
        Ok(FinanceRules {
            expense_approval_threshold_minor,
            currency,
            expense_threshold_window_days,
            ledger_visibility,
            accounts,
            monthly_budgets,
        })
    }

    fn governance(&self, v: &Value) -> Result<GovernanceRules, BylawsError> {
        let p = "governance";
        let map = self.mapping(v, p)?;
        self.check_keys(map, p, GOVERNANCE_KEYS)?;
        let proposal_visibility = get(map, "proposal_visibility")
            .map(|v| self.name(v, &join(p, "proposal_visibility")))
            .transpose()?
            .unwrap_or_default();
        Ok(GovernanceRules {
            proposal_visibility,
        })
    }

    /// `sanctions`: clause id → list of sanction names, in front-matter order.
    fn sanctions(&self, v: &Value) -> Result<Vec<(String, Vec<Sanction>)>, BylawsError> {
        let map = self.mapping(v, "sanctions")?;
        let mut out = Vec::new();
        for (key, list) in map {
            let clause = match key {
                Value::String(s) => s.clone(),
                Value::Number(n) if n.is_u64() => n.to_string(),
                other => {
                    return Err(self.invalid(
                        "sanctions",
                        format!(
                            "has key {}: quote clause numbers (\"4.1\"), or YAML reads them as decimals",
                            describe(other)
                        ),
                    ))
                }
            };
            let path = format!("sanctions.\"{clause}\"");
            if !is_clause_id(&clause) {
                return Err(self.invalid(&path, "is not a clause number like 4.1"));
            }
            let items = list.as_sequence().ok_or_else(|| {
                self.invalid(
                    &path,
                    format!("must be a list of sanctions (got {})", describe(list)),
                )
            })?;
            let mut sanctions = Vec::new();
            for item in items {
                let name = self.str(item, &path)?;
                let sanction =
                    name.parse::<Sanction>()
                        .map_err(|_| BylawsError::UnknownSanction {
                            doc: self.doc.to_string(),
                            line: self.line(&path),
                            clause: clause.clone(),
                            name: name.to_string(),
                            expected: Sanction::expected(),
                        })?;
                if !sanctions.contains(&sanction) {
                    sanctions.push(sanction);
                }
            }
            out.push((clause, sanctions));
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests;
