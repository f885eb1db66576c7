//! Regression tests for issue 7's message and input-safety items, each named after what broke.

use crate::common::{fails, run_env, stderr};

fn dir_with_text() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), "नमस्ते। मौसम सुहावना है।\n").unwrap();
    dir
}

#[test]
fn bad_option_value_was_clap_multi_line_text_with_status_2() {
    let dir = dir_with_text();
    let o = run_env(dir.path(), &["speak", "a.txt", "--rate", "9"], None, &[]);
    let e = fails(&o);
    assert_eq!(o.status.code(), Some(1), "{e}");
    assert!(e.contains("rate 9 is out of range"), "{e}");
    // An unknown flag, too.
    let o = run_env(dir.path(), &["speak", "a.txt", "--no-such-flag"], None, &[]);
    assert_eq!(o.status.code(), Some(1));
    fails(&o);
}

#[test]
fn rate_minus_inf_was_reported_as_unexpected_argument_dash_i() {
    let dir = dir_with_text();
    for v in ["-inf", "inf", "NaN", "-2"] {
        let o = run_env(dir.path(), &["speak", "a.txt", "-o", "x.wav", "--rate", v], None, &[]);
        let e = fails(&o);
        assert!(e.contains("rate") && !e.contains("unexpected argument"), "{v}: {e}");
    }
    assert!(!dir.path().join("x.wav").exists());
}

#[test]
fn help_still_prints_and_succeeds() {
    let dir = dir_with_text();
    let o = run_env(dir.path(), &["speak", "--help"], None, &[]);
    assert!(o.status.success());
    assert!(String::from_utf8_lossy(&o.stdout).contains("--rate"));
}

#[test]
fn utf16_input_was_reported_as_invalid_utf8_at_byte_0() {
    let dir = tempfile::tempdir().unwrap();
    let mut le = vec![0xFF, 0xFE];
    for u in "नमस्ते".encode_utf16() {
        le.extend_from_slice(&u.to_le_bytes());
    }
    std::fs::write(dir.path().join("u16.txt"), &le).unwrap();
    let o = run_env(dir.path(), &["speak", "u16.txt", "-o", "x.wav"], None, &[]);
    let e = fails(&o);
    assert!(e.contains("u16.txt") && e.contains("UTF-16LE"), "{e}");
    assert!(!dir.path().join("x.wav").exists());
    let o = run_env(dir.path(), &["phonemize", "-"], Some(&[0xFE, 0xFF, 0x09, 0x28]), &[]);
    assert!(fails(&o).contains("UTF-16BE"));
}

#[test]
fn terminal_escapes_in_file_names_reached_stderr_raw() {
    let dir = tempfile::tempdir().unwrap();
    let name = "\u{1b}]0;PWNED\u{7}.txt";
    let o = run_env(dir.path(), &["speak", name, "-o", "x.wav"], None, &[]);
    let e = fails(&o);
    assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{e:?}");
    assert!(e.contains("\\u{1b}]0;PWNED\\u{7}"), "{e}");
}

/// The "wrote NAME" lines of `speak` and `bulletin` printed the output name raw.
#[test]
fn terminal_escapes_in_output_names_reached_stderr_raw_in_the_wrote_line() {
    let dir = dir_with_text();
    for args in [["speak", "a.txt", "-o", "\u{1b}]0;PWNED\u{7}.wav"], ["bulletin", "a.txt", "-o", "\u{1b}[2Jdir"]] {
        let o = run_env(dir.path(), &args, None, &[]);
        let e = stderr(&o);
        assert!(o.status.success(), "{args:?}: {e}");
        assert!(e.contains("samachar: wrote \\u{1b}"), "{args:?}: {e}");
        assert!(!e.contains('\u{1b}') && !e.contains('\u{7}'), "{args:?}: {e:?}");
    }
}

#[test]
fn builtin_voice_name_was_shadowed_by_a_directory_in_cwd() {
    let dir = dir_with_text();
    std::fs::create_dir(dir.path().join("meera")).unwrap();
    std::fs::write(dir.path().join("arjun"), "not a voice").unwrap();
    for v in ["meera", "arjun"] {
        let o = run_env(dir.path(), &["speak", "a.txt", "--voice", v, "-o", &format!("{v}.wav")], None, &[]);
        assert!(o.status.success(), "{v}: {}", stderr(&o));
    }
    // Written as a path, the file is what is read (and it is not a voice).
    let o = run_env(dir.path(), &["speak", "a.txt", "--voice", "./arjun", "-o", "p.wav"], None, &[]);
    assert!(fails(&o).contains("arjun"));
}

#[cfg(unix)]
#[test]
fn force_on_a_fifo_or_device_replaced_it_with_a_regular_file() {
    use std::os::unix::fs::FileTypeExt;
    let dir = dir_with_text();
    let fifo = dir.path().join("pipe");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let o = run_env(dir.path(), &["speak", "a.txt", "-o", "pipe", "--force"], None, &[]);
    assert!(fails(&o).contains("not a regular file"));
    assert!(std::fs::symlink_metadata(&fifo).unwrap().file_type().is_fifo(), "the FIFO must still be there");
    // A character device: refused before anything is written.
    let o = run_env(dir.path(), &["speak", "a.txt", "-o", "/dev/null", "--force"], None, &[]);
    assert!(fails(&o).contains("not a regular file"));
    assert!(std::fs::symlink_metadata("/dev/null").unwrap().file_type().is_char_device());
}

#[test]
fn impossible_dates_and_an_empty_title_were_accepted() {
    let dir = dir_with_text();
    for d in ["2026-02-31", "2025-02-29", "2026-04-31", "99999-12-31", "2026-1-5", "0999-01-01"] {
        let o = run_env(dir.path(), &["bulletin", "a.txt", "-o", "b", "--date", d], None, &[]);
        let e = fails(&o);
        assert!(e.contains(d), "{d}: {e}");
    }
    for t in ["", "   "] {
        let o = run_env(dir.path(), &["bulletin", "a.txt", "-o", "b", "--title", t], None, &[]);
        assert!(fails(&o).contains("title"));
    }
    assert!(!dir.path().join("b").exists());
    // A real leap day is fine.
    let o = run_env(dir.path(), &["bulletin", "a.txt", "-o", "b", "--date", "2028-02-29"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
}
