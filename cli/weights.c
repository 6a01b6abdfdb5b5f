/* Trained checkpoints for measure and inspect: the llama2.c set-up both commands use
 * (the architecture the model implies at n tokens, its stored weights, the token ids),
 * and which format a file is (a sigprop train checkpoint by its magic, else llama2.c). */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_weights_is_train(const char *path)
{
    unsigned char head[16];
    FILE *f = fopen(path, "rb");
    size_t n = f ? fread(head, 1, sizeof head, f) : 0;
    if (f)
        fclose(f);
    return sp_train_is_checkpoint(head, n);
}

int cli_llama2c_setup(const char *cmd, const struct sp_llama2c *m, const char *path, int n,
                      const int *ids_in, uint64_t seed, struct cli_llama2c *out)
{
    memset(out, 0, sizeof *out);
    if (n > m->cfg.seq_len)
        return cli_usage(cmd, "--tokens %d exceeds the model's seq_len %d", n, m->cfg.seq_len);
    struct sp_arch *a = &out->arch;
    sp_arch_default(a);
    sp_llama2c_arch(m, a);
    a->tokens = n;
    a->final_norm = 1;
    a->q0 = 0.02 * 0.02; /* the re-initialised embedding rows: N(0, 0.02^2) per component */
    a->p0 = 0.0;
    char err[256];
    if (sp_arch_resolve(a, err, sizeof err) != SP_OK)
        return cli_fail("%s: %s: the implied architecture is invalid: %s", cmd, path, err);
    out->ids = malloc((size_t)n * sizeof *out->ids);
    out->tok = malloc((size_t)n * (size_t)m->cfg.dim * sizeof *out->tok);
    out->bw = calloc((size_t)m->cfg.n_layers, sizeof *out->bw);
    if (!out->ids || !out->tok || !out->bw) {
        cli_llama2c_free(out);
        return cli_fail("%s: out of memory", cmd);
    }
    out->n = n;
    if (ids_in)
        memcpy(out->ids, ids_in, (size_t)n * sizeof *out->ids);
    else
        sp_llama2c_sample_ids(m, seed, n, out->ids);
    if (sp_llama2c_net_weights(m, out->ids, n, out->bw, out->tok, &out->w) != SP_OK) {
        cli_llama2c_free(out);
        return cli_usage(cmd, "%s", sp_last_error());
    }
    return 0;
}

void cli_llama2c_free(struct cli_llama2c *l)
{
    free(l->ids);
    free(l->tok);
    free(l->bw);
    memset(l, 0, sizeof *l);
}
