//! ActivityStreams shapes: the JSON we send (actors are in `actors`), helpers to read the
//! compacted JSON others send (string-or-object-or-array, `value_or_id`), and the remote HTML
//! sanitiser (Mastodon's allow-list, through ammonia).

use std::collections::{HashMap, HashSet};

use serde_json::{json, Value};

use crate::federation::{actor_uri, PUBLIC};
use crate::state::AppState;
use crate::storage::accounts::AccountRow;
use crate::storage::statuses::StatusRow;
use crate::time;

pub const CONTEXT: &str = "https://www.w3.org/ns/activitystreams";

/// The `@context` of the documents we serve. It defines the quote terms too: every local Note
/// carries `interactionPolicy` and may carry `quote` and `quoteAuthorization`, and a JSON-LD
/// reader (Fedify) drops a property its context does not define.
pub fn context() -> Value {
    let mut doc = json!([
        CONTEXT,
        "https://w3id.org/security/v1",
        {
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "toot": "http://joinmastodon.org/ns#",
            "featured": {"@id": "toot:featured", "@type": "@id"},
            "featuredTags": {"@id": "toot:featuredTags", "@type": "@id"},
            "alsoKnownAs": {"@id": "as:alsoKnownAs", "@type": "@id"},
            "movedTo": {"@id": "as:movedTo", "@type": "@id"},
            "attributionDomains": {"@id": "toot:attributionDomains", "@type": "@id"},
            "schema": "http://schema.org#",
            "PropertyValue": "schema:PropertyValue",
            "value": "schema:value",
            "discoverable": "toot:discoverable",
            "indexable": "toot:indexable",
            "suspended": "toot:suspended",
            "memorial": "toot:memorial",
            "Emoji": "toot:Emoji",
            "Hashtag": "as:Hashtag",
            "sensitive": "as:sensitive",
            "votersCount": "toot:votersCount"
        }
    ]);
    if let (Some(terms), Value::Object(quote)) = (doc[2].as_object_mut(), quote_terms()) {
        terms.extend(quote);
    }
    doc
}

/// The JSON-LD terms of FEP-044f and GoToSocial's interaction policies, as Mastodon 4.5
/// declares them.
pub fn quote_terms() -> Value {
    json!({
        "gts": "https://gotosocial.org/ns#",
        "interactionPolicy": {"@id": "gts:interactionPolicy", "@type": "@id"},
        "canQuote": {"@id": "gts:canQuote", "@type": "@id"},
        "automaticApproval": {"@id": "gts:automaticApproval", "@type": "@id"},
        "manualApproval": {"@id": "gts:manualApproval", "@type": "@id"},
        "interactingObject": {"@id": "gts:interactingObject", "@type": "@id"},
        "interactionTarget": {"@id": "gts:interactionTarget", "@type": "@id"},
        "QuoteAuthorization": "https://w3id.org/fep/044f#QuoteAuthorization",
        "QuoteRequest": "https://w3id.org/fep/044f#QuoteRequest",
        "quote": {"@id": "https://w3id.org/fep/044f#quote", "@type": "@id"},
        "quoteUri": "http://fedibird.com/ns#quoteUri",
        "_misskey_quote": "https://misskey-hub.net/ns#_misskey_quote",
        "quoteAuthorization": {"@id": "https://w3id.org/fep/044f#quoteAuthorization", "@type": "@id"},
    })
}

/// The id of a reference given as a string or as an object with `id`.
pub fn id_of(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s.as_str()),
        Value::Object(o) => o.get("id").and_then(Value::as_str),
        _ => None,
    }
}

/// The ids of a property that may be one reference or an array of them.
pub fn ids_of(v: Option<&Value>) -> Vec<&str> {
    match v {
        Some(Value::Array(a)) => a.iter().filter_map(id_of).collect(),
        Some(v) => id_of(v).into_iter().collect(),
        None => Vec::new(),
    }
}

/// `type` as a string (the first one when an array is given).
pub fn type_of(v: &Value) -> &str {
    match v.get("type") {
        Some(Value::String(s)) => s,
        Some(Value::Array(a)) => a.first().and_then(Value::as_str).unwrap_or(""),
        _ => "",
    }
}

/// Whether a document's `@context` names ActivityStreams.
pub fn has_as_context(v: &Value) -> bool {
    match v.get("@context") {
        Some(Value::String(s)) => s == CONTEXT,
        Some(Value::Array(a)) => a.iter().any(|c| c.as_str() == Some(CONTEXT)),
        _ => false,
    }
}

pub fn is_public(uri: &str) -> bool {
    uri == PUBLIC || uri == "as:Public" || uri == "Public"
}

/// Remote HTML cut down to Mastodon's allow-list.
pub fn sanitize(html: &str) -> String {
    SANITIZER.clean(html).to_string()
}

