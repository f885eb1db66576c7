//! Prosody: [`PhoneticSentence`] → [`Utterance`] (durations, pitch targets, pauses).
//!
//! It knows phones and structure, not audio: times are in seconds, pitch in Hz relative to
//! the voice settings passed in [`ProsodySettings`].
//!
//! - Durations: the phone table's intrinsic duration, scaled by context (stressed syllable,
//!   phrase-final lengthening, consonant clusters, function words, geminates) and the rate.
//! - F0: a declining reference line; a rising (L→H) accent on every content word; a final
//!   fall for statements, a final rise for yes/no questions, a continuation rise before
//!   pauses and at the end of a phrase that continues.

mod stress;

use crate::g2p::{PhoneToken, PhoneticSentence};
use crate::phoneme::{Phone, PhoneClass};
use crate::text::{Ending, Pause};

pub use stress::stressed_syllable;

/// One timed segment of an utterance.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Segment {
    /// The phone, or `None` for silence.
    pub phone: Option<Phone>,
    /// Duration in seconds.
    pub duration: f32,
}

/// A pitch target: F0 in Hz at a time from the start of the utterance (seconds).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PitchTarget {
    /// Seconds from the start of the utterance.
    pub time: f32,
    /// Fundamental frequency in Hz.
    pub hz: f32,
}

/// A fully specified utterance, ready for a synthesizer.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Utterance {
    /// Segments in order (silences included).
    pub segments: Vec<Segment>,
    /// Pitch targets in time order; the synthesizer interpolates between them.
    pub pitch: Vec<PitchTarget>,
}

impl Utterance {
    /// Returns the total duration in seconds.
    pub fn duration(&self) -> f32 {
        self.segments.iter().map(|s| s.duration).sum()
    }
}

/// Intrinsic phone durations in seconds, one per phone of the inventory (the voice's phone
/// table provides them; prosody scales them by context).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PhoneDurations(pub [f32; Phone::ALL.len()]);

impl PhoneDurations {
    /// Returns the intrinsic duration of a phone in seconds.
    pub fn get(&self, p: Phone) -> f32 {
        self.0[p as usize]
    }
}

/// Speaker-level settings prosody needs (from the voice and the command line): plain values,
/// so prosody does not depend on any synthesizer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProsodySettings {
    /// Base (mid) pitch in Hz.
    pub pitch_hz: f32,
    /// Pitch range in semitones above the base for accents.
    pub range_semitones: f32,
    /// Speaking rate multiplier (1.0 = normal; 2.0 = twice as fast).
    pub rate: f32,
    /// Intrinsic phone durations at rate 1.
    pub durations: PhoneDurations,
}

/// Pause lengths in seconds at rate 1. Comma < clause (< sentence < paragraph < heading, which
/// the renderer adds between sentences). Read news speech: ~200 ms at commas, ~350 ms at
/// clause breaks (Goldman-Eisler 1968; Krivokapić 2007 on pause duration and phrase size).
pub const COMMA_PAUSE: f32 = 0.2;
/// See [`COMMA_PAUSE`].
pub const CLAUSE_PAUSE: f32 = 0.35;
/// Silence at the start of every utterance (lets the 5 ms fade act on silence).
const EDGE_START: f32 = 0.03;
/// Silence at the end (lets the last release and the resonators decay).
const EDGE_END: f32 = 0.06;

/// Words that carry no pitch accent and are shortened: postpositions, auxiliaries, conjunctions,
/// particles and pronouns of high frequency (Hindi accentual phrases group them with the
/// preceding content word; Patil et al. 2008, Harnsberger 1996).
const FUNCTION_WORDS: &[&str] = &[
    "का",
    "की",
    "के",
    "को",
    "में",
    "से",
    "ने",
    "पर",
    "तक",
    "है",
    "हैं",
    "था",
    "थी",
    "थे",
    "हो",
    "हुआ",
    "हुई",
    "हुए",
    "और",
    "या",
    "भी",
    "तो",
    "ही",
    "कि",
    "व",
    "एवं",
    "इस",
    "उस",
    "यह",
    "वह",
    "ये",
    "वे",
    "जो",
    "लिए",
    "रहा",
    "रही",
    "रहे",
    "गया",
    "गई",
    "गए",
    "कर",
    "करने",
    "एक",
    "न",
    "नहीं",
    "अपने",
    "अपनी",
    "अपना",
];

