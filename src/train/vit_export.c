/* A trainer's ViT as the finite network's stored weights (sigprop/vit_export.h): the
 * parameters come from the trainer's checkpoint reader or its initialisation, the
 * matrices are transposed once from the trainer's (in, out) into net.h's (out, in), and
 * every other tensor (biases, gamma, beta, the learned alpha and shift) is pointed at
 * where it lies in the trainer's parameter array. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"
#include "sigprop/vit_export.h"
#include "train/train_internal.h"

/* Philox matrix id of the image choice, apart from net's and the trainer's ids. */
enum { MAT_PICK = 0x7200 };

struct sp_vit_net {
    struct vit_layout L;
    uint64_t seed;
    long step;
    float *p;                       /* the trainer's parameters (L.n) */
    float *t;                       /* the transposed matrices of every block */
    struct sp_net_block_weights *bw; /* (depth) */
};

void sp_vit_net_free(struct sp_vit_net *v)
{
    if (!v)
        return;
    vit_layout_free(&v->L);
    free(v->p);
    free(v->t);
    free(v->bw);
    free(v);
}

/* dst (out, in) = src^T, src (in, out) with row stride ld starting at column c0. */
static void transpose(float *dst, const float *src, size_t in, size_t out, size_t ld, size_t c0)
{
    for (size_t i = 0; i < in; i++)
        for (size_t o = 0; o < out; o++)
            dst[o * in + i] = src[i * ld + c0 + o];
}

static const float *scalar(const float *p, size_t off) { return off == VIT_NONE ? NULL : p + off; }

/* Takes p (L.n floats, owned) and fills the block weights. */
static enum sp_status vit_net_new(const struct sp_vit_config *c, float *p, uint64_t seed,
                                  long step, struct sp_vit_net **out)
{
    *out = NULL;
    if (c->task != SP_TASK_IMAGE) {
        free(p);
        return sp_fail(SP_EUNSUPPORTED, "vit export: a language model (task %d) is not a ViT",
                       (int)c->task);
    }
    struct sp_vit_net *v = calloc(1, sizeof *v);
    if (!v) {
        free(p);
        return sp_fail(SP_ENOMEM, "vit export: network");
    }
    v->p = p, v->seed = seed, v->step = step;
    enum sp_status s = vit_layout_new(c, &v->L);
    if (s != SP_OK) {
        sp_vit_net_free(v);
        return s;
    }
    const size_t d = (size_t)v->L.d, hid = (size_t)v->L.hid, depth = (size_t)c->depth;
    const size_t kvd = (size_t)v->L.kv * (size_t)v->L.dh, qkvw = (size_t)v->L.qkvw;
    const int swiglu = c->act == SP_ACT_SWIGLU;
    const size_t per = 2 * d * d + 2 * kvd * d + (size_t)(swiglu ? 3 : 2) * d * hid;
    v->t = malloc(depth * per * sizeof *v->t);
    v->bw = calloc(depth, sizeof *v->bw);
    if (!v->t || !v->bw) {
        sp_vit_net_free(v);
        return sp_fail(SP_ENOMEM, "vit export: %zu transposed weights", depth * per);
    }
    for (size_t l = 0; l < depth; l++) {
        const struct vit_block_off *o = &v->L.blk[l];
        float *t = v->t + l * per;
        float *wq = t, *wk = wq + d * d, *wv = wk + kvd * d, *wo = wv + kvd * d;
        float *w1 = wo + d * d, *w2 = w1 + d * hid, *w3 = swiglu ? w2 + hid * d : NULL;
        transpose(wq, p + o->wqkv, d, d, qkvw, 0); /* net.h's W_K, W_V: (kvd, d) */
        transpose(wk, p + o->wqkv, d, kvd, qkvw, d);
        transpose(wv, p + o->wqkv, d, kvd, qkvw, d + kvd);
        transpose(wo, p + o->wo, d, d, d, 0);
        transpose(w1, p + o->w1, d, hid, hid, 0);
        transpose(w2, p + o->w2, hid, d, d, 0);
        if (w3)
            transpose(w3, p + o->w3, d, hid, hid, 0);
        v->bw[l] = (struct sp_net_block_weights){
            .wq = wq, .wk = wk, .wv = wv, .wo = wo, .w1 = w1, .w3 = w3, .w2 = w2,
            .gain_attn = p + o->n1.gamma, .gain_mlp = p + o->n2.gamma,
            .bq = p + o->bqkv, .bk = p + o->bqkv + d, .bv = p + o->bqkv + d + kvd,
            .bo = p + o->bo, .b1 = p + o->b1, .b2 = p + o->b2,
            .beta_attn = p + o->n1.beta, .beta_mlp = p + o->n2.beta,
            .alpha_attn = scalar(p, o->n1.alpha), .shift_attn = scalar(p, o->n1.shift),
            .alpha_mlp = scalar(p, o->n2.alpha), .shift_mlp = scalar(p, o->n2.shift)};
    }
    *out = v;
    return SP_OK;
}

