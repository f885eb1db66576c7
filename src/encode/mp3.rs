//! MP3 output through LAME (bundled source, see the module above).
//!
//! [`Mp3Encoder`] encodes into any writer as samples arrive (a file, standard output, an
//! HTTP response). [`Mp3File`] sends the MPEG audio to one temporary file; at commit the LAME
//! "Info" frame (encoder delay and padding, so that decoders trim them and chapter times stay
//! exact) is written over the first frame, then the final file is assembled in a second
//! temporary file as ID3v2.4 tag + audio (copied in blocks) and moved into place. A stream
//! cannot seek back, so it has no Info frame: decoders then keep LAME's encoder delay
//! (about 50 ms of silence at the start).

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::mpsc::{sync_channel, SyncSender};
use std::thread::JoinHandle;

use mp3lame_encoder::{Bitrate, Builder, FlushGap, MonoPcm, Quality};

use super::temp::Temp;
use super::upsample::Upsampler;
use super::Tags;
use crate::bulletin::loudness::Measurement;
use crate::render::wav::{to_i16, Overwrite};
use crate::{Error, Result};

/// The MP3 sample rate, Hz.
pub const RATE: u32 = 44_100;
/// The MP3 bit rate, kbit/s (constant).
pub const KBPS: u32 = 96;

/// LAME's quality setting (0 best … 9 fastest): 7, LAME's "fast" level. It keeps the
/// psychoacoustic model but searches less for the best quantization. On 5 minutes of a
/// formant-voice bulletin at 96 kbit/s, quality 7 decoded at 25.8 dB SNR against the
/// source and quality 5 at 25.5 dB, and 7 encoded in 58 % of 5's time (LAME through
/// FFmpeg, `-compression_level 5` / `7`).
const QUALITY: Quality = Quality::Ok;

/// LAME's low-pass for a 22.05 kHz render upsampled to [`RATE`], Hz: the render's Nyquist
/// frequency. LAME quantizes and codes only up to the last non-zero line, so its default of
/// about 15 kHz at 96 kbit/s spent work on the upsampler's −70 dB images (three example
/// articles decoded at 25.62 dB SNR against 25.68 with the default, the same size; the
/// quantization loop took half the time).
const LOWPASS_22K: u32 = 11_025;

/// LAME fills some of its tables in static memory when an encoder is started, without a
/// lock of its own; encoders run in parallel (`--split` encodes every article at once, the
/// service streams to many clients), so they are started one at a time. Encoding itself
/// runs in parallel.
pub(crate) fn lame_init_lock() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// Samples converted per LAME call.
const BLOCK: usize = 4096;

/// LAME set up for samachar's MP3 (mono, 96 kbit/s CBR, 44.1 kHz), encoding samples into a
/// writer as they arrive. Memory does not grow with the audio's length.
pub struct Mp3Encoder<W: Write> {
    enc: mp3lame_encoder::Encoder,
    out: W,
    /// Names the output in messages (a path, or `<stdout>`).
    name: PathBuf,
    pcm: Vec<i16>,
    buf: Vec<u8>,
    input_rate: u32,
    /// Our own 2× upsampler for input at half of [`RATE`] (LAME's resampler is slow).
    up: Option<(Upsampler, Vec<i16>)>,
}

