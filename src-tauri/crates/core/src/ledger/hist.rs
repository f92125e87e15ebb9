//! Latency histograms with log-scale buckets (about 10 % wide), small enough to keep one per
//! roll-up row and merge thousands of them in a millisecond, so p50/p95 over a year of runs never
//! scans the runs table.
//!
//! Bucket 0 holds 0 ms; bucket `b ≥ 1` holds `[BOUNDS[b-1], BOUNDS[b])`. The bounds are built
//! with integer steps (`+1` while small, then `×1.1`), so every build on every platform puts a
//! latency in the same bucket — the roll-up's delete trigger relies on that. A percentile is
//! reported as its bucket's midpoint: within ±5 % of the true value.
//!
//! Encoding (the roll-up's `latency_hist` BLOB): pairs of `bucket: u8`, `count: LEB128 varint`,
//! buckets ascending.

use std::sync::OnceLock;

/// Number of buckets.
pub const BUCKETS: usize = 256;

fn bounds() -> &'static [u64; BUCKETS] {
    static BOUNDS: OnceLock<[u64; BUCKETS]> = OnceLock::new();
    BOUNDS.get_or_init(|| {
        let mut b = [0u64; BUCKETS];
        let mut v: u64 = 1;
        for slot in b.iter_mut() {
            *slot = v;
            v = (v.saturating_mul(11) / 10).max(v.saturating_add(1));
        }
        b
    })
}

/// The bucket a latency (ms) falls in.
pub fn bucket_of(latency_ms: i64) -> u8 {
    if latency_ms <= 0 {
        return 0;
    }
    let ms = latency_ms.unsigned_abs();
    // Number of bounds ≤ ms; bound[0] = 1, so this is ≥ 1 for ms ≥ 1.
    let n = bounds().partition_point(|&b| b <= ms);
    u8::try_from(n.min(BUCKETS - 1)).unwrap_or(u8::MAX)
}

/// The range `[low, high)` of a bucket in ms.
pub fn bucket_range(bucket: u8) -> (u64, u64) {
    let b = usize::from(bucket);
    match b {
        0 => (0, 1),
        _ => (bounds()[b - 1], bounds()[b]),
    }
}

/// A latency histogram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LatencyHist {
    counts: Box<[u64; BUCKETS]>,
}

impl Default for LatencyHist {
    fn default() -> Self {
        LatencyHist {
            counts: Box::new([0; BUCKETS]),
        }
    }
}

impl LatencyHist {
    /// An empty histogram.
    pub fn new() -> LatencyHist {
        LatencyHist::default()
    }

    /// Decodes a stored blob; bytes that do not decode are ignored (a damaged blob degrades the
    /// percentiles, never the query).
    pub fn decode(bytes: &[u8]) -> LatencyHist {
        let mut h = LatencyHist::new();
        h.merge_encoded(bytes);
        h
    }

    /// Adds a stored blob's counts.
    pub fn merge_encoded(&mut self, bytes: &[u8]) {
        let mut i = 0;
        while i < bytes.len() {
            let bucket = bytes[i];
            i += 1;
            let Some((count, used)) = read_varint(&bytes[i..]) else {
                return;
            };
            i += used;
            let slot = &mut self.counts[usize::from(bucket)];
            *slot = slot.saturating_add(count);
        }
    }

    /// Counts one latency.
    pub fn add(&mut self, latency_ms: i64) {
        let slot = &mut self.counts[usize::from(bucket_of(latency_ms))];
        *slot = slot.saturating_add(1);
    }

    /// Removes one latency (a deleted run); a count never goes below zero.
    pub fn remove(&mut self, latency_ms: i64) {
        let slot = &mut self.counts[usize::from(bucket_of(latency_ms))];
        *slot = slot.saturating_sub(1);
    }

    /// Number of latencies counted.
    pub fn count(&self) -> u64 {
        self.counts.iter().sum()
    }

    /// The `(bucket, count)` pairs with a non-zero count.
    pub fn buckets(&self) -> impl Iterator<Item = (u8, u64)> + '_ {
        self.counts
            .iter()
            .enumerate()
            .filter(|(_, c)| **c > 0)
            .map(|(b, c)| (u8::try_from(b).unwrap_or(u8::MAX), *c))
    }

    /// The `q`-quantile (`0.0..=1.0`) in ms, as its bucket's midpoint; `None` when empty.
    pub fn quantile(&self, q: f64) -> Option<i64> {
        let n = self.count();
        if n == 0 {
            return None;
        }
        // Nearest-rank: the smallest value with at least ⌈q·n⌉ values at or below it.
        let rank = ((q.clamp(0.0, 1.0) * n as f64).ceil() as u64).clamp(1, n);
        let mut seen = 0;
        for (b, c) in self.buckets() {
            seen += c;
            if seen >= rank {
                let (lo, hi) = bucket_range(b);
                return Some(i64::try_from(lo + (hi - lo) / 2).unwrap_or(i64::MAX));
            }
        }
        None
    }

    /// The stored encoding.
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        for (b, c) in self.buckets() {
            out.push(b);
            write_varint(&mut out, c);
        }
        out
    }
}

fn write_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn read_varint(bytes: &[u8]) -> Option<(u64, usize)> {
    let mut v: u64 = 0;
    for (i, byte) in bytes.iter().enumerate().take(10) {
        v |= u64::from(byte & 0x7f) << (7 * i);
        if byte & 0x80 == 0 {
            return Some((v, i + 1));
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_are_about_ten_percent_wide_and_cover_every_latency() {
        assert_eq!(bucket_of(0), 0);
        assert_eq!(bucket_of(-5), 0);
        assert_eq!(bucket_range(bucket_of(1)), (1, 2));
        for ms in [1, 7, 15, 99, 100, 101, 1234, 60_000, 600_000, 86_400_000] {
            let (lo, hi) = bucket_range(bucket_of(ms));
            assert!(lo <= ms as u64 && (ms as u64) < hi, "{ms} in [{lo},{hi})");
            assert!(
                hi - lo <= 1 || (hi - lo) as f64 / lo as f64 <= 0.11,
                "{lo}..{hi}"
            );
        }
    }

    #[test]
    fn round_trips_and_answers_quantiles_within_five_percent() {
        let mut h = LatencyHist::new();
        for ms in 1..=1000 {
            h.add(ms);
        }
        let back = LatencyHist::decode(&h.encode());
        assert_eq!(back, h);
        let p50 = back.quantile(0.5).unwrap() as f64;
        let p95 = back.quantile(0.95).unwrap() as f64;
        assert!((p50 - 500.0).abs() / 500.0 <= 0.05, "{p50}");
        assert!((p95 - 950.0).abs() / 950.0 <= 0.05, "{p95}");
        let mut one = LatencyHist::new();
        one.add(5);
        one.remove(5);
        one.remove(5); // a removal with nothing left saturates at zero
        assert_eq!(one.count(), 0);
        assert_eq!(LatencyHist::new().quantile(0.5), None);
        assert_eq!(LatencyHist::decode(&[5, 0xff]).count(), 0);
    }
}
