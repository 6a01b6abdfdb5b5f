/* Internal: Gaussian maps by quadrature, for functions without closed forms
 * (tanh, and erf with a shift). SPEC 3.1, 3.6. */
#ifndef SP_THEORY_QUAD_H
#define SP_THEORY_QUAD_H

#include "sigprop/theory.h"

/* The quadrature path only, for SP_FN_DYT and SP_FN_DERF with any shift (shift 0
 * included, so erf can be checked against its closed forms). q > 0, |p| <= q
 * (clamped); SP_EINVAL for other kinds or non-finite arguments. ~0.1-5 ms. */
enum sp_status sp_quad_gmap_accurate(const struct sp_fnspec *f, double q, double p,
                                     struct sp_gmap *out);

/* The causal theory's pair maps at unequal variances: t = E[f(x) f(y)],
 * nn = E[f'(x) f'(y)] for (x, y) ~ N(0, [[qa, p], [p, qb]]), f = g(alpha x + shift)
 * as above (|p| <= sqrt(qa qb), clamped). One conditional quadrature: ~1e-12 against
 * an independent reference (tests/test_quad.c); erf's inner integral is closed, so
 * erf costs one dimension, tanh two (~0.1-1 ms). SP_EINVAL as above. */
enum sp_status sp_quad_pair(const struct sp_fnspec *f, double qa, double qb, double p, double *t,
                            double *nn);

/* The tabulated fast path (quad_table.c): tanh(alpha x), no shift, ~1e-11 relative.
 * Built from the quadrature lazily, one log(alpha^2 q) panel at a time (thread-safe,
 * ~20-50 ms per panel, 30 panels). SP_EUNSUPPORTED when alpha^2 q is outside the
 * table ([9e-9, 1.1e8]); the caller then takes the accurate path. */
enum sp_status sp_quad_gmap_fast(double alpha, double q, double p, struct sp_gmap *out);

/* Building blocks of the table, in the scaled variable u = alpha x (f->alpha ignored):
 * E[g(u+s)^2] and E[g'(u+s)^2] for u ~ N(0, Q); E[g'(u+s) g'(v+s)] for
 * u = a + b, v = a - b, a ~ N(0, A), b ~ N(0, B) independent. */
void sp_quad_scaled_1d(const struct sp_fnspec *f, double Q, double *qt, double *qh);
double sp_quad_ph_scaled(const struct sp_fnspec *f, double A, double B);

#endif
