/* sigprop/core.h: status codes, the architecture description shared by the
 * theory and the finite-width networks, and the named presets.
 * SPEC sections 1 and 2 define every field. */
#ifndef SIGPROP_CORE_H
#define SIGPROP_CORE_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Every library function returns one of these; the library never exits or prints. */
enum sp_status {
    SP_OK = 0,
    SP_EINVAL,     /* an argument is out of range or inconsistent */
    SP_ENOMEM,     /* allocation failed */
    SP_ENUMERIC,   /* a numerical failure: non-finite value, quadrature or root failure */
    SP_EIO,        /* reading or writing a file failed */
    SP_EFORMAT,    /* a file is not in the expected format */
    SP_EUNSUPPORTED /* valid request that this build or this model cannot do */
};
const char *sp_status_str(enum sp_status s);

/* The reason for the most recent failure in the calling thread: one line naming
 * the field, value or file ("width 100 is not a multiple of heads 3"). Every
 * library function that returns a status other than SP_OK through sp_fail()
 * sets it; it stays valid until the thread's next failing call. Empty ("") when
 * no reason was recorded. Callers print it after sp_status_str(). */
const char *sp_last_error(void);
/* Clears the calling thread's reason (the next sp_last_error() returns ""). */
void sp_last_error_clear(void);
/* For library code: records the reason (printf format) and returns s, so a
 * failure reads `return sp_fail(SP_EINVAL, "heads %d does not divide width %d", h, d);`. */
