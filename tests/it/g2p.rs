//! G2P: golden cases from tests/data/g2p_*.tsv, the `phonemize` command line and its errors,
//! and a property test feeding arbitrary text to [`G2p::word`].

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

use proptest::prelude::*;
use samachar::g2p::{format_sigmorphon, G2p, Lexicon};

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

/// Returns (line number, word, expected phones) of a golden TSV.
fn golden(name: &str) -> Vec<(usize, String, String)> {
    let text = std::fs::read_to_string(data(name)).expect("golden file");
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| {
            let (w, p) = l.split_once('\t').unwrap_or_else(|| panic!("{name}:{}: no tab", i + 1));
            (i + 1, w.to_string(), p.to_string())
        })
        .collect()
}

fn check_golden(g2p: &G2p, name: &str) {
    let cases = golden(name);
    assert!(cases.len() >= 5, "{name} has too few cases");
    let mut failures = Vec::new();
    for (line, word, want) in cases {
        let mut got = String::new();
        samachar::g2p::write_sigmorphon_word(&word, &g2p.word(&word).phones, &mut got);
        if got != want {
            failures.push(format!("{name}:{line}: {word}: want [{want}] got [{got}]"));
        }
    }
    assert!(failures.is_empty(), "{} golden failures:\n{}", failures.len(), failures.join("\n"));
}

fn rules() -> &'static G2p {
    static G: OnceLock<G2p> = OnceLock::new();
    G.get_or_init(G2p::rules_only)
}

fn builtin() -> &'static G2p {
    static G: OnceLock<G2p> = OnceLock::new();
    G.get_or_init(G2p::builtin)
}

#[test]
fn golden_schwa_deletion_by_letter_rules() {
    check_golden(rules(), "g2p_schwa.tsv");
}

#[test]
fn golden_letters_by_letter_rules() {
    check_golden(rules(), "g2p_letters.tsv");
}

#[test]
fn golden_inflections_through_stem_entries() {
    let mut lex = Lexicon::new();
    lex.add_file(&data("g2p_stems.tsv")).expect("stems lexicon");
    let mut g = G2p::rules_only();
    g.add_lexicon(&lex);
    check_golden(&g, "g2p_inflections.tsv");
}

#[test]
fn builtin_lexicon_has_news_names() {
    let g = builtin();
    assert!(g.lexicon().len() > 15_000, "built-in lexicon too small: {}", g.lexicon().len());
    for (w, p) in [("जयशंकर", "d͡ʒ ə j ʃ ə ŋ k ə ɾ"), ("व्लादिवोस्तोक", "ʋ l ɑː d̪ ɪ ʋ oː s t̪ oː k"), ("रूस", "ɾ uː s")]
    {
        assert_eq!(format_sigmorphon(&g.word(w).phones), p, "{w}");
    }
}

#[test]
fn precomposed_and_decomposed_nukta_agree_in_lexicon_lookup() {
    let mut lex = Lexicon::new();
    // Entry written with base + nukta; looked up with the precomposed letter U+095B.
    lex.add_text("t.tsv", "ज\u{93C}रा\tz ə ɾ ɑː\n").expect("parse");
    let mut g = G2p::rules_only();
    g.add_lexicon(&lex);
    assert_eq!(format_sigmorphon(&g.word("\u{95B}रा").phones), "z ə ɾ ɑː");
}

#[test]
fn malformed_lexicon_lines_name_file_and_line() {
    let cases = [
        ("# comment\nकमल\tk ə m ə l\nबुरा\n", 3, "no tab"),
        ("कमल\tk ə Q7\n", 1, "unknown phone 'Q7'"),
        ("\n\nकमल\t\n", 3, "no phones"),
        ("\tk ə\n", 1, "empty word"),
    ];
    for (text, line, what) in cases {
        let err = Lexicon::new().add_text("user.tsv", text).expect_err(text);
        let msg = err.to_string();
        assert!(msg.starts_with(&format!("user.tsv:{line}: ")), "{msg}");
        assert!(msg.contains(what), "{msg}");
        assert!(!msg.contains('\n'), "one-line message: {msg}");
    }
}

#[test]
fn breathy_vowel_tokens_round_trip() {
    let mut lex = Lexicon::new();
    lex.add_text("t.tsv", "पहला\tp ɛːʱ l ɑː\nकलह\tk ə l əʱ\n").expect("parse");
    let mut g = G2p::rules_only();
    g.add_lexicon(&lex);
    assert_eq!(format_sigmorphon(&g.word("पहला").phones), "p ɛːʱ l ɑː");
    assert_eq!(format_sigmorphon(&g.word("कलह").phones), "k ə l əʱ");
    // Internally the breathy vowel is the vowel then [ɦ], as the synthesizer needs it.
    assert_eq!(g.word("कलह").phones.last(), Some(&samachar::phoneme::Phone::H));
}

// ---------------------------------------------------------------- the command line

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_samachar"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn samachar");
    child.stdin.take().expect("stdin").write_all(stdin).expect("write stdin");
    child.wait_with_output().expect("wait")
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).expect("utf-8 stdout")
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

