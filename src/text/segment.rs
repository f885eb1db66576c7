//! Segmentation and expansion: a line's spans → words, pauses and sentence ends; sentences
//! grouped into blocks; long sentences cut into phrases.

use super::abbrev::{is_deva_initial, lookup};
use super::lex::{lex, Kind, Lex};
use super::normalize::{chunk_word, is_deva_base, word_form, MAX_WORD_CHARS};
use super::tables::{abbrev_key, AbbrevKind, Tables};
use super::{latin, links, Block, BlockKind, Ending, Pause, Sentence, Token};

mod number;

/// A sentence of more words than this is cut into phrases at a pause or conjunction.
pub const SOFT_MAX_WORDS: usize = 40;
/// A phrase is cut here even with no pause or conjunction to cut at.
pub const HARD_MAX_WORDS: usize = 60;
/// A cut leaves at least this many words in the phrase before it.
const MIN_PHRASE_WORDS: usize = 6;
/// A credit word after a comma within this many spans of the start of a line is a dateline's
/// credit ("नई दिल्ली, प्रेट्र।").
const DATELINE_MAX_SPANS: usize = 8;
/// A line of at most this many words with no sentence-final punctuation is a heading.
pub const HEADING_MAX_WORDS: usize = 15;

/// Conjunctions a long sentence may be cut before.
const CONJUNCTIONS: &[&str] = &[
    "और",
    "लेकिन",
    "कि",
    "जो",
    "परंतु",
    "परन्तु",
    "किंतु",
    "किन्तु",
    "क्योंकि",
    "तथा",
    "जबकि",
    "ताकि",
    "मगर",
    "बल्कि",
    "एवं",
    "जिसमें",
    "जिससे",
    "जहां",
    "जहाँ",
    "इसलिए",
    "तो",
];

/// An event of a line: a token (with the byte offset where its source starts) or a
/// sentence end (with the byte offset where the sentence's text ends).
#[derive(Debug)]
pub(crate) enum Ev {
    Tok(Token, usize),
    End(Ending, usize),
}

struct Cx<'a> {
    line: &'a str,
    lx: Vec<Lex>,
    t: &'a Tables,
    ev: Vec<Ev>,
    i: usize,
    /// The reading of a currency sign/abbreviation waiting for its amount.
    currency: Option<Vec<String>>,
    after_number: bool,
    after_unit: bool,
}

