/* Tests of the LLM-style options of the finite network (issue 11): causal mask,
 * grouped-query attention, RoPE (both pairings), SwiGLU, RMSNorm, norm eps, embed scale,
 * and stored weights. Exact Jacobians at d = 8, n = 3 from basis tangents (JVP) against
 * central differences of the forward pass and against basis cotangents (VJP), per
 * sublayer and per block, for each option and their combination; the Hutchinson
 * estimates of sp_net_measure against the exact Jacobian; invariants (causality,
 * GQA as MHA with replicated K/V heads, RoPE at position 0, embed scale as a scaled
 * input, gains as scaled weights, stored Philox weights bit-identical to on-demand
 * ones, 1 vs 2 threads). `test_net_llm --export FILE PAIRING` writes weights, inputs and
 * activations for the independent numpy forward pass, tests/gen/llm_reference.py. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "net_fixture.h"
#include "net/net_internal.h"
#include "sigprop.h"

enum opt { O_CAUSAL = 1, O_GQA = 2, O_ROPE_I = 4, O_ROPE_H = 8, O_SWIGLU = 16, O_RMS = 32 };

static void llm_arch(struct sp_arch *a, unsigned opts)
{
    tiny_arch(a, opts & O_RMS ? SP_FN_RMS : SP_FN_LN, 0.0, 0.0);
    a->depth = 2;
    a->mlp_hidden = 12;
    if (opts & O_CAUSAL)
        a->mask = SP_MASK_CAUSAL;
    if (opts & O_GQA)
        a->kv_heads = 1;
    if (opts & (O_ROPE_I | O_ROPE_H)) {
        a->rope = opts & O_ROPE_I ? SP_ROPE_INTERLEAVED : SP_ROPE_HALF;
        a->rope_theta = 10.0; /* every pair rotates visibly at positions 1, 2 */
    }
    if (opts & O_SWIGLU) {
        a->mlp_act = SP_ACT_SWIGLU;
        a->sigma_3 = 1.2;
    }
    if (opts & O_RMS)
        a->norm_eps = 1e-3; /* large enough that a wrong eps shows */
    resolve_or_exit(a);
}

/* The maps whose Jacobians are checked: x is the block input in every case. */
enum map { M_ATTN, M_MLP, M_FINAL, M_BLOCK };
static const char *map_name[] = {"attention", "mlp", "final-norm", "block+final-norm"};

/* Forward of map w on x (B n, d) in place (M_MLP: on the MLP's input h^{l+1/2}). */
static void fwd(struct net_model *m, enum map w, struct net_key key, float *x, size_t B,
                float *scr)
{
    if (w == M_ATTN || w == M_BLOCK)
        net_attn_forward(m, key, x, B, 0);
    if (w == M_MLP || w == M_BLOCK)
        net_mlp_forward(m, key, x, B, 0);
    if (w == M_FINAL || w == M_BLOCK) {
        net_final_norm(m, x, scr, B);
        memcpy(x, scr, B * m->n * m->d * sizeof *x);
    }
}

/* Cotangents g (Bg n, d) through map w; x0 is the block input. */
static void bwd(struct net_model *m, enum map w, struct net_key key, const float *x0,
                const float *xin, float *g, size_t Bg, float *scr, float *scr2)
{
    const size_t nd = m->n * m->d;
    if (w == M_FINAL || w == M_BLOCK) {
        net_block_save(m, key, x0);
        memcpy(scr2, x0, nd * sizeof *x0);
        if (w == M_BLOCK) { /* the final norm's input: the block output */
            net_attn_forward(m, key, scr2, 1, 0);
            net_mlp_forward(m, key, scr2, 1, 0);
        } else {
            memcpy(scr2, xin, nd * sizeof *x0);
        }
        net_final_norm_vjp(m, scr2, scr, g, scr + nd, Bg);
        memcpy(g, scr + nd, Bg * nd * sizeof *g);
    }
    if (w != M_FINAL)
        net_block_save(m, key, x0);
    if (w == M_MLP || w == M_BLOCK)
        net_mlp_backward(m, key, g, Bg);
    if (w == M_ATTN || w == M_BLOCK)
        net_attn_backward(m, key, g, Bg);
}

/* Jacobian of map w at block input x0 three ways: J_fwd by nd basis tangents, J_fd by
 * central differences (double quotients of float passes), J_bwd by nd basis cotangents.
 * Checks |J_fd - J_fwd| / |J_fwd| < 3e-3 and |J_bwd^T - J_fwd| / |J_fwd| < 1e-5. */
