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

impl Voice {
    /// Names of the built-in voices (compiled in from `voices/*.toml`); the first is the default.
    pub fn builtin_names() -> Vec<&'static str> {
        vec!["default"]
    }

    /// Returns a built-in voice by name.
    pub fn builtin(name: &str) -> crate::Result<Voice> {
        match name {
            "default" => Ok(Voice { name: "default".into(), pitch_hz: 120.0 }),
            _ => Err(crate::Error::UnknownVoice {
                name: name.into(),
                available: Voice::builtin_names().iter().map(|s| s.to_string()).collect(),
            }),
        }
    }

    /// Loads a voice: a built-in name, or a path to a TOML voice file.
    pub fn load(name_or_path: &str) -> crate::Result<Voice> {
        let p = std::path::Path::new(name_or_path);
        if name_or_path.ends_with(".toml") || p.exists() {
            let text = std::fs::read_to_string(p)
                .map_err(|err| crate::Error::Io { path: p.to_path_buf(), err })?;
            toml::from_str(&text).map_err(|e| crate::Error::Voice { file: name_or_path.into(), problem: e.to_string() })
        } else {
            Voice::builtin(name_or_path)
        }
    }
}

/// A synthesizer for one voice at one sample rate; `Sync`, shared by all rayon tasks.
#[derive(Debug, Clone)]
pub struct Synth {
    voice: Voice,
    sample_rate: u32,
    volume: f32,
}

impl Synth {
    /// Prepares a synthesizer. `volume` is a linear gain multiplier (1.0 = the voice's own).
    pub fn new(voice: &Voice, sample_rate: u32, volume: f32) -> Synth {
        Synth { voice: voice.clone(), sample_rate, volume }
    }

    /// Returns the output sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Renders one utterance. Deterministic: the same utterance gives the same samples.
    pub fn render(&self, utt: &Utterance) -> Audio {
        render(utt, &self.voice, self.sample_rate, self.volume)
    }
}

/// Renders an utterance. Placeholder: a sine at the voice pitch.
fn render(utt: &Utterance, voice: &Voice, sample_rate: u32, volume: f32) -> Audio {
    let n = (utt.duration() * sample_rate as f32) as usize;
    let f = voice.pitch_hz;
    let samples = (0..n)
        .map(|i| 0.3 * volume * (std::f32::consts::TAU * f * i as f32 / sample_rate as f32).sin())
        .collect();
    Audio { samples, sample_rate }
}
