#!/usr/bin/env bash
# Installs letta-code (@letta-ai/letta-code, the CLI Letta's users run) for the suite test that drives
# it against Reverie, into .cache/letta-code (outside node_modules: it is not a dependency of Reverie).
#
# letta.js is one self-contained bundle; at run time it needs only `ws` besides Node itself. Its declared
# dependencies are not installed: two of them (@letta-ai/letta-agent-sdk, @letta-ai/trajectory) are not
# on the public registry, and the others are native modules for the interactive UI and image handling
# (node-pty, sharp) and a ripgrep download, which the headless `letta -p` run does not use. So the
# package's tarball is fetched with `npm pack` and unpacked, and `ws` is installed beside it.
#
# Idempotent: when the wanted version is already there, nothing is run.
#
# Environment: LETTA_CODE_VERSION (default 0.32.18), LETTA_CODE_DIR (default <repo>/.cache/letta-code).
# Prints the path of letta.js on its last line.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
version="${LETTA_CODE_VERSION:-0.32.18}"
dir="${LETTA_CODE_DIR:-$root/.cache/letta-code}"
package="$dir/letta-code/package.json"
entry="$dir/letta-code/letta.js"

fail() {
  echo "install-letta-code: error: $*" >&2
  exit 1
}

installed_version() {
  node -e "process.stdout.write(require(process.argv[1]).version)" "$package" 2>/dev/null || true
}

if [[ -f "$entry" && -f "$dir/node_modules/ws/package.json" && "$(installed_version)" == "$version" ]]; then
  echo "install-letta-code: @letta-ai/letta-code@$version is installed in $dir"
  echo "$entry"
  exit 0
fi

command -v npm >/dev/null 2>&1 || fail "npm not found on PATH"
command -v tar >/dev/null 2>&1 || fail "tar not found on PATH"
mkdir -p "$dir"
staging="$(mktemp -d "$dir/.staging.XXXXXX")"
trap 'rm -rf "$staging"' EXIT

echo "install-letta-code: fetching @letta-ai/letta-code@$version"
tarball="$(cd "$staging" && npm pack "@letta-ai/letta-code@$version" --silent)" ||
  fail "npm pack @letta-ai/letta-code@$version failed (is the npm registry reachable?)"
tar -xzf "$staging/$tarball" -C "$staging" || fail "could not unpack $tarball"
[[ -f "$staging/package/letta.js" ]] || fail "$tarball has no letta.js"

echo '{"name":"letta-code-cache","private":true,"dependencies":{"ws":"^8.19.0"}}' >"$dir/package.json"
npm install --prefix "$dir" --ignore-scripts --no-audit --no-fund --loglevel=error ||
  fail "npm install ws failed (is the npm registry reachable?)"

rm -rf "$dir/letta-code"
mv "$staging/package" "$dir/letta-code"
[[ "$(installed_version)" == "$version" ]] || fail "the unpacked package is not version $version"
echo "install-letta-code: ready (@letta-ai/letta-code@$version)"
echo "$entry"
