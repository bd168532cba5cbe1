#!/usr/bin/env bash
# Architecture invariant: booking-core depends on no I/O crate, no async runtime, no adapter.
set -euo pipefail
cd "$(dirname "$0")/.."

banned='^(sqlx.*|axum.*|tokio.*|hyper.*|reqwest|lettre|serde_json|google-.*|graph-.*|tower.*|mio|async-std|smol|rusqlite|postgres.*|booking-(store|http|email|calendar|video|system).*)$'
deps=$(cargo tree -p booking-core -e normal --prefix none --locked | sed 's/ .*//' | sort -u)
bad=$(printf '%s\n' "$deps" | grep -E "$banned" || true)
if [ -n "$bad" ]; then
  echo "architecture: booking-core depends on I/O crates:" $bad >&2
  exit 1
fi
echo "architecture: booking-core depends on $(printf '%s\n' "$deps" | wc -l) crates, none of them I/O: ok"
