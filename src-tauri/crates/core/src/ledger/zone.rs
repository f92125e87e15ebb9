//! The time zone analytics count days in. Stored times stay UTC milliseconds; a *day* is a
//! calendar day in this zone (DST included), so "today" and "the last 30 days" match the user's
//! wall clock.

use chrono::{Datelike, LocalResult, NaiveDate, TimeZone as _};
use chrono_tz::Tz;
use serde::Serialize;

use crate::error::{CoreError, Result};

/// An IANA time zone (`Europe/Paris`, `Asia/Kolkata`, `UTC`…).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
/// Serialized as its IANA name.
#[cfg_attr(feature = "ts", derive(ts_rs::TS), ts(type = "string"))]
pub struct Zone(Tz);

impl Serialize for Zone {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl Zone {
    /// UTC.
    pub const UTC: Zone = Zone(Tz::UTC);

    /// The operating system's zone, or UTC when it cannot be read or is not an IANA name.
    pub fn system() -> Zone {
        iana_time_zone::get_timezone()
            .ok()
            .and_then(|name| Zone::parse(&name).ok())
            .unwrap_or(Zone::UTC)
    }

    /// Parses an IANA zone name.
    pub fn parse(name: &str) -> Result<Zone> {
        name.trim()
            .parse::<Tz>()
            .map(Zone)
            .map_err(|_| CoreError::invalid("time_zone", format!("unknown time zone: {name}")))
    }

    /// The IANA name.
    pub fn name(&self) -> &'static str {
        self.0.name()
    }

    /// The local calendar day of an instant (ms since the epoch).
    pub fn day_of(&self, ms: i64) -> NaiveDate {
        match chrono::DateTime::from_timestamp_millis(ms) {
            Some(t) => t.with_timezone(&self.0).date_naive(),
            None => NaiveDate::MIN,
        }
    }

    /// `YYYY-MM-DD` of an instant's local day.
    pub fn day_string(&self, ms: i64) -> String {
        let d = self.day_of(ms);
        format!("{:04}-{:02}-{:02}", d.year(), d.month(), d.day())
    }

    /// Today, locally.
    pub fn today(&self) -> NaiveDate {
        self.day_of(crate::ledger::now_ms())
    }

    /// The first instant (ms) of a local day. When midnight does not exist (a DST jump at
    /// midnight), the day starts at the first minute that does.
    pub fn day_start_ms(&self, day: NaiveDate) -> i64 {
        let mut t = day.and_time(chrono::NaiveTime::MIN);
        for _ in 0..=24 * 4 {
            match self.0.from_local_datetime(&t) {
                LocalResult::Single(x) => return x.timestamp_millis(),
                LocalResult::Ambiguous(first, _) => return first.timestamp_millis(),
                LocalResult::None => t += chrono::Duration::minutes(15),
            }
        }
        t.and_utc().timestamp_millis()
    }
}

impl std::fmt::Display for Zone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_follow_the_zone_offset_and_dst() {
        let kolkata = Zone::parse("Asia/Kolkata").unwrap();
        // 2025-11-21 18:29:59.999 UTC is 23:59:59.999 in Kolkata (+05:30); a millisecond later
        // it is the 22nd.
        let edge = chrono::DateTime::parse_from_rfc3339("2025-11-21T18:30:00Z")
            .unwrap()
            .timestamp_millis();
        assert_eq!(kolkata.day_string(edge - 1), "2025-11-21");
        assert_eq!(kolkata.day_string(edge), "2025-11-22");
        let d = NaiveDate::from_ymd_opt(2025, 11, 22).unwrap();
        assert_eq!(kolkata.day_start_ms(d), edge);
        // New York's 2025-03-09 has 23 hours.
        let ny = Zone::parse("America/New_York").unwrap();
        let a = ny.day_start_ms(NaiveDate::from_ymd_opt(2025, 3, 9).unwrap());
        let b = ny.day_start_ms(NaiveDate::from_ymd_opt(2025, 3, 10).unwrap());
        assert_eq!(b - a, 23 * 3_600_000);
        assert!(Zone::parse("Mars/Olympus").is_err());
        assert_eq!(Zone::UTC.name(), "UTC");
    }
}
