/* Placeholder dispatch: no SIMD kernel yet. */
#include "theory/sweep_simd.h"

int sp_sweep_simd_applies(const struct sp_arch *a, const struct sp_theory_opts *o)
{
    (void)a; (void)o;
    return 0;
}

enum sp_status sp_sweep_simd(const struct sp_arch *a, const struct sp_theory_opts *o,
                             const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                             double *log_j, double *q_last)
{
    (void)a; (void)o; (void)alpha_attn; (void)alpha_mlp; (void)nalpha; (void)log_j; (void)q_last;
    return SP_EUNSUPPORTED;
}
