//! MP3 output through LAME (bundled source, see the module above).
//!
//! The MPEG audio goes to one temporary file as it is encoded; at commit the LAME "Info"
//! frame (encoder delay and padding, so that decoders trim them and chapter times stay
//! exact) is written over the first frame, then the final file is assembled in a second
//! temporary file as ID3v2.4 tag + audio (copied in blocks) and moved into place.

use std::fs::File;
use std::io::{BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use mp3lame_encoder::{Bitrate, Builder, FlushNoGap, MonoPcm, Quality};

use super::temp::Temp;
use super::Tags;
use crate::render::wav::{to_i16, Overwrite};
use crate::{Error, Result};

/// The MP3 sample rate, Hz.
pub const RATE: u32 = 44_100;
/// The MP3 bit rate, kbit/s (constant).
pub const KBPS: u32 = 96;

/// Samples converted per LAME call.
const BLOCK: usize = 4096;

/// An MP3 being encoded.
pub struct Mp3File {
    enc: mp3lame_encoder::Encoder,
    audio: Temp,
    out: BufWriter<File>,
    overwrite: Overwrite,
    pcm: Vec<i16>,
    buf: Vec<u8>,
    input_rate: u32,
}

impl Mp3File {
    /// Starts an MP3 for `target` fed at `input_rate` Hz.
    pub fn create(target: &Path, input_rate: u32, overwrite: Overwrite) -> Result<Mp3File> {
        let lame = |e: &dyn std::fmt::Display| Error::Other(format!("{}: MP3 encoder: {e}", target.display()));
        let mut b = Builder::new().ok_or_else(|| lame(&"cannot start LAME"))?;
        b.set_num_channels(1).map_err(|e| lame(&e))?;
        b.set_sample_rate(input_rate).map_err(|e| lame(&e))?;
        b.set_output_sample_rate(std::num::NonZeroU32::new(RATE)).map_err(|e| lame(&e))?;
        b.set_brate(Bitrate::Kbps96).map_err(|e| lame(&e))?;
        b.set_mode(mp3lame_encoder::Mode::Mono).map_err(|e| lame(&e))?;
        b.set_quality(Quality::Good).map_err(|e| lame(&e))?;
        b.set_to_write_vbr_tag(true).map_err(|e| lame(&e))?;
        let enc = b.build().map_err(|e| lame(&e))?;
        let (audio, file) = Temp::create(target, overwrite, "a")?;
        Ok(Mp3File {
            enc,
            audio,
            out: BufWriter::with_capacity(1 << 16, file),
            overwrite,
            pcm: Vec::with_capacity(BLOCK),
            buf: Vec::with_capacity(mp3lame_encoder::max_required_buffer_size(BLOCK)),
            input_rate,
        })
    }

    /// The final path.
    pub fn target(&self) -> &Path {
        &self.audio.target
    }

    /// The rate the samples are fed at.
    pub fn input_rate(&self) -> u32 {
        self.input_rate
    }

    fn io(&self) -> impl Fn(std::io::Error) -> Error + '_ {
        move |err| Error::Io { path: self.audio.target.clone(), err }
    }

    fn encode_pcm(&mut self) -> Result<()> {
        self.buf.clear();
        let target = self.audio.target.clone();
        self.enc
            .encode_to_vec(MonoPcm(&self.pcm[..]), &mut self.buf)
            .map_err(|e| Error::Other(format!("{}: MP3 encoder: {e}", target.display())))?;
        self.pcm.clear();
        let r = self.out.write_all(&self.buf);
        r.map_err(self.io())
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

    /// Flushes LAME, writes the Info frame, prepends the ID3 tag and moves the file into
    /// place.
    pub fn commit(mut self, tags: &Tags) -> Result<PathBuf> {
        self.buf.clear();
        self.buf.reserve(8192);
        let target = self.audio.target.clone();
        let lame_err = |e: &dyn std::fmt::Display| Error::Other(format!("{}: MP3 encoder: {e}", target.display()));
        self.enc.flush_to_vec::<FlushNoGap>(&mut self.buf).map_err(|e| lame_err(&e))?;
        let io = |err| Error::Io { path: target.clone(), err };
        self.out.write_all(&self.buf).map_err(io)?;
        self.out.flush().map_err(io)?;
        let mut info = Vec::with_capacity(self.enc.lame_tag_size());
        self.enc.lame_tag_encode_to_vec(&mut info);
        let mut file = self.out.into_inner().map_err(|e| io(e.into_error()))?;
        file.seek(SeekFrom::Start(0)).map_err(io)?;
        if !info.is_empty() {
            file.write_all(&info).map_err(io)?;
            file.seek(SeekFrom::Start(0)).map_err(io)?;
        }
        let (fin, out) = Temp::create(&target, self.overwrite, "f")?;
        let mut w = BufWriter::with_capacity(1 << 16, out);
        w.write_all(&super::id3::tag(tags, self.input_rate)).map_err(io)?;
        let mut block = vec![0u8; 1 << 16];
        loop {
            let n = file.read(&mut block).map_err(io)?;
            if n == 0 {
                break;
            }
            w.write_all(&block[..n]).map_err(io)?;
        }
        w.flush().map_err(io)?;
        drop(w);
        drop(file);
        let path = fin.place(self.overwrite)?;
        drop(self.audio);
        Ok(path)
    }
}
