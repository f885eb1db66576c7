//! The `samachar` command line: a thin layer over the library.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

mod bulletin_cli;

/// samachar — offline Hindi news reader: text to speech, bulletins, playback.
#[derive(Parser)]
#[command(version, about, long_about = None)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Prints the phonemes of each input line (IPA, phones separated by spaces).
    Phonemize {
        /// Input file, or `-` for stdin.
        #[arg(default_value = "-")]
        input: String,
        /// A user lexicon (word<TAB>phones) that overrides the built-in one; repeatable.
        #[arg(long)]
        lexicon: Vec<PathBuf>,
        /// Uses the letter rules alone, without any lexicon.
        #[arg(long)]
        no_lexicon: bool,
    },
    /// Speaks text into a WAV file, or plays it (--play), or both.
    ///
    /// Output: 16-bit PCM mono WAV. Without -o it goes to output/<input-stem>.wav
    /// (output/speech.wav for stdin); with --play and no -o no file is written.
    ///
    /// Overwriting: an existing file is never replaced unless --force is given, whether it
    /// was named with -o or is the default path. The WAV is written to a hidden temporary
    /// file beside the target and renamed into place only when complete, so a failed or
    /// interrupted run never leaves a truncated WAV under the target name.
    Speak {
        /// Input file, or `-` for stdin.
        #[arg(default_value = "-")]
        input: String,
        /// Output file (default: output/<input-stem>.wav); `-` streams to standard output
        /// (a WAV whose sizes say "unknown length", or MP3 with --format mp3).
        #[arg(short, long)]
        output: Option<PathBuf>,
        /// Plays the speech as it is synthesized (needs a build with `--features play`).
        #[arg(long)]
        play: bool,
        /// Voice: a built-in name (see `samachar voices`), a path to a voice TOML file, or a
        /// neural voice `kokoro:NAME` / `kokoro:NAME*0.6+NAME*0.4` (build with `--features neural`).
        #[arg(long)]
        voice: Option<String>,
        /// A user lexicon (word<TAB>phones) that overrides the built-in one; repeatable.
        #[arg(long)]
        lexicon: Vec<PathBuf>,
        /// Speaking rate multiplier, 0.25 to 4 (2 = twice as fast).
        #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = parse_rate)]
        rate: f32,
        /// Pitch multiplier of the voice's base pitch, 0.5 to 2 (kokoro voices: 0.8 to 1.25).
        #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = parse_pitch)]
        pitch: f32,
        /// Volume multiplier, 0 to 2.
        #[arg(long, default_value_t = 1.0, allow_hyphen_values = true, value_parser = parse_volume)]
        volume: f32,
        /// Output sample rate in Hz: 16000, 22050, 24000, 44100 or 48000 (default: 22050;
        /// kokoro voices: 24000, the model's own; other rates are resampled).
        #[arg(long, value_parser = parse_sample_rate)]
        sample_rate: Option<u32>,
        /// Overwrites the output file if it exists.
        #[arg(long)]
        force: bool,
        /// Reads the input as SSML (automatic when it starts with `<speak`); see README, "SSML".
        #[arg(long)]
        ssml: bool,
        /// Output format: wav, mp3 or flac (default: by the extension of -o, else wav). MP3
        /// is mono 96 kbit/s at 44.1 kHz with an ID3v2.4 tag; FLAC is lossless 16-bit with
        /// Vorbis comments.
        #[arg(long, value_parser = parse_format)]
        format: Option<samachar::encode::Format>,
        /// Also writes a JSON timings file: the sample rate, each sentence's start and end,
        /// each spoken word's start and end with the written word it was read from (formant
        /// voices; "word_timings": false for a Kokoro voice), and each SSML <mark>'s sample
        /// and time, from the start of the output. Replaced only with --force, like the audio.
        #[arg(long, value_name = "FILE.json")]
        timings: Option<PathBuf>,
    },
    /// Lists the built-in voices (the default is marked).
    Voices,
    /// Builds a news bulletin from many articles: WAV with chapters, captions, manifest.
    ///
    /// Output goes to a directory (default output/<date>-<slug>/): bulletin.wav,
    /// bulletin.srt, bulletin.vtt, manifest.json; --split adds one WAV per article, --html
    /// a listening page. It is written to a temporary directory and renamed when complete,
    /// in one step that replaces nothing; with --force it may replace a previous bulletin
    /// (a directory holding samachar's manifest.json), never any other directory or file.
    Bulletin(bulletin_cli::BulletinArgs),
    /// Serves speech over HTTP: POST /v1/audio/speech (OpenAI-compatible), GET /v1/voices,
    /// /healthz, /readyz, /metrics, a listening page at /; with --data-dir bulletin jobs
    /// (POST /v1/bulletins); with --wyoming also the Wyoming protocol for Home Assistant.
    /// See the README's "Service" section.
    #[cfg(feature = "serve")]
    Serve(ServeArgs),
}

