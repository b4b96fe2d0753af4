//! What comes out: the prediction for one picture, from the model's class probabilities.

use crate::detect::DetectedFace;

/// The result for one image.
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct Prediction {
    /// `probability >= threshold`.
    pub has_glasses: bool,
    /// P(eyeglasses): softmax of the model's logits, index 1.
    pub probability: f32,
    /// What the face wears: [`Eyewear::Eyeglasses`] exactly when `has_glasses`, otherwise the
    /// more probable of none and sunglasses. At the default threshold (0.5) this is the most
    /// probable class, except in a near three-way tie where P(eyeglasses) is the largest but
    /// below 0.5.
    pub eyewear: Eyewear,
    /// The probability of each class.
    pub probabilities: EyewearProbabilities,
    /// The detected face this answer is for, in pixels of the upright picture; `None` when the
    /// whole picture was classified (no face found, [`crate::FaceMode::Whole`]) or the caller
    /// gave the box ([`crate::Request::face`]).
    pub face: Option<DetectedFace>,
}

/// One face of a picture and the answer for it ([`crate::Classifier::classify_faces`]).
#[derive(Debug, Clone, Copy, PartialEq)]
#[non_exhaustive]
pub struct FaceResult {
    /// The face, in pixels of the upright picture.
    pub face: DetectedFace,
    /// The answer for that face (its [`Prediction::face`] is `Some(face)`).
    pub prediction: Prediction,
}

impl Prediction {
    /// The prediction for class probabilities `probabilities` (2 or 3 values summing to 1, in
    /// the contract's class order) at decision threshold `threshold`.
    pub fn from_probabilities(probabilities: &[f32], threshold: f32) -> Self {
        let at = |i: usize| probabilities.get(i).copied();
        let probabilities = EyewearProbabilities {
            none: at(0).unwrap_or(0.0),
            eyeglasses: at(crate::contract::EYEGLASSES_INDEX).unwrap_or(0.0),
            sunglasses: at(2),
        };
        let has_glasses = probabilities.eyeglasses >= threshold;
        let eyewear = match probabilities.sunglasses {
            _ if has_glasses => Eyewear::Eyeglasses,
            Some(sunglasses) if sunglasses > probabilities.none => Eyewear::Sunglasses,
            _ => Eyewear::None,
        };
        Self { has_glasses, probability: probabilities.eyeglasses, eyewear, probabilities, face: None }
    }
}

/// What a face wears over the eyes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Eyewear {
    /// No eyewear (or none the model can see).
    None,
    /// Eyeglasses: clear lenses, eyes visible.
    Eyeglasses,
    /// Sunglasses: dark, mirrored or strongly tinted lenses. Only models with the three classes
    /// (see [`crate::ModelMetadata::has_sunglasses_class`]) predict it.
    Sunglasses,
}

impl Eyewear {
    /// The class name used in model metadata, the CLI and the bindings: `"none"`,
    /// `"eyeglasses"` or `"sunglasses"`.
    pub fn name(self) -> &'static str {
        match self {
            Self::None => "none",
            Self::Eyeglasses => "eyeglasses",
            Self::Sunglasses => "sunglasses",
        }
    }
}

impl std::fmt::Display for Eyewear {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The model's probability for each kind of eyewear.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EyewearProbabilities {
    /// P(no eyewear). For a two-class model, P(no eyeglasses), sunglasses included.
    pub none: f32,
    /// P(eyeglasses), the same value as [`Prediction::probability`].
    pub eyeglasses: f32,
    /// P(sunglasses); `None` when the model has no sunglasses class (a two-class file).
    pub sunglasses: Option<f32>,
}

/// P(eyeglasses): the softmax of `logits` at the eyeglasses index (1), computed stably;
/// `logits` holds 2 or 3 values (0 when it holds fewer than 2).
pub fn softmax_eyeglasses(logits: &[f32]) -> f32 {
    softmax(logits).get(crate::contract::EYEGLASSES_INDEX).copied().unwrap_or(0.0)
}

/// The softmax of `logits`, computed stably (the largest logit is subtracted first).
pub fn softmax(logits: &[f32]) -> Vec<f32> {
    let max = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    let exp: Vec<f32> = logits.iter().map(|&l| (l - max).exp()).collect();
    let sum: f32 = exp.iter().sum();
    exp.into_iter().map(|e| e / sum).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_kind_is_eyeglasses_exactly_when_has_glasses() {
        let kind = |probs: &[f32], threshold| Prediction::from_probabilities(probs, threshold).eyewear;
        assert_eq!(kind(&[0.2, 0.7, 0.1], 0.5), Eyewear::Eyeglasses);
        assert_eq!(kind(&[0.2, 0.1, 0.7], 0.5), Eyewear::Sunglasses);
        assert_eq!(kind(&[0.6, 0.1, 0.3], 0.5), Eyewear::None);
        // A three-way split below the threshold: not eyeglasses, the larger of the others.
        assert_eq!(kind(&[0.25, 0.45, 0.3], 0.5), Eyewear::Sunglasses);
        // A low threshold calls eyeglasses even when sunglasses are more probable.
        assert_eq!(kind(&[0.1, 0.35, 0.55], 0.3), Eyewear::Eyeglasses);
        // Two classes: never sunglasses, and no sunglasses probability is made up.
        let p = Prediction::from_probabilities(&[0.9, 0.1], 0.5);
        assert_eq!((p.eyewear, p.probabilities.sunglasses), (Eyewear::None, None));
        assert_eq!(Eyewear::Sunglasses.to_string(), "sunglasses");
    }
}
