//! samachar — an offline Hindi news reader.
//!
//! The pipeline, one module per stage, one typed value between stages:
//!
//! ```text
//! &str ─text::parse→ Document ─g2p::G2p→ PhoneticSentence ─backend::Backend→ Audio
//!      ─render→ WAV / playback ─bulletin→ captions, manifest
//!
//! backends (beside each other):
//!   synth::Formant  PhoneticSentence ─prosody::plan→ Utterance ─synth::Synth (a Voice)→ Audio
//! ```
//!
//! ```
//! let doc = samachar::text::parse("नमस्ते दुनिया।");
//! assert_eq!(doc.blocks.len(), 1);
//! ```
#![warn(missing_docs)]

pub mod backend;
pub mod bulletin;
pub mod cleanup;
pub mod encode;
pub mod error;
pub mod g2p;
#[cfg(feature = "neural")]
pub mod kokoro;
pub mod limits;
pub mod phoneme;
pub mod prosody;
pub mod publish;
pub mod render;
#[cfg(feature = "serve")]
pub mod serve;
pub mod ssml;
pub mod synth;
pub mod text;

pub use error::{Error, Result};
