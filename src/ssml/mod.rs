//! SSML front end: an SSML document → the same [`Document`] the plain-text front end makes.
//!
//! In: SSML text (a `<speak>` root). Out: a [`Parsed`] — the [`Document`] (blocks of
//! sentences of words) whose sentences also carry [`Control`] tokens for what the markup
//! asks beyond words: exact breaks, prosody scales, forced pronunciations and marks — and
//! the warnings for markup that was understood only in part. Text between tags goes through
//! the ordinary text front end ([`crate::text`]), so numbers, abbreviations and Latin words
//! in SSML are read as in plain text.
//!
//! Supported (see README, "SSML"): `speak`, `p`, `s`, `break` (`time`, `strength`),
//! `prosody` (`rate`, `pitch`, `volume`), `say-as` (`interpret-as` characters, spell-out,
//! digits, cardinal, ordinal, date with `format`, time, telephone, fraction), `sub alias`,
//! `phoneme alphabet="ipa" ph`, `lang xml:lang`, `emphasis level`, `mark name`.
//!
//! Errors: malformed XML, a root other than `<speak>`, a bad attribute value, a phone that
//! is not in samachar's phone set → [`Error::Ssml`] with the line and column. An element
//! outside the subset (`audio`, `voice`, …) is a warning and its text is read.

mod sayas;
mod values;

use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;

use crate::phoneme::Phone;
use crate::text::{Block, BlockKind, Control, Document, Ending, Scales, Sentence, Token};
use crate::{Error, Result};

/// An SSML document read into the front end's typed value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Parsed {
    /// Blocks and sentences, with the markup's controls among their tokens.
    pub document: Document,
    /// One line per element or attribute that was not honoured, "LINE:COL: problem".
    pub warnings: Vec<String>,
}

/// Returns true when `text` is SSML: it starts (after a byte-order mark, white space and an
/// optional `<?xml …?>` declaration) with `<speak`.
pub fn looks_like_ssml(text: &str) -> bool {
    let mut t = text.trim_start_matches('\u{feff}').trim_start();
    if t.starts_with("<?xml") {
        t = t.find("?>").map_or("", |i| t[i + 2..].trim_start());
    }
    t.starts_with("<speak")
}

/// Converts a byte offset of `src` to a 1-based (line, column in characters).
fn line_col(src: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(src.len());
    let mut o = offset;
    while !src.is_char_boundary(o) {
        o -= 1;
    }
    let before = &src[..o];
    let line = before.matches('\n').count() + 1;
    let col = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
    (line, col)
}

/// What an open element does when it closes.
#[derive(Debug)]
enum Frame {
    /// Nothing special (speak, an unsupported element).
    Plain,
    /// A paragraph.
    Paragraph,
    /// A sentence.
    Sentence,
    /// Restores these scales.
    Scales(Scales),
    /// Collects its text, then reads it as a kind of value.
    SayAs { kind: String, format: Option<String>, text: String, at: usize },
    /// Its text is written, the alias is spoken.
    Sub { alias: String, text: String },
    /// Its text is written, these phones are spoken.
    Phoneme { phones: Vec<Phone>, text: String },
    /// Text read as English (Latin words by the English reading, whatever their case).
    English { text: String },
}

struct Builder<'a> {
    src: &'a str,
    source: &'a str,
    doc: Document,
    warnings: Vec<String>,
    /// Sentences of the open block.
    block: Vec<Sentence>,
    /// The sentence being built.
    cur: Sentence,
    /// The scales in force.
    scales: Scales,
    frames: Vec<Frame>,
}

