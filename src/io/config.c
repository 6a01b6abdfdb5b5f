/* Hugging Face config.json -> struct sp_arch (sigprop/config.h): LlamaConfig,
 * GPT2Config and ViTConfig. HF init: initializer_range is the std of every linear
 * layer (sigma = std sqrt(fan_in)); GPT-2 scales its c_proj layers by 1/sqrt(2L);
 * LLaMA and ViT scale nothing. Only top-level keys are read; nested objects
 * (id2label, task_specific_params) are ignored. docs/config.md lists every key. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "archkeys.h"
#include "sigprop/config.h"

/* The parse in progress: the JSON root, the record, and the keys looked at
 * (used, defaulted, checked or known to be irrelevant) so the rest is "unknown". */
struct cfg {
    const cJSON *root;
    struct sp_config_info *info;
    const char *type; /* "LlamaConfig", ... for messages */
    const char *seen[64];
    size_t nseen;
};

static void list_add(char (*list)[SP_CONFIG_KEY_LEN], size_t *n, size_t max, const char *s)
{
    if (*n < max)
        snprintf(list[*n], SP_CONFIG_KEY_LEN, "%s", s);
    (*n)++;
}

static void seen(struct cfg *c, const char *key)
{
    if (c->nseen < sizeof c->seen / sizeof c->seen[0])
        c->seen[c->nseen++] = key;
}

static const char *json_type(const cJSON *j)
{
    if (cJSON_IsNull(j)) return "null";
    if (cJSON_IsBool(j)) return "a boolean";
    if (cJSON_IsNumber(j)) return "a number";
    if (cJSON_IsString(j)) return "a string";
    if (cJSON_IsArray(j)) return "an array";
    return "an object";
}

/* The value of key, marked as seen; NULL when absent (a JSON null counts as
 * absent: HF writes None for "use the default"). */
static const cJSON *get(struct cfg *c, const char *key)
{
    seen(c, key);
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(c->root, key);
    return j && !cJSON_IsNull(j) ? j : NULL;
}

static void defaulted(struct cfg *c, const char *key, double v)
{
    char buf[SP_CONFIG_KEY_LEN];
    snprintf(buf, sizeof buf, "%s=%g", key, v);
    list_add(c->info->defaulted, &c->info->ndefaulted, SP_CONFIG_MAX_KEYS, buf);
}

static void used(struct cfg *c, const char *key)
{
    list_add(c->info->used, &c->info->nused, SP_CONFIG_MAX_KEYS, key);
}

/* A number in [lo, hi]; required (def ignored) or optional with default def. */
static enum sp_status num(struct cfg *c, const char *key, int required, double lo, double hi,
                          double def, double *out)
{
    const cJSON *j = get(c, key);
    if (!j) {
        if (required)
            return sp_fail(SP_EFORMAT, "config: missing key '%s' (%s needs it)", key, c->type);
        defaulted(c, key, def);
        *out = def;
        return SP_OK;
    }
    if (!cJSON_IsNumber(j))
        return sp_fail(SP_EFORMAT, "config: key '%s' must be a number (got %s)", key, json_type(j));
    double v = j->valuedouble;
    if (!(isfinite(v) && v >= lo && v <= hi))
        return sp_fail(SP_EINVAL, "config: key '%s' = %g is out of range [%g, %g]", key, v, lo, hi);
    used(c, key);
    *out = v;
    return SP_OK;
}

/* An integer in [lo, hi] (a JSON number with no fraction). */
static enum sp_status integer(struct cfg *c, const char *key, int required, long lo, long hi,
                              long def, int *out)
{
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(c->root, key);
    if (j && cJSON_IsNumber(j) && j->valuedouble != floor(j->valuedouble))
        return sp_fail(SP_EFORMAT, "config: key '%s' must be an integer (got %g)", key,
                       j->valuedouble);
    double v;
    enum sp_status s = num(c, key, required, (double)lo, (double)hi, (double)def, &v);
    if (s == SP_OK)
        *out = (int)v;
    return s;
}

