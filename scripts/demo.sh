#!/usr/bin/env bash
# Set up and start a demo station: SQLite, simulated devices and connectors, seeded data.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
source scripts/browser.sh
ensure_venv ""
ensure_read_aloud
export STATION_HOME="${STATION_HOME:-$PWD/demo-site}"
.venv/bin/station init --demo
exec .venv/bin/station run "$@"