impl<'a> Cx<'a> {
    fn kind(&self, k: usize) -> Option<Kind> {
        self.lx.get(k).map(|l| l.kind)
    }
    fn is(&self, k: usize, c: char) -> bool {
        self.kind(k) == Some(Kind::Punct(c))
    }
    fn text(&self, k: usize) -> &'a str {
        let l = self.lx[k];
        &self.line[l.start..l.end]
    }
    /// Returns true if span k and k+1 touch (no space between).
    fn touch(&self, k: usize) -> bool {
        k + 1 < self.lx.len() && self.lx[k].end == self.lx[k + 1].start
    }
    fn start(&self, k: usize) -> usize {
        self.lx.get(k).map_or(self.line.len(), |l| l.start)
    }
    fn word(&mut self, w: String, at: usize) {
        if w.len() > MAX_WORD_CHARS {
            for piece in chunk_word(w) {
                self.ev.push(Ev::Tok(Token::Word(piece), at));
            }
        } else if !w.is_empty() {
            self.ev.push(Ev::Tok(Token::Word(w), at));
        }
    }
    fn words(&mut self, ws: Vec<String>, at: usize) {
        for w in ws {
            self.word(w, at);
        }
    }
    fn pause(&mut self, p: Pause, at: usize) {
        self.ev.push(Ev::Tok(Token::Pause(p), at));
    }

    fn run(&mut self) {
        while self.i < self.lx.len() {
            let was_number = std::mem::take(&mut self.after_number);
            let was_unit = std::mem::take(&mut self.after_unit);
            let kind = self.lx[self.i].kind;
            match kind {
                Kind::Digits => self.number(),
                Kind::Deva => self.deva(was_number),
                Kind::Latin if self.numeric_latin() => {}
                Kind::Latin => self.latin(was_number),
                Kind::Punct(c) if self.numeric_punct(c, was_unit) => {}
                Kind::Punct(c) => self.punct(c, was_unit),
                Kind::Link(k) => {
                    let mut out = Vec::new();
                    links::read(self.t, k, self.text(self.i), &mut out);
                    let at = self.start(self.i);
                    self.i += 1;
                    self.words(out, at);
                }
            }
        }
    }

    /// Applies an abbreviation row; `next` is the span after it.
    fn apply_abbrev(
        &mut self,
        words: &[String],
        kind: AbbrevKind,
        before_number: Option<&Vec<String>>,
        next: usize,
        at: usize,
    ) {
        let number_follows = self.kind(next) == Some(Kind::Digits)
            || (self.kind(next).is_some_and(|k| matches!(k, Kind::Punct('-')))
                && self.kind(next + 1) == Some(Kind::Digits));
        self.i = next;
        match kind {
            AbbrevKind::Currency if number_follows => self.currency = Some(words.to_vec()),
            AbbrevKind::Title if number_follows && before_number.is_some() => {
                self.words(before_number.cloned().unwrap_or_default(), at);
            }
            AbbrevKind::Unit => {
                self.after_unit = true;
                self.words(words.to_vec(), at);
            }
            _ => self.words(words.to_vec(), at),
        }
    }

    fn deva(&mut self, after_number: bool) {
        let t = self.t;
        let i = self.i;
        let at = self.start(i);
        // A credit word in a dateline without brackets, "नई दिल्ली, प्रेट्र। …": not read.
        if i > 0
            && i <= DATELINE_MAX_SPANS
            && self.is(i - 1, ',')
            && (self.is(i + 1, '।') || self.is(i + 1, ':'))
            && self.t.credits.contains(&word_form(self.text(i)))
        {
            self.i = i + 1;
            return;
        }
        // Stray vowel signs or marks with no letter to sit on are not a word.
        if !self.text(i).chars().any(is_deva_base) {
            self.i = i + 1;
            return;
        }
        // Dotted forms: डॉ. / कि.मी. / उ.प्र. — try the longest chain first.
        if self.touch(i) && self.is(i + 1, '.') {
            let mut ends = vec![i + 1];
            let mut k = i + 1;
            while ends.len() < 4
                && self.touch(k)
                && self.kind(k + 1) == Some(Kind::Deva)
                && self.touch(k + 1)
                && self.is(k + 2, '.')
            {
                k += 2;
                ends.push(k);
            }
            for &e in ends.iter().rev() {
                let form = word_form(&self.line[self.lx[i].start..self.lx[e].end]);
                if let Some(a) = lookup(t, &form) {
                    if a.kind == AbbrevKind::Era && !after_number {
                        continue;
                    }
                    let (w, kind, bn) = (a.words.clone(), a.kind, a.before_number.clone());
                    self.apply_abbrev(&w, kind, bn.as_ref(), e + 1, at);
                    return;
                }
            }
            // An initial: एस. जयशंकर (only when something follows on the line).
            let w = word_form(self.text(i));
            // आई is also a common verb ("came"): an initial only before another initial.
            let ambiguous = w == "आई";
            let next_is_initial = self.kind(i + 2) == Some(Kind::Deva)
                && self.touch(i + 2)
                && self.is(i + 3, '.')
                && is_deva_initial(t, &word_form(self.text(i + 2)));
            if is_deva_initial(t, &w) && i + 2 < self.lx.len() && (!ambiguous || next_is_initial) {
                self.i = i + 2;
                self.word(w, at);
                return;
            }
        }
        let w = word_form(self.text(i));
        if let Some(a) = lookup(t, &w) {
            if a.kind != AbbrevKind::Era || after_number {
                let (ws, kind, bn) = (a.words.clone(), a.kind, a.before_number.clone());
                self.apply_abbrev(&ws, kind, bn.as_ref(), i + 1, at);
                return;
            }
        }
        self.i = i + 1;
        self.word(w, at);
    }

    fn latin(&mut self, after_number: bool) {
        let t = self.t;
        let i = self.i;
        let at = self.start(i);
        let w = self.text(i);
        // Dotted forms of several parts: D.Phil., Ph.D., B.Tech. — the longest chain first.
        if self.touch(i) && self.is(i + 1, '.') {
            let mut ends = Vec::new();
            let mut k = i + 1;
            while ends.len() < 3
                && self.touch(k)
                && self.kind(k + 1) == Some(Kind::Latin)
                && self.touch(k + 1)
                && self.is(k + 2, '.')
            {
                k += 2;
                ends.push(k);
            }
            for &e in ends.iter().rev() {
                if let Some(a) = lookup(t, &self.line[self.lx[i].start..self.lx[e].end]) {
                    let (ws, kind, bn) = (a.words.clone(), a.kind, a.before_number.clone());
                    self.apply_abbrev(&ws, kind, bn.as_ref(), e + 1, at);
                    return;
                }
            }
        }
        if self.touch(i) && self.is(i + 1, '.') {
            let form = &self.line[self.lx[i].start..self.lx[i + 1].end];
            if let Some(a) = lookup(t, form) {
                if a.kind != AbbrevKind::Unit || after_number {
                    let (ws, kind, bn) = (a.words.clone(), a.kind, a.before_number.clone());
                    self.apply_abbrev(&ws, kind, bn.as_ref(), i + 2, at);
                    return;
                }
            }
            // Initials and dotted acronyms: S. Jaishankar, U.S.A.
            if w.chars().count() == 1 {
                let mut k = i;
                let mut out = Vec::new();
                loop {
                    latin::spell(t, self.text(k), &mut out);
                    k += 2;
                    if !(self.touch(k - 1)
                        && self.kind(k) == Some(Kind::Latin)
                        && self.text(k).chars().count() == 1
                        && self.touch(k)
                        && self.is(k + 1, '.'))
                    {
                        break;
                    }
                }
                // The final dot ends the sentence only at the end of the line.
                self.i = k;
                self.words(out, at);
                return;
            }
        }
        if let Some(a) = lookup(t, w) {
            if a.kind != AbbrevKind::Unit || after_number {
                let (ws, kind, bn) = (a.words.clone(), a.kind, a.before_number.clone());
                self.apply_abbrev(&ws, kind, bn.as_ref(), i + 1, at);
                return;
            }
        }
        let lower = w.to_ascii_lowercase();
        if let Some(&m) = t.month_latin.get(&lower) {
            if w.chars().next().is_some_and(|c| c.is_uppercase())
                && (after_number || self.kind(i + 1) == Some(Kind::Digits))
            {
                self.i = i + 1;
                self.word(t.months[m].clone(), at);
                return;
            }
        }
        let mut out = Vec::new();
        let caps = |k: usize| {
            self.kind(k) == Some(Kind::Latin) && {
                let x = self.text(k);
                x.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !x.chars().any(char::is_lowercase)
            }
        };
        let caps_run = (i > 0 && caps(i - 1)) || caps(i + 1);
        latin::read(t, w, caps_run, &mut out);
        self.i = i + 1;
        self.words(out, at);
    }

    /// Returns the span after the `)` when the bracket opened at span `k` holds only an agency
    /// credit of `lexicon/credits.tsv`, or only a @handle.
    fn credit_end(&self, k: usize) -> Option<usize> {
        // A handle in brackets after a name, "Narendra Modi (@narendramodi)": the name was said.
        if self.kind(k + 1) == Some(Kind::Link(links::LinkKind::Handle)) && self.is(k + 2, ')') {
            return Some(k + 3);
        }
        let close = (k + 1..(k + 8).min(self.lx.len())).find(|&j| self.is(j, ')'))?;
        let inner = self.line[self.lx[k].end..self.lx[close].start].split_whitespace().collect::<Vec<_>>().join(" ");
        self.t.credits.contains(&abbrev_key(&word_form(&inner.replace(" :", ":")))).then_some(close + 1)
    }

    fn punct(&mut self, c: char, after_unit: bool) {
        let t = self.t;
        let i = self.i;
        let at = self.start(i);
        self.i = i + 1;
        match c {
            // A dot inside a Latin name (www.example.com) is read, not a sentence end.
            '.' if i > 0
                && self.touch(i - 1)
                && self.touch(i)
                && self.kind(i - 1) == Some(Kind::Latin)
                && self.kind(i + 1) == Some(Kind::Latin) =>
            {
                self.word("डॉट".to_string(), at);
            }
            // A list number at the start of a line ("1. …") is not a sentence.
            '.' if i == 1 && self.kind(0) == Some(Kind::Digits) && self.touch(0) && self.kind(i + 1).is_some() => {
                self.pause(Pause::Comma, at);
            }
            '।' | '?' | '!' | '.' => {
                let ending = match c {
                    '?' => Ending::Question,
                    '!' => Ending::Exclamation,
                    _ => Ending::Statement,
                };
                let mut j = i + 1;
                // Repeated marks (?!, ।।) and closing quotes/brackets stay with the sentence.
                loop {
                    match self.kind(j) {
                        Some(Kind::Punct('।' | '?' | '!' | '.' | '…')) => j += 1,
                        Some(Kind::Punct('"' | '\'' | ')')) if self.touch(j - 1) => j += 1,
                        Some(Kind::Punct('"' | '\'' | ')')) if j + 1 == self.lx.len() => j += 1,
                        _ => break,
                    }
                }
                self.i = j;
                self.ev.push(Ev::End(ending, self.lx[j - 1].end));
            }
            '…' => {
                let more = self.lx[i + 1..].iter().any(|l| matches!(l.kind, Kind::Deva | Kind::Latin | Kind::Digits));
                if more {
                    self.pause(Pause::Clause, at);
                } else {
                    self.ev.push(Ev::End(Ending::Statement, self.lx[i].end));
                }
            }
            ',' | '"' | '\'' | '—' => self.pause(Pause::Comma, at),
            // An agency credit in brackets (वार्ता), (हि.स.), (IANS) is not read.
            '(' if self.credit_end(i).is_some() => {
                self.i = self.credit_end(i).unwrap_or(i + 1);
                self.pause(Pause::Clause, at);
            }
            ';' | ':' | '(' | ')' => self.pause(Pause::Clause, at),
            '-' => {
                let spaced_before = i == 0 || !self.touch(i - 1);
                if i > 0 && self.kind(i - 1) == Some(Kind::Digits) && self.kind(i + 1) == Some(Kind::Digits) {
                    // A spaced range between numbers: 5 - 6, 2020 – 2021.
                    self.word(t.word("to").to_string(), at);
                } else if spaced_before && self.touch(i) && self.kind(i + 1) == Some(Kind::Digits) {
                    self.word(t.word("minus").to_string(), at);
                } else if spaced_before
                    && i > 0
                    && self.kind(i - 1) == Some(Kind::Deva)
                    && self.kind(i + 1) == Some(Kind::Deva)
                    && self.text(i - 1) == self.text(i + 1)
                {
                    // Reduplication written with a spaced hyphen (अलग - अलग): no pause.
                } else if spaced_before || !self.touch(i) {
                    self.pause(Pause::Comma, at);
                }
                // A hyphen inside a compound (साजो-सामान) is only a word boundary.
            }
            '/' => {
                if after_unit {
                    self.word("प्रति".to_string(), at);
                } else if !(i > 0 && self.touch(i - 1) && self.touch(i)) {
                    self.pause(Pause::Comma, at);
                }
            }
            '₹' | '$' | '€' | '£' => {
                let w = t.symbols.get(&c).cloned().unwrap_or_default();
                if self.kind(i + 1) == Some(Kind::Digits) {
                    self.currency = Some(vec![w]);
                } else {
                    self.word(w, at);
                }
            }
            '°' => {
                self.word(t.symbols.get(&c).cloned().unwrap_or_default(), at);
                if self.touch(i) && self.kind(i + 1) == Some(Kind::Latin) {
                    match self.text(i + 1) {
                        "C" => self.word("सेल्सियस".to_string(), at),
                        "F" => self.word("फ़ारेनहाइट".to_string(), at),
                        _ => return,
                    }
                    self.i = i + 2;
                }
            }
            // & between Latin words is English "and" (AT&T, Johnson & Johnson); elsewhere और.
            '&' if i > 0 && self.kind(i - 1) == Some(Kind::Latin) && self.kind(i + 1) == Some(Kind::Latin) => {
                let w = t.latin_words.get("and").cloned().unwrap_or_default();
                self.word(w, at);
            }
            c => {
                if let Some(w) = t.symbols.get(&c) {
                    let w = w.clone();
                    for part in w.split(' ') {
                        self.word(part.to_string(), at);
                    }
                }
            }
        }
    }
}

