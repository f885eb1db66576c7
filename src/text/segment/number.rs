//! Numbers in running text. The spans around a digit run decide how it is read: clock times
//! (with AM/PM and seconds), dates, phone numbers, financial years, fractions, scores, model
//! names, amounts with their currency and scale word, ranges and reduplication. The tables
//! are `lexicon/numbers.tsv` and the files read by [`crate::text::numbers::NumTables`]; the
//! rules are listed in `lexicon/README.md`.

use super::{Cx, Ev};
use crate::text::abbrev::lookup;
use crate::text::lex::Kind;
use crate::text::normalize::word_form;
use crate::text::numbers::{self, context_key, num_tables, Context, Gender};
use crate::text::tables::AbbrevKind;
use crate::text::time::{self, Meridiem};
use crate::text::{Pause, Token};

/// Scale words that follow an amount and come before its currency (₹5 करोड़ → … करोड़ रुपये,
/// $120 million → … मिलियन डॉलर).
pub(super) fn is_scale_word(w: &str) -> bool {
    matches!(
        w,
        "हज\u{093C}ार"
            | "हजार"
            | "लाख"
            | "करोड\u{093C}"
            | "करोड"
            | "अरब"
            | "खरब"
            | "मिलियन"
            | "बिलियन"
            | "ट्रिलियन"
    )
}

/// Most digit groups a phone number is written in (+91 11 2345 6789 has four).
const MAX_PHONE_GROUPS: usize = 5;

/// How many spans around a number are searched for a phone word (bounded so that a long
/// run of numbers stays linear).
const CONTEXT_SPANS: usize = 8;

/// How many spans either side of a/b are searched for a cricket word.
const SCORE_WINDOW: usize = 40;

/// Words that name the rupee after an amount (5.50 रुपये → पाँच रुपये पचास पैसे).
fn is_rupee_word(w: &str) -> bool {
    matches!(w, "रुपये" | "रुपए")
}

/// Words between a phone context word and the number (हेल्पलाइन नंबर 1930).
fn is_number_word(w: &str) -> bool {
    matches!(w.to_ascii_lowercase().as_str(), "नंबर" | "नम्बर" | "नंबरों" | "नं" | "number" | "no")
}

/// How the digits of an amount are said.
#[derive(Clone, Copy, Default)]
struct Say {
    /// x.5 is साढ़े x (a half word follows).
    half: bool,
    /// Trailing zeros of the decimals are not said (a scale word follows: 2.50 करोड़).
    strip: bool,
    /// 01–09 is a plain number (a word follows: 08 मिनट).
    lead_zero_ok: bool,
}

impl<'a> Cx<'a> {
    fn digits_at(&self, k: usize) -> bool {
        self.kind(k) == Some(Kind::Digits)
    }

    /// Returns true for a currency sign.
    fn is_currency_sign(&self, k: usize) -> bool {
        matches!(self.kind(k), Some(Kind::Punct('₹' | '$' | '€' | '£' | '¥')))
    }

    /// Returns the last word said, if the last token is a word.
    fn last_word(&self) -> Option<&str> {
        match self.ev.last() {
            Some(Ev::Tok(Token::Word(w), _)) => Some(w.as_str()),
            _ => None,
        }
    }

