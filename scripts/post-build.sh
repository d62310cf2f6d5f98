#!/usr/bin/env bash
# Trunk's post_build hook: Trunk starts every hook of a stage at once, so
# the two steps that must run in order are one hook. First the XLSForm
# importer part goes into the build, then the service worker lists the
# build (and the policy and compressed copies are written).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build-xlsform.sh
node scripts/build-sw.mjs
