//! The app's shared state: the open ledger and the pricer built from it.

use promptledger_core::ledger::{Ledger, resolve_path};
use promptledger_core::pricing::Pricer;
use std::path::PathBuf;
use std::sync::{Mutex, MutexGuard, RwLock};

use crate::error::{CmdResult, UiError};

/// Shared by every command.
pub struct AppState {
    ledger: Mutex<Option<Ledger>>,
    pricer: RwLock<Pricer>,
    /// Where the ledger is (or would be).
    pub ledger_path: Option<PathBuf>,
    /// Why the ledger could not be opened, shown to the user instead of the screens' data.
    pub startup_error: Option<UiError>,
    /// Something the user should know from start-up (e.g. a settings file that was set aside).
    pub notice: Option<String>,
}

impl AppState {
    /// Opens the ledger the CLI uses too (`$PROMPTLEDGER_DB`, else the app data dir).
    pub fn open(notice: Option<String>) -> AppState {
        let (ledger_path, opened) = match resolve_path(None) {
            Ok(p) => {
                let opened = Ledger::open(&p).and_then(|l| Ok((l.pricer()?, l)));
                (Some(p), opened.map_err(UiError::from))
            }
            Err(e) => (None, Err(UiError::from(e))),
        };
        match opened {
            Ok((pricer, ledger)) => AppState {
                ledger: Mutex::new(Some(ledger)),
                pricer: RwLock::new(pricer),
                ledger_path,
                startup_error: None,
                notice,
            },
            Err(e) => {
                tracing::error!("cannot open the ledger: {}", e.message);
                AppState {
                    ledger: Mutex::new(None),
                    pricer: RwLock::new(Pricer::bundled()),
                    ledger_path,
                    startup_error: Some(e),
                    notice,
                }
            }
        }
    }

    /// Runs `f` with the open ledger.
    pub fn with_ledger<T>(&self, f: impl FnOnce(&mut Ledger) -> CmdResult<T>) -> CmdResult<T> {
        let mut guard: MutexGuard<'_, Option<Ledger>> = self
            .ledger
            .lock()
            .map_err(|_| UiError::new("internal", "the ledger lock was poisoned"))?;
        match guard.as_mut() {
            Some(l) => f(l),
            None => Err(self
                .startup_error
                .clone()
                .unwrap_or_else(|| UiError::new("storage", "the ledger is not open"))),
        }
    }

    /// The current pricer (cheap clone).
    pub fn pricer(&self) -> Pricer {
        match self.pricer.read() {
            Ok(p) => p.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }

    /// Rebuilds the pricer after overrides or tables changed.
    pub fn refresh_pricer(&self, ledger: &Ledger) -> CmdResult<()> {
        let fresh = ledger.pricer()?;
        match self.pricer.write() {
            Ok(mut p) => *p = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }
}
