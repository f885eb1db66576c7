//! samachar phones → Kokoro token ids, from the data file `voices/kokoro_phones.tsv`.

use std::collections::HashMap;

use unicode_normalization::UnicodeNormalization;

use crate::g2p::{PhoneToken, PhoneticSentence};
use crate::phoneme::Phone;
use crate::text::{Control, Ending, Pause};

/// The mapping file, compiled in.
pub const MAPPING_TSV: &str = include_str!("../../voices/kokoro_phones.tsv");
const MAPPING_NAME: &str = "voices/kokoro_phones.tsv";

/// Kokoro's space token: separates words.
pub const SPACE: i64 = 16;

/// Phones and structure as Kokoro token ids.
#[derive(Debug, Clone)]
pub struct Mapping {
    phones: HashMap<Phone, Vec<i64>>,
    comma: Vec<i64>,
    clause: Vec<i64>,
    endings: [Vec<i64>; 5],
}

/// One piece of a sentence for the model: tokens (without the padding 0s) and where each mark
/// falls (token index), or a silence of exact length from `<break>`.
#[derive(Debug, Clone, PartialEq)]
pub enum Piece {
    /// Tokens to speak at a speed, with marks at token indices.
    Speech {
        /// Token ids.
        tokens: Vec<i64>,
        /// Speed multiplier from `<prosody rate>` (1 outside one).
        rate: f32,
        /// Gain from `<prosody volume>`.
        volume: f32,
        /// Marks: name and the token index they precede.
        marks: Vec<(String, usize)>,
    },
    /// Silence of this many seconds.
    Break(f32),
}

