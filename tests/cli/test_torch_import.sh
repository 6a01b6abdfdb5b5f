#!/usr/bin/env bash
# bench/torch_measure.py picks its forward-mode jvp by torch version: torch.func
# on torch >= 2.0, functorch on 1.13 (Debian 12's python3-torch has no torch.func).
# Checked against stand-in torch/functorch modules, so no PyTorch is needed.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
# pick VERSION HAS_FUNC HAS_FUNCTORCH -> prints where jvp came from (or the reason)
pick() {
    python3 - "$ROOT/bench" "$@" <<'EOPY'
import importlib, sys, types
bench, ver, has_func, has_functorch = sys.argv[1], sys.argv[2], sys.argv[3] == "1", sys.argv[4] == "1"
torch = types.ModuleType("torch"); torch.__version__ = ver
sys.modules["torch"] = torch
if has_func:
    f = types.ModuleType("torch.func"); f.jvp = lambda *a: "torch.func"; sys.modules["torch.func"] = f
    torch.func = f
else:
    sys.modules["torch.func"] = None          # import fails, as on 1.13
if has_functorch:
    ft = types.ModuleType("functorch"); ft.jvp = lambda *a: "functorch"; sys.modules["functorch"] = ft
else:
    sys.modules["functorch"] = None
sys.path.insert(0, bench)
m = importlib.import_module("torch_measure")
t, jvp, where = m.import_jvp()
print(where if t is None else jvp())
EOPY
}
check() { # check DESCRIPTION WANT ARGS...
    local what=$1 want=$2; shift 2
    local got; got=$(pick "$@" 2>&1)
    if [[ "$got" == *"$want"* ]]; then ok; else bad "$what: got '$got', want '$want'"; fi
}
check "Debian torch 1.13 + functorch" functorch "1.13.0a0+gitunknown" 0 1
check "torch 2.1 uses torch.func" torch.func "2.1.0+cpu" 1 1
check "torch 2.x without functorch" torch.func "2.3.1" 1 0
check "torch 1.13 without functorch names the problem" "neither torch.func" "1.13.1" 0 0
# no torch at all: the script says so and exits 0
if python3 -c 'import torch' 2>/dev/null; then ok; else
    out=$(python3 "$ROOT/bench/torch_measure.py" 2>&1); rc=$?
    if [ $rc -eq 0 ] && [[ "$out" == *"not installed"* ]]; then ok; else bad "no torch: rc $rc, '$out'"; fi
fi
finish
