//! PromptLedger desktop app: the binary. Everything is in the library (`lib.rs`).

// No console window on Windows release builds.
#![cfg_attr(not(debug_assertions), windows_subsystem = "windows")]

fn main() {
    promptledger_app::run();
}
