//! Every C-stable enum of the library and every mapping between a surface's numbers and core's
//! types, each written once: statuses, pixel formats, eyewear kinds, rotations and input kinds.
//!
//! The C ABI is stable, so its numbers are *the* numbers: [`GlassesPixelFormat`] values are the
//! pixel format codes of C, of Kotlin's `PixelLayout.code` (passed through JNI as they are) and,
//! by name, of uniffi's `PixelFormat`; [`GlassesStatus`] values are C's status codes and Kotlin's
//! `ErrorKind.code`, and uniffi's `GlassesError` case is chosen from the status;
//! [`GlassesEyewear`] values are C's `eyewear` and Kotlin's `Eyewear` codes. A core error
//! therefore reaches every surface as one status, through [`status`], with one message, from
//! [`message`]; a surface's rotation, mirror and face box become core's [`Request`] through
//! [`request`].
//!
//! cbindgen reads this file together with `src/c/` for `include/glasses.h`. Drift is caught by
//! tests: the Rust tests below, `android/src/test/kotlin/dev/glasses/CodesTest.kt` (Kotlin's
//! numbers against `include/glasses.h`) and `scripts/gen-swift.sh` (the generated Swift enums
//! against the header and the Swift wrapper).

use std::ffi::CStr;

use glasses_core::{ErrorKind, Eyewear, FaceBox, FaceMode, Orientation, PixelFormat, Prediction, Request};

/// The outcome of a call. `GLASSES_STATUS_OK` is 0; every other value is a failure whose details
/// `glasses_last_error_message()` gives.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlassesStatus {
    /// Success.
    Ok = 0,
    /// A required pointer argument was NULL.
    NullArgument = 1,
    /// An argument is out of range: unknown pixel format or input kind, size that cannot be a real
    /// buffer, threshold outside [0, 1], path that is not UTF-8, misaligned `uint32_t` buffer.
    InvalidArgument = 2,
    /// The encoded image could not be decoded (empty, truncated, corrupt, unsupported format).
    InvalidImage = 3,
    /// The encoded image is larger than `GlassesOptions.max_pixels`; refused before decoding.
    ImageTooLarge = 4,
    /// The raw pixel buffer does not match its width, height, stride and format, or the rotation
    /// is not 0, 90, 180 or 270.
    InvalidPixelBuffer = 5,
    /// The model bytes are not a readable ONNX model.
    InvalidModel = 6,
    /// The model is valid ONNX but not a glasses model (wrong input/output/metadata).
    ContractViolation = 7,
    /// A file could not be read.
    Io = 8,
    /// The inference engine failed on a model that loaded fine.
    Inference = 9,
    /// A bug inside the library panicked; the call was abandoned, the process is unharmed.
    Panic = 10,
    /// This build of the library has no bundled model.
    NoBundledModel = 11,
    /// Any other internal failure.
    Internal = 12,
    /// The encoded image ends before its picture data does (a JPEG without its end marker); see
    /// `glasses_classifier_with_accept_truncated` to classify such pictures anyway.
    TruncatedImage = 13,
    /// Memory for the picture could not be allocated; the call failed, the process is unharmed.
    OutOfMemory = 14,
    /// A file is larger than its limit (256 MiB for models); nothing was read.
    FileTooLarge = 15,
    /// A path names a folder, device, FIFO or socket instead of a regular file; it was not read.
    NotARegularFile = 16,
    /// A face box that cannot be used: not finite, empty, negative, or wholly outside the picture.
    InvalidRegion = 17,
    /// `GLASSES_FACE_MODE_DETECT` found no face in the picture.
    NoFace = 18,
    /// Face detection was asked of a library built without the face detector.
    NoFaceDetector = 19,
}

impl GlassesStatus {
    /// Every status, in code order.
    pub(crate) const ALL: [Self; 20] = [
        Self::Ok,
        Self::NullArgument,
        Self::InvalidArgument,
        Self::InvalidImage,
        Self::ImageTooLarge,
        Self::InvalidPixelBuffer,
        Self::InvalidModel,
        Self::ContractViolation,
        Self::Io,
        Self::Inference,
        Self::Panic,
        Self::NoBundledModel,
        Self::Internal,
        Self::TruncatedImage,
        Self::OutOfMemory,
        Self::FileTooLarge,
        Self::NotARegularFile,
        Self::InvalidRegion,
        Self::NoFace,
        Self::NoFaceDetector,
    ];

