//! Prints the Kokoro model calls samachar makes for a text, one a line: sentence number, speed,
//! token ids (a development aid: `scripts/kokoro-reference.py --run` synthesizes them with
//! Python's onnxruntime to compare speed and output with `samachar speak`).
//!
//! `SAMACHAR_KOKORO_DIR=DIR cargo run --release --features neural --example kokoro_pieces -- TEXT.txt [VOICE]`

use samachar::backend::{kokoro_dir, Settings};
use samachar::kokoro::phones::Piece;
use samachar::kokoro::{Kokoro, SAMPLE_RATE};
use samachar::render::Unit;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (Some(path), voice) = (args.first(), args.get(1).map_or("jm_kumo", |s| s.as_str())) else {
        return Err("usage: kokoro_pieces TEXT.txt [VOICE]".into());
    };
    let text = std::fs::read_to_string(path)?;
    let settings = Settings { sample_rate: SAMPLE_RATE, ..Default::default() };
    let kokoro = Kokoro::open_with_threads(voice, &settings, &kokoro_dir(), 1)?;
    let g2p = samachar::g2p::G2p::builtin();
    println!("# sentence\tspeed\ttokens (voice {voice}, {path})");
    let units = samachar::render::into_units(samachar::text::parse(&text));
    for (i, unit) in units.iter().enumerate() {
        let Unit::Sentence { sentence, .. } = unit else { continue };
        for piece in kokoro.pieces(&g2p.sentence(sentence)) {
            if let Piece::Speech { tokens, rate, .. } = piece {
                if tokens.is_empty() {
                    continue;
                }
                let ids: Vec<String> = tokens.iter().map(|t| t.to_string()).collect();
                println!("{}\t{}\t{}", i + 1, kokoro.speed() * rate, ids.join(" "));
            }
        }
    }
    Ok(())
}
