//! Property-based fuzzing (issue 14) of everything that reads bytes a server or a file chose:
//! the SSE and NDJSON stream readers with every provider's stream decoder (arbitrary bytes,
//! real transcripts mutated, arbitrary chunk splits), every provider's answer, model-list and
//! error parsers, the usage reader, the redaction step and the price-table loader. The property
//! is always the same: no panic, only `Ok` or a typed error.
//!
//! CI runs a few hundred cases per target; `bash scripts/fuzz.sh` runs 1,000,000 each
//! (`PROPTEST_CASES`). A case that ever fails becomes a regression test below.

use bytes::Bytes;
use eventsource_stream::Eventsource;
use futures_util::StreamExt;
use proptest::prelude::*;
use serde_json::Value;

use crate::ProviderKind;
use crate::pricing::{PriceTable, TokenUsage};
use crate::providers::stream::ndjson_lines;
use crate::providers::wire::wire_format;
use crate::providers::{Exchange, error, shared};
use promptledger_testkit::wire::{self as fixtures, Counts};

const PROVIDERS: [ProviderKind; 5] = [
    ProviderKind::Openai,
    ProviderKind::Xai,
    ProviderKind::Anthropic,
    ProviderKind::Gemini,
    ProviderKind::Ollama,
];

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap_or_else(|e| panic!("a test runtime: {e}"))
}

/// `bytes` cut at `cuts` (positions taken modulo the length), as a body stream.
fn chunks(bytes: &[u8], cuts: &[usize]) -> Vec<Bytes> {
    let mut at: Vec<usize> = cuts.iter().map(|c| c % (bytes.len() + 1)).collect();
    at.sort_unstable();
    at.dedup();
    let mut out = Vec::new();
    let mut start = 0;
    for c in at.into_iter().chain([bytes.len()]) {
        out.push(Bytes::copy_from_slice(&bytes[start..c]));
        start = c;
    }
    out
}

/// Feeds a body through `provider`'s stream reader and decoder, as a streamed answer is read.
fn read_stream(provider: ProviderKind, body: &[u8], cuts: &[usize]) {
    let mut decoder = wire_format(provider).stream_decoder();
    let mut x = Exchange::new(provider);
    let pieces = chunks(body, cuts);
    runtime().block_on(async {
        let items: Vec<crate::error::Result<(String, String)>> = if decoder.ndjson() {
            let s = futures_util::stream::iter(pieces.into_iter().map(Ok));
            ndjson_lines(s).collect().await
        } else {
            let s = futures_util::stream::iter(
                pieces
                    .into_iter()
                    .map(Ok::<Bytes, std::convert::Infallible>),
            );
            s.eventsource()
                .map(|r| {
                    r.map(|e| (e.event, e.data))
                        .map_err(|e| error::invalid_response(provider, e.to_string()))
                })
                .collect()
                .await
        };
        for item in items {
            let Ok((name, data)) = item else { break };
            match decoder.event(&name, &data, &mut x, &mut |_| {}) {
                Ok(true) | Err(_) => break,
                Ok(false) => {}
            }
        }
        let _ = decoder.complete_at_eof(&x);
    });
}

/// A real transcript for `provider`, as the loopback servers send it.
fn transcript(provider: ProviderKind) -> Vec<u8> {
    let c = Counts {
        prompt: 1200,
        cached: 200,
        output: 300,
        reasoning: 50,
        ..Counts::default()
    };
    let parts = match provider {
        ProviderKind::Anthropic => fixtures::anthropic_sse("claude-haiku-4-5", &["Hel", "lo"], c),
        ProviderKind::Gemini => fixtures::gemini_sse("gemini-2.5-flash", &["Hel", "lo"], c),
        ProviderKind::Ollama => fixtures::ollama_ndjson("llama3.2", &["Hel", "lo"], c),
        _ => fixtures::openai_sse("gpt-4o", &["Hel", "lo"], Some(c), Some(0.0042)),
    };
    parts.concat().into_bytes()
}

/// `base` with `edits` applied: (position, byte) pairs that overwrite, insert or delete.
fn mutate(mut base: Vec<u8>, edits: &[(usize, u8, u8)]) -> Vec<u8> {
    for &(pos, byte, op) in edits {
        let at = pos % (base.len() + 1);
        match op % 3 {
            0 if at < base.len() => base[at] = byte,
            1 => base.insert(at, byte),
            _ if at < base.len() => {
                base.remove(at);
            }
            _ => {}
        }
    }
    base
}

