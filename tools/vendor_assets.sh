#!/usr/bin/env bash
# Fetch the JavaScript the web book needs offline, from the npm registry at
# pinned versions, into _vendor/ (served as Sphinx static files):
#   _vendor/mathjax/   MathJax 3 (tex-mml-chtml + its woff fonts)
#   _vendor/widgets/   require.js + the ipywidgets HTML manager (embed-amd)
set -euo pipefail
cd "$(dirname "$0")/.."

MATHJAX=mathjax@3.2.2
REQUIREJS=requirejs@2.3.7
HTML_MANAGER=@jupyter-widgets/html-manager@1.0.15

command -v npm >/dev/null || { echo "vendor_assets: npm is needed (Node.js)" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "$MATHJAX" "$REQUIREJS" "$HTML_MANAGER" >/dev/null)
for t in "$tmp"/*.tgz; do
  mkdir -p "$tmp/x/$(basename "$t" .tgz)"
  tar -xzf "$t" -C "$tmp/x/$(basename "$t" .tgz)"
done
mj="$tmp"/x/mathjax-*/package
rq="$tmp"/x/requirejs-*/package
hm="$tmp"/x/jupyter-widgets-html-manager-*/package

rm -rf _vendor && mkdir -p _vendor/mathjax/output/chtml/fonts _vendor/widgets
cp $mj/es5/tex-mml-chtml.js _vendor/mathjax/
cp -r $mj/es5/output/chtml/fonts/woff-v2 _vendor/mathjax/output/chtml/fonts/
cp $rq/require.js _vendor/widgets/
cp $hm/dist/embed-amd.js _vendor/widgets/
# embed-amd.js loads its chunks and font files relative to itself.
find $hm/dist -maxdepth 1 -type f ! -name '*.map' ! -name 'embed*.js' ! -name '*.d.ts' \
  -exec cp {} _vendor/widgets/ \;
touch _vendor/.stamp
echo "vendor_assets: $(du -sh _vendor | cut -f1) in _vendor/ ($MATHJAX, $REQUIREJS, $HTML_MANAGER)"
