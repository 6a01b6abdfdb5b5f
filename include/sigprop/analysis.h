/* sigprop/analysis.h: turning curves into answers. Fits of an APJN curve
 * (power law, stretched exponential, exponential) with model selection and a
 * phase verdict; the alpha that meets an amplification target (and its
 * scaling law with depth and width: the transfer rule); and the bookkeeping of
 * resumable grid sweeps. Built on sigprop/theory.h; never prints. */
#ifndef SIGPROP_ANALYSIS_H
#define SIGPROP_ANALYSIS_H

#include <stddef.h>

#include "sigprop/core.h"
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
    enum sp_phase phase; /* the phase this model implies */
};

/* Fits one model. x, y, sigma: (n); sigma may be NULL (unweighted) and holds the
 * standard errors of y = log J. level: confidence level in (0, 1), e.g. 0.95.
 * SP_EINVAL: n < k + 1, a non-positive x, a non-finite value or sigma <= 0.
 * SP_ENUMERIC: the solver failed. */
enum sp_status sp_fit_curve(enum sp_fit_model model, const double *x, const double *y,
                            const double *sigma, size_t n, double level,
                            struct sp_fit_result *out);

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

/* log J^{L,0} of the pre-LN network of the same shape (both norms LayerNorm). */
enum sp_status sp_alpha_preln_log_j(const struct sp_arch *a, const struct sp_theory_opts *o,
                                    double *log_j);

/* Least-squares power law y = A x^-b through points (x, y > 0), fitted as a
 * straight line in log-log (gsl_fit_linear): *A, *b and the standard error of b.
 * SP_EINVAL for fewer than 2 points or non-positive values. */
enum sp_status sp_fit_power_law(const double *x, const double *y, size_t n, double *A,
                                double *b, double *b_err);

/* ---- resumable sweeps ----
 * A sweep is a list of grid points numbered 0..npoints-1; its output is a CSV
 * file whose rows each start with the grid index and are appended one whole
 * line per write() followed by fsync(), so a crash leaves at most one torn
 * last line. */

/* A mixed-radix grid: axis k has sizes[k] values; index = sum of coords[k]
 * times the product of the sizes of the later axes (the last axis varies
 * fastest). */
size_t sp_grid_size(const size_t *sizes, size_t naxes);
void sp_grid_coords(const size_t *sizes, size_t naxes, size_t index, size_t *coords);

/* Opens (creating if absent) a sweep output for appending. If the file has
 * content: a torn last line (no final newline) is cut off; the first line must
 * equal header (without newline); every further line must start with
 * "<i>," where i < npoints and, when keys is not NULL, continue with keys[i]
 * (the grid columns of point i) followed by ',' or end of line. done[i] is set
 * for every index present (done: (npoints), zeroed here), *ndone counts them.
 * An empty or new file gets the header written. On success *fd is open for
 * appending. SP_EFORMAT: a different header, a duplicate or foreign row
 * (err says which line). */
enum sp_status sp_sweep_open(const char *path, const char *header, size_t npoints,
                             const char *const *keys, unsigned char *done, size_t *ndone,
                             int *fd, char *err, size_t errlen);
/* Appends len bytes (whole lines) with one write() and fsync()s. */
enum sp_status sp_sweep_append(int fd, const char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif
