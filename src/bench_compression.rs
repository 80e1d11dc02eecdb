//! `herd bench compression`: what compression saves and costs. Seeds a member with 40 posts
//! on a fresh SQLite instance, fetches `/home` (20 posts, signed in), the JSON home timeline
//! at 40, herd.css and herd.js as identity, gzip and brotli (the bytes Herd serves), then
//! compresses each body again through tower-http's layer at several levels in one thread and
//! prints the bytes and the CPU time per response at each level (the thread's own CPU time
//! from `/proc/thread-self/schedstat` where Linux has it, so other load on the machine does
//! not count; wall time otherwise).

use std::time::Instant;

use axum::body::Body;
use axum::http::header::{ACCEPT_ENCODING, CONTENT_ENCODING, CONTENT_TYPE};
use axum::http::{Request, Response};
use tower::{Layer, Service, ServiceExt};
use tower_http::compression::{CompressionLayer, CompressionLevel};

use crate::bench::tempfile_dir;
use crate::services::accounts::{create_by_operator, SignUp};
use crate::state::App;
use crate::time::Clock;

pub struct CompressionBench {
    /// Compressions per body and level (the mean is printed).
    pub runs: u32,
}

const PASSWORD: &str = "bench compression password";

/// Words the seeded posts are made of, so no two posts are alike.
const WORDS: &[&str] = &[
    "co-op",
    "meeting",
    "Thursday",
    "hosting",
    "budget",
    "server",
    "members",
    "vote",
    "proposal",
    "garden",
    "bread",
    "bikes",
    "library",
    "rain",
    "tomorrow",
    "minutes",
    "draft",
    "policy",
    "moderation",
    "federation",
    "kitchen",
    "music",
    "evening",
    "photos",
    "walk",
    "harbour",
    "market",
    "repair",
    "café",
    "snow",
    "train",
    "book",
    "night",
    "morning",
    "neighbours",
    "festival",
    "workshop",
    "volunteers",
    "roof",
    "solar",
    "panels",
    "ledger",
    "dues",
    "quarter",
];

/// The `n`th seeded post: a varied sentence, a hashtag and a link (deterministic).
fn post_text(n: u64) -> String {
    let mut x = n.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1);
    let mut words = Vec::new();
    let len = 12 + (n % 20);
    for _ in 0..len {
        x = x
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        words.push(WORDS[(x >> 33) as usize % WORDS.len()]);
    }
    format!(
        "Post {n}: {} — see #{} and https://example.org/minutes/{n}",
        words.join(" "),
        WORDS[(n as usize * 7) % WORDS.len()].replace('-', "")
    )
}

/// One body Herd served: its name, type and identity bytes.
struct Served {
    name: &'static str,
    content_type: String,
    body: bytes::Bytes,
}

/// Compresses `served` `runs` times through the layer at `level`, encoding `encoding` (empty:
/// identity, the layer's own cost): the encoded size and the mean CPU µs per response.
async fn cost(
    served: &Served,
    encoding: &str,
    level: i32,
    runs: u32,
) -> anyhow::Result<(usize, f64)> {
    let body = served.body.clone();
    let content_type = served.content_type.clone();
    let inner = tower::service_fn(move |_req: Request<Body>| {
        let body = body.clone();
        let content_type = content_type.clone();
        async move {
            Response::builder()
                .header(CONTENT_TYPE, content_type)
                .body(Body::from(body))
        }
    });
    let mut svc = CompressionLayer::new()
        .no_deflate()
        .no_zstd()
        .quality(CompressionLevel::Precise(level))
        .compress_when(crate::http::compression::TextOnly)
        .layer(inner);
    let mut size = 0;
    let cpu0 = thread_cpu_ns();
    let wall = Instant::now();
    for _ in 0..runs {
        let mut req = Request::new(Body::empty());
        if !encoding.is_empty() {
            req.headers_mut().insert(ACCEPT_ENCODING, encoding.parse()?);
        }
        let res = svc.ready().await?.call(req).await?;
        anyhow::ensure!(
            encoding.is_empty() || res.headers().get(CONTENT_ENCODING).is_some(),
            "{} was not encoded",
            served.name
        );
        size = axum::body::to_bytes(Body::new(res.into_body()), usize::MAX)
            .await?
            .len();
    }
    let ns = match (cpu0, thread_cpu_ns()) {
        (Some(a), Some(b)) => (b - a) as f64,
        _ => wall.elapsed().as_nanos() as f64,
    };
    Ok((size, ns / f64::from(runs) / 1000.0))
}

