//! Decoding an MP3 back to PCM with LAME's own decoder (mpglib, built from the same
//! bundled source as the encoder), to measure the file as a listener's player plays it.
//!
//! MP3 encoding at speech bit rates does not keep the level: on the built-in voices at
//! 96 kbit/s the decoded bulletin measured 0.5 LU quieter than the WAV it was made from
//! (ffmpeg `ebur128`: −16.1 → −16.6 LUFS), at 22.05 and 44.1 kHz alike and across the
//! spectrum. The bulletin therefore measures what it publishes and corrects. It measures
//! while it encodes: the frames go to a second thread that decodes and meters them
//! ([`ChannelReader`], [`loudness_in`]; see [`super::mp3::Mp3File::measure_decoded`]), so
//! the measurement costs no second pass over the file and runs on the other core.

use std::io::Read;
use std::path::Path;

use ebur128::{EbuR128, Mode};

use crate::bulletin::loudness::Measurement;
use crate::{Error, Result};

/// Samples the PCM buffer holds: 4608, the least mpglib's decoding function accepts
/// (4 frames).
const FRAME: usize = 4608;

/// mpglib's return codes (`mpglib/mpglib.h`).
const MP3_OK: std::ffi::c_int = 0;
const MP3_NEED_MORE: std::ffi::c_int = 1;

extern "C" {
    /// mpglib's decoder (`mpglib/interface.c`, in the bundled LAME that `mp3lame-sys`
    /// builds): decodes at most one frame of `inmemory` (appended to what the decoder holds)
    /// as 16-bit PCM into `outmemory`, the bytes written in `done`.
    fn decodeMP3(
        mp: *mut std::ffi::c_void,
        inmemory: *mut u8,
        inmemsize: std::ffi::c_int,
        outmemory: *mut std::ffi::c_char,
        outmemsize: std::ffi::c_int,
        done: *mut std::ffi::c_int,
    ) -> std::ffi::c_int;
}

/// The sample rate and mono flag of the first MPEG audio frame header in `b`.
fn first_header(b: &[u8]) -> Option<(u32, bool)> {
    b.windows(4).find_map(|h| {
        let version = (h[1] >> 3) & 3; // 3: MPEG-1, 2: MPEG-2, 0: MPEG-2.5
        let index = (h[2] >> 2) & 3;
        let layer = (h[1] >> 1) & 3;
        if h[0] != 0xff || h[1] & 0xe0 != 0xe0 || version == 1 || index == 3 || layer == 0 || h[2] >> 4 == 15 {
            return None;
        }
        let base = [44_100, 48_000, 32_000][index as usize];
        let rate = match version {
            3 => base,
            2 => base / 2,
            _ => base / 4,
        };
        Some((rate, h[3] >> 6 == 3))
    })
}

/// A LAME decoder handle, closed on drop.
struct Hip(mp3lame_sys::hip_t);

impl Drop for Hip {
    fn drop(&mut self) {
        // SAFETY: the handle came from hip_decode_init and is closed once, here.
        unsafe {
            mp3lame_sys::hip_decode_exit(self.0);
        }
    }
}

/// Decodes the MP3 at `path` block by block, handing each block of mono 16-bit samples
/// (and the stream's sample rate) to `f`. Returns the number of samples decoded.
pub fn for_each_block(path: &Path, f: impl FnMut(&[i16], u32) -> Result<()>) -> Result<u64> {
    let file = std::fs::File::open(path).map_err(|err| Error::Io { path: path.to_path_buf(), err })?;
    for_each_block_in(std::io::BufReader::with_capacity(1 << 16, file), path, f)
}

