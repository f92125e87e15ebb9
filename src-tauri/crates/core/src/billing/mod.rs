//! What the providers bill, next to what the ledger recorded.
//!
//! * `amount` — billed money to nano-USD, exactly (OpenAI dollars as JSON numbers, Anthropic
//!   cents as strings).
//! * `openai`, `anthropic` — the admin APIs' wire formats (costs, usage, projects), as pure
//!   parsers of one page each.
//! * `client` — [`BillingClient`]: pages through those APIs with the shared HTTP client's retries,
//!   behind the [`BillingSource`] trait (Anthropic's "legacy" endpoints may move).
//! * `sync` — fetches a range of UTC days and stores it (`ledger::billing`).
//! * `reconcile` — the comparison: per UTC day × provider × model (× project or key), a status.
//!
//! Buckets are UTC days everywhere here; today and yesterday are provisional.

mod amount;
mod anthropic;
mod client;
mod openai;
mod openrouter;
pub mod reconcile;
mod sync;

use chrono::NaiveDate;
use serde::Serialize;

pub use amount::{cents_to_nano, usd_to_nano};
pub use client::{BillingClient, BillingSource, admin_source};
pub use openai::{OpenAiProject, OpenAiProjectKey, redacted_matches};
pub use openrouter::{Generation, generation};
pub use reconcile::{
    ReconcileDay, ReconcileQuery, ReconcileReport, ReconcileRow, ReconcileStatus, ReconcileTotals,
};
pub use sync::{SyncOutcome, sync_range};

/// Days `from..=to`, UTC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DayRange {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
}

impl DayRange {
    /// `from..=to`; refused when `to` is before `from` or the range is over 3 years.
    pub fn new(from: NaiveDate, to: NaiveDate) -> crate::Result<DayRange> {
        if to < from {
            return Err(crate::CoreError::invalid(
                "period",
                format!("--to {to} is before --from {from}"),
            ));
        }
        if (to - from).num_days() > 3 * 366 {
            return Err(crate::CoreError::invalid(
                "period",
                "a period of at most 3 years, please",
            ));
        }
        Ok(DayRange { from, to })
    }

    /// Unix seconds of `from` 00:00 UTC.
    pub fn start_secs(&self) -> i64 {
        day_start_secs(self.from)
    }

    /// Unix seconds of the day after `to`, 00:00 UTC (exclusive end).
    pub fn end_secs(&self) -> i64 {
        day_start_secs(self.to) + 86_400
    }

    /// Whether `day` is inside.
    pub fn contains(&self, day: NaiveDate) -> bool {
        self.from <= day && day <= self.to
    }

    /// Every day, in order.
    pub fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }
}

fn day_start_secs(d: NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .map_or(0, |t| t.and_utc().timestamp())
}

/// The period both faces default to: `to` (default today, UTC) and the 29 days before it, or
/// `from..=to` as given.
pub fn period(
    from: Option<NaiveDate>,
    to: Option<NaiveDate>,
    today: NaiveDate,
) -> crate::Result<DayRange> {
    let to = to.unwrap_or(today);
    let from = from.unwrap_or(to - chrono::Days::new(29));
    DayRange::new(from, to)
}

/// A UTC day as typed (`YYYY-MM-DD`), or an `invalid_input` naming `flag`.
pub fn parse_day(flag: &str, s: &str) -> crate::Result<NaiveDate> {
    NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
        .map_err(|_| crate::CoreError::invalid(flag, format!("`{s}` is not a date (YYYY-MM-DD)")))
}

/// Today, UTC.
pub fn today_utc() -> NaiveDate {
    chrono::Utc::now().date_naive()
}

/// Whether the provider may still add to `day` (today or yesterday, UTC).
pub fn is_provisional(day: NaiveDate, today: NaiveDate) -> bool {
    day >= today - chrono::Days::new(1)
}

/// Tokens the provider billed for one group of one UTC day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BilledUsage {
    /// UTC day.
    pub day: NaiveDate,
    /// Model (OpenAI: the dated snapshot).
    pub model: Option<String>,
    /// OpenAI project.
    pub project_id: Option<String>,
    /// The provider's key id (`key_…`, `apikey_…`).
    pub api_key_id: Option<String>,
    /// Anthropic workspace.
    pub workspace_id: Option<String>,
    /// Service tier (`standard`, `batch`, `priority`, `default`…).
    pub service_tier: Option<String>,
    /// OpenAI batch or not.
    pub batch: Option<bool>,
    /// Requests (OpenAI only).
    pub requests: Option<i64>,
    /// Input tokens read at the full rate (no cache read, no cache write).
    pub input_tokens: i64,
    /// Cache reads.
    pub cached_input_tokens: i64,
    /// Cache writes (Anthropic: 5-minute).
    pub cache_write_tokens: i64,
    /// Anthropic 1-hour cache writes.
    pub cache_write_1h_tokens: i64,
    /// Output tokens (reasoning included).
    pub output_tokens: i64,
}

