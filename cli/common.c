/* Shared CLI plumbing: messages, validated number and list parsing, atomic table
 * output and the progress bar. */
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

int cli_quiet = 0;

int cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sigprop: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'sigprop %s --help'.\n", cmd);
    return CLI_USAGE;
}

int cli_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("sigprop: error: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return CLI_FAIL;
}

void cli_info(const char *fmt, ...)
{
    if (cli_quiet)
        return;
    va_list ap;
    va_start(ap, fmt);
    fputs("sigprop: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

int cli_bad_option(const char *cmd, int argc, char **argv)
{
    const char *bad = optind - 1 < argc && optind >= 1 ? argv[optind - 1] : "?";
    if (optopt && optopt < 256 && bad[0] == '-' && bad[1] != '-')
        return cli_usage(cmd, "unknown option or missing value: -%c", optopt);
    return cli_usage(cmd, "unknown option or missing value: %s", bad);
}

int cli_parse_double(const char *cmd, const char *flag, const char *s, double lo, double hi,
                     double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != 0 || errno == ERANGE || !isfinite(v))
        return cli_usage(cmd, "%s: '%s' is not a finite number", flag, s);
    if (v < lo || v > hi)
        return cli_usage(cmd, "%s: %s is out of range [%g, %g]", flag, s, lo, hi);
    *out = v;
    return 0;
}

int cli_parse_int(const char *cmd, const char *flag, const char *s, long lo, long hi, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (end == s || *end != 0 || errno == ERANGE)
        return cli_usage(cmd, "%s: '%s' is not an integer", flag, s);
    if (v < lo || v > hi || v < INT_MIN || v > INT_MAX)
        return cli_usage(cmd, "%s: %s is out of range [%ld, %ld]", flag, s, lo, hi);
    *out = (int)v;
    return 0;
}

#define CLI_MAX_LIST 10000000

int cli_parse_list(const char *cmd, const char *flag, const char *s, double lo, double hi,
                   double **vals, size_t *n)
{
    *vals = NULL;
    *n = 0;
    if (!*s)
        return cli_usage(cmd, "%s: empty value", flag);
    char *copy = strdup(s);
    if (!copy)
        return cli_fail("out of memory");
    int rc = 0;
    double *v = NULL;
    size_t cnt = 0;
    char *c1 = strchr(copy, ':');
    if (c1) { /* start:stop:step */
        char *c2 = strchr(c1 + 1, ':');
        if (!c2 || strchr(c2 + 1, ':') || strchr(copy, ',')) {
            rc = cli_usage(cmd, "%s: '%s' is not start:stop:step", flag, s);
            goto out;
        }
        *c1 = *c2 = 0;
        double a, b, st;
        if ((rc = cli_parse_double(cmd, flag, copy, lo, hi, &a)) ||
            (rc = cli_parse_double(cmd, flag, c1 + 1, lo, hi, &b)) ||
            (rc = cli_parse_double(cmd, flag, c2 + 1, -INFINITY, INFINITY, &st)))
            goto out;
        if (st == 0.0 || (b - a) / st < 0.0) {
            rc = cli_usage(cmd, "%s: step %g does not lead from %g to %g", flag, st, a, b);
            goto out;
        }
        double cntf = floor((b - a) / st + 0.5) + 1.0; /* stop included within step/2 */
        if (cntf > CLI_MAX_LIST) {
            rc = cli_usage(cmd, "%s: range has %.0f values, more than %d", flag, cntf,
                           CLI_MAX_LIST);
            goto out;
        }
        cnt = (size_t)cntf;
        v = malloc(cnt * sizeof *v);
        if (!v) {
            rc = cli_fail("out of memory");
            goto out;
        }
        for (size_t i = 0; i < cnt; i++) {
            v[i] = a + (double)i * st;
            if (v[i] < lo || v[i] > hi) { /* last point may overshoot stop by < step/2 */
                rc = cli_usage(cmd, "%s: range value %g is out of range [%g, %g]", flag, v[i],
                               lo, hi);
                goto out;
            }
        }
    } else {
        size_t commas = 0;
        for (const char *p = copy; *p; p++)
            commas += *p == ',';
        v = malloc((commas + 1) * sizeof *v);
        if (!v) {
            rc = cli_fail("out of memory");
            goto out;
        }
        char *save = NULL;
        for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save))
            if ((rc = cli_parse_double(cmd, flag, tok, lo, hi, &v[cnt++])))
                goto out;
        if (cnt != commas + 1) {
            rc = cli_usage(cmd, "%s: empty element in list '%s'", flag, s);
            goto out;
        }
    }
out:
    free(copy);
    if (rc) {
        free(v);
        return rc;
    }
    *vals = v;
    *n = cnt;
    return 0;
}

