//! Bulletins: many articles → one finished bulletin directory.
//!
//! In: article files, directories, stdin, RSS/Atom/JSON feeds ([`input`]). Out: a
//! directory holding `bulletin.wav` (loudness-normalized, with chapter marks),
//! `bulletin.srt`, `bulletin.vtt`, `manifest.json`, and on request one WAV per article and
//! `index.html`. The structure comes from [`plan`], the audio from [`crate::render`]
//! (streamed to a float WAV on disk), then [`loudness`] makes a second pass over that file.
//! Everything is written into a hidden temporary directory beside the target and renamed
//! into place at the end, so a failed run never leaves a half-written bulletin, and nothing
//! at the target is replaced but a previous bulletin under `--force` ([`staging`]).

pub mod captions;
pub mod html;
pub mod input;
pub mod loudness;
pub mod manifest;
pub mod plan;
pub mod podcast;
pub mod publish;
mod staging;
pub mod transcript;
pub mod wavchunks;

use std::io::Read;
use std::path::{Path, PathBuf};

use crate::render::{Engine, EngineOptions, Gap, Sink, Unit};
use crate::{Error, Result};

use self::plan::{Date, Role};
use self::staging::Staging;

/// Everything `samachar bulletin` was asked to do.
#[derive(Debug, Clone)]
pub struct Options {
    /// Inputs: files, directories, `-`, feeds.
    pub inputs: Vec<String>,
    /// The output directory (default `output/<date>-<slug>`).
    pub out_dir: Option<PathBuf>,
    /// The title for the opening line (default "आज की ख़बरें").
    pub title: Option<String>,
    /// The bulletin date (default today, UTC).
    pub date: Option<Date>,
    /// Voice name or path.
    pub voice: String,
    /// Rate, pitch, volume, sample rate.
    pub engine: EngineOptions,
    /// User lexicons (`word<TAB>phones`) that override the built-in one; a later file overrides an earlier one.
    pub lexicons: Vec<PathBuf>,
    /// Loudness target.
    pub loudness: loudness::Target,
    /// Speak the opening line.
    pub intro: bool,
    /// Also write one WAV per article.
    pub split: bool,
    /// Also write `index.html`.
    pub html: bool,
    /// Play the finished bulletin.
    pub play: bool,
    /// Skip inputs that cannot be used instead of stopping.
    pub keep_going: bool,
    /// Replace a previous bulletin at the output directory (only a directory with a
    /// samachar `manifest.json`).
    pub force: bool,
    /// Show a progress bar on stderr.
    pub progress: bool,
    /// Audio format of the bulletin (and of the `--split` files).
    pub format: crate::encode::Format,
    /// A podcast feed to add the bulletin to.
    pub feed: Option<podcast::FeedOptions>,
    /// Who publishes the bulletin: the encoded files' artist and publisher tags (ID3 `TPE1`
    /// and `TPUB`, Vorbis `ARTIST` and `ORGANIZATION`) and a new feed's `itunes:author`.
    /// `None` writes none of them.
    pub publisher: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            inputs: Vec::new(),
            out_dir: None,
            title: None,
            date: None,
            voice: crate::synth::Voice::builtin_names()[0].to_string(),
            engine: EngineOptions::default(),
            lexicons: Vec::new(),
            loudness: loudness::Target::default(),
            intro: true,
            split: false,
            html: false,
            play: false,
            keep_going: false,
            force: false,
            progress: false,
            format: crate::encode::Format::Wav,
            feed: None,
            publisher: None,
        }
    }
}

/// What a finished build produced.
#[derive(Debug, Clone)]
pub struct Summary {
    /// The bulletin directory.
    pub dir: PathBuf,
    /// The manifest as written.
    pub manifest: manifest::Manifest,
}

