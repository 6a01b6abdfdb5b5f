#!/usr/bin/env bash
# The theory path's text, byte for byte: theory --summary (SIMD batch, DyT
# table, scalar norms, toy), per-block rows, JSON and sweep over several norms,
# presets and versions, against files written by sigprop at commit 1b5ae1d
# (tests/data/golden/, commands in commands.tsv: NAME<TAB>ARGS), except
# theory_json.out, rewritten when the SIMD kernels took inline asin/exp: 11 of
# its 86 numbers moved by at most 9.2e-16 relative (scripts/json_rel_diff.py,
# docs/theory.md "Performance"). Speed work on the theory path must not change
# one byte of the CSV files; each
# command but DyT's also runs on 1 thread, which must give the same bytes (the
# DyT table costs ~20 s per process under ASan; test_sweep_dyt checks its
# thread independence). The JSON metadata's "git" and "build" lines (the commit
# and the optional parts that built the binary: `make minimal` has fewer) are
# left out.
source "$(dirname "$0")/lib.sh"
G=tests/data/golden
meta() { grep -Ev '^[[:space:]]*"(git|build)":' "$1"; }
same() { cmp -s <(meta "$1") <(meta "$2"); }
while IFS=$'\t' read -r name args; do
    [ -n "$name" ] || continue
    # shellcheck disable=SC2086 # args is a word list
    "$SP" $args -q >"$TMP/$name.out" 2>"$TMP/$name.err" || { bad "$name: exit $?: $(cat "$TMP/$name.err")"; continue; }
    if same "$TMP/$name.out" "$G/$name.out"; then ok; else
        bad "$name ($args): differs from $G/$name.out"
        diff "$G/$name.out" "$TMP/$name.out" | head -5 >&2
    fi
    case $name in *dyt*) continue ;; esac
    # shellcheck disable=SC2086
    OMP_NUM_THREADS=1 "$SP" $args -q >"$TMP/$name.t1" 2>/dev/null
    same "$TMP/$name.t1" "$G/$name.out" && ok || bad "$name: 1 thread differs"
done <"$G/commands.tsv"
finish
