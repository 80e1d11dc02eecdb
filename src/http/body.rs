//! One body extractor for every write: JSON, `application/x-www-form-urlencoded` (with
//! `key[]` arrays and `a[b]` nesting) and `multipart/form-data` all become one JSON value,
//! merged over the query string, then deserialised into the handler's type. Field types use
//! the lenient helpers in `http::lenient`, since clients send `"1"`, `"true"` or `true` alike.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{FromRequest, Multipart, Request};
use axum::http::header::CONTENT_TYPE;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use crate::error::AppError;

/// Largest body accepted outside media uploads.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

/// Most fields a form may carry: a query string, a urlencoded body or a multipart body's
/// parts, each counted on its own. Rack (Mastodon's stack) refuses more than 4,096; Herd's
/// largest legitimate form is a filter with its 100 keywords (`keywords_attributes[][keyword]`
/// and `[whole_word]`, about 210 fields; with `id` and `_destroy` on an edit, about 410), so
/// 1,000 leaves room for any client while bounding what one request can make the server build.
pub const MAX_FORM_FIELDS: usize = 1_000;

/// Bodies from this size on are decoded on the blocking pool rather than an async worker.
const OFF_THE_WORKERS_BYTES: usize = 64 * 1024;

/// A file part of a multipart body.
#[derive(Debug, Clone)]
pub struct UploadedFile {
    pub field: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Bytes,
}

/// The parsed body, typed.
#[derive(Debug)]
pub struct Payload<T> {
    pub data: T,
    pub files: Vec<UploadedFile>,
}

impl<T, S> FromRequest<S> for Payload<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let (value, files) = parse_body(req, state).await?;
        let data = T::deserialize(value)
            .map_err(|e| AppError::unprocessable(format!("Validation failed: {e}")))?;
        Ok(Payload { data, files })
    }
}

async fn parse_body<S: Send + Sync>(
    req: Request,
    state: &S,
) -> Result<(Value, Vec<UploadedFile>), AppError> {
    let query = req.uri().query().unwrap_or("").to_string();
    let mut merged = parse_form(query.as_bytes())?;
    let content_type = req
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut files = Vec::new();
    let body = if content_type.starts_with("multipart/form-data") {
        let mut multipart = Multipart::from_request(req, state)
            .await
            .map_err(|e| AppError::bad_request(format!("Invalid multipart body: {e}")))?;
        let mut pairs: Vec<(String, String)> = Vec::new();
        let mut text_bytes = 0;
        while let Some(field) = multipart.next_field().await.map_err(multipart_error)? {
            // Files count as fields too: the cap bounds the parts read, not only the text.
            if pairs.len() + files.len() >= MAX_FORM_FIELDS {
                return Err(too_many_fields());
            }
            let name = field.name().unwrap_or("").to_string();
            let file_name = field.file_name().map(String::from);
            let field_type = field.content_type().map(String::from);
            let bytes = field.bytes().await.map_err(multipart_error)?;
            if file_name.is_some() {
                files.push(UploadedFile {
                    field: name,
                    file_name,
                    content_type: field_type,
                    bytes,
                });
            } else {
                let text = String::from_utf8(bytes.to_vec())
                    .map_err(|_| AppError::bad_request(format!("Field {name} is not UTF-8")))?;
                text_bytes += name.len() + text.len();
                pairs.push((name, text));
            }
        }
        off_the_workers(text_bytes, move || parse_pairs(pairs)).await?
    } else {
        let bytes = axum::body::to_bytes(req.into_body(), MAX_BODY_BYTES)
            .await
            .map_err(|_| {
                AppError::new(
                    axum::http::StatusCode::PAYLOAD_TOO_LARGE,
                    "Request body too large",
                )
            })?;
        off_the_workers(bytes.len(), move || decode(&bytes, &content_type)).await?
    };
    merge(&mut merged, body);
    Ok((merged, files))
}

/// A JSON or urlencoded body as one JSON object, nulls dropped.
fn decode(bytes: &[u8], content_type: &str) -> Result<Value, AppError> {
    let mut v = if bytes.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else if content_type.starts_with("application/json") || content_type.ends_with("+json") {
        let v: Value = serde_json::from_slice(bytes)
            .map_err(|e| AppError::bad_request(format!("Invalid JSON body: {e}")))?;
        if !v.is_object() {
            return Err(AppError::bad_request(
                "Invalid JSON body: expected an object",
            ));
        }
        v
    } else {
        parse_form(bytes)?
    };
    drop_nulls(&mut v);
    Ok(v)
}

