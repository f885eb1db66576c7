//! Publishing: the podcast feed (`--feed`), `transcript.json`.

use std::path::Path;

use crate::common::{fails, run_env, stderr};

fn setup() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("arts")).unwrap();
    std::fs::write(dir.path().join("arts/1.txt"), "पहली ख़बर & <ख़ास>\nदिल्ली में बारिश हुई। मौसम सुहावना है।\n").unwrap();
    std::fs::write(dir.path().join("arts/2.txt"), "दूसरी ख़बर\nपटना से नई रेलगाड़ी चलेगी।\n").unwrap();
    dir
}

const BASE: &str = "https://news.example.org/hi/";

fn bulletin(dir: &Path, out: &str, date: &str, extra: &[&str]) {
    let mut args = vec!["bulletin", "arts", "-q", "--no-intro", "-o", out, "--date", date];
    args.extend_from_slice(&["--feed", "feed.xml", "--base-url", BASE]);
    args.extend_from_slice(extra);
    let o = run_env(dir, &args, None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
}

/// One `<item>` as read back: child element name → (attributes, text), in order.
type Item = Vec<(String, Vec<(String, String)>, String)>;

/// Parses the feed with quick-xml (namespace prefixes kept in names), returning the
/// `<rss>` attributes and the channel's items.
fn read_feed(path: &Path) -> (Vec<(String, String)>, Vec<Item>) {
    use quick_xml::events::Event;
    let text = std::fs::read_to_string(path).unwrap();
    let mut r = quick_xml::Reader::from_str(&text);
    let attrs = |e: &quick_xml::events::BytesStart| -> Vec<(String, String)> {
        e.attributes()
            .map(|a| {
                let a = a.unwrap();
                let v = a.normalized_value(quick_xml::XmlVersion::Implicit1_0).unwrap().into_owned();
                (String::from_utf8(a.key.as_ref().to_vec()).unwrap(), v)
            })
            .collect()
    };
    let (mut rss, mut items, mut stack) = (Vec::new(), Vec::<Item>::new(), Vec::<String>::new());
    loop {
        match r.read_event().unwrap() {
            Event::Start(e) | Event::Empty(e) if stack.len() == 3 && stack[2] == "item" => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                items.last_mut().unwrap().push((name.clone(), attrs(&e), String::new()));
                // An Empty element has no End; track only Start.
                if text.as_bytes()[r.buffer_position() as usize - 2] != b'/' {
                    stack.push(name);
                }
            }
            Event::Start(e) => {
                let name = String::from_utf8(e.name().as_ref().to_vec()).unwrap();
                if stack.is_empty() {
                    rss = attrs(&e);
                }
                if name == "item" && stack.len() == 2 {
                    items.push(Vec::new());
                }
                stack.push(name);
            }
            Event::Text(t) if stack.len() == 4 => {
                items.last_mut().unwrap().last_mut().unwrap().2.push_str(&t.decode().unwrap());
            }
            Event::GeneralRef(g) if stack.len() == 4 => {
                let name = g.decode().unwrap().into_owned();
                let c = quick_xml::escape::resolve_predefined_entity(&name).unwrap();
                items.last_mut().unwrap().last_mut().unwrap().2.push_str(c);
            }
            Event::End(_) => {
                stack.pop();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    (rss, items)
}

fn get<'a>(item: &'a Item, name: &str) -> &'a (String, Vec<(String, String)>, String) {
    item.iter().find(|(n, _, _)| n == name).unwrap_or_else(|| panic!("no <{name}> in {item:?}"))
}

fn attr<'a>(el: &'a (String, Vec<(String, String)>, String), key: &str) -> &'a str {
    el.1.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str()).unwrap_or_else(|| panic!("no {key} on {el:?}"))
}

