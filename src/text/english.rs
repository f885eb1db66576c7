//! English words through CMUdict → the Devanagari spelling a Hindi speaker reads them by.
//!
//! In: a lower-case ASCII word. Out: Devanagari (for the normal G2P), or None when the word is
//! not in the dictionary. The dictionary (`lexicon/en_cmudict.txt`, built from CMUdict by
//! `lexicon/build/build_cmudict.py`) is compiled in and decoded on first use only, so text
//! without English words never pays for it. Each ARPAbet phone is written by the table
//! `lexicon/arpabet_hi.tsv`; a few readings depend on the spelling (AH0, AA, ER, UW, the
//! glide of -ia/-ion), which is why the vowel letters of the word are aligned with the vowel
//! phones when their counts agree.

use std::collections::HashMap;
use std::sync::OnceLock;

const DICT: &str = include_str!("../../lexicon/en_cmudict.txt");
const ARPA: &str = include_str!("../../lexicon/arpabet_hi.tsv");

/// How one phone code is written.
#[derive(Debug, Clone, Copy)]
struct Phone {
    vowel: bool,
    /// Consonant letter, or independent vowel.
    deva: &'static str,
    /// Vowel sign (vowels only; "" for the inherent अ).
    sign: &'static str,
}

struct Dict {
    words: HashMap<&'static str, &'static str>,
    /// Decoded words own their text here; `words` borrows from leaked boxes of it.
    phones: [Option<Phone>; 128],
}

/// Returns the decoded dictionary (built on first use).
fn dict() -> &'static Dict {
    static D: OnceLock<Dict> = OnceLock::new();
    D.get_or_init(build)
}

fn build() -> Dict {
    let mut phones = [None; 128];
    for l in ARPA.lines() {
        if l.starts_with('#') || l.trim().is_empty() {
            continue;
        }
        let f: Vec<&'static str> = l.split('\t').collect();
        if f.len() < 4 || f[1].len() != 1 {
            continue;
        }
        let c = f[1].as_bytes()[0] as usize;
        if c < 128 {
            phones[c] = Some(Phone { vowel: f[2] == "v", deva: f[3], sign: f.get(4).copied().unwrap_or("") });
        }
    }
    // Front-coded lines: one digit/letter = letters shared with the previous word.
    let mut all = String::with_capacity(DICT.len() * 2);
    let mut spans: Vec<(usize, usize, &'static str)> = Vec::with_capacity(120_000);
    let mut prev = String::new();
    for l in DICT.lines() {
        let Some((head, codes)) = l.split_once(' ') else { continue };
        let mut cs = head.chars();
        let Some(n) = cs.next().and_then(|c| c.to_digit(36)) else { continue };
        let n = (n as usize).min(prev.len());
        prev.truncate(n);
        prev.push_str(cs.as_str());
        let s = all.len();
        all.push_str(&prev);
        spans.push((s, all.len(), codes));
    }
    let all: &'static str = Box::leak(all.into_boxed_str());
    let words = spans.into_iter().map(|(s, e, c)| (&all[s..e], c)).collect();
    Dict { words, phones }
}

/// Returns true if `word` (lower case) is in the English dictionary.
pub(crate) fn known(word: &str) -> bool {
    dict().words.contains_key(word)
}

/// Returns the Devanagari reading of an English dictionary word (lower case), or None.
pub(crate) fn read(word: &str) -> Option<String> {
    let d = dict();
    let codes = d.words.get(word)?;
    let ph: Vec<(u8, Phone)> =
        codes.bytes().filter_map(|b| d.phones.get(b as usize).copied().flatten().map(|p| (b, p))).collect();
    let nv = ph.iter().filter(|(_, p)| p.vowel).count();
    let groups = vowel_groups(word, nv);
    Some(write(&ph, groups.as_deref(), word))
}

/// Returns the runs of vowel letters of `word`, one per vowel phone, or None when they
/// cannot be matched one to one (then no spelling-dependent reading is used).
fn vowel_groups(word: &str, n_vowels: usize) -> Option<Vec<String>> {
    let b = word.as_bytes();
    let is_v = |i: usize| -> bool {
        match b.get(i) {
            Some(b'a' | b'e' | b'i' | b'o' | b'u') => true,
            // y is a vowel after a consonant (city, style), a consonant elsewhere (yes, player).
            Some(b'y') => i > 0 && !matches!(b[i - 1], b'a' | b'e' | b'i' | b'o' | b'u'),
            _ => false,
        }
    };
    let mut groups: Vec<(usize, String)> = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if is_v(i) {
            let s = i;
            while i < b.len() && is_v(i) {
                i += 1;
            }
            groups.push((s, word[s..i].to_string()));
        } else {
            i += 1;
        }
    }
    if groups.len() == n_vowels {
        return Some(groups.into_iter().map(|g| g.1).collect());
    }
    // A silent final e, or the e of a final -es/-ed (make, makes, named).
    if groups.len() == n_vowels + 1 {
        let (s, g) = groups.last()?;
        let silent = g == "e" && (*s + 1 == b.len() || (*s + 2 == b.len() && matches!(b[*s + 1], b's' | b'd')));
        if silent && *s > 0 {
            groups.pop();
            return Some(groups.into_iter().map(|g| g.1).collect());
        }
    }
    None
}

