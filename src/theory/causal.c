/* Position-resolved mean-field recursions for causal attention (docs/derivations/
 * causal.md). Token a attends uniformly to its visible prefix 0..a, so its
 * statistics depend on its position: the state is the n x n matrix of second
 * moments H (H_aa = q_a, H_ab = p_ab) of the residual stream, and the APJN is the
 * trace of the n x n tangent covariance G (G = I at the start: J = tr G / n).
 *
 * One sublayer, with T, N the normalised maps of H (T_aa = qt_a, T_ab = pt_ab,
 * N_aa = qh_a, N_ab = ph_ab) and U the attention average
 * U(X)_ab = sum_{c <= a, e <= b} X_ce / ((a+1)(b+1)):
 *   attention  H += s_OV U(T)            G += s_OV U(N o G)      (forward tangent)
 *                                        G += s_OV N o U^T(G)    (backward)
 *   ReLU MLP   H_aa += s_21 T_aa / 2,  H_ab += s_21 sqrt(T_aa T_bb) kappa(r_ab)
 *              G_aa *= 1 + s_21 N_aa / 2, G_ab *= 1 + s_21 kappa'(r_ab) N_ab
 * With U the full average (1/n^2 of everything: bidirectional uniform attention)
 * the same code is version C-exact (tests/test_causal.c checks it to 1e-12).
 * The backward pass recomputes H from checkpoints every ~sqrt(2L) sublayers, so
 * memory is O(sqrt(L) n^2), time O(L n^2). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_spline.h>

#include "sigprop/theory.h"
#include "theory/internal.h"
#include "theory/quad.h"

/* n^2-double matrices this many bytes at most (a 2048-token model at 32 blocks fits) */
#define CAUSAL_MAX_BYTES (3.0 * 1024 * 1024 * 1024)

/* Estimated CPU seconds of pair quadratures (DyT, shifted Derf; GELU, SwiGLU under
 * them) one run may take: one hour (n = 256 tokens at 32 blocks with DyT on both
 * sides and the ReLU MLP: ~0.6 h) */
#define CAUSAL_MAX_QUAD_S 3600.0

/* Nodes of the GELU/SwiGLU coefficient tables over r in [-1, 1] (cubic splines;
 * the maps are smooth in r, interpolation error below 1e-10 at this spacing) */
#define MLP_TABLE_N 2049

struct causal {
    const struct sp_arch *a;
    int causal; /* 0: bidirectional uniform (the test of the mechanism) */
    size_t n;
    double sov, s21;
    double *T, *N, *S; /* scratch: maps and a prefix-sum buffer, n x n each */
    /* version G (softmax at O(1) logits, docs/derivations/causal.md "Softmax
     * attention"): the one-query moments per prefix length, the coefficients of
     * the attention sublayer at its input (n x n each: E the value path's excess
     * over uniform times s_OV, A and B the logit path's), and n + 1 vectors: the
     * prefix deltas of T and of the tangent, and the adjoint's sums */
    int gauss;
    double sqk;
    struct sp_softmax_table *tab;
    double *E, *A, *B;
    double *dT, *dX, *Em, *F1, *F2;
    /* GELU/SwiGLU under LN/RMS: the normalised variance is 1 for every token, so
     * the MLP coefficients depend on r alone and are tabulated once */
    struct sp_mlp_coef diag;
    gsl_spline *dp, *kc;
};

