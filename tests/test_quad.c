/* Tests of the quadrature Gaussian maps (src/theory/quad.c, SPEC 3.1, 3.6):
 * (1) the quadrature path run on erf against its closed forms over the whole
 *     box alpha in [0.01, 5], q in [1e-3, 1e6], p/q in [-0.99, 0.999];
 * (2) tanh and (3) shifted erf/tanh against mpmath references;
 * (4) properties: pt(q, q) = qt, dpt = pt - qt, ph <= qh, pt odd in p,
 *     Price's theorem dpt/dp = ph, continuity across the method switches;
 * (5) the tabulated fast path against the accurate path on random points, and its
 *     lazy build from several threads at once;
 * (6) the pair maps at unequal variances of the causal theory. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#include "check.h"
#include "sigprop/theory.h"
#include "theory/quad.h"

/* |a - b| <= tol |b|, counting the largest relative error seen. */
static double worst[5];
static void close_rel(double a, double b, double tol, int which, const char *what, double alpha,
                      double shift, double q, double r)
{
    double e = fabs(a - b) / fabs(b);
    if (b == 0.0)
        e = fabs(a);
    if (e > worst[which])
        worst[which] = e;
    if (!(e <= tol))
        fprintf(stderr, "  %s: alpha %g shift %g q %g r %g: got %.17g want %.17g (rel %.3g)\n", what,
                alpha, shift, q, r, a, b, e);
    CHECK(e <= tol);
}

static void check_maps(const struct sp_gmap *m, const struct sp_gmap *ref, double tol, double alpha,
                       double shift, double q, double r)
{
    close_rel(m->qt, ref->qt, tol, 0, "qt", alpha, shift, q, r);
    close_rel(m->pt, ref->pt, tol, 1, "pt", alpha, shift, q, r);
    close_rel(m->qh, ref->qh, tol, 2, "qh", alpha, shift, q, r);
    close_rel(m->ph, ref->ph, tol, 3, "ph", alpha, shift, q, r);
    close_rel(m->dpt, ref->dpt, tol, 4, "dpt", alpha, shift, q, r);
}

static void report(const char *name)
{
    printf("%s: max rel err qt %.2e pt %.2e qh %.2e ph %.2e dpt %.2e\n", name, worst[0], worst[1],
           worst[2], worst[3], worst[4]);
    for (int i = 0; i < 5; i++)
        worst[i] = 0.0;
}

/* (1) SPEC 3.6: "validate the tanh code by running it on erf against the closed forms". */
static void test_erf_closed_forms(void)
{
    static const double alphas[] = {0.01, 0.03, 0.1, 0.3, 0.7, 1.0, 2.0, 5.0};
    static const double qs[] = {1e-3, 1e-2, 0.1, 1.0, 10.0, 1e2, 1e3, 1e4, 1e5, 1e6};
    static const double rs[] = {-0.99, -0.9, -0.5, -0.3, -0.01, 0.01, 0.2,
                                0.5,   0.7,  0.9,  0.99, 0.995, 0.999};
    for (size_t i = 0; i < sizeof alphas / sizeof *alphas; i++)
        for (size_t j = 0; j < sizeof qs / sizeof *qs; j++)
            for (size_t k = 0; k < sizeof rs / sizeof *rs; k++) {
                struct sp_fnspec f = {SP_FN_DERF, alphas[i], 0.0};
                double q = qs[j], p = rs[k] * q;
                struct sp_gmap ref, m;
                CHECK(sp_gmap_eval(&f, q, p, &ref) == SP_OK); /* closed forms, maps.c */
                CHECK(sp_quad_gmap_accurate(&f, q, p, &m) == SP_OK);
                check_maps(&m, &ref, 1e-9, alphas[i], 0.0, q, rs[k]);
            }
    report("erf quadrature vs closed forms (832 points)");
}

