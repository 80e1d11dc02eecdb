//! Founding documents and the policies in force.
//!
//! At start-up the founding documents (embedded, or `HERD_BYLAWS_DIR`) are validated and each
//! policy that has no version yet is imported as adopted by the founding (no proposal). Later
//! versions only come from enacted proposals, so an edited file never silently changes the
//! rules of a running co-op.

use herd_governance::bylaws::{self, FoundingDocuments, PolicyDocument};

use crate::config::Config;
use crate::ids;
use crate::storage::governance::{self as store, PolicyVersionRow};
use crate::storage::Db;

/// Reads and validates the founding documents this instance starts from.
pub fn load_founding(config: &Config) -> anyhow::Result<FoundingDocuments> {
    let docs: Vec<(String, String)> = if config.bylaws_dir.is_empty() {
        bylaws::DEFAULT_DOCUMENTS
            .iter()
            .map(|(name, text)| (name.to_string(), text.to_string()))
            .collect()
    } else {
        let mut docs = Vec::new();
        for entry in std::fs::read_dir(&config.bylaws_dir)
            .map_err(|e| anyhow::anyhow!("bylaws_dir {}: {e}", config.bylaws_dir))?
        {
            let path = entry?.path();
            if path.extension().and_then(|e| e.to_str()) == Some("md") {
                let name = path
                    .file_name()
                    .and_then(|n| n.to_str())
                    .unwrap_or_default()
                    .to_string();
                if name.eq_ignore_ascii_case("README.md") {
                    continue;
                }
                // Errors name the file as the operator wrote its directory: `bylaws/bylaws.md:9: …`.
                let shown = std::path::Path::new(&config.bylaws_dir)
                    .join(&name)
                    .display()
                    .to_string();
                let text =
                    std::fs::read_to_string(&path).map_err(|e| anyhow::anyhow!("{shown}: {e}"))?;
                docs.push((shown, text));
            }
        }
        docs
    };
    Ok(FoundingDocuments::load(docs)?)
}

/// Imports version 1 (or whatever version the file states) of every policy not yet stored.
pub async fn import_founding(
    db: &Db,
    founding: &FoundingDocuments,
    now: i64,
) -> anyhow::Result<()> {
    let existing = store::policy_slugs(&db.pool).await?;
    let missing: Vec<&PolicyDocument> = founding
        .iter()
        .filter(|d| !existing.iter().any(|s| s == &d.slug))
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let mut tx = db.begin_write().await?;
    for doc in missing {
        store::insert_policy_version(
            &mut **tx,
            &PolicyVersionRow {
                id: ids::next_id_at(now / 1000),
                slug: doc.slug.clone(),
                version: i64::from(doc.version),
                title: doc.title.clone(),
                source: doc.source.clone(),
                adopted_by_proposal_id: None,
                effective_at: now,
                created_at: now,
            },
        )
        .await?;
        tracing::info!(slug = %doc.slug, version = doc.version, "founding document imported");
    }
    tx.commit().await?;
    Ok(())
}

/// The parsed version of a policy in force.
pub async fn in_force(db: &Db, slug: &str, now: i64) -> anyhow::Result<Option<PolicyDocument>> {
    match store::policy_in_force(&db.pool, slug, now).await? {
        Some(row) => Ok(Some(bylaws::parse_document(&row.source)?)),
        None => Ok(None),
    }
}

/// The bylaws in force, parsed (they carry the decision and membership rules).
pub async fn bylaws_in_force(
    state: &crate::state::AppState,
    now: i64,
) -> crate::error::AppResult<PolicyDocument> {
    in_force(&state.db, bylaws::BYLAWS_SLUG, now)
        .await?
        .ok_or_else(|| crate::error::AppError::internal_msg("no bylaws in force"))
}

/// A stored policy version with its parsed document.
pub struct PolicyView {
    pub row: PolicyVersionRow,
    pub doc: PolicyDocument,
    pub in_force: bool,
}

fn view(row: PolicyVersionRow, in_force: bool) -> crate::error::AppResult<PolicyView> {
    let doc = bylaws::parse_document(&row.source).map_err(crate::error::AppError::internal)?;
    Ok(PolicyView { row, doc, in_force })
}

