//! The budgets' SQL: saving and listing budgets, their spend from the roll-up, and alerts.

use chrono::NaiveDate;
use rusqlite::{OptionalExtension, Row, params};

use super::*;
use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::ledger::query::day_key;
use crate::money::NanoUsd;

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
        // An operation is stored by its id, whichever way it was typed (`embed` → `embedding`).
        let op = match &b.scope {
            BudgetScope::Operation(o) => Some(o.parse::<crate::Operation>()?.as_str()),
            _ => None,
        };
        let value = op.or(value);
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
                // Literally the model, or a dated version of it (`same_model`): no pattern
                // characters of the user's text ever widen the scope.
                " AND (model = ?3 OR (substr(model, 1, length(?3) + 1) = ?3 || '-'
                      AND substr(model, length(?3) + 2, 1) BETWEEN '0' AND '9'))",
                Some(m),
            ),
            BudgetScope::Key(k) => ("rollup_day", " AND key_id = ?3", Some(k)),
            BudgetScope::Tag(t) => ("rollup_day", " AND tag = ?3", Some(t)),
            BudgetScope::Operation(o) => ("rollup_day_model", " AND operation = ?3", Some(o)),
        };
        let sql = format!(
            "SELECT COALESCE(sum(cost_nano), 0) FROM {table} WHERE day BETWEEN ?1 AND ?2{cond}"
        );
        let spent: NanoUsd = match value {
            Some(v) => self.conn().query_row(&sql, [&from, &to, v], |r| r.get(0))?,
            None => self.conn().query_row(&sql, [&from, &to], |r| r.get(0))?,
        };
        // Runs in flight that the budget covers hold their worst case until they are recorded.
        let reserved: NanoUsd = self
            .reservations()?
            .iter()
            .filter(|r| b.scope.covers(&r.scope))
            .map(|r| r.reserved)
            .sum();
        Ok(BudgetStatus {
            period_start: from,
            period_end: day_key(end),
            spent_nano: spent,
            reserved_nano: reserved,
            remaining_nano: (b.limit_nano - spent - reserved).at_least_zero(),
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
                would_exceed: status.spent_nano + status.reserved_nano + estimate > b.limit_nano,
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
