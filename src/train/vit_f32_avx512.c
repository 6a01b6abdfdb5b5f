/* The float ViT compiled for AVX-512F + FMA, its exp, erf and tanh 16 at a time
 * (SLEEF); chosen by vit_f32.c through sp_cpu_isa(). */
#include <immintrin.h>
#include <sleef.h>

#define VT __m512
#define VW 16
#define VLOAD _mm512_loadu_ps
#define VSTORE _mm512_storeu_ps
#define VMASK(n) ((__mmask16)((1u << (n)) - 1u))
#define VLOADN(x, n) _mm512_maskz_loadu_ps(VMASK(n), (x))
#define VSTOREN(y, v, n) _mm512_mask_storeu_ps((y), VMASK(n), (v))
#define VSLEEF_EXP Sleef_expf16_u10avx512f
#define VSLEEF_ERF Sleef_erff16_u10avx512f
#define VSLEEF_TANH Sleef_tanhf16_u10avx512f
#define S f32_avx512
#include "train/vit_f32_body.h"
