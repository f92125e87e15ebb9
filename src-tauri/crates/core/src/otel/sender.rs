//! Draining the outbox, and backfilling a period. A drain takes the runs that are due, oldest
//! first, in batches, sends each batch once and settles it by the collector's answer: accepted
//! → out of the outbox (a run leaves only after a 2xx); refused (400, 413) → marked, not sent
//! again, and shown; try later (429/502/503/504, no answer) → due again after the collector's
//! `Retry-After`, else an exponential backoff up to 5 minutes. Nothing here holds the ledger
//! while a request is in flight.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::analytics::{DayRange, Filters};
use crate::error::{Result, lock};
use crate::ledger::Ledger;
use crate::otel::span::{SpanOptions, scope, span_of};
use crate::otel::transport::{Exporter, Sent};

/// Spans per request.
pub const BATCH: usize = 512;
/// The longest wait between attempts while the collector is down.
const MAX_BACKOFF: Duration = Duration::from_secs(300);

/// What a drain did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Drained {
    /// Spans sent (in requests that got an answer or not).
    pub sent: i64,
    /// Spans the collector accepted.
    pub accepted: i64,
    /// Spans it refused (not sent again).
    pub rejected: i64,
    /// Runs still waiting.
    pub left: i64,
    /// The last error, when the drain stopped on one.
    pub error: Option<String>,
}

/// The backoff after `attempts` failed tries.
fn backoff(attempts: i64) -> Duration {
    let secs = 1u64 << attempts.clamp(0, 9);
    Duration::from_secs(secs).min(MAX_BACKOFF)
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

/// Sends what is due in the outbox until it is empty, the collector fails, or `deadline`
/// passes. `salt` names this ledger's spans; `opts` says whether text goes along.
pub async fn drain(
    ledger: &Arc<Mutex<Ledger>>,
    exporter: &Exporter,
    salt: &str,
    opts: SpanOptions,
    deadline: Option<Instant>,
) -> Result<Drained> {
    let scope = scope();
    let mut out = Drained::default();
    loop {
        if deadline.is_some_and(|d| Instant::now() >= d) {
            break;
        }
        let now = crate::ledger::now_ms();
        let (due, spans) = {
            let l = lock(ledger, "ledger")?;
            let due = l.otlp_due(now, BATCH)?;
            if due.is_empty() {
                break;
            }
            let ids: Vec<i64> = due.iter().map(|(id, _)| *id).collect();
            let runs = l.runs_by_ids(&ids)?;
            let spans: Vec<_> = runs
                .iter()
                .map(|r| span_of(r, salt, &scope, opts))
                .collect();
            (due, spans)
        };
        let ids: Vec<i64> = due.iter().map(|(id, _)| *id).collect();
        let n = spans.len() as i64;
        out.sent += n;
        let answer = exporter.send(spans).await;
        let now = crate::ledger::now_ms();
        let mut l = lock(ledger, "ledger")?;
        match answer {
            Sent::Accepted { rejected, message } => {
                l.otlp_settle(&ids, None)?;
                l.note_otlp_attempt(None, now)?;
                out.accepted += n - rejected;
                out.rejected += rejected;
                if rejected > 0 {
                    tracing::warn!(rejected, ?message, "the collector rejected some spans");
                }
            }
            Sent::Refused { error } => {
                l.otlp_settle(&ids, Some(&error))?;
                l.note_otlp_attempt(Some(&error), now)?;
                out.rejected += n;
                out.error = Some(error);
            }
            Sent::Later { after, error } => {
                let attempts = due.iter().map(|(_, a)| *a).max().unwrap_or(0);
                let wait = after.unwrap_or_else(|| backoff(attempts));
                l.otlp_later(&ids, now.saturating_add(ms(wait)))?;
                l.note_otlp_attempt(Some(&error), now)?;
                out.sent -= n;
                out.error = Some(error);
                break;
            }
        }
    }
    out.left = lock(ledger, "ledger")?.otlp_backlog()?.waiting;
    Ok(out)
}

/// Sends every run of `range` passing `filters` (a backfill: the outbox is not touched, and a
/// run sent again is the same span). `progress(done, total)` after each request. Stops on the
/// first request the collector does not accept or refuse.
pub async fn backfill(
    ledger: &Arc<Mutex<Ledger>>,
    exporter: &Exporter,
    salt: &str,
    opts: SpanOptions,
    range: Option<&DayRange>,
    filters: &Filters,
    progress: &mut (dyn FnMut(u64, u64) + Send),
) -> Result<Drained> {
    let scope = scope();
    let total = match range {
        Some(r) => lock(ledger, "ledger")?.count_runs(Some(r), &filters.normalized())?,
        None => lock(ledger, "ledger")?.run_count()? as u64,
    };
    let mut out = Drained::default();
    let mut after = 0i64;
    loop {
        let spans = {
            let l = lock(ledger, "ledger")?;
            let runs = l.runs_after(after, range, filters, BATCH)?;
            match runs.last() {
                None => break,
                Some(last) => after = last.id,
            }
            runs.iter()
                .map(|r| span_of(r, salt, &scope, opts))
                .collect::<Vec<_>>()
        };
        let n = spans.len() as i64;
        out.sent += n;
        match exporter.send(spans).await {
            Sent::Accepted { rejected, .. } => {
                out.accepted += n - rejected;
                out.rejected += rejected;
            }
            Sent::Refused { error } => {
                out.rejected += n;
                out.error = Some(error);
            }
            Sent::Later { error, .. } => {
                out.error = Some(error);
                break;
            }
        }
        progress(out.sent as u64, total);
    }
    Ok(out)
}
