//! Every price table the ledger has priced with: the bundled one (recorded the first time it is
//! in use), files the user imported and updates downloaded. The newest import or update that is
//! not withdrawn is the table in use; with none, the bundled one. Nothing is ever deleted — a
//! reset withdraws — so a run's recorded table version always names a table whose rates can be
//! read again, and a model's rate history spans them all.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;
use std::collections::HashMap;
use std::sync::Arc;

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::pricing::diff::{TableDiff, diff};
use crate::pricing::table::{BUNDLED_JSON, BUNDLED_SOURCE};
use crate::pricing::update::{DEFAULT_URL, check_url};
use crate::pricing::{ModelPrice, PriceTable};

/// Where a table came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum TableOrigin {
    /// Shipped with PromptLedger.
    Bundled,
    /// A file the user imported.
    Import,
    /// Downloaded by *Check for updates* / `prices update`.
    Update,
}

impl TableOrigin {
    fn as_str(self) -> &'static str {
        match self {
            TableOrigin::Bundled => "bundled",
            TableOrigin::Import => "import",
            TableOrigin::Update => "update",
        }
    }

    fn parse(s: &str) -> TableOrigin {
        match s {
            "bundled" => TableOrigin::Bundled,
            "update" => TableOrigin::Update,
            _ => TableOrigin::Import,
        }
    }
}

/// One stored table, without its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct ImportedTable {
    /// The version id recorded on runs priced with it.
    pub version: String,
    /// Bundled, imported or updated.
    pub origin: TableOrigin,
    /// The file name it came from (imports).
    pub file_name: Option<String>,
    /// The address it was downloaded from (updates).
    pub source_url: Option<String>,
    /// When the ledger first used it (RFC 3339, UTC).
    pub imported_at: String,
    /// Token-priced models in it.
    #[cfg_attr(feature = "ts", ts(type = "number"))]
    pub models: i64,
    /// A reset took it out of use.
    pub withdrawn: bool,
}

/// One model's rates in one table of the history.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct RatePoint {
    /// The table.
    pub version: String,
    /// Where it came from.
    pub origin: TableOrigin,
    /// When the ledger first used it (RFC 3339, UTC).
    pub since: String,
    /// The table key the model resolved to, `null` when this table did not price it.
    pub key: Option<String>,
    /// Its rates by LiteLLM field name, nano-USD per 1M tokens (empty when not priced).
    #[cfg_attr(feature = "ts", ts(type = "Record<string, number>"))]
    pub rates: std::collections::BTreeMap<String, i64>,
}

const META_URL: &str = "prices_update_url";
const META_CHECKED: &str = "prices_checked_at";

impl Ledger {
    /// Validates `bytes` as a LiteLLM table and, only if it is valid, stores it as the table in
    /// use. An invalid file changes nothing.
    pub fn import_price_table(
        &mut self,
        bytes: &[u8],
        file_name: Option<&str>,
    ) -> Result<ImportedTable> {
        let table = parse_new(bytes, "import")?;
        self.store_price_table(&table, bytes, TableOrigin::Import, file_name, None)
    }

    /// Parses a downloaded table (`update-YYYYMMDD+sha`) and says what applying it would change
    /// against the table in use, ranked by the last 30 days' spend. Changes nothing.
    pub fn preview_price_table(&self, bytes: &[u8]) -> Result<(PriceTable, TableDiff)> {
        let table = parse_new(bytes, "update")?;
        let current = self.pricer()?;
        let mut d = diff(current.table(), &table);
        d.rank_by_spend(&self.spend_by_price_key(30)?);
        Ok((table, d))
    }

