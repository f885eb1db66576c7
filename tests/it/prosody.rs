//! Prosody: intonation by sentence type, pauses, durations.

use samachar::prosody::{plan, ProsodySettings, Utterance};
use samachar::text::Ending;

use crate::synth::sentence;

fn settings() -> ProsodySettings {
    let v = samachar::synth::Voice::builtin("meera").unwrap();
    ProsodySettings { pitch_hz: 120.0, range_semitones: 5.0, rate: 1.0, ..v.prosody_settings(1.0, 1.0) }
}

fn words() -> Vec<&'static str> {
    // d͡ʒ is the inventory's spelling.
    vec!["ɑː p", "d̪ ɪ l l iː", "d͡ʒ ɑː ɛ̃ː ɡ eː"]
}

/// F0 of the plan at time t.
fn f0_at(u: &Utterance, t: f32) -> f32 {
    let p = &u.pitch;
    for w in p.windows(2) {
        if t >= w[0].time && t <= w[1].time {
            let k = (t - w[0].time) / (w[1].time - w[0].time).max(1e-6);
            return w[0].hz + (w[1].hz - w[0].hz) * k;
        }
    }
    p.last().unwrap().hz
}

/// Start and end of the last word's phones (before the trailing silence).
fn last_word_span(u: &Utterance, nphones: usize) -> (f32, f32) {
    let n = u.segments.len();
    let end: f32 = u.segments[..n - 1].iter().map(|s| s.duration).sum();
    let start: f32 = u.segments[..n - 1 - nphones].iter().map(|s| s.duration).sum();
    (start, end)
}

#[test]
fn yes_no_question_ends_in_a_rise_statement_in_a_fall() {
    let q = plan(&sentence(&words(), Ending::Question), &settings());
    let s = plan(&sentence(&words(), Ending::Statement), &settings());
    let (a, b) = last_word_span(&q, 5);
    assert!(f0_at(&q, b) > f0_at(&q, a) * 1.1, "question: {} → {}", f0_at(&q, a), f0_at(&q, b));
    let (a, b) = last_word_span(&s, 5);
    assert!(f0_at(&s, b) < f0_at(&s, a) * 0.9, "statement: {} → {}", f0_at(&s, a), f0_at(&s, b));
    assert!(f0_at(&s, b) < f0_at(&s, 0.05), "statement ends below its start");
    assert!(f0_at(&q, b) > f0_at(&s, b) * 1.3);
}

#[test]
fn wh_question_falls_like_a_statement() {
    let mut ws = words();
    ws[0] = "k ɔː n"; // कौन
    let mut s = sentence(&ws, Ending::Question);
    if let samachar::g2p::PhoneToken::Word { text, .. } = &mut s.tokens[0] {
        *text = "कौन".into();
    }
    let u = plan(&s, &settings());
    let (a, b) = last_word_span(&u, 5);
    assert!(f0_at(&u, b) < f0_at(&u, a), "wh-question should fall");
}

#[test]
fn continuation_rises_at_phrase_end_and_before_commas() {
    let c = plan(&sentence(&words(), Ending::Continuation), &settings());
    let (a, b) = last_word_span(&c, 5);
    assert!(f0_at(&c, b) > f0_at(&c, a), "continuation phrase ends rising");
    // Before a comma, the pitch at the end of the word is above the reference at its start.
    let u = plan(&sentence(&["ɑː p", "d̪ ɪ l l iː", ",", "d͡ʒ ɑː ɛ̃ː ɡ eː"], Ending::Statement), &settings());
    let comma = u.segments.iter().position(|s| s.phone.is_none() && s.duration > 0.1).unwrap();
    let t: f32 = u.segments[..comma].iter().map(|s| s.duration).sum();
    let word_start: f32 = u.segments[..comma - 4].iter().map(|s| s.duration).sum();
    assert!(f0_at(&u, t) > f0_at(&u, word_start), "no continuation rise before the comma");
}

#[test]
fn pauses_are_ordered_comma_shorter_than_clause() {
    let c = plan(&sentence(&["ɑː p", ",", "d̪ ɪ l l iː"], Ending::Statement), &settings());
    let k = plan(&sentence(&["ɑː p", ";", "d̪ ɪ l l iː"], Ending::Statement), &settings());
    let pause = |u: &Utterance| {
        u.segments[1..u.segments.len() - 1].iter().filter(|s| s.phone.is_none()).map(|s| s.duration).sum::<f32>()
    };
    assert!(pause(&c) >= 0.1, "comma pause {}", pause(&c));
    assert!(pause(&k) > pause(&c) * 1.3, "clause {} vs comma {}", pause(&k), pause(&c));
    assert!(c.duration() < k.duration());
}

#[test]
fn phrase_final_and_stressed_vowels_are_longer() {
    let u = plan(&sentence(&["k ɑː m", "k ɑː m"], Ending::Statement), &settings());
    let v: Vec<f32> = u.segments.iter().filter(|s| s.phone.is_some_and(|p| p.is_vowel())).map(|s| s.duration).collect();
    assert!(v[1] > v[0] * 1.2, "final lengthening: {v:?}");
}

#[test]
fn geminates_are_one_long_closure() {
    let g = plan(&sentence(&["p ə t̪ t̪ ɑː"], Ending::Statement), &settings());
    let s = plan(&sentence(&["p ə t̪ ɑː"], Ending::Statement), &settings());
    let t = samachar::phoneme::Phone::T;
    let count = |u: &Utterance| u.segments.iter().filter(|x| x.phone == Some(t)).count();
    assert_eq!(count(&g), 1, "a geminate is one segment");
    let dur = |u: &Utterance| u.segments.iter().find(|x| x.phone == Some(t)).unwrap().duration;
    assert!(dur(&g) > 1.5 * dur(&s), "geminate {} vs singleton {}", dur(&g), dur(&s));
}

#[test]
fn pitch_targets_are_time_ordered_and_inside_the_utterance() {
    for e in [Ending::Statement, Ending::Question, Ending::Exclamation, Ending::Continuation, Ending::None] {
        let u = plan(&sentence(&words(), e), &settings());
        assert!(u.pitch.windows(2).all(|w| w[0].time < w[1].time), "{e:?}");
        assert!(u.pitch.iter().all(|p| p.time >= 0.0 && p.time <= u.duration() + 1e-4 && p.hz > 50.0 && p.hz < 400.0));
    }
}
