/* The vector vocabulary of the SIMD sweep kernels on AVX-512F: 8 doubles per
 * vector, inline asin and exp
 * (vec_math.h), SLEEF log and log1p. Included by sweep_avx512.c and sweep_dyt_avx512.c, which
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
#define vfma _mm512_fmadd_pd
#define VM __mmask8 /* a lane mask */
#define vgt(a, b) _mm512_cmp_pd_mask((a), (b), _CMP_GT_OQ)
#define vsel(m, a, b) _mm512_mask_blend_pd((m), (b), (a)) /* m ? a : b */
#define vany(m) ((m) != 0)
#define vabs _mm512_abs_pd
#define VBITS(op, a, b)                                                                      \
    _mm512_castsi512_pd(op(_mm512_castpd_si512(a), _mm512_castpd_si512(b)))
#define vsign(x) VBITS(_mm512_and_si512, _mm512_set1_pd(-0.0), (x))
#define vor(a, b) VBITS(_mm512_or_si512, (a), (b))
#define VPOW2_BITS(t)                                                                        \
    _mm512_castsi512_pd(_mm512_add_epi64(_mm512_slli_epi64(_mm512_castpd_si512(t), 52),      \
                                         _mm512_set1_epi64(1023LL << 52)))
#define VASIN vm_asin
#define VEXP vm_exp
#define VLOG Sleef_logd8_u10avx512f
#define VLOG1P Sleef_log1pd8_u10avx512f
#define VTRUNC(x) _mm512_roundscale_pd((x), _MM_FROUND_TO_ZERO | _MM_FROUND_NO_EXC)

#include "theory/vec_math.h"
