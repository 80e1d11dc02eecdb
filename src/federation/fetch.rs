//! Remote HTTP with the SSRF guard: DNS is resolved here and every address checked (private,
//! loopback, link-local, unique-local, CGNAT, benchmarking, multicast, IPv4-mapped … refused
//! unless inside `federation.allow_private`); reqwest connects only to the checked addresses,
//! so a second DNS answer cannot rebind. Redirects are followed by hand (at most 3), each
//! re-checked and required to stay on the first URL's origin. Timeouts: connect 5 s, read 10 s,
//! total 20 s; bodies capped at 1 MiB. Every GET and POST is signed (draft-cavage).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use serde_json::Value;
use url::Url;

use crate::federation::signatures;
use crate::state::AppState;

pub const MAX_BODY: usize = 1024 * 1024;
const MAX_REDIRECTS: usize = 3;
pub const AP_ACCEPT: &str = "application/activity+json, application/ld+json; profile=\"https://www.w3.org/ns/activitystreams\"";

/// Parsed `federation.allow_private` ranges.
#[derive(Debug, Clone, Default)]
pub struct AllowList(Vec<ipnet::IpNet>);

impl AllowList {
    pub fn parse(cidrs: &[String]) -> AllowList {
        AllowList(
            cidrs
                .iter()
                .filter_map(|c| crate::config::parse_cidr(c).ok())
                .collect(),
        )
    }

    fn contains(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// Whether remote requests may reach `ip`.
    pub fn allows(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.contains(ip) || is_public(ip)
    }
}

/// IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => ip,
        },
        v4 => v4,
    }
}

/// Globally routable unicast only.
fn is_public(ip: IpAddr) -> bool {
    const V4_DENY: &[&str] = &[
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
    ];
    const V6_DENY: &[&str] = &[
        "::/128",
        "::1/128",
        "::ffff:0:0/96",
        "64:ff9b::/96",
        "64:ff9b:1::/48",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    ];
    let list = if ip.is_ipv4() { V4_DENY } else { V6_DENY };
    !list.iter().any(|net| {
        net.parse::<ipnet::IpNet>()
            .map(|n| n.contains(&ip))
            .unwrap_or(true)
    })
}

/// Resolves names and keeps only the addresses the guard allows.
struct GuardedResolver(AllowList);

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let allow = self.0.clone();
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|a| allow.allows(a.ip()))
                .collect();
            if addrs.is_empty() {
                return Err(format!("{host} resolves to no address federation may reach").into());
            }
            let it: Addrs = Box::new(addrs.into_iter());
            Ok(it)
        })
    }
}

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("refused: {0}")]
    Refused(String),
    #[error("remote answered {0}")]
    Status(u16),
    #[error("request failed: {0}")]
    Transport(String),
    #[error("body over {0} bytes")]
    TooLarge(usize),
}

/// The federation HTTP client.
pub struct Fetcher {
    client: reqwest::Client,
    allow: AllowList,
}

impl Fetcher {
    pub fn new(allow_private: &[String], user_agent: &str) -> anyhow::Result<Fetcher> {
        let allow = AllowList::parse(allow_private);
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        let tls = rustls::ClientConfig::builder_with_provider(Arc::new(
            rustls::crypto::aws_lc_rs::default_provider(),
        ))
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth();
        let client = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .dns_resolver(Arc::new(GuardedResolver(allow.clone())))
            .redirect(reqwest::redirect::Policy::none())
            .connect_timeout(Duration::from_secs(5))
            .read_timeout(Duration::from_secs(10))
            .timeout(Duration::from_secs(20))
            .user_agent(user_agent)
            .no_proxy()
            .build()?;
        Ok(Fetcher { client, allow })
    }

    /// Refuses URLs that are not plain http(s), carry credentials, or name a forbidden IP.
    pub fn check_url(&self, url: &Url) -> Result<(), FetchError> {
        if url.scheme() != "https" && url.scheme() != "http" {
            return Err(FetchError::Refused(format!("scheme {}", url.scheme())));
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(FetchError::Refused("credentials in URL".into()));
        }
        match url.host() {
            None => Err(FetchError::Refused("no host".into())),
            Some(url::Host::Ipv4(ip)) if !self.allow.allows(IpAddr::V4(ip)) => {
                Err(FetchError::Refused(format!("address {ip}")))
            }
            Some(url::Host::Ipv6(ip)) if !self.allow.allows(IpAddr::V6(ip)) => {
                Err(FetchError::Refused(format!("address {ip}")))
            }
            Some(_) => Ok(()),
        }
    }

