//! Key management: add (validated against the provider **before** anything is saved), test,
//! rotate (same id and history, new secret), set default, rename, remove. Secrets go only to the
//! `SecretStore` (the OS keychain); the ledger keeps metadata. No function returns a secret
//! except [`KeyManager::endpoint`], which hands it to the HTTP client.

pub mod admin;
mod resolve;

use std::sync::{Arc, Mutex, MutexGuard};

use crate::ProviderKind;
use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::ledger::keys::{KeyRecord, NewKeyRecord, validate_label};
use crate::providers::{Endpoint, ProviderClient};
use crate::vault::{Secret, SecretStore};
pub use resolve::{KeySource, Secrets, parse_header};

/// A key as the user enters it.
#[derive(Debug, Clone)]
pub struct NewKey {
    /// Provider.
    pub provider: ProviderKind,
    /// Label.
    pub label: String,
    /// The secret (may be empty for Ollama and keyless local servers).
    pub secret: Secret,
    /// Base URL (required for OpenAI-compatible).
    pub base_url: Option<String>,
    /// OpenAI organization.
    pub organization: Option<String>,
    /// OpenAI project.
    pub project: Option<String>,
    /// Display name of an OpenAI-compatible endpoint ("OpenRouter", "Groq").
    pub display_name: Option<String>,
}

/// Adds, checks and removes keys.
#[derive(Clone)]
pub struct KeyManager {
    store: Arc<dyn SecretStore>,
    client: ProviderClient,
    ledger: Arc<Mutex<Ledger>>,
}

fn clean(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn last_four(s: &Secret) -> String {
    s.preview().trim_start_matches('…').to_string()
}

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

/// A new key id: time, process and a counter (unique without a random source).
fn new_id(provider: ProviderKind) -> String {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "{}-{:x}{:04x}{:04x}",
        provider.as_str().replace('_', "-"),
        crate::ledger::now_ms(),
        std::process::id() & 0xffff,
        n & 0xffff
    )
}

impl KeyManager {
    /// A manager over `store` (the keychain) and `ledger`.
    pub fn new(
        store: Arc<dyn SecretStore>,
        client: ProviderClient,
        ledger: Arc<Mutex<Ledger>>,
    ) -> KeyManager {
        KeyManager {
            store,
            client,
            ledger,
        }
    }