static void check_jacobian(const struct sp_arch *a, enum map w, const char *label,
                           const struct sp_net_weights *wts)
{
    struct net_model m;
    const size_t n = (size_t)a->tokens, d = (size_t)a->width, nd = n * d, B = nd + 1;
    CHECK(net_model_init(&m, a, B) == SP_OK);
    m.wts = wts;
    float *x0 = calloc(nd, sizeof(float)), *xin = calloc(nd, sizeof(float));
    float *X = calloc(B * nd, sizeof(float)), *G = calloc(nd * nd, sizeof(float));
    float *scr = calloc(2 * B * nd, sizeof(float)), *scr2 = calloc(nd, sizeof(float));
    float *xp = calloc(nd, sizeof(float)), *xm = calloc(nd, sizeof(float));
    double *Jfd = calloc(nd * nd, sizeof(double));
    struct net_key key = {42, 0, 1};
    net_normal(x0, nd, 1.0f, (struct net_key){7, 0, 0}, NET_MAT_INPUT);
    for (size_t t = 1; t < n; t++) /* a shared part, like p0 > 0 */
        for (size_t i = 0; i < d; i++)
            x0[t * d + i] = 0.6f * x0[t * d + i] + 0.8f * x0[i];
    memcpy(xin, x0, nd * sizeof *x0);
    if (w == M_MLP) /* the MLP at the input it sees in the block */
        net_attn_forward(&m, key, xin, 1, 0);
    memcpy(X, xin, nd * sizeof *X);
    for (size_t i = 0; i < nd; i++)
        X[(i + 1) * nd + i] = 1.0f;
    fwd(&m, w, key, X, B, scr);
    const float h = 2e-3f;
    for (size_t i = 0; i < nd; i++) {
        memcpy(xp, xin, nd * sizeof *xp);
        memcpy(xm, xin, nd * sizeof *xm);
        xp[i] += h, xm[i] -= h;
        double hh = (double)xp[i] - (double)xm[i]; /* the step as represented */
        fwd(&m, w, key, xp, 1, scr);
        fwd(&m, w, key, xm, 1, scr);
        for (size_t o = 0; o < nd; o++)
            Jfd[i * nd + o] = ((double)xp[o] - (double)xm[o]) / hh;
    }
    for (size_t i = 0; i < nd; i++)
        G[i * nd + i] = 1.0f;
    bwd(&m, w, key, x0, xin, G, nd, scr, scr2);
    double nj = 0.0, efd = 0.0, ebw = 0.0;
    for (size_t i = 0; i < nd; i++)      /* input component */
        for (size_t o = 0; o < nd; o++) { /* output component */
            double jf = (double)X[(i + 1) * nd + o];
            nj += jf * jf;
            efd += (Jfd[i * nd + o] - jf) * (Jfd[i * nd + o] - jf);
            ebw += ((double)G[o * nd + i] - jf) * ((double)G[o * nd + i] - jf);
        }
    double rfd = sqrt(efd / nj), rbw = sqrt(ebw / nj);
    if (!(rfd < 3e-3 && rbw < 1e-5))
        fprintf(stderr, "%s (%s): |Jfd - Jfwd| %.3g, |Jbwd - Jfwd| %.3g relative\n",
                map_name[w], label, rfd, rbw);
    CHECK(rfd < 3e-3);
    CHECK(rbw < 1e-5);
    CHECK(nj > 0.1 * (double)nd);
    free(x0), free(xin), free(X), free(G), free(scr), free(scr2), free(xp), free(xm), free(Jfd);
    net_model_free(&m);
}

static void test_jacobians(void)
{
    static const struct {
        unsigned opts;
        const char *label;
    } cases[] = {{0, "vit baseline"},
                 {O_CAUSAL, "causal"},
                 {O_GQA, "gqa kv 1"},
                 {O_ROPE_I, "rope interleaved"},
                 {O_ROPE_H, "rope half"},
                 {O_SWIGLU, "swiglu"},
                 {O_RMS, "rms eps 1e-3"},
                 {O_CAUSAL | O_GQA | O_ROPE_H | O_SWIGLU | O_RMS, "causal+gqa+rope+swiglu+rms"},
                 {O_CAUSAL | O_ROPE_I | O_SWIGLU | O_RMS, "causal+rope-i+swiglu+rms"}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        struct sp_arch a;
        llm_arch(&a, cases[c].opts);
        for (int w = M_ATTN; w <= M_BLOCK; w++)
            check_jacobian(&a, (enum map)w, cases[c].label, NULL);
    }
    /* stored gains (not 1) in every norm, through the same three Jacobians */
    struct sp_arch a;
    llm_arch(&a, O_CAUSAL | O_GQA | O_ROPE_H | O_SWIGLU | O_RMS);
    float ga[8], gm[8], gf[8];
    for (int j = 0; j < 8; j++)
        ga[j] = 0.5f + 0.125f * (float)j, gm[j] = 1.5f - 0.125f * (float)j, gf[j] = 0.75f;
    struct sp_net_block_weights bw[2] = {{.gain_attn = ga, .gain_mlp = gm},
                                         {.gain_attn = ga, .gain_mlp = gm}};
    struct sp_net_weights wts = {.blocks = bw, .gain_final = gf};
    for (int w = M_ATTN; w <= M_BLOCK; w++)
        check_jacobian(&a, (enum map)w, "combination with gains", &wts);
}

