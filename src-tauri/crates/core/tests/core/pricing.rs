//! Table-driven cost vectors. Each expected total is computed by hand from the bundled table's
//! rates (shown in the comments, $ per 1M tokens) — never by the code under test.

use promptledger_core::pricing::{
    Billing, Component, CostSource, MatchKind, PriceOverride, PriceTable, Pricer, Rates,
    ServiceTags, TokenUsage,
};
use promptledger_core::{NanoUsd, ProviderKind, RatePerMTok};
use serde_json::json;

fn usage(input: u64, cached: u64, w5: u64, w1h: u64, output: u64, reasoning: u64) -> TokenUsage {
    TokenUsage {
        input_tokens: input,
        cached_input_tokens: cached,
        cache_write_tokens: w5,
        cache_write_1h_tokens: w1h,
        output_tokens: output,
        reasoning_tokens: reasoning,
    }
}

struct Vector {
    name: &'static str,
    provider: ProviderKind,
    model: &'static str,
    usage: TokenUsage,
    nano: i64,
    tier: Option<&'static str>,
}

#[test]
fn cost_vectors() {
    use ProviderKind::*;
    let vectors = [
        // gpt-4o: input 2.50, cached 1.25, output 10. 1000×2.5 + 2000×1.25 + 200×10 + 100×10.
        Vector {
            name: "openai cached+reasoning",
            provider: Openai,
            model: "gpt-4o",
            usage: usage(1000, 2000, 0, 0, 200, 100),
            nano: 8_000_000,
            tier: None,
        },
        // claude-sonnet-4-5: input 3, write 3.75 (5m) / 6 (1h), read 0.30, output 15.
        Vector {
            name: "anthropic read + 5m write",
            provider: Anthropic,
            model: "claude-sonnet-4-5",
            usage: usage(1000, 2000, 500, 0, 300, 0),
            nano: 9_975_000,
            tier: None,
        },
        Vector {
            name: "anthropic read + 5m/1h write",
            provider: Anthropic,
            model: "claude-sonnet-4-5-20250929",
            usage: usage(1000, 2000, 200, 300, 300, 0),
            nano: 10_650_000,
            tier: None,
        },
        // gemini-2.5-flash: input 0.30, cached 0.03, output 2.50, reasoning 2.50.
        Vector {
            name: "gemini thoughts",
            provider: Gemini,
            model: "gemini-2.5-flash",
            usage: usage(176, 1024, 0, 0, 50, 192),
            nano: 688_520,
            tier: None,
        },
        // gemini-2.5-pro above 200k: input 2.50, output 15 (whole request).
        Vector {
            name: "gemini above 200k",
            provider: Gemini,
            model: "gemini-2.5-pro",
            usage: usage(250_000, 0, 0, 0, 1000, 0),
            nano: 640_000_000,
            tier: Some("above_200k_tokens"),
        },
        // Exactly 200k is not above 200k: base 1.25 / 10.
        Vector {
            name: "gemini at 200k (strict)",
            provider: Gemini,
            model: "gemini-2.5-pro",
            usage: usage(200_000, 0, 0, 0, 1000, 0),
            nano: 260_000_000,
            tier: None,
        },
        // Cached tokens count toward the threshold and get the tier's cache rate (0.25).
        Vector {
            name: "gemini cached above 200k",
            provider: Gemini,
            model: "gemini/gemini-2.5-pro",
            usage: usage(100_000, 150_000, 0, 0, 0, 0),
            nano: 287_500_000,
            tier: Some("above_200k_tokens"),
        },
        // xAI bills the tier from exactly 200k: input 2.50, output 5.
        Vector {
            name: "xai at 200k (inclusive)",
            provider: OpenaiCompatible,
            model: "xai/grok-4.20-beta-0309-reasoning",
            usage: usage(200_000, 0, 0, 0, 1000, 0),
            nano: 505_000_000,
            tier: Some("above_200k_tokens"),
        },
        // qwen-turbo: input 0.05, output 0.20, reasoning at its own 0.50.
        Vector {
            name: "reasoning rate",
            provider: OpenaiCompatible,
            model: "dashscope/qwen-turbo",
            usage: usage(1000, 0, 0, 0, 1000, 1000),
            nano: 750_000,
            tier: None,
        },
        // qwen-plus tiered: (0,256k] 0.40/1.20, (256k,1M] 1.20/3.60.
        Vector {
            name: "band 1 at its upper bound",
            provider: OpenaiCompatible,
            model: "dashscope/qwen-plus-2025-07-28",
            usage: usage(256_000, 0, 0, 0, 1000, 0),
            nano: 103_600_000,
            tier: Some("tier_0_256000_tokens"),
        },
        Vector {
            name: "band 2",
            provider: OpenaiCompatible,
            model: "dashscope/qwen-plus-2025-07-28",
            usage: usage(300_000, 0, 0, 0, 1000, 0),
            nano: 363_600_000,
            tier: Some("tier_256000_1000000_tokens"),
        },
        // Local models are unmetered, listed or not.
        Vector {
            name: "ollama listed",
            provider: Ollama,
            model: "llama3",
            usage: usage(26, 0, 0, 0, 290, 0),
            nano: 0,
            tier: None,
        },
        Vector {
            name: "ollama unlisted",
            provider: Ollama,
            model: "my-finetune:q4",
            usage: usage(26, 0, 0, 0, 290, 0),
            nano: 0,
            tier: None,
        },
    ];
    let pricer = Pricer::bundled();
    for v in vectors {
        let priced = pricer
            .price(v.provider, v.model, &v.usage)
            .unwrap_or_else(|e| panic!("{}: {e}", v.name));
        assert_eq!(
            priced.breakdown.total_nano_usd,
            NanoUsd(v.nano),
            "{}",
            v.name
        );
        assert_eq!(priced.breakdown.tier.as_deref(), v.tier, "{}", v.name);
        let sum: i64 = priced
            .breakdown
            .lines
            .iter()
            .map(|l| l.cost_nano_usd.0)
            .sum();
        assert_eq!(sum, v.nano, "{}: lines add up to the total", v.name);
        assert_eq!(priced.price_table_version, "litellm-1.109.1+8f8060d8ce7a");
        let expect_source = if v.provider == ProviderKind::Ollama {
            CostSource::Unmetered
        } else {
            CostSource::Computed
        };
        assert_eq!(priced.breakdown.cost_source, expect_source, "{}", v.name);
    }
}

