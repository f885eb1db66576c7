//! The Kokoro neural voice (`--features neural`), with the real model: the model directory is
//! `$SAMACHAR_MODEL_DIR` or `$SAMACHAR_KOKORO_DIR` (CI fills it with `scripts/fetch-kokoro`).
//! Few tests, each few model calls on short texts: they are the slowest of the suite.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use samachar::backend::{Audio, Backend, Settings};
use samachar::kokoro::resample::{resample, resampled_len};

use crate::common::{fails, run_env};

const TEXT: &str = "नमस्ते, आज की मुख्य ख़बरें। दिल्ली में बारिश हुई। क्या कल भी होगी?\n";

fn model_dir() -> String {
    let dir = samachar::backend::kokoro_dir();
    assert!(
        dir.join("kokoro-v1.0.int8.onnx").is_file(),
        "the neural tests need the model in {}: run scripts/fetch-kokoro DIR and export SAMACHAR_MODEL_DIR=DIR",
        dir.display()
    );
    dir.display().to_string()
}

/// Opens a Kokoro voice with the given settings on the test model.
fn open(voice: &str, settings: Settings) -> Arc<dyn Backend> {
    model_dir();
    samachar::backend::open(voice, &settings).unwrap()
}

/// Renders `text` with `backend` in a pool of `threads`; returns the samples and the spans.
fn render(backend: Arc<dyn Backend>, text: &str, sink: &mut dyn samachar::render::Sink) -> samachar::render::Rendered {
    let engine = samachar::render::Engine::with_backend(samachar::g2p::G2p::builtin(), backend, 1.0);
    let units = samachar::render::units_from_document(&samachar::text::parse(text));
    let pool = rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap();
    engine.render_in(&pool, &units, sink).unwrap()
}

/// Power of `x` at `f` Hz (Goertzel), Hann-windowed frames of 40 ms summed.
fn power(x: &[f32], rate: u32, f: f64) -> f64 {
    let n = (rate as usize) / 25;
    let w = 2.0 * (2.0 * std::f64::consts::PI * f / rate as f64).cos();
    let mut total = 0.0;
    for frame in x.chunks_exact(n) {
        let (mut s1, mut s2) = (0.0f64, 0.0f64);
        for (i, &v) in frame.iter().enumerate() {
            let hann = 0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / n as f64).cos();
            let s0 = v as f64 * hann + w * s1 - s2;
            s2 = s1;
            s1 = s0;
        }
        total += (s1 * s1 + s2 * s2 - w * s1 * s2) / (n as f64 * n as f64);
    }
    total
}

/// Summed power over a band, on a 50 Hz grid.
fn band(x: &[f32], rate: u32, lo: f64, hi: f64) -> f64 {
    let mut f = lo;
    let mut sum = 0.0;
    while f < hi {
        sum += power(x, rate, f);
        f += 50.0;
    }
    sum
}

/// Median F0 (Hz) of the voiced 40 ms frames, by normalized autocorrelation over 70–400 Hz.
fn median_f0(x: &[f32], rate: u32) -> f64 {
    let n = (rate as usize) / 25;
    let (min_lag, max_lag) = ((rate / 400) as usize, (rate / 70) as usize);
    let mut f0s = Vec::new();
    for frame in x.chunks_exact(n) {
        let e: f64 = frame.iter().map(|&v| v as f64 * v as f64).sum();
        if (e / n as f64).sqrt() < 0.03 {
            continue;
        }
        let mut best = (0.0f64, 0usize);
        for lag in min_lag..=max_lag {
            let r: f64 = (0..n - lag).map(|i| frame[i] as f64 * frame[i + lag] as f64).sum::<f64>() / e;
            if r > best.0 {
                best = (r, lag);
            }
        }
        if best.0 > 0.5 {
            f0s.push(rate as f64 / best.1 as f64);
        }
    }
    assert!(f0s.len() > 10, "only {} voiced frames", f0s.len());
    f0s.sort_by(|a, b| a.partial_cmp(b).unwrap());
    f0s[f0s.len() / 2]
}

/// A backend wrapper that counts finished sentences.
#[derive(Debug)]
struct Counting {
    inner: Arc<dyn Backend>,
    done: Arc<AtomicUsize>,
}

