/* Internal: Gaussian maps by quadrature, for functions without closed forms
 * (tanh, and erf with a shift). SPEC 3.1, 3.6. */
#ifndef SP_THEORY_QUAD_H
#define SP_THEORY_QUAD_H

#include "sigprop/theory.h"

/* Accurate (~1e-10 relative) maps of f = erf or tanh (alpha x + shift) at (q, p). */
enum sp_status sp_quad_gmap(const struct sp_fnspec *f, double q, double p, struct sp_gmap *out);

#endif
