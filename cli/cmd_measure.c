/* sigprop measure: the finite-width measurement engine (sigprop/net.h) on one
 * architecture and a list of alphas: q, p, rho, forward and backward APJN and
 * gradient amplification per block, with standard errors. Also the measurement
 * flags, their checks (memory estimate before starting) and meta that compare
 * shares. */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

/* ---- shared with compare ---- */

void cli_measure_init(struct cli_measure *m)
{
    sp_net_opts_default(&m->o);
    m->max_memory = 0.0;
    m->max_time = 0.0;
    m->est_s = 0.0;
    m->seeds_given = m->inputs = m->inputs_n = 0;
    m->cls = -1;
    m->data = SP_FASHION_MNIST_DIR;
}

int cli_measure_inputs(void *ctx, const char *cmd, const char *flag, const char *arg)
{
    struct cli_measure *m = ctx;
    const char *pre = "fashion-mnist";
    size_t lp = strlen(pre);
    if (strncmp(arg, pre, lp) || (arg[lp] && arg[lp] != ':'))
        return cli_usage(cmd, "%s: '%s' is not fashion-mnist or fashion-mnist:N", flag, arg);
    m->inputs = 1;
    m->inputs_n = 0;
    return arg[lp] ? cli_parse_int(cmd, "--inputs fashion-mnist:N", arg + lp + 1, 1, 10000,
                                   &m->inputs_n)
                   : 0;
}

int cli_measure_passes(void *ctx, const char *cmd, const char *flag, const char *arg)
{
    static const char *const names[] = {"fwd", "bwd", "grad", "all"};
    static const unsigned bits[] = {SP_MEASURE_FWD, SP_MEASURE_BWD, SP_MEASURE_GRAD,
                                    SP_MEASURE_ALL};
    char *copy = strdup(arg), *save = NULL;
    if (!copy)
        return cli_fail("out of memory");
    unsigned mask = 0;
    int rc = 0;
    for (char *t = strtok_r(copy, ",", &save); t && !rc; t = strtok_r(NULL, ",", &save)) {
        size_t k = 0;
        while (k < 4 && strcmp(t, names[k]))
            k++;
        if (k < 4)
            mask |= bits[k];
        else
            rc = cli_usage(cmd, "%s: '%s' in '%s' is not one of fwd, bwd, grad, all", flag, t,
                           arg);
    }
    free(copy);
    if (!rc && !mask)
        rc = cli_usage(cmd, "%s: empty list '%s' (use fwd, bwd, grad)", flag, arg);
    if (!rc)
        *(unsigned *)ctx = mask;
    return rc;
}

/* Available memory: MemAvailable of /proc/meminfo, else free pages. */
double cli_available_bytes(void)
{
    FILE *f = fopen("/proc/meminfo", "r");
    if (f) {
        char line[256];
        while (fgets(line, sizeof line, f)) {
            unsigned long long kb;
            if (sscanf(line, "MemAvailable: %llu kB", &kb) == 1) {
                fclose(f);
                return (double)kb * 1024.0;
            }
        }
        fclose(f);
    }
    long pages = sysconf(_SC_AVPHYS_PAGES), ps = sysconf(_SC_PAGESIZE);
    return pages > 0 && ps > 0 ? (double)pages * (double)ps : (double)INFINITY;
}

/* OpenBLAS's own per-thread buffers (about 32 MiB each in the Debian build) and
 * the program itself. */
static double overhead_bytes(const struct sp_net_opts *o)
{
    long t = o->threads > 0 ? o->threads : sysconf(_SC_NPROCESSORS_ONLN);
    return 64.0 * 1048576.0 + (double)(t > 0 ? t : 1) * 32.0 * 1048576.0;
}

