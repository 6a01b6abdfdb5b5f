/* Distributed sweeps: every MPI call of sigprop is in this file, compiled only
 * when the build has MPI (SP_HAVE_MPI; the serial versions are in sweep.c).
 * MPI is started only when the process was launched by mpirun, never as a
 * singleton. Rank 0 reads and writes; the others compute their share. */
#include "sp_config.h"

#if SP_HAVE_MPI
#include <limits.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/analysis.h"

enum sp_status sp_sweep_comm_init(struct sp_sweep_comm *c)
{
    c->rank = 0;
    c->nranks = 1;
    c->mpi = 0;
    if (!sp_sweep_comm_launched())
        return SP_OK;
    if (MPI_Init(NULL, NULL) != MPI_SUCCESS)
        return sp_fail(SP_EIO, "MPI_Init failed");
    c->mpi = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, &c->rank);
    MPI_Comm_size(MPI_COMM_WORLD, &c->nranks);
    return SP_OK;
}

void sp_sweep_comm_finalize(struct sp_sweep_comm *c)
{
    if (c->mpi)
        MPI_Finalize();
    c->mpi = 0;
}

void sp_sweep_comm_abort(const struct sp_sweep_comm *c)
{
    if (c->mpi)
        MPI_Abort(MPI_COMM_WORLD, 1);
}

void sp_sweep_comm_bcast(const struct sp_sweep_comm *c, void *buf, size_t n)
{
    if (!c->mpi)
        return;
    for (size_t off = 0; off < n;) { /* counts are int */
        size_t k = n - off < (size_t)INT_MAX ? n - off : (size_t)INT_MAX;
        MPI_Bcast((char *)buf + off, (int)k, MPI_UNSIGNED_CHAR, 0, MPI_COMM_WORLD);
        off += k;
    }
}

int sp_sweep_comm_max(const struct sp_sweep_comm *c, int v)
{
    if (c->mpi)
        MPI_Allreduce(MPI_IN_PLACE, &v, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    return v;
}

enum sp_status sp_sweep_comm_gather(const struct sp_sweep_comm *c, size_t n, size_t mine,
                                    char *const *bufs, const size_t *lens, char **out,
                                    size_t *outlen)
{
    *out = NULL;
    *outlen = 0;
    if (!c->mpi)
        return sp_sweep_comm_gather_local(n, mine, bufs, lens, out, outlen);
    /* lengths of this rank's task outputs, then the bytes, gathered on rank 0 */
    int *ln = malloc((mine ? mine : 1) * sizeof *ln), total = 0, fail = 0;
    for (size_t m = 0; ln && m < mine; m++) {
        if (lens[m] > (size_t)(INT_MAX - total))
            fail = 1;
        else
            total += (ln[m] = (int)lens[m]);
    }
    char *mybytes = malloc((size_t)total + 1);
    fail |= !ln || !mybytes;
    MPI_Allreduce(MPI_IN_PLACE, &fail, 1, MPI_INT, MPI_MAX, MPI_COMM_WORLD);
    if (fail) {
        free(ln);
        free(mybytes);
        return sp_fail(SP_ENOMEM, "out of memory (or over 2 GB) gathering a batch's rows");
    }
    for (size_t m = 0, off = 0; m < mine; m++) {
        if (lens[m])
            memcpy(mybytes + off, bufs[m], lens[m]);
        off += lens[m];
    }
    int *cnt = NULL, *displ = NULL, *alllens = NULL, *lcnt = NULL, *ldispl = NULL;
    char *all = NULL;
    enum sp_status s = SP_OK;
    int nr = c->nranks;
    if (c->rank == 0) {
        cnt = calloc((size_t)nr, sizeof *cnt);
        displ = calloc((size_t)nr, sizeof *displ);
        lcnt = calloc((size_t)nr, sizeof *lcnt);
        ldispl = calloc((size_t)nr, sizeof *ldispl);
        alllens = calloc(n ? n : 1, sizeof *alllens);
        if (!cnt || !displ || !lcnt || !ldispl || !alllens)
            MPI_Abort(MPI_COMM_WORLD, 1);
        for (int r = 0, off = 0; r < nr; r++) {
            lcnt[r] = (int)((n > (size_t)r) ? (n - (size_t)r + (size_t)nr - 1) / (size_t)nr : 0);
            ldispl[r] = off;
            off += lcnt[r];
        }
    }
    MPI_Gatherv(ln, (int)mine, MPI_INT, alllens, lcnt, ldispl, MPI_INT, 0, MPI_COMM_WORLD);
    MPI_Gather(&total, 1, MPI_INT, cnt, 1, MPI_INT, 0, MPI_COMM_WORLD);
    if (c->rank == 0) {
        int sum = 0;
        for (int r = 0; r < nr; r++) {
            displ[r] = sum;
            sum += cnt[r];
        }
        all = malloc((size_t)sum + 1);
        *out = malloc((size_t)sum + 1);
        if (!all || !*out)
            MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Gatherv(mybytes, total, MPI_CHAR, all, cnt, displ, MPI_CHAR, 0, MPI_COMM_WORLD);
    if (c->rank == 0) {
        /* list position k belongs to rank k % nranks, its (k / nranks)-th task */
        int *cur = calloc((size_t)nr, sizeof *cur);
        if (!cur)
            MPI_Abort(MPI_COMM_WORLD, 1);
        size_t o = 0;
        for (size_t k = 0; k < n; k++) {
            int r = (int)(k % (size_t)nr);
            size_t m = k / (size_t)nr;
            int len = alllens[ldispl[r] + (int)m];
            if (len)
                memcpy(*out + o, all + displ[r] + cur[r], (size_t)len);
            o += (size_t)len;
            cur[r] += len;
        }
        (*out)[o] = 0;
        *outlen = o;
        free(cur);
    }
    free(ln);
    free(mybytes);
    free(cnt);
    free(displ);
    free(alllens);
    free(lcnt);
    free(ldispl);
    free(all);
    return s;
}
#else
typedef int sp_sweep_mpi_unused; /* a build without MPI: the serial versions are in sweep.c */
#endif
