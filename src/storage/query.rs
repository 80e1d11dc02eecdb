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

    /// The whole list as one bound parameter that the database expands (SQLite's
    /// `json_each`, PostgreSQL's `unnest` of an array), for use inside `IN (…)`. An empty
    /// list gives `NULL`, as `ints` does.
    pub fn ints_one(&mut self, vs: &[i64], backend: super::Backend) -> String {
        if vs.is_empty() {
            return "NULL".into();
        }
        let joined = vs.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        match backend {
            super::Backend::Sqlite => {
                let p = self.text(&format!("[{joined}]"));
                format!("SELECT value FROM json_each({p})")
            }
            super::Backend::Postgres => {
                let p = self.text(&format!("{{{joined}}}"));
                format!("SELECT unnest(CAST({p} AS BIGINT[]))")
            }
        }
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

    /// The same values as arguments of another driver: `herd bench drivers` runs identical
    /// statements and binds through `AnyPool` and the native pools.
    pub fn native_arguments<'q, DB: sqlx::Database>(
        &'q self,
    ) -> <DB as sqlx::Database>::Arguments<'q>
    where
        i64: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
        &'q str: sqlx::Encode<'q, DB> + sqlx::Type<DB>,
    {
        let mut args = <DB as sqlx::Database>::Arguments::<'q>::default();
        for v in &self.values {
            let _ = match v {
                Value::Int(i) => args.add(*i),
                Value::Text(s) => args.add(s.as_str()),
            };
        }
        args
    }

    /// The statement with SQLite's anonymous `?` placeholders in place of `$N`, each value
    /// bound again where its placeholder repeats (`herd bench drivers` measures whether
    /// SQLite's per-execution parameter-name lookup matters). Only for text with no `$` in
    /// its literals.
    pub fn anonymous(&self) -> Sql {
        let mut out = Sql::default();
        let mut rest = self.text.as_str();
        while let Some(at) = rest.find('$') {
            out.text.push_str(&rest[..at]);
            let digits = rest[at + 1..]
                .find(|c: char| !c.is_ascii_digit())
                .map_or(rest.len() - at - 1, |n| n);
            match rest[at + 1..at + 1 + digits].parse::<usize>() {
                Ok(n) if n >= 1 && n <= self.values.len() => {
                    out.values.push(self.values[n - 1].clone());
                    out.text.push('?');
                }
                _ => out.text.push_str(&rest[at..at + 1 + digits]),
            }
            rest = &rest[at + 1 + digits..];
        }
        out.text.push_str(rest);
        out
    }

    pub fn query_as<'q, T>(&'q self) -> sqlx::query::QueryAs<'q, Any, T, AnyArguments<'q>>
    where
        T: for<'r> sqlx::FromRow<'r, sqlx::any::AnyRow>,
    {
        sqlx::query_as_with(&self.text, self.arguments())
    }
}
