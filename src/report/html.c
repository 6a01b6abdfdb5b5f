/* The report's HTML document: reads the steps' CSVs back (it never recomputes
 * theory) and writes one self-contained index.html, figures embedded as base64
 * PNG data URIs, tables, captions, configuration and provenance. */
#define _GNU_SOURCE /* gethostname */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "report/report_internal.h"
#include "sigprop/analysis.h"
#include "sigprop/reference.h"

/* the document being written and the report it describes */
struct doc {
    const struct sp_report *r;
    const struct sp_report_scenario *sc;
    FILE *html;
};

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

/* v to d digits, then " ± err" to e digits when err is a number */
static void html_pm(FILE *h, double v, int d, double err, int e)
{
    html_num(h, v, d);
    if (!isnan(err)) {
        fprintf(h, " &plusmn; ");
        html_num(h, err, e);
    }
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

static void unavailable(struct doc *r, const char *what, const char *step_id)
{
    const struct sp_report_step *s = report_find_step(r->r, step_id);
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
static void figure(struct doc *r, const char *name, const char *caption)
{
    char rel[256];
    snprintf(rel, sizeof rel, "figures/%s", name);
    char *p = report_path(r->r, rel);
    char id[64];
    snprintf(id, sizeof id, "plot-%s", name);
    if (p && report_file_exists(p)) {
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


static void table_theory_summary(struct doc *r, const struct sp_table *t, int with_ref)
{
    FILE *h = r->html;
    fprintf(h, "<table><tr><th class=l>norm</th><th>&alpha;</th><th>depth L</th>"
               "<th>q<sup>L</sup></th><th>J<sup>L,0</sup></th>%s<th class=l>phase</th>"
               "<th>&zeta; (power law, asymptotic)</th><th>&lambda; (stretched exp., asymptotic)</th>"
               "<th>l*</th></tr>\n",
            with_ref ? "<th>published J<sup>128,0</sup></th>" : "");
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
            /* the published mean-field values (sigprop/reference.h), blog2 at L = 128 */
            const struct sp_reference *e = sp_reference_find("blog2", SP_REF_THEORY, norm, a);
            double ref = e && tnum(t, i, "depth") == e->depth ? e->J_L0 : (double)NAN;
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

static void table_toy_summary(struct doc *r, const struct sp_table *t)
{
    FILE *h = r->html;
    fprintf(h, "<table><tr><th>&alpha;</th><th>K<sub>L</sub></th><th>J<sup>L,0</sup></th>"
               "<th>l* (simulated: &alpha;&sup2;K<sub>l</sub> first &ge; 1)</th>"
               "<th>small-&alpha; estimate log(1/&alpha;&sup2;) / log(1 + 4&alpha;&sup2;&sigma;<sub>w</sub>&sup2;/&pi;)</th>"
               "<th>&lambda; (asymptotic, &pi;&sup2;/(16&alpha;&sup2;&sigma;<sub>w</sub>&sup2;))</th></tr>\n");
    for (size_t i = 0; i < sp_table_nrows(t); i++) {
        fprintf(h, "<tr><td>");
        html_num(h, tnum(t, i, "alpha"), 4);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "q_L"), 5);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "J_L0"), 5);
        fprintf(h, "</td><td>");
        /* never a meaningless number: say why there is none */
        double ls = tnum(t, i, "l_star"), le = tnum(t, i, "l_star_estimate");
        if (isnan(ls))
            fprintf(h, "n/a (&alpha;&sup2;K<sub>l</sub> stays below 1 for all %s layers)",
                    r->sc->toy_depth);
        else
            html_num(h, ls, 4);
        fprintf(h, "</td><td>");
        if (!(le > 0))
            fprintf(h, "n/a (&alpha; &ge; 1: &alpha;&sup2;K<sub>0</sub> &ge; 1 already, no "
                       "exponential phase to estimate)");
        else
            html_num(h, le, 3);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "lambda"), 4);
        fprintf(h, "</td></tr>\n");
    }
    fprintf(h, "</table>\n");
}