#[test]
fn wire_usage_prices_like_normalized_counts() {
    let pricer = Pricer::bundled();
    let cases = [
        (
            ProviderKind::Openai,
            "gpt-4o",
            json!({"prompt_tokens":3000,"completion_tokens":300,"total_tokens":3300,
                "prompt_tokens_details":{"cached_tokens":2000},
                "completion_tokens_details":{"reasoning_tokens":100}}),
            8_000_000,
        ),
        (
            ProviderKind::Openai,
            "gpt-4o",
            json!({"input_tokens":3000,"input_tokens_details":{"cached_tokens":2000},
                "output_tokens":300,"output_tokens_details":{"reasoning_tokens":100},"total_tokens":3300}),
            8_000_000,
        ),
        (
            ProviderKind::Anthropic,
            "claude-sonnet-4-5",
            json!({"input_tokens":1000,"cache_creation_input_tokens":500,"cache_read_input_tokens":2000,
                "cache_creation":{"ephemeral_5m_input_tokens":200,"ephemeral_1h_input_tokens":300},
                "output_tokens":300,"service_tier":"standard"}),
            10_650_000,
        ),
        (
            ProviderKind::Gemini,
            "gemini-2.5-flash",
            json!({"promptTokenCount":1200,"cachedContentTokenCount":1024,"candidatesTokenCount":50,
                "thoughtsTokenCount":192,"totalTokenCount":1442}),
            688_520,
        ),
        (
            ProviderKind::Ollama,
            "llama3.2",
            json!({"model":"llama3.2","done":true,"done_reason":"stop","prompt_eval_count":26,"eval_count":290}),
            0,
        ),
    ];
    for (p, model, wire, nano) in cases {
        let u = TokenUsage::from_provider_json(p, &wire).unwrap();
        let priced = pricer.price(p, model, &u).unwrap();
        assert_eq!(priced.breakdown.total_nano_usd, NanoUsd(nano), "{p} {wire}");
    }
}

