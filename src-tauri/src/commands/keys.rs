//! Keys screen commands. A secret crosses IPC only inbound (add, rotate) as a `Secret`, whose
//! Debug prints `…abcd`; nothing here ever returns one.

use promptledger_core::ProviderKind;
use promptledger_core::keys::NewKey;
use promptledger_core::ledger::keys::KeyRecord;
use promptledger_core::vault::Secret;
use serde::Deserialize;
use tauri::State;
use ts_rs::TS;

use crate::error::CmdResult;
use crate::state::AppState;

/// The add-key form.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct KeyInput {
    provider: String,
    label: String,
    #[ts(type = "string")]
    secret: Secret,
    base_url: Option<String>,
    organization: Option<String>,
    project: Option<String>,
    display_name: Option<String>,
}

/// Every saved key with its health and this month's spend.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn keys_list(state: State<'_, AppState>) -> CmdResult<Vec<KeyRecord>> {
    Ok(state.keys()?.list()?)
}

/// Validates the key against the provider, then saves it (keychain + metadata).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn key_add(state: State<'_, AppState>, input: KeyInput) -> CmdResult<KeyRecord> {
    let provider: ProviderKind = input.provider.parse()?;
    let new = NewKey {
        provider,
        label: input.label,
        secret: input.secret,
        base_url: input.base_url,
        organization: input.organization,
        project: input.project,
        display_name: input.display_name,
    };
    Ok(state.keys()?.add(new).await?)
}

/// Checks a saved key now.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn key_test(state: State<'_, AppState>, id: String) -> CmdResult<KeyRecord> {
    Ok(state.keys()?.test(&id).await?)
}

/// Replaces a key's secret (validated first).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn key_rotate(
    state: State<'_, AppState>,
    id: String,
    secret: Secret,
) -> CmdResult<KeyRecord> {
    Ok(state.keys()?.rotate(&id, secret).await?)
}

/// Makes a key its provider's default.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn key_set_default(state: State<'_, AppState>, id: String) -> CmdResult<KeyRecord> {
    Ok(state.keys()?.set_default(&id)?)
}

/// Renames a key.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn key_rename(
    state: State<'_, AppState>,
    id: String,
    label: String,
) -> CmdResult<KeyRecord> {
    Ok(state.keys()?.rename(&id, &label)?)
}

/// Deletes a key from the keychain; its runs keep the label.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn key_remove(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    Ok(state.keys()?.remove(&id)?)
}
