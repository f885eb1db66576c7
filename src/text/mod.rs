//! Text front end: raw article text → [`Document`].
//!
//! In: any `&str`. Out: paragraphs and headings made of [`Sentence`]s whose tokens are
//! speakable Devanagari words (numbers, abbreviations, symbols and Latin words already
//! expanded) and pauses. It does not decide pronunciation (that is [`crate::g2p`]).

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
    /// Comma, semicolon-free short break, dash.
    Comma,
    /// Semicolon, colon, bracket or quote boundary: a longer break.
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
}

/// One synthesis unit: a sentence, or a phrase of a long sentence.
#[derive(Debug, Clone, PartialEq)]
pub struct Sentence {
    /// The original text of the sentence (for captions and transcripts), trimmed.
    pub text: String,
    /// Words and pauses to speak.
    pub tokens: Vec<Token>,
    /// How it ends.
    pub ending: Ending,
}

impl Sentence {
    /// Returns the words of the sentence, without pauses.
    pub fn words(&self) -> impl Iterator<Item = &str> {
        self.tokens.iter().filter_map(|t| match t {
            Token::Word(w) => Some(w.as_str()),
            Token::Pause(_) => None,
        })
    }
}

/// Splits and normalizes raw text into a [`Document`].
///
/// Placeholder front end: splits paragraphs at blank/new lines and sentences at `।?!`,
/// words at whitespace. To be replaced by the full normalizer.
pub fn parse(text: &str) -> Document {
    let mut doc = Document::default();
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut sentences = Vec::new();
        for piece in line.split_inclusive(['।', '?', '!']) {
            let piece = piece.trim();
            if piece.is_empty() {
                continue;
            }
            let ending = match piece.chars().last() {
                Some('?') => Ending::Question,
                Some('!') => Ending::Exclamation,
                Some('।') => Ending::Statement,
                _ => Ending::None,
            };
            let tokens = piece
                .split(|c: char| c.is_whitespace() || "।?!,\"'()".contains(c))
                .filter(|w| !w.is_empty())
                .map(|w| Token::Word(w.to_string()))
                .collect();
            sentences.push(Sentence { text: piece.to_string(), tokens, ending });
        }
        let kind = if sentences.len() == 1 && sentences[0].ending == Ending::None {
            BlockKind::Heading
        } else {
            BlockKind::Paragraph
        };
        doc.blocks.push(Block { kind, sentences });
    }
    doc
}
