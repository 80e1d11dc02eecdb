//! The moderation gate: a moderation action is allowed only when the actor holds the moderator
//! role, does not act on their own account, and cites a clause of the version of a policy in
//! force that permits the sanction taken. Everything is decided on plain data (the parsed
//! documents in force, the actor's roles, account ids), so the HTTP API, the CLI and the web pages
//! ask the same question and get the same answer.
//!
//! Checks run in this order, and the first failure is the answer:
//! 1. the actor holds the `moderator` (or `admin`) role — [`Refusal::NotModerator`];
//! 2. the actor is not acting on their own account — [`Refusal::OwnAccount`];
//! 3. a citation is given — [`Refusal::NoCitation`];
//! 4. it reads `slug@version#clause` — [`Refusal::Malformed`];
//! 5. the policy exists — [`Refusal::UnknownPolicy`];
//! 6. the cited version is the one in force — [`Refusal::Superseded`] (older) or
//!    [`Refusal::NotInForce`] (a version never adopted);
//! 7. the clause exists in that version — [`Refusal::NoSuchClause`];
//! 8. for an [`Act::Impose`], the clause permits the sanction — [`Refusal::NotPermitted`].
//!
//! Lifting a sanction ([`Act::Lift`]) and other decisions ([`Act::Decide`], such as allowing a
//! domain) still cite a clause in force (steps 1–7), but no clause needs to *permit* lifting: the
//! policies list what may be imposed, never what may be undone. Deciding a sign-up is imposed like
//! a sanction (`approve_signup`, `reject_signup`): the cited clause must permit it.
//!
//! Appeals have their own rules ([`check_appeal`], [`check_appeal_decision`]): the affected
//! account appeals within the moderation policy's window, and someone other than the moderator
//! who acted (and other than the appellant) decides.

use std::fmt;

use crate::bylaws::{Citation, PolicyDocument, Sanction};

/// The role that may moderate; `admin` may too.
pub const MODERATOR_ROLE: &str = "moderator";
/// Admins hold every moderator power (as in Mastodon).
pub const ADMIN_ROLE: &str = "admin";

/// What the actor is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Act {
    /// Imposing a sanction: the cited clause must permit it.
    Impose(Sanction),
    /// Lifting a sanction (unsuspend, unsilence, …): the citation must be in force.
    Lift(Sanction),
    /// Another moderation decision (reject a sign-up, allow a domain): the citation must be in force.
    Decide,
}

/// One request to the gate.
#[derive(Debug, Clone)]
pub struct Request<'a> {
    /// The `policy_clause` as given (`None` or blank: no citation).
    pub citation: Option<&'a str>,
    pub act: Act,
    pub actor: i64,
    /// The roles the actor holds now.
    pub actor_roles: &'a [String],
    /// The account acted on (`None` for a domain).
    pub target: Option<i64>,
}

/// Why the gate refused. The `Display` text is the message the API returns.
#[derive(Debug, Clone, PartialEq)]
pub enum Refusal {
    NotModerator,
    OwnAccount,
    NoCitation,
    Malformed {
        input: String,
        reason: String,
    },
    UnknownPolicy {
        slug: String,
        known: Vec<String>,
    },
    Superseded {
        cited: Citation,
        in_force: u32,
    },
    NotInForce {
        cited: Citation,
        in_force: u32,
    },
    NoSuchClause {
        cited: Citation,
    },
    NotPermitted {
        cited: Citation,
        sanction: Sanction,
        permitted: Vec<Sanction>,
    },
}

impl Refusal {
    /// Which check failed, as a stable code (`not_moderator`, `superseded`, …).
    pub fn code(&self) -> &'static str {
        match self {
            Refusal::NotModerator => "not_moderator",
            Refusal::OwnAccount => "own_account",
            Refusal::NoCitation => "no_citation",
            Refusal::Malformed { .. } => "malformed_citation",
            Refusal::UnknownPolicy { .. } => "unknown_policy",
            Refusal::Superseded { .. } => "superseded_version",
            Refusal::NotInForce { .. } => "version_not_in_force",
            Refusal::NoSuchClause { .. } => "no_such_clause",
            Refusal::NotPermitted { .. } => "sanction_not_permitted",
        }
    }

    /// A missing role is a permission problem (HTTP 403); everything else is bad input (422).
    pub fn is_forbidden(&self) -> bool {
        matches!(self, Refusal::NotModerator)
    }
}