impl Mapping {
    /// Parses the mapping, resolving symbols with Kokoro's vocabulary (symbol → id).
    pub fn parse(text: &str, vocab: &HashMap<char, i64>) -> crate::Result<Mapping> {
        let err = |line: usize, problem: String| crate::Error::DataLine { file: MAPPING_NAME.into(), line, problem };
        let mut phones = HashMap::new();
        let mut special: HashMap<String, Vec<i64>> = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            if raw.trim().is_empty() || raw.starts_with('#') {
                continue;
            }
            let mut cols = raw.split('\t');
            let key = cols.next().unwrap_or("").trim();
            let sym = cols.next().ok_or_else(|| err(line, "expected phone<TAB>kokoro symbols".into()))?;
            let mut ids = Vec::new();
            for c in sym.trim().nfd() {
                ids.push(*vocab.get(&c).ok_or_else(|| err(line, format!("'{c}' is not in Kokoro's vocabulary")))?);
            }
            if ids.is_empty() {
                return Err(err(line, "no Kokoro symbols".into()));
            }
            if key.starts_with('<') {
                special.insert(key.to_string(), ids);
            } else {
                let nfc: String = key.nfc().collect();
                let p = Phone::from_ipa(key)
                    .or_else(|| Phone::from_ipa(&nfc))
                    .ok_or_else(|| err(line, format!("'{key}' is not a samachar phone")))?;
                if phones.insert(p, ids).is_some() {
                    return Err(err(line, format!("phone '{key}' mapped twice")));
                }
            }
        }
        if let Some(p) = Phone::ALL.iter().find(|p| !phones.contains_key(p)) {
            return Err(err(text.lines().count(), format!("phone '{}' has no line", p.ipa())));
        }
        let mut take = |k: &str| special.remove(k).ok_or_else(|| err(text.lines().count(), format!("no {k} line")));
        Ok(Mapping {
            comma: take("<comma>")?,
            clause: take("<clause>")?,
            endings: [
                take("<statement>")?,
                take("<question>")?,
                take("<exclamation>")?,
                take("<continuation>")?,
                take("<none>")?,
            ],
            phones,
        })
    }

    /// Returns the token ids of one phone.
    pub fn phone(&self, p: Phone) -> &[i64] {
        &self.phones[&p]
    }

    /// Turns a sentence into pieces of at most `max` tokens each (ending included), cut at a pause when a piece
    /// would be longer (else at a word boundary; a single word longer than `max` is cut).
    pub fn pieces(&self, s: &PhoneticSentence, max: usize) -> Vec<Piece> {
        let mut out = Vec::new();
        let (mut rate, mut volume) = (1.0f32, 1.0f32);
        // Current piece: tokens, marks, and the token length at the last pause (a cut point).
        let mut cur: Vec<i64> = Vec::new();
        let mut marks: Vec<(String, usize)> = Vec::new();
        let mut last_pause = 0usize;
        let flush = |cur: &mut Vec<i64>, marks: &mut Vec<(String, usize)>, out: &mut Vec<Piece>, rate, volume| {
            while cur.last() == Some(&SPACE) {
                cur.pop();
            }
            if !cur.is_empty() || !marks.is_empty() {
                out.push(Piece::Speech { tokens: std::mem::take(cur), rate, volume, marks: std::mem::take(marks) });
            }
        };
        for t in &s.tokens {
            let word: Vec<i64> = match t {
                PhoneToken::Word { pron, .. } => {
                    pron.phones.iter().flat_map(|p| self.phone(*p).iter().copied()).collect()
                }
                PhoneToken::Pause(p) => {
                    while cur.last() == Some(&SPACE) {
                        cur.pop();
                    }
                    if !cur.is_empty() {
                        cur.extend(match p {
                            Pause::Comma => &self.comma,
                            Pause::Clause => &self.clause,
                        });
                        last_pause = cur.len();
                    }
                    continue;
                }
                PhoneToken::Control(Control::Mark(name)) => {
                    marks.push((name.clone(), cur.len()));
                    continue;
                }
                PhoneToken::Control(Control::Break(secs)) => {
                    flush(&mut cur, &mut marks, &mut out, rate, volume);
                    last_pause = 0;
                    out.push(Piece::Break(*secs));
                    continue;
                }
                PhoneToken::Control(Control::Prosody(sc)) => {
                    flush(&mut cur, &mut marks, &mut out, rate, volume);
                    last_pause = 0;
                    rate = sc.rate;
                    volume = sc.volume;
                    continue;
                }
                PhoneToken::Control(Control::Phones { phones, .. }) => {
                    phones.iter().flat_map(|p| self.phone(*p).iter().copied()).collect()
                }
            };
            if word.is_empty() {
                continue;
            }
            let sep = usize::from(!cur.is_empty());
            if cur.len() + sep + word.len() > max.saturating_sub(1) && !cur.is_empty() {
                // Cut at the last pause if there is one, else here (a word boundary).
                let cut = if last_pause > 0 { last_pause } else { cur.len() };
                let rest: Vec<i64> = cur.split_off(cut).into_iter().skip_while(|&t| t == SPACE).collect();
                let (keep, moved): (Vec<_>, Vec<_>) = marks.drain(..).partition(|m| m.1 <= cut);
                marks = keep;
                flush(&mut cur, &mut marks, &mut out, rate, volume);
                let shift = rest.len();
                cur = rest;
                marks = moved.into_iter().map(|(n, i)| (n, i.saturating_sub(cut).min(shift))).collect();
                last_pause = 0;
            }
            if !cur.is_empty() {
                cur.push(SPACE);
            }
            for chunk in word.chunks(max.saturating_sub(1).max(1)) {
                if cur.len() + chunk.len() > max.saturating_sub(1) && !cur.is_empty() {
                    flush(&mut cur, &mut marks, &mut out, rate, volume);
                    last_pause = 0;
                }
                cur.extend_from_slice(chunk);
            }
        }
        if !cur.is_empty() {
            let end = match s.ending {
                Ending::Statement => 0,
                Ending::Question => 1,
                Ending::Exclamation => 2,
                Ending::Continuation => 3,
                Ending::None => 4,
            };
            // Drop a trailing pause symbol: the ending replaces it.
            if last_pause == cur.len() {
                let n = match cur.last() {
                    Some(t) if self.comma.last() == Some(t) => self.comma.len(),
                    _ => self.clause.len(),
                };
                cur.truncate(cur.len() - n);
            }
            cur.extend(&self.endings[end]);
        }
        flush(&mut cur, &mut marks, &mut out, rate, volume);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::g2p::Pronunciation;
    use crate::phoneme::parse_phones;

    /// A vocabulary with every character the mapping uses, plus the space (16).
    fn vocab() -> HashMap<char, i64> {
        let mut v: HashMap<char, i64> = HashMap::new();
        v.insert(' ', SPACE);
        for line in MAPPING_TSV.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
            for c in line.split('\t').nth(1).unwrap().nfd() {
                let n = 100 + v.len() as i64;
                v.entry(c).or_insert(n);
            }
        }
        v
    }

    fn word(phones: &str) -> PhoneToken {
        PhoneToken::Word { text: String::new(), pron: Pronunciation { phones: parse_phones(phones).unwrap() } }
    }

    #[test]
    fn mapping_covers_every_phone_and_spells_breathy_and_dental_as_documented() {
        let v = vocab();
        let m = Mapping::parse(MAPPING_TSV, &v).unwrap();
        let ids = |s: &str| s.nfd().map(|c| v[&c]).collect::<Vec<_>>();
        assert_eq!(m.phone(Phone::Bh), ids("bʰ"));
        assert_eq!(m.phone(Phone::T), ids("t"));
        assert_eq!(m.phone(Phone::J), ids("ʤ"));
        assert_eq!(m.phone(Phone::H), ids("h"));
        assert_eq!(m.phone(Phone::IiN), ids("ĩː"));
        let s = PhoneticSentence {
            tokens: vec![word("n ə m ə s t̪ eː"), PhoneToken::Pause(Pause::Comma), word("ɑː d͡ʒ")],
            ending: Ending::Question,
        };
        let p = m.pieces(&s, MAX);
        let want: Vec<i64> = ids("nəməsteː, ɑːʤ?");
        assert_eq!(p, vec![Piece::Speech { tokens: want, rate: 1.0, volume: 1.0, marks: vec![] }]);
    }

    const MAX: usize = 500;

    #[test]
    fn long_sentences_are_cut_under_the_token_limit_after_a_pause() {
        let m = Mapping::parse(MAPPING_TSV, &vocab()).unwrap();
        let mut tokens = Vec::new();
        for i in 0..120 {
            tokens.push(word("k ə ɦ ɑː"));
            if i % 25 == 24 {
                tokens.push(PhoneToken::Pause(Pause::Comma));
            }
        }
        let s = PhoneticSentence { tokens, ending: Ending::Statement };
        let comma = m.comma[0];
        let pieces = m.pieces(&s, 60);
        assert!(pieces.len() > 1);
        let mut total_words = 0;
        for p in &pieces {
            let Piece::Speech { tokens, .. } = p else { panic!("{p:?}") };
            assert!(tokens.len() <= 60, "{} tokens", tokens.len());
            assert_ne!(tokens[0], SPACE);
            total_words += tokens.split(|&t| t == SPACE).count();
        }
        assert_eq!(total_words, 120, "no word lost or split");
        let Piece::Speech { tokens, .. } = &pieces[0] else { unreachable!() };
        assert_ne!(*tokens.last().unwrap(), comma, "with pauses 25 words apart (125 tokens) the cut is at a word");
        let mm = Mapping::parse(MAPPING_TSV, &vocab()).unwrap();
        let cut = mm.pieces(&s, 200);
        let Piece::Speech { tokens, .. } = &cut[0] else { unreachable!() };
        assert_eq!(*tokens.last().unwrap(), comma, "a piece ends at the last pause that fits");
    }
}
