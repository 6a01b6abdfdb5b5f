/* Tests of src/analysis/compare.c: GMFE = exp(mean |log ratio|) of known ratios,
 * the split into depth thirds (shallow l <= L/3, middle l <= 2L/3, deep) for
 * L = 16, 17, 18, the rows left out by construction (l = 0 forward, l = L
 * backward), unusable ratios, and the per-block rows from net and theory rows. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "sigprop.h"

static void test_gmfe_known(void)
{
    /* |log r| = log 2 for 2 and 1/2: GMFE 2; with 1 added: 2^(2/3) */
    const double r[] = {2.0, 0.5}, r3[] = {2.0, 0.5, 1.0};
    size_t c;
    CHECK_CLOSE(sp_compare_gmfe_ratios(r, 2, &c), 2.0, 0.0, 1e-15);
    CHECK(c == 2);
    CHECK_CLOSE(sp_compare_gmfe_ratios(r3, 3, &c), pow(2.0, 2.0 / 3.0), 0.0, 1e-15);
    /* non-finite, zero and negative ratios are left out */
    const double bad[] = {4.0, NAN, 0.0, -1.0, INFINITY};
    CHECK_CLOSE(sp_compare_gmfe_ratios(bad, 5, &c), 4.0, 0.0, 1e-15);
    CHECK(c == 1);
    CHECK(isnan(sp_compare_gmfe_ratios(bad + 1, 4, &c)) && c == 0);
}

/* ratio e^(t+1) in third t: GMFE of a third is e^(t+1) exactly. */
static void test_thirds(int L)
{
    double l[64], ratio[64];
    size_t n = (size_t)L + 1, want[3] = {0, 0, 0};
    for (size_t i = 0; i < n; i++) {
        l[i] = (double)i;
        int t = 3 * (int)i <= L ? 0 : 3 * (int)i <= 2 * L ? 1 : 2;
        CHECK((int)sp_compare_third(l[i], L) == t);
        ratio[i] = exp(t + 1.0);
        if (i > 0)
            want[t]++;
    }
    struct sp_compare_gmfe g[SP_COMPARE_NRANGES];
    CHECK(sp_compare_gmfe(l, ratio, n, L, SP_CMP_JFWD, g) == SP_OK);
    double all = 0.0;
    for (int t = 0; t < 3; t++) {
        CHECK(g[t].n == want[t]);
        CHECK_CLOSE(g[t].gmfe, exp(t + 1.0), 0.0, 1e-13);
        all += (double)want[t] * (t + 1.0);
    }
    CHECK(g[SP_CMP_ALL].n == (size_t)L);
    CHECK_CLOSE(g[SP_CMP_ALL].gmfe, exp(all / L), 0.0, 1e-13);
    CHECK_CLOSE(g[SP_CMP_MIDDLE].l_from, L / 3.0, 0.0, 1e-15);
    CHECK_CLOSE(g[SP_CMP_DEEP].l_to, (double)L, 0.0, 1e-15);
    /* L = 16: shallow 1..5, middle 6..10, deep 11..16; 17: 1..5, 6..11, 12..17;
     * 18: 1..6, 7..12, 13..18 */
    const size_t ref[3][3] = {{5, 5, 6}, {5, 6, 6}, {6, 6, 6}};
    for (int t = 0; t < 3; t++)
        CHECK(want[t] == ref[L - 16][t]);
    /* backward: l = L is left out, l = 0 counted */
    CHECK(sp_compare_gmfe(l, ratio, n, L, SP_CMP_JBWD, g) == SP_OK);
    CHECK(g[SP_CMP_SHALLOW].n == want[0] + 1);
    CHECK(g[SP_CMP_DEEP].n == want[2] - 1);
    CHECK(g[SP_CMP_ALL].n == (size_t)L);
}

static void test_sublayers_and_errors(void)
{
    /* half blocks: l = 0, 0.5, ..., 3 with L = 3; the ratio at l = 0 (forward)
     * would be huge if it were counted */
    double l[7], ratio[7];
    for (int i = 0; i < 7; i++) {
        l[i] = 0.5 * i;
        ratio[i] = i == 0 ? 1e6 : 1.5;
    }
    struct sp_compare_gmfe g[SP_COMPARE_NRANGES];
    CHECK(sp_compare_gmfe(l, ratio, 7, 3.0, SP_CMP_Q, g) == SP_OK);
    CHECK(g[SP_CMP_SHALLOW].n == 2 && g[SP_CMP_MIDDLE].n == 2 && g[SP_CMP_DEEP].n == 2);
    CHECK_CLOSE(g[SP_CMP_ALL].gmfe, 1.5, 0.0, 1e-14);
    CHECK(sp_compare_gmfe(l, ratio, 7, 0.0, SP_CMP_Q, g) == SP_EINVAL);
    CHECK(strlen(sp_last_error()) > 0);
    CHECK(!strcmp(sp_compare_quantity_name(SP_CMP_JBWD), "J_bwd"));
    CHECK(!strcmp(sp_compare_range_name(SP_CMP_ALL), "all"));
}

static void test_rows_and_summary(void)
{
    struct sp_net_row m[4];
    struct sp_theory_row t[4];
    struct sp_compare_row r[4];
    memset(m, 0, sizeof m);
    memset(t, 0, sizeof t);
    for (int i = 0; i < 4; i++) {
        m[i].l = t[i].l = i;
        m[i].q = 2.0 * (i + 1);
        t[i].q = i + 1.0;            /* ratio 2 */
        m[i].p = t[i].p = 0.5;       /* ratio 1 */
        t[i].log_jfwd = 0.1 * i;
        m[i].j_fwd = 3.0 * exp(0.1 * i); /* ratio 3 */
        t[i].log_jbwd = -0.2 * i;
        m[i].j_bwd = exp(-0.2 * i) / 4.0; /* ratio 1/4 */
    }
    CHECK(sp_compare_rows(m, t, 4, r) == SP_OK);
    CHECK_CLOSE(r[2].theory[SP_CMP_JFWD], exp(0.2), 0.0, 1e-15);
    CHECK_CLOSE(r[3].ratio[SP_CMP_Q], 2.0, 0.0, 1e-15);
    CHECK_CLOSE(r[1].ratio[SP_CMP_JBWD], 0.25, 0.0, 1e-14);
    struct sp_compare_gmfe g[SP_COMPARE_NQ][SP_COMPARE_NRANGES];
    CHECK(sp_compare_summary(r, 4, 3.0, g) == SP_OK);
    CHECK_CLOSE(g[SP_CMP_Q][SP_CMP_ALL].gmfe, 2.0, 0.0, 1e-14);
    CHECK_CLOSE(g[SP_CMP_P][SP_CMP_ALL].gmfe, 1.0, 0.0, 1e-15);
    CHECK_CLOSE(g[SP_CMP_JFWD][SP_CMP_DEEP].gmfe, 3.0, 0.0, 1e-14);
    CHECK_CLOSE(g[SP_CMP_JBWD][SP_CMP_SHALLOW].gmfe, 4.0, 0.0, 1e-14);
    CHECK(g[SP_CMP_JBWD][SP_CMP_ALL].n == 3 && g[SP_CMP_JFWD][SP_CMP_ALL].n == 3);
    /* rows of different shapes are refused */
    t[2].l = 2.5;
    CHECK(sp_compare_rows(m, t, 4, r) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "row 2") != NULL);
}

int main(void)
{
    test_gmfe_known();
    for (int L = 16; L <= 18; L++)
        test_thirds(L);
    test_sublayers_and_errors();
    test_rows_and_summary();
    return check_done();
}
