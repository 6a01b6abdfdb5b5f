/* sigprop/config.h: architectures from Hugging Face config.json files
 * (LlamaConfig, GPT2Config, ViTConfig) as struct sp_arch, with a record of which
 * keys were read, which took the library's default, which change the physics but
 * are not modelled, and which are unknown. docs/config.md lists every key. */
#ifndef SIGPROP_CONFIG_H
#define SIGPROP_CONFIG_H

#include <stddef.h>
#include "sigprop/core.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SP_CONFIG_MAX_KEYS 48  /* keys kept per list (the counts go on) */
#define SP_CONFIG_KEY_LEN 64   /* a key (longer ones are cut) */
#define SP_CONFIG_NOTE_LEN 200 /* a not-modelled note */
#define SP_CONFIG_MAX_NOTES 16

/* The sequence length a config's max_position_embeddings / n_positions gives is
 * capped here (LLaMA-2's 4096 makes a measurement at d = 4096 very large); --tokens
 * sets any other. ViT's token count (image/patch)^2 + 1 is not capped. */
#define SP_CONFIG_TOKENS_CAP 1024

/* What sp_config_parse read. Lists beyond SP_CONFIG_MAX_* entries are cut; the
 * n* counts are the true numbers. */
struct sp_config_info {
    char model_type[32];                                    /* "llama", "gpt2", "vit" */
    size_t nused;       /* keys present in the file and mapped onto the architecture */
    char used[SP_CONFIG_MAX_KEYS][SP_CONFIG_KEY_LEN];
    size_t ndefaulted;  /* optional keys absent from the file: "rope_theta=10000" */
    char defaulted[SP_CONFIG_MAX_KEYS][SP_CONFIG_KEY_LEN];
    size_t nnot_modelled; /* present, change the physics, not modelled: "key = value: why" */
    char not_modelled[SP_CONFIG_MAX_NOTES][SP_CONFIG_NOTE_LEN];
    size_t nunknown;    /* keys sigprop does not know (ignored) */
    char unknown[SP_CONFIG_MAX_KEYS][SP_CONFIG_KEY_LEN];
};

/* Parses a config.json held in json[0..len) onto *a (which the caller filled,
 * normally with sp_arch_default): sets model, depth, tokens, width, heads,
 * kv_heads (0, i.e. = heads, without grouped-query attention), mlp_hidden
 * (mlp_ratio its nearest integer), mlp_act, mask, rope,
 * rope_theta, both norms, norm_eps, final_norm = 1, init_std = initializer_range
 * with every sigma NAN (derived by sp_arch_resolve as init_std sqrt(fan_in)),
 * residual_scale (GPT-2: 1/sqrt(2 n_layer), else 1), embed_scale = 1. Leaves q0,
 * p0 and the toy fields alone, except that an optional object "sigprop" sets what
 * no HF config says: "norm", "norm_attn", "norm_mlp" (ln, rms, dyt, derf, none),
 * "alpha", "alpha_attn", "alpha_mlp", "shift" (DyT/Derf only), "q0", "p0"; any
 * other member of it is an error. info (may be NULL) receives the record above.
 * Errors, each naming the key: SP_EFORMAT for malformed JSON, a missing required
 * key or a value of the wrong JSON type; SP_EINVAL for a value out of range or
 * inconsistent (num_key_value_heads not dividing num_attention_heads);
 * SP_EUNSUPPORTED for an unknown model_type or a value sigprop cannot model
 * (hidden_act gelu in a LlamaConfig). On failure *a is unchanged. */
enum sp_status sp_config_parse(const char *json, size_t len, struct sp_arch *a,
                               struct sp_config_info *info);
/* The same from a file (at most 16 MiB); SP_EIO names the path when it cannot be read. */
enum sp_status sp_config_read(const char *path, struct sp_arch *a, struct sp_config_info *info);
/* What the file at path set and what it holds that is not modelled, as lines for
 * the user (separated by '\n', none at the end): "config PATH: model_type T, N
 * key(s) used, N default(s)", one "config: NOTE" per not-modelled key, "config: N
 * unknown key(s), ignored: a, b". Into buf (n bytes, cut short if it does not
 * fit); returns the whole length (as snprintf). */
size_t sp_config_info_note(const char *path, const struct sp_config_info *in, char *buf,
                           size_t n);

#ifdef __cplusplus
}
#endif
#endif
