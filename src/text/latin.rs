//! Latin-script words inside Hindi text → Devanagari words.
//!
//! Decided per word, in this order:
//! 1. the tables `lexicon/latin_words.tsv` (English words and word-like acronyms as Hindi news
//!    writes them) and `lexicon/latin_names.tsv` (frequent names of Indian news);
//! 2. CamelCase (a hashtag such as IndiaFightsCorona) is split into its words;
//! 3. an ALL-CAPS word is read as a word when it is an English dictionary word and either
//!    stands among other all-caps words (BREAKING NEWS) or has at least
//!    [`CAPS_WORD_MIN_LETTERS`] letters; otherwise it is an acronym and spelled (WHO, BJP, DM);
//! 4. a word with the letter patterns of romanized Hindi (aa, bh, dh, -endra, -pur …) is
//!    transliterated as Hindi ([`super::roman`]) even if the English dictionary has it;
//! 5. an English dictionary word (CMUdict, [`super::english`]) is read as English;
//! 6. any other word: English letter rules when it has spellings only English uses (ck, tion,
//!    x, magic e …), otherwise it is taken for a romanized Hindi name.
//!
//! The result is plain Devanagari that G2P reads with its own rules.

use super::normalize::word_form;
use super::tables::Tables;
use super::{english, roman};

/// An all-caps dictionary word standing alone is read as a word from this many letters on
/// (CORONA, BUDGET); shorter ones are spelled (WHO, US, IT are acronyms in news).
pub(crate) const CAPS_WORD_MIN_LETTERS: usize = 6;

/// Appends the Devanagari reading of a Latin word. `caps_run`: a neighbouring word is also
/// written in capitals (a headline in capitals).
pub(crate) fn read(t: &Tables, word: &str, caps_run: bool, out: &mut Vec<String>) {
    // Drop a possessive 's (BJP's → BJP).
    let word = word.strip_suffix("'s").or_else(|| word.strip_suffix("’s")).unwrap_or(word);
    let lower = word.to_lowercase();
    let letters = word.chars().filter(|c| c.is_alphabetic()).count();
    let all_caps = word.chars().all(|c| !c.is_lowercase());
    if all_caps && letters >= 2 {
        match t.acronyms.get(word).map(String::as_str) {
            Some("=") => return spell(t, word, out),
            Some(w) => return out.extend(w.split(' ').map(str::to_string)),
            None => {}
        }
    }
    if let Some(w) = t.latin_words.get(&lower) {
        out.extend(w.split(' ').map(str::to_string));
        return;
    }
    if let Some(parts) = camel_parts(word) {
        for p in parts {
            read(t, p, false, out);
        }
        return;
    }
    if letters <= 1 || !has_vowel(&lower) || !lower.is_ascii() {
        spell(t, word, out);
        return;
    }
    if all_caps {
        let as_word = english::known(&lower) && (caps_run || letters >= CAPS_WORD_MIN_LETTERS);
        if !as_word && letters <= 12 {
            spell(t, word, out);
            return;
        }
    }
    if roman::looks_hindi(&lower) {
        out.push(word_form(&roman::to_devanagari(&lower)));
        return;
    }
    if let Some(w) = english::read(&lower) {
        out.push(word_form(&w));
        return;
    }
    let w = if roman::looks_english(&lower) { english(&lower) } else { roman::to_devanagari(&lower) };
    if !w.is_empty() {
        out.push(word_form(&w));
    }
}

/// Splits a CamelCase word (IndiaFightsCorona, iPhone is not: it starts lower-case) into its
/// parts; None when the word has no inner capital after a lower-case letter.
fn camel_parts(word: &str) -> Option<Vec<&str>> {
    let mut cuts = Vec::new();
    let mut prev_lower = false;
    let mut first_upper = false;
    let cs: Vec<(usize, char)> = word.char_indices().collect();
    let mut upper_run = 0;
    for (k, &(i, c)) in cs.iter().enumerate() {
        if k == 0 {
            first_upper = c.is_uppercase();
        }
        // Before a capital that ends a run of two or more capitals and starts a word of two
        // or more lower-case letters: PMOIndia → PMO India (NGOs, IDs stay whole).
        let starts_word =
            cs.get(k + 1).is_some_and(|n| n.1.is_lowercase()) && cs.get(k + 2).is_some_and(|n| n.1.is_lowercase());
        if c.is_uppercase() && (prev_lower || (upper_run >= 2 && starts_word)) {
            cuts.push(i);
        }
        upper_run = if c.is_uppercase() { upper_run + 1 } else { 0 };
        prev_lower = c.is_lowercase();
    }
    if cuts.is_empty() || !first_upper {
        return None;
    }
    let mut parts = Vec::with_capacity(cuts.len() + 1);
    let mut s = 0;
    for c in cuts {
        parts.push(&word[s..c]);
        s = c;
    }
    parts.push(&word[s..]);
    Some(parts)
}

