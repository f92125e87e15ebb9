//! promptledger-core — all of PromptLedger's domain logic, shared by the desktop app and the CLI.
//!
//! It owns the price engine (`pricing`), the local SQLite ledger (`ledger`) and the small value
//! types both use (`money`, `provider`, `error`). It has no Tauri dependency: everything here is
//! testable and usable headless.

pub mod analytics;
pub mod audio;
pub mod batch;
pub mod billing;
pub mod charts;
pub mod demo;
pub mod error;
pub mod export;
mod ids;
pub mod keys;
pub mod ledger;
pub mod money;
pub mod operation;
pub mod otel;
pub mod pricing;
pub mod provider;
pub mod providers;
pub mod redact;
pub mod runner;
pub mod templates;
pub mod vault;

pub use error::{BudgetBreach, CoreError, ErrorCode, Result};
pub use money::{NanoUsd, RatePerMTok};
pub use operation::Operation;
pub use provider::ProviderKind;
