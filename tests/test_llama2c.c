/* The llama2.c checkpoint loader (src/net/llama2c.c): the header and tensor
 * offsets of models/stories260K.bin (values from models/README.md), crafted
 * synthetic files whose every float is its own offset, every corrupt-file path
 * (written to a temporary folder), the implied architecture, and properties of
 * the reference forward pass. Its logits are checked against an independent numpy
 * forward by tests/gen/llama2c_ref.py, which runs this program as
 *     test_llama2c --dump-logits OUT 1,2,3...   (one logit per line, %.9g)
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "check.h"
#include "sigprop.h"

static const char *model_path = "models/stories260K.bin";
static char tmpdir[64];

static void test_stories(void)
{
    struct sp_llama2c *m = NULL;
    CHECK(sp_llama2c_read(model_path, &m) == SP_OK);
    if (!m)
        return;
    const struct sp_llama2c_config *c = &m->cfg;
    CHECK(c->dim == 64 && c->hidden_dim == 172 && c->n_layers == 5 && c->n_heads == 8);
    CHECK(c->n_kv_heads == 4 && c->vocab_size == 512 && c->seq_len == 512);
    CHECK(c->shared_classifier == 1 && m->classifier == m->token_embedding);
    CHECK(m->nfloats == (1056540 - 28) / 4);
    /* offsets in floats from the order of models/README.md: embedding 512 x 64, then
     * attention norms 5 x 64, wq 5 x 64 x 64, wk, wv 5 x 32 x 64, wo, mlp norms,
     * w1, w2, w3 5 x 172 x 64, final norm 64, the RoPE table 512 x 8 */
    const size_t an = 32768, wq = an + 5 * 64, wk = wq + 5 * 4096, wv = wk + 5 * 2048;
    const size_t wo = wv + 5 * 2048, mn = wo + 5 * 4096, w1 = mn + 5 * 64, w2 = w1 + 5 * 11008;
    const size_t w3 = w2 + 5 * 11008, fin = w3 + 5 * 11008;
    CHECK(fin + 64 + 512 * 8 == m->nfloats);
    CHECK(m->final_norm == m->data + fin && m->token_embedding == m->data);
    for (int l = 0; l < 5; l++) {
        struct sp_llama2c_block b;
        CHECK(sp_llama2c_block(m, l, &b) == SP_OK);
        size_t L = (size_t)l;
        CHECK(b.attn_norm == m->data + an + L * 64 && b.wq == m->data + wq + L * 4096);
        CHECK(b.wk == m->data + wk + L * 2048 && b.wv == m->data + wv + L * 2048);
        CHECK(b.wo == m->data + wo + L * 4096 && b.mlp_norm == m->data + mn + L * 64);
        CHECK(b.w1 == m->data + w1 + L * 11008 && b.w2 == m->data + w2 + L * 11008);
        CHECK(b.w3 == m->data + w3 + L * 11008);
    }
    struct sp_llama2c_block b;
    CHECK(sp_llama2c_block(m, 5, &b) == SP_EINVAL && sp_llama2c_block(m, -1, &b) == SP_EINVAL);

    struct sp_arch a;
    char err[256];
    sp_arch_default(&a);
    sp_llama2c_arch(m, &a);
    CHECK(sp_arch_resolve(&a, err, sizeof err) == SP_OK);
    CHECK(a.width == 64 && a.depth == 5 && a.heads == 8 && sp_arch_kv_heads(&a) == 4);
    CHECK(sp_arch_mlp_hidden(&a) == 172 && a.mlp_act == SP_ACT_SWIGLU && a.final_norm);
    CHECK(a.norm_attn.kind == SP_FN_RMS && a.norm_eps == 1e-5 && a.mask == SP_MASK_CAUSAL);
    CHECK(a.rope == SP_ROPE_INTERLEAVED && a.rope_theta == 10000.0 && a.tokens == 512);
    CHECK_CLOSE(a.sigma_q, 0.02 * 8.0, 0, 1e-15);

    size_t ns = sp_llama2c_nstats(m);
    CHECK(ns == 36);
    struct sp_llama2c_stat st[36];
    CHECK(sp_llama2c_stats(m, st, 35) == SP_EINVAL);
    CHECK(sp_llama2c_stats(m, st, ns) == SP_OK);
    CHECK(st[0].layer == 0 && !strcmp(st[0].name, "wq") && st[0].rows == 64 && st[0].cols == 64);
    CHECK(!strcmp(st[1].name, "wk") && st[1].rows == 32 && st[5].cols == 172);
    CHECK(st[35].layer == -1 && !strcmp(st[35].name, "embedding") && isnan(st[35].sigma));
    CHECK_CLOSE(st[5].sigma_hf, 0.02 * sqrt(172.0), 0, 1e-15);
    CHECK_CLOSE(st[3].sigma_llama2c, 0.02 * 8.0 / sqrt(10.0), 0, 1e-15); /* wo / sqrt(2L) */
    for (size_t i = 0; i < ns; i++)
        CHECK(st[i].std > 0 && isfinite(st[i].std) && (st[i].layer < 0 ||
              fabs(st[i].sigma - st[i].std * sqrt((double)st[i].cols)) < 1e-12));

    /* causality: the logits of a prefix do not depend on later tokens */
    int tok[6] = {1, 403, 407, 261, 378, 73};
    int tok2[6] = {1, 403, 407, 17, 2, 500};
    float lg[6 * 512], lg2[6 * 512];
    CHECK(sp_llama2c_forward(m, tok, 6, lg) == SP_OK);
    CHECK(sp_llama2c_forward(m, tok2, 6, lg2) == SP_OK);
    CHECK(!memcmp(lg, lg2, 3 * 512 * sizeof(float)));
    CHECK(memcmp(lg + 3 * 512, lg2 + 3 * 512, 512 * sizeof(float)) != 0);
    int finite = 1;
    for (size_t i = 0; i < 6 * 512; i++)
        finite &= isfinite(lg[i]);
    CHECK(finite);
    /* reference logits from the independent numpy forward (float64):
     * /usr/bin/python3 tests/gen/llama2c_ref.py --print-reference */
    static const int ids[4] = {0, 1, 100, 511};
    static const double ref0[4] = {1.97387386, 2.65491036, 1.97470644, 1.87461927};
    static const double ref5[4] = {4.62176351, 3.84338869, 4.6205505, 4.87728132};
    for (int i = 0; i < 4; i++) {
        CHECK_CLOSE(lg[ids[i]], ref0[i], 1e-4, 0);
        CHECK_CLOSE(lg[5 * 512 + ids[i]], ref5[i], 1e-4, 0);
    }
    int am0 = 0, am5 = 0;
    for (int v = 1; v < 512; v++) {
        am0 = lg[v] > lg[am0] ? v : am0;
        am5 = lg[5 * 512 + v] > lg[5 * 512 + am5] ? v : am5;
    }
    CHECK(am0 == 461 && am5 == 407);
    int bad_tok[2] = {1, 512};
    CHECK(sp_llama2c_forward(m, bad_tok, 2, lg) == SP_EINVAL);
    CHECK(strstr(sp_last_error(), "token 512") != NULL);
    CHECK(sp_llama2c_forward(m, tok, 0, lg) == SP_EINVAL);
    CHECK(sp_llama2c_forward(m, tok, 513, lg) == SP_EINVAL);
    sp_llama2c_free(m);
    sp_llama2c_free(NULL);
}

