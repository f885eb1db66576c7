//! The neural voice: Kokoro-82M (ONNX) driven by samachar's own phonemes (`--voice kokoro:NAME`).
//!
//! Built only with the `neural` cargo feature. ONNX Runtime is loaded at run time
//! (`libonnxruntime.so` from `$ORT_DYLIB_PATH`, else from the model directory); the model, the
//! voices archive and Kokoro's vocabulary come from the model directory
//! ([`crate::backend::kokoro_dir`]), which `scripts/fetch-kokoro` fills. Each sentence becomes
//! Kokoro tokens through the data file `voices/kokoro_phones.tsv` ([`phones`]), is cut into
//! pieces under the model's 510-token limit at pauses, and is rendered with the voice's style
//! vector for that token count. The model makes 24 kHz mono; [`resample`] takes it to
//! `--sample-rate` and applies `--pitch`.

pub mod phones;
pub mod resample;
pub mod voices;

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use ort::session::Session;
use ort::value::Tensor;

use crate::backend::{Audio, Backend, Settings};
use crate::g2p::PhoneticSentence;

/// Kokoro's output sample rate.
pub const SAMPLE_RATE: u32 = 24_000;
/// Most phoneme tokens per model call. Kokoro takes up to 510 (512 with the two padding
/// tokens), but a call's working memory grows faster than its length, and [`LANES`] calls run
/// at once: at most 160 tokens each (about 25 words, 8 s of speech, cut at a pause) keeps
/// `speak` and bulletins of any length well under 1 GB with two sessions. Measured on a text of
/// the sample article's four longest sentences, twice (every call near the cap, two at once):
/// 791 MB with 160, 1,048 MB with 200; the article itself 851 MB. Most news sentences are
/// shorter and are not cut at all.
pub const MAX_TOKENS: usize = 160;
/// Model files looked for, in order.
pub const MODEL_FILES: &[&str] = &["kokoro-v1.0.int8.onnx", "kokoro-v1.0.onnx"];
/// Voice archives read, in this order: every one present is read, and a voice name found in
/// two of them is taken from the first (`voices_ja.npz` from `scripts/fetch-kokoro`, then
/// Kokoro's official `voices-v1.0.bin`, which also has the Hindi voices).
pub const VOICE_FILES: &[&str] = &["voices_ja.npz", "voices-v1.0.bin"];
/// Kokoro's symbol → token id table.
pub const VOCAB_FILE: &str = "vocab.json";
/// The ONNX Runtime library looked for in the model directory.
pub const RUNTIME_FILE: &str = "libonnxruntime.so";
/// The files `scripts/fetch-kokoro` installs (name, bytes, sha256): one of these names with
/// another size or digest is a corrupt or wrong download. Other files (Kokoro's official
/// `kokoro-v1.0.onnx`, `voices-v1.0.bin`) are loaded as they are, their structure checked.
pub const KNOWN_FILES: &[(&str, u64, &str)] = &[
    ("kokoro-v1.0.int8.onnx", 92_361_271, "6e742170d309016e5891a994e1ce1559c702a2ccd0075e67ef7157974f6406cb"),
    ("voices_ja.npz", 2_612_478, "fc663c0f5c64d1f10c7c6daa2323ea20efe1b255a891b0d912d07bf58c529d15"),
    ("vocab.json", 1_155, "ba536e2187cf4a12827b4e6138f29c17b795fcc3f8155386408d8d4edc229a41"),
];
/// Environment variable: ONNX Runtime's intra-op threads (default: all cores).
pub const THREADS_ENV: &str = "SAMACHAR_KOKORO_THREADS";
/// The model sessions that run sentences at once by default (see [`lanes`]).
pub const LANES: usize = 2;
/// Environment variable: the most model sessions that run sentences side by side (default
/// [`LANES`]; `1` for one session with every thread, which starts the first sentence of
/// `--play` sooner and holds ~0.6 GB instead of ~0.85 GB).
pub const LANES_ENV: &str = "SAMACHAR_KOKORO_LANES";
/// Environment variable: `0` lets ONNX Runtime's idle intra-op threads sleep between
/// operators; `1` (the default, ONNX Runtime's own and the Python reference's) keeps them
/// spinning, ready for the next operator.
pub const SPIN_ENV: &str = "SAMACHAR_KOKORO_SPIN";

