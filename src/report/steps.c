/* The report's step runner: each step is one of sigprop's commands with the
 * arguments a user would type, run by the caller's hook (sp_report_hooks.exec)
 * with its messages in logs/ID.log; its status, wall time and failure reason are
 * recorded for the HTML. And the path and CSV helpers the other files use. */
#define _GNU_SOURCE /* getline */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "report/report_internal.h"

char *report_asprintf(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    char *s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

char *report_path(const struct sp_report *r, const char *rel)
{
    return report_asprintf("%s/%s", r->dir, rel);
}

int report_file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

double report_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void notify(const struct sp_report *r, const struct sp_report_step *st,
                   enum sp_report_event ev)
{
    if (r->hooks.on_step)
        r->hooks.on_step(r->hooks.ctx, st, r->nsteps, ev, report_now() - r->t0);
}

/* Last non-empty line of a step's log without the "sigprop: [error: ]" prefix
 * the tool's messages start with: the reason a failed step gave. */
static void log_reason(const char *path, char *buf, size_t len)
{
    buf[0] = 0;
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char line[1024];
    while (fgets(line, sizeof line, f)) {
        size_t n = strlen(line);
        while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = 0;
        const char *msg = line;
        if (!strncmp(msg, "sigprop: error: ", 16))
            msg += 16;
        else if (!strncmp(msg, "sigprop: ", 9))
            msg += 9;
        size_t m = strlen(msg);
        if (n && len) {
            if (m >= len)
                m = len - 1;
            memcpy(buf, msg, m);
            buf[m] = 0;
        }
    }
    fclose(f);
}


int report_run_stepa(struct sp_report *r, const char *id, const char *title,
                     const char *const *args, int nargs)
{
    if (r->nsteps >= SP_REPORT_MAX_STEPS)
        return 1;
    struct sp_report_step *st = &r->steps[r->nsteps++];
    memset(st, 0, sizeof *st);
    snprintf(st->id, sizeof st->id, "%s", id);
    snprintf(st->title, sizeof st->title, "%s", title);
    char *argv[96];
    int argc = 0;
    for (int i = 0; i < nargs && argc < 94; i++)
        argv[argc++] = strdup(args[i]);
    argv[argc] = NULL;
    /* the command line as it would be typed, paths relative to the report */
    size_t off = (size_t)snprintf(st->cmdline, sizeof st->cmdline, "sigprop");
    size_t dlen = strlen(r->dir);
    for (int i = 0; i < argc && off < sizeof st->cmdline; i++) {
        const char *s = argv[i] ? argv[i] : "";
        const char *base = strncmp(s, r->dir, dlen) ? s : s + dlen + 1;
        off += (size_t)snprintf(st->cmdline + off, sizeof st->cmdline - off, " %s", base);
    }
    for (int i = 0; i < argc; i++)
        if (!argv[i]) {
            st->rc = 1;
            snprintf(st->reason, sizeof st->reason, "out of memory");
            goto out;
        }
    for (size_t k = 0; k < r->nskip; k++)
        if (!strncmp(id, r->skip[k], strlen(r->skip[k]))) {
            st->rc = 1;
            snprintf(st->reason, sizeof st->reason, "skipped (--skip %s)", r->skip[k]);
            notify(r, st, SP_REPORT_SKIPPED);
            goto out;
        }
    notify(r, st, SP_REPORT_BEGIN);
    char *log = report_asprintf("%s/logs/%s.log", r->dir, id);
    double t0 = report_now();
    st->rc = r->hooks.exec(r->hooks.ctx, st, r->nsteps, argc, argv, log, st->reason,
                           sizeof st->reason);
    st->wall = report_now() - t0;
    if (st->rc != 0 && !st->reason[0] && log)
        log_reason(log, st->reason, sizeof st->reason);
    free(log);
    if (st->rc == 0)
        st->reason[0] = 0;
    else if (!st->reason[0])
        snprintf(st->reason, sizeof st->reason, "exit status %d", st->rc);
    notify(r, st, SP_REPORT_END);
out:
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return st->rc;
}

int report_run_step(struct sp_report *r, const char *id, const char *title, const char *name,
                    ...)
{
    const char *args[96];
    int n = 0;
    args[n++] = name;
    va_list ap;
    va_start(ap, name);
    const char *a;
    while ((a = va_arg(ap, const char *)) && n < 94)
        args[n++] = a;
    va_end(ap);
    return report_run_stepa(r, id, title, args, n);
}

const struct sp_report_step *report_find_step(const struct sp_report *r, const char *id)
{
    for (int i = 0; i < r->nsteps; i++)
        if (!strcmp(r->steps[i].id, id))
            return &r->steps[i];
    return NULL;
}

int report_step_ok(const struct sp_report *r, const char *id)
{
    const struct sp_report_step *s = report_find_step(r, id);
    return s && s->rc == 0;
}

struct sp_table *report_load_csv(const struct sp_report *r, const char *rel)
{
    char *p = report_path(r, rel);
    if (!p)
        return NULL;
    FILE *f = fopen(p, "r");
    free(p);
    if (!f)
        return NULL;
    struct sp_table *t = NULL;
    char err[256];
    if (sp_table_read_csv(f, &t, err, sizeof err) != SP_OK)
        t = NULL;
    fclose(f);
    return t;
}

int report_concat_csv(const struct sp_report *r, const char *dst, const char *const *srcs,
                      int n)
{
    char *dp = report_path(r, dst);
    FILE *out = dp ? fopen(dp, "w") : NULL;
    free(dp);
    if (!out)
        return 0;
    int used = 0;
    char *header = NULL;
    for (int i = 0; i < n; i++) {
        char *sp = report_path(r, srcs[i]);
        FILE *in = sp ? fopen(sp, "r") : NULL;
        free(sp);
        if (!in)
            continue;
        char *line = NULL;
        size_t cap = 0;
        ssize_t len;
        int first = 1, skip = 0;
        while ((len = getline(&line, &cap, in)) > 0) {
            if (first) {
                first = 0;
                if (!header) {
                    header = strdup(line);
                    fputs(line, out);
                } else if (strcmp(header, line)) {
                    skip = 1; /* a different layout: not mixed in */
                    break;
                }
                continue;
            }
            fputs(line, out);
        }
        used += !skip && !first;
        free(line);
        fclose(in);
    }
    free(header);
    fclose(out);
    return used;
}
