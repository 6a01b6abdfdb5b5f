#!/usr/bin/env python3
"""An independent PyTorch implementation of sigprop's LLaMA-style measurement: the same
statistics drawn from the same distribution, compared with `sigprop measure` within
the seed scatter (issue 11's acceptance: "against an independent PyTorch
implementation ... same statistics within the seed scatter at a small shape").

The network, written from docs/measure.md, not from sigprop's code:

    h += W_O Attn(Norm(h))                 causal (or no) mask, GQA, RoPE (pairs 2k, 2k+1)
    h += W_2 (silu(W_1 u) * (W_3 u)),  u = Norm(h)

Norm: RMSNorm x / sqrt(mean(x^2) + eps), LayerNorm, Derf erf(alpha x) or DyT
tanh(alpha x), gains 1 (--norm); every weight N(0, init_std^2) (the
Hugging Face initializer_range convention), no biases; inputs Gaussian rows with
E x_a.x_a/d = q0 and E x_a.x_b/d = p0 (sigprop's `--input gaussian`), a new weight draw
and input per seed. Per block l: q = mean_a |h_a|^2/d, p = mean_{a!=b} h_a.h_b/d,
J_fwd = E ||dh^l/dh^0 v||^2/(n d) (forward-mode AD, Gaussian probes v) and
J_bwd = E ||g^T dh^L/dh^l||^2/(n d) (reverse mode, Gaussian cotangents g at the top).

Run `sigprop measure` with the same flags (the script prints the command, or runs it
with --sigprop PATH) and it prints, per block and quantity, both means, the ratio and
z = (torch - sigprop) / sqrt(se_t^2 + se_s^2). With --check it exits 1 when some
|z| > 4 (used by tests/cli/test_torch_llm.sh, which skips without torch).

    /usr/bin/python3 bench/torch_llm.py --sigprop build/sigprop [--width 64 ...]
"""
import argparse
import csv
import io
import math
import subprocess
import sys


def parse():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--width", type=int, default=64)
    ap.add_argument("--tokens", type=int, default=16)
    ap.add_argument("--depth", type=int, default=4)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--kv-heads", type=int, default=2)
    ap.add_argument("--mlp-hidden", type=int, default=172)
    ap.add_argument("--init-std", type=float, default=0.125)
    ap.add_argument("--rope", type=float, default=10000.0, help="theta; 0: no RoPE")
    ap.add_argument("--norm", choices=("rms", "ln", "derf", "dyt"), default="rms")
    ap.add_argument("--alpha", type=float, default=0.5, help="derf/dyt alpha")
    ap.add_argument("--mask", choices=("causal", "none"), default="causal")
    ap.add_argument("--norm-eps", type=float, default=1e-5)
    ap.add_argument("--q0", type=float, default=1.0)
    ap.add_argument("--p0", type=float, default=0.4)
    ap.add_argument("--seeds", type=int, default=16)
    ap.add_argument("--probes", type=int, default=4)
    ap.add_argument("--sigprop", help="path of the sigprop binary to compare with")
    ap.add_argument("--check", action="store_true", help="exit 1 when some |z| > 4")
    return ap.parse_args()


def sigprop_flags(a):
    f = ["--norm", a.norm, "--mlp", "swiglu", "--attention-mask", a.mask]
    f += ["--alpha", "%g" % a.alpha] if a.norm in ("derf", "dyt") else []
    f += ["--rope", "%g" % a.rope, "--rope-pairing", "interleaved"] if a.rope > 0 else ["--rope", "none"]
    return f + [
            "--width", str(a.width), "--tokens", str(a.tokens), "--depth", str(a.depth),
            "--heads", str(a.heads), "--kv-heads", str(a.kv_heads),
            "--mlp-hidden", str(a.mlp_hidden), "--init-std", "%.17g" % a.init_std,
            "--norm-eps", "%g" % a.norm_eps, "--q0", "%g" % a.q0, "--p0", "%g" % a.p0,
            "--input", "gaussian", "--seeds", str(a.seeds), "--probes", str(a.probes),
            "--measure", "fwd,bwd"]


def network(torch, a, gen):
    d, H, kv, f = a.width, a.heads, a.kv_heads, a.mlp_hidden
    dh = d // H

    def w(rows, cols):
        return torch.randn(rows, cols, generator=gen, dtype=torch.float64) * a.init_std

    blocks = [dict(wq=w(d, d), wk=w(kv * dh, d), wv=w(kv * dh, d), wo=w(d, d),
                   w1=w(f, d), w3=w(f, d), w2=w(d, f)) for _ in range(a.depth)]
    n = a.tokens
    pos = torch.arange(n, dtype=torch.float64)[:, None]
    inv = a.rope ** (-torch.arange(0, dh, 2, dtype=torch.float64) / dh)
    ang = pos * inv[None, :]                      # (n, dh/2)
    cos, sin = torch.cos(ang), torch.sin(ang)
    mask = torch.triu(torch.ones(n, n, dtype=torch.bool), 1)

    def norm(x):
        if a.norm == "rms":
            return x / torch.sqrt((x * x).mean(-1, keepdim=True) + a.norm_eps)
        if a.norm == "ln":
            c = x - x.mean(-1, keepdim=True)
            return c / torch.sqrt((c * c).mean(-1, keepdim=True) + a.norm_eps)
        return torch.erf(a.alpha * x) if a.norm == "derf" else torch.tanh(a.alpha * x)

    def rope(x):                                  # (heads, n, dh), pairs (2k, 2k+1)
        if a.rope <= 0:
            return x
        x0, x1 = x[..., 0::2], x[..., 1::2]
        out = torch.empty_like(x)
        out[..., 0::2] = x0 * cos - x1 * sin
        out[..., 1::2] = x0 * sin + x1 * cos
        return out

    def block(h, b):
        u = norm(h)
        q = rope((u @ b["wq"].T).view(n, H, dh).transpose(0, 1))
        k = rope((u @ b["wk"].T).view(n, kv, dh).transpose(0, 1))
        v = (u @ b["wv"].T).view(n, kv, dh).transpose(0, 1)
        rep = H // kv                             # head i reads kv head i // rep
        k, v = k.repeat_interleave(rep, 0), v.repeat_interleave(rep, 0)
        s = (q @ k.transpose(1, 2)) / math.sqrt(dh)
        if a.mask == "causal":
            s = s.masked_fill(mask, float("-inf"))
        o = (torch.softmax(s, -1) @ v).transpose(0, 1).reshape(n, d)
        h = h + o @ b["wo"].T
        u = norm(h)
        m = torch.nn.functional.silu(u @ b["w1"].T) * (u @ b["w3"].T)
        return h + m @ b["w2"].T

    return blocks, block


