/* Tests of src/analysis/alpha.c, the alpha rule. Reference values: SPEC 5
 * (blog part-2 setup, version A: J^{128,0} = 56.721 for Derf alpha = 0.5,
 * 14.520 for alpha = 0.3, 20.977 for pre-LN; blog part-1 toy, alpha = 0.5:
 * J^{128,0} = 31.045), given to 5 digits, so the recovered alphas are checked
 * to the matching relative precision; every solution is also fed back into
 * sp_theory_run and must reproduce its target to 1e-9. */
#include <math.h>
#include <stdlib.h>

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
    const double J[2] = {56.721, 14.520}, alpha[2] = {0.5, 0.3};
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
    CHECK(sp_alpha_solve(&a, &o, 1.0, log(31.045), 0.1, 1e-4, 100.0, 1e-12, &s) == SP_OK);
    CHECK_CLOSE(s.alpha, 0.5, 0.0, 1e-4);
    CHECK_CLOSE(feed_back(&a, &o, NAN, s.alpha), log(31.045), 1e-9, 0.0);
}

static void test_preln_match_and_ratio(void)
{
    struct sp_arch a;
    struct sp_theory_opts o;
    struct sp_alpha_solution s;
    double lp;
    blog2(&a, &o);
    CHECK(sp_alpha_preln_log_j(&a, &o, &lp) == SP_OK);
    CHECK_CLOSE(exp(lp), 20.977, 0.0, 5e-5); /* SPEC 5 */
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

int main(void)
{
    test_spec5_targets();
    test_preln_match_and_ratio();
    test_depth_and_unreachable();
    test_width_fixed_init_std();
    return check_done();
}
