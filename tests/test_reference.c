/* Tests of src/analysis/reference.c, the one table of published values: every
 * mean-field entry is reproduced by sp_theory_run (version A) to the digits it is
 * published with (a typo in the table fails here), and the look-up finds exactly
 * the entries it should. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sigprop.h"

/* relative agreement within half a unit of the 5th significant digit */
#define PUB_REL 5e-5

static void check_theory_entry(const struct sp_reference *e)
{
    struct sp_arch a;
    struct sp_theory_opts o;
    int va;
    char err[256];
    sp_arch_default(&a);
    CHECK(sp_preset_apply(e->setup, &a, &va) == SP_OK);
    if (!strcmp(e->setup, "blog2")) {
        enum sp_fn fn = !strcmp(e->norm, "ln") ? SP_FN_LN : SP_FN_DERF;
        a.norm_attn = a.norm_mlp = (struct sp_fnspec){fn, isnan(e->alpha) ? 1.0 : e->alpha, 0.0};
    } else {
        if (strcmp(e->norm, "derf"))
            return; /* the toy's pre-LN / identity entry is checked in test_theory.c */
        a.phi.alpha = e->alpha;
    }
    a.depth = e->depth;
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    sp_theory_opts_version_a(&o);
    size_t n = sp_theory_nrows(&a, &o);
    struct sp_theory_row *rows = malloc(n * sizeof *rows);
    CHECK(rows != NULL);
    if (!rows)
        return;
    CHECK(sp_theory_run(&a, &o, rows, n) == SP_OK);
    CHECK_CLOSE(rows[n - 1].q, e->q_L, 0.0, PUB_REL);
    CHECK_CLOSE(exp(rows[n - 1].log_jfwd), e->J_L0, 0.0, PUB_REL);
    if (!isnan(e->p_L))
        CHECK_CLOSE(rows[n - 1].p, e->p_L, 0.0, PUB_REL);
    if (!isnan(e->J_L16))
        CHECK_CLOSE(exp(rows[16].log_jbwd), e->J_L16, 0.0, PUB_REL);
    if (!isnan(e->J_L64))
        CHECK_CLOSE(exp(rows[64].log_jbwd), e->J_L64, 0.0, PUB_REL);
    free(rows);
}

static void test_theory_entries(void)
{
    size_t n = 0;
    const struct sp_reference *t = sp_reference_table(&n);
    CHECK(n >= 8);
    int checked = 0;
    for (size_t i = 0; i < n; i++)
        if (t[i].source == SP_REF_THEORY) {
            check_theory_entry(&t[i]);
            checked++;
        }
    CHECK(checked >= 4);
}

static void test_find(void)
{
    const struct sp_reference *e = sp_reference_find("blog2", SP_REF_THEORY, "derf", 0.5);
    CHECK(e && e->J_L0 == 56.721);
    e = sp_reference_find("blog2", SP_REF_THEORY, "ln", NAN);
    CHECK(e && e->J_L0 == 20.977);
    e = sp_reference_find("blog2", SP_REF_MEASURED, "ln", NAN);
    CHECK(e && e->J_L0 == 21.24 && e->q_L == 58.90);
    e = sp_reference_find("blog2", SP_REF_MEASURED, "derf", 0.5);
    CHECK(e && e->J_L0 == 59.69);
    CHECK(sp_reference_find("blog2", SP_REF_THEORY, "derf", 0.7) == NULL);
    CHECK(sp_reference_find("blog2", SP_REF_THEORY, "dyt", 0.5) == NULL);
    CHECK(sp_reference_find("nope", SP_REF_THEORY, "ln", NAN) == NULL);
    CHECK(sp_reference_find(NULL, SP_REF_THEORY, "ln", NAN) == NULL);
}

int main(void)
{
    test_theory_entries();
    test_find();
    return check_done();
}
