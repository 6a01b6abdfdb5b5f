/* Tests of the finite-width network (src/net): finite differences against every
 * JVP and VJP (attention with softmax, MLP, each norm, the toy layer, the final
 * norm), OpenBLAS against the naive kernels, an exact Jacobian of a tiny network
 * against the Hutchinson estimates, determinism across thread counts, workspace
 * flat in depth, exact input statistics, and agreement with the mean-field theory
 * (version A, SPEC 3) at d = 256, n = 32, 16 blocks. The reference values are
 * computed here (exact Jacobians, sp_theory_run), none are hard-coded. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "net_fixture.h"
#include "net/net_internal.h"
#include "sigprop.h"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#else
#define SANITIZED 0
#endif

enum which { W_ATTN, W_MLP, W_TOY, W_FINAL };
static const char *which_name[] = {"attention", "mlp", "toy", "final-norm"};

static void apply(struct net_model *m, enum which w, struct net_key key, float *x, size_t B,
                  float *scratch)
{
    switch (w) {
    case W_ATTN: net_attn_forward(m, key, x, B, 0); break;
    case W_MLP: net_mlp_forward(m, key, x, B, 0); break;
    case W_TOY: net_toy_forward(m, key, x, B); break;
    case W_FINAL:
        net_final_norm(m, x, scratch, B);
        memcpy(x, scratch, B * m->n * m->d * sizeof *x);
        break;
    }
}

/* JVP against central differences and VJP against the JVP (<u, J v> = <J^T u, v>). */
static void fd_check(const struct sp_arch *a, enum which w, const char *label)
{
    struct net_model m;
    CHECK(net_model_init(&m, a, 2) == SP_OK);
    const size_t nd = m.n * m.d;
    float *buf = calloc(10 * nd, sizeof(float));
    float *x = buf, *v = x + nd, *X = v + nd, *xp = X + 2 * nd, *xm = xp + nd, *u = xm + nd,
          *g = u + nd, *scr = g + nd; /* scr: 2 nd */
    struct net_key key = {42, 0, 1};
    net_normal(x, nd, 1.0f, (struct net_key){7, 0, 0}, NET_MAT_INPUT);
    net_normal(v, nd, 1.0f, (struct net_key){7, 0, 1}, NET_MAT_INPUT);
    net_normal(u, nd, 1.0f, (struct net_key){7, 0, 2}, NET_MAT_INPUT);
    for (size_t i = 0; i < m.d; i++) /* give the tokens a shared part, like p0 > 0 */
        for (size_t t = 1; t < m.n; t++)
            x[t * m.d + i] = 0.6f * x[t * m.d + i] + 0.8f * x[i];
    if (w == W_MLP) { /* test the MLP where block_save will see it: at h^{l+1/2} */
        memcpy(xp, x, nd * sizeof *x);
        net_attn_forward(&m, key, xp, 1, 0);
        memcpy(x, xp, nd * sizeof *x);
    }
    memcpy(X, x, nd * sizeof *x);
    memcpy(X + nd, v, nd * sizeof *x);
    apply(&m, w, key, X, 2, scr);
    const float *tan = X + nd;
    const float h = 2e-3f;
    for (size_t i = 0; i < nd; i++) {
        xp[i] = x[i] + h * v[i];
        xm[i] = x[i] - h * v[i];
    }
    apply(&m, w, key, xp, 1, scr);
    apply(&m, w, key, xm, 1, scr);
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < nd; i++) {
        double fd = ((double)xp[i] - (double)xm[i]) / (2.0 * (double)h);
        num += (fd - (double)tan[i]) * (fd - (double)tan[i]);
        den += (double)tan[i] * (double)tan[i];
    }
    double rel = sqrt(num / den);
    if (!(rel < 3e-3))
        fprintf(stderr, "JVP %s (%s): relative error %.3g\n", which_name[w], label, rel);
    CHECK(rel < 3e-3);

    memcpy(g, u, nd * sizeof *u);
    struct net_key blk = key;
    switch (w) {
    case W_ATTN:
        net_block_save(&m, blk, x);
        net_attn_backward(&m, blk, g, 1);
        break;
    case W_MLP: {
        /* block_save needs the block input: recover it by saving from the original x */
        float *x0 = scr;
        net_normal(x0, nd, 1.0f, (struct net_key){7, 0, 0}, NET_MAT_INPUT);
        for (size_t i = 0; i < m.d; i++)
            for (size_t t = 1; t < m.n; t++)
                x0[t * m.d + i] = 0.6f * x0[t * m.d + i] + 0.8f * x0[i];
        net_block_save(&m, blk, x0);
        net_mlp_backward(&m, blk, g, 1);
        break;
    }
    case W_TOY: net_toy_backward(&m, blk, x, g, 1); break;
    case W_FINAL:
        net_final_norm(&m, x, scr, 1);
        net_norm_vjp(&a->norm_mlp, x, scr, m.rstd, u, g, m.n, m.d, 1, 0);
        break;
    }
    double lhs = dot(u, tan, nd), rhs = dot(g, v, nd);
    double scale = sqrt(dot(u, u, nd) * den);
    if (!(fabs(lhs - rhs) <= 1e-5 * scale))
        fprintf(stderr, "VJP %s (%s): <u,Jv> = %.8g, <J^T u,v> = %.8g\n", which_name[w], label,
                lhs, rhs);
    CHECK(fabs(lhs - rhs) <= 1e-5 * scale);
    free(buf);
    net_model_free(&m);
}

