/* sigprop measure: the finite-width measurement engine (sigprop/net.h) on one
 * architecture and a list of alphas: q, p, rho, forward and backward APJN and
 * gradient amplification per block, with standard errors. Flags -> the library's
 * keys (sigprop/measurespec.h), the plan (validated before any work), the run
 * (sp_measure_table), the table written. Also what compare shares: the flags as
 * option groups with help from the key table, the check, the meta. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* ---- shared with compare ---- */

/* The plan cli_measure_check adds to, cleared by cli_measure_init. */
static struct sp_measure_plan check_plan;

void cli_measure_init(struct cli_measure *m)
{
    sp_measurespec_init(m);
    m->style = SP_ARCHKEY_STYLE_FLAG; /* reasons name keys as flags: "--probes: ..." */
    sp_measure_plan_init(&check_plan);
}

void cli_measure_free(struct cli_measure *m) { sp_measurespec_free(m); }

int cli_measure_call(void *ctx, const char *cmd, const char *flag, const char *arg)
{
    const struct sp_keyset *ks = sp_measurespec_keys();
    return cli_key_set(ks, ctx, cmd, sp_keyset_find(ks, flag + 2), arg);
}

int cli_measure_check(const char *cmd, const struct sp_arch *a, struct cli_measure *m)
{
    return sp_measure_plan(a, m, &check_plan) == SP_OK ? 0 : cli_usage(cmd, "%s", sp_last_error());
}

int cli_measure_meta(cJSON *meta, const struct sp_arch *a, const struct cli_measure *m)
{
    return cli_meta_add_json(meta, "measure", sp_measure_meta_json(a, m));
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
static int arch_key(void *ctx, const char *cmd, const struct sp_key *k, const char *arg)
{
    struct arch_seen *as = ctx;
    as->flags |= strcmp(k->name, "q0") && strcmp(k->name, "p0");
    return cli_arch_key(as->ca, cmd, k, arg);
}

void cli_measure_on_progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    struct cli_measure_progress *p = ctx;
    cli_progress_update(p->pg, p->offset + done);
}

/* sp_measure_table's progress (every network in one count) into the bar. */
static void on_progress(void *ctx, size_t done, size_t total)
{
    (void)total;
    cli_progress_update(ctx, done);
}

/* --weights FILE: the library reads the checkpoint and refuses what does not go
 * with it; here what is about flags. 0 or 1/2. */
static int load_weights(const char *cmd, const char *weights, int arch_flags, int against_init,
                        struct cli_measure *cm, struct sp_measure_weights *tr)
{
    tr->cls = -1;
    if (against_init && !weights)
        return cli_usage(cmd, "--against-init goes with --weights FILE");
    if (!weights)
        return 0;
    if (arch_flags)
        return cli_usage(cmd, "--weights sets the architecture (the checkpoint's); drop the "
                         "architecture flags (--q0 and --p0 may stay)");
    return cli_status(cmd, sp_measure_weights_load(weights, against_init, cm, tr));
}

