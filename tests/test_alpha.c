/* Tests of src/analysis/alpha.c, the alpha rule. Reference values: SPEC 5
 * (blog part-2 setup, version A: J^{128,0} = 56.721 for Derf alpha = 0.5,
 * 14.520 for alpha = 0.3, 20.977 for pre-LN; blog part-1 toy, alpha = 0.5:
 * J^{128,0} = 31.045), given to 5 digits, so the recovered alphas are checked
 * to the matching relative precision; every solution is also fed back into
 * sp_theory_run and must reproduce its target to 1e-9. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sigprop.h"

static void blog2(struct sp_arch *a, struct sp_theory_opts *o)
{
    int va;
    char err[256];
    sp_arch_default(a);
    sp_preset_apply("blog2", a, &va);
    a->norm_attn = a->norm_mlp = (struct sp_fnspec){SP_FN_DERF, 0.5, 0.0};
    sp_arch_resolve(a, err, sizeof err);
    sp_theory_opts_version_a(o);
}

/* log J^{L,0} with both alphas set explicitly: the independent feed-back check. */
static double feed_back(const struct sp_arch *a0, const struct sp_theory_opts *o, double aa,
                        double am)
{
    struct sp_arch a = *a0;
    if (a.model == SP_MODEL_TOY) {
        a.phi.alpha = am;
    } else {
        a.norm_attn.alpha = aa;
        a.norm_mlp.alpha = am;
    }
    size_t n = sp_theory_nrows(&a, o);
    struct sp_theory_row *rows = malloc(n * sizeof *rows);
    double v = sp_theory_run(&a, o, rows, n) == SP_OK ? rows[n - 1].log_jfwd : (double)NAN;
    free(rows);
    return v;
}

static void test_spec5_targets(void)
{
    struct sp_arch a;
    struct sp_theory_opts o;
    struct sp_alpha_solution s;
    blog2(&a, &o);
    /* the published values, from the one reference table (sigprop/reference.h) */
    const double alpha[2] = {0.5, 0.3};
    const double J[2] = {sp_reference_find("blog2", SP_REF_THEORY, "derf", 0.5)->J_L0,
                         sp_reference_find("blog2", SP_REF_THEORY, "derf", 0.3)->J_L0};
    for (int i = 0; i < 2; i++) {
        CHECK(sp_alpha_solve(&a, &o, 1.0, log(J[i]), 1.0, 1e-4, 100.0, 1e-12, &s) == SP_OK);
        /* J known to 5 digits; d log J / d log alpha is about 1-2 here */
        CHECK_CLOSE(s.alpha, alpha[i], 0.0, 1e-4);
        CHECK_CLOSE(s.alpha_attn, s.alpha, 0.0, 1e-15);
        CHECK_CLOSE(s.log_j, log(J[i]), 1e-9, 0.0);
        CHECK_CLOSE(feed_back(&a, &o, s.alpha, s.alpha), log(J[i]), 1e-9, 0.0);
        CHECK(s.monotone);
        CHECK(s.evaluations > 2);
    }
    /* toy, blog part 1 */
    sp_arch_default(&a);
    int va;
    char err[256];
    sp_preset_apply("blog1-toy", &a, &va);
    sp_arch_resolve(&a, err, sizeof err);
    const double Jtoy = sp_reference_find("blog1-toy", SP_REF_THEORY, "derf", 0.5)->J_L0;
    CHECK(sp_alpha_solve(&a, &o, 1.0, log(Jtoy), 0.1, 1e-4, 100.0, 1e-12, &s) == SP_OK);
    CHECK_CLOSE(s.alpha, 0.5, 0.0, 1e-4);
    CHECK_CLOSE(feed_back(&a, &o, NAN, s.alpha), log(Jtoy), 1e-9, 0.0);
}

