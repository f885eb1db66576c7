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

    /// Turns a sentence into pieces of at most `max` tokens each, cut at a pause when a piece
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
