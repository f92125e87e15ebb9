//! A live job's client-side rate limit: requests per minute and tokens per minute, each a
//! cell-rate schedule (GCRA). Requests are spaced evenly — 6,000 a minute is one every 10 ms,
//! never a burst of 6,000 — and tokens may run one second ahead of their rate, so a provider's
//! per-minute limit is never approached in a spike. The limits the provider reports on its
//! answers ([`RateLimits`]) tighten them: a lower limit is adopted, and an exhausted window
//! pauses every request until it refills.

use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use crate::providers::RateLimits;

/// The schedule shared by a job's requests.
#[derive(Debug)]
pub struct Limiter {
    state: Mutex<State>,
}

#[derive(Debug)]
struct State {
    /// Time between requests (none: unlimited).
    request_interval: Option<Duration>,
    /// Time one token takes (none: unlimited).
    token_interval: Option<Duration>,
    /// When the next request may go.
    next_request: Instant,
    /// The token schedule's theoretical arrival time.
    token_tat: Instant,
    /// No request before this (a provider's exhausted window).
    paused_until: Option<Instant>,
}

/// How far tokens may run ahead of their rate.
const TOKEN_BURST: Duration = Duration::from_secs(1);

fn interval(per_minute: Option<u64>) -> Option<Duration> {
    per_minute
        .filter(|n| *n > 0)
        .map(|n| Duration::from_secs(60).div_f64(n as f64))
}

impl Limiter {
    /// `rpm` requests and `tpm` tokens per minute; `None` is unlimited.
    pub fn new(rpm: Option<u32>, tpm: Option<u32>) -> Limiter {
        let now = Instant::now();
        Limiter {
            state: Mutex::new(State {
                request_interval: interval(rpm.map(u64::from)),
                token_interval: interval(tpm.map(u64::from)),
                next_request: now,
                token_tat: now,
                paused_until: None,
            }),
        }
    }

    /// Whether a token limit is set (then each request's tokens must be counted).
    pub fn counts_tokens(&self) -> bool {
        self.state
            .lock()
            .map(|s| s.token_interval.is_some())
            .unwrap_or(false)
    }

    /// Waits until a request of `tokens` tokens may be sent, and books it.
    pub async fn acquire(&self, tokens: u64) {
        let at = {
            let Ok(mut s) = self.state.lock() else {
                return;
            };
            let now = Instant::now();
            let mut at = now.max(s.paused_until.unwrap_or(now));
            if let Some(step) = s.request_interval {
                at = at.max(s.next_request);
                s.next_request = at + step;
            }
            if let Some(per_token) = s.token_interval {
                let tat = s.token_tat.max(at);
                // The request may go once the schedule is at most TOKEN_BURST ahead.
                let allowed = tat.checked_sub(TOKEN_BURST).unwrap_or(tat).max(at);
                at = allowed;
                let cost = per_token.saturating_mul(u32::try_from(tokens).unwrap_or(u32::MAX));
                s.token_tat = tat + cost;
            }
            at
        };
        tokio::time::sleep_until(at).await;
    }

    /// Follows what the provider said: a lower per-minute limit is adopted, and a window with
    /// nothing left pauses every request until it resets.
    pub fn observe(&self, limits: &RateLimits) {
        let Ok(mut s) = self.state.lock() else {
            return;
        };
        if let Some(step) = interval(limits.limit_requests)
            && s.request_interval.is_none_or(|cur| step > cur)
        {
            s.request_interval = Some(step);
        }
        if let Some(step) = interval(limits.limit_tokens)
            && s.token_interval.is_none_or(|cur| step > cur)
        {
            s.token_interval = Some(step);
        }
        let exhausted = [
            (limits.remaining_requests, limits.reset_requests),
            (limits.remaining_tokens, limits.reset_tokens),
        ]
        .into_iter()
        .filter_map(|(left, reset)| (left == Some(0)).then_some(reset).flatten())
        .max();
        if let Some(wait) = exhausted {
            let until = Instant::now() + wait.min(Duration::from_secs(60));
            s.paused_until = Some(s.paused_until.map_or(until, |p| p.max(until)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn requests_are_spaced_by_the_rate() {
        let l = Limiter::new(Some(6000), None);
        let t0 = Instant::now();
        for _ in 0..101 {
            l.acquire(0).await;
        }
        // 100 intervals of 10 ms.
        assert_eq!(t0.elapsed(), Duration::from_millis(1000));
    }

    #[tokio::test(start_paused = true)]
    async fn tokens_run_at_most_a_second_ahead() {
        let l = Limiter::new(None, Some(60_000));
        let t0 = Instant::now();
        // 1,000 tokens a second: the first two seconds' worth go at once (one second ahead),
        // the next waits.
        l.acquire(1000).await;
        l.acquire(1000).await;
        assert_eq!(t0.elapsed(), Duration::ZERO);
        l.acquire(1000).await;
        assert_eq!(t0.elapsed(), Duration::from_secs(1));
    }

    #[tokio::test(start_paused = true)]
    async fn a_provider_limit_is_adopted_and_an_exhausted_window_pauses() {
        let l = Limiter::new(Some(6000), None);
        l.observe(&RateLimits {
            limit_requests: Some(60),
            remaining_requests: Some(0),
            reset_requests: Some(Duration::from_secs(2)),
            ..RateLimits::default()
        });
        let t0 = Instant::now();
        l.acquire(0).await;
        assert_eq!(t0.elapsed(), Duration::from_secs(2));
        l.acquire(0).await;
        assert_eq!(t0.elapsed(), Duration::from_secs(3), "one a second now");
    }
}
