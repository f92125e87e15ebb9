//! Running the paid requests besides chat — embeddings, images, transcription, speech — with the
//! same guarantees as a chat run: checked and measured before sending (inputs counted with the
//! tokenizer, the audio's length read from the file, characters counted), estimated from the
//! table's own per-unit prices, checked against budgets (which may be scoped to an operation),
//! written ahead before the first byte, and recorded in the ledger — its operation, what it used
//! and its bill — **before** the answer is handed back. A model without a price runs `unpriced`.
//!
//! Both faces come here: the CLI's `embed`, `image`, `transcribe` and `speak`, and the
//! Playground's operation switch.

use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::error::{CoreError, Result, lock};
use crate::keys::Secrets;
use crate::ledger::budgets::{BudgetAlert, BudgetCheck, RunScope, refuse_if_blocked};
use crate::ledger::in_flight::Flight;
use crate::ledger::runs::{BatchLink, NewRun, RunRecord, RunStatus};
use crate::money::NanoUsd;
use crate::operation::Operation;
use crate::pricing::cost::MAX_RUN_COST;
use crate::pricing::units::parse_size;
use crate::pricing::{Billing, CostSource, Metered, PricedUsage, TokenUsage};
use crate::provider::ProviderKind;
use crate::providers::Endpoint;
use crate::providers::operations::{OperationAnswer, OperationRequest};
use crate::runner::request::{TargetRequest, non_empty};
use crate::runner::{RunService, Runner, tokens};

/// Most inputs in one embedding request (OpenAI's limit; Gemini's batch takes 100, and says so).
pub const MAX_EMBED_INPUTS: usize = 2048;
/// Most inputs in one Gemini `batchEmbedContents` request.
pub const GEMINI_MAX_INPUTS: usize = 100;
/// Largest audio file a transcription takes (OpenAI: 25 MB).
pub const MAX_AUDIO_BYTES: usize = 25 * 1024 * 1024;
/// Longest speech input (OpenAI: 4,096 characters).
pub const MAX_SPEECH_CHARS: usize = 4096;
/// Speech audio formats.
pub const SPEECH_FORMATS: [&str; 6] = ["mp3", "wav", "flac", "pcm", "opus", "aac"];

/// An operation as a face asks for it: where (a target: provider, key, model, base URL), what,
/// a tag, and the one-time budget override.
#[derive(Debug, Clone, PartialEq)]
pub struct OperationRunRequest {
    /// Provider, key, model (the request's own model is replaced by this one), base URL.
    pub target: TargetRequest,
    /// What to do.
    pub request: OperationRequest,
    /// Tag / project.
    pub tag: Option<String>,
    /// Send even when a block-mode budget would be broken.
    pub override_budget: bool,
}

/// An operation resolved: endpoint and key, ready to price and send.
#[derive(Debug, Clone)]
pub struct OperationSpec {
    /// Where, with which key.
    pub endpoint: Endpoint,
    /// What.
    pub request: OperationRequest,
    /// Key metadata id.
    pub key_id: Option<String>,
    /// Key label.
    pub key_label: Option<String>,
    /// Tag.
    pub tag: Option<String>,
    /// One-time budget override.
    pub override_budget: bool,
    /// The batch job row × target it answers.
    pub batch: Option<BatchLink>,
}

impl OperationSpec {
    /// What budgets see of it.
    pub fn scope(&self) -> RunScope {
        RunScope {
            provider: self.endpoint.provider.as_str().to_string(),
            model: self.request.model().to_string(),
            key_id: self.key_id.clone(),
            tag: self.tag.clone(),
            operation: self.request.operation(),
        }
    }
}

