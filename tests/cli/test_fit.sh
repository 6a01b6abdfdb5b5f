#!/bin/bash
# CLI test of `sigprop fit`: a user's own file (exact power law and stretched
# exponential with standard errors, made here with awk), groups, stdin, bwd
# curves, JSON output and the exit statuses of bad input. Usage: test_fit.sh SIGPROP
set -u
SP=${1:?usage: test_fit.sh path/to/sigprop}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
close() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d <= t) }'; }
field() { # field FILE MODEL COLUMN: value of COLUMN in the row of model MODEL
    awk -F, -v m="$2" -v c="$3" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["model"] == m { print $h[c]; exit }' "$1"
}
sel() { # sel FILE COLUMN: value of COLUMN in the selected row (the first, if several groups)
    awk -F, -v c="$2" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        $h["selected"] == 1 { print $h[c]; exit }' "$1"
}

# Two curves in one file, grouped by alpha: power law zeta = 0.6 (alpha 1) and
# stretched exponential lambda = 7 (alpha 2), J with standard errors 1% of J.
awk 'BEGIN { print "alpha,depth,J,J_se"
    for (l = 1; l <= 300; l++) { j = exp(0.6 * log(l) + 0.2); printf "1,%d,%.12g,%.12g\n", l, j, 0.01 * j }
    for (l = 1; l <= 300; l++) { j = exp(sqrt(l / 7) - 0.1); printf "2,%d,%.12g,%.12g\n", l, j, 0.01 * j } }' \
    > "$T/curves.csv"
"$SP" fit "$T/curves.csv" --column J -q > "$T/fit.csv"
check "fit exits 0 on a user's file" "[ $? -eq 0 ]"
check "one row per group per model (2 x 5 + header)" "[ $(wc -l < "$T/fit.csv") -eq 11 ]"
check "header names model, zeta, lambda, xi, errors, aic, phase" \
    "head -1 '$T/fit.csv' | grep -q 'model,zeta,zeta_err,.*lambda,lambda_err,.*xi,xi_err,.*aic,bic,.*phase,verdict'"
grep '^1,' "$T/fit.csv" > "$T/g1.csv"; sed -i "1i $(head -1 "$T/fit.csv")" "$T/g1.csv"
grep '^2,' "$T/fit.csv" > "$T/g2.csv"; sed -i "1i $(head -1 "$T/fit.csv")" "$T/g2.csv"
check "J_se found and used: weighted = 1" "[ $(field "$T/g1.csv" power weighted) = 1 ]"
check "group alpha=1: zeta = 0.6 recovered" "close $(field "$T/g1.csv" power zeta) 0.6 1e-6"
check "group alpha=1: verdict power, its phase critical" "[ $(field "$T/g1.csv" power verdict) = power ] && [ $(field "$T/g1.csv" power phase) = critical ]"
check "group alpha=1: power selected" "[ $(field "$T/g1.csv" power selected) = 1 ]"
check "group alpha=2: lambda = 7 recovered" "close $(field "$T/g2.csv" stretched lambda) 7 1e-5"
check "group alpha=2: verdict stretched, its phase subcritical" "[ $(field "$T/g2.csv" stretched verdict) = stretched ] && [ $(field "$T/g2.csv" stretched phase) = subcritical ]"

# stdin, --range and --group none on one group
awk -F, 'NR == 1 || $1 == 2' "$T/curves.csv" | "$SP" fit - --column J --group none --range 50:200 -q > "$T/r.csv"
check "stdin with --range: x_min = 50, x_max = 200, n = 151" \
    "[ $(field "$T/r.csv" stretched x_min) = 50 ] && [ $(field "$T/r.csv" stretched x_max) = 200 ] && [ $(field "$T/r.csv" stretched n) = 151 ]"

# a backward curve J^{L,l} = (L - l + 1)^... : fitted against L - l
awk 'BEGIN { print "l,J_bwd"; for (l = 0; l <= 100; l++) { x = 100 - l; printf "%d,%.12g\n", l, (x > 0 ? exp(0.05 * x) : 1) } }' > "$T/bwd.csv"
"$SP" fit "$T/bwd.csv" --column J_bwd -q > "$T/b.csv"
check "bwd: direction bwd, exponential xi = 20, verdict exponential, phase chaotic" \
    "[ $(field "$T/b.csv" exponential direction) = bwd ] && close $(field "$T/b.csv" exponential xi) 20 1e-6 && [ $(field "$T/b.csv" exponential verdict) = exponential ] && [ $(field "$T/b.csv" exponential phase) = chaotic ]"

