#!/usr/bin/env python3
"""Python theory summary over many alphas: sigprop.theory(summary=True) through the
library's table (sp_theory_table: one sp_theory_summary_batch, vectorised over
alpha) against the per-alpha loop the module used before (sp_theory_run and
sp_theory_asymptotics per alpha, one dict per row), in one run; prints both times,
their ratio and the largest relative difference of log J^{L,0} and lambda.

Usage: bench/python_theory.py [BUILD [NALPHA [DEPTH]]]   (build, 10000, 1000)
Run by bench/run (make bench); Derf on the blog2 transformer as in the issue."""
import math
import os
import sys
import time

build = sys.argv[1] if len(sys.argv) > 1 else "build"
nalpha = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
depth = int(sys.argv[3]) if len(sys.argv) > 3 else 1000
here = os.path.dirname(os.path.abspath(__file__))
os.environ.setdefault("SIGPROP_LIB", os.path.join(build, "libsigprop.so.0"))
sys.path.insert(0, os.path.join(here, "..", "python"))
import numpy as np  # noqa: E402

import sigprop  # noqa: E402
from sigprop import _build, ffi, lib  # noqa: E402


def old_loop(alphas, **kw):
    """The module's theory(summary=True) before the table: one recursion and one
    asymptotics call per alpha, a dict per row (records columns omitted: they
    only add time to this side)."""
    records = []
    for al in alphas:
        a, o = _build("theory", kw, al)
        n = lib.sp_theory_nrows(a, o)
        rows = ffi.new("struct sp_theory_row[]", n)
        if lib.sp_theory_run(a, o, rows, n) != lib.SP_OK:
            raise RuntimeError(ffi.string(lib.sp_last_error()).decode())
        asy = ffi.new("struct sp_asymptotics *")
        lib.sp_theory_asymptotics(a, o, rows, n, asy)
        last = rows[n - 1]
        records.append(dict(alpha=al, q_L=last.q, J_L0=math.exp(last.log_jfwd),
                            logJ_L0=last.log_jfwd, phase=ffi.string(
                                lib.sp_phase_name(asy.phase)).decode(),
                            zeta=asy.zeta, xi=asy.xi, l_star=asy.l_star,
                            **{"lambda": getattr(asy, "lambda")}))
    import pandas as pd
    return pd.DataFrame.from_records(records)


def main():
    alphas = list(np.linspace(0.05, 2.0, nalpha))
    kw = dict(preset="blog2", norm="derf", depth=depth)
    sigprop.theory(alpha=alphas[:2], summary=True, **kw)  # the library's tables, built once
    old_loop(alphas[:2], **kw)
    t0 = time.perf_counter()
    new = sigprop.theory(alpha=alphas, summary=True, **kw)
    t_new = time.perf_counter() - t0
    t0 = time.perf_counter()
    old = old_loop(alphas, **kw)
    t_old = time.perf_counter() - t0

    def rel(col):
        a, b = new[col].to_numpy(), old[col].to_numpy()
        ok = np.isfinite(a) & np.isfinite(b)
        return float(np.max(np.abs(a[ok] - b[ok]) / np.maximum(1.0, np.abs(b[ok])))) if ok.any() else 0.0

    same_phase = bool((new["phase"].to_numpy() == old["phase"].to_numpy()).all())
    print("python theory --summary, blog2 Derf, %d alphas x %d blocks (simd %s)"
          % (nalpha, depth, sigprop.simd()))
    print("  table (sp_theory_table)     %8.3f s" % t_new)
    print("  per-alpha loop (before)     %8.3f s" % t_old)
    print("  ratio                       %8.1fx" % (t_old / t_new))
    print("  max rel diff: logJ_L0 %.2g, lambda %.2g; phases equal: %s"
          % (rel("logJ_L0"), rel("lambda"), same_phase))
    return 0 if same_phase else 1


if __name__ == "__main__":
    sys.exit(main())
