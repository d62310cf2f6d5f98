#!/usr/bin/env bash
# XLSForm benchmarks, a few minutes: converting a 500-question workbook
# natively (jangkau-forms convert, release) and in the browser (the app's
# importer part, release build in dist/), and what a keystroke costs on the
# largest built-in form (tests/bench_expr.rs). Prints the figures recorded
# in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
work="target/bench-xlsform"
mkdir -p "$work"
cargo build --release --bin jangkau-forms 2>/dev/null
tool=target/release/jangkau-forms
node bench/xlsform-form.mjs 500 > "$work/form500.json"
"$tool" xlsform "$work/form500.json" -o "$work/form500.xlsx"
echo "workbook: $(stat -c %s "$work/form500.xlsx") bytes"
for _ in 1 2 3 4 5; do
  start=$(date +%s%N)
  "$tool" convert "$work/form500.xlsx" -o "$work/out.json" 2>/dev/null
  echo "native convert, 500 questions: $(( ($(date +%s%N) - start) / 1000000 )) ms (whole process)"
done
[ -f dist/index.html ] || trunk build --release
node bench/xlsform-browser.mjs "$work/form500.xlsx"
bash bench/wasm-bench.sh bench_expr
