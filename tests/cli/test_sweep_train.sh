#!/usr/bin/env bash
# sigprop sweep --mode train on a tiny crafted IDX data set (64 train, 32 test images):
# the rows of a 6-run map with the prediction and the outcome, the same bytes at 1 and
# 2 threads and on stdout, a torn partial file resumed to the identical file, a resume
# with other settings and bad flags refused with exit 2 and nothing written, and the
# stability figures drawn from the map.
source "$(dirname "$0")/lib.sh"

D="$TMP/data"
make_idx "$D" 7

M=(--mode train --data "$D" --width 16 --depth 2 --heads 2 --batch 16 --steps 4 --probes 2
   --norm dyt,ln --alpha 0.5,1 --warmup 0,2 --lr 1e-3)

expect_status 0 "$SP" sweep --mode train --help
expect_grep '^Usage: sigprop sweep --mode train' "$TMP/out"
expect_grep '^Columns: ' "$TMP/out"
# the model and optimiser flags are train's own (one declaration): the same help lines
"$SP" train --help | grep -- '--diverge-factor F' >"$TMP/h_train"
grep -- '--diverge-factor F' "$TMP/out" >"$TMP/h_sweep"
cmp -s "$TMP/h_train" "$TMP/h_sweep" && [ -s "$TMP/h_sweep" ] && ok || bad "sweep --mode train help differs from train's"
# a norm the trainer cannot train: refused with the trainer's reason
usage_error "$SP" sweep "${M[@]}" --norm none -o "$TMP/no0.csv"
expect_grep 'not trainable' "$TMP/err"

# 6 runs: dyt x 2 alphas x 2 warmups, ln x 2 warmups (one row, alpha nan)
expect_status 0 "$SP" sweep "${M[@]}" --threads 1 -o "$TMP/a.csv"
[ "$(wc -l <"$TMP/a.csv")" -eq 7 ] && ok || bad "a.csv has $(wc -l <"$TMP/a.csv") lines, want 7"
expect_grep '^i,model,norm,alpha,alpha_attn,alpha_mlp,depth,width,tokens,heads,kv_heads,mlp,mask,seed,version,rope_theta,rope_pairing,lr,warmup,' "$TMP/a.csv"
expect_grep ',J_L0_pred,logJ_L0_pred,lambda,phase,alpha_rec,J_L0_measured,J_L0_se,init_loss,eval_loss,eval_acc,diverged,diverged_step,steps_done,status$' "$TMP/a.csv"
/usr/bin/env python3 - "$TMP/a.csv" <<'EOF' && ok || bad "rows of a.csv"
import csv, math, sys
rows = list(csv.DictReader(open(sys.argv[1])))
assert [r["i"] for r in rows] == [str(i) for i in range(6)], [r["i"] for r in rows]
assert [r["norm"] for r in rows] == ["dyt"] * 4 + ["ln"] * 2
assert [r["alpha"] for r in rows] == ["0.5", "1", "0.5", "1", "nan", "nan"]
assert [r["warmup"] for r in rows] == ["0", "0", "2", "2", "0", "2"]
for r in rows:
    assert r["status"] == "ok", r["status"]
    assert r["tokens"] == "17" and r["steps_done"] == "4" and r["train_images"] == "64"
    assert math.isfinite(float(r["logJ_L0_pred"])) and float(r["J_L0_measured"]) > 0
    assert 0 <= float(r["eval_acc"]) <= 1 and r["diverged"] == "0"
    assert (r["norm"] == "ln") == (r["alpha_rec"] == "nan")
# the prediction grows with alpha at a fixed schedule (SPEC 3.5)
assert float(rows[1]["logJ_L0_pred"]) > float(rows[0]["logJ_L0_pred"])
EOF
expect_grep 'stability summary' "$TMP/err"
expect_grep 'Spearman rank correlation of logJ_L0_pred and eval_acc rho = ' "$TMP/err"