static void table_fits(struct doc *r, const struct sp_table *t, const char *source)
{
    FILE *h = r->html;
    int cs = sp_table_find(t, "selected");
    fprintf(h, "<table><tr><th class=l>curve</th><th class=l>norm</th><th>&alpha;</th>"
               "<th class=l>selected model</th><th>&zeta; fitted &plusmn; s.e.</th>"
               "<th>&lambda; fitted (effective, l = 1..L) &plusmn; s.e.</th><th>R&sup2;</th><th class=l>verdict</th></tr>\n");
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
        html_pm(h, tnum(t, i, "zeta"), 4, tnum(t, i, "zeta_err"), 2);
        fprintf(h, "</td><td>");
        html_pm(h, tnum(t, i, "lambda"), 4, tnum(t, i, "lambda_err"), 2);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "r2"), 5);
        fprintf(h, "</td><td class=l>");
        html_esc(h, tstr(t, i, "verdict"));
        fprintf(h, "</td></tr>\n");
    }
    fprintf(h, "</table>\n");
}

/* Recommended alpha: depth down, width across. */
static void table_alpha(struct doc *r, const struct sp_table *t)
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

/* GMFE = exp(mean |log(measured / theory)|) (docs/science.md §4) per depth third, matching rows
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

/* The blog's measured ViT (d = 1024, one seed, Hutchinson): J^{128,0}, from the
 * reference table (sigprop/reference.h). */
static double blog_measured_j(const char *norm, const char *alpha)
{
    const struct sp_reference *e =
        sp_reference_find("blog2", SP_REF_MEASURED, norm, alpha[0] ? strtod(alpha, NULL) : (double)NAN);
    return e ? e->J_L0 : (double)NAN;
}

/* Top-block values: measured (mean +- s.e.) against the theory of the same shape,
 * and, at the published size, the blog's own measurement. */
static void table_top_block(struct doc *r, const struct sp_report_mconf *mc, int nmc)
{
    FILE *h = r->html;
    const struct sp_report_scenario *sc = r->sc;
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
        struct sp_table *m = report_load_csv(r->r, rel);
        snprintf(rel, sizeof rel, "data/theory_small_%.24s.csv", mc[i].id);
        struct sp_table *th = report_load_csv(r->r, rel);
        if (m && th && sp_table_nrows(m) && sp_table_nrows(th)) {
            size_t lm = sp_table_nrows(m) - 1, lt = sp_table_nrows(th) - 1;
            double gamp0 = tnum(m, 0, "grad_amp"), gamp0_se = tnum(m, 0, "grad_amp_se");
            fprintf(h, "<tr><td class=l>%s</td><td>", mc[i].label);
            html_pm(h, tnum(m, lm, "q"), 4, tnum(m, lm, "q_se"), 2);
            fprintf(h, "</td><td>");
            html_num(h, tnum(th, lt, "q"), 4);
            fprintf(h, "</td><td>");
            html_pm(h, tnum(m, lm, "J_fwd"), 4, tnum(m, lm, "J_fwd_se"), 2);
            fprintf(h, "</td><td>");
            html_num(h, tnum(th, lt, "J_fwd"), 5);
            fprintf(h, "</td>");
            if (blog_size) {
                fprintf(h, "<td>");
                html_num(h, blog_measured_j(mc[i].norm, mc[i].alpha), 4);
                fprintf(h, "</td>");
            }
            fprintf(h, "<td>");
            html_pm(h, gamp0, 4, gamp0_se, 2);
            fprintf(h, "</td></tr>\n");
        }
        sp_table_free(m);
        sp_table_free(th);
    }
    fprintf(h, "</table>\n");
}

/* The theory version in the "version" column of a CSV the report wrote ("A",
 * "C", ...), or "unknown" when the file is missing (its step failed). */
