#!/usr/bin/env bash
# Installs the local emulators the Airflow runtime proofs start (loopback only, started and stopped by
# the pytest fixtures), pinned, from the npm registry, into a cache dir outside the repository:
#   ${ASTRO_EMULATOR_CACHE:-$HOME/.cache/astro-agent-emulators}/azurite-<version>
# Idempotent: a complete install is marked and reused. The last stdout line is the azurite-blob path.
#
#   scripts/emulators.sh            # install if missing; print the azurite-blob path
#   scripts/emulators.sh --print    # print the path only if installed (exit 1 otherwise)
#
# Azurite 3.35.0 is the newest release that runs on Node 20 (3.36+ need Node >= 21).
set -euo pipefail

AZURITE_VERSION=3.35.0
CACHE_ROOT="${ASTRO_EMULATOR_CACHE:-$HOME/.cache/astro-agent-emulators}"
DIR="$CACHE_ROOT/azurite-$AZURITE_VERSION"
BIN="$DIR/node_modules/.bin/azurite-blob"
MARK="$DIR/.astro-complete"

log() { echo "[emulators] $*" >&2; }

if [ "${1:-}" = "--print" ]; then
  [ -f "$MARK" ] && { echo "$BIN"; exit 0; }
  log "azurite $AZURITE_VERSION not installed; run scripts/emulators.sh"; exit 1
fi

mkdir -p "$CACHE_ROOT"
exec 9>"$CACHE_ROOT/.lock-azurite-$AZURITE_VERSION"
flock 9   # serialise concurrent installers
if [ ! -f "$MARK" ]; then
  start=$(date +%s)
  log "installing azurite@$AZURITE_VERSION into $DIR"
  rm -rf "$DIR"
  mkdir -p "$DIR"
  echo '{"name":"astro-agent-emulators","private":true}' >"$DIR/package.json"
  npm install --prefix "$DIR" --save-exact --no-audit --no-fund --loglevel=error "azurite@$AZURITE_VERSION" >&2
  "$BIN" --version >/dev/null
  date -u +%FT%TZ >"$MARK"
  log "azurite $AZURITE_VERSION installed in $(( $(date +%s) - start ))s"
fi
echo "$BIN"
