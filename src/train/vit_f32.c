/* The float ViT the trainer runs (vit_f32_body.h): the portable passes and the
 * workspace here, the AVX2 and AVX-512 passes in vit_f32_avx2.c / vit_f32_avx512.c,
 * chosen at every call through the one CPU policy (sp_cpu_isa(), SP_SIMD caps it).
 * The ISAs share the workspace type; each gives the same bits on any thread count,
 * and they differ from one another in the last bits of exp and erf. */
#include "sigprop/cpu.h"
#include "sp_config.h"

#define S f32_scalar
#include "train/vit_f32_body.h"

#if SP_HAVE_X86_SIMD
#define VIT_DISPATCH(fn, ...)                                                              \
    do {                                                                                   \
        enum sp_isa isa = sp_cpu_isa();                                                    \
        if (isa == SP_ISA_AVX512)                                                          \
            fn##_f32_avx512(__VA_ARGS__);                                                  \
        else if (isa == SP_ISA_AVX2)                                                       \
            fn##_f32_avx2(__VA_ARGS__);                                                    \
        else                                                                               \
            fn##_f32_scalar(__VA_ARGS__);                                                  \
    } while (0)
#else
#define VIT_DISPATCH(fn, ...) fn##_f32_scalar(__VA_ARGS__)
#endif

void vit_forward_f32(const struct vit_layout *L, const float *p, struct vit_ws_f32 *w,
                     const float *images, const uint8_t *labels, int B, double *loss,
                     int *correct)
{
    VIT_DISPATCH(vit_forward, L, p, w, images, labels, B, loss, correct);
}

void vit_forward_text_f32(const struct vit_layout *L, const float *p, struct vit_ws_f32 *w,
                          const uint8_t *seq, int B, double *loss, int *correct)
{
    VIT_DISPATCH(vit_forward_text, L, p, w, seq, B, loss, correct);
}

void vit_backward_f32(const struct vit_layout *L, const float *p, struct vit_ws_f32 *w,
                      float *grad, float *dimages)
{
    VIT_DISPATCH(vit_backward, L, p, w, grad, dimages);
}
