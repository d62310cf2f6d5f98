#!/usr/bin/env bash
# Storage benchmark (tests/bench_storage.rs) in headless Chromium: prints the
# BENCH lines recorded in BENCHMARKS.md. Takes a few minutes (seeds 10 000 records).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
mkdir -p target/tmp
TMPDIR="$PWD/target/tmp" CHROMEDRIVER=/usr/bin/chromedriver \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
WASM_BINDGEN_TEST_TIMEOUT=900 \
  cargo test --release --target wasm32-unknown-unknown --test bench_storage -- --nocapture 2>&1 | grep 'BENCH' | sed 's/^.*BENCH | //'