/* (2), (3): mpmath references, the verbatim output of
 *   python3 tests/gen/quad_ref.py   (Debian python3-mpmath 1.3.0, 20 digits)
 * which integrates by conditioning (v | u) with mpmath's adaptive Gauss-Legendre on
 * intervals split at the features of g and of the Gaussians, and the sign function
 * subtracted from g: a method independent of quad.c's. Columns: kind, alpha, shift,
 * q, r = p/q, then qt, pt, qh, ph, dpt. Rows with SP_FN_DERF and shift 0 have closed
 * forms and check the generator itself (they agree to all 20 digits). */
struct ref_row {
    enum sp_fn kind;
    double alpha, shift, q, r;
    double qt, pt, qh, ph, dpt;
};
static const struct ref_row refs[] = {
/* BEGIN quad_ref.py output */
    {SP_FN_DERF, 0.5, 0, 2, 0.59999999999999998, 0.33333333333333333333, 0.19397336804135657359, 0.18377629847393068317, 0.16683971353257369966, -0.13935996529197675974},
    {SP_FN_DYT, 0.01, 0, 0.001, 0.5, 0.00000009999998000000532276, 0.000000049999990000002237864, 0.00009999998000000700416, 0.000099999980000005504161, -0.000000049999990000003084896},
    {SP_FN_DYT, 1, 0, 1, 0.999, 0.39429449039784117442, 0.3938302374248965099, 0.46440290244826824197, 0.46410321559892491778, -0.00046425297294466451241},
    {SP_FN_DYT, 1, 0, 1, 0.050000000000000003, 0.39429449039784117442, 0.018346713641404980852, 0.46440290244826824197, 0.36704453872375815492, -0.37594777675643619356},
    {SP_FN_DYT, 2, 0, 5, 0.98999999999999999, 0.82510712643882567702, 0.80308910502575382119, 0.47198546798460823306, 0.41327512671101226014, -0.022018021413071855838},
    {SP_FN_DYT, 5, 0, 100, 0.999, 0.9840449328126576788, 0.96722830345505896241, 0.26594436949060789006, 0.12402586143647288472, -0.016816629357598716381},
    {SP_FN_DYT, 1, 0, 1000000, 0.999, 0.99920211576731372516, 0.97151542883897134396, 0.00053192295477144597219, 0.000014232956942671040653, -0.027686686928342381192},
    {SP_FN_DYT, 5, 0, 1000000, 0.20000000000000001, 0.99984042309046436183, 0.12818842942278395626, 0.0026596151855234535626, 0.00000064974731209490765835, -0.87165199366768040557},
    {SP_FN_DYT, 0.10000000000000001, 0, 0.01, 0.999, 0.000099980005664600934419, 0.000099880025657606065006, 0.0099980006996868350066, 0.0099980006992873546043, -0.000000099980006994869413748},
    {SP_FN_DYT, 0.69999999999999996, 0.5, 1, -0.69999999999999996, 0.34791885923268364972, -0.018208430651254373994, 0.24903153504629749376, 0.19759966689811677763, -0.36612728988393802372},
    {SP_FN_DYT, 1.5, -1.2, 50, 0.10000000000000001, 0.92552233344909492529, 0.07059844107861920918, 0.11195983257517420832, 0.01255694141002560339, -0.85492389237047571611},
    {SP_FN_DERF, 0.5, 0.29999999999999999, 1, 0.5, 0.26851924731709271984, 0.16882761165156471484, 0.20570678948612244093, 0.19418058578539427227, -0.099691635665528005008},
    {SP_FN_DERF, 2, -1, 1000, 0.999, 0.98993593975457878899, 0.96980530351084271023, 0.04025707937734787297, 0.013422381425258756168, -0.020130636243736078759},
    {SP_FN_DERF, 0.050000000000000003, 1.5, 0.10000000000000001, 0.90000000000000002, 0.93327651178995672102, 0.93327615680371095485, 0.000035502610907097388346, 0.000035494638426598498839, -0.00000035498624576616752093},
    {SP_FN_DERF, 3, 0, 10000, -0.90000000000000002, 0.99787793900428006185, -0.71286011134001731891, 0.019098566645258853648, 0.00014604632196449588581, -1.7107380503442973808},
    {SP_FN_DYT, 0.5, 0, 1, 0.40000000000000002, 0.17351614343237185095, 0.068475106216200096858, 0.17934496540077748717, 0.17203278878804102941, -0.10504103721617175409},
    {SP_FN_DYT, 1, 0, 1, -0.98999999999999999, 0.39429449039784117442, -0.38966530132613927697, 0.46440290244826824197, 0.46145169911000570581, -0.78395979172398045138},
    {SP_FN_DYT, 0.29999999999999999, 0, 30, 0.90000000000000002, 0.57188149669458174135, 0.49573129725238814905, 0.027558742531174171378, 0.023624655281174786829, -0.076150199442193592304},
    {SP_FN_DYT, 2, 0, 5, -0.5, 0.82510712643882567702, -0.31908123564127292106, 0.47198546798460823306, 0.13953137043553259504, -1.1441883620800985981},
    {SP_FN_DYT, 5, 0, 10000, 0.69999999999999996, 0.99840423350332019281, 0.49363132488157827408, 0.02659613487401756719, 0.000089144023793198176387, -0.50477290862174191873},
    {SP_FN_DYT, 1, 0, 1000000, -0.98999999999999999, 0.99920211576731372516, -0.90988949822803124486, 0.00053192295477144597219, 0.0000045126914102265922678, -1.90909161399534497},
    {SP_FN_DYT, 0.050000000000000003, 0, 1000000, 0.94999999999999996, 0.98404493281265767968, 0.79719897595176252067, 0.000026594436949060790483, 0.000002031975893296761549, -0.18684595686089515901},
    {SP_FN_DYT, 0.69999999999999996, 0.5, 1, 0.59999999999999998, 0.34791885923268364972, 0.25331821546745731978, 0.24903153504629749376, 0.22621565646411765816, -0.094600643765226329943},
    {SP_FN_DYT, 1.5, -1.2, 50, 0.999, 0.92552233344909492529, 0.92015227791733363388, 0.11195983257517420832, 0.10325118397750790247, -0.0053700555317612914113},
    {SP_FN_DYT, 0.20000000000000001, 2, 10000, -0.29999999999999999, 0.96034506112790242912, -0.18494565172777014522, 0.0010581180156231069153, 0.000065643833305080726385, -1.1452907128556725743},
    {SP_FN_DERF, 0.5, 0.29999999999999999, 1, -0.90000000000000002, 0.26851924731709271984, -0.094744504986558303714, 0.20570678948612244093, 0.18740781165582356037, -0.36326375230365102356},
    {SP_FN_DERF, 2, -1, 1000, 0.02, 0.98993593975457878899, 0.012887623828895657752, 0.04025707937734787297, 0.00063651151152531640757, -0.97704831592568313124},
/* END quad_ref.py output */
};

