//! samachar — an offline Hindi news reader.
//!
//! The pipeline, one module per stage, one typed value between stages:
//!
//! ```text
//! &str ─text::parse→ Document ─g2p::G2p→ PhoneticSentence ─prosody::plan→ Utterance
//!      ─synth::render (a Voice)→ Audio ─render→ WAV / playback ─bulletin→ captions, manifest
//! ```
//!
//! ```
//! let doc = samachar::text::parse("नमस्ते दुनिया।");
//! assert_eq!(doc.blocks.len(), 1);
//! ```
#![warn(missing_docs)]

pub mod bulletin;
pub mod cleanup;
pub mod encode;
pub mod error;
pub mod g2p;
pub mod limits;
pub mod phoneme;
pub mod prosody;
pub mod render;
pub mod ssml;
pub mod synth;
pub mod text;

pub use error::{Error, Result};
