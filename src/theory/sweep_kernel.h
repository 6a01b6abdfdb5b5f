/* The body of the SIMD alpha-sweep kernel, included by sweep_avx2.c and
 * sweep_avx512.c with the vector macros defined (V, VL, vset, vadd, ...).
 * One lane per alpha: the forward statistics of SPEC 3.3 (softmax, uniform or
 * uniform-exact attention) with the erf closed forms of SPEC 3.1, and the
 * forward APJN J^{l,0} of SPEC 3.4 (single channel, or two channels with the
 * vector renormalised to J = 1 after every sublayer as in recursion.c). The
 * switches are the same for every lane, so branches cost nothing. Per block
 * log J grows by log1p(x_a + x_m + x_a x_m) where the sublayers multiply J by
 * 1 + x: one log1p per block instead of two, and no loss at small x. */

/* The erf maps of one norm at (q, p): qt, pt, qh and (when ph != NULL) ph.
 * a2_2 = 2 a^2, c4 = 4 a^2 / pi. A single division serves 1/(1 + 2a^2 q),
 * 1/sqrt(1 + 4a^2 q) and 1/sqrt((1 + 2a^2 q)^2 - 4a^4 p^2): divisions are the
 * slowest vector operation here. */
static inline void KFN(erf_maps)(V q, V p, V a2_2, V c4, V *qt, V *pt, V *qh, V *ph)
{
    V one = vset(1.0), twopi = vset(M_2_PI);
    V d1 = vadd(one, vmul(a2_2, q)), s2 = vsqrt(vadd(one, vmul(vadd(a2_2, a2_2), q)));
    V ap = vmul(a2_2, p);
    V s3 = ph ? vsqrt(vmul(vsub(d1, ap), vadd(d1, ap))) : one;
    V r = vdiv(one, vmul(vmul(d1, s2), s3));
    V inv = vmul(vmul(r, s2), s3);
    *qt = vmul(twopi, VASIN(vmul(vmul(a2_2, q), inv)));
    *pt = vmul(twopi, VASIN(vmul(ap, inv)));
    *qh = vmul(c4, vmul(vmul(r, d1), s3));
    if (ph)
        *ph = vmul(c4, vmul(vmul(r, d1), s2));
}

#include "theory/sweep_steps.h"

/* Vectors advanced side by side: U independent groups of VL alphas. The
 * recursion is one long chain of dependent operations per block (square roots,
 * divisions, the asin and exp polynomials), so one vector leaves the units
 * idle; with U of them in flight their chains overlap. Every lane still runs
 * the same operations, so the bits do not depend on U or on the grouping. */
#define KU 4
#define KLANES (KU * VL)
/* Without log J at every block (the summaries), log J^{L,0} takes one log1p per
 * KCHUNK blocks: the growth factors J'/J = 1 + g are multiplied as 1 + y, with
 * y' = y + g + y g formed without adding 1 (no loss at small g), and log1p(y)
 * added at the end of each chunk. 1 + y stays far from overflow unless a single
 * block multiplied J by more than ~1e38. */
#define KCHUNK 8

static inline V KFN(load_const)(const double *x, double scale)
{
    double tmp[VL];
    for (int k = 0; k < VL; k++)
        tmp[k] = scale * x[k] * x[k];
    return vload(tmp);
}

/* Per-lane outputs of run_lanes besides log J at every block: q^L, p^L,
 * log J^{L,0} and l* (first block with alpha_mlp^2 q >= 1, else NAN; only when
 * want_lstar). */
struct KFN(lanes) {
    double ql[KLANES], pl[KLANES], jl[KLANES], ls[KLANES];
    int want_j, want_lstar;
};

/* Runs KLANES alphas (aa: attention, am: MLP) through L blocks. lj: KLANES * (L+1)
 * outputs (lane-major, may be NULL); the rest into *lo. */
static void KFN(run_lanes)(const struct sp_arch *a, const struct sp_theory_opts *o,
                           const double *aa, const double *am, double *lj,
                           struct KFN(lanes) *lo)
{
    const size_t L = (size_t)a->depth;
    const int want_j = lj || lo->want_j;
    struct KFN(steps) c;
    KFN(steps_init)(&c, a, o);
    V a2a[KU], c4a[KU], a2m[KU], c4m[KU], q[KU], p[KU], lj_acc[KU], K[KU], y[KU];
    for (int u = 0; u < KU; u++) {
        a2a[u] = KFN(load_const)(aa + u * VL, 2.0);
        c4a[u] = KFN(load_const)(aa + u * VL, 4.0 / M_PI);
        a2m[u] = KFN(load_const)(am + u * VL, 2.0);
        c4m[u] = KFN(load_const)(am + u * VL, 4.0 / M_PI);
        q[u] = vset(a->q0);
        p[u] = vset(a->p0);
        lj_acc[u] = vset(0.0);
        K[u] = vset(0.0);
        y[u] = vset(0.0);
    }
    double tmp[VL], am2[KLANES];
    int nfound = 0;
    for (int k = 0; k < KLANES; k++) {
        lo->ls[k] = NAN;
        am2[k] = am[k] * am[k];
    }

