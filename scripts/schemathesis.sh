#!/usr/bin/env bash
# Fuzzes the running API against its own OpenAPI document with schemathesis (bounded in examples
# and time): no 5xx, no answer that violates the document (status codes, content types, headers,
# schemas), bad input refused, auth enforced. Starts the debug server with --demo on a fresh
# SQLite file and stops it. Part of scripts/test.sh.
#
# `positive_data_acceptance` is left out: the document describes shapes, while the API also
# refuses values by rule (a start that is not an instant, an agenda id of nobody) with a 422.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV="${BOOKING_VENV:-/var/tmp/booking-venv}"
if [ ! -x "$VENV/bin/st" ]; then
  if [ "${CI:-}" = "true" ]; then echo "error: CI=true and schemathesis is missing (scripts/setup.sh)" >&2; exit 1; fi
  echo "notice: schemathesis is not installed (run scripts/setup.sh); skipping the API fuzzing" >&2
  exit 0
fi
server="${CARGO_TARGET_DIR:-target}/debug/booking-server"
case "$server" in /*) ;; *) server="$PWD/$server" ;; esac
[ -x "$server" ] || cargo build --locked -q -p booking-server
work=$(mktemp -d)
pid=""
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
# Zoom at a closed local port: a Zoom app typed by the fuzzer is refused at once (no internet).
(cd "$work" && BOOKING_LISTEN="127.0.0.1:$port" BOOKING_LOG=warn BOOKING_ZOOM_URL="http://127.0.0.1:9" exec "$server" --demo >"$work/demo.out" 2>&1) &
pid=$!
for _ in $(seq 100); do grep -q 'shown once' "$work/demo.out" 2>/dev/null && break; sleep 0.1; done
key=$(grep -o 'bk_[0-9a-f_]*' "$work/demo.out" | head -n 1 || true)
[ -n "$key" ] || { cat "$work/demo.out" >&2; echo "error: the demo server did not start" >&2; exit 1; }
cd "$work"
timeout 600 "$VENV/bin/st" run "http://127.0.0.1:$port/api/v1/openapi.json" \
  --checks all --exclude-checks positive_data_acceptance \
  --max-examples "${SCHEMATHESIS_EXAMPLES:-10}" --seed "${SCHEMATHESIS_SEED:-1}" \
  --header "Authorization: Bearer $key" --request-timeout 10 --warnings off
