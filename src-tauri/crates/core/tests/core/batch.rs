//! Batch jobs end to end against loopback servers: a CSV with awkward cells, a row missing a
//! variable, a block budget refusing a job, a live job paused and resumed (and one whose process
//! "died" with a row in flight) without any row sent twice, and provider batches on OpenAI and
//! Anthropic — unordered results, an errored and an expired line, batch prices from the table.

use promptledger_core::batch::results::ResultFormat;
use promptledger_core::batch::service::JobPrompt;
use promptledger_core::batch::{
    BatchMode, BatchService, DataFormat, Dataset, JobControl, JobRequest, JobStatus,
};
use promptledger_core::keys::KeyManager;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::budgets::{BudgetMode, BudgetPeriod, BudgetScope, NewBudget};
use promptledger_core::ledger::keys::NewKeyRecord;
use promptledger_core::ledger::runs::RunStatus;
use promptledger_core::pricing::Pricer;
use promptledger_core::providers::{HttpSettings, ProviderClient};
use promptledger_core::runner::{KeySource, RunService, Runner, TargetRequest};
use promptledger_core::vault::{MemoryStore, Secret, SecretStore};
use promptledger_core::{ErrorCode, NanoUsd, ProviderKind};
use promptledger_testkit::batch::{BatchBehaviour, BatchServer};
use promptledger_testkit::wire::{self, Counts};
use promptledger_testkit::{FakeServer, Reply};
use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

struct Rig {
    batch: BatchService,
    ledger: Arc<Mutex<Ledger>>,
}

/// A batch service over `ledger` with an OpenAI key at `openai_url` (…/v1) and an Anthropic key
/// at `anthropic_url`.
fn rig_on(ledger: Ledger, openai_url: &str, anthropic_url: &str) -> Rig {
    let ledger = Arc::new(Mutex::new(ledger));
    let store = Arc::new(MemoryStore::default());
    for (id, provider, url) in [
        ("k-openai", "openai", openai_url),
        ("k-anthropic", "anthropic", anthropic_url),
    ] {
        store.put(id, &Secret::new("sk-test-batch-0000")).unwrap();
        ledger
            .lock()
            .unwrap()
            .insert_key(
                &NewKeyRecord {
                    id: id.into(),
                    provider: provider.into(),
                    label: format!("{provider} key"),
                    last_four: "0000".into(),
                    base_url: Some(url.to_string()),
                    organization: None,
                    project: None,
                    display_name: None,
                },
                0,
            )
            .unwrap();
    }
    let client = ProviderClient::new(HttpSettings {
        max_retries: 0,
        ..HttpSettings::default()
    })
    .unwrap();
    let keys = KeyManager::new(store, client.clone(), ledger.clone());
    let runner = Runner::new(client, ledger.clone(), Pricer::bundled());
    Rig {
        batch: BatchService::new(RunService::new(runner, keys, KeySource::Keychain)),
        ledger,
    }
}

fn rig(openai_url: &str, anthropic_url: &str) -> Rig {
    rig_on(Ledger::open_in_memory().unwrap(), openai_url, anthropic_url)
}

fn csv(rows: usize) -> Dataset {
    let mut text = String::from("id,text\n");
    for i in 1..=rows {
        text.push_str(&format!("{i},\"ticket {i}, urgent\"\n"));
    }
    Dataset::parse("tickets.csv", text.as_bytes(), DataFormat::Csv).unwrap()
}

fn job(dataset: Dataset, targets: Vec<TargetRequest>, mode: BatchMode) -> JobRequest {
    JobRequest {
        mode,
        ..JobRequest::new(
            JobPrompt::Text("Classify {{text}} (#{{id}})".into()),
            dataset,
            targets,
        )
    }
}

fn openai(model: &str) -> TargetRequest {
    TargetRequest {
        max_tokens: Some(50),
        ..TargetRequest::new(ProviderKind::Openai, model)
    }
}

fn anthropic(model: &str) -> TargetRequest {
    TargetRequest {
        max_tokens: Some(50),
        ..TargetRequest::new(ProviderKind::Anthropic, model)
    }
}

