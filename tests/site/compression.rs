//! Compression over HTTP, on both backends: pages, JSON and the static files come back gzip
//! or brotli as `Accept-Encoding` asks and decode to what an identity answer carries; event
//! streams, byte ranges of media files and pages that show a secret once are never encoded;
//! and the CSRF token a page carries differs per render, every render's token (and the plain
//! one) accepted and a wrong one refused.

use std::io::Read;
use std::time::Duration;

use futures_util::StreamExt;
use reqwest::header::HeaderMap;
use serde_json::json;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

use crate::common::coop::members;
use crate::common::web::{page, submit, web_sign_in};
use crate::common::{csrf_of, TestApp};

const BOTH: &str = "gzip, deflate, br, zstd";

/// GET `url` with `accept_encoding` (none when empty): status, headers and the raw body.
async fn raw(
    client: &reqwest::Client,
    url: &str,
    accept_encoding: &str,
    extra: &[(&str, &str)],
) -> (u16, HeaderMap, Vec<u8>) {
    let mut req = client.get(url);
    if !accept_encoding.is_empty() {
        req = req.header("accept-encoding", accept_encoding);
    }
    for (k, v) in extra {
        req = req.header(*k, *v);
    }
    let res = req.send().await.expect("GET");
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    (status, headers, res.bytes().await.expect("body").to_vec())
}

fn header(h: &HeaderMap, name: &str) -> String {
    h.get_all(name)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ")
}

/// The body as its `Content-Encoding` says: gzip and brotli decoded, identity as it is.
fn decoded(h: &HeaderMap, body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match header(h, "content-encoding").as_str() {
        "" => out.extend_from_slice(body),
        "gzip" => {
            flate2::read::GzDecoder::new(body)
                .read_to_end(&mut out)
                .expect("gzip decodes");
        }
        "br" => {
            brotli_decompressor::Decompressor::new(body, 4096)
                .read_to_end(&mut out)
                .expect("brotli decodes");
        }
        other => panic!("unexpected encoding {other}"),
    }
    out
}

/// A page with every form's CSRF token blanked (each render masks it afresh).
fn without_tokens(html: &[u8]) -> String {
    let html = String::from_utf8_lossy(html);
    let key = "name=\"csrf_token\" value=\"";
    let mut out = String::new();
    let mut rest = html.as_ref();
    while let Some(i) = rest.find(key) {
        out.push_str(&rest[..i + key.len()]);
        rest = &rest[i + key.len()..];
        rest = &rest[rest.find('"').unwrap_or(0)..];
    }
    out.push_str(rest);
    out
}

/// Asks for `url` as identity, gzip and brotli; each encoded answer is smaller and decodes to
/// the identity answer (`same` compares them, normalised as a test needs).
async fn encoded_three_ways(
    client: &reqwest::Client,
    url: &str,
    extra: &[(&str, &str)],
    same: impl Fn(&[u8], &[u8]),
) {
    let (status, h, plain) = raw(client, url, "", extra).await;
    assert_eq!(status, 200, "{url}");
    assert_eq!(
        header(&h, "content-encoding"),
        "",
        "identity without Accept-Encoding: {url}"
    );
    assert!(
        header(&h, "vary")
            .to_ascii_lowercase()
            .contains("accept-encoding"),
        "Vary names Accept-Encoding on {url}: {h:?}"
    );
    let (_, h, body) = raw(client, url, "identity", extra).await;
    assert_eq!(header(&h, "content-encoding"), "", "{url}");
    same(&plain, &body);
    for (asked, got) in [
        ("gzip", "gzip"),
        ("br", "br"),
        (BOTH, "br"),
        ("gzip, br;q=0", "gzip"),
    ] {
        let (status, h, body) = raw(client, url, asked, extra).await;
        assert_eq!(status, 200, "{url} {asked}");
        assert_eq!(header(&h, "content-encoding"), got, "{url} with {asked}");
        assert!(
            header(&h, "vary")
                .to_ascii_lowercase()
                .contains("accept-encoding"),
            "{url} {asked}: {h:?}"
        );
        assert!(
            body.len() < plain.len(),
            "{url} {asked}: {} of {}",
            body.len(),
            plain.len()
        );
        same(&plain, &decoded(&h, &body));
    }
}

