/* Kernels of the finite network: matrix products (OpenBLAS sgemm, and the naive
 * reference they are tested against), the per-component functions, and the norms
 * with their Jacobian-vector and vector-Jacobian products (SPEC 1.2). Float data,
 * double accumulation of every reduction; reductions are per row so results do
 * not depend on the thread count. */
#include <math.h>

#include "net/net_internal.h"
#include "sp_config.h"

#if SP_HAVE_BLAS
#include <cblas.h>
#endif

int net_naive_gemm = 0;
size_t net_par_min = NET_PAR_MIN;

void net_gemm_naive(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                    size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
#pragma omp parallel for schedule(static) if (NET_PAR(M * N * K))
    for (long il = 0; il < (long)M; il++) {
        size_t i = (size_t)il;
        for (size_t j = 0; j < N; j++) {
            double s = 0.0;
            for (size_t k = 0; k < K; k++) {
                float a = ta ? A[k * lda + i] : A[i * lda + k];
                float b = tb ? B[j * ldb + k] : B[k * ldb + j];
                s += (double)a * (double)b;
            }
            float c = (float)((double)alpha * s);
            C[i * ldc + j] = beta == 0.0f ? c : c + beta * C[i * ldc + j];
        }
    }
}

static void sgemm1(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A,
                   size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
#if SP_HAVE_BLAS
    cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
                (blasint)M, (blasint)N, (blasint)K, alpha, A, (blasint)lda, B, (blasint)ldb, beta,
                C, (blasint)ldc);
#else /* a build without OpenBLAS refuses measurement up front; the reference stands in */
    net_gemm_naive(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
#endif
}

/* OpenBLAS's threaded sgemm rounds differently with different thread counts (its
 * partition decides which elements go through the edge kernels). So OpenBLAS runs
 * on one thread and the product is cut into tiles whose boundaries depend only on
 * the shape, one single-threaded sgemm per tile, the tiles shared out by OpenMP:
 * the same numbers with any number of threads. */
#define NET_TILE_N 256
#define NET_TILE_M 128
#define NET_TILES_M 16

/* OpenBLAS has one process-wide thread count: it is set to 1 for the duration of
 * a measurement and given back afterwards (net_gemm_done), so the library leaves
 * the caller's setting as it found it. */
int net_gemm_init(void)
{
#if SP_HAVE_BLAS
    int prev = openblas_get_num_threads();
    openblas_set_num_threads(1);
    return prev;
#else
    return 0;
#endif
}

void net_gemm_done(int prev)
{
#if SP_HAVE_BLAS
    if (prev > 0)
        openblas_set_num_threads(prev);
#else
    (void)prev;
#endif
}

