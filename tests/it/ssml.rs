//! SSML: parsing into the front end's document, each element's effect on the phonetic /
//! prosodic value or the audio, errors with line:column, warnings, and the command line.

use samachar::g2p::{G2p, PhoneToken};
use samachar::phoneme::parse_phones;
use samachar::prosody::{plan_full, ProsodySettings};
use samachar::render::{units_from_document, Engine, EngineOptions, VecSink};
use samachar::ssml::{self, Parsed};
use samachar::synth::Voice;
use samachar::text::{Control, Token};

use crate::common::{fails, run_env, stderr};

/// Neutral prosody settings: 120 Hz, 4 semitones, rate 1, meera's phone durations.
fn neutral() -> ProsodySettings {
    let v = Voice::builtin("meera").unwrap();
    ProsodySettings { pitch_hz: 120.0, range_semitones: 4.0, rate: 1.0, ..v.prosody_settings(1.0, 1.0) }
}

fn parse(s: &str) -> Parsed {
    ssml::parse(s, "t.ssml").unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// The words of every sentence, one string a sentence.
fn words(p: &Parsed) -> Vec<String> {
    p.document.blocks.iter().flat_map(|b| &b.sentences).map(|s| s.words().collect::<Vec<_>>().join(" ")).collect()
}

fn err(s: &str) -> String {
    match ssml::parse(s, "t.ssml") {
        Ok(_) => panic!("expected an error for {s}"),
        Err(e) => e.to_string(),
    }
}

fn engine() -> Engine {
    let voice = Voice::load(Voice::builtin_names()[0]).unwrap();
    Engine::new(&voice, &EngineOptions::default())
}

/// All samples of a rendered SSML text.
fn render(s: &str) -> Vec<f32> {
    let units = units_from_document(&parse(s).document);
    let mut sink = VecSink::default();
    engine().render(&units, &mut sink).unwrap();
    sink.samples
}

fn utterance_secs(s: &str) -> f32 {
    let p = parse(s);
    let sent = &p.document.blocks[0].sentences[0];
    let ph = G2p::builtin().sentence(sent);
    plan_full(&ph, &neutral()).utterance.duration()
}

#[test]
fn plain_text_in_ssml_reads_like_plain_text() {
    let text = "डॉ. शर्मा ने 5 किमी दौड़ लगाई। फिर वे घर गए।";
    let p = parse(&format!("<speak>{text}</speak>"));
    let plain = samachar::text::parse(text);
    let plain_words: Vec<String> =
        plain.blocks.iter().flat_map(|b| &b.sentences).map(|s| s.words().collect::<Vec<_>>().join(" ")).collect();
    assert_eq!(words(&p), plain_words);
    assert_eq!(p.document.blocks[0].sentences[1].text, "फिर वे घर गए।");
}

#[test]
fn paragraphs_and_sentences_give_blocks_and_sentences() {
    let p = parse("<speak><p><s>एक</s><s>दो</s></p><p>तीन</p></speak>");
    assert_eq!(p.document.blocks.len(), 2);
    assert_eq!(p.document.blocks[0].sentences.len(), 2);
    assert_eq!(words(&p), ["एक", "दो", "तीन"]);
}

#[test]
fn break_adds_exactly_its_length_in_samples() {
    let a = render(r#"<speak>नमस्ते <break time="200ms"/> दुनिया</speak>"#);
    let b = render(r#"<speak>नमस्ते <break time="700ms"/> दुनिया</speak>"#);
    let extra = b.len() as i64 - a.len() as i64;
    // 500 ms at 22050 Hz; segment boundaries round to whole samples.
    assert!((extra - 11_025).abs() <= 1, "extra samples {extra}");
    let c = render(r#"<speak>नमस्ते <break strength="strong"/> दुनिया</speak>"#);
    let extra = c.len() as i64 - a.len() as i64;
    assert!((extra - (0.35 * 22_050.0) as i64).abs() <= 1, "strong break: extra samples {extra}");
}

#[test]
fn prosody_rate_changes_duration() {
    let base = utterance_secs("<speak>भारत सरकार ने नई योजना शुरू की</speak>");
    let slow = utterance_secs(r#"<speak><prosody rate="50%">भारत सरकार ने नई योजना शुरू की</prosody></speak>"#);
    let fast = utterance_secs(r#"<speak><prosody rate="+100%">भारत सरकार ने नई योजना शुरू की</prosody></speak>"#);
    // Edge silences (90 ms) are not scaled.
    let edge = 0.09;
    assert!(((slow - edge) / (base - edge) - 2.0).abs() < 0.01, "slow {slow} base {base}");
    assert!(((fast - edge) / (base - edge) - 0.5).abs() < 0.01, "fast {fast} base {base}");
}

#[test]
fn prosody_pitch_scales_the_pitch_targets_of_its_span() {
    let set = neutral();
    let g = G2p::builtin();
    let plan = |s: &str| {
        let p = parse(s);
        plan_full(&g.sentence(&p.document.blocks[0].sentences[0]), &set).utterance
    };
    let base = plan("<speak>भारत सरकार</speak>");
    let high = plan(r#"<speak><prosody pitch="+12st">भारत सरकार</prosody></speak>"#);
    assert_eq!(base.pitch.len(), high.pitch.len());
    for (a, b) in base.pitch.iter().zip(&high.pitch) {
        assert!((b.hz / a.hz - 2.0).abs() < 1e-3, "{} -> {}", a.hz, b.hz);
    }
    let abs = plan(r#"<speak><prosody pitch="240Hz">भारत सरकार</prosody></speak>"#);
    assert!((abs.pitch[1].hz / base.pitch[1].hz - 2.0).abs() < 1e-3);
}

#[test]
fn prosody_volume_scales_the_samples_of_its_span() {
    let a = render("<speak>भारत सरकार</speak>");
    let b = render(r#"<speak><prosody volume="-6dB">भारत सरकार</prosody></speak>"#);
    assert_eq!(a.len(), b.len());
    let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
    let ratio = rms(&b) / rms(&a);
    assert!((ratio - 0.501).abs() < 0.01, "ratio {ratio}");
}

#[test]
fn phoneme_overrides_g2p() {
    let p = parse(
        r#"<speak><phoneme alphabet="ipa" ph="k ə m ə l">नमस्ते</phoneme> <phoneme ph="ʃɑːm">राम</phoneme> <phoneme ph="gaːtʃ">क</phoneme></speak>"#,
    );
    let s = &p.document.blocks[0].sentences[0];
    let ph = G2p::builtin().sentence(s);
    let prons: Vec<Vec<_>> = ph
        .tokens
        .iter()
        .filter_map(|t| if let PhoneToken::Word { pron, .. } = t { Some(pron.phones.clone()) } else { None })
        .collect();
    assert_eq!(
        prons,
        vec![parse_phones("k ə m ə l").unwrap(), parse_phones("ʃ ɑː m").unwrap(), parse_phones("ɡ ɑː t͡ʃ").unwrap()]
    );
    assert_eq!(s.text, "नमस्ते राम क");
}

#[test]
fn mark_time_is_reported_at_its_place() {
    let text = r#"<speak>नमस्ते <mark name="here"/>दुनिया</speak>"#;
    let units = units_from_document(&parse(text).document);
    let mut sink = VecSink::default();
    let r = engine().render(&units, &mut sink).unwrap();
    assert_eq!(r.marks.len(), 1);
    assert_eq!(r.marks[0].name, "here");
    // The mark stands where दुनिया starts: the time of the segments before it.
    let p = parse(text);
    let ph = G2p::builtin().sentence(&p.document.blocks[0].sentences[0]);
    let voice = Voice::load(Voice::builtin_names()[0]).unwrap();
    let planned = plan_full(&ph, &voice.prosody_settings(1.0, 1.0));
    let n_before = 1 + G2p::builtin().word("नमस्ते").phones.len(); // edge silence + word
    let t: f32 = planned.utterance.segments[..n_before].iter().map(|s| s.duration).sum();
    assert!((r.marks[0].sample as f32 - t * 22_050.0).abs() <= 1.0, "{} vs {}", r.marks[0].sample, t * 22_050.0);
    assert!(r.marks[0].sample > 0 && r.marks[0].sample < r.total_samples);
}

#[test]
fn say_as_and_sub_read_their_text() {
    let p = parse(concat!(
        r#"<speak><say-as interpret-as="digits">1947</say-as> "#,
        r#"<say-as interpret-as="date" format="mdy">08/15/1947</say-as> "#,
        r#"<say-as interpret-as="ordinal">3</say-as> "#,
        r#"<say-as interpret-as="telephone">+91-11</say-as> "#,
        r#"<sub alias="विश्व स्वास्थ्य संगठन">WHO</sub></speak>"#
    ));
    assert_eq!(words(&p), ["एक नौ चार सात पंद्रह अगस्त उन्नीस सौ सैंतालीस तीसरा प्लस नौ एक एक एक विश्व स्वास्थ्य संगठन"]);
    // Captions keep the text as written.
    assert!(p.document.blocks[0].sentences[0].text.ends_with("WHO"));
}

#[test]
fn malformed_ssml_is_an_error_with_line_and_column() {
    assert_eq!(err("<speak>\n<p>नमस्ते</s></speak>").split(": ").next(), Some("t.ssml:2:10"));
    assert!(err("<speak>नमस्ते").starts_with("t.ssml:1:"));
    assert!(err("<speak>\n  <break time=\"xyz\"/></speak>").starts_with("t.ssml:2:3: <break>"));
    let e = err("<speak>\n\n <phoneme ph=\"nəXə\">क</phoneme></speak>");
    assert!(e.starts_with("t.ssml:3:2:") && e.contains("unknown phone \"X\""), "{e}");
    assert!(err("<html>क</html>").contains("not <speak>"));
}

#[test]
fn unsupported_tag_warns_and_its_text_is_read() {
    let p = parse("<speak>नमस्ते <audio src=\"x.wav\">दुनिया</audio></speak>");
    assert_eq!(words(&p), ["नमस्ते दुनिया"]);
    assert_eq!(p.warnings.len(), 1);
    assert!(p.warnings[0].starts_with("t.ssml:1:15: <audio> is not supported"), "{:?}", p.warnings);
}

#[test]
fn controls_are_in_the_document() {
    let p = parse(r#"<speak>क <break time="1s"/> ख <mark name="m"/></speak>"#);
    let toks = &p.document.blocks[0].sentences[0].tokens;
    assert!(toks.contains(&Token::Control(Control::Break(1.0))));
    assert!(toks.contains(&Token::Control(Control::Mark("m".into()))));
}

#[test]
fn speak_reads_ssml_automatically_and_with_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let ssml_text = r#"<speak>नमस्ते <break time="1s"/> दुनिया</speak>"#;
    let o = run_env(dir.path(), &["speak", "-", "-o", "a.wav"], Some(ssml_text.as_bytes()), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let plain = run_env(dir.path(), &["speak", "-", "-o", "b.wav"], Some("नमस्ते दुनिया".as_bytes()), &[]);
    assert!(plain.status.success());
    let len = |f: &str| std::fs::metadata(dir.path().join(f)).unwrap().len();
    // One second of 16-bit samples more, give or take the comma-free phrase shape.
    assert!(len("a.wav") > len("b.wav") + 40_000, "{} vs {}", len("a.wav"), len("b.wav"));
    // --ssml on text with a stray tag: an error with its position, nothing written.
    let e =
        fails(&run_env(dir.path(), &["speak", "--ssml", "-", "-o", "c.wav"], Some(b"<speak>\n<s>x</p></speak>"), &[]));
    assert!(e.contains("<stdin>:2:"), "{e}");
    assert!(!dir.path().join("c.wav").exists());
}

/// Golden SSML cases (tests/data/ssml_words.tsv): the words of each sentence.
#[test]
fn ssml_words_golden() {
    let path = format!("{}/tests/data/ssml_words.tsv", env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(&path).unwrap();
    let mut failures = Vec::new();
    let mut n_rows = 0;
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#')) {
        let (ssml, want) = line.split_once('\t').unwrap_or_else(|| panic!("ssml_words.tsv:{}: no TAB", n + 1));
        let want: Vec<String> = want
            .split(" | ")
            .map(|s| s.split(' ').map(samachar::text::normalize::word_form).collect::<Vec<_>>().join(" "))
            .collect();
        let got = words(&parse(ssml));
        if got != want {
            failures.push(format!("ssml_words.tsv:{}: {ssml} → {got:?}, want {want:?}", n + 1));
        }
        n_rows += 1;
    }
    assert!(n_rows >= 15, "too few cases");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Samples of the segments of `sentence` (a one-sentence SSML text) before its first
/// `n_words` words, the way the renderer places a mark (edge silence + the words' phones).
fn samples_before(sentence: &str, words: &[&str]) -> f32 {
    let p = parse(sentence);
    let ph = G2p::builtin().sentence(&p.document.blocks[0].sentences[0]);
    let voice = Voice::load(Voice::builtin_names()[0]).unwrap();
    let planned = plan_full(&ph, &voice.prosody_settings(1.0, 1.0));
    let n_before = 1 + words.iter().map(|w| G2p::builtin().word(w).phones.len()).sum::<usize>();
    planned.utterance.segments[..n_before].iter().map(|s| s.duration).sum::<f32>() * 22_050.0
}

/// Issue 8: mark times were known to the renderer but written nowhere. `--timings` writes
/// each mark at the sample where the word after it starts, in output time, and sentence
/// spans that tile the WAV.
#[test]
fn timings_file_gives_each_mark_where_its_word_starts() {
    let dir = tempfile::tempdir().unwrap();
    let voice = Voice::builtin_names()[0];
    let text = r#"<speak>नमस्ते <mark name="here"/>दुनिया। दूसरा <mark name="b"/>वाक्य।</speak>"#;
    let args = ["speak", "-", "--voice", voice, "-o", "a.wav", "--timings", "a.json"];
    let o = run_env(dir.path(), &args, Some(text.as_bytes()), &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let t: serde_json::Value = serde_json::from_slice(&std::fs::read(dir.path().join("a.json")).unwrap()).unwrap();
    let wav = hound::WavReader::open(dir.path().join("a.wav")).unwrap();
    let (rate, len) = (wav.spec().sample_rate, wav.len() as u64);
    assert_eq!(t["sample_rate"], rate);
    assert_eq!(t["samples"], len);
    let sentences = t["sentences"].as_array().unwrap();
    let texts: Vec<&str> = sentences.iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert_eq!(texts, ["नमस्ते दुनिया।", "दूसरा वाक्य।"], "a mark does not split its sentence");
    let sample = |v: &serde_json::Value, k: &str| v[k].as_u64().unwrap();
    assert_eq!(sample(&sentences[0], "start_sample"), 0);
    assert_eq!(sample(&sentences[1], "end_sample"), len, "the last sentence ends the WAV");
    for s in sentences {
        let secs = |k: &str| s[k].as_f64().unwrap();
        assert!((secs("start") - sample(s, "start_sample") as f64 / rate as f64).abs() < 1e-5);
        assert!((secs("end") - sample(s, "end_sample") as f64 / rate as f64).abs() < 1e-5);
    }
    let marks = t["marks"].as_array().unwrap();
    assert_eq!(marks.len(), 2, "{marks:?}");
    let want = [
        ("here", 1, samples_before(r#"<speak>नमस्ते दुनिया।</speak>"#, &["नमस्ते"])),
        ("b", 2, sample(&sentences[1], "start_sample") as f32 + samples_before("<speak>दूसरा वाक्य।</speak>", &["दूसरा"])),
    ];
    for (m, (name, sentence, at)) in marks.iter().zip(want) {
        assert_eq!(m["name"], name);
        assert_eq!(m["sentence"], sentence);
        assert!((sample(m, "sample") as f32 - at).abs() <= 1.0, "{name}: {} vs {at}", m["sample"]);
        assert!((m["time"].as_f64().unwrap() - sample(m, "sample") as f64 / rate as f64).abs() < 1e-5);
    }
}

/// Plain text gets a timings file too (no marks); an existing one is replaced only with
/// --force, and it may not be the audio file itself.
#[test]
fn timings_file_for_plain_text_and_its_overwrite_rule() {
    let dir = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| run_env(dir.path(), args, Some("पहला वाक्य। दूसरा वाक्य।".as_bytes()), &[]);
    let o = run(&["speak", "-", "-o", "a.wav", "--timings", "t.json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let read =
        || -> serde_json::Value { serde_json::from_slice(&std::fs::read(dir.path().join("t.json")).unwrap()).unwrap() };
    let t = read();
    assert_eq!(t["sentences"].as_array().unwrap().len(), 2);
    assert_eq!(t["marks"].as_array().unwrap().len(), 0);
    std::fs::write(dir.path().join("t.json"), "mine").unwrap();
    let e = fails(&run(&["speak", "-", "-o", "b.wav", "--timings", "t.json"]));
    assert!(e.contains("t.json: file exists"), "{e}");
    assert!(!dir.path().join("b.wav").exists(), "refused before any audio was written");
    assert_eq!(std::fs::read_to_string(dir.path().join("t.json")).unwrap(), "mine");
    let o = run(&["speak", "-", "-o", "b.wav", "--timings", "t.json", "--force"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(read()["sentences"].as_array().unwrap().len(), 2);
    let e = fails(&run(&["speak", "-", "-o", "c.wav", "--timings", "./c.wav"]));
    assert!(e.contains("--timings names the audio output"), "{e}");
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|d| d.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}
