#!/usr/bin/env python3
"""Writes the Python onnxruntime reference for the neural voice's test (tests/data/kokoro_reference.tsv).

Usage: kokoro-reference.py MODEL_DIR > tests/data/kokoro_reference.tsv
Needs numpy and onnxruntime (the same 1.32 wheel scripts/fetch-kokoro installs the library of).
Runs Kokoro on fixed symbol strings with voice jm_kumo (style row = token count − 1, speed 1,
one intra-op thread) and records the output length, its RMS and every 480th sample.
"""
import json, sys, unicodedata
import numpy as np
import onnxruntime as ort

d = sys.argv[1]
vocab = json.load(open(f"{d}/vocab.json", encoding="utf-8"))["vocab"]
style = np.load(f"{d}/voices_ja.npz")["jm_kumo"]
opts = ort.SessionOptions()
opts.intra_op_num_threads = 1
opts.inter_op_num_threads = 1
s = ort.InferenceSession(f"{d}/kokoro-v1.0.int8.onnx", sess_options=opts, providers=["CPUExecutionProvider"])
print("# text\tvoice\tsamples\trms\tevery 480th sample (Python onnxruntime 1.32, 1 thread)")
for text in ["nəməsteː, ɑːʤ kiː xəbəɾẽː.", "dɪlliː meː baːɾɪʃ huːiː?"]:
    ids = [vocab[c] for c in unicodedata.normalize("NFD", text)]
    out = s.run(None, {"tokens": np.array([[0, *ids, 0]], np.int64),
                       "style": style[len(ids) - 1].reshape(1, 256).astype(np.float32),
                       "speed": np.array([1.0], np.float32)})[0].ravel()
    rms = float(np.sqrt(np.mean(out.astype(np.float64) ** 2)))
    print(f"{text}\tjm_kumo\t{len(out)}\t{rms:.7f}\t" + " ".join(f"{x:.6f}" for x in out[::480]))
