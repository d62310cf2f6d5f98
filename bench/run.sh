#!/usr/bin/env bash
# Builds the release app and prints the numbers recorded in BENCHMARKS.md.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
trunk build --release >/dev/null
echo "## First-load bytes"; node bench/size.mjs
echo; echo "## Start-up"; node bench/startup.mjs "${1:-15}"
echo; echo "## Opening a screen in a part"; node bench/lazy.mjs 5; PRELOAD=1 node bench/lazy.mjs 5
echo; echo "## Lighthouse"; bash bench/lighthouse.sh 3
