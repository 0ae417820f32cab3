# Shared by scripts/test.sh: the real-browser tests need Debian's Chromium and axe-core (npm).
# Nothing here downloads a browser build: Chromium comes from the distribution's packages.
ensure_browser_tools() {
  local packages=""
  command -v chromium >/dev/null 2>&1 || packages="chromium"
  # receipts drawn as images need a font with Vietnamese letters
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || packages="$packages fonts-dejavu-core"
  # the kiosk's read-aloud button speaks through espeak-ng (offline, with a Vietnamese voice)
  command -v espeak-ng >/dev/null 2>&1 || packages="$packages espeak-ng"
  if [ -n "$packages" ]; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing Debian packages for the tests:$packages" >&2
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      # shellcheck disable=SC2086
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $packages >/dev/null
    else
      echo "missing:$packages (cannot install here): browser tests will be skipped (CI fails them); without espeak-ng the kiosk hides read-aloud" >&2
    fi
  fi
  if [ ! -f tests/browser/node_modules/axe-core/axe.min.js ]; then
    if command -v npm >/dev/null 2>&1; then
      npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
    else
      echo "npm is missing: the accessibility checks will be skipped (CI fails them)" >&2
    fi
  fi
}

# The demo station's read-aloud button needs espeak-ng (Debian package, offline, Vietnamese voice);
# without it the kiosk hides the button and /healthz says "read_aloud": "off: ...".
ensure_read_aloud() {
  command -v espeak-ng >/dev/null 2>&1 && return 0
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing espeak-ng for the kiosk's read-aloud button" >&2
    DEBIAN_FRONTEND=noninteractive apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq espeak-ng >/dev/null || echo "espeak-ng not installed: read-aloud stays off" >&2
  else
    echo "espeak-ng is missing (sudo apt-get install espeak-ng): the kiosk hides read-aloud" >&2
  fi
}