/// How `threads` ONNX Runtime threads are spent: (sessions, intra-op threads of each). Up to
/// `$SAMACHAR_KOKORO_LANES` sessions (default [`LANES`]) run sentences side by side, the
/// threads shared out among them. Two sessions of one thread beat one session of two on 2
/// cores: the model's ~2,000 small operators per call leave a second intra-op thread idle
/// between them, where a second sentence keeps the second core busy. Measured on 2 cores with
/// the sample article (2026-12-04, against the Python reference running the same calls on
/// one session of two threads): 91.3, 77.8, 78.0 s against 108.1, 88.4, 85.5 s (median ratio
/// 0.88), where one session of two threads is even with Python (ratio 1.01). The memory is
/// bounded by [`MAX_TOKENS`] per call and the arena shrinking after every call
/// ([`Kokoro::infer_on`]): 831–851 MB for the article. The output is the same, sample for
/// sample, in every setting.
fn lanes(threads: usize) -> crate::Result<(usize, usize)> {
    let cap =
        match std::env::var(LANES_ENV) {
            Err(_) => LANES,
            Ok(s) => s.trim().parse::<usize>().ok().filter(|&n| n > 0).ok_or_else(|| {
                crate::Error::Other(format!("{LANES_ENV}={s}: expected a positive number of sessions"))
            })?,
        };
    let lanes = cap.min(threads).max(1);
    Ok((lanes, (threads / lanes).max(1)))
}

/// Whether idle intra-op threads spin (`$SAMACHAR_KOKORO_SPIN`, default on). Spinning is
/// ONNX Runtime's default and what the Python reference does: a thread that waits for the
/// next operator by polling starts it microseconds sooner than one woken from sleep, and this
/// model runs some 2,000 small operators per sentence, so sleeping costs ~4 % of wall time on
/// 2 cores (measured, see the README). On a machine whose cores other work needs, `0` gives
/// them back between operators. Either way the output is the same, sample for sample.
fn spinning() -> crate::Result<bool> {
    match std::env::var(SPIN_ENV) {
        Err(_) => Ok(true),
        Ok(s) => match s.trim() {
            "1" => Ok(true),
            "0" => Ok(false),
            _ => Err(crate::Error::Other(format!("{SPIN_ENV}={s}: expected 0 or 1"))),
        },
    }
}
/// The `--pitch` factors a Kokoro voice accepts. Pitch is changed by resampling, which moves
/// the formants with the pitch (a larger or smaller voice, not the same voice higher): within
/// about ±4 semitones it still sounds like a person; beyond, like a recording at the wrong speed.
pub const PITCH_RANGE: (f32, f32) = (0.8, 1.25);
/// Pitch is applied in steps of 1/1000: the resampler's input rate is 24 kHz × pitch rounded
/// to 24 Hz, which keeps the FFT sizes of the exact rational ratio small.
const PITCH_STEP_HZ: u32 = 24;

/// A loaded model: [`lanes`] ONNX Runtime sessions, shared by every voice opened on it (a
/// server keeps them between requests).
struct Model {
    // Session::run needs `&mut`: one call at a time per session (lane), each using the
    // session's fixed intra-op threads. A sample does not depend on which lane or how many
    // threads computed it (checked by the tests), so the output cannot depend on how many
    // rendering tasks or lanes run.
    lanes: Vec<Mutex<Session>>,
    // Sentences take a lane in the order they ask for one (a FIFO of tickets) rather than in
    // whatever order a mutex wakes them, so the sentence the writer waits for (the first, for
    // --play) is not overtaken by later ones.
    turns: Turns,
    token_input: String,
    mapping: phones::Mapping,
    name: String,
}

/// A FIFO pool of lanes: `take` waits until every earlier ticket has a lane and one is free.
struct Turns {
    state: Mutex<TurnState>,
    cv: Condvar,
}

struct TurnState {
    /// The next ticket to hand out.
    next: u64,
    /// The ticket whose turn it is to take a free lane.
    serving: u64,
    /// Free lanes, by index.
    free: Vec<usize>,
}