static void test_references(void)
{
    for (size_t i = 0; i < sizeof refs / sizeof *refs; i++) {
        const struct ref_row *w = &refs[i];
        struct sp_fnspec f = {w->kind, w->alpha, w->shift};
        struct sp_gmap m, ref = {w->qt, w->pt, w->qh, w->ph, w->dpt};
        CHECK(sp_quad_gmap_accurate(&f, w->q, w->r * w->q, &m) == SP_OK);
        check_maps(&m, &ref, 1e-9, w->alpha, w->shift, w->q, w->r);
        /* the public entry point (fast path for unshifted tanh) agrees as well */
        CHECK(sp_gmap_eval(&f, w->q, w->r * w->q, &m) == SP_OK);
        check_maps(&m, &ref, 1e-9, w->alpha, w->shift, w->q, w->r);
    }
    report("tanh and shifted erf/tanh vs mpmath");
}

/* (4) properties, on tanh with and without shift and shifted erf. */
static void test_properties(void)
{
    static const struct sp_fnspec fns[] = {
        {SP_FN_DYT, 0.8, 0.0}, {SP_FN_DYT, 3.0, 0.0}, {SP_FN_DYT, 0.5, 0.7}, {SP_FN_DERF, 1.3, -0.4}};
    static const double qs[] = {1e-3, 0.5, 3.0, 1e3, 1e6};
    for (size_t i = 0; i < sizeof fns / sizeof *fns; i++)
        for (size_t j = 0; j < sizeof qs / sizeof *qs; j++) {
            const struct sp_fnspec *f = &fns[i];
            double q = qs[j];
            struct sp_gmap m1, m2, m3;
            /* pt(q, q) = qt, ph(q, q) = qh, dpt = 0 */
            CHECK(sp_quad_gmap_accurate(f, q, q, &m1) == SP_OK);
            CHECK_CLOSE(m1.pt, m1.qt, 0.0, 1e-12);
            CHECK_CLOSE(m1.ph, m1.qh, 0.0, 1e-12);
            CHECK(m1.dpt == 0.0);
            /* ph <= qh (Cauchy-Schwarz), |pt| <= qt, dpt = pt - qt, dpt < 0 */
            static const double rs[] = {-0.999, -0.6, -0.2, 0.0, 0.3, 0.6, 0.99};
            for (size_t k = 0; k < sizeof rs / sizeof *rs; k++) {
                CHECK(sp_quad_gmap_accurate(f, q, rs[k] * q, &m2) == SP_OK);
                CHECK(m2.ph <= m2.qh * (1.0 + 1e-12));
                CHECK(fabs(m2.pt) <= m2.qt * (1.0 + 1e-12));
                CHECK(m2.dpt < 0.0);
                CHECK_CLOSE(m2.dpt, m2.pt - m2.qt, 1e-10 * m2.qt, 1e-9);
                if (f->shift == 0.0) { /* odd f: pt(-p) = -pt(p), ph(-p) = ph(p) */
                    CHECK(sp_quad_gmap_accurate(f, q, -rs[k] * q, &m3) == SP_OK);
                    CHECK_CLOSE(m3.pt, -m2.pt, 1e-14 * m2.qt, 1e-10);
                    CHECK_CLOSE(m3.ph, m2.ph, 0.0, 1e-10);
                }
            }
            /* Price's theorem by central differences: dpt/dp = ph (step 1e-4 q, O(h^2)) */
            static const double rc[] = {-0.7, 0.1, 0.8};
            for (size_t k = 0; k < sizeof rc / sizeof *rc; k++) {
                double hstep = 1e-4 * q, p = rc[k] * q;
                CHECK(sp_quad_gmap_accurate(f, q, p + hstep, &m1) == SP_OK);
                CHECK(sp_quad_gmap_accurate(f, q, p - hstep, &m2) == SP_OK);
                CHECK(sp_quad_gmap_accurate(f, q, p, &m3) == SP_OK);
                CHECK_CLOSE((m1.dpt - m2.dpt) / (2.0 * hstep), m3.ph, 0.0, 1e-6);
                CHECK_CLOSE((m1.pt - m2.pt) / (2.0 * hstep), m3.ph, 0.0, 1e-6);
            }
            /* continuity across the switches of the pt method at r = +-1/2 */
            for (int sg = -1; sg <= 1; sg += 2) {
                double p = sg * 0.5 * q;
                CHECK(sp_quad_gmap_accurate(f, q, p, &m1) == SP_OK);
                CHECK(sp_quad_gmap_accurate(f, q, nextafter(p, 0.0), &m2) == SP_OK);
                CHECK_CLOSE(m1.pt, m2.pt, 1e-12 * m1.qt, 1e-10);
                CHECK_CLOSE(m1.dpt, m2.dpt, 0.0, 1e-10);
            }
            /* continuity across the switch of the qt method at alpha^2 q = 1 */
            struct sp_fnspec g = *f;
            g.alpha = 1.0 / sqrt(q);
            CHECK(sp_quad_gmap_accurate(&g, q, 0.3 * q, &m1) == SP_OK);
            g.alpha = nextafter(g.alpha, 0.0);
            CHECK(sp_quad_gmap_accurate(&g, q, 0.3 * q, &m2) == SP_OK);
            CHECK_CLOSE(m1.qt, m2.qt, 0.0, 1e-11);
        }
}

