#!/usr/bin/env bash
# ctest entry test_net_llm_numpy: the LLM options of the finite network (causal mask,
# GQA, RoPE in both pairings, SwiGLU, RMSNorm with gains, embed scale, final norm)
# against the independent numpy forward pass of llm_reference.py, on weights and
# tokens exported by `test_net_llm --export`. Usage: llm_reference.sh TEST_NET_LLM
# Exit 77 (ctest: skipped) when no python3 with numpy is found.
set -u
exe=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/find_python.sh"
find_python numpy python3-numpy
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for pairing in interleaved half; do
    "$exe" --export "$tmp/$pairing.bin" "$pairing" || { echo "export $pairing failed"; exit 1; }
done
"$py" "$here/llm_reference.py" "$tmp/interleaved.bin" "$tmp/half.bin"
