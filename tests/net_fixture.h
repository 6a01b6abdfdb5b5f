/* net_fixture.h: the tiny transformer the finite-network tests share (test_net.c,
 * test_net_llm.c): d = 8, n = 3, 2 heads, large s_QK so that the softmax Jacobian
 * matters; exits on a resolve failure (a broken fixture, not a test result). */
#ifndef SP_NET_FIXTURE_H
#define SP_NET_FIXTURE_H

#include <stdio.h>
#include <stdlib.h>

#include "sigprop.h"

static void resolve_or_exit(struct sp_arch *a)
{
    char err[256];
    if (sp_arch_resolve(a, err, sizeof err) != SP_OK) {
        fprintf(stderr, "resolve: %s\n", err);
        exit(1);
    }
}

static void tiny_arch(struct sp_arch *a, enum sp_fn norm, double alpha, double shift)
{
    sp_arch_default(a);
    a->depth = 3;
    a->tokens = 3;
    a->width = 8;
    a->heads = 2;
    a->q0 = 1.0;
    a->p0 = 0.3;
    a->init_std = 0.0;
    /* large s_QK so that the softmax is far from uniform and its Jacobian matters */
    a->sigma_q = a->sigma_k = 2.0;
    a->sigma_v = a->sigma_o = 1.0;
    a->sigma_1 = 1.0;
    a->sigma_2 = 1.4;
    a->norm_attn = a->norm_mlp = (struct sp_fnspec){norm, alpha, shift};
    resolve_or_exit(a);
}

static double dot(const float *a, const float *b, size_t n)
{
    double s = 0.0;
    for (size_t i = 0; i < n; i++)
        s += (double)a[i] * (double)b[i];
    return s;
}

#endif
