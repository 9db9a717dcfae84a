#!/usr/bin/env bash
# Create (idempotently) the Python virtualenv that tests/airflow/check_values.py runs in.
#
#   tests/airflow/venv.sh            # create or reuse; last stdout line = path of the venv's python
#   tests/airflow/venv.sh --print    # print the python path only if the venv is complete (exit 1 otherwise)
#   tests/airflow/venv.sh --relock   # re-resolve requirements.in -> requirements.lock (needs PyPI)
#
# The venv lives OUTSIDE the repo:
#   ${ASTRO_AIRFLOW_VENV_CACHE:-$HOME/.cache/astro-agent-airflow}/venv-<key>
# where <key> = sha256(requirements.lock + uv version + python major.minor)[:16]; changing the lock makes a new venv.
# Packages are installed with uv (pinned below, bootstrapped with pip into the cache) using
# `uv pip install --no-deps -r requirements.lock`, i.e. exactly the locked set, no resolution at install time,
# then `uv pip check` verifies the lock is self-consistent.
# Env:  ASTRO_AIRFLOW_PYTHON   interpreter to build from (default: python3.11, else python3 if it is 3.11)
#       ASTRO_AIRFLOW_VENV_CACHE  cache root (default ~/.cache/astro-agent-airflow)
#       UV_CACHE_DIR           uv download cache (default <cache root>/uv-cache)
set -euo pipefail

UV_VERSION=0.13.9
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
LOCK="$HERE/requirements.lock"
CACHE_ROOT="${ASTRO_AIRFLOW_VENV_CACHE:-$HOME/.cache/astro-agent-airflow}"
export UV_CACHE_DIR="${UV_CACHE_DIR:-$CACHE_ROOT/uv-cache}"
# uv must not fetch interpreters from the internet: only PyPI is reachable.
export UV_PYTHON_DOWNLOADS=never

log() { echo "[airflow-venv] $*" >&2; }

pick_python() {
  local cand
  for cand in "${ASTRO_AIRFLOW_PYTHON:-}" python3.11 python3; do
    [ -n "$cand" ] || continue
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)' 2>/dev/null; then
      "$cand" -c 'import sys; print(sys.executable)'; return 0
    fi
  done
  log "no Python 3.11 interpreter found (set ASTRO_AIRFLOW_PYTHON)"; return 1
}

ensure_uv() {
  local uvdir="$CACHE_ROOT/uv-$UV_VERSION"
  if [ ! -x "$uvdir/bin/uv" ]; then
    log "bootstrapping uv $UV_VERSION into $uvdir"
    rm -rf "$uvdir"
    "$PY" -m venv "$uvdir"
    "$uvdir/bin/pip" install --quiet --disable-pip-version-check "uv==$UV_VERSION"
  fi
  UV="$uvdir/bin/uv"
}

mode="${1:-}"
PY="$(pick_python)"
PYVER="$("$PY" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
mkdir -p "$CACHE_ROOT"

if [ "$mode" = "--relock" ]; then
  ensure_uv
  cd "$HERE"
  "$UV" pip compile --quiet --python-version "$PYVER" --python-platform x86_64-unknown-linux-gnu \
    requirements.in -o requirements.lock
  log "wrote $LOCK"; exit 0
fi

KEY="$( { cat "$LOCK"; echo "uv=$UV_VERSION py=$PYVER"; } | sha256sum | cut -c1-16)"
VENV="$CACHE_ROOT/venv-$KEY"
MARK="$VENV/.astro-complete"

if [ "$mode" = "--print" ]; then
  [ -f "$MARK" ] && { echo "$VENV/bin/python"; exit 0; }
  log "venv $VENV not built; run tests/airflow/venv.sh"; exit 1
fi

start=$(date +%s.%N)
exec 9>"$CACHE_ROOT/.lock-$KEY"
flock 9   # serialise concurrent builders of the same key

if [ -f "$MARK" ]; then
  kind=warm
else
  kind=cold
  ensure_uv
  log "building $VENV from $(basename "$LOCK") ($(grep -c '^[A-Za-z0-9].*==' "$LOCK") pinned packages) with $PY"
  rm -rf "$VENV"
  "$UV" venv --quiet --python "$PY" "$VENV"
  "$UV" pip install --quiet --python "$VENV/bin/python" --no-deps -r "$LOCK"
  "$UV" pip check --python "$VENV/bin/python" >&2
  # smoke test: Airflow and the providers the checker needs import offline
  AIRFLOW_HOME="$(mktemp -d)" "$VENV/bin/python" - <<'PY' >&2
import airflow, airflow.providers.amazon, airflow.providers.microsoft.azure, airflow.providers.google
import airflow.providers.hashicorp, airflow.providers.common.io, airflow.providers.git, yaml, pytest
print("airflow", airflow.__version__)
PY
  date -u +%FT%TZ > "$MARK"
fi
end=$(date +%s.%N)
log "$kind venv ready in $(awk "BEGIN{printf \"%.1f\", $end-$start}")s: $VENV"
echo "$VENV/bin/python"
