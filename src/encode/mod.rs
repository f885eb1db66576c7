//! Encoded audio output beside the WAV writer: one small interface ([`AudioOut`]) that the
//! renderer and the bulletin write samples into, whatever the file format.
//!
//! Every format writes to a hidden temporary file beside the target and moves it into
//! place on [`AudioOut::commit`], like [`crate::render::wav::WavFile`]: a failed or
//! interrupted run never leaves a truncated file under the target name.
//!
//! Formats: WAV (16-bit PCM, the render's own rate), FLAC (lossless, an encoder of our own,
//! see [`flac`]) and MP3 (LAME, built from the source
//! bundled in the `mp3lame-sys` crate by its build script: no system library is needed;
//! LAME is LGPL-3.0). Speech defaults for MP3: mono, 96 kbit/s constant bit rate, 44.1 kHz
//! (Apple's recommendation for spoken-word podcasts); a render at another rate is
//! resampled by LAME's own polyphase resampler. Opus (in Ogg, mono, 32 kbit/s constrained VBR; see
//! [`opus`]) is encoded by `opus-pure`, pure Rust, through an Ogg muxer of our own
//! ([`ogg`]). Encoding streams: memory does not grow with the length of the audio, and the
//! same samples always give the same bytes.

pub mod flac;
pub mod id3;
pub mod mp3;
pub mod mp3dec;
pub mod mp3par;
pub mod ogg;
pub mod opus;
pub mod resample;
pub mod stream;
pub mod temp;
pub mod upsample;

use std::path::{Path, PathBuf};

use crate::render::wav::{Overwrite, WavFile};
use crate::render::{Sink, Unit};
use crate::{Error, Result};

/// An output file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// 16-bit PCM mono RIFF/WAV at the render's sample rate.
    Wav,
    /// MPEG-1 Layer III, mono, constant bit rate, 44.1 kHz, with an ID3v2.4 tag.
    Mp3,
    /// FLAC (lossless), 16-bit mono at the render's rate, with Vorbis comments.
    Flac,
    /// Opus in Ogg, mono, 32 kbit/s (constrained VBR), with Vorbis-comment chapters.
    Opus,
}

impl Format {
    /// All formats, for help texts.
    pub const NAMES: [&'static str; 4] = ["wav", "mp3", "flac", "opus"];

    /// Parses a format name (`wav`, `mp3`, `flac`, `opus`), case-insensitively.
    pub fn parse(s: &str) -> Option<Format> {
        match s.to_ascii_lowercase().as_str() {
            "wav" | "wave" => Some(Format::Wav),
            "mp3" => Some(Format::Mp3),
            "flac" => Some(Format::Flac),
            "opus" => Some(Format::Opus),
            _ => None,
        }
    }

    /// The format a path's extension names, if any.
    pub fn from_path(p: &Path) -> Option<Format> {
        p.extension().and_then(|e| e.to_str()).and_then(Format::parse)
    }

    /// The file extension (without the dot).
    pub fn extension(self) -> &'static str {
        match self {
            Format::Wav => "wav",
            Format::Mp3 => "mp3",
            Format::Flac => "flac",
            Format::Opus => "opus",
        }
    }

    /// The MIME type (for a podcast enclosure).
    pub fn mime(self) -> &'static str {
        match self {
            Format::Wav => "audio/wav",
            Format::Mp3 => "audio/mpeg",
            Format::Flac => "audio/flac",
            // RFC 7845 §9: Ogg Opus files are audio/ogg (with codecs=opus).
            Format::Opus => "audio/ogg",
        }
    }

    /// Chooses the format from an explicit `--format` and the output path: the explicit one
    /// wins; else the path's extension if it names a format; else WAV. An explicit format
    /// that contradicts a known extension of the path is an error (the file would lie).
    pub fn choose(explicit: Option<Format>, path: Option<&Path>) -> Result<Format> {
        let by_ext = path.and_then(Format::from_path);
        match (explicit, by_ext) {
            (Some(f), Some(e)) if f != e => Err(Error::Other(format!(
                "{}: --format {} does not match the file's extension",
                path.map(|p| p.display().to_string()).unwrap_or_default(),
                f.extension()
            ))),
            (Some(f), _) => Ok(f),
            (None, Some(e)) => Ok(e),
            (None, None) => Ok(Format::Wav),
        }
    }
}

