//! The formant voice: [`PhoneticSentence`] → [`Audio`] through samachar's prosody and a
//! formant synthesizer ([`Formant`], one [`crate::backend::Backend`]).
//!
//! [`Synth`] renders a timed [`Utterance`] with a [`Voice`]. The built-in synthesizer is a KLSYN88-style cascade/parallel formant synthesizer: no
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

pub use crate::backend::Audio;

use crate::backend::{Backend, Settings, WordSpan};
use crate::g2p::PhoneticSentence;
use crate::phoneme::Phone;
use crate::prosody::{PhoneDurations, ProsodySettings, Utterance};

impl Voice {
    /// Returns the settings prosody needs for this voice, scaled by the command line's
    /// `--rate` (multiplier) and `--pitch` (multiplier of the voice's base pitch).
    pub fn prosody_settings(&self, rate: f32, pitch: f32) -> ProsodySettings {
        let t = phonemes::table();
        let mut d = [0f32; Phone::ALL.len()];
        for &p in Phone::ALL {
            d[p as usize] = t.get(p).dur_ms / 1000.0;
        }
        ProsodySettings {
            pitch_hz: self.pitch_hz * pitch,
            range_semitones: self.pitch_range_semitones,
            rate: (self.rate * rate).clamp(0.2, 5.0),
            durations: PhoneDurations(d),
        }
    }
}

/// The formant voice as a backend: prosody plans durations and pitch, [`Synth`] renders.
#[derive(Debug, Clone)]
pub struct Formant {
    voice: Voice,
    synth: Synth,
    prosody: ProsodySettings,
}

impl Formant {
    /// Prepares the formant backend for a voice and the speaking settings.
    pub fn new(voice: &Voice, settings: &Settings) -> Formant {
        Formant {
            voice: voice.clone(),
            synth: Synth::new(voice, settings.sample_rate, settings.volume),
            prosody: voice.prosody_settings(settings.rate, settings.pitch),
        }
    }

    /// Prepares the backend from its stages.
    pub fn from_parts(synth: Synth, prosody: ProsodySettings) -> Formant {
        Formant { voice: synth.voice().clone(), synth, prosody }
    }
}

impl Backend for Formant {
    fn sample_rate(&self) -> u32 {
        self.synth.sample_rate()
    }

    /// Volume spans from markup are applied here, with 5 ms ramps at their edges; samples stay
    /// within [-1, 1]. Marks are placed at the sample their planned time falls on.
    fn synthesize(&self, sentence: &PhoneticSentence) -> crate::Result<Audio> {
        let planned = crate::prosody::plan_full(sentence, &self.prosody);
        let mut audio = self.synth.render(&planned.utterance);
        let sr = audio.sample_rate as f32;
        for g in &planned.gains {
            apply_gain(&mut audio.samples, g.start * sr, g.end * sr, g.gain, 0.005 * sr);
        }
        let len = audio.samples.len() as u64;
        audio.marks = planned.marks.into_iter().map(|m| (m.name, ((m.time * sr).round() as u64).min(len))).collect();
        let bounds = phone_bounds(&planned.utterance, audio.sample_rate, len);
        audio.words = planned
            .words
            .iter()
            .map(|w| WordSpan { token: w.token, start: bounds[w.segments.start], end: bounds[w.segments.end] })
            .collect();
        Ok(audio)
    }

    fn word_timings(&self) -> bool {
        true
    }

    fn projected_samples(&self, sentence: &PhoneticSentence) -> u64 {
        let utt = crate::prosody::plan(sentence, &self.prosody);
        let total: f32 = utt.segments.iter().map(|s| s.duration.max(0.0)).sum();
        (total as f64 * self.sample_rate() as f64).round() as u64
    }

    fn parameters(&self) -> serde_json::Value {
        serde_json::to_value(&self.voice).unwrap_or(serde_json::Value::Null)
    }
}

/// Returns the sample where each segment of `utt` starts, and one past the end: segment `i`
/// spans `bounds[i]..bounds[i + 1]`. Times are summed in `f32` exactly as [`tracks::frames`]
/// places the phones, and rounded to the sample as [`Synth::render`] sizes the output, so a
/// boundary is the sample at which the synthesizer moves from one phone to the next.
pub fn phone_bounds(utt: &Utterance, sample_rate: u32, len: u64) -> Vec<u64> {
    let fs = f64::from(sample_rate);
    let mut out = Vec::with_capacity(utt.segments.len() + 1);
    let mut t = 0.0f32;
    out.push(0);
    for s in &utt.segments {
        t += s.duration.max(0.0);
        out.push(((t as f64 * fs).round() as u64).min(len));
    }
    out
}

/// Multiplies samples `from..to` by `gain`, ramping linearly from 1 over `ramp` samples at
/// each edge (no click), and clamps the result to [-1, 1].
fn apply_gain(samples: &mut [f32], from: f32, to: f32, gain: f32, ramp: f32) {
    let n = samples.len();
    let a = (from.max(0.0) as usize).min(n);
    let b = (to.max(0.0).ceil() as usize).min(n);
    let ramp = ramp.max(1.0);
    for (i, x) in samples.iter_mut().enumerate().take(b).skip(a) {
        let edge = ((i - a) as f32 / ramp).min((b - i) as f32 / ramp).min(1.0);
        let g = 1.0 + (gain - 1.0) * edge;
        *x = (*x * g).clamp(-1.0, 1.0);
    }
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
        Audio { samples, sample_rate: fs, marks: Vec::new(), words: Vec::new() }
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
