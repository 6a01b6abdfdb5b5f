#!/bin/bash
# CLI test of `sigprop alpha`: solutions fed back to `sigprop theory` reproduce
# their target (J to 1e-6 relative, the CSV has 10 digits), the ratio pair, the
# table over depths x widths and its fitted law, the unreachable-target message
# and the usage errors. Reference: SPEC 5, blog2 Derf alpha = 0.5 gives
# J^{128,0} = 56.721. Usage: test_alpha.sh SIGPROP
set -u
SP=${1:?usage: test_alpha.sh path/to/sigprop}
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
rel() { awk -v a="$1" -v b="$2" -v t="$3" 'BEGIN { d = (a - b) / b; if (d < 0) d = -d; exit !(d <= t) }'; }
col() { # col FILE NAME [ROW]: value of column NAME in data row ROW (default 1)
    awk -F, -v c="$2" -v r="${3:-1}" 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
        NR == r + 1 { print $h[c]; exit }' "$1"
}

"$SP" alpha --preset blog2 --norm derf --target-J 56.721 -q > "$T/a.csv"
check "target-J exits 0" "[ $? -eq 0 ]"
check "columns depth,width,alpha_attn,alpha_mlp,alpha,J_L0" \
    "head -1 '$T/a.csv' | grep -q '^depth,width,.*alpha_attn,alpha_mlp,alpha,J_L0'"
A=$(col "$T/a.csv" alpha)
check "blog2 J = 56.721 gives alpha = 0.5 (SPEC 5, 5 digits)" "rel $A 0.5 1e-4"
"$SP" theory --preset blog2 --norm derf --alpha "$A" --summary -q > "$T/th.csv"
check "fed back to theory: J_L0 = 56.721" "rel $(col "$T/th.csv" J_L0) 56.721 1e-6"

# ratio pair, LLaMA-like shape at fixed init std, budget 2x pre-LN
"$SP" alpha --norm derf --depth 32 --width 2048 --ratio 4 --budget-ratio 2 -q > "$T/r.csv"
AA=$(col "$T/r.csv" alpha_attn); AM=$(col "$T/r.csv" alpha_mlp)
check "ratio: alpha_attn = 4 alpha_mlp" "rel $AA $(awk -v m="$AM" 'BEGIN { printf "%.10g", 4 * m }') 1e-9"
check "budget: J_L0 = 2 J_preln" "rel $(col "$T/r.csv" J_over_preln) 2 1e-6"
"$SP" theory --norm derf --depth 32 --width 2048 --alpha-attn "$AA" --alpha-mlp "$AM" --summary -q > "$T/th2.csv"
check "ratio pair fed back to theory reproduces J_L0" "rel $(col "$T/th2.csv" J_L0) $(col "$T/r.csv" J_L0) 1e-6"
"$SP" theory --depth 32 --width 2048 --summary -q > "$T/th3.csv"
check "J_preln equals theory's pre-LN J_L0" "rel $(col "$T/th3.csv" J_L0) $(col "$T/r.csv" J_preln) 1e-9"

# table over depths x widths, law in JSON meta and on stderr
"$SP" alpha --norm derf --match preln --depth 12,24,48 --width 768,1024 --format json \
    > "$T/t.json" 2> "$T/t.err"
check "table: 6 rows, laws in meta" \
    "python3 -c \"import json,sys; d=json.load(open('$T/t.json')); sys.exit(not (len(d['data']) == 6 and len(d['meta']['laws']) == 5))\""
check "fitted law on stderr" "grep -q 'alpha = .* \* depth^-' '$T/t.err'"
check "deeper needs smaller alpha (SPEC 3.5)" \
    "python3 -c \"import json,sys; r=json.load(open('$T/t.json'))['data']; a=[x['alpha'] for x in r if x['width']==768]; sys.exit(not (a[0] > a[1] > a[2]))\""

# --verify-width: a narrower copy for cost, with the same sigmas (d = 64, n = 16);
# what differs is said on stderr and in the output
"$SP" alpha --norm derf --target-J 3 --depth 12 --width 256 --tokens 16 --init-std 0.05 \
    --verify --verify-width 64 --probes 8 > "$T/v.csv" 2> "$T/v.err"
check "--verify exits 0 with verify columns" "[ $? -eq 0 ] && head -1 '$T/v.csv' | grep -q ',J_L0_measured,J_L0_se,measured_over_theory,verify_heads,verify_input,verify_differs,verify_lo,verify_hi,verify_pass\$'"
check "--verify: measured J^{L,0} within 20% of theory at d = 64" \
    "awk -v r=$(col "$T/v.csv" measured_over_theory) 'BEGIN { exit !(r > 0.8 && r < 1.2) }'"