/* A string; optional with default def. */
static enum sp_status str(struct cfg *c, const char *key, const char *def, const char **out)
{
    const cJSON *j = get(c, key);
    if (!j) {
        char buf[SP_CONFIG_KEY_LEN];
        snprintf(buf, sizeof buf, "%s=%s", key, def);
        list_add(c->info->defaulted, &c->info->ndefaulted, SP_CONFIG_MAX_KEYS, buf);
        *out = def;
        return SP_OK;
    }
    if (!cJSON_IsString(j))
        return sp_fail(SP_EFORMAT, "config: key '%s' must be a string (got %s)", key, json_type(j));
    used(c, key);
    *out = j->valuestring;
    return SP_OK;
}

/* "key = val: why" in the not-modelled list. */
static void note(struct cfg *c, const char *key, const char *val, const char *why)
{
    struct sp_config_info *in = c->info;
    if (in->nnot_modelled < SP_CONFIG_MAX_NOTES)
        snprintf(in->not_modelled[in->nnot_modelled], SP_CONFIG_NOTE_LEN, "%s = %s: %s", key,
                 val, why);
    in->nnot_modelled++;
}

/* A boolean key whose value `modelled` is what sigprop models; the other value,
 * when the file states it, is reported with why. */
static enum sp_status flag(struct cfg *c, const char *key, int modelled, const char *why)
{
    const cJSON *j = get(c, key);
    if (!j)
        return SP_OK;
    if (!cJSON_IsBool(j))
        return sp_fail(SP_EFORMAT, "config: key '%s' must be a boolean (got %s)", key,
                       json_type(j));
    if (cJSON_IsTrue(j) != modelled)
        note(c, key, modelled ? "false" : "true", why);
    return SP_OK;
}

/* A key that changes the physics whenever it is present and not null. */
static void present(struct cfg *c, const char *key, const char *why)
{
    const cJSON *j = get(c, key);
    if (j) {
        char *v = cJSON_PrintUnformatted(j);
        char val[64];
        snprintf(val, sizeof val, "%s", v ? v : "?");
        cJSON_free(v);
        note(c, key, val, why);
    }
}

/* Keys every config may carry that do not change the network at initialisation
 * (metadata, token ids, dropout, which is off in a measurement at init). */
static const char *const irrelevant[] = {
    "model_type", "architectures", "_name_or_path", "torch_dtype", "transformers_version",
    "use_cache", "bos_token_id", "eos_token_id", "pad_token_id", "vocab_size", "id2label",
    "label2id", "pretraining_tp", "attention_dropout", "attn_pdrop", "embd_pdrop",
    "resid_pdrop", "hidden_dropout_prob", "attention_probs_dropout_prob", "n_ctx",
    "summary_activation", "summary_first_dropout", "summary_proj_to_labels", "summary_type",
    "summary_use_proj", "task_specific_params", "reorder_and_upcast_attn", "num_channels",
    "encoder_stride", "problem_type", "finetuning_task", NULL};

static void find_unknown(struct cfg *c)
{
    for (const cJSON *j = c->root->child; j; j = j->next) {
        int known = 0;
        for (size_t i = 0; i < c->nseen && !known; i++)
            known = !strcmp(j->string, c->seen[i]);
        for (size_t i = 0; irrelevant[i] && !known; i++)
            known = !strcmp(j->string, irrelevant[i]);
        if (!known)
            list_add(c->info->unknown, &c->info->nunknown, SP_CONFIG_MAX_KEYS, j->string);
    }
}

static const char bias_why[] = "not modelled (sigprop has no biases; HF initialises them to "
                               "zero, so the network at initialisation is the same)";
static const char tie_why[] = "not modelled (sigprop has no embedding table or classifier)";

/* Fields every config sets; heads must divide width. */
static enum sp_status common(struct cfg *c, struct sp_arch *a, const char *kd, const char *kl,
                             const char *kh)
{
    enum sp_status s;
    if ((s = integer(c, kd, 1, 1, 1000000, 0, &a->width)) ||
        (s = integer(c, kl, 1, 1, 1000000, 0, &a->depth)) ||
        (s = integer(c, kh, 1, 1, 65536, 0, &a->heads)))
        return s;
    if (a->width % a->heads)
        return sp_fail(SP_EINVAL, "config: %s %d does not divide %s %d", kh, a->heads, kd,
                       a->width);
    if ((s = num(c, "initializer_range", 0, 1e-8, 10, 0.02, &a->init_std)))
        return s;
    return SP_OK;
}

