//! `say-as`: text read as an explicit kind of value (digits, a date, a telephone number…).
//!
//! Each reading returns the Hindi words to speak, or `None` when the text is not of that
//! kind (the caller then warns and reads it as ordinary text).

use crate::text::numbers::{self, Gender};
use crate::text::tables::Tables;

/// Spoken for "+" in a telephone number.
const PLUS: &str = "प्लस";
/// Spoken after the seconds of a time.
const SECOND: &str = "सेकंड";
/// "and", between minutes and seconds.
const AND: &str = "और";

fn is_digit(c: char) -> bool {
    c.is_ascii_digit() || ('०'..='९').contains(&c)
}

/// ASCII digits of a string of ASCII or Devanagari digits.
fn ascii_digits(s: &str) -> String {
    s.chars()
        .map(|c| if ('०'..='९').contains(&c) { char::from(b'0' + (c as u32 - '०' as u32) as u8) } else { c })
        .collect()
}

/// A whole number (digits, with optional `,` or `_` separators), read as a cardinal.
fn cardinal(t: &Tables, s: &str, out: &mut Vec<String>) -> Option<()> {
    let s = s.trim();
    let (neg, s) = match s.strip_prefix(['-', '−']) {
        Some(r) => (true, r),
        None => (false, s),
    };
    let d: String = ascii_digits(s).chars().filter(|c| !matches!(c, ',' | '_')).collect();
    if d.is_empty() || !d.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    if neg {
        out.push(t.word("minus").to_string());
    }
    match numbers::value(&d) {
        Some(v) => numbers::cardinal(t, v, out),
        None => numbers::digit_by_digit(t, &d, out),
    }
    Some(())
}

/// Devanagari letters with their signs (a consonant and its vowel sign, nukta, virama,
/// anusvara) as units, other letters one by one.
fn letters(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for c in s.chars() {
        let combining = matches!(c, '\u{0900}'..='\u{0903}' | '\u{093A}'..='\u{094F}' | '\u{0951}'..='\u{0957}' | '\u{0962}' | '\u{0963}');
        match out.last_mut() {
            Some(l) if combining => l.push(c),
            _ if c.is_alphanumeric() => out.push(c.to_string()),
            _ => {}
        }
    }
    out
}

/// Reads `text` as `interpret_as` (with its `format` attribute). `None`: not that kind.
pub(super) fn read(t: &Tables, interpret_as: &str, format: Option<&str>, text: &str) -> Option<Vec<String>> {
    let mut out = Vec::new();
    let text = text.trim();
    match interpret_as {
        "characters" | "spell-out" | "verbatim" => {
            for l in letters(text) {
                let c = l.chars().next()?;
                if c.is_ascii_alphabetic() {
                    crate::text::latin::spell(t, &l, &mut out);
                } else if is_digit(c) {
                    numbers::digit_by_digit(t, &ascii_digits(&l), &mut out);
                } else {
                    out.push(l);
                }
            }
        }
        "digits" => {
            if !text.chars().any(is_digit) || !text.chars().all(|c| is_digit(c) || c.is_whitespace()) {
                return None;
            }
            numbers::digit_by_digit(t, &ascii_digits(text), &mut out);
        }
        "cardinal" | "number" => cardinal(t, text, &mut out)?,
        "ordinal" => {
            let g = match format {
                Some("f" | "feminine") => Gender::Feminine,
                Some("o" | "oblique") => Gender::Oblique,
                _ => Gender::Masculine,
            };
            let d: String = ascii_digits(text).chars().take_while(|c| c.is_ascii_digit()).collect();
            let rest = &ascii_digits(text)[d.len()..];
            let rest = rest.trim_start_matches('.');
            let g = numbers::ordinal_suffix(rest).unwrap_or(g);
            if d.is_empty() || !(rest.is_empty() || numbers::ordinal_suffix(rest).is_some()) {
                return None;
            }
            numbers::ordinal(t, numbers::value(&d)?, g, &mut out);
        }
        "telephone" => {
            let ok = text.chars().all(|c| is_digit(c) || " -+().".contains(c)) && text.chars().any(is_digit);
            if !ok {
                return None;
            }
            for (i, c) in text.chars().enumerate() {
                if c == '+' && i == 0 {
                    out.push(PLUS.to_string());
                } else if is_digit(c) {
                    numbers::digit_by_digit(t, &ascii_digits(&c.to_string()), &mut out);
                }
            }
        }
        "fraction" => {
            let (n, d) = text.split_once('/')?;
            let (n, d) = (ascii_digits(n.trim()), ascii_digits(d.trim()));
            let (nv, dv) = (numbers::value(&n)?, numbers::value(&d)?);
            // Hindi names: आधा (1/2); चौथाई and तिहाई for quarters and thirds.
            match (nv, dv) {
                (1, 2) => out.push("आधा".to_string()),
                (n, 4) | (n, 3) if n < dv => {
                    numbers::cardinal(t, n, &mut out);
                    out.push(if dv == 4 { "चौथाई" } else { "तिहाई" }.to_string());
                }
                _ => {
                    numbers::cardinal(t, nv, &mut out);
                    out.push(t.word("over").to_string());
                    numbers::cardinal(t, dv, &mut out);
                }
            }
        }
        "date" => date(t, format.unwrap_or("dmy"), text, &mut out)?,
        "time" => {
            let parts: Vec<String> = ascii_digits(text).split([':', '.']).map(|p| p.trim().to_string()).collect();
            let nums: Vec<u64> = parts.iter().map(|p| p.parse::<u64>().ok()).collect::<Option<_>>()?;
            match nums[..] {
                [h, m] | [h, m, _] if h < 24 && m < 60 => {
                    numbers::cardinal(t, h, &mut out);
                    if m == 0 && nums.len() == 2 {
                        out.push(t.word("o_clock").to_string());
                    } else {
                        out.push(t.word("past").to_string());
                        numbers::cardinal(t, m, &mut out);
                        out.push(t.word("minute").to_string());
                    }
                    if let [_, _, s] = nums[..] {
                        if s >= 60 {
                            return None;
                        }
                        out.push(AND.to_string());
                        numbers::cardinal(t, s, &mut out);
                        out.push(SECOND.to_string());
                    }
                }
                [h] if h < 24 => {
                    numbers::cardinal(t, h, &mut out);
                    out.push(t.word("o_clock").to_string());
                }
                _ => return None,
            }
        }
        _ => return None,
    }
    (!out.is_empty()).then_some(out)
}