static void test_jvp_vjp(void)
{
    struct {
        enum sp_fn f;
        double alpha, shift;
        const char *label;
    } norms[] = {{SP_FN_LN, 0, 0, "ln"},
                 {SP_FN_DERF, 0.7, 0.2, "derf 0.7 shift 0.2"},
                 {SP_FN_DYT, 0.5, 0.0, "dyt 0.5"},
                 {SP_FN_IDENTITY, 0, 0, "identity"}};
    for (size_t i = 0; i < 4; i++) {
        struct sp_arch a;
        tiny_arch(&a, norms[i].f, norms[i].alpha, norms[i].shift);
        fd_check(&a, W_ATTN, norms[i].label);
        fd_check(&a, W_MLP, norms[i].label);
        fd_check(&a, W_FINAL, norms[i].label);
        a.mlp_act = SP_ACT_GELU;
        fd_check(&a, W_MLP, "gelu");
    }
    struct sp_arch t;
    sp_arch_default(&t);
    t.model = SP_MODEL_TOY;
    t.width = 16;
    t.sigma_b = 0.3;
    t.mu = 0.9;
    enum sp_fn phis[] = {SP_FN_DERF, SP_FN_DYT, SP_FN_IDENTITY, SP_FN_RELU};
    for (int ln = 0; ln < 2; ln++)
        for (size_t i = 0; i < 4; i++) {
            t.toy_ln = ln;
            t.phi = (struct sp_fnspec){phis[i], 0.8, 0.0};
            char err[128];
            CHECK(sp_arch_resolve(&t, err, sizeof err) == SP_OK);
            fd_check(&t, W_TOY, ln ? "toy pre-LN" : "toy");
        }
}

/* The generator: the SIMD path equals the portable one, the numbers are standard
 * normal (mean 0, variance 1 within 5 standard errors of 10^6 samples). */
