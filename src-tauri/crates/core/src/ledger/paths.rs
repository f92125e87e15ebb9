//! Where the ledger lives: `--db PATH`, else `$PROMPTLEDGER_DB`, else the platform's app data dir
//! for `com.promptledger.app` (the same file for the app and the CLI).

use std::path::{Path, PathBuf};

use crate::error::{CoreError, Result};

/// The app identifier (matches `tauri.conf.json`).
pub const APP_IDENTIFIER: &str = "com.promptledger.app";
/// The ledger's file name inside the app data dir.
pub const FILE_NAME: &str = "ledger.sqlite3";
/// Environment variable that overrides the default location.
pub const ENV_VAR: &str = "PROMPTLEDGER_DB";

/// `$XDG_DATA_HOME/com.promptledger.app/ledger.sqlite3` on Linux, and the platform's equivalent
/// elsewhere (what Tauri's `app_data_dir` returns for this identifier).
pub fn default_path() -> Option<PathBuf> {
    dirs::data_dir().map(|d| d.join(APP_IDENTIFIER).join(FILE_NAME))
}

/// The ledger path to use: `explicit`, else `$PROMPTLEDGER_DB`, else [`default_path`].
pub fn resolve_path(explicit: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = explicit {
        return Ok(p.to_path_buf());
    }
    if let Some(p) = std::env::var_os(ENV_VAR).filter(|v| !v.is_empty()) {
        return Ok(PathBuf::from(p));
    }
    default_path().ok_or_else(|| {
        CoreError::invalid(
            "ledger path",
            "no data directory is known for this user; pass --db PATH or set PROMPTLEDGER_DB",
        )
    })
}
