//! Synthesizer throughput: samples per second for a long utterance (criterion reports
//! elements/s = samples/s on one core).

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samachar::g2p::{PhoneToken, PhoneticSentence, Pronunciation};
use samachar::phoneme::parse_phones;
use samachar::prosody::plan;
use samachar::synth::{Synth, Voice};
use samachar::text::{Ending, Pause};

fn sentence() -> PhoneticSentence {
    // A news-like sentence covering stops, fricatives, nasals, flaps and long/short vowels.
    let words = [
        "bʱ ɑː ɾ ə t̪",
        "k eː",
        "ʋ ɪ d̪ eː ʃ",
        "m ə n t̪ ɾ iː",
        "n eː",
        ",",
        "s ə m ɑː t͡ʃ ɑː ɾ",
        "pʰ ɪ ɾ",
        "s eː",
        "d̪ ɔː ɾ ɑː",
        "ʃ ʊ ɾ uː",
        "k ɪ j ɑː",
        ",",
        "ɔː ɾ",
        "ɖ ʱ eː ɾ",
        "t̪ʰ ɑː",
        "ɦ ɛː",
    ];
    let mut tokens = Vec::new();
    for _ in 0..4 {
        for w in words {
            tokens.push(if w == "," {
                PhoneToken::Pause(Pause::Comma)
            } else {
                PhoneToken::Word { text: w.into(), pron: Pronunciation { phones: parse_phones(w).unwrap_or_default() } }
            });
        }
    }
    PhoneticSentence { tokens, ending: Ending::Statement }
}

fn bench(c: &mut Criterion) {
    let s = sentence();
    for (voice, sr) in [("arjun", 22050u32), ("meera", 22050), ("arjun", 48000)] {
        let v = Voice::builtin(voice).unwrap();
        let u = plan(&s, &v.prosody_settings(1.0, 1.0));
        let synth = Synth::new(&v, sr, 1.0);
        let n = synth.render(&u).samples.len() as u64;
        let mut g = c.benchmark_group("synth");
        g.throughput(Throughput::Elements(n));
        g.bench_function(format!("render_{voice}_{sr}"), |b| b.iter(|| synth.render(std::hint::black_box(&u))));
        g.finish();
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
