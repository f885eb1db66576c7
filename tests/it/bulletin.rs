//! `samachar bulletin`, run as a user would: articles and feeds in, a bulletin directory
//! out — checked by parsing the WAV (chunks, chapters, loudness, duration), the captions
//! and the manifest (against its schema), the listening page in headless Chromium, and
//! every failure path.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const DATE: &str = "2026-11-26";

/// Three articles written for this test: headline line, then paragraphs.
const ARTICLES: [(&str, &str); 3] = [
    (
        "01-bazaar.txt",
        "शेयर बाज़ार में तेज़ी\nआज शेयर बाज़ार में अच्छी तेज़ी रही। निवेशकों ने राहत की साँस ली।\n\nबैंक और धातु कंपनियों के शेयर सबसे आगे रहे।\n",
    ),
    ("02-mausam.txt", "पहाड़ों पर बर्फ़बारी\nउत्तर के पहाड़ी इलाक़ों में कल रात बर्फ़ गिरी। मैदानों में ठंड बढ़ेगी।\n"),
    (
        "03-khel.txt",
        "हॉकी टीम फ़ाइनल में\nभारतीय हॉकी टीम ने सेमीफ़ाइनल जीत लिया। कप्तान ने खिलाड़ियों की तारीफ़ की। फ़ाइनल रविवार को खेला जाएगा।\n",
    ),
];

use crate::common::{bin, fails, stderr};

fn run(dir: &Path, args: &[&str], stdin: Option<&[u8]>) -> Output {
    crate::common::run_env(dir, args, stdin, &[])
}

fn succeeds(o: &Output) {
    assert!(o.status.success(), "expected success; stderr: {}", stderr(o));
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|d| d.unwrap().file_name().to_string_lossy().into_owned()).collect();
    v.sort();
    v
}

fn write_articles(dir: &Path) -> PathBuf {
    let arts = dir.join("articles");
    std::fs::create_dir(&arts).unwrap();
    // Written in reverse so that name order, not creation order, must decide.
    for (name, text) in ARTICLES.iter().rev() {
        std::fs::write(arts.join(name), text).unwrap();
    }
    arts
}

fn manifest(dir: &Path) -> serde_json::Value {
    serde_json::from_str(&std::fs::read_to_string(dir.join("manifest.json")).unwrap()).unwrap()
}

/// Validates a manifest against the schema shipped in the crate.
fn assert_schema_valid(m: &serde_json::Value) {
    let schema: serde_json::Value = serde_json::from_str(samachar::bulletin::manifest::SCHEMA).unwrap();
    let v = jsonschema::validator_for(&schema).expect("schema compiles");
    let errors: Vec<String> = v.iter_errors(m).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "manifest violates schema: {errors:#?}");
}

/// The chunks of a RIFF/WAVE file, parsed independently of the library.
struct Riff {
    riff_size: u32,
    len: u64,
    ids: Vec<String>,
    cues: Vec<(u32, u32)>,
    labels: Vec<(u32, String)>,
}

fn le32(b: &[u8], i: usize) -> u32 {
    u32::from_le_bytes(b[i..i + 4].try_into().unwrap())
}

fn parse_riff(path: &Path) -> Riff {
    let b = std::fs::read(path).unwrap();
    assert_eq!(&b[0..4], b"RIFF");
    assert_eq!(&b[8..12], b"WAVE");
    let mut r = Riff { riff_size: le32(&b, 4), len: b.len() as u64, ids: vec![], cues: vec![], labels: vec![] };
    let mut p = 12;
    while p + 8 <= b.len() {
        let id = String::from_utf8_lossy(&b[p..p + 4]).into_owned();
        let size = le32(&b, p + 4) as usize;
        let body = &b[p + 8..p + 8 + size];
        if id == "cue " {
            for k in 0..le32(body, 0) as usize {
                let q = 4 + 24 * k;
                assert_eq!(&body[q + 8..q + 12], b"data");
                assert_eq!(le32(body, q + 4), le32(body, q + 20), "position = sample offset");
                r.cues.push((le32(body, q), le32(body, q + 20)));
            }
        }
        if id == "LIST" && &body[0..4] == b"adtl" {
            let mut q = 4;
            while q + 8 <= body.len() {
                let sz = le32(body, q + 4) as usize;
                if &body[q..q + 4] == b"labl" {
                    let t = &body[q + 12..q + 8 + sz];
                    let t = t.split(|&c| c == 0).next().unwrap();
                    r.labels.push((le32(body, q + 8), String::from_utf8(t.to_vec()).unwrap()));
                }
                q += 8 + sz + sz % 2;
            }
        }
        r.ids.push(id);
        p += 8 + size + size % 2;
    }
    assert_eq!(p, b.len(), "chunks end exactly at the end of the file");
    r
}

fn samples(path: &Path) -> (hound::WavSpec, Vec<i16>) {
    let mut r = hound::WavReader::open(path).unwrap();
    let spec = r.spec();
    (spec, r.samples::<i16>().map(|s| s.unwrap()).collect())
}

/// Measures integrated loudness (LUFS) and true peak (dBTP) with ebur128.
fn loudness(spec: hound::WavSpec, s: &[i16]) -> (f64, f64) {
    let mut m = ebur128::EbuR128::new(1, spec.sample_rate, ebur128::Mode::I | ebur128::Mode::TRUE_PEAK).unwrap();
    m.add_frames_i16(s).unwrap();
    (m.loudness_global().unwrap(), 20.0 * m.true_peak(0).unwrap().log10())
}

/// A caption cue as read from the file: (id line if any, start ms, end ms, text).
fn parse_captions(text: &str) -> Vec<(Option<String>, u64, u64, String)> {
    fn ms(s: &str) -> u64 {
        let s = s.trim().replace(',', ".");
        let (hms, frac) = s.split_once('.').unwrap();
        let secs = hms.split(':').fold(0u64, |a, p| a * 60 + p.parse::<u64>().unwrap());
        assert_eq!(frac.len(), 3, "milliseconds: {s}");
        secs * 1000 + frac.parse::<u64>().unwrap()
    }
    let mut cues = Vec::new();
    for block in text.split("\n\n").map(str::trim).filter(|b| !b.is_empty() && *b != "WEBVTT") {
        let lines: Vec<&str> = block.lines().collect();
        let t = lines.iter().position(|l| l.contains("-->")).expect("timing line");
        let (a, b) = lines[t].split_once("-->").unwrap();
        let id = (t > 0).then(|| lines[t - 1].to_string());
        cues.push((id, ms(a), ms(b), lines[t + 1..].join(" ")));
    }
    cues
}

