#!/usr/bin/env bash
# Inside the test session (see test.sh): start gnome-keyring with a fresh, unlocked login
# collection in a throw-away directory (never the user's own keyrings), then run the tests.
set -euo pipefail
keyrings=$(mktemp -d)
trap 'rm -rf "$keyrings"' EXIT
echo -n promptledger-test | XDG_DATA_HOME="$keyrings" gnome-keyring-daemon --unlock --components=secrets >/dev/null
if command -v cargo-nextest >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast "$@"
else
  cargo test --workspace --locked --no-fail-fast "$@"
fi
