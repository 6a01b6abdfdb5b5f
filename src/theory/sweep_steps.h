/* The recursion steps shared by the SIMD alpha-sweep kernels (sweep_kernel.h
 * for erf norms, sweep_dyt_kernel.h for tanh norms), included inside each with
 * the vector macros defined (V, vset, vadd, ..., VEXP, VASIN, KFN). Given the
 * Gaussian maps of a sublayer's norm at its input, a step advances (q, p) by
 * SPEC 3.3 (softmax, uniform or uniform-exact attention; the MLP), the
 * two-channel cross-token K by SPEC 3.4 (renormalised to J = 1 as in
 * recursion.c), and returns x with J' = (1 + x) J. The switches are the same
 * for every lane, so the branches cost nothing. */

static inline V KFN(clamp1)(V r) { return vmin(vmax(r, vset(-1.0)), vset(1.0)); }

struct KFN(steps) {
    V sov, s21, sqk, one, half, vn1, invn, cn, inv2pi, pi2, quarter;
    int softmax, exact, two;
};

static inline void KFN(steps_init)(struct KFN(steps) *c, const struct sp_arch *a,
                                   const struct sp_theory_opts *o)
{
    const double n = (double)a->tokens;
    c->softmax = o->attention == SP_ATTN_SOFTMAX;
    c->exact = o->attention == SP_ATTN_UNIFORM_EXACT;
    c->two = o->apjn == SP_APJN_TWO_CHANNEL;
    c->sov = vset(sp_arch_s_ov(a));
    c->s21 = vset(sp_arch_s_21(a));
    c->sqk = vset(sp_arch_s_qk(a));
    c->one = vset(1.0);
    c->half = vset(0.5);
    c->vn1 = vset(n - 1.0);
    c->invn = vset(1.0 / n);
    c->cn = vset(o->cn_exact ? (n - 1.0) / n : 1.0);
    c->inv2pi = vset(0.5 / M_PI);
    c->pi2 = vset(M_PI_2);
    c->quarter = vset(0.25);
}

/* Attention sublayer at maps (qt, pt, qh, dpt = pt - qt, ph: only with two channels). */
static inline V KFN(attn_step)(const struct KFN(steps) *c, V qt, V pt, V qh, V dpt, V ph, V *q,
                               V *p, V *K)
{
    V one = c->one, dq, xa;
    if (c->softmax) { /* version A */
        V nq = vmul(c->vn1, VEXP(vmul(vmul(c->sqk, qt), dpt)));
        V np = vmul(c->vn1, VEXP(vmul(vmul(c->sqk, pt), dpt)));
        /* one division gives 1/qt, 1/(1 + nq) and 1/(1 + np) */
        V bq = vadd(one, nq), bp = vadd(one, np);
        V t = vdiv(one, vmul(qt, vmul(bq, bp)));
        V iq = vmul(vmul(t, qt), bp), ip = vmul(vmul(t, qt), bq);
        V r = KFN(clamp1)(vmul(pt, vmul(t, vmul(bq, bp))));
        V sq = vmul(c->sov, qt);
        dq = vmul(vmul(sq, vadd(one, vmul(r, nq))), iq);
        *p = vadd(*p, vmul(vmul(sq, vadd(one, vmul(r, np))), ip));
        xa = vmul(vmul(c->sov, qh), iq); /* chi_attn - 1 */
    } else {
        dq = vmul(c->sov, c->exact ? vsub(pt, vmul(dpt, c->invn)) : pt);
        *p = vadd(*p, dq);
        xa = vmul(vmul(c->sov, qh), c->invn);
    }
    if (c->two) { /* forward step with J = 1: J' = 1 + xa, then K <- K'/J' */
        V sovph = vmul(c->sov, ph), sqn = vmul(vmul(c->sov, qh), c->invn);
        xa = vadd(sqn, vmul(sovph, *K));
        V kn = vadd(vmul(vadd(one, vmul(c->cn, sovph)), *K), vmul(c->cn, sqn));
        *K = vdiv(kn, vadd(one, xa));
    }
    *q = vadd(*q, dq);
    *p = vmin(*p, *q);
    return xa;
}

/* MLP sublayer at maps (qt, pt, qh, ph: only with two channels). */
static inline V KFN(mlp_step)(const struct KFN(steps) *c, V qt, V pt, V qh, V ph, V *q, V *p,
                              V *K)
{
    V one = c->one;
    V r = KFN(clamp1)(vdiv(pt, qt));
    V as = VASIN(r);
    /* kappa(r) = (sqrt(1 - r^2) + r (pi/2 + asin r)) / (2 pi) */
    V kap = vmul(c->inv2pi,
                 vadd(vsqrt(vmul(vsub(one, r), vadd(one, r))), vmul(r, vadd(c->pi2, as))));
    V s21qt = vmul(c->s21, qt);
    V xm = vmul(vmul(c->half, c->s21), qh); /* chi_mlp - 1 */
    if (c->two) { /* K <- (1 + s21 kappa'(r) ph) K / (1 + xm) */
        V kp = vadd(c->quarter, vmul(c->inv2pi, as));
        *K = vdiv(vmul(vadd(one, vmul(vmul(c->s21, kp), ph)), *K), vadd(one, xm));
    }
    *q = vadd(*q, vmul(c->half, s21qt));
    *p = vmin(vadd(*p, vmul(s21qt, kap)), *q);
    return xm;
}

/* (1 + x)(1 + y) - 1, without forming 1 + x */
static inline V KFN(grow)(V x, V y) { return vadd(vadd(x, y), vmul(x, y)); }

/* log J grows by log1p(xa + xm + xa xm) per block: J' = (1 + xa)(1 + xm) J. */
static inline V KFN(block_log_growth)(V xa, V xm) { return VLOG1P(KFN(grow)(xa, xm)); }
