#!/usr/bin/env bash
# Build/reuse the Airflow venv, then run the checker's own tests and check every stack in stacks.txt.
# The last line of output is pytest's summary (e.g. "==== 52 passed in 40.1s ====").
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PY="$("$HERE/venv.sh")"
cd "$HERE/../.."
export PYTHONDONTWRITEBYTECODE=1
exec "$PY" -m pytest -p no:cacheprovider -q "$HERE" "$@"
