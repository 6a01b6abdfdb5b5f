#!/usr/bin/env bash
# ctest cli_golden_avx2: the golden comparison (test_golden_outputs.sh) with the
# AVX2 kernels forced (SP_SIMD=avx2), so that AVX2 and AVX-512 are held to the
# same bytes (src/theory/vec_math.h runs the same operations on both).
# Exit 77 (skipped) where the CPU or the build has no AVX2.
SP=${1:?usage: golden_avx2.sh path/to/sigprop}
if ! SP_SIMD=avx2 "$SP" --version 2>/dev/null | grep -q '^simd: avx2 '; then
    echo "no AVX2 kernels on this CPU or in this build: skipped"
    exit 77
fi
SP_SIMD=avx2 exec bash "$(dirname "$0")/test_golden_outputs.sh" "$SP"
