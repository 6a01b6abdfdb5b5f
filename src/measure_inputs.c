/* Real inputs of a measurement (sigprop/measurespec.h: the keys inputs, cls and
 * data): the settings they imply (one image per draw, the token count, Gaussian
 * rows) and the draws' token rows: images chosen from the t10k split by the seed,
 * each through a trainer's patch embedding (sigprop/vit_export.h): the
 * checkpoint's, else the trainer's initialisation at the seed at the measured
 * width. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archkeys.h"
#include "sigprop/measurespec.h"
#include "sigprop/train.h"
#include "sigprop/vit_export.h"

/* The key (with value, "key value") as m's reasons name it. */
static const char *kn(const struct sp_measurespec *m, const char *key, const char *value,
                      char *b)
{
    return archkey_style_name(m->style, key, value, b, 96);
}

enum sp_status sp_measure_inputs_prepare(struct sp_measurespec *m, int *tokens, int weights_cls)
{
    char b[4][96];
    const char *in = kn(m, "inputs", "fashion-mnist", b[0]);
    if (!m->inputs) {
        if (m->cls >= 0)
            return sp_fail(SP_EINVAL, "%s goes with %s", kn(m, "cls", NULL, b[1]), in);
        if (strcmp(m->data, SP_FASHION_MNIST_DIR))
            return sp_fail(SP_EINVAL, "%s goes with %s", kn(m, "data", NULL, b[1]), in);
        return SP_OK;
    }
    if (m->o.input != SP_INPUT_EQUIANGULAR)
        return sp_fail(SP_EINVAL, "%s gives the input; do not also give %s",
                       kn(m, "inputs", NULL, b[1]), kn(m, "input", NULL, b[2]));
    if (m->inputs_n) {
        if (m->seeds_given && m->o.seeds != m->inputs_n)
            return sp_fail(SP_EINVAL, "%s %d and %s:%d disagree (one image per draw)",
                           kn(m, "seeds", NULL, b[1]), m->o.seeds, in, m->inputs_n);
        m->o.seeds = m->inputs_n;
    }
    if (m->o.seeds > 10000)
        return sp_fail(SP_EINVAL, "%s: %d draws, more than the 10000 test images", in,
                       m->o.seeds);
    if (m->cls < 0)
        m->cls = weights_cls != 0; /* on, unless a checkpoint has no CLS token */
    else if (m->cls && weights_cls == 0)
        return sp_fail(SP_EINVAL, "%s: the checkpoint pools by the mean, it has no CLS token",
                       kn(m, "cls", "on", b[1]));
    if (weights_cls < 0) { /* the trainer's default image (28) and patch (7): 16 patches */
        struct sp_vit_config c;
        sp_vit_config_default(&c);
        int n = (c.image / c.patch) * (c.image / c.patch) + m->cls;
        if (*tokens && *tokens != n)
            return sp_fail(SP_EINVAL, "%s %d: %s with %s has %d tokens",
                           kn(m, "tokens", NULL, b[1]), *tokens, in,
                           kn(m, "cls", m->cls ? "on" : "off", b[2]), n);
        *tokens = n;
    }
    m->o.input = SP_INPUT_GAUSSIAN; /* no equiangular construction: the rows are given */
    return SP_OK;
}

/* The draws' images (K of the t10k split, chosen by seed) into img. */
static enum sp_status pick(const struct sp_measurespec *m, const struct sp_vit_config *vc,
                           const struct sp_dataset *ds, size_t K, float *img)
{
    const size_t pix = (size_t)vc->image * (size_t)vc->image;
    char b[96];
    if (ds->rows != vc->image || ds->cols != vc->image)
        return sp_fail(SP_EFORMAT, "%s: images of %d x %d, the network takes %d x %d",
                       kn(m, "inputs", NULL, b), ds->rows, ds->cols, vc->image, vc->image);
    if (K > ds->n)
        return sp_fail(SP_EINVAL, "%s: %zu draws, more than the %zu images",
                       kn(m, "inputs", NULL, b), K, ds->n);
    size_t *idx = malloc(K * sizeof *idx);
    if (!idx)
        return sp_fail(SP_ENOMEM, "out of memory: %zu token sets", K);
    enum sp_status s = sp_vit_pick_images(m->o.seed, ds->n, K, idx);
    for (size_t k = 0; s == SP_OK && k < K; k++)
        memcpy(img + k * pix, ds->images + idx[k] * pix, pix * sizeof *img);
    free(idx);
    return s;
}

