//! The Wyoming protocol (Home Assistant's voice-service protocol) for `samachar serve
//! --wyoming tcp://HOST:PORT`, beside the HTTP API in the same process.
//!
//! Framing, from the protocol's specification (github.com/rhasspy/wyoming, README "Format"):
//! an event is one JSON object on a line ending in `\n` (`type`, optional `data`,
//! `data_length`, `payload_length`), then `data_length` bytes of JSON merged over `data`,
//! then `payload_length` bytes of payload. Events handled here:
//!
//! - `describe` → `info`: one TTS program (`supports_synthesize_streaming: true`) whose voices
//!   are the built-in voices, language `hi`.
//! - `synthesize {text, voice: {name}}` → `audio-start {rate, width, channels}`,
//!   `audio-chunk`s (16-bit little-endian mono PCM payload, [`CHUNK_SAMPLES`] samples at
//!   most), `audio-stop`. The samples are those `samachar speak` writes for the text.
//! - `synthesize-start {voice}`, `synthesize-chunk {text}` …, `synthesize-stop`: each
//!   sentence is spoken as soon as it is complete in the text received so far (see
//!   [`take_sentence`]), as its own `audio-start`/`audio-chunk`/`audio-stop`; the rest is
//!   spoken at `synthesize-stop`, then `synthesize-stopped`. A `synthesize` inside such a
//!   stream is the client's copy of the whole text for servers without streaming, and is
//!   ignored. Each sentence's samples are those `samachar speak` writes for that sentence.
//! - `ping` → `pong`.
//!
//! Problems are answered with an `error` event `{text, code}`. A request that cannot be
//! served (unknown voice, too many characters, server busy, deadline) leaves the
//! connection open; a malformed event (not a JSON object with a string `type`, a header
//! over the size limit, a `data_length` or `payload_length` over it, data that is not a
//! JSON object, an event not complete within the read timeout) is answered and the
//! connection closed, since the framing can no longer be trusted.
//!
//! The limits are the HTTP API's: `--max-chars` per `synthesize` or per streamed
//! `synthesize-start`…`stop`; `--max-concurrent` syntheses in total and `--queue` waiting
//! ([`super::admission`]: HTTP and Wyoming share the slots and the queue; a synthesis that
//! finds the queue full is an `error` with code `busy`); `--deadline` from the request to its
//! first audio, queue wait included (else `timeout`); `--write-timeout` per write. Synthesis runs on a blocking thread and the
//! rayon pool, as for HTTP.

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::time::Duration;

use serde_json::{json, Map, Value};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};

use super::{ChannelSink, ChannelWriter, Shared};
use crate::encode::stream::{AudioStream, StreamFormat};
use crate::render::{into_units, Engine, EngineOptions};
use crate::synth::Voice;

/// Most samples in one `audio-chunk` (46 ms at 22050 Hz).
pub const CHUNK_SAMPLES: usize = 1024;
/// An idle connection (no event begun) is closed after this long.
pub const IDLE_TIMEOUT: Duration = Duration::from_secs(300);

/// Parses a `--wyoming` address: `tcp://HOST:PORT` (HOST an IP address).
pub fn parse_uri(uri: &str) -> Result<SocketAddr, String> {
    let rest = uri.strip_prefix("tcp://").ok_or_else(|| format!("'{uri}': expected tcp://HOST:PORT"))?;
    rest.parse().map_err(|_| format!("'{uri}': expected tcp://HOST:PORT with HOST an IP address"))
}