fn is_code(p: Option<&(u8, Phone)>, codes: &[u8]) -> bool {
    p.is_some_and(|(c, _)| codes.contains(c))
}

// Codes of lexicon/arpabet_hi.tsv used by the spelling-dependent readings.
const AA: u8 = b'a';
const AE: u8 = b'b';
const AO: u8 = b'd';
const Z: u8 = b'p';
const F: u8 = b'F';
const TH: u8 = b'V';
const AH0: u8 = b'X';
const ER: u8 = b'h';
const IH: u8 = b'j';
const IY: u8 = b'k';
const UW: u8 = b'o';
const G: u8 = b'G';
const K: u8 = b'K';
const M: u8 = b'M';
const N: u8 = b'N';
const NG: u8 = b'O';
const Y: u8 = b'Z';
const D: u8 = b'D';
const T: u8 = b'U';
const L: u8 = b'L';
const S: u8 = b'S';

/// Returns true if the phones after an AE make it the broad a of British English (the
/// "bath" words): s + consonant or final s, f, th, or a final n + s/t/ch.
fn broad_a(rest: &[(u8, Phone)]) -> bool {
    let c = |k: usize| rest.get(k).map(|r| r.0);
    let cons = |k: usize| rest.get(k).is_some_and(|r| !r.1.vowel);
    match c(0) {
        Some(S) => c(1).is_none() || cons(1) && c(1) != Some(S),
        Some(F) => cons(1),
        Some(TH) => true,
        Some(N) => matches!(c(1), Some(S | T | b'C')) && c(2).is_none(),
        _ => false,
    }
}

