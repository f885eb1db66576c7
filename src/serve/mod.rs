//! `samachar serve`: an HTTP speech API on axum/hyper + tokio.
//!
//! Routes: `POST /v1/audio/speech` (OpenAI-compatible JSON; the audio streams chunked as
//! sentences are rendered), `GET /v1/voices`, `GET /healthz`, `GET /readyz`, `GET /metrics`,
//! and with `--data-dir` the bulletin jobs of [`bulletins`] (`/v1/bulletins…`).
//!
//! Synthesis never runs on the async workers: each request renders on a blocking thread
//! (`spawn_blocking`) that drives the rayon pool through [`Engine::render`]; the encoded bytes
//! of each sentence cross to the response over a bounded channel. When the client goes away the
//! channel closes, the sink fails, and the renderer stops (its queued sentences are skipped).
//! A synthesis that fails after the first bytes aborts the connection (no final chunk), so a
//! client never takes a cut-off body for a complete one.
//!
//! The audio is exactly what `samachar speak` writes for the same text, voice, speed and
//! sample rate (22050 Hz): same 16-bit samples, through [`crate::encode::stream`]. A streamed
//! `wav` cannot know its length when the header is sent, so its RIFF size and `data` size
//! fields carry 0xFFFFFFFF ("unknown", as streaming WAV readers expect); `pcm` is the bare
//! samples, 16-bit little-endian mono; `mp3` is an ID3v2.4 tag then MP3 frames (the bytes of
//! `speak -o - --format mp3`); `opus` is Ogg Opus, one page per sentence or pause (the
//! bytes of `speak -o - --format opus`); `flac` is streamed too, with a STREAMINFO that
//! says "length unknown" (see [`crate::encode::flac::FlacStream`]). The input is SSML when `input_format` is `ssml`, or when it is
//! absent and the input starts with `<speak`.
//!
//! Limits (defaults in [`Config`]): request body 64 KiB (413), input 5000 characters (413),
//! malformed JSON or a bad field (400, JSON body naming the field), malformed SSML (400 naming
//! line and column), unknown voice or format (400). At most `max_concurrent` syntheses run at
//! once and at most `queue` requests wait for a slot ([`admission`]); beyond that, 429 with
//! `Retry-After: 1`. No first audio within the deadline of the request's arrival, queue wait
//! included: 504. Slow clients:
//! a request's headers and its body must each arrive within `read_timeout` (an idle
//! keep-alive connection is closed after it too; a late body gets 408), and a response write
//! that makes no progress for `write_timeout` closes the connection, which stops its
//! synthesis. A panic while rendering fails only that request.
//!
//! `GET /` is a small listening page ([`page`]); `--wyoming` adds the Wyoming protocol on its
//! own port ([`wyoming`]), sharing the limits and synthesis slots.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::{DefaultBodyLimit, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use tokio::sync::{mpsc, Semaphore};

mod admission;
#[cfg(test)]
mod fault_tests;
mod histogram;
mod observe;

use crate::encode::stream::{AudioStream, StreamFormat};
use crate::render::{into_units, Engine, EngineOptions, Sink, Unit};
use crate::synth::Voice;

pub mod bulletins;
mod files;
pub mod page;
pub mod wyoming;

/// Server settings (the command line's `samachar serve` options).
#[derive(Debug, Clone)]
pub struct Config {
    /// Address to listen on (default 127.0.0.1:5500).
    pub bind: SocketAddr,
    /// Most syntheses at once (default 4); more wait in the queue.
    pub max_concurrent: usize,
    /// Most requests waiting for a synthesis slot (default 8); more get 429.
    pub queue: usize,
    /// Most input characters (default 5000).
    pub max_chars: usize,
    /// Most request body bytes (default 65536).
    pub max_body: usize,
    /// Time allowed from a request's arrival (queue wait included) until its first audio
    /// bytes (default 30 s), else 504.
    pub deadline: Duration,
    /// Bearer token required on every route but /healthz, /readyz and the page /.
    pub token: Option<String>,
    /// Grace period for in-flight requests after SIGTERM (default 10 s).
    pub grace: Duration,
    /// Time allowed for a request's headers, and again for its body (default 10 s); also how
    /// long an idle keep-alive connection stays open.
    pub read_timeout: Duration,
    /// Longest a response write may make no progress (a client that stopped reading) before
    /// the connection is closed (default 30 s).
    pub write_timeout: Duration,
    /// Bulletin jobs (`--data-dir` and its limits).
    pub bulletins: bulletins::Settings,
    /// Address of the Wyoming protocol listener (`--wyoming tcp://HOST:PORT`); `None`: off.
    pub wyoming: Option<SocketAddr>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            bind: ([127, 0, 0, 1], 5500).into(),
            max_concurrent: 4,
            queue: 8,
            max_chars: 5000,
            max_body: 65536,
            deadline: Duration::from_secs(30),
            token: None,
            grace: Duration::from_secs(10),
            read_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(30),
            bulletins: bulletins::Settings::default(),
            wyoming: None,
        }
    }
}

