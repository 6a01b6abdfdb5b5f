/* The body of the DyT (tanh, no shift) alpha-sweep kernel, included by
 * sweep_dyt_avx2.c and sweep_dyt_avx512.c with the vector macros defined
 * (V, VL, vset, vadd, ..., VTRUNC, VLOG, VLOG1P, VEXP, VASIN, KFN).
 * One lane per alpha, the recursion of sweep_kernel.h (SPEC 3.3, 3.4, every
 * attention form and APJN version), with the tanh maps from the table of
 * quad_table.c evaluated as sp_quad_gmap_fast does. Across lanes: the
 * transcendental functions of the scaled variables (log Q, log1p B, log1p Q/2,
 * the square roots and divisions) and the panel location in x = log Q and eta.
 * Per lane: the tensor Chebyshev contraction from contiguous coefficient rows
 * (gathers would load the same coefficients one by one). Only the tabulated
 * functions a version uses are contracted: R (ph) only for the two-channel APJN,
 * then D (dpt) for r >= QT_RSW or E (pt) below. A lane whose alpha^2 q leaves the
 * table makes the group fail (return 0); the caller then runs those alphas on
 * the scalar path, which takes the accurate quadrature there.
 * Cost on the grid (bench/bench_theory.c): ~60-75 ns per block-step and
 * core with AVX-512, against ~250-400 ns for the scalar path. */

/* panel index and local coordinate in [-1, 1] of v in [lo, lo + n w]; the
 * arithmetic of quad_table.c's panel(), so that the lanes pick the same panels. */
static inline int KFN(panel)(double v, double lo, double w, int n, double *t)
{
    double u = (v - lo) * (1.0 / w);
    int i = u > 0.0 ? (int)u : 0;
    if (i >= n)
        i = n - 1;
    *t = 2.0 * (u - i) - 1.0;
    return i;
}

/* T_0..T_DEG at t (quad_table.c's cheb_t, the same operations unrolled so that
 * the values stay in registers): into T[0..QT_S) for broadcasts and/or into three
 * vectors X for the contraction along x (loading vectors from values just stored
 * one by one would stall on store forwarding). */
_Static_assert(QT_DEG == 10 && QT_S == 12, "cheb_v and the contractions assume degree 10");

static inline void KFN(cheb_v)(double t, double *T, __m256d *X)
{
    double t2 = 2.0 * t * t - 1.0, tt2 = 2.0 * t2;
    double t3 = t * (tt2 - 1.0), t4 = tt2 * t2 - 1.0, t5 = tt2 * t3 - t, t6 = tt2 * t4 - t2;
    double t7 = tt2 * t5 - t3, t8 = tt2 * t6 - t4, t9 = tt2 * t7 - t5, t10 = tt2 * t8 - t6;
    if (T) {
        T[0] = 1.0;
        T[1] = t;
        T[2] = t2;
        T[3] = t3;
        T[4] = t4;
        T[5] = t5;
        T[6] = t6;
        T[7] = t7;
        T[8] = t8;
        T[9] = t9;
        T[10] = t10;
        T[11] = 0.0;
    }
    if (X) {
        X[0] = _mm256_set_pd(t3, t2, t, 1.0);
        X[1] = _mm256_set_pd(t7, t6, t5, t4);
        X[2] = _mm256_set_pd(0.0, t10, t9, t8);
    }
}

/* The per-lane contractions in 256-bit vectors (both kernels have AVX2 + FMA):
 * one row of QT_S = 12 coefficients is three vectors. */

static inline double KFN(hsum)(__m256d s)
{
    __m128d h = _mm_add_pd(_mm256_castpd256_pd128(s), _mm256_extractf128_pd(s, 1));
    return _mm_cvtsd_f64(_mm_add_sd(h, _mm_unpackhi_pd(h, h)));
}

