#!/bin/bash
# CLI test of `sigprop sweep`: rows agree with `sigprop theory --summary`
# (SPEC 5: blog2 Derf 0.5 at L = 128 gives J^{128,0} = 56.721), the output does
# not depend on the thread count or the batch size, and an interrupted sweep
# resumes to a file byte-identical to an uninterrupted one: cut at many byte
# offsets (torn lines included), and killed mid-run. Usage: test_sweep.sh SIGPROP
set -u
SP=${1:?usage: test_sweep.sh path/to/sigprop}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
# colno NAME FILE: the position of column NAME in FILE's header
colno() { head -1 "$2" | tr ',' '\n' | grep -nx -- "$1" | cut -d: -f1; }
rel() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = (a - b) / b; if (d < 0) d = -d; exit !(d <= t) }'; }

GRID=(--norm ln,derf --alpha 0.2,0.6,1.4 --depth 8,32,128 --width 512,1024)
"$SP" sweep "${GRID[@]}" -o "$T/full.csv" -q
check "sweep -o exits 0" "[ $? -eq 0 ]"
# ln has no alpha: 2 widths x (1 + 3) configurations x 3 depths
check "row count: 24 points + header" "[ $(wc -l < "$T/full.csv") -eq 25 ]"
check "header" "head -1 '$T/full.csv' | grep -q '^i,model,version,norm,alpha,alpha_attn,alpha_mlp,depth,width,.*J_L0,logJ_L0,phase,zeta,lambda,xi,l_star,status\$'"
check "grid index is 0..23 in order" "[ \"\$(cut -d, -f1 '$T/full.csv' | tail -n +2 | tr '\n' ' ')\" = \"\$(seq 0 23 | tr '\n' ' ')\" ]"
check "every point ok" "[ \$(tail -n +2 '$T/full.csv' | grep -vc ',ok\$') -eq 0 ]"

"$SP" sweep --norm dyt --alpha 0.5 --depth 16 -q > "$T/dyt.csv"
check "DyT point: subcritical, ok" "tail -1 '$T/dyt.csv' | grep -q ',subcritical,.*,ok\$'"

# agreement with the theory command on one point
"$SP" sweep --preset blog2 --norm derf --alpha 0.5 --depth 128 -q > "$T/one.csv"
J=$(awk -F, -v c="$(colno J_L0 "$T/one.csv")" 'NR == 2 { print $c }' "$T/one.csv")
check "blog2 Derf 0.5, L = 128: J_L0 = 56.721 (SPEC 5)" "rel $J 56.721 1e-4"
if "$SP" theory --preset blog2 --norm derf --alpha 0.5 --depth 64 --summary -q > "$T/th.csv" 2>/dev/null; then
    "$SP" sweep --preset blog2 --norm derf --alpha 0.5 --depth 64,128 -q > "$T/two.csv"
    check "depth 64 from the depth-128 run equals theory at depth 64" \
        "[ \"\$(awk -F, -v c=$(colno J_L0 "$T/th.csv") 'NR == 2 { print \$c }' '$T/th.csv')\" = \"\$(awk -F, -v c=$(colno J_L0 "$T/two.csv") 'NR == 2 { print \$c }' '$T/two.csv')\" ]"
fi

# stdout, thread count and batch size do not change the bytes
"$SP" sweep "${GRID[@]}" -q > "$T/stdout.csv"
check "stdout equals -o FILE" "cmp -s '$T/stdout.csv' '$T/full.csv'"
OMP_NUM_THREADS=1 "$SP" sweep "${GRID[@]}" --batch 1 -q > "$T/t1.csv"
check "1 thread, batch 1: same bytes" "cmp -s '$T/t1.csv' '$T/full.csv'"

# resume after a cut at many byte offsets (inside lines and at line ends)
size=$(wc -c < "$T/full.csv")
allok=1
for cut in 0 5 100 $((size / 3)) $((size / 2)) $((size / 2 + 1)) $((size - 40)) $((size - 1)) $size; do
    head -c "$cut" "$T/full.csv" > "$T/part.csv"
    "$SP" sweep "${GRID[@]}" -o "$T/part.csv" -q || allok=0
    cmp -s "$T/part.csv" "$T/full.csv" || { allok=0; echo "  differs after a cut at byte $cut"; }
done
check "resume after cuts at 9 offsets gives identical bytes" "[ $allok -eq 1 ]"
head -c $((size / 2)) "$T/full.csv" > "$T/part.csv"
"$SP" sweep "${GRID[@]}" -o "$T/part.csv" --resume -q
check "--resume: identical bytes" "cmp -s '$T/part.csv' '$T/full.csv'"

# kill a longer sweep mid-run (SIGKILL, no chance to clean up), then resume
BIG=(--norm derf --alpha 0.02:3:0.02 --depth 500:6000:500 --batch 1)
"$SP" sweep "${BIG[@]}" -o "$T/big_ref.csv" -q
"$SP" sweep "${BIG[@]}" -o "$T/big.csv" -q &
pid=$!
sleep 0.3
kill -9 $pid 2>/dev/null
wait $pid 2>/dev/null
echo "  killed after $(($(wc -l < "$T/big.csv") - 1)) of $(($(wc -l < "$T/big_ref.csv") - 1)) rows"
"$SP" sweep "${BIG[@]}" -o "$T/big.csv" -q
check "killed sweep resumes to identical bytes" "cmp -s '$T/big.csv' '$T/big_ref.csv'"