int cli_measure_check(const char *cmd, const struct sp_arch *a, struct cli_measure *m)
{
    const struct sp_net_opts *o = &m->o;
    if (sp_net_check(a, o, NULL) != SP_OK)
        return cli_usage(cmd, "%s", sp_last_error());
    double need = sp_net_workspace_bytes(a, o) + sp_net_record_bytes(a, o) + overhead_bytes(o);
    double have = m->max_memory > 0.0 ? m->max_memory : cli_available_bytes();
    if (need > have)
        return cli_usage(cmd, "this configuration needs about %.3g MB of memory, more than the "
                         "%.3g MB %s; reduce --width, --tokens, --probes, --seeds or --depth",
                         need / 1e6, have / 1e6,
                         m->max_memory > 0.0 ? "allowed by --max-memory" : "available");
    if (m->max_time > 0.0) {
        double probe = 0.0, est = sp_net_time_estimate(a, o, &probe);
        if (!(est > 0.0))
            est = INFINITY;
        m->est_s += est;
        if (m->est_s > m->max_time)
            return cli_usage(cmd, "this configuration needs about %.3g s (a %d-block, one-draw "
                             "run took %.3g s here now, scaled by FLOPs), more than --max-time "
                             "%g; reduce --width, --tokens, --probes, --seeds or --depth",
                             m->est_s, a->depth < 2 ? a->depth : 2, probe, m->max_time);
    }
    return 0;
}

void cli_measure_meta(cJSON *meta, const struct sp_arch *a, const struct cli_measure *m)
{
    const struct sp_net_opts *o = &m->o;
    cJSON *j = cJSON_AddObjectToObject(meta, "measure");
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
    cli_inputs_meta(j, m);
    cJSON_AddNumberToObject(j, "ln_eps", a->norm_eps); /* the norms use arch.norm_eps (float) */
    cJSON_AddStringToObject(j, "rng", "philox4x32-10, box-muller, key (seed), counter (i/4, block, matrix, draw)");
    cJSON_AddStringToObject(j, "grad_loss",
                            "cross-entropy of a random linear head (d x 10, Normal(0, 1/d)) on the "
                            "token-mean of the final features (after the final norm if any), "
                            "uniformly random label, per draw");
    cJSON_AddNumberToObject(j, "workspace_bytes", sp_net_workspace_bytes(a, o));
    cJSON_AddNumberToObject(j, "gemm_flops", sp_net_flops(a, o));
}

/* ---- the command ---- */

static const char head[] =
    "Usage: sigprop measure [options]\n\n"
    "Measures a finite network at initialisation (docs/science.md §2, §4): token norms q,\n"
    "overlaps p, cosine rho, forward APJN J^{l,0} (forward-mode probes),\n"
    "backward APJN J^{L,l} (reverse-mode probes) and the gradient amplification\n"
    "||dLoss/dh^l||^2 / ||dLoss/dh^L||^2, averaged over weight draws and probes.\n"
    "Float32 activations, double accumulation; weights are regenerated on demand\n"
    "from a counter-based generator, so memory does not grow with depth (reverse\n"
    "mode keeps sqrt(L) checkpoints) and results do not depend on --threads.\n\n"
    "Loss of grad_amp: cross-entropy of a random linear head (d x 10, entries\n"
    "Normal(0, 1/d)) on the token-mean of the final features (after --final-norm),\n"
    "random label. The theory options below are accepted and unused.\n\n";

static const char tail[] =
    "\nColumns: model,norm,alpha,alpha_attn,alpha_mlp,l,q,q_se,p,p_se,rho,J_fwd,J_fwd_se,\n"
    "J_bwd,J_bwd_se,grad_amp,grad_amp_se,logJ_fwd,logJ_bwd, then what identifies the\n"
    "run (sigprop/records.h): depth,width,tokens,heads,kv_heads,mlp,mask,seed (the\n"
    "master seed; with --per-seed the draw's) (J_fwd = J^{l,0},\n"
    "J_bwd = J^{L,l}; _se = standard error across draws, or across probes with one\n"
    "draw; nan where not measured). The toy model has q = K, p = rho = nan.\n\n"
    "Example: sigprop measure --preset blog2 --norm derf --alpha 0.5 --width 256 "
    "--tokens 32 --depth 16 --seeds 4\n";

/* The architecture flags, noting whether one other than --q0/--p0 (the input's,
 * not the network's) was given: --weights refuses those. */
struct arch_seen {
    struct cli_arch *ca;
    int flags;
};
static int arch_group(void *ctx, const char *cmd, int code, const char *arg)
{
    struct arch_seen *as = ctx;
    as->flags |= code != OPT_Q0 && code != OPT_P0;
    return cli_arch_option(as->ca, cmd, code, arg);
}

static const char *cols[] = {"model", "norm", "alpha", "alpha_attn", "alpha_mlp", "l", "q",
                             "q_se", "p", "p_se", "rho", "J_fwd", "J_fwd_se", "J_bwd",
                             "J_bwd_se", "grad_amp", "grad_amp_se", "logJ_fwd", "logJ_bwd"};

