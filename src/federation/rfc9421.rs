//! RFC 9421 HTTP Message Signatures on receipt, with Mastodon 4.5's rules (research A6):
//! exactly one signature; `created` mandatory and inside the time window (`expires`, when
//! given, not past); `@method` and `@target-uri` covered; `content-digest` (RFC 9530) covered
//! and matching the body on requests with one; algorithm `rsa-v1_5-sha256` (or absent, then
//! taken from the RSA key). `Signature-Input`, `Signature` and `Content-Digest` are structured
//! fields (RFC 8941), parsed with `sfv`. This module is pure: it yields the key id, the
//! signature and the signature bases (RFC 9421 §2.5) to check it against; the key lookup and
//! the RSA check itself live in `inbox`/`keys`, shared with draft-cavage.

use axum::http::HeaderMap;
use sfv::{BareItem, Dictionary, FieldType, InnerList, List, ListEntry, Parser, Version};
use sha2::{Digest, Sha256, Sha512};

use crate::federation::signatures::{Refused, FUTURE_SKEW, PAST_SKEW};
use crate::time::MICROS_PER_SECOND;

fn refused(m: impl Into<String>) -> Refused {
    Refused(m.into())
}

/// The one signature of a request, as its `Signature-Input` and `Signature` fields give it.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub label: String,
    /// Covered component identifiers, in order (no component parameters are accepted).
    pub components: Vec<String>,
    pub key_id: String,
    pub alg: Option<String>,
    /// Unix seconds.
    pub created: i64,
    pub expires: Option<i64>,
    /// The `@signature-params` value: the inner list re-serialised canonically.
    pub params: String,
    pub signature: Vec<u8>,
}

/// All lines of a field, combined as RFC 9110 §5.3 does (joined by ", ").
fn combined(headers: &HeaderMap, name: &str) -> Result<Option<String>, Refused> {
    let mut values = Vec::new();
    for v in headers.get_all(name) {
        let v = v
            .to_str()
            .map_err(|_| refused(format!("{name} is not visible ASCII")))?;
        values.push(v.trim());
    }
    Ok((!values.is_empty()).then(|| values.join(", ")))
}

fn dictionary(name: &str, value: &str) -> Result<Dictionary, Refused> {
    Parser::new(value)
        .with_version(Version::Rfc8941)
        .parse::<Dictionary>()
        .map_err(|e| refused(format!("{name} is not a structured-field dictionary: {e}")))
}

/// Parses `Signature-Input` and `Signature`. Only the structure is checked here (one
/// signature, its parameters' types); [`signature_bases`] checks the rest.
pub fn parse(headers: &HeaderMap) -> Result<Parsed, Refused> {
    let input = combined(headers, "signature-input")?
        .ok_or_else(|| refused("Signature-Input is missing"))?;
    let sig = combined(headers, "signature")?
        .ok_or_else(|| refused("Signature is missing (RFC 9421)"))?;
    let input = dictionary("Signature-Input", &input)?;
    let sig = dictionary("Signature", &sig)?;
    if input.len() != 1 || sig.len() != 1 {
        return Err(refused(
            "Exactly one RFC 9421 signature is accepted (Signature-Input and Signature must each have one member)",
        ));
    }
    let (label, entry) = input
        .iter()
        .next()
        .ok_or_else(|| refused("Signature-Input is empty"))?;
    let signature = match sig.get(label.as_str()) {
        Some(ListEntry::Item(item)) => item
            .bare_item
            .as_byte_sequence()
            .ok_or_else(|| refused("The signature is not a byte sequence"))?
            .to_vec(),
        Some(ListEntry::InnerList(_)) => {
            return Err(refused("The signature is not a byte sequence"));
        }
        None => {
            return Err(refused(format!(
                "Signature has no member {label} to match Signature-Input"
            )))
        }
    };
    let ListEntry::InnerList(inner) = entry else {
        return Err(refused("A Signature-Input member must be an inner list"));
    };
    let mut components: Vec<String> = Vec::with_capacity(inner.items.len());
    for item in &inner.items {
        let name = item
            .bare_item
            .as_string()
            .ok_or_else(|| refused("A covered component is not a string"))?
            .as_str();
        if !item.params.is_empty() {
            return Err(refused(format!(
                "Component parameters are not supported ({name})"
            )));
        }
        if components.iter().any(|c| c == name) {
            return Err(refused(format!("Component {name} is covered twice")));
        }
        components.push(name.to_string());
    }
    let mut key_id = None;
    let mut alg = None;
    let mut created = None;
    let mut expires = None;
    for (k, v) in &inner.params {
        let bad = || {
            refused(format!(
                "Signature parameter {} has the wrong type",
                k.as_str()
            ))
        };
        match k.as_str() {
            "keyid" => key_id = Some(v.as_string().ok_or_else(bad)?.as_str().to_string()),
            "alg" => alg = Some(v.as_string().ok_or_else(bad)?.as_str().to_string()),
            "created" => created = Some(i64::from(v.as_integer().ok_or_else(bad)?)),
            "expires" => expires = Some(i64::from(v.as_integer().ok_or_else(bad)?)),
            "nonce" | "tag" => {
                v.as_string().ok_or_else(bad)?;
            }
            // Unknown parameters are signed over (they are part of @signature-params).
            _ => {}
        }
    }
    let key_id = key_id
        .filter(|k| !k.is_empty())
        .ok_or_else(|| refused("The signature has no keyid"))?;
    let created = created.ok_or_else(|| refused("The signature has no created parameter"))?;
    let params = serialize_params(inner)?;
    Ok(Parsed {
        label: label.as_str().to_string(),
        components,
        key_id,
        alg,
        created,
        expires,
        params,
        signature,
    })
}

