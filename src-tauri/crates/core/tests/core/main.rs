//! promptledger-core integration tests: pricing vectors computed by hand, and the ledger file.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod advisor;
mod analytics;
mod batch;
mod billing;
mod bounds;
mod charts;
mod compare;
mod export;
mod guard;
mod history;
mod in_flight;
mod keys;
mod ledger;
mod operations;
mod otlp;
mod prices_update;
mod pricing;
mod runs;
mod service;
mod unpriced;