/// JSON whose keys are the field names the parsers look for (so the fuzz reaches deep paths),
/// with values of any type.
fn json() -> impl Strategy<Value = Value> {
    let keys = prop::sample::select(vec![
        "usage",
        "usageMetadata",
        "prompt_tokens",
        "completion_tokens",
        "total_tokens",
        "prompt_tokens_details",
        "completion_tokens_details",
        "cached_tokens",
        "reasoning_tokens",
        "input_tokens",
        "output_tokens",
        "cache_read_input_tokens",
        "cache_creation_input_tokens",
        "cache_creation",
        "ephemeral_5m_input_tokens",
        "ephemeral_1h_input_tokens",
        "promptTokenCount",
        "candidatesTokenCount",
        "thoughtsTokenCount",
        "cachedContentTokenCount",
        "toolUsePromptTokenCount",
        "prompt_eval_count",
        "eval_count",
        "prompt_cache_hit_tokens",
        "cost",
        "cost_in_usd_ticks",
        "choices",
        "delta",
        "message",
        "content",
        "text",
        "candidates",
        "parts",
        "model",
        "modelVersion",
        "error",
        "type",
        "code",
        "status",
        "data",
        "models",
        "id",
        "name",
        "finish_reason",
        "stop_reason",
        "finishReason",
        "done",
        "inference_geo",
        "speed",
        "index",
        "role",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>()
            .prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, move |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((keys.clone(), inner), 0..6).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_string(), v)).collect())
            }),
        ]
    })
}

proptest! {
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn stream_readers_take_arbitrary_bytes(
        body in prop::collection::vec(any::<u8>(), 0..1024),
        cuts in prop::collection::vec(any::<usize>(), 0..12),
        p in 0..PROVIDERS.len(),
    ) {
        read_stream(PROVIDERS[p], &body, &cuts);
    }

    #[test]
    fn stream_readers_take_mutated_transcripts_cut_anywhere(
        edits in prop::collection::vec((any::<usize>(), any::<u8>(), any::<u8>()), 0..8),
        cuts in prop::collection::vec(any::<usize>(), 0..24),
        p in 0..PROVIDERS.len(),
    ) {
        let body = mutate(transcript(PROVIDERS[p]), &edits);
        read_stream(PROVIDERS[p], &body, &cuts);
    }

    #[test]
    fn answer_model_list_and_error_parsers_take_any_json(v in json(), p in 0..PROVIDERS.len(), status in 100u16..600) {
        let provider = PROVIDERS[p];
        let wire = wire_format(provider);
        let mut x = Exchange::new(provider);
        let _ = wire.parse_chat(&v, &mut x);
        let _ = wire.parse_models(&v);
        let _ = wire.classify(status, &v);
        let _ = error::error_from_status(provider, status, None, &v.to_string());
        let _ = shared::answer_usage(&mut x, &v);
        let _ = TokenUsage::from_provider_json(provider, &v);
        let _ = TokenUsage::reported_cost(&v);
    }

    #[test]
    fn error_bodies_and_redaction_take_any_text(body in ".{0,600}", status in 100u16..600) {
        let e = error::error_from_status(ProviderKind::Openai, status, None, &body);
        let text = e.to_string();
        prop_assert!(!text.contains('\n'));
        let _ = crate::redact::html_summary(status, &body);
        let _ = crate::redact::redact(&body, &[&format!("{}{}", "sk-fuzz-", "0123456789abcdef")]);
    }

    #[test]
    fn the_price_table_loader_takes_any_bytes(
        body in prop::collection::vec(any::<u8>(), 0..512),
    ) {
        let _ = PriceTable::parse(&body, "fuzz.json", None);
    }

    #[test]
    fn the_price_table_loader_takes_any_json(v in json()) {
        let doc = serde_json::json!({ "gpt-fuzz": v.clone(), "other/model": { "input_cost_per_token": v } });
        let _ = PriceTable::parse(doc.to_string().as_bytes(), "fuzz.json", None);
    }
}

#[test]
fn real_transcripts_still_decode_whole() {
    for p in PROVIDERS {
        let body = transcript(p);
        let mut decoder = wire_format(p).stream_decoder();
        let mut x = Exchange::new(p);
        read_stream(p, &body, &[7, 33, 101]);
        // And once more, checking the result: the text arrives whatever the cuts.
        runtime().block_on(async {
            let pieces = chunks(&body, &[5]);
            let items: Vec<_> = if decoder.ndjson() {
                ndjson_lines(futures_util::stream::iter(pieces.into_iter().map(Ok)))
                    .collect()
                    .await
            } else {
                futures_util::stream::iter(
                    pieces
                        .into_iter()
                        .map(Ok::<Bytes, std::convert::Infallible>),
                )
                .eventsource()
                .map(|r| {
                    r.map(|e| (e.event, e.data))
                        .map_err(|e| error::invalid_response(p, e.to_string()))
                })
                .collect()
                .await
            };
            for item in items.into_iter().flatten() {
                if decoder
                    .event(&item.0, &item.1, &mut x, &mut |_| {})
                    .unwrap_or(true)
                {
                    break;
                }
            }
        });
        assert_eq!(x.text, "Hello", "{p:?}");
    }
}
