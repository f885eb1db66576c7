//! `GET /`: a small listening page, compiled into the binary (`page.html`).
//!
//! The page lists the voices from `GET /v1/voices`, sends the text to `POST
//! /v1/audio/speech` (WAV) and plays the answer in an `<audio>` element. It is static (no
//! request data is written into it) and needs no token to load; a token typed into it is
//! kept in the page's memory only and sent as `Authorization: Bearer` with its own requests.
//! Built for keyboard and screen-reader use: labelled controls in reading order, the text
//! field marked `lang="hi"`, progress in a polite live region, errors in an alert that
//! takes focus back to the field to fix, a visible focus ring.

use axum::http::{header, HeaderValue};
use axum::response::{IntoResponse, Response};

/// The page's HTML (its script and style are inline).
pub const HTML: &str = include_str!("page.html");

/// Serves [`HTML`] with headers that keep it to its own origin: scripts, styles and audio
/// from the page itself and `blob:` only, no framing, no referrer.
pub(super) async fn index() -> Response {
    let mut r = HTML.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8"));
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; \
             connect-src 'self'; media-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    r
}
