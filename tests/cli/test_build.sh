#!/bin/bash
# CLI test of what the build and the CPU policy show: --version names the build
# features and the chosen ISA; SP_SIMD caps the ISA everywhere (scalar gives the
# same numbers within tolerance), an unknown or unavailable ISA is refused; a
# build without OpenBLAS or PLplot says so. Usage: test_build.sh SIGPROP
set -u
source "$(dirname "$0")/lib.sh"

"$SP" --version > "$TMP/v" 2>&1
expect_grep '^sigprop [0-9]*\.[0-9]*\.[0-9]* (git ' "$TMP/v"
expect_grep '^built with: .*gsl' "$TMP/v"
expect_grep '^simd: \(scalar\|avx2\|avx512\) (this CPU: ' "$TMP/v"
SP_SIMD=scalar "$SP" --version > "$TMP/vs" 2>&1
expect_grep '^simd: scalar (this CPU: ' "$TMP/vs"
best=$(sed -n 's/^simd: [a-z0-9]* (this CPU: \([a-z0-9]*\).*/\1/p' "$TMP/v")

# SP_SIMD=scalar against the SIMD default: the same curves (theory sweep kernels
# for erf, the DyT quadrature table), to the kernels' tested tolerance 1e-9.
for norm in derf dyt; do
    "$SP" theory --preset blog2 --norm $norm --alpha 0.2:1.6:0.35 --summary -q > "$TMP/simd.csv"
    SP_SIMD=scalar "$SP" theory --preset blog2 --norm $norm --alpha 0.2:1.6:0.35 --summary -q \
        > "$TMP/scalar.csv"
    if paste -d, "$TMP/simd.csv" "$TMP/scalar.csv" | awk -F, 'NR == 1 { n = NF / 2; next }
        { for (i = 1; i <= n; i++) { a = $i; b = $(i + n)
            if (a ~ /^[-0-9.e+]+$/ && b ~ /^[-0-9.e+]+$/) { d = a - b; if (d < 0) d = -d
                s = a < 0 ? -a : a; if (s < 1) s = 1; if (d > 1e-9 * s) exit 1 }
            else if (a != b) exit 1 } }'; then ok; else bad "SP_SIMD=scalar differs ($norm)"; fi
done

# refused: an unknown ISA, and one above what this CPU has
SP_SIMD=sse9 "$SP" theory --preset blog2 --depth 2 -q > "$TMP/out" 2> "$TMP/err"
if [ $? -eq 1 ] && grep -q "^sigprop: error: SP_SIMD 'sse9' is not one of scalar, avx2, avx512" "$TMP/err" &&
    [ ! -s "$TMP/out" ]; then ok; else bad "SP_SIMD=sse9 not refused"; fi
if [ "$best" != avx512 ]; then
    above=$([ "$best" = scalar ] && echo avx2 || echo avx512)
    SP_SIMD=$above "$SP" theory --preset blog2 --depth 2 -q > "$TMP/out" 2> "$TMP/err"
    if [ $? -eq 1 ] && grep -q "^sigprop: error: SP_SIMD=$above but this" "$TMP/err"; then ok
    else bad "SP_SIMD=$above not refused on a $best machine"; fi
fi
SP_SIMD=scalar expect_status 0 "$SP" theory --preset blog2 --depth 2 -q

# the parts a build may lack
if ! grep -q 'built with: .*openblas' "$TMP/v"; then
    "$SP" measure --preset blog2 --depth 2 --width 64 --tokens 8 -q > "$TMP/out" 2> "$TMP/err"
    if [ $? -eq 1 ] && grep -q '^sigprop: error: this build has no OpenBLAS' "$TMP/err"; then ok
    else bad "measure without OpenBLAS"; fi
    expect_status 0 "$SP" measure --help
fi
if ! grep -q 'built with: .*plplot' "$TMP/v"; then
    "$SP" plot x.csv -o x.png -q > "$TMP/out" 2> "$TMP/err"
    if [ $? -eq 1 ] && grep -q '^sigprop: error: this build has no PLplot' "$TMP/err"; then ok
    else bad "plot without PLplot"; fi
fi
finish
