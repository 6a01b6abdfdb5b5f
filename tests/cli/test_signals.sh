#!/usr/bin/env bash
# Signal test: `report`, `plot` and a long `theory -o` write are sent SIGINT or
# SIGTERM at a moment their temporary (DIR.tmp.PID/, OUT.tmp.PID) exists. Each
# must die by that signal (exit 128+N: the handler re-raises it), leave no
# *.tmp.* behind, and leave the pre-existing output unchanged (checksum).
set -u
set -m # job control: background jobs keep SIGINT (a non-interactive shell ignores it for them)
SP=${1:?usage: test_signals.sh path/to/sigprop}
case $SP in /*) ;; *) SP=$PWD/$SP ;; esac
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
pass=0; fail=0
ok() { pass=$((pass + 1)); }
bad() { fail=$((fail + 1)); echo "FAIL: $*" >&2; }
cd "$T" || exit 1

"$SP" theory --norm derf --alpha 0.05:3:0.05 --depth 200 -o small.csv -q || bad "setup: theory"
printf 'previous result\n' >out.csv
printf 'previous figure\n' >fig.png
mkdir rep
SUM=$(md5sum out.csv fig.png)

# interrupt SIG GLOB CMD...: starts CMD, waits until GLOB matches (the temporary
# exists), sends SIG; checks the exit status and that nothing is left. Retries
# a few times when the command ends before the temporary is seen.
interrupt() {
    local sig=$1 glob=$2; shift 2
    local want; want=$((128 + $(kill -l "$sig")))
    for try in 1 2 3; do
        "$@" >/dev/null 2>"$T/err" &
        local pid=$! seen=0
        while kill -0 "$pid" 2>/dev/null; do
            if compgen -G "$glob" >/dev/null; then seen=1; break; fi
            sleep 0.005
        done
        if [ "$seen" -eq 1 ]; then
            kill -s "$sig" "$pid"
            wait "$pid"
            local rc=$?
            [ "$rc" -eq "$want" ] && ok || bad "$sig $*: exit $rc, want $want: $(head -3 "$T/err")"
            local left; left=$(find "$T" -name '*.tmp.*')
            [ -z "$left" ] && ok || bad "$sig $*: left $left"
            [ "$(md5sum out.csv fig.png)" = "$SUM" ] && ok || bad "$sig $*: the previous output changed"
            [ -d rep ] && [ -z "$(ls -A rep)" ] && ok || bad "$sig $*: the previous report folder changed"
            return
        fi
        wait "$pid"
        rm -rf "$T"/*.tmp.*
        printf 'previous result\n' >out.csv; printf 'previous figure\n' >fig.png
    done
    bad "$sig $*: never saw $glob (the command ended first) in 3 tries"
}

for sig in INT TERM; do
    interrupt "$sig" "rep.tmp.*" "$SP" report --scenario test -o rep -q
    interrupt "$sig" "fig.png.tmp.*" "$SP" plot small.csv -o fig.png -q
    interrupt "$sig" "out.csv.tmp.*" "$SP" theory --norm derf --alpha 0.01:3:0.01 --depth 300 -o out.csv -q
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
