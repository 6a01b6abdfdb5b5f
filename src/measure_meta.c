/* The JSON meta of a measurement (sigprop/measurespec.h): the "measure" object
 * measure and compare write (the settings, the input, the generator, the loss,
 * the sizes) and what measure adds of its own (per-seed, token ids, the trained
 * checkpoint), as serialised JSON objects the caller merges into its meta. */
#include <cJSON.h>
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
