//! Imported price tables: a newer LiteLLM file the user brings in. The newest import is the
//! table in use; the bundled one is used when there is none. Old imports are kept so a run's
//! recorded table version always names a table that existed.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::pricing::PriceTable;

/// One imported table, without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ImportedTable {
    /// The version id recorded on runs priced with it.
    pub version: String,
    /// The file name it came from.
    pub file_name: Option<String>,
    /// When it was imported (RFC 3339, UTC).
    pub imported_at: String,
    /// Token-priced models in it.
    pub models: i64,
}

impl Ledger {
    /// Validates `bytes` as a LiteLLM table and, only if it is valid, stores it as the table in
    /// use. An invalid file changes nothing.
    pub fn import_price_table(
        &mut self,
        bytes: &[u8],
        file_name: Option<&str>,
    ) -> Result<ImportedTable> {
        let now = chrono::Utc::now();
        let source = format!("import-{}", now.format("%Y%m%d"));
        let table = PriceTable::parse(bytes, &source, None)?;
        let v = table.version();
        let imported = ImportedTable {
            version: v.id.clone(),
            file_name: file_name.map(str::to_string),
            imported_at: now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            models: i64::try_from(v.models).unwrap_or(i64::MAX),
        };
        self.conn().execute(
            "INSERT INTO price_tables (version, sha256, file_name, imported_at, models, content)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            params![
                imported.version,
                v.sha256,
                imported.file_name,
                imported.imported_at,
                imported.models,
                bytes
            ],
        )?;
        Ok(imported)
    }

    /// The newest imported table, parsed, or `None` to use the bundled one.
    pub fn active_price_table(&self) -> Result<Option<PriceTable>> {
        let row: Option<(String, String, Vec<u8>)> = self
            .conn()
            .query_row(
                "SELECT version, sha256, content FROM price_tables ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        let Some((version, sha, content)) = row else {
            return Ok(None);
        };
        let source = version.split('+').next().unwrap_or(&version).to_string();
        PriceTable::parse(&content, &source, Some(&sha))
            .map(Some)
            .map_err(|e| CoreError::InvalidPriceTable {
                reason: format!("stored table {version}: {e}"),
            })
    }

    /// Goes back to the bundled table by forgetting every import.
    pub fn reset_price_tables(&mut self) -> Result<usize> {
        Ok(self.conn().execute("DELETE FROM price_tables", [])?)
    }
}
