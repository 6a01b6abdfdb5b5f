/* The sweep's keys and header: every row starts with its grid index, its grid
 * columns (the configuration as resolved) and its setting columns (every
 * resolved setting that changes a row and is not a grid axis), so that a file
 * says what it holds and a resume can check it. Numbers as sp_csv_num. */
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/analysis.h"
#include "sigprop/io.h"
#include "sigprop/net.h"

#include "analysis/strbuf.h"

static const char *const grid_cols =
    "model,version,norm,alpha,alpha_attn,alpha_mlp,depth,width,tokens,init_std,q0,p0,sigma_w";
static const char *const setting_cols =
    "shift_attn,shift_mlp,sigma_q,sigma_k,sigma_v,sigma_o,sigma_1,sigma_2,phi,mu,sigma_b";
static const char *const theory_setting_cols = "attention,apjn,cn";
static const char *const measure_setting_cols =
    "heads,mlp_ratio,activation,final_norm,seed,seeds,probes,input";
static const char *const theory_cols = "q_L,p_L,J_L0,logJ_L0,phase,zeta,lambda,xi,l_star";
static const char *const measure_cols = "q_L_measured,q_L_se,J_L0_measured,J_L0_se";

#define append sp_strbuf_printf

char *sp_sweep_header(int theory, int measure, int key_only)
{
    char *s = NULL;
    size_t len = 0, cap = 0;
    int rc = append(&s, &len, &cap, "%s%s,%s%s%s%s%s", key_only ? "" : "i,", grid_cols,
                    setting_cols, theory ? "," : "", theory ? theory_setting_cols : "",
                    measure ? "," : "", measure ? measure_setting_cols : "");
    if (!rc && !key_only)
        rc = append(&s, &len, &cap, "%s%s%s%s,status", theory ? "," : "",
                    theory ? theory_cols : "", measure ? "," : "", measure ? measure_cols : "");
    if (rc) {
        free(s);
        return NULL;
    }
    return s;
}

static double fn_alpha(const struct sp_fnspec *f)
{
    return f->kind == SP_FN_DERF || f->kind == SP_FN_DYT ? f->alpha : (double)NAN;
}

static int has_shift(const struct sp_fnspec *f)
{
    return f->kind == SP_FN_DERF || f->kind == SP_FN_DYT;
}

/* The text of the numbers of the previous key, by position: consecutive
 * keys differ in a column or two (the alphas), so most numbers are the text
 * of the key before (their conversion was a fifth of a sweep's CPU time over
 * 10^4 alphas at depth 1, docs/theory.md "Performance"). */
enum { MEMO_SLOTS = 16 };
struct num_memo {
    int next; /* the slot of the next number of this key */
    struct {
        uint64_t bits;
        int valid;
        char text[SP_CSV_NUM_MAX];
    } slot[MEMO_SLOTS];
};

static int num(char **s, size_t *len, size_t *cap, double v, struct num_memo *m)
{
    char b[SP_CSV_NUM_MAX];
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    int k = m->next++;
    if (k >= MEMO_SLOTS) {
        sp_csv_num(b, sizeof b, v);
        return sp_strbuf_cat(s, len, cap, ",", b);
    }
    if (!m->slot[k].valid || m->slot[k].bits != bits) {
        sp_csv_num(m->slot[k].text, sizeof m->slot[k].text, v);
        m->slot[k].bits = bits;
        m->slot[k].valid = 1;
    }
    return sp_strbuf_cat(s, len, cap, ",", m->slot[k].text);
}

/* the key fields of task t's settings (after the grid columns), with a leading comma */
static int settings(const struct sp_sweep_plan *p, const struct sp_sweep_task *t, char **s,
                    size_t *len, size_t *cap, struct num_memo *m)
{
    m->next = 0;
    const struct sp_arch *a = &t->a;
    const struct sp_theory_opts *o = &t->o;
    int toy = a->model == SP_MODEL_TOY;
    const double nan = (double)NAN;
    double v[] = {toy || !has_shift(&a->norm_attn) ? nan : a->norm_attn.shift,
                  toy ? (has_shift(&a->phi) ? a->phi.shift : nan)
                      : (has_shift(&a->norm_mlp) ? a->norm_mlp.shift : nan),
                  toy ? nan : a->sigma_q, toy ? nan : a->sigma_k, toy ? nan : a->sigma_v,
                  toy ? nan : a->sigma_o, toy ? nan : a->sigma_1, toy ? nan : a->sigma_2};
    int rc = 0;
    for (size_t k = 0; k < sizeof v / sizeof *v && !rc; k++)
        rc = num(s, len, cap, v[k], m);
    if (!rc)
        rc = sp_strbuf_cat(s, len, cap, ",", toy ? sp_fn_name(a->phi.kind) : "");
    if (!rc)
        rc = num(s, len, cap, toy ? a->mu : nan, m);
    if (!rc)
        rc = num(s, len, cap, toy ? a->sigma_b : nan, m);
    if (!rc && p->theory) {
        static const char *const attn[] = {"softmax", "uniform", "uniform-exact", "gaussian"};
        rc = toy ? sp_strbuf_cat(s, len, cap, ",,,", "")
                 : sp_strbuf_cat(s, len, cap, ",", attn[o->attention]) ||
                       sp_strbuf_cat(s, len, cap, ",",
                                     o->apjn == SP_APJN_SINGLE ? "single" : "two-channel") ||
                       sp_strbuf_cat(s, len, cap, ",", o->cn_exact ? "exact" : "one");
    }
    if (!rc && p->measure) {
        const struct sp_net_opts *n = p->measure;
        if (toy)
            rc = append(s, len, cap, ",nan,nan,,%d", a->final_norm);
        else
            rc = append(s, len, cap, ",%d,%d,%s,%d", a->heads, a->mlp_ratio,
                        a->mlp_act == SP_ACT_RELU ? "relu" : "gelu", a->final_norm);
        if (!rc)
            rc = append(s, len, cap, ",%llu,%d,%d,%s", (unsigned long long)n->seed, n->seeds,
                        n->probes, n->input == SP_INPUT_GAUSSIAN ? "gaussian" : "equiangular");
    }
    return rc;
}