/// A date in the order `format` gives (d, m, y letters, e.g. dmy, mdy, ymd, dm, my, y),
/// read day, month name, year — the order Hindi speech uses whatever the written order.
fn date(t: &Tables, format: &str, text: &str, out: &mut Vec<String>) -> Option<()> {
    let fields: Vec<&str> = text.split(['-', '/', '.', ' ']).filter(|p| !p.is_empty()).collect();
    if format.is_empty() || format.len() != fields.len() || !format.chars().all(|c| "dmy".contains(c)) {
        return None;
    }
    let (mut d, mut m, mut y) = (None, None, None);
    for (c, f) in format.chars().zip(&fields) {
        let a = ascii_digits(f);
        match c {
            'd' => d = Some(a.parse::<u64>().ok().filter(|v| (1..=31).contains(v))?),
            'm' => {
                m = Some(match a.parse::<usize>() {
                    Ok(v) if (1..=12).contains(&v) => v,
                    _ => *t.month_latin.get(&a.to_lowercase()).or_else(|| t.month_hindi.get(*f))?,
                })
            }
            _ => {
                if a.is_empty() || !a.chars().all(|c| c.is_ascii_digit()) {
                    return None;
                }
                y = Some(a)
            }
        }
    }
    if let Some(d) = d {
        numbers::cardinal(t, d, out);
    }
    if let Some(m) = m {
        out.push(t.months[m].clone());
    }
    if let Some(y) = y {
        numbers::integer(t, &y, out);
    }
    Some(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(kind: &str, fmt: Option<&str>, s: &str) -> Option<String> {
        read(crate::text::tables::tables(), kind, fmt, s).map(|w| w.join(" "))
    }

    #[test]
    fn readings() {
        assert_eq!(r("digits", None, "2025").as_deref(), Some("दो शून्य दो पाँच"));
        assert_eq!(r("cardinal", None, "2,025").as_deref(), Some("दो हज़ार पच्चीस"));
        assert_eq!(r("ordinal", None, "2").as_deref(), Some("दूसरा"));
        assert_eq!(r("ordinal", Some("f"), "5").as_deref(), Some("पाँचवीं"));
        assert_eq!(r("date", Some("dmy"), "15/08/1947").as_deref(), Some("पंद्रह अगस्त उन्नीस सौ सैंतालीस"));
        assert_eq!(r("date", Some("mdy"), "08-15-1947").as_deref(), Some("पंद्रह अगस्त उन्नीस सौ सैंतालीस"));
        assert_eq!(r("date", Some("dmy"), "32/08/1947"), None);
        assert_eq!(r("time", None, "10:30").as_deref(), Some("दस बजकर तीस मिनट"));
        assert_eq!(r("telephone", None, "+91 11").as_deref(), Some("प्लस नौ एक एक एक"));
        assert_eq!(r("fraction", None, "3/4").as_deref(), Some("तीन चौथाई"));
        assert_eq!(r("fraction", None, "5/8").as_deref(), Some("पाँच बटा आठ"));
        assert_eq!(r("characters", None, "कमल").as_deref(), Some("क म ल"));
        assert_eq!(r("characters", None, "AB").as_deref(), Some("ए बी"));
        assert_eq!(r("cardinal", None, "abc"), None);
    }
}