fn serialize_params(inner: &InnerList) -> Result<String, Refused> {
    let list: List = vec![ListEntry::InnerList(inner.clone())];
    list.serialize()
        .ok_or_else(|| refused("Signature-Input cannot be serialised"))
}

/// The request as the verifier sees it. `base_url` is our configured `scheme://domain`: behind
/// a proxy it, not the socket, is what the signer addressed.
pub struct Request<'a> {
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// The body on methods that carry one (None on GET and HEAD).
    pub body: Option<&'a [u8]>,
    pub base_url: &'a str,
}

fn micros(secs: i64) -> i64 {
    secs.saturating_mul(MICROS_PER_SECOND)
}

/// Checks Mastodon's rules (coverage, algorithm, time window, Content-Digest) and returns the
/// signature base to verify against (in a list, as the draft-cavage check returns its
/// candidates).
pub fn signature_bases(p: &Parsed, req: &Request<'_>, now: i64) -> Result<Vec<String>, Refused> {
    match p.alg.as_deref() {
        None | Some("rsa-v1_5-sha256") => {}
        Some(other) => {
            return Err(refused(format!(
                "Unsupported signature algorithm {other}; use rsa-v1_5-sha256"
            )))
        }
    }
    let created = micros(p.created);
    if created > now + FUTURE_SKEW {
        return Err(refused("The signature's created time is in the future"));
    }
    if created < now - PAST_SKEW {
        return Err(refused("The signature is too old"));
    }
    if let Some(expires) = p.expires {
        if micros(expires) < now {
            return Err(refused("The signature has expired"));
        }
        if expires < p.created {
            return Err(refused("The signature expires before it was created"));
        }
    }
    let covered = |c: &str| p.components.iter().any(|x| x == c);
    for needed in ["@method", "@target-uri"] {
        if !covered(needed) {
            return Err(refused(format!("The signature must cover {needed}")));
        }
    }
    if let Some(body) = req.body {
        if !covered("content-digest") {
            return Err(refused("The signature must cover content-digest"));
        }
        check_content_digest(req.headers, body)?;
    }
    Ok(vec![signature_base(p, req, &target_uri(req)?)?])
}

/// `@target-uri`: our base URL with the path and query as received, normalised as WHATWG URL
/// parsers (Fedify's) write it (lowercase host, no default port).
fn target_uri(req: &Request<'_>) -> Result<url::Url, Refused> {
    let raw = match req.query {
        Some(q) => format!("{}{}?{q}", req.base_url, req.path),
        None => format!("{}{}", req.base_url, req.path),
    };
    url::Url::parse(&raw).map_err(|_| refused("The request's target URI is not a URL"))
}

/// Builds the signature base of RFC 9421 §2.5 for `target` (which gives `@target-uri`,
/// `@authority` and `@scheme`; path and query are as received).
pub fn signature_base(p: &Parsed, req: &Request<'_>, target: &url::Url) -> Result<String, Refused> {
    let mut base = String::new();
    for c in &p.components {
        let value = match c.as_str() {
            "@method" => req.method.to_string(),
            "@target-uri" => target.as_str().to_string(),
            "@authority" => {
                let host = target
                    .host_str()
                    .ok_or_else(|| refused("Our URL has no host"))?
                    .to_ascii_lowercase();
                match target.port() {
                    Some(port) => format!("{host}:{port}"),
                    None => host,
                }
            }
            "@scheme" => target.scheme().to_string(),
            "@path" => req.path.to_string(),
            "@query" => format!("?{}", req.query.unwrap_or("")),
            "@request-target" => match req.query {
                Some(q) => format!("{}?{q}", req.path),
                None => req.path.to_string(),
            },
            "@signature-params" => {
                return Err(refused("@signature-params cannot be covered"));
            }
            other if other.starts_with('@') => {
                return Err(refused(format!("Unsupported derived component {other}")));
            }
            field => {
                if field.bytes().any(|b| b.is_ascii_uppercase()) {
                    return Err(refused(format!("Field name {field} must be lowercase")));
                }
                combined(req.headers, field)?
                    .ok_or_else(|| refused(format!("Covered field {field} is missing")))?
            }
        };
        if value.contains(['\n', '\r']) {
            return Err(refused(format!("Component {c} has a line break")));
        }
        base.push_str(&format!("\"{c}\": {value}\n"));
    }
    base.push_str(&format!("\"@signature-params\": {}", p.params));
    Ok(base)
}