/// Question words: a question containing one (and not starting with the yes/no particle
/// क्या) ends in a fall, not a rise (Harnsberger & Judge 1996 on Hindi question intonation).
const WH_WORDS: &[&str] = &[
    "कौन",
    "कौनसा",
    "कौनसी",
    "कब",
    "कहाँ",
    "कहां",
    "क्यों",
    "कैसे",
    "कैसा",
    "कैसी",
    "कितना",
    "कितनी",
    "कितने",
    "किसे",
    "किसको",
    "किसने",
    "किस",
    "किसका",
    "किसकी",
    "किसके",
];

struct WordPlan {
    /// Index of the word's token in the sentence.
    token: usize,
    /// Index of the first segment of the word.
    first: usize,
    /// Index one past its last segment.
    end: usize,
    /// Segment index of the stressed vowel.
    stressed: Option<usize>,
    content: bool,
}

/// A named point of an utterance (an SSML `mark`).
#[derive(Debug, Clone, PartialEq)]
pub struct MarkTime {
    /// The mark's name.
    pub name: String,
    /// Seconds from the start of the utterance.
    pub time: f32,
}

/// A stretch of an utterance to be scaled in loudness (an SSML `prosody volume`).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GainSpan {
    /// Start, seconds from the start of the utterance.
    pub start: f32,
    /// End, seconds.
    pub end: f32,
    /// Linear gain.
    pub gain: f32,
}

/// The segments one spoken word occupies in an utterance.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WordSegments {
    /// Index of the word's token in the [`PhoneticSentence`] (the same index as in the
    /// text sentence it was phonemized from).
    pub token: usize,
    /// Its segments: its first phone to one past its last (no silence inside or around).
    pub segments: std::ops::Range<usize>,
}

/// An utterance with what markup asked for beyond phones and pitch.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Planned {
    /// The utterance.
    pub utterance: Utterance,
    /// Every spoken word (one with phones), in order, with the segments it occupies.
    pub words: Vec<WordSegments>,
    /// Marks in time order.
    pub marks: Vec<MarkTime>,
    /// Loudness changes (none without markup).
    pub gains: Vec<GainSpan>,
}

/// Plans durations and pitch for a sentence.
pub fn plan(s: &PhoneticSentence, set: &ProsodySettings) -> Utterance {
    plan_full(s, set).utterance
}