#[test]
fn overrides_are_flat_and_custom_models_need_prices() {
    let table = PriceTable::bundled();
    let over = PriceOverride {
        model: "gemini/gemini-2.5-pro".into(),
        rates: Rates {
            input: RatePerMTok::parse_usd_per_mtok("1"),
            output: RatePerMTok::parse_usd_per_mtok("4"),
            ..Rates::default()
        },
        max_input_tokens: None,
        note: Some("negotiated".into()),
        updated_at: "2026-11-21T00:00:00Z".into(),
    };
    let custom = PriceOverride {
        model: "my-vllm-llama".into(),
        rates: Rates {
            input: RatePerMTok::parse_usd_per_mtok("0.2"),
            output: RatePerMTok::parse_usd_per_mtok("0.6"),
            ..Rates::default()
        },
        max_input_tokens: Some(131_072),
        note: None,
        updated_at: "2026-11-21T00:00:00Z".into(),
    };
    let pricer = Pricer::new(table.clone(), vec![over, custom]);
    // 250k input at $1 + 1000 output at $4: the override is flat, no 200k tier.
    let p = pricer
        .price(
            ProviderKind::Gemini,
            "gemini-2.5-pro",
            &usage(250_000, 0, 0, 0, 1000, 0),
        )
        .unwrap();
    assert_eq!(p.breakdown.total_nano_usd, NanoUsd(254_000_000));
    assert_eq!(p.match_kind, MatchKind::Override);
    assert_eq!(p.breakdown.tier, None);
    // Cached tokens keep the table's cache rate (0.125) where the override sets none.
    let c = pricer
        .price(
            ProviderKind::Gemini,
            "gemini-2.5-pro",
            &usage(0, 1000, 0, 0, 0, 0),
        )
        .unwrap();
    assert_eq!(
        c.breakdown
            .line(Component::CachedInput)
            .unwrap()
            .cost_nano_usd,
        NanoUsd(125_000)
    );
    // Custom model through an OpenAI-compatible endpoint: 10k × 0.2 + 2k × 0.6.
    let m = pricer
        .price(
            ProviderKind::OpenaiCompatible,
            "my-vllm-llama",
            &usage(10_000, 0, 0, 0, 2000, 0),
        )
        .unwrap();
    assert_eq!(
        (m.breakdown.total_nano_usd, m.match_kind),
        (NanoUsd(3_200_000), MatchKind::Custom)
    );
    // A custom model without an output price is refused.
    let half = PriceOverride {
        model: "half".into(),
        rates: Rates {
            input: Some(RatePerMTok(1)),
            ..Rates::default()
        },
        max_input_tokens: None,
        note: None,
        updated_at: String::new(),
    };
    assert!(half.as_custom().is_err());
}

#[test]
fn unknown_models_are_errors_with_suggestions_never_zero() {
    let err = Pricer::bundled()
        .price(
            ProviderKind::Anthropic,
            "claude-sonet-4-5",
            &usage(1, 0, 0, 0, 1, 0),
        )
        .unwrap_err();
    assert_eq!(err.code().as_str(), "unknown_model");
    assert!(err.to_string().contains("claude-sonnet-4-5"), "{err}");
    let empty = Pricer::bundled()
        .price(ProviderKind::Openai, "  ", &usage(1, 0, 0, 0, 1, 0))
        .unwrap_err();
    assert_eq!(empty.code().as_str(), "invalid_input");
}

#[test]
fn every_chat_model_in_the_table_prices_without_error() {
    // The engine must handle every entry's shape: thresholds, bands, missing cache rates.
    let table = PriceTable::bundled();
    let pricer = Pricer::new(table.clone(), Vec::new());
    let big = usage(300_000, 10_000, 1000, 1000, 5000, 2000);
    let mut priced = 0;
    for m in table.iter().filter(|m| m.mode == "chat") {
        let p = pricer
            .price(ProviderKind::OpenaiCompatible, &m.key, &big)
            .unwrap();
        assert_eq!(p.price_key, m.key);
        assert!(p.breakdown.total_nano_usd.0 >= 0);
        priced += 1;
    }
    assert!(priced > 3000, "{priced}");
}

