//! An amendment's preview before it is proposed: the new text against the version in force,
//! clause by clause (added, removed, changed, by stable clause id). Reads only; the checks
//! that decide whether the amendment may open stay in `proposals::create`.

use herd_governance::bylaws::{self, Clause};
use serde_json::{json, Value};

use crate::error::{AppError, AppResult};
use crate::services::{membership, policies};
use crate::state::AppState;

/// `{slug, from_version, added: [clause], removed: [clause], changed: [{id, old, new}]}`.
pub async fn preview(state: &AppState, viewer: i64, slug: &str, text: &str) -> AppResult<Value> {
    membership::require_reader(state, viewer).await?;
    let current = policies::version(state, slug, None).await.map_err(|_| {
        AppError::validation(
            "payload",
            "ERR_INVALID",
            &format!("there is no policy `{slug}`"),
        )
    })?;
    let in_force = u32::try_from(current.row.version).map_err(AppError::internal)?;
    let new = bylaws::number_amendment(text, in_force)
        .map_err(|e| AppError::validation("payload", "ERR_INVALID", &format!("text: {e}")))?;
    let old = &current.doc;
    let clause = |c: &Clause| json!({ "id": c.id, "title": c.title, "text": c.text });
    let added: Vec<Value> = new
        .clauses
        .iter()
        .filter(|c| old.clause(&c.id).is_none())
        .map(clause)
        .collect();
    let removed: Vec<Value> = old
        .clauses
        .iter()
        .filter(|c| new.clause(&c.id).is_none())
        .map(clause)
        .collect();
    let changed: Vec<Value> = new
        .clauses
        .iter()
        .filter_map(|c| {
            let o = old.clause(&c.id)?;
            (o.title != c.title || o.text != c.text || o.sanctions != c.sanctions)
                .then(|| json!({ "id": c.id, "old": clause(o), "new": clause(c) }))
        })
        .collect();
    Ok(json!({
        "slug": slug,
        "from_version": current.row.version,
        "added": added,
        "removed": removed,
        "changed": changed,
    }))
}
