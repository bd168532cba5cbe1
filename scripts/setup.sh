#!/usr/bin/env bash
# Installs what the project needs to build, lint and test, idempotently. Safe to run every time.
set -euo pipefail
cd "$(dirname "$0")/.."

DENY_VERSION=0.20.2
# axe-core, the accessibility checker the browser tests inject into every page they visit
# (issue 30): from the npm registry, pinned, outside the clone (MPL-2.0; never shipped).
AXE_VERSION=4.10.3

have() { command -v "$1" >/dev/null 2>&1; }

if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  echo "setup: adding rustfmt and clippy"
  rustup component add rustfmt clippy
fi

if ! have cargo-deny || [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "$DENY_VERSION" ]; then
  echo "setup: installing cargo-deny $DENY_VERSION (a few minutes, once)"
  cargo install --locked cargo-deny --version "$DENY_VERSION"
fi

# The machine's PostgreSQL (tests create and drop their own databases on it): start the local
# cluster if it is installed and stopped.
if have pg_ctlcluster && ! (exec 3<>/dev/tcp/127.0.0.1/5432) 2>/dev/null; then
  echo "setup: starting the local PostgreSQL cluster"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
fi

# Headless Chromium and its WebDriver for the browser tests (tests/browser.rs), from Debian.
if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then
  echo "setup: installing Debian's chromium and chromium-driver (browser tests)"
  SUDO=""
  if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium chromium-driver
fi

# Python tools the tests use: `icalendar` (a real RFC 5545 parser that checks our feeds) and
# `schemathesis` (fuzzes the API against its OpenAPI document), `aiosmtpd` (a real SMTP server
# the email tests send to), in a virtualenv outside the clone.
VENV="${BOOKING_VENV:-/var/tmp/booking-venv}"
if [ ! -x "$VENV/bin/python" ]; then
  echo "setup: creating the Python virtualenv $VENV"
  python3 -m venv "$VENV"
fi
if ! cmp -s scripts/requirements.txt "$VENV/.installed-requirements"; then
  echo "setup: installing scripts/requirements.txt into $VENV"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check -r scripts/requirements.txt
  cp scripts/requirements.txt "$VENV/.installed-requirements"
fi

# axe-core for the browser tests' accessibility pass, into a folder outside the clone.
AXE="${BOOKING_AXE_DIR:-/var/tmp/booking-axe}"
if [ ! -f "$AXE/node_modules/axe-core/axe.min.js" ] \
  || ! grep -q "\"version\": \"$AXE_VERSION\"" "$AXE/node_modules/axe-core/package.json"; then
  echo "setup: installing axe-core $AXE_VERSION into $AXE (browser tests)"
  if ! have npm; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q
    $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends npm
  fi
  mkdir -p "$AXE"
  npm install --silent --no-audit --no-fund --prefix "$AXE" "axe-core@$AXE_VERSION"
fi
