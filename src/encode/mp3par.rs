//! A whole 16-bit WAV file to MP3 on every core, measured as a player decodes it.
//!
//! LAME encodes on one thread, and on a long bulletin it is most of the run (a 100-article
//! bulletin: about 10 of its 17 seconds). An MPEG layer III stream can be cut between any
//! two frames whose successor does not borrow bits from them, and the first frame of every
//! encoder's output borrows nothing (its `main_data_begin` is 0). So the file is cut into
//! segments at pauses, every segment is encoded by its own LAME encoder in parallel (rayon),
//! and their frames are joined in order into one stream with one LAME Info frame.
//!
//! **Where a cut goes.** Decoded sample `q` of a LAME stream (before the decoder trims the
//! start) is input sample `q − 1105` (576 samples of encoder delay, 529 of decoder delay).
//! For the joined stream to keep that mapping, segment `k` starts at an input sample `t_k`
//! that is a multiple of the frame (1,152 output samples) and gets the input from `t_k` on;
//! segment `k − 1` gives exactly `(t_k − t_{k−1}) / 1152` frames (it is fed the input to
//! `t_k`, then zeros, and its later frames are dropped: frames only borrow backwards, so the
//! kept ones are whole). What differs from one long encoding is the 1,105 samples before each
//! cut, which the new encoder's start-up renders as silence, and the encoder's memory of the
//! audio before the cut. So cuts are placed only where the input has been silent
//! (|x| ≤ [`QUIET`]) for [`QUIET_BEFORE`] output samples (78 ms: the delay, plus the
//! encoder's look-back), and at least [`MIN_SEGMENT_SECONDS`] apart. A file without such
//! pauses is one segment: the same as one encoder.
//!
//! **The Info frame** is the first segment's (LAME reserves the first frame for it), with
//! the whole stream's frame count, byte count, seek table (TOC), end padding, music length
//! and CRCs written in, as LAME would for one stream: decoders trim the encoder delay and the
//! padding, so the decoded file has exactly the WAV's samples and chapter times do not move.
//! The bit reservoir stays on inside each segment.
//!
//! **Measurement.** Every segment is decoded (minimp3, [`super::mp3dec`]) on the same task and
//! metered: K-weighted energy into the global grid of 100 ms bins
//! ([`crate::bulletin::loudness::BinMeter`]), true peak by samachar's 4× meter. The bins of all
//! segments are summed and gated as one file (BS.1770), so the integrated loudness is the
//! joined file's.
//!
//! **While the WAV is written.** [`encode_while_written`] starts before the file is finished:
//! the writer shows every block to a [`Follower`] that finds the cuts as the samples go by
//! ([`Cutter`], the same cuts as on the finished file) and sends each segment to the encoders
//! once the writer has made the file on disk whole up to its end. The bulletin's loudness pass
//! writes its WAV this way, so the encoders run beside it instead of after it.
//!
//! Output is deterministic: the cuts depend on the samples only, each segment's encoding on
//! its own input, and the join is in order, whatever the number of threads.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use super::mp3::{Mp3Encoder, RATE};
use super::temp::Temp;
use super::Tags;
use crate::bulletin::loudness::{self, BinMeter, Follower, Measurement, TruePeakMeter};
use crate::render::wav::Overwrite;
use crate::{Error, Result};

/// Output samples of one MPEG-1 layer III frame.
const FRAME: u64 = 1152;
/// LAME's encoder delay plus the decoder's (output samples): decoded sample `q` is input
/// sample `q − DELAY`.
const DELAY: u64 = 1105;
/// The Info frame's encoder delay field (LAME's; decoders add their own 529).
const ENC_DELAY: u64 = 576;
/// Largest |sample| counted as silence when looking for a cut (−66 dBFS).
pub const QUIET: i16 = 16;
/// Silence needed before a cut, output samples (3 × 1,152: the delay and the encoder's
/// look-back over the previous granules).
pub const QUIET_BEFORE: u64 = 3 * FRAME;
/// Shortest segment, seconds of audio: long enough that the per-segment start-up (one
/// encoder each) costs nothing, short enough that two cores share a bulletin evenly.
pub const MIN_SEGMENT_SECONDS: u64 = 30;
/// Zeros fed after a segment's input so that LAME has encoded every frame wanted from it
/// (output samples).
const TAIL_ZEROS: u64 = 4 * FRAME;
/// Segments encoded or waiting to be joined at once, per worker (each holds its encoded
/// bytes in memory: about 360 KB per segment).
const WINDOW_PER_WORKER: usize = 3;

/// What [`encode_file`] wrote.
#[derive(Debug, Clone)]
pub struct Encoded {
    /// The MP3 file.
    pub path: PathBuf,
    /// Its loudness and true peak as decoded.
    pub measured: Measurement,
    /// The segments it was encoded in.
    pub segments: usize,
}

/// Returns true if [`encode_file`] can encode a WAV at `rate` Hz (44.1 kHz, or 22.05 kHz
/// upsampled).
pub fn supports(rate: u32) -> bool {
    rate == RATE || rate * 2 == RATE
}

/// Encodes the mono 16-bit WAV `src` (22.05 or 44.1 kHz) into the MP3 `dst` with `tags`,
/// in segments on all cores, and measures the file as decoded.
pub fn encode_file(src: &Path, dst: &Path, tags: &Tags, overwrite: Overwrite) -> Result<Encoded> {
    let l = loudness::layout(src)?;
    if l.float || !supports(l.sample_rate) {
        return Err(Error::Other(format!(
            "{}: parallel MP3 encoding takes 16-bit WAV at 22050 or 44100 Hz",
            src.display()
        )));
    }
    let cuts = find_cuts(src, l.data_offset, l.frames, l.sample_rate)?;
    let spans: Vec<Span> = (0..cuts.len())
        .map(|k| Span { a: cuts[k], b: cuts.get(k + 1).copied().unwrap_or(l.frames), data_offset: l.data_offset })
        .collect();
    let n = spans.len();
    let send_all = |jobs: std::sync::mpsc::Sender<Span>, _: &std::sync::atomic::AtomicBool| {
        for s in spans {
            if jobs.send(s).is_err() {
                break;
            }
        }
        Ok(())
    };
    encode_spans(src, l.sample_rate, l.frames, dst, tags, overwrite, n, send_all)
}

