//! Request timing for `/metrics`, and the guard that turns a panicking handler into a 500.
//!
//! A request's duration runs from its arrival to the end of its response body (for a
//! streamed speech response, its last chunk), so it is recorded by the body itself: when it
//! ends, or when hyper drops it first — a client that went away, a write timeout, a synthesis
//! that failed midway, the grace period running out. Such a body is counted as cut off.

use std::collections::BTreeMap;
use std::future::Future;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Instant;

use axum::body::{Body, Bytes, HttpBody};
use axum::extract::{MatchedPath, Request};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::Response;
use hyper::body::{Frame, SizeHint};

use super::histogram::Histogram;

/// Durations of requests by route, and how many responses were cut off.
#[derive(Default)]
pub(super) struct RequestTimes {
    by_route: Mutex<BTreeMap<String, Arc<Histogram>>>,
    cut_off: Arc<AtomicU64>,
}

impl RequestTimes {
    /// Returns the route label of a request: its route pattern (so `/v1/bulletins/{id}` is one
    /// series, not one per id), or `other` for paths no route matched.
    pub(super) fn route(req: &Request) -> String {
        req.extensions().get::<MatchedPath>().map_or_else(|| "other".to_string(), |m| m.as_str().to_string())
    }

    /// Wraps `resp`'s body so that its end (or its drop) records the time since `start`.
    pub(super) fn time(&self, resp: Response, route: String, start: Instant) -> Response {
        let hist = self.by_route.lock().unwrap_or_else(|e| e.into_inner()).entry(route).or_default().clone();
        let (parts, inner) = resp.into_parts();
        let body = Timed { inner, done: Some((start, hist, self.cut_off.clone())) };
        Response::from_parts(parts, Body::new(body))
    }

    /// Appends the `samachar_request_duration_seconds` histograms and the cut-off counter.
    pub(super) fn write(&self, out: &mut String) {
        use std::fmt::Write;
        let name = "samachar_request_duration_seconds";
        let _ = writeln!(out, "# HELP {name} Time from a request's arrival to the end of its response body.");
        let _ = writeln!(out, "# TYPE {name} histogram");
        for (route, h) in self.by_route.lock().unwrap_or_else(|e| e.into_inner()).iter() {
            let route = route.replace('\\', "\\\\").replace('"', "\\\"");
            h.write(out, name, &format!("route=\"{route}\""));
        }
        let _ = writeln!(out, "# HELP samachar_responses_cut_off_total Responses whose body ended before it was complete (client gone, write timeout, failure midway).");
        let _ = writeln!(out, "# TYPE samachar_responses_cut_off_total counter");
        let _ = writeln!(out, "samachar_responses_cut_off_total {}", self.cut_off.load(Ordering::Relaxed));
    }
}

/// A response body that records its request's duration once, when it ends or is dropped.
struct Timed {
    inner: Body,
    done: Option<(Instant, Arc<Histogram>, Arc<AtomicU64>)>,
}

impl Timed {
    fn finish(&mut self, complete: bool) {
        if let Some((start, hist, cut_off)) = self.done.take() {
            hist.observe(start.elapsed().as_secs_f64());
            if !complete {
                cut_off.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

impl HttpBody for Timed {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Frame<Bytes>, axum::Error>>> {
        let r = Pin::new(&mut self.inner).poll_frame(cx);
        match &r {
            Poll::Ready(None) => self.finish(true),
            Poll::Ready(Some(Err(_))) => self.finish(false),
            _ => {}
        }
        r
    }

    fn is_end_stream(&self) -> bool {
        self.inner.is_end_stream()
    }

    fn size_hint(&self) -> SizeHint {
        self.inner.size_hint()
    }
}

impl Drop for Timed {
    fn drop(&mut self) {
        // hyper stops polling a body of known length once it has it all: that is complete.
        let complete = self.inner.is_end_stream();
        self.finish(complete);
    }
}

/// A future that reports a panic while it is polled instead of unwinding into hyper (which
/// would drop the connection without a response).
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, ()>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let fut = self.0.as_mut();
        match catch_unwind(AssertUnwindSafe(|| fut.poll(cx))) {
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Ok(Poll::Pending) => Poll::Pending,
            Err(_) => Poll::Ready(Err(())),
        }
    }
}

/// Answers 500 for a request whose handler panicked; other requests are not affected.
/// (A panic during synthesis is caught on its own thread; see the speech handler.)
pub(super) async fn catch_panic(req: Request, next: Next) -> Response {
    match CatchUnwind(Box::pin(next.run(req))).await {
        Ok(r) => r,
        Err(()) => super::error(StatusCode::INTERNAL_SERVER_ERROR, None, "internal error (the handler panicked)"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::routing::get;

    /// Serves `app` on a loopback port; returns its address.
    async fn serve(app: axum::Router) -> std::net::SocketAddr {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(l, app).await });
        addr
    }

    /// Sends a GET and returns the status code (blocking client on a blocking thread).
    async fn get_status(addr: std::net::SocketAddr, path: &'static str) -> u16 {
        tokio::task::spawn_blocking(move || {
            use std::io::{Read, Write};
            let mut s = std::net::TcpStream::connect(addr).unwrap();
            write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
            let mut r = String::new();
            s.read_to_string(&mut r).unwrap();
            r.split(' ').nth(1).unwrap().parse().unwrap()
        })
        .await
        .unwrap()
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_panicking_handler_is_a_500_and_the_next_request_is_served() {
        let app = axum::Router::new()
            .route(
                "/boom",
                get(|| async {
                    if std::hint::black_box(true) {
                        panic!("injected test panic");
                    }
                    "unreachable"
                }),
            )
            .route("/ok", get(|| async { "ok" }))
            .layer(axum::middleware::from_fn(catch_panic));
        let addr = serve(app).await;
        assert_eq!(get_status(addr, "/boom").await, 500);
        assert_eq!(get_status(addr, "/ok").await, 200);
        assert_eq!(get_status(addr, "/boom").await, 500);
    }

    #[tokio::test]
    async fn timed_bodies_record_their_route_and_whether_they_were_cut_off() {
        let t = RequestTimes::default();
        let whole = t.time(Response::new(Body::from("abc")), "/a".into(), Instant::now());
        let bytes = axum::body::to_bytes(whole.into_body(), 100).await.unwrap();
        assert_eq!(&bytes[..], b"abc");
        let chunks = futures_util::stream::iter([Ok::<_, std::io::Error>(Bytes::from("x")), Ok(Bytes::from("y"))]);
        let streamed = t.time(Response::new(Body::from_stream(chunks)), "/b".into(), Instant::now());
        // Dropped before its end: cut off.
        drop(streamed);
        let mut s = String::new();
        t.write(&mut s);
        assert!(s.contains("samachar_request_duration_seconds_count{route=\"/a\"} 1"), "{s}");
        assert!(s.contains("samachar_request_duration_seconds_count{route=\"/b\"} 1"), "{s}");
        assert!(s.contains("samachar_responses_cut_off_total 1\n"), "{s}");
    }
}
