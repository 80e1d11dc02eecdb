//! `herd bench web-home`: the server time of the members' `/home` page next to the JSON home
//! timeline at the same page size (20 posts), from the same seeded database (the
//! home-timeline bench's seed). Issue 14 asks for `/home` within 1.5× of the JSON on both
//! backends; this prints p50 and p99 of each, their ratio, and the page's size.
//!
//! Times are round trips over loopback from clients in the same process (as the home-timeline
//! bench measures), so they include rendering and the transfer, not the network.

use std::time::{Duration, Instant};

use crate::bench::{drop_postgres, fresh_postgres, percentile, seed, tempfile_dir};
use crate::state::App;
use crate::time::Clock;

pub struct WebHomeBench {
    pub database_url: Option<String>,
    pub statuses: u64,
    pub follows: u64,
    pub seconds: u64,
    pub concurrency: usize,
}

const PASSWORD: &str = "bench web home password";

/// One measured request: its URL and the header that signs it in.
#[derive(Clone)]
struct Target {
    url: String,
    header: (&'static str, String),
}

async fn drive(target: &Target, seconds: u64, concurrency: usize) -> anyhow::Result<Vec<f64>> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let client = client.clone();
        let target = target.clone();
        tasks.push(tokio::spawn(async move {
            let mut lat = Vec::new();
            while Instant::now() < deadline {
                let t = Instant::now();
                let res = client
                    .get(&target.url)
                    .header(target.header.0, &target.header.1)
                    .send()
                    .await?;
                let status = res.status();
                let _ = res.bytes().await?;
                anyhow::ensure!(status.is_success(), "{} answered {status}", target.url);
                lat.push(t.elapsed().as_secs_f64() * 1000.0);
            }
            anyhow::Ok(lat)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await??);
    }
    all.sort_by(|a, b| a.total_cmp(b));
    Ok(all)
}

/// The value of cookie `name` among a response's `Set-Cookie` headers.
fn cookie(res: &reqwest::Response, name: &str) -> Option<String> {
    res.headers()
        .get_all(reqwest::header::SET_COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .filter_map(|v| v.split(';').next())
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v.to_string())
}

/// Signs in through the sign-in form, as a browser does: the session cookie.
async fn sign_in(base: &str, login: &str) -> anyhow::Result<String> {
    sign_in_with(base, login, PASSWORD).await
}

/// Signs `login` in with `password` through the sign-in form: the session cookie to send.
pub(crate) async fn sign_in_with(
    base: &str,
    login: &str,
    password: &str,
) -> anyhow::Result<String> {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let res = client.get(format!("{base}/auth/sign_in")).send().await?;
    let csrf = cookie(&res, crate::http::session::CSRF_COOKIE)
        .ok_or_else(|| anyhow::anyhow!("the sign-in page set no CSRF cookie"))?;
    let res = client
        .post(format!("{base}/auth/sign_in"))
        .header(
            "cookie",
            format!("{}={csrf}", crate::http::session::CSRF_COOKIE),
        )
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("login", login),
            ("password", password),
            ("return_to", "/home"),
        ])
        .send()
        .await?;
    let session = cookie(&res, crate::http::session::SESSION_COOKIE)
        .ok_or_else(|| anyhow::anyhow!("signing in answered {} with no session", res.status()))?;
    Ok(format!(
        "{}={session}",
        crate::http::session::SESSION_COOKIE
    ))
}

pub async fn web_home(cfg: WebHomeBench) -> anyhow::Result<()> {
    let dir = tempfile_dir()?;
    let postgres = match cfg
        .database_url
        .as_deref()
        .filter(|u| u.starts_with("postgres"))
    {
        Some(admin) => Some((admin.to_string(), fresh_postgres(admin).await?)),
        None => None,
    };
    let backend = if postgres.is_some() {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let config = crate::bench::instance_config(
        addr,
        &dir,
        postgres.as_ref().map(|(_, (url, _))| url.as_str()),
    );
    let state = App::new(config, Clock::default()).await?;
    let (viewer, _) = seed(&state, cfg.follows, cfg.statuses).await?;
    // The seed's logins have no password; the page needs one to sign in through its form.
    let hash = crate::secrets::hash_password(PASSWORD)?;
    let mut sql = crate::storage::query::Sql::new("UPDATE users SET password_hash = ");
    let h = sql.text(&hash);
    sql.push(&h);
    sql.push(" WHERE account_id = ");
    let v = sql.int(viewer);
    sql.push(&v);
    sqlx::query_with(sql.sql(), sql.arguments())
        .execute(&state.db.pool)
        .await?;
    let token = crate::services::oauth::operator_token(&state, viewer, "read")
        .await
        .map_err(|e| anyhow::anyhow!("{}", e.message))?;
    let server = crate::bench::serve_in_background(&state, listener);
    let base = format!("http://{addr}");
    let session = sign_in(&base, "viewer@bench.example").await?;
    let json = Target {
        url: format!("{base}/api/v1/timelines/home?limit=20"),
        header: ("authorization", format!("Bearer {token}")),
    };
    let html = Target {
        url: format!("{base}/home"),
        header: ("cookie", session),
    };
    // The page once, to say what was measured.
    let page = reqwest::Client::new()
        .get(&html.url)
        .header(html.header.0, &html.header.1)
        .send()
        .await?
        .text()
        .await?;
    let posts = page.matches("<article").count();
    println!(
        "web-home on {backend}: {} statuses, {} follows, {} clients, {} s per figure; \
         /home is {} bytes with {posts} articles (load generator in-process)",
        cfg.statuses,
        cfg.follows,
        cfg.concurrency,
        cfg.seconds,
        page.len()
    );
    // Warm-up for both, then each measured twice, alternating, so a burst of other load on
    // the machine does not land on one side only.
    drive(&json, 1, cfg.concurrency).await?;
    drive(&html, 1, cfg.concurrency).await?;
    let half = cfg.seconds.div_ceil(2);
    let mut json_lat = Vec::new();
    let mut html_lat = Vec::new();
    for _ in 0..2 {
        json_lat.extend(drive(&json, half, cfg.concurrency).await?);
        html_lat.extend(drive(&html, half, cfg.concurrency).await?);
    }
    json_lat.sort_by(|a, b| a.total_cmp(b));
    html_lat.sort_by(|a, b| a.total_cmp(b));
    let (j50, j99) = (percentile(&json_lat, 0.5), percentile(&json_lat, 0.99));
    let (h50, h99) = (percentile(&html_lat, 0.5), percentile(&html_lat, 0.99));
    println!(
        "  GET /api/v1/timelines/home?limit=20  p50 {j50:7.2} ms  p99 {j99:7.2} ms  ({} requests)",
        json_lat.len()
    );
    println!(
        "  GET /home (20 posts)                 p50 {h50:7.2} ms  p99 {h99:7.2} ms  ({} requests)",
        html_lat.len()
    );
    println!(
        "  /home ÷ JSON: p50 {:.2}×, p99 {:.2}× (issue 14's budget: 1.5×)",
        h50 / j50,
        h99 / j99
    );
    server.stop().await;
    state.db.close().await;
    let _ = std::fs::remove_dir_all(&dir);
    if let Some((admin, (_, name))) = &postgres {
        drop_postgres(admin, name).await?;
    }
    Ok(())
}
