//! Periods and filters: which local days a dashboard covers, the previous period of the same
//! length it is compared with, and which runs count.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::error::{CoreError, Result};
pub use crate::ledger::query::{DayRange, Filters, day_key};

/// A period the user picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
#[serde(rename_all = "snake_case")]
pub enum Preset {
    /// The last 7 days, today included.
    #[serde(rename = "7d")]
    Days7,
    /// The last 30 days.
    #[serde(rename = "30d")]
    Days30,
    /// The last 90 days.
    #[serde(rename = "90d")]
    Days90,
    /// The last 365 days.
    #[serde(rename = "1y")]
    Year,
    /// `from`..=`to`.
    Custom,
}

impl Preset {
    /// Parses `7d`, `30d`, `90d`, `1y` (and `custom`).
    pub fn parse(s: &str) -> Result<Preset> {
        match s.trim() {
            "7d" => Ok(Preset::Days7),
            "30d" => Ok(Preset::Days30),
            "90d" => Ok(Preset::Days90),
            "1y" | "365d" => Ok(Preset::Year),
            "custom" => Ok(Preset::Custom),
            other => Err(CoreError::invalid(
                "period",
                format!("`{other}` is not a period; use 7d, 30d, 90d, 1y or a --from/--to range"),
            )),
        }
    }

    fn days(self) -> Option<i64> {
        match self {
            Preset::Days7 => Some(7),
            Preset::Days30 => Some(30),
            Preset::Days90 => Some(90),
            Preset::Year => Some(365),
            Preset::Custom => None,
        }
    }
}

/// A period: a preset, or a custom inclusive range of local days.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ts", derive(ts_rs::TS))]
pub struct Period {
    /// Which period.
    pub preset: Preset,
    /// First day (custom).
    #[serde(default)]
    pub from: Option<NaiveDate>,
    /// Last day, inclusive (custom).
    #[serde(default)]
    pub to: Option<NaiveDate>,
}

impl Period {
    /// A preset period.
    pub fn preset(preset: Preset) -> Period {
        Period {
            preset,
            from: None,
            to: None,
        }
    }

    /// A custom range.
    pub fn custom(from: NaiveDate, to: NaiveDate) -> Period {
        Period {
            preset: Preset::Custom,
            from: Some(from),
            to: Some(to),
        }
    }

    /// The days this period covers, counted back from `today` for presets.
    pub fn range(&self, today: NaiveDate) -> Result<DayRange> {
        match self.preset.days() {
            Some(n) => Ok(DayRange {
                from: today - chrono::Duration::days(n - 1),
                to: today,
            }),
            None => {
                let (Some(from), Some(to)) = (self.from, self.to) else {
                    return Err(CoreError::invalid(
                        "period",
                        "a custom period needs both a first and a last day",
                    ));
                };
                if from > to {
                    return Err(CoreError::invalid(
                        "period",
                        format!("the first day ({from}) is after the last ({to})"),
                    ));
                }
                if (to - from).num_days() > 366 * 20 {
                    return Err(CoreError::invalid("period", "a period is at most 20 years"));
                }
                Ok(DayRange { from, to })
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_count_back_from_today_and_compare_with_the_same_length_before() {
        let today = NaiveDate::from_ymd_opt(2026, 3, 1).unwrap();
        let r = Period::preset(Preset::Days7).range(today).unwrap();
        assert_eq!(
            (day_key(r.from), day_key(r.to)),
            ("2026-02-23".into(), "2026-03-01".into())
        );
        let p = r.previous();
        assert_eq!(
            (day_key(p.from), day_key(p.to)),
            ("2026-02-16".into(), "2026-02-22".into())
        );
        assert_eq!(
            Period::preset(Preset::Year).range(today).unwrap().days(),
            365
        );
        let bad = Period::custom(today, today - chrono::Duration::days(1));
        assert!(bad.range(today).is_err());
        assert!(Preset::parse("2w").is_err());
        assert_eq!(Preset::parse("1y").unwrap(), Preset::Year);
    }
}
