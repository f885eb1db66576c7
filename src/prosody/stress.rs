//! Word stress from syllable weight (Hindi stress is weight-sensitive, not lexical).

use crate::phoneme::Phone;

/// Returns true for long (bimoraic) vowels: the ː vowels and their nasal counterparts.
fn long(p: Phone) -> bool {
    p.ipa().contains('ː')
}

/// Returns the index (0-based, among the word's vowels) of the stressed syllable.
///
/// Rule (after Kelkar 1968 / Ohala 1983): syllable weight = 1 for a light syllable (short
/// vowel, open), 2 for a heavy one (long vowel, or short vowel + coda), 3 for a superheavy
/// one (long vowel + coda, or short vowel + two codas); stress falls on the heaviest
/// syllable, the rightmost one on ties, but not on the final syllable unless it is the only
/// heaviest one.
pub fn stressed_syllable(phones: &[Phone]) -> Option<usize> {
    let nuclei: Vec<usize> = phones.iter().enumerate().filter(|(_, p)| p.is_vowel()).map(|(i, _)| i).collect();
    if nuclei.is_empty() {
        return None;
    }
    let n = nuclei.len();
    let mut weights = Vec::with_capacity(n);
    for (k, &v) in nuclei.iter().enumerate() {
        let next = nuclei.get(k + 1).copied().unwrap_or(phones.len());
        let cons = next - v - 1;
        // Between vowels one consonant is an onset; with more, all but the last are codas.
        // Word-final consonants are all codas.
        let codas = if k + 1 == n { cons } else { cons.saturating_sub(1) };
        let w = if long(phones[v]) { 2 } else { 1 } + codas.min(2).min(if long(phones[v]) { 1 } else { 2 });
        weights.push(w);
    }
    let max = *weights.iter().max().unwrap();
    let heaviest: Vec<usize> = (0..n).filter(|&k| weights[k] == max).collect();
    let nonfinal: Vec<usize> = heaviest.iter().copied().filter(|&k| k + 1 < n).collect();
    Some(*nonfinal.last().or(heaviest.last()).unwrap())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::phoneme::parse_phones;

    #[test]
    fn heaviest_nonfinal_syllable_is_stressed() {
        // sa-maa-caar: heavy maa (2) vs superheavy caar (3, final but the only heaviest).
        assert_eq!(stressed_syllable(&parse_phones("s ə m ɑː t͡ʃ ɑː r").unwrap()), Some(2));
        // ka-maa-laa: ties between maa and laa → rightmost non-final = maa.
        assert_eq!(stressed_syllable(&parse_phones("k ə m ɑː l ɑː").unwrap()), Some(1));
        assert_eq!(stressed_syllable(&parse_phones("k").unwrap()), None);
    }
}