/// Plans durations and pitch for a sentence, and places its markup controls: a break is a
/// silence of exactly its length; prosody scales act on the words that follow (rate on their
/// durations, pitch on the pitch targets inside them, volume as a [`GainSpan`]); a mark
/// takes the time of the point where it stands.
pub fn plan_full(s: &PhoneticSentence, set: &ProsodySettings) -> Planned {
    let base_rate = set.rate.clamp(0.2, 5.0);
    let mut rate = base_rate;
    let mut scales = crate::text::Scales::default();
    // (segment index where a span of scales starts, its scales)
    let mut spans: Vec<(usize, crate::text::Scales)> = Vec::new();
    let mut marks: Vec<(String, usize)> = Vec::new();
    let mut segments: Vec<Segment> = vec![Segment { phone: None, duration: EDGE_START }];
    let mut words: Vec<WordPlan> = Vec::new();
    // Positions of pauses (segment index) for continuation rises.
    let mut pauses: Vec<usize> = Vec::new();

    let tokens = &s.tokens;
    let is_yes_no = s.ending == Ending::Question && {
        let ws: Vec<&str> = tokens
            .iter()
            .filter_map(|t| if let PhoneToken::Word { text, .. } = t { Some(text.as_str()) } else { None })
            .collect();
        ws.first() == Some(&"क्या") || !ws.iter().any(|w| WH_WORDS.contains(w))
    };

    for (ti, t) in tokens.iter().enumerate() {
        match t {
            PhoneToken::Word { text, pron } => {
                if pron.phones.is_empty() {
                    continue;
                }
                // Phrase-final: the last word before a pause or the end.
                let phrase_final = tokens[ti + 1..]
                    .iter()
                    .find(|t| {
                        !matches!(t, PhoneToken::Word { pron, .. } if pron.phones.is_empty())
                            && !matches!(
                                t,
                                PhoneToken::Control(crate::text::Control::Mark(_) | crate::text::Control::Prosody(_))
                            )
                    })
                    .is_none_or(|t| {
                        matches!(t, PhoneToken::Pause(_) | PhoneToken::Control(crate::text::Control::Break(_)))
                    });
                let content = !FUNCTION_WORDS.contains(&text.as_str());
                let first = segments.len();
                if spans.last().map(|x| x.1) != Some(scales) {
                    spans.push((first, scales));
                }
                let stressed = word_durations(&pron.phones, content, phrase_final, rate, &set.durations, &mut segments);
                words.push(WordPlan {
                    token: ti,
                    first,
                    end: segments.len(),
                    stressed: stressed.map(|i| first + i),
                    content,
                });
            }
            PhoneToken::Pause(p) => {
                let d = match p {
                    Pause::Comma => COMMA_PAUSE,
                    Pause::Clause => CLAUSE_PAUSE,
                };
                if segments.last().is_some_and(|x| x.phone.is_none()) && segments.len() > 1 {
                    // Two pauses in a row: keep the longer.
                    let l = segments.len() - 1;
                    segments[l].duration = segments[l].duration.max(d / rate);
                } else {
                    pauses.push(segments.len());
                    segments.push(Segment { phone: None, duration: d / rate });
                }
            }
            PhoneToken::Control(c) => match c {
                crate::text::Control::Break(secs) => {
                    // Exactly the asked length, whatever the rate; it replaces a punctuation
                    // pause at the same place (SSML: a break overrides the default pause).
                    if segments.len() > 1 && segments.last().is_some_and(|x| x.phone.is_none()) {
                        let l = segments.len() - 1;
                        segments[l].duration = secs.max(0.0);
                    } else if *secs > 0.0 {
                        pauses.push(segments.len());
                        segments.push(Segment { phone: None, duration: *secs });
                    }
                }
                crate::text::Control::Mark(name) => marks.push((name.clone(), segments.len())),
                crate::text::Control::Prosody(sc) => {
                    scales = *sc;
                    rate = (base_rate * sc.rate).clamp(0.1, 10.0);
                }
                // g2p turns forced pronunciations into words.
                crate::text::Control::Phones { .. } => {}
            },
        }
    }
    segments.push(Segment { phone: None, duration: EDGE_END });

    // Segment start times.
    let mut starts = Vec::with_capacity(segments.len() + 1);
    let mut t = 0.0;
    for sg in &segments {
        starts.push(t);
        t += sg.duration;
    }
    starts.push(t);
    let total = t;
    let mut pitch = pitch_targets(&segments, &starts, &words, &pauses, s.ending, is_yes_no, set, total);
    let mut gains = Vec::new();
    if spans.iter().any(|x| x.1 != crate::text::Scales::default()) {
        // Span k covers segments spans[k].0 .. spans[k+1].0 (the last one to the end).
        let span_at = |seg: usize| spans.iter().rev().find(|x| x.0 <= seg).or(spans.first()).map(|x| x.1);
        for p in &mut pitch {
            let seg = starts.partition_point(|&t| t <= p.time).saturating_sub(1).min(segments.len() - 1);
            if let Some(sc) = span_at(seg) {
                p.hz *= sc.pitch * sc.pitch_hz.map_or(1.0, |hz| hz / set.pitch_hz.max(1.0));
            }
        }
        for (k, &(from, sc)) in spans.iter().enumerate() {
            if sc.volume != 1.0 {
                let to = spans.get(k + 1).map_or(segments.len() - 1, |x| x.0);
                gains.push(GainSpan { start: starts[from], end: starts[to], gain: sc.volume });
            }
        }
    }
    let marks = marks.into_iter().map(|(name, seg)| MarkTime { name, time: starts[seg] }).collect();
    let words = words.iter().map(|w| WordSegments { token: w.token, segments: w.first..w.end }).collect();
    Planned { utterance: Utterance { segments, pitch }, words, marks, gains }
}

