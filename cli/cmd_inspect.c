/* sigprop inspect: a trained checkpoint (the llama2.c format, src/net/llama2c.c):
 * the architecture it implies on stderr and in the JSON meta, and per weight
 * matrix its empirical sigma (std sqrt(fan_in)) against the initialisations the
 * same shape would have (HF: std 0.02; llama2.c's model.py: wo, w3 / sqrt(2L)). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char head[] =
    "Usage: sigprop inspect --weights FILE [options]\n\n"
    "Reads a trained checkpoint in the llama2.c format (seven int32 header values,\n"
    "then float32 tensors; models/README.md), validates it, prints the architecture\n"
    "it implies (RMSNorm, SwiGLU, causal grouped-query attention, interleaved RoPE\n"
    "theta 10000) and writes one row per weight matrix: its empirical sigma = std x\n"
    "sqrt(fan_in) against the sigma of an HF-style init of the same shape (std 0.02\n"
    "on every linear layer) and of llama2.c's own init (wo and w3 / sqrt(2L)).\n\n"
    "With --measure it measures instead, in one table, the trained network and the\n"
    "same architecture re-initialised (HF init std 0.02 on every matrix, embedding\n"
    "rows N(0, 0.02^2)): q, p, rho, J_fwd = J^{l,0}, J_bwd = J^{L,l} and the gradient\n"
    "amplification per block (sigprop measure's loss; the final RMSNorm with its\n"
    "gain included). The trained network's input is the embedding rows of a token\n"
    "sequence: 1 (BOS) then random ids from --seed, or --token-ids.\n\n"
    "Options:\n";

static const char tail[] =
    "\nColumns: layer (-1: the token embedding), matrix (wq wk wv wo w1 w2 w3,\n"
    "embedding), rows, cols (= fan_in), mean, std, sigma (nan for the embedding),\n"
    "sigma_hf, ratio_hf = sigma / sigma_hf, sigma_llama2c (the embedding's sigma_*,\n"
    "ratio: of stds). With --measure: weights (trained | init), l, q, q_se, p, p_se,\n"
    "rho, J_fwd, J_fwd_se, J_bwd, J_bwd_se, grad_amp, grad_amp_se. A corrupt or\n"
    "unreadable file exits 1 with the reason.\n\n"
    "Example: sigprop inspect --weights models/stories260K.bin --measure\n";

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

/* Trained against re-initialised: one table, a block of rows for each; the
 * measurement's settings (seeds, probes, seed, token ids) in ms, tokens without ids. */
static int write_measure(const struct sp_llama2c *m, const char *path, int tokens,
                         const struct cli_measure *ms, enum cli_format fmt, const char *out)
{
    const char *cmd = "inspect";
    int n = ms->ids ? (int)ms->nids : tokens, L = m->cfg.n_layers, rc = 0;
    struct sp_llama2c_run lm;
    if ((rc = cli_status(cmd, sp_llama2c_run_setup(m, path, n, ms->ids, ms->o.seed,
                                                   SP_ARCHKEY_STYLE_FLAG, &lm))))
        return rc;
    const struct sp_arch a = lm.arch;
    const int *ids = lm.ids;
    const struct sp_net_weights w = lm.w;
    struct sp_table *t = sp_table_new();
    cJSON *meta = cli_meta_new(cmd);
    struct sp_net_opts o = ms->o;
    o.input = SP_INPUT_GAUSSIAN;
    size_t nr = sp_net_nrows(&a, &o);
    struct sp_net_row *rows = calloc(nr, sizeof *rows);
    if (!t || !meta || !rows) {
        rc = cli_fail("inspect: out of memory");
        goto done;
    }
    static const char *cols[] = {"weights", "l", "q", "q_se", "p", "p_se", "rho", "J_fwd",
                                 "J_fwd_se", "J_bwd", "J_bwd_se", "grad_amp", "grad_amp_se"};
    for (int c = 0; c < 13; c++)
        if (sp_table_add_col(t, cols[c], c == 0 ? SP_COL_STR : SP_COL_NUM) < 0) {
            rc = cli_fail("inspect: out of memory");
            goto done;
        }
    for (int which = 0; which < 2 && !rc; which++) {
        cli_info("inspect: measuring the %s network (%d tokens, %d block(s), %d draw(s) x %d "
                 "probe(s)%s)", which ? "re-initialised" : "trained", n, L, o.seeds, o.probes,
                 which ? "" : "; one network: its draws differ in probes and loss head");
        enum sp_status s = sp_net_measure_weights(&a, &o, which ? NULL : &w, rows, nr);
        if (s != SP_OK) {
            rc = cli_fail("inspect: measurement failed: %s", sp_last_error()[0] ? sp_last_error()
                                                                                 : sp_status_str(s));
            break;
        }
        for (size_t k = 0; k < nr; k++) {
            long r = sp_table_add_row(t);
            const struct sp_net_row *q = &rows[k];
            double v[13] = {0, q->l, q->q, q->q_se, q->p, q->p_se, q->rho, q->j_fwd, q->j_fwd_se,
                            q->j_bwd, q->j_bwd_se, q->grad_amp, q->grad_amp_se};
            if (r < 0 || sp_table_set_str(t, (size_t)r, 0, which ? "init" : "trained") != SP_OK) {
                rc = cli_fail("inspect: out of memory");
                break;
            }
            for (int c = 1; c < 13; c++)
                sp_table_set_num(t, (size_t)r, c, v[c]);
        }
    }
    if (!rc) {
        cJSON *jw = cJSON_AddObjectToObject(meta, "weights");
        cJSON_AddStringToObject(jw, "path", path);
        cJSON_AddStringToObject(jw, "format", "llama2.c");
        cJSON *ji = cJSON_AddArrayToObject(jw, "token_ids");
        for (int i = 0; i < n; i++)
            cJSON_AddItemToArray(ji, cJSON_CreateNumber(ids[i]));
        cli_arch_meta(meta, &a, NULL); /* the sigmas: the re-initialised network's */
        rc = cli_write_table(t, fmt, out, meta);
    }
done:
    cJSON_Delete(meta);
    sp_table_free(t);
    free(rows);
    sp_llama2c_run_free(&lm);
    return rc;
}

