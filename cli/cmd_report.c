/* sigprop report: runs a named scenario end to end and writes a self-contained
 * HTML report (docs/report.md). The scenarios, steps and HTML are the library's
 * (src/report/, sigprop/report.h); this file parses the options, runs each step
 * as one of this tool's commands in-process (its stderr in the step's log, a
 * ticker redrawing its line on a terminal; the library reads a failed step's
 * reason from the log) and prints the progress. */
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "sigprop/report.h"

static void scenario_list(FILE *f)
{
    size_t n;
    const struct sp_report_scenario *sc = sp_report_scenarios(&n);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "        %-8s %s\n", sc[i].name, sc[i].summary);
}

/* ---- the steps' commands, run in-process ---- */
static const struct {
    const char *name;
    int (*run)(int, char **);
} step_cmds[] = {{"theory", cmd_theory}, {"measure", cmd_measure}, {"fit", cmd_fit},
                 {"alpha", cmd_alpha},   {"plot", cmd_plot}};

/* A step's stderr goes to its log, so on a terminal a ticker thread redraws the
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

struct run_ctx {
    int quiet;
    double t0;     /* when the run began, for the ticker */
    int ticked;    /* the last step's line was redrawn by the ticker */
};

/* sp_report_hooks.exec: the command with its stderr in log. */
static int exec_step(void *ctx, const struct sp_report_step *st, int number, int argc,
                     char **argv, const char *log, char *reason, size_t n)
{
    struct run_ctx *rc = ctx;
    int (*cmd)(int, char **) = NULL;
    for (size_t i = 0; i < sizeof step_cmds / sizeof step_cmds[0]; i++)
        if (!strcmp(step_cmds[i].name, argv[0]))
            cmd = step_cmds[i].run;
    if (!cmd) {
        snprintf(reason, n, "unknown command '%s'", argv[0]);
        return CLI_FAIL;
    }
    int tty = !rc->quiet && isatty(STDERR_FILENO);
    int saved = dup(STDERR_FILENO), saved_quiet = cli_quiet;
    int fd = log ? open(log, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
    fflush(stderr);
    if (fd >= 0 && saved >= 0)
        dup2(fd, STDERR_FILENO);
    cli_quiet = 0; /* the step's messages go to its log */
    optind = 0;    /* GNU getopt: full reinitialisation */
    struct ticker tk;
    int ticking = 0;
    if (tty && fd >= 0 && saved >= 0) {
        memset(&tk, 0, sizeof tk);
        tk.fd = saved;
        snprintf(tk.prefix, sizeof tk.prefix, "sigprop: report: [%2d] %.44s", number, st->title);
        tk.t_step = cli_now();
        tk.t_run = rc->t0;
        cli_progress_permille = -1;
        pthread_mutex_init(&tk.mu, NULL);
        pthread_cond_init(&tk.cv, NULL);
        ticking = pthread_create(&tk.thread, NULL, ticker_main, &tk) == 0;
    }
    int status = cmd(argc, argv);
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
    rc->ticked = ticking;
    fflush(stderr);
    fflush(stdout);
    cli_quiet = saved_quiet;
    if (fd >= 0 && saved >= 0)
        dup2(saved, STDERR_FILENO);
    if (saved >= 0)
        close(saved);
    if (fd >= 0)
        close(fd);
    (void)reason; /* the library takes the reason from the log */
    (void)n;
    return status;
}

/* sp_report_hooks.on_step: one line per step, its status and times at the end. */
static void on_step(void *ctx, const struct sp_report_step *st, int number,
                    enum sp_report_event ev, double t_run)
{
    const struct run_ctx *rc = ctx;
    if (rc->quiet)
        return;
    if (ev == SP_REPORT_SKIPPED) {
        fprintf(stderr, "sigprop: report: [%2d] %-44s skipped\n", number, st->title);
    } else if (ev == SP_REPORT_BEGIN) {
        fprintf(stderr, "sigprop: report: [%2d] %-44s ", number, st->title);
        fflush(stderr);
    } else {
        if (rc->ticked) /* redraw the line the ticker overwrote */
            fprintf(stderr, "\r\033[Ksigprop: report: [%2d] %-44s ", number, st->title);
        fprintf(stderr, "%s %6.2fs (total %.1fs)%s%s\n", st->rc ? "FAILED" : "ok    ", st->wall,
                t_run, st->rc ? ": " : "", st->rc ? st->reason : "");
    }
}

static int split_skip(void *ctx, const char *cmd, const char *flag, const char *arg)
{
    (void)cmd;
    (void)flag;
    char **copy = ctx;
    free(*copy);
    return (*copy = strdup(arg)) ? 0 : cli_fail("out of memory");
}

int cmd_report(int argc, char **argv)
{
    const char *scen = "default", *out = "report";
    char *skip = NULL;
    uint64_t seed = 1;
    int strict = 0, quiet = 0, force = 0, first;
    const struct cli_opt opts[] = {
        {.kind = CLI_OPT_STRING, .name = "scenario", .key = 's', .arg = "NAME",
         .help = "default | full | test (default: default)", .dest = &scen},
        {.kind = CLI_OPT_TEXTFN, .text = scenario_list},
        {.kind = CLI_OPT_STRING, .name = "output", .key = 'o', .arg = "DIR", .dest = &out,
         .help = "output folder (default: report). DIR must not exist, be\n"
                 "empty or hold an earlier sigprop report, which is\n"
                 "replaced whole; anything else is refused before\n"
                 "running (see --force). Never the current folder or\n"
                 "one above it"},
        {.kind = CLI_OPT_FLAG, .name = "force", .dest = &force,
         .help = "replace DIR even if it is not a sigprop report (its\n"
                 "whole content is deleted)"},
        {.kind = CLI_OPT_U64, .name = "seed", .arg = "N", .dest = &seed, .hi = UINT32_MAX,
         .help = "master seed of the measurements (default 1)"},
        {.kind = CLI_OPT_CALL, .name = "skip", .arg = "LIST", .call = split_skip, .ctx = &skip,
         .help = "steps not to run, by name prefix, comma separated:\n"
                 "theory, summary, toy, phase, fit, measure, alpha, train, plot\n"
                 "(e.g. --skip measure: a theory-only report in a second)"},
        {.kind = CLI_OPT_FLAG, .name = "strict", .dest = &strict,
         .help = "exit 1 if any step failed or was skipped (default: 0\n"
                 "once the report is written)"},
        {.kind = CLI_OPT_FLAG, .name = "quiet", .key = 'q', .dest = &quiet,
         .help = "no progress messages"},
        CLI_OPT_HELPOPT,
        {.kind = CLI_OPT_END}};
    const struct cli_cmd cmd = {
        "report",
        "Usage: sigprop report [--scenario NAME] [-o DIR] [options]\n\n"
        "Runs a scenario end to end (mean-field theory, toy network, phase diagram,\n"
        "finite-width measurement, fits, the alpha rule, figures) and writes DIR/index.html,\n"
        "a self-contained report (figures embedded) with the configuration, the tables\n"
        "and the provenance; DIR/data holds the CSVs, DIR/figures the PNGs, DIR/logs what\n"
        "each step said. Built in DIR.tmp.PID and renamed when complete. A step that\n"
        "fails becomes a section saying why; the report is still written.\n\nOptions:\n",
        "\nPrints the path of the report's index.html on stdout.\n\n"
        "Example: sigprop report --scenario default -o report\n",
        opts, 0};
    int rc = cli_parse(&cmd, argc, argv, &first);
    if (rc) {
        free(skip);
        return rc == CLI_DONE ? CLI_OK : rc;
    }
    const struct sp_report_scenario *sc;
    if ((rc = cli_status("report", sp_report_scenario_find("--scenario", scen, &sc)))) {
        free(skip);
        return rc;
    }
    struct run_ctx ctx = {quiet || cli_quiet, 0.0, 0};
    const struct sp_report_hooks hooks = {exec_step, on_step, &ctx};
    struct sp_report r;
    sp_report_init(&r, sc, (unsigned long)seed, &hooks);
    char *save = NULL;
    for (char *t = skip ? strtok_r(skip, ",", &save) : NULL; t && !rc;
         t = strtok_r(NULL, ",", &save))
        if (sp_report_add_skip(&r, t) != SP_OK)
            rc = cli_usage("report", "%s", sp_last_error());
    int exists = 0;
    if (!rc && sp_report_check_dir(out, force, &exists) != SP_OK)
        rc = cli_usage("report", "%s", sp_last_error());
    if (!rc && !exists) /* a new folder: its parent must exist, writable */
        rc = cli_check_output("report", "-o", out);
    if (!rc && sp_report_open(&r, out) != SP_OK)
        rc = cli_fail("%s", sp_last_error());
    if (rc) {
        free(skip);
        return rc;
    }
    if (!ctx.quiet)
        fprintf(stderr, "sigprop: report: scenario '%s' into %s/ (building in %s/)\n", sc->name,
                r.final, r.dir);
    ctx.t0 = cli_now();
    sp_report_run(&r);
    if (sp_report_write(&r) != SP_OK) {
        rc = cli_fail("%s", sp_last_error());
    } else {
        /* SIGINT/SIGTERM/SIGHUP wait until the swap and the old report's removal
         * are done, so an interrupt never leaves OUT.old.PID (or no OUT) behind */
        sigset_t block, prev;
        sigemptyset(&block);
        sigaddset(&block, SIGINT);
        sigaddset(&block, SIGTERM);
        sigaddset(&block, SIGHUP);
        sigprocmask(SIG_BLOCK, &block, &prev);
        if (sp_report_commit(&r) != SP_OK)
            rc = cli_fail("%s", sp_last_error());
        sigprocmask(SIG_SETMASK, &prev, NULL);
    }
    int failed = sp_report_failed(&r);
    if (!rc) {
        if (!ctx.quiet) {
            fprintf(stderr, "sigprop: report: %d of %d steps succeeded in %.1f s\n",
                    r.nsteps - failed, r.nsteps, r.wall);
            if (failed)
                fprintf(stderr, "sigprop: report: the failed steps are marked in the report; "
                                "their messages are in %s/logs/\n", r.final);
        }
        printf("%s/index.html\n", r.final);
        fflush(stdout);
        if (strict && failed)
            rc = cli_fail("%d step(s) failed (--strict)", failed);
    }
    sp_report_close(&r);
    free(skip);
    return rc;
}