static enum sp_status mlp_hidden(struct cfg *c, struct sp_arch *a, const char *key, int required)
{
    enum sp_status s = integer(c, key, required, 1, 64000000, 4L * a->width, &a->mlp_hidden);
    if (s)
        return s;
    long r = lround((double)a->mlp_hidden / a->width);
    a->mlp_ratio = (int)(r < 1 ? 1 : r > 64 ? 64 : r);
    return SP_OK;
}

/* The GELU family of HF activations (ACT2FN names); relu; else unsupported. */
static enum sp_status gelu_act(struct cfg *c, const char *key, const char *def, struct sp_arch *a)
{
    const char *v;
    enum sp_status s = str(c, key, def, &v);
    if (s)
        return s;
    if (!strcmp(v, "relu")) {
        a->mlp_act = SP_ACT_RELU;
    } else if (!strcmp(v, "gelu")) {
        a->mlp_act = SP_ACT_GELU;
    } else if (!strcmp(v, "gelu_new") || !strcmp(v, "gelu_fast") ||
               !strcmp(v, "gelu_pytorch_tanh")) {
        a->mlp_act = SP_ACT_GELU;
        note(c, key, v, "the tanh approximation of GELU, modelled as exact GELU (they "
             "differ by < 1e-3)");
    } else {
        return sp_fail(SP_EUNSUPPORTED, "config: key '%s' = '%s' is not modelled (gelu, gelu_new, "
                       "gelu_fast, gelu_pytorch_tanh or relu)", key, v);
    }
    return SP_OK;
}

static int cap_tokens(int n) { return n < SP_CONFIG_TOKENS_CAP ? n : SP_CONFIG_TOKENS_CAP; }

static enum sp_status parse_llama(struct cfg *c, struct sp_arch *a)
{
    enum sp_status s;
    const char *act;
    int mpe;
    if ((s = common(c, a, "hidden_size", "num_hidden_layers", "num_attention_heads")) ||
        (s = mlp_hidden(c, a, "intermediate_size", 1)) ||
        (s = integer(c, "num_key_value_heads", 0, 1, 65536, a->heads, &a->kv_heads)) ||
        (s = num(c, "rms_norm_eps", 0, 0, 1, 1e-6, &a->norm_eps)) ||
        (s = num(c, "rope_theta", 0, 1.0 + 1e-9, 1e12, 10000, &a->rope_theta)) ||
        (s = integer(c, "max_position_embeddings", 0, 1, 1000000, 2048, &mpe)) ||
        (s = str(c, "hidden_act", "silu", &act)))
        return s;
    if (a->heads % a->kv_heads)
        return sp_fail(SP_EINVAL, "config: num_key_value_heads %d does not divide "
                       "num_attention_heads %d", a->kv_heads, a->heads);
    if ((a->width / a->heads) % 2)
        return sp_fail(SP_EINVAL, "config: RoPE needs an even head dimension (hidden_size / "
                       "num_attention_heads = %d)", a->width / a->heads);
    if (strcmp(act, "silu"))
        return sp_fail(SP_EUNSUPPORTED, "config: key 'hidden_act' = '%s' is not modelled for "
                       "LlamaConfig (silu: the SwiGLU MLP)", act);
    if (a->kv_heads == a->heads)
        a->kv_heads = 0; /* no GQA: K/V heads follow heads (also when --width re-derives them) */
    a->tokens = cap_tokens(mpe);
    a->mlp_act = SP_ACT_SWIGLU;
    a->norm_attn.kind = a->norm_mlp.kind = SP_FN_RMS;
    a->mask = SP_MASK_CAUSAL;
    a->rope = SP_ROPE_HALF; /* HF's rotate_half; Meta's checkpoints pair (2k, 2k+1) */
    a->residual_scale = 1.0;
    if ((s = flag(c, "tie_word_embeddings", 0, tie_why)) ||
        (s = flag(c, "attention_bias", 0, bias_why)) || (s = flag(c, "mlp_bias", 0, bias_why)))
        return s;
    present(c, "rope_scaling", "not modelled (RoPE frequencies are theta^(-2k/d_h))");
    present(c, "head_dim", "not modelled (the head dimension is hidden_size / heads)");
    return SP_OK;
}

