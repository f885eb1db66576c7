//! Word timings (issue 10): every spoken word's span, exact to the sample of its phones for
//! the formant voice, checked against the rendered audio; `speak --timings` and the
//! bulletin's manifest, transcript and VTT karaoke tags.

use samachar::prosody::plan_full;
use samachar::render::{units_from_document, words, Engine, EngineOptions, VecSink};
use samachar::synth::{phone_bounds, Voice};

use crate::common::{bin, stderr};

/// A window of this many milliseconds is the unit of level measurement.
const WINDOW_MS: f64 = 10.0;
/// "Silence": a window at least this many dB below the loudest window of its sentence. The
/// formant voice's pauses are not digitally silent: they carry breath noise 20–28 dB below
/// its loudest speech (only the renderer's pauses between sentences are zeros, and they start
/// 60 ms after a sentence's last word), so a silence here is a drop of 20 dB that lasts.
const SILENCE_DB: f64 = 20.0;
/// A word must end within this many milliseconds of a silence or of the next word's start.
const TOLERANCE_MS: f64 = 10.0;

fn rms(s: &[f32]) -> f64 {
    (s.iter().map(|&x| f64::from(x) * f64::from(x)).sum::<f64>() / s.len().max(1) as f64).sqrt()
}

/// One timed word as the checks see it: (sentence number or id, start, end) in samples.
pub(crate) struct Timed {
    pub sentence: usize,
    pub start: u64,
    pub end: u64,
}

/// Checks word spans against the audio `s` (samples in [-1, 1]) and their sentences' spans
/// (`sentences[k]` = (start, end) of sentence k): monotonic, inside their sentence, sound
/// inside each word, and each word ending either where the next word starts or within
/// [`TOLERANCE_MS`] of a silence that lasts 20 ms (or until the next word, if sooner).
/// Returns the largest distance from a word's end to its silence, in ms.
pub(crate) fn check_against_audio(s: &[f32], rate: u32, sentences: &[(u64, u64)], ws: &[Timed]) -> f64 {
    let win = (WINDOW_MS / 1000.0 * f64::from(rate)) as usize;
    let tol = (TOLERANCE_MS / 1000.0 * f64::from(rate)) as u64;
    let loudest: Vec<f64> = sentences
        .iter()
        .map(|&(a, b)| {
            (a as usize..(b as usize).saturating_sub(win))
                .step_by(win / 2)
                .map(|i| rms(&s[i..i + win]))
                .fold(0.0, f64::max)
        })
        .collect();
    let mut worst = 0.0f64;
    assert!(!ws.is_empty(), "no words");
    for (i, w) in ws.iter().enumerate() {
        let (a, b) = sentences[w.sentence];
        assert!(w.start < w.end, "word {i}: empty span {}..{}", w.start, w.end);
        assert!(a <= w.start && w.end <= b, "word {i} ({}..{}) outside its sentence ({a}..{b})", w.start, w.end);
        let next = ws.get(i + 1);
        if let Some(n) = next {
            assert!(n.start >= w.end && (n.sentence, n.start) > (w.sentence, w.start), "word {}: not monotonic", i + 1);
        }
        let quiet = loudest[w.sentence] * 10f64.powf(-SILENCE_DB / 20.0);
        // Sound inside the word: some window 6 dB above the silence level.
        let inner = (w.start as usize..(w.end as usize).saturating_sub(win).max(w.start as usize + 1))
            .step_by((win / 4).max(1))
            .map(|k| rms(&s[k..(k + win).min(s.len())]))
            .fold(0.0, f64::max);
        assert!(inner > quiet * 2.0, "word {i} is silent");
        if next.is_some_and(|n| n.start == w.end) {
            continue;
        }
        // The silence after it: where the first quiet window starts (from 10 ms before its
        // end), and it must last until the next word of the sentence or the sentence's end.
        let until = next.filter(|n| n.sentence == w.sentence).map_or(b, |n| n.start);
        let from = w.end.saturating_sub(tol) as usize;
        let onset = (from..until as usize)
            .step_by(((rate / 2000) as usize).max(1))
            .find(|&k| rms(&s[k..(k + win).min(s.len())]) <= quiet)
            .unwrap_or_else(|| panic!("word {i}: no silence after it before {until}"));
        let lag = (onset as f64 - w.end as f64).abs() / f64::from(rate) * 1000.0;
        assert!(lag <= TOLERANCE_MS, "word {i} ends {lag:.1} ms from the silence after it");
        worst = worst.max(lag);
        // A silence, not a dip: it lasts (20 ms, or to the next word if that comes sooner).
        let hold = (until as usize).min(onset + 4 * win).saturating_sub(win);
        for k in (onset..hold).step_by(win / 4) {
            let db = 20.0 * (rms(&s[k..k + win]) / loudest[w.sentence]).log10();
            assert!(db <= -SILENCE_DB, "word {i}: sound again at sample {k} ({db:.1} dB) before {until}");
        }
    }
    worst
}