/// Encodes, as [`encode_file`] does, the mono 16-bit WAV `src` of `frames` samples at
/// `rate` Hz that `write` writes (on another thread, showing every block to the
/// [`Follower`] it is given): each segment is encoded as soon as the file holds it, so the
/// encoders run while the WAV is still being written. The cuts, and so the bytes, are
/// [`encode_file`]'s on the finished WAV. Returns what `write` returned as well.
#[allow(clippy::too_many_arguments)]
pub fn encode_while_written<R: Send>(
    src: &Path,
    rate: u32,
    frames: u64,
    dst: &Path,
    tags: &Tags,
    overwrite: Overwrite,
    write: impl FnOnce(&mut dyn Follower) -> Result<R> + Send,
) -> Result<(Encoded, R)> {
    if !supports(rate) {
        return Err(Error::Other(format!("{}: parallel MP3 encoding takes 22050 or 44100 Hz", src.display())));
    }
    let mut written = None;
    let produce = |jobs: std::sync::mpsc::Sender<Span>, stop: &std::sync::atomic::AtomicBool| -> Result<()> {
        let mut f = Follow {
            src,
            cutter: Cutter::new(rate, frames),
            jobs,
            stop,
            data_offset: None,
            start: 0,
            cuts: Vec::new(),
        };
        let r = write(&mut f)?;
        if f.cutter.pos != frames {
            return Err(Error::Other(format!(
                "{}: {} samples written, {frames} expected",
                src.display(),
                f.cutter.pos
            )));
        }
        // The file is finished (and whole): the last segment.
        f.send(frames)?;
        written = Some(r);
        Ok(())
    };
    let e = encode_spans(src, rate, frames, dst, tags, overwrite, usize::MAX, produce)?;
    let r = written.ok_or_else(|| Error::Other(format!("{}: the WAV was not written", src.display())))?;
    Ok((e, r))
}

/// A segment to encode: input samples `[a, b)` of a WAV whose samples start at byte
/// `data_offset`.
#[derive(Debug, Clone, Copy)]
struct Span {
    a: u64,
    b: u64,
    data_offset: u64,
}

/// Follows a WAV being written for [`encode_while_written`]: finds the cuts as the samples
/// go by and sends each segment to the encoders once the file on disk holds it.
struct Follow<'a> {
    src: &'a Path,
    cutter: Cutter,
    jobs: std::sync::mpsc::Sender<Span>,
    stop: &'a std::sync::atomic::AtomicBool,
    /// Where the samples start in the file (read from it at the first flush).
    data_offset: Option<u64>,
    /// The first sample of the segment not yet sent.
    start: u64,
    /// Cuts found since the last flush.
    cuts: Vec<u64>,
}

impl Follow<'_> {
    /// Sends the segment from the last one sent to `end` (the file holds it).
    fn send(&mut self, end: u64) -> Result<()> {
        if self.stop.load(std::sync::atomic::Ordering::Relaxed) {
            return Err(Error::Other(format!("{}: MP3 encoding stopped", self.src.display())));
        }
        let data_offset = match self.data_offset {
            Some(o) => o,
            None => *self.data_offset.insert(loudness::layout(self.src)?.data_offset),
        };
        // A send fails only once the encoders have stopped on an error, which is reported.
        let _ = self.jobs.send(Span { a: self.start, b: end, data_offset });
        self.start = end;
        Ok(())
    }
}

impl Follower for Follow<'_> {
    fn written(&mut self, blk: &[i16]) -> bool {
        let cuts = &mut self.cuts;
        self.cutter.push(blk, &mut |c| cuts.push(c));
        !self.cuts.is_empty()
    }

    fn flushed(&mut self) -> Result<()> {
        for c in std::mem::take(&mut self.cuts) {
            self.send(c)?;
        }
        Ok(())
    }
}

