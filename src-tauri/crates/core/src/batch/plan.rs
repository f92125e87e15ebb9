//! A job checked before anything is sent: the prompt rendered for every row (a row without a
//! value for a variable the prompt uses is an error naming the row), every row's input tokens
//! counted exactly, and the cost range per target live and as a provider batch.

use serde::{Deserialize, Serialize};

use crate::batch::BatchMode;
use crate::error::{CoreError, Result};
use crate::ledger::budgets::BudgetCheck;
use crate::money::NanoUsd;
use crate::templates::{Compiled, variables};

/// The prompt, ready to fill from a dataset's rows.
#[derive(Debug, Clone)]
pub struct Plan {
    compiled: Compiled,
    /// Each variable the prompt uses, and its column.
    vars: Vec<(String, usize)>,
}

impl Plan {
    /// Matches the prompt's variables to the dataset's columns: a variable without a column is
    /// an error naming the columns there are.
    pub fn new(body: &str, columns: &[String]) -> Result<Plan> {
        if body.trim().is_empty() {
            return Err(CoreError::invalid("prompt", "the prompt is empty"));
        }
        let mut vars = Vec::new();
        let mut missing = Vec::new();
        for v in variables(body) {
            match columns.iter().position(|c| *c == v) {
                Some(i) => vars.push((v, i)),
                None => missing.push(format!("{{{{{v}}}}}")),
            }
        }
        if !missing.is_empty() {
            return Err(CoreError::invalid(
                "dataset",
                format!(
                    "the prompt uses {} but the data has no such column (its columns: {})",
                    missing.join(", "),
                    columns.join(", ")
                ),
            ));
        }
        Ok(Plan {
            compiled: Compiled::new(body),
            vars,
        })
    }

    /// The prompt for data row `row` (1-based) with `cells`.
    pub fn render(&self, row: usize, cells: &[Option<String>]) -> Result<String> {
        for (name, col) in &self.vars {
            if cells.get(*col).is_none_or(Option::is_none) {
                return Err(CoreError::invalid(
                    "dataset",
                    format!("row {row} has no value for `{name}`; nothing was sent"),
                ));
            }
        }
        let text = self.compiled.fill(|name| {
            self.vars
                .iter()
                .find(|(n, _)| n == name)
                .and_then(|(_, c)| cells.get(*c))
                .and_then(|v| v.as_deref())
        });
        if text.trim().is_empty() {
            return Err(CoreError::invalid(
                "dataset",
                format!("row {row} makes an empty prompt; nothing was sent"),
            ));
        }
        Ok(text)
    }

    /// Every row's prompt, in order: the first row that cannot be rendered is the error.
    pub fn render_all(&self, rows: &[Vec<Option<String>>]) -> Result<Vec<String>> {
        rows.iter()
            .enumerate()
            .map(|(i, cells)| self.render(i + 1, cells))
            .collect()
    }
}

/// A cost range: the input alone, and every allowed output token used.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct CostRange {
    /// The input alone.
    pub min_nano: NanoUsd,
    /// The worst case.
    pub max_nano: NanoUsd,
}

impl CostRange {
    pub(crate) fn add(&mut self, min: NanoUsd, max: NanoUsd) {
        self.min_nano = self.min_nano.saturating_add(min);
        self.max_nano = self.max_nano.saturating_add(max);
    }

    /// The midpoint (a projection's best guess).
    pub fn mid(&self) -> NanoUsd {
        NanoUsd(self.min_nano.0 / 2 + self.max_nano.0 / 2)
    }
}

/// One target's share of a job's estimate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TargetEstimate {
    /// `provider/model` and what differs.
    pub label: String,
    /// The price entry.
    pub price_key: String,
    /// Every row live, at standard prices.
    pub live: CostRange,
    /// Every row as a provider batch, when the provider has a Batch API and a batch price is
    /// known.
    pub batch: Option<CostRange>,
    /// How the batch price was found: `batch` (the table's batch rates) or the documented
    /// discount.
    pub batch_rates: Option<String>,
    /// Why this target cannot go as a provider batch, when it cannot.
    pub batch_unavailable: Option<String>,
    /// No price is known for the model: its cost will be recorded as unpriced.
    pub unpriced: bool,
    /// The output limit each row's worst case assumes.
    pub max_output_tokens: u64,
}

/// A row as the preview shows it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct PreviewRow {
    /// 1-based.
    pub row: i64,
    /// Its cells, in column order.
    pub values: Vec<Option<String>>,
    /// The prompt it renders.
    pub prompt: String,
    /// Its input tokens.
    pub input_tokens: u64,
}

/// The pre-flight of a whole job — the CLI contract's fields first.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct JobEstimate {
    /// Data rows.
    pub rows: i64,
    /// Targets.
    pub targets: i64,
    /// Every row × target live.
    pub live: CostRange,
    /// Every row × target as provider batches (`None` when a target cannot go as one).
    pub batch: Option<CostRange>,
    /// Input tokens of every row (once; each target sends them all).
    pub input_tokens: u64,
    /// Per target.
    pub per_target: Vec<TargetEstimate>,
    /// The mode asked for.
    pub mode: Option<BatchMode>,
    /// The budgets the job counts against, checked with the chosen mode's worst case summed
    /// over every row × target.
    pub budgets: Vec<BudgetCheck>,
    /// The first rows, rendered.
    pub preview: Vec<PreviewRow>,
    /// The dataset's columns.
    pub columns: Vec<String>,
}

/// A job's estimate as the ledger keeps it: without its budget checks, which are only true
/// when they are made.
#[derive(Deserialize)]
struct Stored {
    rows: i64,
    targets: i64,
    live: CostRange,
    batch: Option<CostRange>,
    input_tokens: u64,
    per_target: Vec<TargetEstimate>,
    mode: Option<BatchMode>,
    #[serde(default)]
    preview: Vec<PreviewRow>,
    #[serde(default)]
    columns: Vec<String>,
}

impl JobEstimate {
    /// Reads an estimate the ledger kept (its budget checks are not kept).
    pub(crate) fn from_stored(json: &str) -> Option<JobEstimate> {
        let s: Stored = serde_json::from_str(json).ok()?;
        Some(JobEstimate {
            rows: s.rows,
            targets: s.targets,
            live: s.live,
            batch: s.batch,
            input_tokens: s.input_tokens,
            per_target: s.per_target,
            mode: s.mode,
            budgets: Vec::new(),
            preview: s.preview,
            columns: s.columns,
        })
    }

    /// The chosen mode's range (live when the batch range is unknown).
    pub fn chosen(&self) -> CostRange {
        match (self.mode, self.batch) {
            (Some(BatchMode::Provider), Some(b)) => b,
            _ => self.live,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cols(c: &[&str]) -> Vec<String> {
        c.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn rows_render_and_a_missing_value_names_the_row() {
        let p = Plan::new("Classify: {{text}} ({{ id }})", &cols(&["id", "text"])).unwrap();
        let rows = vec![
            vec![Some("1".into()), Some("late delivery".into())],
            vec![Some("2".into()), None],
        ];
        assert_eq!(
            p.render(1, &rows[0]).unwrap(),
            "Classify: late delivery (1)"
        );
        let e = p.render_all(&rows).unwrap_err();
        assert!(
            e.to_string().contains("row 2 has no value for `text`"),
            "{e}"
        );
        let e = Plan::new("{{body}} {{x}}", &cols(&["text"])).unwrap_err();
        assert!(
            e.to_string().contains(
                "uses {{body}}, {{x}} but the data has no such column (its columns: text)"
            ),
            "{e}"
        );
    }
}
