//! Audio written to a stream that cannot seek back (standard output, an HTTP response) as
//! it is rendered, for `speak -o -` and `samachar serve`.
//!
//! Each [`Sink`] call writes its samples and flushes, so a reader gets the audio sentence by
//! sentence. Nothing is written before the first samples arrive, so a render that fails at
//! once leaves the stream empty. Formats:
//!
//! - WAV: the 44-byte header of [`crate::render::wav::streaming_header`], whose RIFF and
//!   `data` sizes are 0xFFFFFFFF because the length is unknown when it is sent (the
//!   convention of streaming WAV writers; FFmpeg and SoX read such a stream to its end),
//!   then 16-bit little-endian samples.
//! - PCM: the bare samples, 16-bit little-endian mono.
//! - MP3: an ID3v2.4 tag, then MPEG frames as LAME produces them (mono, 96 kbit/s CBR,
//!   44.1 kHz, as [`super::mp3`]); no Info frame, which would need a seek back to the start.
//! - Opus: the Ogg header pages (`OpusHead`, `OpusTags` with the tags), then audio pages as
//!   in [`super::opus`]; each flush ends the page being filled, so a reader gets every
//!   sentence at once. The last page (end of stream, its granule position trimming the
//!   padding) is written by [`AudioStream::finish`].
//! - FLAC: `fLaC`, a STREAMINFO saying "length unknown", the Vorbis comments, then each
//!   4096-sample frame as it fills (see [`super::flac::FlacStream`]); so a reader gets the
//!   audio up to 186 ms (at 22.05 kHz) after it is rendered.

use std::io::Write;
use std::path::{Path, PathBuf};

use super::flac::FlacStream;
use super::mp3::Mp3Encoder;
use super::opus::OpusEncoder;
use super::Tags;
use crate::render::wav::{streaming_header, to_i16};
use crate::render::{Sink, Unit};
use crate::{Error, Result};

/// The layout of a stream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StreamFormat {
    /// WAV with unknown-length sizes, then 16-bit PCM.
    Wav,
    /// Bare 16-bit little-endian mono PCM.
    Pcm,
    /// ID3v2.4 tag, then MP3 frames.
    Mp3,
    /// Ogg Opus.
    Opus,
    /// FLAC with an unknown length.
    Flac,
}

// One per stream: the MP3 encoder's inline buffers cost nothing worth boxing.
#[allow(clippy::large_enum_variant)]
enum Body<W: Write> {
    Pcm(W),
    Mp3(Mp3Encoder<W>),
    Opus(Box<OpusEncoder<W>>),
    Flac(FlacStream<W>),
}

/// Audio being written to a non-seekable writer; see the module documentation.
pub struct AudioStream<W: Write> {
    body: Body<W>,
    /// Bytes that go out before the first samples (WAV header, ID3 tag); `None` once sent.
    head: Option<Vec<u8>>,
    name: PathBuf,
    buf: Vec<u8>,
    samples: u64,
}

impl<W: Write> AudioStream<W> {
    /// Starts a stream of `format` into `out`, fed with samples at `sample_rate`. `name`
    /// names the stream in error messages (`<stdout>`); `tags` go into the MP3's ID3 tag.
    pub fn new(format: StreamFormat, out: W, name: &Path, sample_rate: u32, tags: &Tags) -> Result<AudioStream<W>> {
        let (body, head) = match format {
            StreamFormat::Wav => (Body::Pcm(out), streaming_header(sample_rate).to_vec()),
            StreamFormat::Pcm => (Body::Pcm(out), Vec::new()),
            StreamFormat::Mp3 => {
                (Body::Mp3(Mp3Encoder::new(out, name, sample_rate, false)?), super::id3::tag(tags, sample_rate))
            }
            StreamFormat::Opus => {
                let serial = super::opus::serial_for(Path::new("stream.opus"));
                let mut e = OpusEncoder::new(out, name, sample_rate, serial, 0)?;
                let head = e.stream_header(tags, serial);
                (Body::Opus(Box::new(e)), head)
            }
            StreamFormat::Flac => {
                (Body::Flac(FlacStream::new(out, name, sample_rate)?), FlacStream::<W>::header(sample_rate, tags))
            }
        };
        Ok(AudioStream { body, head: Some(head), name: name.to_path_buf(), buf: Vec::new(), samples: 0 })
    }

    /// Returns the number of samples written so far.
    pub fn samples(&self) -> u64 {
        self.samples
    }

    fn io_err(&self, err: std::io::Error) -> Error {
        Error::Io { path: self.name.clone(), err }
    }

    fn writer(&mut self) -> &mut W {
        match &mut self.body {
            Body::Pcm(w) => w,
            Body::Mp3(e) => e.writer(),
            Body::Opus(e) => e.writer(),
            Body::Flac(e) => e.writer(),
        }
    }

    /// Writes the header if it has not gone out yet.
    fn start(&mut self) -> Result<()> {
        if let Some(head) = self.head.take() {
            let r = self.writer().write_all(&head);
            r.map_err(|e| self.io_err(e))?;
        }
        Ok(())
    }

