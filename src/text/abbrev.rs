//! Abbreviations, units, titles and initials (table: lexicon/abbreviations.tsv).

use super::tables::{abbrev_key, Abbrev, Tables};

/// Returns the table row for a written form (with its dots, if any).
pub(crate) fn lookup<'t>(t: &'t Tables, form: &str) -> Option<&'t Abbrev> {
    // Only Latin forms with capitals need a lower-cased copy; the rest look up as they are.
    if form.bytes().any(|b| b.is_ascii_uppercase()) {
        t.abbrevs.get(&abbrev_key(form))
    } else {
        t.abbrevs.get(form)
    }
}

/// Returns true if a Devanagari word is the Hindi spelling of an English letter name
/// (एस, के, पी …), i.e. it can be an initial when followed by a dot: "एस. जयशंकर".
pub(crate) fn is_deva_initial(t: &Tables, word: &str) -> bool {
    t.letters.iter().any(|l| l == word)
}
