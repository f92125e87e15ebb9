//! OpenAI's Administration API, one page at a time: `/organization/costs` (money per project and
//! line item, dollars as JSON numbers read from their text), `/organization/usage/completions`
//! (tokens per project, key, model and batch) and the projects and their keys. Grouping fields
//! are null unless grouped by; buckets start at UTC midnight.

use chrono::{DateTime, NaiveDate};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::billing::{BilledCost, BilledUsage, usd_to_nano};

/// One page of a usage or costs answer.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<R> {
    pub data: Vec<Bucket<R>>,
    pub has_more: bool,
    pub next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Bucket<R> {
    pub start_time: i64,
    #[serde(default = "Vec::new")]
    pub results: Vec<R>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CostResult {
    amount: Amount,
    line_item: Option<String>,
    project_id: Option<String>,
    quantity: Option<Box<RawValue>>,
    quantity_unit: Option<String>,
}

#[derive(Debug, Deserialize)]
struct Amount {
    value: Box<RawValue>,
    currency: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UsageResult {
    input_tokens: i64,
    output_tokens: i64,
    num_model_requests: i64,
    #[serde(default)]
    input_cached_tokens: Option<i64>,
    #[serde(default)]
    input_cache_write_tokens: Option<i64>,
    project_id: Option<String>,
    api_key_id: Option<String>,
    model: Option<String>,
    batch: Option<bool>,
    service_tier: Option<String>,
}

/// The UTC day a bucket starts on.
pub(crate) fn bucket_day(start_time: i64) -> Result<NaiveDate, String> {
    DateTime::from_timestamp(start_time, 0)
        .map(|t| t.date_naive())
        .ok_or_else(|| format!("bucket start_time {start_time} is not a time"))
}

/// More tokens than any organisation is billed for in a day (10^15): a corrupt answer.
pub(crate) const MAX_DAY_TOKENS: i64 = 1_000_000_000_000_000;

/// A token count as billed: 0 to [`MAX_DAY_TOKENS`].
pub(crate) fn non_negative(name: &str, v: i64) -> Result<i64, String> {
    if (0..=MAX_DAY_TOKENS).contains(&v) {
        Ok(v)
    } else {
        Err(format!("{name} = {v} is not a token count"))
    }
}

/// The cost rows of one page.
pub(crate) fn costs(page: &Page<CostResult>) -> Result<Vec<BilledCost>, String> {
    let mut out = Vec::new();
    for b in &page.data {
        let day = bucket_day(b.start_time)?;
        for r in &b.results {
            let currency = r.amount.currency.as_deref().unwrap_or("usd");
            if !currency.eq_ignore_ascii_case("usd") {
                return Err(format!("a cost in `{currency}`: only USD is supported"));
            }
            let text = r.amount.value.get();
            let amount_nano = usd_to_nano(text)
                .ok_or_else(|| format!("amount.value `{text}` is not a dollar amount"))?;
            out.push(BilledCost {
                day,
                project_id: r.project_id.clone(),
                line_item: r.line_item.clone(),
                amount_nano,
                quantity: r
                    .quantity
                    .as_ref()
                    .map(|q| q.get().to_string())
                    .filter(|q| q != "null"),
                quantity_unit: r.quantity_unit.clone(),
                ..BilledCost::default()
            });
        }
    }
    Ok(out)
}

/// The token rows of one page. `input_tokens` includes cache reads and writes; the ledger keeps
/// them apart, so they are split here.
pub(crate) fn usage(page: &Page<UsageResult>) -> Result<Vec<BilledUsage>, String> {
    let mut out = Vec::new();
    for b in &page.data {
        let day = bucket_day(b.start_time)?;
        for r in &b.results {
            let input = non_negative("input_tokens", r.input_tokens)?;
            let cached = non_negative("input_cached_tokens", r.input_cached_tokens.unwrap_or(0))?;
            let write = non_negative(
                "input_cache_write_tokens",
                r.input_cache_write_tokens.unwrap_or(0),
            )?;
            if cached.saturating_add(write) > input {
                return Err(format!(
                    "input_cached_tokens + input_cache_write_tokens ({}) exceed input_tokens ({input})",
                    cached + write
                ));
            }
            out.push(BilledUsage {
                day,
                model: r.model.clone(),
                project_id: r.project_id.clone(),
                api_key_id: r.api_key_id.clone(),
                service_tier: r.service_tier.clone(),
                batch: r.batch,
                requests: Some(non_negative("num_model_requests", r.num_model_requests)?),
                input_tokens: input - cached - write,
                cached_input_tokens: cached,
                cache_write_tokens: write,
                output_tokens: non_negative("output_tokens", r.output_tokens)?,
                ..BilledUsage::default()
            });
        }
    }
    Ok(out)
}

/// An organisation's project.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OpenAiProject {
    /// `proj_…`.
    pub id: String,
    /// Name.
    pub name: String,
    /// `active` or `archived`.
    pub status: String,
    /// Created (Unix seconds).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub created_at: Option<i64>,
    /// Archived (Unix seconds).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub archived_at: Option<i64>,
}

/// A key of a project, as the admin API shows it (never the full value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct OpenAiProjectKey {
    /// `key_…`: what usage calls `api_key_id`.
    pub id: String,
    /// Its project (filled in by the client).
    #[serde(default)]
    pub project_id: String,
    /// Name.
    #[serde(default)]
    pub name: Option<String>,
    /// `sk-abc...def`.
    pub redacted_value: String,
    /// Created (Unix seconds).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub created_at: Option<i64>,
    /// Last used (Unix seconds).
    #[serde(default)]
    #[cfg_attr(feature = "ts", ts(type = "number | null"))]
    pub last_used_at: Option<i64>,
}

