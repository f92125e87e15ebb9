//! The comparison of the ledger with the bill, per UTC day × provider × model (× project or
//! key where the provider gives them and the ledger can be attributed to them).
//!
//! * The ledger side is `rollup_utc` (runs by UTC day; cache hits were never sent, so they are
//!   left out): a year is compared without reading the runs table.
//! * OpenAI: tokens per model from the usage API; money per project from the costs API (it has
//!   no model), so money rows have no model. Per key when every saved key used is mapped onto
//!   its `key_…` id, else per project when every run has one, else per model.
//! * Anthropic: tokens and money per model (the cost report has no key).
//! * OpenRouter: each run against `/generation` (looked up on request).
//! * Gemini and other services: no billing API — `unavailable`, said plainly.
//!
//! A row *matches* when its tokens are equal and its money is within max(1¢, 0.5 %). Today and
//! yesterday (UTC) are *pending*, as is a day not fetched yet.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use chrono::NaiveDate;
use serde::Serialize;

use crate::ProviderKind;
use crate::billing::{DayRange, is_provisional};
use crate::error::Result;
use crate::ledger::Ledger;

/// How a row's two sides compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum ReconcileStatus {
    /// Tokens equal and money within max(1¢, 0.5 %).
    Matches,
    /// The provider billed more than the ledger recorded (spend outside PromptLedger…).
    BilledMore,
    /// The ledger recorded more than the provider billed.
    LedgerMore,
    /// The provider may still add to the day, or it was not fetched yet.
    Pending,
    /// The provider offers no billing API (or no admin key is saved).
    Unavailable,
}

impl ReconcileStatus {
    /// `matches`, `billed_more`…
    pub fn as_str(self) -> &'static str {
        match self {
            ReconcileStatus::Matches => "matches",
            ReconcileStatus::BilledMore => "billed_more",
            ReconcileStatus::LedgerMore => "ledger_more",
            ReconcileStatus::Pending => "pending",
            ReconcileStatus::Unavailable => "unavailable",
        }
    }
}

/// One compared group.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReconcileRow {
    /// UTC day, `YYYY-MM-DD`.
    pub day: String,
    /// Provider id.
    pub provider: String,
    /// Model; `null` on a money row of a provider that bills money without a model.
    pub model: Option<String>,
    /// OpenAI project.
    pub project_id: Option<String>,
    /// The provider's key id (`key_…`).
    pub api_key_id: Option<String>,
    /// Cost recorded here, nano-USD.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub ledger_nano_usd: Option<i64>,
    /// Cost billed, nano-USD (`null` where the provider gives none for this row).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub billed_nano_usd: Option<i64>,
    /// Tokens recorded here.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub ledger_tokens: Option<i64>,
    /// Tokens billed.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub billed_tokens: Option<i64>,
    /// The comparison.
    pub status: ReconcileStatus,
    /// Billed − recorded, nano-USD.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub difference_nano_usd: Option<i64>,
    /// That difference as a share of what was recorded, in %.
    pub difference_pct: Option<f64>,
    /// Runs recorded here.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub ledger_runs: i64,
    /// Today or yesterday (UTC): the provider may still add to it.
    pub provisional: bool,
    /// False for spend the ledger has no run for ("not made here").
    pub made_here: bool,
    /// The project's name, when known.
    pub project_name: Option<String>,
    /// The key's name (a saved key's label, or the provider's name for it).
    pub api_key_name: Option<String>,
    /// Why, in a sentence.
    pub note: Option<String>,
}

/// One day of the chart: recorded vs billed for the providers that bill.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReconcileDay {
    /// UTC day.
    pub day: String,
    /// Recorded for providers with billing data that day.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub ledger_nano_usd: i64,
    /// Billed.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub billed_nano_usd: Option<i64>,
    /// The day's worst status.
    pub status: ReconcileStatus,
}

