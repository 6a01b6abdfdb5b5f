/* The one value syntax of every setting (sigprop/archspec.h): decimal numbers,
 * integers, and lists or ranges of them, each refused with a reason that names
 * the setting. strtod alone accepts hexadecimal, inf, nan, leading white space
 * and trailing characters; the syntax check in front of it does not. */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/archspec.h"

/* Optional sign, decimal digits, for reals an optional fraction and exponent,
 * nothing after. */
static int decimal_syntax(const char *s, int integral)
{
    const char *p = s;
    if (*p == '+' || *p == '-')
        p++;
    size_t digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (!integral && *p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (!digits)
        return 0;
    if (!integral && (*p == 'e' || *p == 'E')) {
        p++;
        if (*p == '+' || *p == '-')
            p++;
        if (!(*p >= '0' && *p <= '9'))
            return 0;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    return *p == 0;
}

enum sp_status sp_parse_real(const char *name, const char *s, double lo, double hi, double *out)
{
    if (!s || !decimal_syntax(s, 0))
        return sp_fail(SP_EINVAL, "%s: '%s' is not a decimal number", name, s ? s : "");
    errno = 0;
    double v = strtod(s, NULL);
    if ((errno == ERANGE && fabs(v) > 1.0) || !isfinite(v) || v < lo || v > hi)
        return sp_fail(SP_EINVAL, "%s: %s is out of range [%g, %g]", name, s, lo, hi);
    *out = v;
    return SP_OK;
}

enum sp_status sp_parse_int(const char *name, const char *s, long long lo, long long hi,
                            long long *out)
{
    if (!s || !decimal_syntax(s, 1))
        return sp_fail(SP_EINVAL, "%s: '%s' is not an integer", name, s ? s : "");
    errno = 0;
    long long v = strtoll(s, NULL, 10);
    if (errno == ERANGE || v < lo || v > hi)
        return sp_fail(SP_EINVAL, "%s: %s is out of range [%lld, %lld]", name, s, lo, hi);
    *out = v;
    return SP_OK;
}

enum sp_status sp_parse_u64(const char *name, const char *s, uint64_t hi, uint64_t *out)
{
    if (!s || !decimal_syntax(s, 1) || s[0] == '-' || s[0] == '+')
        return sp_fail(SP_EINVAL, "%s: '%s' is not a non-negative integer", name, s ? s : "");
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno == ERANGE || v > hi)
        return sp_fail(SP_EINVAL, "%s: %s is out of range [0, %llu]", name, s,
                       (unsigned long long)hi);
    *out = (uint64_t)v;
    return SP_OK;
}

/* One list element: a decimal number, or with integral a decimal integer. */
static enum sp_status parse_elem(const char *name, const char *s, double lo, double hi,
                                 int integral, double *out)
{
    if (!integral)
        return sp_parse_real(name, s, lo, hi, out);
    long long v;
    enum sp_status st = sp_parse_int(name, s, (long long)lo, (long long)hi, &v);
    if (st == SP_OK)
        *out = (double)v;
    return st;
}

/* start:stop:step in copy (modified); the values into *v, *cnt. */
static enum sp_status parse_range(const char *name, const char *s, char *copy, double lo, double hi,
                                  int integral, double **v, size_t *cnt)
{
    char *c1 = strchr(copy, ':'), *c2 = strchr(c1 + 1, ':');
    if (!c2 || strchr(c2 + 1, ':') || strchr(copy, ','))
        return sp_fail(SP_EINVAL, "%s: '%s' is not start:stop:step", name, s);
    *c1 = *c2 = 0;
    double a, b, st;
    double big = integral ? (double)SP_PARSE_MAX_LIST * 100.0 : (double)INFINITY;
    enum sp_status rc;
    if ((rc = parse_elem(name, copy, lo, hi, integral, &a)) != SP_OK ||
        (rc = parse_elem(name, c1 + 1, lo, hi, integral, &b)) != SP_OK ||
        (rc = parse_elem(name, c2 + 1, -big, big, integral, &st)) != SP_OK)
        return rc;
    if (st == 0.0 || (b - a) / st < 0.0)
        return sp_fail(SP_EINVAL, "%s: step %g does not lead from %g to %g", name, st, a, b);
    double cntf = floor((b - a) / st + 0.5) + 1.0; /* stop included within step/2 */
    if (cntf > SP_PARSE_MAX_LIST)
        return sp_fail(SP_EINVAL, "%s: range has %.0f values, more than %d", name, cntf,
                       SP_PARSE_MAX_LIST);
    *cnt = (size_t)cntf;
    if (!(*v = malloc(*cnt * sizeof **v)))
        return sp_fail(SP_ENOMEM, "out of memory");
    for (size_t i = 0; i < *cnt; i++) {
        (*v)[i] = a + (double)i * st;
        if ((*v)[i] < lo || (*v)[i] > hi) /* the last point may overshoot stop by < step/2 */
            return sp_fail(SP_EINVAL, "%s: range value %g is out of range [%g, %g]", name, (*v)[i],
                           lo, hi);
    }
    return SP_OK;
}

/* The elements of a comma list: copy (s's writable copy) split at commas, each element
 * parsed by elem into a new array; an empty element is refused as
 * "NAME: empty element in WHAT's'" (what: "list " or ""). On failure *v is freed. */
static enum sp_status split_list(const char *name, const char *s, char *copy, const char *what,
                                 enum sp_status (*elem)(void *ctx, const char *name,
                                                        const char *tok, double *out),
                                 void *ctx, double **v, size_t *cnt)
{
    size_t commas = 0;
    for (const char *p = copy; *p; p++)
        commas += *p == ',';
    *cnt = 0;
    if (!(*v = malloc((commas + 1) * sizeof **v)))
        return sp_fail(SP_ENOMEM, "out of memory");
    enum sp_status rc = SP_OK;
    char *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); rc == SP_OK && tok;
         tok = strtok_r(NULL, ",", &save))
        rc = elem(ctx, name, tok, &(*v)[(*cnt)++]);
    if (rc == SP_OK && *cnt != commas + 1)
        rc = sp_fail(SP_EINVAL, "%s: empty element in %s'%s'", name, what, s);
    if (rc != SP_OK) {
        free(*v);
        *v = NULL;
    }
    return rc;
}

