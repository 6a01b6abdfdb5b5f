/* sigprop/report.h: the end-to-end report (`sigprop report`, docs/report.md) as a
 * library: the scenarios (what to run at which size), the steps, and the
 * self-contained HTML document written from the steps' CSVs.
 *
 * A step is one of the tool's commands with the arguments a user would type
 * (so the report's Configuration table is a list of commands anyone can re-run).
 * The library plans the steps, decides which run (skips, dependencies), times
 * them, records their status and reason, joins their CSVs and lays out the
 * HTML; the caller runs each command through sp_report_hooks.exec and hears
 * about progress through sp_report_hooks.on_step. The library prints nothing.
 *
 *     struct sp_report r;
 *     const struct sp_report_scenario *sc;
 *     sp_report_scenario_find("scenario", "test", &sc);  // SP_OK
 *     sp_report_init(&r, sc, 1, &hooks);
 *     if (sp_report_check_dir("rep", force, &exists) == SP_OK &&
 *         sp_report_open(&r, "rep") == SP_OK) {
 *         sp_report_run(&r);                 // every step; failures are recorded
 *         if (sp_report_write(&r) == SP_OK)  // rep.tmp.PID/index.html
 *             sp_report_commit(&r);          // rep.tmp.PID -> rep, old rep removed
 *     }
 *     sp_report_close(&r);
 */
#ifndef SIGPROP_REPORT_H
#define SIGPROP_REPORT_H

#include <stddef.h>

#include "sigprop/core.h"

#ifdef __cplusplus
extern "C" {
#endif

/* What index.html carries so that a later run knows the folder is a report it
 * may replace (reports written before the tag existed are known by their title). */
#define SP_REPORT_MARKER "<meta name=\"generator\" content=\"sigprop report\">"
#define SP_REPORT_TITLE "<title>sigprop report: "

/* ---- scenarios: the sizes, as the command-line values the steps pass ---- */
struct sp_report_scenario {
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
    /* the stability map: `sigprop sweep --mode train` flags separated by spaces
     * (NULL: no training section; it trains, so only the full scenario has one) */
    const char *train_map;
};

/* Every scenario ("default", "full", "test"), n of them. */
const struct sp_report_scenario *sp_report_scenarios(size_t *n);
/* The scenario called name into *out, or SP_EINVAL with "flag: 'name' is not
 * one of default, full, test" (sp_parse_choice) and *out NULL. */
enum sp_status sp_report_scenario_find(const char *flag, const char *name,
                                       const struct sp_report_scenario **out);

/* 1 if name is a step-name prefix --skip accepts ("theory", "summary", "toy",
 * "phase", "fit", "measure", "alpha", "plot", or longer: "measure-ln"). */
int sp_report_step_prefix_ok(const char *name);

/* ---- steps ---- */
#define SP_REPORT_MAX_STEPS 64
#define SP_REPORT_MAX_SKIP 16
struct sp_report_step {
    char id[48];          /* "theory-ln", "measure-derf0.5", "plot-phase.png" */
    char title[160];      /* "theory: blog2, pre-LN" */
    char cmdline[1024];   /* "sigprop theory --preset blog2 ... -o data/theory_ln.csv" */
    int rc;               /* the command's exit status; nonzero also when skipped */
    double wall;          /* seconds */
    char reason[512];     /* why it failed or was skipped; "" when it succeeded */
};

enum sp_report_event {
    SP_REPORT_BEGIN,   /* the step is about to run */
    SP_REPORT_END,     /* it ran: rc, wall and reason are set */
    SP_REPORT_SKIPPED, /* left out by the skip list: reason is set */
};

struct sp_report_hooks {
    /* Runs one command: argv[0] is its name ("theory", "measure", "fit",
     * "alpha", "plot"), argv[argc] is NULL; what it says goes to the file log.
     * Returns its exit status (0: success); on failure it may put a one-line
     * reason into reason[n] (else the last non-empty line of log, less a leading
     * "sigprop: " or "sigprop: error: ", else "exit status N" is recorded). Required. */
    int (*exec)(void *ctx, const struct sp_report_step *st, int number, int argc, char **argv,
                const char *log, char *reason, size_t n);
    /* Progress: step number (1-based), the event, seconds since the run began.
     * May be NULL. */
    void (*on_step)(void *ctx, const struct sp_report_step *st, int number,
                    enum sp_report_event ev, double t_run);
    void *ctx;
};

/* one measured configuration of the scenario (pre-LN, then each Derf alpha) */
struct sp_report_mconf {
    char id[32];       /* "ln", "derf0.5" */
    char label[64];
    const char *norm;
    char alpha[32];    /* "" for ln */
};

struct sp_report {
    const struct sp_report_scenario *sc;
    unsigned long seed;          /* master seed of the measurements */
    char seed_s[32];
    struct sp_report_hooks hooks;
    const char *skip[SP_REPORT_MAX_SKIP]; /* step-id prefixes not to run (not owned) */
    size_t nskip;
    /* filled by sp_report_open / sp_report_run */
    char *dir;                   /* OUT.tmp.PID: where everything is built */
    char *final;                 /* OUT */
    int dir_slot;                /* sp_tmp_register slot of dir, -1: none */
    struct sp_report_step steps[SP_REPORT_MAX_STEPS];
    int nsteps;
    struct sp_report_mconf mc[8];
    int nmc;
    double t0, wall;             /* monotonic start, seconds the steps took */
};

/* Sets r up for scenario sc (not NULL) and seed; no skips, nothing opened. */
void sp_report_init(struct sp_report *r, const struct sp_report_scenario *sc,
                    unsigned long seed, const struct sp_report_hooks *hooks);
/* Adds a skip prefix (checked with sp_report_step_prefix_ok; kept by pointer):
 * SP_EINVAL naming it if unknown or more than SP_REPORT_MAX_SKIP. */
enum sp_status sp_report_add_skip(struct sp_report *r, const char *prefix);

/* May out be used as the report folder, before anything runs? Absent, an empty
 * folder or an earlier report (its index.html holds SP_REPORT_MARKER or
 * SP_REPORT_TITLE): yes; anything else only with force; never a file, nor the
 * current folder or one above it. SP_OK with *exists saying whether it exists
 * (a new one's parent is the caller's to check), or SP_EINVAL with the reason. */
enum sp_status sp_report_check_dir(const char *out, int force, int *exists);
/* Creates OUT.tmp.PID with data/, figures/ and logs/, registered as a temporary
 * (sp_tmp_register: removed on a fatal signal); out loses trailing slashes. */
enum sp_status sp_report_open(struct sp_report *r, const char *out);
/* Runs every step of the scenario in order, through the hooks. A failed step
 * is recorded, not fatal: returns SP_OK unless r is not open. */
enum sp_status sp_report_run(struct sp_report *r);
/* The number of steps that failed or were skipped. */
int sp_report_failed(const struct sp_report *r);
/* Writes DIR.tmp.PID/index.html from the steps' CSVs (it never recomputes). */
enum sp_status sp_report_write(const struct sp_report *r);
/* Moves the old OUT aside, renames OUT.tmp.PID to OUT, removes the old one.
 * The caller blocks the signals it handles around this call if it must not be
 * interrupted halfway (the library changes no signal mask). */
enum sp_status sp_report_commit(struct sp_report *r);
/* Removes OUT.tmp.PID if still there, unregisters it and frees r's strings. */
void sp_report_close(struct sp_report *r);

#ifdef __cplusplus
}
#endif

#endif
