#!/usr/bin/env bash
# Installs the Debian packages the test suites drive for real, when they are missing:
#   chromium    browser tests (playwright-core with executablePath /usr/bin/chromium)
#   bubblewrap  the default tool sandbox backend on Linux
#   tmux        the pseudo-terminal that drives `reverie chat` in its test
# Idempotent and fast when everything is present (one dpkg query). Runs `apt-get update` once
# before installing. Needs root (or sudo); without either it says what to install and fails.
#
# Usage: scripts/install-system-packages.sh [package ...]   (default: every package above)
set -euo pipefail

log() { printf '[install-system-packages] %s\n' "$*" >&2; }

packages=("$@")
if [ ${#packages[@]} -eq 0 ]; then
  packages=(chromium bubblewrap tmux)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo"
  else
    log "missing: ${missing[*]}; run as root: apt-get update && apt-get install -y ${missing[*]}"
    exit 1
  fi
fi

log "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
log "installed ${missing[*]}"
