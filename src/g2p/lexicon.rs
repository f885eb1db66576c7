//! Pronunciation lexicons: `word<TAB>phones` text files.
//!
//! Format (see lexicon/README.md): UTF-8, one entry per line, the word, a tab, its phones in
//! the SIGMORPHON 2020 notation separated by single spaces. `#` starts a comment line; blank
//! lines are skipped. A breathy vowel token such as `ɛːʱ` is read as the vowel followed by
//! [ɦ]. A later entry for the same word replaces an earlier one.

use super::rules::normalize_word;
use super::FxMap;
use crate::phoneme::Phone;
use crate::{Error, Result};

/// A set of word → phones entries, stored in one phone arena.
#[derive(Debug, Clone, Default)]
pub struct Lexicon {
    map: FxMap<Box<str>, (u32, u16)>,
    phones: Vec<Phone>,
}

/// Returns the phone spelled `tok` ([`Phone::from_ipa`] through a hash map: the built-in
/// lexicon has some 130,000 tokens to read at start-up).
fn phone(tok: &str) -> Option<Phone> {
    static MAP: std::sync::OnceLock<FxMap<&'static str, Phone>> = std::sync::OnceLock::new();
    MAP.get_or_init(|| Phone::ALL.iter().map(|&p| (p.ipa(), p)).collect()).get(tok).copied()
}

/// Parses one phone token into `out`; returns false if it is not a phone.
pub(crate) fn parse_token(tok: &str, out: &mut Vec<Phone>) -> bool {
    if let Some(p) = phone(tok) {
        out.push(p);
        return true;
    }
    // Breathy vowel: SIGMORPHON's notation of a vowel + ह that closes the syllable.
    if let Some(v) = tok.strip_suffix('ʱ') {
        if let Some(p) = phone(v).filter(|p| p.is_vowel()) {
            out.push(p);
            out.push(Phone::H);
            return true;
        }
    }
    false
}

impl Lexicon {
    /// Returns an empty lexicon.
    pub fn new() -> Lexicon {
        Lexicon::default()
    }

    /// Returns the number of words.
    pub fn len(&self) -> usize {
        self.map.len()
    }

    /// Returns true if the lexicon has no words.
    pub fn is_empty(&self) -> bool {
        self.map.is_empty()
    }

    /// Adds the entries of a lexicon text; `file` names it in errors. A malformed line
    /// (no tab, empty word or phones, an unknown phone) is an [`Error::DataLine`].
    pub fn add_text(&mut self, file: &str, text: &str) -> Result<()> {
        let mut key = String::new();
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        // One entry per line at most: reserve once instead of rehashing as the map grows.
        let lines = text.as_bytes().iter().filter(|&&b| b == b'\n').count();
        self.map.reserve(lines);
        self.phones.reserve(lines * 6);
        for (n, raw) in text.lines().enumerate() {
            let line = raw.trim_end_matches('\r');
            if line.trim().is_empty() || line.trim_start().starts_with('#') {
                continue;
            }
            let bad = |problem: String| Error::DataLine { file: file.to_string(), line: n + 1, problem };
            let Some((word, phones)) = line.split_once('\t') else {
                return Err(bad("expected word<TAB>phones, found no tab".into()));
            };
            let word = word.trim();
            if word.is_empty() {
                return Err(bad("empty word before the tab".into()));
            }
            if word.chars().any(char::is_whitespace) {
                return Err(bad(format!("word '{word}' contains a space")));
            }
            let start = self.phones.len();
            for tok in phones.split_whitespace() {
                if !parse_token(tok, &mut self.phones) {
                    self.phones.truncate(start);
                    return Err(bad(format!("unknown phone '{tok}' for '{word}'")));
                }
            }
            let len = self.phones.len() - start;
            if len == 0 {
                return Err(bad(format!("no phones for '{word}'")));
            }
            if len > u16::MAX as usize || start > u32::MAX as usize {
                self.phones.truncate(start);
                return Err(bad("entry too long".into()));
            }
            normalize_word(word, &mut key);
            self.map.insert(key.as_str().into(), (start as u32, len as u16));
        }
        Ok(())
    }

    /// Adds the entries of a lexicon file.
    pub fn add_file(&mut self, path: &std::path::Path) -> Result<()> {
        let bytes = crate::limits::read_file_capped(path, crate::limits::LEXICON_MAX_BYTES, "lexicon file")?;
        let name = path.display().to_string();
        let text = crate::error::decode_utf8(bytes, &name)?;
        self.add_text(&name, &text)
    }

    /// Adds every entry of `other`, replacing entries of the same words.
    pub fn extend_from(&mut self, other: &Lexicon) {
        for (k, &(s, l)) in &other.map {
            let start = self.phones.len();
            self.phones.extend_from_slice(&other.phones[s as usize..s as usize + l as usize]);
            self.map.insert(k.clone(), (start as u32, l));
        }
    }

    /// Returns the phones of a normalized word (see [`normalize_word`]).
    pub fn get(&self, normalized: &str) -> Option<&[Phone]> {
        self.map.get(normalized).map(|&(s, l)| &self.phones[s as usize..s as usize + l as usize])
    }
}
