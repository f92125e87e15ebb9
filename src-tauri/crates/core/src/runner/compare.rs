//! Comparing models: one prompt on 2–6 targets at once. Every column is priced before anything
//! is sent, all run concurrently, each streams on its own, one failing does not stop the others,
//! and any column can be retried alone.

use futures_util::future::join_all;
use serde::Serialize;
use tokio_util::sync::CancellationToken;

use crate::error::{CoreError, Result, lock};
use crate::ledger::budgets::{BudgetCheck, RunScope, refuse_if_blocked};
use crate::ledger::runs::{RunRecord, RunStatus};
use crate::money::NanoUsd;
use crate::pricing::CostSource;
use crate::runner::{Detail, Estimate, PreparedRun, RunEvent, RunOutcome, RunSpec, Runner};

/// One target of a comparison.
#[derive(Debug, Clone)]
pub struct Column {
    /// What to show above it.
    pub label: String,
    /// The run to make (its model, settings, key).
    pub spec: RunSpec,
}

/// What a column produced.
#[derive(Debug)]
pub struct ColumnOutcome {
    /// Place, 0-based.
    pub position: usize,
    /// Label.
    pub label: String,
    /// The recorded run, or why it could not be recorded.
    pub result: Result<RunOutcome>,
}

/// The pre-flight for a whole comparison.
#[derive(Debug, Clone, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CompareEstimate {
    /// Per column.
    pub columns: Vec<Estimate>,
    /// Sum of the columns' input cost.
    pub min_total: NanoUsd,
    /// Sum of the columns' worst case.
    pub max_total: NanoUsd,
    /// The budgets the columns count against, checked with their worst cases summed.
    pub budgets: Vec<BudgetCheck>,
}

impl CompareEstimate {
    /// `Err(BudgetExceeded)` when the comparison as a whole would break a block-mode budget.
    pub fn refuse_if_blocked(&self) -> Result<()> {
        refuse_if_blocked(&self.budgets)
    }
}

/// The summary row: which column wins what (positions).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Summary {
    /// Lowest cost among completed columns.
    pub cheapest: Option<usize>,
    /// Lowest latency among completed columns.
    pub fastest: Option<usize>,
    /// Most output tokens per dollar (a free local model wins outright).
    pub most_output_per_dollar: Option<usize>,
}

/// Picks the winners among completed runs (`None` for columns without one).
pub fn summarize(runs: &[Option<&RunRecord>]) -> Summary {
    let ok: Vec<(usize, &RunRecord)> = runs
        .iter()
        .enumerate()
        .filter_map(|(i, r)| r.filter(|r| r.status == RunStatus::Ok).map(|r| (i, r)))
        .collect();
    // A run without a price has no place in cost rankings.
    let priced: Vec<&(usize, &RunRecord)> = ok
        .iter()
        .filter(|(_, r)| r.breakdown.cost_source != CostSource::Unpriced)
        .collect();
    let cheapest = priced
        .iter()
        .min_by_key(|(_, r)| r.breakdown.total_nano_usd)
        .map(|(i, _)| *i);
    let fastest = ok
        .iter()
        .filter(|(_, r)| r.latency_ms.is_some())
        .min_by_key(|(_, r)| r.latency_ms)
        .map(|(i, _)| *i);
    // Output per dollar as output tokens × 1e9 / nano-USD, compared without floats.
    let per_dollar = |r: &RunRecord| -> u128 {
        let out = u128::from(r.usage.output_tokens + r.usage.reasoning_tokens);
        match u128::try_from(r.breakdown.total_nano_usd.0).unwrap_or(0) {
            0 => u128::MAX,
            cost => out * 1_000_000_000 / cost,
        }
    };
    let most_output_per_dollar = priced
        .iter()
        .filter(|(_, r)| r.usage.output_tokens + r.usage.reasoning_tokens > 0)
        .max_by_key(|(_, r)| per_dollar(r))
        .map(|(i, _)| *i);
    Summary {
        cheapest,
        fastest,
        most_output_per_dollar,
    }
}

/// A comparison has 2 to 6 targets (a column retried alone is one run, not a comparison).
pub(crate) fn check_count(n: usize) -> Result<()> {
    if (2..=6).contains(&n) {
        Ok(())
    } else {
        Err(CoreError::invalid("targets", "compare 2 to 6 targets"))
    }
}

