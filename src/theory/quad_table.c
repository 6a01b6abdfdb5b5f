/* The fast path of the tanh Gaussian maps (SPEC 3.1, 3.6): f = tanh(alpha x),
 * no shift. In Q = alpha^2 q and r = p/q the maps are qt = F(Q), qh = alpha^2 G(Q),
 * ph = alpha^2 G2(Q, r), pt = F2(Q, r); this file tabulates them once, as
 * piecewise Chebyshev series in x = log Q and a correlation variable that resolves
 * r -> 1 (eta = sqrt(log(1 + B) / log(1 + Q/2)), B = Q (1 - r)/2 the variance of
 * (u - v)/2), with the large-Q power laws divided out. The table is built from the
 * accurate quadrature (quad.c) one log-Q panel at a time, the first time a point
 * falls in it (under a lock, double-checked with an atomic flag); its error is
 * measured against that quadrature by tests/test_quad.c and bench/bench_quad.c.
 * Arguments outside the table (Q outside [9e-9, 1.1e8]) return SP_EUNSUPPORTED.
 * The DyT alpha-sweep kernel (sweep_dyt_kernel.h) evaluates the same table, many
 * alphas at once, through sp_qtab_data and sp_qtab_panel. */
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "theory/quad.h"
#include "theory/quad_table.h"
#include "sigprop/cpu.h"
#include "sp_config.h"


/* Tabulated functions (fitted per panel, then packed into the evaluation layout):
 *   R = ph sqrt((1 + C1 A)(1 + C2 B)) and D = -dpt sqrt((1 + C1 A)(1 + C2 B)) / (2B)
 *   on (x, eta) panels; E = pt / (r qt) on (x, r) panels, r in [0, QT_RSW]. */
struct qtab {
    double *q1[2];  /* qt (1 + Q)/Q and qh sqrt(1 + C1 Q): (QT_NX, QT_S), zero-padded */
    /* Evaluation layout, coefficients [j][i] (j: y degree, i: x degree) with the x
     * axis padded to QT_S so the inner loop vectorises: per (x, y) panel R then D,
     * (QT_NX * QT_NY, 2, QT_N, QT_S); per (x, r) panel E, (QT_NX * QT_NR, QT_N, QT_S). */
    double *e2, *ept;
    /* the evaluation kernel: AVX2+FMA when the CPU has it, else baseline */
    void (*cheb2)(const double *c, int nf, const double *Tx, const double *Ty, double *out);
    int ok;                     /* allocated, 1D maps and kernel set */
    atomic_int state[QT_NX];    /* x panel: 0 not built, 1 built, 2 failed */
};
static struct qtab qtab;
static pthread_once_t qtab_once = PTHREAD_ONCE_INIT;
static pthread_mutex_t qtab_lock = PTHREAD_MUTEX_INITIALIZER;

static double cheb_node(int k) { return cos(M_PI * (k + 0.5) / QT_N); }

/* Chebyshev coefficients from values at cheb_node(0..QT_DEG), in place over stride. */
static void cheb_fit(double *v, size_t stride)
{
    double in[QT_N], out[QT_N];
    for (int k = 0; k < QT_N; k++)
        in[k] = v[k * stride];
    for (int j = 0; j < QT_N; j++) {
        double s = 0.0;
        for (int k = 0; k < QT_N; k++)
            s += in[k] * cos(M_PI * j * (k + 0.5) / QT_N);
        out[j] = s * (j == 0 ? 1.0 : 2.0) / QT_N;
    }
    for (int j = 0; j < QT_N; j++)
        v[j * stride] = out[j];
}

/* T_0..T_DEG at t, zero-padded to QT_S; two interleaved recurrences
 * T_j = 2 T_2 T_{j-2} - T_{j-4} halve the dependency chain. */
static void cheb_t(double t, double *T)
{
    double t2 = 2.0 * t * t - 1.0, tt2 = 2.0 * t2;
    T[0] = 1.0;
    T[1] = t;
    T[2] = t2;
    T[3] = t * (tt2 - 1.0);
    for (int j = 4; j < QT_N; j++)
        T[j] = tt2 * T[j - 2] - T[j - 4];
    for (int j = QT_N; j < QT_S; j++)
        T[j] = 0.0;
}

static double dot_s(const double *a, const double *b) { return qtab_dot(a, b); }

static void cheb2_eval(const double *c, int nf, const double *Tx, const double *Ty, double *out)
{
    qtab_cheb2(c, nf, Tx, Ty, out);
}

/* panel of fitted coefficients [i][j] (QT_N x QT_N) into the evaluation layout */
static void pack(const double *c, double *dst)
{
    for (int j = 0; j < QT_N; j++)
        for (int i = 0; i < QT_S; i++)
            dst[j * QT_S + i] = i < QT_N ? c[i * QT_N + j] : 0.0;
}