/// The estimate before sending.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OperationEstimate {
    /// Which operation.
    pub operation: Operation,
    /// What was measured locally: tokens of the inputs, images asked for, the audio's seconds,
    /// characters.
    pub measured: Metered,
    /// The cheapest it can cost (an image of unknown quality: the cheapest quality).
    pub min_cost: NanoUsd,
    /// The most it can cost.
    pub max_cost: NanoUsd,
    /// The price entry.
    pub price_key: Option<String>,
    /// No price is known: it will be recorded as unpriced (budgets see no upper bound).
    pub unpriced: bool,
    /// A local model: no charge.
    pub unmetered: bool,
}

impl OperationEstimate {
    /// What budgets are checked against.
    pub fn worst_case(&self) -> NanoUsd {
        if self.unpriced {
            NanoUsd::UNBOUNDED
        } else {
            self.max_cost
        }
    }
}

/// Checked, measured, estimated and budgeted: ready to send.
#[derive(Debug, Clone)]
pub struct PreparedOperation {
    spec: OperationSpec,
    /// The estimate.
    pub estimate: OperationEstimate,
    /// The budgets it counts against.
    pub budgets: Vec<BudgetCheck>,
}

impl PreparedOperation {
    /// The resolved operation.
    pub fn spec(&self) -> &OperationSpec {
        &self.spec
    }
}

/// A recorded operation: the ledger row and what the provider answered (vectors, images, text,
/// audio — none of which the ledger keeps).
#[derive(Debug, Clone)]
pub struct OperationOutcome {
    /// The row as committed.
    pub record: RunRecord,
    /// The answer, when there was one.
    pub answer: Option<OperationAnswer>,
    /// Budgets it counted against.
    pub budgets: Vec<BudgetCheck>,
    /// Budget thresholds it crossed.
    pub alerts: Vec<BudgetAlert>,
}

