/* The measurement engine (SPEC 2, 4): inputs with exact statistics, token
 * statistics per block, forward APJN J^{l,0} by tangents pushed up from block 0
 * and backward APJN J^{L,l} and gradient amplification by cotangents pulled down
 * from the top, all depths in one pass each. Reverse mode stores the residual
 * stream only at checkpoints every S = ceil(sqrt(L)) blocks and recomputes the
 * rest, so memory grows as sqrt(L) in reverse mode and not at all in forward mode. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <omp.h>

#include "net/net_internal.h"
#include "sp_config.h"

void sp_net_opts_default(struct sp_net_opts *o)
{
    memset(o, 0, sizeof *o);
    o->seeds = 1;
    o->probes = 4;
    o->seed = 1;
    o->input = SP_INPUT_EQUIANGULAR;
    o->measure = SP_MEASURE_ALL;
}

static int is_toy(const struct sp_arch *a) { return a->model == SP_MODEL_TOY; }

size_t sp_net_nrows(const struct sp_arch *a, const struct sp_net_opts *o)
{
    size_t L = (size_t)a->depth;
    return !is_toy(a) && o->sublayers ? 2 * L + 1 : L + 1;
}

/* Everything the driver allocates, in floats / doubles. */
struct plan {
    size_t n, d, L, P, K, nrows;
    size_t bf, bg, bmax;      /* forward batches, reverse batches, workspace batches */
    size_t seg, ncp;          /* checkpoint segment length, checkpoints */
    int fwd, bwd, grad, rev;
    double floats, doubles;   /* driver buffers */
    double records;           /* doubles of the per-row results of every draw and probe */
};

static void make_plan(const struct sp_arch *a, const struct sp_net_opts *o, struct plan *p)
{
    memset(p, 0, sizeof *p);
    p->n = is_toy(a) ? 1 : (size_t)a->tokens;
    p->d = (size_t)a->width;
    p->L = (size_t)a->depth;
    p->P = (size_t)(o->probes > 0 ? o->probes : 1);
    p->K = (size_t)(o->seeds > 0 ? o->seeds : 1);
    p->nrows = sp_net_nrows(a, o);
    p->fwd = !!(o->measure & SP_MEASURE_FWD);
    p->bwd = !!(o->measure & SP_MEASURE_BWD);
    p->grad = !!(o->measure & SP_MEASURE_GRAD);
    p->rev = p->bwd || p->grad;
    p->bf = p->fwd ? p->P + 1 : 1;
    p->bg = (p->bwd ? p->P : 0) + (p->grad ? 1 : 0);
    p->bmax = p->bf > p->bg ? p->bf : p->bg;
    if (p->rev) {
        p->seg = o->checkpoint > 0 ? (size_t)o->checkpoint : (size_t)ceil(sqrt((double)p->L));
        if (p->seg > p->L)
            p->seg = p->L;
        p->ncp = (p->L + p->seg - 1) / p->seg;
    }
    double n = (double)p->n, d = (double)p->d;
    p->floats = (double)p->bf * n * d                       /* X */
              + (double)(p->ncp + p->seg) * n * d           /* checkpoints, segment */
              + (double)p->bg * n * d * 2.0                 /* G and a final-norm scratch */
              + 2.0 * n * d;                                /* h^L, its final norm */
    p->doubles = n * d                                      /* input construction */
               + (double)p->bmax * n + d + (double)p->K;    /* row sums, column sums */
    p->records = (double)p->K * (double)p->nrows * (4.0 + 2.0 * (double)p->P) + (double)p->K;
}

double sp_net_workspace_bytes(const struct sp_arch *a, const struct sp_net_opts *o)
{
    struct plan p;
    make_plan(a, o, &p);
    return net_model_bytes(a, p.bmax) + p.floats * 4.0 + p.doubles * 8.0;
}

double sp_net_record_bytes(const struct sp_arch *a, const struct sp_net_opts *o)
{
    struct plan p;
    make_plan(a, o, &p);
    return p.records * 8.0;
}

