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
use crate::ledger::budgets::{BudgetAlert, BudgetCheck, RunScope};
use crate::ledger::cache::{CachePolicy, CachedAnswer};
use crate::ledger::runs::{NewRun, RunRecord, RunStatus, TargetAttempt};
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
    /// Budgets override, response cache and failover.
    pub policy: RunPolicy,
}

/// How a run may go: past a budget (once), from the response cache, or to fallback targets.
#[derive(Debug, Clone, Default)]
pub struct RunPolicy {
    /// Send even when a block-mode budget would be broken: the user's explicit one-time override.
    pub override_budget: bool,
    /// Reuse an identical request's paid answer within the TTL (opt-in).
    pub cache: Option<CachePolicy>,
    /// Targets tried in order when a target fails after its retries with a retryable error.
    pub fallbacks: Vec<Fallback>,
    /// Fail over on any provider error, not only retryable ones (a budget never fails over).
    pub failover_on_any_error: bool,
}

/// A fallback target: where, which model, with which key.
#[derive(Debug, Clone)]
pub struct Fallback {
    /// Where, and with which key.
    pub endpoint: Endpoint,
    /// Model.
    pub model: String,
    /// Key metadata id.
    pub key_id: Option<String>,
    /// Key label.
    pub key_label: Option<String>,
}

impl RunSpec {
    /// What budgets see of this run.
    pub fn scope(&self) -> RunScope {
        RunScope {
            provider: self.endpoint.provider.as_str().to_string(),
            model: self.chat.model.clone(),
            key_id: self.key_id.clone(),
            tag: self.tag.clone(),
        }
    }

