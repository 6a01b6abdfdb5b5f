/* The report library (sigprop/report.h) without the CLI: a fake exec hook
 * stands in for the commands, so this checks the library's own part: which
 * steps the test scenario plans and in which order, the skip list, failure
 * reasons, the progress events, the command lines (paths relative to the
 * report), what -o may replace, the HTML written from whatever the steps left
 * (missing CSVs become "Not available" notes) and the atomic swap. */
#define _GNU_SOURCE /* mkdtemp */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "sigprop.h"

struct fake {
    int nexec, ntheory, nmeasure, nsweep, nbegin, nend, nskipped;
    char first_cmdline[1024];
};

/* "measure" fails, the first time with a reason, the second with its log; every
 * other command succeeds without output. */
static int fake_exec(void *ctx, const struct sp_report_step *st, int number, int argc,
                     char **argv, const char *log, char *reason, size_t n)
{
    struct fake *f = ctx;
    (void)number;
    if (f->nexec++ == 0)
        snprintf(f->first_cmdline, sizeof f->first_cmdline, "%s", st->cmdline);
    CHECK(argc >= 1 && argv[argc] == NULL);
    if (!strcmp(argv[0], "theory"))
        f->ntheory++;
    if (!strcmp(argv[0], "sweep")) { /* the stability map: a small table of four runs */
        f->nsweep++;
        const char *out = NULL;
        for (int i = 0; i + 1 < argc; i++)
            if (!strcmp(argv[i], "-o"))
                out = argv[i + 1];
        FILE *fp = out ? fopen(out, "w") : NULL;
        CHECK(fp != NULL);
        if (fp) {
            fputs("norm,alpha,lr,warmup,depth,logJ_L0_pred,J_L0_pred,eval_acc,eval_loss,"
                  "diverged,diverged_step,alpha_rec,J_L0_measured,J_L0_se\n"
                  "dyt,0.1,0.01,0,6,0.1,1.1,0.7,0.8,0,nan,0.5,1.1,0.01\n"
                  "dyt,0.5,0.01,0,6,1.2,3.4,0.5,1.2,0,nan,0.5,3.3,0.1\n"
                  "dyt,2,0.01,0,6,4.2,65,0.1,2.3,1,120,0.5,60,2\n"
                  "ln,nan,0.01,0,6,2.1,8.5,0.73,0.7,0,nan,nan,8.4,0.2\n", fp);
            fclose(fp);
        }
        return 0;
    }
    if (!strcmp(argv[0], "measure")) {
        if (f->nmeasure++ == 1) { /* the second gives no reason: the library reads its log */
            FILE *fp = log ? fopen(log, "w") : NULL;
            CHECK(fp != NULL);
            if (fp) {
                fputs("sigprop: measure: a note\nsigprop: error: --tokens 9 exceeds 8 \n\n", fp);
                fclose(fp);
            }
            return 2;
        }
        snprintf(reason, n, "this build has no OpenBLAS");
        return 1;
    }
    return 0;
}

static void fake_step(void *ctx, const struct sp_report_step *st, int number,
                      enum sp_report_event ev, double t_run)
{
    struct fake *f = ctx;
    (void)st;
    CHECK(number >= 1 && t_run >= 0.0);
    f->nbegin += ev == SP_REPORT_BEGIN;
    f->nend += ev == SP_REPORT_END;
    f->nskipped += ev == SP_REPORT_SKIPPED;
}

static int contains(const char *path, const char *what)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = 0;
    return strstr(buf, what) != NULL;
}

