#!/usr/bin/env python3
"""PyTorch baseline of bench_measure: the same measurement (blog2 transformer,
Derf alpha 0.5, one seed, P probes, forward APJN J^{l,0} by Jacobian-vector
products) written the straightforward way, for a time and peak-memory ratio.
Runs only if `import torch` works (python3-torch is not installed by
scripts/install-deps); otherwise prints a message and exits 0. Forward-mode
jvp comes from torch.func on torch >= 2.0 and from functorch on 1.13 (Debian
12's python3-torch), where torch.func does not exist.

    python3 bench/torch_measure.py [--depth 16] [--probes 4]
"""
import argparse
import math
import resource
import sys
import time


def torch_version(torch):
    """(major, minor) of torch.__version__ ("1.13.0a0+git...", "2.1.0+cpu")."""
    parts = []
    for p in torch.__version__.split("+")[0].split(".")[:2]:
        digits = "".join(c for c in p if c.isdigit()) or "0"
        parts.append(int(digits) if p[:1].isdigit() else 0)
    return tuple(parts + [0] * (2 - len(parts)))


def import_jvp():
    """(torch, jvp, where) or (None, None, why): torch.func.jvp on torch >= 2.0,
    functorch.jvp on 1.13 (functorch ships with Debian's python3-torch 1.13)."""
    try:
        import torch
    except ImportError:
        return None, None, "PyTorch is not installed (apt-get install python3-torch, or pip install torch)"
    ver = torch_version(torch)
    if ver >= (2, 0):
        try:
            from torch.func import jvp
            return torch, jvp, "torch.func"
        except ImportError:
            pass
    try:
        from functorch import jvp
        return torch, jvp, "functorch"
    except ImportError:
        return None, None, (f"PyTorch {torch.__version__} has neither torch.func (torch >= 2.0) "
                            "nor functorch (1.13): no forward-mode jvp")


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--depth", type=int, default=16)
    ap.add_argument("--probes", type=int, default=4)
    ap.add_argument("--alpha", type=float, default=0.5)
    args = ap.parse_args()
    torch, jvp, where = import_jvp()
    if torch is None:
        print(f"torch_measure: {where}; skipping")
        return 0
    print(f"torch_measure: torch {torch.__version__}, jvp from {where}")

    torch.manual_seed(0)
    n, d, H, L, P = 197, 1024, 16, args.depth, args.probes
    dh = d // H
    sig, sig2 = 0.64, 1.28

    def lin(fan_in, fan_out, s):
        return torch.randn(fan_in, fan_out) * (s / math.sqrt(fan_in))

    blocks = [dict(q=lin(d, d, sig), k=lin(d, d, sig), v=lin(d, d, sig), o=lin(d, d, sig),
                   w1=lin(d, 4 * d, sig), w2=lin(4 * d, d, sig2)) for _ in range(L)]

    def norm(x):
        return torch.erf(args.alpha * x)

    def block(h, w):
        u = norm(h)
        q = (u @ w["q"]).view(n, H, dh).transpose(0, 1)
        k = (u @ w["k"]).view(n, H, dh).transpose(0, 1)
        v = (u @ w["v"]).view(n, H, dh).transpose(0, 1)
        a = torch.softmax(q @ k.transpose(1, 2) / math.sqrt(dh), dim=-1)
        h = h + (a @ v).transpose(0, 1).reshape(n, d) @ w["o"]
        return h + torch.relu(norm(h) @ w["w1"]) @ w["w2"]

    # equiangular input, q0 = 1, p0 = 0.4 (docs/science.md §4)
    r = 0.4
    g = torch.linalg.qr(torch.randn(d, n))[0].T  # n orthonormal rows
    m = g.mean(0, keepdim=True)
    x = math.sqrt(d) * (math.sqrt(1 - r) * (g - m) + math.sqrt(1 + (n - 1) * r) * m)

    t0 = time.time()
    J = torch.zeros(L + 1)
    for p in range(P):
        h, t = x.clone(), torch.randn(n, d)
        J[0] += (t * t).sum() / (n * d)
        for l in range(L):
            h, t = jvp(lambda z: block(z, blocks[l]), (h,), (t,))
            J[l + 1] += (t * t).sum() / (n * d)
    J /= P
    wall = time.time() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"torch_measure: {L} blocks, {P} probes: {wall:.2f} s, peak {peak:.0f} MB, "
          f"J^{{{L},0}} = {J[L]:.4f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
