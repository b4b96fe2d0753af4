//! The plain C structs of the ABI: options, results, face boxes, camera frames, inputs and
//! requests.

use std::ffi::c_char;

use glasses_core::{DetectedFace, DetectorOptions, FaceResult, Prediction};

use crate::codes::GlassesEyewear;

/// Options for the constructors. Start from `glasses_options_default` and change fields. The
/// struct keeps its 0.1.0 layout: later options are set on a second handle made from a classifier
/// (`glasses_classifier_with_threads`, `glasses_classifier_with_accept_truncated`,
/// `glasses_classifier_with_detector`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlassesOptions {
    /// Decision threshold on P(eyeglasses), in [0, 1], or NaN for the model file's own
    /// (`glasses_options_model_threshold()`; 0.5 for a file without one). Default 0.5.
    pub threshold: f32,
    /// Largest encoded image (width x height) decoded; bigger ones fail with
    /// `GLASSES_STATUS_IMAGE_TOO_LARGE`. Default 64 megapixels. Any value is safe: it is clamped
    /// to what the platform can address, and a picture that does not fit in memory fails with
    /// `GLASSES_STATUS_OUT_OF_MEMORY` instead of aborting.
    pub max_pixels: u64,
}

/// The result for one image as version 0.1.0 wrote it, kept unchanged for compatibility with
/// programs built against that header: new code uses [`GlassesResult`] (the same first two
/// fields, plus the eyewear kind and every probability), the name of the result on every surface.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlassesPrediction {
    /// `probability >= threshold`.
    pub has_glasses: bool,
    /// P(eyeglasses) in [0, 1].
    pub probability: f32,
}

impl From<Prediction> for GlassesPrediction {
    fn from(p: Prediction) -> Self {
        Self { has_glasses: p.has_glasses, probability: p.probability }
    }
}

/// The result for one image with the eyewear kind, written by `glasses_classify`,
/// the `glasses_classify_*_region` functions and `glasses_classify_yuv`: Kotlin's and Swift's
/// `GlassesResult`. [`GlassesPrediction`] and the 0.1.0 functions that write it are unchanged.
///
/// 0.3.0 appended `has_face` and `face` (which face the answer is for): a program compiled
/// against the 0.2.0 header must be rebuilt, since the library writes the larger struct.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlassesResult {
    /// `probability >= threshold`.
    pub has_glasses: bool,
    /// P(eyeglasses) in [0, 1].
    pub probability: f32,
    /// A [`GlassesEyewear`] value: eyeglasses exactly when `has_glasses`, otherwise the more
    /// probable of none and sunglasses.
    pub eyewear: u32,
    /// P(no eyewear). For a two-class model, P(no eyeglasses), sunglasses included.
    pub probability_none: f32,
    /// Whether the model has a sunglasses class; when false, `probability_sunglasses` is not a
    /// probability (it is NaN) and `eyewear` is never `GLASSES_EYEWEAR_SUNGLASSES`.
    pub has_sunglasses_class: bool,
    /// P(sunglasses) when `has_sunglasses_class`, NaN otherwise.
    pub probability_sunglasses: f32,
    /// Whether the answer is for a face the built-in detector found (`face` says which); false
    /// when the whole picture was classified (`GLASSES_FACE_MODE_WHOLE`, or `AUTO` found no face)
    /// or the request gave the box itself.
    pub has_face: bool,
    /// The detected face the answer is for, in pixels of the upright picture (read when
    /// `has_face`; all zero otherwise).
    pub face: GlassesDetectedFace,
}

impl From<Prediction> for GlassesResult {
    fn from(p: Prediction) -> Self {
        Self {
            has_glasses: p.has_glasses,
            probability: p.probability,
            eyewear: GlassesEyewear::of(&p) as u32,
            probability_none: p.probabilities.none,
            has_sunglasses_class: p.probabilities.sunglasses.is_some(),
            probability_sunglasses: p.probabilities.sunglasses.unwrap_or(f32::NAN),
            has_face: p.face.is_some(),
            face: p.face.map(GlassesDetectedFace::from).unwrap_or_default(),
        }
    }
}

/// A point in pixels of the upright picture, origin top-left.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GlassesPoint {
    /// Pixels from the left edge.
    pub x: f32,
    /// Pixels from the top edge.
    pub y: f32,
}

/// One face the built-in detector found (`glasses_detect_faces`, and the face of a
/// [`GlassesFaceResult`] or of a [`GlassesResult`]).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GlassesDetectedFace {
    /// The face's box in pixels of the upright picture, clipped to the picture.
    pub face_box: GlassesFaceBox,
    /// Detection score in 0..1.
    pub score: f32,
    /// Right eye, left eye, nose tip, right and left mouth corner (the person's right and left),
    /// in pixels of the upright picture; not clipped.
    pub landmarks: [GlassesPoint; 5],
}