static void test_rng(void)
{
    const size_t N = 1000003;
    float *a = malloc(N * sizeof(float)), *b = malloc(N * sizeof(float));
    struct net_key k = {123456789012345ull, 3, 7};
    net_normal(a, N, 1.0f, k, 5);
    net_normal_scalar(b, N, 1.0f, k, 5);
    double maxd = 0.0, s1 = 0.0, s2 = 0.0;
    for (size_t i = 0; i < N; i++) {
        maxd = fmax(maxd, fabs((double)a[i] - (double)b[i]) / (1.0 + fabs((double)b[i])));
        s1 += (double)a[i];
        s2 += (double)a[i] * (double)a[i];
    }
    CHECK(maxd < 1e-5);
    CHECK(fabs(s1 / (double)N) < 5.0 / sqrt((double)N));
    CHECK(fabs(s2 / (double)N - 1.0) < 5.0 * sqrt(2.0 / (double)N));
    /* a sub-range regenerated alone gives the same numbers (on-demand weights) */
    net_normal(b, 37, 1.0f, k, 5);
    CHECK(memcmp(a, b, 37 * sizeof(float)) == 0);
    k.draw = 4;
    net_normal(b, 37, 1.0f, k, 5);
    CHECK(memcmp(a, b, 37 * sizeof(float)) != 0);
    free(a), free(b);
}

/* sgemm against the naive loops, every transpose combination, odd sizes. */
static void test_gemm(void)
{
    const size_t M = 37, N = 29, K = 53;
    float *A = malloc(M * K * sizeof(float)), *B = malloc(K * N * sizeof(float));
    float *C1 = malloc(M * N * sizeof(float)), *C2 = malloc(M * N * sizeof(float));
    net_normal(A, M * K, 1.0f, (struct net_key){3, 0, 0}, 1);
    net_normal(B, K * N, 1.0f, (struct net_key){3, 0, 1}, 1);
    for (int ta = 0; ta < 2; ta++)
        for (int tb = 0; tb < 2; tb++) {
            net_normal(C1, M * N, 1.0f, (struct net_key){3, 0, 2}, 1);
            memcpy(C2, C1, M * N * sizeof(float));
            size_t lda = ta ? M : K, ldb = tb ? K : N;
            net_gemm(ta, tb, M, N, K, 0.7f, A, lda, B, ldb, 0.5f, C1, N);
            net_gemm_naive(ta, tb, M, N, K, 0.7f, A, lda, B, ldb, 0.5f, C2, N);
            double err = 0.0;
            for (size_t i = 0; i < M * N; i++)
                err = fmax(err, fabs((double)C1[i] - (double)C2[i]));
            CHECK(err < 1e-4);
        }
    free(A), free(B), free(C1), free(C2);
}

static void small_opts(struct sp_net_opts *o)
{
    sp_net_opts_default(o);
    o->seeds = 2;
    o->probes = 3;
    o->seed = 11;
    o->sublayers = 1;
}

static int rows_equal(const struct sp_net_row *a, const struct sp_net_row *b, size_t n,
                      double rtol, double atol)
{
    for (size_t i = 0; i < n; i++) {
        const double *x = &a[i].l, *y = &b[i].l;
        for (size_t j = 0; j < sizeof *a / sizeof(double); j++) {
            if (isnan(x[j]) && isnan(y[j]))
                continue;
            if (!(fabs(x[j] - y[j]) <= atol + rtol * fabs(y[j]))) {
                fprintf(stderr, "row %zu field %zu: %.17g vs %.17g\n", i, j, x[j], y[j]);
                return 0;
            }
        }
    }
    return 1;
}

