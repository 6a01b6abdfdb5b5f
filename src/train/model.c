/* The ViT's configuration and parameter layout: one flat float array holding every
 * tensor at an offset, its initialisation (Philox normals, the generator of the
 * measurement engine) and the weight-decay mask. The passes are in vit_body.h. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"
#include "train/train_internal.h"

/* Philox matrix ids of the trainer's tensors (keyed by block), apart from net's. */
enum { MAT_PE = 0x7100, MAT_CLS, MAT_POS, MAT_QKV, MAT_O, MAT_W1, MAT_W2, MAT_HEAD, MAT_TE, MAT_W3 };

void sp_vit_config_default(struct sp_vit_config *c)
{
    memset(c, 0, sizeof *c);
    c->image = 28;
    c->patch = 7;
    c->classes = 10;
    c->width = 64;
    c->depth = 4;
    c->heads = 4;
    c->mlp_ratio = 4;
    c->act = SP_ACT_GELU;
    c->pool = SP_POOL_CLS;
    c->norm_attn = c->norm_mlp = c->norm_final = (struct sp_fnspec){SP_FN_LN, 0.5, 0.0};
    c->norm_eps = 1e-5;
    c->init_std = 0.02;
    c->task = SP_TASK_IMAGE;
    c->context = 64;
    c->kv_heads = 0;
    c->rope = SP_ROPE_NONE;
    c->rope_theta = 10000.0;
}

void sp_lm_config_default(struct sp_vit_config *c)
{
    sp_vit_config_default(c);
    c->task = SP_TASK_TEXT;
    c->classes = 256;
    c->context = 64;
}

static enum sp_status check_norm(const struct sp_fnspec *f, const char *side)
{
    if (f->kind != SP_FN_LN && f->kind != SP_FN_RMS && f->kind != SP_FN_DYT &&
        f->kind != SP_FN_DERF)
        return sp_fail(SP_EUNSUPPORTED,
                       "train: %s norm %s is not trainable here (ln, rms, dyt, derf)", side,
                       sp_fn_name(f->kind));
    if ((f->kind == SP_FN_DYT || f->kind == SP_FN_DERF) && !(f->alpha > 0 && f->alpha < 1e6))
        return sp_fail(SP_EINVAL, "train: %s norm alpha %g must be in (0, 1e6)", side, f->alpha);
    if (!isfinite(f->shift))
        return sp_fail(SP_EINVAL, "train: %s norm shift %g is not finite", side, f->shift);
    return SP_OK;
}

enum sp_status sp_vit_config_check(const struct sp_vit_config *c)
{
    if (c->task != SP_TASK_IMAGE && c->task != SP_TASK_TEXT)
        return sp_fail(SP_EINVAL, "train: task %d is neither image nor text", (int)c->task);
    if (c->task == SP_TASK_TEXT && (c->context < 1 || c->context > 4096))
        return sp_fail(SP_EINVAL, "train: context %d not in [1, 4096]", c->context);
    const int img = c->task == SP_TASK_IMAGE; /* image and patch: the image task only */
    if (img && (c->image < 1 || c->image > 1024))
        return sp_fail(SP_EINVAL, "train: image side %d not in [1, 1024]", c->image);
    if (img && (c->patch < 1 || c->image % c->patch != 0))
        return sp_fail(SP_EINVAL, "train: patch %d does not divide image side %d", c->patch,
                       c->image);
    if (c->classes < 2 || c->classes > 256)
        return sp_fail(SP_EINVAL, "train: classes %d not in [2, 256]", c->classes);
    if (c->width < 1 || c->width > 65536)
        return sp_fail(SP_EINVAL, "train: width %d not in [1, 65536]", c->width);
    if (c->depth < 1 || c->depth > 1024)
        return sp_fail(SP_EINVAL, "train: depth %d not in [1, 1024]", c->depth);
    if (c->heads < 1 || c->width % c->heads != 0)
        return sp_fail(SP_EINVAL, "train: heads %d does not divide width %d", c->heads, c->width);
    if (c->kv_heads < 0 || c->kv_heads > c->heads || (c->kv_heads && c->heads % c->kv_heads))
        return sp_fail(SP_EINVAL, "train: kv-heads %d does not divide heads %d", c->kv_heads,
                       c->heads);
    if (c->rope != SP_ROPE_NONE && c->rope != SP_ROPE_INTERLEAVED && c->rope != SP_ROPE_HALF)
        return sp_fail(SP_EINVAL, "train: rope pairing %d is neither interleaved nor half",
                       (int)c->rope);
    if (c->rope != SP_ROPE_NONE && (c->width / c->heads) % 2)
        return sp_fail(SP_EINVAL, "train: RoPE rotates pairs: head dim width / heads = %d is odd",
                       c->width / c->heads);
    if (c->rope != SP_ROPE_NONE && !(c->rope_theta > 1 && c->rope_theta <= 1e12))
        return sp_fail(SP_EINVAL, "train: rope theta %g not in (1, 1e12]", c->rope_theta);
    if (c->mlp_ratio < 1 || c->mlp_ratio > 64)
        return sp_fail(SP_EINVAL, "train: mlp ratio %d not in [1, 64]", c->mlp_ratio);
    if (c->act != SP_ACT_RELU && c->act != SP_ACT_GELU && c->act != SP_ACT_SWIGLU)
        return sp_fail(SP_EUNSUPPORTED, "train: MLP %s is not trainable here (relu, gelu, swiglu)",
                       sp_act_name(c->act));
    if (c->pool != SP_POOL_CLS && c->pool != SP_POOL_MEAN)
        return sp_fail(SP_EINVAL, "train: pool %d is neither cls nor mean", (int)c->pool);
    if (!(c->norm_eps > 0 && c->norm_eps < 1))
        return sp_fail(SP_EINVAL, "train: norm eps %g not in (0, 1)", c->norm_eps);
    if (!(c->init_std > 0 && c->init_std < 10))
        return sp_fail(SP_EINVAL, "train: init std %g not in (0, 10)", c->init_std);
    enum sp_status s = check_norm(&c->norm_attn, "attention");
    if (s == SP_OK)
        s = check_norm(&c->norm_mlp, "mlp");
    if (s == SP_OK)
        s = check_norm(&c->norm_final, "final");
    return s;
}