    /// The status whose code is `code`, `None` for any other number.
    pub(crate) fn from_code(code: i32) -> Option<Self> {
        Self::ALL.into_iter().find(|s| *s as i32 == code)
    }

    /// The symbolic C name (`GLASSES_STATUS_OK`, ...), as the header spells it.
    pub(crate) fn name(self) -> &'static CStr {
        match self {
            Self::Ok => c"GLASSES_STATUS_OK",
            Self::NullArgument => c"GLASSES_STATUS_NULL_ARGUMENT",
            Self::InvalidArgument => c"GLASSES_STATUS_INVALID_ARGUMENT",
            Self::InvalidImage => c"GLASSES_STATUS_INVALID_IMAGE",
            Self::ImageTooLarge => c"GLASSES_STATUS_IMAGE_TOO_LARGE",
            Self::InvalidPixelBuffer => c"GLASSES_STATUS_INVALID_PIXEL_BUFFER",
            Self::InvalidModel => c"GLASSES_STATUS_INVALID_MODEL",
            Self::ContractViolation => c"GLASSES_STATUS_CONTRACT_VIOLATION",
            Self::Io => c"GLASSES_STATUS_IO",
            Self::Inference => c"GLASSES_STATUS_INFERENCE",
            Self::Panic => c"GLASSES_STATUS_PANIC",
            Self::NoBundledModel => c"GLASSES_STATUS_NO_BUNDLED_MODEL",
            Self::Internal => c"GLASSES_STATUS_INTERNAL",
            Self::TruncatedImage => c"GLASSES_STATUS_TRUNCATED_IMAGE",
            Self::OutOfMemory => c"GLASSES_STATUS_OUT_OF_MEMORY",
            Self::FileTooLarge => c"GLASSES_STATUS_FILE_TOO_LARGE",
            Self::NotARegularFile => c"GLASSES_STATUS_NOT_A_REGULAR_FILE",
            Self::InvalidRegion => c"GLASSES_STATUS_INVALID_REGION",
            Self::NoFace => c"GLASSES_STATUS_NO_FACE",
            Self::NoFaceDetector => c"GLASSES_STATUS_NO_FACE_DETECTOR",
        }
    }
}

/// Memory layout of one pixel (pass the value as `uint32_t`). These values are the pixel format
/// codes of every surface (Kotlin's `PixelLayout` has the same numbers); they never change.
// The same enum is uniffi's `PixelFormat` (Swift's), so its cases are C's by construction.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
#[uniffi(name = "PixelFormat")]
pub enum GlassesPixelFormat {
    /// 4 bytes per pixel: red, green, blue, alpha (Android `ARGB_8888` bitmaps copied to a buffer,
    /// iOS `CGImage` drawn with `premultipliedLast`).
    Rgba8 = 0,
    /// 4 bytes per pixel: blue, green, red, alpha (iOS `kCVPixelFormatType_32BGRA`).
    Bgra8 = 1,
    /// One native-endian `uint32_t` `0xAARRGGBB` per pixel (Android `Bitmap.getPixels`).
    Argb32 = 2,
    /// 3 bytes per pixel: red, green, blue.
    Rgb8 = 3,
    /// 1 byte per pixel: luminance.
    Gray8 = 4,
}

impl GlassesPixelFormat {
    /// Every format, in code order.
    pub(crate) const ALL: [Self; 5] = [Self::Rgba8, Self::Bgra8, Self::Argb32, Self::Rgb8, Self::Gray8];

    /// The format whose code is `code`; `None` for any other number (C and Kotlin can pass any
    /// integer, which is why the entry points take a number and not the enum).
    pub(crate) fn from_code(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|f| *f as u32 == code)
    }

    /// Core's format. Exhaustive, so a new C value cannot compile without its core format.
    pub(crate) fn core(self) -> PixelFormat {
        match self {
            Self::Rgba8 => PixelFormat::Rgba8,
            Self::Bgra8 => PixelFormat::Bgra8,
            Self::Argb32 => PixelFormat::Argb32,
            Self::Rgb8 => PixelFormat::Rgb8,
            Self::Gray8 => PixelFormat::Gray8,
        }
    }
}