/* A synthetic checkpoint: header h, then nf floats equal to their own index
 * (exact in float32 below 2^24), then extra trailing bytes; into buf (malloc'ed). */
static size_t synth(const int32_t h[7], size_t nf, size_t extra, unsigned char **buf)
{
    size_t len = 28 + 4 * nf + extra;
    *buf = calloc(1, len);
    memcpy(*buf, h, 28);
    for (size_t i = 0; i < nf; i++) {
        float v = (float)i;
        memcpy(*buf + 28 + 4 * i, &v, 4);
    }
    return len;
}

static void write_file(const char *path, const unsigned char *buf, size_t len)
{
    FILE *f = fopen(path, "wb");
    CHECK(f != NULL);
    if (f) {
        CHECK(fwrite(buf, 1, len, f) == len);
        fclose(f);
    }
}

/* A corrupt file written to the temporary folder: read fails with want, the
 * reason contains what, *out stays NULL. */
static void expect_bad(const unsigned char *buf, size_t len, enum sp_status want, const char *what)
{
    char path[128];
    snprintf(path, sizeof path, "%s/bad.bin", tmpdir);
    write_file(path, buf, len);
    struct sp_llama2c *m = (struct sp_llama2c *)&m;
    sp_last_error_clear();
    enum sp_status s = sp_llama2c_read(path, &m);
    int ok = s == want && m == NULL && strstr(sp_last_error(), what);
    if (!ok)
        fprintf(stderr, "status %d (want %d), reason '%s' (want '%s')\n", (int)s, (int)want,
                sp_last_error(), what);
    CHECK(ok);
    remove(path);
}

