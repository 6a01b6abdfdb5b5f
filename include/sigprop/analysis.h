/* sigprop/analysis.h: turning curves into answers. Fits of an APJN curve
 * (power law, stretched exponential, exponential) with model selection and a
 * phase verdict; the alpha that meets an amplification target (and its
 * scaling law with depth and width: the transfer rule); and the bookkeeping of
 * resumable grid sweeps. Built on sigprop/theory.h; never prints. */
#ifndef SIGPROP_ANALYSIS_H
#define SIGPROP_ANALYSIS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sigprop/archspec.h"
#include "sigprop/core.h"
#include "sigprop/net.h"
#include "sigprop/theory.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- fits of log J against depth x (SPEC 2 phases, SPEC 3.5 asymptotics) ----
 * Every model but STRETCHED_FREE has two parameters; each is fitted by GSL's trust-region
 * nonlinear least squares (gsl_multifit_nlinear) on y = log J:
 *   POWER        y = zeta log x + c                       (critical)
 *   STRETCHED    y = sqrt(x / lambda) + c                 (subcritical)
 *   STRETCHED_LOG y = sqrt(x / lambda) - log(x) / (8 lambda) + c
 *                the second-order term of log chi (subcritical)
 *   STRETCHED_FREE y = sqrt(x / lambda) + beta log(x) + c, three parameters:
 *                the log term with a free coefficient; it also absorbs the
 *                O(sqrt l) correction of q^l, which in the toy gives
 *                beta = 4/pi^2 - 1/(8 lambda) (derived here), so it converges
 *                to SPEC 3.5's lambda far faster than the other two
 *   EXPONENTIAL  y = x / xi + c                           (chaotic if xi > 0,
 *                                                          ordered if xi < 0)
 * The stretched models are fitted in b = 1/sqrt(lambda), the exponential in
 * k = 1/xi, so that the fit is well posed for any sign; lambda's confidence
 * interval is the image of b's. x must be > 0. */
enum sp_fit_model {
    SP_FIT_POWER,
    SP_FIT_STRETCHED,
    SP_FIT_STRETCHED_LOG,
    SP_FIT_STRETCHED_FREE,
    SP_FIT_EXPONENTIAL
};
#define SP_FIT_NMODELS 5
/* "power", "stretched", "stretched-log", "stretched-free", "exponential" */
const char *sp_fit_model_name(enum sp_fit_model m);
int sp_fit_model_parse(const char *s, enum sp_fit_model *out); /* 0 on success */

enum sp_fit_criterion { SP_FIT_AIC, SP_FIT_BIC };

struct sp_fit_result {
    enum sp_fit_model model;
    size_t n;            /* points fitted */
    int weighted;        /* 1 if standard errors were given */
    int converged;       /* GSL reported convergence */
    /* the model's parameter, its standard error and a level-confidence interval;
     * NAN for parameters the model does not have */
    double zeta, zeta_err, zeta_lo, zeta_hi;
    double lambda, lambda_err, lambda_lo, lambda_hi;
    double xi, xi_err, xi_lo, xi_hi;
    double c, c_err;
    double beta, beta_err;  /* STRETCHED_FREE: the log coefficient, else NAN */
    /* goodness of fit: chi2 = sum w r^2 (w = 1/sigma^2, or 1 unweighted),
     * dof = n - k (k parameters), reduced chi2, R^2 of y, and for weighted fits the
     * probability of a larger chi2 (NAN unweighted) */
    double chi2, dof, chi2_red, r2, p_value;
    /* information criteria: weighted: chi2 + 2k, chi2 + k log n;
     * unweighted: n log(RSS/n) + 2k, n log(RSS/n) + k log n, k parameters */
    double aic, bic;
    enum sp_phase phase; /* the infinite-depth phase this law implies (what `theory`'s
                          * phase column gives for the recursion), not a verdict */
    double theta;        /* the parameter as fitted: zeta, b = 1/sqrt(lambda) or k = 1/xi */
    size_t ndraw;        /* 1: errors from the residuals of one curve, assumed independent
                          * in depth (too narrow on a measured curve, whose errors are
                          * correlated in depth); >= 2: from the draw-to-draw scatter of
                          * the parameters fitted to each draw (sp_fit_draws) */
};

/* Fits one model. x, y, sigma: (n); sigma may be NULL (unweighted) and holds the
 * standard errors of y = log J. level: confidence level in (0, 1), e.g. 0.95.
 * SP_EINVAL: n < k + 1, at most k distinct x, a non-positive x, a non-finite value or
 * sigma <= 0.
 * SP_ENUMERIC: the solver failed. */
enum sp_status sp_fit_curve(enum sp_fit_model model, const double *x, const double *y,
                            const double *sigma, size_t n, double level,
                            struct sp_fit_result *out);

/* Distinct values among x[0..n) (0 on allocation failure). */
size_t sp_fit_distinct_x(const double *x, size_t n);

/* Fits one model to ndraw >= 2 independent curves (draws) at the same x: y[d * n + i]
 * is draw d at x[i]. The estimates, chi2 and criteria are those of the mean curve
 * (unweighted); the standard errors and the level-interval are the draw-to-draw
 * scatter of the parameters fitted to each draw, sd / sqrt(ndraw), with Student t of
 * ndraw - 1 degrees of freedom: honest when the errors along one curve are
 * correlated in depth, as in measured APJN curves. ic_draw (ndraw, may be NULL)
 * gets each draw's own criterion crit. SP_EINVAL as sp_fit_curve, or ndraw < 2. */
enum sp_status sp_fit_draws(enum sp_fit_model model, const double *x, const double *y, size_t n,
                            size_t ndraw, double level, enum sp_fit_criterion crit,
                            struct sp_fit_result *out, double *ic_draw);

/* What the data supports at the depths given. */
struct sp_fit_verdict {
    int best;          /* index of the selected law (sp_fit_select), -1 if none */
    int runner_up;     /* the best law of another family, -1 if none */
    double delta_ic;   /* runner-up's criterion minus best's */
    int conclusive;    /* 1: the data tells the best law from the others */
    enum sp_phase phase; /* the best law's phase (meaningful when conclusive) */
    char reason[256];  /* why not conclusive; "" when conclusive */
};