    /// Punctuation that belongs to a number: a leading decimal point, minus and range
    /// hyphens next to amounts and units, `+` of a country code, `/` before a unit, currency
    /// signs. Returns false (changing nothing) for anything else.
    pub(super) fn numeric_punct(&mut self, c: char, after_unit: bool) -> bool {
        let t = self.t;
        let nt = num_tables();
        let i = self.i;
        let at = self.start(i);
        let glued_before = i > 0 && self.touch(i - 1);
        match c {
            // .75 → शून्य दशमलव सात पाँच (not after a word or number it would belong to).
            '.' if self.touch(i)
                && self.digits_at(i + 1)
                && !(glued_before && matches!(self.kind(i - 1), Some(Kind::Digits | Kind::Deva | Kind::Latin))) =>
            {
                self.number();
                true
            }
            '-' => {
                let minus = t.word("minus").to_string();
                let to = t.word("to").to_string();
                if self.touch(i) && self.is_currency_sign(i + 1) && self.digits_at(i + 2) && !glued_before {
                    // -₹5
                    self.word(minus, at);
                } else if glued_before && self.is_currency_sign(i - 1) && self.touch(i) && self.digits_at(i + 1) {
                    // ₹-5: the currency waits for the amount.
                    self.word(minus, at);
                } else if glued_before && self.digits_at(i - 1) && self.is_currency_sign(i + 1) && self.digits_at(i + 2)
                {
                    // ₹500-₹1000
                    self.word(to, at);
                } else if i > 0
                    && (self.digits_at(i + 1) || (self.is_currency_sign(i + 1) && self.digits_at(i + 2)))
                    && (after_unit
                        || (self.kind(i - 1) == Some(Kind::Deva)
                            && is_scale_word(&word_form(self.text(i - 1)))
                            && i >= 2
                            && self.digits_at(i - 2))
                        || self.is_baje(i - 1)
                        || (1..=4).any(|b| i >= b && self.meridiem_at(i - b).is_some_and(|(_, e)| e == i)))
                {
                    // 40.5 मिमी-80.5 मिमी, 5 लाख-10 लाख, 10 AM-4 PM, 10 बजे-4 बजे
                    // 40.5 मिमी-80.5 मिमी, 5 लाख-10 लाख
                    self.word(to, at);
                } else {
                    return false;
                }
                self.i = i + 1;
                true
            }
            // +91 98765 43210
            '+' if self.touch(i) && self.digits_at(i + 1) && !glued_before => {
                let (groups, total) = self.chain(i + 1);
                if !(10..=15).contains(&total) {
                    return false;
                }
                self.word(t.symbols.get(&'+').cloned().unwrap_or_default(), at);
                self.i = i + 1;
                self.read_phone(&groups);
                true
            }
            // Rs. 500/-: the "/-" closing an amount is not read.
            '/' if glued_before
                && (self.digits_at(i - 1) || after_unit)
                && self.touch(i)
                && self.is(i + 1, '-')
                && !(self.touch(i + 1) && self.digits_at(i + 2)) =>
            {
                self.i = i + 2;
                true
            }
            // km/h, ₹50/किलो, रुपये/किलो → प्रति …
            '/' if glued_before && self.touch(i) && matches!(self.kind(i + 1), Some(Kind::Deva | Kind::Latin)) => {
                let Some(reading) = nt.per.get(&context_key(self.text(i + 1))) else {
                    return false;
                };
                let prev = self.text(i - 1);
                let prev_ok = after_unit
                    || nt.per.contains_key(&context_key(prev))
                    || is_rupee_word(prev)
                    || matches!(prev, "रुपया" | "डॉलर" | "पैसे");
                if !prev_ok {
                    return false;
                }
                let reading = reading.clone();
                self.word("प्रति".to_string(), at);
                self.words(reading, at);
                self.i = i + 2;
                true
            }
            '₹' | '$' | '€' | '£' | '¥' => {
                let amount_follows = self.digits_at(i + 1)
                    || (matches!(self.kind(i + 1), Some(Kind::Punct('-' | '.')))
                        && self.touch(i + 1)
                        && self.digits_at(i + 2));
                if !amount_follows {
                    return false;
                }
                self.currency = Some(vec![t.symbols.get(&c).cloned().unwrap_or_default()]);
                self.i = i + 1;
                true
            }
            '℃' => {
                self.word(t.symbols.get(&'°').cloned().unwrap_or_default(), at);
                self.word("सेल्सियस".to_string(), at);
                self.i = i + 1;
                true
            }
            '½' | '¼' | '¾' | '⅓' | '⅔' => {
                let Some(ws) = nt.fractions.get(&c.to_string()) else {
                    return false;
                };
                let ws = ws.clone();
                self.words(ws, at);
                self.i = i + 1;
                true
            }
            _ => false,
        }
    }

    /// A Latin currency prefix touching `$` before an amount (US$5 → पाँच अमेरिकी डॉलर).
    pub(super) fn numeric_latin(&mut self) -> bool {
        let i = self.i;
        if !(self.touch(i) && self.is(i + 1, '$') && (self.digits_at(i + 2) || self.digits_at(i + 3))) {
            return false;
        }
        let form = format!("{}$", self.text(i));
        match lookup(self.t, &form).filter(|a| a.kind == AbbrevKind::Currency) {
            Some(a) => {
                self.currency = Some(a.words.clone());
                self.i = i + 2;
                true
            }
            None => false,
        }
    }

    /// Reads the number starting at span `self.i` (digits, or a leading decimal point).
    pub(super) fn number(&mut self) {
        if self.digits_at(self.i)
            && (self.clock_time()
                || self.date()
                || self.phone()
                || self.fin_year()
                || self.slash_pair()
                || self.model_number())
        {
            return;
        }
        self.plain_number();
    }

    fn is_baje(&self, k: usize) -> bool {
        self.kind(k) == Some(Kind::Deva) && self.text(k) == "बजे"
    }