/// Appends the letter names of every ASCII letter of `word`.
pub(crate) fn spell(t: &Tables, word: &str, out: &mut Vec<String>) {
    for c in word.chars() {
        if c.is_ascii_alphabetic() {
            out.push(t.letters[(c.to_ascii_lowercase() as u8 - b'a') as usize].clone());
        }
    }
}

fn has_vowel(s: &str) -> bool {
    s.bytes().any(|b| matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y'))
}

fn is_v(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u')
}

/// A sound unit of the English word.
enum U {
    /// A consonant (Devanagari base letter(s) without vowel).
    C(&'static str),
    /// A vowel: (independent form, vowel sign).
    V(&'static str, &'static str),
    /// Nasal before a consonant, written as anusvara.
    N,
}

/// Converts a lower-case English word to Devanagari by simple rules (ASCII letters only;
/// anything else is skipped).
fn english(w: &str) -> String {
    let b: Vec<u8> = w.bytes().filter(|c| c.is_ascii_lowercase()).collect();
    assemble(&with_suffix(&b))
}

/// Returns the units of a word, reading the inflections -ing, -ed and plural -s on a stem
/// (updated → update + ed, running → run + ing, times → time + s).
fn with_suffix(b: &[u8]) -> Vec<U> {
    let n = b.len();
    if n >= 6 && b.ends_with(b"ing") {
        let mut u = stem(&b[..n - 3]);
        u.extend([U::V("इ", "ि"), U::N, U::C("ग")]);
        return u;
    }
    if n >= 5 && b.ends_with(b"ed") && !is_v(b[n - 3]) {
        let st = &b[..n - 2];
        let mut u = stem(st);
        if matches!(st.last(), Some(b't' | b'd')) {
            u.push(U::V("ए", "े"));
        }
        u.push(U::C("ड"));
        return u;
    }
    if n >= 4 && b.ends_with(b"s") && !b.ends_with(b"ss") && !b.ends_with(b"us") && !b.ends_with(b"is") {
        let mut u = core(&b[..n - 1]);
        u.push(U::C("स"));
        return u;
    }
    core(b)
}

/// Returns the units of an inflected word's stem, restoring a dropped final e after
/// consonant + a/o/u + consonant (updat → update, vot → vote; not visit → visite).
fn stem(st: &[u8]) -> Vec<U> {
    let k = st.len();
    if k >= 3 && !is_v(st[k - 1]) && matches!(st[k - 2], b'a' | b'o' | b'u') && !is_v(st[k - 3]) && st[k - 1] != b'r' {
        let mut e = st.to_vec();
        e.push(b'e');
        return core(&e);
    }
    core(st)
}

/// Returns the units of an uninflected word.
fn core(b: &[u8]) -> Vec<U> {
    let n = b.len();
    let at = |i: usize| -> u8 {
        if i < n {
            b[i]
        } else {
            0
        }
    };
    let mut units: Vec<U> = Vec::with_capacity(n);
    let mut i = 0;
    let mut first_vowel = true;
    while i < n {
        let c = b[i];
        let rest = &b[i..];
        // Final silent e (not in two-letter words like "be").
        if c == b'e' && i == n - 1 && n > 2 && !first_vowel {
            break;
        }
        if is_v(c) || (c == b'y' && i > 0 && !is_v(at(i + 1))) {
            // Magic e: V C e at the end, or V C e C… before a suffix is ignored.
            let magic = i + 2 == n - 1 && at(i + 2) == b'e' && !is_v(at(i + 1)) && at(i + 1) != 0;
            let closed = !is_v(at(i + 1)) && (at(i + 1) == 0 || !is_v(at(i + 2)) || at(i + 2) == 0);
            let (u, step) = if rest == b"are" && i > 0 || rest.starts_with(b"air") {
                // share, chair → शेयर, चेयर.
                units.push(U::V("ए", "े"));
                units.push(U::V("य", "य"));
                units.push(U::C("र"));
                (None, 3)
            } else if rest.starts_with(b"ee") || rest.starts_with(b"ea") {
                (Some(U::V("ई", "ी")), 2)
            } else if rest.starts_with(b"oo") {
                (Some(U::V("ऊ", "ू")), 2)
            } else if rest.starts_with(b"ou") || rest.starts_with(b"ow") && at(i + 2) == 0 {
                (Some(U::V("आउ", "ाउ")), 2)
            } else if rest.starts_with(b"ai") || rest.starts_with(b"ay") {
                (Some(U::V("ए", "े")), 2)
            } else if rest.starts_with(b"oa") || rest.starts_with(b"ow") {
                (Some(U::V("ओ", "ो")), 2)
            } else if rest.starts_with(b"au") || rest.starts_with(b"aw") {
                (Some(U::V("ऑ", "ॉ")), 2)
            } else if rest.starts_with(b"ia") && i + 2 == n {
                (Some(U::V("इया", "िया")), 2)
            } else if rest.starts_with(b"igh") {
                (Some(U::V("आइ", "ाइ")), 3)
            } else if rest == b"ice" && !first_vowel {
                // Unstressed -ice: service, justice → सर्विस, जस्टिस.
                units.push(U::V("इ", "ि"));
                units.push(U::C("स"));
                (None, 3)
            } else if (rest.starts_with(b"er") || rest.starts_with(b"ur") || (!first_vowel && rest.starts_with(b"or")))
                && (i + 2 == n || !is_v(at(i + 2)))
            {
                // r-coloured unstressed vowels: paper, doctor, turn → अर.
                units.push(U::V("अ", ""));
                units.push(U::C("र"));
                (None, 2)
            } else {
                let v = match c {
                    b'a' if rest.starts_with(b"ar") => U::V("आ", "ा"),
                    b'a' if magic => U::V("ए", "े"),
                    b'a' if i + 1 == n => U::V("आ", "ा"),
                    b'a' if first_vowel && closed => U::V("ऐ", "ै"),
                    // Open first syllable: Tata, Sharma (ending in a) → आ; data, paper → ए.
                    b'a' if first_vowel && b[n - 1] == b'a' => U::V("आ", "ा"),
                    b'a' if first_vowel => U::V("ए", "े"),
                    b'a' => U::V("अ", ""),
                    b'e' => U::V("ए", "े"),
                    b'i' if magic => U::V("आइ", "ाइ"),
                    b'i' | b'y' if i + 1 == n => U::V("ई", "ी"),
                    b'i' | b'y' => U::V("इ", "ि"),
                    b'o' if magic || !closed || i + 1 == n => U::V("ओ", "ो"),
                    b'o' => U::V("ऑ", "ॉ"),
                    b'u' if magic => U::V("यू", "्यू"),
                    b'u' if closed => U::V("अ", ""),
                    b'u' if i == 0 => U::V("यू", "्यू"),
                    _ => U::V("उ", "ु"),
                };
                (Some(v), 1)
            };
            if let Some(u) = u {
                units.push(u);
            }
            first_vowel = false;
            i += step;
            continue;
        }
        // Consonants (and the "tion" vowel case above falls through to here).
        let (u, step): (&'static str, usize) =
            if rest.starts_with(b"tion") || rest.starts_with(b"sion") || rest.starts_with(b"ssion") {
                units.push(U::C("श"));
                units.push(U::V("अ", ""));
                units.push(U::C("न"));
                first_vowel = false;
                i += if c == b's' && at(i + 1) == b's' { 5 } else { 4 };
                continue;
            } else if rest.starts_with(b"sch") {
                units.push(U::C("स"));
                ("क", 3)
            } else if rest.starts_with(b"dg") {
                ("ज", 2)
            } else if rest == b"le" && !units.is_empty() {
                // Syllabic final -le: apple, table → अल.
                units.push(U::V("अ", ""));
                ("ल", 2)
            } else if rest.starts_with(b"ch") {
                ("च", 2)
            } else if rest.starts_with(b"sh") {
                ("श", 2)
            } else if rest.starts_with(b"th") {
                ("थ", 2)
            } else if rest.starts_with(b"ph") {
                ("फ़", 2)
            } else if rest.starts_with(b"ck") {
                ("क", 2)
            } else if rest.starts_with(b"wh") || rest.starts_with(b"wr") {
                (if c == b'w' && at(i + 1) == b'h' { "व" } else { "र" }, 2)
            } else if rest.starts_with(b"kn") && i == 0 {
                ("न", 2)
            } else if rest.starts_with(b"gh") {
                (if i == 0 { "ग" } else { "" }, 2)
            } else if rest.starts_with(b"qu") {
                units.push(U::C("क"));
                ("व", 2)
            } else if c == b'x' {
                units.push(U::C("क"));
                ("स", 1)
            } else if (c == b'n' || c == b'm')
                && at(i + 1) != 0
                && !is_v(at(i + 1))
                && at(i + 1) != b'y'
                && at(i + 1) != c
                && !units.is_empty()
            {
                units.push(U::N);
                i += 1;
                continue;
            } else {
                let soft = matches!(at(i + 1), b'e' | b'i' | b'y');
                let d = match c {
                    b'b' => "ब",
                    b'c' if soft => "स",
                    b'c' => "क",
                    b'd' => "ड",
                    b'f' => "फ़",
                    b'g' if soft && (i + 1 < n - 1 || at(i + 1) == b'e') && i > 0 => "ज",
                    b'g' => "ग",
                    b'h' => "ह",
                    b'j' => "ज",
                    b'k' | b'q' => "क",
                    b'l' => "ल",
                    b'm' => "म",
                    b'n' => "न",
                    b'p' => "प",
                    b'r' => "र",
                    b's' => "स",
                    b't' => "ट",
                    b'v' | b'w' => "व",
                    b'y' => "य",
                    b'z' => "ज़",
                    _ => "",
                };
                // A doubled consonant is one sound.
                let step = if at(i + 1) == c { 2 } else { 1 };
                (d, step)
            };
        if !u.is_empty() {
            units.push(U::C(u));
        }
        i += step;
    }
    units
}

/// Writes units as Devanagari: consonant + vowel sign, virama between consonants, an
/// independent vowel where no consonant precedes.
fn assemble(units: &[U]) -> String {
    let mut s = String::new();
    let mut prev_c = false;
    for (k, u) in units.iter().enumerate() {
        match u {
            U::C(c) => {
                if prev_c {
                    s.push('्');
                }
                s.push_str(c);
                prev_c = true;
            }
            U::V(ind, sign) => {
                if prev_c {
                    s.push_str(sign);
                } else if k > 0 && matches!(units[k - 1], U::V(..)) {
                    // Vowel after vowel: glide, e.g. "ia".
                    s.push_str(if *ind == "अ" { "" } else { ind });
                } else {
                    s.push_str(ind);
                }
                prev_c = false;
            }
            U::N => {
                if prev_c {
                    // "n" after a consonant with no vowel: write न् conjunct instead.
                    s.push_str("्न");
                    continue;
                }
                s.push('ं');
                prev_c = false;
            }
        }
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tables::tables;

    fn r(w: &str) -> String {
        let mut v = Vec::new();
        read(tables(), w, false, &mut v);
        v.join(" ")
    }

    #[test]
    fn acronyms_are_spelled() {
        assert_eq!(r("BJP"), "बी जे पी");
        assert_eq!(r("BJP's"), "बी जे पी");
    }

    #[test]
    fn rules_give_plausible_words() {
        assert_eq!(r("India"), "इंडिया");
        assert_eq!(english("bank"), "बैंक");
        assert_eq!(english("make"), "मेक");
        assert_eq!(english("mission"), "मिशन");
        assert_eq!(english("party"), "पार्टी");
    }
}