impl Backend for Counting {
    fn sample_rate(&self) -> u32 {
        self.inner.sample_rate()
    }
    fn synthesize(&self, s: &samachar::g2p::PhoneticSentence) -> samachar::Result<Audio> {
        let a = self.inner.synthesize(s);
        self.done.fetch_add(1, Ordering::SeqCst);
        a
    }
    fn projected_samples(&self, s: &samachar::g2p::PhoneticSentence) -> u64 {
        self.inner.projected_samples(s)
    }
    fn parameters(&self) -> serde_json::Value {
        self.inner.parameters()
    }
}

/// A sink that keeps the samples and notes how many sentences were finished when the first
/// one arrived (a player would start playing then).
struct FirstSink {
    samples: Vec<f32>,
    done: Arc<AtomicUsize>,
    done_at_first: Option<usize>,
}

impl samachar::render::Sink for FirstSink {
    fn unit(&mut self, _: usize, _: &samachar::render::Unit, _: u64, samples: &[f32]) -> samachar::Result<()> {
        self.done_at_first.get_or_insert(self.done.load(Ordering::SeqCst));
        self.samples.extend_from_slice(samples);
        Ok(())
    }
    fn silence(&mut self, _: u64, len: u64) -> samachar::Result<()> {
        self.samples.resize(self.samples.len() + len as usize, 0.0);
        Ok(())
    }
}

/// Speaks TEXT with a Kokoro voice in a fresh directory; returns the WAV bytes.
fn speak(voice: &str, threads: &str, extra: &[&str]) -> Vec<u8> {
    speak_env(voice, threads, extra, &[])
}

/// [`speak`] with more environment variables.
fn speak_env(voice: &str, threads: &str, extra: &[&str], env: &[(&str, &str)]) -> Vec<u8> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.txt"), TEXT).unwrap();
    let dir_env = model_dir();
    let mut args = vec!["speak", "k.txt", "--voice", voice, "-o", "k.wav"];
    args.extend_from_slice(extra);
    let mut vars = vec![("SAMACHAR_MODEL_DIR", dir_env.as_str()), ("RAYON_NUM_THREADS", threads)];
    vars.extend_from_slice(env);
    let o = run_env(dir.path(), &args, None, &vars);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    std::fs::read(dir.path().join("k.wav")).unwrap()
}