static enum sp_status mlp_table(struct causal *c)
{
    if (c->a->mlp_act == SP_ACT_RELU ||
        (c->a->norm_mlp.kind != SP_FN_LN && c->a->norm_mlp.kind != SP_FN_RMS))
        return SP_OK; /* no table: ReLU's closed form, or mlp_pair per pair */
    double *x = malloc(3 * MLP_TABLE_N * sizeof *x), *ydp = x + MLP_TABLE_N, *ykc = ydp + MLP_TABLE_N;
    c->dp = gsl_spline_alloc(gsl_interp_cspline, MLP_TABLE_N);
    c->kc = gsl_spline_alloc(gsl_interp_cspline, MLP_TABLE_N);
    if (!x || !c->dp || !c->kc) {
        free(x);
        return sp_fail(SP_ENOMEM, "causal theory: out of memory for the MLP tables");
    }
    struct sp_gmap m1 = {1.0, 1.0, 1.0, 1.0, 0.0};
    enum sp_status st = sp_mlp_terms(c->a, &m1, 1.0, &c->diag);
    for (int i = 0; i < MLP_TABLE_N && st == SP_OK; i++) {
        double r = -1.0 + 2.0 * i / (MLP_TABLE_N - 1.0);
        struct sp_gmap m = {1.0, r, 1.0, 1.0, r - 1.0};
        struct sp_mlp_coef k;
        st = sp_mlp_terms(c->a, &m, r, &k);
        x[i] = r, ydp[i] = k.dp, ykc[i] = k.kc;
    }
    gsl_error_handler_t *old = gsl_set_error_handler_off();
    if (st == SP_OK && (gsl_spline_init(c->dp, x, ydp, MLP_TABLE_N) != GSL_SUCCESS ||
                        gsl_spline_init(c->kc, x, ykc, MLP_TABLE_N) != GSL_SUCCESS))
        st = SP_ENUMERIC;
    gsl_set_error_handler(old);
    free(x);
    return st != SP_OK ? sp_fail(st, "causal theory: the %s MLP maps failed",
                                 sp_act_name(c->a->mlp_act))
                       : SP_OK;
}

/* Normalised maps of one norm on the pair (a, b) with variances qa, qb and
 * covariance p: LN/RMS (x / sqrt(q)), none, or erf(alpha x) (Williams 1997) in
 * closed form; tanh and shifted erf by quadrature (sp_quad_pair), through the
 * equal-variance maps of sp_gmap_eval on the diagonal and wherever qa = qb (the
 * bidirectional code's numbers, bit for bit). */
static enum sp_status pair_maps(const struct sp_fnspec *f, double qa, double qb, double p, int diag,
                                double *t, double *nn)
{
    switch (f->kind) {
    case SP_FN_LN:
    case SP_FN_RMS: {
        double s = 1.0 / sqrt(qa * qb);
        *t = p * s;
        *nn = s;
        return SP_OK;
    }
    case SP_FN_IDENTITY:
        *t = p;
        *nn = 1.0;
        return SP_OK;
    case SP_FN_DERF:
        if (f->shift == 0.0) {
            double a2 = f->alpha * f->alpha;
            double da = 1.0 + 2.0 * a2 * qa, db = 1.0 + 2.0 * a2 * qb, x = 2.0 * a2 * p;
            double den = sqrt(da * db);
            double r = x / den;
            r = r > 1.0 ? 1.0 : (r < -1.0 ? -1.0 : r);
            *t = M_2_PI * asin(r);
            double dd = da * db - x * x;
            *nn = (4.0 * a2 / M_PI) / sqrt(dd > 0.0 ? dd : 0.0);
            return SP_OK;
        }
        break;
    default: break;
    }
    if (diag || qa == qb) {
        struct sp_gmap m;
        enum sp_status st = sp_gmap_eval(f, qa, diag ? qa : p, &m);
        *t = diag ? m.qt : m.pt;
        *nn = diag ? m.qh : m.ph;
        return st;
    }
    return sp_quad_pair(f, qa, qb, p, t, nn);
}

static int closed_form(const struct sp_fnspec *f)
{
    return f->kind != SP_FN_DYT && !(f->kind == SP_FN_DERF && f->shift != 0.0);
}

/* T and N of H for the norm f (quadrature: the upper triangle, mirrored; each
 * pair computed alone, so the thread count changes no bit). */
