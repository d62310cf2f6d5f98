#!/usr/bin/env bash
# Installs everything Jangkau's build and tests need on a Debian machine that
# has only the Rust toolchain. Idempotent: each step is skipped when its
# result is already present, so a second run takes seconds.
#
# Only package registries are used (Debian, crates.io, npm): nothing is
# downloaded from anywhere else, and Trunk is pinned so it never tries to.
set -euo pipefail
cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
WASM_SPLIT_VERSION=0.2.4
step() { printf '\n== %s\n' "$*"; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# --- Debian packages: node/npm (tooling), chromium + chromedriver (tests) ---
missing=()
command -v node >/dev/null || missing+=(nodejs)
command -v npm >/dev/null || missing+=(npm)
[ -x /usr/bin/chromium ] || missing+=(chromium)
[ -x /usr/bin/chromedriver ] || missing+=(chromium-driver)
if [ ${#missing[@]} -gt 0 ]; then
  step "apt-get install ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}"
fi

# --- Rust: the wasm32 target ---
if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
  step "rustup target add wasm32-unknown-unknown"
  rustup target add wasm32-unknown-unknown
fi

# --- Trunk, built with a light release profile (12 min instead of 17 on 2 cores) ---
if ! trunk --version 2>/dev/null | grep -q "trunk $TRUNK_VERSION"; then
  step "cargo install trunk $TRUNK_VERSION (about 12 minutes on 2 cores)"
  CARGO_PROFILE_RELEASE_LTO=false \
  CARGO_PROFILE_RELEASE_CODEGEN_UNITS=16 \
  CARGO_PROFILE_RELEASE_OPT_LEVEL=1 \
    cargo install --locked trunk --version "$TRUNK_VERSION" \
      --no-default-features --features rustls
fi

# --- wasm-split-cli: splits the app's wasm into parts (scripts/split-wasm.mjs) ---
# The crate wasm_split_cli_support (Leptos's splitter; not Dioxus's tool of
# the same binary name), about 1 minute on 2 cores.
# (It has no --version: cargo's own list says which release is installed.)
if ! cargo install --list | grep -qx "wasm_split_cli_support v$WASM_SPLIT_VERSION:" ||
   ! command -v wasm-split-cli >/dev/null; then
  step "cargo install wasm_split_cli_support $WASM_SPLIT_VERSION"
  cargo install --locked wasm_split_cli_support --version "=$WASM_SPLIT_VERSION" \
    --features build-binary --force
fi

# --- wasm-bindgen-cli at exactly the version in Cargo.lock ---
wbg_version=$(awk '/^name = "wasm-bindgen"$/ { getline; gsub(/[^0-9.]/, ""); print; exit }' Cargo.lock)
if [ -z "$wbg_version" ]; then
  echo "setup: no wasm-bindgen version in Cargo.lock" >&2
  exit 1
fi
if ! wasm-bindgen --version 2>/dev/null | grep -q " $wbg_version\$" ||
   ! wasm-bindgen-test-runner --version 2>/dev/null | grep -q " $wbg_version\$"; then
  step "cargo install wasm-bindgen-cli $wbg_version"
  # Without --locked: its lockfile names a webpki-roots release the registry lacks.
  cargo install wasm-bindgen-cli --version "=$wbg_version" --force
fi
if ! grep -q "wasm_bindgen = \"$wbg_version\"" Trunk.toml; then
  echo "setup: Trunk.toml [tools] wasm_bindgen must be $wbg_version (Cargo.lock)" >&2
  exit 1
fi

# --- node packages: binaryen 132 (wasm-opt), playwright-core, pouchdb-server ---
lock_sum=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.jangkau-lock 2>/dev/null)" != "$lock_sum" ]; then
  step "npm ci"
  npm ci --no-audit --no-fund
  echo "$lock_sum" > node_modules/.jangkau-lock
fi

# --- crates, fetched once so later builds need no network ---
if [ ! -f target/.fetched ] || [ Cargo.lock -nt target/.fetched ]; then
  step "cargo fetch"
  cargo fetch
  mkdir -p target && touch target/.fetched
fi
