//! The savings advisor: a short list of concrete suggestions for a period and filters, each
//! with its exact figure, computed from the ledger, never guessed.
//!
//! - **A cheaper model you rated as good**: for each model with spend, the model the user rated
//!   as good or better in Compare (same comparison, rating ≥) whose what-if for these runs is
//!   the lowest.
//! - **Prompt caching**: runs on Anthropic or OpenAI that resent the same system prompt (at
//!   least 1,024 tokens, the providers' minimum) within 5 minutes (the default cache lifetime)
//!   without reading it from the cache: each resend's prefix at the cache-read rate instead of
//!   the input rate, less Anthropic's cache-write premium on the first of each chain. Prefix
//!   tokens are counted with the o200k tokenizer (exact for OpenAI, close for Anthropic).
//! - **Long-context tiers**: runs whose prompt passed a model's long-context threshold, and what
//!   the tier cost above the base rates (from the what-if roll-up's bands).
//! - **Response cache**: single-turn requests identical to one sent within the cache's default
//!   lifetime (24 h) that the response cache would have answered for free.
//!
//! Each suggestion carries the runs behind it (the most expensive first).

use std::collections::HashMap;

use rusqlite::types::Value;
use serde::Serialize;

use crate::error::Result;
use crate::ledger::Ledger;
use crate::money::RatePerMTok;
use crate::pricing::band;
use crate::provider::ProviderKind;

use super::whatif::{ModelSwap, WhatIfSpec};
use super::{DayRange, Filters};

/// Which rule found it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum AdviceKind {
    /// A cheaper model the user rated as good or better.
    CheaperModel,
    /// Prompt caching would have been cheaper.
    PromptCaching,
    /// Runs paid long-context rates.
    LongContext,
    /// The response cache would have answered repeats for free.
    ResponseCache,
}

/// One run behind a suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct AdviceRun {
    /// Run id.
    pub id: i64,
    /// Start, ms.
    pub started_at_ms: i64,
    /// Model.
    pub model: String,
    /// What it cost.
    pub cost_nano: i64,
}

/// One suggestion.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Advice {
    /// The rule.
    pub kind: AdviceKind,
    /// One line, with the figure.
    pub title: String,
    /// How it was computed and what to do.
    pub detail: String,
    /// What the period would have cost less, nano-USD.
    pub saving_nano: i64,
    /// How many runs it concerns.
    pub runs: i64,
    /// The runs behind it, the most expensive first (at most 20).
    pub examples: Vec<AdviceRun>,
}

/// Prompt caching's minimum prefix (Anthropic and OpenAI).
const MIN_CACHED_PREFIX: u64 = 1024;
/// The prompt cache's default lifetime.
const PROMPT_CACHE_TTL_MS: i64 = 5 * 60 * 1000;
/// The response cache's default lifetime.
const RESPONSE_CACHE_TTL_MS: i64 = 24 * 3600 * 1000;
const EXAMPLES: usize = 20;

fn pct(saving: i64, of: i64) -> f64 {
    if of == 0 {
        0.0
    } else {
        saving as f64 / of as f64 * 100.0
    }
}

/// A figure as the Analytics screen shows money: cents from $1 up, three significant digits
/// below ($0.315, $0.0132), so a suggestion's text and its figure read the same.
fn usd(n: i64) -> String {
    let v = n as f64 / 1e9;
    let a = v.abs();
    if a >= 1.0 || a == 0.0 {
        return crate::money::NanoUsd(n).to_short_usd();
    }
    let digits = (2 - a.log10().floor() as i32).clamp(2, 9) as usize;
    format!("{}${a:.digits$}", if v < 0.0 { "−" } else { "" })
}

/// `id IN (1,2,3)`: run ids the ledger itself returned (integers, never user text).
fn id_in(ids: &[i64]) -> String {
    let list: Vec<String> = ids.iter().map(i64::to_string).collect();
    format!("id IN ({})", list.join(","))
}

fn thousands(n: u64) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{} {}", n, if n == 1 { one } else { many })
}

impl Ledger {
    /// The savings advisor for a period and filters, the largest saving first.
    pub fn advice(&self, range: &DayRange, filters: &Filters) -> Result<Vec<Advice>> {
        let mut out = Vec::new();
        out.extend(self.cheaper_rated_models(range, filters)?);
        out.extend(self.prompt_caching_advice(range, filters)?);
        out.extend(self.long_context_advice(range, filters)?);
        out.extend(self.response_cache_advice(range, filters)?);
        out.retain(|a| a.saving_nano > 0);
        out.sort_by_key(|a| std::cmp::Reverse(a.saving_nano));
        Ok(out)
    }

