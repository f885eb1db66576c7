//! `samachar serve`: an HTTP speech API on axum/hyper + tokio.
//!
//! Routes: `POST /v1/audio/speech` (OpenAI-compatible JSON; the audio streams chunked as
//! sentences are rendered), `GET /v1/voices`, `GET /healthz`, `GET /readyz`, `GET /metrics`.
//!
//! Synthesis never runs on the async workers: each request renders on a blocking thread
//! (`spawn_blocking`) that drives the rayon pool through [`Engine::render`]; the samples of
//! each sentence cross to the response over a bounded channel. When the client goes away the
//! channel closes, the sink fails, and the renderer stops (its queued sentences are skipped).
//!
//! The audio is exactly what `samachar speak` writes for the same text, voice, speed and
//! sample rate (22050 Hz): same 16-bit samples. A streamed `wav` cannot know its length when
//! the header is sent, so its RIFF size and `data` size fields carry 0xFFFFFFFF ("unknown",
//! as streaming WAV readers expect); `pcm` is the bare samples, 16-bit little-endian mono.
//!
//! Limits (defaults in [`Config`]): request body 64 KiB (413), input 5000 characters (413),
//! malformed JSON or a bad field (400, JSON body naming the field), unknown voice or format
//! (400), more than `max_concurrent` syntheses at once (429 with `Retry-After: 1`), no first
//! audio within the deadline (504). A panic while rendering fails only that request.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::{mpsc, Semaphore};

use crate::render::{units_from_document, wav::to_i16, Engine, EngineOptions, Sink, Unit};
use crate::synth::Voice;

/// Server settings (the command line's `samachar serve` options).
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (default 127.0.0.1:5500).
    pub bind: SocketAddr,
    /// Most syntheses at once; more get 429 (default 4).
    pub max_concurrent: usize,
    /// Most input characters (default 5000).
    pub max_chars: usize,
    /// Most request body bytes (default 65536).
    pub max_body: usize,
    /// Time allowed until the first audio bytes (default 30 s), else 504.
    pub deadline: Duration,
    /// Bearer token required on every route but /healthz and /readyz.
    pub token: Option<String>,
    /// Grace period for in-flight requests after SIGTERM (default 10 s).
    pub grace: Duration,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: ([127, 0, 0, 1], 5500).into(),
            max_concurrent: 4,
            max_chars: 5000,
            max_body: 65536,
            deadline: Duration::from_secs(30),
            token: None,
            grace: Duration::from_secs(10),
        }
    }
}

/// Latency histogram bucket bounds (seconds).
const BUCKETS: [f64; 10] = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Metrics {
    by_status: Mutex<std::collections::BTreeMap<u16, u64>>,
    audio_samples: AtomicU64,
    in_flight: AtomicU64,
    ttfb: Mutex<([u64; 10], u64, f64)>,
}

struct AppState {
    cfg: Config,
    permits: Arc<Semaphore>,
    metrics: Metrics,
    shutting_down: std::sync::atomic::AtomicBool,
}

type Shared = Arc<AppState>;

