#!/usr/bin/env bash
# Inside the test session (see test.sh): unlock a Secret Service collection, then run the tests.
set -euo pipefail
echo -n promptledger-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast "$@"
else
  cargo test --workspace --locked --no-fail-fast "$@"
fi