/// A chat server answering every request at once, counting requests per prompt.
fn chat_server() -> FakeServer {
    FakeServer::with_handler(|_| {
        Reply::json(wire::openai_chat(
            "gpt-4o-mini",
            "billing",
            Counts {
                prompt: 30,
                output: 2,
                ..Counts::default()
            },
        ))
    })
}

fn prompts_sent(server: &FakeServer) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for r in server.requests() {
        let p = r.json()["messages"][0]["content"]
            .as_str()
            .unwrap_or("")
            .to_string();
        *seen.entry(p).or_insert(0) += 1;
    }
    seen
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn cells_with_quotes_commas_newlines_and_non_ascii_reach_the_provider_intact() {
    let server = chat_server();
    let rig = rig(&format!("{}/v1", server.url()), server.url());
    let text = "id,text\n1,\"He said \"\"hi\"\", then left\nsecond line\"\n2,Ünïcödé 東京 🚀\n";
    let data = Dataset::parse("t.csv", text.as_bytes(), DataFormat::Csv).unwrap();
    let created = rig
        .batch
        .create(&job(data, vec![openai("gpt-4o-mini")], BatchMode::Live))
        .unwrap();
    let s = rt()
        .block_on(rig.batch.run(created.id, &JobControl::default(), &|_| {}))
        .unwrap();
    assert_eq!((s.status, s.done, s.failed), (JobStatus::Done, 2, 0));
    let sent = prompts_sent(&server);
    assert!(
        sent.contains_key("Classify He said \"hi\", then left\nsecond line (#1)"),
        "{sent:?}"
    );
    assert!(
        sent.contains_key("Classify Ünïcödé 東京 🚀 (#2)"),
        "{sent:?}"
    );
}

#[test]
fn a_row_missing_a_variable_is_named_and_nothing_is_sent() {
    let server = chat_server();
    let rig = rig(&format!("{}/v1", server.url()), server.url());
    let data = Dataset::parse(
        "t.jsonl",
        b"{\"id\":1,\"text\":\"a\"}\n{\"id\":2}\n",
        DataFormat::Jsonl,
    )
    .unwrap();
    let e = rig
        .batch
        .create(&job(data, vec![openai("gpt-4o-mini")], BatchMode::Live))
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::InvalidInput);
    assert!(
        e.to_string().contains("row 2 has no value for `text`"),
        "{e}"
    );
    assert_eq!(server.hits(), 0);
    assert!(rig.ledger.lock().unwrap().batch_jobs().unwrap().is_empty());
}

#[test]
fn a_block_budget_refuses_the_whole_job_unless_overridden_once() {
    let server = chat_server();
    let rig = rig(&format!("{}/v1", server.url()), server.url());
    rig.ledger
        .lock()
        .unwrap()
        .add_budget(&NewBudget {
            name: "Tiny".into(),
            scope: BudgetScope::All,
            period: BudgetPeriod::Day,
            limit_nano: NanoUsd(20_000),
            mode: BudgetMode::Block,
        })
        .unwrap();
    // 40 rows × up to 50 output tokens of gpt-4o-mini: far above $0.00002 as a whole, though
    // each row alone is not.
    let req = job(csv(40), vec![openai("gpt-4o-mini")], BatchMode::Live);
    let estimate = rig.batch.estimate(&req).unwrap();
    assert!(estimate.budgets.iter().any(|b| b.would_exceed));
    let e = rig.batch.create(&req).unwrap_err();
    assert_eq!(e.code(), ErrorCode::BudgetExceeded, "{e}");
    assert_eq!(server.hits(), 0);
    assert!(rig.ledger.lock().unwrap().batch_jobs().unwrap().is_empty());
    let job = rig
        .batch
        .create(&JobRequest {
            override_budget: true,
            ..req
        })
        .unwrap();
    let s = rt()
        .block_on(rig.batch.run(job.id, &JobControl::default(), &|_| {}))
        .unwrap();
    assert_eq!(s.done, 40, "the override holds for every row of this job");
}