double sp_net_flops(const struct sp_arch *a, const struct sp_net_opts *o)
{
    struct plan p;
    make_plan(a, o, &p);
    double n = (double)p.n, d = (double)p.d, L = (double)p.L, K = (double)p.K;
    if (is_toy(a))
        return K * L * 2.0 * d * d * ((double)p.bf + (p.rev ? 2.0 + (double)p.bg : 0.0));
    double f = (double)sp_arch_mlp_hidden(a);
    double kvd = d * (double)sp_arch_kv_heads(a) / (double)(a->heads > 0 ? a->heads : 1);
    double mlp = a->mlp_act == SP_ACT_SWIGLU ? 3.0 : 2.0;   /* W1, (W3,) W2 */
    double lin = 2.0 * n * (2.0 * d * d + 2.0 * d * kvd + mlp * d * f); /* per batch per block */
    double att = 4.0 * n * n * d;                           /* primal, per block */
    double fwd = (double)p.bf * lin + att * (1.0 + 3.0 * (double)(p.bf - 1));
    double rev = p.rev ? 2.0 * (lin + att) + (double)p.bg * (lin + 4.0 * att) : 0.0;
    return K * L * (fwd + rev);
}

/* ---- inputs (SPEC 4) ---- */

enum sp_status net_make_input(const struct sp_arch *a, const struct sp_net_opts *o,
                              struct net_key key, size_t n, size_t d, float *x, double *R)
{
    double q0 = a->q0, r = n > 1 ? a->p0 / a->q0 : 0.0;
    float *tmp = x; /* the normals land in x first */
    if (o->input == SP_INPUT_GAUSSIAN ? r < 0.0
                                      : n > d || r < -1.0 / (double)(n > 1 ? n - 1 : 1) - 1e-12 ||
                                            r > 1.0)
        return SP_EINVAL;
    net_normal(tmp, n * d, 1.0f, key, NET_MAT_INPUT);
    if (o->input == SP_INPUT_GAUSSIAN) {
        /* x_a = sqrt(q0) (sqrt(1 - r) z_a + sqrt(r) z_shared) */
        struct net_key k2 = key;
        k2.block = 1;
        float *shared = (float *)R; /* d floats fit in the n d doubles */
        net_normal(shared, d, 1.0f, k2, NET_MAT_INPUT);
        float c1 = (float)sqrt(q0 * (1.0 - r)), c2 = (float)sqrt(q0 * r);
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < d; j++)
                x[i * d + j] = c1 * x[i * d + j] + c2 * shared[j];
        return SP_OK;
    }
    /* n orthonormal rows of a random rotation: Gram-Schmidt on Gaussian rows, twice. */
    for (size_t i = 0; i < n * d; i++)
        R[i] = (double)tmp[i];
    for (size_t i = 0; i < n; i++) {
        double *ri = R + i * d;
        for (int pass = 0; pass < 2; pass++)
            for (size_t k = 0; k < i; k++) {
                const double *rk = R + k * d;
                double dot = 0.0;
                for (size_t j = 0; j < d; j++)
                    dot += ri[j] * rk[j];
                for (size_t j = 0; j < d; j++)
                    ri[j] -= dot * rk[j];
            }
        double nrm = 0.0;
        for (size_t j = 0; j < d; j++)
            nrm += ri[j] * ri[j];
        nrm = sqrt(nrm);
        if (!(nrm > 0.0))
            return SP_ENUMERIC;
        for (size_t j = 0; j < d; j++)
            ri[j] /= nrm;
    }
    /* X = sqrt(q0 d) (sqrt(1 - r) (R - 1 m^T) + sqrt(1 + (n - 1) r) 1 m^T), m = mean row:
     * X X^T = d q0 ((1 - r) I + r 1 1^T). */
    double cv = sqrt(q0 * (double)d * (1.0 - r));
    double cu = sqrt(q0 * (double)d * fmax(0.0, 1.0 + (double)(n - 1) * r));
    for (size_t j = 0; j < d; j++) {
        double m = 0.0;
        for (size_t i = 0; i < n; i++)
            m += R[i * d + j];
        m /= (double)n;
        for (size_t i = 0; i < n; i++)
            x[i * d + j] = (float)(cv * (R[i * d + j] - m) + cu * m);
    }
    return SP_OK;
}

