#!/usr/bin/env bash
# Runs every test of the workspace: unit, integration, property, contract and doc tests.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo test --workspace --all-targets --locked
cargo test --workspace --doc --locked
