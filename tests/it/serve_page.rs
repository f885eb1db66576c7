//! `GET /` of `samachar serve`: the listening page, driven in headless Chromium by keyboard
//! through the DevTools protocol over a pipe (`--remote-debugging-pipe`: JSON messages
//! separated by NUL bytes, commands on the browser's fd 3, answers on its fd 4).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};

use serde_json::{json, Value};

use crate::common::run_env;
use crate::serve::start;

fn get(addr: &str, path: &str) -> (u16, String, String) {
    let mut s = TcpStream::connect(addr).unwrap();
    write!(s, "GET {path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").unwrap();
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).unwrap();
    let raw = String::from_utf8(raw).unwrap();
    let (head, body) = raw.split_once("\r\n\r\n").unwrap();
    (head.split(' ').nth(1).unwrap().parse().unwrap(), head.to_string(), body.to_string())
}

#[test]
fn page_needs_no_token_and_labels_every_control() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), "s3cret\n").unwrap();
    let srv = start(&["--token-file", dir.path().join("token").to_str().unwrap()]);
    let (st, head, html) = get(&srv.addr, "/");
    assert_eq!(st, 200, "{head}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("content-type: text/html; charset=utf-8"), "{head}");
    assert!(head.contains("content-security-policy: default-src 'none'"), "{head}");
    assert!(head.contains("frame-ancestors 'none'"), "{head}");
    // The API stays closed without the token.
    assert_eq!(get(&srv.addr, "/v1/voices").0, 401);
    for id in ["text", "voice", "token"] {
        assert!(html.contains(&format!("<label for=\"{id}\">")), "no label for {id}");
    }
    assert!(html.contains("<textarea id=\"text\" name=\"text\" lang=\"hi\""));
    assert!(html.contains("role=\"status\" aria-live=\"polite\"") && html.contains("role=\"alert\""));
    assert!(html.contains(":focus-visible"));
    assert!(!html.contains("localStorage") && !html.contains("sessionStorage"), "the token is kept in the page only");
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// A browser driven over `--remote-debugging-pipe`.
struct Browser {
    child: Child,
    to: std::io::PipeWriter,
    from: BufReader<std::io::PipeReader>,
    next: u64,
    session: Option<String>,
    _profile: tempfile::TempDir,
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Browser {
    fn launch(chrome: &PathBuf) -> Browser {
        use std::os::fd::AsRawFd;
        use std::os::unix::process::CommandExt;
        let (cmd_r, cmd_w) = std::io::pipe().unwrap();
        let (ans_r, ans_w) = std::io::pipe().unwrap();
        let (a, b) = (cmd_r.as_raw_fd(), ans_w.as_raw_fd());
        let profile = tempfile::tempdir().unwrap();
        let mut c = Command::new(chrome);
        c.args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--mute-audio",
            "--remote-debugging-pipe",
            &format!("--user-data-dir={}", profile.path().display()),
            "about:blank",
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        // SAFETY: only async-signal-safe calls (fcntl, dup2) between fork and exec. The ends
        // are first moved above 10 so that placing them at 3 and 4 cannot clobber either.
        unsafe {
            c.pre_exec(move || {
                let hi_a = libc::fcntl(a, libc::F_DUPFD, 10);
                let hi_b = libc::fcntl(b, libc::F_DUPFD, 10);
                if hi_a < 0 || hi_b < 0 || libc::dup2(hi_a, 3) < 0 || libc::dup2(hi_b, 4) < 0 {
                    return Err(std::io::Error::last_os_error());
                }
                Ok(())
            });
        }
        let child = c.spawn().unwrap();
        drop((cmd_r, ans_w));
        Browser { child, to: cmd_w, from: BufReader::new(ans_r), next: 0, session: None, _profile: profile }
    }

    /// Sends a command (to the attached page, once there is one) and returns its result.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next += 1;
        let id = self.next;
        let mut msg = json!({"id": id, "method": method, "params": params});
        if let Some(s) = &self.session {
            msg["sessionId"] = json!(s);
        }
        let mut bytes = msg.to_string().into_bytes();
        bytes.push(0);
        self.to.write_all(&bytes).unwrap();
        loop {
            let mut buf = Vec::new();
            let n = self.from.read_until(0, &mut buf).unwrap();
            assert!(n > 0, "the browser closed its pipe");
            buf.pop();
            let v: Value = serde_json::from_slice(&buf).unwrap();
            if v["id"] == id {
                assert!(v.get("error").is_none(), "{method}: {v}");
                return v["result"].clone();
            }
        }
    }

    /// Evaluates `js` in the page (awaiting a promise) and returns its value.
    fn eval(&mut self, js: &str) -> Value {
        let r = self.call("Runtime.evaluate", json!({"expression": js, "awaitPromise": true, "returnByValue": true}));
        assert!(r.get("exceptionDetails").is_none(), "{js}: {r}");
        r["result"]["value"].clone()
    }

    /// Polls `js` until it is truthy (a guard against a hang, not a speed limit).
    fn wait_for(&mut self, js: &str) -> Value {
        for _ in 0..900 {
            let v = self.eval(js);
            if !(v.is_null() || v == false || v == "" || v == 0) {
                return v;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
        panic!("never true: {js}; status {:?}, error {:?}", self.text_of("status"), self.text_of("error"));
    }

    fn text_of(&mut self, id: &str) -> Value {
        self.eval(&format!("document.getElementById('{id}').textContent"))
    }

    fn focused(&mut self) -> String {
        self.eval("document.activeElement.id").as_str().unwrap_or("").to_string()
    }

    /// Presses a key (down and up), optionally with Shift.
    fn key(&mut self, key: &str, code: u32, shift: bool) {
        let text = if key == "Enter" { Some("\r") } else { None };
        let mut down = json!({"type": if text.is_some() { "keyDown" } else { "rawKeyDown" }, "key": key, "code": key,
            "windowsVirtualKeyCode": code, "nativeVirtualKeyCode": code, "modifiers": if shift { 8 } else { 0 }});
        if let Some(t) = text {
            down["text"] = json!(t);
            down["unmodifiedText"] = json!(t);
        }
        self.call("Input.dispatchKeyEvent", down);
        self.call(
            "Input.dispatchKeyEvent",
            json!({"type": "keyUp", "key": key, "code": key, "windowsVirtualKeyCode": code,
                "nativeVirtualKeyCode": code, "modifiers": if shift { 8 } else { 0 }}),
        );
    }

    fn tab(&mut self, shift: bool) -> String {
        self.key("Tab", 9, shift);
        self.focused()
    }

    fn type_text(&mut self, text: &str) {
        self.call("Input.insertText", json!({ "text": text }));
    }
}

#[test]
fn page_in_headless_chromium_speaks_the_text_by_keyboard_with_a_token() {
    let Some(chrome) = chromium() else {
        // CI installs Chromium (.ci/run): there, a missing browser is a broken setup, not a skip.
        assert!(std::env::var_os("CI").is_none(), "CI is set but no Chromium was found; .ci/run installs it");
        eprintln!("NOTICE: chromium not installed (apt-get install chromium); listening-page browser test SKIPPED");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("token"), "s3cret\n").unwrap();
    let srv = start(&["--token-file", dir.path().join("token").to_str().unwrap()]);
    let text = "प्रधानमंत्री ने आज दिल्ली में एक बैठक की।";
    let expected = {
        let o = run_env(dir.path(), &["speak", "-", "-o", "a.wav", "--voice", "arjun"], Some(text.as_bytes()), &[]);
        assert!(o.status.success());
        let wav = std::fs::read(dir.path().join("a.wav")).unwrap();
        let at = wav.windows(4).position(|w| w == b"data").unwrap();
        (wav.len() - at - 8) as f64 / 2.0 / 22050.0
    };

    let mut b = Browser::launch(&chrome);
    let target = b.call("Target.createTarget", json!({"url": "about:blank"}))["targetId"].clone();
    let session = b.call("Target.attachToTarget", json!({"targetId": target, "flatten": true}))["sessionId"].clone();
    b.session = Some(session.as_str().unwrap().to_string());
    b.call("Emulation.setFocusEmulationEnabled", json!({"enabled": true}));
    b.call("Page.navigate", json!({"url": format!("http://{}/", srv.addr)}));
    b.wait_for("document.readyState === 'complete' && document.getElementById('token') !== null");

    // Without the token the voices cannot be listed: the error is announced and the token
    // field, marked invalid, takes the focus.
    let err = b.wait_for("document.getElementById('error').textContent");
    assert!(err.as_str().unwrap().contains("token"), "{err}");
    assert_eq!(b.focused(), "token");
    assert_eq!(b.eval("document.getElementById('token').getAttribute('aria-invalid')"), "true");
    b.type_text("s3cret");

    // Focus order: back to the text, then voice, token, the button.
    assert_eq!(b.tab(true), "voice");
    assert_eq!(b.tab(true), "text");
    // Leaving the token field loaded the voices with it.
    let voices = b.wait_for("Array.from(document.getElementById('voice').options).map(o => o.value).join(',')");
    // The built-in voices first; a `neural` build with a model installed lists kokoro:NAME after them.
    let voices = voices.as_str().unwrap().to_string();
    assert!(voices == "meera,arjun" || voices.starts_with("meera,arjun,kokoro:"), "{voices}");
    assert!(voices.split(',').skip(2).all(|v| v.starts_with("kokoro:")), "{voices}");
    assert_eq!(b.text_of("error"), "", "the error is cleared once the token works");
    b.type_text(text);
    assert_eq!(b.tab(false), "voice");
    b.key("ArrowDown", 40, false);
    assert_eq!(b.eval("document.getElementById('voice').value"), "arjun");
    assert_eq!(b.tab(false), "token");
    assert_eq!(b.tab(false), "speak");
    b.key("Enter", 13, false);

    // The audio arrives, plays in the browser's own player, and focus moves to the player.
    let duration = b.wait_for("document.getElementById('status').dataset.duration");
    let duration: f64 = duration.as_str().unwrap().parse().unwrap();
    assert!((duration - expected).abs() < 0.01, "page says {duration} s, speak wrote {expected} s");
    let status = b.text_of("status");
    assert!(status.as_str().unwrap().starts_with("Audio ready"), "{status}");
    assert_eq!(b.focused(), "player");
    assert_eq!(b.text_of("error"), "");
    assert_eq!(b.eval("document.getElementById('download').hidden"), false);
}
