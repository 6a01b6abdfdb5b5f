/* The helpers of the table functions (sigprop/tables.h): see table_cols.h. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/table_cols.h"

enum sp_status sp_tab_nomem(const char *what)
{
    return sp_fail(SP_ENOMEM, "out of memory: %s", what);
}

int sp_tab_cols(struct sp_table *t, const char *spec)
{
    char name[64];
    for (const char *p = spec; *p;) {
        size_t len = strcspn(p, ",");
        if (len == 0 || len >= sizeof name)
            return sp_fail(SP_ENUMERIC, "internal error: column spec '%s'", spec), -1;
        memcpy(name, p, len);
        name[len] = '\0';
        int str = name[len - 1] == '$';
        if (str)
            name[len - 1] = '\0';
        if (sp_table_add_col(t, name, str ? SP_COL_STR : SP_COL_NUM) < 0)
            return sp_tab_nomem("table columns"), -1;
        p += len + (p[len] == ',');
    }
    return 0;
}

void sp_tab_nums(struct sp_table *t, size_t row, int col, const double *v, size_t n)
{
    for (size_t k = 0; k < n; k++)
        sp_table_set_num(t, row, col + (int)k, v[k]);
}

long sp_tab_record_row(struct sp_table *t, const int idx[SP_REC_NCOLS], const struct sp_arch *a,
                       const struct sp_theory_opts *o, double alpha)
{
    long r = sp_table_add_row(t);
    struct sp_record rec;
    sp_record_of(a, o, alpha, (double)NAN, &rec);
    if (r < 0 || sp_record_set(t, (size_t)r, idx, &rec) != SP_OK)
        return sp_tab_nomem("table rows"), -1;
    return r;
}

int sp_tab_caveats(const struct sp_arch *a, const struct sp_theory_opts *o, char *buf, size_t n,
                   struct sp_notes *notes)
{
    struct sp_caveat cv[SP_CAVEATS_MAX];
    size_t k = sp_theory_caveats(a, o, cv, SP_CAVEATS_MAX);
    if (k > SP_CAVEATS_MAX)
        k = SP_CAVEATS_MAX;
    snprintf(buf, n, "%s", k ? "" : "none");
    for (size_t i = 0; i < k; i++) {
        size_t l = strlen(buf);
        snprintf(buf + l, n - l, "%s%s", i ? ";" : "", cv[i].code);
        if (sp_notes_add(notes, "warning: %s: %s", cv[i].code, cv[i].text) != 0)
            return -1;
    }
    return (int)k;
}

int sp_notes_add(struct sp_notes *notes, const char *fmt, ...)
{
    if (!notes)
        return 0;
    va_list ap;
    va_start(ap, fmt);
    int len = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    char *s = len >= 0 ? malloc((size_t)len + 1) : NULL;
    if (s && notes->n == notes->cap) {
        size_t cap = 2 * notes->cap + 8;
        char **p = realloc(notes->text, cap * sizeof *p);
        if (!p) {
            free(s);
            s = NULL;
        } else {
            notes->text = p;
            notes->cap = cap;
        }
    }
    if (!s)
        return sp_tab_nomem("notes"), -1;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)len + 1, fmt, ap);
    va_end(ap);
    notes->text[notes->n++] = s;
    return 0;
}

void sp_notes_free(struct sp_notes *n)
{
    if (!n)
        return;
    for (size_t i = 0; i < n->n; i++)
        free(n->text[i]);
    free(n->text);
    *n = (struct sp_notes){NULL, 0, 0};
}
