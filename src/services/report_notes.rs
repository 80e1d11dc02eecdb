//! Moderators' internal notes on a report (as Mastodon's admin interface keeps them): a
//! moderator writes down what they found or asked, for the other moderators. The notes are
//! never shown to the reporter or the reported account: no API those accounts can reach
//! returns them, and a moderator who is a party to the report (its reporter or its target)
//! neither reads nor writes them, as the gate keeps them from acting on their own case.

use serde::Serialize;

use crate::entities::Account;
use crate::error::{AppError, AppResult};
use crate::ids;
use crate::services::moderation;
use crate::state::AppState;
use crate::storage::moderation::ReportRow;
use crate::storage::report_notes::{self as store, ReportNoteRow};

/// The longest note, in characters (Mastodon's limit for report notes).
pub const MAX_CHARS: usize = 500;

/// A note as the page shows it: `{id, content, created_at, account}`.
#[derive(Debug, Clone, Serialize)]
pub struct ReportNote {
    pub id: String,
    pub content: String,
    pub created_at: String,
    pub account: Option<Account>,
}

/// The report, if `actor` is a moderator who is not a party to it.
async fn report_for(state: &AppState, actor: i64, report_id: i64) -> AppResult<ReportRow> {
    let report = moderation::get_report(state, actor, report_id).await?;
    if report.account_id == actor || report.target_account_id == actor {
        return Err(AppError::forbidden(
            "A report's notes are for the moderators who are not party to it",
        ));
    }
    Ok(report)
}

async fn entity(state: &AppState, row: ReportNoteRow) -> AppResult<ReportNote> {
    Ok(ReportNote {
        id: row.id.to_string(),
        content: row.content,
        created_at: crate::time::iso(row.created_at),
        account: moderation::account_entity(state, Some(row.account_id)).await?,
    })
}

/// The report's notes, oldest first.
pub async fn list(state: &AppState, actor: i64, report_id: i64) -> AppResult<Vec<ReportNote>> {
    report_for(state, actor, report_id).await?;
    let mut out = Vec::new();
    for row in store::of_report(&state.db.pool, report_id).await? {
        out.push(entity(state, row).await?);
    }
    Ok(out)
}

/// Adds a note; `content` must hold text, at most `MAX_CHARS` characters.
pub async fn add(
    state: &AppState,
    actor: i64,
    report_id: i64,
    content: &str,
) -> AppResult<ReportNote> {
    let report = report_for(state, actor, report_id).await?;
    let content = content.trim();
    if content.is_empty() {
        return Err(AppError::validation(
            "content",
            "ERR_BLANK",
            "can't be blank",
        ));
    }
    if content.chars().count() > MAX_CHARS {
        return Err(AppError::validation(
            "content",
            "ERR_TOO_LONG",
            &format!("is too long (maximum is {MAX_CHARS} characters)"),
        ));
    }
    let now = state.clock.now_micros();
    let row = ReportNoteRow {
        id: ids::next_id_at(now / 1000),
        report_id: report.id,
        account_id: actor,
        content: content.to_string(),
        created_at: now,
    };
    store::insert(&state.db.pool, &row).await?;
    entity(state, row).await
}

/// Deletes a note: its author's, or any note for an admin (as Mastodon allows).
pub async fn delete(state: &AppState, actor: i64, report_id: i64, note_id: i64) -> AppResult<()> {
    report_for(state, actor, report_id).await?;
    let note = store::by_id(&state.db.pool, note_id)
        .await?
        .filter(|n| n.report_id == report_id)
        .ok_or_else(AppError::not_found)?;
    let admin = crate::storage::governance::active_roles(&state.db.pool, actor)
        .await?
        .iter()
        .any(|r| r == "admin");
    if note.account_id != actor && !admin {
        return Err(AppError::forbidden(
            "Only its author or an admin may delete a note",
        ));
    }
    store::delete(&state.db.pool, note_id).await?;
    Ok(())
}
