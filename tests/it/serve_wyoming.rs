//! `samachar serve --wyoming`: the Wyoming protocol, driven by a client written here from
//! the protocol's specification (github.com/rhasspy/wyoming, README "Format" and "Event
//! Types"): a JSON header line, then `data_length` bytes of JSON data merged over the
//! header's `data`, then `payload_length` bytes of payload.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

use serde_json::{json, Value};

use crate::common::{bin, fails, run_env};

struct Server {
    child: Child,
    http: String,
    wyoming: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
    let mut child = bin()
        .args(["serve", "--bind", "127.0.0.1:0", "--wyoming", "tcp://127.0.0.1:0"])
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let (mut http, mut wyoming) = (None, None);
    for _ in 0..2 {
        let mut line = String::new();
        err.read_line(&mut line).unwrap();
        if let Some(a) = line.trim().strip_prefix("samachar: wyoming on tcp://") {
            wyoming = Some(a.to_string());
        }
        if let Some(a) = line.trim().strip_prefix("samachar: listening on http://") {
            http = Some(a.to_string());
        }
    }
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    Server {
        child,
        http: http.expect("no 'samachar: listening on' line"),
        wyoming: wyoming.expect("no 'samachar: wyoming on' line"),
    }
}

/// One event as the specification frames it.
#[derive(Debug)]
struct Event {
    kind: String,
    data: Value,
    payload: Vec<u8>,
}

struct Client {
    w: TcpStream,
    r: BufReader<TcpStream>,
}

impl Client {
    fn connect(addr: &str) -> Client {
        let w = TcpStream::connect(addr).unwrap();
        w.set_read_timeout(Some(std::time::Duration::from_secs(120))).unwrap();
        Client { r: BufReader::new(w.try_clone().unwrap()), w }
    }

    /// Sends an event with its data in the data section (`data_length`).
    fn send(&mut self, kind: &str, data: Value) {
        let d = data.to_string();
        let header = json!({"type": kind, "data_length": d.len()});
        self.w.write_all(format!("{header}\n{d}").as_bytes()).unwrap();
    }

    fn raw(&mut self, bytes: &[u8]) {
        self.w.write_all(bytes).unwrap();
    }

    /// Reads one event, or `None` at the end of the connection.
    fn recv(&mut self) -> Option<Event> {
        let mut line = Vec::new();
        if self.r.read_until(b'\n', &mut line).unwrap() == 0 {
            return None;
        }
        let header: Value = serde_json::from_slice(&line).unwrap_or_else(|e| panic!("bad header {line:?}: {e}"));
        let mut data = header.get("data").cloned().unwrap_or(json!({}));
        let n = header["data_length"].as_u64().unwrap_or(0) as usize;
        if n > 0 {
            let mut d = vec![0; n];
            self.r.read_exact(&mut d).unwrap();
            let extra: Value = serde_json::from_slice(&d).unwrap();
            for (k, v) in extra.as_object().unwrap() {
                data[k] = v.clone();
            }
        }
        let mut payload = vec![0; header["payload_length"].as_u64().unwrap_or(0) as usize];
        self.r.read_exact(&mut payload).unwrap();
        Some(Event { kind: header["type"].as_str().unwrap().to_string(), data, payload })
    }

    fn expect(&mut self, kind: &str) -> Event {
        let e = self.recv().unwrap_or_else(|| panic!("connection closed; expected {kind}"));
        assert_eq!(e.kind, kind, "{e:?}");
        e
    }

    /// Reads `audio-start`, the `audio-chunk`s and `audio-stop`; returns the PCM.
    fn audio(&mut self) -> Vec<u8> {
        let start = self.expect("audio-start");
        assert_eq!(start.data["rate"], 22050);
        assert_eq!(start.data["width"], 2);
        assert_eq!(start.data["channels"], 1);
        let mut pcm = Vec::new();
        loop {
            let e = self.recv().expect("connection closed inside the audio");
            match e.kind.as_str() {
                "audio-chunk" => {
                    assert_eq!((e.data["rate"].as_u64(), e.data["width"].as_u64()), (Some(22050), Some(2)));
                    assert!(!e.payload.is_empty() && e.payload.len() <= 2048, "{}", e.payload.len());
                    pcm.extend_from_slice(&e.payload);
                }
                "audio-stop" => return pcm,
                _ => panic!("unexpected {e:?} inside the audio"),
            }
        }
    }
}

