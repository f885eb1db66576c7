//! The Kokoro neural voice (`--features neural`), with the real model: the model directory is
//! `$SAMACHAR_KOKORO_DIR` (CI fills it with `scripts/fetch-kokoro`). Few tests, each one model
//! load: they are the slowest of the suite.

use crate::common::{fails, run_env};

const TEXT: &str = "नमस्ते, आज की मुख्य ख़बरें। दिल्ली में बारिश हुई। क्या कल भी होगी?\n";

fn model_dir() -> String {
    std::env::var(samachar::backend::KOKORO_DIR_ENV)
        .expect("the neural tests need SAMACHAR_KOKORO_DIR: run scripts/fetch-kokoro DIR and export it")
}

/// Speaks TEXT with a Kokoro voice in a fresh directory; returns the WAV bytes.
fn speak(voice: &str, threads: &str) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.txt"), TEXT).unwrap();
    let dir_env = model_dir();
    let o = run_env(
        dir.path(),
        &["speak", "k.txt", "--voice", voice, "-o", "k.wav"],
        None,
        &[("SAMACHAR_KOKORO_DIR", &dir_env), ("RAYON_NUM_THREADS", threads)],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(dir.path().join("k.wav")).unwrap()
}

#[test]
fn kokoro_renders_finite_speech_under_the_ceiling() {
    let backend = samachar::backend::open(
        "kokoro:jm_kumo",
        &samachar::backend::Settings { sample_rate: 24_000, ..Default::default() },
    )
    .unwrap();
    let engine = samachar::render::Engine::with_backend(samachar::g2p::G2p::builtin(), backend, 1.0);
    let units = samachar::render::units_from_document(&samachar::text::parse(TEXT));
    let mut sink = samachar::render::VecSink::default();
    let r = engine.render(&units, &mut sink).unwrap();
    assert_eq!(r.sample_rate, 24_000);
    let s = &sink.samples;
    assert!(s.iter().all(|x| x.is_finite()), "non-finite samples");
    let peak = s.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    assert!(peak <= 0.892 && peak > 0.1, "peak {peak}");
    // Three sentences of speech: seconds of audio, and speech-level energy in most 50 ms frames.
    let secs = s.len() as f32 / 24_000.0;
    assert!((3.0..15.0).contains(&secs), "{secs} s");
    let frames: Vec<f32> =
        s.chunks(1200).map(|c| (c.iter().map(|x| x * x).sum::<f32>() / c.len() as f32).sqrt()).collect();
    let loud = frames.iter().filter(|&&r| r > 0.02).count();
    assert!(loud * 2 > frames.len(), "{loud} of {} frames have speech energy", frames.len());
}

#[test]
fn kokoro_output_is_byte_identical_with_one_and_two_render_threads() {
    let one = speak("kokoro:jf_alpha*0.6+jf_gongitsune*0.4", "1");
    let two = speak("kokoro:jf_alpha*0.6+jf_gongitsune*0.4", "2");
    assert!(one.len() > 44 + 48_000, "{} bytes", one.len());
    assert!(one == two, "RAYON_NUM_THREADS=1 and =2 differ");
}

#[test]
fn kokoro_missing_model_unknown_voice_and_pitch_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.txt"), TEXT).unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = fails(&run_env(
        dir.path(),
        &["speak", "k.txt", "--voice", "kokoro:jm_kumo", "-o", "k.wav"],
        None,
        &[("SAMACHAR_KOKORO_DIR", empty.to_str().unwrap())],
    ));
    assert!(e.contains("kokoro-v1.0.int8.onnx") && e.contains("is missing") && e.contains("fetch-kokoro"), "{e}");
    let dir_env = model_dir();
    let e = fails(&run_env(
        dir.path(),
        &["speak", "k.txt", "--voice", "kokoro:nobody", "-o", "k.wav"],
        None,
        &[("SAMACHAR_KOKORO_DIR", &dir_env)],
    ));
    assert!(e.contains("unknown Kokoro voice 'nobody'") && e.contains("jm_kumo"), "{e}");
    let e = fails(&run_env(
        dir.path(),
        &["speak", "k.txt", "--voice", "kokoro:jm_kumo", "--pitch", "1.2", "-o", "k.wav"],
        None,
        &[("SAMACHAR_KOKORO_DIR", &dir_env)],
    ));
    assert!(e.contains("pitch"), "{e}");
    assert!(!dir.path().join("k.wav").exists());
}

#[test]
fn kokoro_inference_matches_the_python_onnxruntime_reference() {
    // tests/data/kokoro_reference.tsv comes from scripts/kokoro-reference.py (Python
    // onnxruntime 1.32, one thread, same tokens and style row). Tolerance: 1e-4 per sample
    // (int8 kernels are exact on one thread; the margin covers another CPU's vector width).
    let dir = std::path::PathBuf::from(model_dir());
    let settings = samachar::backend::Settings { sample_rate: 24_000, ..Default::default() };
    let k = samachar::kokoro::Kokoro::open_with_threads("jm_kumo", &settings, &dir, 1).unwrap();
    let vocab: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("vocab.json")).unwrap()).unwrap();
    let rows = include_str!("../data/kokoro_reference.tsv");
    let mut n = 0;
    for line in rows.lines().filter(|l| !l.starts_with('#')) {
        let f: Vec<&str> = line.split('\t').collect();
        use unicode_normalization::UnicodeNormalization;
        let tokens: Vec<i64> =
            f[0].nfd().map(|c| vocab["vocab"][c.to_string()].as_i64().expect("symbol in vocab")).collect();
        let got = k.infer(&tokens, 1.0).unwrap();
        assert_eq!(got.len(), f[2].parse::<usize>().unwrap(), "{}: length", f[0]);
        let rms = (got.iter().map(|&x| x as f64 * x as f64).sum::<f64>() / got.len() as f64).sqrt();
        assert!((rms - f[3].parse::<f64>().unwrap()).abs() < 1e-5, "{}: rms {rms}", f[0]);
        for (i, want) in f[4].split(' ').enumerate() {
            let want: f32 = want.parse().unwrap();
            let g = got[i * 480];
            assert!((g - want).abs() < 1e-4, "{}: sample {}: {g} vs Python {want}", f[0], i * 480);
        }
        n += 1;
    }
    assert_eq!(n, 2);
}
