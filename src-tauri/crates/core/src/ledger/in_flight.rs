//! Write-ahead runs. Before a request's first byte is sent, a row in `runs_in_flight` records
//! what is being asked and reserves the run's worst case against block budgets — checked and
//! written in one IMMEDIATE transaction, so two processes (the app and the CLI, compare columns)
//! cannot both squeeze under a budget with room for one. Recording the run deletes the row in
//! the same transaction. A row whose process is gone (SIGKILL, a crash, power lost) becomes an
//! `interrupted` run, priced as `estimated` from its prompt, the next time the ledger is opened.

use rusqlite::{OptionalExtension, TransactionBehavior, params};

use crate::error::Result;
use crate::ledger::Ledger;
use crate::ledger::budgets::{BudgetCheck, RunScope, refuse_if_blocked};
use crate::ledger::runs::{NewRun, RunStatus, insert_in};
use crate::money::NanoUsd;
use crate::pricing::{CostSource, PricedUsage};

/// What a run about to be sent is, for the write-ahead row.
#[derive(Debug, Clone)]
pub struct Flight {
    /// Start, ms since the epoch.
    pub started_at_ms: i64,
    /// The run as it will be recorded if the process dies: provider, model, key, tag,
    /// conversation, comparison, template, prompt, system prompt and parameters.
    pub run: NewRun,
    /// The prompt priced as an estimate (what an interrupted run is charged).
    pub estimate: PricedUsage,
    /// The worst case reserved against budgets.
    pub reserved: NanoUsd,
    /// Send even when a block budget would be broken (the user's one-time override).
    pub override_budget: bool,
}

/// A run in flight as budgets see it.
#[derive(Debug, Clone)]
pub(crate) struct Reservation {
    pub(crate) scope: RunScope,
    pub(crate) reserved: NanoUsd,
}

impl Ledger {
    /// Writes the write-ahead row of a run about to be sent, reserving its worst case, unless a
    /// block budget (counting the other runs in flight) would be broken: then
    /// `Err(BudgetExceeded)` and nothing is written. `replacing` is the row of the target a
    /// failover leaves (released in the same transaction). Returns the row's id and the checks.
    pub fn begin_flight(
        &mut self,
        flight: &Flight,
        replacing: Option<i64>,
    ) -> Result<(i64, Vec<BudgetCheck>)> {
        self.follow_stored_zone()?;
        // BEGIN IMMEDIATE takes the write lock first: the budget checks below see every other
        // process's reservations, and no other can reserve until this one commits.
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        let done = self.reserve(flight, replacing);
        match &done {
            Ok(_) => self.conn.execute_batch("COMMIT")?,
            Err(_) => {
                let _ = self.conn.execute_batch("ROLLBACK");
            }
        }
        done
    }

