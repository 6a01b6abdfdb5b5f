/* Inline vector asin and exp for the SIMD sweep kernels, written once over the
 * vector vocabulary of vec_avx2.h / vec_avx512.h (V, vset, vfma, vsel, ...), so
 * that both ISAs run the same operations in the same order and give the same
 * bits. They replace SLEEF's asin (u35) and exp (u10) there: a library call per
 * vector was ~30% of the sweep's time, and inline code lets the compiler
 * interleave the polynomials of independent calls.
 *
 * Coefficients: scripts/fit_vecmath.py (interpolation at Chebyshev nodes with
 * 60-digit decimals, rounded to doubles; it prints these lines).
 * Accuracy (tests/test_vecmath.c, against long double libm): asin over [-1, 1]
 * within 1.16 ulp (SLEEF's: 3.5), exp over [-745, 709.78] within 0.87 ulp; asin(+-0) = +-0, asin(+-1) =
 * +-pi/2, exp(-inf) = 0, exp(+inf) = inf, exp(x > 709.79) = inf, NaN -> NaN. */

/* asin: P of degree 12 on [0, 0.25], max relative error of P 1.16e-16 */
#define VM_ASIN_P 0.16666666666666669, 0.07499999999998433, 0.04464285714635543, 0.030381944138531247, 0.02237217294214989, 0.017352392720869973, 0.013971212973552933, 0.011479177415184906, 0.01032281435018578, 0.005457506718640357, 0.017400879442694025, -0.014851887071247207, 0.028757851367421566
/* exp: P of degree 10 on [-0.346574, 0.346574], max relative error of P 4.86e-18 */
#define VM_EXP_P 0.5, 0.1666666666666667, 0.04166666666666667, 0.008333333333326141, 0.0013888888888883752, 0.00019841269874800493, 2.4801587325533363e-05, 2.7557255425746435e-06, 2.7557273661348637e-07, 2.510520637395701e-08, 2.0914679376583935e-09

static const double vm_asin_p[13] = {VM_ASIN_P};
static const double vm_exp_p[11] = {VM_EXP_P};

/* c[i] + c[i+1] x */
#define VM_LIN(c, i, x) vfma(vset((c)[(i) + 1]), (x), vset((c)[i]))

/* asin x for |x| <= 1 (NaN beyond): asin s = s + s z P(z), z = s^2, with s = |x|
 * for |x| <= 1/2, else s = sqrt((1 - |x|)/2) (exact z) and asin|x| = pi/2 - 2 asin s;
 * the sign of x restored at the end. P by Estrin's scheme (short dependency chains). */
static inline V vm_asin(V x)
{
    const double *c = vm_asin_p;
    V half = vset(0.5), ax = vabs(x);
    VM big = vgt(ax, half);
    V zb = vmul(vsub(vset(1.0), ax), half);
    V z = vsel(big, zb, vmul(ax, ax));
    V s = vany(big) ? vsel(big, vsqrt(zb), ax) : ax;
    V z2 = vmul(z, z), z4 = vmul(z2, z2), z8 = vmul(z4, z4);
    V q0 = vfma(VM_LIN(c, 2, z), z2, VM_LIN(c, 0, z));
    V q1 = vfma(VM_LIN(c, 6, z), z2, VM_LIN(c, 4, z));
    V q2 = vfma(VM_LIN(c, 10, z), z2, VM_LIN(c, 8, z));
    V P = vfma(vfma(vset(c[12]), z4, q2), z8, vfma(q1, z4, q0));
    V sz = vmul(s, z);
    V t = vfma(sz, P, s);
    /* pi/2 - 2 (s + u), u = s z P, as w - ((2 u - pio2_lo) - e) with w + e = pio2_hi - 2 s
     * exactly (Fast2Sum: 2 s <= pio2_hi), so that only the last subtraction rounds at
     * the result's scale */
    V pio2_hi = vset(1.5707963267948966), s2 = vadd(s, s);
    V w = vsub(pio2_hi, s2), e = vsub(vsub(pio2_hi, w), s2);
    V tb = vsub(w, vsub(vfma(vset(2.0), vmul(sz, P), vset(-6.123233995736766e-17)), e));
    return vor(vsel(big, tb, t), vsign(x));
}

/* 2^k for integer-valued k in [-1022, 1023], from the bits of k + 1.5 2^52 */
static inline V vm_pow2(V k)
{
    return VPOW2_BITS(vadd(k, vset(0x1.8p52)));
}

/* e^x: x = n ln2 + r (n = nearest integer to x / ln2, ln2 = hi + lo),
 * e^r = 1 + r + r^2 P(r) summed as 1 + (r1 + (r^2 P - n lo)) with r1 = x - n hi exact,
 * times 2^n; beyond |x| > 708 (subnormal results,
 * overflow) 2^n is applied in two halves. */
static inline V vm_exp(V x)
{
    const double *c = vm_exp_p;
    x = vmin(vset(709.8), vmax(vset(-746.0), x)); /* NaN stays NaN: vmin/vmax return x */
    V magic = vset(0x1.8p52);
    V n = vsub(vfma(x, vset(1.4426950408889634), magic), magic);
    V r1 = vfma(n, vset(-0.6931471805599453), x); /* exact */
    V nlo = vmul(n, vset(2.3190468138462996e-17));
    V r = vsub(r1, nlo);
    V r2 = vmul(r, r), r4 = vmul(r2, r2), r8 = vmul(r4, r4);
    V q0 = vfma(VM_LIN(c, 2, r), r2, VM_LIN(c, 0, r));
    V q1 = vfma(VM_LIN(c, 6, r), r2, VM_LIN(c, 4, r));
    V q2 = vfma(vset(c[10]), r2, VM_LIN(c, 8, r));
    V P = vfma(q2, r8, vfma(q1, r4, q0));
    V e = vadd(vset(1.0), vadd(r1, vfma(r2, P, vsub(vset(0.0), nlo)))); /* r1 + (r^2 P - n lo) */
    if (!vany(vgt(vabs(x), vset(708.0))))
        return vmul(e, vm_pow2(n));
    V n1 = vsub(vfma(n, vset(0.5), magic), magic); /* |n1|, |n - n1| <= 540 */
    return vmul(vmul(e, vm_pow2(n1)), vm_pow2(vsub(n, n1)));
}

#undef VM_LIN

/* y[i] = asin x[i] (fn 0) or e^x[i] (fn 1), i < n: the functions above for tests. */
static inline void vm_apply(int fn, const double *x, double *y, size_t n)
{
    double tmp[VL];
    for (size_t i = 0; i < n; i += VL) {
        size_t m = n - i < VL ? n - i : VL;
        for (size_t k = 0; k < VL; k++)
            tmp[k] = x[i + (k < m ? k : 0)];
        V v = vload(tmp);
        vstore(tmp, fn ? vm_exp(v) : vm_asin(v));
        memcpy(y + i, tmp, m * sizeof *y);
    }
}
