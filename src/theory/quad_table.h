/* Internal to quad_table.c and quad_table_avx2.c: the geometry of the tanh table and
 * its evaluation kernel, compiled twice (baseline and AVX2+FMA, chosen at run time). */
#ifndef SP_THEORY_QUAD_TABLE_H
#define SP_THEORY_QUAD_TABLE_H

#include <math.h>
#include <stddef.h>

/* ISO C mode compiles without FP contraction: fused multiply-adds only where asked. */
#ifdef __FMA__
#define QT_MADD(a, b, c) fma((a), (b), (c))
#else
#define QT_MADD(a, b, c) ((a) * (b) + (c))
#endif

/* Table geometry (overridable with -D for tuning experiments). */
/* Measured against the quadrature on 1000-3000 random points of the box
 * (tests/test_quad.c, bench/bench_quad.c): degree 12 with 30 x 30 panels gives
 * <= 5e-12 relative, degree 10 with 30 x 36 panels <= 8e-12 for fewer operations
 * per evaluation (3 AVX vectors per row instead of 4), degree 7 with 45 x 60 ~1e-10;
 * 20 eta panels at degree 12 left 1.5e-9 in dpt at Q ~ 1e6, r ~ 0.55. */
#ifndef QT_DEG
#define QT_DEG 10                /* Chebyshev degree per panel and axis */
#endif
#ifndef QT_NX
#define QT_NX 30                 /* log Q panels of width 1.23 */
#endif
#ifndef QT_NY
#define QT_NY 36                 /* eta panels on [0, 1] */
#endif
#ifndef QT_NR
#define QT_NR 3                  /* r panels on [0, QT_RSW] for pt / (r qt) */
#endif
/* pt = qt + dpt for r >= QT_RSW (no cancellation: pt >= ~qt/2), pt = r qt E below
 * (E is analytic in r up to r = 1: 3 panels of width 0.2 give rho ~ 10 at worst). */
#define QT_RSW 0.6
#define QT_N (QT_DEG + 1)
#define QT_S ((QT_N + 3) & ~3)  /* stride of the evaluation layout, padded to whole AVX vectors */
#define QT_PB (QT_N * QT_S)      /* one function's coefficients in one panel */
#define QT_XMIN (-18.5)          /* log Q range: Q in [9e-9, 1.1e8] */
#define QT_XMAX 18.5

static inline double qtab_dot(const double *a, const double *b)
{
    double s = 0.0;
#pragma omp simd reduction(+ : s)
    for (int i = 0; i < QT_S; i++)
        s = QT_MADD(a[i], b[i], s);
    return s;
}

/* sum_ij c[j][i] Tx[i] Ty[j] for nf functions stored one after the other (QT_PB apart).
 * The x-axis accumulators w[] must stay in registers (a memory round trip per row
 * costs a store-forwarding stall): the inner loop is fully unrolled. */
static inline void qtab_cheb2(const double *c, int nf, const double *Tx, const double *Ty, double *out)
{
    for (int f = 0; f < nf; f++) {
        double w[QT_S];
        const double *cf = c + (size_t)f * QT_PB;
#pragma GCC unroll 16
        for (int i = 0; i < QT_S; i++)
            w[i] = cf[i] * Ty[0];
        for (int j = 1; j < QT_N; j++) {
            double t = Ty[j];
            const double *row = cf + j * QT_S;
#pragma GCC unroll 16
            for (int i = 0; i < QT_S; i++)
                w[i] = QT_MADD(row[i], t, w[i]);
        }
        out[f] = qtab_dot(w, Tx);
    }
}

/* For the DyT sweep kernels (sweep_dyt_kernel.h), which evaluate the table
 * themselves with the same arithmetic as sp_quad_gmap_fast. */
#include "sigprop/core.h"
struct sp_qtab_data {
    const double *q1[2]; /* 1D maps, (QT_NX, QT_S) */
    const double *e2;    /* R, D per (x, eta) panel: (QT_NX * QT_NY, 2, QT_N, QT_S) */
    const double *ept;   /* E per (x, r) panel, (QT_NX * QT_NR, QT_N, QT_S) */
};
/* The table's arrays (allocated, 1D maps fitted; 2D panels built on demand). */
enum sp_status sp_qtab_data(struct sp_qtab_data *d);
/* Makes x panel ix (0 <= ix < QT_NX) usable, building it under the lock if needed. */
enum sp_status sp_qtab_panel(int ix);
#define QT_HX ((QT_XMAX - QT_XMIN) / QT_NX)
#define QT_HY (1.0 / QT_NY)
#define QT_HR (QT_RSW / QT_NR)
/* Large-Q constants: qh ~ (4/3)/sqrt(2 pi Q) gives C1 = 9 pi / 8; ph ~ 1/(pi sqrt(AB))
 * gives C1 C2 = pi^2. Dividing by sqrt((1 + C1 A)(1 + C2 B)) leaves O(1) smooth ratios. */
#define QT_C1 (9.0 * M_PI / 8.0)
#define QT_C2 (M_PI * M_PI / QT_C1)

/* qtab_cheb2 compiled with -mavx2 -mfma (quad_table_avx2.c). */
void sp_qtab_cheb2_avx2(const double *c, int nf, const double *Tx, const double *Ty, double *out);

#endif