    fn reserve(&self, flight: &Flight, replacing: Option<i64>) -> Result<(i64, Vec<BudgetCheck>)> {
        if let Some(old) = replacing {
            self.conn
                .execute("DELETE FROM runs_in_flight WHERE id = ?1", [old])?;
        }
        let r = &flight.run;
        let scope = RunScope {
            provider: r.provider.clone(),
            model: r.model_requested.clone(),
            key_id: r.key_id.clone(),
            tag: r.tag.clone(),
            operation: r.operation,
        };
        let checks = self.budget_checks_all(&[(scope, flight.reserved)])?;
        if !flight.override_budget {
            refuse_if_blocked(&checks)?;
        }
        let estimate = serde_json::to_string(&flight.estimate)
            .map_err(|e| crate::error::CoreError::invalid("run", e.to_string()))?;
        self.conn.execute(
            "INSERT INTO runs_in_flight (owner, started_at_ms, provider, model_requested, key_id,
                key_label, tag, conversation_id, comparison_id, template_id, template_version,
                prompt, system_prompt, params_json, estimate_json, reserved_nano, batch_job_id,
                batch_row, batch_target, operation)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17,
                ?18, ?19, ?20)",
            params![
                owner::this_process(),
                flight.started_at_ms,
                r.provider,
                r.model_requested,
                r.key_id,
                r.key_label,
                r.tag,
                r.conversation_id,
                r.comparison_id,
                r.template.map(|t| t.0),
                r.template.map(|t| t.1),
                r.prompt,
                r.system_prompt,
                r.params_json,
                estimate,
                flight.reserved.at_least_zero(),
                r.batch.map(|b| b.job_id),
                r.batch.map(|b| b.row),
                r.batch.map(|b| b.target),
                r.operation.as_str(),
            ],
        )?;
        Ok((self.conn.last_insert_rowid(), checks))
    }

    /// Runs in flight now (their processes alive or not yet recovered).
    pub fn in_flight_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM runs_in_flight", [], |r| r.get(0))?)
    }

    /// The reservations of every run in flight, and of every provider batch submitted but not
    /// yet recorded (its runs are paid for when the provider runs them).
    pub(crate) fn reservations(&self) -> Result<Vec<Reservation>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT provider, model_requested, key_id, tag, reserved_nano, operation
             FROM runs_in_flight
             UNION ALL
             SELECT provider, model, key_id, tag, reserved_nano, 'chat' FROM batch_submissions
             WHERE status IN ('preparing', 'submitted', 'cancelling')",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(Reservation {
                scope: RunScope {
                    provider: r.get(0)?,
                    model: r.get(1)?,
                    key_id: r.get(2)?,
                    tag: r.get(3)?,
                    operation: crate::Operation::from_stored(&r.get::<_, String>(5)?),
                },
                reserved: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// Records every run in flight whose process is gone as `interrupted`, priced as
    /// `estimated` from its prompt. Returns how many.
    pub fn recover_flights(&mut self) -> Result<u64> {
        let rows: Vec<(i64, String, i64)> = {
            let mut stmt = self
                .conn
                .prepare("SELECT id, owner, started_at_ms FROM runs_in_flight")?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let now = crate::ledger::now_ms();
        let dead: Vec<i64> = rows
            .into_iter()
            .filter(|(_, owner, started)| !owner::is_alive(owner, *started, now))
            .map(|(id, _, _)| id)
            .collect();
        if dead.is_empty() {
            return Ok(0);
        }
        self.follow_stored_zone()?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let mut recovered = 0;
        for id in dead {
            // Another process may have recovered it meanwhile.
            let row = tx
                .query_row(
                    "SELECT started_at_ms, provider, model_requested, key_id, key_label, tag,
                        conversation_id, comparison_id, template_id, template_version, prompt,
                        system_prompt, params_json, estimate_json, batch_job_id, batch_row,
                        batch_target, operation
                     FROM runs_in_flight WHERE id = ?1",
                    [id],
                    |r| {
                        let template: Option<(i64, i64)> =
                            r.get::<_, Option<i64>>(8)?.zip(r.get::<_, Option<i64>>(9)?);
                        let estimate: String = r.get(13)?;
                        Ok((
                            NewRun {
                                started_at_ms: r.get(0)?,
                                provider: r.get(1)?,
                                model_requested: r.get(2)?,
                                key_id: r.get(3)?,
                                key_label: r.get(4)?,
                                tag: r.get(5)?,
                                conversation_id: r.get(6)?,
                                comparison_id: r.get(7)?,
                                template,
                                prompt: r.get(10)?,
                                system_prompt: r.get(11)?,
                                params_json: r.get(12)?,
                                batch: crate::ledger::runs::batch_link(
                                    r.get(14)?,
                                    r.get(15)?,
                                    r.get(16)?,
                                ),
                                operation: crate::Operation::from_stored(&r.get::<_, String>(17)?),
                                ..NewRun::default()
                            },
                            estimate,
                        ))
                    },
                )
                .optional()?;
            let Some((mut run, estimate)) = row else {
                continue;
            };
            let priced: Option<PricedUsage> = serde_json::from_str(&estimate).ok();
            run.cost_source = Some(match &priced {
                Some(p) if p.breakdown.cost_source == CostSource::Unpriced => CostSource::Unpriced,
                Some(p) if p.breakdown.cost_source == CostSource::Unmetered => {
                    CostSource::Unmetered
                }
                _ => CostSource::Estimated,
            });
            run.priced = priced;
            run.status = Some(RunStatus::Interrupted);
            run.error_code = Some(crate::error::ErrorCode::ProcessEnded.as_str().into());
            run.error_message = Some(
                "PromptLedger ended before the answer was recorded (killed, crashed or the \
                 power failed); the request may have been billed: the cost is estimated from \
                 the prompt alone"
                    .into(),
            );
            run.attempts = 1;
            insert_in(&tx, &run)?;
            tx.execute("DELETE FROM runs_in_flight WHERE id = ?1", [id])?;
            recovered += 1;
        }
        tx.commit()?;
        Ok(recovered)
    }
}

/// Which process owns a write-ahead row, and whether it is still alive.
pub(crate) mod owner {
    use std::sync::OnceLock;

    /// On Linux, `linux:PID:START` (the start time in clock ticks since boot, from
    /// `/proc/self/stat`, tells a reused PID apart); elsewhere `pid:PID:NONCE`.
    pub(crate) fn this_process() -> &'static str {
        static OWNER: OnceLock<String> = OnceLock::new();
        OWNER.get_or_init(|| {
            let pid = std::process::id();
            match start_time(pid) {
                Some(start) => format!("linux:{pid}:{start}"),
                None => format!("pid:{pid}:{}", crate::ledger::now_ms()),
            }
        })
    }

    /// Whether the owner of a row started at `started_ms` may still be running it. On Linux
    /// the process is looked up; elsewhere a row is presumed alive for 15 minutes (longer than
    /// any request may take).
    pub(crate) fn is_alive(owner: &str, started_ms: i64, now_ms: i64) -> bool {
        let mut parts = owner.split(':');
        match (parts.next(), parts.next(), parts.next()) {
            (Some("linux"), Some(pid), Some(start)) if cfg!(target_os = "linux") => {
                match pid.parse::<u32>() {
                    Ok(pid) => start_time(pid).is_some_and(|s| s.to_string() == start),
                    Err(_) => false,
                }
            }
            _ => now_ms.saturating_sub(started_ms) < 15 * 60 * 1000,
        }
    }

    /// Field 22 of `/proc/PID/stat` (after the command name, which may hold spaces).
    fn start_time(pid: u32) -> Option<u64> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        let (_, rest) = stat.rsplit_once(')')?;
        rest.split_whitespace().nth(19)?.parse().ok()
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        #[test]
        fn this_process_is_alive_and_a_gone_one_is_not() {
            let me = this_process();
            assert!(is_alive(me, 0, i64::MAX), "{me}");
            if cfg!(target_os = "linux") {
                assert!(me.starts_with("linux:"));
                let pid = std::process::id();
                assert!(!is_alive(&format!("linux:{pid}:1"), 0, 0), "a reused PID");
                assert!(!is_alive("linux:4194304:1", 0, 0), "no such PID");
            }
            assert!(is_alive("pid:1:2", 1_000, 2_000));
            assert!(!is_alive("pid:1:2", 0, 16 * 60 * 1000));
        }
    }
}
