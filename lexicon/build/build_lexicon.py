#!/usr/bin/env python3
"""Builds lexicon/hi.tsv, the built-in lexicon of samachar.

Sources (both extracted from Wiktionary, CC BY-SA; see lexicon/README.md):
  ../shared/data/g2p/sigmorphon2020_hin_train.tsv   (SIGMORPHON 2020 task 1, train split only)
  ../shared/data/g2p/wikipron_hin_broad_lexicon.tsv (WikiPron hin_deva_broad)
plus lexicon/build/news.tsv, written by hand for samachar (names and loanwords of news).

The SIGMORPHON *dev* split is never read here.

Every row is converted to the SIGMORPHON 2020 notation that `samachar phonemize` prints
(see ../shared/data/g2p/README.md): ɳ→n, ʂ→ʃ, WikiPron ə̯i/ə̯u→ɛː/ɔː, optional schwa ᵊ
dropped, ह without a following vowel written as a breathy vowel (ə ɦ C → ɛːʱ C, V ɦ → Vʱ).

Usage (from the repository root):
  python3 lexicon/build/build_lexicon.py [--holdout FRACTION --seed N --heldout-out FILE]
The holdout options leave a random share of WikiPron words out of the lexicon and write
them (converted) to FILE, for an honest cross-validated estimate of the letter rules.
"""
import argparse
import os
import random
import sys
import unicodedata

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
DATA = os.path.join(ROOT, "..", "shared", "data", "g2p")

VOWELS = {"ə", "ɑː", "ɪ", "iː", "ʊ", "uː", "eː", "oː", "ɛː", "ɔː",
          "ə̃", "ɑ̃ː", "ɪ̃", "ĩː", "ʊ̃", "ũː", "ẽː", "õː", "ɛ̃ː", "ɔ̃ː"}
CONSONANTS = {"p", "pʰ", "b", "bʱ", "t̪", "t̪ʰ", "d̪", "d̪ʱ", "ʈ", "ʈʰ", "ɖ", "ɖʱ", "k", "kʰ",
              "ɡ", "ɡʱ", "q", "t͡ʃ", "t͡ʃʰ", "d͡ʒ", "d͡ʒʱ", "m", "n", "ɲ", "ŋ", "ɾ", "ɽ", "ɽʱ",
              "l", "ʋ", "j", "s", "ʃ", "z", "f", "x", "ɣ", "ɦ"}
BREATHY = {v + "ʱ" for v in VOWELS}

# Token spellings outside the inventory → inventory (notation only).
TOKEN_MAP = {
    "ɳ": "n", "ʂ": "ʃ", "n̪": "n", "l̪": "l", "r": "ɾ", "t": "t̪", "d": "d̪", "t̪ː": "t̪ t̪",
    "tː": "t̪ t̪", "a": "ɑː", "aː": "ɑː", "ɑ": "ɑː", "äː": "ɑː", "ãː": "ɑ̃ː", "e": "eː",
    "o": "oː", "ɛ": "ɛː", "ɔ": "ɔː", "æ": "ɛː", "æː": "ɛː", "i": "iː", "iˑ": "iː",
    "u": "uː", "ẽ": "ẽː", "õ": "õː", "w": "ʋ", "ʒ": "z", "ʒʱ": "z", "nʱ": "n ɦ",
    "ɛ̃": "ɛ̃ː", "ɔ̃": "ɔ̃ː",
}


def nfc(s):
    return unicodedata.normalize("NFC", s)


def norm_word(w):
    # Precomposed nukta letters (U+0958..U+095F) are composition exclusions: NFC keeps them
    # decomposed, so base + ़ and the precomposed letter become one spelling.
    return nfc(w.strip())


