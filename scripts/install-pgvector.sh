#!/usr/bin/env bash
# Install the pgvector extension into the local PostgreSQL server, building it
# from the vendored source tarball. Idempotent: if the `vector` extension is
# already available to the server, this is a fast no-op.
#
# Environment overrides:
#   PGVECTOR_TARBALL  path to the pgvector source tarball
#                     (default: <repo>/../shared/vendor/pgvector_0.8.0.orig.tar.gz)
#   PGHOST / PGPORT / PGUSER  server to check (default 127.0.0.1 / 5432 / postgres)
#   PG_MAJOR          PostgreSQL major version (default: asked from the server, else 15)
#   PG_CONFIG         pg_config of the server (default /usr/lib/postgresql/$PG_MAJOR/bin/pg_config)
set -euo pipefail

log() { printf '[install-pgvector] %s\n' "$*" >&2; }

script_dir="$(cd "$(dirname "$0")" && pwd)"
PGVECTOR_TARBALL="${PGVECTOR_TARBALL:-$script_dir/../../shared/vendor/pgvector_0.8.0.orig.tar.gz}"
PGHOST="${PGHOST:-127.0.0.1}"
PGPORT="${PGPORT:-5432}"
PGUSER="${PGUSER:-postgres}"
export PGHOST PGPORT PGUSER

SUDO=""
if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
  SUDO="sudo"
fi

psql_q() { psql -X -q -At -v ON_ERROR_STOP=1 -d postgres -c "$1" </dev/null; }

# Work out the server's major version (falls back to 15 if the server is not reachable).
if [ -z "${PG_MAJOR:-}" ]; then
  if num="$(psql_q 'SHOW server_version_num' 2>/dev/null)" && [ -n "$num" ]; then
    PG_MAJOR="$((num / 10000))"
  else
    PG_MAJOR=15
  fi
fi
PG_CONFIG="${PG_CONFIG:-/usr/lib/postgresql/$PG_MAJOR/bin/pg_config}"

vector_available() {
  local out
  if out="$(psql_q "SELECT 1 FROM pg_available_extensions WHERE name = 'vector'" 2>/dev/null)"; then
    [ "$out" = "1" ]
    return
  fi
  # Server not reachable: fall back to looking for the control file on disk.
  local sharedir
  sharedir="$("$PG_CONFIG" --sharedir 2>/dev/null || echo "/usr/share/postgresql/$PG_MAJOR")"
  [ -f "$sharedir/extension/vector.control" ]
}

if vector_available; then
  log "pgvector already available to PostgreSQL $PG_MAJOR at $PGHOST:$PGPORT; nothing to do."
  exit 0
fi

log "pgvector not available to PostgreSQL $PG_MAJOR; building it from source."

if [ ! -f "$PGVECTOR_TARBALL" ]; then
  log "ERROR: pgvector tarball not found: $PGVECTOR_TARBALL (set PGVECTOR_TARBALL)"
  exit 1
fi

# Note: pgxs.mk ships with postgresql-client-NN, so check for the server
# headers (postgres.h), which only postgresql-server-dev-NN provides.
pgxs_ok() {
  [ -x "$PG_CONFIG" ] \
    && [ -f "$("$PG_CONFIG" --pgxs 2>/dev/null)" ] \
    && [ -f "$("$PG_CONFIG" --includedir-server 2>/dev/null)/postgres.h" ]
}

if pgxs_ok; then
  log "postgresql-server-dev-$PG_MAJOR already installed ($PG_CONFIG)."
else
  log "Installing postgresql-server-dev-$PG_MAJOR (apt-get update + install)..."
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y -q --no-install-recommends "postgresql-server-dev-$PG_MAJOR"
  if ! pgxs_ok; then
    log "ERROR: $PG_CONFIG / PGXS / server headers still missing after installing postgresql-server-dev-$PG_MAJOR"
    exit 1
  fi
fi

build_dir="$(mktemp -d "${TMPDIR:-/tmp}/pgvector-build.XXXXXX")"
trap 'rm -rf "$build_dir"' EXIT

log "Unpacking $PGVECTOR_TARBALL into $build_dir"
tar -xzf "$PGVECTOR_TARBALL" -C "$build_dir"
src_dir="$(find "$build_dir" -mindepth 1 -maxdepth 1 -type d | head -n 1)"
if [ -z "$src_dir" ] || [ ! -f "$src_dir/Makefile" ]; then
  log "ERROR: no Makefile found in unpacked tarball"
  exit 1
fi

jobs="$(nproc 2>/dev/null || echo 2)"
# OPTFLAGS="" drops -march=native so the build works on any CPU of this kind.
log "Building pgvector in $src_dir (make -j$jobs OPTFLAGS=\"\" PG_CONFIG=$PG_CONFIG)"
make -C "$src_dir" -j"$jobs" OPTFLAGS="" PG_CONFIG="$PG_CONFIG"
log "Installing pgvector (make install)"
$SUDO make -C "$src_dir" install OPTFLAGS="" PG_CONFIG="$PG_CONFIG"

if vector_available; then
  log "pgvector installed; the 'vector' extension is now available."
else
  log "ERROR: pgvector was built and installed but the server does not list the 'vector' extension"
  exit 1
fi
