#!/usr/bin/env bash
# ctest entry test_net_llm_numpy: the LLM options of the finite network (causal mask,
# GQA, RoPE in both pairings, SwiGLU, RMSNorm with gains, embed scale, final norm)
# against the independent numpy forward pass of llm_reference.py, on weights and
# tokens exported by `test_net_llm --export`. Usage: llm_reference.sh TEST_NET_LLM
# Exit 77 (ctest: skipped) when no python3 with numpy is found.
set -u
exe=$1
here=$(cd "$(dirname "$0")" && pwd)
py=""
for cand in ${SP_PYTHON:-} /usr/bin/python3 python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import numpy" >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
if [[ -z "$py" ]]; then
    echo "SKIP: no python3 with numpy (Debian: apt-get install python3-numpy)"
    exit 77
fi
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pairing in interleaved half; do
    "$exe" --export "$tmp/$pairing.bin" "$pairing" || { echo "export $pairing failed"; exit 1; }
done
"$py" "$here/llm_reference.py" "$tmp/interleaved.bin" "$tmp/half.bin"
