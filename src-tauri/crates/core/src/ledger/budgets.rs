//! Budgets: a limit in USD on what one scope (everything, a provider, a model, a key or a tag)
//! may spend per local day, week (from Monday) or month, that either warns or blocks. Spend is
//! read from the roll-up; alerts at 50, 80 and 100 % fire once per budget period each.

use chrono::{Datelike, NaiveDate};
use rusqlite::{OptionalExtension, Row, params};
use serde::{Deserialize, Serialize};

use crate::error::{BudgetBreach, CoreError, Result};
use crate::ledger::Ledger;
use crate::ledger::query::day_key;
use crate::money::NanoUsd;

/// What a budget covers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
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
}

impl BudgetScope {
    fn parts(&self) -> (&'static str, Option<&str>) {
        match self {
            BudgetScope::All => ("all", None),
            BudgetScope::Provider(v) => ("provider", Some(v)),
            BudgetScope::Model(v) => ("model", Some(v)),
            BudgetScope::Key(v) => ("key", Some(v)),
            BudgetScope::Tag(v) => ("tag", Some(v)),
        }
    }

    fn from_parts(kind: &str, value: Option<String>) -> BudgetScope {
        match (kind, value) {
            ("provider", Some(v)) => BudgetScope::Provider(v),
            ("model", Some(v)) => BudgetScope::Model(v),
            ("key", Some(v)) => BudgetScope::Key(v),
            ("tag", Some(v)) => BudgetScope::Tag(v),
            _ => BudgetScope::All,
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
        }
    }
}

/// `gpt-4o-2024-08-06` is `gpt-4o`; `gpt-4o-mini` is not.
fn same_model(model: &str, budget: &str) -> bool {
    model == budget
        || model
            .strip_prefix(budget)
            .and_then(|rest| rest.strip_prefix('-'))
            .is_some_and(|rest| rest.starts_with(|c: char| c.is_ascii_digit()))
}

/// A budget's period, in local time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
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
pub struct BudgetStatus {
    /// The budget.
    pub budget: Budget,
    /// First day of the current period.
    pub period_start: String,
    /// Last day of it.
    pub period_end: String,
    /// Spent so far in it, nano-USD.
    pub spent_nano: NanoUsd,
    /// Left (never below zero).
    pub remaining_nano: NanoUsd,
    /// `spent / limit` (can pass 1.0).
    pub used: f64,
}

/// A budget checked against a run's worst case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BudgetCheck {
    /// The budget and its spend.
    pub status: BudgetStatus,
    /// The run's worst-case cost, nano-USD.
    pub estimate_nano: NanoUsd,
    /// Whether spend plus the worst case passes the limit.
    pub would_exceed: bool,
}

/// What a run is, for budgets: provider, model, key and tag.
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
}

/// A threshold a budget crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
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
                estimate: c.estimate_nano.to_short_usd(),
            })))
        }
        None => Ok(()),
    }
}

const SELECT: &str =
    "SELECT id, name, scope, scope_value, period, limit_nano, mode, created_at_ms FROM budgets";

fn budget_from_row(r: &Row<'_>) -> rusqlite::Result<Budget> {
    let scope: String = r.get(2)?;
    let period: String = r.get(4)?;
    let mode: String = r.get(6)?;
    Ok(Budget {
        id: r.get(0)?,
        name: r.get(1)?,
        scope: BudgetScope::from_parts(&scope, r.get(3)?),
        period: BudgetPeriod::parse(&period).unwrap_or(BudgetPeriod::Month),
        limit_nano: r.get(5)?,
        mode: if mode == "block" {
            BudgetMode::Block
        } else {
            BudgetMode::Warn
        },
        created_at_ms: r.get(7)?,
    })
}

