//! Reconciliation against loopback servers speaking the billing APIs: exact nano conversion of
//! awkward values, a day that matches, a day with outside spend ("not made here"), provisional
//! and empty days, pagination over 3 pages, retries on 429, admin keys refused before save when
//! invalid and refused for inference always, OpenAI key → project mapping, OpenRouter lookups.

use chrono::{Days, NaiveDate};
use promptledger_core::ProviderKind;
use promptledger_core::analytics::{DashboardQuery, Filters, Period, Preset};
use promptledger_core::billing::reconcile::{ReconcileQuery, ReconcileReport, ReconcileStatus};
use promptledger_core::billing::{DayRange, sync_range, today_utc};
use promptledger_core::keys::admin::NewAdminKey;
use promptledger_core::keys::{KeyManager, KeySource, NewKey};
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::keys::NewKeyRecord;
use promptledger_core::ledger::runs::NewRun;
use promptledger_core::pricing::TokenUsage;
use promptledger_core::providers::{HttpSettings, ProviderClient};
use promptledger_core::vault::{MemoryStore, Secret, SecretStore};
use promptledger_testkit::billing::{
    AnthropicCost, AnthropicUsage, BillingData, BillingServer, OpenAiCost, OpenAiUsage,
};
use std::sync::{Arc, Mutex};

struct Rig {
    keys: KeyManager,
    store: Arc<MemoryStore>,
    ledger: Arc<Mutex<Ledger>>,
}

fn rig() -> Rig {
    let ledger = Arc::new(Mutex::new(Ledger::open_in_memory().unwrap()));
    let store = Arc::new(MemoryStore::default());
    let client = ProviderClient::new(HttpSettings {
        max_retries: 2,
        initial_backoff: std::time::Duration::from_millis(5),
        ..HttpSettings::default()
    })
    .unwrap();
    Rig {
        keys: KeyManager::new(store.clone(), client, ledger.clone()),
        store,
        ledger,
    }
}

fn admin_secret() -> String {
    format!("{}{}", "sk-admin-", "billing-reader-0123456789abcdef")
}

fn inference_secret() -> String {
    format!(
        "{}{}{}",
        "sk-proj-", "abcdefghijklmnopqrstuvwxyz0123", "WXYZ"
    )
}

fn days_ago(n: u64) -> NaiveDate {
    today_utc() - Days::new(n)
}

/// Records an ok run at noon UTC of `day`; returns (tokens, cost nano).
fn record(
    ledger: &Arc<Mutex<Ledger>>,
    provider: ProviderKind,
    model: &str,
    resolved: &str,
    key: Option<&str>,
    day: NaiveDate,
    usage: TokenUsage,
) -> (i64, i64) {
    let mut l = ledger.lock().unwrap();
    let priced = l.pricer().unwrap().price(provider, model, &usage).unwrap();
    let cost = priced.breakdown.total_nano_usd.0;
    let at = day
        .and_hms_opt(12, 0, 0)
        .unwrap()
        .and_utc()
        .timestamp_millis();
    l.insert_run(&NewRun {
        started_at_ms: at,
        provider: provider.as_str().into(),
        model_requested: model.into(),
        model_resolved: Some(resolved.into()),
        priced: Some(priced),
        key_id: key.map(str::to_string),
        attempts: 1,
        ..NewRun::default()
    })
    .unwrap();
    let tokens = usage.input_tokens
        + usage.cached_input_tokens
        + usage.cache_write_tokens
        + usage.cache_write_1h_tokens
        + usage.output_tokens
        + usage.reasoning_tokens;
    (i64::try_from(tokens).unwrap(), cost)
}

/// Dollars as the exact decimal text OpenAI would send.
fn usd(nano: i64) -> String {
    format!("{}.{:09}", nano / 1_000_000_000, nano % 1_000_000_000)
}

/// Cents as the decimal string Anthropic sends.
fn cents(nano: i64) -> String {
    format!("{}.{:07}", nano / 10_000_000, nano % 10_000_000)
}

fn report(r: &Rig, provider: Option<ProviderKind>, from: NaiveDate) -> ReconcileReport {
    r.ledger
        .lock()
        .unwrap()
        .reconcile(&ReconcileQuery {
            range: DayRange::new(from, today_utc()).unwrap(),
            provider,
            today: today_utc(),
        })
        .unwrap()
}

