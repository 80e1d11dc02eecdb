//! The streaming API over a real WebSocket client and a raw server-sent-events reader:
//! who receives what (followers-only posts reach followers only, the public stream carries
//! public posts only), deletes, notifications, conversations, tokens in the subprotocol.

mod common;

use std::time::Duration;

use common::TestApp;
use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::Message;

type Ws =
    tokio_tungstenite::WebSocketStream<tokio_tungstenite::MaybeTlsStream<tokio::net::TcpStream>>;

fn ws_url(app: &TestApp, query: &str) -> String {
    format!(
        "{}/api/v1/streaming?{query}",
        app.base.replacen("http://", "ws://", 1)
    )
}

async fn connect(app: &TestApp, query: &str) -> Ws {
    let (ws, _) = tokio_tungstenite::connect_async(ws_url(app, query))
        .await
        .expect("websocket connects");
    ws
}

/// The next event (JSON), skipping pings; None if nothing comes within `wait`.
async fn next_event(ws: &mut Ws, wait: Duration) -> Option<Value> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let msg = tokio::time::timeout_at(deadline, ws.next()).await.ok()??;
        if let Ok(Message::Text(t)) = msg {
            return Some(serde_json::from_str(t.as_str()).expect("event is JSON"));
        }
    }
}

async fn event(ws: &mut Ws) -> Value {
    next_event(ws, Duration::from_secs(10))
        .await
        .expect("an event arrives")
}

/// Sends a message and waits until the server has handled it: an invalid message right
/// after is answered with an error, and the socket handles messages in order.
async fn command(ws: &mut Ws, msg: Value) {
    ws.send(Message::Text(msg.to_string().into()))
        .await
        .unwrap();
    ws.send(Message::Text("not json".into())).await.unwrap();
    loop {
        let answer = event(ws).await;
        if answer.get("error").is_some() {
            assert_eq!(answer["status"], 400, "{answer}");
            return;
        }
    }
}

fn payload(ev: &Value) -> Value {
    let text = ev["payload"].as_str().expect("payload is a JSON string");
    serde_json::from_str(text).expect("payload holds JSON")
}

async fn post(app: &TestApp, token: &str, body: Value) -> String {
    let (status, s) = app.post_json("/api/v1/statuses", token, body).await;
    assert_eq!(status, 200, "{s}");
    s["id"].as_str().unwrap().to_string()
}

