//! A fake Discord on 127.0.0.1 for the real serenity client: a REST API
//! (hand-written HTTP/1.1, enough for serenity's reqwest client) and a
//! gateway (tokio-tungstenite, plain JSON text frames).
//!
//! Every REST request is recorded; tests await the one they expect with
//! [`Fake::expect`]. Gateway dispatches are pushed with [`Fake::dispatch`].
//! [`Fake::fail_next`] makes the next answers to a route fail the way
//! Discord fails (5xx, 429 with `retry_after`), then succeed.
//! Payload builders below produce the minimal JSON serenity 0.12.5 accepts;
//! `payloads_deserialize_into_serenity_types` keeps them honest (a payload
//! serenity cannot read becomes `Event::Unknown` silently).

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio_tungstenite::tungstenite::Message as WsMessage;

/// The bot's user id (also encoded in [`TOKEN`]).
pub const BOT_ID: u64 = 123456789012345678;
/// The application id announced in READY.
pub const APP_ID: u64 = 223456789012345678;
/// A token of valid shape for [`BOT_ID`] (base64 of the id, then two parts).
pub const TOKEN: &str = "MTIzNDU2Nzg5MDEyMzQ1Njc4.GAbcde.fake-token-for-tests-only_0123456789ab";
/// How long a test waits for anything before failing.
pub const PATIENCE: Duration = Duration::from_secs(10);
/// The DM channel the fake opens for a user is `user + DM_OFFSET`.
pub const DM_OFFSET: u64 = 7;

/// One REST request the bot made.
#[derive(Debug, Clone)]
pub struct Recorded {
    pub method: String,
    pub path: String,
    pub body: Value,
    pub at: Instant,
    /// The status the fake answered with.
    pub status: u16,
}

/// How the fake rejects a request (see [`Fake::fail_next`]).
#[derive(Debug, Clone, Copy)]
pub enum Failure {
    /// A server error. 502 comes as the HTML page of the proxy in front of
    /// Discord; other statuses with Discord's JSON body.
    Status(u16),
    /// 429 with Discord's body (`retry_after` in seconds) and headers
    /// (`Retry-After` rounded up to whole seconds, `X-RateLimit-*`).
    RateLimited { retry_after: f64 },
}

impl Failure {
    /// The JSON body Discord sends with this failure (none for a 502 page).
    pub fn json_body(&self) -> Option<Value> {
        match *self {
            Failure::Status(502) => None,
            Failure::Status(s) => {
                Some(json!({"message": format!("{s}: {}", reason(s)), "code": 0}))
            }
            Failure::RateLimited { retry_after } => Some(json!({
                "message": "You are being rate limited.",
                "retry_after": retry_after, "global": false, "code": 0})),
        }
    }
}

struct Planned {
    left: usize,
    failure: Failure,
    route: Box<dyn Fn(&Recorded) -> bool + Send + Sync>,
}

/// A REST answer of the fake.
struct Answer {
    status: u16,
    headers: Vec<(&'static str, String)>,
    content_type: &'static str,
    body: String,
}

impl Answer {
    fn json(status: u16, body: Option<Value>) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            content_type: "application/json",
            body: body.map(|v| v.to_string()).unwrap_or_default(),
        }
    }

    fn failure(f: Failure) -> Answer {
        match f {
            Failure::Status(502) => Answer {
                status: 502,
                headers: Vec::new(),
                content_type: "text/html",
                body: "<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>".into(),
            },
            Failure::Status(s) => Answer::json(s, f.json_body()),
            Failure::RateLimited { retry_after } => {
                let mut a = Answer::json(429, f.json_body());
                a.headers = vec![
                    ("retry-after", (retry_after.ceil() as u64).to_string()),
                    ("x-ratelimit-limit", "5".into()),
                    ("x-ratelimit-remaining", "0".into()),
                    ("x-ratelimit-reset-after", retry_after.to_string()),
                    ("x-ratelimit-bucket", "fakebucket".into()),
                    ("x-ratelimit-scope", "user".into()),
                ];
                a
            }
        }
    }
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => "Unknown",
    }
}

