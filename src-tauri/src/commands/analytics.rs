//! Analytics screen commands: the dashboard with its charts, filter choices, sample data,
//! exports through the native save dialog (with progress), saving a chart, and rebuilding the
//! roll-up.

use std::path::PathBuf;
use ts_rs::TS;

use promptledger_core::analytics::{Dashboard, DashboardQuery};
use promptledger_core::charts::{Chart, ChartKind, Theme, render_sized};
use promptledger_core::demo::{self, DemoOptions};
use promptledger_core::export::{
    ExportFile, ExportFormat, RunExport, export_runs, report_csv, report_json,
};
use promptledger_core::ledger::Ledger;
use serde::{Deserialize, Serialize};
use tauri::ipc::Channel;
use tauri::{AppHandle, State};

use crate::error::{CmdResult, UiError};
use crate::state::AppState;
use promptledger_core::ErrorCode;

/// Which ledger a screen reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The user's own ledger.
    Ledger,
    /// The sample-data ledger.
    Demo,
}

pub(crate) fn with_source<T>(
    state: &AppState,
    source: Source,
    f: impl FnOnce(&mut Ledger) -> CmdResult<T>,
) -> CmdResult<T> {
    match source {
        Source::Ledger => state.with_ledger(f),
        Source::Demo => state.with_demo(f),
    }
}

/// The dashboard and its charts.
#[derive(Debug, Serialize, TS)]
pub struct AnalyticsView {
    dashboard: Dashboard,
    charts: Vec<Chart>,
    /// Time the figures took (ms), for the footer.
    took_ms: f64,
}

/// Figures and charts for a period, filters and theme.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn analytics_dashboard(
    state: State<'_, AppState>,
    source: Source,
    query: DashboardQuery,
    theme: Theme,
    chart_width: Option<u32>,
) -> CmdResult<AnalyticsView> {
    let t = std::time::Instant::now();
    let dashboard = with_source(&state, source, |l| {
        // Another process (the CLI) may have moved the ledger to another zone meanwhile.
        l.follow_stored_zone()?;
        Ok(l.dashboard(&query)?)
    })?;
    let took_ms = t.elapsed().as_secs_f64() * 1000.0;
    let charts = ChartKind::ALL
        .iter()
        .map(|k| {
            let w = chart_width.unwrap_or(760);
            render_sized(&dashboard, *k, theme, w, (w * 2 / 5).clamp(220, 340))
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(AnalyticsView {
        dashboard,
        charts,
        took_ms,
    })
}

/// One choice in a filter menu.
#[derive(Debug, Serialize, TS)]
pub struct Choice {
    value: String,
    label: String,
}

/// What the filter menus offer: the values that occur in the ledger.
#[derive(Debug, Serialize, TS)]
pub struct FilterChoices {
    providers: Vec<Choice>,
    models: Vec<Choice>,
    keys: Vec<Choice>,
    tags: Vec<Choice>,
    /// OpenAI projects that saved keys belong to.
    projects: Vec<Choice>,
    time_zone: String,
    demo: bool,
}

/// Filter choices for a ledger.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn analytics_choices(
    state: State<'_, AppState>,
    source: Source,
) -> CmdResult<FilterChoices> {
    with_source(&state, source, |l| {
        let v = l.rollup_values()?;
        let plain = |xs: Vec<String>| {
            xs.into_iter()
                .map(|x| Choice {
                    label: x.clone(),
                    value: x,
                })
                .collect()
        };
        Ok(FilterChoices {
            providers: v
                .providers
                .into_iter()
                .map(|p| Choice {
                    label: p
                        .parse::<promptledger_core::ProviderKind>()
                        .map_or_else(|_| p.clone(), |k| k.display_name().to_string()),
                    value: p,
                })
                .collect(),
            models: plain(v.models),
            keys: v
                .keys
                .into_iter()
                .map(|(id, label)| Choice { value: id, label })
                .collect(),
            tags: plain(v.tags),
            projects: {
                let names = l.openai_projects()?;
                l.key_projects()?
                    .into_iter()
                    .map(|id| Choice {
                        label: names
                            .iter()
                            .find(|p| p.id == id)
                            .map_or_else(|| id.clone(), |p| format!("{} ({id})", p.name)),
                        value: id,
                    })
                    .collect()
            },
            time_zone: l.time_zone().name().to_string(),
            demo: demo::is_demo(l)?,
        })
    })
}

/// The sample ledger as opened.
#[derive(Debug, Serialize, TS)]
pub struct DemoInfo {
    runs: i64,
    path: String,
}

/// Opens the sample-data ledger, creating it (20,000 runs over 90 days) the first time.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn demo_open(state: State<'_, AppState>) -> CmdResult<DemoInfo> {
    let path = state.demo_path()?;
    let p = path.clone();
    let ledger = tauri::async_runtime::spawn_blocking(move || -> CmdResult<Ledger> {
        let mut l = demo::open_sample(&p)?;
        if l.run_count()? == 0 {
            demo::fill(&mut l, &DemoOptions::recent(20_000), |_, _| {})?;
        }
        Ok(l)
    })
    .await
    .map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))??;
    let runs = ledger.run_count()?;
    state.set_demo(Some(ledger))?;
    Ok(DemoInfo {
        runs,
        path: path.display().to_string(),
    })
}

