//! Opus in Ogg (RFC 6716 codec, RFC 7845 encapsulation), encoded by `opus-pure`, a pure-Rust
//! Opus encoder (BSD-3-Clause; a port of libopus, checked against it, see the README), so
//! the default build needs no native library.
//!
//! Speech defaults: mono, [`KBPS`] kbit/s, constrained variable bit rate (packets vary, a
//! reservoir holds every short window near the bit rate, so the file is bit rate × duration
//! within a few per cent), 20 ms packets, `Application::Audio` with the voice hint. Opus codes 8, 12, 16, 24 or 48 kHz input
//! ([`codec_rate`]); a render at another rate (the formant voice's 22.05 kHz) is brought to
//! the next one above it (24 kHz, which Opus codes as super-wideband, up to 12 kHz: all
//! of a 22.05 kHz render) by the zero-delay resampler of [`super::resample`], so chapter
//! times stay exact. Decoders play Opus at 48 kHz whatever the input rate.
//!
//! The stream: page 0 holds `OpusHead` (version 1, one channel, the encoder's delay as
//! pre-skip in 48 kHz samples, the render's rate as the informational input rate, gain 0,
//! mapping family 0); the next page(s) `OpusTags` (vendor, then `TITLE`, `ARTIST`, `DATE`,
//! `LANGUAGE`, `COMMENT` and `CHAPTER001=HH:MM:SS.mmm` / `CHAPTER001NAME=…` per chapter,
//! the Vorbis-comment chapter convention that FFmpeg reads); then audio pages of up to
//! one second each. A page's granule position counts 48 kHz samples including the
//! pre-skip; the last page's is pre-skip + the audio's exact length, so decoders drop the
//! encoder's padding (RFC 7845 §4.4), and it carries the end-of-stream flag. The serial
//! number is the CRC of the file's name, so the same file always has the same bytes.
//!
//! [`OpusEncoder`] encodes into any writer as samples arrive. [`OpusFile`] sends the audio
//! pages (numbered from 2) to a temporary file; at commit, when the chapters are known,
//! the header pages are written to a second temporary file, the audio pages copied after
//! them (renumbered if the tags took more than one page), and the file moved into place.

