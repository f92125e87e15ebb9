//! The run pipeline against loopback servers speaking each provider's real wire format: the
//! ledger row (status, error code, tokens, cost, cost source, attempts) is asserted each time.

use promptledger_core::NanoUsd;
use promptledger_core::ProviderKind;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::runs::RunStatus;
use promptledger_core::pricing::{CostSource, Pricer, TokenUsage};
use promptledger_core::providers::{
    ChatRequest, Endpoint, HttpSettings, Message, ProviderClient, Role,
};
use promptledger_core::runner::{RunEvent, RunOutcome, RunSpec, Runner};
use promptledger_core::vault::Secret;
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply, StreamEnd};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const SSE: &str = "text/event-stream";

fn fast() -> HttpSettings {
    HttpSettings {
        idle_timeout: Duration::from_millis(400),
        initial_backoff: Duration::from_millis(5),
        max_backoff: Duration::from_millis(20),
        ..HttpSettings::default()
    }
}

struct Rig {
    runner: Runner,
    ledger: Arc<Mutex<Ledger>>,
}

fn rig(settings: HttpSettings) -> Rig {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let client = ProviderClient::new(settings).unwrap();
    Rig {
        runner: Runner::new(client, ledger.clone(), Pricer::bundled()),
        ledger,
    }
}

fn spec(provider: ProviderKind, url: &str, model: &str, stream: bool) -> RunSpec {
    let base = match provider {
        ProviderKind::Openai | ProviderKind::OpenaiCompatible => format!("{url}/v1"),
        _ => url.to_string(),
    };
    RunSpec {
        endpoint: Endpoint::new(provider, Some(&base), Some(Secret::new("sk-test-key-1234")))
            .unwrap(),
        chat: ChatRequest {
            model: model.into(),
            system: Some("Be brief.".into()),
            messages: vec![Message {
                role: Role::User,
                content: "Say hello.".into(),
            }],
            temperature: Some(0.2),
            max_tokens: Some(256),
            stream,
        },
        key_id: None,
        key_label: None,
        tag: Some("tests".into()),
        conversation_id: None,
        comparison_id: None,
        template: None,
        policy: Default::default(),
        batch: None,
    }
}

async fn go(rig: &Rig, spec: &RunSpec) -> (RunOutcome, Vec<RunEvent>) {
    let mut events = Vec::new();
    let out = rig
        .runner
        .run(spec, &mut |e| events.push(e), &CancellationToken::new())
        .await
        .unwrap();
    (out, events)
}

fn usage(input: u64, cached: u64, write: u64, output: u64, reasoning: u64) -> TokenUsage {
    TokenUsage {
        input_tokens: input,
        cached_input_tokens: cached,
        cache_write_tokens: write,
        output_tokens: output,
        reasoning_tokens: reasoning,
        ..TokenUsage::default()
    }
}

#[tokio::test]
async fn openai_json_and_stream_with_cache_and_reasoning() {
    let c = Counts {
        prompt: 3000,
        cached: 2000,
        output: 300,
        reasoning: 100,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::json(wire::openai_chat("gpt-4o-2024-08-06", "Hello!", c)),
        Reply::stream(
            SSE,
            wire::openai_sse("gpt-4o-2024-08-06", &["Hel", "lo", "!"], Some(c), None),
            StreamEnd::Finish,
        ),
    ]);
    let rig = rig(fast());
    for stream in [false, true] {
        let (out, events) = go(
            &rig,
            &spec(ProviderKind::Openai, server.url(), "gpt-4o", stream),
        )
        .await;
        let r = &out.record;
        assert_eq!(out.output, "Hello!");
        assert_eq!(r.status, RunStatus::Ok);
        assert_eq!(r.usage, usage(1000, 2000, 0, 200, 100));
        assert_eq!(r.breakdown.total_nano_usd, NanoUsd(8_000_000));
        assert_eq!(r.breakdown.cost_source, CostSource::Computed);
        assert_eq!(
            (r.attempts, r.model_resolved.as_deref()),
            (1, Some("gpt-4o-2024-08-06"))
        );
        assert!(matches!(events[0], RunEvent::Estimate(_)));
        let text: String = events
            .iter()
            .filter_map(|e| {
                if let RunEvent::Text(t) = e {
                    Some(t.as_str())
                } else {
                    None
                }
            })
            .collect();
        assert_eq!(text, "Hello!");
        if stream {
            assert!(r.ttft_ms.is_some());
        }
    }
    let reqs = server.requests();
    assert_eq!(reqs[0].path, "/v1/chat/completions");
    assert_eq!(
        reqs[0].header("authorization"),
        Some("Bearer sk-test-key-1234")
    );
    let body = reqs[1].json();
    assert_eq!(body["max_completion_tokens"], 256);
    assert_eq!(body["stream_options"]["include_usage"], true);
    assert_eq!(body["messages"][0]["role"], "system");
}

