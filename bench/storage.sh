#!/usr/bin/env bash
# Storage benchmark (tests/bench_storage.rs): 10 000 records, a few minutes.
exec bash "$(dirname "$0")/wasm-bench.sh" bench_storage
