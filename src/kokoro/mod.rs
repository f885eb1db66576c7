//! The neural voice: Kokoro-82M (ONNX) driven by samachar's own phonemes (`--voice kokoro:NAME`).
//!
//! Built only with the `neural` cargo feature. ONNX Runtime is loaded at run time
//! (`libonnxruntime.so` from `$ORT_DYLIB_PATH`, else from the model directory); the model, the
//! voices archive and Kokoro's vocabulary come from the model directory
//! ([`crate::backend::kokoro_dir`]), which `scripts/fetch-kokoro` fills. Each sentence becomes
//! Kokoro tokens through the data file `voices/kokoro_phones.tsv` ([`phones`]), is cut into
//! pieces under the model's 510-token limit at pauses, and is rendered with the voice's style
//! vector for that token count. Output: 24 kHz mono.

pub mod phones;
pub mod voices;

use std::collections::{BTreeMap, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Mutex, OnceLock};

use ort::session::Session;
use ort::value::Tensor;

use crate::backend::{Audio, Backend, Settings};
use crate::g2p::PhoneticSentence;

/// Kokoro's output sample rate.
pub const SAMPLE_RATE: u32 = 24_000;
/// Most phoneme tokens per model call (Kokoro's context is 512 with the two padding tokens;
/// a margin as in Kokoro's own tools).
pub const MAX_TOKENS: usize = 500;
/// Model files looked for, in order.
pub const MODEL_FILES: &[&str] = &["kokoro-v1.0.int8.onnx", "kokoro-v1.0.onnx"];
/// Voice archives looked for, in order.
pub const VOICE_FILES: &[&str] = &["voices_ja.npz", "voices-v1.0.bin"];
/// Kokoro's symbol → token id table.
pub const VOCAB_FILE: &str = "vocab.json";
/// The ONNX Runtime library looked for in the model directory.
pub const RUNTIME_FILE: &str = "libonnxruntime.so";
/// The sizes of the known model files (name, bytes): a different size is a corrupt download.
const KNOWN_SIZES: &[(&str, u64)] = &[("kokoro-v1.0.int8.onnx", 92_361_271)];
/// Environment variable: ONNX Runtime's intra-op threads (default: all cores).
pub const THREADS_ENV: &str = "SAMACHAR_KOKORO_THREADS";

/// A Kokoro voice (one style table, possibly a mix) with its model session.
pub struct Kokoro {
    // Session::run needs `&mut`: one call at a time, each using the session's fixed intra-op
    // threads, so the output cannot depend on how many rendering tasks run.
    session: Mutex<Session>,
    token_input: String,
    style: voices::StyleTable,
    mapping: phones::Mapping,
    spec: String,
    model: String,
    speed: f32,
    volume: f32,
    threads: usize,
}

impl std::fmt::Debug for Kokoro {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kokoro").field("voice", &self.spec).field("model", &self.model).finish_non_exhaustive()
    }
}

fn fetch_hint(dir: &Path) -> String {
    format!("install it with `scripts/fetch-kokoro {}` (README, \"Neural voice\")", dir.display())
}

/// Returns the first of `names` that exists in `dir`.
fn find(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    names.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

/// Lists the voices installed in the model directory (empty when none).
pub fn installed_voices(dir: &Path) -> crate::Result<Vec<String>> {
    match find(dir, VOICE_FILES) {
        Some(p) => Ok(voices::read_npz(&p)?.into_keys().collect()),
        None => Ok(Vec::new()),
    }
}

/// Reads Kokoro's vocabulary (`{"vocab": {"a": 43, …}}`, one character per symbol).
fn read_vocab(path: &Path) -> crate::Result<HashMap<char, i64>> {
    let text = std::fs::read_to_string(path).map_err(|err| crate::Error::Io { path: path.into(), err })?;
    let bad = |problem: String| crate::Error::Voice { file: path.display().to_string(), problem };
    #[derive(serde::Deserialize)]
    struct V {
        vocab: BTreeMap<String, i64>,
    }
    let v: V = serde_json::from_str(&text).map_err(|e| bad(e.to_string()))?;
    let mut out = HashMap::new();
    for (sym, id) in v.vocab {
        let mut cs = sym.chars();
        match (cs.next(), cs.next()) {
            (Some(c), None) => {
                out.insert(c, id);
            }
            _ => return Err(bad(format!("symbol '{sym}' is not one character"))),
        }
    }
    Ok(out)
}

/// Loads ONNX Runtime once per process.
fn runtime(dir: &Path) -> crate::Result<&'static ort::environment::Environment> {
    static ENV: OnceLock<Result<ort::environment::Environment, String>> = OnceLock::new();
    let env = ENV.get_or_init(|| {
        let lib = match std::env::var_os("ORT_DYLIB_PATH") {
            Some(p) if !p.is_empty() => PathBuf::from(p),
            _ => dir.join(RUNTIME_FILE),
        };
        if !lib.is_file() {
            return Err(format!(
                "ONNX Runtime library {} is missing; {} or set ORT_DYLIB_PATH",
                lib.display(),
                fetch_hint(dir)
            ));
        }
        let builder = ort::init_from(&lib).map_err(|e| format!("cannot load ONNX Runtime {}: {e}", lib.display()))?;
        builder.with_name("samachar").build().map_err(|e| format!("ONNX Runtime {}: {e}", lib.display()))
    });
    env.as_ref().map_err(|e| crate::Error::Other(e.clone()))
}

