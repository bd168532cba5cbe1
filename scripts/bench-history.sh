#!/usr/bin/env bash
# How the hot paths' cost grows with stored history (docs/PERFORMANCE.md, issue 25): grows a
# database to each size by bulk SQL from a week the engine booked, then times availability, the
# day view, the outbox claim and bookings for one business, and prints each figure's ratio to
# the empty database. Stops by itself; PostgreSQL scratch databases are dropped.
#
#   bash scripts/bench-history.sh                      # SQLite and PostgreSQL, 0 / 100k / 1M
#   bash scripts/bench-history.sh sqlite 0 100000      # one backend, chosen sizes
#
# PostgreSQL is the server of $BOOKING_TEST_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/postgres).
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release --locked -p booking-store-bench --bin booking-history-bench >/dev/null 2>&1
bench="${CARGO_TARGET_DIR:-target}/release/booking-history-bench"
if [ $# -gt 0 ]; then
  "$bench" "$@"
else
  "$bench" sqlite 0 100000 1000000
  "$bench" postgres 0 100000 1000000
fi