#[test]
fn feed_is_created_with_every_required_element_and_parses_as_rss() {
    let dir = setup();
    bulletin(dir.path(), "b1", "2026-12-01", &["--format", "mp3"]);
    let feed = dir.path().join("feed.xml");
    let (rss, items) = read_feed(&feed);
    assert!(rss.contains(&("xmlns:itunes".into(), "http://www.itunes.com/dtds/podcast-1.0.dtd".into())), "{rss:?}");
    assert!(rss.contains(&("xmlns:podcast".into(), "https://podcastindex.org/namespace/1.0".into())), "{rss:?}");
    assert_eq!(items.len(), 1);
    let it = &items[0];
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("b1/manifest.json")).unwrap()).unwrap();
    let enc = get(it, "enclosure");
    assert_eq!(attr(enc, "url"), "https://news.example.org/hi/b1/bulletin.mp3");
    assert_eq!(attr(enc, "type"), "audio/mpeg");
    let size = std::fs::metadata(dir.path().join("b1/bulletin.mp3")).unwrap().len();
    assert_eq!(attr(enc, "length"), size.to_string(), "exact enclosure length");
    assert_eq!(get(it, "guid").2, "https://news.example.org/hi/b1/");
    assert_eq!(get(it, "pubDate").2, "Tue, 01 Dec 2026 00:00:00 +0000");
    let secs = m["audio"]["duration"].as_f64().unwrap().round() as u64;
    assert_eq!(get(it, "itunes:duration").2, format!("00:{:02}:{:02}", secs / 60, secs % 60));
    assert_eq!(attr(get(it, "podcast:chapters"), "url"), "https://news.example.org/hi/b1/chapters.json");
    let tr: Vec<_> = it.iter().filter(|(n, _, _)| n == "podcast:transcript").collect();
    assert_eq!(tr.len(), 2, "JSON transcript and VTT captions");
    assert_eq!(attr(tr[0], "url"), "https://news.example.org/hi/b1/transcript.json");
    assert_eq!(attr(tr[1], "type"), "text/vtt");
    assert_eq!(attr(tr[1], "rel"), "captions");
    // The headline's & and < come back as written.
    assert!(get(it, "description").2.contains("पहली ख़बर & <ख़ास>"), "{it:?}");
    // An RSS reader agrees.
    let f = feed_rs::parser::parse(std::fs::read(&feed).unwrap().as_slice()).unwrap();
    assert_eq!(f.language.as_deref(), Some("hi"));
    assert_eq!(f.entries.len(), 1);
    assert_eq!(f.entries[0].media[0].content[0].size, Some(size));
    let left: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(left.len(), 3, "no temporary files left: {left:?}");
}

#[test]
fn new_bulletins_go_on_top_a_rebuilt_one_replaces_its_item_and_feed_keep_drops_the_oldest() {
    let dir = setup();
    bulletin(dir.path(), "b1", "2026-12-01", &[]);
    bulletin(dir.path(), "b2", "2026-12-02", &[]);
    bulletin(dir.path(), "b2", "2026-12-02", &["--force", "--format", "flac"]);
    let guids = |dir: &Path| -> Vec<String> {
        read_feed(&dir.join("feed.xml")).1.iter().map(|i| get(i, "guid").2.clone()).collect()
    };
    assert_eq!(guids(dir.path()), ["https://news.example.org/hi/b2/", "https://news.example.org/hi/b1/"]);
    let (_, items) = read_feed(&dir.path().join("feed.xml"));
    assert_eq!(attr(get(&items[0], "enclosure"), "type"), "audio/flac", "the rebuilt item is the new one");
    bulletin(dir.path(), "b3", "2026-12-03", &["--feed-keep", "2"]);
    assert_eq!(guids(dir.path()), ["https://news.example.org/hi/b3/", "https://news.example.org/hi/b2/"]);
}

#[test]
fn a_foreign_feed_keeps_its_channel_and_items_and_gains_the_namespaces() {
    let dir = setup();
    let feed = "<?xml version=\"1.0\"?>\n<rss version=\"2.0\">\n<channel>\n<title>Mine &amp; yours</title>\n<link>https://x.org/</link>\n<description>d</description>\n<item><title>old</title><guid>old-1</guid></item>\n</channel>\n</rss>\n";
    std::fs::write(dir.path().join("feed.xml"), feed).unwrap();
    bulletin(dir.path(), "b1", "2026-12-01", &[]);
    let text = std::fs::read_to_string(dir.path().join("feed.xml")).unwrap();
    assert!(text.contains("<title>Mine &amp; yours</title>"), "{text}");
    let (rss, items) = read_feed(&dir.path().join("feed.xml"));
    assert!(rss.iter().any(|(k, _)| k == "xmlns:podcast"), "{rss:?}");
    assert_eq!(items.len(), 2);
    assert_eq!(get(&items[1], "guid").2, "old-1");
    feed_rs::parser::parse(text.as_bytes()).unwrap();
}

