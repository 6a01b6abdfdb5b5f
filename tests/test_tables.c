/* Tests of sigprop/tables.h (src/analysis/theory_table.c, compare_table.c,
 * alpha_table.c): every table against independent calls of the functions it is
 * built from (sp_theory_run + sp_theory_asymptotics per alpha, sp_net_measure +
 * sp_compare_rows + sp_compare_summary, sp_alpha_point + sp_alpha_transfer_fit),
 * its columns by name, its records columns, the caveats as notes, and the
 * refusals. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sigprop.h"

/* a resolved architecture from key=value pairs (NULL-terminated), one alpha */
static struct sp_arch build(const char *const *kv, double alpha, struct sp_theory_opts *o)
{
    struct sp_archspec s;
    sp_archspec_init(&s);
    for (size_t i = 0; kv[i]; i += 2)
        CHECK(sp_archspec_set(&s, kv[i], kv[i + 1]) == SP_OK);
    struct sp_arch a;
    CHECK(sp_archspec_build(&s, alpha, &a, o, NULL) == SP_OK);
    sp_archspec_free(&s);
    return a;
}

static double num(const struct sp_table *t, size_t r, const char *col)
{
    int c = sp_table_find(t, col);
    CHECK(c >= 0 && sp_table_col_type(t, c) == SP_COL_NUM);
    return c >= 0 ? sp_table_num(t, r, c) : (double)NAN;
}

static const char *str(const struct sp_table *t, size_t r, const char *col)
{
    int c = sp_table_find(t, col);
    CHECK(c >= 0 && sp_table_col_type(t, c) == SP_COL_STR);
    return c >= 0 ? sp_table_str(t, r, c) : "";
}

static int header_is(const struct sp_table *t, const char *want)
{
    char got[1024] = "";
    for (int c = 0; c < sp_table_ncols(t); c++) {
        strcat(got, c ? "," : "");
        strcat(got, sp_table_col_name(t, c));
    }
    if (strcmp(got, want))
        fprintf(stderr, "header\n  %s\nwant\n  %s\n", got, want);
    return !strcmp(got, want);
}

static const char *const blog2[] = {"preset", "blog2", "norm", "derf", "depth", "40", NULL};

/* summary rows: the SIMD batch against sp_theory_run + sp_theory_asymptotics per alpha */
static void test_theory_summary(void)
{
    const double al[] = {0.2, 0.6, 1.0, 1.4};
    enum { N = 4 };
    struct sp_arch a[N];
    struct sp_theory_opts o;
    for (int i = 0; i < N; i++)
        a[i] = build(blog2, al[i], &o);
    struct sp_table *t = sp_table_new();
    struct sp_notes notes = {NULL, 0, 0};
    CHECK(sp_theory_table(a, al, N, &o, 1, t, &notes, NULL, NULL) == SP_OK);
    CHECK(header_is(t, "version,model,norm,alpha,alpha_attn,alpha_mlp,depth,q_L,p_L,J_L0,"
                       "logJ_L0,phase,zeta,lambda,xi,c_star,p_star,l_star,l_star_estimate,"
                       "width,tokens,heads,kv_heads,mlp,mask,caveats"));
    CHECK(sp_table_nrows(t) == N && notes.n == 0);
    size_t nr = sp_theory_nrows(&a[0], &o);
    struct sp_theory_row *rows = malloc(nr * sizeof *rows);
    for (int i = 0; i < N; i++) {
        struct sp_asymptotics as;
        CHECK(sp_theory_run(&a[i], &o, rows, nr) == SP_OK);
        CHECK(sp_theory_asymptotics(&a[i], &o, rows, nr, &as) == SP_OK);
        CHECK_CLOSE(num(t, (size_t)i, "logJ_L0"), rows[nr - 1].log_jfwd, 1e-12, 1e-10);
        CHECK_CLOSE(num(t, (size_t)i, "J_L0"), exp(rows[nr - 1].log_jfwd), 0.0, 1e-10);
        CHECK_CLOSE(num(t, (size_t)i, "q_L"), rows[nr - 1].q, 0.0, 1e-10);
        CHECK_CLOSE(num(t, (size_t)i, "lambda"), as.lambda, 0.0, 1e-8);
        CHECK(!strcmp(str(t, (size_t)i, "phase"), sp_phase_name(as.phase)));
        CHECK(num(t, (size_t)i, "alpha") == al[i] && num(t, (size_t)i, "alpha_mlp") == al[i]);
        CHECK(num(t, (size_t)i, "depth") == 40 && num(t, (size_t)i, "width") == a[i].width);
        CHECK(num(t, (size_t)i, "tokens") == 197);
        CHECK(!strcmp(str(t, (size_t)i, "version"), "A"));
        CHECK(!strcmp(str(t, (size_t)i, "caveats"), "none"));
    }
    free(rows);
    /* the output table must be empty */
    CHECK(sp_theory_table(a, al, N, &o, 1, t, &notes, NULL, NULL) == SP_EINVAL);
    sp_table_free(t);
    sp_notes_free(&notes);
}

