//! The render boundary: the formant backend's bytes are pinned by golden hashes
//! (tests/data/formant_golden.tsv), so refactors of the backend plumbing cannot change them.

use samachar::render::{units_from_document, Engine, EngineOptions, VecSink};
use samachar::synth::Voice;

fn fnv1a(samples: &[f32]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for s in samples {
        for b in s.to_bits().to_le_bytes() {
            h ^= b as u64;
            h = h.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    h
}

#[test]
fn formant_output_matches_the_golden_hashes() {
    let data = include_str!("../data/formant_golden.tsv");
    let mut bad = Vec::new();
    let mut rows = 0;
    for line in data.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()) {
        let f: Vec<&str> = line.split('\t').collect();
        assert_eq!(f.len(), 7, "bad golden row: {line}");
        let voice = Voice::load(f[0]).unwrap();
        let opts = EngineOptions {
            rate: f[1].parse().unwrap(),
            pitch: f[2].parse().unwrap(),
            volume: f[3].parse().unwrap(),
            sample_rate: f[4].parse().unwrap(),
        };
        let engine = Engine::new(&voice, &opts);
        let units = units_from_document(&samachar::text::parse(f[5]));
        let mut sink = VecSink::default();
        let r = engine.render(&units, &mut sink).unwrap();
        assert_eq!(r.sample_rate, opts.sample_rate);
        assert!(sink.samples.len() > opts.sample_rate as usize / 2, "too short: {line}");
        let got = format!("{:016x}", fnv1a(&sink.samples));
        if got != f[6] {
            bad.push(format!("{}\t{}", f[..6].join("\t"), got));
        }
        rows += 1;
    }
    assert!(rows >= 5);
    assert!(bad.is_empty(), "formant output changed; rows with the hashes now produced:\n{}", bad.join("\n"));
}
