//! `manifest.json`: what a bulletin holds and where — articles, headlines, every sentence
//! with its start and end, the voice and settings used, the loudness reached (and whether
//! the target was), the inputs and feed items skipped under `--keep-going`, and the files of
//! input directories that were not read. Paths are published relative to the working
//! directory, or as a bare file name when outside it ([`public_path`]), never absolute. Its JSON Schema is [`SCHEMA`]
//! (`src/bulletin/manifest.schema.json`); the tests validate real manifests against it.

use std::path::{Path, PathBuf};

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
    /// Whether the voice gave word times: true for the formant voices; false for a Kokoro
    /// voice (the model returns only the waveform), and then `words` is empty.
    #[serde(default)]
    pub word_timings: bool,
    /// Every spoken word in order, with its start and end and the written token it was read
    /// from.
    #[serde(default)]
    pub words: Vec<WordEntry>,
    /// Every SSML `<mark>` of the articles, in order, with its time in the bulletin audio.
    pub marks: Vec<MarkEntry>,
    /// Whether the loudness target was reached.
    pub loudness: LoudnessInfo,
    /// Inputs and feed items left out under `--keep-going`, with the reason.
    pub skipped: Vec<Skipped>,
    /// Files of input directories that were not read (not an article or feed, hidden, a
    /// subdirectory).
    pub ignored_files: Vec<IgnoredFile>,
}

/// The loudness asked for and reached.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LoudnessInfo {
    /// Integrated loudness asked for, LUFS.
    pub target_lufs: f64,
    /// Integrated loudness as written, LUFS (`null` for silence).
    pub measured_lufs: Option<f64>,
    /// True-peak ceiling, dBTP.
    pub true_peak_max_dbtp: f64,
    /// True peak as written, dBTP (`null` for silence); never above the ceiling.
    pub true_peak_dbtp: Option<f64>,
    /// Whether the measured loudness is within 0.5 LU of the target. False when the
    /// true-peak ceiling kept the bulletin quieter (a target near −5 LUFS for speech).
    pub reached: bool,
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

/// One spoken word. The several words spoken for one written token (`₹6.29` → छह रुपये
/// उनतीस पैसे) share its `token` and `written`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WordEntry {
    /// The id of its sentence (`s3`).
    pub sentence: String,
    /// The word as spoken.
    pub text: String,
    /// 0-based index of the written token it was read from: the whitespace-separated runs of
    /// the sentence's `text`.
    pub token: usize,
    /// That written token, without the punctuation around it.
    pub written: String,
    /// Start, seconds: the first sample of its first phone.
    pub start: f64,
    /// End, seconds: one past the last sample of its last phone.
    pub end: f64,
    /// First sample frame.
    pub start_sample: u64,
    /// One past the last sample frame.
    pub end_sample: u64,
}

/// An SSML `<mark name="…"/>` of an article (a JSON feed item with `"format": "ssml"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MarkEntry {
    /// The mark's `name`.
    pub name: String,
    /// The 1-based article it is in.
    pub article: Option<usize>,
    /// The id of the sentence it is in (`s3`).
    pub sentence: String,
    /// Its time, seconds: where the word after it starts (or its sentence ends).
    pub time: f64,
    /// Its sample frame.
    pub sample: u64,
}

/// An input or feed item left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Skipped {
    /// What was skipped (path, `feed.xml#3`).
    pub source: String,
    /// The file it is in (path, `<stdin>`).
    pub file: String,
    /// The 1-based feed item, or `null` when the whole input was skipped.
    pub item: Option<usize>,
    /// Why.
    pub reason: String,
}

/// A file of an input directory that was not read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct IgnoredFile {
    /// The file.
    pub file: String,
    /// Why it was not read.
    pub reason: String,
}

/// Returns how the manifest names a file: relative to the working directory when it is
/// inside it, else only its file name (a published manifest does not reveal the layout of
/// the machine that made it).
pub fn public_path(p: &Path) -> String {
    use std::path::Component;
    let cwd = std::env::current_dir().ok();
    // Lexical first (a path given as `./a/../b.txt` or absolute), then with symbolic links
    // resolved on both sides (a working directory reached through a link).
    let lexical = cwd.as_ref().map(|c| normalize(&c.join(p)));
    let inside = |abs: &Path, base: &Path| abs.strip_prefix(base).ok().map(Path::to_path_buf);
    let rel = lexical.as_ref().zip(cwd.as_ref()).and_then(|(abs, c)| inside(abs, &normalize(c))).or_else(|| {
        let (abs, c) = (std::fs::canonicalize(p).ok()?, std::fs::canonicalize(cwd.as_ref()?).ok()?);
        inside(&abs, &c)
    });
    match rel {
        Some(r) if r.as_os_str().is_empty() => ".".into(),
        Some(r) if r.components().all(|c| matches!(c, Component::Normal(_))) => r.display().to_string(),
        _ => p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .or_else(|| lexical.as_ref().and_then(|l| l.file_name()).map(|n| n.to_string_lossy().into_owned()))
            .unwrap_or_else(|| ".".into()),
    }
}

/// Removes `.` and resolves `..` against the components before it, without the file system.
fn normalize(p: &Path) -> PathBuf {
    use std::path::Component;
    let mut out = PathBuf::new();
    for c in p.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            other => out.push(other.as_os_str()),
        }
    }
    out
}

/// Returns how the manifest names a voice: a built-in name as is, a voice file by
/// [`public_path`].
pub fn public_voice(name: &str) -> String {
    if name.contains('/') || name.ends_with(".toml") {
        let (prefix, path) = match name.split_once(':') {
            Some((pre, rest)) if !pre.contains('/') && !pre.is_empty() => (format!("{pre}:"), rest),
            _ => (String::new(), name),
        };
        format!("{prefix}{}", public_path(Path::new(path)))
    } else {
        name.to_string()
    }
}

impl Manifest {
    /// Returns the manifest as pretty JSON with a final newline.
    pub fn to_json(&self) -> String {
        let mut s = serde_json::to_string_pretty(self).unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"));
        s.push('\n');
        s
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 7: absolute paths of inputs and voice files were published in manifest.json.
    #[test]
    fn public_paths_are_relative_to_the_working_directory_or_bare_names() {
        let cwd = std::env::current_dir().unwrap();
        assert_eq!(public_path(&cwd.join("feeds").join("a.json")), "feeds/a.json");
        assert_eq!(public_path(Path::new("./feeds/../b.txt")), "b.txt");
        assert_eq!(public_path(Path::new("/elsewhere/secret/c.txt")), "c.txt");
        assert_eq!(public_path(Path::new("../outside/d.md")), "d.md");
        assert_eq!(public_voice("meera"), "meera");
        assert_eq!(public_voice("/home/u/voices/v.toml"), "v.toml");
        assert_eq!(public_voice(&format!("kokoro:{}", cwd.join("m/k.onnx").display())), "kokoro:m/k.onnx");
    }
}
