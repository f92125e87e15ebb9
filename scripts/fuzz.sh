#!/usr/bin/env bash
# Fuzzing (issue 14), not part of CI: the property tests of src-tauri/crates/core/src/providers/
# fuzz.rs with 1,000,000 cases per target (CI runs 256), in release mode. Targets: the SSE and
# NDJSON stream readers with every provider's decoder (arbitrary bytes; real transcripts mutated
# and cut anywhere), every answer / model-list / error / usage parser, redaction, and the
# price-table loader. Any failure prints the minimal input; add it as a regression test.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/promptledger-target}"
export PROPTEST_CASES="${PROPTEST_CASES:-1000000}"
start=$(date +%s)
cargo test --release -p promptledger-core --lib providers::fuzz -- --test-threads 2
echo "fuzz: ${PROPTEST_CASES} cases per target, $(( $(date +%s) - start )) s"
