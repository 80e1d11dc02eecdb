//! TestApp: the real server on 127.0.0.1:0, driven over HTTP, on SQLite (a file in a temp
//! dir) or on a fresh PostgreSQL database when HERD_TEST_POSTGRES_URL is set.
#![allow(dead_code)]

pub mod browser;
pub mod coop;
pub mod federation;
pub mod images;
pub mod moderation;
pub mod web;

use std::path::PathBuf;

use herd::config::Config;
use herd::services::accounts::{self, SignUp};
use herd::state::{App, AppState};
use herd::time::Clock;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub struct TestApp {
    pub base: String,
    pub state: AppState,
    /// A client without cookies or redirects: API calls.
    pub client: reqwest::Client,
    pub data_dir: PathBuf,
    _dir: tempfile::TempDir,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// Creates a fresh PostgreSQL database for one test, or says why there is none.
/// Drops a per-test PostgreSQL database, so a long suite does not fill the disk.
pub async fn drop_postgres_database(url: &str) {
    let (Ok(admin_url), Ok(parsed)) = (
        std::env::var("HERD_TEST_POSTGRES_URL"),
        url::Url::parse(url),
    ) else {
        return;
    };
    let name = parsed.path().trim_start_matches('/').to_string();
    if !name.starts_with("herd_test_") || !url.starts_with("postgres") {
        return;
    }
    if let Ok(mut conn) = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url).await {
        let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
            .execute(&mut conn)
            .await;
    }
}

pub async fn postgres_url() -> Option<String> {
    let Ok(admin_url) = std::env::var("HERD_TEST_POSTGRES_URL") else {
        if std::env::var("HERD_TEST_REQUIRE_POSTGRES").as_deref() == Ok("1") {
            panic!("HERD_TEST_REQUIRE_POSTGRES=1 but HERD_TEST_POSTGRES_URL is not set");
        }
        eprintln!(
            "skipping the PostgreSQL variant: HERD_TEST_POSTGRES_URL is not set (.ci/run sets it)"
        );
        return None;
    };
    sqlx::any::install_default_drivers();
    let name = format!("herd_test_{}", uuid::Uuid::new_v4().simple());
    let mut conn = <sqlx::AnyConnection as sqlx::Connection>::connect(&admin_url)
        .await
        .expect("connect to HERD_TEST_POSTGRES_URL");
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .expect("create test database");
    let mut url = url::Url::parse(&admin_url).expect("HERD_TEST_POSTGRES_URL is a URL");
    url.set_path(&format!("/{name}"));
    Some(url.to_string())
}

impl TestApp {
    pub async fn spawn(backend: Backend) -> Option<TestApp> {
        Self::spawn_with(backend, |_| {}).await
    }

