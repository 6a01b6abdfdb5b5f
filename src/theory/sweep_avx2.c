/* The alpha-sweep kernel on AVX2 + FMA: 4 alphas per vector (vec_avx2.h). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "theory/sweep_simd.h"

#include "theory/vec_avx2.h"

#define KFN(name) avx2_##name

#include "theory/sweep_kernel.h"

void sp_sweep_avx2(const struct sp_arch *a, const struct sp_theory_opts *o,
                   const double *alpha_attn, const double *alpha_mlp,
                   size_t nalpha, double *log_j, double *q_last)
{
    avx2_sweep(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
}

void sp_sweep_avx2_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                       const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                       const struct sp_sweep_out *out)
{
    avx2_sweep_out(a, o, alpha_attn, alpha_mlp, nalpha, out);
}

void sp_vecmath_avx2(int fn, const double *x, double *y, size_t n)
{
    vm_apply(fn, x, y, n);
}