static void count_alphas(void *ctx, size_t done, size_t total)
{
    size_t *d = ctx;
    CHECK(done == d[0] + 1 && total == 2);
    d[0] = done, d[1]++;
}

/* per-block rows: exactly sp_theory_run's, one curve per alpha; caveats as notes */
static void test_theory_rows_and_caveats(void)
{
    const double al[] = {0.5, 1.5};
    struct sp_arch a[2];
    struct sp_theory_opts o;
    for (int i = 0; i < 2; i++)
        a[i] = build(blog2, al[i], &o);
    o.sublayers = 1;
    struct sp_table *t = sp_table_new();
    size_t done[2] = {0, 0};
    CHECK(sp_theory_table(a, al, 2, &o, 0, t, NULL, count_alphas, done) == SP_OK);
    CHECK(done[0] == 2 && done[1] == 2); /* one call per curve, the last with 2 of 2 */
    CHECK(header_is(t, "version,model,norm,alpha,alpha_attn,alpha_mlp,l,q,p,rho,J_fwd,J_bwd,"
                       "logJ_fwd,logJ_bwd,grad_amp,depth,width,tokens,heads,kv_heads,mlp,mask,"
                       "caveats"));
    size_t nr = sp_theory_nrows(&a[0], &o);
    CHECK(nr == 81 && sp_table_nrows(t) == 2 * nr);
    struct sp_theory_row *rows = malloc(nr * sizeof *rows);
    for (size_t i = 0; i < 2; i++) {
        CHECK(sp_theory_run(&a[i], &o, rows, nr) == SP_OK);
        for (size_t k = 0; k < nr; k++) {
            size_t r = i * nr + k;
            CHECK(num(t, r, "l") == rows[k].l && num(t, r, "q") == rows[k].q);
            CHECK(num(t, r, "logJ_bwd") == rows[k].log_jbwd);
            CHECK(num(t, r, "J_fwd") == exp(rows[k].log_jfwd));
            CHECK(num(t, r, "grad_amp") == exp(rows[k].log_grad_amp));
            CHECK(num(t, r, "alpha") == al[i]);
        }
    }
    free(rows);
    sp_table_free(t);

    /* no norm with softmax logits: one caveat, in the column and as a warning note */
    static const char *const none[] = {"preset", "blog2", "norm", "none", "depth", "4", NULL};
    struct sp_arch b = build(none, NAN, &o);
    t = sp_table_new();
    struct sp_notes notes = {NULL, 0, 0};
    CHECK(sp_theory_table(&b, NULL, 1, &o, 1, t, &notes, NULL, NULL) == SP_OK);
    CHECK(notes.n == 1 && !strncmp(notes.text[0], "warning: softmax-logit-gradient: ", 33));
    CHECK(!strcmp(str(t, 0, "caveats"), "softmax-logit-gradient"));
    CHECK(isnan(num(t, 0, "alpha")) && !strcmp(str(t, 0, "norm"), "none"));
    sp_notes_free(&notes);
    CHECK(notes.n == 0 && notes.text == NULL);
    sp_table_free(t);
}

struct seen {
    size_t calls, last, total;
    int monotone;
};
static void on_progress(void *ctx, size_t done, size_t total)
{
    struct seen *s = ctx;
    if (s->calls++ && (done < s->last || total != s->total))
        s->monotone = 0;
    s->last = done;
    s->total = total;
}

