#!/usr/bin/env bash
# Creates (or reuses) the virtualenv the Python client smoke test runs in:
# test/python/.venv with test/python/requirements.txt installed.
#
# Idempotent: when the venv exists and was last installed from an identical
# requirements.txt (a copy is kept inside the venv), nothing is run and this
# returns in milliseconds. Delete test/python/.venv to start over.
#
# Environment: PYTHON (default python3) picks the interpreter.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="$root/test/python/.venv"
requirements="$root/test/python/requirements.txt"
stamp="$venv/.requirements.installed"
python="${PYTHON:-python3}"

fail() {
  echo "python-venv: error: $*" >&2
  exit 1
}

[[ -f "$requirements" ]] || fail "missing $requirements"

if [[ -x "$venv/bin/python" && -f "$stamp" ]] && cmp -s "$requirements" "$stamp"; then
  echo "python-venv: $venv is up to date with test/python/requirements.txt"
  exit 0
fi

command -v "$python" >/dev/null 2>&1 || fail "'$python' not found on PATH; install Python 3.9+ (with the venv module)"

if [[ ! -x "$venv/bin/python" ]]; then
  echo "python-venv: creating $venv with $("$python" --version 2>&1)"
  rm -rf "$venv"
  "$python" -m venv "$venv" ||
    fail "'$python -m venv' failed; on Debian/Ubuntu install the python3-venv package"
fi

echo "python-venv: installing test/python/requirements.txt into $venv"
rm -f "$stamp"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" ||
  fail "pip install -r $requirements failed (is PyPI reachable?)"
cp "$requirements" "$stamp"
echo "python-venv: ready ($("$venv/bin/python" -m pip show letta-client 2>/dev/null | sed -n 's/^Version: /letta-client /p'))"
