//! Schwa deletion: decides which inherent schwas of a word are spoken.
//!
//! In: an [`Analysis`](super::rules::Analysis) whose skeleton marks each candidate. Out: one
//! keep/delete decision per candidate. Candidates are decided right to left, so the context
//! of each one holds the decisions already made to its right (word-final schwa first, as in
//! Ohala's rule, Ohala 1983 "Aspects of Hindi phonology").
//!
//! The decisions come from weights learned from the training words (`lexicon/schwa.tsv`,
//! built by `examples/train_schwa.rs`): a logistic regression whose features are letter
//! windows of several widths around the candidate (raw letters and letter classes) and the
//! decision of Ohala's rule (delete in V C _ C V and at the end of a word). Without any
//! learned weight, Ohala's rule decides alone.

use super::rules::{is_consonant, Analysis, SCHWA_DELETED, SCHWA_KEPT, SCHWA_UNDECIDED, VIRAMA};
use super::FxMap;

/// The context templates, most specific first: (letter classes?, left width, right width).
pub(crate) const TEMPLATES: &[(bool, usize, usize)] = &[
    (false, 4, 4),
    (false, 3, 4),
    (false, 4, 3),
    (false, 3, 3),
    (false, 2, 3),
    (false, 3, 2),
    (false, 2, 2),
    (false, 1, 3),
    (false, 3, 1),
    (false, 1, 2),
    (false, 2, 1),
    (true, 4, 4),
    (true, 3, 3),
    (true, 2, 3),
    (true, 3, 2),
    (true, 2, 2),
    (false, 1, 1),
    (true, 1, 2),
    (true, 2, 1),
    (true, 1, 1),
    (true, 0, 1),
];

/// Returns the class letter of a skeleton character, for the general templates.
pub(crate) fn class(c: char) -> char {
    match c {
        // Semivowels, ह and the liquids behave apart in schwa deletion.
        'य' | 'र' | 'ल' | 'व' | 'ह' => c,
        c if is_consonant(c) => 'C',
        'ि' | 'ु' | 'ृ' | 'इ' | 'उ' | 'ऋ' => 'i',
        'ं' | 'ँ' | 'ः' => 'N',
        '\u{93E}'..='\u{94C}' | '\u{904}'..='\u{914}' | '\u{972}'..='\u{977}' => 'V',
        c => c,
    }
}

/// Writes the key of template `t` for the candidate at skeleton index `pos` into `key`.
pub(crate) fn key(skel: &[char], pos: usize, t: usize, key: &mut String) {
    let (cls, l, r) = TEMPLATES[t];
    key.clear();
    key.push(char::from(b'A' + t as u8));
    let lo = pos.saturating_sub(l);
    for &c in &skel[lo..pos] {
        key.push(if cls { class(c) } else { c });
    }
    key.push('_');
    let hi = (pos + 1 + r).min(skel.len());
    for &c in &skel[pos + 1..hi] {
        key.push(if cls { class(c) } else { c });
    }
}

/// The learned model: a weight per context key (logistic regression over the keys of all
/// templates and Ohala's decision); a schwa is kept when the weights sum above zero.
#[derive(Debug, Clone, Default)]
pub(crate) struct SchwaModel {
    weights: FxMap<Box<str>, f32>,
    bias: f32,
    ohala: f32,
}

/// The learned table shipped with samachar (see lexicon/README.md for its provenance).
const BUILTIN_TABLE: &str = include_str!("../../lexicon/schwa.tsv");

/// Key of the bias weight in the table file.
pub(crate) const BIAS_KEY: &str = "BIAS";
/// Key of the weight of Ohala's decision (+1 keep, −1 delete).
pub(crate) const OHALA_KEY: &str = "OHALA";

impl SchwaModel {
    /// Returns the built-in model.
    pub(crate) fn builtin() -> SchwaModel {
        SchwaModel::parse(BUILTIN_TABLE)
    }

    /// Parses `key<TAB>weight` lines; other lines are skipped (the file is ours, and a
    /// missing weight only makes the model fall back to Ohala's rule).
    pub(crate) fn parse(text: &str) -> SchwaModel {
        let mut m = SchwaModel { weights: FxMap::default(), bias: 0.0, ohala: 1.0 };
        m.weights.reserve(text.as_bytes().iter().filter(|&&b| b == b'\n').count());
        for line in text.lines() {
            if line.starts_with('#') {
                continue;
            }
            let mut f = line.split('\t');
            let (Some(k), Some(v)) = (f.next(), f.next()) else { continue };
            let Ok(w) = v.parse::<f32>() else { continue };
            match k {
                BIAS_KEY => m.bias = w,
                OHALA_KEY => m.ohala = w,
                _ => {
                    m.weights.insert(k.into(), w);
                }
            }
        }
        m
    }

    /// Returns the score of the candidate at `pos` (> 0: keep).
    fn score(&self, skel: &[char], pos: usize, buf: &mut String) -> f32 {
        let mut s = self.bias + if ohala(skel, pos) { self.ohala } else { -self.ohala };
        for t in 0..TEMPLATES.len() {
            key(skel, pos, t, buf);
            if let Some(&w) = self.weights.get(buf.as_str()) {
                s += w;
            }
        }
        s
    }

    /// Decides every candidate of `a` (right to left), writing the decisions into `keep`.
    pub(crate) fn decide(&self, a: &mut Analysis, keep: &mut Vec<bool>, buf: &mut String) {
        keep.clear();
        keep.resize(a.cands.len(), true);
        for ci in (0..a.cands.len()).rev() {
            let pos = a.cands[ci].1;
            // The schwa of the first syllable is the only vowel so far: always spoken
            // (कमल, प्रणय); deleting it would leave an onset of three consonants or more.
            let k = if !a.skel[..pos].iter().any(|&c| is_vowelish(c)) {
                true
            } else {
                self.score(&a.skel, pos, buf) > 0.0
            };
            keep[ci] = k;
            a.skel[pos] = if k { SCHWA_KEPT } else { SCHWA_DELETED };
        }
    }
}

/// Returns true for skeleton characters that stand for a vowel (schwas not deleted too).
pub(crate) fn is_vowelish(c: char) -> bool {
    c == SCHWA_KEPT || c == SCHWA_UNDECIDED || matches!(class(c), 'V' | 'i')
}

/// Returns true when the skeleton char at `i` is followed by a spoken vowel.
fn vowel_after(skel: &[char], i: usize) -> bool {
    match skel.get(i + 1) {
        Some(&c) if c == SCHWA_KEPT || c == SCHWA_UNDECIDED => true,
        Some(&c) if c == SCHWA_DELETED || c == VIRAMA || c == '$' => false,
        Some(&c) => class(c) == 'V' || class(c) == 'i',
        None => false,
    }
}

/// Ohala's rule on the skeleton: keep the schwa unless it ends the word (after a single
/// consonant that is not the first letter) or stands in V C _ C V.
pub(crate) fn ohala(skel: &[char], pos: usize) -> bool {
    // skel[pos - 1] is the candidate's consonant.
    let cons = pos - 1;
    let first = cons <= 1;
    let next = skel.get(pos + 1).copied().unwrap_or('$');
    if next == '$' {
        return first;
    }
    if !is_consonant(next) || first {
        return true;
    }
    // Left: a vowel before the consonant; right: one consonant then a spoken vowel.
    let prev = skel[cons - 1];
    let left_v = prev == SCHWA_KEPT || prev == SCHWA_UNDECIDED || class(prev) == 'V' || class(prev) == 'i';
    let right_cv = vowel_after(skel, pos + 1);
    !(left_v && right_cv)
}