static double cheb1(const double *c, double t)
{
    double T[QT_S], s = 0.0;
    cheb_t(t, T);
    for (int j = 0; j < QT_N; j++)
        s += c[j] * T[j];
    return s;
}

/* panel index and local coordinate in [-1, 1] of v in [lo, lo + n w] */
static int panel(double v, double lo, double w, int n, double *t)
{
    double u = (v - lo) * (1.0 / w); /* w is a constant: no division at run time */
    int i = u > 0.0 ? (int)u : 0;
    if (i >= n)
        i = n - 1;
    *t = 2.0 * (u - i) - 1.0;
    return i;
}


static double x_of(int ix, int k) { return QT_XMIN + QT_HX * (ix + 0.5 * (1.0 + cheb_node(k))); }

/* The table's correlation variable is eta = sqrt(y), which refines the panels
 * towards r = 1 where ph changes regime (B ~ 1). B from eta at given Q:
 * B = (1 + Q/2)^(eta^2) - 1. */
static double b_of_y(double Q, double eta) { return expm1(eta * eta * log1p(0.5 * Q)); }

static double norm_ab(double A, double B) { return sqrt((1.0 + QT_C1 * A) * (1.0 + QT_C2 * B)); }

/* ph scaled (E[sech^2 u sech^2 v]) at y from the fitted row of R at one x node:
 * rowc: (QT_NY, QT_N) Chebyshev coefficients in y. */
static double ph_row(const double *rowc, double Q, double y)
{
    double t;
    int iy = panel(y, 0.0, QT_HY, QT_NY, &t);
    double B = b_of_y(Q, y);
    return cheb1(rowc + (size_t)iy * QT_N, t) / norm_ab(Q - B, B);
}

static const double gl16x[8][2] = {
    {0.9894009349916499326, 0.027152459411754094852},
    {0.94457502307323257608, 0.062253523938647892863},
    {0.86563120238783174388, 0.09515851168249278481},
    {0.7554044083550030339, 0.12462897125553387205},
    {0.61787624440264374845, 0.14959598881657673208},
    {0.45801677765722738634, 0.16915651939500253819},
    {0.28160355077925891323, 0.18260341504492358887},
    {0.095012509837637440185, 0.18945061045506849629},
};

/* int ph dB over eta in [y0, y1] (dB = 2 eta L (1 + B) deta), 16-point Gauss-Legendre */
static double int_ph_dy(const double *rowc, double Q, double y0, double y1)
{
    double L = log1p(0.5 * Q), mid = 0.5 * (y0 + y1), half = 0.5 * (y1 - y0), s = 0.0;
    for (int i = 0; i < 8; i++)
        for (int sg = -1; sg <= 1; sg += 2) {
            double y = mid + sg * gl16x[i][0] * half;
            s += gl16x[i][1] * ph_row(rowc, Q, y) * L * (1.0 + b_of_y(Q, y)) * 2.0 * y;
        }
    return s * half;
}

/* int_0^r ph dr' (scaled ph), r <= QT_RSW, 16-point Gauss-Legendre on [0, r] */
static double int_ph_dr(const double *rowc, double Q, double r)
{
    double L = log1p(0.5 * Q), half = 0.5 * r, s = 0.0;
    for (int i = 0; i < 8; i++)
        for (int sg = -1; sg <= 1; sg += 2) {
            double rr = half + sg * gl16x[i][0] * half;
            s += gl16x[i][1] * ph_row(rowc, Q, sqrt(log1p(0.5 * Q * (1.0 - rr)) / L));
        }
    return s * half;
}

/* Allocation, the one-dimensional maps and the kernel choice: once, under pthread_once. */
static void qtab_init(void)
{
    qtab.q1[0] = calloc((size_t)QT_NX * QT_S, sizeof(double));
    qtab.q1[1] = calloc((size_t)QT_NX * QT_S, sizeof(double));
    qtab.e2 = malloc(sizeof(double) * (size_t)QT_NX * QT_NY * 2 * QT_PB);
    qtab.ept = malloc(sizeof(double) * (size_t)QT_NX * QT_NR * QT_PB);
    if (!qtab.q1[0] || !qtab.q1[1] || !qtab.e2 || !qtab.ept)
        return;
    struct sp_fnspec tanh1 = {SP_FN_DYT, 1.0, 0.0};
    int bad = 0;
    for (int ix = 0; ix < QT_NX; ix++) {
        for (int k = 0; k < QT_N; k++) {
            double Q = exp(x_of(ix, k));
            double qt, qh;
            sp_quad_scaled_1d(&tanh1, Q, &qt, &qh);
            qtab.q1[0][ix * QT_S + k] = qt * (1.0 + Q) / Q;
            qtab.q1[1][ix * QT_S + k] = qh * sqrt(1.0 + QT_C1 * Q);
            bad |= !isfinite(qt) || !isfinite(qh);
        }
        cheb_fit(qtab.q1[0] + ix * QT_S, 1);
        cheb_fit(qtab.q1[1] + ix * QT_S, 1);
    }
    qtab.cheb2 = cheb2_eval;
#if SP_HAVE_X86_SIMD
    if (sp_cpu_isa() >= SP_ISA_AVX2) /* the one CPU policy, sigprop/cpu.h */
        qtab.cheb2 = sp_qtab_cheb2_avx2;
#endif
    qtab.ok = !bad;
}

