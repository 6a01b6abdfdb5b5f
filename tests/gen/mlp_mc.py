#!/usr/bin/env python3
"""Monte Carlo of one MLP sublayer at finite width, for tests/test_maps_mlp.c: the
mean-field MLP terms of src/theory/maps_mlp.c (sp_mlp_terms) against a network.

Two inputs x_a, x_b in R^d with x.x/d = qt and x_a.x_b/d = pt (exact, fixed vectors:
W1 x is then exactly Gaussian); weights redrawn every draw, Normal(0, sigma^2 / fan_in):
  SwiGLU  y = W2 (silu(W1 x) * (W3 x))     W1, W3: (H, d), W2: (d, H)
  GELU    y = W2 gelu(W1 x)
and per draw, with P Gaussian probes v (Hutchinson: E (J_a v).(J_b v) = tr(J_a^T J_b)),
  dq = y_a.y_a / d (mean of a and b),  dp = y_a.y_b / d,
  jc = ||J_a||_F^2 / d (mean of a and b),  kc = tr(J_a^T J_b) / d,
J_a = dy_a/dx_a. The norm is left out (qh = ph = 1), so these are the coefficients of
J <- (1 + jc qh) J and K <- (1 + kc ph) K directly. Prints the mean over draws and its
standard error. Finite width biases them by O(1/d) (0.2% at d = 512), below the
tolerance the test states.
Usage: /usr/bin/python3 tests/gen/mlp_mc.py   (numpy only; ~1 min; seed fixed)
"""
import math
import sys

import numpy as np

erf = np.vectorize(math.erf, otypes=[float])


def silu(x):
    sg = 1.0 / (1.0 + np.exp(-x))
    return x * sg, sg * (1.0 + x * (1.0 - sg))


def gelu(x):
    P = 0.5 * (1.0 + erf(x / math.sqrt(2.0)))
    return x * P, P + x * np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def run(act, d, H, qt, pt, s1, s2, s3, draws, probes, rng):
    xa = np.zeros(d)
    xb = np.zeros(d)
    xa[0] = math.sqrt(qt * d)
    xb[0] = pt / qt * xa[0]
    xb[1] = math.sqrt((qt - pt * pt / qt) * d)
    X = np.stack([xa, xb], axis=1)  # (d, 2)
    est = []
    for _ in range(draws):
        W1 = rng.standard_normal((H, d)) * (s1 / math.sqrt(d))
        W2 = rng.standard_normal((d, H)) * (s2 / math.sqrt(H))
        V = rng.standard_normal((d, probes))
        A = W1 @ X  # (H, 2)
        W1V = W1 @ V
        if act == "swiglu":
            W3 = rng.standard_normal((H, d)) * (s3 / math.sqrt(d))
            B = W3 @ X
            W3V = W3 @ V
            f, df = silu(A)
            Y = W2 @ (f * B)
            # J_a v = W2 (silu'(a) b (W1 v) + silu(a) (W3 v))
            JV = [W2 @ (df[:, k:k + 1] * B[:, k:k + 1] * W1V + f[:, k:k + 1] * W3V)
                  for k in range(2)]
        else:
            f, df = gelu(A)
            Y = W2 @ f
            JV = [W2 @ (df[:, k:k + 1] * W1V) for k in range(2)]
        dq = 0.5 * (Y[:, 0] @ Y[:, 0] + Y[:, 1] @ Y[:, 1]) / d
        dp = Y[:, 0] @ Y[:, 1] / d
        jc = 0.5 * (np.sum(JV[0] ** 2) + np.sum(JV[1] ** 2)) / (d * probes)
        kc = np.sum(JV[0] * JV[1]) / (d * probes)
        est.append((dq, dp, jc, kc))
    est = np.array(est)
    return est.mean(axis=0), est.std(axis=0, ddof=1) / math.sqrt(draws)


def main():
    rng = np.random.default_rng(20261203)
    d, H, draws, probes = 512, 1024, 384, 32
    cases = [("swiglu", 1.5, 0.6, 1.0, 1.2, 0.8), ("swiglu", 0.7, -0.2, 1.6, 0.9, 1.1),
             ("gelu", 1.5, 0.6, 1.0, 1.2, 0.0), ("gelu", 0.7, -0.2, 1.6, 0.9, 0.0)]
    print("/* tests/gen/mlp_mc.py: d = %d, H = %d, %d draws x %d probes, numpy seed 20261203;"
          " act, qt, pt, sigma_1, sigma_2, sigma_3, then (mean, se) of dq, dp, jc, kc */"
          % (d, H, draws, probes))
    for act, qt, pt, s1, s2, s3 in cases:
        m, se = run(act, d, H, qt, pt, s1, s2, s3, draws, probes, rng)
        vals = ", ".join("%.6g, %.3g" % (a, b) for a, b in zip(m, se))
        print("    {SP_ACT_%s, %g, %g, %g, %g, %g, {%s}}," % (act.upper(), qt, pt, s1, s2, s3, vals))
    return 0


if __name__ == "__main__":
    sys.exit(main())
