#!/usr/bin/env bash
# Output files and messages of the robustness fixes: plot writes through the
# same atomic output as every table (the umask's mode, an existing file keeps
# its mode, a symbolic link keeps pointing at the replaced file), a missing -o
# folder is a usage error naming it, and list-flag errors quote the value given.
set -u
SP=${1:?usage: test_outputs.sh path/to/sigprop}
case $SP in /*) ;; *) SP=$PWD/$SP ;; esac
D=$PWD/tests/data
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
cd "$T" || exit 1
umask 022

"$SP" plot "$D/theory_blog2_L32.csv" -o new.png -q && ok || bad "plot new.png"
[ "$(stat -c %a new.png)" = 644 ] && ok || bad "new figure has mode $(stat -c %a new.png), want 644 (umask 022)"
cp new.png kept.png && chmod 640 kept.png
"$SP" plot "$D/theory_blog2_L32.csv" -o kept.png -q && ok || bad "plot kept.png"
[ "$(stat -c %a kept.png)" = 640 ] && ok || bad "existing figure's mode not kept: $(stat -c %a kept.png)"
ln -s kept.png link.png
"$SP" plot "$D/theory_blog2_L32.csv" -o link.svg -q && ok || bad "plot link.svg"
"$SP" plot "$D/theory_blog2_L32.csv" -o link.png -q && ok || bad "plot through a link"
[ -L link.png ] && [ "$(readlink link.png)" = kept.png ] && ok || bad "the link was replaced"

"$SP" plot "$D/theory_blog2_L32.csv" -o /nonexistent/x.png 2>err; rc=$?
[ "$rc" -eq 2 ] && ok || bad "plot -o /nonexistent/x.png: exit $rc, want 2"
grep -q "^sigprop: error: -o: directory '/nonexistent'" err && ok || bad "message does not name the folder: $(cat err)"

"$SP" alpha --target-J 10 --norm derf --depth 1.5 2>err; rc=$?
[ "$rc" -eq 2 ] && ok || bad "--depth 1.5: exit $rc"
grep -q "^sigprop: error: --depth: '1.5' is not an integer$" err && ok || bad "--depth 1.5: $(head -1 err)"
"$SP" theory --norm derf --alpha 0x10 --depth 2 2>err; rc=$?
[ "$rc" -eq 2 ] && grep -q "'0x10' is not a decimal number" err && ok || bad "--alpha 0x10: exit $rc $(head -1 err)"
"$SP" alpha --target-J 10 --norm derf --depth 12 --depth '' 2>err; rc=$?
[ "$rc" -eq 2 ] && ok || bad "repeated --depth: exit $rc"
[ -z "$(find . -name '*.tmp.*')" ] && ok || bad "temporaries left"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
