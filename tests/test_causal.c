/* Position-resolved (causal) theory, src/theory/causal.c: the mechanism with
 * bidirectional uniform attention equals version C-exact; forward J^{L,0} equals
 * backward J^{L,0}; a tiny case against a brute-force recursion written here from
 * the equations of docs/derivations/causal.md; causal-specific facts (token 0
 * sees only itself; the causal network differs from the bidirectional one). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sigprop.h"
#include "theory/internal.h"

static void arch(struct sp_arch *a, enum sp_fn norm, double alpha, int n, int L)
{
    char err[256];
    sp_arch_default(a);
    a->tokens = n, a->width = 256, a->heads = 4, a->depth = L;
    a->norm_attn = a->norm_mlp = (struct sp_fnspec){norm, alpha, 0.0};
    a->init_std = 0.0;
    a->sigma_q = a->sigma_k = 0.0;
    a->sigma_v = a->sigma_o = a->sigma_1 = 0.9;
    a->sigma_2 = 1.3;
    CHECK(sp_arch_resolve(a, err, sizeof err) == SP_OK);
}

/* Every row's q, p (relative tol) and logs of J and grad_amp (tol absolute and relative) */
static void rows_close(const struct sp_theory_row *x, const struct sp_theory_row *y, size_t nr,
                       double tol)
{
    for (size_t i = 0; i < nr; i++) {
        CHECK_CLOSE(x[i].q, y[i].q, 0, tol);
        CHECK_CLOSE(x[i].p, y[i].p, 0, tol);
        CHECK_CLOSE(x[i].log_jfwd, y[i].log_jfwd, tol, tol);
        CHECK_CLOSE(x[i].log_jbwd, y[i].log_jbwd, tol, tol);
        CHECK_CLOSE(x[i].log_grad_amp, y[i].log_grad_amp, tol, tol);
    }
}

static void test_bidirectional_is_c_exact(void)
{
    static const enum sp_fn norms[] = {SP_FN_LN,  SP_FN_DERF, SP_FN_IDENTITY, SP_FN_RMS,
                                       SP_FN_LN,  SP_FN_DYT,  SP_FN_DERF,     SP_FN_DERF,
                                       SP_FN_DYT, SP_FN_IDENTITY};
    static const enum sp_mlp_act acts[] = {SP_ACT_RELU, SP_ACT_RELU,   SP_ACT_RELU, SP_ACT_GELU,
                                           SP_ACT_SWIGLU, SP_ACT_RELU, SP_ACT_RELU, SP_ACT_GELU,
                                           SP_ACT_SWIGLU, SP_ACT_GELU};
    static const double shift[] = {0, 0, 0, 0, 0, 0.2, -0.4, 0, 0, 0};
    for (int k = 0; k < 10; k++)
        for (int sub = 0; sub < 2; sub++) {
            struct sp_arch a;
            arch(&a, norms[k], 0.7, 7, 5);
            a.norm_attn.shift = a.norm_mlp.shift = shift[k];
            a.mlp_act = acts[k];
            a.sigma_3 = 0.8;
            struct sp_theory_opts o;
            sp_theory_opts_version_c(&o);
            o.attention = SP_ATTN_UNIFORM_EXACT;
            o.cn_exact = 1;
            o.sublayers = sub;
            size_t nr = sp_theory_nrows(&a, &o);
            struct sp_theory_row *r1 = calloc(nr, sizeof *r1), *r2 = calloc(nr, sizeof *r2);
            CHECK(sp_theory_run(&a, &o, r1, nr) == SP_OK);
            CHECK(sp_theory_run_positions(&a, &o, 0, r2) == SP_OK);
            rows_close(r2, r1, nr, 1e-12);
            free(r1);
            free(r2);
        }
}

/* The equations, written out with explicit loops over (a, b, c, e): O(n^4), for
 * n = 4 only. LN norms, ReLU MLP. Returns log J^{L,0} forward and q_L. */