#[derive(Default)]
struct Metrics {
    by_status: Mutex<std::collections::BTreeMap<u16, u64>>,
    audio_samples: AtomicU64,
    in_flight: AtomicU64,
    ttfb: histogram::Histogram,
    requests: observe::RequestTimes,
}

struct AppState {
    cfg: Config,
    permits: Arc<Semaphore>,
    queue: admission::Queue,
    metrics: Metrics,
    shutting_down: std::sync::atomic::AtomicBool,
    /// The bulletin jobs, with `--data-dir`.
    bulletins: Option<Arc<bulletins::Store>>,
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
    /// `text` or `ssml` (default: SSML when the input starts with `<speak`).
    #[serde(default)]
    input_format: Option<String>,
}

/// A writer whose bytes go to the response as one chunk each time it is flushed (the
/// stream flushes after every sentence and pause).
struct ChannelWriter {
    tx: mpsc::Sender<Bytes>,
    buf: Vec<u8>,
}

impl std::io::Write for ChannelWriter {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.buf.extend_from_slice(b);
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::take(&mut self.buf));
        self.tx
            .blocking_send(chunk)
            .map_err(|_| std::io::Error::new(std::io::ErrorKind::BrokenPipe, "client disconnected"))
    }
}

/// Encodes rendered audio into the response channel and counts it.
struct ChannelSink {
    stream: AudioStream<ChannelWriter>,
    state: Shared,
    /// Test builds only: panic when this unit is written (see [`fault_tests`]).
    #[cfg(test)]
    panic_at: Option<usize>,
}

impl Sink for ChannelSink {
    fn unit(&mut self, i: usize, u: &Unit, start: u64, samples: &[f32]) -> crate::Result<()> {
        #[cfg(test)]
        if self.panic_at == Some(i) {
            panic!("injected test panic at unit {i}");
        }
        self.state.metrics.audio_samples.fetch_add(samples.len() as u64, Ordering::Relaxed);
        self.stream.unit(i, u, start, samples)
    }
    fn silence(&mut self, start: u64, len: u64) -> crate::Result<()> {
        self.state.metrics.audio_samples.fetch_add(len, Ordering::Relaxed);
        self.stream.silence(start, len)
    }
}

/// Returns the first field of a JSON object body that [`SpeechRequest`] knows but whose value
/// has the wrong type: serde's message for a type error does not name the field.
fn mistyped_field(body: &[u8]) -> Option<String> {
    let v = serde_json::from_slice::<serde_json::Value>(body).ok()?;
    let wrong = |k: &str, v: &serde_json::Value| match k {
        "input" => !v.is_string(),
        "speed" => !(v.is_number() || v.is_null()),
        "model" | "voice" | "response_format" | "input_format" => !(v.is_string() || v.is_null()),
        // Unknown fields are named by serde's own message.
        _ => false,
    };
    v.as_object()?.iter().find(|(k, v)| wrong(k, v)).map(|(k, _)| k.clone())
}