    /// Starts a server whose configuration `tweak` may change (after the test defaults).
    pub async fn spawn_with(backend: Backend, tweak: impl FnOnce(&mut Config)) -> Option<TestApp> {
        // A failing test shows the server's errors (a 500's cause) next to its assertion.
        let _ = tracing_subscriber::fmt()
            .with_test_writer()
            .with_env_filter(
                tracing_subscriber::EnvFilter::try_from_env("HERD_TEST_LOG")
                    .unwrap_or_else(|_| "error".into()),
            )
            .try_init();
        let dir = tempfile::tempdir().expect("temp dir");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let addr = listener.local_addr().expect("addr");
        let mut config = Config {
            listen: addr.to_string(),
            domain: addr.to_string(),
            scheme: "http".into(),
            data_dir: dir.path().to_path_buf(),
            ..Config::default()
        };
        config.federation.allow_private = vec!["127.0.0.0/8".into()];
        config.database.max_connections = 4;
        config.database_url = match backend {
            Backend::Sqlite => format!("sqlite://{}/herd.db", dir.path().display()),
            Backend::Postgres => postgres_url().await?,
        };
        if std::env::var("HERD_TEST_FILE_STORE").as_deref() == Ok("s3") {
            // The whole suite on the S3 backend (.ci/run's `s3` phase): a bucket per app.
            let endpoint = std::env::var("HERD_TEST_S3_URL")
                .expect("HERD_TEST_FILE_STORE=s3 needs HERD_TEST_S3_URL (.ci/s3.sh)");
            let endpoint = endpoint.trim_end_matches('/').to_string();
            let bucket = format!("herd-{}", uuid::Uuid::new_v4().simple());
            reqwest::Client::new()
                .put(format!("{endpoint}/{bucket}"))
                .send()
                .await
                .expect("create a test bucket");
            config.media.store = herd::config::StoreKind::S3;
            config.media.s3.endpoint = endpoint;
            config.media.s3.bucket = bucket;
            config.media.s3.path_style = true;
            config.media.s3.access_key_id = "test".into();
            config.media.s3.secret_access_key = "test".into();
        }
        tweak(&mut config);
        let state = App::new(config, Clock::default())
            .await
            .expect("app starts");
        let (tx, rx) = tokio::sync::oneshot::channel::<()>();
        let server_state = state.clone();
        let server = tokio::spawn(async move {
            herd::serve(server_state, listener, async {
                let _ = rx.await;
            })
            .await
            .expect("server runs");
        });
        Some(TestApp {
            base: format!("http://{addr}"),
            data_dir: dir.path().to_path_buf(),
            state,
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("client"),
            _dir: dir,
            shutdown: Some(tx),
            server: Some(server),
        })
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// A browser-like client: keeps cookies, does not follow redirects (tests look at them).
    pub fn browser(&self) -> reqwest::Client {
        reqwest::Client::builder()
            .cookie_store(true)
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("client")
    }

    /// A confirmed local account made by the operator's path.
    pub async fn create_user(&self, username: &str, password: &str) -> i64 {
        self.create_user_with(username, password, None, false).await
    }

    pub async fn create_user_with(
        &self,
        username: &str,
        password: &str,
        role: Option<&str>,
        member: bool,
    ) -> i64 {
        accounts::create_by_operator(
            &self.state,
            SignUp {
                username: username.into(),
                email: format!("{username}@example.org"),
                password: password.into(),
                agreement: true,
                locale: "en".into(),
                reason: String::new(),
                invite_code: String::new(),
            },
            role,
            member,
        )
        .await
        .expect("create user")
        .account_id
    }

    /// Registers an app over HTTP; returns (client_id, client_secret).
    pub async fn register_app(&self, scopes: &str, redirect_uri: &str) -> (String, String) {
        let res = self
            .client
            .post(self.url("/api/v1/apps"))
            .form(&[
                ("client_name", "test app"),
                ("redirect_uris", redirect_uri),
                ("scopes", scopes),
            ])
            .send()
            .await
            .expect("POST /api/v1/apps");
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.expect("json");
        (
            body["client_id"].as_str().expect("client_id").to_string(),
            body["client_secret"]
                .as_str()
                .expect("client_secret")
                .to_string(),
        )
    }

    /// An app token (client credentials, no user) with `scopes`, such as apps use to sign
    /// people up.
    pub async fn app_token(&self, scopes: &str) -> String {
        let (id, secret) = self.register_app(scopes, "urn:ietf:wg:oauth:2.0:oob").await;
        let res = self
            .client
            .post(self.url("/oauth/token"))
            .form(&[
                ("grant_type", "client_credentials"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("scope", scopes),
            ])
            .send()
            .await
            .expect("POST /oauth/token");
        let body: Value = res.json().await.expect("json");
        body["access_token"]
            .as_str()
            .expect("access_token")
            .to_string()
    }

    /// A user token through the password grant, over HTTP.
    pub async fn login(&self, username: &str, password: &str, scopes: &str) -> String {
        let (id, secret) = self.register_app(scopes, "urn:ietf:wg:oauth:2.0:oob").await;
        let res = self
            .client
            .post(self.url("/oauth/token"))
            .form(&[
                ("grant_type", "password"),
                ("client_id", &id),
                ("client_secret", &secret),
                ("username", username),
                ("password", password),
                ("scope", scopes),
            ])
            .send()
            .await
            .expect("POST /oauth/token");
        let status = res.status();
        let body: Value = res.json().await.expect("json");
        assert_eq!(status, 200, "{body}");
        body["access_token"].as_str().expect("token").to_string()
    }

    /// GET with a bearer token; returns (status, JSON body).
    pub async fn get_json(&self, path: &str, token: Option<&str>) -> (u16, Value) {
        let mut req = self.client.get(self.url(path));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        let res = req.send().await.expect("GET");
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// The mails written so far (no SMTP configured), oldest first.
    pub fn mails(&self) -> Vec<String> {
        let dir = self.data_dir.join("mail");
        let mut files: Vec<_> = std::fs::read_dir(&dir)
            .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
            .unwrap_or_default();
        files.sort();
        files
            .into_iter()
            .map(|p| std::fs::read_to_string(p).expect("mail file"))
            .collect()
    }

    /// Runs the queued jobs (fan-out …) the way the server's worker would.
    pub async fn run_jobs(&self) -> usize {
        herd::jobs::run_pending(&self.state)
            .await
            .expect("jobs run")
    }

    /// POST with a bearer token and a JSON body; returns (status, JSON body).
    pub async fn post_json(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        self.send_json(reqwest::Method::POST, path, token, body)
            .await
    }

    /// `method` with a bearer token and a JSON body (PUT for an edit, PATCH for a profile);
    /// returns (status, JSON body).
    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: &str,
        body: Value,
    ) -> (u16, Value) {
        let res = self
            .client
            .request(method.clone(), self.url(path))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    /// A confirmed user with a read/write/follow token: (account id, token).
    pub async fn user_with_token(&self, username: &str) -> (i64, String) {
        let id = self.create_user(username, "correct horse battery").await;
        let token = self
            .login(username, "correct horse battery", "read write follow")
            .await;
        (id, token)
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.state.db.close().await;
        drop_postgres_database(&self.state.config.database_url).await;
    }
}

/// Finds the first URL in a mail that starts with `prefix` (quoted-printable soft breaks undone).
pub fn link_in(mail: &str, prefix: &str) -> Option<String> {
    let text = mail
        .replace("=\r\n", "")
        .replace("=\n", "")
        .replace("=3D", "=");
    let start = text.find(prefix)?;
    let rest = &text[start..];
    let end = rest.find(|c: char| c.is_whitespace()).unwrap_or(rest.len());
    Some(rest[..end].to_string())
}

/// Defines `mod $name { sqlite, postgres }` running one async test body on each backend.
/// With a third argument, `$tweak: fn(&mut Config)` changes each app's configuration.
#[macro_export]
macro_rules! on_both_backends {
    ($name:ident, $body:path, $tweak:expr) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app =
                    $crate::common::TestApp::spawn_with($crate::common::Backend::Sqlite, $tweak)
                        .await
                        .expect("sqlite app");
                $body(&app).await;
                app.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) =
                    $crate::common::TestApp::spawn_with($crate::common::Backend::Postgres, $tweak)
                        .await
                {
                    $body(&app).await;
                    app.stop().await;
                }
            }
        }
    };
    ($name:ident, $body:path) => {
        mod $name {
            use super::*;
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                let app = $crate::common::TestApp::spawn($crate::common::Backend::Sqlite)
                    .await
                    .expect("sqlite app");
                $body(&app).await;
                app.stop().await;
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                if let Some(app) =
                    $crate::common::TestApp::spawn($crate::common::Backend::Postgres).await
                {
                    $body(&app).await;
                    app.stop().await;
                }
            }
        }
    };
}

