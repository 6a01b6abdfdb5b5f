/* vit_f32_body.h: the float ViT the trainer runs, vit_body.h with R = float and the
 * tiled single-threaded sgemm of the finite network (net_gemm: tiles by shape, so
 * the bits do not depend on the thread count; naive loops in builds without BLAS).
 * Included by vit_f32.c (portable C, S = f32_scalar, with the workspace functions
 * and the dispatcher) and by vit_f32_avx2.c, vit_f32_avx512.c (VIT_PASSES_ONLY),
 * which first define the vector vocabulary: VT (a vector of VW floats), VLOAD,
 * VSTORE, VLOADN / VSTOREN (the first n < VW lanes, the others zero / untouched)
 * and the SLEEF maps VSLEEF_EXP, VSLEEF_ERF, VSLEEF_TANH. Every element of an
 * array map goes through the same vector function, the tail too, so where a
 * chunk boundary falls changes no bit. The GELU's Phi is a 1.5e-7 approximation
 * (VIT_FAST_PHI, see vit_body.h), the same formula on every ISA. */
#include "net/net_internal.h"

#ifdef VT
#define VIT_MAP(name, fn)                                                                  \
    static void name(const float *x, float *y, size_t n)                                  \
    {                                                                                      \
        size_t i = 0;                                                                      \
        for (; i + VW <= n; i += VW)                                                       \
            VSTORE(y + i, fn(VLOAD(x + i)));                                               \
        if (i < n)                                                                         \
            VSTOREN(y + i, fn(VLOADN(x + i, n - i)), n - i);                               \
    }
VIT_MAP(vit_vexp, VSLEEF_EXP)
VIT_MAP(vit_verf, VSLEEF_ERF)
VIT_MAP(vit_vtanh, VSLEEF_TANH)
#undef VIT_MAP
#define VEXP vit_vexp
#define VERF vit_verf
#define VTANH vit_vtanh
#define VIT_PASSES_ONLY
#endif

#define R float
#define WSUF f32
#define VIT_FAST_PHI
#define GEMM(ta, tb, M, N, K, A, lda, B, ldb, beta, C, ldc)                              \
    net_gemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc)
#define TANH tanhf
#define ERF erff
#define EXP expf
#include "train/vit_body.h"
