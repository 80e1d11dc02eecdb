//! Your data, yours to take: CSV exports of follows, blocks, mutes, lists and bookmarks in
//! Mastodon's file formats, and the archive, so members can move out to any Mastodon server.
//! Imports of the same files are queued work: `services::imports`.

use crate::error::{AppError, AppResult};
use crate::http::auth::CurrentUser;
use crate::paging::Page;
use crate::services::federation;
use crate::state::AppState;
use crate::storage::exports as store;

pub const KINDS: &[&str] = &[
    "follows",
    "lists",
    "blocks",
    "mutes",
    "domain_blocks",
    "bookmarks",
];

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
