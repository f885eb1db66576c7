//! Fuzzing (issue 7): property tests with random, hostile inputs over each stage that reads
//! outside data — text front end, G2P, feed parsers (RSS/Atom/JSON and their HTML), voice and
//! lexicon files — and the whole `speak` path (text → samples). Each asserts no panic and
//! sane output (finite samples in ±1, no control characters leaking from the text front end).
//!
//! The normal run does a few cases per target; the long run is ignored:
//! `SAMACHAR_FUZZ_CASES=200000 nice -n 15 cargo test --release --test it -- --ignored fuzz_`
//! (see the README, "Fuzzing"). proptest saves any failing input under
//! tests/proptest-regressions/, where it is replayed first on every later run.

use proptest::prelude::*;
use samachar::render::{Engine, EngineOptions, Sink, Unit};
use samachar::synth::Voice;

/// Pieces hostile input is built from: Devanagari letters, signs and digits, nukta and
/// joiners, Latin, digits and number punctuation, markup, entities, control characters.
const PIECES: &[&str] = &[
    "क",
    "ख",
    "ग",
    "ढ़",
    "ड़",
    "ज़",
    "फ़",
    "श",
    "ष",
    "क्ष",
    "त्र",
    "ज्ञ",
    "अ",
    "आ",
    "इ",
    "ई",
    "उ",
    "ऋ",
    "ए",
    "ऐ",
    "ओ",
    "औ",
    "ा",
    "ि",
    "ी",
    "ु",
    "ू",
    "ृ",
    "े",
    "ै",
    "ो",
    "ौ",
    "ं",
    "ँ",
    "ः",
    "्",
    "़",
    "ॐ",
    "ऽ",
    "।",
    "॥",
    "०",
    "१",
    "९",
    "\u{200c}",
    "\u{200d}",
    "\u{feff}",
    "\u{202e}",
    "\u{0}",
    "\u{1b}",
    "\t",
    "\n",
    "\r\n",
    "\n\n",
    " ",
    "  ",
    "0",
    "7",
    "12",
    "1,23,456",
    "3.14",
    "-",
    "+",
    "%",
    "₹",
    "$",
    "/",
    ":",
    ".",
    ",",
    "?",
    "!",
    ";",
    "\"",
    "'",
    "(",
    ")",
    "डॉ.",
    "श्री",
    "BJP",
    "iPhone",
    "NASA",
    "a",
    "Z",
    "é",
    "ß",
    "中",
    "😀",
    "<",
    ">",
    "<!",
    "<!--",
    "-->",
    "<p>",
    "</p>",
    "<script>",
    "</script>",
    "<style>",
    "<br/>",
    "&amp;",
    "&lt;",
    "&#x0964;",
    "&#99999999;",
    "&nbsp;",
    "]]>",
    "<![CDATA[",
    "{",
    "}",
    "[",
    "]",
    "\\",
    "\"title\"",
    "\"body\"",
    "=",
    "#",
];

fn hostile(max: usize) -> impl Strategy<Value = String> {
    prop::collection::vec(prop_oneof![8 => prop::sample::select(PIECES).prop_map(str::to_string), 1 => any::<char>().prop_map(|c| c.to_string())], 0..max)
        .prop_map(|v| v.concat())
}

fn cases(normal: u32) -> ProptestConfig {
    let n = std::env::var("SAMACHAR_FUZZ_CASES").ok().and_then(|s| s.parse().ok()).unwrap_or(normal);
    ProptestConfig { cases: n, failure_persistence: None, ..ProptestConfig::default() }
}

/// Checks samples without keeping them.
struct Check {
    n: u64,
    bad: Option<(u64, f32)>,
}

impl Sink for Check {
    fn unit(&mut self, _: usize, _: &Unit, _: u64, samples: &[f32]) -> samachar::Result<()> {
        for &x in samples {
            if self.bad.is_none() && !(x.is_finite() && x.abs() <= 1.0) {
                self.bad = Some((self.n, x));
            }
            self.n += 1;
        }
        Ok(())
    }
    fn silence(&mut self, _: u64, len: u64) -> samachar::Result<()> {
        self.n += len;
        Ok(())
    }
}

