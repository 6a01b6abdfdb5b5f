/* The JSON meta of the commands, as serialised JSON objects the caller merges into
 * its meta: an architecture's (sigprop/archspec.h: arch, config, theory) and a
 * measurement's (sigprop/measurespec.h): the "measure" object measure and compare
 * write (the settings, the input, the generator, the loss, the sizes) and what
 * measure adds of its own (per-seed, token ids, the trained checkpoint). */
#include <cJSON.h>
#include <stddef.h>
#include <stdlib.h>

#include "sigprop/measurespec.h"
#include "sigprop/vit_export.h"

#include "json_text.h"


char *sp_measure_meta_json(const struct sp_arch *a, const struct sp_measurespec *m)
{
    const struct sp_net_opts *o = &m->o;
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return sp_json_text(NULL);
    cJSON_AddNumberToObject(j, "seeds", o->seeds);
    cJSON_AddNumberToObject(j, "probes", o->probes);
    cJSON_AddNumberToObject(j, "seed", (double)o->seed);
    cJSON_AddStringToObject(j, "input", o->input == SP_INPUT_GAUSSIAN ? "gaussian" : "equiangular");
    cJSON *ms = cJSON_AddArrayToObject(j, "passes");
    if (o->measure & SP_MEASURE_FWD) cJSON_AddItemToArray(ms, cJSON_CreateString("fwd"));
    if (o->measure & SP_MEASURE_BWD) cJSON_AddItemToArray(ms, cJSON_CreateString("bwd"));
    if (o->measure & SP_MEASURE_GRAD) cJSON_AddItemToArray(ms, cJSON_CreateString("grad"));
    cJSON_AddBoolToObject(j, "sublayers", o->sublayers);
    cJSON_AddBoolToObject(j, "exclude_cls", o->exclude_cls);
    cJSON_AddNumberToObject(j, "checkpoint", o->checkpoint);
    if (m->inputs) {
        cJSON *r = cJSON_AddObjectToObject(j, "inputs");
        cJSON_AddStringToObject(r, "dataset", "fashion-mnist t10k");
        cJSON_AddNumberToObject(r, "images", o->seeds);
        cJSON_AddStringToObject(r, "choice", "sp_vit_pick_images(--seed): one image per draw");
        cJSON_AddBoolToObject(r, "cls", m->cls == 1);
    }
    cJSON_AddNumberToObject(j, "ln_eps", a->norm_eps); /* the norms use arch.norm_eps (float) */
    cJSON_AddStringToObject(j, "rng", "philox4x32-10, box-muller, key (seed), counter (i/4, block, matrix, draw)");
    cJSON_AddStringToObject(j, "grad_loss",
                            "cross-entropy of a random linear head (d x 10, Normal(0, 1/d)) on the "
                            "token-mean of the final features (after the final norm if any), "
                            "uniformly random label, per draw");
    cJSON_AddNumberToObject(j, "workspace_bytes", sp_net_workspace_bytes(a, o));
    cJSON_AddNumberToObject(j, "gemm_flops", sp_net_flops(a, o));
    return sp_json_text(j);
}

static void add_ids(cJSON *j, const char *name, const int *ids, size_t n)
{
    cJSON *ji = cJSON_AddArrayToObject(j, name);
    for (size_t k = 0; k < n; k++)
        cJSON_AddItemToArray(ji, cJSON_CreateNumber(ids[k]));
}

char *sp_measure_run_meta_json(const struct sp_measurespec *m, const struct sp_measure_weights *w)
{
    cJSON *j = cJSON_CreateObject();
    if (!j)
        return sp_json_text(NULL);
    cJSON_AddBoolToObject(j, "per_seed", m->per_seed);
    if (m->ids && !w) {
        add_ids(j, "token_ids", m->ids, m->nids);
        cJSON_AddNumberToObject(j, "position_std", m->position_std);
    }
    if (w) {
        cJSON *jw = cJSON_AddObjectToObject(j, "weights");
        cJSON_AddStringToObject(jw, "path", w->path);
        cJSON_AddStringToObject(jw, "format", w->format);
        if (w->vn) {
            cJSON_AddNumberToObject(jw, "step", (double)sp_vit_net_step(w->vn));
            cJSON_AddNumberToObject(jw, "train_seed", (double)sp_vit_net_seed(w->vn));
        } else {
            add_ids(jw, "token_ids", w->run.ids, (size_t)w->run.n);
        }
        cJSON_AddBoolToObject(jw, "against_init", w->against_init);
    }
    return sp_json_text(j);
}

/* ---- the architecture ---- */

static void meta_list(cJSON *j, const char *name, const char (*list)[SP_CONFIG_KEY_LEN], size_t n)
{
    cJSON *arr = cJSON_AddArrayToObject(j, name);
    for (size_t i = 0; i < n && i < SP_CONFIG_MAX_KEYS; i++)
        cJSON_AddItemToArray(arr, cJSON_CreateString(list[i]));
}

/* Real fields of struct sp_arch by name, in the order they are written. */
struct real_field {
    const char *name;
    size_t off;
};
#define F(name, field) {name, offsetof(struct sp_arch, field)}
static const struct real_field toy_reals[] = {F("alpha", phi.alpha), F("shift", phi.shift),
                                              F("mu", mu), F("sigma_w", sigma_w),
                                              F("sigma_b", sigma_b)};
