#!/usr/bin/env bash
# CLI tests of `sigprop inspect --weights FILE` (llama2.c checkpoints): help, usage
# errors, corrupt files (exit 1 with the reason), CSV rows and the JSON meta.
. "$(dirname "$0")/lib.sh"
M=models/stories260K.bin

expect_status 0 "$SP" inspect --help
expect_grep '^Example: sigprop inspect' "$TMP/out"
usage_error "$SP" inspect
usage_error "$SP" inspect --weights
usage_error "$SP" inspect --weights "$M" extra
usage_error "$SP" inspect --weights "$M" --format xml
expect_status 1 "$SP" inspect --weights "$TMP/none.bin"
expect_grep "cannot open" "$TMP/err"
head -c 1000000 "$M" >"$TMP/cut.bin"
expect_status 1 "$SP" inspect --weights "$TMP/cut.bin"
expect_grep "(truncated)" "$TMP/err"
printf 'not a model' >"$TMP/tiny.bin"
expect_status 1 "$SP" inspect --weights "$TMP/tiny.bin"
expect_grep "shorter than the 28-byte header" "$TMP/err"
if [ -s "$TMP/out" ]; then bad "output written for a corrupt file"; else ok; fi

expect_status 0 "$SP" inspect --weights "$M"
expect_grep "dim 64, hidden_dim 172, 5 layers, 8 heads, 4 kv heads" "$TMP/err"
if [ "$(wc -l <"$TMP/out")" -eq 37 ]; then ok; else bad "want 36 rows + header"; fi
expect_grep '^layer,matrix,rows,cols,mean,std,sigma,sigma_hf,ratio_hf,sigma_llama2c$' "$TMP/out"
expect_grep '^4,w2,64,172,' "$TMP/out"
expect_status 0 "$SP" inspect -q --weights "$M" --format json -o "$TMP/s.json"
if [ -s "$TMP/err" ]; then bad "-q printed"; else ok; fi
/usr/bin/python3 - "$TMP/s.json" <<'PY' && ok || bad "inspect JSON"
import json, math, sys
d = json.load(open(sys.argv[1]))
m, rows = d["meta"], d["data"]
w, a = m["weights"], m["arch"]
assert w["dim"] == 64 and w["n_kv_heads"] == 4 and w["shared_classifier"] is True, w
assert a["kv_heads"] == 4 and a["activation"] == "swiglu" and a["rope"] == "interleaved", a
assert a["norm_mlp"] == "rms" and a["attention_mask"] == "causal" and a["mlp_hidden"] == 172, a
assert len(rows) == 36
for r in rows:
    if r["layer"] >= 0:
        assert abs(r["sigma"] - r["std"] * math.sqrt(r["cols"])) < 1e-9 * r["sigma"], r
        assert abs(r["sigma_hf"] - 0.02 * math.sqrt(r["cols"])) < 1e-12, r
PY
finish