int cmd_inspect(int argc, char **argv)
{
    const char *cmd = "inspect", *out = "-", *weights = NULL;
    int fmt = CLI_CSV, rc = 0, first, measure = 0, measure_flag = 0; /* measure_flag: one of --measure's options */
    int tokens = 64;
    struct cli_measure ms; /* the measurement keys' request: --token-ids is its key */
    cli_measure_init(&ms);
    ms.o.seeds = 4;
    const struct cli_opt table[] = {
        {.kind = CLI_OPT_STRING, .name = "weights", .arg = "FILE", .dest = &weights,
         .help = "the checkpoint (required)"},
        {.kind = CLI_OPT_FLAG, .name = "measure", .dest = &measure,
         .help = "measure trained vs re-initialised (see above)"},
        {.kind = CLI_OPT_INT, .name = "tokens", .arg = "N", .dest = &tokens, .lo = 1,
         .hi = 65536, .seen = &measure_flag,
         .help = "sequence length (default %v, at most the model's seq_len)"},
        {.kind = CLI_OPT_CALL, .name = "token-ids", .arg = "LIST", .call = cli_measure_call,
         .ctx = &ms, .seen = &measure_flag,
         .help = "the token ids, comma-separated (sets the length)"},
        {.kind = CLI_OPT_U64, .name = "seed", .arg = "S", .dest = &ms.o.seed,
         .hi = (double)UINT64_MAX, .seen = &measure_flag,
         .help = "token ids, probes and the init's weights (default %v)"},
        {.kind = CLI_OPT_INT, .name = "seeds", .arg = "K", .dest = &ms.o.seeds, .lo = 1,
         .hi = 100000, .seen = &measure_flag,
         .help = "draws (default %v): weight draws of the re-initialised\n"
                 "network; the trained one's differ in probes and loss head"},
        {.kind = CLI_OPT_INT, .name = "probes", .arg = "P", .dest = &ms.o.probes, .lo = 1,
         .hi = 100000, .seen = &measure_flag,
         .help = "Hutchinson probes per draw (default %v)"},
        {.kind = CLI_OPT_ENUM, .name = "format", .arg = "F", .dest = &fmt,
         .values = cli_format_names,
         .help = "csv | json (default csv); json's meta holds the header and\n"
                 "the implied architecture"},
        CLI_OPT_OUTPUT(&out),
        CLI_OPT_QUIET,
        CLI_OPT_HELPOPT,
        {.kind = CLI_OPT_END}};
    const struct cli_cmd cc = {cmd, head, tail, table, 0};
    if (cli_parse_stop(&cc, argc, argv, &first, &rc))
        goto out;
    if (!weights)
        rc = cli_usage(cmd, "--weights FILE is required (a llama2.c checkpoint)");
    else if (!measure && measure_flag)
        rc = cli_usage(cmd, "--tokens, --token-ids, --seed, --seeds and --probes go with --measure");
    if (rc || (rc = cli_check_output(cmd, "-o", out)))
        goto out;
    struct sp_llama2c *m = NULL;
    enum sp_status s = sp_llama2c_read(weights, &m);
    if (s != SP_OK) {
        rc = cli_fail("inspect: %s: %s", sp_status_str(s), sp_last_error());
        goto out;
    }
    rc = measure ? write_measure(m, weights, tokens, &ms, (enum cli_format)fmt, out)
                 : write_stats(m, weights, (enum cli_format)fmt, out);
    sp_llama2c_free(m);
out:
    cli_measure_free(&ms);
    return rc;
}
