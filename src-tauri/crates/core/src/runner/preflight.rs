//! Before anything is sent: every target of a run (the primary and its fallbacks) is validated
//! and priced, its worst case bounded, and the primary checked against budgets — once per run.
//!
//! The tokenizer is built only when a figure needs it: the estimate the user sees
//! ([`Detail::Exact`]), or a block-mode budget that the byte-based upper bound cannot settle.
//! A BPE token is at least one byte, so the prompt's UTF-8 length bounds its token count from
//! above and the bound's worst case is never below the exact one.

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::ledger::budgets::{BudgetCheck, refuse_if_blocked};
use crate::ledger::cache::CachedAnswer;
use crate::money::NanoUsd;
use crate::pricing::{MatchKind, Quote};
use crate::runner::{DEFAULT_MAX_OUTPUT, Estimate, RunSpec, Runner, tokens};

/// How exact the pre-flight figures must be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Detail {
    /// The user sees the estimate: count the prompt's tokens.
    Exact,
    /// Nobody sees it: bound the prompt by its bytes and count only when a budget needs it.
    Bound,
}

/// A run checked and priced, ready for [`Runner::execute`]. Built by [`Runner::preflight`] (or
/// the run service), so the checks happen once.
#[derive(Debug, Clone)]
pub struct PreparedRun {
    pub(crate) targets: Vec<PreparedTarget>,
    pub(crate) budgets: Vec<BudgetCheck>,
    /// With the response cache on: the request's hash, and the live answer found for it.
    pub(crate) cache: Option<(String, Option<CachedAnswer>)>,
}

/// One target of a prepared run.
#[derive(Debug, Clone)]
pub(crate) struct PreparedTarget {
    pub(crate) spec: RunSpec,
    /// The worst-case cost budgets are checked against (exact or bounded).
    pub(crate) worst_case: NanoUsd,
    /// The exact estimate, when it was needed.
    pub(crate) estimate: Option<Estimate>,
    /// The model has no price: the run will be recorded as unpriced.
    pub(crate) unpriced: bool,
}

impl PreparedRun {
    /// The primary target's run.
    pub fn spec(&self) -> &RunSpec {
        &self.targets[0].spec
    }

    /// The primary target's run, to adjust before executing (the conversation it joins, the
    /// comparison it is a column of).
    pub fn spec_mut(&mut self) -> &mut RunSpec {
        &mut self.targets[0].spec
    }

    /// The primary's exact estimate, when the pre-flight computed one.
    pub fn estimate(&self) -> Option<&Estimate> {
        self.targets[0].estimate.as_ref()
    }

    /// Whether the primary's model has no price (its run will be recorded as unpriced).
    pub fn unpriced(&self) -> bool {
        self.targets[0].unpriced
    }

    /// The primary's worst-case cost as budgets saw it.
    pub fn worst_case(&self) -> NanoUsd {
        self.targets[0].worst_case
    }
}

/// The rules every run obeys before it is priced; the one place they live.
pub fn validate(spec: &RunSpec) -> Result<()> {
    let chat = &spec.chat;
    if chat.model.trim().is_empty() {
        return Err(CoreError::invalid("model", "choose a model"));
    }
    let last = chat.messages.last().map_or("", |m| m.content.as_str());
    if last.trim().is_empty() {
        return Err(CoreError::invalid("prompt", "the prompt is empty"));
    }
    if let Some(t) = chat.temperature.filter(|t| !(0.0..=2.0).contains(t)) {
        return Err(CoreError::invalid(
            "temperature",
            format!("{t} is outside 0–2"),
        ));
    }
    if chat.max_tokens == Some(0) {
        return Err(CoreError::invalid(
            "max tokens",
            "give at least 1 output token",
        ));
    }
    Ok(())
}

impl Runner {
    /// The exact cost range of `spec` before sending it. An unknown model is an error here
    /// (so no run is sent that could not be priced), except on an OpenAI-compatible service,
    /// where the estimate says the run will be recorded as unpriced.
    pub fn estimate(&self, spec: &RunSpec) -> Result<Estimate> {
        let quote = self.quote_checked(spec)?;
        Ok(estimate_at(spec, &quote, tokens::prompt_tokens(&spec.chat)))
    }

    /// Validates and prices `spec` and its fallbacks, and checks the primary against budgets:
    /// `Err(BudgetExceeded)` when a block-mode budget would be broken (unless the run's policy
    /// overrides it once). Nothing is sent.
    ///
    /// With the response cache on, a live answer is looked up here: a cache hit costs nothing,
    /// so no budget refuses it.
    pub fn preflight(&self, spec: &RunSpec, detail: Detail) -> Result<PreparedRun> {
        let mut prepared = self.price_targets(spec, detail)?;
        let mut ledger = crate::error::lock(&self.ledger, "ledger")?;
        if spec.policy.cache.is_some() {
            let hash = crate::ledger::cache::request_hash(&spec.endpoint, &spec.chat);
            let hit = ledger.cache_lookup(&hash, crate::ledger::now_ms())?;
            let is_hit = hit.is_some();
            prepared.cache = Some((hash, hit));
            if is_hit {
                return Ok(prepared);
            }
        }
        prepared.budgets = self.check_primary(&ledger, &mut prepared.targets[0])?;
        Ok(prepared)
    }