/// Leaves the sample data (and deletes its file: it can be made again in a second).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn demo_close(state: State<'_, AppState>) -> CmdResult<()> {
    state.set_demo(None)?;
    let path = state.demo_path()?;
    for ext in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{ext}", path.display()));
    }
    Ok(())
}

/// Asks where to save `name` (the native dialog), or uses `$PROMPTLEDGER_SAVE_DIR` when set
/// (automation and tests, where no one can click a dialog). `None` when the user cancels.
pub(crate) async fn save_path(
    app: &AppHandle,
    name: String,
    filter: (&'static str, &'static str),
) -> CmdResult<Option<PathBuf>> {
    if let Some(dir) = std::env::var_os("PROMPTLEDGER_SAVE_DIR") {
        return Ok(Some(PathBuf::from(dir).join(name)));
    }
    use tauri_plugin_dialog::DialogExt;
    let dialog = app
        .dialog()
        .file()
        .set_file_name(name)
        .add_filter(filter.0, &[filter.1]);
    dialog_path(
        move || dialog.blocking_save_file(),
        ErrorCode::NotWritable,
        "cannot save there",
    )
    .await
}

/// Shows a native file dialog off the async runtime (it blocks until the user answers) and
/// returns the chosen path; `None` when cancelled. `code` and `refused` describe a choice that
/// is no local path.
pub(crate) async fn dialog_path(
    show: impl FnOnce() -> Option<tauri_plugin_dialog::FilePath> + Send + 'static,
    code: ErrorCode,
    refused: &str,
) -> CmdResult<Option<PathBuf>> {
    let picked = tauri::async_runtime::spawn_blocking(show)
        .await
        .map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))?;
    picked
        .map(|p| p.into_path())
        .transpose()
        .map_err(|e| UiError::new(code, format!("{refused}: {e}")))
}

/// The native open dialog for one file of `kind` (`Datasets`, `Audio`) with these extensions;
/// `None` when cancelled.
pub(crate) async fn pick_file(
    app: &tauri::AppHandle,
    kind: &str,
    extensions: &[&str],
) -> CmdResult<Option<String>> {
    use tauri_plugin_dialog::DialogExt;
    let dialog = app.dialog().file().add_filter(kind, extensions);
    let picked = dialog_path(
        move || dialog.blocking_pick_file(),
        ErrorCode::InvalidInput,
        "cannot open that",
    )
    .await?;
    Ok(picked.map(|p| p.display().to_string()))
}

/// Progress of an export.
#[derive(Debug, Clone, Serialize, TS)]
pub struct ExportProgress {
    done: u64,
    total: u64,
}

impl ExportProgress {
    /// `done` of `total`.
    pub fn new(done: u64, total: u64) -> ExportProgress {
        ExportProgress { done, total }
    }
}

/// A finished export.
#[derive(Debug, Serialize, TS)]
pub struct ExportDone {
    path: String,
    rows: u64,
    cost_nano: promptledger_core::NanoUsd,
    /// Runs without a price (not in `cost_nano`).
    unpriced_runs: u64,
}

fn ledger_file(state: &AppState, source: Source) -> CmdResult<PathBuf> {
    match source {
        Source::Ledger => state
            .ledger_path
            .clone()
            .ok_or_else(|| UiError::new(ErrorCode::Storage, "the ledger has no file")),
        Source::Demo => state.demo_path(),
    }
}

/// The save dialog's filter name and extension for a format.
fn file_kind(format: ExportFormat) -> (&'static str, &'static str) {
    match format {
        ExportFormat::Csv => ("CSV", "csv"),
        ExportFormat::Json => ("JSON", "json"),
    }
}

fn stamp() -> String {
    chrono::Local::now().format("%Y-%m-%d").to_string()
}

/// Exports runs (CSV or JSON) with the screen's period and filters. It reads through its own
/// connection, so runs can finish and be recorded while a large export is written.
#[tauri::command]
#[tracing::instrument(skip(app, state, on_progress), err(level = "info"))]
pub async fn export_runs_file(
    app: AppHandle,
    state: State<'_, AppState>,
    source: Source,
    export: RunExport,
    format: ExportFormat,
    on_progress: Channel<ExportProgress>,
) -> CmdResult<Option<ExportDone>> {
    let ext = file_kind(format);
    let Some(dest) = save_path(
        &app,
        format!("promptledger-runs-{}.{}", stamp(), ext.1),
        ext,
    )
    .await?
    else {
        return Ok(None);
    };
    let db = ledger_file(&state, source)?;
    tauri::async_runtime::spawn_blocking(move || -> CmdResult<Option<ExportDone>> {
        let ledger = Ledger::open(&db)?;
        let mut file = ExportFile::create(&dest)?;
        let summary = export_runs(&ledger, &export, format, file.writer()?, |done, total| {
            let _ = on_progress.send(ExportProgress { done, total });
        })?;
        let path = file.finish()?;
        Ok(Some(ExportDone {
            path: path.display().to_string(),
            rows: summary.rows,
            cost_nano: summary.cost_nano,
            unpriced_runs: summary.unpriced_runs,
        }))
    })
    .await
    .map_err(|e| UiError::new(ErrorCode::Internal, e.to_string()))?
}