/* The terms of a trained sigprop ViT (biases, norm shifts beta, per-block learned alpha
 * and shift of DyT/Derf, the final norm's): the same three Jacobians (forward tangents,
 * central differences, cotangents) for LN, DyT and Derf with a GELU MLP. */
static void test_jacobians_trained_terms(void)
{
    static const struct {
        enum sp_fn kind;
        double alpha, shift;
        const char *label;
    } norms[] = {{SP_FN_LN, 0.0, 0.0, "ln + biases, beta"},
                 {SP_FN_DYT, 0.5, 0.0, "dyt + biases, beta, block alpha"},
                 {SP_FN_DERF, 0.6, 0.1, "derf + biases, beta, block alpha and shift"}};
    enum { D = 8, F = 12 };
    float v[8][F], sc[2][6];
    for (int i = 0; i < 8; i++)
        for (int j = 0; j < F; j++) /* O(1) terms that move the primal visibly */
            v[i][j] = 0.4f * sinf(1.7f * (float)(i * F + j) + 0.3f);
    for (int l = 0; l < 2; l++) /* alpha_attn, shift_attn, alpha_mlp, shift_mlp, final */
        for (int i = 0; i < 6; i++)
            sc[l][i] = i % 2 ? 0.2f - 0.15f * (float)l : 0.8f + 0.3f * (float)(l + i);
    struct sp_net_block_weights bw[2];
    for (int l = 0; l < 2; l++)
        bw[l] = (struct sp_net_block_weights){
            .bq = v[0], .bk = v[1], .bv = v[2], .bo = v[3], .b1 = v[4], .b2 = v[5],
            .beta_attn = v[6], .beta_mlp = v[7], .alpha_attn = &sc[l][0],
            .shift_attn = &sc[l][1], .alpha_mlp = &sc[l][2], .shift_mlp = &sc[l][3]};
    struct sp_net_weights wts = {.blocks = bw, .beta_final = v[6], .alpha_final = &sc[1][4],
                                 .shift_final = &sc[1][5]};
    for (size_t c = 0; c < sizeof norms / sizeof norms[0]; c++) {
        struct sp_arch a;
        tiny_arch(&a, norms[c].kind, norms[c].alpha, norms[c].shift);
        a.depth = 2;
        a.mlp_hidden = F;
        a.mlp_act = SP_ACT_GELU;
        resolve_or_exit(&a);
        for (int w = M_ATTN; w <= M_BLOCK; w++)
            check_jacobian(&a, (enum map)w, norms[c].label, &wts);
    }
    /* the stored scalars act: a block alpha of 0.8 equals the arch's alpha 0.8 */
    struct sp_arch a8, a5;
    tiny_arch(&a8, SP_FN_DYT, 0.8, 0.0);
    tiny_arch(&a5, SP_FN_DYT, 0.5, 0.0);
    float one_a = 0.8f;
    struct sp_net_block_weights bs[3] = {{.alpha_attn = &one_a, .alpha_mlp = &one_a},
                                         {.alpha_attn = &one_a, .alpha_mlp = &one_a},
                                         {.alpha_attn = &one_a, .alpha_mlp = &one_a}};
    struct sp_net_weights ws = {.blocks = bs};
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    o.measure = SP_MEASURE_FWD;
    struct sp_net_row r8[4], r5[4];
    CHECK(sp_net_measure(&a8, &o, r8, 4) == SP_OK);
    CHECK(sp_net_measure_weights(&a5, &o, &ws, r5, 4) == SP_OK);
    for (int i = 0; i < 4; i++) {
        CHECK_CLOSE(r5[i].q, r8[i].q, 0.0, 1e-6);
        CHECK_CLOSE(r5[i].j_fwd, r8[i].j_fwd, 0.0, 1e-6);
    }
    /* token sets: draw k starts from set k; more draws than sets is refused */
    float sets[2][3 * 8];
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 24; i++)
            sets[k][i] = (float)(k + 1) * 0.3f * cosf((float)i);
    struct sp_net_weights wt = {.tokens = &sets[0][0], .token_sets = 2};
    o.seeds = 2;
    CHECK(sp_net_measure_weights(&a5, &o, &wt, r5, 4) == SP_OK);
    double q0 = 0.0;
    for (int k = 0; k < 2; k++)
        for (int i = 0; i < 24; i++)
            q0 += (double)sets[k][i] * (double)sets[k][i] / 24.0 / 2.0;
    CHECK_CLOSE(r5[0].q, q0, 0.0, 1e-6);
    o.seeds = 3;
    CHECK(sp_net_measure_weights(&a5, &o, &wt, r5, 4) == SP_EINVAL);
}

