#!/bin/bash
# `make install` as a user sees it: cmake --install of this build into a staging
# DESTDIR, then the worked example of include/sigprop.h compiled with
# `pkg-config --cflags --libs sigprop` against the installed shared library,
# and the installed CLI. Usage: test_install.sh SIGPROP (the build dir is its folder)
set -u
source "$(dirname "$0")/lib.sh"
build=$(cd "$(dirname "$SP")" && pwd)
if [ ! -e "$build/libsigprop.so.0" ]; then
    echo "SKIP: this build has no shared library (-DSP_SHARED=OFF)"; finish; exit $?
fi
if ! command -v pkg-config >/dev/null || ! command -v cc >/dev/null; then
    echo "SKIP: no pkg-config or cc"; finish; exit $?
fi
DESTDIR="$TMP/stage" cmake --install "$build" --prefix /opt/sp > "$TMP/install.log" 2>&1
expect_status 0 test -s "$TMP/install.log"
root="$TMP/stage/opt/sp"
libdir=$(dirname "$(dirname "$(find "$root" -name sigprop.pc | head -1)")")
for f in bin/sigprop include/sigprop.h include/sigprop/core.h include/sigprop/cpu.h; do
    if [ -e "$root/$f" ]; then ok; else bad "not installed: $f"; fi
done
for f in libsigprop.a libsigprop.so libsigprop.so.0; do
    if [ -e "$libdir/$f" ]; then ok; else bad "not installed: lib/$f"; fi
done
if objdump -p "$libdir/libsigprop.so" 2>/dev/null | grep -q 'SONAME *libsigprop.so.0$'; then ok
else bad "SONAME is not libsigprop.so.0"; fi
expect_grep '^prefix=${pcfiledir}/' "$libdir/pkgconfig/sigprop.pc" # relocatable

if [ -n "${SP_SANITIZED:-}" ]; then
    echo "SKIP: the example program against the installed library (this is a sanitizer build)"
    finish; exit $?
fi
# the header's worked example, built the way its users would
sed -n '/^ \*     #include <sigprop.h>/,/^ \*     }$/p' "$(dirname "$0")/../../include/sigprop.h" |
    sed -e 's/^ \*     //' -e 's/^ \*$//' > "$TMP/example.c"
expect_grep 'sp_theory_run' "$TMP/example.c"
flags=$(PKG_CONFIG_PATH="$libdir/pkgconfig" pkg-config --cflags --libs sigprop)
if cc -std=c17 -o "$TMP/example" "$TMP/example.c" $flags -lm 2> "$TMP/cc.err"; then ok
else bad "example does not compile with pkg-config flags: $flags"; cat "$TMP/cc.err" >&2; fi
LD_LIBRARY_PATH="$libdir" "$TMP/example" > "$TMP/ex.out" 2>&1
expect_grep '^J^{128,0} = 56.72' "$TMP/ex.out"
"$root/bin/sigprop" --version > "$TMP/v" 2>&1
expect_grep '^simd: ' "$TMP/v"
finish
