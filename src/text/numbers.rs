//! Numbers as Hindi words: cardinals in the Indian system, digit strings, years, ordinals.
//!
//! Conventions (documented in lexicon/README.md):
//! - Cardinals group as Indian numbers: अरब (10⁹), करोड़ (10⁷), लाख (10⁵), हज़ार, सौ; the
//!   count before a scale word is read recursively (10¹² → एक हज़ार अरब).
//! - A digit string with a leading zero (007), longer than 15 digits, or (in the segmenter)
//!   ten or more digits without commas is read digit by digit.
//! - Decimals: the integer part, दशमलव, then each digit (3.25 → तीन दशमलव दो पाँच).
//! - Times: H:00 → H बजे; H:30 → साढ़े H बजे (1:30 डेढ़ बजे, 2:30 ढाई बजे); other
//!   minutes → H बजकर M मिनट. A written बजे after the time is not said twice.
//! - Dates D/M/Y (or D-M-Y, D.M.Y) → day, month name, year: 26/11/2026 → छब्बीस नवंबर दो
//!   हज़ार छब्बीस.
//! - Four-digit numbers 1100–1999 written without commas are read as years are spoken,
//!   by hundreds (1999 → उन्नीस सौ निन्यानवे); 2000 onwards as ordinary numbers
//!   (2026 → दो हज़ार छब्बीस).

use super::normalize::digit_value;
use super::tables::Tables;

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
    fn ordinals() {
        let mut v = Vec::new();
        ordinal(tables(), 5, Gender::Feminine, &mut v);
        ordinal(tables(), 1, Gender::Masculine, &mut v);
        assert_eq!(v, vec!["पाँचवीं", "पहला"]);
    }
}