async fn add_admin(r: &Rig, provider: ProviderKind, url: String) {
    r.keys
        .add_admin(NewAdminKey {
            provider,
            label: "billing".into(),
            secret: Secret::new(admin_secret()),
            base_url: Some(url),
        })
        .await
        .unwrap();
}

#[tokio::test]
async fn openai_matches_a_day_flags_outside_spend_and_maps_keys_to_projects() {
    let r = rig();
    // A saved inference key: its secret matches the project key `key_a`'s redacted value.
    r.ledger
        .lock()
        .unwrap()
        .insert_key(
            &NewKeyRecord {
                id: "k1".into(),
                provider: "openai".into(),
                label: "work".into(),
                last_four: "WXYZ".into(),
                base_url: None,
                organization: None,
                project: None,
                display_name: None,
            },
            0,
        )
        .unwrap();
    r.store.put("k1", &Secret::new(inference_secret())).unwrap();
    let model = "gpt-4o-mini-2024-07-18";
    let usage = |i, o| TokenUsage {
        input_tokens: i,
        output_tokens: o,
        ..TokenUsage::default()
    };
    let (d_match, d_outside) = (days_ago(4), days_ago(3));
    let (t1, c1) = record(
        &r.ledger,
        ProviderKind::Openai,
        "gpt-4o-mini",
        model,
        Some("k1"),
        d_match,
        usage(1200, 300),
    );
    let (t2, c2) = record(
        &r.ledger,
        ProviderKind::Openai,
        "gpt-4o-mini",
        model,
        Some("k1"),
        d_outside,
        usage(800, 200),
    );
    // A run today: the provider has not reported today yet.
    record(
        &r.ledger,
        ProviderKind::Openai,
        "gpt-4o-mini",
        model,
        Some("k1"),
        today_utc(),
        usage(10, 10),
    );
    let outside_cost = 41_800_000; // $0.0418 spent by another key of the project
    let server = BillingServer::start(BillingData {
        admin_key: admin_secret(),
        openai_usage: vec![
            OpenAiUsage {
                day: d_match.to_string(),
                project_id: "proj_a".into(),
                api_key_id: "key_a".into(),
                model: model.into(),
                input_tokens: 1200,
                output_tokens: 300,
                requests: 1,
                ..OpenAiUsage::default()
            },
            OpenAiUsage {
                day: d_outside.to_string(),
                project_id: "proj_a".into(),
                api_key_id: "key_a".into(),
                model: model.into(),
                input_tokens: 800,
                output_tokens: 200,
                requests: 1,
                ..OpenAiUsage::default()
            },
            OpenAiUsage {
                day: d_outside.to_string(),
                project_id: "proj_a".into(),
                api_key_id: "key_ci".into(),
                model: model.into(),
                input_tokens: 5000,
                input_cached_tokens: 1000,
                output_tokens: 2000,
                requests: 3,
                ..OpenAiUsage::default()
            },
        ],
        openai_costs: vec![
            OpenAiCost {
                day: d_match.to_string(),
                project_id: "proj_a".into(),
                line_item: "gpt-4o-mini-2024-07-18, input".into(),
                value: usd(c1),
            },
            OpenAiCost {
                day: d_outside.to_string(),
                project_id: "proj_a".into(),
                line_item: "gpt-4o-mini-2024-07-18, input".into(),
                value: usd(c2 + outside_cost),
            },
            OpenAiCost {
                day: days_ago(5).to_string(),
                project_id: "proj_b".into(),
                line_item: "awkward".into(),
                value: "0.13080438".into(),
            },
        ],
        projects: vec![
            ("proj_a".into(), "Support bot".into(), "active".into()),
            ("proj_b".into(), "Research".into(), "archived".into()),
        ],
        project_keys: vec![
            (
                "key_a".into(),
                "proj_a".into(),
                "PromptLedger".into(),
                "sk-pro...WXYZ".into(),
            ),
            (
                "key_ci".into(),
                "proj_a".into(),
                "CI bot".into(),
                "sk-pro...QQQQ".into(),
            ),
        ],
        throttle_first: 1,
        ..BillingData::default()
    });
    add_admin(&r, ProviderKind::Openai, server.openai_url()).await;
    let range = DayRange::new(days_ago(6), today_utc()).unwrap();
    let out = sync_range(
        &r.keys,
        ProviderKind::Openai,
        Some(range),
        None,
        KeySource::Keychain,
    )
    .await
    .unwrap();
    assert_eq!((out.projects, out.keys_mapped), (2, 1));
    assert_eq!(
        out.runs_attributed, 3,
        "the key's runs now belong to proj_a"
    );
    // The first request was throttled with retry-after: 0 and retried.
    let reqs = server.requests();
    assert_eq!(reqs[0].path, reqs[1].path);
    let usage_req = reqs
        .iter()
        .find(|q| q.path.contains("/usage/completions"))
        .unwrap();
    for g in [
        "group_by=project_id",
        "group_by=api_key_id",
        "group_by=model",
        "group_by=batch",
    ] {
        assert!(usage_req.path.contains(g), "{}", usage_req.path);
    }

    let rep = report(&r, Some(ProviderKind::Openai), days_ago(6));
    let row = |day: NaiveDate, model: Option<&str>, key: Option<&str>| {
        rep.rows
            .iter()
            .find(|x| {
                x.day == day.to_string()
                    && x.model.as_deref() == model
                    && x.api_key_id.as_deref() == key
            })
            .unwrap_or_else(|| panic!("no row {day} {model:?} {key:?}: {:#?}", rep.rows))
    };
    let m = row(d_match, Some(model), Some("key_a"));
    assert_eq!((m.ledger_tokens, m.billed_tokens), (Some(t1), Some(t1)));
    assert_eq!(m.status, ReconcileStatus::Matches);
    assert_eq!(m.project_id.as_deref(), Some("proj_a"));
    let money = row(d_match, None, None);
    assert_eq!(
        (money.ledger_nano_usd, money.billed_nano_usd),
        (Some(c1), Some(c1))
    );
    assert_eq!(money.status, ReconcileStatus::Matches);
    assert_eq!(money.project_name.as_deref(), Some("Support bot"));

    let mine = row(d_outside, Some(model), Some("key_a"));
    assert_eq!(
        (mine.ledger_tokens, mine.status),
        (Some(t2), ReconcileStatus::Matches)
    );
    let ci = row(d_outside, Some(model), Some("key_ci"));
    assert_eq!(ci.status, ReconcileStatus::BilledMore);
    assert!(!ci.made_here);
    assert_eq!((ci.ledger_tokens, ci.billed_tokens), (Some(0), Some(7000)));
    let note = ci.note.as_deref().unwrap();
    assert!(
        note.contains("not made here") && note.contains("CI bot"),
        "{note}"
    );
    let money = row(d_outside, None, None);
    assert_eq!(money.status, ReconcileStatus::BilledMore);
    assert_eq!(money.difference_nano_usd, Some(outside_cost));

    // The awkward float converts exactly, to a project PromptLedger never used.
    let awkward = row(days_ago(5), None, None);
    assert_eq!(awkward.billed_nano_usd, Some(130_804_380));
    assert_eq!(awkward.project_id.as_deref(), Some("proj_b"));
    assert!(!awkward.made_here);
    let note = awkward.note.as_deref().unwrap();
    assert!(
        note.contains("not made here") && note.contains("Research"),
        "{note}"
    );

    // Today: synced, but the provider has not reported it: pending, "no data yet".
    let today = row(today_utc(), Some(model), Some("key_a"));
    assert_eq!(today.status, ReconcileStatus::Pending);
    assert!(today.provisional);
    assert!(today.note.as_deref().unwrap().contains("no data yet"));

    assert_eq!(
        rep.totals.billed_nano_usd,
        Some(c1 + c2 + outside_cost + 130_804_380)
    );
    assert_eq!(
        rep.totals.difference_nano_usd,
        Some(outside_cost + 130_804_380)
    );
    assert!(
        rep.days
            .iter()
            .any(|d| d.day == d_outside.to_string() && d.status == ReconcileStatus::BilledMore)
    );

    // A new run with the mapped key is attributed at once.
    record(
        &r.ledger,
        ProviderKind::Openai,
        "gpt-4o-mini",
        model,
        Some("k1"),
        days_ago(1),
        usage(1, 1),
    );
    let rows = r.ledger.lock().unwrap().recent_runs(1).unwrap();
    let id = rows[0].id;
    let project: Option<String> = r.ledger.lock().unwrap().run_project(id).unwrap();
    assert_eq!(project.as_deref(), Some("proj_a"));

    // Analytics: per project, filtered by project, and the bill beside what was recorded.
    let dash = |filters: Filters| {
        r.ledger
            .lock()
            .unwrap()
            .dashboard(&DashboardQuery {
                period: Period::preset(Preset::Days30),
                filters,
                top: Some(3),
            })
            .unwrap()
    };
    let all = dash(Filters::default());
    let p = &all.by_project[0];
    assert_eq!(
        (p.name.as_str(), p.totals.runs),
        ("Support bot (proj_a)", 4)
    );
    let billed = all.billed.as_ref().unwrap();
    assert_eq!(billed.providers, vec!["openai".to_string()]);
    assert_eq!(billed.billed_nano_usd, c1 + c2 + outside_cost + 130_804_380);
    assert_eq!(billed.recorded_nano_usd, all.totals.cost_nano.0);
    let only = dash(Filters {
        project: Some("proj_a".into()),
        ..Filters::default()
    });
    assert_eq!(only.totals.runs, 4);
    assert!(
        only.billed.is_none(),
        "a bill has no per-project split here"
    );
    let none = dash(Filters {
        project: Some("proj_zzz".into()),
        ..Filters::default()
    });
    assert_eq!(none.totals.runs, 0);
}