/// The calling thread's CPU time in ns (Linux), or None.
fn thread_cpu_ns() -> Option<u64> {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// GET `url` with `accept_encoding` (empty: none): the body as served and its encoding.
async fn fetch(
    client: &reqwest::Client,
    url: &str,
    header: (&str, &str),
    accept_encoding: &str,
) -> anyhow::Result<(bytes::Bytes, String, String)> {
    let mut req = client.get(url).header(header.0, header.1);
    if !accept_encoding.is_empty() {
        req = req.header("accept-encoding", accept_encoding);
    }
    let res = req.send().await?;
    anyhow::ensure!(res.status().is_success(), "{url} answered {}", res.status());
    let text = |name| {
        res.headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_string()
    };
    let (encoding, content_type) = (text("content-encoding"), text("content-type"));
    Ok((res.bytes().await?, encoding, content_type))
}

pub async fn compression(cfg: CompressionBench) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let state = App::new(
        crate::bench::instance_config(addr, &dir, None),
        Clock::default(),
    )
    .await?;
    let member = create_by_operator(
        &state,
        SignUp {
            username: "alice".into(),
            email: "alice@bench.example".into(),
            password: PASSWORD.into(),
            agreement: true,
            locale: "en".into(),
            reason: String::new(),
            invite_code: String::new(),
        },
        None,
        true,
    )
    .await
    .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let token = crate::services::oauth::operator_token(&state, member.account_id, "read write")
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let server = crate::bench::serve_in_background(&state, listener);
    let base = format!("http://{addr}");
    let client = reqwest::Client::new();
    let bearer = format!("Bearer {token}");
    for n in 1..=40 {
        let res = client
            .post(format!("{base}/api/v1/statuses"))
            .header("authorization", &bearer)
            .json(&serde_json::json!({ "status": post_text(n) }))
            .send()
            .await?;
        anyhow::ensure!(
            res.status().is_success(),
            "posting answered {}",
            res.status()
        );
    }
    let cookie = crate::bench_web::sign_in_with(&base, "alice@bench.example", PASSWORD).await?;
    let (page, _, _) = fetch(&client, &format!("{base}/home"), ("cookie", &cookie), "").await?;
    let page_text = String::from_utf8_lossy(&page).to_string();
    let asset = |ext: &str| {
        page_text
            .split('"')
            .find(|s| s.starts_with("/static/herd.") && s.ends_with(ext))
            .map(|s| format!("{base}{s}"))
            .ok_or_else(|| anyhow::anyhow!("/home links no herd{ext}"))
    };
    let targets = [
        (
            "/home (20 posts)",
            format!("{base}/home"),
            ("cookie", cookie.as_str()),
        ),
        (
            "home timeline JSON (40)",
            format!("{base}/api/v1/timelines/home?limit=40"),
            ("authorization", bearer.as_str()),
        ),
        ("herd.css", asset(".css")?, ("accept", "*/*")),
        ("herd.js", asset(".js")?, ("accept", "*/*")),
    ];
    println!(
        "compression: served sizes (gzip level {}, brotli quality {}), bytes",
        crate::http::compression::GZIP_LEVEL,
        crate::http::compression::BROTLI_LEVEL
    );
    println!("  {:<26} {:>9} {:>9} {:>9}", "", "identity", "gzip", "br");
    let mut bodies = Vec::new();
    for (name, url, header) in &targets {
        let (plain, enc, content_type) = fetch(&client, url, *header, "").await?;
        anyhow::ensure!(enc.is_empty(), "{name} encoded without Accept-Encoding");
        let (gz, enc_gz, _) = fetch(&client, url, *header, "gzip").await?;
        let (br, enc_br, _) = fetch(&client, url, *header, "br").await?;
        anyhow::ensure!(
            enc_gz == "gzip" && enc_br == "br",
            "{name} served as {enc_gz:?} / {enc_br:?}"
        );
        println!(
            "  {name:<26} {:>9} {:>9} {:>9}",
            plain.len(),
            gz.len(),
            br.len()
        );
        bodies.push(Served {
            name,
            content_type,
            body: plain,
        });
    }
    server.stop().await;
    state.db.close().await;
    let _ = std::fs::remove_dir_all(&dir);

    // The CPU cost, in a thread of its own so its CPU clock counts only this work.
    let runs = cfg.runs.max(1);
    let table = std::thread::spawn(move || -> anyhow::Result<Vec<String>> {
        let rt = tokio::runtime::Builder::new_current_thread().build()?;
        rt.block_on(async {
            let mut lines = Vec::new();
            for served in &bodies {
                let (_, base_us) = cost(served, "", 1, runs).await?;
                lines.push(format!(
                    "  {} ({} bytes; the layer without encoding {base_us:.1} µs):",
                    served.name,
                    served.body.len()
                ));
                for (encoding, levels) in [
                    ("gzip", &[1, 2, 3, 4, 5, 6, 9][..]),
                    ("br", &[0, 1, 2, 3, 4, 5, 6][..]),
                ] {
                    let mut cells = Vec::new();
                    for &level in levels {
                        let (size, us) = cost(served, encoding, level, runs).await?;
                        cells.push(format!("{level}: {size} B {:.0} µs", us - base_us));
                    }
                    lines.push(format!("    {encoding:<4} {}", cells.join(" | ")));
                }
            }
            anyhow::Ok(lines)
        })
    })
    .join()
    .map_err(|_| anyhow::anyhow!("the measuring thread panicked"))??;
    println!(
        "compression: CPU per response by level ({runs} runs each, one thread{})",
        if thread_cpu_ns().is_some() {
            ", the thread's CPU time"
        } else {
            ", wall time"
        }
    );
    for line in table {
        println!("{line}");
    }
    Ok(())
}
