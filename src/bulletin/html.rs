//! The listening page (`--html`): `index.html` beside the WAV.
//!
//! In: the [`Manifest`]. Out: one self-contained HTML page (inline CSS and script, no
//! network) with an `<audio>` player for `bulletin.wav`, the headlines as jump links that
//! seek the audio, and the transcript with the sentence being spoken highlighted. The
//! highlight is driven by the WebVTT cues (`bulletin.vtt`, loaded by a `<track
//! kind="metadata">`) through `cuechange` events; cue ids are the sentence ids, which are
//! the transcript elements' ids. The page is usable by keyboard (links and buttons only)
//! and screen reader (real headings, landmarks, `aria-current` on the spoken sentence, and
//! `aria-live="off"` so the moving highlight is not announced).
//!
//! Test hook: opened as `index.html?selftest=T1,T2,…`, the page waits for the audio and the
//! cues, seeks to each time in turn, and writes what it found (cue count, highlighted
//! sentence per time) as JSON into `<pre id="selftest">` and POSTs it to
//! `selftest-report` beside the page. Without the query parameter the hook does nothing.

use html_escape::{encode_double_quoted_attribute as attr, encode_text};

use super::manifest::Manifest;
use super::plan::Date;

const STYLE: &str = r#"
:root { color-scheme: light dark; --hl: #ffe58a; --hl-text: #000; }
body { font: 1.15rem/1.7 "Noto Sans Devanagari", "Mangal", system-ui, sans-serif; max-width: 46rem; margin: 0 auto; padding: 1rem; }
header p { margin-top: -0.5rem; opacity: .8; }
.player { position: sticky; top: 0; padding: .5rem 0; background: Canvas; z-index: 1; }
audio { width: 100%; }
nav ol { padding-left: 1.5rem; }
nav a, button { font: inherit; }
.s { border-radius: .2rem; transition: background-color .15s; }
.s.current { background: var(--hl); color: var(--hl-text); }
.jump { margin-left: .5rem; font-size: .9rem; }
a:focus-visible, button:focus-visible, h3:focus-visible { outline: 3px solid #1a73e8; outline-offset: 2px; }
.visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); white-space: nowrap; }
@media (prefers-reduced-motion: reduce) { .s { transition: none; } }
"#;

const SCRIPT: &str = r#"
(function () {
  "use strict";
  var audio = document.getElementById("player");
  var trackEl = document.getElementById("cues");
  var track = trackEl.track;
  track.mode = "hidden";
  var current = null;

  function setCurrent(id) {
    var el = id ? document.getElementById(id) : null;
    if (el === current) return;
    if (current) { current.classList.remove("current"); current.removeAttribute("aria-current"); }
    current = el;
    if (current) {
      current.classList.add("current");
      current.setAttribute("aria-current", "true");
      if (!audio.paused) current.scrollIntoView({ block: "nearest", behavior: "smooth" });
    }
  }

  // The active cue, or in a pause the sentence just spoken.
  function cueAt(t) {
    var active = track.activeCues;
    if (active && active.length) return active[active.length - 1].id;
    var cues = track.cues, last = null;
    if (!cues) return null;
    for (var i = 0; i < cues.length && cues[i].startTime <= t; i++) last = cues[i].id;
    return last;
  }

  track.addEventListener("cuechange", function () { setCurrent(cueAt(audio.currentTime)); });

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
  var q = new URLSearchParams(location.search).get("selftest");
  if (q === null) return;
  var out = document.getElementById("selftest");
  var times = q.split(",").filter(function (s) { return s !== ""; }).map(Number);
  var report = { cues: 0, duration: null, results: [], errors: [] };
  function done() {
    var json = JSON.stringify(report);
    out.textContent = json;
    document.title = "selftest-done";
    // Also hand the report to the server that serves the page (a test harness), if any.
    if (window.fetch) fetch("selftest-report", { method: "POST", body: json }).catch(function () {});
  }
  audio.addEventListener("error", function () { report.errors.push("audio error " + (audio.error && audio.error.code)); done(); });
  trackEl.addEventListener("error", function () { report.errors.push("track failed to load"); done(); });
  function ready() { return audio.readyState >= 1 && trackEl.readyState === 2; }
  function step(i) {
    if (i >= times.length) { done(); return; }
    var settled = false;
    function record() {
      if (settled) return;
      settled = true;
      // Let the cuechange event of this seek run first.
      setTimeout(function () {
        var act = track.activeCues, ids = [];
        for (var k = 0; act && k < act.length; k++) ids.push(act[k].id);
        report.results.push({ t: times[i], id: current ? current.id : null, at: audio.currentTime, active: ids });
        step(i + 1);
      }, 50);
    }
    audio.addEventListener("seeked", record, { once: true });
    seek(times[i], false);
  }
  (function wait(n) {
    if (ready()) {
      report.cues = track.cues ? track.cues.length : 0;
      report.duration = audio.duration;
      step(0);
    } else if (n > 400) {
      report.errors.push("timed out: audio readyState " + audio.readyState + ", track readyState " + trackEl.readyState);
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
        "<audio id=\"player\" controls preload=\"metadata\" src=\"{}\">\n<track id=\"cues\" kind=\"metadata\" src=\"{}\" srclang=\"hi\" label=\"वाक्य\" default>\nआपका ब्राउज़र ऑडियो नहीं चला सकता: <a href=\"{}\">बुलेटिन डाउनलोड करें</a>।\n</audio>\n</section>\n",
        attr(&m.audio.file),
        attr(&m.captions.vtt),
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
    let span = |s: &super::manifest::SentenceEntry| {
        format!(
            "<span class=\"s\" id=\"{}\" dir=\"auto\" data-start=\"{:.3}\" data-end=\"{:.3}\">{}</span>",
            attr(&s.id),
            s.start,
            s.end,
            text(&s.text)
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
    h.push_str(&format!("<script>{SCRIPT}</script>\n</body>\n</html>\n"));
    h
}