impl From<DetectedFace> for GlassesDetectedFace {
    fn from(f: DetectedFace) -> Self {
        let b = f.face_box;
        Self {
            face_box: GlassesFaceBox { x: b.x, y: b.y, width: b.width, height: b.height },
            score: f.score,
            landmarks: f.landmarks.map(|(x, y)| GlassesPoint { x, y }),
        }
    }
}

/// One face of a picture and the answer for it (`glasses_classify_faces`); `result.has_face` is
/// true and `result.face` is `face`.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GlassesFaceResult {
    /// The face, in pixels of the upright picture.
    pub face: GlassesDetectedFace,
    /// The answer for that face.
    pub result: GlassesResult,
}

impl From<FaceResult> for GlassesFaceResult {
    fn from(r: FaceResult) -> Self {
        Self { face: r.face.into(), result: r.prediction.into() }
    }
}

/// The built-in face detector's settings, for `glasses_classifier_with_detector`. Start from
/// `glasses_detector_options_default` and change fields.
// The same struct is uniffi's `DetectorOptionsRecord` (the detector settings of the Swift
// constructors' options), so that C and Swift cannot disagree on a field.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
#[uniffi(name = "DetectorOptionsRecord")]
pub struct GlassesDetectorOptions {
    /// Width the picture is fitted into before detection (32 to 1920). Default 320.
    pub input_width: u32,
    /// Height the picture is fitted into (32 to 1920). Default 240; 640x480 also finds small
    /// faces in group photos, at four times the cost.
    pub input_height: u32,
    /// Faces scoring above this are kept, in [0, 1]. Default 0.6.
    pub score_threshold: f32,
    /// A face overlapping a better one by more than this intersection over union is dropped,
    /// in (0, 1]. Default 0.3.
    pub nms_iou: f32,
    /// Faces narrower or lower than this many pixels of the picture are dropped. Default 0.
    pub min_face_size: f32,
}

mirror_fields!(
    DetectorOptions,
    GlassesDetectorOptions { input_width, input_height, score_threshold, nms_iou, min_face_size }
);

/// A face detector's box in pixels of the upright picture, origin top-left (Android's `Rect`,
/// ML Kit's `Face.boundingBox`; convert Vision's normalised bottom-left boxes first). It may reach
/// past the picture's edges; the library expands it to the framing the model was trained on.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GlassesFaceBox {
    /// Left edge in pixels (may be negative).
    pub x: f32,
    /// Top edge in pixels (may be negative).
    pub y: f32,
    /// Width in pixels.
    pub width: f32,
    /// Height in pixels.
    pub height: f32,
}

/// A YUV 4:2:0 camera frame: Android's `YUV_420_888` planes (NV21 and NV12 are
/// `uv_pixel_stride` 2 with `u` and `v` one byte apart in the same buffer; I420 is
/// `uv_pixel_stride` 1), or iOS's `420YpCbCr8BiPlanar` planes (NV12). Colours are BT.601.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GlassesYuvFrame {
    /// The Y (luma) plane and its length in bytes.
    pub y: *const u8,
    /// Length of the Y plane in bytes.
    pub y_len: usize,
    /// Bytes between the starts of two Y rows (at least `width`).
    pub y_row_stride: usize,
    /// The U (Cb) plane: its first sample.
    pub u: *const u8,
    /// Bytes readable from `u`.
    pub u_len: usize,
    /// The V (Cr) plane: its first sample.
    pub v: *const u8,
    /// Bytes readable from `v`.
    pub v_len: usize,
    /// Bytes between the starts of two chroma rows.
    pub uv_row_stride: usize,
    /// Bytes between two chroma samples of one row: 1 (planar) or 2 (interleaved).
    pub uv_pixel_stride: usize,
    /// Width in pixels as stored (even).
    pub width: u32,
    /// Height in pixels as stored (even).
    pub height: u32,
    /// 0: full range (Android camera, iOS `...FullRange`); 1: limited (video) range.
    pub range: u32,
    /// Clockwise rotation that makes the frame upright (Android's `rotationDegrees`): 0, 90, 180,
    /// 270. With `glasses_classify`, applied before the request's rotation.
    pub rotation_degrees: u32,
    /// Mirror the upright picture left to right (front cameras).
    pub mirrored: bool,
}

