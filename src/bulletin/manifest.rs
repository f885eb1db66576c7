//! `manifest.json`: what a bulletin holds and where — articles, headlines, every sentence
//! with its start and end, the voice and settings used, the loudness reached, and the
//! articles skipped under `--keep-going`. Its JSON Schema is [`SCHEMA`]
//! (`src/bulletin/manifest.schema.json`); the tests validate real manifests against it.

use serde::{Deserialize, Serialize};

/// The JSON Schema (draft 2020-12) every manifest satisfies.
pub const SCHEMA: &str = include_str!("manifest.schema.json");

/// The manifest's format version; bumped when a field changes meaning or goes away.
pub const FORMAT: u32 = 1;

/// The whole manifest.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    /// Manifest format version ([`FORMAT`]).
    pub format: u32,
    /// The samachar version that made the bulletin.
    pub samachar_version: String,
    /// The bulletin title (spoken in the opening line).
    pub title: String,
    /// The bulletin date, `YYYY-MM-DD`.
    pub date: String,
    /// The opening line as spoken, if there is one.
    pub intro: Option<String>,
    /// The closing line as spoken.
    pub closing: String,
    /// The voice used.
    pub voice: VoiceInfo,
    /// Settings that shaped the audio.
    pub settings: Settings,
    /// The bulletin audio file.
    pub audio: AudioInfo,
    /// The caption files (names relative to the manifest).
    pub captions: CaptionFiles,
    /// The listening page, if written (relative name).
    pub html: Option<String>,
    /// Articles in bulletin order.
    pub articles: Vec<ArticleEntry>,
    /// Every spoken sentence in order (opening, headlines, bodies, closing).
    pub sentences: Vec<SentenceEntry>,
    /// Inputs left out under `--keep-going`, with the reason.
    pub skipped: Vec<Skipped>,
}

/// The voice used.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VoiceInfo {
    /// The name or path given with `--voice`.
    pub name: String,
    /// The voice's parameters, as its TOML file gives them.
    pub parameters: serde_json::Value,
}

/// Settings that shaped the audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Settings {
    /// Speaking rate multiplier.
    pub rate: f32,
    /// Pitch multiplier.
    pub pitch: f32,
    /// Volume multiplier (before loudness normalization).
    pub volume: f32,
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Integrated loudness target, LUFS.
    pub loudness_target_lufs: f64,
    /// True-peak ceiling, dBTP.
    pub true_peak_max_dbtp: f64,
    /// Whether the opening line was spoken.
    pub intro: bool,
    /// Whether one WAV per article was written.
    pub split: bool,
    /// Whether failed inputs were skipped.
    pub keep_going: bool,
}

/// The bulletin audio.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AudioInfo {
    /// File name, relative to the manifest.
    pub file: String,
    /// Sample rate, Hz.
    pub sample_rate: u32,
    /// Length in sample frames.
    pub samples: u64,
    /// Length in seconds.
    pub duration: f64,
    /// Integrated loudness of the published file, LUFS (`null` for silence); for MP3 as
    /// decoded.
    pub integrated_lufs: Option<f64>,
    /// True peak of the published file, dBTP (`null` for silence); for MP3 as decoded.
    pub true_peak_dbtp: Option<f64>,
    /// Gain applied by normalization, dB.
    pub gain_db: f64,
}

/// Caption file names.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CaptionFiles {
    /// SubRip file.
    pub srt: String,
    /// WebVTT file.
    pub vtt: String,
}

/// One article.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ArticleEntry {
    /// 1-based position in the bulletin.
    pub index: usize,
    /// Where it came from (path, `<stdin>`, `feed.xml#3`).
    pub source: String,
    /// The headline.
    pub headline: String,
    /// Start of its headline, seconds.
    pub start: f64,
    /// End of its last sentence, seconds.
    pub end: f64,
    /// Start, in sample frames.
    pub start_sample: u64,
    /// End, in sample frames.
    pub end_sample: u64,
    /// Ids of its sentences, in order.
    pub sentences: Vec<String>,
    /// Its own WAV under `--split` (relative name).
    pub file: Option<String>,
}

/// One spoken sentence (a caption cue).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SentenceEntry {
    /// Identifier (`s1`, `s2`, …), also the caption cue id and the page element id.
    pub id: String,
    /// Its part: intro, headline, body or closing.
    pub role: String,
    /// The 1-based article it belongs to, if any.
    pub article: Option<usize>,
    /// The text as written.
    pub text: String,
    /// Start, seconds.
    pub start: f64,
    /// End, seconds.
    pub end: f64,
    /// First sample frame.
    pub start_sample: u64,
    /// One past the last sample frame.
    pub end_sample: u64,
}

/// An input left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// What was skipped (path, `feed.xml#3`).
    pub source: String,
    /// Why.
    pub reason: String,
}

impl Manifest {
    /// Returns the manifest as pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}