    /// Runs matching `cond` (with `params`) in the period and filters, the most expensive first.
    fn advice_runs(
        &self,
        range: &DayRange,
        filters: &Filters,
        cond: &str,
        params: Vec<Value>,
    ) -> Result<Vec<AdviceRun>> {
        let (start, end) = range.instants(self.time_zone());
        let (filter_sql, filter_params) = crate::ledger::rollup_read::runs_filter(filters);
        let mut all = vec![Value::Integer(start), Value::Integer(end)];
        all.extend(params);
        all.extend(filter_params);
        all.push(Value::Integer(EXAMPLES as i64));
        let mut stmt = self.conn().prepare(&format!(
            "SELECT id, started_at_ms, COALESCE(model_resolved, model_requested),
                    COALESCE(cost_total_nano, 0)
             FROM runs WHERE started_at_ms >= ? AND started_at_ms < ? AND {cond}{filter_sql}
             ORDER BY cost_total_nano DESC, id DESC LIMIT ?"
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(all.iter()), |r| {
            Ok(AdviceRun {
                id: r.get(0)?,
                started_at_ms: r.get(1)?,
                model: r.get(2)?,
                cost_nano: r.get(3)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn cheaper_rated_models(&self, range: &DayRange, filters: &Filters) -> Result<Vec<Advice>> {
        // (model A, model B, comparisons where B was rated at least as well as A)
        let mut stmt = self.conn().prepare(
            "SELECT COALESCE(ra.model_resolved, ra.model_requested),
                    COALESCE(rb.model_resolved, rb.model_requested), count(DISTINCT a.comparison_id)
             FROM comparison_columns a
             JOIN comparison_columns b ON b.comparison_id = a.comparison_id
                                      AND b.position <> a.position
             JOIN runs ra ON ra.id = a.run_id
             JOIN runs rb ON rb.id = b.run_id
             WHERE a.rating IS NOT NULL AND b.rating IS NOT NULL AND b.rating >= a.rating
               AND COALESCE(ra.model_resolved, ra.model_requested)
                   <> COALESCE(rb.model_resolved, rb.model_requested)
             GROUP BY 1, 2",
        )?;
        let pairs = stmt
            .query_map([], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, i64>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut best: HashMap<String, Advice> = HashMap::new();
        for (a, b, comparisons) in pairs {
            if filters.model.as_ref().is_some_and(|m| *m != a) {
                continue;
            }
            let only_a = Filters {
                model: Some(a.clone()),
                ..filters.clone()
            };
            let spec = WhatIfSpec {
                swaps: vec![ModelSwap {
                    from: a.clone(),
                    to: b.clone(),
                }],
                ..WhatIfSpec::default()
            };
            let Ok(w) = self.what_if(range, &only_a, &spec) else {
                continue; // B has no price: no figure, no suggestion
            };
            let saving = w.actual_nano - w.what_if_nano;
            let runs: i64 = w.by_model.iter().map(|r| r.runs).sum();
            if saving <= 0 || best.get(&a).is_some_and(|x| x.saving_nano >= saving) {
                continue;
            }
            best.insert(
                a.clone(),
                Advice {
                    kind: AdviceKind::CheaperModel,
                    title: format!(
                        "{a}: {} would have cost {:.0} % less on {b} ({} saved)",
                        plural(runs, "run", "runs"),
                        pct(saving, w.actual_nano),
                        usd(saving)
                    ),
                    detail: format!(
                        "You rated {b} as good as or better than {a} in {}. {} at {b}'s rates \
                         instead of {}; tokens taken as they were.",
                        plural(comparisons, "comparison", "comparisons"),
                        usd(w.what_if_nano),
                        usd(w.actual_nano)
                    ),
                    saving_nano: saving,
                    runs,
                    examples: self.advice_runs(
                        range,
                        &only_a,
                        "cache_hit = 0 AND cost_total_nano IS NOT NULL",
                        Vec::new(),
                    )?,
                },
            );
        }
        Ok(best.into_values().collect())
    }

    fn prompt_caching_advice(&self, range: &DayRange, filters: &Filters) -> Result<Vec<Advice>> {
        let (start, end) = range.instants(self.time_zone());
        let (filter_sql, filter_params) = crate::ledger::rollup_read::runs_filter(filters);
        let mut params = vec![Value::Integer(start), Value::Integer(end)];
        params.extend(filter_params);
        // Consecutive runs of one provider, model and system prompt (at least 1,024 bytes: a
        // token is at least one byte), in time order; identical prompts sort together by their
        // digest, and the texts themselves are compared below.
        let mut stmt = self.conn().prepare(&format!(
            "SELECT id, provider, COALESCE(model_resolved, model_requested), system_prompt,
                    started_at_ms, cached_input_tokens + cache_write_tokens + cache_write_1h_tokens,
                    rate_input, rate_cached_input, rate_cache_write, COALESCE(cost_total_nano, 0)
             FROM runs
             WHERE started_at_ms >= ? AND started_at_ms < ? AND provider IN ('anthropic', 'openai')
               AND cache_hit = 0 AND cost_total_nano IS NOT NULL
               AND length(system_prompt) >= {MIN_CACHED_PREFIX}{filter_sql}
             ORDER BY provider, 3, pl_hash(system_prompt), started_at_ms"
        ))?;
        struct Row {
            id: i64,
            provider: String,
            model: String,
            system: String,
            at: i64,
            cache_tokens: i64,
            rate_input: i64,
            rate_cached: i64,
            rate_write: i64,
        }
        let rows = stmt
            .query_map(rusqlite::params_from_iter(params.iter()), |r| {
                Ok(Row {
                    id: r.get(0)?,
                    provider: r.get(1)?,
                    model: r.get(2)?,
                    system: r.get(3)?,
                    at: r.get(4)?,
                    cache_tokens: r.get(5)?,
                    rate_input: r.get(6)?,
                    rate_cached: r.get(7)?,
                    rate_write: r.get(8)?,
                })
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut tokens: HashMap<&str, u64> = HashMap::new();
        // Per (provider, model): saving, resends, run ids.
        let mut found: HashMap<(String, String), (i64, i64, Vec<i64>)> = HashMap::new();
        let linked = |a: &Row, b: &Row| {
            a.provider == b.provider
                && a.model == b.model
                && a.system == b.system
                && b.at - a.at <= PROMPT_CACHE_TTL_MS
        };
        for i in 1..rows.len() {
            let (prev, run) = (&rows[i - 1], &rows[i]);
            // A resend within the cache's lifetime that read nothing from the cache.
            if !linked(prev, run) || run.cache_tokens > 0 {
                continue;
            }
            let prefix = *tokens
                .entry(run.system.as_str())
                .or_insert_with(|| crate::runner::tokens::count(&run.system));
            if prefix < MIN_CACHED_PREFIX {
                continue;
            }
            let at = |rate: i64| RatePerMTok(rate).cost(prefix).map_or(0, |c| c.0);
            let mut saving = at(run.rate_input) - at(run.rate_cached);
            // Anthropic bills the first write of a chain above the input rate (OpenAI caches
            // for free).
            let chain_start = i < 2 || !linked(&rows[i - 2], prev);
            if chain_start && run.provider == ProviderKind::Anthropic.as_str() {
                saving -= (at(prev.rate_write) - at(prev.rate_input)).max(0);
            }
            let e = found
                .entry((run.provider.clone(), run.model.clone()))
                .or_insert((0, 0, Vec::new()));
            e.0 += saving;
            e.1 += 1;
            e.2.push(run.id);
        }
        let mut out = Vec::new();
        for ((provider, model), (saving, resends, ids)) in found {
            if saving <= 0 {
                continue;
            }
            let how = if provider == "anthropic" {
                "mark the system prompt with cache_control so resends read it at the cache rate"
            } else {
                "keep the shared prompt first and unchanged so OpenAI's automatic cache applies"
            };
            out.push(Advice {
                kind: AdviceKind::PromptCaching,
                title: format!(
                    "{model}: prompt caching would have saved {} on {}",
                    usd(saving),
                    plural(resends, "resent system prompt", "resent system prompts")
                ),
                detail: format!(
                    "{} resent the same system prompt of 1,024 tokens or more within 5 minutes \
                     without reading it from the cache. At the cache-read rate instead of the \
                     input rate{}: {how}.",
                    plural(resends, "run", "runs"),
                    if provider == "anthropic" {
                        ", less the cache-write premium on the first of each chain"
                    } else {
                        ""
                    }
                ),
                saving_nano: saving,
                runs: resends,
                examples: self.advice_runs(range, filters, &id_in(&ids), Vec::new())?,
            });
        }
        Ok(out)
    }

    fn long_context_advice(&self, range: &DayRange, filters: &Filters) -> Result<Vec<Advice>> {
        let pricer = self.pricer()?;
        // Per model: extra cost, runs, the threshold.
        let mut found: HashMap<String, (i64, i64, u64)> = HashMap::new();
        for g in self.price_groups(range, filters)? {
            let kind = g.provider.parse::<ProviderKind>().ok();
            let Ok(q) = pricer
                .quote(kind, &g.price_key)
                .or_else(|_| pricer.quote(kind, &g.model))
            else {
                continue;
            };
            let price = q.price;
            let prompt = band::representative(g.band);
            let (tier_rates, tier) = price.standard_rates(prompt);
            if tier.is_none() || band::band_is_cut(&price, g.band) {
                continue;
            }
            let (base_rates, _) = price.standard_rates(0);
            let cost = |rates: &crate::pricing::EffectiveRates| -> i64 {
                crate::pricing::Component::ALL
                    .iter()
                    .map(|&c| rates.of(c).cost(c.tokens(&g.usage)).map_or(0, |n| n.0))
                    .fold(0, i64::saturating_add)
            };
            let extra = cost(&tier_rates) - cost(&base_rates);
            let threshold = price
                .thresholds
                .iter()
                .map(|t| t.above_tokens)
                .chain(price.bands.first().map(|b| b.to_tokens))
                .filter(|t| *t < prompt)
                .min()
                .unwrap_or(prompt);
            let e = found.entry(g.model.clone()).or_insert((0, 0, threshold));
            e.0 += extra;
            e.1 += g.runs;
            e.2 = e.2.min(threshold);
        }
        let mut out = Vec::new();
        for (model, (extra, runs, threshold)) in found {
            out.push(Advice {
                kind: AdviceKind::LongContext,
                title: format!(
                    "{model}: {} paid long-context rates, {} more than the base rates",
                    plural(runs, "run", "runs"),
                    usd(extra)
                ),
                detail: format!(
                    "Their prompts passed {} tokens, and above it the higher rates apply to the \
                     whole request. Keeping prompts under it (shorter context, retrieval, or \
                     splitting the task) would have saved up to {}.",
                    thousands(threshold),
                    usd(extra)
                ),
                saving_nano: extra,
                runs,
                examples: self.advice_runs(
                    range,
                    &Filters {
                        model: Some(model.clone()),
                        ..filters.clone()
                    },
                    "cache_hit = 0 AND input_tokens + cached_input_tokens + cache_write_tokens
                     + cache_write_1h_tokens > ?",
                    vec![Value::Integer(i64::try_from(threshold).unwrap_or(i64::MAX))],
                )?,
            });
        }
        Ok(out)
    }

    fn response_cache_advice(&self, range: &DayRange, filters: &Filters) -> Result<Vec<Advice>> {
        let (start, end) = range.instants(self.time_zone());
        let (filter_sql, filter_params) = crate::ledger::rollup_read::runs_filter(filters);
        let mut params = vec![Value::Integer(start), Value::Integer(end)];
        params.extend(filter_params);
        // The response cache played forward over single-turn requests in time order (the time
        // index, no sort): a request identical to one cached (provider, model, system prompt,
        // prompt, parameters) less than 24 h earlier is a hit; any other is paid and cached.
        // Requests are told apart by a 64-bit digest of their texts, so a year of millions of
        // prompts is never sorted or held; two different requests sharing one is a
        // 1-in-10^7 chance at ten million runs.
        let mut stmt = self.conn().prepare(&format!(
            "SELECT id, cost_total_nano, started_at_ms,
                    pl_hash(provider, model_requested, system_prompt, prompt, params_json)
             FROM runs
             WHERE started_at_ms >= ? AND started_at_ms < ? AND cache_hit = 0
               AND status = 'ok' AND cost_total_nano > 0 AND conversation_id IS NULL
               AND prompt IS NOT NULL{filter_sql}
             ORDER BY started_at_ms"
        ))?;
        let mut cached: HashMap<i64, i64> = HashMap::new();
        let mut hits: Vec<(i64, i64)> = Vec::new();
        let mut prune_at = 100_000;
        let mut rows = stmt.query(rusqlite::params_from_iter(params.iter()))?;
        while let Some(r) = rows.next()? {
            let (id, cost, at, digest): (i64, i64, i64, i64) =
                (r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?);
            match cached.get(&digest) {
                Some(since) if at - since <= RESPONSE_CACHE_TTL_MS => hits.push((id, cost)),
                _ => {
                    cached.insert(digest, at);
                }
            }
            // Forget answers that expired, so the map holds about one day of requests.
            if cached.len() > prune_at {
                cached.retain(|_, since| at - *since <= RESPONSE_CACHE_TTL_MS);
                prune_at = (2 * cached.len()).max(100_000);
            }
        }
        let saving: i64 = hits.iter().map(|(_, c)| c).sum();
        if hits.is_empty() {
            return Ok(Vec::new());
        }
        let runs = hits.len() as i64;
        let ids: Vec<i64> = hits.iter().map(|(id, _)| *id).collect();
        Ok(vec![Advice {
            kind: AdviceKind::ResponseCache,
            title: format!(
                "The response cache would have answered {} for free ({} saved)",
                plural(runs, "repeated request", "repeated requests"),
                usd(saving)
            ),
            detail: "Each repeated, word for word, a request paid for less than 24 hours before \
                     (same provider, model, prompts and parameters): the response cache, with \
                     its default lifetime, would have answered it. Turn it on in Settings, or \
                     per run."
                .into(),
            saving_nano: saving,
            runs,
            examples: self.advice_runs(range, filters, &id_in(&ids), Vec::new())?,
        }])
    }
}
