//! Budgets: a limit in USD on what one scope (everything, a provider, a model, a key or a tag)
//! may spend per local day, week (from Monday) or month, that either warns or blocks. Spend is
//! read from the roll-up; alerts at 50, 80 and 100 % fire once per budget period each.
//!
//! This file holds the rules (scopes, periods, thresholds, the refusal); `store.rs` their SQL.

mod store;

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::error::{BudgetBreach, CoreError, Result};
use crate::money::NanoUsd;

/// What a budget covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(tag = "kind", content = "value", rename_all = "snake_case")]
pub enum BudgetScope {
    /// Every run.
    All,
    /// One provider's runs (`openai`, `anthropic`…).
    Provider(String),
    /// One model's runs (dated versions of it included: `gpt-4o` covers `gpt-4o-2024-08-06`).
    Model(String),
    /// One key's runs (its id).
    Key(String),
    /// One tag's runs.
    Tag(String),
    /// One operation's runs (`chat`, `embedding`, `image`, `transcription`, `speech`).
    Operation(String),
}

impl BudgetScope {
    fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            BudgetScope::All => ("all", None),
            BudgetScope::Provider(v) => ("provider", Some(v)),
            BudgetScope::Model(v) => ("model", Some(v)),
            BudgetScope::Key(v) => ("key", Some(v)),
            BudgetScope::Tag(v) => ("tag", Some(v)),
            BudgetScope::Operation(v) => ("operation", Some(v)),
        }
    }

    fn from_parts(kind: &str, value: Option<String>) -> BudgetScope {
        match (kind, value) {
            ("provider", Some(v)) => BudgetScope::Provider(v),
            ("model", Some(v)) => BudgetScope::Model(v),
            ("key", Some(v)) => BudgetScope::Key(v),
            ("tag", Some(v)) => BudgetScope::Tag(v),
            ("operation", Some(v)) => BudgetScope::Operation(v),
            _ => BudgetScope::All,
        }
    }

    /// How lists name it: `everything`, `provider openai`, `operation embedding`.
    pub fn describe(&self) -> String {
        match self.parts() {
            (_, None) => "everything".to_string(),
            (kind, Some(v)) => format!("{kind} {v}"),
        }
    }

    /// Whether a run in `scope` counts against this budget.
    pub fn covers(&self, run: &RunScope) -> bool {
        match self {
            BudgetScope::All => true,
            BudgetScope::Provider(p) => run.provider == *p,
            BudgetScope::Model(m) => same_model(&run.model, m),
            BudgetScope::Key(k) => run.key_id.as_deref() == Some(k.as_str()),
            BudgetScope::Tag(t) => run.tag.as_deref() == Some(t.as_str()),
            BudgetScope::Operation(o) => run.operation.as_str() == o,
        }
    }
}

/// `gpt-4o-2024-08-06` is `gpt-4o`; `gpt-4o-mini` is not.
pub(crate) fn same_model(model: &str, budget: &str) -> bool {
    model == budget
        || model
            .strip_prefix(budget)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// A budget's period, in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BudgetPeriod {
    /// Today.
    Day,
    /// Monday to Sunday.
    Week,
    /// The calendar month.
    Month,
}

impl BudgetPeriod {
    fn as_str(self) -> &'static str {
        match self {
            BudgetPeriod::Day => "day",
            BudgetPeriod::Week => "week",
            BudgetPeriod::Month => "month",
        }
    }

    fn parse(s: &str) -> Result<BudgetPeriod> {
        match s {
            "day" | "daily" => Ok(BudgetPeriod::Day),
            "week" | "weekly" => Ok(BudgetPeriod::Week),
            "month" | "monthly" => Ok(BudgetPeriod::Month),
            other => Err(CoreError::invalid(
                "period",
                format!("`{other}` is not a budget period; use day, week or month"),
            )),
        }
    }

    /// The first and last day of the period containing `day`.
    pub fn bounds(self, day: NaiveDate) -> (NaiveDate, NaiveDate) {
        match self {
            BudgetPeriod::Day => (day, day),
            BudgetPeriod::Week => {
                let start =
                    day - chrono::Duration::days(i64::from(day.weekday().num_days_from_monday()));
                (start, start + chrono::Duration::days(6))
            }
            BudgetPeriod::Month => {
                let start = day.with_day(1).unwrap_or(day);
                let next = if start.month() == 12 {
                    NaiveDate::from_ymd_opt(start.year() + 1, 1, 1)
                } else {
                    NaiveDate::from_ymd_opt(start.year(), start.month() + 1, 1)
                };
                (start, next.and_then(|n| n.pred_opt()).unwrap_or(start))
            }
        }
    }

    fn phrase(self) -> &'static str {
        match self {
            BudgetPeriod::Day => "today",
            BudgetPeriod::Week => "this week",
            BudgetPeriod::Month => "this month",
        }
    }
}

impl std::str::FromStr for BudgetPeriod {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<BudgetPeriod> {
        BudgetPeriod::parse(s.trim())
    }
}

/// Warn only, or refuse runs that would break the budget.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum BudgetMode {
    /// Alerts only.
    Warn,
    /// Runs whose worst case would break it are not sent (unless overridden once).
    Block,
}