/* measurement and theory side by side, against the calls it is built from */
static void test_compare(void)
{
    static const char *const kv[] = {"preset", "blog2", "norm", "derf", "width", "64",
                                     "tokens", "8", "depth", "6", NULL};
    const double al[] = {0.5, 1.0};
    struct sp_arch a[2];
    struct sp_theory_opts o;
    for (int i = 0; i < 2; i++)
        a[i] = build(kv, al[i], &o);
    struct sp_compare_table_opts c;
    sp_compare_table_opts_default(&c);
    c.net.seeds = 2, c.net.probes = 2, c.net.seed = 5;
    struct seen pg = {0, 0, 0, 1};
    c.net.progress = on_progress, c.net.progress_ctx = &pg;
    struct sp_table *t = sp_table_new(), *g = sp_table_new();
    struct sp_notes notes = {NULL, 0, 0};
    enum sp_status s = sp_compare_table(a, al, 2, &o, &c, t, g, &notes);
    if (s == SP_EUNSUPPORTED) { /* a build without OpenBLAS measures nothing */
        sp_table_free(t), sp_table_free(g), sp_notes_free(&notes);
        return;
    }
    CHECK(s == SP_OK);
    CHECK(header_is(t, "model,norm,alpha,version,l,q,q_se,q_theory,q_ratio,p,p_theory,p_ratio,"
                       "J_fwd,J_fwd_se,J_fwd_theory,J_fwd_ratio,J_bwd,J_bwd_se,J_bwd_theory,"
                       "J_bwd_ratio,grad_amp,grad_amp_se,grad_amp_theory,grad_amp_ratio,"
                       "caveats"));
    CHECK(header_is(g, "model,norm,alpha,version,quantity,range,l_from,l_to,n,gmfe,caveats"));
    CHECK(pg.calls > 0 && pg.monotone && pg.last == pg.total);
    struct sp_net_opts no = c.net;
    no.progress = NULL;
    size_t nr = sp_net_nrows(&a[0], &no), gr = 0;
    CHECK(sp_table_nrows(t) == 2 * nr);
    struct sp_net_row m[7];
    struct sp_theory_row th[7];
    struct sp_compare_row cr[7];
    CHECK(nr == 7);
    for (size_t i = 0; i < 2; i++) {
        CHECK(sp_net_measure(&a[i], &no, m, nr) == SP_OK);
        CHECK(sp_theory_run(&a[i], &o, th, nr) == SP_OK);
        CHECK(sp_compare_rows(m, th, nr, cr) == SP_OK);
        for (size_t k = 0; k < nr; k++) {
            size_t r = i * nr + k;
            CHECK(num(t, r, "q") == m[k].q && num(t, r, "J_bwd_se") == m[k].j_bwd_se);
            CHECK(num(t, r, "J_fwd_theory") == cr[k].theory[SP_CMP_JFWD]);
            CHECK(num(t, r, "J_bwd_ratio") == cr[k].ratio[SP_CMP_JBWD]);
            CHECK(num(t, r, "grad_amp_theory") == exp(th[k].log_grad_amp));
        }
        struct sp_compare_gmfe gm[SP_COMPARE_NQ][SP_COMPARE_NRANGES];
        CHECK(sp_compare_summary(cr, nr, a[i].depth, gm) == SP_OK);
        for (int q = 0; q < SP_COMPARE_NQ; q++)
            for (int rg = 0; rg < SP_COMPARE_NRANGES; rg++) {
                if (gm[q][rg].n == 0)
                    continue;
                CHECK(!strcmp(str(g, gr, "quantity"), sp_compare_quantity_name(q)));
                CHECK(!strcmp(str(g, gr, "range"), sp_compare_range_name(rg)));
                CHECK(num(g, gr, "gmfe") == gm[q][rg].gmfe && num(g, gr, "alpha") == al[i]);
                gr++;
            }
    }
    CHECK(sp_table_nrows(g) == gr);
    CHECK(notes.n == 2 * SP_COMPARE_NQ && !strncmp(notes.text[0], "GMFE q ", 7));
    sp_table_free(t);
    sp_notes_free(&notes);

    /* summary: the GMFE rows themselves; refusals */
    c.summary = 1;
    c.net.progress = NULL;
    t = sp_table_new();
    CHECK(sp_compare_table(a, al, 2, &o, &c, t, NULL, NULL) == SP_OK);
    CHECK(sp_table_nrows(t) == gr && num(t, gr - 1, "gmfe") == num(g, gr - 1, "gmfe"));
    sp_table_free(t);
    t = sp_table_new();
    c.from_block = 6; /* not below the depth */
    c.theory_measured = 1;
    CHECK(sp_compare_table(a, al, 2, &o, &c, t, NULL, NULL) == SP_EINVAL);
    sp_table_free(t);
    sp_table_free(g);
}

