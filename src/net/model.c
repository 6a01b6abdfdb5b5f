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
    size_t n, d, H, dh, f, kv;
};

static struct sizes get_sizes(const struct sp_arch *a)
{
    struct sizes s;
    if (a->model == SP_MODEL_TOY) {
        s.n = 1, s.d = (size_t)a->width, s.H = 1, s.dh = s.d, s.f = s.d, s.kv = 1;
    } else {
        s.n = (size_t)a->tokens, s.d = (size_t)a->width, s.H = (size_t)(a->heads > 0 ? a->heads : 1);
        s.dh = s.d / s.H, s.f = (size_t)sp_arch_mlp_hidden(a);
        s.kv = (size_t)(sp_arch_kv_heads(a) > 0 ? sp_arch_kv_heads(a) : 1);
    }
    return s;
}

/* Float counts of every buffer, in the order net_model_init carves them. */
#define NET_NBUF 19
static void buffer_counts(const struct sp_arch *a, size_t bmax, double c[NET_NBUF], int *nc)
{
    struct sizes s = get_sizes(a);
    double n = (double)s.n, d = (double)s.d, f = (double)s.f, H = (double)s.H, B = (double)bmax;
    const int swiglu = a->model != SP_MODEL_TOY && a->mlp_act == SP_ACT_SWIGLU;
    double fz = swiglu ? 2.0 * f : f; /* Z, and SwiGLU's Z3 beside it */
    double wide = 4.0 * d > fz ? 4.0 * d : fz;
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
    c[i++] = swiglu ? n * f : 0.0;          /* sv.z3 */
    c[i++] = a->rope != SP_ROPE_NONE && a->model != SP_MODEL_TOY ? n * (double)s.dh : 0.0; /* rope */
    *nc = i;
}

