/* Philox4x32-10 and Box-Muller, eight counters at a time (AVX2 + SLEEF); the same
 * counter layout as rng.c, so element i still depends only on (key, matrix, i).
 * (rng_avx512.c gives the same bits sixteen counters at a time.)
 * Every counter, the tail included, goes through this path, so the numbers do
 * not depend on how the range is split between threads. (SLEEF's log and sincos
 * may differ from libm's in the last bit: a machine without AVX2 draws weights
 * that differ at the 1e-7 level, still independent of the thread count.) */
#include <immintrin.h>
#include <sleef.h>

#include "net/net_internal.h"

static inline __m256i mulhi32(__m256i a, __m256i m)
{
    __m256i even = _mm256_mul_epu32(a, m);
    __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(a, 32), m);
    return _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
}

void net_normal_avx2(float *out, size_t count, float scale, struct net_key key, uint32_t mat)
{
    const long ncounters = (long)((count + 3) / 4), ngroups = (ncounters + 7) / 8;
#pragma omp parallel for schedule(static) if (NET_PAR(count * 8))
    for (long g = 0; g < ngroups; g++) {
        const __m256i M0 = _mm256_set1_epi32((int)0xD2511F53u), M1 = _mm256_set1_epi32((int)0xCD9E8D57u);
        __m256i c0 = _mm256_add_epi32(_mm256_set1_epi32((int)(uint32_t)(g * 8)),
                                      _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
        __m256i c1 = _mm256_set1_epi32((int)key.block), c2 = _mm256_set1_epi32((int)mat);
        __m256i c3 = _mm256_set1_epi32((int)key.draw);
        uint32_t k0 = (uint32_t)key.seed, k1 = (uint32_t)(key.seed >> 32);
        for (int r = 0; r < 10; r++) {
            __m256i lo0 = _mm256_mullo_epi32(c0, M0), hi0 = mulhi32(c0, M0);
            __m256i lo1 = _mm256_mullo_epi32(c2, M1), hi1 = mulhi32(c2, M1);
            __m256i kk0 = _mm256_set1_epi32((int)k0), kk1 = _mm256_set1_epi32((int)k1);
            c0 = _mm256_xor_si256(_mm256_xor_si256(hi1, c1), kk0);
            c1 = lo1;
            c2 = _mm256_xor_si256(_mm256_xor_si256(hi0, c3), kk1);
            c3 = lo0;
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        /* Box-Muller on 24-bit uniforms, as rng.c */
        const __m256 inv24 = _mm256_set1_ps(1.0f / 16777216.0f), half = _mm256_set1_ps(0.5f);
        const __m256 m2 = _mm256_set1_ps(-2.0f), two_pi = _mm256_set1_ps(6.28318530717958647692f);
        __m256 z[4];
        __m256i w[4] = {c0, c1, c2, c3};
        for (int p = 0; p < 2; p++) {
            __m256 u1 = _mm256_mul_ps(
                _mm256_add_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w[2 * p], 8)), half), inv24);
            __m256 u2 = _mm256_mul_ps(_mm256_cvtepi32_ps(_mm256_srli_epi32(w[2 * p + 1], 8)), inv24);
            __m256 rr = _mm256_sqrt_ps(_mm256_mul_ps(m2, Sleef_logf8_u10avx2(u1)));
            Sleef___m256_2 sc = Sleef_sincosf8_u10avx2(_mm256_mul_ps(two_pi, u2));
            z[2 * p] = _mm256_mul_ps(_mm256_set1_ps(scale), _mm256_mul_ps(rr, sc.y)); /* .y = cos */
            z[2 * p + 1] = _mm256_mul_ps(_mm256_set1_ps(scale), _mm256_mul_ps(rr, sc.x));
        }
        float t[4][8];
        for (int j = 0; j < 4; j++)
            _mm256_storeu_ps(t[j], z[j]);
        size_t base = (size_t)g * 32;
        if (base + 32 <= count) {
            for (int lane = 0; lane < 8; lane++)
                for (int j = 0; j < 4; j++)
                    out[base + 4 * (size_t)lane + (size_t)j] = t[j][lane];
        } else {
            for (int lane = 0; lane < 8; lane++)
                for (int j = 0; j < 4; j++) {
                    size_t i = base + 4 * (size_t)lane + (size_t)j;
                    if (i < count)
                        out[i] = t[j][lane];
                }
        }
    }
}
