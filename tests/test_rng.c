/* The weight generator's AVX-512 path (src/net/rng_avx512.c) gives the bits of its
 * AVX2 path (rng_avx2.c), so every measured number in docs/ and tests/data/golden
 * stays what it was on machines with either ISA:
 * - SLEEF's avx512f logf/sincosf u10 equal its avx2 ones on every input the
 *   Box-Muller step can give them (2^24 uniforms each, exhaustively);
 * - the two paths agree bit for bit over many keys, matrix ids and counts (odd
 *   ones, every partial-group length), write nothing past count, and a prefix
 *   regenerated alone is the prefix of the long range (the partial last group is
 *   no separate code path);
 * - the numbers do not depend on the thread count (every loop forced parallel).
 * Skips (77) without AVX-512. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "check.h"
#include "net/net_internal.h"
#include "sigprop/cpu.h"
#include "sp_config.h"

#if SP_HAVE_X86_SIMD && defined(__GNUC__) && !defined(__clang__)
#define HAVE_DOMAIN_CHECK 1
#include <immintrin.h>
#pragma GCC push_options
#pragma GCC target("avx2,fma,avx512f")
#include <sleef.h>

/* Box-Muller's arguments for 24-bit integers k .. k+15: u1 = (k + 1/2) 2^-24
 * (logf) and 2 pi k 2^-24 (sincosf), as rng_avx2.c forms them; the counts of
 * results whose bits differ between the avx2 and avx512f SLEEF functions. */
static void domain_block(uint32_t k, long *dlog, long *dsin, long *dcos)
{
    __m512i kv = _mm512_add_epi32(_mm512_set1_epi32((int)k),
                                  _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15));
    __m512 kf = _mm512_cvtepi32_ps(kv), inv24 = _mm512_set1_ps(1.0f / 16777216.0f);
    __m512 u1 = _mm512_mul_ps(_mm512_add_ps(kf, _mm512_set1_ps(0.5f)), inv24);
    __m512 th = _mm512_mul_ps(_mm512_set1_ps(6.28318530717958647692f), _mm512_mul_ps(kf, inv24));
    float a[3][16], b[3][16], x[2][16];
    _mm512_storeu_ps(x[0], u1);
    _mm512_storeu_ps(x[1], th);
    _mm512_storeu_ps(b[0], Sleef_logf16_u10avx512f(u1));
    Sleef___m512_2 s16 = Sleef_sincosf16_u10avx512f(th);
    _mm512_storeu_ps(b[1], s16.x);
    _mm512_storeu_ps(b[2], s16.y);
    for (int h = 0; h < 2; h++) {
        _mm256_storeu_ps(a[0] + 8 * h, Sleef_logf8_u10avx2(_mm256_loadu_ps(x[0] + 8 * h)));
        Sleef___m256_2 s8 = Sleef_sincosf8_u10avx2(_mm256_loadu_ps(x[1] + 8 * h));
        _mm256_storeu_ps(a[1] + 8 * h, s8.x);
        _mm256_storeu_ps(a[2] + 8 * h, s8.y);
    }
    for (int j = 0; j < 16; j++) {
        *dlog += memcmp(&a[0][j], &b[0][j], sizeof(float)) != 0;
        *dsin += memcmp(&a[1][j], &b[1][j], sizeof(float)) != 0;
        *dcos += memcmp(&a[2][j], &b[2][j], sizeof(float)) != 0;
    }
}
#pragma GCC pop_options

static void test_sleef_domain(void)
{
    long dlog = 0, dsin = 0, dcos = 0;
    for (uint32_t k = 0; k < (1u << 24); k += 16)
        domain_block(k, &dlog, &dsin, &dcos);
    CHECK(dlog == 0);
    CHECK(dsin == 0);
    CHECK(dcos == 0);
}
#endif

#if SP_HAVE_X86_SIMD
/* The two paths on count normals of (key, mat): equal bits, and neither writes
 * the canary past count. */