#[tokio::test]
async fn anthropic_stream_usage_from_message_start_and_cumulative_delta() {
    let c = Counts {
        prompt: 1000,
        cached: 2000,
        cache_write: 500,
        output: 300,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::stream(
            SSE,
            wire::anthropic_sse("claude-sonnet-4-5-20250929", &["Hi", " there"], c),
            StreamEnd::Finish,
        ),
        Reply::json(wire::anthropic_message(
            "claude-sonnet-4-5-20250929",
            "Hi there",
            c,
        )),
    ]);
    let rig = rig(fast());
    for stream in [true, false] {
        let (out, _) = go(
            &rig,
            &spec(
                ProviderKind::Anthropic,
                server.url(),
                "claude-sonnet-4-5",
                stream,
            ),
        )
        .await;
        let r = &out.record;
        assert_eq!((r.status, out.output.as_str()), (RunStatus::Ok, "Hi there"));
        assert_eq!(r.usage, usage(1000, 2000, 500, 300, 0));
        assert_eq!(r.breakdown.total_nano_usd, NanoUsd(9_975_000));
    }
    let req = &server.requests()[0];
    assert_eq!(req.path, "/v1/messages");
    assert_eq!(req.header("x-api-key"), Some("sk-test-key-1234"));
    assert_eq!(req.header("anthropic-version"), Some("2023-06-01"));
    assert_eq!(req.json()["max_tokens"], 256);
    assert_eq!(req.json()["system"], "Be brief.");
}

#[tokio::test]
async fn gemini_stream_takes_the_last_usage_and_bills_thoughts() {
    let c = Counts {
        prompt: 1200,
        cached: 1024,
        output: 50,
        reasoning: 192,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::stream(
            SSE,
            wire::gemini_sse("gemini-2.5-flash", &["Hel", "lo"], c),
            StreamEnd::Finish,
        ),
        Reply::json(wire::gemini_response("gemini-2.5-flash", "Hello", c)),
    ]);
    let rig = rig(fast());
    for stream in [true, false] {
        let (out, _) = go(
            &rig,
            &spec(
                ProviderKind::Gemini,
                server.url(),
                "gemini-2.5-flash",
                stream,
            ),
        )
        .await;
        let r = &out.record;
        assert_eq!((r.status, out.output.as_str()), (RunStatus::Ok, "Hello"));
        assert_eq!(r.usage, usage(176, 1024, 0, 50, 192));
        assert_eq!(r.breakdown.total_nano_usd, NanoUsd(688_520));
        assert_eq!(r.price_key.as_deref(), Some("gemini/gemini-2.5-flash"));
    }
    let reqs = server.requests();
    assert_eq!(
        reqs[0].path,
        "/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse"
    );
    assert_eq!(
        reqs[1].path,
        "/v1beta/models/gemini-2.5-flash:generateContent"
    );
    assert_eq!(reqs[0].header("x-goog-api-key"), Some("sk-test-key-1234"));
    assert_eq!(reqs[0].json()["generationConfig"]["maxOutputTokens"], 256);
}

#[tokio::test]
async fn ollama_ndjson_is_unmetered() {
    let c = Counts {
        prompt: 26,
        output: 290,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![
        Reply::stream(
            "application/x-ndjson",
            wire::ollama_ndjson("llama3.2", &["Hi", "!"], c),
            StreamEnd::Finish,
        ),
        Reply::json(wire::ollama_chat("llama3.2", "Hi!", c)),
    ]);
    let rig = rig(fast());
    for stream in [true, false] {
        let (out, _) = go(
            &rig,
            &spec(ProviderKind::Ollama, server.url(), "llama3.2", stream),
        )
        .await;
        let r = &out.record;
        assert_eq!((r.status, out.output.as_str()), (RunStatus::Ok, "Hi!"));
        assert_eq!(r.usage, usage(26, 0, 0, 290, 0));
        assert_eq!(
            (r.breakdown.total_nano_usd, r.breakdown.cost_source),
            (NanoUsd(0), CostSource::Unmetered)
        );
    }
    assert_eq!(server.requests()[0].path, "/api/chat");
}

