//! Admin credentials: a kind of key of their own (OpenAI `sk-admin-…`, Anthropic
//! `sk-ant-admin…`) that reads an organisation's billing. Validated with a cheap billing call
//! before anything is saved, kept in the OS keychain like other keys, listed apart, and never
//! used for inference: an admin secret is refused wherever an inference key is taken.

use crate::ProviderKind;
use crate::billing::{BillingClient, admin_source};
use crate::error::{CoreError, Result};
use crate::keys::{KeyManager, KeySource};
use crate::ledger::billing::AdminKeyRecord;
use crate::ledger::keys::validate_label;
use crate::vault::Secret;

/// Prefixes only admin keys have.
const ADMIN_PREFIXES: [&str; 2] = ["sk-admin-", "sk-ant-admin"];

/// Prefixes only inference keys have.
const INFERENCE_PREFIXES: [&str; 3] = ["sk-proj-", "sk-ant-api", "sk-svcacct-"];

/// Whether `secret` is an admin key (by its documented prefix).
pub fn is_admin_secret(secret: &str) -> bool {
    ADMIN_PREFIXES.iter().any(|p| secret.starts_with(p))
}

/// Refuses an admin secret offered for inference (a saved key, a rotation, an environment
/// variable): it could read and manage the whole organisation, and it cannot run prompts.
pub fn refuse_admin_for_inference(secret: &Secret) -> Result<()> {
    if is_admin_secret(secret.expose()) {
        return Err(CoreError::invalid(
            "key",
            "this is an admin key: it reads your organisation's billing and is never used to run \
             prompts. Save it with `promptledger keys add --provider openai|anthropic --admin` \
             (or under Keys → Admin keys) and use an inference key for runs",
        ));
    }
    Ok(())
}

/// The environment variable a one-off admin key is read from.
pub fn admin_env_var(provider: ProviderKind) -> Option<&'static str> {
    match provider {
        ProviderKind::Openai => Some("OPENAI_ADMIN_KEY"),
        ProviderKind::Anthropic => Some("ANTHROPIC_ADMIN_KEY"),
        _ => None,
    }
}

/// An admin key as the user enters it.
#[derive(Debug, Clone)]
pub struct NewAdminKey {
    /// `openai` or `anthropic`.
    pub provider: ProviderKind,
    /// Label.
    pub label: String,
    /// The secret.
    pub secret: Secret,
    /// Base URL (a proxy, a test server).
    pub base_url: Option<String>,
}

static COUNTER: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);

fn new_admin_id(provider: ProviderKind) -> String {
    let n = COUNTER.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    format!(
        "admin-{}-{:x}{:04x}{:04x}",
        provider.as_str(),
        crate::ledger::now_ms(),
        std::process::id() & 0xffff,
        n & 0xffff
    )
}

fn clean(v: Option<&str>) -> Option<String> {
    v.map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

impl KeyManager {
    /// Checks an admin key with a billing call, then saves it (keychain, then metadata). One
    /// per provider: a new one replaces the old one, whose secret is deleted.
    pub async fn add_admin(&self, k: NewAdminKey) -> Result<AdminKeyRecord> {
        let label = validate_label(&k.label)?.to_string();
        if admin_source(k.provider).is_none() {
            return Err(CoreError::invalid(
                "provider",
                format!(
                    "{} has no billing API an admin key reads; admin keys are for openai and \
                     anthropic (OpenRouter's own key reads /generation)",
                    k.provider.display_name()
                ),
            ));
        }
        if k.secret.is_empty() {
            return Err(CoreError::invalid("key", "paste the admin key"));
        }
        if INFERENCE_PREFIXES
            .iter()
            .any(|p| k.secret.expose().starts_with(p))
        {
            return Err(CoreError::invalid(
                "key",
                format!(
                    "this is an inference key, not an admin key ({} admin keys start `{}`); \
                     add it without --admin",
                    k.provider.display_name(),
                    if k.provider == ProviderKind::Openai {
                        "sk-admin-"
                    } else {
                        "sk-ant-admin"
                    }
                ),
            ));
        }
        let base_url = clean(k.base_url.as_deref());
        BillingClient::new(
            self.client().clone(),
            k.provider,
            base_url.as_deref(),
            k.secret.clone(),
        )?
        .validate()
        .await?;
        let id = new_admin_id(k.provider);
        let old = self.ledger()?.admin_key_for(k.provider.as_str())?;
        self.store().put(&id, &k.secret)?;
        let last_four = k.secret.preview().trim_start_matches('…').to_string();
        let saved = self.ledger().and_then(|mut l| {
            l.insert_admin_key(
                &id,
                k.provider.as_str(),
                &label,
                &last_four,
                base_url.as_deref(),
                crate::ledger::now_ms(),
            )
        });
        match &saved {
            Ok(_) => {
                if let Some(old) = old {
                    let _ = self.store().delete(&old.id);
                }
            }
            Err(_) => {
                let _ = self.store().delete(&id);
            }
        }
        saved
    }

    /// Deletes an admin key from the keychain, then its metadata.
    pub fn remove_admin(&self, id: &str) -> Result<()> {
        self.ledger()?.admin_key(id)?;
        self.store().delete(id)?;
        self.ledger()?.delete_admin_key(id)
    }

    /// Saved admin keys.
    pub fn admin_keys(&self) -> Result<Vec<AdminKeyRecord>> {
        self.ledger()?.admin_keys()
    }

    /// A billing client for `provider`: the one-off `OPENAI_ADMIN_KEY` / `ANTHROPIC_ADMIN_KEY`
    /// (CLI only, never stored), else the saved admin key. `base_url` overrides the saved one.
    pub fn billing_client(
        &self,
        provider: ProviderKind,
        base_url: Option<&str>,
        source: KeySource,
    ) -> Result<(BillingClient, Option<AdminKeyRecord>)> {
        let env = match source {
            KeySource::KeychainOrEnv => admin_env_var(provider)
                .and_then(|v| std::env::var(v).ok())
                .filter(|v| !v.trim().is_empty())
                .map(Secret::new),
            KeySource::Keychain => None,
        };
        let saved = self.ledger()?.admin_key_for(provider.as_str())?;
        let (secret, rec) = match (env, saved) {
            (Some(s), _) => (s, None),
            (None, Some(rec)) => (self.store().get(&rec.id)?, Some(rec)),
            (None, None) => {
                return Err(CoreError::invalid(
                    "admin key",
                    format!(
                        "no {} admin key yet: add one with `promptledger keys add --provider {} \
                         --admin` (or under Keys → Admin keys){}",
                        provider.display_name(),
                        provider.cli_name(),
                        admin_env_var(provider)
                            .map(|v| format!(", or set {v} for one CLI invocation"))
                            .unwrap_or_default()
                    ),
                ));
            }
        };
        let url = clean(base_url).or_else(|| rec.as_ref().and_then(|r| r.base_url.clone()));
        let client = BillingClient::new(self.client().clone(), provider, url.as_deref(), secret)?;
        Ok((client, rec))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_secrets_are_told_apart() {
        assert!(is_admin_secret(concat!("sk-admin-", "abc")));
        assert!(is_admin_secret(concat!("sk-ant-admin01-", "abc")));
        assert!(!is_admin_secret(concat!("sk-proj-", "abc")));
        assert!(refuse_admin_for_inference(&Secret::new(concat!("sk-admin-", "x"))).is_err());
        assert!(refuse_admin_for_inference(&Secret::new(concat!("sk-ant-api03-", "x"))).is_ok());
    }
}
