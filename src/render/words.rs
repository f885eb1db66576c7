//! Word timings: every spoken word of a render with its exact sample span and the written
//! token it was read from.
//!
//! In: the rendered units and their [`Rendered`] spans (word spans come from the backend,
//! [`crate::backend::Audio::words`]). Out: [`Word`]s in output order, for the timings file of
//! `speak --timings`, the bulletin manifest, transcript, captions and listening page.
//!
//! A written token is a whitespace-separated run of the sentence as written
//! ([`crate::text::Sentence::written_tokens`]); the several words spoken for one (`₹6.29` →
//! छह रुपये उनतीस पैसे) share its index and text. For the formant voice a word starts at the
//! first sample of its first phone and ends one past the last sample of its last phone; a
//! pause between words belongs to neither.

use super::{Rendered, Unit};

/// One spoken word, placed in the output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Word {
    /// Index of its unit in the render.
    pub unit: usize,
    /// 1-based number of its sentence among the rendered sentences.
    pub sentence: usize,
    /// The word as spoken (normalized Devanagari).
    pub text: String,
    /// 0-based index of the written token it was read from, within its sentence.
    pub token: usize,
    /// That written token, as written (without the punctuation around it).
    pub written: String,
    /// First sample of its first phone, from the start of the render.
    pub start: u64,
    /// One past the last sample of its last phone.
    pub end: u64,
}

/// Returns every spoken word of a render, in order (empty when the backend gave no word
/// spans, [`Rendered::word_timings`]).
pub fn list(units: &[Unit], rendered: &Rendered) -> Vec<Word> {
    // 1-based sentence number of each unit.
    let mut number = Vec::with_capacity(units.len());
    let mut n = 0;
    for u in units {
        if u.sentence().is_some() {
            n += 1;
        }
        number.push(n);
    }
    let mut out = Vec::with_capacity(rendered.words.len());
    for w in &rendered.words {
        let Some(s) = units.get(w.unit).and_then(Unit::sentence) else { continue };
        let text = match s.tokens.get(w.token) {
            Some(crate::text::Token::Word(t)) => t.clone(),
            Some(crate::text::Token::Control(crate::text::Control::Phones { text, .. })) => text.clone(),
            _ => String::new(),
        };
        let written_tokens = s.written_tokens();
        // A sentence that does not know its sources: each word is its own written token.
        let (token, written) = match s.written_index(w.token).filter(|&k| k < written_tokens.len()) {
            Some(k) => (k, written_tokens[k].to_string()),
            None => (word_ordinal(s, w.token), text.clone()),
        };
        out.push(Word { unit: w.unit, sentence: number[w.unit], text, token, written, start: w.start, end: w.end });
    }
    out
}

/// Returns how many words come before token `token` of the sentence.
fn word_ordinal(s: &crate::text::Sentence, token: usize) -> usize {
    s.tokens[..token.min(s.tokens.len())]
        .iter()
        .filter(|t| {
            matches!(t, crate::text::Token::Word(_) | crate::text::Token::Control(crate::text::Control::Phones { .. }))
        })
        .count()
}
