//! Bulletin throughput, in audio samples per second (criterion reports elements/s; a
//! 1-hour bulletin at 22,050 Hz is 79.4 M samples):
//!
//! - `loudness_normalize_2min`: the loudness second pass (measure, gain, limiter, 16-bit
//!   write with the output metered) over a float WAV on disk;
//! - `mp3_bulletin_10_articles` / `wav_bulletin_10_articles`: a whole bulletin (read,
//!   synthesis with the formant voice, loudness, MP3 encoding with the decoded file metered,
//!   ID3 chapters, captions, manifest) from the first 10 articles of
//!   `benches/data/feed100.json` (about 10 minutes of audio), as MP3 and as WAV.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samachar::bulletin::loudness::{normalize, FloatWavWriter, Target};

/// Writes `secs` of a speech-like signal (a harmonic tone under a syllable-rate envelope,
/// with pauses) as a float WAV.
fn speechy_wav(path: &std::path::Path, rate: u32, secs: u32) -> u64 {
    let mut w = FloatWavWriter::create(path, rate).unwrap();
    let n = (rate * secs) as usize;
    let mut block = Vec::with_capacity(4096);
    for i in 0..n {
        let t = i as f32 / rate as f32;
        let syll = (std::f32::consts::TAU * 4.0 * t).sin().max(0.0);
        let pause = if t % 3.0 > 2.4 { 0.0 } else { 1.0 };
        let ph = std::f32::consts::TAU * 130.0 * t;
        let tone = ph.sin() + 0.5 * (2.0 * ph).sin() + 0.3 * (5.0 * ph).sin() + 0.2 * (7.0 * ph).sin();
        block.push(0.3 * syll * pause * tone);
        if block.len() == 4096 {
            w.write(&block).unwrap();
            block.clear();
        }
    }
    w.write(&block).unwrap();
    w.finish().unwrap();
    n as u64
}

fn bench(c: &mut Criterion) {
    let dir = tempfile::tempdir().unwrap();
    let raw = dir.path().join("raw.wav");
    let out = dir.path().join("out.wav");
    let n = speechy_wav(&raw, 22_050, 120);
    let r = normalize(&raw, &out, Target::default(), &[]).unwrap();
    eprintln!(
        "bench input: {:.1} LUFS in, gain {:.1} dB, {} write pass(es)",
        r.input.lufs.unwrap_or(f64::NAN),
        r.gain_db,
        r.passes
    );
    let mut g = c.benchmark_group("bulletin");
    g.sample_size(10);
    g.throughput(Throughput::Elements(n));
    g.bench_function("loudness_normalize_2min", |b| b.iter(|| normalize(&raw, &out, Target::default(), &[]).unwrap()));
    g.finish();
    whole_bulletins(c, dir.path());
}

/// Whole bulletins from 10 articles of the benchmark feed, as MP3 and WAV.
fn whole_bulletins(c: &mut Criterion, dir: &std::path::Path) {
    use samachar::bulletin::{build, Options};
    use samachar::encode::Format;
    let feed = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/data/feed100.json");
    let items: Vec<serde_json::Value> = serde_json::from_slice(&std::fs::read(feed).unwrap()).unwrap();
    let input = dir.join("feed10.json");
    std::fs::write(&input, serde_json::to_vec(&items[..10]).unwrap()).unwrap();
    let mut runs = 0u32;
    let mut make = |format: Format| {
        runs += 1;
        let out = dir.join(format!("b{runs}"));
        let opts = Options {
            inputs: vec![input.display().to_string()],
            out_dir: Some(out.clone()),
            format,
            ..Options::default()
        };
        let s = build(&opts, &mut std::io::empty(), &mut |_| {}).unwrap();
        std::fs::remove_dir_all(&out).unwrap();
        s.manifest.audio.samples
    };
    let samples = make(Format::Mp3);
    eprintln!("bench bulletin: {samples} samples ({:.1} min at 22,050 Hz)", samples as f64 / 22_050.0 / 60.0);
    let mut g = c.benchmark_group("bulletin");
    g.sample_size(10);
    g.throughput(Throughput::Elements(samples));
    g.bench_function("mp3_bulletin_10_articles", |b| b.iter(|| make(Format::Mp3)));
    g.bench_function("wav_bulletin_10_articles", |b| b.iter(|| make(Format::Wav)));
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
