#!/usr/bin/env bash
# sigprop train --task fortunes on a tiny crafted corpus: a short run, the same bytes
# at 1 and 2 threads, --stop-at + --resume equal to the uninterrupted run, the task of
# a resumed run taken from its checkpoint; the same with RoPE and grouped-query
# attention; corrupt corpora and bad flags refused with exit 2 and nothing written.
source "$(dirname "$0")/lib.sh"

C="$TMP/corpus"
mkdir -p "$C"
/usr/bin/env python3 - "$C" <<'EOF2'
import random, sys
d = sys.argv[1]
random.seed(3)
words = ["the", "cat", "sat", "on", "a", "mat", "and", "dog", "ran", "off", "far"]
with open(f"{d}/sayings", "w") as f:
    for i in range(60):
        f.write(" ".join(random.choice(words) for _ in range(12)) + "\n%\n")
open(f"{d}/sayings.dat", "wb").write(b"\0\0\0\2 index, skipped")
EOF2

T=(--task fortunes --data "$C" --width 16 --depth 2 --heads 2 --context 16 --batch 4
   --steps 8 --warmup 2 --eval-every 4)

expect_status 0 "$SP" train --help
expect_grep 'fmnist | fortunes' "$TMP/out"

# a short run: 8 rows, eval on steps 4 and 8; bits per byte in the summary
expect_status 0 "$SP" train "${T[@]}" -o "$TMP/a.csv"
expect_grep '^step,lr,train_loss,eval_loss,eval_acc,grad_norm,update_ratio_embed,update_ratio_block0,update_ratio_block1,update_ratio_head$' "$TMP/a.csv"
[ "$(wc -l <"$TMP/a.csv")" -eq 9 ] && ok || bad "a.csv has $(wc -l <"$TMP/a.csv") lines, want 9"
awk -F, 'NR == 5 && $4 != "nan" && $5 != "nan" {f = 1} END {exit !f}' "$TMP/a.csv" && ok || bad "no eval on step 4"
expect_grep 'bits per byte' "$TMP/err"
expect_grep 'causal LM d=16' "$TMP/err"

# the same bytes whatever the thread count
expect_status 0 "$SP" train "${T[@]}" -q --threads 1 -o "$TMP/t1.csv"
expect_status 0 "$SP" train "${T[@]}" -q --threads 2 -o "$TMP/t2.csv"
cmp -s "$TMP/t1.csv" "$TMP/t2.csv" && ok || bad "threads 1 and 2 differ"

# stop after step 3, resume (no --task: the checkpoint's): the uninterrupted log
expect_status 0 "$SP" train "${T[@]}" -q --stop-at 3 --checkpoint "$TMP/c.ckpt" -o "$TMP/part.csv"
expect_status 0 "$SP" train --data "$C" --resume "$TMP/c.ckpt" -q -o "$TMP/resumed.csv"
cmp -s "$TMP/a.csv" "$TMP/resumed.csv" && ok || bad "resumed log differs from the uninterrupted one"
expect_status 0 "$SP" train --task fortunes --data "$C" --resume "$TMP/c.ckpt" -q --format json -o "$TMP/r.json"
/usr/bin/env python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['meta']; assert m['model']['task']=='fortunes' and m['model']['context']==16 and m['result']['eval_bits_per_byte'] > 0" "$TMP/r.json" && ok || bad "JSON meta"
# the wrong task for the checkpoint, --context with --resume
usage_error "$SP" train --task fmnist --data "$C" --resume "$TMP/c.ckpt" -o "$TMP/no1.csv"
expect_grep 'is a fortunes run' "$TMP/err"
usage_error "$SP" train --data "$C" --resume "$TMP/c.ckpt" --context 8 -o "$TMP/no1.csv"
[ ! -e "$TMP/no1.csv" ] && ok || bad "no1.csv written"