/// Checks everything a finished bulletin directory must satisfy; returns its manifest.
fn check_bulletin(out: &Path, n_articles: usize, target_lufs: f64) -> serde_json::Value {
    let m = manifest(out);
    assert_schema_valid(&m);
    let rate = m["audio"]["sample_rate"].as_u64().unwrap();
    let sentences = m["sentences"].as_array().unwrap();
    let articles = m["articles"].as_array().unwrap();
    assert_eq!(articles.len(), n_articles);

    // WAV: format, duration, chunks, chapters.
    let wav = out.join("bulletin.wav");
    let (spec, s) = samples(&wav);
    assert_eq!((spec.channels, spec.bits_per_sample, spec.sample_rate as u64), (1, 16, rate));
    assert_eq!(s.len() as u64, m["audio"]["samples"].as_u64().unwrap());
    assert!((m["audio"]["duration"].as_f64().unwrap() - s.len() as f64 / rate as f64).abs() < 1e-9);
    let riff = parse_riff(&wav);
    assert_eq!(riff.riff_size as u64, riff.len - 8, "RIFF size covers the appended chunks");
    assert!(riff.ids.iter().any(|i| i == "cue ") && riff.ids.iter().any(|i| i == "LIST"), "{:?}", riff.ids);
    assert_eq!(riff.cues.len(), n_articles, "one cue point per article");
    assert_eq!(riff.labels.len(), n_articles);
    for (k, a) in articles.iter().enumerate() {
        let first = &a["sentences"][0];
        let first = sentences.iter().find(|x| &x["id"] == first).unwrap();
        assert_eq!(riff.cues[k].1 as u64, first["start_sample"].as_u64().unwrap(), "chapter {k} at its headline");
        assert_eq!(riff.labels[k], (riff.cues[k].0, format!("{}. {}", k + 1, a["headline"].as_str().unwrap())));
    }

    // Loudness, measured here with ebur128 on the file as written.
    let (lufs, tp) = loudness(spec, &s);
    assert!((lufs - target_lufs).abs() <= 1.0, "integrated loudness {lufs:.2} LUFS, target {target_lufs}");
    assert!(tp <= -1.0 + 1e-6, "true peak {tp:.2} dBTP");
    assert_eq!(m["loudness"]["reached"], true, "{}", m["loudness"]);

    // Captions: one cue per sentence, in order, matching the manifest and the audio.
    for name in ["bulletin.srt", "bulletin.vtt"] {
        let text = std::fs::read_to_string(out.join(name)).unwrap();
        let cues = parse_captions(&text);
        assert_eq!(cues.len(), sentences.len(), "{name}: cue count = sentence count");
        let mut prev_end = 0;
        for (c, sent) in cues.iter().zip(sentences) {
            assert!(c.1 >= prev_end && c.2 > c.1, "{name}: cues monotonic: {c:?}");
            prev_end = c.2;
            let start = sent["start_sample"].as_u64().unwrap();
            let end = sent["end_sample"].as_u64().unwrap();
            let exact_ms = start as f64 * 1000.0 / rate as f64;
            assert!((c.1 as f64 - exact_ms).abs() <= 1.0, "{name}: cue at {} ms, sentence at {exact_ms:.3} ms", c.1);
            assert!((c.1 as f64 / 1000.0 - sent["start"].as_f64().unwrap()).abs() <= 0.001);
            assert!((c.2 as f64 / 1000.0 - sent["end"].as_f64().unwrap()).abs() <= 0.001);
            let words = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
            // VTT: a karaoke tag before each written word, at the start of its first spoken word.
            let (stamps, plain) = samachar::bulletin::captions::strip_timestamps(&c.3);
            if name.ends_with(".vtt") {
                let mut want: Vec<u64> = Vec::new();
                let mut last_token = None;
                for w in m["words"].as_array().unwrap().iter().filter(|w| w["sentence"] == sent["id"]) {
                    if last_token != Some(w["token"].as_u64()) {
                        last_token = Some(w["token"].as_u64());
                        want.push((w["start_sample"].as_u64().unwrap() * 1000 + rate / 2) / rate);
                    }
                }
                want.dedup();
                want.retain(|&ms| ms > c.1 && ms < c.2);
                assert_eq!(stamps, want, "{name}: word timestamps of {}", sent["id"]);
                assert!(stamps.windows(2).all(|p| p[0] < p[1]));
            } else {
                assert!(stamps.is_empty(), "SRT has no word tags");
            }
            let cue_text = plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&");
            let cue_text =
                if name.ends_with(".srt") { cue_text.replace('‹', "<").replace('›', ">") } else { cue_text };
            assert_eq!(words(&cue_text), words(sent["text"].as_str().unwrap()), "{name}");
            if name.ends_with(".vtt") {
                assert_eq!(c.0.as_deref(), sent["id"].as_str(), "VTT cue id = sentence id");
            }
            // The cue's start is where the sentence's audio is: silence (a pause) right
            // before it, sound inside it.
            let (a, b) = (start as usize, end as usize);
            assert!(s[a..b].iter().any(|&x| x != 0), "sentence {} has audio", sent["id"]);
            if a > 0 {
                assert_eq!(s[a - 1], 0, "sample before sentence {} is the pause", sent["id"]);
            }
        }
        let last_end_s = cues.last().unwrap().2 as f64 / 1000.0;
        let wav_end_s = s.len() as f64 / rate as f64;
        assert!((wav_end_s - last_end_s).abs() <= 0.050, "{name}: last cue ends {last_end_s}, WAV {wav_end_s}");
    }

    // Words: inside their sentence's cue, monotonic, and fitting the audio as written.
    assert_eq!(m["word_timings"], true);
    let ids: Vec<&str> = sentences.iter().map(|x| x["id"].as_str().unwrap()).collect();
    let spans: Vec<(u64, u64)> =
        sentences.iter().map(|x| (x["start_sample"].as_u64().unwrap(), x["end_sample"].as_u64().unwrap())).collect();
    let words = m["words"].as_array().unwrap();
    let timed: Vec<crate::words::Timed> = words
        .iter()
        .map(|w| crate::words::Timed {
            sentence: ids.iter().position(|&i| w["sentence"] == i).unwrap(),
            start: w["start_sample"].as_u64().unwrap(),
            end: w["end_sample"].as_u64().unwrap(),
        })
        .collect();
    let f: Vec<f32> = s.iter().map(|&x| f32::from(x) / 32768.0).collect();
    crate::words::check_against_audio(&f, rate as u32, &spans, &timed);
    assert!(timed.iter().map(|t| t.sentence).collect::<std::collections::BTreeSet<_>>().len() == sentences.len());
    // transcript.json: each segment's words are the manifest's words of that sentence.
    let t: serde_json::Value = serde_json::from_slice(&std::fs::read(out.join("transcript.json")).unwrap()).unwrap();
    let segs = t["segments"].as_array().unwrap();
    assert_eq!(segs.len(), sentences.len());
    let mut k = 0;
    for seg in segs {
        for tw in seg["words"].as_array().unwrap() {
            let w = &words[k];
            assert_eq!((&tw["body"], &tw["written"], &tw["token"]), (&w["text"], &w["written"], &w["token"]));
            assert!((tw["startTime"].as_f64().unwrap() - w["start"].as_f64().unwrap()).abs() <= 0.0005);
            assert!(
                tw["startTime"].as_f64() >= seg["startTime"].as_f64()
                    && tw["endTime"].as_f64() <= seg["endTime"].as_f64()
            );
            k += 1;
        }
    }
    assert_eq!(k, words.len(), "every word in one segment");
    m
}

#[test]
fn bulletin_from_articles_has_chapters_captions_loudness_and_valid_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let arts = write_articles(dir.path());
    let o =
        run(dir.path(), &["bulletin", arts.to_str().unwrap(), "-o", "out", "--date", DATE, "--split", "--quiet"], None);
    succeeds(&o);
    assert!(stderr(&o).is_empty(), "--quiet prints nothing: {}", stderr(&o));
    let out = dir.path().join("out");
    assert_eq!(names_in(dir.path()), ["articles", "out"], "no temporary directory left behind");
    assert_eq!(
        names_in(&out),
        [
            "article-001.wav",
            "article-002.wav",
            "article-003.wav",
            "bulletin.srt",
            "bulletin.vtt",
            "bulletin.wav",
            "chapters.json",
            "manifest.json",
            "transcript.json"
        ]
    );
    let m = check_bulletin(&out, 3, -16.0);

    // Structure: opening line with the date in Hindi, articles in file-name order with
    // their own sentences, closing line.
    let sentences = m["sentences"].as_array().unwrap();
    assert_eq!(sentences[0]["role"], "intro");
    assert_eq!(sentences[0]["text"], "आज की ख़बरें, 26 नवंबर 2026।");
    assert_eq!(sentences.last().unwrap()["role"], "closing");
    for (k, (name, text)) in ARTICLES.iter().enumerate() {
        let a = &m["articles"][k];
        assert!(a["source"].as_str().unwrap().ends_with(name));
        assert_eq!(a["headline"], text.lines().next().unwrap());
        let own: Vec<&serde_json::Value> = sentences.iter().filter(|s| s["article"] == k + 1).collect();
        assert_eq!(own[0]["role"], "headline");
        let body: String = text.lines().skip(1).collect::<Vec<_>>().join(" ");
        let spoken: Vec<&str> = own[1..].iter().map(|s| s["text"].as_str().unwrap()).collect();
        assert_eq!(
            spoken.join(" ").split_whitespace().collect::<Vec<_>>(),
            body.split_whitespace().collect::<Vec<_>>()
        );
        // --split: each article's WAV is exactly its span of the bulletin.
        let (_, part) = samples(&out.join(format!("article-{:03}.wav", k + 1)));
        let (a0, a1) = (a["start_sample"].as_u64().unwrap(), a["end_sample"].as_u64().unwrap());
        assert_eq!(part.len() as u64, a1 - a0);
        let (_, whole) = samples(&out.join("bulletin.wav"));
        assert_eq!(&part[..], &whole[a0 as usize..a1 as usize]);
    }
    // A chime (audio that is no sentence) sits between articles: sound in the gap before
    // the second headline, outside any cue.
    let (_, whole) = samples(&out.join("bulletin.wav"));
    let prev_end = m["articles"][0]["end_sample"].as_u64().unwrap() as usize;
    let next = m["articles"][1]["start_sample"].as_u64().unwrap() as usize;
    assert!(whole[prev_end..next].iter().any(|&x| x.abs() > 1000), "chime between articles");
}

#[test]
fn bulletin_at_ebu_r128_level_and_from_stdin() {
    let dir = tempfile::tempdir().unwrap();
    let text = ARTICLES[1].1.as_bytes();
    let o =
        run(dir.path(), &["bulletin", "-", "-o", "b", "--date", DATE, "--loudness", "-23", "--no-intro"], Some(text));
    succeeds(&o);
    let m = check_bulletin(&dir.path().join("b"), 1, -23.0);
    assert_eq!(m["articles"][0]["source"], "<stdin>");
    assert_eq!(m["sentences"][0]["role"], "headline", "--no-intro starts with the headline");
    assert!(m["intro"].is_null());
}