/// Parses SSML. `source` names the input in messages (a path or "<stdin>").
pub fn parse(src: &str, source: &str) -> Result<Parsed> {
    let mut b = Builder {
        src,
        source,
        doc: Document::default(),
        warnings: Vec::new(),
        block: Vec::new(),
        cur: empty_sentence(),
        scales: Scales::default(),
        frames: Vec::new(),
    };
    let mut reader = Reader::from_str(src);
    reader.config_mut().check_end_names = true;
    let mut root_seen = false;
    let mut depth = 0usize;
    // Adjacent text, entity and CDATA events are one run of text, read together ("AT&amp;T"
    // is the one name AT&T, not three pieces).
    let mut pending = String::new();
    let mut pending_at = 0usize;
    loop {
        let at = reader.buffer_position() as usize;
        let ev = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => return Err(b.error(reader.error_position() as usize, format!("malformed SSML: {e}"))),
        };
        if !matches!(ev, Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)) && !pending.is_empty() {
            b.text(&std::mem::take(&mut pending), pending_at, depth)?;
        }
        if pending.is_empty() {
            pending_at = at;
        }
        match ev {
            Event::Start(e) | Event::Empty(e) if depth == 0 && root_seen => {
                return Err(b.error(at, format!("malformed SSML: a second root element <{}>", name(&e))));
            }
            Event::Start(e) => {
                if depth == 0 {
                    b.root(&e, at)?;
                    root_seen = true;
                }
                depth += 1;
                let f = b.open(&e, at)?;
                b.frames.push(f);
            }
            Event::Empty(e) => {
                if depth == 0 {
                    b.root(&e, at)?;
                    root_seen = true;
                }
                let f = b.open(&e, at)?;
                b.close(f)?;
            }
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                if let Some(f) = b.frames.pop() {
                    b.close(f)?;
                }
            }
            Event::Text(t) => {
                let s = t
                    .xml_content(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|e| b.error(at, format!("malformed SSML: {e}")))?;
                pending.push_str(&s);
            }
            Event::CData(t) => {
                pending.push_str(&String::from_utf8_lossy(&t.into_inner()));
            }
            Event::GeneralRef(r) => {
                let s = match r.resolve_char_ref() {
                    Ok(Some(c)) => c.to_string(),
                    _ => {
                        let n = r.decode().map_err(|e| b.error(at, format!("malformed SSML: {e}")))?;
                        match quick_xml::escape::resolve_predefined_entity(&n) {
                            Some(s) => s.to_string(),
                            None => return Err(b.error(at, format!("malformed SSML: unknown entity &{n};"))),
                        }
                    }
                };
                pending.push_str(&s);
            }
            Event::Eof => {
                if depth > 0 {
                    return Err(
                        b.error(src.len(), "malformed SSML: unexpected end of input: <speak> is not closed".into())
                    );
                }
                break;
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
        }
    }
    if !root_seen {
        return Err(b.error(src.len(), "malformed SSML: no <speak> element".into()));
    }
    b.end_block();
    Ok(Parsed { document: b.doc, warnings: b.warnings })
}

fn name(e: &BytesStart) -> String {
    String::from_utf8_lossy(e.name().as_ref()).into_owned()
}

fn empty_sentence() -> Sentence {
    Sentence::new(String::new(), Vec::new(), Ending::None)
}

