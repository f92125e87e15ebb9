//! Finding runs again: filters, full-text search over prompts and outputs (FTS5), sorting and
//! paging, for the History screen and `promptledger history`.

use rusqlite::types::Value as SqlValue;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::money::NanoUsd;

/// How to order runs.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum HistorySort {
    /// Newest first (or oldest, ascending).
    #[default]
    Time,
    /// Most expensive first.
    Cost,
    /// Slowest first.
    Latency,
}

/// Filters and paging. Empty strings count as "no filter".
#[derive(Debug, Clone, Default, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct HistoryQuery {
    /// Words to find in prompts, system prompts and outputs (all must match; the last is a
    /// prefix).
    pub search: Option<String>,
    /// Provider id.
    pub provider: Option<String>,
    /// Requested or resolved model.
    pub model: Option<String>,
    /// `ok`, `error`, `interrupted`, `cancelled`.
    pub status: Option<String>,
    /// Tag / project.
    pub tag: Option<String>,
    /// Saved key id.
    pub key_id: Option<String>,
    /// Operation (`chat`, `embedding`, `image`, `transcription`, `speech`).
    pub operation: Option<String>,
    /// Conversation id.
    pub conversation_id: Option<i64>,
    /// From this time (ms, inclusive).
    pub from_ms: Option<i64>,
    /// Until this time (ms, exclusive).
    pub to_ms: Option<i64>,
    /// Order.
    pub sort: HistorySort,
    /// Ascending instead of descending.
    pub ascending: bool,
    /// Page size (1–1000, default 100).
    pub limit: Option<usize>,
    /// Rows to skip.
    pub offset: usize,
}

/// One row of the History table.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RunSummary {
    /// Run id.
    pub id: i64,
    /// Start (ms, UTC).
    pub started_at_ms: i64,
    /// Provider id.
    pub provider: String,
    /// Model (resolved, else requested).
    pub model: String,
    /// Tag.
    pub tag: Option<String>,
    /// All input tokens (uncached + cached + cache writes).
    pub input_tokens: i64,
    /// All output tokens (visible + reasoning).
    pub output_tokens: i64,
    /// Cost, nano-USD; `None` for an unpriced run (the cost is unknown).
    pub cost_nano_usd: Option<NanoUsd>,
    /// How the cost was obtained.
    pub cost_source: String,
    /// Latency (ms).
    pub latency_ms: Option<i64>,
    /// Status.
    pub status: String,
    /// Error code.
    pub error_code: Option<String>,
    /// The start of the prompt.
    pub prompt_preview: String,
    /// Conversation, if the run is a turn of one.
    pub conversation_id: Option<i64>,
    /// Label of the saved key used.
    pub key_label: Option<String>,
    /// Operation.
    pub operation: crate::Operation,
}

/// Turns free text into an FTS5 query: every word quoted (so operators are literal), all
/// required, the last one a prefix.
fn fts_query(text: &str) -> Option<String> {
    let words: Vec<String> = text
        .split_whitespace()
        .map(|w| w.replace('"', ""))
        .filter(|w| !w.is_empty())
        .collect();
    let n = words.len();
    (n > 0).then(|| {
        words
            .iter()
            .enumerate()
            .map(|(i, w)| {
                if i + 1 == n {
                    format!("\"{w}\"*")
                } else {
                    format!("\"{w}\"")
                }
            })
            .collect::<Vec<_>>()
            .join(" ")
    })
}

