//! Clock times as a Hindi newsreader says them.
//!
//! In: hour, minute, optional second, and whether AM/PM was written. Out: words.
//! - 12-hour clock: H:00 → H बजे; H:30 → साढ़े H बजे (1:30 डेढ़, 2:30 ढाई); other minutes
//!   → H बजकर M मिनट; 0:30 is साढ़े बारह बजे.
//! - 24-hour clock (an hour above 12 without AM/PM): H बजे or H बजकर M मिनट (20:30 is
//!   बीस बजकर तीस मिनट, never "साढ़े बीस").
//! - With seconds: H बजकर M मिनट S सेकंड.
//! - AM/PM: the time of day of `lexicon/time_of_day.tsv` is said first (6 AM → सुबह छह
//!   बजे) unless the text already said one; the caller decides that.

use super::numbers::{self, NumTables};
use super::tables::Tables;

/// Whether AM or PM was written after the time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Meridiem {
    /// Before noon.
    Am,
    /// After noon.
    Pm,
}

/// Returns the meridiem a Latin word (am, PM, a, p) stands for.
pub(crate) fn meridiem(word: &str) -> Option<Meridiem> {
    match word.to_ascii_lowercase().as_str() {
        "am" | "a" => Some(Meridiem::Am),
        "pm" | "p" => Some(Meridiem::Pm),
        _ => None,
    }
}

/// Returns the time-of-day word for an hour of the 24-hour clock.
pub(crate) fn daytime(nt: &NumTables, hour24: u64) -> Option<&str> {
    nt.daytimes.iter().find(|(a, b, _)| (*a..=*b).contains(&hour24)).map(|(_, _, w)| w.as_str())
}

/// Returns the hour of the 24-hour clock for a 12-hour clock time with AM/PM.
pub(crate) fn hour24(h: u64, m: Meridiem) -> u64 {
    match (m, h % 12) {
        (Meridiem::Am, x) => x,
        (Meridiem::Pm, x) => x + 12,
    }
}

/// Appends the reading of a clock time (see the module doc). `h` ≤ 24, `m` and `s` ≤ 59.
pub(crate) fn clock(t: &Tables, h: u64, m: u64, s: Option<u64>, out: &mut Vec<String>) {
    let h12 = if h == 0 { 12 } else { h };
    if let Some(s) = s {
        numbers::cardinal(t, h12, out);
        out.push(t.word("past").to_string());
        numbers::cardinal(t, m, out);
        out.push(t.word("minute").to_string());
        numbers::cardinal(t, s, out);
        out.push(t.word("second").to_string());
        return;
    }
    if m == 30 && h12 <= 12 {
        numbers::and_a_half(t, h12, out);
        out.push(t.word("o_clock").to_string());
        return;
    }
    numbers::cardinal(t, h12, out);
    if m == 0 {
        out.push(t.word("o_clock").to_string());
    } else {
        out.push(t.word("past").to_string());
        numbers::cardinal(t, m, out);
        out.push(t.word("minute").to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::numbers::num_tables;
    use crate::text::tables::tables;

    fn say(h: u64, m: u64, s: Option<u64>) -> String {
        let mut v = Vec::new();
        clock(tables(), h, m, s, &mut v);
        v.join(" ")
    }

    #[test]
    fn clock_readings() {
        assert_eq!(say(10, 30, None), "साढ़े दस बजे");
        assert_eq!(say(20, 30, None), "बीस बजकर तीस मिनट");
        assert_eq!(say(0, 30, None), "साढ़े बारह बजे");
        assert_eq!(say(10, 30, Some(45)), "दस बजकर तीस मिनट पैंतालीस सेकंड");
    }

    #[test]
    fn am_pm_hours_and_times_of_day() {
        let nt = num_tables();
        assert_eq!(hour24(12, Meridiem::Am), 0);
        assert_eq!(hour24(12, Meridiem::Pm), 12);
        assert_eq!(hour24(11, Meridiem::Pm), 23);
        assert_eq!(daytime(nt, 6), Some("सुबह"));
        assert_eq!(daytime(nt, 14), Some("दोपहर"));
        assert_eq!(daytime(nt, 18), Some("शाम"));
        assert_eq!(daytime(nt, 23), Some("रात"));
    }
}