    async fn read_capped(res: reqwest::Response) -> Result<Vec<u8>, FetchError> {
        Self::read_capped_to(res, MAX_BODY).await
    }

    async fn read_capped_to(mut res: reqwest::Response, cap: usize) -> Result<Vec<u8>, FetchError> {
        let over = || FetchError::TooLarge(cap);
        if res.content_length().is_some_and(|n| n > cap as u64) {
            return Err(over());
        }
        let mut out = Vec::new();
        while let Some(chunk) = res
            .chunk()
            .await
            .map_err(|e| FetchError::Transport(e.to_string()))?
        {
            if out.len() + chunk.len() > cap {
                return Err(over());
            }
            out.extend_from_slice(&chunk);
        }
        Ok(out)
    }
}

/// `host[:port]` as sent in the Host header.
pub fn authority(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

/// Scheme, host and port: the origin comparisons use all three.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().map(str::to_ascii_lowercase) == b.host_str().map(str::to_ascii_lowercase)
        && a.port_or_known_default() == b.port_or_known_default()
}

fn target_of(url: &Url) -> String {
    match url.query() {
        Some(q) => format!("{}?{q}", url.path()),
        None => url.path().to_string(),
    }
}

/// A signed GET of an ActivityPub document (signed with `signer`'s key, the instance actor by
/// default). Strict: the answer must be 200 with an ActivityPub content type, JSON, and every
/// redirect must stay on the origin of `url`.
pub async fn get_object(state: &AppState, url: &str) -> Result<Value, FetchError> {
    let fetcher = &state.federation.fetcher;
    let first = Url::parse(url).map_err(|_| FetchError::Refused("not a URL".into()))?;
    let mut current = first.clone();
    let key = crate::federation::keys::signing_key(state, "instance")
        .await
        .map_err(|e| FetchError::Transport(e.to_string()))?;
    let key_id = format!("{}#main-key", crate::federation::instance_actor_uri(state));
    for _ in 0..=MAX_REDIRECTS {
        fetcher.check_url(&current)?;
        let now = state.clock.now_micros();
        let signed = signatures::sign(
            &key,
            &key_id,
            "get",
            &authority(&current),
            &target_of(&current),
            None,
            now,
        )
        .map_err(|e| FetchError::Transport(e.to_string()))?;
        let res = fetcher
            .client
            .get(current.clone())
            .header("accept", AP_ACCEPT)
            .header("date", signed.date)
            .header("signature", signed.signature)
            .send()
            .await
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        let status = res.status();
        if status.is_redirection() {
            let loc = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| FetchError::Refused("redirect without location".into()))?;
            let next = current
                .join(loc)
                .map_err(|_| FetchError::Refused("bad redirect".into()))?;
            if !same_origin(&first, &next) {
                return Err(FetchError::Refused("redirect to another origin".into()));
            }
            current = next;
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let ctype = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let ok_type = ctype.starts_with("application/activity+json")
            || (ctype.starts_with("application/ld+json")
                && ctype.contains("https://www.w3.org/ns/activitystreams"));
        if !ok_type {
            return Err(FetchError::Refused(format!("content type {ctype:?}")));
        }
        let body = Fetcher::read_capped(res).await?;
        return serde_json::from_slice(&body)
            .map_err(|_| FetchError::Refused("body is not JSON".into()));
    }
    Err(FetchError::Refused("too many redirects".into()))
}

/// An unsigned GET of a remote media file (as Mastodon fetches attachments), at most `cap`
/// bytes, through the same guard and timeouts. Media often sit on another host (a CDN), so
/// redirects may leave the first origin, but each hop is checked again like the first URL.
pub async fn get_media(state: &AppState, url: &str, cap: usize) -> Result<Vec<u8>, FetchError> {
    get_page(state, url, "image/*", cap).await.map(|p| p.body)
}

/// A document fetched by [`get_page`]: where it ended up, its content type, its body.
#[derive(Debug)]
pub struct Page {
    pub url: Url,
    pub content_type: String,
    pub body: Vec<u8>,
}

