//! Proposals, ballots (with history), who voted, the member roster and the governance log as
//! the co-op API reads them.

use sqlx::{Any, Executor, FromRow};

use super::paging::{bound, newest_first};
use super::query::Sql;
use crate::paging::Page;

#[derive(Debug, Clone, FromRow)]
pub struct ProposalRow {
    pub id: i64,
    pub kind: String,
    pub title: String,
    pub body: String,
    pub author_account_id: i64,
    pub state: String,
    pub urgent: i64,
    /// Why it is urgent (given exactly when `urgent`; migration 0026).
    pub urgent_reason: Option<String>,
    pub method: String,
    pub rule_json: String,
    pub rule_source: String,
    pub options_json: String,
    pub payload_json: String,
    pub hide_results: i64,
    pub secret: i64,
    pub opens_at: i64,
    pub closes_at: i64,
    pub closed_at: Option<i64>,
    pub enacted_at: Option<i64>,
    pub reminded_at: Option<i64>,
    pub result_json: Option<String>,
    pub status_id: Option<i64>,
    pub poll_id: Option<i64>,
    pub created_at: i64,
    pub updated_at: i64,
}

const PROPOSAL_COLUMNS: &str = "id, kind, title, body, author_account_id, state, urgent, method, \
     rule_json, rule_source, options_json, payload_json, hide_results, secret, opens_at, closes_at, \
     closed_at, enacted_at, reminded_at, result_json, status_id, poll_id, created_at, updated_at, \
     urgent_reason";

pub async fn insert_proposal<'e, E: Executor<'e, Database = Any>>(
    db: E,
    p: &ProposalRow,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO proposals ({PROPOSAL_COLUMNS}) VALUES \
         ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25)"
    ))
    .bind(p.id)
    .bind(&p.kind)
    .bind(&p.title)
    .bind(&p.body)
    .bind(p.author_account_id)
    .bind(&p.state)
    .bind(p.urgent)
    .bind(&p.method)
    .bind(&p.rule_json)
    .bind(&p.rule_source)
    .bind(&p.options_json)
    .bind(&p.payload_json)
    .bind(p.hide_results)
    .bind(p.secret)
    .bind(p.opens_at)
    .bind(p.closes_at)
    .bind(p.closed_at)
    .bind(p.enacted_at)
    .bind(p.reminded_at)
    .bind(&p.result_json)
    .bind(p.status_id)
    .bind(p.poll_id)
    .bind(p.created_at)
    .bind(p.updated_at)
    .bind(&p.urgent_reason)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn proposal_by_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<Option<ProposalRow>> {
    sqlx::query_as(&format!(
        "SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE id = $1"
    ))
    .bind(id)
    .fetch_optional(db)
    .await
}

/// Proposals newest first, optionally in one state, paged by id.
pub async fn list_proposals<'e, E: Executor<'e, Database = Any>>(
    db: E,
    state: Option<&str>,
    page: &Page,
) -> sqlx::Result<Vec<ProposalRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE 1 = 1"
    ));
    if let Some(s) = state {
        let p = sql.text(s);
        sql.push(&format!(" AND state = {p}"));
    }
    bound(&mut sql, "id", page);
    let rows: Vec<ProposalRow> = sql.query_as().fetch_all(db).await?;
    Ok(newest_first(rows, page))
}

/// When the co-op's first proposal opened, if it has opened one (the end of its founding).
pub async fn first_opened_at<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<Option<i64>> {
    let row: (Option<i64>,) = sqlx::query_as("SELECT MIN(opens_at) FROM proposals")
        .fetch_one(db)
        .await?;
    Ok(row.0)
}

/// Open proposals whose closing time has come.
pub async fn due_to_close<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM proposals WHERE state = 'open' AND closes_at <= $1 ORDER BY closes_at, id",
    )
    .bind(now)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Open proposals closing before `before` that have not had their reminder.
pub async fn due_for_reminder<'e, E: Executor<'e, Database = Any>>(
    db: E,
    now: i64,
    before: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT id FROM proposals WHERE state = 'open' AND reminded_at IS NULL \
         AND closes_at > $1 AND closes_at <= $2 ORDER BY closes_at, id",
    )
    .bind(now)
    .bind(before)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Marks the reminder sent; false when another process got there first.
pub async fn claim_reminder<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE proposals SET reminded_at = $2 WHERE id = $1 AND reminded_at IS NULL AND state = 'open'",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Takes the proposal's row lock until the transaction ends (a no-op UPDATE, so one statement
/// for both backends: PostgreSQL locks the row, SQLite's writers are serialised anyway). Votes
/// and the close take it before reading the proposal's state, so a ballot is either committed
/// before the close counts or sees the proposal closed.
pub async fn lock_proposal<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query("UPDATE proposals SET updated_at = updated_at WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(r.rows_affected() == 1)
}

