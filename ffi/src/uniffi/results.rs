//! The answers the generated Swift bindings see: what a face wears, the result for a picture and
//! the result for each of its faces.

use super::faces::DetectedFaceRecord;
use crate::codes::GlassesEyewear;

/// What a face wears over the eyes.
///
/// Named `EyewearKind` (not core's `Eyewear`) so that the generated Swift type does not clash with
/// the public `Eyewear` of the Swift wrapper, which tests import together with the bindings; the
/// first case is `noEyewear` rather than `none`, which Swift confuses with `Optional.none`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum EyewearKind {
    /// No eyewear (or none the model can see).
    NoEyewear,
    /// Eyeglasses: clear lenses, eyes visible.
    Eyeglasses,
    /// Sunglasses: dark or strongly tinted lenses (three-class models only).
    Sunglasses,
}

impl From<GlassesEyewear> for EyewearKind {
    /// C's kind, case for case (the one mapping from core's kinds is [`GlassesEyewear::of`]).
    fn from(e: GlassesEyewear) -> Self {
        match e {
            GlassesEyewear::None => Self::NoEyewear,
            GlassesEyewear::Eyeglasses => Self::Eyeglasses,
            GlassesEyewear::Sunglasses => Self::Sunglasses,
        }
    }
}

/// The result for one image: C's `GlassesResult`, and the record behind the Swift wrapper's
/// `GlassesResult`. Named `...Record` so that the generated Swift type does not clash with the
/// wrapper's public `GlassesResult`, which tests import together with the bindings.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GlassesResultRecord {
    /// `probability >= threshold`.
    pub has_glasses: bool,
    /// P(eyeglasses) in [0, 1].
    pub probability: f32,
    /// What the face wears: eyeglasses exactly when `has_glasses`, otherwise the more probable of
    /// no eyewear and sunglasses.
    pub eyewear: EyewearKind,
    /// P(no eyewear). For a two-class model, P(no eyeglasses), sunglasses included.
    pub probability_none: f32,
    /// P(sunglasses); absent (`nil` in Swift) when the model has no sunglasses class.
    pub probability_sunglasses: Option<f32>,
    /// The detected face the answer is for; absent when the whole picture was classified
    /// (`FaceModeKind::Whole`, or `Auto` found no face) or the request gave the box.
    pub face: Option<DetectedFaceRecord>,
}

impl From<glasses_core::Prediction> for GlassesResultRecord {
    fn from(p: glasses_core::Prediction) -> Self {
        Self {
            has_glasses: p.has_glasses,
            probability: p.probability,
            eyewear: GlassesEyewear::of(&p).into(),
            probability_none: p.probabilities.none,
            probability_sunglasses: p.probabilities.sunglasses,
            face: p.face.map(DetectedFaceRecord::from),
        }
    }
}

/// One face of a picture and the answer for it: C's `GlassesFaceResult`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct FaceResultRecord {
    /// The face, in pixels of the upright picture.
    pub face: DetectedFaceRecord,
    /// The answer for that face (its `face` is this face).
    pub result: GlassesResultRecord,
}

impl From<glasses_core::FaceResult> for FaceResultRecord {
    fn from(r: glasses_core::FaceResult) -> Self {
        Self { face: r.face.into(), result: r.prediction.into() }
    }
}