/// The period's totals.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReconcileTotals {
    /// Everything recorded here in the period (providers without a bill included).
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub ledger_nano_usd: i64,
    /// Everything billed in the period (`null` when nothing was fetched).
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub billed_nano_usd: Option<i64>,
    /// What was recorded for the providers and days that have a bill.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub compared_ledger_nano_usd: i64,
    /// Billed − compared recorded.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub difference_nano_usd: Option<i64>,
    /// Tokens recorded here.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub ledger_tokens: i64,
    /// Tokens billed.
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub billed_tokens: Option<i64>,
    /// Rows.
    pub rows: usize,
    /// Rows that match.
    pub matches: usize,
    /// Rows billed more.
    pub billed_more: usize,
    /// Rows recorded more.
    pub ledger_more: usize,
    /// Pending rows.
    pub pending: usize,
    /// Rows without a bill to compare with.
    pub unavailable: usize,
}

/// The whole comparison for a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ReconcileReport {
    /// First UTC day.
    pub from: String,
    /// Last UTC day.
    pub to: String,
    /// Rows, by day, provider, model, project, key.
    pub rows: Vec<ReconcileRow>,
    /// Totals on top.
    pub totals: ReconcileTotals,
    /// Per day, for the chart.
    pub days: Vec<ReconcileDay>,
}

/// What to compare.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ReconcileQuery {
    /// UTC days.
    pub range: DayRange,
    /// One provider, or all.
    pub provider: Option<ProviderKind>,
    /// "Today" (UTC), for provisional days.
    pub today: NaiveDate,
}

/// Within max(1¢, 0.5 %) of the larger side.
pub fn money_matches(ledger: i64, billed: i64) -> bool {
    let tol = (ledger.abs().max(billed.abs()) / 200).max(10_000_000);
    (billed - ledger).abs() <= tol
}

#[derive(Debug, Default, Clone, Copy)]
struct Side {
    runs: i64,
    tokens: i64,
    cost: i64,
}

impl Side {
    fn add(&mut self, o: Side) {
        self.runs += o.runs;
        self.tokens = self.tokens.saturating_add(o.tokens);
        self.cost = self.cost.saturating_add(o.cost);
    }
}

/// `(day, model, project, key)`, empty strings for none.
type Group = (String, String, String, String);

#[derive(Default)]
struct Cell {
    ledger: Option<Side>,
    billed_tokens: Option<i64>,
    billed_cost: Option<i64>,
    /// Billed-only kinds of money (`web_search`, `code_execution`).
    kinds: BTreeSet<String>,
    /// The provider's keys (or projects) whose usage was summed into this row, when the row is
    /// not per key: where spend outside PromptLedger may come from.
    sources: BTreeSet<String>,
}

struct LedgerRow {
    day: String,
    provider: String,
    model: String,
    key_id: String,
    project_id: String,
    side: Side,
}

struct Names {
    projects: HashMap<String, String>,
    provider_keys: HashMap<String, String>,
    mapped: HashMap<String, String>,
}

fn none_if_empty(s: &str) -> Option<String> {
    (!s.is_empty()).then(|| s.to_string())
}

