//! `samachar serve`: the HTTP speech API, driven over a raw TCP client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

use crate::common::bin;

pub(crate) struct Server {
    pub(crate) child: Child,
    pub(crate) addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub(crate) fn start(extra: &[&str]) -> Server {
    let mut child = bin()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .args(extra)
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr =
        line.trim().strip_prefix("samachar: listening on http://").unwrap_or_else(|| panic!("{line}")).to_string();
    // Keep draining stderr so the server never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    Server { child, addr }
}

/// Sends one request; returns (status, headers, de-chunked body).
pub(crate) fn request(addr: &str, method: &str, path: &str, headers: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}\r\n", body.len()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    // A reset after the response (the server closing with the request unread) keeps what was read.
    let _ = s.read_to_end(&mut raw);
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or_else(|| panic!("{raw:?}"));
    let head = String::from_utf8_lossy(&raw[..split]).to_string();
    let mut rest = &raw[split + 4..];
    let status: u16 = head.split(' ').nth(1).unwrap().parse().unwrap();
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") {
        let mut out = Vec::new();
        loop {
            let eol = rest.windows(2).position(|w| w == b"\r\n").unwrap();
            let n = usize::from_str_radix(std::str::from_utf8(&rest[..eol]).unwrap().trim(), 16).unwrap();
            rest = &rest[eol + 2..];
            if n == 0 {
                break;
            }
            out.extend_from_slice(&rest[..n]);
            rest = &rest[n + 2..];
        }
        out
    } else {
        rest.to_vec()
    };
    (status, head, body)
}

fn wav_data(wav: &[u8]) -> &[u8] {
    let at = wav.windows(4).position(|w| w == b"data").unwrap();
    &wav[at + 8..]
}

#[test]
fn speech_streams_the_same_samples_as_speak() {
    let srv = start(&[]);
    let text = "प्रधानमंत्री ने आज दिल्ली में एक बैठक की। इसमें कई मंत्री शामिल हुए।";
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("a.wav");
    let o =
        bin().args(["speak", "-", "-o"]).arg(&out).args(["--voice", "default"]).stdin(Stdio::piped()).spawn().and_then(
            |mut c| {
                c.stdin.take().unwrap().write_all(text.as_bytes())?;
                c.wait_with_output()
            },
        );
    assert!(o.unwrap().status.success());
    let cli = std::fs::read(&out).unwrap();
    let body = serde_json::json!({"model": "samachar", "input": text, "voice": "default", "response_format": "wav"})
        .to_string();
    let (st, head, wav) = request(&srv.addr, "POST", "/v1/audio/speech", "", body.as_bytes());
    assert_eq!(st, 200, "{head}");
    assert!(head.to_ascii_lowercase().contains("transfer-encoding: chunked"), "{head}");
    assert_eq!(&wav[4..8], &[0xff; 4], "streamed RIFF size is 'unknown'");
    assert_eq!(wav_data(&wav), wav_data(&cli));
    let body = serde_json::json!({"input": text, "voice": "default", "response_format": "pcm"}).to_string();
    let (st, _, pcm) = request(&srv.addr, "POST", "/v1/audio/speech", "", body.as_bytes());
    assert_eq!(st, 200);
    assert_eq!(pcm, wav_data(&cli));
    let (st, _, m) = request(&srv.addr, "GET", "/metrics", "", b"");
    assert_eq!(st, 200);
    let m = String::from_utf8(m).unwrap();
    assert!(m.contains("samachar_requests_total{status=\"200\"} 2"), "{m}");
    assert!(m.contains("samachar_time_to_first_byte_seconds_count 2"), "{m}");
}

