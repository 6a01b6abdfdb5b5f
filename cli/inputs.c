/* Real inputs for measure and compare (--inputs fashion-mnist[:N], --cls, --data): the
 * draws' images chosen from the t10k split by --seed, each turned into token rows by a
 * trainer's patch embedding (sigprop/vit_export.h): the checkpoint's with --weights,
 * else the trainer's initialisation at --seed at the measured width. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_inputs_prepare(const char *cmd, struct cli_measure *m, struct cli_arch *ca,
                       int weights_cls)
{
    if (!m->inputs) {
        if (m->cls >= 0)
            return cli_usage(cmd, "--cls goes with --inputs fashion-mnist");
        if (strcmp(m->data, SP_FASHION_MNIST_DIR))
            return cli_usage(cmd, "--data goes with --inputs fashion-mnist");
        return 0;
    }
    if (m->o.input != SP_INPUT_EQUIANGULAR)
        return cli_usage(cmd, "--inputs gives the input; do not also give --input");
    if (m->inputs_n) {
        if (m->seeds_given && m->o.seeds != m->inputs_n)
            return cli_usage(cmd, "--seeds %d and --inputs fashion-mnist:%d disagree (one image "
                             "per draw)", m->o.seeds, m->inputs_n);
        m->o.seeds = m->inputs_n;
    }
    if (m->o.seeds > 10000)
        return cli_usage(cmd, "--inputs fashion-mnist: %d draws, more than the 10000 test "
                         "images", m->o.seeds);
    if (m->cls < 0)
        m->cls = weights_cls != 0; /* on, unless a checkpoint has no CLS token */
    else if (m->cls && weights_cls == 0)
        return cli_usage(cmd, "--cls on: the checkpoint pools by the mean, it has no CLS token");
    if (weights_cls < 0) { /* the trainer's default image (28) and patch (7): 16 patches */
        struct sp_vit_config c;
        sp_vit_config_default(&c);
        int n = (c.image / c.patch) * (c.image / c.patch) + m->cls;
        if (ca->tokens && ca->tokens != n)
            return cli_usage(cmd, "--tokens %d: --inputs fashion-mnist with --cls %s has %d "
                             "tokens", ca->tokens, m->cls ? "on" : "off", n);
        ca->tokens = n;
    }
    m->o.input = SP_INPUT_GAUSSIAN; /* no equiangular construction: the rows are given */
    return 0;
}

int cli_inputs_tokens(const char *cmd, const struct cli_measure *m, const struct sp_arch *a,
                      const struct sp_vit_net *v, float **tok)
{
    *tok = NULL;
    struct sp_vit_net *own = NULL;
    enum sp_status s = SP_OK;
    if (!v) { /* the trainer's init at --seed: only its embedding is used */
        struct sp_vit_config c;
        sp_vit_config_default(&c);
        c.width = a->width;
        c.heads = 1;
        c.depth = 1;
        c.mlp_ratio = 1;
        if (a->init_std > 0.0)
            c.init_std = a->init_std;
        if ((s = sp_vit_net_init(&c, m->o.seed, &own)) != SP_OK)
            return cli_usage(cmd, "--inputs: the patch embedding: %s", sp_last_error());
        v = own;
    }
    char im[4096], lb[4096];
    snprintf(im, sizeof im, "%s/t10k-images-idx3-ubyte.gz", m->data);
    snprintf(lb, sizeof lb, "%s/t10k-labels-idx1-ubyte.gz", m->data);
    struct sp_dataset ds;
    int rc = 0;
    size_t K = (size_t)m->o.seeds, *idx = NULL;
    float *img = NULL;
    const struct sp_vit_config *vc = sp_vit_net_config(v);
    const size_t pix = (size_t)vc->image * (size_t)vc->image;
    s = sp_dataset_load(im, lb, 10, &ds);
    if (s != SP_OK) {
        rc = s == SP_EIO ? cli_fail("--inputs: %s", sp_last_error())
                         : cli_usage(cmd, "--inputs: %s", sp_last_error());
        goto out;
    }
    if (ds.rows != vc->image || ds.cols != vc->image) {
        rc = cli_usage(cmd, "--inputs: images of %d x %d, the network takes %d x %d", ds.rows,
                       ds.cols, vc->image, vc->image);
        goto out_ds;
    }
    if (K > ds.n) {
        rc = cli_usage(cmd, "--inputs: %zu draws, more than the %zu images", K, ds.n);
        goto out_ds;
    }
    size_t nd = (size_t)sp_vit_net_tokens(v, m->cls) * (size_t)a->width;
    idx = malloc(K * sizeof *idx);
    img = malloc(K * pix * sizeof *img);
    *tok = malloc(K * nd * sizeof **tok);
    if (!idx || !img || !*tok) {
        rc = cli_fail("out of memory: %zu token sets", K);
        goto out_ds;
    }
    if ((s = sp_vit_pick_images(m->o.seed, ds.n, K, idx)) == SP_OK) {
        for (size_t k = 0; k < K; k++)
            memcpy(img + k * pix, ds.images + idx[k] * pix, pix * sizeof *img);
        s = sp_vit_net_embed(v, img, K, m->cls, *tok);
    }
    if (s != SP_OK)
        rc = cli_fail("--inputs: %s", sp_last_error());
out_ds:
    sp_dataset_free(&ds);
out:
    if (rc) {
        free(*tok);
        *tok = NULL;
    }
    free(idx);
    free(img);
    sp_vit_net_free(own);
    return rc;
}

void cli_inputs_meta(cJSON *j, const struct cli_measure *m)
{
    if (!m->inputs)
        return;
    cJSON *r = cJSON_AddObjectToObject(j, "inputs");
    cJSON_AddStringToObject(r, "dataset", "fashion-mnist t10k");
    cJSON_AddNumberToObject(r, "images", m->o.seeds);
    cJSON_AddStringToObject(r, "choice", "sp_vit_pick_images(--seed): one image per draw");
    cJSON_AddBoolToObject(r, "cls", m->cls == 1);
}