/// Expands one line into events.
pub(crate) fn events(line: &str, t: &Tables) -> Vec<Ev> {
    let mut cx =
        Cx { line, lx: lex(line), t, ev: Vec::new(), i: 0, currency: None, after_number: false, after_unit: false };
    cx.run();
    if let Some(cur) = cx.currency.take() {
        // A currency sign whose amount never came.
        let at = line.len();
        cx.words(cur, at);
    }
    cx.ev
}

/// Removes leading/trailing pauses and merges runs of pauses into the strongest.
pub(crate) fn tidy(tokens: &mut Vec<(Token, usize)>) {
    let mut out: Vec<(Token, usize)> = Vec::with_capacity(tokens.len());
    for (tok, at) in tokens.drain(..) {
        match (&tok, out.last_mut()) {
            (Token::Pause(_), None) => {}
            (Token::Pause(p), Some((Token::Pause(q), _))) => {
                if *p == Pause::Clause {
                    *q = Pause::Clause;
                }
            }
            _ => out.push((tok, at)),
        }
    }
    if matches!(out.last(), Some((Token::Pause(_), _))) {
        out.pop();
    }
    *tokens = out;
}

fn is_word(t: &Token) -> bool {
    matches!(t, Token::Word(_))
}

/// Makes the sentences of `line[from..to]` from its tokens: one, or phrases if long.
fn finish(line: &str, mut toks: Vec<(Token, usize)>, from: usize, to: usize, ending: Ending, out: &mut Vec<Sentence>) {
    tidy(&mut toks);
    let n_words = toks.iter().filter(|(t, _)| is_word(t)).count();
    if n_words == 0 {
        return;
    }
    let text = |a: usize, b: usize| line.get(a..b).unwrap_or("").trim().to_string();
    // A sentence from line[a..b] with its tokens' written-token indices (from their offsets).
    let make = |a: usize, b: usize, part: Vec<(Token, usize)>, ending: Ending| {
        let raw = line.get(a..b).unwrap_or("");
        let base = a + (raw.len() - raw.trim_start().len());
        let text = text(a, b);
        let sources = part.iter().map(|&(_, at)| super::run_index(&text, at.saturating_sub(base))).collect();
        Sentence { text, tokens: part.into_iter().map(|(t, _)| t).collect(), ending, sources }
    };
    if n_words <= SOFT_MAX_WORDS {
        out.push(make(from, to, toks, ending));
        return;
    }
    // Cut points: token indices where a new phrase starts.
    let mut cuts = Vec::new();
    let mut seg_start = 0;
    let mut seg_words = 0;
    let mut best: Option<usize> = None;
    for k in 0..toks.len() {
        match &toks[k].0 {
            Token::Pause(_) if seg_words >= MIN_PHRASE_WORDS => best = Some(k + 1),
            Token::Word(w) => {
                if seg_words >= MIN_PHRASE_WORDS && CONJUNCTIONS.contains(&w.as_str()) {
                    best = Some(k);
                }
                seg_words += 1;
            }
            _ => {}
        }
        if seg_words > SOFT_MAX_WORDS {
            if let Some(b) = best.take().filter(|&b| b > seg_start && b < toks.len()) {
                cuts.push(b);
                seg_start = b;
                seg_words = toks[b..=k].iter().filter(|(t, _)| is_word(t)).count();
                continue;
            }
        }
        if seg_words >= HARD_MAX_WORDS && k + 1 < toks.len() {
            cuts.push(k + 1);
            seg_start = k + 1;
            seg_words = 0;
            best = None;
        }
    }
    // Don't leave a trailing phrase without words.
    while let Some(&c) = cuts.last() {
        if toks[c..].iter().any(|(t, _)| is_word(t)) {
            break;
        }
        cuts.pop();
    }
    let mut bounds = vec![0];
    bounds.extend(cuts.iter().copied());
    bounds.push(toks.len());
    let n = bounds.len() - 1;
    // Each phrase's text runs from where its first token's source starts to where the next
    // phrase's starts.
    let starts: Vec<usize> = (0..n).map(|p| if p == 0 { from } else { toks[bounds[p]].1.max(from) }).collect();
    let mut rest = toks.into_iter();
    for p in 0..n {
        let mut part: Vec<(Token, usize)> = rest.by_ref().take(bounds[p + 1] - bounds[p]).collect();
        tidy(&mut part);
        if !part.iter().any(|(t, _)| is_word(t)) {
            continue;
        }
        let end = if p + 1 == n { to } else { starts[p + 1].max(starts[p]) };
        out.push(make(starts[p], end, part, if p + 1 == n { ending } else { Ending::Continuation }));
    }
}