/// Encodes the segments that `produce` sends of the WAV `src` (`frames` samples at `rate`
/// Hz; `expect` segments if known) on every core, joins them into `dst` and measures it
/// as decoded.
#[allow(clippy::too_many_arguments)]
fn encode_spans(
    src: &Path,
    rate: u32,
    frames: u64,
    dst: &Path,
    tags: &Tags,
    overwrite: Overwrite,
    expect: usize,
    produce: impl FnOnce(std::sync::mpsc::Sender<Span>, &std::sync::atomic::AtomicBool) -> Result<()> + Send,
) -> Result<Encoded> {
    let up = u64::from(RATE / rate);
    let (audio, file) = Temp::create(dst, overwrite, "a")?;
    let io = |err| Error::Io { path: dst.to_path_buf(), err };
    let mut out = std::io::BufWriter::with_capacity(1 << 16, file);
    let mut info: Vec<u8> = Vec::new();
    let mut frame_offsets: Vec<u64> = Vec::new();
    let mut bytes = 0u64;
    let mut crc = 0u16;
    let mut bins: Vec<f64> = Vec::new();
    let mut peak = 0f32;
    let mut decoded = 0u64;
    let mut segments = 0usize;
    // Every worker takes the next segment in order; the segments are joined in order as they
    // come back, at most WINDOW of them held at once (no barrier between batches).
    let mut join = |seg: Segment| -> Result<()> {
        let mut seg = seg;
        segments += 1;
        if let Some(tag) = seg.info.take() {
            out.write_all(&seg.bytes[..seg.info_len]).map_err(io)?;
            bytes += seg.info_len as u64;
            info = tag;
        }
        let music = &seg.bytes[seg.info_len..];
        frame_offsets.extend(seg.frame_starts.iter().map(|&o| bytes + o));
        crc = crc16(crc, music);
        bytes += music.len() as u64;
        out.write_all(music).map_err(io)?;
        BinMeter::sum_into(&mut bins, seg.start_out, BinMeter::bin_len(RATE), &seg.bins);
        peak = peak.max(seg.peak);
        decoded += seg.decoded;
        Ok(())
    };
    in_order_from(
        expect,
        produce,
        |s: Span| encode_segment(src, dst, s.data_offset, s.a, s.b, rate, s.a == 0, s.b == frames),
        &mut join,
    )?;
    if info.is_empty() {
        return Err(Error::Other(format!("{}: MP3 encoder gave no Info frame", dst.display())));
    }
    let mp3_frames = frame_offsets.len() as u64;
    let padding = (mp3_frames * FRAME).checked_sub(ENC_DELAY + frames * up).filter(|&p| p < 4096).ok_or_else(|| {
        Error::Other(format!("{}: MP3 segments do not cover the audio ({mp3_frames} frames)", dst.display()))
    })?;
    patch_info(&mut info, mp3_frames, bytes, &frame_offsets, padding, crc);
    let mut file = out.into_inner().map_err(|e| io(e.into_error()))?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    file.write_all(&info).map_err(io)?;
    file.seek(SeekFrom::Start(0)).map_err(io)?;
    let path = Temp::assemble(dst, overwrite, &super::id3::tag(tags, rate), &mut file)?;
    drop(file);
    drop(audio);
    let lufs = BinMeter::integrated(&bins, BinMeter::bin_len(RATE));
    let db = (peak > 0.0).then(|| 20.0 * f64::from(peak).log10());
    Ok(Encoded { path, measured: Measurement { lufs, true_peak: db, samples: decoded }, segments })
}

/// Runs `work(0..n)` on as many threads as rayon's pool has (`RAYON_NUM_THREADS`), each
/// thread taking the next index, and hands the results to `take` in index order on the
/// calling thread. At most [`WINDOW_PER_WORKER`] results per thread are in flight, so memory
/// stays bounded; the first error (of `work` or `take`, in index order) stops the run.
#[cfg(test)]
fn in_order<T: Send>(
    n: usize,
    work: impl Fn(usize) -> Result<T> + Sync,
    take: &mut dyn FnMut(T) -> Result<()>,
) -> Result<()> {
    in_order_from(
        n,
        |jobs, _| {
            for k in 0..n {
                if jobs.send(k).is_err() {
                    break;
                }
            }
            Ok(())
        },
        work,
        take,
    )
}

/// Runs [`in_order`]'s workers on the jobs that `produce` sends, on a thread of its own,
/// as they come (`produce` is told, by the flag, when the run has stopped on an error);
/// the `k`-th job sent is the `k`-th result taken. `expect` is the number of jobs if known
/// (it only bounds the workers started). An error of `produce` is returned unless a
/// worker's or `take`'s came first.
fn in_order_from<J: Send, T: Send>(
    expect: usize,
    produce: impl FnOnce(std::sync::mpsc::Sender<J>, &std::sync::atomic::AtomicBool) -> Result<()> + Send,
    work: impl Fn(J) -> Result<T> + Sync,
    take: &mut dyn FnMut(T) -> Result<()>,
) -> Result<()> {
    use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
    use std::sync::{Condvar, Mutex};
    let workers = rayon::current_num_threads().clamp(1, expect.max(1));
    let window = WINDOW_PER_WORKER * workers;
    // Jobs are numbered as they are taken (under the lock).
    let (job_tx, job_rx) = std::sync::mpsc::channel::<J>();
    let jobs = Mutex::new((job_rx, 0usize));
    let taken = AtomicUsize::new(0);
    let stop = AtomicBool::new(false);
    // How many results `take` has consumed; a worker waits until its index is in the window.
    let joined = (Mutex::new(0usize), Condvar::new());
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, Result<T>)>(window);
    std::thread::scope(|scope| {
        let producer = {
            let stop = &stop;
            scope.spawn(move || produce(job_tx, stop))
        };
        for _ in 0..workers {
            let tx = tx.clone();
            let (jobs, taken, stop, joined, work) = (&jobs, &taken, &stop, &joined, &work);
            scope.spawn(move || {
                // A worker that panics stops the others (the panic is re-raised when the
                // scope ends), so that none waits for a result that will never be joined.
                let _halt = Halt(stop, joined);
                loop {
                    let (k, job) = {
                        let mut g = jobs.lock().unwrap_or_else(|e| e.into_inner());
                        let Ok(job) = g.0.recv() else { break };
                        g.1 += 1;
                        taken.store(g.1, Ordering::Relaxed);
                        (g.1 - 1, job)
                    };
                    {
                        let mut j = joined.0.lock().unwrap_or_else(|e| e.into_inner());
                        while k >= *j + window && !stop.load(Ordering::Relaxed) {
                            j = joined.1.wait(j).unwrap_or_else(|e| e.into_inner());
                        }
                    }
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let r = work(job);
                    let failed = r.is_err();
                    if tx.send((k, r)).is_err() || failed {
                        break;
                    }
                }
            });
        }
        drop(tx);
        let mut pending = std::collections::BTreeMap::new();
        let mut want = 0usize;
        let res = (|| -> Result<()> {
            for (k, r) in rx {
                pending.insert(k, r);
                while let Some(r) = pending.remove(&want) {
                    take(r?)?;
                    want += 1;
                    *joined.0.lock().unwrap_or_else(|e| e.into_inner()) = want;
                    joined.1.notify_all();
                }
            }
            if want < taken.load(Ordering::Relaxed) {
                return Err(Error::Other("an MP3 encoding thread stopped early".into()));
            }
            Ok(())
        })();
        // On an error the receiver is gone (sends fail) and waiting workers are woken.
        halt(&stop, &joined);
        let produced = producer.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        res.and(produced)
    })
}

