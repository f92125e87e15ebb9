//! Playground and History commands: estimate, run (streamed over a channel), cancel, history,
//! run detail and delete, conversations and templates.

use promptledger_core::ProviderKind;
use promptledger_core::ledger::budgets::BudgetAlert;
use promptledger_core::ledger::conversations::ConversationRecord;
use promptledger_core::ledger::history::{HistoryQuery, RunSummary};
use promptledger_core::ledger::runs::RunRecord;
use promptledger_core::ledger::templates::TemplateRecord;
use promptledger_core::pricing::TokenUsage;
use promptledger_core::providers::{Endpoint, ModelInfo};
use promptledger_core::runner::service::RunEstimate;
use promptledger_core::runner::view::RunView;
use promptledger_core::runner::{
    ConversationChoice, Estimate, PromptInput, RunEvent, RunRequest, TargetRequest,
};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use tauri::ipc::Channel;
use tauri::{AppHandle, State};
use tokio_util::sync::CancellationToken;
use ts_rs::TS;

use crate::error::CmdResult;
use crate::settings::Settings;
use crate::state::AppState;

/// The Playground form.
#[derive(Debug, Clone, Deserialize, TS)]
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
#[derive(Debug, Clone, Serialize, TS)]
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

impl PlayInput {
    /// What the user asked for. `settings` adds the cache and failover choices (an estimate
    /// needs neither).
    pub fn request(&self, settings: Option<&Settings>) -> CmdResult<RunRequest> {
        let target = TargetRequest {
            key_id: self.key_id.clone(),
            temperature: self.temperature,
            max_tokens: self.max_tokens,
            ..TargetRequest::new(self.provider.parse()?, self.model.clone())
        };
        let prompt = PromptInput::from_parts(
            self.prompt.clone(),
            self.template.as_deref(),
            self.vars.clone(),
        );
        let mut req = RunRequest {
            system: self.system.clone(),
            conversation: match (self.conversation_id, self.new_conversation) {
                (Some(id), _) => ConversationChoice::Continue(id),
                (None, true) => ConversationChoice::Start,
                (None, false) => ConversationChoice::None,
            },
            tag: self.tag.clone(),
            override_budget: self.override_budget,
            show_estimate: true,
            ..RunRequest::new(target, prompt)
        };
        if let Some(settings) = settings {
            if self.cache.unwrap_or(settings.cache_enabled) {
                req.cache = Some(settings.cache_policy());
            }
            req.fallbacks = settings.fallback_targets()?;
            req.failover_on_any_error = settings.failover_any;
        }
        Ok(req)
    }
}

/// The pre-flight estimate while typing: input tokens, cost range, context-window use, and the
/// budgets the worst case would break.
#[tauri::command]
#[tracing::instrument(skip(state, input), err(level = "info"))]
pub async fn run_estimate(state: State<'_, AppState>, input: PlayInput) -> CmdResult<RunEstimate> {
    Ok(state.service()?.estimate(&input.request(None)?)?)
}

/// Shows budget alerts as desktop notifications (when enabled); a missing notification service
/// is not an error.
pub fn notify(app: &AppHandle, alerts: &[BudgetAlert]) {
    if alerts.is_empty() || !Settings::load(app).notifications {
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
    let req = input.request(Some(&Settings::load(&app)))?;
    let service = state.service()?;
    let prepared = service.prepare(&req)?;
    let cancel = CancellationToken::new();
    state.register_run(&input.run_token, cancel.clone());
    let mut on_event = |ev: RunEvent| {
        let _ = channel.send(PlayEvent::from(ev));
    };
    let result = service.run(prepared, &mut on_event, &cancel).await;
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
