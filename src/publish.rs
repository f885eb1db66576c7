//! The file-system steps behind "never a half-written file, never a replaced one": names for
//! hidden temporaries that always fit, locks that mark a temporary as in use, and renames
//! that publish a finished directory without replacing (or while swapping) what is there.
//!
//! A temporary belongs to the process that holds an exclusive advisory lock (`flock`) on it
//! (a WAV or MP3 temporary is its own lock file; a bulletin directory has one beside it). A
//! run removes another run's leftovers only once it has taken that lock itself, so a killed
//! run's temporaries are cleaned up while a live one's are never touched, whatever PID
//! namespace (container) either runs in. The kernel drops a lock when its holder dies,
//! SIGKILL included.

use std::fs::File;
use std::io;
use std::path::{Path, PathBuf};

/// The longest file name (one path component) Linux file systems take, in bytes (`NAME_MAX`).
pub const NAME_MAX: usize = 255;

/// Bytes kept for what follows the stem in a temporary's name (the dots, `tmp-`, the PID, a
/// counter, `.lock`): at most 2 + 4 + 10 + 1 + 20 + 5 = 42.
const SUFFIX_ROOM: usize = 48;

/// The longest stem: the part of a temporary's name that stands for the target's name.
const STEM_MAX: usize = NAME_MAX - SUFFIX_ROOM;

/// Returns the largest index `<= max` that is a char boundary of `s`.
pub fn floor_char_boundary(s: &str, max: usize) -> usize {
    if max >= s.len() {
        return s.len();
    }
    (0..=max).rev().find(|&i| s.is_char_boundary(i)).unwrap_or(0)
}

/// 32-bit FNV-1a: a short, stable tag that tells apart long names cut to the same stem.
fn fnv1a(bytes: &[u8]) -> u32 {
    bytes.iter().fold(0x811c_9dc5u32, |h, &b| (h ^ u32::from(b)).wrapping_mul(0x0100_0193))
}

/// Returns the stem of the temporaries of a target named `name`: `name` itself when a
/// temporary's name fits in [`NAME_MAX`] with it, otherwise its first bytes (cut at a char
/// boundary) and `~` with eight hex digits of a hash of the whole name. Always the same for
/// the same name, so a later run finds the leftovers of an earlier one.
pub fn stem(name: &str) -> String {
    if name.len() <= STEM_MAX {
        return name.to_string();
    }
    let cut = floor_char_boundary(name, STEM_MAX - 9);
    format!("{}~{:08x}", &name[..cut], fnv1a(name.as_bytes()))
}

/// Returns the name `.STEM.SUFFIX` of a hidden temporary for a target named `name`.
pub fn hidden_name(name: &str, suffix: &str) -> String {
    debug_assert!(suffix.len() + 2 <= SUFFIX_ROOM);
    format!(".{}.{suffix}", stem(name))
}

/// Returns true if the open file `f` is the file now at `path` (not one put there since).
pub(crate) fn same_file(f: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (f.metadata(), std::fs::symlink_metadata(path)) {
            (Ok(a), Ok(b)) => a.dev() == b.dev() && a.ino() == b.ino(),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (f, path);
        path.exists()
    }
}

/// Creates the file `path`, which must not exist, and takes the exclusive lock on it; the
/// lock lasts as long as the returned file stays open. Returns `Ok(None)` if another run's
/// clean-up removed the file before the lock was taken (the caller tries another name), and
/// an error of kind `AlreadyExists` if `path` exists.
pub fn create_locked(path: &Path) -> io::Result<Option<File>> {
    let f = File::options().read(true).write(true).create_new(true).open(path)?;
    // Blocking: the only other holder can be a clean-up that found the file unlocked in the
    // instant before this, and it lets go at once (having removed the file).
    f.lock()?;
    Ok(same_file(&f, path).then_some(f))
}

/// Takes the lock on the existing file `path` if no process holds it, that is if it is a
/// leftover of a run that ended without removing it. Returns the open, locked file, or
/// `None` if the lock is held (a live run owns the file) or the file cannot be opened.
pub fn try_take(path: &Path) -> Option<File> {
    let f = File::options().read(true).write(true).open(path).ok()?;
    f.try_lock().ok()?;
    // Removed and perhaps made again by someone else between the open and the lock.
    same_file(&f, path).then_some(f)
}

