#!/usr/bin/env bash
# sigprop train on a tiny crafted IDX data set (64 train, 32 test images of 28x28):
# help, a short run, the same bytes at 1 and 2 threads, --stop-at + --resume equal to
# the uninterrupted run, corrupt data and bad settings refused with exit 2 and nothing
# written.
source "$(dirname "$0")/lib.sh"

D="$TMP/data"
make_idx "$D" 5

T=(--data "$D" --width 16 --depth 2 --heads 2 --batch 16 --steps 8 --warmup 2 --eval-every 4)

expect_status 0 "$SP" train --help
expect_grep '^Example: ' "$TMP/out"
expect_status 0 "$SP" help train
# the help's defaults are the trainer's, whatever flags come before --help
expect_status 0 "$SP" train --width 32 --steps 5 --help
expect_grep '^ *--width D *(default 64)$' "$TMP/out"
expect_grep '^ *--steps N *optimiser steps (default 469)$' "$TMP/out"

# a short run: 8 rows, the header, eval on steps 4 and 8
expect_status 0 "$SP" train "${T[@]}" -q -o "$TMP/a.csv"
expect_grep '^step,lr,train_loss,eval_loss,eval_acc,grad_norm,update_ratio_embed,update_ratio_block0,update_ratio_block1,update_ratio_head$' "$TMP/a.csv"
[ "$(wc -l <"$TMP/a.csv")" -eq 9 ] && ok || bad "a.csv has $(wc -l <"$TMP/a.csv") lines, want 9"
awk -F, 'NR == 5 && $4 != "nan" && $5 != "nan" {f = 1} END {exit !f}' "$TMP/a.csv" && ok || bad "no eval on step 4"

# the same bytes whatever the thread count
expect_status 0 "$SP" train "${T[@]}" -q --threads 1 -o "$TMP/t1.csv"
expect_status 0 "$SP" train "${T[@]}" -q --threads 2 -o "$TMP/t2.csv"
cmp -s "$TMP/t1.csv" "$TMP/t2.csv" && ok || bad "threads 1 and 2 differ"

# stop after step 3, resume: the log equals the uninterrupted run's
expect_status 0 "$SP" train "${T[@]}" -q --stop-at 3 --checkpoint "$TMP/c.ckpt" -o "$TMP/part.csv"
[ "$(wc -l <"$TMP/part.csv")" -eq 4 ] && ok || bad "part.csv has $(wc -l <"$TMP/part.csv") lines"
expect_status 0 "$SP" train --data "$D" --resume "$TMP/c.ckpt" -q -o "$TMP/resumed.csv"
cmp -s "$TMP/a.csv" "$TMP/resumed.csv" && ok || bad "resumed log differs from the uninterrupted one"
# JSON: the same rows plus meta
expect_status 0 "$SP" train --data "$D" --resume "$TMP/c.ckpt" -q --format json -o "$TMP/r.json"
/usr/bin/env python3 -c "import json,sys; j=json.load(open(sys.argv[1])); assert len(j['data'])==8 and j['meta']['result']['steps_done']==8 and j['meta']['model']['width']==16" "$TMP/r.json" && ok || bad "JSON log"

# resuming a finished run: nothing to do, the same log, its final evaluation restated
expect_status 0 "$SP" train --data "$D" --resume "$TMP/c.ckpt" --checkpoint "$TMP/c.ckpt" -o "$TMP/r1.csv"
expect_status 0 "$SP" train --data "$D" --resume "$TMP/c.ckpt" -o "$TMP/r2.csv"
cmp -s "$TMP/a.csv" "$TMP/r2.csv" && ok || bad "resumed finished run changed the log"
expect_grep 'test accuracy 0\.' "$TMP/err"

# --resume with a model flag is a usage error
usage_error "$SP" train --data "$D" --resume "$TMP/c.ckpt" --width 32 -o "$TMP/no1.csv"
[ ! -e "$TMP/no1.csv" ] && ok || bad "no1.csv written"
# a corrupt checkpoint
printf 'SPVITCK1 garbage' >"$TMP/bad.ckpt"
usage_error "$SP" train --data "$D" --resume "$TMP/bad.ckpt" -o "$TMP/no2.csv"
expect_grep 'checksum' "$TMP/err"

# RMSNorm and SwiGLU train (LLaMA's block): a run writes its log
expect_status 0 "$SP" train "${T[@]}" --norm rms --activation swiglu -o "$TMP/rms.csv" -q
[ -s "$TMP/rms.csv" ] && ok || bad "--norm rms --activation swiglu: no log written"

# bad settings: exit 2, nothing written
for args in "--lr -1" "--heads 3" "--batch 0" "--patch 5" "--norm none" "--warmup 9" \
    "--diverge-factor 0.5" "--beta1 1" "--activation tanh" "--pool max" "--steps 1.5"; do
    # shellcheck disable=SC2086
    usage_error "$SP" train "${T[@]}" $args -o "$TMP/no3.csv" --checkpoint "$TMP/no3.ckpt"
    [ ! -e "$TMP/no3.csv" ] && [ ! -e "$TMP/no3.ckpt" ] && ok || bad "written after $args"
done
usage_error "$SP" train "${T[@]}" --batch 100 -o "$TMP/no4.csv"
expect_grep 'larger than the 64 training images' "$TMP/err"

# corrupt data: wrong magic, truncated gzip, missing file; exit 2, nothing written
B="$TMP/bad"
mkdir -p "$B"
cp "$D"/* "$B"/
/usr/bin/env python3 - "$B" <<'EOF'
import gzip, struct, sys
with gzip.open(sys.argv[1] + "/t10k-labels-idx1-ubyte.gz", "wb") as f:
    f.write(struct.pack(">II", 0x803, 32) + bytes(32))
EOF
usage_error "$SP" train "${T[@]}" --data "$B" -o "$TMP/no5.csv"
expect_grep 'magic number' "$TMP/err"
cp "$D"/t10k-labels-idx1-ubyte.gz "$B"/
head -c 2000 "$D/train-images-idx3-ubyte.gz" >"$B/train-images-idx3-ubyte.gz"
usage_error "$SP" train "${T[@]}" --data "$B" -o "$TMP/no5.csv"
expect_grep 'truncated\|unexpected end' "$TMP/err"
[ ! -e "$TMP/no5.csv" ] && ok || bad "no5.csv written"
expect_status 1 "$SP" train "${T[@]}" --data "$TMP/nowhere" -o "$TMP/no6.csv"
expect_grep 'cannot open' "$TMP/err"

finish
