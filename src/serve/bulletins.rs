//! Bulletins over HTTP: `POST /v1/bulletins` makes a job on disk under `--data-dir`,
//! background workers build it with [`crate::bulletin::build`], `GET /v1/bulletins/{id}`
//! reports its state and links, `GET /v1/bulletins/{id}/files/{format}/{name}` serves the
//! files ([`super::files`], with byte ranges), `DELETE /v1/bulletins/{id}` removes a job.
//!
//! A job is a directory `DIR/jobs/ID`, ID being 32 hex digits from the system's random
//! source (unguessable, and never a path): `articles.json` (the feed as submitted),
//! `request.json` (the options, with the date fixed at submission), `job.json` (the state,
//! always replaced whole by writing a temporary file and renaming it), `lock` (held by the
//! worker building the job), and `out/FORMAT/`, one finished bulletin directory per
//! requested format, exactly what `samachar bulletin --format FORMAT` writes. A job
//! directory appears in one rename once its three files are written, so a crash during
//! submission leaves no half job.
//!
//! Each format is its own build (the same render, encoded and loudness-checked for that
//! format), so a job with three formats renders three times; the formats are built in the
//! order given and each is published as soon as it is done.
//!
//! Restarts: on start the server serves every done and failed job as it is, and queues
//! again every job whose state is `queued` or `running` (in order of submission). A job that
//! was running is resumed at format granularity: a format directory that was published is
//! kept (publishing is one atomic rename, so it is complete); the format that was being built
//! is built again from the start (its leftovers are hidden temporaries that the bulletin
//! builder removes). Output is deterministic, so a re-run gives the same bytes.
//!
//! Several servers may share one `--data-dir` (replicas behind a load balancer): any of them
//! answers for any job (state is read from disk on every request), and a job is built by one
//! server at a time, the one that holds its `lock` (an advisory `flock`, so the storage must
//! support it: a local disk, NFSv4, CephFS). An idle worker looks for orphaned jobs (queued
//! or running, no lock holder: their server died) every [`RESCAN`] and takes them over.

use std::collections::{BTreeMap, HashSet, VecDeque};
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::{Path as UrlPath, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use super::{error, Shared};
use crate::bulletin::files as names;

/// Settings of bulletin jobs (the `--data-dir` family of `samachar serve` options).
#[derive(Debug, Clone)]
pub struct Settings {
    /// Where jobs are kept (`DIR/jobs/ID`); without it the bulletin routes answer 404.
    pub data_dir: Option<PathBuf>,
    /// Jobs built at once by this server (default 1; each build also uses the rayon pool).
    pub workers: usize,
    /// Most jobs stored in the data directory, finished or not (default 100); more get 507
    /// until some are deleted.
    pub max_jobs: usize,
    /// Most jobs queued or building on this server (default 16); more get 429.
    pub max_queued: usize,
    /// Most bytes of a `POST /v1/bulletins` body (default 8 MiB, the size of feed file
    /// `samachar bulletin` reads); more get 413.
    pub max_body: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            data_dir: None,
            workers: 1,
            max_jobs: 100,
            max_queued: 16,
            max_body: crate::limits::FEED_MAX_BYTES as usize,
        }
    }
}

/// The submission route (its body limit is [`Settings::max_body`]).
pub const SUBMIT_PATH: &str = "/v1/bulletins";

/// How often an idle worker looks for orphaned jobs of other servers.
pub const RESCAN: Duration = Duration::from_secs(30);

const JOB: &str = "job.json";
const SPEC: &str = "request.json";
const ARTICLES: &str = "articles.json";
const LOCK: &str = "lock";
const OUT: &str = "out";

/// Where a job is.
#[derive(Serialize, Deserialize, Clone, Copy, PartialEq, Eq, Debug)]
#[serde(rename_all = "lowercase")]
enum Phase {
    Queued,
    Running,
    Done,
    Failed,
}

/// `job.json`.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct JobState {
    state: Phase,
    /// Why it failed (one line).
    error: Option<String>,
    /// Unix seconds.
    created: u64,
    started: Option<u64>,
    finished: Option<u64>,
    /// Formats whose directory is published.
    formats_done: Vec<String>,
    /// Notices of the build that are not errors (skipped items under `keep_going`, …).
    warnings: Vec<String>,
    /// How many times a build was started (more than 1 after a restart).
    runs: u32,
}