async fn websocket_audiences(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let (carol_id, carol) = app.user_with_token("carol").await;
    let (_, dave) = app.user_with_token("dave").await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        json!({}),
    )
    .await;

    // Bob: the token in the query, the stream in the query.
    let mut bob_ws = connect(app, &format!("access_token={bob}&stream=user")).await;
    // Carol: the token as the subprotocol (masto), which the handshake echoes.
    let mut req = ws_url(app, "stream=user").into_client_request().unwrap();
    req.headers_mut()
        .insert("sec-websocket-protocol", carol.parse().unwrap());
    let (mut carol_ws, response) = tokio_tungstenite::connect_async(req).await.unwrap();
    assert_eq!(
        response.headers()["sec-websocket-protocol"]
            .to_str()
            .unwrap(),
        carol
    );
    // Dave: subscribes to the public streams by message.
    let mut dave_ws = connect(app, &format!("access_token={dave}")).await;
    command(
        &mut dave_ws,
        json!({"type": "subscribe", "stream": "public"}),
    )
    .await;
    command(
        &mut dave_ws,
        json!({"type": "subscribe", "stream": "hashtag", "tag": "News"}),
    )
    .await;

    // A followers-only post reaches the follower, not the stranger nor the public stream.
    let private_id = post(
        app,
        &alice,
        json!({"status": "for my followers", "visibility": "private"}),
    )
    .await;
    post(
        app,
        &alice,
        json!({"status": "quietly #news", "visibility": "unlisted"}),
    )
    .await;
    post(
        app,
        &alice,
        json!({"status": "to nobody", "visibility": "direct"}),
    )
    .await;
    app.run_jobs().await;
    // Bob sees the private and the unlisted post (he follows Alice), never the direct one.
    let mut seen = Vec::new();
    for _ in 0..2 {
        let ev = event(&mut bob_ws).await;
        assert_eq!(ev["event"], "update");
        assert_eq!(ev["stream"], json!(["user"]));
        let status = payload(&ev);
        assert_eq!(status["favourited"], false, "rendered for the viewer");
        if status["id"] == private_id.as_str() {
            assert!(status["content"]
                .as_str()
                .unwrap()
                .contains("for my followers"));
        }
        seen.push(status["visibility"].as_str().unwrap().to_string());
    }
    seen.sort();
    assert_eq!(seen, ["private", "unlisted"]);
    assert!(next_event(&mut bob_ws, Duration::from_millis(300))
        .await
        .is_none());

    // Now a public post with a tag: the public and hashtag streams carry it, and it is the
    // first thing they carry (nothing unlisted, private or direct came before).
    let public_id = post(app, &alice, json!({"status": "hello world #News"})).await;
    let ev = event(&mut dave_ws).await;
    assert_eq!(ev["stream"], json!(["public"]));
    assert_eq!(payload(&ev)["id"], public_id.as_str());
    let ev = event(&mut dave_ws).await;
    assert_eq!(ev["stream"], json!(["hashtag", "news"]));
    assert_eq!(payload(&ev)["id"], public_id.as_str());

    // Carol follows nobody: the first thing on her stream is a notification meant for her.
    let (_, mention) = app
        .post_json("/api/v1/statuses", &bob, json!({"status": "hi @carol"}))
        .await;
    let ev = event(&mut carol_ws).await;
    assert_eq!(ev["event"], "notification", "{ev}");
    let note = payload(&ev);
    assert_eq!(note["type"], "mention");
    assert_eq!(note["status"]["id"], mention["id"]);
    assert!(next_event(&mut carol_ws, Duration::from_millis(300))
        .await
        .is_none());
    // Bob's post was public: the public stream carries it.
    let ev = event(&mut dave_ws).await;
    assert_eq!(payload(&ev)["id"], mention["id"], "{ev}");

    // Deleting the followers-only post tells the follower, with the bare id as payload.
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{private_id}")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut seen_delete = false;
    while let Some(ev) = next_event(&mut bob_ws, Duration::from_secs(5)).await {
        if ev["event"] == "delete" {
            assert_eq!(ev["payload"], private_id.as_str());
            seen_delete = true;
            break;
        }
    }
    assert!(seen_delete, "the follower hears of the delete");

    // An edit reaches the public stream as status.update.
    let res = app
        .client
        .put(app.url(&format!("/api/v1/statuses/{public_id}")))
        .bearer_auth(&alice)
        .json(&json!({"status": "hello again #News"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let ev = event(&mut dave_ws).await;
    assert_eq!(ev["event"], "status.update");
    assert!(payload(&ev)["content"]
        .as_str()
        .unwrap()
        .contains("hello again"));

    // Unsubscribing stops the stream.
    command(
        &mut dave_ws,
        json!({"type": "unsubscribe", "stream": "public"}),
    )
    .await;
    command(
        &mut dave_ws,
        json!({"type": "unsubscribe", "stream": "hashtag", "tag": "news"}),
    )
    .await;
    post(app, &alice, json!({"status": "anyone there? #news"})).await;
    assert!(next_event(&mut dave_ws, Duration::from_millis(300))
        .await
        .is_none());

    // Blocks hold on the stream as on timelines: Bob blocks Alice and hears nothing more.
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/block"),
        &bob,
        json!({}),
    )
    .await;
    post(app, &alice, json!({"status": "after the block"})).await;
    app.run_jobs().await;
    while let Some(ev) = next_event(&mut bob_ws, Duration::from_millis(500)).await {
        assert_ne!(
            ev["event"], "update",
            "a blocked author's post arrived: {ev}"
        );
    }
    let _ = carol_id;
}
on_both_backends!(websocket_audiences, websocket_audiences);

async fn websocket_refusals(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    // A bad token is refused in the handshake with 401, in the query or the subprotocol.
    match tokio_tungstenite::connect_async(ws_url(app, "access_token=nope&stream=user")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("expected a 401, got {:?}", other.map(|(_, r)| r.status())),
    }
    let mut req = ws_url(app, "stream=user").into_client_request().unwrap();
    req.headers_mut()
        .insert("sec-websocket-protocol", "nope".parse().unwrap());
    match tokio_tungstenite::connect_async(req).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("expected a 401, got {:?}", other.map(|(_, r)| r.status())),
    }
    // No token at all: 401 too (a user token is required, as Mastodon since 4.2).
    match tokio_tungstenite::connect_async(ws_url(app, "stream=public")).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(r)) => assert_eq!(r.status(), 401),
        other => panic!("expected a 401, got {:?}", other.map(|(_, r)| r.status())),
    }
    // Someone else's list, an unknown stream: an error message on the socket.
    let mut ws = connect(app, &format!("access_token={alice}")).await;
    ws.send(Message::Text(
        json!({"type": "subscribe", "stream": "list", "list": "12345"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert_eq!(event(&mut ws).await["status"], 404);
    ws.send(Message::Text(
        json!({"type": "subscribe", "stream": "firehose"})
            .to_string()
            .into(),
    ))
    .await
    .unwrap();
    assert_eq!(event(&mut ws).await["status"], 400);
    // The health check.
    let res = app
        .client
        .get(app.url("/api/v1/streaming/health"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.text().await.unwrap(), "OK");
}
on_both_backends!(websocket_refusals, websocket_refusals);

/// Reads server-sent events until one named `name` arrives; returns its data line.
async fn sse_event(
    stream: &mut (impl futures_util::Stream<Item = reqwest::Result<axum::body::Bytes>> + Unpin),
    buf: &mut String,
    name: &str,
) -> Option<String> {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut event = None;
            let mut data = None;
            for line in block.lines() {
                if let Some(e) = line.strip_prefix("event: ") {
                    event = Some(e.to_string());
                }
                if let Some(d) = line.strip_prefix("data: ") {
                    data = Some(d.to_string());
                }
            }
            if event.as_deref() == Some(name) {
                return data;
            }
        }
        let chunk = tokio::time::timeout_at(deadline, stream.next())
            .await
            .ok()??
            .ok()?;
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn server_sent_events(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        json!({}),
    )
    .await;

    // No token: 401 (Mastodon.py reads the JSON error).
    let res = app
        .client
        .get(app.url("/api/v1/streaming/public"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);

    let open = |path: &str, token: &str| app.client.get(app.url(path)).bearer_auth(token).send();
    let res = open("/api/v1/streaming/user", &bob).await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(res.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut bob_sse = res.bytes_stream();
    let mut bob_buf = String::new();
    let first = bob_sse.next().await.unwrap().unwrap();
    assert!(String::from_utf8_lossy(&first).starts_with(":)"));

    let res = open("/api/v1/streaming/public/local", &carol)
        .await
        .unwrap();
    let mut public_sse = res.bytes_stream();
    let mut public_buf = String::new();
    let res = open("/api/v1/streaming/user/notification", &alice)
        .await
        .unwrap();
    let mut alice_sse = res.bytes_stream();
    let mut alice_buf = String::new();

    let private_id = post(
        app,
        &alice,
        json!({"status": "followers only", "visibility": "private"}),
    )
    .await;
    app.run_jobs().await;
    let data = sse_event(&mut bob_sse, &mut bob_buf, "update")
        .await
        .expect("update arrives");
    let status: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(status["id"], private_id.as_str());

    // The local public stream: the private post never, the public one at once.
    let public_id = post(app, &alice, json!({"status": "for everyone"})).await;
    let data = sse_event(&mut public_sse, &mut public_buf, "update")
        .await
        .expect("public update arrives");
    let status: Value = serde_json::from_str(&data).unwrap();
    assert_eq!(status["id"], public_id.as_str(), "only the public post");

    // Notifications: Bob favourites; Alice's notification stream hears it.
    app.post_json(
        &format!("/api/v1/statuses/{public_id}/favourite"),
        &bob,
        json!({}),
    )
    .await;
    // Bob's earlier follow may still be in flight to this stream (on PostgreSQL events
    // cross LISTEN/NOTIFY, which can deliver after the stream opened): skip it, nothing else.
    let note = loop {
        let data = sse_event(&mut alice_sse, &mut alice_buf, "notification")
            .await
            .expect("notification arrives");
        let note: Value = serde_json::from_str(&data).unwrap();
        if note["type"] != "follow" {
            break note;
        }
        assert_eq!(note["account"]["id"], bob_id.to_string());
    };
    assert_eq!(note["type"], "favourite");
    assert_eq!(note["account"]["id"], bob_id.to_string());

    // Deletes arrive on the public stream too, as the bare id.
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{public_id}")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let data = sse_event(&mut public_sse, &mut public_buf, "delete")
        .await
        .expect("delete arrives");
    assert_eq!(data, public_id);
}
on_both_backends!(server_sent_events, server_sent_events);

async fn direct_conversations(app: &TestApp) {
    let (alice_id, alice) = app.user_with_token("alice").await;
    let (bob_id, bob) = app.user_with_token("bob").await;
    let (_, carol) = app.user_with_token("carol").await;
    // Bob follows Alice: a stranger's direct message would wait behind a notification
    // request (Mastodon's default policy), out of the conversations.
    app.post_json(
        &format!("/api/v1/accounts/{alice_id}/follow"),
        &bob,
        serde_json::json!({}),
    )
    .await;
    let mut bob_ws = connect(app, &format!("access_token={bob}&stream=direct")).await;
    let mut carol_ws = connect(app, &format!("access_token={carol}&stream=direct")).await;
    let dm = post(
        app,
        &alice,
        json!({"status": "@bob psst", "visibility": "direct"}),
    )
    .await;
    let ev = event(&mut bob_ws).await;
    assert_eq!(ev["event"], "conversation");
    assert_eq!(ev["stream"], json!(["direct"]));
    let conv = payload(&ev);
    assert_eq!(conv["unread"], true);
    assert_eq!(conv["last_status"]["id"], dm.as_str());
    assert_eq!(conv["accounts"][0]["username"], "alice");
    assert!(next_event(&mut carol_ws, Duration::from_millis(300))
        .await
        .is_none());
    let _ = bob_id;
}
on_both_backends!(direct_conversations, direct_conversations);

/// `public:media` and `public:local:media` carry public posts with attachments, and only those.
async fn media_streams(app: &TestApp) {
    let (_, alice) = app.user_with_token("alice").await;
    let (_, bob) = app.user_with_token("bob").await;
    let mut media_ws = connect(app, &format!("access_token={bob}&stream=public:media")).await;
    let mut local_ws = connect(
        app,
        &format!("access_token={bob}&stream=public:local:media"),
    )
    .await;
    let mut remote_ws = connect(
        app,
        &format!("access_token={bob}&stream=public:remote:media"),
    )
    .await;

    post(app, &alice, json!({"status": "words only"})).await;
    let part =
        reqwest::multipart::Part::bytes(common::images::gradient(32, 24, image::ImageFormat::Png))
            .file_name("pic.png")
            .mime_str("image/png")
            .unwrap();
    let res = app
        .client
        .post(app.url("/api/v2/media"))
        .bearer_auth(&alice)
        .multipart(reqwest::multipart::Form::new().part("file", part))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let media: Value = res.json().await.unwrap();
    let with_picture = post(
        app,
        &alice,
        json!({"status": "a picture", "media_ids": [media["id"]]}),
    )
    .await;

    for ws in [&mut media_ws, &mut local_ws] {
        let ev = event(ws).await;
        assert_eq!(ev["event"], "update", "{ev}");
        assert_eq!(payload(&ev)["id"], with_picture.as_str(), "{ev}");
        assert_eq!(payload(&ev)["media_attachments"][0]["id"], media["id"]);
    }
    assert!(
        next_event(&mut remote_ws, Duration::from_millis(500))
            .await
            .is_none(),
        "a local post is not on the remote media stream"
    );
    // Deleting it reaches the media streams too.
    let res = app
        .client
        .delete(app.url(&format!("/api/v1/statuses/{with_picture}")))
        .bearer_auth(&alice)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status().as_u16(), 200);
    let ev = event(&mut media_ws).await;
    assert_eq!(ev["event"], "delete", "{ev}");
    assert_eq!(ev["payload"], with_picture.as_str());
}

on_both_backends!(media_streams, media_streams);
