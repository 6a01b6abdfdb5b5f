/* train_internal.h: the parameter layout of the ViT (one flat array, offsets per
 * tensor) and its forward/backward passes, compiled twice from vit_body.h: float
 * (training, sgemm) and double (naive loops; the finite-difference tests). */
#ifndef SP_TRAIN_INTERNAL_H
#define SP_TRAIN_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "sigprop/train.h"

#define VIT_NONE ((size_t)-1)

/* Offsets of a norm's parameters: alpha and shift are learnable scalars (DyT: alpha;
 * Derf: alpha and shift), VIT_NONE for LayerNorm; gamma, beta: (d). */
struct vit_norm_off {
    size_t alpha, shift, gamma, beta;
};
struct vit_block_off {
    size_t begin, end; /* [begin, end): the block's parameters */
    struct vit_norm_off n1, n2;
    size_t wqkv, bqkv; /* (d, qkvw), (qkvw): columns [q (d) | k (kvd) | v (kvd)], heads
                        * contiguous in each; kvd = kv dh, qkvw = d + 2 kvd (3d with MHA) */
    size_t wo, bo;     /* (d, d), (d) */
    size_t w1, b1;     /* (d, hid), (hid) */
    size_t w3;         /* SwiGLU's (d, hid), no bias (LLaMA's and the measurement's W3);
                        * VIT_NONE for the other activations */
    size_t w2, b2;     /* (hid, d), (d) */
};
struct vit_layout {
    struct sp_vit_config c;
    int d, hid, dh, T, P, pd, off; /* width, MLP hidden, head width, tokens, patches,
                                    * patch pixels, index of the first patch token */
    int kv, qkvw;      /* K/V heads (heads without GQA); the qkv row width d + 2 kv dh */
    int text;          /* the causal language model (SP_TASK_TEXT): no patches (P = pd = 0) */
    size_t wpe, bpe;   /* patch embedding (pd, d), (d); VIT_NONE for text */
    size_t wte;        /* text: token embedding (classes, d); VIT_NONE for images */
    size_t cls;        /* (d), VIT_NONE with mean pooling */
    size_t pos;        /* (T, d) */
    struct vit_block_off *blk; /* (depth) */
    struct vit_norm_off nf;
    size_t wh, bh;     /* head (d, classes), (classes) */
    size_t embed_end, head_begin, n;
};
enum sp_status vit_layout_new(const struct sp_vit_config *c, struct vit_layout *L);
void vit_layout_free(struct vit_layout *L);
/* Initial parameters: matrices, CLS and positions N(0, init_std^2) from Philox keyed
 * by seed, biases and beta 0, gamma 1, alpha and shift from the config. p: (L->n). */
void vit_init_params(const struct vit_layout *L, uint64_t seed, float *p);
/* decay: (L->n), 1 on the weight matrices (AdamW's decoupled decay), 0 elsewhere. */
void vit_decay_mask(const struct vit_layout *L, uint8_t *decay);

/* Per precision S (f32: R = float, f64: R = double). The text model's forward_text
 * takes B sequences of T + 1 bytes (seq, (B, T + 1)): position t reads byte t and
 * predicts byte t + 1; loss is the mean over the B T positions, correct counts
 * positions; vit_backward (dimages NULL) serves both tasks. A workspace holds the
 * activations of one batch of up to `batch` images for the backward pass.
 * forward: images (B, image^2), labels (B); returns the mean cross-entropy and the
 * number of correct argmax predictions. backward (after forward): adds the
 * gradient of the mean loss to grad (L->n) and, if dimages is not NULL, writes
 * the gradient with respect to the images (B, image^2). The workspace's size:
 * per block 5 d + qkvw + hid + 4 values a token (the stream, norms, qkv, attention
 * output, MLP pre-activation), plus scratch for one block. */
#define VIT_DECLARE_PASSES(R, S, W)                                                     \
    void vit_forward_##S(const struct vit_layout *L, const R *p, struct vit_ws_##W *w,  \
                         const R *images, const uint8_t *labels, int B, double *loss,   \
                         int *correct);                                                 \
    void vit_backward_##S(const struct vit_layout *L, const R *p, struct vit_ws_##W *w, \
                          R *grad, R *dimages);                                         \
    void vit_forward_text_##S(const struct vit_layout *L, const R *p,                   \
                              struct vit_ws_##W *w, const uint8_t *seq, int B,          \
                              double *loss, int *correct);
#define VIT_DECLARE(R, S)                                                               \
    struct vit_ws_##S;                                                                  \
    enum sp_status vit_ws_new_##S(const struct vit_layout *L, int batch,                \
                                  struct vit_ws_##S **out);                             \
    void vit_ws_free_##S(struct vit_ws_##S *w);                                         \
    VIT_DECLARE_PASSES(R, S, S)
VIT_DECLARE(float, f32)
VIT_DECLARE(double, f64)
/* The float passes per ISA (vit_f32*.c); vit_*_f32 chooses among them through
 * sp_cpu_isa(). The AVX ones exist in x86-64 builds only. */
VIT_DECLARE_PASSES(float, f32_scalar, f32)
VIT_DECLARE_PASSES(float, f32_avx2, f32)
VIT_DECLARE_PASSES(float, f32_avx512, f32)
/* The residual stream entering block l after the forward pass (l = depth: the last
 * block's output before the final norm), (B T, d). */
const float *vit_stream_f32(const struct vit_layout *L, const struct vit_ws_f32 *w, int l);
const double *vit_stream_f64(const struct vit_layout *L, const struct vit_ws_f64 *w, int l);

#endif
