//! One run end to end: price check and pre-flight estimate → provider call with retries and
//! streaming → cost → ledger row committed **before** the result is returned. Cancelling (the
//! token, or dropping the future) keeps what arrived. Safe to run many at once.

pub mod compare;
pub mod tokens;
pub mod view;

use serde::Serialize;
use std::sync::{Arc, Mutex};
use tokio_util::sync::CancellationToken;

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::ledger::runs::{NewRun, RunRecord, RunStatus};
use crate::money::NanoUsd;
use crate::pricing::{CostSource, MatchKind, Pricer, TokenUsage};
use crate::providers::{ChatRequest, End, Endpoint, Exchange, ProviderClient, StreamEvent};

/// What to run.
#[derive(Debug, Clone)]
pub struct RunSpec {
    /// Where, and with which key.
    pub endpoint: Endpoint,
    /// What to ask.
    pub chat: ChatRequest,
    /// Key metadata id (for per-key spend), when the key came from the keychain.
    pub key_id: Option<String>,
    /// That key's label, kept on the run.
    pub key_label: Option<String>,
    /// Tag / project.
    pub tag: Option<String>,
    /// Conversation this run continues.
    pub conversation_id: Option<i64>,
    /// Comparison this run is a column of.
    pub comparison_id: Option<i64>,
    /// Template id and version the prompt was made from.
    pub template: Option<(i64, i64)>,
}

impl RunSpec {
    /// A run of `chat` at `endpoint`, with no key, tag, conversation or template.
    pub fn new(endpoint: Endpoint, chat: ChatRequest) -> RunSpec {
        RunSpec {
            endpoint,
            chat,
            key_id: None,
            key_label: None,
            tag: None,
            conversation_id: None,
            comparison_id: None,
            template: None,
        }
    }
}

/// The pre-flight estimate: input tokens counted locally, output up to the limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Estimate {
    /// Estimated input tokens.
    pub input_tokens: u64,
    /// The output limit the estimate assumes.
    pub max_output_tokens: u64,
    /// Cost of the input alone.
    pub min_cost: NanoUsd,
    /// Cost if the answer uses every allowed output token (the worst case).
    pub max_cost: NanoUsd,
    /// The price entry used.
    pub price_key: String,
    /// The model's context window, if known.
    pub context_window: Option<u64>,
    /// The long-context price tier this prompt falls into, if any (its rates apply to the whole
    /// request).
    pub long_context_tier: Option<String>,
}

/// Live events of a run.
#[derive(Debug, Clone, PartialEq)]
pub enum RunEvent {
    /// Before sending.
    Estimate(Estimate),
    /// More output text.
    Text(String),
    /// Usage so far.
    Usage(TokenUsage),
}

/// The output limit assumed when a request sets none.
pub const DEFAULT_MAX_OUTPUT: u64 = 4096;

/// Runs prompts and records them.
#[derive(Clone)]
pub struct Runner {
    client: ProviderClient,
    ledger: Arc<Mutex<Ledger>>,
    pricer: Pricer,
}

/// A finished run: the committed ledger row and the full output.
#[derive(Debug, Clone)]
pub struct RunOutcome {
    /// The ledger row as committed.
    pub record: RunRecord,
    /// The output text (also stored on the row).
    pub output: String,
}

impl Runner {
    /// A runner writing to `ledger`, pricing with `pricer`.
    pub fn new(client: ProviderClient, ledger: Arc<Mutex<Ledger>>, pricer: Pricer) -> Runner {
        Runner {
            client,
            ledger,
            pricer,
        }
    }

    /// The cost range of `spec` before sending it. An unknown model is an error here, so no
    /// run is ever sent that could not be priced.
    pub fn estimate(&self, spec: &RunSpec) -> Result<Estimate> {
        let quote = self
            .pricer
            .quote(Some(spec.endpoint.provider), &spec.chat.model)?;
        let last = spec.chat.messages.last().map_or("", |m| m.content.as_str());
        if last.trim().is_empty() {
            return Err(CoreError::invalid("prompt", "the prompt is empty"));
        }
        if spec.chat.max_tokens == Some(0) {
            return Err(CoreError::invalid(
                "max tokens",
                "give at least 1 output token",
            ));
        }
        if let (Some(asked), Some(limit)) = (spec.chat.max_tokens, quote.price.max_output_tokens)
            && u64::from(asked) > limit
        {
            return Err(CoreError::invalid(
                "max tokens",
                format!(
                    "{asked} is over {}'s output limit of {limit} tokens",
                    spec.chat.model
                ),
            ));
        }
        let input = tokens::prompt_tokens(&spec.chat);
        let max_out = spec
            .chat
            .max_tokens
            .map(u64::from)
            .or(quote.price.max_output_tokens)
            .unwrap_or(DEFAULT_MAX_OUTPUT);
        let (rates, tier) = quote.price.effective_rates(input);
        let (min_cost, max_cost) = if quote.match_kind == MatchKind::Unmetered {
            (NanoUsd::ZERO, NanoUsd::ZERO)
        } else {
            let min = rates.input.cost(input);
            (min, min.saturating_add(rates.output.cost(max_out)))
        };
        Ok(Estimate {
            input_tokens: input,
            max_output_tokens: max_out,
            min_cost,
            max_cost,
            price_key: quote.price.key.clone(),
            context_window: quote.price.max_input_tokens,
            long_context_tier: tier.filter(|t| t.starts_with("above_")),
        })
    }