impl Recorded {
    /// The channel id of `POST /channels/{id}/messages`.
    pub fn message_channel(&self) -> Option<u64> {
        let rest = self.path.strip_prefix("/api/v10/channels/")?;
        let (id, tail) = rest.split_once('/')?;
        (self.method == "POST" && tail.starts_with("messages")).then(|| id.parse().ok())?
    }

    /// The interaction id of `POST /interactions/{id}/{token}/callback`.
    pub fn callback_of(&self) -> Option<u64> {
        let rest = self.path.strip_prefix("/api/v10/interactions/")?;
        rest.split('/').next()?.parse().ok()
    }

    /// Whether this is a request on the webhook of interaction `token`
    /// (edit of the original response, follow-up, deletion).
    pub fn on_webhook(&self, token: &str) -> bool {
        self.path
            .starts_with(&format!("/api/v10/webhooks/{APP_ID}/{token}"))
    }

    /// The message data sent: `data` of a callback, else the body.
    pub fn message(&self) -> &Value {
        match self.body.get("data") {
            Some(d) if self.callback_of().is_some() => d,
            _ => &self.body,
        }
    }

    /// All text a user sees in the sent message: content, embed title,
    /// description, field names and values, footer.
    pub fn visible_text(&self) -> String {
        let m = self.message();
        let mut out = Vec::new();
        if let Some(c) = m.get("content").and_then(Value::as_str) {
            out.push(c.to_string());
        }
        for e in m
            .get("embeds")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for key in ["title", "description"] {
                if let Some(s) = e.get(key).and_then(Value::as_str) {
                    out.push(s.to_string());
                }
            }
            for f in e
                .get("fields")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                for key in ["name", "value"] {
                    if let Some(s) = f.get(key).and_then(Value::as_str) {
                        out.push(s.to_string());
                    }
                }
            }
            if let Some(s) = e.pointer("/footer/text").and_then(Value::as_str) {
                out.push(s.to_string());
            }
        }
        out.join("\n")
    }

    /// Message flags (64 = ephemeral).
    pub fn flags(&self) -> u64 {
        self.message()
            .get("flags")
            .and_then(Value::as_u64)
            .unwrap_or(0)
    }

    /// The custom ids of the buttons on the message.
    pub fn buttons(&self) -> Vec<(String, bool)> {
        let mut out = Vec::new();
        for row in self
            .message()
            .get("components")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            for c in row
                .get("components")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
            {
                if let Some(id) = c.get("custom_id").and_then(Value::as_str) {
                    let disabled = c.get("disabled").and_then(Value::as_bool).unwrap_or(false);
                    out.push((id.to_string(), disabled));
                }
            }
        }
        out
    }
}

enum GwCmd {
    Dispatch(String, Value),
    Drop,
}

struct Shared {
    ws_url: String,
    conn: Mutex<Option<mpsc::UnboundedSender<GwCmd>>>,
    sessions: watch::Sender<u64>,
    seq: AtomicU64,
    identifies: Mutex<Vec<Value>>,
    resumes: AtomicUsize,
    requests: mpsc::UnboundedSender<Recorded>,
    routes: Mutex<HashMap<u64, mpsc::UnboundedSender<Recorded>>>,
    ids: AtomicU64,
    failures: Mutex<Vec<Planned>>,
    /// Gateway connections accepted (refused ones included).
    attempts: watch::Sender<u64>,
    /// Close every new gateway connection at once, before the handshake.
    refuse_gateway: std::sync::atomic::AtomicBool,
}

/// A running fake Discord.
pub struct Fake {
    /// Base URL of the REST API, for `discord.api_base`.
    pub http_base: String,
    shared: Arc<Shared>,
    inbox: tokio::sync::Mutex<(mpsc::UnboundedReceiver<Recorded>, Vec<Recorded>)>,
    sessions: watch::Receiver<u64>,
}

