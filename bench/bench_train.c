/* bench_train: one training step of the default ViT (d 64, L 4, batch 128, forward,
 * backward and AdamW), or with --task fortunes of the causal language model (context
 * 64, byte vocabulary, random bytes), against two baselines measured in the same run: this machine's
 * sgemm on the step's matrix shapes (the FLOP rate the step could reach if it were
 * nothing but products), and the same model and step in PyTorch (bench/torch_train.py,
 * when python3-torch is installed). Prints step time, GFLOP/s, the ratios, and peak
 * memory. Random images: the data loader is not part of a step. Beside the wall time,
 * each side's median CPU time a step (every thread's, spinning included): on a shared
 * machine the wall time counts the time the scheduler gave to other jobs, the CPU
 * time does not. And the same steps on the portable float passes (SP_SIMD=scalar),
 * the baseline of the AVX2/AVX-512 ones the trainer chooses.
 *     bench_train [--steps 20] [--threads 1] [--KEY VALUE ...]
 * where KEY is any key of the trainer's table (sigprop/trainspec.h; 'sigprop train
 * --help'): --width 64 --depth 4 --batch 128 --task fmnist|fortunes --context 64
 * --kv-heads K --rope THETA|none --rope-pairing interleaved|half ... */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <omp.h>

#include "net/net_internal.h"
#include "sigprop.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* The products of one step of one block (forward, input and weight gradients) with
 * rows = B T, through the same tiled single-threaded sgemm the trainer uses; kv: the
 * width of K and of V (K d / H with grouped-query attention, else d). */
static double sgemm_step_block(float *X, float *W, float *Y, size_t rows, size_t d, size_t kv,
                               size_t hid)
{
    size_t shapes[4][2] = {{d, d + 2 * kv}, {d, d}, {d, hid}, {hid, d}};
    double flops = 0;
    for (int i = 0; i < 4; i++) {
        size_t K = shapes[i][0], N = shapes[i][1];
        net_gemm(0, 0, rows, N, K, 1.0f, X, K, W, N, 0.0f, Y, N);     /* y = x W */
        net_gemm(0, 1, rows, K, N, 1.0f, Y, N, W, N, 0.0f, X, K);     /* gx = gy W^T */
        net_gemm(1, 0, K, N, rows, 1.0f, X, K, Y, N, 1.0f, W, N);     /* gW += x^T gy */
        flops += 3 * 2.0 * (double)rows * (double)N * (double)K;
    }
    return flops;
}

