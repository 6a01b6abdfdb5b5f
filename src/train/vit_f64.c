/* The double ViT: vit_body.h with R = double and naive matrix products. It is the
 * reference of the float model and what the finite-difference tests run. */
#include <stddef.h>

#include "net/net_internal.h" /* before R is defined: it names a parameter R */

static void gemm_f64(int ta, int tb, size_t M, size_t N, size_t K, const double *A, size_t lda,
                     const double *B, size_t ldb, double beta, double *C, size_t ldc)
{
    for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++) {
            double s = 0;
            for (size_t k = 0; k < K; k++)
                s += (ta ? A[k * lda + i] : A[i * lda + k]) * (tb ? B[j * ldb + k] : B[k * ldb + j]);
            C[i * ldc + j] = (beta != 0 ? beta * C[i * ldc + j] : 0) + s;
        }
}

#define R double
#define S f64
#define GEMM gemm_f64
#define TANH tanh
#define ERF erf
#define EXP exp
#include "train/vit_body.h"
