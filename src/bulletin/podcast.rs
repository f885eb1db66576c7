//! A podcast feed of bulletins: RSS 2.0 with the iTunes and Podcasting 2.0 namespaces.
//!
//! In: the feed file (if it exists), the published bulletin's facts ([`Episode`]). Out: the
//! feed with the bulletin as its first `<item>` (an older item with the same `guid` is
//! replaced), at most `keep` items, written to a temporary file beside it and renamed over
//! it. An existing feed is kept as it is outside its items: only the items, their order and
//! missing namespace declarations on `<rss>` change. Elements other than items between
//! the first and last item are not kept.

use std::ops::Range;
use std::path::{Path, PathBuf};

use quick_xml::escape::escape;
use quick_xml::events::Event;

use crate::render::wav::Overwrite;
use crate::{Error, Result};

/// The iTunes podcast namespace.
pub const ITUNES_NS: &str = "http://www.itunes.com/dtds/podcast-1.0.dtd";
/// The Podcasting 2.0 namespace.
pub const PODCAST_NS: &str = "https://podcastindex.org/namespace/1.0";

/// Where the feed is and where the bulletins are published.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedOptions {
    /// The feed file, created if missing.
    pub path: PathBuf,
    /// The URL under which bulletin directories are published: a bulletin in directory
    /// `D` is at `BASE/D/`.
    pub base_url: String,
    /// Keep at most this many items (newest first); `None` keeps all.
    pub keep: Option<usize>,
}

/// The channel of a new feed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Channel {
    /// Title of the programme.
    pub title: String,
    /// Description.
    pub description: String,
    /// Publisher, for `itunes:author` (left out if empty).
    pub author: String,
}

/// One bulletin as a feed item.
#[derive(Debug, Clone, PartialEq)]
pub struct Episode {
    /// Episode title.
    pub title: String,
    /// Episode description (plain text).
    pub description: String,
    /// Globally unique, stable identifier (the bulletin directory's URL).
    pub guid: String,
    /// Publication date, RFC 2822.
    pub pub_date: String,
    /// Audio URL.
    pub audio_url: String,
    /// Audio size, bytes.
    pub length: u64,
    /// Audio MIME type.
    pub mime: &'static str,
    /// Duration, seconds.
    pub duration: f64,
    /// URL of `chapters.json`.
    pub chapters_url: String,
    /// URL of `transcript.json`.
    pub transcript_url: String,
    /// URL of the WebVTT captions.
    pub captions_url: String,
}

/// Checks a `--base-url`: an absolute http(s) URL.
pub fn check_base_url(url: &str) -> std::result::Result<String, String> {
    let ok = (url.starts_with("https://") || url.starts_with("http://"))
        && url.len() > "https://".len()
        && !url.chars().any(|c| c.is_whitespace() || c.is_control() || matches!(c, '"' | '<' | '>' | '#' | '?'));
    if !ok {
        return Err(format!("'{url}' is not a base URL (use http:// or https://, without spaces, query or fragment)"));
    }
    Ok(url.trim_end_matches('/').to_string())
}

/// Percent-encodes one URL path segment (RFC 3986: unreserved characters stay).
pub fn url_segment(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Formats a date and time of day (UTC) as RFC 2822 (`Tue, 01 Dec 2026 06:30:00 +0000`).
pub fn rfc2822(year: i32, month: u32, day: u32, secs_of_day: u32) -> String {
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    // Days since 1970-01-01 (a Thursday), from the civil date (H. Hinnant's algorithm).
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    format!(
        "{}, {day:02} {} {year:04} {:02}:{:02}:{:02} +0000",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(month.clamp(1, 12) - 1) as usize],
        secs_of_day / 3600,
        secs_of_day / 60 % 60,
        secs_of_day % 60
    )
}

