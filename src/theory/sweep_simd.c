/* Chooses the SIMD alpha-sweep kernel at run time through the one CPU policy
 * (sigprop/cpu.h): AVX-512F, else AVX2 + FMA, else none (the caller takes the
 * scalar path). SP_SIMD=scalar|avx2|avx512 caps the choice (tests, benchmark). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/cpu.h"
#include "sp_assert.h"
#include "sp_config.h"
#include "theory/sweep_simd.h"
#include "theory/sweep_dyt.h"

enum isa { ISA_NONE = SP_ISA_SCALAR, ISA_AVX2 = SP_ISA_AVX2, ISA_AVX512 = SP_ISA_AVX512 };

static enum isa best_isa(void)
{
    return (enum isa)sp_cpu_isa();
}

static int erf_noshift(const struct sp_fnspec *f) { return f->kind == SP_FN_DERF && f->shift == 0.0; }

int sp_sweep_simd_applies(const struct sp_arch *a, const struct sp_theory_opts *o)
{
    /* every attention form but gaussian (softmax.c) and every APJN version has a SIMD
     * path; ReLU MLP, no mask */
    return o->attention != SP_ATTN_GAUSSIAN && a->model == SP_MODEL_TRANSFORMER && a->mlp_act == SP_ACT_RELU &&
           a->mask == SP_MASK_NONE && erf_noshift(&a->norm_attn) &&
           erf_noshift(&a->norm_mlp) && best_isa() != ISA_NONE;
}