    /// Returns the meridiem written at span k (AM, pm, a.m.) and the span after it.
    fn meridiem_at(&self, k: usize) -> Option<(Meridiem, usize)> {
        if self.kind(k) != Some(Kind::Latin) {
            return None;
        }
        let w = self.text(k);
        if w.len() == 2 {
            return time::meridiem(w).map(|m| (m, k + 1));
        }
        // a.m. / p.m.
        if w.len() == 1
            && self.touch(k)
            && self.is(k + 1, '.')
            && self.touch(k + 1)
            && self.kind(k + 2) == Some(Kind::Latin)
            && self.text(k + 2).eq_ignore_ascii_case("m")
        {
            let m = time::meridiem(w)?;
            let end = if self.touch(k + 2) && self.is(k + 3, '.') { k + 4 } else { k + 3 };
            return Some((m, end));
        }
        None
    }

    /// H:MM, H:MM:SS, H.MM बजे, each with an optional AM/PM; a bare hour with AM/PM.
    fn clock_time(&mut self) -> bool {
        let t = self.t;
        let i = self.i;
        let at = self.start(i);
        let d1 = self.text(i);
        let dotted = self.is(i + 1, '.') && (self.is_baje(i + 3) || self.meridiem_at(i + 3).is_some());
        let (h, m, s, mut next) = if self.touch(i)
            && (self.is(i + 1, ':') || dotted)
            && self.touch(i + 1)
            && self.digits_at(i + 2)
            && self.text(i + 2).chars().count() == 2
            && d1.chars().count() <= 2
        {
            let (Some(h), Some(m)) = (numbers::value(d1), numbers::value(self.text(i + 2))) else {
                return false;
            };
            if h > 24 || m > 59 {
                return false;
            }
            let sec = (self.touch(i + 2)
                && self.is(i + 3, ':')
                && self.touch(i + 3)
                && self.digits_at(i + 4)
                && self.text(i + 4).chars().count() == 2)
                .then(|| numbers::value(self.text(i + 4)))
                .flatten()
                .filter(|s| *s <= 59);
            (h, m, sec, if sec.is_some() { i + 5 } else { i + 3 })
        } else {
            // 6 AM, 6AM, 6 a.m.
            match (numbers::value(d1), self.meridiem_at(i + 1)) {
                (Some(h), Some(_)) if (1..=12).contains(&h) && d1.chars().count() <= 2 => (h, 0, None, i + 1),
                _ => return false,
            }
        };
        let mut out = Vec::new();
        if let Some((mer, after)) = self.meridiem_at(next).filter(|_| (1..=12).contains(&h)) {
            let nt = num_tables();
            let said = self.last_word().is_some_and(|w| nt.is(Context::Daytime, w));
            if !said {
                if let Some(w) = time::daytime(nt, time::hour24(h, mer)) {
                    out.push(w.to_string());
                }
            }
            next = after;
        }
        time::clock(t, h, m, s, &mut out);
        self.i = next;
        // "10:30 बजे": the written बजे is said (or replaced by बजकर … मिनट) once.
        if self.is_baje(self.i) {
            self.i += 1;
        }
        self.words(out, at);
        true
    }

    /// D/M/Y, D-M-Y, D.M.Y (a two-digit year is 20YY below 50, else 19YY) and YYYY-MM-DD.
    fn date(&mut self) -> bool {
        let t = self.t;
        let i = self.i;
        let at = self.start(i);
        let joined = self.touch(i) && self.touch(i + 1) && self.touch(i + 2) && self.touch(i + 3);
        if !(joined && self.digits_at(i + 2) && self.digits_at(i + 4)) {
            return false;
        }
        let sep = self.kind(i + 1);
        if !matches!(sep, Some(Kind::Punct('/' | '-' | '.'))) || self.kind(i + 3) != sep {
            return false;
        }
        let (a, b, c) = (self.text(i), self.text(i + 2), self.text(i + 4));
        let (la, lc) = (a.chars().count(), c.chars().count());
        let (Some(va), Some(vb), Some(vc)) = (numbers::value(a), numbers::value(b), numbers::value(c)) else {
            return false;
        };
        let (d, m, year) = if la == 4 && sep == Some(Kind::Punct('-')) {
            (vc, vb, a.to_string())
        } else if lc == 4 {
            (va, vb, c.to_string())
        } else if lc == 2 {
            (va, vb, format!("{}", if vc < 50 { 2000 + vc } else { 1900 + vc }))
        } else {
            return false;
        };
        if !((1..=31).contains(&d) && (1..=12).contains(&m)) {
            return false;
        }
        let mut out = Vec::new();
        numbers::cardinal(t, d, &mut out);
        out.push(t.months[m as usize].clone());
        numbers::integer(t, &year, &mut out);
        self.i = i + 5;
        self.after_number = true;
        self.words(out, at);
        true
    }

