//! `promptledger reconcile` end to end, with the real keychain and loopback billing servers: an
//! admin key refused when wrong and saved when right, a 30-day sync, `reconcile --json` in the
//! contract's shape with a matching day, a day with outside spend and a provisional day, the
//! CSV, a one-off `ANTHROPIC_ADMIN_KEY` that is never stored, an admin key refused for a run,
//! and no admin key byte in the ledger, the exports or any output.

use chrono::{Days, NaiveDate, Utc};
use promptledger_core::ProviderKind;
use promptledger_core::ledger::Ledger;
use promptledger_core::ledger::runs::NewRun;
use promptledger_core::pricing::TokenUsage;
use promptledger_testkit::billing::{
    AnthropicCost, AnthropicUsage, BillingData, BillingServer, OpenAiCost, OpenAiUsage,
};
use serde_json::Value;

use crate::keys::{Env, contains, files, text};

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

fn ago(n: u64) -> NaiveDate {
    today() - Days::new(n)
}

/// Records one OpenAI run at noon of `day` in the ledger file; returns (tokens, cost nano).
fn seed(
    db: &std::path::Path,
    provider: ProviderKind,
    model: &str,
    day: NaiveDate,
    i: u64,
    o: u64,
) -> (i64, i64) {
    let mut l = Ledger::open(db).unwrap();
    let usage = TokenUsage {
        input_tokens: i,
        output_tokens: o,
        ..TokenUsage::default()
    };
    let priced = l.pricer().unwrap().price(provider, model, &usage).unwrap();
    let cost = priced.breakdown.total_nano_usd.0;
    l.insert_run(&NewRun {
        started_at_ms: day
            .and_hms_opt(12, 0, 0)
            .unwrap()
            .and_utc()
            .timestamp_millis(),
        provider: provider.as_str().into(),
        model_requested: model.into(),
        model_resolved: Some(model.into()),
        priced: Some(priced),
        attempts: 1,
        ..NewRun::default()
    })
    .unwrap();
    (i64::try_from(i + o).unwrap(), cost)
}

fn usd(nano: i64) -> String {
    format!("{}.{:09}", nano / 1_000_000_000, nano % 1_000_000_000)
}