/// RFC 9530: `Content-Digest` has a sha-256 or sha-512 member, and every one of those it has
/// matches the body. Other algorithms are ignored.
pub fn check_content_digest(headers: &HeaderMap, body: &[u8]) -> Result<(), Refused> {
    let value =
        combined(headers, "content-digest")?.ok_or_else(|| refused("Content-Digest is missing"))?;
    let dict = dictionary("Content-Digest", &value)?;
    let mut checked = 0;
    for (alg, entry) in &dict {
        let want: Vec<u8> = match alg.as_str() {
            "sha-256" => Sha256::digest(body).to_vec(),
            "sha-512" => Sha512::digest(body).to_vec(),
            _ => continue,
        };
        let given = match entry {
            ListEntry::Item(item) => match &item.bare_item {
                BareItem::ByteSequence(b) => b.as_slice(),
                _ => return Err(refused("A Content-Digest value is not a byte sequence")),
            },
            ListEntry::InnerList(_) => {
                return Err(refused("A Content-Digest value is not a byte sequence"))
            }
        };
        if given != want.as_slice() {
            return Err(refused("Content-Digest does not match the body"));
        }
        checked += 1;
    }
    if checked == 0 {
        return Err(refused("Content-Digest has no sha-256 or sha-512 digest"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::federation::keys;
    use base64::engine::general_purpose::STANDARD as B64;
    use base64::Engine;

    // RFC 9421 Appendix B.1.1, `test-key-rsa`.
    const TEST_KEY_RSA: &str = "-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----
";

    /// The request of RFC 9421 §4.3 as the origin server receives it, with the proxy's
    /// rsa-v1_5-sha256 signature (`proxy_sig`, `test-key-rsa`) alone.
    fn rfc_request() -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in [
            ("host", "origin.host.internal.example"),
            ("date", "Tue, 20 Apr 2021 02:07:56 GMT"),
            ("content-type", "application/json"),
            ("content-length", "18"),
            ("forwarded", "for=192.0.2.123;host=example.com;proto=https"),
            (
                "content-digest",
                "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
            ),
            (
                "signature-input",
                "proxy_sig=(\"@method\" \"@authority\" \"@path\" \"content-digest\" \"content-type\" \"content-length\" \"forwarded\");created=1618884480;keyid=\"test-key-rsa\";alg=\"rsa-v1_5-sha256\";expires=1618884540",
            ),
            (
                "signature",
                "proxy_sig=:S6ZzPXSdAMOPjN/6KXfXWNO/f7V6cHm7BXYUh3YD/fRad4BCaRZxP+JH+8XY1I6+8Cy+CM5g92iHgxtRPz+MjniOaYmdkDcnL9cCpXJleXsOckpURl49GwiyUpZ10KHgOEe11sx3G2gxI8S0jnxQB+Pu68U9vVcasqOWAEObtNKKZd8tSFu7LB5YAv0RAGhB8tmpv7sFnIm9y+7X5kXQfi8NMaZaA8i2ZHwpBdg7a6CMfwnnrtflzvZdXAsD3LH2TwevU+/PBPv0B6NMNk93wUs/vfJvye+YuI87HU38lZHowtznbLVdp770I6VHR6WfgS9ddzirrswsE1w5o0LV/g==:",
            ),
        ] {
            h.append(k, v.parse().expect("header"));
        }
        h
    }

    const RFC_BODY: &[u8] = b"{\"hello\": \"world\"}";

    #[test]
    fn rfc9421_section_4_3_rsa_v1_5_sha256_vector() {
        let headers = rfc_request();
        let p = parse(&headers).expect("parse");
        assert_eq!(p.label, "proxy_sig");
        assert_eq!(p.key_id, "test-key-rsa");
        assert_eq!(p.expires, Some(1618884540));
        let req = Request {
            method: "POST",
            path: "/foo",
            query: Some("param=Value&Pet=dog"),
            headers: &headers,
            body: Some(RFC_BODY),
            base_url: "https://origin.host.internal.example",
        };
        let target =
            url::Url::parse("https://origin.host.internal.example/foo?param=Value&Pet=dog")
                .expect("url");
        let base = signature_base(&p, &req, &target).expect("base");
        assert_eq!(
            base,
            "\"@method\": POST\n\
             \"@authority\": origin.host.internal.example\n\
             \"@path\": /foo\n\
             \"content-digest\": sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:\n\
             \"content-type\": application/json\n\
             \"content-length\": 18\n\
             \"forwarded\": for=192.0.2.123;host=example.com;proto=https\n\
             \"@signature-params\": (\"@method\" \"@authority\" \"@path\" \"content-digest\" \"content-type\" \"content-length\" \"forwarded\");created=1618884480;keyid=\"test-key-rsa\";alg=\"rsa-v1_5-sha256\";expires=1618884540"
        );
        // The RFC's signature verifies with aws-lc-rs over our base, and not over another.
        let key = keys::verifier(TEST_KEY_RSA).expect("key");
        assert!(keys::verify_parsed(&key, base.as_bytes(), &p.signature));
        assert!(!keys::verify_parsed(
            &key,
            base.replace("/foo", "/bar").as_bytes(),
            &p.signature
        ));
        // The body matches its sha-512 Content-Digest; another body does not.
        check_content_digest(&headers, RFC_BODY).expect("digest");
        assert!(check_content_digest(&headers, b"{\"hello\": \"World\"}").is_err());
        // Mastodon's rules refuse it all the same: @target-uri is not covered.
        let now = 1618884480 * MICROS_PER_SECOND;
        let err = signature_bases(&p, &req, now).expect_err("no @target-uri");
        assert!(err.0.contains("@target-uri"), "{err:?}");
    }

    fn with(sig_input: &str, sig: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("signature-input", sig_input.parse().expect("h"));
        h.insert("signature", sig.parse().expect("h"));
        h
    }

    #[test]
    fn parse_refuses_what_mastodon_refuses() {
        let ok = with(
            "sig1=(\"@method\" \"@target-uri\");created=1;keyid=\"k\"",
            "sig1=:AAAA:",
        );
        let p = parse(&ok).expect("parse");
        assert_eq!(p.components, vec!["@method", "@target-uri"]);
        assert_eq!(
            p.params,
            "(\"@method\" \"@target-uri\");created=1;keyid=\"k\""
        );
        assert_eq!(p.signature, B64.decode("AAAA").expect("b64"));
        for (input, sig) in [
            // Two signatures.
            (
                "a=(\"@method\");created=1;keyid=\"k\", b=(\"@method\");created=1;keyid=\"k\"",
                "a=:AAAA:, b=:AAAA:",
            ),
            // Labels that do not match.
            ("a=(\"@method\");created=1;keyid=\"k\"", "b=:AAAA:"),
            // No created, created not an integer, no keyid.
            ("sig1=(\"@method\");keyid=\"k\"", "sig1=:AAAA:"),
            (
                "sig1=(\"@method\");created=\"1\";keyid=\"k\"",
                "sig1=:AAAA:",
            ),
            ("sig1=(\"@method\");created=1", "sig1=:AAAA:"),
            // Not structured fields, or the wrong shapes.
            ("sig1=(\"@method\";created=1", "sig1=:AAAA:"),
            ("sig1=\"@method\";created=1;keyid=\"k\"", "sig1=:AAAA:"),
            ("sig1=(\"@method\");created=1;keyid=\"k\"", "sig1=\"AAAA\""),
            (
                "sig1=(\"@method\");created=1;keyid=\"k\"",
                "keyId=\"k\",signature=\"AAAA\"",
            ),
            // Component parameters, duplicates.
            (
                "sig1=(\"@method\";req);created=1;keyid=\"k\"",
                "sig1=:AAAA:",
            ),
            (
                "sig1=(\"@method\" \"@method\");created=1;keyid=\"k\"",
                "sig1=:AAAA:",
            ),
        ] {
            assert!(parse(&with(input, sig)).is_err(), "{input} / {sig}");
        }
    }

    #[test]
    fn content_digest_forms() {
        let body = b"hello";
        let sha256 = B64.encode(Sha256::digest(body));
        let sha512 = B64.encode(Sha512::digest(body));
        let h = |v: String| {
            let mut h = HeaderMap::new();
            h.insert("content-digest", v.parse().expect("h"));
            h
        };
        assert!(check_content_digest(&h(format!("sha-256=:{sha256}:")), body).is_ok());
        assert!(check_content_digest(&h(format!("sha-512=:{sha512}:, md5=:AAAA:")), body).is_ok());
        assert!(
            check_content_digest(&h(format!("sha-256=:{sha256}:, sha-512=:{sha256}:")), body)
                .is_err()
        );
        assert!(check_content_digest(&h("md5=:AAAA:".into()), body).is_err());
        assert!(check_content_digest(&h(format!("SHA-256={sha256}")), body).is_err());
        assert!(check_content_digest(&HeaderMap::new(), body).is_err());
    }
}
