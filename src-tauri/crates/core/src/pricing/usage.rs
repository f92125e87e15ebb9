//! Token usage in PromptLedger's normalized terms, and readers for each provider's wire shape.
//!
//! Providers count differently (see `shared/reference/providers.md`): OpenAI's `prompt_tokens`
//! includes cached tokens and `completion_tokens` includes reasoning; Anthropic's `input_tokens`
//! excludes cache reads and writes; Gemini's `candidatesTokenCount` excludes thoughts; xAI's
//! `completion_tokens` excludes `reasoning_tokens`; DeepSeek reports cache hits as
//! `prompt_cache_hit_tokens`. Here every count is disjoint, so the bill is simply each count times
//! its rate.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{CoreError, Result};
use crate::money::NanoUsd;
use crate::provider::{ProviderKind, UsageDialect};

/// Disjoint token counts, each billed at its own rate.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(default)]
pub struct TokenUsage {
    /// Uncached input tokens.
    pub input_tokens: u64,
    /// Input tokens read from the provider's prompt cache.
    pub cached_input_tokens: u64,
    /// Input tokens written to the cache with the default (5-minute) TTL, or unattributed.
    pub cache_write_tokens: u64,
    /// Input tokens written to the cache with a 1-hour TTL.
    pub cache_write_1h_tokens: u64,
    /// Visible output tokens (reasoning excluded).
    pub output_tokens: u64,
    /// Reasoning / thinking tokens.
    pub reasoning_tokens: u64,
}

impl TokenUsage {
    /// The whole prompt: what long-context thresholds compare against.
    pub fn prompt_tokens(&self) -> u64 {
        self.input_tokens
            .saturating_add(self.cached_input_tokens)
            .saturating_add(self.cache_write_tokens)
            .saturating_add(self.cache_write_1h_tokens)
    }

    /// All billed output (visible + reasoning).
    pub fn completion_tokens(&self) -> u64 {
        self.output_tokens.saturating_add(self.reasoning_tokens)
    }

    /// `Err(invalid_input)` when a count is above [`MAX_TOKENS`]: no request bills that many,
    /// and a cost or a day's sum built on it could overflow.
    pub fn check_bounds(&self) -> Result<()> {
        let counts = [
            ("input", self.input_tokens),
            ("cached input", self.cached_input_tokens),
            ("cache write", self.cache_write_tokens),
            ("cache write (1h)", self.cache_write_1h_tokens),
            ("output", self.output_tokens),
            ("reasoning", self.reasoning_tokens),
        ];
        match counts.iter().find(|(_, n)| *n > MAX_TOKENS) {
            Some((name, n)) => Err(CoreError::invalid(
                "usage",
                format!(
                    "{n} {name} tokens is more than any provider bills in one request \
                     (at most {MAX_TOKENS})"
                ),
            )),
            None => Ok(()),
        }
    }

    /// The cost a provider or gateway reported in a usage object (or a whole body's `usage`):
    /// OpenRouter's `cost` (credits, 1 credit = 1 USD) or xAI's `cost_in_usd_ticks`
    /// (10^10 ticks = 1 USD), converted exactly. `None` when absent or not an amount.
    pub fn reported_cost(value: &Value) -> Option<NanoUsd> {
        let usage = value
            .get("usage")
            .filter(|u| u.is_object())
            .unwrap_or(value);
        if let Some(ticks) = usage.get("cost_in_usd_ticks").and_then(Value::as_u64) {
            // One nano-USD is ten ticks; half-up.
            return i64::try_from(ticks.saturating_add(5) / 10)
                .ok()
                .map(NanoUsd);
        }
        usage
            .get("cost")
            .and_then(Value::as_f64)
            .and_then(NanoUsd::from_usd_f64)
    }

    /// Reads a usage object exactly as `provider` returns it. A whole response body is accepted
    /// too: its `usage` / `usageMetadata` member is used.
    pub fn from_provider_json(provider: ProviderKind, value: &Value) -> Result<TokenUsage> {
        let reader = Reader { provider };
        let obj = value
            .as_object()
            .ok_or_else(|| reader.err("expected a JSON object"))?;
        for wrapper in ["usage", "usageMetadata"] {
            if let Some(inner) = obj.get(wrapper).filter(|v| v.is_object()) {
                return Self::from_provider_json(provider, inner);
            }
        }
        match provider.usage_dialect() {
            UsageDialect::OpenAi => reader.openai(value, false),
            UsageDialect::OpenAiReasoningApart => reader.openai(value, true),
            UsageDialect::Anthropic => reader.anthropic(value),
            UsageDialect::Gemini => reader.gemini(value),
            UsageDialect::Ollama => reader.ollama(value),
        }
    }
}

