//! WAV output that never leaves a truncated file behind.
//!
//! Samples go to a hidden temporary file in the target's directory
//! (`.NAME.PID-N.tmp`); [`WavFile::commit`] finalizes the header, syncs the file to disk
//! and only then moves it to the target path. If the render fails, or the [`WavFile`] is
//! dropped without a commit, the temporary file is removed and the target is untouched.
//! (A process killed by SIGKILL cannot run that clean-up: it may leave the hidden temporary
//! file, never a partial WAV under the target name. The writer holds a lock on its
//! temporary, and the next write to the same target removes every temporary of it that no
//! process holds: see [`crate::publish`]. A long target name is cut in the temporary's name
//! so that it always fits.)

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use super::{Sink, Unit};
use crate::{Error, Result};

/// What to do when the target file already exists.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Overwrite {
    /// Fail with [`Error::OutputExists`], before rendering and again at commit (the check
    /// and the final link are atomic: a file that appears meanwhile is not replaced).
    Refuse,
    /// Replace it atomically at commit.
    Replace,
}

/// The sample rates `samachar` writes, in Hz.
pub const SAMPLE_RATES: [u32; 5] = [16_000, 22_050, 24_000, 44_100, 48_000];

/// The most sample bytes a RIFF/WAV file can hold (its sizes are 32-bit), keeping room
/// for the header.
const MAX_DATA_BYTES: u64 = u32::MAX as u64 - 1024;

/// The most samples one 16-bit mono WAV file holds (27 h 3 min at 22,050 Hz).
pub const MAX_SAMPLES: u64 = MAX_DATA_BYTES / 2;

/// Hours of audio at `sample_rate` that `samples` samples make, for messages.
pub fn hours(samples: u64, sample_rate: u32) -> f64 {
    samples as f64 / sample_rate as f64 / 3600.0
}

/// The size a streamed WAV's RIFF and `data` fields carry when the length is not known as
/// the header is sent: 0xFFFFFFFF, which streaming readers (FFmpeg, SoX, browsers) take as
/// "until the end of the stream".
pub const UNKNOWN_SIZE: u32 = u32::MAX;

/// Returns the 44-byte header of a 16-bit PCM mono WAV stream of unknown length (RIFF and
/// `data` sizes [`UNKNOWN_SIZE`]), for output that is written before its length is known:
/// `speak -o -` and the HTTP service. The samples follow it, 16-bit little-endian.
pub fn streaming_header(sample_rate: u32) -> [u8; 44] {
    let mut h = [0u8; 44];
    let mut at = 0;
    let mut put = |b: &[u8]| {
        h[at..at + b.len()].copy_from_slice(b);
        at += b.len();
    };
    put(b"RIFF");
    put(&UNKNOWN_SIZE.to_le_bytes());
    put(b"WAVEfmt ");
    put(&16u32.to_le_bytes()); // fmt chunk size
    put(&1u16.to_le_bytes()); // PCM
    put(&1u16.to_le_bytes()); // mono
    put(&sample_rate.to_le_bytes());
    put(&(sample_rate * 2).to_le_bytes()); // bytes per second
    put(&2u16.to_le_bytes()); // block align
    put(&16u16.to_le_bytes()); // bits per sample
    put(b"data");
    put(&UNKNOWN_SIZE.to_le_bytes());
    h
}

/// Distinguishes temporary files of several writers in one process.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Converts a sample in [-1, 1] to 16-bit PCM: scaled by 32767 so that ±1.0 map to
/// ±32767 symmetrically, clamped, rounded to nearest (ties to even; no dither, so the
/// output is reproducible); NaN becomes 0.
#[inline]
pub fn to_i16(x: f32) -> i16 {
    let v = (x * 32767.0).clamp(-32768.0, 32767.0);
    // NaN (the only value unequal to itself) becomes silence.
    #[allow(clippy::eq_op)]
    let v = if v == v { v } else { 0.0 };
    // Adding and removing 1.5·2^23 leaves no fraction bits, so IEEE arithmetic rounds to
    // the nearest integer: exact for |v| < 2^22, and without the libm call `round` costs.
    let r = (v + 12_582_912.0) - 12_582_912.0;
    // SAFETY: r is a finite integer in [-32768, 32767], so it fits an i32 (and an i16).
    unsafe { r.to_int_unchecked::<i32>() as i16 }
}

/// A 16-bit PCM mono WAV being written to a temporary file, moved into place on commit.
pub struct WavFile {
    target: PathBuf,
    temp: PathBuf,
    writer: Option<hound::WavWriter<BufWriter<File>>>,
    overwrite: Overwrite,
    committed: bool,
    data_bytes: u64,
    extra: Vec<([u8; 4], Vec<u8>)>,
    /// Removes the temporary file if the process is interrupted (see [`crate::cleanup`]).
    _cleanup: crate::cleanup::Registration,
    /// Holds the lock that marks the temporary as in use (see [`crate::publish`]).
    _lock: File,
}

impl std::fmt::Debug for WavFile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WavFile").field("target", &self.target).field("temp", &self.temp).finish()
    }
}

