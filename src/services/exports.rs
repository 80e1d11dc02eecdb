//! Your data, yours to take: CSV exports and imports of follows, blocks, mutes, lists and
//! bookmarks in Mastodon's file formats, so members can move in from and out to any Mastodon
//! server.
//!
//! An import first parses the whole file (a malformed file is a 422, nothing done), then
//! applies each row through the same use case the API uses (`social::follow`, `lists::add`,
//! `statuses::mark` …), so a follow of a locked or remote account becomes a request and is
//! delivered like any other. Each row is its own transaction: remote addresses are resolved
//! over the network (WebFinger), which must not happen while holding the write lock. A row
//! that cannot be applied (unknown account, unreachable server, a status one may not see) is
//! reported in the answer with its line number and reason; the rest still apply.
//! `overwrite` first removes what is not in the file (follows, blocks, mutes, bookmarks);
//! lists are always merged.

use std::collections::HashSet;

use serde::Serialize;

use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::paging::Page;
use crate::services::{federation, lists, social, statuses};
use crate::state::AppState;
use crate::storage::accounts::{self, AccountRow};
use crate::storage::exports as store;
use crate::storage::interactions::Mark;

pub const KINDS: &[&str] = &[
    "follows",
    "lists",
    "blocks",
    "mutes",
    "domain_blocks",
    "bookmarks",
];
const MAX_ROWS: usize = 20_000;
/// Remote accounts not yet known are looked up over the network (seconds each); one request
/// looks up at most this many, and the rest are reported so a second import (merge is
/// idempotent) continues where this one stopped.
const MAX_NEW_REMOTE: usize = 100;

fn address(state: &AppState, username: &str, domain: &str) -> String {
    let domain = if domain.is_empty() {
        state.config.domain.as_str()
    } else {
        domain
    };
    format!("{username}@{domain}")
}

fn writer(out: &mut Vec<u8>) -> csv::Writer<&mut Vec<u8>> {
    csv::WriterBuilder::new().flexible(true).from_writer(out)
}

fn csv_err(e: impl std::fmt::Display) -> AppError {
    AppError::internal_msg(format!("csv: {e}"))
}

/// The CSV file of one kind.
pub async fn export(state: &AppState, me: &CurrentUser, kind: &str) -> AppResult<String> {
    let db = &state.db.pool;
    let id = me.account.id;
    let mut out = Vec::new();
    {
        let mut w = writer(&mut out);
        let yes_no = |b: i64| if b != 0 { "true" } else { "false" };
        match kind {
            "follows" => {
                w.write_record([
                    "Account address",
                    "Show boosts",
                    "Notify on new posts",
                    "Languages",
                ])
                .map_err(csv_err)?;
                for (u, d, reblogs, notify) in store::follows(db, id).await? {
                    w.write_record([
                        address(state, &u, &d).as_str(),
                        yes_no(reblogs),
                        yes_no(notify),
                        "",
                    ])
                    .map_err(csv_err)?;
                }
            }
            "blocks" => {
                for (u, d) in store::blocks(db, id).await? {
                    w.write_record([address(state, &u, &d)]).map_err(csv_err)?;
                }
            }
            "mutes" => {
                w.write_record(["Account address", "Hide notifications"])
                    .map_err(csv_err)?;
                for (u, d, notes) in store::mutes(db, id, state.clock.now_micros()).await? {
                    w.write_record([address(state, &u, &d).as_str(), yes_no(notes)])
                        .map_err(csv_err)?;
                }
            }
            "lists" => {
                for (title, u, d) in store::lists(db, id).await? {
                    w.write_record([title, address(state, &u, &d)])
                        .map_err(csv_err)?;
                }
            }
            "bookmarks" => {
                for (url,) in store::bookmarks(db, id).await? {
                    w.write_record([url]).map_err(csv_err)?;
                }
            }
            "domain_blocks" => {
                for domain in crate::storage::account_domain_blocks::all(db, id).await? {
                    w.write_record([domain]).map_err(csv_err)?;
                }
            }
            _ => return Err(AppError::not_found()),
        }
        w.flush().map_err(csv_err)?;
    }
    String::from_utf8(out).map_err(csv_err)
}

/// A parsed row: its line, fields, and the account or status it names.
type Resolved = (usize, Vec<String>, Option<AccountRow>, Option<i64>);

