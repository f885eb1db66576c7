//! Inflected forms through their stem: a word not in the lexicon is split into a stem the
//! lexicon knows and a known suffix (लड़कों = लड़का + ओं, बदलता = बदलना − ना + ता).
//!
//! In: a normalized word and the lexicon. Out: phones, or None when no split is known.

use super::lexicon::Lexicon;
use crate::phoneme::Phone::{self, *};

/// Suffixes, longest first within each spelling family: (written form, phones).
const SUFFIXES: &[(&str, &[Phone])] = &[
    ("ियों", &[Ii, Y, ON]),
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

/// Ways to find a stem in the lexicon: (ending added to the stem, phones dropped from its
/// entry). बदलता: stem बदल, or the infinitive बदलना without [n ɑː]; लड़कों: लड़का without [ɑː].
const RESTORE: &[(&str, usize)] = &[("", 0), ("ना", 2), ("ा", 1), ("ी", 1), ("ाना", 3)];

/// Returns the phones of `word` as stem + suffix, if the lexicon knows a stem.
pub(crate) fn inflected(word: &str, lex: &Lexicon, out: &mut Vec<Phone>, buf: &mut String) -> bool {
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
            // After a stem ending in a consonant, a vowel suffix moves schwas in ways the
            // letter rules predict better than the stem entry (ख़बरें keeps, निकलो drops).
            // Only a stem whose entry ends in a vowel (or whose final vowel the suffix
            // replaces: लड़का → लड़कों) keeps its schwas unchanged.
            if sphones[0].is_vowel() {
                let replaced_vowel = drop == 1 && ph.last().is_some_and(|p| p.is_vowel());
                let ends_in_vowel = drop == 0 && ph.last().is_some_and(|p| p.is_vowel());
                if !(replaced_vowel || ends_in_vowel) {
                    continue;
                }
            }
            out.clear();
            out.extend_from_slice(&ph[..ph.len() - drop]);
            out.extend_from_slice(sphones);
            super::rules::finish(out);
            return true;
        }
    }
    false
}
