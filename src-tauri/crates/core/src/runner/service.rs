//! The run service: what the user asked for ([`RunRequest`], [`CompareRequest`]) → one call
//! that validates everything, renders the template, resolves keys and endpoints, estimates once
//! and checks budgets → a prepared run (or comparison) the [`Runner`] executes. The app's
//! commands and the CLI each make one call here per user action, so every rule holds the same
//! in both.

use tokio_util::sync::CancellationToken;

use crate::error::{CoreError, Result, lock};
pub use crate::keys::KeySource;
use crate::keys::{KeyManager, Secrets};
use crate::ledger::budgets::BudgetCheck;
use crate::ledger::keys::KeyRecord;
use crate::providers::{ChatRequest, Message, Role};
use crate::runner::compare::{Column, ColumnOutcome, CompareEstimate};
use crate::runner::request::non_empty;
use crate::runner::{
    CompareRequest, ConversationChoice, Detail, Estimate, Fallback, PreparedRun, PromptInput,
    RunEvent, RunOutcome, RunRequest, RunSpec, Runner, TargetRequest,
};

/// Runs prompts for a face (the app or the CLI): one per process or per ledger.
#[derive(Clone)]
pub struct RunService {
    pub(crate) runner: Runner,
    pub(crate) keys: KeyManager,
    pub(crate) source: KeySource,
}

/// The Playground's figures while the user types: the estimate and the budgets its worst case
/// counts against.
#[derive(Debug, Clone, serde::Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunEstimate {
    /// The estimate.
    #[serde(flatten)]
    pub estimate: Estimate,
    /// Each matching budget, checked against the worst case.
    pub budgets: Vec<BudgetCheck>,
}

/// A comparison saved and checked, ready for [`RunService::compare`].
#[derive(Debug)]
pub struct PreparedComparison {
    /// The comparison's id in the ledger.
    pub id: i64,
    /// Each column's label and prepared run.
    pub columns: Vec<(String, PreparedRun)>,
    /// The per-column and total estimate, with the budgets it was checked against.
    pub estimate: CompareEstimate,
}

/// A prompt rendered: text, system prompt from the template, template id and version.
struct Rendered {
    text: String,
    system: Option<String>,
    template: Option<(i64, i64)>,
}

impl RunService {
    /// A service running with `runner`, resolving keys with `keys` from `source`.
    pub fn new(runner: Runner, keys: KeyManager, source: KeySource) -> RunService {
        RunService {
            runner,
            keys,
            source,
        }
    }

    /// The runner underneath.
    pub fn runner(&self) -> &Runner {
        &self.runner
    }

    /// The exact estimate and budgets of `req`, sending and writing nothing (no keychain read).
    pub fn estimate(&self, req: &RunRequest) -> Result<RunEstimate> {
        let (spec, _) = self.spec(req, Secrets::Skip)?;
        let estimate = self.runner.estimate(&spec)?;
        let budgets = lock(self.runner.ledger(), "ledger")?
            .budget_checks(&spec.scope(), estimate.worst_case())?;
        Ok(RunEstimate { estimate, budgets })
    }

    /// Checks, renders, resolves, estimates and budgets `req`; starts its conversation when
    /// asked. `Err` means nothing was sent (nor written).
    pub fn prepare(&self, req: &RunRequest) -> Result<PreparedRun> {
        let (spec, prompt) = self.spec(req, Secrets::Read)?;
        let detail = if req.show_estimate {
            Detail::Exact
        } else {
            Detail::Bound
        };
        let mut prepared = self.runner.preflight(&spec, detail)?;
        if req.conversation == ConversationChoice::Start {
            let id = lock(self.runner.ledger(), "ledger")?.create_conversation(&prompt)?;
            prepared.spec_mut().conversation_id = Some(id);
        }
        Ok(prepared)
    }

    /// Sends a prepared run and records it (see [`Runner::execute`]).
    pub async fn run(
        &self,
        prepared: PreparedRun,
        on_event: &mut (dyn FnMut(RunEvent) + Send),
        cancel: &CancellationToken,
    ) -> Result<RunOutcome> {
        self.runner.execute(prepared, on_event, cancel).await
    }

