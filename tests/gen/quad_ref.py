#!/usr/bin/env python3
"""Reference Gaussian maps of f(x) = g(alpha x + s), g = tanh or erf, for tests/test_quad.c.

For (x, y) jointly Gaussian, Var = q, Cov = p (r = p/q), prints
  qt = E[f(x)^2], pt = E[f(x) f(y)], qh = E[f'(x)^2], ph = E[f'(x) f'(y)], dpt = pt - qt
with mpmath at 20 digits. The method is deliberately different from src/theory/quad.c
(trapezoid rules in sum/difference coordinates + Price's theorem):
  * everything in u = alpha x ~ N(0, Q = alpha^2 q), with mpmath's adaptive
    Gauss-Legendre quadrature on finite windows split at the feature points of both the
    function and the Gaussian (tanh-sinh gave the same digits, 5x slower);
  * two-point maps by conditioning, v | u ~ N(r u, Q (1 - r^2)):
      ph = alpha^2 E_u[g'(u+s) E[g'(v+s) | u]]
      pt = E[sgn sgn] + E_u[(g(u+s) - sgn(u+s)) (E[g(v+s)|u] + E[sgn(v+s)|u])]
    (exchangeability of u and v), where E[sgn(u+s) sgn(v+s)] is the orthant probability
    (2/pi) asin r for s = 0 and a one-dimensional integral otherwise.
Usage: python3 tests/gen/quad_ref.py [INDEX ...] > values
(needs Debian's python3-mpmath; ~15 s per row, 27 rows; the rows are pasted into
tests/test_quad.c, so the tests do not need mpmath)
"""
import sys
import mpmath as mp

mp.mp.dps = 20


def g_fun(kind, x):
    return mp.tanh(x) if kind == "tanh" else mp.erf(x)


def h_fun(kind, x):
    return mp.sech(x) ** 2 if kind == "tanh" else 2 / mp.sqrt(mp.pi) * mp.exp(-x * x)


def pts(kind, centre_fn, mu, sd, lo=-mp.inf, hi=mp.inf):
    """Breakpoints on the window where the integrand is not negligible: the function's
    feature at centre_fn (tanh - sgn and sech^2 fall below 1e-30 at 35, erf's at 9) and
    the Gaussian N(mu, sd^2) (cut at 11 sd, e^-60)."""
    L = 35 if kind == "tanh" else 9
    wlo = max(lo, centre_fn - L, mu - 11 * sd)
    whi = min(hi, centre_fn + L, mu + 11 * sd)
    if not wlo < whi:
        return None
    p = {centre_fn + d for d in (-8, -2, 0, 2, 8)} | {mu + k * sd for k in (-3, 0, 3)}
    return [wlo] + sorted(x for x in p if wlo < x < whi) + [whi]


def gauss_exp(kind, F, mu, var, centre, lo=-mp.inf, hi=mp.inf):
    """E[F(v)] for v ~ N(mu, var), restricted to (lo, hi), F localised at centre."""
    sd = mp.sqrt(var)
    p = pts(kind, centre, mu, sd, lo, hi)
    if p is None:
        return mp.mpf(0)
    w = lambda v: mp.exp(-(v - mu) ** 2 / (2 * var)) / mp.sqrt(2 * mp.pi * var) * F(v)
    return mp.quad(w, p, method="gauss-legendre")