/// The 16-bit samples `samachar speak` writes for `text` with `voice`.
fn cli_pcm(text: &str, voice: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    let o = run_env(dir.path(), &["speak", "-", "-o", "a.wav", "--voice", voice], Some(text.as_bytes()), &[]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let wav = std::fs::read(dir.path().join("a.wav")).unwrap();
    let at = wav.windows(4).position(|w| w == b"data").unwrap();
    wav[at + 8..].to_vec()
}

#[test]
fn describe_answers_info_with_the_hindi_voices_and_streaming() {
    let srv = start(&[]);
    let mut c = Client::connect(&srv.wyoming);
    // A bare header line: no data, no lengths.
    c.raw(b"{\"type\": \"describe\"}\n");
    let info = c.expect("info");
    let tts = info.data["tts"].as_array().unwrap();
    assert_eq!(tts.len(), 1, "{:?}", info.data);
    assert_eq!(tts[0]["supports_synthesize_streaming"], true);
    assert_eq!(tts[0]["installed"], true);
    assert!(tts[0]["attribution"]["name"].is_string());
    let voices = tts[0]["voices"].as_array().unwrap();
    let names: Vec<&str> = voices.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["meera", "arjun"]);
    for v in voices {
        assert_eq!(v["languages"], json!(["hi"]));
        assert_eq!(v["installed"], true);
        assert!(v["description"].as_str().unwrap().starts_with(v["name"].as_str().unwrap()));
    }
    c.send("ping", json!({"text": "x"}));
    assert_eq!(c.expect("pong").data["text"], "x");
}

#[test]
fn synthesize_sends_the_samples_speak_writes() {
    let srv = start(&[]);
    let text = "प्रधानमंत्री ने आज दिल्ली में एक बैठक की। इसमें कई मंत्री शामिल हुए।";
    let mut c = Client::connect(&srv.wyoming);
    c.send("synthesize", json!({"text": text, "voice": {"name": "arjun"}}));
    assert_eq!(c.audio(), cli_pcm(text, "arjun"));
    // The same connection serves the next request; data in the header this time, no voice.
    let short = "नमस्ते दुनिया।";
    let header = json!({"type": "synthesize", "data": {"text": short}});
    c.raw(format!("{header}\n").as_bytes());
    assert_eq!(c.audio(), cli_pcm(short, "meera"));
}

#[test]
fn streamed_text_is_spoken_sentence_by_sentence() {
    let srv = start(&[]);
    let (one, two) = ("प्रधानमंत्री ने आज दिल्ली में बैठक की।", "इसमें कई मंत्री शामिल हुए।");
    let mut c = Client::connect(&srv.wyoming);
    c.send("synthesize-start", json!({"voice": {"name": "meera"}}));
    c.send("synthesize-chunk", json!({"text": "प्रधानमंत्री ने आज दिल्ली"}));
    c.send("synthesize-chunk", json!({"text": " में बैठक की। इसमें कई मं"}));
    // The first sentence is complete: its audio comes before the stream ends.
    assert_eq!(c.audio(), cli_pcm(one, "meera"));
    c.send("synthesize-chunk", json!({"text": "त्री शामिल हुए।"}));
    // The client's copy of the whole text (for servers that cannot stream) is not spoken again.
    c.send("synthesize", json!({"text": format!("{one} {two}"), "voice": {"name": "meera"}}));
    c.send("synthesize-stop", json!({}));
    assert_eq!(c.audio(), cli_pcm(two, "meera"));
    c.expect("synthesize-stopped");
    // And the connection goes on.
    c.send("describe", json!({}));
    c.expect("info");
}