/// Every policy's version in force.
pub async fn list_in_force(
    state: &crate::state::AppState,
) -> crate::error::AppResult<Vec<PolicyView>> {
    let now = state.clock.now_micros();
    store::policies_in_force(&state.db.pool, now)
        .await?
        .into_iter()
        .map(|r| view(r, true))
        .collect()
}

/// One policy: the version in force, or version `n`.
pub async fn version(
    state: &crate::state::AppState,
    slug: &str,
    n: Option<i64>,
) -> crate::error::AppResult<PolicyView> {
    let now = state.clock.now_micros();
    let current = store::policy_in_force(&state.db.pool, slug, now)
        .await?
        .ok_or_else(crate::error::AppError::not_found)?;
    match n {
        None => view(current, true),
        Some(n) => {
            let row = crate::storage::proposals::policy_version(&state.db.pool, slug, n)
                .await?
                .ok_or_else(crate::error::AppError::not_found)?;
            let in_force = row.version == current.version;
            view(row, in_force)
        }
    }
}

pub async fn versions(
    state: &crate::state::AppState,
    slug: &str,
) -> crate::error::AppResult<Vec<PolicyView>> {
    let mut out = Vec::new();
    for n in crate::storage::proposals::policy_versions(&state.db.pool, slug).await? {
        out.push(version(state, slug, Some(n)).await?);
    }
    if out.is_empty() {
        return Err(crate::error::AppError::not_found());
    }
    Ok(out)
}

/// What changed between two versions: clauses added, removed and changed (by stable id), and a
/// unified line diff of the whole text.
pub async fn diff(
    state: &crate::state::AppState,
    slug: &str,
    from: Option<i64>,
    to: Option<i64>,
) -> crate::error::AppResult<serde_json::Value> {
    use serde_json::json;
    let to = version(state, slug, to).await?;
    let from_n = from.unwrap_or(to.row.version - 1);
    if from_n < 1 {
        return Err(crate::error::AppError::unprocessable(
            "There is no earlier version to compare with: give `from`",
        ));
    }
    let from = version(state, slug, Some(from_n)).await?;
    let clause = |c: &bylaws::Clause| json!({ "id": c.id, "title": c.title, "text": c.text });
    let added: Vec<_> = to
        .doc
        .clauses
        .iter()
        .filter(|c| from.doc.clause(&c.id).is_none())
        .map(clause)
        .collect();
    let removed: Vec<_> = from
        .doc
        .clauses
        .iter()
        .filter(|c| to.doc.clause(&c.id).is_none())
        .map(clause)
        .collect();
    let changed: Vec<_> =
        to.doc
            .clauses
            .iter()
            .filter_map(|new| {
                let old = from.doc.clause(&new.id)?;
                (old.title != new.title || old.text != new.text || old.sanctions != new.sanctions)
                .then(|| {
                    json!({
                        "id": new.id,
                        "old": { "title": old.title, "text": old.text, "sanctions": old.sanctions },
                        "new": { "title": new.title, "text": new.text, "sanctions": new.sanctions },
                    })
                })
            })
            .collect();
    let text_diff = similar::TextDiff::from_lines(&from.row.source, &to.row.source);
    let unified = text_diff
        .unified_diff()
        .context_radius(3)
        .header(
            &format!("{slug}@{}", from.row.version),
            &format!("{slug}@{}", to.row.version),
        )
        .to_string();
    let lines: Vec<_> = text_diff
        .iter_all_changes()
        .filter(|c| c.tag() != similar::ChangeTag::Equal)
        .map(|c| {
            json!({
                "op": if c.tag() == similar::ChangeTag::Insert { "insert" } else { "delete" },
                "old_line": c.old_index().map(|i| i + 1),
                "new_line": c.new_index().map(|i| i + 1),
                "text": c.value().trim_end_matches('\n'),
            })
        })
        .collect();
    Ok(json!({
        "slug": slug,
        "from": from.row.version,
        "to": to.row.version,
        "clauses": { "added": added, "removed": removed, "changed": changed },
        "lines": lines,
        "unified": unified,
    }))
}