/// `request.json`: the options of a job, with every default filled in.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Spec {
    title: Option<String>,
    date: String,
    voice: String,
    formats: Vec<String>,
    html: bool,
    split: bool,
    intro: bool,
    keep_going: bool,
    rate: f32,
    pitch: f32,
    sample_rate: u32,
}

#[derive(Default)]
struct Queue {
    ids: VecDeque<String>,
    /// Ids in `ids` or being built here (never queued twice).
    known: HashSet<String>,
    building: usize,
}

/// The jobs of one data directory, and this server's queue of them.
pub(super) struct Store {
    root: PathBuf,
    settings: Settings,
    queue: Mutex<Queue>,
    wake: Condvar,
}

fn now() -> u64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// Returns true for a job id: 32 lowercase hex digits.
fn valid_id(id: &str) -> bool {
    id.len() == 32 && id.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

/// Returns a new job id: 128 bits from the system's random source.
fn new_id() -> std::io::Result<String> {
    use std::io::Read;
    let mut b = [0u8; 16];
    File::open("/dev/urandom")?.read_exact(&mut b)?;
    Ok(b.iter().map(|x| format!("{x:02x}")).collect())
}

/// Returns the canonical name of a format (`wav`), or `None` if the build has no such format.
fn format_name(s: &str) -> Option<&'static str> {
    crate::encode::Format::parse(s).map(|f| f.extension())
}

/// Writes `bytes` to `path` through a temporary file in the same directory and a rename, so
/// a reader sees the old file or the new one, never a part.
fn write_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = path.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let tmp = path.with_file_name(format!(".{name}.{}-{n}.tmp", std::process::id()));
    let r = (|| {
        let mut f = File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    })();
    if r.is_err() {
        let _ = std::fs::remove_file(&tmp);
    }
    r
}

fn read_json<T: serde::de::DeserializeOwned>(path: &Path) -> std::io::Result<T> {
    let bytes = std::fs::read(path)?;
    serde_json::from_slice(&bytes).map_err(|e| std::io::Error::new(std::io::ErrorKind::InvalidData, e))
}

fn write_state(dir: &Path, st: &JobState) -> std::io::Result<()> {
    let json = serde_json::to_vec_pretty(st).map_err(std::io::Error::other)?;
    write_atomic(&dir.join(JOB), &json)
}

/// Takes the job's build lock if nobody holds it; the lock lasts while the file is open.
fn try_lock(dir: &Path) -> Option<File> {
    let f = File::options().read(true).write(true).create(true).truncate(false).open(dir.join(LOCK)).ok()?;
    f.try_lock().ok()?;
    Some(f)
}

/// Rewrites a library message for an HTTP client: the feed was read as standard input.
fn public_message(e: &dyn std::fmt::Display) -> String {
    e.to_string().replace("<stdin>", "articles")
}

impl Store {
    /// Opens (creating) `DIR/jobs`, queues the unfinished jobs again, and starts the workers.
    pub(super) fn open(settings: &Settings) -> crate::Result<Option<Arc<Store>>> {
        let Some(dir) = &settings.data_dir else { return Ok(None) };
        let root = dir.join("jobs");
        std::fs::create_dir_all(&root).map_err(|e| {
            crate::Error::Other(format!("--data-dir {}: cannot create {}: {e}", dir.display(), root.display()))
        })?;
        // Leftovers of submissions and deletions cut short (by a crash); an hour old, so
        // that another server's submission in progress is not taken away.
        if let Ok(entries) = std::fs::read_dir(&root) {
            for e in entries.flatten() {
                let name = e.file_name().to_string_lossy().into_owned();
                let old = e
                    .metadata()
                    .ok()
                    .and_then(|m| m.modified().ok())
                    .and_then(|t| t.elapsed().ok())
                    .is_some_and(|age| age > Duration::from_secs(3600));
                if (name.starts_with(".new-") || name.starts_with(".del-")) && old {
                    let _ = std::fs::remove_dir_all(e.path());
                }
            }
        }
        let store = Arc::new(Store { root, settings: settings.clone(), queue: Mutex::default(), wake: Condvar::new() });
        store.requeue();
        for i in 0..settings.workers {
            let s = store.clone();
            std::thread::Builder::new()
                .name(format!("bulletin-{i}"))
                .spawn(move || s.work())
                .map_err(|e| crate::Error::Other(format!("cannot start a bulletin worker: {e}")))?;
        }
        Ok(Some(store))
    }