/// Sets `stop` under the lock the workers wait with (so that no wake-up is lost) and wakes them.
fn halt(stop: &std::sync::atomic::AtomicBool, joined: &(std::sync::Mutex<usize>, std::sync::Condvar)) {
    let guard = joined.0.lock().unwrap_or_else(|e| e.into_inner());
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    drop(guard);
    joined.1.notify_all();
}

/// Halts the other workers when a worker unwinds.
struct Halt<'a>(&'a std::sync::atomic::AtomicBool, &'a (std::sync::Mutex<usize>, std::sync::Condvar));

impl Drop for Halt<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            halt(self.0, self.1);
        }
    }
}

/// One encoded segment.
struct Segment {
    /// Its frames (for the first, the reserved Info frame first).
    bytes: Vec<u8>,
    /// The first segment's Info frame as LAME made it (for its own frames only).
    info: Option<Vec<u8>>,
    /// Bytes of the reserved Info frame at the start of `bytes` (0 after the first).
    info_len: usize,
    /// Offsets of its audio frames within its audio bytes.
    frame_starts: Vec<u64>,
    /// The output sample its first audio frame decodes to, in the joined stream.
    start_out: u64,
    /// K-weighted energy per 100 ms bin from `start_out / BIN` on.
    bins: Vec<f64>,
    /// Its true peak (linear).
    peak: f32,
    /// Samples decoded.
    decoded: u64,
}

/// Encodes input samples `[a, b)` of the WAV (data at `data_offset`, `rate` Hz) as one
/// LAME stream, keeps the frames that belong to it, decodes and meters them.
#[allow(clippy::too_many_arguments)]
fn encode_segment(
    src: &Path,
    dst: &Path,
    data_offset: u64,
    a: u64,
    b: u64,
    rate: u32,
    first: bool,
    last: bool,
) -> Result<Segment> {
    let up = u64::from(RATE / rate);
    let rd = |err| Error::Io { path: src.to_path_buf(), err };
    let mut f = File::open(src).map_err(rd)?;
    f.seek(SeekFrom::Start(data_offset + 2 * a)).map_err(rd)?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut enc = Mp3Encoder::new(Vec::with_capacity(((b - a) * up / 3) as usize), dst, rate, first)?;
    let mut raw = vec![0u8; 8192];
    let mut pcm: Vec<i16> = Vec::with_capacity(4096);
    let mut left = b - a;
    while left > 0 {
        let n = (left.min(4096) * 2) as usize;
        r.read_exact(&mut raw[..n]).map_err(rd)?;
        pcm.clear();
        pcm.extend(raw[..n].chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])));
        enc.write_i16(&pcm)?;
        left -= n as u64 / 2;
    }
    enc.write_silence(TAIL_ZEROS / up)?;
    let (mut bytes, info) = enc.finish()?;
    let info_len = if first { info.len() } else { 0 };
    let mut starts = frame_starts(&bytes[info_len..])
        .ok_or_else(|| Error::Other(format!("{}: MP3 encoder gave a broken frame", dst.display())))?;
    // A segment before a cut: exactly the frames up to the cut. The last: the frames up to
    // the one that decodes its last sample (which is output sample `len + DELAY − 1`), so
    // the end padding is as short as one stream's.
    let len = (b - a) * up;
    let want = if last { (len + DELAY).div_ceil(FRAME) } else { len / FRAME } as usize;
    if starts.len() < want {
        return Err(Error::Other(format!("{}: MP3 encoder gave too few frames", dst.display())));
    }
    if starts.len() > want {
        bytes.truncate(info_len + starts[want] as usize);
        starts.truncate(want);
    }
    let start_out = a * up;
    let mut meter = BinMeter::new(RATE, start_out);
    let mut tp = TruePeakMeter::new(RATE);
    let mut fl = Vec::with_capacity(4096);
    let decoded = super::mp3dec::for_each_block_in(&bytes[..], dst, |blk, _| {
        meter.add_i16(blk);
        fl.clear();
        fl.extend(blk.iter().map(|&s| f32::from(s) / 32768.0));
        tp.add(&fl);
        Ok(())
    })?;
    Ok(Segment {
        bytes,
        info: first.then_some(info),
        info_len,
        frame_starts: starts,
        start_out,
        bins: meter.into_bins(),
        peak: tp.peak(),
        decoded,
    })
}

/// Returns the offsets of the MPEG-1 layer III frames that `b` consists of, or `None` if
/// it is not a whole number of frames.
fn frame_starts(b: &[u8]) -> Option<Vec<u64>> {
    const KBPS: [u64; 15] = [0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320];
    const RATES: [u64; 3] = [44_100, 48_000, 32_000];
    let mut out = Vec::with_capacity(b.len() / 300 + 1);
    let mut i = 0usize;
    while i < b.len() {
        let h = b.get(i..i + 4)?;
        if h[0] != 0xff || h[1] & 0xfe != 0xfa {
            return None;
        }
        let kbps = *KBPS.get((h[2] >> 4) as usize)?;
        let sr = *RATES.get(((h[2] >> 2) & 3) as usize)?;
        if kbps == 0 {
            return None;
        }
        out.push(i as u64);
        i += (144_000 * kbps / sr) as usize + ((h[2] >> 1) & 1) as usize;
    }
    (i == b.len()).then_some(out)
}

