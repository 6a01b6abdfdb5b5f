/* Internal: the SIMD alpha-sweep kernel for erf norms, every theory version (SPEC 3.3, 3.4). */
#ifndef SP_THEORY_SWEEP_SIMD_H
#define SP_THEORY_SWEEP_SIMD_H

#include "sigprop/theory.h"

/* 1 when sp_sweep_simd can run a (transformer with erf norms without shift) on this CPU. */
int sp_sweep_simd_applies(const struct sp_arch *a, const struct sp_theory_opts *o);
enum sp_status sp_sweep_simd(const struct sp_arch *a, const struct sp_theory_opts *o,
                             const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                             double *log_j, double *q_last);

/* The kernels (sweep_avx2.c, sweep_avx512.c); call only on a CPU that has the ISA. */
void sp_sweep_avx2(const struct sp_arch *a, const struct sp_theory_opts *o,
                   const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                   double *log_j, double *q_last);
void sp_sweep_avx512(const struct sp_arch *a, const struct sp_theory_opts *o,
                     const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                     double *log_j, double *q_last);

#endif
