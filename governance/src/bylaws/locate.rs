//! Where a front-matter key is written, so that every error can name its line.
//!
//! `serde_yaml_ng::Value` keeps no positions, but the YAML deserializer attaches the position of
//! the current event to an error raised while a value is being read. [`key_line`] walks the
//! front matter with a `DeserializeSeed` that follows a key path and fails on purpose when it
//! reads the last key of the path: the error's location is where that key is written. The
//! parsing is the YAML library's; this only follows a path through it.

use std::fmt;

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The message of the deliberate error; nothing in a document can produce it.
const FOUND: &str = "\u{0}herd: key found";

/// The YAML of the front matter, padded so that its lines are the lines of the whole file:
/// the opening `---` line becomes an empty line.
pub(super) fn file_aligned(yaml: &str) -> String {
    format!("\n{yaml}")
}

/// The 1-based line where `key` (a path as errors name it: `decisions.general.agree_share`,
/// `sanctions."2.1"`) is written in `yaml` (as [`file_aligned`] returns it). When the key itself
/// is not there, the line of its nearest enclosing key that is; line 1 (the front matter's
/// opening `---`) when none is.
pub(super) fn key_line(yaml: &str, key: &str) -> usize {
    let mut path = key;
    while !path.is_empty() {
        if let Some(line) = find(yaml, path) {
            return line;
        }
        path = match path.rsplit_once('.') {
            Some((parent, _)) => parent,
            None => "",
        };
    }
    1
}

fn find(yaml: &str, path: &str) -> Option<usize> {
    let de = serde_yaml_ng::Deserializer::from_str(yaml);
    match (Walk { rest: path }).deserialize(de) {
        Err(e) if e.to_string().contains(FOUND) => e.location().map(|l| l.line()),
        _ => None,
    }
}

/// Reads any value; in a mapping, descends into the key that the remaining path starts with.
struct Walk<'p> {
    rest: &'p str,
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any YAML value")
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        Ok(())
    }
    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        Ok(())
    }
    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        Ok(())
    }
    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        Ok(())
    }
    fn visit_str<E>(self, _: &str) -> Result<(), E> {
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_none<E>(self) -> Result<(), E> {
        Ok(())
    }
    fn visit_some<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        self.deserialize(d)
    }
    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<(), A::Error> {
        let (IgnoredAny, variant) = data.variant::<IgnoredAny>()?;
        de::VariantAccess::newtype_variant::<IgnoredAny>(variant).map(|_| ())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(consumed) = map.next_key_seed(Key { rest: self.rest })? {
            match consumed {
                Some(n) => map.next_value_seed(Walk {
                    rest: &self.rest[n..],
                })?,
                None => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

/// Reads a mapping key. Fails with [`FOUND`] when it is the last key of the path; otherwise
/// returns how much of the path it matches (key and dot), or `None` when it is another key.
struct Key<'p> {
    rest: &'p str,
}

impl Key<'_> {
    fn check<E: de::Error>(&self, key: &str) -> Result<Option<usize>, E> {
        for written in [key.to_string(), format!("\"{key}\"")] {
            if self.rest == written {
                return Err(E::custom(FOUND));
            }
            if let Some(after) = self.rest.strip_prefix(written.as_str()) {
                if after.starts_with('.') {
                    return Ok(Some(written.len() + 1));
                }
            }
        }
        Ok(None)
    }
}

impl<'de> DeserializeSeed<'de> for Key<'_> {
    type Value = Option<usize>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Option<usize>, D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key<'_> {
    type Value = Option<usize>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a mapping key")
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Option<usize>, E> {
        self.check(v)
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Option<usize>, E> {
        self.check(&v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Option<usize>, E> {
        self.check(&v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Option<usize>, E> {
        self.check(&v.to_string())
    }
    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Option<usize>, E> {
        self.check(&v.to_string())
    }
    fn visit_unit<E>(self) -> Result<Option<usize>, E> {
        Ok(None)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Option<usize>, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(None)
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Option<usize>, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(None)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const YAML: &str = "\
slug: bylaws
decisions:
  general: { method: consent,
    agree_share: 0.5 }
  expense:
    method: majority
    min_days: 3
sanctions: {\"2.1\": [warn]}
other:
  \"4.1\": [warn]
";

    #[test]
    fn keys_are_found_on_their_own_lines() {
        let y = file_aligned(YAML);
        assert_eq!(key_line(&y, "slug"), 2);
        assert_eq!(key_line(&y, "decisions"), 3);
        assert_eq!(key_line(&y, "decisions.general"), 4);
        assert_eq!(key_line(&y, "decisions.general.method"), 4);
        assert_eq!(key_line(&y, "decisions.general.agree_share"), 5);
        assert_eq!(key_line(&y, "decisions.expense.min_days"), 8);
        assert_eq!(key_line(&y, "sanctions.\"2.1\""), 9);
        assert_eq!(key_line(&y, "other.\"4.1\""), 11);
    }

    #[test]
    fn a_missing_key_points_at_its_nearest_enclosing_key() {
        let y = file_aligned(YAML);
        assert_eq!(key_line(&y, "decisions.expense.quorum_share"), 6);
        assert_eq!(key_line(&y, "decisions.role_election.method"), 3);
        assert_eq!(key_line(&y, "finance"), 1);
        assert_eq!(key_line(&y, ""), 1);
    }
}