/* recommendations against sp_alpha_point, the laws against sp_alpha_transfer_fit */
static void test_alpha(void)
{
    static const char *const depths[] = {"8", "16", "32"}, *const widths[] = {"256", "512"};
    enum { ND = 3, NW = 2 };
    struct sp_arch a[ND * NW];
    struct sp_theory_opts o[ND * NW];
    for (int i = 0; i < ND; i++)
        for (int j = 0; j < NW; j++) {
            const char *kv[] = {"norm", "derf", "tokens", "64", "depth", depths[i],
                                "width", widths[j], NULL};
            a[i * NW + j] = build(kv, NAN, &o[i * NW + j]);
        }
    struct sp_alpha_table_opts ao;
    sp_alpha_table_opts_default(&ao);
    ao.target = SP_ALPHA_MATCH_PRELN;
    struct sp_table *t = sp_table_new();
    struct sp_notes notes = {NULL, 0, 0};
    struct sp_alpha_table_info info;
    CHECK(sp_alpha_table(a, o, ND, NW, &ao, t, &info, &notes) == SP_OK);
    CHECK(header_is(t, "depth,width,norm,ratio,alpha_attn,alpha_mlp,alpha,J_L0,logJ_L0,"
                       "target_J,J_preln,J_over_preln,s_OV,s_21,lambda,phase,iterations,"
                       "monotone,version,caveats"));
    CHECK(sp_table_nrows(t) == ND * NW && info.nonmonotone == 0 && isnan(info.verify_gmfe));
    double alphas[ND * NW], dx[ND] = {8, 16, 32}, wx[NW] = {256, 512};
    for (size_t k = 0; k < ND * NW; k++) {
        struct sp_alpha_point pt;
        CHECK(sp_alpha_point(&a[k], &o[k], SP_ALPHA_MATCH_PRELN, NAN, 1.0, 0.5, 1e-4, 100.0,
                             1e-10, &pt) == SP_OK);
        alphas[k] = pt.sol.alpha;
        CHECK(num(t, k, "alpha") == pt.sol.alpha && num(t, k, "logJ_L0") == pt.sol.log_j);
        CHECK(num(t, k, "J_preln") == exp(pt.log_j_preln) && num(t, k, "lambda") == pt.lambda);
        CHECK(num(t, k, "depth") == a[k].depth && num(t, k, "width") == a[k].width);
        CHECK(!strcmp(str(t, k, "norm"), "derf") && !strcmp(str(t, k, "version"), "C"));
    }
    struct sp_alpha_law law[ND + NW];
    size_t nl;
    CHECK(sp_alpha_transfer_fit(dx, ND, wx, NW, alphas, law, &nl) == SP_OK);
    CHECK(info.nlaws == nl && nl == ND + NW);
    for (size_t k = 0; k < nl && k < info.nlaws; k++)
        CHECK(info.laws[k].b == law[k].b && info.laws[k].A == law[k].A);
    CHECK(notes.n == nl + 1 && strstr(notes.text[0], "alpha = ") != NULL);
    sp_alpha_table_info_free(&info);
    CHECK(info.laws == NULL);
    sp_notes_free(&notes);
    sp_table_free(t);

    /* the transfer rule's axes as given (a proxy's width is not the width asked) */
    const double wy[NW] = {1024, 2048};
    ao.widths = wy;
    t = sp_table_new();
    CHECK(sp_alpha_table(a, o, ND, NW, &ao, t, &info, NULL) == SP_OK);
    CHECK(sp_alpha_transfer_fit(dx, ND, wy, NW, alphas, law, &nl) == SP_OK);
    CHECK(info.nlaws == nl && info.laws[0].fixed == 1024 && info.laws[NW].fixed == 8);
    CHECK(info.laws[NW].b == law[NW].b && num(t, 1, "width") == 512);
    ao.widths = NULL;
    sp_alpha_table_info_free(&info);
    sp_table_free(t);

    /* an unreachable target: the solver's reason */
    ao.target = SP_ALPHA_TARGET_J;
    ao.target_value = 0.5;
    t = sp_table_new();
    CHECK(sp_alpha_table(a, o, 1, 1, &ao, t, &info, NULL) == SP_EUNSUPPORTED);
    CHECK(strstr(sp_last_error(), "reachable range") != NULL);
    sp_alpha_table_info_free(&info);
    sp_table_free(t);
}

int main(void)
{
    test_theory_summary();
    test_theory_rows_and_caveats();
    test_compare();
    test_alpha();
    return check_done();
}