/* sum_i c[i] T_i(x) and sum_i d[i] T_i(x), one horizontal reduction for both */
static inline void KFN(dot2)(const double *c, const double *d, const __m256d *X, double *out)
{
    __m256d s = _mm256_mul_pd(_mm256_loadu_pd(c), X[0]);
    __m256d t = _mm256_mul_pd(_mm256_loadu_pd(d), X[0]);
    s = _mm256_fmadd_pd(_mm256_loadu_pd(c + 4), X[1], s);
    t = _mm256_fmadd_pd(_mm256_loadu_pd(d + 4), X[1], t);
    s = _mm256_fmadd_pd(_mm256_loadu_pd(c + 8), X[2], s);
    t = _mm256_fmadd_pd(_mm256_loadu_pd(d + 8), X[2], t);
    __m256d h = _mm256_hadd_pd(s, t); /* s0+s1, t0+t1, s2+s3, t2+t3 */
    _mm_storeu_pd(out, _mm_add_pd(_mm256_castpd256_pd128(h), _mm256_extractf128_pd(h, 1)));
}

/* sum_ij c[j][i] T_i(x) Ty[j] for one function (qtab_cheb2 with nf = 1); even and
 * odd rows in separate accumulators to halve the dependency chain. */
static inline double KFN(cheb2)(const double *c, const __m256d *X, const double *Ty)
{
    __m256d t = _mm256_set1_pd(Ty[0]), u = _mm256_set1_pd(Ty[1]);
    __m256d w0 = _mm256_mul_pd(_mm256_loadu_pd(c), t);
    __m256d w1 = _mm256_mul_pd(_mm256_loadu_pd(c + 4), t);
    __m256d w2 = _mm256_mul_pd(_mm256_loadu_pd(c + 8), t);
    __m256d z0 = _mm256_mul_pd(_mm256_loadu_pd(c + QT_S), u);
    __m256d z1 = _mm256_mul_pd(_mm256_loadu_pd(c + QT_S + 4), u);
    __m256d z2 = _mm256_mul_pd(_mm256_loadu_pd(c + QT_S + 8), u);
    int j = 2;
    for (; j + 1 < QT_N; j += 2) {
        const double *r = c + j * QT_S;
        t = _mm256_set1_pd(Ty[j]);
        u = _mm256_set1_pd(Ty[j + 1]);
        w0 = _mm256_fmadd_pd(_mm256_loadu_pd(r), t, w0);
        w1 = _mm256_fmadd_pd(_mm256_loadu_pd(r + 4), t, w1);
        w2 = _mm256_fmadd_pd(_mm256_loadu_pd(r + 8), t, w2);
        z0 = _mm256_fmadd_pd(_mm256_loadu_pd(r + QT_S), u, z0);
        z1 = _mm256_fmadd_pd(_mm256_loadu_pd(r + QT_S + 4), u, z1);
        z2 = _mm256_fmadd_pd(_mm256_loadu_pd(r + QT_S + 8), u, z2);
    }
    for (; j < QT_N; j++) {
        const double *r = c + j * QT_S;
        t = _mm256_set1_pd(Ty[j]);
        w0 = _mm256_fmadd_pd(_mm256_loadu_pd(r), t, w0);
        w1 = _mm256_fmadd_pd(_mm256_loadu_pd(r + 4), t, w1);
        w2 = _mm256_fmadd_pd(_mm256_loadu_pd(r + 8), t, w2);
    }
    w0 = _mm256_add_pd(w0, z0);
    w1 = _mm256_add_pd(w1, z1);
    w2 = _mm256_add_pd(w2, z2);
    __m256d s = _mm256_mul_pd(w0, X[0]);
    s = _mm256_fmadd_pd(w1, X[1], s);
    s = _mm256_fmadd_pd(w2, X[2], s);
    return KFN(hsum)(s);
}