enum sp_status sp_vit_net_load(const char *path, struct sp_vit_net **out)
{
    *out = NULL;
    struct sp_vit_config c;
    struct sp_train_opts o;
    sp_vit_config_default(&c);
    sp_train_opts_default(&o);
    struct sp_trainer *t = NULL;
    enum sp_status s = sp_trainer_new(&c, &o, path, &t); /* the trainer's own reader */
    if (s != SP_OK)
        return s;
    const struct sp_vit_config *tc = sp_trainer_config(t);
    if (tc->task != SP_TASK_IMAGE) {
        sp_trainer_free(t);
        return sp_fail(SP_EUNSUPPORTED, "checkpoint %s: a language model (train --task "
                       "fortunes); measuring trained weights takes a ViT checkpoint", path);
    }
    size_t n = sp_vit_nparams(tc);
    float *p = malloc(n * sizeof *p);
    if (!p) {
        sp_trainer_free(t);
        return sp_fail(SP_ENOMEM, "vit export: %zu parameters", n);
    }
    memcpy(p, sp_trainer_params(t), n * sizeof *p);
    c = *tc;
    uint64_t seed = sp_trainer_opts(t)->seed;
    long step = sp_trainer_step(t);
    sp_trainer_free(t);
    return vit_net_new(&c, p, seed, step, out);
}

enum sp_status sp_vit_net_init(const struct sp_vit_config *c, uint64_t seed,
                               struct sp_vit_net **out)
{
    *out = NULL;
    struct vit_layout L;
    enum sp_status s = vit_layout_new(c, &L);
    if (s != SP_OK)
        return s;
    float *p = malloc(L.n * sizeof *p);
    if (!p) {
        vit_layout_free(&L);
        return sp_fail(SP_ENOMEM, "vit export: %zu parameters", L.n);
    }
    vit_init_params(&L, seed, p);
    vit_layout_free(&L);
    return vit_net_new(c, p, seed, 0, out);
}

enum sp_status sp_vit_net_from_params(const struct sp_vit_config *c, const float *params,
                                      uint64_t seed, long step, struct sp_vit_net **out)
{
    *out = NULL;
    enum sp_status s = sp_vit_config_check(c);
    if (s != SP_OK)
        return s;
    size_t n = sp_vit_nparams(c);
    float *p = malloc(n * sizeof *p);
    if (!p)
        return sp_fail(SP_ENOMEM, "vit export: %zu parameters", n);
    memcpy(p, params, n * sizeof *p);
    return vit_net_new(c, p, seed, step, out);
}

const struct sp_vit_config *sp_vit_net_config(const struct sp_vit_net *v) { return &v->L.c; }
uint64_t sp_vit_net_seed(const struct sp_vit_net *v) { return v->seed; }
long sp_vit_net_step(const struct sp_vit_net *v) { return v->step; }
int sp_vit_net_tokens(const struct sp_vit_net *v, int cls) { return v->L.P + (cls ? 1 : 0); }

static enum sp_status check_cls(const struct sp_vit_net *v, int cls)
{
    if (cls && v->L.cls == VIT_NONE)
        return sp_fail(SP_EINVAL, "the model pools by the mean over tokens: it has no CLS "
                                  "token to include (use cls off)");
    return SP_OK;
}

