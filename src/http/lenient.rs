//! Deserialisers that take what Mastodon clients actually send: booleans as `true`, `"1"`,
//! `"true"`, `"on"`; numbers as numbers or strings; lists as arrays or a single value.

use serde::de::{self, Deserializer};
use serde::Deserialize;
use serde_json::Value;

fn to_bool<E: de::Error>(v: &Value) -> Result<bool, E> {
    match v {
        Value::Bool(b) => Ok(*b),
        Value::Number(n) => Ok(n.as_i64().unwrap_or(0) != 0),
        Value::String(s) => match s.trim().to_ascii_lowercase().as_str() {
            "1" | "true" | "t" | "on" | "yes" => Ok(true),
            "0" | "false" | "f" | "off" | "no" | "" => Ok(false),
            other => Err(E::custom(format!("{other:?} is not a boolean"))),
        },
        _ => Err(E::custom("expected a boolean")),
    }
}

pub fn bool_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<bool>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(v) => to_bool(&v).map(Some),
    }
}

pub fn string_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(Value::Number(n)) => Ok(Some(n.to_string())),
        Some(Value::Bool(b)) => Ok(Some(b.to_string())),
        Some(_) => Err(de::Error::custom("expected a string")),
    }
}

pub fn u64_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    match v {
        None | Some(Value::Null) => Ok(None),
        Some(Value::Number(n)) => n
            .as_u64()
            .map(Some)
            .ok_or_else(|| de::Error::custom("expected a non-negative integer")),
        Some(Value::String(s)) if s.trim().is_empty() => Ok(None),
        Some(Value::String(s)) => s
            .trim()
            .parse()
            .map(Some)
            .map_err(|_| de::Error::custom(format!("{s:?} is not a non-negative integer"))),
        Some(_) => Err(de::Error::custom("expected an integer")),
    }
}

/// A list as `strings` reads it, or None when the field is absent (so "leave as is" and
/// "clear" differ).
pub fn strings_opt<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<String>>, D::Error> {
    match Option::<Value>::deserialize(d)? {
        None => Ok(None),
        Some(v) => strings(v).map(Some).map_err(de::Error::custom),
    }
}

/// A list given as an array, a single value, or (for scopes-like fields) nothing.
pub fn strings<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<String>, D::Error> {
    let v = Option::<Value>::deserialize(d)?;
    let scalar = |v: Value| -> Result<String, D::Error> {
        match v {
            Value::String(s) => Ok(s),
            Value::Number(n) => Ok(n.to_string()),
            _ => Err(de::Error::custom("expected a list of strings")),
        }
    };
    match v {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(Value::Array(items)) => items.into_iter().map(scalar).collect(),
        Some(Value::Object(map)) => map.into_values().map(scalar).collect(),
        Some(other) => Ok(vec![scalar(other)?]),
    }
}

/// The `id[]` (or `id`) values of a query string as numbers, distinct, in order; more than
/// `max` is 422. Values that are not ids name nothing and are left out.
pub fn ids_in_query(uri: &axum::http::Uri, max: usize) -> crate::error::AppResult<Vec<i64>> {
    #[derive(serde::Deserialize, Default)]
    struct Ids {
        #[serde(default, deserialize_with = "strings")]
        id: Vec<String>,
    }
    let form = crate::http::body::parse_form(uri.query().unwrap_or("").as_bytes())?;
    let given: Ids = serde_json::from_value(form).unwrap_or_default();
    let mut ids: Vec<i64> = Vec::new();
    for id in given.id.iter().filter_map(|i| i.trim().parse::<i64>().ok()) {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    if ids.len() > max {
        return Err(crate::error::AppError::unprocessable(format!(
            "Too many ids requested (at most {max})"
        )));
    }
    Ok(ids)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[derive(Deserialize)]
    struct T {
        #[serde(default, deserialize_with = "bool_opt")]
        b: Option<bool>,
        #[serde(default, deserialize_with = "u64_opt")]
        n: Option<u64>,
        #[serde(default, deserialize_with = "strings")]
        l: Vec<String>,
    }

    #[test]
    fn accepts_what_clients_send() {
        let t: T = serde_json::from_value(json!({"b": "0", "n": "40", "l": "x"})).unwrap();
        assert_eq!(
            (t.b, t.n, t.l),
            (Some(false), Some(40), vec!["x".to_string()])
        );
        let t: T = serde_json::from_value(json!({"b": true, "n": 3, "l": ["a", "b"]})).unwrap();
        assert_eq!((t.b, t.n, t.l.len()), (Some(true), Some(3), 2));
        let t: T = serde_json::from_value(json!({})).unwrap();
        assert_eq!((t.b, t.n, t.l.len()), (None, None, 0));
        assert!(serde_json::from_value::<T>(json!({"b": "maybe"})).is_err());
        assert!(serde_json::from_value::<T>(json!({"n": "-1"})).is_err());
    }
}
