//! Loudness: a second pass over a rendered WAV on disk that brings its integrated loudness
//! to a target (−16 LUFS by default, −23 for EBU R128 broadcast) with the true peak held
//! under a ceiling (−1 dBTP).
//!
//! In: a WAV file (float or 16-bit). Out: a 16-bit WAV (and optional per-article slices of
//! it). Both passes stream the file in blocks, so memory does not grow with its length.
//! Loudness and true peak are measured with the ebur128 crate (ITU-R BS.1770-4 / EBU
//! R128). A look-ahead peak limiter catches the peaks a pure gain would push over the
//! ceiling; the output is measured as it is written, and the gain or ceiling is corrected
//! and the pass repeated in the rare case it misses.

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use ebur128::{EbuR128, Mode};

use crate::{Error, Result};

/// What to normalize to.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Target {
    /// Integrated loudness, LUFS.
    pub lufs: f64,
    /// Maximum true peak, dBTP.
    pub max_true_peak: f64,
}

impl Default for Target {
    fn default() -> Self {
        // −16 LUFS / −1 dBTP: the common loudness for spoken-word streaming and podcasts
        // (AES TD1004.1.15-10, "Recommendation for Loudness of Audio Streaming").
        Target { lufs: -16.0, max_true_peak: -1.0 }
    }
}

/// A loudness measurement of a whole file.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Measurement {
    /// Integrated (gated) loudness, LUFS; `None` for silence.
    pub lufs: Option<f64>,
    /// True peak, dBTP; `None` for silence.
    pub true_peak: Option<f64>,
    /// Sample frames measured.
    pub samples: u64,
}

/// What [`normalize`] did.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Normalized {
    /// The input as measured.
    pub input: Measurement,
    /// The output as written.
    pub output: Measurement,
    /// Gain applied before the limiter, dB.
    pub gain_db: f64,
    /// The limiter's sample-peak ceiling, dBFS.
    pub limiter_ceiling_dbfs: f64,
    /// Write passes needed (1 unless a correction was needed).
    pub passes: u32,
}

/// A slice of the output to write to its own WAV file as well (e.g. one article).
#[derive(Debug, Clone, PartialEq)]
pub struct Slice {
    /// First sample frame.
    pub start: u64,
    /// One past the last sample frame.
    pub end: u64,
    /// Where to write it.
    pub path: PathBuf,
}

const BLOCK: usize = 16_384;

fn hound_err(path: &Path) -> impl Fn(hound::Error) -> Error + '_ {
    move |e| match e {
        hound::Error::IoError(err) => Error::Io { path: path.to_path_buf(), err },
        other => Error::Other(format!("{}: {other}", path.display())),
    }
}

fn ebu_err(e: ebur128::Error) -> Error {
    Error::Other(format!("loudness measurement: {e}"))
}

/// Streams a mono WAV file's samples as f32 blocks to `f`; returns its spec.
pub fn for_each_block(path: &Path, mut f: impl FnMut(&[f32]) -> Result<()>) -> Result<hound::WavSpec> {
    let mut r = hound::WavReader::open(path).map_err(hound_err(path))?;
    let spec = r.spec();
    if spec.channels != 1 {
        return Err(Error::Other(format!("{}: expected mono audio, found {} channels", path.display(), spec.channels)));
    }
    let mut buf = Vec::with_capacity(BLOCK);
    match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => {
            for s in r.samples::<f32>() {
                buf.push(s.map_err(hound_err(path))?);
                if buf.len() == BLOCK {
                    f(&buf)?;
                    buf.clear();
                }
            }
        }
        (hound::SampleFormat::Int, 16) => {
            for s in r.samples::<i16>() {
                buf.push(f32::from(s.map_err(hound_err(path))?) / 32768.0);
                if buf.len() == BLOCK {
                    f(&buf)?;
                    buf.clear();
                }
            }
        }
        (fmt, bits) => {
            return Err(Error::Other(format!("{}: unsupported WAV format {fmt:?} {bits}-bit", path.display())));
        }
    }
    if !buf.is_empty() {
        f(&buf)?;
    }
    Ok(spec)
}

