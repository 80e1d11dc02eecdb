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
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("with the admin role until"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
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

    // The bootstrap happens once: founding members and roles while the co-op is being founded,
    // one first admin, and nothing of the kind after its first proposal.
    let account = |name: &str, flags: &[&str]| {
        let email = format!("{name}@example.org");
        let mut args = vec![
            "admin",
            "create-account",
            name,
            "--email",
            &email,
            "--password",
            "correct horse battery",
        ];
        args.extend_from_slice(flags);
        herd(dir.path(), &database_url)
            .args(&args)
            .output()
            .unwrap()
    };
    let ok = |out: &std::process::Output| {
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).to_string()
    };
    assert!(ok(&account("fay", &["--member"])).contains("created @fay"));
    assert!(ok(&account("mo", &["--role", "moderator"])).contains("with the moderator role"));
    let out = account("root2", &["--role", "admin"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("already has an admin (@root)") && err.contains("role_election"),
        "{err}"
    );
    let out = herd(dir.path(), &database_url)
        .args(["admin", "token", "root2"])
        .output()
        .unwrap();
    assert!(!out.status.success(), "a refused bootstrap writes nothing");
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

    // The first admin is an active member with the admin role, granted by the bootstrap (logged).
    let get = |path: String| {
        let (client, token) = (client.clone(), token.clone());
        async move {
            let res = client.get(path).bearer_auth(token).send().await.unwrap();
            assert_eq!(res.status(), 200);
            res.json::<serde_json::Value>().await.unwrap()
        }
    };
    let root_id = me["id"].as_str().unwrap().to_string();
    let m = get(format!("{base}/api/v1/coop/members/{root_id}")).await;
    assert_eq!(m["state"], "active", "{m}");
    assert_eq!(m["roles"], serde_json::json!(["member", "admin"]), "{m}");
    // Held for a founding term of three months (bylaws 3.2).
    let at = |k: &str| {
        chrono::DateTime::parse_from_rfc3339(m["role_terms"][0][k].as_str().expect("a time"))
            .unwrap()
            .timestamp()
    };
    assert_eq!(m["role_terms"][0]["role"], "admin", "{m}");
    assert_eq!(at("until") - at("since"), 90 * 86_400, "{m}");
    assert_eq!(m["role_terms"][0]["holding_over"], false, "{m}");
    let roster = get(format!("{base}/api/v1/coop/members?limit=40")).await;
    let roles_of = |name: &str| {
        roster
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["account"]["username"] == name)
            .map(|m| (m["state"].clone(), m["roles"].clone()))
    };
    assert_eq!(
        roles_of("fay"),
        Some((serde_json::json!("active"), serde_json::json!(["member"])))
    );
    assert_eq!(
        roles_of("mo"),
        Some((
            serde_json::json!("active"),
            serde_json::json!(["member", "moderator"])
        ))
    );
    assert_eq!(roles_of("root2"), None);
    let events = get(format!("{base}/api/v1/coop/events?limit=40")).await;
    let granted: Vec<&serde_json::Value> = events
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "role.granted")
        .collect();
    assert!(
        granted
            .iter()
            .any(|e| e["subject"]["id"] == root_id.as_str()
                && e["detail"]["role"] == "admin"
                && e["detail"]["source"] == "bootstrap"),
        "{events}"
    );
    assert_eq!(
        granted.len(),
        2,
        "root's admin and mo's moderator: {events}"
    );
    assert!(events
        .as_array()
        .unwrap()
        .iter()
        .any(|e| e["kind"] == "membership.admitted"
            && e["subject"]["id"] == root_id.as_str()
            && e["detail"]["source"] == "bootstrap"));

    // Once the co-op has opened a proposal, its founding is over.
    let res = client
        .post(format!("{base}/api/v1/coop/proposals"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "kind": "general", "title": "Our first decision", "body": "" }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    for flags in [&["--member"][..], &["--role", "treasurer"][..]] {
        let out = account("late", flags);
        assert!(!out.status.success(), "{flags:?}");
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("founding is over"), "{err}");
    }
    assert!(ok(&account("late", &[])).contains("created @late"));

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

/// `herd serve` with a bylaws directory whose bylaws.md is malformed: it refuses to start, and
/// the error names the file, the line and the key, for each kind of mistake.
#[test]
fn serve_refuses_malformed_bylaws_naming_file_line_and_key() {
    let cases = [
        (
            "agree_share: 0.75",
            "agree_share: 1.75",
            "bylaws/bylaws.md:9: key decisions.bylaws_amendment.agree_share: must be a share between 0 and 1 (got 1.75)",
        ),
        (
            "method: ranked_choice",
            "method: lottery",
            "bylaws/bylaws.md:10: key decisions.role_election.method: must be one of",
        ),
        (
            "  currency: EUR\n  lapse",
            "  lapse",
            "bylaws/bylaws.md:13: key membership.currency: required but missing",
        ),
        (
            "role_election: { method: ranked_choice, min_days: 6, quorum_share: 0.1 }",
            "role_election: { method: ranked_choice, min_days: 6, quorum_share: 0.1",
            "bylaws/bylaws.md:11: the front matter is not valid YAML",
        ),
    ];
    for (from, to, expected) in cases {
        let dir = tempfile::tempdir().unwrap();
        let bylaws = dir.path().join("bylaws");
        std::fs::create_dir(&bylaws).unwrap();
        for (name, text) in herd_governance::bylaws::DEFAULT_DOCUMENTS {
            let text = if *name == "bylaws.md" {
                assert!(text.contains(from), "{from}");
                text.replacen(from, to, 1)
            } else {
                text.to_string()
            };
            std::fs::write(bylaws.join(name), text).unwrap();
        }
        let mut server = herd(
            dir.path(),
            &format!("sqlite://{}/herd.db", dir.path().display()),
        )
        .current_dir(dir.path())
        .env("HERD_BYLAWS_DIR", "bylaws")
        .env("HERD_LISTEN", format!("127.0.0.1:{}", free_port()))
        .arg("serve")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
        let started = Instant::now();
        let status = loop {
            if let Some(status) = server.try_wait().unwrap() {
                break status;
            }
            if started.elapsed() > Duration::from_secs(30) {
                server.kill().unwrap();
                panic!("herd serve started with malformed bylaws ({to})");
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        let mut stderr = String::new();
        std::io::Read::read_to_string(&mut server.stderr.take().unwrap(), &mut stderr).unwrap();
        assert!(!status.success(), "{stderr}");
        assert!(
            stderr.contains(expected),
            "expected {expected:?} in {stderr}"
        );
    }
}
