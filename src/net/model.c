/* The finite transformer and toy network of SPEC 1.1-1.2, one sublayer at a time,
 * in forward mode (primal plus tangents stacked as batches, so every weight matrix
 * multiplies all of them in one sgemm) and in reverse mode (cotangents through a
 * block whose primal intermediates were recomputed and saved). Weights are
 * generated per matrix just before use and discarded: the workspace holds one
 * matrix and one block's activations, never the whole depth. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"


struct sizes {
    size_t n, d, H, dh, f;
};

static struct sizes get_sizes(const struct sp_arch *a)
{
    struct sizes s;
    if (a->model == SP_MODEL_TOY) {
        s.n = 1, s.d = (size_t)a->width, s.H = 1, s.dh = s.d, s.f = s.d;
    } else {
        s.n = (size_t)a->tokens, s.d = (size_t)a->width, s.H = (size_t)(a->heads > 0 ? a->heads : 1);
        s.dh = s.d / s.H, s.f = (size_t)sp_arch_mlp_hidden(a);
    }
    return s;
}

/* Float counts of every buffer, in the order net_model_init carves them. */
static void buffer_counts(const struct sp_arch *a, size_t bmax, double c[16], int *nc)
{
    struct sizes s = get_sizes(a);
    double n = (double)s.n, d = (double)s.d, f = (double)s.f, H = (double)s.H, B = (double)bmax;
    double wide = 4.0 * d > f ? 4.0 * d : f;
    int i = 0;
    c[i++] = fmax(fmax(d * f, d * d), d * SP_NET_CLASSES); /* w (also the loss head) */
    c[i++] = d;                             /* bias */
    c[i++] = B * n * d;                     /* u */
    c[i++] = B * n * wide;                  /* tz */
    c[i++] = B * n * d;                     /* go */
    c[i++] = H * B * n * n;                 /* s1: per head, heads run in parallel */
    c[i++] = H * B * n * n;                 /* s2 */
    c[i++] = n;                             /* rstd */
    c[i++] = n * d;                         /* sv.x */
    c[i++] = n * d;                         /* sv.u1 */
    c[i++] = 3.0 * n * d;                   /* sv.t */
    c[i++] = H * n * n;                     /* sv.a */
    c[i++] = n * d;                         /* sv.hh */
    c[i++] = n * d;                         /* sv.u2 */
    c[i++] = n * f;                         /* sv.z */
    c[i++] = 2.0 * n;                       /* sv.rstd1, rstd2 */
    *nc = i;
}

double net_model_bytes(const struct sp_arch *a, size_t bmax)
{
    double c[16], tot = 0.0;
    int nc;
    buffer_counts(a, bmax, c, &nc);
    for (int i = 0; i < nc; i++)
        tot += c[i] + 16.0; /* 64-byte alignment of each buffer */
    return tot * (double)sizeof(float);
}

enum sp_status net_model_init(struct net_model *m, const struct sp_arch *a, size_t bmax)
{
    memset(m, 0, sizeof *m);
    if (bmax < 1)
        return SP_EINVAL;
    struct sizes s = get_sizes(a);
    if (s.H < 1 || s.d % s.H)
        return SP_EINVAL;
    m->a = *a;
    m->n = s.n, m->d = s.d, m->H = s.H, m->dh = s.dh, m->f = s.f, m->bmax = bmax;
    double c[16], tot = 0.0;
    int nc;
    buffer_counts(a, bmax, c, &nc);
    for (int i = 0; i < nc; i++)
        tot += c[i] + 16.0;
    if (tot * (double)sizeof(float) > 0.5 * (double)SIZE_MAX)
        return SP_ENOMEM;
    size_t total = (size_t)tot;
    float *base = aligned_alloc(64, ((total * sizeof(float) + 63) / 64) * 64);
    if (!base)
        return SP_ENOMEM;
    m->bytes = total * sizeof(float);
    float *ptrs[16];
    float *p = base;
    for (int i = 0; i < nc; i++) {
        ptrs[i] = p;
        p += ((size_t)c[i] + 15) / 16 * 16;
    }
    m->w = ptrs[0], m->bias = ptrs[1], m->u = ptrs[2], m->tz = ptrs[3], m->go = ptrs[4];
    m->s1 = ptrs[5], m->s2 = ptrs[6], m->rstd = ptrs[7];
    m->sv.x = ptrs[8], m->sv.u1 = ptrs[9], m->sv.t = ptrs[10], m->sv.a = ptrs[11];
    m->sv.hh = ptrs[12], m->sv.u2 = ptrs[13], m->sv.z = ptrs[14], m->sv.rstd1 = ptrs[15];
    m->sv.rstd2 = ptrs[15] + s.n;
    m->blas_threads = net_gemm_init();
    return SP_OK;
}