/* Exact J^{l,0} (basis tangents through the whole depth) and J^{L,0} against the
 * Hutchinson estimates of sp_net_measure, forward and reverse mode, with final norm. */
static void test_hutchinson(void)
{
    struct sp_arch a;
    llm_arch(&a, O_CAUSAL | O_GQA | O_ROPE_I | O_SWIGLU | O_RMS);
    a.embed_scale = 1.5;
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    o.probes = 1500;
    o.seed = 5;
    o.measure = SP_MEASURE_FWD | SP_MEASURE_BWD;
    const size_t L = 2, n = 3, d = 8, nd = n * d, B = nd + 1;
    struct net_model m;
    CHECK(net_model_init(&m, &a, B) == SP_OK);
    float *X = calloc(B * nd, sizeof(float));
    double R[24], exact[3];
    CHECK(net_make_input(&a, &o, (struct net_key){o.seed, 0, 0}, n, d, X, R) == SP_OK);
    for (size_t i = 0; i < nd; i++)
        X[i] *= 1.5f, X[(i + 1) * nd + i] = 1.0f;
    exact[0] = 1.0;
    for (size_t l = 0; l < L; l++) {
        struct net_key k = {o.seed, 0, (uint32_t)l};
        net_attn_forward(&m, k, X, B, 0);
        net_mlp_forward(&m, k, X, B, 0);
        exact[l + 1] = dot(X + nd, X + nd, nd * nd) / (double)nd;
    }
    struct sp_net_row rows[3];
    CHECK(sp_net_measure(&a, &o, rows, 3) == SP_OK);
    for (size_t l = 0; l <= L; l++) {
        CHECK_CLOSE(rows[l].j_fwd, exact[l], 4.0 * rows[l].j_fwd_se, 0);
        CHECK(rows[l].j_fwd_se < 0.05 * exact[l]);
    }
    /* with the final norm the top of reverse mode includes its Jacobian; without, J^{L,0}
     * by reverse mode is the same exact number */
    a.final_norm = 0;
    CHECK(sp_net_measure(&a, &o, rows, 3) == SP_OK);
    CHECK_CLOSE(rows[0].j_bwd, exact[L], 4.0 * rows[0].j_bwd_se, 0);
    CHECK(exact[L] > 1.5); /* the blocks do something */
    free(X);
    net_model_free(&m);
}

static int rows_same(const struct sp_net_row *a, const struct sp_net_row *b, size_t n,
                     double rtol)
{
    for (size_t i = 0; i < n; i++) {
        const double *x = &a[i].l, *y = &b[i].l;
        for (size_t j = 0; j < sizeof *a / sizeof(double); j++)
            if (!(isnan(x[j]) && isnan(y[j])) && !(fabs(x[j] - y[j]) <= rtol * fabs(y[j]))) {
                fprintf(stderr, "row %zu field %zu: %.17g vs %.17g\n", i, j, x[j], y[j]);
                return 0;
            }
    }
    return 1;
}

/* Causality: the outputs of tokens 0..n-2 do not change (bit for bit) when the last
 * token's input changes. RoPE: position 0 is the identity (the saved Q and K of token 0
 * equal those without RoPE, bit for bit; the other tokens' differ), and with identical
 * tokens the attention logits depend on the offset a - b only, so
 * A[a][b] / A[a][a] = A[a'][b'] / A[a'][a'] whenever a - b = a' - b'. */
static void test_causal_rope(enum sp_rope pairing)
{
    struct sp_arch a, b;
    llm_arch(&a, O_CAUSAL | O_GQA | O_SWIGLU | O_RMS);
    a.tokens = 5, a.width = 16, a.heads = 4, a.kv_heads = 2, a.rope = pairing;
    char err[128];
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    b = a;
    b.rope = SP_ROPE_NONE;
    const size_t n = 5, d = 16, nd = n * d, ld = d + 2 * 8;
    struct net_model m, mb;
    CHECK(net_model_init(&m, &a, 1) == SP_OK);
    CHECK(net_model_init(&mb, &b, 1) == SP_OK);
    float x1[80], x2[80], x3[80];
    net_normal(x1, nd, 1.0f, (struct net_key){3, 0, 0}, NET_MAT_INPUT);
    memcpy(x2, x1, sizeof x1);
    for (size_t j = 0; j < d; j++)
        x2[(n - 1) * d + j] = -2.0f * x2[(n - 1) * d + j] + 0.3f;
    for (uint32_t l = 0; l < 2; l++) {
        struct net_key k = {9, 0, l};
        net_attn_forward(&m, k, x1, 1, 0), net_mlp_forward(&m, k, x1, 1, 0);
        net_attn_forward(&m, k, x2, 1, 0), net_mlp_forward(&m, k, x2, 1, 0);
    }
    CHECK(memcmp(x1, x2, (n - 1) * d * sizeof(float)) == 0);
    CHECK(memcmp(x1 + (n - 1) * d, x2 + (n - 1) * d, d * sizeof(float)) != 0);

    for (size_t t = 0; t < n; t++) /* identical tokens */
        memcpy(x3 + t * d, x1, d * sizeof(float));
    memcpy(x2, x3, sizeof x3);
    struct net_key k = {9, 0, 0};
    net_attn_forward(&m, k, x3, 1, 1);
    net_attn_forward(&mb, k, x2, 1, 1);
    CHECK(memcmp(m.sv.t, mb.sv.t, (d + 8) * sizeof(float)) == 0); /* Q, K of token 0 */
    CHECK(memcmp(m.sv.t + ld, mb.sv.t + ld, (d + 8) * sizeof(float)) != 0);
    double spread = 0.0;
    for (size_t h = 0; h < 4; h++) {
        const float *A = m.sv.a + h * n * n;
        for (size_t off = 1; off < n; off++)
            for (size_t i = off + 1; i < n; i++) {
                double r0 = (double)A[off * n] / (double)A[off * n + off];
                double r = (double)A[i * n + i - off] / (double)A[i * n + i];
                CHECK_CLOSE(r, r0, 0, 1e-4);
                spread = fmax(spread, fabs(log(r0)));
            }
    }
    CHECK(spread > 0.05); /* the rotation does change the logits */
    net_model_free(&m);
    net_model_free(&mb);
}

