//! The render boundary: a speech backend turns one [`PhoneticSentence`] into [`Audio`].
//!
//! Backends sit beside each other, each in its own module: the built-in formant voice
//! ([`crate::synth::Formant`], the default: nothing to download); a neural voice (Kokoro-82M,
//! `kokoro:NAME`, [`crate::kokoro`], with the `neural` feature) is a second implementation beside it. [`crate::render`] and
//! [`crate::bulletin`] drive a `dyn Backend` and do not know which one it is; [`open`] picks
//! one from a `--voice` value.

use std::sync::Arc;

use crate::g2p::PhoneticSentence;

/// Mono audio samples in [-1, 1] at a sample rate.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Audio {
    /// Samples, mono.
    pub samples: Vec<f32>,
    /// Samples per second.
    pub sample_rate: u32,
    /// Marks from markup (`<mark name>`): name and sample offset from the first sample.
    pub marks: Vec<(String, u64)>,
    /// Where each spoken word lies, in order; empty from a backend that cannot tell
    /// ([`Backend::word_timings`]).
    pub words: Vec<WordSpan>,
}

/// Where one spoken word lies in a sentence's audio, in samples from its first sample.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct WordSpan {
    /// Index of the word's token in the sentence (the text [`crate::text::Sentence`] and
    /// the [`PhoneticSentence`] made from it share token indices).
    pub token: usize,
    /// The first sample of its first phone.
    pub start: u64,
    /// One past the last sample of its last phone.
    pub end: u64,
}

/// Speaking settings from the command line, the same for every backend.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    /// Speaking rate multiplier (1.0 = the voice's own; 2.0 = twice as fast).
    pub rate: f32,
    /// Pitch multiplier of the voice's base pitch.
    pub pitch: f32,
    /// Linear gain multiplier (1.0 = the voice's own).
    pub volume: f32,
    /// Output sample rate in Hz.
    pub sample_rate: u32,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { rate: 1.0, pitch: 1.0, volume: 1.0, sample_rate: 22_050 }
    }
}

/// A speech backend, prepared for one voice and one set of [`Settings`]; shared read-only by
/// all rendering tasks.
///
/// Contract: `synthesize` is deterministic (the same sentence gives the same samples on any
/// thread, whatever else runs), returns audio at [`Backend::sample_rate`] with no trailing
/// pause (the renderer adds structural pauses), and peaks at or below −1 dBFS.
pub trait Backend: Send + Sync + std::fmt::Debug {
    /// Returns the output sample rate.
    fn sample_rate(&self) -> u32;
    /// Synthesizes one sentence.
    fn synthesize(&self, sentence: &PhoneticSentence) -> crate::Result<Audio>;
    /// Returns how many samples `synthesize` will produce for the sentence, without
    /// synthesizing (exact, or a close estimate where the backend cannot know in advance).
    fn projected_samples(&self, sentence: &PhoneticSentence) -> u64;
    /// Returns the voice's parameters, for manifests (JSON object).
    fn parameters(&self) -> serde_json::Value;
    /// Returns true when [`Audio::words`] gives every spoken word's span; false for a backend
    /// that knows only whole sentences (then timings stay at sentence level).
    fn word_timings(&self) -> bool {
        false
    }
}

/// The prefix of a neural (Kokoro) voice in `--voice`.
pub const KOKORO_PREFIX: &str = "kokoro:";

/// The environment variable that names the default voice (any `--voice` value).
pub const VOICE_ENV: &str = "SAMACHAR_VOICE";

/// Returns the voice used when `--voice` is not given: `$SAMACHAR_VOICE`, else `voice = "…"` in
/// the config file (`$XDG_CONFIG_HOME/samachar/config.toml`, default
/// `~/.config/samachar/config.toml`), else the first built-in formant voice.
pub fn default_voice() -> crate::Result<String> {
    if let Ok(v) = std::env::var(VOICE_ENV) {
        if !v.trim().is_empty() {
            return Ok(v.trim().to_string());
        }
    }
    if let Some(path) = config_path() {
        if let Ok(text) = std::fs::read_to_string(&path) {
            #[derive(serde::Deserialize)]
            struct Config {
                voice: Option<String>,
            }
            let c: Config = toml::from_str(&text).map_err(|e| crate::Error::Voice {
                file: path.display().to_string(),
                problem: e.to_string().split_whitespace().collect::<Vec<_>>().join(" "),
            })?;
            if let Some(v) = c.voice {
                return Ok(v);
            }
        }
    }
    Ok(crate::synth::Voice::builtin_names()[0].to_string())
}

/// Returns the config file's path, if a home or config directory is known.
pub fn config_path() -> Option<std::path::PathBuf> {
    let base = match std::env::var_os("XDG_CONFIG_HOME") {
        Some(d) if !d.is_empty() => std::path::PathBuf::from(d),
        _ => std::path::PathBuf::from(std::env::var_os("HOME")?).join(".config"),
    };
    Some(base.join("samachar").join("config.toml"))
}

/// Opens the backend for a `--voice` value: `kokoro:NAME` (or a mix such as
/// `kokoro:jf_alpha*0.6+jf_gongitsune*0.4`) for the neural voice, else a built-in formant
/// voice name or a voice TOML file.
pub fn open(voice: &str, settings: &Settings) -> crate::Result<Arc<dyn Backend>> {
    if let Some(spec) = voice.strip_prefix(KOKORO_PREFIX) {
        return open_kokoro(spec, settings);
    }
    let v = crate::synth::Voice::load(voice)?;
    Ok(Arc::new(crate::synth::Formant::new(&v, settings)))
}

