/* sigprop report: runs a named scenario end to end (theory, toy network, phase
 * diagram, measurement, fits, the alpha rule, figures) by calling the other
 * subcommands in-process through their cmd_* functions, and writes a
 * self-contained HTML report (figures embedded as base64 PNG) with the
 * configuration, the tables and the provenance. Everything is built in
 * OUT.tmp.PID and renamed to OUT at the end, so a failed run leaves the old
 * report in place. A step that fails (e.g. a command this build lacks) becomes
 * a section saying so, with the reason from its log, and the run goes on. */
#define _GNU_SOURCE /* nftw's FTW_DEPTH/FTW_PHYS */
#include <errno.h>
#include <fcntl.h>
#include <dirent.h>
#include <ftw.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

enum { OPT_SCENARIO = OPT_CMD_FIRST, OPT_SEED, OPT_STRICT, OPT_SKIP, OPT_FORCE };

/* What index.html carries so that a later run knows the folder is a report it
 * may replace (reports written before the tag existed are known by their title). */
#define REPORT_MARKER "<meta name=\"generator\" content=\"sigprop report\">"
#define REPORT_TITLE "<title>sigprop report: "

/* ---- scenarios ---- */
struct scenario {
    const char *name, *summary;
    /* theory at the blog part-2 shape */
    const char *theory_depth;        /* "128" */
    const char *theory_alphas;       /* Derf alphas of the profile / APJN figures */
    const char *phase_alphas;        /* alpha grid of the phase diagram */
    const char *toy_alphas, *toy_depth;
    /* measurement (reduced except in full) */
    const char *m_width, *m_tokens, *m_depth, *m_seeds, *m_probes;
    const char *m_alphas;            /* Derf alphas measured besides pre-LN */
    /* the alpha rule */
    const char *a_depths, *a_widths;
};

static const struct scenario scenarios[] = {
    {"default",
     "theory at the full blog sizes; measurement at reduced width and depth (about two "
     "minutes on 2 cores)",
     "128", "0.3,0.5,1.9", "0.05:2:0.05", "0.1:1.9:0.2", "128",
     "384", "64", "128", "2", "4", "0.5,1.9",
     "12,24,48,96,192", "768,1024,2048,4096"},
    {"full",
     "both blog posts at their published sizes: theory and measurement at L = 128, n = 197, "
     "d = 1024, 10 probes (see docs/report.md for the time it takes)",
     "128", "0.3,0.5,1.9", "0.025:2:0.025", "0.1:1.9:0.2", "128",
     "1024", "197", "128", "1", "10", "0.5,1.9",
     "6,12,24,48,96,192,384", "512,768,1024,2048,4096,8192"},
    {"test",
     "a tiny run for the test suite (seconds): every step at toy sizes",
     "32", "0.5,1.9", "0.2:1:0.2", "0.3,0.5,0.9", "64",
     "32", "8", "8", "1", "2", "0.5",
     "8,16", "256,512"},
};
#define NSCENARIOS (sizeof scenarios / sizeof scenarios[0])

/* ---- the run ---- */
#define MAX_STEPS 64
struct step {
    char id[48];
    char title[160];
    char cmdline[1024];
    int rc;
    double wall;
    char reason[512];
};

struct report {
    const struct scenario *sc;
    char *dir;       /* OUT.tmp.PID: where everything is built */
    char *final;     /* OUT */
    unsigned long seed;
    char seed_s[32];
    struct step steps[MAX_STEPS];
    int nsteps;
    double t0;
    int quiet;
    FILE *html;
    char **skip;     /* --skip: step-id prefixes not to run */
    size_t nskip;
};

static void help(FILE *f)
{
    fprintf(f,
            "Usage: sigprop report [--scenario NAME] [-o DIR] [options]\n\n"
            "Runs a scenario end to end (mean-field theory, toy network, phase diagram,\n"
            "finite-width measurement, fits, the alpha rule, figures) and writes DIR/index.html,\n"
            "a self-contained report (figures embedded) with the configuration, the tables\n"
            "and the provenance; DIR/data holds the CSVs, DIR/figures the PNGs, DIR/logs what\n"
            "each step said. Built in DIR.tmp.PID and renamed when complete. A step that\n"
            "fails becomes a section saying why; the report is still written.\n\n"
            "Options:\n"
            "  -s, --scenario NAME  default | full | test (default: default)\n");
    for (size_t i = 0; i < NSCENARIOS; i++)
        fprintf(f, "        %-8s %s\n", scenarios[i].name, scenarios[i].summary);
    fprintf(f,
            "  -o, --output DIR     output folder (default: report). DIR must not exist, be\n"
            "                       empty or hold an earlier sigprop report, which is\n"
            "                       replaced whole; anything else is refused before\n"
            "                       running (see --force). Never the current folder or\n"
            "                       one above it\n"
            "      --force          replace DIR even if it is not a sigprop report (its\n"
            "                       whole content is deleted)\n"
            "      --seed N         master seed of the measurements (default 1)\n"
            "      --skip LIST      steps not to run, by name prefix, comma separated:\n"
            "                       theory, summary, toy, phase, fit, measure, alpha, plot\n"
            "                       (e.g. --skip measure: a theory-only report in a second)\n"
            "      --strict         exit 1 if any step failed or was skipped (default: 0\n"
            "                       once the report is written)\n"
            "  -q, --quiet          no progress messages\n"
            "  -h, --help           this help\n\n"
            "Prints the path of the report's index.html on stdout.\n\n"
            "Example: sigprop report --scenario default -o report\n");
}

/* ---- small utilities ---- */
static char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *xasprintf(const char *fmt, ...)
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

static char *path_in(const struct report *r, const char *rel)
{
    return xasprintf("%s/%s", r->dir, rel);
}

