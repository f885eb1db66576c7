//! Encoded output (`--format`, by extension): MP3 frames, tags, size, determinism.

use std::path::Path;
use std::process::Output;

use crate::common::{fails, run_env, stderr};

const TEXT: &str = "भारत ने आज चंद्रयान का नया चरण शुरू किया। प्रधानमंत्री ने वैज्ञानिकों को बधाई दी।\n";

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    run_env(dir, args, None, env)
}

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("khabar.txt"), TEXT).unwrap();
    dir
}

/// Size of the ID3v2 tag at the start of `b` (header included), 0 if none.
fn id3_len(b: &[u8]) -> usize {
    if &b[..3] != b"ID3" {
        return 0;
    }
    10 + b[6..10].iter().fold(0usize, |a, &x| (a << 7) | x as usize)
}

/// Seconds of a 16-bit mono WAV's data chunk (plain header as samachar writes it).
fn wav_seconds(b: &[u8]) -> f64 {
    let rate = u32::from_le_bytes(b[24..28].try_into().unwrap()) as f64;
    let data = u32::from_le_bytes(b[40..44].try_into().unwrap()) as f64;
    data / 2.0 / rate
}

#[test]
fn mp3_is_mono_96k_44100_with_an_id3v24_tag_and_the_size_bitrate_says() {
    let dir = setup();
    let o = run(dir.path(), &["speak", "khabar.txt", "-o", "k.mp3"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(dir.path(), &["speak", "khabar.txt", "-o", "k.wav"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let mp3 = std::fs::read(dir.path().join("k.mp3")).unwrap();
    let wav = std::fs::read(dir.path().join("k.wav")).unwrap();
    assert_eq!(&mp3[..4], b"ID3\x04", "ID3v2.4 tag first");
    let tag = id3_len(&mp3);
    assert!(mp3.windows(4).any(|w| w == b"TLAN"), "language frame");
    assert!(mp3[..tag].windows(6).any(|w| w == b"khabar"), "title from the input's name");
    // First MPEG frame header right after the tag: MPEG-1 layer III, 96 kbit/s, 44.1 kHz, mono.
    let h = &mp3[tag..tag + 4];
    assert_eq!(h[0], 0xff);
    assert_eq!(h[1] & 0xfe, 0xfa, "MPEG-1 layer III");
    assert_eq!(h[2] >> 4, 0b0111, "96 kbit/s");
    assert_eq!((h[2] >> 2) & 3, 0, "44.1 kHz");
    assert_eq!(h[3] >> 6, 3, "mono");
    let secs = wav_seconds(&wav);
    let expect = 96_000.0 / 8.0 * secs;
    let audio = (mp3.len() - tag) as f64;
    assert!((audio / expect - 1.0).abs() < 0.05, "{audio} bytes for {secs:.2} s, expected ~{expect:.0}");
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 3, "no temporary files left: {left:?}");
}

#[test]
fn mp3_bytes_do_not_depend_on_threads_and_format_flag_beats_nothing() {
    let dir = setup();
    let mut outs = Vec::new();
    for (n, t) in [("a.mp3", "1"), ("b.mp3", "2")] {
        let o = run(dir.path(), &["speak", "khabar.txt", "-o", n], &[("RAYON_NUM_THREADS", t)]);
        assert!(o.status.success(), "{}", stderr(&o));
        outs.push(std::fs::read(dir.path().join(n)).unwrap());
    }
    assert_eq!(outs[0], outs[1]);
    // --format mp3 with an extension-less name writes MP3 too.
    let o = run(dir.path(), &["speak", "khabar.txt", "--format", "mp3", "-o", "plain"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(std::fs::read(dir.path().join("plain")).unwrap(), outs[0]);
}

#[test]
fn contradicting_format_and_extension_is_one_clear_error_and_no_file() {
    let dir = setup();
    let e = fails(&run(dir.path(), &["speak", "khabar.txt", "--format", "mp3", "-o", "x.wav"], &[]));
    assert!(e.contains("x.wav") && e.contains("mp3"), "{e}");
    assert!(!dir.path().join("x.wav").exists());
    let o = run(dir.path(), &["speak", "khabar.txt", "--format", "ogg-vorbis"], &[]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("unknown format"), "{}", stderr(&o));
}

#[test]
fn existing_mp3_is_refused_without_force() {
    let dir = setup();
    std::fs::write(dir.path().join("k.mp3"), b"mine").unwrap();
    fails(&run(dir.path(), &["speak", "khabar.txt", "-o", "k.mp3"], &[]));
    assert_eq!(std::fs::read(dir.path().join("k.mp3")).unwrap(), b"mine");
    let o = run(dir.path(), &["speak", "khabar.txt", "-o", "k.mp3", "--force"], &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(&std::fs::read(dir.path().join("k.mp3")).unwrap()[..3], b"ID3");
}
