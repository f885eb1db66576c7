//! Bulletins: many articles → one finished bulletin (WAV, captions, manifest, page).
