//! Bulletin structure: articles → an ordered list of things to speak or play.
//!
//! In: [`Article`]s and [`PlanOptions`]. Out: a [`Plan`] — the opening line, then for each
//! article a chime (between articles), its headline, a pause and its body, and finally a
//! closing line. Each item knows its role and article, which is what captions, chapters and
//! the manifest are built from. It decides nothing about audio except the chime's samples.

use super::input::Article;
use crate::text::{self, BlockKind, Ending, Sentence};

/// What part of the bulletin an item is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// The opening line (title and date).
    Intro,
    /// An article's headline.
    Headline,
    /// An article's body text.
    Body,
    /// The chime that separates articles.
    Chime,
    /// The closing line.
    Closing,
}

/// The pause after an item, by structure: the renderer's own [`Gap`](crate::render::Gap),
/// so a plan item becomes a render unit without translation.
pub use crate::render::Gap as Pause;

/// One thing in the bulletin, in order.
#[derive(Debug, Clone, PartialEq)]
pub struct Item {
    /// Its part in the bulletin.
    pub role: Role,
    /// The article it belongs to (0-based), for headlines, bodies and the chime before one.
    pub article: Option<usize>,
    /// The sentence to speak; `None` for the chime.
    pub sentence: Option<Sentence>,
    /// The pause after it.
    pub pause: Pause,
}

/// A whole bulletin's structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Items in speaking order.
    pub items: Vec<Item>,
    /// The opening line as spoken, if any.
    pub intro: Option<String>,
    /// The closing line as spoken.
    pub closing: String,
}

impl Plan {
    /// Returns the number of sentences (items that are spoken).
    pub fn sentence_count(&self) -> usize {
        self.items.iter().filter(|i| i.sentence.is_some()).count()
    }
}

/// A calendar date (proleptic Gregorian).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Date {
    /// Year, e.g. 2026.
    pub year: i32,
    /// Month, 1–12.
    pub month: u32,
    /// Day of month, 1–31.
    pub day: u32,
}

/// Hindi month names, as newspapers print them.
const MONTHS: [&str; 12] =
    ["जनवरी", "फ़रवरी", "मार्च", "अप्रैल", "मई", "जून", "जुलाई", "अगस्त", "सितंबर", "अक्टूबर", "नवंबर", "दिसंबर"];

/// Returns the number of days of `month` (1-12) in `year` (proleptic Gregorian calendar).
fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 31,
    }
}

impl Date {
    /// Returns today's date in UTC.
    pub fn today() -> Date {
        let secs = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
        Date::from_days((secs / 86_400) as i64)
    }

    /// Returns the date `days` after 1970-01-01.
    pub fn from_days(days: i64) -> Date {
        // Shift to a year starting 1 March so the leap day ends the year; eras of 400
        // years (146,097 days) repeat exactly.
        let z = days + 719_468;
        let era = z.div_euclid(146_097);
        let doe = z.rem_euclid(146_097);
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        let mp = (5 * doy + 2) / 153;
        let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
        let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
        let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
        Date { year, month, day }
    }

    /// Parses `YYYY-MM-DD`: a four-digit year from 1000 to 9999 (what the manifest schema
    /// and RFC 3339 allow) and a day that exists in that month (no 2026-02-31, no 29 February
    /// outside leap years).
    pub fn parse(s: &str) -> Option<Date> {
        let mut it = s.trim().splitn(3, '-');
        let (y, m, d) = (it.next()?, it.next()?, it.next()?);
        if y.len() != 4
            || m.len() != 2
            || d.len() != 2
            || !(y.bytes().chain(m.bytes()).chain(d.bytes())).all(|b| b.is_ascii_digit())
        {
            return None;
        }
        let (year, month, day): (i32, u32, u32) = (y.parse().ok()?, m.parse().ok()?, d.parse().ok()?);
        ((1000..=9999).contains(&year) && (1..=12).contains(&month) && (1..=days_in_month(year, month)).contains(&day))
            .then_some(Date { year, month, day })
    }

