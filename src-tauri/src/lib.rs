//! PromptLedger desktop app: the Tauri shell. It opens the ledger, registers the store plugin and
//! the app's own commands, and hands everything else to `promptledger-core`. A library, so the
//! commands' input mapping can be tested without a window (`tests/commands.rs`).

pub mod commands;
pub mod error;
pub mod settings;
pub mod startup;
pub mod state;
pub mod ui_types;
pub mod webview;

use tauri::Manager;

/// Starts the app and runs until its window closes.
pub fn run() {
    startup::mark("main");
    // Parsing the bundled price table takes about 10 ms (more in a debug build); do it on another core while
    // GTK and the window come up, so opening the ledger in `setup` (on the main thread, which
    // the first paint waits for) finds it ready.
    std::thread::spawn(|| {
        promptledger_core::pricing::PriceTable::bundled();
    });
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| "promptledger=info,warn".into()),
        )
        .with_writer(std::io::stderr)
        .init();

    let result = tauri::Builder::default()
        .plugin(tauri_plugin_store::Builder::new().build())
        // The save and open dialogs are opened from Rust only; the UI has no dialog permission.
        .plugin(tauri_plugin_dialog::init())
        // Links in answers are opened from Rust only (http, https, mailto); the UI has no opener
        // permission.
        .plugin(tauri_plugin_opener::init())
        // Budget alerts are shown from Rust only; the UI has no notification permission.
        .plugin(tauri_plugin_notification::init())
        .setup(|app| {
            startup::mark("setup_start");
            webview::tune(app);
            let notice = settings::quarantine_corrupt_file(app.handle());
            let http = settings::Settings::load(app.handle()).http();
            app.manage(state::AppState::open(notice, http));
            commands::guard::spawn_health_checks(app.handle().clone());
            commands::billing::spawn_billing_sync(app.handle().clone());
            commands::batch::spawn_batch_jobs(app.handle().clone());
            commands::otlp::spawn_sender(app.handle().clone());
            startup::mark("setup_done");
            Ok(())
        })
        .invoke_handler(tauri::generate_handler![
            commands::app::app_info,
            commands::app::open_link,
            commands::app::startup_mark,
            commands::keys::keys_list,
            commands::keys::key_add,
            commands::keys::key_test,
            commands::keys::key_rotate,
            commands::keys::key_set_default,
            commands::keys::key_rename,
            commands::keys::key_remove,
            commands::prices::prices_list,
            commands::price_updates::prices_update_info,
            commands::price_updates::prices_update_url_set,
            commands::price_updates::prices_update_check,
            commands::price_updates::prices_update_apply,
            commands::price_updates::prices_update_decline,
            commands::price_updates::prices_update_startup,
            commands::price_updates::price_history,
            commands::price_updates::analytics_what_if,
            commands::price_updates::analytics_advice,
            commands::prices::price_show,
            commands::prices::price_override_set,
            commands::prices::price_override_remove,
            commands::prices::price_unpriced_count,
            commands::prices::price_reprice_unpriced,
            commands::prices::cost_calculate,
            commands::runs::run_estimate,
            commands::runs::run_start,
            commands::runs::run_cancel,
            commands::operations::operation_estimate,
            commands::operations::operation_start,
            commands::operations::operation_pick_audio,
            commands::operations::operation_pick_folder,
            commands::operations::operation_default_dir,
            commands::runs::ollama_models,
            commands::runs::history_query,
            commands::runs::run_detail,
            commands::runs::run_delete,
            commands::runs::conversations_list,
            commands::runs::conversation_turns,
            commands::runs::conversation_rename,
            commands::runs::conversation_delete,
            commands::runs::templates_list,
            commands::runs::template_save,
            commands::compare::compare_estimate,
            commands::compare::compare_start,
            commands::compare::compare_retry,
            commands::compare::comparison_get,
            commands::compare::comparisons_list,
            commands::compare::comparison_update,
            commands::compare::comparison_export_csv,
            commands::settings::settings_get,
            commands::settings::settings_set,
            commands::analytics::analytics_dashboard,
            commands::analytics::analytics_choices,
            commands::analytics::demo_open,
            commands::analytics::demo_close,
            commands::analytics::export_runs_file,
            commands::analytics::export_report_file,
            commands::analytics::chart_save,
            commands::analytics::analytics_rebuild,
            commands::guard::budgets_list,
            commands::guard::budget_add,
            commands::guard::budget_remove,
            commands::guard::budget_alerts,
            commands::guard::budget_alerts_dismiss,
            commands::guard::cache_stats,
            commands::guard::cache_clear,
            commands::guard::health_report,
            commands::billing::admin_keys_list,
            commands::billing::admin_key_add,
            commands::billing::admin_key_remove,
            commands::billing::reconcile_sync,
            commands::billing::reconcile_view,
            commands::billing::reconcile_export_csv,
            commands::billing::openai_projects,
            commands::billing::openai_project_create,
            commands::batch::batch_pick_dataset,
            commands::batch::batch_estimate,
            commands::batch::batch_start,
            commands::batch::batch_jobs,
            commands::batch::batch_pause,
            commands::batch::batch_resume,
            commands::batch::batch_cancel,
            commands::batch::batch_results,
            commands::batch::batch_export,
            commands::otlp::otlp_get,
            commands::otlp::otlp_set,
            commands::otlp::otlp_langfuse,
            commands::otlp::otlp_test_span,
            commands::otlp::otlp_flush,
            commands::otlp::otlp_export_history,
        ])
        .run(tauri::generate_context!());
    if let Err(e) = result {
        tracing::error!("PromptLedger could not start: {e}");
        std::process::exit(1);
    }
}