/// Runs `parse` on the blocking pool when the input is large, so that a few big bodies
/// arriving at once cannot hold every async worker (and with them `/health` and every other
/// request); small bodies, nearly all of them, are parsed in place.
async fn off_the_workers<T: Send + 'static>(
    size: usize,
    parse: impl FnOnce() -> Result<T, AppError> + Send + 'static,
) -> Result<T, AppError> {
    if size < OFF_THE_WORKERS_BYTES {
        return parse();
    }
    tokio::task::spawn_blocking(parse)
        .await
        .map_err(AppError::internal)?
}

/// A body over the route's limit is 413 (uploads); anything else malformed is 400.
fn multipart_error(e: axum::extract::multipart::MultipartError) -> AppError {
    if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
        AppError::new(e.status(), "Request body too large")
    } else {
        AppError::bad_request(format!("Invalid multipart body: {e}"))
    }
}

/// 413 with the cap in words. Like an oversized body, a form with too many fields is refused
/// for its size, not for a value in it: resending it unchanged cannot succeed.
fn too_many_fields() -> AppError {
    AppError::new(
        axum::http::StatusCode::PAYLOAD_TOO_LARGE,
        format!("Too many fields: a form may carry at most {MAX_FORM_FIELDS}"),
    )
}

/// Parses a urlencoded string with bracket nesting into JSON (all leaves are strings).
/// A plain key given more than once keeps its last value, as Rack does: Mastodon.py's
/// `log_in` sends one `oauth_info` field per metadata key. More than [`MAX_FORM_FIELDS`]
/// fields are refused before any is decoded; the parse is linear in the rest.
pub fn parse_form(bytes: &[u8]) -> Result<Value, AppError> {
    parse_form_capped(bytes, MAX_FORM_FIELDS)
}

/// [`parse_form`] with another cap (`herd bench form-parse` lifts it to time the parser).
pub fn parse_form_capped(bytes: &[u8], max_fields: usize) -> Result<Value, AppError> {
    if bytes.is_empty() {
        return Ok(Value::Object(Map::new()));
    }
    // The fields form_urlencoded will yield: the non-empty runs between `&`s.
    let fields = bytes
        .split(|b| *b == b'&')
        .filter(|f| !f.is_empty())
        .count();
    if fields > max_fields {
        return Err(too_many_fields());
    }
    parse_pairs(url::form_urlencoded::parse(bytes).into_owned().collect())
}

fn parse_pairs(pairs: Vec<(String, String)>) -> Result<Value, AppError> {
    let last: HashMap<&str, usize> = pairs
        .iter()
        .enumerate()
        .map(|(i, (k, _))| (k.as_str(), i))
        .collect();
    let kept: Vec<(String, String)> = index_struct_arrays(
        pairs
            .iter()
            .enumerate()
            .filter(|(i, (k, _))| k.contains('[') || last.get(k.as_str()) == Some(i))
            .map(|(_, p)| p.clone())
            .collect(),
    );
    let normalised = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(kept)
        .finish();
    serde_qs::Config::new(6, false)
        .deserialize_bytes::<Map<String, Value>>(normalised.as_bytes())
        .map(Value::Object)
        .map_err(|e| AppError::bad_request(format!("Invalid form body: {e}")))
}

/// Rack's arrays of hashes, `a[][k]=1&a[][j]=2&a[][k]=3`, which serde_qs refuses: numbers
/// the elements (`a[0][k]`, `a[0][j]`, `a[1][k]`), starting a new element whenever a key
/// repeats within the current one, as Rack does. Each key remembers the element it was last
/// seen in, so the test is one lookup, not a scan of the element's earlier keys.
fn index_struct_arrays(pairs: Vec<(String, String)>) -> Vec<(String, String)> {
    // Per array (`a`): the index of its current element.
    let mut current: HashMap<String, usize> = HashMap::new();
    // Per full key (`a[][k]`): the element it was last given to.
    let mut seen_in: HashMap<String, usize> = HashMap::new();
    pairs
        .into_iter()
        .map(|(k, v)| {
            let Some(at) = k.find("[][") else {
                return (k, v);
            };
            let (prefix, rest) = (&k[..at], &k[at + 2..]);
            let element = current.entry(prefix.to_string()).or_insert(0);
            if seen_in.get(&k) == Some(element) {
                *element += 1;
            }
            let element = *element;
            let indexed = format!("{prefix}[{element}]{rest}");
            seen_in.insert(k, element);
            (indexed, v)
        })
        .collect()
}