/* ---- reductions, per row then serially: independent of the thread count ---- */

static double sumsq(const float *x, size_t rows, size_t d, double *tmp)
{
#pragma omp parallel for schedule(static) if (NET_PAR(rows * d))
    for (long i = 0; i < (long)rows; i++) {
        const float *r = x + (size_t)i * d;
        double s = 0.0;
        for (size_t j = 0; j < d; j++)
            s += (double)r[j] * (double)r[j];
        tmp[i] = s;
    }
    double s = 0.0;
    for (size_t i = 0; i < rows; i++)
        s += tmp[i];
    return s;
}

/* q and p of tokens t0..n-1 of x (n, d) (SPEC 2). */
static void token_stats(const float *x, size_t n, size_t d, size_t t0, double *tmp,
                        double *colsum, double *q, double *p)
{
    size_t m = n - t0;
    double sq = sumsq(x + t0 * d, m, d, tmp);
#pragma omp parallel for schedule(static) if (NET_PAR(d * n))
    for (long j = 0; j < (long)d; j++) {
        double s = 0.0;
        for (size_t i = t0; i < n; i++)
            s += (double)x[i * d + (size_t)j];
        colsum[j] = s;
    }
    double tot = 0.0;
    for (size_t j = 0; j < d; j++)
        tot += colsum[j] * colsum[j];
    *q = sq / ((double)m * (double)d);
    *p = m > 1 ? (tot - sq) / ((double)m * (double)(m - 1) * (double)d) : (double)NAN;
}

/* Mean and standard error of v[0], v[stride], ... (count values). */
static void mean_se(const double *v, size_t count, size_t stride, double *mean, double *se)
{
    double s = 0.0;
    for (size_t i = 0; i < count; i++)
        s += v[i * stride];
    double m = s / (double)count, ss = 0.0;
    for (size_t i = 0; i < count; i++)
        ss += (v[i * stride] - m) * (v[i * stride] - m);
    *mean = m;
    *se = count > 1 ? sqrt(ss / (double)(count - 1) / (double)count) : (double)NAN;
}

struct run {
    const struct sp_arch *a;
    const struct sp_net_opts *o;
    const struct sp_net_weights *w; /* stored weights or NULL */
    struct plan p;
    struct net_model m;
    float *X, *cp, *seg, *G, *gtmp, *top, *topn;
    double *R, *rowtmp, *colsum;
    double *q, *pp, *jf, *jb, *gn, *gd; /* per sample: [k][row], jf/jb [k][probe][row] */
    size_t done, total;
};

static void progress(struct run *r)
{
    r->done++;
    if (r->o->progress)
        r->o->progress(r->o->progress_ctx, r->done, r->total);
}

static enum sp_status record_fwd(struct run *r, size_t k, size_t row)
{
    const struct plan *p = &r->p;
    size_t nd = p->n * p->d;
    double q, pv;
    size_t t0 = r->o->exclude_cls && p->n > 1 ? 1 : 0;
    token_stats(r->X, p->n, p->d, t0, r->rowtmp, r->colsum, &q, &pv);
    r->q[k * p->nrows + row] = q;
    r->pp[k * p->nrows + row] = pv;
    if (!isfinite(q))
        return SP_ENUMERIC;
    if (p->fwd)
        for (size_t b = 0; b < p->P; b++) {
            double s = sumsq(r->X + (b + 1) * nd, p->n, p->d, r->rowtmp) / (double)nd;
            r->jf[(k * p->P + b) * p->nrows + row] = s;
            if (!isfinite(s))
                return SP_ENUMERIC;
        }
    return SP_OK;
}

static enum sp_status record_bwd(struct run *r, size_t k, size_t row)
{
    const struct plan *p = &r->p;
    size_t nd = p->n * p->d;
    if (p->bwd)
        for (size_t b = 0; b < p->P; b++) {
            double s = sumsq(r->G + b * nd, p->n, p->d, r->rowtmp) / (double)nd;
            r->jb[(k * p->P + b) * p->nrows + row] = s;
            if (!isfinite(s))
                return SP_ENUMERIC;
        }
    if (p->grad) {
        double s = sumsq(r->G + (p->bg - 1) * nd, p->n, p->d, r->rowtmp);
        r->gn[k * p->nrows + row] = s;
        if (!isfinite(s))
            return SP_ENUMERIC;
    }
    return SP_OK;
}