impl Fake {
    /// Bind both listeners on 127.0.0.1:0 and serve.
    pub async fn start() -> Fake {
        let http = TcpListener::bind("127.0.0.1:0").await.expect("bind http");
        let ws = TcpListener::bind("127.0.0.1:0").await.expect("bind ws");
        let http_base = format!("http://{}", http.local_addr().expect("addr"));
        let ws_url = format!("ws://{}", ws.local_addr().expect("addr"));
        let (tx, rx) = mpsc::unbounded_channel();
        let (sessions_tx, sessions) = watch::channel(0);
        let shared = Arc::new(Shared {
            ws_url,
            conn: Mutex::new(None),
            sessions: sessions_tx,
            seq: AtomicU64::new(0),
            identifies: Mutex::new(Vec::new()),
            resumes: AtomicUsize::new(0),
            requests: tx,
            routes: Mutex::new(HashMap::new()),
            ids: AtomicU64::new(1_000_000),
            failures: Mutex::new(Vec::new()),
            attempts: watch::channel(0).0,
            refuse_gateway: std::sync::atomic::AtomicBool::new(false),
        });
        let s = Arc::clone(&shared);
        tokio::spawn(async move {
            while let Ok((stream, _)) = http.accept().await {
                tokio::spawn(serve_http(stream, Arc::clone(&s)));
            }
        });
        let s = Arc::clone(&shared);
        tokio::spawn(async move {
            while let Ok((stream, _)) = ws.accept().await {
                s.attempts.send_modify(|n| *n += 1);
                if s.refuse_gateway.load(Ordering::SeqCst) {
                    drop(stream);
                    continue;
                }
                tokio::spawn(serve_gateway(stream, Arc::clone(&s)));
            }
        });
        Fake {
            http_base,
            shared,
            inbox: tokio::sync::Mutex::new((rx, Vec::new())),
            sessions,
        }
    }

    /// Wait until `n` gateway sessions (IDENTIFY or RESUME answered) exist.
    pub async fn wait_sessions(&self, n: u64) {
        let mut rx = self.sessions.clone();
        tokio::time::timeout(PATIENCE, rx.wait_for(|&s| s >= n))
            .await
            .expect("gateway session in time")
            .expect("fake alive");
    }

    /// From now on, close every new gateway connection before the
    /// WebSocket handshake (Discord's gateway gone), or serve them again.
    pub fn refuse_gateway(&self, refuse: bool) {
        self.shared.refuse_gateway.store(refuse, Ordering::SeqCst);
    }

    /// Wait until `n` gateway connections (refused ones included) were made.
    pub async fn wait_gateway_attempts(&self, n: u64) {
        let mut rx = self.shared.attempts.subscribe();
        tokio::time::timeout(PATIENCE, rx.wait_for(|&a| a >= n))
            .await
            .expect("gateway connection attempt in time")
            .expect("fake alive");
    }

    /// IDENTIFY payloads received so far.
    pub fn identifies(&self) -> Vec<Value> {
        self.shared.identifies.lock().expect("lock").clone()
    }

    /// RESUME payloads received so far.
    pub fn resumes(&self) -> usize {
        self.shared.resumes.load(Ordering::SeqCst)
    }

    /// Send a dispatch event on the current gateway connection.
    pub fn dispatch(&self, t: &str, d: Value) {
        let conn = self.shared.conn.lock().expect("lock");
        let tx = conn.as_ref().expect("no gateway connection");
        tx.send(GwCmd::Dispatch(t.to_string(), d))
            .expect("gateway task alive");
    }

    /// Drop the gateway connection abruptly (no close frame).
    pub fn drop_gateway(&self) {
        if let Some(tx) = self.shared.conn.lock().expect("lock").take() {
            let _ = tx.send(GwCmd::Drop);
        }
    }

    /// Route message posts to `channel` into their own receiver (load test).
    pub fn route_channel(&self, channel: u64) -> mpsc::UnboundedReceiver<Recorded> {
        let (tx, rx) = mpsc::unbounded_channel();
        self.shared.routes.lock().expect("lock").insert(channel, tx);
        rx
    }

    /// Answer the next `n` requests matching `route` with `failure`; later
    /// ones are answered as usual. Failed requests are recorded too.
    pub fn fail_next(
        &self,
        n: usize,
        failure: Failure,
        route: impl Fn(&Recorded) -> bool + Send + Sync + 'static,
    ) {
        self.shared.failures.lock().expect("lock").push(Planned {
            left: n,
            failure,
            route: Box::new(route),
        });
    }

    /// A fresh snowflake.
    pub fn id(&self) -> u64 {
        self.shared.ids.fetch_add(1, Ordering::SeqCst)
    }