static double cpu_now(void) /* the CPU time of the process, every thread's */
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* the end time of every step, wall and CPU, from the trainer's progress callback */
static double stamps[100001], cpu_stamps[100001];
static void on_step(void *ctx, long step, long total, double loss)
{
    (void)ctx, (void)total, (void)loss;
    if (step <= 100000) {
        stamps[step] = now();
        cpu_stamps[step] = cpu_now();
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Trains `steps` + 3 steps (3 warm-up) and returns the median timed step's wall time
 * (*cpu: its CPU time), or a negative value on failure. */
static double time_steps(const struct sp_vit_config *c, const struct sp_train_opts *o,
                         const struct sp_dataset *d, const struct sp_corpus *corpus, int steps,
                         double *cpu)
{
    struct sp_trainer *t;
    struct sp_train_result r;
    double *dt = malloc((size_t)steps * sizeof *dt), *dc = malloc((size_t)steps * sizeof *dc);
    if (!dt || !dc || sp_trainer_new(c, o, NULL, &t) != SP_OK) {
        free(dt);
        free(dc);
        return -1;
    }
    enum sp_status s = c->task == SP_TASK_TEXT ? sp_trainer_run_text(t, corpus, NULL, &r)
                                               : sp_trainer_run(t, d, NULL, &r);
    sp_trainer_free(t);
    for (int i = 0; s == SP_OK && i < steps; i++) {
        dt[i] = stamps[i + 4] - stamps[i + 3];
        dc[i] = cpu_stamps[i + 4] - cpu_stamps[i + 3];
    }
    qsort(dt, (size_t)steps, sizeof *dt, cmp_double);
    qsort(dc, (size_t)steps, sizeof *dc, cmp_double);
    const double step_s = s == SP_OK ? dt[steps / 2] : -1; /* the median step */
    *cpu = dc[steps / 2];
    free(dt);
    free(dc);
    return step_s;
}

int main(int argc, char **argv)
{
    int steps = 20, threads = 1;
    /* every other flag is a key of the trainer's table (sigprop/trainspec.h) */
    struct sp_trainspec spec;
    sp_trainspec_init(&spec);
    spec.style = SP_ARCHKEY_STYLE_FLAG;
    for (int i = 1; i < argc; i += 2) {
        if (i + 1 >= argc || strncmp(argv[i], "--", 2) != 0) {
            fprintf(stderr, "bench_train: '%s': flags come as --key value\n", argv[i]);
            return 2;
        }
        if (strcmp(argv[i], "--steps") == 0)
            steps = atoi(argv[i + 1]);
        else if (strcmp(argv[i], "--threads") == 0)
            threads = atoi(argv[i + 1]);
        else if (sp_trainspec_set(&spec, argv[i] + 2, argv[i + 1]) != SP_OK) {
            fprintf(stderr, "bench_train: %s\n", sp_last_error());
            return 2;
        }
    }
    struct sp_vit_config c;
    struct sp_train_opts o;
    if (sp_trainspec_build(&spec, 1, &c, &o) != SP_OK) {
        fprintf(stderr, "bench_train: %s\n", sp_last_error());
        return 2;
    }
    const int text = c.task == SP_TASK_TEXT;
    omp_set_num_threads(threads);
    o.steps = steps + 3;
    o.warmup = 1;
    o.eval_every = 0;
    const size_t px = 28 * 28, n = (size_t)o.batch * 4;
    struct sp_dataset d = {n, 28, 28, 10, malloc(n * px * sizeof(float)), malloc(n)};
    if (!d.images || !d.labels)
        return 1;
    for (size_t i = 0; i < n * px; i++)
        d.images[i] = (float)((i * 2654435761u) % 256) / 255.0f;
    for (size_t i = 0; i < n; i++)
        d.labels[i] = (uint8_t)(i % 10);
    const size_t nb = (size_t)o.batch * ((size_t)c.context + 1) * 4; /* text: random bytes */
    struct sp_corpus corpus = {nb, 1, malloc(nb)};
    if (!corpus.text)
        return 1;
    for (size_t i = 0; i < nb; i++)
        corpus.text[i] = (unsigned char)((i * 2654435761u) >> 13);

    /* the trainer: 3 warm-up steps, then `steps` timed ones; then the same on the
     * portable passes (SP_SIMD=scalar), the baseline of the ISA ones */
    o.progress = on_step;
    if (steps < 1 || steps > 99990)
        return 1;
    double cpu_s, cpu_scalar;
    const double step_s = time_steps(&c, &o, &d, &corpus, steps, &cpu_s);
    const char *isa = sp_isa_name(sp_cpu_isa());
    setenv("SP_SIMD", "scalar", 1);
    const double scalar_s = time_steps(&c, &o, &d, &corpus, steps, &cpu_scalar);
    unsetenv("SP_SIMD");
    if (step_s < 0 || scalar_s < 0) {
        fprintf(stderr, "bench_train: %s\n", sp_last_error());
        return 1;
    }
    const double flops = 3 * o.batch * sp_vit_flops_forward(&c); /* forward + 2x backward */

    /* sgemm on the same shapes */
    const size_t rows = (size_t)o.batch * (size_t)sp_vit_tokens(&c), dd = (size_t)c.width;
    const size_t kvh = (size_t)(c.kv_heads > 0 ? c.kv_heads : c.heads);
    const size_t kv = kvh * dd / (size_t)c.heads;
    const size_t hid = dd * (size_t)c.mlp_ratio, big = hid > 3 * dd ? hid : 3 * dd;
    float *X = calloc(rows * big, sizeof(float)), *Y = calloc(rows * big, sizeof(float));
    float *W = calloc(big * big, sizeof(float));
    int prev = net_gemm_init();
    double gf = 0, g0 = now();
    int reps = 0;
    do {
        gf += sgemm_step_block(X, W, Y, rows, dd, kv, hid);
        reps++;
    } while (now() - g0 < 1.0 || reps < 3);
    double sgemm_rate = gf / (now() - g0);
    net_gemm_done(prev);
    free(X);
    free(Y);
    free(W);

    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double rss_mb = (double)ru.ru_maxrss / 1024.0;
    char rope[64] = "no RoPE";
    if (c.rope != SP_ROPE_NONE)
        snprintf(rope, sizeof rope, "RoPE %g %s", c.rope_theta,
                 c.rope == SP_ROPE_HALF ? "half" : "interleaved");
    printf("bench_train: %s, d %d, L %d, H %d, %zu K/V heads, %s, batch %d, %d tokens, %zu "
           "parameters, %d threads\n",
           text ? "causal LM" : "ViT", c.width, c.depth, c.heads, kvh, rope, o.batch,
           sp_vit_tokens(&c), sp_vit_nparams(&c), threads);
    printf("  sigprop step      %.4f s   %.2f GFLOP/s (%.3g GFLOP a step); CPU %.4f s a step\n",
           step_s, flops / step_s * 1e-9, flops * 1e-9, cpu_s);
    printf("  sgemm, same shapes          %.2f GFLOP/s -> the step runs at %.0f%% of it\n",
           sgemm_rate * 1e-9, 100 * flops / step_s / sgemm_rate);
    printf("  portable passes   %.4f s   -> the %s passes are %.2fx faster\n", scalar_s, isa,
           scalar_s / step_s);
    printf("  peak RSS          %.1f MB (includes the %.1f MB of random images)\n", rss_mb,
           (double)(n * px * sizeof(float)) / 1048576.0); /* allocated either way */

    char cmd[640], rope_arg[64] = "none";
    if (c.rope != SP_ROPE_NONE)
        snprintf(rope_arg, sizeof rope_arg, "%.17g", c.rope_theta);
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 bench/torch_train.py --width %d --depth %d --heads %d "
             "--kv-heads %zu --rope %s --rope-pairing %s --batch %d --steps %d --threads %d "
             "--task %s --context %d",
             c.width, c.depth, c.heads, kvh, rope_arg,
             c.rope == SP_ROPE_HALF ? "half" : "interleaved", o.batch, steps, threads,
             text ? "fortunes" : "fmnist", c.context);
    FILE *p = popen(cmd, "r");
    char line[512];
    double ts = NAN, trss = NAN, tcpu = NAN;
    while (p && fgets(line, sizeof line, p)) {
        if (sscanf(line, "torch_train: step_s %lf peak_rss_mb %lf cpu_s %lf", &ts, &trss,
                   &tcpu) == 3)
            break;
        fputs(line, stdout);
    }
    if (p)
        pclose(p);
    if (isfinite(ts))
        printf("  PyTorch step      %.4f s   -> sigprop is %.2fx faster; peak RSS %.1f MB "
               "(sigprop %.2fx of it)\n"
               "  PyTorch CPU       %.4f s a step -> sigprop needs %.2fx less CPU time\n",
               ts, ts / step_s, trss, rss_mb / trss, tcpu, tcpu / cpu_s);
    free(d.images);
    free(d.labels);
    free(corpus.text);
    return 0;
}
