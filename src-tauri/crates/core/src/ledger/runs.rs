//! The `runs` table: one row per prompt run, with its tokens split the way providers bill them,
//! the rates used and the cost breakdown in nano-USD.

use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::money::{NanoUsd, RatePerMTok};
use crate::operation::Operation;
use crate::pricing::{
    BilledUnit, Component, CostBreakdown, CostSource, PricedUsage, TokenUsage, UnitLine,
};

/// How a run ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum RunStatus {
    /// Completed.
    Ok,
    /// Failed with a typed error.
    Error,
    /// The stream was cut (network, idle timeout).
    Interrupted,
    /// The user stopped it.
    Cancelled,
}

impl RunStatus {
    /// Stable id, as stored.
    pub fn as_str(self) -> &'static str {
        match self {
            RunStatus::Ok => "ok",
            RunStatus::Error => "error",
            RunStatus::Interrupted => "interrupted",
            RunStatus::Cancelled => "cancelled",
        }
    }

    fn parse(s: &str) -> RunStatus {
        match s {
            "ok" => RunStatus::Ok,
            "interrupted" => RunStatus::Interrupted,
            "cancelled" => RunStatus::Cancelled,
            _ => RunStatus::Error,
        }
    }
}

/// One target a failed-over run tried (the last one is the target that answered, or failed).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetAttempt {
    /// Provider id.
    pub provider: String,
    /// Model.
    pub model: String,
    /// Key label, when a saved key was used.
    pub key_label: Option<String>,
    /// `ok`, `error`, `interrupted` or `cancelled`.
    pub status: String,
    /// Error code, when it failed.
    pub error_code: Option<String>,
    /// Error message, when it failed.
    pub error_message: Option<String>,
    /// How long it took (ms).
    pub latency_ms: i64,
    /// HTTP attempts on it (1 + retries).
    pub http_attempts: i64,
}

/// The batch job row × target a run answers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BatchLink {
    /// The job.
    pub job_id: i64,
    /// The dataset row, 1-based.
    pub row: i64,
    /// The job's target, 0-based.
    pub target: i64,
}

/// A run as stored (the fields later screens need are added as they come).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunRecord {
    /// Row id.
    pub id: i64,
    /// Start, ms since the epoch (UTC).
    pub started_at_ms: i64,
    /// Provider id.
    pub provider: String,
    /// Model as requested.
    pub model_requested: String,
    /// Model the provider reported.
    pub model_resolved: Option<String>,
    /// Price-table key billed at.
    pub price_key: Option<String>,
    /// Price-table version billed at.
    pub price_table_version: Option<String>,
    /// How it ended.
    pub status: RunStatus,
    /// Error code, when it failed.
    pub error_code: Option<String>,
    /// Error message, when it failed.
    pub error_message: Option<String>,
    /// Tokens.
    pub usage: TokenUsage,
    /// Rates and costs per component, and the total.
    pub breakdown: CostBreakdown,
    /// Latency (ms).
    pub latency_ms: Option<i64>,
    /// Time to first token (ms).
    pub ttft_ms: Option<i64>,
    /// Attempts (1 + retries).
    pub attempts: i64,
    /// Tag / project.
    pub tag: Option<String>,
    /// Key metadata id.
    pub key_id: Option<String>,
    /// The key's label when the run was made.
    pub key_label: Option<String>,
    /// System prompt.
    pub system_prompt: Option<String>,
    /// Request parameters (JSON).
    pub params_json: Option<String>,
    /// Conversation it is a turn of.
    pub conversation_id: Option<i64>,
    /// Template id and version.
    pub template: Option<(i64, i64)>,
    /// Cost the provider reported (the total is this when present).
    pub provider_cost: Option<NanoUsd>,
    /// What the table's rates come to (lines + multiplier), when the model was priced; beside a
    /// reported cost it shows the difference.
    pub computed_cost: Option<NanoUsd>,
    /// The provider's request id.
    pub request_id: Option<String>,
    /// The user's prompt (last turn).
    pub prompt: Option<String>,
    /// The output text.
    pub output: Option<String>,
    /// Answered from the response cache (cost 0).
    pub cache_hit: bool,
    /// What a cache hit saved, nano-USD.
    pub saved_nano: NanoUsd,
    /// Every target tried when the run failed over (empty otherwise).
    pub tried: Vec<TargetAttempt>,
    /// The batch job row × target it answers, when it is part of one.
    pub batch: Option<BatchLink>,
    /// The comparison it is a column of.
    pub comparison_id: Option<i64>,
    /// The OpenAI project it was billed to.
    pub project_id: Option<String>,
    /// What kind of request it was.
    pub operation: Operation,
    /// How many inputs (embeddings) or images (generation) it had.
    pub items: Option<i64>,
}