fn meter(rate: u32) -> Result<EbuR128> {
    EbuR128::new(1, rate, Mode::I | Mode::TRUE_PEAK).map_err(ebu_err)
}

fn finish(m: &EbuR128, samples: u64) -> Result<Measurement> {
    let lufs = m.loudness_global().map_err(ebu_err)?;
    let tp = m.true_peak(0).map_err(ebu_err)?;
    let db = |x: f64| (x > 0.0).then(|| 20.0 * x.log10());
    Ok(Measurement { lufs: lufs.is_finite().then_some(lufs), true_peak: db(tp), samples })
}

/// Measures a WAV file's integrated loudness and true peak in one streamed pass.
pub fn measure(path: &Path) -> Result<Measurement> {
    let spec = hound::WavReader::open(path).map_err(hound_err(path))?.spec();
    let mut m = meter(spec.sample_rate)?;
    let mut n = 0u64;
    for_each_block(path, |b| {
        n += b.len() as u64;
        m.add_frames_f32(b).map_err(ebu_err)
    })?;
    finish(&m, n)
}

/// A streaming look-ahead peak limiter whose output never exceeds the ceiling.
///
/// Per sample the gain needed to keep it under the ceiling is `need = min(1, c/|x|)`. The
/// gain applied is a moving average over `look + 1` samples of the running minimum of
/// `need` over the next `look + 1` samples; every term of that average is ≤ `need` at the
/// current sample, so the output stays under the ceiling while the gain ramps down
/// smoothly over the look-ahead instead of jumping. Recovery is exponential (release).
struct Limiter {
    ceiling: f32,
    look: usize,
    delay: VecDeque<f32>,
    mins: VecDeque<(u64, f32)>,
    gains: VecDeque<f32>,
    gain_sum: f64,
    release: f32,
    level: f32,
    t: u64,
}

impl Limiter {
    fn new(ceiling: f32, sample_rate: u32) -> Limiter {
        // 5 ms look-ahead (attack ramp) and 80 ms release: short enough to touch only
        // the peaks of syllables, long enough not to distort their waveform audibly.
        let look = (0.005 * sample_rate as f32).round().max(1.0) as usize;
        let release = 1.0 - (-1.0 / (0.080 * sample_rate as f32)).exp();
        let mut l = Limiter {
            ceiling,
            look,
            delay: VecDeque::with_capacity(look + 2),
            mins: VecDeque::new(),
            gains: VecDeque::with_capacity(look + 2),
            gain_sum: 0.0,
            release,
            level: 1.0,
            t: 0,
        };
        // Prime with `look` silent samples so the first real sample has a full history.
        for _ in 0..look {
            l.push(0.0, &mut |_| {});
        }
        l
    }

    fn push(&mut self, x: f32, out: &mut impl FnMut(f32)) {
        let t = self.t;
        self.t += 1;
        let need = if x.abs() > self.ceiling { self.ceiling / x.abs() } else { 1.0 };
        while self.mins.back().is_some_and(|&(_, g)| g >= need) {
            self.mins.pop_back();
        }
        self.mins.push_back((t, need));
        self.delay.push_back(x);
        let look = self.look as u64;
        if t < look {
            return;
        }
        let n = t - look; // the sample whose forward window [n, t] is now complete
        while self.mins.front().is_some_and(|&(i, _)| i < n) {
            self.mins.pop_front();
        }
        let g = self.mins.front().map_or(1.0, |&(_, g)| g);
        self.gains.push_back(g);
        self.gain_sum += f64::from(g);
        if self.gains.len() > self.look + 1 {
            self.gain_sum -= f64::from(self.gains.pop_front().unwrap_or(1.0));
        }
        if self.gains.len() < self.look + 1 {
            // Still inside the priming: no real sample due yet.
            self.delay.pop_front();
            return;
        }
        let avg = (self.gain_sum / (self.look + 1) as f64) as f32;
        let recovered = self.level + (1.0 - self.level) * self.release;
        self.level = recovered.min(avg);
        let y = self.delay.pop_front().unwrap_or(0.0);
        out(y * self.level);
    }