/// Decodes MP3 bytes from `file` (named `path` in messages) as [`for_each_block`] does.
pub fn for_each_block_in(
    mut file: impl Read,
    path: &Path,
    mut f: impl FnMut(&[i16], u32) -> Result<()>,
) -> Result<u64> {
    let io = |err| Error::Io { path: path.to_path_buf(), err };
    let bad = |what: &str| Error::Other(format!("{}: not a decodable MP3 ({what})", path.display()));
    // Skip an ID3v2 tag (the decoder would search through it for a frame sync).
    let mut head = [0u8; 10];
    file.read_exact(&mut head).map_err(io)?;
    let mut first: Vec<u8> = Vec::new();
    if &head[..3] == b"ID3" {
        let size = head[6..10].iter().fold(0u64, |a, &x| (a << 7) | u64::from(x & 0x7f));
        std::io::copy(&mut (&mut file).take(size), &mut std::io::sink()).map_err(io)?;
    } else {
        first.extend_from_slice(&head);
    }
    let hip = {
        let _one_at_a_time = super::mp3::lame_init_lock();
        // SAFETY: plain constructor; a null handle is checked.
        Hip(unsafe { mp3lame_sys::hip_decode_init() })
    };
    if hip.0.is_null() {
        return Err(bad("cannot start the decoder"));
    }
    let mut pcm = vec![0i16; FRAME];
    // About one frame at a time: the decoder keeps what it has not decoded when it asks for
    // more, and what it holds at the end of the input is lost (with 16 KB reads, up to 50
    // frames: a second of audio at the end of every stream).
    let mut data = vec![0u8; 512];
    let mut total = 0u64;
    let mut rate = 0u32;
    let mut feed = first;
    loop {
        let eof = feed.is_empty() && {
            let n = file.read(&mut data).map_err(io)?;
            feed.extend_from_slice(&data[..n]);
            n == 0
        };
        if eof {
            break;
        }
        if rate == 0 {
            if let Some((r, mono)) = first_header(&feed) {
                if !mono {
                    return Err(bad("stereo; samachar's MP3s are mono"));
                }
                rate = r;
            }
        }
        let mut input = std::mem::take(&mut feed);
        // One frame per call at most; the rest of the input stays buffered inside the
        // decoder and comes out with later calls of length 0.
        let mut len = input.len() as std::ffi::c_int;
        loop {
            let mut done: std::ffi::c_int = 0;
            // mpglib's own decoding function, with our output buffer: LAME's `hip_decode1*`
            // wrappers decode into one static buffer of theirs and copy from it, so two
            // decoders running at once (segments metered in parallel) would corrupt each
            // other's samples (measured: up to 0.5 LU off on three threads).
            // SAFETY: `hip.0` is a live decoder (a `hip_t` is mpglib's `PMPSTR`); `input`
            // holds `len` bytes (0 after the first call); `pcm` holds 2 × 4608 bytes, the
            // most one call writes (and the least it accepts).
            let ret = unsafe {
                decodeMP3(
                    hip.0.cast(),
                    input.as_mut_ptr(),
                    len,
                    pcm.as_mut_ptr().cast(),
                    (pcm.len() * 2) as std::ffi::c_int,
                    &mut done,
                )
            };
            len = 0;
            match ret {
                MP3_OK => {}
                MP3_NEED_MORE => break,
                _ => return Err(bad("corrupt frame")),
            }
            let n = (done.max(0) as usize / 2).min(pcm.len());
            if n > 0 {
                if rate == 0 {
                    return Err(bad("no MPEG audio frame header"));
                }
                total += n as u64;
                f(&pcm[..n], rate)?;
            }
        }
        input.clear();
        feed = input;
    }
    if rate == 0 {
        return Err(bad("no MPEG audio frame"));
    }
    Ok(total)
}

/// Measures the integrated loudness and true peak of the MP3 at `path` as decoded.
pub fn loudness(path: &Path) -> Result<Measurement> {
    let file = std::fs::File::open(path).map_err(|err| Error::Io { path: path.to_path_buf(), err })?;
    loudness_in(std::io::BufReader::with_capacity(1 << 16, file), path)
}

/// Measures MP3 bytes read from `file` (named `path` in messages) as [`loudness`] does.
pub fn loudness_in(file: impl Read, path: &Path) -> Result<Measurement> {
    let ebu = |e: ebur128::Error| Error::Other(format!("loudness measurement: {e}"));
    let mut meter: Option<EbuR128> = None;
    let samples = for_each_block_in(file, path, |b, rate| {
        let m = match &mut meter {
            Some(m) => m,
            None => meter.insert(EbuR128::new(1, rate, Mode::I | Mode::TRUE_PEAK).map_err(ebu)?),
        };
        m.add_frames_i16(b).map_err(ebu)
    })?;
    let Some(m) = meter else {
        return Ok(Measurement { lufs: None, true_peak: None, samples });
    };
    let lufs = m.loudness_global().map_err(ebu)?;
    let tp = m.true_peak(0).map_err(ebu)?;
    Ok(Measurement {
        lufs: lufs.is_finite().then_some(lufs),
        true_peak: (tp > 0.0).then(|| 20.0 * tp.log10()),
        samples,
    })
}

/// Bytes arriving over a channel, read as one stream (ends when the sender is dropped).
pub struct ChannelReader {
    rx: std::sync::mpsc::Receiver<Vec<u8>>,
    buf: Vec<u8>,
    pos: usize,
}

impl ChannelReader {
    /// Reads what `rx` receives.
    pub fn new(rx: std::sync::mpsc::Receiver<Vec<u8>>) -> ChannelReader {
        ChannelReader { rx, buf: Vec::new(), pos: 0 }
    }
}

impl Read for ChannelReader {
    fn read(&mut self, out: &mut [u8]) -> std::io::Result<usize> {
        while self.pos == self.buf.len() {
            match self.rx.recv() {
                Ok(b) => (self.buf, self.pos) = (b, 0),
                Err(_) => return Ok(0),
            }
        }
        let n = out.len().min(self.buf.len() - self.pos);
        out[..n].copy_from_slice(&self.buf[self.pos..self.pos + n]);
        self.pos += n;
        Ok(n)
    }
}
