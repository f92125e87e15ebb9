//! Keeping prices current: checking for a newer table (a diff shown before anything changes),
//! applying or declining it, the optional weekly check at start-up, a model's rate history, and
//! the Analytics what-if. The rules are the core's; these are thin calls.

use promptledger_core::ErrorCode;
use promptledger_core::analytics::DashboardQuery;
use promptledger_core::analytics::advisor::Advice;
use promptledger_core::analytics::whatif::{WhatIf, WhatIfSpec};
use promptledger_core::charts::{Chart, Theme, render_rate_history};
use promptledger_core::ledger::price_tables::{ImportedTable, RatePoint, TableOrigin};
use promptledger_core::pricing::diff::TableDiff;
use promptledger_core::pricing::update::{DEFAULT_TIMEOUT, DEFAULT_URL, download};
use serde::Serialize;
use tauri::{AppHandle, State};
use ts_rs::TS;

use crate::commands::analytics::{Source, with_source};
use crate::error::{CmdResult, UiError};
use crate::settings::Settings;
use crate::state::{AppState, PendingPrices};

/// Settings → Prices.
#[derive(Debug, Serialize, TS)]
pub struct PriceUpdateInfo {
    /// Where updates come from.
    url: String,
    /// LiteLLM's main branch.
    default_url: &'static str,
    /// When updates were last checked for (RFC 3339).
    checked_at: Option<String>,
    /// The table in use.
    in_use: String,
    /// Every table the ledger has used, oldest first.
    tables: Vec<ImportedTable>,
    /// A checked update not yet applied or declined.
    pending: Option<TableDiff>,
}

fn pending_diff(state: &AppState) -> Option<TableDiff> {
    state
        .pending_prices
        .lock()
        .ok()
        .and_then(|p| p.as_ref().map(|p| p.diff.clone()))
}

/// What Settings → Prices shows.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn prices_update_info(state: State<'_, AppState>) -> CmdResult<PriceUpdateInfo> {
    let (url, checked_at, tables) = state.with_ledger(|l| {
        Ok((
            l.price_update_url()?,
            l.price_update_checked_at()?,
            l.price_tables()?,
        ))
    })?;
    Ok(PriceUpdateInfo {
        url,
        default_url: DEFAULT_URL,
        checked_at,
        in_use: state.pricer().table().version().id.clone(),
        tables,
        pending: pending_diff(&state),
    })
}

/// Sets where updates come from (blank: LiteLLM's main branch).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn prices_update_url_set(state: State<'_, AppState>, url: String) -> CmdResult<String> {
    state.with_ledger(|l| Ok(l.set_price_update_url(&url)?))
}

/// Downloads the table and says what it would change; nothing changes until it is applied.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn prices_update_check(state: State<'_, AppState>) -> CmdResult<TableDiff> {
    check(&state).await
}

async fn check(state: &AppState) -> CmdResult<TableDiff> {
    let url = state.with_ledger(|l| Ok(l.price_update_url()?))?;
    let bytes = download(&url, DEFAULT_TIMEOUT).await?;
    let (table, diff) = state.with_ledger(|l| {
        let preview = l.preview_price_table(&bytes)?;
        l.note_price_update_check()?;
        Ok(preview)
    })?;
    let mut pending = state
        .pending_prices
        .lock()
        .map_err(|_| UiError::new(ErrorCode::Internal, "pending update lock poisoned"))?;
    *pending = (!diff.is_empty()).then(|| PendingPrices {
        bytes,
        table,
        url,
        diff: diff.clone(),
    });
    Ok(diff)
}

/// Applies the checked table `to_version` (the one the user reviewed) and prices with it from
/// now on.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn prices_update_apply(
    state: State<'_, AppState>,
    to_version: String,
) -> CmdResult<ImportedTable> {
    let pending = state
        .pending_prices
        .lock()
        .map_err(|_| UiError::new(ErrorCode::Internal, "pending update lock poisoned"))?
        .take();
    let Some(p) = pending.filter(|p| p.diff.to_version == to_version) else {
        return Err(UiError::new(
            ErrorCode::NotFound,
            "that update is no longer waiting; check for updates again",
        ));
    };
    state.with_ledger(|l| {
        let stored =
            l.store_price_table(&p.table, &p.bytes, TableOrigin::Update, None, Some(&p.url))?;
        state.refresh_pricer(l)?;
        Ok(stored)
    })
}

/// Forgets a checked table without applying it.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn prices_update_decline(state: State<'_, AppState>) -> CmdResult<()> {
    if let Ok(mut p) = state.pending_prices.lock() {
        *p = None;
    }
    Ok(())
}

/// At start-up: when the weekly check is on (off by default) and a week has passed, checks for
/// a newer table and returns its diff when there is one. No network call otherwise.
#[tauri::command]
#[tracing::instrument(skip(app, state), err(level = "info"))]
pub async fn prices_update_startup(
    app: AppHandle,
    state: State<'_, AppState>,
) -> CmdResult<Option<TableDiff>> {
    if !Settings::load(&app).price_check_weekly
        || !state.with_ledger(|l| Ok(l.price_update_due()?))?
    {
        return Ok(pending_diff(&state));
    }
    let diff = check(&state).await?;
    Ok((!diff.is_empty()).then_some(diff))
}

/// A model's rates in every table the ledger used, and their step chart.
#[derive(Debug, Serialize, TS)]
pub struct PriceHistoryView {
    points: Vec<RatePoint>,
    chart: Chart,
}

/// The Prices screen's rate history of one model.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn price_history(
    state: State<'_, AppState>,
    model: String,
    theme: Theme,
    chart_width: Option<u32>,
) -> CmdResult<PriceHistoryView> {
    let points = state.with_ledger(|l| Ok(l.price_history(&model)?))?;
    let w = chart_width.unwrap_or(560);
    let chart = render_rate_history(&points, theme, w, (w * 2 / 5).clamp(200, 280))?;
    Ok(PriceHistoryView { points, chart })
}

/// The Analytics what-if panel: the period and filters of the dashboard, re-priced.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn analytics_what_if(
    state: State<'_, AppState>,
    source: Source,
    query: DashboardQuery,
    spec: WhatIfSpec,
) -> CmdResult<WhatIf> {
    with_source(&state, source, |l| {
        l.follow_stored_zone()?;
        let range = query.period.range(l.time_zone().today())?;
        Ok(l.what_if(&range, &query.filters.normalized(), &spec)?)
    })
}

/// The Analytics savings advisor for the dashboard's period and filters.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn analytics_advice(
    state: State<'_, AppState>,
    source: Source,
    query: DashboardQuery,
) -> CmdResult<Vec<Advice>> {
    with_source(&state, source, |l| {
        l.follow_stored_zone()?;
        let range = query.period.range(l.time_zone().today())?;
        Ok(l.advice(&range, &query.filters.normalized())?)
    })
}
