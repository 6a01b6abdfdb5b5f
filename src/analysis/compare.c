/* Comparison of a finite-width measurement with the mean-field theory (SPEC 4):
 * per-block ratios measured / theory and the geometric-mean multiplicative
 * error GMFE = exp(mean |log(measured / theory)|) per depth third. The one
 * implementation behind compare, report and alpha --verify. */
#include <math.h>
#include <stddef.h>

#include "sigprop/analysis.h"

static const char *const qnames[SP_COMPARE_NQ] = {"q", "p", "J_fwd", "J_bwd"};
static const char *const rnames[SP_COMPARE_NRANGES] = {"shallow", "middle", "deep", "all"};

const char *sp_compare_quantity_name(enum sp_compare_quantity q)
{
    return (unsigned)q < SP_COMPARE_NQ ? qnames[q] : "?";
}

const char *sp_compare_range_name(enum sp_compare_range r)
{
    return (unsigned)r < SP_COMPARE_NRANGES ? rnames[r] : "?";
}

enum sp_compare_range sp_compare_third(double l, double L)
{
    return l <= L / 3.0 ? SP_CMP_SHALLOW : l <= 2.0 * L / 3.0 ? SP_CMP_MIDDLE : SP_CMP_DEEP;
}

enum sp_status sp_compare_rows(const struct sp_net_row *m, const struct sp_theory_row *t,
                               size_t n, struct sp_compare_row *out)
{
    if (!m || !t || !out)
        return sp_fail(SP_EINVAL, "compare: NULL rows");
    for (size_t k = 0; k < n; k++) {
        if (m[k].l != t[k].l)
            return sp_fail(SP_EINVAL, "compare: row %zu is block %g measured but %g in theory",
                           k, m[k].l, t[k].l);
        struct sp_compare_row *r = &out[k];
        r->l = m[k].l;
        r->measured[SP_CMP_Q] = m[k].q;
        r->measured[SP_CMP_P] = m[k].p;
        r->measured[SP_CMP_JFWD] = m[k].j_fwd;
        r->measured[SP_CMP_JBWD] = m[k].j_bwd;
        r->theory[SP_CMP_Q] = t[k].q;
        r->theory[SP_CMP_P] = t[k].p;
        r->theory[SP_CMP_JFWD] = exp(t[k].log_jfwd);
        r->theory[SP_CMP_JBWD] = exp(t[k].log_jbwd);
        for (int q = 0; q < SP_COMPARE_NQ; q++)
            r->ratio[q] = r->measured[q] / r->theory[q];
    }
    return SP_OK;
}

static int usable(double r) { return isfinite(r) && r > 0.0; }

double sp_compare_gmfe_ratios(const double *ratio, size_t n, size_t *count)
{
    double s = 0.0;
    size_t c = 0;
    for (size_t i = 0; ratio && i < n; i++)
        if (usable(ratio[i])) {
            s += fabs(log(ratio[i]));
            c++;
        }
    if (count)
        *count = c;
    return c ? exp(s / (double)c) : (double)NAN;
}

/* The GMFE per range over n points at byte strides (plain arrays: sizeof(double);
 * rows: sizeof(struct sp_compare_row)), so both entry points share one sum. */
static void gmfe_strided(const char *l, const char *ratio, size_t stride, size_t n, double L,
                         enum sp_compare_quantity q, struct sp_compare_gmfe *out)
{
    double s[SP_COMPARE_NRANGES] = {0};
    size_t c[SP_COMPARE_NRANGES] = {0};
    for (size_t i = 0; i < n; i++) {
        double li = *(const double *)(const void *)(l + i * stride);
        double ri = *(const double *)(const void *)(ratio + i * stride);
        if (q == SP_CMP_JBWD ? li >= L : li <= 0.0)
            continue; /* 1 by construction */
        if (!usable(ri))
            continue;
        double e = fabs(log(ri));
        enum sp_compare_range third = sp_compare_third(li, L);
        s[third] += e;
        c[third]++;
        s[SP_CMP_ALL] += e;
        c[SP_CMP_ALL]++;
    }
    const double lo[SP_COMPARE_NRANGES] = {0.0, L / 3.0, 2.0 * L / 3.0, 0.0};
    const double hi[SP_COMPARE_NRANGES] = {L / 3.0, 2.0 * L / 3.0, L, L};
    for (int r = 0; r < SP_COMPARE_NRANGES; r++) {
        out[r].l_from = lo[r];
        out[r].l_to = hi[r];
        out[r].n = c[r];
        out[r].gmfe = c[r] ? exp(s[r] / (double)c[r]) : (double)NAN;
    }
}

enum sp_status sp_compare_gmfe(const double *l, const double *ratio, size_t n, double L,
                               enum sp_compare_quantity q, struct sp_compare_gmfe *out)
{
    if (!l || !ratio || !out || !(L > 0.0) || (unsigned)q >= SP_COMPARE_NQ)
        return sp_fail(SP_EINVAL, "compare: GMFE needs rows and a depth L > 0 (got %g)", L);
    gmfe_strided((const char *)l, (const char *)ratio, sizeof(double), n, L, q, out);
    return SP_OK;
}

enum sp_status sp_compare_summary(const struct sp_compare_row *rows, size_t n, double L,
                                  struct sp_compare_gmfe out[SP_COMPARE_NQ][SP_COMPARE_NRANGES])
{
    if (!rows || !out || !(L > 0.0))
        return sp_fail(SP_EINVAL, "compare: summary needs rows and a depth L > 0 (got %g)", L);
    for (int q = 0; q < SP_COMPARE_NQ; q++)
        gmfe_strided((const char *)&rows[0].l, (const char *)&rows[0].ratio[q],
                     sizeof *rows, n, L, (enum sp_compare_quantity)q, out[q]);
    return SP_OK;
}
