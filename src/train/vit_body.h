/* vit_body.h: forward and backward of the ViT, written once for a real type R and
 * included by vit_f32.c (R = float, tiled sgemm), vit_f32_avx2.c and vit_f32_avx512.c
 * (the same float model compiled for those ISAs, its exp/erf/tanh vectorised with
 * SLEEF) and vit_f64.c (R = double, naive loops). Before including, define R, S (the
 * suffix of the passes), GEMM(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc)
 * computing C = op(A) op(B) + beta C (row-major), and the math functions TANH, ERF,
 * EXP, SQRT; optionally WSUF (the suffix of the workspace type, S by default), VIT_PASSES_ONLY
 * (the passes without the workspace functions, for an ISA variant of a model whose
 * workspace another file defines) and VEXP, VERF, VTANH(x, y, n): y[i] = f(x[i]) over
 * an array, each element through the same code wherever it lies (x may equal y).
 * Every reduction accumulates in double; every parallel loop writes disjoint rows or
 * columns, so the result does not depend on the thread count. The pre-norm block
 * (SPEC 1.2, with biases):
 *     x1 = x0 + Wo Attn(N1(x0)) + bo,   x2 = x1 + W2 act(W1 N2(x1) + b1) + b2.
 * Two input/output stages share the blocks: the ViT (patch embedding, CLS token,
 * pooled head) and the causal language model (token table, attention masked to
 * earlier positions, the head on every position).
 * Attention: grouped-query (kv K/V heads) and RoPE on q and k as the measurement
 * engine computes them (net/model.c); causal attention (text) by row tiles over the
 * lower triangle only.
 * Kept for the backward pass per block: the stream x0, x1, the normed n1, n2 and
 * their statistics, qkv (rotated), the attention output and the MLP pre-activation z; the
 * attention probabilities and the MLP activation are recomputed there (cheap
 * against the products, and they were most of the memory). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "net/net_internal.h"
#include "sp_assert.h"
#include "train/train_internal.h"

#define CAT2(a, b) a##_##b
#define CAT(a, b) CAT2(a, b)
#define NAME(x) CAT(x, S)
#ifndef WSUF
#define WSUF S
#define VIT_WSUF_DEFAULT
#endif
#define WNAME(x) CAT(x, WSUF)

#ifndef VEXP /* the portable array maps */
static void NAME(vexp)(const R *x, R *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = EXP(x[i]);
}
static void NAME(verf)(const R *x, R *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = ERF(x[i]);
}
static void NAME(vtanh)(const R *x, R *y, size_t n)
{
    for (size_t i = 0; i < n; i++)
        y[i] = TANH(x[i]);
}
#define VEXP NAME(vexp)
#define VERF NAME(verf)
#define VTANH NAME(vtanh)
#define VIT_V_DEFAULT
#endif
#define VIT_CHUNK 256 /* elements per pass of the array maps in the pointwise loops */

struct WNAME(vit_blk_acts) {
    R *x0;        /* (rows, d) block input */
    R *n1, *st1;  /* N1(x0) (rows, d); LN mean and rstd (rows, 2) */
    R *qkv;       /* (rows, qkvw): q | k | v, q and k after RoPE */
    R *ao;        /* attention output before Wo (rows, d) */
    R *x1;        /* (rows, d) */
    R *n2, *st2;
    R *z;         /* MLP pre-activation (rows, hid); SwiGLU: then W3's, z3 (rows, hid) */
};

struct WNAME(vit_ws) {
    int bmax, B;
    size_t rows;  /* B T */
    R *patches;   /* (B P, pd) */
    struct WNAME(vit_blk_acts) *blk; /* (depth) */
    R *xf, *nf, *stf; /* final stream, its norm (rows, d), stats (rows, 2) */
    R *pooled;    /* (B, d) */
    R *probs;     /* (B, classes) softmax of the logits; text: (rows, classes) */
    const uint8_t *labels; /* (B); text: the next byte of each row (rows) */
    uint8_t *tok;          /* text: the input byte of each row, then the targets (2 rows) */
    /* scratch of one block at a time: the attention probabilities and their gradient
     * (B, H, T, T), the MLP activation (forward) or its gradient (backward) in gz */
    R *att, *gatt;
    R *g, *gn, *gqkv, *gao, *gz, *gtok, *gpatch, *glog, *gpool;
    double *rowacc; /* (rows, 2) per-row partial sums of the scalar norm parameters */
    double *colacc; /* column sums: max(qkvw, hid, 2d, classes) */
    R *rope;        /* RoPE: cos, sin (T, dh), the measurement engine's table */
    R *gwpart;      /* the weight gradient's row slices (linear_bwd), VIT_KSPLIT of them */
    R *mem;
};

/* A weight gradient x^T gy over many rows is cut into VIT_KSPLIT fixed slices of rows,
 * one product each, in parallel, then summed in slice order: the same bits on any
 * thread count, where one product of M = k rows would run on one thread. Only when
 * rows >= VIT_KSPLIT max(k, n), so the slices' scratch never exceeds rows min(k, n). */
#define VIT_KSPLIT 8
static size_t NAME(ksplit_scratch)(size_t rows, size_t k, size_t n)
{
    return rows >= VIT_KSPLIT * (k > n ? k : n) ? VIT_KSPLIT * k * n : 0;
}

