//! Playground and History commands: estimate, run (streamed over a channel), cancel, history,
//! run detail and delete, conversations and templates.

use promptledger_core::ProviderKind;
use promptledger_core::ledger::budgets::{BudgetAlert, BudgetCheck};
use promptledger_core::ledger::cache::CachePolicy;
use promptledger_core::ledger::conversations::ConversationRecord;
use promptledger_core::ledger::history::{HistoryQuery, RunSummary};
use promptledger_core::ledger::runs::RunRecord;
use promptledger_core::ledger::templates::TemplateRecord;
use promptledger_core::pricing::TokenUsage;
use promptledger_core::providers::{ChatRequest, Endpoint, Message, ModelInfo, Role};
use promptledger_core::runner::view::RunView;
use promptledger_core::runner::{Estimate, Fallback, RunEvent, RunSpec, Runner};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tokio_util::sync::CancellationToken;

use crate::error::{CmdResult, UiError};
use crate::state::AppState;

/// The Playground form.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlayInput {
    /// Client-chosen id, used to cancel.
    run_token: String,
    provider: String,
    key_id: Option<String>,
    model: String,
    system: Option<String>,
    prompt: String,
    temperature: Option<f64>,
    max_tokens: Option<u32>,
    tag: Option<String>,
    /// Continue this conversation (its earlier turns are sent along).
    conversation_id: Option<i64>,
    /// Start a conversation with this run.
    #[serde(default)]
    new_conversation: bool,
    /// Fill this template instead of using `prompt`.
    template: Option<String>,
    #[serde(default)]
    vars: BTreeMap<String, String>,
    /// The user's explicit one-time override of a block-mode budget.
    #[serde(default)]
    override_budget: bool,
    /// Use the response cache for this run (`None`: the setting).
    #[serde(default)]
    cache: Option<bool>,
}

/// Live events of a run, for the UI.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum PlayEvent {
    /// Before sending.
    Estimate {
        /// The estimate.
        estimate: Estimate,
    },
    /// More output.
    Text {
        /// The delta.
        text: String,
    },
    /// Usage so far.
    Usage {
        /// Tokens.
        usage: TokenUsage,
    },
    /// A target failed after its retries; the run moves on to the next one.
    Failover {
        /// `provider/model` that failed.
        from: String,
        /// `provider/model` tried next.
        to: String,
        /// Why.
        error_code: String,
    },
    /// The answer comes from the response cache (no provider call, no cost).
    CacheHit,
    /// Budget thresholds this run crossed (sent once the run is recorded).
    BudgetAlerts {
        /// The alerts.
        alerts: Vec<BudgetAlert>,
    },
}

impl From<RunEvent> for PlayEvent {
    fn from(ev: RunEvent) -> PlayEvent {
        match ev {
            RunEvent::Estimate(estimate) => PlayEvent::Estimate { estimate },
            RunEvent::Text(text) => PlayEvent::Text { text },
            RunEvent::Usage(usage) => PlayEvent::Usage { usage },
            RunEvent::Failover {
                from,
                to,
                error_code,
            } => PlayEvent::Failover {
                from,
                to,
                error_code,
            },
            RunEvent::CacheHit => PlayEvent::CacheHit,
        }
    }
}

fn provider(p: &str) -> CmdResult<ProviderKind> {
    Ok(p.parse::<ProviderKind>()?)
}

/// The endpoint for a saved key, else the provider's default key, else (Ollama) none needed.
/// `with_secret` reads the key from the keychain; estimates pass false, since they send nothing.
pub fn endpoint_for(
    state: &AppState,
    kind: ProviderKind,
    key_id: Option<&str>,
    with_secret: bool,
) -> CmdResult<(Endpoint, Option<promptledger_core::ledger::keys::KeyRecord>)> {
    let id = match key_id.filter(|k| !k.is_empty()) {
        Some(id) => Some(id.to_string()),
        None => state.keys()?.default_for(kind)?.map(|k| k.id),
    };
    match id {
        Some(id) => {
            let keys = state.keys()?;
            let (ep, k) = if with_secret {
                keys.endpoint(&id)?
            } else {
                keys.endpoint_without_secret(&id)?
            };
            Ok((ep, Some(k)))
        }
        None if matches!(kind, ProviderKind::Ollama) => {
            Ok((Endpoint::new(kind, None, None)?, None))
        }
        None => Err(UiError::new(
            "invalid_key",
            format!(
                "No {} key yet: add one on the Keys screen.",
                kind.display_name()
            ),
        )),
    }
}

