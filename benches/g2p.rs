//! G2P speed: loading the built-in lexicon, and words phonemized per second on one core
//! (lexicon hits, stem + suffix, and the letter rules alone); and the whole front end (text
//! reading: numbers, money, times, Latin words, links; then G2P) on news text.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samachar::g2p::G2p;

/// Returns a word list: every 7th word of the built-in lexicon, plus the same words with
/// suffixes that are mostly not in the lexicon (stem path and letter rules).
fn words() -> Vec<String> {
    let text = include_str!("../lexicon/hi.tsv");
    let base: Vec<&str> =
        text.lines().filter(|l| !l.starts_with('#')).filter_map(|l| l.split('\t').next()).step_by(7).collect();
    let mut out: Vec<String> = base.iter().map(|w| w.to_string()).collect();
    out.extend(base.iter().step_by(2).map(|w| format!("{w}ों")));
    out.extend(base.iter().step_by(3).map(|w| format!("{w}कर")));
    out
}

fn bench(c: &mut Criterion) {
    // Parsing the built-in lexicon (21k words) and the schwa weights; G2p::builtin() does
    // this once per process.
    c.bench_function("load_builtin_lexicon", |b| b.iter(G2p::load_builtin));

    let words = words();
    let mut group = c.benchmark_group("phonemize");
    group.throughput(Throughput::Elements(words.len() as u64));
    for (name, g2p) in [("with_lexicon", G2p::builtin()), ("letter_rules", G2p::rules_only())] {
        let mut phones = Vec::new();
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut n = 0usize;
                for w in &words {
                    g2p.word_into(w, &mut phones);
                    n += phones.len();
                }
                n
            })
        });
    }
    group.finish();

    // The front end as `phonemize` runs it: the three example articles plus a paragraph dense
    // in the tokens the reading rules handle (money, times, scores, phones, Latin, links).
    let mut text = String::new();
    for a in ["cricket", "mausam", "rail"] {
        text.push_str(&std::fs::read_to_string(format!("examples/articles/{a}.txt")).unwrap_or_default());
        text.push_str("\n\n");
    }
    text.push_str(
        "सोने का भाव ₹7.45 लाख रहा और $120 million की डील हुई। सुबह 7 बजकर 08 मिनट पर, रात 11:30 PM को \
         स्कोर 287/9 था; हेल्पलाइन 1800-11-4000 पर फोन करें या https://www.example.com/news/1 देखें। \
         ISRO और NASA के वैज्ञानिक, Amit Shah और BREAKING NEWS, 120 km/h की रफ़्तार, 22-22 गज।\n",
    );
    let text = text.repeat(4);
    let g2p = G2p::builtin();
    let mut group = c.benchmark_group("front_end");
    group.throughput(Throughput::Bytes(text.len() as u64));
    group.bench_function("news_text", |b| {
        let mut phones = Vec::new();
        b.iter(|| {
            let doc = samachar::text::parse(&text);
            let mut n = 0usize;
            for s in doc.blocks.iter().flat_map(|b| &b.sentences) {
                for w in s.words() {
                    g2p.word_into(w, &mut phones);
                    n += phones.len();
                }
            }
            n
        })
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = bench
}
criterion_main!(benches);
