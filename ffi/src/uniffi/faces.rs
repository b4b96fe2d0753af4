//! The face records the generated Swift bindings see: the face mode of a request, a face box,
//! each detected face, and the detector's settings.

use glasses_core::{DetectedFace, DetectorOptions, FaceMode as CoreFaceMode};

/// Which face `classify` answers for when the request gives no box: C's `GlassesFaceMode`, case
/// for case in the same order (checked by tests and by scripts/gen-swift.sh). Named `...Kind` so
/// that the generated Swift type does not clash with the wrapper's public `FaceMode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, uniffi::Enum)]
pub enum FaceModeKind {
    /// The largest face the built-in detector finds; the whole picture when there is none.
    #[default]
    Auto,
    /// The largest face found; `NoFace` when there is none.
    Detect,
    /// The whole picture (its centre crop); no detection runs.
    Whole,
}

impl From<FaceModeKind> for CoreFaceMode {
    fn from(m: FaceModeKind) -> Self {
        match m {
            FaceModeKind::Auto => Self::Auto,
            FaceModeKind::Detect => Self::Detect,
            FaceModeKind::Whole => Self::Whole,
        }
    }
}

/// A point in pixels of the upright picture, origin top-left.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct FacePoint {
    /// Pixels from the left edge.
    pub x: f32,
    /// Pixels from the top edge.
    pub y: f32,
}

/// A face detector's box in pixels of the upright picture, origin at the top-left corner. It may
/// reach past the picture's edges but must overlap it and have a positive, finite size.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct FaceBox {
    /// Left edge in pixels (may be negative).
    pub x: f32,
    /// Top edge in pixels (may be negative).
    pub y: f32,
    /// Width in pixels.
    pub width: f32,
    /// Height in pixels.
    pub height: f32,
}

impl From<FaceBox> for glasses_core::FaceBox {
    fn from(f: FaceBox) -> Self {
        Self::new(f.x, f.y, f.width, f.height)
    }
}

impl From<glasses_core::FaceBox> for FaceBox {
    fn from(f: glasses_core::FaceBox) -> Self {
        Self { x: f.x, y: f.y, width: f.width, height: f.height }
    }
}

/// One face the built-in detector found: C's `GlassesDetectedFace`. Named `...Record` so that the
/// generated Swift type does not clash with the wrapper's public `DetectedFace`.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct DetectedFaceRecord {
    /// The face's box in pixels of the upright picture, clipped to the picture.
    pub face_box: FaceBox,
    /// Detection score in 0..1.
    pub score: f32,
    /// Right eye, left eye, nose tip, right and left mouth corner (the person's right and left),
    /// in pixels of the upright picture; not clipped.
    pub landmarks: Vec<FacePoint>,
}

impl From<DetectedFace> for DetectedFaceRecord {
    fn from(f: DetectedFace) -> Self {
        Self {
            face_box: f.face_box.into(),
            score: f.score,
            landmarks: f.landmarks.iter().map(|&(x, y)| FacePoint { x, y }).collect(),
        }
    }
}

/// The built-in detector's settings: C's `GlassesDetectorOptions`.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct DetectorOptionsRecord {
    /// Width the picture is fitted into before detection (32 to 1920). Default 320.
    pub input_width: u32,
    /// Height the picture is fitted into (32 to 1920). Default 240.
    pub input_height: u32,
    /// Faces scoring below this are dropped, in [0, 1]. Default 0.6.
    pub score_threshold: f32,
    /// A face overlapping a better one by more than this intersection over union is dropped,
    /// in (0, 1]. Default 0.3.
    pub nms_iou: f32,
    /// Faces narrower or lower than this many pixels of the picture are dropped. Default 0.
    pub min_face_size: f32,
}

mirror_fields!(
    DetectorOptions,
    DetectorOptionsRecord { input_width, input_height, score_threshold, nms_iou, min_face_size }
);