/// Appends the segments of one word; returns the index (within the word) of the stressed vowel.
fn word_durations(
    phones: &[Phone],
    content: bool,
    phrase_final: bool,
    rate: f32,
    set_durations: &PhoneDurations,
    out: &mut Vec<Segment>,
) -> Option<usize> {
    let stressed_syl = stressed_syllable(phones);
    let nuclei: Vec<usize> = phones.iter().enumerate().filter(|(_, p)| p.is_vowel()).map(|(i, _)| i).collect();
    let stressed_idx = stressed_syl.and_then(|k| nuclei.get(k).copied());
    let last_vowel = nuclei.last().copied();
    for (i, &p) in phones.iter().enumerate() {
        let mut d = set_durations.get(p);
        if p.is_vowel() {
            if Some(i) == stressed_idx && content {
                d *= 1.15; // stressed syllables lengthen (OH83; ~10-20 % in Hindi read speech)
            }
            if phrase_final && Some(i) == last_vowel {
                d *= 1.35; // phrase-final lengthening (Klatt 1979 rule: ×1.4 at phrase end)
            }
        } else {
            let prev_c = i > 0 && !phones[i - 1].is_vowel() && phones[i - 1] != p;
            let next_c = i + 1 < phones.len() && !phones[i + 1].is_vowel() && phones[i + 1] != p;
            if prev_c || next_c {
                d *= 0.8; // consonants in clusters shorten (Klatt 1979 rule)
            }
            if phrase_final && i + 1 == phones.len() {
                d *= 1.2; // final consonant of a phrase lengthens (Klatt 1979)
            }
            if i == 0 && p.class() == PhoneClass::Stop {
                d *= 0.9; // word-initial closures are shorter than medial ones
            }
        }
        if !content {
            d *= 0.85; // unaccented function words are compressed (Klatt 1979)
        }
        out.push(Segment { phone: Some(p), duration: d / rate });
    }
    let before = out.len();
    let word_start = before - phones.len();
    merge_geminates(out, word_start);
    // Keep the stressed vowel's index valid after merging.
    stressed_idx.map(|i| i - phones[..i].windows(2).filter(|w| w[0] == w[1] && !w[0].is_vowel()).count())
}

/// Merges two identical consonants in a row into one long consonant (a geminate): the
/// closure of a Hindi geminate stop is ~1.6-2× a singleton's (Ohala 2007, "Experimental
/// methods in the study of Hindi geminate consonants"); one release only.
fn merge_geminates(segs: &mut Vec<Segment>, from: usize) {
    let mut i = from;
    while i + 1 < segs.len() {
        match (segs[i].phone, segs[i + 1].phone) {
            (Some(a), Some(b)) if a == b && !a.is_vowel() => {
                // Geminate = the full second consonant plus ~70 % of the first as extra closure.
                let d = segs[i + 1].duration + 0.7 * segs[i].duration;
                segs[i + 1].duration = d;
                segs.remove(i);
            }
            _ => i += 1,
        }
    }
}