/// A lane taken from [`Turns`], given back when dropped.
struct Turn<'a> {
    turns: &'a Turns,
    lane: usize,
}

impl Turns {
    fn new(lanes: usize) -> Turns {
        let free = (0..lanes).rev().collect();
        Turns { state: Mutex::new(TurnState { next: 0, serving: 0, free }), cv: Condvar::new() }
    }

    fn take(&self) -> Turn<'_> {
        let mut s = self.state.lock().unwrap_or_else(|e| e.into_inner());
        let ticket = s.next;
        s.next += 1;
        while s.serving != ticket || s.free.is_empty() {
            s = self.cv.wait(s).unwrap_or_else(|e| e.into_inner());
        }
        let lane = s.free.pop().expect("a free lane");
        s.serving += 1;
        drop(s);
        // The next ticket may take another free lane now.
        self.cv.notify_all();
        Turn { turns: self, lane }
    }
}

impl Drop for Turn<'_> {
    fn drop(&mut self) {
        let mut s = self.turns.state.lock().unwrap_or_else(|e| e.into_inner());
        s.free.push(self.lane);
        drop(s);
        self.turns.cv.notify_all();
    }
}

/// A Kokoro voice (one style table, possibly a mix) with its model session.
pub struct Kokoro {
    model: Arc<Model>,
    style: voices::StyleTable,
    spec: String,
    speed: f32,
    volume: f32,
    pitch: f32,
    /// The rate Kokoro's samples are taken to be at: 24 kHz × pitch.
    model_rate: u32,
    out_rate: u32,
    threads: usize,
}

impl std::fmt::Debug for Kokoro {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Kokoro").field("voice", &self.spec).field("model", &self.model.name).finish_non_exhaustive()
    }
}

fn fetch_hint(dir: &Path) -> String {
    format!("install it with `scripts/fetch-kokoro {}` (README, \"Neural voice\")", dir.display())
}

/// Returns the first of `names` that exists in `dir`.
fn find(dir: &Path, names: &[&str]) -> Option<PathBuf> {
    names.iter().map(|n| dir.join(n)).find(|p| p.is_file())
}

/// Lists the voices installed in the model directory, sorted (empty when none).
pub fn installed_voices(dir: &Path) -> crate::Result<Vec<String>> {
    let mut names = std::collections::BTreeSet::new();
    for path in VOICE_FILES.iter().map(|n| dir.join(n)).filter(|p| p.is_file()) {
        names.extend(voices::list_npz(&path)?);
    }
    Ok(names.into_iter().collect())
}

/// Reads every voices file in `dir` ([`VOICE_FILES`], the first file's voice winning a name
/// found twice), each checked first if it is a known file.
fn read_voices(dir: &Path) -> crate::Result<BTreeMap<String, voices::StyleTable>> {
    let mut all = BTreeMap::new();
    for path in VOICE_FILES.iter().map(|n| dir.join(n)).filter(|p| p.is_file()) {
        check_known(&path, dir)?;
        for (name, table) in voices::read_npz(&path)? {
            all.entry(name).or_insert(table);
        }
    }
    Ok(all)
}

/// Checks a file against [`KNOWN_FILES`] by size, then sha256 (once per process for a file
/// of unchanged size and time); other names pass.
pub fn check_known(path: &Path, dir: &Path) -> crate::Result<()> {
    use sha2::{Digest, Sha256};
    use std::io::Read;
    /// A file's path, size and modification time, once its digest was right.
    type Checked = (PathBuf, u64, Option<std::time::SystemTime>);
    static VERIFIED: OnceLock<Mutex<HashSet<Checked>>> = OnceLock::new();
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let Some(&(_, size, sha)) = KNOWN_FILES.iter().find(|(n, _, _)| *n == name) else { return Ok(()) };
    let io = |err| crate::Error::Io { path: path.into(), err };
    let meta = std::fs::metadata(path).map_err(io)?;
    let corrupt = |what: String| {
        crate::Error::Other(format!("Kokoro file {} is corrupt ({what}); {}", path.display(), fetch_hint(dir)))
    };
    if meta.len() != size {
        return Err(corrupt(format!("{} bytes, expected {size}", meta.len())));
    }
    let key = (path.to_path_buf(), meta.len(), meta.modified().ok());
    let verified = VERIFIED.get_or_init(Default::default);
    if verified.lock().unwrap_or_else(|e| e.into_inner()).contains(&key) {
        return Ok(());
    }
    let mut file = std::fs::File::open(path).map_err(io)?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file.read(&mut buf).map_err(io)?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    let got: String = hasher.finalize().iter().map(|b| format!("{b:02x}")).collect();
    if got != sha {
        return Err(corrupt(format!("sha256 {}…, expected {}…", &got[..12], &sha[..12])));
    }
    verified.lock().unwrap_or_else(|e| e.into_inner()).insert(key);
    Ok(())
}