fn at(rfc3339: &str) -> Billing {
    Billing::at(
        chrono::DateTime::parse_from_rfc3339(rfc3339)
            .unwrap()
            .timestamp_millis(),
    )
}

#[test]
fn off_peak_rates_follow_the_clock() {
    // deepseek-v4-flash: standard input 0.30, cache read 0.006, output 1.20; off-peak 0.15,
    // 0.003, 0.60. Usage: 8000 uncached + 2000 cached input, 1000 output.
    //   standard: 8000×0.30 + 2000×0.006 + 1000×1.20 = 2400 + 12 + 1200 µ$ = $0.003612
    //   off-peak: 8000×0.15 + 2000×0.003 + 1000×0.60 = 1200 +  6 +  600 µ$ = $0.001806
    // Off-peak: Mon–Fri 00:00–01:00, 04:00–06:00, 10:00–24:00 UTC; all of Sat and Sun.
    let pricer = Pricer::bundled();
    let u = usage(8000, 2000, 0, 0, 1000, 0);
    // 2026-11-30 is a Monday.
    for (when, set, nano) in [
        ("2026-11-30T09:59:59Z", "standard", 3_612_000),
        ("2026-11-30T10:00:00Z", "off-peak", 1_806_000),
        ("2026-11-30T18:30:00Z", "off-peak", 1_806_000),
        ("2026-11-30T23:59:59Z", "off-peak", 1_806_000),
        ("2026-12-01T00:30:00Z", "off-peak", 1_806_000),
        ("2026-12-01T01:00:00Z", "standard", 3_612_000),
        ("2026-12-01T04:00:00Z", "off-peak", 1_806_000),
        ("2026-12-01T06:00:00Z", "standard", 3_612_000),
        ("2026-12-05T08:00:00Z", "off-peak", 1_806_000), // Saturday
        ("2026-12-06T02:00:00Z", "off-peak", 1_806_000), // Sunday
        ("2026-12-07T02:00:00Z", "standard", 3_612_000), // Monday again
    ] {
        let p = pricer
            .price_as(
                ProviderKind::OpenaiCompatible,
                "deepseek-v4-flash",
                &u,
                &at(when),
            )
            .unwrap();
        assert_eq!(p.breakdown.rate_set, set, "{when}");
        assert_eq!(p.breakdown.total_nano_usd, NanoUsd(nano), "{when}");
    }
    // A model without windows is always standard.
    let gpt = pricer
        .price_as(
            ProviderKind::Openai,
            "gpt-4o",
            &u,
            &at("2026-11-30T18:30:00Z"),
        )
        .unwrap();
    assert_eq!(gpt.breakdown.rate_set, "standard");
}

#[test]
fn anthropic_geo_and_fast_multiply_input_and_output_only() {
    // claude-opus-4-8: input 5, cache read 0.50, cache write 6.25, output 25; us ×1.1, fast ×2.
    // Usage: 1000 input, 2000 cache read, 400 cache write, 500 output.
    //   lines: 1000×5 + 2000×0.5 + 400×6.25 + 500×25 = 5000 + 1000 + 2500 + 12500 µ$ = $0.021
    //   us + fast (×2.2) on input + output only: (5000 + 12500) × 1.2 = 21000 µ$ extra → $0.042
    //   us alone (×1.1): 17500 × 0.1 = 1750 µ$ extra → $0.02275
    let pricer = Pricer::bundled();
    let u = usage(1000, 2000, 400, 0, 500, 0);
    let served = |geo: Option<&str>, speed: Option<&str>| Billing {
        service: ServiceTags {
            inference_geo: geo.map(Into::into),
            speed: speed.map(Into::into),
        },
        ..at("2026-11-30T12:00:00Z")
    };
    let price = |b: &Billing| {
        pricer
            .price_as(ProviderKind::Anthropic, "claude-opus-4-8", &u, b)
            .unwrap()
            .breakdown
    };
    let both = price(&served(Some("us"), Some("fast")));
    assert_eq!(both.total_nano_usd, NanoUsd(42_000_000));
    let m = both.multiplier.clone().unwrap();
    assert_eq!(m.factor, "2.2");
    assert_eq!(m.extra_nano_usd, NanoUsd(21_000_000));
    assert_eq!(m.reasons, ["inference_geo us ×1.1", "speed fast ×2"]);
    assert_eq!(
        both.line(Component::CachedInput).unwrap().cost_nano_usd,
        NanoUsd(1_000_000)
    );
    assert_eq!(
        price(&served(Some("us"), None)).total_nano_usd,
        NanoUsd(22_750_000)
    );
    let plain = price(&served(Some("global"), Some("standard")));
    assert_eq!(plain.total_nano_usd, NanoUsd(21_000_000));
    assert_eq!(plain.multiplier, None);
}

