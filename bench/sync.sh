#!/usr/bin/env bash
# Sending benchmark (tests/bench_sync.rs) in headless Chromium against the
# test receiver on 127.0.0.1: prints the BENCH lines recorded in
# BENCHMARKS.md. Takes several minutes (seeds 10 000 records, sends them
# three times).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
mkdir -p target/tmp
out=$(mktemp)
# Stops by itself when this script ends (stdin closes) or after 15 idle minutes.
exec 3> >(node tests/receiver/receiver.mjs --port 0 --idle-exit 900 > "$out")
for _ in $(seq 50); do grep -q 'receiver on' "$out" && break; sleep 0.1; done
url=$(sed -n 's/^receiver on //p' "$out")
echo "receiver: $url"
TMPDIR="$PWD/target/tmp" CHROMEDRIVER=/usr/bin/chromedriver \
CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=wasm-bindgen-test-runner \
WASM_BINDGEN_TEST_TIMEOUT=1800 JANGKAU_BENCH_RECEIVER="$url" \
  cargo test --release --target wasm32-unknown-unknown --test bench_sync -- --nocapture 2>&1 | grep 'BENCH' | sed 's/^.*BENCH | //'
exec 3>&-
rm -f "$out"
