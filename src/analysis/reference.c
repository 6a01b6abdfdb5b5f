/* The published reference values, in one place (sigprop/reference.h). Every
 * number here is copied from the source named beside it; none is computed. */
#include <math.h>
#include <string.h>

#include "sigprop/reference.h"

#define NA ((double)NAN)

static const struct sp_reference table[] = {
    /* Blog part 2 ("Normalization-free transformers are subcritical. Part 2.",
     * blog2 setup: L = 128, n = 197, d = 1024, q0 = 1, p0 = 0.4, sigmas 0.64,
     * sigma_2 = 1.28, version A). Mean-field values: two independent
     * implementations agree with each other and with the post's figure to 5
     * digits (docs/science.md, "Reference values"). */
    {"blog2", SP_REF_THEORY, "ln", NA, 128, 61.2671, 53.5770, 20.977, 4.2388, 1.6277, NA},
    {"blog2", SP_REF_THEORY, "derf", 0.5, 128, 37.0281, 28.4390, 56.721, 21.023, 3.7954, NA},
    {"blog2", SP_REF_THEORY, "derf", 0.3, 128, 22.4356, 17.7004, 14.520, 8.8238, 2.7322, NA},
    /* The same post's measured ViT (d = 1024, one seed): J^{128,0} by Hutchinson
     * probes, q^128 (pre-LN), and the gradient amplification at l = 0 read off
     * its figure (75 pre-LN, 139 Derf 0.5, 5.6e5 Derf 1.9; loss and head not
     * stated in the post). */
    {"blog2", SP_REF_MEASURED, "ln", NA, 128, 58.90, NA, 21.24, NA, NA, 75.0},
    {"blog2", SP_REF_MEASURED, "derf", 0.5, 128, NA, NA, 59.69, NA, NA, 139.0},
    {"blog2", SP_REF_MEASURED, "derf", 1.9, 128, NA, NA, NA, NA, NA, 5.6e5},
    /* Blog part 1 ("Normalization-free transformers are subcritical") toy
     * network: sigma_w = 0.46, mu = 1, K_0 = 1, L = 128, no norm, phi =
     * erf(alpha x); pre-LN with phi = identity. q_L is K_128. */
    {"blog1-toy", SP_REF_THEORY, "derf", 0.5, 128, 15.003, NA, 31.045, NA, NA, NA},
    {"blog1-toy", SP_REF_THEORY, "ln", NA, 128, 28.085, NA, 28.085, NA, NA, NA},
};

const struct sp_reference *sp_reference_table(size_t *n)
{
    if (n)
        *n = sizeof table / sizeof table[0];
    return table;
}

const struct sp_reference *sp_reference_find(const char *setup, enum sp_ref_source source,
                                             const char *norm, double alpha)
{
    if (!setup || !norm)
        return NULL;
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++) {
        const struct sp_reference *e = &table[i];
        if (e->source != source || strcmp(e->setup, setup) || strcmp(e->norm, norm))
            continue;
        if (!strcmp(norm, "ln") || fabs(e->alpha - alpha) < 1e-12)
            return e;
    }
    return NULL;
}
