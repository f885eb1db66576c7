//! The `speak` and `voices` commands, run as a user would, with every error path.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const TEXT: &str = "समाचार\nनमस्ते कमला। कमल तालाब में है।\nनमक सस्ता है? मौसम सुहावना है।\n";

use crate::common::{bin, fails, stderr};

/// Runs samachar in `dir` with `args`, feeding `stdin` if given.
fn run(dir: &Path, args: &[&str], stdin: Option<&[u8]>, env: &[(&str, &str)]) -> Output {
    crate::common::run_env(dir, args, stdin, env)
}

fn setup() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("khabar.txt");
    std::fs::write(&input, TEXT).unwrap();
    (dir, input)
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|d| d.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

#[test]
fn speak_writes_mono_16_bit_pcm_at_the_requested_rate() {
    let (dir, _) = setup();
    for rate in [16_000u32, 22_050, 48_000] {
        let name = format!("r{rate}.wav");
        let o = run(dir.path(), &["speak", "khabar.txt", "-o", &name, "--sample-rate", &rate.to_string()], None, &[]);
        assert!(o.status.success(), "{}", stderr(&o));
        let bytes = std::fs::read(dir.path().join(&name)).unwrap();
        // The RIFF header's sizes agree with the file: nothing truncated.
        assert_eq!(&bytes[0..4], b"RIFF");
        assert_eq!(&bytes[8..12], b"WAVE");
        let riff = u32::from_le_bytes(bytes[4..8].try_into().unwrap()) as usize;
        assert_eq!(riff, bytes.len() - 8);
        let r = hound::WavReader::open(dir.path().join(&name)).unwrap();
        let s = r.spec();
        assert_eq!((s.channels, s.bits_per_sample, s.sample_rate), (1, 16, rate));
        assert_eq!(s.sample_format, hound::SampleFormat::Int);
        assert_eq!(r.len() as usize * 2 + 44, bytes.len(), "data chunk is the rest of the file");
        assert!(r.len() > rate / 2, "at least half a second of speech");
    }
}