/// Exports the cost report: CSV (per day × model, per model, total) or the dashboard as JSON.
#[tauri::command]
#[tracing::instrument(skip(app, state), err(level = "info"))]
pub async fn export_report_file(
    app: AppHandle,
    state: State<'_, AppState>,
    source: Source,
    query: DashboardQuery,
    format: ExportFormat,
) -> CmdResult<Option<ExportDone>> {
    let ext = file_kind(format);
    let Some(dest) = save_path(
        &app,
        format!("promptledger-report-{}.{}", stamp(), ext.1),
        ext,
    )
    .await?
    else {
        return Ok(None);
    };
    with_source(&state, source, |l| {
        let d = l.dashboard(&query)?;
        let mut file = ExportFile::create(&dest)?;
        match format {
            ExportFormat::Csv => report_csv(l, &d.range, &d.filters, file.writer()?)?,
            ExportFormat::Json => report_json(&d, file.writer()?)?,
        }
        let path = file.finish()?;
        Ok(Some(ExportDone {
            path: path.display().to_string(),
            rows: d.by_model.len() as u64,
            cost_nano: d.totals.cost_nano,
            unpriced_runs: u64::try_from(d.totals.unpriced_runs).unwrap_or(0),
        }))
    })
}

/// Saves a chart: `svg` is the SVG text; `png` is the PNG the window drew from it, base64.
#[tauri::command]
#[tracing::instrument(skip(app, data), err(level = "info"))]
pub async fn chart_save(
    app: AppHandle,
    name: String,
    format: String,
    data: String,
) -> CmdResult<Option<String>> {
    let safe: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' {
                c
            } else {
                '-'
            }
        })
        .collect();
    let (bytes, filter) = match format.as_str() {
        "svg" => (data.into_bytes(), ("SVG image", "svg")),
        "png" => (
            decode_base64(&data).ok_or_else(|| {
                UiError::new(ErrorCode::InvalidInput, "the PNG data is not base64")
            })?,
            ("PNG image", "png"),
        ),
        other => {
            return Err(UiError::new(
                ErrorCode::InvalidInput,
                format!("cannot save a chart as `{other}`; use svg or png"),
            ));
        }
    };
    let Some(dest) = save_path(&app, format!("promptledger-{safe}.{}", filter.1), filter).await?
    else {
        return Ok(None);
    };
    let mut file = ExportFile::create(&dest)?;
    let w = file.writer()?;
    w.write_all(&bytes)
        .map_err(|e| UiError::new(ErrorCode::NotWritable, e.to_string()))?;
    Ok(Some(file.finish()?.display().to_string()))
}

/// Standard base64 (with padding) to bytes.
fn decode_base64(s: &str) -> Option<Vec<u8>> {
    let val = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => u32::from(c - b'A'),
            b'a'..=b'z' => u32::from(c - b'a') + 26,
            b'0'..=b'9' => u32::from(c - b'0') + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        })
    };
    let clean: Vec<u8> = s
        .bytes()
        .filter(|c| !c.is_ascii_whitespace() && *c != b'=')
        .collect();
    let mut out = Vec::with_capacity(clean.len() * 3 / 4);
    for chunk in clean.chunks(4) {
        let mut n = 0u32;
        for (i, c) in chunk.iter().enumerate() {
            n |= val(*c)? << (18 - 6 * i);
        }
        let bytes = n.to_be_bytes();
        out.extend_from_slice(&bytes[1..chunk.len()]);
    }
    Some(out)
}

/// Recomputes the roll-up from every run.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn analytics_rebuild(state: State<'_, AppState>, source: Source) -> CmdResult<()> {
    with_source(&state, source, |l| Ok(l.rebuild_rollup()?))
}

#[cfg(test)]
mod tests {
    use super::decode_base64;

    #[test]
    fn decodes_base64() {
        assert_eq!(decode_base64("aGVsbG8=").unwrap(), b"hello");
        assert_eq!(decode_base64("aGk=").unwrap(), b"hi");
        assert_eq!(decode_base64("iVBORw0KGgo=").unwrap(), b"\x89PNG\r\n\x1a\n");
        assert!(decode_base64("a$b=").is_none());
    }
}