static int file_exists(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0;
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static int rm_tree(const char *path)
{
    return nftw(path, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* 1 if dir/index.html was written by sigprop report (its head holds the
 * generator tag, or the title of reports from before the tag). */
static int is_report(const char *dir)
{
    char *index = xasprintf("%s/index.html", dir);
    FILE *f = index ? fopen(index, "rb") : NULL;
    free(index);
    if (!f)
        return 0;
    char head[4097];
    size_t n = fread(head, 1, sizeof head - 1, f);
    fclose(f);
    head[n] = 0;
    if (n < 15 || memcmp(head, "<!DOCTYPE html>", 15) != 0)
        return 0;
    return strstr(head, REPORT_MARKER) != NULL || strstr(head, REPORT_TITLE) != NULL;
}

/* 1 if the folder holds nothing (or cannot be listed: -1). */
static int is_empty_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return -1;
    int empty = 1;
    struct dirent *e;
    while (empty && (e = readdir(d)) != NULL)
        empty = !strcmp(e->d_name, ".") || !strcmp(e->d_name, "..");
    closedir(d);
    return empty;
}

/* 1 if path is the current folder or one of its ancestors (replacing it
 * would delete the folder the user stands in). */
static int contains_cwd(const char *path)
{
    char *rp = realpath(path, NULL), *cwd = realpath(".", NULL);
    int bad = 0;
    if (rp && cwd) {
        size_t n = strlen(rp);
        bad = !strcmp(rp, "/") || !strcmp(rp, cwd) ||
              (!strncmp(cwd, rp, n) && cwd[n] == '/');
    }
    free(rp);
    free(cwd);
    return bad;
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

/* ---- running a subcommand in-process ---- */
/* Runs cmd(argv) with stderr going to logs/ID.log. args: NULL-terminated. */
static int run_stepa(struct report *r, const char *id, const char *title,
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
    st->rc = cmd(argc, argv);
    st->wall = cli_now() - t0;
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
    if (!r->quiet)
        fprintf(stderr, "%s %6.2fs%s%s\n", st->rc ? "FAILED" : "ok    ", st->wall,
                st->rc ? ": " : "", st->rc ? st->reason : "");
    free(log);
    for (int i = 0; i < argc; i++)
        free(argv[i]);
    return st->rc;
}

/* run_stepa with the arguments as a NULL-terminated list after the command name. */
static int run_step(struct report *r, const char *id, const char *title,
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

static const struct step *find_step(const struct report *r, const char *id)
{
    for (int i = 0; i < r->nsteps; i++)
        if (!strcmp(r->steps[i].id, id))
            return &r->steps[i];
    return NULL;
}

static int step_ok(const struct report *r, const char *id)
{
    const struct step *s = find_step(r, id);
    return s && s->rc == 0;
}

/* ---- CSV helpers ---- */
static struct sp_table *load_csv(const struct report *r, const char *rel)
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
static int concat_csv(const struct report *r, const char *dst, const char *const *srcs, int n)
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

/* ---- HTML ---- */
static void html_esc(FILE *f, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '&': fputs("&amp;", f); break;
        case '"': fputs("&quot;", f); break;
        default: fputc(*s, f);
        }
    }
}

static void html_num(FILE *f, double v, int digits)
{
    if (isnan(v))
        fputs("&ndash;", f);
    else
        fprintf(f, "%.*g", digits, v);
}

static int base64_file(FILE *out, const char *path)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    FILE *in = fopen(path, "rb");
    if (!in)
        return -1;
    unsigned char b[3 * 1024];
    size_t n;
    while ((n = fread(b, 1, sizeof b, in)) > 0) {
        for (size_t i = 0; i < n; i += 3) {
            unsigned v = (unsigned)b[i] << 16;
            size_t k = n - i < 3 ? n - i : 3;
            if (k > 1)
                v |= (unsigned)b[i + 1] << 8;
            if (k > 2)
                v |= b[i + 2];
            fputc(tbl[(v >> 18) & 63], out);
            fputc(tbl[(v >> 12) & 63], out);
            fputc(k > 1 ? tbl[(v >> 6) & 63] : '=', out);
            fputc(k > 2 ? tbl[v & 63] : '=', out);
        }
        if (n < sizeof b)
            break;
    }
    fclose(in);
    return 0;
}

static void unavailable(struct report *r, const char *what, const char *step_id)
{
    const struct step *s = find_step(r, step_id);
    fprintf(r->html, "<p class=\"unavailable\"><strong>Not available:</strong> ");
    html_esc(r->html, what);
    if (s) {
        fprintf(r->html, " &mdash; step <code>");
        html_esc(r->html, s->cmdline);
        fprintf(r->html, "</code> failed: ");
        html_esc(r->html, s->reason);
    }
    fprintf(r->html, "</p>\n");
}

/* Embeds figures/NAME as a data URI with a caption, or says why it is missing. */
static void figure(struct report *r, const char *name, const char *caption)
{
    char rel[256];
    snprintf(rel, sizeof rel, "figures/%s", name);
    char *p = path_in(r, rel);
    char id[64];
    snprintf(id, sizeof id, "plot-%s", name);
    if (p && file_exists(p)) {
        fprintf(r->html, "<figure id=\"fig-%s\" data-figure=\"%s\">\n<img alt=\"", name, name);
        html_esc(r->html, caption);
        fprintf(r->html, "\" src=\"data:image/png;base64,");
        base64_file(r->html, p);
        fprintf(r->html, "\">\n<figcaption>");
        html_esc(r->html, caption);
        fprintf(r->html, " <span class=\"file\">(figures/%s)</span></figcaption>\n</figure>\n", name);
    } else {
        unavailable(r, caption, id);
    }
    free(p);
}

static const char *css =
    "body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,'DejaVu Sans',sans-serif;"
    "max-width:1100px;margin:2em auto;padding:0 1em;color:#1a1a1a;line-height:1.5}"
    "h1{font-size:1.9em;margin-bottom:.2em}h2{border-bottom:1px solid #ddd;padding-bottom:.2em;"
    "margin-top:2em}p.lead{color:#444}"
    "figure{margin:1.5em 0}figure img{width:100%;height:auto;border:1px solid #eee}"
    "figcaption{font-size:.92em;color:#333}span.file{color:#888}"
    "table{border-collapse:collapse;margin:1em 0;font-size:.92em}"
    "th,td{border:1px solid #ddd;padding:.25em .6em;text-align:right}"
    "th{background:#f4f4f4}td.l,th.l{text-align:left}"
    "code,pre{font-family:'DejaVu Sans Mono',monospace;font-size:.88em}"
    "pre{background:#f7f7f7;padding:.8em;overflow-x:auto}"
    ".unavailable{background:#fff4e5;border-left:4px solid #e69f00;padding:.5em .8em}"
    ".ok{color:#007a5e}.fail{color:#c0392b}nav ol{columns:2}";

/* ---- tables ---- */
static double tnum(const struct sp_table *t, size_t r, const char *col)
{
    int c = sp_table_find(t, col);
    if (c < 0 || sp_table_col_type(t, c) != SP_COL_NUM)
        return (double)NAN;
    return sp_table_num(t, r, c);
}

static const char *tstr(const struct sp_table *t, size_t r, const char *col)
{
    int c = sp_table_find(t, col);
    if (c < 0)
        return "";
    if (sp_table_col_type(t, c) == SP_COL_STR)
        return sp_table_str(t, r, c);
    return "";
}

static const char *norm_name(const char *n)
{
    return !strcmp(n, "ln") ? "pre-LN" : !strcmp(n, "derf") ? "Derf" : !strcmp(n, "dyt") ? "DyT" : n;
}

/* SPEC 5 reference values (blog2, version A): J^{128,0} and q^128. */
struct ref { const char *norm; double alpha, q, J; };
static const struct ref spec5[] = {
    {"ln", (double)NAN, 61.2671, 20.977},
    {"derf", 0.5, 37.0281, 56.721},
    {"derf", 0.3, 22.4356, 14.520},
};

static void table_theory_summary(struct report *r, const struct sp_table *t, int with_ref)
{
    FILE *h = r->html;
    fprintf(h, "<table><tr><th class=l>norm</th><th>&alpha;</th><th>depth L</th>"
               "<th>q<sup>L</sup></th><th>J<sup>L,0</sup></th>%s<th class=l>phase</th>"
               "<th>&zeta; (power law)</th><th>&lambda; (stretched exp.)</th><th>l*</th></tr>\n",
            with_ref ? "<th>SPEC 5 J<sup>128,0</sup></th>" : "");
    for (size_t i = 0; i < sp_table_nrows(t); i++) {
        const char *norm = tstr(t, i, "norm");
        double a = tnum(t, i, "alpha");
        fprintf(h, "<tr><td class=l>%s</td><td>", norm_name(norm));
        html_num(h, a, 4);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "depth"), 6);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "q_L"), 6);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "J_L0"), 6);
        fprintf(h, "</td>");
        if (with_ref) {
            double ref = (double)NAN;
            for (size_t k = 0; k < sizeof spec5 / sizeof spec5[0]; k++)
                if (!strcmp(spec5[k].norm, norm) &&
                    ((isnan(spec5[k].alpha) && (isnan(a) || !strcmp(norm, "ln"))) ||
                     fabs(spec5[k].alpha - a) < 1e-12) && tnum(t, i, "depth") == 128)
                    ref = spec5[k].J;
            fprintf(h, "<td>");
            html_num(h, ref, 6);
            fprintf(h, "</td>");
        }
        fprintf(h, "<td class=l>");
        html_esc(h, tstr(t, i, "phase"));
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "zeta"), 4);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "lambda"), 4);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "l_star"), 4);
        fprintf(h, "</td></tr>\n");
    }
    fprintf(h, "</table>\n");
}