/// `/home` with 20 posts, the JSON home timeline, herd.css and herd.js, each encoded as asked.
async fn text_is_encoded(app: &TestApp) {
    let (_, token) = app.user_with_token("alice").await;
    for i in 0..20 {
        let (status, s) = app
            .post_json(
                "/api/v1/statuses",
                &token,
                json!({ "status": format!("Post number {i}: a few words about #herds and meadows") }),
            )
            .await;
        assert_eq!(status, 200, "{s}");
    }
    let web = web_sign_in(app, "alice").await;
    let home = app.url("/home");
    encoded_three_ways(&web, &home, &[], |a, b| {
        assert_eq!(without_tokens(a), without_tokens(b));
        assert_eq!(String::from_utf8_lossy(b).matches("<article").count(), 20);
    })
    .await;

    let auth = format!("Bearer {token}");
    let timeline = app.url("/api/v1/timelines/home?limit=40");
    encoded_three_ways(
        &app.client,
        &timeline,
        &[("authorization", &auth)],
        |a, b| {
            assert_eq!(a, b);
            let v: serde_json::Value = serde_json::from_slice(b).expect("JSON");
            assert_eq!(v.as_array().map(Vec::len), Some(20));
        },
    )
    .await;

    let (_, html) = page(&web, &home).await;
    for ext in [".css", ".js"] {
        let asset = html
            .split('"')
            .find(|s| s.starts_with("/static/herd.") && s.ends_with(ext))
            .unwrap_or_else(|| panic!("herd{ext} linked: {html}"));
        encoded_three_ways(&app.client, &app.url(asset), &[], |a, b| assert_eq!(a, b)).await;
    }

    // A small answer is sent as it is.
    let (status, h, _) = raw(&app.client, &app.url("/health"), "br", &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-encoding"), "");
}
on_both_backends!(text_is_encoded_as_asked, text_is_encoded);

/// Reads until `needle` arrives (within a few seconds), so the stream is known to flow.
async fn read_until(res: &mut reqwest::Response, needle: &str) -> String {
    let mut seen = String::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    while !seen.contains(needle) {
        let chunk = tokio::time::timeout_at(deadline, res.chunk())
            .await
            .unwrap_or_else(|_| panic!("no {needle:?} in time; got {seen:?}"))
            .expect("stream")
            .expect("stream still open");
        seen.push_str(std::str::from_utf8(&chunk).expect("plain text, not encoded"));
    }
    seen
}

/// Event streams, WebSocket upgrades and byte ranges of media files are never encoded.
async fn streams_and_ranges_are_not(app: &TestApp) {
    let (_, token) = app.user_with_token("alice").await;
    let mut res = app
        .client
        .get(app.url("/api/v1/streaming/public"))
        .bearer_auth(&token)
        .header("accept-encoding", BOTH)
        .send()
        .await
        .expect("GET streaming");
    assert_eq!(res.status(), 200);
    assert_eq!(header(res.headers(), "content-encoding"), "");
    assert!(header(res.headers(), "content-type").starts_with("text/event-stream"));
    read_until(&mut res, ":)").await;
    drop(res);

    let web = web_sign_in(app, "alice").await;
    let mut res = web
        .get(app.url("/live?streams=home"))
        .header("accept-encoding", BOTH)
        .send()
        .await
        .expect("GET /live");
    assert_eq!(res.status(), 200);
    assert_eq!(header(res.headers(), "content-encoding"), "");
    assert!(header(res.headers(), "content-type").starts_with("text/event-stream"));
    let first = read_until(&mut res, "\n\n").await;
    assert!(first.starts_with("retry: "), "{first:?}");
    // A post of alice's arrives as an event, unencoded, while the stream stays open.
    let (status, _) = app
        .post_json(
            "/api/v1/statuses",
            &token,
            json!({ "status": "live and plain" }),
        )
        .await;
    assert_eq!(status, 200);
    let events = read_until(&mut res, "live and plain").await;
    assert!(events.contains("event: "), "{events:?}");
    drop(res);

    // A WebSocket upgrade is answered 101, unencoded, and carries the next post.
    let mut req = format!(
        "{}/api/v1/streaming?access_token={token}&stream=public",
        app.base.replacen("http://", "ws://", 1)
    )
    .into_client_request()
    .expect("request");
    req.headers_mut()
        .insert("accept-encoding", BOTH.parse().expect("header"));
    let (mut ws, response) = tokio_tungstenite::connect_async(req)
        .await
        .expect("websocket connects");
    assert_eq!(response.status(), 101);
    assert_eq!(header(response.headers(), "content-encoding"), "");
    let (status, _) = app
        .post_json(
            "/api/v1/statuses",
            &token,
            json!({ "status": "over the socket" }),
        )
        .await;
    assert_eq!(status, 200);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next())
            .await
            .expect("an event in time")
            .expect("socket open")
            .expect("message");
        if let Message::Text(t) = msg {
            if t.as_str().contains("over the socket") {
                break;
            }
        }
    }
    drop(ws);

    // A media file, whole and by range, as stored.
    let png = crate::common::images::gradient(300, 200, image::ImageFormat::Png);
    let part = reqwest::multipart::Part::bytes(png)
        .file_name("g.png")
        .mime_str("image/png")
        .expect("mime");
    let res = app
        .client
        .post(app.url("/api/v2/media"))
        .bearer_auth(&token)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .expect("upload");
    assert_eq!(res.status(), 200);
    let media: serde_json::Value = res.json().await.expect("JSON");
    let url = media["url"].as_str().expect("url").to_string();
    let (status, h, whole) = raw(&app.client, &url, BOTH, &[]).await;
    assert_eq!(status, 200);
    assert_eq!(header(&h, "content-encoding"), "");
    assert_eq!(header(&h, "accept-ranges"), "bytes");
    let (status, h, part) = raw(&app.client, &url, BOTH, &[("range", "bytes=10-109")]).await;
    assert_eq!(status, 206);
    assert_eq!(header(&h, "content-encoding"), "");
    assert_eq!(
        header(&h, "content-range"),
        format!("bytes 10-109/{}", whole.len())
    );
    assert_eq!(part, whole[10..110]);
}
on_both_backends!(
    streams_and_ranges_are_not_encoded,
    streams_and_ranges_are_not
);