static const struct real_field sigma_reals[] = {
    F("init_std", init_std), F("sigma_q", sigma_q), F("sigma_k", sigma_k), F("sigma_v", sigma_v),
    F("sigma_o", sigma_o),   F("sigma_1", sigma_1), F("sigma_2", sigma_2)};
#undef F

static void add_reals(cJSON *j, const struct sp_arch *a, const struct real_field *f, size_t n)
{
    for (size_t i = 0; i < n; i++)
        cJSON_AddNumberToObject(j, f[i].name, *(const double *)((const char *)a + f[i].off));
}

char *sp_arch_meta_json(const struct sp_arch *a, const struct sp_theory_opts *o,
                        const char *config_path, const struct sp_config_info *info)
{
    cJSON *meta = cJSON_CreateObject();
    if (!meta)
        return sp_json_text(NULL);
    cJSON *j = cJSON_AddObjectToObject(meta, "arch");
    cJSON_AddStringToObject(j, "model", a->model == SP_MODEL_TOY ? "toy" : "transformer");
    cJSON_AddNumberToObject(j, "depth", a->depth);
    cJSON_AddNumberToObject(j, "q0", a->q0);
    cJSON_AddNumberToObject(j, "p0", a->p0);
    if (a->model == SP_MODEL_TOY) {
        cJSON_AddBoolToObject(j, "pre_ln", a->toy_ln);
        cJSON_AddStringToObject(j, "phi", sp_fn_name(a->phi.kind));
        add_reals(j, a, toy_reals, sizeof toy_reals / sizeof toy_reals[0]);
    } else {
        cJSON_AddNumberToObject(j, "tokens", a->tokens);
        cJSON_AddNumberToObject(j, "width", a->width);
        cJSON_AddNumberToObject(j, "heads", a->heads);
        cJSON_AddNumberToObject(j, "mlp_ratio", a->mlp_ratio);
        cJSON_AddStringToObject(j, "activation", sp_act_name(a->mlp_act));
        cJSON_AddNumberToObject(j, "mlp_hidden", sp_arch_mlp_hidden(a));
        cJSON_AddNumberToObject(j, "kv_heads", sp_arch_kv_heads(a));
        cJSON_AddStringToObject(j, "attention_mask", a->mask == SP_MASK_CAUSAL ? "causal" : "none");
        static const char *rp[] = {"none", "interleaved", "half"};
        cJSON_AddStringToObject(j, "rope", rp[a->rope]);
        cJSON_AddNumberToObject(j, "rope_theta", a->rope_theta);
        cJSON_AddNumberToObject(j, "norm_eps", a->norm_eps);
        cJSON_AddNumberToObject(j, "embed_scale", a->embed_scale);
        cJSON_AddNumberToObject(j, "residual_scale", a->residual_scale);
        if (a->mlp_act == SP_ACT_SWIGLU)
            cJSON_AddNumberToObject(j, "sigma_3", a->sigma_3);
        cJSON_AddBoolToObject(j, "final_norm", a->final_norm);
        cJSON_AddStringToObject(j, "norm_attn", sp_fn_name(a->norm_attn.kind));
        cJSON_AddNumberToObject(j, "alpha_attn", a->norm_attn.alpha);
        cJSON_AddStringToObject(j, "norm_mlp", sp_fn_name(a->norm_mlp.kind));
        cJSON_AddNumberToObject(j, "alpha_mlp", a->norm_mlp.alpha);
        cJSON_AddNumberToObject(j, "shift", a->norm_mlp.shift);
        add_reals(j, a, sigma_reals, sizeof sigma_reals / sizeof sigma_reals[0]);
    }
    if (config_path && info) {
        const struct sp_config_info *in = info;
        cJSON *cj = cJSON_AddObjectToObject(meta, "config");
        cJSON_AddStringToObject(cj, "path", config_path);
        cJSON_AddStringToObject(cj, "model_type", in->model_type);
        meta_list(cj, "keys_used", in->used, in->nused);
        meta_list(cj, "defaults", in->defaulted, in->ndefaulted);
        cJSON *nm = cJSON_AddArrayToObject(cj, "not_modelled");
        for (size_t i = 0; i < in->nnot_modelled && i < SP_CONFIG_MAX_NOTES; i++)
            cJSON_AddItemToArray(nm, cJSON_CreateString(in->not_modelled[i]));
        meta_list(cj, "unknown", in->unknown, in->nunknown);
    }
    if (o) {
        cJSON *t = cJSON_AddObjectToObject(meta, "theory");
        static const char *att[] = {"softmax", "uniform", "uniform-exact", "gaussian"};
        cJSON_AddStringToObject(t, "version", sp_theory_version(o));
        cJSON_AddStringToObject(t, "attention", att[o->attention]);
        cJSON_AddStringToObject(t, "apjn", o->apjn == SP_APJN_SINGLE ? "single" : "two-channel");
        cJSON_AddStringToObject(t, "cn", o->cn_exact ? "exact" : "one");
    }
    return sp_json_text(meta);
}
