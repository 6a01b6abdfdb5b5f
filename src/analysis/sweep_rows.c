/* One sweep task: every depth of one configuration from one run to the
 * largest (theory recursion and/or finite-network measurement), formatted as
 * the sweep's CSV rows with the one CSV number format (sp_csv_num). */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/analysis.h"
#include "sigprop/io.h"
#include "sigprop/net.h"

static int rows_printf(struct sp_sweep_rows *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static int rows_printf(struct sp_sweep_rows *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->s ? b->s + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            return -1;
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return 0;
        }
        size_t cap = 2 * b->cap + (size_t)n + 64;
        char *p = realloc(b->s, cap);
        if (!p)
            return -1;
        b->s = p;
        b->cap = cap;
    }
}

static int rows_num(struct sp_sweep_rows *b, double v, int comma)
{
    char num[SP_CSV_NUM_MAX];
    sp_csv_num(num, sizeof num, v);
    return rows_printf(b, "%s%s", comma ? "," : "", num);
}

enum sp_status sp_sweep_task_rows(const struct sp_arch *a, const struct sp_theory_opts *topts,
                                  size_t first, const int *depths, size_t ndepths, int theory,
                                  const struct sp_net_opts *measure, const char *const *keys,
                                  const unsigned char *done, struct sp_sweep_rows *out)
{
    const struct sp_theory_opts *o = topts;
    struct sp_theory_opts oo = *o;
    oo.sublayers = 0;
    o = &oo;
    struct sp_theory_row *rows = NULL;
    struct sp_net_row *nrows = NULL;
    enum sp_status st = SP_OK, sm = SP_OK;
    if (theory) {
        size_t nr = sp_theory_nrows(a, o);
        rows = malloc(nr * sizeof *rows);
        st = rows ? sp_theory_run(a, o, rows, nr) : SP_ENOMEM;
    }
    if (measure) {
        size_t nr = sp_net_nrows(a, measure);
        nrows = malloc(nr * sizeof *nrows);
        sm = nrows ? sp_net_measure(a, measure, nrows, nr) : SP_ENOMEM;
    }
    /* The laws of critical and subcritical phases do not depend on the depth,
     * and l* (the first block where alpha^2 q >= 1) at depth L is the full
     * run's when it is <= L: one asymptotics call serves every depth. Phases
     * read off the deepest blocks (no norm) are evaluated per depth. */
    struct sp_asymptotics as_full;
    enum sp_status sa = SP_EINVAL;
    int shared = 0;
    if (theory && st == SP_OK) {
        sa = sp_theory_asymptotics(a, o, rows, sp_theory_nrows(a, o), &as_full);
        shared = sa == SP_OK && (as_full.phase == SP_PHASE_CRITICAL ||
                                 as_full.phase == SP_PHASE_SUBCRITICAL);
    }
    int rc = 0;
    for (size_t j = 0; j < ndepths && !rc; j++) {
        size_t idx = first + j;
        if (done && done[idx])
            continue;
        int L = depths[j];
        rc = rows_printf(out, "%zu,%s", idx, keys[idx]);
        enum sp_status sj = st;
        if (theory) {
            struct sp_asymptotics as;
            if (sj == SP_OK && shared) {
                as = as_full;
                if (!(as.l_star <= (double)L))
                    as.l_star = NAN;
            } else if (sj == SP_OK) {
                struct sp_arch ad = *a;
                ad.depth = L;
                sj = sp_theory_asymptotics(&ad, o, rows, (size_t)L + 1, &as);
            }
            if (sj != SP_OK) {
                for (int k = 0; k < 9 && !rc; k++)
                    rc = k == 4 ? rows_printf(out, ",failed") : rows_num(out, NAN, 1);
            } else {
                const struct sp_theory_row *r = &rows[L];
                double v[] = {r->q, r->p, exp(r->log_jfwd), r->log_jfwd};
                for (size_t k = 0; k < 4 && !rc; k++)
                    rc = rows_num(out, v[k], 1);
                if (!rc)
                    rc = rows_printf(out, ",%s", sp_phase_name(as.phase));
                double w[] = {as.zeta, as.lambda, as.xi, as.l_star};
                for (size_t k = 0; k < 4 && !rc; k++)
                    rc = rows_num(out, w[k], 1);
            }
        }
        if (measure) {
            const struct sp_net_row *r = sm == SP_OK ? &nrows[L] : NULL;
            double v[] = {r ? r->q : (double)NAN, r ? r->q_se : (double)NAN,
                          r ? r->j_fwd : (double)NAN, r ? r->j_fwd_se : (double)NAN};
            for (size_t k = 0; k < 4 && !rc; k++)
                rc = rows_num(out, v[k], 1);
        }
        if (!rc) {
            if (sj == SP_OK && sm == SP_OK)
                rc = rows_printf(out, ",ok\n");
            else if (sj != SP_OK)
                rc = rows_printf(out, ",theory: %s\n", sp_status_str(sj));
            else
                rc = rows_printf(out, ",measure: %s\n", sp_status_str(sm));
        }
    }
    free(rows);
    free(nrows);
    return rc ? sp_fail(SP_ENOMEM, "out of memory formatting a sweep's rows") : SP_OK;
}