#[test]
fn default_output_is_output_slash_input_stem_and_is_protected() {
    let (dir, _) = setup();
    let o = run(dir.path(), &["speak", "khabar.txt"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let out = dir.path().join("output/khabar.wav");
    let first = std::fs::read(&out).unwrap();
    // A second run would overwrite it: refused, file untouched.
    std::fs::write(&out, b"edited by hand").unwrap();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt"], None, &[]));
    assert!(e.contains("output/khabar.wav") && e.contains("--force"), "{e}");
    assert_eq!(std::fs::read(&out).unwrap(), b"edited by hand");
    let o = run(dir.path(), &["speak", "khabar.txt", "--force"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(&out).unwrap(), first);
    assert_eq!(files_in(&dir.path().join("output")), ["khabar.wav"]);
}

#[test]
fn stdin_goes_to_output_speech_wav() {
    let (dir, _) = setup();
    let o = run(dir.path(), &["speak", "-"], Some(TEXT.as_bytes()), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(hound::WavReader::open(dir.path().join("output/speech.wav")).unwrap().len() > 0);
}

#[test]
fn named_existing_output_is_refused_without_force() {
    let (dir, _) = setup();
    let target = dir.path().join("keep.wav");
    std::fs::write(&target, b"precious").unwrap();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt", "-o", "keep.wav"], None, &[]));
    assert!(e.contains("keep.wav") && e.contains("exists"), "{e}");
    assert_eq!(std::fs::read(&target).unwrap(), b"precious");
    assert_eq!(files_in(dir.path()), ["keep.wav", "khabar.txt"], "no temporary file left");
    let o = run(dir.path(), &["speak", "khabar.txt", "-o", "keep.wav", "--force"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(hound::WavReader::open(&target).unwrap().len() > 0);
}

#[test]
fn thread_count_does_not_change_a_single_byte() {
    let (dir, _) = setup();
    let article = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/articles/mausam.txt");
    let text = std::fs::read_to_string(article).unwrap().repeat(3);
    std::fs::write(dir.path().join("long.txt"), text).unwrap();
    let mut outs = Vec::new();
    for threads in ["1", "2", "4"] {
        let name = format!("t{threads}.wav");
        let o = run(dir.path(), &["speak", "long.txt", "-o", &name], None, &[("RAYON_NUM_THREADS", threads)]);
        assert!(o.status.success(), "{}", stderr(&o));
        outs.push(std::fs::read(dir.path().join(name)).unwrap());
    }
    assert!(outs[0].len() > 44 + 2 * 22_050);
    assert!(outs[1] == outs[0], "2 threads differ from 1");
    assert!(outs[2] == outs[0], "4 threads differ from 1");
}

fn samples_at_rate(dir: &Path, rate: &str) -> f64 {
    let name = format!("rate{rate}.wav");
    let o = run(dir, &["speak", "khabar.txt", "-o", &name, "--rate", rate], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    hound::WavReader::open(dir.join(name)).unwrap().len() as f64
}

#[test]
fn duration_scales_with_rate() {
    let (dir, _) = setup();
    let normal = samples_at_rate(dir.path(), "1");
    let fast = samples_at_rate(dir.path(), "2");
    let slow = samples_at_rate(dir.path(), "0.5");
    assert!((0.4..0.6).contains(&(fast / normal)), "rate 2: {fast} vs {normal}");
    assert!((1.7..2.3).contains(&(slow / normal)), "rate 0.5: {slow} vs {normal}");
}

#[test]
fn unwritable_target_fails_cleanly_and_leaves_nothing() {
    let (dir, _) = setup();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt", "-o", "no/such/dir/x.wav"], None, &[]));
    assert!(e.contains("no/such/dir/x.wav"), "{e}");
    assert!(!dir.path().join("no").exists());
    // A directory as the target.
    std::fs::create_dir(dir.path().join("adir")).unwrap();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt", "-o", "adir", "--force"], None, &[]));
    assert!(e.contains("directory"), "{e}");
    assert!(files_in(&dir.path().join("adir")).is_empty());
    assert_eq!(files_in(dir.path()), ["adir", "khabar.txt"]);
}

#[test]
fn invalid_utf8_names_the_byte_offset() {
    let (dir, _) = setup();
    let mut bytes = "नमस्ते कमला".as_bytes().to_vec();
    let offset = bytes.len();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice("। नमक".as_bytes());
    std::fs::write(dir.path().join("bad.txt"), &bytes).unwrap();
    let e = fails(&run(dir.path(), &["speak", "bad.txt", "-o", "bad.wav"], None, &[]));
    assert!(e.contains("bad.txt") && e.contains(&format!("byte offset {offset}")), "{e}");
    assert!(!dir.path().join("bad.wav").exists());
}

#[test]
fn empty_or_unspeakable_input_is_an_error_and_writes_nothing() {
    let (dir, _) = setup();
    for (name, text) in [("empty.txt", ""), ("blank.txt", "  \n\t\n\n"), ("marks.txt", "। ? !\n")] {
        std::fs::write(dir.path().join(name), text).unwrap();
        let e = fails(&run(dir.path(), &["speak", name, "-o", "e.wav"], None, &[]));
        assert!(e.contains(name) && e.contains("no text to speak"), "{name}: {e}");
        assert!(!dir.path().join("e.wav").exists());
    }
    let e = fails(&run(dir.path(), &["speak", "-", "-o", "e.wav"], Some(b"\n \n"), &[]));
    assert!(e.contains("<stdin>"), "{e}");
    assert_eq!(files_in(dir.path()), ["blank.txt", "empty.txt", "khabar.txt", "marks.txt"]);
}

#[test]
fn unknown_voice_lists_the_available_ones() {
    let (dir, _) = setup();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt", "--voice", "nosuchvoice", "-o", "v.wav"], None, &[]));
    assert!(e.contains("nosuchvoice"), "{e}");
    for name in samachar::synth::Voice::builtin_names() {
        assert!(e.contains(name), "{name} missing from: {e}");
    }
    assert!(!dir.path().join("v.wav").exists());
}

#[test]
fn malformed_voice_file_names_the_file_and_the_field() {
    let (dir, _) = setup();
    std::fs::write(dir.path().join("broken.toml"), "name = 42\n").unwrap();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt", "--voice", "broken.toml", "-o", "v.wav"], None, &[]));
    assert!(e.contains("broken.toml") && e.contains("name"), "{e}");
    assert!(!dir.path().join("v.wav").exists());
}

#[test]
fn out_of_range_arguments_are_refused_with_the_reason() {
    let (dir, _) = setup();
    for (args, want) in [
        (&["--rate", "0"][..], "rate"),
        (&["--rate", "fast"][..], "rate"),
        (&["--pitch", "5"][..], "pitch"),
        (&["--volume", "-1"][..], "volume"),
        (&["--sample-rate", "8000"][..], "sample rate"),
    ] {
        let mut a = vec!["speak", "khabar.txt", "-o", "a.wav"];
        a.extend_from_slice(args);
        let o = run(dir.path(), &a, None, &[]);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        let first = fails(&o);
        assert!(first.contains(want), "{args:?}: {first}");
        assert!(!dir.path().join("a.wav").exists());
    }
}

#[test]
fn voices_lists_every_builtin_voice_and_marks_the_default() {
    let o = bin().arg("voices").output().unwrap();
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    let names = samachar::synth::Voice::builtin_names();
    let lines: Vec<&str> = out.lines().collect();
    // The built-in voices first, then the neural voices or how to get them.
    assert!(lines.len() > names.len(), "{out}");
    assert!(lines[names.len()..].iter().all(|l| l.contains("kokoro") || l.contains("neural")), "{out}");
    for (line, name) in lines.iter().zip(&names) {
        assert_eq!(line.split_whitespace().next(), Some(*name));
    }
    assert!(lines[0].contains("(default)"));
    assert_eq!(out.matches("(default)").count(), 1);
}

#[cfg(feature = "play")]
#[test]
fn play_without_an_audio_device_is_a_clear_error() {
    // This machine (and CI) has no sound card.
    let (dir, _) = setup();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt", "--play", "-o", "p.wav"], None, &[]));
    assert!(e.contains("audio") && e.contains("device"), "{e}");
    assert!(!dir.path().join("p.wav").exists());
}

#[cfg(not(feature = "play"))]
#[test]
fn play_in_a_build_without_the_feature_says_how_to_get_it() {
    let (dir, _) = setup();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt", "--play"], None, &[]));
    assert!(e.contains("--features play"), "{e}");
    assert!(!dir.path().join("output").exists());
}

#[test]
fn leftovers_of_a_killed_run_are_removed_by_the_next_write() {
    let (dir, _) = setup();
    // What a run killed by SIGKILL leaves: its hidden temporary file (WAV, or the MP3 writer's
    // `a`/`f` ones), which nobody holds locked. A live run's temporary (its lock held, here by
    // this test process, whatever PID its name says) and unrelated hidden files must stay.
    let stale = dir.path().join(".out.wav.4000000000-0.tmp");
    let stale_mp3 = dir.path().join(".out.wav.4000000000-a1.tmp");
    let other = dir.path().join(".other.wav.4000000000-0.tmp");
    for f in [&stale, &stale_mp3, &other] {
        std::fs::write(f, b"RIFF partial").unwrap();
    }
    let live = dir.path().join(".out.wav.1-0.tmp");
    let _held = samachar::publish::create_locked(&live).unwrap().unwrap();
    let o = run(dir.path(), &["speak", "khabar.txt", "-o", "out.wav"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(!stale.exists() && !stale_mp3.exists(), "stale temporary file kept");
    assert!(live.exists() && other.exists(), "removed a file it does not own");
}

/// Issue 7: `-o` with a name near the 255-byte limit failed (File name too long) because the
/// hidden temporary's name added a dozen bytes; it is now cut (with a hash) to fit.
#[test]
fn speak_writes_a_file_whose_name_is_near_the_limit() {
    let (dir, _) = setup();
    for ext in ["wav", "mp3"] {
        let name = format!("{}.{ext}", "क".repeat(83)); // 253 bytes
        let o = run(dir.path(), &["speak", "khabar.txt", "-o", &name], None, &[]);
        assert!(o.status.success(), "{ext}: {}", stderr(&o));
        assert!(std::fs::metadata(dir.path().join(&name)).unwrap().len() > 1000);
    }
    assert_eq!(files_in(dir.path()).len(), 3, "a temporary was left: {:?}", files_in(dir.path()));
}

#[test]
fn user_lexicon_changes_what_speak_says_and_a_bad_one_names_file_and_line() {
    let (dir, _) = setup();
    std::fs::write(dir.path().join("in.txt"), "कमल तालाब में है।\n").unwrap();
    let plain = run(dir.path(), &["speak", "in.txt", "-o", "plain.wav"], None, &[]);
    assert!(plain.status.success(), "{}", stderr(&plain));
    // A user entry that reads कमल with quite different sounds (and more of them).
    std::fs::write(dir.path().join("mine.tsv"), "कमल\tʃ uː ʃ uː m ɑː\n").unwrap();
    let mine = run(dir.path(), &["speak", "in.txt", "--lexicon", "mine.tsv", "-o", "mine.wav"], None, &[]);
    assert!(mine.status.success(), "{}", stderr(&mine));
    let a = std::fs::read(dir.path().join("plain.wav")).unwrap();
    let b = std::fs::read(dir.path().join("mine.wav")).unwrap();
    assert_ne!(a, b, "the user lexicon entry was not used");
    assert!(b.len() > a.len(), "the longer user pronunciation should give a longer WAV");

    std::fs::write(dir.path().join("bad.tsv"), "कमल\tk ə m ə l\nटूटा\n").unwrap();
    let bad = run(dir.path(), &["speak", "in.txt", "--lexicon", "bad.tsv", "-o", "bad.wav"], None, &[]);
    let e = fails(&bad);
    assert!(e.contains("bad.tsv:2"), "error should name file:line: {e}");
    assert!(!dir.path().join("bad.wav").exists());
}

/// A full disk, simulated by a file-size limit (`ulimit -f`, with SIGXFSZ ignored so that the
/// write fails with EFBIG instead of killing the process): a clear error, and nothing left.
#[cfg(unix)]
#[test]
fn a_write_that_fails_midway_is_a_clear_error_and_leaves_no_file() {
    let (dir, input) = setup();
    let long = TEXT.repeat(20);
    std::fs::write(&input, long).unwrap();
    let script =
        format!("ulimit -f 100; trap '' XFSZ; exec '{}' speak khabar.txt -o out.wav", env!("CARGO_BIN_EXE_samachar"));
    let o = Command::new("sh").arg("-c").arg(&script).current_dir(dir.path()).output().unwrap();
    let e = fails(&o);
    assert!(e.contains("out.wav") && e.contains("too large"), "{e}");
    assert_eq!(files_in(dir.path()), vec!["khabar.txt".to_string()], "no WAV and no temporary file may be left");
}

/// Ctrl-C (SIGINT) or SIGTERM in the middle of a render: exit 130, one line, and neither the
/// WAV nor its hidden temporary file is left.
#[cfg(unix)]
#[test]
fn an_interrupted_speak_leaves_nothing_behind() {
    for signal in ["INT", "TERM"] {
        let (dir, input) = setup();
        std::fs::write(&input, TEXT.repeat(400)).unwrap();
        // The signal lands mid-render: once the temporary file exists.
        let (code, err) =
            crate::common::interrupt(dir.path(), &["speak", "khabar.txt", "-o", "out.wav"], signal, |n| {
                n.iter().any(|f| f.ends_with(".tmp"))
            });
        assert_eq!(code, Some(130), "SIG{signal}: {err}");
        assert!(err.contains("interrupted") && !err.contains("panicked"), "{err}");
        assert_eq!(files_in(dir.path()), vec!["khabar.txt".to_string()], "SIG{signal} left files behind");
    }
}

/// Issue 7: `speak /dev/zero` read the whole input first (12 GB in 8 s); every input is now
/// capped (samachar::limits) and refused at once, leaving no file.
#[test]
fn speak_dev_zero_and_oversized_inputs_are_refused_at_their_limit() {
    let (dir, input) = setup();
    let e = fails(&run(dir.path(), &["speak", "/dev/zero", "-o", "z.wav"], None, &[]));
    assert!(e.contains("/dev/zero: text larger than 256 KiB"), "{e}");
    let big = dir.path().join("big.txt");
    std::fs::write(&big, "नमस्ते\n".repeat(30_000)).unwrap();
    let e = fails(&run(dir.path(), &["speak", "big.txt", "-o", "z.wav"], None, &[]));
    assert!(e.contains("big.txt: text larger than 256 KiB"), "{e}");
    std::fs::write(dir.path().join("v.toml"), format!("# {}\n", "x".repeat(70_000))).unwrap();
    let e = fails(&run(dir.path(), &["speak", input.to_str().unwrap(), "--voice", "v.toml", "-o", "z.wav"], None, &[]));
    assert!(e.contains("voice file larger than 64 KiB"), "{e}");
    std::fs::write(dir.path().join("l.tsv"), "क\tk ə\n".repeat(1_000_000)).unwrap();
    let e =
        fails(&run(dir.path(), &["speak", input.to_str().unwrap(), "--lexicon", "l.tsv", "-o", "z.wav"], None, &[]));
    assert!(e.contains("lexicon file larger than 8 MiB"), "{e}");
    assert!(!dir.path().join("z.wav").exists());
}

/// Issue 7: a text whose speech is longer than one WAV holds was rendered to the 4 GiB limit
/// and only then failed; its length is now projected from the text and refused before any
/// audio is written.
#[test]
fn speak_text_longer_than_one_wav_holds_is_refused_before_rendering() {
    let (dir, _) = setup();
    std::fs::write(dir.path().join("n.txt"), "999999999 ".repeat(20_000)).unwrap();
    let e = fails(&run(dir.path(), &["speak", "n.txt", "-o", "n.wav", "--sample-rate", "48000"], None, &[]));
    assert!(e.contains("longer than one WAV file holds at 48000 Hz (12.4 h)"), "{e}");
    assert_eq!(files_in(dir.path()), ["khabar.txt", "n.txt"]);
}