#[derive(Debug, Serialize)]
pub struct RowFailure {
    /// 1-based line in the file.
    pub line: usize,
    pub value: String,
    pub error: String,
}

#[derive(Debug, Serialize)]
pub struct ImportReport {
    #[serde(rename = "type")]
    pub kind: String,
    pub mode: String,
    pub total: usize,
    pub imported: usize,
    pub failures: Vec<RowFailure>,
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
        let rec =
            rec.map_err(|e| AppError::unprocessable(format!("The file is not valid CSV: {e}")))?;
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
            return Err(AppError::unprocessable(format!(
                "The file has more than {MAX_ROWS} rows"
            )));
        }
    }
    Ok(out)
}

fn flag(v: Option<&String>, default: bool) -> bool {
    match v.map(|s| s.trim().to_ascii_lowercase()) {
        Some(s) if s == "true" || s == "1" || s == "yes" => true,
        Some(s) if s == "false" || s == "0" || s == "no" => false,
        _ => default,
    }
}

/// An account by address (`user@domain`, `@user@domain`, or a bare local username).
async fn resolve(state: &AppState, addr: &str, lookups: &mut usize) -> AppResult<AccountRow> {
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
    if *lookups >= MAX_NEW_REMOTE {
        return Err(AppError::unprocessable(
            "Not looked up: too many new remote accounts in one import; import the file again to continue",
        ));
    }
    *lookups += 1;
    federation::resolve_acct(state, user, domain).await
}

fn reason(e: &AppError) -> String {
    e.body()["error"]
        .as_str()
        .filter(|s| !s.is_empty())
        .unwrap_or("Record not found")
        .to_string()
}

pub async fn import(
    state: &AppState,
    me: &CurrentUser,
    kind: &str,
    mode: &str,
    data: &[u8],
) -> AppResult<ImportReport> {
    if !KINDS.contains(&kind) {
        return Err(AppError::unprocessable(format!(
            "Validation failed: type {kind:?} is not one of follows, blocks, mutes, lists, bookmarks, domain_blocks"
        )));
    }
    if mode != "merge" && mode != "overwrite" {
        return Err(AppError::unprocessable(format!(
            "Validation failed: mode {mode:?} is not one of merge, overwrite"
        )));
    }
    let rows = records(data)?;
    let mut report = ImportReport {
        kind: kind.to_string(),
        mode: mode.to_string(),
        total: rows.len(),
        imported: 0,
        failures: Vec::new(),
    };
    if kind == "domain_blocks" {
        import_domain_blocks(state, me, mode, rows, &mut report).await?;
        return Ok(report);
    }
    // Resolve or look up every row first: (line, value, target) or a failure.
    let mut kept: Vec<Resolved> = Vec::new();
    let mut lookups = 0;
    for (line, fields) in rows {
        let value = fields.join(",");
        let looked_up = if kind == "bookmarks" {
            match store::status_by_url(&state.db.pool, &fields[0]).await {
                Ok(Some((id,))) => Ok((None, Some(id))),
                Ok(None) => Err(AppError::unprocessable("No such status here")),
                Err(e) => Err(e.into()),
            }
        } else {
            let addr = if kind == "lists" {
                fields.get(1).cloned().unwrap_or_default()
            } else {
                fields[0].clone()
            };
            resolve(state, &addr, &mut lookups)
                .await
                .map(|a| (Some(a), None))
        };
        match looked_up {
            Ok((account, status)) => kept.push((line, fields, account, status)),
            Err(e) => report.failures.push(RowFailure {
                line,
                value,
                error: reason(&e),
            }),
        }
    }
    if mode == "overwrite" {
        overwrite(state, me, kind, &kept).await?;
    }
    for (line, fields, account, status) in kept {
        let result = apply_row(state, me, kind, &fields, account.as_ref(), status).await;
        match result {
            Ok(()) => report.imported += 1,
            Err(e) => report.failures.push(RowFailure {
                line,
                value: fields.join(","),
                error: reason(&e),
            }),
        }
    }
    report.failures.sort_by_key(|f| f.line);
    Ok(report)
}

