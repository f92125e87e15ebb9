//! Executing a prepared run: the provider call (streamed, retried, cancellable), failover to
//! the next target, the response cache, and the ledger row committed **before** the outcome is
//! returned, with the budget alerts the run fired.

use tokio_util::sync::CancellationToken;

use crate::error::{CoreError, Result, lock};
use crate::ledger::budgets::BudgetCheck;
use crate::ledger::cache::CachedAnswer;
use crate::ledger::in_flight::Flight;
use crate::ledger::runs::{NewRun, RunStatus, TargetAttempt};
use crate::money::NanoUsd;
use crate::pricing::cost::MAX_RUN_COST;
use crate::pricing::{Billing, CostSource, PricedUsage, TokenUsage};
use crate::providers::{End, Exchange, StreamEvent};
use crate::runner::preflight::PreparedTarget;
use crate::runner::{PreparedRun, RunEvent, RunOutcome, RunSpec, Runner, tokens};

impl Runner {
    /// Executes a prepared run, streaming events to `on_event`, and returns the committed
    /// ledger row. Only a run that was stopped by a budget (a fallback's, at hand-over) or could
    /// not be recorded is an `Err`; provider failures are recorded runs with their typed error.
    ///
    /// A cache hit is answered from the ledger. A target that fails after its retries with a
    /// retryable error hands over to the next, which is checked against budgets first; the
    /// run records every target it tried.
    pub async fn execute(
        &self,
        prepared: PreparedRun,
        on_event: &mut (dyn FnMut(RunEvent) + Send),
        cancel: &CancellationToken,
    ) -> Result<RunOutcome> {
        let PreparedRun {
            targets,
            budgets,
            cache,
        } = prepared;
        let spec = &targets[0].spec;
        if let Some(e) = &targets[0].estimate {
            on_event(RunEvent::Estimate(e.clone()));
        }
        let (hash, hit) = cache.unzip();
        if let Some(hit) = hit.flatten() {
            return self.record_cache_hit(spec, hit, tokio::time::Instant::now(), on_event);
        }

        let mut tried: Vec<TargetAttempt> = Vec::new();
        let mut last: Option<Sent> = None;
        let mut flight: Option<i64> = None;
        for (i, target) in targets.iter().enumerate() {
            let started_at_ms = crate::ledger::now_ms();
            // Write-ahead: the request is on record, with its worst case reserved against block
            // budgets (counting every other run in flight), before its first byte is sent.
            let written = self.begin_flight(target, started_at_ms, flight);
            match (written, last.take()) {
                (Ok(id), _) => flight = Some(id),
                // A budget stops the failover: the last target's failure is the run's result.
                (Err(_), Some(prev)) => {
                    return self.finish(prev, tried, hash.as_deref(), budgets, flight);
                }
                (Err(e), None) => return Err(e),
            }
            let target = &target.spec;
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
                exchange: x,
                started_at_ms,
                latency_ms,
                primary: i == 0,
            };
            match targets.get(i + 1) {
                Some(next) if hand_over => {
                    on_event(RunEvent::Failover {
                        from: target_name(target),
                        to: target_name(&next.spec),
                        error_code: tried
                            .last()
                            .and_then(|a| a.error_code.clone())
                            .unwrap_or_default(),
                    });
                    last = Some(sent);
                }
                _ => return self.finish(sent, tried, hash.as_deref(), budgets, flight),
            }
        }
        // Unreachable in practice (the last target always finishes); kept total for safety.
        match last {
            Some(prev) => self.finish(prev, tried, hash.as_deref(), budgets, flight),
            None => Err(CoreError::invalid("run", "no target to send the run to")),
        }
    }

    /// Writes the write-ahead row of `target` (replacing the row of the target a failover
    /// leaves): `Err(BudgetExceeded)` when a block budget would be broken, and nothing is sent.
    fn begin_flight(
        &self,
        target: &PreparedTarget,
        started_at_ms: i64,
        replacing: Option<i64>,
    ) -> Result<i64> {
        let spec = &target.spec;
        let input = target
            .estimate
            .as_ref()
            .map_or_else(|| tokens::prompt_tokens(&spec.chat), |e| e.input_tokens);
        let usage = TokenUsage {
            input_tokens: input,
            ..TokenUsage::default()
        };
        let provider = spec.endpoint.provider;
        let mut estimate = self
            .pricer
            .price_run(
                provider,
                &spec.chat.model,
                &usage,
                &Billing::at(started_at_ms),
            )
            .unwrap_or_else(|_| PricedUsage::unknown(provider, &spec.chat.model, usage));
        if estimate.breakdown.cost_source == CostSource::Computed {
            estimate.breakdown.cost_source = CostSource::Estimated;
        }
        let f = Flight {
            started_at_ms,
            run: NewRun {
                params_json: Some(params_of(spec, None).to_string()),
                ..new_run_from(spec)
            },
            estimate,
            // An unknown worst case (a model without a price) holds the most a run may cost.
            reserved: target.worst_case.min(MAX_RUN_COST),
            override_budget: spec.policy.override_budget,
        };
        Ok(lock(&self.ledger, "ledger")?.begin_flight(&f, replacing)?.0)
    }

    /// Records what a target produced, fires budget alerts and fills the cache; the run's
    /// write-ahead row is released in the same transaction.
    fn finish(
        &self,
        sent: Sent,
        tried: Vec<TargetAttempt>,
        hash: Option<&str>,
        budgets: Vec<BudgetCheck>,
        flight: Option<i64>,
    ) -> Result<RunOutcome> {
        let Sent {
            spec,
            exchange,
            started_at_ms,
            latency_ms,
            primary,
        } = sent;
        let rate_limits = exchange.rate_limits;
        let mut run = self.to_new_run(&spec, exchange, started_at_ms, latency_ms);
        run.flight_id = flight;
        // A run that went to one target keeps no attempt list.
        if tried.len() > 1 {
            run.attempts = tried.iter().map(|a| a.http_attempts).sum::<i64>().max(1);
            run.tried = tried;
        }
        let output = run.output.clone().unwrap_or_default();
        let mut ledger = lock(&self.ledger, "ledger")?;
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
            rate_limits,
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
            model_resolved: hit.model_resolved.clone(),
            status: Some(RunStatus::Ok),
            cost_source: Some(CostSource::Computed),
            latency_ms: Some(elapsed),
            ttft_ms: Some(elapsed),
            attempts: 1,
            output: Some(hit.output.clone()),
            params_json: Some(params.to_string()),
            cache_hit: true,
            saved_nano: hit.cost_nano.at_least_zero(),
            ..new_run_from(spec)
        };
        let mut ledger = lock(&self.ledger, "ledger")?;
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
            rate_limits: None,
        })
    }

    fn to_new_run(
        &self,
        spec: &RunSpec,
        x: Exchange,
        started_at_ms: i64,
        latency_ms: i64,
    ) -> NewRun {
        let (status, error) = match &x.end {
            End::Complete => (RunStatus::Ok, None),
            End::Failed(e) => (RunStatus::Error, Some(e)),
            End::Interrupted(e) => (RunStatus::Interrupted, Some(e)),
            End::Cancelled => (RunStatus::Cancelled, None),
        };
        // Usage: the provider's final count; else what it reported so far plus local estimates
        // for the rest; nothing when it failed before answering (providers do not bill that).
        let (usage, estimated) = match (x.usage, x.usage_final) {
            // A usage the provider sent that cannot be billed leaves the cost unknown: no guess.
            _ if x.usage_rejected => (TokenUsage::default(), false),
            (Some(u), true) => (u, false),
            (partial, _)
                if !x.text.is_empty() || partial.is_some() || status == RunStatus::Cancelled =>
            {
                let mut u = partial.unwrap_or_default();
                if u.prompt_tokens() == 0 {
                    u.input_tokens = tokens::prompt_tokens(&spec.chat);
                }
                u.output_tokens = u.output_tokens.max(tokens::count(&x.text));
                (u, true)
            }
            _ => (TokenUsage::default(), false),
        };
        let billing = Billing {
            at_ms: started_at_ms,
            service: x.service.clone(),
        };
        // The provider was paid whatever the table says: a model that lost its price since the
        // pre-flight is recorded as unpriced, and a usage that cannot be billed (impossible
        // counts, a cost beyond any request) with its cost unknown — never dropped, never a
        // saturated maximum.
        let provider = spec.endpoint.provider;
        let mut priced = if x.usage_rejected {
            PricedUsage::unknown(provider, &spec.chat.model, usage)
        } else {
            self.pricer
                .price_run(provider, &spec.chat.model, &usage, &billing)
                .unwrap_or_else(|_| PricedUsage::unknown(provider, &spec.chat.model, usage))
        };
        // Nothing was billed (it failed before answering): that costs $0 at any price.
        if !x.usage_rejected
            && usage == TokenUsage::default()
            && priced.breakdown.cost_source == CostSource::Unpriced
        {
            priced.breakdown.cost_source = CostSource::Computed;
        }
        // A reported cost beyond any one request is not a bill either.
        let provider_cost = x
            .provider_cost
            .filter(|c| (NanoUsd::ZERO..=MAX_RUN_COST).contains(c));
        let cost_source = match priced.breakdown.cost_source {
            CostSource::Unmetered => CostSource::Unmetered,
            _ if provider_cost.is_some() => CostSource::ProviderReported,
            CostSource::Unpriced => CostSource::Unpriced,
            _ if estimated => CostSource::Estimated,
            _ => CostSource::Computed,
        };
        let error_code = match (&x.end, error) {
            (End::Cancelled, _) => Some(CoreError::Cancelled.code().as_str().to_string()),
            (_, Some(e)) => Some(e.code().as_str().to_string()),
            _ => None,
        };
        let params = params_of(spec, x.finish_reason.as_deref());
        NewRun {
            started_at_ms,
            model_resolved: x.resolved_model.clone(),
            priced: Some(priced),
            status: Some(status),
            error_code,
            error_message: error.map(ToString::to_string),
            provider_cost,
            cost_source: Some(cost_source),
            latency_ms: Some(latency_ms),
            ttft_ms: x
                .ttft
                .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX)),
            attempts: i64::from(x.attempts.max(1)),
            output: Some(x.text),
            params_json: Some(params.to_string()),
            request_id: x.request_id,
            cache_hit: false,
            saved_nano: NanoUsd::ZERO,
            tried: Vec::new(),
            ..new_run_from(spec)
        }
    }
}