static void test_preln_match_and_ratio(void)
{
    struct sp_arch a;
    struct sp_theory_opts o;
    struct sp_alpha_solution s;
    double lp;
    blog2(&a, &o);
    CHECK(sp_alpha_preln_log_j(&a, &o, &lp) == SP_OK);
    CHECK_CLOSE(exp(lp), sp_reference_find("blog2", SP_REF_THEORY, "ln", NAN)->J_L0, 0.0,
                5e-5); /* published value, docs/science.md "Reference values" */
    CHECK(sp_alpha_solve(&a, &o, 1.0, lp, 0.5, 1e-4, 100.0, 1e-12, &s) == SP_OK);
    /* 14.520 at 0.3 < 20.977 < 56.721 at 0.5 (monotone in alpha) */
    CHECK(s.alpha > 0.3 && s.alpha < 0.5);
    CHECK_CLOSE(feed_back(&a, &o, s.alpha, s.alpha), lp, 1e-9, 0.0);

    /* DyT LLaMA-style pair: alpha_attn = 4 alpha_mlp; budget 3x pre-LN */
    CHECK(sp_alpha_solve(&a, &o, 4.0, lp + log(3.0), 0.5, 1e-4, 100.0, 1e-12, &s) == SP_OK);
    CHECK_CLOSE(s.alpha_attn, 4.0 * s.alpha, 0.0, 1e-15);
    CHECK_CLOSE(feed_back(&a, &o, s.alpha_attn, s.alpha), lp + log(3.0), 1e-9, 0.0);
    CHECK(s.monotone);
}

static void test_depth_and_unreachable(void)
{
    struct sp_arch a;
    struct sp_theory_opts o;
    struct sp_alpha_solution s1, s2, s;
    blog2(&a, &o);
    /* SPEC 3.5: deeper models need a smaller alpha for the same amplification */
    CHECK(sp_alpha_solve(&a, &o, 1.0, log(50.0), 0.5, 1e-4, 100.0, 1e-10, &s1) == SP_OK);
    a.depth = 256;
    CHECK(sp_alpha_solve(&a, &o, 1.0, log(50.0), 0.5, 1e-4, 100.0, 1e-10, &s2) == SP_OK);
    CHECK(s2.alpha < s1.alpha);
    /* J < 1 is below any alpha's J^{L,0}: unreachable, with the range reported */
    CHECK(sp_alpha_solve(&a, &o, 1.0, log(0.5), 0.5, 1e-4, 100.0, 1e-10, &s) == SP_EUNSUPPORTED);
    CHECK(isfinite(s.log_j_min) && isfinite(s.log_j_max));
    CHECK(s.log_j_min > log(0.5) && s.log_j_min < s.log_j_max);
    CHECK(isnan(s.alpha));
    /* a huge target is above the range at alpha_max = 2 */
    CHECK(sp_alpha_solve(&a, &o, 1.0, 1e3, 0.5, 1e-4, 2.0, 1e-10, &s) == SP_EUNSUPPORTED);
    CHECK(s.log_j_max < 1e3);
    /* pre-LN has no alpha */
    a.norm_attn.kind = a.norm_mlp.kind = SP_FN_LN;
    CHECK(sp_alpha_solve(&a, &o, 1.0, log(50.0), 0.5, 1e-4, 100.0, 1e-10, &s) == SP_EINVAL);
    CHECK(sp_alpha_solve(&a, &o, 1.0, log(50.0), 0.5, 1.0, 0.5, 1e-10, &s) == SP_EINVAL);
}

/* Width at fixed init std 0.02 (timm/LLaMA): sigmas grow as sqrt(width), and the
 * alpha for a fixed target falls with width. */
static void test_width_fixed_init_std(void)
{
    struct sp_theory_opts o;
    sp_theory_opts_version_c(&o);
    double prev = INFINITY;
    for (int d = 1024; d <= 4096; d *= 2) {
        struct sp_arch a;
        char err[256];
        sp_arch_default(&a);
        a.width = d;
        a.depth = 32;
        a.norm_attn = a.norm_mlp = (struct sp_fnspec){SP_FN_DERF, 0.5, 0.0};
        CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
        CHECK_CLOSE(a.sigma_1, 0.02 * sqrt((double)d), 0.0, 1e-12);
        struct sp_alpha_solution s;
        CHECK(sp_alpha_solve(&a, &o, 1.0, log(20.0), 0.5, 1e-5, 100.0, 1e-10, &s) == SP_OK);
        CHECK(s.alpha < prev);
        prev = s.alpha;
    }
}

/* The transfer rule recovers known laws from synthetic grids: alpha = A L^-b W^-c
 * exactly gives, per width, A W^-c and b, and per depth, A L^-b and c. */