/* Whole measurement: BLAS vs naive kernels; 1 vs 2 threads. */
static void test_blas_threads(void)
{
    struct sp_arch a;
    tiny_arch(&a, SP_FN_DERF, 0.5, 0.0);
    /* width 512: the weight products take the column-tiled path, 8 heads */
    a.tokens = 5, a.width = 512, a.heads = 8, a.depth = 4, a.sigma_q = a.sigma_k = 1.0;
    struct sp_net_opts o;
    small_opts(&o);
    size_t n = sp_net_nrows(&a, &o);
    CHECK(n == 9);
    struct sp_net_row *r1 = calloc(n, sizeof *r1), *r2 = calloc(n, sizeof *r2);
    net_par_min = 0; /* every loop and tile in parallel, even at this size */
    o.threads = 1;
    CHECK(sp_net_measure(&a, &o, r1, n) == SP_OK);
    o.threads = 2;
    CHECK(sp_net_measure(&a, &o, r2, n) == SP_OK);
    CHECK(rows_equal(r1, r2, n, 1e-12, 0.0));
    o.threads = 3;
    CHECK(sp_net_measure(&a, &o, r2, n) == SP_OK);
    CHECK(rows_equal(r1, r2, n, 1e-12, 0.0));
    net_par_min = NET_PAR_MIN;
    o.threads = 2;
    net_naive_gemm = 1;
    CHECK(sp_net_measure(&a, &o, r2, n) == SP_OK);
    net_naive_gemm = 0;
    CHECK(rows_equal(r1, r2, n, 1e-4, 1e-6)); /* standard errors: differences */
    /* the top row: J^{L,L} = 1 (no final norm), grad_amp(L) = 1 */
    CHECK_CLOSE(r1[n - 1].j_bwd, 1.0, 0.35, 0); /* Hutchinson with 3 probes of the identity */
    CHECK_CLOSE(r1[n - 1].grad_amp, 1.0, 1e-12, 0);
    CHECK(r1[0].grad_amp > 0.0);
    /* checkpoint segments do not change anything */
    o.checkpoint = 1;
    CHECK(sp_net_measure(&a, &o, r2, n) == SP_OK);
    /* the checkpoints now come from the batched forward pass, whose sgemm rounds the
     * primal rows differently from a primal-only product in the last bits */
    CHECK(rows_equal(r1, r2, n, 1e-5, 1e-8));
    o.checkpoint = 0;
    free(r1), free(r2);
}

