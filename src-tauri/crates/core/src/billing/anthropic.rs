//! Anthropic's Admin API ("Usage and Cost API"), one page at a time:
//! `usage_report/messages` (tokens per key, model and service tier; no request count) and
//! `cost_report` (money as a decimal string of **cents**, per description and workspace).
//! Buckets are RFC 3339 times snapped to UTC days. Code execution is only in the cost report;
//! Priority Tier is never in it.

use chrono::{DateTime, NaiveDate};
use serde::Deserialize;

use crate::billing::openai::non_negative;
use crate::billing::{BilledCost, BilledUsage, cents_to_nano};

/// One page of either report.
#[derive(Debug, Deserialize)]
pub(crate) struct Page<R> {
    pub data: Vec<Bucket<R>>,
    pub has_more: bool,
    pub next_page: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct Bucket<R> {
    pub starting_at: String,
    #[serde(default = "Vec::new")]
    pub results: Vec<R>,
}

#[derive(Debug, Default, Deserialize)]
struct CacheCreation {
    #[serde(default)]
    ephemeral_1h_input_tokens: i64,
    #[serde(default)]
    ephemeral_5m_input_tokens: i64,
}

#[derive(Debug, Deserialize)]
pub(crate) struct UsageResult {
    #[serde(default)]
    uncached_input_tokens: i64,
    #[serde(default)]
    cache_read_input_tokens: i64,
    #[serde(default)]
    cache_creation: Option<CacheCreation>,
    #[serde(default)]
    output_tokens: i64,
    api_key_id: Option<String>,
    workspace_id: Option<String>,
    model: Option<String>,
    service_tier: Option<String>,
}

#[derive(Debug, Deserialize)]
pub(crate) struct CostResult {
    currency: Option<String>,
    amount: String,
    workspace_id: Option<String>,
    description: Option<String>,
    cost_type: Option<String>,
    model: Option<String>,
    service_tier: Option<String>,
}

/// The UTC day of an RFC 3339 bucket start.
pub(crate) fn bucket_day(starting_at: &str) -> Result<NaiveDate, String> {
    DateTime::parse_from_rfc3339(starting_at)
        .map(|t| t.to_utc().date_naive())
        .map_err(|_| format!("bucket starting_at `{starting_at}` is not an RFC 3339 time"))
}

/// The token rows of one page.
pub(crate) fn usage(page: &Page<UsageResult>) -> Result<Vec<BilledUsage>, String> {
    let mut out = Vec::new();
    for b in &page.data {
        let day = bucket_day(&b.starting_at)?;
        for r in &b.results {
            let cc = r.cache_creation.as_ref();
            out.push(BilledUsage {
                day,
                model: r.model.clone(),
                api_key_id: r.api_key_id.clone(),
                workspace_id: r.workspace_id.clone(),
                service_tier: r.service_tier.clone(),
                input_tokens: non_negative("uncached_input_tokens", r.uncached_input_tokens)?,
                cached_input_tokens: non_negative(
                    "cache_read_input_tokens",
                    r.cache_read_input_tokens,
                )?,
                cache_write_tokens: non_negative(
                    "ephemeral_5m_input_tokens",
                    cc.map_or(0, |c| c.ephemeral_5m_input_tokens),
                )?,
                cache_write_1h_tokens: non_negative(
                    "ephemeral_1h_input_tokens",
                    cc.map_or(0, |c| c.ephemeral_1h_input_tokens),
                )?,
                output_tokens: non_negative("output_tokens", r.output_tokens)?,
                ..BilledUsage::default()
            });
        }
    }
    Ok(out)
}

/// The cost rows of one page (cents → nano-USD, exactly).
pub(crate) fn costs(page: &Page<CostResult>) -> Result<Vec<BilledCost>, String> {
    let mut out = Vec::new();
    for b in &page.data {
        let day = bucket_day(&b.starting_at)?;
        for r in &b.results {
            let currency = r.currency.as_deref().unwrap_or("USD");
            if !currency.eq_ignore_ascii_case("usd") {
                return Err(format!("a cost in `{currency}`: only USD is supported"));
            }
            let amount_nano = cents_to_nano(&r.amount)
                .ok_or_else(|| format!("amount `{}` is not a decimal count of cents", r.amount))?;
            out.push(BilledCost {
                day,
                workspace_id: r.workspace_id.clone(),
                model: r.model.clone(),
                line_item: r.description.clone(),
                cost_type: r.cost_type.clone(),
                service_tier: r.service_tier.clone(),
                amount_nano,
                ..BilledCost::default()
            });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cents_strings_and_cache_tiers() {
        let page: Page<CostResult> = serde_json::from_str(
            r#"{"data":[{"starting_at":"2025-08-01T00:00:00Z","ending_at":"2025-08-02T00:00:00Z",
            "results":[{"currency":"USD","amount":"123.78912","workspace_id":null,
            "description":"Claude Sonnet 4 Usage - Input Tokens","cost_type":"tokens",
            "context_window":"0-200k","model":"claude-sonnet-4-20250514",
            "service_tier":"standard","token_type":"uncached_input_tokens"}]}],
            "has_more":false,"next_page":null}"#,
        )
        .unwrap();
        let c = &costs(&page).unwrap()[0];
        assert_eq!(c.amount_nano, 1_237_891_200);
        assert_eq!(c.day.to_string(), "2025-08-01");
        let page: Page<UsageResult> = serde_json::from_str(
            r#"{"data":[{"starting_at":"2025-08-01T00:00:00Z","ending_at":"2025-08-02T00:00:00Z",
            "results":[{"uncached_input_tokens":1500,"cache_read_input_tokens":200,
            "cache_creation":{"ephemeral_1h_input_tokens":1000,"ephemeral_5m_input_tokens":500},
            "output_tokens":500,"server_tool_use":{"web_search_requests":10},
            "api_key_id":null,"workspace_id":null,"model":"claude-sonnet-4-20250514",
            "service_tier":"standard","context_window":"0-200k"}]}],
            "has_more":true,"next_page":"page_x"}"#,
        )
        .unwrap();
        let u = &usage(&page).unwrap()[0];
        assert_eq!(
            (
                u.input_tokens,
                u.cached_input_tokens,
                u.cache_write_tokens,
                u.cache_write_1h_tokens
            ),
            (1500, 200, 500, 1000)
        );
        assert_eq!(u.total(), 3700);
        assert!(page.has_more);
    }
}