static void brute(const struct sp_arch *a, double *logj, double *qL)
{
    enum { N = 4 };
    double H[N][N], G[N][N], sov = sp_arch_s_ov(a), s21 = sp_arch_s_21(a), lj = 0.0;
    for (int i = 0; i < N; i++)
        for (int j = 0; j < N; j++)
            H[i][j] = i == j ? a->q0 : a->p0, G[i][j] = i == j;
    for (int l = 0; l < a->depth; l++)
        for (int mlp = 0; mlp < 2; mlp++) {
            double T[N][N], M[N][N], dH[N][N], dG[N][N];
            for (int i = 0; i < N; i++)
                for (int j = 0; j < N; j++) {
                    T[i][j] = H[i][j] / sqrt(H[i][i] * H[j][j]);
                    M[i][j] = 1.0 / sqrt(H[i][i] * H[j][j]); /* qh, ph of x / sqrt(q) */
                }
            for (int i = 0; i < N; i++)
                for (int j = 0; j < N; j++) {
                    if (!mlp) {
                        double sh = 0.0, sg = 0.0;
                        for (int c = 0; c <= i; c++)
                            for (int e = 0; e <= j; e++) {
                                sh += T[c][e] / ((i + 1.0) * (j + 1.0));
                                sg += M[c][e] * G[c][e] / ((i + 1.0) * (j + 1.0));
                            }
                        dH[i][j] = sov * sh;
                        dG[i][j] = sov * sg;
                    } else if (i == j) {
                        dH[i][j] = 0.5 * s21;
                        dG[i][j] = 0.5 * s21 * M[i][j] * G[i][j];
                    } else {
                        dH[i][j] = s21 * sp_kappa(T[i][j]);
                        dG[i][j] = s21 * sp_kappa_prime(T[i][j]) * M[i][j] * G[i][j];
                    }
                }
            double tr0 = 0.0, tr1 = 0.0;
            for (int i = 0; i < N; i++)
                for (int j = 0; j < N; j++)
                    tr0 += i == j ? G[i][j] : 0.0, H[i][j] += dH[i][j], G[i][j] += dG[i][j];
            for (int i = 0; i < N; i++)
                tr1 += G[i][i];
            lj += log(tr1 / tr0);
        }
    double q = 0.0;
    for (int i = 0; i < N; i++)
        q += H[i][i] / N;
    *logj = lj;
    *qL = q;
}