static enum sp_status parse_gpt2(struct cfg *c, struct sp_arch *a)
{
    enum sp_status s;
    int npos;
    if ((s = common(c, a, "n_embd", "n_layer", "n_head")) ||
        (s = mlp_hidden(c, a, "n_inner", 0)) ||
        (s = num(c, "layer_norm_epsilon", 0, 0, 1, 1e-5, &a->norm_eps)) ||
        (s = integer(c, "n_positions", 0, 1, 1000000, 1024, &npos)) ||
        (s = gelu_act(c, "activation_function", "gelu_new", a)))
        return s;
    a->tokens = cap_tokens(npos);
    a->norm_attn.kind = a->norm_mlp.kind = SP_FN_LN;
    a->mask = SP_MASK_CAUSAL;
    a->rope = SP_ROPE_NONE;
    a->residual_scale = 1.0 / sqrt(2.0 * a->depth); /* HF GPT2: c_proj std / sqrt(2 n_layer) */
    char pos[16];
    snprintf(pos, sizeof pos, "%d", npos);
    note(c, "n_positions", pos, "not modelled (GPT-2 adds learned position embeddings to "
         "the input; sigprop's input is the q0/p0 token configuration); it sets the "
         "sequence length");
    if ((s = flag(c, "tie_word_embeddings", 0, tie_why)) ||
        (s = flag(c, "scale_attn_weights", 1, "not modelled (attention logits are always "
                  "scaled by 1/sqrt(d_h))")) ||
        (s = flag(c, "scale_attn_by_inverse_layer_idx", 0, "not modelled (no per-layer "
                  "logit scale)")) ||
        (s = flag(c, "add_cross_attention", 0, "not modelled (no cross-attention)")))
        return s;
    return SP_OK;
}

static enum sp_status parse_vit(struct cfg *c, struct sp_arch *a)
{
    enum sp_status s;
    int image, patch;
    if ((s = common(c, a, "hidden_size", "num_hidden_layers", "num_attention_heads")) ||
        (s = mlp_hidden(c, a, "intermediate_size", 1)) ||
        (s = num(c, "layer_norm_eps", 0, 0, 1, 1e-12, &a->norm_eps)) ||
        (s = integer(c, "image_size", 0, 1, 1000000, 224, &image)) ||
        (s = integer(c, "patch_size", 0, 1, 1000000, 16, &patch)) ||
        (s = gelu_act(c, "hidden_act", "gelu", a)))
        return s;
    if (image % patch)
        return sp_fail(SP_EINVAL, "config: image_size %d is not a multiple of patch_size %d",
                       image, patch);
    double n = (double)(image / patch) * (image / patch) + 1.0;
    if (n > 1000000)
        return sp_fail(SP_EINVAL, "config: (image_size / patch_size)^2 + 1 = %.0f tokens exceeds "
                       "1000000", n);
    a->tokens = (int)n;
    a->norm_attn.kind = a->norm_mlp.kind = SP_FN_LN;
    a->mask = SP_MASK_NONE;
    a->rope = SP_ROPE_NONE;
    a->residual_scale = 1.0;
    return flag(c, "qkv_bias", 0, bias_why);
}

/* The optional "sigprop" object: what no HF config says (the norm kind, DyT/Derf
 * alphas and shift, the input token statistics). Strict: an unknown member is an
 * error, since the namespace is sigprop's own. */
