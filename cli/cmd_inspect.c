/* sigprop inspect: a trained checkpoint (the llama2.c format, src/net/llama2c.c):
 * the architecture it implies on stderr and in the JSON meta, and per weight
 * matrix its empirical sigma (std sqrt(fan_in)) against the initialisations the
 * same shape would have (HF: std 0.02; llama2.c's model.py: wo, w3 / sqrt(2L)). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

enum { OPT_WEIGHTS = OPT_CMD_FIRST, OPT_FORMAT };

static const struct option longopts[] = {
    {"weights", required_argument, 0, OPT_WEIGHTS},
    {"format", required_argument, 0, OPT_FORMAT},
    {"output", required_argument, 0, 'o'},
    {"quiet", no_argument, 0, 'q'},
    {"help", no_argument, 0, 'h'},
    {0, 0, 0, 0},
};

static void help(void)
{
    printf(
        "Usage: sigprop inspect --weights FILE [options]\n\n"
        "Reads a trained checkpoint in the llama2.c format (seven int32 header values,\n"
        "then float32 tensors; models/README.md), validates it, prints the architecture\n"
        "it implies (RMSNorm, SwiGLU, causal grouped-query attention, interleaved RoPE\n"
        "theta 10000) and writes one row per weight matrix: its empirical sigma = std x\n"
        "sqrt(fan_in) against the sigma of an HF-style init of the same shape (std 0.02\n"
        "on every linear layer) and of llama2.c's own init (wo and w3 / sqrt(2L)).\n\n"
        "Options:\n"
        "  --weights FILE    the checkpoint (required)\n"
        "  --format F        csv | json (default csv); json's meta holds the header and\n"
        "                    the implied architecture\n"
        "  -o, --output FILE write to FILE atomically ('-' = stdout, default)\n"
        "  -q, --quiet       no messages on stderr\n"
        "  -h, --help        this help\n\n"
        "Columns: layer (-1: the token embedding), matrix (wq wk wv wo w1 w2 w3,\n"
        "embedding), rows, cols (= fan_in), mean, std, sigma (nan for the embedding),\n"
        "sigma_hf, ratio_hf = sigma / sigma_hf, sigma_llama2c (the embedding's sigma_*,\n"
        "ratio: of stds). A corrupt or unreadable file exits 1 with the reason.\n\n"
        "Example: sigprop inspect --weights models/stories260K.bin\n");
}

static int write_stats(const struct sp_llama2c *m, const char *path, enum cli_format fmt,
                       const char *out)
{
    size_t n = sp_llama2c_nstats(m);
    struct sp_llama2c_stat *st = calloc(n, sizeof *st);
    struct sp_table *t = sp_table_new();
    cJSON *meta = cli_meta_new("inspect");
    int rc = 0;
    if (!st || !t || !meta || sp_llama2c_stats(m, st, n) != SP_OK) {
        rc = cli_fail("inspect: out of memory");
        goto done;
    }
    static const char *cols[] = {"layer", "matrix", "rows", "cols", "mean", "std", "sigma",
                                 "sigma_hf", "ratio_hf", "sigma_llama2c"};
    for (int c = 0; c < 10; c++)
        sp_table_add_col(t, cols[c], c == 1 ? SP_COL_STR : SP_COL_NUM);
    for (size_t i = 0; i < n; i++) {
        long r = sp_table_add_row(t);
        if (r < 0 || sp_table_set_str(t, (size_t)r, 1, st[i].name) != SP_OK) {
            rc = cli_fail("inspect: out of memory");
            goto done;
        }
        double v[10] = {st[i].layer, 0, st[i].rows, st[i].cols, st[i].mean, st[i].std,
                        st[i].sigma, st[i].sigma_hf,
                        (st[i].layer < 0 ? st[i].std : st[i].sigma) / st[i].sigma_hf,
                        st[i].sigma_llama2c};
        for (int c = 0; c < 10; c++)
            if (c != 1)
                sp_table_set_num(t, (size_t)r, c, v[c]);
    }
    struct sp_arch a;
    sp_arch_default(&a);
    sp_llama2c_arch(m, &a);
    char err[256];
    if (sp_arch_resolve(&a, err, sizeof err) != SP_OK) {
        rc = cli_fail("inspect: %s: the implied architecture is invalid: %s", path, err);
        goto done;
    }
    const struct sp_llama2c_config *c = &m->cfg;
    cli_info("inspect: %s: llama2.c checkpoint: dim %d, hidden_dim %d, %d layers, %d heads, "
             "%d kv heads, vocab %d (%s classifier), seq_len %d; implies RMSNorm (eps %g), "
             "SwiGLU, causal attention, RoPE interleaved theta %g, final norm", path, c->dim,
             c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads, c->vocab_size,
             c->shared_classifier ? "shared" : "own", c->seq_len, a.norm_eps, a.rope_theta);
    cJSON *w = cJSON_AddObjectToObject(meta, "weights");
    cJSON_AddStringToObject(w, "path", path);
    cJSON_AddStringToObject(w, "format", "llama2.c");
    int hv[7] = {c->dim, c->hidden_dim, c->n_layers, c->n_heads, c->n_kv_heads, c->vocab_size,
                 c->seq_len};
    static const char *hn[7] = {"dim", "hidden_dim", "n_layers", "n_heads", "n_kv_heads",
                                "vocab_size", "seq_len"};
    for (int i = 0; i < 7; i++)
        cJSON_AddNumberToObject(w, hn[i], hv[i]);
    cJSON_AddBoolToObject(w, "shared_classifier", c->shared_classifier);
    cli_arch_meta(meta, &a, NULL); /* the sigmas here: the HF init of the same shape */
    rc = cli_write_table(t, fmt, out, meta);
done:
    cJSON_Delete(meta);
    sp_table_free(t);
    free(st);
    return rc;
}

int cmd_inspect(int argc, char **argv)
{
    const char *cmd = "inspect", *out = "-", *weights = NULL;
    enum cli_format fmt = CLI_CSV;
    int c, rc = 0;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":o:qh", longopts, NULL)) != -1) {
        switch (c) {
        case OPT_WEIGHTS: weights = optarg; break;
        case OPT_FORMAT: rc = cli_parse_format(cmd, optarg, &fmt); break;
        case 'o': out = optarg; break;
        case 'q': cli_quiet = 1; break;
        case 'h': help(); return CLI_OK;
        default: rc = cli_bad_option(cmd, argc, argv); break;
        }
        if (rc)
            return rc;
    }
    if (optind < argc)
        return cli_usage(cmd, "unexpected argument '%s'", argv[optind]);
    if (!weights)
        return cli_usage(cmd, "--weights FILE is required (a llama2.c checkpoint)");
    if ((rc = cli_check_output(cmd, "-o", out)))
        return rc;
    struct sp_llama2c *m = NULL;
    enum sp_status s = sp_llama2c_read(weights, &m);
    if (s != SP_OK)
        return cli_fail("inspect: %s: %s", sp_status_str(s), sp_last_error());
    rc = write_stats(m, weights, fmt, out);
    sp_llama2c_free(m);
    return rc;
}
