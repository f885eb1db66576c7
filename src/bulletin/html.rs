//! The listening page (`--html`): `index.html` beside the audio.
//!
//! In: the [`Manifest`]. Out: one self-contained HTML page (inline CSS and script, no
//! network) with an `<audio>` player for the bulletin, the headlines as jump links that
//! seek the audio, and the transcript with the sentence being spoken highlighted and, inside
//! it, the word being spoken. The times are embedded in the page as JSON (`<script
//! type="application/json" id="timings">`: each sentence's id, start and end, and each
//! written word's element id, start and end), not loaded from `bulletin.vtt`: a page opened
//! from `file://` may not fetch a track file, and it works the same from a disk or a server.
//! The highlight follows the audio's `currentTime` (on `timeupdate`, `seeked` and every
//! animation frame while playing); in a pause the sentence and word just spoken stay
//! highlighted. Every written word of the transcript is a `<span class="w" id="sN-wK">` (K:
//! the word's 0-based written-token index, as in the manifest); a written word for which
//! several words are spoken (`₹6.29`) runs from the first one's start to the last one's end.
//! Without word timings (a Kokoro voice) only the sentence is highlighted. The page is usable
//! by keyboard (links and buttons only) and screen reader (real headings, landmarks,
//! `aria-current` on the spoken sentence, and `aria-live="off"` so the moving highlight is
//! not announced).
//!
//! Test hook: opened as `index.html?selftest=T1,T2,…`, the page waits for the audio, seeks
//! to each time in turn, and writes what it found (sentence and word count, the highlighted
//! sentence and word per time) as JSON into `<pre id="selftest">`, sets the title to
//! `selftest-done`, and POSTs the report to `selftest-report` beside the page, or to the
//! URL given as `&report=URL` (a page opened from `file://` has no server beside it).
//! Without the query parameter the hook does nothing.

use html_escape::{encode_double_quoted_attribute as attr, encode_text};

use super::manifest::Manifest;
use super::plan::Date;

const STYLE: &str = r#"
:root { color-scheme: light dark; --hl: #ffe58a; --hl-text: #000; --hw: #f0a500; }
body { font: 1.15rem/1.7 "Noto Sans Devanagari", "Mangal", system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem; }
header p { margin-top: -0.5rem; opacity: .8; }
.player { position: sticky; top: 0; padding: .5rem 0; background: Canvas; z-index: 1; }
audio { width: 100%; }
nav ol { padding-left: 1.5rem; }
nav a, button { font: inherit; }
.s { border-radius: .2rem; transition: background-color .15s; }
.s.current { background: var(--hl); color: var(--hl-text); }
.w.current { box-shadow: inset 0 -0.2em 0 var(--hw); font-weight: 600; }
.jump { margin-left: .5rem; font-size: .9rem; }
a:focus-visible, button:focus-visible, h3:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (prefers-reduced-motion: reduce) { .s { transition: none; } }
"#;

const SCRIPT: &str = r#"
(function () {
  "use strict";
  var audio = document.getElementById("player");
  var timings = JSON.parse(document.getElementById("timings").textContent);
  // [[id, start, end], ...] in time order, for sentences and for written words.
  var sentences = timings.sentences, words = timings.words;
  var current = null, currentWord = null;

  // The index of the last entry starting at or before t (-1 before the first).
  function lastStarted(list, t) {
    var lo = 0, hi = list.length;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (list[mid][1] <= t) lo = mid + 1; else hi = mid; }
    return lo - 1;
  }

  function mark(el, prev, aria) {
    if (el === prev) return prev;
    if (prev) { prev.classList.remove("current"); if (aria) prev.removeAttribute("aria-current"); }
    if (el) { el.classList.add("current"); if (aria) el.setAttribute("aria-current", "true"); }
    return el;
  }

  // The sentence being spoken, or in a pause the one just spoken; the same for words, within
  // that sentence.
  function update() {
    var t = audio.currentTime;
    var i = lastStarted(sentences, t);
    var sid = i >= 0 ? sentences[i][0] : null;
    var el = sid ? document.getElementById(sid) : null;
    var moved = el !== current;
    current = mark(el, current, true);
    var k = lastStarted(words, t);
    var wid = k >= 0 && sid && words[k][0].indexOf(sid + "-") === 0 ? words[k][0] : null;
    currentWord = mark(wid ? document.getElementById(wid) : null, currentWord, false);
    if (moved && current && !audio.paused) current.scrollIntoView({ block: "nearest", behavior: "smooth" });
  }

  var frame = 0;
  function tick() { update(); frame = audio.paused ? 0 : requestAnimationFrame(tick); }
  audio.addEventListener("play", function () { if (!frame) frame = requestAnimationFrame(tick); });
  ["timeupdate", "seeked", "seeking", "pause", "ended"].forEach(function (e) { audio.addEventListener(e, update); });

  function seek(t, play) {
    audio.currentTime = t;
    if (play) { var p = audio.play(); if (p && p.catch) p.catch(function () {}); }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-seek]"), function (el) {
    el.addEventListener("click", function (ev) {
      ev.preventDefault();
      seek(parseFloat(el.getAttribute("data-seek")), true);
      var target = el.getAttribute("data-focus");
      var h = target && document.getElementById(target);
      if (h) h.focus();
    });
  });

  // Test hook: ?selftest=T1,T2,... seeks to each time and reports the highlight.
  var params = new URLSearchParams(location.search);
  var q = params.get("selftest");
  if (q === null) return;
  var out = document.getElementById("selftest");
  var times = q.split(",").filter(function (s) { return s !== ""; }).map(Number);
  var report = { protocol: location.protocol, cues: sentences.length, words: words.length, duration: null, results: [], errors: [] };
  function done() {
    var json = JSON.stringify(report);
    out.textContent = json;
    document.title = "selftest-done";
    // Also hand the report to a test harness, if any.
    var to = params.get("report") || "selftest-report";
    if (window.fetch) fetch(to, { method: "POST", mode: "no-cors", body: json }).catch(function () {});
  }
  audio.addEventListener("error", function () { report.errors.push("audio error " + (audio.error && audio.error.code)); done(); });
  function step(i) {
    if (i >= times.length) { done(); return; }
    var settled = false;
    function record() {
      if (settled) return;
      settled = true;
      // Let the page's own seeked handler run first.
      setTimeout(function () {
        report.results.push({ t: times[i], id: current ? current.id : null, word: currentWord ? currentWord.id : null, at: audio.currentTime });
        step(i + 1);
      }, 50);
    }
    audio.addEventListener("seeked", record, { once: true });
    seek(times[i], false);
  }
  (function wait(n) {
    if (audio.readyState >= 1) {
      report.duration = audio.duration;
      step(0);
    } else if (n > 400) {
      report.errors.push("timed out: audio readyState " + audio.readyState);
      done();
    } else {
      setTimeout(function () { wait(n + 1); }, 25);
    }
  })(0);
})();
"#;

