#!/usr/bin/env bash
# Debian packages the project needs: Chromium (browser tests, print-to-PDF), CJK fonts
# (Chinese in screenshots and PDFs), poppler-utils (pdftotext in the tests).
set -u
need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v pdftotext >/dev/null 2>&1 || need+=(poppler-utils)
if ! fc-list 2>/dev/null | grep -qi 'Noto Sans CJK'; then need+=(fonts-noto-cjk); fi
[ ${#need[@]} -eq 0 ] && exit 0

echo "==> Installing Debian packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "Missing Debian packages: ${need[*]}. Install them as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq >/dev/null || { echo "apt-get update failed: check the network access to the Debian mirror" >&2; exit 1; }
$SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" fontconfig >/dev/null \
  || { echo "apt-get install ${need[*]} failed (see above)" >&2; exit 1; }
exit 0