fn st(hz: f32, semitones: f32) -> f32 {
    hz * (semitones / 12.0).exp2()
}

#[allow(clippy::too_many_arguments)]
fn pitch_targets(
    segs: &[Segment],
    starts: &[f32],
    words: &[WordPlan],
    pauses: &[usize],
    ending: Ending,
    yes_no: bool,
    set: &ProsodySettings,
    total: f32,
) -> Vec<PitchTarget> {
    let base = set.pitch_hz;
    let range = set.range_semitones;
    // Declination: ~1 semitone per second, at most 3 over the sentence ('t Hart, Collier &
    // Cohen 1990: declination of read speech ~1-2 st/s for short utterances, flattening).
    let decl_total = (1.0 * total).min(3.0);
    let refl = |t: f32| st(base, 1.0 - decl_total * (t / total.max(1e-3)));
    let mut out: Vec<PitchTarget> = Vec::new();
    out.push(PitchTarget { time: 0.0, hz: refl(0.0) });

    // Find, for each word, whether it is the last word of a phrase (before a pause) or of
    // the sentence.
    let last_word = words.len().saturating_sub(1);
    let pre_pause: Vec<bool> = words.iter().map(|w| pauses.contains(&w.end)).collect();

    let vowel_mid = |i: usize| starts[i] + 0.5 * segs[i].duration;
    for (wi, w) in words.iter().enumerate() {
        let vowels: Vec<usize> = (w.first..w.end).filter(|&i| segs[i].phone.is_some_and(|p| p.is_vowel())).collect();
        let Some(&lastv) = vowels.last() else { continue };
        let is_last = wi == last_word;
        if w.content {
            // Rising accent: low at the stressed vowel's onset, high at the end of the word
            // (Hindi L*H / LH accentual phrase; Patil et al. 2008, Harnsberger 1996).
            let sv = w.stressed.unwrap_or(vowels[0]);
            let t_low = starts[sv];
            // Alternate accent heights a little so a list of content words is not monotone.
            let h = if wi % 2 == 0 { 0.55 } else { 0.45 };
            out.push(PitchTarget { time: t_low, hz: refl(t_low) * st(1.0, -0.5) });
            if !is_last || (!yes_no && ending != Ending::Continuation) {
                let t_high = if lastv > sv { vowel_mid(lastv) } else { starts[sv] + 0.8 * segs[sv].duration };
                if !is_last {
                    out.push(PitchTarget { time: t_high, hz: refl(t_high) * st(1.0, range * h) });
                } else {
                    // The last accent of a statement peaks early, on the stressed vowel.
                    let tp = vowel_mid(sv);
                    out.push(PitchTarget { time: tp, hz: refl(tp) * st(1.0, range * 0.35) });
                }
            }
        }
        if pre_pause[wi] && !is_last {
            // Continuation rise before a comma/clause pause.
            let te = starts[lastv + 1].min(starts[w.end]);
            out.push(PitchTarget { time: te, hz: refl(te) * st(1.0, range * 0.6) });
        }
        if is_last {
            let te = starts[w.end];
            let hz = match ending {
                _ if yes_no => st(base, range * 1.1), // final rise for yes/no questions
                Ending::Continuation => refl(te) * st(1.0, range * 0.6), // continuation rise
                // Final fall to below the reference line (statements, wh-questions,
                // exclamations, headings).
                _ => st(base, -4.0),
            };
            out.push(PitchTarget { time: te, hz });
        }
    }
    out.push(PitchTarget { time: total, hz: out.last().map(|p| p.hz).unwrap_or(base) });
    // Keep targets in time order (ties: keep the later-added).
    out.sort_by(|a, b| a.time.total_cmp(&b.time));
    out.dedup_by(|b, a| {
        if (b.time - a.time).abs() < 1e-4 {
            a.hz = b.hz;
            true
        } else {
            false
        }
    });
    out
}
