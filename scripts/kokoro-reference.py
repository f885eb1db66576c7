#!/usr/bin/env python3
"""The Python onnxruntime reference for the neural voice.

Usage:
  kokoro-reference.py MODEL_DIR > tests/data/kokoro_reference.tsv
  kokoro-reference.py --run MODEL_DIR PIECES.tsv [--threads N] [--voice NAME] [--raw OUT.f32]

Needs numpy and onnxruntime (the same 1.32 wheel scripts/fetch-kokoro installs the library of).

Without --run it writes the test's reference: Kokoro on fixed symbol strings with voice
jm_kumo (style row = token count − 1, speed 1, one intra-op thread), recording the output
length, its RMS and every 480th sample.

With --run it synthesizes what samachar would, the same way: PIECES.tsv is the model calls
samachar makes for a text (`cargo run --release --features neural --example kokoro_pieces --
TEXT VOICE > PIECES.tsv`: per line the sentence number, the speed and the token ids), run in
order on one session with N intra-op threads (default 1) and one inter-op thread, as
samachar's session is set up; each output is trimmed of leading and trailing near-silence as
samachar does. It prints the seconds of speech made and, with --raw, writes the trimmed outputs
concatenated as little-endian float32, to compare with samachar's. It is the other side of the
speed comparison in the README ("Quality and speed").
"""
import json, sys, unicodedata
import numpy as np
import onnxruntime as ort


def session(d, threads):
    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    return ort.InferenceSession(f"{d}/kokoro-v1.0.int8.onnx", sess_options=opts, providers=["CPUExecutionProvider"])


def infer(s, style, ids, speed):
    return s.run(None, {"tokens": np.array([[0, *ids, 0]], np.int64),
                        "style": style[min(len(ids), len(style)) - 1].reshape(1, 256).astype(np.float32),
                        "speed": np.array([speed], np.float32)})[0].ravel()


def trim(x):
    """Leading and trailing |x| <= 0.01 cut, keeping 30 ms (720 samples) around the speech."""
    loud = np.flatnonzero(np.abs(x) > 0.01)
    if len(loud) == 0:
        return x
    return x[max(loud[0] - 720, 0):min(loud[-1] + 720, len(x))]


def reference(d):
    vocab = json.load(open(f"{d}/vocab.json", encoding="utf-8"))["vocab"]
    style = np.load(f"{d}/voices_ja.npz")["jm_kumo"]
    s = session(d, 1)
    print("# text\tvoice\tsamples\trms\tevery 480th sample (Python onnxruntime 1.32, 1 thread)")
    for text in ["nəməsteː, ɑːʤ kiː xəbəɾẽː.", "dɪlliː meː baːɾɪʃ huːiː?"]:
        ids = [vocab[c] for c in unicodedata.normalize("NFD", text)]
        out = infer(s, style, ids, 1.0)
        rms = float(np.sqrt(np.mean(out.astype(np.float64) ** 2)))
        print(f"{text}\tjm_kumo\t{len(out)}\t{rms:.7f}\t" + " ".join(f"{x:.6f}" for x in out[::480]))


def run(args):
    d, pieces = args[0], args[1]
    threads, voice, raw = 1, "jm_kumo", None
    rest = args[2:]
    while rest:
        if rest[0] == "--threads":
            threads = int(rest[1])
        elif rest[0] == "--voice":
            voice = rest[1]
        elif rest[0] == "--raw":
            raw = rest[1]
        else:
            sys.exit(f"kokoro-reference.py: unknown option {rest[0]}")
        rest = rest[2:]
    style = np.load(f"{d}/voices_ja.npz")[voice]
    s = session(d, threads)
    outs = []
    for line in open(pieces, encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        _, speed, ids = line.rstrip("\n").split("\t")
        outs.append(trim(infer(s, style, [int(t) for t in ids.split()], float(speed))))
    audio = np.concatenate(outs) if outs else np.zeros(0, np.float32)
    if raw:
        audio.astype("<f4").tofile(raw)
    print(f"{len(outs)} model calls, {len(audio) / 24000:.1f} s of speech")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--run":
        run(sys.argv[2:])
    elif len(sys.argv) == 2:
        reference(sys.argv[1])
    else:
        sys.exit(__doc__)
