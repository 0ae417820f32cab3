#!/usr/bin/env bash
# Start a fleet hub on local PostgreSQL (127.0.0.1:5432) with three simulated demo stations
# enrolled and reporting; prints the URLs. Made afresh on every start. Ctrl-C stops it.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv "[hub]"
exec .venv/bin/python -m hub.demo_fleet "$@"