/// Formats seconds as `HH:MM:SS` for `itunes:duration`.
fn hms(secs: f64) -> String {
    let s = secs.max(0.0).round() as u64;
    format!("{:02}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
}

/// An existing feed, located: where its `<rss>` tag, items and `</channel>` are.
#[derive(Debug)]
struct Parsed {
    text: String,
    /// Byte range of the `<rss …>` start tag.
    rss_tag: Range<usize>,
    /// Namespace prefixes declared on `<rss>` and their URIs.
    declared: Vec<(String, String)>,
    /// Each `<item>` of the channel: byte range and guid.
    items: Vec<(Range<usize>, Option<String>)>,
    /// Byte offset of `</channel>`.
    channel_end: usize,
}

fn feed_err(path: &Path, line: Option<usize>, problem: impl std::fmt::Display) -> Error {
    match line {
        Some(l) => Error::Other(format!("{}:{l}: feed not updated: {problem}", path.display())),
        None => Error::Other(format!("{}: feed not updated: {problem}", path.display())),
    }
}

/// Reads and locates an existing feed.
fn parse(path: &Path, text: String) -> Result<Parsed> {
    let line_at =
        |pos: usize, text: &str| text.as_bytes()[..pos.min(text.len())].iter().filter(|&&b| b == b'\n').count() + 1;
    let mut r = quick_xml::Reader::from_str(&text);
    let mut stack: Vec<Vec<u8>> = Vec::new();
    let mut rss_tag = None;
    let mut declared = Vec::new();
    let mut items = Vec::new();
    let mut channel_end = None;
    let mut item_start = 0usize;
    let mut guid: Option<String> = None;
    let mut in_guid = false;
    loop {
        let before = r.buffer_position() as usize;
        let ev = match r.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                let pos = r.error_position() as usize;
                return Err(feed_err(path, Some(line_at(pos, &text)), format!("not well-formed XML: {e}")));
            }
        };
        let after = r.buffer_position() as usize;
        let depth_is = |names: &[&[u8]], stack: &[Vec<u8>]| {
            stack.len() == names.len() && stack.iter().zip(names).all(|(a, b)| a.as_slice() == *b)
        };
        match ev {
            Event::Start(e) => {
                stack.push(e.local_name().as_ref().to_vec());
                if depth_is(&[b"rss"], &stack) {
                    rss_tag = Some(before..after);
                    for a in e.attributes().flatten() {
                        let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                        if let Some(prefix) = key.strip_prefix("xmlns:") {
                            let v = a
                                .normalized_value(quick_xml::XmlVersion::Implicit1_0)
                                .map(|v| v.into_owned())
                                .unwrap_or_default();
                            declared.push((prefix.to_string(), v));
                        }
                    }
                } else if depth_is(&[b"rss", b"channel", b"item"], &stack) {
                    item_start = before;
                    guid = None;
                } else if depth_is(&[b"rss", b"channel", b"item", b"guid"], &stack) {
                    in_guid = true;
                    guid = Some(String::new());
                }
            }
            Event::Empty(e) => {
                stack.push(e.local_name().as_ref().to_vec());
                if depth_is(&[b"rss", b"channel", b"item"], &stack) {
                    items.push((before..after, None));
                }
                stack.pop();
            }
            Event::End(_) => {
                if depth_is(&[b"rss", b"channel", b"item"], &stack) {
                    items.push((item_start..after, guid.take()));
                } else if depth_is(&[b"rss", b"channel"], &stack) {
                    channel_end.get_or_insert(before);
                }
                in_guid = false;
                stack.pop();
            }
            Event::Text(t) if in_guid => {
                if let (Some(g), Ok(s)) = (guid.as_mut(), t.decode()) {
                    g.push_str(&s);
                }
            }
            Event::GeneralRef(e) if in_guid => {
                if let (Some(g), Ok(s)) = (guid.as_mut(), e.decode()) {
                    g.push('&');
                    g.push_str(&s);
                    g.push(';');
                }
            }
            Event::CData(c) if in_guid => {
                if let Some(g) = guid.as_mut() {
                    g.push_str(&escape(String::from_utf8_lossy(&c)));
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let (Some(rss_tag), Some(channel_end)) = (rss_tag, channel_end) else {
        return Err(feed_err(path, None, "not an RSS 2.0 feed (no <rss> with a <channel>)"));
    };
    for (_, g) in &mut items {
        if let Some(s) = g.as_mut() {
            if let Ok(u) = quick_xml::escape::unescape(s) {
                *s = u.trim().to_string();
            }
        }
    }
    for (prefix, uri) in [("itunes", ITUNES_NS), ("podcast", PODCAST_NS)] {
        if let Some((_, other)) = declared.iter().find(|(p, u)| p == prefix && u != uri) {
            let line = line_at(rss_tag.start, &text);
            return Err(feed_err(path, Some(line), format!("xmlns:{prefix} is \"{other}\", not \"{uri}\"")));
        }
    }
    Ok(Parsed { text, rss_tag, declared, items, channel_end })
}

fn read(path: &Path) -> Result<Option<Parsed>> {
    match std::fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8(bytes)
                .map_err(|e| feed_err(path, None, format!("not UTF-8 (byte {})", e.utf8_error().valid_up_to())))?;
            parse(path, text).map(Some)
        }
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(err) => Err(Error::Io { path: path.to_path_buf(), err }),
    }
}

/// Checks, before any work, that the feed can be updated: it is missing (it will be
/// created) or it is a well-formed RSS 2.0 feed.
pub fn check(opts: &FeedOptions) -> Result<()> {
    if opts.path.is_dir() {
        return Err(feed_err(&opts.path, None, "is a directory"));
    }
    read(&opts.path).map(|_| ())
}

/// Returns the `<item>` element of an episode (indented for a channel).
pub fn item_xml(ep: &Episode) -> String {
    let e = |s: &str| escape(s).into_owned();
    format!(
        "<item>\n      <title>{}</title>\n      <description>{}</description>\n      <guid isPermaLink=\"false\">{}</guid>\n      <pubDate>{}</pubDate>\n      <enclosure url=\"{}\" length=\"{}\" type=\"{}\"/>\n      <itunes:duration>{}</itunes:duration>\n      <itunes:episodeType>full</itunes:episodeType>\n      <podcast:chapters url=\"{}\" type=\"application/json+chapters\"/>\n      <podcast:transcript url=\"{}\" type=\"application/json\"/>\n      <podcast:transcript url=\"{}\" type=\"text/vtt\" rel=\"captions\"/>\n    </item>",
        e(&ep.title),
        e(&ep.description),
        e(&ep.guid),
        e(&ep.pub_date),
        e(&ep.audio_url),
        ep.length,
        ep.mime,
        hms(ep.duration),
        e(&ep.chapters_url),
        e(&ep.transcript_url),
        e(&ep.captions_url),
    )
}

/// Returns a new feed holding one episode.
fn new_feed(channel: &Channel, base_url: &str, item: &str) -> String {
    let e = |s: &str| escape(s).into_owned();
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\" xmlns:itunes=\"{ITUNES_NS}\" xmlns:podcast=\"{PODCAST_NS}\">\n  <channel>\n    <title>{}</title>\n    <link>{}/</link>\n    <description>{}</description>\n    <language>hi</language>\n    <generator>samachar {}</generator>\n    <itunes:category text=\"News\"/>\n    <itunes:explicit>false</itunes:explicit>\n{author}    {item}\n  </channel>\n</rss>\n",
        e(&channel.title),
        e(base_url),
        e(&channel.description),
        env!("CARGO_PKG_VERSION"),
        author = if channel.author.is_empty() {
            String::new()
        } else {
            format!("    <itunes:author>{}</itunes:author>\n", e(&channel.author))
        },
    )
}