/// Options of `samachar serve`.
#[cfg(feature = "serve")]
#[derive(clap::Args)]
struct ServeArgs {
    /// Address to listen on. A non-loopback address needs --token-file (or --insecure).
    #[arg(long, default_value = "127.0.0.1:5500")]
    bind: std::net::SocketAddr,
    /// Most syntheses at once; further requests wait in the queue.
    #[arg(long, default_value_t = 4)]
    max_concurrent: usize,
    /// Most requests waiting for a synthesis slot; further requests get 429 with Retry-After.
    #[arg(long, default_value_t = 8)]
    queue: usize,
    /// Most characters of input per request (413 above).
    #[arg(long, default_value_t = 5000)]
    max_chars: usize,
    /// A file holding the bearer token clients must send (Authorization: Bearer TOKEN).
    #[arg(long)]
    token_file: Option<PathBuf>,
    /// Allows a non-loopback bind without a token.
    #[arg(long)]
    insecure: bool,
    /// Seconds from a request's arrival (queue wait included) until its first audio bytes,
    /// else it fails with 504.
    #[arg(long, default_value_t = 30)]
    deadline: u64,
    /// Seconds in-flight requests may take to finish after SIGTERM.
    #[arg(long, default_value_t = 10)]
    grace: u64,
    /// Seconds a client has to send a request's headers, and again its body (408); an idle
    /// keep-alive connection is closed after it too.
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    read_timeout: u64,
    /// Seconds a response write may make no progress (a client that stopped reading) before
    /// the connection is closed and its synthesis stopped.
    #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    write_timeout: u64,
    /// Directory for bulletin jobs (POST /v1/bulletins); without it those routes answer 404.
    /// Jobs survive a restart; several servers may share it (see the README).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Bulletin jobs built at once by this server (at least 1).
    #[arg(long, default_value_t = 1, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
    bulletin_workers: usize,
    /// Most bulletin jobs stored in --data-dir, finished or not (507 above; DELETE old ones).
    #[arg(long, default_value_t = 100)]
    max_bulletin_jobs: usize,
    /// Most bulletin jobs queued or building on this server (429 above).
    #[arg(long, default_value_t = 16)]
    max_queued_bulletins: usize,
    /// Most bytes of a POST /v1/bulletins body (413 above); default 8 MiB.
    #[arg(long, default_value_t = 8 << 20)]
    max_bulletin_body: usize,
    /// Also serves the Wyoming protocol (Home Assistant) on tcp://HOST:PORT, beside HTTP. It
    /// has no authentication: a non-loopback HOST needs --insecure.
    #[arg(long, value_name = "tcp://HOST:PORT", value_parser = samachar::serve::wyoming::parse_uri)]
    wyoming: Option<std::net::SocketAddr>,
}