/* Exact ||J||_F^2 / (n d) by n d basis tangents against Hutchinson (SPEC 4). */
static void test_exact_jacobian(enum sp_fn norm, double alpha)
{
    struct sp_arch a;
    tiny_arch(&a, norm, alpha, 0.0);
    a.tokens = 2, a.width = 4, a.heads = 1, a.depth = 3;
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    o.probes = 1500;
    o.seed = 5;
    const size_t L = 3, n = 2, d = 4, nd = n * d, B = nd + 1;
    struct net_model m;
    CHECK(net_model_init(&m, &a, B) == SP_OK);
    float *X = calloc(B * nd, sizeof(float));
    double R[8], exact_fwd[4], exact_bwd[4], exact_grad0 = 0.0;
    for (size_t l0 = 0; l0 <= L; l0++) {
        CHECK(net_make_input(&a, &o, (struct net_key){o.seed, 0, 0}, n, d, X, R) == SP_OK);
        for (size_t l = 0; l < l0; l++) {
            struct net_key k = {o.seed, 0, (uint32_t)l};
            net_attn_forward(&m, k, X, 1, 0);
            net_mlp_forward(&m, k, X, 1, 0);
        }
        memset(X + nd, 0, nd * nd * sizeof(float));
        for (size_t i = 0; i < nd; i++)
            X[(i + 1) * nd + i] = 1.0f;
        for (size_t l = l0; l < L; l++) {
            struct net_key k = {o.seed, 0, (uint32_t)l};
            net_attn_forward(&m, k, X, B, 0);
            net_mlp_forward(&m, k, X, B, 0);
            if (l0 == 0)
                exact_fwd[l + 1] = dot(X + nd, X + nd, nd * nd) / (double)nd;
        }
        if (l0 == 0) { /* the loss gradient (net.h's loss, written again here) pulled back
                        * by the exact Jacobian: grad_amp(0) without any probe noise */
            enum { C = SP_NET_CLASSES };
            struct net_key k0 = {o.seed, 0, 0};
            float W[4 * C];
            net_normal(W, d * C, (float)(1.0 / sqrt((double)d)), k0, NET_MAT_HEAD);
            double f[4], z[C], mx = -1e300, zs = 0.0, gL[8], g0sq = 0.0, gLsq = 0.0;
            for (size_t j = 0; j < d; j++)
                f[j] = 0.5 * ((double)X[j] + (double)X[d + j]);
            for (int c = 0; c < C; c++) {
                z[c] = 0.0;
                for (size_t j = 0; j < d; j++)
                    z[c] += f[j] * (double)W[j * C + (size_t)c];
                mx = fmax(mx, z[c]);
            }
            for (int c = 0; c < C; c++)
                zs += (z[c] = exp(z[c] - mx));
            uint32_t label = net_uint32(k0, NET_MAT_LABEL, 0) % C;
            for (size_t j = 0; j < d; j++) {
                double g = 0.0;
                for (int c = 0; c < C; c++)
                    g += (double)W[j * C + (size_t)c] * (z[c] / zs - ((uint32_t)c == label));
                gL[j] = gL[d + j] = g / (double)n;
            }
            for (size_t i = 0; i < nd; i++) {
                double gi = 0.0;
                for (size_t kk = 0; kk < nd; kk++)
                    gi += (double)X[(i + 1) * nd + kk] * gL[kk];
                g0sq += gi * gi;
                gLsq += gL[i] * gL[i];
            }
            exact_grad0 = g0sq / gLsq;
        }
        exact_bwd[l0] = dot(X + nd, X + nd, nd * nd) / (double)nd;
    }
    exact_fwd[0] = 1.0;
    struct sp_net_row rows[4];
    CHECK(sp_net_measure(&a, &o, rows, 4) == SP_OK);
    for (size_t l = 0; l <= L; l++) {
        CHECK_CLOSE(rows[l].j_fwd, exact_fwd[l], 4.0 * rows[l].j_fwd_se, 0);
        CHECK_CLOSE(rows[l].j_bwd, exact_bwd[l], 4.0 * rows[l].j_bwd_se, 0);
        CHECK(rows[l].j_fwd_se < 0.05 * exact_fwd[l]);
    }
    CHECK_CLOSE(exact_fwd[L], exact_bwd[0], 1e-5, 1e-5); /* the same Jacobian */
    CHECK_CLOSE(rows[0].grad_amp, exact_grad0, 0, 1e-4);
    CHECK_CLOSE(rows[L].grad_amp, 1.0, 0, 1e-12);
    free(X);
    net_model_free(&m);
}

static void test_workspace_and_inputs(void)
{
    struct sp_arch a;
    sp_arch_default(&a);
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    o.measure = SP_MEASURE_FWD;
    a.depth = 16;
    double b16 = sp_net_workspace_bytes(&a, &o);
    a.depth = 4096;
    CHECK(sp_net_workspace_bytes(&a, &o) == b16); /* forward mode: flat in depth */
    CHECK(b16 < 160e6);                           /* blog2 forward APJN: < 1/50 of PyTorch */
    o.measure = SP_MEASURE_ALL;
    double big = sp_net_workspace_bytes(&a, &o);
    a.depth = 16;
    double small = sp_net_workspace_bytes(&a, &o);
    /* reverse mode: checkpoints grow as sqrt(L): 2 sqrt(4096) vs 2 sqrt(16) stream copies */
    double stream = 197.0 * 1024.0 * 4.0;
    CHECK(big - small <= (2.0 * 64.0 - 2.0 * 4.0 + 2.0) * stream);

    /* equiangular input: exact q0, p0 (SPEC 4) */
    a.tokens = 7, a.width = 16, a.q0 = 2.0, a.p0 = 0.5;
    float x[7 * 16];
    double R[7 * 16];
    CHECK(net_make_input(&a, &o, (struct net_key){9, 0, 0}, 7, 16, x, R) == SP_OK);
    for (size_t i = 0; i < 7; i++)
        for (size_t j = 0; j < 7; j++)
            CHECK_CLOSE(dot(x + i * 16, x + j * 16, 16) / 16.0, i == j ? 2.0 : 0.5, 1e-5, 1e-5);
    a.tokens = 17; /* n > d */
    CHECK(net_make_input(&a, &o, (struct net_key){9, 0, 0}, 17, 16, x, R) == SP_EINVAL);
    o.input = SP_INPUT_GAUSSIAN;
    a.p0 = -0.1;
    CHECK(net_make_input(&a, &o, (struct net_key){9, 0, 0}, 7, 16, x, R) == SP_EINVAL);
}