static enum sp_status parse_sigprop(struct cfg *c, struct sp_arch *a)
{
    const cJSON *o = get(c, "sigprop");
    if (!o)
        return SP_OK;
    if (!cJSON_IsObject(o))
        return sp_fail(SP_EFORMAT, "config: key 'sigprop' must be an object (got %s)",
                       json_type(o));
    /* the members are the architecture keys of the same names ('_' for '-'): their
     * ranges and words are the key table's (sigprop/archspec.h), as on the CLI */
    static const char *const nums[] = {"alpha", "alpha_attn", "alpha_mlp", "shift", "q0", "p0"};
    static const char *const num_keys[] = {"alpha", "alpha-attn", "alpha-mlp", "shift", "q0", "p0"};
    double v[6] = {NAN, NAN, NAN, NAN, NAN, NAN};
    int kinds[3] = {-1, -1, -1}; /* norm, norm_attn, norm_mlp */
    static const char *const norms[] = {"norm", "norm_attn", "norm_mlp"};
    const struct key *norm = archkey_entry("norm");
    for (const cJSON *j = o->child; j; j = j->next) {
        int k = -1;
        for (int i = 0; i < 6 && k < 0; i++)
            if (!strcmp(j->string, nums[i]))
                k = i;
        if (k >= 0) {
            const struct sp_key *ak = &archkey_entry(num_keys[k])->k;
            if (!cJSON_IsNumber(j))
                return sp_fail(SP_EFORMAT, "config: key 'sigprop.%s' must be a number (got %s)",
                               j->string, json_type(j));
            if (!(isfinite(j->valuedouble) && j->valuedouble >= ak->lo && j->valuedouble <= ak->hi))
                return sp_fail(SP_EINVAL,
                               "config: key 'sigprop.%s' = %g is out of range "
                               "[%g, %g]",
                               j->string, j->valuedouble, ak->lo, ak->hi);
            v[k] = j->valuedouble;
        } else {
            for (int i = 0; i < 3 && k < 0; i++)
                if (!strcmp(j->string, norms[i]))
                    k = i;
            if (k < 0)
                return sp_fail(SP_EFORMAT,
                               "config: unknown key 'sigprop.%s' (norm, norm_attn, "
                               "norm_mlp, alpha, alpha_attn, alpha_mlp, shift, q0, p0)",
                               j->string);
            if (!cJSON_IsString(j))
                return sp_fail(SP_EFORMAT, "config: key 'sigprop.%s' must be a string (got %s)",
                               j->string, json_type(j));
            char list[128] = "";
            for (int i = 0; norm->k.choices[i] && kinds[k] < 0; i++) {
                size_t l = strlen(list);
                snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", norm->k.choices[i]);
                if (!strcmp(j->valuestring, norm->k.choices[i]))
                    kinds[k] = norm->values[i];
            }
            if (kinds[k] < 0)
                return sp_fail(SP_EINVAL, "config: key 'sigprop.%s' = '%s' is not one of %s",
                               j->string, j->valuestring, list);
        }
        char key[SP_CONFIG_KEY_LEN];
        snprintf(key, sizeof key, "sigprop.%s", j->string);
        used(c, key);
    }
    if (kinds[0] >= 0)
        a->norm_attn.kind = a->norm_mlp.kind = (enum sp_fn)kinds[0];
    if (kinds[1] >= 0)
        a->norm_attn.kind = (enum sp_fn)kinds[1];
    if (kinds[2] >= 0)
        a->norm_mlp.kind = (enum sp_fn)kinds[2];
    struct sp_fnspec *side[2] = {&a->norm_attn, &a->norm_mlp};
    for (int i = 0; i < 2; i++) {
        int elementwise = side[i]->kind == SP_FN_DERF || side[i]->kind == SP_FN_DYT;
        double al = !isnan(v[1 + i]) ? v[1 + i] : v[0];
        if ((!isnan(al) || !isnan(v[3])) && !elementwise)
            return sp_fail(SP_EINVAL, "config: sigprop.alpha%s/shift need the %s norm dyt or derf "
                           "(it is %s)", i ? "_mlp" : "_attn", i ? "MLP" : "attention",
                           sp_fn_name(side[i]->kind));
        if (!isnan(al))
            side[i]->alpha = al;
        if (!isnan(v[3]))
            side[i]->shift = v[3];
    }
    if (!isnan(v[4]))
        a->q0 = v[4];
    if (!isnan(v[5]))
        a->p0 = v[5];
    if (fabs(a->p0) > a->q0)
        return sp_fail(SP_EINVAL, "config: |p0| = %g exceeds q0 = %g (sigprop.q0, sigprop.p0)",
                       fabs(a->p0), a->q0);
    return SP_OK;
}