    /// Returns the date as newspapers print it in Hindi: "26 नवंबर 2026" (the text front end
    /// reads the numbers as words).
    pub fn hindi(&self) -> String {
        format!("{} {} {}", self.day, MONTHS[(self.month - 1) as usize], self.year)
    }

    /// Returns `YYYY-MM-DD`.
    pub fn iso(&self) -> String {
        format!("{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

/// The default bulletin title, spoken in the opening line.
pub const DEFAULT_TITLE: &str = "आज की ख़बरें";

/// The closing line.
pub const CLOSING: &str = "ये थीं आज की ख़बरें। धन्यवाद।";

/// How to shape the bulletin.
#[derive(Debug, Clone, PartialEq)]
pub struct PlanOptions {
    /// The title spoken in the opening line.
    pub title: String,
    /// The bulletin's date.
    pub date: Date,
    /// Whether to speak the opening line.
    pub intro: bool,
}

fn sentences(text: &str) -> Vec<(Sentence, Pause)> {
    doc_sentences(&text::parse(text))
}

fn doc_sentences(doc: &text::Document) -> Vec<(Sentence, Pause)> {
    let mut out = Vec::new();
    for block in &doc.blocks {
        let n = block.sentences.len();
        for (i, s) in block.sentences.iter().enumerate() {
            // Skip units with nothing to say (a stray dash or bullet on its own).
            if !s.words().any(|w| w.chars().any(char::is_alphanumeric)) {
                continue;
            }
            let pause = if i + 1 == n {
                match block.kind {
                    BlockKind::Heading => Pause::Heading,
                    BlockKind::Paragraph => Pause::Paragraph,
                }
            } else if s.ending == Ending::Continuation {
                Pause::Comma
            } else {
                Pause::Sentence
            };
            out.push((s.clone(), pause));
        }
    }
    out
}

/// Lays out the bulletin: opening line, then per article (a chime before every article
/// but the first when there is no opening line) headline + pause + body, then the closing.
pub fn plan(articles: &[Article], opts: &PlanOptions) -> Plan {
    let mut items = Vec::new();
    let intro = opts.intro.then(|| format!("{}, {}।", opts.title.trim(), opts.date.hindi()));
    if let Some(line) = &intro {
        for (s, _) in sentences(line) {
            items.push(Item { role: Role::Intro, article: None, sentence: Some(s), pause: Pause::Sentence });
        }
        if let Some(last) = items.last_mut() {
            last.pause = Pause::Paragraph;
        }
    }
    for (a, article) in articles.iter().enumerate() {
        if !items.is_empty() {
            items.push(Item { role: Role::Chime, article: Some(a), sentence: None, pause: Pause::Paragraph });
        }
        let head = sentences(&article.headline.replace('\n', " "));
        let nhead = head.len();
        for (i, (s, p)) in head.into_iter().enumerate() {
            let pause = if i + 1 == nhead { Pause::Heading } else { p };
            items.push(Item { role: Role::Headline, article: Some(a), sentence: Some(s), pause });
        }
        for (s, p) in doc_sentences(&article.body_document()) {
            items.push(Item { role: Role::Body, article: Some(a), sentence: Some(s), pause: p });
        }
        if let Some(last) = items.last_mut() {
            last.pause = Pause::Paragraph;
        }
    }
    if let Some(last) = items.last_mut() {
        last.pause = Pause::Article;
    }
    let closing = CLOSING.to_string();
    for (s, _) in sentences(&closing) {
        items.push(Item { role: Role::Closing, article: None, sentence: Some(s), pause: Pause::Sentence });
    }
    if let Some(last) = items.last_mut() {
        last.pause = Pause::None;
    }
    Plan { items, intro, closing }
}

/// Returns the chime between articles: two soft sine tones a major third apart (E6 then
/// C6, a familiar "ding-dong"), each with a 5 ms raised-cosine attack and an exponential
/// decay, overlapping, peaking near −12 dBFS so it sits below the speech. 0.6 s long.
pub fn chime(sample_rate: u32) -> Vec<f32> {
    let sr = sample_rate as f32;
    let n = (0.6 * sr) as usize;
    // (frequency Hz, onset s, amplitude); equal-tempered E6 and C6.
    let tones = [(1318.51_f32, 0.0_f32, 0.18_f32), (1046.50, 0.16, 0.18)];
    let attack = 0.005 * sr;
    let tau = 0.12; // decay time constant, seconds
    let fade = (0.02 * sr) as usize; // final fade so the chime ends at exactly zero
    (0..n)
        .map(|i| {
            let mut v = 0.0;
            for &(f, onset, amp) in &tones {
                let k = i as f32 - onset * sr;
                if k < 0.0 {
                    continue;
                }
                let env_a = if k < attack { 0.5 - 0.5 * (std::f32::consts::PI * k / attack).cos() } else { 1.0 };
                let env_d = (-(k / sr) / tau).exp();
                // The octave partial at a quarter strength makes it bell-like, not a test tone.
                let ph = std::f32::consts::TAU * f * k / sr;
                v += amp * env_a * env_d * (ph.sin() + 0.25 * (2.0 * ph).sin());
            }
            let left = n - i;
            if left < fade {
                v *= (left - 1) as f32 / fade as f32;
            }
            v
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn art(h: &str, b: &str) -> Article {
        Article { source: "t".into(), headline: h.into(), body: b.into(), ssml: false, warnings: Vec::new() }
    }

    #[test]
    fn dates_come_from_days_and_print_in_hindi() {
        assert_eq!(Date::from_days(0), Date { year: 1970, month: 1, day: 1 });
        // 2026-11-26 is day 20,783 since the epoch.
        assert_eq!(Date::from_days(20_783).hindi(), "26 नवंबर 2026");
        assert_eq!(Date::from_days(11_016).iso(), "2000-02-29");
        assert_eq!(Date::parse("2026-02-03").unwrap().hindi(), "3 फ़रवरी 2026");
        assert!(Date::parse("2026-13-01").is_none());
    }

    #[test]
    fn plan_has_intro_chimes_between_articles_and_closing() {
        let opts = PlanOptions { title: DEFAULT_TITLE.into(), date: Date::from_days(20_783), intro: true };
        let p = plan(&[art("पहली ख़बर", "एक। दो।"), art("दूसरी ख़बर", "तीन।")], &opts);
        let roles: Vec<Role> = p.items.iter().map(|i| i.role).collect();
        use Role::*;
        assert_eq!(roles, [Intro, Chime, Headline, Body, Body, Chime, Headline, Body, Closing, Closing]);
        assert_eq!(p.intro.as_deref(), Some("आज की ख़बरें, 26 नवंबर 2026।"));
        assert_eq!(p.items[2].pause, Pause::Heading);
        assert_eq!(p.items[7].pause, Pause::Article);
        assert_eq!(p.items.last().unwrap().pause, Pause::None);
        assert_eq!(p.items[5].article, Some(1));
        assert_eq!(p.sentence_count(), 8);
        let no_intro = plan(&[art("क", "ख।")], &PlanOptions { intro: false, ..opts });
        assert_eq!(no_intro.items[0].role, Role::Headline);
        assert!(no_intro.intro.is_none());
    }

    #[test]
    fn chime_is_soft_bounded_and_ends_silent() {
        let c = chime(22_050);
        assert_eq!(c.len(), 13_230);
        let peak = c.iter().fold(0f32, |m, x| m.max(x.abs()));
        assert!(peak > 0.1 && peak < 0.5, "peak {peak}");
        assert_eq!(*c.last().unwrap(), 0.0);
        assert!(c[0].abs() < 1e-3);
    }
}