enum sp_status sp_vit_net_arch(const struct sp_vit_net *v, int cls, struct sp_arch *a)
{
    const struct sp_vit_config *c = &v->L.c;
    enum sp_status s = check_cls(v, cls);
    if (s != SP_OK)
        return s;
    if (c->norm_final.kind != c->norm_mlp.kind)
        return sp_fail(SP_EUNSUPPORTED, "the final norm (%s) is not the MLP norm's kind (%s): "
                       "the finite network's final norm is the MLP norm",
                       sp_fn_name(c->norm_final.kind), sp_fn_name(c->norm_mlp.kind));
    sp_arch_default(a);
    a->model = SP_MODEL_TRANSFORMER;
    a->depth = c->depth;
    a->width = c->width;
    a->heads = c->heads;
    a->mlp_ratio = c->mlp_ratio;
    a->mlp_hidden = 0;
    a->mlp_act = c->act;
    a->tokens = sp_vit_net_tokens(v, cls);
    a->final_norm = 1;
    a->norm_attn = c->norm_attn;
    a->norm_mlp = c->norm_mlp;
    a->norm_eps = c->norm_eps;
    a->init_std = c->init_std;
    a->sigma_q = a->sigma_k = a->sigma_v = a->sigma_o = a->sigma_1 = a->sigma_2 = NAN;
    a->sigma_3 = NAN;
    if (c->rope != SP_ROPE_NONE && !cls && v->L.off)
        return sp_fail(SP_EUNSUPPORTED, "the model's RoPE positions count the CLS token (0) "
                       "before the patches: measuring without it would shift them (use cls on)");
    a->kv_heads = c->kv_heads; /* the trainer's attention: GQA and RoPE as net/ computes them */
    a->mask = SP_MASK_NONE;
    a->rope = c->rope;
    a->rope_theta = c->rope_theta;
    a->embed_scale = 1.0;
    a->residual_scale = 1.0;
    char err[256];
    if (sp_arch_resolve(a, err, sizeof err) != SP_OK)
        return sp_fail(SP_EINVAL, "the trained network's architecture: %s", err);
    return SP_OK;
}

void sp_vit_net_weights(const struct sp_vit_net *v, struct sp_net_weights *w)
{
    const struct vit_norm_off *nf = &v->L.nf;
    *w = (struct sp_net_weights){.blocks = v->bw, .gain_final = v->p + nf->gamma,
                                 .beta_final = v->p + nf->beta,
                                 .alpha_final = scalar(v->p, nf->alpha),
                                 .shift_final = scalar(v->p, nf->shift)};
}

enum sp_status sp_vit_net_embed(const struct sp_vit_net *v, const float *images, size_t count,
                                int cls, float *out)
{
    enum sp_status s = check_cls(v, cls);
    if (s != SP_OK)
        return s;
    const size_t T = (size_t)v->L.T, d = (size_t)v->L.d, pix = (size_t)v->L.c.image * (size_t)v->L.c.image;
    const size_t skip = cls ? 0 : (size_t)v->L.off, Tout = T - skip;
    enum { CHUNK = 64 };
    const int bmax = count < CHUNK ? (int)(count ? count : 1) : CHUNK;
    struct vit_ws_f32 *ws = NULL;
    uint8_t labels[CHUNK] = {0};
    if ((s = vit_ws_new_f32(&v->L, bmax, &ws)) != SP_OK)
        return s;
    int blas = net_gemm_init();
    for (size_t i0 = 0; i0 < count; i0 += (size_t)bmax) {
        int B = count - i0 < (size_t)bmax ? (int)(count - i0) : bmax;
        double loss;
        vit_forward_f32(&v->L, v->p, ws, images + i0 * pix, labels, B, &loss, NULL);
        const float *x0 = vit_stream_f32(&v->L, ws, 0);
        for (size_t b = 0; b < (size_t)B; b++)
            memcpy(out + (i0 + b) * Tout * d, x0 + (b * T + skip) * d, Tout * d * sizeof *out);
    }
    net_gemm_done(blas);
    vit_ws_free_f32(ws);
    return SP_OK;
}

enum sp_status sp_vit_pick_images(uint64_t seed, size_t pool, size_t k, size_t *idx)
{
    if (k > pool || pool > UINT32_MAX)
        return sp_fail(SP_EINVAL, "%zu images asked for out of %zu", k, pool);
    size_t *perm = malloc((pool ? pool : 1) * sizeof *perm);
    if (!perm)
        return sp_fail(SP_ENOMEM, "image choice of %zu", pool);
    for (size_t i = 0; i < pool; i++)
        perm[i] = i;
    struct net_key key = {seed, 0, 0};
    for (size_t i = 0; i < k; i++) {
        uint64_t r = ((uint64_t)net_uint32(key, MAT_PICK, (uint32_t)(2 * i)) << 32) |
                     net_uint32(key, MAT_PICK, (uint32_t)(2 * i + 1));
        size_t j = i + (size_t)(r % (uint64_t)(pool - i)), tmp = perm[i];
        perm[i] = perm[j], perm[j] = tmp;
        idx[i] = perm[i];
    }
    free(perm);
    return SP_OK;
}