int sp_vit_tokens(const struct sp_vit_config *c)
{
    if (c->task == SP_TASK_TEXT)
        return c->context;
    int side = c->image / c->patch;
    return side * side + (c->pool == SP_POOL_CLS);
}

/* Places a norm's tensors at *n and advances it. */
static struct vit_norm_off norm_place(const struct sp_fnspec *f, size_t d, size_t *n)
{
    struct vit_norm_off o = {VIT_NONE, VIT_NONE, 0, 0};
    if (f->kind == SP_FN_DYT || f->kind == SP_FN_DERF)
        o.alpha = (*n)++;
    if (f->kind == SP_FN_DERF)
        o.shift = (*n)++;
    o.gamma = *n;
    o.beta = *n + d;
    *n += 2 * d;
    return o;
}

/* The layout without allocating (blk may be NULL: only the count). */
static size_t layout_fill(const struct sp_vit_config *c, struct vit_layout *L,
                          struct vit_block_off *blk)
{
    memset(L, 0, sizeof *L);
    L->c = *c;
    L->d = c->width;
    L->hid = c->width * c->mlp_ratio;
    L->dh = c->width / c->heads;
    L->kv = c->kv_heads > 0 ? c->kv_heads : c->heads;
    L->qkvw = c->width + 2 * L->kv * L->dh;
    L->text = c->task == SP_TASK_TEXT;
    L->P = L->text ? 0 : (c->image / c->patch) * (c->image / c->patch);
    L->pd = L->text ? 0 : c->patch * c->patch;
    L->T = sp_vit_tokens(c);
    L->off = !L->text && c->pool == SP_POOL_CLS;
    const size_t d = (size_t)L->d, hid = (size_t)L->hid, qkvw = (size_t)L->qkvw;
    size_t n = 0;
    L->wpe = L->bpe = L->wte = L->cls = VIT_NONE;
    if (L->text) {
        L->wte = n, n += (size_t)c->classes * d;
    } else {
        L->wpe = n, n += (size_t)L->pd * d;
        L->bpe = n, n += d;
        if (c->pool == SP_POOL_CLS)
            L->cls = n, n += d;
    }
    L->pos = n, n += (size_t)L->T * d;
    L->embed_end = n;
    for (int l = 0; l < c->depth; l++) {
        struct vit_block_off o;
        o.begin = n;
        o.n1 = norm_place(&c->norm_attn, d, &n);
        o.wqkv = n, n += d * qkvw;
        o.bqkv = n, n += qkvw;
        o.wo = n, n += d * d;
        o.bo = n, n += d;
        o.n2 = norm_place(&c->norm_mlp, d, &n);
        o.w1 = n, n += d * hid;
        o.b1 = n, n += hid;
        o.w3 = VIT_NONE;
        if (c->act == SP_ACT_SWIGLU)
            o.w3 = n, n += d * hid;
        o.w2 = n, n += hid * d;
        o.b2 = n, n += d;
        o.end = n;
        if (blk)
            blk[l] = o;
    }
    L->head_begin = n;
    L->nf = norm_place(&c->norm_final, d, &n);
    L->wh = n, n += d * (size_t)c->classes;
    L->bh = n, n += (size_t)c->classes;
    L->n = n;
    L->blk = blk;
    return n;
}

size_t sp_vit_nparams(const struct sp_vit_config *c)
{
    struct vit_layout L;
    return layout_fill(c, &L, NULL);
}

