#!/usr/bin/env bash
# The reliability soak (issue 14), not part of CI: 8 CLI processes × 500 runs each against a
# loopback server, a random fifth SIGKILLed mid-run. Prints requests seen vs runs recorded,
# the integrity check and the roll-up against the runs. SOAK_WORKERS / SOAK_RUNS change the size.
# Run from a shell where scripts/setup.sh has been run (or inside scripts/test.sh's environment).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/promptledger-target}"
cargo build --workspace --bins
cargo nextest run --profile soak -p promptledger-e2e --run-ignored ignored-only --no-capture \
  -E 'test(soak_eight_processes_with_random_sigkills)'
