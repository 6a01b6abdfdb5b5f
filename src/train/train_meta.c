/* What a training run is, for the user (sigprop/train.h): its one-line description
 * and its JSON meta (the model, the optimiser and the result, as one serialised
 * object the caller merges into its meta). */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "sigprop/train.h"

char *sp_train_meta_json(const struct sp_vit_config *c, const struct sp_train_opts *o,
                         const struct sp_train_result *r)
{
    cJSON *m = cJSON_CreateObject();
    if (!m) {
        sp_fail(SP_ENOMEM, "out of memory");
        return NULL;
    }
    cJSON *mo = cJSON_AddObjectToObject(m, "model"), *op = cJSON_AddObjectToObject(m, "optimiser");
    cJSON *res = cJSON_AddObjectToObject(m, "result");
    cJSON_AddStringToObject(mo, "task", c->task == SP_TASK_TEXT ? "fortunes" : "fmnist");
    if (c->task == SP_TASK_TEXT)
        cJSON_AddNumberToObject(mo, "context", c->context);
    cJSON_AddNumberToObject(mo, "width", c->width);
    cJSON_AddNumberToObject(mo, "depth", c->depth);
    cJSON_AddNumberToObject(mo, "heads", c->heads);
    cJSON_AddNumberToObject(mo, "kv_heads", c->kv_heads > 0 ? c->kv_heads : c->heads);
    if (c->rope != SP_ROPE_NONE) {
        cJSON_AddNumberToObject(mo, "rope_theta", c->rope_theta);
        cJSON_AddStringToObject(mo, "rope_pairing",
                                c->rope == SP_ROPE_HALF ? "half" : "interleaved");
    } else {
        cJSON_AddStringToObject(mo, "rope", "none");
    }
    cJSON_AddNumberToObject(mo, "mlp_ratio", c->mlp_ratio);
    cJSON_AddNumberToObject(mo, "patch", c->patch);
    cJSON_AddStringToObject(mo, "activation", sp_act_name(c->act));
    cJSON_AddStringToObject(mo, "pool", c->pool == SP_POOL_CLS ? "cls" : "mean");
    cJSON_AddStringToObject(mo, "norm_attn", sp_fn_name(c->norm_attn.kind));
    cJSON_AddStringToObject(mo, "norm_mlp", sp_fn_name(c->norm_mlp.kind));
    cJSON_AddStringToObject(mo, "norm_final", sp_fn_name(c->norm_final.kind));
    cJSON_AddNumberToObject(mo, "alpha_attn", c->norm_attn.alpha);
    cJSON_AddNumberToObject(mo, "alpha_mlp", c->norm_mlp.alpha);
    cJSON_AddNumberToObject(mo, "alpha_final", c->norm_final.alpha);
    cJSON_AddNumberToObject(mo, "init_std", c->init_std);
    cJSON_AddNumberToObject(mo, "parameters", (double)sp_vit_nparams(c));
    cJSON_AddNumberToObject(op, "steps", (double)o->steps);
    cJSON_AddNumberToObject(op, "batch", o->batch);
    cJSON_AddNumberToObject(op, "lr", o->lr);
    cJSON_AddNumberToObject(op, "min_lr", o->min_lr);
    cJSON_AddNumberToObject(op, "warmup", (double)o->warmup);
    cJSON_AddStringToObject(op, "schedule", o->schedule == SP_LR_COSINE ? "cosine" : "constant");
    cJSON_AddNumberToObject(op, "beta1", o->beta1);
    cJSON_AddNumberToObject(op, "beta2", o->beta2);
    cJSON_AddNumberToObject(op, "adam_eps", o->adam_eps);
    cJSON_AddNumberToObject(op, "weight_decay", o->weight_decay);
    cJSON_AddNumberToObject(op, "clip", o->clip);
    cJSON_AddNumberToObject(op, "diverge_factor", o->diverge_factor);
    cJSON_AddNumberToObject(op, "seed", (double)o->seed);
    cJSON_AddNumberToObject(res, "steps_done", (double)r->steps_done);
    cJSON_AddBoolToObject(res, "diverged", r->diverged);
    cJSON_AddNumberToObject(res, "diverged_step", (double)r->diverged_step);
    cJSON_AddNumberToObject(res, "init_loss", r->init_loss);
    if (isfinite(r->eval_acc)) {
        cJSON_AddNumberToObject(res, "eval_loss", r->eval_loss);
        cJSON_AddNumberToObject(res, "eval_acc", r->eval_acc);
        if (c->task == SP_TASK_TEXT)
            cJSON_AddNumberToObject(res, "eval_bits_per_byte", r->eval_loss / M_LN2);
    }
    char *text = cJSON_PrintUnformatted(m);
    cJSON_Delete(m);
    if (!text)
        sp_fail(SP_ENOMEM, "out of memory");
    return text;
}

size_t sp_trainer_describe(const struct sp_trainer *t, char *buf, size_t n)
{
    const struct sp_vit_config *c = sp_trainer_config(t);
    const struct sp_train_opts *o = sp_trainer_opts(t);
    char attn[96] = "", shape[128]; /* the attention options, when set */
    if (c->kv_heads > 0 && c->kv_heads != c->heads)
        snprintf(attn, sizeof attn, " (%d K/V)", c->kv_heads);
    if (c->rope != SP_ROPE_NONE)
        snprintf(attn + strlen(attn), sizeof attn - strlen(attn), ", RoPE %g %s", c->rope_theta,
                 c->rope == SP_ROPE_HALF ? "half" : "interleaved");
    if (c->task == SP_TASK_TEXT)
        snprintf(shape, sizeof shape, "context %d", c->context);
    else
        snprintf(shape, sizeof shape, "%d tokens", sp_vit_tokens(c));
    int k = snprintf(buf, n, "%s d=%d L=%d H=%d%s, %zu parameters, %s, norms %s/%s/%s, %s%s%s%s; "
                     "%ld steps of %d (from step %ld), lr %g, warmup %ld, %s",
                     c->task == SP_TASK_TEXT ? "causal LM" : "ViT", c->width, c->depth, c->heads,
                     attn, sp_vit_nparams(c), shape, sp_fn_name(c->norm_attn.kind),
                     sp_fn_name(c->norm_mlp.kind), sp_fn_name(c->norm_final.kind),
                     sp_act_name(c->act), c->task == SP_TASK_TEXT ? "" : ", ",
                     c->task == SP_TASK_TEXT ? "" : (c->pool == SP_POOL_CLS ? "cls" : "mean"),
                     c->task == SP_TASK_TEXT ? "" : " pool", o->steps, o->batch,
                     sp_trainer_step(t), o->lr, o->warmup,
                     o->schedule == SP_LR_COSINE ? "cosine" : "constant");
    return k > 0 ? (size_t)k : 0;
}