static void test_synthetic(void)
{
    /* dim 4, hidden 6, 2 layers, 2 heads (head_dim 2), 1 kv head, vocab 3, seq 2 */
    const int32_t h[7] = {4, 6, 2, 2, 1, 3, 2};
    /* emb 12, norms 8, wq 32, wk 16, wv 16, wo 32, norms 8, w1 48, w2 48, w3 48, final 4,
     * rope 2 x 2 = 4 */
    const size_t nf = 12 + 8 + 32 + 16 + 16 + 32 + 8 + 48 + 48 + 48 + 4 + 4;
    unsigned char *buf;
    size_t len = synth(h, nf, 0, &buf);
    struct sp_llama2c *m;
    CHECK(sp_llama2c_parse(buf, len, &m) == SP_OK);
    if (m) {
        struct sp_llama2c_block b;
        CHECK(sp_llama2c_block(m, 1, &b) == SP_OK);
        CHECK(m->token_embedding[0] == 0.0f && m->classifier == m->token_embedding);
        /* block 1: each tensor's start plus one block (emb 0, attention norms 12, wq 20,
         * wk 52, wv 68, wo 84, mlp norms 116, w1 124, w2 172, w3 220, final 268) */
        CHECK(b.attn_norm[0] == 12.0f + 4 && b.wq[0] == 20.0f + 16 && b.wk[0] == 52.0f + 8);
        CHECK(b.wv[0] == 68.0f + 8 && b.wo[0] == 84.0f + 16 && b.mlp_norm[0] == 116.0f + 4);
        CHECK(b.w1[0] == 124.0f + 24 && b.w2[0] == 172.0f + 24 && b.w3[0] == 220.0f + 24);
        CHECK(m->final_norm[0] == 268.0f && nf == 276);
        sp_llama2c_free(m);
    }
    free(buf);
    /* negative vocab: an unshared classifier after the RoPE table */
    const int32_t hu[7] = {4, 6, 2, 2, 1, -3, 2};
    len = synth(hu, nf + 12, 0, &buf);
    CHECK(sp_llama2c_parse(buf, len, &m) == SP_OK);
    if (m) {
        CHECK(m->cfg.vocab_size == 3 && !m->cfg.shared_classifier);
        CHECK(m->classifier[0] == (float)nf);
        sp_llama2c_free(m);
    }
    free(buf);

    /* every corrupt header or body */
    len = synth(h, nf, 0, &buf);
    expect_bad(buf, len - 1, SP_EFORMAT, "(truncated)");
    expect_bad(buf, 10, SP_EFORMAT, "shorter than the 28-byte header");
    expect_bad(buf, 0, SP_EFORMAT, "shorter than the 28-byte header");
    free(buf);
    len = synth(h, nf, 4, &buf);
    expect_bad(buf, len, SP_EFORMAT, "implies 1132");
    free(buf);
    struct { int field; int32_t value; const char *what; } cases[] = {
        {0, -4, "header dim = -4"},          {0, 0, "header dim = 0"},
        {0, 1 << 30, "header dim = 1073741824"}, {1, -1, "header hidden_dim"},
        {2, 100000, "header n_layers"},        {3, 3, "n_heads 3 does not divide dim 4"},
        {3, 4, "head_dim dim / n_heads = 1 is odd"}, {4, 3, "n_kv_heads 3 does not divide"},
        {4, 0, "header n_kv_heads = 0"},       {5, 0, "header vocab_size = 0"},
        {5, INT32_MIN, "header vocab_size = -2147483648"}, {6, -2, "header seq_len"},
        {2, 4096, "the file has"},             {5, 1 << 22, "the file has"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int32_t hb[7];
        memcpy(hb, h, sizeof hb);
        hb[cases[i].field] = cases[i].value;
        len = synth(hb, nf, 0, &buf);
        expect_bad(buf, len, SP_EFORMAT, cases[i].what);
        free(buf);
    }
    /* non-finite weights, named by tensor and index */
    len = synth(h, nf, 0, &buf);
    float nan = NAN, inf = INFINITY;
    memcpy(buf + 28 + 4 * 65, &nan, 4); /* wk starts at float 52 */
    expect_bad(buf, len, SP_EFORMAT, "tensor wk has a non-finite value (nan) at index 13");
    memcpy(buf + 28 + 4 * 65, &(float){1.0f}, 4);
    memcpy(buf + 28 + 4 * 269, &inf, 4); /* final_norm starts at float 268 */
    expect_bad(buf, len, SP_EFORMAT, "tensor final_norm has a non-finite value (inf) at index 1");
    free(buf);
    /* a missing file */
    struct sp_llama2c *none;
    CHECK(sp_llama2c_read("tests/no-such-model.bin", &none) == SP_EIO && none == NULL);
    CHECK(strstr(sp_last_error(), "no-such-model.bin") != NULL);
    CHECK(sp_llama2c_read("tests", &none) == SP_EIO && none == NULL); /* a folder */
    CHECK(strstr(sp_last_error(), "not a regular file") != NULL);
    /* fuzz: every truncation and single-byte header corruption of the real model
     * fails cleanly or loads, never crashes (ASan) */
    FILE *f = fopen(model_path, "rb");
    CHECK(f != NULL);
    if (!f)
        return;
    unsigned char *real = malloc(1056540);
    size_t n = fread(real, 1, 1056540, f);
    fclose(f);
    CHECK(n == 1056540);
    int fails = 1;
    for (size_t cut = 0; cut < n; cut += 4099)
        fails &= sp_llama2c_parse(real, cut, &m) == SP_EFORMAT && m == NULL;
    CHECK(fails);
    for (size_t i = 0; i < 28; i++)
        for (int v = 0; v < 256; v += 51) {
            unsigned char keep = real[i];
            real[i] = (unsigned char)v;
            if (sp_llama2c_parse(real, n, &m) == SP_OK)
                sp_llama2c_free(m);
            real[i] = keep;
        }
    free(real);
}

/* --dump-logits OUT 1,2,3: the reference forward's logits, one per line. */
static int dump_logits(const char *out, const char *list)
{
    int tok[512];
    size_t n = 0;
    for (const char *p = list; *p && n < 512;) {
        char *end;
        long v = strtol(p, &end, 10);
        if (end == p)
            return 2;
        tok[n++] = (int)v;
        p = *end == ',' ? end + 1 : end;
    }
    struct sp_llama2c *m;
    if (sp_llama2c_read(model_path, &m) != SP_OK) {
        fprintf(stderr, "%s\n", sp_last_error());
        return 1;
    }
    float *lg = malloc(n * 512 * sizeof(float));
    enum sp_status s = sp_llama2c_forward(m, tok, n, lg);
    FILE *f = s == SP_OK ? fopen(out, "w") : NULL;
    if (f) {
        for (size_t i = 0; i < n * 512; i++)
            fprintf(f, "%.9g\n", (double)lg[i]);
        fclose(f);
    }
    free(lg);
    sp_llama2c_free(m);
    return f ? 0 : 1;
}

int main(int argc, char **argv)
{
    if (argc == 4 && !strcmp(argv[1], "--dump-logits"))
        return dump_logits(argv[2], argv[3]);
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sp_llama2c_XXXXXX");
    if (!mkdtemp(tmpdir)) {
        perror("mkdtemp");
        return 1;
    }
    test_stories();
    test_synthetic();
    rmdir(tmpdir);
    return check_done();
}
