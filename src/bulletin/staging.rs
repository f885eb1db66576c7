//! Where a bulletin is made and how it is published.
//!
//! Everything is written into a hidden directory `.NAME.tmp-PID-N` beside the target, whose
//! lock file `.NAME.tmp-PID-N.lock` this run holds locked (see [`crate::publish`]). The
//! finished directory is renamed to the target in one step that refuses to replace anything
//! (`renameat2(RENAME_NOREPLACE)`): a directory or file that appears at the target while the
//! bulletin is rendered is left as it is, and of several runs for one target exactly one
//! wins. With `--force` only a previous bulletin (a directory with a samachar
//! `manifest.json`) is replaced, by swapping the two in one step (`RENAME_EXCHANGE`; where
//! that is missing, by moving the old one aside to `.NAME.old-PID-N` first) and then removing
//! the old one. The next run for the same target removes whatever a killed run left (its
//! hidden directories and lock file) once it can take that run's lock.

use std::collections::BTreeSet;
use std::fs::File;
use std::io::Read;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::AtomicU64;

use super::files;
use crate::publish::{self, PublishError};
use crate::{Error, Result};

static NEXT: AtomicU64 = AtomicU64::new(0);

/// Largest `manifest.json` read to decide whether a directory is a bulletin (a 27-hour
/// bulletin's manifest is about 10 MB).
const MANIFEST_MAX_BYTES: u64 = 64 << 20;

fn out_err(path: &Path, problem: impl Into<String>) -> Error {
    Error::OutputDir { path: path.to_path_buf(), problem: problem.into() }
}

/// Returns `Ok` if `dir` holds a samachar bulletin: a `manifest.json` (a regular file) with
/// the manifest's `format` and `samachar_version`; otherwise what is missing.
pub(super) fn is_bulletin(dir: &Path) -> std::result::Result<(), String> {
    #[derive(serde::Deserialize)]
    struct Probe {
        #[allow(dead_code)]
        format: u32,
        #[allow(dead_code)]
        samachar_version: String,
    }
    let path = dir.join(files::MANIFEST);
    match std::fs::symlink_metadata(&path) {
        Ok(m) if m.is_file() => {}
        _ => return Err(format!("no {}", files::MANIFEST)),
    }
    let mut text = Vec::new();
    File::open(&path)
        .and_then(|f| f.take(MANIFEST_MAX_BYTES).read_to_end(&mut text))
        .map_err(|e| format!("cannot read {}: {e}", files::MANIFEST))?;
    serde_json::from_slice::<Probe>(&text)
        .map(|_| ())
        .map_err(|_| format!("its {} is not a samachar manifest", files::MANIFEST))
}

/// What is at a bulletin's target that may be written.
#[derive(Debug, PartialEq, Eq)]
enum Found {
    Nothing,
    /// A previous bulletin, and `--force` was given.
    Bulletin,
}

/// Checks what is at `target`: nothing, or (with `force`) a previous bulletin; anything
/// else is an error that says why it stays.
fn inspect(target: &Path, force: bool) -> Result<Found> {
    let m = match std::fs::symlink_metadata(target) {
        // Not a directory: a file on the way there, which making the parent reports.
        Err(e) if matches!(e.kind(), std::io::ErrorKind::NotFound | std::io::ErrorKind::NotADirectory) => {
            return Ok(Found::Nothing)
        }
        Err(e) => return Err(out_err(target, format!("cannot look at it: {e}"))),
        Ok(m) => m,
    };
    if !force {
        return Err(out_err(target, "already exists (use --force to replace it)"));
    }
    let refuse = |what: &str| {
        out_err(target, format!("{what}; refusing to replace it (--force replaces only a previous bulletin)"))
    };
    if m.file_type().is_symlink() {
        return Err(refuse("is a symbolic link"));
    }
    if !m.is_dir() {
        return Err(refuse("exists and is not a directory"));
    }
    is_bulletin(target).map_err(|why| refuse(&format!("is not a samachar bulletin ({why})")))?;
    Ok(Found::Bulletin)
}