/* The DyT maps of one norm for VL lanes at (q, p): qt, pt, qh, dpt and (when
 * ph != NULL) ph. a2 = alpha^2 per lane. Returns 0 when a lane falls outside
 * the table or a panel cannot be built. */
static inline int KFN(tanh_maps)(const struct sp_qtab_data *tb, unsigned *built, V q, V p, V a2,
                                 V *qt, V *pt, V *qh, V *dpt, V *ph)
{
    V one = vset(1.0), half = vset(0.5);
    double ps[VL], ras[VL], xs[VL], fqs[VL], fhs[VL], fds[VL], fps[VL];
    double oqt[VL], opt[VL], oqh[VL], odpt[VL], oph[VL];
    vstore(ps, p); /* before the clamp, which would hide a NaN */
    V Q = vmul(a2, q);
    p = vmin(vmax(p, vsub(vset(0.0), q)), q);
    V ap = vmax(p, vsub(vset(0.0), p));
    V ra = vdiv(ap, q);
    V B = vmul(vmul(half, a2), vsub(q, ap)), A = vsub(Q, B);
    V x = VLOG(Q);
    V y = vsqrt(vdiv(VLOG1P(B), VLOG1P(vmul(half, Q))));
    V inrm = vdiv(one, vsqrt(vmul(vadd(one, vmul(vset(QT_C1), A)),
                                   vadd(one, vmul(vset(QT_C2), B)))));
    V fq = vdiv(Q, vadd(one, Q));                                  /* qt = fq F */
    V fh = vdiv(a2, vsqrt(vadd(one, vmul(vset(QT_C1), Q))));       /* qh = fh G */
    V fd = vmul(vset(-2.0), vmul(B, inrm));                        /* dpt = fd D */
    V fp = vmul(a2, inrm);                                         /* ph = fp R */
    y = vmin(y, one);
    /* panels and local coordinates of x and eta (panel() across lanes) */
    V ux = vmul(vsub(x, vset(QT_XMIN)), vset(1.0 / QT_HX)), uy = vmul(y, vset(1.0 / QT_HY));
    V pix = vmin(vmax(VTRUNC(ux), vset(0.0)), vset(QT_NX - 1));
    V piy = vmin(vmax(VTRUNC(uy), vset(0.0)), vset(QT_NY - 1));
    V two = vset(2.0);
    V tx = vsub(vmul(two, vsub(ux, pix)), one), ty = vsub(vmul(two, vsub(uy, piy)), one);
    double ixs[VL], iys[VL], txs[VL], tys[VL];
    vstore(ixs, pix);
    vstore(iys, piy);
    vstore(txs, tx);
    vstore(tys, ty);
    vstore(ras, ra);
    vstore(xs, x);
    vstore(fqs, fq);
    vstore(fhs, fh);
    vstore(fds, fd);
    vstore(fps, fp);
    for (int k = 0; k < VL; k++) {
        double xk = xs[k];
        if (!(xk >= QT_XMIN && xk <= QT_XMAX) || isnan(ps[k])) /* also Q <= 0 or NaN */
            return 0;
        double Ty[QT_S], v[2];
        __m256d X[3];
        int ix = (int)ixs[k], iy = (int)iys[k];
        if (!(*built & (1u << ix))) { /* the table's panel flag, once per group */
            if (sp_qtab_panel(ix) != SP_OK)
                return 0;
            *built |= 1u << ix;
        }
        KFN(cheb_v)(txs[k], NULL, X);
        double d1[2];
        KFN(dot2)(tb->q1[0] + ix * QT_S, tb->q1[1] + ix * QT_S, X, d1);
        double qtk = fqs[k] * d1[0], qhk = fhs[k] * d1[1];
        double rk = ras[k];
        KFN(cheb_v)(tys[k], Ty, NULL);
        const double *c = tb->e2 + (size_t)(ix * QT_NY + iy) * 2 * QT_PB;
        double ptk, dptk;
        v[0] = ph ? KFN(cheb2)(c, X, Ty) : 0.0;
        if (rk >= QT_RSW) {
            v[1] = KFN(cheb2)(c + QT_PB, X, Ty);
            dptk = fds[k] * v[1];
            ptk = qtk + dptk;
        } else {
            double tr, Tr[QT_S];
            int ir = KFN(panel)(rk, 0.0, QT_HR, QT_NR, &tr);
            KFN(cheb_v)(tr, Tr, NULL);
            v[1] = KFN(cheb2)(tb->ept + (size_t)(ix * QT_NR + ir) * QT_PB, X, Tr);
            ptk = rk * qtk * v[1];
            dptk = ptk - qtk;
        }
        if (ps[k] < 0.0) { /* tanh odd: pt(-p) = -pt(p), ph(-p) = ph(p) */
            dptk = -ptk - qtk;
            ptk = -ptk;
        }
        oqt[k] = qtk;
        opt[k] = ptk;
        oqh[k] = qhk;
        odpt[k] = dptk;
        oph[k] = fps[k] * v[0];
    }
    *qt = vload(oqt);
    *pt = vload(opt);
    *qh = vload(oqh);
    *dpt = vload(odpt);
    if (ph)
        *ph = vload(oph);
    return 1;
}