    /// [`Runner::preflight`] without the budget check (a comparison checks its columns as a
    /// whole).
    pub(crate) fn price_targets(&self, spec: &RunSpec, detail: Detail) -> Result<PreparedRun> {
        let mut targets = Vec::with_capacity(1 + spec.policy.fallbacks.len());
        targets.push(self.price_target(spec.clone(), detail)?);
        for f in &spec.policy.fallbacks {
            let fallback = spec.to_fallback(f);
            let name = format!(
                "fallback {}/{}",
                fallback.endpoint.provider.as_str(),
                fallback.chat.model
            );
            targets.push(
                self.price_target(fallback, Detail::Bound)
                    .map_err(|e| e.in_target(name))?,
            );
        }
        Ok(PreparedRun {
            targets,
            budgets: Vec::new(),
            cache: None,
        })
    }

    pub(crate) fn quote_checked(&self, spec: &RunSpec) -> Result<Quote<'_>> {
        validate(spec)?;
        let quote = self
            .pricer
            .quote_for_run(spec.endpoint.provider, &spec.chat.model)?;
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
        Ok(quote)
    }

    fn price_target(&self, spec: RunSpec, detail: Detail) -> Result<PreparedTarget> {
        let quote = self.quote_checked(&spec)?;
        let (worst_case, estimate) = match detail {
            Detail::Exact => {
                let e = estimate_at(&spec, &quote, tokens::prompt_tokens(&spec.chat));
                (e.worst_case(), Some(e))
            }
            Detail::Bound => {
                let bound = tokens::prompt_tokens_upper_bound(&spec.chat);
                (estimate_at(&spec, &quote, bound).worst_case(), None)
            }
        };
        Ok(PreparedTarget {
            spec,
            worst_case,
            estimate,
            unpriced: quote.match_kind == MatchKind::Unpriced,
        })
    }

    /// Checks one target against budgets. A block-mode budget the bounded worst case would
    /// break is checked again with the exact count before the run is refused.
    pub(crate) fn check_primary(
        &self,
        ledger: &Ledger,
        target: &mut PreparedTarget,
    ) -> Result<Vec<BudgetCheck>> {
        let scope = target.spec.scope();
        let checks = ledger.budget_checks(&scope, target.worst_case)?;
        if target.spec.policy.override_budget || refuse_if_blocked(&checks).is_ok() {
            return Ok(checks);
        }
        if target.estimate.is_none() {
            let exact = self.estimate(&target.spec)?;
            target.worst_case = exact.worst_case();
            target.estimate = Some(exact);
            let checks = ledger.budget_checks(&scope, target.worst_case)?;
            refuse_if_blocked(&checks)?;
            return Ok(checks);
        }
        refuse_if_blocked(&checks)?;
        Ok(checks)
    }
}

/// The estimate of `spec` with `input` prompt tokens.
pub(crate) fn estimate_at(spec: &RunSpec, quote: &Quote<'_>, input: u64) -> Estimate {
    let max_out = spec
        .chat
        .max_tokens
        .map(u64::from)
        .or(quote.price.max_output_tokens)
        .unwrap_or(DEFAULT_MAX_OUTPUT);
    // Estimates and budget checks use the rates in force at this moment.
    let resolved = quote.price.resolve_rates(input, crate::ledger::now_ms());
    let (rates, tier) = (resolved.rates, resolved.tier);
    let unpriced = quote.match_kind == MatchKind::Unpriced;
    let (min_cost, max_cost) = if unpriced || quote.match_kind == MatchKind::Unmetered {
        (NanoUsd::ZERO, NanoUsd::ZERO)
    } else {
        // A figure too large to hold is unbounded (budgets then refuse the run).
        let min = rates.input.cost(input).unwrap_or(NanoUsd::UNBOUNDED);
        let out = rates.output.cost(max_out).unwrap_or(NanoUsd::UNBOUNDED);
        (min, min.saturating_add(out))
    };
    Estimate {
        input_tokens: input,
        max_output_tokens: max_out,
        min_cost,
        max_cost,
        price_key: quote.price.key.clone(),
        context_window: quote.price.max_input_tokens,
        long_context_tier: tier.filter(|t| t.starts_with("above_")),
        rate_set: resolved.rate_set.to_string(),
        unpriced,
    }
}