#[test]
fn bad_requests_get_json_errors_naming_the_field() {
    let srv = start(&["--max-chars", "20"]);
    let cases: &[(&str, u16, &str)] = &[
        (r#"{"input": "नमस्ते", "voice": "nobody"}"#, 400, "voice"),
        (r#"{"input": "नमस्ते", "response_format": "ogg"}"#, 400, "response_format"),
        (r#"{"input": "नमस्ते", "response_format": "aac"}"#, 400, "response_format"),
        (r#"{"input": "नमस्ते", "input_format": "html"}"#, 400, "input_format"),
        (r#"{"input": "नमस्ते", "speed": 9}"#, 400, "speed"),
        (r#"{"voice": "default"}"#, 400, "input"),
        (r#"{"input": 5}"#, 400, "input"),
        (r#"{"input": "नमस्ते", "colour": 1}"#, 400, "colour"),
        (r#"{"input": "नमस्ते नमस्ते नमस्ते नमस्ते"}"#, 413, "input"),
        (r#"{"input": "#, 400, ""),
    ];
    for (body, status, field) in cases {
        let (st, _, b) = request(&srv.addr, "POST", "/v1/audio/speech", "", body.as_bytes());
        assert_eq!(st, *status, "{body}");
        let v: serde_json::Value = serde_json::from_slice(&b).unwrap_or_else(|_| panic!("{body}: not JSON"));
        if !field.is_empty() {
            assert_eq!(v["error"]["param"], *field, "{body}: {v}");
        }
    }
    let big = vec![b' '; 70_000];
    let (st, _, _) = request(&srv.addr, "POST", "/v1/audio/speech", "", &big);
    assert_eq!(st, 413);
    let (st, _, v) = request(&srv.addr, "GET", "/v1/voices", "", b"");
    assert_eq!(st, 200);
    assert!(String::from_utf8_lossy(&v).contains("\"default\""));
}

#[test]
fn token_is_required_and_non_loopback_refused_without_one() {
    let dir = tempfile::tempdir().unwrap();
    let tok = dir.path().join("token");
    std::fs::write(&tok, "s3cret\n").unwrap();
    let srv = start(&["--token-file", tok.to_str().unwrap()]);
    assert_eq!(request(&srv.addr, "GET", "/v1/voices", "", b"").0, 401);
    assert_eq!(request(&srv.addr, "GET", "/v1/voices", "Authorization: Bearer wrong\r\n", b"").0, 401);
    assert_eq!(request(&srv.addr, "GET", "/v1/voices", "Authorization: Bearer s3cret\r\n", b"").0, 200);
    assert_eq!(request(&srv.addr, "GET", "/healthz", "", b"").0, 200);
    let o = bin().args(["serve", "--bind", "0.0.0.0:0"]).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("--token-file"));
}

#[test]
fn sigterm_exits_zero() {
    let mut srv = start(&[]);
    assert_eq!(request(&srv.addr, "GET", "/readyz", "", b"").0, 200);
    unsafe_kill_term(srv.child.id());
    let st = srv.child.wait().unwrap();
    assert!(st.success(), "{st:?}");
}

pub(crate) fn unsafe_kill_term(pid: u32) {
    assert!(std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
}

/// Runs `samachar speak` on `text` with extra arguments; returns its stdout (`-o -`).
pub(crate) fn speak_stdout(text: &str, args: &[&str]) -> Vec<u8> {
    let o = bin()
        .args(["speak", "-", "-o", "-", "--voice", "default"])
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .and_then(|mut c| {
            c.stdin.take().unwrap().write_all(text.as_bytes())?;
            c.wait_with_output()
        })
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    o.stdout
}

#[test]
fn ssml_input_speaks_as_speak_does_and_malformed_ssml_names_line_and_column() {
    let srv = start(&[]);
    let ssml = "<speak>नमस्ते<break time=\"700ms\"/><prosody rate=\"80%\">धीरे बोलिए।</prosody></speak>";
    let cli = speak_stdout(ssml, &[]);
    // Detected from `<speak`, and asked for explicitly.
    for extra in [serde_json::json!({}), serde_json::json!({"input_format": "ssml"})] {
        let mut body = serde_json::json!({"input": ssml, "voice": "default"});
        body.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        let (st, head, wav) = request(&srv.addr, "POST", "/v1/audio/speech", "", body.to_string().as_bytes());
        assert_eq!(st, 200, "{head}");
        assert_eq!(wav, cli, "{body}");
    }
    // As plain text the markup would not be read as SSML: different audio.
    let body = serde_json::json!({"input": ssml, "input_format": "text"}).to_string();
    let (st, _, plain) = request(&srv.addr, "POST", "/v1/audio/speech", "", body.as_bytes());
    assert_eq!(st, 200);
    assert_ne!(plain, cli);
    let bad = "<speak>\nनमस्ते <prosody rate=\"80%\">धीरे</speak>";
    let body = serde_json::json!({"input": bad}).to_string();
    let (st, _, b) = request(&srv.addr, "POST", "/v1/audio/speech", "", body.as_bytes());
    assert_eq!(st, 400);
    let v: serde_json::Value = serde_json::from_slice(&b).unwrap();
    assert_eq!(v["error"]["param"], "input");
    let msg = v["error"]["message"].as_str().unwrap();
    assert!(msg.contains("input:2:"), "line:column expected: {msg}");
}

#[test]
fn mp3_response_is_the_bytes_speak_streams_to_stdout() {
    let srv = start(&[]);
    let text = "प्रधानमंत्री ने आज दिल्ली में एक बैठक की। इसमें कई मंत्री शामिल हुए।";
    let body = serde_json::json!({"input": text, "voice": "default", "response_format": "mp3"}).to_string();
    let (st, head, mp3) = request(&srv.addr, "POST", "/v1/audio/speech", "", body.as_bytes());
    assert_eq!(st, 200, "{head}");
    let h = head.to_ascii_lowercase();
    assert!(h.contains("content-type: audio/mpeg") && h.contains("x-sample-rate: 44100"), "{head}");
    assert_eq!(&mp3[..3], b"ID3");
    let cli = speak_stdout(text, &["--format", "mp3"]);
    // The CLI's tag has no title for stdin, like the service's: the same bytes throughout.
    assert_eq!(mp3, cli);
}

/// Reads from `s` until the server closes it; returns what came. A server that never
/// closes fails the read after a minute (a hang guard, not a timing assertion).
pub(crate) fn read_until_closed(s: &mut TcpStream) -> Vec<u8> {
    s.set_read_timeout(Some(std::time::Duration::from_secs(60))).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 65536];
    loop {
        match s.read(&mut buf) {
            Ok(0) => return got,
            Ok(n) => got.extend_from_slice(&buf[..n]),
            Err(e) if e.kind() == std::io::ErrorKind::ConnectionReset => return got,
            Err(e) => panic!("the server did not close the connection: {e}"),
        }
    }
}

#[test]
fn half_sent_requests_are_closed_after_the_read_timeout_while_others_are_served() {
    let srv = start(&["--read-timeout", "1"]);
    // Half the headers, then nothing (slowloris).
    let mut heads = TcpStream::connect(&srv.addr).unwrap();
    heads.write_all(b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Ty").unwrap();
    // Whole headers, half the body.
    let mut body = TcpStream::connect(&srv.addr).unwrap();
    body.write_all(b"POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 40\r\n\r\n{\"input\": ").unwrap();
    // A connection that never sends a byte.
    let mut silent = TcpStream::connect(&srv.addr).unwrap();
    // Meanwhile the server answers everyone else.
    let text = serde_json::json!({"input": "नमस्ते।"}).to_string();
    let (st, _, wav) = request(&srv.addr, "POST", "/v1/audio/speech", "", text.as_bytes());
    assert_eq!(st, 200);
    assert!(wav.len() > 44);
    let got = read_until_closed(&mut body);
    let got = String::from_utf8_lossy(&got);
    assert!(got.starts_with("HTTP/1.1 408"), "{got}");
    assert!(got.contains("request body not received"), "{got}");
    let got = read_until_closed(&mut heads);
    assert!(got.is_empty() || got.starts_with(b"HTTP/1.1 408"), "{}", String::from_utf8_lossy(&got));
    assert!(read_until_closed(&mut silent).is_empty());
    assert_eq!(request(&srv.addr, "GET", "/healthz", "", b"").0, 200);
}

#[test]
fn a_client_that_stops_reading_is_dropped_and_its_synthesis_slot_freed() {
    let srv = start(&["--write-timeout", "1", "--max-concurrent", "1", "--queue", "0", "--max-chars", "20000"]);
    // About an hour of audio at speed 0.25 (over 100 MB of WAV): far more than the socket
    // buffers of both ends hold, so the server's writes stall.
    let long = "प्रधानमंत्री ने आज दिल्ली में एक बैठक की। इसमें कई मंत्री शामिल हुए। ".repeat(200);
    let body = serde_json::json!({"input": long, "speed": 0.25}).to_string();
    assert!(body.len() < 65536);
    let mut stalled = TcpStream::connect(&srv.addr).unwrap();
    write!(
        stalled,
        "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    )
    .unwrap();
    stalled.write_all(body.as_bytes()).unwrap();
    // Wait until its synthesis holds the only slot, while it reads nothing.
    let in_flight = || {
        let m = String::from_utf8(request(&srv.addr, "GET", "/metrics", "", b"").2).unwrap();
        m.contains("samachar_syntheses_in_flight 1")
    };
    let mut tries = 0;
    while !in_flight() {
        tries += 1;
        assert!(tries < 1200, "the stalled request never started");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let short = serde_json::json!({"input": "नमस्ते।"}).to_string();
    let probe = || request(&srv.addr, "POST", "/v1/audio/speech", "", short.as_bytes()).0;
    assert_eq!(probe(), 429, "the stalled request holds the only slot");
    // Once its writes have made no progress for the write timeout, it is dropped.
    let mut tries = 0;
    loop {
        match probe() {
            200 => break,
            429 => {}
            other => panic!("unexpected status {other}"),
        }
        tries += 1;
        assert!(tries < 600, "the stalled client was never dropped: its slot stayed taken");
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    // What it gets when it reads at last is a cut-off body: no final chunk.
    let got = read_until_closed(&mut stalled);
    assert!(got.starts_with(b"HTTP/1.1 200"));
    assert!(!got.ends_with(b"0\r\n\r\n"), "the stalled response must not look complete");
    assert!(got.len() < 100_000_000, "{}", got.len());
}

#[test]
fn sigterm_lets_the_stream_in_flight_finish_refuses_new_connections_and_exits_zero() {
    let mut srv = start(&["--grace", "120", "--max-chars", "20000"]);
    // A response larger than the socket buffers (about 70 MB), so that it is still being
    // written when the signal comes: the client reads only its first bytes until then.
    let long = "प्रधानमंत्री ने आज दिल्ली में एक बैठक की। इसमें कई मंत्री शामिल हुए। ".repeat(100);
    let body = serde_json::json!({"input": long, "speed": 0.25, "response_format": "pcm"}).to_string();
    let mut s = TcpStream::connect(&srv.addr).unwrap();
    write!(s, "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n", body.len()).unwrap();
    s.write_all(body.as_bytes()).unwrap();
    let mut first = vec![0u8; 4096];
    let n = s.read(&mut first).unwrap();
    assert!(first[..n].starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&first[..n]));
    unsafe_kill_term(srv.child.id());
    // New connections are refused once the listener is closed (polled; a hang guard only).
    let mut tries = 0;
    while TcpStream::connect(&srv.addr).is_ok() {
        tries += 1;
        assert!(tries < 600, "still accepting after SIGTERM");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let mut rest = read_until_closed(&mut s);
    first.truncate(n);
    first.append(&mut rest);
    assert!(first.ends_with(b"0\r\n\r\n"), "the stream in flight was cut off");
    assert!(first.len() > 40_000_000, "{}", first.len());
    let st = srv.child.wait().unwrap();
    assert!(st.success(), "{st:?}");
}

#[test]
fn opus_and_flac_responses_are_the_bytes_speak_streams_to_stdout() {
    let srv = start(&[]);
    let text = "प्रधानमंत्री ने आज दिल्ली में एक बैठक की। इसमें कई मंत्री शामिल हुए।";
    for (fmt, ctype, rate, magic) in
        [("opus", "audio/ogg; codecs=opus", "48000", &b"OggS"[..]), ("flac", "audio/flac", "22050", &b"fLaC"[..])]
    {
        let body = serde_json::json!({"input": text, "voice": "default", "response_format": fmt}).to_string();
        let (st, head, audio) = request(&srv.addr, "POST", "/v1/audio/speech", "", body.as_bytes());
        assert_eq!(st, 200, "{head}");
        let h = head.to_ascii_lowercase();
        assert!(
            h.contains(&format!("content-type: {ctype}")) && h.contains(&format!("x-sample-rate: {rate}")),
            "{head}"
        );
        assert_eq!(&audio[..4], magic);
        assert_eq!(audio, speak_stdout(text, &["--format", fmt]), "{fmt}");
    }
}
