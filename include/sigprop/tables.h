/* sigprop/tables.h: the tables of `sigprop theory`, `compare` and `alpha`, filled
 * by the library (src/analysis/theory_table.c, compare_table.c, alpha_table.c)
 * with exactly the columns and rows the commands print; the CLI and the Python
 * module only write them. What the commands say on stderr about a run (the
 * theory's caveats, GMFE lines, solver warnings, the fitted law) comes back as
 * notes, never printed. Identifying columns are the records schema's
 * (sigprop/records.h). */
#ifndef SIGPROP_TABLES_H
#define SIGPROP_TABLES_H

#include <stddef.h>

#include "sigprop/analysis.h"
#include "sigprop/core.h"
#include "sigprop/io.h"
#include "sigprop/measurespec.h"
#include "sigprop/net.h"
#include "sigprop/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Lines a table function says about its run, in order, each without a prefix
 * or newline (the CLI prints "sigprop: <line>"): caveats as "warning: CODE:
 * TEXT", then what the function adds. Start it zeroed; the functions append;
 * free with sp_notes_free (which zeroes it again). */
struct sp_notes {
    char **text;
    size_t n, cap;
};
void sp_notes_free(struct sp_notes *n);

/* ---- theory ----
 * arch[0..nalpha): resolved architectures that differ in their alphas only;
 * alpha[i] the alpha asked for (NAN: the architecture's; alpha NULL: every
 * one NAN), o the theory options (o->sublayers: a row after every sublayer).
 * out (empty, from sp_table_new) gets `sigprop theory`'s columns,
 * version,model,norm,alpha,alpha_attn,alpha_mlp, then per block
 * l,q,p,rho,J_fwd,J_bwd,logJ_fwd,logJ_bwd,grad_amp (summary 0: one curve per
 * alpha) or depth,q_L,p_L,J_L0,logJ_L0,phase,zeta,lambda,xi,c_star,p_star,
 * l_star,l_star_estimate (summary 1: one row per alpha, vectorised over alpha
 * by sp_theory_summary_batch where it applies), then the records columns it
 * lacks (depth, width, tokens, heads, kv_heads, mlp, mask) and caveats (codes
 * joined by ';' or "none"). notes (may be NULL) gets the caveats of arch[0].
 * progress (may be NULL) is called with the alphas done and nalpha (after
 * each curve; once for the summary batch). Errors with the reason (naming the
 * alpha that failed); out then holds the rows before it. */
enum sp_status sp_theory_table(const struct sp_arch *arch, const double *alpha, size_t nalpha,
                               const struct sp_theory_opts *o, int summary, struct sp_table *out,
                               struct sp_notes *notes,
                               void (*progress)(void *ctx, size_t done, size_t total), void *ctx);
/* What sp_theory_table computes for a, o and nalpha alphas, in one line for the
 * user: "theory version V<version_note>: ATTENTION attention, APJN; L = .., n =
 * .., d = .., s_OV, s_21, s_QK, q0, p0, N alpha value(s)" (the causal mask and the
 * toy say theirs). Into buf (n bytes); returns the length (as snprintf). */
size_t sp_theory_describe(const struct sp_arch *a, const struct sp_theory_opts *o, size_t nalpha,
                          const char *version_note, char *buf, size_t n);
/* About how many bytes sp_theory_table's table takes for nalpha alphas of a
 * (twice the rows' storage, for the table's growth by doubling), to refuse a
 * run that cannot fit before anything is allocated. */
double sp_theory_table_bytes(const struct sp_arch *a, const struct sp_theory_opts *o,
                             size_t nalpha, int summary);

/* ---- compare ----
 * The measurement (as sp_net_measure_weights) and the theory of each of
 * arch[0..nalpha) (as sp_theory_table's arch, alpha) side by side. */
struct sp_compare_table_opts {
    struct sp_net_opts net;   /* the measurement; sublayers also sets the theory's rows;
                               * progress is called with the work of every alpha in one
                               * count (done over all, total of all) */
    const struct sp_net_weights *weights; /* stored weights or input rows, NULL: drawn */
    int theory_measured;      /* 1: the theory starts from the measured q, p (block
                               * from_block, else h^0) with embed scale 1; 0: q0, p0 */
    int from_block;           /* > 0: the theory runs for the depth - from_block blocks
                               * above that block (rows below have none, nan), its J_fwd
                               * times the measured J^{L0,0}; needs theory_measured */
    int summary;              /* 1: out gets the GMFE rows instead of the per-block rows */
};
void sp_compare_table_opts_default(struct sp_compare_table_opts *c);
/* out (empty) gets `sigprop compare`'s columns: model,norm,alpha,version, then
 * l,q,q_se,q_theory,q_ratio,p,p_theory,p_ratio,J_fwd,J_fwd_se,J_fwd_theory,
 * J_fwd_ratio,J_bwd,J_bwd_se,J_bwd_theory,J_bwd_ratio,grad_amp,grad_amp_se,
 * grad_amp_theory,grad_amp_ratio,caveats per block (sp_compare_rows), or with
 * c->summary quantity,range,l_from,l_to,n,gmfe,caveats per alpha, quantity and
 * depth third with at least one ratio (sp_compare_summary). gmfe (empty, may
 * be NULL) gets those GMFE rows in either case. notes (may be NULL): the
 * caveats of arch[0], then per alpha and quantity "GMFE q  shallow .. middle ..
 * deep .. all ..". SP_EINVAL: theory and measurement rows differ, from_block
 * not below a depth, on the toy, or without theory_measured; the
 * measurement's and the theory's failures, with the reason. */
