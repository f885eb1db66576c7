//! Rendering: speech [`Unit`]s → ordered audio, synthesized in parallel and streamed.
//!
//! In: a sequence of units (sentences, each tagged with the [`Gap`] that follows it, or
//! ready-made audio such as a chime). Out: samples delivered **in input order** to a
//! [`Sink`] (a WAV file, playback, a bulletin writer) while later sentences are still being
//! synthesized, plus the exact sample span of every unit ([`Rendered`]).
//!
//! Sentences are synthesized one per rayon task; at most a bounded window of them is in
//! flight or waiting to be written, so memory holds a few sentences, never the whole
//! output. Each sentence's samples depend only on the sentence and the engine, and the
//! writer emits them in input order, so the output is the same whatever the thread count
//! or timing.
//!
//! ```
//! use samachar::render::{Engine, EngineOptions, VecSink, units_from_document};
//! let voice = samachar::synth::Voice::load("default").unwrap();
//! let engine = Engine::new(&voice, &EngineOptions::default());
//! let doc = samachar::text::parse("नमस्ते। कमला।");
//! let units = units_from_document(&doc);
//! let mut sink = VecSink::default();
//! let rendered = engine.render(&units, &mut sink).unwrap();
//! assert_eq!(rendered.total_samples, sink.samples.len() as u64);
//! ```

use std::collections::VecDeque;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

use std::sync::Arc;

use crate::backend::Backend;
use crate::g2p::G2p;
use crate::synth::Voice;
use crate::text::{BlockKind, Document, Ending, Sentence};
use crate::{Error, Result};

pub mod play;
pub mod timings;
pub mod wav;
pub mod words;

/// The pause that follows a unit, chosen from document structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Gap {
    /// No pause (the last unit of a text, or audio that carries its own silence).
    None,
    /// A phrase cut from a long sentence continues.
    Comma,
    /// Between sentences of a paragraph.
    Sentence,
    /// After the last sentence of a paragraph.
    Paragraph,
    /// After a heading or headline.
    Heading,
    /// Between articles of a bulletin.
    Article,
}

/// Pause lengths in seconds at rate 1.0; the engine divides them by the speaking rate.
///
/// Why these values: silent pauses in read speech fall into brief (< 0.2 s), medium
/// (0.2–1 s) and long (> 1 s) classes (Campione & Véronis 2002, "A large-scale
/// multilingual study of silent pause duration", Speech Prosody). Phrase and sentence
/// breaks sit in the medium class, paragraph and heading breaks at its top, and the
/// article break in the long class; the exact points are our editorial choice.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct PauseLengths {
    /// After a phrase of a split sentence.
    pub comma: f32,
    /// Between sentences.
    pub sentence: f32,
    /// After a paragraph.
    pub paragraph: f32,
    /// After a heading.
    pub heading: f32,
    /// Between articles.
    pub article: f32,
}

impl Default for PauseLengths {
    fn default() -> Self {
        PauseLengths { comma: 0.25, sentence: 0.55, paragraph: 0.85, heading: 1.0, article: 1.6 }
    }
}

impl PauseLengths {
    /// Returns the length in seconds of a gap at rate 1.0.
    pub fn seconds(&self, gap: Gap) -> f32 {
        match gap {
            Gap::None => 0.0,
            Gap::Comma => self.comma,
            Gap::Sentence => self.sentence,
            Gap::Paragraph => self.paragraph,
            Gap::Heading => self.heading,
            Gap::Article => self.article,
        }
    }
}

/// One thing to render, in output order.
#[derive(Debug, Clone, PartialEq)]
pub enum Unit {
    /// A sentence to synthesize, followed by a pause.
    Sentence {
        /// The sentence.
        sentence: Sentence,
        /// The pause after it.
        gap: Gap,
    },
    /// Ready-made mono samples at the engine's sample rate (e.g. a chime), written as they
    /// are, followed by a pause.
    Audio {
        /// The samples, in [-1, 1]; shared, so that a chime repeated between a thousand
        /// articles is held once.
        samples: std::sync::Arc<[f32]>,
        /// The pause after it.
        gap: Gap,
    },
}