/// The most tokens one usage count may report (10^12): far above any real request, far below
/// where a cost or a day's sum could overflow 64 bits.
pub const MAX_TOKENS: u64 = 1_000_000_000_000;

struct Reader {
    provider: ProviderKind,
}

impl Reader {
    fn err(&self, reason: impl Into<String>) -> CoreError {
        CoreError::InvalidUsage {
            provider: self.provider.display_name().to_string(),
            reason: reason.into(),
        }
    }

    /// A non-negative integer at `path`; absent or null is 0.
    fn count(&self, v: &Value, path: &[&str]) -> Result<u64> {
        let mut cur = v;
        for p in path {
            match cur.get(p) {
                Some(next) => cur = next,
                None => return Ok(0),
            }
        }
        match cur {
            Value::Null => Ok(0),
            Value::Number(n) => match n.as_u64() {
                Some(c) if c > MAX_TOKENS => Err(self.err(format!(
                    "`{}` is {c} tokens, more than any provider bills in one request \
                     (at most {MAX_TOKENS})",
                    path.join(".")
                ))),
                Some(c) => Ok(c),
                None => Err(self.err(format!(
                    "`{}` must be a whole number ≥ 0, got {n}",
                    path.join(".")
                ))),
            },
            other => Err(self.err(format!(
                "`{}` must be a number, got {}",
                path.join("."),
                type_name(other)
            ))),
        }
    }

    fn has(&self, v: &Value, field: &str) -> bool {
        v.get(field).is_some_and(|x| !x.is_null())
    }

    fn part_of(&self, part: u64, part_name: &str, whole: u64, whole_name: &str) -> Result<u64> {
        whole.checked_sub(part).ok_or_else(|| {
            self.err(format!(
                "`{part_name}` ({part}) exceeds `{whole_name}` ({whole})"
            ))
        })
    }

    /// Chat Completions `usage`, or the Responses API `usage`. `reasoning_apart`: the
    /// completion count excludes reasoning (xAI: total = prompt + completion + reasoning).
    fn openai(&self, v: &Value, reasoning_apart: bool) -> Result<TokenUsage> {
        let (prompt_f, completion_f, pdet, cdet) =
            if self.has(v, "prompt_tokens") || self.has(v, "completion_tokens") {
                (
                    "prompt_tokens",
                    "completion_tokens",
                    "prompt_tokens_details",
                    "completion_tokens_details",
                )
            } else if self.has(v, "input_tokens") || self.has(v, "output_tokens") {
                (
                    "input_tokens",
                    "output_tokens",
                    "input_tokens_details",
                    "output_tokens_details",
                )
            } else {
                return Err(self.err(
                    "expected `prompt_tokens`/`completion_tokens` (Chat Completions) or \
                 `input_tokens`/`output_tokens` (Responses API)",
                ));
            };
        let prompt = self.count(v, &[prompt_f])?;
        let completion = self.count(v, &[completion_f])?;
        let mut cached = self.count(v, &[pdet, "cached_tokens"])?;
        let mut cached_name = "cached_tokens";
        // DeepSeek: `prompt_cache_hit_tokens` + `prompt_cache_miss_tokens` = `prompt_tokens`. Its
        // newer responses also fill `prompt_tokens_details`; the larger count is the hits.
        let hits = self.count(v, &["prompt_cache_hit_tokens"])?;
        if hits > cached {
            cached = hits;
            cached_name = "prompt_cache_hit_tokens";
        }
        let cache_write = self.count(v, &[pdet, "cache_write_tokens"])?;
        let reasoning = self.count(v, &[cdet, "reasoning_tokens"])?;
        let uncached = self.part_of(cached, cached_name, prompt, prompt_f)?;
        let uncached = self.part_of(cache_write, "cache_write_tokens", uncached, prompt_f)?;
        let output = if reasoning_apart {
            completion
        } else {
            self.part_of(reasoning, "reasoning_tokens", completion, completion_f)?
        };
        Ok(TokenUsage {
            input_tokens: uncached,
            cached_input_tokens: cached,
            cache_write_tokens: cache_write,
            cache_write_1h_tokens: 0,
            output_tokens: output,
            reasoning_tokens: reasoning,
        })
    }

