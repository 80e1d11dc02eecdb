//! Imports of Mastodon's CSV files (follows, lists, blocks, mutes, domain blocks, bookmarks) as
//! queued work, as Mastodon 4.x's BulkImport: the upload is checked at once (a bad type, mode,
//! size or file is a 422 and nothing is recorded), then the import and its rows are recorded
//! with a `Job::Import` in one transaction. The job works through the rows in batches, each
//! row through the same use case the API uses (`social::follow`, `lists::add`,
//! `statuses::mark` …), so a follow of a locked or remote account becomes a request, blocks and
//! limits apply, and remote addresses are resolved through WebFinger outside any transaction.
//!
//! Each row keeps its state (pending, imported, failed with its reason). A row is marked only
//! after its action, and every action is idempotent (following or blocking twice changes
//! nothing, a list is found again by its title), so a job re-run after a crash redoes at most
//! the rows of its last batch and duplicates nothing. `overwrite` first looks every row up,
//! then removes what the file does not list (follows, blocks, mutes, bookmarks, domain
//! blocks), then applies; lists are always merged.

use std::collections::HashSet;

use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::ids;
use crate::jobs::{self, Job};
use crate::paging::Page;
use crate::services::{federation, lists, social, statuses};
use crate::state::AppState;
use crate::storage::accounts::{self, AccountRow};
use crate::storage::exports as exports_store;
use crate::storage::imports::{self as store, ImportRow, LineRow};
use crate::storage::interactions::Mark;

pub const KINDS: &[&str] = crate::services::exports::KINDS;
const MAX_ROWS: usize = 20_000;
/// The largest file accepted (Mastodon's limit is 20 MB; 20,000 rows fit in far less).
pub const MAX_FILE_BYTES: usize = 2 * 1024 * 1024;
/// Rows a job run handles before it queues the next run, so one import never holds the
/// general job loop for long (remote lookups take seconds each).
const BATCH: i64 = 25;
/// A finished import (its report, its rows) is kept this long, then forgotten, as Mastodon
/// forgets its imports after a week.
pub const KEPT_FOR: i64 = 7 * crate::time::MICROS_PER_DAY;
/// Refused rows shown per import.
const FAILURES_SHOWN: i64 = 200;
/// Imports listed on the page.
const LISTED: i64 = 20;

/// The content types a CSV file arrives with (browsers differ; spreadsheets say Excel).
const CSV_TYPES: &[&str] = &[
    "text/csv",
    "text/plain",
    "application/csv",
    "application/vnd.ms-excel",
    "application/octet-stream",
];

#[derive(Debug, Clone, Serialize)]
pub struct RowFailure {
    /// 1-based line in the file.
    pub line: i64,
    pub value: String,
    pub error: String,
}

/// An import as the page and the API show it.
#[derive(Debug, Clone, Serialize)]
pub struct ImportView {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub mode: String,
    /// `scheduled`, `in_progress` or `finished`.
    pub state: String,
    pub total: i64,
    /// Rows done (imported or refused).
    pub processed: i64,
    pub imported: i64,
    pub failed: i64,
    pub failures: Vec<RowFailure>,
    pub created_at: String,
}

/// The upload: its bytes and the content type its part declared.
pub struct Upload<'a> {
    pub bytes: &'a [u8],
    pub content_type: Option<&'a str>,
}

/// Parses the file into (line, fields) records, skipping a header row and blank lines.
fn records(data: &[u8]) -> AppResult<Vec<(usize, Vec<String>)>> {
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .trim(csv::Trim::All)
        .from_reader(data);
    let mut out = Vec::new();
    for (i, rec) in r.records().enumerate() {
        let rec = rec
            .map_err(|_| AppError::validation("data", "ERR_INVALID", "is not a valid CSV file"))?;
        let line = rec.position().map_or(i + 1, |p| p.line() as usize);
        let fields: Vec<String> = rec.iter().map(String::from).collect();
        if fields.iter().all(String::is_empty) {
            continue;
        }
        let first = fields[0].to_ascii_lowercase();
        if out.is_empty()
            && (first == "account address" || first == "#domain" || first == "list name")
        {
            continue; // header
        }
        out.push((line, fields));
        if out.len() > MAX_ROWS {
            return Err(AppError::validation(
                "data",
                "ERR_TOO_LONG",
                &format!("has more than {MAX_ROWS} rows"),
            ));
        }
    }
    Ok(out)
}