impl WavFile {
    /// Starts a WAV for `target`. Fails at once if the target exists and `overwrite` is
    /// [`Overwrite::Refuse`], if it is a directory, or if its directory is not writable.
    pub fn create(target: &Path, sample_rate: u32, overwrite: Overwrite) -> Result<WavFile> {
        check_target(target, overwrite)?;
        let name = target.file_name().ok_or_else(|| Error::Other(format!("{}: not a file name", target.display())))?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = name.to_string_lossy();
        crate::publish::remove_stale_files(&dir, &name);
        let pid = std::process::id();
        let (temp, lock) = crate::publish::create_temp(&dir, &name, &NEXT_TEMP, |n| format!("{pid}-{n}.tmp"))
            .map_err(|err| Error::Io { path: target.to_path_buf(), err })?;
        // Registered once it is ours (an interruption in between leaves an unlocked temporary,
        // which the next run removes).
        let cleanup = crate::cleanup::register(temp.clone());
        // The writer's handle shares the locked open file; the lock lasts until both close.
        let file = lock.try_clone().map_err(|err| Error::Io { path: target.to_path_buf(), err })?;
        let spec =
            hound::WavSpec { channels: 1, sample_rate, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
        let mut me = WavFile {
            target: target.to_path_buf(),
            temp,
            writer: None,
            overwrite,
            committed: false,
            data_bytes: 0,
            extra: Vec::new(),
            _cleanup: cleanup,
            _lock: lock,
        };
        let w = hound::WavWriter::new(BufWriter::with_capacity(1 << 16, file), spec).map_err(|e| me.hound_err(e))?;
        me.writer = Some(w);
        Ok(me)
    }

    /// Returns the path the WAV will have once committed.
    pub fn target(&self) -> &Path {
        &self.target
    }

    /// Returns the number of samples written so far.
    pub fn len(&self) -> u64 {
        self.data_bytes / 2
    }

    /// Returns true if no sample has been written.
    pub fn is_empty(&self) -> bool {
        self.data_bytes == 0
    }

    fn hound_err(&self, e: hound::Error) -> Error {
        match e {
            hound::Error::IoError(err) => Error::Io { path: self.target.clone(), err },
            e => Error::Other(format!("{}: {e}", self.target.display())),
        }
    }

    fn reserve(&mut self, n: usize) -> Result<()> {
        self.data_bytes += 2 * n as u64;
        if self.data_bytes > MAX_DATA_BYTES {
            return Err(Error::Other(format!(
                "{}: audio too long for one WAV file (over 4 GiB); lower --sample-rate or split the text",
                self.target.display()
            )));
        }
        Ok(())
    }

    /// Appends samples (in [-1, 1]; clamped).
    pub fn write(&mut self, samples: &[f32]) -> Result<()> {
        self.reserve(samples.len())?;
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        let mut res = Ok(());
        for chunk in samples.chunks(1 << 14) {
            let mut sw = w.get_i16_writer(chunk.len() as u32);
            for &x in chunk {
                // SAFETY: the writer was sized for exactly `chunk.len()` samples.
                unsafe { sw.write_sample_unchecked(to_i16(x)) };
            }
            if let Err(e) = sw.flush() {
                res = Err(e);
                break;
            }
        }
        res.map_err(|e| self.hound_err(e))
    }

    /// Appends `n` samples of silence.
    pub fn write_silence(&mut self, n: u64) -> Result<()> {
        self.reserve(n as usize)?;
        let Some(w) = self.writer.as_mut() else { return Ok(()) };
        let mut left = n;
        let mut res = Ok(());
        while left > 0 {
            let k = left.min(1 << 14) as u32;
            let mut sw = w.get_i16_writer(k);
            for _ in 0..k {
                // SAFETY: the writer was sized for exactly `k` samples.
                unsafe { sw.write_sample_unchecked(0i16) };
            }
            if let Err(e) = sw.flush() {
                res = Err(e);
                break;
            }
            left -= k as u64;
        }
        res.map_err(|e| self.hound_err(e))
    }

    /// Adds a RIFF chunk (e.g. `cue ` points or a `LIST`/`adtl` of labels) to be written
    /// after the audio data when the file is committed. `id` is the four-byte chunk id;
    /// `body` is the chunk's content without its id and size (a pad byte is added if odd).
    pub fn add_chunk(&mut self, id: [u8; 4], body: Vec<u8>) {
        self.extra.push((id, body));
    }

    /// Appends the extra chunks after the data chunk and fixes the RIFF size to match.
    fn write_extra_chunks(&mut self) -> std::io::Result<()> {
        use std::io::{Seek, SeekFrom, Write};
        let mut f = File::options().read(true).write(true).open(&self.temp)?;
        let mut end = f.seek(SeekFrom::End(0))?;
        let mut w = BufWriter::new(&mut f);
        for (id, body) in &self.extra {
            w.write_all(id)?;
            w.write_all(&(body.len() as u32).to_le_bytes())?;
            w.write_all(body)?;
            end += 8 + body.len() as u64;
            if body.len() % 2 == 1 {
                w.write_all(&[0])?;
                end += 1;
            }
        }
        w.flush()?;
        drop(w);
        let riff = u32::try_from(end - 8).map_err(|_| std::io::Error::other("WAV over 4 GiB"))?;
        f.seek(SeekFrom::Start(4))?;
        f.write_all(&riff.to_le_bytes())
    }

    /// Finalizes the header, writes any extra chunks, syncs the file to disk and moves it to
    /// its target path. Returns the target path.
    pub fn commit(mut self) -> Result<PathBuf> {
        if let Some(w) = self.writer.take() {
            w.finalize().map_err(|e| self.hound_err(e))?;
        }
        let io = |path: &Path| {
            let path = path.to_path_buf();
            move |err| Error::Io { path, err }
        };
        if !self.extra.is_empty() {
            self.write_extra_chunks().map_err(io(&self.target))?;
        }
        let _commit = place(&self.temp, &self.target, self.overwrite)?;
        self.committed = true;
        // Make the new directory entry durable too; not every platform can open a directory.
        if let Some(dir) = self.target.parent() {
            let dir = if dir.as_os_str().is_empty() { Path::new(".") } else { dir };
            if let Ok(d) = File::open(dir) {
                let _ = d.sync_all();
            }
        }
        Ok(self.target.clone())
    }
}

impl Drop for WavFile {
    fn drop(&mut self) {
        // Not committed: the render failed or was abandoned; leave no trace.
        drop(self.writer.take());
        if !self.committed {
            let _ = std::fs::remove_file(&self.temp);
        }
    }
}

impl Sink for WavFile {
    fn unit(&mut self, _: usize, _: &Unit, _: u64, samples: &[f32]) -> Result<()> {
        self.write(samples)
    }
    fn silence(&mut self, _: u64, len: u64) -> Result<()> {
        self.write_silence(len)
    }
}

/// Syncs the complete temporary file `temp` and moves it to `target`: a rename under
/// [`Overwrite::Replace`]; under [`Overwrite::Refuse`] a hard link, which never replaces an
/// existing file (no window for a race), falling back to check-then-rename on filesystems
/// without hard links. Returns the commit lock, held so that an interruption waits until the
/// caller has recorded that the file is in place.
pub fn place(temp: &Path, target: &Path, overwrite: Overwrite) -> Result<std::sync::MutexGuard<'static, ()>> {
    let io = |err| Error::Io { path: target.to_path_buf(), err };
    File::open(temp).and_then(|f| f.sync_all()).map_err(io)?;
    let commit = crate::cleanup::commit_lock();
    match overwrite {
        Overwrite::Replace => std::fs::rename(temp, target).map_err(io)?,
        Overwrite::Refuse => match std::fs::hard_link(temp, target) {
            Ok(()) => {
                let _ = std::fs::remove_file(temp);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                return Err(Error::OutputExists { path: target.to_path_buf() });
            }
            Err(_) => {
                check_target(target, Overwrite::Refuse)?;
                std::fs::rename(temp, target).map_err(io)?;
            }
        },
    }
    Ok(commit)
}