static void table_toy_summary(struct report *r, const struct sp_table *t)
{
    FILE *h = r->html;
    fprintf(h, "<table><tr><th>&alpha;</th><th>K<sub>L</sub></th><th>J<sup>L,0</sup></th>"
               "<th>l* (simulated: &alpha;&sup2;K<sub>l</sub> first &ge; 1)</th>"
               "<th>small-&alpha; estimate</th><th>&lambda;</th></tr>\n");
    for (size_t i = 0; i < sp_table_nrows(t); i++) {
        fprintf(h, "<tr><td>");
        html_num(h, tnum(t, i, "alpha"), 4);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "q_L"), 5);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "J_L0"), 5);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "l_star"), 4);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "l_star_estimate"), 3);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "lambda"), 4);
        fprintf(h, "</td></tr>\n");
    }
    fprintf(h, "</table>\n");
}

static void table_fits(struct report *r, const struct sp_table *t, const char *source)
{
    FILE *h = r->html;
    int cs = sp_table_find(t, "selected");
    fprintf(h, "<table><tr><th class=l>curve</th><th class=l>norm</th><th>&alpha;</th>"
               "<th class=l>selected model</th><th>&zeta; &plusmn; s.e.</th>"
               "<th>&lambda; &plusmn; s.e.</th><th>R&sup2;</th><th class=l>verdict</th></tr>\n");
    for (size_t i = 0; i < sp_table_nrows(t); i++) {
        if (cs >= 0 && sp_table_col_type(t, cs) == SP_COL_NUM && sp_table_num(t, i, cs) != 1.0)
            continue;
        const char *norm = tstr(t, i, "norm");
        fprintf(h, "<tr><td class=l>");
        html_esc(h, source);
        fprintf(h, " ");
        html_esc(h, tstr(t, i, "column"));
        fprintf(h, "</td><td class=l>%s</td><td>", norm_name(norm));
        html_num(h, strcmp(norm, "ln") ? tnum(t, i, "alpha") : (double)NAN, 4);
        fprintf(h, "</td><td class=l>");
        html_esc(h, tstr(t, i, "model"));
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "zeta"), 4);
        if (!isnan(tnum(t, i, "zeta_err"))) {
            fprintf(h, " &plusmn; ");
            html_num(h, tnum(t, i, "zeta_err"), 2);
        }
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "lambda"), 4);
        if (!isnan(tnum(t, i, "lambda_err"))) {
            fprintf(h, " &plusmn; ");
            html_num(h, tnum(t, i, "lambda_err"), 2);
        }
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "r2"), 5);
        fprintf(h, "</td><td class=l>");
        html_esc(h, tstr(t, i, "verdict"));
        fprintf(h, "</td></tr>\n");
    }
    fprintf(h, "</table>\n");
}

/* Recommended alpha: depth down, width across. */
static void table_alpha(struct report *r, const struct sp_table *t)
{
    FILE *h = r->html;
    size_t n = sp_table_nrows(t);
    double *ds = malloc((n + 1) * sizeof *ds), *ws = malloc((n + 1) * sizeof *ws);
    if (!ds || !ws) {
        free(ds);
        free(ws);
        return;
    }
    size_t nd = 0, nw = 0;
    for (size_t i = 0; i < n; i++) {
        double d = tnum(t, i, "depth"), w = tnum(t, i, "width");
        size_t k;
        for (k = 0; k < nd && ds[k] != d; k++) {}
        if (k == nd)
            ds[nd++] = d;
        for (k = 0; k < nw && ws[k] != w; k++) {}
        if (k == nw)
            ws[nw++] = w;
    }
    fprintf(h, "<table><tr><th>depth L \\ width d</th>");
    for (size_t j = 0; j < nw; j++)
        fprintf(h, "<th>%g</th>", ws[j]);
    fprintf(h, "</tr>\n");
    for (size_t i = 0; i < nd; i++) {
        fprintf(h, "<tr><th>%g</th>", ds[i]);
        for (size_t j = 0; j < nw; j++) {
            double a = (double)NAN, J = (double)NAN;
            for (size_t k = 0; k < n; k++)
                if (tnum(t, k, "depth") == ds[i] && tnum(t, k, "width") == ws[j]) {
                    a = tnum(t, k, "alpha");
                    J = tnum(t, k, "J_L0");
                }
            fprintf(h, "<td>");
            html_num(h, a, 3);
            if (!isnan(J)) {
                fprintf(h, " <small>(J ");
                html_num(h, J, 3);
                fprintf(h, ")</small>");
            }
            fprintf(h, "</td>");
        }
        fprintf(h, "</tr>\n");
    }
    fprintf(h, "</table>\n");
    free(ds);
    free(ws);
}

/* GMFE = exp(mean |log(measured / theory)|) (SPEC 4) per depth third, matching rows
 * on l (sp_compare_gmfe: trivially exact points, l = L backward, l = 0 forward,
 * are left out). */