/* Fits models[0..nmodels) to a curve (ndraw = 1: y (n), sigma (n) or NULL) or to
 * ndraw >= 2 draws (y (ndraw x n) as sp_fit_draws, sigma ignored) at ascending x,
 * into res and st (nmodels each), and decides. Conclusive when all hold:
 *  - the runner-up (the best law of another family: power, stretched or
 *    exponential; the stretched variants are one family) has a criterion at least
 *    min_delta above the best's (10 is "very strong" evidence on the AIC scale);
 *  - with draws, the best law beats the runner-up draw by draw: the per-draw
 *    criterion difference has a Student t at least the level quantile;
 *  - the deeper half of the points (at least 4) selects the same family: an
 *    asymptotic law must persist with depth, so a range that is still pre-
 *    asymptotic is "too short".
 * Otherwise v->reason says which failed. SP_EINVAL (with sp_last_error()): fewer
 * than 3 distinct x (every law has 2 parameters), x not sorted, x repeated within
 * a draw. Per-model failures are in st. */
enum sp_status sp_fit_judge(const enum sp_fit_model *models, size_t nmodels, const double *x,
                            const double *y, const double *sigma, size_t n, size_t ndraw,
                            double level, enum sp_fit_criterion crit, double min_delta,
                            struct sp_fit_result *res, enum sp_status *st,
                            struct sp_fit_verdict *v);
/* The law the data supports at the depths given: the selected model's name
 * ("power", "stretched", ...) when conclusive, else "inconclusive". */
const char *sp_fit_verdict_name(const struct sp_fit_verdict *v, const struct sp_fit_result *res);

/* Index in res[0..n) of the model with the smallest criterion (ties: the
 * earlier); -1 if none is finite. STRETCHED_FREE is never selected: with
 * b = 0 it is the power law, so it would claim critical curves; it serves to
 * estimate lambda once the verdict is subcritical. */
int sp_fit_select(const struct sp_fit_result *res, size_t n, enum sp_fit_criterion crit);

/* ---- the alpha rule ----
 * log J^{L,0} as a function of alpha at a fixed architecture: alpha sets the
 * MLP norm and alpha_attn = ratio * alpha the attention norm (ratio = 1: one
 * alpha; the DyT LLaMA recipe uses ratio > 1). SPEC 3.5: it increases with
 * alpha. The architecture's norms must be Derf or DyT. */
enum sp_status sp_alpha_log_j(const struct sp_arch *a, const struct sp_theory_opts *o,
                              double alpha, double ratio, double *log_j);

struct sp_alpha_solution {
    double alpha;        /* alpha of the MLP norm */
    double alpha_attn;   /* ratio * alpha */
    double log_j;        /* log J^{L,0} at the solution */
    int iterations;      /* Brent iterations */
    int evaluations;     /* recursion runs in all */
    int monotone;        /* 1 if every evaluated log J increased with alpha */
    /* reachable range of log J over [alpha_min, alpha_max] (SP_EUNSUPPORTED) */
    double log_j_min, log_j_max;
};

/* Solves log J^{L,0}(alpha) = log_target by expanding a bracket by factors of 2
 * from alpha_guess within [alpha_min, alpha_max] and then Brent's method
 * (gsl_root_fsolver_brent) on log alpha to a relative tolerance tol in alpha.
 * SP_EUNSUPPORTED: no alpha in [alpha_min, alpha_max] reaches the target
 * (out->log_j_min/max hold the reachable range). SP_EINVAL: bad arguments or
 * norms that have no alpha. */
enum sp_status sp_alpha_solve(const struct sp_arch *a, const struct sp_theory_opts *o,
                              double ratio, double log_target, double alpha_guess,
                              double alpha_min, double alpha_max, double tol,
                              struct sp_alpha_solution *out);

/* Each sublayer kind's share of log J^{L,0}: the sum over blocks of the
 * increments of log J^{l,0} across the attention sublayers (log_j_attn) and
 * across the MLP sublayers (log_j_mlp); they add up to log J^{L,0}. */
struct sp_alpha_sides {
    double log_j_attn, log_j_mlp;
};
/* The shares at alpha_attn, alpha_mlp (both NAN: the architecture's own
 * alphas, so any norm, pre-LN included). SP_EINVAL: not a transformer, or
 * alphas given while a norm has none. */
enum sp_status sp_alpha_side_log_j(const struct sp_arch *a, const struct sp_theory_opts *o,
                                   double alpha_attn, double alpha_mlp,
                                   struct sp_alpha_sides *out);
/* The per-side rule: alpha_attn and alpha_mlp such that the attention share is
 * log_attn and the MLP share log_mlp (docs/alpha.md, "Both alphas"). Each
 * share increases with its own alpha; the two couple through q and p, so the
 * solve alternates 1-D solves (sp_alpha_solve's bracket and Brent) until
 * neither alpha moves by more than tol (relative). out->alpha is alpha_mlp,
 * out->log_j the sum of the shares at the solution, *at the shares themselves;
 * *sweeps the alternations used. Reasons via sp_last_error. */
enum sp_status sp_alpha_solve_sides(const struct sp_arch *a, const struct sp_theory_opts *o,
                                    double log_attn, double log_mlp, double alpha_guess,
                                    double alpha_min, double alpha_max, double tol,
                                    struct sp_alpha_solution *out, struct sp_alpha_sides *at,
                                    int *sweeps);

/* log J^{L,0} of the pre-LN network of the same shape (both norms LayerNorm). */
enum sp_status sp_alpha_preln_log_j(const struct sp_arch *a, const struct sp_theory_opts *o,
                                    double *log_j);

/* One recommendation of `sigprop alpha`: the alpha whose log J^{L,0} meets a
 * target, J^{L,0} = target (SP_ALPHA_TARGET_J), the pre-LN network's
 * (SP_ALPHA_MATCH_PRELN, target unused) or target times it (SP_ALPHA_BUDGET),
 * or each sublayer kind's share equal to pre-LN's (SP_ALPHA_MATCH_PRELN_SIDES,
 * by sp_alpha_solve_sides, target and ratio unused),
 * solved by sp_alpha_solve (ratio, guess, amin, amax, tol as there), with the
 * asymptotic lambda and phase at the solution and the sigma products. */