impl Builder<'_> {
    fn error(&self, offset: usize, problem: String) -> Error {
        let (line, column) = line_col(self.src, offset);
        Error::Ssml { source: self.source.to_string(), line, column, problem }
    }

    fn warn(&mut self, offset: usize, problem: String) {
        let (l, c) = line_col(self.src, offset);
        self.warnings.push(format!("{}:{l}:{c}: {problem}", self.source));
    }

    fn root(&self, e: &BytesStart, at: usize) -> Result<()> {
        if e.name().as_ref() != b"speak" {
            return Err(self.error(at, format!("malformed SSML: the root element is <{}>, not <speak>", name(e))));
        }
        Ok(())
    }

    /// The value of an attribute (by its qualified name, e.g. `xml:lang`).
    fn attr(&self, e: &BytesStart, key: &str, at: usize) -> Result<Option<String>> {
        for a in e.attributes() {
            let a = a.map_err(|err| self.error(at, format!("malformed SSML: {err}")))?;
            if a.key.as_ref() == key.as_bytes() {
                let v = a
                    .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                    .map_err(|err| self.error(at, format!("malformed SSML: {err}")))?;
                return Ok(Some(v.into_owned()));
            }
        }
        Ok(None)
    }

    /// Warns about attributes of `e` outside `known`.
    fn check_attrs(&mut self, e: &BytesStart, known: &[&str], at: usize) {
        let unknown: Vec<String> = e
            .attributes()
            .flatten()
            .map(|a| String::from_utf8_lossy(a.key.as_ref()).into_owned())
            .filter(|k| !known.contains(&k.as_str()) && !k.starts_with("xmlns") && k != "xml:lang" && k != "version")
            .collect();
        for k in unknown {
            self.warn(at, format!("attribute {k} of <{}> is not supported; ignored", name(e)));
        }
    }

    /// True while inside an element whose text is not read as it stands.
    fn collecting(&mut self) -> Option<&mut String> {
        self.frames.iter_mut().rev().find_map(|f| match f {
            Frame::SayAs { text, .. }
            | Frame::Sub { text, .. }
            | Frame::Phoneme { text, .. }
            | Frame::English { text } => Some(text),
            _ => None,
        })
    }

    fn open(&mut self, e: &BytesStart, at: usize) -> Result<Frame> {
        let tag = name(e);
        if self.collecting().is_some() && tag != "break" && tag != "mark" {
            self.warn(at, format!("<{tag}> inside say-as, sub, phoneme or lang is ignored; its text is read"));
            return Ok(Frame::Plain);
        }
        let bad = |b: &Self, p: String| b.error(at, format!("<{tag}>: {p}"));
        Ok(match tag.as_str() {
            "speak" => {
                self.check_attrs(e, &[], at);
                Frame::Plain
            }
            "p" | "paragraph" => {
                self.end_block();
                Frame::Paragraph
            }
            "s" | "sentence" => {
                self.end_sentence();
                Frame::Sentence
            }
            "break" => {
                self.check_attrs(e, &["time", "strength"], at);
                let secs = match (self.attr(e, "time", at)?, self.attr(e, "strength", at)?) {
                    (Some(t), _) => values::time(&t).map_err(|p| bad(self, p))?,
                    (None, Some(s)) => values::strength(&s).map_err(|p| bad(self, p))?,
                    (None, None) => crate::prosody::CLAUSE_PAUSE,
                };
                self.push_break(secs);
                Frame::Plain
            }
            "prosody" => {
                self.check_attrs(e, &["rate", "pitch", "volume"], at);
                let before = self.scales;
                let mut s = self.scales;
                if let Some(v) = self.attr(e, "rate", at)? {
                    s.rate *= values::rate(&v).map_err(|p| bad(self, p))?;
                }
                if let Some(v) = self.attr(e, "pitch", at)? {
                    match values::pitch(&v).map_err(|p| bad(self, p))? {
                        values::Pitch::Relative(x) => s.pitch *= x,
                        values::Pitch::Absolute(hz) => {
                            s.pitch_hz = Some(hz);
                            s.pitch = 1.0;
                        }
                    }
                }
                if let Some(v) = self.attr(e, "volume", at)? {
                    match values::volume(&v).map_err(|p| bad(self, p))? {
                        values::Volume::Relative(x) => s.volume *= x,
                        values::Volume::Absolute(x) => s.volume = x,
                    }
                }
                self.set_scales(s);
                Frame::Scales(before)
            }
            "emphasis" => {
                self.check_attrs(e, &["level"], at);
                let level = self.attr(e, "level", at)?.unwrap_or_default();
                let x = values::emphasis(&level).map_err(|p| bad(self, p))?;
                let before = self.scales;
                let s = Scales {
                    rate: before.rate * x.rate,
                    pitch: before.pitch * x.pitch,
                    pitch_hz: before.pitch_hz,
                    volume: before.volume * x.volume,
                };
                self.set_scales(s);
                Frame::Scales(before)
            }
            "say-as" => {
                self.check_attrs(e, &["interpret-as", "format", "detail"], at);
                let Some(kind) = self.attr(e, "interpret-as", at)? else {
                    return Err(bad(self, "the interpret-as attribute is missing".into()));
                };
                Frame::SayAs { kind, format: self.attr(e, "format", at)?, text: String::new(), at }
            }
            "sub" => {
                self.check_attrs(e, &["alias"], at);
                let Some(alias) = self.attr(e, "alias", at)? else {
                    return Err(bad(self, "the alias attribute is missing".into()));
                };
                Frame::Sub { alias, text: String::new() }
            }
            "phoneme" => {
                self.check_attrs(e, &["alphabet", "ph"], at);
                let alphabet = self.attr(e, "alphabet", at)?.unwrap_or_else(|| "ipa".into());
                let Some(ph) = self.attr(e, "ph", at)? else {
                    return Err(bad(self, "the ph attribute is missing".into()));
                };
                if alphabet != "ipa" {
                    self.warn(
                        at,
                        format!("phoneme alphabet \"{alphabet}\" is not supported (only ipa); the text is read"),
                    );
                    return Ok(Frame::Plain);
                }
                let phones = phones(&ph).map_err(|p| bad(self, p))?;
                Frame::Phoneme { phones, text: String::new() }
            }
            "lang" => {
                let lang = self.attr(e, "xml:lang", at)?.unwrap_or_default().to_ascii_lowercase();
                if lang == "en" || lang.starts_with("en-") {
                    Frame::English { text: String::new() }
                } else {
                    if !(lang == "hi" || lang.starts_with("hi-")) {
                        self.warn(
                            at,
                            format!("language \"{lang}\" is not supported (hi, en); the text is read as Hindi"),
                        );
                    }
                    Frame::Plain
                }
            }
            "mark" => {
                let Some(n) = self.attr(e, "name", at)? else {
                    return Err(bad(self, "the name attribute is missing".into()));
                };
                let at = self.cur.text.split_whitespace().count();
                self.cur.push(Token::Control(Control::Mark(n)), at);
                Frame::Plain
            }
            _ => {
                self.warn(at, format!("<{tag}> is not supported; its text is read"));
                Frame::Plain
            }
        })
    }

    fn close(&mut self, f: Frame) -> Result<()> {
        match f {
            Frame::Plain => {}
            Frame::Paragraph => self.end_block(),
            Frame::Sentence => self.end_sentence(),
            Frame::Scales(s) => self.set_scales(s),
            Frame::SayAs { kind, format, text, at } => {
                let t = crate::text::tables::tables();
                let prepared = crate::text::normalize::prepare(&text);
                match sayas::read(t, &kind, format.as_deref(), &prepared) {
                    Some(words) => self.words(words.into_iter().map(Token::Word).collect(), None, &prepared),
                    None => {
                        let known = [
                            "characters",
                            "spell-out",
                            "verbatim",
                            "digits",
                            "cardinal",
                            "number",
                            "ordinal",
                            "date",
                            "time",
                            "telephone",
                            "fraction",
                        ];
                        let why = if known.contains(&kind.as_str()) {
                            format!("\"{}\" cannot be read as say-as {kind}", prepared.trim())
                        } else {
                            format!("say-as interpret-as=\"{kind}\" is not supported")
                        };
                        self.warn(at, format!("{why}; the text is read as it stands"));
                        self.plain(&text, &text);
                    }
                }
            }
            Frame::Sub { alias, text } => self.plain(&alias, &text),
            Frame::Phoneme { phones, text } => {
                let written = crate::text::normalize::prepare(&text).split_whitespace().collect::<Vec<_>>().join(" ");
                self.words(vec![Token::Control(Control::Phones { text: written.clone(), phones })], None, &written);
            }
            Frame::English { text } => {
                let t = crate::text::tables::tables();
                let prepared = crate::text::normalize::prepare(&text);
                // Latin words through the English reading; anything else (digits, Devanagari,
                // punctuation) through the ordinary front end.
                let mut buf = String::new();
                for w in prepared.split_whitespace() {
                    let core = w.trim_matches(|c: char| !c.is_alphanumeric());
                    if !core.is_empty() && core.chars().all(|c| c.is_ascii_alphabetic() || c == '\'') {
                        if !buf.is_empty() {
                            self.plain(&buf.clone(), &buf.clone());
                            buf.clear();
                        }
                        let mut out = Vec::new();
                        // Not all capitals: the English dictionary first (no romanized-Hindi
                        // guess); capitals and words it lacks: the Latin-word reading
                        // (acronyms spelled, English letter rules).
                        let lower = core.to_ascii_lowercase();
                        let all_caps = core.chars().all(|c| !c.is_ascii_lowercase());
                        match crate::text::english::read(&lower).filter(|_| !all_caps) {
                            Some(w) => out.push(crate::text::normalize::word_form(&w)),
                            None => crate::text::latin::read(t, core, false, &mut out),
                        }
                        self.words(out.into_iter().map(Token::Word).collect(), None, w);
                    } else {
                        buf.push_str(w);
                        buf.push(' ');
                    }
                }
                if !buf.is_empty() {
                    self.plain(&buf.clone(), &buf);
                }
            }
        }
        Ok(())
    }

    fn set_scales(&mut self, s: Scales) {
        if s != self.scales {
            self.scales = s;
            let at = self.cur.text.split_whitespace().count();
            self.cur.push(Token::Control(Control::Prosody(s)), at);
        }
    }

    /// A break: in the open sentence, or, between sentences, at the end of the last one.
    fn push_break(&mut self, secs: f32) {
        if self.cur.words().next().is_none() {
            if let Some(last) =
                self.block.last_mut().or_else(|| self.doc.blocks.last_mut().and_then(|b| b.sentences.last_mut()))
            {
                let at = last.text.split_whitespace().count().saturating_sub(1);
                last.push(Token::Control(Control::Break(secs)), at);
                return;
            }
        }
        let at = self.cur.text.split_whitespace().count();
        self.cur.push(Token::Control(Control::Break(secs)), at);
    }

    fn text(&mut self, s: &str, at: usize, depth: usize) -> Result<()> {
        if depth == 0 {
            if !s.trim().is_empty() {
                return Err(self.error(at, "malformed SSML: text outside <speak>".into()));
            }
            return Ok(());
        }
        if let Some(buf) = self.collecting() {
            buf.push_str(s);
            return Ok(());
        }
        self.plain(s, s);
        Ok(())
    }

    /// Reads `spoken` through the plain-text front end; `written` goes into the sentence
    /// text. Sentence ends inside it end sentences here.
    fn plain(&mut self, spoken: &str, written: &str) {
        if spoken.trim().is_empty() {
            return;
        }
        let flat = spoken.replace(['\n', '\r'], " ");
        let doc = crate::text::parse(&flat);
        let sentences: Vec<Sentence> = doc.blocks.into_iter().flat_map(|b| b.sentences).collect();
        if sentences.is_empty() {
            self.add_text(written);
            return;
        }
        let n = sentences.len();
        // The front end ends an unpunctuated tail as a statement; here the sentence goes on
        // into the next element's text (`दूसरा <mark/>वाक्य।` is one sentence).
        let tail = flat.trim_end().trim_end_matches(['"', '\'', '”', '’', ')', ']', '»']);
        let tail_open = !tail.ends_with(['।', '॥', '|', '?', '!', '.']);
        for (k, s) in sentences.into_iter().enumerate() {
            if self.cur.ending != Ending::None {
                self.end_sentence();
            }
            // With one sentence, the text as written (sub's text, not its alias).
            let text = if n == 1 { written } else { s.text.as_str() };
            // The front end's written-token indices hold when the text kept is the one it read.
            let same = s.text.split_whitespace().eq(text.split_whitespace());
            self.words(s.tokens, same.then_some(&s.sources[..]), text);
            self.cur.ending = s.ending;
            // Only ends that punctuation made; a cut long sentence continues.
            if s.ending == Ending::Continuation || (k + 1 == n && tail_open) {
                self.cur.ending = Ending::None;
            }
        }
    }

    fn add_text(&mut self, written: &str) {
        let w = written.split_whitespace().collect::<Vec<_>>().join(" ");
        if w.is_empty() {
            return;
        }
        if !self.cur.text.is_empty() {
            self.cur.text.push(' ');
        }
        self.cur.text.push_str(&w);
    }

    /// Appends tokens to the open sentence (a new one if the last ended). `sources` gives
    /// each token's written-token index within `written` (none: all are read from its first).
    fn words(&mut self, tokens: Vec<Token>, sources: Option<&[usize]>, written: &str) {
        if self.cur.ending != Ending::None {
            self.end_sentence();
        }
        let base = self.cur.text.split_whitespace().count();
        if self.cur.tokens.is_empty() && self.scales != Scales::default() {
            // Every sentence is rendered on its own: it starts with the scales in force.
            self.cur.push(Token::Control(Control::Prosody(self.scales)), base);
        }
        let runs = written.split_whitespace().count().max(1);
        for (i, t) in tokens.into_iter().enumerate() {
            let k = sources.and_then(|s| s.get(i).copied()).unwrap_or(0).min(runs - 1);
            self.cur.push(t, base + k);
        }
        self.add_text(written);
    }

    fn end_sentence(&mut self) {
        let mut s = std::mem::replace(&mut self.cur, empty_sentence());
        if s.words().next().is_none() {
            // No words: keep its marks and breaks for the next sentence.
            s.tokens.retain(|t| matches!(t, Token::Control(Control::Mark(_) | Control::Break(_))));
            self.cur.sources = vec![0; s.tokens.len()];
            self.cur.tokens = s.tokens;
            return;
        }
        if s.ending == Ending::None {
            s.ending = Ending::Statement;
        }
        self.block.push(s);
    }

    fn end_block(&mut self) {
        self.end_sentence();
        if !self.block.is_empty() {
            let sentences = std::mem::take(&mut self.block);
            self.doc.blocks.push(Block { kind: BlockKind::Paragraph, sentences });
        }
    }
}

