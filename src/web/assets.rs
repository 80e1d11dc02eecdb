//! Static files, embedded in the binary and served at content-hashed URLs
//! (`/static/herd.3f2a9c1b.css`) with `Cache-Control: immutable`: a new release changes the
//! URL, so a browser never keeps an old stylesheet or script. The plain name still answers,
//! with a short cache, for anything that linked it before.

use std::sync::LazyLock;

use axum::extract::Path;
use axum::http::header::{CACHE_CONTROL, CONTENT_TYPE};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sha2::{Digest, Sha256};

struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const FILES: &[Asset] = &[
    Asset {
        name: "herd.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/herd.css"),
    },
    Asset {
        name: "coop.css",
        content_type: "text/css; charset=utf-8",
        bytes: include_bytes!("../../static/coop.css"),
    },
    Asset {
        name: "herd.js",
        content_type: "text/javascript; charset=utf-8",
        bytes: include_bytes!("../../static/herd.js"),
    },
    Asset {
        name: "missing.png",
        content_type: "image/png",
        bytes: include_bytes!("../../static/missing.png"),
    },
];

/// Each file's hashed name (`herd.3f2a9c1b.css`), in FILES order.
static HASHED: LazyLock<Vec<String>> = LazyLock::new(|| {
    FILES
        .iter()
        .map(|a| {
            let digest = Sha256::digest(a.bytes);
            let hash: String = digest[..4].iter().map(|b| format!("{b:02x}")).collect();
            match a.name.rsplit_once('.') {
                Some((stem, ext)) => format!("{stem}.{hash}.{ext}"),
                None => format!("{}.{hash}", a.name),
            }
        })
        .collect()
});

/// The URL of a static file, by its plain name.
pub fn url(name: &str) -> Option<String> {
    let i = FILES.iter().position(|a| a.name == name)?;
    Some(format!("/static/{}", HASHED[i]))
}

/// `GET /static/{file}`.
pub async fn serve(Path(file): Path<String>) -> Response {
    let (asset, cache) = if let Some(i) = HASHED.iter().position(|h| *h == file) {
        (&FILES[i], "public, max-age=31536000, immutable")
    } else if let Some(a) = FILES.iter().find(|a| a.name == file) {
        (a, "public, max-age=3600")
    } else {
        return StatusCode::NOT_FOUND.into_response();
    };
    (
        [(CONTENT_TYPE, asset.content_type), (CACHE_CONTROL, cache)],
        asset.bytes,
    )
        .into_response()
}