static void test_causal(void)
{
    struct sp_arch a;
    arch(&a, SP_FN_LN, 0.0, 4, 6);
    a.mask = SP_MASK_CAUSAL;
    struct sp_theory_opts o;
    sp_theory_opts_version_c(&o);
    size_t nr = sp_theory_nrows(&a, &o);
    struct sp_theory_row *r = calloc(nr, sizeof *r), *rb = calloc(nr, sizeof *rb);
    CHECK(sp_theory_run(&a, &o, r, nr) == SP_OK);
    double lj, qL;
    brute(&a, &lj, &qL);
    CHECK_CLOSE(r[nr - 1].log_jfwd, lj, 1e-12, 1e-12);
    CHECK_CLOSE(r[nr - 1].q, qL, 0, 1e-12);
    /* forward J^{L,0} = backward J^{L,0} */
    CHECK_CLOSE(r[nr - 1].log_jfwd, r[0].log_jbwd, 1e-10, 1e-10);
    /* every depth, several norms and more tokens; sublayer rows, odd depth */
    static const enum sp_fn norms[] = {SP_FN_LN, SP_FN_RMS, SP_FN_DERF, SP_FN_IDENTITY};
    for (int k = 0; k < 4; k++) {
        arch(&a, norms[k], 0.5, 33, 7);
        a.mask = SP_MASK_CAUSAL;
        o.sublayers = k & 1;
        nr = sp_theory_nrows(&a, &o);
        struct sp_theory_row *rr = calloc(nr, sizeof *rr);
        CHECK(sp_theory_run(&a, &o, rr, nr) == SP_OK);
        CHECK_CLOSE(rr[nr - 1].log_jfwd, rr[0].log_jbwd, 1e-10, 1e-10);
        for (size_t i = 1; i < nr; i++)
            CHECK(rr[i].log_jfwd >= rr[i - 1].log_jfwd && rr[i].q >= rr[i - 1].q);
        /* the causal network is not the bidirectional one */
        struct sp_theory_row *rbd = calloc(nr, sizeof *rbd);
        CHECK(sp_theory_run_positions(&a, &o, 0, rbd) == SP_OK);
        CHECK(fabs(rr[nr - 1].log_jfwd - rbd[nr - 1].log_jfwd) > 1e-3);
        free(rbd);
        free(rr);
    }
    o.sublayers = 0;
    /* one token: causal and bidirectional are the same network */
    arch(&a, SP_FN_LN, 0.0, 1, 4);
    a.mask = SP_MASK_CAUSAL;
    nr = sp_theory_nrows(&a, &o);
    CHECK(sp_theory_run(&a, &o, r, nr) == SP_OK);
    CHECK(sp_theory_run_positions(&a, &o, 0, rb) == SP_OK);
    for (size_t i = 0; i < nr; i++)
        CHECK_CLOSE(r[i].log_jfwd, rb[i].log_jfwd, 1e-13, 1e-13);
    /* GELU and SwiGLU under LN: forward = backward, grad_amp >= 0 at the bottom */
    for (int act = SP_ACT_GELU; act <= SP_ACT_SWIGLU; act++) {
        arch(&a, SP_FN_LN, 0.0, 16, 4);
        a.mask = SP_MASK_CAUSAL;
        a.mlp_act = (enum sp_mlp_act)act;
        a.sigma_3 = 0.8;
        nr = sp_theory_nrows(&a, &o);
        CHECK(sp_theory_run(&a, &o, r, nr) == SP_OK);
        CHECK_CLOSE(r[nr - 1].log_jfwd, r[0].log_jbwd, 1e-10, 1e-10);
        CHECK(r[0].log_grad_amp > 0.0 && r[nr - 1].log_grad_amp == 0.0);
    }
    /* DyT and shifted Derf: the pair maps at unequal variances by quadrature
     * (sp_quad_pair). Forward J^{L,0} = backward; a shift of 1e-12 changes the
     * closed-form (unshifted erf) numbers by O(1e-12), so the quadrature path
     * reproduces the closed-form recursion; token 0 sees only itself. */
    for (int k = 0; k < 2; k++) {
        arch(&a, k ? SP_FN_DERF : SP_FN_DYT, 0.6, 9, 3);
        a.mask = SP_MASK_CAUSAL;
        a.norm_mlp.shift = 0.3;
        nr = sp_theory_nrows(&a, &o);
        CHECK(sp_theory_run(&a, &o, r, nr) == SP_OK);
        CHECK_CLOSE(r[nr - 1].log_jfwd, r[0].log_jbwd, 1e-10, 1e-10);
        CHECK(r[nr - 1].log_jfwd > 0.0 && r[nr - 1].q > a.q0);
    }
    arch(&a, SP_FN_DERF, 0.6, 9, 3);
    a.mask = SP_MASK_CAUSAL;
    nr = sp_theory_nrows(&a, &o);
    CHECK(sp_theory_run(&a, &o, rb, nr) == SP_OK);
    a.norm_attn.shift = a.norm_mlp.shift = 1e-12;
    CHECK(sp_theory_run(&a, &o, r, nr) == SP_OK);
    for (size_t i = 0; i < nr; i++) {
        CHECK_CLOSE(r[i].q, rb[i].q, 1e-10, 1e-10);
        CHECK_CLOSE(r[i].p, rb[i].p, 1e-10, 1e-10);
        CHECK_CLOSE(r[i].log_jfwd, rb[i].log_jfwd, 1e-10, 1e-10);
        CHECK_CLOSE(r[i].log_jbwd, rb[i].log_jbwd, 1e-10, 1e-10);
    }
    /* GELU and SwiGLU under a bounded norm: their maps per pair (sp_mlp_phi_pair);
     * forward = backward. Too costly a run is refused with the estimate. */
    for (int k = 0; k < 2; k++) {
        arch(&a, k ? SP_FN_DYT : SP_FN_DERF, 0.5, 6, 2);
        a.mask = SP_MASK_CAUSAL;
        a.mlp_act = k ? SP_ACT_SWIGLU : SP_ACT_GELU;
        a.sigma_3 = 0.8;
        nr = sp_theory_nrows(&a, &o);
        CHECK(sp_theory_run(&a, &o, r, nr) == SP_OK);
        CHECK_CLOSE(r[nr - 1].log_jfwd, r[0].log_jbwd, 1e-10, 1e-10);
        CHECK(r[nr - 1].log_jfwd > 0.0);
    }
    arch(&a, SP_FN_DYT, 0.5, 1024, 4);
    a.mask = SP_MASK_CAUSAL;
    a.mlp_act = SP_ACT_SWIGLU;
    sp_last_error_clear();
    CHECK(sp_theory_run(&a, &o, r, sp_theory_nrows(&a, &o)) == SP_EINVAL &&
          strstr(sp_last_error(), "CPU hours"));
    free(r);
    free(rb);
}

/* Version G over each prefix (docs/derivations/causal.md, "Softmax attention over
 * each prefix"): at s_QK -> 0 it is the uniform causal theory; its backward pass is
 * the adjoint of its forward one (forward J^{L,0} = backward J^{L,0}); one token is
 * the bidirectional G; with every token seeing all n (the mechanism's bidirectional
 * mode) it is the bidirectional G up to its two-query moments (exactly so in the first
 * attention sublayer from p0 = 0, where the queries are independent); at the 7B
 * proxy's s_QK = 2.68 it raises J above the uniform theory (the logit path). */
