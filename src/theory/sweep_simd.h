/* Internal: the SIMD alpha-sweep kernel for erf norms, every theory version (SPEC 3.3, 3.4). */
#ifndef SP_THEORY_SWEEP_SIMD_H
#define SP_THEORY_SWEEP_SIMD_H

#include "sigprop/theory.h"

/* Per-alpha outputs of the sweep kernels (every pointer may be NULL):
 * log J^{l,0} at every block l = 0..L (nalpha * (L+1), alpha-major), and per
 * alpha q^L, p^L, log J^{L,0} and l* (the first block l with
 * alpha_mlp^2 q^l >= 1, NAN when none; as sp_theory_asymptotics computes it). */
struct sp_sweep_out {
    double *log_j, *q_last, *p_last, *log_j_last, *l_star;
};

/* sp_theory_sweep_alpha_scalar with every output of struct sp_sweep_out (sweep.c). */
enum sp_status sp_sweep_scalar_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                                   const double *alpha_attn, const double *alpha_mlp,
                                   size_t nalpha, const struct sp_sweep_out *out);
/* sp_sweep_simd with every output of struct sp_sweep_out. */
enum sp_status sp_sweep_simd_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                                 const double *alpha_attn, const double *alpha_mlp,
                                 size_t nalpha, const struct sp_sweep_out *out);

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

void sp_sweep_avx2_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                       const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                       const struct sp_sweep_out *out);
void sp_sweep_avx512_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                         const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                         const struct sp_sweep_out *out);

/* y[i] = asin x[i] (fn 0) or exp x[i] (fn 1) by the kernels' inline functions
 * (vec_math.h), for tests/test_vecmath.c; call only on a CPU that has the ISA. */
void sp_vecmath_avx2(int fn, const double *x, double *y, size_t n);
void sp_vecmath_avx512(int fn, const double *x, double *y, size_t n);

#endif
