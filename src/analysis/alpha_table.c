/* The table of `sigprop alpha` (sigprop/tables.h): one recommendation per
 * depth x width (sp_alpha_point), optionally verified on a finite network
 * (sp_alpha_verify), and the transfer rule over the grid
 * (sp_alpha_transfer_fit). */
#include <cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "analysis/table_cols.h"
#include "archkeys.h"
#include "json_text.h"
#include "sigprop/measurespec.h"

static const char cols[] = "depth,width,norm$,ratio,alpha_attn,alpha_mlp,alpha,J_L0,logJ_L0,"
                           "target_J,J_preln,J_over_preln,s_OV,s_21,lambda,phase$,iterations,"
                           "monotone,version$,caveats$";
static const char vcols[] = "verify_width,verify_tokens,J_L0_verify_theory,J_L0_measured,"
                            "J_L0_se,measured_over_theory,verify_heads,verify_input$,"
                            "verify_differs$,verify_lo,verify_hi,verify_pass";
static const char scols[] = "logJ_attn,logJ_mlp,logJ_attn_preln,logJ_mlp_preln,sweeps";
enum { NC = 20, C_NORM = 2, C_PHASE = 15, C_VERSION = 18, C_CAVEATS = 19, NV = 12,
       V_INPUT = 7, V_DIFFERS = 8 };

void sp_alpha_table_opts_default(struct sp_alpha_table_opts *o)
{
    *o = (struct sp_alpha_table_opts){.target = SP_ALPHA_TARGET_J, .target_value = NAN,
                                      .ratio = 1.0, .guess = 0.5, .amin = 1e-4, .amax = 100.0,
                                      .tol = 1e-10, .verify_tol = 0.2};
    sp_net_opts_default(&o->net);
    o->net.measure = SP_MEASURE_FWD;
}

void sp_alpha_table_info_free(struct sp_alpha_table_info *info)
{
    if (!info)
        return;
    free(info->laws);
    info->laws = NULL;
    info->nlaws = 0;
}

/* The verification of point (a, sol) into row R at columns NC..; its notes. */
static enum sp_status verify_point(const struct sp_arch *a, const struct sp_theory_opts *opts,
                                   const struct sp_alpha_solution *sol,
                                   const struct sp_alpha_table_opts *o, struct sp_table *t,
                                   size_t R, double *ratio, struct sp_alpha_table_info *info,
                                   struct sp_notes *notes)
{
    /* the recommended network itself, or the narrower copy asked for */
    struct sp_arch vn;
    enum sp_net_input input;
    char differs[160];
    struct sp_alpha_verification ver;
    struct sp_net_opts no = o->net;
    sp_last_error_clear();
    enum sp_status s = sp_alpha_verify_arch(a, sol, o->verify_width, &vn, &input, differs,
                                            sizeof differs);
    if (s == SP_OK) {
        no.input = input;
        s = sp_alpha_verify(&vn, opts, &no, o->verify_tol, &ver);
    }
    if (s != SP_OK)
        return sp_fail(s, "verification at depth %d, width %d failed: %s", a->depth, a->width,
                       sp_last_error());
    if (differs[0] && sp_notes_add(notes, "alpha: verify depth %d, width %d on a reduced "
                                   "network: %s", a->depth, a->width, differs) != 0)
        return SP_ENOMEM;
    double vv[NV] = {vn.width, vn.tokens, ver.j_theory, ver.j_measured, ver.j_se,
                     ver.ratio, vn.heads, NAN, NAN, ver.lo, ver.hi, ver.pass};
    sp_tab_nums(t, R, NC, vv, NV); /* a string column ignores its number */
    if (sp_table_set_str(t, R, NC + V_INPUT,
                         input == SP_INPUT_GAUSSIAN ? "gaussian" : "equiangular") != SP_OK ||
        sp_table_set_str(t, R, NC + V_DIFFERS, differs[0] ? differs : "none") != SP_OK)
        return sp_tab_nomem("table rows");
    *ratio = ver.ratio;
    if (sp_notes_add(notes, "alpha: verify depth %d, width %d (%s, n = %d, d = %d): J^{L,0} "
                     "measured %.4g +- %.2g, theory %.4g, accepted [%.4g, %.4g]: %s",
                     a->depth, a->width, differs[0] ? "reduced" : "as recommended", vn.tokens,
                     vn.width, ver.j_measured, ver.j_se, ver.j_theory, ver.lo, ver.hi,
                     ver.pass ? "pass" : "FAIL") != 0)
        return SP_ENOMEM;
    if (!ver.pass && info->nfailed++ == 0)
        snprintf(info->first_fail, sizeof info->first_fail, "depth %d, width %d%s%s: "
                 "measured %.4g +- %.2g, theory %.4g, accepted [%.4g, %.4g]",
                 a->depth, a->width, differs[0] ? " verified with " : "", differs,
                 ver.j_measured, ver.j_se, ver.j_theory, ver.lo, ver.hi);
    return SP_OK;
}