def convert(phones):
    """WikiPron/SIGMORPHON tokens → SIGMORPHON 2020 inventory tokens, or None if unusable."""
    raw = [nfc(t) for t in phones.split()]
    # Affricates written as two tokens in a few SIGMORPHON rows (गांजा "d ʒ aː"): one phone.
    merged = []
    for t in raw:
        if merged and merged[-1] in ("d", "d̪") and t in ("ʒ", "ʒʱ"):
            merged[-1] = "d͡ʒ" + ("ʱ" if t.endswith("ʱ") else "")
        elif merged and merged[-1] == "t" and t in ("ʃ", "ʃʰ"):
            merged[-1] = "t͡ʃ" + ("ʰ" if t.endswith("ʰ") else "")
        else:
            merged.append(t)
    toks = []
    for t in merged:
        if t.endswith("ᵊ"):  # optional schwa: the SIGMORPHON notation leaves it out
            t = t[:-1]
            if not t:
                continue
        if t == "ʔ":
            continue
        t = TOKEN_MAP.get(t, t)
        toks.extend(t.split())
    # WikiPron diphthong notation of ऐ / औ.
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        nxt = toks[i + 1] if i + 1 < len(toks) else None
        if t == "ə̯" and nxt in ("i", "ɪ", "iː"):
            out.append("ɛː"); i += 2; continue
        if t == "ə̯" and nxt in ("u", "ʊ", "uː"):
            out.append("ɔː"); i += 2; continue
        out.append(t); i += 1
    toks = out
    # Geminate affricates: WikiPron t̪ t͡ʃ / d̪ d͡ʒ(ʱ), SIGMORPHON 2020 t͡ʃ t͡ʃ / d͡ʒ d͡ʒ (सच्चा).
    for i in range(len(toks) - 1):
        if toks[i] == "t̪" and toks[i + 1].startswith("t͡ʃ"):
            toks[i] = "t͡ʃ"
        elif toks[i] == "d̪" and toks[i + 1].startswith("d͡ʒ"):
            toks[i] = "d͡ʒ"
    # ि before य: SIGMORPHON 2020 writes iː (नज़रिया n ə z ə ɾ iː j ɑː), WikiPron ɪ.
    toks = ["iː" if t == "ɪ" and i + 1 < len(toks) and toks[i + 1] == "j" else t
            for i, t in enumerate(toks)]
    # ह without a following vowel: SIGMORPHON writes a breathy vowel (कलह k ə l əʱ,
    # पहला p ɛːʱ l ɑː, महल m ɛːʱ l, एहसान eːʱ s ɑː n).
    out = []
    i = 0
    while i < len(toks):
        t = toks[i]
        if t == "ɦ" and out and out[-1] in VOWELS:
            nxt = toks[i + 1] if i + 1 < len(toks) else None
            v = out[-1]
            # ə ɦ ə C: SIGMORPHON does not speak the schwa after ह (महल m ɛːʱ l, शहर,
            # महंगा m ɛːʱ ŋ ɡ ɑː, पहनना p ɛːʱ n n ɑː, महकमा m ɛːʱ k m ɑː).
            if (v == "ə" and nxt == "ə" and i + 2 < len(toks) and toks[i + 2] in CONSONANTS
                    and toks[i + 2] != "ɦ"):
                out[-1] = "ɛːʱ"; i += 2; continue
            if nxt is None or nxt not in VOWELS:
                if v == "ə" and nxt is not None and nxt != "j":
                    out[-1] = "ɛːʱ"
                else:
                    out[-1] = v + "ʱ"
                i += 1; continue
        out.append(t); i += 1
    toks = out
    for t in toks:
        if t not in VOWELS and t not in CONSONANTS and t not in BREATHY:
            return None
    return " ".join(toks) if toks else None