enum sp_alpha_target { SP_ALPHA_TARGET_J, SP_ALPHA_MATCH_PRELN, SP_ALPHA_BUDGET,
                       SP_ALPHA_MATCH_PRELN_SIDES };
struct sp_alpha_point {
    double log_target;     /* log of the J^{L,0} solved for */
    double log_j_preln;    /* log J^{L,0} of the pre-LN network (NAN: the toy) */
    struct sp_alpha_solution sol;
    /* SP_ALPHA_MATCH_PRELN_SIDES (ratio unused; sol.alpha_attn solved): the
     * shares at the solution and pre-LN's, and the alternations used; other
     * targets: NAN and 0 */
    struct sp_alpha_sides sides, sides_preln;
    int sweeps;
    double s_ov, s_21;     /* sp_arch_s_ov, sp_arch_s_21 (NAN: the toy) */
    double lambda;         /* sp_theory_asymptotics at the solution (NAN if it fails, */
    enum sp_phase phase;   /*  phase then subcritical) */
};
/* SP_EINVAL: a pre-LN target on the toy, target <= 0; SP_EUNSUPPORTED: no alpha
 * in [amin, amax] reaches the target (the reason gives the reachable range);
 * the solver's and the pre-LN reference's failures, each with its reason. */
enum sp_status sp_alpha_point(const struct sp_arch *a, const struct sp_theory_opts *o,
                              enum sp_alpha_target kind, double target, double ratio,
                              double guess, double amin, double amax, double tol,
                              struct sp_alpha_point *out);

/* ---- fit tables: what `sigprop fit` computes (src/analysis/fit_table.c) ----
 * A table of curves is split into groups by identifying columns; each group's
 * curve, log J against depth x (or against x = L - l for a backward APJN, L
 * the group's largest l), is fitted with every model and judged
 * (sp_fit_judge), one output row per group per model. */
struct sp_table;
struct sp_fit_table_opts {
    const char *file;      /* the table's name in reasons and notes ("-" default) */
    const char *column;    /* the curve (default J_fwd); a name starting with "log" is log J,
                            * anything else J (rows with J <= 0 are dropped, with a note) */
    const char *xcol;      /* the depth column; NULL: l, else depth, else layer */
    const char *secol;     /* standard errors; NULL: column_se, _err or _stderr if present */
    const char *groups;    /* comma list of group columns; "none": one curve; NULL: those
                            * present of version,model,norm,alpha,alpha_attn,alpha_mlp,width,
                            * tokens,depth,init_std,sigma_w,q0,p0,heads,kv_heads,mlp,mask */
    const char *drawcol;   /* draws of one curve; NULL: seed if present; "none": no draws */
    double x_lo, x_hi;     /* fit x_lo <= x <= x_hi only (default -inf, inf); x <= 0 never */
    double level;          /* confidence level of the intervals (default 0.95) */
    double min_delta;      /* criterion margin of a conclusive verdict (default 10) */
    enum sp_fit_model models[SP_FIT_NMODELS];
    int nmodels;           /* default: every model, in enum order */
    enum sp_fit_criterion crit; /* default AIC */
    int direction;         /* -1 auto (bwd if column contains "bwd"), 0 fwd, 1 bwd */
};
void sp_fit_table_opts_default(struct sp_fit_table_opts *o);
/* The option syntax of x_lo/x_hi and models, reasons starting with name.
 * sp_fit_range_parse: "A:B", either side empty for no bound ("200:" = from 200
 * on), A <= B, each a decimal number (sp_parse_real). sp_fit_models_parse: a
 * comma list of sp_fit_model_name words (empty items skipped, at most
 * SP_FIT_NMODELS kept), not empty. SP_EINVAL with the reason; the outputs are
 * written only on success. */
enum sp_status sp_fit_range_parse(const char *name, const char *s, double *lo, double *hi);
enum sp_status sp_fit_models_parse(const char *name, const char *s,
                                   enum sp_fit_model models[SP_FIT_NMODELS], int *nmodels);
/* What sp_fit_table resolved (names point into the input table's storage;
 * "" when absent). */
struct sp_fit_table_info {
    const char *x, *se_column, *draw_column;
    int bwd;
    size_t ngroups;
};
/* Fits every group of in into out (empty: sp_table_new()): the group columns
 * (one named like an output column is renamed in_NAME), then column, direction,
 * x_min, x_max, n, model, zeta, zeta_err, zeta_lo, zeta_hi, lambda, ...,
 * selected, phase, verdict, weighted, converged, ndraw, reason, as `sigprop fit
 * --help` lists them, groups in order of their first row. note (may be NULL)
 * gets each progress line (what was fitted, the verdicts, skipped groups).
 * info (may be NULL) is filled on success. Errors, with the reason:
 * SP_EINVAL for a request the table cannot meet (a --group or --draw-column
 * column it lacks, a curve with fewer than 3 distinct x), SP_EFORMAT for a
 * table without the curve, depth or error column, draws of unequal depths, or
 * no group with 3 usable points, SP_ENUMERIC when the fits fail, SP_ENOMEM. */
enum sp_status sp_fit_table(const struct sp_fit_table_opts *o, const struct sp_table *in,
                            struct sp_table *out, struct sp_fit_table_info *info,
                            void (*note)(void *ctx, const char *msg), void *ctx);

/* Least-squares power law y = A x^-b through points (x, y > 0), fitted as a
 * straight line in log-log (gsl_fit_linear): *A, *b and the standard error of b.
 * SP_EINVAL for fewer than 2 points or non-positive values. */
enum sp_status sp_fit_power_law(const double *x, const double *y, size_t n, double *A,
                                double *b, double *b_err);