enum sp_status sp_compare_table(const struct sp_arch *arch, const double *alpha, size_t nalpha,
                                const struct sp_theory_opts *o,
                                const struct sp_compare_table_opts *c, struct sp_table *out,
                                struct sp_table *gmfe, struct sp_notes *notes);

/* ---- alpha ----
 * The recommendations of `sigprop alpha` over a grid: arch[i * nwidth + j],
 * opts[i * nwidth + j] (resolved; i < ndepth, j < nwidth) at depth i and
 * width j, solved by sp_alpha_point, optionally verified by a measurement
 * (sp_alpha_verify_arch, sp_alpha_verify), and summarised by the transfer rule
 * (sp_alpha_transfer_fit over o->depths and o->widths, or arch[i * nwidth].depth
 * and arch[j].width). */
struct sp_alpha_table_opts {
    enum sp_alpha_target target;
    double target_value;      /* SP_ALPHA_TARGET_J: J; SP_ALPHA_BUDGET: the factor */
    double ratio;             /* alpha_attn / alpha_mlp (unused per side; default 1) */
    double guess, amin, amax, tol;   /* sp_alpha_point's (0.5, 1e-4, 100, 1e-10) */
    int verify;               /* 1: measure each recommended network */
    int verify_width;         /* 0: the network itself; 0 < D < width: a narrower copy */
    double verify_tol;        /* relative tolerance (0.2) */
    struct sp_net_opts net;   /* the verification's seeds, probes, seed (input and the
                               * measure mask are set per network) */
    const double *depths;     /* ndepth, nwidth: the grid's axes for the transfer rule as */
    const double *widths;     /* asked (a proxy width is not the width); NULL: the arch's */
};
void sp_alpha_table_opts_default(struct sp_alpha_table_opts *o);
struct sp_alpha_table_info {
    size_t nonmonotone;       /* points where J^{L,0} was not monotone in alpha */
    size_t nfailed;           /* verifications outside the accepted interval */
    char first_fail[400];     /* the first of them ("depth 8, width 64: measured ...") */
    double verify_gmfe;       /* GMFE of measured / theory over the networks (NAN: none) */
    size_t verify_n;          /* ratios in it */
    struct sp_alpha_law *laws; /* the transfer rule, nlaws entries (malloc'ed) */
    size_t nlaws;
};
/* Frees info->laws (info may be zeroed or filled). */
void sp_alpha_table_info_free(struct sp_alpha_table_info *info);
/* out (empty) gets depth,width,norm,ratio,alpha_attn,alpha_mlp,alpha,J_L0,logJ_L0,
 * target_J,J_preln,J_over_preln,s_OV,s_21,lambda,phase,iterations,monotone,
 * version,caveats, with verify also verify_width,verify_tokens,
 * J_L0_verify_theory,J_L0_measured,J_L0_se,measured_over_theory,verify_heads,
 * verify_input,verify_differs,verify_lo,verify_hi,verify_pass, per side also
 * logJ_attn,logJ_mlp,logJ_attn_preln,logJ_mlp_preln,sweeps; one row per point.
 * A failed verification is a row (verify_pass 0) counted in info->nfailed, not
 * an error. notes (may be NULL): the caveats of the first point, per point the
 * solver's non-monotone warning, the per-side shares and the verification, then
 * the verification's GMFE, the laws and the asymptotic expectation. info
 * (required) is filled (laws on success). Errors with the reason: the solver's
 * (an unreachable target gives the reachable range), a verification that
 * could not run, the transfer rule's. */
enum sp_status sp_alpha_table(const struct sp_arch *arch, const struct sp_theory_opts *opts,
                              size_t ndepth, size_t nwidth, const struct sp_alpha_table_opts *o,
                              struct sp_table *out, struct sp_alpha_table_info *info,
                              struct sp_notes *notes);
/* What `sigprop alpha` adds to its JSON meta after a table: the target ("target-J",
 * "match preln", "budget-ratio", "match preln-per-side"), target_value (J, budget),
 * ratio (not per side), monotone, with verifications verify_gmfe, verify_width
 * (o->verify_width, else first->width), verify_tol, verify_failed, and laws (each
 * {law, depth or width, A, b, b_err if finite}). A serialised JSON object
 * (malloc'ed; NULL with SP_ENOMEM) for the caller to merge into its meta. */
char *sp_alpha_table_meta_json(const struct sp_arch *first, const struct sp_alpha_table_opts *o,
                               const struct sp_alpha_table_info *info);
/* The cost of verifying a table before it runs, one point at a time: add checks
 * that point a's verification network (sp_alpha_verify_arch at verify_width, 0:
 * a's width) exists and can be measured with m (sp_measure_plan with m's input
 * set to the network's and no time limit), and adds its matrix-product FLOPs,
 * its workspace and records (the largest is kept) and, with timed, its
 * estimated seconds at the GEMM rate measured now. SP_EINVAL with a reason that
 * names the keys in m->style ("verify-width 64 exceeds the network's width 32
 * ..."), or sp_measure_plan's. */
struct sp_alpha_verify_plan {
    size_t n;         /* networks added */
    double flops;     /* summed */
    double bytes;     /* the largest workspace + records */
    double seconds;   /* summed estimates (timed; INFINITY without a rate); else 0 */
    struct sp_measure_plan check;
};
void sp_alpha_verify_plan_init(struct sp_alpha_verify_plan *p);
enum sp_status sp_alpha_verify_plan_add(struct sp_alpha_verify_plan *p, const struct sp_arch *a,
                                        int verify_width, const struct sp_measurespec *m,
                                        int timed);

#ifdef __cplusplus
}
#endif
#endif
