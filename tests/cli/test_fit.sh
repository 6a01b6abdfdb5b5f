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
check "group alpha=1: verdict critical" "[ $(field "$T/g1.csv" power verdict) = critical ]"
check "group alpha=1: power selected" "[ $(field "$T/g1.csv" power selected) = 1 ]"
check "group alpha=2: lambda = 7 recovered" "close $(field "$T/g2.csv" stretched lambda) 7 1e-5"
check "group alpha=2: verdict subcritical" "[ $(field "$T/g2.csv" stretched verdict) = subcritical ]"

# stdin, --range and --group none on one group
awk -F, 'NR == 1 || $1 == 2' "$T/curves.csv" | "$SP" fit - --column J --group none --range 50:200 -q > "$T/r.csv"
check "stdin with --range: x_min = 50, x_max = 200, n = 151" \
    "[ $(field "$T/r.csv" stretched x_min) = 50 ] && [ $(field "$T/r.csv" stretched x_max) = 200 ] && [ $(field "$T/r.csv" stretched n) = 151 ]"

# a backward curve J^{L,l} = (L - l + 1)^... : fitted against L - l
awk 'BEGIN { print "l,J_bwd"; for (l = 0; l <= 100; l++) { x = 100 - l; printf "%d,%.12g\n", l, (x > 0 ? exp(0.05 * x) : 1) } }' > "$T/bwd.csv"
"$SP" fit "$T/bwd.csv" --column J_bwd -q > "$T/b.csv"
check "bwd: direction bwd, exponential xi = 20, chaotic" \
    "[ $(field "$T/b.csv" exponential direction) = bwd ] && close $(field "$T/b.csv" exponential xi) 20 1e-6 && [ $(field "$T/b.csv" exponential verdict) = chaotic ]"

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
    check "theory Derf curve: verdict subcritical" "[ $(field "$T/thf.csv" stretched verdict) = subcritical ]"
    "$SP" theory --depth 400 -q | "$SP" fit - --range 50: -q > "$T/thp.csv"
    check "theory pre-LN curve: verdict critical" "[ $(field "$T/thp.csv" power verdict) = critical ]"
fi
exit $fail
