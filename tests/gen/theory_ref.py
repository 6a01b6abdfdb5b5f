#!/usr/bin/env python3
"""Independent reference implementation of the mean-field recursions of SPEC 3.2-3.4,
written straight from the SPEC equations in plain Python (no code shared with
src/theory). tests/test_theory.c pastes its output as reference values.

Run: python3 tests/gen/theory_ref.py
"""
from math import asin, acos, exp, log, pi, sqrt


def kappa(r):
    r = max(-1.0, min(1.0, r))
    return (sqrt(1 - r * r) + r * (pi - acos(r))) / (2 * pi)


def kappa_p(r):
    return 0.25 + asin(max(-1.0, min(1.0, r))) / (2 * pi)


def maps(norm, a, q, p):
    if norm == "ln":
        return 1.0, p / q, 1.0 / q, 1.0 / q
    a2 = a * a
    qt = (2 / pi) * asin(2 * a2 * q / (1 + 2 * a2 * q))
    pt = (2 / pi) * asin(2 * a2 * p / (1 + 2 * a2 * q))
    qh = (4 * a2 / pi) / sqrt(1 + 4 * a2 * q)
    ph = (4 * a2 / pi) / sqrt((1 + 2 * a2 * q) ** 2 - 4 * a2 * a2 * p * p)
    return qt, pt, qh, ph


def transformer(norm, a, version, L=128, n=197, sig=0.64, sig2=1.28, q0=1.0, p0=0.4):
    sov = (sig * sig) ** 2
    s21 = (sig * sig2) ** 2
    sqk = (sig * sig) ** 2
    q, p = q0, p0
    subl = []  # (kind, qt, pt, qh, ph)
    for l in range(L):
        qt, pt, qh, ph = maps(norm, a, q, p)
        subl.append(("attn", qt, pt, qh, ph, q, p))
        if version == "A":
            eq = exp(sqk * qt * (pt - qt))
            ep = exp(sqk * pt * (pt - qt))
            dq = sov * qt * (1 + pt / qt * (n - 1) * eq) / (1 + (n - 1) * eq)
            dp = sov * qt * (1 + pt / qt * (n - 1) * ep) / (1 + (n - 1) * ep)
        else:
            dq = dp = sov * pt
        q, p = q + dq, p + dp
        qt, pt, qh, ph = maps(norm, a, q, p)
        subl.append(("mlp", qt, pt, qh, ph, q, p))
        q, p = q + s21 * qt / 2, p + s21 * qt * kappa(pt / qt)
    # backward APJN J^{L,l} for all l
    logj_bwd = [0.0] * (L + 1)
    if version == "A":
        acc = 0.0
        for l in range(L - 1, -1, -1):
            attn, mlp = subl[2 * l], subl[2 * l + 1]
            e = exp(sqk * attn[1] * (attn[2] - attn[1]))
            acc += log(1 + sov * attn[3] / (1 + (n - 1) * e)) + log(1 + s21 * mlp[3] / 2)
            logj_bwd[l] = acc
    else:  # version C, c_n = 1, renormalised
        J, K, acc = 1.0, 0.0, 0.0
        for l in range(L - 1, -1, -1):
            attn, mlp = subl[2 * l], subl[2 * l + 1]
            J = (1 + s21 * mlp[3] / 2) * J
            K = (1 + s21 * kappa_p(mlp[2] / mlp[1]) * mlp[4]) * K
            J, K = (1 + sov * attn[3] / n) * J + sov * attn[3] * K, (1 + sov * attn[4]) * K + (sov * attn[4] / n) * J
            acc += log(J)
            J, K = 1.0, K / J
            logj_bwd[l] = acc
    return q, p, logj_bwd


def toy(phi_alpha, sw, L=128, K0=1.0, ln_identity=False):
    K, acc = K0, 0.0
    for _ in range(L):
        if ln_identity:
            chi = 1 + sw * sw / K
            K = K + sw * sw
        else:
            a2 = phi_alpha * phi_alpha
            chi = 1 + sw * sw * (4 * a2 / pi) / sqrt(1 + 4 * a2 * K)
            K = K + sw * sw * (2 / pi) * asin(2 * a2 * K / (1 + 2 * a2 * K))
        acc += log(chi)
    return K, acc


if __name__ == "__main__":
    for version in ("A", "C"):
        for norm, a in (("ln", 0.0), ("derf", 0.5), ("derf", 0.3), ("derf", 1.9)):
            q, p, lb = transformer(norm, a, version)
            print(f"blog2 version {version} {norm} {a}: q128 {q:.12g} p128 {p:.12g} "
                  f"logJ128_0 {lb[0]:.12g} logJ128_16 {lb[16]:.12g} logJ128_64 {lb[64]:.12g}")
    K, lj = toy(0.5, 0.46)
    print(f"toy erf 0.5 sw 0.46: K128 {K:.12g} logJ {lj:.12g}")
    K, lj = toy(0.0, 0.46, ln_identity=True)
    print(f"toy preLN identity sw 0.46: K128 {K:.12g} logJ {lj:.12g}")
    K, lj = toy(1.9, 1.0)
    print(f"toy erf 1.9 sw 1 (pitfall): K128 {K:.12g} logJ {lj:.12g}")
