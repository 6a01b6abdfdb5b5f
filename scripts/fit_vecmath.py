#!/usr/bin/env python3
"""Coefficients of the inline vector asin and exp (src/theory/vec_math.h).

Each function is reduced to a polynomial P on a short interval:
  asin: asin(s) = s + s z P(z), z = s^2, on z in [0, 1/4] (|x| <= 1/2: s = |x|;
        |x| > 1/2: s = sqrt((1 - |x|)/2), asin|x| = pi/2 - 2 asin s);
  exp:  e^r = 1 + r + r^2 P(r), on r in [-ln2/2, ln2/2] (x = n ln2 + r).
P interpolates the function at the Chebyshev nodes of its interval (a
near-minimax fit), computed with 60-digit decimals from the Taylor series
(exact rationals), then rounded to doubles. The script prints, for each, the
max relative error of the rounded polynomial (exact arithmetic) over 20001
points and the C initialisers; the C test tests/test_vecmath.c measures the
whole function in ulps against libm.

Usage: scripts/fit_vecmath.py   (the Python standard library only)
"""
import math
from decimal import Decimal, getcontext
from fractions import Fraction

getcontext().prec = 60


def asin_series(nterms=140):
    # (asin(sqrt z) - sqrt z) / (z sqrt z) = sum_{k>=1} c_k z^(k-1),
    # c_k = (2k)! / (4^k (k!)^2 (2k + 1))
    return [Fraction(math.comb(2 * k, k), 4**k * (2 * k + 1)) for k in range(1, nterms)]


def exp_series(nterms=40):
    # (e^r - 1 - r) / r^2 = sum_{k>=2} r^(k-2) / k!
    return [Fraction(1, math.factorial(k)) for k in range(2, nterms)]


def horner(coefs, x):
    s = Decimal(0)
    for c in reversed(coefs):
        s = s * x + c
    return s


def solve(a, b):
    n = len(b)
    for i in range(n):
        piv = max(range(i, n), key=lambda r: abs(a[r][i]))
        a[i], a[piv] = a[piv], a[i]
        b[i], b[piv] = b[piv], b[i]
        for r in range(i + 1, n):
            f = a[r][i] / a[i][i]
            for c in range(i, n):
                a[r][c] -= f * a[i][c]
            b[r] -= f * b[i]
    x = [Decimal(0)] * n
    for i in reversed(range(n)):
        x[i] = (b[i] - sum(a[i][c] * x[c] for c in range(i + 1, n))) / a[i][i]
    return x


def fit(series, lo, hi, degree):
    ser = [Decimal(c.numerator) / Decimal(c.denominator) for c in series]
    nodes = [Decimal((lo + hi) / 2 + (hi - lo) / 2 * math.cos(math.pi * (i + 0.5) / (degree + 1)))
             for i in range(degree + 1)]
    a = [[x**j for j in range(degree + 1)] for x in nodes]
    b = [horner(ser, x) for x in nodes]
    coefs = [float(c) for c in solve(a, b)]
    err = 0.0
    for i in range(20001):
        x = Decimal(lo + (hi - lo) * i / 20000)
        exact = horner(ser, x)
        err = max(err, float(abs((horner([Decimal(c) for c in coefs], x) - exact) / exact)))
    return coefs, err


def main():
    for name, series, lo, hi, degree in (
        ("asin", asin_series(), 0.0, 0.25, 12),
        ("exp", exp_series(), -math.log(2) / 2, math.log(2) / 2, 10),
    ):
        coefs, err = fit(series, lo, hi, degree)
        print(f"/* {name}: P of degree {degree} on [{lo:.6g}, {hi:.6g}], "
              f"max relative error of P {err:.3g} */")
        print(f"#define VM_{name.upper()}_P " + ", ".join(f"{c!r}" for c in coefs))


if __name__ == "__main__":
    main()
