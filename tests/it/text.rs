//! Text front end: golden expansions, the sentence split of an article, long-sentence
//! phrasing, normalization forms, and a property test for panics and bounded output.

use proptest::prelude::*;
use samachar::text::normalize::{word_form, MAX_WORD_CHARS};
use samachar::text::{normalize_line, parse, BlockKind, Ending, Pause, Token, HARD_MAX_WORDS, SOFT_MAX_WORDS};

fn data(name: &str) -> String {
    let path = format!("{}/tests/data/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// Returns the (line number, columns) of the data rows of a TSV file.
fn rows(text: &str) -> Vec<(usize, Vec<&str>)> {
    text.lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|(i, l)| (i + 1, l.split('\t').collect()))
        .collect()
}

/// Writes tokens as the golden files do: words by spaces, pauses as "," and ";".
fn show(tokens: &[Token]) -> String {
    tokens
        .iter()
        .map(|t| match t {
            Token::Word(w) => w.clone(),
            Token::Pause(Pause::Comma) => ",".to_string(),
            Token::Pause(Pause::Clause) => ";".to_string(),
            Token::Control(c) => format!("{c:?}"),
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn check_expansions(file: &str) {
    let text = data(file);
    let mut failures = Vec::new();
    let rows = rows(&text);
    assert!(rows.len() >= 20, "{file}: too few cases");
    for (n, cols) in rows {
        assert_eq!(cols.len(), 2, "{file}:{n}: expected input<TAB>expected");
        let want: Vec<String> = cols[1].split(' ').map(word_form).collect();
        let got = show(&normalize_line(cols[0]));
        if got != want.join(" ") {
            failures.push(format!("{file}:{n}: {:?} → {got:?}, want {:?}", cols[0], want.join(" ")));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

#[test]
fn numbers_golden() {
    check_expansions("text_numbers.tsv");
}

#[test]
fn abbreviations_golden() {
    check_expansions("text_abbrev.tsv");
}

#[test]
fn article_sentence_split_golden() {
    let doc = parse(&data("text_article.txt"));
    let mut got = Vec::new();
    for (b, block) in doc.blocks.iter().enumerate() {
        for s in &block.sentences {
            let kind = match block.kind {
                BlockKind::Heading => "heading",
                BlockKind::Paragraph => "paragraph",
            };
            let ending = format!("{:?}", s.ending).to_lowercase();
            got.push(format!("{b}\t{kind}\t{ending}\t{}", s.text));
        }
    }
    let want: Vec<String> = rows(&data("text_sentences.tsv")).into_iter().map(|(_, c)| c.join("\t")).collect();
    assert_eq!(got, want);
}

#[test]
fn precomposed_and_decomposed_nukta_give_the_same_word() {
    let a = normalize_line("\u{0915}\u{093C}ानून \u{095B}रूरी");
    let b = normalize_line("\u{0958}ानून \u{091C}\u{093C}रूरी");
    assert_eq!(a, b);
    assert!(matches!(&a[0], Token::Word(w) if w == "\u{0915}\u{093C}ानून"));
}

#[test]
fn invisible_characters_are_removed() {
    // ZWJ, ZWNJ, BOM, zero-width space and a stray control character.
    let t = normalize_line("\u{FEFF}क्\u{200D}ष\u{200C}त्रिय\u{200B} \u{0007}राज्य");
    assert_eq!(show(&t), "क्षत्रिय राज्य");
}

#[test]
fn missing_space_after_danda_still_splits() {
    let doc = parse("वे आए।मंदिर गए।");
    let s = &doc.blocks[0].sentences;
    assert_eq!(s.len(), 2);
    assert_eq!(s[0].text, "वे आए।");
    assert_eq!(s[1].text, "मंदिर गए।");
}

#[test]
fn decimal_and_initial_dots_do_not_end_sentences() {
    let doc = parse("दर 2.5 प्रतिशत रही और एस. के. सिंह ने इसे सराहा. अगला वाक्य।");
    let s = &doc.blocks[0].sentences;
    assert_eq!(s.len(), 2, "{s:?}");
    assert!(s[0].text.ends_with("सराहा."));
}

#[test]
fn long_sentence_is_cut_into_phrases() {
    // 3 clauses of 20 words each, joined by commas and और: 62 words with no final break.
    let clause = "राज्य सरकार ने किसानों के लिए नई योजना की घोषणा की जिसके तहत हर गांव में सिंचाई की सुविधा दी जाएगी";
    let words_per_clause = clause.split(' ').count();
    let text = format!("{clause}, {clause} और {clause}।");
    let doc = parse(&text);
    let s = &doc.blocks[0].sentences;
    assert!(s.len() >= 2, "not cut: {s:?}");
    for (k, p) in s.iter().enumerate() {
        assert!(p.words().count() <= SOFT_MAX_WORDS, "phrase {k} too long");
        let want = if k + 1 == s.len() { Ending::Statement } else { Ending::Continuation };
        assert_eq!(p.ending, want);
    }
    let total: usize = s.iter().map(|p| p.words().count()).sum();
    assert_eq!(total, 3 * words_per_clause + 1);
    // The phrases' texts cover the sentence.
    let joined = s.iter().map(|p| p.text.as_str()).collect::<Vec<_>>().join(" ");
    assert_eq!(joined, text);
}

#[test]
fn sentence_without_break_points_is_hard_cut() {
    let text = "शब्द ".repeat(150);
    let doc = parse(&text);
    let s = &doc.blocks[0].sentences;
    assert_eq!(s.iter().map(|p| p.words().count()).sum::<usize>(), 150);
    assert!(s.iter().all(|p| p.words().count() <= HARD_MAX_WORDS));
    assert_eq!(s.len(), 3);
}

#[test]
fn overlong_words_are_cut() {
    let doc = parse(&"क्षत्रिय".repeat(100));
    let words: Vec<&str> = doc.blocks[0].sentences.iter().flat_map(|s| s.words()).collect();
    assert!(words.len() > 1);
    assert!(words.iter().all(|w| w.chars().count() <= MAX_WORD_CHARS));
    assert_eq!(words.concat(), "क्षत्रिय".repeat(100));
}

#[test]
fn text_with_nothing_speakable_gives_no_blocks() {
    assert!(parse("  \n\n 🙂🙂 \u{200D}\n").blocks.is_empty());
    assert!(normalize_line("").is_empty());
}

#[test]
fn hard_wrapped_paragraphs_are_joined() {
    let text = "यह एक लंबा वाक्य है जो पहली पंक्ति में शुरू होता है और\nदूसरी पंक्ति में खत्म होता है। फिर एक और वाक्य\nआता है जो यहीं खत्म होता है।\n\nदूसरा अनुच्छेद यहां है।\n";
    let doc = parse(text);
    assert_eq!(doc.blocks.len(), 2);
    assert_eq!(doc.blocks[0].sentences.len(), 2);
    assert_eq!(doc.blocks[0].kind, BlockKind::Paragraph);
}

fn pieces() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        any::<char>().prop_map(|c| c.to_string()),
        "[0-9०-९]{1,25}",
        "[A-Za-z]{1,12}",
        "[क-ह][ा-ौ]?[ं़्]?",
        prop::sample::select(vec![
            ".",
            ",",
            "।",
            "?",
            "!",
            "-",
            "/",
            ":",
            "₹",
            "%",
            "\"",
            "'",
            "(",
            ")",
            "…",
            " ",
            " ",
            "\n",
            "\n\n",
            "डॉ.",
            "एस.",
            "कि.मी.",
            "रु.",
            "बजे",
            "लाख",
            "करोड़",
            "°",
            "&",
            "🙂",
            "\u{200D}",
            "\u{FEFF}",
        ])
        .prop_map(str::to_string),
    ];
    prop::collection::vec(piece, 0..120).prop_map(|v| v.concat())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(400))]

    #[test]
    fn parse_never_panics_and_output_is_bounded(s in prop_oneof![any::<String>(), pieces()]) {
        let chars = s.chars().count();
        let doc = parse(&s);
        let mut words = 0;
        for b in &doc.blocks {
            for sent in &b.sentences {
                let n = sent.words().count();
                prop_assert!((1..=HARD_MAX_WORDS).contains(&n), "sentence of {} words", n);
                words += n;
                for w in sent.words() {
                    prop_assert!(!w.is_empty() && !w.contains(char::is_whitespace));
                    prop_assert!(w.chars().count() <= MAX_WORD_CHARS, "word of {} chars", w.chars().count());
                }
            }
        }
        prop_assert!(words <= 2 * chars + 4, "{} words from {} chars", words, chars);
        let line = normalize_line(&s);
        let line_words = line.iter().filter(|t| matches!(t, Token::Word(_))).count();
        prop_assert!(line_words <= 2 * chars + 4);
    }
}

#[test]
fn full_stop_after_the_verb_aai_ends_the_sentence_but_initials_do_not() {
    let doc = parse("बारिश आई. फिर रुकी.\nआई. के. गुजराल प्रधानमंत्री थे.");
    assert_eq!(doc.blocks[0].sentences.len(), 2);
    assert_eq!(doc.blocks[1].sentences.len(), 1);
}

#[test]
fn stray_vowel_signs_are_not_words() {
    assert_eq!(show(&normalize_line("5 \u{093E}\u{0902} राम")), "पाँच राम");
}

#[test]
fn cli_phonemize_expands_numbers_on_multi_word_lines() {
    use std::io::Write;
    use std::process::{Command, Stdio};
    let run = |input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_samachar"))
            .arg("phonemize")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn samachar");
        child.stdin.take().expect("stdin").write_all(input.as_bytes()).expect("write stdin");
        let o = child.wait_with_output().expect("wait");
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        String::from_utf8(o.stdout).expect("utf-8")
    };
    // "5 किमी" must give the same phones as the words "पाँच किलोमीटर" written out.
    let digits = run("5 किमी\n");
    let words = run("पाँच किलोमीटर\n");
    assert_eq!(digits, words);
    assert_eq!(digits.matches(" | ").count(), 1);
    // A single token with digits, Latin letters or an abbreviation dot is read as words too,
    // one output line per input line; a plain Devanagari word stays one word.
    assert_eq!(run("2026\n"), run("दो हज़ार छब्बीस\n"));
    assert_eq!(run("BJP\n"), run("बी जे पी\n"));
    assert_eq!(run("डॉ.\n"), run("डॉक्टर\n"));
    let mixed = run("2026\nकमल\n\nBJP\n");
    assert_eq!(mixed.lines().count(), 4, "{mixed}");
    assert_eq!(mixed.lines().nth(1), Some("k ə m ə l"));
}

/// Latin-script words (English, capitals, hashtags, romanized names): the words the front
/// end gives must be read by G2P exactly as the expected Devanagari is.
#[test]
fn latin_words_golden() {
    check_by_phones("text_latin.tsv", 40);
}

/// Links, e-mail addresses, handles, acronyms read as words, agency credits, `&`: the words
/// must be read by G2P exactly as the expected Devanagari is (empty: nothing is said).
#[test]
fn reading_links_acronyms_credits_golden() {
    check_by_phones("text_reading.tsv", 30);
}

fn check_by_phones(file: &str, min_rows: usize) {
    let g2p = samachar::g2p::G2p::builtin();
    let said = |ws: &[String]| -> String {
        ws.iter()
            .map(|w| g2p.word(w).phones.iter().map(|p| p.ipa()).collect::<Vec<_>>().join(" "))
            .collect::<Vec<_>>()
            .join(" | ")
    };
    let text = data(file);
    let rows = rows(&text);
    assert!(rows.len() >= min_rows, "{file}: too few cases");
    let mut failures = Vec::new();
    for (n, cols) in rows {
        assert_eq!(cols.len(), 2, "{file}:{n}: expected input<TAB>expected");
        let got: Vec<String> = normalize_line(cols[0])
            .into_iter()
            .filter_map(|t| if let Token::Word(w) = t { Some(w) } else { None })
            .collect();
        let want: Vec<String> = cols[1].split(' ').filter(|w| !w.is_empty()).map(word_form).collect();
        if said(&got) != said(&want) {
            failures.push(format!(
                "{file}:{n}: {:?} → {:?} [{}], want [{}]",
                cols[0],
                got.join(" "),
                said(&got),
                said(&want)
            ));
        }
    }
    assert!(failures.is_empty(), "{} failures:\n{}", failures.len(), failures.join("\n"));
}

/// Issue 8: the lines of a price table (no final punctuation) were read as headings, and in
/// hard-wrapped text joined into one sentence cut mid-item.
#[test]
fn list_lines_without_punctuation_are_one_sentence_each() {
    let items = "दिल्ली - 94.72 रुपये प्रति लीटर\nमुंबई - 104.21 रुपये प्रति लीटर\nकोलकाता - 103.94 रुपये प्रति लीटर";
    let doc = parse(&format!("पेट्रोल के दाम\n\n{items}\n"));
    assert_eq!(doc.blocks[0].kind, BlockKind::Heading);
    let list = &doc.blocks[1];
    assert_eq!(list.kind, BlockKind::Paragraph);
    let texts: Vec<&str> = list.sentences.iter().map(|s| s.text.as_str()).collect();
    assert_eq!(texts, items.lines().collect::<Vec<_>>());
    assert!(list.sentences.iter().all(|s| s.ending == Ending::Statement));

    let wrapped = format!(
        "यह एक लंबा वाक्य है जो पहली पंक्ति में शुरू होता है और आगे\nदूसरी पंक्ति में खत्म होता है। प्रमुख शहरों में दाम इस प्रकार हैं:\n{items}\n\nदूसरा अनुच्छेद यहां है और यह भी एक लंबी पंक्ति है जो आगे\nचलती है।\n"
    );
    let doc = parse(&wrapped);
    let texts: Vec<&str> = doc.blocks.iter().flat_map(|b| &b.sentences).map(|s| s.text.as_str()).collect();
    assert_eq!(texts.len(), 6, "{texts:?}");
    assert_eq!(texts[1], "प्रमुख शहरों में दाम इस प्रकार हैं:");
    assert_eq!(&texts[2..5], &items.lines().collect::<Vec<_>>()[..]);
    assert!(texts[5].contains("आगे चलती है।"));
}

/// Two short lines (a headline and a subhead) stay headings, not a list.
#[test]
fn two_short_lines_stay_headings() {
    let doc = parse("बड़ी ख़बर\nउपशीर्षक यहां\n");
    assert_eq!(doc.blocks.len(), 2);
    assert!(doc.blocks.iter().all(|b| b.kind == BlockKind::Heading));
}
