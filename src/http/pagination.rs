//! Mastodon paging: `max_id` / `since_id` / `min_id` / `limit` in, a `Link` header out with
//! `rel="next"` (older, `max_id`) and `rel="prev"` (newer, `min_id`), keeping other parameters.

use axum::http::HeaderValue;
use serde::Deserialize;

use crate::http::lenient;
use crate::paging::Page;

#[derive(Debug, Clone, Default, Deserialize)]
pub struct PageParams {
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub max_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub since_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string_opt")]
    pub min_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::u64_opt")]
    pub limit: Option<u64>,
}

impl PageParams {
    /// Cursors parsed and the limit clamped to the endpoint's default and maximum (the
    /// semantics are in `crate::paging`). Ids that do not parse are ignored, as Mastodon does.
    pub fn page(&self, default: u64, max: u64) -> Page {
        let id = |s: &Option<String>| s.as_deref().and_then(|v| v.parse::<i64>().ok());
        Page {
            max_id: id(&self.max_id),
            since_id: id(&self.since_id),
            min_id: id(&self.min_id),
            limit: self.limit.unwrap_or(default).clamp(1, max) as i64,
        }
    }
}

/// Builds the `Link` header for a page whose items carry cursor ids `newest..=oldest`.
/// `next` is omitted when the page was short, so clients stop.
pub fn link_header(url: &str, query: &str, page: &Page, cursors: &[i64]) -> Option<HeaderValue> {
    let (Some(newest), Some(oldest)) = (cursors.iter().max(), cursors.iter().min()) else {
        return None;
    };
    let kept: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
        .filter(|(k, _)| !matches!(k.as_ref(), "max_id" | "since_id" | "min_id"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let with = |key: &str, id: i64| {
        let mut s = url::form_urlencoded::Serializer::new(String::new());
        s.extend_pairs(kept.iter().map(|(k, v)| (k.as_str(), v.as_str())));
        s.append_pair(key, &id.to_string());
        format!("{url}?{}", s.finish())
    };
    let mut parts = Vec::new();
    if cursors.len() as i64 >= page.limit {
        parts.push(format!("<{}>; rel=\"next\"", with("max_id", *oldest)));
    }
    parts.push(format!("<{}>; rel=\"prev\"", with("min_id", *newest)));
    HeaderValue::from_str(&parts.join(", ")).ok()
}

/// A JSON list with its `Link` header.
pub struct Paged<T>(pub Vec<T>, pub Option<HeaderValue>);

impl<T: serde::Serialize> axum::response::IntoResponse for Paged<T> {
    fn into_response(self) -> axum::response::Response {
        let mut response = axum::Json(self.0).into_response();
        if let Some(link) = self.1 {
            response
                .headers_mut()
                .insert(axum::http::header::LINK, link);
        }
        response
    }
}

/// The `Link` header for a request (absolute URL from the public base) and its page cursors.
pub fn link_for(
    base: &str,
    uri: &axum::http::Uri,
    page: &Page,
    cursors: &[i64],
) -> Option<HeaderValue> {
    link_header(
        &format!("{base}{}", uri.path()),
        uri.query().unwrap_or(""),
        page,
        cursors,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn link_keeps_parameters_and_stops_on_short_pages() {
        let page = PageParams {
            limit: Some(2),
            max_id: Some("99".into()),
            ..Default::default()
        }
        .page(20, 40);
        let h = link_header(
            "http://x/api/v1/timelines/tag/t",
            "limit=2&max_id=99",
            &page,
            &[9, 7],
        )
        .unwrap();
        assert_eq!(
            h.to_str().unwrap(),
            "<http://x/api/v1/timelines/tag/t?limit=2&max_id=7>; rel=\"next\", <http://x/api/v1/timelines/tag/t?limit=2&min_id=9>; rel=\"prev\""
        );
        let short = link_header("http://x/a", "", &page, &[5]).unwrap();
        assert!(!short.to_str().unwrap().contains("next"));
        assert!(link_header("http://x/a", "", &page, &[]).is_none());
        assert_eq!(
            PageParams {
                limit: Some(500),
                ..Default::default()
            }
            .page(20, 40)
            .limit,
            40
        );
    }
}
