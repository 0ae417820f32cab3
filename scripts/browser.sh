# Shared by scripts/test.sh: the real-browser tests need Debian's Chromium and axe-core (npm).
# Nothing here downloads a browser build: Chromium comes from the distribution's packages.
ensure_browser_tools() {
  if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
      echo "installing Debian's chromium for the browser tests" >&2
      DEBIAN_FRONTEND=noninteractive apt-get update -qq
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
      echo "chromium is missing and cannot be installed here: browser tests will be skipped (CI fails them)" >&2
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