/// Overlays `top` onto `base` key by key.
fn merge(base: &mut Value, top: Value) {
    match (base, top) {
        (Value::Object(b), Value::Object(t)) => {
            for (k, v) in t {
                b.insert(k, v);
            }
        }
        (b, t) => *b = t,
    }
}

/// A JSON `null` means "absent" (masto sends `in_reply_to_id: null`).
fn drop_nulls(v: &mut Value) {
    if let Value::Object(map) = v {
        map.retain(|_, v| !v.is_null());
        for v in map.values_mut() {
            drop_nulls(v);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_arrays_and_nesting() {
        let v = parse_form(b"media_ids%5B%5D=1&media_ids%5B%5D=2&poll[options][]=a&poll[options][]=b&poll[expires_in]=60&status=hi+there").unwrap();
        assert_eq!(v["media_ids"], serde_json::json!(["1", "2"]));
        assert_eq!(v["poll"]["options"], serde_json::json!(["a", "b"]));
        assert_eq!(v["poll"]["expires_in"], "60");
        assert_eq!(v["status"], "hi there");
    }

    #[test]
    fn repeated_plain_keys_keep_the_last_value() {
        let v = parse_form(
            b"oauth_info=issuer&oauth_info=token_endpoint&grant_type=password&id[]=1&id[]=2",
        )
        .unwrap();
        assert_eq!(v["oauth_info"], "token_endpoint");
        assert_eq!(v["grant_type"], "password");
        assert_eq!(v["id"], serde_json::json!(["1", "2"]));
    }

    #[test]
    fn arrays_of_hashes_as_rack_reads_them() {
        let v = parse_form(b"k[][a]=1&k[][b]=x&k[][a]=2&k[][a]=3&k[][b]=y").unwrap();
        assert_eq!(v["k"][0]["a"], "1");
        assert_eq!(v["k"][0]["b"], "x");
        assert_eq!(v["k"][1]["a"], "2");
        assert_eq!(v["k"][2]["a"], "3");
        assert_eq!(v["k"][2]["b"], "y");
    }

    #[test]
    fn fields_over_the_cap_are_refused_before_decoding() {
        let form = |n: usize| -> String {
            (0..n)
                .map(|i| format!("k[][f{i}]=1"))
                .collect::<Vec<_>>()
                .join("&")
        };
        let at_cap = parse_form(form(MAX_FORM_FIELDS).as_bytes()).unwrap();
        assert_eq!(at_cap["k"][0]["f999"], "1");
        let over = parse_form(form(MAX_FORM_FIELDS + 1).as_bytes()).unwrap_err();
        assert_eq!(over.status, axum::http::StatusCode::PAYLOAD_TOO_LARGE);
        // Empty runs between `&`s are not fields.
        let sparse = format!("{}&&&&", form(MAX_FORM_FIELDS));
        assert!(parse_form(sparse.as_bytes()).is_ok());
    }

    #[test]
    fn a_key_starts_a_new_element_only_when_it_repeats_in_the_current_one() {
        let v = parse_form(b"k[][a]=1&k[][b]=2&k[][b]=3&k[][a]=4&k[][a]=5&j[][a]=6").unwrap();
        assert_eq!(
            v["k"],
            serde_json::json!([{"a": "1", "b": "2"}, {"b": "3", "a": "4"}, {"a": "5"}])
        );
        assert_eq!(v["j"], serde_json::json!([{"a": "6"}]));
    }

    #[test]
    fn nulls_are_absent() {
        let mut v = serde_json::json!({"a": null, "b": {"c": null, "d": 1}});
        drop_nulls(&mut v);
        assert_eq!(v, serde_json::json!({"b": {"d": 1}}));
    }
}
