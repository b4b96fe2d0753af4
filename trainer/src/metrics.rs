//! Binary classification metrics on P(eyeglasses).

use serde::{Deserialize, Serialize};

/// Counts at one threshold plus the threshold-free ROC AUC.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Metrics {
    /// Decision threshold on P(eyeglasses).
    pub threshold: f32,
    /// True positives.
    pub tp: usize,
    /// False positives.
    pub fp: usize,
    /// True negatives.
    pub tn: usize,
    /// False negatives.
    pub fn_: usize,
    /// tp / (tp + fp), 0 when nothing is predicted positive.
    pub precision: f64,
    /// tp / (tp + fn), 0 without positives.
    pub recall: f64,
    /// Harmonic mean of precision and recall (0 when both are 0).
    pub f1: f64,
    /// (tp + tn) / n.
    pub accuracy: f64,
    /// Area under the ROC curve (0.5 when one class is absent).
    pub auc: f64,
}

impl Metrics {
    /// Metrics of `probs` against `labels` (1 = eyeglasses) at `threshold`.
    pub fn compute(probs: &[f32], labels: &[u8], threshold: f32) -> Self {
        let (mut tp, mut fp, mut tn, mut fn_) = (0, 0, 0, 0);
        for (&p, &l) in probs.iter().zip(labels) {
            match (p >= threshold, l == 1) {
                (true, true) => tp += 1,
                (true, false) => fp += 1,
                (false, false) => tn += 1,
                (false, true) => fn_ += 1,
            }
        }
        let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
        let precision = ratio(tp, tp + fp);
        let recall = ratio(tp, tp + fn_);
        let f1 =
            if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) };
        Self {
            threshold,
            tp,
            fp,
            tn,
            fn_,
            precision,
            recall,
            f1,
            accuracy: ratio(tp + tn, probs.len()),
            auc: auc(&roc_curve(probs, labels)),
        }
    }
}

/// The counts `(tp, fp, threshold)` of predicting "eyeglasses" (label 1) for every score at or
/// above each distinct score, from the highest down. Tied scores form one step, so curves made
/// from it do not depend on the order of ties.
pub(crate) fn threshold_sweep(probs: &[f32], labels: &[u8]) -> Vec<(usize, usize, f32)> {
    let mut order: Vec<usize> = (0..probs.len()).collect();
    order.sort_by(|&a, &b| probs[b].total_cmp(&probs[a]));
    let mut steps = Vec::new();
    let (mut tp, mut fp) = (0usize, 0usize);
    for (k, &i) in order.iter().enumerate() {
        if labels[i] == 1 {
            tp += 1;
        } else {
            fp += 1;
        }
        if order.get(k + 1).is_none_or(|&j| probs[j] != probs[i]) {
            steps.push((tp, fp, probs[i]));
        }
    }
    steps
}

/// ROC points (false positive rate, true positive rate) from (0,0) to (1,1), one per distinct score.
pub fn roc_curve(probs: &[f32], labels: &[u8]) -> Vec<(f64, f64)> {
    let pos = labels.iter().filter(|&&l| l == 1).count();
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 {
        return vec![(0.0, 0.0), (1.0, 1.0)];
    }
    let steps = threshold_sweep(probs, labels);
    std::iter::once((0.0, 0.0))
        .chain(steps.into_iter().map(|(tp, fp, _)| (fp as f64 / neg as f64, tp as f64 / pos as f64)))
        .collect()
}

/// Precision-recall points (recall, precision, threshold), one per distinct score from the
/// highest down: predicting "eyeglasses" for P >= threshold gives that recall and precision.
pub fn pr_curve(probs: &[f32], labels: &[u8]) -> Vec<(f64, f64, f32)> {
    let pos = labels.iter().filter(|&&l| l == 1).count();
    if pos == 0 {
        return Vec::new();
    }
    threshold_sweep(probs, labels)
        .into_iter()
        .map(|(tp, fp, t)| (tp as f64 / pos as f64, tp as f64 / (tp + fp) as f64, t))
        .collect()
}

/// The best precision among thresholds whose recall is at least `min_recall`, with the highest
/// such threshold; `None` without positives.
pub fn precision_at_recall(probs: &[f32], labels: &[u8], min_recall: f64) -> Option<(f64, f32)> {
    pr_curve(probs, labels)
        .into_iter()
        .filter(|(r, _, _)| *r >= min_recall)
        .max_by(|a, b| a.1.total_cmp(&b.1).then(a.2.total_cmp(&b.2)))
        .map(|(_, p, t)| (p, t))
}

/// Trapezoidal area under a ROC curve.
pub fn auc(points: &[(f64, f64)]) -> f64 {
    points.windows(2).map(|w| (w[1].0 - w[0].0) * (w[1].1 + w[0].1) / 2.0).sum()
}

/// Mean and sample variance (n - 1 in the denominator; 0 for fewer than two values).
pub fn mean_var(values: &[f64]) -> (f64, f64) {
    let n = values.len() as f64;
    if values.is_empty() {
        return (f64::NAN, f64::NAN);
    }
    let mean = values.iter().sum::<f64>() / n;
    let var = if values.len() < 2 {
        0.0
    } else {
        values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)
    };
    (mean, var)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn f1_and_auc_of_a_known_case() {
        let probs = [0.9, 0.8, 0.4, 0.3, 0.7, 0.1];
        let labels = [1, 1, 1, 0, 0, 0];
        let m = Metrics::compute(&probs, &labels, 0.5);
        assert_eq!((m.tp, m.fp, m.tn, m.fn_), (2, 1, 2, 1));
        assert!((m.f1 - 2.0 / 3.0).abs() < 1e-12);
        // Pairs (pos, neg) ranked right: 0.9 and 0.8 beat all 3, 0.4 beats 0.3 and 0.1 -> 8 of 9.
        assert!((m.auc - 8.0 / 9.0).abs() < 1e-12);
    }

    #[test]
    fn precision_recall_curve_of_a_known_case() {
        let probs = [0.9, 0.8, 0.7, 0.4, 0.3, 0.1];
        let labels = [1, 1, 0, 1, 0, 2];
        let pr = pr_curve(&probs, &labels);
        assert_eq!(pr.len(), 6);
        assert_eq!(pr[2], (2.0 / 3.0, 2.0 / 3.0, 0.7));
        assert_eq!(pr[3], (1.0, 0.75, 0.4));
        // Recall 1 first reached at 0.4 with precision 0.75; later points only lose precision.
        assert_eq!(precision_at_recall(&probs, &labels, 0.9), Some((0.75, 0.4)));
        assert_eq!(precision_at_recall(&probs, &labels, 0.5), Some((1.0, 0.8)));
        assert_eq!(precision_at_recall(&probs, &[0; 6], 0.5), None);
    }

    #[test]
    fn variance_uses_n_minus_one() {
        let (m, v) = mean_var(&[1.0, 2.0, 3.0]);
        assert!((m - 2.0).abs() < 1e-12 && (v - 1.0).abs() < 1e-12);
    }
}