void net_model_free(struct net_model *m)
{
    if (!m)
        return;
    net_gemm_done(m->blas_threads);
    free(m->w);
    memset(m, 0, sizeof *m);
}

/* ---- weights: one matrix at a time, (fan_in, fan_out) row-major, y = x W ---- */

static void gen_qkv(struct net_model *m, struct net_key key, int which)
{
    const double sig[3] = {m->a.sigma_q, m->a.sigma_k, m->a.sigma_v};
    net_normal(m->w, m->d * m->d, (float)(sig[which] / sqrt((double)m->d)), key,
               NET_MAT_QKV + 256u * (uint32_t)which);
}
static void gen_o(struct net_model *m, struct net_key key)
{
    net_normal(m->w, m->d * m->d, (float)(m->a.sigma_o / sqrt((double)m->d)), key, NET_MAT_O);
}
static void gen_w1(struct net_model *m, struct net_key key)
{
    net_normal(m->w, m->d * m->f, (float)(m->a.sigma_1 / sqrt((double)m->d)), key, NET_MAT_W1);
}
static void gen_w2(struct net_model *m, struct net_key key)
{
    net_normal(m->w, m->f * m->d, (float)(m->a.sigma_2 / sqrt((double)m->f)), key, NET_MAT_W2);
}

/* Row-wise softmax of an (rows, n) matrix, in place (max subtracted, double sum). */
static void softmax_rows(float *s, size_t rows, size_t n)
{
#pragma omp parallel for schedule(static) if (NET_PAR(rows * n))
    for (long il = 0; il < (long)rows; il++) {
        float *r = s + (size_t)il * n;
        float mx = r[0];
        for (size_t j = 1; j < n; j++)
            mx = r[j] > mx ? r[j] : mx;
        double sum = 0.0;
        for (size_t j = 0; j < n; j++) {
            r[j] = expf(r[j] - mx);
            sum += (double)r[j];
        }
        float inv = (float)(1.0 / sum);
        for (size_t j = 0; j < n; j++)
            r[j] *= inv;
    }
}

/* Softmax tangent (SPEC 1.2): dS_b = s1_b + s2_b^T (the two halves of
 * d(Q K^T)), dA = A o (dS - rowsum(A o dS)); written into s1. */
static void softmax_jvp(const float *A, float *s1, const float *s2, size_t n, size_t P)
{
#pragma omp parallel for schedule(static) if (NET_PAR(P * n * n))
    for (long il = 0; il < (long)(P * n); il++) {
        size_t b = (size_t)il / n, i = (size_t)il % n;
        float *r = s1 + (size_t)il * n;
        const float *s2b = s2 + b * n * n, *ai = A + i * n;
        double dot = 0.0;
        for (size_t j = 0; j < n; j++) {
            r[j] += s2b[j * n + i];
            dot += (double)ai[j] * (double)r[j];
        }
        float fd = (float)dot;
        for (size_t j = 0; j < n; j++)
            r[j] = ai[j] * (r[j] - fd);
    }
}