    fn lock_queue(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Ids of the jobs in the data directory.
    fn ids(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(&self.root) else { return Vec::new() };
        entries.flatten().filter_map(|e| e.file_name().to_str().map(str::to_string)).filter(|n| valid_id(n)).collect()
    }

    /// Queues every job on disk that is queued or running and not known here, oldest first.
    fn requeue(&self) {
        let mut open: Vec<(u64, String)> = self
            .ids()
            .into_iter()
            .filter_map(|id| {
                let st: JobState = read_json(&self.root.join(&id).join(JOB)).ok()?;
                matches!(st.state, Phase::Queued | Phase::Running).then_some((st.created, id))
            })
            .collect();
        open.sort();
        let mut q = self.lock_queue();
        for (_, id) in open {
            if q.known.insert(id.clone()) {
                q.ids.push_back(id);
            }
        }
        drop(q);
        self.wake.notify_all();
    }

    /// A worker: builds queued jobs one after another.
    fn work(&self) {
        loop {
            let id = {
                let mut q = self.lock_queue();
                loop {
                    if let Some(id) = q.ids.pop_front() {
                        q.building += 1;
                        break id;
                    }
                    let (g, t) = self.wake.wait_timeout(q, RESCAN).unwrap_or_else(|e| e.into_inner());
                    q = g;
                    if t.timed_out() && q.ids.is_empty() {
                        drop(q);
                        self.requeue();
                        q = self.lock_queue();
                    }
                }
            };
            self.run(&id);
            let mut q = self.lock_queue();
            q.building -= 1;
            q.known.remove(&id);
        }
    }

    /// Builds job `id` if it still needs building and no other server is at it.
    fn run(&self, id: &str) {
        let dir = self.root.join(id);
        let Some(_lock) = try_lock(&dir) else { return };
        let Ok(mut st) = read_json::<JobState>(&dir.join(JOB)) else { return };
        if !matches!(st.state, Phase::Queued | Phase::Running) {
            return;
        }
        st.state = Phase::Running;
        st.started = Some(now());
        st.runs += 1;
        st.error = None;
        if write_state(&dir, &st).is_err() {
            return;
        }
        let built = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.build_all(&dir, &mut st)));
        match built {
            Ok(Ok(())) => st.state = Phase::Done,
            Ok(Err(e)) => {
                st.state = Phase::Failed;
                st.error = Some(e);
            }
            Err(_) => {
                st.state = Phase::Failed;
                st.error = Some("internal error: the bulletin build panicked".into());
            }
        }
        st.finished = Some(now());
        if let Err(e) = write_state(&dir, &st) {
            eprintln!("samachar: bulletin {id}: cannot record the job's state: {e}");
        }
    }

    /// Builds every requested format not yet published, recording each as it is done.
    fn build_all(&self, dir: &Path, st: &mut JobState) -> Result<(), String> {
        let spec: Spec = read_json(&dir.join(SPEC)).map_err(|e| format!("{SPEC}: {e}"))?;
        for fmt in &spec.formats {
            let target = dir.join(OUT).join(fmt);
            let published = target.join(names::MANIFEST).is_file();
            if !published {
                let format =
                    crate::encode::Format::parse(fmt).ok_or_else(|| format!("format '{fmt}' is not in this build"))?;
                let opts = crate::bulletin::Options {
                    inputs: vec!["-".into()],
                    out_dir: Some(target),
                    title: spec.title.clone(),
                    date: crate::bulletin::plan::Date::parse(&spec.date),
                    voice: spec.voice.clone(),
                    engine: crate::render::EngineOptions {
                        rate: spec.rate,
                        pitch: spec.pitch,
                        volume: 1.0,
                        sample_rate: spec.sample_rate,
                    },
                    intro: spec.intro,
                    split: spec.split,
                    html: spec.html,
                    keep_going: spec.keep_going,
                    format,
                    ..Default::default()
                };
                let path = dir.join(ARTICLES);
                let mut feed = File::open(&path).map_err(|e| format!("{ARTICLES}: {e}"))?;
                let mut warnings = Vec::new();
                crate::bulletin::build(&opts, &mut feed, &mut |w| warnings.push(public_message(&w)))
                    .map_err(|e| public_message(&e))?;
                for w in warnings {
                    if !st.warnings.contains(&w) {
                        st.warnings.push(w);
                    }
                }
            }
            if !st.formats_done.contains(fmt) {
                st.formats_done.push(fmt.clone());
            }
            write_state(dir, st).map_err(|e| format!("cannot record the job's state: {e}"))?;
        }
        Ok(())
    }

    /// Makes a job from a request body: 202, or the 4xx/5xx that says why not.
    fn create(&self, body: &[u8]) -> Response {
        let (spec, articles) = match parse_request(body) {
            Ok(r) => r,
            Err((param, msg)) => return error(StatusCode::BAD_REQUEST, param.as_deref(), msg),
        };
        let stored = self.ids().len();
        if stored >= self.settings.max_jobs {
            return error(
                StatusCode::INSUFFICIENT_STORAGE,
                None,
                format!("{stored} bulletin jobs are stored, the limit; delete finished ones (DELETE /v1/bulletins/ID)"),
            );
        }
        let waiting = {
            let q = self.lock_queue();
            q.ids.len() + q.building
        };
        if waiting >= self.settings.max_queued {
            let mut r = error(
                StatusCode::TOO_MANY_REQUESTS,
                None,
                format!("{waiting} bulletin jobs are queued or building, the limit; retry later"),
            );
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            return r;
        }
        let internal = |e: std::io::Error| {
            eprintln!("samachar: cannot store a bulletin job: {e}");
            error(StatusCode::INTERNAL_SERVER_ERROR, None, "cannot store the job")
        };
        let id = match new_id() {
            Ok(id) => id,
            Err(e) => return internal(e),
        };
        let st = JobState {
            state: Phase::Queued,
            error: None,
            created: now(),
            started: None,
            finished: None,
            formats_done: Vec::new(),
            warnings: Vec::new(),
            runs: 0,
        };
        let tmp = self.root.join(format!(".new-{id}"));
        let made = (|| {
            std::fs::create_dir(&tmp)?;
            write_atomic(&tmp.join(ARTICLES), articles.as_bytes())?;
            write_atomic(&tmp.join(SPEC), &serde_json::to_vec_pretty(&spec).map_err(std::io::Error::other)?)?;
            write_state(&tmp, &st)?;
            std::fs::rename(&tmp, self.root.join(&id))
        })();
        if let Err(e) = made {
            let _ = std::fs::remove_dir_all(&tmp);
            return internal(e);
        }
        {
            let mut q = self.lock_queue();
            q.known.insert(id.clone());
            q.ids.push_back(id.clone());
        }
        self.wake.notify_one();
        let mut r = (StatusCode::ACCEPTED, axum::Json(self.describe(&id, &st, &spec))).into_response();
        if let Ok(v) = HeaderValue::from_str(&format!("{SUBMIT_PATH}/{id}")) {
            r.headers_mut().insert(header::LOCATION, v);
        }
        r
    }

    /// The state of a job as clients see it, with links to its files.
    fn describe(&self, id: &str, st: &JobState, spec: &Spec) -> serde_json::Value {
        let mut files = serde_json::Map::new();
        for fmt in &spec.formats {
            let dir = self.root.join(id).join(OUT).join(fmt);
            if !st.formats_done.contains(fmt) {
                continue;
            }
            let Ok(entries) = std::fs::read_dir(&dir) else { continue };
            let mut list: Vec<String> =
                entries.flatten().filter_map(|e| e.file_name().to_str().map(str::to_string)).collect();
            list.sort();
            let mut links = serde_json::Map::new();
            let mut articles = Vec::new();
            for name in list {
                let Some(key) = servable(&name) else { continue };
                let url = serde_json::Value::String(format!("{SUBMIT_PATH}/{id}/files/{fmt}/{name}"));
                if key == "articles" {
                    articles.push(url);
                } else {
                    links.insert(key.into(), url);
                }
            }
            if !articles.is_empty() {
                links.insert("articles".into(), articles.into());
            }
            files.insert(fmt.clone(), links.into());
        }
        serde_json::json!({
            "id": id,
            "url": format!("{SUBMIT_PATH}/{id}"),
            "state": st.state,
            "error": st.error,
            "created": st.created,
            "started": st.started,
            "finished": st.finished,
            "runs": st.runs,
            "formats": spec.formats,
            "formats_done": st.formats_done,
            "warnings": st.warnings,
            "request": spec,
            "files": files,
        })
    }
}