/* ---- the transfer rule ----
 * A grid of recommended alphas over depths x widths, alphas[i * nwidth + j] at
 * (depths[i], widths[j]), is summarised by power laws fitted with
 * sp_fit_power_law: for every width (when ndepth >= 2) alpha = A depth^-b, then
 * for every depth (when nwidth >= 2) alpha = A width^-b, in that order. laws:
 * room for nwidth + ndepth records; *nlaws: how many were fitted (a fit that
 * fails, e.g. a repeated coordinate, is left out). SP_EINVAL: NULL pointers
 * or an empty grid. */
struct sp_alpha_law {
    int over_width;  /* 0: alpha = A depth^-b at a fixed width; 1: A width^-b at a fixed depth */
    double fixed;    /* the other coordinate */
    double A, b, b_err;
};
enum sp_status sp_alpha_transfer_fit(const double *depths, size_t ndepth, const double *widths,
                                     size_t nwidth, const double *alphas,
                                     struct sp_alpha_law *laws, size_t *nlaws);

/* ---- verification of a recommended alpha on a finite network ----
 * sp_alpha_verify_arch: the verification network of a recommendation: a copy of
 * a (a resolved transformer) with the solved alphas (MLP norm sol->alpha,
 * attention norm sol->alpha_attn; sol NULL: a's own alphas) and the same
 * tokens, heads, sigmas, norms and depth. width 0 or a->width: the recommended
 * width itself, so nothing differs. 0 < width < a->width asks for a narrower
 * copy for cost: the sigmas stay the resolved ones, tokens are capped at that
 * width, heads kept when they divide it, else the largest divisor below them.
 * *input: the input to measure it with: equiangular (exact q0, p0), or Gaussian
 * tokens of the same covariance when n > d (equiangular needs n <= d) and
 * p0 >= 0. differs: a one-line account of what differs from the
 * recommendation ("width 1024 -> 64; tokens 256 -> 64; heads 16 -> 1"), ""
 * when nothing does. *out is resolved. SP_EINVAL (sp_last_error says why): not
 * a transformer, width above a->width, or an input no measurement can make. */
enum sp_status sp_alpha_verify_arch(const struct sp_arch *a, const struct sp_alpha_solution *sol,
                                    int width, struct sp_arch *out, enum sp_net_input *input,
                                    char *differs, size_t differs_len);

struct sp_alpha_verification {
    double j_theory;      /* mean-field J^{L,0} of the verification network */
    double j_measured;    /* measured J^{L,0} (mean over draws) and its standard error */
    double j_se;
    double ratio;         /* j_measured / j_theory */
    double lo, hi;        /* the accepted interval: j_theory (1 -+ tol) -+ 2 j_se */
    int pass;             /* lo <= j_measured <= hi */
};
/* Measures J^{L,0} of the verification network v (from sp_alpha_verify_arch;
 * its alphas are those solved for) with no (its measure mask is forced to the
 * forward pass, without sublayer rows) and compares it with the mean-field J^{L,0} of v under o:
 * passes when |measured - theory| <= tol * theory + 2 se (tol >= 0, relative).
 * A failed comparison is SP_OK with pass = 0; a failing status (SP_ENOMEM,
 * SP_ENUMERIC, ...) means nothing was compared. */
enum sp_status sp_alpha_verify(const struct sp_arch *v, const struct sp_theory_opts *o,
                               const struct sp_net_opts *no, double tol,
                               struct sp_alpha_verification *out);

/* ---- comparison of a measurement with the theory (SPEC 4) ----
 * Per block, measured / theory of q, p, J^{l,0} and J^{L,l}, and the
 * geometric-mean multiplicative error GMFE = exp(mean |log(measured / theory)|)
 * over the blocks of each depth third: shallow 0 < l <= L/3, middle
 * L/3 < l <= 2L/3, deep l > 2L/3 (l = 0 belongs to shallow), and all blocks.
 * The row where a quantity is 1 by construction is left out: l = 0 for q, p and
 * J_fwd, l = L for J_bwd. Ratios that are not finite and positive are left out
 * (counted in n by neither). */
enum sp_compare_quantity { SP_CMP_Q, SP_CMP_P, SP_CMP_JFWD, SP_CMP_JBWD };
#define SP_COMPARE_NQ 4
enum sp_compare_range { SP_CMP_SHALLOW, SP_CMP_MIDDLE, SP_CMP_DEEP, SP_CMP_ALL };
#define SP_COMPARE_NRANGES 4
/* "q", "p", "J_fwd", "J_bwd"; "shallow", "middle", "deep", "all" */
const char *sp_compare_quantity_name(enum sp_compare_quantity q);
const char *sp_compare_range_name(enum sp_compare_range r);
/* The third (SP_CMP_SHALLOW..SP_CMP_DEEP) that block l of L belongs to. */
enum sp_compare_range sp_compare_third(double l, double L);

struct sp_compare_row {
    double l;
    double measured[SP_COMPARE_NQ], theory[SP_COMPARE_NQ], ratio[SP_COMPARE_NQ];
};
/* out[k] from m[k] and t[k] (theory J from its logs), k < n. SP_EINVAL: NULL
 * pointers, or rows whose l differ (a measurement and theory of other shapes). */
enum sp_status sp_compare_rows(const struct sp_net_row *m, const struct sp_theory_row *t,
                               size_t n, struct sp_compare_row *out);

struct sp_compare_gmfe {
    double l_from, l_to;  /* the range's bounds: 0, L/3, 2L/3, L */
    size_t n;             /* ratios averaged; 0: gmfe is NAN */
    double gmfe;
};
/* GMFE of ratio[0..n) at blocks l[0..n) of depth L > 0 for quantity q (which
 * says which row is exact by construction), per range: out[SP_COMPARE_NRANGES]. */
enum sp_status sp_compare_gmfe(const double *l, const double *ratio, size_t n, double L,
                               enum sp_compare_quantity q, struct sp_compare_gmfe *out);
/* GMFE of ratio[0..n) with no split (e.g. one ratio per network); *count:
 * ratios used (may be NULL); NAN when none is finite and positive. */