/* One block (or toy layer) forward on x with B batches. */
static void block_forward(struct run *r, struct net_key key, float *x, size_t B)
{
    if (is_toy(r->a)) {
        net_toy_forward(&r->m, key, x, B);
    } else {
        net_attn_forward(&r->m, key, x, B, 0);
        net_mlp_forward(&r->m, key, x, B, 0);
    }
}

/* The loss gradient at the top (SP_NET_CLASSES head, see net.h), into g (n, d). */
static void loss_grad(struct run *r, struct net_key key, const float *feat, float *g)
{
    const size_t n = r->p.n, d = r->p.d, C = SP_NET_CLASSES;
    float *W = r->m.w; /* (d, C): free between blocks */
    net_normal(W, d * C, (float)(1.0 / sqrt((double)d)), key, NET_MAT_HEAD);
    double *f = r->colsum, logits[SP_NET_CLASSES], mx = -INFINITY, z = 0.0;
    for (size_t j = 0; j < d; j++) {
        double s = 0.0;
        for (size_t i = 0; i < n; i++)
            s += (double)feat[i * d + j];
        f[j] = s / (double)n;
    }
    for (size_t c = 0; c < C; c++) {
        double s = 0.0;
        for (size_t j = 0; j < d; j++)
            s += f[j] * (double)W[j * C + c];
        logits[c] = s;
        mx = fmax(mx, s);
    }
    for (size_t c = 0; c < C; c++) {
        logits[c] = exp(logits[c] - mx);
        z += logits[c];
    }
    size_t label = net_uint32(key, NET_MAT_LABEL, 0) % C;
    for (size_t c = 0; c < C; c++)
        logits[c] = logits[c] / z - (c == label ? 1.0 : 0.0); /* dLoss/dlogits */
    for (size_t j = 0; j < d; j++) {
        double s = 0.0;
        for (size_t c = 0; c < C; c++)
            s += (double)W[j * C + c] * logits[c];
        for (size_t i = 0; i < n; i++)
            g[i * d + j] = (float)(s / (double)n);
    }
}

static enum sp_status run_draw(struct run *r, size_t k)
{
    const struct plan *p = &r->p;
    const struct sp_arch *a = r->a;
    const size_t n = p->n, d = p->d, nd = n * d, L = p->L;
    const int sub = !is_toy(a) && r->o->sublayers;
    struct net_key key = {r->o->seed, (uint32_t)k, 0};
    enum sp_status s = SP_OK;
    if (r->w && r->w->tokens) /* one set for every draw, or set k */
        memcpy(r->X, r->w->tokens + (r->w->token_sets ? k * nd : 0), nd * sizeof(float));
    else if ((s = net_make_input(a, r->o, key, n, d, r->X, r->R)) != SP_OK)
        return s;
    if (!is_toy(a) && a->embed_scale != 1.0) /* h^0 = embed_scale x: probes start after it */
        for (size_t i = 0; i < nd; i++)
            r->X[i] *= (float)a->embed_scale;
    if (p->fwd)
        for (size_t b = 0; b < p->P; b++) {
            struct net_key kb = {r->o->seed, (uint32_t)k, (uint32_t)b};
            net_normal(r->X + (b + 1) * nd, nd, 1.0f, kb, NET_MAT_PROBE_FWD);
        }
    if ((s = record_fwd(r, k, 0)) != SP_OK)
        return s;
    for (size_t l = 0; l < L; l++) {
        key.block = (uint32_t)l;
        if (p->rev && l % p->seg == 0)
            memcpy(r->cp + (l / p->seg) * nd, r->X, nd * sizeof(float));
        if (sub) {
            net_attn_forward(&r->m, key, r->X, p->bf, 0);
            if ((s = record_fwd(r, k, 2 * l + 1)) != SP_OK)
                return s;
            net_mlp_forward(&r->m, key, r->X, p->bf, 0);
        } else {
            block_forward(r, key, r->X, p->bf);
        }
        if ((s = record_fwd(r, k, sub ? 2 * l + 2 : l + 1)) != SP_OK)
            return s;
        progress(r);
    }
    if (!p->rev)
        return SP_OK;

