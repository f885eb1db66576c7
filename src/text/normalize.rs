//! Character-level normalization: one spelling for every Devanagari word.
//!
//! The one form: Unicode NFC, with every nukta letter written as base letter + U+093C NUKTA.
//! NFC already decomposes क़ ख़ ग़ ज़ ड़ ढ़ फ़ य़ (U+0958–U+095F are composition exclusions);
//! we also decompose the three nukta letters NFC composes (ऩ U+0929, ऱ U+0931, ऴ U+0934), so
//! G2P sees nukta as a separate mark everywhere. Invisible characters (ZWJ, ZWNJ, zero-width
//! space, soft hyphen, BOM, word joiner) are removed; other control characters become spaces;
//! every line separator becomes `\n`. Quotes, dashes, brackets and ellipses are kept in the
//! text (captions show them) and classified by the lexer ([`super::lex`]).

use unicode_normalization::UnicodeNormalization;

/// Returns true for characters that carry no sound or layout and are dropped.
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{200B}' | '\u{200C}' | '\u{200D}' | '\u{2060}' | '\u{FEFF}' | '\u{00AD}' | '\u{180E}')
}

/// Pushes `c` in the crate's nukta form.
fn push_nukta_form(out: &mut String, c: char) {
    match c {
        '\u{0929}' => out.push_str("\u{0928}\u{093C}"),
        '\u{0931}' => out.push_str("\u{0930}\u{093C}"),
        '\u{0934}' => out.push_str("\u{0933}\u{093C}"),
        _ => out.push(c),
    }
}

/// Normalizes a whole input text: NFC, nukta form, invisible characters removed, control
/// characters to spaces, all line breaks to `\n`, the Devanagari abbreviation sign ॰ to `.`,
/// and the digit ० typed for that sign right after a letter or vowel sign (कि०मी०, ई०) to `.`
/// (after a digit it stays a zero: २०२६).
pub fn prepare(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut prev_cr = false;
    for c in text.nfc() {
        if prev_cr && c == '\n' {
            prev_cr = false;
            continue;
        }
        prev_cr = c == '\r';
        match c {
            '\r' | '\u{2028}' | '\u{2029}' | '\u{0085}' | '\u{000B}' | '\u{000C}' => out.push('\n'),
            '\n' => out.push('\n'),
            '\u{0970}' => out.push('.'),
            '\u{0966}' if out.chars().next_back().is_some_and(is_deva_letter) => out.push('.'),
            c if is_invisible(c) => {}
            c if c.is_control() || c.is_whitespace() => out.push(' '),
            c => push_nukta_form(&mut out, c),
        }
    }
    visarga_colons(out)
}

/// Replaces a visarga ः typed for a colon by `:`: after a digit (7ः15), or ending a word after a
/// long vowel sign (पटनाः in a dateline). A visarga of a real word (दुःख, अतः, प्रायः) follows
/// a consonant or a short vowel sign and is kept.
fn visarga_colons(s: String) -> String {
    if !s.contains('\u{0903}') {
        return s;
    }
    let cs: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (k, &c) in cs.iter().enumerate() {
        if c == '\u{0903}' && k > 0 {
            let prev = cs[k - 1];
            let next_letter = cs.get(k + 1).is_some_and(|&n| is_deva_letter(n));
            let long_sign = matches!(
                prev,
                '\u{093E}' | '\u{0940}' | '\u{0942}' | '\u{0947}' | '\u{0948}' | '\u{094B}' | '\u{094C}'
            );
            if digit_value(prev).is_some() || (long_sign && !next_letter) {
                out.push(':');
                continue;
            }
        }
        out.push(c);
    }
    out
}

/// Returns `s` in the crate's one word form (NFC, nukta decomposed, invisibles removed).
pub fn word_form(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 4);
    for c in s.nfc() {
        if !is_invisible(c) && !c.is_control() {
            push_nukta_form(&mut out, c);
        }
    }
    out
}

/// Returns true for a Devanagari letter, vowel sign or other word-internal mark (not danda,
/// digits or the abbreviation sign).
pub fn is_deva_letter(c: char) -> bool {
    matches!(c, '\u{0900}'..='\u{0963}' | '\u{0971}'..='\u{097F}' | '\u{A8E0}'..='\u{A8FF}' | '\u{1CD0}'..='\u{1CFF}')
}

/// Returns true for a Devanagari letter that can stand alone (consonant, independent vowel,
/// avagraha, om), as opposed to a vowel sign or other combining mark.
pub fn is_deva_base(c: char) -> bool {
    matches!(c, '\u{0904}'..='\u{0939}' | '\u{093D}' | '\u{0950}' | '\u{0958}'..='\u{0961}' | '\u{0972}'..='\u{097F}' | '\u{A8F2}'..='\u{A8FE}')
}

/// Returns the value of an ASCII or Devanagari digit.
pub fn digit_value(c: char) -> Option<u32> {
    match c {
        '0'..='9' => Some(c as u32 - '0' as u32),
        '\u{0966}'..='\u{096F}' => Some(c as u32 - 0x0966),
        _ => None,
    }
}

/// Longest word handed to G2P, in characters; longer runs (no real word is this long) are
/// cut so no synthesis unit is unbounded.
pub const MAX_WORD_CHARS: usize = 64;

/// Returns true where a word may be cut before `c`: a Devanagari consonant or independent
/// vowel not joined to the previous letter by a virama.
fn can_cut_before(prev: char, c: char) -> bool {
    prev != '\u{094D}' && matches!(c, '\u{0904}'..='\u{0939}' | '\u{0958}'..='\u{0961}' | 'a'..='z' | 'A'..='Z')
}

/// Cuts an over-long word into pieces of at most [`MAX_WORD_CHARS`] characters, preferably
/// before a consonant or independent vowel once half that length is reached.
pub fn chunk_word(w: String) -> Vec<String> {
    if w.len() <= MAX_WORD_CHARS {
        return vec![w];
    }
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut n = 0;
    let mut prev = ' ';
    for c in w.chars() {
        if n >= MAX_WORD_CHARS || (n >= MAX_WORD_CHARS / 2 && can_cut_before(prev, c)) {
            out.push(std::mem::take(&mut cur));
            n = 0;
        }
        cur.push(c);
        n += 1;
        prev = c;
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precomposed_and_decomposed_nukta_agree() {
        assert_eq!(word_form("\u{0958}"), "\u{0915}\u{093C}");
        assert_eq!(word_form("\u{0915}\u{093C}"), "\u{0915}\u{093C}");
        assert_eq!(word_form("\u{095C}"), word_form("\u{0921}\u{093C}"));
        assert_eq!(word_form("\u{0929}"), "\u{0928}\u{093C}");
        assert_eq!(prepare("\u{095E}\u{200D}"), "\u{092B}\u{093C}");
    }

    #[test]
    fn prepare_maps_breaks_and_controls() {
        assert_eq!(prepare("\u{FEFF}a\r\nb\rc\u{0007}d"), "a\nb\nc d");
    }
}
