//! Grapheme to phoneme: Devanagari words → [`Phone`]s.
//!
//! In: normalized words from [`crate::text`]. Out: a [`Pronunciation`] per word, from the
//! lexicon first (user lexicons, then the built-in one), then the letter rules.

use crate::phoneme::Phone;

/// The phones of one word.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Pronunciation {
    /// The phones, in order.
    pub phones: Vec<Phone>,
}

/// Turns words into phones. Cheap to share between threads (`Sync`).
#[derive(Debug, Clone, Default)]
pub struct G2p {
    _private: (),
}

impl G2p {
    /// Returns the G2P with the built-in lexicon.
    pub fn builtin() -> G2p {
        G2p::default()
    }

    /// Returns the pronunciation of one word. Never panics; unknown characters are skipped.
    ///
    /// Placeholder: a naive letter-by-letter reading.
    pub fn word(&self, word: &str) -> Pronunciation {
        let mut phones = Vec::new();
        for c in word.chars() {
            let p = match c {
                'क' => Some(Phone::K), 'न' => Some(Phone::N), 'म' => Some(Phone::M),
                'स' => Some(Phone::S), 'त' => Some(Phone::T), 'र' => Some(Phone::R),
                'ल' => Some(Phone::L), 'ा' | 'आ' => Some(Phone::Aa), 'ी' | 'ई' => Some(Phone::Ii),
                'े' | 'ए' => Some(Phone::E), 'ो' | 'ओ' => Some(Phone::O), 'अ' => Some(Phone::A),
                'ि' | 'इ' => Some(Phone::I), 'ु' | 'उ' => Some(Phone::U),
                _ => None,
            };
            phones.extend(p);
        }
        Pronunciation { phones }
    }
}

/// One token of a phonemized sentence.
#[derive(Debug, Clone, PartialEq)]
pub enum PhoneToken {
    /// A word: its text and its phones.
    Word {
        /// The word as spoken (normalized Devanagari).
        text: String,
        /// Its pronunciation.
        pron: Pronunciation,
    },
    /// A pause from punctuation.
    Pause(crate::text::Pause),
}

/// A sentence after G2P: what prosody needs, and nothing of the raw text.
#[derive(Debug, Clone, PartialEq)]
pub struct PhoneticSentence {
    /// Words and pauses in order.
    pub tokens: Vec<PhoneToken>,
    /// How the sentence ends.
    pub ending: crate::text::Ending,
}

impl G2p {
    /// Phonemizes every word of a sentence.
    pub fn sentence(&self, s: &crate::text::Sentence) -> PhoneticSentence {
        let tokens = s
            .tokens
            .iter()
            .map(|t| match t {
                crate::text::Token::Word(w) => PhoneToken::Word { text: w.clone(), pron: self.word(w) },
                crate::text::Token::Pause(p) => PhoneToken::Pause(*p),
            })
            .collect();
        PhoneticSentence { tokens, ending: s.ending }
    }
}
