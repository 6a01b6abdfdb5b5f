#!/usr/bin/env bash
# CLI tests of --config FILE (Hugging Face config.json): errors exit 2 naming the key,
# precedence (config, then flags), the config record in the JSON meta, presets = configs.
. "$(dirname "$0")/lib.sh"

# errors: exit 2, one error line naming the key or the file
printf '{"model_type": "llama", "hidden_size": 64, "num_attention_heads": 8, "num_hidden_layers": 2}' >"$TMP/missing.json"
usage_error "$SP" theory --config "$TMP/missing.json"
expect_grep "missing key 'intermediate_size'" "$TMP/err"
printf '{"model_type": "gpt2", "n_embd": "768", "n_layer": 2, "n_head": 4}' >"$TMP/type.json"
usage_error "$SP" theory --config "$TMP/type.json"
expect_grep "'n_embd' must be a number" "$TMP/err"
printf '{"model_type": "gpt2", "n_embd": 64, "n_layer": 0, "n_head": 4}' >"$TMP/range.json"
usage_error "$SP" theory --config "$TMP/range.json"
expect_grep "'n_layer' = 0 is out of range" "$TMP/err"
printf '{"model_type": "t5"}' >"$TMP/t5.json"
usage_error "$SP" theory --config "$TMP/t5.json"
expect_grep "'model_type' = 't5'" "$TMP/err"
printf '{"model_type": "gpt2", ' >"$TMP/bad.json"
usage_error "$SP" theory --config "$TMP/bad.json"
expect_grep "malformed JSON" "$TMP/err"
usage_error "$SP" theory --config "$TMP/no-such.json"
expect_grep "no-such.json" "$TMP/err"
usage_error "$SP" theory --config
usage_error "$SP" theory --config configs/gpt2.json --preset vit-b
if "$SP" --version 2>&1 | grep -q openblas; then # (a build without it refuses the commands)
    usage_error "$SP" measure --config "$TMP/missing.json"
    usage_error "$SP" compare --config "$TMP/range.json"
fi
usage_error "$SP" alpha --config "$TMP/t5.json"

# a good config: notes on stderr (not modelled, unknown keys), the record in the JSON meta
printf '{"model_type": "gpt2", "n_embd": 128, "n_layer": 4, "n_head": 4, "tie_word_embeddings": true, "colour": "blue"}' >"$TMP/g.json"
expect_status 0 "$SP" theory --config "$TMP/g.json" --format json
expect_grep "tie_word_embeddings = true: not modelled" "$TMP/err"
expect_grep "1 unknown key(s), ignored: colour" "$TMP/err"
/usr/bin/python3 - "$TMP/out" "$TMP/g.json" <<'PY' && ok || bad "JSON meta of --config"
import json, math, sys
m = json.load(open(sys.argv[1]))["meta"]
c, a = m["config"], m["arch"]
assert c["path"] == sys.argv[2] and c["model_type"] == "gpt2", c
assert "n_embd" in c["keys_used"] and "n_inner=512" in c["defaults"], c
assert c["unknown"] == ["colour"] and any(n.startswith("tie_word_embeddings = true") for n in c["not_modelled"]), c
assert a["width"] == 128 and a["depth"] == 4 and a["mlp_hidden"] == 512, a
assert a["attention_mask"] == "causal" and a["activation"] == "gelu", a
assert abs(a["residual_scale"] - 1 / math.sqrt(8)) < 1e-15, a
assert abs(a["sigma_o"] - 0.02 * math.sqrt(128) / math.sqrt(8)) < 1e-12, a
PY
# precedence: explicit flags win over the config
expect_status 0 "$SP" theory --config "$TMP/g.json" --depth 6 --init-std 0.01 --norm rms --format json
/usr/bin/python3 - "$TMP/out" <<'PY' && ok || bad "flags after --config"
import json, math, sys
a = json.load(open(sys.argv[1]))["meta"]["arch"]
assert a["depth"] == 6 and a["norm_mlp"] == "rms" and a["init_std"] == 0.01, a
assert abs(a["sigma_v"] - 0.01 * math.sqrt(128)) < 1e-12, a
PY
# --width keeps the config's sigmas on request: the note gives them (GPT-2's c_proj /
# sqrt(2L): 0.02 sqrt(768) / sqrt(24) = 0.113137; LLaMA's W2 fan-in 11008: 0.02 sqrt(11008))
expect_status 0 "$SP" theory --config configs/gpt2.json --width 256
expect_grep "the config's width 768" "$TMP/err"
expect_grep "--sigma-o 0.113137 --sigma-1 0.554256 --sigma-2 0.226274" "$TMP/err"
expect_status 0 "$SP" theory --config configs/llama2-7b.json --width 256 --tokens 32 --depth 4 --summary
expect_grep "--sigma-2 2.09838" "$TMP/err"
# the sigprop object: norm and alphas; --alpha still wins
printf '{"model_type": "gpt2", "n_embd": 128, "n_layer": 4, "n_head": 4, "sigprop": {"norm": "derf", "alpha": 0.7}}' >"$TMP/d.json"
expect_status 0 "$SP" theory -q --config "$TMP/d.json" --attention-mask none --summary
expect_grep '^C,transformer,derf,0.7,' "$TMP/out"
expect_status 0 "$SP" theory -q --config "$TMP/d.json" --alpha 0.3 --attention-mask none --summary
expect_grep '^C,transformer,derf,0.3,' "$TMP/out"
printf '{"model_type": "gpt2", "n_embd": 128, "n_layer": 4, "n_head": 4, "sigprop": {"nrom": "derf"}}' >"$TMP/u.json"
usage_error "$SP" theory --config "$TMP/u.json"
expect_grep "unknown key 'sigprop.nrom'" "$TMP/err"
# -q silences the notes
expect_status 0 "$SP" theory -q --config "$TMP/g.json"
if grep -q "config" "$TMP/err"; then bad "-q printed config notes"; else ok; fi

# each preset gives the same theory as its configs/ file
for p in gpt2 vit-b16 vit-l16; do
    "$SP" theory -q --preset "$p" >"$TMP/p.csv" 2>/dev/null
    "$SP" theory -q --config "configs/$p.json" >"$TMP/c.csv" 2>/dev/null
    if [ -s "$TMP/p.csv" ] && cmp -s "$TMP/p.csv" "$TMP/c.csv"; then ok; else bad "preset $p != configs/$p.json"; fi
done
expect_status 0 "$SP" theory --help
expect_grep "config FILE" "$TMP/out"
expect_grep "llama2-70b" "$TMP/out"
finish
