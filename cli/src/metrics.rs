//! Binary classification metrics. Undefined values (a ratio with a zero denominator, AUC without
//! both classes) are `None` rather than a made-up 0 or NaN.

use serde::Serialize;

/// Counts of actual (rows) against predicted (columns) labels; "positive" means eyeglasses.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Confusion {
    pub tn: usize,
    pub fp: usize,
    #[serde(rename = "fn")]
    pub fn_: usize,
    pub tp: usize,
}

impl Confusion {
    /// Tallies `(actual, predicted)` pairs.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (bool, bool)>) -> Self {
        let mut c = Self::default();
        for pair in pairs {
            match pair {
                (false, false) => c.tn += 1,
                (false, true) => c.fp += 1,
                (true, false) => c.fn_ += 1,
                (true, true) => c.tp += 1,
            }
        }
        c
    }

    pub fn n(&self) -> usize {
        self.tn + self.fp + self.fn_ + self.tp
    }

    pub fn positives(&self) -> usize {
        self.tp + self.fn_
    }

    pub fn negatives(&self) -> usize {
        self.tn + self.fp
    }

    pub fn accuracy(&self) -> Option<f64> {
        ratio(self.tp + self.tn, self.n())
    }

    pub fn precision(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fp)
    }

    pub fn recall(&self) -> Option<f64> {
        ratio(self.tp, self.tp + self.fn_)
    }

    /// `2TP / (2TP + FP + FN)`: equal to the harmonic mean of precision and recall, and still
    /// defined (0) when there are positives but none was found.
    pub fn f1(&self) -> Option<f64> {
        ratio(2 * self.tp, 2 * self.tp + self.fp + self.fn_)
    }
}

fn ratio(numerator: usize, denominator: usize) -> Option<f64> {
    (denominator > 0).then(|| numerator as f64 / denominator as f64)
}

/// Area under the ROC curve of `(actual, score)` pairs: the probability that a random positive
/// scores above a random negative, ties counting one half (Mann-Whitney U with mid-ranks).
/// `None` when either class is missing.
pub fn roc_auc(samples: &[(bool, f32)]) -> Option<f64> {
    let positives = samples.iter().filter(|(actual, _)| *actual).count();
    let negatives = samples.len() - positives;
    if positives == 0 || negatives == 0 {
        return None;
    }
    let mut sorted: Vec<(bool, f32)> = samples.to_vec();
    sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
    // Sum of the 1-based ranks of the positives, every run of equal scores sharing its mean rank.
    let mut positive_rank_sum = 0.0;
    let mut start = 0;
    while start < sorted.len() {
        let score = sorted[start].1;
        let end = start + sorted[start..].iter().take_while(|(_, s)| s.total_cmp(&score).is_eq()).count();
        let mean_rank = (start + 1 + end) as f64 / 2.0;
        let tied_positives = sorted[start..end].iter().filter(|(actual, _)| *actual).count();
        positive_rank_sum += mean_rank * tied_positives as f64;
        start = end;
    }
    let (p, n) = (positives as f64, negatives as f64);
    let u = positive_rank_sum - p * (p + 1.0) / 2.0;
    Some(u / (p * n))
}

/// Precision, recall and F1 at one decision threshold.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct ThresholdRow {
    pub threshold: f32,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
}

/// The thresholds a sweep always shows: 0.1, 0.2, ..., 0.9.
pub fn sweep_thresholds(chosen: f32) -> Vec<f32> {
    let mut thresholds: Vec<f32> = (1..=9).map(|i| i as f32 / 10.0).collect();
    if !thresholds.contains(&chosen) {
        thresholds.push(chosen);
        thresholds.sort_by(f32::total_cmp);
    }
    thresholds
}