#[test]
fn a_known_provider_prefers_its_prefixed_entry() {
    // `gemini-exp-1206` (input 0.30) and `gemini/gemini-exp-1206` (free) disagree; with the
    // provider known, LiteLLM bills the prefixed one.
    let pricer = Pricer::bundled();
    let p = pricer
        .price(
            ProviderKind::Gemini,
            "gemini-exp-1206",
            &usage(1000, 0, 0, 0, 100, 0),
        )
        .unwrap();
    assert_eq!(p.price_key, "gemini/gemini-exp-1206");
    assert_eq!(p.match_kind, MatchKind::ProviderPrefixed);
    assert_eq!(p.breakdown.total_nano_usd, NanoUsd(0));
    // Without a provider the bare id is the only candidate.
    let q = pricer.quote(None, "gemini-exp-1206").unwrap();
    assert_eq!(q.price.key, "gemini-exp-1206");
}

#[test]
fn presets_read_their_usage_quirks_and_bill_their_own_entries() {
    let pricer = Pricer::bundled();
    let wire = |p: ProviderKind, model: &str, usage: serde_json::Value| {
        let u = TokenUsage::from_provider_json(p, &usage).unwrap();
        pricer
            .price_as(p, model, &u, &at("2026-11-30T09:00:00Z"))
            .unwrap()
    };
    // xAI grok-4.3 (input 1.25, cache read 0.20, output 2.50; reasoning at the output rate).
    // completion 50 excludes reasoning 300: 800×1.25 + 200×0.2 + (50 + 300)×2.5
    //   = 1000 + 40 + 875 µ$ = $0.001915.
    let grok = wire(
        ProviderKind::Xai,
        "grok-4.3",
        json!({"prompt_tokens":1000,"completion_tokens":50,"total_tokens":1350,
               "prompt_tokens_details":{"cached_tokens":200},
               "completion_tokens_details":{"reasoning_tokens":300}}),
    );
    assert_eq!(grok.price_key, "xai/grok-4.3");
    assert_eq!(grok.breakdown.total_nano_usd, NanoUsd(1_915_000));
    // DeepSeek deepseek-chat (input 0.28, cache hit 0.028, output 0.42): 1000 prompt tokens of
    // which 800 hit the cache, 100 out: 200×0.28 + 800×0.028 + 100×0.42 = 56 + 22.4 + 42 µ$
    //   = $0.0001204 (billing all 1000 at the input rate would be $0.000322).
    let ds = wire(
        ProviderKind::Deepseek,
        "deepseek-chat",
        json!({"prompt_tokens":1000,"completion_tokens":100,"total_tokens":1100,
               "prompt_cache_hit_tokens":800,"prompt_cache_miss_tokens":200}),
    );
    assert_eq!(ds.price_key, "deepseek/deepseek-chat");
    assert_eq!(ds.breakdown.total_nano_usd, NanoUsd(120_400));
    // The provider's own entries come first, its key prefix is the table's (together_ai/…).
    let q = pricer
        .quote(
            Some(ProviderKind::Together),
            "meta-llama/Llama-3.3-70B-Instruct-Turbo",
        )
        .unwrap();
    assert!(q.price.key.starts_with("together_ai/"), "{}", q.price.key);
}