/// What a file says about itself: tags and chapters (formats that have no place for them
/// ignore them; WAV cue points are written by the bulletin itself).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Tags {
    /// Title of the programme or text.
    pub title: String,
    /// Artist / publisher (ID3 `TPE1` and `TPUB`; Vorbis `ARTIST` and `ORGANIZATION`).
    pub artist: String,
    /// Recording date, ISO 8601 (`2026-12-01`).
    pub date: String,
    /// ISO 639-2 language code (`hin`).
    pub language: String,
    /// Free comment.
    pub comment: String,
    /// Chapters, in order.
    pub chapters: Vec<Chapter>,
}

/// A chapter: a titled span of the audio, in samples of the render's rate.
#[derive(Debug, Clone, PartialEq)]
pub struct Chapter {
    /// Title shown by players.
    pub title: String,
    /// First sample.
    pub start: u64,
    /// One past the last sample.
    pub end: u64,
}

/// An audio file being written in some format; commit moves it into place.
// One per file: the MP3 writer's inline state costs nothing worth boxing.
#[allow(clippy::large_enum_variant)]
pub enum AudioOut {
    /// WAV.
    Wav(WavFile),
    /// MP3.
    Mp3(mp3::Mp3File),
    /// FLAC.
    Flac(flac::FlacFile),
    /// Ogg Opus.
    Opus(Box<opus::OpusFile>),
}

impl std::fmt::Debug for AudioOut {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AudioOut").field("target", &self.target()).finish()
    }
}

impl AudioOut {
    /// Starts a file of `format` for `target`, fed with samples at `sample_rate`.
    pub fn create(format: Format, target: &Path, sample_rate: u32, overwrite: Overwrite) -> Result<AudioOut> {
        Ok(match format {
            Format::Wav => AudioOut::Wav(WavFile::create(target, sample_rate, overwrite)?),
            Format::Mp3 => AudioOut::Mp3(mp3::Mp3File::create(target, sample_rate, overwrite)?),
            Format::Flac => AudioOut::Flac(flac::FlacFile::create(target, sample_rate, overwrite)?),
            Format::Opus => AudioOut::Opus(Box::new(opus::OpusFile::create(target, sample_rate, overwrite)?)),
        })
    }

    /// The path the file will have once committed.
    pub fn target(&self) -> &Path {
        match self {
            AudioOut::Wav(w) => w.target(),
            AudioOut::Mp3(m) => m.target(),
            AudioOut::Flac(f) => f.target(),
            AudioOut::Opus(o) => o.target(),
        }
    }

    /// Appends samples (in [-1, 1]).
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        match self {
            AudioOut::Wav(w) => w.write(samples),
            AudioOut::Mp3(m) => m.write(samples),
            AudioOut::Flac(f) => f.write(samples),
            AudioOut::Opus(o) => o.write(samples),
        }
    }

    /// Appends 16-bit samples (a 16-bit WAV's, unchanged: FLAC stays bit-exact).
    pub fn write_i16(&mut self, samples: &[i16]) -> Result<()> {
        match self {
            AudioOut::Flac(f) => f.write_i16(samples),
            AudioOut::Mp3(m) => m.write_i16(samples),
            AudioOut::Opus(o) => o.write_i16(samples),
            AudioOut::Wav(w) => {
                // x / 32767 maps back to x exactly through the writer's ×32767 and rounding.
                let f: Vec<f32> = samples.iter().map(|&x| f32::from(x) / 32767.0).collect();
                w.write(&f)
            }
        }
    }

    /// Appends `n` samples of silence.
    pub fn write_silence(&mut self, n: u64) -> Result<()> {
        match self {
            AudioOut::Wav(w) => w.write_silence(n),
            AudioOut::Mp3(m) => m.write_silence(n),
            AudioOut::Flac(f) => f.write_silence(n),
            AudioOut::Opus(o) => o.write_silence(n),
        }
    }

    /// The WAV writer, for RIFF chunks (cue points) only a WAV has.
    pub fn as_wav(&mut self) -> Option<&mut WavFile> {
        match self {
            AudioOut::Wav(w) => Some(w),
            _ => None,
        }
    }

    /// Finishes the file with these tags and moves it into place; returns its path.
    pub fn commit(self, tags: &Tags) -> Result<PathBuf> {
        match self {
            AudioOut::Wav(w) => w.commit(),
            AudioOut::Mp3(m) => m.commit(tags),
            AudioOut::Flac(f) => f.commit(tags),
            AudioOut::Opus(o) => o.commit(tags),
        }
    }
}

impl Sink for AudioOut {
    fn unit(&mut self, _: usize, _: &Unit, _: u64, samples: &[f32]) -> Result<()> {
        self.write(samples)
    }
    fn silence(&mut self, _: u64, len: u64) -> Result<()> {
        self.write_silence(len)
    }
}
