//! The shape of a ledger read: a range of local days and the filters runs must pass. Analytics,
//! exports and budgets all ask the ledger in these terms.

use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::ledger::Zone;

/// An inclusive range of local days.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct DayRange {
    /// First day.
    pub from: NaiveDate,
    /// Last day (inclusive).
    pub to: NaiveDate,
}

impl DayRange {
    /// Number of days.
    pub fn days(&self) -> i64 {
        (self.to - self.from).num_days() + 1
    }

    /// The period of the same length just before this one.
    pub fn previous(&self) -> DayRange {
        let n = self.days();
        DayRange {
            from: self.from - chrono::Duration::days(n),
            to: self.from - chrono::Duration::days(1),
        }
    }

    /// Every day in the range, in order.
    pub fn each_day(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.from.iter_days().take_while(|d| *d <= self.to)
    }

    /// `[start, end)` in UTC ms: local midnight of the first day to local midnight after the
    /// last.
    pub fn instants(&self, zone: Zone) -> (i64, i64) {
        let after = self.to.succ_opt().unwrap_or(self.to);
        (zone.day_start_ms(self.from), zone.day_start_ms(after))
    }
}

/// `YYYY-MM-DD`.
pub fn day_key(d: NaiveDate) -> String {
    format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
}

/// Which runs count (each `None` is "all").
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Filters {
    /// Provider id.
    #[serde(default)]
    pub provider: Option<String>,
    /// Model (resolved, else requested).
    #[serde(default)]
    pub model: Option<String>,
    /// Key id.
    #[serde(default)]
    pub key_id: Option<String>,
    /// Tag / project.
    #[serde(default)]
    pub tag: Option<String>,
    /// Status (`ok`, `error`, `interrupted`, `cancelled`).
    #[serde(default)]
    pub status: Option<String>,
    /// OpenAI project (`proj_…`): runs sent with a saved key of that project (its
    /// `OpenAI-Project`, or the project its key was mapped to by a billing sync).
    #[serde(default)]
    pub project: Option<String>,
    /// Operation (`chat`, `embedding`, `image`, `transcription`, `speech`).
    #[serde(default)]
    pub operation: Option<String>,
}

impl Filters {
    /// Blank strings mean "all".
    pub fn normalized(&self) -> Filters {
        let f = |v: &Option<String>| {
            v.as_ref()
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
        };
        Filters {
            provider: f(&self.provider),
            model: f(&self.model),
            key_id: f(&self.key_id),
            tag: f(&self.tag),
            status: f(&self.status),
            project: f(&self.project),
            // Stored by its id, whichever way it was typed (`embed` → `embedding`).
            operation: f(&self.operation).map(|o| {
                o.parse::<crate::Operation>()
                    .map_or(o, |op| op.as_str().to_string())
            }),
        }
    }

    /// Whether any filter is set.
    pub fn any(&self) -> bool {
        self.provider.is_some()
            || self.model.is_some()
            || self.key_id.is_some()
            || self.tag.is_some()
            || self.status.is_some()
            || self.project.is_some()
            || self.operation.is_some()
    }
}
