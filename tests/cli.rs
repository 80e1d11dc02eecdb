//! The `herd` binary as an operator uses it: migrate, create the first admin, print a token,
//! serve, and stop on SIGTERM.

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn herd(data_dir: &std::path::Path, database_url: &str) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_herd"));
    c.env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("HERD_DATA_DIR", data_dir)
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn");
    c
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn operator_flow(database_url: String) {
    let dir = tempfile::tempdir().unwrap();
    let out = herd(dir.path(), &database_url)
        .arg("migrate")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("migrations applied"));

    let create = |name: &str| {
        herd(dir.path(), &database_url)
            .args([
                "admin",
                "create-account",
                name,
                "--email",
                "root@example.org",
                "--password",
                "correct horse battery",
                "--role",
                "admin",
            ])
            .output()
            .unwrap()
    };
    let out = create("root");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created @root"));
    let out = create("ROOT");
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Username is already taken"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = herd(dir.path(), &database_url)
        .args(["admin", "token", "root", "--scopes", "read write"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let token = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(token.len() >= 40);
    let out = herd(dir.path(), &database_url)
        .args(["admin", "token", "nobody"])
        .output()
        .unwrap();
    assert!(!out.status.success());

    let port = free_port();
    let mut server = herd(dir.path(), &database_url)
        .env("HERD_LISTEN", format!("127.0.0.1:{port}"))
        .env("HERD_DOMAIN", format!("127.0.0.1:{port}"))
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let client = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{port}");
    let started = Instant::now();
    loop {
        if let Ok(r) = client.get(format!("{base}/health")).send().await {
            if r.status() == 200 {
                break;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let me: serde_json::Value = client
        .get(format!("{base}/api/v1/accounts/verify_credentials"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "root");
    assert_eq!(me["role"]["name"], "Admin");
    assert_eq!(me["role"]["permissions"], "1");

    // SIGTERM: the server finishes and exits cleanly.
    let pid = server.id().to_string();
    assert!(Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .unwrap()
        .success());
    let stopped = Instant::now();
    loop {
        if let Some(status) = server.try_wait().unwrap() {
            assert!(status.success(), "exit status {status}");
            break;
        }
        assert!(
            stopped.elapsed() < Duration::from_secs(10),
            "no exit within 10 s of SIGTERM"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn operator_commands_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    operator_flow(format!("sqlite://{}/herd.db", dir.path().display())).await;
}

#[tokio::test]
async fn operator_commands_on_postgres() {
    if let Some(url) = common::postgres_url().await {
        operator_flow(url.clone()).await;
        common::drop_postgres_database(&url).await;
    }
}

#[test]
fn bad_configuration_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let out = herd(dir.path(), "sqlite://x.db")
        .env("HERD_SCHEME", "gopher")
        .arg("migrate")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("configuration error: scheme:"));
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, "[registrations]\nmode = \"sometimes\"\n").unwrap();
    let out = herd(dir.path(), "sqlite://x.db")
        .args(["--config", path.to_str().unwrap(), "migrate"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("sometimes"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn admin_invite_prints_a_sign_up_link() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/herd.db", dir.path().display());
    let out = herd(dir.path(), &db)
        .env("HERD_DOMAIN", "coop.example")
        .env("HERD_SCHEME", "https")
        .args(["admin", "invite", "--max-uses", "3", "--days", "7"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let link = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(
        link.starts_with("https://coop.example/auth/sign_up?invite="),
        "{link}"
    );
    let out = herd(dir.path(), &db)
        .args(["admin", "invite", "--max-uses", "0"])
        .output()
        .unwrap();
    assert!(!out.status.success());
}