#[cfg(feature = "serve")]
fn serve(a: ServeArgs) -> anyhow::Result<()> {
    let token = match &a.token_file {
        Some(p) => {
            let t = std::fs::read_to_string(p).with_context(|| format!("{}: cannot read token file", p.display()))?;
            let t = t.trim().to_string();
            if t.is_empty() {
                anyhow::bail!("{}: token file is empty", p.display());
            }
            Some(t)
        }
        None => None,
    };
    if !a.bind.ip().is_loopback() && token.is_none() && !a.insecure {
        anyhow::bail!(
            "--bind {} is not a loopback address: give --token-file (or --insecure to serve without one)",
            a.bind
        );
    }
    if let Some(w) = a.wyoming {
        if !w.ip().is_loopback() && !a.insecure {
            anyhow::bail!(
                "--wyoming tcp://{w} is not a loopback address and Wyoming has no authentication: give --insecure to serve it there"
            );
        }
    }
    let cfg = samachar::serve::Config {
        bind: a.bind,
        wyoming: a.wyoming,
        max_concurrent: a.max_concurrent,
        queue: a.queue,
        max_chars: a.max_chars,
        deadline: std::time::Duration::from_secs(a.deadline),
        grace: std::time::Duration::from_secs(a.grace),
        read_timeout: std::time::Duration::from_secs(a.read_timeout),
        write_timeout: std::time::Duration::from_secs(a.write_timeout),
        bulletins: samachar::serve::bulletins::Settings {
            data_dir: a.data_dir,
            workers: a.bulletin_workers,
            max_jobs: a.max_bulletin_jobs,
            max_queued: a.max_queued_bulletins,
            max_body: a.max_bulletin_body,
        },
        token,
        ..Default::default()
    };
    samachar::serve::run(cfg)?;
    Ok(())
}

fn parse_ranged(s: &str, what: &str, lo: f32, hi: f32) -> Result<f32, String> {
    let x: f32 = s.trim().parse().map_err(|_| format!("{what} must be a number, not '{s}'"))?;
    if !(lo..=hi).contains(&x) {
        return Err(format!("{what} {x} is out of range ({lo} to {hi})"));
    }
    Ok(x)
}

fn parse_rate(s: &str) -> Result<f32, String> {
    parse_ranged(s, "rate", 0.25, 4.0)
}

fn parse_pitch(s: &str) -> Result<f32, String> {
    parse_ranged(s, "pitch", 0.5, 2.0)
}

fn parse_volume(s: &str) -> Result<f32, String> {
    parse_ranged(s, "volume", 0.0, 2.0)
}

fn parse_format(s: &str) -> Result<samachar::encode::Format, String> {
    samachar::encode::Format::parse(s)
        .ok_or_else(|| format!("unknown format {s:?}; one of {}", samachar::encode::Format::NAMES.join(", ")))
}

fn parse_sample_rate(s: &str) -> Result<u32, String> {
    let rates = samachar::render::wav::SAMPLE_RATES;
    match s.trim().parse::<u32>() {
        Ok(r) if rates.contains(&r) => Ok(r),
        _ => Err(format!("unsupported sample rate '{s}' (use one of {})", rates.map(|r| r.to_string()).join(", "))),
    }
}

/// Options of `samachar speak`.
struct SpeakArgs {
    input: String,
    output: Option<PathBuf>,
    play: bool,
    voice: Option<String>,
    lexicons: Vec<PathBuf>,
    opts: samachar::render::EngineOptions,
    force: bool,
    ssml: bool,
    format: Option<samachar::encode::Format>,
    timings: Option<PathBuf>,
}

/// Returns the default output path for an input: output/<stem>.EXT, output/speech.EXT for stdin.
fn default_output(input: &str, ext: &str) -> PathBuf {
    let stem = match std::path::Path::new(input).file_stem() {
        Some(s) if input != "-" => s.to_string_lossy().into_owned(),
        _ => "speech".to_string(),
    };
    PathBuf::from("output").join(format!("{stem}.{ext}"))
}

/// Where `speak` writes its audio.
enum Target {
    /// A file, moved into place when complete.
    File(PathBuf),
    /// Standard output (`-o -`), streamed sentence by sentence.
    Stdout,
}