    /// This run sent to a fallback target instead.
    fn to_fallback(&self, f: &Fallback) -> RunSpec {
        let mut s = self.clone();
        s.endpoint = f.endpoint.clone();
        s.chat.model = f.model.clone();
        s.key_id = f.key_id.clone();
        s.key_label = f.key_label.clone();
        s.policy.fallbacks.clear();
        s
    }

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
            policy: RunPolicy::default(),
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
    /// A target failed; the run moves on to the next one (`provider/model`, and why).
    Failover {
        /// The target that failed.
        from: String,
        /// The one tried next.
        to: String,
        /// Its error code.
        error_code: String,
    },
    /// The answer came from the response cache.
    CacheHit,
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
    /// The budgets this run counted against, as checked before sending.
    pub budgets: Vec<BudgetCheck>,
    /// Budget thresholds this run crossed for the first time this period.
    pub alerts: Vec<BudgetAlert>,
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
    /// a run that could not be priced, was stopped by a budget, or could not be recorded is an
    /// `Err`; provider failures are recorded runs with their typed error.
    ///
    /// Before anything is sent, every target (fallbacks included) is priced and checked; a
    /// cache hit is answered from the ledger; a block-mode budget the worst case would break
    /// refuses the run (`budget_exceeded`) unless the policy overrides it once. A target that
    /// fails after its retries with a retryable error hands over to the next; the run records
    /// every target it tried.
    pub async fn run(
        &self,
        spec: &RunSpec,
        on_event: &mut (dyn FnMut(RunEvent) + Send),
        cancel: &CancellationToken,
    ) -> Result<RunOutcome> {
        let targets: Vec<RunSpec> = std::iter::once(spec.clone())
            .chain(spec.policy.fallbacks.iter().map(|f| spec.to_fallback(f)))
            .collect();
        let estimates = targets
            .iter()
            .map(|t| self.estimate(t))
            .collect::<Result<Vec<_>>>()?;
        on_event(RunEvent::Estimate(estimates[0].clone()));

        let hash = spec
            .policy
            .cache
            .map(|_| crate::ledger::cache::request_hash(&spec.endpoint, &spec.chat));
        if let Some(h) = &hash {
            let t0 = tokio::time::Instant::now();
            let hit = self
                .ledger
                .lock()
                .map_err(|_| poisoned())?
                .cache_lookup(h, crate::ledger::now_ms())?;
            if let Some(hit) = hit {
                return self.record_cache_hit(spec, hit, t0, on_event);
            }
        }

        let mut tried: Vec<TargetAttempt> = Vec::new();
        let mut last: Option<Sent> = None;
        let mut first_checks = None;
        for (i, (target, estimate)) in targets.iter().zip(&estimates).enumerate() {
            let checks = {
                let ledger = self.ledger.lock().map_err(|_| poisoned())?;
                if spec.policy.override_budget {
                    ledger.budget_checks(&target.scope(), estimate.max_cost)
                } else {
                    ledger.check_budgets(&target.scope(), estimate.max_cost)
                }
            };
            let checks = match (checks, last.take()) {
                (Ok(c), _) => c,
                // A budget stops the failover: the last target's failure is the run's result.
                (Err(_), Some(prev)) => {
                    if tried.len() == 1 {
                        tried.clear();
                    }
                    return self.finish(
                        prev,
                        tried,
                        hash.as_deref(),
                        first_checks.unwrap_or_default(),
                    );
                }
                (Err(e), None) => return Err(e),
            };
            if first_checks.is_none() {
                first_checks = Some(checks);
            }
            let started_at_ms = crate::ledger::now_ms();
            let t0 = tokio::time::Instant::now();
            let mut forward = |ev: StreamEvent| match ev {
                StreamEvent::TextDelta(t) => on_event(RunEvent::Text(t)),
                StreamEvent::Usage(u) => on_event(RunEvent::Usage(u)),
            };
            let x = self
                .client
                .chat(&target.endpoint, &target.chat, &mut forward, cancel)
                .await;
            let latency_ms = i64::try_from(t0.elapsed().as_millis()).unwrap_or(i64::MAX);
            let hand_over = match &x.end {
                End::Failed(CoreError::Provider { kind, .. }) => {
                    kind.retryable() || spec.policy.failover_on_any_error
                }
                _ => false,
            } && x.text.is_empty()
                && !cancel.is_cancelled();
            tried.push(attempt_of(target, &x, latency_ms));
            let sent = Sent {
                spec: target.clone(),
                estimate: estimate.clone(),
                exchange: x,
                started_at_ms,
                latency_ms,
                primary: i == 0,
            };
            match targets.get(i + 1) {
                Some(next) if hand_over => {
                    on_event(RunEvent::Failover {
                        from: format!(
                            "{}/{}",
                            target.endpoint.provider.as_str(),
                            target.chat.model
                        ),
                        to: format!("{}/{}", next.endpoint.provider.as_str(), next.chat.model),
                        error_code: tried
                            .last()
                            .and_then(|a| a.error_code.clone())
                            .unwrap_or_default(),
                    });
                    last = Some(sent);
                }
                _ => {
                    if tried.len() == 1 {
                        tried.clear();
                    }
                    return self.finish(
                        sent,
                        tried,
                        hash.as_deref(),
                        first_checks.unwrap_or_default(),
                    );
                }
            }
        }
        // Unreachable in practice (the last target always finishes); kept total for safety.
        match last {
            Some(prev) => self.finish(
                prev,
                tried,
                hash.as_deref(),
                first_checks.unwrap_or_default(),
            ),
            None => Err(CoreError::invalid("run", "no target to send the run to")),
        }
    }

    /// Records what a target produced, fires budget alerts and fills the cache.
    fn finish(
        &self,
        sent: Sent,
        tried: Vec<TargetAttempt>,
        hash: Option<&str>,
        budgets: Vec<BudgetCheck>,
    ) -> Result<RunOutcome> {
        let Sent {
            spec,
            estimate,
            exchange,
            started_at_ms,
            latency_ms,
            primary,
        } = sent;
        let mut run = self.to_new_run(&spec, &estimate, exchange, started_at_ms, latency_ms)?;
        if !tried.is_empty() {
            run.attempts = tried.iter().map(|a| a.http_attempts).sum::<i64>().max(1);
            run.tried = tried;
        }
        let output = run.output.clone().unwrap_or_default();
        let mut ledger = self.ledger.lock().map_err(|_| poisoned())?;
        let id = ledger.insert_run(&run)?;
        if let Some(c) = spec.conversation_id {
            ledger.touch_conversation(c)?;
        }
        if let Some(key_id) = &spec.key_id {
            let err = run.error_code.as_deref().zip(run.error_message.as_deref());
            ledger.note_key_used(key_id, run.started_at_ms, err)?;
        }
        let record = ledger.run(id)?;
        // Only the primary target's complete answer is the answer to this request.
        if let (Some(h), Some(policy), true, RunStatus::Ok) =
            (hash, spec.policy.cache, primary, record.status)
        {
            ledger.cache_store(
                h,
                &record.provider,
                &record.model_requested,
                id,
                record.model_resolved.as_deref(),
                &output,
                record.breakdown.total_nano_usd.0,
                crate::ledger::now_ms(),
                policy,
            )?;
        }
        let alerts = ledger.fire_budget_alerts(&spec.scope())?;
        Ok(RunOutcome {
            record,
            output,
            budgets,
            alerts,
        })
    }

