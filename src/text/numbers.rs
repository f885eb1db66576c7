//! Numbers as Hindi words: cardinals in the Indian system, digit strings, years, ordinals.
//!
//! Conventions (documented in lexicon/README.md):
//! - Cardinals group as Indian numbers: अरब (10⁹), करोड़ (10⁷), लाख (10⁵), हज़ार, सौ; the
//!   count before a scale word is read recursively (10¹² → एक हज़ार अरब).
//! - A digit string with a leading zero (007), longer than 15 digits, or (in the segmenter)
//!   ten or more digits without commas is read digit by digit.
//! - Decimals: the integer part, दशमलव, then each digit (3.25 → तीन दशमलव दो पाँच).
//! - Times are read by [`super::time`]; where a number stands decides its kind (amount,
//!   time, date, phone, score, model name) in `segment::number`.
//! - Dates D/M/Y (or D-M-Y, D.M.Y) → day, month name, year: 26/11/2026 → छब्बीस नवंबर दो
//!   हज़ार छब्बीस.
//! - Four-digit numbers 1100–1999 written without commas are read as years are spoken,
//!   by hundreds (1999 → उन्नीस सौ निन्यानवे); 2000 onwards as ordinary numbers
//!   (2026 → दो हज़ार छब्बीस).
//! - Model and code names read their number in English (`lexicon/english_numbers.tsv`):
//!   [`english`]. Context words, fractions and times of day are in [`NumTables`].

use std::collections::{HashMap, HashSet};
use std::sync::OnceLock;

use super::normalize::{digit_value, word_form};
use super::tables::Tables;

const ENGLISH_NUMBERS: &str = include_str!("../../lexicon/english_numbers.tsv");
const TIME_OF_DAY: &str = include_str!("../../lexicon/time_of_day.tsv");
const FRACTIONS: &str = include_str!("../../lexicon/fractions.tsv");
const CONTEXT: &str = include_str!("../../lexicon/number_context.tsv");

/// What a context word of `lexicon/number_context.tsv` does to a nearby number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub(crate) enum Context {
    /// x.5 before it is साढ़े x.
    Half,
    /// A number after it is a phone number.
    Phone,
    /// a/b in its line is a cricket score.
    Score,
    /// a/b after it is a section number (बटा).
    Section,
    /// A number joined to it is read in English.
    Model,
    /// A time of day (not doubled before AM/PM).
    Daytime,
    /// An acronym whose number is read in Hindi (NH-48 → एन एच अड़तालीस).
    Hindi,
}

/// The number-reading tables that are not in [`Tables`]: English numbers, times of day,
/// fractions and context words.
#[derive(Debug, Default)]
pub(crate) struct NumTables {
    /// English number words: 0–19 and the tens (index 20, 30 …); others empty.
    pub english: Vec<String>,
    /// English "hundred".
    pub english_hundred: String,
    /// (first hour, last hour, word) of the 24-hour clock.
    pub daytimes: Vec<(u64, u64, String)>,
    /// Written fraction (1/4, ¾) → words.
    pub fractions: HashMap<String, Vec<String>>,
    /// Context words (Devanagari without nukta, Latin lower case) by kind.
    pub context: HashSet<(Context, String)>,
    /// Unit words after "/" → their reading after प्रति.
    pub per: HashMap<String, Vec<String>>,
    /// Lines of the built-in files that could not be read (file, line number).
    pub bad_lines: Vec<(&'static str, usize)>,
}

/// Returns the key a context word is looked up by: Latin lower-cased, Devanagari in the one
/// word form without nukta (हजार and हज़ार alike).
pub(crate) fn context_key(w: &str) -> String {
    if w.is_ascii() {
        w.to_ascii_lowercase()
    } else {
        word_form(w).replace('\u{093C}', "")
    }
}

impl NumTables {
    /// Returns true if `word` is a context word of `kind`.
    pub fn is(&self, kind: Context, word: &str) -> bool {
        self.context.contains(&(kind, context_key(word)))
    }
}

/// Returns the parsed number tables (built on first use).
pub(crate) fn num_tables() -> &'static NumTables {
    static T: OnceLock<NumTables> = OnceLock::new();
    T.get_or_init(build)
}

fn rows(src: &'static str) -> impl Iterator<Item = (usize, Vec<&'static str>)> {
    src.lines().enumerate().filter_map(|(i, l)| {
        let l = l.trim_end_matches('\r');
        (!(l.trim().is_empty() || l.starts_with('#'))).then(|| (i + 1, l.split('\t').collect()))
    })
}

