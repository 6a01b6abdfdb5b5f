# Thin wrapper around CMake + ctest. Every target installs missing Debian
# packages first (scripts/install-deps is a no-op when all are present).
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= 2
MIN_BUILD ?= build-min
CMAKE_FLAGS ?=
# make install [PREFIX=/usr/local] [DESTDIR=/tmp/stage]
PREFIX ?= /usr/local
DESTDIR ?=
# the interpreter the Debian packages (python3-cffi, ...) belong to
PYTHON ?= $(shell test -x /usr/bin/python3 && echo /usr/bin/python3 || echo python3)

.PHONY: all deps test asan minimal install python-install bench demo clean

all: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release -DCMAKE_INSTALL_PREFIX=$(PREFIX) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

deps:
	@bash scripts/install-deps

test: all
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSP_ASAN=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

# The theory-only core: no OpenBLAS, no PLplot, no MPI (tests that need them are
# listed as disabled). Checks that the optional parts really are optional.
minimal: deps
	@cmake -S . -B $(MIN_BUILD) -DCMAKE_BUILD_TYPE=Release -DSP_WITH_BLAS=OFF \
	    -DSP_WITH_PLOT=OFF -DSP_MPI=OFF $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(MIN_BUILD) -j $(JOBS) -- --no-print-directory
	@cd $(MIN_BUILD) && ctest --output-on-failure -j $(JOBS)

install: all
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

# The Python module (python/, docs/python.md), installed with its own copy of
# libsigprop.so; offline, no build isolation (cffi comes from Debian).
python-install: all
	@bash scripts/install-deps --python
	@cp -L $(BUILD)/libsigprop.so.0 python/sigprop/libsigprop.so.0
	@$(PYTHON) -m pip install --no-build-isolation --no-deps --no-index $(PIP_FLAGS) ./python; \
	    rc=$$?; rm -rf python/sigprop/libsigprop.so.0 python/build python/sigprop.egg-info; exit $$rc

bench: all
	@bash scripts/install-deps --bench
	@cmake --build $(BUILD) -j $(JOBS) --target benchmarks -- --no-print-directory
	@bash bench/run $(BUILD)

demo: all
	@bash scripts/demo $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(MIN_BUILD)
