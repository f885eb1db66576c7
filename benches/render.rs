//! Whole-pipeline speed: article text → parse → G2P → prosody → synthesis → ordered
//! 16-bit output, in the global rayon pool. Throughput is in output samples.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samachar::render::wav::{to_i16, Overwrite, WavFile};
use samachar::render::{units_from_document, Engine, EngineOptions, Sink, Unit};
use samachar::synth::Voice;

/// Converts to PCM and discards: the pipeline's cost without the file system.
struct Discard(i64);

impl Sink for Discard {
    fn unit(&mut self, _: usize, _: &Unit, _: u64, samples: &[f32]) -> samachar::Result<()> {
        self.0 += samples.iter().map(|&x| to_i16(x) as i64).sum::<i64>();
        Ok(())
    }
    fn silence(&mut self, _: u64, _: u64) -> samachar::Result<()> {
        Ok(())
    }
}

fn bench(c: &mut Criterion) {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/examples/articles/mausam.txt"))
        .unwrap()
        .repeat(4);
    let voice = Voice::load(Voice::builtin_names()[0]).unwrap();
    let engine = Engine::new(&voice, &EngineOptions::default());
    let samples =
        engine.render(&units_from_document(&samachar::text::parse(&text)), &mut Discard(0)).unwrap().total_samples;
    let dir = tempfile::tempdir().unwrap();

    let mut g = c.benchmark_group("render");
    g.throughput(Throughput::Elements(samples));
    g.sample_size(20);
    g.bench_function("text_to_pcm", |b| {
        b.iter(|| {
            let units = units_from_document(&samachar::text::parse(&text));
            let mut sink = Discard(0);
            engine.render(&units, &mut sink).unwrap();
            sink.0
        })
    });
    g.bench_function("text_to_wav_file", |b| {
        let path = dir.path().join("bench.wav");
        b.iter(|| {
            let units = units_from_document(&samachar::text::parse(&text));
            let mut wav = WavFile::create(&path, engine.sample_rate(), Overwrite::Replace).unwrap();
            engine.render(&units, &mut wav).unwrap();
            wav.commit().unwrap()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
