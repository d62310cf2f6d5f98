#!/usr/bin/env bash
# Runs one wasm benchmark file (tests/$1.rs) in headless Chromium and prints
# its BENCH lines, the figures recorded in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
mkdir -p target/tmp
TMPDIR="$PWD/target/tmp" CHROMEDRIVER=/usr/bin/chromedriver \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
WASM_BINDGEN_TEST_TIMEOUT=900 \
  cargo test --release --target wasm32-unknown-unknown --test "$1" -- --nocapture 2>&1 | grep 'BENCH' | sed 's/^.*BENCH | //'
