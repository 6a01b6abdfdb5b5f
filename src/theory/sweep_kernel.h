/* The body of the SIMD alpha-sweep kernel, included by sweep_avx2.c and
 * sweep_avx512.c with the vector macros defined (V, VL, vset, vadd, ...).
 * One lane per alpha; the recursion is SPEC 3.3 (version A, softmax attention)
 * with the erf closed forms of SPEC 3.1 and the single-channel chi of SPEC 3.4.
 * It mirrors recursion.c step by step; the per-block log J is log1p(x_a + x_m + x_a x_m)
 * with chi = 1 + x: one log1p per block instead of two, and no loss at small x. */

/* The erf maps of one norm at (q, p): qt, pt, qh. a2_2 = 2 a^2, c4 = 4 a^2 / pi.
 * One division for both 1/(1 + 2a^2 q) and 1/sqrt(1 + 4a^2 q): divisions are
 * the slowest vector operation here. */
static inline void KFN(erf_maps)(V q, V p, V a2_2, V c4, V *qt, V *pt, V *qh)
{
    V one = vset(1.0), twopi = vset(M_2_PI);
    V d1 = vadd(one, vmul(a2_2, q)), s2 = vsqrt(vadd(one, vmul(vadd(a2_2, a2_2), q)));
    V r = vdiv(one, vmul(d1, s2));
    V inv = vmul(r, s2);
    *qt = vmul(twopi, VASIN(vmul(vmul(a2_2, q), inv)));
    *pt = vmul(twopi, VASIN(vmul(vmul(a2_2, p), inv)));
    *qh = vmul(c4, vmul(r, d1));
}

static inline V KFN(clamp1)(V r) { return vmin(vmax(r, vset(-1.0)), vset(1.0)); }

/* Runs VL alphas (aa: attention, am: MLP) through L blocks. lj: VL * (L+1)
 * outputs (lane-major, may be NULL); ql: VL outputs (may be NULL). */
static void KFN(run_lanes)(const struct sp_arch *a, const double *aa, const double *am,
                           double *lj, double *ql)
{
    const size_t L = (size_t)a->depth;
    const double n1 = (double)a->tokens - 1.0;
    V sov = vset(sp_arch_s_ov(a)), s21 = vset(sp_arch_s_21(a)), sqk = vset(sp_arch_s_qk(a));
    V one = vset(1.0), half = vset(0.5), vn1 = vset(n1);
    V inv2pi = vset(0.5 / M_PI), pi2 = vset(M_PI_2);
    double tmp[VL];
    for (int k = 0; k < VL; k++)
        tmp[k] = 2.0 * aa[k] * aa[k];
    V a2a = vload(tmp);
    for (int k = 0; k < VL; k++)
        tmp[k] = 4.0 * aa[k] * aa[k] / M_PI;
    V c4a = vload(tmp);
    for (int k = 0; k < VL; k++)
        tmp[k] = 2.0 * am[k] * am[k];
    V a2m = vload(tmp);
    for (int k = 0; k < VL; k++)
        tmp[k] = 4.0 * am[k] * am[k] / M_PI;
    V c4m = vload(tmp);

    V q = vset(a->q0), p = vset(a->p0), lj_acc = vset(0.0);
    for (size_t l = 0;; l++) {
        if (lj) {
            vstore(tmp, lj_acc);
            for (int k = 0; k < VL; k++)
                lj[(size_t)k * (L + 1) + l] = tmp[k];
        }
        if (l == L)
            break;
        V qt, pt, qh;
        /* attention sublayer, SPEC 3.3 version A */
        KFN(erf_maps)(q, p, a2a, c4a, &qt, &pt, &qh);
        V dpt = vsub(pt, qt);
        V nq = vmul(vn1, VEXP(vmul(vmul(sqk, qt), dpt)));
        V np = vmul(vn1, VEXP(vmul(vmul(sqk, pt), dpt)));
        /* one division gives 1/qt, 1/(1 + nq) and 1/(1 + np) */
        V bq = vadd(one, nq), bp = vadd(one, np);
        V t = vdiv(one, vmul(qt, vmul(bq, bp)));
        V iq = vmul(vmul(t, qt), bp), ip = vmul(vmul(t, qt), bq);
        V r = KFN(clamp1)(vmul(pt, vmul(t, vmul(bq, bp))));
        V sq = vmul(sov, qt);
        V dq = vmul(vmul(sq, vadd(one, vmul(r, nq))), iq);
        V dp = vmul(vmul(sq, vadd(one, vmul(r, np))), ip);
        V xa = vmul(vmul(sov, qh), iq); /* chi_attn - 1 */
        q = vadd(q, dq);
        p = vmin(vadd(p, dp), q);
        /* MLP sublayer */
        KFN(erf_maps)(q, p, a2m, c4m, &qt, &pt, &qh);
        r = KFN(clamp1)(vdiv(pt, qt));
        /* kappa(r) = (sqrt(1 - r^2) + r (pi/2 + asin r)) / (2 pi) */
        V kap = vmul(inv2pi, vadd(vsqrt(vmul(vsub(one, r), vadd(one, r))),
                                  vmul(r, vadd(pi2, VASIN(r)))));
        V s21qt = vmul(s21, qt);
        V xm = vmul(vmul(half, s21), qh); /* chi_mlp - 1 */
        q = vadd(q, vmul(half, s21qt));
        p = vmin(vadd(p, vmul(s21qt, kap)), q);
        if (lj)
            lj_acc = vadd(lj_acc, VLOG1P(vadd(vadd(xa, xm), vmul(xa, xm))));
    }
    if (ql) {
        vstore(tmp, q);
        for (int k = 0; k < VL; k++)
            ql[k] = tmp[k];
    }
}

/* Entry point: all alphas, VL at a time, OpenMP over lane groups. */
static void KFN(sweep)(const struct sp_arch *a, const double *alpha_attn, const double *alpha_mlp,
                       size_t nalpha, double *log_j, double *q_last)
{
    const size_t L1 = (size_t)a->depth + 1, ngroups = (nalpha + VL - 1) / VL;
#pragma omp parallel
    {
        double *lj = log_j ? malloc(VL * L1 * sizeof *lj) : NULL;
        double aa[VL], am[VL], ql[VL];
#pragma omp for schedule(static)
        for (size_t g = 0; g < ngroups; g++) {
            size_t base = g * VL;
            for (int k = 0; k < VL; k++) {
                size_t i = base + (size_t)k < nalpha ? base + (size_t)k : nalpha - 1;
                aa[k] = alpha_attn ? alpha_attn[i] : a->norm_attn.alpha;
                am[k] = alpha_mlp ? alpha_mlp[i] : a->norm_mlp.alpha;
            }
            KFN(run_lanes)(a, aa, am, log_j && lj ? lj : NULL, ql);
            for (int k = 0; k < VL && base + (size_t)k < nalpha; k++) {
                size_t i = base + (size_t)k;
                if (log_j && lj)
                    memcpy(log_j + i * L1, lj + (size_t)k * L1, L1 * sizeof *lj);
                if (q_last)
                    q_last[i] = ql[k];
            }
        }
        free(lj);
    }
}
