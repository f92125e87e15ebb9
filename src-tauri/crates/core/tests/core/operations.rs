//! Every paid operation: costs computed by hand from the bundled table's own keys (held out
//! from the code's rules: embedding per token, image per image at two sizes and qualities, per
//! pixel and per image token, transcription per second and per token, speech per character),
//! and the runner against loopback servers speaking each endpoint — usage read per provider,
//! retries, errors recorded, unsupported operations refused before sending.

use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::runs::RunStatus;
use promptledger_core::pricing::{BilledUnit, Billing, CostSource, Metered, Pricer, TokenUsage};
use promptledger_core::providers::operations::{EmbedRequest, OperationRequest};
use promptledger_core::providers::{Endpoint, HttpSettings, ProviderClient};
use promptledger_core::runner::Runner;
use promptledger_core::runner::operation::{OperationOutcome, OperationSpec};
use promptledger_core::vault::Secret;
use promptledger_core::{NanoUsd, Operation, ProviderKind};
use promptledger_testkit::operations::{self, embed_tokens};
use promptledger_testkit::{FakeServer, Reply};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

fn price(provider: ProviderKind, model: &str, m: Metered) -> (NanoUsd, CostSource, String) {
    let p = Pricer::bundled()
        .price_operation(provider, model, &m, &Billing::at(0))
        .unwrap();
    (
        p.breakdown.total_nano_usd,
        p.breakdown.cost_source,
        p.price_key,
    )
}

fn image(size: (u32, u32), quality: &str, n: u64) -> Metered {
    Metered {
        operation: Operation::Image,
        items: n,
        image_size: Some(size),
        image_quality: Some(quality.into()),
        ..Metered::default()
    }
}

#[test]
fn hand_computed_costs_of_every_operation() {
    let openai = ProviderKind::Openai;
    // text-embedding-3-small: input_cost_per_token 2e-08 → 1,234 tokens = $0.00002468.
    let emb = Metered::tokens(
        Operation::Embedding,
        TokenUsage {
            input_tokens: 1_234,
            ..TokenUsage::default()
        },
    );
    assert_eq!(
        price(openai, "text-embedding-3-small", emb.clone()).0,
        NanoUsd(24_680)
    );
    // gemini/gemini-embedding-001: 1.5e-07 → 1,234 tokens = $0.0001851.
    assert_eq!(
        price(ProviderKind::Gemini, "gemini-embedding-001", emb).0,
        NanoUsd(185_100)
    );

    // Per image, from `{quality}/{W}-x-{H}/{model}`: low/1024-x-1024/gpt-image-1 is $0.011
    // (input_cost_per_image), two of them $0.022; high/1536-x-1024/gpt-image-1 is $0.25.
    let (c, s, key) = price(openai, "gpt-image-1", image((1024, 1024), "low", 2));
    assert_eq!(
        (c, s, key.as_str()),
        (
            NanoUsd(22_000_000),
            CostSource::Computed,
            "low/1024-x-1024/gpt-image-1"
        )
    );
    let (c, _, key) = price(openai, "gpt-image-1", image((1536, 1024), "high", 1));
    assert_eq!(
        (c, key.as_str()),
        (NanoUsd(250_000_000), "high/1536-x-1024/gpt-image-1")
    );
    // Per pixel: azure/standard/1024-x-1024/dall-e-3 has input_cost_per_pixel 4.19617e-08;
    // 1024 × 1024 = 1,048,576 px → $0.0440000315392 → 44,000,032 nano-USD (half-up).
    let (c, _, _) = price(
        ProviderKind::OpenaiCompatible,
        "azure/standard/1024-x-1024/dall-e-3",
        image((1024, 1024), "standard", 1),
    );
    assert_eq!(c, NanoUsd(44_000_032));
    // Token-billed image: gpt-image-1 input_cost_per_token 5e-06 × 20 = $0.0001, and
    // output_cost_per_image_token 4e-05 × 1,056 = $0.04224.
    let tokens = Metered {
        tokens: TokenUsage {
            input_tokens: 20,
            output_tokens: 1_056,
            ..TokenUsage::default()
        },
        tokens_reported: true,
        ..image((1024, 1024), "medium", 1)
    };
    assert_eq!(price(openai, "gpt-image-1", tokens).0, NanoUsd(42_340_000));

    // Transcription per second: whisper-1 input_cost_per_second 0.0001 × 62 s = $0.0062.
    let secs = Metered {
        operation: Operation::Transcription,
        seconds: 62,
        ..Metered::default()
    };
    assert_eq!(price(openai, "whisper-1", secs).0, NanoUsd(6_200_000));
    // Per token: gpt-4o-transcribe input_cost_per_audio_token 2.5e-06 × 600 = $0.0015, and
    // output_cost_per_token 1e-05 × 8 = $0.00008.
    let toks = Metered {
        operation: Operation::Transcription,
        tokens: TokenUsage {
            output_tokens: 8,
            ..TokenUsage::default()
        },
        audio_input_tokens: 600,
        tokens_reported: true,
        ..Metered::default()
    };
    assert_eq!(
        price(openai, "gpt-4o-transcribe", toks).0,
        NanoUsd(1_580_000)
    );

    // Speech per character: tts-1 1.5e-05 × 1,000 = $0.015; tts-1-hd 3e-05 × 1,000 = $0.03.
    let chars = Metered {
        operation: Operation::Speech,
        characters: 1_000,
        ..Metered::default()
    };
    let p = Pricer::bundled()
        .price_operation(openai, "tts-1", &chars, &Billing::at(0))
        .unwrap();
    assert_eq!(p.breakdown.total_nano_usd, NanoUsd(15_000_000));
    let line = p.breakdown.unit.unwrap();
    assert_eq!((line.unit, line.quantity), (BilledUnit::Character, 1_000));
    assert_eq!(price(openai, "tts-1-hd", chars).0, NanoUsd(30_000_000));

    // No price for OpenAI's dall-e-3 in the table: unpriced, never $0 computed.
    let (_, s, _) = price(openai, "dall-e-3", image((1024, 1024), "standard", 1));
    assert_eq!(s, CostSource::Unpriced);
}