static void test_transfer_rule(void)
{
    const double D[4] = {8, 16, 32, 64}, W[3] = {512, 1024, 4096};
    const double A = 37.5, b = 0.45, c = 0.9;
    double al[12];
    for (int i = 0; i < 4; i++)
        for (int j = 0; j < 3; j++)
            al[i * 3 + j] = A * pow(D[i], -b) * pow(W[j], -c);
    struct sp_alpha_law laws[7];
    size_t n = 0;
    CHECK(sp_alpha_transfer_fit(D, 4, W, 3, al, laws, &n) == SP_OK);
    CHECK(n == 7);
    for (int j = 0; j < 3; j++) {
        CHECK(laws[j].over_width == 0 && laws[j].fixed == W[j]);
        CHECK_CLOSE(laws[j].b, b, 1e-12, 0.0);
        CHECK_CLOSE(laws[j].A, A * pow(W[j], -c), 0.0, 1e-11);
    }
    for (int i = 0; i < 4; i++) {
        CHECK(laws[3 + i].over_width == 1 && laws[3 + i].fixed == D[i]);
        CHECK_CLOSE(laws[3 + i].b, c, 1e-12, 0.0);
        CHECK_CLOSE(laws[3 + i].A, A * pow(D[i], -b), 0.0, 1e-11);
    }
    /* one width: depth laws only; one point: none; empty grid refused */
    CHECK(sp_alpha_transfer_fit(D, 4, W, 1, al, laws, &n) == SP_OK && n == 1);
    CHECK(sp_alpha_transfer_fit(D, 1, W, 1, al, laws, &n) == SP_OK && n == 0);
    CHECK(sp_alpha_transfer_fit(D, 0, W, 1, al, laws, &n) == SP_EINVAL);
}

/* The verification network is the recommended one unless a narrower copy is asked
 * for, and then says what differs. */
/* Derf 0.5 at width 96, 128 tokens (more than the width), 6 heads, depth 4. */
static void derf96(struct sp_arch *a)
{
    char err[256];
    sp_arch_default(a);
    a->norm_attn = a->norm_mlp = (struct sp_fnspec){SP_FN_DERF, 0.5, 0.0};
    a->width = 96;
    a->tokens = 128;
    a->heads = 6;
    a->depth = 4;
    CHECK(sp_arch_resolve(a, err, sizeof err) == SP_OK);
}

static void test_verify_arch(void)
{
    struct sp_arch a, v;
    struct sp_theory_opts o;
    enum sp_net_input in;
    char err[256], diff[160];
    derf96(&a);
    sp_theory_opts_version_a(&o);
    struct sp_alpha_solution sol = {.alpha = 0.25, .alpha_attn = 1.0};
    CHECK(sp_alpha_verify_arch(&a, &sol, 0, &v, &in, diff, sizeof diff) == SP_OK);
    CHECK(diff[0] == '\0' && v.width == 96 && v.tokens == 128 && v.heads == 6);
    CHECK(v.depth == a.depth && v.sigma_1 == a.sigma_1 && v.sigma_o == a.sigma_o);
    CHECK(v.norm_mlp.alpha == 0.25 && v.norm_attn.alpha == 1.0);
    CHECK(in == SP_INPUT_GAUSSIAN); /* 128 tokens > 96 wide */
    CHECK(sp_alpha_verify_arch(&a, &sol, 96, &v, &in, diff, sizeof diff) == SP_OK && !diff[0]);
    /* 40 wide: tokens capped, 6 heads do not divide 40: 5 do */
    CHECK(sp_alpha_verify_arch(&a, &sol, 40, &v, &in, diff, sizeof diff) == SP_OK);
    CHECK(v.width == 40 && v.tokens == 40 && v.heads == 5 && in == SP_INPUT_EQUIANGULAR);
    CHECK(!strcmp(diff, "width 96 -> 40; tokens 128 -> 40; heads 6 -> 5"));
    CHECK(v.sigma_1 == a.sigma_1); /* the resolved sigmas, not re-derived at 40 */
    CHECK(sp_alpha_verify_arch(&a, &sol, 97, &v, &in, diff, sizeof diff) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "exceeds") != NULL);

    /* measured on the exact network: theory is what was solved for; pass within a
     * wide tolerance, the interval as documented */
    a.tokens = 8;
    a.width = 32;
    a.heads = 2;
    a.init_std = 0.05;
    a.sigma_q = a.sigma_k = a.sigma_v = a.sigma_o = a.sigma_1 = a.sigma_2 = NAN;
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    struct sp_alpha_solution s;
    CHECK(sp_alpha_solve(&a, &o, 1.0, log(2.0), 0.5, 1e-4, 100.0, 1e-12, &s) == SP_OK);
    CHECK(sp_alpha_verify_arch(&a, &s, 0, &v, &in, diff, sizeof diff) == SP_OK);
    struct sp_net_opts no;
    sp_net_opts_default(&no);
    no.input = in;
    no.threads = 1;
    struct sp_alpha_verification ver;
    CHECK(sp_alpha_verify(&v, &o, &no, 0.5, &ver) == SP_OK);
    CHECK_CLOSE(ver.j_theory, 2.0, 0.0, 1e-9);
    CHECK(ver.j_measured > 0.0 && ver.j_se > 0.0);
    CHECK_CLOSE(ver.lo, 2.0 * 0.5 - 2.0 * ver.j_se, 0.0, 1e-12);
    CHECK_CLOSE(ver.hi, 2.0 * 1.5 + 2.0 * ver.j_se, 0.0, 1e-12);
    CHECK(ver.pass == (ver.j_measured >= ver.lo && ver.j_measured <= ver.hi));
    CHECK(ver.pass);
    CHECK_CLOSE(ver.ratio, ver.j_measured / 2.0, 0.0, 1e-9);
    CHECK(sp_alpha_verify(&v, &o, &no, -1.0, &ver) == SP_EINVAL);
}

