//! `prices update`, `prices history`, `prices tables` and `report --as` end to end, against a
//! loopback server that serves LiteLLM's table with a few prices changed.

use promptledger_testkit::{FakeServer, Reply};
use serde_json::Value;

use super::Cli;

const BUNDLED: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/src-tauri/crates/core/data/model_prices_and_context_window.json"
);

/// The bundled table with gpt-4o's input cut from $2.50 to $2.00, gpt-3.5-turbo's output
/// raised, `gpt-4-0613` removed and `gpt-9-preview` added.
fn newer_table() -> String {
    let mut t: Value = serde_json::from_slice(&std::fs::read(BUNDLED).unwrap()).unwrap();
    let m = t.as_object_mut().unwrap();
    m["gpt-4o"]["input_cost_per_token"] = serde_json::json!(2e-6);
    m["gpt-3.5-turbo"]["output_cost_per_token"] = serde_json::json!(3e-6);
    m.remove("gpt-4-0613");
    m.insert(
        "gpt-9-preview".into(),
        serde_json::json!({"litellm_provider": "openai", "mode": "chat",
                           "input_cost_per_token": 1e-5, "output_cost_per_token": 4e-5}),
    );
    serde_json::to_string(&t).unwrap()
}

fn tables(cli: &Cli) -> Vec<(String, String)> {
    cli.json(&["prices", "tables", "--json"])
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["origin"].as_str().unwrap().to_string(),
                t["version"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn prices_update_shows_the_diff_applies_only_with_yes_and_keeps_the_history() {
    let cli = Cli::new();
    cli.ok(&["demo", "--runs", "2000", "--days", "40"]);
    let body = newer_table();
    let server = FakeServer::with_handler(move |r| match r.path.as_str() {
        "/prices.json" => Reply::json(body.clone()),
        "/broken.json" => Reply::json("{\"gpt-4o\": "),
        _ => Reply::status_json(404, "{}"),
    });
    let url = format!("{}/prices.json", server.url());

    // Failures: a clear line, a non-zero exit, the table untouched.
    let before = tables(&cli);
    for (path, needle) in [
        ("/missing.json", "HTTP 404"),
        ("/broken.json", "invalid price table"),
    ] {
        let u = format!("{}{path}", server.url());
        let (code, err) = cli.fails(&["prices", "update", "--url", &u, "--yes"]);
        assert_ne!(code, 0);
        assert!(err.contains(needle), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
    }
    assert_eq!(tables(&cli), before);

    // Without --yes: the diff, nothing applied.
    let d = cli.json(&["prices", "update", "--url", &url, "--json"]);
    assert_eq!(d["applied"], false);
    assert!(
        d["from_version"]
            .as_str()
            .unwrap()
            .starts_with("litellm-1.109.1+")
    );
    assert!(d["to_version"].as_str().unwrap().starts_with("update-"));
    assert_eq!(d["added"], serde_json::json!(["gpt-9-preview"]));
    assert_eq!(d["removed"], serde_json::json!(["gpt-4-0613"]));
    let changed = d["changed"].as_array().unwrap();
    assert_eq!(changed.len(), 2, "{changed:?}");
    // gpt-4o first: the demo spent on it in the last 30 days, not on gpt-3.5-turbo.
    assert_eq!(changed[0]["model"], "gpt-4o");
    assert_eq!(changed[0]["field"], "input_cost_per_token");
    assert_eq!(changed[0]["old"], 2_500_000_000i64);
    assert_eq!(changed[0]["new"], 2_000_000_000i64);
    assert!(changed[0]["spend_30d_nano"].as_i64().unwrap() > 0);
    assert_eq!(changed[1]["model"], "gpt-3.5-turbo");
    let text = cli.ok(&["prices", "update", "--url", &url]);
    assert!(
        text.contains("gpt-4o") && text.contains("−20.0 %") && text.contains("not applied"),
        "{text}"
    );
    assert_eq!(tables(&cli).len(), 1, "only the bundled table, in use");

    // With --yes: applied, and the history shows both rates.
    let d = cli.json(&["prices", "update", "--url", &url, "--yes", "--json"]);
    assert_eq!(d["applied"], true);
    let origins: Vec<String> = tables(&cli).into_iter().map(|(o, _)| o).collect();
    assert_eq!(origins, ["bundled", "update"]);
    let h = cli.json(&["prices", "history", "gpt-4o", "--json"]);
    let inputs: Vec<i64> = h
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["rates"]["input_cost_per_token"].as_i64().unwrap())
        .collect();
    assert_eq!(inputs, [2_500_000_000, 2_000_000_000]);
    let text = cli.ok(&["prices", "history", "gpt-4o"]);
    assert!(text.contains("$2.50") && text.contains("$2.00"), "{text}");

    // The same file again: nothing to apply.
    let d = cli.json(&["prices", "update", "--url", &url, "--yes", "--json"]);
    assert_eq!(
        (d["applied"].clone(), d["changed"].as_array().unwrap().len()),
        (false.into(), 0)
    );
}

#[test]
fn report_as_reprices_the_period_on_other_models() {
    let cli = Cli::new();
    cli.ok(&["demo", "--runs", "3000", "--days", "40"]);
    let r = cli.json(&[
        "report",
        "--period",
        "30d",
        "--as",
        "gpt-4o=gpt-4o-mini",
        "--as",
        "claude-sonnet-4-5=claude-haiku-4-5",
        "--json",
    ]);
    let w = &r["what_if"];
    let rows = w["by_model"].as_array().unwrap();
    let sum = |f: &str| rows.iter().map(|r| r[f].as_i64().unwrap()).sum::<i64>();
    assert_eq!(w["actual_nano"].as_i64().unwrap(), sum("actual_nano"));
    assert_eq!(w["what_if_nano"].as_i64().unwrap(), sum("what_if_nano"));
    let row = |m: &str| rows.iter().find(|r| r["model"] == m).unwrap();
    let gpt = row("gpt-4o");
    assert_eq!(gpt["as"], "gpt-4o-mini");
    // gpt-4o-mini's rates are 6 % of gpt-4o's for every component ($0.15/$2.50 and so on).
    let (a, b) = (
        gpt["actual_nano"].as_i64().unwrap(),
        gpt["what_if_nano"].as_i64().unwrap(),
    );
    assert!(a > 0 && b * 100 / a == 6, "{a} → {b}");
    assert_eq!(row("claude-sonnet-4-5")["as"], "claude-haiku-4-5");
    // A model that is not swapped keeps its cost.
    let mini = row("gpt-4o-mini");
    assert_eq!(mini["actual_nano"], mini["what_if_nano"]);
    // Without a swap, the report has no what-if.
    assert!(
        cli.json(&["report", "--period", "30d", "--json"])
            .get("what_if")
            .is_none()
    );

    // The advisor rides along with --advice: a list, each with a figure and its runs.
    let r = cli.json(&["report", "--period", "30d", "--advice", "--json"]);
    for a in r["advice"].as_array().unwrap() {
        assert!(a["saving_nano"].as_i64().unwrap() > 0, "{a}");
        assert!(!a["examples"].as_array().unwrap().is_empty(), "{a}");
    }
    let text = cli.ok(&["report", "--period", "30d", "--advice"]);
    assert!(text.contains("Savings advisor"), "{text}");

    let text = cli.ok(&["report", "--period", "30d", "--batch"]);
    assert!(
        text.contains("as Batch API requests") && text.contains("gpt-4o (batch)"),
        "{text}"
    );
    let (_, err) = cli.fails(&["report", "--as", "gpt-4o"]);
    assert!(err.contains("FROM=TO"), "{err}");
    let (_, err) = cli.fails(&["report", "--as", "gpt-4o=gpt-4o-mni"]);
    assert!(err.contains("unknown model `gpt-4o-mni`"), "{err}");
}
