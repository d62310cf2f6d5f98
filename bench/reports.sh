#!/usr/bin/env bash
# Reports benchmark (tests/bench_reports.rs): 10 000 records, a few minutes.
exec bash "$(dirname "$0")/wasm-bench.sh" bench_reports
