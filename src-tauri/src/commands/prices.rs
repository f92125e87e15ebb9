//! Prices screen and cost calculator commands.

use promptledger_core::money::RatePerMTok;
use promptledger_core::pricing::report::{CostReport, ModelFilter, ModelRow};
use promptledger_core::pricing::{PriceOverride, Rates, TokenUsage};
use promptledger_core::{CoreError, ProviderKind};
use serde::Deserialize;
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

/// An override or custom model as typed in the form: prices in USD per 1M tokens, as text.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OverrideInput {
    model: String,
    input: Option<String>,
    output: Option<String>,
    cached: Option<String>,
    cache_write: Option<String>,
    cache_write1h: Option<String>,
    reasoning: Option<String>,
    context_window: Option<u64>,
    note: Option<String>,
}

fn rate(field: &str, v: &Option<String>) -> Result<Option<RatePerMTok>, CoreError> {
    match v.as_deref().map(str::trim) {
        None | Some("") => Ok(None),
        Some(s) => RatePerMTok::parse_usd_per_mtok(s).map(Some).ok_or_else(|| {
            CoreError::invalid(field, format!("`{s}` is not a price in USD per 1M tokens"))
        }),
    }
}

/// Saves an override (or a custom model) and returns the model's new row.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn price_override_set(
    state: State<'_, AppState>,
    input: OverrideInput,
) -> CmdResult<ModelRow> {
    let o = PriceOverride {
        model: input.model.trim().to_string(),
        rates: Rates {
            input: rate("input price", &input.input)?,
            output: rate("output price", &input.output)?,
            cache_read: rate("cached-input price", &input.cached)?,
            cache_write_5m: rate("cache-write price", &input.cache_write)?,
            cache_write_1h: rate("1-hour cache-write price", &input.cache_write1h)?,
            reasoning: rate("reasoning price", &input.reasoning)?,
        },
        max_input_tokens: input.context_window,
        note: input.note.filter(|n| !n.trim().is_empty()),
        updated_at: promptledger_core::ledger::now_rfc3339(),
    };
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

/// The cost calculator: prices token counts on a model.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn cost_calculate(
    state: State<'_, AppState>,
    provider: String,
    model: String,
    usage: TokenUsage,
) -> CmdResult<CostReport> {
    let provider: ProviderKind = provider.parse()?;
    let priced = state.pricer().price(provider, &model, &usage)?;
    Ok(CostReport::from(&priced))
}
