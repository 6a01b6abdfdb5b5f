#!/usr/bin/env bash
# CLI test of `sigprop plot`: every kind from the fixtures in tests/data/ gives a
# valid image of the requested size (PNG signature + IHDR width/height), SVG and
# PDF have their headers, the command prints nothing to stdout, -q nothing to
# stderr, and bad input gives the documented exit codes (2 usage, 1 runtime)
# without leaving a file behind.
set -u
S=${1:?usage: test_plot.sh path/to/sigprop}
D=tests/data
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }

# png_size FILE -> "W H" from the IHDR chunk, or nothing if not a PNG
png_size() {
  local sig
  sig=$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')
  [[ $sig == 89504e470d0a1a0a ]] || return 1
  [[ $(head -c 16 "$1" | tail -c 4) == IHDR ]] || return 1
  local w h
  w=$(head -c 20 "$1" | tail -c 4 | od -An -tu1 | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  h=$(head -c 24 "$1" | tail -c 4 | od -An -tu1 | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  echo "$w $h"
}

expect_png() { # name W H args...
  local name=$1 w=$2 h=$3; shift 3
  local out
  out=$("$S" plot "$@" -o "$T/$name" -q 2>"$T/err")
  local rc=$?
  if [[ $rc -ne 0 ]]; then bad "$name: exit $rc: $(cat "$T/err")"; return; fi
  [[ -z $out ]] && ok || bad "$name: printed to stdout"
  [[ ! -s $T/err ]] && ok || bad "$name: -q but stderr: $(cat "$T/err")"
  local size
  size=$(png_size "$T/$name") || { bad "$name: not a PNG"; return; }
  [[ $size == "$w $h" ]] && ok || bad "$name: size $size, want $w $h"
}

expect_png profile.png 1200 800 $D/theory_blog2_L32.csv --kind profile
expect_png jbwd.png 1200 800 $D/theory_blog2_L32.csv $D/measure_blog2_L32.csv
expect_png jbwd_small.png 800 500 $D/theory_blog2_L32.csv $D/measure_blog2_L32.csv --width 800 --height 500
expect_png gradamp.png 1200 800 $D/measure_blog2_L32.csv $D/theory_blog2_L32.csv --kind gradamp
expect_png stretched.png 1200 800 $D/theory_blog2_L32.csv $D/measure_blog2_L32.csv --kind stretched --title "Fig. 3"
expect_png toy.png 1200 800 $D/theory_toy_L64.csv --summary $D/summary_toy_L64.csv
expect_png toy_lstar.png 1200 800 $D/theory_toy_L64.csv --kind toy --l-star 10
expect_png phase.png 1200 800 $D/sweep_phase.csv
expect_png phase_level.png 1200 800 $D/sweep_phase.csv --preln-level 1.5
expect_png alpha.png 1200 800 $D/alpha_rule.csv
# stdin
"$S" plot - -o "$T/stdin.png" -q < $D/theory_blog2_L32.csv && png_size "$T/stdin.png" >/dev/null && ok || bad "stdin input"

# SVG and PDF
"$S" plot $D/theory_blog2_L32.csv -o "$T/f.svg" -q && head -c 200 "$T/f.svg" | grep -q '<svg\|<?xml' && ok || bad "svg"
"$S" plot $D/theory_blog2_L32.csv -o "$T/f.pdf" -q && [[ $(head -c 4 "$T/f.pdf") == %PDF ]] && ok || bad "pdf"

# usage errors: exit 2
"$S" plot $D/theory_blog2_L32.csv 2>/dev/null; [[ $? -eq 2 ]] && ok || bad "missing -o should exit 2"
"$S" plot $D/theory_blog2_L32.csv -o "$T/x.gif" 2>/dev/null; [[ $? -eq 2 ]] && ok || bad "bad extension should exit 2"
"$S" plot $D/theory_blog2_L32.csv -o "$T/x.png" --kind pie 2>/dev/null; [[ $? -eq 2 ]] && ok || bad "bad kind should exit 2"
"$S" plot $D/theory_blog2_L32.csv -o "$T/x.png" --width 5 2>/dev/null; [[ $? -eq 2 ]] && ok || bad "bad width should exit 2"
"$S" plot -o "$T/x.png" 2>/dev/null; [[ $? -eq 2 ]] && ok || bad "no input should exit 2"
# runtime errors: exit 1, nothing written
"$S" plot $T/nonexistent.csv -o "$T/x.png" 2>/dev/null; [[ $? -eq 1 ]] && ok || bad "missing file should exit 1"
"$S" plot $D/theory_blog2_L32.csv -o "$T/x.png" --kind alpha 2>"$T/err"; [[ $? -eq 1 ]] && ok || bad "missing columns should exit 1"
grep -q "depth" "$T/err" && ok || bad "error should name the missing columns: $(cat "$T/err")"
[[ ! -e $T/x.png ]] && ok || bad "a failed plot left a file"
ls "$T" | grep -q '\.tmp\.' && bad "temporary files left behind" || ok
# help
"$S" plot --help | grep -q '^Example:' && ok || bad "help has no Example line"
"$S" help plot | grep -q -- '--kind' && ok || bad "sigprop help plot"

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
