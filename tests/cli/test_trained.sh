#!/usr/bin/env bash
# measure --weights on a sigprop train checkpoint (GQA and RoPE too; and llama2.c), --against-init, real
# inputs (--inputs fashion-mnist[:N], --cls, --data) in measure and compare, and
# compare --theory-from-block: outputs, and refusals with exit 2 (bad flags, bad data)
# or 1 (corrupt checkpoint, missing data) with nothing written. A tiny crafted IDX set
# (as test_train.sh) and a checkpoint trained on it for 4 steps.
source "$(dirname "$0")/lib.sh"

D="$TMP/data"
make_idx "$D" 7
C="$TMP/c.ckpt"
T=(--data "$D" --width 16 --depth 2 --heads 2 --batch 16 --steps 4 --warmup 1 -q)
expect_status 0 "$SP" train "${T[@]}" --checkpoint "$C" -o "$TMP/log.csv"
expect_status 0 "$SP" train "${T[@]}" --pool mean --norm derf --checkpoint "$TMP/mean.ckpt" -o "$TMP/log2.csv"
M=(--probes 2 -q)

# the trained network on the configured input (17 tokens > width 16: gaussian)
expect_status 0 "$SP" measure --weights "$C" --input gaussian --seeds 2 "${M[@]}" -o "$TMP/a.csv"
expect_grep ',weights$' "$TMP/a.csv"
[ "$(grep -c ',trained$' "$TMP/a.csv")" -eq 3 ] && ok || bad "a.csv: want 3 trained rows"
# beside its init: the same input, so the same q at l = 0; the blocks differ
expect_status 0 "$SP" measure --weights "$C" --input gaussian --seeds 2 --against-init "${M[@]}" -o "$TMP/b.csv"
awk -F, 'NR > 1 {print $NF}' "$TMP/b.csv" | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}' >"$TMP/cnt"
expect_grep 'init:3 trained:3' "$TMP/cnt"
awk -F, 'NR == 2 {a = $7} NR == 5 {b = $7} NR == 4 {c = $7} NR == 7 {d = $7}
         END {exit !(a == b && c != d)}' "$TMP/b.csv" && ok || bad "b.csv: l=0 q should match, l=2 differ"
# real inputs: one image per draw through the checkpoint's patch embedding
expect_status 0 "$SP" measure --weights "$C" --inputs fashion-mnist:3 --data "$D" --against-init "${M[@]}" --format json -o "$TMP/c.json"
/usr/bin/python3 - "$TMP/c.json" <<'PYEOF' && ok || bad "c.json: inputs meta"
import json, sys
j = json.load(open(sys.argv[1]))
m = j["meta"]
assert m["measure"]["seeds"] == 3 and m["measure"]["inputs"]["images"] == 3, m["measure"]
assert m["measure"]["inputs"]["cls"] is True and m["arch"]["tokens"] == 17, m["arch"]
assert m["weights"]["format"] == "sigprop-train" and m["weights"]["step"] == 4
PYEOF
expect_status 0 "$SP" measure --weights "$C" --inputs fashion-mnist:2 --cls off --data "$D" "${M[@]}" --format json -o "$TMP/d.json"
grep -q '"tokens":[[:space:]]*16' "$TMP/d.json" && ok || bad "--cls off: 16 tokens"
# a mean-pooling Derf checkpoint: no CLS token to include
expect_status 0 "$SP" measure --weights "$TMP/mean.ckpt" --inputs fashion-mnist:2 --data "$D" "${M[@]}" -o "$TMP/e.csv"
usage_error "$SP" measure --weights "$TMP/mean.ckpt" --inputs fashion-mnist:2 --cls on --data "$D" "${M[@]}" -o "$TMP/no.csv"
# a ViT trained with GQA and RoPE: its measurement runs the same attention (the arch in
# the meta carries them); without the CLS row the RoPE positions would shift: refused
expect_status 0 "$SP" train "${T[@]}" --heads 4 --kv-heads 2 --rope 100 --rope-pairing half --checkpoint "$TMP/rope.ckpt" -o "$TMP/log3.csv"
expect_status 0 "$SP" measure --weights "$TMP/rope.ckpt" --inputs fashion-mnist:2 --data "$D" --against-init "${M[@]}" --format json -o "$TMP/r.json"
/usr/bin/python3 - "$TMP/r.json" <<'PYEOF' && ok || bad "r.json: GQA and RoPE in the arch"
import json, sys
a = json.load(open(sys.argv[1]))["meta"]["arch"]
assert a["kv_heads"] == 2 and a["rope"] == "half" and a["rope_theta"] == 100, a
PYEOF
usage_error "$SP" measure --weights "$TMP/rope.ckpt" --inputs fashion-mnist:2 --cls off --data "$D" "${M[@]}" -o "$TMP/no.csv"
expect_grep 'RoPE positions' "$TMP/err"
# real inputs without a checkpoint: the trainer's init embedding at --seed, any width
expect_status 0 "$SP" measure --width 32 --depth 2 --heads 2 --inputs fashion-mnist:2 --data "$D" "${M[@]}" -o "$TMP/f.csv"
expect_status 0 "$SP" measure --width 32 --depth 2 --heads 2 --inputs fashion-mnist:2 --data "$D" --per-seed "${M[@]}" -o "$TMP/g.csv"
# llama2.c through the same flag, and its HF re-init
expect_status 0 "$SP" measure --weights "$(dirname "$0")/../../models/stories260K.bin" --against-init --seeds 1 --measure fwd "${M[@]}" -o "$TMP/h.csv"
expect_grep ',init$' "$TMP/h.csv"