impl From<GlassesPixelFormat> for PixelFormat {
    fn from(f: GlassesPixelFormat) -> Self {
        f.core()
    }
}

/// Core's pixel format for a surface's code (C's `format`, Kotlin's `PixelLayout.code`), or the
/// `InvalidArgument` error every surface gives for a number that is no format.
pub(crate) fn pixel_format(code: i64) -> Result<PixelFormat, SurfaceError> {
    u32::try_from(code)
        .ok()
        .and_then(GlassesPixelFormat::from_code)
        .map(GlassesPixelFormat::core)
        .ok_or_else(|| SurfaceError::InvalidArgument(format!("unknown pixel format {code}")))
}

/// What a face wears over the eyes (`GlassesResult.eyewear`; Kotlin's `Eyewear` codes).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlassesEyewear {
    /// No eyewear.
    None = 0,
    /// Eyeglasses: clear lenses. Exactly when `has_glasses` is true.
    Eyeglasses = 1,
    /// Sunglasses: dark or strongly tinted lenses (three-class models only).
    Sunglasses = 2,
}

impl GlassesEyewear {
    /// The kind of a prediction, for every surface.
    pub(crate) fn of(prediction: &Prediction) -> Self {
        match prediction.eyewear {
            Eyewear::None => Self::None,
            Eyewear::Eyeglasses => Self::Eyeglasses,
            Eyewear::Sunglasses => Self::Sunglasses,
            // A kind added to core's non-exhaustive enum later: eyeglasses or none, as
            // `has_glasses` says (the one rule every result keeps), until it gets a code here.
            _ if prediction.has_glasses => Self::Eyeglasses,
            _ => Self::None,
        }
    }
}

/// How a model file stores its weights (`GlassesModelInfo.weight_precision`; Kotlin's
/// `WeightPrecision` codes), from its `glasses.weight_precision` metadata.
// The same enum is uniffi's `WeightPrecisionKind` (named so that the generated Swift type does not
// clash with the wrapper's public `WeightPrecision`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
#[uniffi(name = "WeightPrecisionKind")]
pub enum GlassesWeightPrecision {
    /// The file does not say (not written by glasses' exporter).
    Unknown = 0,
    /// 32-bit float weights.
    Float32 = 1,
    /// 8-bit integer weights, one scale per output channel (the bundled model).
    Int8 = 2,
}

/// The clockwise rotation, in degrees, that turns a stored picture upright (Android's
/// `rotationDegrees`, `GlassesRequest.rotation_degrees`): the only four values a rotation takes.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlassesRotation {
    /// Upright as stored.
    Deg0 = 0,
    /// A quarter turn clockwise (a back camera held in portrait).
    Deg90 = 90,
    /// Upside down.
    Deg180 = 180,
    /// Three quarter turns clockwise.
    Deg270 = 270,
}

impl GlassesRotation {
    /// Every rotation, in code order.
    pub(crate) const ALL: [Self; 4] = [Self::Deg0, Self::Deg90, Self::Deg180, Self::Deg270];
}

/// Where a request's face is found when it gives no box of its own (`GlassesRequest.face_mode`;
/// Kotlin's `FaceMode` codes). A box given with the request wins.
// The same enum is uniffi's `FaceModeKind` (named so that the generated Swift type does not clash
// with the wrapper's public `FaceMode`).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, uniffi::Enum)]
#[uniffi(name = "FaceModeKind")]
pub enum GlassesFaceMode {
    /// The largest face the built-in detector finds, framed as a caller's box is; the whole
    /// picture when none is found. The default (and what a zeroed request holds).
    #[default]
    Auto = 0,
    /// The largest face found; `GLASSES_STATUS_NO_FACE` when there is none.
    Detect = 1,
    /// The whole picture (its centre crop); no detection runs.
    Whole = 2,
}

impl GlassesFaceMode {
    /// Every mode, in code order.
    pub(crate) const ALL: [Self; 3] = [Self::Auto, Self::Detect, Self::Whole];