/// The allow-list, built once per process (it is read-only once built).
static SANITIZER: std::sync::LazyLock<ammonia::Builder<'static>> =
    std::sync::LazyLock::new(sanitizer);

fn sanitizer() -> ammonia::Builder<'static> {
    let tags: HashSet<&str> = [
        "p",
        "br",
        "span",
        "a",
        "del",
        "pre",
        "code",
        "em",
        "strong",
        "b",
        "i",
        "u",
        "ul",
        "ol",
        "li",
        "blockquote",
    ]
    .into_iter()
    .collect();
    let mut attrs: HashMap<&str, HashSet<&str>> = HashMap::new();
    attrs.insert("a", ["href", "class"].into_iter().collect());
    attrs.insert("span", ["class"].into_iter().collect());
    attrs.insert("ol", ["start", "reversed"].into_iter().collect());
    attrs.insert("li", ["value"].into_iter().collect());
    let schemes: HashSet<&str> = [
        "http", "https", "dat", "dweb", "ipfs", "ipns", "ssb", "gopher", "xmpp", "magnet", "gemini",
    ]
    .into_iter()
    .collect();
    let mut b = ammonia::Builder::default();
    b.tags(tags)
        .tag_attributes(attrs)
        .generic_attributes(HashSet::new())
        .url_schemes(schemes)
        .link_rel(Some("nofollow noopener noreferrer"))
        .attribute_filter(|_, attr, value| {
            if attr != "class" {
                return Some(value.into());
            }
            let kept: Vec<&str> = value
                .split_whitespace()
                .filter(|c| {
                    ["h-", "p-", "u-", "dt-", "e-"]
                        .iter()
                        .any(|p| c.starts_with(p))
                        || ["mention", "hashtag", "ellipsis", "invisible"].contains(c)
                })
                .collect();
            (!kept.is_empty()).then(|| kept.join(" ").into())
        });
    b
}

/// Remote HTML as plain text (profile notes; stored as text, escaped when rendered).
pub fn to_text(html: &str) -> String {
    let with_breaks = html
        .replace("</p>", "\n\n")
        .replace("<br>", "\n")
        .replace("<br/>", "\n")
        .replace("<br />", "\n");
    ammonia::Builder::empty()
        .clean(&with_breaks)
        .to_string()
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&nbsp;", " ")
        .replace("&amp;", "&")
        .trim()
        .to_string()
}

/// A plain-text field of at most `max` characters without control characters.
pub fn plain(s: &str, max: usize) -> String {
    s.chars().filter(|c| !c.is_control()).take(max).collect()
}

/// Who a status is addressed to (A10).
pub fn addressing(
    state: &AppState,
    author: &AccountRow,
    visibility: &str,
    mentions: &[String],
) -> (Vec<String>, Vec<String>) {
    let followers = format!("{}/followers", actor_uri(state, &author.username));
    let m = mentions.to_vec();
    match visibility {
        "public" => (vec![PUBLIC.into()], [vec![followers], m].concat()),
        "unlisted" => (vec![followers], [vec![PUBLIC.into()], m].concat()),
        "private" => (vec![followers], m),
        _ => (m, Vec::new()),
    }
}

/// A local status as a Note. `mentioned` are (actor uri, acct) of the accounts it mentions;
/// `parent_uri` the status it answers.
pub fn note(
    state: &AppState,
    author: &AccountRow,
    s: &StatusRow,
    mentioned: &[(String, String)],
    parent_uri: Option<&str>,
) -> Value {
    let uris: Vec<String> = mentioned.iter().map(|(u, _)| u.clone()).collect();
    let (to, cc) = addressing(state, author, &s.visibility, &uris);
    let tags: Vec<Value> = mentioned
        .iter()
        .map(|(href, acct)| json!({"type": "Mention", "href": href, "name": format!("@{acct}")}))
        .collect();
    let mut note = json!({
        "id": s.uri,
        "type": "Note",
        "attributedTo": actor_uri(state, &author.username),
        "content": s.content,
        "published": time::iso(s.created_at),
        "url": s.url,
        "to": to,
        "cc": cc,
        "inReplyTo": parent_uri,
        "sensitive": s.sensitive != 0,
        "summary": if s.spoiler_text.is_empty() { Value::Null } else { json!(s.spoiler_text) },
        "tag": tags,
        "attachment": [],
    });
    if let Some(edited) = s.edited_at {
        note["updated"] = json!(time::iso(edited));
    }
    if let Some(lang) = &s.language {
        note["contentMap"] = json!({ lang.clone(): s.content });
    }
    note
}

