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

finish() {
    echo "$pass passed, $fail failed"
    [ "$fail" -eq 0 ]
}
