//! Text front end: raw article text → [`Document`].
//!
//! In: any `&str`. Out: paragraphs and headings made of [`Sentence`]s whose tokens are
//! speakable Devanagari words (numbers, abbreviations, symbols and Latin words already
//! expanded) and pauses. It does not decide pronunciation (that is [`crate::g2p`]).
//!
//! Stages: [`normalize`] (NFC, one nukta form, invisible and control characters) →
//! `lex` (spans) → `segment` (numbers, abbreviations, Latin words and symbols expanded
//! through the tables in `lexicon/`; sentence ends; long sentences cut into phrases).
//!
//! Structure decisions:
//! - Every non-empty line is its own block (news text puts one paragraph per line). If the
//!   text is hard-wrapped (blank lines between paragraphs and most lines that are followed by
//!   another line end mid-sentence), the lines of a blank-line separated paragraph are joined.
//! - In hard-wrapped text a short line (under 8 words) or one ending in `:` is not joined to
//!   the next, and a long line is not joined to a run of short ones (list items).
//! - A run of at least [`LIST_MIN_ITEMS`] adjacent lines that would each be a heading is a
//!   list (a table of city-wise prices): one paragraph, one statement per line.
//! - A block is a heading when it is a single line of at most 15 words with no sentence-final
//!   punctuation (। ? ! .) and not ending in a comma, colon, semicolon, dash or ellipsis.
//! - A sentence of more than 40 words is cut into phrases at a pause or before a conjunction
//!   (और, लेकिन, कि, जो …); a phrase is cut at 60 words even with no such point.

mod abbrev;
pub mod boilerplate;
mod control;
pub(crate) mod english;
pub(crate) mod latin;
mod lex;
mod links;
pub mod normalize;
pub(crate) mod numbers;
mod roman;
mod segment;
pub(crate) mod tables;
mod time;

pub use control::{Control, Scales};

pub use segment::{HARD_MAX_WORDS, HEADING_MAX_WORDS, SOFT_MAX_WORDS};

/// A whole input text, in reading order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Document {
    /// Headings and paragraphs in order.
    pub blocks: Vec<Block>,
}

/// What kind of block a run of sentences belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum BlockKind {
    /// A short line without final punctuation (a headline or subhead).
    Heading,
    /// Ordinary running text.
    Paragraph,
}

/// A heading or paragraph.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    /// Heading or paragraph.
    pub kind: BlockKind,
    /// The synthesis units of the block, in order.
    pub sentences: Vec<Sentence>,
}

/// How a sentence ends; drives the final intonation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ending {
    /// Statement (। or .) — final fall.
    Statement,
    /// Question (?) — final rise.
    Question,
    /// Exclamation (!).
    Exclamation,
    /// A phrase cut from a long sentence (continues) — continuation rise.
    Continuation,
    /// No final punctuation (headings).
    None,
}

/// A pause inside a sentence, from punctuation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pause {
    /// Comma, dash, quotation mark: a short break.
    Comma,
    /// Semicolon, colon, bracket, ellipsis: a longer break.
    Clause,
}

/// One token of a sentence.
#[derive(Debug, Clone, PartialEq)]
pub enum Token {
    /// A speakable word, NFC Devanagari (may still contain a Latin word that no rule
    /// could convert; g2p must then cope with it).
    Word(String),
    /// A pause from punctuation.
    Pause(Pause),
    /// A control from markup (SSML): an exact break, a mark, prosody scales, a forced
    /// pronunciation. The plain-text front end never produces one.
    Control(Control),
}

/// One synthesis unit: a sentence, or a phrase of a long sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    /// The original text of the sentence (for captions and transcripts), trimmed: the input
    /// as written, after Unicode NFC and removal of invisible characters (ZWJ, BOM, …).
    pub text: String,
    /// Words and pauses to speak.
    pub tokens: Vec<Token>,
    /// How it ends.
    pub ending: Ending,
    /// For each token, the index of the written token it was read from: the whitespace-
    /// separated runs of `text`, counted from 0 (the several words spoken for `₹6.29` share
    /// one). Empty when not known (a sentence made by hand); see [`Sentence::written_index`].
    pub sources: Vec<usize>,
}