#[test]
fn requests_that_cannot_be_served_get_an_error_and_the_connection_stays() {
    let srv = start(&["--max-chars", "20"]);
    let mut c = Client::connect(&srv.wyoming);
    c.send("synthesize", json!({"text": "नमस्ते", "voice": {"name": "nobody"}}));
    let e = c.expect("error");
    assert_eq!(e.data["code"], "unknown-voice");
    assert!(e.data["text"].as_str().unwrap().contains("nobody"), "{e:?}");
    c.send("synthesize", json!({"text": "नमस्ते नमस्ते नमस्ते नमस्ते"}));
    assert_eq!(c.expect("error").data["code"], "too-many-characters");
    // A stream over the limit: an error, nothing spoken, and still a synthesize-stopped.
    c.send("synthesize-start", json!({}));
    c.send("synthesize-chunk", json!({"text": "नमस्ते। नमस्ते नमस्ते नमस्ते"}));
    assert_eq!(c.expect("error").data["code"], "too-many-characters");
    c.send("synthesize-stop", json!({}));
    c.expect("synthesize-stopped");
    c.send("synthesize-chunk", json!({"text": "नमस्ते"}));
    assert_eq!(c.expect("error").data["code"], "unexpected-event");
    c.send("transcribe", json!({}));
    assert_eq!(c.expect("error").data["code"], "unsupported-event");
    c.send("describe", json!({}));
    c.expect("info");
}

/// Sends `bytes` on a new connection; expects an `error` with `code`, then the end.
fn refused(addr: &str, bytes: &[u8], code: &str) {
    let mut c = Client::connect(addr);
    c.raw(bytes);
    let e = c.expect("error");
    assert_eq!(e.data["code"], code, "{e:?} for {:?}", String::from_utf8_lossy(&bytes[..bytes.len().min(80)]));
    assert!(c.recv().is_none(), "the connection should close after a malformed event");
}

#[test]
fn malformed_headers_get_an_error_and_close_the_connection() {
    let srv = start(&[]);
    for bad in [
        &b"this is not json\n"[..],
        b"[\"describe\"]\n",
        b"{\"data\": {\"text\": \"x\"}}\n",
        b"{\"type\": 5}\n",
        b"{\"type\": \"synthesize\", \"data\": \"text\"}\n",
        b"{\"type\": \"synthesize\", \"data_length\": -3}\n",
        b"{\"type\": \"synthesize\", \"data_length\": 4}\n[1]\n",
        b"\xff\xfe{}\n",
    ] {
        refused(&srv.wyoming, bad, "malformed-event");
    }
    // The server is unharmed.
    let mut c = Client::connect(&srv.wyoming);
    c.send("describe", json!({}));
    c.expect("info");
}

#[test]
fn oversized_lengths_and_headers_are_refused_before_reading_them() {
    let srv = start(&[]);
    refused(&srv.wyoming, b"{\"type\": \"synthesize\", \"data_length\": 1000000000}\n", "too-large");
    refused(&srv.wyoming, b"{\"type\": \"audio-chunk\", \"payload_length\": 99999999999}\n", "too-large");
    // A header line that never ends: refused once it passes the limit (64 KiB).
    let mut long = b"{\"type\": \"synthesize\", \"data\": {\"text\": \"".to_vec();
    long.resize(70 * 1024, b'a');
    refused(&srv.wyoming, &long, "too-large");
    let mut c = Client::connect(&srv.wyoming);
    c.send("synthesize", json!({"text": "नमस्ते।"}));
    assert!(!c.audio().is_empty());
}

#[test]
fn wyoming_address_must_be_tcp_and_loopback_unless_insecure() {
    let dir = tempfile::tempdir().unwrap();
    let e = fails(&run_env(dir.path(), &["serve", "--wyoming", "tcp://0.0.0.0:10200"], None, &[]));
    assert!(e.contains("--insecure"), "{e}");
    let e = fails(&run_env(dir.path(), &["serve", "--wyoming", "localhost:10200"], None, &[]));
    assert!(e.contains("tcp://HOST:PORT"), "{e}");
}

