/* sigprop/reference.h: the published reference values (the blog posts' numbers),
 * in one table, for the report and the tests. Provenance per entry in
 * src/analysis/reference.c; their meaning in docs/science.md ("Reference values"). */
#ifndef SIGPROP_REFERENCE_H
#define SIGPROP_REFERENCE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

enum sp_ref_source {
    SP_REF_THEORY,   /* mean-field theory, independent implementations, 5 digits */
    SP_REF_MEASURED, /* the blog's measured ViT (d = 1024, one seed, Hutchinson) */
};

struct sp_reference {
    const char *setup;        /* "blog2" (L = 128, n = 197, d = 1024, version A) or "blog1-toy" */
    enum sp_ref_source source;
    const char *norm;         /* "ln", "derf"; the toy's pre-LN entry has phi = identity */
    double alpha;             /* NAN for pre-LN */
    int depth;                /* L */
    /* at the top block; NAN where not published (toy: q_L is K_L) */
    double q_L, p_L, J_L0, J_L16, J_L64;
    double grad_amp0;         /* measured gradient amplification at l = 0 (blog figure), or NAN */
};

/* The whole table (n entries). */
const struct sp_reference *sp_reference_table(size_t *n);
/* The entry for setup, source, norm and alpha (ignored for "ln"; compared to
 * 1e-12), or NULL. */
const struct sp_reference *sp_reference_find(const char *setup, enum sp_ref_source source,
                                             const char *norm, double alpha);

#ifdef __cplusplus
}
#endif

#endif