impl Ledger {
    /// Compares the ledger with what the providers billed (see the module).
    pub fn reconcile(&self, q: &ReconcileQuery) -> Result<ReconcileReport> {
        let (from, to) = (q.range.from.to_string(), q.range.to.to_string());
        let only = q.provider.map(|p| p.as_str().to_string());
        let wanted = |p: &str| only.as_deref().is_none_or(|o| o == p);

        let mut ledger_rows = Vec::new();
        {
            let mut stmt = self.conn().prepare_cached(
                "SELECT day, provider, model, key_id, project_id, runs,
                    input_tokens + cached_input_tokens + cache_write_tokens + cache_write_1h_tokens
                    + output_tokens + reasoning_tokens, cost_nano
                 FROM rollup_utc WHERE day BETWEEN ?1 AND ?2",
            )?;
            let rows = stmt.query_map([&from, &to], |r| {
                Ok(LedgerRow {
                    day: r.get(0)?,
                    provider: r.get(1)?,
                    model: r.get(2)?,
                    key_id: r.get(3)?,
                    project_id: r.get(4)?,
                    side: Side {
                        runs: r.get(5)?,
                        tokens: r.get(6)?,
                        cost: r.get(7)?,
                    },
                })
            })?;
            for row in rows {
                let row = row?;
                if wanted(&row.provider) {
                    ledger_rows.push(row);
                }
            }
        }
        let names = self.names()?;
        let fetched = self.fetched_days(&from, &to)?;
        // Providers whose bill can be read: an admin key is saved, or days were fetched.
        let billable: BTreeSet<String> = self
            .admin_keys()?
            .into_iter()
            .map(|k| k.provider)
            .chain(fetched.keys().map(|(p, _)| p.clone()))
            .collect();

        let mut out = Vec::new();
        let mut totals = ReconcileTotals::default();
        let mut by_provider: BTreeMap<String, Vec<&LedgerRow>> = BTreeMap::new();
        for r in &ledger_rows {
            totals.ledger_nano_usd = totals.ledger_nano_usd.saturating_add(r.side.cost);
            totals.ledger_tokens = totals.ledger_tokens.saturating_add(r.side.tokens);
            by_provider.entry(r.provider.clone()).or_default().push(r);
        }
        for p in billable.iter().filter(|p| wanted(p)) {
            by_provider.entry(p.clone()).or_default();
        }

        for (provider, rows) in &by_provider {
            let kind: Option<ProviderKind> = provider.parse().ok();
            if kind.is_some_and(ProviderKind::is_unmetered) {
                continue;
            }
            match kind {
                Some(k @ (ProviderKind::Openai | ProviderKind::Anthropic)) => {
                    if billable.contains(provider) {
                        self.billed_rows(k, rows, q, &names, &fetched, &mut out)?;
                    } else {
                        out.extend(unavailable_rows(
                            provider,
                            rows,
                            q.today,
                            &format!(
                                "no admin key yet: add one (promptledger keys add --provider {} \
                                 --admin) to compare with what {} bills",
                                k.cli_name(),
                                k.display_name()
                            ),
                        ));
                    }
                }
                Some(ProviderKind::Openrouter) => {
                    out.extend(self.openrouter_rows(rows, q)?);
                }
                Some(k) => {
                    let note = if k == ProviderKind::Gemini {
                        "Google offers no billing API for AI Studio keys: Gemini spend is billed \
                         through Cloud Billing and cannot be checked against a bill here"
                            .to_string()
                    } else {
                        format!(
                            "{} offers no billing API PromptLedger can read",
                            k.display_name()
                        )
                    };
                    out.extend(unavailable_rows(provider, rows, q.today, &note));
                }
                None => {
                    out.extend(unavailable_rows(
                        provider,
                        rows,
                        q.today,
                        "no billing API is known for this provider",
                    ));
                }
            }
        }

        out.sort_by(|a, b| {
            (&a.day, &a.provider, &a.model, &a.project_id, &a.api_key_id).cmp(&(
                &b.day,
                &b.provider,
                &b.model,
                &b.project_id,
                &b.api_key_id,
            ))
        });
        totals.rows = out.len();
        for r in &out {
            match r.status {
                ReconcileStatus::Matches => totals.matches += 1,
                ReconcileStatus::BilledMore => totals.billed_more += 1,
                ReconcileStatus::LedgerMore => totals.ledger_more += 1,
                ReconcileStatus::Pending => totals.pending += 1,
                ReconcileStatus::Unavailable => totals.unavailable += 1,
            }
            if let Some(b) = r.billed_tokens {
                totals.billed_tokens = Some(totals.billed_tokens.unwrap_or(0).saturating_add(b));
            }
            let Some(b) = r.billed_nano_usd else { continue };
            totals.billed_nano_usd = Some(totals.billed_nano_usd.unwrap_or(0).saturating_add(b));
            if r.status != ReconcileStatus::Pending {
                let l = r.ledger_nano_usd.unwrap_or(0);
                totals.compared_ledger_nano_usd = totals.compared_ledger_nano_usd.saturating_add(l);
                totals.difference_nano_usd = Some(
                    totals
                        .difference_nano_usd
                        .unwrap_or(0)
                        .saturating_add(b.saturating_sub(l)),
                );
            }
        }
        let days = chart_days(&out, q.range);
        Ok(ReconcileReport {
            from,
            to,
            rows: out,
            totals,
            days,
        })
    }

