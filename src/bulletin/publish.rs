//! The bulletin audio in its format, at the loudness target as published.
//!
//! In: the un-normalized render and the target. Out: the normalized WAV and, for an encoded
//! format, the encoded file, measured as a player decodes it. A lossy codec changes the
//! level (LAME at 96 kbit/s: about −0.55 LU on speech, which the first pass anticipates),
//! so the encoded file is decoded and measured (an MP3 at 22.05 or 44.1 kHz is encoded in
//! segments on every core while the WAV is written, and measured segment by segment,
//! [`crate::encode::mp3par`]); if it misses the target by more than [`TOLERANCE_LU`] or
//! its true peak is over the ceiling, the loudness pass is repeated with the target moved
//! by the miss (and the ceiling lowered by the overshoot) and the file encoded again.
//! Lossless formats are not measured again: their samples are the WAV's.

use std::path::Path;

use super::loudness::{self, Measurement, Normalized, OutputMeter, Slice, Target};
use crate::encode::{AudioOut, Format, Tags};
use crate::render::wav::Overwrite;
use crate::{Error, Result};

/// How far the decoded loudness may be from the target before the pass is repeated, LU
/// (half the 0.5 LU that is promised, so the correction lands well inside it).
pub const TOLERANCE_LU: f64 = 0.25;

/// The level LAME at 96 kbit/s takes off the built-in voices' speech, LU, as measured on
/// the decoded file (0.55 on a 31 s and on a 1.7 h bulletin). The first loudness pass aims
/// this much higher, so one encoding is usually enough; the measurement still decides.
pub const MP3_LOSS_LU: f64 = 0.55;

/// Returns the target the first loudness pass aims at for `format`.
pub fn first_aim(target: Target, format: Format) -> Target {
    match format {
        Format::Mp3 => Target { lufs: target.lufs + MP3_LOSS_LU, ..target },
        Format::Wav | Format::Flac | Format::Opus => target,
    }
}

/// Most encodings tried.
const MAX_PASSES: u32 = 3;

/// What to encode, and from what.
#[derive(Debug, Clone, Copy)]
pub struct Job<'a> {
    /// The un-normalized render (float WAV), for a repeated loudness pass.
    pub raw: &'a Path,
    /// The normalized 16-bit WAV (rewritten by a repeated pass).
    pub wav: &'a Path,
    /// Per-article slices the loudness pass also writes.
    pub slices: &'a [Slice],
    /// The loudness target.
    pub target: Target,
    /// The encoded file to write.
    pub dst: &'a Path,
    /// Its format.
    pub format: Format,
    /// The sample rate of the WAV.
    pub rate: u32,
    /// Tags and chapters.
    pub tags: &'a Tags,
}

/// What [`encode`] produced.
#[derive(Debug, Clone, Copy)]
pub struct Encoded {
    /// The loudness pass whose WAV was encoded last.
    pub norm: Normalized,
    /// The encoded file as decoded (for a lossless format, the WAV's own measurement).
    pub published: Measurement,
    /// Encodings made (1 unless a correction was needed).
    pub passes: u32,
}

/// Encodes the WAV `src` into `dst` block by block, keeping `src`.
pub fn encode_file(src: &Path, dst: &Path, format: Format, rate: u32, tags: &Tags) -> Result<()> {
    encode_with(src, dst, format, rate, tags, false).map(|_| ())
}

/// Encodes as [`encode_file`] does; for a lossy format, also returns the file's loudness as
/// decoded, measured on another thread while it is encoded.
pub fn encode_measured(src: &Path, dst: &Path, format: Format, rate: u32, tags: &Tags) -> Result<Option<Measurement>> {
    encode_with(src, dst, format, rate, tags, true)
}

