#!/usr/bin/env bash
# Regenerates ui/src/lib/bindings.ts, the TypeScript mirror of every type that crosses IPC, from
# the Rust types (src-tauri/src/ui_types.rs), then type-checks the UI against it.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/promptledger-target}"
PROMPTLEDGER_WRITE_UI_TYPES=1 cargo test -q -p promptledger-app --test ui_types
(cd ui && npm run check)
