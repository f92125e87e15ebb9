//! Reconcile screen and admin key commands: the comparison of the ledger with what providers
//! bill, its chart, syncing the bill, exporting the rows, and OpenAI projects. A secret crosses
//! IPC only inbound (adding an admin key); nothing here returns one.

use promptledger_core::billing::{
    OpenAiProject, OpenAiProjectKey, ReconcileQuery, ReconcileReport, SyncOutcome, parse_day,
    period, sync_range, today_utc,
};
use promptledger_core::charts::{Chart, Theme, render_reconcile};
use promptledger_core::export::{ExportFile, reconcile_csv};
use promptledger_core::keys::KeySource;
use promptledger_core::keys::admin::NewAdminKey;
use promptledger_core::ledger::billing::{ADMIN_KEY_WARNING, AdminKeyRecord};
use promptledger_core::vault::Secret;
use promptledger_core::{ErrorCode, ProviderKind};
use serde::{Deserialize, Serialize};
use tauri::{AppHandle, State};
use ts_rs::TS;

use crate::error::{CmdResult, UiError};
use crate::state::AppState;

/// The add-admin-key form.
#[derive(Debug, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct AdminKeyInput {
    provider: String,
    label: String,
    #[ts(type = "string")]
    secret: Secret,
    base_url: Option<String>,
}

/// Saved admin keys, with what they can do.
#[derive(Debug, Serialize, TS)]
pub struct AdminKeysView {
    keys: Vec<AdminKeyRecord>,
    warning: String,
}

/// Saved admin keys.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn admin_keys_list(state: State<'_, AppState>) -> CmdResult<AdminKeysView> {
    Ok(AdminKeysView {
        keys: state.keys()?.admin_keys()?,
        warning: ADMIN_KEY_WARNING.into(),
    })
}

/// Checks an admin key with a billing call, then saves it.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn admin_key_add(
    state: State<'_, AppState>,
    input: AdminKeyInput,
) -> CmdResult<AdminKeyRecord> {
    let provider: ProviderKind = input.provider.parse()?;
    Ok(state
        .keys()?
        .add_admin(NewAdminKey {
            provider,
            label: input.label,
            secret: input.secret,
            base_url: input.base_url,
        })
        .await?)
}

/// Deletes an admin key (the bill it fetched stays).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn admin_key_remove(state: State<'_, AppState>, id: String) -> CmdResult<()> {
    Ok(state.keys()?.remove_admin(&id)?)
}

fn range_of(
    from: Option<&str>,
    to: Option<&str>,
) -> CmdResult<promptledger_core::billing::DayRange> {
    let from = from.map(|s| parse_day("from", s)).transpose()?;
    let to = to.map(|s| parse_day("to", s)).transpose()?;
    Ok(period(from, to, today_utc())?)
}

fn provider_of(p: Option<&str>) -> CmdResult<Option<ProviderKind>> {
    Ok(p.map(str::trim)
        .filter(|p| !p.is_empty())
        .map(str::parse)
        .transpose()?)
}

/// Fetches the bill of `provider` (default: every provider with an admin key) for the last
/// days (or `from..=to`).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn reconcile_sync(
    state: State<'_, AppState>,
    provider: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> CmdResult<Vec<SyncOutcome>> {
    sync_all(&state, provider.as_deref(), from.as_deref(), to.as_deref()).await
}

pub(crate) async fn sync_all(
    state: &AppState,
    provider: Option<&str>,
    from: Option<&str>,
    to: Option<&str>,
) -> CmdResult<Vec<SyncOutcome>> {
    let range = if from.is_some() || to.is_some() {
        Some(range_of(from, to)?)
    } else {
        None
    };
    let keys = state.keys()?;
    let providers: Vec<ProviderKind> = match provider_of(provider)? {
        Some(p) => vec![p],
        None => keys
            .admin_keys()?
            .iter()
            .filter_map(|k| k.provider.parse().ok())
            .collect(),
    };
    if providers.is_empty() {
        return Err(UiError::new(
            ErrorCode::InvalidInput,
            "No admin key yet: add one under Keys → Admin keys to fetch what OpenAI or Anthropic \
             billed.",
        ));
    }
    let mut out = Vec::new();
    for p in providers {
        out.push(sync_range(keys, p, range, None, KeySource::Keychain).await?);
    }
    Ok(out)
}

/// The comparison and its chart.
#[derive(Debug, Serialize, TS)]
pub struct ReconcileView {
    report: ReconcileReport,
    chart: Chart,
    /// Each saved admin key's provider and when it last synced (ms); empty without one.
    last_synced: Vec<(String, Option<i64>)>,
    #[ts(type = "number")]
    took_ms: f64,
}