const RSS: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/">
<channel><title>परीक्षण समाचार</title><link>http://example.invalid/</link><description>x</description>
<item><title>संसद में नया विधेयक &amp; बहस</title>
<description>&lt;p&gt;संसद में आज नया विधेयक पेश हुआ।&lt;/p&gt;&lt;p&gt;विपक्ष ने &lt;b&gt;लंबी&lt;/b&gt; बहस की माँग की।&lt;/p&gt;</description></item>
<item><title>किसानों को राहत</title>
<content:encoded><![CDATA[<div>सरकार ने किसानों के लिए नई योजना घोषित की।<br/>इससे लाखों परिवारों को लाभ होगा&nbsp;।</div><script>alert(1)</script>]]></content:encoded></item>
</channel></rss>
"#;

const ATOM: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>परीक्षण</title><id>urn:x</id><updated>2026-11-26T06:00:00Z</updated>
<entry><title>रेल किराए में बदलाव</title><id>urn:1</id><updated>2026-11-26T06:00:00Z</updated>
<content type="html">&lt;p&gt;रेलवे ने किराए में मामूली बदलाव किया।&lt;/p&gt;</content></entry>
<entry><title type="text">नई सड़क का उद्घाटन</title><id>urn:2</id><updated>2026-11-26T06:00:00Z</updated>
<summary>शहर में नई सड़क खुल गई। यातायात आसान होगा।</summary></entry>
</feed>
"#;

const JSON: &str = r#"[
  {"title": "स्कूलों में छुट्टी", "body": "<p>ठंड के कारण स्कूल बंद रहेंगे।</p><p>परीक्षाएँ आगे बढ़ेंगी &amp; नई तारीख़ें जल्द आएँगी।</p>"},
  {"title": "चुनाव की तैयारी", "body": "आयोग ने तैयारियाँ पूरी कर लीं।"}
]"#;

#[test]
fn bulletins_from_rss_atom_and_json_feeds_strip_html() {
    let dir = tempfile::tempdir().unwrap();
    let cases = [
        ("feed.xml", RSS, ["संसद में नया विधेयक & बहस", "किसानों को राहत"]),
        ("feed.atom", ATOM, ["रेल किराए में बदलाव", "नई सड़क का उद्घाटन"]),
        ("feed.json", JSON, ["स्कूलों में छुट्टी", "चुनाव की तैयारी"]),
    ];
    for (name, text, heads) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        let out = format!("out-{name}");
        let o = run(dir.path(), &["bulletin", name, "-o", &out, "--date", DATE, "--html"], None);
        succeeds(&o);
        let m = check_bulletin(&dir.path().join(&out), 2, -16.0);
        for (k, h) in heads.iter().enumerate() {
            assert_eq!(m["articles"][k]["headline"], *h, "{name}");
            assert_eq!(m["articles"][k]["source"], format!("{name}#{}", k + 1));
        }
        for s in m["sentences"].as_array().unwrap() {
            let t = s["text"].as_str().unwrap();
            assert!(
                !t.contains('<') && !t.contains("&amp;") && !t.contains("&nbsp;") && !t.contains("alert"),
                "{name}: {t}"
            );
        }
        assert!(dir.path().join(&out).join("index.html").exists());
    }
    let m = manifest(&dir.path().join("out-feed.xml"));
    let texts: Vec<&str> = m["sentences"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert!(texts.contains(&"विपक्ष ने लंबी बहस की माँग की।"), "{texts:?}");
}

#[test]
fn unreadable_articles_are_named_and_keep_going_skips_and_marks_them() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("good.txt"), ARTICLES[0].1).unwrap();
    std::fs::write(dir.path().join("bad.txt"), b"\xe0\xa4\x95 \xff\xfe\n").unwrap();
    for (bad, what) in [("bad.txt", "invalid UTF-8 at byte offset 4"), ("missing.txt", "cannot read")] {
        let o = run(dir.path(), &["bulletin", "good.txt", bad, "-o", "out", "--date", DATE], None);
        let e = fails(&o);
        assert!(e.contains(bad) && e.contains(what), "{e}");
        assert_eq!(names_in(dir.path()), ["bad.txt", "good.txt"], "nothing written");
    }
    let o = run(
        dir.path(),
        &["bulletin", "good.txt", "bad.txt", "missing.txt", "-o", "out", "--date", DATE, "--keep-going"],
        None,
    );
    succeeds(&o);
    let e = stderr(&o);
    assert!(e.contains("skipping bad.txt") && e.contains("skipping missing.txt"), "{e}");
    let m = check_bulletin(&dir.path().join("out"), 1, -16.0);
    let skipped = m["skipped"].as_array().unwrap();
    assert_eq!(skipped.len(), 2);
    assert_eq!(skipped[0]["source"], "bad.txt");
    assert!(skipped[0]["reason"].as_str().unwrap().contains("UTF-8"));
    assert_eq!(skipped[1]["source"], "missing.txt");
}

#[test]
fn empty_feeds_and_articles_without_speakable_text_are_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let empty_rss = "<rss version=\"2.0\"><channel><title>x</title></channel></rss>";
    let cases: [(&str, &str, &str); 4] = [
        ("empty.xml", empty_rss, "the feed has no items"),
        ("empty.json", "[ ]", "the feed has no items"),
        ("blank.txt", "   \n\n— … —\n  \n", "no speakable text"),
        ("blank-item.json", "[{\"title\": \"<br>\", \"body\": \"&nbsp;\"}]", "no speakable text"),
    ];
    for (name, text, msg) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        let e = fails(&run(dir.path(), &["bulletin", name, "-o", "out"], None));
        assert!(e.contains(name) && e.contains(msg), "{name}: {e}");
        assert!(!dir.path().join("out").exists());
    }
    // All inputs skipped under --keep-going: still an error, not an empty bulletin.
    let o = run(dir.path(), &["bulletin", "empty.json", "blank.txt", "-o", "out", "--keep-going"], None);
    let e = stderr(&o);
    assert!(!o.status.success() && !e.contains("panicked"), "{e}");
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 3, "two skip notices, one error: {e}");
    assert!(lines[2].starts_with("samachar: error: ") && lines[2].contains("no article with speakable text"), "{e}");
    assert!(!dir.path().join("out").exists());
}

#[test]
fn malformed_feeds_report_the_parsers_line_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let bad_rss = "<rss version=\"2.0\">\n<channel>\n<item><title>क</title></itme>\n</channel>\n</rss>\n";
    let bad_json = "[\n  {\"title\": \"क\", \"body\": \"ख\"},\n  {\"title\": \"ग\" \"body\": \"घ\"}\n]\n";
    let truncated = "<rss version=\"2.0\"><channel><item><title>क</title>";
    let cases = [
        ("bad.xml", bad_rss, "bad.xml:3:"),
        ("bad.json", bad_json, "bad.json:3:"),
        ("cut.rss", truncated, "cut.rss:1:"),
    ];
    for (name, text, at) in cases {
        std::fs::write(dir.path().join(name), text).unwrap();
        let e = fails(&run(dir.path(), &["bulletin", name, "-o", "out"], None));
        assert!(e.contains(at) && e.contains("malformed feed"), "{name}: {e}");
    }
}

#[test]
fn existing_bulletin_is_replaced_only_with_force() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), ARTICLES[1].1).unwrap();
    succeeds(&run(dir.path(), &["bulletin", "a.txt", "-o", "out", "--date", "2026-11-25", "-q"], None));
    let old = std::fs::read(dir.path().join("out/manifest.json")).unwrap();
    let e = fails(&run(dir.path(), &["bulletin", "a.txt", "-o", "out"], None));
    assert!(e.contains("out") && e.contains("--force"), "{e}");
    assert_eq!(std::fs::read(dir.path().join("out/manifest.json")).unwrap(), old, "untouched");
    succeeds(&run(dir.path(), &["bulletin", "a.txt", "-o", "out", "--force", "--date", DATE], None));
    assert_eq!(
        names_in(&dir.path().join("out")),
        ["bulletin.srt", "bulletin.vtt", "bulletin.wav", "chapters.json", "manifest.json", "transcript.json"]
    );
    assert_eq!(manifest(&dir.path().join("out"))["date"], DATE);
    assert_eq!(names_in(dir.path()), ["a.txt", "out"], "old bulletin, temporary directory or lock left");
}