int main(void)
{
    char tmpl[] = "/tmp/sp_test_report.XXXXXX";
    char *top = mkdtemp(tmpl);
    CHECK(top != NULL);
    if (!top || chdir(top) != 0)
        return check_done();

    /* scenarios and step names */
    size_t ns;
    const struct sp_report_scenario *all = sp_report_scenarios(&ns);
    CHECK(ns == 3 && !strcmp(all[0].name, "default"));
    const struct sp_report_scenario *sc, *none = all;
    CHECK(sp_report_scenario_find("--scenario", "test", &sc) == SP_OK && sc == &all[2] &&
          !strcmp(sc->m_width, "32"));
    CHECK(sp_report_scenario_find("--scenario", "nope", &none) == SP_EINVAL && none == NULL);
    CHECK(!strcmp(sp_last_error(), "--scenario: 'nope' is not one of default, full, test"));
    CHECK(sp_report_scenario_find("--scenario", NULL, &none) == SP_EINVAL && none == NULL);
    CHECK(sp_report_step_prefix_ok("measure-ln") && !sp_report_step_prefix_ok("bogus"));

    /* what -o may be */
    int exists = -1;
    CHECK(sp_report_check_dir("new", 0, &exists) == SP_OK && exists == 0);
    CHECK(sp_report_check_dir("", 0, &exists) == SP_EINVAL);
    CHECK(sp_report_check_dir(".", 1, &exists) == SP_EINVAL &&
          strstr(sp_last_error(), "current folder"));
    CHECK(mkdir("empty", 0755) == 0);
    CHECK(sp_report_check_dir("empty/", 0, &exists) == SP_OK && exists == 1);
    CHECK(mkdir("notes", 0755) == 0);
    FILE *fp = fopen("notes/mine.txt", "w");
    CHECK(fp != NULL);
    if (fp)
        fclose(fp);
    CHECK(sp_report_check_dir("notes", 0, &exists) == SP_EINVAL &&
          strstr(sp_last_error(), "not a sigprop report"));
    CHECK(sp_report_check_dir("notes", 1, &exists) == SP_OK);
    CHECK(sp_report_check_dir("notes/mine.txt", 1, &exists) == SP_EINVAL &&
          strstr(sp_last_error(), "not a folder"));

    /* a run: measure fails, alpha is skipped, everything else "succeeds" */
    struct fake f;
    memset(&f, 0, sizeof f);
    struct sp_report_hooks hooks = {fake_exec, fake_step, &f};
    struct sp_report r;
    sp_report_init(&r, sc, 7, &hooks);
    CHECK(sp_report_add_skip(&r, "alpha") == SP_OK);
    CHECK(sp_report_add_skip(&r, "bogus") == SP_EINVAL && strstr(sp_last_error(), "'bogus'"));
    CHECK(sp_report_run(&r) == SP_EINVAL); /* not open */
    CHECK(sp_report_open(&r, "rep/") == SP_OK && !strcmp(r.final, "rep"));
    CHECK(sp_report_run(&r) == SP_OK);
    /* the test scenario: 5 theory, toy x 2, phase, fit, 2 measure + 2 theory at
     * the measured shape, alpha, then figures of whatever succeeded */
    CHECK(r.nsteps >= 14 && r.nsteps <= SP_REPORT_MAX_STEPS);
    CHECK(f.nmeasure == 2 && r.nmc == 2 && !strcmp(r.mc[1].id, "derf0.5"));
    CHECK(f.ntheory == 10);
    CHECK(f.nskipped == 1 && f.nbegin == f.nend && f.nbegin == f.nexec);
    CHECK(f.nexec + f.nskipped == r.nsteps);
    CHECK(!strcmp(r.steps[0].id, "theory-ln"));
    CHECK(!strncmp(f.first_cmdline, "sigprop theory --preset blog2 --norm ln --depth 32 -o "
                   "data/theory_ln.csv", 80));
    const struct sp_report_step *m = NULL, *a = NULL, *m2 = NULL;
    for (int i = 0; i < r.nsteps; i++) {
        if (!strcmp(r.steps[i].id, "measure-ln"))
            m = &r.steps[i];
        if (!strncmp(r.steps[i].id, "measure-derf", 12))
            m2 = &r.steps[i];
        if (!strcmp(r.steps[i].id, "alpha"))
            a = &r.steps[i];
    }
    CHECK(m && m->rc == 1 && !strcmp(m->reason, "this build has no OpenBLAS"));
    /* the last non-empty line of its log, less "sigprop: error: " and trailing blanks */
    CHECK(m2 && m2->rc == 2 && !strcmp(m2->reason, "--tokens 9 exceeds 8"));
    CHECK(a && a->rc != 0 && !strcmp(a->reason, "skipped (--skip alpha)"));
    CHECK(strstr(m ? m->cmdline : "", "--seed 7 -o data/measure_ln.csv") != NULL);
    /* failed (2 measure), skipped (alpha); the fits of a missing measure.csv are
     * not even planned */
    CHECK(sp_report_failed(&r) == 3);

    /* the HTML from whatever is there: no CSV at all, so notes, not figures */
    char *tmpdir = strdup(r.dir);
    CHECK(sp_report_write(&r) == SP_OK);
    char index[512];
    snprintf(index, sizeof index, "%s/index.html", tmpdir);
    CHECK(contains(index, SP_REPORT_MARKER));
    CHECK(contains(index, "<p class=\"unavailable\"><strong>Not available:</strong>"));
    CHECK(contains(index, "this build has no OpenBLAS"));
    CHECK(contains(index, "master seed</th><td class=l>7<"));
    CHECK(!contains(index, "data:image/png"));

    /* the swap: rep appears, the building folder is gone, rep is now a report */
    CHECK(sp_report_commit(&r) == SP_OK);
    struct stat sb;
    CHECK(stat("rep/index.html", &sb) == 0 && stat(tmpdir, &sb) != 0);
    CHECK(sp_report_check_dir("rep", 0, &exists) == SP_OK && exists == 1);
    sp_report_close(&r);
    CHECK(r.dir == NULL && r.final == NULL);
    free(tmpdir);

    /* a second report replaces the first one whole */
    memset(&f, 0, sizeof f);
    sp_report_init(&r, sc, 1, &hooks);
    CHECK(sp_report_add_skip(&r, "measure") == SP_OK);
    CHECK(sp_report_open(&r, "rep") == SP_OK && sp_report_run(&r) == SP_OK);
    CHECK(f.nmeasure == 0 && f.nskipped == 2);
    CHECK(sp_report_write(&r) == SP_OK && sp_report_commit(&r) == SP_OK);
    sp_report_close(&r);
    CHECK(contains("rep/index.html", "master seed</th><td class=l>1<"));

    /* the full scenario trains: a stability-map step, its figures and the HTML
     * section built from its table (the fake writes four runs: ranks of log J
     * 1,2,4,3 against accuracy 3,2,1,4 give Spearman 1 - 6*14/(4*15) = -0.4; the
     * recommended alpha 0.5 reaches 0.5 against pre-LN's 0.73) */
    const struct sp_report_scenario *full;
    CHECK(sp_report_scenario_find("--scenario", "full", &full) == SP_OK);
    CHECK(full && full->train_map && !sc->train_map && !all[0].train_map);
    memset(&f, 0, sizeof f);
    sp_report_init(&r, full, 3, &hooks);
    CHECK(sp_report_open(&r, "rep") == SP_OK && sp_report_run(&r) == SP_OK);
    CHECK(f.nsweep == 1);
    const struct sp_report_step *tm = NULL, *sp = NULL;
    for (int i = 0; i < r.nsteps; i++) {
        if (!strcmp(r.steps[i].id, "train-map"))
            tm = &r.steps[i];
        if (!strcmp(r.steps[i].id, "plot-stability.png"))
            sp = &r.steps[i];
    }
    CHECK(tm && tm->rc == 0 && strstr(tm->cmdline, "sweep --mode train --norm dyt,ln") &&
          strstr(tm->cmdline, "--seed 3 -o data/stability.csv"));
    CHECK(sp && sp->rc == 0 && strstr(sp->cmdline, "--kind stability"));
    CHECK(sp_report_write(&r) == SP_OK && sp_report_commit(&r) == SP_OK);
    sp_report_close(&r);
    CHECK(contains("rep/index.html", "<section id=\"training\">"));
    CHECK(contains("rep/index.html", "test accuracy: <strong>-0.4</strong> (over 4 runs)"));
    CHECK(contains("rep/index.html", "mean accuracy of <strong>0.5</strong> against pre-LN's "
                                     "<strong>0.73</strong>"));
    CHECK(contains("rep/index.html", "yes, step 120"));
    CHECK(sp_report_step_prefix_ok("train"));

    int rc = system("rm -rf rep empty notes");
    CHECK(rc == 0);
    if (chdir("/") == 0)
        rmdir(top);
    return check_done();
}
