//! The expansion tables of `lexicon/*.tsv`, compiled in and parsed once.
//!
//! Every cell is brought to the crate's one spelling (see [`super::normalize::word_form`]), so
//! the files may be typed with precomposed or decomposed nukta letters alike.

use std::collections::HashMap;
use std::sync::OnceLock;

use super::normalize::word_form;

const NUMBERS: &str = include_str!("../../lexicon/numbers.tsv");
const ORDINALS: &str = include_str!("../../lexicon/ordinals.tsv");
const MONTHS: &str = include_str!("../../lexicon/months.tsv");
const ABBREVIATIONS: &str = include_str!("../../lexicon/abbreviations.tsv");
const LATIN_LETTERS: &str = include_str!("../../lexicon/latin_letters.tsv");
const LATIN_WORDS: &str = include_str!("../../lexicon/latin_words.tsv");
const LATIN_NAMES: &str = include_str!("../../lexicon/latin_names.tsv");
const SYMBOLS: &str = include_str!("../../lexicon/symbols.tsv");
const FEMININE: &str = include_str!("../../lexicon/feminine_nouns.tsv");
const ACRONYMS: &str = include_str!("../../lexicon/acronyms.tsv");
const LINKS: &str = include_str!("../../lexicon/links.tsv");
const CREDITS: &str = include_str!("../../lexicon/credits.tsv");
const BOILERPLATE: &str = include_str!("../../lexicon/boilerplate.tsv");

/// How an abbreviation behaves in context (column 3 of abbreviations.tsv).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum AbbrevKind {
    /// Before a name or number; never ends a sentence.
    Title,
    /// A measure; Latin units only after a number.
    Unit,
    /// Moved after the amount that follows it.
    Currency,
    /// Only right after a number.
    Era,
    /// Expanded wherever it stands.
    Word,
}

/// One abbreviation row.
#[derive(Debug, Clone)]
pub(crate) struct Abbrev {
    /// The words it reads as.
    pub words: Vec<String>,
    /// How it behaves.
    pub kind: AbbrevKind,
    /// The words it reads as right before a number, if different.
    pub before_number: Option<Vec<String>>,
}

/// All tables.
#[derive(Debug, Default)]
pub(crate) struct Tables {
    /// Cardinals 0–99.
    pub cardinals: Vec<String>,
    /// Named number words (hundred, thousand, point, …).
    pub named: HashMap<String, String>,
    /// Irregular ordinals: n → (masculine, feminine, oblique).
    pub ordinals: HashMap<u64, [String; 3]>,
    /// Month names 1–12 (index 0 unused).
    pub months: Vec<String>,
    /// English month spellings (lower case) → month number.
    pub month_latin: HashMap<String, usize>,
    /// Hindi month name → month number.
    pub month_hindi: HashMap<String, usize>,
    /// Abbreviations keyed by their written form (Latin forms lower-cased).
    pub abbrevs: HashMap<String, Abbrev>,
    /// Latin letter names a–z.
    pub letters: Vec<String>,
    /// Known Latin words and names (lower case) → Devanagari.
    pub latin_words: HashMap<String, String>,
    /// Symbols → words.
    pub symbols: HashMap<char, String>,
    /// Feminine nouns that make a written ordinal before them feminine.
    pub feminine: std::collections::HashSet<String>,
    /// Acronyms written in capitals → how news says them (BSP → बसपा).
    pub acronyms: HashMap<String, String>,
    /// Labels and separators of web and e-mail addresses (lower case) → reading, and
    /// whether the label is a top-level domain.
    pub links: HashMap<String, (String, bool)>,
    /// Agency credits in brackets that are not read (word form; Latin ones lower-cased).
    pub credits: std::collections::HashSet<String>,
    /// Feed boilerplate lines dropped from bulletins: (pattern, whole line or prefix).
    pub boilerplate: Vec<(String, bool)>,
    /// Lines of the built-in files that could not be read (file, line number); empty when
    /// the data is well formed — a unit test checks that.
    pub bad_lines: Vec<(&'static str, usize)>,
}

/// Returns the parsed tables (built on first use).
pub(crate) fn tables() -> &'static Tables {
    static T: OnceLock<Tables> = OnceLock::new();
    T.get_or_init(build)
}

fn rows(src: &'static str) -> impl Iterator<Item = (usize, Vec<&'static str>)> {
    src.lines().enumerate().filter_map(|(i, l)| {
        let l = l.trim_end_matches('\r');
        if l.trim().is_empty() || l == "#" || l.starts_with("# ") {
            None
        } else {
            Some((i + 1, l.split('\t').collect()))
        }
    })
}

fn words(s: &str) -> Vec<String> {
    s.split_whitespace().map(word_form).collect()
}