int cli_parse_int_list(const char *cmd, const char *flag, const char *s, long lo, long hi,
                       int **vals, size_t *n)
{
    double *d;
    size_t cnt;
    int rc = cli_parse_list(cmd, flag, s, (double)lo, (double)hi, &d, &cnt);
    if (rc)
        return rc;
    int *v = malloc(cnt * sizeof *v);
    if (!v) {
        free(d);
        return cli_fail("out of memory");
    }
    for (size_t i = 0; i < cnt; i++) {
        if (d[i] != floor(d[i])) {
            free(d);
            free(v);
            return cli_usage(cmd, "%s: %g is not an integer", flag, d[i]);
        }
        v[i] = (int)d[i];
    }
    free(d);
    *vals = v;
    *n = cnt;
    return 0;
}

int cli_parse_format(const char *cmd, const char *s, enum cli_format *out)
{
    if (!strcmp(s, "csv"))
        *out = CLI_CSV;
    else if (!strcmp(s, "json"))
        *out = CLI_JSON;
    else
        return cli_usage(cmd, "--format: '%s' is not one of csv, json", s);
    return 0;
}

cJSON *cli_meta_new(const char *cmd)
{
    cJSON *m = cJSON_CreateObject();
    cJSON_AddStringToObject(m, "tool", "sigprop");
    cJSON_AddStringToObject(m, "command", cmd);
    cJSON_AddStringToObject(m, "version", sp_version());
    cJSON_AddStringToObject(m, "git", sp_git_hash());
    cJSON_AddStringToObject(m, "build", sp_build_features());
    return m;
}

/* The reason of an sp_outfile failure. */
static const char *out_reason(const struct sp_outfile *o, enum sp_status s)
{
    return o->errnum ? strerror(o->errnum) : sp_status_str(s);
}

int cli_write_table(const struct sp_table *t, enum cli_format fmt, const char *path,
                    const cJSON *meta)
{
    struct sp_outfile o;
    const char *name = path ? path : "-";
    enum sp_status s = sp_outfile_open(&o, path);
    if (s != SP_OK)
        return cli_fail("cannot open '%s' for writing: %s", name, out_reason(&o, s));
    if (fmt == CLI_JSON) {
        char *m = meta ? cJSON_PrintUnformatted(meta) : NULL;
        s = sp_table_write_json(t, m, o.f);
        cJSON_free(m);
    } else {
        s = sp_table_write_csv(t, o.f);
    }
    if (s != SP_OK) {
        sp_outfile_abort(&o);
        return cli_fail("writing '%s' failed: %s", name, sp_status_str(s));
    }
    if ((s = sp_outfile_commit(&o)) != SP_OK)
        return cli_fail("writing '%s' failed: %s", name, out_reason(&o, s));
    return 0;
}

int cli_check_output(const char *cmd, const char *flag, const char *path)
{
    struct stat st;
    if (!path || !strcmp(path, "-"))
        return 0;
    if (!*path)
        return cli_usage(cmd, "%s: empty file name", flag);
    if (stat(path, &st) == 0) {
        if (S_ISDIR(st.st_mode))
            return cli_usage(cmd, "%s: '%s' is a directory", flag, path);
        if (access(path, W_OK) != 0)
            return cli_usage(cmd, "%s: '%s' is not writable: %s", flag, path, strerror(errno));
        return 0;
    }
    char *copy = strdup(path);
    if (!copy)
        return cli_fail("out of memory");
    const char *dir = dirname(copy);
    int rc = 0;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        rc = cli_usage(cmd, "%s: directory '%s' of '%s' does not exist", flag, dir, path);
    else if (access(dir, W_OK) != 0)
        rc = cli_usage(cmd, "%s: directory '%s' is not writable: %s", flag, dir, strerror(errno));
    free(copy);
    return rc;
}

double cli_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

_Atomic int cli_progress_permille = -1;

void cli_progress_start(struct cli_progress *p, const char *label, size_t total)
{
    cli_progress_permille = total > 0 ? 0 : -1;
    p->label = label;
    p->total = total;
    p->done = 0;
    p->t0 = p->last = cli_now();
    p->active = !cli_quiet && isatty(STDERR_FILENO) && total > 0;
}

void cli_progress_update(struct cli_progress *p, size_t done)
{
    p->done = done;
    if (p->total > 0) /* for an enclosing progress display (sigprop report) */
        cli_progress_permille = (int)(1000.0 * (double)(done < p->total ? done : p->total) /
                                      (double)p->total);
    if (!p->active)
        return;
    double now = cli_now();
    if (now - p->last < 0.1 && done < p->total)
        return;
    p->last = now;
    double frac = (double)done / (double)p->total;
    int width = 30, fill = (int)(frac * width);
    double el = now - p->t0, eta = frac > 0 ? el / frac - el : 0.0;
    fprintf(stderr, "\r%s [", p->label);
    for (int i = 0; i < width; i++)
        fputc(i < fill ? '#' : '.', stderr);
    fprintf(stderr, "] %zu/%zu  %.0fs elapsed, ETA %.0fs ", done, p->total, el, eta);
    fflush(stderr);
}

void cli_progress_finish(struct cli_progress *p)
{
    if (p->active) {
        cli_progress_update(p, p->total);
        fputc('\n', stderr);
    }
    p->active = 0;
}