/// Creates a new, locked hidden temporary file `.STEM.SUFFIX` in `dir` for the target
/// `name`, where `suffix(n)` gives the part after the stem for attempt `n` (drawn from
/// `counter`). Returns its path and the open file that holds the lock.
pub fn create_temp(
    dir: &Path,
    name: &str,
    counter: &std::sync::atomic::AtomicU64,
    suffix: impl Fn(u64) -> String,
) -> io::Result<(PathBuf, File)> {
    for _ in 0..1000 {
        let n = counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let path = dir.join(hidden_name(name, &suffix(n)));
        match create_locked(&path) {
            Ok(Some(f)) => return Ok((path, f)),
            // A run in another PID namespace may use the same PID: take the next number.
            Ok(None) => continue,
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(io::Error::other("no free name for a temporary file"))
}

/// Removes the hidden temporary files in `dir` of writers of `name` (`.STEM.PID-N.tmp`,
/// with an optional letter tag before `N`) that no live process holds.
pub fn remove_stale_files(dir: &Path, name: &str) {
    let prefix = format!(".{}.", stem(name));
    let Ok(entries) = std::fs::read_dir(dir) else { return };
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)).and_then(|r| r.strip_suffix(".tmp"))
        else {
            continue;
        };
        let Some((pid, n)) = rest.split_once('-') else { continue };
        let n = n.trim_start_matches(|c: char| c.is_ascii_lowercase());
        if pid.parse::<u32>().is_err() || n.parse::<u64>().is_err() {
            continue;
        }
        if let Some(lock) = try_take(&e.path()) {
            let _ = std::fs::remove_file(e.path());
            drop(lock);
        }
    }
}

/// Why a directory could not be published.
#[derive(Debug)]
pub enum PublishError {
    /// Something is at the target (and was left as it is).
    Exists,
    /// Another failure of the rename.
    Io(io::Error),
}

#[cfg(target_os = "linux")]
fn renameat2(from: &Path, to: &Path, flags: libc::c_uint) -> io::Result<()> {
    use std::ffi::CString;
    use std::os::unix::ffi::OsStrExt;
    let c = |p: &Path| CString::new(p.as_os_str().as_bytes()).map_err(|_| io::Error::from(io::ErrorKind::InvalidInput));
    let (from, to) = (c(from)?, c(to)?);
    // SAFETY: two NUL-terminated paths that outlive the call; renameat2 reads nothing else.
    // The raw syscall, not the libc wrapper, because older glibc and musl lack the wrapper.
    let r = unsafe {
        libc::syscall(libc::SYS_renameat2, libc::AT_FDCWD, from.as_ptr(), libc::AT_FDCWD, to.as_ptr(), flags)
    };
    if r == 0 {
        Ok(())
    } else {
        Err(io::Error::last_os_error())
    }
}

/// Returns true for the errors of a kernel or file system that lacks a renameat2 flag.
#[cfg(target_os = "linux")]
fn unsupported(e: &io::Error) -> bool {
    matches!(e.raw_os_error(), Some(libc::EINVAL) | Some(libc::ENOSYS) | Some(libc::EOPNOTSUPP))
}

/// Renames the directory `from` to `to` only if nothing is at `to`, in one step: nothing
/// that appears at `to` meanwhile (a directory, a file, another run's bulletin) is replaced.
/// Linux: `renameat2(RENAME_NOREPLACE)`. Elsewhere, or on a file system without it: `to` is
/// made as an empty directory first (which fails if anything is there) and `from` renamed
/// over that empty directory (which fails if something was put into it meanwhile).
pub fn rename_dir_noreplace(from: &Path, to: &Path) -> Result<(), PublishError> {
    #[cfg(target_os = "linux")]
    match renameat2(from, to, libc::RENAME_NOREPLACE) {
        Ok(()) => return Ok(()),
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(PublishError::Exists),
        Err(e) if !unsupported(&e) => return Err(PublishError::Io(e)),
        Err(_) => {}
    }
    match std::fs::create_dir(to) {
        Ok(()) => {}
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(PublishError::Exists),
        Err(e) => return Err(PublishError::Io(e)),
    }
    std::fs::rename(from, to).map_err(|e| {
        // Only ever removes the empty directory just made (remove_dir refuses a full one).
        let _ = std::fs::remove_dir(to);
        match e.kind() {
            io::ErrorKind::DirectoryNotEmpty | io::ErrorKind::AlreadyExists => PublishError::Exists,
            _ => PublishError::Io(e),
        }
    })
}