static enum sp_status maps(struct causal *c, const struct sp_fnspec *f, const double *H)
{
    size_t n = c->n;
    int sym = !closed_form(f);
    long bad = -1;
#pragma omp parallel for schedule(dynamic, 1) if (n >= (sym ? 8 : 128))
    for (long ia = 0; ia < (long)n; ia++) {
        size_t i = (size_t)ia;
        for (size_t j = sym ? i : 0; j < n; j++) {
            enum sp_status st = pair_maps(f, H[i * n + i], H[j * n + j], H[i * n + j], i == j,
                                          &c->T[i * n + j], &c->N[i * n + j]);
            if (st != SP_OK) {
#pragma omp critical(causal_maps)
                if (bad < 0 || (long)(i * n + j) < bad)
                    bad = (long)(i * n + j);
            }
            if (sym) {
                c->T[j * n + i] = c->T[i * n + j];
                c->N[j * n + i] = c->N[i * n + j];
            }
        }
    }
    if (bad >= 0) {
        size_t i = (size_t)bad / n, j = (size_t)bad % n;
        return sp_fail(SP_ENUMERIC,
                       "causal theory: the %s maps failed at tokens %zu, %zu "
                       "(q %g, %g, p %g)",
                       sp_fn_name(f->kind), i, j, H[i * n + i], H[j * n + j], H[i * n + j]);
    }
    return SP_OK;
}

/* out += s U(X) (forward: prefix sums) or out += s W o U^T(X) (backward: suffix
 * sums, then weighted by W elementwise; W NULL means 1). */
static void attend(struct causal *c, const double *X, double s, const double *W, int backward,
                   double *out)
{
    size_t n = c->n;
    double *S = c->S;
    if (!c->causal) {
        double tot = 0.0;
        for (size_t k = 0; k < n * n; k++)
            tot += X[k];
        tot /= (double)n * (double)n;
        for (size_t k = 0; k < n * n; k++)
            out[k] += s * (W ? W[k] : 1.0) * tot;
        return;
    }
    /* backward weights X_ab / ((a+1)(b+1)) before summing over a >= c, b >= e */
    for (size_t i = 0; i < n; i++) { /* row sums (prefix or suffix) */
        double acc = 0.0;
        if (!backward)
            for (size_t j = 0; j < n; j++)
                acc += X[i * n + j], S[i * n + j] = acc;
        else
            for (size_t j = n; j-- > 0;)
                acc += X[i * n + j] / ((double)(i + 1) * (double)(j + 1)), S[i * n + j] = acc;
    }
    if (!backward)
        for (size_t i = 1; i < n; i++)
            for (size_t j = 0; j < n; j++)
                S[i * n + j] += S[(i - 1) * n + j];
    else
        for (size_t i = n - 1; i-- > 0;)
            for (size_t j = 0; j < n; j++)
                S[i * n + j] += S[(i + 1) * n + j];
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++) {
            double u = backward ? S[i * n + j] : S[i * n + j] / ((double)(i + 1) * (double)(j + 1));
            out[i * n + j] += s * (W ? W[i * n + j] : 1.0) * u;
        }
}

/* ---- version G: softmax attention over each prefix (docs/derivations/causal.md) ---- */

/* Keys token a sees, and keys tokens a and b share (bidirectional: all n) */
static size_t keys(const struct causal *c, size_t a)
{
    return c->causal ? a + 1 : c->n;
}

static size_t shared(const struct causal *c, size_t a, size_t b)
{
    return c->causal ? (a < b ? a : b) + 1 : c->n;
}

/* d[m] = the key-varying variance of X over the first m keys, (mean of the diagonal)
 * - (mean off the diagonal) = (m tr_m - S_m) / (m (m - 1)); d[1] = 0. floor: at 0
 * (the maps T, a variance); the tangent's stays linear in X, so that the backward
 * step is its adjoint. */
static void prefix_delta(const struct causal *c, const double *X, int floor, double *d)
{
    size_t n = c->n;
    double tr = 0.0, S = 0.0;
    d[0] = 0.0;
    for (size_t m = 1; m <= n; m++) {
        size_t i = m - 1;
        tr += X[i * n + i];
        S += X[i * n + i];
        for (size_t e = 0; e < i; e++)
            S += X[i * n + e] + X[e * n + i];
        double dm = m > 1 ? ((double)m * tr - S) / ((double)m * (double)(m - 1)) : 0.0;
        d[m] = floor && dm < 0.0 ? 0.0 : dm;
    }
}