/// Rewrites an election's candidates (its options and its payload's `candidates`), in the
/// caller's transaction after `lock_proposal`; false unless the proposal is still open.
pub async fn set_candidates<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    options_json: &str,
    payload_json: &str,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE proposals SET options_json = $2, payload_json = $3, updated_at = $4 \
         WHERE id = $1 AND state = 'open'",
    )
    .bind(id)
    .bind(options_json)
    .bind(payload_json)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// Moves an open proposal to `closed`; false when it was not open (another closer won).
pub async fn claim_close<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    now: i64,
) -> sqlx::Result<bool> {
    let r = sqlx::query(
        "UPDATE proposals SET state = 'closed', closed_at = $2, updated_at = $2 WHERE id = $1 AND state = 'open'",
    )
    .bind(id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected() == 1)
}

pub async fn set_result<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    state: &str,
    result_json: &str,
    enacted_at: Option<i64>,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE proposals SET state = $2, result_json = $3, enacted_at = $4, updated_at = $5 WHERE id = $1",
    )
    .bind(id)
    .bind(state)
    .bind(result_json)
    .bind(enacted_at)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, FromRow)]
pub struct BallotRow {
    pub id: i64,
    pub proposal_id: i64,
    pub account_id: Option<i64>,
    pub ballot_json: String,
    pub reason: Option<String>,
    pub receipt: String,
    pub via: String,
    pub cast_at: i64,
    pub superseded_at: Option<i64>,
}

const BALLOT_COLUMNS: &str =
    "id, proposal_id, account_id, ballot_json, reason, receipt, via, cast_at, superseded_at";

/// Records that `account_id` voted (or voted again). On PostgreSQL the upsert takes the row
/// lock, so a member's concurrent ballots are written one after the other.
pub async fn touch_voter<'e, E: Executor<'e, Database = Any>>(
    db: E,
    proposal_id: i64,
    account_id: i64,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO proposal_voters (proposal_id, account_id, first_cast_at, last_cast_at, ballots_cast) \
         VALUES ($1, $2, $3, $3, 1) ON CONFLICT (proposal_id, account_id) DO UPDATE SET \
         last_cast_at = $3, ballots_cast = proposal_voters.ballots_cast + 1",
    )
    .bind(proposal_id)
    .bind(account_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Supersedes the member's current ballot, if any; returns how many rows it touched.
pub async fn supersede_ballot<'e, E: Executor<'e, Database = Any>>(
    db: E,
    proposal_id: i64,
    account_id: i64,
    now: i64,
) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "UPDATE ballots SET superseded_at = $3 WHERE proposal_id = $1 AND account_id = $2 AND superseded_at IS NULL",
    )
    .bind(proposal_id)
    .bind(account_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

pub async fn insert_ballot<'e, E: Executor<'e, Database = Any>>(
    db: E,
    b: &BallotRow,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO ballots ({BALLOT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    ))
    .bind(b.id)
    .bind(b.proposal_id)
    .bind(b.account_id)
    .bind(&b.ballot_json)
    .bind(&b.reason)
    .bind(&b.receipt)
    .bind(&b.via)
    .bind(b.cast_at)
    .bind(b.superseded_at)
    .execute(db)
    .await?;
    Ok(())
}

/// The ballots that count: each voter's current one.
pub async fn current_ballots<'e, E: Executor<'e, Database = Any>>(
    db: E,
    proposal_id: i64,
) -> sqlx::Result<Vec<BallotRow>> {
    sqlx::query_as(&format!(
        "SELECT {BALLOT_COLUMNS} FROM ballots WHERE proposal_id = $1 AND superseded_at IS NULL ORDER BY id"
    ))
    .bind(proposal_id)
    .fetch_all(db)
    .await
}

/// One member's ballots on a proposal, newest first (the current one, then its history).
pub async fn ballots_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    proposal_id: i64,
    account_id: i64,
) -> sqlx::Result<Vec<BallotRow>> {
    sqlx::query_as(&format!(
        "SELECT {BALLOT_COLUMNS} FROM ballots WHERE proposal_id = $1 AND account_id = $2 ORDER BY id DESC"
    ))
    .bind(proposal_id)
    .bind(account_id)
    .fetch_all(db)
    .await
}

