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
                docs.push((name, std::fs::read_to_string(&path)?));
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
