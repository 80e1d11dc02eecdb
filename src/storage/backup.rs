//! `herd backup` / `herd restore` for a one-node SQLite instance: the database copied by
//! SQLite's online `VACUUM INTO` (a consistent snapshot while the server keeps running), then
//! the file store's directories. PostgreSQL and S3 have their own tools (docs/operating.md).
//!
//! A backup directory holds `herd.db` and the `media/`, `receipts/` and `ledger-attachments/`
//! trees, laid out as a data directory, so restoring is copying it back.

use std::path::Path;

use anyhow::{bail, Context};

use super::{Backend, Db};

/// What a backup or restore copied.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Copied {
    pub database_bytes: u64,
    pub files: u64,
    pub file_bytes: u64,
}

/// Copies the database and (when `files_root` is given: the local file store) its files into
/// `dest`, which must not exist yet or be empty.
pub async fn backup(db: &Db, files_root: Option<&Path>, dest: &Path) -> anyhow::Result<Copied> {
    if db.backend() != Backend::Sqlite {
        bail!("herd backup copies a SQLite instance; back up PostgreSQL with pg_dump (docs/operating.md#backups)");
    }
    ensure_empty(dest)?;
    std::fs::create_dir_all(dest).with_context(|| format!("creating {}", dest.display()))?;
    let target = dest.join("herd.db");
    let target_str = target
        .to_str()
        .context("the backup directory's path is not UTF-8")?;
    // VACUUM INTO writes a consistent, compacted copy while writers go on (SQLite ≥ 3.27).
    sqlx::query("VACUUM INTO ?")
        .bind(target_str.to_string())
        .execute(&db.pool)
        .await
        .context("VACUUM INTO the backup directory")?;
    let mut copied = Copied {
        database_bytes: std::fs::metadata(&target)?.len(),
        ..Copied::default()
    };
    if let Some(root) = files_root {
        copy_trees(root, dest, &mut copied)?;
    }
    Ok(copied)
}

/// Brings a backup back into `data_dir`, which must hold no database yet (a fresh machine, or
/// a directory moved aside): restoring over a live instance would mix two histories.
pub fn restore(src: &Path, data_dir: &Path) -> anyhow::Result<Copied> {
    let db = src.join("herd.db");
    if !db.is_file() {
        bail!("{} is not a Herd backup (no herd.db)", src.display());
    }
    let target = data_dir.join("herd.db");
    if target.exists() {
        bail!(
            "{} already holds a database: restore into a fresh data directory",
            data_dir.display()
        );
    }
    std::fs::create_dir_all(data_dir)?;
    let mut copied = Copied {
        database_bytes: std::fs::copy(&db, &target)
            .with_context(|| format!("copying {}", db.display()))?,
        ..Copied::default()
    };
    copy_trees(src, data_dir, &mut copied)?;
    Ok(copied)
}

fn ensure_empty(dest: &Path) -> anyhow::Result<()> {
    let has_entries = std::fs::read_dir(dest).is_ok_and(|mut entries| entries.next().is_some());
    if has_entries {
        bail!(
            "{} is not empty: back up into a new directory",
            dest.display()
        );
    }
    Ok(())
}

fn copy_trees(from: &Path, to: &Path, copied: &mut Copied) -> anyhow::Result<()> {
    for key in super::files::local_keys(from)? {
        let dst = to.join(&key);
        if let Some(dir) = dst.parent() {
            std::fs::create_dir_all(dir)?;
        }
        match std::fs::copy(from.join(&key), &dst) {
            Ok(n) => {
                copied.files += 1;
                copied.file_bytes += n;
            }
            // Deleted since it was listed (a sweep): its row is gone too.
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(e).with_context(|| format!("copying {key}")),
        }
    }
    Ok(())
}
