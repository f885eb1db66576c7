//! Loanwords printed without nukta: which फ is [f].
//!
//! News prints फ for both the native aspirate [pʰ] (फल, फिर) and the [f] of English and
//! Perso-Arabic loans (फ्री, फैसला). For a word the lexicon lacks, [`with_f`] writes फ़ where
//! the word is a listed loan stem (`lexicon/loan_f.tsv`) or an inflection of one, where फ is
//! joined by virama to the next consonant, or where the word has the English vowel ॉ/ऑ.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::rules::normalize_word;

const LIST: &str = include_str!("../../lexicon/loan_f.tsv");
const PHA: char = 'फ';
const NUKTA: char = '\u{093C}';

fn stems() -> &'static HashSet<String> {
    static S: OnceLock<HashSet<String>> = OnceLock::new();
    S.get_or_init(|| {
        let mut k = String::new();
        LIST.lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| {
                normalize_word(l, &mut k);
                k.clone()
            })
            .collect()
    })
}

/// Inflections a listed stem may carry (फिल्मों, फैसलों, अफसरों).
const ENDINGS: &[&str] = &["ों", "ें", "े", "ो", "ी", "ा", "ीं", "ियों", "िया", "ियां", "ियाँ"];

/// Returns `word` (normalized) with फ़ for each फ that is [f], or None when nothing changes.
pub(crate) fn with_f(word: &str) -> Option<String> {
    if !word.contains(PHA) {
        return None;
    }
    let english_vowel = word.contains('ॉ') || word.contains('ऑ');
    let listed = stems().contains(word)
        || ENDINGS.iter().any(|e| {
            // फिल्मों = फिल्म + ों; फैसलों = फैसला with its ा replaced.
            word.strip_suffix(e).is_some_and(|s| stems().contains(s) || stems().contains(&format!("{s}ा")))
        });
    let cs: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len() + 6);
    let mut changed = false;
    for (i, &c) in cs.iter().enumerate() {
        out.push(c);
        if c == PHA && cs.get(i + 1) != Some(&NUKTA) && (listed || english_vowel || cs.get(i + 1) == Some(&'्')) {
            out.push(NUKTA);
            changed = true;
        }
    }
    changed.then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(w: &str) -> Option<String> {
        let mut k = String::new();
        normalize_word(w, &mut k);
        with_f(&k)
    }

    #[test]
    fn loans_get_f_and_native_words_keep_pha() {
        assert_eq!(f("फ्री").as_deref(), Some("फ\u{093C}्री"));
        assert_eq!(f("निफ्टी").as_deref(), Some("निफ\u{093C}्टी"));
        assert!(f("सॉफ्टवेयर").is_some());
        assert!(f("फैसलों").is_some());
        assert!(f("फिल्में").is_some());
        assert_eq!(f("फल"), None);
        assert_eq!(f("फिर"), None);
        assert_eq!(f("फूल"), None);
    }
}
