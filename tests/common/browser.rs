//! A real headless browser for the page tests: Debian's `chromium` driven through
//! `chromedriver` (WebDriver, fantoccini), plus axe-core for accessibility checks.
//!
//! - `chromedriver` must be on PATH; without it `Browser::start` prints `SKIP: …` and returns
//!   None, unless `HERD_TEST_REQUIRE_BROWSER=1` (set by CI), which makes that a failure.
//! - `HERD_AXE_PATH` names axe-core's `axe.min.js` (`.ci/browser.sh` installs it from
//!   tests/a11y); without it `assert_accessible` checks nothing and says so once.
//! - `HERD_TEST_SCREENSHOTS=DIR` saves a PNG of each page `assert_accessible` looks at.
//! - Each `Browser` owns its chromedriver (on a free loopback port) and a fresh Chromium
//!   profile; dropping it shuts both down, even when the test panicked.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Once;
use std::time::{Duration, Instant};

use axum::http::Method;
use fantoccini::elements::Element;
use fantoccini::wd::WebDriverCompatibleCommand;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{json, Value};

/// The WCAG 2.x level A and AA rules axe-core knows.
const AXE_TAGS: &[&str] = &["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

/// One browser at a time per test binary: the machine has two cores, and a page test waits
/// on timing less when it has them.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn on_path(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join(name))
        .find(|p| p.is_file())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free loopback port")
}