# measure mode: finite networks (width 64, 16 tokens), one run per configuration
MEAS=(--mode both --norm derf --alpha 0.5,1 --width 64 --tokens 16 --init-std 0.1 --depth 4,8,16 --probes 4)
"$SP" sweep "${MEAS[@]}" -o "$T/meas.csv" -q
check "measure mode exits 0, 6 rows" "[ $? -eq 0 ] && [ $(wc -l < "$T/meas.csv") -eq 7 ]"
check "measure columns present" "head -1 '$T/meas.csv' | grep -q ',J_L0_measured,J_L0_se,status\$'"
# finite width d = 64: the measured J^{L,0} within 25% of the theory's
check "measured J_L0 within 25% of theory" \
    "awk -F, -v m=$(colno J_L0_measured "$T/meas.csv") -v t=$(colno J_L0 "$T/meas.csv") 'NR > 1 { r = \$m / \$t; if (r < 0.75 || r > 1.25) bad = 1 } END { exit bad }' '$T/meas.csv'"
head -c $(($(wc -c < "$T/meas.csv") / 2)) "$T/meas.csv" > "$T/meas_part.csv"
"$SP" sweep "${MEAS[@]}" -o "$T/meas_part.csv" -q
check "measure mode resumes to identical bytes" "cmp -s '$T/meas_part.csv' '$T/meas.csv'"

# a file of another sweep is refused, --force overwrites it
"$SP" sweep --norm derf --alpha 0.3 --depth 8 -o "$T/full.csv" -q 2>/dev/null
check "another sweep's file: exit 1" "[ $? -eq 1 ]"
check "... and left untouched" "[ $(wc -l < "$T/full.csv") -eq 25 ]"
"$SP" sweep --norm derf --alpha 0.3 --depth 8 -o "$T/full.csv" --force -q
check "--force overwrites" "[ $(wc -l < "$T/full.csv") -eq 2 ]"

# a file that is not a sweep's output is refused (exit 1) and left byte for byte
# as it was, whatever its shape; an empty file counts as new
printf 'important notes\nline 2 no newline' > "$T/notes.txt"
printf 'one line, no newline' > "$T/one.txt"
printf '\000\001\002binary\n\377' > "$T/bin.dat"
for f in notes.txt one.txt bin.dat; do
    cp "$T/$f" "$T/$f.orig"
    "$SP" sweep --norm ln --depth 4 -o "$T/$f" -q 2>/dev/null
    check "foreign file $f: exit 1" "[ $? -eq 1 ]"
    check "foreign file $f: unchanged" "cmp -s '$T/$f' '$T/$f.orig'"
done
: > "$T/empty.csv"
"$SP" sweep --norm ln --depth 4 -o "$T/empty.csv" -q
check "an empty file is a new sweep" "[ $? -eq 0 ] && [ $(wc -l < "$T/empty.csv") -eq 2 ]"
# a foreign row after the right header: refused before the torn line is cut
{ head -1 "$T/empty.csv"; printf 'not a row\ntorn'; } > "$T/rows.csv"
cp "$T/rows.csv" "$T/rows.orig"
"$SP" sweep --norm ln --depth 4 -o "$T/rows.csv" -q 2>/dev/null
check "foreign row: exit 1, file unchanged" "[ $? -eq 1 ] && cmp -s '$T/rows.csv' '$T/rows.orig'"
"$SP" sweep --norm ln --depth 4 -o "$T/one.txt" --force -q
check "--force overwrites a foreign file" "[ $? -eq 0 ] && [ $(wc -l < "$T/one.txt") -eq 2 ]"

# measure mode checks every grid point up front as 'sigprop measure' does:
# a configuration too large for memory is a usage error naming the point
"$SP" sweep --norm derf --alpha 0.1,0.2 --depth 4 --mode measure --width 64,1000000 --tokens 16 \
    -o "$T/huge.csv" -q 2> "$T/huge.err"
check "measure mode, a point too large: exit 2" "[ $? -eq 2 ]"
check "... naming the point (width 1000000)" "grep -q 'i = 2.*,1000000,' '$T/huge.err'"
check "... before writing anything" "[ ! -e '$T/huge.csv' ]"
"$SP" sweep --norm derf --alpha 0.5 --depth 4 --mode measure --width 8 --tokens 16 -q \
    > /dev/null 2>&1
check "measure mode, tokens > width (equiangular): exit 2" "[ $? -eq 2 ]"

# usage errors
"$SP" sweep --resume 2>/dev/null; check "--resume without -o: exit 2" "[ $? -eq 2 ]"
"$SP" sweep --resume -o "$T/none.csv" -q 2>/dev/null; check "--resume of a missing file: exit 1" "[ $? -eq 1 ]"
"$SP" sweep --depth 1.5 2>/dev/null; check "non-integer depth: exit 2" "[ $? -eq 2 ]"
"$SP" sweep --norm relu 2>/dev/null; check "bad norm: exit 2" "[ $? -eq 2 ]"
"$SP" sweep --mode nonsense 2>/dev/null; check "bad mode: exit 2" "[ $? -eq 2 ]"
"$SP" sweep --help | grep -q '^Example:'; check "help ends with an example" "[ $? -eq 0 ]"
exit $fail
