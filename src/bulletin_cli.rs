//! `samachar bulletin`: the command-line face of [`samachar::bulletin`].

use std::io::IsTerminal;
use std::path::PathBuf;

/// Options of `samachar bulletin`.
#[derive(clap::Args)]
pub struct BulletinArgs {
    /// Article text files (first non-empty line = headline), directories of them (read in
    /// name order; only .txt, .text, .md, .json, .xml, .rss, .atom files), `-` for stdin, or
    /// feeds: RSS 2.0 / Atom XML, or a JSON list of {"title", "body"} items.
    #[arg(required = true)]
    inputs: Vec<String>,
    /// Output directory (default: output/<date>-<slug of title>).
    #[arg(short, long)]
    output: Option<PathBuf>,
    /// Title spoken in the opening line (default "आज की ख़बरें").
    #[arg(long, value_parser = parse_title)]
    title: Option<String>,
    /// Bulletin date, YYYY-MM-DD (default: today, UTC).
    #[arg(long, value_parser = parse_date)]
    date: Option<samachar::bulletin::plan::Date>,
    /// Voice: a built-in name (see `samachar voices`), a path to a voice TOML file, or a
    /// neural voice `kokoro:NAME` (build with `--features neural`).
    #[arg(long)]
    voice: Option<String>,
    /// A user lexicon (word<TAB>phones) that overrides the built-in one; repeatable.
    #[arg(long)]
    lexicon: Vec<PathBuf>,
    /// Speaking rate multiplier, 0.25 to 4.
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = super::parse_rate)]
    rate: f32,
    /// Pitch multiplier of the voice's base pitch, 0.5 to 2 (kokoro voices: 0.8 to 1.25).
    #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = super::parse_pitch)]
    pitch: f32,
    /// Output sample rate in Hz: 16000, 22050, 24000, 44100 or 48000 (default: 22050;
    /// kokoro voices: 24000, the model's own; other rates are resampled).
    #[arg(long, value_parser = super::parse_sample_rate)]
    sample_rate: Option<u32>,
    /// Integrated loudness target in LUFS (−16 for streaming; −23 for EBU R128 broadcast).
    #[arg(long, default_value_t = -16.0, allow_hyphen_values = true, value_parser = parse_lufs)]
    loudness: f64,
    /// Plays the finished bulletin (needs a build with `--features play`).
    #[arg(long)]
    play: bool,
    /// Also writes one WAV per article (article-001.wav, …).
    #[arg(long)]
    split: bool,
    /// Also writes index.html: player, transcript with the spoken sentence highlighted.
    #[arg(long)]
    html: bool,
    /// Leaves out the opening line (title and date).
    #[arg(long)]
    no_intro: bool,
    /// Skips inputs and single feed items that cannot be used (and lists them in the
    /// manifest) instead of stopping.
    #[arg(long)]
    keep_going: bool,
    /// Replaces a previous bulletin at the output directory (a directory holding samachar's
    /// manifest.json); any other directory or file there is refused.
    #[arg(long)]
    force: bool,
    /// Prints no progress bar and no summary.
    #[arg(short, long)]
    quiet: bool,
    /// Audio format: wav (default), mp3 (mono 96 kbit/s 44.1 kHz, ID3 chapters per article)
    /// or flac (lossless, Vorbis-comment chapters per article).
    #[arg(long, default_value = "wav", value_parser = super::parse_format)]
    format: samachar::encode::Format,
    /// Adds the bulletin to this podcast feed (RSS 2.0, iTunes and Podcasting 2.0 tags);
    /// creates it if missing. Needs --base-url.
    #[arg(long, requires = "base_url")]
    feed: Option<PathBuf>,
    /// The URL the bulletin directories are published under (the bulletin in directory D
    /// is at URL/D/), for the feed's links.
    #[arg(long, requires = "feed", value_parser = samachar::bulletin::podcast::check_base_url)]
    base_url: Option<String>,
    /// Keeps only the newest N items in the feed (default: all).
    #[arg(long, requires = "feed", value_parser = clap::value_parser!(u32).range(1..))]
    feed_keep: Option<u32>,
}

fn parse_date(s: &str) -> Result<samachar::bulletin::plan::Date, String> {
    samachar::bulletin::plan::Date::parse(s)
        .ok_or_else(|| format!("'{s}' is not a date that exists (use YYYY-MM-DD, years 1000 to 9999)"))
}

/// Checks a `--title`: it is spoken and published, so it must have something to say.
fn parse_title(s: &str) -> Result<String, String> {
    if s.chars().all(|c| c.is_whitespace() || c.is_control()) {
        return Err("the title is empty (leave out --title for the default)".to_string());
    }
    Ok(s.to_string())
}

fn parse_lufs(s: &str) -> Result<f64, String> {
    let x: f64 = s.trim().parse().map_err(|_| format!("loudness must be a number in LUFS, not '{s}'"))?;
    if !(-40.0..=-5.0).contains(&x) {
        return Err(format!("loudness {x} LUFS is out of range (-40 to -5)"));
    }
    Ok(x)
}

/// Runs `samachar bulletin`.
pub fn run(a: BulletinArgs) -> anyhow::Result<()> {
    use samachar::bulletin::{build, loudness::Target, Options};
    // `-o -` means standard output everywhere else; a bulletin is a directory of files.
    if a.output.as_deref().is_some_and(|p| p.as_os_str() == "-") {
        anyhow::bail!(
            "-o -: a bulletin is a directory of files and cannot go to standard output (for a directory named '-', write -o ./-)"
        );
    }
    let voice = match a.voice {
        Some(v) => v,
        None => samachar::backend::default_voice()?,
    };
    let sample_rate = a.sample_rate.unwrap_or_else(|| samachar::backend::native_sample_rate(&voice));
    let opts = Options {
        inputs: a.inputs,
        out_dir: a.output,
        title: a.title,
        date: a.date,
        voice,
        engine: samachar::render::EngineOptions { rate: a.rate, pitch: a.pitch, volume: 1.0, sample_rate },
        lexicons: a.lexicon,
        loudness: Target { lufs: a.loudness, ..Target::default() },
        intro: !a.no_intro,
        split: a.split,
        html: a.html,
        play: a.play,
        keep_going: a.keep_going,
        force: a.force,
        progress: !a.quiet && std::io::stderr().is_terminal(),
        format: a.format,
        feed: a.feed.map(|path| samachar::bulletin::podcast::FeedOptions {
            path,
            base_url: a.base_url.unwrap_or_default(),
            keep: a.feed_keep.map(|n| n as usize),
        }),
    };
    let mut stdin = std::io::stdin().lock();
    let summary =
        build(&opts, &mut stdin, &mut |msg| eprintln!("samachar: warning: {}", samachar::error::escape_controls(msg)))?;
    if !a.quiet {
        let m = &summary.manifest;
        eprintln!(
            "samachar: wrote {} ({} articles, {} sentences, {:.1} min, {:.1} LUFS{})",
            samachar::error::escape_controls(&summary.dir.display().to_string()),
            m.articles.len(),
            m.sentences.len(),
            m.audio.duration / 60.0,
            m.audio.integrated_lufs.unwrap_or(f64::NEG_INFINITY),
            if m.skipped.is_empty() { String::new() } else { format!(", {} skipped", m.skipped.len()) }
        );
    }
    Ok(())
}
