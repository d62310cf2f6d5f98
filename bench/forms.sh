#!/usr/bin/env bash
# Form registry benchmark (tests/bench_forms.rs): what opening the forms adds to an unlock, under a minute.
exec bash "$(dirname "$0")/wasm-bench.sh" bench_forms
