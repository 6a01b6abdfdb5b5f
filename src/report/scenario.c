/* The report's scenarios: what each one runs (the commands and their sizes),
 * and sp_report_run, which runs them in order through steps.c. */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "report/report_internal.h"
#include "sigprop/archspec.h"

static const struct sp_report_scenario scenarios[] = {
    {"default",
     "theory at the full blog sizes; measurement at reduced width and depth (about two "
     "minutes on 2 cores)",
     "128", "0.3,0.5,1.9", "0.05:2:0.05", "0.1:1.9:0.2", "128",
     "384", "64", "128", "2", "4", "0.5,1.9",
     "12,24,48,96,192", "768,1024,2048,4096", NULL},
    {"full",
     "both blog posts at their published sizes: theory and measurement at L = 128, n = 197, "
     "d = 1024, 10 probes, and the training stability map (see docs/report.md for the time "
     "it takes)",
     "128", "0.3,0.5,1.9", "0.025:2:0.025", "0.1:1.9:0.2", "128",
     "1024", "197", "128", "1", "10", "0.5,1.9",
     "6,12,24,48,96,192,384", "512,768,1024,2048,4096,8192",
     /* docs/train.md "The stability map": 14 runs, about 20 minutes on 2 cores */
     "--norm dyt,ln --alpha 0.1,0.25,0.5,0.84,1,2 --warmup 0,100 --lr 1e-2 --width 64 "
     "--depth 6 --init-std 0.125 --steps 300 --batch 64 --train-max 20000 --eval-max 2000"},
    {"test",
     "a tiny run for the test suite (seconds): every step at toy sizes",
     "32", "0.5,1.9", "0.2:1:0.2", "0.3,0.5,0.9,1.3", "64",
     "32", "8", "8", "1", "2", "0.5",
     "8,16", "256,512", NULL},
};
#define NSCENARIOS (sizeof scenarios / sizeof scenarios[0])

const struct sp_report_scenario *sp_report_scenarios(size_t *n)
{
    *n = NSCENARIOS;
    return scenarios;
}

enum sp_status sp_report_scenario_find(const char *flag, const char *name,
                                       const struct sp_report_scenario **out)
{
    const char *names[NSCENARIOS + 1];
    for (size_t i = 0; i < NSCENARIOS; i++)
        names[i] = scenarios[i].name;
    names[NSCENARIOS] = NULL;
    int i;
    enum sp_status st = sp_parse_choice(flag, names, name, &i);
    *out = st == SP_OK ? &scenarios[i] : NULL;
    return st;
}

int sp_report_step_prefix_ok(const char *name)
{
    static const char *const known[] = {"theory", "summary", "toy", "phase", "fit",
                                        "measure", "alpha", "train", "plot"};
    for (size_t k = 0; k < sizeof known / sizeof known[0]; k++)
        if (!strncmp(name, known[k], strlen(known[k])))
            return 1;
    return 0;
}

/* ---- the scenario ---- */
static int plot_step(struct sp_report *r, const char *name, const char *title, const char *kind,
                     const char *f1, const char *f2, const char *f3)
{
    char id[64];
    snprintf(id, sizeof id, "plot-%s", name);
    char *out = report_asprintf("%s/figures/%s", r->dir, name);
    char *p1 = f1 ? report_path(r, f1) : NULL, *p2 = f2 ? report_path(r, f2) : NULL,
         *p3 = f3 ? report_path(r, f3) : NULL;
    int rc;
    if (!out || (f1 && !p1) || (f2 && !p2) || (f3 && !p3))
        rc = 1;
    else if (p3)
        rc = report_run_step(r, id, title, "plot", p1, p2, p3, "--kind", kind, "-o", out, NULL);
    else if (p2)
        rc = report_run_step(r, id, title, "plot", p1, p2, "--kind", kind, "-o", out, NULL);
    else
        rc = report_run_step(r, id, title, "plot", p1, "--kind", kind, "-o", out, NULL);
    free(out);
    free(p1);
    free(p2);
    free(p3);
    return rc;
}