async fn speech(State(st): State<Shared>, body: Bytes) -> Response {
    let start = Instant::now();
    let req: SpeechRequest = match serde_json::from_slice(&body) {
        Ok(r) => r,
        Err(e) => {
            let msg = e.to_string();
            // serde names the field in "missing field `x`", "unknown field `x`" and "duplicate field `x`".
            let field = if msg.contains(" field `") {
                msg.split('`').nth(1).map(str::to_string)
            } else {
                mistyped_field(&body)
            };
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
    let format = match req.response_format.as_deref().unwrap_or("wav") {
        "wav" => StreamFormat::Wav,
        "pcm" => StreamFormat::Pcm,
        "mp3" => StreamFormat::Mp3,
        "opus" => StreamFormat::Opus,
        "flac" => StreamFormat::Flac,
        "aac" => {
            return error(
                StatusCode::BAD_REQUEST,
                Some("response_format"),
                "response_format 'aac' is not available (use wav, mp3, opus, flac or pcm)",
            )
        }
        f => {
            return error(
                StatusCode::BAD_REQUEST,
                Some("response_format"),
                format!("unknown response_format '{f}' (use wav, mp3, opus, flac or pcm)"),
            )
        }
    };
    let ssml = match req.input_format.as_deref() {
        None => crate::ssml::looks_like_ssml(&req.input),
        Some("ssml") => true,
        Some("text") => false,
        Some(f) => {
            return error(
                StatusCode::BAD_REQUEST,
                Some("input_format"),
                format!("unknown input_format '{f}' (use text or ssml)"),
            )
        }
    };
    // SSML is parsed here, so that malformed markup is a 400 before any audio; it is small
    // (the body limit bounds it) and the parser is linear.
    let doc = if ssml {
        match crate::ssml::parse(&req.input, "input") {
            Ok(p) => Some(p.document),
            Err(e) => return error(StatusCode::BAD_REQUEST, Some("input"), format!("malformed SSML: {e}")),
        }
    } else {
        None
    };
    let voice_name = req.voice.clone().unwrap_or_else(|| Voice::builtin_names()[0].to_string());
    let speed = req.speed.unwrap_or(1.0);
    if !(0.25..=4.0).contains(&speed) {
        return error(StatusCode::BAD_REQUEST, Some("speed"), format!("speed {speed} is out of range (0.25 to 4)"));
    }
    // Built-in names and installed kokoro:NAME only: a voice given as a file path would let
    // clients read server files.
    let opts = EngineOptions { rate: speed, ..EngineOptions::default() };
    // Opening reads files (a Kokoro model loads once): off the async workers.
    let name = voice_name.clone();
    let opened = tokio::task::spawn_blocking(move || crate::backend::open_service(&name, &opts)).await;
    let backend = match opened.unwrap_or_else(|e| Err(crate::backend::ServiceVoiceError::Unavailable(e.to_string()))) {
        Ok(b) => b,
        Err(crate::backend::ServiceVoiceError::Unknown) => {
            return error(
                StatusCode::BAD_REQUEST,
                Some("voice"),
                format!("unknown voice '{voice_name}' (see GET /v1/voices)"),
            )
        }
        Err(crate::backend::ServiceVoiceError::Unavailable(e)) => {
            eprintln!("samachar: voice {voice_name}: {}", crate::error::escape_controls(&e));
            return error(
                StatusCode::INTERNAL_SERVER_ERROR,
                Some("voice"),
                format!("voice '{voice_name}' failed to load"),
            );
        }
    };
    let permit = match st.queue.admit(&st.permits, start + st.cfg.deadline).await {
        Ok(p) => p,
        Err(admission::Refused::Full) => {
            let mut r = error(StatusCode::TOO_MANY_REQUESTS, None, "server busy (queue full); retry later");
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return r;
        }
        Err(admission::Refused::Deadline) => {
            return error(StatusCode::GATEWAY_TIMEOUT, None, "synthesis deadline exceeded while queued");
        }
    };
    let engine = Engine::with_backend(crate::g2p::G2p::builtin(), backend, speed);
    let rate = engine.sample_rate();
    let (tx, mut rx) = mpsc::channel::<Bytes>(4);
    let st2 = st.clone();
    st.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
    let text = req.input;
    #[cfg(test)]
    let panic_at = fault_tests::panic_at(&text);
    let worker = tokio::task::spawn_blocking(move || {
        let _permit = permit;
        let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            let doc = doc.unwrap_or_else(|| crate::text::parse(&text));
            let units = into_units(doc);
            let out = ChannelWriter { tx, buf: Vec::new() };
            let tags = crate::encode::Tags { language: "hin".into(), ..Default::default() };
            let stream = AudioStream::new(format, out, std::path::Path::new("<response>"), rate, &tags)?;
            let mut sink = ChannelSink {
                stream,
                state: st2.clone(),
                #[cfg(test)]
                panic_at,
            };
            engine.render(&units, &mut sink)?;
            sink.stream.finish().map(|_| ())
        }));
        st2.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
        match r {
            Ok(r) => r,
            Err(_) => Err(crate::Error::Other("synthesis panicked".into())),
        }
    });
    // Wait for the first audio (or the end) within the deadline.
    let first = match tokio::time::timeout_at((start + st.cfg.deadline).into(), rx.recv()).await {
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
    st.metrics.ttfb.observe(start.elapsed().as_secs_f64());
    // After the last chunk, the worker's result decides how the body ends: cleanly, or (a
    // synthesis that failed midway) with an error that makes hyper abort the connection.
    let stream = futures_util::stream::unfold((Some(first), rx, Some(worker)), |(head, mut rx, worker)| async move {
        if let Some(h) = head {
            return Some((Ok::<Bytes, std::io::Error>(h), (None, rx, worker)));
        }
        match rx.recv().await {
            Some(b) => Some((Ok(b), (None, rx, worker))),
            None => match worker?.await {
                Ok(Ok(())) => None,
                _ => Some((Err(std::io::Error::other("synthesis failed midway")), (None, rx, None))),
            },
        }
    });
    let (ctype, out_rate) = match format {
        StreamFormat::Wav => ("audio/wav", rate),
        StreamFormat::Pcm => ("audio/pcm", rate),
        StreamFormat::Mp3 => ("audio/mpeg", crate::encode::mp3::RATE),
        // Opus decodes at 48 kHz whatever rate it was fed (RFC 7845 §5.1).
        StreamFormat::Opus => ("audio/ogg; codecs=opus", crate::encode::opus::GRANULE_RATE),
        StreamFormat::Flac => ("audio/flac", rate),
    };
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, HeaderValue::from_static(ctype)),
            (header::HeaderName::from_static("x-sample-rate"), HeaderValue::from(out_rate)),
        ],
        Body::from_stream(stream),
    )
        .into_response()
}