/* One pass over the positions and pairs of the attention sublayer with the maps of
 * its input in c->T: mark = 1 flags the table nodes it needs, mark = 0 sets E, A, B.
 * Position a (k keys, delta = dT[k], v = s_QK qt_a delta; moments averaged over the
 * query norm): E = s_OV (sq - 1/k), A = s_OV s_QK delta^2 rq, B = s_OV s_QK delta qt rqx.
 * Pair a != b (m shared keys of M = max(k_a, k_b), delta = dT[m], v = s_QK
 * sqrt(qt_a qt_b) delta, c = s_QK T_ab delta; sp, rp at m keys): the longer query
 * on the shared keys is m/M times a softmax over them, so E = s_OV (m sp - 1) / M,
 * r = (m / M) rp, A = s_OV s_QK delta^2 r, B = s_OV s_QK delta T_ab r. */
static enum sp_status coef_pass(struct causal *c, int mark)
{
    size_t n = c->n;
    double sov = c->sov, sqk = c->sqk;
    enum sp_status st;
    for (size_t a = 0; a < n; a++) {
        size_t k = keys(c, a);
        double del = c->dT[k], qt = c->T[a * n + a];
        struct sp_softmax_query q;
        if ((st = sp_softmax_table_query(c->tab, (int)k, sqk * qt * del, mark, &q)) != SP_OK)
            return st;
        if (!mark) {
            c->E[a * n + a] = sov * (q.sq - 1.0 / (double)k);
            c->A[a * n + a] = sov * sqk * del * del * q.rq;
            c->B[a * n + a] = sov * sqk * del * qt * q.rqx;
        }
    }
    for (size_t b = 0; b < n; b++) /* b the earlier token: m = keys(b) when causal */
        for (size_t a = b + 1; a < n; a++) {
            size_t m = shared(c, a, b), M = c->causal ? a + 1 : n;
            double del = c->dT[m], tab = c->T[a * n + b], sp, rp;
            double v = sqk * sqrt(c->T[a * n + a] * c->T[b * n + b]) * del;
            if ((st = sp_softmax_table_pair(c->tab, (int)m, v, sqk * tab * del, mark, &sp, &rp)) !=
                SP_OK)
                return st;
            if (mark)
                continue;
            double fm = (double)m / (double)M, r = fm * rp;
            double e = sov * ((double)m * sp - 1.0) / (double)M;
            c->E[a * n + b] = c->E[b * n + a] = e;
            c->A[a * n + b] = c->A[b * n + a] = sov * sqk * del * del * r;
            c->B[a * n + b] = c->B[b * n + a] = sov * sqk * del * tab * r;
        }
    return SP_OK;
}

/* E, A, B of the attention sublayer whose input maps are in c->T (and c->dT) */
static enum sp_status softmax_coefs(struct causal *c)
{
    prefix_delta(c, c->T, 1, c->dT);
    enum sp_status st = coef_pass(c, 1);
    if (st == SP_OK)
        st = sp_softmax_table_fill(c->tab);
    if (st == SP_OK)
        st = coef_pass(c, 0);
    return st;
}

/* out_ab += (W_ab + W2_ab) d[shared(a, b)] (W2 may be NULL) */
static void add_delta(const struct causal *c, const double *W, const double *W2, const double *d,
                      double *out)
{
    size_t n = c->n;
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++)
            out[a * n + b] += (W[a * n + b] + (W2 ? W2[a * n + b] : 0.0)) * d[shared(c, a, b)];
}

/* The version-G part of the attention tangent step on G (the uniform part,
 * s_OV U or its adjoint, done by attend). Forward, with X = N o G in tmp:
 * G += (E + B) o delta(X) + A o X. Backward, the adjoint, with the old G in tmp:
 * G += N o [delta^T((E + B) o G) + A o G], where delta^T(Y)_ce =
 * [c = e] F1[c] - F2[max(c, e)], F1[j] = sum_{m > j} Y_m / (m - 1),
 * F2[j] = sum_{m > j} Y_m / (m (m - 1)), Y_m the sum of Y over the pairs sharing m keys. */