/* Softmax cotangent: gS = scale A o (gA - rowsum(A o gA)), in place on g (Bg n, n). */
static void softmax_vjp(const float *A, float *g, size_t n, size_t Bg, float scale)
{
#pragma omp parallel for schedule(static) if (NET_PAR(Bg * n * n))
    for (long il = 0; il < (long)(Bg * n); il++) {
        size_t i = (size_t)il % n;
        float *r = g + (size_t)il * n;
        const float *ai = A + i * n;
        double dot = 0.0;
        for (size_t j = 0; j < n; j++)
            dot += (double)ai[j] * (double)r[j];
        float fd = (float)dot;
        for (size_t j = 0; j < n; j++)
            r[j] = scale * ai[j] * (r[j] - fd);
    }
}

void net_attn_forward(struct net_model *m, struct net_key key, float *x, size_t B, int save)
{
    const size_t n = m->n, d = m->d, dh = m->dh, P = B - 1, ld = 3 * d;
    float *u = m->u, *T = m->tz, *O = m->tz + B * n * ld, *A = m->sv.a;
    const float scale = (float)(1.0 / sqrt((double)dh));
    net_norm_fwd(&m->a.norm_attn, x, u, m->rstd, n, d, B);
    if (save) {
        memcpy(m->sv.x, x, n * d * sizeof *x);
        memcpy(m->sv.u1, u, n * d * sizeof *u);
        memcpy(m->sv.rstd1, m->rstd, n * sizeof *u);
    }
    for (int i = 0; i < 3; i++) {
        gen_qkv(m, key, i);
        net_gemm(0, 0, B * n, d, d, 1.0f, u, d, m->w, d, 0.0f, T + (size_t)i * d, ld);
    }
    if (save)
        memcpy(m->sv.t, T, n * ld * sizeof *T);
    /* heads in parallel, one single-threaded product at a time inside each */
    const size_t H = m->H, sstride = m->bmax * n * n;
#pragma omp parallel for schedule(dynamic) if (H > 1 && NET_PAR(B * n * n * dh))
    for (long hl = 0; hl < (long)H; hl++) {
        const size_t h = (size_t)hl;
        float *Ah = A + h * n * n, *s1 = m->s1 + h * sstride, *s2 = m->s2 + h * sstride;
        const float *Q0 = T + h * dh, *K0 = Q0 + d, *V0 = Q0 + 2 * d;
        net_gemm(0, 1, n, n, dh, scale, Q0, ld, K0, ld, 0.0f, Ah, n);
        softmax_rows(Ah, n, n);
        net_gemm(0, 0, n, dh, n, 1.0f, Ah, n, V0, ld, 0.0f, O + h * dh, d);
        if (!P)
            continue;
        const float *dQ = Q0 + n * ld, *dK = dQ + d;
        net_gemm(0, 1, P * n, n, dh, scale, dQ, ld, K0, ld, 0.0f, s1, n);
        net_gemm(0, 1, P * n, n, dh, scale, dK, ld, Q0, ld, 0.0f, s2, n);
        softmax_jvp(Ah, s1, s2, n, P);
        /* dO = dA V + A dV */
        net_gemm(0, 0, P * n, dh, n, 1.0f, s1, n, V0, ld, 0.0f, O + n * d + h * dh, d);
        for (size_t b = 1; b <= P; b++)
            net_gemm(0, 0, n, dh, n, 1.0f, Ah, n, V0 + b * n * ld, ld, 1.0f,
                     O + b * n * d + h * dh, d);
    }
    gen_o(m, key);
    net_gemm(0, 0, B * n, d, d, 1.0f, O, d, m->w, d, 1.0f, x, d); /* residual */
}

