//! Unpriced runs: runs of a model the price table did not know (a gateway's alias), recorded
//! with their tokens and an unknown cost. Once the user prices that model, each can be priced
//! **once** at the new price (`computed`, table version `custom+…`); a priced run never changes.

use rusqlite::ToSql;
use serde::Serialize;

use crate::error::Result;
use crate::ledger::Ledger;
use crate::money::NanoUsd;
use crate::pricing::{Billing, MatchKind, Pricer, TokenUsage};
use crate::provider::ProviderKind;

/// What pricing a model's unpriced runs did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Repriced {
    /// The model.
    pub model: String,
    /// Runs priced.
    pub runs: u64,
    /// Their total at the new price, nano-USD.
    pub cost_nano: NanoUsd,
    /// The price-table version recorded on them (`custom+<when the price was set>`).
    pub price_table_version: Option<String>,
    /// Unpriced runs of the model that still have no price (none once it is priced).
    pub still_unpriced: u64,
}

/// Unpriced runs of `model`: requested under that name, or as `provider/model`.
const OF_MODEL: &str = "cost_source = 'unpriced' AND (model_requested = ?1 OR
    (instr(model_requested, '/') > 0 AND substr(model_requested, instr(model_requested, '/') + 1) = ?1))";

impl Ledger {
    /// How many runs of `model` are unpriced (the Prices screen offers to price them).
    pub fn unpriced_run_count(&self, model: &str) -> Result<u64> {
        let n: i64 = self.conn().query_row(
            &format!("SELECT count(*) FROM runs WHERE {OF_MODEL}"),
            [model.trim()],
            |r| r.get(0),
        )?;
        Ok(u64::try_from(n).unwrap_or(0))
    }

    /// Prices the unpriced runs of `model` with `pricer` (which holds the user's new price),
    /// each at its own start time, in one transaction. A run the pricer still cannot price is
    /// left as it is. The roll-ups follow by trigger.
    pub fn reprice_unpriced(&mut self, model: &str, pricer: &Pricer) -> Result<Repriced> {
        let model = model.trim().to_string();
        self.follow_stored_zone()?;
        let tx = self.write_tx()?;
        let candidates: Vec<(i64, String, String, i64, TokenUsage)> = {
            let mut stmt = tx.prepare(&format!(
                "SELECT id, provider, model_requested, started_at_ms, input_tokens,
                        cached_input_tokens, cache_write_tokens, cache_write_1h_tokens,
                        output_tokens, reasoning_tokens
                 FROM runs WHERE {OF_MODEL} ORDER BY id"
            ))?;
            let u = |v: i64| u64::try_from(v).unwrap_or(0);
            let rows = stmt.query_map([&model], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    TokenUsage {
                        input_tokens: u(r.get(4)?),
                        cached_input_tokens: u(r.get(5)?),
                        cache_write_tokens: u(r.get(6)?),
                        cache_write_1h_tokens: u(r.get(7)?),
                        output_tokens: u(r.get(8)?),
                        reasoning_tokens: u(r.get(9)?),
                    },
                ))
            })?;
            rows.collect::<rusqlite::Result<Vec<_>>>()?
        };
        let mut out = Repriced {
            model: model.clone(),
            ..Repriced::default()
        };
        for (id, provider, requested, started_at_ms, usage) in candidates {
            let Ok(kind) = provider.parse::<ProviderKind>() else {
                out.still_unpriced += 1;
                continue;
            };
            let priced =
                match pricer.price_as(kind, &requested, &usage, &Billing::at(started_at_ms)) {
                    Ok(p)
                        if !matches!(p.match_kind, MatchKind::Unmetered | MatchKind::Unpriced) =>
                    {
                        p
                    }
                    _ => {
                        out.still_unpriced += 1;
                        continue;
                    }
                };
            let version = custom_version(pricer, &requested, &priced.price_table_version);
            let b = &priced.breakdown;
            let (rates, costs) = b.columns();
            let mut args: Vec<&dyn ToSql> = vec![&id, &priced.price_key, &version];
            args.extend(rates.iter().chain(costs.iter()).map(|v| v as &dyn ToSql));
            args.extend([&b.total_nano_usd.0 as &dyn ToSql, &b.tier, &b.rate_set]);
            let changed = tx
                .prepare_cached(
                    "UPDATE runs SET price_key = ?2, price_table_version = ?3,
                        rate_input = ?4, rate_cached_input = ?5, rate_cache_write = ?6,
                        rate_cache_write_1h = ?7, rate_output = ?8, rate_reasoning = ?9,
                        cost_input_nano = ?10, cost_cached_input_nano = ?11,
                        cost_cache_write_nano = ?12, cost_cache_write_1h_nano = ?13,
                        cost_output_nano = ?14, cost_reasoning_nano = ?15,
                        cost_total_nano = ?16, cost_source = 'computed', price_tier = ?17,
                        rate_set = ?18
                     WHERE id = ?1 AND cost_source = 'unpriced'",
                )?
                .execute(args.as_slice())?;
            if changed == 1 {
                out.runs += 1;
                out.cost_nano += b.total_nano_usd;
                out.price_table_version = Some(version);
            }
        }
        tx.commit()?;
        Ok(out)
    }
}

/// `custom+<when the user's price was set>`: a repriced run names the price it got, not a
/// table it was never in.
fn custom_version(pricer: &Pricer, model: &str, table_version: &str) -> String {
    let bare = model.split_once('/').map_or(model, |(_, rest)| rest);
    let when = pricer
        .override_for(&[model, bare])
        .map_or(table_version, |o| o.updated_at.as_str());
    format!("custom+{when}")
}
