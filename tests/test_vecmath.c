/* The SIMD kernels' inline asin and exp (src/theory/vec_math.h) against long
 * double libm (asinl, expl: 11 more bits than the doubles compared), in ulps of
 * the correctly rounded result, over the whole range the sweeps can use
 * (asin: [-1, 1]; exp: [-745, 709.78]), with the special values; and the AVX2
 * and AVX-512 versions give the same bits (the golden outputs rely on it). */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "sigprop/cpu.h"
#include "sp_config.h"
#include "theory/sweep_simd.h"

#if SP_HAVE_X86_SIMD
typedef void vecmath_fn(int fn, const double *x, double *y, size_t n);

/* error of y in ulps of the double nearest to ref */
static double ulps(double y, long double ref)
{
    double r = (double)ref;
    double u = r == 0.0 ? 0x1p-1074 : fmax(ldexp(1.0, ilogb(r) - 52), 0x1p-1074);
    return (double)(fabsl((long double)y - ref) / u);
}

static uint64_t next_u64(uint64_t *s)
{
    *s += 0x9e3779b97f4a7c15ULL;
    uint64_t z = *s;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

/* n points: a uniform grid over [lo, hi], random points, and the edges given */
static size_t points(double *x, size_t n, double lo, double hi, const double *edges, size_t ne)
{
    uint64_t s = 42;
    size_t k = 0;
    for (; k < n / 2; k++)
        x[k] = lo + (hi - lo) * (double)k / (double)(n / 2 - 1);
    for (; k < n - ne; k++)
        x[k] = lo + (hi - lo) * ((double)(next_u64(&s) >> 11) * 0x1p-53);
    for (size_t e = 0; e < ne; e++)
        x[k++] = edges[e];
    return k;
}

static double max_ulps(vecmath_fn *f, int fn, const double *x, double *y, size_t n)
{
    f(fn, x, y, n);
    double m = 0.0;
    for (size_t i = 0; i < n; i++) {
        long double ref = fn ? expl((long double)x[i]) : asinl((long double)x[i]);
        double e = ulps(y[i], ref);
        if (!(e <= m))
            m = e;
    }
    return m;
}

static void check_isa(vecmath_fn *f, const char *name)
{
    enum { N = 1 << 21 };
    double *x = malloc(N * sizeof *x), *y = malloc(N * sizeof *y);
    /* asin: near 0, 1/2 (the branch switch) and 1, where s = sqrt((1 - |x|)/2) -> 0 */
    const double ea[] = {0x1p-1074, 1e-300, 1e-20, 1e-8, 0.5, nextafter(0.5, 1.0),
                         nextafter(0.5, 0.0), -0.5, nextafter(-0.5, -1.0), 0.75, 0.999,
                         1.0 - 0x1p-53, nextafter(1.0, 0.0) - 0x1p-52, -(1.0 - 0x1p-53), 1e-3};
    size_t n = points(x, N, -1.0, 1.0, ea, sizeof ea / sizeof *ea);
    double ma = max_ulps(f, 0, x, y, n);
    n = points(x, N, 0.45, 0.55, ea, 0);
    ma = fmax(ma, max_ulps(f, 0, x, y, n));
    n = points(x, N, 0.999, 1.0, ea, 0);
    ma = fmax(ma, max_ulps(f, 0, x, y, n));
    /* exp: the whole range, the kernels' range (|x| < 50), subnormal results, overflow edge */
    const double ee[] = {0.0, 1e-300, -1e-300, 1e-17, 0.34657359027997264, -0.34657359027997264,
                         708.0, -708.0, 709.78, 709.782712893384, -745.1, -744.0, -730.0, 1.0, -1.0};
    n = points(x, N, -745.0, 709.78, ee, sizeof ee / sizeof *ee);
    double me = max_ulps(f, 1, x, y, n);
    n = points(x, N, -50.0, 50.0, ee, 0);
    me = fmax(me, max_ulps(f, 1, x, y, n));
    n = points(x, N, -745.0, -700.0, ee, 0);
    me = fmax(me, max_ulps(f, 1, x, y, n));
    printf("%s: asin max error %.3f ulp, exp max error %.3f ulp\n", name, ma, me);
    CHECK(ma <= 1.25);
    CHECK(me <= 1.0);

    /* special values */
    const double sx[] = {0.0, -0.0, 1.0, -1.0, NAN, 1.5, -INFINITY};
    double sy[7];
    f(0, sx, sy, 7);
    CHECK(sy[0] == 0.0 && !signbit(sy[0]));
    CHECK(sy[1] == 0.0 && signbit(sy[1]));
    CHECK(sy[2] == M_PI_2 && sy[3] == -M_PI_2);
    CHECK(isnan(sy[4]) && isnan(sy[5]) && isnan(sy[6]));
    const double tx[] = {0.0, -INFINITY, INFINITY, 710.0, -746.0, NAN, 1e308};
    f(1, tx, sy, 7);
    CHECK(sy[0] == 1.0);
    CHECK(sy[1] == 0.0 && sy[4] == 0.0);
    CHECK(isinf(sy[2]) && isinf(sy[3]) && isinf(sy[6]));
    CHECK(isnan(sy[5]));
    free(x);
    free(y);
}

/* the two ISAs agree bit for bit on every point of both ranges */
static void check_same_bits(void)
{
    enum { N = 1 << 18 };
    double *x = malloc(N * sizeof *x), *y2 = malloc(N * sizeof *y2), *y5 = malloc(N * sizeof *y5);
    for (int fn = 0; fn < 2; fn++) {
        size_t n = fn ? points(x, N, -745.0, 709.78, NULL, 0) : points(x, N, -1.0, 1.0, NULL, 0);
        sp_vecmath_avx2(fn, x, y2, n);
        sp_vecmath_avx512(fn, x, y5, n);
        CHECK(memcmp(y2, y5, n * sizeof *y2) == 0);
    }
    free(x);
    free(y2);
    free(y5);
}
#endif

int main(void)
{
#if SP_HAVE_X86_SIMD
    enum sp_isa isa = sp_cpu_best_isa();
    if (isa >= SP_ISA_AVX2)
        check_isa(sp_vecmath_avx2, "avx2");
    if (isa >= SP_ISA_AVX512) {
        check_isa(sp_vecmath_avx512, "avx512");
        check_same_bits();
    }
    if (isa < SP_ISA_AVX2)
        printf("no AVX2 on this CPU: nothing to test\n");
#else
    printf("no x86 SIMD kernels in this build: nothing to test\n");
#endif
    return check_done();
}