    /// The first recorded request (earlier ones not yet taken included)
    /// matching `pred`; fails the test after [`PATIENCE`].
    pub async fn expect(&self, what: &str, pred: impl Fn(&Recorded) -> bool) -> Recorded {
        let mut g = self.inbox.lock().await;
        if let Some(i) = g.1.iter().position(&pred) {
            return g.1.remove(i);
        }
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            match tokio::time::timeout_at(deadline, g.0.recv()).await {
                Ok(Some(r)) if pred(&r) => return r,
                Ok(Some(r)) => g.1.push(r),
                Ok(None) => panic!("fake stopped while waiting for {what}"),
                Err(_) => panic!("timed out waiting for {what}; other requests: {:#?}", g.1),
            }
        }
    }

    /// Every request recorded so far and not yet taken.
    pub async fn drain(&self) -> Vec<Recorded> {
        let mut g = self.inbox.lock().await;
        while let Ok(r) = g.0.try_recv() {
            g.1.push(r);
        }
        std::mem::take(&mut g.1)
    }
}

async fn serve_http(mut stream: TcpStream, shared: Arc<Shared>) {
    let mut buf: Vec<u8> = Vec::with_capacity(8192);
    loop {
        // Headers.
        let head_end = loop {
            if let Some(i) = find(&buf, b"\r\n\r\n") {
                break i + 4;
            }
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        };
        let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
        let mut lines = head.lines();
        let mut first = lines.next().unwrap_or("").split(' ');
        let method = first.next().unwrap_or("").to_string();
        let path = first.next().unwrap_or("").to_string();
        let len: usize = lines
            .filter_map(|l| l.split_once(':'))
            .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.trim().parse().ok())
            .unwrap_or(0);
        while buf.len() < head_end + len {
            let mut chunk = [0u8; 8192];
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => buf.extend_from_slice(&chunk[..n]),
            }
        }
        let body: Value =
            serde_json::from_slice(&buf[head_end..head_end + len]).unwrap_or(Value::Null);
        buf.drain(..head_end + len);

        let mut rec = Recorded {
            method,
            path,
            body,
            at: Instant::now(),
            status: 0,
        };
        let planned = {
            let mut plans = shared.failures.lock().expect("lock");
            plans
                .iter_mut()
                .find(|p| p.left > 0 && (p.route)(&rec))
                .map(|p| {
                    p.left -= 1;
                    p.failure
                })
        };
        let reply = match planned {
            Some(f) => Answer::failure(f),
            None => {
                let (status, body) = answer(&shared, &rec);
                Answer::json(status, body)
            }
        };
        rec.status = reply.status;
        let channel = rec.message_channel();
        let routed = channel.and_then(|c| shared.routes.lock().expect("lock").get(&c).cloned());
        match routed {
            Some(tx) => {
                let _ = tx.send(rec);
            }
            None => {
                let _ = shared.requests.send(rec);
            }
        }
        let mut resp = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: {}\r\ncontent-length: {}\r\n",
            reply.status,
            reason(reply.status),
            reply.content_type,
            reply.body.len()
        );
        for (name, value) in &reply.headers {
            resp.push_str(&format!("{name}: {value}\r\n"));
        }
        resp.push_str("\r\n");
        resp.push_str(&reply.body);
        if stream.write_all(resp.as_bytes()).await.is_err() {
            return;
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

/// The fake's REST answers.
fn answer(shared: &Shared, r: &Recorded) -> (u16, Option<Value>) {
    let path = r.path.split('?').next().unwrap_or("");
    let segs: Vec<&str> = path.trim_start_matches("/api/v10/").split('/').collect();
    let new_id = || shared.ids.fetch_add(1, Ordering::SeqCst);
    match (r.method.as_str(), segs.as_slice()) {
        ("GET", ["gateway"]) | ("GET", ["gateway", "bot"]) => (
            200,
            Some(json!({"url": shared.ws_url, "shards": 1,
                "session_start_limit": {"total": 1000, "remaining": 1000, "reset_after": 0, "max_concurrency": 1}})),
        ),
        ("PUT", ["applications", _, "commands"]) => {
            let cmds: Vec<Value> = r
                .body
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|mut c| {
                    c["id"] = json!(new_id().to_string());
                    c["application_id"] = json!(APP_ID.to_string());
                    c["version"] = json!("1");
                    if c.get("type").is_none() {
                        c["type"] = json!(1);
                    }
                    c
                })
                .collect();
            (200, Some(Value::Array(cmds)))
        }
        ("POST", ["channels", channel, "messages"]) => {
            (200, Some(sent_message(new_id(), channel, &r.body)))
        }
        ("POST", ["interactions", _, _, "callback"]) => (204, None),
        ("PATCH", ["webhooks", _, _, "messages", _]) | ("POST", ["webhooks", _, _]) => {
            (200, Some(sent_message(new_id(), "1", &r.body)))
        }
        ("DELETE", ["webhooks", _, _, "messages", _]) => (204, None),
        ("POST", ["users", "@me", "channels"]) => {
            let user: u64 = r
                .body
                .get("recipient_id")
                .and_then(|v| v.as_str().and_then(|s| s.parse().ok()).or(v.as_u64()))
                .unwrap_or(0);
            (
                200,
                Some(json!({"id": (user + DM_OFFSET).to_string(), "type": 1,
                    "recipients": [user_json(user, "someone")]})),
            )
        }
        _ => (404, Some(json!({"message": "404: Not Found", "code": 0}))),
    }
}