/* The arch of the whole-measurement tests: width 512 (the column-tiled products),
 * 8 heads, 2 K/V heads, every LLM option. */
static void wide_arch(struct sp_arch *a)
{
    llm_arch(a, O_CAUSAL | O_GQA | O_ROPE_I | O_SWIGLU | O_RMS);
    a->tokens = 5, a->width = 512, a->heads = 8, a->kv_heads = 2, a->depth = 3;
    a->sigma_q = a->sigma_k = 1.0, a->mlp_hidden = 600;
    char err[128];
    CHECK(sp_arch_resolve(a, err, sizeof err) == SP_OK);
}

static void wide_opts(struct sp_net_opts *o)
{
    sp_net_opts_default(o);
    o->seeds = 1; /* stored weights are the same in every draw */
    o->probes = 3;
    o->seed = 11;
    o->sublayers = 1;
}

/* Same seed, same numbers with 1 and 2 threads (every loop in parallel). */
static void test_threads(void)
{
    struct sp_arch a;
    wide_arch(&a);
    struct sp_net_opts o;
    wide_opts(&o);
    o.seeds = 2;
    size_t n = sp_net_nrows(&a, &o);
    struct sp_net_row *r1 = calloc(n, sizeof *r1), *r2 = calloc(n, sizeof *r2);
    net_par_min = 0;
    o.threads = 1;
    CHECK(sp_net_measure(&a, &o, r1, n) == SP_OK);
    o.threads = 2;
    CHECK(sp_net_measure(&a, &o, r2, n) == SP_OK);
    CHECK(rows_same(r1, r2, n, 0.0));
    net_par_min = NET_PAR_MIN;
    CHECK_CLOSE(r1[n - 1].grad_amp, 1.0, 1e-12, 0);
    free(r1), free(r2);
}

/* Philox weights of one block written out as stored (out, in) matrices. */
static float *philox_stored(size_t in, size_t out, double sigma, struct net_key key, uint32_t mat)
{
    float *t = malloc(in * out * sizeof(float)), *w = malloc(in * out * sizeof(float));
    net_normal(t, in * out, (float)(sigma / sqrt((double)in)), key, mat);
    for (size_t i = 0; i < in; i++)
        for (size_t o = 0; o < out; o++)
            w[o * in + i] = t[i * out + o];
    free(t);
    return w;
}

static void free_blocks(struct sp_net_block_weights *bw, size_t L)
{
    for (size_t l = 0; l < L; l++) {
        free((void *)bw[l].wq), free((void *)bw[l].wk), free((void *)bw[l].wv);
        free((void *)bw[l].wo), free((void *)bw[l].w1), free((void *)bw[l].w3);
        free((void *)bw[l].w2);
    }
}

static void fill_philox(const struct sp_arch *a, uint64_t seed, struct sp_net_block_weights *bw)
{
    const size_t d = (size_t)a->width, f = (size_t)sp_arch_mlp_hidden(a);
    const size_t kvd = d / (size_t)a->heads * (size_t)sp_arch_kv_heads(a);
    for (size_t l = 0; l < (size_t)a->depth; l++) {
        struct net_key k = {seed, 0, (uint32_t)l};
        memset(&bw[l], 0, sizeof bw[l]); /* gains 1 */
        bw[l].wq = philox_stored(d, d, a->sigma_q, k, NET_MAT_QKV);
        bw[l].wk = philox_stored(d, kvd, a->sigma_k, k, NET_MAT_QKV + 256u);
        bw[l].wv = philox_stored(d, kvd, a->sigma_v, k, NET_MAT_QKV + 512u);
        bw[l].wo = philox_stored(d, d, a->sigma_o, k, NET_MAT_O);
        bw[l].w1 = philox_stored(d, f, a->sigma_1, k, NET_MAT_W1);
        bw[l].w3 = philox_stored(d, f, a->sigma_3, k, NET_MAT_W3);
        bw[l].w2 = philox_stored(f, d, a->sigma_2, k, NET_MAT_W2);
    }
}