double sp_compare_gmfe_ratios(const double *ratio, size_t n, size_t *count);
/* The same as sp_compare_gmfe for every quantity of rows: out[quantity][range]. */
enum sp_status sp_compare_summary(const struct sp_compare_row *rows, size_t n, double L,
                                  struct sp_compare_gmfe out[SP_COMPARE_NQ][SP_COMPARE_NRANGES]);

/* ---- resumable sweeps ----
 * A sweep is a list of grid points numbered 0..npoints-1; its output is a CSV
 * file whose rows each start with the grid index and are appended one whole
 * line per write() followed by fsync(), so a crash leaves at most one torn
 * last line. */

/* A mixed-radix grid: axis k has sizes[k] values; index = sum of coords[k]
 * times the product of the sizes of the later axes (the last axis varies
 * fastest). sp_grid_size returns SIZE_MAX when the product overflows a size_t;
 * sp_grid_count returns SP_EINVAL then (reason: which axis), else *out. */
size_t sp_grid_size(const size_t *sizes, size_t naxes);
enum sp_status sp_grid_count(const size_t *sizes, size_t naxes, size_t *out);
void sp_grid_coords(const size_t *sizes, size_t naxes, size_t index, size_t *coords);

/* The largest sweep: 10^7 grid points, and at most half of the machine's
 * physical memory at SP_SWEEP_BYTES_PER_POINT bytes a point (the resume keys
 * and flags of every point are held in memory). */
#define SP_SWEEP_MAX_POINTS 10000000
#define SP_SWEEP_BYTES_PER_POINT 320
/* Checks a grid of nconfigs configurations x ndepths depths against those
 * limits before anything is built: SP_EINVAL with the numbers in the reason
 * (overflow, over the point limit, over the memory estimate). *npoints (may be
 * NULL) gets the product. */
enum sp_status sp_sweep_check_size(size_t nconfigs, size_t ndepths, size_t *npoints);

/* Opens (creating if absent) a sweep output for appending, and locks it: an
 * exclusive fcntl() record lock on the file itself, held until fd is closed or
 * the process ends (no lock file); a file locked by another process gives
 * SP_EIO, "'path' is being written by another sigprop (pid N)". force: the
 * file is emptied (under the lock) and started afresh. Otherwise, if the file
 * has content: a torn last line (no final newline) is cut off; the first line
 * must equal header (without newline); every further line must start with
 * "<i>," where i < npoints and, when keys is not NULL, continue with keys[i]
 * followed by ',' or end of line. keys[i] (npoints strings, not consumed) is
 * the comma-separated key of point i (header column 1 + f names key field
 * f); bit f of settings marks key field f as a setting (not a grid axis of
 * this sweep: one value for every point), fields 64 and later are settings. done[i] is set for every index present (done: (npoints), zeroed
 * here), *ndone counts them. An empty or new file gets the header written. A
 * path that is not a regular file (/dev/null, a FIFO) gets the header and is
 * never read, locked or resumed. On success *fd is open for appending (close
 * it when done). On failure nothing is changed and the reason names the file
 * and line: SP_EINVAL a row computed with other settings (names the column and
 * both values), SP_EFORMAT a different header, a row of another grid, a
 * duplicate or binary data, SP_EIO open/lock/read/write failures. */
enum sp_status sp_sweep_open(const char *path, const char *header, size_t npoints,
                             const char *const *keys, uint64_t settings, int force,
                             unsigned char *done, size_t *ndone, int *fd);
/* Appends len bytes (whole lines) with one write() and fsync()s (a file that
 * cannot be synced, /dev/null, is not an error). */
enum sp_status sp_sweep_append(int fd, const char *buf, size_t len);

/* The resume schedule: task t (a configuration) owns grid points
 * t * ndepths .. t * ndepths + ndepths - 1. Writes into pending (ntasks
 * entries) the tasks, in order, with a point not done[] (done: ntasks *
 * ndepths), returns their count; *ntodo (may be NULL) gets the points to do. */
size_t sp_sweep_pending(size_t ntasks, size_t ndepths, const unsigned char *done,
                        size_t *pending, size_t *ntodo);

/* ---- one sweep task: the rows of one configuration at every depth ----
 * A growable text buffer the caller owns: start it zeroed, free(s) at the end;
 * rows are appended (len grows). */
struct sp_sweep_rows {
    char *s;
    size_t len, cap;
};
struct sp_net_opts;
/* Runs configuration (a resolved at the largest of depths[0..ndepths), topts)
 * once, the theory when theory != 0 and the finite network when measure is not
 * NULL, and appends one CSV line per depth j whose point first + j is not
 * done[] (done may be NULL): "<i>,<keys[i]>" then q_L,p_L,J_L0,logJ_L0,phase,
 * zeta,lambda,xi,l_star (theory), q_L_measured,q_L_se,J_L0_measured,J_L0_se
 * (measure), status ("ok", "theory: <status>" or "measure: <status>"; a failed
 * point is a row, not an error). keys: the sweep's key strings, indexed by grid
 * index. Numbers as sp_csv_num writes them. SP_ENOMEM is the only error. Safe
 * to call from several threads at once (distinct out). */
enum sp_status sp_sweep_task_rows(const struct sp_arch *a, const struct sp_theory_opts *topts,
                                  size_t first, const int *depths, size_t ndepths, int theory,
                                  const struct sp_net_opts *measure, const char *const *keys,
                                  const unsigned char *done, struct sp_sweep_rows *out);

struct sp_sweep_plan;
/* Theory-only rows (p->measure NULL) of tasks p->tasks[list[k * stride]],
 * k < n, into out[k], as sp_sweep_task_rows writes them. When the depths add
 * up to at most 4 times the largest, consecutive tasks that differ only in
 * alpha form one family, computed at each depth by one
 * sp_theory_summary_batch (vectorised over alpha); else, and for a family
 * whose batch fails for some alpha, each task takes the per-task path (its
 * rows say which point failed, and why). Families run one per thread when there are many, else one after
 * another over every thread; the bytes do not depend on it. SP_ENOMEM only. */
enum sp_status sp_sweep_theory_rows(const struct sp_sweep_plan *p, const size_t *list,
                                    size_t n, size_t stride, const unsigned char *done,
                                    struct sp_sweep_rows *out);

