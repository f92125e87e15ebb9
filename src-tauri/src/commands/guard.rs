//! Budgets screen, alert banner, response cache and provider health commands.

use promptledger_core::ledger::budgets::{BudgetAlert, BudgetStatus, NewBudget};
use promptledger_core::ledger::cache::CacheStats;
use promptledger_core::ledger::health::HealthReport;
use tauri::State;

use crate::error::CmdResult;
use crate::state::AppState;

/// Every budget with its spend this period.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn budgets_list(state: State<'_, AppState>) -> CmdResult<Vec<BudgetStatus>> {
    state.with_ledger(|l| Ok(l.budget_statuses()?))
}

/// Adds a budget; returns the list.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn budget_add(
    state: State<'_, AppState>,
    budget: NewBudget,
) -> CmdResult<Vec<BudgetStatus>> {
    state.with_ledger(|l| {
        l.add_budget(&budget)?;
        Ok(l.budget_statuses()?)
    })
}

/// Removes a budget; returns the list.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn budget_remove(state: State<'_, AppState>, id: i64) -> CmdResult<Vec<BudgetStatus>> {
    state.with_ledger(|l| {
        l.remove_budget(id)?;
        Ok(l.budget_statuses()?)
    })
}

/// Alerts of the current budget periods that the user has not dismissed.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn budget_alerts(state: State<'_, AppState>) -> CmdResult<Vec<BudgetAlert>> {
    state.with_ledger(|l| Ok(l.budget_alerts(false)?))
}

/// Dismisses the alert banner.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn budget_alerts_dismiss(state: State<'_, AppState>) -> CmdResult<()> {
    state.with_ledger(|l| Ok(l.dismiss_budget_alerts()?))
}

/// What the response cache holds.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn cache_stats(state: State<'_, AppState>) -> CmdResult<CacheStats> {
    state.with_ledger(|l| Ok(l.cache_stats()?))
}

/// Empties the response cache; returns how many answers were dropped.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn cache_clear(state: State<'_, AppState>) -> CmdResult<usize> {
    state.with_ledger(|l| Ok(l.cache_clear()?))
}

/// Health of every provider and key, from their latest runs.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn health_report(state: State<'_, AppState>) -> CmdResult<HealthReport> {
    state.with_ledger(|l| Ok(l.health()?))
}

/// The optional background check: every `health_check_minutes`, each key's model list is
/// fetched (no tokens), which records its status and last error on the key.
pub fn spawn_health_checks(app: tauri::AppHandle) {
    use tauri::Manager;
    crate::settings::spawn_every(
        app,
        |s| s.health_check_minutes,
        |app| async move {
            let Some(state) = app.try_state::<AppState>() else {
                return;
            };
            let Ok(keys) = state.keys() else { return };
            let Ok(list) = keys.list() else { return };
            for k in list {
                if let Err(e) = keys.test(&k.id).await {
                    tracing::info!("health check of key {}: {e}", k.label);
                }
            }
        },
    );
}
