//! Team export over OTLP against a loopback receiver that decodes what it gets: the GenAI
//! attributes of an OpenAI run with cached and reasoning tokens, an Anthropic run with cache
//! writes, a failed run and a cache hit, in protobuf and JSON; and the outbox's faults — a
//! collector down for 200 runs, a 503 with Retry-After, a 400 that is not retried.

use promptledger_core::ProviderKind;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::otlp::{OtlpProtocol, OtlpSettings};
use promptledger_core::ledger::runs::{NewRun, RunStatus};
use promptledger_core::money::NanoUsd;
use promptledger_core::otel::{self, Exporter, SpanOptions};
use promptledger_core::pricing::{Pricer, TokenUsage};
use promptledger_core::vault::MemoryStore;
use promptledger_testkit::otlp::{Answer, Receiver};
use std::collections::HashSet;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const T0: i64 = 1_796_000_000_000;

fn run(provider: ProviderKind, model: &str, usage: TokenUsage, at: i64) -> NewRun {
    let priced = Pricer::bundled()
        .price_run(
            provider,
            model,
            &usage,
            &promptledger_core::pricing::Billing::at(at),
        )
        .unwrap();
    NewRun {
        started_at_ms: at,
        provider: provider.as_str().into(),
        model_requested: model.into(),
        model_resolved: Some(format!("{model}-2026-01-01")),
        priced: Some(priced),
        status: Some(RunStatus::Ok),
        latency_ms: Some(1500),
        ttft_ms: Some(250),
        attempts: 1,
        key_label: Some("team key".into()),
        tag: Some("support".into()),
        request_id: Some("chatcmpl-abc".into()),
        prompt: Some("Say hi".into()),
        output: Some("Hi!".into()),
        params_json: Some(
            serde_json::json!({"temperature": 0.2, "max_tokens": 64, "stream": true,
                "base_url": "https://api.openai.com/v1", "finish_reason": "stop"})
            .to_string(),
        ),
        ..NewRun::default()
    }
}

fn enabled(url: &str, protocol: OtlpProtocol) -> OtlpSettings {
    OtlpSettings {
        enabled: true,
        endpoint: url.to_string(),
        protocol,
        ..OtlpSettings::default()
    }
}

