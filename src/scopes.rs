//! Mastodon's OAuth scopes: the top-level ones, the granular ones, and which grant which.

use std::fmt;

const TOP_LEVEL: &[&str] = &[
    "read",
    "write",
    "follow",
    "push",
    "profile",
    "admin:read",
    "admin:write",
];

const READ: &[&str] = &[
    "accounts",
    "blocks",
    "bookmarks",
    "favourites",
    "filters",
    "follows",
    "lists",
    "mutes",
    "notifications",
    "search",
    "statuses",
];
const WRITE: &[&str] = &[
    "accounts",
    "blocks",
    "bookmarks",
    "conversations",
    "favourites",
    "filters",
    "follows",
    "lists",
    "media",
    "mutes",
    "notifications",
    "reports",
    "statuses",
];
const ADMIN: &[&str] = &[
    "accounts",
    "reports",
    "domain_allows",
    "domain_blocks",
    "ip_blocks",
    "email_domain_blocks",
    "canonical_email_blocks",
];

/// Whether `scope` is one Herd knows.
pub fn is_known(scope: &str) -> bool {
    if TOP_LEVEL.contains(&scope) {
        return true;
    }
    match scope.split_once(':') {
        Some(("read", s)) => READ.contains(&s),
        Some(("write", s)) => WRITE.contains(&s),
        Some(("admin", rest)) => match rest.split_once(':') {
            Some(("read", s)) | Some(("write", s)) => ADMIN.contains(&s),
            _ => false,
        },
        _ => false,
    }
}

/// A set of granted scopes, as stored (space-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Scopes(Vec<String>);

impl Scopes {
    /// Parses a space- (or `+`-) separated list; unknown scopes are an error naming them.
    pub fn parse(text: &str) -> Result<Scopes, String> {
        let mut list: Vec<String> = Vec::new();
        for s in text.split([' ', '+', ',']).filter(|s| !s.is_empty()) {
            if !is_known(s) {
                return Err(format!("unknown scope {s:?}"));
            }
            if !list.iter().any(|x| x == s) {
                list.push(s.to_string());
            }
        }
        Ok(Scopes(list))
    }

    /// Parses, defaulting to `read` when empty (Mastodon's default).
    pub fn parse_or_read(text: Option<&str>) -> Result<Scopes, String> {
        let s = Scopes::parse(text.unwrap_or(""))?;
        if s.0.is_empty() {
            Ok(Scopes(vec!["read".into()]))
        } else {
            Ok(s)
        }
    }

    pub fn iter(&self) -> impl Iterator<Item = &str> {
        self.0.iter().map(String::as_str)
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Whether these scopes grant `required` (a granular or top-level scope).
    pub fn allows(&self, required: &str) -> bool {
        self.0.iter().any(|have| grants(have, required))
    }

    /// Whether every scope in `other` is granted by these.
    pub fn covers(&self, other: &Scopes) -> bool {
        other.iter().all(|s| self.allows(s))
    }
}

fn grants(have: &str, required: &str) -> bool {
    if have == required {
        return true;
    }
    // `read` grants `read:*`, `write` grants `write:*`, `admin:read` grants `admin:read:*`.
    if let Some(rest) = required.strip_prefix(have) {
        if rest.starts_with(':') {
            return true;
        }
    }
    // The deprecated `follow` scope grants follows, blocks and mutes.
    if have == "follow" {
        return matches!(
            required,
            "read:follows"
                | "write:follows"
                | "read:blocks"
                | "write:blocks"
                | "read:mutes"
                | "write:mutes"
        );
    }
    // `profile` only grants reading one's own account (verify_credentials).
    false
}

impl fmt::Display for Scopes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0.join(" "))
    }
}

/// All scopes, for the RFC 8414 metadata.
pub fn all() -> Vec<String> {
    let mut out: Vec<String> = TOP_LEVEL.iter().map(|s| s.to_string()).collect();
    out.extend(READ.iter().map(|s| format!("read:{s}")));
    out.extend(WRITE.iter().map(|s| format!("write:{s}")));
    out.extend(ADMIN.iter().map(|s| format!("admin:read:{s}")));
    out.extend(ADMIN.iter().map(|s| format!("admin:write:{s}")));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn granular_scopes() {
        let s = Scopes::parse("read write:statuses follow").unwrap();
        assert!(s.allows("read:accounts"));
        assert!(s.allows("write:statuses"));
        assert!(!s.allows("write:media"));
        assert!(s.allows("write:follows"));
        assert!(!s.allows("admin:read:accounts"));
        assert!(Scopes::parse("admin:read")
            .unwrap()
            .allows("admin:read:reports"));
        assert!(!Scopes::parse("read").unwrap().allows("admin:read:reports"));
        assert!(Scopes::parse("read:bogus").is_err());
        assert!(Scopes::parse("read write")
            .unwrap()
            .covers(&Scopes::parse("read:accounts write").unwrap()));
        assert!(!Scopes::parse("read")
            .unwrap()
            .covers(&Scopes::parse("write").unwrap()));
        assert_eq!(Scopes::parse_or_read(None).unwrap().to_string(), "read");
    }
}
