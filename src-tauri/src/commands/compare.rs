//! Compare screen commands: estimate, run all columns (events tagged with the column), retry a
//! column, save ratings/order/notes, reopen, export CSV.

use promptledger_core::ProviderKind;
use promptledger_core::ledger::comparisons::{ColumnRecord, ComparisonRecord};
use promptledger_core::providers::{ChatRequest, Message, Role};
use promptledger_core::runner::compare::{Column, CompareEstimate, Summary, summarize};
use promptledger_core::runner::view::RunView;
use promptledger_core::runner::{RunSpec, Runner};
use serde::{Deserialize, Serialize};
use tauri::State;
use tauri::ipc::Channel;
use tokio_util::sync::CancellationToken;

use crate::commands::runs::{PlayEvent, endpoint_for};
use crate::error::{CmdResult, UiError};
use crate::state::AppState;

/// One target: a key (or provider), a model and its settings.
#[derive(Debug, Clone, Deserialize)]
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
#[derive(Debug, Clone, Deserialize)]
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

/// The prompt, system prompt and template version every column gets.
type Shared = (String, Option<String>, Option<(i64, i64)>);

fn shared(state: &AppState, input: &CompareInput) -> CmdResult<Shared> {
    match input.template.as_deref().filter(|t| !t.is_empty()) {
        Some(name) => {
            let t = state.with_ledger(|l| Ok(l.template(name)?))?;
            let text = promptledger_core::templates::render(&t.body, &input.vars)?;
            let system = input
                .system
                .clone()
                .filter(|s| !s.trim().is_empty())
                .or(t.system_prompt.clone());
            Ok((text, system, Some((t.id, t.version))))
        }
        None => Ok((input.prompt.clone(), input.system.clone(), None)),
    }
}

/// A column's event.
#[derive(Debug, Clone, Serialize)]
pub struct ColumnEvent {
    /// Column position.
    column: usize,
    /// The event.
    event: PlayEvent,
}

/// A comparison with each column's run and the summary.
#[derive(Debug, Clone, Serialize)]
pub struct ComparisonView {
    comparison: ComparisonRecord,
    runs: Vec<Option<RunView>>,
    summary: Summary,
}

fn label(t: &TargetInput) -> String {
    let mut l = format!("{}/{}", t.provider, t.model.trim());
    if let Some(x) = t.temperature {
        l += &format!(" · t={x}");
    }
    if let Some(n) = t.max_tokens {
        l += &format!(" · max {n}");
    }
    if t.system.as_deref().is_some_and(|s| !s.trim().is_empty()) {
        l += " · own system prompt";
    }
    l
}

fn column(
    state: &AppState,
    input: &CompareInput,
    t: &TargetInput,
    with_secret: bool,
) -> CmdResult<Column> {
    let kind: ProviderKind = t.provider.parse()?;
    let (ep, key) = endpoint_for(state, kind, t.key_id.as_deref(), with_secret)?;
    let (prompt, shared_system, template) = shared(state, input)?;
    let system = t
        .system
        .clone()
        .filter(|s| !s.trim().is_empty())
        .or(shared_system);
    let mut spec = RunSpec::new(
        ep,
        ChatRequest {
            model: t.model.trim().to_string(),
            system: system.filter(|s| !s.trim().is_empty()),
            messages: vec![Message {
                role: Role::User,
                content: prompt,
            }],
            temperature: t.temperature,
            max_tokens: t.max_tokens,
            stream: true,
        },
    );
    spec.key_id = key.as_ref().map(|k| k.id.clone());
    spec.key_label = key.map(|k| k.label);
    spec.template = template;
    Ok(Column {
        label: label(t),
        spec,
    })
}

fn columns(state: &AppState, input: &CompareInput, with_secret: bool) -> CmdResult<Vec<Column>> {
    input
        .targets
        .iter()
        .map(|t| column(state, input, t, with_secret))
        .collect()
}

fn runner(state: &AppState) -> CmdResult<Runner> {
    Ok(Runner::new(
        state.client()?,
        state.ledger()?,
        state.pricer(),
    ))
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
    Ok(runner(&state)?.estimate_compare(&columns(&state, &input, false)?)?)
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
    let (prompt, system, _) = shared(&state, &input)?;
    if prompt.trim().is_empty() {
        return Err(UiError::new("invalid_input", "Write a prompt first."));
    }
    let mut cols = columns(&state, &input, true)?;
    for c in &mut cols {
        c.spec.policy.override_budget = input.override_budget;
    }
    let runner = runner(&state)?;
    let estimate = runner.estimate_compare(&cols)?;
    // Budgets see the comparison whole: nothing is sent (or saved) when it would break one.
    if !input.override_budget {
        estimate.refuse_if_blocked()?;
    }
    let labels: Vec<String> = cols.iter().map(|c| c.label.clone()).collect();
    let id =
        state.with_ledger(|l| Ok(l.create_comparison(&prompt, system.as_deref(), &labels)?))?;
    let cancel = CancellationToken::new();
    state.register_run(&input.run_token, cancel.clone());
    let send = |column: usize, e: promptledger_core::runner::RunEvent| {
        let _ = channel.send(ColumnEvent {
            column,
            event: PlayEvent::from(e),
        });
    };
    let outcomes = runner.compare(id, &cols, &send, &cancel).await;
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
    let t = input
        .targets
        .get(position)
        .ok_or_else(|| UiError::new("invalid_input", "no such column"))?;
    let col = column(&state, &input, t, true)?;
    let runner = runner(&state)?;
    let mut spec = col.spec.clone();
    spec.comparison_id = Some(id);
    spec.policy.override_budget = input.override_budget;
    let mut on = |e: promptledger_core::runner::RunEvent| {
        let _ = channel.send(ColumnEvent {
            column: position,
            event: PlayEvent::from(e),
        });
    };
    let out = runner
        .run(&spec, &mut on, &CancellationToken::new())
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
        .map_err(|e| UiError::new("not_writable", e.to_string()))?;
    Ok(Some(file.finish()?.display().to_string()))
}