/* ---- the scheduler ----
 * A configuration of the grid, resolved at the grid's largest depth; its
 * points are first .. first + ndepths - 1 (first = task index x ndepths);
 * combo is its index in the grid of the axes but depth. */
struct sp_sweep_task {
    struct sp_arch a;
    struct sp_theory_opts o;
    size_t first, combo;
};
/* What to compute: tasks[0..ntasks), depths[0..ndepths) (ascending or not,
 * distinct), the theory when theory != 0 and the finite network with measure
 * when it is not NULL, keys[ntasks * ndepths] (sp_sweep_open's). Not owned. */
struct sp_sweep_plan {
    const struct sp_sweep_task *tasks;
    size_t ntasks;
    const int *depths;
    size_t ndepths;
    int theory;
    const struct sp_net_opts *measure;
    const char *const *keys;
};
/* The sweep's CSV header (malloc'ed, the caller frees it; NULL: out of
 * memory): i, the grid columns, the setting columns (theory and/or measure
 * ones), the result columns, status; key_only: only the key's columns (grid
 * and settings, no i). */
char *sp_sweep_header(int theory, int measure, int key_only);
/* The key of every point (ntasks * ndepths strings, point first + j of task t
 * at depths[j]): the columns sp_sweep_header(.., 1) names, as resolved (nan or
 * empty where the model has no such field). p->keys is not read. *keys is
 * freed with sp_sweep_keys_free(keys, ntasks * ndepths). SP_ENOMEM only. */
enum sp_status sp_sweep_keys(const struct sp_sweep_plan *p, char ***keys);
void sp_sweep_keys_free(char **keys, size_t n);

struct sp_sweep_comm;
/* Computes every point not done[] (ntasks * ndepths flags, e.g. from
 * sp_sweep_open; identical on every rank) in batches of batch configurations
 * (0: 8 per thread per rank; theory only: at least 65536 / ndepths), in grid
 * order; rank 0 appends each batch to fd
 * (>= 0, sp_sweep_append) or writes it to stream (fd < 0). progress (may be
 * NULL) is called on rank 0 after each batch with points done and to do.
 * *nfailed (may be NULL): rows whose status is not ok (they are written; the
 * run goes on). Collective under MPI: any rank's failure stops every rank.
 * SP_ENOMEM, SP_EIO (write failed), with the reason. */
enum sp_status sp_sweep_run(const struct sp_sweep_plan *p, const struct sp_sweep_comm *c,
                            const unsigned char *done, size_t batch, int fd, FILE *stream,
                            void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                            size_t *nfailed);

/* ---- training sweeps (sweep --mode train, src/analysis/sweep_train.c) ----
 * Grid point i is one training run of the ViT of sigprop/train.h: configs[i]
 * trained with opts[i] (checkpoint, stop_at and progress are ignored) on train,
 * evaluated on test (eval_max images), beside the prediction for its
 * architecture (sp_sweep_train_arch): the version-C theory's J^{L,0}, lambda and
 * phase, the alpha `sigprop alpha --match-preln` recommends for that shape (DyT
 * and Derf rows; NAN for LayerNorm) and, with measure non-NULL, J^{L,0} measured
 * by sp_net_measure_weights on the run's own initial weights (sp_vit_net_init at
 * opts[i].seed; the inputs are the measurement's, not images). */
struct sp_vit_config;
struct sp_train_opts;
struct sp_dataset;
struct sp_sweep_train_plan {
    const struct sp_vit_config *configs; /* npoints */
    const struct sp_train_opts *opts;    /* npoints */
    size_t npoints;
    const struct sp_dataset *train, *test;
    const struct sp_net_opts *measure;   /* NULL: no measurement (nan columns) */
    const char *const *keys;             /* npoints, sp_sweep_train_keys */
};
/* i, the key columns (the records schema, then lr, warmup, steps, batch, schedule,
 * weight_decay, clip, diverge_factor, train_images, eval_images, seeds, probes), then
 * J_L0_pred, logJ_L0_pred, lambda, phase, alpha_rec, J_L0_measured, J_L0_se,
 * init_loss, eval_loss, eval_acc, diverged, diverged_step, steps_done, status;
 * key_only: the key columns alone. malloc'ed; NULL: out of memory. */
char *sp_sweep_train_header(int key_only);
/* The architecture the theory and the measurement see for c (sp_vit_net_arch):
 * tokens = sp_vit_tokens(c), sigmas of the trainer's init. SP_EINVAL from the
 * config check, with its reason. */
enum sp_status sp_sweep_train_arch(const struct sp_vit_config *c, struct sp_arch *a);
/* Key strings of every point (free with sp_sweep_keys_free(keys, npoints)).
 * SP_EINVAL: a config the trainer refuses (reason); SP_ENOMEM. */
enum sp_status sp_sweep_train_keys(const struct sp_sweep_train_plan *p, char ***keys);
/* Runs point i and appends its row (a failed run is a row whose status says
 * why, not an error). SP_ENOMEM only. Deterministic: same bits at any thread count. */
enum sp_status sp_sweep_train_row(const struct sp_sweep_train_plan *p, size_t i,
                                  struct sp_sweep_rows *out);
/* Every point not done[] (npoints flags) in grid order, one run per MPI rank per
 * write, as sp_sweep_run (fd >= 0: sp_sweep_append; else stream). */
enum sp_status sp_sweep_train_run(const struct sp_sweep_train_plan *p,
                                  const struct sp_sweep_comm *c, const unsigned char *done,
                                  int fd, FILE *stream,
                                  void (*progress)(void *ctx, size_t done, size_t total),
                                  void *ctx, size_t *nfailed);
/* What a finished map says: the Spearman rank correlation (gsl_stats_spearman) of
 * logJ_L0_pred and eval_acc over the n rows where both are finite (a diverged run
 * counts with the accuracy it stopped at), and the recommended alpha (alpha_rec of
 * the first DyT/Derf row) against the grid's norm without alpha (the reference:
 * LayerNorm if the map has ln rows, else RMSNorm): the grid alpha nearest it in log
 * alpha, its mean eval_acc over the pairs of (lr, warmup, depth) where a reference
 * row exists, and the reference rows' mean over the same pairs. */
