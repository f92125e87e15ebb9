//! The ledger: one SQLite file holding every run, key metadata, price overrides and imported
//! price tables. WAL mode, foreign keys, a busy timeout (the app and the CLI may write at once),
//! forward-only migrations, and a refusal to open a file written by a newer PromptLedger.

pub mod batch_jobs;
pub mod billing;
pub mod budgets;
pub mod cache;
pub mod comparisons;
pub mod conversations;
mod functions;
pub mod health;
pub mod hist;
pub mod history;
pub mod in_flight;
pub mod keys;
mod migrations;
pub mod otlp;
pub mod overrides;
pub mod paths;
pub mod price_tables;
pub mod query;
mod repair;
pub mod rollup;
pub mod rollup_read;
pub mod runs;
pub mod templates;
pub mod unpriced;
pub mod zone;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{CoreError, Result};
use crate::pricing::{PriceTable, Pricer};
pub use migrations::{SCHEMA_VERSION, migrations};
pub use paths::{APP_IDENTIFIER, default_path, resolve_path};
pub use zone::Zone;

/// Registers the SQL functions the roll-up triggers call (`pl_day`, `pl_hist_*`) on a connection
/// PromptLedger did not open itself — to validate the migrations, or to write runs from a tool.
pub fn register_sql_functions(conn: &Connection, zone: Zone) -> Result<()> {
    Ok(functions::register(conn, zone)?)
}

/// How long a write waits for another process's write (the app and the CLI share the file).
const BUSY_TIMEOUT: Duration = Duration::from_secs(5);

/// An open ledger file (or an in-memory one for tests).
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
    path: Option<PathBuf>,
    zone: Zone,
    /// The bundled table is in the price history (checked once per connection).
    bundled_noted: std::sync::atomic::AtomicBool,
}