static void gmfe_row(FILE *h, const char *label, const struct sp_table *m,
                     const struct sp_table *th, const char *col)
{
    double lmax = 0;
    for (size_t i = 0; i < sp_table_nrows(th); i++)
        lmax = fmax(lmax, tnum(th, i, "l"));
    size_t nm = sp_table_nrows(m), k = 0;
    double *lv = malloc((nm ? nm : 1) * sizeof *lv), *rv = malloc((nm ? nm : 1) * sizeof *rv);
    for (size_t i = 0; lv && rv && i < nm; i++) {
        double l = tnum(m, i, "l"), v = tnum(m, i, col);
        for (size_t j = 0; isfinite(l) && j < sp_table_nrows(th); j++)
            if (tnum(th, j, "l") == l) {
                lv[k] = l;
                rv[k++] = v / tnum(th, j, col);
                break;
            }
    }
    enum sp_compare_quantity q = !strcmp(col, "J_bwd") ? SP_CMP_JBWD
                                 : !strcmp(col, "J_fwd") ? SP_CMP_JFWD
                                 : !strcmp(col, "p") ? SP_CMP_P : SP_CMP_Q;
    struct sp_compare_gmfe g[SP_COMPARE_NRANGES];
    if (!lv || !rv || sp_compare_gmfe(lv, rv, k, lmax, q, g) != SP_OK)
        for (int r = 0; r < SP_COMPARE_NRANGES; r++)
            g[r].gmfe = NAN;
    free(lv);
    free(rv);
    fprintf(h, "<tr><td class=l>%s</td><td class=l>%s</td>", label, col);
    for (int r = 0; r < SP_COMPARE_NRANGES; r++) {
        fprintf(h, "<td>");
        html_num(h, g[r].gmfe, 4);
        fprintf(h, "</td>");
    }
    fprintf(h, "</tr>\n");
}

struct mconf {
    char id[32];       /* "ln", "derf0.5" */
    char label[64];
    const char *norm;
    char alpha[32];    /* "" for ln */
};

/* The blog's measured ViT (SPEC 5: d = 1024, one seed, Hutchinson): J^{128,0}. */
static double blog_measured_j(const char *norm, const char *alpha)
{
    if (!strcmp(norm, "ln"))
        return 21.24;
    if (!strcmp(norm, "derf") && !strcmp(alpha, "0.5"))
        return 59.69;
    return (double)NAN;
}

/* Top-block values: measured (mean +- s.e.) against the theory of the same shape,
 * and, at the published size, the blog's own measurement. */
static void table_top_block(struct report *r, const struct mconf *mc, int nmc)
{
    FILE *h = r->html;
    const struct scenario *sc = r->sc;
    int blog_size = !strcmp(sc->m_width, "1024") && !strcmp(sc->m_tokens, "197") &&
                    !strcmp(sc->m_depth, "128");
    fprintf(h, "<p>At the top block L = %s:</p>\n<table><tr><th class=l>configuration</th>"
               "<th>q<sup>L</sup> measured</th><th>q<sup>L</sup> theory</th>"
               "<th>J<sup>L,0</sup> measured</th><th>J<sup>L,0</sup> theory</th>%s"
               "<th>grad. ampl. at l = 0</th></tr>\n",
            sc->m_depth, blog_size ? "<th>blog measured J<sup>128,0</sup></th>" : "");
    for (int i = 0; i < nmc; i++) {
        char rel[128];
        snprintf(rel, sizeof rel, "data/measure_%.24s.csv", mc[i].id);
        struct sp_table *m = load_csv(r, rel);
        snprintf(rel, sizeof rel, "data/theory_small_%.24s.csv", mc[i].id);
        struct sp_table *th = load_csv(r, rel);
        if (m && th && sp_table_nrows(m) && sp_table_nrows(th)) {
            size_t lm = sp_table_nrows(m) - 1, lt = sp_table_nrows(th) - 1;
            double gamp0 = tnum(m, 0, "grad_amp"), gamp0_se = tnum(m, 0, "grad_amp_se");
            fprintf(h, "<tr><td class=l>%s</td><td>", mc[i].label);
            html_num(h, tnum(m, lm, "q"), 4);
            if (!isnan(tnum(m, lm, "q_se"))) {
                fprintf(h, " &plusmn; ");
                html_num(h, tnum(m, lm, "q_se"), 2);
            }
            fprintf(h, "</td><td>");
            html_num(h, tnum(th, lt, "q"), 4);
            fprintf(h, "</td><td>");
            html_num(h, tnum(m, lm, "J_fwd"), 4);
            if (!isnan(tnum(m, lm, "J_fwd_se"))) {
                fprintf(h, " &plusmn; ");
                html_num(h, tnum(m, lm, "J_fwd_se"), 2);
            }
            fprintf(h, "</td><td>");
            html_num(h, tnum(th, lt, "J_fwd"), 5);
            fprintf(h, "</td>");
            if (blog_size) {
                fprintf(h, "<td>");
                html_num(h, blog_measured_j(mc[i].norm, mc[i].alpha), 4);
                fprintf(h, "</td>");
            }
            fprintf(h, "<td>");
            html_num(h, gamp0, 4);
            if (!isnan(gamp0_se)) {
                fprintf(h, " &plusmn; ");
                html_num(h, gamp0_se, 2);
            }
            fprintf(h, "</td></tr>\n");
        }
        sp_table_free(m);
        sp_table_free(th);
    }
    fprintf(h, "</table>\n");
}

/* ---- the scenario ---- */
static int plot_step(struct report *r, const char *name, const char *title, const char *kind,
                     const char *f1, const char *f2, const char *f3)
{
    char id[64];
    snprintf(id, sizeof id, "plot-%s", name);
    char *out = xasprintf("%s/figures/%s", r->dir, name);
    char *p1 = f1 ? path_in(r, f1) : NULL, *p2 = f2 ? path_in(r, f2) : NULL,
         *p3 = f3 ? path_in(r, f3) : NULL;
    int rc;
    if (!out || (f1 && !p1) || (f2 && !p2) || (f3 && !p3))
        rc = CLI_FAIL;
    else if (p3)
        rc = run_step(r, id, title, cmd_plot, "plot", p1, p2, p3, "--kind", kind, "-o", out, NULL);
    else if (p2)
        rc = run_step(r, id, title, cmd_plot, "plot", p1, p2, "--kind", kind, "-o", out, NULL);
    else
        rc = run_step(r, id, title, cmd_plot, "plot", p1, "--kind", kind, "-o", out, NULL);
    free(out);
    free(p1);
    free(p2);
    free(p3);
    return rc;
}