/* Stored weights equal to the Philox draws (and the input rows as stored tokens) give
 * the on-demand rows bit for bit; gains of 2 equal weights doubled after the norm (exact:
 * a power of two), and a final gain of 2 doubles the final norm's output exactly. */
static void test_stored_weights(void)
{
    struct sp_arch a;
    wide_arch(&a);
    a.embed_scale = 1.25;
    struct sp_net_opts o;
    wide_opts(&o);
    const size_t L = 3, d = 512, n = 5, nd = n * d, f = 600, kvd = 128;
    size_t N = sp_net_nrows(&a, &o);
    struct sp_net_row *r1 = calloc(N, sizeof *r1), *r2 = calloc(N, sizeof *r2);
    CHECK(sp_net_measure(&a, &o, r1, N) == SP_OK);
    struct sp_net_block_weights bw[3], bw2[3];
    fill_philox(&a, o.seed, bw);
    float *tok = malloc(nd * sizeof(float));
    double *R = malloc(nd * sizeof(double));
    CHECK(net_make_input(&a, &o, (struct net_key){o.seed, 0, 0}, n, d, tok, R) == SP_OK);
    struct sp_net_weights w = {.blocks = bw};
    CHECK(sp_net_measure_weights(&a, &o, &w, r2, N) == SP_OK);
    CHECK(rows_same(r1, r2, N, 0.0));
    w.tokens = tok;
    CHECK(sp_net_measure_weights(&a, &o, &w, r2, N) == SP_OK);
    CHECK(rows_same(r1, r2, N, 0.0));
    /* only the tokens stored, the weights from Philox: the same again */
    struct sp_net_weights wt = {.tokens = tok};
    CHECK(sp_net_measure_weights(&a, &o, &wt, r2, N) == SP_OK);
    CHECK(rows_same(r1, r2, N, 0.0));

    /* gains 2 at both RMSNorms of every block = Q, K, V, W1, W3 doubled */
    float *two = malloc(d * sizeof(float));
    for (size_t j = 0; j < d; j++)
        two[j] = 2.0f;
    fill_philox(&a, o.seed, bw2);
    for (size_t l = 0; l < L; l++) {
        float *m5[5] = {(float *)bw2[l].wq, (float *)bw2[l].wk, (float *)bw2[l].wv,
                        (float *)bw2[l].w1, (float *)bw2[l].w3};
        size_t c5[5] = {d * d, kvd * d, kvd * d, f * d, f * d};
        for (int i = 0; i < 5; i++)
            for (size_t e = 0; e < c5[i]; e++)
                m5[i][e] *= 2.0f;
        bw[l].gain_attn = bw[l].gain_mlp = two;
    }
    struct sp_net_weights w2 = {.blocks = bw2, .tokens = tok};
    CHECK(sp_net_measure_weights(&a, &o, &w, r1, N) == SP_OK);
    CHECK(sp_net_measure_weights(&a, &o, &w2, r2, N) == SP_OK);
    CHECK(rows_same(r1, r2, N, 0.0));

    struct net_model m;
    CHECK(net_model_init(&m, &a, 1) == SP_OK);
    float *y1 = malloc(nd * sizeof(float)), *y2 = malloc(nd * sizeof(float));
    net_final_norm(&m, tok, y1, 1);
    w.gain_final = two;
    m.wts = &w;
    net_final_norm(&m, tok, y2, 1);
    int exact = 1;
    for (size_t i = 0; i < nd; i++)
        exact &= y2[i] == 2.0f * y1[i];
    CHECK(exact);
    CHECK_CLOSE(dot(y1, y1, nd) / (double)nd, 1.0, 1e-3, 0); /* RMSNorm: unit mean square */
    net_model_free(&m);
    free_blocks(bw, L), free_blocks(bw2, L);
    free(y1), free(y2), free(two), free(tok), free(R), free(r1), free(r2);
}

/* GQA with kv heads = MHA whose K/V heads are the shared head repeated (stored weights,
 * the same numbers up to the products' rounding); kv_heads = heads is MHA bit for bit. */