fn exporter(s: &OtlpSettings) -> Exporter {
    Exporter::new(&otel::target(s, &MemoryStore::default()).unwrap()).unwrap()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

fn drain(ledger: &Arc<Mutex<Ledger>>, e: &Exporter) -> otel::Drained {
    rt().block_on(otel::drain(ledger, e, "salt", SpanOptions::default(), None))
        .unwrap()
}

#[test]
fn spans_carry_the_genai_attributes_in_protobuf_and_json() {
    for protocol in [OtlpProtocol::HttpProtobuf, OtlpProtocol::HttpJson] {
        let receiver = Receiver::start(vec![Answer::Ok]);
        let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
        let settings = enabled(receiver.url(), protocol);
        ledger.lock().unwrap().set_otlp_settings(&settings).unwrap();
        let mut l = ledger.lock().unwrap();
        // OpenAI: 1,000 prompt tokens of which 400 cached; 300 out of which 100 reasoning.
        let openai = l
            .insert_run(&run(
                ProviderKind::Openai,
                "gpt-4o",
                TokenUsage {
                    input_tokens: 600,
                    cached_input_tokens: 400,
                    output_tokens: 200,
                    reasoning_tokens: 100,
                    ..TokenUsage::default()
                },
                T0,
            ))
            .unwrap();
        // Anthropic: 100 uncached + 2,000 cache read + 500 cache write.
        let anthropic = l
            .insert_run(&NewRun {
                conversation_id: None,
                ..run(
                    ProviderKind::Anthropic,
                    "claude-sonnet-4-5",
                    TokenUsage {
                        input_tokens: 100,
                        cached_input_tokens: 2000,
                        cache_write_tokens: 500,
                        output_tokens: 50,
                        ..TokenUsage::default()
                    },
                    T0 + 1000,
                )
            })
            .unwrap();
        let failed = l
            .insert_run(&NewRun {
                status: Some(RunStatus::Error),
                error_code: Some("rate_limited".into()),
                error_message: Some("OpenAI: slow down".into()),
                priced: None,
                ..run(
                    ProviderKind::Openai,
                    "gpt-4o-mini",
                    TokenUsage::default(),
                    T0 + 2000,
                )
            })
            .unwrap();
        let hit = l
            .insert_run(&NewRun {
                cache_hit: true,
                saved_nano: NanoUsd(4_500),
                priced: None,
                ..run(
                    ProviderKind::Openai,
                    "gpt-4o-mini",
                    TokenUsage::default(),
                    T0 + 3000,
                )
            })
            .unwrap();
        assert_eq!(l.otlp_backlog().unwrap().waiting, 4, "queued with the runs");
        let openai_cost = l.run(openai).unwrap().cost().unwrap();
        drop(l);

        let out = drain(&ledger, &exporter(&settings));
        assert_eq!(
            (out.sent, out.accepted, out.rejected, out.left),
            (4, 4, 0, 0),
            "{out:?}"
        );
        let spans = receiver.spans();
        let by_id = |id: i64| {
            spans
                .iter()
                .find(|s| s.attr("promptledger.run_id") == &serde_json::json!(id))
                .unwrap()
                .clone()
        };
        let o = by_id(openai);
        assert!(o.encoding.1, "gzip");
        assert_eq!(o.name, "chat gpt-4o");
        assert_eq!(o.kind, 3, "CLIENT");
        assert_eq!(o.start_ns, T0 as u64 * 1_000_000);
        assert_eq!(o.end_ns, (T0 as u64 + 1500) * 1_000_000);
        assert_eq!(o.attr("gen_ai.operation.name"), "chat");
        assert_eq!(o.attr("gen_ai.provider.name"), "openai");
        assert_eq!(o.attr("gen_ai.system"), "openai");
        assert_eq!(o.attr("gen_ai.request.model"), "gpt-4o");
        assert_eq!(o.attr("gen_ai.response.model"), "gpt-4o-2026-01-01");
        assert_eq!(o.attr("gen_ai.response.id"), "chatcmpl-abc");
        assert_eq!(
            o.attr("gen_ai.response.finish_reasons"),
            &serde_json::json!(["stop"])
        );
        assert_eq!(o.attr("gen_ai.request.stream"), true);
        assert_eq!(o.attr("gen_ai.response.time_to_first_chunk"), 0.25);
        assert_eq!(o.attr("gen_ai.request.temperature"), 0.2);
        assert_eq!(o.attr("gen_ai.request.max_tokens"), 64);
        assert_eq!(o.attr("gen_ai.usage.input_tokens"), 1000);
        assert_eq!(o.attr("gen_ai.usage.cache_read.input_tokens"), 400);
        assert_eq!(o.attr("gen_ai.usage.output_tokens"), 300);
        assert_eq!(o.attr("gen_ai.usage.reasoning.output_tokens"), 100);
        assert_eq!(o.attr("promptledger.cost.nano_usd"), openai_cost.0);
        assert_eq!(o.attr("gen_ai.usage.cost"), openai_cost.as_usd_f64());
        assert_eq!(o.attr("promptledger.key_label"), "team key");
        assert_eq!(o.attr("promptledger.tag"), "support");
        assert_eq!(o.attr("server.address"), "api.openai.com");
        assert_eq!(o.attr("server.port"), 443);
        assert!(
            o.attr("promptledger.price_table_version")
                .as_str()
                .unwrap()
                .starts_with("litellm-")
        );
        assert_eq!(
            o.attr("gen_ai.input.messages"),
            &serde_json::Value::Null,
            "text is opt-in"
        );
        assert_eq!(o.status.0, 0);
        assert_eq!(o.resource["service.name"], "promptledger");

        let a = by_id(anthropic);
        assert_eq!(a.attr("gen_ai.provider.name"), "anthropic");
        assert_eq!(
            a.attr("gen_ai.usage.input_tokens"),
            2600,
            "uncached + read + write"
        );
        assert_eq!(a.attr("gen_ai.usage.cache_write.input_tokens"), 500);
        assert_eq!(
            a.attr("gen_ai.usage.cache_creation.input_tokens"),
            500,
            "the previous name too"
        );

        let f = by_id(failed);
        assert_eq!(f.attr("error.type"), "rate_limited");
        assert_eq!(f.status, (2, "OpenAI: slow down".to_string()));

        let h = by_id(hit);
        assert_eq!(h.attr("promptledger.cache_hit"), true);
        assert_eq!(h.attr("promptledger.saved.nano_usd"), 4500);
        assert_eq!(h.attr("promptledger.cost.nano_usd"), 0);
        let ids: HashSet<&str> = spans.iter().map(|s| s.span_id.as_str()).collect();
        assert_eq!(ids.len(), 4);
        assert_eq!(
            o.encoding.0,
            match protocol {
                OtlpProtocol::HttpProtobuf => "protobuf",
                OtlpProtocol::HttpJson => "json",
            }
        );
    }
}

#[test]
fn text_goes_along_only_when_opted_in() {
    let receiver = Receiver::start(vec![Answer::Ok]);
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let settings = OtlpSettings {
        include_text: true,
        ..enabled(receiver.url(), OtlpProtocol::HttpProtobuf)
    };
    ledger.lock().unwrap().set_otlp_settings(&settings).unwrap();
    ledger
        .lock()
        .unwrap()
        .insert_run(&run(
            ProviderKind::Openai,
            "gpt-4o",
            TokenUsage::default(),
            T0,
        ))
        .unwrap();
    let e = exporter(&settings);
    rt().block_on(otel::drain(
        &ledger,
        &e,
        "salt",
        SpanOptions { include_text: true },
        None,
    ))
    .unwrap();
    let s = &receiver.spans()[0];
    let input: serde_json::Value =
        serde_json::from_str(s.attr("gen_ai.input.messages").as_str().unwrap()).unwrap();
    assert_eq!(input[0]["parts"][0]["content"], "Say hi");
}

#[test]
fn a_collector_down_for_200_runs_gets_all_200_exactly_once_when_it_is_back() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let url = format!("http://127.0.0.1:{port}");
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let settings = enabled(&url, OtlpProtocol::HttpProtobuf);
    ledger.lock().unwrap().set_otlp_settings(&settings).unwrap();
    let e = exporter(&settings);
    for i in 0..200 {
        ledger
            .lock()
            .unwrap()
            .insert_run(&run(
                ProviderKind::Openai,
                "gpt-4o-mini",
                TokenUsage::default(),
                T0 + i,
            ))
            .unwrap();
    }
    let down = drain(&ledger, &e);
    assert_eq!((down.accepted, down.left), (0, 200), "{down:?}");
    let backlog = ledger.lock().unwrap().otlp_backlog().unwrap();
    assert!(backlog.last_error.unwrap().contains("unreachable"));
    assert!(backlog.failing_since_ms.is_some());
    // The collector comes back; the runs are due after their backoff.
    let receiver = Receiver::start_on(port, vec![Answer::Ok]);
    std::thread::sleep(Duration::from_millis(1100));
    let up = drain(&ledger, &e);
    assert_eq!((up.accepted, up.left), (200, 0), "{up:?}");
    let spans = receiver.spans();
    let runs: HashSet<i64> = spans
        .iter()
        .map(|s| s.attr("promptledger.run_id").as_i64().unwrap())
        .collect();
    assert_eq!(
        (spans.len(), runs.len()),
        (200, 200),
        "each run exactly once"
    );
    let backlog = ledger.lock().unwrap().otlp_backlog().unwrap();
    assert_eq!((backlog.waiting, backlog.last_error), (0, None));
    assert!(backlog.last_success_at_ms.is_some());
}