#[test]
fn kokoro_renders_finite_speech_under_the_ceiling_and_streams_the_first_sentence_first() {
    let done = Arc::new(AtomicUsize::new(0));
    let inner = open("kokoro:jm_kumo", Settings { sample_rate: 24_000, ..Default::default() });
    let backend = Arc::new(Counting { inner, done: done.clone() });
    let mut sink = FirstSink { samples: Vec::new(), done: done.clone(), done_at_first: None };
    let r = render(backend, TEXT, &mut sink);
    assert_eq!(r.sample_rate, 24_000);
    // What --play hears: the first sentence reaches the sink (the player) while the later
    // ones are still being synthesized, not after the whole text.
    let at_first = sink.done_at_first.unwrap();
    assert!(at_first < 3, "the first sentence reached the sink after {at_first} of 3 were synthesized");
    assert_eq!(done.load(Ordering::SeqCst), 3);
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
fn kokoro_resampler_keeps_the_speech_band_and_aliases_nothing() {
    // One second of 1 kHz + 3.5 kHz (speech band) + 10 kHz (above 16 kHz's Nyquist) at 24 kHz.
    let tone = |f: f64, i: usize| (2.0 * std::f64::consts::PI * f * i as f64 / 24_000.0).sin() as f32;
    let x: Vec<f32> =
        (0..24_000).map(|i| 0.3 * tone(1000.0, i) + 0.3 * tone(3500.0, i) + 0.2 * tone(10_000.0, i)).collect();
    let p_in = power(&x, 24_000, 1000.0);
    for to in [16_000u32, 22_050, 44_100, 48_000] {
        let y = resample(&x, 24_000, to).unwrap();
        assert_eq!(y.len(), resampled_len(x.len(), 24_000, to), "{to} Hz: length");
        assert_eq!(y.len() as f64, (24_000.0 * to as f64 / 24_000.0).round(), "{to} Hz: one second");
        // The speech band comes through at the same level (within 0.2 dB).
        for f in [1000.0, 3500.0] {
            let ratio = power(&y, to, f) / power(&x, 24_000, f);
            assert!((0.955..1.047).contains(&ratio), "{to} Hz: {f} Hz power ratio {ratio}");
        }
        // Nothing new appears where an alias or image would be (−60 dB of the 1 kHz tone).
        for f in [2000.0, 5000.0, 7000.0] {
            assert!(power(&y, to, f) < p_in * 1e-6, "{to} Hz: energy at {f} Hz");
        }
    }
    // 16 kHz cannot hold 10 kHz: it is removed, not folded down to 6 kHz.
    let y = resample(&x, 24_000, 16_000).unwrap();
    assert!(power(&y, 16_000, 6000.0) < p_in * 1e-6, "10 kHz aliased to 6 kHz");
    // Above 24 kHz the 10 kHz tone is kept, and no image of the 12 kHz band edge appears.
    let y = resample(&x, 24_000, 48_000).unwrap();
    let ratio = power(&y, 48_000, 10_000.0) / power(&x, 24_000, 10_000.0);
    assert!((0.955..1.047).contains(&ratio), "48 kHz: 10 kHz ratio {ratio}");
    assert!(power(&y, 48_000, 14_000.0) < p_in * 1e-6, "image of 10 kHz at 14 kHz");
    // Pitch: samples taken to be at 24 kHz × 1.2 = 28.8 kHz, resampled to 24 kHz, sound 1.2× higher.
    let y = resample(&x, 28_800, 24_000).unwrap();
    assert_eq!(y.len(), 20_000);
    // 1.2 kHz at full level, over 20 of the input's 25 frames (the signal is 1/1.2 s long).
    let moved = power(&y, 24_000, 1200.0) / p_in;
    assert!((0.76..0.84).contains(&moved), "1 kHz did not move to 1.2 kHz ({moved})");
    assert!(power(&y, 24_000, 1000.0) < p_in * 1e-6, "1 kHz is still there");
    // Deterministic: the same bytes every time.
    assert_eq!(resample(&x, 24_000, 44_100).unwrap(), resample(&x, 24_000, 44_100).unwrap());
}

#[test]
fn kokoro_sample_rate_and_pitch_keep_lengths_exact_and_the_speech_where_it_was() {
    let text = "दिल्ली में बारिश हुई। क्या कल भी होगी?\n";
    let at = |sample_rate: u32, pitch: f32| {
        let b = open("kokoro:jm_kumo", Settings { sample_rate, pitch, ..Default::default() });
        let mut sink = samachar::render::VecSink::default();
        let r = render(b, text, &mut sink);
        assert_eq!(r.total_samples as usize, sink.samples.len());
        (sink.samples, r)
    };
    let (base, rb) = at(24_000, 1.0);
    for to in [16_000u32, 48_000] {
        let (y, r) = at(to, 1.0);
        assert_eq!(r.sample_rate, to);
        // Every sentence (one model call each) is its 24 kHz audio resampled: exactly that long;
        // pauses are exact at the new rate; so captions, computed from these spans, stay exact.
        for (a, b) in rb.spans.iter().zip(&r.spans) {
            assert_eq!((b.end - b.start) as usize, resampled_len((a.end - a.start) as usize, 24_000, to), "{to} Hz");
            let gap = (a.gap_end - a.end) as f64 * to as f64 / 24_000.0;
            assert!(((b.gap_end - b.end) as f64 - gap).abs() <= 1.0, "{to} Hz: pause");
        }
        // The speech spectrum below 4 kHz is kept (within 5%), and so is 4–7.5 kHz (nothing
        // folded into it from above 8 kHz at 16 kHz).
        let ratio = band(&y, to, 100.0, 4000.0) / band(&base, 24_000, 100.0, 4000.0);
        assert!((0.95..1.05).contains(&ratio), "{to} Hz: energy below 4 kHz ratio {ratio}");
        let ratio = band(&y, to, 4000.0, 7500.0) / band(&base, 24_000, 4000.0, 7500.0);
        assert!((0.9..1.1).contains(&ratio), "{to} Hz: energy 4–7.5 kHz ratio {ratio}");
        if to == 48_000 {
            // Nothing above the model's 12 kHz Nyquist (−50 dB of the speech band).
            assert!(band(&y, to, 13_000.0, 23_000.0) < 1e-5 * band(&y, to, 100.0, 4000.0), "images above 12 kHz");
        }
    }
    // --pitch 1.2: the voice is 1.2× higher, the duration about the same.
    let (hi, _) = at(24_000, 1.2);
    let ratio = median_f0(&hi, 24_000) / median_f0(&base, 24_000);
    assert!((1.12..1.28).contains(&ratio), "median F0 ratio {ratio}");
    let dur = hi.len() as f64 / base.len() as f64;
    assert!((0.85..1.15).contains(&dur), "duration ratio {dur}");
}

#[test]
fn kokoro_output_is_byte_identical_with_one_and_two_render_threads() {
    // Resampled (44.1 kHz) and pitch-shifted, so the resampler's determinism is tested too.
    let extra = ["--sample-rate", "44100", "--pitch", "0.9"];
    let one = speak("kokoro:jf_alpha*0.6+jf_gongitsune*0.4", "1", &extra);
    let two = speak("kokoro:jf_alpha*0.6+jf_gongitsune*0.4", "2", &extra);
    assert!(one.len() > 44 + 88_200, "{} bytes", one.len());
    assert_eq!(u32::from_le_bytes(one[24..28].try_into().unwrap()), 44_100);
    assert!(one == two, "RAYON_NUM_THREADS=1 and =2 differ");
    // Two sessions of one intra-op thread each, idle threads sleeping: the same bytes as one
    // session of all the threads, spinning.
    let env = [("SAMACHAR_KOKORO_LANES", "2"), ("SAMACHAR_KOKORO_THREADS", "2"), ("SAMACHAR_KOKORO_SPIN", "0")];
    let lanes = speak_env("kokoro:jf_alpha*0.6+jf_gongitsune*0.4", "2", &extra, &env);
    assert!(one == lanes, "two lanes of one thread differ from one session");
}

#[test]
fn kokoro_missing_model_unknown_voice_and_pitch_out_of_range_are_one_line_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("k.txt"), TEXT).unwrap();
    let empty = dir.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    let e = fails(&run_env(
        dir.path(),
        &["speak", "k.txt", "--voice", "kokoro:jm_kumo", "-o", "k.wav"],
        None,
        &[("SAMACHAR_MODEL_DIR", empty.to_str().unwrap())],
    ));
    assert!(e.contains("kokoro-v1.0.int8.onnx") && e.contains("is missing") && e.contains("fetch-kokoro"), "{e}");
    let dir_env = model_dir();
    let e = fails(&run_env(
        dir.path(),
        &["speak", "k.txt", "--voice", "kokoro:nobody", "-o", "k.wav"],
        None,
        &[("SAMACHAR_MODEL_DIR", &dir_env)],
    ));
    assert!(e.contains("unknown Kokoro voice 'nobody'") && e.contains("jm_kumo"), "{e}");
    let e = fails(&run_env(
        dir.path(),
        &["speak", "k.txt", "--voice", "kokoro:jm_kumo", "--pitch", "1.5", "-o", "k.wav"],
        None,
        &[("SAMACHAR_MODEL_DIR", &dir_env)],
    ));
    assert!(e.contains("--pitch 1.5 is outside 0.8–1.25 for kokoro voices"), "{e}");
    for (var, value, says) in [
        ("SAMACHAR_KOKORO_SPIN", "yes", "SAMACHAR_KOKORO_SPIN=yes: expected 0 or 1"),
        ("SAMACHAR_KOKORO_LANES", "0", "SAMACHAR_KOKORO_LANES=0: expected a positive number"),
    ] {
        let e = fails(&run_env(
            dir.path(),
            &["speak", "k.txt", "--voice", "kokoro:jm_kumo", "-o", "k.wav"],
            None,
            &[("SAMACHAR_MODEL_DIR", &dir_env), (var, value)],
        ));
        assert!(e.contains(says), "{e}");
    }
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

