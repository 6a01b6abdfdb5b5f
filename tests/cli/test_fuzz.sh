#!/usr/bin/env bash
# Bounded fuzz test of every command's bad input: malformed numbers (hex, inf,
# nan, 1e999, '', ' 1', '1 ', '--', huge and negative integers), bad files
# (missing, empty, binary, truncated CSV, wrong columns), bad -o (a missing
# folder, a folder, '', /dev/full), repeated flags, and a seeded generator of
# numbers with one character that no number has. For each vector it asserts:
# exit 1 or 2 (never 0, never >= 128), stderr exactly one 'sigprop: error:'
# line (plus the optional "Try 'sigprop CMD --help'." line), no sanitizer
# report, no *.tmp.* left anywhere under the scratch folder, no new file, and
# the pre-existing output file unchanged (checksum). Runs against whichever
# binary it is given: build/sigprop in `make test`, build-asan/sigprop in
# `make asan`. Deterministic: a fixed list plus a generator with a fixed seed.
set -u
SP=${1:?usage: test_fuzz.sh path/to/sigprop}
case $SP in /*) ;; *) SP=$PWD/$SP ;; esac
D=$PWD/tests/data
T=$(mktemp -d)
trap 'chmod -R u+w "$T" 2>/dev/null; rm -rf "$T"' EXIT
pass=0; fail=0; n=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }

W=$T/work            # the folder every vector runs in and writes to
mkdir -p "$W/adir" "$W/old-report"
F=$T/files           # inputs, read-only
mkdir -p "$F"
printf 'keep me\n' >"$W/existing.csv"
: >"$F/empty.csv"
head -c 4096 /dev/urandom >"$F/binary.csv" 2>/dev/null || printf '\x00\x01\x02\xff\xfe' >"$F/binary.csv"
head -c 200 "$D/theory_blog2_L32.csv" >"$F/truncated.csv"
printf 'a,b,c\n1,2,3\n4,5,6\n' >"$F/wrongcols.csv"
printf 'l,q\n1,"2\n' >"$F/badquote.csv"
printf 'l,q,p\n1,2\n' >"$F/ragged.csv"
GOOD=$D/theory_blog2_L32.csv
snapshot() { (cd "$W" && find . -print0 | sort -z | xargs -0 md5sum 2>/dev/null; find . | sort); }
BEFORE=$(snapshot)

# vec ARGS...: one bad invocation, run in $W
vec() {
    n=$((n + 1))
    (cd "$W" && timeout 20 "$SP" "$@" >"$T/out" 2>"$T/err" </dev/null)
    local rc=$?
    local what="sigprop $(printf "'%s' " "$@")"
    if [ "$rc" -ne 1 ] && [ "$rc" -ne 2 ]; then
        bad "exit $rc (want 1 or 2): $what"; head -5 "$T/err" >&2
        return
    fi
    if grep -q 'Sanitizer\|runtime error:\|double free\|free(): \|malloc(): ' "$T/err"; then
        bad "sanitizer/allocator report: $what"; head -20 "$T/err" >&2; return
    fi
    local lines; lines=$(wc -l <"$T/err")
    if ! head -1 "$T/err" | grep -q '^sigprop: error: ' ||
       { [ "$lines" -eq 2 ] && ! sed -n 2p "$T/err" | grep -q "^Try 'sigprop [a-z]* --help'\.$"; } ||
       [ "$lines" -lt 1 ] || [ "$lines" -gt 2 ]; then
        bad "stderr is not one error line (+ Try line): $what"; head -5 "$T/err" >&2; return
    fi
    if [ "$rc" -eq 2 ] && [ "$lines" -ne 2 ]; then bad "usage error without the Try line: $what"; return; fi
    if [ "$(snapshot)" != "$BEFORE" ]; then
        bad "files changed or left behind: $what"; (cd "$W" && find . -newer "$F/empty.csv") >&2
        BEFORE=$(snapshot) # report each damage once
        return
    fi
    ok
}

# ---- malformed numbers, every command ----
BADNUM=(0x10 0X1p3 inf -inf nan NaN 1e999 -1e999 '' ' 1' '1 ' -- 1e 1.2.3 abc '+' 1,
        ',1' '1,,2' 1:2 1:2:0)
BADINT=("${BADNUM[@]}" 1.5 1e2 -5 0 2147483648 -9223372036854775809)
for v in "${BADNUM[@]}"; do
    vec theory --norm derf --alpha "$v" --depth 4
    vec measure --alpha "$v" --norm derf
    vec compare --alpha "$v" --norm derf
    vec sweep --norm derf --alpha "$v" --depth 4
    vec alpha --target-J "$v" --norm derf
    vec fit "$GOOD" --column q --level "$v"
    vec plot "$GOOD" -o fig.png --l-star "$v"
done
for v in "${BADINT[@]}"; do
    vec theory --norm derf --alpha 0.5 --depth "$v"
    vec measure --seeds "$v" --norm derf
    vec compare --width "$v" --norm derf
    vec alpha --target-J 10 --norm derf --depth "$v"
    vec alpha --target-J 10 --norm derf --width "$v"
    vec plot "$GOOD" -o fig.png --width "$v"
    vec sweep --norm derf --alpha 0.5 --depth "$v"
    vec sweep --norm derf --alpha 0.5 --depth 4 --width "$v"
    vec theory --kv-heads "$v" --depth 4
    vec theory --mlp-hidden "$v" --depth 4
done
for v in "${BADNUM[@]}" -5 1.5 18446744073709551616; do vec sweep --mode measure --seed "$v" --norm derf --alpha 0.5 --depth 2; done
for v in "${BADNUM[@]}" 0 1; do vec theory --rope "$v" --depth 4; done
for v in "${BADNUM[@]}" 0 -1; do vec theory --embed-scale "$v" --depth 4; done
for v in "${BADNUM[@]}" -1 2; do vec theory --norm-eps "$v" --depth 4; done
for v in "${BADNUM[@]}" 0; do vec theory --residual-scale "$v" --depth 4; done
for v in '' tanh causal; do vec theory --mlp "$v" --depth 4; done
for v in "${BADNUM[@]}" 1.5 1e2 -5 2147483648 '1,,2' ',1' '1,'; do vec measure --token-ids "$v" --width 16 --heads 1 --depth 1; done
for v in '' left bidirectional; do vec theory --attention-mask "$v" --depth 4; done
for v in "${BADNUM[@]}" -5 1.5 18446744073709551616; do vec measure --seed "$v" --norm derf; done
for v in "${BADNUM[@]}" -5 1.5 4294967296; do vec report --seed "$v" -o rep; done
for v in 0x10 '' 1e999 -1 ' 1G' 1X 1GG nan; do vec measure --max-memory "$v" --norm derf; done

# ---- repeated flags: the last one decides, never a crash or a leak ----
vec alpha --target-J 10 --norm derf --depth 12 --depth ''
vec alpha --target-J 10 --norm derf --depth 12 --depth 1.5
vec alpha --target-J 10 --norm derf --width 256 --width x
vec alpha --target-J 10 --norm derf --width 256 --width 64 --width ''
vec theory --norm derf --alpha 0.5 --alpha 0x10 --depth 4
vec theory --norm derf --alpha 0.5 --alpha '' --depth 4
vec theory --norm derf --depth 4 --depth 1.5
vec measure --alpha 0.5 --alpha nan --norm derf
vec compare --alpha 0.5 --alpha 1, --norm derf
vec sweep --norm derf --alpha 0.5 --alpha inf --depth 4
vec sweep --norm derf --alpha 0.5 --depth 4 --depth 0x4
vec plot "$GOOD" -o fig.png --width 300 --width 1e3
vec report --seed 1 --seed -1 -o rep

# ---- bad files ----
for f in "$T/missing.csv" "$F/empty.csv" "$F/binary.csv" "$F/truncated.csv" "$F/wrongcols.csv" \
         "$F/badquote.csv" "$F/ragged.csv" "$T"; do
    vec fit "$f" --column J_bwd -o out.csv
    vec plot "$f" -o fig.png
    [ "$f" = "$F/wrongcols.csv" ] || vec plot "$GOOD" "$f" -o fig.svg # (unused columns are ignored)
done

# ---- bad --config / --weights files (a model file as config, a CSV as model, cut models) ----
head -c 5000 models/stories260K.bin >"$F/cut.bin"
head -c 20 models/stories260K.bin >"$F/header.bin"
for f in "$T/missing.json" "$F/empty.csv" "$F/binary.csv" "$F/truncated.csv" "$F/cut.bin" \
         "$F/header.bin" "$T"; do
    vec theory --config "$f" --depth 4
    vec inspect --weights "$f"
done

# ---- bad -o ----
for o in "$T/nope/out.csv" adir '' ; do
    vec theory --norm derf --alpha 0.5 --depth 4 -o "$o"
    vec measure --norm derf --width 16 --heads 1 --depth 2 --tokens 4 --seeds 1 --probes 1 -o "$o"
    vec alpha --target-J 10 --norm derf --depth 8 -o "$o"
    vec fit "$GOOD" --column q -o "$o"
done
vec theory --norm derf --alpha 0.5 --depth 4 -o /dev/full -q
vec measure --norm derf --width 16 --heads 1 --depth 2 --tokens 4 --seeds 1 --probes 1 -o /dev/full -q
vec fit "$GOOD" --column q -o /dev/full -q
for o in "$T/nope/fig.png" '' fig.txt fig -; do vec plot "$GOOD" -o "$o"; done
mkdir -p "$W/adir.png"; BEFORE=$(snapshot)
vec plot "$GOOD" -o adir.png
for o in "$T/nope/rep" existing.csv ''; do vec report --scenario test -o "$o"; done

# ---- seeded generator: a number with one character no number has ----
python3 - "$T/gen" <<'EOF'
import random, sys
rng = random.Random(20261202)
bad = list("xXpP#@$%&_;?!gjkqzZ\t") + ["inf", "nan", "0x", " "]
with open(sys.argv[1], "w") as f:
    for _ in range(60):
        s = rng.choice(["1", "0.5", "12", "3e2", "1,2", "1:4:1", "-7", "8", "250"])
        i = rng.randrange(len(s) + 1)
        s = s[:i] + rng.choice(bad) + s[i:]
        f.write(s + "\n")
EOF
i=0
while IFS= read -r v; do
    case $((i % 6)) in
    0) vec theory --norm derf --alpha "$v" --depth 4 ;;
    1) vec theory --norm derf --alpha 0.5 --depth "$v" ;;
    2) vec alpha --target-J 10 --norm derf --depth "$v" ;;
    3) vec measure --probes "$v" --norm derf ;;
    4) vec sweep --norm derf --alpha "$v" --depth 4 ;;
    5) vec plot "$GOOD" -o fig.png --height "$v" ;;
    esac
    i=$((i + 1))
done <"$T/gen"

[ "$(find "$T" -name '*.tmp.*' | wc -l)" -eq 0 ] && ok || bad "temporary files left under $T"
echo "$n vectors"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