impl Ledger {
    /// Saves a budget.
    pub fn add_budget(&mut self, b: &NewBudget) -> Result<Budget> {
        let name = b.name.trim();
        if name.is_empty() {
            return Err(CoreError::invalid("name", "give the budget a name"));
        }
        if b.limit_nano <= NanoUsd::ZERO {
            return Err(CoreError::invalid(
                "limit",
                "a budget's limit must be above $0",
            ));
        }
        let (kind, value) = b.scope.parts();
        if value.is_some_and(|v| v.trim().is_empty()) {
            return Err(CoreError::invalid(
                "scope",
                format!("choose which {kind} the budget covers"),
            ));
        }
        self.conn().execute(
            "INSERT INTO budgets (name, scope, scope_value, period, limit_nano, mode, created_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                name,
                kind,
                value.map(str::trim),
                b.period.as_str(),
                b.limit_nano,
                match b.mode {
                    BudgetMode::Warn => "warn",
                    BudgetMode::Block => "block",
                },
                crate::ledger::now_ms()
            ],
        )?;
        let id = self.conn().last_insert_rowid();
        self.budget(id)
    }

    /// One budget.
    pub fn budget(&self, id: i64) -> Result<Budget> {
        self.conn()
            .query_row(&format!("{SELECT} WHERE id = ?1"), [id], budget_from_row)
            .optional()?
            .ok_or(CoreError::NotFound {
                what: "budget",
                id: id.to_string(),
            })
    }

    /// Every budget, oldest first.
    pub fn budgets(&self) -> Result<Vec<Budget>> {
        let mut stmt = self
            .conn()
            .prepare_cached(&format!("{SELECT} ORDER BY id"))?;
        let rows = stmt.query_map([], budget_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Removes a budget (and its alerts).
    pub fn remove_budget(&mut self, id: i64) -> Result<()> {
        match self
            .conn()
            .execute("DELETE FROM budgets WHERE id = ?1", [id])?
        {
            0 => Err(CoreError::NotFound {
                what: "budget",
                id: id.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// A budget's spend in the period containing `today`.
    pub fn budget_status_on(&self, b: &Budget, today: NaiveDate) -> Result<BudgetStatus> {
        let (start, end) = b.period.bounds(today);
        let (from, to) = (day_key(start), day_key(today.min(end)));
        // Everything, a provider or a model: the narrow roll-up; a key or a tag: the wide one.
        let (table, cond, value) = match &b.scope {
            BudgetScope::All => ("rollup_day_model", "", None),
            BudgetScope::Provider(p) => ("rollup_day_model", " AND provider = ?3", Some(p)),
            BudgetScope::Model(m) => (
                "rollup_day_model",
                " AND (model = ?3 OR model GLOB ?3 || '-[0-9]*')",
                Some(m),
            ),
            BudgetScope::Key(k) => ("rollup_day", " AND key_id = ?3", Some(k)),
            BudgetScope::Tag(t) => ("rollup_day", " AND tag = ?3", Some(t)),
        };
        let sql = format!(
            "SELECT COALESCE(sum(cost_nano), 0) FROM {table} WHERE day BETWEEN ?1 AND ?2{cond}"
        );
        let spent: NanoUsd = match value {
            Some(v) => self.conn().query_row(&sql, [&from, &to, v], |r| r.get(0))?,
            None => self.conn().query_row(&sql, [&from, &to], |r| r.get(0))?,
        };
        Ok(BudgetStatus {
            period_start: from,
            period_end: day_key(end),
            spent_nano: spent,
            remaining_nano: (b.limit_nano - spent).at_least_zero(),
            used: spent.share_of(b.limit_nano),
            budget: b.clone(),
        })
    }

    /// Every budget with its spend now.
    pub fn budget_statuses(&self) -> Result<Vec<BudgetStatus>> {
        let today = self.time_zone().today();
        self.budgets()?
            .iter()
            .map(|b| self.budget_status_on(b, today))
            .collect()
    }

    /// The budgets a run counts against, each checked against its worst-case cost.
    pub fn budget_checks(&self, run: &RunScope, estimate: NanoUsd) -> Result<Vec<BudgetCheck>> {
        self.budget_checks_all(&[(run.clone(), estimate)])
    }

    /// The budgets any of several runs (a comparison's columns) counts against, each checked
    /// against the sum of the worst cases of the runs it covers.
    pub fn budget_checks_all(&self, runs: &[(RunScope, NanoUsd)]) -> Result<Vec<BudgetCheck>> {
        let today = self.time_zone().today();
        let mut out = Vec::new();
        for b in self.budgets()? {
            let covered: Vec<&NanoUsd> = runs
                .iter()
                .filter(|(scope, _)| b.scope.covers(scope))
                .map(|(_, e)| e)
                .collect();
            if covered.is_empty() {
                continue;
            }
            let estimate: NanoUsd = covered.iter().copied().sum();
            let status = self.budget_status_on(&b, today)?;
            out.push(BudgetCheck {
                would_exceed: status.spent_nano + estimate > b.limit_nano,
                estimate_nano: estimate,
                status,
            });
        }
        Ok(out)
    }

    /// The pre-flight check: `Err(BudgetExceeded)` when a block-mode budget would be broken by
    /// the run's worst case; otherwise the checks (warn-mode ones may say `would_exceed`).
    pub fn check_budgets(&self, run: &RunScope, estimate: NanoUsd) -> Result<Vec<BudgetCheck>> {
        self.check_budgets_all(&[(run.clone(), estimate)])
    }

    /// [`Ledger::check_budgets`] for several runs sent together.
    pub fn check_budgets_all(&self, runs: &[(RunScope, NanoUsd)]) -> Result<Vec<BudgetCheck>> {
        let checks = self.budget_checks_all(runs)?;
        refuse_if_blocked(&checks)?;
        Ok(checks)
    }

    /// After a run is recorded: the thresholds its budgets crossed for the first time this
    /// period (each fires once per period).
    pub fn fire_budget_alerts(&mut self, run: &RunScope) -> Result<Vec<BudgetAlert>> {
        let today = self.time_zone().today();
        let now = crate::ledger::now_ms();
        let mut fired = Vec::new();
        for b in self.budgets()?.iter().filter(|b| b.scope.covers(run)) {
            let s = self.budget_status_on(b, today)?;
            for t in THRESHOLDS {
                if i128::from(s.spent_nano.0) * 100 < i128::from(b.limit_nano.0) * i128::from(t) {
                    continue;
                }
                let n = self.conn().execute(
                    "INSERT OR IGNORE INTO budget_alerts
                         (budget_id, period_start, threshold, spent_nano, fired_at_ms)
                     VALUES (?1, ?2, ?3, ?4, ?5)",
                    params![b.id, s.period_start, t, s.spent_nano, now],
                )?;
                if n == 1 {
                    fired.push(BudgetAlert {
                        budget_id: b.id,
                        budget: b.name.clone(),
                        threshold: t,
                        spent_nano: s.spent_nano,
                        limit_nano: b.limit_nano,
                        period_start: s.period_start.clone(),
                        fired_at_ms: now,
                        dismissed: false,
                    });
                }
            }
        }
        Ok(fired)
    }

    /// Alerts of the current periods, newest first (dismissed ones too when asked).
    pub fn budget_alerts(&self, include_dismissed: bool) -> Result<Vec<BudgetAlert>> {
        let mut stmt = self.conn().prepare(
            "SELECT a.budget_id, b.name, a.threshold, a.spent_nano, b.limit_nano, a.period_start,
                    a.fired_at_ms, a.dismissed
             FROM budget_alerts a JOIN budgets b ON b.id = a.budget_id
             WHERE ?1 OR a.dismissed = 0
             ORDER BY a.fired_at_ms DESC, a.threshold DESC",
        )?;
        let rows = stmt.query_map([include_dismissed], |r| {
            Ok(BudgetAlert {
                budget_id: r.get(0)?,
                budget: r.get(1)?,
                threshold: r.get(2)?,
                spent_nano: r.get(3)?,
                limit_nano: r.get(4)?,
                period_start: r.get(5)?,
                fired_at_ms: r.get(6)?,
                dismissed: r.get::<_, i64>(7)? != 0,
            })
        })?;
        let today = self.time_zone().today();
        let budgets = self.budgets()?;
        // Only alerts of each budget's current period are news.
        Ok(rows
            .collect::<rusqlite::Result<Vec<_>>>()?
            .into_iter()
            .filter(|a| {
                budgets.iter().any(|b| {
                    b.id == a.budget_id && day_key(b.period.bounds(today).0) == a.period_start
                })
            })
            .collect())
    }

    /// Hides every current alert's banner.
    pub fn dismiss_budget_alerts(&mut self) -> Result<()> {
        self.conn().execute(
            "UPDATE budget_alerts SET dismissed = 1 WHERE dismissed = 0",
            [],
        )?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