async fn voices() -> Response {
    let list: Vec<_> = crate::backend::service_voices()
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
    let _ = writeln!(s, "# TYPE samachar_queue_depth gauge");
    let _ = writeln!(s, "samachar_queue_depth {}", st.queue.depth());
    let _ = writeln!(s, "# TYPE samachar_queue_capacity gauge");
    let _ = writeln!(s, "samachar_queue_capacity {}", st.cfg.queue);
    let _ = writeln!(s, "# TYPE samachar_synthesis_slots gauge");
    let _ = writeln!(s, "samachar_synthesis_slots {}", st.cfg.max_concurrent.max(1));
    let _ = writeln!(s, "# HELP samachar_time_to_first_byte_seconds Time from a speech request's arrival (queue wait included) to its first audio.");
    let _ = writeln!(s, "# TYPE samachar_time_to_first_byte_seconds histogram");
    m.ttfb.write(&mut s, "samachar_time_to_first_byte_seconds", "");
    m.requests.write(&mut s);
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
    let start = Instant::now();
    let route = observe::RequestTimes::route(&req);
    let path = req.uri().path().to_string();
    // The page holds no secrets; it sends the token the user types with its own requests.
    let open = path == "/healthz" || path == "/readyz" || path == "/";
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
    st.metrics.requests.time(resp, route, start)
}