/// A long news text (under the default 5000 characters) whose audio is far more than the
/// socket buffers hold.
fn long_text() -> String {
    let s = "प्रधानमंत्री ने आज दिल्ली में एक बैठक की जिसमें कई राज्यों के मुख्यमंत्री शामिल हुए। ";
    s.repeat(4800 / s.chars().count())
}

/// Starts an HTTP speech request of [`long_text`] and reads only the start of the answer:
/// its synthesis holds a slot until the client goes (or the write timeout).
fn hold_a_slot(http: &str) -> TcpStream {
    let mut s = TcpStream::connect(http).unwrap();
    let body = json!({"input": long_text(), "response_format": "pcm"}).to_string();
    write!(
        s,
        "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut first = [0u8; 12];
    s.read_exact(&mut first).unwrap();
    assert_eq!(&first, b"HTTP/1.1 200");
    s
}

/// GET /metrics as text.
fn metrics(http: &str) -> String {
    let mut s = TcpStream::connect(http).unwrap();
    write!(s, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    out
}

#[test]
fn a_wyoming_request_waits_in_the_queue_http_shares() {
    let srv = start(&["--max-concurrent", "1", "--queue", "1"]);
    let held = hold_a_slot(&srv.http);
    let mut c = Client::connect(&srv.wyoming);
    c.send("synthesize", json!({"text": "नमस्ते।"}));
    let mut queued = false;
    for _ in 0..600 {
        if metrics(&srv.http).contains("samachar_queue_depth 1") {
            queued = true;
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(queued, "the Wyoming request never showed in the queue");
    // The queue is full now: an HTTP request is refused.
    let body = json!({"input": "नमस्ते।"}).to_string();
    let mut h = TcpStream::connect(&srv.http).unwrap();
    write!(
        h,
        "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut answer = String::new();
    h.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 429"), "{answer}");
    // The slot comes free when the HTTP client leaves, and the queued request is served.
    drop(held);
    assert_eq!(c.audio(), cli_pcm("नमस्ते।", "meera"));
}

#[test]
fn http_and_wyoming_share_the_synthesis_slots() {
    let srv = start(&["--max-concurrent", "1", "--queue", "0"]);
    let s = hold_a_slot(&srv.http);
    let mut c = Client::connect(&srv.wyoming);
    c.send("synthesize", json!({"text": "नमस्ते।"}));
    let e = c.expect("error");
    assert_eq!(e.data["code"], "busy", "{e:?}");
    // Once the HTTP client is gone its slot is free again.
    drop(s);
    let mut freed = false;
    for _ in 0..600 {
        c.send("synthesize", json!({"text": "नमस्ते।"}));
        let e = c.recv().unwrap();
        if e.kind == "audio-start" {
            freed = true;
            loop {
                if c.recv().unwrap().kind == "audio-stop" {
                    break;
                }
            }
            break;
        }
        assert_eq!(e.data["code"], "busy", "{e:?}");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    assert!(freed, "the slot never came back after the HTTP client left");
}

#[test]
fn sigterm_lets_the_synthesis_in_flight_finish_then_exits_0() {
    let mut srv = start(&[]);
    let text = "प्रधानमंत्री ने आज दिल्ली में एक बैठक की। इसमें कई मंत्री शामिल हुए। बैठक दो घंटे चली।";
    let mut c = Client::connect(&srv.wyoming);
    c.send("synthesize", json!({"text": text}));
    let start = c.expect("audio-start");
    let pid = srv.child.id().to_string();
    assert!(std::process::Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    // The answer in flight comes whole, then the connection closes.
    let mut pcm = Vec::new();
    loop {
        let e = c.recv().expect("closed inside the audio");
        match e.kind.as_str() {
            "audio-chunk" => pcm.extend_from_slice(&e.payload),
            "audio-stop" => break,
            _ => panic!("{e:?} after {start:?}"),
        }
    }
    assert_eq!(pcm, cli_pcm(text, "meera"));
    assert!(c.recv().is_none(), "the connection closes after the event in flight");
    let status = srv.child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    assert!(TcpStream::connect(&srv.wyoming).is_err(), "no new connections after SIGTERM");
}
