//! The library's error type.

use std::path::PathBuf;

/// Everything that can go wrong in samachar's library, with enough context for a
/// one-line message a user can act on.
#[derive(Debug)]
#[non_exhaustive]
pub enum Error {
    /// A malformed news feed (RSS/Atom XML or JSON), at the position its parser reports.
    Feed {
        /// The feed file (or "<stdin>").
        source: String,
        /// 1-based line of the problem.
        line: usize,
        /// 1-based column (characters) of the problem.
        column: usize,
        /// What the parser found wrong.
        problem: String,
    },
    /// Malformed or invalid SSML, at the position of the problem.
    Ssml {
        /// The input (a path, "<stdin>", or "feed.json#3").
        source: String,
        /// 1-based line.
        line: usize,
        /// 1-based column (characters).
        column: usize,
        /// What is wrong.
        problem: String,
    },
    /// An article that cannot be used (unreadable, undecodable, nothing to speak, empty feed).
    Article {
        /// The article (a path, "<stdin>", or "feed.xml#3" for a feed's third item).
        source: String,
        /// What is wrong.
        problem: String,
    },
    /// The bulletin output directory cannot be used.
    OutputDir {
        /// The directory.
        path: PathBuf,
        /// What is wrong.
        problem: String,
    },
    /// Input bytes are not UTF-8.
    InvalidUtf8 {
        /// Where the input came from (a path or "<stdin>").
        source: String,
        /// Byte offset of the first invalid byte.
        offset: usize,
    },
    /// Input has nothing to speak.
    EmptyInput {
        /// Where the input came from.
        source: String,
    },
    /// A malformed line in a data file (lexicon, expansion table).
    DataLine {
        /// The file.
        file: String,
        /// 1-based line number.
        line: usize,
        /// What is wrong.
        problem: String,
    },
    /// A malformed voice file.
    Voice {
        /// The file (or built-in voice name).
        file: String,
        /// What is wrong (serde's message names the field).
        problem: String,
    },
    /// An unknown voice name.
    UnknownVoice {
        /// The name asked for.
        name: String,
        /// The voices that exist.
        available: Vec<String>,
    },
    /// An I/O error on a path.
    Io {
        /// The path involved.
        path: PathBuf,
        /// The underlying error.
        err: std::io::Error,
    },
    /// An output file exists and overwriting it was not asked for.
    OutputExists {
        /// The existing file.
        path: PathBuf,
    },
    /// Audio playback failed (no output device, device lost).
    Audio {
        /// What is wrong.
        problem: String,
    },
    /// Any other failure, described.
    Other(String),
}

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Error::Feed { source, line, column, problem } => {
                write!(f, "{source}:{line}:{column}: malformed feed: {problem}")
            }
            Error::Ssml { source, line, column, problem } => write!(f, "{source}:{line}:{column}: {problem}"),
            Error::Article { source, problem } => write!(f, "{source}: {problem}"),
            Error::OutputDir { path, problem } => write!(f, "{}: {problem}", path.display()),
            Error::InvalidUtf8 { source, offset } => {
                write!(f, "{source}: invalid UTF-8 at byte offset {offset}")
            }
            Error::EmptyInput { source } => write!(f, "{source}: no text to speak (the input is empty, blank, or has nothing readable such as letters or digits)"),
            Error::DataLine { file, line, problem } => write!(f, "{file}:{line}: {problem}"),
            Error::Voice { file, problem } => write!(f, "voice {file}: {}", one_line_toml(problem)),
            Error::UnknownVoice { name, available } => {
                write!(f, "unknown voice '{name}' (available: {})", available.join(", "))
            }
            Error::Io { path, err } => write!(f, "{}: {err}", path.display()),
            Error::OutputExists { path } => {
                write!(f, "{}: file exists (use --force to overwrite it)", path.display())
            }
            Error::Audio { problem } => write!(f, "audio playback: {problem}"),
            Error::Other(s) => f.write_str(s),
        }
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            Error::Io { err, .. } => Some(err),
            _ => None,
        }
    }
}

/// Condenses a multi-line TOML/serde message (location header, source excerpt with a
/// caret, message) to one line that keeps the location, the field (the key of the
/// offending source line) and what is wrong. Other text is only joined onto one line.
fn one_line_toml(problem: &str) -> String {
    let lines: Vec<&str> = problem.lines().map(str::trim_end).filter(|l| !l.trim().is_empty()).collect();
    if lines.len() <= 1 {
        return problem.trim().to_string();
    }
    let Some(loc) = lines[0].strip_prefix("TOML parse error at ") else {
        return lines.join("; ");
    };
    // Excerpt lines look like "  |" or "12 | key = value".
    let excerpt = |l: &str| {
        l.trim_start().starts_with('|') || l.split_once(" | ").is_some_and(|(n, _)| n.trim().parse::<u32>().is_ok())
    };
    let key = lines[1..]
        .iter()
        .filter_map(|l| l.split_once(" | "))
        .filter(|(n, _)| n.trim().parse::<u32>().is_ok())
        .filter_map(|(_, src)| src.split_once('=').map(|(k, _)| k.trim().trim_matches('"').to_string()))
        .find(|k| !k.is_empty() && !k.starts_with('['));
    let message: Vec<&str> = lines[1..].iter().copied().filter(|l| !excerpt(l)).map(str::trim).collect();
    let message = message.join("; ");
    match key {
        // Missing/unknown-field messages already name the field they are about.
        Some(k) if !message.contains("missing field") && !message.contains("unknown field") => {
            format!("{loc}: field `{k}`: {message}")
        }
        _ => format!("{loc}: {message}"),
    }
}

/// Result with [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Returns `s` with every control character and bidirectional formatting character written
/// as a visible escape (`\u{1b}`), so that text from feeds, file names or user input cannot
/// drive the terminal (set its title, move the cursor) or reorder the rest of a message.
pub fn escape_controls(s: &str) -> std::borrow::Cow<'_, str> {
    let bad = |c: char| {
        c.is_control() || matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
    };
    if !s.chars().any(bad) {
        return std::borrow::Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if bad(c) {
            out.push_str(&format!("\\u{{{:x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// Decodes input bytes as UTF-8 (dropping a BOM), naming the byte offset on failure. Text
/// saved as UTF-16 (a byte-order mark FF FE or FE FF) is named as such, with how to convert it.
pub fn decode_utf8(bytes: Vec<u8>, source: &str) -> Result<String> {
    if bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]) {
        let order = if bytes[0] == 0xFF { "UTF-16LE" } else { "UTF-16BE" };
        return Err(Error::Other(format!(
            "{source}: the text is {order}, not UTF-8 (convert it, e.g. `iconv -f UTF-16 -t UTF-8`)"
        )));
    }
    match String::from_utf8(bytes) {
        Ok(mut s) => {
            if s.starts_with('\u{feff}') {
                s.drain(..3);
            }
            Ok(s)
        }
        Err(e) => Err(Error::InvalidUtf8 { source: source.to_string(), offset: e.utf8_error().valid_up_to() }),
    }
}
