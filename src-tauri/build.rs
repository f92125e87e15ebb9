//! Build script: generates Tauri's context (config, capabilities, embedded UI) and declares the
//! app's commands so that capabilities must grant each one explicitly.
fn main() {
    let commands = &[
        "app_info",
        "keys_list",
        "key_add",
        "key_test",
        "key_rotate",
        "key_set_default",
        "key_rename",
        "key_remove",
        "prices_list",
        "price_show",
        "price_override_set",
        "price_override_remove",
        "cost_calculate",
        "run_estimate",
        "run_start",
        "run_cancel",
        "ollama_models",
        "history_query",
        "run_detail",
        "run_delete",
        "conversations_list",
        "conversation_turns",
        "conversation_rename",
        "conversation_delete",
        "templates_list",
        "template_save",
        "compare_estimate",
        "compare_start",
        "compare_retry",
        "comparison_get",
        "comparisons_list",
        "comparison_update",
        "comparison_export_csv",
        "settings_get",
        "settings_set",
        "analytics_dashboard",
        "analytics_choices",
        "demo_open",
        "demo_close",
        "export_runs_file",
        "export_report_file",
        "chart_save",
        "analytics_rebuild",
    ];
    let attrs = tauri_build::Attributes::new()
        .app_manifest(tauri_build::AppManifest::new().commands(commands));
    if let Err(e) = tauri_build::try_build(attrs) {
        println!("cargo::error=tauri-build failed: {e:#}");
    }
}
