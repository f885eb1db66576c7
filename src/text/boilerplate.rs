//! Feed boilerplate: lines of an article body that are page furniture, not news ("Read more
//! »", "फोटो: …", "ये भी पढ़ें: …", share and follow lines). Bulletins drop them
//! ([`crate::bulletin`] calls [`strip`] on every article body); `speak` and `phonemize` read
//! text as given. The patterns are `lexicon/boilerplate.tsv`.

use super::normalize::word_form;
use super::tables::tables;

/// Characters stripped from the end of a line before it is compared: arrows, guillemets,
/// ellipses, dots and brackets around "[Read more]".
const TRAILING: &[char] = &['»', '›', '→', '>', '…', '.', ' ', ']', ')', '|', '-', ':'];

/// Returns `body` without its boilerplate lines, and with a trailing "Read more »" cut off
/// the end of a line that ends a sentence before it. Other lines are kept as written.
pub fn strip(body: &str) -> String {
    let t = tables();
    let mut out: Vec<String> = Vec::new();
    for line in body.lines() {
        let base = compare_base(line);
        let key = base.to_ascii_lowercase();
        let key = key.trim_end_matches(TRAILING);
        if key.is_empty() {
            out.push(line.to_string());
            continue;
        }
        let mut drop = false;
        let mut cut: Option<usize> = None;
        for (pat, whole) in &t.boilerplate {
            if *whole {
                if key == pat {
                    drop = true;
                } else if let Some(head) = key.strip_suffix(pat.as_str()) {
                    // "… हुई। Read more »": the tail goes, the sentence stays.
                    if head.trim_end().ends_with(['।', '.', '!', '?', '|']) {
                        cut = Some(cut.map_or(head.len(), |c: usize| c.min(head.len())));
                    }
                }
            } else if key.starts_with(pat.as_str()) {
                drop = true;
            }
        }
        if drop {
            continue;
        }
        // `key` is `base` ASCII-lower-cased, so its byte offsets are those of `base`.
        out.push(match cut {
            Some(n) => base[..n].trim_end().to_string(),
            None => line.to_string(),
        });
    }
    out.join("\n")
}

/// Returns the line in word form with single spaces and no space before a colon (the
/// patterns are compared with its lower-cased form).
fn compare_base(line: &str) -> String {
    word_form(line).split_whitespace().collect::<Vec<_>>().join(" ").replace(" :", ":")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boilerplate_lines_are_dropped() {
        let body = "बारिश हुई।\nRead more »\nफोटो : पीटीआई\nये भी पढ़ें: सोना सस्ता\nAlso Read: Gold price\nधूप निकली।\nFollow us on Twitter\nऔर पढ़ें...";
        assert_eq!(strip(body), "बारिश हुई।\nधूप निकली।");
    }

    #[test]
    fn read_more_after_a_sentence_is_cut_off() {
        assert_eq!(strip("बारिश हुई। Read more »"), "बारिश हुई।");
        assert_eq!(strip("बारिश हुई। और पढ़ें"), "बारिश हुई।");
    }

    #[test]
    fn news_that_mentions_the_words_is_kept() {
        let body =
            "उन्होंने कहा कि और पढ़ें तो अच्छा\nफोटो पत्रकार को सम्मान मिला।\nmarket share\nबाजार में शेयर करें या नहीं, यह सवाल है।";
        assert_eq!(strip(body), body);
    }
}
