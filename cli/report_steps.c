/* sigprop report, the step runner: each step is one of sigprop's commands run
 * in-process (cmd_* with the arguments a user would type), its stderr in
 * logs/ID.log, its status, wall time and failure reason recorded for the HTML;
 * and the CSV helpers the HTML reads back with. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "report.h"

/* ---- small utilities ---- */
char *xasprintf(const char *fmt, ...)
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

char *path_in(const struct report *r, const char *rel)
{
    return xasprintf("%s/%s", r->dir, rel);
}

int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

/* Last non-empty line of a file (the reason a step gave), into buf. */
static void last_line(const char *path, char *buf, size_t len)
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

/* ---- progress while a step runs ----
 * A step's stderr goes to its log, so on a terminal a ticker thread redraws the
 * step's line on the real stderr every quarter second: elapsed time, and a bar
 * when the command reports progress (cli_progress_permille). */
struct ticker {
    int fd;               /* the terminal (the saved stderr) */
    char prefix[96];      /* "sigprop: report: [ n] title", cut to fit a line */
    double t_step, t_run; /* when the step and the whole run started */
    int stop;
    pthread_t thread;
    pthread_mutex_t mu;
    pthread_cond_t cv;
};

static void ticker_draw(const struct ticker *k)
{
    double now = cli_now();
    int pm = cli_progress_permille;
    char line[256];
    int n;
    if (pm >= 0) {
        char bar[21];
        int fill = pm * 20 / 1000;
        for (int i = 0; i < 20; i++)
            bar[i] = i < fill ? '#' : '.';
        bar[20] = 0;
        n = snprintf(line, sizeof line, "\r\033[K%s [%s] %3d%%  %.0fs (total %.0fs)", k->prefix,
                     bar, pm / 10, now - k->t_step, now - k->t_run);
    } else {
        n = snprintf(line, sizeof line, "\r\033[K%s running  %.0fs (total %.0fs)", k->prefix,
                     now - k->t_step, now - k->t_run);
    }
    if (n > 0 && write(k->fd, line, (size_t)n < sizeof line ? (size_t)n : sizeof line - 1) < 0) {
        /* a progress line that cannot be shown is not an error */
    }
}

static void *ticker_main(void *arg)
{
    struct ticker *k = arg;
    pthread_mutex_lock(&k->mu);
    while (!k->stop) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        ts.tv_nsec += 250000000L;
        if (ts.tv_nsec >= 1000000000L) {
            ts.tv_sec++;
            ts.tv_nsec -= 1000000000L;
        }
        pthread_cond_timedwait(&k->cv, &k->mu, &ts);
        if (!k->stop)
            ticker_draw(k);
    }
    pthread_mutex_unlock(&k->mu);
    return NULL;
}