fn text_front_end(s: &str) -> Result<(), TestCaseError> {
    let doc = samachar::text::parse(s);
    let g2p = samachar::g2p::G2p::builtin();
    for sentence in doc.blocks.iter().flat_map(|b| &b.sentences) {
        for w in sentence.words() {
            prop_assert!(!w.chars().any(|c| c.is_control()), "control character in word {w:?} from {s:?}");
            let _ = g2p.word(w);
        }
        let _ = g2p.sentence(sentence);
    }
    for w in s.split_whitespace() {
        let _ = g2p.word(w);
    }
    Ok(())
}

fn feeds(s: &str) -> Result<(), TestCaseError> {
    let _ = samachar::bulletin::input::html_to_text(s);
    for wrapped in [
        s.to_string(),
        format!("<rss version=\"2.0\"><channel><item><title>{s}</title><description>{s}</description></item></channel></rss>"),
        format!("<feed xmlns=\"http://www.w3.org/2005/Atom\"><entry><title>{s}</title><content type=\"html\">{s}</content></entry></feed>"),
        format!("[{{\"title\": {}, \"body\": {}}}]", serde_json::to_string(s).unwrap(), serde_json::to_string(s).unwrap()),
        format!("[{{\"title\": \"{s}\", \"body\": \"{s}\"}}]"),
    ] {
        let mut stdin = std::io::Cursor::new(wrapped.into_bytes());
        for a in samachar::bulletin::input::load_all(&["-".to_string()], &mut stdin).into_iter().flatten() {
            prop_assert!(!a.headline.contains('\n'), "headline with a line break: {:?}", a.headline);
        }
    }
    Ok(())
}

fn voice_and_lexicon(s: &str) -> Result<(), TestCaseError> {
    let _ = Voice::from_toml(s, "v.toml");
    let _ = Voice::from_toml(&format!("name = \"x\"\nrate = {s}\npitch_hz = 120.0\n"), "v.toml");
    let mut lex = samachar::g2p::lexicon::Lexicon::new();
    let _ = lex.add_text("l.tsv", s);
    let _ = lex.add_text("l.tsv", &format!("{s}\tk ə\n"));
    Ok(())
}

fn speak(s: &str, rate: f32, vi: usize, sri: usize) -> Result<(), TestCaseError> {
    let names = Voice::builtin_names();
    let v = Voice::builtin(names[vi % names.len()]).unwrap();
    let sample_rate = samachar::render::wav::SAMPLE_RATES[sri % samachar::render::wav::SAMPLE_RATES.len()];
    let engine = Engine::new(&v, &EngineOptions { rate, pitch: 1.0, volume: 1.0, sample_rate });
    let units = samachar::render::units_from_document(&samachar::text::parse(s));
    let mut sink = Check { n: 0, bad: None };
    engine.render(&units, &mut sink).map_err(|e| TestCaseError::fail(format!("render failed: {e}")))?;
    prop_assert!(sink.bad.is_none(), "bad sample {:?} for {s:?} at rate {rate}", sink.bad);
    Ok(())
}

proptest! {
    #![proptest_config(cases(64))]
    #[test]
    fn hostile_text_through_front_end_and_g2p(s in hostile(60)) { text_front_end(&s)?; }
    #[test]
    fn hostile_feeds_parse_or_fail_cleanly(s in hostile(60)) { feeds(&s)?; }
    #[test]
    fn hostile_voice_and_lexicon_files_parse_or_fail_cleanly(s in hostile(40)) { voice_and_lexicon(&s)?; }
}

proptest! {
    #![proptest_config(cases(16))]
    #[test]
    fn hostile_text_speaks_finite_samples(s in hostile(30), rate in 0.25f32..=4.0, vi in 0usize..4, sri in 0usize..8) {
        speak(&s, rate, vi, sri)?;
    }
}

proptest! {
    #![proptest_config(cases(100_000))]
    #[test]
    #[ignore]
    fn fuzz_text_front_end_and_g2p(s in hostile(200)) { text_front_end(&s)?; }
    #[test]
    #[ignore]
    fn fuzz_feeds(s in hostile(200)) { feeds(&s)?; }
    #[test]
    #[ignore]
    fn fuzz_voice_and_lexicon(s in hostile(100)) { voice_and_lexicon(&s)?; }
    #[test]
    #[ignore]
    fn fuzz_speak(s in hostile(60), rate in 0.25f32..=4.0, vi in 0usize..4, sri in 0usize..8) { speak(&s, rate, vi, sri)?; }
}