#ifndef VIT_PASSES_ONLY
enum sp_status WNAME(vit_ws_new)(const struct vit_layout *L, int batch, struct WNAME(vit_ws) **out)
{
    *out = NULL;
    const size_t d = (size_t)L->d, T = (size_t)L->T;
    const size_t hmul = L->c.act == SP_ACT_SWIGLU ? 2 : 1; /* z (| z3) */
    const size_t hid = (size_t)L->hid * hmul;
    const size_t H = (size_t)L->c.heads, C = (size_t)L->c.classes, depth = (size_t)L->c.depth;
    const size_t rows = (size_t)batch * T, bp = (size_t)batch * (size_t)L->P;
    const size_t att = (size_t)batch * H * T * T, qkvw = (size_t)L->qkvw;
    const size_t per_blk = rows * (d * 5 + qkvw + 4 + hid);
    const size_t nlog = L->text ? rows : (size_t)batch; /* rows of logits */
    size_t total = bp * (size_t)L->pd * 2 + depth * per_blk + rows * (d * 2 + 2) +
                   (size_t)batch * d * 2 + nlog * C * 2 +
                   rows * (d * 3 + qkvw + hid) + 2 * att + bp * d + T * (size_t)L->dh;
    struct WNAME(vit_ws) *w = calloc(1, sizeof *w);
    if (w)
        w->blk = calloc(depth, sizeof *w->blk);
    if (w && w->blk)
        w->mem = malloc(total * sizeof(R));
    const size_t ncol = qkvw > hid ? (qkvw > C ? qkvw : C) : (hid > C ? hid : C);
    /* the products' shapes: W1's and W3's hidden width is L->hid, not hid (z | z3) */
    const size_t shapes[6][3] = {{rows, d, qkvw}, {rows, d, d},        {rows, d, hid / hmul},
                                 {rows, hid / hmul, d}, {nlog, d, C},  {bp, (size_t)L->pd, d}};
    size_t npart = 1;
    for (int i = 0; i < 6; i++) {
        const size_t need = NAME(ksplit_scratch)(shapes[i][0], shapes[i][1], shapes[i][2]);
        npart = need > npart ? need : npart;
    }
    if (w && w->mem)
        w->gwpart = malloc(npart * sizeof(R));
    if (w && w->gwpart)
        w->rowacc = malloc(rows * 2 * sizeof(double));
    if (w && w->rowacc)
        w->colacc = malloc(ncol * sizeof(double));
    if (w && w->colacc)
        w->tok = malloc(L->text ? 2 * rows : 1);
    if (!w || !w->blk || !w->mem || !w->gwpart || !w->rowacc || !w->colacc || !w->tok) {
        WNAME(vit_ws_free)(w);
        return sp_fail(SP_ENOMEM, "train: workspace of %zu values for batch %d", total, batch);
    }
    R *q = w->mem;
#define TAKE(ptr, count) (ptr = q, q += (count))
    TAKE(w->patches, bp * (size_t)L->pd);
    for (size_t l = 0; l < depth; l++) {
        struct WNAME(vit_blk_acts) *b = &w->blk[l];
        TAKE(b->x0, rows * d);
        TAKE(b->n1, rows * d);
        TAKE(b->st1, rows * 2);
        TAKE(b->qkv, rows * qkvw);
        TAKE(b->ao, rows * d);
        TAKE(b->x1, rows * d);
        TAKE(b->n2, rows * d);
        TAKE(b->st2, rows * 2);
        TAKE(b->z, rows * hid);
    }
    TAKE(w->xf, rows * d);
    TAKE(w->nf, rows * d);
    TAKE(w->stf, rows * 2);
    TAKE(w->pooled, (size_t)batch * d);
    TAKE(w->probs, nlog * C);
    TAKE(w->g, rows * d);
    TAKE(w->gn, rows * d);
    TAKE(w->gqkv, rows * qkvw);
    TAKE(w->gao, rows * d);
    TAKE(w->gz, rows * hid);
    TAKE(w->att, att);
    TAKE(w->gatt, att);
    TAKE(w->gtok, bp * d);
    TAKE(w->gpatch, bp * (size_t)L->pd);
    TAKE(w->glog, nlog * C);
    TAKE(w->gpool, (size_t)batch * d);
    TAKE(w->rope, T * (size_t)L->dh);
#undef TAKE
    /* angle t theta^(-2k/dh) in double, as net/model.c computes it */
    const size_t dh = (size_t)L->dh;
    for (size_t t = 0; L->c.rope != SP_ROPE_NONE && t < T; t++)
        for (size_t k = 0; k < dh / 2; k++) {
            const double ang = (double)t * pow(L->c.rope_theta, -2.0 * (double)k / (double)dh);
            w->rope[t * dh + k] = (R)cos(ang);
            w->rope[t * dh + dh / 2 + k] = (R)sin(ang);
        }
    SP_ASSERT((size_t)(q - w->mem) <= total);
    w->bmax = batch;
    *out = w;
    return SP_OK;
}

void WNAME(vit_ws_free)(struct WNAME(vit_ws) *w)
{
    if (!w)
        return;
    free(w->mem);
    free(w->gwpart);
    free(w->blk);
    free(w->rowacc);
    free(w->colacc);
    free(w->tok);
    free(w);
}

/* The residual stream entering block l after the forward pass (l = depth: the last
 * block's output, before the final norm): (B T, d) rows, image-major. */
const R *WNAME(vit_stream)(const struct vit_layout *L, const struct WNAME(vit_ws) *w, int l)
{
    return l < L->c.depth ? w->blk[l].x0 : w->xf;
}
#endif

/* ---- helpers ---- */

/* y (rows, n) = x (rows, k) W (k, n) + b (n): the product added onto the bias rows
 * (one pass over y fewer than adding the bias after it) */
static void NAME(linear_fwd)(const R *x, const R *W, const R *b, R *y, size_t rows, size_t k,
                             size_t n)
{
#pragma omp parallel for schedule(static) if (NET_PAR(rows * n))
    for (size_t r = 0; r < rows; r++)
        memcpy(y + r * n, b, n * sizeof *y);
    GEMM(0, 0, rows, n, k, x, k, W, n, 1, y, n);
}

/* gb (n) += column sums of gy (rows, n), accumulated row by row in double (acc: n
 * doubles of scratch): one pass over memory in order, the same sums on any thread count */
static void NAME(colsum_add)(const R *gy, size_t rows, size_t n, R *gb, double *acc)
{
    memset(acc, 0, n * sizeof *acc);
    for (size_t r = 0; r < rows; r++) {
        const R *gr = gy + r * n;
#pragma omp simd
        for (size_t j = 0; j < n; j++)
            acc[j] += (double)gr[j];
    }
    for (size_t j = 0; j < n; j++)
        gb[j] += (R)acc[j];
}

/* Backward of linear_fwd: gW += x^T gy, gb += colsum gy, gx = gy W^T (gx may be NULL,
 * or equal x: x is read only by gW's product, which comes first) */
