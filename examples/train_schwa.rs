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
    let mut min = 2usize;
    let mut out = "lexicon/schwa.tsv".to_string();
    let mut eval = None;
    let mut pred = None;
    let mut eval_lex = None;
    let mut inputs = Vec::new();
    let mut it = args.into_iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--min" => min = it.next().and_then(|v| v.parse().ok()).expect("--min N"),
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
    // Counts per key.
    let mut counts: HashMap<&str, (u32, u32)> = HashMap::new();
    for ins in &instances {
        for k in &ins.keys {
            let e = counts.entry(k.as_str()).or_default();
            if ins.kept {
                e.0 += 1;
            } else {
                e.1 += 1;
            }
        }
    }
    // Decision list from general to specific: a key is kept when its majority differs from
    // the decision its instances would get without it.
    let nt = train::n_templates();
    let mut table: HashMap<&str, bool> = HashMap::new();
    for t in (0..nt).rev() {
        for ins in &instances {
            let k = ins.keys[t].as_str();
            if table.contains_key(k) {
                continue;
            }
            let (kc, dc) = counts[k];
            if ((kc + dc) as usize) < min || kc == dc {
                continue;
            }
            let maj = kc > dc;
            // What would the instance get from the table built so far (more general keys)?
            let backoff = (t + 1..nt).find_map(|u| table.get(ins.keys[u].as_str()).copied()).unwrap_or(ins.ohala);
            if maj != backoff {
                table.insert(k, maj);
            }
        }
    }
    let mut rows: Vec<(&str, bool)> = table.into_iter().collect();
    rows.sort();
    let mut text = String::new();
    text.push_str("# samachar schwa-deletion table: context<TAB>keep|del<TAB>times kept<TAB>times deleted.\n");
    text.push_str("# Learned by examples/train_schwa.rs from lexicon/hi.tsv (SIGMORPHON 2020 train + WikiPron,\n");
    text.push_str("# Wiktionary-derived, CC BY-SA; see lexicon/README.md). Context: template letter, letters\n");
    text.push_str("# left of the schwa, '_', letters right (0 deleted, 1 kept, a undecided schwa).\n");
    for (k, v) in &rows {
        let (kc, dc) = counts[k];
        text.push_str(&format!("{k}\t{}\t{kc}\t{dc}\n", if *v { "keep" } else { "del" }));
    }
    eprintln!("{} table rows", rows.len());
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
