//! The `price_overrides` table: the user's own prices and custom models.

use rusqlite::{OptionalExtension, Row, params};

use crate::error::{CoreError, Result};
use crate::ledger::Ledger;
use crate::money::RatePerMTok;
use crate::pricing::{PriceOverride, Rates};

const COLUMNS: &str = "model, rate_input, rate_output, rate_cached_input, rate_cache_write,
    rate_cache_write_1h, rate_reasoning, max_input_tokens, note, updated_at";

fn from_row(r: &Row<'_>) -> rusqlite::Result<PriceOverride> {
    let rate = |i: usize| -> rusqlite::Result<Option<RatePerMTok>> {
        Ok(r.get::<_, Option<i64>>(i)?.map(RatePerMTok))
    };
    Ok(PriceOverride {
        model: r.get(0)?,
        rates: Rates {
            input: rate(1)?,
            output: rate(2)?,
            cache_read: rate(3)?,
            cache_write_5m: rate(4)?,
            cache_write_1h: rate(5)?,
            reasoning: rate(6)?,
        },
        max_input_tokens: r
            .get::<_, Option<i64>>(7)?
            .and_then(|v| u64::try_from(v).ok()),
        note: r.get(8)?,
        updated_at: r.get(9)?,
    })
}

impl Ledger {
    /// Every override, by model name.
    pub fn list_overrides(&self) -> Result<Vec<PriceOverride>> {
        let mut stmt = self.conn().prepare(&format!(
            "SELECT {COLUMNS} FROM price_overrides ORDER BY model"
        ))?;
        let rows = stmt.query_map([], from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    /// One override.
    pub fn get_override(&self, model: &str) -> Result<Option<PriceOverride>> {
        Ok(self
            .conn()
            .query_row(
                &format!("SELECT {COLUMNS} FROM price_overrides WHERE model = ?1"),
                [model],
                from_row,
            )
            .optional()?)
    }

    /// Creates or replaces the override for `o.model`. A name the current table does not know
    /// becomes a custom model and must carry input and output prices.
    pub fn set_override(&mut self, o: &PriceOverride) -> Result<()> {
        o.validate()?;
        let pricer = self.pricer()?;
        let known = pricer.table().resolve(None, &o.model).is_some();
        if !known {
            o.as_custom()?;
        }
        let r = |v: Option<RatePerMTok>| v.map(|x| x.0);
        self.conn().execute(
            &format!(
                "INSERT OR REPLACE INTO price_overrides ({COLUMNS})
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"
            ),
            params![
                o.model.trim(),
                r(o.rates.input),
                r(o.rates.output),
                r(o.rates.cache_read),
                r(o.rates.cache_write_5m),
                r(o.rates.cache_write_1h),
                r(o.rates.reasoning),
                o.max_input_tokens.and_then(|v| i64::try_from(v).ok()),
                o.note,
                o.updated_at,
            ],
        )?;
        Ok(())
    }

    /// Removes the override for `model`.
    pub fn remove_override(&mut self, model: &str) -> Result<()> {
        match self
            .conn()
            .execute("DELETE FROM price_overrides WHERE model = ?1", [model])?
        {
            0 => Err(CoreError::NotFound {
                what: "price override",
                id: model.to_string(),
            }),
            _ => Ok(()),
        }
    }
}
