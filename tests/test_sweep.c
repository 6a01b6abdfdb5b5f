/* Tests of src/analysis/sweep.c: mixed-radix grid indexing and the resumable
 * sweep file (header written once, torn last line cut, rows present marked
 * done, foreign/duplicate rows, other headers and binary files refused and
 * left unchanged, appends whole). */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sigprop.h"

static void test_grid(void)
{
    size_t sizes[3] = {2, 3, 4}, co[3];
    CHECK(sp_grid_size(sizes, 3) == 24);
    CHECK(sp_grid_size(sizes, 0) == 1);
    sp_grid_coords(sizes, 3, 0, co);
    CHECK(co[0] == 0 && co[1] == 0 && co[2] == 0);
    sp_grid_coords(sizes, 3, 5, co); /* 5 = 0*12 + 1*4 + 1 */
    CHECK(co[0] == 0 && co[1] == 1 && co[2] == 1);
    sp_grid_coords(sizes, 3, 23, co);
    CHECK(co[0] == 1 && co[1] == 2 && co[2] == 3);
    /* round trip over the whole grid */
    int ok = 1;
    for (size_t i = 0; i < 24; i++) {
        sp_grid_coords(sizes, 3, i, co);
        ok &= co[0] * 12 + co[1] * 4 + co[2] == i;
    }
    CHECK(ok);
}

static void write_file(const char *path, const char *s)
{
    FILE *f = fopen(path, "w");
    fputs(s, f);
    fclose(f);
}

static char *read_file(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(buf, 1, sizeof buf - 1, f) : 0;
    buf[n] = 0;
    if (f)
        fclose(f);
    return buf;
}

static void test_file(void)
{
    char path[] = "/tmp/sp_test_sweep_XXXXXX";
    int tfd = mkstemp(path);
    CHECK(tfd >= 0);
    close(tfd);
    const char *header = "i,a,b,x";
    const char *keys[4] = {"1,p", "1,q", "2,p", "2,q"};
    unsigned char done[4];
    size_t ndone;
    int fd;
    char err[256];

    /* empty file: header written */
    CHECK(sp_sweep_open(path, header, 4, keys, done, &ndone, &fd, err, sizeof err) == SP_OK);
    CHECK(ndone == 0);
    const char *l0 = "0,1,p,0.5\n";
    CHECK(sp_sweep_append(fd, l0, strlen(l0)) == SP_OK);
    close(fd);
    CHECK(!strcmp(read_file(path), "i,a,b,x\n0,1,p,0.5\n"));

    /* a torn last line is cut, rows present are done */
    write_file(path, "i,a,b,x\n0,1,p,0.5\n2,2,p,0.7\n3,2,q,0.");
    CHECK(sp_sweep_open(path, header, 4, keys, done, &ndone, &fd, err, sizeof err) == SP_OK);
    CHECK(ndone == 2 && done[0] && !done[1] && done[2] && !done[3]);
    close(fd);
    CHECK(!strcmp(read_file(path), "i,a,b,x\n0,1,p,0.5\n2,2,p,0.7\n"));

    /* a torn header: the file is empty again, so the header is rewritten */
    write_file(path, "i,a,");
    CHECK(sp_sweep_open(path, header, 4, keys, done, &ndone, &fd, err, sizeof err) == SP_OK);
    CHECK(ndone == 0);
    close(fd);
    CHECK(!strcmp(read_file(path), "i,a,b,x\n"));

    /* refused: another header, a foreign row, a duplicate, an index out of range */
    write_file(path, "i,a,b,y\n");
    CHECK(sp_sweep_open(path, header, 4, keys, done, &ndone, &fd, err, sizeof err) == SP_EFORMAT);
    write_file(path, "i,a,b,x\n1,2,q,0.5\n");
    CHECK(sp_sweep_open(path, header, 4, keys, done, &ndone, &fd, err, sizeof err) == SP_EFORMAT);
    CHECK(strstr(err, "line 2") != NULL);
    write_file(path, "i,a,b,x\n1,1,qq,0.5\n"); /* key must end at a comma */
    CHECK(sp_sweep_open(path, header, 4, keys, done, &ndone, &fd, err, sizeof err) == SP_EFORMAT);
    write_file(path, "i,a,b,x\n1,1,q,0.5\n1,1,q,0.5\n");
    CHECK(sp_sweep_open(path, header, 4, keys, done, &ndone, &fd, err, sizeof err) == SP_EFORMAT);
    CHECK(strstr(err, "twice") != NULL);
    write_file(path, "i,a,b,x\n4,1,q,0.5\n");
    CHECK(sp_sweep_open(path, header, 4, keys, done, &ndone, &fd, err, sizeof err) == SP_EFORMAT);
    /* refused files are left byte for byte: validation comes before the torn
     * line is cut (another header with a torn line, a single line without a
     * newline that is not the start of the header, a foreign row before a torn
     * line) */
    static const char *const foreign[] = {"important notes\nline 2 no newline",
                                          "important notes", "i,a,b,xx",
                                          "i,a,b,x\nnot a row\n0,1,p,0."};
    for (size_t k = 0; k < sizeof foreign / sizeof *foreign; k++) {
        write_file(path, foreign[k]);
        CHECK(sp_sweep_open(path, header, 4, keys, done, &ndone, &fd, err, sizeof err) ==
              SP_EFORMAT);
        CHECK(fd == -1);
        CHECK(!strcmp(read_file(path), foreign[k]));
    }
    /* binary data (a NUL byte) is refused and kept */
    FILE *bf = fopen(path, "wb");
    fwrite("i,a,b,x\n\0\1\n", 1, 11, bf);
    fclose(bf);
    CHECK(sp_sweep_open(path, header, 4, keys, done, &ndone, &fd, err, sizeof err) == SP_EFORMAT);
    bf = fopen(path, "rb");
    char bb[32];
    CHECK(fread(bb, 1, sizeof bb, bf) == 11);
    fclose(bf);
    /* without keys only the index is checked */
    write_file(path, "i,a,b,x\n1,9,z,0.5\n");
    CHECK(sp_sweep_open(path, header, 4, NULL, done, &ndone, &fd, err, sizeof err) == SP_OK);
    CHECK(ndone == 1 && done[1]);
    close(fd);
    CHECK(sp_sweep_open("/nonexistent-dir/x.csv", header, 4, NULL, done, &ndone, &fd, err,
                        sizeof err) == SP_EIO);
    unlink(path);
}

int main(void)
{
    test_grid();
    test_file();
    return check_done();
}
