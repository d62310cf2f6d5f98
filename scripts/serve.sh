#!/usr/bin/env bash
# Builds the release app and serves it on this machine's LAN addresses, so a
# phone on the same Wi-Fi can open it. Installs whatever is missing first.
# PORT=8080 by default. See README ("Open it on a phone") for why a phone
# needs HTTPS or a USB tunnel to use the app (encryption needs a secure page).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PATH="$PWD/node_modules/.bin:$HOME/.cargo/bin:$PATH"
trunk build --release
exec node scripts/static-server.mjs --dir dist --host 0.0.0.0 --port "${PORT:-8080}"
