//! The TypeScript mirror of every type that crosses IPC, generated from the Rust types with
//! `ts-rs`, so the UI cannot drift from the commands: `ui/src/lib/bindings.ts` is the output of
//! [`typescript`]. The test `tests/ui_types.rs` fails when that file is stale and rewrites it when
//! `PROMPTLEDGER_WRITE_UI_TYPES=1` is set (`scripts/ui-types.sh`).
//!
//! Every type is listed once below, grouped as the screens use them; [`missing`] names any type a
//! listed one refers to that the list forgot, so the file always type-checks on its own.

use std::collections::BTreeSet;

use promptledger_core as core;
use ts_rs::{Config, TS};

use crate::{commands, error, settings};

/// Where the generated file lives, relative to the repository root.
pub const BINDINGS_PATH: &str = "ui/src/lib/bindings.ts";

/// One declared type: its TypeScript name, declaration and what it refers to.
struct Decl {
    name: String,
    text: String,
    refers_to: Vec<String>,
}

fn decl<T: TS + 'static>(cfg: &Config) -> Decl {
    let docs = T::docs().unwrap_or_default();
    Decl {
        name: T::ident(cfg),
        text: format!("{}export {}", tidy_docs(&docs, ""), layout(&T::decl(cfg))),
        refers_to: T::dependencies(cfg)
            .into_iter()
            .map(|d| d.ts_name)
            .collect(),
    }
}

/// Lists the types in the order the file declares them.
macro_rules! decls {
    ($cfg:expr; $($section:literal => [$($ty:ty),* $(,)?]),* $(,)?) => {
        vec![$(($section, vec![$(decl::<$ty>($cfg)),*])),*]
    };
}

/// JSON numbers: every 64-bit integer here (nano-USD, token counts, ms) stays far below 2^53.
fn config() -> Config {
    Config::new().with_large_int("number")
}

fn sections(cfg: &Config) -> Vec<(&'static str, Vec<Decl>)> {
    use core::analytics as an;
    use core::ledger;
    use core::pricing;
    use core::runner;
    decls![cfg;
        "Errors and money" => [
            error::UiError, core::ErrorCode, core::NanoUsd, core::RatePerMTok,
        ],
        "Providers" => [core::ProviderKind],
        "App and settings" => [
            commands::app::AppInfo, pricing::TableVersion, settings::Settings,
            settings::FallbackSetting,
        ],
        "Prices (core pricing)" => [
            pricing::report::ModelRow, pricing::report::TierView, pricing::OverrideText,
            pricing::TokenUsage, pricing::report::CostReport, pricing::report::CostLineView,
            pricing::MatchKind, pricing::CostSource, pricing::Component, pricing::CostLine,
            pricing::UnitLine, pricing::BilledUnit, pricing::Metered, core::Operation,
            pricing::CostBreakdown, pricing::Multiplier, ledger::unpriced::Repriced,
        ],
        "Keys" => [commands::keys::KeyInput, ledger::keys::KeyRecord],
        "Runs and conversations (core runner, ledger)" => [
            commands::runs::PlayInput, commands::operations::OperationInput,
            commands::operations::OperationEstimateView, commands::operations::OperationResult,
            runner::operation::OperationEstimate, commands::runs::PlayEvent, runner::Estimate, runner::RunEstimate,
            runner::view::RunView, runner::view::UsageView, runner::view::ErrorView,
            ledger::runs::RunStatus, ledger::runs::RunRecord, ledger::runs::TargetAttempt,
            ledger::runs::BatchLink,
            ledger::history::HistoryQuery, ledger::history::HistorySort,
            ledger::history::RunSummary, ledger::conversations::ConversationRecord,
            ledger::templates::TemplateRecord, core::providers::ModelInfo,
        ],
        "Compare" => [
            commands::compare::TargetInput, commands::compare::CompareInput,
            commands::compare::ColumnEvent, commands::compare::ComparisonView,
            ledger::comparisons::ColumnRecord, ledger::comparisons::ComparisonRecord,
            runner::compare::CompareEstimate, runner::compare::Summary,
        ],
        "Analytics, charts and export (core analytics, charts, export)" => [
            commands::analytics::Source, an::Preset, an::Period, an::Filters,
            an::DashboardQuery, an::Tokens, an::Totals, an::Change, an::BreakdownRow,
            an::DayPoint, an::TopRun, an::DayRange, an::LatencyBucket, an::Dashboard,
            ledger::Zone, core::charts::ChartKind, core::charts::Chart, core::charts::PlotBox,
            core::charts::Series, core::charts::Unit, commands::analytics::AnalyticsView,
            commands::analytics::Choice, commands::analytics::FilterChoices,
            core::export::RunExport, core::export::ExportFormat,
            commands::analytics::ExportProgress, commands::analytics::ExportDone,
            commands::analytics::DemoInfo,
        ],
        "Budgets, cache and health" => [
            ledger::budgets::BudgetScope, ledger::budgets::BudgetPeriod,
            ledger::budgets::BudgetMode, ledger::budgets::NewBudget, ledger::budgets::Budget,
            ledger::budgets::BudgetStatus, ledger::budgets::BudgetCheck,
            ledger::budgets::BudgetAlert, ledger::cache::CacheStats, ledger::health::Health,
            ledger::health::HealthReport,
        ],
        "Reconcile and admin keys (core billing)" => [
            commands::billing::AdminKeyInput, commands::billing::AdminKeysView,
            ledger::billing::AdminKeyRecord, commands::billing::ReconcileView,
            core::billing::ReconcileReport, core::billing::ReconcileRow,
            core::billing::ReconcileStatus, core::billing::ReconcileTotals,
            core::billing::ReconcileDay, core::billing::SyncOutcome,
            commands::billing::ProjectsView, core::billing::OpenAiProject,
            core::billing::OpenAiProjectKey, core::billing::BilledBeside,
        ],
        "Price updates, price history and what-if" => [
            commands::price_updates::PriceUpdateInfo, pricing::diff::TableDiff,
            pricing::diff::RateChange, ledger::price_tables::ImportedTable,
            ledger::price_tables::TableOrigin, ledger::price_tables::RatePoint,
            commands::price_updates::PriceHistoryView, an::whatif::ModelSwap,
            an::whatif::WhatIfSpec, an::whatif::WhatIf, an::whatif::WhatIfRow,
            an::whatif::WhatIfSkipped, an::advisor::Advice, an::advisor::AdviceKind,
            an::advisor::AdviceRun,
        ],
        "Batch jobs (core batch)" => [
            commands::batch::BatchInput, commands::batch::BatchResults, core::batch::BatchMode,
            core::batch::JobStatus, core::batch::JobTarget, core::batch::BatchJob,
            core::batch::JobSummary, core::batch::JobEstimate, core::batch::CostRange,
            core::batch::TargetEstimate, core::batch::plan::PreviewRow,
            core::batch::results::ResultRow, ledger::batch_jobs::TargetTotals,
        ],
        "Team export (OTLP)" => [
            commands::otlp::HeaderInput, commands::otlp::OtlpInput, commands::otlp::OtlpView,
            commands::otlp::TestSpan, ledger::otlp::OtlpSettings, ledger::otlp::OtlpProtocol,
            ledger::otlp::OtlpBacklog, core::otel::Drained,
        ],
    ]
}