/// Finds the segment starts (input samples, the first 0) of the WAV at `data_offset` with
/// `frames` samples at `rate` Hz ([`Cutter`]).
fn find_cuts(src: &Path, data_offset: u64, frames: u64, rate: u32) -> Result<Vec<u64>> {
    let rd = |err| Error::Io { path: src.to_path_buf(), err };
    let mut f = File::open(src).map_err(rd)?;
    f.seek(SeekFrom::Start(data_offset)).map_err(rd)?;
    let mut r = BufReader::with_capacity(1 << 16, f);
    let mut cuts = vec![0u64];
    let mut cutter = Cutter::new(rate, frames);
    let mut raw = vec![0u8; 1 << 16];
    let mut pcm: Vec<i16> = Vec::with_capacity(raw.len() / 2);
    let mut left = frames;
    while left > 0 {
        let n = (left.min(raw.len() as u64 / 2) * 2) as usize;
        r.read_exact(&mut raw[..n]).map_err(rd)?;
        pcm.clear();
        pcm.extend(raw[..n].chunks_exact(2).map(|c| i16::from_le_bytes([c[0], c[1]])));
        cutter.push(&pcm, &mut |c| cuts.push(c));
        left -= n as u64 / 2;
    }
    Ok(cuts)
}

/// Finds where a file of `frames` samples at `rate` Hz can be cut, from its samples as
/// they come (in blocks of any size): at multiples of a frame, after [`QUIET_BEFORE`] of
/// silence, at least [`MIN_SEGMENT_SECONDS`] from the last cut and from the end.
struct Cutter {
    /// A frame, a minimum segment and the silence needed, in input samples.
    step: u64,
    min: u64,
    need: u64,
    frames: u64,
    /// Samples seen.
    pos: u64,
    /// One past the last sample above [`QUIET`].
    quiet_since: u64,
    /// The last cut (0 for the start).
    last: u64,
}

impl Cutter {
    fn new(rate: u32, frames: u64) -> Cutter {
        let up = u64::from(RATE / rate);
        Cutter {
            step: FRAME / up,
            min: MIN_SEGMENT_SECONDS * u64::from(rate),
            need: QUIET_BEFORE / up,
            frames,
            pos: 0,
            quiet_since: 0,
            last: 0,
        }
    }

    /// Takes the next samples, calling `cut` with every cut found among them.
    fn push(&mut self, mut xs: &[i16], cut: &mut impl FnMut(u64)) {
        while !xs.is_empty() {
            let into = self.pos % self.step;
            if into == 0
                && self.pos - self.quiet_since >= self.need
                && self.pos >= self.last + self.min
                && self.frames.saturating_sub(self.pos) >= self.min
            {
                self.last = self.pos;
                cut(self.pos);
            }
            let n = ((self.step - into) as usize).min(xs.len());
            if let Some(i) = xs[..n].iter().rposition(|s| s.unsigned_abs() > QUIET as u16) {
                self.quiet_since = self.pos + i as u64 + 1;
            }
            self.pos += n as u64;
            xs = &xs[n..];
        }
    }
}

/// CRC-16 as LAME computes it for the Info frame (polynomial 0x8005, reflected; CRC-16/ARC).
fn crc16(mut crc: u16, bytes: &[u8]) -> u16 {
    static TABLE: std::sync::OnceLock<[u16; 256]> = std::sync::OnceLock::new();
    let t = TABLE.get_or_init(|| {
        let mut t = [0u16; 256];
        for (i, e) in t.iter_mut().enumerate() {
            let mut c = i as u16;
            for _ in 0..8 {
                c = if c & 1 != 0 { (c >> 1) ^ 0xA001 } else { c >> 1 };
            }
            *e = c;
        }
        t
    });
    for &b in bytes {
        crc = (crc >> 8) ^ t[((crc ^ u16::from(b)) & 0xff) as usize];
    }
    crc
}

/// Where the fields of LAME's Info frame are, for MPEG-1 mono (4 header bytes and 17 of
/// side information before it): the Xing part, then the LAME extension.
mod field {
    #[cfg(test)]
    pub const TAG: usize = 21;
    pub const FRAMES: usize = 29;
    pub const BYTES: usize = 33;
    pub const TOC: usize = 37;
    pub const DELAY_PADDING: usize = 162;
    pub const MUSIC_LENGTH: usize = 169;
    pub const MUSIC_CRC: usize = 173;
    pub const TAG_CRC: usize = 175;
}