/// What a file of a bulletin directory is (its key in the job's `files` links), or `None`
/// for a name that is never served.
fn servable(name: &str) -> Option<&'static str> {
    if !super::files::plain_name(name) {
        return None;
    }
    let (stem, ext) = name.rsplit_once('.')?;
    let audio = format_name(ext).is_some_and(|e| e == ext);
    match (stem, ext) {
        ("bulletin", _) if audio => Some("audio"),
        ("bulletin", "srt") => Some("srt"),
        ("bulletin", "vtt") => Some("vtt"),
        ("manifest", "json") => Some("manifest"),
        ("chapters", "json") => Some("chapters"),
        ("transcript", "json") => Some("transcript"),
        ("index", "html") => Some("page"),
        (s, _)
            if audio
                && s.strip_prefix("article-")
                    .is_some_and(|n| n.len() >= 3 && n.bytes().all(|b| b.is_ascii_digit())) =>
        {
            Some("articles")
        }
        _ => None,
    }
}

/// The fields a submission may have.
const FIELDS: [&str; 13] = [
    "articles",
    "title",
    "date",
    "voice",
    "format",
    "formats",
    "html",
    "split",
    "intro",
    "keep_going",
    "rate",
    "pitch",
    "sample_rate",
];

type BadField = (Option<String>, String);