/* One point: its row (and verification) and notes. */
static enum sp_status point_row(const struct sp_arch *a, const struct sp_theory_opts *opts,
                                const struct sp_alpha_table_opts *o, struct sp_table *t,
                                const char *cav, double *alpha, double *vratio,
                                struct sp_alpha_table_info *info, struct sp_notes *notes)
{
    int sides = o->target == SP_ALPHA_MATCH_PRELN_SIDES, toy = a->model == SP_MODEL_TOY;
    struct sp_alpha_point pt;
    sp_last_error_clear();
    enum sp_status s = sp_alpha_point(a, opts, o->target, o->target_value, o->ratio, o->guess,
                                      o->amin, o->amax, o->tol, &pt);
    if (s != SP_OK)
        return s;
    const struct sp_alpha_solution sol = pt.sol;
    double lp = pt.log_j_preln;
    if (!sol.monotone) {
        info->nonmonotone++;
        if (sp_notes_add(notes, "alpha: warning: J^{L,0} is not monotone in alpha at depth %d, "
                         "width %d (docs/science.md §3.5 says it is): the solution may not be "
                         "unique", a->depth, a->width) != 0)
            return SP_ENOMEM;
    }
    long r = sp_table_add_row(t);
    if (r < 0)
        return sp_tab_nomem("table rows");
    size_t R = (size_t)r;
    double v[NC] = {a->depth, toy ? (double)NAN : a->width, NAN,
                    sides ? sol.alpha_attn / sol.alpha : o->ratio,
                    sol.alpha_attn, sol.alpha, sol.alpha, exp(sol.log_j), sol.log_j,
                    exp(pt.log_target), exp(lp), exp(sol.log_j - lp),
                    pt.s_ov, pt.s_21, pt.lambda, NAN, sol.iterations, sol.monotone};
    sp_tab_nums(t, R, 0, v, C_VERSION);
    sp_table_set_str(t, R, C_NORM, sp_fn_name(toy ? a->phi.kind : a->norm_mlp.kind));
    sp_table_set_str(t, R, C_PHASE, sp_phase_name(pt.phase));
    sp_table_set_str(t, R, C_VERSION, toy ? "toy" : sp_theory_version(opts));
    if (sp_table_set_str(t, R, C_CAVEATS, cav) != SP_OK)
        return sp_tab_nomem("table rows");
    *alpha = sol.alpha;
    if (sides) {
        double sv[] = {pt.sides.log_j_attn, pt.sides.log_j_mlp, pt.sides_preln.log_j_attn,
                       pt.sides_preln.log_j_mlp, pt.sweeps};
        sp_tab_nums(t, R, NC + (o->verify ? NV : 0), sv, sizeof sv / sizeof *sv);
        if (sp_notes_add(notes, "alpha: depth %d, width %d: alpha_attn %.4g, alpha_mlp %.4g "
                         "(ratio %.3g): log J shares attention %.4g, MLP %.4g (pre-LN %.4g, "
                         "%.4g)", a->depth, a->width, sol.alpha_attn, sol.alpha,
                         sol.alpha_attn / sol.alpha, pt.sides.log_j_attn, pt.sides.log_j_mlp,
                         pt.sides_preln.log_j_attn, pt.sides_preln.log_j_mlp) != 0)
            return SP_ENOMEM;
    }
    return o->verify ? verify_point(a, opts, &sol, o, t, R, vratio, info, notes) : SP_OK;
}