/// The audio sink of `speak`: a file or standard output.
enum SpeakOut {
    File(samachar::encode::AudioOut),
    Stdout(samachar::encode::stream::AudioStream<std::io::BufWriter<std::io::StdoutLock<'static>>>),
}

impl samachar::render::Sink for SpeakOut {
    fn unit(&mut self, i: usize, u: &samachar::render::Unit, start: u64, s: &[f32]) -> samachar::Result<()> {
        match self {
            SpeakOut::File(f) => f.unit(i, u, start, s),
            SpeakOut::Stdout(o) => o.unit(i, u, start, s),
        }
    }
    fn silence(&mut self, start: u64, len: u64) -> samachar::Result<()> {
        match self {
            SpeakOut::File(f) => f.silence(start, len),
            SpeakOut::Stdout(o) => o.silence(start, len),
        }
    }
}

fn speak(a: SpeakArgs) -> anyhow::Result<()> {
    use samachar::encode::stream::{AudioStream, StreamFormat};
    use samachar::encode::{AudioOut, Format, Tags};
    use samachar::render::{play::Player, wav, Engine, Tee};
    use std::io::IsTerminal;
    let overwrite = if a.force { wav::Overwrite::Replace } else { wav::Overwrite::Refuse };
    let default_target = a.output.is_none() && !a.play;
    let to_stdout = a.output.as_deref().is_some_and(|p| p.as_os_str() == "-");
    let format =
        if to_stdout { a.format.unwrap_or(Format::Wav) } else { Format::choose(a.format, a.output.as_deref())? };
    let target = match (a.output, a.play) {
        _ if to_stdout => Some(Target::Stdout),
        (Some(p), _) => Some(Target::File(p)),
        (None, true) => None,
        (None, false) => Some(Target::File(default_output(&a.input, format.extension()))),
    };
    // Refuse before doing any work.
    match &target {
        Some(Target::File(t)) => wav::check_target(t, overwrite)?,
        Some(Target::Stdout) if std::io::stdout().is_terminal() => return Err(samachar::Error::Other(
            "-o -: standard output is a terminal; pipe the audio to a player (| aplay) or redirect it (> speech.wav)"
                .into(),
        )
        .into()),
        _ => {}
    }
    if let Some(t) = &a.timings {
        if let Some(Target::File(o)) = &target {
            if same_path(t, o) {
                anyhow::bail!("{}: --timings names the audio output file; give another name", t.display());
            }
        }
        wav::check_target(t, overwrite)?;
    }
    let voice_name = match a.voice {
        Some(v) => v,
        None => samachar::backend::default_voice()?,
    };
    let backend = samachar::backend::open(&voice_name, &a.opts)?;
    let g2p = samachar::g2p::G2p::with_lexicons(&a.lexicons, true)?;
    let (text, name) = read_input(&a.input)?;
    let doc = if a.ssml || samachar::ssml::looks_like_ssml(&text) {
        let parsed = samachar::ssml::parse(&text, &name)?;
        for w in &parsed.warnings {
            eprintln!("samachar: warning: {}", samachar::error::escape_controls(w));
        }
        parsed.document
    } else {
        samachar::text::parse(&text)
    };
    drop(text);
    let units = samachar::render::into_units(doc);
    if units.is_empty() {
        return Err(samachar::Error::EmptyInput { source: name }.into());
    }
    let engine = Engine::with_backend(g2p, backend, a.opts.rate);
    // Refuse a text too long for one WAV file before writing anything (the writer also stops
    // at once if the audio runs over while rendering). MP3 and a streamed WAV, whose sizes
    // say "unknown", have no such limit.
    let to_wav_file = format == Format::Wav && matches!(target, Some(Target::File(_)));
    let projected = if to_wav_file { engine.projected_samples(&units) } else { 0 };
    if projected > wav::MAX_SAMPLES {
        return Err(samachar::Error::Other(format!(
            "{name}: the speech would last {:.1} h, longer than one WAV file holds at {} Hz ({:.1} h); split the text or lower --sample-rate",
            wav::hours(projected, engine.sample_rate()),
            engine.sample_rate(),
            wav::hours(wav::MAX_SAMPLES, engine.sample_rate())
        ))
        .into());
    }
    // Opened before the output so that a missing device fails before any file is created.
    // Without a device the requested file is still written: playback is then only a warning.
    let mut player = match a.play.then(|| Player::open(engine.sample_rate())) {
        None => None,
        Some(Ok(p)) => Some(p),
        Some(Err(e)) => match &target {
            None => return Err(e.into()),
            Some(t) => {
                let what = match t {
                    Target::File(p) => p.display().to_string(),
                    Target::Stdout => "standard output".into(),
                };
                let msg = format!("{e}; writing {what} without playing it");
                eprintln!("samachar: warning: {}", samachar::error::escape_controls(&msg));
                None
            }
        },
    };
    if default_target {
        if let Some(Target::File(t)) = &target {
            if let Some(dir) = t.parent() {
                std::fs::create_dir_all(dir).with_context(|| format!("{}: cannot create directory", dir.display()))?;
            }
        }
    }
    let title = match std::path::Path::new(&a.input).file_stem() {
        Some(s) if a.input != "-" => s.to_string_lossy().into_owned(),
        _ => String::new(),
    };
    let tags = Tags { title, language: "hin".into(), ..Tags::default() };
    let mut out = match &target {
        Some(Target::File(t)) => Some(SpeakOut::File(AudioOut::create(format, t, engine.sample_rate(), overwrite)?)),
        Some(Target::Stdout) => {
            let layout = match format {
                Format::Wav => StreamFormat::Wav,
                Format::Mp3 => StreamFormat::Mp3,
                Format::Opus => StreamFormat::Opus,
                // STREAMINFO with the length "unknown" (a file's has it).
                Format::Flac => StreamFormat::Flac,
            };
            let stdout = std::io::BufWriter::with_capacity(1 << 16, std::io::stdout().lock());
            let path = std::path::Path::new("<stdout>");
            Some(SpeakOut::Stdout(AudioStream::new(layout, stdout, path, engine.sample_rate(), &tags)?))
        }
        None => None,
    };
    let rendered = engine.render(&units, &mut Tee(&mut out, &mut player))?;
    if rendered.audio_samples == 0 {
        // `out` is dropped here: its temporary file is removed (a stream got no byte yet).
        return Err(samachar::Error::EmptyInput { source: name }.into());
    }
    let summary = format!("{:.1} s, {} sentences", rendered.seconds(), units.len());
    match out {
        Some(SpeakOut::File(w)) => {
            let path = w.commit(&tags)?;
            eprintln!("samachar: wrote {} ({summary})", samachar::error::escape_controls(&path.display().to_string()));
        }
        Some(SpeakOut::Stdout(s)) => {
            s.finish()?;
            eprintln!("samachar: wrote standard output ({summary})");
        }
        None => {}
    }
    if let Some(t) = &a.timings {
        let path =
            samachar::render::timings::write_file(t, &samachar::render::timings::json(&units, &rendered), overwrite)?;
        let what = format!("{} ({} marks)", path.display(), rendered.marks.len());
        eprintln!("samachar: wrote {}", samachar::error::escape_controls(&what));
    }
    if let Some(p) = player {
        p.finish();
    }
    Ok(())
}

/// Returns true if `a` and `b` name the same file (lexically, or the same existing file).
fn same_path(a: &std::path::Path, b: &std::path::Path) -> bool {
    if a == b {
        return true;
    }
    match (std::fs::canonicalize(a), std::fs::canonicalize(b)) {
        (Ok(x), Ok(y)) => x == y,
        _ => {
            let dir = |p: &std::path::Path| match p.parent() {
                Some(d) if !d.as_os_str().is_empty() => std::fs::canonicalize(d).ok(),
                _ => std::fs::canonicalize(".").ok(),
            };
            a.file_name() == b.file_name() && dir(a).is_some() && dir(a) == dir(b)
        }
    }
}

/// Prints the built-in voices, one a line: name, description, and a mark on the default.
fn voices() -> anyhow::Result<()> {
    use samachar::synth::Voice;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    for (i, name) in Voice::builtin_names().into_iter().enumerate() {
        let v = Voice::builtin(name)?;
        // A `description` field, if the voice format has one; otherwise its base pitch.
        let desc = toml::Value::try_from(&v)
            .ok()
            .and_then(|t| t.get("description").and_then(|d| d.as_str()).map(str::to_string))
            .unwrap_or_else(|| {
                let p = v.prosody_settings(1.0, 1.0).pitch_hz;
                format!("base pitch {p:.0} Hz")
            });
        let mark = if i == 0 { "  (default)" } else { "" };
        writeln!(out, "{name:<12} {desc}{mark}")?;
    }
    neural_voices(&mut out)?;
    out.flush()?;
    Ok(())
}

/// Lists the installed Kokoro voices, or says how to install them.
#[cfg(feature = "neural")]
fn neural_voices(out: &mut impl Write) -> anyhow::Result<()> {
    let dir = samachar::backend::kokoro_dir();
    let names = samachar::kokoro::installed_voices(&dir)?;
    if names.is_empty() {
        writeln!(
            out,
            "no neural voices installed in {}: run `scripts/fetch-kokoro {}` (README, \"Neural voice\")",
            dir.display(),
            dir.display()
        )?;
    }
    for n in names {
        // Kokoro names a voice by language and sex: h = Hindi, j = Japanese, …
        let lang = match n.chars().next() {
            Some('h') => ", Hindi voice",
            Some('j') => ", Japanese voice",
            _ => "",
        };
        let name = format!("kokoro:{n}");
        writeln!(out, "{name:<23} neural (Kokoro-82M{lang}), 24 kHz")?;
    }
    Ok(())
}

/// Without the `neural` feature: say how to get the neural voices.
#[cfg(not(feature = "neural"))]
fn neural_voices(out: &mut impl Write) -> anyhow::Result<()> {
    writeln!(out, "neural voices (kokoro:NAME): build with `--features neural` and run scripts/fetch-kokoro (README, \"Neural voice\")")?;
    Ok(())
}

fn read_input(input: &str) -> anyhow::Result<(String, String)> {
    let (bytes, name) = if input == "-" {
        let b = samachar::limits::read_capped(
            std::io::stdin().lock(),
            samachar::limits::TEXT_MAX_BYTES,
            "<stdin>",
            "text",
        )?;
        (b, "<stdin>".to_string())
    } else {
        let f = std::fs::File::open(input).with_context(|| format!("{input}: cannot read"))?;
        (samachar::limits::read_capped(f, samachar::limits::TEXT_MAX_BYTES, input, "text")?, input.to_string())
    };
    let text = samachar::error::decode_utf8(bytes, &name)?;
    if text.trim().is_empty() {
        return Err(samachar::Error::EmptyInput { source: name }.into());
    }
    Ok((text, name))
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Phonemize { input, lexicon, no_lexicon } => {
            // Lexicons are read before the input so a bad lexicon is reported first.
            let g2p = samachar::g2p::G2p::with_lexicons(&lexicon, !no_lexicon)?;
            let (text, _) = read_input(&input)?;
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            let mut line_buf = String::new();
            let mut phones = Vec::new();
            for line in text.lines() {
                line_buf.clear();
                // A one-word line is phonemized as written (the G2P word-list format); a
                // longer line, or a word with digits, Latin letters or punctuation (2026,
                // BJP, डॉ.), goes through the text front end first, so numbers,
                // abbreviations, symbols and Latin words are read as Hindi words.
                let tokens;
                let plain_word = |w: &str| {
                    w.chars()
                        .all(|c| samachar::text::normalize::is_deva_letter(c) || matches!(c, '\u{200C}' | '\u{200D}'))
                };
                let mut ws = line.split_whitespace();
                let one_plain = match (ws.next(), ws.next()) {
                    (Some(w), None) => plain_word(w),
                    (None, _) => true,
                    _ => false,
                };
                let words: Vec<&str> = if one_plain {
                    line.split_whitespace().collect()
                } else {
                    tokens = samachar::text::normalize_line(line);
                    tokens
                        .iter()
                        .filter_map(|t| match t {
                            samachar::text::Token::Word(w) => Some(w.as_str()),
                            samachar::text::Token::Pause(_) | samachar::text::Token::Control(_) => None,
                        })
                        .collect()
                };
                for (i, w) in words.iter().enumerate() {
                    if i > 0 {
                        line_buf.push_str(" | ");
                    }
                    g2p.word_into(w, &mut phones);
                    samachar::g2p::write_sigmorphon_word(w, &phones, &mut line_buf);
                }
                writeln!(out, "{line_buf}")?;
            }
            out.flush()?;
        }
        Command::Speak {
            input,
            output,
            play,
            voice,
            lexicon,
            rate,
            pitch,
            volume,
            sample_rate,
            force,
            ssml,
            format,
            timings,
        } => {
            let voice = match voice {
                Some(v) => v,
                None => samachar::backend::default_voice()?,
            };
            let sample_rate = sample_rate.unwrap_or_else(|| samachar::backend::native_sample_rate(&voice));
            let opts = samachar::render::EngineOptions { rate, pitch, volume, sample_rate };
            let voice = Some(voice);
            speak(SpeakArgs { input, output, play, voice, lexicons: lexicon, opts, force, ssml, format, timings })?;
        }
        Command::Voices => voices()?,
        Command::Bulletin(args) => bulletin_cli::run(args)?,
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve(args)?,
    }
    Ok(())
}