/// A picture in any form the library takes, for `glasses_classify`. `kind` (a
/// `GlassesInputKind` value) says which fields are read; the others are ignored,
/// so a C11 designated initializer names only the ones its kind needs:
///
/// ```c
/// GlassesInput jpeg = {.kind = GLASSES_INPUT_KIND_ENCODED, .bytes = data, .bytes_len = len};
/// GlassesInput frame = {.kind = GLASSES_INPUT_KIND_PIXELS, .bytes = bgra, .bytes_len = n,
///                       .width = w, .height = h, .stride = row_bytes, .format = GLASSES_PIXEL_FORMAT_BGRA8};
/// ```
///
/// Every pointer is borrowed for the call only: the library reads it during the call and keeps
/// nothing.
#[repr(C)]
#[derive(Debug, Clone, Copy)]
pub struct GlassesInput {
    /// A `GlassesInputKind` value.
    pub kind: u32,
    /// `ENCODED`: the encoded file's bytes. `PIXELS`: the raw pixels.
    pub bytes: *const u8,
    /// Bytes readable from `bytes`.
    pub bytes_len: usize,
    /// `ARGB`: packed `0xAARRGGBB` values as `Bitmap.getPixels` writes them (aligned to 4 bytes).
    pub argb: *const u32,
    /// Values (not bytes) readable from `argb`.
    pub argb_len: usize,
    /// `PIXELS`, `ARGB`: width in pixels as stored.
    pub width: u32,
    /// `PIXELS`, `ARGB`: height in pixels as stored.
    pub height: u32,
    /// `PIXELS`: bytes between row starts. `ARGB`: values between row starts.
    pub stride: usize,
    /// `PIXELS`: a `GlassesPixelFormat` value.
    pub format: u32,
    /// `YUV`: the camera frame; its own rotation and mirror apply before the request's.
    pub yuv: GlassesYuvFrame,
    /// `PATH`: a NUL-terminated UTF-8 path to an image file.
    pub path: *const c_char,
}

impl GlassesInput {
    /// An input of `kind` with every field empty; the constructors below fill in their fields.
    const fn empty(kind: crate::codes::GlassesInputKind) -> Self {
        Self {
            kind: kind as u32,
            bytes: std::ptr::null(),
            bytes_len: 0,
            argb: std::ptr::null(),
            argb_len: 0,
            width: 0,
            height: 0,
            stride: 0,
            format: 0,
            yuv: GlassesYuvFrame {
                y: std::ptr::null(),
                y_len: 0,
                y_row_stride: 0,
                u: std::ptr::null(),
                u_len: 0,
                v: std::ptr::null(),
                v_len: 0,
                uv_row_stride: 0,
                uv_pixel_stride: 0,
                width: 0,
                height: 0,
                range: 0,
                rotation_degrees: 0,
                mirrored: false,
            },
            path: std::ptr::null(),
        }
    }

    pub(super) const fn encoded(bytes: *const u8, bytes_len: usize) -> Self {
        Self { bytes, bytes_len, ..Self::empty(crate::codes::GlassesInputKind::Encoded) }
    }

    pub(super) const fn pixels(
        bytes: *const u8,
        bytes_len: usize,
        (width, height, stride): (u32, u32, usize),
        format: u32,
    ) -> Self {
        Self {
            bytes,
            bytes_len,
            width,
            height,
            stride,
            format,
            ..Self::empty(crate::codes::GlassesInputKind::Pixels)
        }
    }

    pub(super) const fn argb(
        argb: *const u32,
        argb_len: usize,
        (width, height, stride): (u32, u32, usize),
    ) -> Self {
        Self { argb, argb_len, width, height, stride, ..Self::empty(crate::codes::GlassesInputKind::Argb) }
    }

    pub(super) const fn yuv(yuv: GlassesYuvFrame) -> Self {
        Self { yuv, ..Self::empty(crate::codes::GlassesInputKind::Yuv) }
    }
}

/// What to classify in a [`GlassesInput`]: how it is turned upright and where the face is. Start
/// from `glasses_request_default` (upright as stored, the largest face the detector finds, the
/// whole picture when it finds none); a NULL request and a zeroed one mean the same.
///
/// 0.3.0 appended `face_mode`: a program compiled against the 0.2.0 header must be rebuilt.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct GlassesRequest {
    /// The clockwise rotation that turns the stored picture upright (Android's
    /// `rotationDegrees`; a `GlassesRotation` value: 0, 90, 180 or 270). Any other value is
    /// `GLASSES_STATUS_INVALID_PIXEL_BUFFER`. Applied after an encoded picture's EXIF orientation
    /// and after a YUV frame's own rotation.
    pub rotation_degrees: u32,
    /// Then mirror the upright picture left to right (front cameras).
    pub mirrored: bool,
    /// Whether `face` is given; without it `face_mode` says where the face is.
    pub has_face: bool,
    /// A face detector's box in pixels of the upright picture (read when `has_face`); it wins
    /// over `face_mode`.
    pub face: GlassesFaceBox,
    /// A `GlassesFaceMode` value: `GLASSES_FACE_MODE_AUTO` (0, the default), `DETECT` or
    /// `WHOLE`. Any other value is `GLASSES_STATUS_INVALID_ARGUMENT`. `glasses_detect_faces` and
    /// `glasses_classify_faces` read only the rotation and mirror.
    pub face_mode: u32,
}

impl GlassesRequest {
    /// The request of the functions that take a face box pointer: upright as stored, the face
    /// when the pointer is not NULL.
    ///
    /// # Safety
    /// A non-NULL `face` must point to a readable `GlassesFaceBox`.
    pub(super) unsafe fn with_face(face: *const GlassesFaceBox) -> Self {
        // SAFETY: the caller's contract.
        match unsafe { face.as_ref() } {
            Some(face) => Self { has_face: true, face: *face, ..Self::default() },
            None => Self::default(),
        }
    }
}