    /* ---- reverse mode: cotangents at the top ---- */
    memcpy(r->top, r->X, nd * sizeof(float));
    const float *feat = r->top;
    if (a->final_norm && !is_toy(a)) {
        net_final_norm(&r->m, r->top, r->topn, 1);
        feat = r->topn;
    }
    if (p->bwd)
        for (size_t b = 0; b < p->P; b++) {
            struct net_key kb = {r->o->seed, (uint32_t)k, (uint32_t)b};
            net_normal(r->G + b * nd, nd, 1.0f, kb, NET_MAT_PROBE_BWD);
        }
    key.block = 0;
    if (p->grad)
        loss_grad(r, key, feat, r->G + (p->bg - 1) * nd);
    if (a->final_norm && !is_toy(a)) {
        net_final_norm_vjp(&r->m, r->top, r->topn, r->G, r->gtmp, p->bg);
        memcpy(r->G, r->gtmp, p->bg * nd * sizeof(float));
    }
    if ((s = record_bwd(r, k, p->nrows - 1)) != SP_OK)
        return s;
    if (p->grad)
        r->gd[k] = r->gn[k * p->nrows + p->nrows - 1];
    for (size_t c = p->ncp; c-- > 0;) {
        size_t l0 = c * p->seg, l1 = l0 + p->seg < L ? l0 + p->seg : L;
        memcpy(r->seg, r->cp + c * nd, nd * sizeof(float));
        for (size_t l = l0; l + 1 < l1; l++) {
            float *next = r->seg + (l - l0 + 1) * nd;
            memcpy(next, next - nd, nd * sizeof(float));
            key.block = (uint32_t)l;
            block_forward(r, key, next, 1);
        }
        for (size_t l = l1; l-- > l0;) {
            const float *xl = r->seg + (l - l0) * nd;
            key.block = (uint32_t)l;
            if (is_toy(a)) {
                net_toy_backward(&r->m, key, xl, r->G, p->bg);
            } else {
                net_block_save(&r->m, key, xl);
                net_mlp_backward(&r->m, key, r->G, p->bg);
                if (sub && (s = record_bwd(r, k, 2 * l + 1)) != SP_OK)
                    return s;
                net_attn_backward(&r->m, key, r->G, p->bg);
            }
            if ((s = record_bwd(r, k, sub ? 2 * l : l)) != SP_OK)
                return s;
            progress(r);
        }
    }
    return SP_OK;
}

static void summarise(struct run *r, struct sp_net_row *rows)
{
    const struct plan *p = &r->p;
    const size_t K = p->K, P = p->P, N = p->nrows;
    double *tmp = r->rowtmp; /* K (>= per-draw means) fits: see alloc */
    for (size_t i = 0; i < N; i++) {
        struct sp_net_row *w = &rows[i];
        w->l = r->o->sublayers && !is_toy(r->a) ? 0.5 * (double)i : (double)i;
        mean_se(r->q + i, K, N, &w->q, &w->q_se);
        mean_se(r->pp + i, K, N, &w->p, &w->p_se);
        w->rho = w->p / w->q;
        w->j_fwd = w->j_fwd_se = w->j_bwd = w->j_bwd_se = (double)NAN;
        w->grad_amp = w->grad_amp_se = (double)NAN;
        for (int dir = 0; dir < 2; dir++) {
            const double *v = dir ? r->jb : r->jf;
            if (!(dir ? p->bwd : p->fwd))
                continue;
            double mean, se;
            if (K >= 2) {
                for (size_t k = 0; k < K; k++)
                    mean_se(v + k * P * N + i, P, N, &tmp[k], &se);
                mean_se(tmp, K, 1, &mean, &se);
            } else {
                mean_se(v + i, P, N, &mean, &se);
            }
            if (dir)
                w->j_bwd = mean, w->j_bwd_se = se;
            else
                w->j_fwd = mean, w->j_fwd_se = se;
        }
        if (p->grad) {
            double sn = 0.0, sd = 0.0;
            for (size_t k = 0; k < K; k++)
                sn += r->gn[k * N + i], sd += r->gd[k];
            double ratio = sn / sd, var = 0.0, md = sd / (double)K;
            for (size_t k = 0; k < K; k++) {
                double e = r->gn[k * N + i] - ratio * r->gd[k];
                var += e * e;
            }
            w->grad_amp = ratio;
            w->grad_amp_se = K >= 2 ? sqrt(var / (double)(K - 1) / (double)K) / md : (double)NAN;
        }
    }
}