static void test_gqa_as_mha(void)
{
    struct sp_arch g, h;
    wide_arch(&g);
    h = g;
    h.kv_heads = 0; /* = heads */
    struct sp_net_opts o;
    wide_opts(&o);
    const size_t L = 3, d = 512, dh = 64, grp = 4;
    size_t N = sp_net_nrows(&g, &o);
    struct sp_net_row *r1 = calloc(N, sizeof *r1), *r2 = calloc(N, sizeof *r2);
    struct sp_net_block_weights bg[3], bm[3];
    fill_philox(&g, o.seed, bg);
    for (size_t l = 0; l < L; l++) {
        bm[l] = bg[l];
        float *wk = malloc(d * d * sizeof(float)), *wv = malloc(d * d * sizeof(float));
        for (size_t hh = 0; hh < 8; hh++) /* query head hh reads K/V head hh / grp */
            for (size_t r = 0; r < dh; r++) {
                memcpy(wk + (hh * dh + r) * d, bg[l].wk + ((hh / grp) * dh + r) * d,
                       d * sizeof(float));
                memcpy(wv + (hh * dh + r) * d, bg[l].wv + ((hh / grp) * dh + r) * d,
                       d * sizeof(float));
            }
        bm[l].wk = wk, bm[l].wv = wv;
    }
    struct sp_net_weights wg = {.blocks = bg}, wm = {.blocks = bm};
    CHECK(sp_net_measure_weights(&g, &o, &wg, r1, N) == SP_OK);
    CHECK(sp_net_measure_weights(&h, &o, &wm, r2, N) == SP_OK);
    CHECK(rows_same(r1, r2, N, 1e-4));
    for (size_t l = 0; l < L; l++)
        free((void *)bm[l].wk), free((void *)bm[l].wv);
    free_blocks(bg, L);
    /* kv_heads = heads given explicitly is the MHA default */
    g.kv_heads = g.heads;
    CHECK(sp_net_measure(&g, &o, r1, N) == SP_OK);
    CHECK(sp_net_measure(&h, &o, r2, N) == SP_OK);
    CHECK(rows_same(r1, r2, N, 0.0));
    free(r1), free(r2);
}

/* embed_scale c on inputs of statistics (q0, p0) = the same network on (c^2 q0, c^2 p0)
 * (the equiangular construction scales exactly for c = 2); the row-0 q is c^2 q0. */
static void test_embed_scale(void)
{
    struct sp_arch a, b;
    wide_arch(&a);
    b = a;
    a.embed_scale = 2.0;
    b.q0 *= 4.0, b.p0 *= 4.0;
    struct sp_net_opts o;
    wide_opts(&o);
    size_t N = sp_net_nrows(&a, &o);
    struct sp_net_row *r1 = calloc(N, sizeof *r1), *r2 = calloc(N, sizeof *r2);
    CHECK(sp_net_measure(&a, &o, r1, N) == SP_OK);
    CHECK(sp_net_measure(&b, &o, r2, N) == SP_OK);
    CHECK(rows_same(r1, r2, N, 0.0));
    CHECK_CLOSE(r1[0].q, 4.0, 1e-5, 0);
    free(r1), free(r2);
}

/* The input tables: a repeated id repeats its row; position rows are a separate,
 * seeded table whose entries have variance std^2 (so every row's mean square grows by
 * it) and are uncorrelated between positions; bad arguments refused with a reason. */
static void test_input_tables(void)
{
    const size_t n = 4, d = 4096;
    const int ids[4] = {7, 3, 7, 9};
    float *e = malloc(n * d * sizeof *e), *p = malloc(n * d * sizeof *p);
    CHECK(sp_net_embedding_rows(5, ids, n, d, 0.5, e) == SP_OK);
    CHECK(!memcmp(e, e + 2 * d, d * sizeof *e));
    memcpy(p, e, n * d * sizeof *p);
    CHECK(sp_net_add_position_rows(5, n, d, 0.25, p) == SP_OK);
    double ms[4] = {0}, cross = 0.0, pos01 = 0.0;
    for (size_t a = 0; a < n; a++)
        for (size_t j = 0; j < d; j++) {
            ms[a] += (double)p[a * d + j] * (double)p[a * d + j] / (double)d;
            if (a == 0) {
                cross += (double)p[j] * (double)p[2 * d + j] / (double)d;
                pos01 += (double)(p[j] - e[j]) * (double)(p[d + j] - e[d + j]) / (double)d;
            }
        }
    for (size_t a = 0; a < n; a++) /* 0.25 + 0.0625, sampling error ~ 0.3 sqrt(2/d) */
        CHECK_CLOSE(ms[a], 0.3125, 0.03, 0.0);
    CHECK_CLOSE(cross, 0.25, 0.03, 0.0); /* same id: the token part is shared */
    CHECK_CLOSE(pos01, 0.0, 0.005, 0.0);
    memcpy(e, p, n * d * sizeof *p);
    CHECK(sp_net_add_position_rows(5, n, d, 0.0, p) == SP_OK);
    CHECK(!memcmp(e, p, n * d * sizeof *p));
    CHECK(sp_net_add_position_rows(5, n, d, -1.0, p) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "std") != NULL);
    free(e), free(p);
}