fn temp_lexicon(text: &str) -> tempfile::NamedTempFile {
    let mut f = tempfile::NamedTempFile::new().expect("temp file");
    f.write_all(text.as_bytes()).expect("write");
    f
}

#[test]
fn cli_phonemize_one_word_per_line_and_words_joined_by_bars() {
    let o = run(&["phonemize"], "कमल\nकमल नमक\n\nज्ञान\n".as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "k ə m ə l\nk ə m ə l | n ə m ə k\n\nɡ j ɑː n\n");
}

#[test]
fn cli_phonemize_reads_a_file_argument() {
    let f = temp_lexicon("नमक\n");
    let o = run(&["phonemize", f.path().to_str().expect("path")], b"");
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "n ə m ə k\n");
}

#[test]
fn cli_user_lexicon_overrides_builtin_and_later_overrides_earlier() {
    let a = temp_lexicon("कमल\tk ɑː m ɑː l\nनमक\tn ɑː m ɑː k\n");
    let b = temp_lexicon("# second\nनमक\tn ɪ m ɪ k\n");
    let (pa, pb) = (a.path().to_str().expect("path"), b.path().to_str().expect("path"));
    let o = run(&["phonemize", "--lexicon", pa, "--lexicon", pb], "कमल\nनमक\nरूस\n".as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    assert_eq!(stdout(&o), "k ɑː m ɑː l\nn ɪ m ɪ k\nɾ uː s\n");
}

#[test]
fn cli_no_lexicon_uses_letter_rules_alone() {
    // फोटो is in the built-in lexicon with [f] (an English loan); the letters say फ = [pʰ].
    let with = run(&["phonemize"], "फोटो\n".as_bytes());
    let without = run(&["phonemize", "--no-lexicon"], "फोटो\n".as_bytes());
    assert!(with.status.success() && without.status.success());
    assert_eq!(stdout(&with), "f oː ʈ oː\n");
    assert_eq!(stdout(&without), "pʰ oː ʈ oː\n");
    assert_ne!(stdout(&with), stdout(&without));
}

#[test]
fn cli_malformed_lexicon_reports_file_and_line() {
    let f = temp_lexicon("कमल\tk ə m ə l\nनमक\tn ə ZZ k\n");
    let p = f.path().to_str().expect("path");
    let o = run(&["phonemize", "--lexicon", p], "कमल\n".as_bytes());
    assert!(!o.status.success());
    let e = stderr(&o);
    assert!(e.contains(&format!("{p}:2: unknown phone 'ZZ'")), "{e}");
    assert!(stdout(&o).is_empty());
}

#[test]
fn cli_missing_lexicon_file_is_an_error() {
    let o = run(&["phonemize", "--lexicon", "/nonexistent/lex.tsv"], "कमल\n".as_bytes());
    assert!(!o.status.success());
    assert!(stderr(&o).contains("/nonexistent/lex.tsv"), "{}", stderr(&o));
}

#[test]
fn cli_invalid_utf8_names_the_byte_offset() {
    let o = run(&["phonemize"], &[0xE0, 0xA4, 0x95, 0xFF, b'\n']);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("invalid UTF-8 at byte offset 3"), "{}", stderr(&o));
}

#[test]
fn cli_empty_or_blank_input_is_an_error() {
    for input in [&b""[..], b"  \n\t\n"] {
        let o = run(&["phonemize"], input);
        assert!(!o.status.success());
        assert!(stderr(&o).contains("empty"), "{}", stderr(&o));
    }
}

#[test]
fn cli_non_devanagari_lines_keep_line_count() {
    let o = run(&["phonemize"], "hello 🙂\nकमल\n".as_bytes());
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert_eq!(out.lines().count(), 2);
    assert_eq!(out.lines().nth(1), Some("k ə m ə l"));
}

// ---------------------------------------------------------------- never panic

#[test]
fn very_long_word_is_bounded() {
    // A megabyte without spaces: the letter rules read a bounded prefix.
    let w = "कमल".repeat(120_000);
    let p = builtin().word(&w);
    assert!(!p.phones.is_empty() && p.phones.len() <= 3 * 256 + 3, "{}", p.phones.len());
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn any_unicode_word_is_bounded_and_never_panics(s in "\\PC{0,400}") {
        let p = builtin().word(&s);
        // At most 3 phones per character (ऋ after a consonant: C ɾ ɪ).
        prop_assert!(p.phones.len() <= 3 * s.chars().count().min(256) + 3);
        let _ = format_sigmorphon(&p.phones);
    }

    #[test]
    fn any_devanagari_string_is_bounded_and_never_panics(v in prop::collection::vec(0x900u32..0x980, 0..600)) {
        let s: String = v.into_iter().filter_map(char::from_u32).collect();
        for g in [builtin(), rules()] {
            let p = g.word(&s);
            prop_assert!(p.phones.len() <= 3 * s.chars().count().min(256) + 3);
        }
    }
}
