/* sigprop/vit_export.h: a ViT of the trainer (sigprop/train.h) as the measurement
 * engine's network (sigprop/net.h). A train checkpoint (read by the trainer's own
 * reader, sp_trainer_new with a resume path) or the trainer's initialisation at a
 * seed becomes an sp_arch, stored weights (matrices, biases, norm gains and shifts,
 * the learned DyT/Derf alpha and shift of every norm) and the patch-embedding stage
 * that turns images into the token rows the first block sees (patches times W_pe
 * plus b_pe, the CLS token, plus positions), so that `measure` runs on real inputs. */
#ifndef SIGPROP_VIT_EXPORT_H
#define SIGPROP_VIT_EXPORT_H

#include <stddef.h>
#include <stdint.h>

#include "sigprop/core.h"
#include "sigprop/net.h"
#include "sigprop/train.h"

#ifdef __cplusplus
extern "C" {
#endif

struct sp_vit_net;

/* The parameters of a train checkpoint (its config, seed and step with them). The
 * reason of a failure is the trainer reader's (SP_EIO, SP_EFORMAT: not a checkpoint,
 * checksum mismatch, truncated); *out is NULL then. */
enum sp_status sp_vit_net_load(const char *path, struct sp_vit_net **out);
/* The trainer's initial parameters of config c at seed (what `sigprop train --seed`
 * starts from): the initialisation of a checkpoint is sp_vit_net_init(config, seed). */
enum sp_status sp_vit_net_init(const struct sp_vit_config *c, uint64_t seed,
                               struct sp_vit_net **out);
/* From parameters in the trainer's layout (sp_vit_nparams(c) floats, copied), e.g.
 * sp_trainer_params of a live trainer; seed and step are recorded as given. */
enum sp_status sp_vit_net_from_params(const struct sp_vit_config *c, const float *params,
                                      uint64_t seed, long step, struct sp_vit_net **out);
void sp_vit_net_free(struct sp_vit_net *v); /* NULL is a no-op */

const struct sp_vit_config *sp_vit_net_config(const struct sp_vit_net *v);
uint64_t sp_vit_net_seed(const struct sp_vit_net *v); /* the run's seed (its init) */
long sp_vit_net_step(const struct sp_vit_net *v);     /* optimiser steps done; 0: init */
/* Token rows per image: the patches, plus one with cls (the CLS token). */
int sp_vit_net_tokens(const struct sp_vit_net *v, int cls);

/* The architecture of the network, onto *a (overwritten from sp_arch_default and
 * resolved): transformer, depth, width, heads, mlp_ratio, MLP act, norms (alpha: the
 * initial one; the learned ones are in the weights), final norm on, norm eps, init_std
 * (so the sigmas are the trainer's init, 0.02 sqrt(fan_in)), no mask, no RoPE,
 * tokens = sp_vit_net_tokens(cls). SP_EINVAL: cls with a mean-pooling model (it has no
 * CLS token); SP_EUNSUPPORTED: a final norm of another kind than the MLP norm (the
 * finite network's final norm is norm_mlp's kind). */
enum sp_status sp_vit_net_arch(const struct sp_vit_net *v, int cls, struct sp_arch *a);
/* The stored weights (pointers into v, valid until sp_vit_net_free): every block's
 * matrices, biases, gains, shifts and learned scalars, the final norm's; tokens NULL
 * (set them, e.g. from sp_vit_net_embed, in a copy). The classification head is not
 * used: measure's loss is its own (sigprop/net.h). */
void sp_vit_net_weights(const struct sp_vit_net *v, struct sp_net_weights *w);

/* The token rows of count images (count, image^2 floats in [0, 1], row-major) through
 * the network's own embedding, out: (count, sp_vit_net_tokens(cls), d). cls = 0 drops
 * the CLS row (the patch rows keep their positions). Computed by the trainer's forward
 * pass (its block-0 input), so it is the trainer's embedding bit for bit. SP_EINVAL as
 * sp_vit_net_arch; SP_ENOMEM. */
enum sp_status sp_vit_net_embed(const struct sp_vit_net *v, const float *images, size_t count,
                                int cls, float *out);

/* k distinct indices of [0, pool) (k <= pool), a seeded choice (Philox keyed by seed; a
 * partial Fisher-Yates shuffle): the images of the draws of `measure --inputs`. */
enum sp_status sp_vit_pick_images(uint64_t seed, size_t pool, size_t k, size_t *idx);

#ifdef __cplusplus
}
#endif
#endif