/// Returns `p` as an absolute path with symbolic links resolved as far as it exists, the
/// rest taken as written (`..` removing the component before it).
fn resolve(p: &Path) -> PathBuf {
    let abs = if p.is_absolute() {
        p.to_path_buf()
    } else {
        std::env::current_dir().unwrap_or_else(|_| PathBuf::from("/")).join(p)
    };
    let mut out = PathBuf::new();
    for c in abs.components() {
        match c {
            Component::Prefix(_) | Component::RootDir => out.push(c),
            Component::CurDir => {}
            Component::ParentDir => {
                out.pop();
            }
            Component::Normal(n) => {
                out.push(n);
                if let Ok(canon) = out.canonicalize() {
                    out = canon;
                }
            }
        }
    }
    out
}

/// Refuses an output directory that is an input, lies inside an input directory (the
/// bulletin would be read as articles next time) or contains an input (`--force` would
/// remove it).
fn check_not_input(target: &Path, inputs: &[String]) -> Result<()> {
    let t = resolve(target);
    for input in inputs.iter().filter(|i| i.as_str() != "-") {
        // An input that cannot be found is reported when it is read.
        let Ok(i) = Path::new(input).canonicalize() else { continue };
        let problem = if i == t {
            format!("is the input {input}; write the bulletin to another directory")
        } else if i.is_dir() && t.starts_with(&i) {
            format!("is inside the input directory {input}; write the bulletin to another directory")
        } else if i.starts_with(&t) {
            format!("contains the input {input}; write the bulletin to another directory")
        } else {
            continue;
        };
        return Err(out_err(target, problem));
    }
    Ok(())
}

/// Checks, before any work, that a bulletin may be written to `target`: nothing is there,
/// or `force` is given and a previous bulletin is; and it is none of the `inputs`, inside
/// none, and contains none.
pub(super) fn check(target: &Path, force: bool, inputs: &[String]) -> Result<()> {
    check_not_input(target, inputs)?;
    inspect(target, force).map(|_| ())
}

/// Returns true if `key` is what follows `tmp-` or `old-` in a staging name: `PID-N`, or
/// `PID` alone (the names of versions before the lock).
fn is_key(key: &str) -> bool {
    let mut parts = 0;
    let all_digits = key.split('-').all(|p| {
        parts += 1;
        !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit())
    });
    all_digits && parts <= 2
}

/// Removes what runs for the bulletin `name` in `parent` left when they were killed: their
/// `.STEM.tmp-KEY` and `.STEM.old-KEY` directories and `.STEM.tmp-KEY.lock`, for every KEY
/// whose lock no process holds. (A run makes its lock file before its directories and
/// removes it after them, so a directory without a lock file is a leftover too.)
fn remove_stale(parent: &Path, name: &str) {
    let prefix = format!(".{}.", publish::stem(name));
    let Ok(entries) = std::fs::read_dir(parent) else { return };
    let mut keys = BTreeSet::new();
    for e in entries.flatten() {
        let file = e.file_name();
        let Some(rest) = file.to_str().and_then(|f| f.strip_prefix(&prefix)) else { continue };
        let rest = rest.strip_suffix(".lock").unwrap_or(rest);
        if let Some(key) = rest.strip_prefix("tmp-").or_else(|| rest.strip_prefix("old-")) {
            if is_key(key) {
                keys.insert(key.to_string());
            }
        }
    }
    for key in keys {
        let lock_path = parent.join(publish::hidden_name(name, &format!("tmp-{key}.lock")));
        let lock = match std::fs::symlink_metadata(&lock_path) {
            Ok(_) => match publish::try_take(&lock_path) {
                Some(lock) => Some(lock),
                None => continue, // a live run's
            },
            Err(_) => None,
        };
        for kind in ["tmp", "old"] {
            let dir = parent.join(publish::hidden_name(name, &format!("{kind}-{key}")));
            if std::fs::symlink_metadata(&dir).is_ok_and(|m| m.is_dir()) {
                let _ = std::fs::remove_dir_all(&dir);
            }
        }
        if lock.is_some() {
            let _ = std::fs::remove_file(&lock_path);
        }
    }
}

/// A temporary directory beside the target that is removed unless published.
pub(super) struct Staging {
    temp: PathBuf,
    lock_path: PathBuf,
    target: PathBuf,
    force: bool,
    published: bool,
    /// Remove the temporary directory and the lock file if the process is interrupted.
    _cleanup: [crate::cleanup::Registration; 2],
    /// Holds the lock that marks the temporary directory as in use; last to be dropped.
    _lock: File,
}

