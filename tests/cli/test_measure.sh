#!/usr/bin/env bash
# CLI tests of `sigprop measure`: help, usage errors (exit 2), the memory check,
# CSV header and row count, JSON validity and meta, atomic -o.
. "$(dirname "$0")/lib.sh"
SMALL=(--preset blog2 --width 64 --tokens 8 --depth 4 --threads 1)

expect_status 0 "$SP" measure --help
expect_grep '^Example: sigprop measure' "$TMP/out"
"$SP" help measure >"$TMP/h2"; "$SP" measure --help >"$TMP/h1"
if cmp -s "$TMP/h1" "$TMP/h2"; then ok; else bad "help measure differs from measure --help"; fi

usage_error "$SP" measure --no-such-flag
usage_error "$SP" measure "${SMALL[@]}" --probes 0
usage_error "$SP" measure "${SMALL[@]}" --probes abc
usage_error "$SP" measure "${SMALL[@]}" --seeds 1.5
usage_error "$SP" measure "${SMALL[@]}" --seeds
usage_error "$SP" measure "${SMALL[@]}" --threads 0
usage_error "$SP" measure "${SMALL[@]}" --seed -3
usage_error "$SP" measure "${SMALL[@]}" --input uniform
usage_error "$SP" measure "${SMALL[@]}" --measure fwd,sideways
usage_error "$SP" measure "${SMALL[@]}" --format xml
usage_error "$SP" measure "${SMALL[@]}" --max-memory 12Q
usage_error "$SP" measure "${SMALL[@]}" --tokens 100            # equiangular needs n <= d
usage_error "$SP" measure "${SMALL[@]}" --input gaussian --p0 -0.1
usage_error "$SP" measure --model toy --width 16 --exclude-cls
usage_error "$SP" measure "${SMALL[@]}" extra-argument
# absurd sizes: refused before starting, naming the memory needed
usage_error "$SP" measure --preset blog2 --width 200000 --tokens 100000
expect_grep 'needs about' "$TMP/err"
usage_error "$SP" measure --preset blog2 --max-memory 1M
expect_grep 'max-memory' "$TMP/err"

# CSV: header, one row per block boundary (L + 1) or per sublayer (2L + 1)
expect_status 0 "$SP" measure "${SMALL[@]}" --norm derf --alpha 0.5 --seeds 2 --probes 2 -q
head -1 "$TMP/out" >"$TMP/header"
expect_grep '^model,norm,alpha,alpha_attn,alpha_mlp,l,q,q_se,p,p_se,rho,J_fwd,J_fwd_se,J_bwd,J_bwd_se,grad_amp,grad_amp_se,logJ_fwd,logJ_bwd,depth,width,tokens,heads,kv_heads,mlp,mask,seed$' "$TMP/header"
[ "$(wc -l <"$TMP/out")" -eq 6 ] && ok || bad "measure: want 6 lines, got $(wc -l <"$TMP/out")"
[ ! -s "$TMP/err" ] && ok || bad "-q printed on stderr"
expect_status 0 "$SP" measure "${SMALL[@]}" --sublayers --measure fwd -q
[ "$(wc -l <"$TMP/out")" -eq 10 ] && ok || bad "--sublayers: want 10 lines, got $(wc -l <"$TMP/out")"
# fwd only: J_bwd is nan; the first row is the input: q = q0, p = p0 (equiangular, exact)
awk -F, 'NR == 2 { exit !($7 > 0.999999 && $7 < 1.000001 && $9 > 0.399999 && $9 < 0.400001 && $14 == "nan") }' "$TMP/out" && ok || bad "fwd-only first row: $(sed -n 2p "$TMP/out")"
# alpha list: rows for each alpha
expect_status 0 "$SP" measure "${SMALL[@]}" --norm dyt --alpha 0.3,0.6 --measure bwd -q
[ "$(wc -l <"$TMP/out")" -eq 11 ] && ok || bad "alpha list: want 11 lines"
# toy model, gaussian input
expect_status 0 "$SP" measure --model toy --width 32 --depth 5 --input gaussian --threads 1 -q
[ "$(wc -l <"$TMP/out")" -eq 7 ] && ok || bad "toy: want 7 lines"
# same seed, same numbers, whatever the thread count
"$SP" measure "${SMALL[@]}" -q --seed 9 --threads 1 >"$TMP/t1"
"$SP" measure "${SMALL[@]}" -q --seed 9 --threads 2 >"$TMP/t2"
cmp -s "$TMP/t1" "$TMP/t2" && ok || bad "--threads 1 and 2 differ"

# JSON: valid, with meta recording the settings and the wall time
expect_status 0 "$SP" measure "${SMALL[@]}" --format json --exclude-cls -q
if python3 -m json.tool "$TMP/out" >/dev/null 2>&1; then ok; else bad "invalid JSON"; fi
python3 - "$TMP/out" <<'PY' && ok || bad "JSON meta incomplete"
import json, sys
d = json.load(open(sys.argv[1]))
m = d["meta"]
assert m["command"] == "measure"
assert m["measure"]["probes"] == 4 and m["measure"]["exclude_cls"] is True
assert "grad_loss" in m["measure"]
assert m["arch"]["width"] == 64 and len(d["data"]) == 5
PY

# --max-time: a run estimated to take longer is refused before it starts
usage_error "$SP" measure --preset blog2 --max-time 1
expect_grep 'max-time' "$TMP/err"
usage_error "$SP" measure "${SMALL[@]}" --max-time 0
expect_status 0 "$SP" measure "${SMALL[@]}" -q --max-time 600

# -o is atomic: a failed run leaves no file, a good one writes it
rm -f "$TMP/res.csv"
expect_status 2 "$SP" measure "${SMALL[@]}" --probes 0 -o "$TMP/res.csv"
[ ! -e "$TMP/res.csv" ] && ok || bad "-o left a file after a usage error"
# an unwritable -o is refused before any work, as a usage error
expect_status 2 "$SP" measure "${SMALL[@]}" -q -o "$TMP/no/such/dir/res.csv"
expect_status 0 "$SP" measure "${SMALL[@]}" -q -o "$TMP/res.csv"
[ -s "$TMP/res.csv" ] && [ ! -s "$TMP/out" ] && ok || bad "-o did not write the file"
ls "$TMP" | grep -q 'res.csv.' && bad "temporary file left behind" || ok

finish
