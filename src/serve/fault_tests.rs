//! Fault injection for the service's tests: a panic during synthesis fails only its request.
//!
//! Test builds of the library only: an input holding [`PANIC_MARK`] followed by a unit index
//! (`\u{E000}panic@1`) panics while that unit is encoded, on the synthesis thread. Release
//! builds have no such hook.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::atomic::Ordering;

use super::*;

/// The marker that makes a test request panic (a private-use character, then `panic@`).
pub(super) const PANIC_MARK: &str = "\u{E000}panic@";

/// Returns the unit index at which a test input asks to panic, if it does.
pub(super) fn panic_at(text: &str) -> Option<usize> {
    let rest = &text[text.find(PANIC_MARK)? + PANIC_MARK.len()..];
    rest.chars().take_while(char::is_ascii_digit).collect::<String>().parse().ok()
}

/// Serves the real router on a loopback port; returns its address and state.
async fn serve() -> (SocketAddr, Shared) {
    let cfg = Config::default();
    let st = Arc::new(AppState {
        permits: Arc::new(Semaphore::new(cfg.max_concurrent)),
        queue: admission::Queue::new(cfg.queue),
        cfg,
        metrics: Metrics::default(),
        shutting_down: false.into(),
        bulletins: None,
    });
    let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = l.local_addr().unwrap();
    let app = router(st.clone());
    tokio::spawn(async move { axum::serve(l, app).await });
    (addr, st)
}

/// POSTs `input` to /v1/audio/speech as PCM; returns the status and everything the server
/// sent after the head (chunked framing included) until it closed the connection.
async fn speak(addr: SocketAddr, input: String) -> (u16, Vec<u8>) {
    tokio::task::spawn_blocking(move || {
        let body = serde_json::json!({"input": input, "response_format": "pcm"}).to_string();
        let mut s = std::net::TcpStream::connect(addr).unwrap();
        write!(
            s,
            "POST /v1/audio/speech HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .unwrap();
        let mut raw = Vec::new();
        // A reset after an aborted body still leaves what was read in `raw`.
        let _ = s.read_to_end(&mut raw);
        // Nothing at all: the reset of an aborted stream overtook its first bytes (the kernel
        // drops unread data on a reset); reported as status 0.
        let Some(split) = raw.windows(4).position(|w| w == b"\r\n\r\n") else {
            return (0, Vec::new());
        };
        let status = String::from_utf8_lossy(&raw[..split]).split(' ').nth(1).unwrap().parse().unwrap();
        (status, raw[split + 4..].to_vec())
    })
    .await
    .unwrap()
}

const TEXT: &str = "प्रधानमंत्री ने आज दिल्ली में एक बैठक की। इसमें कई मंत्री शामिल हुए। बैठक दो घंटे चली।";

#[test]
fn panic_mark_is_read() {
    assert_eq!(panic_at("नमस्ते \u{E000}panic@12 x"), Some(12));
    assert_eq!(panic_at("नमस्ते"), None);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panic_during_synthesis_is_a_500_for_that_request_only() {
    let (addr, st) = serve().await;
    let (good, _) = speak(addr, TEXT.into()).await;
    assert_eq!(good, 200);
    // A panic before the first audio: 500, while a request beside it is served whole.
    let bad = tokio::spawn(speak(addr, format!("{TEXT} {PANIC_MARK}0")));
    let beside = tokio::spawn(speak(addr, TEXT.into()));
    let (status, body) = bad.await.unwrap();
    assert_eq!(status, 500);
    let v: serde_json::Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["error"]["message"], "synthesis failed");
    let (status, body) = beside.await.unwrap();
    assert_eq!(status, 200);
    assert!(body.ends_with(b"0\r\n\r\n"), "the request beside the panic was cut off");
    // A panic after the first audio: the stream is aborted, never finished as if complete.
    // (Status 0: the connection was reset before the client read the head — not complete either.)
    let (status, body) = speak(addr, format!("{TEXT} {PANIC_MARK}1")).await;
    assert!(status == 0 || status == 200, "{status}");
    assert!(
        status == 0 || (!body.is_empty() && !body.ends_with(b"0\r\n\r\n")),
        "a failed stream must not look complete"
    );
    // The server carries on, with no synthesis left running.
    let (status, _) = speak(addr, TEXT.into()).await;
    assert_eq!(status, 200);
    let mut tries = 0;
    while st.metrics.in_flight.load(Ordering::Relaxed) != 0 {
        tries += 1;
        assert!(tries < 6000, "a synthesis never ended");
        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
    }
    let by = st.metrics.by_status.lock().unwrap().clone();
    assert_eq!(by.get(&500), Some(&1), "{by:?}");
    assert_eq!(by.get(&200), Some(&4), "{by:?}");
}
