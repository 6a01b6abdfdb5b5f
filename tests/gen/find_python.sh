# Sourced by the ctest entries that run a Python reference: find_python MODULE sets py
# to the first of $SP_PYTHON, /usr/bin/python3, python3 that imports MODULE, or says
# SKIP (with the Debian package PKG, the second argument) and exits 77 (ctest: skipped).
find_python() {
    py=""
    for cand in ${SP_PYTHON:-} /usr/bin/python3 python3; do
        if command -v "$cand" >/dev/null 2>&1 && "$cand" -c "import $1" >/dev/null 2>&1; then
            py=$cand
            return 0
        fi
    done
    echo "SKIP: no python3 with $1 (Debian: apt-get install $2)"
    exit 77
}
