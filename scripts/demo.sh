#!/usr/bin/env bash
# Set up and start a demo station: SQLite, simulated devices and connectors, seeded data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv ""
export STATION_HOME="${STATION_HOME:-$PWD/demo-site}"
.venv/bin/station init --demo
exec .venv/bin/station run "$@"
