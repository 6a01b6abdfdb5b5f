/* Trained checkpoints for a measurement (sigprop/measurespec.h): which format a
 * file is (a sigprop train checkpoint by its magic, else llama2.c), the llama2.c
 * set-up measure and inspect share (the architecture the model implies at n
 * tokens, its stored weights, the token ids), what contradicts a checkpoint, its
 * architecture and the token rows of real inputs through its embedding. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archkeys.h"
#include "sigprop/llama2c.h"
#include "sigprop/measurespec.h"
#include "sigprop/train.h"
#include "sigprop/vit_export.h"

int sp_measure_weights_is_train(const char *path)
{
    unsigned char head[16];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    return sp_train_is_checkpoint(head, n);
}

void sp_llama2c_run_free(struct sp_llama2c_run *r)
{
    free(r->ids);
    free(r->tok);
    free(r->bw);
    memset(r, 0, sizeof *r);
}

enum sp_status sp_llama2c_run_setup(const struct sp_llama2c *m, const char *path, int n,
                                    const int *ids_in, uint64_t seed,
                                    enum sp_archkey_style style, struct sp_llama2c_run *out)
{
    memset(out, 0, sizeof *out);
    char b[96], v[32];
    if (n > m->cfg.seq_len) {
        snprintf(v, sizeof v, "%d", n);
        return sp_fail(SP_EINVAL, "%s exceeds the model's seq_len %d",
                       archkey_style_name(style, "tokens", v, b, sizeof b), m->cfg.seq_len);
    }
    struct sp_arch *a = &out->arch;
    sp_arch_default(a);
    sp_llama2c_arch(m, a);
    a->tokens = n;
    a->final_norm = 1;
    a->q0 = 0.02 * 0.02; /* the re-initialised embedding rows: N(0, 0.02^2) per component */
    a->p0 = 0.0;
    char err[256];
    if (sp_arch_resolve(a, err, sizeof err) != SP_OK)
        return sp_fail(SP_EFORMAT, "%s: the implied architecture is invalid: %s", path, err);
    out->ids = malloc((size_t)n * sizeof *out->ids);
    out->tok = malloc((size_t)n * (size_t)m->cfg.dim * sizeof *out->tok);
    out->bw = calloc((size_t)m->cfg.n_layers, sizeof *out->bw);
    if (!out->ids || !out->tok || !out->bw) {
        sp_llama2c_run_free(out);
        return sp_fail(SP_ENOMEM, "out of memory");
    }
    out->n = n;
    if (ids_in)
        memcpy(out->ids, ids_in, (size_t)n * sizeof *out->ids);
    else
        sp_llama2c_sample_ids(m, seed, n, out->ids);
    enum sp_status s = sp_llama2c_net_weights(m, out->ids, n, out->bw, out->tok, &out->w);
    if (s != SP_OK)
        sp_llama2c_run_free(out);
    return s;
}

void sp_measure_weights_free(struct sp_measure_weights *w)
{
    if (!w)
        return;
    sp_vit_net_free(w->vn);
    sp_vit_net_free(w->vinit);
    sp_llama2c_run_free(&w->run);
    sp_llama2c_free(w->lm);
    free(w->tok);
    free(w->tok_init);
    memset(w, 0, sizeof *w);
}

/* A reader's failure as "path: reason". */
static enum sp_status fail_path(enum sp_status s, const char *path)
{
    char why[512];
    snprintf(why, sizeof why, "%s", sp_last_error());
    return sp_fail(s, "%s: %s", path, why);
}

