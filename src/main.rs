//! The `samachar` command line: a thin layer over the library.

use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::Context;
use clap::{Parser, Subcommand};

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
    /// Speaks text into a WAV file.
    Speak {
        /// Input file, or `-` for stdin.
        #[arg(default_value = "-")]
        input: String,
        /// Output WAV file.
        #[arg(short, long)]
        output: Option<PathBuf>,
    },
}

fn read_input(input: &str) -> anyhow::Result<(String, String)> {
    let (bytes, name) = if input == "-" {
        let mut b = Vec::new();
        std::io::stdin().read_to_end(&mut b).context("reading stdin")?;
        (b, "<stdin>".to_string())
    } else {
        (std::fs::read(input).with_context(|| format!("{input}: cannot read"))?, input.to_string())
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
                for (i, w) in line.split_whitespace().enumerate() {
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
        Command::Speak { input, output } => {
            let (text, _) = read_input(&input)?;
            let doc = samachar::text::parse(&text);
            let g2p = samachar::g2p::G2p::builtin();
            let voice = samachar::synth::Voice::load("default")?;
            let set = samachar::prosody::ProsodySettings::for_voice(&voice, 1.0, 1.0);
            let synth = samachar::synth::Synth::new(&voice, 22050, 1.0);
            let spec = hound::WavSpec { channels: 1, sample_rate: 22050, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
            let out = output.unwrap_or_else(|| PathBuf::from("output/speech.wav"));
            let mut w = hound::WavWriter::create(&out, spec)?;
            for b in &doc.blocks {
                for s in &b.sentences {
                    let u = samachar::prosody::plan(&g2p.sentence(s), &set);
                    let a = synth.render(&u);
                    for x in a.samples {
                        w.write_sample((x * 32767.0) as i16)?;
                    }
                }
            }
            w.finalize()?;
        }
    }
    Ok(())
}

fn main() {
    let cli = Cli::parse();
    if let Err(e) = run(cli) {
        eprintln!("samachar: error: {e:#}");
        std::process::exit(1);
    }
}