/* The transfer rule over the grid, its notes. */
static enum sp_status laws(const struct sp_arch *arch, size_t ndepth, size_t nwidth,
                           const struct sp_alpha_table_opts *o, const double *alphas,
                           struct sp_alpha_table_info *info, struct sp_notes *notes)
{
    double *dx = malloc(ndepth * sizeof *dx), *wx = malloc(nwidth * sizeof *wx);
    info->laws = malloc((ndepth + nwidth) * sizeof *info->laws);
    enum sp_status s = dx && wx && info->laws ? SP_OK : sp_tab_nomem("transfer rule");
    for (size_t i = 0; s == SP_OK && i < ndepth; i++)
        dx[i] = o->depths ? o->depths[i] : arch[i * nwidth].depth;
    for (size_t j = 0; s == SP_OK && j < nwidth; j++)
        wx[j] = o->widths ? o->widths[j] : arch[j].width;
    if (s == SP_OK && (s = sp_alpha_transfer_fit(dx, ndepth, wx, nwidth, alphas, info->laws,
                                                 &info->nlaws)) != SP_OK)
        sp_fail(s, "transfer rule: %s", sp_last_error());
    free(dx);
    free(wx);
    for (size_t k = 0; s == SP_OK && k < info->nlaws; k++) {
        const struct sp_alpha_law *l = &info->laws[k];
        char e[48] = "";
        if (isfinite(l->b_err))
            snprintf(e, sizeof e, " (b +- %.2g)", l->b_err);
        if (sp_notes_add(notes, "alpha: %s %g: alpha = %.4g * %s^-%.4f%s",
                         l->over_width ? "depth" : "width", l->fixed, l->A,
                         l->over_width ? "width" : "depth", l->b, e) != 0)
            s = SP_ENOMEM;
    }
    if (s == SP_OK && (ndepth >= 2 || nwidth >= 2) &&
        sp_notes_add(notes, "alpha: asymptotic expectation (docs/science.md §3.5, subcritical, "
                     "fixed target J): log J ~ sqrt(L / lambda), lambda ~ 1/(alpha^2 s_21) -> "
                     "alpha ~ L^-1/2, and at a fixed init std s_21 ~ width^2 -> alpha ~ "
                     "width^-1") != 0)
        s = SP_ENOMEM;
    if (s != SP_OK)
        sp_alpha_table_info_free(info);
    return s;
}

enum sp_status sp_alpha_table(const struct sp_arch *arch, const struct sp_theory_opts *opts,
                              size_t ndepth, size_t nwidth, const struct sp_alpha_table_opts *o,
                              struct sp_table *out, struct sp_alpha_table_info *info,
                              struct sp_notes *notes)
{
    if (!arch || !opts || !o || !out || !info || ndepth == 0 || nwidth == 0)
        return sp_fail(SP_EINVAL, "alpha table: no grid");
    if (sp_table_ncols(out) != 0)
        return sp_fail(SP_EINVAL, "alpha table: the output table is not empty");
    *info = (struct sp_alpha_table_info){.verify_gmfe = NAN};
    if (sp_tab_cols(out, cols) != 0 || (o->verify && sp_tab_cols(out, vcols) != 0) ||
        (o->target == SP_ALPHA_MATCH_PRELN_SIDES && sp_tab_cols(out, scols) != 0))
        return SP_ENOMEM;
    size_t npt = ndepth * nwidth;
    double *alphas = malloc(npt * sizeof *alphas), *vratio = malloc(npt * sizeof *vratio);
    enum sp_status s = alphas && vratio ? SP_OK : sp_tab_nomem("alpha grid");
    for (size_t k = 0; s == SP_OK && k < npt; k++) {
        char cav[128];
        if (sp_tab_caveats(&arch[k], &opts[k], cav, sizeof cav, k == 0 ? notes : NULL) < 0)
            s = SP_ENOMEM;
        else
            s = point_row(&arch[k], &opts[k], o, out, cav, &alphas[k], &vratio[k], info, notes);
    }
    if (s == SP_OK && o->verify) {
        info->verify_gmfe = sp_compare_gmfe_ratios(vratio, npt, &info->verify_n);
        if (info->verify_n &&
            sp_notes_add(notes, "alpha: verification: geometric mean multiplicative error %.4f "
                         "over %zu network(s) (docs/science.md §4)", info->verify_gmfe,
                         info->verify_n) != 0)
            s = SP_ENOMEM;
    }
    if (s == SP_OK)
        s = laws(arch, ndepth, nwidth, o, alphas, info, notes);
    free(alphas);
    free(vratio);
    return s;
}