#[tokio::test]
async fn openrouter_reported_cost_is_recorded_beside_the_computed_one() {
    let c = Counts {
        prompt: 1000,
        output: 500,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![Reply::stream(
        SSE,
        wire::openai_sse("openai/gpt-4o", &["ok"], Some(c), Some(0.0075)),
        StreamEnd::Finish,
    )]);
    let rig = rig(fast());
    let (out, _) = go(
        &rig,
        &spec(
            ProviderKind::OpenaiCompatible,
            server.url(),
            "openai/gpt-4o",
            true,
        ),
    )
    .await;
    let r = &out.record;
    assert_eq!(r.breakdown.cost_source, CostSource::ProviderReported);
    assert_eq!(r.provider_cost, Some(NanoUsd(7_500_000)));
    let computed: i64 = r.breakdown.lines.iter().map(|l| l.cost_nano_usd.0).sum();
    assert_eq!(computed, 7_500_000);
    assert_eq!(
        server.requests()[0].json()["max_tokens"],
        256,
        "compatible servers get max_tokens"
    );
}

struct ErrCase {
    name: &'static str,
    provider: ProviderKind,
    model: &'static str,
    replies: Vec<Reply>,
    code: &'static str,
    attempts: i64,
}

#[tokio::test]
async fn http_errors_map_to_typed_codes_and_retry_only_when_it_can_help() {
    let c = Counts {
        prompt: 10,
        output: 5,
        ..Counts::default()
    };
    let ok = || Reply::json(wire::openai_chat("gpt-4o", "fine", c));
    let cases = vec![
        ErrCase {
            name: "401",
            provider: ProviderKind::Openai,
            model: "gpt-4o",
            replies: vec![Reply::status_json(
                401,
                wire::openai_error(
                    "invalid_request_error",
                    "invalid_api_key",
                    "Incorrect API key provided: sk-...1234.",
                ),
            )],
            code: "invalid_key",
            attempts: 1,
        },
        ErrCase {
            name: "429 insufficient_quota",
            provider: ProviderKind::Openai,
            model: "gpt-4o",
            replies: vec![
                Reply::status_json(
                    429,
                    wire::openai_error(
                        "insufficient_quota",
                        "insufficient_quota",
                        "You exceeded your current quota.",
                    ),
                )
                .header("retry-after", "0"),
            ],
            code: "quota_exceeded",
            attempts: 1,
        },
        ErrCase {
            name: "402",
            provider: ProviderKind::OpenaiCompatible,
            model: "openai/gpt-4o",
            replies: vec![Reply::status_json(
                402,
                r#"{"error":{"message":"Insufficient credits","code":402}}"#,
            )],
            code: "quota_exceeded",
            attempts: 1,
        },
        ErrCase {
            name: "429 then ok",
            provider: ProviderKind::Openai,
            model: "gpt-4o",
            replies: vec![
                Reply::status_json(
                    429,
                    wire::openai_error("requests", "rate_limit_exceeded", "Rate limit reached"),
                )
                .header("retry-after-ms", "10"),
                ok(),
            ],
            code: "",
            attempts: 2,
        },
        ErrCase {
            name: "500, 503 then ok",
            provider: ProviderKind::Openai,
            model: "gpt-4o",
            replies: vec![
                Reply::status_json(500, wire::openai_error("server_error", "", "boom")),
                Reply::status_json(503, "upstream down"),
                ok(),
            ],
            code: "",
            attempts: 3,
        },
        ErrCase {
            name: "x-should-retry false",
            provider: ProviderKind::Openai,
            model: "gpt-4o",
            replies: vec![
                Reply::status_json(500, wire::openai_error("server_error", "", "boom"))
                    .header("x-should-retry", "false"),
                ok(),
            ],
            code: "provider_unavailable",
            attempts: 1,
        },
        ErrCase {
            name: "529 exhausts retries",
            provider: ProviderKind::Anthropic,
            model: "claude-sonnet-4-5",
            replies: vec![
                Reply::status_json(529, wire::anthropic_error("overloaded_error", "Overloaded"))
                    .header("retry-after", "0"),
            ],
            code: "provider_unavailable",
            attempts: 3,
        },
        ErrCase {
            name: "anthropic spend limit",
            provider: ProviderKind::Anthropic,
            model: "claude-sonnet-4-5",
            replies: vec![Reply::status_json(
                429,
                r#"{"type":"error","error":{"type":"rate_limit_error","message":"Spend limit reached","details":{"error_code":"enforced_spend_limit_reached"}}}"#,
            )],
            code: "quota_exceeded",
            attempts: 1,
        },
        ErrCase {
            name: "context too long",
            provider: ProviderKind::Openai,
            model: "gpt-4o",
            replies: vec![Reply::status_json(
                400,
                wire::openai_error(
                    "invalid_request_error",
                    "context_length_exceeded",
                    "This model's maximum context length is 128000 tokens.",
                ),
            )],
            code: "context_too_long",
            attempts: 1,
        },
        ErrCase {
            name: "model 404",
            provider: ProviderKind::Ollama,
            model: "llama3.2",
            replies: vec![Reply::status_json(
                404,
                r#"{"error":"model \"llama3.2\" not found, try pulling it first"}"#,
            )],
            code: "not_found",
            attempts: 1,
        },
        ErrCase {
            name: "gemini bad key",
            provider: ProviderKind::Gemini,
            model: "gemini-2.5-flash",
            replies: vec![Reply::status_json(
                400,
                wire::gemini_error(
                    400,
                    "INVALID_ARGUMENT",
                    "API key not valid. Please pass a valid API key.",
                ),
            )],
            code: "invalid_key",
            attempts: 1,
        },
        ErrCase {
            name: "malformed JSON",
            provider: ProviderKind::Openai,
            model: "gpt-4o",
            replies: vec![Reply::json("{\"choices\": [")],
            code: "invalid_response",
            attempts: 1,
        },
    ];
    for case in cases {
        let server = FakeServer::start(case.replies);
        let rig = rig(fast());
        let (out, _) = go(&rig, &spec(case.provider, server.url(), case.model, false)).await;
        let r = &out.record;
        assert_eq!(r.attempts, case.attempts, "{}: attempts", case.name);
        assert_eq!(
            server.hits() as i64,
            case.attempts,
            "{}: requests sent",
            case.name
        );
        if case.code.is_empty() {
            assert_eq!(
                r.status,
                RunStatus::Ok,
                "{}: {:?}",
                case.name,
                r.error_message
            );
        } else {
            assert_eq!(r.status, RunStatus::Error, "{}", case.name);
            assert_eq!(
                r.error_code.as_deref(),
                Some(case.code),
                "{}: {:?}",
                case.name,
                r.error_message
            );
            assert_eq!(
                r.breakdown.total_nano_usd,
                NanoUsd(0),
                "{}: nothing billed",
                case.name
            );
            assert!(
                !r.error_message
                    .as_deref()
                    .unwrap_or("")
                    .contains("sk-test-key-1234"),
                "{}: key leaked",
                case.name
            );
        }
        assert_eq!(
            rig.ledger.lock().unwrap().run_count().unwrap(),
            1,
            "{}: recorded",
            case.name
        );
    }
}

