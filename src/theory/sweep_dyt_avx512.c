/* The DyT alpha-sweep kernel (sweep_dyt_kernel.h) on AVX-512F: 8 alphas per
 * vector, SLEEF math. */
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sleef.h>

#include "theory/quad_table.h"
#include "theory/sweep_dyt.h"

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
#define KFN(name) dyt_avx512_##name

#include "theory/sweep_dyt_kernel.h"

enum sp_status sp_sweep_dyt_avx512(const struct sp_arch *a, const struct sp_theory_opts *o,
                                 const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                                 double *log_j, double *q_last)
{
    return dyt_avx512_sweep(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
}
