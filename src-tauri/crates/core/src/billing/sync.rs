//! A sync: fetch a provider's billed usage and costs for a range of UTC days and store them
//! (replacing those days), then — for OpenAI — the organisation's projects and keys, mapping each
//! saved inference key onto its `key_…` id and project by the key's redacted value (the full key
//! never leaves the machine). OpenRouter: look up each unchecked run's generation.
//!
//! Nothing is held locked while a request is in flight; each store is one transaction.

use serde::Serialize;
use std::collections::HashMap;

use crate::ProviderKind;
use crate::billing::openrouter;
use crate::billing::{DayRange, admin_source, redacted_matches, today_utc};
use crate::error::{CoreError, Result};
use crate::keys::{KeyManager, KeySource};
use crate::providers::Endpoint;

/// Most OpenRouter runs looked up per sync.
const MAX_GENERATIONS: usize = 500;

/// What a sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct SyncOutcome {
    /// Provider id.
    pub provider: String,
    /// First UTC day fetched.
    pub from: String,
    /// Last UTC day fetched.
    pub to: String,
    /// Days stored.
    pub days: usize,
    /// Token rows stored.
    pub usage_rows: usize,
    /// Money rows stored.
    pub cost_rows: usize,
    /// HTTP pages read.
    pub pages: u32,
    /// OpenAI projects listed.
    pub projects: usize,
    /// Saved keys mapped onto a project key.
    pub keys_mapped: usize,
    /// Runs newly attributed to a project.
    pub runs_attributed: usize,
    /// OpenRouter runs looked up.
    pub generations_checked: usize,
    /// OpenRouter runs not found (OpenRouter does not know them yet, or their key was removed).
    pub generations_missing: usize,
}

/// Syncs `provider` for `range` (default: the last 3 UTC days and every day since the last
/// sync; 30 days the first time). `base_url` overrides the admin key's.
pub async fn sync_range(
    keys: &KeyManager,
    provider: ProviderKind,
    range: Option<DayRange>,
    base_url: Option<&str>,
    source: KeySource,
) -> Result<SyncOutcome> {
    let today = today_utc();
    let range = match range {
        Some(r) => r,
        None => keys
            .ledger()?
            .default_sync_range(provider.as_str(), today)?,
    };
    if provider == ProviderKind::Openrouter {
        return sync_openrouter(keys, range, base_url).await;
    }
    if admin_source(provider).is_none() {
        return Err(CoreError::invalid(
            "provider",
            if provider == ProviderKind::Gemini {
                "Google offers no billing API for AI Studio keys: Gemini spend cannot be checked \
                 against a bill"
                    .to_string()
            } else {
                format!(
                    "{} has no billing API PromptLedger can read (openai, anthropic, openrouter)",
                    provider.display_name()
                )
            },
        ));
    }
    let (client, rec) = keys.billing_client(provider, base_url, source)?;
    let note = |err: Option<&CoreError>| -> Result<()> {
        if let Some(rec) = &rec {
            let e = err.map(|e| (e.code().as_str(), e.to_string()));
            keys.ledger()?.note_admin_key(
                &rec.id,
                crate::ledger::now_ms(),
                e.as_ref().map(|(c, m)| (*c, m.as_str())),
            )?;
        }
        Ok(())
    };
    let fetched = match client.fetch(range).await {
        Ok(f) => f,
        Err(e) => {
            note(Some(&e))?;
            return Err(e);
        }
    };
    keys.ledger()?
        .store_billing(provider.as_str(), range, &fetched, crate::ledger::now_ms())?;
    let mut out = SyncOutcome {
        provider: provider.as_str().into(),
        from: range.from.to_string(),
        to: range.to.to_string(),
        days: range.days().count(),
        usage_rows: fetched.usage.len(),
        cost_rows: fetched.costs.len(),
        pages: fetched.pages,
        ..SyncOutcome::default()
    };
    if provider == ProviderKind::Openai {
        let (projects, project_keys) = match client.openai_projects().await {
            Ok(p) => p,
            Err(e) => {
                note(Some(&e))?;
                return Err(e);
            }
        };
        keys.ledger()?
            .store_openai_projects(&projects, &project_keys, crate::ledger::now_ms())?;
        out.projects = projects.len();
        let (mapped, runs) = map_openai_keys(keys, &project_keys)?;
        out.keys_mapped = mapped;
        out.runs_attributed = runs;
    }
    note(None)?;
    Ok(out)
}

/// Maps each saved OpenAI key whose secret matches a project key's redacted value.
fn map_openai_keys(
    keys: &KeyManager,
    project_keys: &[crate::billing::OpenAiProjectKey],
) -> Result<(usize, usize)> {
    let (mut mapped, mut runs) = (0, 0);
    for k in keys.list()? {
        if k.provider != ProviderKind::Openai.as_str() || k.status == "sample" {
            continue;
        }
        let Ok(secret) = keys.store().get(&k.id) else {
            continue;
        };
        if let Some(pk) = project_keys
            .iter()
            .find(|pk| redacted_matches(&pk.redacted_value, secret.expose()))
        {
            runs += keys
                .ledger()?
                .map_key_to_project(&k.id, Some(&pk.id), Some(&pk.project_id))?;
            mapped += 1;
        }
    }
    Ok((mapped, runs))
}

/// Looks up OpenRouter runs of `range` that were not checked yet.
async fn sync_openrouter(
    keys: &KeyManager,
    range: DayRange,
    base_url: Option<&str>,
) -> Result<SyncOutcome> {
    let todo = keys.ledger()?.openrouter_runs_to_check(range)?;
    let mut out = SyncOutcome {
        provider: ProviderKind::Openrouter.as_str().into(),
        from: range.from.to_string(),
        to: range.to.to_string(),
        days: range.days().count(),
        ..SyncOutcome::default()
    };
    // One keychain read per key, not per run.
    let mut endpoints: HashMap<Option<String>, Option<Endpoint>> = HashMap::new();
    for (run_id, gen_id, key_id) in todo.into_iter().take(MAX_GENERATIONS) {
        if !endpoints.contains_key(&key_id) {
            let id = match &key_id {
                Some(id) => Some(id.clone()),
                None => keys.default_for(ProviderKind::Openrouter)?.map(|d| d.id),
            };
            let ep = match id.map(|id| keys.endpoint(&id)) {
                Some(Ok((mut ep, _))) => {
                    if let Some(u) = base_url.map(str::trim).filter(|u| !u.is_empty()) {
                        ep.base_url = u.trim_end_matches('/').to_string();
                    }
                    Some(ep)
                }
                // A removed key: its runs cannot be looked up (they stay pending).
                Some(Err(CoreError::NotFound { .. })) | None => None,
                Some(Err(e)) => return Err(e),
            };
            endpoints.insert(key_id.clone(), ep);
        }
        let Some(Some(ep)) = endpoints.get(&key_id) else {
            out.generations_missing += 1;
            continue;
        };
        match openrouter::generation(keys.client(), ep, &gen_id).await? {
            Some(g) => {
                keys.ledger()?
                    .store_generation(run_id, &g, crate::ledger::now_ms())?;
                out.generations_checked += 1;
            }
            None => out.generations_missing += 1,
        }
    }
    Ok(out)
}
