//! Prices screen and cost calculator commands.

use promptledger_core::ProviderKind;
use promptledger_core::ledger::unpriced::Repriced;
use promptledger_core::pricing::report::{CostReport, ModelFilter, ModelRow};
use promptledger_core::pricing::{Billing, OverrideText, TokenUsage};
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// Searchable model list.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn prices_list(
    state: State<'_, AppState>,
    search: Option<String>,
    provider: Option<String>,
    chat_only: bool,
) -> CmdResult<Vec<ModelRow>> {
    Ok(state.pricer().list(&ModelFilter {
        search,
        provider,
        chat_only,
    }))
}

/// One model, resolved the way runs resolve it.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn price_show(
    state: State<'_, AppState>,
    provider: Option<String>,
    model: String,
) -> CmdResult<ModelRow> {
    let provider = provider
        .filter(|p| !p.is_empty())
        .map(|p| p.parse::<ProviderKind>())
        .transpose()?;
    Ok(state.pricer().show(provider, &model)?)
}

/// Saves an override (or a custom model) and returns the model's new row.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn price_override_set(
    state: State<'_, AppState>,
    input: OverrideText,
) -> CmdResult<ModelRow> {
    let o = input.parse(promptledger_core::ledger::now_rfc3339())?;
    state.with_ledger(|l| {
        l.set_override(&o)?;
        state.refresh_pricer(l)
    })?;
    Ok(state.pricer().show(None, &o.model)?)
}

/// Removes an override or custom model.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn price_override_remove(state: State<'_, AppState>, model: String) -> CmdResult<()> {
    state.with_ledger(|l| {
        l.remove_override(&model)?;
        state.refresh_pricer(l)
    })
}

/// How many runs of `model` are unpriced (recorded before it had a price).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn price_unpriced_count(state: State<'_, AppState>, model: String) -> CmdResult<u64> {
    state.with_ledger(|l| Ok(l.unpriced_run_count(&model)?))
}

/// Prices the unpriced runs of `model` once, at its price now (the user's new price).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn price_reprice_unpriced(
    state: State<'_, AppState>,
    model: String,
) -> CmdResult<Repriced> {
    let pricer = state.pricer();
    state.with_ledger(|l| Ok(l.reprice_unpriced(&model, &pricer)?))
}

/// The cost calculator: prices token counts on a model, as made at `at` (RFC 3339; now when
/// absent).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn cost_calculate(
    state: State<'_, AppState>,
    provider: String,
    model: String,
    usage: TokenUsage,
    at: Option<String>,
) -> CmdResult<CostReport> {
    let provider: ProviderKind = provider.parse()?;
    let billing = Billing::at_rfc3339(at.as_deref())?;
    let priced = state
        .pricer()
        .price_as(provider, &model, &usage, &billing)?;
    Ok(CostReport::from(&priced))
}
