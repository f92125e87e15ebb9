//! Time-windowed rate sets: a block such as LiteLLM's `off_peak_pricing` whose rates replace the
//! model's while the clock is inside one of its windows (DeepSeek V4's off-peak hours).
//!
//! Read as LiteLLM reads it, so both agree on the same table:
//! - `hours_utc` is one `"HH:MM-HH:MM"` span or a list of them, in UTC. The start is inclusive,
//!   the end exclusive; an end at or before the start wraps past midnight (`"10:00-00:00"` is
//!   10:00 to midnight, `"00:00-00:00"` the whole day).
//! - `weekdays` (ISO numbers, 1 = Monday … 7 = Sunday, or names such as `"sat"`) limits a rule to
//!   those days, counted in `weekday_timezone` (an IANA zone; UTC when absent or unknown) at the
//!   instant itself. Without `weekdays` a rule holds every day.
//! - `windows` is a list of `{hours_utc, weekdays}` rules; a block's own `hours_utc` (with its
//!   own `weekdays`) is one more rule. The set applies when any rule holds.
//! - A rule that cannot be read (an hour of 25, a weekday of 0 or `"noday"`) never holds: a
//!   malformed window falls back to the standard rates, it does not fail the table.

use chrono::{Datelike, Timelike};
use serde::Serialize;
use serde_json::Value;

use crate::ledger::Zone;
use crate::pricing::table::Rates;

/// The name of the rates that apply outside every window.
pub const STANDARD: &str = "standard";

/// A rate set that applies while its schedule holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WindowedRates {
    /// How the breakdown names it: `off-peak` for `off_peak_pricing`.
    pub name: String,
    /// The rates it sets (unset ones keep the model's).
    pub rates: Rates,
    /// When it applies.
    pub schedule: Schedule,
}

/// When a windowed rate set applies.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Schedule {
    /// Any rule holding is enough.
    pub rules: Vec<Rule>,
    /// The zone weekdays are counted in.
    pub weekday_zone: Zone,
}

/// Hours of some weekdays.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// `[start, end)` minutes after 00:00 UTC; `end <= start` wraps past midnight.
    pub spans: Vec<(u16, u16)>,
    /// Bit `d` set: ISO weekday `d` (1 = Monday). `None`: every day.
    pub weekdays: Option<u8>,
}

impl Schedule {
    /// Reads a block (`{"hours_utc": …, "weekdays": …, "windows": […], "weekday_timezone": …}`);
    /// `None` when it names no hours at all (then it is not a windowed block).
    pub fn parse(block: &serde_json::Map<String, Value>) -> Option<Schedule> {
        let has_hours = block.contains_key("hours_utc") || block.contains_key("windows");
        if !has_hours {
            return None;
        }
        let weekday_zone = block
            .get("weekday_timezone")
            .and_then(Value::as_str)
            .and_then(|z| Zone::parse(z).ok())
            .unwrap_or(Zone::UTC);
        let mut rules = Vec::new();
        if let Some(hours) = block.get("hours_utc") {
            rules.push(Rule::parse(hours, block.get("weekdays")));
        }
        if let Some(Value::Array(windows)) = block.get("windows") {
            // An item that is not an object is not a rule: it can never hold.
            for w in windows.iter().filter_map(Value::as_object) {
                rules.push(Rule::parse(
                    w.get("hours_utc").unwrap_or(&Value::Null),
                    w.get("weekdays"),
                ));
            }
        }
        Some(Schedule {
            rules,
            weekday_zone,
        })
    }

    /// Whether the set applies at `at_ms` (ms since the epoch).
    pub fn holds_at(&self, at_ms: i64) -> bool {
        let Some(utc) = chrono::DateTime::from_timestamp_millis(at_ms) else {
            return false;
        };
        let minute = (utc.hour() * 60 + utc.minute()) as u16;
        let weekday = self
            .weekday_zone
            .day_of(at_ms)
            .weekday()
            .number_from_monday() as u8;
        self.rules.iter().any(|r| r.holds(minute, weekday))
    }
}

impl Rule {
    fn parse(hours: &Value, weekdays: Option<&Value>) -> Rule {
        let spans = match hours {
            Value::String(s) => span(s).into_iter().collect(),
            Value::Array(list) => list
                .iter()
                .filter_map(|v| v.as_str().and_then(span))
                .collect(),
            _ => Vec::new(),
        };
        let weekdays = match weekdays {
            None | Some(Value::Null) => None,
            Some(Value::Array(days)) => {
                Some(days.iter().filter_map(weekday_bit).fold(0, |a, b| a | b))
            }
            Some(one) => Some(weekday_bit(one).unwrap_or(0)),
        };
        Rule { spans, weekdays }
    }

    fn holds(&self, minute: u16, weekday: u8) -> bool {
        if let Some(days) = self.weekdays
            && days & (1 << weekday) == 0
        {
            return false;
        }
        self.spans.iter().any(|&(start, end)| {
            if start < end {
                (start..end).contains(&minute)
            } else {
                minute >= start || minute < end
            }
        })
    }
}

