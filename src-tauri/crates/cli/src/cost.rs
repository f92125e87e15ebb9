//! `promptledger cost`: price a run from a provider's usage object or from normalized counts.

use clap::Args;
use promptledger_core::ledger::Ledger;
use promptledger_core::pricing::report::CostReport;
use promptledger_core::pricing::{Billing, ServiceTags, TokenUsage};
use promptledger_core::{CoreError, ProviderKind, Result};
use std::io::Read;

use crate::format;

#[derive(Debug, Args)]
#[command(after_help = "Examples:
  promptledger cost --provider openai --model gpt-4o \\
      --usage '{\"prompt_tokens\":3000,\"completion_tokens\":300,\"prompt_tokens_details\":{\"cached_tokens\":2000},\"completion_tokens_details\":{\"reasoning_tokens\":100}}'
  promptledger cost --provider anthropic --model claude-sonnet-4-5 --input 1000 --cache-write 500 --cached 2000 --output 300
  promptledger cost --provider gemini --model gemini-2.5-pro --usage @usage.json --json
  promptledger cost --provider deepseek --model deepseek-v4-flash --input 8000 --output 1000 --at 2026-11-30T18:30:00Z")]
pub struct CostArgs {
    /// openai, anthropic, gemini, ollama, xai, deepseek, groq, mistral, openrouter, together,
    /// fireworks or openai-compatible
    #[arg(long, short = 'p')]
    provider: String,
    /// Model id as you send it or as the API returns it (gpt-4o, claude-sonnet-4-5-20250929,
    /// gemini/gemini-2.5-pro, openai/gpt-4o)
    #[arg(long, short = 'm')]
    model: String,
    /// The usage object exactly as the provider returns it (OpenAI chat or Responses `usage`,
    /// Anthropic `usage`, Gemini `usageMetadata`, Ollama's final object); `@FILE` reads a file,
    /// `-` reads stdin. A whole response body works too.
    #[arg(long, value_name = "JSON", conflicts_with_all = ["input", "cached", "cache_write", "cache_write_1h", "output", "reasoning"])]
    usage: Option<String>,
    /// Uncached input tokens
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_count)]
    input: Option<u64>,
    /// Cached input tokens (cache read)
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_count)]
    cached: Option<u64>,
    /// Cache-write tokens (5-minute / default TTL)
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_count)]
    cache_write: Option<u64>,
    /// Cache-write tokens with a 1-hour TTL
    #[arg(long = "cache-write-1h", value_name = "N", allow_hyphen_values = true, value_parser = parse_count)]
    cache_write_1h: Option<u64>,
    /// Visible output tokens (reasoning excluded)
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_count)]
    output: Option<u64>,
    /// Reasoning / thinking tokens
    #[arg(long, value_name = "N", allow_hyphen_values = true, value_parser = parse_count)]
    reasoning: Option<u64>,
    /// Price the run as made at this instant (RFC 3339, e.g. 2026-11-30T18:30:00Z; default: now):
    /// time-windowed rates such as DeepSeek's off-peak hours depend on it
    #[arg(long, value_name = "RFC3339")]
    at: Option<String>,
    /// Print JSON: {provider, model, price_key, cost_nano_usd, cost_usd, rate_set, multiplier,
    /// breakdown, …}
    #[arg(long)]
    json: bool,
}

/// A token count: a whole number ≥ 0 (clap's own message for `-5` would be about flags).
fn parse_count(s: &str) -> std::result::Result<u64, String> {
    s.trim()
        .replace('_', "")
        .parse::<u64>()
        .map_err(|_| format!("`{s}` is not a token count (a whole number ≥ 0)"))
}

fn read_usage_text(arg: &str) -> Result<String> {
    let io_err = |path: &str, source| CoreError::Io {
        action: "cannot read",
        path: path.into(),
        source,
    };
    if arg == "-" {
        let mut s = String::new();
        std::io::stdin()
            .read_to_string(&mut s)
            .map_err(|e| io_err("stdin", e))?;
        Ok(s)
    } else if let Some(path) = arg.strip_prefix('@') {
        std::fs::read_to_string(path).map_err(|e| io_err(path, e))
    } else {
        Ok(arg.to_string())
    }
}

pub fn run(ledger: &Ledger, a: CostArgs) -> Result<()> {
    let provider: ProviderKind = a.provider.parse()?;
    let mut billing = Billing::at_rfc3339(a.at.as_deref())?;
    let mut reported = None;
    let usage = match &a.usage {
        Some(text) => {
            let text = read_usage_text(text)?;
            let value: serde_json::Value =
                serde_json::from_str(&text).map_err(|e| CoreError::InvalidUsage {
                    provider: provider.display_name().into(),
                    reason: format!("not valid JSON: {e}"),
                })?;
            billing.service = ServiceTags::from_provider_json(&value);
            reported = TokenUsage::reported_cost(&value);
            TokenUsage::from_provider_json(provider, &value)?
        }
        None => {
            let counts = [
                a.input,
                a.cached,
                a.cache_write,
                a.cache_write_1h,
                a.output,
                a.reasoning,
            ];
            if counts.iter().all(Option::is_none) {
                return Err(CoreError::invalid(
                    "usage",
                    "give --usage JSON, or token counts (--input, --cached, --cache-write, \
                     --cache-write-1h, --output, --reasoning)",
                ));
            }
            TokenUsage {
                input_tokens: a.input.unwrap_or(0),
                cached_input_tokens: a.cached.unwrap_or(0),
                cache_write_tokens: a.cache_write.unwrap_or(0),
                cache_write_1h_tokens: a.cache_write_1h.unwrap_or(0),
                output_tokens: a.output.unwrap_or(0),
                reasoning_tokens: a.reasoning.unwrap_or(0),
            }
        }
    };
    let priced = ledger
        .pricer()?
        .price_as(provider, &a.model, &usage, &billing)?;
    let report = CostReport::from(&priced).with_reported(reported);
    if a.json {
        crate::print_json(&report)
    } else {
        out!("{}", format::cost_report(&report));
        Ok(())
    }
}
