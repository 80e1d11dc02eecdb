//! HTTP Signatures as Mastodon does them (draft-cavage-http-signatures-12): signing outgoing
//! requests, and checking incoming ones (parameters, covered headers, Digest, Date window).
//! The key lookup and the RSA check itself live in `inbox`/`keys`; this module is pure.

use std::collections::HashMap;

use axum::http::HeaderMap;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::time::{MICROS_PER_MINUTE, MICROS_PER_SECOND};

/// `SHA-256=<base64>` of a body.
pub fn digest_header(body: &[u8]) -> String {
    format!("SHA-256={}", B64.encode(Sha256::digest(body)))
}

/// RFC 7231 IMF-fixdate of an epoch-microsecond time.
pub fn http_date(micros: i64) -> String {
    let secs = u64::try_from(micros / MICROS_PER_SECOND).unwrap_or(0);
    httpdate::fmt_http_date(std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs))
}

/// The headers to add to a request (besides the ones reqwest sets): Date, Digest (with a body)
/// and Signature, signed over `(request-target) host date [digest]`.
pub struct Signed {
    pub date: String,
    pub digest: Option<String>,
    pub signature: String,
}

/// Signs a request. `host` is the authority as sent (with a non-default port); `target` is
/// the path with its query.
pub fn sign(
    key: &crate::federation::keys::SigningKey,
    key_id: &str,
    method: &str,
    host: &str,
    target: &str,
    body: Option<&[u8]>,
    now: i64,
) -> anyhow::Result<Signed> {
    let date = http_date(now);
    let digest = body.map(digest_header);
    let mut lines = vec![
        format!("(request-target): {} {target}", method.to_ascii_lowercase()),
        format!("host: {host}"),
        format!("date: {date}"),
    ];
    let mut headers = "(request-target) host date".to_string();
    if let Some(d) = &digest {
        lines.push(format!("digest: {d}"));
        headers.push_str(" digest");
    }
    let sig = key.sign(lines.join("\n").as_bytes())?;
    Ok(Signed {
        date,
        digest,
        signature: format!(
            "keyId=\"{key_id}\",algorithm=\"rsa-sha256\",headers=\"{headers}\",signature=\"{}\"",
            B64.encode(sig)
        ),
    })
}

/// Why a signature was refused (all answered 401; the text is safe to show).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Refused(pub String);

fn refused(m: impl Into<String>) -> Refused {
    Refused(m.into())
}

/// The parsed `Signature` header.
#[derive(Debug, Clone)]
pub struct Params {
    pub key_id: String,
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
}

