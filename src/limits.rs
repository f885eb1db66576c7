//! Size limits on everything samachar reads or writes, so that memory and time stay bounded
//! whatever the input (issue 7). Each input is read through [`read_capped`]: at most its
//! limit plus one byte is ever read, and a larger input is one clear error naming it.
//!
//! Why these sizes: `speak` must stay within 64 MB of memory for any input, and a text is
//! parsed whole before it is spoken. Numbers expand most (`999999999` is a dozen words), so
//! the worst text measured, 512 KB of digits, took 66 MB; 256 KiB keeps the worst case near
//! 35 MB. 256 KiB of ordinary Hindi prose is about two hours of speech (roughly 35 bytes of
//! UTF-8 a second); longer texts are split into parts (`split -C 250k book.txt part-`).
//! A feed of 8 MiB holds the most articles a bulletin takes ([`MAX_ARTICLES`]) at several
//! kilobytes each.

use std::io::Read;
use std::path::Path;

use crate::{Error, Result};

/// Largest text input to `speak` (a file or standard input) and largest article file, bytes.
pub const TEXT_MAX_BYTES: u64 = 256 << 10;
/// Largest news feed file (RSS, Atom, JSON) for `bulletin`, bytes.
pub const FEED_MAX_BYTES: u64 = 8 << 20;
/// Largest voice file (`--voice FILE.toml`), bytes.
pub const VOICE_MAX_BYTES: u64 = 64 << 10;
/// Largest lexicon file (`--lexicon FILE`), bytes (the built-in one is 0.8 MB).
pub const LEXICON_MAX_BYTES: u64 = 8 << 20;
/// Most articles in one bulletin; further articles are an error naming the limit.
pub const MAX_ARTICLES: usize = 1000;

/// "2 MiB", "64 KiB".
pub fn human(bytes: u64) -> String {
    if bytes >= 1 << 20 {
        format!("{} MiB", bytes >> 20)
    } else {
        format!("{} KiB", bytes >> 10)
    }
}

/// Reads at most `limit` bytes from `r`; more is an error naming `source` and `what` it is.
pub fn read_capped(r: impl Read, limit: u64, source: &str, what: &str) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    r.take(limit + 1).read_to_end(&mut bytes).map_err(|e| Error::Other(format!("{source}: cannot read: {e}")))?;
    if bytes.len() as u64 > limit {
        // Texts, feeds and lexicons can be split; a voice file that large is not a voice file.
        let hint = if what.contains("voice") { "" } else { "; split it into smaller files" };
        return Err(Error::Other(format!("{source}: {what} larger than {} (the limit{hint})", human(limit))));
    }
    Ok(bytes)
}

/// Opens and reads a file through [`read_capped`]; I/O errors are [`Error::Io`].
pub fn read_file_capped(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    let f = std::fs::File::open(path).map_err(|err| Error::Io { path: path.to_path_buf(), err })?;
    read_capped(f, limit, &path.display().to_string(), what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn read_capped_stops_after_the_limit() {
        // An endless reader: only limit + 1 bytes are read.
        let e = read_capped(std::io::repeat(b'a'), 100, "<stdin>", "text").unwrap_err().to_string();
        assert!(e.contains("<stdin>: text larger than 0 KiB"), "{e}");
        assert_eq!(read_capped(&b"abc"[..], 3, "x", "text").unwrap(), b"abc");
        assert_eq!(human(TEXT_MAX_BYTES), "256 KiB");
        assert_eq!(human(FEED_MAX_BYTES), "8 MiB");
    }
}
