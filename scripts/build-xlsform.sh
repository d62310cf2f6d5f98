#!/usr/bin/env bash
# Builds the XLSForm importer (xlsform-part/) as its own wasm part into a
# finished build, for the app to load only when a coordinator imports a
# workbook: a field worker's download never includes it.
#
# Run by scripts/post-build.sh (Trunk's post_build hook) with
# TRUNK_STAGING_DIR and TRUNK_PROFILE set; usable alone as
# `bash scripts/build-xlsform.sh DIR [release]`.
#
# Writes parts/xlsform-<hash>/jangkau_xlsform.js and jangkau_xlsform_bg.wasm
# (the hash is of both files, so a changed importer gets a new address and
# a cached old one is never mixed with a new app), and names that address
# in index.html as <meta name="jangkau-xlsform">, where the app reads it.
set -euo pipefail
cd "$(dirname "$0")/.."
dir="${1:-${TRUNK_STAGING_DIR:-}}"
profile="${2:-${TRUNK_PROFILE:-debug}}"
if [ -z "$dir" ] || [ ! -f "$dir/index.html" ]; then
  echo "usage: bash scripts/build-xlsform.sh DIR [release] (DIR: a build with index.html)" >&2
  exit 2
fi
if grep -q 'name="jangkau-xlsform"' "$dir/index.html"; then
  echo "$dir/index.html already names an importer: was it already processed?" >&2
  exit 1
fi

cargo_flags=()
mode=debug
if [ "$profile" = release ]; then
  cargo_flags=(--release)
  mode=release
fi
target_dir="${CARGO_TARGET_DIR:-target}"
cargo build -p jangkau-xlsform --lib --target wasm32-unknown-unknown "${cargo_flags[@]}"

out="$target_dir/xlsform-part/$mode"
rm -rf "$out"
mkdir -p "$out"
wasm-bindgen --target web --no-typescript --out-dir "$out" --out-name jangkau_xlsform \
  "$target_dir/wasm32-unknown-unknown/$mode/jangkau_xlsform.wasm"
if [ "$mode" = release ]; then
  # The same binaryen and level Trunk uses for the app (Trunk.toml).
  wasm-opt -Oz --output "$out/jangkau_xlsform_bg.opt.wasm" "$out/jangkau_xlsform_bg.wasm"
  mv "$out/jangkau_xlsform_bg.opt.wasm" "$out/jangkau_xlsform_bg.wasm"
fi

hash=$(cat "$out/jangkau_xlsform.js" "$out/jangkau_xlsform_bg.wasm" | sha256sum | cut -c1-16)
part="parts/xlsform-$hash"
mkdir -p "$dir/$part"
cp "$out/jangkau_xlsform.js" "$out/jangkau_xlsform_bg.wasm" "$dir/$part/"
meta="<meta name=\"jangkau-xlsform\" content=\"$part/jangkau_xlsform.js\">"
# Before </head>: the app reads it once, when an import starts.
sed -i "s#</head>#  $meta\n  </head>#" "$dir/index.html"
echo "xlsform part: $part ($(stat -c %s "$dir/$part/jangkau_xlsform_bg.wasm") bytes of wasm)"