#[test]
fn a_live_job_paused_then_resumed_sends_every_row_exactly_once() {
    let server = chat_server();
    let rig = rig(&format!("{}/v1", server.url()), server.url());
    let created = rig
        .batch
        .create(&JobRequest {
            concurrency: 4,
            ..job(
                csv(60),
                vec![openai("gpt-4o-mini"), openai("gpt-4o")],
                BatchMode::Live,
            )
        })
        .unwrap();
    assert_eq!(created.estimate.rows, 60);
    let control = JobControl::default();
    let seen = AtomicUsize::new(0);
    let pause = control.pause.clone();
    let first = rt()
        .block_on(rig.batch.run(created.id, &control, &|s| {
            seen.store((s.done + s.failed) as usize, Ordering::SeqCst);
            if s.done >= 30 {
                pause.cancel();
            }
        }))
        .unwrap();
    assert_eq!(first.status, JobStatus::Paused);
    assert!(first.remaining > 0 && first.remaining < 120, "{first:?}");
    let done = rt()
        .block_on(rig.batch.run(created.id, &JobControl::default(), &|_| {}))
        .unwrap();
    assert_eq!(
        (done.status, done.done, done.remaining),
        (JobStatus::Done, 120, 0)
    );
    assert_eq!(server.hits(), 120, "no row × target sent twice");
    assert!(
        prompts_sent(&server).values().all(|n| *n == 2),
        "each prompt once per target"
    );
    let l = rig.ledger.lock().unwrap();
    assert_eq!(l.run_count().unwrap(), 120);
    let cost = l.batch_counts(created.id).unwrap().cost;
    assert_eq!(done.cost_nano_usd, cost);
    assert!(cost > NanoUsd::ZERO);
}

#[test]
fn a_row_in_flight_when_its_process_died_is_recorded_and_not_sent_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let server = chat_server();
    let rig = rig_on(
        Ledger::open(&path).unwrap(),
        &format!("{}/v1", server.url()),
        server.url(),
    );
    let created = rig
        .batch
        .create(&job(csv(5), vec![openai("gpt-4o-mini")], BatchMode::Live))
        .unwrap();
    // A write-ahead row for row 3 from a process that no longer exists.
    {
        let conn = rusqlite::Connection::open(&path).unwrap();
        conn.execute(
            "INSERT INTO runs_in_flight (owner, started_at_ms, provider, model_requested,
                prompt, estimate_json, reserved_nano, batch_job_id, batch_row, batch_target)
             VALUES ('linux:4194304:1', 1, 'openai', 'gpt-4o-mini', 'Classify ticket 3, urgent (#3)',
                'null', 0, ?1, 3, 0)",
            [created.id],
        )
        .unwrap();
    }
    let s = rt()
        .block_on(rig.batch.run(created.id, &JobControl::default(), &|_| {}))
        .unwrap();
    assert_eq!((s.status, s.done, s.failed), (JobStatus::Done, 4, 1));
    assert_eq!(
        server.hits(),
        4,
        "row 3 may have been billed: it is not sent again"
    );
    let rows = rig.batch.results(created.id, 0, 10).unwrap();
    assert_eq!(rows[2].status, "interrupted");
    assert!(
        rows[2]
            .error
            .as_deref()
            .unwrap()
            .starts_with("process_ended")
    );
}

#[test]
fn results_export_as_csv_one_line_per_row_and_target() {
    let server = chat_server();
    let rig = rig(&format!("{}/v1", server.url()), server.url());
    let created = rig
        .batch
        .create(&job(
            csv(3),
            vec![openai("gpt-4o-mini"), openai("gpt-4o")],
            BatchMode::Live,
        ))
        .unwrap();
    rt().block_on(rig.batch.run(created.id, &JobControl::default(), &|_| {}))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (path, n) = rig
        .batch
        .export_results(created.id, &dir.path().join("out.csv"), ResultFormat::Csv)
        .unwrap();
    assert_eq!(n, 6);
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    assert_eq!(
        lines.next().unwrap(),
        "id,text,target,status,output,input_tokens,output_tokens,cost_usd,run_id"
    );
    let first = lines.next().unwrap();
    assert!(
        first.starts_with("1,\"ticket 1, urgent\",openai/gpt-4o-mini · max 50,ok,billing,30,2,"),
        "{first}"
    );
}