#[tokio::test]
async fn anthropic_cents_pagination_and_non_token_costs() {
    let r = rig();
    let model = "claude-sonnet-4-5-20250929";
    let d = days_ago(4);
    let usage = TokenUsage {
        input_tokens: 1500,
        cached_input_tokens: 200,
        cache_write_tokens: 500,
        cache_write_1h_tokens: 1000,
        output_tokens: 500,
        ..TokenUsage::default()
    };
    let (tokens, cost) = record(
        &r.ledger,
        ProviderKind::Anthropic,
        model,
        model,
        None,
        d,
        usage,
    );
    let server = BillingServer::start(BillingData {
        admin_key: admin_secret(),
        anthropic_usage: vec![AnthropicUsage {
            day: d.to_string(),
            api_key_id: "apikey_01".into(),
            model: model.into(),
            service_tier: "standard".into(),
            uncached_input_tokens: 1500,
            cache_read_input_tokens: 200,
            cache_5m: 500,
            cache_1h: 1000,
            output_tokens: 500,
        }],
        anthropic_costs: vec![
            AnthropicCost {
                day: d.to_string(),
                model: model.into(),
                description: "Claude Sonnet 4 Usage - Input Tokens".into(),
                cost_type: "tokens".into(),
                amount: cents(cost),
                ..AnthropicCost::default()
            },
            AnthropicCost {
                day: d.to_string(),
                description: "Web search".into(),
                cost_type: "web_search".into(),
                amount: "123.78912".into(),
                ..AnthropicCost::default()
            },
        ],
        buckets_per_page: 1,
        ..BillingData::default()
    });
    add_admin(&r, ProviderKind::Anthropic, server.anthropic_url()).await;
    // Three days, one bucket per page: 3 pages of usage and 3 of costs.
    let range = DayRange::new(days_ago(5), days_ago(3)).unwrap();
    let out = sync_range(
        &r.keys,
        ProviderKind::Anthropic,
        Some(range),
        None,
        KeySource::Keychain,
    )
    .await
    .unwrap();
    assert_eq!(out.pages, 6);
    let reqs = server.requests();
    let paged: Vec<_> = reqs
        .iter()
        .filter(|q| q.path.contains("page=page_"))
        .collect();
    assert_eq!(paged.len(), 4, "pages 2 and 3 of each report");
    assert!(
        reqs.iter()
            .all(|q| q.header("anthropic-version") == Some("2023-06-01"))
    );
    assert!(
        reqs[1].path.contains("group_by%5B%5D=api_key_id"),
        "{}",
        reqs[1].path
    );

    let rep = report(&r, Some(ProviderKind::Anthropic), days_ago(5));
    let tok = rep
        .rows
        .iter()
        .find(|x| x.model.as_deref() == Some(model))
        .unwrap();
    assert_eq!(
        (tok.ledger_tokens, tok.billed_tokens),
        (Some(tokens), Some(tokens))
    );
    assert_eq!(
        (tok.ledger_nano_usd, tok.billed_nano_usd),
        (Some(cost), Some(cost))
    );
    assert_eq!(tok.status, ReconcileStatus::Matches);
    let web = rep.rows.iter().find(|x| x.model.is_none()).unwrap();
    assert_eq!(
        web.billed_nano_usd,
        Some(1_237_891_200),
        "\"123.78912\" cents"
    );
    assert_eq!(web.status, ReconcileStatus::BilledMore);
    assert!(web.note.as_deref().unwrap().contains("web_search"));
}