/* (5) the table (sp_quad_gmap_fast, used by sp_gmap_eval for unshifted tanh)
 * against the accurate quadrature at random points of the box: log-uniform alpha
 * and q, r uniform on [-0.99, 0.999] and every fourth r in [0.99, 1]. */
static uint64_t rng_state = 0x9e3779b97f4a7c15u;
static double urand(void)
{
    rng_state ^= rng_state << 13; /* xorshift64 */
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return (double)(rng_state >> 11) * 0x1.0p-53;
}

static void test_fast_path(void)
{
    for (int i = 0; i < 400; i++) {
        double alpha = 0.01 * pow(500.0, urand()), q = 1e-3 * pow(1e9, urand());
        double r = i % 4 == 0 ? 1.0 - 0.01 * urand() : -0.99 + 1.989 * urand();
        struct sp_fnspec f = {SP_FN_DYT, alpha, 0.0};
        struct sp_gmap fast, ref, pub;
        CHECK(sp_quad_gmap_fast(alpha, q, r * q, &fast) == SP_OK);
        CHECK(sp_quad_gmap_accurate(&f, q, r * q, &ref) == SP_OK);
        CHECK(sp_gmap_eval(&f, q, r * q, &pub) == SP_OK);
        check_maps(&fast, &ref, 1e-9, alpha, 0.0, q, r);
        CHECK(pub.pt == fast.pt && pub.ph == fast.ph && pub.dpt == fast.dpt);
    }
    /* exact endpoints: r = 1 and r = -1 */
    struct sp_gmap m;
    CHECK(sp_quad_gmap_fast(0.7, 2.0, 2.0, &m) == SP_OK);
    CHECK(m.dpt == 0.0);
    CHECK_CLOSE(m.ph, m.qh, 0.0, 1e-9);
    CHECK(sp_quad_gmap_fast(0.7, 2.0, -2.0, &m) == SP_OK);
    CHECK_CLOSE(m.pt, -m.qt, 0.0, 1e-9);
    CHECK_CLOSE(m.ph, m.qh, 0.0, 1e-9);
    /* outside the table: refused, and sp_gmap_eval falls back to the accurate path */
    CHECK(sp_quad_gmap_fast(1e-5, 1e-5, 0.0, &m) == SP_EUNSUPPORTED);
    report("fast table vs accurate quadrature (400 random points)");
}