impl Kokoro {
    /// Opens the voice `spec` (a name, or a mix `a*0.6+b*0.4`) from the model directory, with
    /// ONNX Runtime's intra-op threads from `$SAMACHAR_KOKORO_THREADS` (default: all cores).
    pub fn open(spec: &str, settings: &Settings, dir: &Path) -> crate::Result<Kokoro> {
        let other = |s: String| crate::Error::Other(s);
        let threads = match std::env::var(THREADS_ENV) {
            Ok(s) => s
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|&n| n > 0)
                .ok_or_else(|| other(format!("{THREADS_ENV}={s}: expected a positive number of threads")))?,
            Err(_) => std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1),
        };
        Kokoro::open_with_threads(spec, settings, dir, threads)
    }

    /// [`Kokoro::open`] with a given number of ONNX Runtime intra-op threads.
    pub fn open_with_threads(spec: &str, settings: &Settings, dir: &Path, threads: usize) -> crate::Result<Kokoro> {
        let other = |s: String| crate::Error::Other(s);
        if settings.sample_rate != SAMPLE_RATE {
            return Err(other(format!(
                "kokoro voices render at {SAMPLE_RATE} Hz; --sample-rate {} needs a resampler samachar does not have yet (omit it or pass {SAMPLE_RATE})",
                settings.sample_rate
            )));
        }
        if settings.pitch != 1.0 {
            return Err(other("kokoro voices cannot change pitch: --pitch works only with the built-in voices".into()));
        }
        let mix = voices::parse_spec(spec).map_err(other)?;
        let model = find(dir, MODEL_FILES).ok_or_else(|| {
            other(format!("Kokoro model {} is missing; {}", dir.join(MODEL_FILES[0]).display(), fetch_hint(dir)))
        })?;
        let model_name = model.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if let Some((_, size)) = KNOWN_SIZES.iter().find(|(n, _)| *n == model_name) {
            let got = std::fs::metadata(&model).map_err(|err| crate::Error::Io { path: model.clone(), err })?.len();
            if got != *size {
                return Err(other(format!(
                    "Kokoro model {} is corrupt ({got} bytes, expected {size}); {}",
                    model.display(),
                    fetch_hint(dir)
                )));
            }
        }
        let voices_path = find(dir, VOICE_FILES).ok_or_else(|| {
            other(format!("Kokoro voices file {} is missing; {}", dir.join(VOICE_FILES[0]).display(), fetch_hint(dir)))
        })?;
        let vocab_path = dir.join(VOCAB_FILE);
        if !vocab_path.is_file() {
            return Err(other(format!("Kokoro vocabulary {} is missing; {}", vocab_path.display(), fetch_hint(dir))));
        }
        let vocab = read_vocab(&vocab_path)?;
        let mapping = phones::Mapping::parse(phones::MAPPING_TSV, &vocab)?;
        let all = voices::read_npz(&voices_path)?;
        let style = voices::mix(&all, &mix).map_err(other)?;
        let env = runtime(dir)?;
        let ort_err = |e: String| other(format!("Kokoro model {}: {e}", model.display()));
        let session = Session::builder(env)
            .map_err(|e| ort_err(e.to_string()))?
            .with_intra_threads(threads)
            .map_err(|e| ort_err(e.to_string()))?
            .with_inter_threads(1)
            .map_err(|e| ort_err(e.to_string()))?
            // ONNX Runtime's default level, said explicitly: the reference (Python) uses it too.
            .with_optimization_level(ort::session::builder::GraphOptimizationLevel::All)
            .map_err(|e| ort_err(e.to_string()))?
            // No busy-waiting between operators: idle intra-op threads sleep. The default
            // (spinning) burns the cores a shared machine's other work needs, and the
            // spinning threads compete with the one doing the work; the output is unchanged.
            .with_intra_op_spinning(false)
            .map_err(|e| ort_err(e.to_string()))?
            .commit_from_file(&model)
            .map_err(|e| ort_err(e.to_string()))?;
        let names: Vec<String> = session.inputs().iter().map(|i| i.name().to_string()).collect();
        let token_input = ["tokens", "input_ids"]
            .iter()
            .find(|n| names.iter().any(|m| m == *n))
            .ok_or_else(|| ort_err(format!("no 'tokens' or 'input_ids' input (inputs: {})", names.join(", "))))?
            .to_string();
        for need in ["style", "speed"] {
            if !names.iter().any(|m| m == need) {
                return Err(ort_err(format!("no '{need}' input (inputs: {})", names.join(", "))));
            }
        }
        Ok(Kokoro {
            session: Mutex::new(session),
            token_input,
            style,
            mapping,
            spec: spec.to_string(),
            model: model_name,
            speed: settings.rate,
            volume: settings.volume,
            threads,
        })
    }

    /// Returns the model calls and silences a sentence becomes: what [`Backend::synthesize`]
    /// runs, in order (the speed of a piece is this voice's `--rate` times the piece's rate).
    pub fn pieces(&self, sentence: &PhoneticSentence) -> Vec<phones::Piece> {
        self.mapping.pieces(sentence, MAX_TOKENS)
    }

    /// Returns the speed this voice speaks at (`--rate`).
    pub fn speed(&self) -> f32 {
        self.speed
    }

    /// Runs the model on tokens (without padding) at a speed; returns the raw samples.
    pub fn infer(&self, tokens: &[i64], speed: f32) -> crate::Result<Vec<f32>> {
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let row = tokens.len().min(voices::ROWS) - 1;
        let style = self.style[row * voices::STYLE..(row + 1) * voices::STYLE].to_vec();
        let mut ids = Vec::with_capacity(tokens.len() + 2);
        ids.push(0);
        ids.extend_from_slice(tokens);
        ids.push(0);
        let err = |e: ort::Error| crate::Error::Other(format!("Kokoro model {}: {e}", self.model));
        let n = ids.len();
        let t = Tensor::from_array(([1usize, n], ids)).map_err(err)?;
        let s = Tensor::from_array(([1usize, voices::STYLE], style)).map_err(err)?;
        let v = Tensor::from_array(([1usize], vec![speed])).map_err(err)?;
        let mut session = self.session.lock().map_err(|_| crate::Error::Other("Kokoro session poisoned".into()))?;
        let out = session.run(ort::inputs![self.token_input.as_str() => t, "style" => s, "speed" => v]).map_err(err)?;
        let (_, samples) = out[0].try_extract_tensor::<f32>().map_err(err)?;
        Ok(samples.to_vec())
    }
}

