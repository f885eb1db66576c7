//! Inflected forms through their stem: a word not in the lexicon is split into a stem the
//! lexicon knows and a known suffix (लड़कों = लड़का + ओं, बदलता = बदलना − ना + ता).
//!
//! In: a normalized word and the lexicon. Out: phones, or None when no split is known.

use super::lexicon::Lexicon;
use crate::phoneme::Phone::{self, *};

/// Suffixes, longest first within each spelling family: (written form, phones).
const SUFFIXES: &[(&str, &[Phone])] = &[
    ("ियों", &[Ii, Y, ON]),
    ("ीय", &[Ii, Y]),
    ("ियाँ", &[Ii, Y, AaN]),
    ("ियां", &[Ii, Y, AaN]),
    ("ुओं", &[U, ON]),
    ("ाओं", &[Aa, ON]),
    ("ाएँ", &[Aa, EN]),
    ("ाएं", &[Aa, EN]),
    ("ेंगे", &[EN, G, E]),
    ("ेंगी", &[EN, G, Ii]),
    ("ूँगा", &[UuN, G, Aa]),
    ("ूंगा", &[UuN, G, Aa]),
    ("ेगा", &[E, G, Aa]),
    ("ेगी", &[E, G, Ii]),
    ("ोगे", &[O, G, E]),
    ("वाला", &[V, Aa, L, Aa]),
    ("वाले", &[V, Aa, L, E]),
    ("वाली", &[V, Aa, L, Ii]),
    ("ियाँ", &[Ii, Y, AaN]),
    ("ओं", &[ON]),
    ("एँ", &[EN]),
    ("एं", &[EN]),
    ("ों", &[ON]),
    ("ें", &[EN]),
    ("ाँ", &[AaN]),
    ("ने", &[N, E]),
    ("ना", &[N, Aa]),
    ("नी", &[N, Ii]),
    ("ता", &[T, Aa]),
    ("ती", &[T, Ii]),
    ("ते", &[T, E]),
    ("कर", &[K, A, R]),
    ("या", &[Y, Aa]),
    ("ये", &[Y, E]),
    ("यी", &[Y, Ii]),
    ("ई", &[Ii]),
    ("ए", &[E]),
    ("ा", &[Aa]),
    ("ी", &[Ii]),
    ("े", &[E]),
    ("ो", &[O]),
];

/// Suffixes that only follow verb stems.
const VERB_SUFFIXES: &[&str] = &["ता", "ती", "ते", "ना", "नी", "ने", "कर", "ेगा", "ेगी", "ेंगे", "ेंगी", "ोगे", "ूँगा", "ूंगा"];

/// Ways to find a stem in the lexicon: (ending added to the stem, phones dropped from its
/// entry). बदलता: stem बदल, or the infinitive बदलना without [n ɑː]; लड़कों: लड़का without [ɑː].
const RESTORE: &[(&str, usize)] = &[("", 0), ("ना", 2), ("ा", 1), ("ी", 1), ("ाना", 3)];

/// Returns the phones of `word` as stem + suffix, if the lexicon knows a stem.
pub(crate) fn inflected(word: &str, lex: &Lexicon, out: &mut Vec<Phone>, buf: &mut String) -> bool {
    let buf2 = &mut String::new();
    for &(suf, sphones) in SUFFIXES {
        let Some(stem) = word.strip_suffix(suf) else { continue };
        // A stem of at least three characters: shorter ones (कि + या) are too often wrong.
        if stem.chars().count() < 3 {
            continue;
        }
        for &(end, drop) in RESTORE {
            buf.clear();
            buf.push_str(stem);
            buf.push_str(end);
            let Some(ph) = lex.get(buf) else { continue };
            if ph.len() <= drop + 1 {
                continue;
            }
            // Only a vowel suffix replaces the final vowel of its stem (लड़का → लड़कों).
            if !sphones[0].is_vowel() && !end.is_empty() && end != "ना" {
                continue;
            }
            // Verb endings attach to verbs: the infinitive must be known (समझना for
            // समझता), or a stem ending in a vowel (खा + ता); क़िस्म + ती is not a verb.
            // The abstract-noun suffix ता follows nouns and adjectives too (गोपनीय|ता).
            let abstract_noun = suf == "ता" && end.is_empty() && !is_verb(stem, lex, buf2);
            if VERB_SUFFIXES.contains(&suf)
                && end != "ना"
                && !abstract_noun
                && !(end.is_empty() && ph.last().is_some_and(|p| p.is_vowel()))
            {
                continue;
            }
            // After a stem ending in a consonant, a vowel suffix moves schwas in ways the
            // letter rules predict better than the stem entry (ख़बरें keeps, निकलो drops).
            // Only a stem whose entry ends in a vowel (or whose final vowel the suffix
            // replaces: लड़का → लड़कों) keeps its schwas unchanged.
            // Derivational ी/ीय after a noun keep its schwas (पंचायत|ी p ə n t͡ʃ ɑː j ə t̪ iː,
            // मानव|ीय); after a verb stem they are inflections the letter rules read better.
            let noun_derivation = matches!(suf, "ी" | "ीय") && drop == 0 && !is_verb(stem, lex, buf2);
            if sphones[0].is_vowel() && !noun_derivation {
                let replaced_vowel = drop == 1 && ph.last().is_some_and(|p| p.is_vowel());
                let ends_in_vowel = drop == 0 && ph.last().is_some_and(|p| p.is_vowel());
                if !(replaced_vowel || ends_in_vowel) {
                    continue;
                }
            }
            out.clear();
            out.extend_from_slice(&ph[..ph.len() - drop]);
            shorten_final(buf, out);
            if !sphones[0].is_vowel() && ends_in_vowel_y(out) {
                out.push(Phone::A);
            }
            out.extend_from_slice(sphones);
            super::rules::finish(out);
            return true;
        }
    }
    false
}