    /// Records a run answered from the response cache: no tokens billed, cost 0, and what the
    /// answer cost when it was paid for as the saving.
    fn record_cache_hit(
        &self,
        spec: &RunSpec,
        hit: CachedAnswer,
        t0: tokio::time::Instant,
        on_event: &mut (dyn FnMut(RunEvent) + Send),
    ) -> Result<RunOutcome> {
        on_event(RunEvent::CacheHit);
        on_event(RunEvent::Text(hit.output.clone()));
        let elapsed = i64::try_from(t0.elapsed().as_millis()).unwrap_or(0);
        let params = serde_json::json!({
            "temperature": spec.chat.temperature,
            "max_tokens": spec.chat.max_tokens,
            "cache": { "hit": true, "paid_by_run": hit.run_id },
        });
        let run = NewRun {
            started_at_ms: crate::ledger::now_ms(),
            provider: spec.endpoint.provider.as_str().to_string(),
            model_requested: spec.chat.model.clone(),
            model_resolved: hit.model_resolved.clone(),
            status: Some(RunStatus::Ok),
            cost_source: Some(CostSource::Computed),
            latency_ms: Some(elapsed),
            ttft_ms: Some(elapsed),
            attempts: 1,
            key_id: spec.key_id.clone(),
            key_label: spec.key_label.clone(),
            tag: spec.tag.clone(),
            conversation_id: spec.conversation_id,
            comparison_id: spec.comparison_id,
            template: spec.template,
            prompt: spec.chat.messages.last().map(|m| m.content.clone()),
            system_prompt: spec.chat.system.clone(),
            output: Some(hit.output.clone()),
            params_json: Some(params.to_string()),
            cache_hit: true,
            saved_nano: hit.cost_nano.max(0),
            ..NewRun::default()
        };
        let mut ledger = self.ledger.lock().map_err(|_| poisoned())?;
        let id = ledger.insert_run(&run)?;
        if let Some(c) = spec.conversation_id {
            ledger.touch_conversation(c)?;
        }
        let record = ledger.run(id)?;
        Ok(RunOutcome {
            record,
            output: hit.output,
            budgets: Vec::new(),
            alerts: Vec::new(),
        })
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
            cache_hit: false,
            saved_nano: 0,
            tried: Vec::new(),
        })
    }
}

/// A target's call, kept until the run knows whether it is the final one.
struct Sent {
    spec: RunSpec,
    estimate: Estimate,
    exchange: Exchange,
    started_at_ms: i64,
    latency_ms: i64,
    primary: bool,
}

/// One line of a failed-over run's attempt list.
fn attempt_of(spec: &RunSpec, x: &Exchange, latency_ms: i64) -> TargetAttempt {
    let (status, err) = match &x.end {
        End::Complete => ("ok", None),
        End::Failed(e) => ("error", Some(e)),
        End::Interrupted(e) => ("interrupted", Some(e)),
        End::Cancelled => ("cancelled", None),
    };
    TargetAttempt {
        provider: spec.endpoint.provider.as_str().to_string(),
        model: spec.chat.model.clone(),
        key_label: spec.key_label.clone(),
        status: status.to_string(),
        error_code: err.map(|e| e.code().as_str().to_string()),
        error_message: err.map(ToString::to_string),
        latency_ms,
        http_attempts: i64::from(x.attempts.max(1)),
    }
}

fn poisoned() -> CoreError {
    CoreError::invalid("ledger", "a previous writer panicked; restart PromptLedger")
}