    /// Returns the digit groups of a phone-like chain starting at span k (groups joined by a
    /// hyphen or one space) and their total number of digits (0 for a chain of more than
    /// [`MAX_PHONE_GROUPS`] groups, which is no phone number).
    fn chain(&self, k: usize) -> (Vec<usize>, usize) {
        let mut groups = vec![k];
        let mut g = k;
        loop {
            // No phone number has more groups than this; a longer run is a list of numbers.
            if groups.len() > MAX_PHONE_GROUPS {
                return (groups, 0);
            }
            if self.touch(g) && self.is(g + 1, '-') && self.touch(g + 1) && self.digits_at(g + 2) {
                g += 2;
            } else if !self.touch(g)
                && self.digits_at(g + 1)
                && self.lx[g + 1].start == self.lx[g].end + 1
                && self.text(g + 1).chars().count() >= 2
            {
                g += 1;
            } else {
                break;
            }
            groups.push(g);
        }
        let total = groups.iter().map(|&x| self.text(x).chars().count()).sum();
        (groups, total)
    }

    /// Reads digit groups one digit at a time, a short pause between groups.
    fn read_phone(&mut self, groups: &[usize]) {
        for (n, &g) in groups.iter().enumerate() {
            let at = self.start(g);
            if n > 0 {
                self.pause(Pause::Comma, at);
            }
            let mut out = Vec::new();
            numbers::digit_by_digit(self.t, self.text(g), &mut out);
            self.words(out, at);
        }
        self.i = groups.last().map_or(self.i, |g| g + 1);
        self.after_number = true;
    }

    /// Returns how a phone context word stands next to span i: Some(true) right before it
    /// (or with only नंबर between) or within two words after it, Some(false) within three
    /// words before, None not at all.
    fn phone_context(&self, i: usize) -> Option<bool> {
        let nt = num_tables();
        let mut words = 0;
        let mut only_number_words = true;
        for k in (i.saturating_sub(CONTEXT_SPANS)..i).rev() {
            if !matches!(self.kind(k), Some(Kind::Deva | Kind::Latin)) {
                continue;
            }
            let w = self.text(k);
            if nt.is(Context::Phone, w) {
                return Some(only_number_words);
            }
            only_number_words &= is_number_word(w);
            words += 1;
            if words >= 3 {
                break;
            }
        }
        // After the number: 1098 चाइल्ड हेल्पलाइन (not across a postposition: 2024 में फोन).
        let mut k = i + 1;
        let mut words = 0;
        while k < self.lx.len().min(i + 1 + CONTEXT_SPANS) && words < 2 {
            if matches!(self.kind(k), Some(Kind::Deva | Kind::Latin)) {
                let w = self.text(k);
                if nt.is(Context::Phone, w) {
                    return Some(true);
                }
                if matches!(w, "में" | "पर" | "को" | "से" | "का" | "की" | "के" | "तक" | "ने" | "और")
                {
                    break;
                }
                words += 1;
            } else if !self.digits_at(k) && !self.is(k, '-') {
                break;
            }
            k += 1;
        }
        None
    }

    /// Phone and helpline numbers: read digit by digit.
    fn phone(&mut self) -> bool {
        let i = self.i;
        // Not the integer part of a decimal or a comma-grouped amount.
        if self.touch(i) && matches!(self.kind(i + 1), Some(Kind::Punct('.' | ','))) && self.digits_at(i + 2) {
            return false;
        }
        let (groups, total) = self.chain(i);
        if total == 0 {
            return false;
        }
        let lens: Vec<usize> = groups.iter().map(|&g| self.text(g).chars().count()).collect();
        let hyphens = groups.windows(2).all(|w| w[1] == w[0] + 2);
        let spaces = groups.windows(2).all(|w| w[1] == w[0] + 1);
        let context = self.phone_context(i);
        let leading_zero = self.text(i).starts_with(['0', '०']);
        let phone = match context {
            Some(true) => total >= 4,
            Some(false) => total >= 5,
            None if self.currency.is_some() => false,
            None => {
                (groups.len() >= 3 && hyphens)
                    || (groups.len() == 2 && hyphens && total >= 8 && (leading_zero || lens.iter().any(|&l| l >= 6)))
                    // A mobile number written 98765-43210.
                    || (hyphens && lens == [5, 5] && self.text(i).starts_with(['6', '7', '8', '9', '६', '७', '८', '९']))
                    || (groups.len() >= 2 && spaces && (10..=13).contains(&total) && lens[0] >= 3 && lens.iter().all(|&l| l <= 5))
            }
        };
        if !phone {
            return false;
        }
        // A phone number read through its context takes only its own chain.
        self.read_phone(&groups);
        true
    }

