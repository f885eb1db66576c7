//! The timings file of `samachar speak --timings`: the sample rate, every sentence with its
//! start and end, every spoken word with its start, end and written token ([`super::words`]),
//! and every SSML `<mark>` with its sample and time, all from the start of the output (the
//! exact sample spans of [`super::Rendered`]). `word_timings` says whether the voice gave
//! word times (the formant voices do; a Kokoro voice does not, and `words` is then empty).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicU64;

use super::wav::{check_target, place, Overwrite};
use super::{Rendered, Unit};
use crate::{Error, Result};

static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// Returns the timings of a render of `units` as pretty JSON with a final newline:
/// `{sample_rate, samples, duration, sentences: [{index, start, end, start_sample,
/// end_sample, text}], word_timings, words: [{sentence, text, token, written, start, end,
/// start_sample, end_sample}], marks: [{name, sentence, sample, time}]}`, times in seconds.
/// A word's `token` is the 0-based index of the written token (`written`) within its sentence.
pub fn json(units: &[Unit], rendered: &Rendered) -> String {
    let rate = rendered.sample_rate;
    let secs = |s: u64| (s as f64 / rate as f64 * 1e6).round() / 1e6;
    // 1-based sentence numbers, by unit (ready-made audio has none).
    let mut number = Vec::with_capacity(units.len());
    let mut sentences = Vec::new();
    for (unit, span) in units.iter().zip(&rendered.spans) {
        match unit {
            Unit::Sentence { sentence, .. } => {
                number.push(Some(sentences.len() + 1));
                sentences.push(serde_json::json!({
                    "index": sentences.len() + 1,
                    "start": secs(span.start),
                    "end": secs(span.end),
                    "start_sample": span.start,
                    "end_sample": span.end,
                    "text": sentence.text,
                }));
            }
            Unit::Audio { .. } => number.push(None),
        }
    }
    let marks: Vec<_> = rendered
        .marks
        .iter()
        .map(|m| {
            serde_json::json!({
                "name": m.name,
                "sentence": number.get(m.unit).copied().flatten(),
                "sample": m.sample,
                "time": secs(m.sample),
            })
        })
        .collect();
    let words: Vec<_> = super::words::list(units, rendered)
        .into_iter()
        .map(|w| {
            serde_json::json!({
                "sentence": w.sentence,
                "text": w.text,
                "token": w.token,
                "written": w.written,
                "start": secs(w.start),
                "end": secs(w.end),
                "start_sample": w.start,
                "end_sample": w.end,
            })
        })
        .collect();
    let v = serde_json::json!({
        "sample_rate": rate,
        "samples": rendered.total_samples,
        "duration": secs(rendered.total_samples),
        "sentences": sentences,
        "word_timings": rendered.word_timings,
        "words": words,
        "marks": marks,
    });
    let mut s = serde_json::to_string_pretty(&v).unwrap_or_default();
    s.push('\n');
    s
}

/// Writes `text` to `target` through a hidden temporary beside it, synced and moved into
/// place only when complete; under [`Overwrite::Refuse`] an existing file is never replaced.
pub fn write_file(target: &Path, text: &str, overwrite: Overwrite) -> Result<PathBuf> {
    check_target(target, overwrite)?;
    let io = |err| Error::Io { path: target.to_path_buf(), err };
    let name = target.file_name().ok_or_else(|| Error::Other(format!("{}: not a file name", target.display())))?;
    let name = name.to_string_lossy();
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    crate::publish::remove_stale_files(&dir, &name);
    let pid = std::process::id();
    let (temp, lock) =
        crate::publish::create_temp(&dir, &name, &NEXT_TEMP, |n| format!("{pid}-{n}.tmp")).map_err(io)?;
    let _cleanup = crate::cleanup::register(temp.clone());
    let written = (&lock).write_all(text.as_bytes()).and_then(|()| (&lock).flush());
    let placed = written.map_err(io).and_then(|()| place(&temp, target, overwrite));
    match placed {
        Ok(_commit) => Ok(target.to_path_buf()),
        Err(e) => {
            let _ = std::fs::remove_file(&temp);
            Err(e)
        }
    }
}
