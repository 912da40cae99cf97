#!/usr/bin/env bash
# Debian packages for the scale-out test and deployment: PostgreSQL (tracker store) and
# Redis (lock store). Installs only what is missing; prints one clear line on failure.
set -u
need=()
pg_bin=""
for dir in /usr/lib/postgresql/*/bin; do
  [ -x "$dir/initdb" ] && [ -x "$dir/pg_ctl" ] && pg_bin="$dir"
done
[ -n "$pg_bin" ] || need+=(postgresql)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
[ ${#need[@]} -eq 0 ] && exit 0

echo "==> Installing Debian packages: ${need[*]}"
SUDO=""
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then SUDO="sudo -n"; else
    echo "Missing Debian packages: ${need[*]}. Install them as root: apt-get install -y ${need[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
# The packages' own services are not wanted (the tests start private instances).
policy_rc=""
if [ -d /usr/sbin ] && [ ! -e /usr/sbin/policy-rc.d ] && [ -z "$SUDO" ]; then
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d && policy_rc=1
fi
status=0
$SUDO apt-get update -qq >/dev/null || { echo "apt-get update failed: check the network access to the Debian mirror" >&2; status=1; }
if [ $status -eq 0 ]; then
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null \
    || { echo "apt-get install ${need[*]} failed (see above)" >&2; status=1; }
fi
[ -n "$policy_rc" ] && rm -f /usr/sbin/policy-rc.d
exit $status