# the same bytes at 2 threads, and on stdout
expect_status 0 "$SP" sweep "${M[@]}" --threads 2 -q -o "$TMP/t2.csv"
cmp -s "$TMP/a.csv" "$TMP/t2.csv" && ok || bad "threads 1 and 2 differ"
expect_status 0 "$SP" sweep "${M[@]}" -q
cmp -s "$TMP/a.csv" "$TMP/out" && ok || bad "stdout differs from the file"

# a partial file (2 whole rows and a torn third) resumes to the identical file
head -n 3 "$TMP/a.csv" >"$TMP/r.csv"
sed -n 4p "$TMP/a.csv" | head -c 20 >>"$TMP/r.csv"
expect_status 0 "$SP" sweep "${M[@]}" --resume -o "$TMP/r.csv"
expect_grep 'resuming .*2 of 6 grid points present, 4 to compute' "$TMP/err"
cmp -s "$TMP/a.csv" "$TMP/r.csv" && ok || bad "resumed file differs from the uninterrupted one"
# resuming a complete file computes nothing and changes nothing
expect_status 0 "$SP" sweep "${M[@]}" -q -o "$TMP/r.csv"
cmp -s "$TMP/a.csv" "$TMP/r.csv" && ok || bad "complete file changed"

# a resume with other settings (steps) is refused (exit 2) and leaves the file alone
cp "$TMP/a.csv" "$TMP/s.csv"
usage_error "$SP" sweep "${M[@]}" --steps 5 -o "$TMP/s.csv"
expect_grep 'steps' "$TMP/err"
cmp -s "$TMP/a.csv" "$TMP/s.csv" && ok || bad "refused resume changed the file"

# bad flags: exit 2, an error naming the problem, nothing written
for bad_args in "--alpha 0" "--norm none" "--warmup -1" "--lr 0" "--depth 0" "--bogus" \
                "--alpha 0.5,0.5" "--heads 3" "--batch 100" "--diverge-factor 0.5" "--force --resume"; do
    rm -f "$TMP/no.csv"
    # shellcheck disable=SC2086
    usage_error "$SP" sweep "${M[@]}" $bad_args -o "$TMP/no.csv"
    [ ! -e "$TMP/no.csv" ] && ok || bad "no.csv written for $bad_args"
done
expect_grep 'contradict' "$TMP/err"
# a corrupt data file
cp -r "$D" "$TMP/bad"
printf 'not gzip' >"$TMP/bad/t10k-labels-idx1-ubyte.gz"
usage_error "$SP" sweep "${M[@]/$D/$TMP/bad}" -o "$TMP/no.csv"
[ ! -e "$TMP/no.csv" ] && ok || bad "no.csv written for corrupt data"
usage_error "$SP" sweep --mode measure2
expect_grep 'train' "$TMP/err"

# the figures: the heat map (chosen from the columns) and the scatter
expect_status 0 "$SP" plot "$TMP/a.csv" -o "$TMP/map.png"
[ "$(head -c 4 "$TMP/map.png" | od -An -tx1 | tr -d ' ')" = "89504e47" ] && ok || bad "map.png is not a PNG"
expect_status 0 "$SP" plot --kind stability-scatter "$TMP/a.csv" -o "$TMP/scatter.svg"
expect_grep '<svg' "$TMP/scatter.svg"
# two norms without alpha in one map: a column each (RMSNorm was keyed as LN's column: "two runs in one cell")
expect_status 0 "$SP" sweep "${M[@]}" --norm rms,dyt,ln --alpha 0.5 -q -o "$TMP/refs.csv"
expect_status 0 "$SP" plot "$TMP/refs.csv" -o "$TMP/refs.png"
# a table without the map's columns is refused by name (as every kind: exit 1)
expect_status 1 "$SP" plot --kind stability tests/data/sweep_phase.csv -o "$TMP/x.png"
expect_grep 'sweep --mode train' "$TMP/err"
[ ! -e "$TMP/x.png" ] && ok || bad "x.png written"

finish
