#!/usr/bin/python3
"""Monte-Carlo reference values for the softmax moments of src/theory/softmax.c
(tests/test_softmax.c): P = softmax of n logits l_b ~ N(0, v) iid over b, P' the
softmax of a second query whose logits have covariance c with l_b at the same key.
Prints one C initialiser per (n, v, c): the mean and standard error of
sq = sum P^2, sp = sum P P', rq = sq - 2 sum P^3 + sq^2, rp = sp - 2 sum P^2 P' + sp^2.
Run: /usr/bin/python3 tests/gen/softmax_mc.py  (numpy, seed 11, 200000 samples each)."""
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


for n, v, c in CASES:
    r = moments(n, v, c)
    print("    {%d, %.17g, %.17g, %s}," % (n, v, c, ", ".join("%.17g" % x for x in r)))