    fn names(&self) -> Result<Names> {
        let pairs = |sql: &str| -> Result<HashMap<String, String>> {
            let mut stmt = self.conn().prepare_cached(sql)?;
            let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
        };
        Ok(Names {
            projects: pairs("SELECT id, name FROM openai_projects")?,
            provider_keys: pairs(
                "SELECT id, COALESCE(name, redacted_value) FROM openai_project_keys",
            )?,
            mapped: pairs(
                "SELECT id, provider_key_id FROM api_keys WHERE provider_key_id IS NOT NULL",
            )?,
        })
    }

    /// `(provider, day)` → (usage rows, cost rows) of the fetched days.
    fn fetched_days(&self, from: &str, to: &str) -> Result<HashMap<(String, String), (i64, i64)>> {
        let mut stmt = self.conn().prepare_cached(
            "SELECT provider, day, usage_rows, cost_rows FROM billing_days
             WHERE day BETWEEN ?1 AND ?2",
        )?;
        let rows = stmt.query_map([from, to], |r| {
            Ok(((r.get(0)?, r.get(1)?), (r.get(2)?, r.get(3)?)))
        })?;
        Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
    }

    #[allow(clippy::too_many_arguments)]
    fn billed_rows(
        &self,
        kind: ProviderKind,
        rows: &[&LedgerRow],
        q: &ReconcileQuery,
        names: &Names,
        fetched: &HashMap<(String, String), (i64, i64)>,
        out: &mut Vec<ReconcileRow>,
    ) -> Result<()> {
        let provider = kind.as_str();
        let openai = kind == ProviderKind::Openai;
        // How finely the ledger can be attributed (see the module).
        let by_key =
            openai && !rows.is_empty() && rows.iter().all(|r| names.mapped.contains_key(&r.key_id));
        let by_project = openai && rows.iter().all(|r| !r.project_id.is_empty());
        let key_of = |ledger_key: &str| -> String {
            if by_key {
                names.mapped.get(ledger_key).cloned().unwrap_or_default()
            } else {
                String::new()
            }
        };
        let project_of = |p: &str| {
            if by_project {
                p.to_string()
            } else {
                String::new()
            }
        };

        // Tokens (and, for Anthropic, money) per model.
        let mut cells: BTreeMap<Group, Cell> = BTreeMap::new();
        // OpenAI money per project.
        let mut money: BTreeMap<(String, String), Cell> = BTreeMap::new();
        for r in rows {
            let g = (
                r.day.clone(),
                r.model.clone(),
                project_of(&r.project_id),
                key_of(&r.key_id),
            );
            cells
                .entry(g)
                .or_default()
                .ledger
                .get_or_insert_with(Side::default)
                .add(r.side);
            if openai {
                money
                    .entry((r.day.clone(), project_of(&r.project_id)))
                    .or_default()
                    .ledger
                    .get_or_insert_with(Side::default)
                    .add(r.side);
            }
        }
        let (from, to) = (q.range.from.to_string(), q.range.to.to_string());
        {
            let mut stmt = self.conn().prepare_cached(
                "SELECT day, model, project_id, api_key_id, sum(total_tokens) FROM billed_usage
                 WHERE provider = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY 1, 2, 3, 4",
            )?;
            let rows = stmt.query_map([provider, &from, &to], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?;
            for row in rows {
                let (day, model, project, key, tokens) = row?;
                let source = if !by_key && !key.is_empty() {
                    Some(
                        names
                            .provider_keys
                            .get(&key)
                            .cloned()
                            .unwrap_or_else(|| key.clone()),
                    )
                } else if !by_project && !project.is_empty() {
                    Some(
                        names
                            .projects
                            .get(&project)
                            .cloned()
                            .unwrap_or_else(|| project.clone()),
                    )
                } else {
                    None
                };
                let g = (
                    day,
                    model,
                    if by_project { project } else { String::new() },
                    if by_key { key } else { String::new() },
                );
                let c = cells.entry(g).or_default();
                c.billed_tokens = Some(c.billed_tokens.unwrap_or(0).saturating_add(tokens));
                if let Some(src) = source.filter(|_| tokens > 0) {
                    c.sources.insert(src);
                }
            }
            let mut stmt = self.conn().prepare_cached(
                "SELECT day, project_id, model, cost_type, sum(amount_nano) FROM billed_costs
                 WHERE provider = ?1 AND day BETWEEN ?2 AND ?3 GROUP BY 1, 2, 3, 4",
            )?;
            let rows = stmt.query_map([provider, &from, &to], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, i64>(4)?,
                ))
            })?;
            for row in rows {
                let (day, project, model, cost_type, amount) = row?;
                let c = if openai {
                    money
                        .entry((day, if by_project { project } else { String::new() }))
                        .or_default()
                } else {
                    // Anthropic money has a model for token costs; other kinds have none.
                    let c = cells
                        .entry((day, model, String::new(), String::new()))
                        .or_default();
                    if !cost_type.is_empty() && cost_type != "tokens" {
                        c.kinds.insert(cost_type);
                    }
                    c
                };
                c.billed_cost = Some(c.billed_cost.unwrap_or(0).saturating_add(amount));
            }
        }

        let day_state = |day: &str| -> (bool, Option<&'static str>) {
            let provisional = day
                .parse::<NaiveDate>()
                .is_ok_and(|d| is_provisional(d, q.today));
            let note = match fetched.get(&(provider.to_string(), day.to_string())) {
                None => Some("not synced yet: run a sync to fetch this day"),
                Some((0, 0)) if provisional => {
                    Some("no data yet: the provider has not reported this day")
                }
                Some(_) if provisional => {
                    Some("provisional: the provider may still add to this day")
                }
                Some(_) => None,
            };
            (provisional, note)
        };

        for ((day, model, project, key), c) in cells {
            let (provisional, pending) = day_state(&day);
            let ledger = c.ledger.unwrap_or_default();
            // OpenAI money is compared per project, below; a token row only shows what was
            // recorded.
            let billed_tokens = billed_on(pending, c.billed_tokens);
            let money_only = model.is_empty();
            let mut row = ReconcileRow {
                day: day.clone(),
                provider: provider.to_string(),
                model: none_if_empty(&model),
                project_id: none_if_empty(&project),
                api_key_id: none_if_empty(&key),
                ledger_nano_usd: Some(ledger.cost),
                billed_nano_usd: if openai {
                    None
                } else {
                    billed_on(pending, c.billed_cost)
                },
                ledger_tokens: (!money_only).then_some(ledger.tokens),
                billed_tokens: if money_only { None } else { billed_tokens },
                status: ReconcileStatus::Pending,
                difference_nano_usd: None,
                difference_pct: None,
                ledger_runs: ledger.runs,
                provisional,
                made_here: c.ledger.is_some(),
                project_name: names.projects.get(&project).cloned(),
                api_key_name: names.provider_keys.get(&key).cloned(),
                note: pending.map(str::to_string),
            };
            if !c.kinds.is_empty() {
                row.note = Some(format!(
                    "billed apart from tokens: {}",
                    c.kinds.into_iter().collect::<Vec<_>>().join(", ")
                ));
            }
            if pending.is_none() {
                judge(&mut row);
                if row.status == ReconcileStatus::BilledMore && !c.sources.is_empty() {
                    let list: Vec<String> = c.sources.into_iter().take(5).collect();
                    row.note = Some(format!(
                        "{} — billed for {}",
                        row.note.unwrap_or_default(),
                        list.join(", ")
                    ));
                }
            }
            out.push(row);
        }
        if openai {
            for ((day, project), c) in money {
                let (provisional, pending) = day_state(&day);
                let ledger = c.ledger.unwrap_or_default();
                let mut row = ReconcileRow {
                    day,
                    provider: provider.to_string(),
                    model: None,
                    project_id: none_if_empty(&project),
                    api_key_id: None,
                    ledger_nano_usd: Some(ledger.cost),
                    billed_nano_usd: billed_on(pending, c.billed_cost),
                    ledger_tokens: None,
                    billed_tokens: None,
                    status: ReconcileStatus::Pending,
                    difference_nano_usd: None,
                    difference_pct: None,
                    ledger_runs: ledger.runs,
                    provisional,
                    made_here: c.ledger.is_some(),
                    project_name: names.projects.get(&project).cloned(),
                    api_key_name: None,
                    note: pending.map(str::to_string),
                };
                if pending.is_none() {
                    judge(&mut row);
                    row.note.get_or_insert_with(|| {
                        "money per project: OpenAI's costs API has no model; the rows above \
                         compare tokens per model"
                            .into()
                    });
                }
                out.push(row);
            }
        }
        Ok(())
    }

    fn openrouter_rows(
        &self,
        rows: &[&LedgerRow],
        q: &ReconcileQuery,
    ) -> Result<Vec<ReconcileRow>> {
        // Per UTC day and model: every run, and the runs looked up with what they were billed.
        let mut stmt = self.conn().prepare_cached(
            "SELECT date(r.started_at_ms / 1000, 'unixepoch'),
                    COALESCE(r.model_resolved, r.model_requested), count(*), count(g.run_id),
                    sum(g.total_cost_nano), sum(g.tokens_prompt + g.tokens_completion)
             FROM runs r LEFT JOIN billed_generations g ON g.run_id = r.id
             WHERE r.provider = 'openrouter' AND r.cache_hit = 0
               AND r.started_at_ms >= ?1 AND r.started_at_ms < ?2
             GROUP BY 1, 2",
        )?;
        let checked = stmt
            .query_map(
                [q.range.start_secs() * 1000, q.range.end_secs() * 1000],
                |r| {
                    Ok((
                        (r.get::<_, String>(0)?, r.get::<_, String>(1)?),
                        (
                            r.get::<_, i64>(2)?,
                            r.get::<_, i64>(3)?,
                            r.get::<_, Option<i64>>(4)?,
                            r.get::<_, Option<i64>>(5)?,
                        ),
                    ))
                },
            )?
            .collect::<rusqlite::Result<HashMap<_, _>>>()?;
        let mut out = Vec::new();
        let mut sides: BTreeMap<(String, String), Side> = BTreeMap::new();
        for r in rows {
            sides
                .entry((r.day.clone(), r.model.clone()))
                .or_default()
                .add(r.side);
        }
        for ((day, model), side) in sides {
            let provisional = day
                .parse::<NaiveDate>()
                .is_ok_and(|d| is_provisional(d, q.today));
            let c = checked.get(&(day.clone(), model.clone())).copied();
            let (runs, looked, b_cost, b_tokens) = c.unwrap_or((side.runs, 0, None, None));
            let mut row = ReconcileRow {
                day,
                provider: "openrouter".into(),
                model: Some(model),
                project_id: None,
                api_key_id: None,
                ledger_nano_usd: Some(side.cost),
                billed_nano_usd: None,
                ledger_tokens: Some(side.tokens),
                billed_tokens: None,
                status: ReconcileStatus::Pending,
                difference_nano_usd: None,
                difference_pct: None,
                ledger_runs: side.runs,
                provisional,
                made_here: true,
                project_name: None,
                api_key_name: None,
                note: None,
            };
            if looked < runs {
                row.note = Some(format!(
                    "{} of {runs} runs not looked up yet: promptledger reconcile sync --provider openrouter",
                    runs - looked
                ));
            } else {
                row.billed_nano_usd = b_cost;
                row.billed_tokens = b_tokens;
                judge(&mut row);
            }
            out.push(row);
        }
        Ok(out)
    }
}