void net_mlp_forward(struct net_model *m, struct net_key key, float *x, size_t B, int save)
{
    const size_t n = m->n, d = m->d, f = m->f;
    float *u = m->u, *Z = m->tz;
    const enum sp_mlp_act act = m->a.mlp_act;
    net_norm_fwd(&m->a.norm_mlp, x, u, m->rstd, n, d, B);
    if (save) {
        memcpy(m->sv.hh, x, n * d * sizeof *x);
        memcpy(m->sv.u2, u, n * d * sizeof *u);
        memcpy(m->sv.rstd2, m->rstd, n * sizeof *u);
    }
    gen_w1(m, key);
    net_gemm(0, 0, B * n, f, d, 1.0f, u, d, m->w, f, 0.0f, Z, f);
    if (save)
        memcpy(m->sv.z, Z, n * f * sizeof *Z);
    /* tangents first: they need the primal pre-activation */
#pragma omp parallel for schedule(static) if (NET_PAR(B * n * f))
    for (long il = (long)n; il < (long)(B * n); il++) {
        const float *z0 = Z + ((size_t)il % n) * f;
        float *zi = Z + (size_t)il * f;
        for (size_t j = 0; j < f; j++)
            zi[j] *= net_act_deriv(act, z0[j]);
    }
#pragma omp parallel for schedule(static) if (NET_PAR(n * f))
    for (long il = 0; il < (long)(n * f); il++)
        Z[il] = net_act(act, Z[il]);
    gen_w2(m, key);
    net_gemm(0, 0, B * n, d, f, 1.0f, Z, f, m->w, d, 1.0f, x, d); /* residual */
}

void net_final_norm(struct net_model *m, const float *x, float *y, size_t B)
{
    net_norm_fwd(&m->a.norm_mlp, x, y, m->rstd, m->n, m->d, B);
}

void net_block_save(struct net_model *m, struct net_key key, const float *x)
{
    const size_t nd = m->n * m->d;
    memcpy(m->sv.hh, x, nd * sizeof *x);
    net_attn_forward(m, key, m->sv.hh, 1, 1);
    memcpy(m->go, m->sv.hh, nd * sizeof *x);
    net_mlp_forward(m, key, m->go, 1, 1);
}

void net_mlp_backward(struct net_model *m, struct net_key key, float *g, size_t Bg)
{
    const size_t n = m->n, d = m->d, f = m->f;
    float *gz = m->tz, *gu = m->u;
    const enum sp_mlp_act act = m->a.mlp_act;
    gen_w2(m, key);
    net_gemm(0, 1, Bg * n, f, d, 1.0f, g, d, m->w, d, 0.0f, gz, f);
#pragma omp parallel for schedule(static) if (NET_PAR(Bg * n * f))
    for (long il = 0; il < (long)(Bg * n); il++) {
        const float *z0 = m->sv.z + ((size_t)il % n) * f;
        float *gi = gz + (size_t)il * f;
        for (size_t j = 0; j < f; j++)
            gi[j] *= net_act_deriv(act, z0[j]);
    }
    gen_w1(m, key);
    net_gemm(0, 1, Bg * n, d, f, 1.0f, gz, f, m->w, f, 0.0f, gu, d);
    net_norm_vjp(&m->a.norm_mlp, m->sv.hh, m->sv.u2, m->sv.rstd2, gu, g, n, d, Bg, 1);
}