    /// Messages API `usage`: `input_tokens` excludes cache reads and writes.
    fn anthropic(&self, v: &Value) -> Result<TokenUsage> {
        if !self.has(v, "input_tokens") && !self.has(v, "output_tokens") {
            return Err(self.err("expected `input_tokens` and `output_tokens`"));
        }
        let writes = self.count(v, &["cache_creation_input_tokens"])?;
        let w5 = self.count(v, &["cache_creation", "ephemeral_5m_input_tokens"])?;
        let w1h = self.count(v, &["cache_creation", "ephemeral_1h_input_tokens"])?;
        // Writes the TTL breakdown does not attribute are billed at the base (5-minute) rate.
        let total_writes = writes.max(w5.saturating_add(w1h));
        Ok(TokenUsage {
            input_tokens: self.count(v, &["input_tokens"])?,
            cached_input_tokens: self.count(v, &["cache_read_input_tokens"])?,
            cache_write_tokens: total_writes - w1h,
            cache_write_1h_tokens: w1h,
            output_tokens: self.count(v, &["output_tokens"])?,
            reasoning_tokens: 0,
        })
    }

    /// `usageMetadata`: prompt includes cached; candidates exclude thoughts.
    fn gemini(&self, v: &Value) -> Result<TokenUsage> {
        if !self.has(v, "promptTokenCount") && !self.has(v, "candidatesTokenCount") {
            return Err(self.err("expected `promptTokenCount` and `candidatesTokenCount`"));
        }
        let prompt = self.count(v, &["promptTokenCount"])?;
        let cached = self.count(v, &["cachedContentTokenCount"])?;
        let tool = self.count(v, &["toolUsePromptTokenCount"])?;
        let uncached = self.part_of(
            cached,
            "cachedContentTokenCount",
            prompt,
            "promptTokenCount",
        )?;
        Ok(TokenUsage {
            input_tokens: uncached.saturating_add(tool),
            cached_input_tokens: cached,
            output_tokens: self.count(v, &["candidatesTokenCount"])?,
            reasoning_tokens: self.count(v, &["thoughtsTokenCount"])?,
            ..TokenUsage::default()
        })
    }