use std::fs::File;
use std::io::{BufWriter, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use opus_pure::{Application, RateControl};

use super::ogg::{self, OggWriter};
use super::resample::Resampler;
use super::temp::Temp;
use super::Tags;
use crate::render::wav::Overwrite;
use crate::{Error, Result};

/// The Opus bit rate, kbit/s (constant).
pub const KBPS: u32 = 32;

/// Packet duration, ms.
pub const FRAME_MS: u32 = 20;

/// Granule positions count samples at this rate, whatever the input's (RFC 7845 §4).
pub const GRANULE_RATE: u32 = 48_000;

/// The rates the Opus encoder takes.
pub const CODEC_RATES: [u32; 5] = [8_000, 12_000, 16_000, 24_000, 48_000];

/// Returns the rate the encoder is fed for a render at `rate`: `rate` itself if Opus takes
/// it, else the next one above (48 kHz at most).
pub fn codec_rate(rate: u32) -> u32 {
    CODEC_RATES.iter().copied().find(|&r| r >= rate).unwrap_or(48_000)
}

/// Returns the serial number for a file of this name.
pub fn serial_for(name: &Path) -> u32 {
    let n = name.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    ogg::crc32(n.as_bytes())
}

/// The `OpusHead` packet (RFC 7845 §5.1).
pub fn opus_head(pre_skip: u16, input_rate: u32) -> Vec<u8> {
    let mut h = b"OpusHead".to_vec();
    h.push(1); // version
    h.push(1); // channels
    h.extend_from_slice(&pre_skip.to_le_bytes());
    h.extend_from_slice(&input_rate.to_le_bytes());
    h.extend_from_slice(&0i16.to_le_bytes()); // output gain
    h.push(0); // mapping family 0: mono or stereo, no table
    h
}

/// The `OpusTags` packet (RFC 7845 §5.2): `tags` as Vorbis comments, chapter times from
/// samples at `rate`.
pub fn opus_tags(tags: &Tags, rate: u32) -> Vec<u8> {
    let mut t = b"OpusTags".to_vec();
    t.extend_from_slice(&super::flac::vorbis_comment(tags, rate));
    t
}

/// The header pages: `OpusHead` alone on page 0, then `OpusTags` ending its own page
/// (RFC 7845 §3). Returns the bytes and the number of pages.
pub fn header_pages(serial: u32, pre_skip: u16, input_rate: u32, tags: &Tags) -> (Vec<u8>, u32) {
    let mut w = OggWriter::new(Vec::new(), serial, 0);
    // Header pages carry granule position 0. Writing to a Vec cannot fail.
    let _ = w.packet(&opus_head(pre_skip, input_rate), 0);
    let _ = w.flush_page(false);
    let _ = w.packet(&opus_tags(tags, input_rate), 0);
    let _ = w.flush_page(false);
    let pages = w.next_sequence();
    (w.into_inner(), pages)
}

/// The Opus encoder set up for samachar's speech (mono, [`KBPS`] kbit/s constrained VBR, 20 ms
/// packets) with its Ogg pages, writing into `W` as samples arrive. Memory does not grow
/// with the length of the audio.
pub struct OpusEncoder<W: Write> {
    enc: opus_pure::OpusEncoder,
    resampler: Option<Resampler>,
    ogg: OggWriter<W>,
    name: PathBuf,
    input_rate: u32,
    rate: u32,
    frame: usize,
    pre_skip: u16,
    /// Samples at the codec rate waiting for a whole frame.
    pending: Vec<f32>,
    /// Resampler output.
    scratch: Vec<f32>,
    packet: Vec<u8>,
    /// Granule position after the last packet.
    granule: u64,
    /// Samples received, at the input rate.
    received: u64,
}

impl<W: Write> OpusEncoder<W> {
    /// Starts an encoder fed at `input_rate` Hz whose pages go to `out`, the first with
    /// sequence number `sequence`, all with serial `serial`. `name` names the output in
    /// messages. No byte is written until a page is full.
    pub fn new(out: W, name: &Path, input_rate: u32, serial: u32, sequence: u32) -> Result<OpusEncoder<W>> {
        let err = |e: &dyn std::fmt::Display| Error::Other(format!("{}: Opus encoder: {e}", name.display()));
        let rate = codec_rate(input_rate);
        let resampler =
            if rate == input_rate { None } else { Some(Resampler::new(input_rate, rate).map_err(|e| err(&e))?) };
        let mut enc = opus_pure::OpusEncoder::new(rate as i32, 1, Application::Audio).map_err(|e| err(&e))?;
        enc.bitrate_bps = (KBPS * 1000) as i32;
        // Constrained VBR (libopus's default): the packets vary, a reservoir keeps any
        // short window near the bit rate. Hard CBR at 32 kbit/s made opus-pure 0.2.2 put out a
        // full-scale burst on one of our bulletins (+5.4 dBTP from a −1.4 dBTP input).
        enc.rate_control = RateControl::ConstrainedVbr;
        enc.signal_type = Some(opus_pure::Signal::Voice);
        let pre_skip = (enc.lookahead() as u64 * u64::from(GRANULE_RATE) / u64::from(rate)) as u16;
        Ok(OpusEncoder {
            enc,
            resampler,
            ogg: OggWriter::new(out, serial, sequence),
            name: name.to_path_buf(),
            input_rate,
            rate,
            frame: (rate * FRAME_MS / 1000) as usize,
            pre_skip,
            pending: Vec::with_capacity(4096),
            scratch: Vec::with_capacity(4096),
            packet: vec![0; opus_pure::MAX_PACKET_BYTES],
            granule: 0,
            received: 0,
        })
    }

    /// The encoder's delay in 48 kHz samples (the `OpusHead` pre-skip).
    pub fn pre_skip(&self) -> u16 {
        self.pre_skip
    }

    /// The rate the samples are fed at.
    pub fn input_rate(&self) -> u32 {
        self.input_rate
    }

    /// Returns the header pages for a stream with these tags (to be sent before any audio
    /// page) and numbers the audio pages after them.
    pub fn stream_header(&mut self, tags: &Tags, serial: u32) -> Vec<u8> {
        let (head, pages) = header_pages(serial, self.pre_skip, self.input_rate, tags);
        self.ogg.set_sequence(pages);
        head
    }

    /// The writer (to flush it, or to write before the first page).
    pub fn writer(&mut self) -> &mut W {
        self.ogg.get_mut()
    }

    /// Returns the writer without ending the stream (for a stream that got no samples).
    pub fn into_writer(self) -> W {
        self.ogg.into_inner()
    }

    fn io_err(&self, err: std::io::Error) -> Error {
        Error::Io { path: self.name.clone(), err }
    }

    fn encode_err(&self, e: &dyn std::fmt::Display) -> Error {
        Error::Other(format!("{}: Opus encoder: {e}", self.name.display()))
    }

    /// Codes one frame from the front of `pending` into `packet`; returns its length.
    fn code_frame(&mut self) -> Result<usize> {
        let r = self.enc.encode(&self.pending[..self.frame], self.frame, &mut self.packet);
        let n = r.map_err(|e| self.encode_err(&e))?;
        self.pending.drain(..self.frame);
        self.granule += u64::from(GRANULE_RATE * FRAME_MS / 1000);
        Ok(n)
    }

    fn drain_frames(&mut self) -> Result<()> {
        while self.pending.len() >= self.frame {
            let n = self.code_frame()?;
            let r = self.ogg.packet(&self.packet[..n], self.granule);
            r.map_err(|e| self.io_err(e))?;
        }
        Ok(())
    }

    /// Appends samples (in [-1, 1]).
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        self.received += samples.len() as u64;
        match &mut self.resampler {
            Some(r) => {
                self.scratch.clear();
                r.process(samples, &mut self.scratch);
                self.pending.extend_from_slice(&self.scratch);
            }
            None => self.pending.extend_from_slice(samples),
        }
        self.drain_frames()
    }

    /// Appends 16-bit samples.
    pub fn write_i16(&mut self, samples: &[i16]) -> Result<()> {
        for chunk in samples.chunks(4096) {
            let f: Vec<f32> = chunk.iter().map(|&x| f32::from(x) / 32768.0).collect();
            self.write(&f)?;
        }
        Ok(())
    }

    /// Appends `n` samples of silence.
    pub fn write_silence(&mut self, n: u64) -> Result<()> {
        let zeros = [0f32; 4096];
        let mut left = n;
        while left > 0 {
            let k = left.min(zeros.len() as u64) as usize;
            self.write(&zeros[..k])?;
            left -= k as u64;
        }
        Ok(())
    }

    /// Writes the page being filled so that a reader gets the audio so far.
    pub fn flush(&mut self) -> Result<()> {
        let r = self.ogg.flush();
        r.map_err(|e| self.io_err(e))
    }

    /// Codes the rest of the audio, padded with silence until the encoder's delay is out,
    /// and writes the last page, whose granule position trims the padding; returns the
    /// writer, flushed, and the audio's length at the codec rate.
    pub fn finish(mut self) -> Result<(W, u64)> {
        if let Some(r) = &mut self.resampler {
            self.scratch.clear();
            r.finish(&mut self.scratch);
            self.pending.extend_from_slice(&self.scratch);
        }
        let real = match &self.resampler {
            Some(r) => r.output_len(self.received),
            None => self.received,
        };
        // The encoder is `lookahead` samples behind: feed that much silence, to a whole frame.
        let lookahead = self.enc.lookahead();
        let padded = (self.pending.len() + lookahead).div_ceil(self.frame).max(1) * self.frame;
        self.pending.resize(padded, 0.0);
        let mut packets: Vec<Vec<u8>> = Vec::new();
        let mut granules = Vec::new();
        while !self.pending.is_empty() {
            let n = self.code_frame()?;
            packets.push(self.packet[..n].to_vec());
            granules.push(self.granule);
        }
        let ticks = u64::from(GRANULE_RATE / self.rate);
        if let Some(g) = granules.last_mut() {
            *g = u64::from(self.pre_skip) + real * ticks;
        }
        let refs: Vec<&[u8]> = packets.iter().map(Vec::as_slice).collect();
        let name = self.name.clone();
        let out = self.ogg.finish_with(&refs, &granules).map_err(|err| Error::Io { path: name, err })?;
        Ok((out, real))
    }
}

