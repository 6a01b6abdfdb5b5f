/* The one CPU-feature policy (sigprop/cpu.h): every dispatcher asks sp_cpu_isa(). */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "sigprop/cpu.h"
#include "sp_config.h"

static pthread_once_t probe_once = PTHREAD_ONCE_INIT;
static enum sp_isa cpu_best = SP_ISA_SCALAR;

static void probe(void)
{
#if SP_HAVE_X86_SIMD && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (avx2 && __builtin_cpu_supports("avx512f"))
        cpu_best = SP_ISA_AVX512;
    else if (avx2)
        cpu_best = SP_ISA_AVX2;
#endif
}

enum sp_isa sp_cpu_best_isa(void)
{
    pthread_once(&probe_once, probe);
    return cpu_best;
}

const char *sp_isa_name(enum sp_isa isa)
{
    switch (isa) {
    case SP_ISA_SCALAR: return "scalar";
    case SP_ISA_AVX2: return "avx2";
    case SP_ISA_AVX512: return "avx512";
    }
    return "?";
}

/* 0: SP_SIMD unset or empty; 1: *cap set; -1: unknown value. */
static int requested(enum sp_isa *cap)
{
    const char *v = getenv("SP_SIMD");
    if (!v || !*v)
        return 0;
    for (int i = SP_ISA_SCALAR; i <= SP_ISA_AVX512; i++)
        if (!strcmp(v, sp_isa_name((enum sp_isa)i))) {
            *cap = (enum sp_isa)i;
            return 1;
        }
    return -1;
}

enum sp_isa sp_cpu_isa(void)
{
    enum sp_isa best = sp_cpu_best_isa(), cap;
    if (requested(&cap) == 1 && cap < best)
        return cap;
    return best;
}

enum sp_status sp_cpu_isa_check(void)
{
    enum sp_isa best = sp_cpu_best_isa(), cap = SP_ISA_SCALAR;
    int r = requested(&cap);
    if (r < 0)
        return sp_fail(SP_EINVAL, "SP_SIMD '%s' is not one of scalar, avx2, avx512",
                       getenv("SP_SIMD"));
    if (r > 0 && cap > best)
        return sp_fail(SP_EUNSUPPORTED, "SP_SIMD=%s but this %s has at most %s",
                       sp_isa_name(cap), SP_HAVE_X86_SIMD ? "CPU" : "build", sp_isa_name(best));
    return SP_OK;
}
