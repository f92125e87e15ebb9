//! Saved comparisons: the prompt, the columns (each a run) with their place, label, rating,
//! best mark and visibility, and notes.

use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::ledger::{Ledger, now_ms};
use crate::money::NanoUsd;

/// One column of a comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ColumnRecord {
    /// Place, 0-based.
    pub position: i64,
    /// What the column is ("openai/gpt-4o-mini · t=0.2").
    pub label: String,
    /// Its latest run.
    pub run_id: Option<i64>,
    /// The user's rating, 1–5.
    pub rating: Option<i64>,
    /// Marked as the best answer.
    pub is_best: bool,
    /// Hidden from view.
    pub hidden: bool,
}

/// A comparison with its columns.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ComparisonRecord {
    /// Id.
    pub id: i64,
    /// Title (the prompt's first line).
    pub title: String,
    /// The prompt all columns were given.
    pub prompt: String,
    /// Shared system prompt.
    pub system_prompt: Option<String>,
    /// Notes.
    pub notes: Option<String>,
    /// Created (ms).
    pub created_at_ms: i64,
    /// Columns in order.
    pub columns: Vec<ColumnRecord>,
    /// Total cost of the columns' current runs, nano-USD.
    pub cost_nano_usd: NanoUsd,
}

fn title_of(prompt: &str) -> String {
    let line = prompt
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty())
        .unwrap_or("Comparison");
    line.chars().take(80).collect()
}

impl Ledger {
    /// Saves a new comparison with its column labels (runs are attached as they finish).
    pub fn create_comparison(
        &mut self,
        prompt: &str,
        system: Option<&str>,
        labels: &[String],
    ) -> Result<i64> {
        if !(2..=6).contains(&labels.len()) {
            return Err(CoreError::invalid("targets", "compare 2 to 6 targets"));
        }
        let now = now_ms();
        let tx = self.write_tx()?;
        tx.execute(
            "INSERT INTO comparisons (title, prompt, system_prompt, created_at_ms, updated_at_ms)
             VALUES (?1, ?2, ?3, ?4, ?4)",
            params![title_of(prompt), prompt, system, now],
        )?;
        let id = tx.last_insert_rowid();
        for (i, l) in labels.iter().enumerate() {
            tx.execute(
                "INSERT INTO comparison_columns (comparison_id, position, label) VALUES (?1, ?2, ?3)",
                params![id, i as i64, l],
            )?;
        }
        tx.commit()?;
        Ok(id)
    }

    /// Points a column at its (new) run.
    pub fn set_column_run(&mut self, id: i64, position: i64, run_id: i64) -> Result<()> {
        let n = self.conn().execute(
            "UPDATE comparison_columns SET run_id = ?3 WHERE comparison_id = ?1 AND position = ?2",
            params![id, position, run_id],
        )?;
        if n == 0 {
            return Err(CoreError::NotFound {
                what: "comparison column",
                id: format!("{id}/{position}"),
            });
        }
        self.conn().execute(
            "UPDATE comparisons SET updated_at_ms = ?2 WHERE id = ?1",
            params![id, now_ms()],
        )?;
        Ok(())
    }

    /// Saves columns' order, ratings, best marks and visibility, and the notes.
    pub fn update_comparison(
        &mut self,
        id: i64,
        columns: &[ColumnRecord],
        notes: Option<&str>,
    ) -> Result<ComparisonRecord> {
        let current = self.comparison(id)?;
        if columns.len() != current.columns.len() {
            return Err(CoreError::invalid("columns", "give every column once"));
        }
        if columns.iter().filter(|c| c.is_best).count() > 1 {
            return Err(CoreError::invalid(
                "best",
                "mark at most one answer as the best",
            ));
        }
        if columns
            .iter()
            .any(|c| c.rating.is_some_and(|r| !(1..=5).contains(&r)))
        {
            return Err(CoreError::invalid("rating", "rate from 1 to 5"));
        }
        let tx = self.write_tx()?;
        tx.execute(
            "DELETE FROM comparison_columns WHERE comparison_id = ?1",
            [id],
        )?;
        for (i, c) in columns.iter().enumerate() {
            tx.execute(
                "INSERT INTO comparison_columns (comparison_id, position, label, run_id, rating, is_best, hidden)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![id, i as i64, c.label, c.run_id, c.rating, c.is_best, c.hidden],
            )?;
        }
        tx.execute(
            "UPDATE comparisons SET notes = ?2, updated_at_ms = ?3 WHERE id = ?1",
            params![id, notes.filter(|n| !n.trim().is_empty()), now_ms()],
        )?;
        tx.commit()?;
        self.comparison(id)
    }

    /// One comparison.
    pub fn comparison(&self, id: i64) -> Result<ComparisonRecord> {
        let head = self
            .conn()
            .query_row(
                "SELECT id, title, prompt, system_prompt, notes, created_at_ms FROM comparisons WHERE id = ?1",
                [id],
                |r| Ok((r.get::<_, i64>(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?, r.get(5)?)),
            )
            .optional()?
            .ok_or(CoreError::NotFound { what: "comparison", id: id.to_string() })?;
        let mut stmt = self.conn().prepare(
            "SELECT c.position, c.label, c.run_id, c.rating, c.is_best, c.hidden, COALESCE(r.cost_total_nano, 0)
             FROM comparison_columns c LEFT JOIN runs r ON r.id = c.run_id
             WHERE c.comparison_id = ?1 ORDER BY c.position",
        )?;
        let mut cost = 0;
        let columns = stmt
            .query_map([id], |r| {
                Ok((
                    ColumnRecord {
                        position: r.get(0)?,
                        label: r.get(1)?,
                        run_id: r.get(2)?,
                        rating: r.get(3)?,
                        is_best: r.get::<_, i64>(4)? != 0,
                        hidden: r.get::<_, i64>(5)? != 0,
                    },
                    r.get::<_, i64>(6)?,
                ))
            })?
            .map(|row| {
                row.map(|(c, n)| {
                    cost += n;
                    c
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()?;
        Ok(ComparisonRecord {
            id: head.0,
            title: head.1,
            prompt: head.2,
            system_prompt: head.3,
            notes: head.4,
            created_at_ms: head.5,
            columns,
            cost_nano_usd: NanoUsd(cost),
        })
    }

    /// Saved comparisons, newest first.
    pub fn comparisons(&self, limit: usize) -> Result<Vec<ComparisonRecord>> {
        let ids: Vec<i64> = {
            let mut stmt = self.conn().prepare(
                "SELECT id FROM comparisons ORDER BY created_at_ms DESC, id DESC LIMIT ?1",
            )?;
            let rows = stmt.query_map([i64::try_from(limit).unwrap_or(i64::MAX)], |r| r.get(0))?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        ids.into_iter().map(|id| self.comparison(id)).collect()
    }
}
