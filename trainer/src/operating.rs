//! Operating points at a stated prevalence: held-out scores give a true and a false positive
//! rate per threshold, and precision at prevalence `pi` is `pi TPR / (pi TPR + (1 - pi) FPR)`
//! (the negatives re-weighted to the prevalence), so one validation fold speaks for any share
//! of eyeglasses wearers.
//!
//! The default threshold written into exported models ([`DEFAULT_PREVALENCE`]) maximises F1 at
//! 10 % eyeglasses wearers: CelebA's celebrity photos hold about 3 % (eyeglasses without
//! sunglasses), while everyday photos of adults (ID photos, video calls, selfies) show glasses on
//! a quarter or more of faces; 10 % sits between them on the cautious side, where false alarms
//! weigh more than at the everyday share, and the report shows 4 % and 30 % next to it.

use serde::Serialize;

use crate::metrics::threshold_sweep;

/// Share of eyeglasses wearers the default threshold is chosen for.
pub const DEFAULT_PREVALENCE: f64 = 0.10;
/// Prevalences every operating point is reported at.
pub const REPORTED_PREVALENCES: [f64; 3] = [0.04, 0.10, 0.30];
/// Precision at [`DEFAULT_PREVALENCE`] the high-precision point asks for.
pub const HIGH_PRECISION: f64 = 0.98;
/// Recall the high-recall point asks for.
pub const HIGH_RECALL: f64 = 0.98;

/// One threshold and what it does on held-out data.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct OperatingPoint {
    /// `high precision`, `balanced` or `high recall`.
    pub name: String,
    /// Call eyeglasses when P(eyeglasses) >= this.
    pub threshold: f32,
    /// True positive rate.
    pub recall: f64,
    /// False positive rate.
    pub fpr: f64,
    /// (prevalence, precision at that prevalence) for [`REPORTED_PREVALENCES`].
    pub precision_at: Vec<(f64, f64)>,
}

/// Precision at `prevalence` of a threshold with true positive rate `tpr` and false positive
/// rate `fpr` (0 when nothing is called eyeglasses).
pub fn precision_at_prevalence(tpr: f64, fpr: f64, prevalence: f64) -> f64 {
    let called = prevalence * tpr + (1.0 - prevalence) * fpr;
    if called <= 0.0 { 0.0 } else { prevalence * tpr / called }
}

/// (threshold, TPR, FPR) per distinct score from the highest down; each threshold lies halfway
/// to the next lower score, so it does not sit on a validation face's own score.
fn rates(probs: &[f32], labels: &[u8]) -> Vec<(f32, f64, f64)> {
    let pos = labels.iter().filter(|&&l| l == 1).count();
    let neg = labels.len() - pos;
    if pos == 0 || neg == 0 {
        return Vec::new();
    }
    let steps = threshold_sweep(probs, labels);
    steps
        .iter()
        .enumerate()
        .map(|(k, &(tp, fp, t))| {
            let below = steps.get(k + 1).map_or(t / 2.0, |s| s.2);
            ((t + below) / 2.0, tp as f64 / pos as f64, fp as f64 / neg as f64)
        })
        .collect()
}

fn f1(precision: f64, recall: f64) -> f64 {
    if precision + recall == 0.0 { 0.0 } else { 2.0 * precision * recall / (precision + recall) }
}

/// The threshold maximising F1 at `prevalence` on held-out `probs` / `labels` (1 = eyeglasses,
/// anything else a negative); `None` without both classes.
pub fn best_f1_threshold(probs: &[f32], labels: &[u8], prevalence: f64) -> Option<f32> {
    rates(probs, labels)
        .into_iter()
        .map(|(t, tpr, fpr)| (t, f1(precision_at_prevalence(tpr, fpr, prevalence), tpr)))
        .max_by(|a, b| a.1.total_cmp(&b.1))
        .map(|(t, _)| t)
}