#[test]
fn an_openai_batch_is_priced_at_the_tables_batch_rates_with_errored_and_expired_lines() {
    let fake = BatchServer::start(BatchBehaviour {
        errored: vec!["r2-t0".into()],
        expired: vec!["r4-t0".into()],
        counts: Counts {
            prompt: 100,
            cached: 40,
            output: 20,
            ..Counts::default()
        },
        ..BatchBehaviour::default()
    });
    let rig = rig(&fake.openai_url(), &fake.anthropic_url());
    let req = job(csv(6), vec![openai("gpt-4o-mini")], BatchMode::Provider);
    let estimate = rig.batch.estimate(&req).unwrap();
    let batch = estimate.batch.unwrap();
    assert!(batch.max_nano < estimate.live.max_nano);
    assert_eq!(estimate.per_target[0].batch_rates.as_deref(), Some("batch"));
    let created = rig.batch.create(&req).unwrap();
    let first = rt()
        .block_on(rig.batch.run(created.id, &JobControl::default(), &|_| {}))
        .unwrap();
    assert_eq!(first.status, JobStatus::Submitted, "still in progress");
    assert_eq!((fake.batches(), fake.batched_requests()), (1, 6));
    let s = rt().block_on(rig.batch.poll(created.id)).unwrap();
    assert_eq!(
        (s.status, s.done, s.failed, s.remaining),
        (JobStatus::Done, 4, 2, 0)
    );
    // Per completed line: 60 uncached × $0.075/M + 40 cached × $0.0375/M (the model's own
    // batch discount: the table lists no cached batch rate) + 20 out × $0.30/M = 12,000 nano.
    assert_eq!(s.cost_nano_usd, NanoUsd(4 * 12_000));
    assert_eq!(s.saved_nano_usd, NanoUsd(4 * 12_000), "half of standard");
    let rows = rig.batch.results(created.id, 0, 10).unwrap();
    assert_eq!(rows[0].output.as_deref(), Some("answer r1-t0"));
    assert_eq!(rows[1].status, "error");
    assert!(
        rows[1]
            .error
            .as_deref()
            .unwrap()
            .starts_with("invalid_request"),
        "{:?}",
        rows[1]
    );
    assert_eq!(rows[3].status, "error");
    assert!(
        rows[3]
            .error
            .as_deref()
            .unwrap()
            .starts_with("batch_expired")
    );
    assert_eq!(rows[3].cost_nano, Some(NanoUsd::ZERO), "not billed");
    let l = rig.ledger.lock().unwrap();
    let run = l.run(rows[0].run_id.unwrap()).unwrap();
    assert_eq!(run.breakdown.rate_set, "batch");
    assert_eq!(run.usage.cached_input_tokens, 40);
    // Polling again records nothing twice.
    drop(l);
    rt().block_on(rig.batch.poll(created.id)).unwrap();
    assert_eq!(rig.ledger.lock().unwrap().run_count().unwrap(), 6);
    let uploads = fake
        .requests()
        .iter()
        .filter(|r| r.path == "/v1/files" && r.method == "POST")
        .count();
    assert_eq!(uploads, 1);
}