/// A proposal's ballot ids in the order of their receipts (which says nothing about who cast
/// them or when).
pub async fn ballot_ids_by_receipt<'e, E: Executor<'e, Database = Any>>(
    db: E,
    proposal_id: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT id FROM ballots WHERE proposal_id = $1 ORDER BY receipt")
            .bind(proposal_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Forgets who cast a ballot of a secret proposal, and when: no voter, the close's time for
/// `cast_at` (and `superseded_at` when it was replaced), and a new id (ids are time-ordered,
/// so the old one dated the ballot). Who voted stays in proposal_voters.
pub async fn unlink_ballot<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    new_id: i64,
    at: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE ballots SET id = $2, account_id = NULL, cast_at = $3, \
         superseded_at = CASE WHEN superseded_at IS NULL THEN NULL ELSE $3 END WHERE id = $1",
    )
    .bind(id)
    .bind(new_id)
    .bind(at)
    .execute(db)
    .await?;
    Ok(())
}

/// For a secret proposal at its close: keeps who voted and when first, forgets how many
/// ballots each cast and when the last (the unlinked history would otherwise be theirs).
pub async fn forget_recasts<'e, E: Executor<'e, Database = Any>>(
    db: E,
    proposal_id: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "UPDATE proposal_voters SET last_cast_at = first_cast_at, ballots_cast = 1 WHERE proposal_id = $1",
    )
    .bind(proposal_id)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn voter_ids<'e, E: Executor<'e, Database = Any>>(
    db: E,
    proposal_id: i64,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT account_id FROM proposal_voters WHERE proposal_id = $1")
            .bind(proposal_id)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

/// Whether the member has a ballot in the proposal (while it is open: at close a secret
/// ballot is unlinked).
pub async fn has_voted<'e, E: Executor<'e, Database = Any>>(
    db: E,
    proposal_id: i64,
    account_id: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT account_id FROM proposal_voters WHERE proposal_id = $1 AND account_id = $2",
    )
    .bind(proposal_id)
    .bind(account_id)
    .fetch_optional(db)
    .await?;
    Ok(row.is_some())
}

// ---- members ----

#[derive(Debug, Clone, FromRow)]
pub struct MembershipRow {
    pub account_id: i64,
    pub state: String,
    pub applied_at: i64,
    pub joined_at: Option<i64>,
    pub updated_at: i64,
    pub share_paid_at: Option<i64>,
    pub dues_paid_until: Option<i64>,
    pub email_proposals: i64,
    pub note: String,
}

const MEMBERSHIP_COLUMNS: &str = "account_id, state, applied_at, joined_at, updated_at, \
     share_paid_at, dues_paid_until, email_proposals, note";

pub async fn membership<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
) -> sqlx::Result<Option<MembershipRow>> {
    sqlx::query_as(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM memberships WHERE account_id = $1"
    ))
    .bind(account_id)
    .fetch_optional(db)
    .await
}

/// The roster, paged by account id (newest accounts first), optionally in one state.
pub async fn list_memberships<'e, E: Executor<'e, Database = Any>>(
    db: E,
    state: Option<&str>,
    page: &Page,
) -> sqlx::Result<Vec<MembershipRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM memberships WHERE 1 = 1"
    ));
    if let Some(s) = state {
        let p = sql.text(s);
        sql.push(&format!(" AND state = {p}"));
    }
    bound(&mut sql, "account_id", page);
    let rows: Vec<MembershipRow> = sql.query_as().fetch_all(db).await?;
    Ok(newest_first(rows, page))
}

/// Active members (those who may vote), with their mail preference.
pub async fn active_members<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<Vec<MembershipRow>> {
    sqlx::query_as(&format!(
        "SELECT {MEMBERSHIP_COLUMNS} FROM memberships WHERE state = 'active' ORDER BY account_id"
    ))
    .fetch_all(db)
    .await
}

/// How many active members there are, leaving out the accounts in `except` (those who may not
/// vote on a proposal: its eligible voters).
pub async fn count_active_members_except<'e, E: Executor<'e, Database = Any>>(
    db: E,
    except: &[i64],
) -> sqlx::Result<i64> {
    let mut sql = Sql::new("SELECT COUNT(*) FROM memberships WHERE state = 'active'");
    // `NOT IN (NULL)` is never true: with nobody to leave out, no condition.
    if !except.is_empty() {
        let list = sql.ints(except);
        sql.push(&format!(" AND account_id NOT IN ({list})"));
    }
    let row: (i64,) = sql.query_as().fetch_one(db).await?;
    Ok(row.0)
}

/// Creates an applicant row, or turns a withdrawn / lapsed membership back into an application.
pub async fn apply<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    note: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO memberships (account_id, state, applied_at, updated_at, note) VALUES ($1, 'applicant', $2, $2, $3) \
         ON CONFLICT (account_id) DO UPDATE SET state = 'applicant', applied_at = $2, updated_at = $2, note = $3",
    )
    .bind(account_id)
    .bind(now)
    .bind(note)
    .execute(db)
    .await?;
    Ok(())
}