/// The comparison of the ledger with the bill for `from..=to` (UTC days; default the last 30).
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn reconcile_view(
    state: State<'_, AppState>,
    provider: Option<String>,
    from: Option<String>,
    to: Option<String>,
    theme: Theme,
    chart_width: Option<u32>,
) -> CmdResult<ReconcileView> {
    let range = range_of(from.as_deref(), to.as_deref())?;
    let provider = provider_of(provider.as_deref())?;
    let t = std::time::Instant::now();
    let (report, admins) = state.with_ledger(|l| {
        Ok((
            l.reconcile(&ReconcileQuery {
                range,
                provider,
                today: today_utc(),
            })?,
            l.admin_keys()?,
        ))
    })?;
    let took_ms = t.elapsed().as_secs_f64() * 1000.0;
    let w = chart_width.unwrap_or(760);
    let chart = render_reconcile(&report.days, theme, w, (w * 2 / 5).clamp(220, 320))?;
    Ok(ReconcileView {
        report,
        chart,
        last_synced: admins
            .iter()
            .map(|k| (k.provider.clone(), k.last_synced_at_ms))
            .collect(),
        took_ms,
    })
}

/// Writes the comparison's rows to a CSV file the user picks; `None` when they cancel.
#[tauri::command]
#[tracing::instrument(skip(state, app), err(level = "info"))]
pub async fn reconcile_export_csv(
    app: AppHandle,
    state: State<'_, AppState>,
    provider: Option<String>,
    from: Option<String>,
    to: Option<String>,
) -> CmdResult<Option<String>> {
    let range = range_of(from.as_deref(), to.as_deref())?;
    let provider = provider_of(provider.as_deref())?;
    let report = state.with_ledger(|l| {
        Ok(l.reconcile(&ReconcileQuery {
            range,
            provider,
            today: today_utc(),
        })?)
    })?;
    let bytes = reconcile_csv(&report)?;
    let name = format!("promptledger-reconcile-{}-{}.csv", range.from, range.to);
    let Some(path) = crate::commands::analytics::save_path(&app, name, ("CSV", "csv")).await?
    else {
        return Ok(None);
    };
    let mut f = ExportFile::create(&path)?;
    let written = f.writer()?.write_all(&bytes);
    if let Err(e) = written {
        return Err(f.error(&e).into());
    }
    Ok(Some(f.finish()?.display().to_string()))
}

/// The OpenAI organisation's projects and keys, and which saved key is which.
#[derive(Debug, Serialize, TS)]
pub struct ProjectsView {
    projects: Vec<OpenAiProject>,
    keys: Vec<OpenAiProjectKey>,
    /// `(saved key id, its label, provider key id)` of every mapped saved key.
    mapped: Vec<(String, String, String)>,
}

/// Projects as of the last OpenAI sync.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn openai_projects(state: State<'_, AppState>) -> CmdResult<ProjectsView> {
    state.with_ledger(|l| {
        let mut mapped = Vec::new();
        for k in l.keys()? {
            if let Some((pk, _)) = l.key_mapping(&k.id)? {
                mapped.push((k.id, k.label, pk));
            }
        }
        Ok(ProjectsView {
            projects: l.openai_projects()?,
            keys: l.openai_project_keys()?,
            mapped,
        })
    })
}

/// Creates an OpenAI project with the admin key, then syncs the project list.
#[tauri::command]
#[tracing::instrument(skip(state), err(level = "info"))]
pub async fn openai_project_create(
    state: State<'_, AppState>,
    name: String,
) -> CmdResult<OpenAiProject> {
    let keys = state.keys()?;
    let (client, _) = keys.billing_client(ProviderKind::Openai, None, KeySource::Keychain)?;
    let p = client.create_openai_project(&name).await?;
    let (projects, project_keys) = client.openai_projects().await?;
    state.with_ledger(|l| {
        Ok(l.store_openai_projects(
            &projects,
            &project_keys,
            promptledger_core::ledger::now_ms(),
        )?)
    })?;
    Ok(p)
}

/// Background sync: every `billing_sync_minutes` (Settings; 0, the default, is off), the bill
/// of every provider with an admin key is fetched again.
pub fn spawn_billing_sync(app: tauri::AppHandle) {
    use tauri::Manager;
    crate::settings::spawn_every(
        app,
        |s| s.billing_sync_minutes,
        |app| async move {
            let Some(state) = app.try_state::<AppState>() else {
                return;
            };
            match sync_all(&state, None, None, None).await {
                Ok(done) => tracing::info!(providers = done.len(), "billing synced"),
                Err(e) => tracing::info!("background billing sync: {}", e.message),
            }
        },
    );
}