impl Ledger {
    /// Opens (creating if needed) the ledger at `path` and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Ledger> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|source| CoreError::Io {
                action: "cannot create the ledger directory",
                path: dir.display().to_string(),
                source,
            })?;
        }
        let conn = Connection::open(path)?;
        Self::init(conn, Some(path.to_path_buf()))
    }

    /// A private in-memory ledger (tests, benches).
    pub fn open_in_memory() -> Result<Ledger> {
        Self::init(Connection::open_in_memory()?, None)
    }

    fn init(mut conn: Connection, path: Option<PathBuf>) -> Result<Ledger> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Reading the header first turns "not a database" into an error before anything writes.
        let found: i64 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
        if found > SCHEMA_VERSION {
            return Err(CoreError::DatabaseTooNew {
                path: path
                    .as_ref()
                    .map_or_else(|| ":memory:".into(), |p| p.display().to_string()),
                found,
                supported: SCHEMA_VERSION,
            });
        }
        if path.is_some() {
            // Switching a new file to WAL upgrades a read lock to a write lock, and SQLite does
            // not wait for a lock it would have to upgrade: processes creating the same file
            // at once would fail with "database is locked". They retry within the busy timeout.
            let _mode: String = retry_while_busy(BUSY_TIMEOUT, || {
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
            })?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
            // 64 MiB of page cache (the default is 2 MiB): the cost, latency and time indexes
            // take random inserts, and a large ledger would otherwise read pages back from
            // disk on every run it records.
            conn.pragma_update(None, "cache_size", -65_536)?;
        }
        // The roll-up counts days in the zone the file was rolled up in (the system's zone for a
        // new file); the functions its triggers call must exist before any migration runs.
        let stored = stored_zone(&conn);
        let zone = stored.unwrap_or_else(Zone::system);
        functions::register(&conn, zone)?;
        // Migrations run with foreign keys off, as SQLite's table-rebuild procedure requires
        // (dropping the old `runs` must not null the links to it); each migration checks the
        // keys before it commits.
        conn.pragma_update(None, "foreign_keys", "OFF")?;
        migrations::migrate(&mut conn, BUSY_TIMEOUT)?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let mut ledger = Ledger {
            conn,
            path,
            zone,
            bundled_noted: std::sync::atomic::AtomicBool::new(false),
        };
        if stored.is_none() {
            ledger.store_zone()?;
        }
        // Migration 5 replaced the UTC roll-up; runs recorded before it are rolled up once.
        if (1..5).contains(&found) {
            ledger.rebuild_rollup()?;
        }
        // Requests a process sent and never recorded (it was killed) become interrupted runs.
        let recovered = ledger.recover_flights()?;
        if recovered > 0 {
            tracing::warn!(recovered, "recorded runs whose process ended mid-request");
        }
        // Runs poisoned by impossible usage before it was bounded, and provider text stored
        // before it was redacted, are repaired once.
        if (1..9).contains(&found) {
            let repaired = repair::repair_overflowed_runs(&mut ledger.conn)?;
            let scrubbed = repair::scrub_stored_text(&mut ledger.conn)?;
            if repaired + scrubbed > 0 {
                tracing::warn!(repaired, scrubbed, "repaired the ledger once");
            }
        }
        Ok(ledger)
    }

    /// The zone analytics days are counted in.
    pub fn time_zone(&self) -> Zone {
        self.zone
    }

    /// Counts days in `zone` from now on, rebuilding the roll-up when it changes (a few seconds
    /// per million runs). Returns whether anything changed.
    pub fn set_time_zone(&mut self, zone: Zone) -> Result<bool> {
        if zone == self.zone {
            return Ok(false);
        }
        functions::register(&self.conn, zone)?;
        self.zone = zone;
        self.store_zone()?;
        self.rebuild_rollup()?;
        Ok(true)
    }

    /// A value from the ledger's own metadata (`time_zone`, `demo`…).
    pub fn meta(&self, key: &str) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT value FROM ledger_meta WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()?)
    }

    /// Sets a metadata value.
    pub fn set_meta(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO ledger_meta (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }

    /// Follows a zone another process (the CLI, the app) stored since this connection opened,
    /// so every writer keys days the same way. Cheap when nothing changed (one indexed read).
    pub fn follow_stored_zone(&mut self) -> Result<()> {
        if let Some(stored) = stored_zone(&self.conn).filter(|z| *z != self.zone) {
            functions::register(&self.conn, stored)?;
            self.zone = stored;
        }
        Ok(())
    }

    fn store_zone(&mut self) -> Result<()> {
        self.conn.execute(
            "INSERT INTO ledger_meta (key, value) VALUES ('time_zone', ?1)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [self.zone.name()],
        )?;
        Ok(())
    }

    /// The file, or `None` in memory.
    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The schema version in the file.
    pub fn schema_version(&self) -> Result<i64> {
        Ok(self
            .conn
            .pragma_query_value(None, "user_version", |r| r.get(0))?)
    }

    /// The pricer this ledger's user prices with: the newest imported or updated table (or the
    /// bundled one, which joins the price history the first time it is used) plus overrides.
    pub fn pricer(&self) -> Result<Pricer> {
        let table = match self.active_price_table()? {
            Some(t) => std::sync::Arc::new(t),
            None => {
                use std::sync::atomic::Ordering;
                if !self.bundled_noted.load(Ordering::Relaxed) {
                    let known: bool = self.conn.query_row(
                        "SELECT EXISTS (SELECT 1 FROM price_tables WHERE version = ?1)",
                        [&PriceTable::bundled().version().id],
                        |r| r.get(0),
                    )?;
                    if !known {
                        self.note_bundled_in_use()?;
                    }
                    self.bundled_noted.store(true, Ordering::Relaxed);
                }
                PriceTable::bundled()
            }
        };
        Ok(Pricer::new(table, self.list_overrides()?))
    }

    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// A write transaction that takes the write lock at BEGIN (waiting up to the busy timeout),
    /// so two processes writing at once queue instead of failing with "database is locked"
    /// when a deferred transaction would have to upgrade a stale read snapshot.
    pub(crate) fn write_tx(&mut self) -> Result<rusqlite::Transaction<'_>> {
        Ok(self
            .conn
            .transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?)
    }
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    chrono::Utc::now().timestamp_millis()
}

/// Now, RFC 3339 UTC with seconds.
pub fn now_rfc3339() -> String {
    chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
}

/// Runs `step` again while SQLite reports the file busy without having waited (a lock upgrade),
/// for at most `within`.
fn retry_while_busy<T>(
    within: Duration,
    mut step: impl FnMut() -> rusqlite::Result<T>,
) -> rusqlite::Result<T> {
    let deadline = std::time::Instant::now() + within;
    loop {
        match step() {
            Err(rusqlite::Error::SqliteFailure(e, _))
                if e.code == rusqlite::ErrorCode::DatabaseBusy
                    && std::time::Instant::now() < deadline =>
            {
                std::thread::sleep(Duration::from_millis(2));
            }
            done => return done,
        }
    }
}

/// The zone a file's roll-up was built in, when it has one (files before migration 5 do not).
fn stored_zone(conn: &Connection) -> Option<Zone> {
    conn.prepare_cached("SELECT value FROM ledger_meta WHERE key = 'time_zone'")
        .and_then(|mut s| s.query_row([], |r| r.get::<_, String>(0)))
        .ok()
        .and_then(|name| Zone::parse(&name).ok())
}