static void NAME(linear_bwd)(const R *x, const R *W, const R *gy, R *gx, R *gW, R *gb,
                             size_t rows, size_t k, size_t n, struct WNAME(vit_ws) *w)
{
    if (NAME(ksplit_scratch)(rows, k, n)) {
        const size_t per = (rows + VIT_KSPLIT - 1) / VIT_KSPLIT, kn = k * n;
        R *part = w->gwpart;
#pragma omp parallel for schedule(static) if (NET_PAR(rows * kn / 64))
        for (size_t sl = 0; sl < VIT_KSPLIT; sl++) {
            const size_t r0 = sl * per < rows ? sl * per : rows;
            const size_t nr = rows - r0 < per ? rows - r0 : per;
            if (nr)
                GEMM(1, 0, k, n, nr, x + r0 * k, k, gy + r0 * n, n, 0, part + sl * kn, n);
            else
                memset(part + sl * kn, 0, kn * sizeof *part);
        }
#pragma omp parallel for schedule(static) if (NET_PAR(kn * VIT_KSPLIT))
        for (size_t i = 0; i < kn; i++) {
            R acc = gW[i];
            for (size_t sl = 0; sl < VIT_KSPLIT; sl++)
                acc += part[sl * kn + i];
            gW[i] = acc;
        }
    } else {
        GEMM(1, 0, k, n, rows, x, k, gy, n, 1, gW, n);
    }
    NAME(colsum_add)(gy, rows, n, gb, w->colacc);
    if (gx)
        GEMM(0, 1, rows, k, n, gy, n, W, n, 0, gx, k);
}

/* Phi(z), the standard normal CDF, of n <= VIT_CHUNK values into cdf, and (gauss not
 * NULL) exp(-z^2 / 2). VIT_FAST_PHI (the float model): Abramowitz and Stegun 7.1.26,
 * |error in erf| <= 1.5e-7, one exp for both, vectorised; else 0.5 (1 + erf(z / sqrt 2))
 * through the erf map (SLEEF's vector erf is several times slower than this). */
static void NAME(vphi)(const R *z, R *cdf, R *gauss, size_t n)
{
#ifdef VIT_FAST_PHI
    R *g = gauss ? gauss : cdf; /* cdf holds the exp until it is overwritten in place */
#else
    R *g = gauss;
#endif
    if (g) {
#pragma omp simd
        for (size_t i = 0; i < n; i++)
            g[i] = (R)-0.5 * z[i] * z[i];
        VEXP(g, g, n);
    }
#ifdef VIT_FAST_PHI
    const R p = (R)0.3275911, a1 = (R)0.254829592, a2 = (R)-0.284496736;
    const R a3 = (R)1.421413741, a4 = (R)-1.453152027, a5 = (R)1.061405429;
#pragma omp simd
    for (size_t i = 0; i < n; i++) {
        const R x = (z[i] < 0 ? -z[i] : z[i]) * (R)M_SQRT1_2, t = (R)1 / ((R)1 + p * x);
        const R tail = (R)0.5 * ((((a5 * t + a4) * t + a3) * t + a2) * t + a1) * t * g[i];
        cdf[i] = z[i] < 0 ? tail : (R)1 - tail; /* 0.5 erfc(|z| / sqrt 2) = tail */
    }
#else
#pragma omp simd
    for (size_t i = 0; i < n; i++)
        cdf[i] = z[i] * (R)M_SQRT1_2;
    VERF(cdf, cdf, n);
#pragma omp simd
    for (size_t i = 0; i < n; i++)
        cdf[i] = (R)0.5 * ((R)1 + cdf[i]);
#endif
}

/* The MLP activation over n values, in chunks through the array maps: forward
 * (deriv 0) y = act(z), the exact (erf) GELU z Phi(z) or ReLU; backward (deriv 1)
 * y *= act'(z), GELU's Phi(z) + z phi(z) with Phi recomputed. */
static void NAME(swiglu_map)(const R *z, R *y, size_t n, int deriv);
static void NAME(act_map)(enum sp_mlp_act a, const R *z, R *y, size_t n, int deriv)
{
    const R inv_sqrt_2pi = (R)0.39894228040143267794;
    if (a == SP_ACT_SWIGLU) {
        NAME(swiglu_map)(z, y, n, deriv);
        return;
    }
#pragma omp parallel for schedule(static) if (NET_PAR(n))
    for (size_t i0 = 0; i0 < n; i0 += VIT_CHUNK) {
        const size_t m = n - i0 < VIT_CHUNK ? n - i0 : VIT_CHUNK;
        const R *zc = z + i0;
        R *yc = y + i0;
        if (a == SP_ACT_RELU) {
            for (size_t i = 0; i < m; i++)
                yc[i] = zc[i] > 0 ? (deriv ? yc[i] : zc[i]) : 0;
            continue;
        }
        R cdf[VIT_CHUNK], g[VIT_CHUNK];
        NAME(vphi)(zc, cdf, deriv ? g : NULL, m);
        if (deriv) {
#pragma omp simd
            for (size_t i = 0; i < m; i++)
                yc[i] *= cdf[i] + zc[i] * inv_sqrt_2pi * g[i];
        } else {
#pragma omp simd
            for (size_t i = 0; i < m; i++)
                yc[i] = zc[i] * cdf[i];
        }
    }
}

/* SwiGLU over n values, z = (z1 | z3) with z3 = z + n: forward (deriv 0) y = silu(z1) z3,
 * silu(u) = u sigma(u); backward (deriv 1) from gy in y[0, n): y[0, n) = gy z3 silu'(z1)
 * and y[n, 2n) = gy silu(z1), silu'(u) = sigma(u) (1 + u (1 - sigma(u))). */
static void NAME(swiglu_map)(const R *z, R *y, size_t n, int deriv)
{
#pragma omp parallel for schedule(static) if (NET_PAR(n))
    for (size_t i0 = 0; i0 < n; i0 += VIT_CHUNK) {
        const size_t m = n - i0 < VIT_CHUNK ? n - i0 : VIT_CHUNK;
        const R *z1 = z + i0, *z3 = z + n + i0;
        R e[VIT_CHUNK];
#pragma omp simd
        for (size_t i = 0; i < m; i++)
            e[i] = -z1[i];
        VEXP(e, e, m);
        if (!deriv) {
#pragma omp simd
            for (size_t i = 0; i < m; i++)
                y[i0 + i] = z1[i] / ((R)1 + e[i]) * z3[i];
        } else {
#pragma omp simd
            for (size_t i = 0; i < m; i++) {
                const R sg = (R)1 / ((R)1 + e[i]), gy = y[i0 + i];
                y[n + i0 + i] = gy * z1[i] * sg;
                y[i0 + i] = gy * z3[i] * sg * ((R)1 + z1[i] * ((R)1 - sg));
            }
        }
    }
}

