//! `samachar serve --data-dir`: bulletin jobs over HTTP, driven over a raw TCP client.

use std::path::Path;

use crate::serve::{start, Server};

fn serve_dir(dir: &Path, extra: &[&str]) -> Server {
    let mut args = vec!["--data-dir", dir.to_str().unwrap()];
    args.extend_from_slice(extra);
    start(&args)
}

struct Reply {
    status: u16,
    head: String,
    body: Vec<u8>,
}

impl Reply {
    /// Returns the value of header `name` (case-insensitive), if present.
    fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim().eq_ignore_ascii_case(name).then(|| v.trim().to_string())
        })
    }
    fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&self.body)))
    }
}

/// Sends one request with a raw request target (nothing is normalized or encoded).
fn request(addr: &str, method: &str, target: &str, headers: &str, body: &[u8]) -> Reply {
    let (status, head, body) = crate::serve::request(addr, method, target, headers, body);
    Reply { status, head, body }
}

fn get(addr: &str, target: &str) -> Reply {
    request(addr, "GET", target, "", b"")
}

const DATE: &str = "2026-12-02";
const TITLE: &str = "सुबह की ख़बरें";

fn feed() -> serde_json::Value {
    serde_json::json!([
        {"title": "दिल्ली में बारिश", "body": "आज सुबह दिल्ली में तेज़ बारिश हुई। कई सड़कों पर पानी भर गया।"},
        {"title": "क्रिकेट", "body": "भारत ने पहला मैच पाँच विकेट से जीता।"}
    ])
}

/// Submits a job; returns its id after checking the 202 and its Location.
fn submit(addr: &str, body: &serde_json::Value, headers: &str) -> String {
    let r = request(addr, "POST", "/v1/bulletins", headers, body.to_string().as_bytes());
    assert_eq!(r.status, 202, "{} {}", r.head, String::from_utf8_lossy(&r.body));
    let j = r.json();
    let id = j["id"].as_str().unwrap().to_string();
    assert_eq!(id.len(), 32, "{id}");
    assert!(id.bytes().all(|b| b.is_ascii_hexdigit()), "{id}");
    assert_eq!(r.header("location").as_deref(), Some(format!("/v1/bulletins/{id}").as_str()));
    assert!(matches!(j["state"].as_str(), Some("queued" | "running")), "{j}");
    id
}

/// Polls the job until it is done or failed (a hang guard of ten minutes, not a speed limit).
fn wait(addr: &str, id: &str, headers: &str) -> serde_json::Value {
    for _ in 0..12_000 {
        let r = request(addr, "GET", &format!("/v1/bulletins/{id}"), headers, b"");
        assert_eq!(r.status, 200, "{}", r.head);
        let j = r.json();
        match j["state"].as_str() {
            Some("done" | "failed") => return j,
            Some("queued" | "running") => std::thread::sleep(std::time::Duration::from_millis(50)),
            s => panic!("state {s:?}: {j}"),
        }
    }
    panic!("job {id} did not finish");
}

fn job_body(formats: &[&str]) -> serde_json::Value {
    serde_json::json!({"articles": feed(), "title": TITLE, "date": DATE, "voice": "default", "formats": formats, "html": true})
}

/// Builds the same bulletin with the command line, in `format`; returns its directory.
fn cli_bulletin(dir: &Path, format: &str) -> std::path::PathBuf {
    let out = dir.join(format!("cli-{format}"));
    let o = crate::common::run_env(
        dir,
        &[
            "bulletin",
            "-",
            "-o",
            out.to_str().unwrap(),
            "--date",
            DATE,
            "--title",
            TITLE,
            "--voice",
            "default",
            "--format",
            format,
            "--html",
        ],
        Some(feed().to_string().as_bytes()),
        &[],
    );
    assert!(o.status.success(), "{}", crate::common::stderr(&o));
    out
}

