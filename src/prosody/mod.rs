//! Prosody: [`PhoneticSentence`] → [`Utterance`] (durations, pitch targets, pauses).
//!
//! It knows phones and structure, not audio: times are in seconds, pitch in Hz relative to
//! the voice settings passed in [`ProsodySettings`].

use crate::g2p::{PhoneToken, PhoneticSentence};
use crate::phoneme::Phone;

/// One timed segment of an utterance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// The phone, or `None` for silence.
    pub phone: Option<Phone>,
    /// Duration in seconds.
    pub duration: f32,
}

/// A pitch target: F0 in Hz at a time from the start of the utterance (seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PitchTarget {
    /// Seconds from the start of the utterance.
    pub time: f32,
    /// Fundamental frequency in Hz.
    pub hz: f32,
}

/// A fully specified utterance, ready for a synthesizer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Utterance {
    /// Segments in order (silences included).
    pub segments: Vec<Segment>,
    /// Pitch targets in time order; the synthesizer interpolates between them.
    pub pitch: Vec<PitchTarget>,
}

impl Utterance {
    /// Returns the total duration in seconds.
    pub fn duration(&self) -> f32 {
        self.segments.iter().map(|s| s.duration).sum()
    }
}

/// Speaker-level settings prosody needs (from the voice and the command line).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProsodySettings {
    /// Base (mid) pitch in Hz.
    pub pitch_hz: f32,
    /// Pitch range in semitones above the base for accents.
    pub range_semitones: f32,
    /// Speaking rate multiplier (1.0 = normal; 2.0 = twice as fast).
    pub rate: f32,
}

impl Default for ProsodySettings {
    fn default() -> Self {
        ProsodySettings { pitch_hz: 120.0, range_semitones: 4.0, rate: 1.0 }
    }
}

impl ProsodySettings {
    /// Returns the settings for a voice, scaled by the command line's `--rate` (multiplier)
    /// and `--pitch` (multiplier of the voice's base pitch).
    pub fn for_voice(voice: &crate::synth::Voice, rate: f32, pitch: f32) -> ProsodySettings {
        ProsodySettings { pitch_hz: voice.pitch_hz * pitch, range_semitones: 4.0, rate }
    }
}

/// Plans durations and pitch for a sentence. Placeholder: flat durations and pitch.
pub fn plan(s: &PhoneticSentence, set: &ProsodySettings) -> Utterance {
    let mut segments = Vec::new();
    for t in &s.tokens {
        match t {
            PhoneToken::Word { pron, .. } => {
                for &p in &pron.phones {
                    let d = if p.is_vowel() { 0.09 } else { 0.06 };
                    segments.push(Segment { phone: Some(p), duration: d / set.rate });
                }
            }
            PhoneToken::Pause(_) => segments.push(Segment { phone: None, duration: 0.15 / set.rate }),
        }
    }
    let mut u = Utterance { segments, pitch: Vec::new() };
    let total = u.duration();
    u.pitch = vec![PitchTarget { time: 0.0, hz: set.pitch_hz }, PitchTarget { time: total, hz: set.pitch_hz * 0.85 }];
    u
}
