/* Tests of the DyT alpha-sweep kernel (src/theory/sweep_dyt_kernel.h): the
 * fast sweep against the scalar path (sp_theory_sweep_alpha_scalar, i.e.
 * sp_theory_run per alpha with the tabulated maps of quad_table.c) for every
 * theory version, both kernels (AVX-512, AVX2) and 1 or 2 threads, to 1e-12
 * relative in log J^{l,0} at every block and in q^L, and bit for bit the same
 * with 1 and 2 threads. The reference is the library's own scalar path: the
 * kernel evaluates the same table with the same formulas, so only rounding
 * may differ. Also: negative correlations
 * (the odd-symmetry branch), alphas outside the table (the scalar fallback),
 * and the cases that must not take the kernel. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "check.h"
#include "sigprop.h"
#include "theory/sweep_dyt.h"

static struct sp_arch blog2_dyt(int depth)
{
    struct sp_arch a;
    int va;
    char err[256];
    sp_arch_default(&a);
    sp_preset_apply("blog2", &a, &va);
    a.norm_attn = a.norm_mlp = (struct sp_fnspec){SP_FN_DYT, 0.5, 0.0};
    a.depth = depth;
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    return a;
}

/* Largest relative deviation of the fast sweep from the scalar path, for the
 * SIMD kernels the CPU has and 1 and 2 threads; -1 when a sweep fails. */
static double worst_dev(const struct sp_arch *a, const struct sp_theory_opts *o, const double *al,
                        const double *am, size_t n)
{
    size_t L1 = (size_t)a->depth + 1;
    double *ref = malloc(n * L1 * sizeof *ref), *lj = malloc(n * L1 * sizeof *lj);
    double *qr = malloc(n * sizeof *qr), *ql = malloc(n * sizeof *ql), worst = 0.0;
    double *lj1 = malloc(n * L1 * sizeof *lj1);
    CHECK(ref && lj && qr && ql && lj1);
    if (sp_theory_sweep_alpha_scalar(a, o, al, am, n, ref, qr) != SP_OK)
        worst = -1.0;
    static const char *isa[] = {"avx512", "avx2"};
    for (int k = 0; k < 2 && worst >= 0.0; k++)
        for (int threads = 1; threads <= 2 && worst >= 0.0; threads++) {
            setenv("SP_SIMD", isa[k], 1);
            omp_set_num_threads(threads);
            for (size_t i = 0; i < n * L1; i++)
                lj[i] = (double)NAN;
            /* the kernel itself (SP_EUNSUPPORTED on a CPU without AVX2), then the dispatcher */
            enum sp_status s = sp_sweep_dyt(a, o, al, am, n, lj, ql);
            if (s == SP_EUNSUPPORTED)
                s = sp_theory_sweep_alpha(a, o, al, am, n, lj, ql);
            if (s != SP_OK) {
                worst = -1.0;
                break;
            }
            for (size_t i = 0; i < n * L1; i++)
                worst = fmax(worst, fabs(lj[i] - ref[i]) / fmax(fabs(ref[i]), 1e-300));
            /* the thread count changes nothing, not even the last bit */
            if (threads == 1)
                memcpy(lj1, lj, n * L1 * sizeof *lj);
            else
                CHECK(memcmp(lj1, lj, n * L1 * sizeof *lj) == 0);
            for (size_t i = 0; i < n; i++)
                worst = fmax(worst, fabs(ql[i] - qr[i]) / qr[i]);
            CHECK(sp_theory_sweep_alpha(a, o, al, am, n, lj, ql) == SP_OK);
            for (size_t i = 0; i < n; i++)
                worst = fmax(worst, fabs(ql[i] - qr[i]) / qr[i]);
        }
    unsetenv("SP_SIMD");
    omp_set_num_threads(2);
    free(ref);
    free(lj);
    free(qr);
    free(ql);
    free(lj1);
    return worst;
}

/* Every theory version over alphas from 0.01 to 5 (attention and MLP differ),
 * 300 blocks; 21 alphas: not a multiple of either vector width. */