impl Unit {
    /// Returns the pause that follows the unit.
    pub fn gap(&self) -> Gap {
        match self {
            Unit::Sentence { gap, .. } | Unit::Audio { gap, .. } => *gap,
        }
    }

    /// Returns the sentence, if the unit is one.
    pub fn sentence(&self) -> Option<&Sentence> {
        match self {
            Unit::Sentence { sentence, .. } => Some(sentence),
            Unit::Audio { .. } => None,
        }
    }
}

/// Turns a document into units: one per sentence, each followed by the pause its place in
/// the structure calls for; the last unit has no trailing pause.
pub fn units_from_document(doc: &Document) -> Vec<Unit> {
    into_units(doc.clone())
}

/// [`units_from_document`] consuming the document: the sentences are moved, not copied, so
/// a long text is held once, not twice.
pub fn into_units(doc: Document) -> Vec<Unit> {
    let mut units = Vec::new();
    for block in doc.blocks {
        let n = block.sentences.len();
        for (i, s) in block.sentences.into_iter().enumerate() {
            let gap = if i + 1 == n {
                match block.kind {
                    BlockKind::Heading => Gap::Heading,
                    BlockKind::Paragraph => Gap::Paragraph,
                }
            } else if s.ending == Ending::Continuation {
                Gap::Comma
            } else {
                Gap::Sentence
            };
            units.push(Unit::Sentence { sentence: s, gap });
        }
    }
    if let Some(Unit::Sentence { gap, .. } | Unit::Audio { gap, .. }) = units.last_mut() {
        *gap = Gap::None;
    }
    units
}

/// Where one unit's audio lies in the output, in samples from the start of the render.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Span {
    /// First sample of the unit's audio.
    pub start: u64,
    /// One past the last sample of the unit's audio (the pause after it is not included).
    pub end: u64,
    /// One past the last sample of the pause after it (the next unit's `start`).
    pub gap_end: u64,
}

/// What a render produced: exact sample spans, for captions and manifests.
#[derive(Debug, Clone, PartialEq)]
pub struct Rendered {
    /// One span per input unit, in input order.
    pub spans: Vec<Span>,
    /// Total samples delivered to the sink (audio and silence).
    pub total_samples: u64,
    /// Samples of unit audio (total minus pauses).
    pub audio_samples: u64,
    /// Sample rate of the samples.
    pub sample_rate: u32,
    /// The most units that were spawned but not yet written at any moment (the memory
    /// window; at most four per worker thread).
    pub peak_in_flight: usize,
    /// SSML marks in output order, with their sample positions.
    pub marks: Vec<MarkPos>,
    /// Every spoken word in output order, with its sample span (empty when the backend
    /// does not know word times: [`Engine::word_timings`]).
    pub words: Vec<WordPos>,
    /// Whether the backend gave word spans ([`Engine::word_timings`]); when false, `words`
    /// is empty and timings stay at sentence level.
    pub word_timings: bool,
}

impl Rendered {
    /// Returns the total duration in seconds.
    pub fn seconds(&self) -> f64 {
        self.total_samples as f64 / self.sample_rate as f64
    }
}

/// Receives rendered audio in input order.
///
/// Every sample the renderer produces reaches the sink exactly once, through either
/// method, with `start` equal to the number of samples delivered before it.
pub trait Sink {
    /// Receives the audio of unit `index` (which starts at sample `start`).
    fn unit(&mut self, index: usize, unit: &Unit, start: u64, samples: &[f32]) -> Result<()>;
    /// Receives `len` samples of silence starting at sample `start`.
    fn silence(&mut self, start: u64, len: u64) -> Result<()>;
}

impl<S: Sink + ?Sized> Sink for &mut S {
    fn unit(&mut self, index: usize, unit: &Unit, start: u64, samples: &[f32]) -> Result<()> {
        (**self).unit(index, unit, start, samples)
    }
    fn silence(&mut self, start: u64, len: u64) -> Result<()> {
        (**self).silence(start, len)
    }
}