static void softmax_tangent(struct causal *c, int backward, double *G, const double *tmp)
{
    size_t n = c->n;
    if (!backward) {
        prefix_delta(c, tmp, 0, c->dX);
        add_delta(c, c->E, c->B, c->dX, G);
        for (size_t q = 0; q < n * n; q++)
            G[q] += c->A[q] * tmp[q];
        return;
    }
    for (size_t m = 0; m <= n; m++)
        c->Em[m] = 0.0;
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++)
            c->Em[shared(c, a, b)] += (c->E[a * n + b] + c->B[a * n + b]) * tmp[a * n + b];
    c->F1[n] = c->F2[n] = 0.0;
    for (size_t j = n; j-- > 0;) {
        double m = (double)(j + 1);
        c->F1[j] = c->F1[j + 1] + (j >= 1 ? c->Em[j + 1] / (m - 1.0) : 0.0);
        c->F2[j] = c->F2[j + 1] + (j >= 1 ? c->Em[j + 1] / (m * (m - 1.0)) : 0.0);
    }
    for (size_t a = 0; a < n; a++)
        for (size_t b = 0; b < n; b++) {
            double dt = (a == b ? c->F1[a] : 0.0) - c->F2[a > b ? a : b];
            G[a * n + b] += c->N[a * n + b] * (dt + c->A[a * n + b] * tmp[a * n + b]);
        }
}

/* GELU/SwiGLU terms of one token pair at normalised second moments ti = T_aa,
 * tj = T_bb, tij = T_ab (docs/derivations/mlp.md, sp_mlp_terms at unequal token
 * variances): the forward increment dh and the tangent coefficient kc
 * (G_ab *= 1 + kc N_ab); on the diagonal (ti = tj = tij) dq and jc. */
static enum sp_status mlp_pair(const struct sp_arch *a, double ti, double tj, double tij,
                               double *dh, double *kc)
{
    double s1 = a->sigma_1 * a->sigma_1, s2 = a->sigma_2 * a->sigma_2;
    enum sp_mlp_phi f = a->mlp_act == SP_ACT_GELU ? SP_PHI_GELU : SP_PHI_SILU;
    struct sp_phi_maps g;
    enum sp_status st = sp_mlp_phi_pair(f, s1 * ti, s1 * tj, s1 * tij, &g);
    if (st != SP_OK)
        return st;
    if (f == SP_PHI_GELU) {
        *dh = s2 * g.e11;
        *kc = s2 * s1 * g.d11;
        return SP_OK;
    }
    double s3 = a->sigma_3 * a->sigma_3, bp = s3 * tij; /* b = W3 x: Cov s3 T_ab */
    *dh = s2 * g.e11 * bp;
    *kc = s2 * (s1 * g.d11 * bp + s3 * g.e11);
    return SP_OK;
}

/* The MLP sublayer with the maps of its input in c->T, c->N: the tangent
 * multipliers into c->S (1 + jc N_aa on the diagonal, 1 + kc N_ab off it) and,
 * with H, the forward update of H. ReLU in closed form at any pair of variances;
 * GELU and SwiGLU under LN/RMSNorm (T_aa = 1 for every token) from the tables of
 * sp_mlp_terms (mlp_table), under any other norm one quadrature per pair
 * (mlp_pair). */