# RoPE and grouped-query attention (the measurement's option names): the same bytes at 1
# and 2 threads, resume equal to the uninterrupted run (the checkpoint holds them), the
# JSON meta names them, and they change the run
A=(--rope 10000 --kv-heads 1 --context 40)
expect_status 0 "$SP" train "${T[@]}" "${A[@]}" --threads 1 -o "$TMP/g1.csv"
expect_grep 'H=2 (1 K/V), RoPE 10000 interleaved' "$TMP/err"
expect_status 0 "$SP" train "${T[@]}" "${A[@]}" -q --threads 2 -o "$TMP/g2.csv"
cmp -s "$TMP/g1.csv" "$TMP/g2.csv" && ok || bad "GQA + RoPE: threads 1 and 2 differ"
expect_status 0 "$SP" train "${T[@]}" "${A[@]}" -q --stop-at 3 --checkpoint "$TMP/g.ckpt" -o "$TMP/gp.csv"
expect_status 0 "$SP" train --data "$C" --resume "$TMP/g.ckpt" -q -o "$TMP/gr.csv"
cmp -s "$TMP/g1.csv" "$TMP/gr.csv" && ok || bad "GQA + RoPE: resumed log differs"
expect_status 0 "$SP" train "${T[@]}" --rope 500 --rope-pairing half --kv-heads 2 -q --format json -o "$TMP/g.json"
/usr/bin/env python3 -c "import json,sys; m=json.load(open(sys.argv[1]))['meta']['model']; assert m['kv_heads']==2 and m['rope_theta']==500 and m['rope_pairing']=='half'" "$TMP/g.json" && ok || bad "RoPE JSON meta"
expect_status 0 "$SP" train "${T[@]}" --context 40 -q -o "$TMP/g0.csv"
cmp -s "$TMP/g0.csv" "$TMP/g1.csv" && bad "GQA + RoPE changed nothing" || ok
usage_error "$SP" train --data "$C" --resume "$TMP/g.ckpt" --rope 100 -o "$TMP/no1.csv"
[ ! -e "$TMP/no1.csv" ] && ok || bad "no1.csv written"

# bad flags: exit 2, nothing written
for args in "--context 0" "--context 5000" "--patch 4" "--pool mean" "--task text" "--batch 0" \
            "--kv-heads 3" "--rope 1" "--rope-pairing half" "--heads 16 --rope 10000" "--rope x"; do
    # shellcheck disable=SC2086
    usage_error "$SP" train "${T[@]}" $args -o "$TMP/no2.csv" --checkpoint "$TMP/no2.ckpt"
    [ ! -e "$TMP/no2.csv" ] && [ ! -e "$TMP/no2.ckpt" ] && ok || bad "written after $args"
done
usage_error "$SP" train --data "$C" --context 16 -o "$TMP/no2.csv"
expect_grep 'context is for --task fortunes' "$TMP/err"

# corrupt corpora: empty, binary (a NUL byte), one record only, no file, a context
# longer than the held-out part; exit 2, nothing written
printf '' >"$TMP/empty"
usage_error "$SP" train "${T[@]}" --data "$TMP/empty" -o "$TMP/no3.csv" --checkpoint "$TMP/no3.ckpt"
expect_grep 'empty file' "$TMP/err"
printf 'text\0binary\n%%\nmore\n' >"$TMP/nul"
usage_error "$SP" train "${T[@]}" --data "$TMP/nul" -o "$TMP/no3.csv" --checkpoint "$TMP/no3.ckpt"
expect_grep 'NUL byte' "$TMP/err"
printf 'one record only\n' >"$TMP/one"
usage_error "$SP" train "${T[@]}" --data "$TMP/one" -o "$TMP/no3.csv" --checkpoint "$TMP/no3.ckpt"
expect_grep 'records in both' "$TMP/err"
mkdir -p "$TMP/nofiles"
printf 'x' >"$TMP/nofiles/idx.dat"
usage_error "$SP" train "${T[@]}" --data "$TMP/nofiles" -o "$TMP/no3.csv" --checkpoint "$TMP/no3.ckpt"
expect_grep 'no corpus file' "$TMP/err"
usage_error "$SP" train "${T[@]}" --context 4096 -o "$TMP/no3.csv" --checkpoint "$TMP/no3.ckpt"
expect_grep 'fewer than context 4096' "$TMP/err"
[ ! -e "$TMP/no3.csv" ] && [ ! -e "$TMP/no3.ckpt" ] && ok || bad "written after a corrupt corpus"
expect_status 1 "$SP" train "${T[@]}" --data "$TMP/nowhere" -o "$TMP/no4.csv"
expect_grep 'cannot open' "$TMP/err"
[ ! -e "$TMP/no4.csv" ] && ok || bad "no4.csv written"

finish
