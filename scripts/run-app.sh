#!/usr/bin/env bash
# Builds and runs the PromptLedger desktop app, installing what is missing first.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# shellcheck disable=SC2086
ensure_apt $BUILD_PACKAGES
ensure_node_modules
build_ui
exec cargo run -p promptledger-app "$@"
