//! `transcript.json`: the Podcasting 2.0 JSON transcript of a bulletin
//! (<https://github.com/Podcastindex-org/podcast-namespace>, `transcripts/transcripts.md`):
//! one segment per spoken sentence, with its start and end in seconds and its text, and its
//! `words`: each spoken word with its start, end, text as spoken (`body`) and the written
//! token it was read from (`written`, `token` as in the manifest).
//!
//! In: the manifest's sentences and words (timed to the sample by the renderer). Out: JSON
//! text. Times are rounded to the millisecond. Without word timings (a Kokoro voice) every
//! segment's `words` is empty.

use super::manifest::{SentenceEntry, WordEntry};

/// Rounds seconds to the millisecond (JSON stays short and readable).
fn ms(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

/// Returns the JSON transcript (version 1.0.0) of these sentences, in order, each with
/// its words (`words` in manifest order; a word belongs to the sentence its id names).
pub fn json(sentences: &[SentenceEntry], words: &[WordEntry]) -> String {
    let mut rest = words;
    let segments: Vec<serde_json::Value> = sentences
        .iter()
        .map(|s| {
            let n = rest.iter().take_while(|w| w.sentence == s.id).count();
            let (own, more) = rest.split_at(n);
            rest = more;
            let ws: Vec<serde_json::Value> = own
                .iter()
                .map(|w| {
                    serde_json::json!({
                        "startTime": ms(w.start),
                        "endTime": ms(w.end),
                        "body": w.text,
                        "written": w.written,
                        "token": w.token,
                    })
                })
                .collect();
            serde_json::json!({ "startTime": ms(s.start), "endTime": ms(s.end), "body": s.text, "words": ws })
        })
        .collect();
    let v = serde_json::json!({ "version": "1.0.0", "segments": segments });
    serde_json::to_string_pretty(&v).unwrap_or_default() + "\n"
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_segment_per_sentence_with_times_in_milliseconds() {
        let s = |text: &str, start: f64, end: f64| SentenceEntry {
            id: format!("s{}", start),
            role: "body".into(),
            article: Some(1),
            text: text.into(),
            start,
            end,
            start_sample: 0,
            end_sample: 0,
        };
        let v: serde_json::Value =
            serde_json::from_str(&json(&[s("पहला।", 0.0, 1.23456), s("\"दो\" & <तीन>", 1.5, 2.0)], &[])).unwrap();
        assert_eq!(v["version"], "1.0.0");
        let seg = v["segments"].as_array().unwrap();
        assert_eq!(seg.len(), 2);
        assert_eq!(seg[0]["endTime"], 1.235);
        assert_eq!(seg[1]["startTime"], 1.5);
        assert_eq!(seg[1]["body"], "\"दो\" & <तीन>");
        assert_eq!(seg[1]["words"], serde_json::json!([]));
    }

    #[test]
    fn each_segment_gets_the_words_of_its_sentence() {
        let sent = |id: &str, text: &str, start: f64, end: f64| SentenceEntry {
            id: id.into(),
            role: "body".into(),
            article: Some(1),
            text: text.into(),
            start,
            end,
            start_sample: 0,
            end_sample: 0,
        };
        let word = |sentence: &str, text: &str, token: usize, written: &str, start: f64, end: f64| WordEntry {
            sentence: sentence.into(),
            text: text.into(),
            token,
            written: written.into(),
            start,
            end,
            start_sample: 0,
            end_sample: 0,
        };
        let sentences = [sent("s1", "₹6 हुए।", 0.0, 1.0), sent("s2", "ठीक।", 1.5, 2.0)];
        let words = [
            word("s1", "छह", 0, "₹6", 0.03, 0.2),
            word("s1", "रुपये", 0, "₹6", 0.2, 0.5),
            word("s1", "हुए", 1, "हुए", 0.5, 0.9),
            word("s2", "ठीक", 0, "ठीक", 1.53, 1.9),
        ];
        let v: serde_json::Value = serde_json::from_str(&json(&sentences, &words)).unwrap();
        let seg = v["segments"].as_array().unwrap();
        let w0 = seg[0]["words"].as_array().unwrap();
        assert_eq!(w0.len(), 3);
        assert_eq!((w0[1]["body"].as_str(), w0[1]["written"].as_str()), (Some("रुपये"), Some("₹6")));
        assert_eq!(w0[2]["startTime"], 0.5);
        assert_eq!(seg[1]["words"][0]["body"], "ठीक");
    }
}
