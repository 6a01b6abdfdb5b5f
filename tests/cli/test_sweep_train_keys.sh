#!/usr/bin/env bash
# sigprop sweep --mode train takes every model key of the training table
# (sigprop/trainspec.h), --kv-heads and --rope included: a tiny GQA + RoPE map whose
# run equals 'sigprop train' with the same settings and measures another J at init
# than the map without RoPE, and the table's refusals (exit 2, the reason named, nothing written) in
# both commands.
source "$(dirname "$0")/lib.sh"

D="$TMP/data"
make_idx "$D" 7

S=(--data "$D" --width 16 --depth 2 --heads 4 --batch 16 --steps 4 --norm dyt --warmup 0
   --lr 1e-3)
M=(--mode train "${S[@]}" --probes 2 --alpha 0.5,1)

expect_status 0 "$SP" sweep --mode train --help
expect_grep '^      --kv-heads K ' "$TMP/out"
expect_grep '^      --rope THETA ' "$TMP/out"
expect_grep '^      --rope-pairing P ' "$TMP/out"

# 2 runs: GQA (2 K/V heads for 4 query heads) with RoPE, then without RoPE
expect_status 0 "$SP" sweep "${M[@]}" --kv-heads 2 --rope 10000 -q -o "$TMP/r.csv"
expect_status 0 "$SP" sweep "${M[@]}" --kv-heads 2 -q -o "$TMP/n.csv"
expect_status 0 "$SP" train "${S[@]}" --alpha 0.5 --kv-heads 2 --rope 10000 --format json -q \
    -o "$TMP/t.json"
/usr/bin/env python3 - "$TMP/r.csv" "$TMP/n.csv" "$TMP/t.json" <<'PYEOF' && ok || bad "GQA + RoPE map"
import csv, json, math, sys
r = list(csv.DictReader(open(sys.argv[1])))
n = list(csv.DictReader(open(sys.argv[2])))
t = json.load(open(sys.argv[3]))["meta"]
assert len(r) == 2 and len(n) == 2, (len(r), len(n))
for row in r + n:
    assert row["status"] == "ok" and row["kv_heads"] == "2" and row["heads"] == "4", row
    assert row["steps_done"] == "4" and math.isfinite(float(row["eval_loss"]))
for row in r:
    assert row["rope_theta"] == "10000" and row["rope_pairing"] == "interleaved", row
for row in n:
    assert row["rope_theta"] == "0" and row["rope_pairing"] == "none", row
    assert float(row["J_L0_measured"]) > 0
# the sweep's run is train's run with the same keys
assert t["model"]["kv_heads"] == 2 and t["model"]["rope_theta"] == 10000, t["model"]
assert abs(float(r[0]["eval_loss"]) - t["result"]["eval_loss"]) <= 1e-6 * abs(t["result"]["eval_loss"]), \
    (r[0]["eval_loss"], t["result"]["eval_loss"])
# RoPE reaches the network (at init-std 0.02 the scores are nearly uniform: the loss
# moves below its printed digits, J at init in the 8th)
assert r[0]["J_L0_measured"] != n[0]["J_L0_measured"], (r[0]["J_L0_measured"], n[0]["J_L0_measured"])
PYEOF

# RoPE is part of the resume key: the map without RoPE is not resumed with it
cp "$TMP/n.csv" "$TMP/n2.csv"
usage_error "$SP" sweep "${M[@]}" --kv-heads 2 --rope 10000 -o "$TMP/n2.csv"
cmp -s "$TMP/n.csv" "$TMP/n2.csv" && ok || bad "refused RoPE resume changed the file"

# refusals of the table, in sweep and in train
usage_error "$SP" sweep "${M[@]}" --rope-pairing half -o "$TMP/x1.csv"
expect_grep '--rope-pairing needs --rope THETA' "$TMP/err"
usage_error "$SP" train "${S[@]}" --rope-pairing half -o "$TMP/x1.csv"
expect_grep '--rope-pairing needs --rope THETA' "$TMP/err"
usage_error "$SP" sweep "${M[@]}" --kv-heads 3 -o "$TMP/x2.csv"
usage_error "$SP" sweep "${M[@]}" --kv-heads 0 -o "$TMP/x3.csv"
expect_grep '--kv-heads' "$TMP/err"
usage_error "$SP" sweep "${M[@]}" --rope 1 -o "$TMP/x4.csv"
expect_grep '--rope' "$TMP/err"
usage_error "$SP" sweep "${M[@]}" --rope ten -o "$TMP/x5.csv"
usage_error "$SP" sweep "${M[@]}" --rope-pairing sideways --rope 100 -o "$TMP/x6.csv"
expect_grep "--rope-pairing: 'sideways' is not one of interleaved, half" "$TMP/err"
usage_error "$SP" train "${S[@]}" --task fortunes --patch 4 -o "$TMP/x7.csv"
expect_grep '--patch and --pool are for --task fmnist' "$TMP/err"
usage_error "$SP" train "${S[@]}" --context 8 -o "$TMP/x8.csv"
expect_grep '--context is for --task fortunes' "$TMP/err"
for f in x1 x2 x3 x4 x5 x6 x7 x8; do
    [ ! -e "$TMP/$f.csv" ] && ok || bad "$f.csv written by a refused run"
done
finish