#[test]
fn a_broken_feed_is_refused_before_any_work_and_left_as_it_was() {
    let dir = setup();
    let broken = "<rss version=\"2.0\">\n<channel>\n<item><title>x</item>\n</channel></rss>\n";
    std::fs::write(dir.path().join("feed.xml"), broken).unwrap();
    let args = ["bulletin", "arts", "-o", "b1", "--feed", "feed.xml", "--base-url", BASE];
    let e = fails(&run_env(dir.path(), &args, None, &[]));
    assert!(e.contains("feed.xml:3") && e.contains("feed not updated"), "{e}");
    assert_eq!(std::fs::read_to_string(dir.path().join("feed.xml")).unwrap(), broken);
    assert!(!dir.path().join("b1").exists(), "no bulletin made");
    let o = run_env(dir.path(), &["bulletin", "arts", "--feed", "f.xml", "--base-url", "ftp://x"], None, &[]);
    assert!(!o.status.success() && stderr(&o).contains("base URL"), "{}", stderr(&o));
}

#[test]
fn transcript_json_has_one_segment_per_sentence_at_the_manifest_times() {
    let dir = setup();
    let o = run_env(dir.path(), &["bulletin", "arts", "-q", "-o", "b"], None, &[]);
    assert!(o.status.success(), "{}", stderr(&o));
    let b = dir.path().join("b");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(b.join("manifest.json")).unwrap()).unwrap();
    let t: serde_json::Value = serde_json::from_slice(&std::fs::read(b.join("transcript.json")).unwrap()).unwrap();
    assert_eq!(t["version"], "1.0.0");
    let seg = t["segments"].as_array().unwrap();
    let sent = m["sentences"].as_array().unwrap();
    assert_eq!(seg.len(), sent.len());
    for (g, s) in seg.iter().zip(sent) {
        assert_eq!(g["body"], s["text"]);
        for (a, b) in [("startTime", "start"), ("endTime", "end")] {
            let (x, y) = (g[a].as_f64().unwrap(), s[b].as_f64().unwrap());
            assert!((x - y).abs() <= 0.0005 + 1e-9, "{a} {x} vs {y}");
        }
    }
}

#[test]
fn feed_without_base_url_names_the_missing_option_on_one_line() {
    let dir = setup();
    let e = fails(&run_env(dir.path(), &["bulletin", "arts", "--feed", "feed.xml"], None, &[]));
    assert!(e.contains("--base-url"), "{e}");
    assert!(!dir.path().join("feed.xml").exists());
}

/// Bulletins that finish at the same time each read, merge and rename the feed under its
/// lock (`.feed.xml.lock`): none of their episodes is lost to another's update.
#[test]
fn concurrent_bulletins_updating_one_feed_lose_no_episode() {
    let dir = setup();
    let runs = 6;
    let children: Vec<_> = (0..runs)
        .map(|i| {
            let out = format!("b{i}");
            crate::common::bin()
                .current_dir(dir.path())
                .args(["bulletin", "arts", "-q", "--no-intro", "-o", &out, "--date", "2026-12-01"])
                .args(["--feed", "feed.xml", "--base-url", BASE])
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for c in children {
        let o = c.wait_with_output().unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    let (_, items) = read_feed(&dir.path().join("feed.xml"));
    let mut guids: Vec<String> =
        items.iter().map(|it| it.iter().find(|(n, _, _)| n == "guid").unwrap().2.clone()).collect();
    guids.sort();
    let want: Vec<String> = (0..runs).map(|i| format!("{BASE}b{i}/")).collect();
    assert_eq!(guids, want, "every run's episode is in the feed once");
    let names: Vec<String> =
        std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    assert!(!names.iter().any(|n| n.ends_with(".tmp") || n.ends_with(".lock")), "temporary or lock left: {names:?}");
}

#[test]
fn a_new_feed_names_the_publisher_as_itunes_author() {
    let dir = setup();
    bulletin(dir.path(), "b", "2026-12-01", &["--publisher", "समाचार सेवा & Co"]);
    let text = std::fs::read_to_string(dir.path().join("feed.xml")).unwrap();
    assert!(text.contains("<itunes:author>समाचार सेवा &amp; Co</itunes:author>"), "{text}");
    let e = fails(&run_env(dir.path(), &["bulletin", "arts", "--publisher", " "], None, &[]));
    assert!(e.contains("publisher"), "{e}");
}
