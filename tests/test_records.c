/* The record schema (sigprop/records.h): names, which columns a writer
 * appends and where, the values of a transformer and a toy row. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "sigprop.h"

int main(void)
{
    CHECK(!strcmp(sp_rec_name(SP_REC_MODEL), "model") && !strcmp(sp_rec_name(SP_REC_VERSION), "version"));
    CHECK(sp_rec_name(SP_REC_NCOLS) == NULL);
    CHECK(sp_rec_type(SP_REC_MASK) == SP_COL_STR && sp_rec_type(SP_REC_KV_HEADS) == SP_COL_NUM);

    /* a table that has model and alpha already: the others are appended in
     * enum order, the existing ones keep their place; seed not for theory */
    struct sp_table *t = sp_table_new();
    CHECK(t != NULL);
    if (!t)
        return check_done();
    CHECK(sp_table_add_col(t, "l", SP_COL_NUM) == 0);
    CHECK(sp_table_add_col(t, "alpha", SP_COL_NUM) == 1);
    CHECK(sp_table_add_col(t, "model", SP_COL_STR) == 2);
    int idx[SP_REC_NCOLS];
    CHECK(sp_record_add_cols(t, SP_REC_THEORY, idx) == 0);
    CHECK(idx[SP_REC_ALPHA] == 1 && idx[SP_REC_MODEL] == 2 && idx[SP_REC_NORM] == 3);
    CHECK(idx[SP_REC_SEED] == -1 && idx[SP_REC_VERSION] == sp_table_ncols(t) - 1);
    CHECK(sp_table_ncols(t) == 3 + SP_REC_NCOLS - 3); /* all but alpha, model, seed added */

    struct sp_arch a;
    sp_arch_default(&a);
    a.norm_attn.kind = a.norm_mlp.kind = SP_FN_DERF;
    a.norm_attn.alpha = 0.25;
    a.norm_mlp.alpha = 0.5;
    a.width = 256;
    a.heads = 4;
    a.kv_heads = 2;
    a.mask = SP_MASK_CAUSAL;
    CHECK(sp_arch_resolve(&a, NULL, 0) == SP_OK);
    struct sp_theory_opts o;
    sp_theory_opts_version_c(&o);
    struct sp_record r;
    sp_record_of(&a, &o, NAN, NAN, &r);
    CHECK(!strcmp(r.model, "transformer") && !strcmp(r.norm, "derf") && !strcmp(r.version, "C"));
    CHECK(r.alpha == 0.5 && r.alpha_attn == 0.25 && r.alpha_mlp == 0.5);
    CHECK(r.width == 256 && r.heads == 4 && r.kv_heads == 2 && !strcmp(r.mask, "causal"));
    CHECK(!strcmp(r.mlp, "relu") && isnan(r.seed));
    long row = sp_table_add_row(t);
    CHECK(row == 0);
    CHECK(sp_record_set(t, 0, idx, &r) == SP_OK);
    CHECK(sp_table_num(t, 0, idx[SP_REC_WIDTH]) == 256 && !strcmp(sp_table_str(t, 0, 2), "transformer"));
    CHECK(!strcmp(sp_table_str(t, 0, idx[SP_REC_MASK]), "causal"));
    CHECK(isnan(sp_table_num(t, 0, 0))); /* not an identifying column: untouched */
    sp_table_free(t);

    /* differing norms; kv_heads defaults to heads; a measurement has no version */
    a.norm_attn.kind = SP_FN_LN;
    a.kv_heads = 0;
    CHECK(sp_arch_resolve(&a, NULL, 0) == SP_OK);
    sp_record_of(&a, NULL, 0.7, 3, &r);
    CHECK(!strcmp(r.norm, "ln/derf") && isnan(r.alpha_attn) && r.alpha == 0.7);
    CHECK(r.kv_heads == r.heads && r.seed == 3 && !strcmp(r.version, ""));

    struct sp_arch y;
    sp_arch_default(&y);
    y.model = SP_MODEL_TOY;
    y.phi.kind = SP_FN_DERF;
    y.phi.alpha = 0.5;
    CHECK(sp_arch_resolve(&y, NULL, 0) == SP_OK);
    sp_record_of(&y, &o, NAN, NAN, &r);
    CHECK(!strcmp(r.model, "toy") && !strcmp(r.version, "toy") && r.alpha == 0.5);
    CHECK(isnan(r.tokens) && isnan(r.heads) && !strcmp(r.mlp, "") && !strcmp(r.mask, ""));
    return check_done();
}