/// Returns the loaded model at `path` with `threads` ONNX Runtime threads, loading it once per
/// process.
fn load_model(path: &Path, dir: &Path, threads: usize) -> crate::Result<Arc<Model>> {
    /// Loaded models by path, thread count, spinning and sessions.
    type Models = HashMap<(PathBuf, usize, bool, usize), Arc<Model>>;
    static MODELS: OnceLock<Mutex<Models>> = OnceLock::new();
    let models = MODELS.get_or_init(Default::default);
    // Held while loading: two requests for a new model load it once.
    let mut cache = models.lock().unwrap_or_else(|e| e.into_inner());
    let spin = spinning()?;
    let (sessions, intra) = lanes(threads)?;
    let key = (path.to_path_buf(), threads, spin, sessions);
    if let Some(m) = cache.get(&key) {
        return Ok(m.clone());
    }
    let other = |s: String| crate::Error::Other(s);
    check_known(path, dir)?;
    let vocab_path = dir.join(VOCAB_FILE);
    if !vocab_path.is_file() {
        return Err(other(format!("Kokoro vocabulary {} is missing; {}", vocab_path.display(), fetch_hint(dir))));
    }
    check_known(&vocab_path, dir)?;
    let vocab = read_vocab(&vocab_path)?;
    let mapping = phones::Mapping::parse(phones::MAPPING_TSV, &vocab)?;
    let env = runtime(dir)?;
    let ort_err = |e: String| other(format!("Kokoro model {}: {e}", path.display()));
    let open = || -> crate::Result<Session> {
        Session::builder(env)
            .map_err(|e| ort_err(e.to_string()))?
            .with_intra_threads(intra)
            .map_err(|e| ort_err(e.to_string()))?
            .with_inter_threads(1)
            .map_err(|e| ort_err(e.to_string()))?
            // ONNX Runtime's default level, said explicitly: the reference (Python) uses it too.
            .with_optimization_level(ort::session::builder::GraphOptimizationLevel::All)
            .map_err(|e| ort_err(e.to_string()))?
            // Idle intra-op threads poll for the next operator unless told to sleep (`spinning`).
            .with_intra_op_spinning(spin)
            .map_err(|e| ort_err(e.to_string()))?
            // Every piece has its own length, so every call has new tensor shapes: ONNX
            // Runtime's memory patterns (an allocation plan cached per input shape) only grow
            // with a long text. Off; it changes no sample.
            .with_memory_pattern(false)
            .map_err(|e| ort_err(e.to_string()))?
            .commit_from_file(path)
            .map_err(|e| ort_err(e.to_string()))
    };
    let lanes = (0..sessions).map(|_| open()).collect::<crate::Result<Vec<Session>>>()?;
    let names: Vec<String> = lanes[0].inputs().iter().map(|i| i.name().to_string()).collect();
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
    let model = Arc::new(Model {
        lanes: lanes.into_iter().map(Mutex::new).collect(),
        turns: Turns::new(sessions),
        token_input,
        mapping,
        name: path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
    });
    cache.insert(key, model.clone());
    Ok(model)
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
    /// ONNX Runtime's threads from `$SAMACHAR_KOKORO_THREADS` (default: all cores), shared out
    /// among `$SAMACHAR_KOKORO_LANES` sessions.
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

    /// [`Kokoro::open`] with a given number of ONNX Runtime threads.
    pub fn open_with_threads(spec: &str, settings: &Settings, dir: &Path, threads: usize) -> crate::Result<Kokoro> {
        let other = |s: String| crate::Error::Other(s);
        let rates = crate::render::wav::SAMPLE_RATES;
        if !rates.contains(&settings.sample_rate) {
            return Err(other(format!(
                "kokoro voices render at {}: not {} Hz",
                rates.map(|r| r.to_string()).join(", "),
                settings.sample_rate
            )));
        }
        let (lo, hi) = PITCH_RANGE;
        if !(lo..=hi).contains(&settings.pitch) {
            return Err(other(format!(
                "--pitch {} is outside {lo}–{hi} for kokoro voices (pitch is shifted by resampling, formants with it; README, \"Neural voice\")",
                settings.pitch
            )));
        }
        let mix = voices::parse_spec(spec).map_err(other)?;
        let model_path = find(dir, MODEL_FILES).ok_or_else(|| {
            other(format!("Kokoro model {} is missing; {}", dir.join(MODEL_FILES[0]).display(), fetch_hint(dir)))
        })?;
        let all = read_voices(dir)?;
        if all.is_empty() {
            return Err(other(format!(
                "Kokoro voices file {} is missing; {}",
                dir.join(VOICE_FILES[0]).display(),
                fetch_hint(dir)
            )));
        }
        let style = voices::mix(&all, &mix).map_err(other)?;
        let model = load_model(&model_path, dir, threads)?;
        // 24 kHz × pitch, in steps of PITCH_STEP_HZ (pitch 1 is exactly 24 kHz).
        let steps = (SAMPLE_RATE as f64 * settings.pitch as f64 / PITCH_STEP_HZ as f64).round() as u32;
        let model_rate = steps * PITCH_STEP_HZ;
        Ok(Kokoro {
            model,
            style,
            spec: spec.to_string(),
            speed: settings.rate,
            volume: settings.volume,
            pitch: model_rate as f32 / SAMPLE_RATE as f32,
            model_rate,
            out_rate: settings.sample_rate,
            threads,
        })
    }

    /// Returns the model calls and silences a sentence becomes: what [`Backend::synthesize`]
    /// runs, in order (the speed of a piece is this voice's `--rate` times the piece's rate).
    pub fn pieces(&self, sentence: &PhoneticSentence) -> Vec<phones::Piece> {
        self.model.mapping.pieces(sentence, MAX_TOKENS)
    }

    /// Returns the speed the model is given (`--rate`, divided by the `--pitch` factor, which
    /// resampling undoes).
    pub fn speed(&self) -> f32 {
        self.speed / self.pitch
    }

    /// Runs the model on tokens (without padding) at a speed; returns the raw samples.
    pub fn infer(&self, tokens: &[i64], speed: f32) -> crate::Result<Vec<f32>> {
        self.infer_on(None, tokens, speed)
    }

    /// [`Kokoro::infer`] on a lane already taken, or on the next free one (`None`).
    fn infer_on(&self, lane: Option<usize>, tokens: &[i64], speed: f32) -> crate::Result<Vec<f32>> {
        if tokens.is_empty() {
            return Ok(Vec::new());
        }
        let row = tokens.len().min(voices::ROWS) - 1;
        let style = self.style[row * voices::STYLE..(row + 1) * voices::STYLE].to_vec();
        let mut ids = Vec::with_capacity(tokens.len() + 2);
        ids.push(0);
        ids.extend_from_slice(tokens);
        ids.push(0);
        let err = |e: ort::Error| crate::Error::Other(format!("Kokoro model {}: {e}", self.model.name));
        let n = ids.len();
        let t = Tensor::from_array(([1usize, n], ids)).map_err(err)?;
        let s = Tensor::from_array(([1usize, voices::STYLE], style)).map_err(err)?;
        let v = Tensor::from_array(([1usize], vec![speed])).map_err(err)?;
        let _turn;
        let lane = match lane {
            Some(l) => l,
            None => {
                _turn = self.model.turns.take();
                _turn.lane
            }
        };
        let mut session =
            self.model.lanes[lane].lock().map_err(|_| crate::Error::Other("Kokoro session poisoned".into()))?;
        // The session's arena gives back what this call took beyond its first block when the
        // call ends: a session's memory follows the piece it is running, not the longest it
        // has run (with two sessions, that is what bounds the sum). It changes no sample.
        let mut opts = ort::session::RunOptions::new().map_err(err)?;
        opts.set("memory.enable_memory_arena_shrinkage", "cpu:0").map_err(err)?;
        let inputs = ort::inputs![self.model.token_input.as_str() => t, "style" => s, "speed" => v];
        let out = session.run_with_options(inputs, &opts).map_err(err)?;
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
        self.out_rate
    }

    fn synthesize(&self, sentence: &PhoneticSentence) -> crate::Result<Audio> {
        let pieces = self.model.mapping.pieces(sentence, MAX_TOKENS);
        // The model runs every piece of the sentence in one turn; resampling, after the turn,
        // overlaps the next sentence's inference.
        let mut raw: Vec<Option<Vec<f32>>> = Vec::with_capacity(pieces.len());
        {
            let turn = self.model.turns.take();
            for piece in &pieces {
                raw.push(match piece {
                    // Rendered slower by the pitch factor, then resampled faster by it: the
                    // pitch moves, the duration stays.
                    phones::Piece::Speech { tokens, rate, .. } => {
                        Some(self.infer_on(Some(turn.lane), tokens, self.speed * rate / self.pitch)?)
                    }
                    phones::Piece::Break(_) => None,
                });
            }
        }
        let out = self.out_rate as f32;
        let mut samples: Vec<f32> = Vec::new();
        let mut marks = Vec::new();
        for (piece, raw) in pieces.into_iter().zip(raw) {
            match (piece, raw) {
                (phones::Piece::Speech { tokens, volume, marks: m, .. }, Some(raw)) => {
                    let speech =
                        resample::resample(trim(&raw), self.model_rate, self.out_rate).map_err(crate::Error::Other)?;
                    let start = samples.len() as u64;
                    for (name, at) in m {
                        let frac = if tokens.is_empty() { 0.0 } else { at as f64 / tokens.len() as f64 };
                        marks.push((name, start + (frac * speech.len() as f64).round() as u64));
                    }
                    let g = self.volume * volume;
                    samples.extend(speech.iter().map(|x| x * g));
                }
                (phones::Piece::Break(secs), _) => {
                    samples.resize(samples.len() + (secs.max(0.0) * out).round() as usize, 0.0)
                }
                (phones::Piece::Speech { .. }, None) => unreachable!("every speech piece was inferred"),
            }
        }
        // The contract's ceiling: at most −1 dBFS (resampling can raise a peak a little).
        let ceiling = 10f32.powf(-1.0 / 20.0);
        let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        if peak > ceiling {
            let g = ceiling / peak;
            samples.iter_mut().for_each(|x| *x *= g);
        }
        // The model's only output is the waveform (no per-token durations), so no word spans:
        // timings of Kokoro speech stay at sentence level (`word_timings` is false).
        Ok(Audio { samples, sample_rate: self.out_rate, marks, words: Vec::new() })
    }

    fn projected_samples(&self, sentence: &PhoneticSentence) -> u64 {
        // An estimate: Kokoro speaks read Hindi at about 14 tokens a second at speed 1 (the
        // pitch does not change the duration).
        let mut secs = 0.0f64;
        for piece in self.model.mapping.pieces(sentence, MAX_TOKENS) {
            secs += match piece {
                phones::Piece::Break(s) => s.max(0.0) as f64,
                phones::Piece::Speech { tokens, rate, .. } => {
                    tokens.len() as f64 / 14.0 / (self.speed * rate).max(0.1) as f64
                }
            };
        }
        (secs * self.out_rate as f64).round() as u64
    }

    fn parameters(&self) -> serde_json::Value {
        serde_json::json!({
            "backend": "kokoro",
            "voice": self.spec,
            "model": self.model.name,
            "speed": self.speed,
            "pitch": self.pitch,
            "volume": self.volume,
            "sample_rate": self.out_rate,
            "onnx_threads": self.threads,
            "onnx_sessions": self.model.lanes.len(),
        })
    }
}