/// A target's call, kept until the run knows whether it is the final one.
struct Sent {
    spec: RunSpec,
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

/// What every recorded run takes from its spec: provider, model, key, tag, conversation,
/// comparison, template, prompt and system prompt.
fn new_run_from(spec: &RunSpec) -> NewRun {
    NewRun {
        provider: spec.endpoint.provider.as_str().to_string(),
        model_requested: spec.chat.model.clone(),
        key_id: spec.key_id.clone(),
        key_label: spec.key_label.clone(),
        tag: spec.tag.clone(),
        conversation_id: spec.conversation_id,
        comparison_id: spec.comparison_id,
        template: spec.template,
        prompt: spec.chat.messages.last().map(|m| m.content.clone()),
        system_prompt: spec.chat.system.clone(),
        project_id: spec.endpoint.project.clone(),
        batch: spec.batch,
        ..NewRun::default()
    }
}

/// A sent run's parameters as recorded.
fn params_of(spec: &RunSpec, finish_reason: Option<&str>) -> serde_json::Value {
    serde_json::json!({
        "temperature": spec.chat.temperature,
        "max_tokens": spec.chat.max_tokens,
        "stream": spec.chat.stream,
        "base_url": spec.endpoint.base_url,
        "finish_reason": finish_reason,
    })
}

/// `provider/model`, as failover notes name a target.
fn target_name(spec: &RunSpec) -> String {
    format!("{}/{}", spec.endpoint.provider.as_str(), spec.chat.model)
}