/// Returns the sentences of one line (or joined paragraph), and whether any sentence end
/// was found in it.
pub(crate) fn sentences(line: &str, t: &Tables) -> (Vec<Sentence>, bool) {
    let mut out = Vec::new();
    let mut cur: Vec<(Token, usize)> = Vec::new();
    let mut from = 0;
    let mut had_end = false;
    for ev in events(line, t) {
        match ev {
            Ev::Tok(tok, at) => cur.push((tok, at)),
            Ev::End(ending, end) => {
                had_end = true;
                finish(line, std::mem::take(&mut cur), from, end, ending, &mut out);
                from = end;
            }
        }
    }
    let tail_has_words = cur.iter().any(|(t, _)| is_word(t));
    if tail_has_words {
        finish(line, cur, from, line.len(), Ending::Statement, &mut out);
    }
    (out, had_end && !tail_has_words)
}

/// Returns true if the last visible character of `line` is punctuation that can't end a
/// heading (a line ending in a comma or colon continues).
fn ends_open(line: &str) -> bool {
    line.trim_end().ends_with([',', ':', ';', '-', '—', '–', '…'])
}

/// Builds a block from one paragraph unit.
pub(crate) fn block(unit: &str, t: &Tables) -> Option<Block> {
    let (mut sentences, ended) = sentences(unit, t);
    if sentences.is_empty() {
        return None;
    }
    let raw_words = unit.split_whitespace().count();
    let heading = !ended
        && sentences.len() == 1
        && raw_words <= HEADING_MAX_WORDS
        && !ends_open(unit)
        && sentences[0].ending == Ending::Statement
        && !unit.contains(['।', '?', '!', '|', '॥']);
    if heading {
        sentences[0].ending = Ending::None;
    }
    Some(Block { kind: if heading { BlockKind::Heading } else { BlockKind::Paragraph }, sentences })
}