/* The pointwise norms: u = alpha x + shift, t = phi(u), dphi = phi'(u). */
static R NAME(pointwise)(enum sp_fn kind, R u, R *dphi)
{
    if (kind == SP_FN_DYT) {
        R t = TANH(u);
        *dphi = (R)1 - t * t;
        return t;
    }
    const R two_over_sqrt_pi = (R)1.12837916709551257390;
    *dphi = two_over_sqrt_pi * EXP(-u * u);
    return ERF(u);
}

/* y (rows, d) = Norm(x): LN gamma (x - mean) rstd + beta (st: mean, rstd per row), RMSNorm
 * the same with mean 0, or
 * gamma phi(alpha x + shift) + beta. */
static void NAME(norm_fwd)(const struct sp_fnspec *f, double eps, const R *p,
                           const struct vit_norm_off *o, const R *x, R *y, R *st, size_t rows,
                           size_t d)
{
    const R *gamma = p + o->gamma, *beta = p + o->beta;
    const R alpha = o->alpha != VIT_NONE ? p[o->alpha] : 1;
    const R shift = o->shift != VIT_NONE ? p[o->shift] : 0;
#pragma omp parallel for schedule(static) if (NET_PAR((rows) * d))
    for (size_t r = 0; r < rows; r++) {
        const R *xr = x + r * d;
        R *yr = y + r * d;
        if (f->kind == SP_FN_LN || f->kind == SP_FN_RMS) { /* RMSNorm: the mean is 0 */
            double m = 0, v = 0;
            if (f->kind == SP_FN_LN) {
#pragma omp simd reduction(+ : m)
                for (size_t j = 0; j < d; j++)
                    m += (double)xr[j];
                m /= (double)d;
            }
#pragma omp simd reduction(+ : v)
            for (size_t j = 0; j < d; j++)
                v += ((double)xr[j] - m) * ((double)xr[j] - m);
            const R rstd = (R)(1.0 / sqrt(v / (double)d + eps)), mr = (R)m;
            st[2 * r] = mr;
            st[2 * r + 1] = rstd;
#pragma omp simd
            for (size_t j = 0; j < d; j++)
                yr[j] = gamma[j] * ((xr[j] - mr) * rstd) + beta[j];
        } else { /* phi over the row in place, through the array map */
#pragma omp simd
            for (size_t j = 0; j < d; j++)
                yr[j] = alpha * xr[j] + shift;
            if (f->kind == SP_FN_DYT)
                VTANH(yr, yr, d);
            else
                VERF(yr, yr, d);
#pragma omp simd
            for (size_t j = 0; j < d; j++)
                yr[j] = gamma[j] * yr[j] + beta[j];
        }
    }
}

/* Backward of norm_fwd: gx (rows, d) += J^T gy; parameter gradients added to grad. */
static void NAME(norm_bwd)(const struct sp_fnspec *f, const R *p, const struct vit_norm_off *o,
                           const R *x, const R *st, const R *gy, R *gx, R *grad, double *rowacc,
                           double *acc, size_t rows, size_t d)
{
    const R *gamma = p + o->gamma;
    const R alpha = o->alpha != VIT_NONE ? p[o->alpha] : 1;
    const R shift = o->shift != VIT_NONE ? p[o->shift] : 0;
    /* the normalised value (xhat or phi(u)) of element (r, j) */
#define NORMED(r, j, dphi)                                                                     \
    (f->kind == SP_FN_LN || f->kind == SP_FN_RMS                                               \
         ? (x[(r) * d + (j)] - st[2 * (r)]) * st[2 * (r) + 1]                                   \
                         : NAME(pointwise)(f->kind, alpha * x[(r) * d + (j)] + shift, &(dphi)))
#pragma omp parallel for schedule(static) if (NET_PAR((rows) * d))
    for (size_t r = 0; r < rows; r++) {
        const R *gr = gy + r * d;
        R *gxr = gx + r * d;
        R dphi = 0;
        if (f->kind == SP_FN_LN || f->kind == SP_FN_RMS) {
            /* dx = rstd (g - mean(g) - xhat mean(g xhat)), g = gamma gy; RMSNorm (mean 0
             * held in st) has no mean(g) term */
            const R *xr = x + r * d, mean = st[2 * r], rstd = st[2 * r + 1];
            double mg = 0, mgx = 0;
#pragma omp simd reduction(+ : mg, mgx)
            for (size_t j = 0; j < d; j++) {
                double g = (double)(gamma[j] * gr[j]);
                mg += g;
                mgx += g * (double)((xr[j] - mean) * rstd);
            }
            mg = f->kind == SP_FN_LN ? mg / (double)d : 0.0;
            mgx /= (double)d;
            const R mgr = (R)mg, mgxr = (R)mgx;
#pragma omp simd
            for (size_t j = 0; j < d; j++)
                gxr[j] += rstd * (gamma[j] * gr[j] - mgr - ((xr[j] - mean) * rstd) * mgxr);
            rowacc[2 * r] = rowacc[2 * r + 1] = 0;
        } else {
            /* du = gamma gy phi'(u); dx = alpha du; dalpha = sum du x, dshift = sum du */
            double sa = 0, ss = 0;
            for (size_t j = 0; j < d; j++) {
                (void)NORMED(r, j, dphi);
                R du = gamma[j] * gr[j] * dphi;
                gxr[j] += alpha * du;
                sa += (double)du * (double)x[r * d + j];
                ss += (double)du;
            }
            rowacc[2 * r] = sa;
            rowacc[2 * r + 1] = ss;
        }
    }
    /* the scalars: per-row partial sums added in row order */
    double sa = 0, ss = 0;
    for (size_t r = 0; r < rows; r++) {
        sa += rowacc[2 * r];
        ss += rowacc[2 * r + 1];
    }
    if (o->alpha != VIT_NONE)
        grad[o->alpha] += (R)sa;
    if (o->shift != VIT_NONE)
        grad[o->shift] += (R)ss;
    /* dgamma = sum_r gy normed, dbeta = sum_r gy: row by row in double (acc: 2d) */
    memset(acc, 0, 2 * d * sizeof *acc);
    for (size_t r = 0; r < rows; r++) {
        if (f->kind == SP_FN_LN || f->kind == SP_FN_RMS) {
            const R *xr = x + r * d, *gr = gy + r * d, mean = st[2 * r], rstd = st[2 * r + 1];
#pragma omp simd
            for (size_t j = 0; j < d; j++) {
                acc[j] += (double)gr[j] * (double)((xr[j] - mean) * rstd);
                acc[d + j] += (double)gr[j];
            }
            continue;
        }
        R dphi = 0;
        for (size_t j = 0; j < d; j++) {
            acc[j] += (double)gy[r * d + j] * (double)NORMED(r, j, dphi);
            acc[d + j] += (double)gy[r * d + j];
        }
    }
    for (size_t j = 0; j < d; j++) {
        grad[o->gamma + j] += (R)acc[j];
        grad[o->beta + j] += (R)acc[d + j];
    }
#undef NORMED
}

