/* cli/report.h: the parts of `sigprop report` shared by its files:
 *   report_scenario.c  the scenarios (what to run, at which sizes) and run_scenario
 *   report_steps.c     the step runner (in-process commands, logs, progress,
 *                      failure capture) and the CSV helpers
 *   report_html.c      the HTML document (figures, tables, captions)
 *   cmd_report.c       options, the output folder and its atomic swap. */
#ifndef SIGPROP_CLI_REPORT_H
#define SIGPROP_CLI_REPORT_H

#include <stdio.h>

#include "cli.h"

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

extern const struct scenario scenarios[];
extern const size_t nscenarios;
#define NSCENARIOS nscenarios

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

/* one measured configuration of the scenario (pre-LN, then each Derf alpha) */
struct mconf {
    char id[32];       /* "ln", "derf0.5" */
    char label[64];
    const char *norm;
    char alpha[32];    /* "" for ln */
};

/* report_steps.c */
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *path_in(const struct report *r, const char *rel);
int file_exists(const char *path);
int run_stepa(struct report *r, const char *id, const char *title, int (*cmd)(int, char **),
              const char *const *args, int nargs);
int run_step(struct report *r, const char *id, const char *title, int (*cmd)(int, char **),
             const char *name, ...);
const struct step *find_step(const struct report *r, const char *id);
int step_ok(const struct report *r, const char *id);
struct sp_table *load_csv(const struct report *r, const char *rel);
int concat_csv(const struct report *r, const char *dst, const char *const *srcs, int n);

/* report_scenario.c */
void run_scenario(struct report *r, struct mconf *mc, int *nmc);

/* report_html.c */
void write_html(struct report *r, const struct mconf *mc, int nmc, double wall);

#endif
