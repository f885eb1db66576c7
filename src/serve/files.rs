//! Serving a finished file from a job directory: safe opening, Content-Type and byte ranges.
//!
//! In: a root directory, the path components under it (already checked by the caller to be
//! plain names), the request headers. Out: 200 with the whole file, 206 with one range
//! (`Range: bytes=a-b`, `bytes=a-`, `bytes=-n`, with `Content-Range`), 416 for a range
//! that starts past the end (with `Content-Range: bytes */LEN`), or 404. Every answer says
//! `Accept-Ranges: bytes`, so a player can seek.
//!
//! A request for several ranges (`bytes=0-1,5-9`) gets the whole file (200): a server may
//! ignore `Range` (RFC 9110 §14.2), and players ask for one range at a time. A syntactically
//! invalid `Range` is ignored the same way. `If-Range` with an entity tag other than the
//! file's current one also gets the whole file.
//!
//! Opening never leaves the root: each component is opened with `openat(…, O_NOFOLLOW)`
//! relative to the directory before it, so a symbolic link anywhere under the root (to a
//! file or a directory, inside or outside) is refused, and `..`, `/` or an empty component
//! never reach the file system ([`plain_name`]).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use axum::body::{Body, Bytes};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};

/// Bytes read from disk per chunk of the response body.
const CHUNK: usize = 64 << 10;

/// Returns true for a name that can only mean one file inside its directory: 1 to 255
/// bytes of ASCII letters, digits, `-`, `_` and `.`, not starting with a dot (so no `.`,
/// `..` or hidden temporaries), and so no `/`, `\`, NUL or percent sign.
pub(crate) fn plain_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 255
        && !name.starts_with('.')
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// Opens `root/parts[0]/…/parts[n-1]` for reading, refusing symbolic links in every
/// component and anything but a regular file at the end.
pub(crate) fn open_beneath(root: &Path, parts: &[&str]) -> std::io::Result<File> {
    use std::os::fd::{AsRawFd, FromRawFd};
    let refused = || std::io::Error::new(std::io::ErrorKind::NotFound, "not a plain file under the root");
    if parts.is_empty() || !parts.iter().all(|p| plain_name(p)) {
        return Err(refused());
    }
    let mut dir = File::open(root)?;
    for (i, part) in parts.iter().enumerate() {
        let last = i + 1 == parts.len();
        let name = std::ffi::CString::new(*part).map_err(|_| refused())?;
        let flags = libc::O_RDONLY
            | libc::O_NOFOLLOW
            | libc::O_CLOEXEC
            | if last { libc::O_NONBLOCK } else { libc::O_DIRECTORY };
        // SAFETY: `dir` is an open descriptor and `name` a NUL-terminated string, both live
        // for the call; a non-negative result is a new descriptor that we then own.
        let fd = unsafe { libc::openat(dir.as_raw_fd(), name.as_ptr(), flags) };
        if fd < 0 {
            return Err(std::io::Error::last_os_error());
        }
        // SAFETY: `fd` was just returned by openat and is owned by nothing else.
        dir = unsafe { File::from_raw_fd(fd) };
    }
    // O_NONBLOCK only kept a FIFO from blocking the open; a regular file ignores it.
    if !dir.metadata()?.is_file() {
        return Err(refused());
    }
    Ok(dir)
}

/// Returns the Content-Type of a bulletin file by its extension.
pub(crate) fn content_type(name: &str) -> &'static str {
    let ext = name.rsplit_once('.').map_or("", |(_, e)| e);
    if let Some(f) = crate::encode::Format::parse(ext) {
        return f.mime();
    }
    match ext {
        "srt" => "application/x-subrip; charset=utf-8",
        "vtt" => "text/vtt; charset=utf-8",
        "json" => "application/json",
        "html" => "text/html; charset=utf-8",
        _ => "application/octet-stream",
    }
}

/// What a `Range` header asks of a file of `len` bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Wanted {
    /// The whole file (no range, or one to ignore).
    Whole,
    /// Bytes `first..=last`.
    Part(u64, u64),
    /// A range that starts past the end (or an empty suffix): 416.
    Unsatisfiable,
}

/// Reads a `Range` header value for a file of `len` bytes.
pub(crate) fn wanted(range: Option<&str>, len: u64) -> Wanted {
    let Some(spec) = range.and_then(|r| r.trim().strip_prefix("bytes=")) else { return Wanted::Whole };
    let spec = spec.trim();
    if spec.contains(',') {
        return Wanted::Whole;
    }
    let Some((a, b)) = spec.split_once('-') else { return Wanted::Whole };
    let num =
        |s: &str| (!s.is_empty() && s.bytes().all(|c| c.is_ascii_digit())).then(|| s.parse::<u64>().ok()).flatten();
    match (a.trim(), b.trim()) {
        ("", n) => match num(n) {
            None => Wanted::Whole,
            Some(0) => Wanted::Unsatisfiable,
            Some(_) if len == 0 => Wanted::Unsatisfiable,
            Some(n) => Wanted::Part(len.saturating_sub(n), len - 1),
        },
        (a, "") => match num(a) {
            None => Wanted::Whole,
            Some(a) if a >= len => Wanted::Unsatisfiable,
            Some(a) => Wanted::Part(a, len - 1),
        },
        (a, b) => match (num(a), num(b)) {
            (Some(a), Some(b)) if a <= b => {
                if a >= len {
                    Wanted::Unsatisfiable
                } else {
                    Wanted::Part(a, b.min(len - 1))
                }
            }
            _ => Wanted::Whole,
        },
    }
}

