//! Compare screen commands: estimate, run all columns (events tagged with the column), retry a
//! column, save ratings/order/notes, reopen, export CSV.

use promptledger_core::ledger::comparisons::{ColumnRecord, ComparisonRecord};
use promptledger_core::runner::compare::{CompareEstimate, Summary, summarize};
use promptledger_core::runner::view::RunView;
use promptledger_core::runner::{CompareRequest, PromptInput, RunEvent, TargetRequest};
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::commands::runs::PlayEvent;
use crate::error::{CmdResult, UiError};
use crate::state::AppState;
use promptledger_core::ErrorCode;

/// One target: a key (or provider), a model and its settings.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct TargetInput {
    provider: String,
    key_id: Option<String>,
    model: String,
    temperature: Option<f64>,
    max_tokens: Option<u32>,
    system: Option<String>,
}

/// The Compare form.
#[derive(Debug, Clone, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct CompareInput {
    run_token: String,
    prompt: String,
    system: Option<String>,
    targets: Vec<TargetInput>,
    /// Fill this template (for every target) instead of using `prompt`.
    template: Option<String>,
    #[serde(default)]
    vars: std::collections::BTreeMap<String, String>,
    /// The user's explicit one-time override of a block-mode budget.
    #[serde(default)]
    override_budget: bool,
}

impl TargetInput {
    /// As the run service takes it.
    pub(crate) fn request(&self) -> CmdResult<TargetRequest> {
        Ok(TargetRequest {
            key_id: self.key_id.clone(),
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            system: self.system.clone(),
            ..TargetRequest::new(self.provider.parse()?, self.model.clone())
        })
    }
}

impl CompareInput {
    /// What the user asked for.
    pub fn request(&self) -> CmdResult<CompareRequest> {
        let targets = self
            .targets
            .iter()
            .map(TargetInput::request)
            .collect::<CmdResult<Vec<_>>>()?;
        let prompt = PromptInput::from_parts(
            self.prompt.clone(),
            self.template.as_deref(),
            self.vars.clone(),
        );
        Ok(CompareRequest {
            system: self.system.clone(),
            override_budget: self.override_budget,
            ..CompareRequest::new(targets, prompt)
        })
    }
}

/// A column's event.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ColumnEvent {
    /// Column position.
    column: usize,
    /// The event.
    event: PlayEvent,
}

/// A comparison with each column's run and the summary.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ComparisonView {
    comparison: ComparisonRecord,
    runs: Vec<Option<RunView>>,
    summary: Summary,
}

fn view(state: &AppState, id: i64) -> CmdResult<ComparisonView> {
    state.with_ledger(|l| {
        let comparison = l.comparison(id)?;
        let records = comparison
            .columns
            .iter()
            .map(|c| c.run_id.map(|r| l.run(r)).transpose())
            .collect::<Result<Vec<_>, _>>()?;
        let summary = summarize(&records.iter().map(Option::as_ref).collect::<Vec<_>>());
        let runs = records
            .iter()
            .map(|r| r.as_ref().map(RunView::from))
            .collect();
        Ok(ComparisonView {
            comparison,
            runs,
            summary,
        })
    })
}

/// Cost per column and in total, before anything is sent.
#[tauri::command]
#[tracing::instrument(skip(state, input), err(level = "info"))]
pub async fn compare_estimate(
    state: State<'_, AppState>,
    input: CompareInput,
) -> CmdResult<CompareEstimate> {
    Ok(state.service()?.estimate_compare(&input.request()?)?)
}

/// Runs every column concurrently, streaming each over `channel`.
#[tauri::command]
#[tracing::instrument(skip(state, input, channel), err(level = "info"))]
pub async fn compare_start(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    input: CompareInput,
    channel: Channel<ColumnEvent>,
) -> CmdResult<ComparisonView> {
    let service = state.service()?;
    let prepared = service.prepare_compare(&input.request()?)?;
    let id = prepared.id;
    let cancel = CancellationToken::new();
    state.register_run(&input.run_token, cancel.clone());
    let send = |column: usize, e: RunEvent| {
        let _ = channel.send(ColumnEvent {
            column,
            event: PlayEvent::from(e),
        });
    };
    let outcomes = service.compare(prepared, &send, &cancel).await;
    state.forget_run(&input.run_token);
    let alerts: Vec<_> = outcomes
        .iter()
        .filter_map(|o| o.result.as_ref().ok())
        .flat_map(|o| o.alerts.clone())
        .collect();
    if !alerts.is_empty() {
        let _ = channel.send(ColumnEvent {
            column: 0,
            event: PlayEvent::BudgetAlerts {
                alerts: alerts.clone(),
            },
        });
        crate::commands::runs::notify(&app, &alerts);
    }
    view(&state, id)
}

/// Runs one column again; the column then shows the new run.
#[tauri::command]
#[tracing::instrument(skip(state, input, channel), err(level = "info"))]
pub async fn compare_retry(
    state: State<'_, AppState>,
    id: i64,
    position: usize,
    input: CompareInput,
    channel: Channel<ColumnEvent>,
) -> CmdResult<ComparisonView> {
    let service = state.service()?;
    let prepared = service.prepare_column(&input.request()?, id, position)?;
    let mut on = |e: RunEvent| {
        let _ = channel.send(ColumnEvent {
            column: position,
            event: PlayEvent::from(e),
        });
    };
    let out = service
        .run(prepared, &mut on, &CancellationToken::new())
        .await?;
    state.with_ledger(|l| Ok(l.set_column_run(id, position as i64, out.record.id)?))?;
    view(&state, id)
}

/// A saved comparison.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn comparison_get(state: State<'_, AppState>, id: i64) -> CmdResult<ComparisonView> {
    view(&state, id)
}

/// Saved comparisons, newest first.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn comparisons_list(state: State<'_, AppState>) -> CmdResult<Vec<ComparisonRecord>> {
    state.with_ledger(|l| Ok(l.comparisons(100)?))
}

/// Saves order, ratings, best, hidden and notes.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn comparison_update(
    state: State<'_, AppState>,
    id: i64,
    columns: Vec<ColumnRecord>,
    notes: Option<String>,
) -> CmdResult<ComparisonView> {
    state.with_ledger(|l| Ok(l.update_comparison(id, &columns, notes.as_deref())?))?;
    view(&state, id)
}

/// Writes the comparison as CSV where the user picks (the native save dialog); returns the
/// path, or `None` when the dialog was cancelled.
#[tauri::command]
#[tracing::instrument(skip(app, state), err(level = "info"))]
pub async fn comparison_export_csv(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    id: i64,
) -> CmdResult<Option<String>> {
    let bytes = state.with_ledger(|l| Ok(promptledger_core::export::comparison_csv(l, id)?))?;
    let name = format!("promptledger-comparison-{id}.csv");
    let Some(dest) = crate::commands::analytics::save_path(&app, name, ("CSV", "csv")).await?
    else {
        return Ok(None);
    };
    let mut file = promptledger_core::export::ExportFile::create(&dest)?;
    file.writer()?
        .write_all(&bytes)
        .map_err(|e| UiError::new(ErrorCode::NotWritable, e.to_string()))?;
    Ok(Some(file.finish()?.display().to_string()))
}