/// An unsigned GET of a web page behind a link (link previews: `services::cards`) or of a
/// media file, through the same guard and timeouts, at most `cap` bytes. Pages and media often
/// redirect to another host (a shortener, `www.`, a CDN), so redirects may leave the first
/// origin, each hop checked again. The content type is only reported: the caller decides what
/// it accepts.
pub async fn get_page(
    state: &AppState,
    url: &str,
    accept: &str,
    cap: usize,
) -> Result<Page, FetchError> {
    let fetcher = &state.federation.fetcher;
    let mut current = Url::parse(url).map_err(|_| FetchError::Refused("not a URL".into()))?;
    for _ in 0..=MAX_REDIRECTS {
        fetcher.check_url(&current)?;
        let res = fetcher
            .client
            .get(current.clone())
            .header("accept", accept)
            .send()
            .await
            .map_err(|e| FetchError::Transport(e.to_string()))?;
        let status = res.status();
        if status.is_redirection() {
            let loc = res
                .headers()
                .get("location")
                .and_then(|v| v.to_str().ok())
                .ok_or_else(|| FetchError::Refused("redirect without location".into()))?;
            current = current
                .join(loc)
                .map_err(|_| FetchError::Refused("bad redirect".into()))?;
            continue;
        }
        if !status.is_success() {
            return Err(FetchError::Status(status.as_u16()));
        }
        let content_type = res
            .headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .to_ascii_lowercase();
        let body = Fetcher::read_capped_to(res, cap).await?;
        return Ok(Page {
            url: current,
            content_type,
            body,
        });
    }
    Err(FetchError::Refused("too many redirects".into()))
}

/// A WebFinger lookup (JRD, looser content type), same guard and caps, unsigned.
pub async fn get_jrd(state: &AppState, url: &str) -> Result<Value, FetchError> {
    let fetcher = &state.federation.fetcher;
    let url = Url::parse(url).map_err(|_| FetchError::Refused("not a URL".into()))?;
    fetcher.check_url(&url)?;
    let res = fetcher
        .client
        .get(url)
        .header("accept", "application/jrd+json, application/json")
        .send()
        .await
        .map_err(|e| FetchError::Transport(e.to_string()))?;
    if !res.status().is_success() {
        return Err(FetchError::Status(res.status().as_u16()));
    }
    let body = Fetcher::read_capped(res).await?;
    serde_json::from_slice(&body).map_err(|_| FetchError::Refused("body is not JSON".into()))
}

/// A signed POST of an activity to an inbox; returns the status code.
pub async fn post_activity(
    state: &AppState,
    inbox: &str,
    body: &[u8],
    key: &crate::federation::keys::SigningKey,
    key_id: &str,
) -> Result<u16, FetchError> {
    let fetcher = &state.federation.fetcher;
    let url = Url::parse(inbox).map_err(|_| FetchError::Refused("not a URL".into()))?;
    fetcher.check_url(&url)?;
    let signed = signatures::sign(
        key,
        key_id,
        "post",
        &authority(&url),
        &target_of(&url),
        Some(body),
        state.clock.now_micros(),
    )
    .map_err(|e| FetchError::Transport(e.to_string()))?;
    let res = fetcher
        .client
        .post(url)
        .header("content-type", "application/activity+json")
        .header("date", signed.date)
        .header("digest", signed.digest.unwrap_or_default())
        .header("signature", signed.signature)
        .body(body.to_vec())
        .send()
        .await
        .map_err(|e| FetchError::Transport(e.to_string()))?;
    Ok(res.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_guard_refuses_private_ranges_unless_allowed() {
        let none = AllowList::default();
        for ip in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "100.64.0.1",
            "198.18.0.1",
            "0.0.0.0",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "::ffff:127.0.0.1",
            "2002:7f00:1::",
            "ff02::1",
        ] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(!none.allows(ip), "{ip} must be refused");
        }
        for ip in ["93.184.216.34", "2606:4700::1111", "1.1.1.1"] {
            let ip: IpAddr = ip.parse().expect("ip");
            assert!(none.allows(ip), "{ip} is public");
        }
        let loopback = AllowList::parse(&["127.0.0.0/8".into()]);
        assert!(loopback.allows("127.0.0.2".parse().expect("ip")));
        assert!(loopback.allows("::ffff:127.0.0.1".parse().expect("ip")));
        assert!(!loopback.allows("10.0.0.1".parse().expect("ip")));
        assert!(!loopback.allows("::1".parse().expect("ip")));
    }

    #[test]
    fn origins_compare_scheme_host_and_port() {
        let a = Url::parse("http://127.0.0.1:8080/users/a").expect("url");
        assert!(same_origin(
            &a,
            &Url::parse("http://127.0.0.1:8080/x").expect("url")
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://127.0.0.1:8081/x").expect("url")
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("https://127.0.0.1:8080/x").expect("url")
        ));
        assert!(!same_origin(
            &a,
            &Url::parse("http://127.0.0.2:8080/x").expect("url")
        ));
    }
}
