//! A hidden temporary file beside a target, moved into place only when complete.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::render::wav::{check_target, Overwrite};
use crate::{Error, Result};

static NEXT: AtomicUsize = AtomicUsize::new(0);

/// A temporary path `.NAME.PID-eN.tmp` in the target's directory, removed on drop unless
/// placed, and registered for removal on interruption.
#[derive(Debug)]
pub struct Temp {
    /// The final path.
    pub target: PathBuf,
    /// The temporary path.
    pub path: PathBuf,
    placed: bool,
    _cleanup: crate::cleanup::Registration,
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
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let path = dir.join(format!(".{}.{}-{tag}{n}.tmp", name.to_string_lossy(), std::process::id()));
        let cleanup = crate::cleanup::register(path.clone());
        let file = File::options()
            .read(true)
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|err| Error::Io { path: target.to_path_buf(), err })?;
        Ok((Temp { target: target.to_path_buf(), path, placed: false, _cleanup: cleanup }, file))
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
