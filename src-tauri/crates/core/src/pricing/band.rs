//! Prompt-size bands: how the what-if roll-up keeps long-context tiers exact without a row per
//! run.
//!
//! A model's price depends on the whole prompt's size only through its thresholds
//! (`*_above_200k_tokens`, compared with `>` or, for xAI, `>=`) and its tier bands
//! (`tiered_pricing` ranges, compared with `<=`). Every such edge the tables use is in
//! [`EDGES`]; a band is either exactly one edge or the open interval between two. All runs in a
//! band are then on the same side of every edge, so one representative prompt size picks the
//! same rates for the whole band. A table with an edge outside the list (none today) makes the
//! bands it cuts [ambiguous](band_is_cut): those are re-priced run by run.

use crate::pricing::table::ModelPrice;

/// Every threshold and tier edge of the bundled table (plus round numbers a newer table may
/// use), ascending.
pub const EDGES: [u64; 16] = [
    8_000, 16_000, 32_000, 64_000, 100_000, 128_000, 200_000, 252_000, 256_000, 272_000, 400_000,
    500_000, 512_000, 1_000_000, 1_050_000, 2_000_000,
];

/// The band of a prompt of `tokens`: `2 × (edges below it)`, plus one when it is an edge.
pub fn band_of(tokens: u64) -> i64 {
    let below = EDGES.partition_point(|&e| e < tokens);
    let on_edge = EDGES.get(below) == Some(&tokens);
    (2 * below + usize::from(on_edge)) as i64
}

/// The inclusive prompt sizes of `band`.
pub fn bounds(band: i64) -> (u64, u64) {
    let b = usize::try_from(band.max(0)).unwrap_or(0);
    let i = b / 2;
    if b % 2 == 1 {
        let e = EDGES[i.min(EDGES.len() - 1)];
        return (e, e);
    }
    let lo = if i == 0 { 0 } else { EDGES[i - 1] + 1 };
    let hi = EDGES.get(i).map_or(u64::MAX, |e| e - 1);
    (lo, hi)
}

/// A prompt size that is in `band`: the one the band's rows are priced at.
pub fn representative(band: i64) -> u64 {
    bounds(band).0
}

/// Whether `price` has an edge strictly inside `band`, so that runs of the band may sit on both
/// sides of it and the band cannot be priced as one.
pub fn band_is_cut(price: &ModelPrice, band: i64) -> bool {
    let (lo, hi) = bounds(band);
    if lo == hi {
        return false;
    }
    // Two prompts lo < hi compare alike with `p > e` and `p <= e` unless lo <= e < hi, and
    // with xAI's `p >= e` unless lo < e <= hi.
    let splits = |e: u64| lo <= e && e < hi;
    let splits_inclusive = |e: u64| lo < e && e <= hi;
    let threshold_splits = |e: u64| {
        if price.threshold_inclusive {
            splits_inclusive(e)
        } else {
            splits(e)
        }
    };
    price
        .thresholds
        .iter()
        .any(|t| threshold_splits(t.above_tokens))
        || price.bands.iter().any(|b| splits(b.to_tokens))
        || price.batch.as_ref().is_some_and(|b| {
            b.thresholds
                .iter()
                .any(|t| threshold_splits(t.above_tokens))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bands_put_every_edge_on_a_border() {
        assert_eq!(band_of(0), 0);
        assert_eq!(band_of(7_999), 0);
        assert_eq!(band_of(8_000), 1);
        assert_eq!(band_of(8_001), 2);
        assert_eq!(band_of(200_000), 13);
        assert_eq!(band_of(200_001), 14);
        assert_eq!(band_of(5_000_000), 32);
        for b in 0..=32 {
            let (lo, hi) = bounds(b);
            assert_eq!(band_of(lo), b, "band {b}");
            assert_eq!(band_of(hi), b, "band {b}");
            assert_eq!(band_of(representative(b)), b);
        }
    }
}