/// Each render masks the CSRF token afresh; any render's token, and the plain one, is taken;
/// a wrong one is refused.
async fn tokens_differ_per_render(app: &TestApp) {
    app.create_user("alice", "correct horse battery").await;
    let web = web_sign_in(app, "alice").await;
    let home = app.url("/home");
    let (_, first) = page(&web, &home).await;
    let (_, second) = page(&web, &home).await;
    let (a, b) = (csrf_of(&first), csrf_of(&second));
    assert_ne!(a, b, "two renders carry different tokens");
    // A page never carries the cookie's value itself.
    let cookie = app
        .client
        .get(app.url("/auth/sign_in"))
        .send()
        .await
        .expect("GET");
    let plain = cookie
        .headers()
        .get_all("set-cookie")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| v.strip_prefix("herd_csrf="))
        .and_then(|v| v.split(';').next())
        .expect("a CSRF cookie")
        .to_string();
    let sign_in = cookie.text().await.expect("page");
    assert!(
        !sign_in.contains(&plain),
        "the page never carries the cookie's token"
    );

    for (i, token) in [a.as_str(), b.as_str()].into_iter().enumerate() {
        let text = format!("Posted with render {i}'s token");
        let (status, _, body) =
            submit(&web, &app.url("/web/statuses"), token, &[("status", &text)]).await;
        assert_eq!(status, 303, "render {i}'s token accepted: {body}");
    }
    let (status, _, _) = submit(
        &web,
        &app.url("/web/statuses"),
        "forged",
        &[("status", "Forged")],
    )
    .await;
    assert_eq!(status, 403, "a wrong token is refused");
    // A token masked for another session's cookie is refused too.
    let other = app.browser();
    let (_, other_page) = page(&other, &app.url("/auth/sign_in")).await;
    let (status, _, _) = submit(
        &web,
        &app.url("/web/statuses"),
        &csrf_of(&other_page),
        &[("status", "Someone else's token")],
    )
    .await;
    assert_eq!(status, 403);
    // The plain token (a form rendered before masking began) is still taken: signing in
    // with the cookie's own value in the field.
    let res = app
        .client
        .post(app.url("/auth/sign_in"))
        .header("cookie", format!("herd_csrf={plain}"))
        .form(&[
            ("csrf_token", plain.as_str()),
            ("login", "alice"),
            ("password", "correct horse battery"),
            ("return_to", "/"),
        ])
        .send()
        .await
        .expect("POST");
    assert_eq!(res.status(), 303, "the plain token is accepted");
    let (_, home) = page(&web, &home).await;
    assert!(home.contains("Posted with render 0"), "{home}");
    assert!(home.contains("Posted with render 1"));
    assert!(!home.contains("Forged") && !home.contains("Someone else"));
}
on_both_backends!(csrf_tokens_differ_per_render, tokens_differ_per_render);