char *sp_alpha_table_meta_json(const struct sp_arch *first, const struct sp_alpha_table_opts *o,
                               const struct sp_alpha_table_info *info)
{
    static const char *const target[] = {"target-J", "match preln", "budget-ratio",
                                         "match preln-per-side"};
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return sp_json_text(NULL);
    cJSON_AddStringToObject(j, "target", target[o->target]);
    if (o->target == SP_ALPHA_TARGET_J || o->target == SP_ALPHA_BUDGET)
        cJSON_AddNumberToObject(j, "target_value", o->target_value);
    if (o->target != SP_ALPHA_MATCH_PRELN_SIDES)
        cJSON_AddNumberToObject(j, "ratio", o->ratio);
    cJSON_AddBoolToObject(j, "monotone", info->nonmonotone == 0);
    if (o->verify && info->verify_n) {
        cJSON_AddNumberToObject(j, "verify_gmfe", info->verify_gmfe);
        cJSON_AddNumberToObject(j, "verify_width",
                                o->verify_width > 0 ? o->verify_width : first->width);
        cJSON_AddNumberToObject(j, "verify_tol", o->verify_tol);
        cJSON_AddNumberToObject(j, "verify_failed", (double)info->nfailed);
    }
    cJSON *laws = cJSON_AddArrayToObject(j, "laws");
    for (size_t k = 0; k < info->nlaws; k++) {
        const struct sp_alpha_law *l = &info->laws[k];
        cJSON *e = cJSON_CreateObject();
        cJSON_AddStringToObject(e, "law", l->over_width ? "alpha = A * width^-b"
                                                        : "alpha = A * depth^-b");
        cJSON_AddNumberToObject(e, l->over_width ? "depth" : "width", l->fixed);
        cJSON_AddNumberToObject(e, "A", l->A);
        cJSON_AddNumberToObject(e, "b", l->b);
        if (isfinite(l->b_err))
            cJSON_AddNumberToObject(e, "b_err", l->b_err);
        cJSON_AddItemToArray(laws, e);
    }
    return sp_json_text(j);
}

void sp_alpha_verify_plan_init(struct sp_alpha_verify_plan *p)
{
    *p = (struct sp_alpha_verify_plan){0};
    sp_measure_plan_init(&p->check);
}

enum sp_status sp_alpha_verify_plan_add(struct sp_alpha_verify_plan *p, const struct sp_arch *a,
                                        int verify_width, const struct sp_measurespec *m,
                                        int timed)
{
    char k[2][96], v[24];
    if (a->model != SP_MODEL_TRANSFORMER)
        return sp_fail(SP_EINVAL, "%s measures a transformer: not %s",
                       archkey_style_name(m->style, "verify", NULL, k[0], sizeof k[0]),
                       archkey_style_name(m->style, "model", "toy", k[1], sizeof k[1]));
    if (verify_width > a->width) {
        snprintf(v, sizeof v, "%d", verify_width);
        return sp_fail(SP_EINVAL, "%s exceeds the network's width %d: the verification network "
                       "is a narrower copy",
                       archkey_style_name(m->style, "verify-width", v, k[0], sizeof k[0]),
                       a->width);
    }
    struct sp_arch vn;
    struct sp_measurespec mm = *m;
    char differs[160];
    if (sp_alpha_verify_arch(a, NULL, verify_width, &vn, &mm.o.input, differs, sizeof differs) !=
        SP_OK)
        return sp_fail(SP_EINVAL, "%s at depth %d, width %d: %s",
                       archkey_style_name(m->style, "verify", NULL, k[0], sizeof k[0]), a->depth,
                       a->width, sp_last_error());
    mm.max_time = 0.0; /* the time of all of them is the caller's to check */
    enum sp_status s = sp_measure_plan(&vn, &mm, &p->check);
    if (s != SP_OK)
        return s;
    double f = sp_net_flops(&vn, &mm.o);
    p->n++;
    p->flops += f;
    p->bytes = fmax(p->bytes, sp_net_workspace_bytes(&vn, &mm.o) + sp_net_record_bytes(&vn, &mm.o));
    if (timed) {
        double rate = sp_net_gemm_rate(&vn, &mm.o);
        p->seconds += rate > 0.0 ? f / rate : (double)INFINITY;
    }
    return SP_OK;
}