enum sp_status sp_fail(enum sp_status s, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Library version and what this build has compiled in (e.g. "openblas openmp sleef mpi"). */
const char *sp_version(void);
const char *sp_git_hash(void);
const char *sp_build_features(void);
/* sizeof(struct NAME) in this build ("sp_arch", "sp_theory_opts", "sp_theory_row",
 * "sp_asymptotics", "sp_net_opts", "sp_net_row", "sp_fit_result", "sp_compare_row",
 * "sp_compare_gmfe", "sp_sweep_task", "sp_sweep_plan", "sp_sweep_rows", "sp_alpha_point",
 * "sp_alpha_law", "sp_alpha_verification", "sp_record", "sp_key", "sp_keyset",
 * "sp_measurespec", "sp_measure_plan", "sp_net_weights", "sp_measure_net"); 0 for other
 * names. Bindings that declare the structs themselves (python/) check against it. */
size_t sp_abi_sizeof(const char *name);

/* A per-component function of the residual stream: the norm of a transformer
 * sublayer, or phi(N(.)) of the toy network. */
enum sp_fn {
    SP_FN_LN,        /* LayerNorm (theory: RMSNorm), gamma = 1, beta = 0 */
    SP_FN_DERF,      /* erf(alpha x + shift) */
    SP_FN_DYT,       /* tanh(alpha x) (shift allowed: tanh(alpha x + shift)) */
    SP_FN_IDENTITY,  /* x */
    SP_FN_RELU,      /* max(x, 0) (toy phi only) */
    SP_FN_RMS        /* RMSNorm x / sqrt(mean x^2 + eps), gamma = 1 (theory: = LN at mean field) */
};
const char *sp_fn_name(enum sp_fn f);           /* "ln", "derf", "dyt", "none", "relu", "rms" */
int sp_fn_parse(const char *s, enum sp_fn *out); /* 0 on success; accepts the names above */

struct sp_fnspec {
    enum sp_fn kind;
    double alpha;   /* DERF, DYT: the scale (> 0); ignored otherwise */
    double shift;   /* DERF, DYT: additive shift s inside the function; default 0 */
};

enum sp_model { SP_MODEL_TRANSFORMER, SP_MODEL_TOY };
/* The MLP: W2 act(W1 x), or for SwiGLU W2 (silu(W1 x) * (W3 x)). */
enum sp_mlp_act { SP_ACT_RELU, SP_ACT_GELU, SP_ACT_SWIGLU };
const char *sp_act_name(enum sp_mlp_act a);            /* "relu", "gelu", "swiglu" */
int sp_act_parse(const char *s, enum sp_mlp_act *out); /* 0 on success */
/* Attention mask: every token sees every token, or token a sees tokens 0..a. */
enum sp_mask { SP_MASK_NONE, SP_MASK_CAUSAL };
/* Rotary position embeddings on Q and K, per head, position a rotating pair k by
 * a theta^(-2k/d_h): INTERLEAVED pairs components (2k, 2k+1) (Meta, llama2.c);
 * HALF pairs (k, k + d_h/2) (Hugging Face rotate_half). */
enum sp_rope { SP_ROPE_NONE, SP_ROPE_INTERLEAVED, SP_ROPE_HALF };

/* The architecture at initialisation: everything the theory and the finite
 * network both need. Fill it with sp_arch_default() or sp_preset_apply(), change
 * fields, then call sp_arch_resolve() before use. */
struct sp_arch {
    enum sp_model model;
    int depth;              /* L: blocks (transformer) or layers (toy) */
    double q0, p0;          /* input token statistics, SPEC 2 (toy: K_0 = q0) */

    /* transformer, SPEC 1.2 */
    int tokens;             /* n */
    int width;              /* d */
    int heads;              /* H; 0 means d / 64 (at least 1) */
    int mlp_ratio;          /* hidden width / d, 4 */
    enum sp_mlp_act mlp_act;
    int final_norm;         /* apply norm_mlp after the last block (measurement only) */
    struct sp_fnspec norm_attn, norm_mlp;
    double init_std;        /* > 0: sigma_X = init_std sqrt(fan_in) unless set explicitly */
    double sigma_q, sigma_k, sigma_v, sigma_o, sigma_1, sigma_2; /* NAN = derive from init_std */

    /* LLM-style options (defaults: the ViT block above, unchanged) */
    int mlp_hidden;         /* MLP hidden width; 0 = mlp_ratio * width (sp_arch_mlp_hidden) */
    double sigma_3;         /* SwiGLU's W3 (NAN = init_std sqrt(width)); unused otherwise */
    int kv_heads;           /* grouped-query attention: K/V heads dividing heads; 0 = heads
                             * (sp_arch_kv_heads) */
    enum sp_mask mask;      /* SP_MASK_NONE */
    enum sp_rope rope;      /* SP_ROPE_NONE */
    double rope_theta;      /* RoPE base, 10000 */
    double norm_eps;        /* LN / RMSNorm epsilon, 1e-5 */
    double embed_scale;     /* scalar multiplying the input tokens (DyT-LLaMA: sqrt(d)), 1 */
    double residual_scale;  /* multiplies the derived sigma_o and sigma_2 (GPT-2: 1/sqrt(2L)), 1 */

    /* toy residual network, SPEC 1.1 */
    int toy_ln;             /* 1: pre-LN, phi(LN(h)); 0: phi(h) */
    struct sp_fnspec phi;   /* DERF (erf), DYT (tanh), IDENTITY or RELU */
    double mu, sigma_w, sigma_b;
};

/* Defaults: the transformer of the blog part-2 shape with timm init std 0.02,
 * pre-LN, q0 = 1, p0 = 0.4, L = 128, n = 197, d = 1024. */
void sp_arch_default(struct sp_arch *a);

/* Derive unset sigmas from init_std and fan-in (fan-in of W2: mlp_hidden; the
 * derived sigma_o, sigma_2 times residual_scale), fill heads, validate every field.
 * On SP_EINVAL writes a one-line reason (naming the field) into err. */
enum sp_status sp_arch_resolve(struct sp_arch *a, char *err, size_t errlen);

/* The MLP hidden width: mlp_hidden, or mlp_ratio * width while it is 0; the K/V
 * head count: kv_heads, or heads while it is 0. Use these, not the fields. */
int sp_arch_mlp_hidden(const struct sp_arch *a);
int sp_arch_kv_heads(const struct sp_arch *a);

/* Shorthands of SPEC 1.2 (valid after sp_arch_resolve). */
double sp_arch_s_ov(const struct sp_arch *a);  /* (sigma_O sigma_V)^2 */
double sp_arch_s_21(const struct sp_arch *a);  /* (sigma_2 sigma_1)^2 */
double sp_arch_s_qk(const struct sp_arch *a);  /* (sigma_Q sigma_K)^2 */

/* Named presets ("blog1-toy", "blog2", "vit-b", "vit-l", "llama2-7b", "llama2-13b",
 * "llama2-70b", "gpt2", "vit-b16", "vit-l16"; the last six equal configs/NAME.json
 * read by sp_config_parse). A preset sets the
 * architecture and, through *version_a, whether the preset is defined with
 * theory version A (blog2, blog1-toy) rather than the default version C. An
 * unknown name returns SP_EINVAL with the reason in sp_last_error(). */
enum sp_status sp_preset_apply(const char *name, struct sp_arch *a, int *version_a);
/* NULL-terminated list of preset names and one-line descriptions. */
extern const char *const sp_preset_names[];
extern const char *const sp_preset_descriptions[];

#ifdef __cplusplus
}
#endif
#endif
