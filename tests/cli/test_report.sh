#!/usr/bin/env bash
# CLI test of `sigprop report`: the tiny 'test' scenario writes OUT/index.html,
# atomically (no OUT.tmp.* left, an old report replaced whole), with at least six
# figures that are valid PNGs, each one embedded in index.html as a data URI and
# referenced by name; the tables and provenance sections are there; a step that
# is not available is reported in the HTML, not fatal; usage errors exit 2.
set -u
S=${1:?usage: test_report.sh path/to/sigprop}
S=$(cd "$(dirname "$S")" && pwd)/$(basename "$S")
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0; pass=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*" >&2; fail=$((fail + 1)); }
cd "$T"

out=$("$S" report --scenario test -o rep -q --seed 7 2>err.txt)
rc=$?
[[ $rc -eq 0 ]] && ok || bad "report exit $rc: $(cat err.txt)"
[[ $out == rep/index.html ]] && ok || bad "stdout should be the index path, got '$out'"
[[ ! -s err.txt ]] && ok || bad "-q but stderr: $(cat err.txt)"
[[ -s rep/index.html ]] && ok || bad "no rep/index.html"
ls -d rep.tmp.* >/dev/null 2>&1 && bad "temporary folder left behind" || ok

# figures: at least six, valid PNGs, each embedded and referenced
n=0
for f in rep/figures/*.png; do
  [[ -e $f ]] || continue
  n=$((n + 1))
  name=$(basename "$f")
  sig=$(head -c 8 "$f" | od -An -tx1 | tr -d ' \n')
  [[ $sig == 89504e470d0a1a0a ]] && ok || bad "$name is not a PNG"
  [[ $(head -c 16 "$f" | tail -c 4) == IHDR ]] && ok || bad "$name has no IHDR"
  w=$(head -c 20 "$f" | tail -c 4 | od -An -tu1 | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  h=$(head -c 24 "$f" | tail -c 4 | od -An -tu1 | awk '{print $1*16777216+$2*65536+$3*256+$4}')
  [[ "$w $h" == "1200 800" ]] && ok || bad "$name is ${w}x$h, want 1200x800"
  grep -q "data-figure=\"$name\"" rep/index.html && ok || bad "index.html does not reference $name"
  # the embedded copy is the file itself
  { printf 'data:image/png;base64,'; base64 -w0 "$f"; printf '"\n'; } > pattern.txt
  grep -qF -f pattern.txt rep/index.html && ok || bad "$name is not embedded"
done
[[ $n -ge 6 ]] && ok || bad "only $n figures, want at least 6"
# every data URI in the page is one of the figures
uris=$(grep -o 'data:image/png;base64,' rep/index.html | wc -l)
[[ $uris -eq $n ]] && ok || bad "$uris embedded images but $n figure files"

# sections and tables
for s in theory toy phase measure fits alpha config provenance; do
  grep -q "<section id=\"$s\">" rep/index.html && ok || bad "no section $s"
done
grep -q 'master seed</th><td class=l>7<' rep/index.html && ok || bad "seed not in provenance"
grep -q '<th class=l>git commit</th>' rep/index.html && ok || bad "no git hash"
grep -q 'sigprop theory --preset blog2' rep/index.html && ok || bad "commands not listed"
grep -q '<td class=l>subcritical</td>' rep/index.html && ok || bad "theory summary table missing"
for f in theory.csv summary.csv toy.csv alpha.csv; do
  [[ -s rep/data/$f ]] && ok || bad "rep/data/$f missing"
done
# a failed step (if any) is reported in the HTML, with its reason
if grep -q 'FAILED\|failed' rep/index.html; then
  grep -q 'class="unavailable"' rep/index.html && ok || bad "a failed step has no 'not available' note"
fi
# every figure's caption names its shape and the theory version (issue 10)
ncap=$(grep -c '<figcaption>' rep/index.html)
nshape=$(grep '<figcaption>' rep/index.html | grep -c 'Shape: .*version')
[[ $ncap -ge 6 && $ncap -eq $nshape ]] && ok || bad "$((ncap - nshape)) of $ncap captions do not name their shape and version"
grep -A2 'data-figure="alpha.png"' rep/index.html | grep -q 'alpha on a linear axis' && ok || bad "alpha caption does not describe its axes"
grep -A2 'data-figure="apjn_measured.png"' rep/index.html | grep -q 'd = 32, n = 8, L = 8; 1 weight draw(s) x 2 probes, master seed 7' && ok || bad "measured caption lacks its shape"
# the toy table never shows a negative (meaningless) l* estimate; alpha 1.3 says n/a and why
toy=$(sed -n '/<section id="toy">/,/<\/section>/p' rep/index.html)
grep -q '<td>-' <<<"$toy" && bad "toy table prints a negative value" || ok
grep -q 'n/a (&alpha; &ge; 1' <<<"$toy" && ok || bad "toy table: no n/a reason for alpha >= 1"
# both lambdas explained: the summary's is asymptotic, the fit's effective
grep -q 'asymptotic)</th>' rep/index.html && grep -q 'fitted (effective' rep/index.html && ok || bad "lambda columns not told apart"
# the published values come from the reference table: blog2 pre-LN at L = 128 only
grep -q '<th>published J<sup>128,0</sup></th>' rep/index.html && ok || bad "no published-values column"

# progress: one line per step on stderr, with the step's and the run's time
"$S" report --scenario test -o prog --skip measure 2>prog.txt >/dev/null
nl=$(grep -c '^sigprop: report: \[ *[0-9]*\] .*\(ok  *[0-9.]*s (total [0-9.]*s)\|skipped\)$' prog.txt)
nsteps=$(grep -c '<tr><td>[0-9]*</td><td class=l>' prog/index.html)
[[ $nl -eq $nsteps && $nsteps -gt 10 ]] && ok || bad "progress: $nl step lines for $nsteps steps: $(head -3 prog.txt)"
grep -q $'\r' prog.txt && bad "progress bar drawn although stderr is not a terminal" || ok
if command -v script >/dev/null 2>&1; then
  # on a terminal each step's line is redrawn (\r, clear to end of line)
  script -qc "'$S' report --scenario test -o progtty" /dev/null > tty.txt 2>&1
  grep -q $'\r\033\[Ksigprop: report: \[ 1\]' tty.txt && ok || bad "no redrawn progress line on a terminal"
  script -qc "'$S' report --scenario test -o progtty -q" /dev/null > ttyq.txt 2>&1
  grep -q 'sigprop: report: \[' ttyq.txt && bad "-q on a terminal still shows progress" || ok
fi

# no external resources: self-contained
grep -Eq '(src|href)="(https?:)?//' rep/index.html && bad "external reference in index.html" || ok

# a second run replaces the report whole
echo stale > rep/stale.txt
"$S" report --scenario test -o rep -q >/dev/null 2>&1 && ok || bad "second run failed"
[[ ! -e rep/stale.txt ]] && ok || bad "old report not replaced"
ls -d rep.old.* rep.tmp.* >/dev/null 2>&1 && bad "leftover folders after replace" || ok

# --skip: the skipped steps become "not available" notes, the rest is still there
"$S" report --scenario test -o skipped -q --skip measure >/dev/null 2>err.txt; rc=$?
[[ $rc -eq 0 ]] && ok || bad "--skip measure exit $rc: $(cat err.txt)"
grep -q 'class="unavailable"' skipped/index.html && ok || bad "skipped measurement not reported"
grep -q 'skipped (--skip measure)' skipped/index.html && ok || bad "skip reason missing"
n2=$(ls skipped/figures/*.png 2>/dev/null | wc -l)
[[ $n2 -ge 6 ]] && ok || bad "theory-only report has $n2 figures, want at least 6"
[[ ! -e skipped/data/measure.csv ]] && ok || bad "a measurement was written despite --skip"
"$S" report --scenario test -o skipped2 -q --skip measure --strict >/dev/null 2>&1
[[ $? -eq 1 ]] && ok || bad "--strict with a skipped step should exit 1"
[[ -s skipped2/index.html ]] && ok || bad "--strict should still write the report"
"$S" report --scenario test -o x -q --skip bogus 2>/dev/null; [[ $? -eq 2 ]] && ok || bad "bad --skip should exit 2"

# usage errors
"$S" report --scenario nope -o x 2>/dev/null; [[ $? -eq 2 ]] && ok || bad "bad scenario should exit 2"
"$S" report --seed -3 2>/dev/null; [[ $? -eq 2 ]] && ok || bad "bad seed should exit 2"
"$S" report extra 2>/dev/null; [[ $? -eq 2 ]] && ok || bad "extra argument should exit 2"
[[ ! -e x ]] && ok || bad "a usage error created the output"
echo file > notadir
"$S" report --scenario test -o notadir -q 2>"$T/err.notadir"; [[ $? -eq 2 ]] && ok || bad "output that is a file should exit 2 (usage)"
grep -q "^sigprop: error: -o: .notadir. exists and is not a folder" "$T/err.notadir" && ok || bad "the error names the file"
"$S" report --scenario test -o nodir/sub -q 2>/dev/null; [[ $? -eq 2 ]] && ok || bad "a missing parent folder should exit 2"
"$S" report --help | grep -q '^Example:' && ok || bad "help has no Example line"

# -o DIR replaces only an earlier report or an empty folder; anything else is
# refused (exit 2) before any step runs, and left as it was
grep -qF '<meta name="generator" content="sigprop report">' rep/index.html && ok || bad "no generator tag in index.html"
FAST=(--scenario test -q --skip measure,alpha,fit,plot,phase,toy)
mkdir mine; echo keep > mine/mine.txt
"$S" report "${FAST[@]}" -o mine >/dev/null 2>err.txt; rc=$?
[[ $rc -eq 2 ]] && ok || bad "a folder that is not a report: exit $rc, want 2"
[[ $(cat mine/mine.txt 2>/dev/null) == keep ]] && ok || bad "a folder that is not a report was deleted"
grep -q -- '--force' err.txt && ok || bad "the refusal does not mention --force"
ls -d mine.tmp.* mine.old.* >/dev/null 2>&1 && bad "refused run left folders" || ok
"$S" report "${FAST[@]}" -o mine/ >/dev/null 2>&1; [[ $? -eq 2 && -e mine/mine.txt ]] && ok || bad "-o mine/ not refused"
"$S" report "${FAST[@]}" -o mine --force >/dev/null 2>err.txt; rc=$?
[[ $rc -eq 0 && ! -e mine/mine.txt && -s mine/index.html ]] && ok || bad "--force: exit $rc, should replace the folder: $(cat err.txt)"
mkdir empty
"$S" report "${FAST[@]}" -o empty >/dev/null 2>err.txt; rc=$?
[[ $rc -eq 0 && -s empty/index.html ]] && ok || bad "an empty folder: exit $rc: $(cat err.txt)"
# never the current folder or one above it, even with --force
mkdir -p sub/inner; echo keep > sub/keep.txt
for force in "" --force; do
  for d in . ./ .. / "$T" "$T/sub"; do
    (cd sub && "$S" report "${FAST[@]}" -o "$d" $force >/dev/null 2>../err.txt); rc=$?
    [[ $rc -eq 2 ]] && ok || bad "-o '$d' $force from $T/sub: exit $rc, want 2"
  done
done
[[ -e sub/keep.txt && -d sub/inner ]] && ok || bad "the current folder was touched"
ls -d sub/..tmp.* sub/.tmp.* ./*.tmp.* >/dev/null 2>&1 && bad "unsafe -o left folders" || ok

echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