/// Checks that `target` may be written under the given policy.
pub fn check_target(target: &Path, overwrite: Overwrite) -> Result<()> {
    match std::fs::symlink_metadata(target) {
        Ok(m) if m.is_dir() => Err(Error::Other(format!("{}: is a directory", target.display()))),
        // A device, FIFO or socket is never replaced by a regular file, even with --force
        // (as root, `-o /dev/null --force` would otherwise destroy /dev/null).
        Ok(m) if !m.file_type().is_file() && !m.file_type().is_symlink() => Err(Error::Other(format!(
            "{}: is not a regular file (a device, FIFO or socket); refusing to replace it",
            target.display()
        ))),
        Ok(_) if overwrite == Overwrite::Refuse => Err(Error::OutputExists { path: target.to_path_buf() }),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn streaming_header_is_44_bytes_with_unknown_sizes_and_the_rate() {
        let h = streaming_header(22050);
        assert_eq!(&h[0..4], b"RIFF");
        assert_eq!(&h[4..8], &[0xff; 4]);
        assert_eq!(&h[8..16], b"WAVEfmt ");
        assert_eq!(&h[36..40], b"data");
        assert_eq!(&h[40..44], &[0xff; 4]);
        assert_eq!(u32::from_le_bytes(h[24..28].try_into().unwrap()), 22050);
        assert_eq!(u32::from_le_bytes(h[28..32].try_into().unwrap()), 44100);
        // With the sizes of a known length filled in, a strict reader accepts it.
        let mut wav = h.to_vec();
        wav.extend_from_slice(&[1, 0, 255, 255]);
        wav[4..8].copy_from_slice(&(36u32 + 4).to_le_bytes());
        wav[40..44].copy_from_slice(&4u32.to_le_bytes());
        let r = hound::WavReader::new(std::io::Cursor::new(wav)).unwrap();
        assert_eq!(
            r.spec(),
            hound::WavSpec {
                channels: 1,
                sample_rate: 22050,
                bits_per_sample: 16,
                sample_format: hound::SampleFormat::Int
            }
        );
        let s: Vec<i16> = r.into_samples().map(|x| x.unwrap()).collect();
        assert_eq!(s, [1, -1]);
    }
}
