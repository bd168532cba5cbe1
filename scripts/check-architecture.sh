#!/usr/bin/env bash
# Architecture invariants (docs/ARCHITECTURE.md), checked on the resolved dependency graph:
# - booking-core depends on no I/O crate, no async runtime, no adapter;
# - the HTTP adapter depends on no store: it reaches storage only through the core's ports;
# - the testkit depends on no adapter: contract suites run the same against every one;
# - the CLI depends on no server crate: it opens the store through booking-store;
# - the HTTP adapter's handlers and pages call the application layer, never the store port.
set -euo pipefail
cd "$(dirname "$0")/.."

# The crates `package` depends on (normal edges, transitively), one name a line.
deps_of() {
  cargo tree -p "$1" -e normal --prefix none --locked | sed 's/ .*//' | sort -u
}

# Fails when a dependency of `package` matches `pattern`.
forbid() {
  local package=$1 pattern=$2 why=$3 bad
  bad=$(deps_of "$package" | grep -E "$pattern" || true)
  if [ -n "$bad" ]; then
    echo "architecture: $package $why:" $bad >&2
    exit 1
  fi
}

io='^(sqlx.*|axum.*|tokio.*|hyper.*|reqwest|lettre|serde_json|google-.*|graph-.*|tower.*|mio|async-std|smol|rusqlite|postgres.*|booking-(store|http|email|calendar|video|system|oauth|webhooks).*)$'
forbid booking-core "$io" "depends on I/O crates"
forbid booking-http '^(booking-store-.*|sqlx.*|rusqlite|postgres.*)$' "depends on a store"
forbid booking-http '^(reqwest|booking-webhooks)$' "sends HTTP itself (webhooks are booking-webhooks')"
forbid booking-webhooks '^booking-(store|http|email|calendar|video|system|oauth).*$' \
  "depends on another adapter"
forbid booking-cli '^booking-(server|http)$' "depends on the server (share an adapter instead)"
forbid booking-store-sql '^(sqlx.*|rusqlite|postgres.*|tokio.*)$' "depends on a database driver (adapters implement its Executor)"
forbid booking-testkit '^booking-(store|http|email|calendar|video|system|oauth|webhooks).*$' \
  "depends on an adapter"

# Handlers reach storage and the engine only through `booking_core::app::App` (AppState has no
# store accessor; its engine accessor is for the composition root and tests).
direct=$(grep -rn -e '\.store()' -e 'ports()\.store' -e '\.engine()' adapters/http/src || true)
if [ -n "$direct" ]; then
  echo "architecture: booking-http calls the engine or the store port directly (go through app::App):" >&2
  echo "$direct" >&2
  exit 1
fi

echo "architecture: booking-core depends on $(deps_of booking-core | wc -l) crates, none of them I/O;" \
  "booking-http on no store; booking-cli on no server; booking-testkit on no adapter;" \
  "booking-http handlers call the application layer, not the engine or the store: ok"