/// Serves Wyoming connections from `listener` until `stop` turns true; then stops
/// accepting and waits for the open connections, each of which finishes the event it is
/// answering and closes.
pub(super) async fn serve(listener: TcpListener, st: Shared, mut stop: watch::Receiver<bool>) {
    let mut conns = tokio::task::JoinSet::new();
    let for_conns = stop.clone();
    loop {
        tokio::select! {
            _ = async { let _ = stop.wait_for(|s| *s).await; } => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((tcp, _)) => {
                    let _ = tcp.set_nodelay(true);
                    conns.spawn(connection(tcp, st.clone(), for_conns.clone()));
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            },
        }
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

/// An event as read: its type and its data (header `data` with the data section merged
/// over it). No event handled here takes a payload; one that comes is read and dropped.
#[derive(Debug, Default)]
struct Event {
    kind: String,
    data: Map<String, Value>,
}

/// Why reading an event failed.
enum ReadError {
    /// The connection ended between events.
    Eof,
    /// The framing is broken (or the connection failed): answer if possible, then close.
    Malformed { code: &'static str, text: String },
}

fn malformed(code: &'static str, text: impl Into<String>) -> ReadError {
    ReadError::Malformed { code, text: text.into() }
}

/// Reads one event; no part may exceed `max` bytes (header line, data, payload).
async fn read_event(rd: &mut BufReader<OwnedReadHalf>, max: usize) -> Result<Event, ReadError> {
    let io = |e: std::io::Error| malformed("io", e.to_string());
    let mut line = Vec::new();
    loop {
        let buf = rd.fill_buf().await.map_err(io)?;
        if buf.is_empty() {
            return Err(if line.is_empty() {
                ReadError::Eof
            } else {
                malformed("malformed-event", "connection closed inside an event header")
            });
        }
        let (take, done) = match buf.iter().position(|&b| b == b'\n') {
            Some(i) => (i, true),
            None => (buf.len(), false),
        };
        if line.len() + take > max {
            return Err(malformed("too-large", format!("event header longer than {max} bytes")));
        }
        line.extend_from_slice(&buf[..take]);
        rd.consume(take + done as usize);
        if done {
            break;
        }
    }
    let header: Value = serde_json::from_slice(&line)
        .map_err(|e| malformed("malformed-event", format!("event header is not JSON: {e}")))?;
    let Value::Object(mut header) = header else {
        return Err(malformed("malformed-event", "event header is not a JSON object"));
    };
    let kind = match header.remove("type") {
        Some(Value::String(s)) if !s.is_empty() => s,
        _ => return Err(malformed("malformed-event", "event header has no string \"type\"")),
    };
    let mut data = match header.remove("data") {
        None | Some(Value::Null) => Map::new(),
        Some(Value::Object(m)) => m,
        Some(_) => return Err(malformed("malformed-event", "event \"data\" is not a JSON object")),
    };
    let length = |name: &str| -> Result<usize, ReadError> {
        match header.get(name) {
            None | Some(Value::Null) => Ok(0),
            Some(v) => match v.as_u64() {
                Some(n) if n <= max as u64 => Ok(n as usize),
                Some(n) => Err(malformed("too-large", format!("{name} {n} is over the limit of {max} bytes"))),
                None => Err(malformed("malformed-event", format!("{name} is not a non-negative integer"))),
            },
        }
    };
    let (data_len, payload_len) = (length("data_length")?, length("payload_length")?);
    if data_len > 0 {
        let mut bytes = vec![0; data_len];
        rd.read_exact(&mut bytes).await.map_err(io)?;
        match serde_json::from_slice::<Value>(&bytes) {
            Ok(Value::Object(extra)) => data.extend(extra),
            _ => return Err(malformed("malformed-event", "event data section is not a JSON object")),
        }
    }
    let mut payload = vec![0; payload_len];
    rd.read_exact(&mut payload).await.map_err(io)?;
    Ok(Event { kind, data })
}

/// The write half of a connection, each write bounded by the write timeout.
struct Writer {
    wr: OwnedWriteHalf,
    timeout: Duration,
}

/// The client is gone or stopped reading: close the connection.
struct Closed;

impl Writer {
    /// Writes an event: header line, data section (when `data` is not empty), payload.
    async fn send(&mut self, kind: &str, data: Value, payload: &[u8]) -> Result<(), Closed> {
        let data = match data {
            Value::Object(m) if !m.is_empty() => Some(Value::Object(m).to_string()),
            _ => None,
        };
        let mut header = json!({ "type": kind });
        if let Some(d) = &data {
            header["data_length"] = d.len().into();
        }
        if !payload.is_empty() {
            header["payload_length"] = payload.len().into();
        }
        let mut out = header.to_string().into_bytes();
        out.push(b'\n');
        if let Some(d) = data {
            out.extend_from_slice(d.as_bytes());
        }
        out.extend_from_slice(payload);
        match tokio::time::timeout(self.timeout, self.wr.write_all(&out)).await {
            Ok(Ok(())) => Ok(()),
            _ => Err(Closed),
        }
    }

    async fn error(&mut self, code: &str, text: impl Into<String>) -> Result<(), Closed> {
        self.send("error", json!({ "text": text.into(), "code": code }), &[]).await
    }
}

/// A streamed synthesis between `synthesize-start` and `synthesize-stop`.
struct Stream {
    /// The voice, or `None` when the start named an unknown voice (already answered).
    voice: Option<Voice>,
    /// Text received and not yet spoken.
    pending: String,
    /// Characters received in this stream so far.
    chars: usize,
    /// Set once the stream went over `--max-chars` (already answered): nothing more is spoken.
    over: bool,
}

struct Conn {
    out: Writer,
    st: Shared,
    stream: Option<Stream>,
}

async fn connection(tcp: TcpStream, st: Shared, mut stop: watch::Receiver<bool>) {
    let (rd, wr) = tcp.into_split();
    let mut rd = BufReader::new(rd);
    let read_timeout = st.cfg.read_timeout;
    let max = st.cfg.max_body;
    let mut conn = Conn { out: Writer { wr, timeout: st.cfg.write_timeout }, st, stream: None };
    loop {
        // Wait for the next event to begin (or the end, or shutdown) …
        let begun = tokio::select! {
            _ = async { let _ = stop.wait_for(|s| *s).await; } => break,
            r = tokio::time::timeout(IDLE_TIMEOUT, rd.fill_buf()) => matches!(r, Ok(Ok(b)) if !b.is_empty()),
        };
        if !begun {
            break;
        }
        // … then it must arrive whole within the read timeout.
        let ev = match tokio::time::timeout(read_timeout, read_event(&mut rd, max)).await {
            Ok(Ok(ev)) => ev,
            Ok(Err(ReadError::Eof)) => break,
            Ok(Err(ReadError::Malformed { code, text })) => {
                let _ = conn.out.error(code, text).await;
                break;
            }
            Err(_) => {
                let secs = read_timeout.as_secs_f64();
                let _ = conn.out.error("timeout", format!("event not received within {secs} s")).await;
                break;
            }
        };
        if conn.handle(ev).await.is_err() {
            break;
        }
    }
    let _ = conn.out.wr.shutdown().await;
}

/// Returns the voice a `voice` object names (`name`; absent: the default voice), or `None`
/// for an unknown name.
fn voice_of(data: &Map<String, Value>) -> Result<Voice, String> {
    let name = data.get("voice").and_then(|v| v.get("name")).and_then(Value::as_str);
    let name = name.unwrap_or("default");
    Voice::builtin(name).map_err(|_| format!("unknown voice '{name}' (send describe for the list)"))
}

fn text_of(data: &Map<String, Value>) -> &str {
    data.get("text").and_then(Value::as_str).unwrap_or("")
}

/// Returns the `info` event's data: one TTS program with the built-in voices.
fn info() -> Value {
    let version = env!("CARGO_PKG_VERSION");
    let attribution = json!({ "name": "samachar", "url": "" });
    let voices: Vec<Value> = Voice::builtin_names()
        .into_iter()
        .map(|n| {
            let description = match Voice::builtin(n) {
                Ok(v) => format!("{n} — {}", v.description),
                Err(_) => n.to_string(),
            };
            json!({
                "name": n,
                "description": description,
                "attribution": attribution,
                "installed": true,
                "version": version,
                "languages": ["hi"],
            })
        })
        .collect();
    json!({
        "asr": [], "wake": [], "handle": [], "intent": [],
        "tts": [{
            "name": "samachar",
            "description": "samachar: offline Hindi text to speech",
            "attribution": attribution,
            "installed": true,
            "version": version,
            "voices": voices,
            "supports_synthesize_streaming": true,
        }],
    })
}

/// Sentence-final marks: danda, double danda, question mark, exclamation mark, full stop.
const FINAL: &[char] = &['।', '॥', '?', '!', '.'];
/// Closing marks that may follow a sentence-final mark before the space.
const CLOSING: &[char] = &['"', '\'', '”', '’', ')', ']', '»'];

/// Removes and returns the first complete sentence of `pending`: text up to a
/// sentence-final mark (। ॥ ? ! .), and any closing quotes or brackets after it, that a
/// space or line break follows; or text up to a line break. `None` while no sentence is
/// complete (the next characters might still continue it: "3.5", "?!").
pub fn take_sentence(pending: &mut String) -> Option<String> {
    let mut chars = pending.char_indices().peekable();
    let mut end = None;
    while let Some((i, c)) = chars.next() {
        if c == '\n' {
            end = Some(i);
            break;
        }
        if FINAL.contains(&c) {
            let mut j = i + c.len_utf8();
            while let Some(&(k, d)) = chars.peek() {
                if !CLOSING.contains(&d) {
                    break;
                }
                j = k + d.len_utf8();
                chars.next();
            }
            if chars.peek().is_some_and(|&(_, d)| d.is_whitespace()) {
                end = Some(j);
                break;
            }
        }
    }
    let end = end?;
    let sentence = pending[..end].to_string();
    let rest = pending[end..].trim_start().to_string();
    *pending = rest;
    Some(sentence)
}

impl Conn {
    async fn handle(&mut self, ev: Event) -> Result<(), Closed> {
        match ev.kind.as_str() {
            "describe" => self.out.send("info", info(), &[]).await,
            "ping" => {
                let data = match ev.data.get("text") {
                    Some(t) => json!({ "text": t }),
                    None => json!({}),
                };
                self.out.send("pong", data, &[]).await
            }
            // Inside a stream this is the client's copy of the whole text, for servers that
            // cannot stream: the stream speaks it already.
            "synthesize" if self.stream.is_some() => Ok(()),
            "synthesize" => {
                let text = text_of(&ev.data);
                let chars = text.chars().count();
                if chars > self.st.cfg.max_chars {
                    let max = self.st.cfg.max_chars;
                    return self
                        .out
                        .error("too-many-characters", format!("text has {chars} characters; the limit is {max}"))
                        .await;
                }
                if text.trim().is_empty() {
                    return self.out.error("empty-text", "text is empty").await;
                }
                let voice = match voice_of(&ev.data) {
                    Ok(v) => v,
                    Err(e) => return self.out.error("unknown-voice", e).await,
                };
                let text = text.to_string();
                match self.speak(&text, &voice).await? {
                    true => Ok(()),
                    false => self.out.error("empty-text", "text has nothing to speak").await,
                }
            }
            "synthesize-start" => {
                if self.stream.is_some() {
                    return self.out.error("unexpected-event", "synthesize-start inside a stream").await;
                }
                let voice = match voice_of(&ev.data) {
                    Ok(v) => Some(v),
                    Err(e) => {
                        self.out.error("unknown-voice", e).await?;
                        None
                    }
                };
                self.stream = Some(Stream { voice, pending: String::new(), chars: 0, over: false });
                Ok(())
            }
            "synthesize-chunk" => {
                let max = self.st.cfg.max_chars;
                let Some(s) = self.stream.as_mut() else {
                    return self.out.error("unexpected-event", "synthesize-chunk outside a stream").await;
                };
                let text = text_of(&ev.data);
                s.chars += text.chars().count();
                if s.over || s.voice.is_none() {
                    return Ok(());
                }
                if s.chars > max {
                    s.over = true;
                    s.pending.clear();
                    let msg = format!("stream has over {max} characters; the rest is not spoken");
                    return self.out.error("too-many-characters", msg).await;
                }
                s.pending.push_str(text);
                while let Some(sentence) = self.stream.as_mut().and_then(|s| take_sentence(&mut s.pending)) {
                    self.speak_in_stream(&sentence).await?;
                }
                Ok(())
            }
            "synthesize-stop" => {
                let Some(mut s) = self.stream.take() else {
                    return self.out.error("unexpected-event", "synthesize-stop outside a stream").await;
                };
                let rest = std::mem::take(&mut s.pending);
                let voice = s.voice.take();
                if let (Some(v), false) = (voice, s.over) {
                    if !rest.trim().is_empty() {
                        self.speak(&rest, &v).await?;
                    }
                }
                self.out.send("synthesize-stopped", json!({}), &[]).await
            }
            other => self.out.error("unsupported-event", format!("event type '{other}' is not handled here")).await,
        }
    }

    /// Speaks one completed sentence of the current stream.
    async fn speak_in_stream(&mut self, sentence: &str) -> Result<(), Closed> {
        let Some(voice) = self.stream.as_ref().and_then(|s| s.voice.clone()) else { return Ok(()) };
        if sentence.trim().is_empty() {
            return Ok(());
        }
        self.speak(sentence, &voice).await.map(|_| ())
    }

    /// Renders `text` with `voice` as `audio-start`, `audio-chunk`s, `audio-stop`. Returns
    /// whether there was anything to speak. Failures the client can act on (busy,
    /// deadline, synthesis error) are `error` events and `Ok`.
    async fn speak(&mut self, text: &str, voice: &Voice) -> Result<bool, Closed> {
        let st = self.st.clone();
        let start = std::time::Instant::now();
        let permit = match st.queue.admit(&st.permits, start + st.cfg.deadline).await {
            Ok(p) => p,
            Err(super::admission::Refused::Full) => {
                self.out.error("busy", "server busy (queue full); retry later").await?;
                return Ok(true);
            }
            Err(super::admission::Refused::Deadline) => {
                self.out.error("timeout", "synthesis deadline exceeded while queued").await?;
                return Ok(true);
            }
        };
        let engine = Engine::with_g2p(voice, &EngineOptions::default(), crate::g2p::G2p::builtin());
        let rate = engine.sample_rate();
        let (tx, mut rx) = mpsc::channel::<axum::body::Bytes>(4);
        let text = text.to_string();
        let st2 = st.clone();
        st.metrics.in_flight.fetch_add(1, Ordering::Relaxed);
        let worker = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                let units = into_units(crate::text::parse(&text));
                let out = ChannelWriter { tx, buf: Vec::new() };
                let tags = crate::encode::Tags::default();
                let stream = AudioStream::new(StreamFormat::Pcm, out, std::path::Path::new("<wyoming>"), rate, &tags)?;
                let mut sink = ChannelSink {
                    stream,
                    state: st2.clone(),
                    #[cfg(test)]
                    panic_at: None,
                };
                engine.render(&units, &mut sink)?;
                sink.stream.finish().map(|_| ())
            }));
            st2.metrics.in_flight.fetch_sub(1, Ordering::Relaxed);
            r.unwrap_or_else(|_| Err(crate::Error::Other("synthesis panicked".into())))
        });
        let first = match tokio::time::timeout_at((start + st.cfg.deadline).into(), rx.recv()).await {
            Err(_) => {
                drop(rx);
                self.out.error("timeout", "synthesis deadline exceeded").await?;
                return Ok(true);
            }
            Ok(None) => {
                return match worker.await {
                    Ok(Ok(())) => Ok(false),
                    _ => self.out.error("synthesis-failed", "synthesis failed").await.map(|_| true),
                };
            }
            Ok(Some(b)) => b,
        };
        let format = json!({ "rate": rate, "width": 2, "channels": 1 });
        self.out.send("audio-start", format.clone(), &[]).await?;
        let mut next = Some(first);
        while let Some(bytes) = next {
            for chunk in bytes.chunks(2 * CHUNK_SAMPLES) {
                self.out.send("audio-chunk", format.clone(), chunk).await?;
            }
            next = rx.recv().await;
        }
        match worker.await {
            Ok(Ok(())) => self.out.send("audio-stop", json!({}), &[]).await?,
            _ => self.out.error("synthesis-failed", "synthesis failed midway").await?,
        }
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sentences_end_at_a_final_mark_and_a_space() {
        let mut p = String::from("पहला वाक्य। दूसरा");
        assert_eq!(take_sentence(&mut p).as_deref(), Some("पहला वाक्य।"));
        assert_eq!(p, "दूसरा");
        assert_eq!(take_sentence(&mut p), None);
        // A mark at the very end may still be followed by more ("3." then "5").
        let mut p = String::from("दाम 3.");
        assert_eq!(take_sentence(&mut p), None);
        p.push_str("5 रुपये है। ");
        assert_eq!(take_sentence(&mut p).as_deref(), Some("दाम 3.5 रुपये है।"));
        assert_eq!(p, "");
        let mut p = String::from("उसने कहा \"चलो!\" फिर");
        assert_eq!(take_sentence(&mut p).as_deref(), Some("उसने कहा \"चलो!\""));
        let mut p = String::from("शीर्षक\nपाठ");
        assert_eq!(take_sentence(&mut p).as_deref(), Some("शीर्षक"));
        assert_eq!(p, "पाठ");
    }

    #[test]
    fn uri_needs_tcp_and_an_ip_address() {
        assert_eq!(parse_uri("tcp://127.0.0.1:10200"), Ok(([127, 0, 0, 1], 10200).into()));
        assert!(parse_uri("127.0.0.1:10200").is_err());
        assert!(parse_uri("tcp://localhost:10200").is_err());
        assert!(parse_uri("unix:///tmp/s").is_err());
    }
}