/// Collects everything in memory (for tests and short texts; not for long output).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct VecSink {
    /// All samples so far, silences included.
    pub samples: Vec<f32>,
}

impl Sink for VecSink {
    fn unit(&mut self, _: usize, _: &Unit, _: u64, samples: &[f32]) -> Result<()> {
        self.samples.extend_from_slice(samples);
        Ok(())
    }
    fn silence(&mut self, _: u64, len: u64) -> Result<()> {
        self.samples.resize(self.samples.len() + len as usize, 0.0);
        Ok(())
    }
}

/// Sends everything to two sinks (e.g. a WAV file and playback), `A` first.
#[derive(Debug)]
pub struct Tee<A, B>(pub A, pub B);

impl<A: Sink, B: Sink> Sink for Tee<A, B> {
    fn unit(&mut self, index: usize, unit: &Unit, start: u64, samples: &[f32]) -> Result<()> {
        self.0.unit(index, unit, start, samples)?;
        self.1.unit(index, unit, start, samples)
    }
    fn silence(&mut self, start: u64, len: u64) -> Result<()> {
        self.0.silence(start, len)?;
        self.1.silence(start, len)
    }
}

impl<S: Sink> Sink for Option<S> {
    fn unit(&mut self, index: usize, unit: &Unit, start: u64, samples: &[f32]) -> Result<()> {
        match self {
            Some(s) => s.unit(index, unit, start, samples),
            None => Ok(()),
        }
    }
    fn silence(&mut self, start: u64, len: u64) -> Result<()> {
        match self {
            Some(s) => s.silence(start, len),
            None => Ok(()),
        }
    }
}

/// The samples of one sentence with its marks (name, sample offset from its first sample).
pub type MarkedSamples = (Vec<f32>, Vec<(String, u64)>);

/// A mark from markup, placed in the output.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct MarkPos {
    /// Index of the unit it belongs to.
    pub unit: usize,
    /// Its name.
    pub name: String,
    /// Sample from the start of the render.
    pub sample: u64,
}

/// A spoken word, placed in the output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct WordPos {
    /// Index of the unit (sentence) it belongs to.
    pub unit: usize,
    /// Index of its token in that sentence.
    pub token: usize,
    /// First sample of its first phone, from the start of the render.
    pub start: u64,
    /// One past the last sample of its last phone.
    pub end: u64,
}

/// Speaking options from the command line (the backends' [`crate::backend::Settings`]).
pub type EngineOptions = crate::backend::Settings;

/// Everything needed to turn sentences into samples; shared read-only by all tasks.
///
/// The engine drives a [`Backend`] and does not know which one; `new` and `with_g2p` are
/// shorthands for the built-in formant voice.
#[derive(Debug, Clone)]
pub struct Engine {
    g2p: G2p,
    backend: Arc<dyn Backend>,
    pauses: PauseLengths,
    rate: f32,
}

impl Engine {
    /// Builds an engine for a formant voice with the built-in pronunciation lexicon.
    pub fn new(voice: &Voice, opts: &EngineOptions) -> Engine {
        Engine::with_g2p(voice, opts, G2p::builtin())
    }

    /// Builds an engine for a formant voice with a given pronunciation stage (e.g. built-in
    /// lexicon plus user lexicons from `--lexicon`).
    pub fn with_g2p(voice: &Voice, opts: &EngineOptions, g2p: G2p) -> Engine {
        Engine::with_backend(g2p, Arc::new(crate::synth::Formant::new(voice, opts)), opts.rate)
    }

    /// Builds an engine from a pronunciation stage and a backend (see
    /// [`crate::backend::open`]). `rate` scales the structural pauses.
    pub fn with_backend(g2p: G2p, backend: Arc<dyn Backend>, rate: f32) -> Engine {
        Engine { g2p, backend, pauses: PauseLengths::default(), rate }
    }