/* s (n) = exp(s - mx) / their sum (through the array map; the sum in double, returned):
 * a softmax shifted by mx, its row maximum. */
static double NAME(exp_normalize)(R *s, size_t n, R mx)
{
#pragma omp simd
    for (size_t j = 0; j < n; j++)
        s[j] -= mx;
    VEXP(s, s, n);
    double z = 0;
#pragma omp simd reduction(+ : z)
    for (size_t j = 0; j < n; j++)
        z += (double)s[j];
    const R inv = (R)(1.0 / z);
#pragma omp simd
    for (size_t j = 0; j < n; j++)
        s[j] *= inv;
    return z;
}

/* Row i of the attention probabilities from its scores (s: jn of them, the rest up to
 * end masked): s = softmax(s * scale), zeros in [jn, end); the sum in double. The
 * forward and the backward pass (which recomputes them) both take this path. */
static void NAME(softmax_row)(R *s, size_t jn, size_t end, R scale)
{
    R mx = -INFINITY;
#pragma omp simd reduction(max : mx)
    for (size_t j = 0; j < jn; j++) {
        s[j] *= scale;
        mx = s[j] > mx ? s[j] : mx;
    }
    NAME(exp_normalize)(s, jn, mx);
    if (jn < end)
        memset(s + jn, 0, (end - jn) * sizeof *s);
}

/* The attention's row tiles: bidirectional (image) one tile of all T rows and keys;
 * causal (text) tiles of VIT_ATT_TILE query rows, tile [i0, i0 + m) reading keys
 * [0, i0 + m) only, so no product runs over the blocks above the diagonal. Inside a
 * tile, row i keeps keys j <= i (A_ij = 0 for the rest of the tile's keys); entries
 * beyond the tile's keys are never written nor read. */
#define VIT_ATT_TILE 32
static size_t NAME(att_tile)(const struct vit_layout *L)
{
    return L->text ? VIT_ATT_TILE : (size_t)L->T;
}
static size_t NAME(att_keys)(const struct vit_layout *L, size_t i0, size_t m)
{
    return L->text ? i0 + m : (size_t)L->T;
}

/* The probabilities A (T, T) of one (image, head): A = softmax(q k^T / sqrt(dh)) by
 * rows, q and k (T, dh) with row stride ld. Text: causal, query i attends to keys
 * j <= i, by row tiles (att_tile). One product per tile for the scores. */
static void NAME(attn_probs)(const struct vit_layout *L, const R *q, const R *k, size_t ld,
                             R *A)
{
    const size_t dh = (size_t)L->dh, T = (size_t)L->T, tile = NAME(att_tile)(L);
    const R scale = (R)(1.0 / sqrt((double)dh));
    for (size_t i0 = 0; i0 < T; i0 += tile) {
        const size_t m = T - i0 < tile ? T - i0 : tile, jn = NAME(att_keys)(L, i0, m);
        GEMM(0, 1, m, jn, dh, q + i0 * ld, ld, k, ld, 0, A + i0 * T, T);
        for (size_t i = i0; i < i0 + m; i++)
            NAME(softmax_row)(A + i * T, L->text ? i + 1 : T, jn, scale);
    }
}

/* RoPE on the Q and K columns of qkv (rows, qkvw): the H query heads and kv key heads
 * are H + kv consecutive chunks of dh; row r sits at position r mod T. sign -1 applies
 * the inverse (transposed) rotation, for the gradient. Pairs (i1, i2): interleaved
 * (2k, 2k+1), half (k, k + dh/2); the table w->rope as the measurement engine's
 * (net/model.c): cos of pair k at [t dh + k], sin at [t dh + dh/2 + k]. */
static void NAME(rope_apply)(const struct vit_layout *L, const R *table, R *qkv, size_t rows,
                             R sign)
{
    const size_t T = (size_t)L->T, dh = (size_t)L->dh, half = dh / 2, ld = (size_t)L->qkvw;
    const size_t chunks = (size_t)L->c.heads + (size_t)L->kv;
    const int inter = L->c.rope == SP_ROPE_INTERLEAVED;
#pragma omp parallel for schedule(static) if (NET_PAR(rows * chunks * dh))
    for (size_t r = 0; r < rows; r++) {
        const R *cs = table + (r % T) * dh;
        R *row = qkv + r * ld;
        for (size_t c = 0; c < chunks; c++) {
            R *v = row + c * dh;
            for (size_t k = 0; k < half; k++) {
                const size_t i1 = inter ? 2 * k : k, i2 = inter ? 2 * k + 1 : k + half;
                const R co = cs[k], si = sign * cs[half + k], x1 = v[i1], x2 = v[i2];
                v[i1] = x1 * co - x2 * si;
                v[i2] = x1 * si + x2 * co;
            }
        }
    }
}

/* Softmax attention of every (image, head): ao = A v, each (image, head) a product of
 * its own, single-threaded, the heads shared out; query head h reads K/V head
 * h / (H / kv). att: scratch (B, H, T, T). */
static void NAME(attn_fwd)(const struct vit_layout *L, int B, const R *qkv, R *att, R *ao)
{
    const size_t d = (size_t)L->d, dh = (size_t)L->dh, T = (size_t)L->T;
    const size_t H = (size_t)L->c.heads, ld = (size_t)L->qkvw, kvd = (size_t)L->kv * dh;
    const size_t grp = H / (size_t)L->kv, tile = NAME(att_tile)(L);
#pragma omp parallel for schedule(static) if (NET_PAR(((size_t)B * H) * T * T * dh))
    for (size_t bh = 0; bh < (size_t)B * H; bh++) {
        const size_t b = bh / H, h = bh % H;
        const R *q = qkv + b * T * ld + h * dh, *k = qkv + b * T * ld + d + (h / grp) * dh;
        const R *v = k + kvd;
        R *A = att + bh * T * T, *o = ao + b * T * d + h * dh;
        NAME(attn_probs)(L, q, k, ld, A);
        for (size_t i0 = 0; i0 < T; i0 += tile) {
            const size_t m = T - i0 < tile ? T - i0 : tile, jn = NAME(att_keys)(L, i0, m);
            GEMM(0, 0, m, dh, jn, A + i0 * T, T, v, ld, 0, o + i0 * d, d);
        }
    }
}