    /// Financial years: 2025-26 → दो हज़ार पच्चीस छब्बीस (the second year's last two digits).
    fn fin_year(&mut self) -> bool {
        let t = self.t;
        let i = self.i;
        let at = self.start(i);
        let y = self.text(i);
        if !(y.chars().count() == 4
            && self.touch(i)
            && matches!(self.kind(i + 1), Some(Kind::Punct('-' | '/')))
            && self.touch(i + 1)
            && self.digits_at(i + 2)
            && self.text(i + 2).chars().count() == 2)
        {
            return false;
        }
        if self.touch(i + 2) && matches!(self.kind(i + 3), Some(Kind::Punct('-' | '/' | '.'))) {
            return false;
        }
        let (Some(v), Some(yy)) = (numbers::value(y), numbers::value(self.text(i + 2))) else {
            return false;
        };
        if !(1900..=2099).contains(&v) || yy != (v + 1) % 100 {
            return false;
        }
        let mut out = Vec::new();
        numbers::integer(t, y, &mut out);
        if yy == 0 {
            numbers::cardinal(t, v + 1, &mut out);
        } else {
            numbers::cardinal(t, yy, &mut out);
        }
        self.i = i + 3;
        self.after_number = true;
        self.words(out, at);
        true
    }

    /// a/b: a fraction of `lexicon/fractions.tsv` (1/4 एक चौथाई), a cricket score (287/9 दो
    /// सौ सतासी पर नौ), a date named as an event (9/11 नौ ग्यारह); any other a/b is left to
    /// the amount reading (a बटा b).
    fn slash_pair(&mut self) -> bool {
        let t = self.t;
        let nt = num_tables();
        let i = self.i;
        let at = self.start(i);
        if !(self.touch(i) && self.is(i + 1, '/') && self.touch(i + 1) && self.digits_at(i + 2)) {
            return false;
        }
        if self.touch(i + 2) && matches!(self.kind(i + 3), Some(Kind::Punct('/' | '.' | ','))) {
            return false;
        }
        let (Some(a), Some(b)) = (numbers::value(self.text(i)), numbers::value(self.text(i + 2))) else {
            return false;
        };
        let prev_word = (0..i).rev().find(|&k| matches!(self.kind(k), Some(Kind::Deva | Kind::Latin)));
        if prev_word.is_some_and(|k| {
            (k + 1 == i || (k + 2 == i && self.is(k + 1, '.'))) && nt.is(Context::Section, self.text(k))
        }) {
            return false;
        }
        let mut out = Vec::new();
        if let Some(ws) = nt.fractions.get(&format!("{a}/{b}")) {
            out.extend(ws.iter().cloned());
        } else if b <= 10 && a > b && (a >= 20 || self.near(Context::Score)) {
            numbers::cardinal(t, a, &mut out);
            out.push(t.word("wickets_for").to_string());
            numbers::cardinal(t, b, &mut out);
        } else if a <= 10 && b >= 13 && self.near(Context::Score) {
            // Bowling figures: 4/32 → चार पर बत्तीस.
            numbers::cardinal(t, a, &mut out);
            out.push(t.word("wickets_for").to_string());
            numbers::cardinal(t, b, &mut out);
        } else if (11..=12).contains(&b) && (1..=31).contains(&a) {
            numbers::cardinal(t, a, &mut out);
            numbers::cardinal(t, b, &mut out);
        } else {
            return false;
        }
        self.i = i + 3;
        self.after_number = true;
        self.words(out, at);
        true
    }

    /// Returns true if a word near span i (within [`SCORE_WINDOW`] spans) is a context word
    /// of `kind`.
    fn near(&self, kind: Context) -> bool {
        let nt = num_tables();
        let i = self.i;
        (i.saturating_sub(SCORE_WINDOW)..self.lx.len().min(i + SCORE_WINDOW))
            .any(|k| matches!(self.kind(k), Some(Kind::Deva | Kind::Latin)) && nt.is(kind, self.text(k)))
    }

    /// Returns true if span k names a model or code whose number is said in English: a Latin
    /// letter or acronym, a Devanagari spelling of Latin letters (जी, टी, एके), or a `model`
    /// word of `lexicon/number_context.tsv`, and not a `hindi` one.
    fn model_prefix(&self, k: usize) -> bool {
        let nt = num_tables();
        let w = self.text(k);
        // A currency, unit or title (RS-500, Dr-2) is not a model name.
        if nt.is(Context::Hindi, w) || lookup(self.t, w).is_some() {
            return false;
        }
        if nt.is(Context::Model, w) {
            return true;
        }
        match self.kind(k) {
            Some(Kind::Latin) => w.chars().count() == 1 || (w.is_ascii() && !w.chars().any(|c| c.is_lowercase())),
            Some(Kind::Deva) => {
                let names: Vec<String> = self.t.letters.iter().map(|l| l.replace('\u{093C}', "")).collect();
                spells_letters(&word_form(w).replace('\u{093C}', ""), &names)
            }
            _ => false,
        }
    }

