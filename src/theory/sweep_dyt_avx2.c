/* The DyT alpha-sweep kernel (sweep_dyt_kernel.h) on AVX2 + FMA: 4 alphas per
 * vector (the vector vocabulary and math of vec_avx2.h / vec_avx512.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "theory/quad_table.h"
#include "theory/sweep_dyt.h"

#include "theory/vec_avx2.h"

#define KFN(name) dyt_avx2_##name

#include "theory/sweep_dyt_kernel.h"

enum sp_status sp_sweep_dyt_avx2(const struct sp_arch *a, const struct sp_theory_opts *o,
                                 const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                                 double *log_j, double *q_last)
{
    return dyt_avx2_sweep(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
}

enum sp_status sp_sweep_dyt_avx2_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                                     const double *alpha_attn, const double *alpha_mlp,
                                     size_t nalpha, const struct sp_sweep_out *out)
{
    return dyt_avx2_sweep_out(a, o, alpha_attn, alpha_mlp, nalpha, out);
}
