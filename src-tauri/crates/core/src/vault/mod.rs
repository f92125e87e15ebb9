//! Secrets. For now the `Secret` type that carries an API key through the app without ever
//! printing it; the keychain-backed store comes with key management.

mod secret;

pub use secret::Secret;