/// Issue 7: `bulletin a.txt -o victim --force` deleted any directory outright. Only a previous
/// bulletin (a directory with a samachar manifest.json) is replaced; a directory without one, a
/// foreign manifest.json and a regular file are refused, untouched.
#[test]
fn force_replaces_only_a_previous_bulletin_never_another_directory_or_a_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), ARTICLES[1].1).unwrap();
    let victim = dir.path().join("victim");
    std::fs::create_dir(&victim).unwrap();
    std::fs::write(victim.join("thesis.txt"), "सात साल का काम").unwrap();
    let e = fails(&run(dir.path(), &["bulletin", "a.txt", "-o", "victim", "--force"], None));
    assert!(e.contains("victim: is not a samachar bulletin (no manifest.json); refusing to replace it"), "{e}");
    std::fs::write(victim.join("manifest.json"), r#"{"name": "web-app", "version": "2"}"#).unwrap();
    let e = fails(&run(dir.path(), &["bulletin", "a.txt", "-o", "victim", "--force"], None));
    assert!(e.contains("is not a samachar manifest"), "{e}");
    assert_eq!(names_in(&victim), ["manifest.json", "thesis.txt"]);
    std::fs::write(dir.path().join("notes"), "x").unwrap();
    let e = fails(&run(dir.path(), &["bulletin", "a.txt", "-o", "notes", "--force"], None));
    assert!(e.contains("notes: exists and is not a directory"), "{e}");
    assert_eq!(std::fs::read_to_string(dir.path().join("notes")).unwrap(), "x");
    assert_eq!(names_in(dir.path()), ["a.txt", "notes", "victim"], "no temporary left");
}

/// Issue 7: `-o` equal to the input directory of articles deleted the articles under --force;
/// inside it, the bulletin would be read as articles next time; containing an input, --force
/// would delete the input. All three are refused before any work.
#[test]
fn output_equal_to_inside_or_containing_an_input_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let arts = write_articles(dir.path());
    let e = fails(&run(dir.path(), &["bulletin", "articles", "-o", "articles", "--force"], None));
    assert!(e.contains("articles: is the input articles"), "{e}");
    let e = fails(&run(dir.path(), &["bulletin", "articles", "-o", "articles/today"], None));
    assert!(e.contains("is inside the input directory articles"), "{e}");
    let e = fails(&run(dir.path(), &["bulletin", "./articles/../articles", "-o", "./articles/x/../today"], None));
    assert!(e.contains("is inside the input directory"), "{e}");
    assert_eq!(names_in(&arts).len(), 3, "articles untouched");
    // A previous bulletin that holds the article it is remade from.
    succeeds(&run(dir.path(), &["bulletin", "articles", "-o", "out", "-q"], None));
    std::fs::copy(arts.join(ARTICLES[0].0), dir.path().join("out/a.txt")).unwrap();
    let e = fails(&run(dir.path(), &["bulletin", "out/a.txt", "-o", "out", "--force"], None));
    assert!(e.contains("out: contains the input out/a.txt"), "{e}");
    assert!(dir.path().join("out/a.txt").exists());
    assert_eq!(names_in(dir.path()), ["articles", "out"]);
}

/// Issue 7: the target was checked only at the start, so three runs started together all
/// "succeeded" and two results were silently lost (and a directory made at the target during
/// rendering was deleted). Publishing is now one rename that replaces nothing: exactly one
/// run wins, the others fail with one line, and the bulletin is whole.
#[cfg(unix)]
#[test]
fn three_bulletins_started_together_to_one_target_one_wins_and_none_is_lost() {
    let dir = tempfile::tempdir().unwrap();
    write_articles(dir.path());
    let children: Vec<std::process::Child> = (0..3)
        .map(|_| {
            bin()
                .current_dir(dir.path())
                .args(["bulletin", "articles", "-o", "out", "-q", "--date", DATE])
                .env("RAYON_NUM_THREADS", "1")
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<Output> = children.into_iter().map(|c| c.wait_with_output().unwrap()).collect();
    let won = outputs.iter().filter(|o| o.status.success()).count();
    assert_eq!(won, 1, "exactly one run may publish: {:?}", outputs.iter().map(stderr).collect::<Vec<_>>());
    for o in outputs.iter().filter(|o| !o.status.success()) {
        let e = fails(o);
        assert!(e.contains("out: ") && (e.contains("left as it is") || e.contains("already exists")), "{e}");
    }
    check_bulletin(&dir.path().join("out"), 3, -16.0);
    assert_eq!(names_in(dir.path()), ["articles", "out"], "a temporary or lock file was left");
}

/// Issue 7: a hidden `.NAME.tmp-PID` (hundreds of MB) left by SIGKILL was never removed, nor a
/// `.NAME.old-PID` from a killed --force replace. The next run removes every leftover whose lock
/// no process holds, and keeps one whose lock is held (here by this test process, which is not
/// the PID in its name: liveness is the lock, not /proc).
#[cfg(unix)]
#[test]
fn leftovers_of_killed_bulletin_runs_are_removed_by_the_next_run_and_live_ones_kept() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path();
    std::fs::write(p.join("a.txt"), ARTICLES[1].1).unwrap();
    for d in [".out.tmp-4000000000-0", ".out.old-4000000000-0", ".out.tmp-4000000001", ".out.old-4000000001"] {
        std::fs::create_dir(p.join(d)).unwrap();
        std::fs::write(p.join(d).join("render.f32.wav"), "partial").unwrap();
    }
    std::fs::write(p.join(".out.tmp-4000000000-0.lock"), "").unwrap();
    std::fs::create_dir(p.join(".out.tmp-1-0")).unwrap();
    let _held = samachar::publish::create_locked(&p.join(".out.tmp-1-0.lock")).unwrap().unwrap();
    succeeds(&run(p, &["bulletin", "a.txt", "-o", "out", "-q"], None));
    assert_eq!(names_in(p), [".out.tmp-1-0", ".out.tmp-1-0.lock", "a.txt", "out"]);
}

/// Issue 7: a name near the 255-byte limit failed because the temporary's name added bytes; a
/// long --title made an unbounded directory name. Both now fit.
#[test]
fn bulletin_to_a_name_near_the_limit_and_with_a_long_title_fits() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), ARTICLES[1].1).unwrap();
    let long = "ख".repeat(84); // 252 bytes
    succeeds(&run(dir.path(), &["bulletin", "a.txt", "-o", &long, "-q"], None));
    assert!(dir.path().join(&long).join("manifest.json").exists());
    let title = "बहुत लंबा शीर्षक ".repeat(30);
    succeeds(&run(dir.path(), &["bulletin", "a.txt", "--title", &title, "--date", DATE, "-q"], None));
    let made = names_in(&dir.path().join("output"));
    assert_eq!(made.len(), 1);
    assert!(made[0].starts_with("2026-11-26-बहुत-लंबा-शीर्षक-"), "{}", made[0]);
    assert!(made[0].len() <= 11 + samachar::bulletin::SLUG_MAX_BYTES, "{} bytes", made[0].len());
    assert_eq!(names_in(dir.path()), ["a.txt", "output", long.as_str()]);
}

#[test]
fn unwritable_output_is_a_clear_error_and_leaves_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), ARTICLES[1].1).unwrap();
    std::fs::write(dir.path().join("plain-file"), "x").unwrap();
    // A regular file where a directory must be: fails for every user, root included.
    let e = fails(&run(dir.path(), &["bulletin", "a.txt", "-o", "plain-file/out"], None));
    assert!(e.contains("plain-file") && e.contains("cannot create directory"), "{e}");
    assert_eq!(names_in(dir.path()), ["a.txt", "plain-file"]);
    // A read-only directory (permissions do not bind root, so only checked for others).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let ro = dir.path().join("ro");
        std::fs::create_dir(&ro).unwrap();
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o555)).unwrap();
        if std::fs::write(ro.join("probe"), "x").is_err() {
            let e = fails(&run(dir.path(), &["bulletin", "a.txt", "-o", "ro/out"], None));
            assert!(e.contains("ro") && e.contains("ermission denied"), "{e}");
            assert!(names_in(&ro).is_empty());
        } else {
            let _ = std::fs::remove_file(ro.join("probe"));
            eprintln!("note: running as root, read-only directory case not checked");
        }
        std::fs::set_permissions(&ro, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
}