/// Parses `k="v",k=v,…` leniently (tokens or quoted strings, spaces, a stray `Signature ` prefix).
pub fn parse(header: &str) -> Result<Params, Refused> {
    let mut rest = header.trim();
    if let Some(r) = rest.strip_prefix("Signature ") {
        rest = r.trim_start();
    }
    let mut map: HashMap<String, String> = HashMap::new();
    while !rest.is_empty() {
        let eq = rest
            .find('=')
            .ok_or_else(|| refused("Malformed Signature header"))?;
        let key = rest[..eq].trim().to_ascii_lowercase();
        rest = rest[eq + 1..].trim_start();
        let value;
        if let Some(r) = rest.strip_prefix('"') {
            let end = r
                .find('"')
                .ok_or_else(|| refused("Malformed Signature header"))?;
            value = r[..end].to_string();
            rest = r[end + 1..].trim_start();
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            value = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        map.insert(key, value);
    }
    let key_id = map
        .remove("keyid")
        .filter(|k| !k.is_empty())
        .ok_or_else(|| refused("Signature has no keyId"))?;
    let sig = map
        .remove("signature")
        .ok_or_else(|| refused("Signature has no signature"))?;
    let signature = B64
        .decode(sig.as_bytes())
        .map_err(|_| refused("Signature is not base64"))?;
    let algorithm = map.remove("algorithm").unwrap_or_else(|| "hs2019".into());
    let hs2019 = match algorithm.to_ascii_lowercase().as_str() {
        "rsa-sha256" => false,
        "hs2019" => true,
        other => return Err(refused(format!("Unsupported signature algorithm {other}"))),
    };
    let headers: Vec<String> = match map.remove("headers") {
        Some(h) => h
            .split_whitespace()
            .map(|s| s.to_ascii_lowercase())
            .collect(),
        None if hs2019 => vec!["(created)".into()],
        None => vec!["date".into()],
    };
    if !hs2019 && headers.iter().any(|h| h == "(created)" || h == "(expires)") {
        return Err(refused("(created) and (expires) need algorithm hs2019"));
    }
    Ok(Params {
        key_id,
        headers,
        signature,
    })
}

/// Mastodon's window: Date at most 1 h ahead, and not older than its 5-minute validity plus
/// an hour of tolerance.
pub const FUTURE_SKEW: i64 = 60 * MICROS_PER_MINUTE;
pub const PAST_SKEW: i64 = 65 * MICROS_PER_MINUTE;

/// Checks coverage, Digest and Date, and returns the signing strings to try: with the query
/// in `(request-target)` first, then without (Fedify signs the path alone).
pub fn signing_strings(
    p: &Params,
    method: &str,
    path: &str,
    query: Option<&str>,
    headers: &HeaderMap,
    body: Option<&[u8]>,
    now: i64,
) -> Result<Vec<String>, Refused> {
    let covered = |h: &str| p.headers.iter().any(|x| x == h);
    if !covered("date") && !covered("(created)") {
        return Err(refused("Signature must cover date"));
    }
    if !covered("(request-target)") && !covered("digest") {
        return Err(refused("Signature must cover (request-target) or digest"));
    }
    if method.eq_ignore_ascii_case("post") && !covered("digest") {
        return Err(refused("Signature must cover digest"));
    }
    if method.eq_ignore_ascii_case("get") && !covered("host") {
        return Err(refused("Signature must cover host"));
    }
    let header = |name: &str| -> Result<String, Refused> {
        let values: Vec<&str> = headers
            .get_all(name)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        if values.is_empty() {
            return Err(refused(format!("Signed header {name} is missing")));
        }
        Ok(values.join(", "))
    };
    // The time window, from (created) or Date.
    let created = if covered("(created)") {
        None
    } else {
        let date = header("date")?;
        let t =
            httpdate::parse_http_date(&date).map_err(|_| refused("Date is not an HTTP date"))?;
        let secs = t
            .duration_since(std::time::UNIX_EPOCH)
            .map_err(|_| refused("Date is before 1970"))?
            .as_secs();
        Some(
            i64::try_from(secs)
                .unwrap_or(i64::MAX)
                .saturating_mul(MICROS_PER_SECOND),
        )
    };
    if let Some(created) = created {
        if created > now + FUTURE_SKEW {
            return Err(refused("Date is too far in the future"));
        }
        if created < now - PAST_SKEW {
            return Err(refused("Date is too old"));
        }
    }
    if let Some(body) = body {
        if covered("digest") {
            let given = header("digest")?;
            let want = digest_header(body);
            let ok = given.split(',').any(|d| {
                let d = d.trim();
                match d.split_once('=') {
                    Some((alg, _)) if alg.eq_ignore_ascii_case("sha-256") => {
                        d[alg.len() + 1..] == want["SHA-256=".len()..]
                    }
                    _ => false,
                }
            });
            if !ok {
                return Err(refused("Digest does not match the body"));
            }
        }
    }
    let mut out = Vec::new();
    let targets: Vec<String> = match query.filter(|q| !q.is_empty()) {
        Some(q) => vec![format!("{path}?{q}"), path.to_string()],
        None => vec![path.to_string()],
    };
    for target in targets {
        let mut lines = Vec::with_capacity(p.headers.len());
        for h in &p.headers {
            let line = match h.as_str() {
                "(request-target)" => {
                    format!("(request-target): {} {target}", method.to_ascii_lowercase())
                }
                "(created)" | "(expires)" => {
                    return Err(refused(format!("{h} is not supported")));
                }
                name => format!("{name}: {}", header(name)?),
            };
            lines.push(line);
        }
        out.push(lines.join("\n"));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_lenient_headers() {
        let p = parse("Signature keyId=\"https://a.example/users/x#main-key\", algorithm=rsa-sha256,headers=\"(request-target) host date digest\",signature=\"AAAA\"").expect("parse");
        assert_eq!(p.key_id, "https://a.example/users/x#main-key");
        assert_eq!(p.headers.len(), 4);
        assert!(parse("keyId=\"k\",algorithm=\"hmac-sha256\",signature=\"AAAA\"").is_err());
        assert!(parse("algorithm=\"rsa-sha256\",signature=\"AAAA\"").is_err());
        assert!(parse("garbage").is_err());
        assert!(parse(
            "keyId=\"k\",algorithm=\"rsa-sha256\",headers=\"(created)\",signature=\"AAAA\""
        )
        .is_err());
        assert_eq!(
            parse("keyId=\"k\",signature=\"AAAA\"")
                .expect("hs2019")
                .headers,
            vec!["(created)"]
        );
    }
}