    /// Every column's estimate and the total, checked against budgets as a whole; nothing is
    /// sent or written.
    pub fn estimate_compare(&self, req: &CompareRequest) -> Result<CompareEstimate> {
        let (columns, _) = self.columns(req, Secrets::Skip)?;
        Ok(self.runner.prepare_columns(&columns)?.1)
    }

    /// Checks every column and the comparison as a whole against budgets (refused unless
    /// overridden), then saves the comparison. `Err` means nothing was sent or saved.
    pub fn prepare_compare(&self, req: &CompareRequest) -> Result<PreparedComparison> {
        let (columns, rendered) = self.columns(req, Secrets::Read)?;
        let (runs, estimate) = self.runner.prepare_columns(&columns)?;
        if !req.override_budget {
            estimate.refuse_if_blocked()?;
        }
        let labels: Vec<String> = columns.into_iter().map(|c| c.label).collect();
        let system = non_empty(&req.system)
            .map(str::to_string)
            .or(rendered.system);
        let id = lock(self.runner.ledger(), "ledger")?.create_comparison(
            &rendered.text,
            system.as_deref(),
            &labels,
        )?;
        let columns = labels
            .into_iter()
            .zip(runs)
            .map(|(label, mut run)| {
                run.spec_mut().comparison_id = Some(id);
                (label, run)
            })
            .collect();
        Ok(PreparedComparison {
            id,
            columns,
            estimate,
        })
    }