    /// Runs `spec`, streaming events to `on_event`, and returns the committed ledger row. Only
    /// a run that could not be priced or recorded is an `Err`; provider failures are recorded
    /// runs with their typed error.
    pub async fn run(
        &self,
        spec: &RunSpec,
        on_event: &mut (dyn FnMut(RunEvent) + Send),
        cancel: &CancellationToken,
    ) -> Result<RunOutcome> {
        let estimate = self.estimate(spec)?;
        on_event(RunEvent::Estimate(estimate.clone()));
        let started_at_ms = crate::ledger::now_ms();
        let t0 = tokio::time::Instant::now();
        let mut forward = |ev: StreamEvent| match ev {
            StreamEvent::TextDelta(t) => on_event(RunEvent::Text(t)),
            StreamEvent::Usage(u) => on_event(RunEvent::Usage(u)),
        };
        let x = self
            .client
            .chat(&spec.endpoint, &spec.chat, &mut forward, cancel)
            .await;
        let latency_ms = i64::try_from(t0.elapsed().as_millis()).unwrap_or(i64::MAX);
        let run = self.to_new_run(spec, &estimate, x, started_at_ms, latency_ms)?;
        let output = run.output.clone().unwrap_or_default();
        let record = {
            let mut ledger = self.ledger.lock().map_err(|_| poisoned())?;
            let id = ledger.insert_run(&run)?;
            if let Some(c) = spec.conversation_id {
                ledger.touch_conversation(c)?;
            }
            if let Some(key_id) = &spec.key_id {
                let err = run.error_code.as_deref().zip(run.error_message.as_deref());
                ledger.note_key_used(key_id, run.started_at_ms, err)?;
            }
            ledger.run(id)?
        };
        Ok(RunOutcome { record, output })
    }

    fn to_new_run(
        &self,
        spec: &RunSpec,
        estimate: &Estimate,
        x: Exchange,
        started_at_ms: i64,
        latency_ms: i64,
    ) -> Result<NewRun> {
        let (status, error) = match &x.end {
            End::Complete => (RunStatus::Ok, None),
            End::Failed(e) => (RunStatus::Error, Some(e)),
            End::Interrupted(e) => (RunStatus::Interrupted, Some(e)),
            End::Cancelled => (RunStatus::Cancelled, None),
        };
        // Usage: the provider's final count; else what it reported so far plus local estimates
        // for the rest; nothing when it failed before answering (providers do not bill that).
        let (usage, estimated) = match (x.usage, x.usage_final) {
            (Some(u), true) => (u, false),
            (partial, _)
                if !x.text.is_empty() || partial.is_some() || status == RunStatus::Cancelled =>
            {
                let mut u = partial.unwrap_or_default();
                if u.prompt_tokens() == 0 {
                    u.input_tokens = estimate.input_tokens;
                }
                u.output_tokens = u.output_tokens.max(tokens::count(&x.text));
                (u, true)
            }
            _ => (TokenUsage::default(), false),
        };
        let priced = self
            .pricer
            .price(spec.endpoint.provider, &spec.chat.model, &usage)?;
        let metered = priced.breakdown.cost_source != CostSource::Unmetered;
        let cost_source = if !metered {
            CostSource::Unmetered
        } else if x.provider_cost.is_some() {
            CostSource::ProviderReported
        } else if estimated {
            CostSource::Estimated
        } else {
            CostSource::Computed
        };
        let error_code = match (&x.end, error) {
            (End::Cancelled, _) => Some(CoreError::Cancelled.code().as_str().to_string()),
            (_, Some(e)) => Some(e.code().as_str().to_string()),
            _ => None,
        };
        let params = serde_json::json!({
            "temperature": spec.chat.temperature,
            "max_tokens": spec.chat.max_tokens,
            "stream": spec.chat.stream,
            "base_url": spec.endpoint.base_url,
            "finish_reason": x.finish_reason,
        });
        let prompt = spec.chat.messages.last().map(|m| m.content.clone());
        Ok(NewRun {
            started_at_ms,
            provider: spec.endpoint.provider.as_str().to_string(),
            model_requested: spec.chat.model.clone(),
            model_resolved: x.resolved_model.clone(),
            priced: Some(priced),
            status: Some(status),
            error_code,
            error_message: error.map(ToString::to_string),
            provider_cost: x.provider_cost,
            cost_source: Some(cost_source),
            latency_ms: Some(latency_ms),
            ttft_ms: x
                .ttft
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            attempts: i64::from(x.attempts.max(1)),
            key_id: spec.key_id.clone(),
            key_label: spec.key_label.clone(),
            tag: spec.tag.clone(),
            conversation_id: spec.conversation_id,
            comparison_id: spec.comparison_id,
            template: spec.template,
            prompt,
            system_prompt: spec.chat.system.clone(),
            output: Some(x.text),
            params_json: Some(params.to_string()),
            request_id: x.request_id,
        })
    }
}

fn poisoned() -> CoreError {
    CoreError::invalid("ledger", "a previous writer panicked; restart PromptLedger")
}