# JSON
"$SP" fit "$T/curves.csv" --column J --format json -q > "$T/f.json"
check "json has meta and data rows with model/zeta/phase" \
    "python3 -c \"import json,sys; d=json.load(open('$T/f.json')); r=d['data'][0]; sys.exit(not ('meta' in d and 'model' in r and 'zeta' in r and 'phase' in r))\""

# exit statuses
"$SP" fit "$T/nonexistent.csv" -q 2>/dev/null; check "missing file exits 1" "[ $? -eq 1 ]"
"$SP" fit "$T/curves.csv" --column nope -q 2>/dev/null; check "missing column exits 1" "[ $? -eq 1 ]"
"$SP" fit "$T/curves.csv" --criterion xyz 2>/dev/null; check "bad --criterion exits 2" "[ $? -eq 2 ]"
"$SP" fit 2>/dev/null; check "no FILE exits 2" "[ $? -eq 2 ]"
"$SP" fit "$T/curves.csv" --column J --group nope 2>/dev/null; check "unknown --group column exits 2" "[ $? -eq 2 ]"
"$SP" fit "$T/curves.csv" --column J --models power,nope 2>/dev/null; check "unknown model exits 2" "[ $? -eq 2 ]"
"$SP" fit --help | grep -q '^Example:'; check "help ends with an example" "[ $? -eq 0 ]"

# a sigprop theory curve, if the theory command is in this build
if "$SP" theory --norm derf --alpha 0.5 --depth 400 -q > "$T/th.csv" 2>/dev/null; then
    "$SP" fit "$T/th.csv" --range 50: -q > "$T/thf.csv"
    check "theory Derf curve: a stretched law, phase subcritical" \
        "sel '$T/thf.csv' verdict | grep -q '^stretched' && [ $(sel "$T/thf.csv" phase) = subcritical ]"
    "$SP" theory --depth 400 -q | "$SP" fit - --range 50: -q > "$T/thp.csv"
    check "theory pre-LN curve: verdict power, phase critical" "[ $(sel "$T/thp.csv" verdict) = power ] && [ $(sel "$T/thp.csv" phase) = critical ]"
    # item 3: phase means the infinite-depth class in both commands
    for norm in "--norm ln" "--norm derf --alpha 0.5"; do
        tp=$("$SP" theory $norm --depth 3000 --summary -q | awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "phase") c = i; next } { print $c }')
        "$SP" theory $norm --depth 3000 -q | "$SP" fit - --range 300: -q > "$T/tl.csv"
        check "theory $norm: fit's selected phase on 300-3000 blocks = theory's phase ($tp)" "[ $(sel "$T/tl.csv" phase) = $tp ]"
    done
    "$SP" theory --preset blog2 --depth 12 -q | "$SP" fit - -o "$T/t12.csv" 2> "$T/t12.err"
    check "pre-LN at 12 blocks: verdict inconclusive, reason says the range is too short" \
        "[ $(sel "$T/t12.csv" verdict) = inconclusive ] && sel '$T/t12.csv' reason | grep -q 'too short' && grep -q 'inconclusive (depth range too short' '$T/t12.err'"
    check "one curve per group: stderr says its intervals assume independent errors" \
        "grep -q 'assume errors independent in depth' '$T/t12.err'"
fi

# item 9: per-draw curves (a seed column): the intervals come from the draws' scatter.
# Power law zeta = 0.6 with a random walk in log J (sd 0.03 per block), 6 draws.
awk 'BEGIN { srand(11); print "seed,l,logJ"
    for (d = 1; d <= 6; d++) { w = 0; for (l = 1; l <= 60; l++) {
        u = rand(); v = rand(); w += 0.03 * sqrt(-2 * log(1 - u)) * cos(6.283185307 * v)
        printf "%d,%d,%.12g\n", d, l, 0.6 * log(l) + 0.2 + w } } }' > "$T/draws.csv"
"$SP" fit "$T/draws.csv" --column logJ --models power,stretched,exponential -o "$T/d.csv" 2> "$T/d.err"
check "seed column: 6 draws of 60 points fitted as one curve (n = 60, ndraw = 6)" \
    "[ $(wc -l < "$T/d.csv") -eq 4 ] && [ $(field "$T/d.csv" power n) = 60 ] && [ $(field "$T/d.csv" power ndraw) = 6 ]"