/// Undoes Tera's HTML escaping in attribute values.
pub fn unescape(s: &str) -> String {
    s.replace("&#x2F;", "/")
        .replace("&#x27;", "'")
        .replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&")
}

/// The hidden inputs of the form at `index` in a page, in order (as a browser would submit them).
pub fn hidden_inputs(html: &str, index: usize) -> Vec<(String, String)> {
    let form = html.split("<form").nth(index + 1).unwrap_or("");
    let form = form.split("</form>").next().unwrap_or("");
    let mut out = Vec::new();
    for input in form.split("<input").skip(1) {
        let tag = input.split('>').next().unwrap_or("");
        if !tag.contains("type=\"hidden\"") {
            continue;
        }
        let attr = |name: &str| -> Option<String> {
            let key = format!("{name}=\"");
            let start = tag.find(&key)? + key.len();
            let end = tag[start..].find('"')? + start;
            Some(unescape(&tag[start..end]))
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
            out.push((n, v));
        }
    }
    out
}

/// The session's CSRF token behind a value a page carries: pages carry it masked afresh per
/// render (a pad, then the token XOR the pad, in base64url), so two renders for one visitor
/// differ while this stays the same.
pub fn csrf_unmasked(carried: &str) -> Vec<u8> {
    use base64::Engine;
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(carried)
        .expect("a masked CSRF token");
    let (pad, xored) = bytes.split_at(bytes.len() / 2);
    pad.iter().zip(xored).map(|(p, x)| p ^ x).collect()
}

/// The CSRF token in a page's first form.
pub fn csrf_of(html: &str) -> String {
    hidden_inputs(html, 0)
        .into_iter()
        .find(|(k, _)| k == "csrf_token")
        .map(|(_, v)| v)
        .expect("page has a csrf_token")
}