static void test_gaussian(void)
{
    struct sp_theory_opts oc, og;
    sp_theory_opts_version_c(&oc);
    og = oc;
    og.attention = SP_ATTN_GAUSSIAN;
    static const enum sp_fn norms[] = {SP_FN_LN, SP_FN_DERF, SP_FN_RMS};
    for (int k = 0; k < 3; k++) {
        struct sp_arch a;
        arch(&a, norms[k], 0.5, 24, 4);
        a.mask = SP_MASK_CAUSAL;
        a.sigma_q = a.sigma_k = 1e-8; /* s_QK = 1e-32 */
        if (k == 2)
            a.mlp_act = SP_ACT_SWIGLU, a.sigma_3 = 0.8;
        size_t nr = sp_theory_nrows(&a, &og);
        struct sp_theory_row rg[8], rc[8];
        CHECK(sp_theory_run(&a, &og, rg, nr) == SP_OK);
        CHECK(sp_theory_run(&a, &oc, rc, nr) == SP_OK);
        rows_close(rg, rc, nr, 1e-12);
        /* O(1) logits: the adjoint, and the logit path raising J */
        a.sigma_q = a.sigma_k = 1.28; /* s_QK = 2.68 */
        og.sublayers = k & 1;
        nr = sp_theory_nrows(&a, &og);
        struct sp_theory_row r[9];
        CHECK(sp_theory_run(&a, &og, r, nr) == SP_OK);
        CHECK_CLOSE(r[nr - 1].log_jfwd, r[0].log_jbwd, 1e-10, 1e-10);
        CHECK(r[nr - 1].log_jfwd > rc[4].log_jfwd + 0.005);
        for (size_t i = 1; i < nr; i++)
            CHECK(r[i].log_jfwd > r[i - 1].log_jfwd && r[i].q > r[i - 1].q);
        og.sublayers = 0;
        struct sp_caveat cv[SP_CAVEATS_MAX];
        size_t nc = sp_theory_caveats(&a, &og, cv, SP_CAVEATS_MAX);
        CHECK(nc == 1 && !strcmp(cv[0].code, "causal-gaussian-partial"));
        nc = sp_theory_caveats(&a, &oc, cv, SP_CAVEATS_MAX);
        CHECK(nc == 2 && !strcmp(cv[1].code, "causal-uniform-attention"));
    }
    /* one token: the bidirectional G */
    struct sp_arch a;
    arch(&a, SP_FN_LN, 0.0, 1, 4);
    a.sigma_q = a.sigma_k = 1.28;
    struct sp_theory_row r1[5], r2[5];
    CHECK(sp_theory_run(&a, &og, r1, 5) == SP_OK);
    a.mask = SP_MASK_CAUSAL;
    CHECK(sp_theory_run(&a, &og, r2, 5) == SP_OK);
    for (size_t i = 0; i < 5; i++) {
        CHECK_CLOSE(r2[i].q, r1[i].q, 0, 1e-13);
        CHECK_CLOSE(r2[i].log_jfwd, r1[i].log_jfwd, 1e-13, 1e-13);
        CHECK_CLOSE(r2[i].log_jbwd, r1[i].log_jbwd, 1e-13, 1e-13);
    }
    /* every token sees all n: the bidirectional G with c_n = (n-1)/n (the mechanism's
     * own normalisation). q through one query's moments (the table against
     * sp_softmax_query_moments: 1e-6); p and J through the two-query moments too
     * (linear interpolation against the first-order moments: 0.3% in p at these
     * large sigmas, s_QK = 2.86); the
     * backward K channel also has the logit path (bidirectional G leaves it out) */
    for (int k = 0; k < 2; k++) {
        arch(&a, k ? SP_FN_DERF : SP_FN_LN, 0.5, 32, 6);
        a.sigma_q = a.sigma_k = 1.3;
        if (k)
            a.p0 = 0.0; /* pt = 0 in the first sublayer: independent queries */
        struct sp_theory_opts ob = og;
        ob.cn_exact = 1;
        ob.sublayers = 1;
        size_t nr = sp_theory_nrows(&a, &ob);
        struct sp_theory_row rb[13], rp[13];
        CHECK(sp_theory_run(&a, &ob, rb, nr) == SP_OK);
        CHECK(sp_theory_run_positions(&a, &ob, 0, rp) == SP_OK);
        for (size_t i = 0; i < nr; i++) {
            CHECK_CLOSE(rp[i].q, rb[i].q, 0, i <= 1 ? 1e-7 : 2e-3);
            CHECK_CLOSE(rp[i].p, rb[i].p, 0, i <= 1 && k ? 1e-7 : 1e-2);
            CHECK_CLOSE(rp[i].log_jfwd, rb[i].log_jfwd, i <= 1 && k ? 1e-7 : 1e-2, 0.0);
            CHECK_CLOSE(rp[i].log_jbwd, rb[i].log_jbwd, 2e-2, 0.0);
        }
    }
}

int main(void)
{
    test_bidirectional_is_c_exact();
    test_causal();
    test_gaussian();
    return check_done();
}
