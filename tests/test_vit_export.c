/* Tests of the trainer's ViT as the finite network's stored weights (src/train/
 * vit_export.c): the measurement's forward pass of converted weights (biases, norm
 * shifts, learned alpha and shift all moved away from their init, as training moves
 * them) reproduces the trainer's own forward pass, q per block per image, to float
 * precision, for LN, DyT and Derf, with grouped-query attention and RoPE (both
 * pairings) carried by the export; the embedding equals the trainer's block-0 input with
 * and without the CLS row; the seeded image choice is distinct and reproducible. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "net/net_internal.h"
#include "sigprop.h"
#include "train/train_internal.h"

/* Every parameter moved by an O(0.05 .. 0.3) deterministic amount. */
static void perturb(float *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] += 0.15f * sinf(0.37f * (float)i + 1.1f);
}

/* kv > 0: 4 heads sharing kv K/V heads (GQA); rope: its pairing, theta 100 (angles that
 * turn visibly over 17 positions) */
static void check_forward(enum sp_fn kind, double alpha, double shift, enum sp_pool pool,
                          enum sp_mlp_act act, int kv, enum sp_rope rope)
{
    struct sp_vit_config c;
    sp_vit_config_default(&c);
    c.width = 16, c.depth = 3, c.heads = kv ? 4 : 2, c.mlp_ratio = 2, c.pool = pool, c.act = act;
    c.kv_heads = kv, c.rope = rope, c.rope_theta = 100.0;
    c.norm_attn = c.norm_mlp = c.norm_final = (struct sp_fnspec){kind, alpha, shift};
    c.init_std = act == SP_ACT_SWIGLU ? 0.5 : 0.2; /* blocks that change the stream visibly
                                                      * (SwiGLU's output is a product of two) */
    struct vit_layout L;
    CHECK(vit_layout_new(&c, &L) == SP_OK);
    float *p = malloc(L.n * sizeof *p);
    vit_init_params(&L, 9, p);
    perturb(p, L.n);
    enum { B = 3 };
    const size_t pix = 28 * 28, T = (size_t)L.T, d = 16;
    float *img = malloc(B * pix * sizeof *img);
    for (size_t i = 0; i < B * pix; i++)
        img[i] = 0.5f + 0.5f * sinf(0.013f * (float)(i * i % 9973));
    /* the trainer's forward: q of every block input per image */
    struct vit_ws_f32 *ws = NULL;
    CHECK(vit_ws_new_f32(&L, B, &ws) == SP_OK);
    uint8_t lab[B] = {0, 1, 2};
    double loss;
    int blas = net_gemm_init();
    vit_forward_f32(&L, p, ws, img, lab, B, &loss, NULL);
    net_gemm_done(blas);
    double qt[B][4];
    for (int l = 0; l <= c.depth; l++) {
        const float *x = vit_stream_f32(&L, ws, l);
        for (size_t b = 0; b < B; b++) {
            double s = 0.0;
            for (size_t i = 0; i < T * d; i++)
                s += (double)x[b * T * d + i] * (double)x[b * T * d + i];
            qt[b][l] = s / (double)(T * d);
        }
    }
    /* the same through sp_vit_net and sp_net_measure_weights, one image per draw */
    struct sp_vit_net *v = NULL;
    CHECK(sp_vit_net_from_params(&c, p, 9, 5, &v) == SP_OK);
    int cls = pool == SP_POOL_CLS;
    struct sp_arch a;
    CHECK(sp_vit_net_arch(v, cls, &a) == SP_OK);
    CHECK(a.tokens == (int)T);
    CHECK(sp_arch_kv_heads(&a) == (kv ? kv : c.heads) && a.rope == rope);
    float *tok = malloc(B * T * d * sizeof *tok);
    CHECK(sp_vit_net_embed(v, img, B, cls, tok) == SP_OK);
    CHECK(memcmp(tok, vit_stream_f32(&L, ws, 0), B * T * d * sizeof *tok) == 0);
    struct sp_net_weights w;
    sp_vit_net_weights(v, &w);
    w.tokens = tok;
    w.token_sets = B;
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    o.measure = SP_MEASURE_FWD;
    o.probes = 1;
    struct sp_net_row rows[4];
    double worst = 0.0;
    for (size_t b = 0; b < B; b++) {
        struct sp_net_weights wb = w;
        wb.tokens = tok + b * T * d; /* one set: image b */
        wb.token_sets = 1;
        CHECK(sp_net_measure_weights(&a, &o, &wb, rows, 4) == SP_OK);
        for (int l = 0; l <= c.depth; l++)
            worst = fmax(worst, fabs(rows[l].q / qt[b][l] - 1.0));
    }
    if (!(worst < 1e-6))
        fprintf(stderr, "%s: measured q against the trainer's: %.3g relative\n",
                sp_fn_name(kind), worst);
    CHECK(worst < 1e-6);
    CHECK(fabs(qt[0][c.depth] / qt[0][0] - 1.0) > 0.1); /* the blocks do change the stream */
    if (rope != SP_ROPE_NONE) { /* the rotation matters: without it q moves */
        struct sp_arch a0 = a;
        struct sp_net_weights wb = w;
        wb.token_sets = 1;
        a0.rope = rope == SP_ROPE_HALF ? SP_ROPE_INTERLEAVED : SP_ROPE_NONE;
        CHECK(sp_net_measure_weights(&a0, &o, &wb, rows, 4) == SP_OK);
        CHECK(fabs(rows[c.depth].q / qt[0][c.depth] - 1.0) > 1e-4);
    }
    /* every image a draw: the mean of the per-image q */
    o.seeds = B;
    CHECK(sp_net_measure_weights(&a, &o, &w, rows, 4) == SP_OK);
    CHECK_CLOSE(rows[c.depth].q, (qt[0][c.depth] + qt[1][c.depth] + qt[2][c.depth]) / 3.0,
                0.0, 2e-5);
    /* the reverse passes run on the converted weights too (finite, positive) */
    o.measure = SP_MEASURE_ALL;
    CHECK(sp_net_measure_weights(&a, &o, &w, rows, 4) == SP_OK);
    CHECK(rows[0].grad_amp > 0.0 && isfinite(rows[0].j_bwd));
    if (cls && rope != SP_ROPE_NONE) { /* without CLS the RoPE positions would shift */
        CHECK(sp_vit_net_arch(v, 0, &a) == SP_EUNSUPPORTED);
        CHECK(strstr(sp_last_error(), "RoPE") != NULL);
    }
    if (cls) { /* cls off: the patch rows alone, with their positions */
        float *t2 = malloc(B * (T - 1) * d * sizeof *t2);
        CHECK(sp_vit_net_embed(v, img, B, 0, t2) == SP_OK);
        CHECK(memcmp(t2, tok + d, (T - 1) * d * sizeof *t2) == 0);
        CHECK(memcmp(t2 + (T - 1) * d, tok + T * d + d, (T - 1) * d * sizeof *t2) == 0);
        free(t2);
    } else {
        CHECK(sp_vit_net_embed(v, img, B, 1, tok) == SP_EINVAL); /* no CLS token */
        CHECK(sp_vit_net_arch(v, 1, &a) == SP_EINVAL);
    }
    sp_vit_net_free(v);
    vit_ws_free_f32(ws);
    vit_layout_free(&L);
    free(tok), free(img), free(p);
}