/// Swaps `a` and `b` (both existing) in one step: Linux `renameat2(RENAME_EXCHANGE)`.
/// Returns an error of kind `Unsupported` where that does not exist (other systems, some
/// file systems); the caller then moves the old one aside first.
pub fn exchange(a: &Path, b: &Path) -> io::Result<()> {
    #[cfg(target_os = "linux")]
    {
        renameat2(a, b, libc::RENAME_EXCHANGE).map_err(|e| {
            if unsupported(&e) {
                io::ErrorKind::Unsupported.into()
            } else {
                e
            }
        })
    }
    #[cfg(not(target_os = "linux"))]
    {
        let _ = (a, b);
        Err(io::ErrorKind::Unsupported.into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn temporary_names_of_a_name_near_name_max_fit_and_cut_at_a_char_boundary() {
        let long = "क".repeat(84); // 252 bytes
        let s = stem(&long);
        assert!(s.len() <= STEM_MAX, "{}", s.len());
        assert!(s.ends_with(&format!("~{:08x}", fnv1a(long.as_bytes()))), "{s}");
        let name = hidden_name(&long, &format!("tmp-{}-{}.lock", u32::MAX, u64::MAX));
        assert!(name.len() <= NAME_MAX, "{} bytes", name.len());
        // Two long names that share their first 200 bytes still get different stems.
        let other = format!("{}ख", "क".repeat(83));
        assert_ne!(stem(&other), s);
        assert_eq!(stem("out.wav"), "out.wav", "short names are kept as they are");
    }

    #[test]
    fn a_locked_temporary_cannot_be_taken_until_its_holder_lets_go() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join(".x.1-0.tmp");
        let held = create_locked(&p).unwrap().expect("locked");
        assert!(try_take(&p).is_none(), "a held lock was taken");
        assert_eq!(create_locked(&p).unwrap_err().kind(), io::ErrorKind::AlreadyExists);
        drop(held);
        assert!(try_take(&p).is_some(), "a released lock could not be taken");
    }

    #[test]
    fn stale_temporary_files_are_removed_and_held_or_foreign_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let stale = dir.path().join(".out.wav.7-0.tmp");
        let stale_mp3 = dir.path().join(".out.wav.7-a3.tmp");
        let other = dir.path().join(".other.wav.7-0.tmp");
        let odd = dir.path().join(".out.wav.x-0.tmp");
        for p in [&stale, &stale_mp3, &other, &odd] {
            std::fs::write(p, b"partial").unwrap();
        }
        let live = dir.path().join(".out.wav.8-0.tmp");
        let _held = create_locked(&live).unwrap().unwrap();
        remove_stale_files(dir.path(), "out.wav");
        assert!(!stale.exists() && !stale_mp3.exists(), "stale temporaries kept");
        assert!(live.exists(), "removed a temporary whose lock is held");
        assert!(other.exists() && odd.exists(), "removed a file that is not a temporary of out.wav");
    }

    #[test]
    fn rename_noreplace_never_replaces_what_is_at_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let (a, t) = (dir.path().join("a"), dir.path().join("t"));
        std::fs::create_dir(&a).unwrap();
        std::fs::write(a.join("new"), "n").unwrap();
        // An empty directory, a full one, a file: all stay.
        std::fs::create_dir(&t).unwrap();
        assert!(matches!(rename_dir_noreplace(&a, &t), Err(PublishError::Exists)));
        std::fs::write(t.join("precious.txt"), "x").unwrap();
        assert!(matches!(rename_dir_noreplace(&a, &t), Err(PublishError::Exists)));
        assert_eq!(std::fs::read_to_string(t.join("precious.txt")).unwrap(), "x");
        let f = dir.path().join("f");
        std::fs::write(&f, "file").unwrap();
        assert!(matches!(rename_dir_noreplace(&a, &f), Err(PublishError::Exists)));
        assert_eq!(std::fs::read_to_string(&f).unwrap(), "file");
        let fresh = dir.path().join("fresh");
        rename_dir_noreplace(&a, &fresh).unwrap();
        assert!(fresh.join("new").exists() && !a.exists());
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn exchange_swaps_two_directories() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a"), dir.path().join("b"));
        std::fs::create_dir(&a).unwrap();
        std::fs::create_dir(&b).unwrap();
        std::fs::write(a.join("new"), "").unwrap();
        std::fs::write(b.join("old"), "").unwrap();
        match exchange(&a, &b) {
            Ok(()) => assert!(b.join("new").exists() && a.join("old").exists()),
            Err(e) => assert_eq!(e.kind(), io::ErrorKind::Unsupported, "{e}"),
        }
    }
}