static void run_scenario(struct report *r, struct mconf *mc, int *nmc)
{
    const struct scenario *sc = r->sc;
    char *p;
#define P(rel) (p = path_in(r, rel))
    /* 1. theory at the blog part-2 shape: pre-LN and Derf */
    char *o1 = path_in(r, "data/theory_ln.csv"), *o2 = path_in(r, "data/theory_derf.csv");
    char *o3 = path_in(r, "data/summary_ln.csv"), *o4 = path_in(r, "data/summary_derf.csv");
    run_step(r, "theory-ln", "theory: blog2, pre-LN", cmd_theory, "theory", "--preset", "blog2",
             "--norm", "ln", "--depth", sc->theory_depth, "-o", o1, NULL);
    run_step(r, "theory-derf", "theory: blog2, Derf", cmd_theory, "theory", "--preset", "blog2",
             "--norm", "derf", "--alpha", sc->theory_alphas, "--depth", sc->theory_depth, "-o", o2,
             NULL);
    run_step(r, "summary-ln", "theory summary: pre-LN", cmd_theory, "theory", "--preset", "blog2",
             "--norm", "ln", "--depth", sc->theory_depth, "--summary", "-o", o3, NULL);
    run_step(r, "summary-derf", "theory summary: Derf", cmd_theory, "theory", "--preset",
             "blog2", "--norm", "derf", "--alpha", sc->theory_alphas, "--depth", sc->theory_depth,
             "--summary", "-o", o4, NULL);
    free(o1); free(o2); free(o3); free(o4);
    /* the (log J)^2 figure without the largest alpha, whose scale would flatten the rest */
    o1 = path_in(r, "data/theory_derf_small_alpha.csv");
    run_step(r, "theory-derf-small", "theory: blog2, Derf, small alphas", cmd_theory, "theory",
             "--preset", "blog2", "--norm", "derf", "--alpha", "0.3,0.5", "--depth",
             sc->theory_depth, "-o", o1, NULL);
    free(o1);
    {
        const char *srcs[2] = {"data/theory_ln.csv", "data/theory_derf.csv"};
        concat_csv(r, "data/theory.csv", srcs, 2);
        const char *sums[2] = {"data/summary_ln.csv", "data/summary_derf.csv"};
        concat_csv(r, "data/summary.csv", sums, 2);
        const char *st[2] = {"data/theory_ln.csv", "data/theory_derf_small_alpha.csv"};
        concat_csv(r, "data/theory_stretched.csv", st, 2);
    }
    /* 2. the toy network of blog part 1 */
    o1 = path_in(r, "data/toy.csv");
    o2 = path_in(r, "data/toy_summary.csv");
    run_step(r, "toy", "theory: blog1 toy network", cmd_theory, "theory", "--preset",
             "blog1-toy", "--alpha", sc->toy_alphas, "--depth", sc->toy_depth, "-o", o1, NULL);
    run_step(r, "toy-summary", "theory summary: toy network", cmd_theory, "theory", "--preset",
             "blog1-toy", "--alpha", sc->toy_alphas, "--depth", sc->toy_depth, "--summary", "-o",
             o2, NULL);
    free(o1); free(o2);
    /* 3. phase diagram: every depth 1..L of a Derf alpha grid */
    o1 = path_in(r, "data/phase_derf.csv");
    run_step(r, "phase", "theory: phase-diagram grid", cmd_theory, "theory", "--preset", "blog2",
             "--norm", "derf", "--alpha", sc->phase_alphas, "--depth", sc->theory_depth, "-o", o1,
             NULL);
    free(o1);
    /* 4. fits of the theory curves */
    o1 = path_in(r, "data/fit_theory.csv");
    if (P("data/theory.csv")) {
        run_step(r, "fit-theory", "fit: theory J^{l,0}", cmd_fit, "fit", p, "--column", "J_fwd",
                 "-o", o1, NULL);
        free(p);
    }
    free(o1);
    /* 5. measurement at reduced (or full) size, with the theory of the same shape */
    *nmc = 0;
    snprintf(mc[*nmc].id, sizeof mc[0].id, "ln");
    snprintf(mc[*nmc].label, sizeof mc[0].label, "pre-LN");
    mc[*nmc].norm = "ln";
    mc[*nmc].alpha[0] = 0;
    (*nmc)++;
    {
        char *alist = strdup(sc->m_alphas), *save = NULL;
        for (char *a = alist ? strtok_r(alist, ",", &save) : NULL; a && *nmc < 8;
             a = strtok_r(NULL, ",", &save)) {
            snprintf(mc[*nmc].id, sizeof mc[0].id, "derf%s", a);
            snprintf(mc[*nmc].label, sizeof mc[0].label, "Derf alpha = %s", a);
            mc[*nmc].norm = "derf";
            snprintf(mc[*nmc].alpha, sizeof mc[0].alpha, "%s", a);
            (*nmc)++;
        }
        free(alist);
    }
    for (int i = 0; i < *nmc; i++) {
        char rel[128], id[64], title[128];
        snprintf(rel, sizeof rel, "data/measure_%.24s.csv", mc[i].id);
        snprintf(id, sizeof id, "measure-%.24s", mc[i].id);
        snprintf(title, sizeof title, "measure: %s (d=%s, n=%s, L=%s)", mc[i].label, sc->m_width,
                 sc->m_tokens, sc->m_depth);
        o1 = path_in(r, rel);
        /* the architecture flags shared by the measurement and its theory */
        const char *arch[16];
        int na = 0;
        arch[na++] = "--preset";
        arch[na++] = "blog2";
        arch[na++] = "--norm";
        arch[na++] = mc[i].norm;
        if (mc[i].alpha[0]) {
            arch[na++] = "--alpha";
            arch[na++] = mc[i].alpha;
        }
        arch[na++] = "--width";
        arch[na++] = sc->m_width;
        arch[na++] = "--tokens";
        arch[na++] = sc->m_tokens;
        arch[na++] = "--depth";
        arch[na++] = sc->m_depth;
        const char *args[40];
        int n = 0;
        args[n++] = "measure";
        for (int k = 0; k < na; k++)
            args[n++] = arch[k];
        const char *extra[] = {"--seeds", sc->m_seeds, "--probes", sc->m_probes, "--seed",
                               r->seed_s, "-o", o1};
        for (size_t k = 0; k < sizeof extra / sizeof extra[0]; k++)
            args[n++] = extra[k];
        if (o1)
            run_stepa(r, id, title, cmd_measure, args, n);
        free(o1);
        snprintf(rel, sizeof rel, "data/theory_small_%.24s.csv", mc[i].id);
        snprintf(id, sizeof id, "theory-small-%.24s", mc[i].id);
        snprintf(title, sizeof title, "theory at the measured shape: %s", mc[i].label);
        o1 = path_in(r, rel);
        n = 0;
        args[n++] = "theory";
        for (int k = 0; k < na; k++)
            args[n++] = arch[k];
        args[n++] = "-o";
        args[n++] = o1;
        if (o1)
            run_stepa(r, id, title, cmd_theory, args, n);
        free(o1);
    }
    {
        const char *ms[8], *ts[8];
        char mbuf[8][96], tbuf[8][96];
        for (int i = 0; i < *nmc; i++) {
            snprintf(mbuf[i], sizeof mbuf[i], "data/measure_%.24s.csv", mc[i].id);
            snprintf(tbuf[i], sizeof tbuf[i], "data/theory_small_%.24s.csv", mc[i].id);
            ms[i] = mbuf[i];
            ts[i] = tbuf[i];
        }
        int nm = concat_csv(r, "data/measure.csv", ms, *nmc);
        concat_csv(r, "data/theory_small.csv", ts, *nmc);
        if (nm) {
            o1 = path_in(r, "data/fit_measure.csv");
            if (P("data/measure.csv")) {
                run_step(r, "fit-measure", "fit: measured J^{l,0}", cmd_fit, "fit", p, "--column",
                         "J_fwd", "-o", o1, NULL);
                free(p);
            }
            free(o1);
        } else {
            char *mp = path_in(r, "data/measure.csv");
            if (mp)
                unlink(mp);
            free(mp);
        }
    }
    /* 6. the alpha rule */
    o1 = path_in(r, "data/alpha.csv");
    run_step(r, "alpha", "alpha rule: match pre-LN", cmd_alpha, "alpha", "--norm", "derf",
             "--match", "preln", "--depth", sc->a_depths, "--width", sc->a_widths, "-o", o1, NULL);
    free(o1);
    /* 7. figures */
    if (step_ok(r, "theory-ln") || step_ok(r, "theory-derf")) {
        plot_step(r, "profile.png", "figure: q, p, p/q", "profile", "data/theory.csv", NULL, NULL);
        plot_step(r, "apjn_theory.png", "figure: APJN (theory)", "jbwd", "data/theory.csv", NULL,
                  NULL);
        plot_step(r, "stretched.png", "figure: (log J)^2", "stretched",
                  "data/theory_stretched.csv", NULL, NULL);
    }
    if (step_ok(r, "toy"))
        plot_step(r, "toy.png", "figure: toy network", "toy", "data/toy.csv",
                  step_ok(r, "toy-summary") ? "data/toy_summary.csv" : NULL, NULL);
    if (step_ok(r, "phase"))
        plot_step(r, "phase.png", "figure: phase diagram", "phase", "data/phase_derf.csv",
                  step_ok(r, "theory-ln") ? "data/theory_ln.csv" : NULL, NULL);
    char *mp = path_in(r, "data/measure.csv");
    if (mp && file_exists(mp)) {
        plot_step(r, "apjn_measured.png", "figure: APJN, theory and measured", "jbwd",
                  "data/theory_small.csv", "data/measure.csv", NULL);
        plot_step(r, "profile_measured.png", "figure: q, p measured", "profile",
                  "data/theory_small.csv", "data/measure.csv", NULL);
        plot_step(r, "gradamp.png", "figure: gradient amplification", "gradamp",
                  "data/measure.csv", "data/theory_small.csv", NULL);
    }
    free(mp);
    if (step_ok(r, "alpha"))
        plot_step(r, "alpha.png", "figure: recommended alpha", "alpha", "data/alpha.csv", NULL,
                  NULL);
#undef P
}

