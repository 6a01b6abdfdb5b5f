/* The float ViT the trainer runs: vit_body.h with R = float and the tiled
 * single-threaded sgemm of the finite network (net_gemm: tiles by shape, so the
 * bits do not depend on the thread count; naive loops in builds without BLAS). */
#include "net/net_internal.h"

#define R float
#define S f32
#define GEMM(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc)                              \
    net_gemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc)
#define TANH tanhf
#define ERF erff
#define EXP expf
#include "train/vit_body.h"
