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
    (false, 5, 5),
    (true, 5, 5),
    (true, 4, 2),
    (true, 2, 4),
    (false, 0, 2),
    (false, 2, 0),
    (true, 0, 3),
    (true, 3, 0),
    (true, 6, 6),
];

/// Templates over a coarser alphabet (consonant vs vowel vs schwa only): (left, right).
pub(crate) const SHAPE_TEMPLATES: &[(usize, usize)] = &[(2, 2), (3, 3), (4, 4), (1, 3), (3, 1)];

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

/// Returns the shape letter of a skeleton character: C consonant, V vowel, the schwa marks,
/// `_` virama, N nasal sign, word edges.
pub(crate) fn shape(c: char) -> char {
    match class(c) {
        'C' | 'य' | 'र' | 'ल' | 'व' | 'ह' => 'C',
        'V' | 'i' => 'V',
        '\u{94D}' => '_',
        other => other,
    }
}

/// Returns the number of templates (letter templates, then shape templates).
pub(crate) fn n_templates() -> usize {
    TEMPLATES.len() + SHAPE_TEMPLATES.len()
}

/// Emits the characters of the key of template `t` for the candidate at `pos`.
#[inline]
fn key_chars(skel: &[char], pos: usize, t: usize, mut emit: impl FnMut(char)) {
    let (map, id, l, r): (fn(char) -> char, char, usize, usize) = if t >= TEMPLATES.len() {
        let (l, r) = SHAPE_TEMPLATES[t - TEMPLATES.len()];
        (shape, char::from(b'a' + (t - TEMPLATES.len()) as u8), l, r)
    } else {
        let (cls, l, r) = TEMPLATES[t];
        (if cls { class } else { |c| c }, char::from(b'A' + t as u8), l, r)
    };
    emit(id);
    let lo = pos.saturating_sub(l);
    for &c in &skel[lo..pos] {
        emit(map(c));
    }
    emit('_');
    let hi = (pos + 1 + r).min(skel.len());
    for &c in &skel[pos + 1..hi] {
        emit(map(c));
    }
}

/// Writes the key of template `t` for the candidate at skeleton index `pos` into `key`.
pub(crate) fn key(skel: &[char], pos: usize, t: usize, key: &mut String) {
    key.clear();
    key_chars(skel, pos, t, |c| key.push(c));
}

/// Hashes a key given as characters (the table is looked up by this hash, so that no key
/// string is built per candidate; 64 bits make a false match vanishingly rare).
#[inline]
fn hash_chars(chars: impl IntoIterator<Item = char>) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64;
    for c in chars {
        h = (h ^ u64::from(c as u32)).wrapping_mul(0x0000_0100_0000_01b3);
        h ^= h >> 29;
    }
    // Final avalanche (splitmix64) so the map's low bits are well mixed.
    h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Returns the hash of the key of template `t` for the candidate at `pos`, reading the
/// skeleton already mapped to letter classes (`cls`) and shapes (`shp`); it equals
/// `hash_chars` of the key string that [`key`] writes.
#[inline]
fn key_hash(skel: &[char], cls: &[char], shp: &[char], pos: usize, t: usize) -> u64 {
    let (src, id, l, r) = if t >= TEMPLATES.len() {
        let (l, r) = SHAPE_TEMPLATES[t - TEMPLATES.len()];
        (shp, char::from(b'a' + (t - TEMPLATES.len()) as u8), l, r)
    } else {
        let (c, l, r) = TEMPLATES[t];
        (if c { cls } else { skel }, char::from(b'A' + t as u8), l, r)
    };
    let lo = pos.saturating_sub(l);
    let hi = (pos + 1 + r).min(src.len());
    hash_chars(
        std::iter::once(id)
            .chain(src[lo..pos].iter().copied())
            .chain(std::iter::once('_'))
            .chain(src[pos + 1..hi].iter().copied()),
    )
}

/// The learned model: a weight per context key (logistic regression over the keys of all
/// templates and Ohala's decision); a schwa is kept when the weights sum above zero.
#[derive(Debug, Clone, Default)]
pub(crate) struct SchwaModel {
    weights: FxMap<u64, f32>,
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
                    m.weights.insert(hash_chars(k.chars()), w);
                }
            }
        }
        m
    }

    /// Returns the score of the candidate at `pos` (> 0: keep).
    fn score(&self, skel: &[char], cls: &[char], shp: &[char], pos: usize) -> f32 {
        let mut s = self.bias + if ohala(skel, pos) { self.ohala } else { -self.ohala };
        for t in 0..n_templates() {
            if let Some(&w) = self.weights.get(&key_hash(skel, cls, shp, pos, t)) {
                s += w;
            }
        }
        s
    }

    /// Decides every candidate of `a` (right to left), writing the decisions into `keep`.
    pub(crate) fn decide(&self, a: &mut Analysis, keep: &mut Vec<bool>) {
        keep.clear();
        keep.resize(a.cands.len(), true);
        let (mut cls, mut shp) = (std::mem::take(&mut a.cls), std::mem::take(&mut a.shp));
        cls.clear();
        cls.extend(a.skel.iter().map(|&c| class(c)));
        shp.clear();
        shp.extend(a.skel.iter().map(|&c| shape(c)));
        for ci in (0..a.cands.len()).rev() {
            let pos = a.cands[ci].1;
            // The schwa of the first syllable is the only vowel so far: always spoken
            // (कमल, प्रणय); deleting it would leave an onset of three consonants or more.
            let k = if !a.skel[..pos].iter().any(|&c| is_vowelish(c)) {
                true
            } else {
                self.score(&a.skel, &cls, &shp, pos) > 0.0
            };
            keep[ci] = k;
            // Schwa marks are their own class and shape.
            let mark = if k { SCHWA_KEPT } else { SCHWA_DELETED };
            a.skel[pos] = mark;
            cls[pos] = mark;
            shp[pos] = mark;
        }
        a.cls = cls;
        a.shp = shp;
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