fn build() -> Tables {
    let mut t = Tables { cardinals: vec![String::new(); 100], months: vec![String::new(); 13], ..Default::default() };
    let mut bad = Vec::new();
    for (n, r) in rows(NUMBERS) {
        match (r.len(), r[0].parse::<usize>()) {
            (2, Ok(k)) if k < 100 => t.cardinals[k] = word_form(r[1]),
            (2, Err(_)) => {
                t.named.insert(r[0].to_string(), word_form(r[1]));
            }
            _ => bad.push(("numbers.tsv", n)),
        }
    }
    if t.cardinals.iter().any(|c| c.is_empty()) {
        bad.push(("numbers.tsv", 0));
    }
    for (n, r) in rows(ORDINALS) {
        match (r.len(), r[0].parse::<u64>()) {
            (4, Ok(k)) => {
                t.ordinals.insert(k, [word_form(r[1]), word_form(r[2]), word_form(r[3])]);
            }
            _ => bad.push(("ordinals.tsv", n)),
        }
    }
    for (n, r) in rows(MONTHS) {
        match (r.len(), r[0].parse::<usize>()) {
            (3, Ok(k)) if (1..=12).contains(&k) => {
                let name = word_form(r[1]);
                t.month_hindi.insert(name.clone(), k);
                t.months[k] = name;
                for e in r[2].split(',') {
                    t.month_latin.insert(e.trim().to_lowercase(), k);
                }
            }
            _ => bad.push(("months.tsv", n)),
        }
    }
    for (n, r) in rows(ABBREVIATIONS) {
        let kind = match r.get(2).copied() {
            Some("title") => AbbrevKind::Title,
            Some("unit") => AbbrevKind::Unit,
            Some("currency") => AbbrevKind::Currency,
            Some("era") => AbbrevKind::Era,
            Some("word") => AbbrevKind::Word,
            _ => {
                bad.push(("abbreviations.tsv", n));
                continue;
            }
        };
        if r.len() > 4 || r[1].trim().is_empty() {
            bad.push(("abbreviations.tsv", n));
            continue;
        }
        let key = abbrev_key(&word_form(r[0]));
        let before_number = r.get(3).map(|s| words(s));
        t.abbrevs.insert(key, Abbrev { words: words(r[1]), kind, before_number });
    }
    for (n, r) in rows(LATIN_LETTERS) {
        let c = r[0].as_bytes();
        if r.len() == 2 && c.len() == 1 && c[0].is_ascii_lowercase() {
            t.letters.push(word_form(r[1]));
        } else {
            bad.push(("latin_letters.tsv", n));
        }
    }
    if t.letters.len() != 26 {
        bad.push(("latin_letters.tsv", 0));
    }
    for (file, src) in [("latin_words.tsv", LATIN_WORDS), ("latin_names.tsv", LATIN_NAMES)] {
        for (n, r) in rows(src) {
            if r.len() == 2 && r[0].bytes().all(|b| b.is_ascii_lowercase()) {
                t.latin_words.insert(r[0].to_string(), word_form(r[1]));
            } else {
                bad.push((file, n));
            }
        }
    }
    for (n, r) in rows(SYMBOLS) {
        let mut cs = r[0].chars();
        match (r.len(), cs.next(), cs.next()) {
            (2, Some(c), None) => {
                t.symbols.insert(c, word_form(r[1]));
            }
            _ => bad.push(("symbols.tsv", n)),
        }
    }
    for (n, r) in rows(FEMININE) {
        if r.len() == 1 && !r[0].trim().is_empty() {
            t.feminine.insert(word_form(r[0].trim()));
        } else {
            bad.push(("feminine_nouns.tsv", n));
        }
    }
    for (n, r) in rows(ACRONYMS) {
        if r.len() == 2 && r[0].bytes().all(|b| b.is_ascii_uppercase()) && !r[1].trim().is_empty() {
            t.acronyms.insert(r[0].to_string(), word_form(r[1]));
        } else {
            bad.push(("acronyms.tsv", n));
        }
    }
    for (n, r) in rows(LINKS) {
        match (r.len(), r.get(2).copied()) {
            (3, Some(kind @ ("tld" | "word" | "sign"))) if !r[1].trim().is_empty() => {
                t.links.insert(r[0].to_ascii_lowercase(), (word_form(r[1]), kind == "tld"));
            }
            _ => bad.push(("links.tsv", n)),
        }
    }
    for (n, r) in rows(CREDITS) {
        if r.len() == 1 && !r[0].trim().is_empty() {
            t.credits.insert(abbrev_key(&word_form(r[0].trim())));
        } else {
            bad.push(("credits.tsv", n));
        }
    }
    for (n, r) in rows(BOILERPLATE) {
        match (r.len(), r.get(1).copied()) {
            (2, Some(kind @ ("line" | "prefix"))) if !r[0].trim().is_empty() => {
                t.boilerplate.push((word_form(r[0].trim()).to_ascii_lowercase(), kind == "line"));
            }
            _ => bad.push(("boilerplate.tsv", n)),
        }
    }
    t.bad_lines = bad;
    t
}

/// Returns the lookup key of an abbreviation form: Latin forms lower-cased.
pub(crate) fn abbrev_key(form: &str) -> String {
    if form.is_ascii() {
        form.to_ascii_lowercase()
    } else {
        form.to_string()
    }
}

impl Tables {
    /// Returns a named number word ("hundred", "point", …) or "" if missing.
    pub fn word(&self, key: &str) -> &str {
        self.named.get(key).map(String::as_str).unwrap_or("")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_tables_have_no_bad_lines() {
        let t = tables();
        assert!(t.bad_lines.is_empty(), "bad lines: {:?}", t.bad_lines);
        assert_eq!(t.letters[1], "बी");
        for k in ["hundred", "thousand", "lakh", "crore", "arab", "point", "percent", "to"] {
            assert!(!t.word(k).is_empty(), "missing {k}");
        }
    }
}