#[test]
fn an_anthropic_batch_records_unordered_results_with_cache_reads_and_writes_at_batch_rates() {
    let fake = BatchServer::start(BatchBehaviour {
        errored: vec!["r1-t0".into()],
        expired: vec!["r3-t0".into()],
        counts: Counts {
            prompt: 100,
            cached: 40,
            cache_write: 10,
            output: 20,
            ..Counts::default()
        },
        polls_before_end: 2,
        ..BatchBehaviour::default()
    });
    let rig = rig(&fake.openai_url(), &fake.anthropic_url());
    let created = rig
        .batch
        .create(&job(
            csv(4),
            vec![anthropic("claude-haiku-4-5")],
            BatchMode::Provider,
        ))
        .unwrap();
    let rt = rt();
    let mut s = rt
        .block_on(rig.batch.run(created.id, &JobControl::default(), &|_| {}))
        .unwrap();
    while s.status == JobStatus::Submitted {
        s = rt.block_on(rig.batch.poll(created.id)).unwrap();
    }
    assert_eq!((s.status, s.done, s.failed), (JobStatus::Done, 2, 2));
    // 100 in × $0.50/M + 40 cache read × $0.05/M + 10 cache write × $0.625/M + 20 out × $2.50/M.
    assert_eq!(s.cost_nano_usd, NanoUsd(2 * 108_250));
    let rows = rig.batch.results(created.id, 0, 10).unwrap();
    assert_eq!(rows[1].output.as_deref(), Some("answer r2-t0"));
    assert_eq!(rows[0].status, "error");
    assert!(
        rows[2]
            .error
            .as_deref()
            .unwrap()
            .starts_with("batch_expired")
    );
}

#[test]
fn cancelling_a_provider_batch_cancels_it_at_the_provider_and_records_what_finished() {
    let fake = BatchServer::start(BatchBehaviour {
        polls_before_end: 10,
        ..BatchBehaviour::default()
    });
    let rig = rig(&fake.openai_url(), &fake.anthropic_url());
    let created = rig
        .batch
        .create(&job(
            csv(4),
            vec![openai("gpt-4o-mini")],
            BatchMode::Provider,
        ))
        .unwrap();
    let rt = rt();
    rt.block_on(rig.batch.run(created.id, &JobControl::default(), &|_| {}))
        .unwrap();
    let s = rt.block_on(rig.batch.cancel(created.id)).unwrap();
    assert_eq!(s.status, JobStatus::Cancelled, "{s:?}");
    assert!(
        fake.requests()
            .iter()
            .any(|r| r.method == "POST" && r.path.ends_with("/cancel"))
    );
    let rows = rig.batch.results(created.id, 0, 10).unwrap();
    let statuses: Vec<&str> = rows.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["ok", "ok", "cancelled", "cancelled"]);
    assert_eq!(
        rows.iter()
            .filter(|r| r.status == RunStatus::Ok.as_str())
            .count(),
        2
    );
}

#[test]
fn a_provider_job_whose_process_ended_before_submitting_is_submitted_by_the_next_poll() {
    let fake = BatchServer::start(BatchBehaviour::default());
    let rig = rig(&fake.openai_url(), &fake.anthropic_url());
    let created = rig
        .batch
        .create(&job(
            csv(3),
            vec![openai("gpt-4o-mini")],
            BatchMode::Provider,
        ))
        .unwrap();
    assert_eq!(fake.batches(), 0, "created, never submitted");
    let rt = rt();
    let mut s = rt.block_on(rig.batch.poll(created.id)).unwrap();
    assert_eq!(fake.batches(), 1);
    while s.status == JobStatus::Submitted {
        s = rt.block_on(rig.batch.poll(created.id)).unwrap();
    }
    assert_eq!((s.status, s.done), (JobStatus::Done, 3));
    assert_eq!(fake.batches(), 1, "submitted once");
    let totals = rig
        .ledger
        .lock()
        .unwrap()
        .batch_target_totals(created.id)
        .unwrap();
    assert_eq!(
        (totals.len(), totals[0].ok, totals[0].input_tokens),
        (1, 3, 300)
    );
    assert_eq!(totals[0].saved_nano, s.saved_nano_usd);
    // A page of results starts where asked.
    let page = rig.batch.results(created.id, 1, 1).unwrap();
    assert_eq!((page.len(), page[0].row), (1, 2));
}

#[test]
fn provider_mode_is_refused_for_a_provider_without_a_batch_api() {
    let rig = rig("http://127.0.0.1:9/v1", "http://127.0.0.1:9");
    let e = rig
        .batch
        .estimate(&job(
            csv(2),
            vec![TargetRequest::new(
                ProviderKind::Groq,
                "llama-3.3-70b-versatile",
            )],
            BatchMode::Provider,
        ))
        .unwrap_err();
    assert!(e.to_string().contains("has no Batch API"), "{e}");
}