/// Sets a membership's state; `joined` also stamps joined_at (kept from the first admission).
pub async fn set_membership_state<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    state: &str,
    joined: bool,
    now: i64,
) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "UPDATE memberships SET state = $2, updated_at = $3, \
         joined_at = CASE WHEN $4 = 1 THEN COALESCE(joined_at, $3) ELSE joined_at END WHERE account_id = $1",
    )
    .bind(account_id)
    .bind(state)
    .bind(now)
    .bind(i64::from(joined))
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

pub async fn set_email_proposals<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    on: bool,
    now: i64,
) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "UPDATE memberships SET email_proposals = $2, updated_at = $3 WHERE account_id = $1",
    )
    .bind(account_id)
    .bind(i64::from(on))
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

/// The current holders of a role.
pub async fn role_holders<'e, E: Executor<'e, Database = Any>>(
    db: E,
    role: &str,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> = sqlx::query_as(
        "SELECT DISTINCT account_id FROM role_grants WHERE role = $1 AND revoked_at IS NULL ORDER BY account_id",
    )
    .bind(role)
    .fetch_all(db)
    .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

pub async fn revoke_role<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_id: i64,
    role: &str,
    now: i64,
) -> sqlx::Result<u64> {
    let r = sqlx::query(
        "UPDATE role_grants SET revoked_at = $3 WHERE account_id = $1 AND role = $2 AND revoked_at IS NULL",
    )
    .bind(account_id)
    .bind(role)
    .bind(now)
    .execute(db)
    .await?;
    Ok(r.rows_affected())
}

/// Email addresses of local users by account, for mailing members.
pub async fn emails_of<'e, E: Executor<'e, Database = Any>>(
    db: E,
    account_ids: &[i64],
) -> sqlx::Result<Vec<(i64, String)>> {
    if account_ids.is_empty() {
        return Ok(Vec::new());
    }
    let list = account_ids
        .iter()
        .map(i64::to_string)
        .collect::<Vec<_>>()
        .join(",");
    sqlx::query_as(&format!(
        "SELECT account_id, email FROM users WHERE disabled = 0 AND account_id IN ({list}) ORDER BY account_id"
    ))
    .fetch_all(db)
    .await
}

// ---- the governance log ----

#[derive(Debug, Clone, FromRow)]
pub struct EventRow {
    pub id: i64,
    pub kind: String,
    pub actor_account_id: Option<i64>,
    pub subject_account_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub detail_json: String,
    pub created_at: i64,
}

const EVENT_COLUMNS: &str =
    "id, kind, actor_account_id, subject_account_id, proposal_id, detail_json, created_at";

pub struct NewProposalEvent<'a> {
    pub id: i64,
    pub kind: &'a str,
    pub actor_account_id: Option<i64>,
    pub subject_account_id: Option<i64>,
    pub proposal_id: Option<i64>,
    pub detail_json: String,
    pub now: i64,
}

pub async fn insert_event<'e, E: Executor<'e, Database = Any>>(
    db: E,
    e: &NewProposalEvent<'_>,
) -> sqlx::Result<()> {
    sqlx::query(&format!(
        "INSERT INTO governance_events ({EVENT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7)"
    ))
    .bind(e.id)
    .bind(e.kind)
    .bind(e.actor_account_id)
    .bind(e.subject_account_id)
    .bind(e.proposal_id)
    .bind(&e.detail_json)
    .bind(e.now)
    .execute(db)
    .await?;
    Ok(())
}

pub async fn list_events<'e, E: Executor<'e, Database = Any>>(
    db: E,
    page: &Page,
) -> sqlx::Result<Vec<EventRow>> {
    let mut sql = Sql::new(&format!(
        "SELECT {EVENT_COLUMNS} FROM governance_events WHERE 1 = 1"
    ));
    bound(&mut sql, "id", page);
    let rows: Vec<EventRow> = sql.query_as().fetch_all(db).await?;
    Ok(newest_first(rows, page))
}

/// A proposal's timeline, oldest first.
pub async fn events_of_proposal<'e, E: Executor<'e, Database = Any>>(
    db: E,
    proposal_id: i64,
) -> sqlx::Result<Vec<EventRow>> {
    sqlx::query_as(&format!(
        "SELECT {EVENT_COLUMNS} FROM governance_events WHERE proposal_id = $1 ORDER BY id"
    ))
    .bind(proposal_id)
    .fetch_all(db)
    .await
}

