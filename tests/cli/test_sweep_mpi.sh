#!/bin/bash
# CLI test of `mpirun -n 2 sigprop sweep`: the distributed sweep writes the same
# bytes as a local run (to -o FILE and to stdout), and resumes a cut file to the
# same bytes. Skipped (exit 0, with a message) when mpirun is absent or the
# binary was built without MPI. Usage: test_sweep_mpi.sh SIGPROP
set -u
SP=${1:?usage: test_sweep_mpi.sh path/to/sigprop}
if ! command -v mpirun > /dev/null 2>&1; then
    echo "SKIP: mpirun not found; the MPI sweep is not tested"
    exit 0
fi
if ! "$SP" version | grep -qw mpi; then
    echo "SKIP: this sigprop is built without MPI (-DSP_MPI=OFF)"
    exit 0
fi
# OpenMPI itself leaks at MPI_Init/MPI_Finalize (allocations of dlopen'ed MCA
# components, which LeakSanitizer cannot name, so a suppression file cannot
# match them): in an ASan build the MPI runs here check memory errors but not
# leaks. sigprop's own code is leak-checked by test_sweep.sh in the same build.
if ldd "$SP" 2>/dev/null | grep -q libasan; then
    echo "note: ASan build: leak detection off for the mpirun runs (OpenMPI's own leaks)"
    export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
fi
T=$(mktemp -d)
trap 'rm -rf "$T"' EXIT
fail=0
check() { if eval "$2"; then echo "ok: $1"; else echo "FAIL: $1"; fail=1; fi; }
MPIRUN=(mpirun -n 2 --oversubscribe)
[ "$(id -u)" = 0 ] && MPIRUN+=(--allow-run-as-root)
export OMPI_MCA_rmaps_base_oversubscribe=1

GRID=(--norm ln,derf --alpha 0.1:1.5:0.2 --depth 16,64,256 --width 768,1024 --batch 3)
"$SP" sweep "${GRID[@]}" -o "$T/local.csv" -q
"${MPIRUN[@]}" "$SP" sweep "${GRID[@]}" -o "$T/mpi.csv" -q
check "mpirun -n 2 exits 0" "[ $? -eq 0 ]"
check "MPI -o FILE equals the local run byte for byte" "cmp -s '$T/mpi.csv' '$T/local.csv'"
"${MPIRUN[@]}" "$SP" sweep "${GRID[@]}" -q > "$T/mpi_stdout.csv"
check "MPI stdout equals the local run" "cmp -s '$T/mpi_stdout.csv' '$T/local.csv'"
size=$(wc -c < "$T/local.csv")
head -c $((size / 2 + 7)) "$T/local.csv" > "$T/part.csv"
"${MPIRUN[@]}" "$SP" sweep "${GRID[@]}" -o "$T/part.csv" -q
check "MPI resume of a cut file gives identical bytes" "cmp -s '$T/part.csv' '$T/local.csv'"
# measure mode: same bytes at the same thread count per network (OpenBLAS's
# summation order depends on it at the 1e-8 level)
MEAS=(--mode both --norm derf --alpha 0.5,1 --width 64 --tokens 16 --init-std 0.1 --depth 4,8 --threads 1)
"$SP" sweep "${MEAS[@]}" -o "$T/meas_local.csv" -q
"${MPIRUN[@]}" "$SP" sweep "${MEAS[@]}" -o "$T/meas_mpi.csv" -q
check "MPI measure mode equals the local run" "cmp -s '$T/meas_mpi.csv' '$T/meas_local.csv'"
# without mpirun the same binary runs locally (no MPI_Init, no singleton)
"$SP" sweep --norm derf --alpha 0.5 --depth 8 -q > /dev/null
check "plain run of the MPI build exits 0" "[ $? -eq 0 ]"
exit $fail