/// A JSON error response `{"error": {"message", "type", "param"}}` (OpenAI's shape).
fn error(status: StatusCode, param: Option<&str>, message: impl Into<String>) -> Response {
    let body =
        serde_json::json!({"error": {"message": message.into(), "type": "invalid_request_error", "param": param}});
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct SpeechRequest {
    #[allow(dead_code)]
    #[serde(default)]
    model: Option<String>,
    input: String,
    #[serde(default)]
    voice: Option<String>,
    #[serde(default)]
    response_format: Option<String>,
    #[serde(default)]
    speed: Option<f32>,
}

/// Renders samples into a channel of encoded byte chunks.
struct ChannelSink {
    tx: mpsc::Sender<Bytes>,
    state: Shared,
}

impl ChannelSink {
    fn send(&mut self, samples: impl Iterator<Item = i16>, n: usize) -> crate::Result<()> {
        let mut buf = Vec::with_capacity(2 * n);
        for s in samples {
            buf.extend_from_slice(&s.to_le_bytes());
        }
        self.state.metrics.audio_samples.fetch_add(n as u64, Ordering::Relaxed);
        self.tx.blocking_send(Bytes::from(buf)).map_err(|_| crate::Error::Other("client disconnected".into()))
    }
}

impl Sink for ChannelSink {
    fn unit(&mut self, _: usize, _: &Unit, _: u64, samples: &[f32]) -> crate::Result<()> {
        self.send(samples.iter().map(|&x| to_i16(x)), samples.len())
    }
    fn silence(&mut self, _: u64, len: u64) -> crate::Result<()> {
        self.send(std::iter::repeat_n(0i16, len as usize), len as usize)
    }
}

async fn speech(State(st): State<Shared>, body: Bytes) -> Response {
    let req: SpeechRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let msg = e.to_string();
            // serde names the field in "missing field `x`" / "unknown field `x`" / "invalid type ... for `x`".
            // A type error does not name its field: find it from the parsed value.
            let typed = serde_json::from_slice::<serde_json::Value>(&body).ok().and_then(|v| {
                let o = v.as_object()?.clone();
                o.iter()
                    .find(|(k, v)| if k.as_str() == "speed" { !v.is_number() } else { !v.is_string() })
                    .map(|(k, _)| k.clone())
            });
            let field = if msg.contains(" field `") { msg.split('`').nth(1).map(str::to_string) } else { typed };
            return error(StatusCode::BAD_REQUEST, field.as_deref(), format!("invalid JSON body: {msg}"));
        }
    };
    let chars = req.input.chars().count();
    if chars > st.cfg.max_chars {
        return error(
            StatusCode::PAYLOAD_TOO_LARGE,
            Some("input"),
            format!("input has {chars} characters; the limit is {}", st.cfg.max_chars),
        );
    }
    if req.input.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, Some("input"), "input is empty");
    }
    let format = req.response_format.as_deref().unwrap_or("wav");
    match format {
        "wav" | "pcm" => {}
        "mp3" | "opus" | "flac" | "aac" => {
            return error(
                StatusCode::BAD_REQUEST,
                Some("response_format"),
                format!("response_format '{format}' is not available in this build (use wav or pcm)"),
            )
        }
        _ => {
            return error(
                StatusCode::BAD_REQUEST,
                Some("response_format"),
                format!("unknown response_format '{format}' (use wav or pcm)"),
            )
        }
    }
    let voice_name = req.voice.clone().unwrap_or_else(|| Voice::builtin_names()[0].to_string());
    // Built-in names only: a voice given as a file path would let clients read server files.
    let voice = match Voice::builtin(&voice_name) {
        Ok(v) => v,
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                Some("voice"),
                format!("unknown voice '{voice_name}' (see GET /v1/voices)"),
            )
        }
    };
    let speed = req.speed.unwrap_or(1.0);
    if !(0.25..=4.0).contains(&speed) {
        return error(StatusCode::BAD_REQUEST, Some("speed"), format!("speed {speed} is out of range (0.25 to 4)"));
    }
    let permit = match st.permits.clone().try_acquire_owned() {
        Ok(p) => p,
        Err(_) => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, None, "server busy; retry later");
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
    };
    let opts = EngineOptions { rate: speed, ..EngineOptions::default() };
    let engine = Engine::with_g2p(&voice, &opts, crate::g2p::G2p::builtin());
    let rate = engine.sample_rate();
    let (tx, mut rx) = mpsc::channel::<Bytes>(4);
    let start = Instant::now();
    let st2 = st.clone();
    st.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let text = req.input;
    let worker = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let doc = crate::text::parse(&text);
        let units = units_from_document(&doc);
        let mut sink = ChannelSink { tx, state: st2.clone() };
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| engine.render(&units, &mut sink).map(|_| ())));
        st2.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        match r {
            Ok(r) => r,
            Err(_) => Err(crate::Error::Other("synthesis panicked".into())),
        }
    });
    // Wait for the first audio (or the end) within the deadline.
    let first = match tokio::time::timeout(st.cfg.deadline, rx.recv()).await {
        Err(_) => {
            drop(rx);
            return error(StatusCode::GATEWAY_TIMEOUT, None, "synthesis deadline exceeded");
        }
        Ok(None) => {
            return match worker.await {
                Ok(Ok(())) => error(StatusCode::BAD_REQUEST, Some("input"), "input has nothing to speak"),
                _ => error(StatusCode::INTERNAL_SERVER_ERROR, None, "synthesis failed"),
            };
        }
        Ok(Some(b)) => b,
    };
    {
        let t = start.elapsed().as_secs_f64();
        let mut h = st.metrics.ttfb.lock().unwrap_or_else(|e| e.into_inner());
        for (i, b) in BUCKETS.iter().enumerate() {
            if t <= *b {
                h.0[i] += 1;
            }
        }
        h.1 += 1;
        h.2 += t;
    }
    let mut head = if format == "wav" { crate::render::wav::streaming_header(rate).to_vec() } else { Vec::new() };
    head.extend_from_slice(&first);
    let stream = futures_util::stream::unfold((Some(Bytes::from(head)), rx), |(head, mut rx)| async move {
        if let Some(h) = head {
            return Some((Ok::<Bytes, std::io::Error>(h), (None, rx)));
        }
        rx.recv().await.map(|b| (Ok(b), (None, rx)))
    });
    let ctype = if format == "wav" { "audio/wav" } else { "audio/pcm" };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
            (header::HeaderName::from_static("x-sample-rate"), HeaderValue::from(rate)),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

async fn voices() -> Response {
    let list: Vec<_> = Voice::builtin_names()
        .iter()
        .enumerate()
        .map(|(i, n)| serde_json::json!({"name": n, "language": "hi", "default": i == 0}))
        .collect();
    axum::Json(serde_json::json!({ "voices": list })).into_response()
}