/// `"04:00-06:00"` → (240, 360); anything else → `None`.
fn span(s: &str) -> Option<(u16, u16)> {
    let (a, b) = s.trim().split_once('-')?;
    Some((clock(a)?, clock(b)?))
}

/// `"HH:MM"` → minutes after midnight (`24:00` is not a time of day).
fn clock(s: &str) -> Option<u16> {
    let (h, m) = s.trim().split_once(':')?;
    let (h, m): (u16, u16) = (h.parse().ok()?, m.parse().ok()?);
    (h < 24 && m < 60).then_some(h * 60 + m)
}

/// An ISO weekday number or an English day name (`"sat"`, `"Sunday"`: chrono's parser) → its bit.
fn weekday_bit(v: &Value) -> Option<u8> {
    let n = match v {
        Value::Number(n) => n.as_u64().filter(|d| (1..=7).contains(d))? as u8,
        Value::String(s) => s
            .trim()
            .parse::<chrono::Weekday>()
            .ok()?
            .number_from_monday() as u8,
        _ => return None,
    };
    Some(1 << n)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn at(s: &str) -> i64 {
        chrono::DateTime::parse_from_rfc3339(s)
            .unwrap()
            .timestamp_millis()
    }

    fn holds(block: Value, when: &str) -> bool {
        Schedule::parse(block.as_object().unwrap())
            .unwrap()
            .holds_at(at(when))
    }

    fn deepseek() -> Value {
        json!({"windows": [
            {"hours_utc": ["00:00-01:00", "04:00-06:00", "10:00-00:00"], "weekdays": [1, 2, 3, 4, 5]},
            {"hours_utc": "00:00-00:00", "weekdays": [6, 7]}
        ]})
    }

    #[test]
    fn deepseek_weekday_and_weekend_windows() {
        // 2026-08-24 is a Monday.
        for (when, expected) in [
            ("2026-08-24T00:00:00Z", true),
            ("2026-08-24T00:59:59Z", true),
            ("2026-08-24T01:00:00Z", false),
            ("2026-08-24T01:30:00Z", false),
            ("2026-08-24T03:59:00Z", false),
            ("2026-08-24T04:00:00Z", true),
            ("2026-08-24T06:00:00Z", false),
            ("2026-08-24T09:59:00Z", false),
            ("2026-08-24T10:00:00Z", true),
            ("2026-08-24T23:59:59Z", true),
            ("2026-08-26T05:00:00Z", true),
            ("2026-08-29T02:00:00Z", true),
            ("2026-08-30T08:00:00Z", true),
            ("2026-08-30T23:59:00Z", true),
        ] {
            assert_eq!(holds(deepseek(), when), expected, "{when}");
        }
    }

    #[test]
    fn wrapping_spans_and_bounds() {
        let night = json!({"hours_utc": "22:00-06:00"});
        assert!(holds(night.clone(), "2026-03-12T02:30:00Z"));
        assert!(holds(night.clone(), "2026-03-12T22:00:00Z"));
        assert!(!holds(night.clone(), "2026-03-12T06:00:00Z"));
        assert!(!holds(night, "2026-03-12T14:00:00Z"));
        assert!(holds(
            json!({"hours_utc": "01:00-05:00"}),
            "2026-01-01T09:00:00+08:00"
        ));
        assert!(!holds(
            json!({"hours_utc": "25:00-26:00"}),
            "2026-01-01T18:00:00Z"
        ));
    }

    #[test]
    fn weekdays_count_in_their_zone() {
        let block = json!({"weekday_timezone": "Asia/Shanghai",
                           "windows": [{"hours_utc": "16:00-17:00", "weekdays": [6]}]});
        // Friday 16:30 UTC is Saturday 00:30 in Shanghai.
        assert!(holds(block.clone(), "2026-08-28T16:30:00Z"));
        assert!(!holds(block, "2026-08-29T16:30:00Z"));
        let named =
            json!({"windows": [{"hours_utc": "00:00-00:00", "weekdays": ["Sat", "sunday"]}]});
        assert!(holds(named, "2026-08-29T12:00:00Z"));
    }

    #[test]
    fn unreadable_rules_never_hold() {
        let bad_days =
            json!({"windows": [{"hours_utc": "00:00-00:00", "weekdays": [0, 8, "noday", true]}]});
        assert!(!holds(bad_days, "2026-08-29T12:00:00Z"));
        assert!(!holds(
            json!({"windows": "00:00-00:00"}),
            "2026-08-29T12:00:00Z"
        ));
        let unknown_zone = json!({"weekday_timezone": "Not/AZone",
                                  "windows": [{"hours_utc": "16:00-17:00", "weekdays": [5]}]});
        assert!(holds(unknown_zone, "2026-08-28T16:30:00Z"));
        let union = json!({"hours_utc": "04:00-06:00",
                           "windows": [{"hours_utc": "00:00-00:00", "weekdays": [7]}]});
        assert!(holds(union, "2026-08-28T05:00:00Z"));
        assert!(
            Schedule::parse(json!({"input_cost_per_token": 1e-6}).as_object().unwrap()).is_none()
        );
    }
}