/* Finite network against the theory (version A with softmax attention) at a size
 * the tests can afford: J^{L,0}, J^{L,0} by reverse mode, and q^L. */
static void test_theory_agreement(enum sp_fn norm, double alpha)
{
    struct sp_arch a;
    sp_arch_default(&a);
    int va;
    sp_preset_apply("blog2", &a, &va);
    a.norm_attn = a.norm_mlp = (struct sp_fnspec){norm, alpha, 0.0};
    a.width = SANITIZED ? 128 : 256;
    a.tokens = SANITIZED ? 16 : 32;
    a.heads = 4;
    a.depth = 16;
    char err[256];
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    struct sp_theory_opts to;
    sp_theory_opts_version_a(&to);
    struct sp_theory_row th[17];
    CHECK(sp_theory_run(&a, &to, th, 17) == SP_OK);
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    o.seeds = SANITIZED ? 2 : 4;
    o.probes = 3;
    o.seed = 2026;
    o.measure = SP_MEASURE_FWD | SP_MEASURE_BWD;
    /* one thread: OpenMP's and OpenBLAS's pools spinning against each other on a
     * loaded 2-core machine cost more than the second core gains at this size */
    o.threads = 1;
    struct sp_net_row r[17];
    CHECK(sp_net_measure(&a, &o, r, 17) == SP_OK);
    const double tol = SANITIZED ? 0.10 : 0.05;
    double jf = exp(th[16].log_jfwd), jb = exp(th[0].log_jbwd);
    fprintf(stderr, "theory agreement %s: J^{16,0} measured %.4g +- %.2g (bwd %.4g +- %.2g), "
            "theory %.4g; q^16 %.4g vs %.4g\n", sp_fn_name(norm), r[16].j_fwd, r[16].j_fwd_se,
            r[0].j_bwd, r[0].j_bwd_se, jf, r[16].q, th[16].q);
    CHECK_CLOSE(r[16].j_fwd, jf, 3.0 * r[16].j_fwd_se, tol);
    CHECK_CLOSE(r[0].j_bwd, jb, 3.0 * r[0].j_bwd_se, tol);
    CHECK_CLOSE(r[8].j_fwd, exp(th[8].log_jfwd), 3.0 * r[8].j_fwd_se, tol);
    CHECK_CLOSE(r[16].q, th[16].q, 3.0 * r[16].q_se, tol);
    CHECK_CLOSE(r[16].p, th[16].p, 3.0 * r[16].p_se, tol);
}

#include <time.h>
static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}
#define RUN(call) do { double t0_ = now(); call; fprintf(stderr, "%-45s %.2f s\n", #call, now() - t0_); } while (0)

int main(void)
{
    RUN(test_rng());
    RUN(test_gemm());
    RUN(test_jvp_vjp());
    RUN(test_blas_threads());
    RUN(test_exact_jacobian(SP_FN_LN, 0.0));
    RUN(test_exact_jacobian(SP_FN_DERF, 0.5));
    RUN(test_workspace_and_inputs());
    RUN(test_theory_agreement(SP_FN_LN, 0.0));
    RUN(test_theory_agreement(SP_FN_DERF, 0.5));
    return check_done();
}