void net_gemm(int ta, int tb, size_t M, size_t N, size_t K, float alpha, const float *A,
              size_t lda, const float *B, size_t ldb, float beta, float *C, size_t ldc)
{
    if (M == 0 || N == 0)
        return;
    if (net_naive_gemm || K == 0) {
        net_gemm_naive(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
        return;
    }
    if (N >= 2 * NET_TILE_N) {
        long tiles = (long)((N + NET_TILE_N - 1) / NET_TILE_N);
#pragma omp parallel for schedule(static) if (NET_PAR(M * N * K / 64))
        for (long t = 0; t < tiles; t++) {
            size_t j0 = (size_t)t * NET_TILE_N, nj = N - j0 < NET_TILE_N ? N - j0 : NET_TILE_N;
            sgemm1(ta, tb, M, nj, K, alpha, A, lda, tb ? B + j0 * ldb : B + j0, ldb, beta,
                   C + j0, ldc);
        }
    } else if (M >= 2 * NET_TILE_M) {
        /* at most NET_TILES_M row tiles (multiples of 16 rows): each tile packs B
         * again, which at the trainer's 8192 rows and 128-row tiles cost as much as
         * packing A */
        size_t tm = NET_TILE_M;
        if ((M + tm - 1) / tm > NET_TILES_M)
            tm = ((M + NET_TILES_M - 1) / NET_TILES_M + 15) / 16 * 16;
        long tiles = (long)((M + tm - 1) / tm);
#pragma omp parallel for schedule(static) if (NET_PAR(M * N * K / 64))
        for (long t = 0; t < tiles; t++) {
            size_t i0 = (size_t)t * tm, ni = M - i0 < tm ? M - i0 : tm;
            sgemm1(ta, tb, ni, N, K, alpha, ta ? A + i0 : A + i0 * lda, lda, B, ldb, beta,
                   C + i0 * ldc, ldc);
        }
    } else {
        sgemm1(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
    }
}

float net_fn(const struct sp_fnspec *f, float x)
{
    switch (f->kind) {
    case SP_FN_DERF: return erff((float)f->alpha * x + (float)f->shift);
    case SP_FN_DYT: return tanhf((float)f->alpha * x + (float)f->shift);
    case SP_FN_RELU: return x > 0.0f ? x : 0.0f;
    default: return x;
    }
}

float net_fn_deriv(const struct sp_fnspec *f, float x)
{
    const float two_over_sqrt_pi = 1.12837916709551257390f;
    float a = (float)f->alpha, u = a * x + (float)f->shift;
    switch (f->kind) {
    case SP_FN_DERF: return a * two_over_sqrt_pi * expf(-u * u);
    case SP_FN_DYT: { float t = tanhf(u); return a * (1.0f - t * t); }
    case SP_FN_RELU: return x > 0.0f ? 1.0f : 0.0f;
    default: return 1.0f;
    }
}

float net_act(enum sp_mlp_act a, float z)
{
    if (a == SP_ACT_GELU)
        return 0.5f * z * (1.0f + erff(z * 0.70710678118654752f));
    if (a == SP_ACT_SWIGLU) /* silu(z) = z sigmoid(z), the gate of SwiGLU */
        return z / (1.0f + expf(-z));
    return z > 0.0f ? z : 0.0f;
}

float net_act_deriv(enum sp_mlp_act a, float z)
{
    if (a == SP_ACT_GELU)
        return 0.5f * (1.0f + erff(z * 0.70710678118654752f)) +
               z * 0.39894228040143268f * expf(-0.5f * z * z);
    if (a == SP_ACT_SWIGLU) {
        float sg = 1.0f / (1.0f + expf(-z));
        return sg * (1.0f + z * (1.0f - sg));
    }
    return z > 0.0f ? 1.0f : 0.0f;
}

/* LayerNorm Jacobian at a row with output y and rstd (symmetric, SPEC 1.2):
 * J v = rstd (v - mean(v) - y mean(y v)); RMSNorm's (center = 0) lacks the mean(v)
 * term. Used for both tangents and cotangents. */
static void ln_apply(const float *y, float rstd, const float *v, float *out, size_t d,
                     int accumulate, int center)
{
    double sv = 0.0, syv = 0.0;
    for (size_t j = 0; j < d; j++) {
        sv += (double)v[j];
        syv += (double)y[j] * (double)v[j];
    }
    float mv = center ? (float)(sv / (double)d) : 0.0f, myv = (float)(syv / (double)d);
    for (size_t j = 0; j < d; j++) {
        float r = rstd * (v[j] - mv - y[j] * myv);
        out[j] = accumulate ? out[j] + r : r;
    }
}

void net_norm_fwd(const struct sp_fnspec *f, const float *x, float *y, float *rstd, size_t n,
                  size_t d, size_t B)
{
    net_norm_fwd_eps(f, NET_LN_EPS, x, y, rstd, n, d, B);
}

void net_norm_fwd_eps(const struct sp_fnspec *f, float eps, const float *x, float *y, float *rstd,
                      size_t n, size_t d, size_t B)
{
    long rows = (long)(B * n);
    if (f->kind == SP_FN_LN || f->kind == SP_FN_RMS) {
        const int center = f->kind == SP_FN_LN;
#pragma omp parallel for schedule(static) if (NET_PAR(n * d))
        for (long i = 0; i < (long)n; i++) {
            const float *xi = x + (size_t)i * d;
            float *yi = y + (size_t)i * d;
            double s = 0.0, ss = 0.0;
            for (size_t j = 0; j < d; j++)
                s += (double)xi[j];
            double mean = center ? s / (double)d : 0.0;
            for (size_t j = 0; j < d; j++) {
                double c = (double)xi[j] - mean;
                ss += c * c;
            }
            double r = 1.0 / sqrt(ss / (double)d + (double)eps);
            rstd[i] = (float)r;
            for (size_t j = 0; j < d; j++)
                yi[j] = (float)(((double)xi[j] - mean) * r);
        }
#pragma omp parallel for schedule(static) if (NET_PAR(((size_t)rows - n) * d))
        for (long i = (long)n; i < rows; i++) {
            size_t t = (size_t)i % n;
            ln_apply(y + t * d, rstd[t], x + (size_t)i * d, y + (size_t)i * d, d, 0, center);
        }
        return;
    }
#pragma omp parallel for schedule(static) if (NET_PAR(rows * d))
    for (long i = 0; i < rows; i++) {
        size_t t = (size_t)i % n;
        const float *x0 = x + t * d, *xi = x + (size_t)i * d;
        float *yi = y + (size_t)i * d;
        if (i < (long)n)
            for (size_t j = 0; j < d; j++)
                yi[j] = net_fn(f, xi[j]);
        else
            for (size_t j = 0; j < d; j++)
                yi[j] = net_fn_deriv(f, x0[j]) * xi[j];
    }
}

void net_norm_vjp(const struct sp_fnspec *f, const float *x, const float *y, const float *rstd,
                  const float *g, float *out, size_t n, size_t d, size_t Bg, int accumulate)
{
    long rows = (long)(Bg * n);
#pragma omp parallel for schedule(static) if (NET_PAR(rows * d))
    for (long i = 0; i < rows; i++) {
        size_t t = (size_t)i % n;
        const float *gi = g + (size_t)i * d;
        float *oi = out + (size_t)i * d;
        if (f->kind == SP_FN_LN || f->kind == SP_FN_RMS) {
            ln_apply(y + t * d, rstd[t], gi, oi, d, accumulate, f->kind == SP_FN_LN);
        } else {
            const float *x0 = x + t * d;
            for (size_t j = 0; j < d; j++) {
                float r = net_fn_deriv(f, x0[j]) * gi[j];
                oi[j] = accumulate ? oi[j] + r : r;
            }
        }
    }
}
