//! The app's shared state: the open ledger, the pricer built from it, the HTTP client and the
//! key manager over the OS keychain.

use promptledger_core::batch::{JobControl, JobSummary};
use promptledger_core::error::lock;
use promptledger_core::keys::KeyManager;
use promptledger_core::ledger::{Ledger, Zone, resolve_path};
use promptledger_core::pricing::Pricer;
use promptledger_core::providers::{HttpSettings, ProviderClient};
use promptledger_core::runner::{KeySource, RunService, Runner};
use promptledger_core::vault::KeyringStore;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};
use tokio_util::sync::CancellationToken;

use crate::error::{CmdResult, UiError};
use promptledger_core::ErrorCode;

/// What exists only when the ledger opened.
struct Open {
    ledger: Arc<Mutex<Ledger>>,
    keys: KeyManager,
    /// Rebuilt when the user changes retries or timeouts.
    client: RwLock<ProviderClient>,
}

/// Shared by every command.
pub struct AppState {
    open: Option<Open>,
    /// Cancellation tokens of runs in flight, by the UI's run token.
    running: Mutex<HashMap<String, CancellationToken>>,
    pricer: RwLock<Pricer>,
    /// Where the ledger is (or would be).
    pub ledger_path: Option<PathBuf>,
    /// Why the ledger could not be opened, shown to the user instead of the screens' data.
    pub startup_error: Option<UiError>,
    /// Something the user should know from start-up (e.g. a settings file that was set aside).
    pub notice: Option<String>,
    /// The sample-data ledger, while the user explores it (a separate file; the real ledger is
    /// never touched).
    demo: Mutex<Option<Ledger>>,
    /// A downloaded price table the user has not yet applied or declined.
    pub pending_prices: Mutex<Option<PendingPrices>>,
    /// Batch jobs this process runs: their pause/cancel, and their latest progress.
    batches: Mutex<HashMap<i64, (JobControl, Option<JobSummary>)>>,
}

/// A downloaded price table waiting for the user's answer, and what it would change.
pub struct PendingPrices {
    /// The file as downloaded.
    pub bytes: Vec<u8>,
    /// It, parsed and validated.
    pub table: promptledger_core::pricing::PriceTable,
    /// Where from.
    pub url: String,
    /// Its diff against the table in use when it was checked.
    pub diff: promptledger_core::pricing::diff::TableDiff,
}

impl AppState {
    /// Opens the ledger the CLI uses too (`$PROMPTLEDGER_DB`, else the app data dir).
    pub fn open(notice: Option<String>, http: HttpSettings) -> AppState {
        let (ledger_path, opened) = match resolve_path(None) {
            Ok(p) => {
                // Analytics count days in the system's zone (a change rebuilds the roll-up).
                let opened = Ledger::open(&p).and_then(|mut l| {
                    l.set_time_zone(Zone::system())?;
                    Ok((l.pricer()?, l))
                });
                (Some(p), opened.map_err(UiError::from))
            }
            Err(e) => (None, Err(UiError::from(e))),
        };
        let client = ProviderClient::new(http).map_err(UiError::from);
        match (opened, client) {
            (Ok((pricer, ledger)), Ok(client)) => {
                let ledger = Arc::new(Mutex::new(ledger));
                let keys = KeyManager::new(Arc::new(KeyringStore), client.clone(), ledger.clone());
                let client = RwLock::new(client);
                AppState {
                    open: Some(Open {
                        ledger,
                        keys,
                        client,
                    }),
                    running: Mutex::new(HashMap::new()),
                    pricer: RwLock::new(pricer),
                    ledger_path,
                    startup_error: None,
                    notice,
                    demo: Mutex::new(None),
                    pending_prices: Mutex::new(None),
                    batches: Mutex::new(HashMap::new()),
                }
            }
            (Err(e), _) | (_, Err(e)) => {
                tracing::error!("cannot open the ledger: {}", e.message);
                AppState {
                    open: None,
                    running: Mutex::new(HashMap::new()),
                    pricer: RwLock::new(Pricer::bundled()),
                    ledger_path,
                    startup_error: Some(e),
                    notice,
                    demo: Mutex::new(None),
                    pending_prices: Mutex::new(None),
                    batches: Mutex::new(HashMap::new()),
                }
            }
        }
    }

    fn opened(&self) -> CmdResult<&Open> {
        self.open.as_ref().ok_or_else(|| {
            self.startup_error
                .clone()
                .unwrap_or_else(|| UiError::new(ErrorCode::Storage, "the ledger is not open"))
        })
    }

