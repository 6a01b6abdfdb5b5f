#!/bin/bash
# CLI test of `sigprop sweep` correctness: the rows carry every setting that
# changes them and a resume with other settings is refused (exit 2, naming the
# setting, file left byte for byte); one writer per file (a lock, no lock file
# left); grid sizes are checked (overflow, a stated limit) before anything is
# built; axes that do not change the rows are refused; -o is checked like other
# commands' (a directory, a missing directory, '' are usage errors) and
# /dev/null works; the grid and result columns are the bytes of the stored
# fixture tests/data/sweep_blog2.csv. Usage: test_sweep_settings.sh SIGPROP
. "$(dirname "$0")/lib.sh"
D=$(dirname "$0")/../data

# the stored fixture, apart from the setting columns (15..28 in theory mode)
{ "$SP" sweep --preset blog2 --norm derf --alpha 0.2:1.2:0.2 --depth 4,8,16,32,64 -q
  "$SP" sweep --preset blog2 --norm ln --depth 4,8,16,32,64 -q | tail -n +2; } |
    cut -d, -f1-14,29- > "$TMP/fixture.csv"
if cmp -s "$TMP/fixture.csv" "$D/sweep_blog2.csv"; then ok; else bad "grid/result columns differ from tests/data/sweep_blog2.csv"; fi
"$SP" sweep --norm derf --alpha 0.5 --depth 4 -q > "$TMP/h.csv"
expect_grep '^i,model,version,norm,alpha,alpha_attn,alpha_mlp,depth,width,tokens,init_std,q0,p0,sigma_w,shift_attn,shift_mlp,sigma_q,sigma_k,sigma_v,sigma_o,sigma_1,sigma_2,phi,mu,sigma_b,attention,apjn,cn,q_L,' "$TMP/h.csv"

# D4: a resume with other settings is refused, naming the setting
G=(--norm derf --alpha 0.3,0.6 --depth 4,8,16)
"$SP" sweep "${G[@]}" -o "$TMP/full.csv" -q
head -c $(($(wc -c < "$TMP/full.csv") / 2)) "$TMP/full.csv" > "$TMP/part.csv"
cp "$TMP/part.csv" "$TMP/part.orig"
usage_error "$SP" sweep "${G[@]}" --shift 1 -o "$TMP/part.csv" -q
expect_grep 'shift_attn = 0, this sweep has shift_attn = 1' "$TMP/err"
if cmp -s "$TMP/part.csv" "$TMP/part.orig"; then ok; else bad "--shift resume changed the file"; fi
usage_error "$SP" sweep "${G[@]}" --attention softmax -o "$TMP/part.csv" -q
expect_grep 'this sweep has version = custom' "$TMP/err"
usage_error "$SP" sweep "${G[@]}" --alpha-attn 0.2 -o "$TMP/part.csv" -q
expect_grep 'alpha_attn = 0.3, this sweep has alpha_attn = 0.2' "$TMP/err"
if cmp -s "$TMP/part.csv" "$TMP/part.orig"; then ok; else bad "--alpha-attn resume changed the file"; fi
usage_error "$SP" sweep "${G[@]}" --width 512 -o "$TMP/part.csv" -q
expect_grep 'width = 1024, this sweep has width = 512' "$TMP/err"
if cmp -s "$TMP/part.csv" "$TMP/part.orig"; then ok; else bad "--attention resume changed the file"; fi
expect_status 0 "$SP" sweep "${G[@]}" -o "$TMP/part.csv" -q
if cmp -s "$TMP/part.csv" "$TMP/full.csv"; then ok; else bad "same-settings resume differs"; fi
# measure mode: seed, probes, heads, activation are settings
M=(--mode measure --norm derf --alpha 0.5,1 --width 64 --tokens 16 --init-std 0.1 --depth 2,4 --threads 1)
"$SP" sweep "${M[@]}" -o "$TMP/m.csv" -q
head -2 "$TMP/m.csv" > "$TMP/mpart.csv"
cp "$TMP/mpart.csv" "$TMP/mpart.orig"
for s in "--seed 2:seed" "--probes 8:probes" "--heads 2:heads" "--activation gelu:activation" \
         "--input gaussian:input"; do
    flag=${s%%:*}
    usage_error "$SP" sweep "${M[@]}" $flag -o "$TMP/mpart.csv" -q
    expect_grep "computed with ${s##*:} = .*, this sweep has ${s##*:} = " "$TMP/err"
    if cmp -s "$TMP/mpart.csv" "$TMP/mpart.orig"; then ok; else bad "$flag resume changed the file"; fi
done
expect_status 0 "$SP" sweep "${M[@]}" -o "$TMP/mpart.csv" -q
if cmp -s "$TMP/mpart.csv" "$TMP/m.csv"; then ok; else bad "measure resume differs"; fi
expect_grep ',heads,mlp_ratio,activation,final_norm,seed,seeds,probes,input,' "$TMP/m.csv"

