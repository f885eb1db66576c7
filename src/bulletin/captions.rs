//! Captions: one cue per spoken sentence, as SubRip (SRT) and WebVTT.
//!
//! In: [`Cue`]s whose times are sample counts from the renderer. Out: caption text. Times
//! are converted once, here, by rounding the exact sample time to the nearest millisecond,
//! so a cue starts within 0.5 ms of its sentence's first sample.
//!
//! WebVTT cues also carry word timestamps (karaoke tags, `<00:00:01.200>`) before each
//! written word: the start of the first word spoken for it ([`CueWord`]). A tag that would
//! not lie strictly inside the cue and after the tag before it (WebVTT's rule) is left out.
//! SubRip has no such tags and stays one plain line per cue.

use std::fmt::Write;

/// One caption cue: a sentence and where its audio lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cue {
    /// Identifier (`s1`, `s2`, …), shared with the manifest and the listening page.
    pub id: String,
    /// First sample of the sentence.
    pub start: u64,
    /// One past its last sample.
    pub end: u64,
    /// The sentence as written.
    pub text: String,
    /// Where its written words start (empty without word timings).
    pub words: Vec<CueWord>,
}

/// Where a written word of a cue starts: the first sample of the first word spoken for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CueWord {
    /// 0-based index of the written word: the whitespace-separated runs of the cue text.
    pub token: usize,
    /// Its first sample.
    pub start: u64,
}

/// Returns the nearest whole millisecond of a sample position.
pub fn millis(sample: u64, sample_rate: u32) -> u64 {
    let sr = u64::from(sample_rate.max(1));
    (sample * 1000 + sr / 2) / sr
}

fn stamp(ms: u64, sep: char) -> String {
    let (h, m, s, f) = (ms / 3_600_000, ms / 60_000 % 60, ms / 1000 % 60, ms % 1000);
    format!("{h:02}:{m:02}:{s:02}{sep}{f:03}")
}