    /// Replaces the structural pause lengths.
    pub fn with_pauses(mut self, pauses: PauseLengths) -> Engine {
        self.pauses = pauses;
        self
    }

    /// Returns the output sample rate.
    pub fn sample_rate(&self) -> u32 {
        self.backend.sample_rate()
    }

    /// Returns the backend's voice parameters (for manifests).
    pub fn parameters(&self) -> serde_json::Value {
        self.backend.parameters()
    }

    /// Returns true when renders carry every word's span ([`Rendered::words`]).
    pub fn word_timings(&self) -> bool {
        self.backend.word_timings()
    }

    /// Returns the structural pause lengths at rate 1.0.
    pub fn pauses(&self) -> &PauseLengths {
        &self.pauses
    }

    /// Synthesizes one sentence (no trailing pause). Deterministic.
    pub fn synthesize(&self, sentence: &Sentence) -> Result<Vec<f32>> {
        Ok(self.synthesize_marked(sentence)?.0)
    }

    /// Synthesizes one sentence and returns, with its samples, the sample offset (from the
    /// sentence's first sample) of each of its marks (from markup; see [`crate::ssml`]).
    pub fn synthesize_marked(&self, sentence: &Sentence) -> Result<MarkedSamples> {
        let audio = self.synthesize_audio(sentence)?;
        Ok((audio.samples, audio.marks))
    }

    /// Synthesizes one sentence into the backend's [`crate::backend::Audio`]: samples, marks
    /// and word spans.
    pub fn synthesize_audio(&self, sentence: &Sentence) -> Result<crate::backend::Audio> {
        let phonetic = self.g2p.sentence(sentence);
        self.backend.synthesize(&phonetic)
    }

    /// Returns how many samples rendering `units` will produce, without synthesizing: each
    /// sentence is phonemized and timed (G2P and prosody only), pauses and ready-made audio
    /// counted as they are. Lets a caller refuse a text too long for its output at once.
    pub fn projected_samples(&self, units: &[Unit]) -> u64 {
        units
            .iter()
            .map(|u| {
                let body = match u {
                    Unit::Sentence { sentence, .. } => self.backend.projected_samples(&self.g2p.sentence(sentence)),
                    Unit::Audio { samples, .. } => samples.len() as u64,
                };
                body + self.gap_samples(u.gap())
            })
            .sum()
    }

    /// Returns the length in samples of a pause, scaled by the speaking rate.
    pub fn gap_samples(&self, gap: Gap) -> u64 {
        let secs = self.pauses.seconds(gap) as f64 / self.rate.max(1e-3) as f64;
        (secs * self.sample_rate() as f64).round() as u64
    }

    /// Renders units in the global rayon pool, streaming them in order to `sink`.
    pub fn render<S: Sink + ?Sized>(&self, units: &[Unit], sink: &mut S) -> Result<Rendered> {
        let threads = rayon::current_num_threads();
        let cancel = AtomicBool::new(false);
        rayon::in_place_scope(|scope| self.run(scope, threads, &cancel, units, sink))
    }

    /// Renders units in the given rayon pool, streaming them in order to `sink`.
    pub fn render_in<S: Sink + ?Sized>(
        &self,
        pool: &rayon::ThreadPool,
        units: &[Unit],
        sink: &mut S,
    ) -> Result<Rendered> {
        let threads = pool.current_num_threads();
        let cancel = AtomicBool::new(false);
        pool.in_place_scope(|scope| self.run(scope, threads, &cancel, units, sink))
    }