fn list(items: &[Sanction]) -> String {
    if items.is_empty() {
        "no sanctions".into()
    } else {
        items
            .iter()
            .map(|s| s.as_str())
            .collect::<Vec<_>>()
            .join(", ")
    }
}

impl fmt::Display for Refusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Refusal::NotModerator => {
                f.write_str("Only a moderator may take moderation actions (you do not hold the moderator role)")
            }
            Refusal::OwnAccount => {
                f.write_str("A moderator may not act on their own account")
            }
            Refusal::NoCitation => f.write_str(
                "policy_clause is required: cite the clause of a policy in force you act under, e.g. code-of-conduct@1#4.1",
            ),
            Refusal::Malformed { input, reason } => write!(
                f,
                "policy_clause `{input}` is not a citation: {reason} (expected e.g. code-of-conduct@1#4.1)"
            ),
            Refusal::UnknownPolicy { slug, known } => write!(
                f,
                "policy_clause cites `{slug}`, which is not a policy (policies: {})",
                known.join(", ")
            ),
            Refusal::Superseded { cited, in_force } => write!(
                f,
                "policy_clause cites {cited}, but version {} of {} is superseded: version {in_force} is in force (cite {}@{in_force}#…)",
                cited.version, cited.slug, cited.slug
            ),
            Refusal::NotInForce { cited, in_force } => write!(
                f,
                "policy_clause cites {cited}, but version {} of {} was never adopted: version {in_force} is in force",
                cited.version, cited.slug
            ),
            Refusal::NoSuchClause { cited } => write!(
                f,
                "policy_clause cites {cited}, but {}@{} has no clause {}",
                cited.slug, cited.version, cited.clause
            ),
            Refusal::NotPermitted {
                cited,
                sanction,
                permitted,
            } => write!(
                f,
                "policy_clause cites {cited}, which does not permit {sanction} (it permits: {})",
                list(permitted)
            ),
        }
    }
}

impl std::error::Error for Refusal {}

/// Whether these roles may moderate.
pub fn is_moderator(roles: &[String]) -> bool {
    roles.iter().any(|r| r == MODERATOR_ROLE || r == ADMIN_ROLE)
}

/// The gate. `in_force` are the parsed documents in force (one per slug). On success, the
/// citation as it will be recorded (normalised, e.g. `code-of-conduct@2#4.1`).
pub fn check<'d>(
    in_force: impl IntoIterator<Item = &'d PolicyDocument>,
    req: &Request<'_>,
) -> Result<Citation, Refusal> {
    if !is_moderator(req.actor_roles) {
        return Err(Refusal::NotModerator);
    }
    if req.target == Some(req.actor) {
        return Err(Refusal::OwnAccount);
    }
    let (cited, doc) = resolve(in_force, req.citation)?;
    if let Act::Impose(sanction) = req.act {
        let clause = doc
            .clause(&cited.clause)
            .ok_or_else(|| Refusal::NoSuchClause {
                cited: cited.clone(),
            })?;
        if !clause.permits(sanction) {
            return Err(Refusal::NotPermitted {
                permitted: clause.sanctions.clone(),
                cited,
                sanction,
            });
        }
    }
    Ok(cited)
}

/// Checks 3–7 alone: the citation names an existing clause of a version in force. Useful where
/// no role is involved (a report's rules, a members' proposal).
pub fn resolve<'d>(
    in_force: impl IntoIterator<Item = &'d PolicyDocument>,
    citation: Option<&str>,
) -> Result<(Citation, &'d PolicyDocument), Refusal> {
    let input = citation.map(str::trim).unwrap_or("");
    if input.is_empty() {
        return Err(Refusal::NoCitation);
    }
    let cited: Citation = input.parse().map_err(|e| match e {
        crate::bylaws::BylawsError::InvalidCitation { input, reason } => {
            Refusal::Malformed { input, reason }
        }
        other => Refusal::Malformed {
            input: input.to_string(),
            reason: other.to_string(),
        },
    })?;
    let mut known = Vec::new();
    let mut found = None;
    for doc in in_force {
        if doc.slug == cited.slug {
            found = Some(doc);
            break;
        }
        known.push(doc.slug.clone());
    }
    let Some(doc) = found else {
        known.sort();
        return Err(Refusal::UnknownPolicy {
            slug: cited.slug,
            known,
        });
    };
    if cited.version < doc.version {
        return Err(Refusal::Superseded {
            in_force: doc.version,
            cited,
        });
    }
    if cited.version > doc.version {
        return Err(Refusal::NotInForce {
            in_force: doc.version,
            cited,
        });
    }
    if doc.clause(&cited.clause).is_none() {
        return Err(Refusal::NoSuchClause { cited });
    }
    Ok((cited, doc))
}

