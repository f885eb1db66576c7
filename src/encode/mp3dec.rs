//! Decoding an MP3 back to PCM, to measure the file as a listener's player plays it, with
//! minimp3 (`minimp3-sys`: the public-domain decoder, bundled C with SIMD, no native library
//! to install). It replaced LAME's own decoder (mpglib), which took 5 of the 31 CPU-seconds
//! of a 100-article MP3 bulletin (its Huffman decoding walks a bit tree per code); minimp3
//! decodes the same file in less than a third of that, and the measured loudness is the
//! same to 0.01 LU (both are ISO 11172-3 decoders; they differ by rounding).
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

/// Samples one MPEG audio frame decodes to, at most (`MINIMP3_MAX_SAMPLES_PER_FRAME`).
const MAX_FRAME_SAMPLES: usize = 1152 * 2;

/// Bytes of input kept buffered: many frames (a 96 kbit/s frame is 313 bytes, the largest
/// MPEG-1 layer III frame 1,441), so the decoder always sees a whole frame and the next
/// frame's header after it.
const BUFFER: usize = 16 * 1024;

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
    // SAFETY: mp3dec_t is plain arrays and integers, for which all-zero bytes are valid;
    // mp3dec_init then sets what the decoder needs set.
    let mut dec: Box<minimp3_sys::mp3dec_t> = Box::new(unsafe { std::mem::zeroed() });
    // SAFETY: `dec` is a valid, exclusively borrowed decoder state.
    unsafe { minimp3_sys::mp3dec_init(&mut *dec) };
    let mut pcm = vec![0i16; MAX_FRAME_SAMPLES];
    let mut buf = first;
    buf.reserve(BUFFER);
    let mut at = 0usize;
    let mut eof = false;
    let mut total = 0u64;
    let mut rate = 0u32;
    loop {
        // Keep at least a large frame and the next header in view, unless the input ended.
        if !eof && buf.len() - at < BUFFER / 2 {
            buf.drain(..at);
            at = 0;
            let have = buf.len();
            buf.resize(BUFFER, 0);
            let mut got = have;
            while got < BUFFER {
                let n = file.read(&mut buf[got..]).map_err(io)?;
                if n == 0 {
                    eof = true;
                    break;
                }
                got += n;
            }
            buf.truncate(got);
        }
        if at >= buf.len() {
            break;
        }
        let mut info = minimp3_sys::mp3dec_frame_info_t {
            frame_bytes: 0,
            frame_offset: 0,
            channels: 0,
            hz: 0,
            layer: 0,
            bitrate_kbps: 0,
        };
        let rest = &buf[at..];
        // SAFETY: `dec` is an initialized decoder; `rest` holds `rest.len()` readable bytes
        // (at most BUFFER, fits a c_int); `pcm` holds MINIMP3_MAX_SAMPLES_PER_FRAME samples,
        // the most one frame decodes to.
        let n = unsafe {
            minimp3_sys::mp3dec_decode_frame(
                &mut *dec,
                rest.as_ptr(),
                rest.len() as std::ffi::c_int,
                pcm.as_mut_ptr(),
                &mut info,
            )
        };
        if info.frame_bytes <= 0 {
            // No frame in what is left: the end of the stream (or trailing bytes).
            if eof {
                break;
            }
            return Err(bad("corrupt frame"));
        }
        at += info.frame_bytes as usize;
        if n > 0 {
            // The decoder reports each frame's header: the rate is the first frame's.
            if info.channels != 1 {
                return Err(bad("stereo; samachar's MP3s are mono"));
            }
            if rate == 0 {
                rate = info.hz as u32;
            }
            let n = (n as usize).min(pcm.len());
            total += n as u64;
            f(&pcm[..n], rate)?;
        }
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