fn runner() -> (Runner, Arc<Mutex<Ledger>>) {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let client = ProviderClient::new(HttpSettings {
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..HttpSettings::default()
    })
    .unwrap();
    (
        Runner::new(client, ledger.clone(), Pricer::bundled()),
        ledger,
    )
}

fn embed_spec(provider: ProviderKind, base: &str, model: &str, inputs: &[&str]) -> OperationSpec {
    OperationSpec {
        endpoint: Endpoint::new(provider, Some(base), Some(Secret::new("sk-test-ops-1234")))
            .unwrap(),
        request: OperationRequest::Embed(EmbedRequest {
            model: model.into(),
            inputs: inputs.iter().map(|s| (*s).to_string()).collect(),
            dimensions: None,
        }),
        key_id: None,
        key_label: None,
        tag: None,
        override_budget: false,
        batch: None,
    }
}

async fn go(r: &Runner, spec: OperationSpec) -> OperationOutcome {
    let prepared = r.prepare_operation(spec).unwrap();
    r.execute_operation(prepared, &CancellationToken::new())
        .await
        .unwrap()
}

#[tokio::test]
async fn embeddings_on_gemini_and_ollama_read_their_own_usage() {
    let server = operations::server();
    let (r, ledger) = runner();
    let inputs = ["first chunk", "second chunk of text", "third"];
    // Gemini's batch answer carries no usage: the inputs are counted here, the cost estimated.
    let g = go(
        &r,
        embed_spec(
            ProviderKind::Gemini,
            server.url(),
            "gemini-embedding-001",
            &inputs,
        ),
    )
    .await;
    assert_eq!(g.record.operation, Operation::Embedding);
    assert_eq!(g.record.items, Some(3));
    assert_eq!(g.answer.as_ref().unwrap().vectors.len(), 3);
    assert_eq!(g.record.breakdown.cost_source, CostSource::Estimated);
    let counted = g.record.usage.input_tokens;
    assert!(counted >= 6, "{counted}");
    // gemini-embedding-001: $0.15/M = 150 nano-USD a token.
    assert_eq!(
        g.record.breakdown.total_nano_usd,
        NanoUsd(counted as i64 * 150)
    );
    let sent = server.requests();
    assert!(
        sent[0]
            .path
            .ends_with("/v1beta/models/gemini-embedding-001:batchEmbedContents")
    );
    assert_eq!(sent[0].header("x-goog-api-key"), Some("sk-test-ops-1234"));

    // Ollama reports prompt_eval_count; local models are unmetered.
    let o = go(
        &r,
        embed_spec(
            ProviderKind::Ollama,
            server.url(),
            "nomic-embed-text",
            &inputs,
        ),
    )
    .await;
    let expected: u64 = inputs.iter().map(|t| embed_tokens(t)).sum();
    assert_eq!(o.record.usage.input_tokens, expected);
    assert_eq!(o.record.breakdown.cost_source, CostSource::Unmetered);
    assert_eq!(o.record.breakdown.total_nano_usd, NanoUsd::ZERO);
    assert_eq!(ledger.lock().unwrap().run_count().unwrap(), 2);
    assert_eq!(ledger.lock().unwrap().in_flight_count().unwrap(), 0);
}