fn sent_message(id: u64, channel: &str, body: &Value) -> Value {
    let mut m = message_json(
        id,
        channel.parse().unwrap_or(1),
        None,
        user_json(BOT_ID, "ussbot"),
        body.get("content").and_then(Value::as_str).unwrap_or(""),
    );
    m["author"]["bot"] = json!(true);
    m
}

async fn serve_gateway(stream: TcpStream, shared: Arc<Shared>) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    let hello = json!({"op": 10, "d": {"heartbeat_interval": 41250}});
    if ws.send(WsMessage::Text(hello.to_string())).await.is_err() {
        return;
    }
    // IDENTIFY or RESUME.
    loop {
        let Some(Ok(msg)) = ws.next().await else {
            return;
        };
        let WsMessage::Text(text) = msg else { continue };
        let Ok(v) = serde_json::from_str::<Value>(&text) else {
            continue;
        };
        match v.get("op").and_then(Value::as_u64) {
            Some(2) => {
                shared.identifies.lock().expect("lock").push(v["d"].clone());
                shared.seq.store(1, Ordering::SeqCst);
                let ready = json!({"op": 0, "t": "READY", "s": 1, "d": ready_json(&shared.ws_url)});
                if ws.send(WsMessage::Text(ready.to_string())).await.is_err() {
                    return;
                }
                break;
            }
            Some(6) => {
                shared.resumes.fetch_add(1, Ordering::SeqCst);
                let s = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
                let resumed = json!({"op": 0, "t": "RESUMED", "s": s, "d": {}});
                if ws.send(WsMessage::Text(resumed.to_string())).await.is_err() {
                    return;
                }
                break;
            }
            Some(1) => {
                let _ = ws
                    .send(WsMessage::Text(json!({"op": 11}).to_string()))
                    .await;
            }
            _ => {}
        }
    }
    let (tx, mut rx) = mpsc::unbounded_channel();
    *shared.conn.lock().expect("lock") = Some(tx);
    shared.sessions.send_modify(|n| *n += 1);
    loop {
        tokio::select! {
            incoming = ws.next() => match incoming {
                Some(Ok(WsMessage::Text(text))) => {
                    let op = serde_json::from_str::<Value>(&text).ok().and_then(|v| v["op"].as_u64());
                    if op == Some(1) {
                        let _ = ws.send(WsMessage::Text(json!({"op": 11}).to_string())).await;
                    }
                }
                Some(Ok(_)) => {}
                // Close: tungstenite echoes it; keep reading until the end.
                Some(Err(_)) | None => break,
            },
            cmd = rx.recv() => match cmd {
                Some(GwCmd::Dispatch(t, d)) => {
                    let s = shared.seq.fetch_add(1, Ordering::SeqCst) + 1;
                    let frame = json!({"op": 0, "t": t, "s": s, "d": d});
                    if ws.send(WsMessage::Text(frame.to_string())).await.is_err() {
                        break;
                    }
                }
                Some(GwCmd::Drop) | None => return, // drops the TCP stream without a close frame
            },
        }
    }
}

// ---- payloads -------------------------------------------------------------

