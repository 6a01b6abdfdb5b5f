#!/usr/bin/env bash
# CLI tests of `sigprop compare`: help, usage errors, columns, ratios, GMFE on
# stderr, in the JSON meta and as --summary.
. "$(dirname "$0")/lib.sh"
SMALL=(--preset blog2 --width 64 --tokens 8 --depth 6 --threads 1)

expect_status 0 "$SP" compare --help
expect_grep '^Example: sigprop compare' "$TMP/out"
usage_error "$SP" compare --no-such-flag
usage_error "$SP" compare "${SMALL[@]}" --theory-start sometimes
usage_error "$SP" compare "${SMALL[@]}" --probes 0
usage_error "$SP" compare "${SMALL[@]}" --summary --sublayers

expect_status 0 "$SP" compare "${SMALL[@]}" --seeds 2
expect_grep '^model,norm,alpha,version,l,q,q_se,q_theory,q_ratio,p,p_theory,p_ratio,J_fwd,J_fwd_se,J_fwd_theory,J_fwd_ratio,J_bwd,J_bwd_se,J_bwd_theory,J_bwd_ratio,grad_amp,grad_amp_se,grad_amp_theory,grad_amp_ratio,caveats$' "$TMP/out"
[ "$(wc -l <"$TMP/out")" -eq 8 ] && ok || bad "compare: want 8 lines"
expect_grep '^sigprop: GMFE J_fwd' "$TMP/err"
# blog2 preset: version A; the ratio column is measured / theory
awk -F, 'NR > 1 { if ($4 != "A") exit 1; r = $13 / $15; if (r / $16 > 1.000001 || r / $16 < 0.999999) exit 1 }' "$TMP/out" && ok || bad "ratio column or version"

expect_status 0 "$SP" compare "${SMALL[@]}" --summary -q
[ "$(wc -l <"$TMP/out")" -eq 17 ] && ok || bad "--summary: want 17 lines (4 quantities x 4 ranges)"
awk -F, 'NR > 1 && $10 < 1 { exit 1 }' "$TMP/out" && ok || bad "GMFE below 1"

expect_status 0 "$SP" compare "${SMALL[@]}" --format json --theory-start measured -q
python3 - "$TMP/out" <<'PY' && ok || bad "JSON meta: gmfe / theory_start"
import json, sys
m = json.load(open(sys.argv[1]))["meta"]
assert m["theory_start"] == "measured" and m["theory"]["version"] == "A"
assert len(m["gmfe"]) == 16 and all(g["gmfe"] >= 1 for g in m["gmfe"])
PY
expect_status 0 "$SP" compare --model toy --width 64 --depth 8 --threads 1 -q
[ "$(wc -l <"$TMP/out")" -eq 10 ] && ok || bad "toy compare: want 10 lines"
# --final-norm: the measured J_bwd would hold the final norm's Jacobian and the
# theory's not (ratio about 1/q^L at every block): refused, not compared
usage_error "$SP" compare "${SMALL[@]}" --final-norm
expect_grep "final norm's Jacobian" "$TMP/err"
finish
