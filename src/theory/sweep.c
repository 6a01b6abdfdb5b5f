/* Phase-diagram sweeps over alpha: log J^{l,0} at every block for many alphas.
 * The scalar path runs the ordinary recursion per alpha (OpenMP over alphas);
 * the transformer with erf norms under version A dispatches to the SIMD kernel
 * (sweep_simd.h) when the CPU has AVX2/AVX-512, the transformer with tanh
 * norms to the DyT kernel (sweep_dyt.h, the tabulated maps of quad_table.c).
 * Each alpha is computed by one thread from its own inputs only, so results do
 * not depend on the thread count. */
#include <math.h>
#include <stdlib.h>

#include "sigprop/theory.h"
#include "theory/internal.h"
#include "theory/sweep_dyt.h"
#include "theory/sweep_simd.h"

static void set_alpha(struct sp_arch *a, const double *aa, const double *am, size_t i)
{
    if (a->model == SP_MODEL_TOY) {
        if (am)
            a->phi.alpha = am[i];
        return;
    }
    if (aa)
        a->norm_attn.alpha = aa[i];
    if (am)
        a->norm_mlp.alpha = am[i];
}

enum sp_status sp_theory_sweep_alpha_scalar(const struct sp_arch *a,
                                            const struct sp_theory_opts *o,
                                            const double *alpha_attn, const double *alpha_mlp,
                                            size_t nalpha, double *log_j, double *q_last)
{
    struct sp_theory_opts ob = *o;
    ob.sublayers = 0;
    size_t nrows = sp_theory_nrows(a, &ob), L = (size_t)a->depth;
    enum sp_status status = SP_OK;
#pragma omp parallel
    {
        struct sp_theory_row *rows = malloc(nrows * sizeof *rows);
        if (!rows) {
#pragma omp atomic write
            status = SP_ENOMEM;
        }
#pragma omp for schedule(dynamic, 4)
        for (size_t i = 0; i < nalpha; i++) {
            if (!rows)
                continue;
            struct sp_arch ai = *a;
            set_alpha(&ai, alpha_attn, alpha_mlp, i);
            enum sp_status s = sp_theory_run(&ai, &ob, rows, nrows);
            if (s != SP_OK) {
#pragma omp atomic write
                status = s;
                continue;
            }
            if (log_j)
                for (size_t l = 0; l <= L; l++)
                    log_j[i * (L + 1) + l] = rows[l].log_jfwd;
            if (q_last)
                q_last[i] = rows[L].q;
        }
        free(rows);
    }
    return status;
}

enum sp_status sp_theory_sweep_alpha(const struct sp_arch *a, const struct sp_theory_opts *o,
                                     const double *alpha_attn, const double *alpha_mlp,
                                     size_t nalpha, double *log_j, double *q_last)
{
    if (!a || !o)
        return SP_EINVAL;
    if (sp_sweep_simd_applies(a, o))
        return sp_sweep_simd(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
    if (sp_sweep_dyt_applies(a, alpha_attn, alpha_mlp, nalpha))
        return sp_sweep_dyt(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
    return sp_theory_sweep_alpha_scalar(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
}
