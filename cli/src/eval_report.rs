//! What `glasses eval` reports: the metrics, the eyewear confusion matrix, the face counts, the
//! `--precision-at` answer and the misclassified images. `eval` fills it, `eval_render` writes it.

use serde::Serialize;

use crate::args::Faces;
use crate::batch::Outcome;
use crate::face_boxes::Usage;
use crate::metrics::{Confusion, ThresholdRow};
use crate::skipped::SkippedGroup;
use glasses_core::Eyewear;

/// Rows and columns of the eyewear confusion matrix.
const KINDS: [Eyewear; 3] = [Eyewear::None, Eyewear::Eyeglasses, Eyewear::Sunglasses];

/// Actual (rows: none, eyeglasses, sunglasses) against predicted (columns, same order) eyewear.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct EyewearConfusion {
    pub classes: [&'static str; 3],
    pub counts: [[usize; 3]; 3],
}

impl EyewearConfusion {
    pub fn from_pairs(pairs: impl IntoIterator<Item = (Eyewear, Eyewear)>) -> Self {
        let index = |kind: Eyewear| KINDS.iter().position(|k| *k == kind).unwrap_or(0);
        let mut counts = [[0; 3]; 3];
        for (actual, predicted) in pairs {
            counts[index(actual)][index(predicted)] += 1;
        }
        Self { classes: KINDS.map(Eyewear::name), counts }
    }
}

#[derive(Debug, Serialize)]
pub struct Report {
    pub images_path: String,
    pub model: String,
    pub threshold: f32,
    /// Images that were classified (failed files are left out of every metric).
    pub n: usize,
    pub failed: usize,
    pub positives: usize,
    pub negatives: usize,
    pub accuracy: Option<f64>,
    pub precision: Option<f64>,
    pub recall: Option<f64>,
    pub f1: Option<f64>,
    pub roc_auc: Option<f64>,
    pub confusion_matrix: Confusion,
    /// Images of `sunglasses/` (counted as negatives above).
    pub sunglasses: usize,
    /// The 3x3 eyewear matrix, when the folder has `sunglasses/` images.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub eyewear_confusion_matrix: Option<EyewearConfusion>,
    /// How many images were classified inside a `--face-boxes` box and how many whole.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub face_boxes: Option<Usage>,
    /// What the face detector found (`--faces auto` or `detect`, on pictures without a box).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub faces: Option<FaceCounts>,
    /// Precision, recall and F1 at 0.1, 0.2, ..., 0.9 and the chosen threshold.
    pub threshold_sweep: Vec<ThresholdRow>,
    /// `--precision-at P`: the lowest threshold reaching precision P on this folder.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub precision_at: Option<PrecisionTarget>,
    /// Classified images whose predicted eyewear is not their folder's (see [`Mistake`]).
    pub misclassified: usize,
    /// Files in the label folders that are not images, counted by reason.
    pub skipped: Vec<SkippedGroup>,
}

/// What the face detector found on the pictures `--face-boxes` gave no box for. The metrics are
/// per picture: each is answered for its largest face (or, with `auto`, whole when it has none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FaceCounts {
    /// `--faces`: "auto" or "detect".
    pub mode: &'static str,
    /// Pictures answered for a detected face (their largest).
    pub pictures_with_face: usize,
    /// Pictures without a face: classified whole (`auto`) or left out of the metrics (`detect`).
    pub pictures_without_face: usize,
    /// `detect`: its two counts, written beside the others (and not at all for `auto`).
    #[serde(flatten)]
    pub detected: Option<DetectedFaces>,
}

/// What only `--faces detect` counts: every face it finds, not just each picture's largest.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DetectedFaces {
    /// Every face found.
    pub faces: usize,
    /// The pictures with more than one.
    pub pictures_with_several_faces: usize,
}

impl FaceCounts {
    /// The counts over `outcomes` (one per face, or per picture), `None` for `--faces whole`.
    pub fn of(outcomes: &[Outcome], mode: Faces) -> Option<Self> {
        let detected = |o: &&Outcome| o.face.is_none() && o.result.is_ok() || o.no_face;
        let mine: Vec<&Outcome> = outcomes.iter().filter(detected).collect();
        let first = |o: &&&Outcome| o.detected.is_some() && o.face_index == Some(0);
        let pictures_with_face = mine.iter().filter(first).count();
        let several = mine.iter().filter(|o| o.detected.is_some() && o.face_index == Some(1)).count();
        let faces = mine.iter().filter(|o| o.detected.is_some()).count();
        match mode {
            Faces::Whole => None,
            Faces::Auto => Some(Self {
                mode: "auto",
                pictures_with_face,
                pictures_without_face: mine.len() - pictures_with_face,
                detected: None,
            }),
            Faces::Detect => Some(Self {
                mode: "detect",
                pictures_with_face,
                pictures_without_face: mine.iter().filter(|o| o.no_face).count(),
                detected: Some(DetectedFaces { faces, pictures_with_several_faces: several }),
            }),
        }
    }
}

/// The answer to `--precision-at`.
#[derive(Debug, Serialize)]
pub struct PrecisionTarget {
    /// The precision asked for.
    pub target: f32,
    /// The lowest threshold reaching it, with its metrics; `None`: no threshold does.
    pub reached: Option<ThresholdRow>,
}

/// A misclassified image, for `--misclassified FILE`.
#[derive(Debug, Serialize)]
pub struct Mistake {
    pub path: String,
    pub truth: &'static str,
    pub prediction: &'static str,
    /// P(eyeglasses).
    pub probability: f32,
    /// The probability of the predicted class: the list is sorted by it, most confident first.
    pub confidence: f32,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn detect_counts_are_written_beside_the_others_and_only_for_detect() -> serde_json::Result<()> {
        let auto =
            FaceCounts { mode: "auto", pictures_with_face: 2, pictures_without_face: 1, detected: None };
        assert_eq!(
            serde_json::to_string(&auto)?,
            r#"{"mode":"auto","pictures_with_face":2,"pictures_without_face":1}"#
        );
        let detected = Some(DetectedFaces { faces: 5, pictures_with_several_faces: 2 });
        let detect = FaceCounts { mode: "detect", detected, ..auto };
        assert_eq!(
            serde_json::to_string(&detect)?,
            r#"{"mode":"detect","pictures_with_face":2,"pictures_without_face":1,"faces":5,"pictures_with_several_faces":2}"#
        );
        Ok(())
    }
}