int cmd_measure(int argc, char **argv)
{
    const char *cmd = "measure", *out = "-", *weights = NULL;
    struct cli_arch ca;
    struct cli_measure cm;
    struct sp_theory_opts topts;
    int fmt = CLI_CSV, rc = 0, first, against_init = 0;
    float *tok = NULL;
    struct sp_measure_weights tr;
    memset(&tr, 0, sizeof tr);
    cli_arch_init(&ca);
    cli_measure_init(&cm);
    struct arch_seen as = {&ca, 0};
    const struct cli_opt table[] = {
        CLI_OPT_ARCH_HOOK(&as, arch_key),
        {.kind = CLI_OPT_TEXT, .help = "\n"},
        CLI_OPT_MEASURE(&cm),
        {.kind = CLI_OPT_TEXT, .help = "\nOutput:\n"},
        CLI_OPT_KEYS(sp_measurespec_keys(), SP_MEASUREKEY_OUTPUT, &cm),
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
    const int *ids = cm.ids;
    if ((rc = cli_check_output(cmd, "-o", out)) ||
        (rc = load_weights(cmd, weights, as.flags, against_init, &cm, &tr)) ||
        (rc = cli_inputs_prepare(cmd, &cm, &ca, tr.cls)))
        goto done;
    if (!weights && (rc = cli_status(cmd, sp_measure_ids_prepare(&cm, &ca.tokens))))
        goto done;

    const size_t nalpha = cli_arch_nalpha(&ca), nw = against_init ? 2 : 1;
    struct sp_arch *arch = calloc(nalpha, sizeof *arch);
    struct sp_measure_net *nets = calloc(nalpha * nw, sizeof *nets);
    struct sp_table *t = NULL;
    struct sp_measure_plan plan;
    sp_measure_plan_init(&plan);
    if (!arch || !nets) {
        rc = cli_fail("out of memory");
        goto free_all;
    }
    /* Validate every configuration (flags, memory) before computing anything. */
    for (size_t i = 0; i < nalpha && !rc; i++) {
        if (weights) {
            enum sp_status s = sp_measure_weights_arch(&tr, &cm, &ca, &arch[i]);
            if (s != SP_OK)
                rc = cli_usage(cmd, "%s", sp_last_error());
        } else {
            rc = cli_arch_build(&ca, cmd, cli_arch_alpha(&ca, i), &arch[i], &topts);
        }
        if (!rc && sp_measure_plan(&arch[i], &cm, &plan) != SP_OK)
            rc = cli_usage(cmd, "%s", sp_last_error());
    }
    if (rc)
        goto free_all;
    const struct sp_arch *a0 = &arch[0];
    struct sp_net_weights tw = {.tokens = NULL};
    if (tr.vn) {
        cli_info("measure: %s: sigprop train checkpoint at step %ld (seed %llu)%s", weights,
                 sp_vit_net_step(tr.vn), (unsigned long long)sp_vit_net_seed(tr.vn),
                 against_init ? "; beside it the trainer's init at that seed" : "");
    } else if (tr.lm) {
        cli_info("measure: %s: llama2.c checkpoint, %d tokens%s", weights, tr.run.n,
                 against_init ? "; beside it the HF init (std 0.02)" : "");
    }
    if (cm.inputs && weights) { /* one image per draw: trained (and init) embeddings */
        if ((rc = cli_inputs_status(cmd, sp_measure_weights_inputs(&tr, &cm, a0))))
            goto free_all;
    } else if (cm.inputs) { /* through the trainer's init */
        if ((rc = cli_inputs_tokens(cmd, &cm, a0, NULL, &tok)))
            goto free_all;
        tw.tokens = tok, tw.token_sets = (size_t)cm.o.seeds;
    }
    if (ids && !weights) { /* the embedding rows of the ids in a random table, N(0, q0) entries */
        if (sp_measure_token_rows(a0, &cm, &tok) != SP_OK) {
            rc = cli_fail("%s", sp_last_error());
            goto free_all;
        }
        tw.tokens = tok;
    }
    for (size_t i = 0; i < nalpha * nw; i++) {
        const size_t which = i / nalpha; /* trained (or the only network), init */
        nets[i].a = &arch[i % nalpha];
        nets[i].alpha = cli_arch_alpha(&ca, i % nalpha);
        /* trained (or --token-ids / --inputs rows); init: the trainer's init, or Philox */
        nets[i].w = weights ? sp_measure_weights_of(&tr, (int)which)
                            : (ids || cm.inputs ? &tw : NULL);
        nets[i].label = which ? "init" : "trained";
    }
    char what[512];
    sp_measure_plan_describe(a0, &cm, &plan, what, sizeof what);
    cli_info("measure: %s", what);

    double t0 = cli_now(); /* the measurement itself, without the checks (the --max-time probe) */
    struct cli_progress pg;
    cli_progress_start(&pg, "measure", plan.work * nw);
    cm.o.progress = on_progress;
    cm.o.progress_ctx = &pg;
    enum sp_status s = sp_measure_table(nets, nalpha * nw, &cm, weights ? "weights" : NULL, &t);
    cli_progress_finish(&pg);
    if (s != SP_OK) {
        rc = cli_fail("%s", sp_last_error());
        goto free_all;
    }
    const double wall = cli_now() - t0, flops = plan.flops * (double)nw;
    /* wall time and threads go to stderr only: the JSON is the same bytes whatever
     * the thread count */
    char thr[32] = "threads as the environment";
    if (cm.o.threads > 0)
        snprintf(thr, sizeof thr, "%d thread(s)", cm.o.threads);
    if (cm.max_time > 0.0)
        cli_info("measure: %.3g s (estimated %.3g s before starting), %.3g GFLOP/s in matrix "
                 "products, %s", wall, plan.est_s, flops / wall / 1e9, thr);
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
    if (!(rc = cli_measure_meta(meta, a0, &cm)) &&
        !(rc = cli_meta_add_json(meta, NULL, sp_measure_run_meta_json(&cm, weights ? &tr : NULL))))
        rc = cli_write_table(t, (enum cli_format)fmt, out, meta);
    cJSON_Delete(meta);
free_all:
    free(nets);
    free(arch);
    sp_table_free(t);
done:
    free(tok);
    sp_measure_weights_free(&tr);
    cli_measure_free(&cm);
    cli_arch_free(&ca);
    return rc;
}