/// Returns the text of an existing feed with `item` first and at most `keep` items.
fn merged(p: &Parsed, guid: &str, item: &str, keep: Option<usize>) -> String {
    let t = &p.text;
    let old: Vec<&Range<usize>> = p.items.iter().filter(|(_, g)| g.as_deref() != Some(guid)).map(|(r, _)| r).collect();
    let room = keep.map_or(usize::MAX, |k| k.saturating_sub(1));
    let (head_end, tail_start) = match (p.items.first(), p.items.last()) {
        (Some(f), Some(l)) => (f.0.start, l.0.end),
        _ => (p.channel_end, p.channel_end),
    };
    let mut out = String::with_capacity(t.len() + item.len() + 256);
    // The <rss> tag, with the namespaces the item uses declared if they are missing.
    out.push_str(&t[..p.rss_tag.end - 1]);
    for (prefix, uri) in [("itunes", ITUNES_NS), ("podcast", PODCAST_NS)] {
        if !p.declared.iter().any(|(d, _)| d == prefix) {
            out.push_str(&format!(" xmlns:{prefix}=\"{uri}\""));
        }
    }
    out.push_str(&t[p.rss_tag.end - 1..head_end]);
    if p.items.is_empty() {
        out.push_str("  ");
    }
    out.push_str(item);
    for r in old.into_iter().take(room) {
        out.push_str("\n    ");
        out.push_str(&t[r.clone()]);
    }
    if p.items.is_empty() {
        out.push('\n');
    }
    out.push_str(&t[tail_start..]);
    out
}