    /// Model and code names: G-7, जी-7, टी-10, H1N1, COVID-19, 4G — the number in English.
    fn model_number(&mut self) -> bool {
        let nt = num_tables();
        let i = self.i;
        let at = self.start(i);
        let d = self.text(i);
        if self.touch(i) && matches!(self.kind(i + 1), Some(Kind::Punct('.' | ','))) && self.digits_at(i + 2) {
            return false;
        }
        let before = if i >= 1 && self.touch(i - 1) {
            if self.is(i - 1, '-') && i >= 2 && self.touch(i - 2) {
                Some(i - 2)
            } else if matches!(self.kind(i - 1), Some(Kind::Latin | Kind::Deva)) {
                Some(i - 1)
            } else {
                None
            }
        } else {
            None
        };
        let by_prefix = before.is_some_and(|k| self.model_prefix(k));
        // 4G, 3D, and in Devanagari 5जी (one letter name; not the words के, ए, ई).
        let by_suffix = !by_prefix
            && self.touch(i)
            && d.chars().count() <= 3
            && match self.kind(i + 1) {
                Some(Kind::Latin) => {
                    let s = self.text(i + 1);
                    s.len() == 1
                        && s.chars().all(|c| c.is_ascii_uppercase())
                        && lookup(self.t, s).is_none()
                        && time::meridiem(s).is_none()
                }
                Some(Kind::Deva) => {
                    let s = word_form(self.text(i + 1));
                    !matches!(s.as_str(), "के" | "ए" | "ई") && self.t.letters.contains(&s)
                }
                _ => false,
            };
        if !(by_prefix || by_suffix) {
            return false;
        }
        // A year stays a year (IPL-2025).
        if d.chars().count() == 4 && numbers::value(d).is_some_and(|v| (1900..=2099).contains(&v)) {
            return false;
        }
        let mut out = Vec::new();
        numbers::english(nt, d, &mut out);
        self.i = i + 1;
        self.words(out, at);
        true
    }

    /// Reads an integer (with comma grouping) and an optional decimal part starting at span
    /// k (or a decimal point at k: .75). Returns (integer digits, fraction digits, next span
    /// index); the digits of a comma-grouped integer keep one leading ',' as a mark that it
    /// was grouped.
    fn amount(&self, k: usize) -> (String, Option<&'a str>, usize) {
        if self.is(k, '.') {
            return ("0".to_string(), Some(self.text(k + 1)), k + 2);
        }
        let mut digits = String::from(self.text(k));
        let mut j = k;
        // Comma groups: 1–3 digits first, then groups of 2 or 3, the last of 3 (Indian
        // 2,50,000 and Western 250,000 alike).
        if self.text(k).chars().count() <= 3 {
            let mut g = k;
            let mut grouped = String::from(self.text(k));
            let mut last_len = 0;
            while self.touch(g) && self.is(g + 1, ',') && self.touch(g + 1) && self.kind(g + 2) == Some(Kind::Digits) {
                let len = self.text(g + 2).chars().count();
                if !(2..=3).contains(&len) {
                    break;
                }
                grouped.push_str(self.text(g + 2));
                last_len = len;
                g += 2;
            }
            if g > k && last_len == 3 {
                digits = format!(",{grouped}");
                j = g;
            } else if g > k {
                // Back off to the last group of three.
                let mut back = g;
                while back > k && self.text(back).chars().count() != 3 {
                    back -= 2;
                }
                if back > k {
                    digits = format!(",{}", self.text(k));
                    let mut q = k;
                    while q < back {
                        digits.push_str(self.text(q + 2));
                        q += 2;
                    }
                    j = back;
                }
            }
        }
        let mut frac = None;
        if self.touch(j) && self.is(j + 1, '.') && self.touch(j + 1) && self.kind(j + 2) == Some(Kind::Digits) {
            frac = Some(self.text(j + 2));
            j += 2;
        }
        (digits, frac, j + 1)
    }