/* The table is built at first use under pthread_once: first use from several
 * OpenMP threads at once must give the same values as later serial calls. */
static void test_first_use_threads(void)
{
    enum { N = 64 };
    static struct sp_gmap par[N];
    static int st[N];
#pragma omp parallel for schedule(static, 1)
    for (int i = 0; i < N; i++)
        st[i] = sp_quad_gmap_fast(0.05 + 0.07 * i, 0.5 + i, (0.5 + i) * (-0.9 + 0.03 * i), &par[i]);
    for (int i = 0; i < N; i++) {
        struct sp_gmap m;
        CHECK(st[i] == SP_OK);
        CHECK(sp_quad_gmap_fast(0.05 + 0.07 * i, 0.5 + i, (0.5 + i) * (-0.9 + 0.03 * i), &m) == SP_OK);
        CHECK(m.qt == par[i].qt && m.pt == par[i].pt && m.qh == par[i].qh && m.ph == par[i].ph &&
              m.dpt == par[i].dpt);
    }
}

/* Outside the table (alpha^2 q < 9e-9 or > 1.1e8) sp_gmap_eval takes the quadrature:
 * tiny Q against the Taylor expansions tanh^2 u = u^2 - 2u^4/3, sech^2 u = 1 - u^2,
 * sech^4 u = 1 - 2u^2 (E u^4 = 3Q^2: qt = Q - 2Q^2, pt = P (1 - 2Q), qh = 1 - 2Q,
 * ph = 1 - 2Q, all + O(Q^2)); huge Q on erf against the closed forms; r = -1. */