#[tokio::test]
async fn retries_errors_and_unsupported_operations() {
    let body = serde_json::json!({"data":[{"index":0,"embedding":[0.1,0.2]}],
        "model":"text-embedding-3-small","usage":{"prompt_tokens":5,"total_tokens":5}})
    .to_string();
    let server = FakeServer::start(vec![
        Reply::status_json(
            429,
            r#"{"error":{"message":"Rate limit reached","type":"requests","code":"rate_limit_exceeded"}}"#,
        )
        .header("retry-after", "0"),
        Reply::json(body),
    ]);
    let (r, ledger) = runner();
    let base = format!("{}/v1", server.url());
    let ok = go(
        &r,
        embed_spec(
            ProviderKind::Openai,
            &base,
            "text-embedding-3-small",
            &["hello"],
        ),
    )
    .await;
    assert_eq!(ok.record.status, RunStatus::Ok);
    assert_eq!(ok.record.attempts, 2);
    assert_eq!(ok.record.usage.input_tokens, 5);
    assert_eq!(ok.record.breakdown.total_nano_usd, NanoUsd(100));

    // A refused request is recorded with its typed error and costs nothing.
    let bad = FakeServer::start(vec![Reply::status_json(
        400,
        r#"{"error":{"message":"This model does not support embeddings","type":"invalid_request_error"}}"#,
    )]);
    let failed = go(
        &r,
        embed_spec(
            ProviderKind::Openai,
            &format!("{}/v1", bad.url()),
            "text-embedding-3-small",
            &["hello"],
        ),
    )
    .await;
    assert_eq!(failed.record.status, RunStatus::Error);
    assert!(
        failed
            .record
            .error_message
            .as_deref()
            .unwrap()
            .contains("does not support")
    );
    assert_eq!(failed.record.breakdown.total_nano_usd, NanoUsd::ZERO);
    assert_eq!(ledger.lock().unwrap().run_count().unwrap(), 2);

    // Anthropic has no embeddings API: refused before anything is sent or written.
    let spec = embed_spec(
        ProviderKind::Anthropic,
        &format!("{}/v1", bad.url()),
        "claude-haiku-4-5",
        &["hello"],
    );
    let err = r.prepare_operation(spec).unwrap_err();
    assert_eq!(err.code().as_str(), "invalid_input");
    assert!(
        err.to_string().contains("Anthropic has no embedding API"),
        "{err}"
    );
    assert_eq!(bad.requests().len(), 1, "nothing more was sent");
    assert_eq!(ledger.lock().unwrap().run_count().unwrap(), 2);

    // Empty input is a typed error before anything happens.
    let empty = r.prepare_operation(embed_spec(
        ProviderKind::Openai,
        &base,
        "text-embedding-3-small",
        &["ok", "  "],
    ));
    assert!(empty.unwrap_err().to_string().contains("input 2 is empty"));
}