/* The two-dimensional tables of one x panel (~5000 quadratures, ~20 ms), built the
 * first time a point falls in it. Returns 1 on success, 2 on failure. */
static int qtab_build_x(int ix)
{
    size_t n2 = (size_t)QT_N * QT_N;
    double *ph = malloc(sizeof(double) * QT_NY * n2), *dpt = malloc(sizeof(double) * QT_NY * n2);
    double *pt = malloc(sizeof(double) * QT_NR * n2);
    if (!ph || !dpt || !pt) {
        free(ph);
        free(dpt);
        free(pt);
        return 2;
    }
    struct sp_fnspec tanh1 = {SP_FN_DYT, 1.0, 0.0};
    int bad = 0;

    /* R at the nodes: layout [iy][kx][ky] */
#pragma omp parallel for collapse(2) schedule(dynamic) reduction(| : bad)
    for (int kx = 0; kx < QT_N; kx++)
        for (int iy = 0; iy < QT_NY; iy++) {
            double Q = exp(x_of(ix, kx));
            for (int ky = 0; ky < QT_N; ky++) {
                double y = QT_HY * (iy + 0.5 * (1.0 + cheb_node(ky)));
                double B = b_of_y(Q, y), A = Q - B;
                double v = sp_quad_ph_scaled(&tanh1, A, B) * norm_ab(A, B);
                ph[((size_t)iy * QT_N + kx) * QT_N + ky] = v;
                bad |= !isfinite(v);
            }
        }

    /* D and E at the nodes, by integrating the fitted R along y (Price's theorem). */
#pragma omp parallel for schedule(dynamic)
    for (int kx = 0; kx < QT_N; kx++) {
        double Q = exp(x_of(ix, kx));
        double rowc[QT_NY * QT_N];
        for (int iy = 0; iy < QT_NY; iy++) {
            for (int ky = 0; ky < QT_N; ky++)
                rowc[iy * QT_N + ky] = ph[((size_t)iy * QT_N + kx) * QT_N + ky];
            cheb_fit(rowc + iy * QT_N, 1);
        }
        double base = 0.0; /* the integral over the panels below */
        for (int iy = 0; iy < QT_NY; iy++) {
            double y0 = QT_HY * iy;
            for (int ky = 0; ky < QT_N; ky++) {
                double y = QT_HY * (iy + 0.5 * (1.0 + cheb_node(ky)));
                double B = b_of_y(Q, y), A = Q - B;
                double I = base + int_ph_dy(rowc, Q, y0, y); /* int_0^B ph dB' */
                dpt[((size_t)iy * QT_N + kx) * QT_N + ky] = I * norm_ab(A, B) / B;
            }
            base += int_ph_dy(rowc, Q, y0, y0 + QT_HY);
        }
        double qt = Q / (1.0 + Q) * cheb1(qtab.q1[0] + ix * QT_S, cheb_node(kx));
        for (int ir = 0; ir < QT_NR; ir++)
            for (int kr = 0; kr < QT_N; kr++) {
                double r = QT_HR * (ir + 0.5 * (1.0 + cheb_node(kr)));
                pt[((size_t)ir * QT_N + kx) * QT_N + kr] = Q * int_ph_dr(rowc, Q, r) / (r * qt);
            }
    }

    /* fit along kx (stride QT_N) then ky (stride 1), and pack */
    for (int p = 0; p < QT_NY + QT_NY + QT_NR; p++) {
        double *c = p < QT_NY ? ph + p * n2 : p < 2 * QT_NY ? dpt + (p - QT_NY) * n2
                                                             : pt + (p - 2 * QT_NY) * n2;
        for (int ky = 0; ky < QT_N; ky++)
            cheb_fit(c + ky, QT_N);
        for (int kx = 0; kx < QT_N; kx++)
            cheb_fit(c + kx * QT_N, 1);
        for (size_t k = 0; k < n2; k++)
            bad |= !isfinite(c[k]);
    }
    for (int iy = 0; iy < QT_NY; iy++) {
        size_t pnl = (size_t)ix * QT_NY + iy;
        pack(ph + iy * n2, qtab.e2 + (2 * pnl) * QT_PB);
        pack(dpt + iy * n2, qtab.e2 + (2 * pnl + 1) * QT_PB);
    }
    for (int ir = 0; ir < QT_NR; ir++)
        pack(pt + ir * n2, qtab.ept + ((size_t)ix * QT_NR + ir) * QT_PB);
    free(ph);
    free(dpt);
    free(pt);
    return bad ? 2 : 1;
}

