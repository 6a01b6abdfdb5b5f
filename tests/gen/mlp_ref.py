#!/usr/bin/env python3
"""Reference Gaussian maps of the MLP activations GELU x Phi(x) and SiLU x sigmoid(x),
for tests/test_maps_mlp.c.

For (u, v) jointly Gaussian, Var = s, Cov = c = r s, prints
  e2 = E[phi(u)^2], e11 = E[phi(u) phi(v)], d2 = E[phi'(u)^2], d11 = E[phi'(u) phi'(v)]
by the tensor-product trapezoid rule of step h on [-12, 12]^2 in (z1, z2), u = sqrt(s) z1,
v = sqrt(s) (r z1 + sqrt(1 - r^2) z2). The method is deliberately different from
src/theory/maps_mlp.c (graded composite Gauss-Legendre, GELU's inner expectation in closed
form): no closed form, no panels, one uniform grid. The integrands times the Gaussian are
analytic in a strip (GELU: entire; SiLU: poles at Im z = pi / sqrt(s)), where the trapezoid
rule on the line converges like exp(-2 pi d / h) (d = pi / (2 sqrt(s)) gives < 1e-30 at
h = 0.02 for s <= 16); the tails beyond 12 are below exp(-72). The script runs h = 0.03 and
h = 0.02 and prints the largest relative difference between the two as the reference's own
error. (Gauss-Hermite was tried first: numpy's hermegauss overflows beyond N ~ 360, where it
had not converged past 1e-6 at s = 16.)
Usage: /usr/bin/python3 tests/gen/mlp_ref.py > values   (numpy only; ~1 min)
"""
import math
import sys

import numpy as np

erf = np.vectorize(math.erf, otypes=[float])


def gelu(x):
    P = 0.5 * (1.0 + erf(x / math.sqrt(2.0)))
    return x * P, P + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def silu(x):
    sg = 1.0 / (1.0 + np.exp(-x))
    return x * sg, sg * (1.0 + x * (1.0 - sg))


FUNS = {"gelu": gelu, "silu": silu}


def maps(name, s, r, h):
    z = np.arange(-12.0, 12.0 + h / 2, h)
    w = h * np.exp(-0.5 * z * z) / math.sqrt(2.0 * math.pi)
    z1, z2 = np.meshgrid(z, z, indexing="ij")
    w2 = np.outer(w, w)
    cr = math.sqrt(max(0.0, (1.0 - r) * (1.0 + r)))
    f = FUNS[name]
    y1, d1 = f(math.sqrt(s) * z)
    yu, du = f(math.sqrt(s) * z1)
    yv, dv = f(math.sqrt(s) * (r * z1 + cr * z2))
    return (float(np.sum(w * y1 * y1)), float(np.sum(w2 * yu * yv)),
            float(np.sum(w * d1 * d1)), float(np.sum(w2 * du * dv)))


def main():
    rows = []
    worst = 0.0
    for name in ("gelu", "silu"):
        for s in (0.1, 1.0, 4.0, 16.0):
            for r in (-0.7, 0.0, 0.5, 0.95, 1.0):
                lo = maps(name, s, r, 0.03)
                hi = maps(name, s, r, 0.02)
                worst = max(worst, max(abs(a - b) / max(abs(b), 1e-300) for a, b in zip(lo, hi)))
                rows.append((name, s, r) + hi)
    print("/* tests/gen/mlp_ref.py: trapezoid h = 0.02 on [-12, 12]^2; largest relative "
          "change from h = 0.03: %.1e */" % worst)
    for name, s, r, e2, e11, d2, d11 in rows:
        print("    {SP_PHI_%s, %.17g, %.17g, %.17g, %.17g, %.17g, %.17g},"
              % (name.upper(), s, r, e2, e11, d2, d11))
    return 0


if __name__ == "__main__":
    sys.exit(main())