/// Serves the open `file` named `name` (for its Content-Type) as the request `headers` ask.
pub(crate) fn respond(file: File, name: &str, headers: &HeaderMap) -> Response {
    let meta = match file.metadata() {
        Ok(m) => m,
        Err(_) => return StatusCode::NOT_FOUND.into_response(),
    };
    let len = meta.len();
    let mtime =
        meta.modified().ok().and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok()).map_or(0, |d| d.as_nanos());
    let etag = format!("\"{len:x}-{mtime:x}\"");
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    // If-Range: the range only applies to the version of the file the client has.
    let fresh = headers.get(header::IF_RANGE).and_then(|v| v.to_str().ok()).is_none_or(|v| v.trim() == etag);
    let want = if fresh { wanted(range, len) } else { Wanted::Whole };
    let mut h = HeaderMap::new();
    h.insert(header::ACCEPT_RANGES, HeaderValue::from_static("bytes"));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type(name)));
    h.insert(header::HeaderName::from_static("x-content-type-options"), HeaderValue::from_static("nosniff"));
    if let Ok(v) = HeaderValue::from_str(&etag) {
        h.insert(header::ETAG, v);
    }
    let (status, first, count) = match want {
        Wanted::Whole => (StatusCode::OK, 0, len),
        Wanted::Part(a, b) => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes {a}-{b}/{len}")) {
                h.insert(header::CONTENT_RANGE, v);
            }
            (StatusCode::PARTIAL_CONTENT, a, b - a + 1)
        }
        Wanted::Unsatisfiable => {
            if let Ok(v) = HeaderValue::from_str(&format!("bytes */{len}")) {
                h.insert(header::CONTENT_RANGE, v);
            }
            h.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
            let body = serde_json::json!({"error": {
                "message": format!("range not satisfiable: the file has {len} bytes"),
                "type": "invalid_request_error", "param": "Range"}});
            return (StatusCode::RANGE_NOT_SATISFIABLE, h, body.to_string()).into_response();
        }
    };
    h.insert(header::CONTENT_LENGTH, HeaderValue::from(count));
    (status, h, Body::from_stream(read_span(file, first, count))).into_response()
}

/// Streams `count` bytes of `file` from `first`, read on a blocking thread; the thread stops
/// when the client goes away (the channel closes).
fn read_span(mut file: File, first: u64, count: u64) -> impl futures_util::Stream<Item = std::io::Result<Bytes>> {
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Bytes>>(4);
    tokio::task::spawn_blocking(move || {
        if let Err(e) = file.seek(SeekFrom::Start(first)) {
            let _ = tx.blocking_send(Err(e));
            return;
        }
        let mut left = count;
        while left > 0 {
            let mut buf = vec![0u8; CHUNK.min(left as usize)];
            match file.read(&mut buf) {
                // A file that shrank under us: end the body short, which aborts the connection.
                Ok(0) => {
                    let _ = tx.blocking_send(Err(std::io::Error::other("file shrank while being sent")));
                    return;
                }
                Ok(n) => {
                    buf.truncate(n);
                    left -= n as u64;
                    if tx.blocking_send(Ok(Bytes::from(buf))).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|b| (b, rx)) })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_read_as_rfc_9110_says() {
        assert_eq!(wanted(None, 100), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=0-9"), 100), Wanted::Part(0, 9));
        assert_eq!(wanted(Some("bytes=90-200"), 100), Wanted::Part(90, 99));
        assert_eq!(wanted(Some("bytes=10-"), 100), Wanted::Part(10, 99));
        assert_eq!(wanted(Some("bytes=-10"), 100), Wanted::Part(90, 99));
        assert_eq!(wanted(Some("bytes=-500"), 100), Wanted::Part(0, 99));
        assert_eq!(wanted(Some("bytes=100-"), 100), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=100-150"), 100), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=-0"), 100), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=-5"), 0), Wanted::Unsatisfiable);
        assert_eq!(wanted(Some("bytes=5-2"), 100), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=0-1,5-9"), 100), Wanted::Whole);
        assert_eq!(wanted(Some("items=0-9"), 100), Wanted::Whole);
        assert_eq!(wanted(Some("bytes=+1-2"), 100), Wanted::Whole);
    }

    #[test]
    fn only_plain_names_are_accepted() {
        for bad in ["", ".", "..", ".hidden", "a/b", "a\\b", "/etc", "%2e%2e", "a\0b", "ä"] {
            assert!(!plain_name(bad), "{bad:?}");
        }
        for good in ["bulletin.wav", "article-001.mp3", "manifest.json"] {
            assert!(plain_name(good), "{good}");
        }
    }

    #[test]
    fn symlinks_under_the_root_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("root");
        std::fs::create_dir_all(root.join("sub")).unwrap();
        std::fs::write(root.join("sub/f.txt"), b"x").unwrap();
        std::fs::write(dir.path().join("outside.txt"), b"secret").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside.txt"), root.join("sub/link.txt")).unwrap();
        std::os::unix::fs::symlink(dir.path(), root.join("up")).unwrap();
        assert!(open_beneath(&root, &["sub", "f.txt"]).is_ok());
        assert!(open_beneath(&root, &["sub", "link.txt"]).is_err());
        assert!(open_beneath(&root, &["up", "outside.txt"]).is_err());
        assert!(open_beneath(&root, &["sub"]).is_err(), "a directory is not a file");
        assert!(open_beneath(&root, &["..", "outside.txt"]).is_err());
    }
}
