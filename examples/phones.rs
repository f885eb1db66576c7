//! Renders IPA phone strings to a WAV (a synthesizer development aid).
//!
//! `cargo run --release --example phones -- [--voice NAME] [--rate R] OUT.wav "n ə m ə s t̪ eː" ["word2 ..." | , ]`
//! Each argument after OUT is one word; a lone `,` is a comma pause.

use samachar::g2p::{PhoneToken, PhoneticSentence, Pronunciation};
use samachar::text::{Ending, Pause};

fn main() {
    let mut args: Vec<String> = std::env::args().skip(1).collect();
    let mut voice = "arjun".to_string();
    let mut rate = 1.0f32;
    let mut sr = 22050u32;
    let mut ending = Ending::Statement;
    let mut vol = 1.0f32;
    loop {
        match args.first().map(|s| s.as_str()) {
            Some("--voice") => {
                voice = args[1].clone();
                args.drain(..2);
            }
            Some("--rate") => {
                rate = args[1].parse().unwrap();
                args.drain(..2);
            }
            Some("--sr") => {
                sr = args[1].parse().unwrap();
                args.drain(..2);
            }
            Some("--vol") => {
                vol = args[1].parse().unwrap();
                args.drain(..2);
            }
            Some("--question") => {
                ending = Ending::Question;
                args.drain(..1);
            }
            _ => break,
        }
    }
    let out = args.remove(0);
    let tokens = args
        .iter()
        .map(|w| {
            if w == "," {
                PhoneToken::Pause(Pause::Comma)
            } else {
                let phones = samachar::phoneme::parse_phones(w).unwrap_or_else(|t| panic!("unknown phone {t}"));
                PhoneToken::Word { text: w.clone(), pron: Pronunciation { phones } }
            }
        })
        .collect();
    let v = samachar::synth::Voice::load(&voice).unwrap();
    let set = v.prosody_settings(rate, 1.0);
    let u = samachar::prosody::plan(&PhoneticSentence { tokens, ending }, &set);
    let a = samachar::synth::Synth::new(&v, sr, vol).render(&u);
    let spec =
        hound::WavSpec { channels: 1, sample_rate: sr, bits_per_sample: 16, sample_format: hound::SampleFormat::Int };
    let mut w = hound::WavWriter::create(&out, spec).unwrap();
    let mut peak = 0f32;
    for x in &a.samples {
        peak = peak.max(x.abs());
        w.write_sample((x * 32767.0).round() as i16).unwrap();
    }
    w.finalize().unwrap();
    let rms = (a.samples.iter().map(|x| x * x).sum::<f32>() / a.samples.len().max(1) as f32).sqrt();
    eprintln!("{out}: {:.2} s, peak {:.3}, rms {:.4}", a.samples.len() as f32 / sr as f32, peak / vol, rms / vol);
}