#[tokio::test]
async fn admin_keys_are_checked_before_save_and_never_run_prompts() {
    let r = rig();
    let server = BillingServer::start(BillingData {
        admin_key: admin_secret(),
        ..BillingData::default()
    });
    let wrong = r
        .keys
        .add_admin(NewAdminKey {
            provider: ProviderKind::Openai,
            label: "billing".into(),
            secret: Secret::new(format!("{}{}", "sk-admin-", "not-the-right-one")),
            base_url: Some(server.openai_url()),
        })
        .await
        .unwrap_err();
    assert_eq!(wrong.code().as_str(), "invalid_key", "{wrong}");
    assert!(r.keys.admin_keys().unwrap().is_empty(), "nothing saved");
    let inference = r
        .keys
        .add_admin(NewAdminKey {
            provider: ProviderKind::Anthropic,
            label: "billing".into(),
            secret: Secret::new(format!("{}{}", "sk-ant-api03-", "abc")),
            base_url: Some(server.anthropic_url()),
        })
        .await
        .unwrap_err();
    assert!(
        inference.to_string().contains("inference key"),
        "{inference}"
    );
    let gemini = r
        .keys
        .add_admin(NewAdminKey {
            provider: ProviderKind::Gemini,
            label: "billing".into(),
            secret: Secret::new("x"),
            base_url: None,
        })
        .await
        .unwrap_err();
    assert_eq!(gemini.code().as_str(), "invalid_input");

    add_admin(&r, ProviderKind::Openai, server.openai_url()).await;
    let saved = r.keys.admin_keys().unwrap();
    assert_eq!(saved.len(), 1);
    assert!(saved[0].preview.starts_with('…'));
    assert!(
        r.keys.list().unwrap().is_empty(),
        "an admin key is no inference key"
    );
    // Offered as an inference key: refused before any request.
    let e = r
        .keys
        .add(NewKey {
            provider: ProviderKind::Openai,
            label: "oops".into(),
            secret: Secret::new(admin_secret()),
            base_url: Some(server.openai_url()),
            organization: None,
            project: None,
            display_name: None,
        })
        .await
        .unwrap_err();
    assert!(e.to_string().contains("admin key"), "{e}");
    // Named for a run: refused too.
    let target = promptledger_core::runner::TargetRequest {
        provider: ProviderKind::Openai,
        model: "gpt-4o-mini".into(),
        key_id: Some(saved[0].id.clone()),
        base_url: None,
        headers: Vec::new(),
        temperature: None,
        max_tokens: None,
        system: None,
    };
    let e = r
        .keys
        .resolve(
            &target,
            KeySource::Keychain,
            promptledger_core::keys::Secrets::Skip,
        )
        .unwrap_err();
    assert!(e.to_string().contains("is an admin key"), "{e}");
}

