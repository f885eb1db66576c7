//! WAV chapters: a `cue ` chunk with one point per article and a `LIST`/`adtl` chunk with a
//! `labl` (label) per point, appended to a finished WAV file.
//!
//! hound writes only `fmt ` and `data`, so the chunks are appended here after it has
//! finalized the file, and the RIFF size in the header is rewritten to cover them. Layouts
//! follow Microsoft's RIFF specification ("Multimedia Programming Interface and Data
//! Specifications 1.0", 1991: cue-points chunk and associated data list).

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use crate::{Error, Result};

/// A chapter mark: a sample position (in sample frames) and its label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Chapter {
    /// Position in sample frames from the start of the data.
    pub sample: u32,
    /// The label (UTF-8).
    pub label: String,
}

fn io(path: &Path) -> impl Fn(std::io::Error) -> Error + '_ {
    move |err| Error::Io { path: path.to_path_buf(), err }
}

/// Builds the `cue ` and `LIST`/`adtl` chunks for the chapters (cue ids are 1, 2, …).
pub fn chunks(chapters: &[Chapter]) -> Vec<u8> {
    let mut out = Vec::new();
    out.extend_from_slice(b"cue ");
    out.extend_from_slice(&(4 + 24 * chapters.len() as u32).to_le_bytes());
    out.extend_from_slice(&(chapters.len() as u32).to_le_bytes());
    for (i, c) in chapters.iter().enumerate() {
        let id = i as u32 + 1;
        out.extend_from_slice(&id.to_le_bytes()); // dwName
        out.extend_from_slice(&c.sample.to_le_bytes()); // dwPosition (play order)
        out.extend_from_slice(b"data"); // fccChunk
        out.extend_from_slice(&0u32.to_le_bytes()); // dwChunkStart (no wavl)
        out.extend_from_slice(&0u32.to_le_bytes()); // dwBlockStart (PCM: 0)
        out.extend_from_slice(&c.sample.to_le_bytes()); // dwSampleOffset
    }
    let mut adtl = Vec::new();
    adtl.extend_from_slice(b"adtl");
    for (i, c) in chapters.iter().enumerate() {
        let mut text = c.label.replace('\0', " ").into_bytes();
        text.push(0);
        adtl.extend_from_slice(b"labl");
        adtl.extend_from_slice(&(4 + text.len() as u32).to_le_bytes());
        adtl.extend_from_slice(&(i as u32 + 1).to_le_bytes());
        adtl.extend_from_slice(&text);
        // Every chunk starts on an even offset; the pad byte is not counted in its size.
        if text.len() % 2 == 1 {
            adtl.push(0);
        }
    }
    out.extend_from_slice(b"LIST");
    out.extend_from_slice(&(adtl.len() as u32).to_le_bytes());
    out.extend_from_slice(&adtl);
    out
}

/// Appends chapter chunks to a finished WAV file and fixes its RIFF size.
pub fn append_chapters(path: &Path, chapters: &[Chapter]) -> Result<()> {
    let mut f = OpenOptions::new().read(true).write(true).open(path).map_err(io(path))?;
    let mut head = [0u8; 12];
    f.read_exact(&mut head).map_err(io(path))?;
    if &head[0..4] != b"RIFF" || &head[8..12] != b"WAVE" {
        return Err(Error::Other(format!("{}: not a RIFF/WAVE file", path.display())));
    }
    let mut len = f.seek(SeekFrom::End(0)).map_err(io(path))?;
    if len % 2 == 1 {
        f.write_all(&[0]).map_err(io(path))?;
        len += 1;
    }
    let extra = chunks(chapters);
    f.write_all(&extra).map_err(io(path))?;
    let riff = len + extra.len() as u64 - 8;
    let riff = u32::try_from(riff).map_err(|_| Error::Other(format!("{}: WAV larger than 4 GiB", path.display())))?;
    f.seek(SeekFrom::Start(4)).map_err(io(path))?;
    f.write_all(&riff.to_le_bytes()).map_err(io(path))?;
    f.sync_all().map_err(io(path))?;
    Ok(())
}

/// What [`read_riff`] finds in a WAV file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RiffInfo {
    /// The RIFF size field (file length − 8 when consistent).
    pub riff_size: u32,
    /// Chunk ids in file order.
    pub chunk_ids: Vec<String>,
    /// Cue points: (id, sample offset).
    pub cues: Vec<(u32, u32)>,
    /// Labels: (cue id, text).
    pub labels: Vec<(u32, String)>,
}

/// Reads a WAV file's chunk list, cue points and labels (to check what was written).
pub fn read_riff(path: &Path) -> Result<RiffInfo> {
    let bytes = std::fs::read(path).map_err(io(path))?;
    let bad = |what: &str| Error::Other(format!("{}: {what}", path.display()));
    if bytes.len() < 12 || &bytes[0..4] != b"RIFF" || &bytes[8..12] != b"WAVE" {
        return Err(bad("not a RIFF/WAVE file"));
    }
    let u32at = |b: &[u8], i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    let mut info = RiffInfo { riff_size: u32at(&bytes, 4), ..Default::default() };
    let mut pos = 12;
    while pos + 8 <= bytes.len() {
        let id = String::from_utf8_lossy(&bytes[pos..pos + 4]).into_owned();
        let size = u32at(&bytes, pos + 4) as usize;
        let body = bytes.get(pos + 8..pos + 8 + size).ok_or_else(|| bad(&format!("chunk '{id}' runs past the end")))?;
        if id == "cue " {
            let n = u32at(body, 0) as usize;
            for k in 0..n {
                let p = 4 + 24 * k;
                info.cues.push((u32at(body, p), u32at(body, p + 20)));
            }
        } else if id == "LIST" && body.starts_with(b"adtl") {
            let mut q = 4;
            while q + 8 <= body.len() {
                let sub = &body[q..q + 4];
                let sz = u32at(body, q + 4) as usize;
                let data = body.get(q + 8..q + 8 + sz).ok_or_else(|| bad("adtl sub-chunk runs past the end"))?;
                if sub == b"labl" && sz >= 4 {
                    let text = &data[4..];
                    let text = text.split(|&b| b == 0).next().unwrap_or(&[]);
                    info.labels.push((u32at(data, 0), String::from_utf8_lossy(text).into_owned()));
                }
                q += 8 + sz + sz % 2;
            }
        }
        info.chunk_ids.push(id);
        pos += 8 + size + size % 2;
    }
    Ok(info)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chapters_append_and_read_back_and_hound_still_reads_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("a.wav");
        let spec = hound::WavSpec {
            channels: 1,
            sample_rate: 8000,
            bits_per_sample: 16,
            sample_format: hound::SampleFormat::Int,
        };
        let mut w = hound::WavWriter::create(&p, spec).unwrap();
        for i in 0..1001 {
            w.write_sample((i % 100) as i16).unwrap();
        }
        w.finalize().unwrap();
        let ch = vec![Chapter { sample: 0, label: "1. पहली".into() }, Chapter { sample: 500, label: "2. ab".into() }];
        append_chapters(&p, &ch).unwrap();
        let info = read_riff(&p).unwrap();
        let len = std::fs::metadata(&p).unwrap().len();
        assert_eq!(info.riff_size as u64, len - 8);
        assert_eq!(info.chunk_ids, ["fmt ", "data", "cue ", "LIST"]);
        assert_eq!(info.cues, [(1, 0), (2, 500)]);
        assert_eq!(info.labels, [(1, "1. पहली".to_string()), (2, "2. ab".to_string())]);
        let r = hound::WavReader::open(&p).unwrap();
        assert_eq!(r.duration(), 1001);
    }
}