/* The verification's cost before a table runs (sp_alpha_verify_plan_add): each
 * network's FLOPs summed and its bytes maximised, as net.h counts them for the
 * verification network itself, and the refusals with their reasons; the JSON
 * meta alpha writes (sp_alpha_table_meta_json), text compared whole. */
static void test_verify_plan_and_meta(void)
{
    struct sp_arch a, v40, v96;
    enum sp_net_input in40, in96;
    char diff[160];
    derf96(&a);
    CHECK(sp_alpha_verify_arch(&a, NULL, 40, &v40, &in40, diff, sizeof diff) == SP_OK);
    CHECK(sp_alpha_verify_arch(&a, NULL, 0, &v96, &in96, diff, sizeof diff) == SP_OK);
    struct sp_measurespec m;
    sp_measurespec_init(&m);
    m.style = SP_ARCHKEY_STYLE_FLAG;
    struct sp_net_opts o40 = m.o, o96 = m.o;
    o40.input = in40;
    o96.input = in96;
    double f40 = sp_net_flops(&v40, &o40), f96 = sp_net_flops(&v96, &o96);
    double b40 = sp_net_workspace_bytes(&v40, &o40) + sp_net_record_bytes(&v40, &o40);
    double b96 = sp_net_workspace_bytes(&v96, &o96) + sp_net_record_bytes(&v96, &o96);
    CHECK(f40 > 0 && f96 > f40 && b96 > b40);
    struct sp_alpha_verify_plan p;
    sp_alpha_verify_plan_init(&p);
    CHECK(sp_alpha_verify_plan_add(&p, &a, 40, &m, 0) == SP_OK);
    CHECK(p.n == 1 && p.flops == f40 && p.bytes == b40 && p.seconds == 0.0);
    CHECK(sp_alpha_verify_plan_add(&p, &a, 0, &m, 0) == SP_OK);
    CHECK(p.n == 2 && p.flops == f40 + f96 && p.bytes == b96);
    CHECK(sp_alpha_verify_plan_add(&p, &a, 97, &m, 0) == SP_EINVAL && p.n == 2);
    CHECK(!strcmp(sp_last_error(), "--verify-width 97 exceeds the network's width 96: the "
                                   "verification network is a narrower copy"));
    struct sp_arch toy;
    sp_arch_default(&toy);
    toy.model = SP_MODEL_TOY;
    m.style = SP_ARCHKEY_STYLE_KEYWORD;
    CHECK(sp_alpha_verify_plan_add(&p, &toy, 0, &m, 0) == SP_EINVAL);
    CHECK(!strcmp(sp_last_error(), "verify measures a transformer: not model='toy'"));
    m.max_memory = 1024; /* a limit the network exceeds: the measurement plan's reason */
    CHECK(sp_alpha_verify_plan_add(&p, &a, 40, &m, 0) == SP_EINVAL && p.n == 2);
    CHECK(strstr(sp_last_error(), "MB of memory") != NULL);
    sp_measurespec_free(&m);

    struct sp_alpha_table_opts ao;
    sp_alpha_table_opts_default(&ao);
    ao.target = SP_ALPHA_MATCH_PRELN;
    struct sp_alpha_law law = {0, 64, 2, 0.5, NAN};
    struct sp_alpha_table_info info = {.laws = &law, .nlaws = 1};
    char *j = sp_alpha_table_meta_json(&a, &ao, &info);
    CHECK(j && !strcmp(j, "{\"target\":\"match preln\",\"ratio\":1,\"monotone\":true,"
                          "\"laws\":[{\"law\":\"alpha = A * depth^-b\",\"width\":64,\"A\":2,"
                          "\"b\":0.5}]}"));
    free(j);
    ao.target = SP_ALPHA_BUDGET;
    ao.target_value = 3;
    ao.verify = 1;
    info = (struct sp_alpha_table_info){.nonmonotone = 1, .nfailed = 1, .verify_gmfe = 1.25,
                                        .verify_n = 2};
    j = sp_alpha_table_meta_json(&a, &ao, &info);
    CHECK(j && !strcmp(j, "{\"target\":\"budget-ratio\",\"target_value\":3,\"ratio\":1,"
                          "\"monotone\":false,\"verify_gmfe\":1.25,\"verify_width\":96,"
                          "\"verify_tol\":0.2,\"verify_failed\":1,\"laws\":[]}"));
    free(j);
}