#[test]
fn reconcile_json_over_30_days_against_the_billing_servers() {
    let admin = format!("{}{}", "sk-admin-", "e2e-Reconcile-7Hq2Lm9Xv4");
    let env = Env::new();
    let db = env
        .data()
        .join("com.promptledger.app")
        .join("ledger.sqlite3");
    std::fs::create_dir_all(db.parent().unwrap()).unwrap();
    let model = "gpt-4o-mini-2024-07-18";
    let (t_match, c_match) = seed(&db, ProviderKind::Openai, model, ago(10), 2000, 400);
    let (t_out, c_out) = seed(&db, ProviderKind::Openai, model, ago(5), 1000, 100);
    seed(&db, ProviderKind::Openai, model, today(), 10, 10);
    let claude = "claude-haiku-4-5-20251001";
    let (t_cl, c_cl) = seed(&db, ProviderKind::Anthropic, claude, ago(7), 3000, 300);
    let outside = 250_000_000; // $0.25 spent by another tool with the same project
    let server = BillingServer::start(BillingData {
        admin_key: admin.clone(),
        openai_usage: vec![
            OpenAiUsage {
                day: ago(10).to_string(),
                project_id: "proj_main".into(),
                api_key_id: "key_app".into(),
                model: model.into(),
                input_tokens: 2000,
                output_tokens: 400,
                requests: 1,
                ..OpenAiUsage::default()
            },
            OpenAiUsage {
                day: ago(5).to_string(),
                project_id: "proj_main".into(),
                api_key_id: "key_app".into(),
                model: model.into(),
                input_tokens: 1000,
                output_tokens: 100,
                requests: 1,
                ..OpenAiUsage::default()
            },
            OpenAiUsage {
                day: ago(5).to_string(),
                project_id: "proj_main".into(),
                api_key_id: "key_notebook".into(),
                model: model.into(),
                input_tokens: 90_000,
                output_tokens: 20_000,
                requests: 40,
                ..OpenAiUsage::default()
            },
        ],
        openai_costs: vec![
            OpenAiCost {
                day: ago(10).to_string(),
                project_id: "proj_main".into(),
                line_item: format!("{model}, input"),
                value: usd(c_match),
            },
            OpenAiCost {
                day: ago(5).to_string(),
                project_id: "proj_main".into(),
                line_item: format!("{model}, input"),
                value: usd(c_out + outside),
            },
        ],
        projects: vec![("proj_main".into(), "Main".into(), "active".into())],
        anthropic_usage: vec![AnthropicUsage {
            day: ago(7).to_string(),
            api_key_id: "apikey_01".into(),
            model: claude.into(),
            service_tier: "standard".into(),
            uncached_input_tokens: 3000,
            output_tokens: 300,
            ..AnthropicUsage::default()
        }],
        anthropic_costs: vec![AnthropicCost {
            day: ago(7).to_string(),
            model: claude.into(),
            description: "Claude Haiku 4.5 Usage".into(),
            cost_type: "tokens".into(),
            amount: format!("{}.{:07}", c_cl / 10_000_000, c_cl % 10_000_000),
            ..AnthropicCost::default()
        }],
        buckets_per_page: 7,
        ..BillingData::default()
    });
    let mut outputs: Vec<Vec<u8>> = Vec::new();

    // A wrong admin key is refused before anything is saved.
    let wrong = env.with_stdin(
        env.cmd(&[
            "keys",
            "add",
            "--provider",
            "openai",
            "--admin",
            "--label",
            "billing",
            "--base-url",
            &server.openai_url(),
        ]),
        &format!("{}{}\n", "sk-admin-", "wrong-one"),
    );
    assert!(!wrong.status.success());
    assert!(
        text(&wrong.stderr).contains("error[invalid_key]"),
        "{}",
        text(&wrong.stderr)
    );
    let listed = env.run(&["keys", "list", "--admin", "--json"]);
    assert_eq!(
        serde_json::from_slice::<Value>(&listed.stdout).unwrap(),
        serde_json::json!([])
    );

    let added = env.with_stdin(
        env.cmd(&[
            "keys",
            "add",
            "--provider",
            "openai",
            "--admin",
            "--label",
            "billing",
            "--base-url",
            &server.openai_url(),
        ]),
        &format!("{admin}\n"),
    );
    assert!(added.status.success(), "{}", text(&added.stderr));
    assert!(
        text(&added.stderr).contains("whole organisation"),
        "{}",
        text(&added.stderr)
    );
    outputs.extend([added.stdout.clone(), added.stderr.clone()]);

    // It never runs a prompt, saved or from the environment.
    let run = env
        .cmd(&[
            "run",
            "-p",
            "openai",
            "-m",
            "gpt-4o-mini",
            "--no-stream",
            "hi",
        ])
        .env("OPENAI_API_KEY", &admin)
        .output()
        .unwrap();
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("admin key"),
        "{}",
        text(&run.stderr)
    );
    outputs.extend([run.stdout, run.stderr]);
    let before = server.requests().len();

    let (from, to) = (ago(29).to_string(), today().to_string());
    let sync = env.run(&[
        "reconcile",
        "sync",
        "--provider",
        "openai",
        "--from",
        &from,
        "--to",
        &to,
    ]);
    assert!(sync.status.success(), "{}", text(&sync.stderr));
    assert!(
        text(&sync.stdout).contains("30 days"),
        "{}",
        text(&sync.stdout)
    );
    assert!(server.requests().len() > before);
    outputs.extend([sync.stdout, sync.stderr]);
    // Anthropic with a one-off key from the environment: used, never stored.
    let sync = env
        .cmd(&[
            "reconcile",
            "sync",
            "--provider",
            "anthropic",
            "--from",
            &from,
            "--to",
            &to,
            "--base-url",
            &server.anthropic_url(),
        ])
        .env("ANTHROPIC_ADMIN_KEY", &admin)
        .output()
        .unwrap();
    assert!(sync.status.success(), "{}", text(&sync.stderr));
    outputs.extend([sync.stdout, sync.stderr]);
    let admins: Value =
        serde_json::from_slice(&env.run(&["keys", "list", "--admin", "--json"]).stdout).unwrap();
    assert_eq!(admins.as_array().unwrap().len(), 1);
    assert_eq!(admins[0]["provider"], "openai");

    let out = env.run(&["reconcile", "--from", &from, "--to", &to, "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    outputs.push(out.stdout.clone());
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = v["rows"].as_array().unwrap();
    for r in rows {
        for f in [
            "day",
            "provider",
            "model",
            "project_id",
            "api_key_id",
            "ledger_nano_usd",
            "billed_nano_usd",
            "ledger_tokens",
            "billed_tokens",
            "status",
        ] {
            assert!(r.get(f).is_some(), "{f} missing in {r}");
        }
        assert!(
            [
                "matches",
                "billed_more",
                "ledger_more",
                "pending",
                "unavailable"
            ]
            .contains(&r["status"].as_str().unwrap())
        );
    }
    let find = |day: NaiveDate, provider: &str, model: Option<&str>| {
        rows.iter()
            .find(|r| {
                r["day"] == day.to_string()
                    && r["provider"] == provider
                    && r["model"].as_str() == model
            })
            .unwrap_or_else(|| panic!("no {day} {provider} {model:?} in {rows:#?}"))
    };
    let m = find(ago(10), "openai", Some(model));
    assert_eq!(
        (m["ledger_tokens"].as_i64(), m["billed_tokens"].as_i64()),
        (Some(t_match), Some(t_match))
    );
    assert_eq!(m["status"], "matches");
    assert_eq!(
        m["billed_nano_usd"],
        Value::Null,
        "OpenAI bills money per project, not per model"
    );
    let money = find(ago(10), "openai", None);
    assert_eq!(
        (
            money["ledger_nano_usd"].as_i64(),
            money["billed_nano_usd"].as_i64()
        ),
        (Some(c_match), Some(c_match))
    );
    assert_eq!(money["status"], "matches");
    let o = find(ago(5), "openai", Some(model));
    assert_eq!(o["status"], "billed_more");
    assert!(o["note"].as_str().unwrap().contains("key_notebook"), "{o}");
    assert_eq!(
        (o["ledger_tokens"].as_i64(), o["billed_tokens"].as_i64()),
        (Some(t_out), Some(t_out + 110_000))
    );
    let money = find(ago(5), "openai", None);
    assert_eq!(money["status"], "billed_more");
    assert_eq!(money["difference_nano_usd"].as_i64(), Some(outside));
    let p = find(today(), "openai", Some(model));
    assert_eq!(p["status"], "pending");
    let a = find(ago(7), "anthropic", Some(claude));
    assert_eq!(a["status"], "matches");
    assert_eq!(
        (a["ledger_nano_usd"].as_i64(), a["billed_nano_usd"].as_i64()),
        (Some(c_cl), Some(c_cl))
    );
    assert_eq!(a["billed_tokens"].as_i64(), Some(t_cl));
    let t = &v["totals"];
    assert_eq!(
        t["billed_nano_usd"].as_i64(),
        Some(c_match + c_out + outside + c_cl)
    );
    assert_eq!(t["difference_nano_usd"].as_i64(), Some(outside));
    assert!(t["billed_more"].as_u64().unwrap() >= 2);

    // One rule for both faces: the app's Reconcile screen reads this same core report.
    let core = Ledger::open(&db)
        .unwrap()
        .reconcile(&promptledger_core::billing::ReconcileQuery {
            range: promptledger_core::billing::DayRange::new(ago(29), today()).unwrap(),
            provider: None,
            today: today(),
        })
        .unwrap();
    let core: Value = serde_json::from_str(&serde_json::to_string(&core).unwrap()).unwrap();
    assert_eq!(core, v);
    let today_money = find(today(), "openai", None);
    assert_eq!(
        today_money["billed_nano_usd"],
        Value::Null,
        "no data yet is not $0"
    );

    // The same rows as CSV, and the table for people.
    let csv_path = env.dir.path().join("reconcile.csv");
    let out = env.run(&[
        "reconcile",
        "--from",
        &from,
        "--to",
        &to,
        "--csv",
        csv_path.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let csv = std::fs::read_to_string(&csv_path).unwrap();
    assert!(csv.starts_with("day,provider,model,project_id,api_key_id,ledger_nano_usd,billed_nano_usd,ledger_tokens,billed_tokens,status"));
    assert_eq!(csv.lines().count(), rows.len() + 1);
    let table = env.run(&["reconcile", "--from", &from, "--to", &to]);
    assert!(
        text(&table.stdout).contains("billed more"),
        "{}",
        text(&table.stdout)
    );
    outputs.extend([table.stdout, table.stderr]);

    // No admin key byte anywhere: ledger, WAL, exports, outputs.
    for (path, bytes) in files(env.dir.path()) {
        assert!(
            !contains(&bytes, admin.as_bytes()),
            "admin key found in {}",
            path.display()
        );
    }
    for o in &outputs {
        assert!(
            !contains(o, admin.as_bytes()),
            "admin key printed: {}",
            text(o)
        );
    }
    let removed = env.run(&["keys", "remove", admins[0]["id"].as_str().unwrap()]);
    assert!(removed.status.success(), "{}", text(&removed.stderr));
}