static enum sp_status mlp_step(struct causal *c, double *H)
{
    size_t n = c->n;
    const struct sp_arch *a = c->a;
    int quad = a->mlp_act != SP_ACT_RELU && !c->dp;
    long bad = -1;
#pragma omp parallel for schedule(dynamic, 1) if (quad && n >= 8)
    for (long ia = 0; ia < (long)n; ia++) {
        size_t i = (size_t)ia;
        for (size_t j = quad ? i : 0; j < n; j++) {
            double ti = c->T[i * n + i], tj = c->T[j * n + j], g = sqrt(ti * tj);
            double r = g > 0.0 ? c->T[i * n + j] / g : 0.0, nij = c->N[i * n + j], dh, mul;
            r = r > 1.0 ? 1.0 : (r < -1.0 ? -1.0 : r);
            if (a->mlp_act == SP_ACT_RELU) {
                dh = i == j ? 0.5 * c->s21 * ti : c->s21 * g * sp_kappa(r);
                mul = i == j ? 1.0 + 0.5 * c->s21 * nij : 1.0 + c->s21 * nij * sp_kappa_prime(r);
            } else if (quad) {
                double kc;
                if (mlp_pair(a, ti, tj, i == j ? ti : r * g, &dh, &kc) != SP_OK) {
#pragma omp critical(causal_mlp)
                    if (bad < 0 || (long)(i * n + j) < bad)
                        bad = (long)(i * n + j);
                    dh = kc = 0.0;
                }
                mul = 1.0 + kc * nij;
            } else if (i == j) {
                dh = c->diag.dq;
                mul = 1.0 + c->diag.jc * nij;
            } else {
                dh = gsl_spline_eval(c->dp, r, NULL);
                mul = 1.0 + gsl_spline_eval(c->kc, r, NULL) * nij;
            }
            if (H)
                H[i * n + j] += dh;
            c->S[i * n + j] = mul;
            if (quad && j != i) {
                if (H)
                    H[j * n + i] += dh;
                c->S[j * n + i] = mul;
            }
        }
    }
    if (bad >= 0) {
        size_t i = (size_t)bad / n, j = (size_t)bad % n;
        return sp_fail(SP_ENUMERIC,
                       "causal theory: the %s MLP maps failed at tokens %zu, %zu "
                       "(T %g, %g, %g)",
                       sp_act_name(a->mlp_act), i, j, c->T[i * n + i], c->T[j * n + j],
                       c->T[i * n + j]);
    }
    return SP_OK;
}

/* Forward step of sublayer k (odd: MLP) on H in place; the maps of its input stay
 * in c->T, c->N (and the MLP's tangent multipliers in c->S). */
static enum sp_status forward_h(struct causal *c, size_t k, double *H)
{
    int mlp = (int)(k & 1);
    enum sp_status st = maps(c, mlp ? &c->a->norm_mlp : &c->a->norm_attn, H);
    if (st != SP_OK)
        return st;
    if (mlp)
        return mlp_step(c, H);
    if (c->gauss && (st = softmax_coefs(c)) != SP_OK)
        return st;
    attend(c, c->T, c->sov, NULL, 0, H);
    if (c->gauss)
        add_delta(c, c->E, NULL, c->dT, H);
    return SP_OK;
}

/* Tangent step of sublayer k with the maps of its input in c->T, c->N; returns
 * log(tr G' / tr G) and rescales G' to trace n. */
static double tangent(struct causal *c, size_t k, int backward, double *G, double *tmp)
{
    size_t n = c->n;
    if (k & 1) { /* the multipliers mlp_step left in c->S */
        for (size_t q = 0; q < n * n; q++)
            G[q] *= c->S[q];
    } else if (!backward) {
        for (size_t q = 0; q < n * n; q++)
            tmp[q] = c->N[q] * G[q];
        attend(c, tmp, c->sov, NULL, 0, G);
    } else {
        memcpy(tmp, G, n * n * sizeof *G);
        attend(c, tmp, c->sov, c->N, 1, G);
    }
    if (!(k & 1) && c->gauss)
        softmax_tangent(c, backward, G, tmp);
    double tr = 0.0;
    for (size_t i = 0; i < n; i++)
        tr += G[i * n + i];
    double f = (double)n / tr;
    for (size_t q = 0; q < n * n; q++)
        G[q] *= f;
    return log(tr / (double)n);
}

static void row_stats(const double *H, size_t n, double *q, double *p)
{
    double sq = 0.0, sp = 0.0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < n; j++)
            if (i == j)
                sq += H[i * n + j];
            else
                sp += H[i * n + j];
    *q = sq / (double)n;
    *p = n > 1 ? sp / ((double)n * (double)(n - 1)) : sq / (double)n;
}

