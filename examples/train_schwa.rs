//! Learns the schwa-deletion table `lexicon/schwa.tsv` from pronounced words.
//!
//! Usage (from the repository root):
//!
//! ```text
//! cargo run --release --example train_schwa -- [--min N] [--out FILE] [--eval HELDOUT.tsv --pred OUT.tsv] TRAIN.tsv...
//! ```
//!
//! TRAIN files are `word<TAB>phones` in the SIGMORPHON 2020 notation (lexicon/hi.tsv, built
//! from the SIGMORPHON 2020 train split and WikiPron by lexicon/build/build_lexicon.py).
//! For each word, the letter rules give the phones with every inherent schwa kept; an edit
//! alignment with the gold phones, where dropping a candidate schwa is free, labels each
//! candidate kept or deleted. Every candidate is then counted under each context template
//! of `src/g2p/schwa.rs`, right to left with the gold decisions of the candidates to its
//! right, as the runtime decides. A context enters the table when it was seen at least
//! `--min` times and its majority decision differs from what the more general contexts
//! (and finally Ohala's rule) would give for the instances it covers.
//!
//! With `--eval`, the learned table (without writing it) phonemizes the held-out words with
//! the letter rules alone and writes `word<TAB>phones` to `--pred`, for g2p_score.py.

use std::collections::HashMap;

use samachar::g2p::{format_sigmorphon, train};
use samachar::phoneme::Phone;

fn parse_gold(s: &str) -> Option<Vec<Phone>> {
    let mut out = Vec::new();
    let mut lex = samachar::g2p::Lexicon::new();
    lex.add_text("gold", &format!("x\t{s}")).ok()?;
    out.extend_from_slice(lex.get("x")?);
    Some(out)
}

/// Labels each candidate (true = kept) by a minimum-edit alignment; returns the cost too.
fn label(cand: &[Phone], is_cand: &[bool], gold: &[Phone]) -> (usize, Vec<bool>) {
    let (n, m) = (cand.len(), gold.len());
    let inf = usize::MAX / 4;
    let mut d = vec![vec![inf; m + 1]; n + 1];
    d[0][0] = 0;
    for i in 0..=n {
        for j in 0..=m {
            let cur = d[i][j];
            if cur >= inf {
                continue;
            }
            if i < n && j < m {
                let c = cur + usize::from(cand[i] != gold[j]);
                if c < d[i + 1][j + 1] {
                    d[i + 1][j + 1] = c;
                }
            }
            if i < n {
                let c = cur + usize::from(!is_cand[i]);
                if c < d[i + 1][j] {
                    d[i + 1][j] = c;
                }
            }
            if j < m && cur + 1 < d[i][j + 1] {
                d[i][j + 1] = cur + 1;
            }
        }
    }
    // Backtrace.
    let mut kept = vec![true; n];
    let (mut i, mut j) = (n, m);
    while i > 0 || j > 0 {
        if i > 0 && j > 0 && d[i][j] == d[i - 1][j - 1] + usize::from(cand[i - 1] != gold[j - 1]) {
            i -= 1;
            j -= 1;
        } else if i > 0 && d[i][j] == d[i - 1][j] + usize::from(!is_cand[i - 1]) {
            kept[i - 1] = false;
            i -= 1;
        } else {
            j -= 1;
        }
    }
    (d[n][m], kept)
}