fn main() {
    // Usage errors follow the same contract as every other error: one `samachar: error:` line
    // (clap's first line, without its usage block) and exit status 1. --help and --version
    // print as usual and exit 0.
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) if !e.use_stderr() => e.exit(),
        Err(e) => {
            let text = e.to_string();
            let first = text.lines().find(|l| !l.trim().is_empty()).unwrap_or("invalid arguments");
            let mut first = first.trim().strip_prefix("error:").unwrap_or(first).trim().to_string();
            // "the following required arguments were not provided:" lists them on the next
            // lines (up to the usage block): keep them on the one line.
            if first.ends_with(':') {
                let names: Vec<&str> = text
                    .lines()
                    .skip_while(|l| !l.trim_end().ends_with(':'))
                    .skip(1)
                    .take_while(|l| !l.trim().is_empty() && !l.starts_with("Usage"))
                    .map(str::trim)
                    .collect();
                first = format!("{first} {}", names.join(", "));
            }
            let hint = "see `samachar help`";
            eprintln!("samachar: error: {}; {hint}", samachar::error::escape_controls(&first));
            std::process::exit(1);
        }
    };
    #[cfg(feature = "serve")]
    let serving = matches!(cli.command, Command::Serve(_));
    #[cfg(not(feature = "serve"))]
    let serving = false;
    // The server handles its own signals (graceful shutdown).
    // Ctrl-C, SIGTERM, SIGHUP: remove the temporaries of unfinished files and stop. A file
    // already in place stays; nothing half-written is left (see samachar::cleanup).
    if !serving {
        let _ = ctrlc::set_handler(|| {
            samachar::cleanup::interrupted();
            eprintln!("samachar: interrupted; unfinished output removed");
            std::process::exit(130);
        });
    }
    if let Err(e) = run(cli) {
        // One line: the error and each cause not already part of the message before it.
        let mut msg = e.to_string();
        for cause in e.chain().skip(1) {
            let c = cause.to_string();
            if !msg.contains(&c) {
                msg = format!("{msg}: {c}");
            }
        }
        eprintln!("samachar: error: {}", samachar::error::escape_controls(&msg));
        std::process::exit(1);
    }
}