check "draws: the zeta interval holds 0.6" \
    "awk -v lo=$(field "$T/d.csv" power zeta_lo) -v hi=$(field "$T/d.csv" power zeta_hi) 'BEGIN { exit !(lo <= 0.6 && 0.6 <= hi) }'"
check "draws: no independent-errors note" "! grep -q 'assume errors independent' '$T/d.err'"
"$SP" fit "$T/draws.csv" --column logJ --draw-column none --group seed --models power -q -o "$T/d1.csv"
check "--draw-column none --group seed: one curve per seed, ndraw = 1" \
    "[ $(wc -l < "$T/d1.csv") -eq 7 ] && [ $(field "$T/d1.csv" power ndraw) = 1 ]"
awk -F, 'NR == 1 || !($1 == 3 && $2 == 60)' "$T/draws.csv" > "$T/ragged.csv"
"$SP" fit "$T/ragged.csv" --column logJ -q -o "$T/r.out" 2>/dev/null
check "draws with different depths: exit 1, no output file" "[ $? -eq 1 ] && [ ! -e '$T/r.out' ]"

# D15: a curve whose x values are all equal, or fewer than 3 distinct: exit 2 naming it
awk 'BEGIN { print "alpha,depth,J"; for (i = 0; i < 5; i++) printf "0.7,5,%g\n", 1 + i }' > "$T/same.csv"
"$SP" fit "$T/same.csv" --column J -o "$T/same.out" 2> "$T/same.err"
check "all x equal: exit 2, names the curve, no output" \
    "[ $? -eq 2 ] && grep -q 'alpha=0.7 J has 1 distinct depth' '$T/same.err' && [ ! -e '$T/same.out' ]"
awk 'BEGIN { print "depth,J"; for (i = 0; i < 6; i++) printf "%d,%g\n", 1 + i % 2, 1 + i }' > "$T/two.csv"
"$SP" fit "$T/two.csv" --column J 2>/dev/null >/dev/null
check "two distinct x: exit 2" "[ $? -eq 2 ]"

# D9: grouping is by sorted keys: 3000 interleaved groups, in order of first row
awk 'BEGIN { print "alpha,depth,J"; for (l = 1; l <= 6; l++) for (g = 1; g <= 3000; g++)
    printf "%d,%d,%.10g\n", g, l, exp(0.01 * g * l) }' > "$T/many.csv"
"$SP" fit "$T/many.csv" --column J --models exponential -q -o "$T/many.out"
check "3000 interleaved groups: 3000 rows, first alpha 1, last 3000, xi = 100/alpha" \
    "[ $(wc -l < "$T/many.out") -eq 3001 ] && [ $(sed -n 2p "$T/many.out" | cut -d, -f1) = 1 ] && [ $(tail -1 "$T/many.out" | cut -d, -f1) = 3000 ] && close $(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next } $1 == 250 { print $h["xi"] }' "$T/many.out") 0.4 1e-6"

# identifying columns (sigprop/records.h): theory curves of two widths concatenated
# stay two curves
"$SP" theory --norm derf --alpha 0.5 --depth 200 --width 512 -q > "$T/w2.csv" 2>/dev/null &&
    "$SP" theory --norm derf --alpha 0.5 --depth 200 --width 1024 -q 2>/dev/null | tail -n +2 >> "$T/w2.csv" &&
    "$SP" fit "$T/w2.csv" --models power --range 20: -q -o "$T/w2f.csv"
check "two widths concatenated: two curves, one per width" \
    "[ $(wc -l < "$T/w2f.csv") -eq 3 ] && [ \"\$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if (\$i == \"width\") c = i; next } { print \$c }' '$T/w2f.csv' | tr '\n' ' ')\" = '512 1024 ' ]"

# measure --per-seed writes one curve per draw with a seed column, which fit uses
if "$SP" measure --width 16 --tokens 4 --depth 6 --seeds 3 --measure fwd --per-seed -q -o "$T/ps.csv" 2>/dev/null; then
    check "measure --per-seed: 3 x 7 rows, seeds 1, 2, 3 in a last column" \
        "[ $(wc -l < "$T/ps.csv") -eq 22 ] && head -1 '$T/ps.csv' | grep -q ',seed$' && [ \"$(cut -d, -f27 "$T/ps.csv" | tail -n +2 | sort -u | tr '\n' ' ')\" = '1 2 3 ' ]"
    "$SP" fit "$T/ps.csv" -q -o "$T/psf.csv"
    check "fit of measure --per-seed: ndraw = 3" "[ $(field "$T/psf.csv" power ndraw) = 3 ]"
fi
exit $fail
