#!/usr/bin/env bash
# Measures what a user waits for and what the app holds in memory, on a release build under Xvfb:
# time from launch to the window, to its first painted frame and to a usable Playground (median
# and worst of several launches), and the PSS/RSS of every process of the app after start and
# with Analytics open on the 20,000-run sample ledger. Prints the figures and writes them to
# artifacts/measure-startup.txt (with a screenshot of Analytics beside it).
#
#   bash scripts/measure-startup.sh          # MEASURE_LAUNCHES=7 by default
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/setup.sh
# shellcheck disable=SC2086
ensure_apt $BUILD_PACKAGES $TEST_PACKAGES
ensure_node_modules
build_ui
cargo build --release --locked -p promptledger-app -p promptledger-cli

out="${PROMPTLEDGER_ARTIFACTS:-$PWD/artifacts}"
mkdir -p "$out"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sample="$work/sample.sqlite3"
"$CARGO_TARGET_DIR/release/promptledger" --db "$sample" demo --runs 20000 >/dev/null

keyctl session - dbus-run-session -- xvfb-run -a -s "-screen 0 1280x800x24 -nolisten tcp" bash -c '
  keyrings=$(mktemp -d)
  echo -n promptledger-measure | XDG_DATA_HOME="$keyrings" gnome-keyring-daemon --unlock --components=secrets >/dev/null
  python3 scripts/measure_startup.py "$@"
  rc=$?
  rm -rf "$keyrings"
  exit $rc' measure "$CARGO_TARGET_DIR/release/promptledger-app" "$sample" "$out"
