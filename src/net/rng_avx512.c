/* Philox4x32-10 and Box-Muller, sixteen counters at a time (AVX-512F + SLEEF),
 * bit for bit the numbers of rng_avx2.c (tests/test_net.c test_rng_avx512):
 * - the rounds keep each 32-bit word in the low half of a 64-bit lane, eight
 *   counters per register, so one _mm512_mul_epu32 gives the low and the high
 *   word of the product (the AVX2 path needs mullo plus two mul_epu32), and the
 *   two xors with the key are one ternary-logic op;
 * - SLEEF's avx512f logf/sincosf u10 return the bits of its avx2 ones (checked
 *   over every input Box-Muller can give them, 2^24 each, in the test);
 * - register lane 4m + j holds counter 4j + m of the group, so that after
 *   Box-Muller an in-lane 4x4 transpose (eight unpacks) leaves output vector j
 *   holding counters 4j..4j+3 in order; the partial last group is a masked store,
 *   so every counter, the tail included, goes through this one path. */
#include <immintrin.h>
#include <sleef.h>

#include "net/net_internal.h"

/* One Philox round for eight counters: x0..x3 hold the words in the low halves. */
#define PHILOX_ROUND(x0, x1, x2, x3, kk0, kk1)                                          \
    do {                                                                               \
        __m512i p0 = _mm512_mul_epu32(x0, M0), p1 = _mm512_mul_epu32(x2, M1);          \
        x0 = _mm512_ternarylogic_epi32(_mm512_srli_epi64(p1, 32), x1, kk0, 0x96);      \
        x1 = p1;                                                                       \
        x2 = _mm512_ternarylogic_epi32(_mm512_srli_epi64(p0, 32), x3, kk1, 0x96);      \
        x3 = p0;                                                                       \
    } while (0)

void net_normal_avx512(float *out, size_t count, float scale, struct net_key key, uint32_t mat)
{
    const long ncounters = (long)((count + 3) / 4), ngroups = (ncounters + 15) / 16;
#pragma omp parallel for schedule(static) if (NET_PAR(count * 8))
    for (long g = 0; g < ngroups; g++) {
        const __m512i M0 = _mm512_set1_epi64(0xD2511F53u), M1 = _mm512_set1_epi64(0xCD9E8D57u);
        /* counters of lanes 0, 2, .., 14 (e) and 1, 3, .., 15 (o): lane 4m + j has 4j + m */
        __m512i base = _mm512_set1_epi64((long long)(uint32_t)(g * 16));
        __m512i e0 = _mm512_add_epi64(base, _mm512_setr_epi64(0, 8, 1, 9, 2, 10, 3, 11));
        __m512i o0 = _mm512_add_epi64(base, _mm512_setr_epi64(4, 12, 5, 13, 6, 14, 7, 15));
        __m512i e1 = _mm512_set1_epi64(key.block), e2 = _mm512_set1_epi64(mat);
        __m512i e3 = _mm512_set1_epi64(key.draw);
        __m512i o1 = e1, o2 = e2, o3 = e3;
        uint32_t k0 = (uint32_t)key.seed, k1 = (uint32_t)(key.seed >> 32);
        for (int r = 0; r < 10; r++) {
            __m512i kk0 = _mm512_set1_epi32((int)k0), kk1 = _mm512_set1_epi32((int)k1);
            PHILOX_ROUND(e0, e1, e2, e3, kk0, kk1);
            PHILOX_ROUND(o0, o1, o2, o3, kk0, kk1);
            k0 += 0x9E3779B9u;
            k1 += 0xBB67AE85u;
        }
        /* sixteen 32-bit lanes again: even lanes from e, odd lanes from o */
        const __mmask16 odd = 0xAAAA;
        __m512i w[4] = {_mm512_mask_mov_epi32(e0, odd, _mm512_slli_epi64(o0, 32)),
                        _mm512_mask_mov_epi32(e1, odd, _mm512_slli_epi64(o1, 32)),
                        _mm512_mask_mov_epi32(e2, odd, _mm512_slli_epi64(o2, 32)),
                        _mm512_mask_mov_epi32(e3, odd, _mm512_slli_epi64(o3, 32))};
        /* Box-Muller on 24-bit uniforms, the operations of rng_avx2.c */
        const __m512 inv24 = _mm512_set1_ps(1.0f / 16777216.0f), half = _mm512_set1_ps(0.5f);
        const __m512 m2 = _mm512_set1_ps(-2.0f), two_pi = _mm512_set1_ps(6.28318530717958647692f);
        const __m512 sc = _mm512_set1_ps(scale);
        __m512 z[4];
        for (int p = 0; p < 2; p++) {
            __m512 u1 = _mm512_mul_ps(
                _mm512_add_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(w[2 * p], 8)), half), inv24);
            __m512 u2 = _mm512_mul_ps(_mm512_cvtepi32_ps(_mm512_srli_epi32(w[2 * p + 1], 8)), inv24);
            __m512 rr = _mm512_sqrt_ps(_mm512_mul_ps(m2, Sleef_logf16_u10avx512f(u1)));
            Sleef___m512_2 cs = Sleef_sincosf16_u10avx512f(_mm512_mul_ps(two_pi, u2));
            z[2 * p] = _mm512_mul_ps(sc, _mm512_mul_ps(rr, cs.y)); /* .y = cos */
            z[2 * p + 1] = _mm512_mul_ps(sc, _mm512_mul_ps(rr, cs.x));
        }
        /* in each 128-bit lane m: (z0, z1, z2, z3) of register lanes 4m + j, j = 0..3 */
        __m512 t0 = _mm512_unpacklo_ps(z[0], z[1]), t1 = _mm512_unpackhi_ps(z[0], z[1]);
        __m512 t2 = _mm512_unpacklo_ps(z[2], z[3]), t3 = _mm512_unpackhi_ps(z[2], z[3]);
        __m512 v[4] = {
            _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2))),
            _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t0), _mm512_castps_pd(t2))),
            _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3))),
            _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t1), _mm512_castps_pd(t3)))};
        size_t at = (size_t)g * 64;
        if (at + 64 <= count) {
            for (int j = 0; j < 4; j++)
                _mm512_storeu_ps(out + at + 16 * (size_t)j, v[j]);
        } else {
            for (int j = 0; j < 4 && at + 16 * (size_t)j < count; j++) {
                size_t left = count - at - 16 * (size_t)j;
                __mmask16 m = left >= 16 ? (__mmask16)0xFFFF : (__mmask16)((1u << left) - 1u);
                _mm512_mask_storeu_ps(out + at + 16 * (size_t)j, m, v[j]);
            }
        }
    }
}
