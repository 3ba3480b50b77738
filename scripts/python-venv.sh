#!/usr/bin/env bash
# Creates (or reuses) the virtualenv a Python-driven test runs in: <dir>/.venv with
# <dir>/requirements.txt installed, <dir> being the argument (default test/python, the Python client
# smoke test; test/fuzz holds schemathesis for the API fuzz test).
#
# Idempotent: when the venv exists and was last installed from an identical
# requirements.txt (a copy is kept inside the venv), nothing is run and this
# returns in milliseconds. Delete <dir>/.venv to start over.
#
# Environment: PYTHON (default python3) picks the interpreter.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dir="${1:-test/python}"
venv="$root/$dir/.venv"
requirements="$root/$dir/requirements.txt"
stamp="$venv/.requirements.installed"
python="${PYTHON:-python3}"

fail() {
  echo "python-venv: error: $*" >&2
  exit 1
}

[[ -f "$requirements" ]] || fail "missing $requirements"

if [[ -x "$venv/bin/python" && -f "$stamp" ]] && cmp -s "$requirements" "$stamp"; then
  echo "python-venv: $venv is up to date with $dir/requirements.txt"
  exit 0
fi

command -v "$python" >/dev/null 2>&1 || fail "'$python' not found on PATH; install Python 3.9+ (with the venv module)"

if [[ ! -x "$venv/bin/python" ]]; then
  echo "python-venv: creating $venv with $("$python" --version 2>&1)"
  rm -rf "$venv"
  "$python" -m venv "$venv" ||
    fail "'$python -m venv' failed; on Debian/Ubuntu install the python3-venv package"
fi

echo "python-venv: installing $dir/requirements.txt into $venv"
rm -f "$stamp"
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements" ||
  fail "pip install -r $requirements failed (is PyPI reachable?)"
cp "$requirements" "$stamp"
echo "python-venv: ready ($(tr '\n' ' ' <"$requirements"))"