impl std::str::FromStr for BudgetMode {
    type Err = CoreError;
    fn from_str(s: &str) -> Result<BudgetMode> {
        match s.trim() {
            "warn" => Ok(BudgetMode::Warn),
            "block" => Ok(BudgetMode::Block),
            other => Err(CoreError::invalid(
                "mode",
                format!("`{other}` is not a budget mode; use warn or block"),
            )),
        }
    }
}

/// A budget to create.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct NewBudget {
    /// Name shown in alerts.
    pub name: String,
    /// What it covers.
    pub scope: BudgetScope,
    /// Its period.
    pub period: BudgetPeriod,
    /// The limit.
    pub limit_nano: NanoUsd,
    /// Warn or block.
    pub mode: BudgetMode,
}

/// A saved budget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Budget {
    /// Id.
    pub id: i64,
    /// Name.
    pub name: String,
    /// What it covers.
    pub scope: BudgetScope,
    /// Its period.
    pub period: BudgetPeriod,
    /// The limit, nano-USD.
    pub limit_nano: NanoUsd,
    /// Warn or block.
    pub mode: BudgetMode,
    /// Created.
    pub created_at_ms: i64,
}

/// A budget with its spend in the current period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BudgetStatus {
    /// The budget.
    pub budget: Budget,
    /// First day of the current period.
    pub period_start: String,
    /// Last day of it.
    pub period_end: String,
    /// Spent so far in it, nano-USD.
    pub spent_nano: NanoUsd,
    /// The worst cases of the runs in flight it covers (released when they are recorded).
    pub reserved_nano: NanoUsd,
    /// Left after spend and reservations (never below zero).
    pub remaining_nano: NanoUsd,
    /// `spent / limit` (can pass 1.0).
    pub used: f64,
}

/// A budget checked against a run's worst case.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BudgetCheck {
    /// The budget and its spend.
    pub status: BudgetStatus,
    /// The run's worst-case cost, nano-USD.
    pub estimate_nano: NanoUsd,
    /// Whether spend plus the worst case passes the limit.
    pub would_exceed: bool,
}

/// What a run is, for budgets: provider, model, key, tag and operation.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct RunScope {
    /// Provider id.
    pub provider: String,
    /// Model (requested).
    pub model: String,
    /// Key id.
    pub key_id: Option<String>,
    /// Tag.
    pub tag: Option<String>,
    /// What kind of request.
    pub operation: crate::Operation,
}

/// A threshold a budget crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BudgetAlert {
    /// Budget id.
    pub budget_id: i64,
    /// Budget name.
    pub budget: String,
    /// 50, 80 or 100 (%).
    pub threshold: i64,
    /// Spent when it fired, nano-USD.
    pub spent_nano: NanoUsd,
    /// The limit, nano-USD.
    pub limit_nano: NanoUsd,
    /// First day of the period it fired in.
    pub period_start: String,
    /// When it fired (ms).
    pub fired_at_ms: i64,
    /// The user dismissed its banner.
    pub dismissed: bool,
}

impl BudgetAlert {
    /// One line for a notification or the terminal.
    pub fn message(&self) -> String {
        format!(
            "Budget “{}” is at {} %: {} of {} spent",
            self.budget,
            self.threshold,
            self.spent_nano.to_short_usd(),
            self.limit_nano.to_short_usd()
        )
    }
}

/// The thresholds that alert, in percent.
pub const THRESHOLDS: [i64; 3] = [50, 80, 100];

/// `Err(BudgetExceeded)` naming the first block-mode budget these checks say would be broken.
pub fn refuse_if_blocked(checks: &[BudgetCheck]) -> Result<()> {
    match checks
        .iter()
        .find(|c| c.would_exceed && c.status.budget.mode == BudgetMode::Block)
    {
        Some(c) => {
            let b = &c.status.budget;
            Err(CoreError::BudgetExceeded(Box::new(BudgetBreach {
                budget_id: b.id,
                budget: b.name.clone(),
                period: b.period.phrase().into(),
                limit: b.limit_nano.to_short_usd(),
                spent: c.status.spent_nano.to_short_usd(),
                remaining: c.status.remaining_nano.to_short_usd(),
                estimate: if c.estimate_nano == NanoUsd::UNBOUNDED {
                    "an unknown amount (no price is known for its model)".into()
                } else {
                    c.estimate_nano.to_short_usd()
                },
            })))
        }
        None => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::query::day_key;

    #[test]
    fn periods_start_on_the_day_monday_and_the_first() {
        let d = NaiveDate::from_ymd_opt(2026, 11, 19).unwrap(); // a Thursday
        let k = |p: BudgetPeriod| {
            let (a, b) = p.bounds(d);
            (day_key(a), day_key(b))
        };
        assert_eq!(
            k(BudgetPeriod::Day),
            ("2026-11-19".into(), "2026-11-19".into())
        );
        assert_eq!(
            k(BudgetPeriod::Week),
            ("2026-11-16".into(), "2026-11-22".into())
        );
        assert_eq!(
            k(BudgetPeriod::Month),
            ("2026-11-01".into(), "2026-11-30".into())
        );
        let dec = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(day_key(BudgetPeriod::Month.bounds(dec).1), "2026-12-31");
    }

    #[test]
    fn model_budgets_cover_dated_versions_only() {
        assert!(same_model("gpt-4o", "gpt-4o"));
        assert!(same_model("gpt-4o-2024-08-06", "gpt-4o"));
        assert!(!same_model("gpt-4o-mini", "gpt-4o"));
    }
}