impl BilledUsage {
    /// Every token billed.
    pub fn total(&self) -> i64 {
        self.input_tokens
            .saturating_add(self.cached_input_tokens)
            .saturating_add(self.cache_write_tokens)
            .saturating_add(self.cache_write_1h_tokens)
            .saturating_add(self.output_tokens)
    }
}

/// Money the provider billed for one line of one UTC day.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BilledCost {
    /// UTC day.
    pub day: NaiveDate,
    /// OpenAI project.
    pub project_id: Option<String>,
    /// Anthropic workspace.
    pub workspace_id: Option<String>,
    /// Anthropic model (grouped by description).
    pub model: Option<String>,
    /// OpenAI line item / Anthropic description (opaque labels).
    pub line_item: Option<String>,
    /// Anthropic `cost_type` (`tokens`, `web_search`, `code_execution`…).
    pub cost_type: Option<String>,
    /// Service tier.
    pub service_tier: Option<String>,
    /// Amount, nano-USD (exact).
    pub amount_nano: i64,
    /// OpenAI quantity, as sent.
    pub quantity: Option<String>,
    /// Its unit.
    pub quantity_unit: Option<String>,
}

/// What one sync fetched for a provider: every day of the range, with its rows (a day without
/// rows is listed too: "no data yet").
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BillingFetch {
    /// Token rows.
    pub usage: Vec<BilledUsage>,
    /// Money rows.
    pub costs: Vec<BilledCost>,
    /// HTTP pages read.
    pub pages: u32,
}

/// What the providers billed beside what was recorded here, for Analytics: the days of a period
/// that have a fetched bill (UTC days), for the providers that bill.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct BilledBeside {
    /// Providers with a bill in the period.
    pub providers: Vec<String>,
    /// Days (UTC) with a fetched bill.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub days: i64,
    /// Billed on those days, nano-USD.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub billed_nano_usd: i64,
    /// Recorded here on those days for those providers, nano-USD.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub recorded_nano_usd: i64,
}

impl crate::ledger::Ledger {
    /// [`BilledBeside`] for `from..=to` (one provider, or every provider with a bill); `None`
    /// when no day of the period was fetched.
    pub fn billed_beside(
        &self,
        from: NaiveDate,
        to: NaiveDate,
        provider: Option<&str>,
    ) -> crate::Result<Option<BilledBeside>> {
        let (from, to) = (from.to_string(), to.to_string());
        let mut stmt = self.conn().prepare_cached(
            "SELECT d.provider, count(*),
                (SELECT COALESCE(sum(amount_nano), 0) FROM billed_costs c
                  WHERE c.provider = d.provider AND c.day BETWEEN ?1 AND ?2
                    AND c.day IN (SELECT day FROM billing_days b
                                  WHERE b.provider = d.provider AND b.day BETWEEN ?1 AND ?2)),
                (SELECT COALESCE(sum(cost_nano), 0) FROM rollup_utc u
                  WHERE u.provider = d.provider AND u.day IN (SELECT day FROM billing_days b
                        WHERE b.provider = d.provider AND b.day BETWEEN ?1 AND ?2))
             FROM billing_days d WHERE d.day BETWEEN ?1 AND ?2
               AND (?3 IS NULL OR d.provider = ?3)
             GROUP BY d.provider ORDER BY d.provider",
        )?;
        let rows = stmt
            .query_map(rusqlite::params![from, to, provider], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, i64>(1)?,
                    r.get::<_, i64>(2)?,
                    r.get::<_, i64>(3)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        if rows.is_empty() {
            return Ok(None);
        }
        let mut out = BilledBeside {
            providers: Vec::new(),
            days: 0,
            billed_nano_usd: 0,
            recorded_nano_usd: 0,
        };
        for (p, days, billed, recorded) in rows {
            out.providers.push(p);
            out.days = out.days.max(days);
            out.billed_nano_usd = out.billed_nano_usd.saturating_add(billed);
            out.recorded_nano_usd = out.recorded_nano_usd.saturating_add(recorded);
        }
        Ok(Some(out))
    }
}