/// Adds `ep` at the top of the feed (creating it with `channel` if missing) and replaces
/// the file atomically.
pub fn update(opts: &FeedOptions, channel: &Channel, ep: &Episode) -> Result<()> {
    let _lock = FeedLock::take(&opts.path)?;
    let item = item_xml(ep);
    let text = match read(&opts.path)? {
        None => new_feed(channel, &opts.base_url, &item),
        Some(p) => merged(&p, &ep.guid, &item, opts.keep),
    };
    let (temp, mut file) = crate::encode::temp::Temp::create(&opts.path, Overwrite::Replace, "feed")?;
    std::io::Write::write_all(&mut file, text.as_bytes()).map_err(|err| Error::Io { path: opts.path.clone(), err })?;
    drop(file);
    temp.place(Overwrite::Replace)?;
    Ok(())
}

/// The feed's update lock: an exclusive `flock` on `.NAME.lock` beside the feed `NAME`.
/// Every update reads, merges and renames the feed while holding it, so two bulletins that
/// finish at once both end up in the feed: the second reads the feed the first wrote. The
/// holder removes the lock file when done (no file is left beside the feed); a run that
/// was waiting on the removed file sees it is no longer the one at the path and locks the
/// new one instead.
struct FeedLock {
    path: PathBuf,
    _file: std::fs::File,
}

impl FeedLock {
    /// Takes the lock for `feed`, waiting while another run holds it.
    fn take(feed: &Path) -> Result<FeedLock> {
        let name = feed.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
        let dir = match feed.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        let path = dir.join(crate::publish::hidden_name(&name, "lock"));
        let io = |err| Error::Io { path: path.clone(), err };
        loop {
            let f =
                std::fs::File::options().read(true).write(true).create(true).truncate(false).open(&path).map_err(io)?;
            f.lock().map_err(io)?;
            if crate::publish::same_file(&f, &path) {
                return Ok(FeedLock { path, _file: f });
            }
        }
    }
}

impl Drop for FeedLock {
    fn drop(&mut self) {
        // Removed while still locked; the lock goes with the file handle just after.
        let _ = std::fs::remove_file(&self.path);
    }
}

/// Returns the feed item of a published bulletin in `dir` described by `m`: URLs under
/// `BASE/<directory name>/`, the audio's exact size, and as publication time the bulletin's
/// date at the current UTC time of day if the date is today, else at 00:00 UTC (so a
/// bulletin for another day always gives the same item).
pub fn episode(opts: &FeedOptions, dir: &Path, m: &super::manifest::Manifest, mime: &'static str) -> Result<Episode> {
    let name = dir.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
    let base = format!("{}/{}", opts.base_url, url_segment(&name));
    let url = |file: &str| format!("{base}/{}", url_segment(file));
    let audio = dir.join(&m.audio.file);
    let length = std::fs::metadata(&audio).map_err(|err| Error::Io { path: audio.clone(), err })?.len();
    let date = super::plan::Date::parse(&m.date)
        .ok_or_else(|| Error::Other(format!("{}: bad date {:?} in the manifest", dir.display(), m.date)))?;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
    let secs = if date == super::plan::Date::today() { (now % 86_400) as u32 } else { 0 };
    let headlines: Vec<&str> = m.articles.iter().map(|a| a.headline.as_str()).collect();
    Ok(Episode {
        title: format!("{}, {}", m.title, date.hindi()),
        description: headlines.join(" · "),
        guid: format!("{base}/"),
        pub_date: rfc2822(date.year, date.month, date.day, secs),
        audio_url: url(&m.audio.file),
        length,
        mime,
        duration: m.audio.duration,
        chapters_url: url(super::files::CHAPTERS),
        transcript_url: url(super::files::TRANSCRIPT),
        captions_url: url(&m.captions.vtt),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc2822_dates_have_the_right_weekday() {
        assert_eq!(rfc2822(2026, 12, 1, 0), "Tue, 01 Dec 2026 00:00:00 +0000");
        assert_eq!(rfc2822(1970, 1, 1, 3723), "Thu, 01 Jan 1970 01:02:03 +0000");
        assert_eq!(rfc2822(2024, 2, 29, 0), "Thu, 29 Feb 2024 00:00:00 +0000");
    }

    #[test]
    fn url_segments_are_percent_encoded() {
        assert_eq!(url_segment("2026-12-01-आज"), "2026-12-01-%E0%A4%86%E0%A4%9C");
        assert_eq!(url_segment("a b&c"), "a%20b%26c");
    }

    #[test]
    fn base_urls_must_be_http_without_query() {
        assert_eq!(check_base_url("https://x.org/news/").unwrap(), "https://x.org/news");
        assert!(check_base_url("x.org").is_err());
        assert!(check_base_url("https://x.org/a b").is_err());
        assert!(check_base_url("https://x.org/?a=1").is_err());
    }
}
