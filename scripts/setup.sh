#!/usr/bin/env bash
# Create .venv and install the pinned dependencies (only when the requirement files
# changed since the last successful install). Every failure ends with one clear message.
set -u
cd "$(dirname "$0")/.."

fail() { echo; echo "SET-UP FAILED: $*" >&2; exit 1; }

PYTHON=${PYTHON:-python3.11}
if ! command -v "$PYTHON" >/dev/null 2>&1; then
  fail "Python 3.11 was not found (looked for '$PYTHON'). Install Python 3.11, or point to it with: make run PYTHON=/path/to/python3.11"
fi
if ! "$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else 1)'; then
  fail "'$PYTHON' is Python $("$PYTHON" -c 'import platform; print(platform.python_version())'); this project needs Python 3.11 (Rasa 3.6 is pinned for it). Use: make run PYTHON=/path/to/python3.11"
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> Creating .venv with $PYTHON"
  "$PYTHON" -m venv .venv || fail "could not create .venv (is the python3.11 venv module installed? On Debian: apt-get install python3.11-venv)"
fi

want=$(cat requirements/base.txt requirements/rasa.txt | sha256sum | cut -c1-16)
have=$(cat .venv/.installed 2>/dev/null || true)
if [ "$want" != "$have" ]; then
  echo "==> Installing Python packages into .venv (first time: several minutes)"
  .venv/bin/python -m pip install --disable-pip-version-check -q --upgrade "pip==24.2" \
    || fail "could not upgrade pip in .venv: check the network access to PyPI, then run the command again"
  # Rasa 3.6 declares Python <3.11: its dependencies are installed from our pinned list
  # (versions verified together on 3.11), then rasa itself without its metadata check.
  .venv/bin/python -m pip install --disable-pip-version-check --prefer-binary \
    --progress-bar on -r requirements/base.txt \
    || fail "pip could not install requirements/base.txt (see the pip error above). Check the network access to PyPI and free disk space, then run the command again."
  .venv/bin/python -m pip install --disable-pip-version-check --no-deps --ignore-requires-python \
    -r requirements/rasa.txt \
    || fail "pip could not install rasa/rasa-sdk (requirements/rasa.txt). Check the network access to PyPI, then run the command again."
  echo "$want" > .venv/.installed
fi

bash scripts/system-deps.sh || fail "system packages are missing (see above)"
exit 0