    /// The ordered streaming loop. It runs on the calling thread (not a pool worker, when
    /// called from outside the pool), which does all the writing while the pool's workers
    /// synthesize: a reorder buffer holds results that arrive before their predecessors,
    /// and no task is spawned more than `window` units ahead of the writer, which bounds
    /// memory.
    fn run<'s, S: Sink + ?Sized>(
        &'s self,
        scope: &rayon::Scope<'s>,
        threads: usize,
        cancel: &'s AtomicBool,
        units: &'s [Unit],
        sink: &mut S,
    ) -> Result<Rendered> {
        let window = (4 * threads).max(4);
        let result = self.run_inner(scope, window, cancel, units, sink);
        if result.is_err() {
            // Queued tasks skip their work once the writer has given up.
            cancel.store(true, Ordering::Relaxed);
        }
        result
    }

    fn run_inner<'s, S: Sink + ?Sized>(
        &'s self,
        scope: &rayon::Scope<'s>,
        window: usize,
        cancel: &'s AtomicBool,
        units: &'s [Unit],
        sink: &mut S,
    ) -> Result<Rendered> {
        let n = units.len();
        type Synthesized = crate::backend::Audio;
        let (tx, rx) = mpsc::channel::<(usize, Result<Synthesized>)>();
        // pending[k] holds the result for unit `written + k` once it has arrived.
        let mut pending: VecDeque<Option<Synthesized>> = VecDeque::with_capacity(window);
        let mut marks = Vec::new();
        let mut words = Vec::new();
        let (mut spawned, mut written) = (0usize, 0usize);
        let mut pos = 0u64;
        let mut audio = 0u64;
        let mut spans = Vec::with_capacity(n);
        let mut peak = 0;
        while written < n {
            while spawned < n && spawned < written + window {
                match &units[spawned] {
                    Unit::Sentence { sentence, .. } => {
                        let tx = tx.clone();
                        let i = spawned;
                        scope.spawn(move |_| {
                            if cancel.load(Ordering::Relaxed) {
                                return;
                            }
                            // A panic in a stage must become an error, not a hung writer.
                            let r = catch_unwind(AssertUnwindSafe(|| self.synthesize_audio(sentence)))
                                .map_err(|_| {
                                    Error::Other(format!(
                                        "synthesis failed (internal panic) on sentence {}: {}",
                                        i + 1,
                                        sentence.text
                                    ))
                                })
                                .and_then(|r| r);
                            let _ = tx.send((i, r));
                        });
                        pending.push_back(None);
                    }
                    // Ready-made audio is written from the unit itself.
                    Unit::Audio { .. } => pending.push_back(Some(Synthesized::default())),
                }
                spawned += 1;
            }
            peak = peak.max(spawned - written);
            while let Some(Some(_)) = pending.front() {
                let got = pending.pop_front().flatten().unwrap_or_default();
                let unit = &units[written];
                marks.extend(got.marks.into_iter().map(|(name, at)| MarkPos { unit: written, name, sample: pos + at }));
                words.extend(got.words.iter().map(|w| WordPos {
                    unit: written,
                    token: w.token,
                    start: pos + w.start,
                    end: pos + w.end,
                }));
                let samples = got.samples;
                let samples: &[f32] = match unit {
                    Unit::Sentence { .. } => &samples,
                    Unit::Audio { samples, .. } => &samples[..],
                };
                let start = pos;
                sink.unit(written, unit, start, samples)?;
                pos += samples.len() as u64;
                audio += samples.len() as u64;
                let end = pos;
                let gap = self.gap_samples(unit.gap());
                if gap > 0 {
                    sink.silence(pos, gap)?;
                    pos += gap;
                }
                spans.push(Span { start, end, gap_end: pos });
                written += 1;
            }
            if written == n {
                break;
            }
            if pending.is_empty() {
                // Everything in the window was written: spawn the next units before
                // waiting, or nothing would ever arrive.
                continue;
            }
            // The front is still being synthesized: wait for any result. `tx` is alive here,
            // and every spawned task sends exactly once unless cancelled, so this returns.
            let (i, r) = rx.recv().map_err(|_| Error::Other("renderer lost a sentence".into()))?;
            pending[i - written] = Some(r?);
        }
        Ok(Rendered {
            spans,
            total_samples: pos,
            audio_samples: audio,
            sample_rate: self.sample_rate(),
            peak_in_flight: peak,
            marks,
            words,
            word_timings: self.word_timings(),
        })
    }
}
