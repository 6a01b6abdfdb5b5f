/* sigprop/cpu.h: the one CPU-feature policy behind every SIMD dispatcher (the
 * theory sweep kernels, the DyT quadrature table, the weight generator).
 *
 * The CPU is probed once per process. SP_SIMD=scalar|avx2|avx512 in the
 * environment caps the choice; it is read at every dispatch, so a program (the
 * tests) may change it between calls. An ISA the CPU lacks is never used: a cap
 * above what the CPU has falls back to the best ISA it does have, and
 * sp_cpu_isa_check() says so. */
#ifndef SIGPROP_CPU_H
#define SIGPROP_CPU_H

#include "sigprop/core.h"

#ifdef __cplusplus
extern "C" {
#endif

enum sp_isa {
    SP_ISA_SCALAR = 0, /* portable C, every CPU */
    SP_ISA_AVX2,       /* x86-64 AVX2 + FMA */
    SP_ISA_AVX512      /* x86-64 AVX-512F (+ AVX2, FMA) */
};

/* The ISA the kernels use now: the best this CPU and this build have, capped by SP_SIMD. */
enum sp_isa sp_cpu_isa(void);
/* The best ISA this CPU and this build support, ignoring SP_SIMD. */
enum sp_isa sp_cpu_best_isa(void);
/* "scalar", "avx2", "avx512". */
const char *sp_isa_name(enum sp_isa isa);
/* SP_OK when SP_SIMD is unset or names an ISA this CPU has; SP_EINVAL (unknown
 * value) or SP_EUNSUPPORTED (the CPU or the build lacks it) with a reason in
 * sp_last_error() otherwise. sp_cpu_isa() falls back in those cases; callers that
 * want to refuse (the CLI does) check this first. */
enum sp_status sp_cpu_isa_check(void);

#ifdef __cplusplus
}
#endif
#endif