/// Writes `voices-v1.0.bin` as NumPy's `np.savez` does (stored members, zip64 local headers),
/// with voices_ja.npz's arrays under Kokoro's Hindi names: `(new name, old name)`.
fn official_voices_file(path: &std::path::Path, names: &[(&str, &str)]) {
    use std::io::{Read, Write};
    let ja = std::path::Path::new(&model_dir()).join("voices_ja.npz");
    let mut src = zip::ZipArchive::new(std::fs::File::open(ja).unwrap()).unwrap();
    let mut out = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored).large_file(true);
    for (new, old) in names {
        let mut bytes = Vec::new();
        src.by_name(&format!("{old}.npy")).unwrap().read_to_end(&mut bytes).unwrap();
        out.start_file(format!("{new}.npy"), opts).unwrap();
        out.write_all(&bytes).unwrap();
    }
    out.finish().unwrap();
}

/// A model directory in `root/name` with links to the test model's files (`which`).
fn linked_dir(root: &std::path::Path, name: &str, which: &[&str]) -> std::path::PathBuf {
    let d = root.join(name);
    std::fs::create_dir_all(&d).unwrap();
    for f in which {
        std::os::unix::fs::symlink(std::path::Path::new(&model_dir()).join(f), d.join(f)).unwrap();
    }
    d
}

