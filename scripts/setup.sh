#!/usr/bin/env bash
# Installs what the project needs to build, lint and test, idempotently. Safe to run every time.
set -euo pipefail

DENY_VERSION=0.20.2

have() { command -v "$1" >/dev/null 2>&1; }

if ! cargo fmt --version >/dev/null 2>&1 || ! cargo clippy --version >/dev/null 2>&1; then
  echo "setup: adding rustfmt and clippy"
  rustup component add rustfmt clippy
fi

if ! have cargo-deny || [ "$(cargo deny --version 2>/dev/null | awk '{print $2}')" != "$DENY_VERSION" ]; then
  echo "setup: installing cargo-deny $DENY_VERSION (a few minutes, once)"
  cargo install --locked cargo-deny --version "$DENY_VERSION"
fi