static void test_versions(void)
{
    struct sp_arch a = blog2_dyt(300);
    struct sp_theory_opts ov[4];
    sp_theory_opts_version_a(&ov[0]);
    sp_theory_opts_version_c(&ov[1]);
    sp_theory_opts_version_c(&ov[2]);
    ov[2].attention = SP_ATTN_UNIFORM_EXACT;
    ov[2].cn_exact = 1;
    sp_theory_opts_version_a(&ov[3]);
    ov[3].apjn = SP_APJN_TWO_CHANNEL;
    enum { N = 21 };
    double al[N], am[N];
    for (size_t i = 0; i < N; i++) {
        al[i] = 0.01 + 0.2495 * (double)i; /* 0.01 .. 5 */
        am[i] = 5.0 - 0.2495 * (double)i;  /* 5 .. 0.01 */
    }
    for (int v = 0; v < 4; v++) {
        double w = worst_dev(&a, &ov[v], al, am, N);
        if (!(w >= 0.0 && w <= 1e-12))
            fprintf(stderr, "version %d: worst relative deviation %.3e\n", v, w);
        CHECK(w >= 0.0 && w <= 1e-12);
    }
    /* one alpha array only (the other norm keeps a's alpha) */
    CHECK_CLOSE(worst_dev(&a, &ov[0], al, NULL, N), 0.0, 1e-12, 0.0);
    CHECK_CLOSE(worst_dev(&a, &ov[1], NULL, am, N), 0.0, 1e-12, 0.0);
}

/* A negative initial correlation: the first sublayers take the odd-symmetry
 * branch (pt(-p) = -pt(p)) and the r < 0.6 panels. */
static void test_negative_p(void)
{
    struct sp_arch a = blog2_dyt(200);
    a.p0 = -0.4 * a.q0;
    struct sp_theory_opts o[2];
    sp_theory_opts_version_a(&o[0]);
    sp_theory_opts_version_c(&o[1]);
    double al[9] = {0.01, 0.1, 0.3, 0.7, 1.0, 1.5, 2.5, 4.0, 5.0};
    for (int v = 0; v < 2; v++)
        CHECK_CLOSE(worst_dev(&a, &o[v], al, al, 9), 0.0, 1e-12, 0.0);
}

/* Alphas whose alpha^2 q leaves the table ([9e-9, 1.1e8]) take the scalar
 * path (the accurate quadrature) for their whole group; the others still agree. */
static void test_outside_table(void)
{
    struct sp_arch a = blog2_dyt(3);
    struct sp_theory_opts o;
    sp_theory_opts_version_a(&o);
    double al[10] = {0.5, 3e4, 1.0, 2.0, 0.2, 1e-5, 0.7, 0.9, 1.1, 4.0};
    CHECK_CLOSE(worst_dev(&a, &o, al, al, 10), 0.0, 1e-12, 0.0);
}

/* What the kernel must refuse: non-positive or non-finite alphas (the scalar
 * path's error), shifted tanh, erf norms, the toy model. */
static void test_applies(void)
{
    struct sp_arch a = blog2_dyt(10);
    double good[3] = {0.1, 1.0, 2.0}, bad[3] = {0.1, -1.0, 2.0}, nan3[3] = {0.1, (double)NAN, 1.0};
    int simd = sp_sweep_dyt_applies(&a, good, good, 3);
    CHECK(!sp_sweep_dyt_applies(&a, bad, good, 3));
    CHECK(!sp_sweep_dyt_applies(&a, good, nan3, 3));
    struct sp_arch b = a;
    b.norm_attn.shift = 0.1;
    CHECK(!sp_sweep_dyt_applies(&b, good, good, 3));
    b = a;
    b.norm_mlp.kind = SP_FN_DERF;
    CHECK(!sp_sweep_dyt_applies(&b, good, good, 3));
    setenv("SP_SIMD", "scalar", 1);
    CHECK(!sp_sweep_dyt_applies(&a, good, good, 3));
    unsetenv("SP_SIMD");
    CHECK(sp_sweep_dyt_applies(&a, good, good, 3) == simd);
    struct sp_theory_opts o;
    sp_theory_opts_version_a(&o);
    double lj[3 * 11], ql[3];
    CHECK(sp_sweep_dyt(&a, &o, bad, good, 3, lj, ql) == SP_EUNSUPPORTED);
    /* the dispatcher answers them as the scalar path does (the quadrature refuses alpha <= 0) */
    enum sp_status s = sp_theory_sweep_alpha_scalar(&a, &o, bad, good, 3, lj, ql);
    CHECK(s != SP_OK);
    CHECK(sp_theory_sweep_alpha(&a, &o, bad, good, 3, lj, ql) == s);
}

int main(void)
{
    test_applies();
    test_versions();
    test_negative_p();
    test_outside_table();
    return check_done();
}
