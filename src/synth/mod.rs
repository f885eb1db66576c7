//! Synthesis: [`Utterance`] → [`Audio`] with a [`Voice`].
//!
//! The built-in synthesizer is a KLSYN88-style cascade/parallel formant synthesizer: no
//! recorded data. [`tracks`] turns timed phones into 5 ms parameter frames using the phoneme
//! table (`voices/phonemes.toml`, see [`phonemes`]); [`klatt`] renders the frames with a
//! KLGLOTT88 source ([`glottal`]) and deterministic noise ([`noise`]).

pub mod glottal;
pub mod klatt;
pub mod noise;
pub mod phonemes;
pub mod tracks;
mod voice;

pub use voice::Voice;

use crate::prosody::Utterance;

/// Mono audio samples in [-1, 1] at a sample rate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Audio {
    /// Samples, mono.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
}

/// A synthesizer for one voice at one sample rate; `Sync`, shared by all rayon tasks.
#[derive(Debug, Clone)]
pub struct Synth {
    voice: Voice,
    sample_rate: u32,
    gain: f32,
}

/// Peak ceiling: −1 dBFS.
const CEILING: f32 = 0.891;
/// The soft limiter starts acting above this level.
const KNEE: f32 = 0.7;

impl Synth {
    /// Prepares a synthesizer. `volume` is a linear gain multiplier (1.0 = the voice's own).
    pub fn new(voice: &Voice, sample_rate: u32, volume: f32) -> Synth {
        // Parse the phoneme table now, not inside the first parallel task.
        let _ = phonemes::table();
        let gain = 10f32.powf(voice.gain_db / 20.0) * volume.max(0.0);
        Synth { voice: voice.clone(), sample_rate: sample_rate.max(8000), gain }
    }

    /// Returns the output sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.sample_rate
    }

    /// Returns the voice.
    pub fn voice(&self) -> &Voice {
        &self.voice
    }

    /// Renders one utterance. Deterministic: the same utterance gives the same samples.
    pub fn render(&self, utt: &Utterance) -> Audio {
        let fs = self.sample_rate;
        let total: f32 = utt.segments.iter().map(|s| s.duration.max(0.0)).sum();
        let nsamples = (total as f64 * fs as f64).round() as usize;
        let mut samples = Vec::with_capacity(nsamples);
        if nsamples > 0 {
            let frames = tracks::frames(utt, &self.voice);
            // Seed from the utterance's content: same utterance → same noise, any thread.
            let seed = noise::seed_from(
                utt.segments
                    .iter()
                    .flat_map(|s| [s.phone.map(|p| phonemes::index(p) as u32 + 1).unwrap_or(0), s.duration.to_bits()]),
            );
            klatt::synthesize(&frames, fs, self.voice.breathiness, seed, &mut samples, nsamples);
            finish(&mut samples, self.gain, fs);
        }
        Audio { samples, sample_rate: fs }
    }
}

/// Applies output gain, the soft limiter (peak ≤ −1 dBFS) and 5 ms fades at both ends.
fn finish(x: &mut [f32], gain: f32, fs: u32) {
    let span = CEILING - KNEE;
    for s in x.iter_mut() {
        let v = *s * gain;
        let a = v.abs();
        *s = if a <= KNEE {
            v
        } else if a.is_finite() {
            // tanh knee: continuous slope at KNEE, asymptote CEILING.
            v.signum() * (KNEE + span * ((a - KNEE) / span).tanh())
        } else {
            0.0
        };
    }
    let fade = ((0.005 * fs as f32) as usize).min(x.len() / 2);
    let n = x.len();
    for i in 0..fade {
        let w = i as f32 / fade as f32;
        x[i] *= w;
        x[n - 1 - i] *= w;
    }
}
