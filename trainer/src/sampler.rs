//! The balanced sampler (`train --balanced-sampling`): every class equally likely, and within a
//! class either every row equally likely or, with hard-negative mining
//! ([`crate::hard_negatives`]), rows in proportion to a weight so the faces a model gets wrong
//! are seen more often.

use crate::error::{Error, Result};
use crate::rng::SplitMix64;

/// Draws training rows so that every class present is equally likely: the class uniformly,
/// then a row of it (uniformly, or by weight), with replacement. Rare classes are seen more often
/// instead of throwing the common class's images away.
#[derive(Debug, Clone)]
pub struct ClassSampler {
    rows_by_class: Vec<Vec<i64>>,
    /// Per class, the running sum of its rows' weights (empty: uniform within the class).
    cumulative: Vec<Vec<f64>>,
}

impl ClassSampler {
    /// A sampler over rows with these labels, every row of a class equally likely.
    pub fn new(labels: &[u8]) -> Self {
        let classes = labels.iter().map(|&l| l as usize + 1).max().unwrap_or(0);
        let mut rows_by_class = vec![Vec::new(); classes];
        for (row, &l) in labels.iter().enumerate() {
            rows_by_class[l as usize].push(row as i64);
        }
        rows_by_class.retain(|rows| !rows.is_empty());
        Self { rows_by_class, cumulative: Vec::new() }
    }

    /// A sampler over rows with these labels whose rows are drawn, within their class, in
    /// proportion to `weights` (one per row, finite and positive).
    pub fn weighted(labels: &[u8], weights: &[f64]) -> Result<Self> {
        if weights.len() != labels.len() {
            return Err(Error::Config(format!(
                "{} sampling weights for {} training rows",
                weights.len(),
                labels.len()
            )));
        }
        if let Some((row, w)) = weights.iter().enumerate().find(|(_, w)| !(w.is_finite() && **w > 0.0)) {
            return Err(Error::Config(format!(
                "sampling weight of row {row} is {w}; weights must be positive"
            )));
        }
        let mut sampler = Self::new(labels);
        sampler.cumulative = sampler
            .rows_by_class
            .iter()
            .map(|rows| {
                let mut total = 0.0;
                rows.iter()
                    .map(|&r| {
                        total += weights[r as usize];
                        total
                    })
                    .collect()
            })
            .collect();
        Ok(sampler)
    }

    /// `n` rows drawn with `rng`.
    pub fn draw(&self, n: usize, rng: &mut SplitMix64) -> Vec<i64> {
        if self.rows_by_class.is_empty() {
            return Vec::new();
        }
        let k = self.rows_by_class.len() as u64;
        (0..n)
            .map(|_| {
                let class = (rng.next_u64() % k) as usize;
                let rows = &self.rows_by_class[class];
                match self.cumulative.get(class) {
                    Some(sums) => rows[pick_by_weight(sums, rng)],
                    None => rows[(rng.next_u64() % rows.len() as u64) as usize],
                }
            })
            .collect()
    }
}

/// The position whose share of `cumulative` (running sums, increasing) a uniform draw falls in.
fn pick_by_weight(cumulative: &[f64], rng: &mut SplitMix64) -> usize {
    let total = cumulative.last().copied().unwrap_or(0.0);
    // 53 random bits: a uniform double in [0, 1).
    let u = (rng.next_u64() >> 11) as f64 / (1u64 << 53) as f64 * total;
    cumulative.partition_point(|&c| c <= u).min(cumulative.len().saturating_sub(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_pick_rows_in_proportion() {
        let mut rng = SplitMix64::new(3);
        let sums = [1.0, 2.0, 10.0];
        let mut counts = [0usize; 3];
        for _ in 0..10_000 {
            counts[pick_by_weight(&sums, &mut rng)] += 1;
        }
        assert!((800..1200).contains(&counts[0]), "{counts:?}");
        assert!((800..1200).contains(&counts[1]), "{counts:?}");
        assert!((7600..8400).contains(&counts[2]), "{counts:?}");
    }

    #[test]
    fn bad_weights_are_refused() {
        assert!(ClassSampler::weighted(&[0, 1], &[1.0]).is_err());
        assert!(ClassSampler::weighted(&[0, 1], &[1.0, 0.0]).is_err());
        assert!(ClassSampler::weighted(&[0, 1], &[1.0, f64::NAN]).is_err());
    }
}