/// Reads the whole request body within the read timeout and the size limit before any
/// handler runs, so that a client trickling its body (slowloris) holds its connection for
/// `read_timeout` at most: 408, and the connection is closed.
async fn read_body(State(st): State<Shared>, req: Request, next: Next) -> Response {
    use futures_util::StreamExt;
    let close = |mut r: Response| {
        r.headers_mut().insert(header::CONNECTION, HeaderValue::from_static("close"));
        r
    };
    let limit = if req.uri().path() == bulletins::SUBMIT_PATH { st.cfg.bulletins.max_body } else { st.cfg.max_body };
    let too_large = || close(error(StatusCode::PAYLOAD_TOO_LARGE, None, format!("request body over {limit} bytes")));
    let declared = req.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > limit as u64) {
        return too_large();
    }
    let (parts, body) = req.into_parts();
    let read = async {
        let mut data = body.into_data_stream();
        let mut buf = Vec::new();
        while let Some(chunk) = data.next().await {
            let chunk = chunk.map_err(|_| StatusCode::BAD_REQUEST)?;
            if buf.len() + chunk.len() > limit {
                return Err(StatusCode::PAYLOAD_TOO_LARGE);
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf)
    };
    match tokio::time::timeout(st.cfg.read_timeout, read).await {
        Err(_) => close(error(
            StatusCode::REQUEST_TIMEOUT,
            None,
            format!("request body not received within {} s", st.cfg.read_timeout.as_secs_f64()),
        )),
        Ok(Err(StatusCode::PAYLOAD_TOO_LARGE)) => too_large(),
        Ok(Err(code)) => close(error(code, None, "cannot read the request body")),
        Ok(Ok(buf)) => next.run(Request::from_parts(parts, Body::from(buf))).await,
    }
}

/// Builds the router (exposed for tests).
fn router(st: Shared) -> Router {
    let limit = st.cfg.max_body;
    Router::new()
        .route("/", get(page::index))
        .route("/v1/audio/speech", post(speech))
        .route("/v1/voices", get(voices))
        .route("/healthz", get(|| async { "ok\n" }))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
        .route(bulletins::SUBMIT_PATH, post(bulletins::submit))
        .route("/v1/bulletins/{id}", get(bulletins::status).delete(bulletins::delete))
        .route("/v1/bulletins/{id}/files/{format}/{name}", get(bulletins::file))
        .layer(middleware::from_fn(observe::catch_panic))
        .layer(DefaultBodyLimit::max(limit))
        .layer(middleware::from_fn_with_state(st.clone(), read_body))
        .layer(middleware::from_fn_with_state(st.clone(), guard))
        .with_state(st)
}

/// A TCP connection whose writes fail with `TimedOut` once one has made no progress for the
/// write timeout (the client stopped reading and the socket buffers are full). hyper then
/// drops the connection, which drops the response body and so stops its synthesis.
struct TimedWrites {
    tcp: tokio::net::TcpStream,
    timeout: Duration,
    stalled: Option<Pin<Box<tokio::time::Sleep>>>,
}

impl TimedWrites {
    /// Passes a write-side poll through; a `Pending` starts (or keeps) the stall clock, any
    /// progress stops it.
    fn guard<T>(&mut self, cx: &mut Context<'_>, r: Poll<std::io::Result<T>>) -> Poll<std::io::Result<T>> {
        match r {
            Poll::Pending => {
                let t = self.timeout;
                let sleep = self.stalled.get_or_insert_with(|| Box::pin(tokio::time::sleep(t)));
                match std::future::Future::poll(sleep.as_mut(), cx) {
                    Poll::Ready(()) => Poll::Ready(Err(std::io::Error::new(
                        std::io::ErrorKind::TimedOut,
                        "client stopped reading the response",
                    ))),
                    Poll::Pending => Poll::Pending,
                }
            }
            ready => {
                self.stalled = None;
                ready
            }
        }
    }
}

impl tokio::io::AsyncRead for TimedWrites {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut tokio::io::ReadBuf<'_>,
    ) -> Poll<std::io::Result<()>> {
        Pin::new(&mut self.tcp).poll_read(cx, buf)
    }
}

impl tokio::io::AsyncWrite for TimedWrites {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.tcp).poll_write(cx, buf);
        self.guard(cx, r)
    }
    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[std::io::IoSlice<'_>],
    ) -> Poll<std::io::Result<usize>> {
        let r = Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs);
        self.guard(cx, r)
    }
    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let r = Pin::new(&mut self.tcp).poll_flush(cx);
        self.guard(cx, r)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        let r = Pin::new(&mut self.tcp).poll_shutdown(cx);
        self.guard(cx, r)
    }
}

