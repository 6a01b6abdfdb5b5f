# Shared helpers for the CLI tests (sourced). $SP is the sigprop binary.
SP=${1:?usage: test_*.sh path/to/sigprop}
pass=0
fail=0
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

# expect_status N cmd...: exit status N.
expect_status() {
    local want=$1; shift
    "$@" >"$TMP/out" 2>"$TMP/err"
    local got=$?
    if [ "$got" -eq "$want" ]; then ok; else bad "exit $got (want $want): $*"; cat "$TMP/err" >&2; fi
}

# usage_error cmd...: exit 2, one 'sigprop: error:' line naming the problem, no stdout.
usage_error() {
    expect_status 2 "$@"
    if grep -q '^sigprop: error: ' "$TMP/err" && [ ! -s "$TMP/out" ]; then ok; else bad "no error line / stdout not empty: $*"; fi
}

expect_grep() { # expect_grep PATTERN FILE
    if grep -q -- "$1" "$2"; then ok; else bad "'$1' not in $2"; fi
}

# make_idx DIR SEED: a tiny crafted Fashion-MNIST-shaped IDX set in DIR (64 train, 32
# test images of 28x28, random pixels, labels i % 10), gzip-compressed as Debian ships it.
make_idx() {
    mkdir -p "$1"
    /usr/bin/env python3 - "$1" "$2" <<'PYEOF'
import gzip, random, struct, sys
d = sys.argv[1]
random.seed(int(sys.argv[2]))
def write(prefix, n):
    with gzip.open(f"{d}/{prefix}-images-idx3-ubyte.gz", "wb") as f:
        f.write(struct.pack(">IIII", 0x803, n, 28, 28))
        f.write(bytes(random.randrange(256) for _ in range(n * 784)))
    with gzip.open(f"{d}/{prefix}-labels-idx1-ubyte.gz", "wb") as f:
        f.write(struct.pack(">II", 0x801, n))
        f.write(bytes(i % 10 for i in range(n)))
write("train", 64)
write("t10k", 32)
PYEOF
}

finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
