//! What to remove if the process is interrupted (Ctrl-C, SIGTERM, SIGHUP).
//!
//! Writers register their temporary file or directory here while it exists; the binary's
//! signal handler calls [`interrupted`], which removes every registered path, so an
//! interrupted run leaves neither a truncated WAV nor a hidden temporary behind. A commit
//! (the rename that publishes a finished file) runs under [`commit_lock`], and the handler
//! takes the same lock first: it never removes a file halfway through being published.

use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};

/// A set of temporary paths to remove on interruption.
#[derive(Debug)]
pub struct Registry {
    pending: Mutex<Vec<(u64, PathBuf)>>,
    next: AtomicU64,
}

/// The process's registry, used by the WAV and bulletin writers.
static GLOBAL: Registry = Registry::new();
static COMMIT: Mutex<()> = Mutex::new(());

/// A registered temporary path; dropping it unregisters the path (it does not remove it).
#[derive(Debug)]
pub struct Registration {
    registry: &'static Registry,
    id: u64,
}

impl Registry {
    /// An empty registry.
    pub const fn new() -> Registry {
        Registry { pending: Mutex::new(Vec::new()), next: AtomicU64::new(0) }
    }

    fn pending(&self) -> MutexGuard<'_, Vec<(u64, PathBuf)>> {
        self.pending.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Registers a temporary file or directory.
    pub fn register(&'static self, path: PathBuf) -> Registration {
        let id = self.next.fetch_add(1, Ordering::Relaxed);
        self.pending().push((id, path));
        Registration { registry: self, id }
    }

    /// Removes every registered temporary (waiting for a commit in progress to finish) and
    /// returns how many there were.
    pub fn remove_all(&self) -> usize {
        let _commit = commit_lock();
        let paths: Vec<PathBuf> = self.pending().drain(..).map(|(_, p)| p).collect();
        for p in &paths {
            if p.is_dir() {
                let _ = std::fs::remove_dir_all(p);
            } else {
                let _ = std::fs::remove_file(p);
            }
        }
        paths.len()
    }
}

impl Default for Registry {
    fn default() -> Self {
        Registry::new()
    }
}

impl Drop for Registration {
    fn drop(&mut self) {
        let id = self.id;
        self.registry.pending().retain(|(i, _)| *i != id);
    }
}

/// Registers a temporary file or directory to be removed if the process is interrupted.
pub fn register(path: PathBuf) -> Registration {
    GLOBAL.register(path)
}

/// Held while a finished temporary is moved into place.
pub fn commit_lock() -> MutexGuard<'static, ()> {
    COMMIT.lock().unwrap_or_else(|e| e.into_inner())
}

/// Removes every registered temporary of the process and returns how many there were. For
/// the signal handler; the process should exit right after it.
pub fn interrupted() -> usize {
    GLOBAL.remove_all()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn interrupted_removes_registered_paths_and_forgets_dropped_ones() {
        let dir = tempfile::tempdir().unwrap();
        let f = dir.path().join("a.tmp");
        let d = dir.path().join("b.tmp");
        let kept = dir.path().join("kept.wav");
        std::fs::write(&f, b"x").unwrap();
        std::fs::create_dir(&d).unwrap();
        std::fs::write(d.join("inner"), b"y").unwrap();
        std::fs::write(&kept, b"z").unwrap();
        let reg: &'static Registry = Box::leak(Box::new(Registry::new()));
        let _a = reg.register(f.clone());
        let _b = reg.register(d.clone());
        drop(reg.register(kept.clone())); // committed: no longer a temporary
        assert_eq!(reg.remove_all(), 2);
        assert!(!f.exists() && !d.exists());
        assert!(kept.exists(), "an unregistered file must not be removed");
    }
}
