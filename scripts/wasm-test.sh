#!/usr/bin/env bash
# The browser tests (tests/web.rs) in headless Chrome and Firefox.
#
#   scripts/wasm-test.sh            Chrome, then Firefox
#   scripts/wasm-test.sh chrome     Chrome only (or: firefox)
#
# The wasm trainer is compared with the committed golden file tests/golden/runs.json
# (tests/web.rs include_str!s it at compile time). This script never rewrites it: the
# file pins the numbers from one commit to the next, and `make golden` regenerates it
# deliberately (tests/pinned.rs checks natively that it still matches the core).
#
# `wasm-pack test` builds tests/web.rs for wasm32 and runs it in each browser through
#    its WebDriver; `--test web` keeps the native-only integration tests out of the wasm
#    build. Browser flags come from webdriver.json at the crate root.
#
# Nothing is downloaded: the drivers are the ones on PATH (Debian's chromedriver,
# geckodriver from `cargo install`), and `--mode no-install` makes wasm-pack fail rather
# than fetch a wasm-bindgen CLI when the installed one does not match Cargo.lock
# (`scripts/setup.sh web` installs the right one).
#
# Environment: CARGO_TARGET_DIR is honoured; WASM_BINDGEN_TEST_TIMEOUT (seconds, default
# 600 here, 20 upstream) bounds the whole test binary's run in one browser: the bit-for-bit
# training test trains five small runs, slow on a loaded CI machine.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '\033[1;34m[wasm-test]\033[0m %s\n' "$*"; }
die() { printf '\033[1;31m[wasm-test]\033[0m %s\n' "$*" >&2; exit 1; }

browsers=${1:-all}
case "$browsers" in
  all) browsers="chrome firefox" ;;
  chrome | firefox) ;;
  *) die "usage: $0 [all|chrome|firefox]" ;;
esac

want=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock)
have=$(wasm-bindgen --version 2>/dev/null | awk '{print $2}' || true)
[ "$have" = "$want" ] || die "wasm-bindgen CLI ${have:-missing}, Cargo.lock wants $want: run scripts/setup.sh web"
command -v wasm-pack >/dev/null || die "wasm-pack missing: run scripts/setup.sh web"
for f in data/mnist/train-images-idx3-ubyte.gz data/mnist/train-labels-idx1-ubyte.gz; do
  [ -f "$f" ] || die "$f missing: run make data"
done

[ -f tests/golden/runs.json ] || die "tests/golden/runs.json missing: it is committed; run make golden to rewrite it"

export WASM_BINDGEN_TEST_TIMEOUT=${WASM_BINDGEN_TEST_TIMEOUT:-600}
# The runner gives a driver 5 s to come up by default; a loaded machine needs longer.
export WASM_BINDGEN_TEST_DRIVER_TIMEOUT=${WASM_BINDGEN_TEST_DRIVER_TIMEOUT:-30}

for browser in $browsers; do
  case "$browser" in
    chrome)
      CHROMEDRIVER=$(command -v chromedriver) || die "chromedriver missing: run scripts/setup.sh browsers"
      export CHROMEDRIVER
      log "headless Chrome ($CHROMEDRIVER)"
      wasm-pack test --release --mode no-install --headless --chrome --chromedriver "$CHROMEDRIVER" -- --test web
      ;;
    firefox)
      GECKODRIVER=$(command -v geckodriver) || die "geckodriver missing: run scripts/setup.sh browsers"
      export GECKODRIVER
      log "headless Firefox ($GECKODRIVER)"
      wasm-pack test --release --mode no-install --headless --firefox --geckodriver "$GECKODRIVER" -- --test web
      ;;
  esac
done
log "browser tests passed: $browsers"