/* the grid columns of point (t, depth), no leading comma */
static int grid(const struct sp_sweep_task *t, int depth, char **s, size_t *len, size_t *cap,
                struct num_memo *m)
{
    m->next = 0;
    const struct sp_arch *a = &t->a;
    int toy = a->model == SP_MODEL_TOY;
    /* norm: ln or phi (toy), one name, or attention/MLP */
    const char *n1 =
        toy ? (a->toy_ln ? "ln" : sp_fn_name(a->phi.kind)) : sp_fn_name(a->norm_mlp.kind);
    int two = !toy && a->norm_attn.kind != a->norm_mlp.kind;
    int rc = sp_strbuf_cat(s, len, cap, toy ? "toy" : "transformer", ",") ||
             sp_strbuf_cat(s, len, cap, toy ? "toy" : sp_theory_version(&t->o), ",") ||
             sp_strbuf_cat(s, len, cap, two ? sp_fn_name(a->norm_attn.kind) : "", two ? "/" : "") ||
             sp_strbuf_cat(s, len, cap, n1, "");
    double am = fn_alpha(toy ? &a->phi : &a->norm_mlp);
    double aa = toy ? (double)NAN : fn_alpha(&a->norm_attn);
    double v[] = {am, aa, am, depth,
                  toy ? (double)NAN : a->width, toy ? (double)NAN : a->tokens,
                  toy ? (double)NAN : a->init_std, a->q0, toy ? (double)NAN : a->p0,
                  toy ? a->sigma_w : (double)NAN};
    for (size_t k = 0; k < sizeof v / sizeof *v && !rc; k++)
        rc = num(s, len, cap, v[k], m);
    return rc;
}

void sp_sweep_keys_free(char **keys, size_t n)
{
    if (!keys)
        return;
    for (size_t i = 0; i < n; i++)
        free(keys[i]);
    free(keys);
}

enum sp_status sp_sweep_keys(const struct sp_sweep_plan *p, char ***out)
{
    *out = NULL;
    size_t n = p->ntasks * p->ndepths;
    char **keys = calloc(n ? n : 1, sizeof *keys);
    if (!keys)
        return sp_fail(SP_ENOMEM, "out of memory for %zu sweep keys", n);
    struct num_memo *memo = calloc(2, sizeof *memo); /* settings, grid */
    if (!memo) {
        free(keys);
        return sp_fail(SP_ENOMEM, "out of memory for %zu sweep keys", n);
    }
    for (size_t t = 0; t < p->ntasks; t++) {
        char *set = NULL;
        size_t sl = 0, sc = 0;
        if (settings(p, &p->tasks[t], &set, &sl, &sc, &memo[0]) != 0) {
            free(set);
            free(memo);
            sp_sweep_keys_free(keys, n);
            return sp_fail(SP_ENOMEM, "out of memory for %zu sweep keys", n);
        }
        for (size_t j = 0; j < p->ndepths; j++) {
            char *k = NULL;
            size_t kl = 0, kc = 0;
            if (grid(&p->tasks[t], p->depths[j], &k, &kl, &kc, &memo[1]) != 0 ||
                sp_strbuf_cat(&k, &kl, &kc, set, "") != 0) {
                free(k);
                free(memo);
                free(set);
                sp_sweep_keys_free(keys, n);
                return sp_fail(SP_ENOMEM, "out of memory for %zu sweep keys", n);
            }
            keys[t * p->ndepths + j] = k;
        }
        free(set);
    }
    free(memo);
    *out = keys;
    return SP_OK;
}