const TEXT: &str = "पेट्रोल ₹6.29 सस्ता हुआ, दिल्ली में नई दरें लागू। डॉ. शर्मा ने कहा: 5 किमी तक असर रहेगा।";

#[test]
fn word_spans_are_the_sample_spans_of_their_phones_and_fit_the_audio() {
    let voice = Voice::load(Voice::builtin_names()[0]).unwrap();
    let opts = EngineOptions::default();
    let engine = Engine::new(&voice, &opts);
    assert!(engine.word_timings());
    let doc = samachar::text::parse(TEXT);
    let units = units_from_document(&doc);
    let mut sink = VecSink::default();
    let rendered = engine.render(&units, &mut sink).unwrap();
    let list = words::list(&units, &rendered);

    // Exact to the sample: each word spans its phones as the synthesizer places them.
    let g2p = samachar::g2p::G2p::builtin();
    let mut k = 0;
    for (u, (unit, span)) in units.iter().zip(&rendered.spans).enumerate() {
        let sentence = unit.sentence().unwrap();
        let planned = plan_full(&g2p.sentence(sentence), &voice.prosody_settings(opts.rate, opts.pitch));
        let bounds = phone_bounds(&planned.utterance, opts.sample_rate, span.end - span.start);
        assert_eq!(*bounds.last().unwrap(), span.end - span.start, "the last boundary is the sentence's length");
        for pw in &planned.words {
            let w = &list[k];
            assert_eq!(
                (w.unit, w.start, w.end),
                (u, span.start + bounds[pw.segments.start], span.start + bounds[pw.segments.end])
            );
            k += 1;
        }
    }
    assert_eq!(k, list.len(), "every spoken word once");

    // Written tokens: the words spoken for ₹6.29 share it; डॉ. is one token; 5 किमी two.
    let spoken: Vec<(&str, usize, &str)> =
        list.iter().map(|w| (w.text.as_str(), w.token, w.written.as_str())).collect();
    let rupee: Vec<&str> = spoken.iter().filter(|x| x.2 == "₹6.29").map(|x| x.0).collect();
    assert_eq!(rupee, ["छह", "रुपये", "उनतीस", "पैसे"], "{spoken:?}");
    assert!(spoken.iter().all(|x| x.2 != "₹6.29" || x.1 == 1));
    assert!(spoken.contains(&("डॉक्टर", 0, "डॉ")), "{spoken:?}");
    assert!(spoken.contains(&("पाँच", 4, "5")) && spoken.contains(&("किलोमीटर", 5, "किमी")), "{spoken:?}");
    assert!(spoken.contains(&("हुआ", 3, "हुआ")), "punctuation is not part of the written token: {spoken:?}");

    let sentences: Vec<(u64, u64)> = rendered.spans.iter().map(|s| (s.start, s.end)).collect();
    let timed: Vec<Timed> =
        list.iter().map(|w| Timed { sentence: w.sentence - 1, start: w.start, end: w.end }).collect();
    let worst = check_against_audio(&sink.samples, opts.sample_rate, &sentences, &timed);
    eprintln!("largest word-end to silence distance: {worst:.1} ms");
}