/// Checks the upload and records it with its job; nothing is written when it is refused.
pub async fn create(
    state: &AppState,
    me: &CurrentUser,
    kind: &str,
    mode: &str,
    upload: Option<Upload<'_>>,
) -> AppResult<ImportView> {
    if !KINDS.contains(&kind) {
        return Err(AppError::validation(
            "type",
            "ERR_INCLUSION",
            "is not one of follows, lists, blocks, mutes, domain_blocks, bookmarks",
        ));
    }
    if mode != "merge" && mode != "overwrite" {
        return Err(AppError::validation(
            "mode",
            "ERR_INCLUSION",
            "is not one of merge, overwrite",
        ));
    }
    let Some(upload) = upload.filter(|u| !u.bytes.is_empty()) else {
        return Err(AppError::validation("data", "ERR_BLANK", "can't be blank"));
    };
    let declared = upload
        .content_type
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    if !declared.is_empty() && !CSV_TYPES.contains(&declared.as_str()) {
        return Err(AppError::validation(
            "data",
            "ERR_INVALID",
            "must be a CSV file",
        ));
    }
    if upload.bytes.len() > MAX_FILE_BYTES {
        return Err(AppError::validation(
            "data",
            "ERR_TOO_LARGE",
            &format!(
                "is too large (maximum is {} MB)",
                MAX_FILE_BYTES / (1024 * 1024)
            ),
        ));
    }
    if std::str::from_utf8(upload.bytes).is_err() {
        return Err(AppError::validation(
            "data",
            "ERR_INVALID",
            "is not a valid CSV file",
        ));
    }
    let rows = records(upload.bytes)?;
    if rows.is_empty() {
        return Err(AppError::validation("data", "ERR_BLANK", "has no rows"));
    }
    let mut stored = Vec::with_capacity(rows.len());
    for (line, fields) in &rows {
        let json = serde_json::to_string(fields).map_err(AppError::internal)?;
        stored.push((*line as i64, json));
    }
    let now = state.clock.now_micros();
    let import = ImportRow {
        id: ids::next_id(),
        account_id: me.account.id,
        kind: kind.to_string(),
        mode: mode.to_string(),
        state: "scheduled".into(),
        overwritten: 0,
        total_rows: rows.len() as i64,
        created_at: now,
        finished_at: None,
    };
    let mut tx = state.db.begin_write().await?;
    store::insert(&mut tx, &import, &stored).await?;
    jobs::enqueue(
        &mut tx,
        &Job::Import {
            import_id: import.id,
        },
        now,
    )
    .await?;
    tx.commit().await?;
    view(state, import).await
}

async fn view(state: &AppState, import: ImportRow) -> AppResult<ImportView> {
    let db = &state.db.pool;
    let (processed, imported) = store::counts(db, import.id).await?;
    let failures = store::failures(db, import.id, FAILURES_SHOWN)
        .await?
        .into_iter()
        .map(|r| RowFailure {
            line: r.line,
            value: fields_of(&r).join(","),
            error: r.error.unwrap_or_default(),
        })
        .collect();
    Ok(ImportView {
        id: import.id.to_string(),
        kind: import.kind,
        mode: import.mode,
        state: import.state,
        total: import.total_rows,
        processed,
        imported,
        failed: processed - imported,
        failures,
        created_at: crate::time::iso(import.created_at),
    })
}

