//! SQL functions PromptLedger registers on each connection for the roll-up triggers:
//! `pl_day(ms)` (the local day in the ledger's zone), `pl_band(tokens)`, `pl_hash(…)`, `pl_saved(…)`, `pl_hist_add(blob, ms)`,
//! `pl_hist_sub(blob, ms)`, and the aggregates `pl_hist_of(ms)` and `pl_hist_merge(blob)`.
//! A connection without them (the `sqlite3` shell, say) can read everything but cannot insert
//! or delete runs — which keeps the roll-up from ever drifting.

use rusqlite::Connection;
use rusqlite::functions::{Aggregate, Context, FunctionFlags};
use rusqlite::types::ValueRef;

use crate::ledger::hist::LatencyHist;
use crate::ledger::zone::Zone;

fn flags() -> FunctionFlags {
    FunctionFlags::SQLITE_UTF8
        | FunctionFlags::SQLITE_DETERMINISTIC
        | FunctionFlags::SQLITE_INNOCUOUS
}

fn latency_arg(ctx: &Context<'_>, i: usize) -> Option<i64> {
    match ctx.get_raw(i) {
        ValueRef::Integer(v) => Some(v),
        _ => None,
    }
}

fn blob_arg(ctx: &Context<'_>, i: usize) -> LatencyHist {
    match ctx.get_raw(i) {
        ValueRef::Blob(b) => LatencyHist::decode(b),
        _ => LatencyHist::new(),
    }
}

/// Registers (or re-registers, after a zone change) every function on `conn`.
pub(crate) fn register(conn: &Connection, zone: Zone) -> rusqlite::Result<()> {
    conn.create_scalar_function("pl_day", 1, flags(), move |ctx| {
        let ms: i64 = ctx.get(0)?;
        Ok(zone.day_string(ms))
    })?;
    // The what-if roll-up's prompt-size band (see pricing/band.rs).
    conn.create_scalar_function("pl_band", 1, flags(), |ctx| {
        let tokens: i64 = ctx.get(0)?;
        Ok(crate::pricing::band::band_of(
            u64::try_from(tokens).unwrap_or(0),
        ))
    })?;
    conn.create_scalar_function("pl_hist_add", 2, flags(), |ctx| {
        let mut h = blob_arg(ctx, 0);
        if let Some(ms) = latency_arg(ctx, 1) {
            h.add(ms);
        }
        Ok(h.encode())
    })?;
    conn.create_scalar_function("pl_hist_sub", 2, flags(), |ctx| {
        let mut h = blob_arg(ctx, 0);
        if let Some(ms) = latency_arg(ctx, 1) {
            h.remove(ms);
        }
        Ok(h.encode())
    })?;
    // What a run saved: its cached input tokens at the input rate minus their cached rate, plus
    // what a response-cache hit did not pay again. Integer maths, as everywhere in money.
    conn.create_scalar_function("pl_saved", 4, flags(), |ctx| {
        let cached: i64 = ctx.get(0)?;
        let rate_input: i64 = ctx.get(1)?;
        let rate_cached: i64 = ctx.get(2)?;
        let hit: i64 = ctx.get(3)?;
        let prompt = if rate_input > rate_cached {
            i128::from(cached) * i128::from(rate_input - rate_cached) / 1_000_000
        } else {
            0
        };
        Ok(i64::try_from(prompt)
            .unwrap_or(i64::MAX)
            .saturating_add(hit))
    })?;
    // A 64-bit digest of its arguments (texts, NULL apart from ''): the advisor groups runs by
    // their prompts without sorting the prompts themselves.
    conn.create_scalar_function("pl_hash", -1, flags(), |ctx| {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        for i in 0..ctx.len() {
            match ctx.get_raw(i) {
                ValueRef::Null => 0u8.hash(&mut h),
                ValueRef::Text(t) | ValueRef::Blob(t) => (1u8, t).hash(&mut h),
                ValueRef::Integer(v) => (2u8, v).hash(&mut h),
                ValueRef::Real(v) => (3u8, v.to_bits()).hash(&mut h),
            }
        }
        Ok(h.finish() as i64)
    })?;
    conn.create_aggregate_function("pl_hist_of", 1, flags(), HistOf)?;
    conn.create_aggregate_function("pl_hist_merge", 1, flags(), HistMerge)?;
    Ok(())
}

struct HistOf;

impl Aggregate<LatencyHist, Vec<u8>> for HistOf {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<LatencyHist> {
        Ok(LatencyHist::new())
    }
    fn step(&self, ctx: &mut Context<'_>, acc: &mut LatencyHist) -> rusqlite::Result<()> {
        if let Some(ms) = latency_arg(ctx, 0) {
            acc.add(ms);
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, acc: Option<LatencyHist>) -> rusqlite::Result<Vec<u8>> {
        Ok(acc.unwrap_or_default().encode())
    }
}

struct HistMerge;

impl Aggregate<LatencyHist, Vec<u8>> for HistMerge {
    fn init(&self, _: &mut Context<'_>) -> rusqlite::Result<LatencyHist> {
        Ok(LatencyHist::new())
    }
    fn step(&self, ctx: &mut Context<'_>, acc: &mut LatencyHist) -> rusqlite::Result<()> {
        if let ValueRef::Blob(b) = ctx.get_raw(0) {
            acc.merge_encoded(b);
        }
        Ok(())
    }
    fn finalize(&self, _: &mut Context<'_>, acc: Option<LatencyHist>) -> rusqlite::Result<Vec<u8>> {
        Ok(acc.unwrap_or_default().encode())
    }
}