/* Backward of attn_fwd: gao (rows, d) -> gqkv (rows, qkvw), overwritten. The
 * probabilities are recomputed (att); gatt holds their gradient, both scratch. One
 * task per (image, K/V head): its query heads in order, the K/V gradients summed over
 * them (the same bits on any thread count). */
static void NAME(attn_bwd)(const struct vit_layout *L, int B, const R *qkv, const R *gao,
                           R *gqkv, R *att, R *gatt)
{
    const size_t d = (size_t)L->d, dh = (size_t)L->dh, T = (size_t)L->T;
    const size_t H = (size_t)L->c.heads, ld = (size_t)L->qkvw, KV = (size_t)L->kv;
    const size_t kvd = KV * dh, grp = H / KV, tile = NAME(att_tile)(L);
    const R scale = (R)(1.0 / sqrt((double)dh));
#pragma omp parallel for schedule(static) if (NET_PAR(((size_t)B * H) * T * T * dh))
    for (size_t bg = 0; bg < (size_t)B * KV; bg++) {
        const size_t b = bg / KV, g = bg % KV;
        const R *k = qkv + b * T * ld + d + g * dh, *v = k + kvd;
        R *gk = gqkv + b * T * ld + d + g * dh, *gv = gk + kvd;
        for (size_t h = g * grp; h < (g + 1) * grp; h++) {
            const R *q = qkv + b * T * ld + h * dh, *go = gao + b * T * d + h * dh;
            R *gq = gqkv + b * T * ld + h * dh;
            R *A = att + (b * H + h) * T * T, *gS = gatt + (b * H + h) * T * T;
            const R beta = h > g * grp; /* the group's first head writes, the others add */
            NAME(attn_probs)(L, q, k, ld, A);
            /* gA = go v^T; gS_ij = A_ij (gA_ij - sum_j' A_ij' gA_ij') / sqrt(dh) */
            for (size_t i0 = 0; i0 < T; i0 += tile) {
                const size_t m = T - i0 < tile ? T - i0 : tile, jn = NAME(att_keys)(L, i0, m);
                GEMM(0, 1, m, jn, dh, go + i0 * d, d, v, ld, 0, gS + i0 * T, T);
                for (size_t i = i0; i < i0 + m; i++) {
                    const size_t ji = L->text ? i + 1 : T; /* causal: A_ij = 0 beyond */
                    R *gi = gS + i * T;
                    const R *Ai = A + i * T;
                    double dot = 0;
#pragma omp simd reduction(+ : dot)
                    for (size_t j = 0; j < ji; j++)
                        dot += (double)gi[j] * (double)Ai[j];
                    const R dr = (R)dot;
#pragma omp simd
                    for (size_t j = 0; j < ji; j++)
                        gi[j] = Ai[j] * (gi[j] - dr) * scale;
                    if (ji < jn)
                        memset(gi + ji, 0, (jn - ji) * sizeof *gi);
                }
                /* gq = gS k over the tile's keys */
                GEMM(0, 0, m, dh, jn, gS + i0 * T, T, k, ld, 0, gq + i0 * ld, ld);
            }
            /* gv = A^T go, gk = gS^T q: key tile [j0, j0 + m) gathers the query rows
             * i >= j0 (causal; all rows bidirectional) */
            for (size_t j0 = 0; j0 < T; j0 += tile) {
                const size_t m = T - j0 < tile ? T - j0 : tile, i0 = L->text ? j0 : 0;
                GEMM(1, 0, m, dh, T - i0, A + i0 * T + j0, T, go + i0 * d, d, beta,
                     gv + j0 * ld, ld);
                GEMM(1, 0, m, dh, T - i0, gS + i0 * T + j0, T, q + i0 * ld, ld, beta,
                     gk + j0 * ld, ld);
            }
        }
    }
}

/* ---- forward ---- */

/* The blocks and the final norm on the stream w->blk[0].x0 (rows, d) */
static void NAME(blocks_fwd)(const struct vit_layout *L, const R *p, struct WNAME(vit_ws) *w)
{
    const struct sp_vit_config *c = &L->c;
    const size_t d = (size_t)L->d, hid = (size_t)L->hid, rows = w->rows;
    const int B = w->B;
    for (int l = 0; l < c->depth; l++) {
        const struct vit_block_off *o = &L->blk[l];
        struct WNAME(vit_blk_acts) *a = &w->blk[l];
        R *out = l + 1 < c->depth ? w->blk[l + 1].x0 : w->xf;
        NAME(norm_fwd)(&c->norm_attn, c->norm_eps, p, &o->n1, a->x0, a->n1, a->st1, rows, d);
        NAME(linear_fwd)(a->n1, p + o->wqkv, p + o->bqkv, a->qkv, rows, d, (size_t)L->qkvw);
        if (c->rope != SP_ROPE_NONE)
            NAME(rope_apply)(L, w->rope, a->qkv, rows, 1);
        NAME(attn_fwd)(L, B, a->qkv, w->att, a->ao);
        NAME(linear_fwd)(a->ao, p + o->wo, p + o->bo, a->x1, rows, d, d);
#pragma omp parallel for schedule(static) if (NET_PAR(rows * d))
        for (size_t i = 0; i < rows * d; i++)
            a->x1[i] += a->x0[i];
        NAME(norm_fwd)(&c->norm_mlp, c->norm_eps, p, &o->n2, a->x1, a->n2, a->st2, rows, d);
        NAME(linear_fwd)(a->n2, p + o->w1, p + o->b1, a->z, rows, d, hid);
        if (o->w3 != VIT_NONE) /* SwiGLU: z3 = n2 W3 after z */
            GEMM(0, 0, rows, hid, d, a->n2, d, p + o->w3, hid, 0, a->z + rows * hid, hid);
        NAME(act_map)(c->act, a->z, w->gz, rows * hid, 0); /* the activation in scratch */
        NAME(linear_fwd)(w->gz, p + o->w2, p + o->b2, out, rows, hid, d);
#pragma omp parallel for schedule(static) if (NET_PAR(rows * d))
        for (size_t i = 0; i < rows * d; i++)
            out[i] += a->x1[i];
    }
    NAME(norm_fwd)(&c->norm_final, c->norm_eps, p, &L->nf, w->xf, w->nf, w->stf, rows, d);
}