/// Returns the Kokoro model directory, the first of:
/// 1. `$SAMACHAR_MODEL_DIR` ([`MODEL_DIR_ENV`]);
/// 2. `$SAMACHAR_KOKORO_DIR` ([`KOKORO_DIR_ENV`], the older name, still honoured);
/// 3. `$XDG_DATA_HOME/samachar/models/kokoro` (default `~/.local/share/samachar/models/kokoro`)
///    if that directory exists;
/// 4. `$XDG_DATA_HOME/samachar/kokoro`, the older default, if that directory exists;
/// 5. else the directory of 3 (named in "missing" errors and by `scripts/fetch-kokoro`).
///
/// An empty variable counts as unset.
pub fn kokoro_dir() -> std::path::PathBuf {
    for var in [MODEL_DIR_ENV, KOKORO_DIR_ENV] {
        if let Some(d) = std::env::var_os(var).filter(|d| !d.is_empty()) {
            return d.into();
        }
    }
    let base = match std::env::var_os("XDG_DATA_HOME") {
        Some(d) if !d.is_empty() => std::path::PathBuf::from(d),
        _ => std::path::PathBuf::from(std::env::var_os("HOME").unwrap_or_default()).join(".local").join("share"),
    };
    let new = base.join("samachar").join("models").join("kokoro");
    let old = base.join("samachar").join("kokoro");
    if !new.is_dir() && old.is_dir() {
        return old;
    }
    new
}

/// The environment variable naming the model directory (the Kokoro model's files).
pub const MODEL_DIR_ENV: &str = "SAMACHAR_MODEL_DIR";
/// The older name of [`MODEL_DIR_ENV`], still honoured after it.
pub const KOKORO_DIR_ENV: &str = "SAMACHAR_KOKORO_DIR";

/// Returns the sample rate a voice renders at when `--sample-rate` is not given: 24 kHz for
/// Kokoro voices (the model's own), 22.05 kHz for the formant voices.
pub fn native_sample_rate(voice: &str) -> u32 {
    if voice.starts_with(KOKORO_PREFIX) {
        24_000
    } else {
        Settings::default().sample_rate
    }
}

/// Opens a Kokoro voice (the `neural` feature).
#[cfg(feature = "neural")]
fn open_kokoro(spec: &str, settings: &Settings) -> crate::Result<Arc<dyn Backend>> {
    Ok(Arc::new(crate::kokoro::Kokoro::open(spec, settings, &kokoro_dir())?))
}

/// Without the `neural` feature there is no Kokoro backend: say how to get one.
#[cfg(not(feature = "neural"))]
fn open_kokoro(_spec: &str, _settings: &Settings) -> crate::Result<Arc<dyn Backend>> {
    Err(crate::Error::Other(
        "this samachar was built without the neural voice; rebuild it with `cargo build --release --features neural` (README, \"Neural voice\")".into(),
    ))
}

/// Why [`open_service`] refused a voice.
#[derive(Debug, Clone, PartialEq)]
pub enum ServiceVoiceError {
    /// Not a voice the service offers (see [`service_voices`]).
    Unknown,
    /// An offered voice that failed to open (a corrupt model, a missing runtime): the detail,
    /// for the server's log.
    Unavailable(String),
}

/// Returns the voices `samachar serve` offers: the built-in formant voices, then (with the
/// `neural` feature) `kokoro:NAME` for each Kokoro voice installed in [`kokoro_dir`].
pub fn service_voices() -> Vec<String> {
    let mut v: Vec<String> = crate::synth::Voice::builtin_names().iter().map(|n| n.to_string()).collect();
    v.extend(installed_kokoro_voices().into_iter().map(|n| format!("{KOKORO_PREFIX}{n}")));
    v
}

/// Opens a voice for `samachar serve`: a built-in name, or `kokoro:NAME` (or a mix) of
/// installed Kokoro voices. Never a file path, so a client cannot make the server read files.
pub fn open_service(voice: &str, settings: &Settings) -> Result<Arc<dyn Backend>, ServiceVoiceError> {
    if let Some(spec) = voice.strip_prefix(KOKORO_PREFIX) {
        let installed = installed_kokoro_voices();
        let names = kokoro_spec_names(spec).ok_or(ServiceVoiceError::Unknown)?;
        if names.is_empty() || !names.iter().all(|n| installed.contains(n)) {
            return Err(ServiceVoiceError::Unknown);
        }
        return open_kokoro(spec, settings).map_err(|e| ServiceVoiceError::Unavailable(e.to_string()));
    }
    let v = crate::synth::Voice::builtin(voice).map_err(|_| ServiceVoiceError::Unknown)?;
    Ok(Arc::new(crate::synth::Formant::new(&v, settings)))
}

/// The voice names of a Kokoro spec (`a*0.6+b*0.4`), or None if it does not parse.
#[cfg(feature = "neural")]
fn kokoro_spec_names(spec: &str) -> Option<Vec<String>> {
    crate::kokoro::voices::parse_spec(spec).ok().map(|m| m.into_iter().map(|(n, _)| n).collect())
}

#[cfg(not(feature = "neural"))]
fn kokoro_spec_names(_spec: &str) -> Option<Vec<String>> {
    None
}

/// The Kokoro voices installed in [`kokoro_dir`] (none without the `neural` feature, or when
/// the voices file is unreadable).
#[cfg(feature = "neural")]
fn installed_kokoro_voices() -> Vec<String> {
    crate::kokoro::installed_voices(&kokoro_dir()).unwrap_or_default()
}

#[cfg(not(feature = "neural"))]
fn installed_kokoro_voices() -> Vec<String> {
    Vec::new()
}