async fn apply_row(
    state: &AppState,
    me: &CurrentUser,
    kind: &str,
    fields: &[String],
    account: Option<&AccountRow>,
    status: Option<i64>,
) -> AppResult<()> {
    let target = || account.ok_or_else(AppError::not_found);
    match kind {
        "follows" => {
            social::follow(
                state,
                me,
                target()?,
                Some(flag(fields.get(1), true)),
                Some(flag(fields.get(2), false)),
            )
            .await
        }
        "blocks" => social::block(state, me, target()?).await,
        "mutes" => social::mute(state, me, target()?, flag(fields.get(1), true), None).await,
        "bookmarks" => {
            let id = status.ok_or_else(AppError::not_found)?;
            statuses::mark(state, me, &id.to_string(), Mark::Bookmark, true)
                .await
                .map(|_| ())
        }
        "lists" => {
            let title = fields[0].trim();
            let t = target()?;
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
                social::follow(state, me, t, None, None).await?;
            }
            lists::add(state, me, &list.id.to_string(), &[t.id.to_string()]).await
        }
        _ => Err(AppError::not_found()),
    }
}

/// One domain per row; overwrite first lifts the blocks the file does not list.
async fn import_domain_blocks(
    state: &AppState,
    me: &CurrentUser,
    mode: &str,
    rows: Vec<(usize, Vec<String>)>,
    report: &mut ImportReport,
) -> AppResult<()> {
    if mode == "overwrite" {
        let listed: HashSet<String> = rows
            .iter()
            .filter_map(|(_, f)| social::normalize_domain(&f[0]).ok())
            .collect();
        for domain in crate::storage::account_domain_blocks::all(&state.db.pool, me.account.id)
            .await?
            .into_iter()
            .filter(|d| !listed.contains(d))
        {
            social::unblock_domain(state, me, &domain).await?;
        }
    }
    for (line, fields) in rows {
        match social::block_domain(state, me, &fields[0]).await {
            Ok(()) => report.imported += 1,
            Err(e) => report.failures.push(RowFailure {
                line,
                value: fields.join(","),
                error: reason(&e),
            }),
        }
    }
    Ok(())
}

/// Removes what the file does not list (overwrite mode).
async fn overwrite(
    state: &AppState,
    me: &CurrentUser,
    kind: &str,
    kept: &[Resolved],
) -> AppResult<()> {
    let db = &state.db.pool;
    let accounts_in: HashSet<i64> = kept
        .iter()
        .filter_map(|k| k.2.as_ref().map(|a| a.id))
        .collect();
    let now = state.clock.now_micros();
    let current: Vec<AccountRow> = match kind {
        "follows" | "blocks" | "mutes" => {
            let rel = match kind {
                "follows" => crate::storage::social::Relation::Follow,
                "blocks" => crate::storage::social::Relation::Block,
                _ => crate::storage::social::Relation::Mute,
            };
            crate::storage::social::list(db, rel, me.account.id, false, &Page::first(100_000), now)
                .await?
                .into_iter()
                .map(|(_, a, _)| a)
                .collect()
        }
        "bookmarks" => {
            let statuses_in: HashSet<i64> = kept.iter().filter_map(|k| k.3).collect();
            let all = crate::storage::interactions::statuses(
                db,
                Mark::Bookmark,
                me.account.id,
                &Page::first(100_000),
            )
            .await?;
            for (_, s) in all {
                if !statuses_in.contains(&s.id) {
                    // A status one can no longer see stays bookmarked; nothing to report.
                    let _ =
                        statuses::mark(state, me, &s.id.to_string(), Mark::Bookmark, false).await;
                }
            }
            return Ok(());
        }
        _ => return Ok(()),
    };
    for a in current.iter().filter(|a| !accounts_in.contains(&a.id)) {
        match kind {
            "follows" => social::unfollow(state, me, a).await?,
            "blocks" => social::unblock(state, me, a).await?,
            _ => social::unmute(state, me, a).await?,
        }
    }
    Ok(())
}

/// Rewrites a note's attachments stored here to their path in the archive, noting the keys.
fn bundle_media(note: &mut serde_json::Value, prefix: &str, files: &mut Vec<String>) {
    let Some(list) = note.get_mut("attachment").and_then(|a| a.as_array_mut()) else {
        return;
    };
    for doc in list {
        let key = doc
            .get("url")
            .and_then(|u| u.as_str())
            .and_then(|u| u.strip_prefix(prefix))
            .map(String::from);
        if let Some(key) = key {
            doc["url"] = serde_json::json!(format!("/media_attachments/files/{key}"));
            files.push(key);
        }
    }
}

