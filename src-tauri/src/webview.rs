//! The window's web view, set up for what it shows: one calm page of forms, tables and SVG
//! charts, not the open web. On Linux (WebKitGTK) it draws on the CPU instead of compositing
//! through OpenGL — without a GPU that is Mesa's llvmpipe, whose shader compiler costs about
//! 80 MB in the web process and slows the first paint — and uses WebKit's document-viewer
//! cache model (no back/forward page cache, small memory caches): there is one page and
//! nothing to go back to. `PROMPTLEDGER_GPU=1` keeps WebKit's defaults (GPU compositing).

use tauri::Manager;

/// Applies the settings to the main window's web view (before its page has been drawn).
pub fn tune(app: &tauri::App) {
    if std::env::var_os("PROMPTLEDGER_GPU").is_some_and(|v| v == "1") {
        return;
    }
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    if let Err(e) = window.with_webview(tune_platform) {
        tracing::warn!("cannot tune the web view: {e}");
    }
}

#[cfg(target_os = "linux")]
fn tune_platform(view: tauri::webview::PlatformWebview) {
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
    };
    let view = view.inner();
    if let Some(settings) = WebViewExt::settings(&view) {
        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
    }
    if let Some(context) = view.context() {
        context.set_cache_model(CacheModel::DocumentViewer);
    }
}

#[cfg(not(target_os = "linux"))]
fn tune_platform(_view: tauri::webview::PlatformWebview) {}
