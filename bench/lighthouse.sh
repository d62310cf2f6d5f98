#!/usr/bin/env bash
# Lighthouse (mobile, its default simulated slow 4G and 4× CPU) on the
# release build in dist/, served by the README's server
# (scripts/static-server.mjs: brotli, long-lived caching). Three runs;
# prints LCP, FCP, TBT, TTI, the performance score and the bytes.
# Lighthouse 12.8.2 comes from npm into a cache folder under target/, not
# into the project's dependencies. Run after `trunk build --release`:
#   bash bench/lighthouse.sh [runs=3]
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-3}"
tool="target/bench-lighthouse"
if [ ! -x "$tool/node_modules/.bin/lighthouse" ]; then
  mkdir -p "$tool"
  npm install --prefix "$tool" --no-audit --no-fund --no-save lighthouse@12.8.2 >/dev/null
fi
port=8093
node scripts/static-server.mjs --dir dist --host 127.0.0.1 --port "$port" >/dev/null &
server=$!
trap 'kill $server' EXIT
sleep 1
echo "| run | LCP | FCP | TBT | TTI | score | bytes |"
echo "|---|---:|---:|---:|---:|---:|---:|"
for i in $(seq 1 "$runs"); do
  out="$tool/run-$i.json"
  CHROME_PATH=/usr/bin/chromium "$tool/node_modules/.bin/lighthouse" "http://127.0.0.1:$port/" \
    --only-categories=performance --quiet --output=json --output-path="$out" \
    --chrome-flags="--headless=new --no-sandbox --disable-gpu"
  node -e '
    const r = require(process.argv[1]); const a = r.audits;
    const v = (k) => a[k].displayValue;
    console.log(`| ${process.argv[2]} | ${v("largest-contentful-paint")} | ${v("first-contentful-paint")} | ${v("total-blocking-time")} | ${v("interactive")} | ${r.categories.performance.score} | ${a["total-byte-weight"].numericValue} |`);
  ' "$PWD/$out" "$i"
done