enum sp_status sp_report_run(struct sp_report *r)
{
    if (!r->dir)
        return sp_fail(SP_EINVAL, "report: not open (sp_report_open)");
    r->t0 = report_now();
    struct sp_report_mconf *mc = r->mc;
    int *nmc = &r->nmc;
    const struct sp_report_scenario *sc = r->sc;
    char *p;
#define P(rel) (p = report_path(r, rel))
    /* 1. theory at the blog part-2 shape: pre-LN and Derf */
    char *o1 = report_path(r, "data/theory_ln.csv"), *o2 = report_path(r, "data/theory_derf.csv");
    char *o3 = report_path(r, "data/summary_ln.csv"), *o4 = report_path(r, "data/summary_derf.csv");
    report_run_step(r, "theory-ln", "theory: blog2, pre-LN", "theory", "--preset", "blog2",
             "--norm", "ln", "--depth", sc->theory_depth, "-o", o1, NULL);
    report_run_step(r, "theory-derf", "theory: blog2, Derf", "theory", "--preset", "blog2",
             "--norm", "derf", "--alpha", sc->theory_alphas, "--depth", sc->theory_depth, "-o", o2,
             NULL);
    report_run_step(r, "summary-ln", "theory summary: pre-LN", "theory", "--preset", "blog2",
             "--norm", "ln", "--depth", sc->theory_depth, "--summary", "-o", o3, NULL);
    report_run_step(r, "summary-derf", "theory summary: Derf", "theory", "--preset",
             "blog2", "--norm", "derf", "--alpha", sc->theory_alphas, "--depth", sc->theory_depth,
             "--summary", "-o", o4, NULL);
    free(o1); free(o2); free(o3); free(o4);
    /* the (log J)^2 figure without the largest alpha, whose scale would flatten the rest */
    o1 = report_path(r, "data/theory_derf_small_alpha.csv");
    report_run_step(r, "theory-derf-small", "theory: blog2, Derf, small alphas", "theory",
             "--preset", "blog2", "--norm", "derf", "--alpha", "0.3,0.5", "--depth",
             sc->theory_depth, "-o", o1, NULL);
    free(o1);
    {
        const char *srcs[2] = {"data/theory_ln.csv", "data/theory_derf.csv"};
        report_concat_csv(r, "data/theory.csv", srcs, 2);
        const char *sums[2] = {"data/summary_ln.csv", "data/summary_derf.csv"};
        report_concat_csv(r, "data/summary.csv", sums, 2);
        const char *st[2] = {"data/theory_ln.csv", "data/theory_derf_small_alpha.csv"};
        report_concat_csv(r, "data/theory_stretched.csv", st, 2);
    }
    /* 2. the toy network of blog part 1 */
    o1 = report_path(r, "data/toy.csv");
    o2 = report_path(r, "data/toy_summary.csv");
    report_run_step(r, "toy", "theory: blog1 toy network", "theory", "--preset",
             "blog1-toy", "--alpha", sc->toy_alphas, "--depth", sc->toy_depth, "-o", o1, NULL);
    report_run_step(r, "toy-summary", "theory summary: toy network", "theory", "--preset",
             "blog1-toy", "--alpha", sc->toy_alphas, "--depth", sc->toy_depth, "--summary", "-o",
             o2, NULL);
    free(o1); free(o2);
    /* 3. phase diagram: every depth 1..L of a Derf alpha grid */
    o1 = report_path(r, "data/phase_derf.csv");
    report_run_step(r, "phase", "theory: phase-diagram grid", "theory", "--preset", "blog2",
             "--norm", "derf", "--alpha", sc->phase_alphas, "--depth", sc->theory_depth, "-o", o1,
             NULL);
    free(o1);
    /* 4. fits of the theory curves */
    o1 = report_path(r, "data/fit_theory.csv");
    if (P("data/theory.csv")) {
        report_run_step(r, "fit-theory", "fit: theory J^{l,0}", "fit", p, "--column", "J_fwd",
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
        o1 = report_path(r, rel);
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
            report_run_stepa(r, id, title, args, n);
        free(o1);
        snprintf(rel, sizeof rel, "data/theory_small_%.24s.csv", mc[i].id);
        snprintf(id, sizeof id, "theory-small-%.24s", mc[i].id);
        snprintf(title, sizeof title, "theory at the measured shape: %s", mc[i].label);
        o1 = report_path(r, rel);
        n = 0;
        args[n++] = "theory";
        for (int k = 0; k < na; k++)
            args[n++] = arch[k];
        args[n++] = "-o";
        args[n++] = o1;
        if (o1)
            report_run_stepa(r, id, title, args, n);
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
        int nm = report_concat_csv(r, "data/measure.csv", ms, *nmc);
        report_concat_csv(r, "data/theory_small.csv", ts, *nmc);
        if (nm) {
            o1 = report_path(r, "data/fit_measure.csv");
            if (P("data/measure.csv")) {
                report_run_step(r, "fit-measure", "fit: measured J^{l,0}", "fit", p, "--column",
                         "J_fwd", "-o", o1, NULL);
                free(p);
            }
            free(o1);
        } else {
            char *mp = report_path(r, "data/measure.csv");
            if (mp)
                unlink(mp);
            free(mp);
        }
    }
    /* 6. the alpha rule */
    o1 = report_path(r, "data/alpha.csv");
    report_run_step(r, "alpha", "alpha rule: match pre-LN", "alpha", "--norm", "derf",
             "--match", "preln", "--depth", sc->a_depths, "--width", sc->a_widths, "-o", o1, NULL);
    free(o1);
    /* 7. training: the stability map, in the scenarios that have one */
    if (sc->train_map) {
        o1 = report_path(r, "data/stability.csv");
        char *flags = strdup(sc->train_map), *save = NULL;
        const char *args[64];
        int n = 0;
        args[n++] = "sweep";
        args[n++] = "--mode";
        args[n++] = "train";
        for (char *w = flags ? strtok_r(flags, " ", &save) : NULL; w && n < 58;
             w = strtok_r(NULL, " ", &save))
            args[n++] = w;
        args[n++] = "--seed";
        args[n++] = r->seed_s;
        args[n++] = "-o";
        args[n++] = o1;
        if (o1 && flags)
            report_run_stepa(r, "train-map", "training: the stability map (Fashion-MNIST)", args,
                             n);
        free(flags);
        free(o1);
    }
    /* 8. figures */
    if (report_step_ok(r, "theory-ln") || report_step_ok(r, "theory-derf")) {
        plot_step(r, "profile.png", "figure: q, p, p/q", "profile", "data/theory.csv", NULL, NULL);
        plot_step(r, "apjn_theory.png", "figure: APJN (theory)", "jbwd", "data/theory.csv", NULL,
                  NULL);
        plot_step(r, "stretched.png", "figure: (log J)^2", "stretched",
                  "data/theory_stretched.csv", NULL, NULL);
    }
    if (report_step_ok(r, "toy"))
        plot_step(r, "toy.png", "figure: toy network", "toy", "data/toy.csv",
                  report_step_ok(r, "toy-summary") ? "data/toy_summary.csv" : NULL, NULL);
    if (report_step_ok(r, "phase"))
        plot_step(r, "phase.png", "figure: phase diagram", "phase", "data/phase_derf.csv",
                  report_step_ok(r, "theory-ln") ? "data/theory_ln.csv" : NULL, NULL);
    char *mp = report_path(r, "data/measure.csv");
    if (mp && report_file_exists(mp)) {
        plot_step(r, "apjn_measured.png", "figure: APJN, theory and measured", "jbwd",
                  "data/theory_small.csv", "data/measure.csv", NULL);
        plot_step(r, "profile_measured.png", "figure: q, p measured", "profile",
                  "data/theory_small.csv", "data/measure.csv", NULL);
        plot_step(r, "gradamp.png", "figure: gradient amplification", "gradamp",
                  "data/measure.csv", "data/theory_small.csv", NULL);
    }
    free(mp);
    if (report_step_ok(r, "alpha"))
        plot_step(r, "alpha.png", "figure: recommended alpha", "alpha", "data/alpha.csv", NULL,
                  NULL);
    if (report_step_ok(r, "train-map")) {
        plot_step(r, "stability.png", "figure: stability map", "stability",
                  "data/stability.csv", NULL, NULL);
        plot_step(r, "stability_scatter.png", "figure: accuracy against predicted log J",
                  "stability-scatter", "data/stability.csv", NULL, NULL);
    }
#undef P
    r->wall = report_now() - r->t0;
    return SP_OK;
}
