/* A quick measurement of this machine's matrix-product throughput at the shape a
 * configuration uses, so that a caller can estimate a run's time before starting
 * it (SPEC 4 measurements at the blog's size take tens of seconds). */
#include <omp.h>
#include <stdlib.h>
#include <time.h>

#include "net/net_internal.h"
#include "sigprop/net.h"
#include "sp_config.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

double sp_net_gemm_rate(const struct sp_arch *a, const struct sp_net_opts *o)
{
    if (!SP_HAVE_BLAS)
        return 0.0; /* no measurement in this build (sp_net_measure says why) */
    /* the dominant product: (rows) x d times d x d, rows = tokens x (probes + 1),
     * capped so that the probe stays small */
    size_t d = (size_t)a->width, rows = (size_t)(a->model == SP_MODEL_TOY ? 1 : a->tokens) *
                                        (size_t)(o->probes + 1);
    if (d > 2048)
        d = 2048;
    if (rows > 1024)
        rows = 1024;
    if (rows < 64)
        rows = 64;
    float *A = calloc(rows * d, sizeof *A), *B = calloc(d * d, sizeof *B);
    float *C = calloc(rows * d, sizeof *C);
    double rate = 0.0;
    if (A && B && C) {
        if (o->threads > 0)
            omp_set_num_threads(o->threads);
        int blas_prev = net_gemm_init();
        net_gemm(0, 0, rows, d, d, 1.0f, A, d, B, d, 0.0f, C, d); /* warm-up: buffers, caches */
        double flop = 2.0 * (double)rows * (double)d * (double)d, t0 = now(), t = 0.0;
        int reps = 0;
        do { /* at least three products and 0.05 s */
            net_gemm(0, 0, rows, d, d, 1.0f, A, d, B, d, 0.0f, C, d);
            reps++;
            t = now() - t0;
        } while (reps < 3 || t < 0.05);
        rate = flop * reps / t;
        net_gemm_done(blas_prev);
    }
    free(A);
    free(B);
    free(C);
    return rate;
}

/* The run itself, shortened: one draw through min(L, 2) blocks with the same
 * shape, probes and passes, timed (the faster of two runs: the first warms the
 * buffers), then scaled by the FLOP count of the full run over the probe's. This
 * times the whole forward/backward pass (weight generation, norms, attention,
 * statistics), not only the matrix products. */
double sp_net_time_estimate(const struct sp_arch *a, const struct sp_net_opts *o,
                            double *probe_s)
{
    struct sp_arch pa = *a;
    struct sp_net_opts po = *o;
    pa.depth = a->depth < 2 ? a->depth : 2;
    po.seeds = 1;
    po.checkpoint = 0;
    po.progress = NULL;
    po.progress_ctx = NULL;
    size_t nr = sp_net_nrows(&pa, &po);
    struct sp_net_row *rows = malloc(nr * sizeof *rows);
    double t = 0.0;
    if (probe_s)
        *probe_s = 0.0;
    if (!rows)
        return 0.0;
    for (int rep = 0; rep < 2; rep++) {
        double t0 = now();
        if (sp_net_measure(&pa, &po, rows, nr) != SP_OK) {
            free(rows);
            return 0.0;
        }
        double dt = now() - t0;
        t = rep == 0 || dt < t ? dt : t; /* the faster of the two: contention only adds */
    }
    free(rows);
    double fp = sp_net_flops(&pa, &po), ff = sp_net_flops(a, o);
    if (probe_s)
        *probe_s = t;
    return fp > 0.0 ? t * ff / fp : 0.0;
}