/// Serves files from a directory over HTTP on 127.0.0.1 (with byte ranges, which media
/// elements need to seek) and passes the body of a POST to `/selftest-report` to `tx`.
fn serve(root: PathBuf, tx: std::sync::mpsc::Sender<String>) -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let (root, tx) = (root.clone(), tx.clone());
            std::thread::spawn(move || {
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let mut stream = stream;
                loop {
                    let mut line = String::new();
                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                        return;
                    }
                    let mut parts = line.split_whitespace();
                    let method = parts.next().unwrap_or("").to_string();
                    let path = parts.next().unwrap_or("/").to_string();
                    let (mut range, mut length) = (None, 0usize);
                    loop {
                        let mut h = String::new();
                        if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                            break;
                        }
                        let h = h.to_ascii_lowercase();
                        if let Some(v) = h.strip_prefix("range: bytes=") {
                            let (a, b) = v.trim().split_once('-').unwrap_or(("0", ""));
                            range = Some((a.parse::<u64>().unwrap_or(0), b.parse::<u64>().ok()));
                        }
                        if let Some(v) = h.strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                    }
                    let name = path.split('?').next().unwrap().trim_start_matches('/').to_string();
                    if method == "POST" {
                        let mut body = vec![0; length];
                        if reader.read_exact(&mut body).is_err() {
                            return;
                        }
                        if name == "selftest-report" {
                            let _ = tx.send(String::from_utf8_lossy(&body).into_owned());
                        }
                        let _ = stream.write_all(b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n");
                        continue;
                    }
                    let body = std::fs::read(root.join(&name)).unwrap_or_default();
                    let ctype = match name.rsplit('.').next() {
                        Some("html") => "text/html; charset=utf-8",
                        Some("vtt") => "text/vtt; charset=utf-8",
                        Some("wav") => "audio/wav",
                        _ => "application/octet-stream",
                    };
                    let len = body.len() as u64;
                    let (status, slice, extra) = match range {
                        Some((a, b)) if a < len => {
                            let b = b.unwrap_or(len - 1).min(len - 1);
                            (
                                "206 Partial Content",
                                &body[a as usize..=b as usize],
                                format!("Content-Range: bytes {a}-{b}/{len}\r\n"),
                            )
                        }
                        _ => ("200 OK", &body[..], String::new()),
                    };
                    let head = format!(
                        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nAccept-Ranges: bytes\r\n{extra}\r\n",
                        slice.len()
                    );
                    if stream.write_all(head.as_bytes()).and_then(|_| stream.write_all(slice)).is_err() {
                        return;
                    }
                }
            });
        }
    });
    port
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[test]
fn listening_page_in_headless_chromium_highlights_the_sentence_and_word_at_a_seek_over_http_and_from_file() {
    let Some(chrome) = chromium() else {
        // CI installs Chromium (.ci/run): there, a missing browser is a broken setup, not a skip.
        assert!(std::env::var_os("CI").is_none(), "CI is set but no Chromium was found; .ci/run installs it");
        eprintln!("NOTICE: chromium not installed (apt-get install chromium); listening-page browser test SKIPPED");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let arts = write_articles(dir.path());
    succeeds(&run(dir.path(), &["bulletin", arts.to_str().unwrap(), "-o", "out", "--date", DATE, "--html"], None));
    let out = dir.path().join("out");
    let m = manifest(&out);
    let sentences = m["sentences"].as_array().unwrap();
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    // Structure for keyboard and screen-reader users.
    assert!(html.contains("<h1>") && html.contains("<h2 id=\"toc-h\">") && html.contains("aria-live=\"off\""));
    // The times are in the page: no track file to fetch (file:// forbids it).
    assert!(!html.contains("<track") && html.contains("<script type=\"application/json\" id=\"timings\">"));
    assert_eq!(html.matches("<h3 ").count(), 3);
    for a in m["articles"].as_array().unwrap() {
        assert!(html.contains(&format!(
            "href=\"#article-{}\" data-seek=\"{:.3}\"",
            a["index"],
            a["start"].as_f64().unwrap()
        )));
    }

    // Seek targets: the middle of the intro, of a headline and of a body sentence, and a
    // point in the pause after a sentence (which keeps that sentence highlighted); the
    // middle of words of that body sentence, and a point in the comma pause inside the
    // intro (which keeps the word before it highlighted).
    let mid = |s: &serde_json::Value| (s["start"].as_f64().unwrap() + s["end"].as_f64().unwrap()) / 2.0;
    let body = sentences.iter().position(|s| s["role"] == "body" && s["article"] == 2).unwrap();
    let head3 = sentences.iter().position(|s| s["role"] == "headline" && s["article"] == 3).unwrap();
    let in_pause = sentences[body]["end"].as_f64().unwrap() + 0.1;
    let words = m["words"].as_array().unwrap();
    let id = |w: &serde_json::Value| Some(format!("{}-w{}", w["sentence"].as_str().unwrap(), w["token"]));
    let body_words: Vec<&serde_json::Value> = words.iter().filter(|w| w["sentence"] == sentences[body]["id"]).collect();
    let last_body = body_words.last().unwrap();
    let mut probes: Vec<(f64, usize, Option<String>)> = vec![
        (mid(&sentences[0]), 0, None),
        (mid(&sentences[head3]), head3, None),
        (mid(&sentences[body]), body, None),
        (in_pause, body, id(last_body)),
    ];
    for w in [body_words[0], body_words[body_words.len() / 2], last_body] {
        probes.push((mid(w), body, id(w)));
    }
    // The intro "आज की ख़बरें, 26 …": a comma pause after its third written word.
    let intro: Vec<&serde_json::Value> = words.iter().filter(|w| w["sentence"] == sentences[0]["id"]).collect();
    let k = intro.windows(2).position(|p| p[1]["start_sample"].as_u64() > p[0]["end_sample"].as_u64()).unwrap();
    probes.push((intro[k]["end"].as_f64().unwrap() + 0.05, 0, id(intro[k])));
    let times: Vec<String> = probes.iter().map(|(t, _, _)| format!("{t:.3}")).collect();

    let (tx, rx) = std::sync::mpsc::channel();
    let port = serve(out.clone(), tx);
    let file_url = format!("file://{}", out.join("index.html").display());
    for (base, protocol) in [(format!("http://127.0.0.1:{port}/index.html"), "http:"), (file_url, "file:")] {
        let profile = tempfile::tempdir().unwrap();
        // From file:// the page has no server beside it: it posts its report to ours.
        let url = format!("{base}?selftest={}&report=http://127.0.0.1:{port}/selftest-report", times.join(","));
        // Real time, not --virtual-time-budget: media seeks complete on their own threads,
        // which virtual time does not wait for. The page POSTs its report back to `serve`.
        let mut child = Command::new(&chrome)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--mute-audio",
                "--allow-file-access-from-files",
                &format!("--user-data-dir={}", profile.path().display()),
                &url,
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let report = rx.recv_timeout(std::time::Duration::from_secs(90));
        let _ = child.kill();
        let _ = child.wait();
        let report = report.unwrap_or_else(|_| panic!("the page ({protocol}) sent no self-test report within 90 s"));
        let report: serde_json::Value =
            serde_json::from_str(&report).unwrap_or_else(|e| panic!("bad report {report}: {e}"));
        assert_eq!(report["protocol"], protocol, "{report}");
        assert_eq!(report["errors"].as_array().map(Vec::len), Some(0), "{report}");
        assert_eq!(report["cues"].as_u64().unwrap() as usize, sentences.len(), "all sentences in the page");
        assert!(report["words"].as_u64().unwrap() as usize > sentences.len(), "{report}");
        let duration = report["duration"].as_f64().unwrap();
        assert!((duration - m["audio"]["duration"].as_f64().unwrap()).abs() < 0.05, "{report}");
        let results = report["results"].as_array().unwrap();
        assert_eq!(results.len(), probes.len(), "{report}");
        for (r, (t, k, word)) in results.iter().zip(&probes) {
            assert_eq!(r["id"], sentences[*k]["id"], "{protocol} at {t:.3} s: {report}");
            if let Some(w) = word {
                assert_eq!(r["word"].as_str(), Some(w.as_str()), "{protocol} at {t:.3} s: {report}");
            }
            // The highlighted word is one of the highlighted sentence's.
            let sid = sentences[*k]["id"].as_str().unwrap();
            assert!(
                r["word"].as_str().is_some_and(|w| w.starts_with(&format!("{sid}-w"))),
                "{protocol} at {t:.3}: {report}"
            );
        }
    }
}

#[test]
fn bulletin_is_byte_identical_whatever_the_thread_count() {
    let dir = tempfile::tempdir().unwrap();
    let arts = write_articles(dir.path());
    let mut outputs = Vec::new();
    for threads in ["1", "3"] {
        let out = format!("out-{threads}");
        let o = bin()
            .current_dir(dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .args(["bulletin", arts.to_str().unwrap(), "-o", &out, "--date", DATE, "--split", "--html"])
            .output()
            .unwrap();
        succeeds(&o);
        outputs.push(dir.path().join(out));
    }
    for name in names_in(&outputs[0]) {
        let a = std::fs::read(outputs[0].join(&name)).unwrap();
        let b = std::fs::read(outputs[1].join(&name)).unwrap();
        assert!(a == b, "{name} differs between 1 and 3 threads");
    }
    assert_eq!(names_in(&outputs[0]), names_in(&outputs[1]));
}

/// Regression: the renderer's writer waited for a result with nothing in flight once every
/// unit of its window had been written (a 100-article feed hung at random with ≥ 2
/// threads). Many short articles make that state frequent; a watchdog turns a hang into a
/// failure.
#[test]
fn many_short_articles_render_without_stalling() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<serde_json::Value> =
        (0..150).map(|i| serde_json::json!({"title": format!("ख़बर {i}"), "body": "हाँ। ना। हाँ।"})).collect();
    std::fs::write(dir.path().join("many.json"), serde_json::to_string(&items).unwrap()).unwrap();
    for threads in ["2", "4"] {
        let out = format!("out-{threads}");
        let mut child = bin()
            .current_dir(dir.path())
            .env("RAYON_NUM_THREADS", threads)
            .args(["bulletin", "many.json", "-o", &out, "--date", DATE, "-q"])
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(180);
        let status = loop {
            if let Some(s) = child.try_wait().unwrap() {
                break s;
            }
            if std::time::Instant::now() > deadline {
                let _ = child.kill();
                panic!("bulletin with {threads} threads stalled");
            }
            std::thread::sleep(std::time::Duration::from_millis(50));
        };
        assert!(status.success());
        assert_eq!(manifest(&dir.path().join(&out))["articles"].as_array().unwrap().len(), 150);
    }
}

#[test]
fn bulletin_takes_user_lexicons_and_a_malformed_one_is_an_error_with_file_and_line() {
    let tmp = tempfile::tempdir().unwrap();
    let arts = write_articles(tmp.path());
    std::fs::write(tmp.path().join("bad.tsv"), "# names\nकमल\tk ə m ə l\nबिना-फ़ोन\n").unwrap();
    let o = run(tmp.path(), &["bulletin", arts.to_str().unwrap(), "-o", "b", "--lexicon", "bad.tsv", "-q"], None);
    let e = fails(&o);
    assert!(e.contains("bad.tsv:3"), "{e}");
    assert!(!tmp.path().join("b").exists(), "no bulletin directory after a lexicon error");
    std::fs::write(tmp.path().join("good.tsv"), "कमल\tk ə m ə l\n").unwrap();
    let o = run(tmp.path(), &["bulletin", arts.to_str().unwrap(), "-o", "g", "--lexicon", "good.tsv", "-q"], None);
    succeeds(&o);
    assert!(tmp.path().join("g/bulletin.wav").exists());
}

/// The disk filling during a bulletin (simulated by a file-size limit with SIGXFSZ ignored):
/// a clear error, and neither the bulletin directory nor its temporary directory is left.
#[cfg(unix)]
#[test]
fn a_disk_filling_midway_is_a_clear_error_and_leaves_no_bulletin() {
    let tmp = tempfile::tempdir().unwrap();
    write_articles(tmp.path());
    let script =
        format!("ulimit -f 300; trap '' XFSZ; exec '{}' bulletin articles -o out -q", env!("CARGO_BIN_EXE_samachar"));
    let o = Command::new("sh").arg("-c").arg(&script).current_dir(tmp.path()).output().unwrap();
    let e = fails(&o);
    assert!(e.contains("too large"), "{e}");
    assert_eq!(names_in(tmp.path()), vec!["articles".to_string()], "nothing but the inputs may be left");
}

/// Ctrl-C during a bulletin: exit 130 and no output or temporary directory left.
#[cfg(unix)]
#[test]
fn an_interrupted_bulletin_leaves_nothing_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let body = "राजधानी में आज सुबह तेज़ बारिश हुई और कई इलाकों में पानी भर गया। ".repeat(40);
    let items: Vec<serde_json::Value> =
        (0..60).map(|i| serde_json::json!({ "title": format!("ख़बर {i}"), "body": body })).collect();
    std::fs::write(tmp.path().join("feed.json"), serde_json::to_string(&items).unwrap()).unwrap();
    let (code, err) = crate::common::interrupt(tmp.path(), &["bulletin", "feed.json", "-o", "out", "-q"], "INT", |n| {
        n.iter().any(|f| f.starts_with(".out.tmp"))
    });
    assert_eq!(code, Some(130), "{err}");
    assert_eq!(names_in(tmp.path()), vec!["feed.json".to_string()], "an interrupted bulletin left files");
}

