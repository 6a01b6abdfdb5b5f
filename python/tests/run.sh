#!/usr/bin/env bash
# ctest entry of the Python module's tests: pytest on python/tests against the
# libsigprop.so of this build. Usage: run.sh LIBSIGPROP.so [SP_ASAN]
# Exit 77 (ctest: skipped) with one line saying why when the Python packages are
# missing or in a sanitizer build.
set -u
lib=$1
asan=${2:-OFF}
here=$(cd "$(dirname "$0")/.." && pwd)
if [[ "$asan" == "ON" ]]; then
    echo "SKIP: python tests are not run in the sanitizer build (make asan): loading an"
    echo "      ASan-instrumented libsigprop.so into python3 needs LD_PRELOAD of libasan,"
    echo "      which is fragile; 'make test' runs them against the normal build."
    exit 77
fi
# The interpreter: $SP_PYTHON, else the first python3 that has the packages
# (Debian's /usr/bin/python3 carries python3-cffi & co; a pyenv shim may not).
mods="import cffi, numpy, pandas, pytest"
py=""
for cand in ${SP_PYTHON:-} python3 /usr/bin/python3; do
    if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "$mods" >/dev/null 2>&1; then
        py=$cand
        break
    fi
done
if [[ -z "$py" ]]; then
    echo "SKIP: no python3 with cffi, numpy, pandas and pytest (Debian: apt-get install"
    echo "      python3-cffi python3-numpy python3-pandas python3-pytest, or scripts/install-deps)"
    exit 77
fi
export SIGPROP_LIB=$lib
export PYTHONPATH=$here${PYTHONPATH:+:$PYTHONPATH}
export PYTHONDONTWRITEBYTECODE=1
echo "python: $py, library: $lib"
exec "$py" -m pytest -q -p no:cacheprovider "$here/tests"