/// An Ogg Opus file being encoded.
pub struct OpusFile {
    enc: OpusEncoder<BufWriter<File>>,
    audio: Temp,
    overwrite: Overwrite,
    serial: u32,
}

impl OpusFile {
    /// Starts an Ogg Opus file for `target` fed at `input_rate` Hz.
    pub fn create(target: &Path, input_rate: u32, overwrite: Overwrite) -> Result<OpusFile> {
        let (audio, file) = Temp::create(target, overwrite, "a")?;
        let serial = serial_for(target);
        let enc = OpusEncoder::new(BufWriter::with_capacity(1 << 16, file), target, input_rate, serial, 2)?;
        Ok(OpusFile { enc, audio, overwrite, serial })
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.audio.target
    }

    /// Appends samples (in [-1, 1]).
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        self.enc.write(samples)
    }

    /// Appends 16-bit samples.
    pub fn write_i16(&mut self, samples: &[i16]) -> Result<()> {
        self.enc.write_i16(samples)
    }

    /// Appends `n` samples of silence.
    pub fn write_silence(&mut self, n: u64) -> Result<()> {
        self.enc.write_silence(n)
    }

    /// Ends the stream, writes the header pages with these tags before the audio pages and
    /// moves the file into place.
    pub fn commit(self, tags: &Tags) -> Result<PathBuf> {
        let target = self.audio.target.clone();
        let (pre_skip, input_rate) = (self.enc.pre_skip(), self.enc.input_rate());
        let (out, _) = self.enc.finish()?;
        let io = |err| Error::Io { path: target.clone(), err };
        let mut file = out.into_inner().map_err(|e| io(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        let (head, pages) = header_pages(self.serial, pre_skip, input_rate, tags);
        let path = if pages == 2 {
            Temp::assemble(&target, self.overwrite, &head, &mut file)?
        } else {
            // A long comment header took more pages: the audio pages move up by the excess.
            let (fin, out) = Temp::create(&target, self.overwrite, "f")?;
            let mut w = BufWriter::with_capacity(1 << 16, out);
            w.write_all(&head).map_err(io)?;
            let mut r = std::io::BufReader::with_capacity(1 << 16, &mut file);
            ogg::copy_renumbered(&mut r, &mut w, pages - 2).map_err(io)?;
            w.flush().map_err(io)?;
            drop(w);
            fin.place(self.overwrite)?
        };
        drop(file);
        drop(self.audio);
        Ok(path)
    }
}

/// Decodes the Ogg Opus file at `path` (with `opus-pure`'s decoder, at 48 kHz, pre-skip
/// and end trimming applied as a player does) and hands the samples to `f` block by
/// block; returns the number of samples.
pub fn for_each_block(path: &Path, mut f: impl FnMut(&[f32]) -> Result<()>) -> Result<u64> {
    let bad =
        |e: &dyn std::fmt::Display| Error::Other(format!("{}: not a decodable Ogg Opus file ({e})", path.display()));
    let file = File::open(path).map_err(|err| Error::Io { path: path.to_path_buf(), err })?;
    let mut reader =
        opus_pure::OggOpusReader::new(std::io::BufReader::with_capacity(1 << 16, file)).map_err(|e| bad(&e))?;
    let rate = GRANULE_RATE as i32;
    let mut decoder = reader.head().decoder(rate).map_err(|e| bad(&e))?;
    let mut trim = opus_pure::Trim::new(reader.head(), rate, 1).map_err(|e| bad(&e))?;
    let mut block = vec![0f32; opus_pure::MAX_PACKET_SAMPLES];
    let mut total = 0u64;
    for packet in reader.packets() {
        let packet = packet.map_err(|e| bad(&e))?;
        let n = decoder.decode(&packet.data, opus_pure::MAX_PACKET_SAMPLES, &mut block).map_err(|e| bad(&e))?;
        let kept = trim.keep(&packet, &block[..n]);
        total += kept.len() as u64;
        f(kept)?;
    }
    Ok(total)
}

/// Measures the integrated loudness and true peak of the Ogg Opus file at `path` as
/// decoded.
pub fn loudness(path: &Path) -> Result<crate::bulletin::loudness::Measurement> {
    use ebur128::{EbuR128, Mode};
    let ebu = |e: ebur128::Error| Error::Other(format!("loudness measurement: {e}"));
    let mut m = EbuR128::new(1, GRANULE_RATE, Mode::I | Mode::TRUE_PEAK).map_err(ebu)?;
    let samples = for_each_block(path, |b| m.add_frames_f32(b).map_err(ebu))?;
    let lufs = m.loudness_global().map_err(ebu)?;
    let tp = m.true_peak(0).map_err(ebu)?;
    Ok(crate::bulletin::loudness::Measurement {
        lufs: lufs.is_finite().then_some(lufs),
        true_peak: (tp > 0.0).then(|| 20.0 * tp.log10()),
        samples,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn encode(rate: u32, samples: &[f32]) -> (Vec<u8>, u64, u16) {
        let mut e = OpusEncoder::new(Vec::new(), Path::new("<test>"), rate, 1, 2).unwrap();
        let pre_skip = e.pre_skip();
        for c in samples.chunks(777) {
            e.write(c).unwrap();
        }
        let (out, real) = e.finish().unwrap();
        (out, real, pre_skip)
    }

    #[test]
    fn codec_rates_are_the_next_opus_rate_above() {
        assert_eq!(codec_rate(22050), 24000);
        assert_eq!(codec_rate(24000), 24000);
        assert_eq!(codec_rate(16000), 16000);
        assert_eq!(codec_rate(44100), 48000);
        assert_eq!(codec_rate(96000), 48000);
    }

    #[test]
    fn head_packet_layout() {
        let h = opus_head(312, 22050);
        assert_eq!(h.len(), 19);
        assert_eq!(&h[..8], b"OpusHead");
        assert_eq!(h[8..10], [1, 1]);
        assert_eq!(u16::from_le_bytes([h[10], h[11]]), 312);
        assert_eq!(u32::from_le_bytes([h[12], h[13], h[14], h[15]]), 22050);
    }

    #[test]
    fn granules_count_48k_samples_and_the_last_trims_the_padding() {
        let tone: Vec<f32> = (0..22050).map(|i| (i as f32 * 0.07).sin() * 0.3).collect();
        let (out, real, pre_skip) = encode(22050, &tone);
        assert_eq!(real, 24000);
        let pages = ogg::pages(&out).unwrap();
        assert_eq!(pages[0].sequence, 2);
        let last = pages.last().unwrap();
        assert_eq!(last.flags & 0x04, 0x04, "end of stream");
        assert_eq!(last.granule, i64::from(pre_skip) + 48_000);
        assert!(pages.iter().filter(|p| p.flags & 0x04 != 0).count() == 1);
        // Granule positions grow, by 960 per 20 ms packet on full pages.
        let mut prev = 0;
        for p in &pages[..pages.len() - 1] {
            let n = p.lacing.iter().filter(|&&l| l < 255).count() as i64;
            assert_eq!(p.granule - prev, 960 * n);
            prev = p.granule;
        }
        // 32 kbit/s × 20 ms = 80 bytes a packet: constrained VBR stays at or under it on
        // average (a steady tone needs less: about 62), never far over.
        let pk = ogg::packets(&pages);
        let mean = pk.iter().map(Vec::len).sum::<usize>() as f64 / pk.len() as f64;
        assert!((40.0..=84.0).contains(&mean), "{mean}");
    }

    #[test]
    fn the_same_samples_give_the_same_bytes_however_they_are_cut() {
        let tone: Vec<f32> = (0..30000).map(|i| (i as f32 * 0.01).sin() * 0.5).collect();
        let a = encode(24000, &tone).0;
        let mut e = OpusEncoder::new(Vec::new(), Path::new("<test>"), 24000, 1, 2).unwrap();
        e.write(&tone[..5]).unwrap();
        e.write(&tone[5..]).unwrap();
        assert_eq!(e.finish().unwrap().0, a);
    }
}