    fn read_amount(&self, digits: &str, frac: Option<&str>, say: Say, out: &mut Vec<String>) {
        let t = self.t;
        // Only a plain 4-digit integer (no commas, no decimals) may be read as a year.
        let grouped = digits.starts_with(',');
        let digits = digits.trim_start_matches(',');
        let n_digits = digits.chars().count();
        let plain_four = n_digits == 4 && !grouped;
        let value = numbers::value(digits);
        if say.half && !grouped && frac.is_some_and(|f| matches!(f, "5" | "50" | "५" | "५०")) {
            if let Some(v) = value {
                if numbers::and_a_half(t, v, out) {
                    return;
                }
            }
        }
        let frac =
            if say.strip { frac.map(|f| f.trim_end_matches(['0', '०'])).filter(|f| !f.is_empty()) } else { frac };
        let lead_zero = n_digits > 1 && digits.starts_with(['0', '०']);
        if lead_zero && say.lead_zero_ok && n_digits == 2 && value.is_some_and(|v| v > 0) {
            numbers::cardinal(t, value.unwrap_or(0), out);
        } else if !grouped && n_digits >= 10 {
            // Ten or more digits with no grouping are a phone number or an identifier.
            numbers::digit_by_digit(t, digits, out);
        } else if !plain_four || frac.is_some() {
            // Grouped or decimal amounts are never years.
            match value {
                Some(v) if !lead_zero => numbers::cardinal(t, v, out),
                _ => numbers::digit_by_digit(t, digits, out),
            }
        } else {
            numbers::integer(t, digits, out);
        }
        if let Some(f) = frac {
            out.push(t.word("point").to_string());
            numbers::digit_by_digit(t, f, out);
        }
    }

    /// Returns the word an amount ending before span k is followed by: a Devanagari word, or
    /// the reading of a Latin scale word (million, bn, crore; m after a currency: $5m).
    fn word_after(&self, k: usize, money: bool) -> Option<String> {
        match self.kind(k) {
            Some(Kind::Deva) => Some(word_form(self.text(k))),
            Some(Kind::Latin) if money && self.text(k) == "m" => lookup(self.t, "mn").map(|a| a.words[0].clone()),
            Some(Kind::Latin) => lookup(self.t, self.text(k))
                .filter(|a| a.kind == AbbrevKind::Unit && a.words.len() == 1 && is_scale_word(&a.words[0]))
                .map(|a| a.words[0].clone()),
            _ => None,
        }
    }