double net_model_bytes(const struct sp_arch *a, size_t bmax)
{
    double c[NET_NBUF], tot = 0.0;
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
    if (s.kv < 1 || s.H % s.kv)
        return SP_EINVAL;
    m->kv = s.kv, m->ldt = s.d + 2 * s.kv * s.dh, m->eps = (float)a->norm_eps;
    double c[NET_NBUF], tot = 0.0;
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
    float *ptrs[NET_NBUF];
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
    m->sv.z3 = ptrs[16], m->rope = ptrs[17];
    if (a->rope != SP_ROPE_NONE && a->model != SP_MODEL_TOY) /* angle a theta^(-2k/dh), double */
        for (size_t t = 0; t < s.n; t++)
            for (size_t k = 0; k < s.dh / 2; k++) {
                double ang = (double)t * pow(a->rope_theta, -2.0 * (double)k / (double)s.dh);
                m->rope[t * s.dh + k] = (float)cos(ang);
                m->rope[t * s.dh + s.dh / 2 + k] = (float)sin(ang);
            }
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

/* The stored matrices of block key.block, or NULL (Philox on demand). */
static const struct sp_net_block_weights *stored(const struct net_model *m, struct net_key key)
{
    return m->wts && m->wts->blocks ? &m->wts->blocks[key.block] : NULL;
}

/* m->w (in, out) = W^T of a stored (out, in) matrix, or Philox draws of std sigma/sqrt(in):
 * the products below are the same for both sources. */
static void load_w(struct net_model *m, struct net_key key, const float *W, size_t in,
                   size_t out, double sigma, uint32_t mat)
{
    if (!W) {
        net_normal(m->w, in * out, (float)(sigma / sqrt((double)in)), key, mat);
        return;
    }
#pragma omp parallel for schedule(static) if (NET_PAR(in * out))
    for (long il = 0; il < (long)in; il++)
        for (size_t o = 0; o < out; o++)
            m->w[(size_t)il * out + o] = W[o * in + (size_t)il];
}

/* which: 0 = Q (d, d), 1 = K, 2 = V (d, kv dh). */
static void gen_qkv(struct net_model *m, struct net_key key, int which)
{
    const double sig[3] = {m->a.sigma_q, m->a.sigma_k, m->a.sigma_v};
    const struct sp_net_block_weights *sw = stored(m, key);
    const float *W = !sw ? NULL : which == 0 ? sw->wq : which == 1 ? sw->wk : sw->wv;
    load_w(m, key, W, m->d, which ? m->kv * m->dh : m->d, sig[which],
           NET_MAT_QKV + 256u * (uint32_t)which);
}
static void gen_o(struct net_model *m, struct net_key key)
{
    const struct sp_net_block_weights *sw = stored(m, key);
    load_w(m, key, sw ? sw->wo : NULL, m->d, m->d, m->a.sigma_o, NET_MAT_O);
}
static void gen_w1(struct net_model *m, struct net_key key)
{
    const struct sp_net_block_weights *sw = stored(m, key);
    load_w(m, key, sw ? sw->w1 : NULL, m->d, m->f, m->a.sigma_1, NET_MAT_W1);
}
static void gen_w3(struct net_model *m, struct net_key key)
{
    const struct sp_net_block_weights *sw = stored(m, key);
    load_w(m, key, sw ? sw->w3 : NULL, m->d, m->f, m->a.sigma_3, NET_MAT_W3);
}
static void gen_w2(struct net_model *m, struct net_key key)
{
    const struct sp_net_block_weights *sw = stored(m, key);
    load_w(m, key, sw ? sw->w2 : NULL, m->f, m->d, m->a.sigma_2, NET_MAT_W2);
}

/* y *= gamma per column, rows (rows, d); gamma NULL = 1. Used on norm outputs and
 * tangents (linear), and on cotangents before a norm's VJP. */
static void scale_cols(float *y, const float *gamma, size_t rows, size_t d)
{
    if (!gamma)
        return;
#pragma omp parallel for schedule(static) if (NET_PAR(rows * d))
    for (long il = 0; il < (long)rows; il++)
        for (size_t j = 0; j < d; j++)
            y[(size_t)il * d + j] *= gamma[j];
}
static const float *gain_attn(const struct net_model *m, struct net_key key)
{
    const struct sp_net_block_weights *sw = stored(m, key);
    return sw ? sw->gain_attn : NULL;
}
static const float *gain_mlp(const struct net_model *m, struct net_key key)
{
    const struct sp_net_block_weights *sw = stored(m, key);
    return sw ? sw->gain_mlp : NULL;
}

/* f with a stored alpha and shift (one float each, NULL = f's) when it is pointwise. */
static struct sp_fnspec with_scalars(struct sp_fnspec f, const float *alpha, const float *shift)
{
    if (f.kind != SP_FN_LN && f.kind != SP_FN_RMS) {
        if (alpha)
            f.alpha = (double)*alpha;
        if (shift)
            f.shift = (double)*shift;
    }
    return f;
}
/* The norm of block key.block before the attention (mlp = 0) or the MLP (mlp = 1). */
static struct sp_fnspec block_norm(const struct net_model *m, struct net_key key, int mlp)
{
    const struct sp_net_block_weights *sw = stored(m, key);
    struct sp_fnspec f = mlp ? m->a.norm_mlp : m->a.norm_attn;
    if (!sw)
        return f;
    return mlp ? with_scalars(f, sw->alpha_mlp, sw->shift_mlp)
               : with_scalars(f, sw->alpha_attn, sw->shift_attn);
}
static struct sp_fnspec final_norm(const struct net_model *m)
{
    return m->wts ? with_scalars(m->a.norm_mlp, m->wts->alpha_final, m->wts->shift_final)
                  : m->a.norm_mlp;
}

/* y[r ld + j] += b[j] for the rows r < rows, j < cols (b NULL: nothing). Biases and
 * norm shifts go on the primal rows only: tangents and cotangents do not see them. */
static void add_bias(float *y, size_t ld, const float *b, size_t rows, size_t cols)
{
    if (!b)
        return;
    for (size_t r = 0; r < rows; r++)
        for (size_t j = 0; j < cols; j++)
            y[r * ld + j] += b[j];
}
#define SW_FIELD(m, key, field) (stored(m, key) ? stored(m, key)->field : NULL)

/* RoPE on the Q and K columns of T (rows, ldt): the H query heads and kv key heads are
 * H + kv consecutive chunks of dh; row r sits at position r mod n. sign -1 applies the
 * inverse (transpose) rotation, for cotangents. Pairs: INTERLEAVED (2k, 2k+1), HALF
 * (k, k + dh/2). */
static void rope_apply(const struct net_model *m, float *T, size_t rows, float sign)
{
    const size_t n = m->n, dh = m->dh, half = dh / 2, chunks = m->H + m->kv, ld = m->ldt;
    const int inter = m->a.rope == SP_ROPE_INTERLEAVED;
#pragma omp parallel for schedule(static) if (NET_PAR(rows * chunks * dh))
    for (long il = 0; il < (long)rows; il++) {
        const float *cs = m->rope + ((size_t)il % n) * dh;
        float *row = T + (size_t)il * ld;
        for (size_t c = 0; c < chunks; c++) {
            float *v = row + c * dh;
            for (size_t k = 0; k < half; k++) {
                size_t i1 = inter ? 2 * k : k, i2 = inter ? 2 * k + 1 : k + half;
                float co = cs[k], si = sign * cs[half + k], x1 = v[i1], x2 = v[i2];
                v[i1] = x1 * co - x2 * si;
                v[i2] = x1 * si + x2 * co;
            }
        }
    }
}

/* Causal mask on one head's scores (n, n): token i sees j <= i. */
static void mask_causal(float *S, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++)
        for (size_t j = i + 1; j < n; j++)
            S[i * n + j] = -INFINITY;
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

/* The sublayer's norm of x (B n, d) into m->u with tangents, times the gain; sx non-NULL:
 * the primal input, norm output (before the gain) and rstd are saved for reverse mode. */
static void pre_norm(struct net_model *m, const struct sp_fnspec *f, const float *gamma,
                     const float *beta, const float *x, size_t B, float *sx, float *su,
                     float *srstd)
{
    const size_t n = m->n, d = m->d;
    net_norm_fwd_eps(f, m->eps, x, m->u, m->rstd, n, d, B);
    if (sx) {
        memcpy(sx, x, n * d * sizeof *x);
        memcpy(su, m->u, n * d * sizeof *x);
        memcpy(srstd, m->rstd, n * sizeof *x);
    }
    scale_cols(m->u, gamma, B * n, d);
    add_bias(m->u, d, beta, n, d);
}

void net_attn_forward(struct net_model *m, struct net_key key, float *x, size_t B, int save)
{
    const size_t n = m->n, d = m->d, dh = m->dh, P = B - 1, ld = m->ldt, kvd = m->kv * dh;
    float *u = m->u, *T = m->tz, *O = m->tz + B * n * ld, *A = m->sv.a;
    const float scale = (float)(1.0 / sqrt((double)dh));
    const int causal = m->a.mask == SP_MASK_CAUSAL;
    const struct sp_fnspec nf = block_norm(m, key, 0);
    pre_norm(m, &nf, gain_attn(m, key), SW_FIELD(m, key, beta_attn), x, B,
             save ? m->sv.x : NULL, m->sv.u1, m->sv.rstd1);
    for (int i = 0; i < 3; i++) { /* Q at column 0, K at d, V at d + kvd */
        gen_qkv(m, key, i);
        size_t cols = i ? kvd : d, col0 = i ? d + (size_t)(i - 1) * kvd : 0;
        net_gemm(0, 0, B * n, cols, d, 1.0f, u, d, m->w, cols, 0.0f, T + col0, ld);
        add_bias(T + col0, ld,
                 i == 0 ? SW_FIELD(m, key, bq) : i == 1 ? SW_FIELD(m, key, bk) : SW_FIELD(m, key, bv),
                 n, cols);
    }
    if (m->a.rope != SP_ROPE_NONE) /* linear: the tangents rotate with the primal */
        rope_apply(m, T, B * n, 1.0f);
    if (save)
        memcpy(m->sv.t, T, n * ld * sizeof *T);
    /* heads in parallel, one single-threaded product at a time inside each; query head
     * h reads K/V head h / (H / kv) */
    const size_t H = m->H, sstride = m->bmax * n * n, grp = H / m->kv;
#pragma omp parallel for schedule(dynamic) if (H > 1 && NET_PAR(B * n * n * dh))
    for (long hl = 0; hl < (long)H; hl++) {
        const size_t h = (size_t)hl;
        float *Ah = A + h * n * n, *s1 = m->s1 + h * sstride, *s2 = m->s2 + h * sstride;
        const float *Q0 = T + h * dh, *K0 = T + d + (h / grp) * dh, *V0 = K0 + kvd;
        net_gemm(0, 1, n, n, dh, scale, Q0, ld, K0, ld, 0.0f, Ah, n);
        if (causal)
            mask_causal(Ah, n);
        softmax_rows(Ah, n, n);
        net_gemm(0, 0, n, dh, n, 1.0f, Ah, n, V0, ld, 0.0f, O + h * dh, d);
        if (!P)
            continue;
        /* masked entries have A = 0, so their tangents vanish in softmax_jvp */
        const float *dQ = Q0 + n * ld, *dK = K0 + n * ld;
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
    add_bias(x, d, SW_FIELD(m, key, bo), n, d);
}

/* SwiGLU forward: Z = u W1, Z3 = u W3 (B n, f) -> Z = silu(Z) * Z3 with tangents
 * dZ' = silu'(Z) dZ Z3 + silu(Z) dZ3. */
static void swiglu_forward(struct net_model *m, struct net_key key, const float *u, float *Z,
                           size_t B, int save)
{
    const size_t n = m->n, d = m->d, f = m->f;
    float *Z3 = Z + B * n * f;
    gen_w1(m, key);
    net_gemm(0, 0, B * n, f, d, 1.0f, u, d, m->w, f, 0.0f, Z, f);
    add_bias(Z, f, SW_FIELD(m, key, b1), n, f);
    gen_w3(m, key);
    net_gemm(0, 0, B * n, f, d, 1.0f, u, d, m->w, f, 0.0f, Z3, f);
    if (save) {
        memcpy(m->sv.z, Z, n * f * sizeof *Z);
        memcpy(m->sv.z3, Z3, n * f * sizeof *Z);
    }
    /* one pass per token: silu and silu' of its primal element once, the tangent rows
     * b = 1..B-1 (z_b <- silu'(z_0) z_b y_0 + silu(z_0) y_b), then the primal in place */
#pragma omp parallel for schedule(static) if (NET_PAR(B * n * f))
    for (long tl = 0; tl < (long)n; tl++) {
        const size_t t = (size_t)tl;
        float *z0 = Z + t * f;
        const float *y0 = Z3 + t * f;
        for (size_t j = 0; j < f; j++) {
            const float s = net_act(SP_ACT_SWIGLU, z0[j]), ds = net_act_deriv(SP_ACT_SWIGLU, z0[j]);
            for (size_t b = 1; b < B; b++) {
                const size_t r = (b * n + t) * f + j;
                Z[r] = ds * Z[r] * y0[j] + s * Z3[r];
            }
            z0[j] = s * y0[j];
        }
    }
}

void net_mlp_forward(struct net_model *m, struct net_key key, float *x, size_t B, int save)
{
    const size_t n = m->n, d = m->d, f = m->f;
    float *u = m->u, *Z = m->tz;
    const enum sp_mlp_act act = m->a.mlp_act;
    const struct sp_fnspec nf = block_norm(m, key, 1);
    pre_norm(m, &nf, gain_mlp(m, key), SW_FIELD(m, key, beta_mlp), x, B,
             save ? m->sv.hh : NULL, m->sv.u2, m->sv.rstd2);
    if (act == SP_ACT_SWIGLU) {
        swiglu_forward(m, key, u, Z, B, save);
    } else {
        gen_w1(m, key);
        net_gemm(0, 0, B * n, f, d, 1.0f, u, d, m->w, f, 0.0f, Z, f);
        add_bias(Z, f, SW_FIELD(m, key, b1), n, f);
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
    }
    gen_w2(m, key);
    net_gemm(0, 0, B * n, d, f, 1.0f, Z, f, m->w, d, 1.0f, x, d); /* residual */
    add_bias(x, d, SW_FIELD(m, key, b2), n, d);
}

void net_final_norm(struct net_model *m, const float *x, float *y, size_t B)
{
    const struct sp_fnspec f = final_norm(m);
    net_norm_fwd_eps(&f, m->eps, x, y, m->rstd, m->n, m->d, B);
    scale_cols(y, m->wts ? m->wts->gain_final : NULL, B * m->n, m->d);
    add_bias(y, m->d, m->wts ? m->wts->beta_final : NULL, m->n, m->d);
}

void net_final_norm_vjp(struct net_model *m, const float *x, float *y, float *g, float *out,
                        size_t Bg)
{
    const struct sp_fnspec f = final_norm(m);
    net_norm_fwd_eps(&f, m->eps, x, y, m->rstd, m->n, m->d, 1); /* ungained y */
    scale_cols(g, m->wts ? m->wts->gain_final : NULL, Bg * m->n, m->d);
    net_norm_vjp(&f, x, y, m->rstd, g, out, m->n, m->d, Bg, 0);
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
    if (act == SP_ACT_SWIGLU) { /* gZ3 = gH silu(Z), gZ = gH silu'(Z) Z3 */
        float *gz3 = gz + Bg * n * f;
#pragma omp parallel for schedule(static) if (NET_PAR(Bg * n * f))
        for (long il = 0; il < (long)(Bg * n); il++) {
            const size_t t = (size_t)il % n;
            const float *z0 = m->sv.z + t * f, *y0 = m->sv.z3 + t * f;
            float *gi = gz + (size_t)il * f, *g3 = gz3 + (size_t)il * f;
            for (size_t j = 0; j < f; j++) {
                g3[j] = gi[j] * net_act(SP_ACT_SWIGLU, z0[j]);
                gi[j] *= net_act_deriv(SP_ACT_SWIGLU, z0[j]) * y0[j];
            }
        }
        gen_w3(m, key);
        net_gemm(0, 1, Bg * n, d, f, 1.0f, gz3, f, m->w, f, 0.0f, gu, d);
    } else {
#pragma omp parallel for schedule(static) if (NET_PAR(Bg * n * f))
        for (long il = 0; il < (long)(Bg * n); il++) {
            const float *z0 = m->sv.z + ((size_t)il % n) * f;
            float *gi = gz + (size_t)il * f;
            for (size_t j = 0; j < f; j++)
                gi[j] *= net_act_deriv(act, z0[j]);
        }
    }
    gen_w1(m, key);
    net_gemm(0, 1, Bg * n, d, f, 1.0f, gz, f, m->w, f, act == SP_ACT_SWIGLU ? 1.0f : 0.0f, gu,
             d);
    scale_cols(gu, gain_mlp(m, key), Bg * n, d);
    const struct sp_fnspec nf = block_norm(m, key, 1);
    net_norm_vjp(&nf, m->sv.hh, m->sv.u2, m->sv.rstd2, gu, g, n, d, Bg, 1);
}

void net_attn_backward(struct net_model *m, struct net_key key, float *g, size_t Bg)
{
    const size_t n = m->n, d = m->d, dh = m->dh, ld = m->ldt, kvd = m->kv * dh;
    float *gO = m->go, *gT = m->tz, *gu = m->u;
    const float scale = (float)(1.0 / sqrt((double)dh));
    gen_o(m, key);
    net_gemm(0, 1, Bg * n, d, d, 1.0f, g, d, m->w, d, 0.0f, gO, d);
    /* K/V heads in parallel; the query heads sharing one accumulate into its gK, gV in
     * a fixed order (with kv = H: one head each, as multi-head attention) */
    const size_t H = m->H, kv = m->kv, grp = H / kv, sstride = m->bmax * n * n;
#pragma omp parallel for schedule(dynamic) if (kv > 1 && NET_PAR(Bg * n * n * dh * grp))
    for (long cl = 0; cl < (long)kv; cl++)
        for (size_t h = (size_t)cl * grp; h < ((size_t)cl + 1) * grp; h++) {
            const float *Ah = m->sv.a + h * n * n, beta = h % grp ? 1.0f : 0.0f;
            float *s1 = m->s1 + h * sstride;
            const float *Q1 = m->sv.t + h * dh, *K1 = m->sv.t + d + (size_t)cl * dh,
                        *V1 = K1 + kvd;
            net_gemm(0, 1, Bg * n, n, dh, 1.0f, gO + h * dh, d, V1, ld, 0.0f, s1, n); /* gA */
            for (size_t b = 0; b < Bg; b++) /* gV = A^T gO */
                net_gemm(1, 0, n, dh, n, 1.0f, Ah, n, gO + b * n * d + h * dh, d, beta,
                         gT + b * n * ld + d + kvd + (size_t)cl * dh, ld);
            softmax_vjp(Ah, s1, n, Bg, scale);
            net_gemm(0, 0, Bg * n, dh, n, 1.0f, s1, n, K1, ld, 0.0f, gT + h * dh, ld); /* gQ */
            for (size_t b = 0; b < Bg; b++) /* gK = gS^T Q */
                net_gemm(1, 0, n, dh, n, 1.0f, s1 + b * n * n, n, Q1, ld, beta,
                         gT + b * n * ld + d + (size_t)cl * dh, ld);
        }
    if (m->a.rope != SP_ROPE_NONE) /* back through the rotation: its transpose */
        rope_apply(m, gT, Bg * n, -1.0f);
    for (int i = 0; i < 3; i++) {
        gen_qkv(m, key, i);
        size_t cols = i ? kvd : d;
        net_gemm(0, 1, Bg * n, d, cols, 1.0f, gT + (i ? d + (size_t)(i - 1) * kvd : 0), ld, m->w,
                 cols, i ? 1.0f : 0.0f, gu, d);
    }
    scale_cols(gu, gain_attn(m, key), Bg * n, d);
    const struct sp_fnspec nf = block_norm(m, key, 0);
    net_norm_vjp(&nf, m->sv.x, m->sv.u1, m->sv.rstd1, gu, g, n, d, Bg, 1);
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