#[test]
fn kokoro_model_dir_names_known_files_and_the_official_voices_file() {
    let tmp = tempfile::tempdir().unwrap();
    let real = model_dir();
    let voices = |env: &[(&str, &str)]| {
        let o = run_env(tmp.path(), &["voices"], None, env);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).unwrap()
    };
    // Kokoro's official voices file, beside the model: its Hindi voices are listed and speak.
    let official = linked_dir(tmp.path(), "official", &["kokoro-v1.0.int8.onnx", "vocab.json", "libonnxruntime.so"]);
    let hindi =
        [("hf_alpha", "jm_kumo"), ("hf_beta", "jf_alpha"), ("hm_omega", "jf_nezumi"), ("hm_psi", "jf_tebukuro")];
    official_voices_file(&official.join("voices-v1.0.bin"), &hindi);
    let o = official.to_str().unwrap();
    let list = voices(&[("SAMACHAR_MODEL_DIR", o), ("SAMACHAR_KOKORO_DIR", &real)]);
    for (n, _) in hindi {
        assert!(list.contains(&format!("kokoro:{n}")), "{list}");
    }
    assert!(list.contains("Hindi voice") && !list.contains("jm_kumo"), "SAMACHAR_MODEL_DIR comes first: {list}");
    // The older variable still works; so do both voices files at once (names joined).
    assert!(voices(&[("SAMACHAR_MODEL_DIR", ""), ("SAMACHAR_KOKORO_DIR", &real)]).contains("kokoro:jm_kumo"));
    std::os::unix::fs::symlink(std::path::Path::new(&real).join("voices_ja.npz"), official.join("voices_ja.npz"))
        .unwrap();
    let list = voices(&[("SAMACHAR_MODEL_DIR", o)]);
    assert!(list.contains("kokoro:hm_psi") && list.contains("kokoro:jm_kumo"), "{list}");
    // The default directory: $XDG_DATA_HOME/samachar/models/kokoro.
    let data = tmp.path().join("data");
    std::fs::create_dir_all(data.join("samachar/models")).unwrap();
    std::os::unix::fs::symlink(&official, data.join("samachar/models/kokoro")).unwrap();
    let env = [("SAMACHAR_MODEL_DIR", ""), ("SAMACHAR_KOKORO_DIR", ""), ("XDG_DATA_HOME", data.to_str().unwrap())];
    assert!(voices(&env).contains("kokoro:hf_beta"));
    // hf_alpha holds jm_kumo's style vectors, so the two speak the same bytes.
    std::fs::write(tmp.path().join("n.txt"), "नमस्ते।\n").unwrap();
    let say = |voice: &str, dir: &str, out: &str| {
        let o =
            run_env(tmp.path(), &["speak", "n.txt", "--voice", voice, "-o", out], None, &[("SAMACHAR_MODEL_DIR", dir)]);
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        std::fs::read(tmp.path().join(out)).unwrap()
    };
    assert!(say("kokoro:hf_alpha", o, "a.wav") == say("kokoro:jm_kumo", &real, "b.wav"), "hf_alpha != jm_kumo");
    // A known file with the right size and the wrong bytes is corrupt: one line naming it.
    let bad = linked_dir(tmp.path(), "bad", &["kokoro-v1.0.int8.onnx", "voices_ja.npz", "libonnxruntime.so"]);
    let mut vocab = std::fs::read(std::path::Path::new(&real).join("vocab.json")).unwrap();
    let i = vocab.iter().position(|&b| b == b'a').unwrap();
    vocab[i] = b'b';
    std::fs::write(bad.join("vocab.json"), &vocab).unwrap();
    let b = bad.to_str().unwrap();
    let run = |voice: &str| {
        run_env(tmp.path(), &["speak", "n.txt", "--voice", voice, "-o", "c.wav"], None, &[("SAMACHAR_MODEL_DIR", b)])
    };
    let e = fails(&run("kokoro:jm_kumo"));
    assert!(e.contains("vocab.json is corrupt (sha256") && e.contains("scripts/fetch-kokoro"), "{e}");
    // A truncated one fails on its size before anything is read.
    std::fs::remove_file(bad.join("voices_ja.npz")).unwrap();
    let npz = std::fs::read(std::path::Path::new(&real).join("voices_ja.npz")).unwrap();
    std::fs::write(bad.join("voices_ja.npz"), &npz[..npz.len() / 2]).unwrap();
    let e = fails(&run("kokoro:jm_kumo"));
    assert!(e.contains("voices_ja.npz is corrupt (1306239 bytes, expected 2612478)"), "{e}");
    assert!(!tmp.path().join("c.wav").exists());
}