/// Returns true for the Unicode bidirectional formatting characters: embeddings and
/// overrides (U+202A–202E), isolates (U+2066–2069), the marks LRM, RLM (U+200E/F) and ALM
/// (U+061C). An unterminated U+202E in a headline would reverse the rest of the page.
pub(crate) fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}')
}

/// Escapes page text, leaving out bidi controls (each headline and sentence is also
/// isolated with `dir="auto"`/`<bdi>`, so even a control that slipped through stays inside it).
fn text(s: &str) -> String {
    let clean: String = s.chars().filter(|&c| !is_bidi_control(c)).collect();
    encode_text(&clean).into_owned()
}

fn clock(seconds: f64) -> String {
    let s = seconds.max(0.0).round() as u64;
    format!("{}:{:02}", s / 60, s % 60)
}

/// A written word of the transcript, timed: (element id, start, end in seconds).
type WordSpan = (String, f64, f64);

/// Returns each timed written word (`sN-wK`) from the first to the last word spoken for it,
/// in order.
fn word_spans(m: &Manifest) -> Vec<WordSpan> {
    let mut out: Vec<WordSpan> = Vec::with_capacity(m.words.len());
    let mut last: Option<(&str, usize)> = None;
    for w in &m.words {
        if last == Some((w.sentence.as_str(), w.token)) {
            if let Some(x) = out.last_mut() {
                x.2 = w.end;
            }
        } else {
            out.push((format!("{}-w{}", w.sentence, w.token), w.start, w.end));
            last = Some((w.sentence.as_str(), w.token));
        }
    }
    out
}

/// Returns the page's embedded timings, `{"sentences": [[id, start, end], …], "words": […]}`,
/// safe inside a `<script>` element (no `<` at all: ids are ASCII, `<` would be escaped).
fn timings_json(m: &Manifest, words: &[WordSpan]) -> String {
    let r = |x: f64| (x * 1000.0).round() / 1000.0;
    let sentences: Vec<serde_json::Value> =
        m.sentences.iter().map(|s| serde_json::json!([s.id, r(s.start), r(s.end)])).collect();
    let words: Vec<serde_json::Value> = words.iter().map(|(id, a, b)| serde_json::json!([id, r(*a), r(*b)])).collect();
    let v = serde_json::json!({ "sentences": sentences, "words": words });
    serde_json::to_string(&v).unwrap_or_default().replace('<', "\\u003c")
}