# D5: two writers on one file: exactly one succeeds, the file is valid and resumable
B=(--norm derf --alpha 0.02:3:0.02 --depth 500:3000:500 --batch 1)
"$SP" sweep "${B[@]}" -o "$TMP/ref.csv" -q
"$SP" sweep "${B[@]}" -o "$TMP/two.csv" -q 2> "$TMP/w1.err" & p1=$!
"$SP" sweep "${B[@]}" -o "$TMP/two.csv" -q 2> "$TMP/w2.err" & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
if { [ $r1 -eq 0 ] && [ $r2 -ne 0 ]; } || { [ $r1 -ne 0 ] && [ $r2 -eq 0 ]; }; then ok; else bad "two writers: exits $r1 and $r2 (want one 0)"; fi
if [ $r1 -eq 0 ]; then E=$TMP/w2.err; rr=$r2; else E=$TMP/w1.err; rr=$r1; fi
if [ "$rr" -eq 1 ]; then ok; else bad "the refused writer exits $rr (want 1)"; fi
expect_grep "is being written by another sigprop (pid [0-9]*)" "$E"
if cmp -s "$TMP/two.csv" "$TMP/ref.csv"; then ok; else bad "two writers: file differs from one writer's"; fi
expect_status 0 "$SP" sweep "${B[@]}" -o "$TMP/two.csv" -q --resume
if cmp -s "$TMP/two.csv" "$TMP/ref.csv"; then ok; else bad "file not resumable after two writers"; fi
if [ -z "$(ls "$TMP" | grep -v -e '\.csv$' -e '\.err$' -e '\.orig$' -e '^out$' -e '^err$')" ]; then ok; else bad "files left behind: $(ls "$TMP")"; fi
# a writer holding the lock (resume of an unfinished file) refuses a --force too
head -3 "$TMP/ref.csv" > "$TMP/lk.csv"
"$SP" sweep "${B[@]}" -o "$TMP/lk.csv" -q & p1=$!
for _ in $(seq 50); do [ "$(wc -l < "$TMP/lk.csv")" -gt 3 ] && break; sleep 0.05; done
if kill -0 $p1 2>/dev/null; then
    expect_status 1 "$SP" sweep "${B[@]}" -o "$TMP/lk.csv" --force -q
    expect_grep "is being written by another sigprop (pid $p1)" "$TMP/err"
fi
wait $p1
if cmp -s "$TMP/lk.csv" "$TMP/ref.csv"; then ok; else bad "--force during a run damaged the file"; fi

# D6: 8 axes of 256 values overflow; D8: 9 x 10^7 points are over the limit
L256=0:255:1
usage_error "$SP" sweep --norm derf --alpha 1:256:1 --width 64:16384:64 --init-std 0.001:0.256:0.001 \
    --tokens $((1)):256:1 --q0 1:256:1 --p0 $L256 --sigma-w $L256 --depth 1:256:1 -o "$TMP/ovf.csv"
expect_grep "overflows\|more points than" "$TMP/err"
[ ! -e "$TMP/ovf.csv" ] && ok || bad "overflowing grid wrote a file"
usage_error "$SP" sweep --norm derf --alpha 0.0001:9:0.0001 --depth 1:1000:1 -o "$TMP/big.csv"
expect_grep "90000000 points (90000 configurations x 1000 depths), over the limit of 10000000" "$TMP/err"
[ ! -e "$TMP/big.csv" ] && ok || bad "oversized grid wrote a file"

# D3: axes that do not change the rows
usage_error "$SP" sweep --model toy --width 16,32 --depth 4
expect_grep "--width does not change the rows" "$TMP/err"
usage_error "$SP" sweep --model toy --tokens 4,8 --depth 4
expect_grep "--tokens applies to the transformer, not to --model toy" "$TMP/err"
usage_error "$SP" sweep --norm derf --alpha 0.5,0.5 --depth 4
expect_grep "--alpha: a value is given twice" "$TMP/err"
usage_error "$SP" sweep --norm derf --alpha 0.5 --depth 4,4
expect_status 0 "$SP" sweep --model toy --sigma-w 0.5,1 --depth 4 -q

# D10: -o checks as other commands; /dev/null works
usage_error "$SP" sweep --norm ln --depth 4 -o "$TMP"
expect_grep "is a directory" "$TMP/err"
usage_error "$SP" sweep --norm ln --depth 4 -o "$TMP/nodir/x.csv"
usage_error "$SP" sweep --norm ln --depth 4 -o ''
expect_status 0 "$SP" sweep --norm ln --depth 4 -o /dev/null -q
# a full device: exit 1 with the reason, to -o and to stdout
if [ -w /dev/full ]; then
    expect_status 1 "$SP" sweep --norm ln --depth 4 -o /dev/full -q
    expect_grep "No space left" "$TMP/err"
    "$SP" sweep --norm ln --depth 4 -q > /dev/full 2> "$TMP/err"
    if [ $? -eq 1 ]; then ok; else bad "stdout on /dev/full: not exit 1"; fi
    expect_grep "writing stdout failed" "$TMP/err"
fi
finish
