/* The vector vocabulary of the SIMD sweep kernels on AVX2 + FMA: 4 doubles per
 * vector, SLEEF math. Included by sweep_avx2.c and sweep_dyt_avx2.c, which then
 * define KFN and include their kernel. */
#include <immintrin.h>
#include <sleef.h>

#define V __m256d
#define VL 4
#define vset _mm256_set1_pd
#define vload _mm256_loadu_pd
#define vstore _mm256_storeu_pd
#define vadd _mm256_add_pd
#define vsub _mm256_sub_pd
#define vmul _mm256_mul_pd
#define vdiv _mm256_div_pd
#define vsqrt _mm256_sqrt_pd
#define vmin _mm256_min_pd
#define vmax _mm256_max_pd
#define VASIN Sleef_asind4_u35avx2
#define VEXP Sleef_expd4_u10avx2
#define VLOG Sleef_logd4_u10avx2
#define VLOG1P Sleef_log1pd4_u10avx2
#define VTRUNC(x) _mm256_round_pd((x), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC)
