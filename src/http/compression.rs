//! Compression of text responses: brotli or gzip, as the client's `Accept-Encoding` allows
//! (brotli when it takes both), through tower-http's layer around the whole router.
//!
//! Only text is compressed (pages, JSON and ActivityPub documents, CSS, JS, SVG, XML, CSV,
//! plain text), and only when it is worth it. Left as they are:
//! - event streams (`text/event-stream`: the Mastodon streaming API, the pages' `/live`): a
//!   compressor holds bytes back until it has a block, which would delay every event;
//! - WebSocket upgrades (101) and other answers without a body (204, 304);
//! - byte ranges: anything carrying `Content-Range` or `Accept-Ranges` (media files), since a
//!   range of the encoded bytes is not the range the client asked for;
//! - images, video, audio and archives, which are compressed already, and anything already
//!   carrying a `Content-Encoding`;
//! - bodies under [`MIN_BYTES`], which fit in one packet either way;
//! - a response marked [`Uncompressed`]: a page showing a secret once (a TOTP setup secret,
//!   recovery codes, a vote's nonce, an invite link, an out-of-band OAuth code), which must
//!   not sit compressed beside input an attacker can reflect into it (BREACH). Such pages
//!   also say `Cache-Control: no-store, no-transform` ([`one_time_secret`]), so a proxy
//!   neither keeps nor compresses them.
//!
//! The CSRF token every form carries is masked afresh on each render (`http::session`), so
//! compressing the other pages reveals nothing about it.

use axum::body::HttpBody;
use axum::http::header::{ACCEPT_RANGES, CACHE_CONTROL, CONTENT_RANGE, CONTENT_TYPE};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use tower::layer::util::Stack;
use tower_http::compression::{CompressionLayer, CompressionLevel, Predicate};

/// gzip's level (1–9). Measured in docs/performance.md (§ Compression): on `/home` level 4
/// gets within 1 % of level 9's size for 70 % of its CPU (about 0.37 ms per page), and level 1
/// leaves a third more bytes.
pub const GZIP_LEVEL: i32 = 4;

/// brotli's quality (0–11). Quality 1 costs what gzip 4 costs (about 0.36 ms per `/home`) and
/// sends about as many bytes; quality 4 saves another 10 % for three times the CPU, and 5
/// another 10 % for four times: on a 2-core server every reader pays that CPU, while the bytes
/// matter only on slow links. (Quality 11, brotli's default, takes 90 ms per page.)
pub const BROTLI_LEVEL: i32 = 1;

/// Bodies smaller than this are sent as they are: they fit in one packet anyway.
pub const MIN_BYTES: u64 = 1024;

/// A response extension: never compress this response.
#[derive(Clone, Copy, Debug)]
pub struct Uncompressed;

/// The layer router.rs puts around every route: brotli for a client that accepts it, else
/// gzip. tower-http's layer takes one level for all encodings, so each encoding has a layer
/// of its own: the inner (brotli) answers first, and the outer (gzip) leaves an answer that
/// already has a `Content-Encoding` alone. A client that accepts both but ranks gzip higher
/// gets brotli, which it accepts.
pub fn layer() -> Stack<CompressionLayer<TextOnly>, CompressionLayer<TextOnly>> {
    let brotli = CompressionLayer::new()
        .no_gzip()
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Precise(BROTLI_LEVEL))
        .compress_when(TextOnly);
    let gzip = CompressionLayer::new()
        .no_br()
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Precise(GZIP_LEVEL))
        .compress_when(TextOnly);
    Stack::new(brotli, gzip)
}

/// A page that shows a secret once: kept out of compression and out of every cache, and
/// (`no-transform`) out of a proxy's compression too.
pub fn one_time_secret(mut response: Response) -> Response {
    response.extensions_mut().insert(Uncompressed);
    response.headers_mut().insert(
        CACHE_CONTROL,
        HeaderValue::from_static("no-store, no-transform"),
    );
    response
}

/// The predicate: text worth compressing, as the module's comment lists.
#[derive(Clone, Copy, Debug, Default)]
pub struct TextOnly;

impl Predicate for TextOnly {
    fn should_compress<B: HttpBody>(&self, response: &axum::http::Response<B>) -> bool {
        if response.extensions().get::<Uncompressed>().is_some() {
            return false;
        }
        compressible(
            response.status(),
            response.headers(),
            response.body().size_hint().exact(),
        )
    }
}

/// Whether a response with this status, these headers and this body length (when known) is
/// compressed.
pub fn compressible(status: StatusCode, headers: &HeaderMap, length: Option<u64>) -> bool {
    if status.is_informational()
        || status == StatusCode::NO_CONTENT
        || status == StatusCode::NOT_MODIFIED
        || status == StatusCode::PARTIAL_CONTENT
        || headers.contains_key(CONTENT_RANGE)
        || headers.contains_key(ACCEPT_RANGES)
    {
        return false;
    }
    // A stream of unknown length is compressed if its type is text (an export, say); event
    // streams are excluded by type below.
    if length.is_some_and(|n| n < MIN_BYTES) {
        return false;
    }
    let content_type = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    text_type(content_type)
}

/// Whether a `Content-Type` names text: `text/*` but event streams, JSON and XML of any
/// flavour (`application/activity+json`, `ld+json`, `jrd+json`, `xrd+xml`…), JavaScript, SVG.
fn text_type(content_type: &str) -> bool {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    let Some((kind, sub)) = essence.split_once('/') else {
        return false;
    };
    match kind {
        "text" => sub != "event-stream",
        "application" => {
            matches!(sub, "json" | "xml" | "javascript" | "ecmascript")
                || sub.ends_with("+json")
                || sub.ends_with("+xml")
        }
        "image" => sub == "svg+xml",
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(content_type: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(CONTENT_TYPE, HeaderValue::from_str(content_type).unwrap());
        h
    }

    #[test]
    fn text_is_compressed_and_the_rest_is_not() {
        for t in [
            "text/html; charset=utf-8",
            "application/json",
            "application/activity+json",
            "application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"",
            "application/jrd+json; charset=utf-8",
            "application/xrd+xml",
            "text/css; charset=utf-8",
            "text/javascript; charset=utf-8",
            "image/svg+xml",
            "text/csv",
            "text/plain",
        ] {
            assert!(compressible(StatusCode::OK, &typed(t), Some(5000)), "{t}");
        }
        for t in [
            "text/event-stream; charset=utf-8",
            "image/png",
            "video/mp4",
            "audio/ogg",
            "application/zip",
            "application/octet-stream",
            "",
        ] {
            assert!(!compressible(StatusCode::OK, &typed(t), Some(5000)), "{t}");
        }
    }

    #[test]
    fn ranges_upgrades_and_tiny_bodies_are_left_alone() {
        let html = typed("text/html");
        assert!(!compressible(StatusCode::OK, &html, Some(MIN_BYTES - 1)));
        assert!(compressible(StatusCode::OK, &html, None));
        assert!(!compressible(StatusCode::SWITCHING_PROTOCOLS, &html, None));
        assert!(!compressible(StatusCode::PARTIAL_CONTENT, &html, None));
        let mut ranged = typed("text/plain");
        ranged.insert(ACCEPT_RANGES, HeaderValue::from_static("bytes"));
        assert!(!compressible(StatusCode::OK, &ranged, Some(5000)));
    }
}