    /// Core's mode. Exhaustive, so a new C value cannot compile without its core mode.
    pub(crate) fn core(self) -> FaceMode {
        match self {
            Self::Auto => FaceMode::Auto,
            Self::Detect => FaceMode::Detect,
            Self::Whole => FaceMode::Whole,
        }
    }
}

impl From<GlassesFaceMode> for FaceMode {
    fn from(m: GlassesFaceMode) -> Self {
        m.core()
    }
}

/// The threshold C's and Kotlin's options carry, as core's option: NaN (C's
/// `glasses_options_model_threshold()`, Kotlin's `null`) means "none set here", so the model
/// file's own threshold applies ([`glasses_core::Classifier::threshold`]); any other value is
/// the caller's, checked by core.
pub(crate) fn threshold(value: f32) -> Option<f32> {
    (!value.is_nan()).then_some(value)
}

/// Core's `threads` option for a surface's (C's `glasses_classifier_with_threads`, Kotlin's and
/// Swift's `GlassesOptions.threads`): 0 (one per core) to [`glasses_core::MAX_INFERENCE_THREADS`].
/// Core clamps a larger count silently; the surfaces refuse it with core's invalid-options error,
/// as the CLI's `--threads` does, so a caller asking for 64 threads learns it would get 8.
pub(crate) fn threads(requested: i64) -> Result<usize, glasses_core::Error> {
    let max = glasses_core::MAX_INFERENCE_THREADS;
    usize::try_from(requested).ok().filter(|&n| n <= max).ok_or_else(|| glasses_core::Error::InvalidOptions {
        reason: format!("threads {requested} is outside 0 to {max} (0: one per core)"),
    })
}

/// Core's face mode for a surface's code (C's `face_mode`, Kotlin's `FaceMode.code`), or the
/// `InvalidArgument` error every surface gives for a number that is no mode.
pub(crate) fn face_mode(code: i64) -> Result<FaceMode, SurfaceError> {
    GlassesFaceMode::ALL
        .into_iter()
        .find(|m| *m as i64 == code)
        .map(GlassesFaceMode::core)
        .ok_or_else(|| SurfaceError::InvalidArgument(format!("unknown face mode {code}")))
}

/// The form of a C `GlassesInput`, which says which of its fields are read.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GlassesInputKind {
    /// An encoded image (JPEG, PNG, WebP, BMP, GIF, TIFF, ...) in `bytes`; its EXIF orientation is
    /// applied before the request's.
    Encoded = 0,
    /// Raw pixels in `bytes`: `width`, `height`, `stride` (bytes) and `format`.
    Pixels = 1,
    /// `0xAARRGGBB` integers in `argb`: `width`, `height` and `stride` (in pixels).
    Argb = 2,
    /// A YUV 4:2:0 camera frame in `yuv`; the frame's own rotation is applied before the request's.
    Yuv = 3,
    /// An image file at `path` (NUL-terminated UTF-8), read by the library.
    Path = 4,
}

impl GlassesInputKind {
    /// Every kind, in code order.
    pub(crate) const ALL: [Self; 5] = [Self::Encoded, Self::Pixels, Self::Argb, Self::Yuv, Self::Path];

    /// The kind whose code is `code`, `None` for any other number.
    pub(crate) fn from_code(code: u32) -> Option<Self> {
        Self::ALL.into_iter().find(|k| *k as u32 == code)
    }
}

