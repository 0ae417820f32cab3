#!/usr/bin/env bash
# Set up and run the whole test suite (lint included). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/venv.sh
ensure_venv "[dev]"
source scripts/browser.sh
ensure_browser_tools
.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