#[tokio::test]
async fn openrouter_runs_are_looked_up_by_generation_id() {
    let r = rig();
    r.ledger
        .lock()
        .unwrap()
        .insert_key(
            &NewKeyRecord {
                id: "or".into(),
                provider: "openrouter".into(),
                label: "router".into(),
                last_four: "1234".into(),
                base_url: None,
                organization: None,
                project: None,
                display_name: None,
            },
            0,
        )
        .unwrap();
    let key = format!("{}{}", "sk-or-v1-", "0123456789abcdef1234");
    r.store.put("or", &Secret::new(key.clone())).unwrap();
    let d = days_ago(3);
    let at = d.and_hms_opt(9, 0, 0).unwrap().and_utc().timestamp_millis();
    {
        let mut l = r.ledger.lock().unwrap();
        let usage = TokenUsage {
            input_tokens: 12,
            output_tokens: 30,
            ..TokenUsage::default()
        };
        let priced = l
            .pricer()
            .unwrap()
            .price(ProviderKind::Openrouter, "openai/gpt-4o-mini", &usage)
            .unwrap();
        for (i, gen_id) in ["gen-1", "gen-2"].iter().enumerate() {
            l.insert_run(&NewRun {
                started_at_ms: at + i as i64,
                provider: "openrouter".into(),
                model_requested: "openai/gpt-4o-mini".into(),
                model_resolved: Some("openai/gpt-4o-mini".into()),
                priced: Some(priced.clone()),
                provider_cost: Some(promptledger_core::NanoUsd(22_000)),
                key_id: Some("or".into()),
                request_id: Some((*gen_id).into()),
                attempts: 1,
                ..NewRun::default()
            })
            .unwrap();
        }
    }
    let mut gens = std::collections::BTreeMap::new();
    gens.insert("gen-1".to_string(), ("0.000022".to_string(), 12, 30));
    let server = BillingServer::start(BillingData {
        openrouter_key: key,
        generations: gens,
        ..BillingData::default()
    });
    let range = DayRange::new(days_ago(5), today_utc()).unwrap();
    let out = sync_range(
        &r.keys,
        ProviderKind::Openrouter,
        Some(range),
        Some(&server.openrouter_url()),
        KeySource::Keychain,
    )
    .await
    .unwrap();
    assert_eq!((out.generations_checked, out.generations_missing), (1, 1));
    let rep = report(&r, Some(ProviderKind::Openrouter), days_ago(5));
    assert_eq!(rep.rows.len(), 1);
    assert_eq!(
        rep.rows[0].status,
        ReconcileStatus::Pending,
        "gen-2 is not known yet"
    );
    // OpenRouter learns gen-2: the next sync looks up only it.
    server.update(|d| {
        d.generations
            .insert("gen-2".into(), ("0.000022".into(), 12, 30));
    });
    sync_range(
        &r.keys,
        ProviderKind::Openrouter,
        Some(range),
        Some(&server.openrouter_url()),
        KeySource::Keychain,
    )
    .await
    .unwrap();
    let rep = report(&r, Some(ProviderKind::Openrouter), days_ago(5));
    assert_eq!(rep.rows[0].status, ReconcileStatus::Matches);
    assert_eq!(rep.rows[0].billed_nano_usd, Some(44_000));
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn gemini_rows_say_there_is_no_billing_api() {
    let r = rig();
    record(
        &r.ledger,
        ProviderKind::Gemini,
        "gemini-2.5-flash",
        "gemini-2.5-flash",
        None,
        days_ago(3),
        TokenUsage {
            input_tokens: 100,
            output_tokens: 10,
            ..TokenUsage::default()
        },
    );
    let rep = report(&r, None, days_ago(5));
    assert_eq!(rep.rows.len(), 1);
    assert_eq!(rep.rows[0].status, ReconcileStatus::Unavailable);
    assert!(
        rep.rows[0]
            .note
            .as_deref()
            .unwrap()
            .contains("no billing API for AI Studio")
    );
    assert_eq!(rep.totals.billed_nano_usd, None);
}

#[test]
fn a_sync_without_a_period_refetches_the_last_three_days_and_every_day_since() {
    let r = rig();
    let today = today_utc();
    let l = r.ledger.lock().unwrap();
    let first = l.default_sync_range("openai", today).unwrap();
    assert_eq!(
        (first.from, first.to),
        (today - Days::new(29), today),
        "30 days the first time"
    );
    drop(l);
    let mut l = r.ledger.lock().unwrap();
    let fetched = DayRange::new(today - Days::new(20), today - Days::new(10)).unwrap();
    l.store_billing("openai", fetched, &Default::default(), 0)
        .unwrap();
    let next = l.default_sync_range("openai", today).unwrap();
    assert_eq!(
        next.from,
        today - Days::new(9),
        "every day since the last sync"
    );
    let recent = DayRange::new(today - Days::new(5), today).unwrap();
    l.store_billing("openai", recent, &Default::default(), 0)
        .unwrap();
    let next = l.default_sync_range("openai", today).unwrap();
    assert_eq!(next.from, today - Days::new(2), "the last 3 UTC days again");
    assert_eq!(l.billing_days("openai").unwrap().len(), 17);
}