def one_draw(torch, a, seed):
    """Per-block q, p, J_fwd, J_bwd of one weight draw and input (probe means)."""
    gen = torch.Generator().manual_seed(1000 + seed)
    blocks, block = network(torch, a, gen)
    n, d, L = a.tokens, a.width, a.depth
    c = torch.randn(1, d, generator=gen, dtype=torch.float64)
    z = torch.randn(n, d, generator=gen, dtype=torch.float64)
    h0 = math.sqrt(a.p0) * c + math.sqrt(a.q0 - a.p0) * z
    import torch.autograd.forward_ad as fwAD
    jf = [0.0] * (L + 1)
    for _ in range(a.probes):
        t = torch.randn(n, d, generator=gen, dtype=torch.float64)
        with fwAD.dual_level():
            h = fwAD.make_dual(h0, t)
            jf[0] += (t * t).sum().item() / (n * d) / a.probes
            for l, b in enumerate(blocks):
                h = block(h, b)
                jf[l + 1] += (fwAD.unpack_dual(h).tangent ** 2).sum().item() / (n * d) / a.probes
    hs_in = [h0.clone().requires_grad_(True)]  # one forward pass: q, p and the graph for J_bwd
    for b in blocks:
        hs_in.append(block(hs_in[-1], b))
    q, p = [], []
    for h in hs_in:
        g = (h @ h.T).detach() / d
        q.append(g.diagonal().mean().item())
        p.append(((g.sum() - g.diagonal().sum()) / (n * (n - 1))).item())
    jb = [0.0] * (L + 1)
    for k in range(a.probes):
        g = torch.randn(n, d, generator=gen, dtype=torch.float64)
        grads = torch.autograd.grad(hs_in[-1], hs_in, grad_outputs=g, retain_graph=True)
        for l in range(L + 1):
            jb[l] += (grads[l] ** 2).sum().item() / (n * d) / a.probes
    return q, p, jf, jb


def mean_se(xs):
    m = sum(xs) / len(xs)
    v = sum((x - m) ** 2 for x in xs) / (len(xs) - 1) if len(xs) > 1 else float("nan")
    return m, math.sqrt(v / len(xs))


def main():
    a = parse()
    try:
        import torch
    except ImportError:
        print("torch_llm: PyTorch is not installed (apt-get install python3-torch); skipped")
        return 77
    if a.seeds < 2 or a.heads % a.kv_heads or a.width % a.heads or (a.width // a.heads) % 2:
        print("torch_llm: needs --seeds >= 2, kv heads dividing heads, an even head width")
        return 2
    torch.set_num_threads(1)
    draws = [one_draw(torch, a, s) for s in range(a.seeds)]
    names = ("q", "p", "J_fwd", "J_bwd")
    tstat = {nm: [mean_se([dr[i][l] for dr in draws]) for l in range(a.depth + 1)]
             for i, nm in enumerate(names)}
    cmd = ["sigprop", "measure"] + sigprop_flags(a)
    if not a.sigprop:
        print("torch_llm: compare with:", " ".join(cmd))
        for nm in names:
            print(nm, " ".join("%.6g+-%.2g" % ms for ms in tstat[nm]))
        return 0
    out = subprocess.run([a.sigprop, "measure"] + sigprop_flags(a) + ["-q"], check=True,
                         stdout=subprocess.PIPE, universal_newlines=True).stdout
    rows = list(csv.DictReader(io.StringIO(out)))
    print("torch_llm: %s" % " ".join(cmd))
    print("torch_llm: %d draws x %d probes each side; z = (torch - sigprop) / combined s.e."
          % (a.seeds, a.probes))
    worst, rlo, rhi = 0.0, float("inf"), 0.0
    for nm in names:
        for r in rows:
            l = int(float(r["l"]))
            if (nm == "J_fwd" and l == 0) or (nm == "J_bwd" and l == a.depth):
                continue  # 1 by construction on both sides (up to probe noise)
            tm, ts = tstat[nm][l]
            sm = float(r[nm])
            ss = float(r[nm + "_se"]) if r.get(nm + "_se", "nan") != "nan" else 0.0
            se = math.sqrt(ts * ts + ss * ss)
            z = (tm - sm) / se if se > 0 else 0.0
            worst, rlo, rhi = max(worst, abs(z)), min(rlo, tm / sm), max(rhi, tm / sm)
            print("  %-5s l = %d: torch %.6g +- %.2g  sigprop %.6g +- %.2g  ratio %.4f  z %+.2f"
                  % (nm, l, tm, ts, sm, ss, tm / sm, z))
    print("torch_llm: largest |z| = %.2f, torch/sigprop ratios %.4f .. %.4f" % (worst, rlo, rhi))
    return 1 if a.check and worst > 4.0 else 0


if __name__ == "__main__":
    sys.exit(main())