#include "theory/sweep_steps.h"

/* Per-lane outputs of run_lanes besides log J at every block: q^L, p^L,
 * log J^{L,0} and l* (first block with alpha_mlp^2 q >= 1, else NAN; only when
 * want_lstar). */
struct KFN(lanes) {
    double ql[VL], pl[VL], jl[VL], ls[VL];
    int want_j, want_lstar;
};

/* Runs VL alphas (aa: attention, am: MLP) through L blocks. lj: VL * (L+1)
 * outputs (lane-major, may be NULL); the rest into *lo. Returns 0 when a lane
 * left the table (outputs then undefined). */
static int KFN(run_lanes)(const struct sp_qtab_data *tb, const struct sp_arch *a,
                          const struct sp_theory_opts *o, const double *aa, const double *am,
                          double *lj, struct KFN(lanes) *lo)
{
    const size_t L = (size_t)a->depth;
    const int want_j = lj || lo->want_j;
    struct KFN(steps) c;
    KFN(steps_init)(&c, a, o);
    double tmp[VL], am2[VL];
    for (int k = 0; k < VL; k++)
        tmp[k] = aa[k] * aa[k];
    V a2a = vload(tmp);
    for (int k = 0; k < VL; k++)
        am2[k] = am[k] * am[k];
    V a2m = vload(am2);
    int nfound = 0;
    for (int k = 0; k < VL; k++)
        lo->ls[k] = NAN;

    unsigned built = 0; /* x panels known to be built (bit ix) */
    _Static_assert(QT_NX <= 32, "one bit per x panel");
    V q = vset(a->q0), p = vset(a->p0), lj_acc = vset(0.0), K = vset(0.0);
    for (size_t l = 0;; l++) {
        if (lj) {
            vstore(tmp, lj_acc);
            for (int k = 0; k < VL; k++)
                lj[(size_t)k * (L + 1) + l] = tmp[k];
        }
        if (lo->want_lstar && nfound < VL) { /* as sp_theory_asymptotics: rows[l].q */
            vstore(tmp, q);
            for (int k = 0; k < VL; k++)
                if (isnan(lo->ls[k]) && am2[k] * tmp[k] >= 1.0) {
                    lo->ls[k] = (double)l;
                    nfound++;
                }
        }
        if (l == L)
            break;
        V qt, pt, qh, dpt, ph = c.one;
        if (!KFN(tanh_maps)(tb, &built, q, p, a2a, &qt, &pt, &qh, &dpt, c.two ? &ph : NULL))
            return 0;
        V xa = KFN(attn_step)(&c, qt, pt, qh, dpt, ph, &q, &p, &K);
        if (!KFN(tanh_maps)(tb, &built, q, p, a2m, &qt, &pt, &qh, &dpt, c.two ? &ph : NULL))
            return 0;
        V xm = KFN(mlp_step)(&c, qt, pt, qh, ph, &q, &p, &K);
        if (want_j)
            lj_acc = vadd(lj_acc, KFN(block_log_growth)(xa, xm));
    }
    vstore(lo->ql, q);
    vstore(lo->pl, p);
    vstore(lo->jl, lj_acc);
    return 1;
}

