#!/usr/bin/env python3
"""Reference pair maps at unequal variances for tests/test_quad.c (test_pair):
for (x, y) ~ N(0, [[qa, p], [p, qb]]) and f(x) = g(alpha x + s), g = tanh or erf,
  T = E[f(x) f(y)],  N = E[f'(x) f'(y)]  (f' = alpha g'),
with mpmath at 20 digits. The method is deliberately different from
src/theory/quad.c's sp_quad_pair (conditioning v | u, trapezoid rules): here the
covariance is diagonalised, (x, y) = R diag(sqrt(l1), sqrt(l2)) (z1, z2) with z
standard normal, and mpmath's adaptive Gauss-Legendre integrates over the square
[-11, 11]^2 in z (e^-60 outside) split at -6, -3, -1, 0, 1, 3, 6 in both.
Usage: /usr/bin/python3 tests/gen/pair_ref.py > values (needs python3-mpmath;
~1-4 min per row, 12 min for the 5 on a loaded machine; the rows are pasted into
tests/test_quad.c).
"""
import mpmath as mp

mp.mp.dps = 20

ROWS = [  # kind, alpha, shift, qa, qb, p
    ("tanh", 0.5, 0.0, 2.0, 9.0, 3.5),
    ("tanh", 1.0, 0.0, 0.3, 1.7, -0.4),
    ("tanh", 0.5, 0.0, 12.0, 20.0, 15.2),
    ("tanh", 0.8, 0.7, 1.0, 4.0, 1.6),
    ("erf", 0.6, -0.5, 3.0, 0.5, 1.0),
]


def g(kind, x):
    return mp.tanh(x) if kind == "tanh" else mp.erf(x)


def gp(kind, x):
    return mp.sech(x) ** 2 if kind == "tanh" else 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)


def row(kind, alpha, s, qa, qb, p):
    qa, qb, p, alpha, s = (mp.mpf(v) for v in (qa, qb, p, alpha, s))
    tr, det = qa + qb, qa * qb - p * p
    disc = mp.sqrt((qa - qb) ** 2 / 4 + p * p)
    l1, l2 = tr / 2 + disc, tr / 2 - disc
    th = mp.atan2(2 * p, qa - qb) / 2  # eigenvector of l1: (cos th, sin th)
    c, sn = mp.cos(th), mp.sin(th)
    r1, r2 = mp.sqrt(l1), mp.sqrt(l2)
    pts = [-11, -6, -3, -1, 0, 1, 3, 6, 11]

    def xy(z1, z2):
        return c * r1 * z1 - sn * r2 * z2, sn * r1 * z1 + c * r2 * z2

    def w(z1, z2):
        return mp.exp(-(z1 * z1 + z2 * z2) / 2) / (2 * mp.pi)

    def ft(z1, z2):
        x, y = xy(z1, z2)
        return w(z1, z2) * g(kind, alpha * x + s) * g(kind, alpha * y + s)

    def fn(z1, z2):
        x, y = xy(z1, z2)
        return w(z1, z2) * alpha ** 2 * gp(kind, alpha * x + s) * gp(kind, alpha * y + s)

    T = mp.quad(ft, pts, pts)
    N = mp.quad(fn, pts, pts)
    return T, N


if __name__ == "__main__":
    for r in ROWS:
        T, N = row(*r)
        print('    {%s, %r, %r, %r, %r, %r, %s, %s},' % (
            "SP_FN_DYT" if r[0] == "tanh" else "SP_FN_DERF", r[1], r[2], r[3], r[4], r[5],
            mp.nstr(T, 17), mp.nstr(N, 17)), flush=True)