/* Writes the arch, stored weights, tokens and the activations after every sublayer and
 * the final norm, plus sp_net_measure_weights's q, p rows, for llm_reference.py:
 * a header line "d n H kv f L rope causal eps embed_scale theta" then float32 arrays. */
static int export_reference(const char *path, const char *pairing)
{
    struct sp_arch a;
    llm_arch(&a, O_CAUSAL | O_GQA | O_SWIGLU | O_RMS |
                     (strcmp(pairing, "half") ? O_ROPE_I : O_ROPE_H));
    a.tokens = 6, a.width = 16, a.heads = 4, a.kv_heads = 2, a.mlp_hidden = 24, a.depth = 2;
    a.rope_theta = 100.0, a.norm_eps = 1e-4, a.embed_scale = 1.5;
    char err[128];
    if (sp_arch_resolve(&a, err, sizeof err) != SP_OK)
        return 1;
    const size_t n = 6, d = 16, nd = n * d, f = 24, kvd = 8, L = 2;
    const size_t cnt[7] = {d * d, kvd * d, kvd * d, d * d, f * d, f * d, d * f};
    float *buf = malloc((L * (2 * d * d + 2 * kvd * d + 3 * f * d + 2 * d) + d + nd) *
                        sizeof(float));
    float *p = buf, *tok;
    struct sp_net_block_weights bw[2];
    for (size_t l = 0; l < L; l++) {
        float *mats[9];
        for (int i = 0; i < 7; i++) { /* uniform-ish values of std about 1/sqrt(fan in) */
            mats[i] = p;
            net_normal(p, cnt[i], (float)(1.3 / sqrt((double)(i == 6 ? f : d))),
                       (struct net_key){77, (uint32_t)i, (uint32_t)l}, NET_MAT_W1);
            p += cnt[i];
        }
        for (int i = 7; i < 9; i++) {
            mats[i] = p;
            for (size_t j = 0; j < d; j++)
                p[j] = 0.7f + 0.05f * (float)((j * 7 + (size_t)i + l) % 11);
            p += d;
        }
        bw[l] = (struct sp_net_block_weights){
            .wq = mats[0], .wk = mats[1], .wv = mats[2], .wo = mats[3], .w1 = mats[4],
            .w3 = mats[5], .w2 = mats[6], .gain_attn = mats[7], .gain_mlp = mats[8]};
    }
    float *gf = p;
    for (size_t j = 0; j < d; j++)
        gf[j] = 1.1f - 0.03f * (float)j;
    tok = gf + d;
    net_normal(tok, nd, 0.8f, (struct net_key){78, 0, 0}, NET_MAT_INPUT);
    struct sp_net_weights w = {.blocks = bw, .gain_final = gf, .tokens = tok};
    FILE *out = fopen(path, "wb");
    if (!out)
        return 1;
    fprintf(out, "%zu %zu %d %d %zu %zu %s %d %.17g %.17g %.17g\n", d, n, a.heads,
            sp_arch_kv_heads(&a), f, L, pairing, a.mask == SP_MASK_CAUSAL, a.norm_eps,
            a.embed_scale, a.rope_theta);
    fwrite(buf, sizeof(float), (size_t)(p - buf) + d + nd, out);
    struct net_model m;
    int rc = net_model_init(&m, &a, 1) != SP_OK;
    m.wts = &w;
    float x[96], y[96];
    for (size_t i = 0; i < nd; i++)
        x[i] = tok[i] * 1.5f;
    fwrite(x, sizeof(float), nd, out);
    for (uint32_t l = 0; l < L; l++) {
        struct net_key k = {1, 0, l};
        net_attn_forward(&m, k, x, 1, 0);
        fwrite(x, sizeof(float), nd, out);
        net_mlp_forward(&m, k, x, 1, 0);
        fwrite(x, sizeof(float), nd, out);
    }
    net_final_norm(&m, x, y, 1);
    fwrite(y, sizeof(float), nd, out);
    net_model_free(&m);
    struct sp_net_opts o;
    sp_net_opts_default(&o);
    o.sublayers = 1, o.measure = SP_MEASURE_FWD, o.probes = 1;
    struct sp_net_row rows[5];
    rc |= sp_net_measure_weights(&a, &o, &w, rows, 5) != SP_OK;
    for (int i = 0; i < 5; i++) {
        double qp[2] = {rows[i].q, rows[i].p};
        fwrite(qp, sizeof(double), 2, out);
    }
    rc |= fclose(out) != 0;
    free(buf);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--export"))
        return export_reference(argv[2], argv[3]);
    test_jacobians();
    test_jacobians_trained_terms();
    test_hutchinson();
    test_causal_rope(SP_ROPE_INTERLEAVED);
    test_causal_rope(SP_ROPE_HALF);
    test_threads();
    test_stored_weights();
    test_gqa_as_mha();
    test_embed_scale();
    test_input_tables();
    return check_done();
}