/// Builds the run: endpoint from the chosen (or default) key, prompt from the template, earlier
/// turns from the conversation.
fn build(state: &AppState, input: &PlayInput, with_secret: bool) -> CmdResult<(RunSpec, String)> {
    let kind = provider(&input.provider)?;
    let (endpoint, key) = endpoint_for(state, kind, input.key_id.as_deref(), with_secret)?;
    let (prompt, system, template) = match input.template.as_deref().filter(|t| !t.is_empty()) {
        Some(name) => {
            let t = state.with_ledger(|l| Ok(l.template(name)?))?;
            let text = promptledger_core::templates::render(&t.body, &input.vars)?;
            let system = input
                .system
                .clone()
                .filter(|s| !s.trim().is_empty())
                .or(t.system_prompt.clone());
            (text, system, Some((t.id, t.version)))
        }
        None => (input.prompt.clone(), input.system.clone(), None),
    };
    let mut messages = match input.conversation_id {
        Some(id) => state.with_ledger(|l| Ok(l.conversation_messages(id)?))?,
        None => Vec::new(),
    };
    messages.push(Message {
        role: Role::User,
        content: prompt.clone(),
    });
    let mut spec = RunSpec::new(
        endpoint,
        ChatRequest {
            model: input.model.trim().to_string(),
            system: system.filter(|s| !s.trim().is_empty()),
            messages,
            temperature: input.temperature,
            max_tokens: input.max_tokens,
            stream: true,
        },
    );
    spec.key_id = key.as_ref().map(|k| k.id.clone());
    spec.key_label = key.map(|k| k.label);
    spec.tag = input.tag.clone().filter(|t| !t.trim().is_empty());
    spec.template = template;
    spec.conversation_id = input.conversation_id;
    Ok((spec, prompt))
}

fn runner(state: &AppState) -> CmdResult<Runner> {
    Ok(Runner::new(
        state.client()?,
        state.ledger()?,
        state.pricer(),
    ))
}

/// The estimate and the budgets it counts against.
#[derive(Debug, Serialize)]
pub struct EstimateView {
    #[serde(flatten)]
    estimate: Estimate,
    /// Each matching budget, checked against the worst case.
    budgets: Vec<BudgetCheck>,
}

/// The pre-flight estimate while typing: input tokens, cost range, context-window use, and the
/// budgets the worst case would break.
#[tauri::command]
#[tracing::instrument(skip(state, input), err(level = "info"))]
pub async fn run_estimate(state: State<'_, AppState>, input: PlayInput) -> CmdResult<EstimateView> {
    let (spec, _) = build(&state, &input, false)?;
    let estimate = runner(&state)?.estimate(&spec)?;
    let budgets = state.with_ledger(|l| Ok(l.budget_checks(&spec.scope(), estimate.max_cost)?))?;
    Ok(EstimateView { estimate, budgets })
}

/// Budgets override, cache and the fallback chain from the input and the settings.
pub fn apply_policy(
    app: &AppHandle,
    state: &AppState,
    spec: &mut RunSpec,
    override_budget: bool,
    cache: Option<bool>,
) -> CmdResult<()> {
    let settings = crate::settings::Settings::load(app);
    spec.policy.override_budget = override_budget;
    if cache.unwrap_or(settings.cache_enabled) {
        spec.policy.cache = Some(CachePolicy {
            ttl_ms: (settings.cache_ttl_hours * 3_600_000.0) as i64,
        });
    }
    spec.policy.failover_on_any_error = settings.failover_any;
    for f in &settings.fallbacks {
        let kind = provider(&f.provider)?;
        if kind == spec.endpoint.provider && f.model == spec.chat.model {
            continue;
        }
        let (endpoint, key) =
            endpoint_for(state, kind, f.key_id.as_deref(), true).map_err(|e| {
                UiError::new(
                    &e.code,
                    format!("fallback {}/{}: {}", f.provider, f.model, e.message),
                )
            })?;
        spec.policy.fallbacks.push(Fallback {
            endpoint,
            model: f.model.clone(),
            key_id: key.as_ref().map(|k| k.id.clone()),
            key_label: key.map(|k| k.label),
        });
    }
    Ok(())
}

/// Shows budget alerts as desktop notifications (when enabled); a missing notification service
/// is not an error.
pub fn notify(app: &AppHandle, alerts: &[BudgetAlert]) {
    if alerts.is_empty() || !crate::settings::Settings::load(app).notifications {
        return;
    }
    use tauri_plugin_notification::NotificationExt;
    // The most severe threshold per budget is enough.
    let mut seen = std::collections::HashSet::new();
    for a in alerts.iter().rev() {
        if seen.insert(a.budget_id) {
            let _ = app
                .notification()
                .builder()
                .title("PromptLedger budget")
                .body(a.message())
                .show();
        }
    }
}

