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

/// Asserts that stderr holds exactly one `samachar: warning:` line, about playback; returns it.
fn one_playback_warning(o: &Output) -> String {
    let e = stderr(o);
    let warnings: Vec<&str> = e.lines().filter(|l| l.starts_with("samachar: warning:")).collect();
    assert_eq!(warnings.len(), 1, "one warning expected: {e}");
    assert!(warnings[0].contains("without playing it"), "{e}");
    assert!(!e.contains("panicked") && !e.contains("ALSA"), "{e}");
    warnings[0].to_string()
}

#[cfg(feature = "play")]
#[test]
fn play_without_an_audio_device_still_writes_the_requested_file_and_warns() {
    // This machine (and CI) has no sound card.
    let (dir, _) = setup();
    let o = run(dir.path(), &["speak", "khabar.txt", "--play", "-o", "p.wav"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let w = one_playback_warning(&o);
    assert!(w.contains("audio") && w.contains("device") && w.contains("p.wav"), "{w}");
    let o2 = run(dir.path(), &["speak", "khabar.txt", "-o", "q.wav"], None, &[]);
    assert!(o2.status.success(), "{}", stderr(&o2));
    assert_eq!(std::fs::read(dir.path().join("p.wav")).unwrap(), std::fs::read(dir.path().join("q.wav")).unwrap());
    // To standard output too.
    let o = run(dir.path(), &["speak", "khabar.txt", "--play", "-o", "-"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    one_playback_warning(&o);
    assert_eq!(&o.stdout[..4], b"RIFF");
}

#[cfg(feature = "play")]
#[test]
fn play_alone_without_an_audio_device_is_a_clear_error() {
    let (dir, _) = setup();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt", "--play"], None, &[]));
    assert!(e.contains("audio") && e.contains("device"), "{e}");
    assert_eq!(files_in(dir.path()), ["khabar.txt"]);
}

#[cfg(not(feature = "play"))]
#[test]
fn play_in_a_build_without_the_feature_says_how_to_get_it() {
    let (dir, _) = setup();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt", "--play"], None, &[]));
    assert!(e.contains("--features play"), "{e}");
    assert!(!dir.path().join("output").exists());
    // With a file requested, the file is written and playback is a warning.
    let o = run(dir.path(), &["speak", "khabar.txt", "--play", "-o", "p.wav"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(one_playback_warning(&o).contains("--features play"));
    assert!(hound::WavReader::open(dir.path().join("p.wav")).unwrap().len() > 0);
}

/// Sets a streamed WAV's "unknown" RIFF and `data` sizes to the real ones: hound (like most
/// strict readers) takes the sizes at their word, and 0xFFFFFFFF would promise 4 GiB.
fn fix_streamed_sizes(wav: &mut [u8]) {
    assert_eq!(&wav[36..40], b"data");
    let riff = (wav.len() - 8) as u32;
    let data = (wav.len() - 44) as u32;
    wav[4..8].copy_from_slice(&riff.to_le_bytes());
    wav[40..44].copy_from_slice(&data.to_le_bytes());
}

#[test]
fn speak_dash_o_dash_streams_the_same_samples_to_stdout_and_creates_no_file() {
    let (dir, _) = setup();
    let o = run(dir.path(), &["speak", "khabar.txt", "-o", "-", "--sample-rate", "16000"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mut wav = o.stdout.clone();
    assert_eq!(&wav[0..4], b"RIFF");
    assert_eq!(&wav[4..8], &[0xff; 4], "streamed RIFF size is 'unknown'");
    assert_eq!(&wav[40..44], &[0xff; 4], "streamed data size is 'unknown'");
    fix_streamed_sizes(&mut wav);
    let r = hound::WavReader::new(std::io::Cursor::new(wav)).unwrap();
    assert_eq!((r.spec().channels, r.spec().bits_per_sample, r.spec().sample_rate), (1, 16, 16000));
    let streamed: Vec<i16> = r.into_samples().map(|s| s.unwrap()).collect();
    assert_eq!(files_in(dir.path()), ["khabar.txt"], "no file named '-' (or anything else)");
    let o = run(dir.path(), &["speak", "khabar.txt", "-o", "file.wav", "--sample-rate", "16000"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let file: Vec<i16> =
        hound::WavReader::open(dir.path().join("file.wav")).unwrap().into_samples().map(|s| s.unwrap()).collect();
    assert!(file.len() > 8000);
    assert_eq!(streamed, file);
    // From stdin to stdout, as in a pipeline.
    let o = run(dir.path(), &["speak", "-", "-o", "-", "--sample-rate", "16000"], Some(TEXT.as_bytes()), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(&o.stdout[44..], &std::fs::read(dir.path().join("file.wav")).unwrap()[44..]);
    assert_eq!(files_in(dir.path()), ["file.wav", "khabar.txt"]);
}

#[test]
fn a_file_literally_named_dash_is_written_with_dot_slash() {
    let (dir, _) = setup();
    let o = run(dir.path(), &["speak", "khabar.txt", "-o", "./-"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(o.stdout.is_empty());
    assert!(hound::WavReader::open(dir.path().join("-")).unwrap().len() > 0);
    // And it is protected like any other file.
    fails(&run(dir.path(), &["speak", "khabar.txt", "-o", "./-"], None, &[]));
}

#[test]
fn speak_mp3_to_stdout_is_the_file_without_its_info_frame() {
    let (dir, _) = setup();
    let o = run(dir.path(), &["speak", "khabar.txt", "--format", "mp3", "-o", "-"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(files_in(dir.path()), ["khabar.txt"]);
    let o2 = run(dir.path(), &["speak", "khabar.txt", "-o", "k.mp3"], None, &[]);
    assert!(o2.status.success(), "{}", stderr(&o2));
    let file = std::fs::read(dir.path().join("k.mp3")).unwrap();
    let after_id3 = |b: &[u8]| -> Vec<u8> {
        assert_eq!(&b[..3], b"ID3");
        let n = b[6..10].iter().fold(0usize, |a, &x| (a << 7) | x as usize);
        b[10 + n..].to_vec()
    };
    let (streamed, file) = (after_id3(&o.stdout), after_id3(&file));
    // MPEG-1 Layer III frames; the file's first frame is LAME's Info frame (written by
    // seeking back, which a stream cannot do), the rest is the same audio, byte for byte.
    assert_eq!((streamed[0], streamed[1] & 0xfe), (0xff, 0xfa));
    let first = 144 * 96_000 / 44_100 + ((file[2] >> 1) & 1) as usize;
    assert_eq!(&file[first..], &streamed[..]);
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