    /// Stores `table` (parsed from `bytes`) as the table in use.
    pub fn store_price_table(
        &mut self,
        table: &PriceTable,
        bytes: &[u8],
        origin: TableOrigin,
        file_name: Option<&str>,
        source_url: Option<&str>,
    ) -> Result<ImportedTable> {
        let v = table.version();
        let stored = ImportedTable {
            version: v.id.clone(),
            origin,
            file_name: file_name.map(str::to_string),
            source_url: source_url.map(str::to_string),
            imported_at: crate::ledger::now_rfc3339(),
            models: i64::try_from(v.models).unwrap_or(i64::MAX),
            withdrawn: false,
        };
        // The bundled table in use until now joins the history first, so the history shows
        // what the update replaced.
        let importing_over_bundled = origin != TableOrigin::Bundled
            && !self.conn().query_row(
                "SELECT EXISTS (SELECT 1 FROM price_tables
                                WHERE origin <> 'bundled' AND withdrawn = 0)",
                [],
                |r| r.get::<_, bool>(0),
            )?;
        if importing_over_bundled {
            self.note_bundled_in_use()?;
        }
        self.conn().execute(
            "INSERT INTO price_tables (version, sha256, file_name, imported_at, models, content,
                                       origin, source_url)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            params![
                stored.version,
                v.sha256,
                stored.file_name,
                stored.imported_at,
                stored.models,
                bytes,
                origin.as_str(),
                stored.source_url,
            ],
        )?;
        Ok(stored)
    }

    /// Records the bundled table in the history the first time it is in use (once per
    /// PromptLedger release that ships a new one).
    pub(crate) fn note_bundled_in_use(&self) -> Result<()> {
        let bundled = PriceTable::bundled();
        let v = bundled.version();
        self.conn().execute(
            "INSERT INTO price_tables (version, sha256, file_name, imported_at, models, content,
                                       origin)
             SELECT ?1, ?2, NULL, ?3, ?4, ?5, 'bundled'
             WHERE NOT EXISTS (SELECT 1 FROM price_tables WHERE version = ?1)",
            params![
                v.id,
                v.sha256,
                crate::ledger::now_rfc3339(),
                i64::try_from(v.models).unwrap_or(i64::MAX),
                BUNDLED_JSON,
            ],
        )?;
        Ok(())
    }

    /// The newest import or update not withdrawn, parsed, or `None` to use the bundled one.
    pub fn active_price_table(&self) -> Result<Option<PriceTable>> {
        let row: Option<(String, String, Vec<u8>)> = self
            .conn()
            .query_row(
                "SELECT version, sha256, content FROM price_tables
                 WHERE origin <> 'bundled' AND withdrawn = 0 ORDER BY id DESC LIMIT 1",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
            .optional()?;
        row.map(|(version, sha, content)| parse_stored(&version, &sha, &content))
            .transpose()
    }

    /// The table with this version id (`litellm-1.109.1+8f8060d8ce7a`, or an unambiguous prefix
    /// such as `update-20261130`): the bundled one or a stored one.
    pub fn price_table(&self, version: &str) -> Result<Arc<PriceTable>> {
        let version = version.trim();
        let bundled = PriceTable::bundled();
        if bundled.version().id == version || version == BUNDLED_SOURCE {
            return Ok(bundled);
        }
        let mut stmt = self.conn().prepare(
            "SELECT version, sha256, content FROM price_tables
             WHERE version = ?1 OR version LIKE ?1 || '+%' ORDER BY id DESC",
        )?;
        let rows = stmt
            .query_map([version], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, String>(1)?,
                    r.get::<_, Vec<u8>>(2)?,
                ))
            })?
            .collect::<rusqlite::Result<Vec<_>>>()?;
        let mut versions: Vec<&str> = rows.iter().map(|r| r.0.as_str()).collect();
        versions.sort_unstable();
        versions.dedup();
        match (rows.first(), versions.len()) {
            (Some((v, sha, content)), 1) => Ok(Arc::new(parse_stored(v, sha, content)?)),
            (None, _) => Err(CoreError::NotFound {
                what: "price table",
                id: version.to_string(),
            }),
            _ => Err(CoreError::invalid(
                "table",
                format!(
                    "`{version}` names {} tables ({}); give the whole version",
                    versions.len(),
                    versions.join(", ")
                ),
            )),
        }
    }

    /// Every table the ledger has used, oldest first.
    pub fn price_tables(&self) -> Result<Vec<ImportedTable>> {
        let mut stmt = self.conn().prepare(
            "SELECT version, origin, file_name, source_url, imported_at, models, withdrawn
             FROM price_tables ORDER BY id",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok(ImportedTable {
                version: r.get(0)?,
                origin: TableOrigin::parse(&r.get::<_, String>(1)?),
                file_name: r.get(2)?,
                source_url: r.get(3)?,
                imported_at: r.get(4)?,
                models: r.get(5)?,
                withdrawn: r.get::<_, i64>(6)? != 0,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// `model`'s rates in every table the ledger has used, oldest first (the bundled one when
    /// none is recorded yet). The model resolves in each table as a run's name would.
    pub fn price_history(&self, model: &str) -> Result<Vec<RatePoint>> {
        let model = model.trim();
        if model.is_empty() {
            return Err(CoreError::invalid("model", "give a model name"));
        }
        let mut tables = self.price_tables()?;
        if tables.is_empty() {
            let b = PriceTable::bundled();
            tables.push(ImportedTable {
                version: b.version().id.clone(),
                origin: TableOrigin::Bundled,
                file_name: None,
                source_url: None,
                imported_at: crate::ledger::now_rfc3339(),
                models: i64::try_from(b.len()).unwrap_or(i64::MAX),
                withdrawn: false,
            });
        }
        let mut seen: HashMap<String, Arc<PriceTable>> = HashMap::new();
        let mut points = Vec::with_capacity(tables.len());
        for t in tables {
            let table = match seen.get(&t.version) {
                Some(table) => table.clone(),
                None => {
                    let table = self.price_table(&t.version)?;
                    seen.insert(t.version.clone(), table.clone());
                    table
                }
            };
            let entry: Option<&ModelPrice> = table.resolve(None, model).map(|(p, _)| p);
            points.push(RatePoint {
                version: t.version,
                origin: t.origin,
                since: t.imported_at,
                key: entry.map(|p| p.key.clone()),
                rates: entry
                    .map(crate::pricing::diff::rate_fields)
                    .unwrap_or_default(),
            });
        }
        if points.iter().all(|p| p.key.is_none()) {
            let suggestions = PriceTable::bundled().suggest(None, model, 5);
            return Err(CoreError::UnknownModel {
                model: model.to_string(),
                suggestions,
            });
        }
        Ok(points)
    }

    /// Goes back to the bundled table by withdrawing every import and update (they stay in the
    /// history). Returns how many were in use.
    pub fn reset_price_tables(&mut self) -> Result<usize> {
        Ok(self.conn().execute(
            "UPDATE price_tables SET withdrawn = 1 WHERE origin <> 'bundled' AND withdrawn = 0",
            [],
        )?)
    }

    /// The user's spend per table key over the last `days` local days (today included).
    pub fn spend_by_price_key(&self, days: i64) -> Result<HashMap<String, i64>> {
        let today = self.time_zone().today();
        let from = today - chrono::Duration::days(days - 1);
        let mut stmt = self.conn().prepare(
            "SELECT price_key, sum(cost_nano) FROM rollup_price_model
             WHERE day BETWEEN ?1 AND ?2 AND price_key <> '' GROUP BY price_key",
        )?;
        let rows = stmt.query_map(
            [
                crate::ledger::query::day_key(from),
                crate::ledger::query::day_key(today),
            ],
            |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)),
        )?;
        Ok(rows.collect::<rusqlite::Result<HashMap<_, _>>>()?)
    }

    /// Where updates are downloaded from (LiteLLM's main branch unless the user changed it).
    pub fn price_update_url(&self) -> Result<String> {
        Ok(self
            .meta(META_URL)?
            .unwrap_or_else(|| DEFAULT_URL.to_string()))
    }

    /// Sets where updates come from; blank goes back to the default.
    pub fn set_price_update_url(&mut self, url: &str) -> Result<String> {
        if url.trim().is_empty() {
            self.conn()
                .execute("DELETE FROM ledger_meta WHERE key = ?1", [META_URL])?;
            return Ok(DEFAULT_URL.to_string());
        }
        let url = check_url(url)?;
        self.set_meta(META_URL, &url)?;
        Ok(url)
    }

    /// When updates were last checked for (RFC 3339), if ever.
    pub fn price_update_checked_at(&self) -> Result<Option<String>> {
        self.meta(META_CHECKED)
    }

    /// Records that updates were checked for now.
    pub fn note_price_update_check(&mut self) -> Result<()> {
        self.set_meta(META_CHECKED, &crate::ledger::now_rfc3339())
    }

    /// Whether a weekly check is due: never checked, or at least 7 days ago.
    pub fn price_update_due(&self) -> Result<bool> {
        let Some(at) = self.price_update_checked_at()? else {
            return Ok(true);
        };
        Ok(chrono::DateTime::parse_from_rfc3339(&at).map_or(true, |t| {
            chrono::Utc::now().signed_duration_since(t) >= chrono::Duration::days(7)
        }))
    }
}

/// A new table named `{kind}-YYYYMMDD+sha`.
fn parse_new(bytes: &[u8], kind: &str) -> Result<PriceTable> {
    let source = format!("{kind}-{}", chrono::Utc::now().format("%Y%m%d"));
    PriceTable::parse(bytes, &source, None)
}

fn parse_stored(version: &str, sha: &str, content: &[u8]) -> Result<PriceTable> {
    let source = version.split('+').next().unwrap_or(version).to_string();
    PriceTable::parse(content, &source, Some(sha)).map_err(|e| CoreError::InvalidPriceTable {
        reason: format!("stored table {version}: {e}"),
    })
}