/// Cuts leading and trailing near-silence (|x| ≤ 0.01), keeping 30 ms around the speech, as
/// Kokoro's tools do: the renderer adds the structural pauses.
fn trim(samples: &[f32]) -> &[f32] {
    let pad = (0.03 * SAMPLE_RATE as f32) as usize;
    let Some(first) = samples.iter().position(|x| x.abs() > 0.01) else { return samples };
    let last = samples.iter().rposition(|x| x.abs() > 0.01).unwrap_or(first);
    &samples[first.saturating_sub(pad)..(last + pad).min(samples.len())]
}

impl Backend for Kokoro {
    fn sample_rate(&self) -> u32 {
        SAMPLE_RATE
    }

    fn synthesize(&self, sentence: &PhoneticSentence) -> crate::Result<Audio> {
        let mut samples: Vec<f32> = Vec::new();
        let mut marks = Vec::new();
        for piece in self.mapping.pieces(sentence, MAX_TOKENS) {
            match piece {
                phones::Piece::Break(secs) => {
                    samples.resize(samples.len() + (secs.max(0.0) * SAMPLE_RATE as f32).round() as usize, 0.0)
                }
                phones::Piece::Speech { tokens, rate, volume, marks: m } => {
                    let raw = self.infer(&tokens, self.speed * rate)?;
                    let speech = trim(&raw);
                    let start = samples.len() as u64;
                    for (name, at) in m {
                        let frac = if tokens.is_empty() { 0.0 } else { at as f64 / tokens.len() as f64 };
                        marks.push((name, start + (frac * speech.len() as f64).round() as u64));
                    }
                    let g = self.volume * volume;
                    samples.extend(speech.iter().map(|x| x * g));
                }
            }
        }
        // The contract's ceiling: at most −1 dBFS.
        let ceiling = 10f32.powf(-1.0 / 20.0);
        let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        if peak > ceiling {
            let g = ceiling / peak;
            samples.iter_mut().for_each(|x| *x *= g);
        }
        Ok(Audio { samples, sample_rate: SAMPLE_RATE, marks })
    }

    fn projected_samples(&self, sentence: &PhoneticSentence) -> u64 {
        // An estimate: Kokoro speaks read Hindi at about 14 tokens a second at speed 1.
        let mut secs = 0.0f64;
        for piece in self.mapping.pieces(sentence, MAX_TOKENS) {
            secs += match piece {
                phones::Piece::Break(s) => s.max(0.0) as f64,
                phones::Piece::Speech { tokens, rate, .. } => {
                    tokens.len() as f64 / 14.0 / (self.speed * rate).max(0.1) as f64
                }
            };
        }
        (secs * SAMPLE_RATE as f64).round() as u64
    }

    fn parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "backend": "kokoro",
            "voice": self.spec,
            "model": self.model,
            "speed": self.speed,
            "volume": self.volume,
            "onnx_intra_threads": self.threads,
        })
    }
}
