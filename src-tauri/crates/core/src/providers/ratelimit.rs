//! The rate limits a provider reports on each answer: OpenAI's (and compatible servers')
//! `x-ratelimit-{limit,remaining,reset}-{requests,tokens}` with Go-style durations (`6m0s`,
//! `1s`, `20ms`), and Anthropic's `anthropic-ratelimit-{requests,tokens}-{limit,remaining,reset}`
//! with RFC 3339 instants. A batch job's limiter follows them.

use std::time::Duration;

use reqwest::header::HeaderMap;

/// What the provider said of its limits on one answer (each field when it said it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RateLimits {
    /// Requests allowed per minute.
    pub limit_requests: Option<u64>,
    /// Requests left in the current window.
    pub remaining_requests: Option<u64>,
    /// Until the request window refills.
    pub reset_requests: Option<Duration>,
    /// Tokens allowed per minute.
    pub limit_tokens: Option<u64>,
    /// Tokens left in the current window.
    pub remaining_tokens: Option<u64>,
    /// Until the token window refills.
    pub reset_tokens: Option<Duration>,
}

impl RateLimits {
    /// Reads the headers; `None` when none of them is there.
    pub fn from_headers(h: &HeaderMap) -> Option<RateLimits> {
        let get = |name: &str| h.get(name).and_then(|v| v.to_str().ok()).map(str::trim);
        let num = |name: &str| get(name).and_then(|v| v.parse::<u64>().ok());
        let openai = RateLimits {
            limit_requests: num("x-ratelimit-limit-requests"),
            remaining_requests: num("x-ratelimit-remaining-requests"),
            reset_requests: get("x-ratelimit-reset-requests").and_then(go_duration),
            limit_tokens: num("x-ratelimit-limit-tokens"),
            remaining_tokens: num("x-ratelimit-remaining-tokens"),
            reset_tokens: get("x-ratelimit-reset-tokens").and_then(go_duration),
        };
        let anthropic = RateLimits {
            limit_requests: num("anthropic-ratelimit-requests-limit"),
            remaining_requests: num("anthropic-ratelimit-requests-remaining"),
            reset_requests: get("anthropic-ratelimit-requests-reset").and_then(until),
            limit_tokens: num("anthropic-ratelimit-tokens-limit")
                .or(num("anthropic-ratelimit-input-tokens-limit")),
            remaining_tokens: num("anthropic-ratelimit-tokens-remaining")
                .or(num("anthropic-ratelimit-input-tokens-remaining")),
            reset_tokens: get("anthropic-ratelimit-tokens-reset")
                .or(get("anthropic-ratelimit-input-tokens-reset"))
                .and_then(until),
        };
        [openai, anthropic]
            .into_iter()
            .find(|r| *r != RateLimits::default())
    }
}

/// A Go duration: `1h2m3.5s`, `6m0s`, `20ms`, `1.5s`.
fn go_duration(s: &str) -> Option<Duration> {
    let mut total = 0.0f64;
    let mut rest = s;
    if rest.is_empty() {
        return None;
    }
    while !rest.is_empty() {
        let n = rest
            .find(|c: char| !(c.is_ascii_digit() || c == '.'))
            .unwrap_or(rest.len());
        let value: f64 = rest[..n].parse().ok()?;
        rest = &rest[n..];
        let unit_len = rest
            .find(|c: char| c.is_ascii_digit() || c == '.')
            .unwrap_or(rest.len());
        let factor = match &rest[..unit_len] {
            "h" => 3600.0,
            "m" => 60.0,
            "s" => 1.0,
            "ms" => 0.001,
            "us" | "µs" => 0.000_001,
            "ns" => 0.000_000_001,
            _ => return None,
        };
        total += value * factor;
        rest = &rest[unit_len..];
    }
    Duration::try_from_secs_f64(total).ok()
}

/// The time from now until an RFC 3339 instant (zero when it has passed).
fn until(s: &str) -> Option<Duration> {
    let at = chrono::DateTime::parse_from_rfc3339(s).ok()?;
    let ms = at.timestamp_millis() - chrono::Utc::now().timestamp_millis();
    Some(Duration::from_millis(u64::try_from(ms).unwrap_or(0)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::header::HeaderValue;

    #[test]
    fn reads_both_dialects() {
        let mut h = HeaderMap::new();
        assert_eq!(RateLimits::from_headers(&h), None);
        h.insert(
            "x-ratelimit-limit-requests",
            HeaderValue::from_static("500"),
        );
        h.insert(
            "x-ratelimit-remaining-requests",
            HeaderValue::from_static("0"),
        );
        h.insert(
            "x-ratelimit-reset-requests",
            HeaderValue::from_static("1m6.5s"),
        );
        h.insert("x-ratelimit-reset-tokens", HeaderValue::from_static("20ms"));
        let r = RateLimits::from_headers(&h).unwrap();
        assert_eq!(r.limit_requests, Some(500));
        assert_eq!(r.remaining_requests, Some(0));
        assert_eq!(r.reset_requests, Some(Duration::from_millis(66_500)));
        assert_eq!(r.reset_tokens, Some(Duration::from_millis(20)));
        let mut a = HeaderMap::new();
        a.insert(
            "anthropic-ratelimit-requests-limit",
            HeaderValue::from_static("50"),
        );
        a.insert(
            "anthropic-ratelimit-requests-reset",
            HeaderValue::from_static("2000-01-01T00:00:00Z"),
        );
        let r = RateLimits::from_headers(&a).unwrap();
        assert_eq!(r.limit_requests, Some(50));
        assert_eq!(r.reset_requests, Some(Duration::ZERO));
        assert_eq!(go_duration("bogus"), None);
    }
}
