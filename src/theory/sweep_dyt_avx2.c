/* The DyT alpha-sweep kernel (sweep_dyt_kernel.h) on AVX2 + FMA: 4 alphas per
 * vector, SLEEF math. */
#include <immintrin.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <sleef.h>

#include "theory/quad_table.h"
#include "theory/sweep_dyt.h"

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
#define KFN(name) dyt_avx2_##name

#include "theory/sweep_dyt_kernel.h"

enum sp_status sp_sweep_dyt_avx2(const struct sp_arch *a, const struct sp_theory_opts *o,
                                 const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                                 double *log_j, double *q_last)
{
    return dyt_avx2_sweep(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
}