/// The whole generated file.
pub fn typescript() -> String {
    let mut out = String::from(
        "// Generated from the Rust types by src-tauri/src/ui_types.rs (ts-rs). Do not edit:\n\
         // run scripts/ui-types.sh after changing a type that crosses IPC.\n\
         // Money is integer nano-USD (`NanoUsd`); rates are nano-USD per 1M tokens (`RatePerMTok`).\n",
    );
    for (section, decls) in sections(&config()) {
        out.push_str(&format!("\n// ---- {section} ----\n"));
        for d in decls {
            out.push('\n');
            out.push_str(&d.text);
            out.push('\n');
        }
    }
    out.push_str("\n// ---- Values ----\n");
    out.push_str(&providers_const());
    out
}

/// `PROVIDERS`: every provider in display order with what the forms need, from the core's one
/// registry (`provider.rs`), so a new preset reaches every picker without a UI change.
fn providers_const() -> String {
    let quote = |s: Option<&str>| match s {
        Some(s) => format!("{s:?}"),
        None => "null".into(),
    };
    let mut out = String::from(
        "\n/** Every provider, in display order (from the core's registry, `provider.rs`). */\n\
         export const PROVIDERS: ReadonlyArray<{\n  id: ProviderKind;\n  name: string;\n  \
         /** The public endpoint; null: the user must give one (or Ollama's local default). */\n  \
         baseUrl: string | null;\n  /** How its keys start, when they have a prefix. */\n  \
         keyHint: string | null;\n  /** Runs may go without a key. */\n  keyless: boolean;\n  \
         /** Speaks OpenAI's Chat Completions (a base URL may point at a proxy). */\n  \
         openaiWire: boolean;\n}> = [\n",
    );
    for k in core::ProviderKind::ALL {
        out.push_str(&format!(
            "  {{ id: {:?}, name: {:?}, baseUrl: {}, keyHint: {}, keyless: {}, openaiWire: {} }},\n",
            k.as_str(),
            k.display_name(),
            quote(k.default_base_url()),
            quote(k.key_hint()),
            k.keyless_ok(),
            k.speaks_openai()
        ));
    }
    out.push_str("];\n");
    out.push_str(&format!(
        "\n/** What the pre-flight of a model without a price says (the core's `UNPRICED_NOTICE`). */\n\
         export const UNPRICED_NOTICE = {:?};\n",
        core::runner::UNPRICED_NOTICE
    ));
    out
}

