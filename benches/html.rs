//! `html_to_text` on hostile feed bodies (issue 7): 2 MB of `<!` (no tag ever closes), 5 MB of
//! `<script></script>`, and 5 MB of ordinary article HTML, in bytes per second. All three
//! must run at the same order of speed: the scanner is one pass over the input.

use criterion::{criterion_group, criterion_main, Criterion, Throughput};
use samachar::bulletin::input::html_to_text;

fn bench(c: &mut Criterion) {
    let cases = [
        ("lt_bang_2MB", "<!".repeat(1 << 20)),
        ("script_pairs_5MB", "<script></script>".repeat(5 * (1 << 20) / 17)),
        ("article_5MB", "<p>नई दिल्ली में <b>बारिश</b> हुई &amp; ठंड बढ़ी।</p>\n".repeat(5 * (1 << 20) / 90)),
    ];
    let mut g = c.benchmark_group("html_to_text");
    g.sample_size(10);
    for (name, body) in &cases {
        g.throughput(Throughput::Bytes(body.len() as u64));
        g.bench_function(*name, |b| b.iter(|| html_to_text(std::hint::black_box(body))));
    }
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