static void test_outside_table(void)
{
    struct sp_gmap m, ref;
    double alpha = 1e-5, q = 1e-5, Q = alpha * alpha * q, r = 0.3; /* Q = 1e-15 */
    struct sp_fnspec t = {SP_FN_DYT, alpha, 0.0};
    CHECK(sp_quad_gmap_fast(alpha, q, r * q, &m) == SP_EUNSUPPORTED);
    CHECK(sp_gmap_eval(&t, q, r * q, &m) == SP_OK);
    CHECK_CLOSE(m.qt, Q * (1.0 - 2.0 * Q), 0.0, 1e-12);
    CHECK_CLOSE(m.pt, r * Q * (1.0 - 2.0 * Q), 0.0, 1e-12);
    CHECK_CLOSE(m.qh, alpha * alpha * (1.0 - 2.0 * Q), 0.0, 1e-12);
    CHECK_CLOSE(m.ph, alpha * alpha * (1.0 - 2.0 * Q), 0.0, 1e-12);
    CHECK_CLOSE(m.dpt, (r - 1.0) * Q, 0.0, 1e-12);
    static const double rs[] = {-1.0, -0.5, 0.9, 0.9999};
    for (size_t k = 0; k < sizeof rs / sizeof *rs; k++) {
        struct sp_fnspec e = {SP_FN_DERF, 5.0, 0.0};
        double qq = 1e9; /* Q = 2.5e10 */
        CHECK(sp_gmap_eval(&e, qq, rs[k] * qq, &ref) == SP_OK);
        CHECK(sp_quad_gmap_accurate(&e, qq, rs[k] * qq, &m) == SP_OK);
        check_maps(&m, &ref, 1e-9, 5.0, 0.0, qq, rs[k]);
    }
    t.alpha = 0.9;
    CHECK(sp_quad_gmap_accurate(&t, 2.0, -2.0, &m) == SP_OK); /* r = -1: pt = -qt */
    CHECK_CLOSE(m.pt, -m.qt, 0.0, 1e-12);
    CHECK_CLOSE(m.dpt, -2.0 * m.qt, 0.0, 1e-12);
    CHECK_CLOSE(m.ph, m.qh, 0.0, 1e-12);
    report("outside the table: tiny and huge alpha^2 q, r = -1");
}

static void test_errors(void)
{
    struct sp_gmap m;
    struct sp_fnspec ln = {SP_FN_LN, 1.0, 0.0}, t = {SP_FN_DYT, 1.0, 0.0};
    CHECK(sp_quad_gmap_accurate(&ln, 1.0, 0.5, &m) == SP_EINVAL);
    CHECK(sp_quad_gmap_accurate(&t, 0.0, 0.0, &m) == SP_EINVAL);
    CHECK(sp_quad_gmap_accurate(&t, 1.0, (double)NAN, &m) == SP_EINVAL);
    t.alpha = 0.0;
    CHECK(sp_quad_gmap_accurate(&t, 1.0, 0.5, &m) == SP_EINVAL);
}

/* (6) The causal theory's pair maps at unequal variances (sp_quad_pair): against
 * mpmath (tests/gen/pair_ref.py: principal-axis coordinates, adaptive
 * Gauss-Legendre, 20 digits), against the equal-variance accurate maps at qa = qb
 * (sum/difference coordinates and Price's theorem: another method), against
 * Williams' closed forms for unshifted erf at unequal variances, symmetric in the
 * two tokens, and through the edge |p| = sqrt(qa qb). */
struct pair_ref {
    enum sp_fn kind;
    double alpha, shift, qa, qb, p, t, nn;
};
static const struct pair_ref pair_refs[] = {
    {SP_FN_DYT, 0.5, 0.0, 2.0, 9.0, 3.5, 0.30469808331495957, 0.095433225902232733},
    {SP_FN_DYT, 1.0, 0.0, 0.3, 1.7, -0.4, -0.16558365083680466, 0.42505183857436101},
    {SP_FN_DYT, 0.5, 0.0, 12.0, 20.0, 15.2, 0.60822560370043549, 0.061030304019156873},
    {SP_FN_DYT, 0.8, 0.7, 1.0, 4.0, 1.6, 0.39138853187375818, 0.18170361046155699},
    {SP_FN_DERF, 0.6, -0.5, 3.0, 0.5, 1.0, 0.32045475799197351, 0.19232093412715275},
};