/// An attachment as ActivityPub carries it (Mastodon's `Document` fields).
#[derive(Debug, Clone, PartialEq)]
pub struct Attachment {
    pub url: String,
    pub media_type: String,
    /// Mastodon's kind: image, gifv, video, audio or unknown.
    pub kind: String,
    pub description: Option<String>,
    pub blurhash: Option<String>,
    pub width: i64,
    pub height: i64,
    pub focus: (f64, f64),
    /// A video's or audio file's preview picture (Mastodon's `icon` of the `Document`).
    pub icon: Option<String>,
}

/// Mastodon keeps four attachments of a remote post.
pub const MAX_REMOTE_ATTACHMENTS: usize = 4;

impl Attachment {
    pub fn document(&self) -> Value {
        let mut doc = json!({
            "type": "Document",
            "mediaType": self.media_type,
            "url": self.url,
            "name": self.description,
            "blurhash": self.blurhash,
            "focalPoint": [self.focus.0, self.focus.1],
        });
        if self.width > 0 && self.height > 0 {
            doc["width"] = json!(self.width);
            doc["height"] = json!(self.height);
        }
        if let Some(icon) = &self.icon {
            doc["icon"] = json!({"type": "Image", "mediaType": media_type_of(icon), "url": icon});
        }
        doc
    }
}

/// The type of a preview picture by the extension Herd gave it.
fn media_type_of(url: &str) -> &'static str {
    match url.rsplit_once('.').map(|(_, ext)| ext) {
        Some("jpg") => "image/jpeg",
        Some("webp") => "image/webp",
        _ => "image/png",
    }
}

/// An `icon`/`url` value's http(s) URL (a string, a Link or Image object, or the first of a
/// list), at most 2,048 characters.
fn http_url(v: &Value) -> Option<String> {
    let url = match v {
        Value::String(u) => u.clone(),
        Value::Object(link) => {
            link.get("href")
                .or_else(|| link.get("url"))
                .and_then(|u| match u {
                    Value::String(s) => Some(s.clone()),
                    other => http_url(other),
                })?
        }
        Value::Array(links) => links.iter().find_map(http_url)?,
        _ => return None,
    };
    let parsed = url::Url::parse(&url).ok()?;
    (matches!(parsed.scheme(), "http" | "https") && url.len() <= 2048).then_some(url)
}

/// The attachments of a remote object: at most four `Document`/`Image`/`Video`/`Audio` with an
/// http(s) URL; anything else is skipped. Descriptions are plain text of at most 1,500
/// characters; a blurhash is kept only when it is one.
pub fn attachments(obj: &Value) -> Vec<Attachment> {
    let list = match obj.get("attachment") {
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::Object(_)) => vec![one.clone()],
        _ => return Vec::new(),
    };
    list.iter()
        .filter(|a| {
            matches!(
                a.get("type").and_then(Value::as_str),
                Some("Document" | "Image" | "Video" | "Audio")
            )
        })
        .filter_map(|a| {
            let url = match a.get("url")? {
                Value::String(u) => u.clone(),
                Value::Object(link) => link.get("href")?.as_str()?.to_string(),
                Value::Array(links) => links
                    .iter()
                    .find_map(|l| l.get("href").and_then(Value::as_str).or(l.as_str()))?
                    .to_string(),
                _ => return None,
            };
            let parsed = url::Url::parse(&url).ok()?;
            if !matches!(parsed.scheme(), "http" | "https") || url.len() > 2048 {
                return None;
            }
            let media_type = a
                .get("mediaType")
                .and_then(Value::as_str)
                .filter(|t| t.len() <= 100 && t.contains('/'))
                .unwrap_or("")
                .to_ascii_lowercase();
            let kind = match media_type.split('/').next() {
                Some("image") if media_type == "image/gif" => "gifv",
                Some("image") => "image",
                Some("video") => "video",
                Some("audio") => "audio",
                _ if a.get("type").and_then(Value::as_str) == Some("Image") => "image",
                _ => "unknown",
            };
            let dimension = |k: &str| {
                a.get(k)
                    .and_then(Value::as_i64)
                    .filter(|v| (1..=100_000).contains(v))
                    .unwrap_or(0)
            };
            let focus = match a.get("focalPoint").and_then(Value::as_array) {
                Some(p) if p.len() == 2 => {
                    let c = |v: &Value| {
                        v.as_f64()
                            .filter(|f| (-1.0..=1.0).contains(f))
                            .unwrap_or(0.0)
                    };
                    (c(&p[0]), c(&p[1]))
                }
                _ => (0.0, 0.0),
            };
            let blurhash = a
                .get("blurhash")
                .and_then(Value::as_str)
                .filter(|b| {
                    (6..=100).contains(&b.len())
                        && b.chars().all(|c| {
                            c.is_ascii_alphanumeric() || "#$%*+,-.:;=?@[]^_{|}~".contains(c)
                        })
                })
                .map(String::from);
            let description = a
                .get("name")
                .and_then(Value::as_str)
                .map(|d| plain(d, 1500))
                .filter(|d| !d.is_empty());
            // A video's or audio file's preview picture; an image is its own preview.
            let icon = match kind {
                "video" | "audio" | "gifv" => a.get("icon").and_then(http_url),
                _ => None,
            };
            Some(Attachment {
                icon,
                url,
                media_type,
                kind: kind.to_string(),
                description,
                blurhash,
                width: dimension("width"),
                height: dimension("height"),
                focus,
            })
        })
        .take(MAX_REMOTE_ATTACHMENTS)
        .collect()
}