impl Sentence {
    /// Returns a sentence whose tokens carry no written-token indices.
    pub fn new(text: impl Into<String>, tokens: Vec<Token>, ending: Ending) -> Sentence {
        Sentence { text: text.into(), tokens, ending, sources: Vec::new() }
    }

    /// Appends a token read from written token `source` (keeps [`Sentence::sources`] in step).
    pub fn push(&mut self, token: Token, source: usize) {
        if self.sources.len() == self.tokens.len() {
            self.sources.push(source);
        }
        self.tokens.push(token);
    }

    /// Returns the written tokens of the sentence: the whitespace-separated runs of `text`,
    /// without the punctuation around them (`"दिल्ली,"` → `दिल्ली`; a run that is only
    /// punctuation stays as it is).
    pub fn written_tokens(&self) -> Vec<&str> {
        self.text.split_whitespace().map(strip_punctuation).collect()
    }

    /// Returns the index (into [`Sentence::written_tokens`]) of the written token that token
    /// `token` was read from, or `None` when the sentence does not know it.
    pub fn written_index(&self, token: usize) -> Option<usize> {
        self.sources.get(token).copied().filter(|_| self.sources.len() == self.tokens.len())
    }

    /// Returns the words of the sentence, without pauses.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Word(w) => Some(w.as_str()),
            Token::Control(Control::Phones { text, .. }) => Some(text.as_str()),
            Token::Pause(_) | Token::Control(_) => None,
        })
    }
}

/// Trims the punctuation around a written token (quotes, brackets, commas, dandas, a final
/// full stop); keeps the token whole when nothing else would be left.
fn strip_punctuation(run: &str) -> &str {
    let p = |c: char| {
        matches!(
            c,
            ',' | '.'
                | '!'
                | '?'
                | ';'
                | ':'
                | '"'
                | '\''
                | '('
                | ')'
                | '['
                | ']'
                | '{'
                | '}'
                | '“'
                | '”'
                | '‘'
                | '’'
                | '«'
                | '»'
                | '।'
                | '॥'
                | '|'
                | '—'
                | '–'
                | '…'
        )
    };
    let t = run.trim_matches(p);
    if t.is_empty() {
        run
    } else {
        t
    }
}

/// Returns the index of the whitespace-separated run of `text` that byte `at` lies in (or,
/// in whitespace, the run before it; 0 before the first).
pub(crate) fn run_index(text: &str, at: usize) -> usize {
    let mut runs = 0usize;
    let mut in_run = false;
    for (i, c) in text.char_indices() {
        if i > at {
            break;
        }
        let ws = c.is_whitespace();
        if !ws && !in_run {
            runs += 1;
        }
        in_run = !ws;
    }
    runs.saturating_sub(1)
}

/// Splits and normalizes raw text into a [`Document`].
///
/// Never panics; any `&str` gives a document (possibly with no blocks when nothing in it
/// can be spoken).
pub fn parse(text: &str) -> Document {
    let t = tables::tables();
    let prepared = normalize::prepare(text);
    let lines: Vec<&str> = prepared.split('\n').map(str::trim).collect();
    // Units to segment, each with whether a blank line (or a joined paragraph) ends the run
    // of list lines before it.
    let mut units: Vec<(String, bool)> = Vec::new();
    if is_hard_wrapped(&lines) {
        for para in lines.split(|l| l.is_empty()) {
            let mut first = true;
            for unit in join_wrapped(para) {
                units.push((unit, first));
                first = false;
            }
        }
    } else {
        let mut after_blank = true;
        for line in &lines {
            if line.is_empty() {
                after_blank = true;
            } else {
                units.push((line.to_string(), after_blank));
                after_blank = false;
            }
        }
    }
    let mut blocks: Vec<(Block, bool)> = Vec::with_capacity(units.len());
    for (unit, new_run) in &units {
        if let Some(b) = segment::block(unit, t) {
            blocks.push((b, *new_run));
        }
    }
    Document { blocks: merge_lists(blocks) }
}