impl RunRecord {
    /// What the run cost: `None` when it is unpriced (its model had no price).
    pub fn cost(&self) -> Option<NanoUsd> {
        (self.breakdown.cost_source != CostSource::Unpriced)
            .then_some(self.breakdown.total_nano_usd)
    }
}

/// A run to record.
#[derive(Debug, Clone, Default)]
pub struct NewRun {
    /// Start, ms since the epoch (UTC).
    pub started_at_ms: i64,
    /// Provider id.
    pub provider: String,
    /// Model as requested.
    pub model_requested: String,
    /// Model the provider reported.
    pub model_resolved: Option<String>,
    /// The priced usage (absent when the run failed before usage was known).
    pub priced: Option<PricedUsage>,
    /// How it ended.
    pub status: Option<RunStatus>,
    /// Typed error code.
    pub error_code: Option<String>,
    /// Error message (never contains a key).
    pub error_message: Option<String>,
    /// Cost the provider reported, if any.
    pub provider_cost: Option<NanoUsd>,
    /// Overrides the breakdown's source (e.g. `estimated` after a cut stream).
    pub cost_source: Option<CostSource>,
    /// Latency (ms).
    pub latency_ms: Option<i64>,
    /// Time to first token (ms).
    pub ttft_ms: Option<i64>,
    /// Attempts (1 + retries).
    pub attempts: i64,
    /// Key metadata id.
    pub key_id: Option<String>,
    /// The key's label, kept on the run even after the key is removed.
    pub key_label: Option<String>,
    /// Tag / project.
    pub tag: Option<String>,
    /// Prompt text.
    pub prompt: Option<String>,
    /// System prompt.
    pub system_prompt: Option<String>,
    /// Output text.
    pub output: Option<String>,
    /// Request parameters as JSON.
    pub params_json: Option<String>,
    /// The provider's request id.
    pub request_id: Option<String>,
    /// Conversation this run is a turn of.
    pub conversation_id: Option<i64>,
    /// Comparison this run is a column of.
    pub comparison_id: Option<i64>,
    /// Template and version it was made from.
    pub template: Option<(i64, i64)>,
    /// Answered from the response cache.
    pub cache_hit: bool,
    /// What a cache hit saved (the answer's original cost), nano-USD.
    pub saved_nano: NanoUsd,
    /// Every target tried, when the run failed over.
    pub tried: Vec<TargetAttempt>,
    /// Its write-ahead row ([`crate::ledger::in_flight`]), released as the run is recorded.
    pub flight_id: Option<i64>,
    /// The OpenAI project it was sent to (`OpenAI-Project`); without one, an OpenAI run takes
    /// its key's project when the key's mapping is known.
    pub project_id: Option<String>,
    /// The batch job row × target it answers.
    pub batch: Option<BatchLink>,
    /// What kind of request it was (chat unless set).
    pub operation: Operation,
    /// How many inputs (embeddings) or images (generation) it had.
    pub items: Option<u64>,
}

fn i(v: u64) -> i64 {
    i64::try_from(v).unwrap_or(i64::MAX)
}

fn u(v: i64) -> u64 {
    u64::try_from(v).unwrap_or(0)
}

