/* Internal: the SIMD alpha-sweep kernel for DyT norms (tanh, no shift), every
 * theory version (SPEC 3.3, 3.4), with the maps from the table of quad_table.c. */
#ifndef SP_THEORY_SWEEP_DYT_H
#define SP_THEORY_SWEEP_DYT_H

#include "sigprop/theory.h"
#include "theory/sweep_simd.h"

/* 1 when sp_sweep_dyt can run a (transformer with tanh norms without shift, every
 * alpha positive and finite) on this CPU. alpha_attn, alpha_mlp as for the sweep. */
int sp_sweep_dyt_applies(const struct sp_arch *a, const double *alpha_attn,
                         const double *alpha_mlp, size_t nalpha);
/* Same contract and results (to ~1e-14) as sp_theory_sweep_alpha_scalar. */
enum sp_status sp_sweep_dyt(const struct sp_arch *a, const struct sp_theory_opts *o,
                            const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                            double *log_j, double *q_last);

/* The kernels (sweep_dyt_avx2.c, sweep_dyt_avx512.c); call only on a CPU that has the ISA. */
enum sp_status sp_sweep_dyt_avx2(const struct sp_arch *a, const struct sp_theory_opts *o,
                                 const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                                 double *log_j, double *q_last);
enum sp_status sp_sweep_dyt_avx512(const struct sp_arch *a, const struct sp_theory_opts *o,
                                   const double *alpha_attn, const double *alpha_mlp,
                                   size_t nalpha, double *log_j, double *q_last);

/* sp_sweep_dyt with every output of struct sp_sweep_out (sweep_simd.h). */
enum sp_status sp_sweep_dyt_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                                const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                                const struct sp_sweep_out *out);
enum sp_status sp_sweep_dyt_avx2_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                                     const double *alpha_attn, const double *alpha_mlp,
                                     size_t nalpha, const struct sp_sweep_out *out);
enum sp_status sp_sweep_dyt_avx512_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                                       const double *alpha_attn, const double *alpha_mlp,
                                       size_t nalpha, const struct sp_sweep_out *out);

#endif