/// Reads and checks a submission: the options (defaults filled in) and the feed text. An
/// error names the field (`None` when the body is not a JSON object at all).
fn parse_request(body: &[u8]) -> Result<(Spec, String), BadField> {
    let text = std::str::from_utf8(body).map_err(|_| (None, "the body is not UTF-8".to_string()))?;
    let shape = "expected a JSON object {\"articles\": [{\"title\": …, \"body\": …}, …], …} or a JSON list of articles";
    // A bare list is the feed alone, with every option at its default.
    let map: BTreeMap<String, Box<RawValue>> = if text.trim_start().starts_with('[') {
        let raw = RawValue::from_string(text.to_string()).map_err(|e| (None, format!("invalid JSON body: {e}")))?;
        BTreeMap::from([("articles".to_string(), raw)])
    } else {
        serde_json::from_str(text).map_err(|e| (None, format!("invalid JSON body: {e} ({shape})")))?
    };
    if let Some(k) = map.keys().find(|k| !FIELDS.contains(&k.as_str())) {
        return Err((Some(k.clone()), format!("unknown field `{k}` (fields: {})", FIELDS.join(", "))));
    }
    fn get<T: serde::de::DeserializeOwned>(
        map: &BTreeMap<String, Box<RawValue>>,
        key: &str,
    ) -> Result<Option<T>, BadField> {
        match map.get(key) {
            None => Ok(None),
            Some(raw) => serde_json::from_str::<Option<T>>(raw.get())
                .map_err(|e| (Some(key.to_string()), format!("`{key}`: {e}"))),
        }
    }
    let bad = |k: &str, m: String| (Some(k.to_string()), m);
    let Some(articles) = map.get("articles") else {
        return Err(bad("articles", format!("missing field `articles` ({shape})")));
    };
    let articles = articles.get().to_string();
    if !articles.trim_start().starts_with('[') {
        return Err(bad(
            "articles",
            "`articles` must be a JSON list of {\"title\": …, \"body\": …[, \"format\": \"ssml\"]}".into(),
        ));
    }
    let keep_going = get::<bool>(&map, "keep_going")?.unwrap_or(false);
    // The feed is read now as the build will read it, so a bad item is a 400 and not a
    // failed job.
    let loaded = crate::bulletin::input::load(&["-".to_string()], &mut articles.as_bytes());
    let mut usable = 0;
    for item in &loaded.items {
        match item {
            Ok(_) => usable += 1,
            Err(u) if !keep_going => return Err(bad("articles", public_message(&u.error))),
            Err(_) => {}
        }
    }
    if usable == 0 {
        return Err(bad("articles", "no article with speakable text to make a bulletin from".into()));
    }
    if usable > crate::limits::MAX_ARTICLES {
        return Err(bad(
            "articles",
            format!("{usable} articles, more than one bulletin takes ({})", crate::limits::MAX_ARTICLES),
        ));
    }
    let title = get::<String>(&map, "title")?;
    if let Some(t) = &title {
        if t.trim().is_empty() || t.chars().count() > 300 || t.contains('\n') {
            return Err(bad("title", "`title` must be one line of 1 to 300 characters".into()));
        }
    }
    let date = match get::<String>(&map, "date")? {
        Some(d) => crate::bulletin::plan::Date::parse(&d)
            .ok_or_else(|| bad("date", format!("`date` '{d}' is not a date YYYY-MM-DD")))?,
        None => crate::bulletin::plan::Date::today(),
    };
    let voice = get::<String>(&map, "voice")?.unwrap_or_else(|| crate::synth::Voice::builtin_names()[0].to_string());
    // Built-in names only: a voice given as a file path would let clients read server files.
    if crate::synth::Voice::builtin(&voice).is_err() {
        return Err(bad("voice", format!("unknown voice '{voice}' (see GET /v1/voices)")));
    }
    let known = crate::encode::Format::NAMES.join(", ");
    let formats: Vec<String> = match (get::<String>(&map, "format")?, get::<Vec<String>>(&map, "formats")?) {
        (Some(_), Some(_)) => return Err(bad("format", "give `format` or `formats`, not both".into())),
        (Some(f), None) => vec![f],
        (None, Some(fs)) if fs.is_empty() => return Err(bad("formats", "`formats` is empty".into())),
        (None, Some(fs)) => fs,
        (None, None) => vec!["wav".into()],
    };
    let field = if map.contains_key("format") { "format" } else { "formats" };
    let mut canonical = Vec::new();
    for f in &formats {
        let Some(c) = format_name(f) else {
            return Err(bad(field, format!("unknown format '{f}' (this build makes {known})")));
        };
        if !canonical.iter().any(|x| x == c) {
            canonical.push(c.to_string());
        }
    }
    let rate = get::<f32>(&map, "rate")?.unwrap_or(1.0);
    if !(0.25..=4.0).contains(&rate) {
        return Err(bad("rate", format!("rate {rate} is out of range (0.25 to 4)")));
    }
    let pitch = get::<f32>(&map, "pitch")?.unwrap_or(1.0);
    if !(0.5..=2.0).contains(&pitch) {
        return Err(bad("pitch", format!("pitch {pitch} is out of range (0.5 to 2)")));
    }
    let rates = crate::render::wav::SAMPLE_RATES;
    let sample_rate = get::<u32>(&map, "sample_rate")?.unwrap_or_else(|| crate::backend::native_sample_rate(&voice));
    if !rates.contains(&sample_rate) {
        let list = rates.map(|r| r.to_string()).join(", ");
        return Err(bad("sample_rate", format!("unsupported sample rate {sample_rate} (use one of {list})")));
    }
    let spec = Spec {
        title,
        date: date.iso(),
        voice,
        formats: canonical,
        html: get::<bool>(&map, "html")?.unwrap_or(false),
        split: get::<bool>(&map, "split")?.unwrap_or(false),
        intro: get::<bool>(&map, "intro")?.unwrap_or(true),
        keep_going,
        rate,
        pitch,
        sample_rate,
    };
    Ok((spec, articles))
}