#[test]
fn speak_timings_file_lists_every_word_with_its_written_token() {
    let dir = tempfile::tempdir().unwrap();
    let mut child = bin()
        .current_dir(dir.path())
        .args(["speak", "-", "-o", "a.wav", "--timings", "words.json"])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child.stdin.take().unwrap().write_all(TEXT.as_bytes()).unwrap();
    let o = child.wait_with_output().unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    let t: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("words.json")).unwrap()).unwrap();
    assert_eq!(t["word_timings"], true);
    let ws = t["words"].as_array().unwrap();
    let mut r = hound::WavReader::open(dir.path().join("a.wav")).unwrap();
    let rate = r.spec().sample_rate;
    let s: Vec<f32> = r.samples::<i16>().map(|x| f32::from(x.unwrap()) / 32768.0).collect();
    let sentences: Vec<(u64, u64)> = t["sentences"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| (x["start_sample"].as_u64().unwrap(), x["end_sample"].as_u64().unwrap()))
        .collect();
    let n = |v: &serde_json::Value, k: &str| v[k].as_u64().unwrap();
    let timed: Vec<Timed> = ws
        .iter()
        .map(|w| Timed {
            sentence: n(w, "sentence") as usize - 1,
            start: n(w, "start_sample"),
            end: n(w, "end_sample"),
        })
        .collect();
    check_against_audio(&s, rate, &sentences, &timed);
    for w in ws {
        assert!((w["start"].as_f64().unwrap() - n(w, "start_sample") as f64 / f64::from(rate)).abs() < 1e-5);
        assert!((w["end"].as_f64().unwrap() - n(w, "end_sample") as f64 / f64::from(rate)).abs() < 1e-5);
    }
    let rupee: Vec<&str> = ws.iter().filter(|w| w["written"] == "₹6.29").map(|w| w["text"].as_str().unwrap()).collect();
    assert_eq!(rupee, ["छह", "रुपये", "उनतीस", "पैसे"]);
    // The same list as the library gives.
    let engine = Engine::new(&Voice::load(Voice::builtin_names()[0]).unwrap(), &EngineOptions::default());
    let units = units_from_document(&samachar::text::parse(TEXT));
    let rendered = engine.render(&units, &mut VecSink::default()).unwrap();
    let lib: Vec<(u64, u64, String)> =
        words::list(&units, &rendered).into_iter().map(|w| (w.start, w.end, w.text)).collect();
    let file: Vec<(u64, u64, String)> = ws
        .iter()
        .map(|w| (n(w, "start_sample"), n(w, "end_sample"), w["text"].as_str().unwrap().to_string()))
        .collect();
    assert_eq!(lib, file);
}

/// SSML sentences keep their written tokens: a `<sub>` reads its alias for the written word.
#[test]
fn ssml_words_keep_the_written_token_they_were_read_from() {
    let doc = samachar::ssml::parse(
        r#"<speak>आज <sub alias="विश्व स्वास्थ्य संगठन">WHO</sub> ने <mark name="m"/>कहा।</speak>"#,
        "t.ssml",
    )
    .unwrap()
    .document;
    let engine = Engine::new(&Voice::load(Voice::builtin_names()[0]).unwrap(), &EngineOptions::default());
    let units = units_from_document(&doc);
    let rendered = engine.render(&units, &mut VecSink::default()).unwrap();
    let got: Vec<(String, usize, String)> =
        words::list(&units, &rendered).into_iter().map(|w| (w.text, w.token, w.written)).collect();
    let want = [
        ("आज", 0, "आज"),
        ("विश्व", 1, "WHO"),
        ("स्वास्थ्य", 1, "WHO"),
        ("संगठन", 1, "WHO"),
        ("ने", 2, "ने"),
        ("कहा", 3, "कहा"),
    ];
    let want: Vec<(String, usize, String)> = want.iter().map(|(a, b, c)| (a.to_string(), *b, c.to_string())).collect();
    assert_eq!(got, want);
}