double sp_vit_flops_forward(const struct sp_vit_config *c)
{
    const double d = c->width, T = sp_vit_tokens(c);
    /* the MLP's products per token: 4 d hid, SwiGLU's three matrices 6 d hid */
    const double hid = (double)c->width * c->mlp_ratio * (c->act == SP_ACT_SWIGLU ? 1.5 : 1.0);
    /* Q and O 2 d^2 each, K and V 2 d kvd each per token (kvd = d with MHA) */
    const double kvd = d * (c->kv_heads > 0 ? c->kv_heads : c->heads) / c->heads;
    const double lin = T * (4 * d * d + 4 * d * kvd + 4 * d * hid);
    if (c->task == SP_TASK_TEXT) /* causal: T(T+1)/2 scores; the head on every position */
        return c->depth * (lin + 2 * T * (T + 1) * d) + 2 * T * d * c->classes;
    const double P = (double)(c->image / c->patch) * (c->image / c->patch);
    const double pd = (double)c->patch * c->patch;
    /* per block: the products above; scores and mixing 4 T d per token */
    double blk = lin + 4 * T * T * d;
    return 2 * P * pd * d + c->depth * blk + 2 * d * c->classes;
}

enum sp_status vit_layout_new(const struct sp_vit_config *c, struct vit_layout *L)
{
    enum sp_status s = sp_vit_config_check(c);
    if (s != SP_OK)
        return s;
    struct vit_block_off *blk = calloc((size_t)c->depth, sizeof *blk);
    if (!blk)
        return sp_fail(SP_ENOMEM, "train: layout of %d blocks", c->depth);
    layout_fill(c, L, blk);
    return SP_OK;
}

void vit_layout_free(struct vit_layout *L)
{
    if (!L)
        return;
    free(L->blk);
    L->blk = NULL;
}

static void norm_init(const struct sp_fnspec *f, const struct vit_norm_off *o, size_t d, float *p)
{
    if (o->alpha != VIT_NONE)
        p[o->alpha] = (float)f->alpha;
    if (o->shift != VIT_NONE)
        p[o->shift] = (float)f->shift;
    for (size_t j = 0; j < d; j++) {
        p[o->gamma + j] = 1.0f;
        p[o->beta + j] = 0.0f;
    }
}

void vit_init_params(const struct vit_layout *L, uint64_t seed, float *p)
{
    const struct sp_vit_config *c = &L->c;
    const size_t d = (size_t)L->d, hid = (size_t)L->hid;
    const float std = (float)c->init_std;
    memset(p, 0, L->n * sizeof *p); /* biases and beta */
    struct net_key k = {seed, 0, 0};
    if (L->wte != VIT_NONE)
        net_normal(p + L->wte, (size_t)c->classes * d, std, k, MAT_TE);
    else
        net_normal(p + L->wpe, (size_t)L->pd * d, std, k, MAT_PE);
    if (L->cls != VIT_NONE)
        net_normal(p + L->cls, d, std, k, MAT_CLS);
    net_normal(p + L->pos, (size_t)L->T * d, std, k, MAT_POS);
    for (int l = 0; l < c->depth; l++) {
        const struct vit_block_off *o = &L->blk[l];
        k.block = (uint32_t)l;
        norm_init(&c->norm_attn, &o->n1, d, p);
        norm_init(&c->norm_mlp, &o->n2, d, p);
        net_normal(p + o->wqkv, d * (size_t)L->qkvw, std, k, MAT_QKV);
        net_normal(p + o->wo, d * d, std, k, MAT_O);
        net_normal(p + o->w1, d * hid, std, k, MAT_W1);
        if (o->w3 != VIT_NONE)
            net_normal(p + o->w3, d * hid, std, k, MAT_W3);
        net_normal(p + o->w2, hid * d, std, k, MAT_W2);
    }
    k.block = 0;
    norm_init(&c->norm_final, &L->nf, d, p);
    net_normal(p + L->wh, d * (size_t)c->classes, std, k, MAT_HEAD);
}

void vit_decay_mask(const struct vit_layout *L, uint8_t *decay)
{
    const size_t d = (size_t)L->d, hid = (size_t)L->hid;
    memset(decay, 0, L->n);
    if (L->wpe != VIT_NONE)
        memset(decay + L->wpe, 1, (size_t)L->pd * d);
    /* the token table is an embedding, not decayed (like positions) */
    for (int l = 0; l < L->c.depth; l++) {
        const struct vit_block_off *o = &L->blk[l];
        memset(decay + o->wqkv, 1, d * (size_t)L->qkvw);
        memset(decay + o->wo, 1, d * d);
        memset(decay + o->w1, 1, d * hid);
        if (o->w3 != VIT_NONE)
            memset(decay + o->w3, 1, d * hid);
        memset(decay + o->w2, 1, hid * d);
    }
    memset(decay + L->wh, 1, d * (size_t)L->c.classes);
}