void cli_measure_on_progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    struct cli_measure_progress *p = ctx;
    cli_progress_update(p->pg, p->offset + done);
}

/* --token-ids LIST|FILE: a list as every integer list, or the path of a file whose
 * ids are decimal integers separated by white space or commas. 0 or 2 (printed). */
static int token_ids_arg(void *ctx, const char *cmd, const char *flag, const char *arg)
{
    struct cli_int_list *l = ctx;
    free(l->v);
    l->v = NULL, l->n = 0;
    if (strspn(arg, "0123456789,:") == strlen(arg))
        return cli_parse_int_list(cmd, flag, arg, 0, 1 << 30, &l->v, &l->n);
    FILE *f = fopen(arg, "r");
    if (!f)
        return cli_usage(cmd, "%s: '%s' is neither a list of ids nor a readable file (%s)", flag,
                         arg, strerror(errno));
    size_t cap = 0;
    char word[32];
    int c = 0, rc = 0;
    while (!rc && c != EOF) {
        size_t len = 0;
        while ((c = fgetc(f)) != EOF && (isspace(c) || c == ','))
            ;
        while (c != EOF && !isspace(c) && c != ',') {
            if (len + 1 < sizeof word)
                word[len] = (char)c;
            len++;
            c = fgetc(f);
        }
        if (!len)
            break;
        long long v;
        word[len < sizeof word ? len : sizeof word - 1] = 0;
        char name[64];
        snprintf(name, sizeof name, "%s: id %zu of %s", flag, l->n + 1, arg);
        if (len >= sizeof word || sp_parse_int(name, word, 0, 1 << 30, &v) != SP_OK) {
            rc = len >= sizeof word ? cli_usage(cmd, "%s: '%.20s...' is not an id", name, word)
                                    : cli_usage(cmd, "%s", sp_last_error());
        } else if (l->n == cap) {
            int *nv = realloc(l->v, (cap = cap ? 2 * cap : 256) * sizeof *nv);
            if (!nv)
                rc = cli_fail("out of memory reading %s", arg);
            else
                l->v = nv;
        }
        if (!rc)
            l->v[l->n++] = (int)v;
    }
    if (!rc && ferror(f))
        rc = cli_usage(cmd, "%s: reading '%s' failed", flag, arg);
    fclose(f);
    if (!rc && !l->n)
        rc = cli_usage(cmd, "%s: '%s' holds no ids", flag, arg);
    if (rc) {
        free(l->v);
        l->v = NULL, l->n = 0;
    }
    return rc;
}