/// A user.
pub fn user_json(id: u64, name: &str) -> Value {
    json!({"id": id.to_string(), "username": name, "discriminator": "0", "global_name": name})
}

fn ready_json(ws_url: &str) -> Value {
    let mut me = user_json(BOT_ID, "ussbot");
    me["bot"] = json!(true);
    json!({
        "v": 10,
        "user": me,
        "guilds": [],
        "session_id": "fake-session",
        "resume_gateway_url": ws_url,
        "application": {"id": APP_ID.to_string(), "flags": 0},
    })
}

/// A message; `guild` absent means a DM.
pub fn message_json(
    id: u64,
    channel: u64,
    guild: Option<u64>,
    author: Value,
    content: &str,
) -> Value {
    let mut m = json!({
        "id": id.to_string(),
        "channel_id": channel.to_string(),
        "author": author,
        "content": content,
        "timestamp": "2025-01-01T00:00:00.000000+00:00",
        "tts": false,
        "mention_everyone": false,
        "mentions": [],
        "mention_roles": [],
        "attachments": [],
        "embeds": [],
        "pinned": false,
        "type": 0,
    });
    if let Some(g) = guild {
        m["guild_id"] = json!(g.to_string());
    }
    m
}

/// A guild message, with users it mentions and role ids it mentions.
pub fn guild_message(
    id: u64,
    channel: u64,
    guild: u64,
    author: u64,
    content: &str,
    mentions: &[u64],
    roles: &[u64],
) -> Value {
    let mut m = message_json(
        id,
        channel,
        Some(guild),
        user_json(author, "seller"),
        content,
    );
    m["mentions"] = Value::Array(mentions.iter().map(|&u| user_json(u, "someone")).collect());
    m["mention_roles"] = Value::Array(roles.iter().map(|r| json!(r.to_string())).collect());
    m["mention_everyone"] = json!(content.contains("@everyone"));
    m
}

/// An interaction of `kind` (2 slash, 3 component, 4 autocomplete).
pub fn interaction_json(
    kind: u8,
    id: u64,
    token: &str,
    user: u64,
    guild: Option<u64>,
    data: Value,
) -> Value {
    let mut i = json!({
        "id": id.to_string(),
        "application_id": APP_ID.to_string(),
        "type": kind,
        "token": token,
        "version": 1,
        "channel_id": "555",
        "locale": "zh-CN",
        "entitlements": [],
        "attachment_size_limit": 10485760,
        "data": data,
    });
    match guild {
        Some(g) => {
            i["guild_id"] = json!(g.to_string());
            i["member"] = json!({"user": user_json(user, "seller"), "roles": [], "deaf": false,
                "mute": false, "flags": 0, "joined_at": "2025-01-01T00:00:00.000000+00:00"});
        }
        None => i["user"] = user_json(user, "seller"),
    }
    i
}

/// Slash command data: `options` as (name, value) strings, optionally under a subcommand.
pub fn slash_data(name: &str, sub: Option<&str>, options: &[(&str, &str)]) -> Value {
    let opts: Vec<Value> = options
        .iter()
        .map(|(n, v)| json!({"name": n, "type": 3, "value": v}))
        .collect();
    let opts = match sub {
        Some(s) => vec![json!({"name": s, "type": 1, "options": opts})],
        None => opts,
    };
    json!({"id": "1", "name": name, "type": 1, "options": opts})
}

/// Autocomplete data with `focused` being typed.
pub fn autocomplete_data(name: &str, focused: &str, partial: &str) -> Value {
    json!({"id": "1", "name": name, "type": 1,
        "options": [{"name": focused, "type": 3, "value": partial, "focused": true}]})
}

/// Button click data; the message the button is on comes along.
pub fn button_data(custom_id: &str) -> Value {
    json!({"custom_id": custom_id, "component_type": 2})
}

/// A component interaction on a bot message.
pub fn button_interaction(
    id: u64,
    token: &str,
    user: u64,
    guild: Option<u64>,
    custom_id: &str,
) -> Value {
    let mut i = interaction_json(3, id, token, user, guild, button_data(custom_id));
    let mut m = message_json(id + 1, 555, guild, user_json(BOT_ID, "ussbot"), "");
    m["author"]["bot"] = json!(true);
    i["message"] = m;
    i
}