/// The metrics of `(actual, score)` pairs at each threshold (positive when `score >= threshold`,
/// as the classifier decides).
pub fn sweep(samples: &[(bool, f32)], thresholds: &[f32]) -> Vec<ThresholdRow> {
    thresholds
        .iter()
        .map(|&threshold| {
            let c =
                Confusion::from_pairs(samples.iter().map(|&(actual, score)| (actual, score >= threshold)));
            ThresholdRow { threshold, precision: c.precision(), recall: c.recall(), f1: c.f1() }
        })
        .collect()
}

/// The lowest threshold (one of the scores) at which the precision of `(actual, score)` pairs is
/// at least `target`, with its metrics; `None` when no threshold reaches it. Recall only falls as
/// the threshold rises, so this is the threshold with the best recall at that precision.
pub fn lowest_threshold_for_precision(samples: &[(bool, f32)], target: f32) -> Option<ThresholdRow> {
    let mut sorted = samples.to_vec();
    sorted.sort_by(|a, b| b.1.total_cmp(&a.1));
    let positives = samples.iter().filter(|(actual, _)| *actual).count();
    let (mut tp, mut fp) = (0, 0);
    let mut best = None;
    let mut start = 0;
    // Walking down the scores, each run of equal scores is one threshold.
    while start < sorted.len() {
        let score = sorted[start].1;
        let end = start + sorted[start..].iter().take_while(|(_, s)| s.total_cmp(&score).is_eq()).count();
        for &(actual, _) in &sorted[start..end] {
            if actual { tp += 1 } else { fp += 1 }
        }
        let c = Confusion { tn: 0, fp, fn_: positives - tp, tp };
        // Compared in f32, the target's precision: 3/5 reaches a `--precision-at 0.6`.
        if c.precision().is_some_and(|p| p as f32 >= target) {
            best = Some(ThresholdRow {
                threshold: score,
                precision: c.precision(),
                recall: c.recall(),
                f1: c.f1(),
            });
        }
        start = end;
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn close(actual: Option<f64>, expected: f64) -> bool {
        actual.is_some_and(|a| (a - expected).abs() < 1e-12)
    }

    #[test]
    fn confusion_matrix_by_hand() {
        // actual:    1 1 1 0 0
        // predicted: 1 0 1 1 0  -> TP 2, FN 1, FP 1, TN 1
        let c =
            Confusion::from_pairs([(true, true), (true, false), (true, true), (false, true), (false, false)]);
        assert_eq!(c, Confusion { tn: 1, fp: 1, fn_: 1, tp: 2 });
        assert_eq!((c.n(), c.positives(), c.negatives()), (5, 3, 2));
        assert!(close(c.accuracy(), 0.6));
        assert!(close(c.precision(), 2.0 / 3.0));
        assert!(close(c.recall(), 2.0 / 3.0));
        assert!(close(c.f1(), 2.0 / 3.0));
    }

    #[test]
    fn f1_is_the_harmonic_mean() {
        // TP 3, FP 1, FN 3: precision 3/4, recall 1/2, F1 = 2 * 3/8 / (5/4) = 0.6.
        let c = Confusion { tn: 5, fp: 1, fn_: 3, tp: 3 };
        assert!(close(c.f1(), 0.6));
        assert!(close(c.accuracy(), 8.0 / 12.0));
    }

    #[test]
    fn undefined_ratios_are_none() {
        let none_predicted = Confusion { tn: 3, fp: 0, fn_: 2, tp: 0 };
        assert_eq!(none_predicted.precision(), None);
        assert!(close(none_predicted.recall(), 0.0));
        assert!(close(none_predicted.f1(), 0.0));
        let only_negatives = Confusion { tn: 3, fp: 0, fn_: 0, tp: 0 };
        assert_eq!(only_negatives.recall(), None);
        assert_eq!(only_negatives.f1(), None);
        assert_eq!(Confusion::default().accuracy(), None);
    }

    #[test]
    fn auc_by_hand() {
        // Positives 0.9, 0.8, 0.4; negatives 0.7, 0.3, 0.2. Of the 9 pairs only (0.4, 0.7) is
        // ordered wrongly: AUC = 8/9.
        let samples = [(true, 0.9), (true, 0.8), (true, 0.4), (false, 0.7), (false, 0.3), (false, 0.2)];
        assert!(close(roc_auc(&samples), 8.0 / 9.0));
    }

    #[test]
    fn auc_counts_ties_as_half() {
        // Pairs (pos, neg): (0.5, 0.5) = 1/2, (0.5, 0.1) = 1, (0.9, 0.5) = 1, (0.9, 0.1) = 1 -> 3.5 / 4.
        let samples = [(true, 0.5), (true, 0.9), (false, 0.5), (false, 0.1)];
        assert!(close(roc_auc(&samples), 0.875));
        let all_tied = [(true, 0.3), (false, 0.3), (true, 0.3), (false, 0.3), (false, 0.3)];
        assert!(close(roc_auc(&all_tied), 0.5));
    }

    #[test]
    fn auc_extremes_and_undefined() {
        assert!(close(roc_auc(&[(true, 0.6), (false, 0.4)]), 1.0));
        assert!(close(roc_auc(&[(true, 0.4), (false, 0.6)]), 0.0));
        assert_eq!(roc_auc(&[(true, 0.4), (true, 0.6)]), None);
        assert_eq!(roc_auc(&[(false, 0.4)]), None);
        assert_eq!(roc_auc(&[]), None);
    }

    #[test]
    fn the_sweep_decides_as_the_classifier_does() {
        // Positives 0.9, 0.5, 0.2; negatives 0.6, 0.1.
        let samples = [(true, 0.9), (true, 0.5), (true, 0.2), (false, 0.6), (false, 0.1)];
        let rows = sweep(&samples, &[0.5, 0.95]);
        // At 0.5 (inclusive): TP 2 (0.9, 0.5), FP 1 (0.6), FN 1.
        assert!(close(rows[0].precision, 2.0 / 3.0) && close(rows[0].recall, 2.0 / 3.0));
        assert_eq!((rows[1].precision, rows[1].recall, rows[1].f1), (None, Some(0.0), Some(0.0)));
        assert_eq!(sweep_thresholds(0.5).len(), 9);
        assert_eq!(sweep_thresholds(0.35)[3], 0.35);
    }

    #[test]
    fn the_lowest_threshold_for_a_precision() {
        let samples = [(true, 0.9), (true, 0.5), (true, 0.2), (false, 0.6), (false, 0.1)];
        // Precision down the scores: 0.9 -> 1, 0.6 -> 1/2, 0.5 -> 2/3, 0.2 -> 3/4, 0.1 -> 3/5.
        let at = |p| lowest_threshold_for_precision(&samples, p);
        assert_eq!(at(1.0).map(|r| r.threshold), Some(0.9));
        assert!(close(at(1.0).and_then(|r| r.recall.map(|x| x * 3.0)), 1.0));
        assert_eq!(at(0.65).map(|r| r.threshold), Some(0.2));
        assert_eq!(at(0.6).map(|r| r.threshold), Some(0.1));
        assert_eq!(lowest_threshold_for_precision(&[(false, 0.7)], 0.5), None);
        assert_eq!(lowest_threshold_for_precision(&[], 0.5), None);
    }

    #[test]
    fn auc_matches_pair_counting() {
        // Scores on a coarse grid so that many ties occur, in no particular order.
        let samples: Vec<(bool, f32)> =
            (0..60u32).map(|i| ((i * 7) % 3 == 0, ((i * 37 + 11) % 10) as f32 / 10.0)).collect();
        // The definition: of all (positive, negative) pairs, the share the positive scores above,
        // ties counting one half.
        let scores = |class: bool| samples.iter().filter(move |s| s.0 == class).map(|s| s.1);
        let pairs = || scores(true).flat_map(|p| scores(false).map(move |n| (p, n)));
        let above = pairs().filter(|(p, n)| p > n).count() as f64;
        let tied = pairs().filter(|(p, n)| p == n).count() as f64;
        assert!(close(roc_auc(&samples), (above + 0.5 * tied) / pairs().count() as f64));
    }
}