enum sp_status sp_measure_image_tokens(const struct sp_measurespec *m, const struct sp_arch *a,
                                       const struct sp_vit_net *v, float **tok)
{
    *tok = NULL;
    char b[96];
    struct sp_vit_net *own = NULL;
    enum sp_status s = SP_OK;
    if (!v) { /* the trainer's init at the seed: only its embedding is used */
        struct sp_vit_config c;
        sp_vit_config_default(&c);
        c.width = a->width;
        c.heads = 1;
        c.depth = 1;
        c.mlp_ratio = 1;
        if (a->init_std > 0.0)
            c.init_std = a->init_std;
        if ((s = sp_vit_net_init(&c, m->o.seed, &own)) != SP_OK)
            return sp_fail(SP_EINVAL, "%s: the patch embedding: %s", kn(m, "inputs", NULL, b),
                           sp_last_error());
        v = own;
    }
    struct sp_dataset ds;
    const size_t K = (size_t)m->o.seeds;
    const struct sp_vit_config *vc = sp_vit_net_config(v);
    if ((s = sp_fmnist_load(m->data, 0, NULL, &ds)) != SP_OK) {
        sp_vit_net_free(own);
        return sp_fail(s, "%s: %s", kn(m, "inputs", NULL, b), sp_last_error());
    }
    const size_t nd = (size_t)sp_vit_net_tokens(v, m->cls) * (size_t)a->width;
    float *img = malloc(K * (size_t)vc->image * (size_t)vc->image * sizeof *img);
    *tok = malloc(K * nd * sizeof **tok);
    if (!img || !*tok)
        s = sp_fail(SP_ENOMEM, "out of memory: %zu token sets", K);
    if (s == SP_OK)
        s = pick(m, vc, &ds, K, img);
    if (s == SP_OK && (s = sp_vit_net_embed(v, img, K, m->cls, *tok)) != SP_OK)
        s = sp_fail(s, "%s: %s", kn(m, "inputs", NULL, b), sp_last_error());
    if (s != SP_OK) {
        free(*tok);
        *tok = NULL;
    }
    sp_dataset_free(&ds);
    free(img);
    sp_vit_net_free(own);
    return s;
}

enum sp_status sp_measure_ids_prepare(struct sp_measurespec *m, int *tokens)
{
    char b[3][96];
    if (!m->ids) {
        if (m->position_std > 0.0)
            return sp_fail(SP_EINVAL, "%s goes with %s and a fresh network (not %s)",
                           kn(m, "position-std", NULL, b[0]), kn(m, "token-ids", NULL, b[1]),
                           kn(m, "weights", NULL, b[2]));
        return SP_OK;
    }
    if (m->inputs)
        return sp_fail(SP_EINVAL, "%s and %s both give the input; choose one",
                       kn(m, "token-ids", NULL, b[0]), kn(m, "inputs", NULL, b[1]));
    if (*tokens && (size_t)*tokens != m->nids)
        return sp_fail(SP_EINVAL, "%s %d and the %zu %s disagree", kn(m, "tokens", NULL, b[0]),
                       *tokens, m->nids, kn(m, "token-ids", NULL, b[1]));
    *tokens = (int)m->nids;
    if (m->o.input != SP_INPUT_EQUIANGULAR)
        return sp_fail(SP_EINVAL, "%s gives the input; do not also give %s",
                       kn(m, "token-ids", NULL, b[0]), kn(m, "input", NULL, b[1]));
    m->o.input = SP_INPUT_GAUSSIAN; /* the rows are Gaussian; p0 is the ids' business */
    return SP_OK;
}