def maps(kind, alpha, s, q, r):
    a2 = mp.mpf(alpha) ** 2
    Q = a2 * q
    s = mp.mpf(s)
    r = mp.mpf(r)
    c = -s  # feature point of g(u + s)
    qt = 1 - gauss_exp(kind, lambda u: 1 - g_fun(kind, u + s) ** 2, 0, Q, c)
    qh = a2 * gauss_exp(kind, lambda u: h_fun(kind, u + s) ** 2, 0, Q, c)
    cv = Q * (1 - r * r)  # conditional variance of v given u

    ph = a2 * gauss_exp(kind, lambda u: h_fun(kind, u + s) *
                        gauss_exp(kind, lambda v: h_fun(kind, v + s), r * u, cv, c), 0, Q, c)

    sq = mp.sqrt(Q)
    if s == 0:
        ss = 2 / mp.pi * mp.asin(r)
    else:
        hh = -s / sq  # standardised threshold
        # Phi2(hh, hh; r) = int_{-inf}^{hh} phi(x) Phi((hh - r x) / sqrt(1 - r^2)) dx
        sr = mp.sqrt(1 - r * r)
        phi2 = mp.quad(lambda x: mp.npdf(x) * mp.ncdf((hh - r * x) / sr),
                       [-mp.inf, hh - 10, hh - 3, hh])
        ss = 1 - 4 * mp.ncdf(hh) + 4 * phi2

    def gms(x):  # g - sgn, localised, with a jump at 0
        return g_fun(kind, x) - mp.sign(x)

    def outer(u):
        # E[g(v+s)|u] + E[sgn(v+s)|u] = 2 E[sgn(v+s)|u] + E[(g - sgn)(v+s)|u]
        m_s = mp.erf((r * u + s) / mp.sqrt(2 * cv)) if cv > 0 else mp.sign(r * u + s)
        m_d = (gauss_exp(kind, lambda v: gms(v + s), r * u, cv, c, -mp.inf, c) +
               gauss_exp(kind, lambda v: gms(v + s), r * u, cv, c, c, mp.inf))
        return gms(u + s) * (2 * m_s + m_d)

    pt = (ss + gauss_exp(kind, outer, 0, Q, c, -mp.inf, c) +
          gauss_exp(kind, outer, 0, Q, c, c, mp.inf))
    return qt, pt, qh, ph, pt - qt


CASES = [
    # kind, alpha, shift, q, r  (r = p/q)
    ("erf", 0.5, 0.0, 2.0, 0.6),        # sanity: closed forms exist here
    ("erf", 3.0, 0.0, 1e4, -0.9),
    ("tanh", 0.01, 0.0, 1e-3, 0.5),
    ("tanh", 0.5, 0.0, 1.0, 0.4),
    ("tanh", 1.0, 0.0, 1.0, 0.999),
    ("tanh", 1.0, 0.0, 1.0, -0.99),
    ("tanh", 1.0, 0.0, 1.0, 0.05),
    ("tanh", 0.3, 0.0, 30.0, 0.9),
    ("tanh", 2.0, 0.0, 5.0, 0.99),
    ("tanh", 2.0, 0.0, 5.0, -0.5),
    ("tanh", 5.0, 0.0, 100.0, 0.999),
    ("tanh", 5.0, 0.0, 1e4, 0.7),
    ("tanh", 1.0, 0.0, 1e6, 0.999),
    ("tanh", 1.0, 0.0, 1e6, -0.99),
    ("tanh", 5.0, 0.0, 1e6, 0.2),
    ("tanh", 0.05, 0.0, 1e6, 0.95),
    ("tanh", 0.1, 0.0, 0.01, 0.999),
    ("tanh", 0.7, 0.5, 1.0, 0.6),
    ("tanh", 0.7, 0.5, 1.0, -0.7),
    ("tanh", 1.5, -1.2, 50.0, 0.999),
    ("tanh", 1.5, -1.2, 50.0, 0.1),
    ("tanh", 0.2, 2.0, 1e4, -0.3),
    ("erf", 0.5, 0.3, 1.0, 0.5),
    ("erf", 0.5, 0.3, 1.0, -0.9),
    ("erf", 2.0, -1.0, 1e3, 0.999),
    ("erf", 2.0, -1.0, 1e3, 0.02),
    ("erf", 0.05, 1.5, 0.1, 0.9),
]


def main():
    sel = CASES
    if len(sys.argv) > 1:  # optional subset: indices
        sel = [CASES[int(i)] for i in sys.argv[1:]]
    for kind, alpha, s, q, r in sel:
        vals = maps(kind, alpha, s, q, r)
        print("    {%s, %.17g, %.17g, %.17g, %.17g, %s}," % (
            "SP_FN_DYT" if kind == "tanh" else "SP_FN_DERF", alpha, s, q, r,
            ", ".join(mp.nstr(v, 20, min_fixed=-mp.inf, max_fixed=mp.inf) for v in vals)))
        sys.stdout.flush()


if __name__ == "__main__":
    main()