#[test]
fn a_bulletin_job_runs_to_done_and_serves_the_files_the_cli_writes() {
    let data = tempfile::tempdir().unwrap();
    let srv = serve_dir(data.path(), &[]);
    let id = submit(&srv.addr, &job_body(&["wav", "mp3"]), "");
    let j = wait(&srv.addr, &id, "");
    assert_eq!(j["state"], "done", "{j}");
    assert_eq!(j["formats_done"], serde_json::json!(["wav", "mp3"]));
    let scratch = tempfile::tempdir().unwrap();
    for (fmt, ctype) in [("wav", "audio/wav"), ("mp3", "audio/mpeg")] {
        let links = &j["files"][fmt];
        let cli = cli_bulletin(scratch.path(), fmt);
        let audio = links["audio"].as_str().unwrap();
        assert_eq!(audio, format!("/v1/bulletins/{id}/files/{fmt}/bulletin.{fmt}"));
        let r = get(&srv.addr, audio);
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-type").as_deref(), Some(ctype));
        assert_eq!(r.header("accept-ranges").as_deref(), Some("bytes"));
        assert_eq!(r.header("content-length"), Some(r.body.len().to_string()));
        assert!(r.body == std::fs::read(cli.join(format!("bulletin.{fmt}"))).unwrap(), "{fmt} differs from the CLI's");
        for (key, file, ctype) in [
            ("vtt", "bulletin.vtt", "text/vtt; charset=utf-8"),
            ("srt", "bulletin.srt", "application/x-subrip; charset=utf-8"),
            ("manifest", "manifest.json", "application/json"),
            ("page", "index.html", "text/html; charset=utf-8"),
            ("chapters", "chapters.json", "application/json"),
            ("transcript", "transcript.json", "application/json"),
        ] {
            let r = get(&srv.addr, links[key].as_str().unwrap_or_else(|| panic!("no {key} link: {links}")));
            assert_eq!(r.status, 200, "{key}");
            assert_eq!(r.header("content-type").as_deref(), Some(ctype), "{key}");
            assert!(r.body == std::fs::read(cli.join(file)).unwrap(), "{fmt}/{file} differs from the CLI's");
        }
    }
}

#[test]
fn files_are_served_in_byte_ranges_so_players_can_seek() {
    let data = tempfile::tempdir().unwrap();
    let srv = serve_dir(data.path(), &[]);
    let id = submit(&srv.addr, &job_body(&["wav"]), "");
    assert_eq!(wait(&srv.addr, &id, "")["state"], "done");
    let url = format!("/v1/bulletins/{id}/files/wav/bulletin.wav");
    let full = get(&srv.addr, &url).body;
    let len = full.len();
    assert!(len > 1000, "{len}");
    let range = |spec: &str| request(&srv.addr, "GET", &url, &format!("Range: {spec}\r\n"), b"");
    for (spec, a, b) in [
        ("bytes=0-99", 0, 99),
        ("bytes=100-", 100, len - 1),
        ("bytes=-50", len - 50, len - 1),
        ("bytes=500-999999999", 500, len - 1),
    ] {
        let r = range(spec);
        assert_eq!(r.status, 206, "{spec}");
        assert_eq!(r.header("content-range"), Some(format!("bytes {a}-{b}/{len}")), "{spec}");
        assert_eq!(r.header("content-length"), Some((b - a + 1).to_string()), "{spec}");
        assert_eq!(r.header("accept-ranges").as_deref(), Some("bytes"));
        assert!(r.body == full[a..=b], "{spec}: wrong bytes");
    }
    for spec in [format!("bytes={len}-"), format!("bytes={}-{}", len + 10, len + 20), "bytes=-0".to_string()] {
        let r = range(&spec);
        assert_eq!(r.status, 416, "{spec}");
        assert_eq!(r.header("content-range"), Some(format!("bytes */{len}")), "{spec}");
    }
    // Invalid and multiple ranges are ignored: the whole file.
    for spec in ["bytes=10-5", "bytes=0-1,5-9", "lines=1-2"] {
        let r = range(spec);
        assert_eq!(r.status, 200, "{spec}");
        assert!(r.body == full, "{spec}");
    }
    // If-Range with the current entity tag keeps the range; any other gets the whole file.
    let etag = get(&srv.addr, &url).header("etag").unwrap();
    let r = request(&srv.addr, "GET", &url, &format!("Range: bytes=0-9\r\nIf-Range: {etag}\r\n"), b"");
    assert_eq!((r.status, r.body.len()), (206, 10));
    let r = request(&srv.addr, "GET", &url, "Range: bytes=0-9\r\nIf-Range: \"old\"\r\n", b"");
    assert_eq!((r.status, r.body.len()), (200, len));
    // HEAD: the headers alone.
    let r = request(&srv.addr, "HEAD", &url, "", b"");
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-length"), Some(len.to_string()));
    assert!(r.body.is_empty());
}