# compare on real inputs, the theory from block 1: no theory below it
expect_status 0 "$SP" compare --width 32 --depth 3 --heads 2 --inputs fashion-mnist:2 --data "$D" --theory-from-block 1 "${M[@]}" -o "$TMP/k.csv"
awk -F, 'NR == 2 && $8 == "nan" {a = 1} NR == 3 && $9 == 1 {b = 1} END {exit !(a && b)}' "$TMP/k.csv" && ok || bad "k.csv: theory from block 1"

# refusals: exit 2, nothing written
for args in "--weights $C --width 32" "--against-init" "--cls on" "--data $D" \
            "--inputs mnist" "--inputs fashion-mnist:0" "--inputs fashion-mnist:3 --seeds 4" \
            "--inputs fashion-mnist --tokens 20 --data $D" "--inputs fashion-mnist --input gaussian" \
            "--inputs fashion-mnist --cls maybe" "--weights $C --token-ids 1,2,3" \
            "--inputs fashion-mnist --token-ids 1,2 --data $D" \
            "--weights $(dirname "$0")/../../models/stories260K.bin --inputs fashion-mnist"; do
    # shellcheck disable=SC2086
    usage_error "$SP" measure $args "${M[@]}" -o "$TMP/no.csv"
done
usage_error "$SP" compare --depth 3 --width 32 --heads 2 --theory-from-block 3 "${M[@]}" -o "$TMP/no.csv"
usage_error "$SP" compare --depth 3 --width 32 --heads 2 --theory-from-block 1 --theory-start config "${M[@]}" -o "$TMP/no.csv"
# a corrupt data set: exit 2 (the loader names the file); a missing one: exit 1
B="$TMP/bad"
mkdir -p "$B"
cp "$D"/* "$B"/
printf 'not gzip' >"$B/t10k-images-idx3-ubyte.gz"
usage_error "$SP" measure --width 32 --depth 2 --heads 2 --inputs fashion-mnist:2 --data "$B" "${M[@]}" -o "$TMP/no.csv"
expect_status 1 "$SP" measure --width 32 --depth 2 --heads 2 --inputs fashion-mnist:2 --data "$TMP/none" "${M[@]}" -o "$TMP/no.csv"
# a corrupt checkpoint (one byte flipped; truncated): exit 1 with the reason
/usr/bin/python3 - "$C" "$TMP/flip.ckpt" "$TMP/cut.ckpt" <<'PYEOF'
import sys
b = bytearray(open(sys.argv[1], "rb").read())
open(sys.argv[3], "wb").write(b[: len(b) // 2])
b[200] ^= 0x40
open(sys.argv[2], "wb").write(b)
PYEOF
expect_status 1 "$SP" measure --weights "$TMP/flip.ckpt" --input gaussian "${M[@]}" -o "$TMP/no.csv"
expect_grep 'checksum' "$TMP/err"
expect_status 1 "$SP" measure --weights "$TMP/cut.ckpt" --input gaussian "${M[@]}" -o "$TMP/no.csv"
[ ! -e "$TMP/no.csv" ] && ok || bad "a refused run wrote its output"
finish