fn build() -> NumTables {
    let mut t = NumTables { english: vec![String::new(); 100], ..Default::default() };
    let mut bad = Vec::new();
    for (n, r) in rows(ENGLISH_NUMBERS) {
        match (r.len(), r[0].parse::<usize>()) {
            (2, Ok(k)) if k < 20 || (k < 100 && k % 10 == 0) => t.english[k] = word_form(r[1]),
            (2, Err(_)) if r[0] == "hundred" => t.english_hundred = word_form(r[1]),
            _ => bad.push(("english_numbers.tsv", n)),
        }
    }
    if (0..100).any(|k| (k < 20 || k % 10 == 0) && t.english[k].is_empty()) || t.english_hundred.is_empty() {
        bad.push(("english_numbers.tsv", 0));
    }
    for (n, r) in rows(TIME_OF_DAY) {
        match (r.len(), r[0].parse::<u64>(), r.get(1).map(|x| x.parse::<u64>())) {
            (3, Ok(a), Some(Ok(b))) if a <= b && b < 24 => t.daytimes.push((a, b, word_form(r[2]))),
            _ => bad.push(("time_of_day.tsv", n)),
        }
    }
    for (n, r) in rows(FRACTIONS) {
        if r.len() == 2 && !r[1].trim().is_empty() {
            t.fractions.insert(r[0].to_string(), r[1].split_whitespace().map(word_form).collect());
        } else {
            bad.push(("fractions.tsv", n));
        }
    }
    for (n, r) in rows(CONTEXT) {
        let kind = match r[0] {
            "half" => Context::Half,
            "phone" => Context::Phone,
            "score" => Context::Score,
            "section" => Context::Section,
            "model" => Context::Model,
            "daytime" => Context::Daytime,
            "hindi" => Context::Hindi,
            "per" if r.len() == 3 => {
                t.per.insert(context_key(r[1]), r[2].split_whitespace().map(word_form).collect());
                continue;
            }
            _ => {
                bad.push(("number_context.tsv", n));
                continue;
            }
        };
        if r.len() == 2 && !r[1].trim().is_empty() {
            t.context.insert((kind, context_key(r[1])));
        } else {
            bad.push(("number_context.tsv", n));
        }
    }
    t.bad_lines = bad;
    t
}

/// Appends `digits` read in English, as the number of a model or code name is said: up to
/// two digits as one number (7 सेवन, 19 नाइनटीन, 47 फ़ोर्टी सेवन); a whole hundred as
/// "X hundred" (400); three digits as the first digit and the last two (320 थ्री ट्वेंटी);
/// longer or leading-zero strings digit by digit.
pub(crate) fn english(nt: &NumTables, digits: &str, out: &mut Vec<String>) {
    let ds: Vec<u32> = digits.chars().filter_map(digit_value).collect();
    let two = |a: u32, b: u32, out: &mut Vec<String>| {
        let v = (a * 10 + b) as usize;
        if v < 20 || b == 0 {
            out.push(nt.english[v].clone());
        } else {
            out.push(nt.english[v - b as usize].clone());
            out.push(nt.english[b as usize].clone());
        }
    };
    match ds.as_slice() {
        [a] => out.push(nt.english[*a as usize].clone()),
        [a, b] if *a != 0 => two(*a, *b, out),
        [a, 0, 0] if *a != 0 => {
            out.push(nt.english[*a as usize].clone());
            out.push(nt.english_hundred.clone());
        }
        [a, b, c] if *a != 0 && *b != 0 => {
            out.push(nt.english[*a as usize].clone());
            two(*b, *c, out);
        }
        _ => {
            for d in ds {
                out.push(nt.english[d as usize].clone());
            }
        }
    }
}

/// Appends x.5 said with साढ़े (1.5 डेढ़, 2.5 ढाई, 3.5 साढ़े तीन), for 1 ≤ x ≤ 99; returns
/// false (and appends nothing) for other x.
pub(crate) fn and_a_half(t: &Tables, x: u64, out: &mut Vec<String>) -> bool {
    match x {
        1 => out.push(t.word("one_and_half").to_string()),
        2 => out.push(t.word("two_and_half").to_string()),
        3..=99 => {
            out.push(t.word("half_past").to_string());
            cardinal(t, x, out);
        }
        _ => return false,
    }
    true
}

/// Longest digit string read as one number; longer ones are read digit by digit.
const MAX_DIGITS: usize = 15;

/// Returns the value of a run of digits, if it is short enough to read as a number.
pub(crate) fn value(digits: &str) -> Option<u64> {
    let mut v: u64 = 0;
    let mut n = 0;
    for c in digits.chars() {
        v = v.checked_mul(10)?.checked_add(digit_value(c)? as u64)?;
        n += 1;
    }
    (n > 0 && n <= MAX_DIGITS).then_some(v)
}

/// Appends the Hindi cardinal for `n`.
pub(crate) fn cardinal(t: &Tables, n: u64, out: &mut Vec<String>) {
    if n < 100 {
        out.push(t.cardinals[n as usize].clone());
        return;
    }
    const SCALES: [(u64, &str); 4] =
        [(1_000_000_000, "arab"), (10_000_000, "crore"), (100_000, "lakh"), (1_000, "thousand")];
    for (size, key) in SCALES {
        if n >= size {
            cardinal(t, n / size, out);
            out.push(t.word(key).to_string());
            if !n.is_multiple_of(size) {
                cardinal(t, n % size, out);
            }
            return;
        }
    }
    out.push(t.cardinals[(n / 100) as usize].clone());
    out.push(t.word("hundred").to_string());
    if !n.is_multiple_of(100) {
        out.push(t.cardinals[(n % 100) as usize].clone());
    }
}

