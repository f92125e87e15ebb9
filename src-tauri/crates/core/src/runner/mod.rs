//! The run service and the runner. A face (the app's commands, the CLI) describes what the user
//! asked for as a [`request::RunRequest`] or [`request::CompareRequest`]; the
//! [`service::RunService`] validates it, renders the template, resolves key and endpoint,
//! estimates once and checks budgets ([`preflight`]), and the [`Runner`] executes the prepared
//! run: provider call with retries and streaming → cost → ledger row committed **before** the
//! result is returned ([`execute`]). Cancelling (the token, or dropping the future) keeps what
//! arrived. Safe to run many at once.

pub mod compare;
pub mod execute;
pub mod operation;
pub mod preflight;
pub mod request;
pub mod service;
pub mod tokens;
pub mod view;

pub use preflight::{Detail, PreparedRun};
pub use request::{CompareRequest, ConversationChoice, PromptInput, RunRequest, TargetRequest};
pub use service::{KeySource, PreparedComparison, RunEstimate, RunService};

use serde::Serialize;
use std::sync::{Arc, Mutex};

use crate::ledger::Ledger;
use crate::ledger::budgets::{BudgetAlert, BudgetCheck, RunScope};
use crate::ledger::cache::CachePolicy;
use crate::ledger::runs::RunRecord;
use crate::money::NanoUsd;
use crate::pricing::{Pricer, TokenUsage};
use crate::providers::{ChatRequest, Endpoint, ProviderClient};

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
    /// The batch job row × target this run answers.
    pub batch: Option<crate::ledger::runs::BatchLink>,
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
            operation: crate::Operation::Chat,
        }
    }

    /// This run sent to a fallback target instead.
    pub(crate) fn to_fallback(&self, f: &Fallback) -> RunSpec {
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
            batch: None,
        }
    }
}

/// The pre-flight estimate: input tokens counted locally, output up to the limit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
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
    /// The rate set in force now: `standard`, or a windowed one such as `off-peak`.
    pub rate_set: String,
    /// No price is known for the model (an OpenAI-compatible gateway's alias): both costs are
    /// 0 here, the run's cost will be recorded as `unpriced`, and its worst case is unbounded.
    pub unpriced: bool,
}

/// What the pre-flight of a run of a model without a price says, in the app and the CLI.
pub const UNPRICED_NOTICE: &str = "no price known — the cost will be recorded as unpriced";

impl Estimate {
    /// The worst case budgets are checked against: the maximum cost, or unbounded when the
    /// model has no price.
    pub fn worst_case(&self) -> NanoUsd {
        if self.unpriced {
            NanoUsd::UNBOUNDED
        } else {
            self.max_cost
        }
    }
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
    /// The rate limits the provider reported on its answer.
    pub rate_limits: Option<crate::providers::RateLimits>,
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

    /// The pricer runs are priced with.
    pub fn pricer(&self) -> &Pricer {
        &self.pricer
    }

    /// The HTTP client runs are sent with.
    pub fn client(&self) -> &ProviderClient {
        &self.client
    }

    /// The shared ledger this runner records to.
    pub fn ledger(&self) -> &Arc<Mutex<Ledger>> {
        &self.ledger
    }

    /// Prepares `spec` ([`Runner::preflight`] with the exact estimate) and runs it: the
    /// one-call form for a run built by hand. See [`Runner::execute`].
    pub async fn run(
        &self,
        spec: &RunSpec,
        on_event: &mut (dyn FnMut(RunEvent) + Send),
        cancel: &tokio_util::sync::CancellationToken,
    ) -> crate::Result<RunOutcome> {
        let prepared = self.preflight(spec, Detail::Exact)?;
        self.execute(prepared, on_event, cancel).await
    }
}
