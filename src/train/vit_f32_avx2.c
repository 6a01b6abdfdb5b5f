/* The float ViT compiled for AVX2 + FMA, its exp, erf and tanh 8 at a time (SLEEF);
 * chosen by vit_f32.c through sp_cpu_isa(). */
#include <immintrin.h>
#include <sleef.h>

#define VT __m256
#define VW 8
#define VLOAD _mm256_loadu_ps
#define VSTORE _mm256_storeu_ps
#define VMASK(n)                                                                           \
    _mm256_cmpgt_epi32(_mm256_set1_epi32((int)(n)), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7))
#define VLOADN(x, n) _mm256_maskload_ps((x), VMASK(n))
#define VSTOREN(y, v, n) _mm256_maskstore_ps((y), VMASK(n), (v))
#define VSLEEF_EXP Sleef_expf8_u10avx2
#define VSLEEF_ERF Sleef_erff8_u10avx2
#define VSLEEF_TANH Sleef_tanhf8_u10avx2
#define S f32_avx2
#include "train/vit_f32_body.h"
