/* Tests of the build-level pieces: the one CPU policy (sp_cpu_isa and SP_SIMD in
 * every dispatcher, the weight generator included), OpenBLAS's thread count left
 * as the caller set it, SP_ASSERT, sp_abi_sizeof and sp_build_features. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "net/net_internal.h"
#include "sigprop.h"
#include "sp_assert.h"
#include "sp_config.h"
#if SP_HAVE_BLAS
#include <cblas.h>
#endif

static void test_policy(void)
{
    unsetenv("SP_SIMD");
    enum sp_isa best = sp_cpu_best_isa();
    CHECK(sp_cpu_isa() == best);
    CHECK(sp_cpu_isa_check() == SP_OK);
    CHECK(SP_HAVE_X86_SIMD || best == SP_ISA_SCALAR);
    setenv("SP_SIMD", "scalar", 1);
    CHECK(sp_cpu_isa() == SP_ISA_SCALAR);
    CHECK(sp_cpu_isa_check() == SP_OK);
    setenv("SP_SIMD", "avx2", 1);
    CHECK(sp_cpu_isa() == (best < SP_ISA_AVX2 ? best : SP_ISA_AVX2));
    CHECK((sp_cpu_isa_check() == SP_OK) == (best >= SP_ISA_AVX2));
    setenv("SP_SIMD", "avx512", 1);
    CHECK(sp_cpu_isa() == best); /* never above what the CPU has */
    if (best < SP_ISA_AVX512) {
        sp_last_error_clear();
        CHECK(sp_cpu_isa_check() == SP_EUNSUPPORTED);
        CHECK(strstr(sp_last_error(), "SP_SIMD=avx512") != NULL);
    }
    setenv("SP_SIMD", "neon", 1);
    CHECK(sp_cpu_isa() == best); /* unknown: ignored by the kernels, refused by the check */
    CHECK(sp_cpu_isa_check() == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "'neon'") != NULL);
    unsetenv("SP_SIMD");
    CHECK(!strcmp(sp_isa_name(SP_ISA_SCALAR), "scalar"));
    CHECK(!strcmp(sp_isa_name(SP_ISA_AVX2), "avx2"));
    CHECK(!strcmp(sp_isa_name(SP_ISA_AVX512), "avx512"));
}

/* The weight generator follows SP_SIMD like the theory kernels (it used to probe
 * the CPU on its own): SP_SIMD=scalar gives exactly net_normal_scalar, and the
 * SIMD path agrees with it to the documented ~1e-6. */
static void test_rng_follows_policy(void)
{
    enum { N = 4099 };
    float *simd = malloc(N * sizeof *simd), *sc = malloc(N * sizeof *sc);
    float *ref = malloc(N * sizeof *ref);
    struct net_key key = {12345u, 2u, 7u};
    net_normal_scalar(ref, N, 0.5f, key, 3u);
    unsetenv("SP_SIMD");
    net_normal(simd, N, 0.5f, key, 3u);
    setenv("SP_SIMD", "scalar", 1);
    net_normal(sc, N, 0.5f, key, 3u);
    unsetenv("SP_SIMD");
    CHECK(memcmp(sc, ref, N * sizeof *sc) == 0);
    double worst = 0.0;
    for (int i = 0; i < N; i++)
        worst = fmax(worst, fabs((double)simd[i] - (double)ref[i]));
    CHECK(worst <= 1e-5);
    free(simd);
    free(sc);
    free(ref);
}

static void test_blas_threads_restored(void)
{
#if SP_HAVE_BLAS
    struct sp_arch a;
    sp_arch_default(&a);
    a.depth = 2, a.width = 64, a.tokens = 8;
    char err[128];
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    o.probes = 1;
    size_t n = sp_net_nrows(&a, &o);
    struct sp_net_row *rows = malloc(n * sizeof *rows);
    openblas_set_num_threads(2);
    int before = openblas_get_num_threads();
    CHECK(sp_net_measure(&a, &o, rows, n) == SP_OK);
    CHECK(openblas_get_num_threads() == before); /* was left at 1 */
    CHECK(sp_net_gemm_rate(&a, &o) > 0.0);
    CHECK(openblas_get_num_threads() == before);
    free(rows);
#else
    struct sp_arch a;
    sp_arch_default(&a);
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    sp_last_error_clear();
    CHECK(sp_net_measure(&a, &o, NULL, 0) == SP_EUNSUPPORTED);
    CHECK(strstr(sp_last_error(), "OpenBLAS") != NULL);
#endif
}

static enum sp_status guarded(int x)
{
    SP_ASSERT(x > 0);
    return SP_OK;
}

static void test_assert_and_abi(void)
{
    CHECK(guarded(1) == SP_OK);
    sp_last_error_clear();
    CHECK(guarded(0) == SP_ENUMERIC);
    CHECK(strstr(sp_last_error(), "internal error: x > 0") != NULL);
    CHECK(sp_abi_sizeof("sp_arch") == sizeof(struct sp_arch));
    CHECK(sp_abi_sizeof("sp_net_opts") == sizeof(struct sp_net_opts));
    CHECK(sp_abi_sizeof("sp_fit_result") == sizeof(struct sp_fit_result));
    CHECK(sp_abi_sizeof("sp_nothing") == 0);
    CHECK(sp_abi_sizeof(NULL) == 0);
    const char *f = sp_build_features();
    CHECK((strstr(f, "openblas") != NULL) == SP_HAVE_BLAS);
    CHECK((strstr(f, "plplot") != NULL) == SP_HAVE_PLOT);
    CHECK((strstr(f, "mpi") != NULL) == SP_HAVE_MPI);
}

int main(void)
{
    test_policy();
    test_rng_follows_policy();
    test_blas_threads_restored();
    test_assert_and_abi();
    return check_done();
}