fn encode_with(
    src: &Path,
    dst: &Path,
    format: Format,
    rate: u32,
    tags: &Tags,
    measure: bool,
) -> Result<Option<Measurement>> {
    if measure && format == Format::Mp3 && crate::encode::mp3par::supports(rate) {
        // A whole file: encoded in segments on every core, measured as decoded.
        let e = crate::encode::mp3par::encode_file(src, dst, tags, Overwrite::Refuse)?;
        return Ok(Some(e.measured));
    }
    let mut out = AudioOut::create(format, dst, rate, Overwrite::Refuse)?;
    if measure {
        if let AudioOut::Mp3(m) = &mut out {
            m.measure_decoded()?;
        }
    }
    let bad = |e: hound::Error| Error::Other(format!("{}: {e}", src.display()));
    let r = hound::WavReader::open(src).map_err(bad)?;
    let spec = r.spec();
    drop(r);
    if spec.bits_per_sample == 16 && spec.sample_format == hound::SampleFormat::Int && spec.channels == 1 {
        // The 16-bit samples go to the encoder unchanged (bit-exact for FLAC).
        loudness::for_each_block_i16(src, |b| out.write_i16(b))?;
    } else {
        loudness::for_each_block(src, |b| out.write(b))?;
    }
    match out {
        AudioOut::Mp3(m) => Ok(m.commit_measured(tags)?.1),
        other => {
            other.commit(tags)?;
            // Opus is decoded and measured once written (its decoder is fast).
            match (measure, format) {
                (true, Format::Opus) => crate::encode::opus::loudness(dst).map(Some),
                _ => Ok(None),
            }
        }
    }
}

/// Normalizes `job.raw` into `job.wav` aimed at `aim` (best [`first_aim`]) and, for an
/// encoded format, encodes it to `job.dst` so that the file as decoded meets the target;
/// a WAV is the published file itself (measured as written).
pub fn encode(job: &Job<'_>, aim: Target) -> Result<Encoded> {
    if job.format == Format::Wav {
        let norm = loudness::normalize_with(job.raw, job.wav, aim, job.slices, OutputMeter::Full)?;
        return Ok(Encoded { norm, published: norm.output, passes: 1 });
    }
    let mut aim = aim;
    let mut passes = 0;
    loop {
        passes += 1;
        let (mut norm, m) = pass(job, aim)?;
        let Some(m) = m else {
            return Ok(Encoded { norm, published: norm.output, passes });
        };
        let off = m.lufs.map_or(0.0, |l| job.target.lufs - l);
        // 0.1 dB of margin for the difference between two true-peak meters.
        let over = m.true_peak.map_or(0.0, |tp| tp - (job.target.max_true_peak - 0.1));
        if (off.abs() <= TOLERANCE_LU && over <= 0.0) || passes == MAX_PASSES {
            norm.reached = m.lufs.is_some_and(|l| (l - job.target.lufs).abs() <= 0.5);
            return Ok(Encoded { norm, published: m, passes });
        }
        // Aim the WAV off by the miss (from where it actually is, so any first pass works).
        aim.lufs = norm.output.lufs.unwrap_or(aim.lufs) + off;
        if over > 0.0 {
            aim.max_true_peak -= over + 0.1;
        }
        std::fs::remove_file(job.dst).map_err(|err| Error::Io { path: job.dst.to_path_buf(), err })?;
    }
}

/// One loudness pass aimed at `aim` and one encoding: the pass and, for a lossy format,
/// the encoded file as decoded.
fn pass(job: &Job<'_>, aim: Target) -> Result<(Normalized, Option<Measurement>)> {
    if job.format == Format::Mp3 && crate::encode::mp3par::supports(job.rate) {
        // Encoded in segments on every core while the WAV is written (the encoders are
        // the bulletin's longest stage); measured as decoded, so the WAV is not measured.
        let frames = loudness::layout(job.raw)?.frames;
        let (e, norm) = crate::encode::mp3par::encode_while_written(
            job.wav,
            job.rate,
            frames,
            job.dst,
            job.tags,
            Overwrite::Refuse,
            |f| loudness::normalize_followed(job.raw, job.wav, aim, job.slices, f),
        )?;
        return Ok((norm, Some(e.measured)));
    }
    // An MP3 (at another rate) is measured as decoded: its WAV's true peak is not needed.
    let meter = if job.format == Format::Mp3 { OutputMeter::Loudness } else { OutputMeter::Full };
    let norm = loudness::normalize_with(job.raw, job.wav, aim, job.slices, meter)?;
    let m = encode_measured(job.wav, job.dst, job.format, job.rate, job.tags)?;
    Ok((norm, m))
}