check "--verify: verify_width 64, heads kept (4 divide 64), passed" \
    "[ $(col "$T/v.csv" verify_width) = 64 ] && [ $(col "$T/v.csv" verify_heads) = 4 ] && [ $(col "$T/v.csv" verify_pass) = 1 ]"
check "--verify-width: the difference in the output" "[ \"$(col "$T/v.csv" verify_differs)\" = 'width 256 -> 64' ]"
check "--verify-width: the difference on stderr" "grep -q 'reduced network: width 256 -> 64' '$T/v.err'"

# --verify without --verify-width: exactly the recommended network (issue 9: it
# used to verify 256 wide with tokens capped at the width)
"$SP" alpha --norm derf --target-J 3 --depth 12 --width 64 --tokens 16 --heads 2 --init-std 0.05 \
    --verify --probes 8 > "$T/e.csv" 2> "$T/e.err"
check "exact verify exits 0" "[ $? -eq 0 ]"
check "exact verify: same width, tokens and heads, nothing differs" \
    "[ $(col "$T/e.csv" verify_width) = 64 ] && [ $(col "$T/e.csv" verify_tokens) = 16 ] && [ $(col "$T/e.csv" verify_heads) = 2 ] && [ $(col "$T/e.csv" verify_differs) = none ]"
check "exact verify: the theory of the verified network is the target" "rel $(col "$T/e.csv" J_L0_verify_theory) 3 1e-9"
check "exact verify: stderr says as recommended" "grep -q 'as recommended, n = 16, d = 64' '$T/e.err'"
# more tokens than width: all of them, through a Gaussian input of the same covariance
"$SP" alpha --norm derf --target-J 3 --depth 12 --width 32 --tokens 64 --init-std 0.05 \
    --verify --probes 8 -q > "$T/g.csv"
check "tokens > width: verified with all 64 tokens, Gaussian input" \
    "[ $? -eq 0 ] && [ $(col "$T/g.csv" verify_tokens) = 64 ] && [ $(col "$T/g.csv" verify_input) = gaussian ]"

# a failed verification exits 1 with the numbers (d = 16, L = 48: finite width
# pulls J^{L,0} far below the mean field); the table still says which failed
"$SP" alpha --norm derf --target-J 30 --depth 48 --width 256 --tokens 16 --init-std 0.05 \
    --verify --verify-width 16 --probes 8 -q > "$T/f.csv" 2> "$T/f.err"
check "failed verify exits 1" "[ $? -eq 1 ]"
check "failed verify: one error line with measured, theory and the accepted interval" \
    "grep -q '^sigprop: error: verification failed at 1 of 1 network(s).*measured [0-9.]* +- [0-9.]*, theory 30, accepted \\[' '$T/f.err'"
check "failed verify: verify_pass 0 in the table" "[ $(col "$T/f.csv" verify_pass) = 0 ]"
"$SP" alpha --norm derf --target-J 30 --depth 48 --width 256 --tokens 16 --init-std 0.05 \
    --verify --verify-width 16 --probes 8 --verify-tol 2 -q > /dev/null 2>&1
check "the same within a stated tolerance of 200% exits 0" "[ $? -eq 0 ]"

# memory and time are checked before any work (exit 2 with the numbers)
"$SP" alpha --norm derf --target-J 3 --depth 12 --width 64 --tokens 16 --verify --max-memory 1k \
    -q > "$T/m.csv" 2> "$T/m.err"
check "--verify over --max-memory exits 2, nothing written" \
    "[ $? -eq 2 ] && [ ! -s '$T/m.csv' ] && grep -q 'needs about [0-9.]* MB of memory' '$T/m.err'"
"$SP" alpha --norm derf --target-J 3 --depth 128 --width 1024 --tokens 256 --verify --max-time 0.001 \
    -q > "$T/mt.csv" 2> "$T/mt.err"
check "--verify over --max-time exits 2" \
    "[ $? -eq 2 ] && [ ! -s '$T/mt.csv' ] && grep -q 'verification needs about .* s (.* GFLOP' '$T/mt.err'"
"$SP" alpha --model toy --norm derf --target-J 3 --depth 12 --verify -q > /dev/null 2>&1
check "--verify of the toy model is refused (exit 2), not skipped" "[ $? -eq 2 ]"

# unreachable target: J < 1
"$SP" alpha --norm derf --target-J 0.5 2> "$T/u.err" > /dev/null
check "unreachable target exits 1" "[ $? -eq 1 ]"
check "unreachable target prints the reachable range" "grep -q 'reachable range' '$T/u.err'"

# both alphas: each sublayer kind's share of log J^{L,0} equals pre-LN's; the
# pair fed back to `theory --sublayers` gives the same shares and J_L0
"$SP" alpha --norm dyt --match preln-per-side --depth 16 --width 1024 --mlp-ratio 3 \
    --tokens 256 -q > "$T/s.csv"
