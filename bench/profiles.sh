#!/usr/bin/env bash
# Shared-phone benchmark (tests/bench_profiles.rs): unlock and start-up with five profiles of 2 000 records against one of 10 000, a few minutes.
exec bash "$(dirname "$0")/wasm-bench.sh" bench_profiles