/// What a group was billed: on a fetched, settled day a group without a row was billed nothing
/// (0); on a pending day nothing is known yet (`None`, never $0).
fn billed_on(pending: Option<&str>, billed: Option<i64>) -> Option<i64> {
    if pending.is_none() {
        Some(billed.unwrap_or(0))
    } else {
        billed
    }
}

/// Rows for a provider whose bill cannot be read: per day and model, what was recorded.
fn unavailable_rows(
    provider: &str,
    rows: &[&LedgerRow],
    today: NaiveDate,
    note: &str,
) -> Vec<ReconcileRow> {
    let mut sides: BTreeMap<(String, String), Side> = BTreeMap::new();
    for r in rows {
        sides
            .entry((r.day.clone(), r.model.clone()))
            .or_default()
            .add(r.side);
    }
    sides
        .into_iter()
        .map(|((day, model), side)| ReconcileRow {
            provisional: day
                .parse::<NaiveDate>()
                .is_ok_and(|d| is_provisional(d, today)),
            day,
            provider: provider.to_string(),
            model: Some(model),
            project_id: None,
            api_key_id: None,
            ledger_nano_usd: Some(side.cost),
            billed_nano_usd: None,
            ledger_tokens: Some(side.tokens),
            billed_tokens: None,
            status: ReconcileStatus::Unavailable,
            difference_nano_usd: None,
            difference_pct: None,
            ledger_runs: side.runs,
            made_here: true,
            project_name: None,
            api_key_name: None,
            note: Some(note.to_string()),
        })
        .collect()
}