/// Appends each digit of `digits` as a word.
pub(crate) fn digit_by_digit(t: &Tables, digits: &str, out: &mut Vec<String>) {
    for c in digits.chars() {
        if let Some(d) = digit_value(c) {
            out.push(t.cardinals[d as usize].clone());
        }
    }
}

/// Appends a whole number written as `digits` (no separators): as a year-style or ordinary
/// cardinal, or digit by digit when it has a leading zero or is too long.
pub(crate) fn integer(t: &Tables, digits: &str, out: &mut Vec<String>) {
    let n_digits = digits.chars().count();
    match value(digits) {
        Some(v) if !(n_digits > 1 && digits.starts_with(['0', '०'])) => {
            if n_digits == 4 && (1100..2000).contains(&v) {
                year_by_hundreds(t, v, out);
            } else {
                cardinal(t, v, out);
            }
        }
        _ => digit_by_digit(t, digits, out),
    }
}

/// Appends 1100–1999 read by hundreds (1999 → उन्नीस सौ निन्यानवे).
fn year_by_hundreds(t: &Tables, v: u64, out: &mut Vec<String>) {
    out.push(t.cardinals[(v / 100) as usize].clone());
    out.push(t.word("hundred").to_string());
    if !v.is_multiple_of(100) {
        out.push(t.cardinals[(v % 100) as usize].clone());
    }
}

/// Grammatical form of an ordinal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Gender {
    /// पहला, पाँचवाँ.
    Masculine,
    /// पहली, पाँचवीं.
    Feminine,
    /// पहले, पाँचवें (oblique or plural).
    Oblique,
}

/// Appends the ordinal of `n` (1 → पहला, 5 → पाँचवाँ, 21 → इक्कीसवाँ).
pub(crate) fn ordinal(t: &Tables, n: u64, g: Gender, out: &mut Vec<String>) {
    let gi = match g {
        Gender::Masculine => 0,
        Gender::Feminine => 1,
        Gender::Oblique => 2,
    };
    if let Some(forms) = t.ordinals.get(&n) {
        out.push(forms[gi].clone());
        return;
    }
    let before = out.len();
    cardinal(t, n, out);
    let suffix = t.word(["ordinal_m", "ordinal_f", "ordinal_o"][gi]);
    if let Some(last) = out.get_mut(before..).and_then(|s| s.last_mut()) {
        last.push_str(suffix);
    }
}

/// Returns the gender an ordinal suffix written after digits asks for (1ला, 2री, 5वीं, 10वें).
pub(crate) fn ordinal_suffix(s: &str) -> Option<Gender> {
    Some(match s {
        "ला" | "रा" | "था" | "ठा" | "वाँ" | "वां" | "वा" => Gender::Masculine,
        "ली" | "री" | "थी" | "ठी" | "वीं" | "वी" => Gender::Feminine,
        "ले" | "रे" | "थे" | "ठे" | "वें" | "वे" => Gender::Oblique,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::tables::tables;

    fn card(n: u64) -> String {
        let mut v = Vec::new();
        cardinal(tables(), n, &mut v);
        v.join(" ")
    }

    #[test]
    fn indian_grouping() {
        assert_eq!(card(250_000), "दो लाख पचास हज\u{093C}ार");
        assert_eq!(card(105), "एक सौ पाँच");
        assert_eq!(card(0), "शून्य");
        assert!(card(u64::MAX).split(' ').count() < 40);
    }

    #[test]
    fn number_tables_have_no_bad_lines() {
        let nt = num_tables();
        assert!(nt.bad_lines.is_empty(), "bad lines: {:?}", nt.bad_lines);
        assert!(nt.is(Context::Half, "हज़ार") && nt.is(Context::Half, "हजार"));
    }

    #[test]
    fn english_model_numbers() {
        let e = |d: &str| {
            let mut v = Vec::new();
            english(num_tables(), d, &mut v);
            v.join(" ")
        };
        assert_eq!(e("7"), "सेवन");
        assert_eq!(e("19"), "नाइनटीन");
        assert_eq!(e("47"), word_form("फ़ोर्टी सेवन"));
        assert_eq!(e("400"), word_form("फ़ोर हंड्रेड"));
        assert_eq!(e("320"), "थ्री ट्वेंटी");
        assert_eq!(e("05"), word_form("ज़ीरो फ़ाइव"));
    }

    #[test]
    fn ordinals() {
        let mut v = Vec::new();
        ordinal(tables(), 5, Gender::Feminine, &mut v);
        ordinal(tables(), 1, Gender::Masculine, &mut v);
        assert_eq!(v, vec!["पाँचवीं", "पहला"]);
    }
}