impl<W: Write> Mp3Encoder<W> {
    /// Starts an encoder fed at `input_rate` Hz that writes to `out`. With `info_frame`, LAME
    /// reserves the first frame for the Info frame that [`Mp3Encoder::finish`] returns (to
    /// be written over it by seeking back); without it, the output is plain frames.
    pub fn new(out: W, name: &Path, input_rate: u32, info_frame: bool) -> Result<Mp3Encoder<W>> {
        let lame = |e: &dyn std::fmt::Display| Error::Other(format!("{}: MP3 encoder: {e}", name.display()));
        let one_at_a_time = lame_init_lock();
        let mut b = Builder::new().ok_or_else(|| lame(&"cannot start LAME"))?;
        b.set_num_channels(1).map_err(|e| lame(&e))?;
        let up = (input_rate * 2 == RATE).then(|| (Upsampler::new(), Vec::with_capacity(2 * BLOCK)));
        b.set_sample_rate(if up.is_some() { RATE } else { input_rate }).map_err(|e| lame(&e))?;
        b.set_output_sample_rate(std::num::NonZeroU32::new(RATE)).map_err(|e| lame(&e))?;
        b.set_brate(Bitrate::Kbps96).map_err(|e| lame(&e))?;
        b.set_mode(mp3lame_encoder::Mode::Mono).map_err(|e| lame(&e))?;
        b.set_quality(QUALITY).map_err(|e| lame(&e))?;
        b.set_to_write_vbr_tag(info_frame).map_err(|e| lame(&e))?;
        if up.is_some() {
            // Nothing above the source's Nyquist frequency but the upsampler's −70 dB images:
            // LAME's low-pass there instead of its 96 kbit/s default (about 15 kHz).
            // SAFETY: the pointer is the builder's own, valid until `build` consumes it.
            let rc = unsafe { mp3lame_sys::lame_set_lowpassfreq(b.as_ptr(), LOWPASS_22K as i32) };
            if rc != 0 {
                return Err(lame(&"cannot set the low-pass frequency"));
            }
        }
        let enc = b.build().map_err(|e| lame(&e))?;
        drop(one_at_a_time);
        Ok(Mp3Encoder {
            enc,
            out,
            name: name.to_path_buf(),
            pcm: Vec::with_capacity(BLOCK),
            buf: Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(2 * BLOCK)),
            input_rate,
            up,
        })
    }

    /// The rate the samples are fed at.
    pub fn input_rate(&self) -> u32 {
        self.input_rate
    }

    /// The writer, e.g. to write an ID3 tag before the first frame or to flush.
    pub fn writer(&mut self) -> &mut W {
        &mut self.out
    }

    fn lame_err(&self, e: &dyn std::fmt::Display) -> Error {
        Error::Other(format!("{}: MP3 encoder: {e}", self.name.display()))
    }

    fn io_err(&self, err: std::io::Error) -> Error {
        Error::Io { path: self.name.clone(), err }
    }

    fn encode_pcm(&mut self) -> Result<()> {
        self.buf.clear();
        let r = match &mut self.up {
            Some((up, out)) => {
                out.clear();
                up.process(&self.pcm, out);
                self.enc.encode_to_vec(MonoPcm(&out[..]), &mut self.buf)
            }
            None => self.enc.encode_to_vec(MonoPcm(&self.pcm[..]), &mut self.buf),
        };
        r.map_err(|e| self.lame_err(&e))?;
        self.pcm.clear();
        let r = self.out.write_all(&self.buf);
        r.map_err(|e| self.io_err(e))
    }

    /// Appends samples (in [-1, 1]).
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        for chunk in samples.chunks(BLOCK) {
            self.pcm.extend(chunk.iter().map(|&x| to_i16(x)));
            self.encode_pcm()?;
        }
        Ok(())
    }

    /// Appends 16-bit samples as they are.
    pub fn write_i16(&mut self, samples: &[i16]) -> Result<()> {
        for chunk in samples.chunks(BLOCK) {
            self.pcm.extend_from_slice(chunk);
            self.encode_pcm()?;
        }
        Ok(())
    }

    /// Appends `n` samples of silence.
    pub fn write_silence(&mut self, n: u64) -> Result<()> {
        let mut left = n;
        while left > 0 {
            let k = left.min(BLOCK as u64) as usize;
            self.pcm.resize(k, 0);
            self.encode_pcm()?;
            left -= k as u64;
        }
        Ok(())
    }

    /// Returns the writer without flushing LAME (for a stream that got no samples).
    pub fn into_writer(self) -> W {
        self.out
    }

    /// Flushes LAME's last frames into the writer and flushes the writer; returns it with
    /// the Info frame (empty unless the encoder was started with one).
    pub fn finish(mut self) -> Result<(W, Vec<u8>)> {
        if let Some((up, out)) = &mut self.up {
            out.clear();
            up.finish(out);
            self.buf.clear();
            let r = self.enc.encode_to_vec(MonoPcm(&out[..]), &mut self.buf);
            r.map_err(|e| self.lame_err(&e))?;
            let r = self.out.write_all(&self.buf);
            r.map_err(|e| self.io_err(e))?;
        }
        self.buf.clear();
        self.buf.reserve(8192);
        let r = self.enc.flush_to_vec::<FlushGap>(&mut self.buf);
        r.map_err(|e| self.lame_err(&e))?;
        let r = self.out.write_all(&self.buf).and_then(|_| self.out.flush());
        r.map_err(|e| self.io_err(e))?;
        let mut info = Vec::with_capacity(self.enc.lame_tag_size());
        self.enc.lame_tag_encode_to_vec(&mut info);
        Ok((self.out, info))
    }
}

/// Where an [`Mp3File`]'s frames go: the temporary file, and with
/// [`Mp3File::measure_decoded`] also a thread that decodes and meters them.
struct Tee {
    file: BufWriter<File>,
    meter: Option<(SyncSender<Vec<u8>>, Vec<u8>)>,
}

/// Bytes handed to the metering thread at a time.
const METER_CHUNK: usize = 1 << 16;

impl Write for Tee {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        let n = self.file.write(b)?;
        if let Some((tx, pending)) = &mut self.meter {
            pending.extend_from_slice(&b[..n]);
            if pending.len() >= METER_CHUNK {
                // A meter that stopped (on a decoding error) reports at commit.
                let _ = tx.send(std::mem::replace(pending, Vec::with_capacity(METER_CHUNK)));
            }
        }
        Ok(n)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        self.file.flush()
    }
}

