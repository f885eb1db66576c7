//! Helpers shared by the command-line tests: run the binary as a user would, check errors.

use std::path::Path;
use std::process::{Command, Output, Stdio};

/// The `samachar` binary under test.
pub fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_samachar"))
}

/// Runs samachar in `dir` with `args`, feeding `stdin` if given, with extra environment.
pub fn run_env(dir: &Path, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut c = bin();
    c.current_dir(dir).args(args).stdout(Stdio::piped()).stderr(Stdio::piped());
    c.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c.spawn().unwrap();
    if let Some(bytes) = stdin {
        child.stdin.take().unwrap().write_all(bytes).unwrap();
    }
    child.wait_with_output().unwrap()
}

/// The process's stderr as text.
pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Asserts a failure with one non-empty stderr line, `samachar: error: …`, no panic; returns it.
pub fn fails(o: &Output) -> String {
    let e = stderr(o);
    assert!(!o.status.success(), "expected failure, got success; stderr: {e}");
    assert!(!e.contains("panicked"), "panicked: {e}");
    let lines: Vec<&str> = e.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "one-line error expected, got: {e}");
    assert!(lines[0].starts_with("samachar: error: "), "{e}");
    e
}

/// Starts samachar in `dir` on one thread, waits until `started` holds for the names in `dir`
/// (e.g. its temporary output exists), sends `signal` (`INT`, `TERM`), and returns the exit
/// code and stderr.
#[cfg(unix)]
pub fn interrupt(
    dir: &Path,
    args: &[&str],
    signal: &str,
    started: impl Fn(&[String]) -> bool,
) -> (Option<i32>, String) {
    use std::io::Read;
    let mut child = bin()
        .current_dir(dir)
        .args(args)
        .env("RAYON_NUM_THREADS", "1")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let t0 = std::time::Instant::now();
    loop {
        let names: Vec<String> =
            std::fs::read_dir(dir).unwrap().map(|d| d.unwrap().file_name().to_string_lossy().into_owned()).collect();
        if started(&names) {
            break;
        }
        assert!(t0.elapsed().as_secs() < 60, "the run never reached the point to interrupt it");
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    let killed = Command::new("kill").args([&format!("-{signal}"), &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let mut err = String::new();
    child.stderr.as_mut().unwrap().read_to_string(&mut err).unwrap();
    (child.wait().unwrap().code(), err)
}