/// Parses an `HH:MM:SS,mmm` / `HH:MM:SS.mmm` (or `MM:SS.mmm`) time into milliseconds.
pub fn parse_stamp(s: &str) -> Option<u64> {
    let s = s.trim().replace(',', ".");
    let (hms, frac) = s.split_once('.')?;
    let parts: Vec<u64> = hms.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let secs = parts.iter().fold(0, |acc, p| acc * 60 + p);
    (frac.len() == 3).then_some(())?;
    Some(secs * 1000 + frac.parse::<u64>().ok()?)
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Returns cue text that SubRip readers show as written. SRT has no escapes, yet ffmpeg,
/// VLC and most players read `<i>`, `<font …>`, `{\an8}` and MicroDVD's `{y:i}` in it as
/// markup (hiding the text or restyling it) and a `-->` as a timing line (dropping the
/// cue), so angle brackets become the look-alike single guillemets `‹ ›` (which also
/// breaks every `-->`) and every `{` and `\` is followed by an invisible word joiner
/// (U+2060): ffmpeg reads the ASS escapes `\N`, `\n` (line breaks) and `\h` in SRT text.
pub fn srt_text(text: &str) -> String {
    one_line(text)
        .replace('<', "\u{2039}")
        .replace('>', "\u{203A}")
        .replace('{', "{\u{2060}")
        .replace('\\', "\\\u{2060}")
}

/// Writes SubRip captions; cue text goes through [`srt_text`].
pub fn srt(cues: &[Cue], sample_rate: u32) -> String {
    let mut out = String::new();
    for (i, c) in cues.iter().enumerate() {
        let _ = write!(
            out,
            "{}\n{} --> {}\n{}\n\n",
            i + 1,
            stamp(millis(c.start, sample_rate), ','),
            stamp(millis(c.end, sample_rate), ','),
            srt_text(&c.text)
        );
    }
    out
}

/// Writes WebVTT captions; each cue's identifier is its sentence id.
pub fn vtt(cues: &[Cue], sample_rate: u32) -> String {
    let mut out = String::from("WEBVTT\n\n");
    for c in cues {
        let (start, end) = (millis(c.start, sample_rate), millis(c.end, sample_rate));
        // Cue text is markup in WebVTT: escape what would start a tag or an entity.
        let escape = |w: &str| w.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
        let mut text = String::new();
        let mut last = start;
        for (k, w) in c.text.split_whitespace().enumerate() {
            if k > 0 {
                text.push(' ');
            }
            if let Some(cw) = c.words.iter().find(|cw| cw.token == k) {
                let ms = millis(cw.start, sample_rate);
                if ms > last && ms < end {
                    let _ = write!(text, "<{}>", stamp(ms, '.'));
                    last = ms;
                }
            }
            text.push_str(&escape(w));
        }
        let _ = write!(out, "{}\n{} --> {}\n{}\n\n", c.id, stamp(start, '.'), stamp(end, '.'), text);
    }
    out
}

/// A cue read back from a caption file: (start ms, end ms, text).
pub type ParsedCue = (u64, u64, String);

/// Splits WebVTT cue text into its word timestamps (ms) and the text without them: the
/// timestamp tags `<HH:MM:SS.mmm>` are taken out, other text is kept as it is.
pub fn strip_timestamps(text: &str) -> (Vec<u64>, String) {
    let mut stamps = Vec::new();
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(i) = rest.find('<') {
        out.push_str(&rest[..i]);
        let tail = &rest[i..];
        match tail.find('>').and_then(|j| parse_stamp(&tail[1..j]).map(|ms| (j, ms))) {
            Some((j, ms)) => {
                stamps.push(ms);
                rest = &tail[j + 1..];
            }
            None => {
                out.push('<');
                rest = &tail[1..];
            }
        }
    }
    out.push_str(rest);
    (stamps, out)
}

/// Reads SRT or VTT text back into cues (for checks and tests). Returns `None` on a
/// malformed timing line.
pub fn parse(text: &str) -> Option<Vec<ParsedCue>> {
    let mut cues = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some((a, b)) = line.split_once("-->") {
            let start = parse_stamp(a)?;
            let end = parse_stamp(b.split_whitespace().next()?)?;
            let mut body = Vec::new();
            while let Some(l) = lines.peek() {
                if l.trim().is_empty() {
                    break;
                }
                body.push(lines.next()?.to_string());
            }
            cues.push((start, end, body.join("\n")));
        }
    }
    Some(cues)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_round_samples_to_the_nearest_millisecond() {
        assert_eq!(millis(22_050, 22_050), 1000);
        assert_eq!(millis(11, 22_050), 0); // 0.499 ms
        assert_eq!(millis(12, 22_050), 1); // 0.544 ms
        assert_eq!(stamp(3_723_004, ','), "01:02:03,004");
        assert_eq!(parse_stamp("01:02:03.004"), Some(3_723_004));
    }

    /// Issue 7: feed text reached SRT raw, so `<font color=…>`/`<i>` hid or restyled the
    /// text in ffmpeg and players, and a `-->` in a sentence made a second timing line.
    #[test]
    fn srt_cue_text_with_tags_and_arrows_is_neutralized() {
        let text = "<font color=\"#000000\">छिपा</font> <i>तिरछा</i> क --> ख {\\an8}ऊपर {y:i} एक\\Nदो\\hतीन";
        let cues = vec![Cue { id: "s1".into(), start: 0, end: 22_050, text: text.into(), words: Vec::new() }];
        let s = srt(&cues, 22_050);
        let body = s.lines().nth(2).unwrap();
        assert!(!body.contains('<') && !body.contains('>') && !body.contains("{\\"), "{body}");
        assert!(!body.contains("\\N") && !body.contains("\\h"), "ASS escapes are broken: {body}");
        assert_eq!(s.matches("-->").count(), 1, "one timing line: {s}");
        assert_eq!(body, "‹font color=\"#000000\"›छिपा‹/font› ‹i›तिरछा‹/i› क --› ख {\u{2060}\\\u{2060}an8}ऊपर {\u{2060}y:i} एक\\\u{2060}Nदो\\\u{2060}hतीन");
        let p = parse(&s).unwrap();
        assert_eq!(p.len(), 1);
        // VTT keeps its escapes.
        let v = vtt(&cues, 22_050);
        assert!(v.contains("&lt;i&gt;तिरछा&lt;/i&gt; क --&gt; ख"), "{v}");
    }

    #[test]
    fn srt_and_vtt_round_trip() {
        let cues = vec![
            Cue {
                id: "s1".into(), start: 0, end: 22_050, text: "पहला <वाक्य> & ।".into(), words: Vec::new()
            },
            Cue {
                id: "s2".into(), start: 33_075, end: 44_100, text: "दूसरा\nवाक्य।".into(), words: Vec::new()
            },
        ];
        let s = srt(&cues, 22_050);
        assert!(s.starts_with("1\n00:00:00,000 --> 00:00:01,000\nपहला ‹वाक्य› & ।\n"), "{s}");
        let v = vtt(&cues, 22_050);
        assert!(v.starts_with("WEBVTT\n\ns1\n00:00:00.000 --> 00:00:01.000\nपहला &lt;वाक्य&gt; &amp; ।\n"));
        for text in [s, v] {
            let p = parse(&text).unwrap();
            assert_eq!(p.len(), 2);
            assert_eq!((p[1].0, p[1].1), (1500, 2000));
            assert_eq!(p[1].2, "दूसरा वाक्य।");
        }
    }

    #[test]
    fn vtt_cues_carry_a_timestamp_before_each_timed_word_strictly_inside_the_cue() {
        let words = vec![
            CueWord { token: 0, start: 22_050 }, // = cue start: left out
            CueWord { token: 1, start: 26_460 }, // 1.200 s
            CueWord { token: 2, start: 26_460 }, // not after the previous tag: left out
            CueWord { token: 3, start: 33_075 }, // 1.500 s
        ];
        let cues = vec![Cue {
            id: "s1".into(), start: 22_050, end: 44_100, text: "₹6.29 का <भाव> बढ़ा।".into(), words
        }];
        let v = vtt(&cues, 22_050);
        assert!(v.contains("\n₹6.29 <00:00:01.200>का &lt;भाव&gt; <00:00:01.500>बढ़ा।\n"), "{v}");
        let p = parse(&v).unwrap();
        let (stamps, text) = strip_timestamps(&p[0].2);
        assert_eq!(stamps, [1200, 1500]);
        assert_eq!(text, "₹6.29 का &lt;भाव&gt; बढ़ा।");
        // SRT: no tags.
        assert!(!srt(&cues, 22_050).contains("00:00:01.200>"));
    }
}
