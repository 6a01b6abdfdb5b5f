#!/usr/bin/env bash
# ctest entry test_torch_llm: sigprop's finite-network measurement of LLaMA-style blocks
# against the independent PyTorch implementation bench/torch_llm.py (same statistics
# within the seed scatter: every |z| <= 4 for q, p, J_fwd, J_bwd at every block), for
# causal RMSNorm/SwiGLU/GQA/RoPE and bidirectional Derf without RoPE. 64 draws x 4
# probes a side at d = 64, n = 16, L = 4. Exit 77 (ctest: skipped) without torch.
# Usage: torch_llm.sh SIGPROP
set -u
sp=$1
here=$(cd "$(dirname "$0")" && pwd)
source "$here/find_python.sh"
find_python torch python3-torch
rc=0
"$py" "$here/../../bench/torch_llm.py" --sigprop "$sp" --seeds 64 --check || rc=1
"$py" "$here/../../bench/torch_llm.py" --sigprop "$sp" --seeds 64 --check \
    --norm derf --mask none --rope 0 --kv-heads 4 || rc=1
exit $rc