struct sp_stability {
    size_t rows, n, diverged, pairs;
    double rho;          /* NAN with n < 3 or a constant column */
    double rec_alpha, grid_alpha, rec_acc;
    double preln_acc;    /* the reference rows' mean eval_acc (pre-LN or RMSNorm) */
    const char *ref_norm;  /* the reference's norm column, "ln" or "rms"; NULL: none */
    const char *ref_label; /* its name for output: "pre-LN", "RMSNorm"; "none" */
};
/* SP_EFORMAT: a table without the columns of sweep --mode train. */
struct sp_table;
enum sp_status sp_stability_summary(const struct sp_table *t, struct sp_stability *out);

/* ---- the sweep grid (src/analysis/sweep_grid.c): what `sigprop sweep` and
 * Python's sweep() build from an architecture request and the grid axes ----
 * Axes in output order; depth varies fastest, then alpha. Values are doubles:
 * norm an enum sp_fn, width/tokens/depth integers. An axis not given has one
 * value, the request's (NAN). */
enum sp_sweep_axis {
    SP_SWEEP_NORM, SP_SWEEP_WIDTH, SP_SWEEP_INIT_STD, SP_SWEEP_TOKENS, SP_SWEEP_Q0,
    SP_SWEEP_P0, SP_SWEEP_SIGMA_W, SP_SWEEP_ALPHA, SP_SWEEP_DEPTH, SP_SWEEP_NAXES
};
struct sp_archspec;
struct sp_archspec_notes;
struct sp_measurespec;
struct sp_sweep_grid {
    double *values[SP_SWEEP_NAXES]; /* owned copies (sp_sweep_grid_axis) */
    size_t nvalues[SP_SWEEP_NAXES]; /* 0: not given */
    /* after sp_sweep_grid_build: */
    int *depths;
    size_t ndepths;
    struct sp_sweep_task *tasks; /* every configuration, validated */
    size_t ntasks, npoints;      /* npoints = ntasks * ndepths */
    char **keys;                 /* npoints resume keys (sp_sweep_keys) */
    uint64_t settings;           /* sp_sweep_open's setting bits: grid axes of one value too */
    struct sp_sweep_plan plan;   /* tasks, depths, keys, theory, measure: for sp_sweep_run */
    char *header;                /* the CSV header (sp_sweep_header) */
    size_t batch;                /* in: sp_sweep_run's batch (0: its default) */
};
void sp_sweep_grid_init(struct sp_sweep_grid *g);
void sp_sweep_grid_free(struct sp_sweep_grid *g); /* everything it holds; init'ed again */
/* Gives axis k the values v[0..n) (copied; n >= 1; a later call replaces them). */
enum sp_status sp_sweep_grid_axis(struct sp_sweep_grid *g, enum sp_sweep_axis k, const double *v,
                                  size_t n);
/* The same from text, each value parsed and validated as the key table does for
 * that axis' key (sp_archspec_set: "norm" 'derf', "alpha" '0.5'; reasons in
 * style): for bindings that hold the request opaque. */
enum sp_status sp_sweep_grid_parse(struct sp_sweep_grid *g, enum sp_sweep_axis k,
                                   const char *const *text, size_t n, enum sp_archkey_style style);
/* Builds every configuration of the grid (once: a built grid is refused) from
 * the request s (its alpha list unused; every axis given replaces the request's
 * key): the depths (the axis, else the depth the request resolves to), the size
 * limits (sp_sweep_check_size), one task per configuration resolved at the
 * largest depth (a norm without alpha has one task, alpha NAN, for the whole
 * alpha axis), the keys, the setting bits and the header. theory and measure
 * (may be NULL) as in struct sp_sweep_plan (measure is kept, not copied). note
 * (may be NULL) is called with the point's request before each
 * sp_archspec_build (a, n NULL) and after a successful one with what it found.
 * SP_EINVAL with a reason that names the axis in s->style (a depth or value
 * given twice, an axis that does not change the rows of the model: "--width
 * does not change the rows of this model ...", a configuration the request
 * refuses, over the size limits), SP_ENOMEM. */
enum sp_status sp_sweep_grid_build(struct sp_sweep_grid *g, const struct sp_archspec *s,
                                   int theory, const struct sp_net_opts *measure,
                                   void (*note)(void *ctx, const struct sp_archspec *point,
                                                const struct sp_arch *a,
                                                const struct sp_archspec_notes *n),
                                   void *ctx);
/* Whether every task can be measured with m (sp_measure_plan, one plan for the
 * grid): SP_OK, or its status and reason with *bad (may be NULL) the task. */
enum sp_status sp_sweep_grid_check_measure(const struct sp_sweep_grid *g,
                                           const struct sp_measurespec *m, size_t *bad);

/* ---- the training sweep's grid (sweep --mode train, src/analysis/sweep_train_grid.c) ----
 * Axes slowest first (alpha varies fastest); an axis not given has one value,
 * the trainer's default (warmup: the default's, or a tenth of steps when that is
 * shorter). norm an enum sp_fn (every norm of the block and the final one). */
enum sp_sweep_train_axis {
    SP_SWEEP_TRAIN_NORM, SP_SWEEP_TRAIN_DEPTH, SP_SWEEP_TRAIN_LR, SP_SWEEP_TRAIN_WARMUP,
    SP_SWEEP_TRAIN_ALPHA, SP_SWEEP_TRAIN_NAXES
};
#define SP_SWEEP_TRAIN_MAX_RUNS 100000
struct sp_sweep_train_grid {
    double *values[SP_SWEEP_TRAIN_NAXES]; /* owned copies */
    size_t nvalues[SP_SWEEP_TRAIN_NAXES];
    /* after sp_sweep_train_grid_build: */
    struct sp_vit_config *configs; /* npoints, validated */
    struct sp_train_opts *opts;
    size_t npoints;
    uint64_t settings;
    /* after sp_sweep_train_grid_keys: */
    char **keys;
    struct sp_sweep_train_plan plan;
    char *header; /* sp_sweep_train_header(0) */
};
void sp_sweep_train_grid_init(struct sp_sweep_train_grid *g);
void sp_sweep_train_grid_free(struct sp_sweep_train_grid *g);
enum sp_status sp_sweep_train_grid_axis(struct sp_sweep_train_grid *g,
                                        enum sp_sweep_train_axis k, const double *v, size_t n);
