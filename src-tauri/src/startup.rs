//! Start-up milestones for `scripts/measure-startup.sh`. With `PROMPTLEDGER_STARTUP_LOG` set, each
//! milestone appends `NAME UNIX_MS` to that file (wall-clock milliseconds, so the script can
//! subtract the moment it launched the app); without it, nothing is written.

use std::io::Write;
use std::time::{SystemTime, UNIX_EPOCH};

/// Appends `name` and the current time to the start-up log, if one is asked for.
pub fn mark(name: &str) {
    mark_at(name, None);
}

/// Appends `name` and `at_ms` (Unix milliseconds; the current time when absent or not a time
/// in the past) to the start-up log, if one is asked for.
pub fn mark_at(name: &str, at_ms: Option<f64>) {
    let Some(path) = std::env::var_os("PROMPTLEDGER_STARTUP_LOG") else {
        return;
    };
    // Only a short word: the file is read by a script.
    let name: String = name
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(32)
        .collect();
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_millis())
        .unwrap_or(0);
    let ms = match at_ms {
        Some(t) if t.is_finite() && t > 0.0 && (t as u128) <= now => t as u128,
        _ => now,
    };
    let written = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .and_then(|mut f| writeln!(f, "{name} {ms}"));
    if let Err(e) = written {
        tracing::warn!("cannot write the start-up log: {e}");
    }
}