/* ---- the HTML document ---- */
static void write_html(struct report *r, const struct mconf *mc, int nmc, double wall)
{
    FILE *h = r->html;
    const struct scenario *sc = r->sc;
    time_t now = time(NULL);
    struct tm tmv;
    char date[64];
    gmtime_r(&now, &tmv);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tmv);
    int failed = 0;
    for (int i = 0; i < r->nsteps; i++)
        failed += r->steps[i].rc != 0;

    fprintf(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               REPORT_MARKER "\n"
               "<title>sigprop report: %s scenario</title>\n<style>%s</style>\n</head>\n<body>\n",
            sc->name, css);
    fprintf(h, "<h1>Signal propagation at initialisation: pre-LN against Derf</h1>\n"
               "<p class=\"lead\">sigprop %s, scenario <strong>%s</strong>: %s. Generated %s in "
               "%.1f s. %d of %d steps succeeded.</p>\n",
            sp_version(), sc->name, sc->summary, date, wall, r->nsteps - failed, r->nsteps);
    fprintf(h, "<nav><ol><li><a href=\"#theory\">Mean-field theory</a></li>"
               "<li><a href=\"#toy\">The toy network (blog part 1)</a></li>"
               "<li><a href=\"#phase\">Phase diagram</a></li>"
               "<li><a href=\"#measure\">Finite-width measurement</a></li>"
               "<li><a href=\"#fits\">Fits</a></li>"
               "<li><a href=\"#alpha\">The alpha rule</a></li>"
               "<li><a href=\"#config\">Configuration</a></li>"
               "<li><a href=\"#provenance\">Provenance</a></li></ol></nav>\n");

    /* 1. theory */
    fprintf(h, "<section id=\"theory\"><h2>1. Mean-field theory of the blog part-2 "
               "transformer</h2>\n<p>L = %s blocks, n = 197 tokens, d = 1024, all sigmas 0.64 "
               "(&sigma;<sub>2</sub> = 1.28), q<sub>0</sub> = 1, p<sub>0</sub> = 0.4, theory "
               "version A. Pre-LN is critical: its APJN grows as a power law. Derf is "
               "subcritical: a stretched exponential, growing with &alpha;.</p>\n",
            sc->theory_depth);
    figure(r, "profile.png", "Token norm q, overlap p and cosine p/q against depth: the "
           "residual stream grows more slowly under Derf than under pre-LN, and its tokens "
           "become less aligned at large alpha.");
    figure(r, "apjn_theory.png", "Backward APJN J^{L,l} (how much a gradient at the top "
           "grows on its way down to block l) and forward APJN J^{l,0}, log scale (blog part 2, "
           "Fig. 2).");
    figure(r, "stretched.png", "Left: (log J^{l,0})^2 against l, where a stretched exponential "
           "exp(sqrt(l/lambda)) is a straight line (Derf); right: log-log axes, where a power "
           "law l^zeta is one (pre-LN). Derf alpha = 1.9 is left out: its scale would flatten "
           "the other curves.");
    struct sp_table *t = load_csv(r, "data/summary.csv");
    if (t) {
        fprintf(h, "<p>Summary at the top block, with SPEC 5's reference values "
                   "(independent implementations, 5 digits):</p>\n");
        table_theory_summary(r, t, 1);
        sp_table_free(t);
    } else {
        unavailable(r, "theory summary table", "summary-ln");
    }
    fprintf(h, "</section>\n");

    /* 2. toy */
    fprintf(h, "<section id=\"toy\"><h2>2. The toy residual network (blog part 1)</h2>\n"
               "<p>h<sup>l+1</sup> = h<sup>l</sup> + W<sup>l</sup> erf(&alpha; h<sup>l</sup>), "
               "&sigma;<sub>w</sub> = 0.46, K<sub>0</sub> = 1, %s layers. Small &alpha;: "
               "exponential growth until &alpha;&sup2;K reaches 1 at the transition depth l*; "
               "then K grows linearly and J as a stretched exponential.</p>\n",
            sc->toy_depth);
    figure(r, "toy.png", "K_l and the backward APJN J^{L,l} for each alpha, with the "
           "transition depth l* (where alpha^2 K_l first reaches 1) marked (blog part 1, Fig. 2).");
    t = load_csv(r, "data/toy_summary.csv");
    if (t) {
        table_toy_summary(r, t);
        sp_table_free(t);
    } else {
        unavailable(r, "toy summary table", "toy-summary");
    }
    fprintf(h, "</section>\n");

    /* 3. phase */
    fprintf(h, "<section id=\"phase\"><h2>3. Phase diagram</h2>\n<p>log<sub>10</sub> "
               "J<sup>L,0</sup> of a depth-L network over the Derf &alpha; grid %s, every "
               "depth up to %s. The dashed line is where Derf amplifies exactly as much as "
               "pre-LN of the same depth: to its left Derf is gentler, to its right it "
               "amplifies more.</p>\n",
            sc->phase_alphas, sc->theory_depth);
    figure(r, "phase.png", "Heat map of log10 J^{L,0} over (alpha, depth) with the pre-LN "
           "level as a contour.");
    fprintf(h, "</section>\n");

    /* 4. measurement */
    fprintf(h, "<section id=\"measure\"><h2>4. Finite-width measurement</h2>\n<p>Finite "
               "networks of the blog2 shape at d = %s, n = %s, L = %s: %s weight draw(s), %s "
               "Hutchinson probes each, master seed %lu; theory lines at the same shape.</p>\n",
            sc->m_width, sc->m_tokens, sc->m_depth, sc->m_seeds, sc->m_probes, r->seed);
    int have_m = step_ok(r, "measure-ln") || (nmc > 1 && step_ok(r, "measure-derf0.5"));
    if (have_m) {
        figure(r, "apjn_measured.png", "APJN: theory (lines) and measurement (points, mean "
               "+- standard error).");
        figure(r, "profile_measured.png", "q, p and p/q: theory (lines) and measurement (points).");
        figure(r, "gradamp.png", "Gradient amplification E||dLoss/dh^l||^2 / E||dLoss/dh^L||^2 "
               "(measured) against the APJN (theory, dashed): the loss the measurement uses is "
               "documented in docs/measure.md.");
        fprintf(h, "<p>Geometric mean multiplicative error GMFE = exp(mean |log(measured / "
                   "theory)|) per depth third (SPEC 4; 1 is perfect agreement):</p>\n"
                   "<table><tr><th class=l>configuration</th><th class=l>quantity</th>"
                   "<th>first third</th><th>second third</th><th>last third</th><th>all</th>"
                   "</tr>\n");
        for (int i = 0; i < nmc; i++) {
            char rel[128];
            snprintf(rel, sizeof rel, "data/measure_%.24s.csv", mc[i].id);
            struct sp_table *m = load_csv(r, rel);
            snprintf(rel, sizeof rel, "data/theory_small_%.24s.csv", mc[i].id);
            struct sp_table *th = load_csv(r, rel);
            if (m && th) {
                gmfe_row(h, mc[i].label, m, th, "J_bwd");
                gmfe_row(h, mc[i].label, m, th, "J_fwd");
                gmfe_row(h, mc[i].label, m, th, "q");
            }
            sp_table_free(m);
            sp_table_free(th);
        }
        fprintf(h, "</table>\n");
        table_top_block(r, mc, nmc);
    }
    for (int i = 0; i < nmc; i++) {
        char id[64], what[128];
        snprintf(id, sizeof id, "measure-%.24s", mc[i].id);
        snprintf(what, sizeof what, "measurement of %s", mc[i].label);
        if (!step_ok(r, id))
            unavailable(r, what, id);
    }
    fprintf(h, "</section>\n");

    /* 5. fits */
    fprintf(h, "<section id=\"fits\"><h2>5. Fits: power law or stretched exponential?</h2>\n"
               "<p><code>sigprop fit</code> fits log J<sup>l,0</sup> with a power law, "
               "stretched exponentials and an exponential and selects one by AIC. Compare "
               "&zeta; and &lambda; with the asymptotic values of the summary table. On "
               "short curves (the reduced measurement) a power law and a stretched "
               "exponential are hard to tell apart, so a measured verdict there is weak "
               "evidence; the theory curves at full depth are the reference.</p>\n");
    t = load_csv(r, "data/fit_theory.csv");
    if (t) {
        table_fits(r, t, "theory");
        sp_table_free(t);
    } else {
        unavailable(r, "fits of the theory curves", "fit-theory");
    }
    t = load_csv(r, "data/fit_measure.csv");
    if (t) {
        table_fits(r, t, "measured");
        sp_table_free(t);
    } else if (find_step(r, "fit-measure")) {
        unavailable(r, "fits of the measured curves", "fit-measure");
    }
    fprintf(h, "</section>\n");

    /* 6. alpha */
    fprintf(h, "<section id=\"alpha\"><h2>6. The alpha rule</h2>\n<p>The Derf &alpha; at "
               "which the mean-field J<sup>L,0</sup> equals that of the pre-LN network of the "
               "same shape (timm init std 0.02, so the sigmas grow as &radic;width), for depths "
               "%s and widths %s. Deeper and wider models need a smaller &alpha;.</p>\n",
            sc->a_depths, sc->a_widths);
    figure(r, "alpha.png", "Recommended alpha against depth (one line per width) and width "
           "(one line per depth), log axes.");
    t = load_csv(r, "data/alpha.csv");
    if (t) {
        table_alpha(r, t);
        sp_table_free(t);
    } else {
        unavailable(r, "alpha table", "alpha");
    }
    fprintf(h, "</section>\n");

    /* configuration: every command that ran */
    fprintf(h, "<section id=\"config\"><h2>Configuration</h2>\n<p>Every step, as the "
               "command that reproduces it (paths relative to the report folder), its status "
               "and wall time:</p>\n<table><tr><th>#</th><th class=l>step</th>"
               "<th class=l>command</th><th class=l>status</th><th>seconds</th></tr>\n");
    for (int i = 0; i < r->nsteps; i++) {
        const struct step *s = &r->steps[i];
        fprintf(h, "<tr><td>%d</td><td class=l>", i + 1);
        html_esc(h, s->title);
        fprintf(h, "</td><td class=l><code>");
        html_esc(h, s->cmdline);
        fprintf(h, "</code></td><td class=l>%s", s->rc ? "<span class=fail>failed</span>: "
                                                       : "<span class=ok>ok</span>");
        if (s->rc)
            html_esc(h, s->reason);
        fprintf(h, "</td><td>%.2f</td></tr>\n", s->wall);
    }
    fprintf(h, "</table>\n</section>\n");

    /* provenance */
    char host[256] = "";
    if (gethostname(host, sizeof host - 1) != 0)
        host[0] = 0;
    fprintf(h, "<section id=\"provenance\"><h2>Provenance</h2>\n<table>"
               "<tr><th class=l>sigprop version</th><td class=l>");
    html_esc(h, sp_version());
    fprintf(h, "</td></tr><tr><th class=l>git commit</th><td class=l>");
    html_esc(h, sp_git_hash());
    fprintf(h, "</td></tr><tr><th class=l>built with</th><td class=l>");
    html_esc(h, sp_build_features());
    fprintf(h, "</td></tr><tr><th class=l>scenario</th><td class=l>%s</td></tr>"
               "<tr><th class=l>master seed</th><td class=l>%lu</td></tr>"
               "<tr><th class=l>date</th><td class=l>%s</td></tr>"
               "<tr><th class=l>wall time</th><td class=l>%.1f s</td></tr>"
               "<tr><th class=l>host</th><td class=l>",
            sc->name, r->seed, date, wall);
    html_esc(h, host);
    fprintf(h, "</td></tr></table>\n<p>The CSV behind every figure and table is in "
               "<code>data/</code>, each step's messages in <code>logs/</code>. Reproduce "
               "with <code>sigprop report --scenario %s --seed %lu</code>.</p>\n</section>\n"
               "</body>\n</html>\n",
            sc->name, r->seed);
}