/// Microseconds in a day.
const DAY_MICROS: f64 = 86_400_000_000.0;

/// When the appeal window of an action taken at `acted_at` closes (epoch microseconds), from the
/// moderation policy's `appeal_window_days`. `None` window: appeals are not limited in time.
pub fn appeal_deadline(acted_at: i64, window_days: Option<f64>) -> Option<i64> {
    window_days.map(|days| {
        let span = (days.max(0.0) * DAY_MICROS).min(i64::MAX as f64) as i64;
        acted_at.saturating_add(span)
    })
}

/// Why an appeal or a decision on one is refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AppealRefusal {
    NotAffected,
    WindowClosed { deadline: i64 },
    AlreadyAppealed,
    Overruled,
    NotModerator,
    OwnAction,
    OwnAppeal,
    AlreadyDecided,
}

impl AppealRefusal {
    pub fn code(&self) -> &'static str {
        match self {
            AppealRefusal::NotAffected => "not_affected",
            AppealRefusal::WindowClosed { .. } => "window_closed",
            AppealRefusal::AlreadyAppealed => "already_appealed",
            AppealRefusal::Overruled => "overruled",
            AppealRefusal::NotModerator => "not_moderator",
            AppealRefusal::OwnAction => "own_action",
            AppealRefusal::OwnAppeal => "own_appeal",
            AppealRefusal::AlreadyDecided => "already_decided",
        }
    }

    pub fn is_forbidden(&self) -> bool {
        matches!(
            self,
            AppealRefusal::NotModerator | AppealRefusal::NotAffected
        )
    }
}

impl fmt::Display for AppealRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            AppealRefusal::NotAffected => f.write_str("Only the account affected by a strike may appeal it"),
            AppealRefusal::WindowClosed { .. } => f.write_str(
                "The appeal window the moderation policy sets for this strike has closed",
            ),
            AppealRefusal::AlreadyAppealed => f.write_str("This strike has already been appealed"),
            AppealRefusal::Overruled => f.write_str("This strike has already been overturned"),
            AppealRefusal::NotModerator => {
                f.write_str("Only a moderator may decide appeals (you do not hold the moderator role)")
            }
            AppealRefusal::OwnAction => f.write_str(
                "The moderator who took the action may not decide its appeal: another moderator must, or the members by proposal",
            ),
            AppealRefusal::OwnAppeal => f.write_str("You may not decide your own appeal"),
            AppealRefusal::AlreadyDecided => f.write_str("This appeal has already been decided"),
        }
    }
}

impl std::error::Error for AppealRefusal {}

/// A strike as the appeal rules see it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StrikeFacts {
    /// The account the strike is on.
    pub account: i64,
    /// The moderator who acted.
    pub moderator: i64,
    /// End of the appeal window (epoch µs), `None` for no limit.
    pub appealable_until: Option<i64>,
    pub overruled: bool,
    pub appealed: bool,
}

/// May `appellant` appeal this strike at `now`?
pub fn check_appeal(strike: &StrikeFacts, appellant: i64, now: i64) -> Result<(), AppealRefusal> {
    if appellant != strike.account {
        return Err(AppealRefusal::NotAffected);
    }
    if strike.overruled {
        return Err(AppealRefusal::Overruled);
    }
    if strike.appealed {
        return Err(AppealRefusal::AlreadyAppealed);
    }
    if let Some(deadline) = strike.appealable_until {
        if now > deadline {
            return Err(AppealRefusal::WindowClosed { deadline });
        }
    }
    Ok(())
}

/// May `decider` (holding `roles`) decide the appeal of this strike? `decided` if it already was.
pub fn check_appeal_decision(
    strike: &StrikeFacts,
    decider: i64,
    roles: &[String],
    decided: bool,
) -> Result<(), AppealRefusal> {
    if !is_moderator(roles) {
        return Err(AppealRefusal::NotModerator);
    }
    if decider == strike.account {
        return Err(AppealRefusal::OwnAppeal);
    }
    if decider == strike.moderator {
        return Err(AppealRefusal::OwnAction);
    }
    if decided {
        return Err(AppealRefusal::AlreadyDecided);
    }
    Ok(())
}

#[cfg(test)]
mod tests;