/// Sets a compared row's status, difference and note: tokens must be equal, money within
/// max(1¢, 0.5 %).
fn judge(row: &mut ReconcileRow) {
    let by_tokens = match (row.ledger_tokens, row.billed_tokens) {
        (Some(l), Some(b)) if b > l => Some(ReconcileStatus::BilledMore),
        (Some(l), Some(b)) if b < l => Some(ReconcileStatus::LedgerMore),
        _ => None,
    };
    let by_money = match (row.ledger_nano_usd, row.billed_nano_usd) {
        (Some(l), Some(b)) => {
            row.difference_nano_usd = Some(b.saturating_sub(l));
            row.difference_pct = (l != 0).then(|| (b - l) as f64 * 100.0 / l as f64);
            if money_matches(l, b) {
                None
            } else if b > l {
                Some(ReconcileStatus::BilledMore)
            } else {
                Some(ReconcileStatus::LedgerMore)
            }
        }
        _ => None,
    };
    row.status = by_tokens.or(by_money).unwrap_or(ReconcileStatus::Matches);
    if row.note.is_some() {
        return;
    }
    row.note = match row.status {
        ReconcileStatus::BilledMore if !row.made_here => {
            let mut from = Vec::new();
            if let Some(k) = row.api_key_name.as_ref().or(row.api_key_id.as_ref()) {
                from.push(format!("key {k}"));
            }
            if let Some(p) = row.project_name.as_ref().or(row.project_id.as_ref()) {
                from.push(format!("project {p}"));
            }
            Some(if from.is_empty() {
                "not made here".to_string()
            } else {
                format!("not made here: {}", from.join(", "))
            })
        }
        ReconcileStatus::BilledMore => Some(
            "billed more than recorded: spend outside PromptLedger with the same key or project, \
             batch jobs, or tools billed apart"
                .into(),
        ),
        ReconcileStatus::LedgerMore => Some(
            "recorded more than billed: runs the provider did not bill (cache hits, failures) or \
             counted differently"
                .into(),
        ),
        _ => None,
    };
}

