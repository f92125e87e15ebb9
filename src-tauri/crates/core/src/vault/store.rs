//! Where secrets live: the OS keychain (`keyring`: Keychain on macOS, Credential Manager on
//! Windows, Secret Service with a kernel-keyring cache on Linux). There is no fallback to a file:
//! without a keychain, saving a key is a `keychain_unavailable` error that says what to do.

use std::collections::HashMap;
use std::sync::Mutex;

use crate::error::{CoreError, Result};
use crate::vault::Secret;

/// The keychain service name every key is saved under (the account is the key's id).
pub const SERVICE: &str = "com.promptledger.app";

/// Stores secrets by key id.
pub trait SecretStore: Send + Sync {
    /// Saves (or replaces) the secret for `key_id`.
    fn put(&self, key_id: &str, secret: &Secret) -> Result<()>;
    /// The secret for `key_id`.
    fn get(&self, key_id: &str) -> Result<Secret>;
    /// Deletes the secret for `key_id` (no error when it was already gone).
    fn delete(&self, key_id: &str) -> Result<()>;
}

/// The OS keychain.
#[derive(Debug, Default, Clone, Copy)]
pub struct KeyringStore;

fn unavailable(e: &keyring::Error) -> CoreError {
    CoreError::KeychainUnavailable {
        detail: e.to_string(),
    }
}

impl KeyringStore {
    fn entry(key_id: &str) -> Result<keyring::Entry> {
        keyring::Entry::new(SERVICE, key_id).map_err(|e| unavailable(&e))
    }
}

impl SecretStore for KeyringStore {
    fn put(&self, key_id: &str, secret: &Secret) -> Result<()> {
        Self::entry(key_id)?
            .set_password(secret.expose())
            .map_err(|e| unavailable(&e))
    }

    fn get(&self, key_id: &str) -> Result<Secret> {
        match Self::entry(key_id)?.get_password() {
            Ok(s) => Ok(Secret::new(s)),
            Err(keyring::Error::NoEntry) => Err(CoreError::NotFound {
                what: "key in the keychain",
                id: key_id.to_string(),
            }),
            Err(e) => Err(unavailable(&e)),
        }
    }

    fn delete(&self, key_id: &str) -> Result<()> {
        match Self::entry(key_id)?.delete_credential() {
            Ok(()) | Err(keyring::Error::NoEntry) => Ok(()),
            Err(e) => Err(unavailable(&e)),
        }
    }
}

/// An in-memory store, for tests only: it forgets everything when dropped.
#[derive(Debug, Default)]
pub struct MemoryStore {
    secrets: Mutex<HashMap<String, Secret>>,
    /// When set, every call fails as a missing keychain would.
    pub unavailable: bool,
}

impl MemoryStore {
    /// A store whose every call fails as a missing keychain would.
    pub fn unavailable() -> MemoryStore {
        MemoryStore {
            unavailable: true,
            ..MemoryStore::default()
        }
    }

    fn map(&self) -> Result<std::sync::MutexGuard<'_, HashMap<String, Secret>>> {
        if self.unavailable {
            return Err(CoreError::KeychainUnavailable {
                detail: "test store set to unavailable".into(),
            });
        }
        self.secrets
            .lock()
            .map_err(|_| CoreError::KeychainUnavailable {
                detail: "poisoned".into(),
            })
    }
}

impl SecretStore for MemoryStore {
    fn put(&self, key_id: &str, secret: &Secret) -> Result<()> {
        self.map()?.insert(key_id.to_string(), secret.clone());
        Ok(())
    }

    fn get(&self, key_id: &str) -> Result<Secret> {
        self.map()?
            .get(key_id)
            .cloned()
            .ok_or_else(|| CoreError::NotFound {
                what: "key in the keychain",
                id: key_id.to_string(),
            })
    }

    fn delete(&self, key_id: &str) -> Result<()> {
        self.map()?.remove(key_id);
        Ok(())
    }
}