#[test]
fn a_503_with_retry_after_waits_and_a_400_is_not_retried() {
    let receiver = Receiver::start(vec![Answer::Status(503, Some(1)), Answer::Ok]);
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let settings = enabled(receiver.url(), OtlpProtocol::HttpJson);
    ledger.lock().unwrap().set_otlp_settings(&settings).unwrap();
    let e = exporter(&settings);
    ledger
        .lock()
        .unwrap()
        .insert_run(&run(
            ProviderKind::Openai,
            "gpt-4o",
            TokenUsage::default(),
            T0,
        ))
        .unwrap();
    let first = drain(&ledger, &e);
    assert_eq!(first.left, 1);
    assert!(first.error.unwrap().contains("HTTP 503"));
    let early = drain(&ledger, &e);
    assert_eq!(early.sent, 0, "not before its Retry-After");
    std::thread::sleep(Duration::from_millis(1050));
    let later = drain(&ledger, &e);
    assert_eq!((later.accepted, later.left), (1, 0));
    assert_eq!(receiver.requests().len(), 2);

    receiver.answer(vec![Answer::Status(400, None)]);
    ledger
        .lock()
        .unwrap()
        .insert_run(&run(
            ProviderKind::Openai,
            "gpt-4o",
            TokenUsage::default(),
            T0 + 1,
        ))
        .unwrap();
    let refused = drain(&ledger, &e);
    assert_eq!((refused.rejected, refused.left), (1, 0));
    assert!(
        refused.error.as_deref().unwrap().contains("HTTP 400"),
        "{refused:?}"
    );
    let backlog = ledger.lock().unwrap().otlp_backlog().unwrap();
    assert_eq!(backlog.rejected, 1);
    assert!(backlog.last_error.unwrap().contains("the receiver says no"));
    drain(&ledger, &e);
    assert_eq!(receiver.requests().len(), 3, "a 400 is not sent again");
}