/// The chromedriver process; dropping it ends its sessions (and their browsers), then it.
struct Driver {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Driver {
    fn log_tail(&self) -> String {
        let text = std::fs::read_to_string(&self.log).unwrap_or_default();
        let lines: Vec<&str> = text.lines().collect();
        lines[lines.len().saturating_sub(30)..].join("\n")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        // chromedriver's /shutdown quits every session it holds, so no Chromium outlives it.
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", self.port)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.write_all(
                b"GET /shutdown HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n",
            );
            let _ = s.read_to_end(&mut Vec::new());
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub struct Browser {
    pub client: Client,
    axe: Option<String>,
    // Dropped in this order: the session's client, the driver, then the profile directory.
    driver: Driver,
    _profile: tempfile::TempDir,
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Browser {
    /// A fresh headless Chromium session, or None (after printing `SKIP: …`) when this
    /// machine has no chromedriver and the browser is not required.
    pub async fn start() -> Option<Browser> {
        Self::start_with(true).await
    }

    /// A session whose pages run no JavaScript (progressive enhancement: every form must work
    /// as plain HTML).
    pub async fn start_without_scripts() -> Option<Browser> {
        Self::start_with(false).await
    }

    async fn start_with(scripts: bool) -> Option<Browser> {
        let Some(chromedriver) = on_path("chromedriver") else {
            let reason = "chromedriver is not on PATH (bash .ci/browser.sh installs chromium and chromium-driver)";
            if std::env::var("HERD_TEST_REQUIRE_BROWSER").as_deref() == Ok("1") {
                panic!("HERD_TEST_REQUIRE_BROWSER=1 but {reason}");
            }
            eprintln!("SKIP: {reason}");
            return None;
        };
        let turn = ONE_AT_A_TIME.lock().await;
        let profile = tempfile::tempdir().expect("temp dir for the Chromium profile");
        let log = profile.path().join("chromedriver.log");
        let port = free_port();
        let child = Command::new(&chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let mut driver = Driver { child, port, log };

        let mut options = json!({
            "args": [
                "--headless=new",
                // Needed as root (CI runs as root); the tests only visit loopback pages.
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                "--window-size=1280,800",
                format!("--user-data-dir={}", profile.path().join("chromium").display()),
            ]
        });
        if !scripts {
            options["prefs"] = json!({"profile.managed_default_content_settings.javascript": 2});
        }
        let binary = std::env::var_os("HERD_CHROMIUM")
            .map(PathBuf::from)
            .or_else(|| on_path("chromium"));
        if let Some(binary) = binary {
            options["binary"] = json!(binary.display().to_string());
        }
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert("goog:chromeOptions".into(), options);

        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            if let Ok(Some(status)) = driver.child.try_wait() {
                panic!(
                    "chromedriver exited ({status}) before a session started:\n{}",
                    driver.log_tail()
                );
            }
            match ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(c) => break c,
                Err(e) if Instant::now() >= deadline => panic!(
                    "no WebDriver session within 20 s: {e}\n{}",
                    driver.log_tail()
                ),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        Some(Browser {
            client,
            axe: axe_source(),
            driver,
            _profile: profile,
            _turn: turn,
        })
    }

    /// Ends the session politely (the driver is shut down on drop either way).
    pub async fn close(self) {
        let _ = self.client.clone().close().await;
    }

    pub async fn goto(&self, url: &str) {
        self.client
            .goto(url)
            .await
            .unwrap_or_else(|e| panic!("goto {url}: {e}"));
    }

    /// The element matching `css`, waiting up to 10 s for it to appear.
    pub async fn find(&self, css: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(Duration::from_secs(10))
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!(
                "no element {css} on {}: {e}\n{}",
                self.url().await,
                self.body_text().await
            ),
        }
    }

    /// The visible text of the element matching `css`.
    pub async fn text(&self, css: &str) -> String {
        self.find(css).await.text().await.expect("element text")
    }

    /// The visible text of the whole page.
    pub async fn body_text(&self) -> String {
        match self.client.find(Locator::Css("body")).await {
            Ok(b) => b.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Types `value` into the (cleared) field matching `css`, as a user would.
    pub async fn fill(&self, css: &str, value: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear field");
        field.send_keys(value).await.expect("type into field");
    }

    /// Clicks the element matching `css`.
    pub async fn click(&self, css: &str) {
        self.find(css)
            .await
            .click()
            .await
            .unwrap_or_else(|e| panic!("click {css}: {e}"));
    }

    /// Clicks a submit button and waits for the next page to load.
    pub async fn submit(&self, button_css: &str) {
        // A mark on the old document's window: the next document has none, whatever its URL
        // (a form may lead back to the same page, and ChromeDriver has not always reported
        // the old page's elements stale).
        self.client
            .execute("window.herdOldPage = true", vec![])
            .await
            .expect("mark the page");
        self.click(button_css).await;
        self.poll(
            "return window.herdOldPage || document.readyState !== 'complete' ? 'waiting' : 'loaded'",
            vec![],
            &format!("submitting {button_css} did not load a new page"),
        )
        .await;
    }

    /// Clicks a submit button whose form the page's script answers in place, and waits until
    /// the element `box_css` (the part the answer replaces) is a new one. The page must not
    /// navigate: a plain-form fallback would load a new document instead.
    pub async fn submit_in_place(&self, button_css: &str, box_css: &str) {
        self.mark_old(box_css).await;
        self.click(button_css).await;
        self.wait_replaced(box_css).await;
    }

    /// Marks the element `box_css` (and the document) as the old ones.
    pub async fn mark_old(&self, box_css: &str) {
        self.client
            .execute(
                "window.herdOldPage = true; document.querySelector(arguments[0]).dataset.herdOld = '1'",
                vec![json!(box_css)],
            )
            .await
            .expect("mark the old part");
    }

    /// Waits until the element `box_css` marked by [`Self::mark_old`] is replaced in place.
    pub async fn wait_replaced(&self, box_css: &str) {
        let state = self
            .poll(
                "if (!window.herdOldPage) return 'navigated';
                 const el = document.querySelector(arguments[0]);
                 return el && !el.dataset.herdOld ? 'replaced' : 'waiting'",
                vec![json!(box_css)],
                &format!("{box_css} was not replaced in place"),
            )
            .await;
        assert_eq!(
            state,
            "replaced",
            "{box_css} was not answered in place: the page navigated to {}",
            self.url().await
        );
    }

    /// Runs `script` until it returns something other than `'waiting'`, and returns that;
    /// fails with `failure` after 20 s (generous for a loaded machine, and well under the
    /// minute a starved connection pool, pages keeping their live connection open, once
    /// stalled the next page).
    async fn poll(&self, script: &str, args: Vec<Value>, failure: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let state = self.client.execute(script, args.clone()).await;
            if let Ok(Value::String(v)) = &state {
                if v != "waiting" {
                    return v.clone();
                }
            }
            if Instant::now() >= deadline {
                panic!("{failure} (at {}, {state:?})", self.url().await);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub async fn url(&self) -> url::Url {
        self.client.current_url().await.expect("current url")
    }

    /// Emulates the user's colour-scheme preference (`prefers-color-scheme`) for the pages
    /// loaded from now on, through ChromeDriver's CDP passthrough.
    pub async fn prefer_color_scheme(&self, scheme: &str) {
        self.client
            .issue_cmd(Cdp(json!({
                "cmd": "Emulation.setEmulatedMedia",
                "params": {"features": [{"name": "prefers-color-scheme", "value": scheme}]},
            })))
            .await
            .expect("Emulation.setEmulatedMedia");
    }

    pub async fn title(&self) -> String {
        self.client.title().await.expect("title")
    }

    /// With HERD_TEST_SCREENSHOTS=DIR, saves the page as DIR/<what>.png (to look at it).
    pub async fn screenshot(&self, what: &str) {
        let Some(dir) = std::env::var_os("HERD_TEST_SCREENSHOTS").map(PathBuf::from) else {
            return;
        };
        let name: String = what
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        let png = self.client.screenshot().await.expect("screenshot");
        std::fs::create_dir_all(&dir).expect("screenshot dir");
        std::fs::write(dir.join(format!("{name}.png")), png).expect("write screenshot");
    }

    /// Runs axe-core on the current page and fails on any WCAG 2.x A/AA violation, listing
    /// rule, target and failure summary. Without HERD_AXE_PATH it checks nothing.
    /// Signs in through the form.
    pub async fn sign_in(&self, app: &super::TestApp, login: &str, password: &str) {
        self.goto(&app.url("/auth/sign_in")).await;
        self.fill("#login", login).await;
        self.fill("#password", password).await;
        self.submit("form[action='/auth/sign_in'] button[type=submit]")
            .await;
    }

    /// Loads `path` and runs axe-core on it in the light and the dark colour scheme.
    pub async fn accessible_in_both_schemes(&self, app: &super::TestApp, path: &str, what: &str) {
        self.prefer_color_scheme("light").await;
        self.goto(&app.url(path)).await;
        self.assert_accessible(&format!("{what} (light)")).await;
        self.prefer_color_scheme("dark").await;
        self.goto(&app.url(path)).await;
        let dark: serde_json::Value = self
            .client
            .execute(
                "return matchMedia('(prefers-color-scheme: dark)').matches",
                vec![],
            )
            .await
            .expect("matchMedia");
        assert_eq!(dark, serde_json::Value::Bool(true));
        self.assert_accessible(&format!("{what} (dark)")).await;
        self.prefer_color_scheme("light").await;
    }

    pub async fn assert_accessible(&self, what: &str) {
        self.screenshot(what).await;
        let Some(source) = &self.axe else {
            return;
        };
        // Injected through WebDriver, so the page's CSP (script-src 'self') does not apply.
        self.client
            .execute(source, vec![])
            .await
            .expect("inject axe-core");
        let result = self
            .client
            .execute_async(
                "const [tags, done] = arguments;
                 axe.run(document, {runOnly: {type: 'tag', values: tags}})
                    .then(r => done({violations: r.violations, version: r.testEngine.version}))
                    .catch(e => done({error: String(e)}));",
                vec![json!(AXE_TAGS)],
            )
            .await
            .expect("run axe-core");
        if let Some(err) = result.get("error") {
            panic!("axe-core failed on {what}: {err}");
        }
        let violations = result["violations"].as_array().cloned().unwrap_or_default();
        if violations.is_empty() {
            return;
        }
        let mut report = String::new();
        for v in &violations {
            report.push_str(&format!(
                "\n- {} ({}): {}\n  {}",
                v["id"].as_str().unwrap_or("?"),
                v["impact"].as_str().unwrap_or("?"),
                v["help"].as_str().unwrap_or(""),
                v["helpUrl"].as_str().unwrap_or(""),
            ));
            for node in v["nodes"].as_array().into_iter().flatten() {
                report.push_str(&format!(
                    "\n    target {}: {}",
                    node["target"],
                    node["failureSummary"]
                        .as_str()
                        .unwrap_or("")
                        .replace('\n', " / ")
                ));
            }
        }
        panic!(
            "axe-core {} found {} WCAG A/AA violation(s) on {what} ({}):{report}",
            result["version"].as_str().unwrap_or("?"),
            violations.len(),
            self.url().await,
        );
    }
}

/// A Chrome DevTools Protocol command sent through ChromeDriver (`goog/cdp/execute`).
#[derive(Debug)]
struct Cdp(Value);

impl WebDriverCompatibleCommand for Cdp {
    fn endpoint(
        &self,
        base: &url::Url,
        session: Option<&str>,
    ) -> Result<url::Url, url::ParseError> {
        base.join(&format!(
            "session/{}/goog/cdp/execute",
            session.unwrap_or("")
        ))
    }

    fn method_and_body(&self, _: &url::Url) -> (Method, Option<String>) {
        (Method::POST, Some(self.0.to_string()))
    }
}

/// axe-core's source, from HERD_AXE_PATH (a file, or a directory holding `axe.min.js`).
fn axe_source() -> Option<String> {
    static SAID: Once = Once::new();
    let Some(path) = std::env::var_os("HERD_AXE_PATH").map(PathBuf::from) else {
        SAID.call_once(|| {
            eprintln!(
                "SKIP: accessibility checks (HERD_AXE_PATH is not set; .ci/browser.sh prints it)"
            )
        });
        return None;
    };
    let file = if path.is_dir() {
        path.join("axe.min.js")
    } else {
        path
    };
    Some(read_axe(&file))
}

fn read_axe(file: &Path) -> String {
    std::fs::read_to_string(file).unwrap_or_else(|e| {
        panic!(
            "HERD_AXE_PATH: cannot read {}: {e} (run `npm ci` in tests/a11y)",
            file.display()
        )
    })
}