fn some(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Ledger {
    /// One page of runs matching `q`.
    pub fn history(&self, q: &HistoryQuery) -> Result<Vec<RunSummary>> {
        let limit = q.limit.unwrap_or(100);
        if !(1..=1000).contains(&limit) {
            return Err(CoreError::invalid(
                "limit",
                "give a page size from 1 to 1000",
            ));
        }
        let mut sql = String::from(
            "SELECT r.id, r.started_at_ms, r.provider, COALESCE(r.model_resolved, r.model_requested), r.tag,
                r.input_tokens + r.cached_input_tokens + r.cache_write_tokens + r.cache_write_1h_tokens,
                r.output_tokens + r.reasoning_tokens, r.cost_total_nano, r.cost_source, r.latency_ms,
                r.status, r.error_code, substr(COALESCE(r.prompt, ''), 1, 200), r.conversation_id, r.key_label,
                r.operation
             FROM runs r",
        );
        let mut args: Vec<SqlValue> = Vec::new();
        let mut wh: Vec<String> = Vec::new();
        let search = some(&q.search).and_then(fts_query);
        if let Some(m) = search.clone() {
            // The FTS index drives the query, so a search sorted by time walks matches newest
            // first (FTS5 serves rowid order itself) and stops at the page size.
            sql = sql.replacen(
                "FROM runs r",
                "FROM runs_fts f JOIN runs r ON r.id = f.rowid",
                1,
            );
            args.push(SqlValue::Text(m));
            wh.push(format!("runs_fts MATCH ?{}", args.len()));
        }
        let mut eq = |col: &str, v: Option<&str>| {
            if let Some(v) = v {
                args.push(SqlValue::Text(v.to_string()));
                wh.push(format!("{col} = ?{}", args.len()));
            }
        };
        eq("r.provider", some(&q.provider));
        eq("r.status", some(&q.status));
        eq("r.tag", some(&q.tag));
        eq("r.key_id", some(&q.key_id));
        let op = some(&q.operation)
            .map(str::parse::<crate::Operation>)
            .transpose()?;
        eq("r.operation", op.map(crate::Operation::as_str));
        if let Some(m) = some(&q.model) {
            args.push(SqlValue::Text(m.to_string()));
            let n = args.len();
            wh.push(format!(
                "(r.model_requested = ?{n} OR r.model_resolved = ?{n})"
            ));
        }
        if let Some(c) = q.conversation_id {
            args.push(SqlValue::Integer(c));
            wh.push(format!("r.conversation_id = ?{}", args.len()));
        }
        if let Some(f) = q.from_ms {
            args.push(SqlValue::Integer(f));
            wh.push(format!("r.started_at_ms >= ?{}", args.len()));
        }
        if let Some(t) = q.to_ms {
            args.push(SqlValue::Integer(t));
            wh.push(format!("r.started_at_ms < ?{}", args.len()));
        }
        if !wh.is_empty() {
            sql.push_str(" WHERE ");
            sql.push_str(&wh.join(" AND "));
        }
        let dir = if q.ascending { "ASC" } else { "DESC" };
        let order = match q.sort {
            // Runs are recorded in order, so for search results the FTS rowid (the run id) is
            // the time order; it lets SQLite stop after one page instead of sorting every match.
            HistorySort::Time if search.is_some() => format!("f.rowid {dir}"),
            HistorySort::Time => format!("r.started_at_ms {dir}, r.id {dir}"),
            HistorySort::Cost => format!("r.cost_total_nano {dir}, r.id {dir}"),
            HistorySort::Latency => format!("r.latency_ms {dir}, r.id {dir}"),
        };
        sql.push_str(&format!(
            " ORDER BY {order} LIMIT {limit} OFFSET {}",
            q.offset
        ));
        let mut stmt = self.conn().prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args), |r| {
            Ok(RunSummary {
                id: r.get(0)?,
                started_at_ms: r.get(1)?,
                provider: r.get(2)?,
                model: r.get(3)?,
                tag: r.get(4)?,
                input_tokens: r.get(5)?,
                output_tokens: r.get(6)?,
                cost_nano_usd: r.get(7)?,
                cost_source: r.get(8)?,
                latency_ms: r.get(9)?,
                status: r.get(10)?,
                error_code: r.get(11)?,
                prompt_preview: r.get(12)?,
                conversation_id: r.get(13)?,
                key_label: r.get(14)?,
                operation: crate::Operation::from_stored(&r.get::<_, String>(15)?),
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts_queries_are_literal() {
        assert_eq!(
            fts_query("invoice tot").as_deref(),
            Some("\"invoice\" \"tot\"*")
        );
        assert_eq!(
            fts_query("a OR \"b\"").as_deref(),
            Some("\"a\" \"OR\" \"b\"*")
        );
        assert_eq!(fts_query("   "), None);
    }
}