struct num_elem {
    double lo, hi;
    int integral;
};

static enum sp_status num_elem(void *ctx, const char *name, const char *tok, double *out)
{
    const struct num_elem *e = ctx;
    return parse_elem(name, tok, e->lo, e->hi, e->integral, out);
}

/* A norm's name other than relu, as its enum sp_fn; the reason names the words below
 * (rms, accepted too, is left out of it). */
static enum sp_status norm_elem(void *ctx, const char *name, const char *tok, double *out)
{
    static const char *const named[] = {"ln", "dyt", "derf", "none", NULL};
    (void)ctx;
    enum sp_fn f;
    int i;
    if (sp_fn_parse(tok, &f) != 0 || f == SP_FN_RELU)
        return sp_parse_choice(name, named, tok, &i); /* fails: tok is none of them */
    *out = (double)f;
    return SP_OK;
}

enum sp_status sp_parse_list(const char *name, const char *s, double lo, double hi, int integral,
                             double **vals, size_t *n)
{
    *vals = NULL;
    *n = 0;
    if (!s || !*s)
        return sp_fail(SP_EINVAL, "%s: empty value", name);
    char *copy = strdup(s);
    if (!copy)
        return sp_fail(SP_ENOMEM, "out of memory");
    enum sp_status rc = SP_OK;
    double *v = NULL;
    size_t cnt = 0;
    if (strchr(copy, ':')) {
        rc = parse_range(name, s, copy, lo, hi, integral, &v, &cnt);
    } else {
        struct num_elem e = {lo, hi, integral};
        rc = split_list(name, s, copy, "list ", num_elem, &e, &v, &cnt);
    }
    free(copy);
    if (rc != SP_OK) {
        free(v);
        return rc;
    }
    *vals = v;
    *n = cnt;
    return SP_OK;
}

enum sp_status sp_parse_norm_list(const char *name, const char *s, double **vals, size_t *n)
{
    *vals = NULL;
    *n = 0;
    char *copy = strdup(s);
    if (!copy)
        return sp_fail(SP_ENOMEM, "out of memory");
    double *v = NULL;
    size_t cnt = 0;
    enum sp_status rc = split_list(name, s, copy, "", norm_elem, NULL, &v, &cnt);
    free(copy);
    if (rc != SP_OK)
        return rc;
    *vals = v;
    *n = cnt;
    return SP_OK;
}