enum sp_status sp_sweep_simd(const struct sp_arch *a, const struct sp_theory_opts *o,
                             const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                             double *log_j, double *q_last)
{
    if (!sp_sweep_simd_applies(a, o))
        return SP_EUNSUPPORTED;
    if (nalpha == 0)
        return SP_OK;
    SP_ASSERT(SP_HAVE_X86_SIMD && best_isa() != ISA_NONE); /* applies() said so */
#if SP_HAVE_X86_SIMD
    if (best_isa() == ISA_AVX512)
        sp_sweep_avx512(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
    else
        sp_sweep_avx2(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
#else
    (void)alpha_attn, (void)alpha_mlp; /* no kernels in this build: applies() is false */
#endif
    /* the kernel has no error path of its own: a non-finite result is the failure */
    size_t L1 = (size_t)a->depth + 1;
    for (size_t i = 0; i < nalpha; i++)
        if ((log_j && !isfinite(log_j[i * L1 + L1 - 1])) || (q_last && !isfinite(q_last[i])))
            return SP_ENUMERIC;
    return SP_OK;
}

/* ---- DyT (tanh, no shift): sweep_dyt_kernel.h ---- */

static int tanh_noshift(const struct sp_fnspec *f)
{
    return f->kind == SP_FN_DYT && f->shift == 0.0;
}

static int alphas_ok(const double *al, double dflt, size_t n)
{
    if (!al)
        return dflt > 0.0 && isfinite(dflt);
    for (size_t i = 0; i < n; i++)
        if (!(al[i] > 0.0 && isfinite(al[i])))
            return 0;
    return 1;
}

int sp_sweep_dyt_applies(const struct sp_arch *a, const double *alpha_attn,
                         const double *alpha_mlp, size_t nalpha)
{
    /* negative alphas take the accurate quadrature on the scalar path, not the table */
    return a->model == SP_MODEL_TRANSFORMER && a->mlp_act == SP_ACT_RELU &&
           a->mask == SP_MASK_NONE && tanh_noshift(&a->norm_attn) &&
           tanh_noshift(&a->norm_mlp) && alphas_ok(alpha_attn, a->norm_attn.alpha, nalpha) &&
           alphas_ok(alpha_mlp, a->norm_mlp.alpha, nalpha) && best_isa() != ISA_NONE;
}

enum sp_status sp_sweep_dyt(const struct sp_arch *a, const struct sp_theory_opts *o,
                            const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                            double *log_j, double *q_last)
{
    if (!sp_sweep_dyt_applies(a, alpha_attn, alpha_mlp, nalpha))
        return SP_EUNSUPPORTED;
    if (nalpha == 0)
        return SP_OK;
    SP_ASSERT(SP_HAVE_X86_SIMD && best_isa() != ISA_NONE); /* applies() said so */
    enum sp_status s = SP_EUNSUPPORTED;
#if SP_HAVE_X86_SIMD
    if (best_isa() == ISA_AVX512)
        s = sp_sweep_dyt_avx512(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
    else
        s = sp_sweep_dyt_avx2(a, o, alpha_attn, alpha_mlp, nalpha, log_j, q_last);
#else
    (void)o; /* no kernels in this build: applies() is false */
#endif
    if (s != SP_OK)
        return s;
    size_t L1 = (size_t)a->depth + 1;
    for (size_t i = 0; i < nalpha; i++)
        if ((log_j && !isfinite(log_j[i * L1 + L1 - 1])) || (q_last && !isfinite(q_last[i])))
            return SP_ENUMERIC;
    return SP_OK;
}

/* ---- every output of struct sp_sweep_out (sp_theory_summary_batch) ---- */

static int out_finite(const struct sp_sweep_out *out, size_t nalpha, size_t L1)
{
    for (size_t i = 0; i < nalpha; i++)
        if ((out->log_j && !isfinite(out->log_j[i * L1 + L1 - 1])) ||
            (out->q_last && !isfinite(out->q_last[i])) ||
            (out->log_j_last && !isfinite(out->log_j_last[i])))
            return 0;
    return 1;
}

enum sp_status sp_sweep_simd_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                                 const double *alpha_attn, const double *alpha_mlp,
                                 size_t nalpha, const struct sp_sweep_out *out)
{
    if (!sp_sweep_simd_applies(a, o))
        return sp_fail(SP_EUNSUPPORTED, "the erf SIMD sweep does not apply here");
    if (nalpha == 0)
        return SP_OK;
#if SP_HAVE_X86_SIMD
    if (best_isa() == ISA_AVX512)
        sp_sweep_avx512_out(a, o, alpha_attn, alpha_mlp, nalpha, out);
    else
        sp_sweep_avx2_out(a, o, alpha_attn, alpha_mlp, nalpha, out);
#else
    (void)alpha_attn, (void)alpha_mlp; /* no kernels in this build: applies() is false */
#endif
    if (!out_finite(out, nalpha, (size_t)a->depth + 1))
        return sp_fail(SP_ENUMERIC, "non-finite q or log J in the erf SIMD sweep");
    return SP_OK;
}

enum sp_status sp_sweep_dyt_out(const struct sp_arch *a, const struct sp_theory_opts *o,
                                const double *alpha_attn, const double *alpha_mlp, size_t nalpha,
                                const struct sp_sweep_out *out)
{
    if (!sp_sweep_dyt_applies(a, alpha_attn, alpha_mlp, nalpha))
        return sp_fail(SP_EUNSUPPORTED, "the DyT SIMD sweep does not apply here");
    if (nalpha == 0)
        return SP_OK;
    enum sp_status s = SP_EUNSUPPORTED;
#if SP_HAVE_X86_SIMD
    if (best_isa() == ISA_AVX512)
        s = sp_sweep_dyt_avx512_out(a, o, alpha_attn, alpha_mlp, nalpha, out);
    else
        s = sp_sweep_dyt_avx2_out(a, o, alpha_attn, alpha_mlp, nalpha, out);
#else
    (void)o; /* no kernels in this build: applies() is false */
#endif
    if (s != SP_OK)
        return s;
    if (!out_finite(out, nalpha, (size_t)a->depth + 1))
        return sp_fail(SP_ENUMERIC, "non-finite q or log J in the DyT SIMD sweep");
    return SP_OK;
}