impl Staging {
    /// Makes the temporary directory for `target` (after removing leftovers of killed runs).
    pub(super) fn new(target: &Path, force: bool) -> Result<Staging> {
        inspect(target, force)?;
        let name = target.file_name().ok_or_else(|| out_err(target, "not a directory name"))?;
        let name = name.to_string_lossy();
        let parent = match target.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&parent).map_err(|e| out_err(&parent, format!("cannot create directory: {e}")))?;
        remove_stale(&parent, &name);
        let cannot_write = |e: std::io::Error| out_err(target, format!("cannot write in {}: {e}", parent.display()));
        let pid = std::process::id();
        let (lock_path, lock) =
            publish::create_temp(&parent, &name, &NEXT, |n| format!("tmp-{pid}-{n}.lock")).map_err(cannot_write)?;
        let lock_cleanup = crate::cleanup::register(lock_path.clone());
        let temp = lock_path.with_extension("");
        // The name is this run's while it holds the lock; anything already there is a
        // leftover of a killed run with the same PID (another PID namespace).
        let temp_cleanup = crate::cleanup::register(temp.clone());
        if std::fs::symlink_metadata(&temp).is_ok() {
            let _ = std::fs::remove_dir_all(&temp);
        }
        let me = Staging {
            temp,
            lock_path,
            target: target.to_path_buf(),
            force,
            published: false,
            _cleanup: [lock_cleanup, temp_cleanup],
            _lock: lock,
        };
        std::fs::create_dir(&me.temp).map_err(cannot_write)?;
        Ok(me)
    }

    /// Returns the path of the file `name` in the temporary directory.
    pub(super) fn path(&self, name: &str) -> PathBuf {
        self.temp.join(name)
    }

    /// Moves the finished directory to the target in one step that replaces nothing, or
    /// (with `--force`) swaps it with a previous bulletin there, which is then removed.
    pub(super) fn publish(mut self) -> Result<PathBuf> {
        // An interruption waits until the directory is in place (or not) before cleaning up.
        let _commit = crate::cleanup::commit_lock();
        // With --force, what is at the target may vanish between two steps: try again then.
        for _ in 0..3 {
            match publish::rename_dir_noreplace(&self.temp, &self.target) {
                Ok(()) => {
                    self.published = true;
                    return Ok(self.target.clone());
                }
                Err(PublishError::Io(e)) => {
                    return Err(out_err(&self.target, format!("cannot move the new bulletin into place: {e}")))
                }
                Err(PublishError::Exists) if !self.force => {
                    return Err(out_err(
                        &self.target,
                        "appeared while the bulletin was being made and was left as it is (use --force to replace a previous bulletin)",
                    ))
                }
                Err(PublishError::Exists) => {}
            }
            if inspect(&self.target, true)? == Found::Bulletin {
                return self.replace();
            }
        }
        Err(out_err(&self.target, "kept changing while the bulletin was being published; try again"))
    }

    /// Replaces the previous bulletin at the target (checked just before) with the new one.
    fn replace(&mut self) -> Result<PathBuf> {
        let target = self.target.clone();
        match publish::exchange(&self.temp, &target) {
            Ok(()) => {
                // The old directory is now at the temporary's name. The check and the swap
                // were two steps: if something other than a bulletin got in between, swap back.
                if let Err(why) = is_bulletin(&self.temp) {
                    let _ = publish::exchange(&self.temp, &target);
                    return Err(out_err(
                        &target,
                        format!("changed while being replaced and is not a samachar bulletin ({why}); left as it is"),
                    ));
                }
                self.published = true;
                let _ = std::fs::remove_dir_all(&self.temp);
                Ok(target)
            }
            Err(e) if e.kind() == std::io::ErrorKind::Unsupported => self.replace_aside(),
            Err(e) => Err(out_err(&target, format!("cannot replace the old bulletin: {e}"))),
        }
    }

    /// Replaces the previous bulletin without an atomic swap: moves it aside to
    /// `.NAME.old-KEY`, checks it, moves the new one in, removes the old one (putting it back
    /// if anything fails).
    fn replace_aside(&mut self) -> Result<PathBuf> {
        let target = self.target.clone();
        let name = target.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let key = self.temp.file_name().unwrap_or_default().to_string_lossy().into_owned();
        let key = key.rsplit_once(".tmp-").map_or("0", |(_, k)| k).to_string();
        let old = self.temp.with_file_name(publish::hidden_name(&name, &format!("old-{key}")));
        std::fs::rename(&target, &old)
            .map_err(|e| out_err(&target, format!("cannot move the old bulletin aside: {e}")))?;
        let put_back = || {
            let _ = publish::rename_dir_noreplace(&old, &target);
        };
        if let Err(why) = is_bulletin(&old) {
            put_back();
            return Err(out_err(
                &target,
                format!("changed while being replaced and is not a samachar bulletin ({why}); left as it is"),
            ));
        }
        match publish::rename_dir_noreplace(&self.temp, &target) {
            Ok(()) => {
                self.published = true;
                let _ = std::fs::remove_dir_all(&old);
                Ok(target)
            }
            Err(e) => {
                put_back();
                let e = match e {
                    PublishError::Exists => "something else appeared there".to_string(),
                    PublishError::Io(e) => e.to_string(),
                };
                Err(out_err(&target, format!("cannot move the new bulletin into place: {e}")))
            }
        }
    }
}

