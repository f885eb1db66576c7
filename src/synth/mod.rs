//! Synthesis: [`Utterance`] → [`Audio`] with a [`Voice`].
//!
//! The built-in synthesizer is a formant (Klatt-family) synthesizer: no recorded data.

use crate::prosody::Utterance;

/// Mono audio samples in [-1, 1] at a sample rate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Audio {
    /// Samples, mono.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
}

/// A voice: speaker settings read from `voices/*.toml`.
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct Voice {
    /// Short name used with `--voice`.
    pub name: String,
    /// Base pitch in Hz.
    pub pitch_hz: f32,
}

/// Renders an utterance. Placeholder: a sine at the pitch targets' mean.
pub fn render(utt: &Utterance, voice: &Voice, sample_rate: u32) -> Audio {
    let n = (utt.duration() * sample_rate as f32) as usize;
    let f = voice.pitch_hz;
    let samples = (0..n)
        .map(|i| 0.3 * (std::f32::consts::TAU * f * i as f32 / sample_rate as f32).sin())
        .collect();
    Audio { samples, sample_rate }
}