fn chart_days(rows: &[ReconcileRow], range: DayRange) -> Vec<ReconcileDay> {
    let mut days: BTreeMap<String, ReconcileDay> = BTreeMap::new();
    for r in rows {
        let d = days.entry(r.day.clone()).or_insert_with(|| ReconcileDay {
            day: r.day.clone(),
            ledger_nano_usd: 0,
            billed_nano_usd: None,
            status: ReconcileStatus::Unavailable,
        });
        // Money rows only: OpenAI token rows carry no billed money; Anthropic rows carry both.
        if let Some(b) = r.billed_nano_usd {
            d.ledger_nano_usd = d
                .ledger_nano_usd
                .saturating_add(r.ledger_nano_usd.unwrap_or(0));
            d.billed_nano_usd = Some(d.billed_nano_usd.unwrap_or(0).saturating_add(b));
        }
        d.status = worse(d.status, r.status);
    }
    range
        .days()
        .filter_map(|day| days.remove(&day.to_string()))
        .collect()
}

/// A mismatch outranks pending, which outranks a match, which outranks nothing to compare.
fn worse(a: ReconcileStatus, b: ReconcileStatus) -> ReconcileStatus {
    let rank = |s: ReconcileStatus| match s {
        ReconcileStatus::Unavailable => 0,
        ReconcileStatus::Matches => 1,
        ReconcileStatus::Pending => 2,
        ReconcileStatus::LedgerMore => 3,
        ReconcileStatus::BilledMore => 4,
    };
    if rank(b) > rank(a) { b } else { a }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tolerance_is_a_cent_or_half_a_percent() {
        assert!(money_matches(0, 10_000_000));
        assert!(!money_matches(0, 10_000_001));
        assert!(money_matches(10_000_000_000, 10_050_000_000));
        assert!(!money_matches(10_000_000_000, 10_060_000_000));
    }
}
