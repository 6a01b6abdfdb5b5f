#!/usr/bin/env bash
# CLI tests of the LLM-style options (issue 11) in `sigprop measure` and `compare`:
# every flag runs, the JSON meta records it, the library's invariants show through
# the CLI (kv-heads = heads is MHA, embed scale c gives q^0 = c^2 q0, causal mask
# and RoPE change the numbers), bad values are usage errors.
. "$(dirname "$0")/lib.sh"
S=(--width 64 --tokens 8 --depth 2 --heads 4 --threads 1 --seeds 1 --probes 2 -q)
LLM=(--kv-heads 2 --mlp swiglu --mlp-hidden 96 --sigma-3 0.9 --attention-mask causal
     --rope 500 --rope-pairing half --norm rms --norm-eps 1e-6 --embed-scale 2 --final-norm)

expect_status 0 "$SP" measure "${S[@]}" "${LLM[@]}" --format json
cp "$TMP/out" "$TMP/llm.json"
/usr/bin/python3 - "$TMP/llm.json" <<'PY' 2>"$TMP/py.err" && ok || { bad "meta of measure: $(cat "$TMP/py.err")"; }
import json, sys
d = json.load(open(sys.argv[1]))
a = d["meta"]["arch"]
want = {"activation": "swiglu", "mlp_hidden": 96, "kv_heads": 2, "attention_mask": "causal",
        "rope": "half", "rope_theta": 500, "norm_eps": 1e-6, "embed_scale": 2,
        "norm_attn": "rms", "norm_mlp": "rms", "sigma_3": 0.9, "final_norm": True}
bad = {k: (a.get(k), v) for k, v in want.items() if a.get(k) != v}
assert not bad, bad
assert d["meta"]["measure"]["ln_eps"] == 1e-6
PY
# q^0 = embed_scale^2 q0 (q0 = 1 by default)
expect_status 0 "$SP" measure "${S[@]}" "${LLM[@]}"
q0=$(sed -n 2p "$TMP/out" | cut -d, -f7)
awk -v q="$q0" 'BEGIN { exit !(q > 3.9999 && q < 4.0001) }' && ok || bad "embed scale 2: q^0 = $q0, want 4"
cp "$TMP/out" "$TMP/llm.csv"
# --kv-heads equal to --heads is multi-head attention: the same bytes
expect_status 0 "$SP" measure "${S[@]}" --kv-heads 4
cp "$TMP/out" "$TMP/kv4.csv"
expect_status 0 "$SP" measure "${S[@]}"
cmp -s "$TMP/out" "$TMP/kv4.csv" && ok || bad "--kv-heads 4 differs from MHA"
# each option on its own runs and changes the rows against the ViT block
for f in "--kv-heads 1" "--mlp swiglu" "--attention-mask causal" "--rope 10000" \
         "--rope 10000 --rope-pairing half" "--norm rms" "--norm-eps 0.5" "--embed-scale 3" \
         "--mlp-hidden 100"; do
    expect_status 0 "$SP" measure "${S[@]}" $f
    cmp -s "$TMP/out" "$TMP/kv4.csv" && bad "measure $f: rows equal the ViT block's" || ok
done
# the two pairings give different numbers
expect_status 0 "$SP" measure "${S[@]}" --rope 100 --rope-pairing interleaved
cp "$TMP/out" "$TMP/ri.csv"
expect_status 0 "$SP" measure "${S[@]}" --rope 100 --rope-pairing half
cmp -s "$TMP/out" "$TMP/ri.csv" && bad "rope pairings give the same rows" || ok
# same seed, same numbers with 1 and 2 threads
expect_status 0 "$SP" measure "${S[@]/--threads 1/}" "${LLM[@]}" --threads 2
cmp -s "$TMP/out" "$TMP/llm.csv" && ok || bad "LLM options: --threads 2 differs from 1"

# compare: the options the theory models (with caveats) run and are in the meta
expect_status 0 "$SP" compare "${S[@]}" --kv-heads 2 --attention-mask causal --rope 10000 \
    --norm rms --norm-eps 1e-6 --embed-scale 2 --format json
expect_grep '"kv_heads":[[:space:]]*2' "$TMP/out"
expect_grep '"attention_mask":[[:space:]]*"causal"' "$TMP/out"
expect_grep 'causal-uniform-attention' "$TMP/out"
# SwiGLU has a theory (docs/derivations/mlp.md); causal + SwiGLU under RMSNorm too;
# GELU under Derf and SwiGLU under DyT with a causal mask too (their maps per token
# pair, docs/derivations/causal.md)
expect_status 0 "$SP" compare "${S[@]}" --mlp swiglu --sigma-3 0.9
expect_status 0 "$SP" compare "${S[@]}" --mlp swiglu --sigma-3 0.9 --attention-mask causal --norm rms
expect_status 0 "$SP" compare "${S[@]}" --mlp gelu --attention-mask causal --norm derf --alpha 0.5
expect_status 0 "$SP" compare "${S[@]}" --mlp swiglu --sigma-3 0.9 --attention-mask causal --norm dyt --alpha 0.5