/// Returns the listening page for a bulletin.
pub fn page(m: &Manifest) -> String {
    let date = Date::parse(&m.date).map_or_else(|| m.date.clone(), |d| d.hindi());
    let mut h = String::with_capacity(4096 + m.sentences.len() * 200);
    h.push_str("<!DOCTYPE html>\n<html lang=\"hi\">\n<head>\n<meta charset=\"utf-8\">\n");
    h.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    h.push_str(&format!("<title>{} — {}</title>\n", text(&m.title), text(&date)));
    h.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    h.push_str(&format!(
        "<header>\n<h1><bdi>{}</bdi></h1>\n<p>{}</p>\n</header>\n<main>\n",
        text(&m.title),
        text(&date)
    ));
    h.push_str("<section class=\"player\" aria-label=\"प्लेयर\">\n");
    h.push_str(&format!(
        "<audio id=\"player\" controls preload=\"metadata\" src=\"{}\">\nआपका ब्राउज़र ऑडियो नहीं चला सकता: <a href=\"{}\">बुलेटिन डाउनलोड करें</a>।\n</audio>\n</section>\n",
        attr(&m.audio.file),
        attr(&m.audio.file)
    ));
    h.push_str("<nav aria-labelledby=\"toc-h\">\n<h2 id=\"toc-h\">सुर्ख़ियाँ</h2>\n<ol>\n");
    for a in &m.articles {
        h.push_str(&format!(
            "<li><a href=\"#article-{i}\" data-seek=\"{s:.3}\" data-focus=\"h-{i}\"><bdi>{t}</bdi></a> <span class=\"time\">({c})</span></li>\n",
            i = a.index,
            s = a.start,
            t = text(&a.headline),
            c = clock(a.start)
        ));
    }
    h.push_str("</ol>\n</nav>\n");
    h.push_str(
        "<section aria-labelledby=\"tr-h\">\n<h2 id=\"tr-h\">पूरा पाठ</h2>\n<div id=\"transcript\" aria-live=\"off\">\n",
    );
    let spans = word_spans(m);
    let span = |s: &super::manifest::SentenceEntry| {
        // Each written word in its own element; the ids of timed ones are in the timings.
        let ws: Vec<String> = s
            .text
            .split_whitespace()
            .enumerate()
            .map(|(k, w)| format!("<span class=\"w\" id=\"{}-w{k}\">{}</span>", attr(&s.id), text(w)))
            .collect();
        format!(
            "<span class=\"s\" id=\"{}\" dir=\"auto\" data-start=\"{:.3}\" data-end=\"{:.3}\">{}</span>",
            attr(&s.id),
            s.start,
            s.end,
            ws.join(" ")
        )
    };
    let framing = |role: &str| -> Vec<String> { m.sentences.iter().filter(|s| s.role == role).map(span).collect() };
    let intro = framing("intro");
    if !intro.is_empty() {
        h.push_str(&format!("<p class=\"intro\">{}</p>\n", intro.join(" ")));
    }
    for a in &m.articles {
        let own: Vec<_> = m.sentences.iter().filter(|s| s.article == Some(a.index)).collect();
        let head: Vec<String> = own.iter().filter(|s| s.role == "headline").map(|s| span(s)).collect();
        let body: Vec<String> = own.iter().filter(|s| s.role == "body").map(|s| span(s)).collect();
        h.push_str(&format!("<article id=\"article-{i}\" aria-labelledby=\"h-{i}\">\n", i = a.index));
        h.push_str(&format!(
            "<h3 id=\"h-{i}\" tabindex=\"-1\">{}</h3>\n",
            if head.is_empty() { format!("<bdi>{}</bdi>", text(&a.headline)) } else { head.join(" ") },
            i = a.index
        ));
        h.push_str(&format!(
            "<button type=\"button\" class=\"jump\" data-seek=\"{:.3}\" aria-label=\"ख़बर {} यहाँ से सुनें\">▶ यहाँ से सुनें</button>\n",
            a.start, a.index
        ));
        if !body.is_empty() {
            h.push_str(&format!("<p>{}</p>\n", body.join(" ")));
        }
        h.push_str("</article>\n");
    }
    let closing = framing("closing");
    if !closing.is_empty() {
        h.push_str(&format!("<p class=\"closing\">{}</p>\n", closing.join(" ")));
    }
    h.push_str("</div>\n</section>\n</main>\n<pre id=\"selftest\" hidden></pre>\n");
    h.push_str(&format!("<script type=\"application/json\" id=\"timings\">{}</script>\n", timings_json(m, &spans)));
    h.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    h
}