/// Names of the files in a bulletin directory.
pub mod files {
    /// The bulletin audio.
    pub const WAV: &str = "bulletin.wav";
    /// SubRip captions.
    pub const SRT: &str = "bulletin.srt";
    /// WebVTT captions.
    pub const VTT: &str = "bulletin.vtt";
    /// The manifest.
    pub const MANIFEST: &str = "manifest.json";
    /// The listening page.
    pub const HTML: &str = "index.html";
    /// Podcasting 2.0 JSON chapters (version 1.2).
    pub const CHAPTERS: &str = "chapters.json";
    /// Podcasting 2.0 JSON transcript (one segment per sentence).
    pub const TRANSCRIPT: &str = "transcript.json";
    /// The un-normalized render (temporary, removed before the directory is published).
    pub(crate) const RAW: &str = "render.f32.wav";

    /// Returns the file name of article `index` (1-based) under `--split`.
    pub fn article(index: usize) -> String {
        format!("article-{index:03}.wav")
    }

    /// Returns the file name of the bulletin audio in `format`.
    pub fn audio(format: crate::encode::Format) -> String {
        format!("bulletin.{}", format.extension())
    }

    /// Returns the file name of article `index` (1-based) in `format` under `--split`.
    pub fn article_in(index: usize, format: crate::encode::Format) -> String {
        format!("article-{index:03}.{}", format.extension())
    }
}

/// The longest slug, in bytes (about 26 Devanagari letters, 80 Latin ones): the default
/// directory name `DATE-SLUG` and its hidden temporaries stay well inside the 255-byte limit
/// on a file name.
pub const SLUG_MAX_BYTES: usize = 80;

/// Returns true for a Devanagari sign that belongs to the letter before it (vowel signs,
/// nukta, virama, candrabindu, anusvara, visarga): a slug is never cut just before one.
fn is_dependent_sign(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}' | '\u{0951}'..='\u{0957}' | '\u{0962}'..='\u{0963}')
}

