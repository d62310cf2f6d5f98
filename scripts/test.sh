#!/usr/bin/env bash
# Runs every check and test Jangkau has, installing what is missing first:
#   format and lint (native and wasm32), native unit and integration tests,
#   browser tests (wasm-bindgen-test in headless Chromium), the release
#   build, tooling tests, and end-to-end tests (Playwright) against it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"

step() { printf '\n== %s\n' "$*"; }

step "cargo fmt --check"
cargo fmt --all --check

step "clippy (native)"
cargo clippy --workspace --all-targets -- -D warnings

step "clippy (wasm32)"
cargo clippy --workspace --target wasm32-unknown-unknown --all-targets -- -D warnings

step "native tests"
cargo test

step "browser tests (wasm-bindgen-test, headless Chromium)"
# chromedriver leaves temporary profiles behind: keep them inside target/.
mkdir -p target/tmp
TMPDIR="$PWD/target/tmp" \
CHROMEDRIVER=/usr/bin/chromedriver \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
  cargo test --target wasm32-unknown-unknown --test web --test idb --test crypto
rm -rf target/tmp

step "release build"
trunk build --release

step "tooling and end-to-end tests (node --test, Playwright + Chromium)"
node --test --test-concurrency=1 --test-timeout=180000 tests/node/ tests/e2e/
