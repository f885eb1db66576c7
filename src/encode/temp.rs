//! A hidden temporary file beside a target, moved into place only when complete.

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use crate::render::wav::{check_target, Overwrite};
use crate::{Error, Result};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// A temporary path `.NAME.PID-tagN.tmp` in the target's directory (NAME cut to fit, see
/// [`crate::publish::stem`]), removed on drop unless placed, registered for removal on
/// interruption, and locked while it lives so that no other run takes it for a leftover.
#[derive(Debug)]
pub struct Temp {
    /// The final path.
    pub target: PathBuf,
    /// The temporary path.
    pub path: PathBuf,
    placed: bool,
    _cleanup: crate::cleanup::Registration,
    _lock: File,
}

impl Temp {
    /// Creates the temporary file (new, empty) for `target`; checks `target` first.
    pub fn create(target: &Path, overwrite: Overwrite, tag: &str) -> Result<(Temp, File)> {
        check_target(target, overwrite)?;
        let name = target.file_name().ok_or_else(|| Error::Other(format!("{}: not a file name", target.display())))?;
        let dir = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let name = name.to_string_lossy();
        crate::publish::remove_stale_files(&dir, &name);
        let pid = std::process::id();
        let io = |err| Error::Io { path: target.to_path_buf(), err };
        let (path, lock) =
            crate::publish::create_temp(&dir, &name, &NEXT, |n| format!("{pid}-{tag}{n}.tmp")).map_err(io)?;
        let cleanup = crate::cleanup::register(path.clone());
        // Shares the locked open file: the lock lasts until both handles are closed.
        let file = lock.try_clone().map_err(io)?;
        Ok((Temp { target: target.to_path_buf(), path, placed: false, _cleanup: cleanup, _lock: lock }, file))
    }

    /// Writes `head`, then the rest of `body` (from its current position), to a new
    /// temporary for `target` and places it: how an encoded file gets its header (ID3 tag,
    /// FLAC metadata) once the audio after it is known.
    pub fn assemble(target: &Path, overwrite: Overwrite, head: &[u8], body: &mut File) -> Result<PathBuf> {
        let io = |err| Error::Io { path: target.to_path_buf(), err };
        let (fin, out) = Temp::create(target, overwrite, "f")?;
        let mut w = std::io::BufWriter::with_capacity(1 << 16, out);
        w.write_all(head).map_err(io)?;
        std::io::copy(body, &mut w).map_err(io)?;
        w.flush().map_err(io)?;
        drop(w);
        fin.place(overwrite)
    }

    /// Syncs the file and moves it to the target (never replacing a file under
    /// [`Overwrite::Refuse`]); returns the target.
    pub fn place(mut self, overwrite: Overwrite) -> Result<PathBuf> {
        let _commit = crate::render::wav::place(&self.path, &self.target, overwrite)?;
        self.placed = true;
        Ok(self.target.clone())
    }
}

impl Drop for Temp {
    fn drop(&mut self) {
        if !self.placed {
            let _ = std::fs::remove_file(&self.path);
        }
    }
}
