//! `samachar serve`: the HTTP speech API, driven over a raw TCP client.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Stdio};

use crate::common::bin;

struct Server {
    child: Child,
    addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start(extra: &[&str]) -> Server {
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
fn request(addr: &str, method: &str, path: &str, headers: &str, body: &[u8]) -> (u16, String, Vec<u8>) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "{method} {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n{headers}\r\n", body.len()).unwrap();
    s.write_all(body).unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let split = raw.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
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
        (r#"{"input": "नमस्ते", "response_format": "mp3"}"#, 400, "response_format"),
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

fn unsafe_kill_term(pid: u32) {
    assert!(std::process::Command::new("kill").args(["-TERM", &pid.to_string()]).status().unwrap().success());
}