/* sp_alpha_point: the three targets on blog2 (budget 3x pre-LN fed back through
 * the recursion), lambda/phase at the solution, refusals with their reasons. */
static void test_alpha_point(void)
{
    struct sp_arch a;
    struct sp_theory_opts o;
    struct sp_alpha_point pt;
    double lp;
    blog2(&a, &o);
    CHECK(sp_alpha_preln_log_j(&a, &o, &lp) == SP_OK);
    CHECK(sp_alpha_point(&a, &o, SP_ALPHA_MATCH_PRELN, NAN, 1.0, 0.5, 1e-4, 100.0, 1e-12, &pt) ==
          SP_OK);
    CHECK_CLOSE(pt.log_j_preln, lp, 0.0, 1e-15);
    CHECK_CLOSE(pt.log_target, lp, 0.0, 1e-15);
    CHECK(pt.sol.alpha > 0.3 && pt.sol.alpha < 0.5);
    CHECK_CLOSE(pt.s_ov, sp_arch_s_ov(&a), 0.0, 1e-15);
    CHECK(pt.phase == SP_PHASE_SUBCRITICAL && pt.lambda > 0.0);
    CHECK(sp_alpha_point(&a, &o, SP_ALPHA_BUDGET, 3.0, 4.0, 0.5, 1e-4, 100.0, 1e-12, &pt) == SP_OK);
    CHECK_CLOSE(feed_back(&a, &o, pt.sol.alpha_attn, pt.sol.alpha), lp + log(3.0), 1e-9, 0.0);
    CHECK(sp_alpha_point(&a, &o, SP_ALPHA_TARGET_J, 50.0, 1.0, 0.5, 1e-4, 100.0, 1e-12, &pt) ==
          SP_OK);
    CHECK_CLOSE(feed_back(&a, &o, pt.sol.alpha, pt.sol.alpha), log(50.0), 1e-9, 0.0);
    CHECK(sp_alpha_point(&a, &o, SP_ALPHA_TARGET_J, 0.5, 1.0, 0.5, 1e-4, 100.0, 1e-10, &pt) ==
          SP_EUNSUPPORTED);
    CHECK(strstr(sp_last_error(), "reachable range") != NULL);
    CHECK(sp_alpha_point(&a, &o, SP_ALPHA_TARGET_J, -1.0, 1.0, 0.5, 1e-4, 100.0, 1e-10, &pt) ==
          SP_EINVAL);
    struct sp_arch t;
    sp_arch_default(&t);
    t.model = SP_MODEL_TOY;
    t.phi.kind = SP_FN_DERF;
    t.phi.alpha = 0.5;
    CHECK(sp_arch_resolve(&t, NULL, 0) == SP_OK);
    CHECK(sp_alpha_point(&t, &o, SP_ALPHA_MATCH_PRELN, NAN, 1.0, 0.5, 1e-4, 100.0, 1e-10, &pt) ==
          SP_EINVAL);
    CHECK(strstr(sp_last_error(), "transformer only") != NULL);
    CHECK(sp_alpha_point(&t, &o, SP_ALPHA_TARGET_J, 3.0, 1.0, 0.5, 1e-4, 100.0, 1e-12, &pt) ==
          SP_OK);
    CHECK(isnan(pt.log_j_preln) && isnan(pt.s_ov) && isnan(pt.s_21));
}

