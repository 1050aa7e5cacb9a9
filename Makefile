# The two README commands. Each installs what is missing, configures and builds (Release).
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all deps build demo test bench tsan asan fuzz clean

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt: | deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	@bash scripts/demo.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	@for b in $(BUILD)/bin/bench_*; do echo "== $$b"; $$b || exit 1; done

# The pool, deque and protocol tests under ThreadSanitizer (a separate build tree).
tsan: deps
	cmake --preset tsan
	cmake --build --preset tsan -j $(JOBS)
	ctest --preset tsan

# The whole suite under AddressSanitizer and UndefinedBehaviorSanitizer (build-asan).
asan: deps
	cmake --preset asan
	cmake --build --preset asan -j $(JOBS)
	ctest --preset asan -j $(JOBS)

# libFuzzer with ASan and UBSan (clang-14, build-fuzz): each target for FUZZ_SECONDS, one
# after the other. New inputs go to build-fuzz/corpus/<target>, crashes to
# build-fuzz/artifacts/; fuzz/corpus/<target> is read as the seed corpus.
FUZZ_SECONDS ?= 600
FUZZ_TARGETS ?= wire config core
fuzz: deps
	cmake --preset fuzz
	cmake --build --preset fuzz -j $(JOBS)
	@mkdir -p build-fuzz/artifacts
	@for t in $(FUZZ_TARGETS); do \
	  mkdir -p build-fuzz/corpus/$$t; \
	  echo "== fuzz_$$t for $(FUZZ_SECONDS) s"; \
	  build-fuzz/bin/fuzz_$$t -max_total_time=$(FUZZ_SECONDS) -print_final_stats=1 \
	    -artifact_prefix=build-fuzz/artifacts/$$t- build-fuzz/corpus/$$t fuzz/corpus/$$t || exit 1; \
	done

clean:
	rm -rf $(BUILD)