impl Ledger {
    /// Records a run and commits it; returns its id. The daily roll-up follows by trigger.
    pub fn insert_run(&mut self, run: &NewRun) -> Result<i64> {
        self.follow_stored_zone()?;
        let tx = self.write_tx()?;
        let id = insert_in(&tx, run)?;
        if let Some(flight) = run.flight_id {
            tx.execute("DELETE FROM runs_in_flight WHERE id = ?1", [flight])?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Records many runs in one transaction (imports, sample data): all or none.
    pub fn insert_runs(&mut self, runs: &[NewRun]) -> Result<()> {
        self.follow_stored_zone()?;
        let tx = self.write_tx()?;
        for run in runs {
            insert_in(&tx, run)?;
        }
        tx.commit()?;
        Ok(())
    }

    /// One run.
    pub fn run(&self, id: i64) -> Result<RunRecord> {
        self.conn()
            .prepare_cached(&format!("{SELECT_RUN} WHERE id = ?1"))?
            .query_row([id], run_from_row)
            .optional()?
            .ok_or(CoreError::NotFound {
                what: "run",
                id: id.to_string(),
            })
    }

    /// The newest runs, newest first.
    pub fn recent_runs(&self, limit: usize) -> Result<Vec<RunRecord>> {
        let mut stmt = self.conn().prepare(&format!(
            "{SELECT_RUN} ORDER BY started_at_ms DESC, id DESC LIMIT ?1"
        ))?;
        let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], run_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Deletes a run (its roll-up is corrected by trigger).
    pub fn delete_run(&mut self, id: i64) -> Result<()> {
        self.follow_stored_zone()?;
        match self
            .conn()
            .execute("DELETE FROM runs WHERE id = ?1", [id])?
        {
            0 => Err(CoreError::NotFound {
                what: "run",
                id: id.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// Number of recorded runs.
    pub fn run_count(&self) -> Result<i64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM runs", [], |r| r.get(0))?)
    }
}

const SELECT_RUN: &str = "SELECT id, started_at_ms, provider, model_requested, model_resolved,
    price_key, price_table_version, status, error_code, error_message,
    input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens, output_tokens,
    reasoning_tokens, rate_input, rate_cached_input, rate_cache_write, rate_cache_write_1h,
    rate_output, rate_reasoning, cost_input_nano, cost_cached_input_nano, cost_cache_write_nano,
    cost_cache_write_1h_nano, cost_output_nano, cost_reasoning_nano, cost_total_nano, cost_source,
    price_tier, latency_ms, ttft_ms, attempts, tag, key_id, provider_cost_nano, request_id, prompt,
    output, key_label, system_prompt, params_json, conversation_id, template_id, template_version,
    cache_hit, saved_nano, attempts_json, rate_set, multiplier_json, batch_job_id, batch_row,
    batch_target, comparison_id, project_id, operation, unit, unit_quantity, rate_unit,
    cost_unit_nano, items
    FROM runs";

fn run_from_row(r: &Row<'_>) -> rusqlite::Result<RunRecord> {
    let usage = TokenUsage {
        input_tokens: u(r.get(10)?),
        cached_input_tokens: u(r.get(11)?),
        cache_write_tokens: u(r.get(12)?),
        cache_write_1h_tokens: u(r.get(13)?),
        output_tokens: u(r.get(14)?),
        reasoning_tokens: u(r.get(15)?),
    };
    let tokens = [
        usage.input_tokens,
        usage.cached_input_tokens,
        usage.cache_write_tokens,
        usage.cache_write_1h_tokens,
        usage.output_tokens,
        usage.reasoning_tokens,
    ];
    let mut lines = Vec::with_capacity(6);
    for (n, c) in Component::ALL.iter().enumerate() {
        lines.push(crate::pricing::CostLine {
            component: *c,
            tokens: tokens[n],
            rate_nano_usd_per_mtok: RatePerMTok(r.get(16 + n)?),
            cost_nano_usd: NanoUsd(r.get(22 + n)?),
        });
    }
    let source: String = r.get(29)?;
    let status: String = r.get(7)?;
    let price_key: Option<String> = r.get(5)?;
    let breakdown = CostBreakdown {
        lines,
        total_nano_usd: NanoUsd(r.get::<_, Option<i64>>(28)?.unwrap_or(0)),
        tier: r.get(30)?,
        cost_source: match source.as_str() {
            "provider_reported" => CostSource::ProviderReported,
            "estimated" => CostSource::Estimated,
            "unmetered" => CostSource::Unmetered,
            "unpriced" => CostSource::Unpriced,
            _ => CostSource::Computed,
        },
        rate_set: r.get(49)?,
        multiplier: r
            .get::<_, Option<String>>(50)?
            .and_then(|j| serde_json::from_str(&j).ok()),
        unit: r
            .get::<_, Option<String>>(57)?
            .and_then(|u| BilledUnit::parse(&u))
            .map(|unit| -> rusqlite::Result<UnitLine> {
                Ok(UnitLine {
                    unit,
                    quantity: u(r.get(58)?),
                    rate_nano_usd_per_munit: RatePerMTok(r.get(59)?),
                    cost_nano_usd: NanoUsd(r.get(60)?),
                })
            })
            .transpose()?,
    };
    let computed_cost = (price_key.is_some() && breakdown.cost_source != CostSource::Unmetered)
        .then(|| breakdown.computed_total());
    Ok(RunRecord {
        id: r.get(0)?,
        started_at_ms: r.get(1)?,
        provider: r.get(2)?,
        model_requested: r.get(3)?,
        model_resolved: r.get(4)?,
        price_key,
        price_table_version: r.get(6)?,
        status: RunStatus::parse(&status),
        error_code: r.get(8)?,
        error_message: r.get(9)?,
        usage,
        breakdown,
        computed_cost,
        latency_ms: r.get(31)?,
        ttft_ms: r.get(32)?,
        attempts: r.get(33)?,
        tag: r.get(34)?,
        key_id: r.get(35)?,
        provider_cost: r.get::<_, Option<i64>>(36)?.map(NanoUsd),
        request_id: r.get(37)?,
        prompt: r.get(38)?,
        output: r.get(39)?,
        key_label: r.get(40)?,
        system_prompt: r.get(41)?,
        params_json: r.get(42)?,
        conversation_id: r.get(43)?,
        template: r
            .get::<_, Option<i64>>(44)?
            .zip(r.get::<_, Option<i64>>(45)?),
        cache_hit: r.get::<_, i64>(46)? != 0,
        saved_nano: r.get(47)?,
        tried: r
            .get::<_, Option<String>>(48)?
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default(),
        batch: batch_link(r.get(51)?, r.get(52)?, r.get(53)?),
        comparison_id: r.get(54)?,
        project_id: r.get(55)?,
        operation: Operation::from_stored(&r.get::<_, String>(56)?),
        items: r.get(61)?,
    })
}

/// The link from three nullable columns (all set, or none).
pub(crate) fn batch_link(
    job: Option<i64>,
    row: Option<i64>,
    target: Option<i64>,
) -> Option<BatchLink> {
    Some(BatchLink {
        job_id: job?,
        row: row?,
        target: target?,
    })
}

/// Inserts one run inside an open write transaction; returns its id.
pub(crate) fn insert_in(tx: &rusqlite::Transaction<'_>, run: &NewRun) -> Result<i64> {
    if run.provider.trim().is_empty() || run.model_requested.trim().is_empty() {
        return Err(CoreError::invalid(
            "run",
            "a run needs a provider and a model",
        ));
    }
    let zero = PricedUsage::zero();
    let p = run.priced.as_ref().unwrap_or(&zero);
    let (rate, cost) = p.breakdown.columns();
    let source = run.cost_source.unwrap_or(p.breakdown.cost_source);
    let unit = p.breakdown.unit;
    tx.prepare_cached(
        "INSERT INTO runs (started_at_ms, provider, model_requested, model_resolved, price_key,
                price_table_version, key_id, status, error_code, error_message,
                input_tokens, cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
                output_tokens, reasoning_tokens,
                rate_input, rate_cached_input, rate_cache_write, rate_cache_write_1h, rate_output,
                rate_reasoning,
                cost_input_nano, cost_cached_input_nano, cost_cache_write_nano,
                cost_cache_write_1h_nano, cost_output_nano, cost_reasoning_nano, cost_total_nano,
                provider_cost_nano, cost_source, price_tier, latency_ms, ttft_ms, attempts, tag,
                prompt, system_prompt, output, params_json, request_id, key_label,
                conversation_id, template_id, template_version, comparison_id, cache_hit,
                saved_nano, attempts_json, rate_set, multiplier_json, project_id, batch_job_id,
                batch_row, batch_target, operation, unit, unit_quantity, rate_unit, cost_unit_nano,
                items)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19, ?20, ?21, ?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31, ?32, ?33,
                ?34, ?35, ?36, ?37, ?38, ?39, ?40, ?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49,
                ?50, ?51,
                CASE WHEN ?2 = 'openai' THEN COALESCE(?52,
                    (SELECT COALESCE(project, bound_project_id) FROM api_keys WHERE id = ?7)) END,
                ?53, ?54, ?55, ?56, ?57, ?58, ?59, ?60, ?61)",
    )?
    .execute(params![
        run.started_at_ms,
        run.provider,
        run.model_requested,
        run.model_resolved,
        run.priced
            .as_ref()
            .filter(|p| p.breakdown.cost_source != CostSource::Unpriced)
            .map(|p| p.price_key.as_str()),
        run.priced.as_ref().map(|p| p.price_table_version.as_str()),
        run.key_id,
        run.status.unwrap_or(RunStatus::Ok).as_str(),
        run.error_code,
        run.error_message,
        i(p.usage.input_tokens),
        i(p.usage.cached_input_tokens),
        i(p.usage.cache_write_tokens),
        i(p.usage.cache_write_1h_tokens),
        i(p.usage.output_tokens),
        i(p.usage.reasoning_tokens),
        rate[0],
        rate[1],
        rate[2],
        rate[3],
        rate[4],
        rate[5],
        cost[0],
        cost[1],
        cost[2],
        cost[3],
        cost[4],
        cost[5],
        // An unpriced run's cost is unknown (NULL), unless a gateway reported it.
        match (run.provider_cost, source) {
            (Some(c), _) => Some(c.0),
            (None, CostSource::Unpriced) => None,
            (None, _) => Some(p.breakdown.total_nano_usd.0),
        },
        run.provider_cost.map(|c| c.0),
        source.as_str(),
        p.breakdown.tier,
        run.latency_ms,
        run.ttft_ms,
        run.attempts.max(1),
        run.tag,
        run.prompt,
        run.system_prompt,
        run.output,
        run.params_json,
        run.request_id,
        run.key_label,
        run.conversation_id,
        run.template.map(|t| t.0),
        run.template.map(|t| t.1),
        run.comparison_id,
        run.cache_hit,
        run.saved_nano.at_least_zero(),
        (!run.tried.is_empty())
            .then(|| serde_json::to_string(&run.tried).ok())
            .flatten(),
        p.breakdown.rate_set,
        p.breakdown
            .multiplier
            .as_ref()
            .and_then(|m| serde_json::to_string(m).ok()),
        run.project_id,
        run.batch.map(|b| b.job_id),
        run.batch.map(|b| b.row),
        run.batch.map(|b| b.target),
        run.operation.as_str(),
        unit.map(|l| l.unit.as_str()),
        unit.map_or(0, |l| i(l.quantity)),
        unit.map_or(0, |l| l.rate_nano_usd_per_munit.0),
        unit.map_or(0, |l| l.cost_nano_usd.0),
        run.items.map(i),
    ])?;
    Ok(tx.last_insert_rowid())
}