    /// Amounts: ordinals, currency, scale words, decimals, halves, paise, ranges, units.
    fn plain_number(&mut self) {
        let t = self.t;
        let nt = num_tables();
        let i = self.i;
        let at = self.start(i);
        let mut out = Vec::new();
        let (digits, frac, mut j) = self.amount(i);
        let last = j - 1;
        // Ordinal suffix touching the digits: 1st, 2nd, 1ला, 5वीं.
        let spaced_suffix = self.kind(j) == Some(Kind::Deva) && matches!(self.text(j), "वाँ" | "वां" | "वीं" | "वें");
        if frac.is_none() && self.digits_at(i) && (self.touch(last) || spaced_suffix) {
            let suf = self.text(j);
            let english_suffix = self.kind(j) == Some(Kind::Latin)
                && matches!(suf.to_ascii_lowercase().as_str(), "st" | "nd" | "rd" | "th");
            // 15th August → पंद्रह अगस्त: a date says the day as a cardinal.
            let month_next = match self.kind(j + 1) {
                Some(Kind::Latin) => t.month_latin.contains_key(&self.text(j + 1).to_lowercase()),
                Some(Kind::Deva) => t.month_hindi.contains_key(&word_form(self.text(j + 1))),
                _ => false,
            };
            if english_suffix && month_next {
                if let Some(v) = numbers::value(&digits) {
                    numbers::cardinal(t, v, &mut out);
                    self.i = j + 1;
                    self.after_number = true;
                    self.words(out, at);
                    return;
                }
            }
            let g = match self.kind(j) {
                Some(Kind::Deva) => numbers::ordinal_suffix(suf),
                // English suffixes carry no gender: feminine before a feminine noun
                // (21st सदी → इक्कीसवीं सदी), masculine otherwise.
                Some(Kind::Latin) if english_suffix => {
                    let fem = self.kind(j + 1) == Some(Kind::Deva) && t.feminine.contains(&word_form(self.text(j + 1)));
                    Some(if fem { Gender::Feminine } else { Gender::Masculine })
                }
                _ => None,
            };
            if let (Some(g), Some(v)) = (g, numbers::value(digits.trim_start_matches(','))) {
                numbers::ordinal(t, v, g, &mut out);
                self.i = j + 1;
                self.words(out, at);
                return;
            }
        }
        // Mixed fractions: 2½ ढाई, 3¼ सवा तीन, 4¾ पौने पाँच.
        let mut said: Option<Vec<String>> = None;
        if frac.is_none() && !digits.starts_with(',') && self.touch(last) {
            if let (Some(Kind::Punct(c @ ('½' | '¼' | '¾'))), Some(v)) = (self.kind(j), numbers::value(&digits)) {
                let mut w = Vec::new();
                let ok = match c {
                    '½' => numbers::and_a_half(t, v, &mut w),
                    '¼' => {
                        w.push(t.word("quarter_past").to_string());
                        numbers::cardinal(t, v, &mut w);
                        true
                    }
                    _ => {
                        w.push(t.word("quarter_to").to_string());
                        numbers::cardinal(t, v + 1, &mut w);
                        true
                    }
                };
                if ok {
                    said = Some(w);
                    j += 1;
                }
            }
        }
        // A second amount: range a-b, fraction a/b, score a:b.
        let mut second = None;
        if said.is_none() && self.touch(last) && self.touch(j) && self.digits_at(j + 1) {
            if let Some(Kind::Punct(c @ ('-' | '/' | ':'))) = self.kind(j) {
                let (d2, f2, j2) = self.amount(j + 1);
                second = Some((c, d2, f2));
                j = j2;
            }
        }
        let mut currency = self.currency.take();
        let next = self.word_after(j, currency.is_some());
        let scale_next = next.as_deref().is_some_and(is_scale_word);
        let half_next = next.as_deref().is_some_and(|w| nt.is(Context::Half, w));
        let say = Say { half: half_next, strip: scale_next, lead_zero_ok: self.kind(j) == Some(Kind::Deva) };
        // 5.50 रुपये → पाँच रुपये पचास पैसे (the written currency word is said once).
        let two_decimals = frac.is_some_and(|f| f.chars().count() == 2);
        if currency.is_none() && two_decimals && second.is_none() && next.as_deref().is_some_and(is_rupee_word) {
            currency = Some(vec!["रुपये".to_string()]);
            j += 1;
        }
        let rupee_paise = currency.as_deref().is_some_and(|c| c.len() == 1 && c[0] == "रुपये")
            && two_decimals
            && !scale_next
            && second.is_none();
        let whole = numbers::value(digits.trim_start_matches(','));
        let only_paise = rupee_paise && whole == Some(0);
        if let Some(w) = said {
            out.extend(w);
        } else if rupee_paise {
            if !only_paise {
                self.read_amount(&digits, None, say, &mut out);
            }
        } else {
            self.read_amount(&digits, frac, say, &mut out);
        }
        if let Some((c, d2, f2)) = second {
            // An equal pair is reduplication (22-22 गज: बाईस बाईस) and a falling pair a
            // score (2-0 से आगे: दो शून्य), not a range.
            let not_range = c == '-'
                && frac.is_none()
                && f2.is_none()
                && matches!((whole, numbers::value(d2.trim_start_matches(','))), (Some(a), Some(b)) if a >= b);
            match c {
                '-' if !not_range => out.push(t.word("to").to_string()),
                '/' => out.push(t.word("over").to_string()),
                _ => {}
            }
            self.read_amount(&d2, f2, say, &mut out);
        }
        if let Some(cur) = currency {
            // The scale word of the amount comes before the currency: ₹5 करोड़.
            while matches!(self.kind(j), Some(Kind::Deva)) && is_scale_word(&word_form(self.text(j))) {
                out.push(word_form(self.text(j)));
                j += 1;
            }
            if let Some(w) = (self.kind(j) == Some(Kind::Latin)).then(|| self.word_after(j, true)).flatten() {
                out.push(w);
                j += 1;
            }
            let single = out.len() == 1 && out[0] == t.cardinals[1] && cur.len() == 1 && cur[0] == "रुपये";
            if single {
                out.push("रुपया".to_string());
            } else if !only_paise {
                out.extend(cur.iter().cloned());
            }
            if rupee_paise {
                if let Some(v) = frac.and_then(numbers::value).filter(|v| *v > 0) {
                    numbers::cardinal(t, v, &mut out);
                    out.push(t.word("paise").to_string());
                }
            }
            self.after_unit = true;
        }
        // A unit written touching the number: 155mm, 5km.
        if self.touch(j - 1) && self.kind(j) == Some(Kind::Latin) {
            if let Some(a) =
                lookup(t, self.text(j)).filter(|a| matches!(a.kind, AbbrevKind::Unit | AbbrevKind::Currency))
            {
                out.extend(a.words.iter().cloned());
                self.after_unit = a.kind == AbbrevKind::Unit;
                j += 1;
            }
        }
        self.i = j;
        self.after_number = true;
        self.words(out, at);
    }
}

/// Returns true if `w` is a run of Latin letter names (जी, टी, एके, बीएस), compared without
/// nukta.
fn spells_letters(w: &str, names: &[String]) -> bool {
    if w.is_empty() {
        return true;
    }
    names.iter().any(|n| !n.is_empty() && w.starts_with(n.as_str()) && spells_letters(&w[n.len()..], names))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letter_name_runs() {
        let names: Vec<String> = ["ए", "के", "जी", "टी", "बी", "एस"].iter().map(|s| s.to_string()).collect();
        assert!(spells_letters("एके", &names));
        assert!(spells_letters("जी", &names));
        assert!(!spells_letters("चंद्रयान", &names));
        assert!(!spells_letters("अग्नि", &names));
    }
}
