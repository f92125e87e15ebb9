//! Which key and endpoint a target is sent with — one rule for the app and the CLI:
//! a named saved key (it must be the target's provider's), else the provider's environment
//! variable (CLI only, for that invocation, never stored), else the provider's default saved
//! key, else no key where the provider can do without one; then the target's own base URL and
//! gateway headers.

use crate::ProviderKind;
use crate::error::{CoreError, Result};
use crate::keys::KeyManager;
use crate::ledger::keys::KeyRecord;
use crate::providers::Endpoint;
use crate::runner::TargetRequest;
use crate::vault::Secret;

/// Where keys may come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeySource {
    /// Saved keys only (the app).
    Keychain,
    /// Saved keys, or the provider's environment variable for this invocation (the CLI).
    KeychainOrEnv,
}

/// Whether the secret is needed (a request will be sent) or not (an estimate).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Secrets {
    /// Read the key from the keychain.
    Read,
    /// Leave the keychain alone: nothing is sent.
    Skip,
}

/// The provider's one-off key from its environment variable, if set.
fn env_key(provider: ProviderKind) -> Option<Secret> {
    provider
        .env_key_vars()
        .iter()
        .find_map(|n| std::env::var(n).ok().filter(|v| !v.trim().is_empty()))
        .map(Secret::new)
}

/// `Name: value` as a header pair; the name must be a plain token.
pub fn parse_header(text: &str) -> Result<(String, String)> {
    let (name, value) = text
        .split_once(':')
        .map(|(n, v)| (n.trim(), v.trim()))
        .filter(|(n, _)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-'))
        .ok_or_else(|| {
            // The value may be a secret (an Authorization header): only the name is repeated.
            let shown = text.split_once(':').map_or("", |(n, _)| n.trim());
            CoreError::invalid(
                "header",
                format!("`{shown}: …` is not `Name: value` (a name of letters, digits and dashes)"),
            )
        })?;
    // CR, LF and other control characters would split the request (and fail it as a network
    // error after it was recorded): refused before anything is sent.
    if value.bytes().any(|b| (b < 0x20 && b != b'\t') || b == 0x7f) {
        return Err(CoreError::invalid(
            "header",
            format!("the value of `{name}` contains a line break or control character"),
        ));
    }
    Ok((name.to_string(), value.to_string()))
}

impl KeyManager {
    /// The endpoint and key for `target` (see the module's rule).
    pub fn resolve(
        &self,
        target: &TargetRequest,
        source: KeySource,
        secrets: Secrets,
    ) -> Result<(Endpoint, Option<KeyRecord>)> {
        let provider = target.provider;
        let named = target
            .key_id
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty());
        let env = match (named, source) {
            (None, KeySource::KeychainOrEnv) => env_key(provider),
            _ => None,
        };
        let (mut ep, rec) = if let Some(id) = named {
            self.saved(provider, id, secrets)?
        } else if let Some(secret) = env {
            crate::keys::admin::refuse_admin_for_inference(&secret)?;
            let mut ep = Endpoint::new(provider, target.base_url.as_deref(), Some(secret))?;
            if provider == ProviderKind::Openai {
                // The OpenAI SDKs' variables, so runs can be attributed per organization and
                // project.
                let var = |n: &str| std::env::var(n).ok().filter(|v| !v.trim().is_empty());
                ep.organization = var("OPENAI_ORG_ID");
                ep.project = var("OPENAI_PROJECT_ID");
            }
            (ep, None)
        } else if let Some(def) = self.default_for(provider)? {
            self.saved(provider, &def.id, secrets)?
        } else if provider.keyless_ok() {
            (
                Endpoint::new(provider, target.base_url.as_deref(), None)?,
                None,
            )
        } else {
            return Err(CoreError::NoKey {
                provider: provider.display_name(),
                provider_id: provider.cli_name(),
                env_var: provider.env_key_vars()[0],
            });
        };
        if let Some(url) = target.base_url.as_deref().filter(|u| !u.trim().is_empty()) {
            ep.base_url = Endpoint::new(provider, Some(url), None)?.base_url;
        }
        for h in &target.headers {
            ep.extra_headers.push(parse_header(h)?);
        }
        Ok((ep, rec))
    }

    /// A saved key's endpoint; the key must belong to `provider`.
    fn saved(
        &self,
        provider: ProviderKind,
        id: &str,
        secrets: Secrets,
    ) -> Result<(Endpoint, Option<KeyRecord>)> {
        let rec = match self.record(id) {
            Err(CoreError::NotFound { .. }) if self.ledger()?.admin_key(id).is_ok() => {
                return Err(CoreError::invalid(
                    "key",
                    format!(
                        "{id} is an admin key: it reads your organisation's billing and is never                          used to run prompts"
                    ),
                ));
            }
            other => other?,
        };
        if rec.provider != provider.as_str() {
            return Err(CoreError::KeyProviderMismatch {
                key_id: id.to_string(),
                key_provider: rec.provider.clone(),
                provider: provider.as_str(),
            });
        }
        let (ep, rec) = match secrets {
            Secrets::Read => self.endpoint(id)?,
            Secrets::Skip => self.endpoint_without_secret(id)?,
        };
        Ok((ep, Some(rec)))
    }
}