/// Writes the joined stream's figures into the first segment's Info frame: `frames` audio
/// frames starting at `offsets` (from the start of the stream, Info frame included),
/// `bytes` in all, `padding` samples at the end, `music_crc` over the audio frames.
fn patch_info(info: &mut [u8], frames: u64, bytes: u64, offsets: &[u64], padding: u64, music_crc: u16) {
    let put4 = |b: &mut [u8], at: usize, v: u64| b[at..at + 4].copy_from_slice(&(v as u32).to_be_bytes());
    put4(info, field::FRAMES, frames);
    put4(info, field::BYTES, bytes);
    for i in 1..100 {
        let k = ((i as u64 * frames) / 100).min(frames.saturating_sub(1)) as usize;
        let at = offsets.get(k).copied().unwrap_or(0);
        info[field::TOC + i] = ((256 * at) / bytes.max(1)).min(255) as u8;
    }
    let d = field::DELAY_PADDING;
    let delay = (u16::from(info[d]) << 4) | u16::from(info[d + 1] >> 4);
    let p = padding as u16;
    info[d] = (delay >> 4) as u8;
    info[d + 1] = ((delay << 4) as u8) | (p >> 8) as u8;
    info[d + 2] = p as u8;
    put4(info, field::MUSIC_LENGTH, bytes);
    info[field::MUSIC_CRC..field::MUSIC_CRC + 2].copy_from_slice(&music_crc.to_be_bytes());
    let c = crc16(0, &info[..field::TAG_CRC]);
    info[field::TAG_CRC..field::TAG_CRC + 2].copy_from_slice(&c.to_be_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Results come back in index order whatever the thread count and however long each
    /// takes, with at most the window in flight; the first error in index order is returned.
    #[test]
    fn in_order_joins_in_order_within_the_window_and_stops_on_errors() {
        for threads in [1, 2, 3] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let taken = std::sync::atomic::AtomicUsize::new(0);
            let most_ahead = std::sync::atomic::AtomicUsize::new(0);
            let mut got = Vec::new();
            pool.install(|| {
                in_order(
                    40,
                    |k| {
                        let done = taken.load(std::sync::atomic::Ordering::SeqCst);
                        most_ahead.fetch_max(k - done.min(k), std::sync::atomic::Ordering::SeqCst);
                        std::thread::sleep(std::time::Duration::from_micros(((k * 7) % 5) as u64 * 300));
                        Ok(k * 10)
                    },
                    &mut |v| {
                        got.push(v);
                        taken.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                        Ok(())
                    },
                )
                .unwrap()
            });
            assert_eq!(got, (0..40).map(|k| k * 10).collect::<Vec<_>>(), "{threads} threads");
            let window = WINDOW_PER_WORKER * threads;
            assert!(most_ahead.into_inner() < window, "{threads} threads ran past the window");
            // An error at 13 (and one at 20) stops the run with the first, in index order.
            let mut seen = 0;
            let e = pool
                .install(|| {
                    in_order(
                        40,
                        |k| if k == 13 || k == 20 { Err(Error::Other(format!("bad {k}"))) } else { Ok(k) },
                        &mut |_| {
                            seen += 1;
                            Ok(())
                        },
                    )
                })
                .unwrap_err();
            assert_eq!(e.to_string(), "bad 13");
            assert_eq!(seen, 13);
            // An error of the consumer stops the workers too.
            let e = pool
                .install(|| in_order(40, Ok, &mut |k| if k == 5 { Err(Error::Other("full".into())) } else { Ok(()) }));
            assert_eq!(e.unwrap_err().to_string(), "full");
            // A worker that panics stops the run (the panic comes back) instead of hanging it.
            let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                pool.install(|| {
                    in_order(
                        200,
                        |k| {
                            assert!(k != 7, "worker panics at 7");
                            Ok(k)
                        },
                        &mut |_| Ok(()),
                    )
                })
            }));
            assert!(r.is_err(), "{threads} threads");
        }
    }

    /// A speech-like test signal at `rate`: bursts of a buzzy tone with `gap` seconds of
    /// digital silence between `n` of them.
    fn bursts(rate: u32, n: usize, on: f64, gap: f64) -> Vec<i16> {
        let mut x = Vec::new();
        for b in 0..n {
            let len = (on * f64::from(rate)) as usize;
            for i in 0..len {
                let t = i as f64 / f64::from(rate);
                let env = (std::f64::consts::PI * i as f64 / len as f64).sin();
                let f = 120.0 + 10.0 * b as f64;
                let v: f64 = (1..30).map(|h| (2.0 * std::f64::consts::PI * f * h as f64 * t).sin() / h as f64).sum();
                x.push((v * env * 6000.0).clamp(-32000.0, 32000.0) as i16);
            }
            x.extend(std::iter::repeat_n(0i16, (gap * f64::from(rate)) as usize));
        }
        x
    }

    fn write_wav(path: &Path, rate: u32, x: &[i16]) {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: rate,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for &s in x {
            w.write_sample(s).unwrap();
        }
        w.finalize().unwrap();
    }

    /// Writes `x` as `a.wav` (22.05 kHz) in `dir`; returns its path.
    fn wav_in(dir: &tempfile::TempDir, x: &[i16]) -> PathBuf {
        let path = dir.path().join("a.wav");
        write_wav(&path, 22_050, x);
        path
    }

    /// The MP3 as one LAME encoder writes it (the single-stream path).
    fn one_stream(src: &Path, dst: &Path, rate: u32) -> Vec<u8> {
        let mut f = super::super::mp3::Mp3File::create(dst, rate, Overwrite::Refuse).unwrap();
        loudness::for_each_block_i16(src, |b| f.write_i16(b)).unwrap();
        f.commit(&Tags::default()).unwrap();
        std::fs::read(dst).unwrap()
    }

    /// The audio frames after an ID3 tag.
    fn audio(file: &[u8]) -> &[u8] {
        assert_eq!(&file[..3], b"ID3");
        let size = file[6..10].iter().fold(0usize, |a, &x| (a << 7) | usize::from(x & 0x7f));
        &file[10 + size..]
    }

    fn decode(path: &Path) -> Vec<i16> {
        let mut out = Vec::new();
        super::super::mp3dec::for_each_block(path, |b, _| {
            out.extend_from_slice(b);
            Ok(())
        })
        .unwrap();
        out
    }

    #[test]
    fn crc16_is_crc16_arc() {
        // The CRC-16/ARC check value.
        assert_eq!(crc16(0, b"123456789"), 0xBB3D);
    }

    /// With no pause long enough for a cut, the file is one LAME stream, and the Info
    /// frame written for it says what LAME's own says (frames, bytes, music length, CRCs;
    /// the end padding is ours: the whole input is flushed).
    #[test]
    fn one_segment_gives_lames_own_info_frame() {
        let dir = tempfile::tempdir().unwrap();
        let x = bursts(22_050, 3, 2.0, 0.02);
        let src = wav_in(&dir, &x);
        let ours = encode_file(&src, &dir.path().join("p.mp3"), &Tags::default(), Overwrite::Refuse).unwrap();
        assert_eq!(ours.segments, 1);
        let p = std::fs::read(&ours.path).unwrap();
        let lame = one_stream(&src, &dir.path().join("l.mp3"), 22_050);
        let (p, l) = (audio(&p), audio(&lame));
        assert_eq!(&p[field::TAG..field::TAG + 4], b"Info");
        let be4 = |b: &[u8], at: usize| u32::from_be_bytes([b[at], b[at + 1], b[at + 2], b[at + 3]]);
        let info_len = frame_starts(p).unwrap()[1] as usize;
        let ours_frames = frame_starts(&p[info_len..]).unwrap().len() as u32;
        assert_eq!(be4(p, field::FRAMES), ours_frames);
        assert_eq!(be4(p, field::BYTES) as usize, p.len());
        assert_eq!(be4(p, field::MUSIC_LENGTH) as usize, p.len());
        // LAME's tag counts the same way on its own stream.
        let l_info = frame_starts(l).unwrap()[1] as usize;
        assert_eq!(be4(l, field::FRAMES) as usize, frame_starts(&l[l_info..]).unwrap().len());
        assert_eq!(be4(l, field::BYTES) as usize, l.len());
        assert_eq!(be4(l, field::MUSIC_LENGTH) as usize, l.len());
        assert_eq!(l[field::MUSIC_CRC..field::MUSIC_CRC + 2], crc16(0, &l[l_info..]).to_be_bytes());
        assert_eq!(p[field::MUSIC_CRC..field::MUSIC_CRC + 2], crc16(0, &p[info_len..]).to_be_bytes());
        assert_eq!(l[field::TAG_CRC..field::TAG_CRC + 2], crc16(0, &l[..field::TAG_CRC]).to_be_bytes());
        assert_eq!(p[field::TAG_CRC..field::TAG_CRC + 2], crc16(0, &p[..field::TAG_CRC]).to_be_bytes());
        // Everything else in the tag (version, lowpass, delay, …) is LAME's.
        assert_eq!(p[field::TAG..field::FRAMES], l[field::TAG..field::FRAMES]);
        assert_eq!(p[137..field::DELAY_PADDING], l[137..field::DELAY_PADDING]);
        assert_eq!(p[field::DELAY_PADDING + 3..field::MUSIC_LENGTH], l[field::DELAY_PADDING + 3..field::MUSIC_LENGTH]);
        // The seek table: rising, and LAME's to within its sampling (LAME keeps the frame
        // sizes of a decimated subset of frames; ours are exact, over a slightly longer stream).
        for i in 0..100 {
            let (a, b) = (p[field::TOC + i], l[field::TOC + i]);
            assert!(a.abs_diff(b) <= 3, "TOC {i}: {a} vs {b}");
            assert!(i == 0 || a >= p[field::TOC + i - 1]);
        }
        // The padding makes the decoded length exactly the input's (2×, upsampled).
        let d = field::DELAY_PADDING;
        let delay = (u64::from(p[d]) << 4) | u64::from(p[d + 1] >> 4);
        let padding = (u64::from(p[d + 1] & 15) << 8) | u64::from(p[d + 2]);
        assert_eq!(delay, ENC_DELAY);
        assert_eq!(u64::from(ours_frames) * FRAME - delay - padding, 2 * x.len() as u64);
    }

    /// Cut at pauses, the joined file decodes to the same audio as one encoder's (to within
    /// the codec's own noise), has the same length and is measured as one file would be.
    #[test]
    fn segments_join_into_the_file_one_encoder_makes() {
        let dir = tempfile::tempdir().unwrap();
        // 20 bursts of 3.5 s with 0.4 s pauses: 78 s, cut about every 30 s.
        let x = bursts(22_050, 20, 3.5, 0.4);
        let src = wav_in(&dir, &x);
        let ours = encode_file(&src, &dir.path().join("p.mp3"), &Tags::default(), Overwrite::Refuse).unwrap();
        assert!(ours.segments >= 2, "{} segments", ours.segments);
        let lame_path = dir.path().join("l.mp3");
        let lame = one_stream(&src, &lame_path, 22_050);
        let p = decode(&ours.path);
        let l = decode(&lame_path);
        // Same frames' worth of samples (the joined stream also flushes the tail).
        assert!(p.len() >= l.len() && p.len() - l.len() <= 2 * FRAME as usize, "{} vs {}", p.len(), l.len());
        // Sample-aligned: the error of each against the other is codec noise, not a shift.
        let (mut sig, mut err) = (0f64, 0f64);
        for (a, b) in p.iter().zip(&l) {
            sig += f64::from(*b).powi(2);
            err += (f64::from(*a) - f64::from(*b)).powi(2);
        }
        let snr = 10.0 * (sig / err).log10();
        assert!(snr > 20.0, "joined vs one stream: {snr:.1} dB");
        // Size: the bit rate's, as one stream's.
        let (ps, ls) = (std::fs::metadata(&ours.path).unwrap().len(), lame.len() as u64);
        assert!(ps.abs_diff(ls) < ls / 100 + 1000, "{ps} vs {ls} bytes");
        // Loudness as decoded: what ebur128 says of the decoded joined file.
        let lufs = ours.measured.lufs.unwrap();
        let mut m = ebur128::EbuR128::new(1, RATE, ebur128::Mode::I).unwrap();
        m.add_frames_i16(&p).unwrap();
        let e = m.loudness_global().unwrap();
        assert!((lufs - e).abs() < 0.05, "{lufs:.3} vs ebur128 {e:.3}");
        // Every frame metered (the decoder holds back at most a stream's last frame).
        let (m, w) = (ours.measured.samples, p.len() as u64);
        assert!(m.abs_diff(w) <= FRAME * ours.segments as u64, "{m} metered, {w} decoded");
        let tp = ours.measured.true_peak.unwrap();
        let sample_peak = 20.0 * (f64::from(p.iter().map(|s| s.unsigned_abs()).max().unwrap()) / 32768.0).log10();
        assert!(tp >= sample_peak - 0.01 && tp < sample_peak + 1.5, "true peak {tp:.2}, sample peak {sample_peak:.2}");
    }

    /// The bytes do not depend on the number of threads.
    #[test]
    fn output_does_not_depend_on_threads() {
        let dir = tempfile::tempdir().unwrap();
        let src = wav_in(&dir, &bursts(22_050, 20, 3.5, 0.4));
        let run = |n: usize, name: &str| {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(n).build().unwrap();
            let dst = dir.path().join(name);
            let e = pool.install(|| encode_file(&src, &dst, &Tags::default(), Overwrite::Refuse).unwrap());
            (std::fs::read(dst).unwrap(), e.measured)
        };
        let (one, m1) = run(1, "1.mp3");
        // Three threads decode at once (each decoder's state is its own).
        let (three, m3) = run(3, "3.mp3");
        assert!(one == three);
        assert_eq!(m1, m3);
    }

    /// Cuts only where the input has been silent long enough, on frame boundaries.
    #[test]
    fn cuts_fall_in_pauses_on_frame_boundaries() {
        let dir = tempfile::tempdir().unwrap();
        let x = bursts(22_050, 20, 3.5, 0.4);
        let src = wav_in(&dir, &x);
        let l = loudness::layout(&src).unwrap();
        let cuts = find_cuts(&src, l.data_offset, l.frames, 22_050).unwrap();
        assert!(cuts.len() >= 2);
        for w in cuts.windows(2) {
            assert!(w[1] - w[0] >= MIN_SEGMENT_SECONDS * 22_050);
        }
        for &c in &cuts[1..] {
            assert_eq!(c % (FRAME / 2), 0);
            let before = &x[(c - QUIET_BEFORE / 2) as usize..c as usize];
            assert!(before.iter().all(|s| s.unsigned_abs() <= QUIET as u16), "cut at {c}");
        }
        // No pauses: one segment.
        let y = bursts(22_050, 1, 70.0, 0.0);
        write_wav(&src, 22_050, &y);
        let l = loudness::layout(&src).unwrap();
        assert_eq!(find_cuts(&src, l.data_offset, l.frames, 22_050).unwrap(), vec![0]);
    }

    /// Writes `x` to `path` as a hound WAV in blocks of `block` samples, following the
    /// [`Follower`] protocol (flushing when it asks); fails after `fail_after` blocks.
    fn write_followed(
        path: &Path,
        x: &[i16],
        block: usize,
        fail_after: Option<usize>,
        f: &mut dyn Follower,
    ) -> Result<u64> {
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 22_050,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(path, spec).unwrap();
        for (i, b) in x.chunks(block).enumerate() {
            if fail_after == Some(i) {
                return Err(Error::Other("the writer failed".into()));
            }
            for &s in b {
                w.write_sample(s).unwrap();
            }
            if f.written(b) {
                w.flush().unwrap();
                f.flushed()?;
            }
        }
        w.finalize().unwrap();
        Ok(x.len() as u64)
    }

    /// Encoding the WAV while it is written gives the bytes and the measurement of
    /// encoding the finished file, whatever the block size and thread count, with the
    /// segments sent as the file grows; a writer's error comes back and leaves no MP3.
    #[test]
    fn encoding_while_written_is_encoding_the_finished_file() {
        let dir = tempfile::tempdir().unwrap();
        let x = bursts(22_050, 20, 3.5, 0.4);
        let whole = wav_in(&dir, &x);
        let want = encode_file(&whole, &dir.path().join("w.mp3"), &Tags::default(), Overwrite::Refuse).unwrap();
        assert!(want.segments >= 2, "{want:?}");
        let want_bytes = std::fs::read(&want.path).unwrap();
        for (threads, block) in [(1, 1000), (2, 16_384), (3, 577)] {
            let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
            let (src, dst) = (dir.path().join(format!("g{block}.wav")), dir.path().join(format!("g{block}.mp3")));
            let (e, n) = pool
                .install(|| {
                    encode_while_written(&src, 22_050, x.len() as u64, &dst, &Tags::default(), Overwrite::Refuse, |f| {
                        write_followed(&src, &x, block, None, f)
                    })
                })
                .unwrap();
            assert_eq!(n, x.len() as u64);
            assert_eq!(e.segments, want.segments, "{threads} threads, blocks of {block}");
            assert_eq!(e.measured, want.measured);
            assert!(std::fs::read(&dst).unwrap() == want_bytes, "{threads} threads, blocks of {block}");
        }
        let (src, dst) = (dir.path().join("f.wav"), dir.path().join("f.mp3"));
        let e = encode_while_written(&src, 22_050, x.len() as u64, &dst, &Tags::default(), Overwrite::Refuse, |f| {
            write_followed(&src, &x, 4096, Some(200), f)
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "the writer failed");
        assert!(!dst.exists());
        // Fewer samples than announced is an error, not a short file.
        let e =
            encode_while_written(&src, 22_050, x.len() as u64 + 1, &dst, &Tags::default(), Overwrite::Refuse, |f| {
                write_followed(&src, &x, 4096, None, f)
            })
            .unwrap_err();
        assert!(e.to_string().contains("expected"), "{e}");
        assert!(!dst.exists());
    }

    /// The cuts found from samples as they come do not depend on how they come.
    #[test]
    fn cutter_finds_the_same_cuts_in_blocks_of_any_size() {
        let x = bursts(22_050, 20, 3.5, 0.4);
        let cuts_in = |block: usize| {
            let mut c = Cutter::new(22_050, x.len() as u64);
            let mut cuts = Vec::new();
            for b in x.chunks(block) {
                c.push(b, &mut |k| cuts.push(k));
            }
            cuts
        };
        let one = cuts_in(x.len());
        assert!(!one.is_empty(), "{one:?}");
        for block in [1, 575, 576, 577, 100_000] {
            assert_eq!(cuts_in(block), one, "blocks of {block}");
        }
    }
}