/// Phones of a `ph` attribute in samachar's IPA phone set: separated by spaces
/// ("n ə m ə s t̪ eː"), or written together ("nəməst̪eː", read longest phone first).
///
/// Typographic variants are accepted: ASCII `g` for `ɡ`, affricates without the tie bar
/// (`tʃ`, `dʒ`), and `aː` for samachar's `ɑː`.
pub fn phones(ph: &str) -> std::result::Result<Vec<Phone>, String> {
    let given = ph.trim();
    let normalized = given.replace('g', "ɡ").replace("tʃ", "t͡ʃ").replace("dʒ", "d͡ʒ").replace("aː", "ɑː");
    let ph = normalized.as_str();
    if ph.is_empty() {
        return Err("the ph attribute is empty".into());
    }
    if ph.contains(char::is_whitespace) {
        return crate::phoneme::parse_phones(ph)
            .map_err(|p| format!("unknown phone \"{p}\" in ph=\"{given}\" (not in samachar's phone set)"));
    }
    let mut table: Vec<(&str, Phone)> = Phone::ALL.iter().map(|&p| (p.ipa(), p)).collect();
    table.sort_by_key(|(s, _)| std::cmp::Reverse(s.len()));
    let mut out = Vec::new();
    let mut rest = ph;
    while !rest.is_empty() {
        match table.iter().find(|(s, _)| rest.starts_with(s)) {
            Some((s, p)) => {
                out.push(*p);
                rest = &rest[s.len()..];
            }
            None => {
                let c = rest.chars().next().unwrap_or(' ');
                return Err(format!("unknown phone \"{c}\" in ph=\"{given}\" (not in samachar's phone set)"));
            }
        }
    }
    Ok(out)
}