enum sp_status sp_config_parse(const char *json, size_t len, struct sp_arch *a,
                               struct sp_config_info *info)
{
    struct sp_config_info scratch;
    if (!info)
        info = &scratch;
    memset(info, 0, sizeof *info);
    if (!json || !a)
        return sp_fail(SP_EINVAL, "config: no input");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithLengthOpts(json, len, &end, 0);
    if (!root) {
        size_t at = end && end >= json ? (size_t)(end - json) : 0;
        return sp_fail(SP_EFORMAT, "config: malformed JSON near byte %zu", at);
    }
    size_t at = (size_t)(end - json);
    while (at < len && (json[at] == ' ' || json[at] == '\t' || json[at] == '\n' ||
                        json[at] == '\r' || json[at] == 0))
        at++;
    if (at < len) {
        cJSON_Delete(root);
        return sp_fail(SP_EFORMAT, "config: malformed JSON: trailing characters at byte %zu", at);
    }
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return sp_fail(SP_EFORMAT, "config: the top level must be a JSON object");
    }
    struct cfg c = {.root = root, .info = info};
    const cJSON *mt = cJSON_GetObjectItemCaseSensitive(root, "model_type");
    enum sp_status s = SP_OK;
    struct sp_arch b = *a;
    if (!mt) {
        s = sp_fail(SP_EFORMAT, "config: missing key 'model_type' (llama, gpt2 or vit)");
    } else if (!cJSON_IsString(mt)) {
        s = sp_fail(SP_EFORMAT, "config: key 'model_type' must be a string (got %s)",
                    json_type(mt));
    } else {
        snprintf(info->model_type, sizeof info->model_type, "%s", mt->valuestring);
        used(&c, "model_type");
        b.model = SP_MODEL_TRANSFORMER;
        b.final_norm = 1;
        b.embed_scale = 1.0;
        b.heads = b.kv_heads = b.mlp_hidden = 0;
        b.sigma_q = b.sigma_k = b.sigma_v = b.sigma_o = b.sigma_1 = b.sigma_2 = NAN;
        b.sigma_3 = NAN;
        if (!strcmp(mt->valuestring, "llama")) {
            c.type = "LlamaConfig";
            s = parse_llama(&c, &b);
        } else if (!strcmp(mt->valuestring, "gpt2")) {
            c.type = "GPT2Config";
            s = parse_gpt2(&c, &b);
        } else if (!strcmp(mt->valuestring, "vit")) {
            c.type = "ViTConfig";
            s = parse_vit(&c, &b);
        } else {
            s = sp_fail(SP_EUNSUPPORTED, "config: key 'model_type' = '%s' is not one of llama, "
                        "gpt2, vit", mt->valuestring);
        }
    }
    if (s == SP_OK)
        s = parse_sigprop(&c, &b);
    if (s == SP_OK) {
        find_unknown(&c);
        *a = b;
    }
    cJSON_Delete(root);
    return s;
}

enum sp_status sp_config_read(const char *path, struct sp_arch *a, struct sp_config_info *info)
{
    if (!path)
        return sp_fail(SP_EINVAL, "config: no path");
    FILE *f = fopen(path, "rb");
    if (!f)
        return sp_fail(SP_EIO, "config: cannot open '%s'", path);
    const size_t max = (size_t)16 << 20;
    char *buf = malloc(max + 1);
    if (!buf) {
        fclose(f);
        return sp_fail(SP_ENOMEM, "config: no memory to read '%s'", path);
    }
    size_t n = fread(buf, 1, max + 1, f);
    int bad = ferror(f);
    fclose(f);
    enum sp_status s;
    if (bad)
        s = sp_fail(SP_EIO, "config: cannot read '%s'", path);
    else if (n > max)
        s = sp_fail(SP_EFORMAT, "config: '%s' is larger than 16 MiB", path);
    else
        s = sp_config_parse(buf, n, a, info);
    free(buf);
    return s;
}

size_t sp_config_info_note(const char *path, const struct sp_config_info *in, char *buf,
                           size_t n)
{
    size_t at = 0;
    int k = snprintf(buf, n, "config %s: model_type %s, %zu key(s) used, %zu default(s)", path,
                     in->model_type, in->nused, in->ndefaulted);
    at += k > 0 ? (size_t)k : 0;
    for (size_t i = 0; i < in->nnot_modelled && i < SP_CONFIG_MAX_NOTES; i++) {
        k = snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0, "\nconfig: %s",
                     in->not_modelled[i]);
        at += k > 0 ? (size_t)k : 0;
    }
    if (in->nunknown) {
        char list[512] = "";
        for (size_t i = 0; i < in->nunknown && i < SP_CONFIG_MAX_KEYS; i++) {
            size_t l = strlen(list);
            snprintf(list + l, sizeof list - l, "%s%s", i ? ", " : "", in->unknown[i]);
        }
        k = snprintf(at < n ? buf + at : NULL, at < n ? n - at : 0,
                     "\nconfig: %zu unknown key(s), ignored: %s", in->nunknown, list);
        at += k > 0 ? (size_t)k : 0;
    }
    return at;
}
