# Shared by scripts/*.sh: create .venv with Python 3.11+ and install the project into it.
ensure_venv() {
  local extras="$1" python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "Citizen Station needs Python 3.11 or newer (found: $("$python" --version 2>&1))" >&2
    exit 2
  fi
  if [ ! -x .venv/bin/python ]; then
    "$python" -m venv .venv
  fi
  .venv/bin/python -m pip install --quiet --disable-pip-version-check --upgrade "pip>=23" "setuptools>=68" wheel
  .venv/bin/python -m pip install --quiet --disable-pip-version-check -e ".${extras}"
}