#[test]
fn a_partial_success_counts_the_rejected_spans() {
    let receiver = Receiver::start(vec![Answer::Partial(1)]);
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let settings = enabled(receiver.url(), OtlpProtocol::HttpProtobuf);
    ledger.lock().unwrap().set_otlp_settings(&settings).unwrap();
    for i in 0..3 {
        ledger
            .lock()
            .unwrap()
            .insert_run(&run(
                ProviderKind::Openai,
                "gpt-4o",
                TokenUsage::default(),
                T0 + i,
            ))
            .unwrap();
    }
    let out = drain(&ledger, &exporter(&settings));
    assert_eq!(
        (out.sent, out.accepted, out.rejected, out.left),
        (3, 2, 1, 0)
    );
}

#[test]
fn runs_recorded_while_the_export_is_off_are_not_queued() {
    let mut l = Ledger::open_in_memory().unwrap();
    l.insert_run(&run(
        ProviderKind::Openai,
        "gpt-4o",
        TokenUsage::default(),
        T0,
    ))
    .unwrap();
    l.set_otlp_settings(&enabled("http://127.0.0.1:9", OtlpProtocol::HttpProtobuf))
        .unwrap();
    assert_eq!(l.otlp_backlog().unwrap().waiting, 0);
    let id = l
        .insert_run(&run(
            ProviderKind::Openai,
            "gpt-4o",
            TokenUsage::default(),
            T0,
        ))
        .unwrap();
    assert_eq!(l.otlp_backlog().unwrap().waiting, 1);
    l.delete_run(id).unwrap();
    assert_eq!(
        l.otlp_backlog().unwrap().waiting,
        0,
        "a deleted run leaves the outbox"
    );
}