/// Returns true if `p` ends in a long vowel + [j] (ीय): before a consonant its schwa is
/// spoken (गोपनीय|ता ɡ oː p n iː j ə t̪ ɑː, राष्ट्रीय|करण).
fn ends_in_vowel_y(p: &[Phone]) -> bool {
    let n = p.len();
    n >= 2 && p[n - 1] == Phone::Y && p[n - 2].is_vowel() && !matches!(p[n - 2], Phone::A | Phone::I | Phone::U)
}

/// Returns true if the lexicon knows `stem` + ना (an infinitive: the stem is a verb).
fn is_verb(stem: &str, lex: &Lexicon, buf: &mut String) -> bool {
    buf.clear();
    buf.push_str(stem);
    buf.push_str("ना");
    lex.get(buf).is_some()
}

/// Shortens the final [iː]/[uː] of a stem spelled with ि/ु: they are long only at the end of
/// a word (पशु p ə ʃ uː, पशुओं p ə ʃ ʊ õː).
fn shorten_final(spelling: &str, phones: &mut [Phone]) {
    if let Some(l) = phones.last_mut() {
        match (spelling.chars().last(), *l) {
            (Some('ि'), Phone::Ii) => *l = Phone::I,
            (Some('ु'), Phone::Uu) => *l = Phone::U,
            _ => {}
        }
    }
}

/// Returns the number of consonant and vowel letters of `s` (a rough syllable count).
fn letters(s: &str) -> usize {
    s.chars().filter(|&c| starts_word(c)).count()
}

/// Returns true if `c` may begin the second word of a compound (a consonant or a vowel
/// letter, not a sign that belongs to the letter before it).
fn starts_word(c: char) -> bool {
    super::rules::is_consonant(c) || matches!(c, '\u{904}'..='\u{914}')
}

/// Returns the phones of `word` as a compound of two words the lexicon knows (देश + वासी,
/// लोक + प्रिय), each part at least `MIN_PART` characters; the split with the longest
/// first part wins. The second part may be inflected.
pub(crate) fn compound(word: &str, lex: &Lexicon, out: &mut Vec<Phone>, buf: &mut String) -> bool {
    const MIN_PART: usize = 3;
    let idx: Vec<(usize, char)> = word.char_indices().collect();
    if idx.len() < 2 * MIN_PART {
        return false;
    }
    let mut second = Vec::new();
    for k in (MIN_PART..=idx.len() - MIN_PART).rev() {
        let (at, c) = idx[k];
        if !starts_word(c) || idx[k - 1].1 == super::rules::VIRAMA {
            continue;
        }
        let (a, b) = word.split_at(at);
        if letters(a) < 2 || letters(b) < 2 {
            continue;
        }
        let Some(pa) = lex.get(a) else { continue };
        let found = match lex.get(b) {
            Some(pb) => {
                second.clear();
                second.extend_from_slice(pb);
                true
            }
            None => inflected(b, lex, &mut second, buf),
        };
        if found {
            out.clear();
            out.extend_from_slice(pa);
            // The first word's final ि/ु is long only at the end of a word (रवि|वार).
            shorten_final(a, out);
            // A first word ending in a cluster of rising sonority (त्र, व्य, त्त्व: the last
            // consonant a flap or semivowel) says its final schwa inside a compound
            // (राष्ट्र|गान ɾ ɑː ʃ ʈ ɾ ə ɡ ɑː n, पाठ्य|क्रम); a falling one does not
            // (मार्ग|दर्शन m ɑː ɾ ɡ d̪ ə ɾ ʃ ə n, युद्ध|प्रिय).
            let n = out.len();
            let rising =
                n >= 2 && matches!(out[n - 1], Phone::R | Phone::Y | Phone::V | Phone::L) && !out[n - 2].is_vowel();
            if (rising || ends_in_vowel_y(out) && second.first().is_some_and(|p| !p.is_vowel()))
                && a.chars().last().is_some_and(super::rules::is_consonant)
            {
                out.push(Phone::A);
            }
            out.extend_from_slice(&second);
            super::rules::finish(out);
            return true;
        }
    }
    false
}
