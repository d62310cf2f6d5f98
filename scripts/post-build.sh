#!/usr/bin/env bash
# Trunk's post_build hook: Trunk starts every hook of a stage at once, so
# the steps that must run in order are one hook. First the app's wasm is
# split into its first download and the screens' parts, then the XLSForm
# importer part goes into the build, then the service worker lists the
# build (and the policy and compressed copies are written).
set -euo pipefail
cd "$(dirname "$0")/.."
node scripts/split-wasm.mjs
bash scripts/build-xlsform.sh
node scripts/build-sw.mjs