/// Turns a title into a directory-name slug: letters and digits of any script (with
/// Devanagari vowel signs) kept, everything else collapsed to single dashes, at most
/// [`SLUG_MAX_BYTES`] (cut between letters, never inside a letter with its signs or a
/// conjunct).
pub fn slug(title: &str) -> String {
    let mut out = String::new();
    for c in title.chars() {
        let keep = c.is_alphanumeric() || (('\u{0900}'..='\u{097F}').contains(&c) && !matches!(c, '।' | '॥' | '॰'));
        if keep {
            out.extend(c.to_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    if out.len() > SLUG_MAX_BYTES {
        let mut cut = crate::publish::floor_char_boundary(&out, SLUG_MAX_BYTES);
        // Back off while the cut would split a letter from its signs, or a conjunct at a virama.
        while cut > 0 {
            let next = out[cut..].chars().next();
            let prev = out[..cut].chars().next_back();
            if next.is_some_and(is_dependent_sign) || prev == Some('\u{094D}') {
                cut = crate::publish::floor_char_boundary(&out, cut - 1);
            } else {
                break;
            }
        }
        out.truncate(cut);
    }
    let out = out.trim_end_matches('-').to_string();
    if out.is_empty() {
        "bulletin".into()
    } else {
        out
    }
}

/// Returns the default output directory: `output/<date>-<slug of title>` or
/// `output/<date>-bulletin` without a title.
pub fn default_dir(title: Option<&str>, date: Date) -> PathBuf {
    PathBuf::from("output").join(format!("{}-{}", date.iso(), title.map_or_else(|| "bulletin".into(), slug)))
}

/// Writes the render as 32-bit float WAV (headroom for the loudness pass) and reports
/// progress.
struct RenderSink<'a> {
    wav: Option<loudness::FloatWavWriter>,
    bar: Option<indicatif::ProgressBar>,
    /// Article index (0-based) per unit, for the progress message.
    unit_article: &'a [Option<usize>],
    articles: usize,
    sample_rate: u32,
}

impl Sink for RenderSink<'_> {
    fn unit(&mut self, index: usize, unit: &Unit, start: u64, samples: &[f32]) -> Result<()> {
        if let Some(w) = self.wav.as_mut() {
            w.write(samples)?;
        }
        if let Some(bar) = &self.bar {
            if unit.sentence().is_some() {
                bar.inc(1);
            }
            let art = self.unit_article.get(index).copied().flatten().map_or(0, |a| a + 1);
            let minutes = (start + samples.len() as u64) as f64 / self.sample_rate as f64 / 60.0;
            bar.set_message(format!("article {art}/{} · {minutes:.1} min audio", self.articles));
        }
        Ok(())
    }

    fn silence(&mut self, _start: u64, len: u64) -> Result<()> {
        if let Some(w) = self.wav.as_mut() {
            w.silence(len)?;
        }
        Ok(())
    }
}

/// Encodes the finished WAV `src` into `dst` (streaming) and removes `src`.
fn transcode(
    src: &Path,
    dst: &Path,
    format: crate::encode::Format,
    rate: u32,
    tags: &crate::encode::Tags,
) -> Result<()> {
    publish::encode_file(src, dst, format, rate, tags)?;
    std::fs::remove_file(src).map_err(|err| Error::Io { path: src.to_path_buf(), err })
}

/// Podcasting 2.0 JSON chapters, version 1.2 (<https://github.com/Podcastindex-org/podcast-namespace>,
/// `chapters/jsonChapters.md`): one chapter per article, starting at its first sample.
fn chapters_json(arts: &[manifest::ArticleEntry]) -> String {
    let chapters: Vec<serde_json::Value> = arts
        .iter()
        .map(|e| serde_json::json!({ "startTime": e.start, "endTime": e.end, "title": e.headline }))
        .collect();
    let v = serde_json::json!({ "version": "1.2.0", "chapters": chapters });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

/// Returns the manifest's words (from the render's word spans, [`crate::render::words`]) and,
/// per sentence cue in order, where each of its written words starts (for the VTT tags).
fn word_entries(
    units: &[Unit],
    rendered: &crate::render::Rendered,
    unit_ids: &[Option<String>],
    rate: u32,
) -> (Vec<manifest::WordEntry>, Vec<Vec<captions::CueWord>>) {
    let mut entries = Vec::with_capacity(rendered.words.len());
    let mut cue_words: Vec<Vec<captions::CueWord>> = vec![Vec::new(); unit_ids.iter().flatten().count()];
    for w in crate::render::words::list(units, rendered) {
        let Some(id) = unit_ids.get(w.unit).cloned().flatten() else { continue };
        let cw = &mut cue_words[w.sentence - 1];
        if cw.last().is_none_or(|c| c.token != w.token) {
            cw.push(captions::CueWord { token: w.token, start: w.start });
        }
        entries.push(manifest::WordEntry {
            sentence: id,
            text: w.text,
            token: w.token,
            written: w.written,
            start: secs(w.start, rate),
            end: secs(w.end, rate),
            start_sample: w.start,
            end_sample: w.end,
        });
    }
    (entries, cue_words)
}

fn secs(sample: u64, rate: u32) -> f64 {
    sample as f64 / f64::from(rate)
}

/// Builds a bulletin. `stdin` serves a `-` input; `warn` receives one-line notices (skipped
/// inputs) that are not errors.
pub fn build(opts: &Options, stdin: &mut dyn Read, warn: &mut dyn FnMut(&str)) -> Result<Summary> {
    let date = opts.date.unwrap_or_else(Date::today);
    let target = opts.out_dir.clone().unwrap_or_else(|| default_dir(opts.title.as_deref(), date));
    // Refuse an existing target (or, with --force, anything but a previous bulletin) and an
    // input's directory before doing any work; publishing checks again, atomically.
    staging::check(&target, opts.force, &opts.inputs)?;
    if opts.inputs.is_empty() {
        return Err(Error::Other("no input given (article files, directories, feeds, or - for stdin)".into()));
    }
    if let Some(f) = &opts.feed {
        podcast::check(f)?;
    }
    let backend = crate::backend::open(&opts.voice, &opts.engine)?;
    let g2p = crate::g2p::G2p::with_lexicons(&opts.lexicons, true)?;

    let loaded = input::load(&opts.inputs, stdin);
    if !loaded.ignored.is_empty() {
        let names: Vec<&str> = loaded.ignored.iter().map(|i| i.file.as_str()).collect();
        warn(&format!(
            "not reading {} file{} of input directories that {} no article or feed (.{}), hidden, or subdirectories: {}",
            names.len(),
            if names.len() == 1 { "" } else { "s" },
            if names.len() == 1 { "is" } else { "are" },
            input::DIR_EXTENSIONS.join(", ."),
            names.join(", ")
        ));
    }
    let ignored_files: Vec<manifest::IgnoredFile> =
        loaded.ignored.into_iter().map(|i| manifest::IgnoredFile { file: i.file, reason: i.reason }).collect();
    let mut articles = Vec::new();
    let mut skipped = Vec::new();
    for item in loaded.items {
        match item {
            Ok(a) => {
                for w in &a.warnings {
                    warn(w);
                }
                articles.push(a)
            }
            Err(u) if opts.keep_going => {
                warn(&format!("skipping {}", u.error));
                let source = u.item.map_or_else(|| u.file.clone(), |i| format!("{}#{i}", u.file));
                // The reason names the input as published, not by the path it was given as.
                let mut reason = u.error.to_string();
                if !u.given.is_empty() {
                    reason = reason.replace(&u.given, &u.file);
                }
                skipped.push(manifest::Skipped { source, file: u.file, item: u.item, reason });
            }
            Err(u) => return Err(*u.error),
        }
    }
    if articles.is_empty() {
        return Err(Error::Article {
            source: opts.inputs.join(", "),
            problem: "no article with speakable text to make a bulletin from".into(),
        });
    }
    if opts.play && opts.format != crate::encode::Format::Wav {
        return Err(Error::Other(format!(
            "--play works with --format wav only (not {}); play the file with your player",
            opts.format.extension()
        )));
    }
    if articles.len() > crate::limits::MAX_ARTICLES {
        return Err(Error::Other(format!(
            "{}: {} articles, more than one bulletin takes ({}); split them into several bulletins",
            opts.inputs.join(", "),
            articles.len(),
            crate::limits::MAX_ARTICLES
        )));
    }
    // Without an audio device the bulletin is still written: playback is then only a warning.
    let player = match opts.play.then(|| crate::render::play::Player::open(opts.engine.sample_rate)) {
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => {
            warn(&format!("{e}; writing the bulletin without playing it"));
            None
        }
        None => None,
    };

    let title = opts.title.clone().unwrap_or_else(|| plan::DEFAULT_TITLE.to_string());
    let plan = plan::plan(&articles, &plan::PlanOptions { title: title.clone(), date, intro: opts.intro });
    let engine = Engine::with_backend(g2p, backend, opts.engine.rate);
    let rate = engine.sample_rate();
    let chime: std::sync::Arc<[f32]> = plan::chime(rate).into();
    let units: Vec<Unit> = plan
        .items
        .iter()
        .map(|it| match &it.sentence {
            Some(s) => Unit::Sentence { sentence: s.clone(), gap: it.pause },
            None => Unit::Audio { samples: chime.clone(), gap: it.pause },
        })
        .collect();
    let unit_article: Vec<Option<usize>> = plan.items.iter().map(|i| i.article).collect();
    // Refuse a bulletin too long for one WAV before rendering (the render writer also stops
    // at once if it runs over).
    let projected = engine.projected_samples(&units);
    if projected > loudness::FLOAT_MAX_SAMPLES {
        return Err(Error::Other(format!(
            "{}: the bulletin would last {:.1} h, longer than one WAV file holds at {rate} Hz ({:.1} h); use fewer articles or a lower --sample-rate",
            opts.inputs.join(", "),
            crate::render::wav::hours(projected, rate),
            crate::render::wav::hours(loudness::FLOAT_MAX_SAMPLES, rate)
        )));
    }

    let staging = Staging::new(&target, opts.force)?;
    let raw = staging.path(files::RAW);
    let wav = loudness::FloatWavWriter::create(&raw, rate)?;
    let bar = opts.progress.then(|| {
        let bar = indicatif::ProgressBar::with_draw_target(
            Some(plan.sentence_count() as u64),
            indicatif::ProgressDrawTarget::stderr(),
        );
        if let Ok(style) = indicatif::ProgressStyle::with_template("{bar:30} {pos}/{len} sentences · {msg} · ETA {eta}")
        {
            bar.set_style(style);
        }
        bar
    });
    let mut sink =
        RenderSink { wav: Some(wav), bar, unit_article: &unit_article, articles: articles.len(), sample_rate: rate };
    let rendered = engine.render(&units, &mut sink)?;
    // The bar stays up, with a note, through the loudness pass that follows.
    let bar = sink.bar.take();
    if let Some(bar) = &bar {
        bar.set_message(format!("{:.1} min audio · normalizing loudness", rendered.seconds() / 60.0));
        bar.enable_steady_tick(std::time::Duration::from_millis(200));
    }
    if let Some(w) = sink.wav.take() {
        w.finish()?;
    }

    // Sentences (cues) and articles from the exact sample spans.
    let mut sentences = Vec::new();
    let mut cues = Vec::new();
    let mut art_entries: Vec<manifest::ArticleEntry> = articles
        .iter()
        .enumerate()
        .map(|(i, a)| manifest::ArticleEntry {
            index: i + 1,
            source: a.source.clone(),
            headline: a.headline.clone(),
            start: 0.0,
            end: 0.0,
            start_sample: u64::MAX,
            end_sample: 0,
            sentences: Vec::new(),
            file: opts.split.then(|| files::article_in(i + 1, opts.format)),
        })
        .collect();
    // The sentence id of each unit, for the marks.
    let mut unit_ids: Vec<Option<String>> = Vec::with_capacity(plan.items.len());
    for (item, span) in plan.items.iter().zip(&rendered.spans) {
        let Some(s) = &item.sentence else {
            unit_ids.push(None);
            continue;
        };
        let id = format!("s{}", sentences.len() + 1);
        unit_ids.push(Some(id.clone()));
        let role = match item.role {
            Role::Intro => "intro",
            Role::Headline => "headline",
            Role::Body => "body",
            Role::Closing | Role::Chime => "closing",
        };
        if let Some(a) = item.article {
            let e = &mut art_entries[a];
            e.start_sample = e.start_sample.min(span.start);
            e.end_sample = e.end_sample.max(span.end);
            e.sentences.push(id.clone());
        }
        cues.push(captions::Cue {
            id: id.clone(),
            start: span.start,
            end: span.end,
            text: s.text.clone(),
            words: Vec::new(),
        });
        sentences.push(manifest::SentenceEntry {
            id,
            role: role.into(),
            article: item.article.map(|a| a + 1),
            text: s.text.clone(),
            start: secs(span.start, rate),
            end: secs(span.end, rate),
            start_sample: span.start,
            end_sample: span.end,
        });
    }
    let marks: Vec<manifest::MarkEntry> = rendered
        .marks
        .iter()
        .filter_map(|m| {
            let id = unit_ids.get(m.unit)?.clone()?;
            Some(manifest::MarkEntry {
                name: m.name.clone(),
                article: plan.items[m.unit].article.map(|a| a + 1),
                sentence: id,
                time: secs(m.sample, rate),
                sample: m.sample,
            })
        })
        .collect();
    let (words, cue_words) = word_entries(&units, &rendered, &unit_ids, rate);
    for (c, w) in cues.iter_mut().zip(cue_words) {
        c.words = w;
    }
    for e in &mut art_entries {
        if e.start_sample == u64::MAX {
            e.start_sample = 0;
        }
        e.start = secs(e.start_sample, rate);
        e.end = secs(e.end_sample, rate);
    }

    // Second pass: loudness over the file on disk, writing the final WAV (and slices).
    let wav_path = staging.path(files::WAV);
    let slices: Vec<loudness::Slice> = if opts.split {
        art_entries
            .iter()
            .map(|e| loudness::Slice {
                start: e.start_sample,
                end: e.end_sample,
                path: staging.path(&files::article(e.index)),
            })
            .collect()
    } else {
        Vec::new()
    };
    let chapters: Vec<wavchunks::Chapter> = art_entries
        .iter()
        .map(|e| wavchunks::Chapter { sample: e.start_sample as u32, label: format!("{}. {}", e.index, e.headline) })
        .collect();
    let audio_file = files::audio(opts.format);
    let tags = crate::encode::Tags {
        title: title.clone(),
        artist: opts.publisher.clone().unwrap_or_default(),
        date: date.iso(),
        language: "hin".into(),
        comment: format!("samachar {}", env!("CARGO_PKG_VERSION")),
        chapters: art_entries
            .iter()
            .map(|e| crate::encode::Chapter {
                title: format!("{}. {}", e.index, e.headline),
                start: e.start_sample,
                end: e.end_sample,
            })
            .collect(),
    };
    // Normalized (and encoded, decoded and measured; the loudness pass is repeated if the
    // codec moved the level).
    let job = publish::Job {
        raw: &raw,
        wav: &wav_path,
        slices: &slices,
        target: opts.loudness,
        dst: &staging.path(&audio_file),
        format: opts.format,
        rate,
        tags: &tags,
    };
    let enc = publish::encode(&job, publish::first_aim(opts.loudness, opts.format))?;
    let (norm, published) = (enc.norm, enc.published);
    if opts.format == crate::encode::Format::Wav {
        // Cue points go into a published WAV only.
        wavchunks::append_chapters(&wav_path, &chapters)?;
    } else {
        // An encoder's input WAV is removed; the article files are transcoded from theirs.
        std::fs::remove_file(&wav_path).map_err(|err| Error::Io { path: wav_path.clone(), err })?;
        if opts.split {
            // One file per article, each on its own: encoded in parallel (the bytes of each
            // do not depend on the order or the thread count).
            use rayon::prelude::*;
            art_entries.par_iter().try_for_each(|e| {
                let src = staging.path(&files::article(e.index));
                let t = crate::encode::Tags { title: e.headline.clone(), chapters: Vec::new(), ..tags.clone() };
                transcode(&src, &staging.path(&files::article_in(e.index, opts.format)), opts.format, rate, &t)
            })?;
        }
    }

    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    // Judged on the published file (an MP3 as decoded), against the target asked for.
    let reached = published.lufs.is_some_and(|l| (l - opts.loudness.lufs).abs() <= 0.5);
    if !reached {
        if let Some(l) = published.lufs {
            warn(&format!(
                "loudness target {:.1} LUFS not reached: the bulletin is {l:.1} LUFS, held back by the true-peak ceiling of {:.1} dBTP",
                opts.loudness.lufs, opts.loudness.max_true_peak
            ));
        }
    }
    std::fs::remove_file(&raw).map_err(|err| Error::Io { path: raw.clone(), err })?;

    let write = |name: &str, text: &str| -> Result<()> {
        let p = staging.path(name);
        std::fs::write(&p, text).map_err(|err| Error::Io { path: p, err })
    };
    write(files::CHAPTERS, &chapters_json(&art_entries))?;
    write(files::TRANSCRIPT, &transcript::json(&sentences, &words))?;
    write(files::SRT, &captions::srt(&cues, rate))?;
    write(files::VTT, &captions::vtt(&cues, rate))?;
    let manifest = manifest::Manifest {
        format: manifest::FORMAT,
        samachar_version: env!("CARGO_PKG_VERSION").into(),
        title,
        date: date.iso(),
        intro: plan.intro.clone(),
        closing: plan.closing.clone(),
        voice: manifest::VoiceInfo { name: manifest::public_voice(&opts.voice), parameters: engine.parameters() },
        settings: manifest::Settings {
            rate: opts.engine.rate,
            pitch: opts.engine.pitch,
            volume: opts.engine.volume,
            sample_rate: rate,
            loudness_target_lufs: opts.loudness.lufs,
            true_peak_max_dbtp: opts.loudness.max_true_peak,
            intro: opts.intro,
            split: opts.split,
            keep_going: opts.keep_going,
        },
        audio: manifest::AudioInfo {
            file: audio_file.clone(),
            sample_rate: rate,
            samples: rendered.total_samples,
            duration: secs(rendered.total_samples, rate),
            integrated_lufs: published.lufs,
            true_peak_dbtp: published.true_peak,
            gain_db: norm.gain_db,
        },
        captions: manifest::CaptionFiles { srt: files::SRT.into(), vtt: files::VTT.into() },
        html: opts.html.then(|| files::HTML.to_string()),
        articles: art_entries,
        sentences,
        word_timings: rendered.word_timings,
        words,
        marks,
        loudness: manifest::LoudnessInfo {
            target_lufs: opts.loudness.lufs,
            measured_lufs: published.lufs,
            true_peak_max_dbtp: opts.loudness.max_true_peak,
            true_peak_dbtp: published.true_peak,
            reached,
        },
        skipped,
        ignored_files,
    };
    if opts.html {
        write(files::HTML, &html::page(&manifest))?;
    }
    write(files::MANIFEST, &manifest.to_json())?;
    let dir = staging.publish()?;
    if let Some(f) = &opts.feed {
        let ep = podcast::episode(f, &dir, &manifest, opts.format.mime())?;
        let channel = podcast::Channel {
            title: manifest.title.clone(),
            description: manifest.title.clone(),
            author: opts.publisher.clone().unwrap_or_default(),
        };
        podcast::update(f, &channel, &ep)?;
    }

    if let Some(mut p) = player {
        let wav = dir.join(files::WAV);
        let mut pos = 0u64;
        loudness::for_each_block(&wav, |b| {
            let unit = Unit::Audio { samples: Vec::new().into(), gap: Gap::None };
            p.unit(0, &unit, pos, b)?;
            pos += b.len() as u64;
            Ok(())
        })?;
        p.finish();
    }
    Ok(Summary { dir, manifest })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs_keep_letters_of_any_script() {
        assert_eq!(slug("आज की ख़बरें"), "आज-की-ख़बरें");
        assert_eq!(slug("Morning News, 26/11!"), "morning-news-26-11");
        assert_eq!(slug("।।"), "bulletin");
    }

    #[test]
    fn a_long_title_makes_a_slug_of_at_most_80_bytes_cut_between_letters() {
        let latin = slug(&"Morning news ".repeat(40));
        assert!(latin.len() <= SLUG_MAX_BYTES && latin.len() > 70, "{latin}");
        assert!(!latin.ends_with('-'), "{latin}");
        // क्षेत्रीय: conjuncts and vowel signs; every cut point must keep letters whole.
        for pad in 0..4 {
            let title = format!("{}{}", "a".repeat(pad), " क्षेत्रीय समाचार".repeat(20));
            let s = slug(&title);
            assert!(s.len() <= SLUG_MAX_BYTES, "{} bytes", s.len());
            let last = s.chars().next_back().unwrap();
            assert!(last != '\u{094D}', "cut after a virama: {s}");
            let mut words = vec!["a".repeat(pad)];
            words.retain(|w| !w.is_empty());
            words.extend(std::iter::repeat_n(["क्षेत्रीय".to_string(), "समाचार".to_string()], 20).flatten());
            let full = words.join("-");
            assert!(full.starts_with(&s), "{s}");
            let next = full[s.len()..].chars().next();
            assert!(!next.is_some_and(is_dependent_sign), "cut before a sign: {s}");
        }
        let dir = default_dir(Some(&"बहुत लंबा शीर्षक ".repeat(50)), Date::parse("2026-11-26").unwrap());
        assert!(dir.file_name().unwrap().len() <= 11 + SLUG_MAX_BYTES, "{}", dir.display());
    }
}
