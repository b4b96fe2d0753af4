//! The face records the generated Swift bindings see: the face mode of a request, a face box,
//! each detected face, and the detector's settings.

use glasses_core::DetectedFace;

/// Which face `classify` answers for when the request gives no box: C's `GlassesFaceMode` itself,
/// which uniffi names `FaceModeKind`.
pub use crate::codes::GlassesFaceMode as FaceModeKind;

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

mirror_fields!(glasses_core::FaceBox, FaceBox { x, y, width, height });

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

/// The built-in detector's settings: C's `GlassesDetectorOptions` itself, which uniffi names
/// `DetectorOptionsRecord`.
pub use crate::c::GlassesDetectorOptions as DetectorOptionsRecord;