/// Runs a prompt, streaming events over `channel`; returns the committed run.
#[tauri::command]
#[tracing::instrument(skip(state, input, channel), fields(model = %input.model), err(level = "info"))]
pub async fn run_start(
    app: AppHandle,
    state: State<'_, AppState>,
    input: PlayInput,
    channel: Channel<PlayEvent>,
) -> CmdResult<RunView> {
    let (mut spec, prompt) = build(&state, &input, true)?;
    apply_policy(&app, &state, &mut spec, input.override_budget, input.cache)?;
    let runner = runner(&state)?;
    runner.estimate(&spec)?;
    if spec.conversation_id.is_none() && input.new_conversation {
        spec.conversation_id = Some(state.with_ledger(|l| Ok(l.create_conversation(&prompt)?))?);
    }
    let cancel = CancellationToken::new();
    state.register_run(&input.run_token, cancel.clone());
    let mut on_event = |ev: RunEvent| {
        let _ = channel.send(PlayEvent::from(ev));
    };
    let result = runner.run(&spec, &mut on_event, &cancel).await;
    state.forget_run(&input.run_token);
    let outcome = result?;
    if !outcome.alerts.is_empty() {
        let _ = channel.send(PlayEvent::BudgetAlerts {
            alerts: outcome.alerts.clone(),
        });
        notify(&app, &outcome.alerts);
    }
    Ok(RunView::from(&outcome.record))
}

/// Stops a running prompt; what arrived is kept and recorded.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn run_cancel(state: State<'_, AppState>, run_token: String) -> CmdResult<()> {
    state.cancel_run(&run_token);
    Ok(())
}

/// Models a local Ollama server has pulled (empty when none is running).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn ollama_models(state: State<'_, AppState>) -> CmdResult<Vec<ModelInfo>> {
    let ep = Endpoint::new(ProviderKind::Ollama, None, None)?;
    let quick = promptledger_core::providers::ProviderClient::new(
        promptledger_core::providers::HttpSettings {
            connect_timeout: std::time::Duration::from_millis(500),
            overall_timeout: std::time::Duration::from_secs(2),
            max_retries: 0,
            ..state.client()?.settings().clone()
        },
    )?;
    Ok(quick.list_models(&ep).await.unwrap_or_default())
}

/// One page of the History table.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn history_query(
    state: State<'_, AppState>,
    query: HistoryQuery,
) -> CmdResult<Vec<RunSummary>> {
    state.with_ledger(|l| Ok(l.history(&query)?))
}

/// A run in full.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn run_detail(state: State<'_, AppState>, id: i64) -> CmdResult<RunRecord> {
    state.with_ledger(|l| Ok(l.run(id)?))
}

/// Deletes a run (after the UI's confirmation).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn run_delete(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    state.with_ledger(|l| Ok(l.delete_run(id)?))
}

/// Recent conversations.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn conversations_list(state: State<'_, AppState>) -> CmdResult<Vec<ConversationRecord>> {
    state.with_ledger(|l| Ok(l.conversations(200)?))
}

/// A conversation's turns (runs), oldest first.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn conversation_turns(state: State<'_, AppState>, id: i64) -> CmdResult<Vec<RunView>> {
    state.with_ledger(|l| {
        l.conversation(id)?;
        let q = HistoryQuery {
            conversation_id: Some(id),
            ascending: true,
            limit: Some(1000),
            ..HistoryQuery::default()
        };
        let rows = l.history(&q)?;
        rows.iter()
            .map(|r| Ok(RunView::from(&l.run(r.id)?)))
            .collect()
    })
}

/// Renames a conversation.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn conversation_rename(
    state: State<'_, AppState>,
    id: i64,
    title: String,
) -> CmdResult<()> {
    state.with_ledger(|l| Ok(l.rename_conversation(id, &title)?))
}

/// Deletes a conversation (its runs stay in History).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn conversation_delete(state: State<'_, AppState>, id: i64) -> CmdResult<()> {
    state.with_ledger(|l| Ok(l.delete_conversation(id)?))
}

/// Templates with their use and spend.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn templates_list(state: State<'_, AppState>) -> CmdResult<Vec<TemplateRecord>> {
    state.with_ledger(|l| Ok(l.templates()?))
}

/// Saves a template (a new version when the name exists).
#[tauri::command]
#[tracing::instrument(skip(state, body), err(level = "info"))]
pub async fn template_save(
    state: State<'_, AppState>,
    name: String,
    body: String,
    system: Option<String>,
) -> CmdResult<TemplateRecord> {
    state.with_ledger(|l| Ok(l.save_template(&name, &body, system.as_deref())?))
}