/* One (config, options) pair per grid point from the resolved c0, o0
 * (sp_trainspec_build): a norm without alpha has one point for the alpha axis.
 * SP_EINVAL, reasons naming the axis in style: a value given twice, more than
 * SP_SWEEP_TRAIN_MAX_RUNS runs, a point the trainer refuses; SP_ENOMEM. */
enum sp_status sp_sweep_train_grid_build(struct sp_sweep_train_grid *g,
                                         const struct sp_vit_config *c0,
                                         const struct sp_train_opts *o0,
                                         enum sp_archkey_style style);
/* With the data loaded: every point's batch fits train (SP_EINVAL "batch B is
 * larger than the N training images", the key in style), the plan, the keys and
 * the header. */
enum sp_status sp_sweep_train_grid_keys(struct sp_sweep_train_grid *g,
                                        const struct sp_dataset *train,
                                        const struct sp_dataset *test,
                                        const struct sp_net_opts *measure,
                                        enum sp_archkey_style style);
/* The stability summary of a finished map file as text: *text (malloc'ed, the
 * caller frees it) gets one '\n'-terminated line per finding, "" when
 * sp_stability_summary finds nothing. SP_EIO/SP_EFORMAT: the file cannot be read
 * back as a table; SP_ENOMEM. */
enum sp_status sp_stability_summary_text(const char *path, char **text);

/* ---- the sweep's output (src/analysis/sweep_output.c): the locked, resumable
 * file (or a stream) every sweep mode writes ---- */
struct sp_sweep_output {
    /* in: path NULL writes to stream; resume insists the file exists; force
     * starts it afresh; header, npoints, keys, settings as sp_sweep_open */
    const char *path;
    int resume, force;
    const char *header;
    size_t npoints;
    const char *const *keys;
    uint64_t settings;
    FILE *stream;
    struct sp_sweep_comm *comm; /* sp_sweep_comm_init'ed by the caller */
    /* the run (sp_sweep_run or sp_sweep_train_run of grid), as set by
     * sp_sweep_grid_output or sp_sweep_train_grid_output */
    enum sp_status (*run)(const void *grid, const struct sp_sweep_comm *c,
                          const unsigned char *done, int fd, FILE *stream,
                          void (*progress)(void *ctx, size_t done, size_t total), void *ctx,
                          size_t *nfailed);
    const void *grid;
    /* out, after sp_sweep_output_open: */
    unsigned char *done; /* npoints flags, identical on every rank */
    size_t ndone;
    int fd;      /* -1: stream */
    int missing; /* resume of a path that does not exist (SP_EIO) */
};
/* Rank 0 opens and locks path (sp_sweep_open; with resume a missing path is
 * SP_EIO, missing set, reason "'path' does not exist") or writes the header to
 * stream; the status and done[] are broadcast: every rank returns rank 0's
 * status (the reason is rank 0's). Call sp_sweep_output_close afterwards, also
 * after a failure. */
enum sp_status sp_sweep_output_open(struct sp_sweep_output *w);
/* After a successful open: every point not done, by w->run, rows to the file or
 * the stream; progress and nfailed as sp_sweep_run. */
enum sp_status sp_sweep_output_run(const struct sp_sweep_output *w,
                                   void (*progress)(void *ctx, size_t done, size_t total),
                                   void *ctx, size_t *nfailed);
void sp_sweep_output_close(struct sp_sweep_output *w); /* fd, done; not the comm */
/* What a built grid gives its output: header, npoints, keys, settings, run
 * (the grid must outlive w). */
void sp_sweep_grid_output(const struct sp_sweep_grid *g, struct sp_sweep_output *w);
void sp_sweep_train_grid_output(const struct sp_sweep_train_grid *g, struct sp_sweep_output *w);

/* ---- distributed sweeps (MPI) ----
 * Every MPI call is in src/analysis/sweep_mpi.c, built only with MPI; without
 * it these are the one-rank versions. A sweep's tasks are dealt round-robin:
 * in a batch of n list positions, rank r computes positions r, r + nranks, ...
 * (mine of them). */
struct sp_sweep_comm {
    int rank, nranks;
    int mpi;          /* 1 once MPI_Init has been called */
};
/* 1 when the environment says mpirun started this process (OMPI_COMM_WORLD_SIZE,
 * PMIX_RANK, PMI_RANK or PMI_SIZE): MPI is never started as a singleton. */
int sp_sweep_comm_launched(void);
/* MPI_Init when launched by mpirun and built with MPI; else rank 0 of 1. */
enum sp_status sp_sweep_comm_init(struct sp_sweep_comm *c);
void sp_sweep_comm_finalize(struct sp_sweep_comm *c);
void sp_sweep_comm_abort(const struct sp_sweep_comm *c);     /* MPI_Abort; no-op alone */
/* Broadcasts n bytes from rank 0; the maximum of v over the ranks. */
void sp_sweep_comm_bcast(const struct sp_sweep_comm *c, void *buf, size_t n);
int sp_sweep_comm_max(const struct sp_sweep_comm *c, int v);
/* bufs[m], lens[m] (m < mine): this rank's outputs of its list positions in
 * order. On rank 0 *out (malloc'ed, NUL-terminated, the caller frees it) gets
 * every position's bytes in list order, *outlen their length; other ranks get
 * NULL, 0. Collective under MPI. The _local version is the one-rank case. */
enum sp_status sp_sweep_comm_gather(const struct sp_sweep_comm *c, size_t n, size_t mine,
                                    char *const *bufs, const size_t *lens, char **out,
                                    size_t *outlen);
enum sp_status sp_sweep_comm_gather_local(size_t n, size_t mine, char *const *bufs,
                                          const size_t *lens, char **out, size_t *outlen);

#ifdef __cplusplus
}
#endif
#endif