#[tokio::test]
async fn error_events_inside_a_200_stream_fail_the_run() {
    let c = Counts {
        prompt: 100,
        output: 50,
        ..Counts::default()
    };
    let mut anthropic = wire::anthropic_sse_head("claude-sonnet-4-5", c);
    anthropic.push(wire::anthropic_delta("Par"));
    anthropic.push(wire::anthropic_error_event(
        "overloaded_error",
        "Overloaded",
    ));
    let mut ollama = wire::ollama_ndjson("llama3.2", &["Hi"], c);
    ollama.pop();
    ollama.push("{\"error\":\"an error was encountered while running the model\"}\n".into());
    for (provider, model, reply) in [
        (
            ProviderKind::Anthropic,
            "claude-sonnet-4-5",
            Reply::stream(SSE, anthropic, StreamEnd::Finish),
        ),
        (
            ProviderKind::Ollama,
            "llama3.2",
            Reply::stream("application/x-ndjson", ollama, StreamEnd::Finish),
        ),
    ] {
        let server = FakeServer::start(vec![reply]);
        let rig = rig(fast());
        let (out, _) = go(&rig, &spec(provider, server.url(), model, true)).await;
        let r = &out.record;
        assert_eq!(
            (r.status, r.error_code.as_deref()),
            (RunStatus::Error, Some("provider_unavailable")),
            "{provider}"
        );
        assert!(!out.output.is_empty(), "{provider}: partial output kept");
        assert_eq!(r.attempts, 1, "{provider}: no retry once streaming");
    }
}