/// Writes the phones as Devanagari: consonants joined by virama, vowel signs after a
/// consonant, independent vowels elsewhere, anusvara for a nasal before a consonant.
fn write(ph: &[(u8, Phone)], groups: Option<&[String]>, word: &str) -> String {
    let ends_a = word.ends_with('a');
    let mut s = String::new();
    let mut after_c = false;
    let mut vi = 0;
    let n_v = groups.map_or(0, |g| g.len());
    for (k, &(code, p)) in ph.iter().enumerate() {
        let next = ph.get(k + 1);
        let prev = if k > 0 { ph.get(k - 1) } else { None };
        if !p.vowel {
            let next_is_c = next.is_some_and(|(_, q)| !q.vowel);
            let after_v = k > 0 && !after_c;
            // A nasal after a vowel and before a consonant: anusvara (इंडिया, कंप्यूटर, बैंक).
            if after_v && ((code == N || code == M) && next_is_c && !is_code(next, &[Y]) || code == NG) {
                s.push('ं');
                after_c = false;
                // ng before a vowel or at the end is [ŋɡ] in Hindi reading: ब्रेकिंग, सिंगर.
                if code == NG && !is_code(next, &[K, G]) {
                    s.push('ग');
                    after_c = true;
                }
                continue;
            }
            // y spelled with an i before another vowel letter: million मिलियन, union यूनियन.
            if code == Y && after_c {
                if let Some(g) = groups.and_then(|g| g.get(vi)) {
                    if g.len() >= 2 && g.starts_with('i') && matches!(g.as_bytes()[1], b'a' | b'o' | b'u') {
                        s.push('ि');
                        s.push('य');
                        after_c = true;
                        continue;
                    }
                }
            }
            if after_c {
                s.push('्');
            }
            // A plural -s after a consonant is written स as Hindi does (चैंपियंस, गेम्स).
            if code == Z && next.is_none() && word.ends_with('s') && prev.is_some_and(|q| !q.1.vowel) {
                s.push('स');
                continue;
            }
            s.push_str(if code == NG { "ङ" } else { p.deva });
            after_c = true;
            continue;
        }
        let spelled = groups.and_then(|g| g.get(vi)).map(String::as_str).unwrap_or("");
        let last = vi + 1 == n_v;
        vi += 1;
        let next_is_v = next.is_some_and(|(_, q)| q.vowel);
        let (ind, sign): (&str, &str) = match code {
            // Final -a is आ as Hindi writes it: corona कोरोना, media मीडिया.
            AH0 if (spelled == "a" && last || ends_a) && next.is_none() => ("आ", "ा"),
            // -ile is British [aɪl] in India: mobile मोबाइल, missile मिसाइल.
            AH0 | IH if spelled == "i" && last && word.ends_with("ile") => ("आइ", "ाइ"),
            AH0 if spelled.starts_with('o') && vi == 1 && after_c => ("उ", "ु"),
            AH0 if spelled == "i" => ("इ", "ि"),
            AH0 if spelled == "e" => ("ए", "े"),
            AA if spelled.starts_with('o') => ("ऑ", "ॉ"),
            // The British broad a of fast, class, after, path, dance: फ़ास्ट, क्लास, आफ़्टर, डांस.
            AE if broad_a(&ph[k + 1..]) => ("आ", "ा"),
            // oa/ou before r: board बोर्ड, course कोर्स.
            AO if matches!(spelled, "oa" | "ou") => ("ओ", "ो"),
            IH if spelled == "e" && vi == 1 && !after_c && is_code(next, &[K, G]) => ("ए", "े"),
            ER if spelled.starts_with('o') && next_is_v => ("ओर", "ोर"),
            // Yod kept after n t d l s where the spelling has ew/ue/eu: news, tube-like words.
            UW if matches!(spelled, "ew" | "ue" | "eu") && is_code(prev, &[N, T, D, L, S]) => ("यू", "्यू"),
            // i before a schwa is a glide: India इंडिया, media मीडिया.
            IY | IH if is_code(next, &[AH0]) && after_c => ("िय", "िय"),
            _ => (p.deva, p.sign),
        };
        if ind == "िय" {
            s.push_str("िय");
            after_c = true;
            continue;
        }
        if after_c {
            s.push_str(sign);
        } else {
            s.push_str(ind);
        }
        after_c = false;
        // ER is a vowel followed by र.
        if code == ER {
            after_c = true;
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_common_words_as_hindi_writes_them() {
        for (w, want) in [
            ("breaking", "ब्रेकिंग"),
            ("gold", "गोल्ड"),
            ("rate", "रेट"),
            ("today", "टुडे"),
            ("fights", "फ़ाइट्स"),
            ("corona", "कोरोना"),
            ("doctor", "डॉक्टर"),
            ("bank", "बैंक"),
            ("million", "मिलियन"),
            ("media", "मीडिया"),
        ] {
            assert_eq!(read(w).as_deref(), Some(crate::text::normalize::word_form(want).as_str()), "{w}");
        }
        assert!(read("qqqzzz").is_none());
        assert!(known("news"));
    }
}