void net_attn_backward(struct net_model *m, struct net_key key, float *g, size_t Bg)
{
    const size_t n = m->n, d = m->d, dh = m->dh, ld = 3 * d;
    float *gO = m->go, *gT = m->tz, *gu = m->u;
    const float scale = (float)(1.0 / sqrt((double)dh));
    gen_o(m, key);
    net_gemm(0, 1, Bg * n, d, d, 1.0f, g, d, m->w, d, 0.0f, gO, d);
    const size_t H = m->H, sstride = m->bmax * n * n;
#pragma omp parallel for schedule(dynamic) if (H > 1 && NET_PAR(Bg * n * n * dh))
    for (long hl = 0; hl < (long)H; hl++) {
        const size_t h = (size_t)hl;
        const float *Ah = m->sv.a + h * n * n;
        float *s1 = m->s1 + h * sstride;
        const float *Q1 = m->sv.t + h * dh, *K1 = Q1 + d, *V1 = Q1 + 2 * d;
        net_gemm(0, 1, Bg * n, n, dh, 1.0f, gO + h * dh, d, V1, ld, 0.0f, s1, n); /* gA */
        for (size_t b = 0; b < Bg; b++) /* gV = A^T gO */
            net_gemm(1, 0, n, dh, n, 1.0f, Ah, n, gO + b * n * d + h * dh, d, 0.0f,
                     gT + b * n * ld + 2 * d + h * dh, ld);
        softmax_vjp(Ah, s1, n, Bg, scale);
        net_gemm(0, 0, Bg * n, dh, n, 1.0f, s1, n, K1, ld, 0.0f, gT + h * dh, ld); /* gQ */
        for (size_t b = 0; b < Bg; b++) /* gK = gS^T Q */
            net_gemm(1, 0, n, dh, n, 1.0f, s1 + b * n * n, n, Q1, ld, 0.0f,
                     gT + b * n * ld + d + h * dh, ld);
    }
    for (int i = 0; i < 3; i++) {
        gen_qkv(m, key, i);
        net_gemm(0, 1, Bg * n, d, d, 1.0f, gT + (size_t)i * d, ld, m->w, d, i ? 1.0f : 0.0f, gu, d);
    }
    net_norm_vjp(&m->a.norm_attn, m->sv.x, m->sv.u1, m->sv.rstd1, gu, g, n, d, Bg, 1);
}

/* ---- toy: h' = mu h + phi(N(h)) W + b (SPEC 1.1), n = 1 ---- */

static void toy_gen(struct net_model *m, struct net_key key)
{
    net_normal(m->w, m->d * m->d, (float)(m->a.sigma_w / sqrt((double)m->d)), key, NET_MAT_TOY_W);
}

void net_toy_forward(struct net_model *m, struct net_key key, float *x, size_t B)
{
    const size_t d = m->d;
    float *u = m->u;
    if (m->a.toy_ln) {
        struct sp_fnspec ln = {SP_FN_LN, 1.0, 0.0};
        net_norm_fwd(&ln, x, u, m->rstd, 1, d, B);
        for (size_t b = 1; b < B; b++)
            for (size_t j = 0; j < d; j++)
                u[b * d + j] *= net_fn_deriv(&m->a.phi, u[j]);
        for (size_t j = 0; j < d; j++)
            u[j] = net_fn(&m->a.phi, u[j]);
    } else {
        net_norm_fwd(&m->a.phi, x, u, m->rstd, 1, d, B);
    }
    const float mu = (float)m->a.mu;
    for (size_t i = 0; i < B * d; i++)
        x[i] *= mu;
    toy_gen(m, key);
    net_gemm(0, 0, B, d, d, 1.0f, u, d, m->w, d, 1.0f, x, d);
    if (m->a.sigma_b > 0.0) {
        net_normal(m->bias, d, (float)m->a.sigma_b, key, NET_MAT_TOY_B);
        for (size_t j = 0; j < d; j++)
            x[j] += m->bias[j];
    }
}

void net_toy_backward(struct net_model *m, struct net_key key, const float *x, float *g,
                      size_t Bg)
{
    const size_t d = m->d;
    float *gu = m->tz, *y = m->u;
    toy_gen(m, key);
    net_gemm(0, 1, Bg, d, d, 1.0f, g, d, m->w, d, 0.0f, gu, d);
    const float mu = (float)m->a.mu;
    for (size_t i = 0; i < Bg * d; i++)
        g[i] *= mu;
    if (m->a.toy_ln) {
        struct sp_fnspec ln = {SP_FN_LN, 1.0, 0.0};
        net_norm_fwd(&ln, x, y, m->rstd, 1, d, 1);
        for (size_t b = 0; b < Bg; b++)
            for (size_t j = 0; j < d; j++)
                gu[b * d + j] *= net_fn_deriv(&m->a.phi, y[j]);
        net_norm_vjp(&ln, x, y, m->rstd, gu, g, 1, d, Bg, 1);
    } else {
        net_norm_vjp(&m->a.phi, x, NULL, NULL, gu, g, 1, d, Bg, 1);
    }
}