/// Sends one HTTP/1.1 request (Connection: close); returns the status and the de-chunked body.
fn http(addr: &str, method: &str, path: &str, body: &str) -> (u16, Vec<u8>) {
    use std::io::{Read, Write};
    let mut c = std::net::TcpStream::connect(addr).unwrap();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    c.write_all(req.as_bytes()).unwrap();
    let mut all = Vec::new();
    c.read_to_end(&mut all).unwrap();
    let end = all.windows(4).position(|w| w == b"\r\n\r\n").unwrap();
    let head = String::from_utf8_lossy(&all[..end]).to_ascii_lowercase();
    let status = head[9..12].parse().unwrap();
    let mut rest = &all[end + 4..];
    if !head.contains("transfer-encoding: chunked") {
        return (status, rest.to_vec());
    }
    let mut out = Vec::new();
    loop {
        let nl = rest.windows(2).position(|w| w == b"\r\n").unwrap();
        let n = usize::from_str_radix(std::str::from_utf8(&rest[..nl]).unwrap().trim(), 16).unwrap();
        if n == 0 {
            return (status, out);
        }
        out.extend_from_slice(&rest[nl + 2..nl + 2 + n]);
        rest = &rest[nl + 4 + n..];
    }
}

#[test]
fn kokoro_voices_are_served_and_speak_as_the_command_line_does() {
    use std::io::BufRead;
    let real = model_dir();
    let mut child = crate::common::bin()
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("SAMACHAR_MODEL_DIR", &real)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut err = std::io::BufReader::new(child.stderr.take().unwrap());
    let _guard = Kill(child);
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    let addr =
        line.trim().strip_prefix("samachar: listening on http://").unwrap_or_else(|| panic!("{line}")).to_string();
    std::thread::spawn(move || std::io::copy(&mut err, &mut std::io::sink()));
    let (st, v) = http(&addr, "GET", "/v1/voices", "");
    assert_eq!(st, 200);
    let v: serde_json::Value = serde_json::from_slice(&v).unwrap();
    let names: Vec<&str> = v["voices"].as_array().unwrap().iter().map(|x| x["name"].as_str().unwrap()).collect();
    assert!(names.contains(&"meera") && names.contains(&"kokoro:jm_kumo"), "{names:?}");
    let (st, b) = http(&addr, "POST", "/v1/audio/speech", r#"{"input": "नमस्ते।", "voice": "kokoro:nobody"}"#);
    assert_eq!(st, 400);
    assert!(String::from_utf8_lossy(&b).contains("unknown voice 'kokoro:nobody'"));
    let body = r#"{"input": "नमस्ते।", "voice": "kokoro:jm_kumo", "response_format": "pcm"}"#;
    let (st, pcm) = http(&addr, "POST", "/v1/audio/speech", body);
    assert_eq!(st, 200);
    // The service speaks at 22050 Hz, as `speak --sample-rate 22050` does.
    let tmp = tempfile::tempdir().unwrap();
    let o = run_env(
        tmp.path(),
        &["speak", "-", "-o", "-", "--voice", "kokoro:jm_kumo", "--sample-rate", "22050"],
        Some("नमस्ते।".as_bytes()),
        &[("SAMACHAR_MODEL_DIR", &real)],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(pcm.len() > 11_025, "{} bytes", pcm.len());
    assert!(pcm == o.stdout[44..], "served PCM differs from speak's samples");
}