/// Runs the server until SIGTERM or Ctrl-C; then stops accepting, lets in-flight requests
/// finish for up to the grace period, and returns.
///
/// The accept loop is our own (not `axum::serve`) so that every connection gets hyper's
/// header read timeout and the write timeout of [`TimedWrites`].
pub fn run(cfg: Config) -> crate::Result<()> {
    use hyper_util::rt::{TokioIo, TokioTimer};
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| crate::Error::Other(format!("cannot start the runtime: {e}")))?;
    rt.block_on(async move {
        // Jobs left queued or running by the last run are queued again before serving.
        let bulletins = bulletins::Store::open(&cfg.bulletins)?;
        let listener = tokio::net::TcpListener::bind(cfg.bind)
            .await
            .map_err(|e| crate::Error::Other(format!("cannot listen on {}: {e}", cfg.bind)))?;
        let addr = listener.local_addr().map_err(|e| crate::Error::Other(e.to_string()))?;
        eprintln!("samachar: listening on http://{addr}");
        let wyoming_listener = match cfg.wyoming {
            Some(w) => {
                let l = tokio::net::TcpListener::bind(w)
                    .await
                    .map_err(|e| crate::Error::Other(format!("cannot listen on tcp://{w}: {e}")))?;
                let a = l.local_addr().map_err(|e| crate::Error::Other(e.to_string()))?;
                eprintln!("samachar: wyoming on tcp://{a}");
                Some(l)
            }
            None => None,
        };
        let (grace, write_timeout) = (cfg.grace, cfg.write_timeout);
        let mut http = hyper::server::conn::http1::Builder::new();
        // The header timeout runs whenever hyper waits for a request head: a half-sent
        // request, and an idle keep-alive connection, are closed after it.
        http.timer(TokioTimer::new()).header_read_timeout(cfg.read_timeout);
        let st = Arc::new(AppState {
            bulletins,
            permits: Arc::new(Semaphore::new(cfg.max_concurrent.max(1))),
            queue: admission::Queue::new(cfg.queue),
            cfg,
            metrics: Metrics::default(),
            shutting_down: false.into(),
        });
        let app = router(st.clone());
        let (stop_tx, stop_rx) = tokio::sync::watch::channel(false);
        let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        let signal = async {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = async { match term.as_mut() { Some(t) => { t.recv().await; } None => std::future::pending::<()>().await } } => {}
            }
        };
        tokio::pin!(signal);
        let mut conns = tokio::task::JoinSet::new();
        if let Some(l) = wyoming_listener {
            conns.spawn(wyoming::serve(l, st.clone(), stop_rx.clone()));
        }
        loop {
            tokio::select! {
                _ = &mut signal => break,
                Some(_) = conns.join_next(), if !conns.is_empty() => {}
                accepted = listener.accept() => {
                    let tcp = match accepted {
                        Ok((tcp, _)) => tcp,
                        // Out of file descriptors and the like: back off instead of spinning.
                        Err(_) => { tokio::time::sleep(Duration::from_millis(50)).await; continue; }
                    };
                    let _ = tcp.set_nodelay(true);
                    let io = TokioIo::new(TimedWrites { tcp, timeout: write_timeout, stalled: None });
                    let svc = hyper_util::service::TowerToHyperService::new(app.clone());
                    let conn = http.serve_connection(io, svc);
                    let mut stop = stop_rx.clone();
                    conns.spawn(async move {
                        tokio::pin!(conn);
                        tokio::select! {
                            _ = conn.as_mut() => {}
                            _ = async { let _ = stop.wait_for(|s| *s).await; } => {
                                // Finish the request in flight, then close.
                                conn.as_mut().graceful_shutdown();
                                let _ = conn.await;
                            }
                        }
                    });
                }
            }
        }
        drop(listener);
        st.shutting_down.store(true, Ordering::Relaxed);
        eprintln!("samachar: stopping; finishing in-flight requests (grace {} s)", grace.as_secs());
        let _ = stop_tx.send(true);
        let drained = tokio::time::timeout(grace, async { while conns.join_next().await.is_some() {} }).await;
        if drained.is_err() {
            eprintln!("samachar: grace period over; dropping remaining requests");
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
