/* The vector vocabulary of the SIMD sweep kernels on AVX-512F: 8 doubles per
 * vector, SLEEF math. Included by sweep_avx512.c and sweep_dyt_avx512.c, which
 * then define KFN and include their kernel. */
#include <immintrin.h>
#include <sleef.h>

#define V __m512d
#define VL 8
#define vset _mm512_set1_pd
#define vload _mm512_loadu_pd
#define vstore _mm512_storeu_pd
#define vadd _mm512_add_pd
#define vsub _mm512_sub_pd
#define vmul _mm512_mul_pd
#define vdiv _mm512_div_pd
#define vsqrt _mm512_sqrt_pd
#define vmin _mm512_min_pd
#define vmax _mm512_max_pd
#define VASIN Sleef_asind8_u35avx512f
#define VEXP Sleef_expd8_u10avx512f
#define VLOG Sleef_logd8_u10avx512f
#define VLOG1P Sleef_log1pd8_u10avx512f
#define VTRUNC(x) _mm512_roundscale_pd((x), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC)