/// Rewrites `job.json` of job `id` in `data` with `edit`.
fn edit_state(data: &Path, id: &str, edit: impl FnOnce(&mut serde_json::Value)) {
    let p = data.join("jobs").join(id).join("job.json");
    let mut v: serde_json::Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
    edit(&mut v);
    std::fs::write(&p, v.to_string()).unwrap();
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let t = to.join(e.file_name());
        if e.file_type().unwrap().is_dir() {
            copy_dir(&e.path(), &t);
        } else {
            std::fs::copy(e.path(), t).unwrap();
        }
    }
}

#[test]
fn jobs_survive_a_restart_and_unfinished_ones_are_built_again() {
    let data = tempfile::tempdir().unwrap();
    let srv = serve_dir(data.path(), &[]);
    let id = submit(&srv.addr, &job_body(&["wav", "mp3"]), "");
    let before = wait(&srv.addr, &id, "");
    assert_eq!(before["state"], "done");
    let mp3_url = format!("/v1/bulletins/{id}/files/mp3/bulletin.mp3");
    let mp3 = get(&srv.addr, &mp3_url).body;
    drop(srv); // SIGKILL: no chance to tidy up

    // Two jobs as a crash leaves them: one that was building (its wav published, its mp3
    // not yet), one still queued (nothing built).
    let jobs = data.path().join("jobs");
    let (running, queued) = ("a".repeat(32), "b".repeat(32));
    copy_dir(&jobs.join(&id), &jobs.join(&running));
    std::fs::remove_dir_all(jobs.join(&running).join("out/mp3")).unwrap();
    edit_state(data.path(), &running, |v| {
        v["state"] = "running".into();
        v["formats_done"] = serde_json::json!(["wav"]);
    });
    copy_dir(&jobs.join(&id), &jobs.join(&queued));
    std::fs::remove_dir_all(jobs.join(&queued).join("out")).unwrap();
    edit_state(data.path(), &queued, |v| {
        v["state"] = "queued".into();
        v["formats_done"] = serde_json::json!([]);
        v["runs"] = 0.into();
    });
    let kept_wav = jobs.join(&running).join("out/wav/bulletin.wav");
    let kept_mtime = std::fs::metadata(&kept_wav).unwrap().modified().unwrap();

    let srv = serve_dir(data.path(), &[]);
    // The finished job is served as it was.
    let after = get(&srv.addr, &format!("/v1/bulletins/{id}")).json();
    assert_eq!(after["state"], "done");
    assert_eq!(after["files"], before["files"]);
    let r = request(&srv.addr, "GET", &mp3_url, "Range: bytes=-100\r\n", b"");
    assert_eq!(r.status, 206);
    assert!(r.body == mp3[mp3.len() - 100..]);
    // The interrupted one is resumed: the wav kept, the mp3 built again, the same bytes.
    let j = wait(&srv.addr, &running, "");
    assert_eq!(j["state"], "done", "{j}");
    assert_eq!(j["runs"], 2, "{j}");
    assert_eq!(j["formats_done"], serde_json::json!(["wav", "mp3"]));
    assert_eq!(std::fs::metadata(&kept_wav).unwrap().modified().unwrap(), kept_mtime, "the published wav was rebuilt");
    assert!(get(&srv.addr, &format!("/v1/bulletins/{running}/files/mp3/bulletin.mp3")).body == mp3);
    // The queued one is built.
    let j = wait(&srv.addr, &queued, "");
    assert_eq!((j["state"].as_str(), j["runs"].as_u64()), (Some("done"), Some(1)), "{j}");
    assert!(get(&srv.addr, &format!("/v1/bulletins/{queued}/files/mp3/bulletin.mp3")).body == mp3);

    // DELETE removes a finished job.
    assert_eq!(request(&srv.addr, "DELETE", &format!("/v1/bulletins/{queued}"), "", b"").status, 204);
    assert_eq!(get(&srv.addr, &format!("/v1/bulletins/{queued}")).status, 404);
    assert!(!jobs.join(&queued).exists());
    assert_eq!(request(&srv.addr, "DELETE", &format!("/v1/bulletins/{queued}"), "", b"").status, 404);
}