    /// Flushes the look-ahead (feeds silence until every real sample is out).
    fn flush(&mut self, out: &mut impl FnMut(f32)) {
        for _ in 0..self.look {
            self.push(0.0, out);
        }
    }
}

/// Writes the input, amplified by `gain_db` and limited to `ceiling_dbfs`, as 16-bit PCM
/// to `output` (and the slices), measuring what it writes.
fn apply(input: &Path, output: &Path, gain_db: f64, ceiling_dbfs: f64, slices: &[Slice]) -> Result<Measurement> {
    let spec_in = hound::WavReader::open(input).map_err(hound_err(input))?.spec();
    let spec = hound::WavSpec { channels: 1, sample_rate: spec_in.sample_rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(output, spec).map_err(hound_err(output))?;
    let mut cut: Vec<(u64, u64, &Path, Option<hound::WavWriter<std::io::BufWriter<std::fs::File>>>)> =
        slices.iter().map(|s| (s.start, s.end, s.path.as_path(), None)).collect();
    for (_, _, p, wr) in cut.iter_mut() {
        *wr = Some(hound::WavWriter::create(*p, spec).map_err(hound_err(p))?);
    }
    let mut m = meter(spec.sample_rate)?;
    let gain = 10f64.powf(gain_db / 20.0) as f32;
    let mut lim = Limiter::new(10f64.powf(ceiling_dbfs / 20.0) as f32, spec.sample_rate);
    let mut pos = 0u64;
    let mut out_block: Vec<i16> = Vec::with_capacity(BLOCK + lim.look);
    let mut meter_block: Vec<f32> = Vec::with_capacity(BLOCK + lim.look);
    let mut write = |blk: &mut Vec<i16>, mb: &mut Vec<f32>, pos: &mut u64, m: &mut EbuR128| -> Result<()> {
        {
            let mut iw = w.get_i16_writer(blk.len() as u32);
            for &s in blk.iter() {
                iw.write_sample(s);
            }
            iw.flush().map_err(hound_err(output))?;
        }
        for (start, end, p, wr) in cut.iter_mut() {
            let a = (*start).max(*pos);
            let b = (*end).min(*pos + blk.len() as u64);
            if a < b {
                let wr = wr.as_mut().expect("opened above");
                for &s in &blk[(a - *pos) as usize..(b - *pos) as usize] {
                    wr.write_sample(s).map_err(hound_err(p))?;
                }
            }
        }
        m.add_frames_f32(mb).map_err(ebu_err)?;
        *pos += blk.len() as u64;
        blk.clear();
        mb.clear();
        Ok(())
    };
    let quantize = |y: f32| (y * 32768.0).round().clamp(-32768.0, 32767.0) as i16;
    for_each_block(input, |b| {
        for &x in b {
            lim.push(x * gain, &mut |y| {
                let q = quantize(y);
                out_block.push(q);
                meter_block.push(f32::from(q) / 32768.0);
            });
        }
        write(&mut out_block, &mut meter_block, &mut pos, &mut m)
    })?;
    lim.flush(&mut |y| {
        let q = quantize(y);
        out_block.push(q);
        meter_block.push(f32::from(q) / 32768.0);
    });
    write(&mut out_block, &mut meter_block, &mut pos, &mut m)?;
    drop(write);
    w.finalize().map_err(hound_err(output))?;
    for (_, _, p, wr) in cut {
        if let Some(wr) = wr {
            wr.finalize().map_err(hound_err(p))?;
        }
    }
    finish(&m, pos)
}

/// Normalizes `input` into a 16-bit `output` (and `slices`): pass 1 measures the file,
/// pass 2 applies gain and limiter while measuring the result. If the result misses the
/// target by more than 0.5 LU or exceeds the true-peak ceiling, the gain or limiter ceiling
/// is corrected and pass 2 repeated (at most three more times).
pub fn normalize(input: &Path, output: &Path, target: Target, slices: &[Slice]) -> Result<Normalized> {
    let measured = measure(input)?;
    let mut gain_db = measured.lufs.map_or(0.0, |l| target.lufs - l);
    // The limiter works on sample peaks; true peaks between samples can be higher, so it
    // aims half a dB lower than the true-peak ceiling.
    let mut ceiling = target.max_true_peak - 0.5;
    let mut passes = 0;
    loop {
        passes += 1;
        let out = apply(input, output, gain_db, ceiling, slices)?;
        let tp_over = out.true_peak.map_or(0.0, |tp| tp - target.max_true_peak);
        let lufs_off = out.lufs.map_or(0.0, |l| target.lufs - l);
        if (tp_over <= 0.0 && lufs_off.abs() <= 0.5) || passes == 4 {
            return Ok(Normalized { input: measured, output: out, gain_db, limiter_ceiling_dbfs: ceiling, passes });
        }
        if tp_over > 0.0 {
            ceiling -= tp_over + 0.1;
        }
        if lufs_off.abs() > 0.5 {
            gain_db += lufs_off;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write_float(path: &Path, samples: &[f32], rate: u32) {
        let spec = hound::WavSpec { channels: 1, sample_rate: rate, bits_per_sample: 32, sample_format: hound::SampleFormat::Float };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for &s in samples {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
    }

    /// A speech-like test signal: 200 Hz pulses with a syllable-rate envelope and pauses.
    fn speechy(rate: u32, secs: f32, amp: f32) -> Vec<f32> {
        let n = (secs * rate as f32) as usize;
        (0..n)
            .map(|i| {
                let t = i as f32 / rate as f32;
                let syll = (std::f32::consts::TAU * 4.0 * t).sin().max(0.0);
                let pause = if (t % 3.0) > 2.4 { 0.0 } else { 1.0 };
                let tone = (std::f32::consts::TAU * 200.0 * t).sin().powi(15) + 0.3 * (std::f32::consts::TAU * 700.0 * t).sin();
                amp * syll * pause * tone
            })
            .collect()
    }

    #[test]
    fn limiter_never_exceeds_its_ceiling_and_keeps_length() {
        let x: Vec<f32> = (0..5000).map(|i| if i == 3000 || i == 3001 { 3.0 } else { 0.2 * (i as f32 * 0.3).sin() }).collect();
        let mut lim = Limiter::new(0.5, 22_050);
        let mut y = Vec::new();
        for &s in &x {
            lim.push(s, &mut |v| y.push(v));
        }
        lim.flush(&mut |v| y.push(v));
        assert_eq!(y.len(), x.len());
        assert!(y.iter().all(|v| v.abs() <= 0.5 + 1e-6));
        // Before the look-ahead reaches the spike the signal passes unchanged; at the
        // spike it is held at the ceiling, not far below it.
        assert!((y[2000] - x[2000]).abs() < 1e-6, "{} vs {}", y[2000], x[2000]);
        assert!(y[3000].abs() > 0.49);
    }

    #[test]
    fn normalizes_quiet_and_loud_input_to_target_and_peak_ceiling() {
        let dir = tempfile::tempdir().unwrap();
        for (amp, target) in [(0.05f32, Target::default()), (0.9, Target::default()), (0.3, Target { lufs: -23.0, max_true_peak: -1.0 })] {
            let raw = dir.path().join("raw.wav");
            let out = dir.path().join("out.wav");
            write_float(&raw, &speechy(22_050, 12.0, amp), 22_050);
            let slice = Slice { start: 22_050, end: 44_100, path: dir.path().join("slice.wav") };
            let r = normalize(&raw, &out, target, std::slice::from_ref(&slice)).unwrap();
            let m = measure(&out).unwrap();
            assert!((m.lufs.unwrap() - target.lufs).abs() <= 0.5, "amp {amp}: {m:?} {r:?}");
            assert!(m.true_peak.unwrap() <= target.max_true_peak + 1e-6, "amp {amp}: {m:?}");
            assert_eq!(m.samples, 12 * 22_050);
            assert_eq!(hound::WavReader::open(&slice.path).unwrap().duration(), 22_050);
        }
    }
}