enum sp_status sp_net_embedding_rows(uint64_t seed, const int *ids, size_t n, size_t d,
                                     double std, float *out)
{
    if ((n && (!ids || !out)) || !(std >= 0.0 && isfinite(std)))
        return sp_fail(SP_EINVAL, "sp_net_embedding_rows: NULL argument or std %g", std);
    for (size_t k = 0; k < n; k++) {
        if (ids[k] < 0)
            return sp_fail(SP_EINVAL, "token id %d (position %zu) is negative", ids[k], k);
        struct net_key key = {seed, 0, (uint32_t)ids[k]};
        net_normal(out + k * d, d, (float)std, key, NET_MAT_EMBED);
    }
    return SP_OK;
}

enum sp_status sp_net_add_position_rows(uint64_t seed, size_t n, size_t d, double std,
                                        float *rows)
{
    if ((n && !rows) || !(std >= 0.0 && isfinite(std)))
        return sp_fail(SP_EINVAL, "sp_net_add_position_rows: NULL rows or std %g", std);
    float *p = malloc((d ? d : 1) * sizeof *p);
    if (!p)
        return sp_fail(SP_ENOMEM, "out of memory: a position row of %zu floats", d);
    for (size_t a = 0; a < n; a++) {
        struct net_key key = {seed, 0, (uint32_t)a};
        net_normal(p, d, (float)std, key, NET_MAT_POSITION);
        for (size_t j = 0; j < d; j++)
            rows[a * d + j] += p[j];
    }
    free(p);
    return SP_OK;
}

enum sp_status sp_net_supported(const struct sp_arch *a)
{
    (void)a; /* every option of the arch is measured (the LLM options of issue 11 too) */
    return SP_OK;
}

enum sp_status sp_net_check(const struct sp_arch *a, const struct sp_net_opts *o,
                            const struct sp_net_weights *w)
{
    if (!a || !o)
        return sp_fail(SP_EINVAL, "sp_net_check: NULL architecture or options");
    if (o->seeds < 1 || o->probes < 1)
        return sp_fail(SP_EINVAL, "seeds %d, probes %d: both must be at least 1", o->seeds,
                       o->probes);
    if (!(o->measure & SP_MEASURE_ALL))
        return sp_fail(SP_EINVAL, "no pass to run (measure: fwd, bwd or grad)");
    if (a->width < 1 || a->depth < 1)
        return sp_fail(SP_EINVAL, "width %d, depth %d: both must be at least 1", a->width,
                       a->depth);
    int toy = is_toy(a), n = toy ? 1 : a->tokens;
    if (!toy && (a->tokens < 1 || a->heads < 1 || a->width % a->heads))
        return sp_fail(SP_EINVAL, "tokens %d, heads %d, width %d: heads must divide the width "
                                  "(the architecture is not resolved?)",
                       a->tokens, a->heads, a->width);
    if (o->exclude_cls && (toy || a->tokens < 3))
        return sp_fail(SP_EINVAL, "exclude-cls needs a transformer with at least 3 tokens");
    if (w && w->tokens)
        return sp_net_supported(a); /* the stored rows are the input */
    if (o->input == SP_INPUT_EQUIANGULAR && n > a->width)
        return sp_fail(SP_EINVAL, "the equiangular input needs tokens <= width (tokens %d, "
                                  "width %d); use the gaussian input", n, a->width);
    if (o->input == SP_INPUT_EQUIANGULAR && n > 1 &&
        (a->p0 / a->q0 < -1.0 / (n - 1) - 1e-12 || a->p0 > a->q0))
        return sp_fail(SP_EINVAL, "p0 %g: an equiangular configuration of %d tokens needs "
                                  "-1/(n-1) <= p0/q0 <= 1 (q0 %g)", a->p0, n, a->q0);
    if (o->input == SP_INPUT_GAUSSIAN && (a->p0 < 0.0 || a->p0 > a->q0))
        return sp_fail(SP_EINVAL, "the gaussian input needs 0 <= p0 <= q0 (p0 %g, q0 %g); use "
                                  "the equiangular input for p0 < 0", a->p0, a->q0);
    return sp_net_supported(a);
}