/// Issue 7: 100,000 feed items were all taken (5.4 GB before rendering started); a bulletin
/// now takes at most samachar::limits::MAX_ARTICLES and says so.
#[test]
fn bulletin_with_more_articles_than_the_cap_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let items: Vec<String> =
        (0..1001).map(|i| format!("{{\"title\": \"ख़बर {i}\", \"body\": \"बारिश हुई।\"}}")).collect();
    std::fs::write(dir.path().join("f.json"), format!("[{}]", items.join(","))).unwrap();
    let o = run(dir.path(), &["bulletin", "f.json", "-o", "b"], None);
    let e = crate::common::fails(&o);
    assert!(e.contains("1001 articles, more than one bulletin takes (1000)"), "{e}");
    assert!(!dir.path().join("b").exists());
}

/// Issue 7: a bulletin longer than its WAV can hold wrote gigabytes of render and then failed
/// ("render larger than 4 GiB"); it is now refused from the text, before rendering.
#[test]
fn bulletin_longer_than_one_wav_holds_is_refused_before_rendering() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), format!("संख्याएँ\n{}", "999999999 ".repeat(20_000))).unwrap();
    let o = run(dir.path(), &["bulletin", "a.txt", "-o", "b", "--sample-rate", "48000"], None);
    let e = crate::common::fails(&o);
    assert!(e.contains("longer than one WAV file holds at 48000 Hz (6.2 h)"), "{e}");
    assert!(!dir.path().join("b").exists());
}

/// Issue 8: feed boilerplate ("Read more »", photo credits, "ये भी पढ़ें") was read out.
#[test]
fn feed_boilerplate_is_dropped_from_articles() {
    let feed = r#"[{"title": "बारिश", "body": "<p>बारिश हुई। Read more »</p><p>फोटो: पीटीआई</p><p>ये भी पढ़ें: सोना सस्ता</p><p>धूप निकली।</p><p>Follow us on Twitter</p>"}]"#;
    let items = samachar::bulletin::input::load_all(&["-".to_string()], &mut feed.as_bytes());
    let a = items[0].as_ref().unwrap();
    assert_eq!(a.body, "बारिश हुई।\nधूप निकली।");
    assert_eq!(a.headline, "बारिश");
}

/// A JSON feed item with "format": "ssml" is read by the SSML reader; malformed SSML names the
/// item and the line:column in its body; an unknown format is an error.
#[test]
fn json_feed_items_may_be_ssml() {
    let feed = r#"[{"title": "मौसम", "format": "ssml", "body": "<speak><p>बारिश <break time=\"300ms\"/> हुई।</p><p><sub alias=\"विश्व स्वास्थ्य संगठन\">WHO</sub> ने कहा।</p></speak>"},
 {"title": "ख़राब", "format": "ssml", "body": "<speak>\n<p>क</s></speak>"},
 {"title": "अज्ञात", "format": "markdown", "body": "क"}]"#;
    let items = samachar::bulletin::input::load_all(&["-".to_string()], &mut feed.as_bytes());
    let a = items[0].as_ref().unwrap();
    assert!(a.ssml);
    let doc = a.body_document();
    let words: Vec<&str> = doc.blocks.iter().flat_map(|b| &b.sentences).flat_map(|s| s.words()).collect();
    assert_eq!(words.join(" "), "बारिश हुई विश्व स्वास्थ्य संगठन ने कहा");
    let toks = doc.blocks.iter().flat_map(|b| &b.sentences).flat_map(|s| &s.tokens);
    assert!(toks.into_iter().any(|t| matches!(t, samachar::text::Token::Control(_))));
    let e = items[1].as_ref().unwrap_err().error.to_string();
    assert!(e.starts_with("<stdin>#2:2:"), "{e}");
    let e = items[2].as_ref().unwrap_err().error.to_string();
    assert!(e.contains("unknown \"format\": \"markdown\""), "{e}");
}

/// Issue 7: feed text reached the SRT raw: `<font color=…>`/`<i>` made ffmpeg and players hide
/// or restyle the text, and a `-->` inside a sentence made a second timing line.
#[test]
fn srt_captions_neutralize_tags_and_arrows_from_article_text() {
    let dir = tempfile::tempdir().unwrap();
    // Tags written as entities in a JSON feed become literal `<`/`>` in the article text.
    let feed = r##"[{"title": "&lt;font color=\"#000000\"&gt;छिपी ख़बर&lt;/font&gt;", "body": "पहला &lt;i&gt;वाक्य&lt;/i&gt; है। तीर --&gt; यहाँ है।"}]"##;
    std::fs::write(dir.path().join("f.json"), feed).unwrap();
    succeeds(&run(dir.path(), &["bulletin", "f.json", "-o", "out", "--date", DATE], None));
    let out = dir.path().join("out");
    let m = manifest(&out);
    assert_schema_valid(&m);
    let texts: Vec<&str> = m["sentences"].as_array().unwrap().iter().map(|s| s["text"].as_str().unwrap()).collect();
    assert!(texts.iter().any(|t| t.contains("<font")) && texts.iter().any(|t| t.contains("-->")), "{texts:?}");
    let srt = std::fs::read_to_string(out.join("bulletin.srt")).unwrap();
    assert_eq!(srt.matches("-->").count(), texts.len(), "one timing line per cue: {srt}");
    assert!(!srt.contains('<'), "no markup left: {srt}");
    let cues = parse_captions(&srt);
    assert_eq!(cues.len(), texts.len());
    for (c, t) in cues.iter().zip(&texts) {
        assert_eq!(c.3, t.replace('<', "‹").replace('>', "›"), "cue text shown as written");
    }
    // ffmpeg (installed in CI) reads every cue back, with its text.
    match Command::new("ffmpeg").arg("-version").output() {
        Ok(o) if o.status.success() => {
            let o = Command::new("ffmpeg")
                .args(["-v", "error", "-i"])
                .arg(out.join("bulletin.srt"))
                .args(["-f", "webvtt", "-"])
                .output()
                .unwrap();
            assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
            let back = String::from_utf8_lossy(&o.stdout).into_owned();
            let back_cues = parse_captions(&back);
            assert_eq!(back_cues.len(), texts.len(), "ffmpeg read every cue: {back}");
            for (c, t) in back_cues.iter().zip(&texts) {
                let shown = t.replace('<', "‹").replace('>', "›");
                assert_eq!(c.3.split_whitespace().collect::<Vec<_>>(), shown.split_whitespace().collect::<Vec<_>>());
            }
        }
        _ => eprintln!("ffmpeg not installed: SRT read-back check skipped"),
    }
}