/// Mastodon's archive, in part: `actor.json` (the actor document) and `outbox.json` (an
/// OrderedCollection of Create activities for every public and unlisted post) in a zip file,
/// with the posts' media files and the avatar and header (`avatar.png`, `header.jpg`, … which
/// `actor.json`'s `icon` and `image` name, as in Mastodon's archive).
pub async fn archive(state: &AppState, me: &CurrentUser) -> AppResult<Vec<u8>> {
    use std::io::Write;

    let actor_id = crate::federation::actor_uri(state, &me.account.username);
    // The actor document exactly as federation serves it.
    let mut actor_doc = crate::services::documents::actor_of_row(state, &me.account).await?;
    // The avatar and header travel as files beside actor.json, which names them.
    let mut profile_images: Vec<(String, String)> = Vec::new();
    for (property, name, key) in [
        ("icon", "avatar", &me.account.avatar_file),
        ("image", "header", &me.account.header_file),
    ] {
        if key.is_empty() || actor_doc.get(property).is_none() {
            continue;
        }
        let ext = key.rsplit_once('.').map_or("png", |(_, e)| e);
        let file = format!("{name}.{ext}");
        actor_doc[property]["url"] = serde_json::json!(file);
        profile_images.push((file, key.clone()));
    }
    let actor = serde_json::to_vec(&actor_doc).map_err(AppError::internal)?;

    let mut items = Vec::new();
    // The archive carries our own files; notes point at them by relative path, as
    // Mastodon's archive does (`/media_attachments/files/…`).
    let media_prefix = crate::entities::media::file_url(state, "");
    let mut files: Vec<String> = Vec::new();
    let mut max_id = None;
    let mut conn = state.db.pool.acquire().await?;
    loop {
        let rows = crate::storage::federation::outbox_page(
            &mut *conn,
            me.account.id,
            &Page {
                max_id,
                ..Page::first(200)
            },
        )
        .await?;
        let Some(last) = rows.last() else { break };
        max_id = Some(last.id);
        for s in rows.iter().filter(|s| s.reblog_of_id.is_none()) {
            if let Some(mut note) = federation::note_for(&mut conn, state, s).await? {
                bundle_media(&mut note, &media_prefix, &mut files);
                let mut create = crate::federation::protocol::wrap(
                    "Create",
                    &format!("{}/activity", s.uri),
                    &actor_id,
                    note,
                );
                if let Some(o) = create.as_object_mut() {
                    o.remove("@context");
                }
                items.push(create);
            }
        }
    }
    let outbox = serde_json::json!({
        "@context": crate::federation::protocol::context(),
        "id": "outbox.json",
        "type": "OrderedCollection",
        "totalItems": items.len(),
        "orderedItems": items,
    });

    let mut out = std::io::Cursor::new(Vec::new());
    {
        let mut zip = zip::ZipWriter::new(&mut out);
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Stored);
        let zip_err = |e: zip::result::ZipError| AppError::internal_msg(format!("zip: {e}"));
        zip.start_file("actor.json", options).map_err(zip_err)?;
        zip.write_all(&actor).map_err(AppError::internal)?;
        for (name, key) in &profile_images {
            if let Some(bytes) = state
                .media
                .get(key)
                .await
                .map_err(crate::services::media::store_unavailable)?
            {
                zip.start_file(name.as_str(), options).map_err(zip_err)?;
                zip.write_all(&bytes).map_err(AppError::internal)?;
            }
        }
        zip.start_file("outbox.json", options).map_err(zip_err)?;
        zip.write_all(outbox.to_string().as_bytes())
            .map_err(AppError::internal)?;
        for key in &files {
            // A file gone from the store leaves its reference dangling, as in Mastodon.
            if let Some(bytes) = state
                .media
                .get(key)
                .await
                .map_err(crate::services::media::store_unavailable)?
            {
                zip.start_file(format!("media_attachments/files/{key}"), options)
                    .map_err(zip_err)?;
                zip.write_all(&bytes).map_err(AppError::internal)?;
            }
        }
        zip.finish().map_err(zip_err)?;
    }
    Ok(out.into_inner())
}