/* Cross-entropy of the softmax of n rows of logits z (n, C) against labels, the sums
 * and the log in double; z becomes the softmax (its exp through the array map, once
 * an element). Adds the summed loss to *total and the argmax hits to *ok. */
static void NAME(softmax_xent)(R *logits, const uint8_t *labels, size_t n, size_t C,
                               double *total, int *ok)
{
    for (size_t b = 0; b < n; b++) {
        R *z = logits + b * C;
        size_t best = 0;
        R mx = -INFINITY;
        for (size_t k = 0; k < C; k++)
            if (z[k] > mx) {
                mx = z[k];
                best = k;
            }
        const R zl = z[labels[b]] - mx;
        *total += log(NAME(exp_normalize)(z, C, mx)) - (double)zl;
        *ok += best == labels[b];
    }
}

void NAME(vit_forward)(const struct vit_layout *L, const R *p, struct WNAME(vit_ws) *w,
                       const R *images, const uint8_t *labels, int B, double *loss, int *correct)
{
    const struct sp_vit_config *c = &L->c;
    const size_t d = (size_t)L->d, T = (size_t)L->T, P = (size_t)L->P;
    const size_t pd = (size_t)L->pd, img = (size_t)c->image, ps = (size_t)c->patch;
    const size_t C = (size_t)c->classes, rows = (size_t)B * T, side = img / ps;
    w->B = B;
    w->rows = rows;
    w->labels = labels;
    /* patches (B P, pd): patch (pr, pc) row-major, its pixels row-major */
#pragma omp parallel for schedule(static) if (NET_PAR(((size_t)B * P) * d))
    for (size_t bp = 0; bp < (size_t)B * P; bp++) {
        const size_t b = bp / P, pi = bp % P, pr = pi / side, pc = pi % side;
        for (size_t y = 0; y < ps; y++)
            for (size_t x = 0; x < ps; x++)
                w->patches[bp * pd + y * ps + x] =
                    images[b * img * img + (pr * ps + y) * img + pc * ps + x];
    }
    /* tokens: [CLS] + patch embeddings, plus positions */
    R *x = w->blk[0].x0;
    R *tok = w->gtok; /* (B P, d) scratch */
    NAME(linear_fwd)(w->patches, p + L->wpe, p + L->bpe, tok, (size_t)B * P, pd, d);
#pragma omp parallel for schedule(static) if (NET_PAR((rows) * d))
    for (size_t r = 0; r < rows; r++) {
        const size_t b = r / T, t = r % T;
        const R *src = t < (size_t)L->off ? p + L->cls : tok + (b * P + t - (size_t)L->off) * d;
        for (size_t j = 0; j < d; j++)
            x[r * d + j] = src[j] + p[L->pos + t * d + j];
    }
    NAME(blocks_fwd)(L, p, w);
    /* pooling: the CLS token's row, or the mean over tokens */
    for (size_t b = 0; b < (size_t)B; b++)
        for (size_t j = 0; j < d; j++) {
            double s = 0;
            if (c->pool == SP_POOL_CLS)
                s = (double)w->nf[b * T * d + j];
            else {
                for (size_t t = 0; t < T; t++)
                    s += (double)w->nf[(b * T + t) * d + j];
                s /= (double)T;
            }
            w->pooled[b * d + j] = (R)s;
        }
    NAME(linear_fwd)(w->pooled, p + L->wh, p + L->bh, w->probs, (size_t)B, d, C);
    double total = 0;
    int ok = 0;
    NAME(softmax_xent)(w->probs, labels, (size_t)B, C, &total, &ok);
    *loss = total / (double)B;
    if (correct)
        *correct = ok;
}

void NAME(vit_forward_text)(const struct vit_layout *L, const R *p, struct WNAME(vit_ws) *w,
                            const uint8_t *seq, int B, double *loss, int *correct)
{
    const size_t d = (size_t)L->d, T = (size_t)L->T, C = (size_t)L->c.classes;
    const size_t rows = (size_t)B * T;
    w->B = B;
    w->rows = rows;
    uint8_t *in = w->tok, *tgt = w->tok + rows;
    for (size_t r = 0; r < rows; r++) {
        const size_t b = r / T, t = r % T;
        in[r] = seq[b * (T + 1) + t];
        tgt[r] = seq[b * (T + 1) + t + 1];
    }
    w->labels = tgt;
    /* tokens: the byte's embedding plus its position's */
    R *x = w->blk[0].x0;
#pragma omp parallel for schedule(static) if (NET_PAR((rows) * d))
    for (size_t r = 0; r < rows; r++) {
        const R *e = p + L->wte + (size_t)in[r] * d, *pos = p + L->pos + (r % T) * d;
        for (size_t j = 0; j < d; j++)
            x[r * d + j] = e[j] + pos[j];
    }
    NAME(blocks_fwd)(L, p, w);
    NAME(linear_fwd)(w->nf, p + L->wh, p + L->bh, w->probs, rows, d, C);
    double total = 0;
    int ok = 0;
    NAME(softmax_xent)(w->probs, tgt, rows, C, &total, &ok);
    *loss = total / (double)rows;
    if (correct)
        *correct = ok;
}

/* ---- backward ---- */