#[tokio::test]
async fn a_cut_stream_keeps_partial_output_and_estimates_the_cost() {
    let c = Counts {
        prompt: 1000,
        cached: 0,
        cache_write: 0,
        output: 300,
        ..Counts::default()
    };
    // Anthropic: input known from message_start, output estimated from the text.
    let mut pieces = wire::anthropic_sse_head("claude-sonnet-4-5", c);
    pieces.push(wire::anthropic_delta("The first part of a longer answer"));
    let server = FakeServer::start(vec![Reply::stream(SSE, pieces, StreamEnd::Cut)]);
    let rig = rig(fast());
    let (out, _) = go(
        &rig,
        &spec(
            ProviderKind::Anthropic,
            server.url(),
            "claude-sonnet-4-5",
            true,
        ),
    )
    .await;
    let r = &out.record;
    assert_eq!(
        (r.status, r.error_code.as_deref()),
        (RunStatus::Interrupted, Some("network"))
    );
    assert_eq!(out.output, "The first part of a longer answer");
    assert_eq!(r.breakdown.cost_source, CostSource::Estimated);
    assert_eq!(r.usage.input_tokens, 1000);
    assert!(r.usage.output_tokens >= 5, "{:?}", r.usage);
    assert!(r.breakdown.total_nano_usd.0 > 3_000_000);

    // OpenAI: no usage before the cut, so input is estimated too.
    let pieces = wire::openai_sse("gpt-4o", &["one ", "two ", "three"], None, None);
    let server = FakeServer::start(vec![Reply::stream(
        SSE,
        pieces[..3].to_vec(),
        StreamEnd::Cut,
    )]);
    let (out, _) = go(
        &rig,
        &spec(ProviderKind::Openai, server.url(), "gpt-4o", true),
    )
    .await;
    assert_eq!(
        (out.record.status, out.output.as_str()),
        (RunStatus::Interrupted, "one two ")
    );
    assert_eq!(out.record.breakdown.cost_source, CostSource::Estimated);
    assert!(out.record.usage.input_tokens > 0);
}

#[tokio::test]
async fn a_stalled_stream_hits_the_idle_timeout() {
    let pieces = wire::openai_sse("gpt-4o", &["slow"], None, None);
    let server = FakeServer::start(vec![Reply::stream(
        SSE,
        pieces[..2].to_vec(),
        StreamEnd::Stall,
    )]);
    let rig = rig(fast());
    let t = std::time::Instant::now();
    let (out, _) = go(
        &rig,
        &spec(ProviderKind::Openai, server.url(), "gpt-4o", true),
    )
    .await;
    assert!(t.elapsed() < Duration::from_secs(5));
    assert_eq!(
        (out.record.status, out.record.error_code.as_deref()),
        (RunStatus::Interrupted, Some("timeout"))
    );
    assert_eq!(out.output, "slow");
}

#[tokio::test]
async fn cancelling_keeps_what_arrived() {
    let pieces = wire::openai_sse("gpt-4o", &["a", "b", "c", "d", "e", "f"], None, None);
    let server = FakeServer::start(vec![
        Reply::stream(SSE, pieces, StreamEnd::Finish).paced(Duration::from_millis(150)),
    ]);
    let rig = rig(fast());
    let spec = spec(ProviderKind::Openai, server.url(), "gpt-4o", true);
    let cancel = CancellationToken::new();
    let stopper = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(500)).await;
        stopper.cancel();
    });
    let out = rig.runner.run(&spec, &mut |_| {}, &cancel).await.unwrap();
    assert_eq!(
        (out.record.status, out.record.error_code.as_deref()),
        (RunStatus::Cancelled, Some("cancelled"))
    );
    assert!(
        !out.output.is_empty() && out.output.len() < 6,
        "{:?}",
        out.output
    );
    assert_eq!(out.record.breakdown.cost_source, CostSource::Estimated);
}