/// The member's latest imports, newest first.
pub async fn list(state: &AppState, me: &CurrentUser) -> AppResult<Vec<ImportView>> {
    let rows = store::of_account(&state.db.pool, me.account.id, LISTED).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(view(state, r).await?);
    }
    Ok(out)
}

/// One of the member's imports (another member's is not found, as it is not theirs to see).
pub async fn get(state: &AppState, me: &CurrentUser, id: &str) -> AppResult<ImportView> {
    let id: i64 = id.parse().map_err(|_| AppError::not_found())?;
    let row = store::by_id(&state.db.pool, id)
        .await?
        .filter(|r| r.account_id == me.account.id)
        .ok_or_else(AppError::not_found)?;
    view(state, row).await
}

fn fields_of(row: &LineRow) -> Vec<String> {
    serde_json::from_str(&row.fields).unwrap_or_default()
}

fn flag(v: Option<&String>, default: bool) -> bool {
    match v.map(|s| s.trim().to_ascii_lowercase()) {
        Some(s) if s == "true" || s == "1" || s == "yes" => true,
        Some(s) if s == "false" || s == "0" || s == "no" => false,
        _ => default,
    }
}

fn reason(e: &AppError) -> String {
    e.body()["error"]
        .as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or("Record not found")
        .to_string()
}

/// An account by address (`user@domain`, `@user@domain`, or a bare local username).
async fn resolve(state: &AppState, addr: &str) -> AppResult<AccountRow> {
    let addr = addr.trim().trim_start_matches('@');
    let (user, domain) = match addr.split_once('@') {
        Some((u, d)) => (u, d),
        None => (addr, ""),
    };
    if user.is_empty() {
        return Err(AppError::unprocessable("Not an account address"));
    }
    if domain.is_empty() || domain.eq_ignore_ascii_case(&state.config.domain) {
        return accounts::local_account_by_username(&state.db.pool, user)
            .await?
            .ok_or_else(|| AppError::unprocessable("No such account here"));
    }
    if let Some(a) = crate::storage::federation::remote_account_by_acct(
        &state.db.pool,
        &user.to_lowercase(),
        &domain.to_lowercase(),
    )
    .await?
    {
        return Ok(a);
    }
    federation::resolve_acct(state, user, domain).await
}

/// What a row names: its account, its status, or (domain blocks) nothing to look up.
async fn target_of(state: &AppState, kind: &str, fields: &[String]) -> AppResult<Option<i64>> {
    let first = fields.first().cloned().unwrap_or_default();
    match kind {
        "domain_blocks" => Ok(None),
        "bookmarks" => match exports_store::status_by_url(&state.db.pool, &first).await? {
            Some((id,)) => Ok(Some(id)),
            None => Err(AppError::unprocessable("No such status here")),
        },
        "lists" => {
            let addr = fields.get(1).cloned().unwrap_or_default();
            resolve(state, &addr).await.map(|a| Some(a.id))
        }
        _ => resolve(state, &first).await.map(|a| Some(a.id)),
    }
}

/// The member an import acts for, or None if the account is gone or disabled.
async fn member(state: &AppState, account_id: i64) -> anyhow::Result<Option<CurrentUser>> {
    let account = accounts::account_by_id(&state.db.pool, account_id).await?;
    let user = accounts::user_by_account(&state.db.pool, account_id).await?;
    Ok(match (account, user) {
        (Some(account), Some(user)) if user.disabled == 0 => Some(CurrentUser { account, user }),
        _ => None,
    })
}

async fn mark(state: &AppState, id: i64, line: i64, error: Option<&str>) -> anyhow::Result<()> {
    let mut tx = state.db.begin_write().await?;
    store::set_done(&mut tx, id, line, error).await?;
    tx.commit().await?;
    Ok(())
}