static int same_bits(size_t count, struct net_key key, uint32_t mat, float *a, float *b)
{
    const size_t pad = 80;
    for (size_t i = 0; i < count + pad; i++)
        a[i] = b[i] = -1234.5f;
    net_normal_avx2(a, count, 0.37f, key, mat);
    net_normal_avx512(b, count, 0.37f, key, mat);
    int ok = memcmp(a, b, count * sizeof(float)) == 0;
    for (size_t i = count; i < count + pad; i++)
        ok = ok && a[i] == -1234.5f && b[i] == -1234.5f;
    return ok;
}

static void test_avx512_equals_avx2(void)
{
    const size_t big = 1u << 21;
    float *a = malloc((big + 80) * sizeof(float)), *b = malloc((big + 80) * sizeof(float));
    float *c = malloc((big + 80) * sizeof(float));
    /* every length through two full groups of either path (64 and 32 normals) */
    struct net_key k0 = {0x0123456789abcdefull, 5u, 9u};
    for (size_t n = 0; n <= 200; n++)
        CHECK(same_bits(n, k0, NET_MAT_W1, a, b));
    /* many keys (seeds using both words, draws, blocks, matrix ids), odd counts */
    uint64_t s = 88172645463325252ull;
    for (int t = 0; t < 60; t++) {
        s ^= s << 13, s ^= s >> 7, s ^= s << 17; /* xorshift64 */
        struct net_key k = {s, (uint32_t)(s >> 40) % 7u, (uint32_t)(s >> 20) % 1000u};
        size_t n = 1 + (size_t)(s % 40000u) * 2; /* odd */
        CHECK(same_bits(n, k, (uint32_t)(1 + t % 15), a, b));
    }
    /* one long range (2^19 counters), and every-sized prefix of it is regenerated alone */
    CHECK(same_bits(big, (struct net_key){42u, 1u, 31u}, NET_MAT_W2, a, b));
    for (size_t n = 1; n < 5000; n += 37) {
        net_normal_avx512(c, n, 0.37f, (struct net_key){42u, 1u, 31u}, NET_MAT_W2);
        CHECK(memcmp(c, b, n * sizeof(float)) == 0);
    }
    free(a), free(b), free(c);
}

/* 1, 2 and 3 threads, every loop parallel (net_par_min = 0): the same bits, and
 * net_normal (the dispatcher) gives them whatever SP_SIMD says among the SIMD ISAs. */
static void test_thread_independence(void)
{
    const size_t n = 300007;
    float *ref = malloc(n * sizeof(float)), *x = malloc(n * sizeof(float));
    struct net_key k = {987654321987ull, 2u, 3u};
    size_t saved = net_par_min;
    net_par_min = 0;
    omp_set_num_threads(1);
    net_normal_avx2(ref, n, 1.0f, k, NET_MAT_QKV);
    for (int t = 1; t <= 3; t++) {
        omp_set_num_threads(t);
        net_normal_avx512(x, n, 1.0f, k, NET_MAT_QKV);
        CHECK(memcmp(x, ref, n * sizeof(float)) == 0);
        net_normal_avx2(x, n, 1.0f, k, NET_MAT_QKV);
        CHECK(memcmp(x, ref, n * sizeof(float)) == 0);
    }
    static const char *isa[] = {"avx512", "avx2"};
    for (int i = 0; i < 2; i++) {
        setenv("SP_SIMD", isa[i], 1);
        net_normal(x, n, 1.0f, k, NET_MAT_QKV);
        CHECK(memcmp(x, ref, n * sizeof(float)) == 0);
    }
    unsetenv("SP_SIMD");
    net_par_min = saved;
    omp_set_num_threads(2);
    free(ref), free(x);
}

#endif

int main(void)
{
    if (!SP_HAVE_X86_SIMD || sp_cpu_best_isa() < SP_ISA_AVX512) {
        printf("test_rng: no AVX-512 on this CPU or build, skipped\n");
        return 77;
    }
#if SP_HAVE_X86_SIMD
#ifdef HAVE_DOMAIN_CHECK
    test_sleef_domain();
#endif
    test_avx512_equals_avx2();
    test_thread_independence();
#endif
    return check_done();
}
