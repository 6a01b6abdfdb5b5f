/* The vector vocabulary of the SIMD sweep kernels on AVX2 + FMA: 4 doubles per
 * vector, inline asin and exp
 * (vec_math.h), SLEEF log and log1p. Included by sweep_avx2.c and sweep_dyt_avx2.c, which then
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
#define vfma _mm256_fmadd_pd
#define VM __m256d /* a lane mask */
#define vgt(a, b) _mm256_cmp_pd((a), (b), _CMP_GT_OQ)
#define vsel(m, a, b) _mm256_blendv_pd((b), (a), (m)) /* m ? a : b */
#define vany(m) (_mm256_movemask_pd(m) != 0)
#define vabs(x) _mm256_andnot_pd(_mm256_set1_pd(-0.0), (x))
#define vsign(x) _mm256_and_pd(_mm256_set1_pd(-0.0), (x))
#define vor _mm256_or_pd
#define VPOW2_BITS(t)                                                                        \
    _mm256_castsi256_pd(_mm256_add_epi64(_mm256_slli_epi64(_mm256_castpd_si256(t), 52),      \
                                         _mm256_set1_epi64x(1023LL << 52)))
#define VASIN vm_asin
#define VEXP vm_exp
#define VLOG Sleef_logd4_u10avx2
#define VLOG1P Sleef_log1pd4_u10avx2
#define VTRUNC(x) _mm256_round_pd((x), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC)

#include "theory/vec_math.h"