static void test_pick(void)
{
    size_t a[50], b[50];
    CHECK(sp_vit_pick_images(3, 60, 50, a) == SP_OK);
    CHECK(sp_vit_pick_images(3, 60, 50, b) == SP_OK);
    CHECK(memcmp(a, b, sizeof a) == 0);
    int seen[60] = {0}, dup = 0;
    for (int i = 0; i < 50; i++)
        dup += a[i] >= 60 || seen[a[i]]++;
    CHECK(dup == 0);
    CHECK(sp_vit_pick_images(4, 60, 50, b) == SP_OK);
    CHECK(memcmp(a, b, sizeof a) != 0);
    CHECK(sp_vit_pick_images(3, 10, 11, b) == SP_EINVAL);
}

int main(void)
{
    const enum sp_rope none = SP_ROPE_NONE;
    check_forward(SP_FN_LN, 0.0, 0.0, SP_POOL_CLS, SP_ACT_GELU, 0, none);
    check_forward(SP_FN_RMS, 0.0, 0.0, SP_POOL_MEAN, SP_ACT_SWIGLU, 0, none);
    check_forward(SP_FN_DYT, 0.7, 0.0, SP_POOL_CLS, SP_ACT_GELU, 0, none);
    check_forward(SP_FN_DERF, 0.6, 0.2, SP_POOL_MEAN, SP_ACT_RELU, 0, none);
    check_forward(SP_FN_DYT, 0.5, 0.0, SP_POOL_CLS, SP_ACT_SWIGLU, 0, none);
    /* the attention options travel with the weights: GQA 4/2, RoPE of both pairings */
    check_forward(SP_FN_LN, 0.0, 0.0, SP_POOL_CLS, SP_ACT_GELU, 2, none);
    check_forward(SP_FN_RMS, 0.0, 0.0, SP_POOL_MEAN, SP_ACT_SWIGLU, 0, SP_ROPE_INTERLEAVED);
    check_forward(SP_FN_DYT, 0.7, 0.0, SP_POOL_CLS, SP_ACT_GELU, 1, SP_ROPE_HALF);
    test_pick();
    return check_done();
}
