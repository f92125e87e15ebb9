//! The ledger: one SQLite file holding every run, key metadata, price overrides and imported
//! price tables. WAL mode, foreign keys, a busy timeout (the app and the CLI may write at once),
//! forward-only migrations, and a refusal to open a file written by a newer PromptLedger.

pub mod comparisons;
pub mod conversations;
pub mod history;
pub mod keys;
mod migrations;
pub mod overrides;
pub mod paths;
pub mod price_tables;
pub mod rollup;
pub mod runs;
pub mod templates;

use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::error::{CoreError, Result};
use crate::pricing::{PriceTable, Pricer};
pub use migrations::{SCHEMA_VERSION, migrations};
pub use paths::{APP_IDENTIFIER, default_path, resolve_path};

/// An open ledger file (or an in-memory one for tests).
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
    path: Option<PathBuf>,
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
        conn.busy_timeout(Duration::from_secs(5))?;
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
            let _mode: String =
                conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
            conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        conn.pragma_update(None, "foreign_keys", "ON")?;
        migrations().to_latest(&mut conn)?;
        Ok(Ledger { conn, path })
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

    /// The pricer this ledger's user prices with: the newest imported table (or the bundled
    /// one) plus their overrides.
    pub fn pricer(&self) -> Result<Pricer> {
        let table = match self.active_price_table()? {
            Some(t) => std::sync::Arc::new(t),
            None => PriceTable::bundled(),
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