/// One version of a policy.
pub async fn policy_version<'e, E: Executor<'e, Database = Any>>(
    db: E,
    slug: &str,
    version: i64,
) -> sqlx::Result<Option<super::governance::PolicyVersionRow>> {
    sqlx::query_as(
        "SELECT id, slug, version, title, source, adopted_by_proposal_id, effective_at, created_at \
         FROM policy_versions WHERE slug = $1 AND version = $2",
    )
    .bind(slug)
    .bind(version)
    .fetch_optional(db)
    .await
}

/// The version numbers of a policy, ascending.
pub async fn policy_versions<'e, E: Executor<'e, Database = Any>>(
    db: E,
    slug: &str,
) -> sqlx::Result<Vec<i64>> {
    let rows: Vec<(i64,)> =
        sqlx::query_as("SELECT version FROM policy_versions WHERE slug = $1 ORDER BY version")
            .bind(slug)
            .fetch_all(db)
            .await?;
    Ok(rows.into_iter().map(|r| r.0).collect())
}

// --- The co-op's actor and proposals in the social timeline (migration 0010) ---

/// The local account that speaks for the co-op (username `coop`), if made.
pub async fn coop_account_id<'e, E: Executor<'e, Database = Any>>(
    db: E,
) -> sqlx::Result<Option<i64>> {
    let row: Option<(i64,)> = sqlx::query_as(
        "SELECT id FROM accounts WHERE username_lower = 'coop' AND domain = '' AND actor_type = 'Group'",
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(|r| r.0))
}

/// Makes the co-op's account: a local `Group` with no login (no users row).
#[allow(clippy::too_many_arguments)] // one bound value per column
pub async fn insert_coop_account<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    display_name: &str,
    note: &str,
    uri: &str,
    url: &str,
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO accounts (id, username, username_lower, domain, display_name, note, actor_type, \
         uri, url, created_at, updated_at) VALUES ($1, 'coop', 'coop', '', $2, $3, 'Group', $4, $5, $6, $6)",
    )
    .bind(id)
    .bind(display_name)
    .bind(note)
    .bind(uri)
    .bind(url)
    .bind(now)
    .execute(db)
    .await?;
    Ok(())
}

/// Links a proposal to the status (and poll) that announced it.
pub async fn set_post<'e, E: Executor<'e, Database = Any>>(
    db: E,
    id: i64,
    status_id: i64,
    poll_id: Option<i64>,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE proposals SET status_id = $2, poll_id = $3 WHERE id = $1")
        .bind(id)
        .bind(status_id)
        .bind(poll_id)
        .execute(db)
        .await?;
    Ok(())
}

/// The proposal a poll votes on, if any.
pub async fn proposal_by_poll<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_id: i64,
) -> sqlx::Result<Option<ProposalRow>> {
    sqlx::query_as(&format!(
        "SELECT {PROPOSAL_COLUMNS} FROM proposals WHERE poll_id = $1"
    ))
    .bind(poll_id)
    .fetch_optional(db)
    .await
}

/// Replaces one voter's answer in a proposal's poll with `choices` (option indices), so the
/// poll shows the ballot a member cast through the co-op API.
pub async fn replace_poll_answer(
    conn: &mut sqlx::AnyConnection,
    poll_id: i64,
    account_id: i64,
    first_id: i64,
    choices: &[i64],
    now: i64,
) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM poll_votes WHERE poll_id = $1 AND account_id = $2")
        .bind(poll_id)
        .bind(account_id)
        .execute(&mut *conn)
        .await?;
    sqlx::query(
        "INSERT INTO poll_voters (poll_id, account_id, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (poll_id, account_id) DO NOTHING",
    )
    .bind(poll_id)
    .bind(account_id)
    .bind(now)
    .execute(&mut *conn)
    .await?;
    for (i, choice) in choices.iter().enumerate() {
        sqlx::query(
            "INSERT INTO poll_votes (id, poll_id, account_id, choice, created_at) VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(first_id + i as i64)
        .bind(poll_id)
        .bind(account_id)
        .bind(*choice)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    }
    Ok(())
}

/// Whether the account has answered this poll.
pub async fn answered_poll<'e, E: Executor<'e, Database = Any>>(
    db: E,
    poll_id: i64,
    account_id: i64,
) -> sqlx::Result<bool> {
    let row: Option<(i64,)> =
        sqlx::query_as("SELECT 1 FROM poll_voters WHERE poll_id = $1 AND account_id = $2")
            .bind(poll_id)
            .bind(account_id)
            .fetch_optional(db)
            .await?;
    Ok(row.is_some())
}
