//! Hard-negative mining (`glasses-trainer mine`, then `train --hard-negatives FILE`). A model
//! scores every face of the training folds once (never the validation fold); the balanced
//! sampler then draws the faces it gets wrong more often within their class:
//!
//! * a bare face: hard as its P(eyeglasses) (the false alarms);
//! * an eyeglasses face: hard as its P(sunglasses) (dark frames called sunglasses);
//! * a sunglasses face: hard as its P(eyeglasses).
//!
//! A face of hardness `h` in `[0, 1]` is drawn `1 + (factor - 1) * h` times as often as an easy
//! face of its class, so a face the model is sure about and wrong on is drawn `factor` times as
//! often. The file is [`SoftLabels`]' CSV (`image,p_none,p_eyeglasses[,p_sunglasses]`), with the
//! held-out fold named in its header so a run on another fold can refuse it.

use std::path::Path;

use crate::data::{SUNGLASSES, Sample};
use crate::error::{Error, Result};
use crate::soft_labels::SoftLabels;

/// How much more often the hardest face is drawn than an easy one of its class, unless set.
pub const DEFAULT_FACTOR: f64 = 8.0;

const NO_EYEGLASSES: u8 = 0;
const EYEGLASSES: u8 = 1;

/// Hardness at or above which a face is counted as hard in the summaries.
pub const HARD_AT: f32 = 0.5;

/// How wrong the model is on a face of `label` with class probabilities `p` (none, eyeglasses,
/// sunglasses), in `[0, 1]`: the probability of the mistake that matters for that class.
pub fn hardness(label: u8, p: &[f32]) -> f32 {
    let at = |c: u8| p.get(c as usize).copied().unwrap_or(0.0).clamp(0.0, 1.0);
    match label {
        NO_EYEGLASSES | SUNGLASSES => at(EYEGLASSES),
        EYEGLASSES => at(SUNGLASSES),
        _ => 0.0,
    }
}

/// The sampling weight of a face of hardness `h` with oversampling factor `factor` (>= 1).
pub fn weight(h: f32, factor: f64) -> f64 {
    1.0 + (factor - 1.0) * f64::from(h)
}

/// The note a mined file carries in its header: which fold was held out of the scoring.
pub fn fold_note(val_fold: usize, folds: usize, split_seed: u64) -> String {
    format!("training faces only: fold {val_fold} of {folds} (split seed {split_seed}) held out")
}

/// The sampling weight of each training sample (in order) from a mined file. Refuses a file that
/// lacks a training face, and one that scored a validation face (mined for another fold: the
/// held-out people stay out of every step of the recipe, mining included).
pub fn row_weights(
    scores: &SoftLabels,
    train: &[&Sample],
    validation: &[&Sample],
    factor: f64,
    file: &Path,
) -> Result<Vec<f64>> {
    if !(factor.is_finite() && factor >= 1.0) {
        return Err(Error::Config(format!("--hard-negative-factor must be at least 1, got {factor}")));
    }
    if let Some(s) = validation.iter().find(|s| scores.get(&s.path).is_some()) {
        return Err(Error::data(
            file,
            format!(
                "scores a validation face ({}): mine with the same --val-fold, split seed and folds as this run",
                s.path.display()
            ),
        ));
    }
    train
        .iter()
        .map(|s| {
            let p = scores.get(&s.path).ok_or_else(|| {
                Error::data(
                    file,
                    format!(
                        "holds no score for the training face {}; mine with the same data folders and --val-fold",
                        s.path.display()
                    ),
                )
            })?;
            Ok(weight(hardness(s.label, p), factor))
        })
        .collect()
}

/// Hard faces (hardness >= [`HARD_AT`]) per label among `samples`, and how many were scored.
pub fn hard_counts(scores: &SoftLabels, samples: &[&Sample]) -> ([usize; 3], [usize; 3]) {
    let (mut hard, mut all) = ([0usize; 3], [0usize; 3]);
    for s in samples {
        let Some(p) = scores.get(&s.path) else { continue };
        let l = (s.label as usize).min(2);
        all[l] += 1;
        if hardness(s.label, p) >= HARD_AT {
            hard[l] += 1;
        }
    }
    (hard, all)
}

/// One line per class: how many faces are hard, and the share of that class's draws they get
/// with `factor`.
pub fn describe(scores: &SoftLabels, samples: &[&Sample], factor: f64) -> String {
    let names = ["no eyeglasses (P(eyeglasses))", "eyeglasses (P(sunglasses))", "sunglasses (P(eyeglasses))"];
    let (hard, all) = hard_counts(scores, samples);
    let mut out = String::new();
    for (label, name) in names.iter().enumerate() {
        if all[label] == 0 {
            continue;
        }
        let (mut hard_mass, mut mass) = (0.0, 0.0);
        for s in samples.iter().filter(|s| s.label as usize == label) {
            if let Some(p) = scores.get(&s.path) {
                let h = hardness(s.label, p);
                let w = weight(h, factor);
                mass += w;
                if h >= HARD_AT {
                    hard_mass += w;
                }
            }
        }
        out.push_str(&format!(
            "{name}: {} of {} hard (>= {HARD_AT}), {:.1} % of the class's draws at factor {factor}\n",
            hard[label],
            all[label],
            100.0 * hard_mass / mass.max(f64::MIN_POSITIVE)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hardness_is_the_mistake_of_each_class() {
        let p = [0.2, 0.7, 0.1];
        assert_eq!(hardness(NO_EYEGLASSES, &p), 0.7);
        assert_eq!(hardness(EYEGLASSES, &p), 0.1);
        assert_eq!(hardness(SUNGLASSES, &p), 0.7);
        assert_eq!(hardness(EYEGLASSES, &[0.3, 0.7]), 0.0, "two classes: no sunglasses mistake");
    }

    #[test]
    fn weights_run_from_one_to_the_factor() {
        assert_eq!(weight(0.0, 8.0), 1.0);
        assert_eq!(weight(1.0, 8.0), 8.0);
        assert_eq!(weight(0.5, 3.0), 2.0);
    }
}
