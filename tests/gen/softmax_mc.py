#!/usr/bin/python3
"""Monte-Carlo reference values for the softmax moments of src/theory/softmax.c
(tests/test_softmax.c): P = softmax of n logits l_b ~ N(0, v) iid over b, P' the
softmax of a second query whose logits have covariance c with l_b at the same key.
Prints one C initialiser per (n, v, c): the mean and standard error of
sq = sum P^2, sp = sum P P', rq = sq - 2 sum P^3 + sq^2, rp = sp - 2 sum P^2 P' + sp^2.
Run: /usr/bin/python3 tests/gen/softmax_mc.py  (numpy, seed 11, 200000 samples each);
with the argument "query", only the finite-head-dimension cases at the end."""
import numpy as np

CASES = [(128, 0.1, 0.04), (128, 0.5, 0.3), (128, 1.0, 0.6), (128, 2.0, 0.8),
         (128, 2.0, -0.5), (32, 3.0, 1.0), (16, 3.0, -1.0), (128, 5.0, 2.0)]


def moments(n, v, c, S=200000, B=4000, seed=11):
    rng = np.random.default_rng(seed)
    acc = {k: [0.0, 0.0] for k in ("sq", "sp", "rq", "rp")}
    ac, e = abs(c), (1.0 if c >= 0 else -1.0)
    for _ in range(S // B):
        u = rng.standard_normal((B, n)) * np.sqrt(ac)
        l1 = u + rng.standard_normal((B, n)) * np.sqrt(v - ac)
        l2 = e * u + rng.standard_normal((B, n)) * np.sqrt(v - ac)
        P = np.exp(l1 - l1.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        Q = np.exp(l2 - l2.max(1, keepdims=True))
        Q /= Q.sum(1, keepdims=True)
        sq = (P * P).sum(1)
        sp = (P * Q).sum(1)
        x = {"sq": sq, "sp": sp, "rq": sq - 2 * (P ** 3).sum(1) + sq * sq,
             "rp": sp - 2 * (P * P * Q).sum(1) + sp * sp}
        for k in acc:
            acc[k][0] += x[k].sum()
            acc[k][1] += (x[k] * x[k]).sum()
    out = []
    for k in ("sq", "sp", "rq", "rp"):
        m = acc[k][0] / S
        out += [m, np.sqrt(max(acc[k][1] / S - m * m, 0.0) / S)]
    return out




# Finite head dimension (sp_softmax_query_moments): one query u ~ N(0, I_dh), n keys
# k_b ~ N(0, I_dh) iid, logits l_b = sqrt(v) u.k_b / sqrt(dh), so that given u they are iid
# N(0, v X) with X = |u|^2 / dh. Prints {n, v, dh, sq, se, rq, se, rqx, se} with
# rqx = E X rq. The dot products are drawn as they are, not through X.
QCASES = [(128, 1.0, 16), (128, 2.0, 16), (64, 1.5, 4), (128, 1.0, 128)]


def query_moments(n, v, dh, S=200000, B=2000, seed=12):
    rng = np.random.default_rng(seed)
    acc = {k: [0.0, 0.0] for k in ("sq", "rq", "rqx")}
    for _ in range(S // B):
        u = rng.standard_normal((B, 1, dh))
        k = rng.standard_normal((B, n, dh))
        l = np.sqrt(v) * (u * k).sum(2) / np.sqrt(dh)
        P = np.exp(l - l.max(1, keepdims=True))
        P /= P.sum(1, keepdims=True)
        sq = (P * P).sum(1)
        rq = sq - 2 * (P ** 3).sum(1) + sq * sq
        X = (u[:, 0, :] ** 2).sum(1) / dh
        x = {"sq": sq, "rq": rq, "rqx": X * rq}
        for key in acc:
            acc[key][0] += x[key].sum()
            acc[key][1] += (x[key] * x[key]).sum()
    out = []
    for key in ("sq", "rq", "rqx"):
        m = acc[key][0] / S
        out += [m, np.sqrt(max(acc[key][1] / S - m * m, 0.0) / S)]
    return out


import sys

if "query" not in sys.argv[1:]:
    for n, v, c in CASES:
        r = moments(n, v, c)
        print("    {%d, %.17g, %.17g, %s}," % (n, v, c, ", ".join("%.17g" % x for x in r)))
    print()
for n, v, dh in QCASES:
    r = query_moments(n, v, dh)
    print("    {%d, %.17g, %d, %s}," % (n, v, dh, ", ".join("%.17g" % x for x in r)))