/* The stability map's runs: one row each, and the summary line above them. */
static void table_stability(struct doc *r, const struct sp_table *t)
{
    FILE *h = r->html;
    struct sp_stability st;
    if (sp_stability_summary(t, &st) == SP_OK) {
        fprintf(h, "<p>%zu runs, %zu diverged by the rule. Spearman rank correlation between "
                   "the predicted log J<sup>L,0</sup> and the test accuracy: <strong>",
                st.rows, st.diverged);
        html_num(h, st.rho, 3);
        fprintf(h, "</strong> (over %zu runs). The recommended &alpha; (", st.n);
        html_num(h, st.rec_alpha, 4);
        fprintf(h, ", the grid's nearest ");
        html_num(h, st.grid_alpha, 3);
        fprintf(h, ") reaches a mean accuracy of <strong>");
        html_num(h, st.rec_acc, 3);
        fprintf(h, "</strong> against %s's <strong>", st.ref_label);
        html_num(h, st.preln_acc, 3);
        fprintf(h, "</strong> at the same learning rate and warmup (%zu pairs).</p>\n",
                st.pairs);
    }
    fprintf(h, "<table><tr><th class=l>norm</th><th>&alpha;</th><th>lr</th><th>warmup</th>"
               "<th>J<sup>L,0</sup> predicted</th><th>J<sup>L,0</sup> measured at init</th>"
               "<th>test accuracy</th><th>test loss</th><th class=l>diverged</th></tr>\n");
    for (size_t i = 0; i < sp_table_nrows(t); i++) {
        const char *norm = tstr(t, i, "norm");
        fprintf(h, "<tr><td class=l>%s</td><td>", norm_name(norm));
        html_num(h, strcmp(norm, "ln") ? tnum(t, i, "alpha") : (double)NAN, 3);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "lr"), 3);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "warmup"), 6);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "J_L0_pred"), 4);
        fprintf(h, "</td><td>");
        html_pm(h, tnum(t, i, "J_L0_measured"), 4, tnum(t, i, "J_L0_se"), 2);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "eval_acc"), 4);
        fprintf(h, "</td><td>");
        html_num(h, tnum(t, i, "eval_loss"), 4);
        double dv = tnum(t, i, "diverged");
        fprintf(h, "</td><td class=l>");
        if (dv == 1.0)
            fprintf(h, "yes, step %.0f", tnum(t, i, "diverged_step"));
        else
            fprintf(h, "no");
        fprintf(h, "</td></tr>\n");
    }
    fprintf(h, "</table>\n");
}

/* Renders the CSV rel (relative to the report) with fn, or says which step did
 * not produce it. */
static void csv_table(struct doc *r, const char *rel,
                      void (*fn)(struct doc *, const struct sp_table *), const char *what,
                      const char *step)
{
    struct sp_table *t = report_load_csv(r->r, rel);
    if (t) {
        fn(r, t);
        sp_table_free(t);
    } else {
        unavailable(r, what, step);
    }
}

static void csv_version(const struct doc *r, const char *rel, char *buf, size_t n)
{
    struct sp_table *t = report_load_csv(r->r, rel);
    const char *v = t && sp_table_nrows(t) ? tstr(t, 0, "version") : "";
    snprintf(buf, n, "%s", v[0] ? v : "unknown");
    sp_table_free(t);
}

/* figure() with a printf-style caption (each caption names its shape). */
static void figuref(struct doc *r, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void figuref(struct doc *r, const char *name, const char *fmt, ...)
{
    char cap[1536];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cap, sizeof cap, fmt, ap);
    va_end(ap);
    figure(r, name, cap);
}