usage_error "$SP" measure "${S[@]}" --kv-heads 3
usage_error "$SP" measure "${S[@]}" --rope-pairing sideways --rope 10000
usage_error "$SP" measure "${S[@]}" --norm-eps -1
usage_error "$SP" measure "${S[@]}" --embed-scale 0
usage_error "$SP" measure "${S[@]}" --mlp-hidden 0
# --proxy-width: a narrow copy with the target's sigmas; the theory does not change
a=$("$SP" theory --preset llama2-7b --tokens 16 --depth 3 --summary 2>/dev/null | tail -1 | cut -d, -f8-11)
b=$("$SP" theory --preset llama2-7b --proxy-width 128 --tokens 16 --depth 3 --summary 2>"$TMP/px.err" | tail -1 | cut -d, -f8-11)
[ -n "$a" ] && [ "$a" = "$b" ] && ok || bad "proxy theory differs from the target's: $a vs $b"
expect_grep 'proxy: width 128 for the target width 4096' "$TMP/px.err"
expect_grep 'MLP hidden 11008 -> 344' "$TMP/px.err"
expect_status 0 "$SP" measure --preset llama2-7b --proxy-width 128 --tokens 16 --depth 2 --seeds 1 --probes 2 -q --format json
expect_grep '"width":[[:space:]]*128' "$TMP/out"
expect_grep '"mlp_hidden":[[:space:]]*344' "$TMP/out"
usage_error "$SP" theory --preset llama2-7b --proxy-width 8192
usage_error "$SP" theory --preset llama2-7b --proxy-width 100
expect_grep 'not a multiple of the target' "$TMP/err"
usage_error "$SP" theory --model toy --proxy-width 64
# --token-ids: rows of a fixed random embedding table; a repeated id repeats its row
expect_status 0 "$SP" measure --token-ids 5,5,5,5 --width 64 --depth 1 --heads 4 --seeds 1 --probes 1 -q
[ "$(sed -n 2p "$TMP/out" | cut -d, -f11)" = "1" ] && ok || bad "identical ids: rho at l = 0 should be 1"
expect_status 0 "$SP" measure --token-ids 1,2,3,1 --width 256 --depth 1 --heads 4 --seeds 1 --probes 1 -q
sed -n 2p "$TMP/out" | awk -F, '{ r = $11; exit !(r > 0.05 && r < 0.35) }' && ok || bad "ids 1,2,3,1: rho at l = 0 should be about 1/6"
cp "$TMP/out" "$TMP/ids.csv"
expect_status 0 "$SP" measure --token-ids 1,2,3,1 --width 256 --depth 1 --heads 4 --seeds 1 --probes 1 -q --threads 2
cmp -s "$TMP/out" "$TMP/ids.csv" && ok || bad "--token-ids: not the same numbers at 2 threads"
usage_error "$SP" measure --token-ids 1,2 --tokens 3 --width 64 --depth 1
usage_error "$SP" measure --token-ids 1,2 --input gaussian --width 64 --depth 1
usage_error "$SP" measure --token-ids 1,-2 --width 64 --depth 1
usage_error "$SP" measure --token-ids 1,2 --model toy --width 64 --depth 1
# --token-ids FILE: the same ids from a file (white space or commas) give the same bytes
printf '1 2\n3,1\n' > "$TMP/ids.txt"
expect_status 0 "$SP" measure --token-ids "$TMP/ids.txt" --width 256 --depth 1 --heads 4 --seeds 1 --probes 1 -q
cmp -s "$TMP/out" "$TMP/ids.csv" && ok || bad "--token-ids FILE: not the numbers of the same list"
printf '1 x 3\n' > "$TMP/bad_ids.txt"
usage_error "$SP" measure --token-ids "$TMP/bad_ids.txt" --width 64 --depth 1
expect_grep "id 2 of .*'x' is not an integer" "$TMP/err"
: > "$TMP/no_ids.txt"
usage_error "$SP" measure --token-ids "$TMP/no_ids.txt" --width 64 --depth 1
expect_grep 'holds no ids' "$TMP/err"
usage_error "$SP" measure --token-ids "$TMP/missing.txt" --width 64 --depth 1
expect_grep 'neither a list of ids nor a readable file' "$TMP/err"
# --position-std S: learned position rows added, q at l = 0 grows by about S^2 (0.25 +- 0.03)
expect_status 0 "$SP" measure --token-ids 1,2,3,1 --position-std 0.5 --width 256 --depth 1 --heads 4 --seeds 1 --probes 1 -q
paste -d, <(sed -n 2p "$TMP/ids.csv" | cut -d, -f7) <(sed -n 2p "$TMP/out" | cut -d, -f7) |
    awk -F, '{ d = $2 - $1; exit !(d > 0.2 && d < 0.3) }' && ok || bad "--position-std 0.5: q at l = 0 should grow by about 0.25"
usage_error "$SP" measure --position-std 0.5 --width 64 --depth 1
expect_grep 'position-std goes with --token-ids' "$TMP/err"
usage_error "$SP" measure --token-ids 1,2 --position-std -1 --width 64 --depth 1
finish