static int make_dirs(const struct report *r)
{
    const char *subs[] = {"", "/data", "/figures", "/logs"};
    for (size_t i = 0; i < 4; i++) {
        char *p = xasprintf("%s%s", r->dir, subs[i]);
        int rc = p ? mkdir(p, 0755) : -1;
        free(p);
        if (rc != 0)
            return -1;
    }
    return 0;
}

int cmd_report(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"scenario", required_argument, 0, 's'}, {"output", required_argument, 0, 'o'},
        {"seed", required_argument, 0, OPT_SEED}, {"strict", no_argument, 0, OPT_STRICT},
        {"skip", required_argument, 0, OPT_SKIP}, {"force", no_argument, 0, OPT_FORCE},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *scen = "default", *out = "report", *skip = NULL;
    unsigned long seed = 1;
    int strict = 0, quiet = 0, force = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":s:o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case 's': scen = optarg; break;
        case 'o': out = optarg; break;
        case OPT_SEED: {
            char *end;
            errno = 0;
            unsigned long long v = strtoull(optarg, &end, 10);
            if (end == optarg || *end || errno || optarg[0] == '-' || v > UINT32_MAX)
                return cli_usage("report", "--seed: '%s' is not an integer in [0, %u]", optarg,
                                 UINT32_MAX);
            seed = (unsigned long)v;
            break;
        }
        case OPT_STRICT: strict = 1; break;
        case OPT_SKIP: skip = optarg; break;
        case OPT_FORCE: force = 1; break;
        case 'q': quiet = 1; break;
        case 'h': help(stdout); return CLI_OK;
        default: return cli_bad_option("report", argc, argv);
        }
    }
    if (optind < argc)
        return cli_usage("report", "unexpected argument '%s'", argv[optind]);
    const struct scenario *sc = NULL;
    for (size_t i = 0; i < NSCENARIOS; i++)
        if (!strcmp(scenarios[i].name, scen))
            sc = &scenarios[i];
    if (!sc)
        return cli_usage("report", "--scenario: '%s' is not one of default, full, test", scen);
    if (!*out)
        return cli_usage("report", "-o: empty folder name");
    size_t olen = strlen(out);
    while (olen > 1 && out[olen - 1] == '/')
        olen--;

    struct report r;
    memset(&r, 0, sizeof r);
    r.sc = sc;
    r.seed = seed;
    snprintf(r.seed_s, sizeof r.seed_s, "%lu", seed);
    r.quiet = quiet || cli_quiet;
    char *skip_copy = NULL, *skip_list[16];
    if (skip) {
        static const char *const known[] = {"theory", "summary", "toy", "phase", "fit",
                                            "measure", "alpha", "plot"};
        skip_copy = strdup(skip);
        char *save = NULL;
        for (char *t = skip_copy ? strtok_r(skip_copy, ",", &save) : NULL; t;
             t = strtok_r(NULL, ",", &save)) {
            int ok = 0;
            for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
                ok |= !strncmp(t, known[k], strlen(known[k]));
            if (!ok || r.nskip >= 16) {
                int rc = cli_usage("report", "--skip: '%s' is not a step name (theory, summary, "
                                   "toy, phase, fit, measure, alpha, plot, or a longer prefix "
                                   "such as measure-ln)", t);
                free(skip_copy);
                return rc;
            }
            skip_list[r.nskip++] = t;
        }
        r.skip = skip_list;
    }
    r.final = strndup(out, olen);
    r.dir = r.final ? xasprintf("%s.tmp.%ld", r.final, (long)getpid()) : NULL;
    if (!r.final || !r.dir) {
        free(r.final);
        free(r.dir);
        free(skip_copy);
        return cli_fail("out of memory");
    }
    struct stat sb;
    if (stat(r.final, &sb) == 0 && !S_ISDIR(sb.st_mode)) {
        int rc = cli_fail("'%s' exists and is not a folder", r.final);
        free(r.final);
        free(r.dir);
        free(skip_copy);
        return rc;
    }
    if (stat(r.final, &sb) == 0) {
        /* refuse before running anything: only an empty folder or an earlier
         * report is replaced without --force, never the folder we stand in */
        const char *why = NULL;
        if (contains_cwd(r.final))
            why = "is the current folder or one above it; replacing it would delete the "
                  "folder you are in: give a new folder";
        else if (!force && is_empty_dir(r.final) != 1 && !is_report(r.final))
            why = "exists and is not a sigprop report (no index.html written by sigprop "
                  "report); use --force to replace it and delete its content, or another -o";
        if (why) {
            int rc = cli_usage("report", "-o '%s' %s", r.final, why);
            free(r.final);
            free(r.dir);
            free(skip_copy);
            return rc;
        }
    }
    rm_tree(r.dir); /* a leftover of a crashed run with our pid */
    if (make_dirs(&r) != 0) {
        int rc = cli_fail("cannot create '%s': %s", r.dir, strerror(errno));
        free(r.final);
        free(r.dir);
        free(skip_copy);
        return rc;
    }
    if (!r.quiet)
        fprintf(stderr, "sigprop: report: scenario '%s' into %s/ (building in %s/)\n", sc->name,
                r.final, r.dir);
    r.t0 = cli_now();
    struct mconf mc[8];
    int nmc = 0;
    run_scenario(&r, mc, &nmc);
    double wall = cli_now() - r.t0;

    char *index = xasprintf("%s/index.html", r.dir);
    r.html = index ? fopen(index, "w") : NULL;
    int rc = 0;
    if (!r.html) {
        rc = cli_fail("cannot write '%s'", index ? index : "index.html");
    } else {
        write_html(&r, mc, nmc, wall);
        if (fflush(r.html) != 0 || ferror(r.html) || fsync(fileno(r.html)) != 0)
            rc = cli_fail("writing '%s' failed", index);
        if (fclose(r.html) != 0 && !rc)
            rc = cli_fail("writing '%s' failed", index);
    }
    free(index);
    if (!rc) {
        /* swap in atomically: the old report moves aside, the new one takes its name */
        char *old = xasprintf("%s.old.%ld", r.final, (long)getpid());
        int had_old = stat(r.final, &sb) == 0;
        if (!old || (had_old && rename(r.final, old) != 0)) {
            rc = cli_fail("cannot move the old '%s' aside: %s", r.final, strerror(errno));
        } else if (rename(r.dir, r.final) != 0) {
            rc = cli_fail("cannot rename '%s' to '%s': %s", r.dir, r.final, strerror(errno));
            if (had_old)
                rename(old, r.final);
        } else if (had_old) {
            rm_tree(old);
        }
        free(old);
    }
    if (rc)
        rm_tree(r.dir);
    int failed = 0;
    for (int i = 0; i < r.nsteps; i++)
        failed += r.steps[i].rc != 0;
    if (!rc) {
        if (!r.quiet) {
            fprintf(stderr, "sigprop: report: %d of %d steps succeeded in %.1f s\n",
                    r.nsteps - failed, r.nsteps, wall);
            if (failed)
                fprintf(stderr, "sigprop: report: the failed steps are marked in the report; "
                                "their messages are in %s/logs/\n", r.final);
        }
        printf("%s/index.html\n", r.final);
        fflush(stdout);
        if (strict && failed)
            rc = cli_fail("%d step(s) failed (--strict)", failed);
    }
    free(r.final);
    free(r.dir);
    free(skip_copy);
    return rc;
}