#[tokio::test]
async fn a_transcription_of_an_unread_format_is_estimated_from_its_size_and_gemini_caps_inputs() {
    use promptledger_core::providers::operations::TranscribeRequest;
    let server = operations::server();
    let (r, _ledger) = runner();
    // 160,000 bytes of M4A (not read here) ≈ 10 s at 128 kbit/s; the fake service reports no
    // seconds for it, so the bill is whisper-1's $0.0001 × 10 s, estimated.
    let spec = OperationSpec {
        request: OperationRequest::Transcribe(TranscribeRequest {
            model: "whisper-1".into(),
            file_name: "call.m4a".into(),
            audio: vec![7u8; 160_000],
            language: None,
        }),
        ..embed_spec(
            ProviderKind::Openai,
            &format!("{}/v1", server.url()),
            "whisper-1",
            &["x"],
        )
    };
    let prepared = r.prepare_operation(spec).unwrap();
    assert_eq!(prepared.estimate.measured.seconds, 10);
    assert_eq!(prepared.estimate.max_cost, NanoUsd(1_000_000));
    let out = r
        .execute_operation(prepared, &CancellationToken::new())
        .await
        .unwrap();
    assert_eq!(out.record.operation, Operation::Transcription);
    assert_eq!(out.record.breakdown.total_nano_usd, NanoUsd(1_000_000));
    assert_eq!(out.record.breakdown.cost_source, CostSource::Estimated);
    let sent = server.requests();
    assert!(sent[0].body.contains("filename=\"call.m4a\""));

    // Gemini's batch takes 100 inputs: 101 are refused before anything is sent.
    let many: Vec<String> = (0..101).map(|i| format!("chunk {i}")).collect();
    let refs: Vec<&str> = many.iter().map(String::as_str).collect();
    let err = r
        .prepare_operation(embed_spec(
            ProviderKind::Gemini,
            server.url(),
            "gemini-embedding-001",
            &refs,
        ))
        .unwrap_err();
    assert!(err.to_string().contains("at most 100"), "{err}");
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn an_answer_that_cannot_be_read_was_still_paid_for() {
    use promptledger_core::providers::operations::ImageRequest;
    // The provider accepted the request and generated the image, but its URL does not
    // download: the run is recorded as an error with the per-image price as an estimate —
    // never $0, since the provider billed it.
    let server = FakeServer::start(vec![Reply::json(
        r#"{"created":1,"data":[{"url":"http://127.0.0.1:9/gone.png"}]}"#,
    )]);
    let (r, _ledger) = runner();
    let spec = OperationSpec {
        request: OperationRequest::Image(ImageRequest {
            model: "gpt-image-1".into(),
            prompt: "a lighthouse".into(),
            n: 1,
            size: Some("1024x1024".into()),
            quality: Some("low".into()),
        }),
        ..embed_spec(
            ProviderKind::Openai,
            &format!("{}/v1", server.url()),
            "gpt-image-1",
            &["x"],
        )
    };
    let out = go(&r, spec).await;
    assert_eq!(out.record.status, RunStatus::Error);
    assert_eq!(out.record.breakdown.cost_source, CostSource::Estimated);
    assert_eq!(out.record.breakdown.total_nano_usd, NanoUsd(11_000_000));

    // A malformed 200 body: estimated from the counted inputs. An error status: $0.
    let bad = FakeServer::start(vec![Reply::json(r#"{"object":"list"}"#)]);
    let out = go(
        &r,
        embed_spec(
            ProviderKind::Openai,
            &format!("{}/v1", bad.url()),
            "text-embedding-3-small",
            &["hello world"],
        ),
    )
    .await;
    assert_eq!(out.record.status, RunStatus::Error);
    assert_eq!(out.record.breakdown.cost_source, CostSource::Estimated);
    assert!(out.record.usage.input_tokens > 0);
}
