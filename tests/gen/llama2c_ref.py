#!/usr/bin/env python3
"""Independent numpy forward pass of llama2.c's run.c (Karpathy, MIT), checking the
C loader and reference forward of src/net/llama2c.c on models/stories260K.bin.

Usage: llama2c_ref.py TEST_LLAMA2C_BINARY [MODEL]
       llama2c_ref.py --print-reference [MODEL]   (the values pasted in tests/test_llama2c.c)
Runs `TEST_LLAMA2C_BINARY --dump-logits OUT TOKENS` (tests/test_llama2c.c) and
compares its logits with the ones computed here in float64: max |difference| must
be <= 1e-4 (the C pass stores float32 activations). Exit 0 pass, 1 fail,
77 skipped (numpy missing)."""
import os
import subprocess
import sys
import tempfile

try:
    import numpy as np
except ImportError:
    print("numpy not installed: skipped")
    sys.exit(77)


def load(path):
    raw = open(path, "rb").read()
    dim, hidden, layers, heads, kv_heads, vocab, seq_len = np.frombuffer(raw[:28], "<i4")
    shared = vocab > 0
    vocab = abs(int(vocab))
    w = np.frombuffer(raw[28:], "<f4").astype(np.float64)
    head = dim // heads
    kv = head * kv_heads
    shapes = [("emb", (vocab, dim)), ("rms_att", (layers, dim)), ("wq", (layers, dim, dim)),
              ("wk", (layers, kv, dim)), ("wv", (layers, kv, dim)), ("wo", (layers, dim, dim)),
              ("rms_ffn", (layers, dim)), ("w1", (layers, hidden, dim)),
              ("w2", (layers, dim, hidden)), ("w3", (layers, hidden, dim)),
              ("rms_final", (dim,)), ("freq_cis", (seq_len, head))]
    if not shared:
        shapes.append(("wcls", (vocab, dim)))
    t, off = {}, 0
    for name, shape in shapes:
        n = int(np.prod(shape))
        t[name] = w[off:off + n].reshape(shape)
        off += n
    assert off == w.size, (off, w.size)
    t["wcls"] = t["emb"] if shared else t["wcls"]
    return t, dict(dim=int(dim), layers=int(layers), heads=int(heads), kv_heads=int(kv_heads))


def rmsnorm(x, g):
    return g * x / np.sqrt(np.mean(x * x, axis=-1, keepdims=True) + 1e-5)


def rope(x, heads):
    # x: (n, heads * hs); pairs (2i, 2i+1) of each head rotate by pos * 10000^(-2i/hs)
    n, width = x.shape
    hs = width // heads
    pos = np.arange(n)[:, None]
    freq = 1.0 / 10000.0 ** (np.arange(0, hs, 2) / hs)
    ang = pos * freq[None, :]                       # (n, hs/2)
    c, s = np.cos(ang), np.sin(ang)
    xr = x.reshape(n, heads, hs // 2, 2)
    x0, x1 = xr[..., 0], xr[..., 1]
    out = np.stack([x0 * c[:, None, :] - x1 * s[:, None, :],
                    x0 * s[:, None, :] + x1 * c[:, None, :]], axis=-1)
    return out.reshape(n, width)


def forward(t, cfg, tokens, rot=None):
    rot = rot or rope
    d, H, KV = cfg["dim"], cfg["heads"], cfg["kv_heads"]
    hs = d // H
    n = len(tokens)
    x = t["emb"][tokens].copy()                      # (n, d)
    mask = np.tril(np.ones((n, n), bool))
    for l in range(cfg["layers"]):
        xb = rmsnorm(x, t["rms_att"][l])
        q = rot(xb @ t["wq"][l].T, H).reshape(n, H, hs)
        k = rot(xb @ t["wk"][l].T, KV).reshape(n, KV, hs)
        v = (xb @ t["wv"][l].T).reshape(n, KV, hs)
        k = np.repeat(k, H // KV, axis=1)            # query head h reads kv head h // (H/KV)
        v = np.repeat(v, H // KV, axis=1)
        s = np.einsum("ahi,bhi->hab", q, k) / np.sqrt(hs)
        s = np.where(mask[None], s, -np.inf)
        p = np.exp(s - s.max(-1, keepdims=True))
        p /= p.sum(-1, keepdims=True)
        o = np.einsum("hab,bhi->ahi", p, v).reshape(n, d)
        x = x + o @ t["wo"][l].T
        xb = rmsnorm(x, t["rms_ffn"][l])
        h1 = xb @ t["w1"][l].T
        h = h1 / (1.0 + np.exp(-h1)) * (xb @ t["w3"][l].T)
        x = x + h @ t["w2"][l].T
    return rmsnorm(x, t["rms_final"]) @ t["wcls"].T   # (n, vocab)


def print_reference(model):
    t, cfg = load(model)
    tokens = [1, 403, 407, 261, 378, 73]
    ref = forward(t, cfg, np.array(tokens))
    for pos in (0, 5):
        vals = ", ".join(f"{ref[pos, v]:.9g}" for v in (0, 1, 100, 511))
        print(f"position {pos}: logits of 0, 1, 100, 511 = {vals}; argmax {ref[pos].argmax()}")
    return 0


def main():
    if sys.argv[1] == "--print-reference":
        return print_reference(sys.argv[2] if len(sys.argv) > 2 else "models/stories260K.bin")
    binary = sys.argv[1]
    model = sys.argv[2] if len(sys.argv) > 2 else "models/stories260K.bin"
    t, cfg = load(model)
    rng = np.random.default_rng(20231)
    tokens = [1] + list(rng.integers(0, 512, size=39))
    ref = forward(t, cfg, np.array(tokens))
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "logits.txt")
        subprocess.run([binary, "--dump-logits", out, ",".join(map(str, tokens))], check=True)
        got = np.loadtxt(out).reshape(ref.shape)
    err = np.abs(got - ref).max()
    print(f"{len(tokens)} tokens, logits in [{ref.min():.3f}, {ref.max():.3f}], "
          f"max |C - numpy| = {err:.3g} (tolerance 1e-4)")
    # this forward is the one the model was trained with: on text it samples itself,
    # its negative log-likelihood is far below that with the other RoPE pairing
    # (Hugging Face's halves) and below uniform guessing, log 512 = 6.24
    seq = [1]
    for _ in range(40):
        lg = forward(t, cfg, np.array(seq))[-1]
        p = np.exp(lg - lg.max())
        seq.append(int(rng.choice(lg.size, p=p / p.sum())))
    own = nll(forward(t, cfg, np.array(seq[:-1])), seq[1:])
    other = nll(forward(t, cfg, np.array(seq[:-1]), rope_halves), seq[1:])
    print(f"NLL of its own samples: {own:.3f} (interleaved RoPE), {other:.3f} (halves)")
    return 0 if err <= 1e-4 and own < 0.6 * other and own < np.log(512) else 1


def nll(logits, targets):
    lp = logits - logits.max(1, keepdims=True)
    lp -= np.log(np.exp(lp).sum(1, keepdims=True))
    return -lp[np.arange(len(targets)), targets].mean()


def rope_halves(x, heads):
    # Hugging Face's rotate_half pairing (i, i + hs/2): the same rotation on permuted components
    n, width = x.shape
    hs = width // heads
    perm = x.reshape(n, heads, 2, hs // 2).transpose(0, 1, 3, 2).reshape(n, width)
    out = rope(perm, heads)
    return out.reshape(n, heads, hs // 2, 2).transpose(0, 1, 3, 2).reshape(n, width)


if __name__ == "__main__":
    sys.exit(main())