/* Makes x panel ix usable: 0 -> built under the lock (double-checked). */
static enum sp_status qtab_ensure(int ix)
{
    pthread_once(&qtab_once, qtab_init);
    if (!qtab.ok)
        return SP_ENOMEM;
    int st = atomic_load_explicit(&qtab.state[ix], memory_order_acquire);
    if (st == 0) {
        pthread_mutex_lock(&qtab_lock);
        st = atomic_load_explicit(&qtab.state[ix], memory_order_relaxed);
        if (st == 0) {
            st = qtab_build_x(ix);
            atomic_store_explicit(&qtab.state[ix], st, memory_order_release);
        }
        pthread_mutex_unlock(&qtab_lock);
    }
    return st == 1 ? SP_OK : SP_ENUMERIC;
}

enum sp_status sp_qtab_data(struct sp_qtab_data *d)
{
    pthread_once(&qtab_once, qtab_init);
    if (!qtab.ok)
        return SP_ENOMEM;
    d->q1[0] = qtab.q1[0];
    d->q1[1] = qtab.q1[1];
    d->e2 = qtab.e2;
    d->ept = qtab.ept;
    return SP_OK;
}

enum sp_status sp_qtab_panel(int ix)
{
    if (ix < 0 || ix >= QT_NX)
        return SP_EINVAL;
    if (atomic_load_explicit(&qtab.state[ix], memory_order_acquire) == 1)
        return SP_OK;
    return qtab_ensure(ix);
}

enum sp_status sp_quad_gmap_fast(double alpha, double q, double p, struct sp_gmap *out)
{
    double a2 = alpha * alpha, Q = a2 * q;
    if (!(Q > 0.0))
        return SP_EINVAL;
    double x = log(Q);
    if (!(x >= QT_XMIN && x <= QT_XMAX))
        return SP_EUNSUPPORTED;
    if (p > q)
        p = q;
    if (p < -q)
        p = -q;
    double ap = fabs(p), ra = ap / q;
    double B = 0.5 * a2 * (q - ap), A = Q - B;
    double tx, Tx[QT_S], Ty[QT_S], v[2];
    int ix = panel(x, QT_XMIN, QT_HX, QT_NX, &tx);
    if (atomic_load_explicit(&qtab.state[ix], memory_order_acquire) != 1) {
        enum sp_status st = qtab_ensure(ix);
        if (st != SP_OK)
            return st;
    }
    cheb_t(tx, Tx);
    double qt = Q / (1.0 + Q) * dot_s(qtab.q1[0] + ix * QT_S, Tx);
    double qh = a2 * dot_s(qtab.q1[1] + ix * QT_S, Tx) / sqrt(1.0 + QT_C1 * Q);
    double ty, y = sqrt(log1p(B) / log1p(0.5 * Q)), inrm = 1.0 / norm_ab(A, B);
    if (y > 1.0)
        y = 1.0;
    int iy = panel(y, 0.0, QT_HY, QT_NY, &ty);
    cheb_t(ty, Ty);
    const double *c = qtab.e2 + (size_t)(ix * QT_NY + iy) * 2 * QT_PB;
    double pt, dpt;
    if (ra >= QT_RSW) {
        qtab.cheb2(c, 2, Tx, Ty, v);
        dpt = -2.0 * B * v[1] * inrm;
        pt = qt + dpt;
    } else {
        double tr, Tr[QT_S];
        int ir = panel(ra, 0.0, QT_HR, QT_NR, &tr);
        cheb_t(tr, Tr);
        qtab.cheb2(c, 1, Tx, Ty, v);
        qtab.cheb2(qtab.ept + (size_t)(ix * QT_NR + ir) * QT_PB, 1, Tx, Tr, v + 1);
        pt = ra * qt * v[1];
        dpt = pt - qt;
    }
    double ph = a2 * v[0] * inrm;
    if (p < 0.0) { /* tanh odd: pt(-p) = -pt(p), ph(-p) = ph(p) */
        dpt = -pt - qt;
        pt = -pt;
    }
    out->qt = qt;
    out->pt = pt;
    out->qh = qh;
    out->ph = ph;
    out->dpt = dpt;
    return SP_OK;
}