/// The queued work (`Job::Import`): one batch of rows, then the next run is queued while
/// rows remain, and the import is finished when none do.
pub async fn run(state: &AppState, id: i64) -> anyhow::Result<()> {
    let Some(import) = store::by_id(&state.db.pool, id).await? else {
        return Ok(());
    };
    if import.state == "finished" {
        return Ok(());
    }
    let Some(me) = member(state, import.account_id).await? else {
        return finish(state, id).await;
    };
    if import.state == "scheduled" {
        let mut tx = state.db.begin_write().await?;
        store::set_state(&mut tx, id, "in_progress", None).await?;
        tx.commit().await?;
    }
    // Overwrite needs every row looked up before it removes anything; merge looks each row
    // up just before applying it.
    let overwrite = import.mode == "overwrite" && import.overwritten == 0;
    if overwrite {
        let rows = store::pending(&state.db.pool, id, false, BATCH).await?;
        let spare = (rows.len() as i64) < BATCH;
        look_up(state, &import, rows).await?;
        if spare
            && store::pending(&state.db.pool, id, false, 1)
                .await?
                .is_empty()
        {
            remove_unlisted(state, &me, &import)
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
            let mut tx = state.db.begin_write().await?;
            store::set_overwritten(&mut tx, id).await?;
            tx.commit().await?;
        } else {
            return requeue(state, id).await;
        }
    } else {
        let rows = store::pending(&state.db.pool, id, false, BATCH).await?;
        look_up(state, &import, rows).await?;
    }
    for row in store::pending(&state.db.pool, id, true, BATCH).await? {
        let fields = fields_of(&row);
        let result = apply_row(state, &me, &import.kind, &fields, row.target_id).await;
        mark(
            state,
            id,
            row.line,
            result.err().as_ref().map(reason).as_deref(),
        )
        .await?;
    }
    let more = !store::pending(&state.db.pool, id, false, 1)
        .await?
        .is_empty()
        || !store::pending(&state.db.pool, id, true, 1)
            .await?
            .is_empty();
    if more {
        return requeue(state, id).await;
    }
    finish(state, id).await
}