static void test_pair(void)
{
    double t, nn, t2, n2;
    for (size_t i = 0; i < sizeof pair_refs / sizeof *pair_refs; i++) {
        const struct pair_ref *r = &pair_refs[i];
        struct sp_fnspec f = {r->kind, r->alpha, r->shift};
        CHECK(sp_quad_pair(&f, r->qa, r->qb, r->p, &t, &nn) == SP_OK);
        CHECK_CLOSE(t, r->t, 0.0, 1e-11);
        CHECK_CLOSE(nn, r->nn, 0.0, 1e-11);
        CHECK(sp_quad_pair(&f, r->qb, r->qa, r->p, &t2, &n2) == SP_OK);
        CHECK(t2 == t && n2 == nn);
    }
    const enum sp_fn kinds[] = {SP_FN_DYT, SP_FN_DERF};
    const double al[] = {0.05, 0.5, 2.0}, sh[] = {0.0, 0.7}, q[] = {0.02, 1.0, 30.0};
    const double rr[] = {-0.9, 0.0, 0.6, 0.999, 1.0};
    for (int k = 0; k < 2; k++)
        for (int a = 0; a < 3; a++)
            for (int s = 0; s < 2; s++)
                for (int iq = 0; iq < 3; iq++)
                    for (int ir = 0; ir < 5; ir++) {
                        struct sp_fnspec f = {kinds[k], al[a], sh[s]};
                        struct sp_gmap m;
                        double p = rr[ir] * q[iq];
                        CHECK(sp_quad_gmap_accurate(&f, q[iq], p, &m) == SP_OK);
                        CHECK(sp_quad_pair(&f, q[iq], q[iq], p, &t, &nn) == SP_OK);
                        CHECK_CLOSE(t, m.pt, 1e-13, 1e-10);
                        CHECK_CLOSE(nn, m.ph, 1e-13, 1e-10);
                    }
    const double uq[][3] = {{1, 4, 1.5}, {0.2, 10, 1.2}, {30, 3, -8}, {5, 6, 5.4}, {1e-3, 2, 0.01},
                            {2, 8, 4}};
    for (int a = 0; a < 3; a++)
        for (int i = 0; i < 6; i++) {
            struct sp_fnspec f = {SP_FN_DERF, al[a], 0.0};
            double a2 = al[a] * al[a], da = 1 + 2 * a2 * uq[i][0], db = 1 + 2 * a2 * uq[i][1];
            double x = 2 * a2 * uq[i][2], dd = da * db - x * x;
            CHECK(sp_quad_pair(&f, uq[i][0], uq[i][1], uq[i][2], &t, &nn) == SP_OK);
            CHECK_CLOSE(t, M_2_PI * asin(x / sqrt(da * db)), 1e-14, 1e-12);
            CHECK_CLOSE(nn, (4 * a2 / M_PI) / sqrt(dd > 0 ? dd : 0), 0.0, 1e-12);
        }
    /* |p| beyond sqrt(qa qb) is clamped to it */
    struct sp_fnspec f = {SP_FN_DYT, 0.8, 0.1};
    CHECK(sp_quad_pair(&f, 2.0, 8.0, 4.0, &t, &nn) == SP_OK);
    CHECK(sp_quad_pair(&f, 2.0, 8.0, 5.0, &t2, &n2) == SP_OK);
    CHECK(t == t2 && nn == n2);
    CHECK(sp_quad_pair(&f, 0.0, 8.0, 0.0, &t, &nn) == SP_EINVAL);
    f.kind = SP_FN_LN;
    CHECK(sp_quad_pair(&f, 1.0, 8.0, 0.0, &t, &nn) == SP_EINVAL);
}

int main(void)
{
    test_first_use_threads(); /* first: nothing has built the table yet */
    test_errors();
    test_erf_closed_forms();
    test_references();
    test_properties();
    test_fast_path();
    test_outside_table();
    test_pair();
    return check_done();
}
