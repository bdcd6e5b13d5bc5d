#!/usr/bin/env bash
# Refresh the vendored axe-core build from the npm registry: bash scripts/vendor_axe.sh 4.14.1
set -euo pipefail
ver="${1:?usage: vendor_axe.sh VERSION}"
here="$(cd "$(dirname "$0")/.." && pwd)"
tmp="$(mktemp -d)"; trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack "axe-core@$ver" >/dev/null && tar xzf "axe-core-$ver.tgz")
dst="$here/browsers/vendor/axe-core"
cp "$tmp/package/axe.min.js" "$tmp/package/LICENSE" "$tmp/package/LICENSE-3RD-PARTY.txt" "$dst/"
cp "$tmp/package/locales/zh_CN.json" "$dst/zh_CN.json"
echo "axe-core $ver: tarball sha256 $(sha256sum "$tmp/axe-core-$ver.tgz" | cut -d' ' -f1) (update README.md)"