    pub(crate) fn ledger(&self) -> Result<MutexGuard<'_, Ledger>> {
        crate::error::lock(&self.ledger, "ledger")
    }

    pub(crate) fn store(&self) -> &dyn SecretStore {
        self.store.as_ref()
    }

    /// The HTTP client keys are checked with.
    pub fn client(&self) -> &ProviderClient {
        &self.client
    }

    /// A saved key's metadata.
    pub fn record(&self, id: &str) -> Result<KeyRecord> {
        self.ledger()?.key(id)
    }

    fn endpoint_of(
        &self,
        provider: ProviderKind,
        base_url: Option<&str>,
        secret: Secret,
        org: Option<String>,
        project: Option<String>,
    ) -> Result<Endpoint> {
        let mut ep = Endpoint::new(provider, base_url, Some(secret))?;
        ep.organization = org;
        ep.project = project;
        Ok(ep)
    }

    /// Validates the key against the provider (its model list, which costs no tokens), then
    /// saves the secret in the keychain and the metadata in the ledger. Any failure saves
    /// nothing.
    pub async fn add(&self, k: NewKey) -> Result<KeyRecord> {
        let label = validate_label(&k.label)?.to_string();
        let needs_secret = !k.provider.keyless_ok();
        if needs_secret && k.secret.is_empty() {
            return Err(CoreError::invalid("key", "paste the API key"));
        }
        admin::refuse_admin_for_inference(&k.secret)?;
        let (org, project) = (clean(&k.organization), clean(&k.project));
        let base_url = clean(&k.base_url);
        let ep = self.endpoint_of(
            k.provider,
            base_url.as_deref(),
            k.secret.clone(),
            org.clone(),
            project.clone(),
        )?;
        self.client.list_models(&ep).await?;
        let id = new_id(k.provider);
        self.store.put(&id, &k.secret)?;
        let record = NewKeyRecord {
            id: id.clone(),
            provider: k.provider.as_str().into(),
            label,
            last_four: last_four(&k.secret),
            base_url,
            organization: org,
            project,
            display_name: clean(&k.display_name),
        };
        let saved = self
            .ledger()
            .and_then(|mut l| l.insert_key(&record, crate::ledger::now_ms()));
        if saved.is_err() {
            // Do not leave a secret behind that nothing points to.
            let _ = self.store.delete(&id);
        }
        saved
    }

    /// Checks a saved key against its provider and records the result.
    pub async fn test(&self, id: &str) -> Result<KeyRecord> {
        let ep = self.endpoint(id)?.0;
        let result = self.client.list_models(&ep).await;
        let now = crate::ledger::now_ms();
        let mut ledger = self.ledger()?;
        match &result {
            Ok(_) => ledger.set_key_health(id, "valid", None, now)?,
            Err(e) => {
                let code = e.code().as_str();
                let status =
                    if matches!(code, "invalid_key" | "permission_denied" | "quota_exceeded") {
                        "invalid"
                    } else {
                        "error"
                    };
                ledger.set_key_health(id, status, Some((code, &e.to_string())), now)?;
            }
        }
        ledger.key(id)
    }

    /// Replaces a key's secret (validated first), keeping its id, label and history.
    pub async fn rotate(&self, id: &str, secret: Secret) -> Result<KeyRecord> {
        let k = self.ledger()?.key(id)?;
        let provider: ProviderKind = k.provider.parse()?;
        admin::refuse_admin_for_inference(&secret)?;
        let ep = self.endpoint_of(
            provider,
            k.base_url.as_deref(),
            secret.clone(),
            k.organization.clone(),
            k.project.clone(),
        )?;
        self.client.list_models(&ep).await?;
        self.store.put(id, &secret)?;
        let mut ledger = self.ledger()?;
        ledger.set_key_rotated(id, &last_four(&secret), crate::ledger::now_ms())?;
        ledger.key(id)
    }

    /// Makes `id` its provider's default key.
    pub fn set_default(&self, id: &str) -> Result<KeyRecord> {
        let mut ledger = self.ledger()?;
        ledger.set_default_key(id)?;
        ledger.key(id)
    }

    /// Renames a key.
    pub fn rename(&self, id: &str, label: &str) -> Result<KeyRecord> {
        let mut ledger = self.ledger()?;
        ledger.rename_key(id, label)?;
        ledger.key(id)
    }

    /// Deletes the keychain entry, then the metadata. Runs keep the key's label. An admin key's
    /// id removes that admin key.
    pub fn remove(&self, id: &str) -> Result<()> {
        // The ledger lock is released before the admin table is asked.
        let found = self.ledger()?.key(id).map(|_| ());
        if let Err(e) = found {
            let admin = self.ledger()?.admin_key(id).is_ok();
            return match e {
                CoreError::NotFound { .. } if admin => self.remove_admin(id),
                e => Err(e),
            };
        }
        self.store.delete(id)?;
        self.ledger()?.delete_key(id)
    }

    /// Every saved key.
    pub fn list(&self) -> Result<Vec<KeyRecord>> {
        self.ledger()?.keys()
    }

    /// The endpoint for a saved key, with its secret from the keychain.
    pub fn endpoint(&self, id: &str) -> Result<(Endpoint, KeyRecord)> {
        let k = self.ledger()?.key(id)?;
        let provider: ProviderKind = k.provider.parse()?;
        let secret = self.store.get(id)?;
        let ep = self.endpoint_of(
            provider,
            k.base_url.as_deref(),
            secret,
            k.organization.clone(),
            k.project.clone(),
        )?;
        Ok((ep, k))
    }

    /// The endpoint for a saved key without reading its secret (for estimates, which send
    /// nothing): no keychain access.
    pub fn endpoint_without_secret(&self, id: &str) -> Result<(Endpoint, KeyRecord)> {
        let k = self.ledger()?.key(id)?;
        let provider: ProviderKind = k.provider.parse()?;
        let mut ep = Endpoint::new(provider, k.base_url.as_deref(), None)?;
        ep.organization = k.organization.clone();
        ep.project = k.project.clone();
        Ok((ep, k))
    }

    /// The provider's default key, if one is saved.
    pub fn default_for(&self, provider: ProviderKind) -> Result<Option<KeyRecord>> {
        self.ledger()?.default_key(provider.as_str())
    }
}
