//! Lexer: one line of prepared text → spans of Devanagari words, Latin words, digit runs and
//! punctuation. Spaces are not tokens; two spans touch when `a.end == b.start`.
//!
//! Punctuation variants are folded to one class character here: all double and single curly
//! quotes to `"` and `'`, hyphens/en dashes/minus to `-`, em dashes to `—`, `[ { ]}` to `( )`,
//! `|` and `॥` to `।`, runs of two or more dots and `…` to `…`, full-width `? ! , ;` to ASCII.

use super::links::{self, LinkKind};
use super::normalize::{digit_value, is_deva_letter};
use super::tables::tables;

/// What a span holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    /// Devanagari letters and marks.
    Deva,
    /// Latin letters (with inner apostrophes).
    Latin,
    /// ASCII and/or Devanagari digits.
    Digits,
    /// A punctuation mark or symbol, folded to its class character.
    Punct(char),
    /// A web link, e-mail address or @handle, as one span ([`super::links`]).
    Link(LinkKind),
}

/// A span of the line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Lex {
    /// What it is.
    pub kind: Kind,
    /// Byte start in the line.
    pub start: usize,
    /// Byte end in the line.
    pub end: usize,
}

fn is_latin(c: char) -> bool {
    c.is_ascii_alphabetic() || (('\u{00C0}'..='\u{024F}').contains(&c) && c.is_alphabetic())
}

/// Returns the class character of a punctuation mark or symbol, or None for characters we
/// ignore (emoji, other scripts, spaces).
fn punct_class(c: char) -> Option<char> {
    Some(match c {
        '।' | '॥' | '|' => '।',
        '?' | '？' | '¿' => '?',
        '!' | '！' | '¡' => '!',
        '.' | '．' => '.',
        '…' => '…',
        ',' | '،' | '，' | '、' => ',',
        ';' | '؛' | '；' => ';',
        ':' | '：' => ':',
        '"' | '“' | '”' | '„' | '‟' | '«' | '»' | '″' | '〝' | '〞' => '"',
        '\'' | '‘' | '’' | '‚' | '‛' | '′' | '`' | '´' | '‹' | '›' => '\'',
        '-' | '‐' | '‑' | '‒' | '–' | '−' | '⁃' | '﹣' | '－' => '-',
        '—' | '―' | '⸺' | '⸻' => '—',
        '(' | '[' | '{' | '（' | '⟨' => '(',
        ')' | ']' | '}' | '）' | '⟩' => ')',
        '/' | '\\' | '⁄' => '/',
        '&' | '+' | '=' | '@' | '#' | '%' | '°' | '×' | '₹' | '$' | '€' | '£' | '~' | '±' => c,
        '≈' => '~',
        '¥' | '℃' | '½' | '¼' | '¾' | '⅓' | '⅔' => c,
        'º' => '°',
        _ => return None,
    })
}

/// Splits one prepared line into spans.
pub(crate) fn lex(line: &str) -> Vec<Lex> {
    let mut out: Vec<Lex> = Vec::with_capacity(line.len() / 4 + 1);
    let mut it = line.char_indices().peekable();
    while let Some((s, c)) = it.next() {
        // An address starts a word: nothing alphanumeric (or part of an address) before it.
        if (c.is_ascii_alphanumeric() || c == '@')
            && !line[..s].chars().next_back().is_some_and(|p| p.is_alphanumeric() || matches!(p, '.' | '@' | '_' | '/'))
        {
            if let Some((k, e)) = links::span(tables(), line, s) {
                out.push(Lex { kind: Kind::Link(k), start: s, end: e });
                while it.peek().is_some_and(|&(i, _)| i < e) {
                    it.next();
                }
                continue;
            }
        }
        let kind = if is_deva_letter(c) {
            Kind::Deva
        } else if is_latin(c) {
            Kind::Latin
        } else if digit_value(c).is_some() {
            Kind::Digits
        } else if let Some(p) = punct_class(c) {
            Kind::Punct(p)
        } else {
            continue;
        };
        let mut e = s + c.len_utf8();
        match kind {
            Kind::Deva => {
                while let Some(&(i, d)) = it.peek() {
                    if !is_deva_letter(d) {
                        break;
                    }
                    e = i + d.len_utf8();
                    it.next();
                }
            }
            Kind::Digits => {
                while let Some(&(i, d)) = it.peek() {
                    if digit_value(d).is_none() {
                        break;
                    }
                    e = i + d.len_utf8();
                    it.next();
                }
            }
            Kind::Latin => loop {
                match it.peek() {
                    Some(&(i, d)) if is_latin(d) => {
                        e = i + d.len_utf8();
                        it.next();
                    }
                    // An apostrophe between two Latin letters belongs to the word (don't, BJP's).
                    Some(&(i, d))
                        if matches!(d, '\'' | '’')
                            && line[i + d.len_utf8()..].chars().next().is_some_and(|n| n.is_ascii_alphabetic()) =>
                    {
                        e = i + d.len_utf8();
                        it.next();
                    }
                    _ => break,
                }
            },
            Kind::Punct('.') => {
                // Two or more touching dots are an ellipsis.
                let mut n = 1;
                while let Some(&(i, '.')) = it.peek() {
                    e = i + 1;
                    n += 1;
                    it.next();
                }
                if n >= 2 {
                    out.push(Lex { kind: Kind::Punct('…'), start: s, end: e });
                    continue;
                }
            }
            Kind::Punct(_) | Kind::Link(_) => {}
        }
        out.push(Lex { kind, start: s, end: e });
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexes_missing_space_after_danda() {
        let l = lex("हैं।मंदिर");
        let kinds: Vec<Kind> = l.iter().map(|x| x.kind).collect();
        assert_eq!(kinds, vec![Kind::Deva, Kind::Punct('।'), Kind::Deva]);
    }

    #[test]
    fn folds_quotes_and_ellipses() {
        let l = lex("“a”... b’s");
        let kinds: Vec<Kind> = l.iter().map(|x| x.kind).collect();
        assert_eq!(kinds, vec![Kind::Punct('"'), Kind::Latin, Kind::Punct('"'), Kind::Punct('…'), Kind::Latin]);
    }
}
