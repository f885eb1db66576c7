//! The neural voice: one news sentence through samachar's front end and Kokoro-82M
//! (`cargo bench --features neural --bench neural`). Criterion reports elements/s = output
//! samples per second (24 000 a second of speech), so real-time factor = that / 24 000.
//! Needs the model in `$SAMACHAR_KOKORO_DIR` (or the default model directory); without it the
//! bench says so and measures nothing.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samachar::backend::{kokoro_dir, Backend, Settings};
use samachar::kokoro::{Kokoro, MODEL_FILES, SAMPLE_RATE};

const SENTENCE: &str = "विदेश मंत्री एस जयशंकर ने सोमवार को मॉस्को में कहा कि भारत और रूस के संबंध दुनिया के सबसे स्थिर संबंधों में से एक हैं।";

fn neural(c: &mut Criterion) {
    let dir = kokoro_dir();
    if !MODEL_FILES.iter().any(|m| dir.join(m).is_file()) {
        eprintln!(
            "neural bench skipped: no Kokoro model in {} (scripts/fetch-kokoro DIR; SAMACHAR_KOKORO_DIR=DIR)",
            dir.display()
        );
        return;
    }
    let settings = Settings { sample_rate: SAMPLE_RATE, ..Default::default() };
    let kokoro = match Kokoro::open("jm_kumo", &settings, &dir) {
        Ok(k) => k,
        Err(e) => {
            eprintln!("neural bench skipped: {e}");
            return;
        }
    };
    let doc = samachar::text::parse(SENTENCE);
    let units = samachar::render::into_units(doc);
    let sentence = units.iter().find_map(|u| u.sentence()).expect("one sentence").clone();
    let g2p = samachar::g2p::G2p::builtin();
    let phonetic = g2p.sentence(&sentence);
    let samples = kokoro.synthesize(&phonetic).expect("synthesis").samples.len() as u64;
    let mut g = c.benchmark_group("neural");
    g.sample_size(10);
    g.throughput(Throughput::Elements(samples));
    g.bench_function("kokoro_jm_kumo_sentence", |b| {
        b.iter(|| kokoro.synthesize(&g2p.sentence(&sentence)).expect("synthesis"))
    });
    g.finish();
}

criterion_group!(benches, neural);
criterion_main!(benches);
