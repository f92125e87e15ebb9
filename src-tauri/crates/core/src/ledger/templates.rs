//! Templates and their versions: editing saves a new version; runs record template id and
//! version; each template knows how often it ran and what it cost.

use rusqlite::{OptionalExtension, params};
use serde::Serialize;

use crate::error::{CoreError, Result};
use crate::ledger::{Ledger, now_ms};
use crate::money::NanoUsd;

/// A template at its latest version, with its use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct TemplateRecord {
    /// Id.
    pub id: i64,
    /// Unique name.
    pub name: String,
    /// Latest version number (1, 2, …).
    pub version: i64,
    /// Body with `{{variables}}`.
    pub body: String,
    /// System prompt.
    pub system_prompt: Option<String>,
    /// Variables, in order of first use.
    pub variables: Vec<String>,
    /// Runs made from any version.
    pub usage_count: i64,
    /// Their total cost, nano-USD.
    pub spend_nano_usd: NanoUsd,
    /// When the latest version was saved (ms).
    pub updated_at_ms: i64,
}

const SELECT: &str = "SELECT t.id, t.name, v.version, v.body, v.system_prompt, v.created_at_ms,
    (SELECT count(*) FROM runs r WHERE r.template_id = t.id),
    (SELECT COALESCE(sum(cost_total_nano), 0) FROM runs r WHERE r.template_id = t.id)
    FROM templates t JOIN template_versions v ON v.template_id = t.id
    AND v.version = (SELECT max(version) FROM template_versions WHERE template_id = t.id)";

fn from_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<TemplateRecord> {
    let body: String = r.get(3)?;
    Ok(TemplateRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        version: r.get(2)?,
        variables: crate::templates::variables(&body),
        body,
        system_prompt: r.get(4)?,
        updated_at_ms: r.get(5)?,
        usage_count: r.get(6)?,
        spend_nano_usd: r.get(7)?,
    })
}

impl Ledger {
    /// Saves `body` as a new template, or as a new version of the template called `name`.
    pub fn save_template(
        &mut self,
        name: &str,
        body: &str,
        system_prompt: Option<&str>,
    ) -> Result<TemplateRecord> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 100 || name.chars().any(char::is_control) {
            return Err(CoreError::invalid(
                "template name",
                "give a name of 1 to 100 characters",
            ));
        }
        if body.trim().is_empty() {
            return Err(CoreError::invalid("template", "the template is empty"));
        }
        let now = now_ms();
        let tx = self.write_tx()?;
        let id: Option<i64> = tx
            .query_row("SELECT id FROM templates WHERE name = ?1", [name], |r| {
                r.get(0)
            })
            .optional()?;
        let id = match id {
            Some(id) => id,
            None => {
                tx.execute(
                    "INSERT INTO templates (name, created_at_ms) VALUES (?1, ?2)",
                    params![name, now],
                )?;
                tx.last_insert_rowid()
            }
        };
        tx.execute(
            "INSERT INTO template_versions (template_id, version, body, system_prompt, created_at_ms)
             VALUES (?1, (SELECT COALESCE(max(version), 0) + 1 FROM template_versions WHERE template_id = ?1), ?2, ?3, ?4)",
            params![id, body, system_prompt.filter(|s| !s.trim().is_empty()), now],
        )?;
        tx.commit()?;
        self.template(name)
    }

    /// A template by name, at its latest version.
    pub fn template(&self, name: &str) -> Result<TemplateRecord> {
        self.conn()
            .query_row(
                &format!("{SELECT} WHERE t.name = ?1"),
                [name.trim()],
                from_row,
            )
            .optional()?
            .ok_or_else(|| CoreError::NotFound {
                what: "template",
                id: name.to_string(),
            })
    }

    /// Every template, by name.
    pub fn templates(&self) -> Result<Vec<TemplateRecord>> {
        let mut stmt = self.conn().prepare(&format!("{SELECT} ORDER BY t.name"))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