/// Issue 7: a U+202E in a headline reversed the rest of the listening page.
#[test]
fn bidi_controls_in_a_headline_do_not_spill_into_the_listening_page() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\u{202E}उलटी \u{2067}ख़बर\u{200F}\nपहला\u{202D} वाक्य\u{061C} यहाँ है। दूसरा\u{200E} वाक्य।\n";
    std::fs::write(dir.path().join("a.txt"), text).unwrap();
    succeeds(&run(dir.path(), &["bulletin", "a.txt", "-o", "out", "--date", DATE, "--html"], None));
    let page = std::fs::read_to_string(dir.path().join("out").join("index.html")).unwrap();
    let bidi =
        |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    assert!(!page.chars().any(bidi), "bidi controls left in the page");
    // The text as read, without the tags (each written word is its own element).
    let mut plain = String::new();
    let mut in_tag = false;
    for c in page.chars() {
        match c {
            '<' => in_tag = true,
            '>' => in_tag = false,
            c if !in_tag => plain.push(c),
            _ => {}
        }
    }
    assert!(plain.contains("उलटी ख़बर") && plain.contains("पहला वाक्य यहाँ है।"), "{plain}");
    // Every sentence and headline is isolated from its neighbours.
    let spans = page.matches("<span class=\"s\"").count();
    assert!(spans >= 4, "{spans}");
    assert_eq!(page.matches("<span class=\"s\" id=\"").count(), spans);
    assert_eq!(page.matches("dir=\"auto\"").count(), spans, "each sentence span has dir=auto");
    assert!(page.contains("<bdi>उलटी ख़बर</bdi>"), "the headline link is isolated");
}

/// The page was clean but captions, chapters, the manifest and the WAV's chapter titles
/// still carried a headline's U+202E, reversing the rest of a caption line in a player.
#[test]
fn bidi_controls_in_a_headline_do_not_reach_captions_chapters_or_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let text = "\u{202E}उलटी \u{2067}ख़बर\u{200F}\nपहला\u{202D} वाक्य\u{061C} यहाँ है। दूसरा\u{200E} वाक्य।\n";
    std::fs::write(dir.path().join("a.txt"), text).unwrap();
    succeeds(&run(dir.path(), &["bulletin", "a.txt", "-o", "out", "--date", DATE], None));
    let bidi =
        |c: char| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    for f in ["bulletin.srt", "bulletin.vtt", "chapters.json", "manifest.json"] {
        let text = std::fs::read_to_string(dir.path().join("out").join(f)).unwrap();
        assert!(!text.chars().any(bidi), "bidi controls left in {f}");
    }
    // The WAV's chapter labels (its samples may hold any bytes).
    let labels = parse_riff(&dir.path().join("out").join("bulletin.wav")).labels;
    assert!(labels.iter().any(|(_, l)| l.contains("उलटी ख़बर")), "{labels:?}");
    assert!(!labels.iter().any(|(_, l)| l.chars().any(bidi)), "bidi controls left in WAV labels: {labels:?}");
    let srt = std::fs::read_to_string(dir.path().join("out").join("bulletin.srt")).unwrap();
    assert!(srt.contains("उलटी ख़बर") && srt.contains("पहला वाक्य यहाँ है।"), "{srt}");
}

/// Issue 7: `--loudness -5` silently ended at −11.3 LUFS with a true peak above −1 dBTP.
#[test]
fn unreachable_loudness_target_keeps_the_peak_ceiling_warns_and_is_recorded() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("a.txt"), ARTICLES[0].1).unwrap();
    let o = run(dir.path(), &["bulletin", "a.txt", "-o", "out", "--date", DATE, "--loudness", "-5", "--quiet"], None);
    succeeds(&o);
    let e = stderr(&o);
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 1, "{e}");
    assert!(lines[0].starts_with("samachar: warning: loudness target -5.0 LUFS not reached: the bulletin is -"), "{e}");
    let out = dir.path().join("out");
    let m = manifest(&out);
    assert_schema_valid(&m);
    let (spec, s) = samples(&out.join("bulletin.wav"));
    let (lufs, tp) = loudness(spec, &s);
    assert!(tp <= -1.0, "true peak {tp:.3} dBTP over the -1 dBTP ceiling");
    assert!(lufs < -5.5, "{lufs}");
    assert!(lines[0].contains(&format!("is {:.1} LUFS", m["loudness"]["measured_lufs"].as_f64().unwrap())), "{e}");
    assert_eq!(m["loudness"]["reached"], false);
    assert_eq!(m["loudness"]["target_lufs"], -5.0);
    assert!((m["loudness"]["measured_lufs"].as_f64().unwrap() - lufs).abs() < 0.2, "{lufs} vs {}", m["loudness"]);
    assert!(m["loudness"]["true_peak_dbtp"].as_f64().unwrap() <= -1.0);
    // ffmpeg's meter (installed in CI) resamples to 192 kHz and finds peaks a 4× meter at
    // 22.05 kHz misses: it read −0.7 dBTP for a bulletin measured at −1.2 with 4×.
    match ffmpeg_true_peak(&out.join("bulletin.wav")) {
        Some(tp) => assert!(tp <= -1.0, "ffmpeg reads the true peak as {tp} dBTP"),
        None => eprintln!("ffmpeg not installed: its true-peak check skipped"),
    }
}