#[tokio::test]
async fn unknown_models_are_refused_before_sending() {
    let server = FakeServer::start(vec![Reply::json("{}")]);
    let rig = rig(fast());
    let err = rig
        .runner
        .run(
            &spec(ProviderKind::Openai, server.url(), "gpt-9-ultra", false),
            &mut |_| {},
            &CancellationToken::new(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code().as_str(), "unknown_model");
    assert_eq!(server.hits(), 0);
}

#[tokio::test]
async fn model_lists_of_each_provider() {
    let client = ProviderClient::new(fast()).unwrap();
    let cases = [
        (
            ProviderKind::Openai,
            Reply::json(wire::openai_models(&["gpt-4o", "gpt-4o-mini"])),
            "/v1/models",
        ),
        (
            ProviderKind::Anthropic,
            Reply::json(
                r#"{"data":[{"type":"model","id":"claude-sonnet-4-5-20250929","display_name":"Claude Sonnet 4.5","created_at":"2025-09-29T00:00:00Z"}],"has_more":false}"#,
            ),
            "/v1/models?limit=1000",
        ),
        (
            ProviderKind::Gemini,
            Reply::json(
                r#"{"models":[{"name":"models/gemini-2.5-flash","displayName":"Gemini 2.5 Flash","inputTokenLimit":1048576}]}"#,
            ),
            "/v1beta/models?pageSize=1000",
        ),
        (
            ProviderKind::Ollama,
            Reply::json(wire::ollama_tags(&["llama3.2:latest"])),
            "/api/tags",
        ),
    ];
    for (provider, reply, path) in cases {
        let server = FakeServer::start(vec![reply]);
        let ep = spec(provider, server.url(), "x", false).endpoint;
        let models = client.list_models(&ep).await.unwrap();
        assert!(!models.is_empty(), "{provider}");
        assert_eq!(server.requests()[0].path, path);
    }
    let server = FakeServer::start(vec![Reply::status_json(
        401,
        wire::openai_error("invalid_request_error", "invalid_api_key", "bad key"),
    )]);
    let ep = spec(ProviderKind::Openai, server.url(), "x", false).endpoint;
    assert_eq!(
        client.list_models(&ep).await.unwrap_err().code().as_str(),
        "invalid_key"
    );
}

#[tokio::test]
async fn concurrent_runs_are_all_recorded() {
    let c = Counts {
        prompt: 10,
        output: 5,
        ..Counts::default()
    };
    let server = FakeServer::start(vec![Reply::json(wire::openai_chat("gpt-4o", "ok", c))]);
    let rig = Arc::new(rig(fast()));
    let mut handles = Vec::new();
    for _ in 0..8 {
        let (rig, url) = (rig.clone(), server.url().to_string());
        handles.push(tokio::spawn(async move {
            let s = spec(ProviderKind::Openai, &url, "gpt-4o", false);
            rig.runner
                .run(&s, &mut |_| {}, &CancellationToken::new())
                .await
                .unwrap()
                .record
                .id
        }));
    }
    let mut ids = Vec::new();
    for h in handles {
        ids.push(h.await.unwrap());
    }
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), 8);
    assert_eq!(rig.ledger.lock().unwrap().run_count().unwrap(), 8);
}

#[tokio::test]
async fn a_server_that_never_answers_times_out_and_is_retried() {
    let server = FakeServer::start(vec![Reply::Stall]);
    let settings = HttpSettings {
        overall_timeout: Duration::from_millis(300),
        max_retries: 1,
        ..fast()
    };
    let rig = rig(settings);
    let (out, _) = go(
        &rig,
        &spec(ProviderKind::Openai, server.url(), "gpt-4o", false),
    )
    .await;
    let r = &out.record;
    assert_eq!(
        (r.status, r.error_code.as_deref()),
        (RunStatus::Error, Some("timeout"))
    );
    assert_eq!((r.attempts, server.hits()), (2, 2));
    assert_eq!(r.breakdown.total_nano_usd, NanoUsd(0));
}

#[tokio::test]
async fn a_refused_connection_is_a_network_error() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let rig = rig(HttpSettings {
        max_retries: 1,
        ..fast()
    });
    let (out, _) = go(
        &rig,
        &spec(
            ProviderKind::Openai,
            &format!("http://127.0.0.1:{port}"),
            "gpt-4o",
            true,
        ),
    )
    .await;
    assert_eq!(
        (out.record.error_code.as_deref(), out.record.attempts),
        (Some("network"), 2)
    );
}
