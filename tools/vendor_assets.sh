#!/usr/bin/env bash
# Fetch the JavaScript the web book needs offline, from the npm registry at
# pinned versions, into _vendor/ (served as Sphinx static files):
#   _vendor/mathjax/   MathJax 3 (tex-mml-chtml + its woff fonts)
#   _vendor/axe-core/  axe-core, the accessibility engine of tests/test_a11y.py:
#                      for the tests only, kept out of the built site (the
#                      "axe-core" entry of exclude_patterns in _config.yml)
# The demos need no library: each carries its frames and a few lines of
# script (dlbook/widgets.py), so no ipywidgets JavaScript is served.
set -euo pipefail
cd "$(dirname "$0")/.."

MATHJAX=mathjax@3.2.2
AXE=axe-core@4.14.1

command -v npm >/dev/null || { echo "vendor_assets: npm is needed (Node.js)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$MATHJAX" "$AXE" >/dev/null)
for t in "$tmp"/*.tgz; do
  mkdir -p "$tmp/x/$(basename "$t" .tgz)"
  tar -xzf "$t" -C "$tmp/x/$(basename "$t" .tgz)"
done
mj="$tmp"/x/mathjax-*/package
axe="$tmp"/x/axe-core-*/package

rm -rf _vendor && mkdir -p _vendor/mathjax/output/chtml/fonts
cp $mj/es5/tex-mml-chtml.js _vendor/mathjax/
cp -r $mj/es5/output/chtml/fonts/woff-v2 _vendor/mathjax/output/chtml/fonts/
mkdir -p _vendor/axe-core
cp $axe/axe.min.js $axe/LICENSE _vendor/axe-core/
touch _vendor/.stamp
echo "vendor_assets: $(du -sh _vendor | cut -f1) in _vendor/ ($MATHJAX, $AXE)"