/// Returns the true peak ffmpeg's `ebur128` filter reports (dBTP, one decimal), if ffmpeg runs.
fn ffmpeg_true_peak(wav: &Path) -> Option<f64> {
    let o = Command::new("ffmpeg")
        .args(["-hide_banner", "-nostats", "-i"])
        .arg(wav)
        .args(["-af", "ebur128=peak=true", "-f", "null", "-"])
        .output()
        .ok()?;
    if !o.status.success() {
        return None;
    }
    let err = String::from_utf8_lossy(&o.stderr);
    let line = err.lines().rev().find(|l| l.trim_start().starts_with("Peak:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

const GOOD_RSS_ITEM: &str =
    "<item><title>किसानों को राहत</title><description>सरकार ने नई योजना घोषित की।</description></item>";

/// Issue 7: under `--keep-going` one bad item (no `body`, a duplicate key) dropped its whole
/// feed; the item alone is skipped now, named in the manifest with file, item and reason.
#[test]
fn keep_going_skips_one_bad_feed_item_and_keeps_the_rest() {
    let dir = tempfile::tempdir().unwrap();
    let json = r#"[
  {"title": "स्कूलों में छुट्टी", "body": "ठंड के कारण स्कूल बंद रहेंगे।"},
  {"title": "बिना पाठ"},
  {"title": "दोहरा", "title": "दोहरा", "body": "क।"},
  {"title": "चुनाव की तैयारी", "body": "आयोग ने तैयारियाँ पूरी कर लीं।"}
]"#;
    let rss = format!(
        "<rss version=\"2.0\"><channel><title>t</title>{GOOD_RSS_ITEM}<item><title> </title><description>&lt;br&gt;</description></item>{GOOD_RSS_ITEM}</channel></rss>"
    );
    std::fs::write(dir.path().join("feed.json"), json).unwrap();
    std::fs::write(dir.path().join("feed.rss"), rss).unwrap();
    let e = fails(&run(dir.path(), &["bulletin", "feed.json", "-o", "out", "--date", DATE], None));
    assert!(e.contains("feed.json:3:") && e.contains("item 2: missing field `body`"), "{e}");
    let o = run(dir.path(), &["bulletin", "feed.json", "feed.rss", "-o", "out", "--date", DATE, "--keep-going"], None);
    succeeds(&o);
    let e = stderr(&o);
    let warnings: Vec<&str> = e.lines().filter(|l| l.starts_with("samachar: warning: skipping ")).collect();
    assert_eq!(warnings.len(), 3, "{e}");
    let m = check_bulletin(&dir.path().join("out"), 4, -16.0);
    let sources: Vec<&str> = m["articles"].as_array().unwrap().iter().map(|a| a["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["feed.json#1", "feed.json#4", "feed.rss#1", "feed.rss#3"]);
    let skipped = m["skipped"].as_array().unwrap();
    let got: Vec<(&str, &str, u64)> = skipped
        .iter()
        .map(|s| (s["source"].as_str().unwrap(), s["file"].as_str().unwrap(), s["item"].as_u64().unwrap()))
        .collect();
    assert_eq!(got, [("feed.json#2", "feed.json", 2), ("feed.json#3", "feed.json", 3), ("feed.rss#2", "feed.rss", 2)]);
    assert!(skipped[0]["reason"].as_str().unwrap().contains("missing field `body`"), "{skipped:?}");
    assert!(skipped[1]["reason"].as_str().unwrap().contains("duplicate field `title`"), "{skipped:?}");
    assert!(skipped[2]["reason"].as_str().unwrap().contains("no speakable text"), "{skipped:?}");
}

/// Issue 7: `bulletin DIR` read every file in DIR: a `sources.tsv` became an article and a
/// `.png` failed the bulletin. Only article text and feeds are read; the rest is named.
#[test]
fn directory_input_reads_only_articles_and_feeds_and_names_what_it_left_out() {
    let dir = tempfile::tempdir().unwrap();
    let arts = write_articles(dir.path());
    std::fs::write(arts.join("sources.tsv"), "file\tsource\n01-bazaar.txt\tएजेंसी\n").unwrap();
    std::fs::write(arts.join("logo.png"), b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\xff\xfe").unwrap();
    std::fs::write(arts.join(".draft.txt"), "अधूरी ख़बर\nअभी नहीं।\n").unwrap();
    std::fs::write(arts.join("04-feed.json"), JSON).unwrap();
    std::fs::create_dir(arts.join("old")).unwrap();
    std::fs::write(arts.join("old").join("x.txt"), "पुरानी\nख़बर।\n").unwrap();
    let o = run(dir.path(), &["bulletin", "articles", "-o", "out", "--date", DATE, "--quiet"], None);
    succeeds(&o);
    let e = stderr(&o);
    let lines: Vec<&str> = e.lines().collect();
    assert_eq!(lines.len(), 1, "one warning line: {e}");
    assert!(lines[0].starts_with("samachar: warning: not reading 4 files"), "{e}");
    for name in ["articles/.draft.txt", "articles/logo.png", "articles/old", "articles/sources.tsv"] {
        assert!(lines[0].contains(name), "{name}: {e}");
    }
    let m = check_bulletin(&dir.path().join("out"), 5, -16.0);
    let sources: Vec<&str> = m["articles"].as_array().unwrap().iter().map(|a| a["source"].as_str().unwrap()).collect();
    assert_eq!(
        sources,
        [
            "articles/01-bazaar.txt",
            "articles/02-mausam.txt",
            "articles/03-khel.txt",
            "articles/04-feed.json#1",
            "articles/04-feed.json#2"
        ]
    );
    let ignored: Vec<(&str, &str)> = m["ignored_files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| (i["file"].as_str().unwrap(), i["reason"].as_str().unwrap()))
        .collect();
    assert_eq!(ignored.len(), 4, "{ignored:?}");
    assert_eq!(ignored[0], ("articles/.draft.txt", "hidden file"));
    assert!(ignored[1].0 == "articles/logo.png" && ignored[1].1.starts_with("not an article or feed"), "{ignored:?}");
    assert!(ignored[2].0 == "articles/old" && ignored[2].1.starts_with("subdirectory"), "{ignored:?}");
    assert_eq!(ignored[3].0, "articles/sources.tsv");
}

/// Issue 7: absolute paths of inputs and voice files were published in manifest.json.
#[test]
fn manifest_names_inputs_and_voice_files_relative_to_the_working_directory_or_by_file_name() {
    let dir = tempfile::tempdir().unwrap();
    let elsewhere = tempfile::tempdir().unwrap();
    let inside = dir.path().join("in").join("a.txt");
    std::fs::create_dir(inside.parent().unwrap()).unwrap();
    std::fs::write(&inside, ARTICLES[0].1).unwrap();
    let outside = elsewhere.path().join("b.json");
    std::fs::write(&outside, JSON).unwrap();
    let bad = elsewhere.path().join("bad.txt");
    std::fs::write(&bad, b"\xff\xfe\xfd").unwrap();
    let voice = elsewhere.path().join("my-voice.toml");
    std::fs::write(&voice, include_str!("../../voices/arjun.toml")).unwrap();
    let o = run(
        dir.path(),
        &[
            "bulletin",
            inside.to_str().unwrap(),
            outside.to_str().unwrap(),
            bad.to_str().unwrap(),
            "--voice",
            voice.to_str().unwrap(),
            "--keep-going",
            "-o",
            "out",
            "--date",
            DATE,
        ],
        None,
    );
    succeeds(&o);
    // Messages on the terminal still name the files as given.
    assert!(stderr(&o).contains(bad.to_str().unwrap()), "{}", stderr(&o));
    let text = std::fs::read_to_string(dir.path().join("out").join("manifest.json")).unwrap();
    for p in [dir.path(), elsewhere.path()] {
        assert!(!text.contains(p.to_str().unwrap()), "{} published: {text}", p.display());
    }
    let m = check_bulletin(&dir.path().join("out"), 3, -16.0);
    let sources: Vec<&str> = m["articles"].as_array().unwrap().iter().map(|a| a["source"].as_str().unwrap()).collect();
    assert_eq!(sources, ["in/a.txt", "b.json#1", "b.json#2"]);
    assert_eq!(m["voice"]["name"], "my-voice.toml");
    assert_eq!(m["skipped"][0]["source"], "bad.txt");
    let reason = m["skipped"][0]["reason"].as_str().unwrap();
    assert!(reason.starts_with("bad.txt: the text is UTF-16LE"), "{reason}");
}

/// This machine (and CI) has no sound card: `--play` must not cost the bulletin.
#[cfg(feature = "play")]
#[test]
fn bulletin_play_without_an_audio_device_writes_the_bulletin_and_warns() {
    let dir = tempfile::tempdir().unwrap();
    write_articles(dir.path());
    let o = run(dir.path(), &["bulletin", "articles", "-o", "b", "--date", DATE, "--play"], None);
    succeeds(&o);
    let e = stderr(&o);
    let warnings: Vec<&str> = e.lines().filter(|l| l.starts_with("samachar: warning:")).collect();
    assert_eq!(warnings.len(), 1, "{e}");
    assert!(warnings[0].contains("audio") && warnings[0].contains("without playing it"), "{e}");
    assert!(names_in(&dir.path().join("b")).contains(&"bulletin.wav".to_string()));
    assert!(hound::WavReader::open(dir.path().join("b/bulletin.wav")).unwrap().len() > 0);
}

#[test]
fn bulletin_dash_o_dash_is_refused_instead_of_making_a_directory_named_dash() {
    let dir = tempfile::tempdir().unwrap();
    write_articles(dir.path());
    let e = fails(&run(dir.path(), &["bulletin", "articles", "-o", "-", "--date", DATE], None));
    assert!(e.contains("standard output") && e.contains("./-"), "{e}");
    assert_eq!(names_in(dir.path()), ["articles"]);
}

/// Issue 8: the marks of SSML feed items were dropped; manifest.json lists each with its
/// article, sentence and time inside that sentence's span.
#[test]
fn ssml_marks_of_feed_items_are_in_the_manifest() {
    let dir = tempfile::tempdir().unwrap();
    let feed = r#"[{"title": "मौसम", "format": "ssml", "body": "<speak><p>आज बारिश <mark name=\"rain\"/>हुई।</p></speak>"},
 {"title": "खेल", "body": "टीम जीती।"}]"#;
    std::fs::write(dir.path().join("f.json"), feed).unwrap();
    succeeds(&run(dir.path(), &["bulletin", "f.json", "-o", "out", "--date", DATE], None));
    let m = manifest(&dir.path().join("out"));
    assert_schema_valid(&m);
    let marks = m["marks"].as_array().unwrap();
    assert_eq!(marks.len(), 1, "{marks:?}");
    let mk = &marks[0];
    assert_eq!(mk["name"], "rain");
    assert_eq!(mk["article"], 1);
    let s = m["sentences"].as_array().unwrap().iter().find(|s| s["id"] == mk["sentence"]).unwrap();
    assert_eq!(s["text"], "आज बारिश हुई।");
    let at = mk["sample"].as_u64().unwrap();
    assert!(s["start_sample"].as_u64().unwrap() < at && at < s["end_sample"].as_u64().unwrap(), "{mk} in {s}");
    let rate = m["audio"]["sample_rate"].as_f64().unwrap();
    assert!((mk["time"].as_f64().unwrap() - at as f64 / rate).abs() < 1e-6);
}