/// The answer of every bulletin route on a server without `--data-dir`.
fn no_store() -> Response {
    error(StatusCode::NOT_FOUND, None, "bulletin jobs need a data directory: samachar serve --data-dir DIR")
}

fn not_found() -> Response {
    error(StatusCode::NOT_FOUND, None, "no such bulletin job or file")
}

/// `POST /v1/bulletins`.
pub(super) async fn submit(State(st): State<Shared>, req: Request) -> Response {
    let Some(store) = st.bulletins.clone() else { return no_store() };
    let limit = store.settings.max_body;
    let body: Bytes = match axum::body::to_bytes(req.into_body(), limit).await {
        Ok(b) => b,
        Err(_) => return error(StatusCode::PAYLOAD_TOO_LARGE, None, format!("request body over {limit} bytes")),
    };
    // Reading the feed (SSML included) is real work: off the async workers.
    tokio::task::spawn_blocking(move || store.create(&body))
        .await
        .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, None, "cannot make the job"))
}

/// `GET /v1/bulletins/{id}`.
pub(super) async fn status(State(st): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    let Some(store) = st.bulletins.clone() else { return no_store() };
    if !valid_id(&id) {
        return not_found();
    }
    tokio::task::spawn_blocking(move || {
        let dir = store.root.join(&id);
        match (read_json::<JobState>(&dir.join(JOB)), read_json::<Spec>(&dir.join(SPEC))) {
            (Ok(job), Ok(spec)) => axum::Json(store.describe(&id, &job, &spec)).into_response(),
            _ => not_found(),
        }
    })
    .await
    .unwrap_or_else(|_| not_found())
}