    for (size_t l = 0;; l++) {
        for (int u = 0; u < KU; u++) {
            if (lj) {
                vstore(tmp, lj_acc[u]);
                for (int k = 0; k < VL; k++)
                    lj[(size_t)(u * VL + k) * (L + 1) + l] = tmp[k];
            }
            if (lo->want_lstar && nfound < KLANES) { /* as sp_theory_asymptotics: rows[l].q */
                vstore(tmp, q[u]);
                for (int k = 0; k < VL; k++)
                    if (isnan(lo->ls[u * VL + k]) && am2[u * VL + k] * tmp[k] >= 1.0) {
                        lo->ls[u * VL + k] = (double)l;
                        nfound++;
                    }
            }
        }
        if (l == L)
            break;
        V qt[KU], pt[KU], qh[KU], ph[KU], xa[KU];
        for (int u = 0; u < KU; u++) {
            ph[u] = c.one;
            KFN(erf_maps)(q[u], p[u], a2a[u], c4a[u], &qt[u], &pt[u], &qh[u], c.two ? &ph[u] : NULL);
        }
        for (int u = 0; u < KU; u++)
            xa[u] = KFN(attn_step)(&c, qt[u], pt[u], qh[u], vsub(pt[u], qt[u]), ph[u], &q[u], &p[u], &K[u]);
        for (int u = 0; u < KU; u++)
            KFN(erf_maps)(q[u], p[u], a2m[u], c4m[u], &qt[u], &pt[u], &qh[u], c.two ? &ph[u] : NULL);
        for (int u = 0; u < KU; u++) {
            V xm = KFN(mlp_step)(&c, qt[u], pt[u], qh[u], ph[u], &q[u], &p[u], &K[u]);
            if (lj) /* log J at every block */
                lj_acc[u] = vadd(lj_acc[u], KFN(block_log_growth)(xa[u], xm));
            else if (want_j) /* only at the end: y <- (1 + y)(1 + g) - 1, g = J'/J - 1 */
                y[u] = KFN(grow)(y[u], KFN(grow)(xa[u], xm));
        }
        if (!lj && want_j && ((l + 1) % KCHUNK == 0 || l + 1 == L))
            for (int u = 0; u < KU; u++) {
                lj_acc[u] = vadd(lj_acc[u], VLOG1P(y[u]));
                y[u] = vset(0.0);
            }
    }
    for (int u = 0; u < KU; u++) {
        vstore(lo->ql + u * VL, q[u]);
        vstore(lo->pl + u * VL, p[u]);
        vstore(lo->jl + u * VL, lj_acc[u]);
    }
}

/* Entry point: all alphas, KLANES at a time, OpenMP over lane groups. */
static void KFN(sweep_out)(const struct sp_arch *a, const struct sp_theory_opts *o,
                           const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                           const struct sp_sweep_out *out)
{
    const size_t L1 = (size_t)a->depth + 1, ngroups = (nalpha + KLANES - 1) / KLANES;
    double *log_j = out->log_j;
#pragma omp parallel
    {
        double *lj = log_j ? malloc(KLANES * L1 * sizeof *lj) : NULL;
        double aa[KLANES], am[KLANES];
        struct KFN(lanes) lo;
        lo.want_j = out->log_j_last != NULL;
        lo.want_lstar = out->l_star != NULL;
#pragma omp for schedule(static)
        for (size_t g = 0; g < ngroups; g++) {
            size_t base = g * KLANES;
            for (int k = 0; k < KLANES; k++) {
                size_t i = base + (size_t)k < nalpha ? base + (size_t)k : nalpha - 1;
                aa[k] = alpha_attn ? alpha_attn[i] : a->norm_attn.alpha;
                am[k] = alpha_mlp ? alpha_mlp[i] : a->norm_mlp.alpha;
            }
            KFN(run_lanes)(a, o, aa, am, log_j && lj ? lj : NULL, &lo);
            for (int k = 0; k < KLANES && base + (size_t)k < nalpha; k++) {
                size_t i = base + (size_t)k;
                if (log_j && lj)
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
}

static void KFN(sweep)(const struct sp_arch *a, const struct sp_theory_opts *o,
                       const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                       double *log_j, double *q_last)
{
    struct sp_sweep_out out = {log_j, q_last, NULL, NULL, NULL};
    KFN(sweep_out)(a, o, alpha_attn, alpha_mlp, nalpha, &out);
}