check "per-side exits 0 with the share columns" \
    "[ $? -eq 0 ] && head -1 '$T/s.csv' | grep -q 'logJ_attn,logJ_mlp,logJ_attn_preln,logJ_mlp_preln,sweeps'"
check "per-side: attention share equals pre-LN's" \
    "rel $(col "$T/s.csv" logJ_attn) $(col "$T/s.csv" logJ_attn_preln) 1e-6"
check "per-side: MLP share equals pre-LN's" \
    "rel $(col "$T/s.csv" logJ_mlp) $(col "$T/s.csv" logJ_mlp_preln) 1e-6"
SA=$(col "$T/s.csv" alpha_attn); SM=$(col "$T/s.csv" alpha_mlp)
check "per-side: ratio is the solved alpha_attn / alpha_mlp" \
    "rel $(col "$T/s.csv" ratio) $(awk -v a="$SA" -v m="$SM" 'BEGIN { printf "%.10g", a / m }') 1e-8"
"$SP" theory --norm dyt --depth 16 --width 1024 --mlp-ratio 3 --tokens 256 --alpha-attn "$SA" \
    --alpha-mlp "$SM" --sublayers -q > "$T/s_th.csv"
AT=$(awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) h[$i] = i; next }
    { v = $h["logJ_fwd"]; if (NR > 2) { if ((NR - 2) % 2) a += v - prev; else m += v - prev }; prev = v }
    END { printf "%.10g %.10g %.10g", a, m, prev }' "$T/s_th.csv")
set -- $AT
check "per-side pair fed back: attention share" "rel $1 $(col "$T/s.csv" logJ_attn) 1e-6"
check "per-side pair fed back: MLP share" "rel $2 $(col "$T/s.csv" logJ_mlp) 1e-6"
check "per-side pair fed back: J_L0 equals J_preln" "rel $(awk -v x="$3" 'BEGIN { printf "%.10g", exp(x) }') $(col "$T/s.csv" J_preln) 1e-6"
"$SP" alpha --norm dyt --match preln-per-side --ratio 2 --depth 8 2> "$T/sr.err" > /dev/null
check "per-side with --ratio exits 2 and says why" "[ $? -eq 2 ] && grep -q 'solves for alpha_attn' '$T/sr.err'"
"$SP" alpha --match prelnx 2> "$T/sm.err" > /dev/null
check "--match with an unknown value exits 2" "[ $? -eq 2 ] && grep -q 'preln-per-side' '$T/sm.err'"
# SwiGLU at the 7B sigmas under DyT: c* = 0 (docs/derivations/mlp.md §5), so lambda is a number
"$SP" alpha --preset llama2-7b --norm dyt --attention-mask none --match preln-per-side --depth 4 2>/dev/null > "$T/cz.csv"
check "per-side at llama2-7b under dyt: exit 0 and a finite lambda" \
    "[ $? -eq 0 ] && rel \"\$(col '$T/cz.csv' lambda)\" 0.0481 0.01"
"$SP" alpha --preset llama2-7b --norm dyt --match preln-per-side --depth 4 2> "$T/sc.err" > /dev/null
check "a theory that does not cover the network: exit 1 with the theory's reason" \
    "[ $? -eq 1 ] && grep -q 'CPU hours of pair quadratures at n = 1024 tokens' '$T/sc.err'"

# usage errors
"$SP" alpha --norm derf 2>/dev/null; check "no target exits 2" "[ $? -eq 2 ]"
"$SP" alpha --target-J 5 --match preln 2>/dev/null; check "two targets exit 2" "[ $? -eq 2 ]"
"$SP" alpha --norm ln --target-J 5 2>/dev/null; check "--norm ln exits 2" "[ $? -eq 2 ]"
"$SP" alpha --norm derf --target-J 3 --depth 12 --width 256 --tokens 16 --verify \
    --verify-width 512 -q > "$T/vw.csv" 2> "$T/vw.err"
check "--verify-width above --width exits 2" "[ $? -eq 2 ] && grep -q 'verify-width 512' '$T/vw.err'"
"$SP" alpha --norm derf --target-J 3 --depth 12 --width 256,64 --tokens 16 --verify \
    --verify-width 128 -q > /dev/null 2>&1
check "--verify-width above one width of the list exits 2" "[ $? -eq 2 ]"
"$SP" alpha --match preln --depth 12 -o /nonexistent-dir/a.csv 2>/dev/null
check "an unwritable -o is a usage error before any work" "[ $? -eq 2 ]"
"$SP" alpha --help > "$T/help.txt"
check "help says --alpha is the initial guess in alpha" \
    "grep -q \"In 'sigprop alpha', --alpha is the search's initial guess\" '$T/help.txt'"
"$SP" alpha --help | grep -q '^Example:'; check "help ends with an example" "[ $? -eq 0 ]"
exit $fail