int cmd_measure(int argc, char **argv)
{
    const char *cmd = "measure", *out = "-";
    struct cli_arch ca;
    struct cli_measure cm;
    struct sp_theory_opts topts;
    int fmt = CLI_CSV, rc = 0, first, per_seed = 0, against_init = 0;
    double pos_std = 0.0;
    struct cli_int_list idl = {NULL, 0};
    float *tok = NULL, *tok_init = NULL;
    const char *weights = NULL;
    struct sp_vit_net *vn = NULL, *vinit = NULL;
    struct sp_llama2c *lm = NULL;
    struct cli_llama2c lset;
    memset(&lset, 0, sizeof lset);
    cli_arch_init(&ca);
    cli_measure_init(&cm);
    struct arch_seen as = {&ca, 0};
    const struct cli_opt table[] = {
        {.kind = CLI_OPT_GROUP, .longopts = cli_arch_longopts, .group = arch_group,
         .text = cli_arch_help, .ctx = &as},
        {.kind = CLI_OPT_TEXT, .help = "\n"},
        CLI_OPT_MEASURE(&cm),
        {.kind = CLI_OPT_TEXT, .help = "\nOutput:\n"},
        {.kind = CLI_OPT_FLAG, .name = "sublayers", .dest = &cm.o.sublayers,
         .help = "a row after every sublayer (l = 0, 0.5, 1, ...)"},
        {.kind = CLI_OPT_FLAG, .name = "per-seed", .dest = &per_seed,
         .help = "one curve per draw instead of their mean: draw k is a\n"
                 "run of its own with --seed S+k, in a last column seed\n"
                 "(_se across probes); sigprop fit takes its intervals\n"
                 "from the draw-to-draw scatter"},
        {.kind = CLI_OPT_CALL, .name = "token-ids", .arg = "LIST|FILE", .call = token_ids_arg,
         .ctx = &idl,
         .help = "the input is a token sequence: row a is the embedding of\n"
                 "id LIST[a] in a random table (entries N(0, q0), row k\n"
                 "from --seed and k, the same in every draw), so a\n"
                 "repeated id repeats its row, as a language model's\n"
                 "input does; sets --tokens (transformer only). A FILE\n"
                 "holds the ids as decimal integers separated by white\n"
                 "space or commas"},
        {.kind = CLI_OPT_DOUBLE, .name = "position-std", .arg = "S", .dest = &pos_std, .lo = 0,
         .hi = 1e3,
         .help = "with --token-ids: add learned absolute position embeddings\n"
                 "at init (GPT-2's wpe): row a gets a second random row of\n"
                 "entries N(0, S^2), from --seed and a; the input's q is\n"
                 "then q0 + S^2 (default 0: none)"},
        {.kind = CLI_OPT_TEXT, .help = "\nTrained networks:\n"},
        {.kind = CLI_OPT_STRING, .name = "weights", .arg = "FILE", .dest = &weights,
         .help = "measure a trained network: a sigprop train checkpoint\n"
                 "(told by its magic; its ViT blocks with biases, norm\n"
                 "shifts and learned alphas, its final norm) or a llama2.c\n"
                 "checkpoint (its token embedding rows: BOS then random ids\n"
                 "from --seed, or --token-ids); the architecture is the\n"
                 "checkpoint's (architecture flags are refused). A train\n"
                 "checkpoint takes the configured input (--q0, --p0 on its\n"
                 "patch and CLS tokens) or --inputs fashion-mnist through its own patch\n"
                 "embedding. Every draw uses the same stored weights"},
        {.kind = CLI_OPT_FLAG, .name = "against-init", .dest = &against_init,
         .help = "also measure the same architecture at initialisation:\n"
                 "for a train checkpoint the trainer's init at the run's\n"
                 "seed (the very weights training started from; with\n"
                 "--inputs through the init's embedding), for llama2.c the\n"
                 "HF init (std 0.02, as inspect --measure); a last column\n"
                 "weights (trained | init) tells the rows apart"},
        CLI_OPT_OUTPUTS(&fmt, &out, "no messages or progress bar on stderr")};
    const struct cli_cmd cc = {cmd, head, tail, table, 0};
    if (cli_parse_stop(&cc, argc, argv, &first, &rc))
        goto done;
    int *ids = idl.v, arch_flags = as.flags;
    size_t nids = idl.n;
    if ((rc = cli_check_output(cmd, "-o", out)))
        goto done;
    int weights_cls = -1; /* without --weights */
    if (against_init && !weights)
        rc = cli_usage(cmd, "--against-init goes with --weights FILE");
    else if (weights && arch_flags)
        rc = cli_usage(cmd, "--weights sets the architecture (the checkpoint's); drop the "
                       "architecture flags (--q0 and --p0 may stay)");
    else if (weights && cli_weights_is_train(weights)) {
        if (ids)
            rc = cli_usage(cmd, "--token-ids goes with a llama2.c checkpoint, not a sigprop "
                           "train checkpoint (use --inputs fashion-mnist)");
        else if (sp_vit_net_load(weights, &vn) != SP_OK)
            rc = cli_fail("measure: %s: %s", weights, sp_last_error());
        else
            weights_cls = sp_vit_net_config(vn)->pool == SP_POOL_CLS;
    } else if (weights) {
        if (cm.inputs)
            rc = cli_usage(cmd, "--inputs fashion-mnist goes with a sigprop train checkpoint; "
                           "%s is read as llama2.c", weights);
        else if (sp_llama2c_read(weights, &lm) != SP_OK)
            rc = cli_fail("measure: %s: %s", weights, sp_last_error());
        else if (!(rc = cli_llama2c_setup(cmd, lm, weights, ids ? (int)nids : 64, ids,
                                          cm.o.seed, &lset)))
            cm.o.input = SP_INPUT_GAUSSIAN; /* the init's rows: Gaussian N(0, 0.02^2) */
    }
    if (!rc)
        rc = cli_inputs_prepare(cmd, &cm, &ca, weights_cls);
    if (rc)
        goto done;

    size_t nalpha = cli_arch_nalpha(&ca);
    struct sp_arch *arch = calloc(nalpha, sizeof *arch);
    struct sp_table *t = sp_table_new();
    struct sp_net_row *rows = NULL;
    double t0 = cli_now(), flops = 0.0;
    if (!arch || !t) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    for (size_t i = 0; i < sizeof cols / sizeof *cols; i++)
        if (sp_table_add_col(t, cols[i], i < 2 ? SP_COL_STR : SP_COL_NUM) < 0) {
            rc = cli_fail("out of memory");
            goto free_all;
        }
    int rec_idx[SP_REC_NCOLS]; /* identifying columns (sigprop/records.h) after the data */
    if (sp_record_add_cols(t, SP_REC_MEASURE, rec_idx) != 0) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    const int wcol = weights ? sp_table_add_col(t, "weights", SP_COL_STR) : -1;
    if (weights && wcol < 0) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    if (!rc && pos_std > 0.0 && (!ids || weights))
        rc = cli_usage(cmd, "--position-std goes with --token-ids and a fresh network (not --weights)");
    if (ids && !weights) {
        if (cm.inputs)
            rc = cli_usage(cmd, "--token-ids and --inputs both give the input; choose one");
        else if (ca.tokens && (size_t)ca.tokens != nids)
            rc = cli_usage(cmd, "--tokens %d and the %zu --token-ids disagree", ca.tokens, nids);
        else if (nids > 1000000)
            rc = cli_usage(cmd, "--token-ids: %zu ids, more than 1000000", nids);
        ca.tokens = (int)nids;
        if (!rc && cm.o.input != SP_INPUT_EQUIANGULAR)
            rc = cli_usage(cmd, "--token-ids gives the input; do not also give --input");
        cm.o.input = SP_INPUT_GAUSSIAN; /* the rows are Gaussian; p0 is the ids' business */
    }
    /* Validate every configuration (flags, memory) before computing anything. */
    for (size_t i = 0; i < nalpha && !rc; i++) {
        if (vn) {
            if (sp_vit_net_arch(vn, cm.inputs ? cm.cls : weights_cls, &arch[i]) != SP_OK)
                rc = cli_usage(cmd, "%s: %s", weights, sp_last_error());
            else if (!isnan(ca.q0) || !isnan(ca.p0)) /* the configured input on its tokens */
                arch[i].q0 = !isnan(ca.q0) ? ca.q0 : arch[i].q0,
                arch[i].p0 = !isnan(ca.p0) ? ca.p0 : arch[i].p0;
        } else if (lm) {
            arch[i] = lset.arch;
        } else {
            rc = cli_arch_build(&ca, cmd, cli_arch_alpha(&ca, i), &arch[i], &topts);
        }
        if (!rc)
            rc = cli_measure_check(cmd, &arch[i], &cm);
        if (!rc)
            flops += sp_net_flops(&arch[i], &cm.o);
    }
    if (!rc && ids && arch[0].model == SP_MODEL_TOY)
        rc = cli_usage(cmd, "--token-ids applies to the transformer");
    if (rc)
        goto free_all;
    const struct sp_arch *a0 = &arch[0];
    struct sp_net_weights tw = {.tokens = NULL}, tw_init = {.tokens = NULL};
    if (vn) {
        sp_vit_net_weights(vn, &tw);
        if (against_init) {
            if (sp_vit_net_init(sp_vit_net_config(vn), sp_vit_net_seed(vn), &vinit) != SP_OK) {
                rc = cli_fail("measure: the initialisation: %s", sp_last_error());
                goto free_all;
            }
            sp_vit_net_weights(vinit, &tw_init);
        }
        cli_info("measure: %s: sigprop train checkpoint at step %ld (seed %llu)%s", weights,
                 sp_vit_net_step(vn), (unsigned long long)sp_vit_net_seed(vn),
                 against_init ? "; beside it the trainer's init at that seed" : "");
    } else if (lm) {
        tw = lset.w;
        cli_info("measure: %s: llama2.c checkpoint, %d tokens%s", weights, lset.n,
                 against_init ? "; beside it the HF init (std 0.02)" : "");
    }
    if (cm.inputs) { /* one image per draw: trained (and init) embeddings */
        if ((rc = cli_inputs_tokens(cmd, &cm, a0, vn, &tok)) ||
            (vinit && (rc = cli_inputs_tokens(cmd, &cm, a0, vinit, &tok_init))))
            goto free_all;
        tw.tokens = tok, tw.token_sets = (size_t)cm.o.seeds;
        tw_init.tokens = tok_init, tw_init.token_sets = (size_t)cm.o.seeds;
    }
    if (ids && !weights) { /* the embedding rows of the ids in a random table, N(0, q0) entries */
        size_t d = (size_t)a0->width;
        tok = malloc(nids * d * sizeof *tok);
        if (!tok) {
            rc = cli_fail("out of memory: %zu x %zu token rows", nids, d);
            goto free_all;
        }
        if (sp_net_embedding_rows(cm.o.seed, ids, nids, d, sqrt(a0->q0), tok) != SP_OK ||
            sp_net_add_position_rows(cm.o.seed, nids, d, pos_std, tok) != SP_OK) {
            rc = cli_fail("%s", sp_last_error());
            goto free_all;
        }
        tw.tokens = tok;
    }
    size_t nrows = sp_net_nrows(a0, &cm.o);
    rows = calloc(nrows, sizeof *rows);
    if (!rows) {
        rc = cli_fail("out of memory: %zu rows", nrows);
        goto free_all;
    }
    if (a0->model == SP_MODEL_TOY)
        cli_info("measure: toy network, d = %d, L = %d, %s, %d seed(s) x %d probe(s), "
                 "%.3g GFLOP of matrix products, workspace %.3g MB", a0->width, a0->depth,
                 a0->toy_ln ? "pre-LN" : "no norm", cm.o.seeds, cm.o.probes, flops / 1e9,
                 sp_net_workspace_bytes(a0, &cm.o) / 1e6);
    else
        cli_info("measure: transformer, L = %d, n = %d, d = %d, %d heads, %d seed(s) x %d "
                 "probe(s), %.3g GFLOP of matrix products, workspace %.3g MB", a0->depth,
                 a0->tokens, a0->width, a0->heads, cm.o.seeds, cm.o.probes, flops / 1e9,
                 sp_net_workspace_bytes(a0, &cm.o) / 1e6);

    t0 = cli_now(); /* the measurement itself, without the checks (the --max-time probe) */
    struct cli_progress pg;
    int rev = !!(cm.o.measure & (SP_MEASURE_BWD | SP_MEASURE_GRAD));
    size_t per = (size_t)cm.o.seeds * (size_t)a0->depth * (rev ? 2 : 1);
    const size_t nw = against_init ? 2 : 1; /* trained (or the only network), init */
    cli_progress_start(&pg, "measure", per * nalpha * nw);
    struct cli_measure_progress pc = {&pg, 0};
    cm.o.progress = cli_measure_on_progress;
    cm.o.progress_ctx = &pc;
    const size_t nd0 = (size_t)a0->tokens * (size_t)a0->width;
    for (size_t i = 0; i < nalpha * nw; i++) {
        const size_t which = i / nalpha;
        const struct sp_arch *a = &arch[i % nalpha];
        double alpha = cli_arch_alpha(&ca, i % nalpha);
        pc.offset = i * per;
        /* trained (or --token-ids / --inputs rows); init: the trainer's init, or Philox */
        const struct sp_net_weights *wsel = which ? (vn ? &tw_init : NULL)
                                                  : (ids || weights || cm.inputs ? &tw : NULL);
        /* --per-seed: draw k alone, as a run with seed S + k */
        struct sp_net_opts one = cm.o;
        int nruns = per_seed ? cm.o.seeds : 1;
        for (int run = 0; run < nruns; run++) {
        if (per_seed) {
            one.seeds = 1;
            one.seed = cm.o.seed + (uint64_t)run;
            pc.offset = i * per + (size_t)run * (per / (size_t)cm.o.seeds);
        }
        struct sp_net_weights wrun = wsel ? *wsel : tw;
        if (per_seed && wrun.token_sets) /* run k alone is draw k: its image */
            wrun.tokens += (size_t)run * nd0, wrun.token_sets = 1;
        struct sp_arch ar = *a;
        if (which && lm) /* the re-initialised llama2.c: Gaussian rows N(0, 0.02^2) */
            ar = lset.arch;
        enum sp_status s = sp_net_measure_weights(&ar, &one, wsel ? &wrun : NULL, rows, nrows);
        if (s != SP_OK) {
            cli_progress_finish(&pg);
            rc = cli_fail("measurement failed%s: %s%s", isnan(alpha) ? "" : " at this alpha",
                          sp_last_error()[0] ? sp_last_error() : sp_status_str(s),
                          s == SP_ENUMERIC ? " (the network produced a non-finite value)" : "");
            goto free_all;
        }
        /* seed: this draw's with --per-seed, else the master seed */
        struct sp_record rec;
        sp_record_of(a, NULL, alpha, (double)one.seed, &rec);
        for (size_t k = 0; k < nrows; k++) {
            const struct sp_net_row *w = &rows[k];
            long r = sp_table_add_row(t);
            if (r < 0) {
                rc = cli_fail("out of memory");
                goto free_all;
            }
            if (sp_record_set(t, (size_t)r, rec_idx, &rec) != SP_OK) {
                rc = cli_fail("out of memory");
                goto free_all;
            }
            double v[] = {w->l, w->q, w->q_se, w->p, w->p_se, w->rho, w->j_fwd,
                          w->j_fwd_se, w->j_bwd, w->j_bwd_se, w->grad_amp, w->grad_amp_se,
                          log(w->j_fwd), log(w->j_bwd)};
            for (int j = 0; j < (int)(sizeof v / sizeof *v); j++)
                sp_table_set_num(t, (size_t)r, 5 + j, v[j]);
            if (wcol >= 0 && sp_table_set_str(t, (size_t)r, wcol, which ? "init" : "trained") != SP_OK) {
                rc = cli_fail("out of memory");
                goto free_all;
            }
        }
        }
    }
    cli_progress_finish(&pg);
    double wall = cli_now() - t0;
    /* wall time and threads go to stderr only: the JSON is the same bytes whatever
     * the thread count */
    char thr[32] = "threads as the environment";
    if (cm.o.threads > 0)
        snprintf(thr, sizeof thr, "%d thread(s)", cm.o.threads);
    if (cm.max_time > 0.0)
        cli_info("measure: %.3g s (estimated %.3g s before starting), %.3g GFLOP/s in matrix "
                 "products, %s", wall, cm.est_s, flops / wall / 1e9, thr);
    else
        cli_info("measure: %.3g s, %.3g GFLOP/s in matrix products, %s", wall,
                 flops / wall / 1e9, thr);

    cJSON *meta = cli_meta_new(cmd);
    cli_arch_meta(meta, a0, NULL);
    if (ca.preset)
        cJSON_AddStringToObject(meta, "preset", ca.preset);
    if (ca.nalpha) {
        cJSON *al = cJSON_AddArrayToObject(meta, "alphas");
        for (size_t i = 0; i < ca.nalpha; i++)
            cJSON_AddItemToArray(al, cJSON_CreateNumber(ca.alphas[i]));
    }
    cli_measure_meta(meta, a0, &cm);
    cJSON_AddBoolToObject(meta, "per_seed", per_seed);
    if (ids && !weights) {
        cJSON *ji = cJSON_AddArrayToObject(meta, "token_ids");
        for (size_t k = 0; k < nids; k++)
            cJSON_AddItemToArray(ji, cJSON_CreateNumber(ids[k]));
        cJSON_AddNumberToObject(meta, "position_std", pos_std);
    }
    if (weights) {
        cJSON *jw = cJSON_AddObjectToObject(meta, "weights");
        cJSON_AddStringToObject(jw, "path", weights);
        cJSON_AddStringToObject(jw, "format", vn ? "sigprop-train" : "llama2.c");
        if (vn) {
            cJSON_AddNumberToObject(jw, "step", (double)sp_vit_net_step(vn));
            cJSON_AddNumberToObject(jw, "train_seed", (double)sp_vit_net_seed(vn));
        } else {
            cJSON *ji = cJSON_AddArrayToObject(jw, "token_ids");
            for (int k = 0; k < lset.n; k++)
                cJSON_AddItemToArray(ji, cJSON_CreateNumber(lset.ids[k]));
        }
        cJSON_AddBoolToObject(jw, "against_init", against_init);
    }
    rc = cli_write_table(t, (enum cli_format)fmt, out, meta);
    cJSON_Delete(meta);
free_all:
    free(rows);
    free(arch);
    sp_table_free(t);
done:
    free(tok);
    free(tok_init);
    free(idl.v);
    sp_vit_net_free(vn);
    sp_vit_net_free(vinit);
    cli_llama2c_free(&lset);
    sp_llama2c_free(lm);
    cli_arch_free(&ca);
    return rc;
}