    /// Appends samples (in [-1, 1]) and flushes them to the reader.
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        if samples.is_empty() {
            return Ok(());
        }
        self.start()?;
        self.samples += samples.len() as u64;
        match &mut self.body {
            Body::Pcm(w) => {
                self.buf.clear();
                self.buf.extend(samples.iter().flat_map(|&x| to_i16(x).to_le_bytes()));
                let r = w.write_all(&self.buf).and_then(|_| w.flush());
                r.map_err(|e| self.io_err(e))
            }
            Body::Mp3(e) => {
                e.write(samples)?;
                let r = e.writer().flush();
                r.map_err(|e| self.io_err(e))
            }
            Body::Opus(e) => {
                e.write(samples)?;
                e.flush()
            }
            Body::Flac(e) => {
                let pcm: Vec<i16> = samples.iter().map(|&x| to_i16(x)).collect();
                e.write_i16(&pcm)?;
                let r = e.writer().flush();
                r.map_err(|e| self.io_err(e))
            }
        }
    }

    /// Appends `n` samples of silence and flushes them to the reader.
    pub fn write_silence(&mut self, n: u64) -> Result<()> {
        if n == 0 {
            return Ok(());
        }
        self.start()?;
        self.samples += n;
        match &mut self.body {
            Body::Pcm(w) => {
                let zeros = [0u8; 8192];
                let mut left = 2 * n;
                let mut r = Ok(());
                while left > 0 && r.is_ok() {
                    let k = left.min(zeros.len() as u64) as usize;
                    r = w.write_all(&zeros[..k]);
                    left -= k as u64;
                }
                let r = r.and_then(|_| w.flush());
                r.map_err(|e| self.io_err(e))
            }
            Body::Mp3(e) => {
                e.write_silence(n)?;
                let r = e.writer().flush();
                r.map_err(|e| self.io_err(e))
            }
            Body::Opus(e) => {
                e.write_silence(n)?;
                e.flush()
            }
            Body::Flac(e) => {
                let zeros = [0i16; 4096];
                let mut left = n;
                while left > 0 {
                    let k = left.min(zeros.len() as u64) as usize;
                    e.write_i16(&zeros[..k])?;
                    left -= k as u64;
                }
                let r = e.writer().flush();
                r.map_err(|e| self.io_err(e))
            }
        }
    }

    /// Ends the stream (the MP3 encoder's last frames) and returns the writer, flushed. A
    /// stream that never got a sample stays empty.
    pub fn finish(self) -> Result<W> {
        if self.head.is_some() {
            return Ok(match self.body {
                Body::Pcm(w) => w,
                Body::Mp3(e) => e.into_writer(),
                Body::Opus(e) => e.into_writer(),
                Body::Flac(e) => e.into_writer(),
            });
        }
        match self.body {
            Body::Pcm(mut w) => match w.flush() {
                Ok(()) => Ok(w),
                Err(err) => Err(Error::Io { path: self.name, err }),
            },
            Body::Mp3(e) => Ok(e.finish()?.0),
            Body::Opus(e) => Ok(e.finish()?.0),
            Body::Flac(e) => e.finish(),
        }
    }
}

impl<W: Write> Sink for AudioStream<W> {
    fn unit(&mut self, _: usize, _: &Unit, _: u64, samples: &[f32]) -> Result<()> {
        self.write(samples)
    }
    fn silence(&mut self, _: u64, len: u64) -> Result<()> {
        self.write_silence(len)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stream(format: StreamFormat, parts: &[&[f32]]) -> Vec<u8> {
        let mut s = AudioStream::new(format, Vec::new(), Path::new("<test>"), 22050, &Tags::default()).unwrap();
        for p in parts {
            s.write(p).unwrap();
            s.write_silence(3).unwrap();
        }
        s.finish().unwrap()
    }

    #[test]
    fn wav_stream_is_the_unknown_length_header_then_the_samples() {
        let out = stream(StreamFormat::Wav, &[&[0.5, -1.0], &[1.0]]);
        assert_eq!(&out[..44], &streaming_header(22050));
        let samples: Vec<i16> = out[44..].chunks(2).map(|b| i16::from_le_bytes([b[0], b[1]])).collect();
        assert_eq!(samples, [16384, -32767, 0, 0, 0, 32767, 0, 0, 0]);
        assert_eq!(stream(StreamFormat::Pcm, &[&[0.5, -1.0], &[1.0]]), &out[44..]);
    }

    #[test]
    fn nothing_is_written_before_the_first_samples() {
        let mut s =
            AudioStream::new(StreamFormat::Wav, Vec::new(), Path::new("<test>"), 22050, &Tags::default()).unwrap();
        assert!(s.writer().is_empty());
        s.write(&[0.0]).unwrap();
        assert_eq!(s.writer().len(), 46);
    }

    #[test]
    fn mp3_stream_is_an_id3_tag_then_mpeg_frames() {
        let tone: Vec<f32> = (0..22050).map(|i| (i as f32 * 0.05).sin() * 0.3).collect();
        let out = stream(StreamFormat::Mp3, &[&tone]);
        assert_eq!(&out[..3], b"ID3");
        let size = out[6..10].iter().fold(0usize, |a, &b| (a << 7) | b as usize);
        let frames = &out[10 + size..];
        // An MPEG-1 Layer III frame sync at the start of the audio: 0xFFF, version 1, layer 3.
        assert_eq!(frames[0], 0xff);
        assert_eq!(frames[1] & 0xfe, 0xfa);
        // One second of audio at 96 kbit/s is about 12 kB.
        assert!((10_000..16_000).contains(&frames.len()), "{}", frames.len());
    }

    #[test]
    fn a_closed_reader_is_an_error_naming_the_stream() {
        struct Closed;
        impl Write for Closed {
            fn write(&mut self, _: &[u8]) -> std::io::Result<usize> {
                Err(std::io::ErrorKind::BrokenPipe.into())
            }
            fn flush(&mut self) -> std::io::Result<()> {
                Ok(())
            }
        }
        let mut s =
            AudioStream::new(StreamFormat::Wav, Closed, Path::new("<stdout>"), 22050, &Tags::default()).unwrap();
        let e = s.write(&[0.0]).unwrap_err().to_string();
        assert!(e.contains("<stdout>"), "{e}");
    }
}
