//! Secrets: the `Secret` type that carries an API key without ever printing it, and the
//! keychain-backed `SecretStore`. Nothing here writes a key to disk or to a log.

mod secret;
mod store;

pub use secret::Secret;
pub use store::{KeyringStore, MemoryStore, SERVICE, SecretStore};