fn long_feed(n: usize) -> Vec<serde_json::Value> {
    (0..n)
        .map(|i| serde_json::json!({"title": format!("ख़बर {i}"), "body": "आज सुबह दिल्ली में तेज़ बारिश हुई। कई सड़कों पर पानी भर गया और यातायात धीमा रहा।"}))
        .collect()
}

#[test]
fn a_server_killed_while_building_builds_the_job_again_after_restart() {
    let data = tempfile::tempdir().unwrap();
    let srv = serve_dir(data.path(), &[]);
    let id = submit(&srv.addr, &serde_json::json!({"articles": long_feed(40), "date": DATE}), "");
    // Killed once the build has started (or, on a fast machine, after it ended: then the
    // restart only serves it).
    while get(&srv.addr, &format!("/v1/bulletins/{id}")).json()["state"] == "queued" {
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    drop(srv);
    let state: serde_json::Value =
        serde_json::from_slice(&std::fs::read(data.path().join("jobs").join(&id).join("job.json")).unwrap()).unwrap();
    let srv = serve_dir(data.path(), &[]);
    let j = wait(&srv.addr, &id, "");
    assert_eq!(j["state"], "done", "{j}");
    let expected_runs = if state["state"] == "running" { 2 } else { 1 };
    assert_eq!(j["runs"], expected_runs, "{j}");
    let wav = get(&srv.addr, &format!("/v1/bulletins/{id}/files/wav/bulletin.wav")).body;
    assert_eq!(&wav[..4], b"RIFF");
    // No leftovers of the killed build are left beside the published directory.
    let out: Vec<_> = std::fs::read_dir(data.path().join("jobs").join(&id).join("out"))
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    assert_eq!(out, ["wav"]);
}

#[test]
fn bad_bulletin_requests_get_json_errors_naming_the_field() {
    let data = tempfile::tempdir().unwrap();
    let srv = serve_dir(data.path(), &["--max-bulletin-body", "2000", "--max-bulletin-jobs", "1"]);
    let f = feed().to_string();
    let cases: Vec<(String, &str)> = vec![
        (format!(r#"{{"articles": {f}, "formats": ["ogg"]}}"#), "formats"),
        (format!(r#"{{"articles": {f}, "format": "aac"}}"#), "format"),
        (format!(r#"{{"articles": {f}, "format": "wav", "formats": ["mp3"]}}"#), "format"),
        (format!(r#"{{"articles": {f}, "voice": "/etc/passwd"}}"#), "voice"),
        (format!(r#"{{"articles": {f}, "date": "2026-02-31"}}"#), "date"),
        (format!(r#"{{"articles": {f}, "rate": 9}}"#), "rate"),
        (format!(r#"{{"articles": {f}, "html": "yes"}}"#), "html"),
        (format!(r#"{{"articles": {f}, "sample_rate": 8000}}"#), "sample_rate"),
        (format!(r#"{{"articles": {f}, "colour": 1}}"#), "colour"),
        (r#"{"title": "x"}"#.into(), "articles"),
        (r#"{"articles": {"title": "x"}}"#.into(), "articles"),
        (r#"{"articles": []}"#.into(), "articles"),
        (r#"{"articles": [{"title": "x", "body": "y"}, {"title": "z"}]}"#.into(), "articles"),
        (r#"{"articles": [{"title": "x", "body": "<speak><p>", "format": "ssml"}]}"#.into(), "articles"),
    ];
    for (body, field) in &cases {
        let r = request(&srv.addr, "POST", "/v1/bulletins", "", body.as_bytes());
        assert_eq!(r.status, 400, "{body}");
        assert_eq!(r.header("content-type").as_deref(), Some("application/json"));
        let j = r.json();
        assert_eq!(j["error"]["param"], *field, "{body}: {j}");
        assert!(!j["error"]["message"].as_str().unwrap().is_empty());
    }
    let r = request(&srv.addr, "POST", "/v1/bulletins", "", b"{\"articles\": [");
    assert_eq!(r.status, 400);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("invalid JSON"));
    // Item 2 is named, and the feed is called "articles", not stdin.
    let r = request(&srv.addr, "POST", "/v1/bulletins", "", cases[12].0.as_bytes());
    let msg = r.json()["error"]["message"].as_str().unwrap().to_string();
    assert!(msg.contains("item 2") && msg.contains("body") && !msg.contains("stdin"), "{msg}");
    // Body over the limit.
    let big = serde_json::json!({"articles": [{"title": "x", "body": "क".repeat(1000)}]}).to_string();
    assert_eq!(request(&srv.addr, "POST", "/v1/bulletins", "", big.as_bytes()).status, 413);
    // Unknown and malformed ids.
    assert_eq!(get(&srv.addr, &format!("/v1/bulletins/{}", "0".repeat(32))).status, 404);
    assert_eq!(get(&srv.addr, "/v1/bulletins/nope").status, 404);
    // Stored jobs: the limit is one.
    let id = submit(&srv.addr, &serde_json::json!({"articles": feed(), "date": DATE}), "");
    let r = request(&srv.addr, "POST", "/v1/bulletins", "", feed().to_string().as_bytes());
    assert_eq!(r.status, 507, "{}", String::from_utf8_lossy(&r.body));
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("DELETE"));
    assert_eq!(wait(&srv.addr, &id, "")["state"], "done");
    assert_eq!(request(&srv.addr, "DELETE", &format!("/v1/bulletins/{id}"), "", b"").status, 204);
    // A bare list is a feed with every option at its default.
    let id = submit(&srv.addr, &feed(), "");
    assert_eq!(wait(&srv.addr, &id, "")["request"]["formats"], serde_json::json!(["wav"]));
}

#[test]
fn a_full_bulletin_queue_is_429_with_retry_after() {
    let data = tempfile::tempdir().unwrap();
    let srv = serve_dir(data.path(), &["--max-queued-bulletins", "1"]);
    // Forty articles take seconds to build; the second request comes at once.
    let long = long_feed(40);
    let id = submit(&srv.addr, &serde_json::json!({"articles": long, "date": DATE}), "");
    let r = request(&srv.addr, "POST", "/v1/bulletins", "", feed().to_string().as_bytes());
    assert_eq!(r.status, 429, "{}", String::from_utf8_lossy(&r.body));
    assert_eq!(r.header("retry-after").as_deref(), Some("30"));
    // Deleting a job while it builds is refused (or it is done already, and deleted).
    let d = request(&srv.addr, "DELETE", &format!("/v1/bulletins/{id}"), "", b"");
    assert!(matches!(d.status, 409 | 204), "{}", d.head);
    if d.status == 409 {
        assert_eq!(wait(&srv.addr, &id, "")["state"], "done");
        // The queue has room again.
        submit(&srv.addr, &feed(), "");
    }
}

#[test]
fn bulletin_routes_need_the_bearer_token() {
    let data = tempfile::tempdir().unwrap();
    let tok = data.path().join("token");
    std::fs::write(&tok, "s3cret\n").unwrap();
    let jobs = data.path().join("d");
    let srv = serve_dir(&jobs, &["--token-file", tok.to_str().unwrap()]);
    let auth = "Authorization: Bearer s3cret\r\n";
    let body = job_body(&["wav"]).to_string();
    assert_eq!(request(&srv.addr, "POST", "/v1/bulletins", "", body.as_bytes()).status, 401);
    assert_eq!(std::fs::read_dir(jobs.join("jobs")).unwrap().count(), 0, "a job was made without the token");
    let id = submit(&srv.addr, &job_body(&["wav"]), auth);
    assert_eq!(get(&srv.addr, &format!("/v1/bulletins/{id}")).status, 401);
    assert_eq!(wait(&srv.addr, &id, auth)["state"], "done");
    let url = format!("/v1/bulletins/{id}/files/wav/bulletin.wav");
    assert_eq!(get(&srv.addr, &url).status, 401);
    assert_eq!(request(&srv.addr, "GET", &url, auth, b"").status, 200);
    assert_eq!(request(&srv.addr, "DELETE", &format!("/v1/bulletins/{id}"), "", b"").status, 401);
    assert!(jobs.join("jobs").join(&id).exists());
}

#[test]
fn bulletin_routes_without_a_data_dir_say_how_to_get_them() {
    let srv = start(&[]);
    let r = request(&srv.addr, "POST", "/v1/bulletins", "", feed().to_string().as_bytes());
    assert_eq!(r.status, 404);
    assert!(r.json()["error"]["message"].as_str().unwrap().contains("--data-dir"));
}

// Path traversal: a data directory laid out by hand (one finished job), a secret beside it.

const ID: &str = "0123456789abcdef0123456789abcdef";
const SECRET: &str = "secret-outside-the-job";

struct Fixture {
    _dir: tempfile::TempDir,
    srv: Server,
    root: std::path::PathBuf,
}

fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let job = data.join("jobs").join(ID);
    std::fs::create_dir_all(job.join("out/wav")).unwrap();
    std::fs::write(
        job.join("job.json"),
        r#"{"state":"done","error":null,"created":1,"started":1,"finished":2,"formats_done":["wav"],"warnings":[],"runs":1}"#,
    )
    .unwrap();
    let spec = serde_json::json!({"title": null, "date": DATE, "voice": "default", "formats": ["wav", "flac"],
        "html": false, "split": false, "intro": true, "keep_going": false, "rate": 1.0, "pitch": 1.0, "sample_rate": 22050});
    std::fs::write(job.join("request.json"), spec.to_string()).unwrap();
    std::fs::write(job.join("articles.json"), feed().to_string()).unwrap();
    std::fs::write(job.join("out/wav/bulletin.wav"), b"RIFF-the-bulletin").unwrap();
    std::fs::write(dir.path().join("secret.txt"), SECRET).unwrap();
    std::fs::write(data.join("secret.txt"), SECRET).unwrap();
    std::fs::write(job.join("secret.txt"), SECRET).unwrap();
    let srv = serve_dir(&data, &[]);
    // The control: the real file is served.
    let r = get(&srv.addr, &format!("/v1/bulletins/{ID}/files/wav/bulletin.wav"));
    assert_eq!((r.status, r.body.as_slice()), (200, &b"RIFF-the-bulletin"[..]));
    Fixture { root: dir.path().to_path_buf(), _dir: dir, srv }
}

fn refused(f: &Fixture, targets: &[String]) {
    for t in targets {
        let r = get(&f.srv.addr, t);
        assert!(matches!(r.status, 400 | 404), "{t}: {}", r.head);
        let body = String::from_utf8_lossy(&r.body);
        assert!(!body.contains(SECRET) && !body.contains("root:"), "{t}: {body}");
    }
}

#[test]
fn traversal_with_dot_dot_segments_is_refused() {
    let f = fixture();
    let base = format!("/v1/bulletins/{ID}/files/wav");
    refused(
        &f,
        &[
            "/v1/bulletins/../..".into(),
            "/v1/bulletins/../../etc/passwd".into(),
            "/v1/bulletins/..".into(),
            format!("/v1/bulletins/{ID}/files/wav/../../secret.txt"),
            format!("/v1/bulletins/{ID}/files/../../secret.txt"),
            format!("/v1/bulletins/{ID}/files/wav/.."),
            format!("{base}/../../../secret.txt"),
            format!("{base}/../../job.json"),
            format!("/v1/bulletins/{ID}/files/wav/../wav/../../request.json"),
        ],
    );
}

#[test]
fn traversal_with_percent_encoded_dots_is_refused() {
    let f = fixture();
    refused(
        &f,
        &[
            "/v1/bulletins/%2e%2e/%2e%2e".into(),
            "/v1/bulletins/%2E%2E".into(),
            format!("/v1/bulletins/{ID}/files/%2e%2e/secret.txt"),
            format!("/v1/bulletins/{ID}/files/wav/%2e%2e"),
            format!("/v1/bulletins/{ID}/files/wav/.%2e"),
            format!("/v1/bulletins/{ID}/files/%2e/bulletin.wav"),
            "/v1/bulletins/%2e%2e/files/wav/secret.txt".into(),
        ],
    );
}

#[test]
fn traversal_with_encoded_slashes_is_refused() {
    let f = fixture();
    refused(
        &f,
        &[
            format!("/v1/bulletins/{ID}/files/wav/..%2f..%2f..%2fsecret.txt"),
            format!("/v1/bulletins/{ID}/files/wav/..%2F..%2Fjob.json"),
            format!("/v1/bulletins/{ID}/files/wav%2f..%2f..%2fjob.json/bulletin.wav"),
            format!("/v1/bulletins/{ID}%2f..%2f..%2fsecret.txt"),
            format!("/v1/bulletins/{ID}/files/wav/%2e%2e%2f%2e%2e%2fsecret.txt"),
        ],
    );
}

#[test]
fn traversal_with_backslashes_is_refused() {
    let f = fixture();
    refused(
        &f,
        &[
            format!("/v1/bulletins/{ID}/files/wav/..\\..\\secret.txt"),
            format!("/v1/bulletins/{ID}/files/wav/..%5c..%5csecret.txt"),
            format!("/v1/bulletins/{ID}/files/wav/%5C..%5C..%5Cjob.json"),
            "/v1/bulletins/..\\..\\secret.txt".into(),
        ],
    );
}

#[test]
fn traversal_with_absolute_paths_is_refused() {
    let f = fixture();
    let secret = f.root.join("secret.txt").display().to_string();
    let encoded = secret.replace('/', "%2f");
    refused(
        &f,
        &[
            format!("/v1/bulletins/{ID}/files/wav/{secret}"),
            format!("/v1/bulletins/{ID}/files/wav/{encoded}"),
            format!("/v1/bulletins/{ID}/files/wav//etc/passwd"),
            format!("/v1/bulletins/{ID}/files/wav/%2fetc%2fpasswd"),
            format!("/v1/bulletins/{encoded}"),
            "/etc/passwd".into(),
            "http://x/etc/passwd".into(),
            format!("/v1/bulletins/{ID}/files/wav/C:%5cWindows%5cwin.ini"),
        ],
    );
}

#[test]
fn traversal_through_symlinks_out_of_the_job_directory_is_refused() {
    let f = fixture();
    let jobs = f.root.join("data/jobs");
    let job = jobs.join(ID);
    let outside = f.root.join("elsewhere");
    std::fs::create_dir_all(outside.join("out/wav")).unwrap();
    std::fs::write(outside.join("bulletin.flac"), SECRET).unwrap();
    std::fs::write(outside.join("out/wav/bulletin.wav"), SECRET).unwrap();
    // A file link, a directory link (a format's directory), a link for a whole job.
    std::os::unix::fs::symlink(f.root.join("secret.txt"), job.join("out/wav/bulletin.vtt")).unwrap();
    std::os::unix::fs::symlink("/etc/passwd", job.join("out/wav/manifest.json")).unwrap();
    std::os::unix::fs::symlink(&outside, job.join("out/flac")).unwrap();
    let linked = "fedcba9876543210fedcba9876543210";
    std::os::unix::fs::symlink(&outside, jobs.join(linked)).unwrap();
    std::fs::write(outside.join("job.json"), std::fs::read(job.join("job.json")).unwrap()).unwrap();
    std::fs::write(outside.join("request.json"), std::fs::read(job.join("request.json")).unwrap()).unwrap();
    // Even a link that stays inside the job directory is not followed.
    std::os::unix::fs::symlink("bulletin.wav", job.join("out/wav/bulletin.srt")).unwrap();
    refused(
        &f,
        &[
            format!("/v1/bulletins/{ID}/files/wav/bulletin.vtt"),
            format!("/v1/bulletins/{ID}/files/wav/manifest.json"),
            format!("/v1/bulletins/{ID}/files/flac/bulletin.flac"),
            format!("/v1/bulletins/{linked}/files/wav/bulletin.wav"),
            format!("/v1/bulletins/{ID}/files/wav/bulletin.srt"),
        ],
    );
}

#[test]
fn files_outside_the_bulletin_set_are_not_served() {
    let f = fixture();
    std::fs::write(f.root.join("data/jobs").join(ID).join("out/wav/notes.txt"), SECRET).unwrap();
    refused(
        &f,
        &[
            format!("/v1/bulletins/{ID}/files/wav/notes.txt"),
            format!("/v1/bulletins/{ID}/files/wav/.hidden"),
            format!("/v1/bulletins/{ID}/files/ogg/bulletin.ogg"),
            format!("/v1/bulletins/{ID}/files/wave/bulletin.wav"),
            format!("/v1/bulletins/{}/files/wav/bulletin.wav", ID.to_uppercase()),
        ],
    );
}