/* ---- the HTML document ---- */
static void write_html(struct doc *r)
{
    const struct sp_report_mconf *mc = r->r->mc;
    int nmc = r->r->nmc;
    double wall = r->r->wall;
    FILE *h = r->html;
    const struct sp_report_scenario *sc = r->sc;
    time_t now = time(NULL);
    struct tm tmv;
    char date[64];
    gmtime_r(&now, &tmv);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M:%S UTC", &tmv);
    int failed = 0;
    for (int i = 0; i < r->r->nsteps; i++)
        failed += r->r->steps[i].rc != 0;

    fprintf(h, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
               "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
               SP_REPORT_MARKER "\n"
               "<title>sigprop report: %s scenario</title>\n<style>%s</style>\n</head>\n<body>\n",
            sc->name, css);
    fprintf(h, "<h1>Signal propagation at initialisation: pre-LN against Derf</h1>\n"
               "<p class=\"lead\">sigprop %s, scenario <strong>%s</strong>: %s. Generated %s in "
               "%.1f s. %d of %d steps succeeded.</p>\n",
            sp_version(), sc->name, sc->summary, date, wall, r->r->nsteps - failed, r->r->nsteps);
    fprintf(h, "<nav><ol><li><a href=\"#theory\">Mean-field theory</a></li>"
               "<li><a href=\"#toy\">The toy network (blog part 1)</a></li>"
               "<li><a href=\"#phase\">Phase diagram</a></li>"
               "<li><a href=\"#measure\">Finite-width measurement</a></li>"
               "<li><a href=\"#fits\">Fits</a></li>"
               "<li><a href=\"#alpha\">The alpha rule</a></li>"
               "<li><a href=\"#config\">Configuration</a></li>"
               "<li><a href=\"#provenance\">Provenance</a></li></ol></nav>\n");

    char v_th[16], v_toy[16], v_ph[16], v_small[16];
    csv_version(r, "data/theory.csv", v_th, sizeof v_th);
    csv_version(r, "data/toy.csv", v_toy, sizeof v_toy);
    csv_version(r, "data/phase_derf.csv", v_ph, sizeof v_ph);
    csv_version(r, "data/theory_small.csv", v_small, sizeof v_small);
    /* the shape every caption names */
    char shape_th[256], shape_m[320];
    snprintf(shape_th, sizeof shape_th, "Shape: blog2, d = 1024, n = 197, L = %s, sigma_Q,K,V,O,1 "
             "= 0.64, sigma_2 = 1.28, q0 = 1, p0 = 0.4; mean-field theory (infinite width, no "
             "seeds), version %s.", sc->theory_depth, v_th);
    snprintf(shape_m, sizeof shape_m, "Shape: blog2 sigmas at d = %s, n = %s, L = %s; %s weight "
             "draw(s) x %s probes, master seed %lu; theory lines version %s at the same shape.",
             sc->m_width, sc->m_tokens, sc->m_depth, sc->m_seeds, sc->m_probes, r->r->seed, v_small);

    /* 1. theory */
    fprintf(h, "<section id=\"theory\"><h2>1. Mean-field theory of the blog part-2 "
               "transformer</h2>\n<p>L = %s blocks, n = 197 tokens, d = 1024, all sigmas 0.64 "
               "(&sigma;<sub>2</sub> = 1.28), q<sub>0</sub> = 1, p<sub>0</sub> = 0.4, theory "
               "version %s. Pre-LN is critical: its APJN grows as a power law. Derf is "
               "subcritical: a stretched exponential, growing with &alpha;.</p>\n",
            sc->theory_depth, v_th);
    figuref(r, "profile.png", "Token norm q, overlap p and cosine p/q against depth: the "
            "residual stream grows more slowly under Derf than under pre-LN, and its tokens "
            "become less aligned at large alpha. Pre-LN and Derf alpha %s. %s",
            sc->theory_alphas, shape_th);
    figuref(r, "apjn_theory.png", "Backward APJN J^{L,l} (how much a gradient at the top "
            "grows on its way down to block l) and forward APJN J^{l,0}, log scale (blog part 2, "
            "Fig. 2). Pre-LN and Derf alpha %s. %s", sc->theory_alphas, shape_th);
    figuref(r, "stretched.png", "Left: (log J^{l,0})^2 against l, where a stretched exponential "
            "exp(sqrt(l/lambda)) is a straight line (Derf); right: log-log axes, where a power "
            "law l^zeta is one (pre-LN). Pre-LN and Derf alpha 0.3, 0.5 (1.9 is left out: its "
            "scale would flatten the other curves). %s", shape_th);
    struct sp_table *t = report_load_csv(r->r, "data/summary.csv");
    if (t) {
        fprintf(h, "<p>Summary at the top block, with the published mean-field values "
                   "(blog part 2; independent implementations agree to 5 digits; "
                   "docs/science.md, \"Reference values\"). &zeta; and &lambda; here are the "
                   "<em>asymptotic</em> laws (l &rarr; &infin;): &zeta; = (s<sub>21</sub>/2) / "
                   "(s<sub>21</sub>/2 + s<sub>OV</sub>) and &lambda; = (s<sub>21</sub>/2 + "
                   "s<sub>OV</sub> p*) / (c<sub>&phi;</sub>&sup2; &alpha;&sup2; "
                   "s<sub>21</sub>&sup2;), not fits; section 5 compares them with fits of "
                   "the %s-block curves. l* is the first block where &alpha;&sup2;q reaches 1 "
                   "(0: already at the input).</p>\n", sc->theory_depth);
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
    figuref(r, "toy.png", "K_l and the backward APJN J^{L,l} for each alpha, with the "
            "transition depth l* (where alpha^2 K_l first reaches 1) marked (blog part 1, Fig. 2). "
            "Shape: toy residual network h^{l+1} = h^l + W^l erf(alpha h^l), width irrelevant "
            "(mean-field theory), sigma_w = 0.46, mu = 1, sigma_b = 0, K_0 = 1, L = %s, alpha "
            "%s; theory version %s.", sc->toy_depth, sc->toy_alphas, v_toy);
    csv_table(r, "data/toy_summary.csv", table_toy_summary, "toy summary table", "toy-summary");
    fprintf(h, "</section>\n");

    /* 3. phase */
    fprintf(h, "<section id=\"phase\"><h2>3. Phase diagram</h2>\n<p>log<sub>10</sub> "
               "J<sup>L,0</sup> of a depth-L network over the Derf &alpha; grid %s, every "
               "depth up to %s. The dashed line is where Derf amplifies exactly as much as "
               "pre-LN of the same depth: to its left Derf is gentler, to its right it "
               "amplifies more.</p>\n",
            sc->phase_alphas, sc->theory_depth);
    figuref(r, "phase.png", "Heat map of log10 J^{L,0} over (alpha, depth) with the pre-LN "
            "level as a contour. Shape: blog2, d = 1024, n = 197, depth 1..%s, Derf alpha grid "
            "%s; mean-field theory, version %s.", sc->theory_depth, sc->phase_alphas, v_ph);
    fprintf(h, "</section>\n");

    /* 4. measurement */
    fprintf(h, "<section id=\"measure\"><h2>4. Finite-width measurement</h2>\n<p>Finite "
               "networks of the blog2 shape at d = %s, n = %s, L = %s: %s weight draw(s), %s "
               "Hutchinson probes each, master seed %lu; theory lines at the same shape.</p>\n",
            sc->m_width, sc->m_tokens, sc->m_depth, sc->m_seeds, sc->m_probes, r->r->seed);
    int have_m = report_step_ok(r->r, "measure-ln") || (nmc > 1 && report_step_ok(r->r, "measure-derf0.5"));
    if (have_m) {
        figuref(r, "apjn_measured.png", "APJN: theory (lines) and measurement (points, mean "
                "+- standard error). Pre-LN and Derf alpha %s. %s", sc->m_alphas, shape_m);
        figuref(r, "profile_measured.png", "q, p and p/q: theory (lines) and measurement "
                "(points). Pre-LN and Derf alpha %s. %s", sc->m_alphas, shape_m);
        figuref(r, "gradamp.png", "Gradient amplification E||dLoss/dh^l||^2 / E||dLoss/dh^L||^2 "
                "(measured) against the APJN (theory, dashed): the loss the measurement uses is "
                "documented in docs/measure.md. Pre-LN and Derf alpha %s. %s", sc->m_alphas,
                shape_m);
        fprintf(h, "<p>Geometric mean multiplicative error GMFE = exp(mean |log(measured / "
                   "theory)|) per depth third (docs/science.md §4; 1 is perfect agreement):</p>\n"
                   "<table><tr><th class=l>configuration</th><th class=l>quantity</th>"
                   "<th>first third</th><th>second third</th><th>last third</th><th>all</th>"
                   "</tr>\n");
        for (int i = 0; i < nmc; i++) {
            char rel[128];
            snprintf(rel, sizeof rel, "data/measure_%.24s.csv", mc[i].id);
            struct sp_table *m = report_load_csv(r->r, rel);
            snprintf(rel, sizeof rel, "data/theory_small_%.24s.csv", mc[i].id);
            struct sp_table *th = report_load_csv(r->r, rel);
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
        if (!report_step_ok(r->r, id))
            unavailable(r, what, id);
    }
    fprintf(h, "</section>\n");

    /* 5. fits */
    fprintf(h, "<section id=\"fits\"><h2>5. Fits: power law or stretched exponential?</h2>\n"
               "<p><code>sigprop fit</code> fits log J<sup>l,0</sup> with a power law, "
               "stretched exponentials and an exponential and selects one by AIC. Compare "
               "&zeta; and &lambda; with the asymptotic values of the summary table: they "
               "are not the same quantity and do not agree at this depth. The summary's "
               "&lambda; is the l &rarr; &infin; law; the fit gives an effective &lambda; of "
               "the curve over l = 1..L, which is still pre-asymptotic at L = 128, "
               "so it comes out smaller (Derf 0.5, "
               "blog2: 5.70 fitted on 1..128 against 9.04 asymptotic; fitting blocks "
               "5000..20000 of a 20000-block curve gives 8.95, approaching 9.04: "
               "<code>sigprop theory --preset blog2 --norm derf --alpha 0.5 --depth 20000 | "
               "sigprop fit - --column J_fwd --range 5000:20000</code>). Use the fitted "
               "&lambda; to describe these curves and the asymptotic one to extrapolate "
               "to deeper models. On "
               "short curves (the reduced measurement) a power law and a stretched "
               "exponential are hard to tell apart, so a measured verdict there is weak "
               "evidence; the theory curves at full depth are the reference.</p>\n");
    t = report_load_csv(r->r, "data/fit_theory.csv");
    if (t) {
        table_fits(r, t, "theory");
        sp_table_free(t);
    } else {
        unavailable(r, "fits of the theory curves", "fit-theory");
    }
    t = report_load_csv(r->r, "data/fit_measure.csv");
    if (t) {
        table_fits(r, t, "measured");
        sp_table_free(t);
    } else if (report_find_step(r->r, "fit-measure")) {
        unavailable(r, "fits of the measured curves", "fit-measure");
    }
    fprintf(h, "</section>\n");

    /* 6. alpha */
    fprintf(h, "<section id=\"alpha\"><h2>6. The alpha rule</h2>\n<p>The Derf &alpha; at "
               "which the mean-field J<sup>L,0</sup> equals that of the pre-LN network of the "
               "same shape (timm init std 0.02, so the sigmas grow as &radic;width), for depths "
               "%s and widths %s. Deeper and wider models need a smaller &alpha;.</p>\n",
            sc->a_depths, sc->a_widths);
    figuref(r, "alpha.png", "Recommended alpha against depth (left, one line per width) and "
            "width (right, one line per depth): depth and width on log axes, alpha on a linear "
            "axis. Shape: blog2 block, n = 197 tokens, q0 = 1, p0 = 0.4, timm init std 0.02 "
            "(sigma_X = 0.02 sqrt(fan_in)), depths %s, widths %s; mean-field theory at sigprop "
            "alpha's default version (docs/alpha.md).", sc->a_depths, sc->a_widths);
    csv_table(r, "data/alpha.csv", table_alpha, "alpha table", "alpha");
    fprintf(h, "</section>\n");

    /* 7. training */
    if (sc->train_map) {
        fprintf(h, "<section id=\"training\"><h2>7. Training: does the prediction foresee "
                   "trouble?</h2>\n<p>A small ViT trained on Fashion-MNIST for each DyT "
                   "&alpha; and for pre-LN, with and without warmup (<code>sigprop sweep "
                   "--mode train %s</code>), beside the mean-field J<sup>L,0</sup> predicted for "
                   "the same architecture and the J<sup>L,0</sup> measured on each run's own "
                   "initial weights (equiangular measurement inputs, not images). One seed and "
                   "short runs: a qualitative map, not a tuned result (docs/train.md, "
                   "&ldquo;The stability map&rdquo;).</p>\n", sc->train_map);
        figure(r, "stability.png", "Test accuracy over alpha and warmup, with the predicted "
               "J^{L,0} of each alpha and the recommended alpha marked");
        figure(r, "stability_scatter.png", "Test accuracy against the predicted log J^{L,0}, "
               "every run of the map");
        csv_table(r, "data/stability.csv", table_stability, "the stability map's runs", "train-map");
        fprintf(h, "</section>\n");
    }

    /* configuration: every command that ran */
    fprintf(h, "<section id=\"config\"><h2>Configuration</h2>\n<p>Every step, as the "
               "command that reproduces it (paths relative to the report folder), its status "
               "and wall time:</p>\n<table><tr><th>#</th><th class=l>step</th>"
               "<th class=l>command</th><th class=l>status</th><th>seconds</th></tr>\n");
    for (int i = 0; i < r->r->nsteps; i++) {
        const struct sp_report_step *s = &r->r->steps[i];
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
            sc->name, r->r->seed, date, wall);
    html_esc(h, host);
    fprintf(h, "</td></tr></table>\n<p>The CSV behind every figure and table is in "
               "<code>data/</code>, each step's messages in <code>logs/</code>. Reproduce "
               "with <code>sigprop report --scenario %s --seed %lu</code>.</p>\n</section>\n"
               "</body>\n</html>\n",
            sc->name, r->r->seed);
}

enum sp_status sp_report_write(const struct sp_report *r)
{
    if (!r->dir)
        return sp_fail(SP_EINVAL, "report: not open (sp_report_open)");
    char *index = report_asprintf("%s/index.html", r->dir);
    struct doc d = {r, r->sc, index ? fopen(index, "w") : NULL};
    enum sp_status s = SP_OK;
    if (!d.html) {
        s = sp_fail(SP_EIO, "cannot write '%s'", index ? index : "index.html");
    } else {
        write_html(&d);
        if (fflush(d.html) != 0 || ferror(d.html) || fsync(fileno(d.html)) != 0)
            s = sp_fail(SP_EIO, "writing '%s' failed", index);
        if (fclose(d.html) != 0 && s == SP_OK)
            s = sp_fail(SP_EIO, "writing '%s' failed", index);
    }
    free(index);
    return s;
}