/// Marks the import finished and queues its forgetting.
async fn finish(state: &AppState, id: i64) -> anyhow::Result<()> {
    let now = state.clock.now_micros();
    let mut tx = state.db.begin_write().await?;
    store::set_state(&mut tx, id, "finished", Some(now)).await?;
    jobs::enqueue_at(
        &mut tx,
        &Job::ForgetImport { import_id: id },
        now + KEPT_FOR,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The queued forgetting (`Job::ForgetImport`): the import and its rows go.
pub async fn forget(state: &AppState, id: i64) -> anyhow::Result<()> {
    let mut tx = state.db.begin_write().await?;
    store::delete(&mut tx, id).await?;
    tx.commit().await?;
    Ok(())
}

async fn requeue(state: &AppState, id: i64) -> anyhow::Result<()> {
    let mut tx = state.db.begin_write().await?;
    jobs::enqueue(
        &mut tx,
        &Job::Import { import_id: id },
        state.clock.now_micros(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Looks rows up (network for unknown remote accounts, outside any transaction); a row that
/// names nothing found is refused with its reason.
async fn look_up(state: &AppState, import: &ImportRow, rows: Vec<LineRow>) -> anyhow::Result<()> {
    for row in rows {
        let fields = fields_of(&row);
        match target_of(state, &import.kind, &fields).await {
            Ok(target) => {
                let mut tx = state.db.begin_write().await?;
                store::set_resolved(&mut tx, import.id, row.line, target).await?;
                tx.commit().await?;
            }
            // Our own failure (the database): the job is retried and the row looked up again.
            // A remote server's (unreachable, refused) is the row's reason.
            Err(e) if e.status == axum::http::StatusCode::INTERNAL_SERVER_ERROR => {
                return Err(anyhow::anyhow!("{e}"))
            }
            Err(e) => mark(state, import.id, row.line, Some(&reason(&e))).await?,
        }
    }
    Ok(())
}

async fn apply_row(
    state: &AppState,
    me: &CurrentUser,
    kind: &str,
    fields: &[String],
    target: Option<i64>,
) -> AppResult<()> {
    if kind == "domain_blocks" {
        let domain = fields.first().cloned().unwrap_or_default();
        return social::block_domain(state, me, &domain).await;
    }
    if kind == "bookmarks" {
        let id = target.ok_or_else(AppError::not_found)?;
        return statuses::mark(state, me, &id.to_string(), Mark::Bookmark, true)
            .await
            .map(|_| ());
    }
    let t = match target {
        Some(id) => accounts::account_by_id(&state.db.pool, id)
            .await?
            .ok_or_else(AppError::not_found)?,
        None => return Err(AppError::not_found()),
    };
    match kind {
        "follows" => {
            social::follow(
                state,
                me,
                &t,
                Some(flag(fields.get(1), true)),
                Some(flag(fields.get(2), false)),
            )
            .await
        }
        "blocks" => social::block(state, me, &t).await,
        "mutes" => social::mute(state, me, &t, flag(fields.get(1), true), None).await,
        "lists" => {
            let title = fields.first().map(|s| s.trim()).unwrap_or_default();
            let existing = lists::all(state, me)
                .await?
                .into_iter()
                .find(|l| l.title == title);
            let list = match existing {
                Some(l) => l,
                None => {
                    lists::create(
                        state,
                        me,
                        lists::ListInput {
                            title: Some(title.to_string()),
                            ..Default::default()
                        },
                    )
                    .await?
                }
            };
            // As Mastodon: a list holds followed accounts, so the import follows first.
            let rel = social::relationship(state, me.account.id, t.id).await?;
            if !rel.following && t.id != me.account.id {
                social::follow(state, me, &t, None, None).await?;
            }
            lists::add(state, me, &list.id.to_string(), &[t.id.to_string()]).await
        }
        _ => Err(AppError::not_found()),
    }
}

/// Overwrite: removes what the file does not list.
async fn remove_unlisted(state: &AppState, me: &CurrentUser, import: &ImportRow) -> AppResult<()> {
    let db = &state.db.pool;
    let kept = store::kept(db, import.id).await?;
    if import.kind == "domain_blocks" {
        let listed: HashSet<String> = kept
            .iter()
            .filter_map(|r| fields_of(r).first().cloned())
            .filter_map(|d| social::normalize_domain(&d).ok())
            .collect();
        for domain in crate::storage::account_domain_blocks::all(db, me.account.id)
            .await?
            .into_iter()
            .filter(|d| !listed.contains(d))
        {
            social::unblock_domain(state, me, &domain).await?;
        }
        return Ok(());
    }
    let targets: HashSet<i64> = kept.iter().filter_map(|r| r.target_id).collect();
    let now = state.clock.now_micros();
    let rel = match import.kind.as_str() {
        "follows" => crate::storage::social::Relation::Follow,
        "blocks" => crate::storage::social::Relation::Block,
        "mutes" => crate::storage::social::Relation::Mute,
        "bookmarks" => {
            let all = crate::storage::interactions::statuses(
                db,
                Mark::Bookmark,
                me.account.id,
                &Page::first(100_000),
            )
            .await?;
            for (_, s) in all {
                if !targets.contains(&s.id) {
                    // A status one can no longer see stays bookmarked; nothing to report.
                    let _ =
                        statuses::mark(state, me, &s.id.to_string(), Mark::Bookmark, false).await;
                }
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    let current: Vec<AccountRow> =
        crate::storage::social::list(db, rel, me.account.id, false, &Page::first(100_000), now)
            .await?
            .into_iter()
            .map(|(_, a, _)| a)
            .collect();
    for a in current.iter().filter(|a| !targets.contains(&a.id)) {
        match import.kind.as_str() {
            "follows" => social::unfollow(state, me, a).await?,
            "blocks" => social::unblock(state, me, a).await?,
            _ => social::unmute(state, me, a).await?,
        }
    }
    Ok(())
}
