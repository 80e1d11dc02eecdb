//! Request bodies of the co-op API. [`Body`] reads a JSON, urlencoded or multipart body the way
//! every write of Herd is read (`http::body`: form arrays and nesting, nulls as absent, unknown
//! fields ignored) into the handler's typed struct; a field of the wrong type answers 422 in
//! the co-op shape, `{"error", "details": {field: [{error, description}]}}`, naming the field
//! as the client wrote it (`postings[1].amount`) and never a Rust type. Each body type then
//! has one validation step, its `validate` method, which the handler calls once it knows who
//! is asking and which yields the service's input.

use std::fmt;
use std::marker::PhantomData;

use axum::extract::{FromRequest, Request};
use serde::de::{self, DeserializeOwned, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use serde_json::Value;

use crate::error::AppError;
use crate::http::body::{Payload, UploadedFile};

/// A typed co-op request body and the files of a multipart body.
#[derive(Debug)]
pub struct Body<T> {
    pub data: T,
    pub files: Vec<UploadedFile>,
}

impl<T, S> FromRequest<S> for Body<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = AppError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        // `Value` takes any object, so the parse's own 400s and 413s are all this can raise.
        let Payload { data, files } = Payload::<Value>::from_request(req, state).await?;
        let data = serde_path_to_error::deserialize(data).map_err(field_error)?;
        Ok(Body { data, files })
    }
}

/// A 422 naming the field that did not fit.
fn field_error(e: serde_path_to_error::Error<serde_json::Error>) -> AppError {
    let field = field_name(&e.path().to_string());
    AppError::validation(&field, "ERR_INVALID", &description(&e.inner().to_string()))
}

/// `budgets.0.amount` (a form's index-keyed object) as `budgets[0].amount`, like a JSON list.
fn field_name(path: &str) -> String {
    if path.is_empty() || path == "." {
        return "body".into();
    }
    let mut out = String::new();
    for segment in path.split('.') {
        if !out.is_empty() && !segment.is_empty() && segment.bytes().all(|b| b.is_ascii_digit()) {
            out.push_str(&format!("[{segment}]"));
        } else {
            if !out.is_empty() {
                out.push('.');
            }
            out.push_str(segment);
        }
    }
    out
}

/// What a client can act on: the lenient readers' and ours as they are ("must be a string"),
/// serde's own ("invalid type: integer `5`, expected struct CheckoutBody") without its Rust
/// names.
fn description(msg: &str) -> String {
    if msg.starts_with("must ") {
        return msg.to_string();
    }
    if let Some(rest) = msg.strip_prefix("expected ") {
        return format!("must be {rest}");
    }
    if let Some(at) = msg.find(" is not a ") {
        return format!("must be a {}", &msg[at + " is not a ".len()..]);
    }
    if msg.starts_with("invalid type") || msg.starts_with("invalid value") {
        if let Some(at) = msg.rfind(", expected ") {
            let expected = &msg[at + ", expected ".len()..];
            return match expected {
                e if e.starts_with("struct ") || e == "a map" => "must be an object".into(),
                "a sequence" => "must be a list".into(),
                e if e.starts_with("a ") || e.starts_with("an ") => format!("must be {e}"),
                "i64" | "u64" | "i32" | "u32" | "usize" => "must be a whole number".into(),
                "f64" | "f32" => "must be a number".into(),
                _ => "has the wrong type".into(),
            };
        }
    }
    "is not valid".into()
}

/// An amount in minor units: a JSON integer or a string of digits; never a fraction.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MinorUnits(pub i64);

pub const MINOR_UNITS: &str = "must be a whole number of minor units (cents), e.g. 1250 for 12.50";

impl<'de> Deserialize<'de> for MinorUnits {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        match Value::deserialize(d)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.trim().parse::<i64>().ok(),
            _ => None,
        }
        .map(MinorUnits)
        .ok_or_else(|| de::Error::custom(MINOR_UNITS))
    }
}

/// The 422 for a missing amount, as for a malformed one.
pub fn missing_amount(field: &str) -> AppError {
    AppError::validation(field, "ERR_INVALID", MINOR_UNITS)
}

/// A present field whose value may be `null` (`Some(None)`), told apart from an absent one
/// (`None`, with `#[serde(default)]`).
pub fn nullable<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(d).map(Some)
}

/// A list of objects given as a JSON array or, from a form (`budgets[0][account]=…`), as an
/// object keyed by index; the form's elements in index order, other keys ignored.
#[derive(Debug)]
pub struct IndexedList<T>(pub Vec<T>);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for IndexedList<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ListVisitor<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for ListVisitor<T> {
            type Value = IndexedList<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of objects")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(IndexedList(out))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut keyed: Vec<(usize, T)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    match key.parse::<usize>() {
                        Ok(i) => keyed.push((i, map.next_value()?)),
                        Err(_) => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                keyed.sort_by_key(|(i, _)| *i);
                Ok(IndexedList(keyed.into_iter().map(|(_, v)| v).collect()))
            }
        }
        d.deserialize_any(ListVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn form_indexes_read_like_list_indexes() {
        assert_eq!(field_name("budgets.0.amount"), "budgets[0].amount");
        assert_eq!(field_name("postings[1].amount"), "postings[1].amount");
        assert_eq!(field_name("memo"), "memo");
        assert_eq!(field_name("."), "body");
    }

    #[test]
    fn descriptions_name_no_rust_type() {
        assert_eq!(description("expected a string"), "must be a string");
        assert_eq!(
            description("\"maybe\" is not a boolean"),
            "must be a boolean"
        );
        assert_eq!(
            description("invalid type: integer `5`, expected struct CheckoutBody"),
            "must be an object"
        );
        assert_eq!(
            description("invalid type: string \"x\", expected a list of objects"),
            "must be a list of objects"
        );
        assert_eq!(description(MINOR_UNITS), MINOR_UNITS);
    }
}