struct Instance {
    keys: Vec<String>,
    kept: bool,
    ohala: bool,
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let mut epochs = 20usize;
    let mut rate = 0.2f64;
    let mut l2 = 0.001f64;
    let mut prune = 0.05f64;
    let mut out = "lexicon/schwa.tsv".to_string();
    let mut eval = None;
    let mut pred = None;
    let mut eval_lex = None;
    let mut inputs = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--epochs" => epochs = it.next().and_then(|v| v.parse().ok()).expect("--epochs N"),
            "--rate" => rate = it.next().and_then(|v| v.parse().ok()).expect("--rate X"),
            "--l2" => l2 = it.next().and_then(|v| v.parse().ok()).expect("--l2 X"),
            "--prune" => prune = it.next().and_then(|v| v.parse().ok()).expect("--prune X"),
            "--out" => out = it.next().expect("--out FILE"),
            "--eval" => eval = it.next(),
            "--pred" => pred = it.next(),
            "--eval-lexicon" => eval_lex = it.next(),
            _ => inputs.push(a),
        }
    }
    let mut instances = Vec::new();
    let (mut words, mut skipped) = (0usize, 0usize);
    let mut key = String::new();
    for path in &inputs {
        let text = std::fs::read_to_string(path).expect("read training file");
        for line in text.lines() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let Some((w, p)) = line.split_once('\t') else { continue };
            let Some(gold) = parse_gold(p) else { continue };
            let (mut skel, pos, phones, idx) = train::candidates(w);
            if pos.is_empty() {
                continue;
            }
            let mut is_cand = vec![false; phones.len()];
            for &k in &idx {
                if k < is_cand.len() {
                    is_cand[k] = true;
                }
            }
            let (cost, kept_ph) = label(&phones, &is_cand, &gold);
            // Words whose letters and pronunciation disagree beyond schwa are unreliable
            // evidence (loanwords, editor variants).
            if cost > 1 {
                skipped += 1;
                continue;
            }
            words += 1;
            for ci in (0..pos.len()).rev() {
                let kept = idx.get(ci).and_then(|&k| kept_ph.get(k)).copied().unwrap_or(true);
                let mut keys = Vec::with_capacity(train::n_templates());
                for t in 0..train::n_templates() {
                    train::key(&skel, pos[ci], t, &mut key);
                    keys.push(key.clone());
                }
                let ohala = train::ohala(&skel, pos[ci]);
                // The first syllable's schwa is decided by rule, not learned.
                if !skel[..pos[ci]].iter().any(|&c| train::is_vowelish(c)) {
                    skel[pos[ci]] = '1';
                    continue;
                }
                instances.push(Instance { keys, kept, ohala });
                skel[pos[ci]] = if kept { '1' } else { '0' };
            }
        }
    }
    eprintln!("{words} words, {skipped} skipped, {} schwa candidates", instances.len());
    // Logistic regression over the context keys (+ Ohala's decision), by stochastic
    // gradient descent with L2 shrinkage on the weights an instance touches.
    let mut ids: HashMap<&str, usize> = HashMap::new();
    let feats: Vec<Vec<usize>> = instances
        .iter()
        .map(|ins| {
            ins.keys
                .iter()
                .map(|k| {
                    let n = ids.len();
                    *ids.entry(k.as_str()).or_insert(n)
                })
                .collect()
        })
        .collect();
    let mut w = vec![0f64; ids.len()];
    let (mut bias, mut wo) = (0f64, 0f64);
    let mut order: Vec<usize> = (0..instances.len()).collect();
    let mut rng = 0x2545_f491_4f6c_dd1du64;
    for epoch in 0..epochs {
        // Fisher-Yates shuffle with a fixed xorshift seed: the table is reproducible.
        for i in (1..order.len()).rev() {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            order.swap(i, (rng % (i as u64 + 1)) as usize);
        }
        let lr = rate / (1.0 + epoch as f64 * 0.5);
        for &n in &order {
            let ins = &instances[n];
            let o = if ins.ohala { 1.0 } else { -1.0 };
            let z = bias + wo * o + feats[n].iter().map(|&f| w[f]).sum::<f64>();
            let p = 1.0 / (1.0 + (-z).exp());
            let g = (if ins.kept { 1.0 } else { 0.0 }) - p;
            bias += lr * g;
            wo += lr * g * o;
            for &f in &feats[n] {
                w[f] += lr * (g - l2 * w[f]);
            }
        }
    }
    let mut text = String::new();
    text.push_str("# samachar schwa-deletion weights: context<TAB>weight (logistic regression; > 0 keeps).\n");
    text.push_str("# Learned by examples/train_schwa.rs from lexicon/hi.tsv (SIGMORPHON 2020 train + WikiPron,\n");
    text.push_str("# Wiktionary-derived, CC BY-SA; see lexicon/README.md). Context: template letter, letters\n");
    text.push_str("# left of the schwa, '_', letters right (0 deleted, 1 kept, a undecided schwa).\n");
    text.push_str(&format!("BIAS\t{bias:.3}\nOHALA\t{wo:.3}\n"));
    let mut rows: Vec<(&str, f64)> = ids.iter().map(|(k, &i)| (*k, w[i])).filter(|(_, x)| x.abs() >= prune).collect();
    rows.sort_by(|a, b| a.0.cmp(b.0));
    for (k, x) in &rows {
        text.push_str(&format!("{k}\t{x:.3}\n"));
    }
    eprintln!("{} weights kept of {}", rows.len(), ids.len());
    if let Some(ev) = eval {
        let mut g = train::with_schwa_table(&text, false);
        if let Some(l) = &eval_lex {
            let mut lex = samachar::g2p::Lexicon::new();
            lex.add_file(std::path::Path::new(l)).expect("read eval lexicon");
            g.add_lexicon(&lex);
        }
        let src = std::fs::read_to_string(&ev).expect("read eval file");
        let mut outp = String::new();
        let mut seen = std::collections::HashSet::new();
        for line in src.lines() {
            let Some((w, _)) = line.split_once('\t') else { continue };
            if seen.insert(w.to_string()) {
                outp.push_str(&format!("{w}\t{}\n", format_sigmorphon(&g.word(w).phones)));
            }
        }
        std::fs::write(pred.expect("--pred FILE"), outp).expect("write predictions");
    } else {
        std::fs::write(&out, text).expect("write table");
        eprintln!("wrote {out}");
    }
}