impl Drop for Staging {
    fn drop(&mut self) {
        if !self.published {
            let _ = std::fs::remove_dir_all(&self.temp);
        }
        // Removed while still locked; the lock itself goes with `_lock`, after this.
        let _ = std::fs::remove_file(&self.lock_path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes a minimal previous bulletin (what `is_bulletin` looks for) into `dir`.
    fn fake_bulletin(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        std::fs::write(dir.join(files::MANIFEST), r#"{"format": 1, "samachar_version": "0.1.0"}"#).unwrap();
        std::fs::write(dir.join(files::WAV), "old").unwrap();
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut v: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
        v.sort();
        v
    }

    #[test]
    fn publish_refuses_a_directory_made_at_the_target_during_rendering() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let staging = Staging::new(&target, false).unwrap();
        std::fs::write(staging.path(files::MANIFEST), "{}").unwrap();
        // Someone makes the target while the bulletin renders.
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("precious.txt"), "x").unwrap();
        let e = staging.publish().unwrap_err().to_string();
        assert!(e.contains("out") && e.contains("left as it is"), "{e}");
        assert_eq!(std::fs::read_to_string(target.join("precious.txt")).unwrap(), "x");
        assert_eq!(names(&target), ["precious.txt"]);
        assert_eq!(names(dir.path()), ["out"], "the temporary directory and its lock are removed");
    }

    #[test]
    fn publish_refuses_an_empty_directory_or_a_file_made_at_the_target() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        let staging = Staging::new(&target, false).unwrap();
        std::fs::create_dir(&target).unwrap();
        assert!(staging.publish().is_err(), "an empty directory was replaced");
        std::fs::remove_dir(&target).unwrap();
        let staging = Staging::new(&target, false).unwrap();
        std::fs::write(&target, "file").unwrap();
        assert!(staging.publish().is_err());
        assert_eq!(std::fs::read_to_string(&target).unwrap(), "file");
    }

