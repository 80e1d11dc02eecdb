//! A small builder for queries whose shape depends on the request (paging, filters): text
//! and bound values grow together, so placeholders always match their values.

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments};

#[derive(Debug, Clone)]
enum Value {
    Int(i64),
    Text(String),
}

#[derive(Debug, Clone, Default)]
pub struct Sql {
    text: String,
    values: Vec<Value>,
}

impl Sql {
    pub fn new(text: &str) -> Sql {
        Sql {
            text: text.to_string(),
            values: Vec::new(),
        }
    }

    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Encloses the text so far (a subquery): `before` + text + `after`; values keep their places.
    pub fn wrap(&mut self, before: &str, after: &str) -> &mut Self {
        self.text = format!("{before}{}{after}", self.text);
        self
    }

    /// Binds an integer and returns its placeholder.
    pub fn int(&mut self, v: i64) -> String {
        self.values.push(Value::Int(v));
        format!("${}", self.values.len())
    }

    /// Binds a string and returns its placeholder.
    pub fn text(&mut self, v: &str) -> String {
        self.values.push(Value::Text(v.to_string()));
        format!("${}", self.values.len())
    }

    /// `$a, $b, …` for a list of integers. An empty list gives `NULL`, so `x IN (NULL)`
    /// matches nothing on both backends (PostgreSQL refuses an empty `IN ()`).
    ///
    /// The list is padded to the next power of two by repeating its last value (which changes
    /// nothing for `IN` or `NOT IN`): each length is a distinct prepared statement, and the
    /// per-connection statement cache holds a handful of lengths, not every one from 1 to 40.
    pub fn ints(&mut self, vs: &[i64]) -> String {
        let Some(&last) = vs.last() else {
            return "NULL".into();
        };
        let padded = vs.len().next_power_of_two();
        vs.iter()
            .copied()
            .chain(std::iter::repeat_n(last, padded - vs.len()))
            .map(|v| self.int(v))
            .collect::<Vec<_>>()
            .join(", ")
    }

    pub fn query<'q>(&'q self) -> sqlx::query::Query<'q, Any, AnyArguments<'q>> {
        sqlx::query_with(&self.text, self.arguments())
    }

    pub fn sql(&self) -> &str {
        &self.text
    }

    pub fn arguments(&self) -> AnyArguments<'_> {
        let mut args = AnyArguments::default();
        for v in &self.values {
            // Encoding an i64 or a String into Any's buffer cannot fail.
            let _ = match v {
                Value::Int(i) => args.add(*i),
                Value::Text(s) => args.add(s.as_str()),
            };
        }
        args
    }

    pub fn query_as<'q, T>(&'q self) -> sqlx::query::QueryAs<'q, Any, T, AnyArguments<'q>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(&self.text, self.arguments())
    }
}
