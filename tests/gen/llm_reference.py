#!/usr/bin/env python3
"""Independent numpy (float64) forward pass of sigprop's LLM-style block, checked
against the C engine (`test_net_llm --export FILE PAIRING`, see tests/test_net_llm.c):

    h += W_O Attn(g_a * RMSNorm(h))        causal, GQA, RoPE on q and k
    h += W_2 (silu(W_1 u) * (W_3 u)),  u = g_m * RMSNorm(h)
    out = g_f * RMSNorm(h^L)

with RMSNorm(x) = x / sqrt(mean(x^2) + eps), inputs h^0 = embed_scale * tokens, RoPE
pairs (2k, 2k+1) (interleaved, Meta/llama2.c) or (k, k + dh/2) (half, Hugging Face
rotate_half), angle a * theta^(-2k/dh) at position a. Checks every sublayer's
activations to 2e-5 relative (float32 against float64) and the q, p rows of
sp_net_measure_weights to 1e-5; and that the other pairing does NOT match (the
test can tell them apart). Usage: llm_reference.py FILE.bin [FILE.bin ...]"""
import sys

import numpy as np


def read(path):
    with open(path, "rb") as f:
        head = f.readline().decode().split()
        d, n, H, kv, ff, L = (int(v) for v in head[:6])
        cfg = dict(d=d, n=n, H=H, kv=kv, f=ff, L=L, pairing=head[6], causal=int(head[7]),
                   eps=float(head[8]), embed=float(head[9]), theta=float(head[10]))
        data = np.frombuffer(f.read(), dtype=np.uint8)
    kvd = kv * (d // H)
    shapes = [(d, d), (kvd, d), (kvd, d), (d, d), (ff, d), (ff, d), (d, ff), (d,), (d,)]
    names = ["wq", "wk", "wv", "wo", "w1", "w3", "w2", "ga", "gm"]
    off = 0

    def take(shape, dtype=np.float32):
        nonlocal off
        cnt = int(np.prod(shape))
        size = np.dtype(dtype).itemsize
        arr = np.frombuffer(data[off:off + cnt * size].tobytes(), dtype=dtype).reshape(shape)
        off += cnt * size
        return arr.astype(np.float64)

    blocks = [{nm: take(sh) for nm, sh in zip(names, shapes)} for _ in range(L)]
    gf = take((d,))
    tokens = take((n, d))
    acts = [take((n, d)) for _ in range(2 * L + 1)]
    final = take((n, d))
    qp = take((2 * L + 1, 2), np.float64)
    assert off == len(data), "export file has %d bytes, parsed %d" % (len(data), off)
    return cfg, blocks, gf, tokens, acts, final, qp


def rms(x, g, eps):
    return g * x / np.sqrt(np.mean(x * x, axis=1, keepdims=True) + eps)


def rope(x, heads, dh, theta, pairing):
    """x: (n, heads*dh); rotates each head's pairs by position * theta^(-2k/dh)."""
    n = x.shape[0]
    half = dh // 2
    ang = np.arange(n)[:, None] * theta ** (-2.0 * np.arange(half) / dh)[None, :]
    c, s = np.cos(ang), np.sin(ang)
    out = x.copy().reshape(n, heads, dh)
    if pairing == "interleaved":
        i1, i2 = np.arange(half) * 2, np.arange(half) * 2 + 1
    else:
        i1, i2 = np.arange(half), np.arange(half) + half
    x1, x2 = out[:, :, i1].copy(), out[:, :, i2].copy()
    out[:, :, i1] = x1 * c[:, None, :] - x2 * s[:, None, :]
    out[:, :, i2] = x1 * s[:, None, :] + x2 * c[:, None, :]
    return out.reshape(n, heads * dh)


def forward(cfg, blocks, gf, tokens, pairing):
    d, n, H, kv, eps = cfg["d"], cfg["n"], cfg["H"], cfg["kv"], cfg["eps"]
    dh = d // H
    grp = H // kv
    h = cfg["embed"] * tokens
    acts = [h.copy()]
    mask = np.triu(np.ones((n, n), dtype=bool), 1) if cfg["causal"] else np.zeros((n, n), bool)
    for b in blocks:
        u = rms(h, b["ga"], eps)
        q = rope(u @ b["wq"].T, H, dh, cfg["theta"], pairing)
        k = rope(u @ b["wk"].T, kv, dh, cfg["theta"], pairing)
        v = u @ b["wv"].T
        o = np.zeros((n, d))
        for hh in range(H):
            g = hh // grp
            s = q[:, hh * dh:(hh + 1) * dh] @ k[:, g * dh:(g + 1) * dh].T / np.sqrt(dh)
            s = np.where(mask, -np.inf, s)
            a = np.exp(s - s.max(axis=1, keepdims=True))
            a /= a.sum(axis=1, keepdims=True)
            o[:, hh * dh:(hh + 1) * dh] = a @ v[:, g * dh:(g + 1) * dh]
        h = h + o @ b["wo"].T
        acts.append(h.copy())
        u = rms(h, b["gm"], eps)
        z = u @ b["w1"].T
        h = h + ((z / (1.0 + np.exp(-z))) * (u @ b["w3"].T)) @ b["w2"].T
        acts.append(h.copy())
    return acts, rms(h, gf, eps)


def stats(x):
    n, d = x.shape
    sq = float(np.sum(x * x))
    tot = float(np.sum(np.sum(x, axis=0) ** 2))
    return sq / (n * d), (tot - sq) / (n * (n - 1) * d)


def relerr(a, b):
    return float(np.linalg.norm(a - b) / np.linalg.norm(b))


def main(paths):
    fails = 0
    for path in paths:
        cfg, blocks, gf, tokens, acts, final, qp = read(path)
        ref, ref_final = forward(cfg, blocks, gf, tokens, cfg["pairing"])
        worst = max(relerr(acts[i], ref[i]) for i in range(len(ref)))
        worst = max(worst, relerr(final, ref_final))
        qp_err = max(abs(qp[i, j] - stats(ref[i])[j]) / abs(stats(ref[i])[j])
                     for i in range(len(ref)) for j in range(2))
        other = "half" if cfg["pairing"] == "interleaved" else "interleaved"
        wrong, _ = forward(cfg, blocks, gf, tokens, other)
        other_err = relerr(acts[-1], wrong[-1])
        ok = worst < 2e-5 and qp_err < 1e-5 and other_err > 1e-3
        print("%s (%s pairing, d %d n %d H %d kv %d f %d L %d): activations %.2e, q/p %.2e, "
              "other pairing %.2e: %s" % (path.split("/")[-1], cfg["pairing"], cfg["d"], cfg["n"],
                                         cfg["H"], cfg["kv"], cfg["f"], cfg["L"], worst, qp_err,
                                         other_err, "ok" if ok else "FAIL"))
        fails += not ok
    return 1 if fails else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