/// `DELETE /v1/bulletins/{id}`: 204, 404, or 409 while it is being built.
pub(super) async fn delete(State(st): State<Shared>, UrlPath(id): UrlPath<String>) -> Response {
    let Some(store) = st.bulletins.clone() else { return no_store() };
    if !valid_id(&id) {
        return not_found();
    }
    tokio::task::spawn_blocking(move || {
        let dir = store.root.join(&id);
        if !dir.join(JOB).is_file() {
            return not_found();
        }
        let Some(_lock) = try_lock(&dir) else {
            return error(StatusCode::CONFLICT, None, "the job is being built; delete it when it is done");
        };
        {
            let mut q = store.lock_queue();
            q.ids.retain(|i| *i != id);
            q.known.remove(&id);
        }
        // Renamed first, so the job is gone at once for every server, then removed.
        let gone = store.root.join(format!(".del-{id}"));
        if std::fs::rename(&dir, &gone).is_err() {
            return error(StatusCode::INTERNAL_SERVER_ERROR, None, "cannot delete the job");
        }
        let _ = std::fs::remove_dir_all(&gone);
        StatusCode::NO_CONTENT.into_response()
    })
    .await
    .unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, None, "cannot delete the job"))
}

/// `GET /v1/bulletins/{id}/files/{format}/{name}`.
pub(super) async fn file(
    State(st): State<Shared>,
    UrlPath((id, fmt, name)): UrlPath<(String, String, String)>,
    headers: HeaderMap,
) -> Response {
    let Some(store) = st.bulletins.clone() else { return no_store() };
    if !valid_id(&id) || format_name(&fmt) != Some(fmt.as_str()) || servable(&name).is_none() {
        return not_found();
    }
    let root = store.root.clone();
    let opened = {
        let name = name.clone();
        tokio::task::spawn_blocking(move || super::files::open_beneath(&root, &[&id, OUT, &fmt, &name])).await
    };
    match opened {
        Ok(Ok(f)) => super::files::respond(f, &name, &headers),
        _ => not_found(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_bulletin_files_are_servable() {
        assert_eq!(servable("bulletin.wav"), Some("audio"));
        assert_eq!(servable("bulletin.mp3"), Some("audio"));
        assert_eq!(servable("bulletin.vtt"), Some("vtt"));
        assert_eq!(servable("article-001.flac"), Some("articles"));
        assert_eq!(servable("index.html"), Some("page"));
        for no in [
            "job.json",
            "request.json",
            "articles.json",
            "lock",
            "bulletin.wave",
            "..",
            "render.f32.wav",
            "article-x.wav",
        ] {
            assert_eq!(servable(no), None, "{no}");
        }
    }

    #[test]
    fn ids_are_32_hex_digits_and_new_ones_differ() {
        let (a, b) = (new_id().unwrap(), new_id().unwrap());
        assert!(valid_id(&a) && valid_id(&b) && a != b);
        assert!(!valid_id("..") && !valid_id(&a.to_uppercase()) && !valid_id(&a[1..]));
    }

    #[test]
    fn requests_are_checked_field_by_field() {
        let feed = r#"[{"title": "पहली ख़बर", "body": "आज बारिश हुई।"}]"#;
        let (spec, articles) = parse_request(feed.as_bytes()).unwrap();
        assert_eq!(spec.formats, ["wav"]);
        assert_eq!(articles, feed);
        let field = |body: String| parse_request(body.as_bytes()).unwrap_err().0;
        assert_eq!(field(format!(r#"{{"articles": {feed}, "formats": ["ogg"]}}"#)).as_deref(), Some("formats"));
        assert_eq!(field(format!(r#"{{"articles": {feed}, "voice": "../x"}}"#)).as_deref(), Some("voice"));
        assert_eq!(field(format!(r#"{{"articles": {feed}, "rate": "fast"}}"#)).as_deref(), Some("rate"));
        assert_eq!(field(format!(r#"{{"articles": {feed}, "colour": 1}}"#)).as_deref(), Some("colour"));
        assert_eq!(field(r#"{"articles": [{"title": "x"}]}"#.into()).as_deref(), Some("articles"));
        assert_eq!(field("{".into()), None);
    }
}
