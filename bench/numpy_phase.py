#!/usr/bin/env python3
"""Baseline for bench_theory: the blog2 transformer recursion (SPEC 3.3, version A,
Derf norms) vectorised over alpha with numpy, exactly the work sigprop's SIMD sweep
does: q, p per alpha and log J^{l,0} stored at every block.

Usage: numpy_phase.py NALPHA DEPTH [cpu]
  -> prints "seconds <t> logJ_last_mean <m>" (best of 3, wall seconds), with cpu
     followed by " cpu <c>" (best of 3, CPU seconds)
"""
import sys
import time

import numpy as np


def run(nalpha, depth):
    n, sov, s21, sqk = 197, (0.64 * 0.64) ** 2, (1.28 * 0.64) ** 2, (0.64 * 0.64) ** 2
    alpha = 0.01 + np.arange(nalpha) * (2.0 / nalpha)
    a2 = alpha * alpha
    q = np.full(nalpha, 1.0)
    p = np.full(nalpha, 0.4)
    logj = np.zeros((nalpha, depth + 1))
    acc = np.zeros(nalpha)
    for l in range(depth):
        den = 1.0 + 2.0 * a2 * q
        qt = (2 / np.pi) * np.arcsin(2.0 * a2 * q / den)
        pt = (2 / np.pi) * np.arcsin(2.0 * a2 * p / den)
        qh = (4.0 * a2 / np.pi) / np.sqrt(1.0 + 4.0 * a2 * q)
        r = np.clip(pt / qt, -1.0, 1.0)
        eq = np.exp(sqk * qt * (pt - qt))
        ep = np.exp(sqk * pt * (pt - qt))
        dq = sov * qt * (1 + r * (n - 1) * eq) / (1 + (n - 1) * eq)
        dp = sov * qt * (1 + r * (n - 1) * ep) / (1 + (n - 1) * ep)
        xa = sov * qh / (1 + (n - 1) * eq)
        q = q + dq
        p = np.minimum(p + dp, q)
        den = 1.0 + 2.0 * a2 * q
        qt = (2 / np.pi) * np.arcsin(2.0 * a2 * q / den)
        pt = (2 / np.pi) * np.arcsin(2.0 * a2 * p / den)
        qh = (4.0 * a2 / np.pi) / np.sqrt(1.0 + 4.0 * a2 * q)
        r = np.clip(pt / qt, -1.0, 1.0)
        kap = (np.sqrt(1 - r * r) + r * (np.pi - np.arccos(r))) / (2 * np.pi)
        xm = 0.5 * s21 * qh
        q = q + 0.5 * s21 * qt
        p = np.minimum(p + s21 * qt * kap, q)
        acc = acc + np.log1p(xa + xm + xa * xm)
        logj[:, l + 1] = acc
    return logj


def main():
    nalpha, depth = int(sys.argv[1]), int(sys.argv[2])
    run(nalpha, 10)  # warm-up
    best = cpu = float("inf")
    for _ in range(3):
        t0, c0 = time.perf_counter(), time.process_time()
        logj = run(nalpha, depth)
        best = min(best, time.perf_counter() - t0)
        cpu = min(cpu, time.process_time() - c0)
    tail = f" cpu {cpu:.6f}" if sys.argv[3:] == ["cpu"] else ""
    print(f"seconds {best:.6f} logJ_last_mean {logj[:, -1].mean():.12g}{tail}")


if __name__ == "__main__":
    main()