async fn metrics(State(st): State<Shared>) -> Response {
    use std::fmt::Write;
    let m = &st.metrics;
    let mut s = String::new();
    let _ = writeln!(s, "# TYPE samachar_requests_total counter");
    for (code, n) in m.by_status.lock().unwrap_or_else(|e| e.into_inner()).iter() {
        let _ = writeln!(s, "samachar_requests_total{{status=\"{code}\"}} {n}");
    }
    let _ = writeln!(s, "# TYPE samachar_audio_seconds_total counter");
    let _ = writeln!(s, "samachar_audio_seconds_total {}", m.audio_samples.load(Ordering::Relaxed) as f64 / 22050.0);
    let _ = writeln!(s, "# TYPE samachar_syntheses_in_flight gauge");
    let _ = writeln!(s, "samachar_syntheses_in_flight {}", m.in_flight.load(Ordering::Relaxed));
    let _ = writeln!(s, "# TYPE samachar_time_to_first_byte_seconds histogram");
    let h = m.ttfb.lock().unwrap_or_else(|e| e.into_inner());
    for (i, b) in BUCKETS.iter().enumerate() {
        let _ = writeln!(s, "samachar_time_to_first_byte_seconds_bucket{{le=\"{b}\"}} {}", h.0[i]);
    }
    let _ = writeln!(s, "samachar_time_to_first_byte_seconds_bucket{{le=\"+Inf\"}} {}", h.1);
    let _ = writeln!(s, "samachar_time_to_first_byte_seconds_sum {}", h.2);
    let _ = writeln!(s, "samachar_time_to_first_byte_seconds_count {}", h.1);
    ([(header::CONTENT_TYPE, "text/plain; version=0.0.4")], s).into_response()
}

async fn readyz(State(st): State<Shared>) -> Response {
    if st.shutting_down.load(Ordering::Relaxed) {
        (StatusCode::SERVICE_UNAVAILABLE, "shutting down\n").into_response()
    } else {
        "ready\n".into_response()
    }
}

/// Compares two byte strings in time independent of where they differ.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u8 | ((a.len() ^ b.len()) >> 8) as u8;
    for i in 0..a.len().max(b.len()) {
        diff |= a.get(i).copied().unwrap_or(0) ^ b.get(i).copied().unwrap_or(0xff);
    }
    diff == 0
}

/// Counts responses by status and checks the bearer token.
async fn guard(State(st): State<Shared>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let open = path == "/healthz" || path == "/readyz";
    let resp = match (&st.cfg.token, open) {
        (Some(token), false) => {
            let given = req
                .headers()
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "));
            if given.is_some_and(|g| constant_time_eq(g.as_bytes(), token.as_bytes())) {
                next.run(req).await
            } else {
                let mut r = error(StatusCode::UNAUTHORIZED, None, "missing or wrong bearer token");
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
                r
            }
        }
        _ => next.run(req).await,
    };
    *st.metrics.by_status.lock().unwrap_or_else(|e| e.into_inner()).entry(resp.status().as_u16()).or_default() += 1;
    resp
}

/// Builds the router (exposed for tests).
fn router(st: Shared) -> Router {
    let limit = st.cfg.max_body;
    Router::new()
        .route("/v1/audio/speech", post(speech))
        .route("/v1/voices", get(voices))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .layer(middleware::from_fn_with_state(st.clone(), guard))
        .layer(DefaultBodyLimit::max(limit))
        .with_state(st)
}

/// Runs the server until SIGTERM or Ctrl-C; then stops accepting, lets in-flight requests
/// finish for up to the grace period, and returns.
pub fn run(cfg: Config) -> crate::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| crate::Error::Other(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        let listener = tokio::net::TcpListener::bind(cfg.bind)
            .await
            .map_err(|e| crate::Error::Other(format!("cannot listen on {}: {e}", cfg.bind)))?;
        let addr = listener.local_addr().map_err(|e| crate::Error::Other(e.to_string()))?;
        eprintln!("samachar: listening on http://{addr}");
        let grace = cfg.grace;
        let st = Arc::new(AppState {
            permits: Arc::new(Semaphore::new(cfg.max_concurrent.max(1))),
            cfg,
            metrics: Metrics::default(),
            shutting_down: false.into(),
        });
        let st2 = st.clone();
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let shutdown = async move {
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
            }
            st2.shutting_down.store(true, Ordering::Relaxed);
            eprintln!("samachar: stopping; finishing in-flight requests (grace {} s)", grace.as_secs());
            let _ = stop_tx.send(true);
        };
        let server = axum::serve(listener, router(st)).with_graceful_shutdown(shutdown);
        let mut stop_rx2 = stop_rx.clone();
        tokio::select! {
            r = server => r.map_err(|e| crate::Error::Other(format!("server: {e}")))?,
            _ = async { let _ = stop_rx2.wait_for(|s| *s).await; tokio::time::sleep(grace).await } => {
                eprintln!("samachar: grace period over; dropping remaining requests");
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn constant_time_eq_compares() {
        assert!(constant_time_eq(b"secret", b"secret"));
        assert!(!constant_time_eq(b"secret", b"secreT"));
        assert!(!constant_time_eq(b"secret", b"secret1"));
        assert!(!constant_time_eq(b"", b"x"));
    }
}