enum sp_status sp_net_measure(const struct sp_arch *a, const struct sp_net_opts *o,
                              struct sp_net_row *rows, size_t nrows)
{
    return sp_net_measure_weights(a, o, NULL, rows, nrows);
}

enum sp_status sp_net_measure_weights(const struct sp_arch *a, const struct sp_net_opts *o,
                                      const struct sp_net_weights *w, struct sp_net_row *rows,
                                      size_t nrows)
{
    enum sp_status s0;
    if (!SP_HAVE_BLAS)
        return sp_fail(SP_EUNSUPPORTED, "this build has no OpenBLAS: finite-width measurement "
                                        "needs a build configured with -DSP_WITH_BLAS=ON");
    if ((s0 = sp_net_check(a, o, w)) != SP_OK)
        return s0;
    if (!rows || nrows != sp_net_nrows(a, o))
        return sp_fail(SP_EINVAL, "sp_net_measure: %zu rows given, %zu needed", rows ? nrows : 0,
                       sp_net_nrows(a, o));
    if (w && is_toy(a))
        return sp_fail(SP_EUNSUPPORTED, "stored weights: the toy model has none (model toy)");
    if (w && !w->blocks && !w->tokens && !w->gain_final && !w->beta_final && !w->alpha_final &&
        !w->shift_final)
        w = NULL; /* nothing stored */
    if (w && w->token_sets && (!w->tokens || (size_t)o->seeds > w->token_sets))
        return sp_fail(SP_EINVAL, "stored inputs: %d draw(s) need as many token sets, %zu given",
                       o->seeds, w->tokens ? w->token_sets : (size_t)0);
    if (o->threads > 0)
        omp_set_num_threads(o->threads);
    struct run r;
    memset(&r, 0, sizeof r);
    r.a = a, r.o = o, r.w = w;
    make_plan(a, o, &r.p);
    const struct plan *p = &r.p;
    enum sp_status s = net_model_init(&r.m, a, p->bmax);
    if (s != SP_OK)
        return s;
    r.m.wts = w;
    size_t nd = p->n * p->d;
    size_t nf = (size_t)p->floats, ndb = (size_t)(p->doubles + p->records);
    float *fb = malloc(nf * sizeof(float));
    double *db = calloc(ndb, sizeof(double));
    if (!fb || !db) {
        s = SP_ENOMEM;
        goto out;
    }
    r.X = fb;
    r.cp = r.X + p->bf * nd;
    r.seg = r.cp + p->ncp * nd;
    r.G = r.seg + p->seg * nd;
    r.gtmp = r.G + p->bg * nd;
    r.top = r.gtmp + p->bg * nd;
    r.topn = r.top + nd;
    r.R = db;
    r.rowtmp = r.R + nd;
    r.colsum = r.rowtmp + (p->bmax * p->n > p->K ? p->bmax * p->n : p->K);
    r.q = r.colsum + p->d;
    r.pp = r.q + p->K * p->nrows;
    r.gn = r.pp + p->K * p->nrows;
    r.gd = r.gn + p->K * p->nrows;
    r.jf = r.gd + p->K;
    r.jb = r.jf + p->K * p->P * p->nrows;
    r.total = p->K * p->L * (p->rev ? 2 : 1);
    for (size_t k = 0; k < p->K && s == SP_OK; k++)
        s = run_draw(&r, k);
    if (s == SP_OK)
        summarise(&r, rows);
out:
    free(fb);
    free(db);
    net_model_free(&r.m);
    return s;
}