    /// The final `done: true` object of `/api/chat` or `/api/generate`.
    fn ollama(&self, v: &Value) -> Result<TokenUsage> {
        if !self.has(v, "eval_count") && !self.has(v, "prompt_eval_count") {
            return Err(
                self.err("expected the final object with `prompt_eval_count` and `eval_count`")
            );
        }
        let prompt = self.count(v, &["prompt_eval_count"])?;
        let cached = self.count(v, &["prompt_eval_cached_count"])?;
        // Older builds omit prompt_eval_count on a KV-cache hit: never go below zero.
        Ok(TokenUsage {
            input_tokens: prompt.saturating_sub(cached),
            cached_input_tokens: cached,
            output_tokens: self.count(v, &["eval_count"])?,
            ..TokenUsage::default()
        })
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read(p: ProviderKind, v: Value) -> TokenUsage {
        TokenUsage::from_provider_json(p, &v).unwrap()
    }

    #[test]
    fn openai_chat_subtracts_cached_and_reasoning() {
        let u = read(
            ProviderKind::Openai,
            json!({"prompt_tokens":1200,"completion_tokens":350,"total_tokens":1550,
                   "prompt_tokens_details":{"cached_tokens":1024,"audio_tokens":0},
                   "completion_tokens_details":{"reasoning_tokens":192}}),
        );
        assert_eq!((u.input_tokens, u.cached_input_tokens), (176, 1024));
        assert_eq!((u.output_tokens, u.reasoning_tokens), (158, 192));
    }

    #[test]
    fn xai_reasoning_is_outside_completion() {
        // total 1000 + 50 + 300 = 1350: reasoning larger than completion is fine here.
        let u = read(
            ProviderKind::Xai,
            json!({"prompt_tokens":1000,"completion_tokens":50,"total_tokens":1350,
                   "prompt_tokens_details":{"cached_tokens":200},
                   "completion_tokens_details":{"reasoning_tokens":300}}),
        );
        assert_eq!((u.input_tokens, u.cached_input_tokens), (800, 200));
        assert_eq!((u.output_tokens, u.reasoning_tokens), (50, 300));
        // Read as OpenAI's shape, the same object is an error, not a silent under-count.
        let as_openai = TokenUsage::from_provider_json(
            ProviderKind::Openai,
            &json!({"prompt_tokens":1000,"completion_tokens":50,
                    "completion_tokens_details":{"reasoning_tokens":300}}),
        );
        assert!(as_openai.is_err());
    }

    #[test]
    fn reported_costs_are_exact() {
        let r = |v: Value| TokenUsage::reported_cost(&v);
        assert_eq!(r(json!({"cost": 0.0001204})), Some(NanoUsd(120_400)));
        assert_eq!(
            r(json!({"usage": {"cost": 1.35e-05}})),
            Some(NanoUsd(13_500))
        );
        // 19,150,005 ticks = $0.0019150005 → 1,915,001 nano-USD (half-up).
        assert_eq!(
            r(json!({"cost_in_usd_ticks": 19_150_005u64})),
            Some(NanoUsd(1_915_001))
        );
        assert_eq!(r(json!({"cost": "0.1"})), None);
        assert_eq!(r(json!({"cost": -1.0})), None);
        assert_eq!(r(json!({"prompt_tokens": 1})), None);
    }

    #[test]
    fn deepseek_cache_hits_are_cached_input() {
        let u = read(
            ProviderKind::Deepseek,
            json!({"prompt_tokens":1000,"completion_tokens":100,"total_tokens":1100,
                   "prompt_cache_hit_tokens":800,"prompt_cache_miss_tokens":200}),
        );
        assert_eq!(
            (u.input_tokens, u.cached_input_tokens, u.output_tokens),
            (200, 800, 100)
        );
        // Both forms present and agreeing: counted once.
        let both = read(
            ProviderKind::Deepseek,
            json!({"prompt_tokens":1000,"completion_tokens":100,"prompt_cache_hit_tokens":800,
                   "prompt_tokens_details":{"cached_tokens":800}}),
        );
        assert_eq!((both.input_tokens, both.cached_input_tokens), (200, 800));
    }

    #[test]
    fn openai_responses_shape_and_whole_body() {
        let u = read(
            ProviderKind::Openai,
            json!({"id":"resp_1","usage":{"input_tokens":1200,"input_tokens_details":{"cached_tokens":1024},
                   "output_tokens":350,"output_tokens_details":{"reasoning_tokens":192},"total_tokens":1550}}),
        );
        assert_eq!(u.prompt_tokens(), 1200);
        assert_eq!((u.output_tokens, u.reasoning_tokens), (158, 192));
    }

    #[test]
    fn anthropic_adds_cache_and_splits_ttl() {
        let u = read(
            ProviderKind::Anthropic,
            json!({"input_tokens":1000,"cache_creation_input_tokens":500,"cache_read_input_tokens":2000,
                   "cache_creation":{"ephemeral_5m_input_tokens":200,"ephemeral_1h_input_tokens":300},
                   "output_tokens":300}),
        );
        assert_eq!(u.prompt_tokens(), 3500);
        assert_eq!((u.cache_write_tokens, u.cache_write_1h_tokens), (200, 300));
        let nulls = read(
            ProviderKind::Anthropic,
            json!({"input_tokens":10,"cache_creation_input_tokens":null,"output_tokens":1}),
        );
        assert_eq!(nulls.prompt_tokens(), 10);
    }

    #[test]
    fn gemini_thoughts_are_extra_output() {
        let u = read(
            ProviderKind::Gemini,
            json!({"promptTokenCount":1200,"cachedContentTokenCount":1024,"candidatesTokenCount":50,
                   "thoughtsTokenCount":192,"toolUsePromptTokenCount":5,"totalTokenCount":1447}),
        );
        assert_eq!((u.input_tokens, u.cached_input_tokens), (181, 1024));
        assert_eq!((u.output_tokens, u.reasoning_tokens), (50, 192));
    }

    #[test]
    fn ollama_final_object() {
        let u = read(
            ProviderKind::Ollama,
            json!({"model":"llama3.2","done":true,"prompt_eval_count":26,"eval_count":290,
                   "eval_duration":4709213000u64}),
        );
        assert_eq!((u.input_tokens, u.output_tokens), (26, 290));
    }

    #[test]
    fn bad_usage_is_a_typed_error() {
        let cases = [
            (ProviderKind::Openai, json!([1]), "JSON object"),
            (ProviderKind::Openai, json!({"foo":1}), "prompt_tokens"),
            (
                ProviderKind::Openai,
                json!({"prompt_tokens":-5,"completion_tokens":1}),
                "whole number",
            ),
            (
                ProviderKind::Openai,
                json!({"prompt_tokens":"5","completion_tokens":1}),
                "a string",
            ),
            (
                ProviderKind::Openai,
                json!({"prompt_tokens":5,"completion_tokens":1,"prompt_tokens_details":{"cached_tokens":9}}),
                "exceeds",
            ),
            (
                ProviderKind::Gemini,
                json!({"promptTokenCount":1.5}),
                "whole number",
            ),
            (
                ProviderKind::Anthropic,
                json!({"prompt_tokens":1}),
                "input_tokens",
            ),
        ];
        for (p, v, needle) in cases {
            let err = TokenUsage::from_provider_json(p, &v).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
            assert_eq!(err.code().as_str(), "invalid_input");
        }
    }
}
