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

# --measure: the trained network and its re-initialised twin in one table (needs OpenBLAS)
if "$SP" --version 2>&1 | grep -q openblas; then
expect_status 0 "$SP" inspect --weights "$M" --measure --tokens 16 --seeds 2 --probes 2 --format json -o "$TMP/m.json"
/usr/bin/python3 - "$TMP/m.json" "$M" <<'PY' && ok || bad "inspect --measure JSON"
import json, struct, sys
import numpy as np
d = json.load(open(sys.argv[1]))
rows, ids = d["data"], d["meta"]["weights"]["token_ids"]
tr = [r for r in rows if r["weights"] == "trained"]
ini = [r for r in rows if r["weights"] == "init"]
assert len(tr) == len(ini) == 6 and len(ids) == 16 and ids[0] == 1, (len(tr), len(ini), ids)
# block 0 of the trained network is the embedding rows of the ids: q = mean |e|^2 / d
raw = open(sys.argv[2], "rb").read()
dim, hid, L, H, kv, vocab, seq = struct.unpack("<7i", raw[:28])
emb = np.frombuffer(raw, dtype="<f4", count=abs(vocab) * dim, offset=28).reshape(-1, dim)
q0 = float(np.mean(np.sum(emb[ids].astype(np.float64) ** 2, axis=1) / dim))
assert abs(tr[0]["q"] - q0) < 1e-5 * q0, (tr[0]["q"], q0)
assert abs(ini[0]["q"] - 0.02 ** 2) < 0.05 * 0.02 ** 2, ini[0]["q"]  # N(0, 0.02^2) rows
assert tr[-1]["grad_amp"] == 1.0 and ini[-1]["grad_amp"] == 1.0
assert tr[0]["grad_amp"] > 10 * ini[0]["grad_amp"], (tr[0]["grad_amp"], ini[0]["grad_amp"])
PY
expect_status 0 "$SP" inspect --weights "$M" --measure --token-ids 1,5,7 -q
[ "$(wc -l <"$TMP/out")" -eq 13 ] && ok || bad "inspect --measure: want 1 + 2 x 6 lines"
fi
usage_error "$SP" inspect --weights "$M" --measure --token-ids 1,512
expect_grep 'token id 512 (position 1) is not in \[0, 512)' "$TMP/err"
usage_error "$SP" inspect --weights "$M" --measure --tokens 513
expect_grep 'exceeds the model' "$TMP/err"
usage_error "$SP" inspect --weights "$M" --tokens 8
expect_grep 'go with --measure' "$TMP/err"
finish