/// Wraps an object in an activity of `kind` by `actor`, addressed like the object.
pub fn wrap(kind: &str, id: &str, actor: &str, object: Value) -> Value {
    let to = object.get("to").cloned().unwrap_or_else(|| json!([]));
    let cc = object.get("cc").cloned().unwrap_or_else(|| json!([]));
    json!({
        "@context": context(),
        "id": id,
        "type": kind,
        "actor": actor,
        "to": to,
        "cc": cc,
        "object": object,
    })
}

/// A bare activity (Follow, Like, Undo, Accept …) with an explicit audience.
pub fn activity(kind: &str, id: &str, actor: &str, object: Value, to: &[&str]) -> Value {
    json!({
        "@context": context(),
        "id": id,
        "type": kind,
        "actor": actor,
        "to": to,
        "object": object,
    })
}

/// A fresh activity id on this instance.
pub fn new_activity_id(state: &AppState) -> String {
    format!("{}/activities/{}", state.base_url(), uuid::Uuid::new_v4())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remote_attachments_keep_what_mastodon_sends_and_drop_the_rest() {
        let obj = json!({"attachment": [
            {"type": "Document", "mediaType": "image/png", "url": "https://x.example/a.png",
             "name": "a cat", "blurhash": "UBL_:rOpGG-oBUNG,qRj2so|=eE1w^n4S5NH", "width": 640,
             "height": 480, "focalPoint": [0.5, -2.0]},
            {"type": "Document", "mediaType": "video/mp4", "url": {"type": "Link", "href": "https://x.example/v.mp4"}},
            {"type": "Document", "url": "javascript:alert(1)"},
            {"type": "Note", "url": "https://x.example/n"},
            {"type": "Image", "url": "https://x.example/b"},
            {"type": "Audio", "mediaType": "audio/ogg", "url": "https://x.example/c.ogg", "blurhash": "<script>"},
            {"type": "Document", "mediaType": "image/gif", "url": "https://x.example/fifth.gif"}
        ]});
        let got = attachments(&obj);
        assert_eq!(got.len(), MAX_REMOTE_ATTACHMENTS);
        assert_eq!(
            (
                got[0].kind.as_str(),
                got[0].width,
                got[0].focus,
                got[0].description.as_deref()
            ),
            ("image", 640, (0.5, 0.0), Some("a cat"))
        );
        assert!(got[0].blurhash.is_some());
        assert_eq!(
            (got[1].kind.as_str(), got[1].url.as_str()),
            ("video", "https://x.example/v.mp4")
        );
        assert_eq!(got[2].kind, "image");
        assert_eq!(
            (got[3].kind.as_str(), got[3].blurhash.as_ref()),
            ("audio", None)
        );
        assert_eq!(attachments(&json!({"attachment": "nope"})), Vec::new());
    }

    #[test]
    fn sanitize_keeps_mastodon_markup_and_drops_the_rest() {
        let html = r#"<p>hi <a href="https://x.example/@a" class="u-url mention evil">@a</a><script>alert(1)</script><img src=x onerror=alert(1)><a href="javascript:alert(1)">j</a><span class="h-card" style="color:red">c</span><iframe src="https://x"></iframe><h1>head</h1></p>"#;
        let out = sanitize(html);
        assert!(!out.contains("script"), "{out}");
        assert!(!out.contains("onerror"), "{out}");
        assert!(!out.contains("javascript"), "{out}");
        assert!(!out.contains("style"), "{out}");
        assert!(!out.contains("iframe"), "{out}");
        assert!(!out.contains("evil"), "{out}");
        assert!(out.contains(r#"class="u-url mention""#), "{out}");
        assert!(out.contains(r#"class="h-card""#), "{out}");
        assert!(out.contains("head"), "{out}");
    }

    #[test]
    fn references_may_be_strings_objects_or_arrays() {
        let v = json!({"to": ["a", {"id": "b"}], "cc": "c", "actor": {"id": "d"}});
        assert_eq!(ids_of(v.get("to")), vec!["a", "b"]);
        assert_eq!(ids_of(v.get("cc")), vec!["c"]);
        assert_eq!(v.get("actor").and_then(id_of), Some("d"));
        assert!(ids_of(v.get("bto")).is_empty());
    }
}