/// One page of a list with `after` cursors (projects, project keys).
#[derive(Debug, Deserialize)]
pub(crate) struct ListPage<T> {
    pub data: Vec<T>,
    #[serde(default)]
    pub has_more: bool,
    #[serde(default)]
    pub last_id: Option<String>,
}

/// Whether a redacted value (`sk-abc...def`, `sk-proj-****wxyz`) is the one of `secret`: its
/// visible head and tail must both match, and at least 6 characters must be visible.
pub fn redacted_matches(redacted: &str, secret: &str) -> bool {
    let (head, tail) = match redacted.split_once("...") {
        Some(p) => p,
        None => match redacted.find('*') {
            Some(i) => (&redacted[..i], redacted[i..].trim_start_matches('*')),
            None => return false,
        },
    };
    head.len() + tail.len() >= 6
        && secret.len() >= head.len() + tail.len()
        && secret.starts_with(head)
        && secret.ends_with(tail)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn float_dollars_are_read_from_their_text() {
        let page: Page<CostResult> = serde_json::from_str(
            r#"{"object":"page","has_more":false,"next_page":null,"data":[{"object":"bucket",
            "start_time":1730419200,"end_time":1730505600,"results":[{"object":
            "organization.costs.result","amount":{"value":0.13080438,"currency":"usd"},
            "line_item":"gpt-4o-2024-08-06, input","project_id":"proj_abc","api_key_id":null,
            "quantity":10000,"quantity_unit":"tokens"}]}]}"#,
        )
        .unwrap();
        let rows = costs(&page).unwrap();
        assert_eq!(rows[0].amount_nano, 130_804_380);
        assert_eq!(rows[0].day.to_string(), "2024-11-01");
        assert_eq!(rows[0].quantity.as_deref(), Some("10000"));
    }

    #[test]
    fn usage_splits_cache_tokens_out_of_input() {
        let page: Page<UsageResult> = serde_json::from_str(
            r#"{"object":"page","has_more":false,"next_page":null,"data":[{"object":"bucket",
            "start_time":1730419200,"end_time":1730505600,"results":[{"object":
            "organization.usage.completions.result","input_tokens":5000,
            "input_cached_tokens":1800,"input_cache_write_tokens":200,"output_tokens":1000,
            "num_model_requests":5,"project_id":null,"api_key_id":"key_1",
            "model":"gpt-4o-mini-2024-07-18","batch":false}]}]}"#,
        )
        .unwrap();
        let r = &usage(&page).unwrap()[0];
        assert_eq!(
            (r.input_tokens, r.cached_input_tokens, r.cache_write_tokens),
            (3000, 1800, 200)
        );
        assert_eq!(r.total(), 6000);
        assert_eq!(r.project_id, None);
    }

    #[test]
    fn redacted_values_match_only_their_key() {
        let secret = concat!("sk-proj-", "abcdefghijklmnopqrstuvwxyz", "WXYZ");
        assert!(redacted_matches("sk-pro...WXYZ", secret));
        assert!(!redacted_matches("sk-pro...WXYQ", secret));
        assert!(redacted_matches("sk-proj-****WXYZ", secret));
        assert!(!redacted_matches("...Z", secret), "too little visible");
    }
}