/* Entry point: all alphas, VL at a time, OpenMP over lane groups. Groups that
 * left the table are redone on the scalar path (sp_sweep_scalar_out, one alpha
 * at a time); its status is returned. */
static enum sp_status KFN(sweep_out)(const struct sp_arch *a, const struct sp_theory_opts *o,
                                     const double *alpha_attn, const double *alpha_mlp,
                                     size_t nalpha, const struct sp_sweep_out *out)
{
    const size_t L1 = (size_t)a->depth + 1, ngroups = (nalpha + VL - 1) / VL;
    double *log_j = out->log_j;
    struct sp_qtab_data tb;
    enum sp_status status = sp_qtab_data(&tb);
    if (status != SP_OK)
        return status;
#pragma omp parallel
    {
        double *lj = log_j ? malloc(VL * L1 * sizeof *lj) : NULL;
        double aa[VL], am[VL];
        struct KFN(lanes) lo;
        lo.want_j = out->log_j_last != NULL;
        lo.want_lstar = out->l_star != NULL;
#pragma omp for schedule(dynamic, 1)
        for (size_t g = 0; g < ngroups; g++) {
            size_t base = g * VL;
            for (int k = 0; k < VL; k++) {
                size_t i = base + (size_t)k < nalpha ? base + (size_t)k : nalpha - 1;
                aa[k] = alpha_attn ? alpha_attn[i] : a->norm_attn.alpha;
                am[k] = alpha_mlp ? alpha_mlp[i] : a->norm_mlp.alpha;
            }
            int ok = (!log_j || lj) && KFN(run_lanes)(&tb, a, o, aa, am, lj, &lo);
            for (int k = 0; k < VL && base + (size_t)k < nalpha; k++) {
                size_t i = base + (size_t)k;
                if (!ok) {
#define SP_AT(x) ((x) ? (x) + i : NULL)
                    struct sp_sweep_out one = {log_j ? log_j + i * L1 : NULL, SP_AT(out->q_last),
                                               SP_AT(out->p_last), SP_AT(out->log_j_last),
                                               SP_AT(out->l_star)};
#undef SP_AT
                    enum sp_status s = sp_sweep_scalar_out(
                        a, o, alpha_attn ? alpha_attn + i : NULL, alpha_mlp ? alpha_mlp + i : NULL,
                        1, &one);
                    if (s != SP_OK) {
#pragma omp atomic write
                        status = s;
                    }
                    continue;
                }
                if (log_j)
                    memcpy(log_j + i * L1, lj + (size_t)k * L1, L1 * sizeof *lj);
                if (out->q_last)
                    out->q_last[i] = lo.ql[k];
                if (out->p_last)
                    out->p_last[i] = lo.pl[k];
                if (out->log_j_last)
                    out->log_j_last[i] = lo.jl[k];
                if (out->l_star)
                    out->l_star[i] = lo.ls[k];
            }
        }
        free(lj);
    }
    return status;
}

static enum sp_status KFN(sweep)(const struct sp_arch *a, const struct sp_theory_opts *o,
                                 const double *alpha_attn, const double *alpha_mlp,
                                 size_t nalpha, double *log_j, double *q_last)
{
    struct sp_sweep_out out = {log_j, q_last, NULL, NULL, NULL};
    return KFN(sweep_out)(a, o, alpha_attn, alpha_mlp, nalpha, &out);
}