def read(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            w, p = line.split("\t")[:2]
            rows.append((norm_word(w), p))
    return rows


def variant_score(word, phones):
    """Prefers, among WikiPron variants, the one that follows the spelling (ज़ → z, क़ → q)."""
    nd = unicodedata.normalize("NFD", word)
    s = 0
    if "ज\u093c" in nd and "z" in phones.split():
        s += 1
    if "फ\u093c" in nd and "f" in phones.split():
        s += 1
    if "क\u093c" in nd and "q" in phones.split():
        s += 1
    if "ख\u093c" in nd and "x" in phones.split():
        s += 1
    if "ग\u093c" in nd and "ɣ" in phones.split():
        s += 1
    return s


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--holdout", type=float, default=0.0)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--heldout-out")
    ap.add_argument("--holdout-sigmorphon", type=float, default=0.0,
                    help="also leave out this share of SIGMORPHON train words (and any WikiPron "
                         "rows of them), written to --sig-heldout-out")
    ap.add_argument("--sig-heldout-out")
    ap.add_argument("--out", default=os.path.join(ROOT, "lexicon", "hi.tsv"))
    ap.add_argument("--sig-out", help="also write the converted SIGMORPHON train rows used (the "
                    "schwa trainer reads them a second time, to weigh that notation more)")
    args = ap.parse_args()

    sig = read(os.path.join(DATA, "sigmorphon2020_hin_train.tsv"))
    wik = read(os.path.join(DATA, "wikipron_hin_broad_lexicon.tsv"))
    news = read(os.path.join(HERE, "news.tsv"))

    def hold_out(rows, candidates, frac, seed, out_path):
        """Samples `frac` of `candidates` (reproducibly) and writes their rows to out_path."""
        held = set(random.Random(seed).sample(sorted(candidates), int(len(candidates) * frac)))
        if out_path:
            with open(out_path, "w", encoding="utf-8") as f:
                for w, p in rows:
                    c = convert(p) if w in held else None
                    if c:
                        f.write(f"{w}\t{c}\n")
        return held

    heldout = set()
    if args.holdout > 0:
        words = {w for w, _ in wik} - {w for w, _ in sig} - {w for w, _ in news}
        heldout = hold_out(wik, words, args.holdout, args.seed, args.heldout_out)

    if args.holdout_sigmorphon > 0:
        swords = {w for w, _ in sig} - {w for w, _ in news}
        sheld = hold_out(sig, swords, args.holdout_sigmorphon, args.seed + 1, args.sig_heldout_out)
        sig = [(w, p) for w, p in sig if w not in sheld]
        heldout |= sheld

    lex = {}
    dropped = 0
    # Lowest priority first: WikiPron, then SIGMORPHON train, then the hand-written rows.
    cands = {}
    for w, p in wik:
        if w in heldout:
            continue
        c = convert(p)
        if c is None:
            dropped += 1
            continue
        cands.setdefault(w, []).append(c)
    for w, cs in cands.items():
        lex[w] = max(cs, key=lambda c: variant_score(w, c))  # max keeps the first on ties
    for src in (sig, news):
        for w, p in src:
            c = convert(p)
            if c is None:
                dropped += 1
                continue
            lex[w] = c
    with open(args.out, "w", encoding="utf-8") as f:
        f.write("# samachar built-in lexicon: word<TAB>phones (SIGMORPHON 2020 notation).\n")
        f.write("# Generated by lexicon/build/build_lexicon.py; derived from Wiktionary via WikiPron and\n")
        f.write("# SIGMORPHON 2020 (CC BY-SA 3.0/4.0, see lexicon/README.md). Edit news.tsv, not this file.\n")
        for w in sorted(lex):
            f.write(f"{w}\t{lex[w]}\n")
    if args.sig_out:
        with open(args.sig_out, "w", encoding="utf-8") as f:
            f.write("# SIGMORPHON 2020 train rows (converted), for examples/train_schwa.rs; CC BY-SA.\n")
            for w, p in sig:
                c = convert(p)
                if c:
                    f.write(f"{w}\t{c}\n")
    print(f"{len(lex)} words written to {args.out}; {dropped} rows dropped; "
          f"{len(heldout)} held out", file=sys.stderr)


if __name__ == "__main__":
    main()