/// Splits `text` at `sep` where it is outside string literals, comments and brackets.
fn split_top(text: &str, sep: char) -> Vec<&str> {
    let (mut parts, mut start, mut depth) = (Vec::new(), 0, 0i32);
    let (mut in_str, mut in_comment) = (false, false);
    let bytes = text.as_bytes();
    for (i, c) in text.char_indices() {
        if in_comment {
            in_comment = !(c == '/' && i > 0 && bytes[i - 1] == b'*');
        } else if in_str {
            in_str = c != '"';
        } else {
            match c {
                '"' => in_str = true,
                '/' if bytes.get(i + 1) == Some(&b'*') => in_comment = true,
                '{' | '[' | '(' | '<' => depth += 1,
                '}' | ']' | ')' | '>' => depth -= 1,
                _ if c == sep && depth == 0 => {
                    parts.push(&text[start..i]);
                    start = i + c.len_utf8();
                }
                _ => {}
            }
        }
    }
    parts.push(&text[start..]);
    parts
}

/// A JSDoc block re-indented under `indent`: one line when the text is one line.
fn tidy_docs(docs: &str, indent: &str) -> String {
    let text: Vec<&str> = docs
        .lines()
        .map(str::trim)
        .filter(|l| !matches!(*l, "" | "/**" | "*/"))
        .map(|l| l.trim_start_matches('*').trim_end())
        .collect();
    match text.as_slice() {
        [] => String::new(),
        [one] => format!("{indent}/** {} */\n", one.trim_start()),
        lines => {
            let body: String = lines.iter().map(|l| format!("{indent} *{l}\n")).collect();
            format!("{indent}/**\n{body}{indent} */\n")
        }
    }
}

/// An object type one field per line, each under its doc comment.
fn layout_object(body: &str, indent: &str) -> String {
    let inner = body.trim().trim_start_matches('{').trim_end_matches('}');
    let fields: Vec<&str> = split_top(inner, ',')
        .into_iter()
        .map(str::trim)
        .filter(|f| !f.is_empty())
        .collect();
    if fields.is_empty() {
        return "Record<string, never>".into();
    }
    let mut out = String::from("{\n");
    for field in fields {
        let (docs, field) = match field.rfind("*/") {
            Some(end) if field.starts_with("/**") => (&field[..end + 2], field[end + 2..].trim()),
            _ => ("", field),
        };
        out.push_str(&tidy_docs(docs, &format!("{indent}  ")));
        out.push_str(&format!("{indent}  {field};\n"));
    }
    out.push_str(indent);
    out.push('}');
    out
}

/// ts-rs writes a declaration on as few lines as it can; this lays it out for reading: objects
/// one field per line, long unions one member per line.
fn layout(decl: &str) -> String {
    let Some((head, body)) = decl.split_once(" = ") else {
        return decl.to_string();
    };
    let body = body.trim().trim_end_matches(';');
    let members: Vec<&str> = split_top(body, '|').into_iter().map(str::trim).collect();
    let one_line = |m: &str| -> String {
        match m.starts_with('{') && m.contains("/**") {
            true => layout_object(m, "  "),
            false => m.to_string(),
        }
    };
    if members.len() == 1 {
        let m = members[0];
        return match m.starts_with('{') {
            true => format!("{head} = {};", layout_object(m, "")),
            false => format!("{head} = {m};"),
        };
    }
    let flat = format!("{head} = {};", members.join(" | "));
    if flat.len() <= 100 && !flat.contains("/**") {
        return flat;
    }
    let mut out = format!("{head} =");
    for m in members {
        out.push_str(&format!("\n  | {}", one_line(m)));
    }
    out.push(';');
    out
}

/// Types that a listed type refers to but the list does not declare (empty when complete), and
/// types declared twice.
pub fn missing() -> Vec<String> {
    let all: Vec<Decl> = sections(&config())
        .into_iter()
        .flat_map(|(_, d)| d)
        .collect();
    let mut declared = BTreeSet::new();
    let mut problems = Vec::new();
    for d in &all {
        if !declared.insert(d.name.clone()) {
            problems.push(format!("{} is declared twice", d.name));
        }
    }
    let referred: BTreeSet<&String> = all.iter().flat_map(|d| &d.refers_to).collect();
    for name in referred {
        if !declared.contains(name) {
            problems.push(format!("{name} is referred to but not declared"));
        }
    }
    problems
}
