#!/usr/bin/env bash
# Runs every check and test (formatting, lints, unit, integration, CLI end to end, the real window
# under Xvfb through WebDriver), installing what is missing first. CI runs exactly this.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# shellcheck disable=SC2086
ensure_apt $BUILD_PACKAGES $TEST_PACKAGES
ensure_node_modules
ensure_tauri_driver
ensure_rotel

step() { printf '\n==> %s\n' "$*"; }

step "UI: type check, unit tests and build"
(cd ui && npm run --silent check && npm test --silent)
build_ui

step "cargo fmt --check"
cargo fmt --all -- --check

step "cargo clippy -D warnings"
cargo clippy --workspace --all-targets --locked -- -D warnings

step "promptledger-core has no tauri/webkit dependency"
if cargo tree -p promptledger-core -e normal,build --prefix none --locked \
    | grep -Ei '^(tauri|wry|tao|webkit2gtk|javascriptcore|gtk|soup)'; then
  echo "promptledger-core must not depend on tauri or webkit crates" >&2
  exit 1
fi

step "build the binaries the end-to-end tests drive"
cargo build --workspace --bins --locked

step "tests (private D-Bus session, kernel keyring, Xvfb)"
export PROMPTLEDGER_ARTIFACTS="${PROMPTLEDGER_ARTIFACTS:-$PWD/artifacts}"
keyctl session - dbus-run-session -- \
  xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash scripts/test-session.sh "$@"
echo "screenshots: $PROMPTLEDGER_ARTIFACTS"
