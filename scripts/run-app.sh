#!/usr/bin/env bash
# Builds and runs the PromptLedger desktop app, installing what is missing first. It builds the
# workspace's binaries exactly as the test command does (same profile, same feature set, same
# target dir), so running the app after the tests reuses their build instead of recompiling.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# shellcheck disable=SC2086
ensure_apt $BUILD_PACKAGES
ensure_node_modules
build_ui
cargo build --workspace --bins --locked
exec "${CARGO_TARGET_DIR:-target}/debug/promptledger-app" "$@"