enum sp_status sp_theory_run_positions(const struct sp_arch *a, const struct sp_theory_opts *o,
                                       int causal, struct sp_theory_row *rows)
{
    enum sp_status st = SP_OK;
    size_t n = (size_t)a->tokens, nsub = 2 * (size_t)a->depth;
    size_t stride = (size_t)ceil(sqrt((double)nsub));
    int gauss = o->attention == SP_ATTN_GAUSSIAN; /* version G: softmax over each prefix */
    size_t nck = nsub / stride + 1, nmat = nck + stride + 7 + (gauss ? 3 : 0);
    double bytes = (double)nmat * (double)n * (double)n * sizeof(double);
    if (bytes > CAUSAL_MAX_BYTES)
        return sp_fail(SP_EINVAL, "the position-resolved theory at n = %zu tokens, %d blocks "
                       "needs %.3g GB (n^2 doubles per stored state), more than %.3g GB; use "
                       "fewer tokens", n, a->depth, bytes / 1e9, CAUSAL_MAX_BYTES / 1e9);
    /* Quadratures per pair of tokens and evaluation of a sublayer (about 3 of each:
     * forward, the backward's recomputation and its own), at rough one-core costs:
     * tanh 1e-4 s, shifted erf 1e-5 s (the norm's maps); GELU 1e-5 s, SwiGLU 1e-3 s
     * (the MLP's, under a norm other than LN/RMS) */
    double per_pair = 0.0;
    const struct sp_fnspec *fn[2] = {&a->norm_attn, &a->norm_mlp};
    for (int i = 0; i < 2; i++)
        per_pair += closed_form(fn[i]) ? 0.0 : fn[i]->kind == SP_FN_DYT ? 1e-4 : 1e-5;
    if (a->mlp_act != SP_ACT_RELU && a->norm_mlp.kind != SP_FN_LN && a->norm_mlp.kind != SP_FN_RMS)
        per_pair += a->mlp_act == SP_ACT_SWIGLU ? 1e-3 : 1e-5;
    double npairs = 0.5 * (double)n * (double)(n + 1) * 3.0 * (double)a->depth;
    if (npairs * per_pair > CAUSAL_MAX_QUAD_S)
        return sp_fail(SP_EINVAL,
                       "the position-resolved theory with the %s norm and the %s MLP "
                       "needs about %.2g CPU hours of pair quadratures at n = %zu tokens, %d "
                       "blocks (more than %g); use fewer tokens",
                       sp_fn_name(closed_form(fn[0]) ? fn[1]->kind : fn[0]->kind),
                       sp_act_name(a->mlp_act), npairs * per_pair / 3600.0, n, a->depth,
                       CAUSAL_MAX_QUAD_S / 3600.0);
    size_t nn = n * n;
    double *buf = malloc((size_t)nmat * nn * sizeof *buf);
    double *fwd = malloc((nsub + 1) * sizeof *fwd), *bwd = malloc((nsub + 1) * sizeof *bwd);
    double *hq = malloc((nsub + 1) * 2 * sizeof *hq), *ga = malloc((nsub + 1) * sizeof *ga);
    double *vec = malloc(5 * (n + 1) * sizeof *vec);
    if (!buf || !fwd || !bwd || !hq || !ga || !vec) {
        free(buf), free(fwd), free(bwd), free(hq), free(ga), free(vec);
        return sp_fail(SP_ENOMEM, "out of memory for the position-resolved theory (%.3g GB)",
                       bytes / 1e9);
    }
    struct causal c = {.a = a, .causal = causal, .n = n, .sov = sp_arch_s_ov(a),
                       .s21 = sp_arch_s_21(a), .T = buf, .N = buf + nn, .S = buf + 2 * nn,
                       .gauss = gauss, .sqk = sp_arch_s_qk(a), .dT = vec, .dX = vec + (n + 1),
                       .Em = vec + 2 * (n + 1), .F1 = vec + 3 * (n + 1), .F2 = vec + 4 * (n + 1)};
    if ((st = mlp_table(&c)) != SP_OK)
        goto out;
    if (gauss) {
        c.E = buf + (nmat - 3) * nn, c.A = c.E + nn, c.B = c.A + nn;
        double dh = a->heads > 0 ? (double)a->width / a->heads : 0.0;
        if ((st = sp_softmax_table_new((int)n, dh, &c.tab)) != SP_OK)
            goto out;
    }
    double *H = buf + 3 * nn, *G = buf + 4 * nn, *tmp = buf + 5 * nn;
    double *G1 = buf + 6 * nn; /* backward from the all-ones top gradient: grad_amp */
    double *ck = buf + 7 * nn, *seg = ck + nck * nn; /* checkpoints, one segment */
    /* attention: version G (o->attention gaussian) or uniform over the visible tokens
     * (every other version) */

    /* forward: H, the forward APJN from G = I, checkpoints of H */
    for (size_t i = 0; i < nn; i++)
        H[i] = i % (n + 1) == 0 ? a->q0 : a->p0;
    memset(G, 0, nn * sizeof *G);
    for (size_t i = 0; i < n; i++)
        G[i * n + i] = 1.0;
    fwd[0] = 0.0;
    for (size_t k = 0; k <= nsub; k++) {
        if (k % stride == 0)
            memcpy(ck + (k / stride) * nn, H, nn * sizeof *H);
        row_stats(H, n, &hq[2 * k], &hq[2 * k + 1]);
        if (k == nsub)
            break;
        if ((st = forward_h(&c, k, H)) != SP_OK)
            goto out;
        fwd[k + 1] = fwd[k] + tangent(&c, k, 0, G, tmp);
    }
    /* backward: from G = I at the top (the APJN) and from G = 1 1^T (the documented
     * loss's top gradient, the same for every token: grad_amp), H recomputed
     * segment by segment */
    memset(G, 0, nn * sizeof *G);
    for (size_t i = 0; i < n; i++)
        G[i * n + i] = 1.0;
    for (size_t i = 0; i < nn; i++)
        G1[i] = 1.0;
    bwd[nsub] = ga[nsub] = 0.0;
    for (size_t k0 = ((nsub - 1) / stride) * stride;; k0 -= stride) {
        size_t k1 = k0 + stride < nsub ? k0 + stride : nsub;
        memcpy(seg, ck + (k0 / stride) * nn, nn * sizeof *H);
        for (size_t k = k0; k + 1 < k1; k++) { /* inputs of sublayers k0..k1-1 */
            memcpy(seg + (k - k0 + 1) * nn, seg + (k - k0) * nn, nn * sizeof *H);
            if ((st = forward_h(&c, k, seg + (k - k0 + 1) * nn)) != SP_OK)
                goto out;
        }
        for (size_t k = k1; k-- > k0;) {
            if ((st = maps(&c, (k & 1) ? &a->norm_mlp : &a->norm_attn, seg + (k - k0) * nn)) !=
                SP_OK)
                goto out;
            if ((k & 1) && (st = mlp_step(&c, NULL)) != SP_OK)
                goto out;
            if (!(k & 1) && c.gauss && (st = softmax_coefs(&c)) != SP_OK)
                goto out;
            bwd[k] = bwd[k + 1] + tangent(&c, k, 1, G, tmp);
            ga[k] = ga[k + 1] + tangent(&c, k, 1, G1, tmp);
        }
        if (k0 == 0)
            break;
    }
    size_t step = o->sublayers ? 1 : 2, r = 0;
    for (size_t k = 0; k <= nsub; k += step, r++) {
        if (!isfinite(fwd[k]) || !isfinite(bwd[k]) || !isfinite(ga[k]) || !isfinite(hq[2 * k])) {
            st = sp_fail(SP_ENUMERIC, "position-resolved theory not finite at sublayer %zu", k);
            break;
        }
        rows[r].l = 0.5 * (double)k;
        rows[r].q = hq[2 * k];
        rows[r].p = hq[2 * k + 1];
        rows[r].rho = rows[r].p / rows[r].q;
        rows[r].log_jfwd = fwd[k];
        rows[r].log_jbwd = bwd[k];
        rows[r].log_grad_amp = ga[k];
    }
out:
    gsl_spline_free(c.dp);
    gsl_spline_free(c.kc);
    sp_softmax_table_free(c.tab);
    free(buf), free(fwd), free(bwd), free(hq), free(ga), free(vec);
    return st;
}