    #[test]
    fn force_replaces_a_previous_bulletin_and_removes_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        fake_bulletin(&target);
        let staging = Staging::new(&target, true).unwrap();
        std::fs::write(staging.path(files::WAV), "new").unwrap();
        staging.publish().unwrap();
        assert_eq!(std::fs::read_to_string(target.join(files::WAV)).unwrap(), "new");
        assert_eq!(names(dir.path()), ["out"], "old bulletin, temporary or lock left");
    }

    #[test]
    fn force_without_an_atomic_swap_moves_the_old_bulletin_aside_and_removes_it() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        fake_bulletin(&target);
        let mut staging = Staging::new(&target, true).unwrap();
        std::fs::write(staging.path(files::WAV), "new").unwrap();
        staging.replace_aside().unwrap();
        drop(staging);
        assert_eq!(std::fs::read_to_string(target.join(files::WAV)).unwrap(), "new");
        assert_eq!(names(dir.path()), ["out"], "old bulletin, temporary or lock left");
        // And a directory that is not a bulletin (the new `out` has no manifest) is put back.
        let mut staging = Staging::new(&dir.path().join("out2"), false).unwrap();
        staging.target = target.clone();
        assert!(staging.replace_aside().is_err());
        drop(staging);
        assert_eq!(names(&target), [files::WAV]);
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn force_refuses_a_bulletin_swapped_for_another_directory_during_rendering() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("out");
        fake_bulletin(&target);
        let staging = Staging::new(&target, true).unwrap();
        std::fs::remove_dir_all(&target).unwrap();
        std::fs::create_dir(&target).unwrap();
        std::fs::write(target.join("precious.txt"), "x").unwrap();
        let e = staging.publish().unwrap_err().to_string();
        assert!(e.contains("not a samachar bulletin"), "{e}");
        assert_eq!(names(&target), ["precious.txt"]);
        assert_eq!(names(dir.path()), ["out"]);
    }

    #[test]
    fn force_refuses_a_directory_a_file_or_a_link_that_is_not_a_bulletin() {
        let dir = tempfile::tempdir().unwrap();
        let victim = dir.path().join("victim");
        std::fs::create_dir(&victim).unwrap();
        std::fs::write(victim.join("thesis.txt"), "x").unwrap();
        let e = inspect(&victim, true).unwrap_err().to_string();
        assert!(e.contains("not a samachar bulletin (no manifest.json)"), "{e}");
        // A manifest.json that is not samachar's.
        std::fs::write(victim.join(files::MANIFEST), r#"{"name": "my-app"}"#).unwrap();
        let e = inspect(&victim, true).unwrap_err().to_string();
        assert!(e.contains("is not a samachar manifest"), "{e}");
        let file = dir.path().join("file");
        std::fs::write(&file, "x").unwrap();
        let e = inspect(&file, true).unwrap_err().to_string();
        assert!(e.contains("not a directory"), "{e}");
        #[cfg(unix)]
        {
            let b = dir.path().join("b");
            fake_bulletin(&b);
            let link = dir.path().join("link");
            std::os::unix::fs::symlink(&b, &link).unwrap();
            let e = inspect(&link, true).unwrap_err().to_string();
            assert!(e.contains("symbolic link"), "{e}");
        }
        assert_eq!(inspect(&dir.path().join("nothing"), false).unwrap(), Found::Nothing);
        assert!(Staging::new(&victim, true).is_err());
        assert!(victim.join("thesis.txt").exists());
    }

    #[test]
    fn output_inside_containing_or_equal_to_an_input_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let arts = dir.path().join("articles");
        std::fs::create_dir(&arts).unwrap();
        std::fs::write(arts.join("a.txt"), "x").unwrap();
        let inputs = vec![arts.display().to_string()];
        let e = check_not_input(&arts, &inputs).unwrap_err().to_string();
        assert!(e.contains("is the input"), "{e}");
        let e = check_not_input(&arts.join("new/out"), &inputs).unwrap_err().to_string();
        assert!(e.contains("inside the input directory"), "{e}");
        // Reached through `..` from a directory that does not exist yet.
        let e = check_not_input(&dir.path().join("nope/../articles/out"), &inputs).unwrap_err().to_string();
        assert!(e.contains("inside the input directory"), "{e}");
        let file = vec![arts.join("a.txt").display().to_string()];
        let e = check_not_input(&arts, &file).unwrap_err().to_string();
        assert!(e.contains("contains the input"), "{e}");
        check_not_input(&dir.path().join("out"), &inputs).unwrap();
        check_not_input(&dir.path().join("articles-out"), &inputs).unwrap();
    }

    #[test]
    fn leftovers_of_killed_bulletin_runs_are_removed_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path();
        // A killed run: its directories and a lock file nobody holds.
        for d in [".out.tmp-4000000000-0", ".out.old-4000000000-0", ".out.tmp-4000000001"] {
            std::fs::create_dir(p.join(d)).unwrap();
            std::fs::write(p.join(d).join(files::WAV), "partial").unwrap();
        }
        std::fs::write(p.join(".out.tmp-4000000000-0.lock"), "").unwrap();
        // A live run (this test holds its lock), and another bulletin's leftover.
        std::fs::create_dir(p.join(".out.tmp-7-0")).unwrap();
        let _held = publish::create_locked(&p.join(".out.tmp-7-0.lock")).unwrap().unwrap();
        std::fs::create_dir(p.join(".other.tmp-4000000000-0")).unwrap();
        remove_stale(p, "out");
        assert_eq!(names(p), [".other.tmp-4000000000-0", ".out.tmp-7-0", ".out.tmp-7-0.lock"]);
    }

    #[test]
    fn staging_names_for_a_target_near_name_max_fit() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("ख".repeat(83)); // 249 bytes
        let staging = Staging::new(&target, false).unwrap();
        std::fs::write(staging.path(files::MANIFEST), "{}").unwrap();
        staging.publish().unwrap();
        assert!(target.join(files::MANIFEST).exists());
        assert_eq!(names(dir.path()).len(), 1);
    }
}