static enum sp_status load(const char *path, struct sp_measurespec *s,
                           struct sp_measure_weights *w)
{
    char b[2][96];
    enum sp_archkey_style st = s->style;
    if (s->position_std > 0.0)
        return sp_measure_ids_prepare(&(struct sp_measurespec){.style = st,
                                                               .position_std = s->position_std},
                                      NULL); /* its refusal without ids */
    enum sp_status r;
    if (sp_measure_weights_is_train(path)) {
        if (s->ids)
            return sp_fail(SP_EINVAL, "%s goes with a llama2.c checkpoint, not a sigprop train "
                           "checkpoint (use %s)",
                           archkey_style_name(st, "token-ids", NULL, b[0], sizeof b[0]),
                           archkey_style_name(st, "inputs", "fashion-mnist", b[1], sizeof b[1]));
        if ((r = sp_vit_net_load(path, &w->vn)) != SP_OK)
            return fail_path(r, path);
        w->format = "sigprop-train";
        w->cls = sp_vit_net_config(w->vn)->pool == SP_POOL_CLS;
        sp_vit_net_weights(w->vn, &w->w);
        if (w->against_init) {
            if ((r = sp_vit_net_init(sp_vit_net_config(w->vn), sp_vit_net_seed(w->vn),
                                     &w->vinit)) != SP_OK) {
                char why[512];
                snprintf(why, sizeof why, "%s", sp_last_error());
                return sp_fail(r, "the initialisation: %s", why);
            }
            sp_vit_net_weights(w->vinit, &w->w_init);
        }
        return SP_OK;
    }
    if (s->inputs)
        return sp_fail(SP_EINVAL, "%s goes with a sigprop train checkpoint; %s is read as "
                       "llama2.c",
                       archkey_style_name(st, "inputs", "fashion-mnist", b[0], sizeof b[0]), path);
    if ((r = sp_llama2c_read(path, &w->lm)) != SP_OK)
        return fail_path(r, path);
    w->format = "llama2.c";
    if ((r = sp_llama2c_run_setup(w->lm, path, s->ids ? (int)s->nids : 64, s->ids, s->o.seed, st,
                                  &w->run)) != SP_OK)
        return r;
    w->w = w->run.w;
    s->o.input = SP_INPUT_GAUSSIAN; /* the init's rows: Gaussian N(0, 0.02^2) */
    return SP_OK;
}

enum sp_status sp_measure_weights_load(const char *path, int against_init,
                                       struct sp_measurespec *s, struct sp_measure_weights *out)
{
    memset(out, 0, sizeof *out);
    out->path = path;
    out->cls = -1;
    out->against_init = against_init != 0;
    enum sp_status r = load(path, s, out);
    if (r != SP_OK)
        sp_measure_weights_free(out);
    return r;
}

enum sp_status sp_measure_weights_arch(const struct sp_measure_weights *w,
                                       const struct sp_measurespec *s,
                                       const struct sp_archspec *spec, struct sp_arch *a)
{
    if (!w->vn) {
        *a = w->run.arch;
        return SP_OK;
    }
    enum sp_status r = sp_vit_net_arch(w->vn, s->inputs ? s->cls : w->cls, a);
    if (r != SP_OK)
        return fail_path(r, w->path);
    if (spec && !isnan(spec->q0)) /* the configured input on its tokens */
        a->q0 = spec->q0;
    if (spec && !isnan(spec->p0))
        a->p0 = spec->p0;
    return SP_OK;
}

enum sp_status sp_measure_weights_inputs(struct sp_measure_weights *w,
                                         const struct sp_measurespec *s, const struct sp_arch *a)
{
    if (!s->inputs)
        return SP_OK;
    enum sp_status r = sp_measure_image_tokens(s, a, w->vn, &w->tok);
    if (r == SP_OK && w->vinit)
        r = sp_measure_image_tokens(s, a, w->vinit, &w->tok_init);
    if (r != SP_OK)
        return r;
    w->w.tokens = w->tok, w->w.token_sets = (size_t)s->o.seeds;
    w->w_init.tokens = w->tok_init, w->w_init.token_sets = (size_t)s->o.seeds;
    return SP_OK;
}

const struct sp_net_weights *sp_measure_weights_of(const struct sp_measure_weights *w, int init)
{
    return init ? (w->vn ? &w->w_init : NULL) : &w->w;
}

/* The heap version keeps its path just after the struct. */
struct sp_measure_weights *sp_measure_weights_new(const char *path, int against_init,
                                                  struct sp_measurespec *s,
                                                  enum sp_status *status)
{
    size_t len = strlen(path);
    struct sp_measure_weights *w = malloc(sizeof *w + len + 1);
    enum sp_status r = SP_ENOMEM;
    if (!w) {
        sp_fail(SP_ENOMEM, "out of memory");
    } else {
        char *copy = (char *)(w + 1);
        memcpy(copy, path, len + 1);
        if ((r = sp_measure_weights_load(copy, against_init, s, w)) != SP_OK) {
            free(w);
            w = NULL;
        }
    }
    *status = r;
    return w;
}

void sp_measure_weights_delete(struct sp_measure_weights *w)
{
    sp_measure_weights_free(w);
    free(w);
}

int sp_measure_weights_cls(const struct sp_measure_weights *w) { return w->cls; }