/// A run of at least this many adjacent one-sentence lines without final punctuation is a
/// list (a table of city-wise prices): one paragraph, one statement per line.
pub const LIST_MIN_ITEMS: usize = 3;

/// Merges runs of adjacent heading-like lines (at least [`LIST_MIN_ITEMS`], no blank line
/// between) into one paragraph whose sentences are the lines.
fn merge_lists(blocks: Vec<(Block, bool)>) -> Vec<Block> {
    let mut out: Vec<Block> = Vec::with_capacity(blocks.len());
    let mut run: Vec<Block> = Vec::new();
    let flush = |run: &mut Vec<Block>, out: &mut Vec<Block>| {
        if run.len() >= LIST_MIN_ITEMS {
            let mut sentences = Vec::new();
            for b in run.drain(..) {
                for mut s in b.sentences {
                    s.ending = Ending::Statement;
                    sentences.push(s);
                }
            }
            out.push(Block { kind: BlockKind::Paragraph, sentences });
        } else {
            out.append(run);
        }
    };
    for (b, new_run) in blocks {
        if new_run {
            flush(&mut run, &mut out);
        }
        if b.kind == BlockKind::Heading {
            run.push(b);
        } else {
            flush(&mut run, &mut out);
            out.push(b);
        }
    }
    flush(&mut run, &mut out);
    out
}

/// Joins the lines of a hard-wrapped paragraph into units: a line is joined to the next when
/// it is long (at least [`WRAPPED_MIN_WORDS`] words) and ends mid-sentence; a short line, or
/// one ending in `:`, stays whole (a list item, a price-table line, the line introducing them).
fn join_wrapped(para: &[&str]) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for (k, line) in para.iter().enumerate() {
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(line);
        let next_short = para.get(k + 1).is_some_and(|n| n.split_whitespace().count() < WRAPPED_MIN_WORDS);
        let joins = line.split_whitespace().count() >= WRAPPED_MIN_WORDS
            && !line.ends_with(['।', '?', '!', '.', '|', '॥', ':'])
            && !(next_short && para.get(k + 2).is_some_and(|n| n.split_whitespace().count() < WRAPPED_MIN_WORDS));
        if !joins {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// A line of a hard-wrapped paragraph with fewer words than this is not joined to the next.
const WRAPPED_MIN_WORDS: usize = 8;

/// Returns true when the text looks hard-wrapped: it has blank lines, and most lines that
/// are followed by another non-blank line are long and end mid-sentence.
fn is_hard_wrapped(lines: &[&str]) -> bool {
    if !lines.iter().any(|l| l.is_empty()) {
        return false;
    }
    let mut followed = 0;
    let mut open = 0;
    for w in lines.windows(2) {
        if w[0].is_empty() || w[1].is_empty() {
            continue;
        }
        followed += 1;
        let ends = w[0].ends_with(['।', '?', '!', '.', '|', '॥', '"', '”', '\'', '’', ')']);
        if !ends && w[0].split_whitespace().count() >= WRAPPED_MIN_WORDS {
            open += 1;
        }
    }
    followed >= 2 && open * 2 > followed
}

/// Normalizes and expands one line without splitting it into sentences: the words and
/// pauses to speak, in order (sentence-final marks are dropped).
///
/// ```
/// use samachar::text::{normalize_line, Token};
/// let t = normalize_line("5 किमी");
/// assert_eq!(t, vec![Token::Word("पाँच".into()), Token::Word("किलोमीटर".into())]);
/// ```
pub fn normalize_line(line: &str) -> Vec<Token> {
    let t = tables::tables();
    let prepared = normalize::prepare(line).replace('\n', " ");
    let mut toks: Vec<(Token, usize)> = segment::events(&prepared, t)
        .into_iter()
        .filter_map(|e| match e {
            segment::Ev::Tok(t, at) => Some((t, at)),
            segment::Ev::End(..) => None,
        })
        .collect();
    segment::tidy(&mut toks);
    toks.into_iter().map(|(t, _)| t).collect()
}
