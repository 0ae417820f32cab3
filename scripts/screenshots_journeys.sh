#!/bin/sh
# Regenerate docs/screenshots/journeys/: every page state of the citizen journeys of
# tests/browser/test_browser_journeys.py (1080×1920, touch; Vietnamese, and English for the
# emergency page, a traffic fine and the teleconsultation), written while the journey walk
# asserts each state (axe, 44 px targets, CSP, no English on a Vietnamese page).
#
#     scripts/screenshots_journeys.sh            # needs /usr/bin/chromium and npm ci --prefix tests/browser
set -eu
cd "$(dirname "$0")/.."
rm -f docs/screenshots/journeys/*.png
STATION_SCREENSHOTS=1 exec .venv/bin/python -m pytest tests/browser/test_browser_journeys.py -q -p no:cacheprovider "$@"