/// An MP3 file being encoded.
pub struct Mp3File {
    enc: Mp3Encoder<Tee>,
    audio: Temp,
    overwrite: Overwrite,
    meter: Option<JoinHandle<Result<Measurement>>>,
}

impl Mp3File {
    /// Starts an MP3 for `target` fed at `input_rate` Hz.
    pub fn create(target: &Path, input_rate: u32, overwrite: Overwrite) -> Result<Mp3File> {
        let (audio, file) = Temp::create(target, overwrite, "a")?;
        let tee = Tee { file: BufWriter::with_capacity(1 << 16, file), meter: None };
        let enc = Mp3Encoder::new(tee, target, input_rate, true)?;
        Ok(Mp3File { enc, audio, overwrite, meter: None })
    }

    /// Measures the file as a player decodes it while it is encoded (call before the first
    /// samples): the frames also go to a thread that decodes them ([`super::mp3dec`], minimp3) and
    /// meters loudness and true peak ([`super::mp3dec::loudness_in`]); [`Mp3File::commit_measured`]
    /// returns the result. The frames are the file's (the Info frame, written at the end,
    /// decodes to no samples), so the measurement is the finished file's.
    pub fn measure_decoded(&mut self) -> Result<()> {
        let (tx, rx) = sync_channel::<Vec<u8>>(16);
        let name = self.audio.target.clone();
        let handle = std::thread::Builder::new()
            .name("mp3-meter".into())
            .spawn(move || super::mp3dec::loudness_in(super::mp3dec::ChannelReader::new(rx), &name))
            .map_err(|err| Error::Io { path: self.audio.target.clone(), err })?;
        self.enc.writer().meter = Some((tx, Vec::with_capacity(METER_CHUNK)));
        self.meter = Some(handle);
        Ok(())
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.audio.target
    }

    /// The rate the samples are fed at.
    pub fn input_rate(&self) -> u32 {
        self.enc.input_rate()
    }

    /// Appends samples (in [-1, 1]).
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        self.enc.write(samples)
    }

    /// Appends 16-bit samples unchanged.
    pub fn write_i16(&mut self, samples: &[i16]) -> Result<()> {
        self.enc.write_i16(samples)
    }

    /// Appends `n` samples of silence.
    pub fn write_silence(&mut self, n: u64) -> Result<()> {
        self.enc.write_silence(n)
    }

    /// Flushes LAME, writes the Info frame, prepends the ID3 tag and moves the file into
    /// place.
    pub fn commit(self, tags: &Tags) -> Result<PathBuf> {
        self.commit_measured(tags).map(|(p, _)| p)
    }

    /// Commits as [`Mp3File::commit`] does; returns also the decoded measurement if
    /// [`Mp3File::measure_decoded`] was called.
    pub fn commit_measured(self, tags: &Tags) -> Result<(PathBuf, Option<Measurement>)> {
        let target = self.audio.target.clone();
        let input_rate = self.enc.input_rate();
        let (mut out, info) = self.enc.finish()?;
        let measured = match (out.meter.take(), self.meter) {
            (Some((tx, rest)), Some(handle)) => {
                let _ = tx.send(rest);
                drop(tx);
                let m = handle.join().map_err(|_| Error::Other(format!("{}: MP3 meter failed", target.display())))?;
                Some(m?)
            }
            _ => None,
        };
        let io = |err| Error::Io { path: target.clone(), err };
        let mut file = out.file.into_inner().map_err(|e| io(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        if !info.is_empty() {
            file.write_all(&info).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
        }
        let path = Temp::assemble(&target, self.overwrite, &super::id3::tag(tags, input_rate), &mut file)?;
        drop(file);
        drop(self.audio);
        Ok((path, measured))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Encoders started on many threads at once (as `--split` and the service do) all
    /// work and give the same bytes: LAME's start-up is serialized.
    #[test]
    fn encoders_started_on_many_threads_at_once_agree() {
        let x: Vec<i16> = (0..22_050).map(|i| ((i as f64 * 0.05).sin() * 8000.0) as i16).collect();
        let runs: Vec<Vec<u8>> = std::thread::scope(|s| {
            let hs: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        let mut e = Mp3Encoder::new(Vec::new(), Path::new("t.mp3"), 22_050, false).unwrap();
                        e.write_i16(&x).unwrap();
                        e.finish().unwrap().0
                    })
                })
                .collect();
            hs.into_iter().map(|h| h.join().unwrap()).collect()
        });
        // One second at 96 kbit/s is 12,000 bytes.
        assert!((11_000..14_000).contains(&runs[0].len()), "{} bytes", runs[0].len());
        assert!(runs.iter().all(|r| *r == runs[0]));
    }
}
