/* Weights, inputs and probes on demand: Philox4x32-10 (Random123) keyed by the
 * master seed, with counter (i/4, block, matrix, draw), and Box-Muller in float.
 * Element i depends only on its counter, so any matrix of any block can be
 * regenerated at any time and the numbers never depend on the thread count. */
#include <math.h>

#include <Random123/philox.h>

#include "net/net_internal.h"
#include "sigprop/cpu.h"
#include "sp_config.h"

static philox4x32_ctr_t draw4(struct net_key key, uint32_t mat, uint32_t c)
{
    philox4x32_ctr_t ctr = {{c, key.block, mat, key.draw}};
    philox4x32_key_t k = {{(uint32_t)key.seed, (uint32_t)(key.seed >> 32)}};
    return philox4x32(ctr, k);
}

/* Two standard normals from two 32-bit words (Box-Muller on 24-bit uniforms in
 * (0, 1), so the log never sees 0). */
static inline void box_muller(uint32_t a, uint32_t b, float *z0, float *z1)
{
    const float two_pi = 6.28318530717958647692f, inv24 = 1.0f / 16777216.0f;
    float u1 = ((float)(a >> 8) + 0.5f) * inv24;
    float u2 = (float)(b >> 8) * inv24;
    float r = sqrtf(-2.0f * logf(u1));
    float th = two_pi * u2;
    *z0 = r * cosf(th);
    *z1 = r * sinf(th);
}

void net_normal(float *out, size_t count, float scale, struct net_key key, uint32_t mat)
{
#if SP_HAVE_X86_SIMD
    enum sp_isa isa = sp_cpu_isa(); /* the one CPU policy, sigprop/cpu.h */
    if (isa >= SP_ISA_AVX512) {
        net_normal_avx512(out, count, scale, key, mat); /* the bits of the AVX2 path */
        return;
    }
    if (isa >= SP_ISA_AVX2) {
        net_normal_avx2(out, count, scale, key, mat);
        return;
    }
#endif
    net_normal_scalar(out, count, scale, key, mat);
}

void net_normal_scalar(float *out, size_t count, float scale, struct net_key key, uint32_t mat)
{
    long nc = (long)((count + 3) / 4);
#pragma omp parallel for schedule(static) if (NET_PAR(count * 8))
    for (long c = 0; c < nc; c++) {
        philox4x32_ctr_t r = draw4(key, mat, (uint32_t)c);
        float z[4];
        box_muller(r.v[0], r.v[1], &z[0], &z[1]);
        box_muller(r.v[2], r.v[3], &z[2], &z[3]);
        size_t base = (size_t)c * 4;
        for (size_t j = 0; j < 4 && base + j < count; j++)
            out[base + j] = scale * z[j];
    }
}

uint32_t net_uint32(struct net_key key, uint32_t mat, uint32_t index)
{
    return draw4(key, mat, index).v[0];
}