/* ---- running a subcommand in-process ---- */
/* Runs cmd(argv) with stderr going to logs/ID.log. args: NULL-terminated. */
int run_stepa(struct report *r, const char *id, const char *title,
                     int (*cmd)(int, char **), const char *const *args, int nargs)
{
    if (r->nsteps >= MAX_STEPS)
        return CLI_FAIL;
    struct step *st = &r->steps[r->nsteps++];
    memset(st, 0, sizeof *st);
    snprintf(st->id, sizeof st->id, "%s", id);
    snprintf(st->title, sizeof st->title, "%s", title);
    char *argv[96];
    int argc = 0;
    for (int i = 0; i < nargs && argc < 94; i++)
        argv[argc++] = strdup(args[i]);
    argv[argc] = NULL;
    /* the command line as it would be typed, for the report */
    size_t off = (size_t)snprintf(st->cmdline, sizeof st->cmdline, "sigprop");
    for (int i = 0; i < argc && off < sizeof st->cmdline; i++) {
        const char *s = argv[i] ? argv[i] : "";
        const char *base = strncmp(s, r->dir, strlen(r->dir)) ? s : s + strlen(r->dir) + 1;
        off += (size_t)snprintf(st->cmdline + off, sizeof st->cmdline - off, " %s", base);
    }
    for (int i = 0; i < argc; i++)
        if (!argv[i]) {
            for (int j = 0; j < argc; j++)
                free(argv[j]);
            st->rc = CLI_FAIL;
            snprintf(st->reason, sizeof st->reason, "out of memory");
            return st->rc;
        }
    for (size_t k = 0; k < r->nskip; k++)
        if (!strncmp(id, r->skip[k], strlen(r->skip[k]))) {
            st->rc = CLI_FAIL;
            snprintf(st->reason, sizeof st->reason, "skipped (--skip %s)", r->skip[k]);
            if (!r->quiet)
                fprintf(stderr, "sigprop: report: [%2d] %-44s skipped\n", r->nsteps, title);
            for (int j = 0; j < argc; j++)
                free(argv[j]);
            return st->rc;
        }
    /* one line per step: its title now, its status, time and the run's elapsed time
     * when it ends; on a terminal the ticker keeps the line alive meanwhile */
    int tty = !r->quiet && isatty(STDERR_FILENO);
    if (!r->quiet) {
        fprintf(stderr, "sigprop: report: [%2d] %-44s ", r->nsteps, title);
        fflush(stderr);
    }
    char *log = xasprintf("%s/logs/%s.log", r->dir, id);
    int saved = dup(STDERR_FILENO), saved_quiet = cli_quiet;
    int fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    fflush(stderr);
    if (fd >= 0 && saved >= 0)
        dup2(fd, STDERR_FILENO);
    cli_quiet = 0; /* the step's messages go to its log */
    optind = 0;    /* GNU getopt: full reinitialisation */
    double t0 = cli_now();
    struct ticker tk;
    int ticking = 0;
    if (tty && fd >= 0 && saved >= 0) {
        memset(&tk, 0, sizeof tk);
        tk.fd = saved;
        snprintf(tk.prefix, sizeof tk.prefix, "sigprop: report: [%2d] %.44s", r->nsteps, title);
        tk.t_step = t0;
        tk.t_run = r->t0;
        cli_progress_permille = -1;
        pthread_mutex_init(&tk.mu, NULL);
        pthread_cond_init(&tk.cv, NULL);
        ticking = pthread_create(&tk.thread, NULL, ticker_main, &tk) == 0;
    }
    st->rc = cmd(argc, argv);
    st->wall = cli_now() - t0;
    if (ticking) {
        pthread_mutex_lock(&tk.mu);
        tk.stop = 1;
        pthread_cond_signal(&tk.cv);
        pthread_mutex_unlock(&tk.mu);
        pthread_join(tk.thread, NULL);
    }
    if (tty && fd >= 0 && saved >= 0) {
        pthread_mutex_destroy(&tk.mu);
        pthread_cond_destroy(&tk.cv);
    }
    fflush(stderr);
    fflush(stdout);
    cli_quiet = saved_quiet;
    if (fd >= 0 && saved >= 0)
        dup2(saved, STDERR_FILENO);
    if (saved >= 0)
        close(saved);
    if (fd >= 0)
        close(fd);
    if (st->rc != 0) {
        if (log)
            last_line(log, st->reason, sizeof st->reason);
        if (!st->reason[0])
            snprintf(st->reason, sizeof st->reason, "exit status %d", st->rc);
    }
    if (!r->quiet) {
        if (ticking) /* redraw the line the ticker overwrote */
            fprintf(stderr, "\r\033[Ksigprop: report: [%2d] %-44s ", r->nsteps, title);
        fprintf(stderr, "%s %6.2fs (total %.1fs)%s%s\n", st->rc ? "FAILED" : "ok    ", st->wall,
                cli_now() - r->t0, st->rc ? ": " : "", st->rc ? st->reason : "");
    }
    free(log);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return st->rc;
}

/* run_stepa with the arguments as a NULL-terminated list after the command name. */
int run_step(struct report *r, const char *id, const char *title,
                    int (*cmd)(int, char **), const char *name, ...)
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
    return run_stepa(r, id, title, cmd, args, n);
}

const struct step *find_step(const struct report *r, const char *id)
{
    for (int i = 0; i < r->nsteps; i++)
        if (!strcmp(r->steps[i].id, id))
            return &r->steps[i];
    return NULL;
}

int step_ok(const struct report *r, const char *id)
{
    const struct step *s = find_step(r, id);
    return s && s->rc == 0;
}

/* ---- CSV helpers ---- */
struct sp_table *load_csv(const struct report *r, const char *rel)
{
    char *p = path_in(r, rel);
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

/* Concatenates CSV files with identical headers into dst (all relative to r->dir).
 * Files that do not exist are skipped. Returns the number of files used. */
int concat_csv(const struct report *r, const char *dst, const char *const *srcs, int n)
{
    char *dp = path_in(r, dst);
    FILE *out = dp ? fopen(dp, "w") : NULL;
    free(dp);
    if (!out)
        return 0;
    int used = 0;
    char *header = NULL;
    for (int i = 0; i < n; i++) {
        char *sp = path_in(r, srcs[i]);
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