/// A page's answer with every encoding offered: not encoded, and not to be stored.
async fn unencoded_and_unstored(h: &HeaderMap, what: &str) {
    assert_eq!(header(h, "content-encoding"), "", "{what} is not encoded");
    assert_eq!(
        header(h, "cache-control"),
        "no-store, no-transform",
        "{what}"
    );
}

/// The two-factor secret and recovery codes, and a vote's receipt with its nonce, are shown on
/// pages that are never compressed or stored.
async fn one_time_secrets(app: &TestApp) {
    let m = members(app, 2).await;
    let web = web_sign_in(app, "m1").await;
    let (_, html) = page(&web, &app.url("/settings/two_factor")).await;
    let csrf = csrf_of(&html);
    let (status, _, _) = submit(&web, &app.url("/settings/two_factor/setup"), &csrf, &[]).await;
    assert_eq!(status, 303);
    let (status, h, body) = raw(&web, &app.url("/settings/two_factor"), BOTH, &[]).await;
    assert_eq!(status, 200);
    assert!(String::from_utf8_lossy(&body).contains("id=\"tf-secret\""));
    unencoded_and_unstored(&h, "the TOTP setup page").await;
    // An ordinary settings page of the same size is encoded.
    let (_, h, _) = raw(&web, &app.url("/settings/profile"), BOTH, &[]).await;
    assert_eq!(header(&h, "content-encoding"), "br");

    // A wrong code re-renders the page with the secret: still unencoded.
    let res = web
        .post(app.url("/settings/two_factor/confirm"))
        .header("accept-encoding", BOTH)
        .form(&[("csrf_token", csrf.as_str()), ("otp_attempt", "000000")])
        .send()
        .await
        .expect("POST");
    unencoded_and_unstored(res.headers(), "the TOTP page after a wrong code").await;

    // A vote's receipt and nonce.
    let (status, p) = app
        .post_json(
            "/api/v1/coop/proposals",
            &m[0].1,
            json!({ "kind": "general", "title": "Paint the barn", "body": "Red." }),
        )
        .await;
    assert_eq!(status, 200, "{p}");
    let path = format!("/proposals/{}", p["id"].as_str().expect("id"));
    let (_, html) = page(&web, &app.url(&path)).await;
    let res = web
        .post(app.url(&format!("{path}/votes")))
        .header("accept-encoding", BOTH)
        .form(&[("csrf_token", csrf_of(&html).as_str()), ("choice", "agree")])
        .send()
        .await
        .expect("vote");
    assert_eq!(res.status(), 200);
    let h = res.headers().clone();
    let body = res.text().await.expect("page");
    assert!(body.contains("nonce-value"), "{body}");
    unencoded_and_unstored(&h, "the vote's receipt").await;
    // The same page later (no nonce on it) is encoded.
    let (_, h, body) = raw(&web, &app.url(&path), BOTH, &[]).await;
    assert_eq!(header(&h, "content-encoding"), "br");
    assert!(!String::from_utf8_lossy(&decoded(&h, &body)).contains("nonce-value"));
}
on_both_backends!(one_time_secrets_are_not_encoded, one_time_secrets);