impl Runner {
    /// Prices every column; the first that cannot be priced (or is invalid) is an error naming
    /// it, so nothing is sent.
    pub fn estimate_compare(&self, columns: &[Column]) -> Result<CompareEstimate> {
        check_count(columns.len())?;
        Ok(self.prepare_columns(columns)?.1)
    }

    /// Prepares every column (exact estimates: the user sees them) and checks their summed
    /// worst case against budgets, without refusing.
    pub(crate) fn prepare_columns(
        &self,
        columns: &[Column],
    ) -> Result<(Vec<PreparedRun>, CompareEstimate)> {
        let mut prepared = Vec::with_capacity(columns.len());
        for (i, c) in columns.iter().enumerate() {
            prepared.push(
                self.price_targets(&c.spec, Detail::Exact)
                    .map_err(|e| e.in_target(format!("column {} ({})", i + 1, c.label)))?,
            );
        }
        let estimates: Vec<Estimate> = prepared
            .iter()
            .filter_map(|p| p.estimate().cloned())
            .collect();
        let min_total = estimates
            .iter()
            .fold(NanoUsd::ZERO, |a, e| a.saturating_add(e.min_cost));
        let max_total = estimates
            .iter()
            .fold(NanoUsd::ZERO, |a, e| a.saturating_add(e.max_cost));
        let scopes: Vec<(RunScope, NanoUsd)> = prepared
            .iter()
            .map(|p| (p.spec().scope(), p.worst_case()))
            .collect();
        let budgets = lock(&self.ledger, "ledger")?.budget_checks_all(&scopes)?;
        for p in &mut prepared {
            p.budgets = budgets.clone();
        }
        Ok((
            prepared,
            CompareEstimate {
                columns: estimates,
                min_total,
                max_total,
                budgets,
            },
        ))
    }

    /// Runs every column of comparison `comparison_id` concurrently. `on_event` gets each
    /// column's events with its position. Budgets see the comparison as a whole: when its
    /// columns' summed worst case would break a block-mode budget, no column is sent (unless
    /// every column overrides it).
    pub async fn compare(
        &self,
        comparison_id: i64,
        columns: &[Column],
        on_event: &(dyn Fn(usize, RunEvent) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Vec<ColumnOutcome> {
        let prepared = self.prepare_columns(columns).and_then(|(p, e)| {
            if columns.iter().any(|c| !c.spec.policy.override_budget) {
                e.refuse_if_blocked()?;
            }
            Ok(p)
        });
        let labels: Vec<String> = columns.iter().map(|c| c.label.clone()).collect();
        match prepared {
            Ok(mut runs) => {
                for r in &mut runs {
                    r.spec_mut().comparison_id = Some(comparison_id);
                }
                self.run_columns(
                    comparison_id,
                    labels.into_iter().zip(runs).collect(),
                    on_event,
                    cancel,
                )
                .await
            }
            Err(e) => labels
                .into_iter()
                .enumerate()
                .map(|(position, label)| ColumnOutcome {
                    position,
                    label,
                    result: Err(e.duplicate()),
                })
                .collect(),
        }
    }

    /// Executes prepared columns concurrently and attaches each recorded run to its column.
    pub(crate) async fn run_columns(
        &self,
        comparison_id: i64,
        columns: Vec<(String, PreparedRun)>,
        on_event: &(dyn Fn(usize, RunEvent) + Send + Sync),
        cancel: &CancellationToken,
    ) -> Vec<ColumnOutcome> {
        let runs = columns
            .into_iter()
            .enumerate()
            .map(|(i, (label, prepared))| async move {
                let mut events = |e: RunEvent| on_event(i, e);
                let result = self.execute(prepared, &mut events, cancel).await;
                let result = match result {
                    Ok(out) => lock(&self.ledger, "ledger")
                        .and_then(|mut l| l.set_column_run(comparison_id, i as i64, out.record.id))
                        .map(|()| out),
                    Err(e) => Err(e),
                };
                ColumnOutcome {
                    position: i,
                    label,
                    result,
                }
            });
        join_all(runs).await
    }
}
