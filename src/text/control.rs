//! Controls carried in a [`super::Document`] from markup ([`crate::ssml`]); the plain-text
//! front end never produces them.

use crate::phoneme::Phone;

/// Per-span prosody scales, relative to the speaker's settings (1.0 = unchanged).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scales {
    /// Speaking-rate multiplier (2.0 = twice as fast).
    pub rate: f32,
    /// Pitch multiplier (of every pitch target).
    pub pitch: f32,
    /// An absolute base pitch in Hz for the span (`prosody pitch="150Hz"`), which `pitch`
    /// then multiplies; `None` keeps the voice's.
    pub pitch_hz: Option<f32>,
    /// Linear gain multiplier.
    pub volume: f32,
}

impl Default for Scales {
    fn default() -> Self {
        Scales { rate: 1.0, pitch: 1.0, pitch_hz: None, volume: 1.0 }
    }
}

/// A control token inside a sentence.
#[derive(Debug, Clone, PartialEq)]
pub enum Control {
    /// A silence of exactly this many seconds (not scaled by the speaking rate).
    Break(f32),
    /// A named point; its time is reported in timings (`mark name`).
    Mark(String),
    /// The scales for the words that follow, until the next `Prosody` (absolute values for
    /// the span, already combined with any enclosing span).
    Prosody(Scales),
    /// A word with a forced pronunciation (bypasses G2P).
    Phones {
        /// The word as written (for timings).
        text: String,
        /// Its phones.
        phones: Vec<Phone>,
    },
}