    /// Runs `f` with the open ledger.
    pub fn with_ledger<T>(&self, f: impl FnOnce(&mut Ledger) -> CmdResult<T>) -> CmdResult<T> {
        let mut guard = lock(&self.opened()?.ledger, "ledger")?;
        f(&mut guard)
    }

    /// The open ledger, shared (for work that locks it in turns, such as the team export).
    pub fn ledger_handle(&self) -> CmdResult<Arc<Mutex<Ledger>>> {
        Ok(self.opened()?.ledger.clone())
    }

    /// The sample-data ledger file, next to the real one.
    pub fn demo_path(&self) -> CmdResult<PathBuf> {
        self.ledger_path
            .as_ref()
            .and_then(|p| p.parent())
            .map(|d| d.join("sample-data.sqlite3"))
            .ok_or_else(|| UiError::new(ErrorCode::Storage, "no data folder for the sample ledger"))
    }

    /// Runs `f` with the sample-data ledger (an error when it is not open).
    pub fn with_demo<T>(&self, f: impl FnOnce(&mut Ledger) -> CmdResult<T>) -> CmdResult<T> {
        let mut guard = lock(&self.demo, "sample ledger")?;
        match guard.as_mut() {
            Some(l) => f(l),
            None => Err(UiError::new(
                ErrorCode::NotFound,
                "the sample data is closed; choose “Explore with sample data” again",
            )),
        }
    }

    /// Opens (or closes, with `None`) the sample-data ledger.
    pub fn set_demo(&self, ledger: Option<Ledger>) -> CmdResult<()> {
        *lock(&self.demo, "sample ledger")? = ledger;
        Ok(())
    }

    /// The key manager.
    pub fn keys(&self) -> CmdResult<&KeyManager> {
        Ok(&self.opened()?.keys)
    }

    /// The run service over the open ledger, the current prices and the keychain.
    pub fn service(&self) -> CmdResult<RunService> {
        let open = self.opened()?;
        Ok(RunService::new(
            Runner::new(self.client()?, open.ledger.clone(), self.pricer()),
            open.keys.clone(),
            KeySource::Keychain,
        ))
    }

    /// The shared HTTP client (cheap clone).
    pub fn client(&self) -> CmdResult<ProviderClient> {
        let lock = &self.opened()?.client;
        Ok(match lock.read() {
            Ok(c) => c.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        })
    }

    /// Applies new retry and timeout settings to the next runs.
    pub fn set_http(&self, http: HttpSettings) -> CmdResult<()> {
        let fresh = ProviderClient::new(http)?;
        let lock = &self.opened()?.client;
        match lock.write() {
            Ok(mut c) => *c = fresh,
            Err(poisoned) => *poisoned.into_inner() = fresh,
        }
        Ok(())
    }

    /// Remembers a run's cancellation token.
    pub fn register_run(&self, token: &str, cancel: CancellationToken) {
        if let Ok(mut m) = self.running.lock() {
            m.insert(token.to_string(), cancel);
        }
    }

    /// Forgets a finished run.
    pub fn forget_run(&self, token: &str) {
        if let Ok(mut m) = self.running.lock() {
            m.remove(token);
        }
    }

    /// Cancels a run in flight (no-op when it already finished).
    pub fn cancel_run(&self, token: &str) {
        if let Ok(m) = self.running.lock()
            && let Some(c) = m.get(token)
        {
            c.cancel();
        }
    }

    /// Notes that this process runs batch job `id`; `false` when it already does.
    pub fn batch_begin(&self, id: i64, control: JobControl) -> bool {
        match self.batches.lock() {
            Ok(mut m) if !m.contains_key(&id) => {
                m.insert(id, (control, None));
                true
            }
            _ => false,
        }
    }

    /// Keeps a running job's latest progress.
    pub fn batch_note(&self, s: &JobSummary) {
        if let Ok(mut m) = self.batches.lock()
            && let Some(entry) = m.get_mut(&s.job_id)
        {
            entry.1 = Some(s.clone());
        }
    }

    /// The latest progress of a job this process runs.
    pub fn batch_progress(&self, id: i64) -> Option<JobSummary> {
        self.batches.lock().ok()?.get(&id)?.1.clone()
    }

    /// The pause and cancel of a job this process runs.
    pub fn batch_control(&self, id: i64) -> Option<JobControl> {
        Some(self.batches.lock().ok()?.get(&id)?.0.clone())
    }

    /// Forgets a job that stopped running.
    pub fn batch_end(&self, id: i64) {
        if let Ok(mut m) = self.batches.lock() {
            m.remove(&id);
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