void NAME(vit_backward)(const struct vit_layout *L, const R *p, struct WNAME(vit_ws) *w, R *grad,
                        R *dimages)
{
    const struct sp_vit_config *c = &L->c;
    const int B = w->B;
    const size_t d = (size_t)L->d, hid = (size_t)L->hid, T = (size_t)L->T, P = (size_t)L->P;
    const size_t pd = (size_t)L->pd, C = (size_t)c->classes, rows = w->rows;
    if (L->text) {
        /* d loss / d logits = (softmax - onehot) / (B T), the head on every row into gn */
        for (size_t r = 0; r < rows; r++)
            for (size_t k = 0; k < C; k++)
                w->glog[r * C + k] =
                    (w->probs[r * C + k] - (R)(k == w->labels[r] ? 1 : 0)) / (R)rows;
        NAME(linear_bwd)(w->nf, p + L->wh, w->glog, w->gn, grad + L->wh, grad + L->bh, rows,
                         d, C, w);
    } else {
        /* d loss / d logits = (softmax - onehot) / B */
        for (size_t b = 0; b < (size_t)B; b++)
            for (size_t k = 0; k < C; k++)
                w->glog[b * C + k] =
                    (w->probs[b * C + k] - (R)(k == w->labels[b] ? 1 : 0)) / (R)B;
        NAME(linear_bwd)(w->pooled, p + L->wh, w->glog, w->gpool, grad + L->wh, grad + L->bh,
                         (size_t)B, d, C, w);
        /* un-pool into gn (rows, d) */
#pragma omp parallel for schedule(static) if (NET_PAR((rows) * d))
        for (size_t r = 0; r < rows; r++) {
            const size_t b = r / T, t = r % T;
            for (size_t j = 0; j < d; j++)
                w->gn[r * d + j] = c->pool == SP_POOL_CLS ? (t == 0 ? w->gpool[b * d + j] : 0)
                                                          : w->gpool[b * d + j] / (R)T;
        }
    }
    R *g = w->g; /* gradient of the loss with respect to the residual stream */
    memset(g, 0, rows * d * sizeof(R));
    NAME(norm_bwd)(&c->norm_final, p, &L->nf, w->xf, w->stf, w->gn, g, grad, w->rowacc, w->colacc, rows, d);
    for (int l = c->depth - 1; l >= 0; l--) {
        const struct vit_block_off *o = &L->blk[l];
        struct WNAME(vit_blk_acts) *a = &w->blk[l];
        /* MLP: g is d loss / d x2 */
        /* the activation recomputed into gz, which its product's input gradient then
         * overwrites */
        NAME(act_map)(c->act, a->z, w->gz, rows * hid, 0);
        NAME(linear_bwd)(w->gz, p + o->w2, g, w->gz, grad + o->w2, grad + o->b2, rows, hid, d,
                         w);
        NAME(act_map)(c->act, a->z, w->gz, rows * hid, 1);
        NAME(linear_bwd)(a->n2, p + o->w1, w->gz, w->gn, grad + o->w1, grad + o->b1, rows, d,
                         hid, w);
        if (o->w3 != VIT_NONE) { /* SwiGLU: W3's gradient and its part of gn (gao as scratch) */
            const R *gz3 = w->gz + rows * hid;
            GEMM(1, 0, d, hid, rows, a->n2, d, gz3, hid, 1, grad + o->w3, hid);
            GEMM(0, 1, rows, d, hid, gz3, hid, p + o->w3, hid, 0, w->gao, d);
#pragma omp parallel for schedule(static) if (NET_PAR(rows * d))
            for (size_t i = 0; i < rows * d; i++)
                w->gn[i] += w->gao[i];
        }
        NAME(norm_bwd)(&c->norm_mlp, p, &o->n2, a->x1, a->st2, w->gn, g, grad, w->rowacc,
                       w->colacc, rows, d);
        /* attention: g is now d loss / d x1 */
        NAME(linear_bwd)(a->ao, p + o->wo, g, w->gao, grad + o->wo, grad + o->bo, rows, d, d, w);
        NAME(attn_bwd)(L, B, a->qkv, w->gao, w->gqkv, w->att, w->gatt);
        if (c->rope != SP_ROPE_NONE) /* back through the rotation: its transpose */
            NAME(rope_apply)(L, w->rope, w->gqkv, rows, -1);
        NAME(linear_bwd)(a->n1, p + o->wqkv, w->gqkv, w->gn, grad + o->wqkv, grad + o->bqkv,
                         rows, d, (size_t)L->qkvw, w);
        NAME(norm_bwd)(&c->norm_attn, p, &o->n1, a->x0, a->st1, w->gn, g, grad, w->rowacc,
                       w->colacc, rows, d);
    }
    /* embedding: positions, CLS, then the patch projection */
#pragma omp parallel for schedule(static) if (NET_PAR(T * d * (size_t)B))
    for (size_t i = 0; i < T * d; i++) {
        double s = 0, sc = 0;
        for (size_t b = 0; b < (size_t)B; b++)
            s += (double)g[b * T * d + i];
        grad[L->pos + i] += (R)s;
        if (i < d && L->cls != VIT_NONE) {
            for (size_t b = 0; b < (size_t)B; b++)
                sc += (double)g[b * T * d + i];
            grad[L->cls + i] += (R)sc;
        }
    }
    if (L->text) {
        /* the token table: rows added in order (a scatter; one thread, the same sums) */
        const uint8_t *in = w->tok;
        for (size_t r = 0; r < rows; r++) {
            R *ge = grad + L->wte + (size_t)in[r] * d;
            for (size_t j = 0; j < d; j++)
                ge[j] += g[r * d + j];
        }
        return;
    }
#pragma omp parallel for schedule(static) if (NET_PAR(((size_t)B * P) * d))
    for (size_t bp = 0; bp < (size_t)B * P; bp++) {
        const size_t b = bp / P, t = bp % P + (size_t)L->off;
        memcpy(w->gtok + bp * d, g + (b * T + t) * d, d * sizeof(R));
    }
    NAME(linear_bwd)(w->patches, p + L->wpe, w->gtok, dimages ? w->gpatch : NULL, grad + L->wpe,
                     grad + L->bpe, (size_t)B * P, pd, d, w);
    if (dimages) {
        const size_t img = (size_t)c->image, ps = (size_t)c->patch, side = img / ps;
#pragma omp parallel for schedule(static) if (NET_PAR(((size_t)B * P) * d))
        for (size_t bp = 0; bp < (size_t)B * P; bp++) {
            const size_t b = bp / P, pi = bp % P, pr = pi / side, pc = pi % side;
            for (size_t y = 0; y < ps; y++)
                for (size_t x = 0; x < ps; x++)
                    dimages[b * img * img + (pr * ps + y) * img + pc * ps + x] =
                        w->gpatch[bp * pd + y * ps + x];
        }
    }
}

#undef NAME
#undef WNAME
#undef CAT
#undef CAT2
#ifdef VIT_WSUF_DEFAULT
#undef WSUF
#undef VIT_WSUF_DEFAULT
#endif
#ifdef VIT_V_DEFAULT
#undef VEXP
#undef VERF
#undef VTANH
#undef VIT_V_DEFAULT
#endif
#undef VIT_CHUNK
#undef VIT_KSPLIT
#undef VIT_ATT_TILE
