#!/usr/bin/env bash
# Every command's --format json loads into pandas with the one-liner the docs give,
# pandas.read_json(path, orient="table"), and keeps its "meta" object beside the
# rows. Skipped (with a message) only where pandas is not installed
# (Debian: python3-pandas, installed by scripts/install-deps).
. "$(dirname "$0")/lib.sh"
# the first python3 with pandas: PATH's, else Debian's (a pyenv python3 may shadow it)
PY=""
for p in python3 /usr/bin/python3; do
    if "$p" -c 'import pandas' 2>/dev/null; then PY=$p; break; fi
done
if [ -z "$PY" ]; then
    echo "SKIP: no python3 with the pandas module (Debian: apt-get install python3-pandas)"
    exit 0
fi
echo "pandas $("$PY" -c 'import pandas; print(pandas.__version__)') ($PY)"

# load FILE NROWS NUMCOL STRCOL METAKEY: rows, a float column, a string column, meta.
load() {
    "$PY" - "$@" <<'EOPY'
import json, sys
import pandas as pd
path, nrows, numcol, strcol, metakey = sys.argv[1:6]
df = pd.read_json(path, orient="table")
meta = json.load(open(path))["meta"]
assert len(df) == int(nrows), (len(df), nrows)
assert df[numcol].dtype.kind == "f", df[numcol].dtype
assert df[strcol].dtype == object and isinstance(df[strcol].iloc[0], str), df[strcol].dtype
assert metakey in meta, sorted(meta)
EOPY
}

SMALL=(--preset blog2 --width 32 --tokens 8 --depth 4 --norm derf --alpha 0.5 --seeds 1 --probes 2)
"$SP" theory --preset blog2 --norm derf --alpha 0.3,0.5 --depth 16 --format json -o "$TMP/t.json" -q
if load "$TMP/t.json" 34 J_fwd norm theory; then ok; else bad "theory json does not load in pandas"; fi
"$SP" theory --preset blog2 --depth 16 --summary --format json -o "$TMP/s.json" -q
# the summary has NaN cells (lambda of pre-LN): JSON null, pandas NaN
if load "$TMP/s.json" 1 lambda phase theory &&
   "$PY" -c 'import sys, pandas as pd; d = pd.read_json(sys.argv[1], orient="table"); sys.exit(not d["lambda"].isna().all())' "$TMP/s.json"
then ok; else bad "theory summary json: NaN not read back as NaN"; fi
"$SP" measure "${SMALL[@]}" --format json -o "$TMP/m.json" -q
if load "$TMP/m.json" 5 q norm arch; then ok; else bad "measure json does not load in pandas"; fi
"$SP" theory --preset blog2 --norm derf --alpha 0.5 --depth 64 -o "$TMP/c.csv" -q
"$SP" fit "$TMP/c.csv" --column J_fwd --format json -o "$TMP/f.json" -q
if load "$TMP/f.json" "$("$PY" -c 'import json,sys; print(len(json.load(open(sys.argv[1]))["data"]))' "$TMP/f.json")" zeta model file
then ok; else bad "fit json does not load in pandas"; fi
"$SP" compare "${SMALL[@]}" --format json -o "$TMP/cmp.json" -q
if load "$TMP/cmp.json" 5 J_fwd_ratio norm gmfe; then ok; else bad "compare json does not load in pandas"; fi
"$SP" alpha --norm derf --match preln --depth 12,24 --width 768 --format json -o "$TMP/a.json" -q
if load "$TMP/a.json" 2 alpha norm laws; then ok; else bad "alpha json does not load in pandas"; fi
finish