    /// Runs every column concurrently; `on_event` gets each column's events with its position.
    pub async fn compare(
        &self,
        prepared: PreparedComparison,
        on_event: &(dyn Fn(usize, RunEvent) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Vec<ColumnOutcome> {
        self.runner
            .run_columns(prepared.id, prepared.columns, on_event, cancel)
            .await
    }

    /// Column `position` of comparison `comparison_id`, prepared to run again alone. The
    /// caller attaches its run to the column when it is recorded.
    pub fn prepare_column(
        &self,
        req: &CompareRequest,
        comparison_id: i64,
        position: usize,
    ) -> Result<PreparedRun> {
        let target = req
            .targets
            .get(position)
            .ok_or_else(|| CoreError::invalid("column", format!("no column {}", position + 1)))?;
        let rendered = self.render(&req.prompt)?;
        let shared = self.shared_key(req)?;
        let mut spec = self
            .column_spec(req, target, &rendered, shared.as_ref(), Secrets::Read)
            .map_err(|e| e.in_target(format!("column {} ({})", position + 1, target.label())))?;
        spec.comparison_id = Some(comparison_id);
        self.runner.preflight(&spec, Detail::Exact)
    }

    /// `t` resolved once for many runs (a batch job's rows): key, endpoint, parameters, system
    /// prompt, tag and budget override. Each row then sets the prompt.
    pub(crate) fn target_spec(
        &self,
        t: &TargetRequest,
        system: Option<&str>,
        tag: Option<&str>,
        override_budget: bool,
        secrets: Secrets,
    ) -> Result<RunSpec> {
        let req = RunRequest {
            system: system.map(str::to_string),
            stream: false,
            tag: tag.map(str::to_string),
            override_budget,
            ..RunRequest::new(t.clone(), PromptInput::Text("·".into()))
        };
        Ok(self.spec(&req, secrets)?.0)
    }

    /// The template filled in, or the text as given.
    fn render(&self, prompt: &PromptInput) -> Result<Rendered> {
        match prompt {
            PromptInput::Text(text) => Ok(Rendered {
                text: text.clone(),
                system: None,
                template: None,
            }),
            PromptInput::Template { name, vars } => {
                let t = lock(self.runner.ledger(), "ledger")?.template(name)?;
                Ok(Rendered {
                    text: crate::templates::render(&t.body, vars)?,
                    system: t.system_prompt.clone(),
                    template: Some((t.id, t.version)),
                })
            }
        }
    }

    /// The run `req` describes, and its prompt text.
    fn spec(&self, req: &RunRequest, secrets: Secrets) -> Result<(RunSpec, String)> {
        let rendered = self.render(&req.prompt)?;
        let t = &req.target;
        let system = non_empty(&t.system)
            .or(non_empty(&req.system))
            .map(str::to_string)
            .or(rendered.system.clone());
        let mut messages = match req.conversation {
            ConversationChoice::Continue(id) => {
                let ledger = lock(self.runner.ledger(), "ledger")?;
                ledger.conversation(id)?;
                ledger.conversation_messages(id)?
            }
            _ => Vec::new(),
        };
        messages.push(Message {
            role: Role::User,
            content: rendered.text.clone(),
        });
        let (endpoint, key) = self.keys.resolve(t, self.source, secrets)?;
        let mut spec = RunSpec::new(
            endpoint,
            ChatRequest {
                model: t.model.trim().to_string(),
                system: system.filter(|s| !s.trim().is_empty()),
                messages,
                temperature: t.temperature,
                max_tokens: t.max_tokens,
                stream: req.stream,
            },
        );
        spec.key_id = key.as_ref().map(|k| k.id.clone());
        spec.key_label = key.map(|k| k.label);
        spec.tag = non_empty(&req.tag).map(|s| s.trim().to_string());
        spec.template = rendered.template;
        if let ConversationChoice::Continue(id) = req.conversation {
            spec.conversation_id = Some(id);
        }
        spec.policy.override_budget = req.override_budget;
        spec.policy.cache = req.cache;
        spec.policy.failover_on_any_error = req.failover_on_any_error;
        for f in &req.fallbacks {
            // A fallback to the target itself would only repeat the failure.
            if f.provider == t.provider && f.model.trim() == spec.chat.model {
                continue;
            }
            let name = format!("fallback {}/{}", f.provider.as_str(), f.model.trim());
            let (endpoint, key) = self
                .keys
                .resolve(f, self.source, secrets)
                .map_err(|e| e.in_target(name))?;
            spec.policy.fallbacks.push(Fallback {
                endpoint,
                model: f.model.trim().to_string(),
                key_id: key.as_ref().map(|k| k.id.clone()),
                key_label: key.map(|k| k.label),
            });
        }
        Ok((spec, rendered.text))
    }

    /// The columns `req` describes, and the rendered prompt they share.
    fn columns(&self, req: &CompareRequest, secrets: Secrets) -> Result<(Vec<Column>, Rendered)> {
        crate::runner::compare::check_count(req.targets.len())?;
        let rendered = self.render(&req.prompt)?;
        let shared = self.shared_key(req)?;
        let columns = req
            .targets
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let label = t.label();
                self.column_spec(req, t, &rendered, shared.as_ref(), secrets)
                    .map(|spec| Column {
                        label: label.clone(),
                        spec,
                    })
                    .map_err(|e| e.in_target(format!("column {} ({label})", i + 1)))
            })
            .collect::<Result<Vec<_>>>()?;
        Ok((columns, rendered))
    }

    /// The comparison's shared key, read once (`not_found` when it does not exist).
    fn shared_key(&self, req: &CompareRequest) -> Result<Option<KeyRecord>> {
        req.shared_key
            .as_deref()
            .map(str::trim)
            .filter(|k| !k.is_empty())
            .map(|k| self.keys.record(k))
            .transpose()
    }

    /// One column's run: the shared prompt at `t`, with the shared key where its provider fits.
    fn column_spec(
        &self,
        req: &CompareRequest,
        t: &TargetRequest,
        rendered: &Rendered,
        shared: Option<&KeyRecord>,
        secrets: Secrets,
    ) -> Result<RunSpec> {
        let mut target = t.clone();
        target.adopt_shared_key(shared);
        let run = RunRequest {
            system: req.system.clone(),
            stream: req.stream,
            override_budget: req.override_budget,
            ..RunRequest::new(target, PromptInput::Text(rendered.text.clone()))
        };
        let (mut spec, _) = self.spec(&run, secrets)?;
        if spec.chat.system.is_none() {
            spec.chat.system = rendered.system.clone();
        }
        spec.template = rendered.template;
        Ok(spec)
    }
}
