//! The window's web view, set up for what it shows: one page of forms, tables and SVG charts,
//! not the open web. On Linux (WebKitGTK) it draws on the CPU instead of compositing through
//! OpenGL — without a GPU that is Mesa's llvmpipe, which costs about 85 MB in the web process
//! and caps a streaming answer at about 13 frames a second on two cores (58 without it) — and
//! uses WebKit's document-viewer cache model (no back/forward page cache, small memory caches):
//! there is one page and nothing to go back to. `PROMPTLEDGER_GPU=1` keeps WebKit's GPU
//! compositing.
//!
//! Known: in this mode WebKitGTK 2.50 sometimes never answers a snapshot request (WebDriver's
//! screenshot); the window tests therefore capture the window from the X server.

use tauri::Manager;

/// Applies the settings to the main window's web view, before its page is first drawn.
pub fn tune(app: &tauri::App) {
    let Some(window) = app.get_webview_window("main") else {
        return;
    };
    let gpu = std::env::var_os("PROMPTLEDGER_GPU").is_some_and(|v| v == "1");
    if let Err(e) = window.with_webview(move |view| tune_platform(view, gpu)) {
        tracing::warn!("cannot tune the web view: {e}");
    }
}

#[cfg(target_os = "linux")]
fn tune_platform(view: tauri::webview::PlatformWebview, gpu: bool) {
    use webkit2gtk::{
        CacheModel, HardwareAccelerationPolicy, SettingsExt, WebContextExt, WebViewExt,
    };
    let view = view.inner();
    if !gpu && let Some(settings) = WebViewExt::settings(&view) {
        settings.set_hardware_acceleration_policy(HardwareAccelerationPolicy::Never);
    }
    if let Some(context) = view.context() {
        context.set_cache_model(CacheModel::DocumentViewer);
    }
}

#[cfg(not(target_os = "linux"))]
fn tune_platform(_view: tauri::webview::PlatformWebview, _gpu: bool) {}
