//! The app's commands: each is a thin call into `promptledger-core`.

pub mod analytics;
pub mod app;
pub mod batch;
pub mod billing;
pub mod compare;
pub mod guard;
pub mod keys;
pub mod operations;
pub mod otlp;
pub mod price_updates;
pub mod prices;
pub mod runs;
pub mod settings;