/// The high-precision, balanced and high-recall points of `probs` / `labels`, chosen at
/// [`DEFAULT_PREVALENCE`]: the lowest threshold with precision >= [`HIGH_PRECISION`] (else the
/// most precise), the F1 maximum, and the highest threshold with recall >= [`HIGH_RECALL`].
pub fn operating_points(probs: &[f32], labels: &[u8]) -> Vec<OperatingPoint> {
    let r = rates(probs, labels);
    if r.is_empty() {
        return Vec::new();
    }
    let pi = DEFAULT_PREVALENCE;
    let precision = |&(_, tpr, fpr): &(f32, f64, f64)| precision_at_prevalence(tpr, fpr, pi);
    let precise = r
        .iter()
        .rev()
        .find(|p| precision(p) >= HIGH_PRECISION)
        .or_else(|| r.iter().max_by(|a, b| precision(a).total_cmp(&precision(b))));
    let balanced = r.iter().max_by(|a, b| f1(precision(a), a.1).total_cmp(&f1(precision(b), b.1)));
    let sensitive = r.iter().find(|p| p.1 >= HIGH_RECALL);
    [("high precision", precise), ("balanced", balanced), ("high recall", sensitive)]
        .into_iter()
        .filter_map(|(name, p)| p.map(|p| (name, *p)))
        .map(|(name, (threshold, recall, fpr))| OperatingPoint {
            name: name.to_owned(),
            threshold,
            recall,
            fpr,
            precision_at: REPORTED_PREVALENCES
                .iter()
                .map(|&pi| (pi, precision_at_prevalence(recall, fpr, pi)))
                .collect(),
        })
        .collect()
}

/// A Markdown table of `points`.
pub fn markdown(points: &[OperatingPoint]) -> String {
    let mut out = String::from("| operating point | threshold | recall | FPR |");
    for pi in REPORTED_PREVALENCES {
        out.push_str(&format!(" precision @{:.0} % |", pi * 100.0));
    }
    out.push_str("\n|---|---|---|---|");
    out.push_str(&"---|".repeat(REPORTED_PREVALENCES.len()));
    out.push('\n');
    for p in points {
        out.push_str(&format!("| {} | {:.3} | {:.4} | {:.4} |", p.name, p.threshold, p.recall, p.fpr));
        for (_, precision) in &p.precision_at {
            out.push_str(&format!(" {precision:.4} |"));
        }
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn precision_follows_the_prevalence() {
        // TPR 0.9, FPR 0.01: at 10 % prevalence 0.09 true against 0.009 false calls.
        assert!((precision_at_prevalence(0.9, 0.01, 0.10) - 0.09 / 0.099).abs() < 1e-12);
        assert!(precision_at_prevalence(0.9, 0.01, 0.04) < precision_at_prevalence(0.9, 0.01, 0.30));
        assert_eq!(precision_at_prevalence(0.0, 0.0, 0.1), 0.0);
        assert_eq!(precision_at_prevalence(0.5, 0.0, 0.1), 1.0);
    }

    /// 100 positives scored 0.50-0.99 and 100 negatives scored 0.00-0.59: they overlap at 0.5-0.6.
    fn overlapping() -> (Vec<f32>, Vec<u8>) {
        let pos = (0..100).map(|i| 0.5 + 0.49 * i as f32 / 99.0);
        let neg = (0..100).map(|i| 0.59 * i as f32 / 99.0);
        (pos.chain(neg).collect(), [1u8; 100].into_iter().chain([0u8; 100]).collect())
    }

    #[test]
    fn a_rarer_class_moves_the_best_threshold_up() {
        let (p, l) = overlapping();
        let rare = best_f1_threshold(&p, &l, 0.04).unwrap();
        let common = best_f1_threshold(&p, &l, 0.5).unwrap();
        assert!(rare > common, "{rare} vs {common}");
        // At a rare class no negative above 0.59 is worth calling: the threshold clears them.
        assert!(rare > 0.58, "{rare}");
        assert!(best_f1_threshold(&p, &[1; 200], 0.1).is_none(), "one class only");
    }

    #[test]
    fn the_three_points_are_ordered() {
        let (p, l) = overlapping();
        let points = operating_points(&p, &l);
        let names: Vec<&str> = points.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["high precision", "balanced", "high recall"]);
        assert!(points[0].threshold >= points[1].threshold && points[1].threshold >= points[2].threshold);
        assert!(points[2].recall >= HIGH_RECALL);
        assert!(points[0].precision_at[1].1 >= HIGH_PRECISION);
        // The thresholds lie between scores: no face's score equals one.
        assert!(points.iter().all(|pt| !p.contains(&pt.threshold)));
        let table = markdown(&points);
        assert!(table.contains("precision @10 %") && table.lines().count() == 5, "{table}");
    }
}