/* The per-side rule (docs/alpha.md, "Both alphas"): at the solution each
 * sublayer kind's share of log J^{L,0} equals pre-LN's, the shares add up to
 * log J^{L,0} (fed back through the block rows), and so J^{L,0} equals
 * pre-LN's; norms without an alpha are refused with a reason. */
static void test_per_side(void)
{
    struct sp_arch a;
    struct sp_theory_opts o;
    blog2(&a, &o);
    a.norm_attn.kind = a.norm_mlp.kind = SP_FN_DYT;
    struct sp_alpha_point pt;
    CHECK(sp_alpha_point(&a, &o, SP_ALPHA_MATCH_PRELN_SIDES, NAN, 1.0, 0.5, 1e-4, 100.0, 1e-10,
                         &pt) == SP_OK);
    CHECK_CLOSE(pt.sides.log_j_attn, pt.sides_preln.log_j_attn, 1e-7, 1e-12);
    CHECK_CLOSE(pt.sides.log_j_mlp, pt.sides_preln.log_j_mlp, 1e-7, 1e-12);
    CHECK_CLOSE(pt.sides_preln.log_j_attn + pt.sides_preln.log_j_mlp, pt.log_j_preln, 1e-12,
                1e-12);
    double lj = feed_back(&a, &o, pt.sol.alpha_attn, pt.sol.alpha);
    CHECK_CLOSE(lj, pt.sides.log_j_attn + pt.sides.log_j_mlp, 1e-12, 1e-12);
    CHECK_CLOSE(lj, pt.log_j_preln, 1e-7, 0.0);
    CHECK_CLOSE(pt.sol.log_j, lj, 1e-12, 0.0);
    CHECK(pt.sweeps >= 1 && pt.sweeps < 100 && pt.sol.monotone);
    /* both shares are positive and the solution is not the one-alpha match
     * (the attention share pins alpha_attn separately) */
    CHECK(pt.sides.log_j_attn > 0.0 && pt.sides.log_j_mlp > 0.0);
    struct sp_alpha_solution one;
    CHECK(sp_alpha_solve(&a, &o, 1.0, pt.log_j_preln, 0.5, 1e-4, 100.0, 1e-12, &one) == SP_OK);
    CHECK(fabs(pt.sol.alpha_attn / pt.sol.alpha - 1.0) > 1e-3);

    /* refusals: pre-LN norms have no alpha; the attention share out of reach */
    struct sp_arch ln = a;
    ln.norm_attn.kind = ln.norm_mlp.kind = SP_FN_LN;
    struct sp_alpha_solution sol;
    struct sp_alpha_sides at;
    int sw;
    CHECK(sp_alpha_solve_sides(&ln, &o, 0.1, 1.0, 0.5, 1e-4, 100.0, 1e-10, &sol, &at, &sw) ==
          SP_EINVAL);
    CHECK(strstr(sp_last_error(), "Derf or DyT") != NULL);
    CHECK(sp_alpha_solve_sides(&a, &o, 1e3, 1.0, 0.5, 1e-4, 100.0, 1e-10, &sol, &at, &sw) ==
          SP_EUNSUPPORTED);
    CHECK(strstr(sp_last_error(), "attention") != NULL);
    struct sp_alpha_sides sd;
    CHECK(sp_alpha_side_log_j(&ln, &o, 0.5, 0.5, &sd) == SP_EINVAL);
    CHECK(sp_alpha_side_log_j(&ln, &o, NAN, NAN, &sd) == SP_OK);
    CHECK_CLOSE(sd.log_j_attn, pt.sides_preln.log_j_attn, 1e-14, 0.0);
}

int main(void)
{
    test_spec5_targets();
    test_preln_match_and_ratio();
    test_depth_and_unreachable();
    test_width_fixed_init_std();
    test_transfer_rule();
    test_verify_arch();
    test_alpha_point();
    test_per_side();
    test_verify_plan_and_meta();
    return check_done();
}
