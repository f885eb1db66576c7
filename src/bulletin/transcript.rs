//! `transcript.json`: the Podcasting 2.0 JSON transcript of a bulletin
//! (<https://github.com/Podcastindex-org/podcast-namespace>, `transcripts/transcripts.md`):
//! one segment per spoken sentence, with its start and end in seconds and its text.
//!
//! In: the manifest's sentences (timed to the sample by the renderer). Out: JSON text.
//! Times are rounded to the millisecond; there are no word timings yet.

use super::manifest::SentenceEntry;

/// Rounds seconds to the millisecond (JSON stays short and readable).
fn ms(s: f64) -> f64 {
    (s * 1000.0).round() / 1000.0
}

/// Returns the JSON transcript (version 1.0.0) of these sentences, in order.
pub fn json(sentences: &[SentenceEntry]) -> String {
    let segments: Vec<serde_json::Value> = sentences
        .iter()
        .map(|s| serde_json::json!({ "startTime": ms(s.start), "endTime": ms(s.end), "body": s.text }))
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
            id: "s".into(),
            role: "body".into(),
            article: Some(1),
            text: text.into(),
            start,
            end,
            start_sample: 0,
            end_sample: 0,
        };
        let v: serde_json::Value =
            serde_json::from_str(&json(&[s("पहला।", 0.0, 1.23456), s("\"दो\" & <तीन>", 1.5, 2.0)])).unwrap();
        assert_eq!(v["version"], "1.0.0");
        let seg = v["segments"].as_array().unwrap();
        assert_eq!(seg.len(), 2);
        assert_eq!(seg[0]["endTime"], 1.235);
        assert_eq!(seg[1]["startTime"], 1.5);
        assert_eq!(seg[1]["body"], "\"दो\" & <तीन>");
    }
}