/// Checks what can be checked before anything is measured or sent.
pub fn validate(req: &OperationRequest) -> Result<()> {
    if req.model().trim().is_empty() {
        return Err(CoreError::invalid("model", "give a model"));
    }
    match req {
        OperationRequest::Embed(r) => {
            if r.inputs.is_empty() {
                return Err(CoreError::invalid(
                    "input",
                    "give at least one text to embed",
                ));
            }
            if r.inputs.len() > MAX_EMBED_INPUTS {
                return Err(CoreError::invalid(
                    "input",
                    format!(
                        "{} inputs is more than one request takes (at most {MAX_EMBED_INPUTS})",
                        r.inputs.len()
                    ),
                ));
            }
            if let Some(n) = r.inputs.iter().position(|t| t.trim().is_empty()) {
                return Err(CoreError::invalid(
                    "input",
                    format!("input {} is empty; every input needs text", n + 1),
                ));
            }
            if r.dimensions == Some(0) {
                return Err(CoreError::invalid(
                    "dimensions",
                    "dimensions must be above 0",
                ));
            }
        }
        OperationRequest::Image(r) => {
            if r.prompt.trim().is_empty() {
                return Err(CoreError::invalid(
                    "prompt",
                    "describe the image to generate",
                ));
            }
            if !(1..=10).contains(&r.n) {
                return Err(CoreError::invalid(
                    "n",
                    format!("{} images: ask for 1 to 10", r.n),
                ));
            }
            if let Some(s) = r.size.as_deref().map(str::trim).filter(|s| !s.is_empty())
                && s != "auto"
                && parse_size(s).is_none()
            {
                return Err(CoreError::invalid(
                    "size",
                    format!("`{s}` is not a size such as 1024x1024 (or auto)"),
                ));
            }
        }
        OperationRequest::Transcribe(r) => {
            if r.audio.is_empty() {
                return Err(CoreError::invalid("file", "the audio file is empty"));
            }
            if r.audio.len() > MAX_AUDIO_BYTES {
                return Err(CoreError::invalid(
                    "file",
                    format!(
                        "the audio is {} MB; a transcription takes at most 25 MB",
                        r.audio.len() / (1024 * 1024)
                    ),
                ));
            }
        }
        OperationRequest::Speak(r) => {
            let chars = r.input.chars().count();
            if r.input.trim().is_empty() {
                return Err(CoreError::invalid("input", "give the text to speak"));
            }
            if chars > MAX_SPEECH_CHARS {
                return Err(CoreError::invalid(
                    "input",
                    format!("{chars} characters; speech takes at most {MAX_SPEECH_CHARS}"),
                ));
            }
            if r.voice.trim().is_empty() {
                return Err(CoreError::invalid("voice", "choose a voice"));
            }
            if !SPEECH_FORMATS.contains(&r.format.as_str()) {
                return Err(CoreError::invalid(
                    "format",
                    format!(
                        "`{}` is not a speech format ({})",
                        r.format,
                        SPEECH_FORMATS.join(", ")
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// What a request will use, measured locally: the basis of its estimate, and of its bill where
/// the provider does not report usage.
pub fn measure(req: &OperationRequest) -> Result<Metered> {
    let mut m = Metered {
        operation: req.operation(),
        ..Metered::default()
    };
    match req {
        OperationRequest::Embed(r) => {
            m.items = r.inputs.len() as u64;
            m.tokens.input_tokens = r.inputs.iter().map(|t| tokens::count(t)).sum();
        }
        OperationRequest::Image(r) => {
            m.items = u64::from(r.n);
            m.image_size = r.size.as_deref().and_then(parse_size);
            m.image_quality = r.quality.clone().filter(|q| !q.trim().is_empty());
            m.tokens.input_tokens = tokens::count(&r.prompt);
        }
        OperationRequest::Transcribe(r) => {
            let hint = crate::audio::AudioFormat::from_name(&r.file_name);
            // A format whose length is not read here (M4A, OGG, WebM…) is estimated from its
            // size at 128 kbit/s; the bill uses the seconds the provider reports.
            let ms = crate::audio::duration_ms(&r.audio, hint)
                .unwrap_or(r.audio.len() as u64 * 1000 / 16_000);
            m.seconds = crate::audio::billed_seconds(ms);
        }
        OperationRequest::Speak(r) => {
            m.characters = r.input.chars().count() as u64;
            m.tokens.input_tokens = tokens::count(&r.input);
            // About 15 characters a second of speech, for the estimate of a model billed by
            // the second; the bill uses the audio's real length.
            m.seconds = m.characters.div_ceil(15);
        }
    }
    Ok(m)
}

impl Runner {
    /// The estimate of `spec`, from what it will use.
    pub fn estimate_operation(&self, spec: &OperationSpec) -> Result<OperationEstimate> {
        validate(&spec.request)?;
        let provider = spec.endpoint.provider;
        crate::providers::operations::check_support(provider, spec.request.operation())?;
        if let (ProviderKind::Gemini, OperationRequest::Embed(r)) = (provider, &spec.request)
            && r.inputs.len() > GEMINI_MAX_INPUTS
        {
            return Err(CoreError::invalid(
                "input",
                format!(
                    "{} inputs: Gemini embeds at most {GEMINI_MAX_INPUTS} in one request",
                    r.inputs.len()
                ),
            ));
        }
        let measured = measure(&spec.request)?;
        let model = spec.request.model();
        let unmetered = provider.is_unmetered();
        let found = if unmetered {
            Some((
                NanoUsd::ZERO,
                NanoUsd::ZERO,
                format!("{}/{model}", provider.as_str()),
            ))
        } else {
            self.pricer.estimate_operation(provider, model, &measured)?
        };
        Ok(match found {
            Some((min_cost, max_cost, key)) => OperationEstimate {
                operation: measured.operation,
                measured,
                min_cost,
                max_cost,
                price_key: Some(key),
                unpriced: false,
                unmetered,
            },
            None => OperationEstimate {
                operation: measured.operation,
                measured,
                min_cost: NanoUsd::ZERO,
                max_cost: NanoUsd::ZERO,
                price_key: None,
                unpriced: true,
                unmetered,
            },
        })
    }

    /// Estimates `spec` and checks its budgets: `Err(BudgetExceeded)` when a block-mode budget
    /// would be broken (unless overridden once). Nothing is sent.
    pub fn prepare_operation(&self, spec: OperationSpec) -> Result<PreparedOperation> {
        let estimate = self.estimate_operation(&spec)?;
        let budgets =
            lock(&self.ledger, "ledger")?.budget_checks(&spec.scope(), estimate.worst_case())?;
        if !spec.override_budget {
            refuse_if_blocked(&budgets)?;
        }
        Ok(PreparedOperation {
            spec,
            estimate,
            budgets,
        })
    }

    /// Sends a prepared operation and records it; the row is committed before this returns.
    /// A provider failure is a recorded run with its typed error, not an `Err`.
    pub async fn execute_operation(
        &self,
        prepared: PreparedOperation,
        cancel: &CancellationToken,
    ) -> Result<OperationOutcome> {
        let PreparedOperation {
            spec,
            estimate,
            budgets,
        } = prepared;
        let started_at_ms = crate::ledger::now_ms();
        let provider = spec.endpoint.provider;
        let model = spec.request.model().to_string();
        let base = new_run(&spec, &estimate);
        let billing = Billing::at(started_at_ms);
        // Write-ahead, with the worst case reserved against block budgets.
        let flight = Flight {
            started_at_ms,
            run: base.clone(),
            estimate: self.estimated(&spec, &estimate.measured, &billing),
            reserved: estimate.worst_case().min(MAX_RUN_COST),
            override_budget: spec.override_budget,
        };
        let flight_id = lock(&self.ledger, "ledger")?.begin_flight(&flight, None)?.0;

        let t0 = tokio::time::Instant::now();
        let call = self
            .client
            .operation(&spec.endpoint, &spec.request, cancel)
            .await;
        let latency_ms = i64::try_from(t0.elapsed().as_millis()).unwrap_or(i64::MAX);
        let mut run = NewRun {
            started_at_ms,
            latency_ms: Some(latency_ms),
            attempts: i64::from(call.attempts),
            flight_id: Some(flight_id),
            ..base
        };
        let answer = match call.result {
            Ok(mut answer) => {
                let (metered, estimated) = billed(&spec, &estimate.measured, &answer);
                answer.metered = metered.clone();
                let mut priced = self
                    .pricer
                    .price_operation(provider, &model, &metered, &billing)
                    .unwrap_or_else(|_| PricedUsage::unknown(provider, &model, metered.tokens));
                // Speech billed per character does not depend on the audio's length.
                let per_character = priced
                    .breakdown
                    .unit
                    .is_some_and(|u| u.unit == crate::pricing::BilledUnit::Character);
                if estimated
                    && !per_character
                    && priced.breakdown.cost_source == CostSource::Computed
                {
                    priced.breakdown.cost_source = CostSource::Estimated;
                }
                if provider.is_unmetered() {
                    priced.breakdown.cost_source = CostSource::Unmetered;
                }
                run.status = Some(RunStatus::Ok);
                run.model_resolved = answer.resolved_model.clone();
                run.request_id = answer.request_id.clone();
                run.output = Some(summary(&answer, &spec.request));
                run.items = Some(metered.items).filter(|n| *n > 0);
                run.priced = Some(priced);
                Some(answer)
            }
            Err(e) => {
                let cancelled = matches!(e, CoreError::Cancelled);
                run.status = Some(if cancelled {
                    RunStatus::Cancelled
                } else {
                    RunStatus::Error
                });
                run.error_code = Some(e.code().as_str().to_string());
                run.error_message = (!cancelled).then(|| e.to_string());
                // Stopped after sending, or accepted with an answer that could not be read (an
                // image URL that would not download, a malformed body): the provider did — and
                // billed — the work, so it costs what was measured, estimated. A refused
                // request (an error status) cost nothing.
                if cancelled || call.answered {
                    run.priced = Some(self.estimated(&spec, &estimate.measured, &billing));
                }
                None
            }
        };
        let mut ledger = lock(&self.ledger, "ledger")?;
        let id = ledger.insert_run(&run)?;
        if let Some(key_id) = &spec.key_id {
            let err = run.error_code.as_deref().zip(run.error_message.as_deref());
            ledger.note_key_used(key_id, started_at_ms, err)?;
        }
        let record = ledger.run(id)?;
        let alerts = ledger.fire_budget_alerts(&spec.scope())?;
        Ok(OperationOutcome {
            record,
            answer,
            budgets,
            alerts,
        })
    }

    /// `measured` priced as an estimate (what the write-ahead row holds, and what a run that
    /// was stopped or whose answer could not be read is charged).
    fn estimated(
        &self,
        spec: &OperationSpec,
        measured: &Metered,
        billing: &Billing,
    ) -> PricedUsage {
        let (provider, model) = (spec.endpoint.provider, spec.request.model());
        let mut p = self
            .pricer
            .price_operation(provider, model, measured, billing)
            .unwrap_or_else(|_| PricedUsage::unknown(provider, model, measured.tokens));
        if p.breakdown.cost_source == CostSource::Computed {
            p.breakdown.cost_source = CostSource::Estimated;
        }
        p
    }
}

/// What the run is billed for: the provider's figures where it reported them, else what was
/// measured (then the cost is estimated). Speech billed by the second is billed from the audio
/// it returned.
fn billed(spec: &OperationSpec, measured: &Metered, answer: &OperationAnswer) -> (Metered, bool) {
    let said = &answer.metered;
    let mut m = Metered {
        operation: measured.operation,
        items: measured.items,
        image_size: said.image_size.or(measured.image_size),
        image_quality: said
            .image_quality
            .clone()
            .or(measured.image_quality.clone()),
        characters: measured.characters,
        ..said.clone()
    };
    let mut estimated = false;
    match measured.operation {
        Operation::Chat | Operation::Embedding => {
            if !said.tokens_reported {
                m.tokens = measured.tokens;
                estimated = true;
            }
        }
        Operation::Image => {
            m.items = said.items.max(1);
            if !said.tokens_reported {
                m.tokens = TokenUsage::default();
            }
        }
        Operation::Transcription => {
            if !said.tokens_reported && said.seconds == 0 {
                m.seconds = measured.seconds;
                estimated = true;
            }
        }
        Operation::Speech => {
            m.tokens = measured.tokens;
            m.seconds = match (&answer.audio, &spec.request) {
                (Some(a), OperationRequest::Speak(r)) => {
                    let hint = crate::audio::AudioFormat::from_name(&format!("x.{}", r.format));
                    match crate::audio::duration_ms(a, hint) {
                        Ok(ms) => crate::audio::billed_seconds(ms),
                        Err(_) => {
                            estimated = true;
                            measured.seconds
                        }
                    }
                }
                _ => measured.seconds,
            };
        }
    }
    (m, estimated)
}

/// The run as the ledger keeps it before it is sent: provider, model, key, tag, operation, a
/// readable prompt and the request's parameters.
fn new_run(spec: &OperationSpec, estimate: &OperationEstimate) -> NewRun {
    let (prompt, params) = match &spec.request {
        OperationRequest::Embed(r) => (
            clipped(&r.inputs.join("\n")),
            serde_json::json!({"inputs": r.inputs.len(), "dimensions": r.dimensions}),
        ),
        OperationRequest::Image(r) => (
            r.prompt.clone(),
            serde_json::json!({"n": r.n, "size": r.size, "quality": r.quality}),
        ),
        OperationRequest::Transcribe(r) => (
            r.file_name.clone(),
            serde_json::json!({"file": r.file_name, "bytes": r.audio.len(),
                               "seconds": estimate.measured.seconds, "language": r.language}),
        ),
        OperationRequest::Speak(r) => (
            r.input.clone(),
            serde_json::json!({"voice": r.voice, "format": r.format}),
        ),
    };
    let mut params = params;
    params["base_url"] = serde_json::json!(spec.endpoint.base_url);
    NewRun {
        provider: spec.endpoint.provider.as_str().to_string(),
        model_requested: spec.request.model().to_string(),
        key_id: spec.key_id.clone(),
        key_label: spec.key_label.clone(),
        tag: spec.tag.clone(),
        prompt: Some(prompt),
        params_json: Some(params.to_string()),
        project_id: spec.endpoint.project.clone(),
        batch: spec.batch,
        operation: spec.request.operation(),
        items: Some(estimate.measured.items).filter(|n| *n > 0),
        ..NewRun::default()
    }
}

/// At most 20,000 characters of a long text, for the ledger's prompt column.
fn clipped(text: &str) -> String {
    match text.char_indices().nth(20_000) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_string(),
    }
}

/// What the run produced, in words: the ledger keeps this, not the vectors, images or audio.
fn summary(a: &OperationAnswer, req: &OperationRequest) -> String {
    match req {
        OperationRequest::Embed(_) => {
            let dims = a.vectors.first().map_or(0, Vec::len);
            format!("{} embeddings × {dims} dimensions", a.vectors.len())
        }
        OperationRequest::Image(_) => {
            let mut s = format!(
                "{} image{}",
                a.images.len(),
                if a.images.len() == 1 { "" } else { "s" }
            );
            if let Some((w, h)) = a.metered.image_size {
                s += &format!(", {w}×{h}");
            }
            if let Some(p) = a.images.iter().find_map(|i| i.revised_prompt.as_deref()) {
                s += &format!("\nrevised prompt: {p}");
            }
            s
        }
        OperationRequest::Transcribe(_) => a.text.clone().unwrap_or_default(),
        OperationRequest::Speak(r) => format!(
            "{} s of {} audio ({} bytes)",
            a.metered.seconds,
            r.format,
            a.audio.as_ref().map_or(0, Vec::len)
        ),
    }
}

impl RunService {
    /// `req` resolved: key and endpoint, the target's model on the request.
    fn operation_spec(&self, req: &OperationRunRequest, secrets: Secrets) -> Result<OperationSpec> {
        let (endpoint, key) = self.keys.resolve(&req.target, self.source, secrets)?;
        let mut request = req.request.clone();
        *request.model_mut() = req.target.model.trim().to_string();
        Ok(OperationSpec {
            endpoint,
            request,
            key_id: key.as_ref().map(|k| k.id.clone()),
            key_label: key.map(|k| k.label),
            tag: non_empty(&req.tag).map(|s| s.trim().to_string()),
            override_budget: req.override_budget,
            batch: None,
        })
    }

    /// The estimate of `req` and the budgets it counts against; nothing is sent or written (no
    /// keychain read).
    pub fn estimate_operation(
        &self,
        req: &OperationRunRequest,
    ) -> Result<(OperationEstimate, Vec<BudgetCheck>)> {
        let spec = self.operation_spec(req, Secrets::Skip)?;
        let estimate = self.runner.estimate_operation(&spec)?;
        let budgets = lock(self.runner.ledger(), "ledger")?
            .budget_checks(&spec.scope(), estimate.worst_case())?;
        Ok((estimate, budgets))
    }

    /// Checks, resolves, measures, estimates and budgets `req`. `Err` means nothing was sent.
    pub fn prepare_operation(&self, req: &OperationRunRequest) -> Result<PreparedOperation> {
        let spec = self.operation_spec(req, Secrets::Read)?;
        self.runner.prepare_operation(spec)
    }

    /// Sends a prepared operation and records it (see [`Runner::execute_operation`]).
    pub async fn run_operation(
        &self,
        prepared: PreparedOperation,
        cancel: &CancellationToken,
    ) -> Result<OperationOutcome> {
        self.runner.execute_operation(prepared, cancel).await
    }
}