/// A failure a surface finds before core runs, or core's own: what every surface turns into its
/// status, exception or error case through [`SurfaceError::status`] and `Display`.
#[derive(Debug, thiserror::Error)]
pub(crate) enum SurfaceError {
    /// A required pointer or object is missing.
    #[error("argument `{0}` is NULL")]
    Null(&'static str),
    /// A value the caller passed is out of range.
    #[error("invalid argument: {0}")]
    InvalidArgument(String),
    /// A core error: status and words from [`status`] and [`message`].
    #[error("{}", message(.0))]
    Core(#[from] glasses_core::Error),
}

impl SurfaceError {
    /// The status of this failure.
    pub(crate) fn status(&self) -> GlassesStatus {
        match self {
            Self::Null(_) => GlassesStatus::NullArgument,
            Self::InvalidArgument(_) => GlassesStatus::InvalidArgument,
            Self::Core(e) => status(e.kind()),
        }
    }
}

/// Core's orientation for a surface's clockwise rotation and mirror; any rotation but 0, 90, 180
/// and 270 is an invalid pixel buffer on every surface, as core says for a camera frame.
pub(crate) fn orientation(rotation_degrees: i64, mirrored: bool) -> Result<Orientation, glasses_core::Error> {
    let rotation =
        GlassesRotation::ALL.into_iter().find(|r| *r as i64 == rotation_degrees).ok_or_else(|| {
            glasses_core::Error::InvalidPixelBuffer {
                reason: format!(
                    "rotation of {rotation_degrees} degrees: only 0, 90, 180 and 270 are possible"
                ),
            }
        })?;
    Ok(Orientation { rotation_degrees: rotation as u32, mirrored })
}

/// The one request every surface builds: how the picture is turned upright, and the face box
/// (pixels of the upright picture) or, without one, the face `face_mode` finds.
pub(crate) fn request(
    rotation_degrees: i64,
    mirrored: bool,
    face: Option<FaceBox>,
    face_mode: FaceMode,
) -> Result<Request, glasses_core::Error> {
    let request =
        Request::new().with_orientation(orientation(rotation_degrees, mirrored)?).with_face_mode(face_mode);
    Ok(match face {
        Some(face) => request.with_face(face),
        None => request,
    })
}

/// The status of a core error kind: what C returns, the `code` Kotlin's `GlassesException`
/// carries, and the case uniffi's `GlassesError` takes. The one place a kind gets its code.
pub(crate) fn status(kind: ErrorKind) -> GlassesStatus {
    use ErrorKind as K;
    match kind {
        // One meaning on every surface: a value the caller passed is out of range, whether it is
        // an option (threshold, a zero limit) or an argument (a size, a path).
        K::InvalidOptions => GlassesStatus::InvalidArgument,
        K::InvalidImage => GlassesStatus::InvalidImage,
        K::ImageTooLarge => GlassesStatus::ImageTooLarge,
        K::InvalidPixelBuffer => GlassesStatus::InvalidPixelBuffer,
        K::InvalidModel => GlassesStatus::InvalidModel,
        K::ContractViolation => GlassesStatus::ContractViolation,
        K::Io => GlassesStatus::Io,
        K::Inference => GlassesStatus::Inference,
        K::NoBundledModel => GlassesStatus::NoBundledModel,
        K::TruncatedImage => GlassesStatus::TruncatedImage,
        K::OutOfMemory => GlassesStatus::OutOfMemory,
        K::FileTooLarge => GlassesStatus::FileTooLarge,
        K::NotARegularFile => GlassesStatus::NotARegularFile,
        K::InvalidRegion => GlassesStatus::InvalidRegion,
        K::NoFace => GlassesStatus::NoFace,
        K::NoFaceDetector => GlassesStatus::NoFaceDetector,
        // A wrong tensor size and a failed export cannot come from the library's entry points
        // (they classify pictures and load models only): a bug if they ever do.
        K::TensorShape | K::Export => GlassesStatus::Internal,
        // Core's kinds are non-exhaustive: a new one is `Internal` until it gets a status here.
        _ => GlassesStatus::Internal,
    }
}

/// What core says when a model needs an operator only its `onnx-any` feature reads
/// (core/src/model/plan.rs: "... glasses-core's `onnx-any` feature adds every operator tract knows").
const ONNX_ANY_MARK: &str = "`onnx-any` feature";

/// What an app developer must do about a model that needs the `onnx-any` feature.
pub(crate) const ONNX_ANY_HINT: &str = "this model needs the onnx-any feature: build the app library with \
     `cargo build --release -p glasses-ffi --features onnx-any` (see ffi/README.md), or export the \
     model with glasses' exporter, which writes only the operators every build reads";

/// The message every surface gives for a core error: core's own words, plus what to do where
/// core's words speak of its own build (an app developer builds glasses-ffi, not glasses-core).
pub(crate) fn message(error: &glasses_core::Error) -> String {
    let text = error.to_string();
    if error.kind() == ErrorKind::InvalidModel && text.contains(ONNX_ANY_MARK) {
        format!("{text}; {ONNX_ANY_HINT}")
    } else {
        text
    }
}

#[cfg(test)]
#[path = "codes_tests.rs"]
mod tests;
