# Thin wrapper around CMake + ctest. Every target installs missing Debian
# packages first (scripts/install-deps is a no-op when all are present).
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= 2
CMAKE_FLAGS ?=

.PHONY: all deps test asan bench demo clean

all: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS) -- --no-print-directory

deps:
	@bash scripts/install-deps

test: all
	@cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

asan: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DSP_ASAN=ON $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS) -- --no-print-directory
	@cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1 ctest --output-on-failure -j $(JOBS)

bench: all
	@bash scripts/install-deps --bench
	@cmake --build $(BUILD) -j $(JOBS) --target benchmarks -- --no-print-directory
	@bash bench/run $(BUILD)

demo: all
	@bash scripts/demo $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
