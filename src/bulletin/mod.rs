//! Bulletins: many articles → one finished bulletin (WAV, captions, manifest, page).

pub mod captions;
pub mod input;
pub mod loudness;
pub mod plan;
pub mod wavchunks;
