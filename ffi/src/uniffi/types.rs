//! The records, enums and errors the generated Swift bindings see for options, requests, inputs
//! and model facts, and their conversions (answers: [`super::results`]; faces: [`super::faces`]).

use glasses_core::{ClassifierOptions, FaceBox as CoreFaceBox, Input, Orientation};

use super::faces::{DetectorOptionsRecord, FaceBox, FaceModeKind};
use crate::codes::{self, GlassesStatus, SurfaceError};

/// Why a call failed. Flat: Swift sees one case per kind carrying the message. The cases are C's
/// statuses by name (without `NullArgument` and `Panic`, which Swift cannot meet: uniffi passes no
/// NULLs and reports panics itself); [`GlassesError::from_status`] picks the case.
#[derive(Debug, thiserror::Error, uniffi::Error)]
#[uniffi(flat_error)]
pub enum GlassesError {
    /// An argument is out of range (threshold outside [0, 1], impossible size).
    #[error("{0}")]
    InvalidArgument(String),
    /// The encoded image could not be decoded.
    #[error("{0}")]
    InvalidImage(String),
    /// The encoded image has more pixels than the classifier accepts.
    #[error("{0}")]
    ImageTooLarge(String),
    /// The raw pixel buffer does not match its width, height, stride and format.
    #[error("{0}")]
    InvalidPixelBuffer(String),
    /// The model bytes are not a readable ONNX model.
    #[error("{0}")]
    InvalidModel(String),
    /// The model is valid ONNX but not a glasses model.
    #[error("{0}")]
    ContractViolation(String),
    /// A file could not be read.
    #[error("{0}")]
    Io(String),
    /// The inference engine failed on a model that loaded fine.
    #[error("{0}")]
    Inference(String),
    /// This build has no bundled model.
    #[error("{0}")]
    NoBundledModel(String),
    /// Any other internal failure.
    #[error("{0}")]
    Internal(String),
    /// The encoded image ends before its picture data does (a JPEG without its end marker).
    #[error("{0}")]
    TruncatedImage(String),
    /// Memory for the picture could not be allocated; the process is unharmed.
    #[error("{0}")]
    OutOfMemory(String),
    /// A file is larger than the limit (256 MiB for models); nothing was read.
    #[error("{0}")]
    FileTooLarge(String),
    /// A path names a folder, device, FIFO or socket instead of a regular file.
    #[error("{0}")]
    NotARegularFile(String),
    /// A face box is not finite, not positive, lies wholly outside the picture, or frames more
    /// pixels than the classifier accepts.
    #[error("{0}")]
    InvalidRegion(String),
    /// `FaceModeKind::Detect` found no face in the picture.
    #[error("{0}")]
    NoFace(String),
    /// Face detection was asked of a library built without the face detector.
    #[error("{0}")]
    NoFaceDetector(String),
}

impl GlassesError {
    /// The case of a C status. Exhaustive, so a new status cannot compile without its Swift case.
    pub(crate) fn from_status(status: GlassesStatus, message: String) -> Self {
        use GlassesStatus as S;
        match status {
            S::InvalidArgument | S::NullArgument => Self::InvalidArgument(message),
            S::InvalidImage => Self::InvalidImage(message),
            S::ImageTooLarge => Self::ImageTooLarge(message),
            S::InvalidPixelBuffer => Self::InvalidPixelBuffer(message),
            S::InvalidModel => Self::InvalidModel(message),
            S::ContractViolation => Self::ContractViolation(message),
            S::Io => Self::Io(message),
            S::Inference => Self::Inference(message),
            S::NoBundledModel => Self::NoBundledModel(message),
            S::TruncatedImage => Self::TruncatedImage(message),
            S::OutOfMemory => Self::OutOfMemory(message),
            S::FileTooLarge => Self::FileTooLarge(message),
            S::NotARegularFile => Self::NotARegularFile(message),
            S::InvalidRegion => Self::InvalidRegion(message),
            S::NoFace => Self::NoFace(message),
            S::NoFaceDetector => Self::NoFaceDetector(message),
            // `Ok` is never an error; a panic is an internal failure.
            S::Ok | S::Panic | S::Internal => Self::Internal(message),
        }
    }
}

impl From<glasses_core::Error> for GlassesError {
    /// Through the table every surface shares (`codes.rs`): the status, then its case.
    fn from(e: glasses_core::Error) -> Self {
        SurfaceError::from(e).into()
    }
}

impl From<SurfaceError> for GlassesError {
    fn from(e: SurfaceError) -> Self {
        Self::from_status(e.status(), e.to_string())
    }
}

/// Memory layout of one pixel in a [`GlassesInput::Pixels`] buffer: C's `GlassesPixelFormat`
/// itself, which uniffi names `PixelFormat`, so the cases are C's by construction.
pub use crate::codes::GlassesPixelFormat as PixelFormat;

/// Options for the constructors: the fields of C's `GlassesOptions` and
/// Kotlin's `GlassesOptions`, plus the image file limit. Start from [`super::default_options`].
/// Named `...Record` so that it does not clash with the Swift wrapper's `GlassesOptions`.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GlassesOptionsRecord {
    /// Decision threshold on P(eyeglasses), in [0, 1]. Default `nil`: the model file's own
    /// (`glasses.default_threshold`, reported as `model_default_threshold`), or 0.5 for a file
    /// without one.
    pub threshold: Option<f32>,
    /// Largest picture (width x height) decoded or framed; larger ones fail with
    /// `ImageTooLarge` (`InvalidRegion` for a face box framed to more) before any pixel is
    /// decoded. Default 64 megapixels; must be positive.
    pub max_pixels: u64,
    /// Largest image file `classify_file` reads; larger ones fail with `FileTooLarge` unread.
    /// Default 64 MiB; must be positive.
    pub max_file_bytes: u64,
    /// The built-in face detector's settings (C's `GlassesDetectorOptions`).
    pub detector: DetectorOptionsRecord,
    /// Threads one picture's inference is split over: the classifier starts `threads - 1`
    /// workers, parked between pictures and stopped with it, and the calling thread is the last. Default 1
    /// (no extra threads); 0 means one per available core; at most 8, more is `InvalidArgument`.
    /// The answers are the same at any count. One picture at a time uses the workers: for many
    /// pictures at once, parallel calls on one classifier beat more threads.
    #[uniffi(default = 1)]
    pub threads: u32,
}

impl TryFrom<GlassesOptionsRecord> for ClassifierOptions {
    type Error = GlassesError;

    fn try_from(o: GlassesOptionsRecord) -> Result<Self, GlassesError> {
        let mut options = Self::default()
            .with_max_pixels(o.max_pixels)
            .with_max_file_bytes(o.max_file_bytes)
            .with_detector(o.detector.into())
            .with_threads(codes::threads(i64::from(o.threads))?);
        options.threshold = o.threshold;
        Ok(options)
    }
}

impl From<&ClassifierOptions> for GlassesOptionsRecord {
    fn from(o: &ClassifierOptions) -> Self {
        Self {
            threshold: o.threshold,
            max_pixels: o.max_pixels,
            max_file_bytes: o.max_file_bytes,
            detector: o.detector.into(),
            // At most core's MAX_INFERENCE_THREADS (8) through every surface.
            threads: u32::try_from(o.threads).unwrap_or(u32::MAX),
        }
    }
}

/// How a stored picture is turned upright: rotate `rotation_degrees` clockwise (0, 90, 180 or
/// 270; anything else is `InvalidPixelBuffer`), then, if `mirrored`, flip it left to right. The
/// eight cases are EXIF's (and `CGImagePropertyOrientation`'s): see
/// [`super::orientation_from_exif`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Record)]
pub struct GlassesOrientation {
    /// Clockwise rotation in degrees.
    pub rotation_degrees: u32,
    /// Mirror the upright picture left to right.
    pub mirrored: bool,
}

mirror_fields!(Orientation, GlassesOrientation { rotation_degrees, mirrored });

/// What to classify in a [`GlassesInput`]: C's `GlassesRequest`.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GlassesRequest {
    /// How the stored picture is turned upright; for an encoded picture, applied after its EXIF
    /// orientation.
    pub orientation: GlassesOrientation,
    /// A face detector's box in pixels of the upright picture; `None` (`nil`): `face_mode` finds
    /// the face. A box wins over the mode.
    pub face: Option<FaceBox>,
    /// Which face is classified without a box (`detect_faces` and `classify_faces` read only the
    /// orientation).
    pub face_mode: FaceModeKind,
}

impl GlassesRequest {
    /// Core's request, through the one mapping every surface uses.
    pub(crate) fn core(&self) -> Result<glasses_core::Request, GlassesError> {
        let o = self.orientation;
        Ok(codes::request(
            i64::from(o.rotation_degrees),
            o.mirrored,
            self.face.map(CoreFaceBox::from),
            self.face_mode.core(),
        )?)
    }
}

/// A picture in any form the library takes: C's `GlassesInput`. uniffi copies the bytes into Rust
/// for the call (Swift `Data` to a Rust buffer); nothing is kept after it returns.
#[derive(Debug, Clone, PartialEq, uniffi::Enum)]
pub enum GlassesInput {
    /// An encoded image (JPEG, PNG, WebP, BMP, GIF, TIFF; HEIC is not decoded: draw it into a
    /// `CGImage` first).
    Encoded {
        /// The file's bytes.
        bytes: Vec<u8>,
    },
    /// An image file read by the library: a regular file of at most `max_file_bytes` (a larger
    /// one is `FileTooLarge`, a folder or device `NotARegularFile`, both refused unread).
    File {
        /// The file's path.
        path: String,
    },
    /// A raw pixel buffer (a drawn `CGImage`, a `kCVPixelFormatType_32BGRA` frame).
    Pixels {
        /// The pixels.
        pixels: Vec<u8>,
        /// Width in pixels as stored.
        width: u32,
        /// Height in pixels as stored.
        height: u32,
        /// Bytes between row starts.
        stride: u32,
        /// The layout of one pixel.
        format: PixelFormat,
    },
    /// An NV12 camera frame (`kCVPixelFormatType_420YpCbCr8BiPlanarFullRange` or
    /// `...VideoRange`): the Y plane and the interleaved Cb,Cr plane (half the height), both sizes
    /// even; BT.601. An odd size or a plane shorter than its rows need is `InvalidPixelBuffer`.
    Nv12 {
        /// The Y plane.
        y: Vec<u8>,
        /// Bytes between Y row starts.
        y_row_stride: u32,
        /// The interleaved Cb,Cr plane.
        uv: Vec<u8>,
        /// Bytes between chroma row starts.
        uv_row_stride: u32,
        /// Width in pixels as stored.
        width: u32,
        /// Height in pixels as stored.
        height: u32,
        /// `...FullRange` (0-255) rather than `...VideoRange` (Y 16-235).
        full_range: bool,
    },
}

impl GlassesInput {
    /// Core's input, borrowing this one's bytes.
    pub(crate) fn core(&self) -> Result<Input<'_>, GlassesError> {
        Ok(match self {
            Self::Encoded { bytes } => Input::Encoded(bytes),
            Self::File { path } => Input::Path(std::path::Path::new(path)),
            &Self::Pixels { ref pixels, width, height, stride, format } => Input::Pixels(
                glasses_core::PixelBuffer::new(pixels, width, height, stride as usize, format.core())?,
            ),
            &Self::Nv12 { ref y, y_row_stride, ref uv, uv_row_stride, width, height, full_range } => {
                let range =
                    if full_range { glasses_core::YuvRange::Full } else { glasses_core::YuvRange::Limited };
                Input::Yuv(glasses_core::YuvFrame::nv12(
                    y,
                    y_row_stride as usize,
                    uv,
                    uv_row_stride as usize,
                    width,
                    height,
                    range,
                )?)
            }
        })
    }
}

/// How a model file stores its weights: C's `GlassesWeightPrecision` itself, which uniffi names
/// `WeightPrecisionKind`.
pub use crate::codes::GlassesWeightPrecision as WeightPrecisionKind;

/// Which model a classifier runs and the threshold it applies: C's `GlassesModelInfo`, behind the
/// Swift wrapper's `modelInfo`. Named `...Record` as `GlassesResultRecord` is.
#[derive(Debug, Clone, PartialEq, uniffi::Record)]
pub struct GlassesModelInfoRecord {
    /// Version of the trained weights (the file's `glasses.model_version`; empty when absent).
    pub model_version: String,
    /// Network architecture, e.g. `squeezenet1_1`.
    pub architecture: String,
    /// Class names in output order (2 or 3): index 1 is eyeglasses, index 2 (if any) sunglasses.
    pub class_names: Vec<String>,
    /// Model input width in pixels.
    pub input_width: u32,
    /// Model input height in pixels.
    pub input_height: u32,
    /// The decision threshold in force (the options' own, else the model file's, else 0.5).
    pub threshold: f32,
    /// The threshold the model file recommends (`glasses.default_threshold`), `nil` when it has
    /// none; it decides when the options' `threshold` is `nil` (the default).
    pub model_default_threshold: Option<f32>,
    /// How the file stores its weights.
    pub weight_precision: WeightPrecisionKind,
}

impl From<crate::model_info::ModelFacts> for GlassesModelInfoRecord {
    fn from(f: crate::model_info::ModelFacts) -> Self {
        Self {
            model_version: f.model_version,
            architecture: f.architecture,
            class_names: f.class_names,
            input_width: f.input_width,
            input_height: f.input_height,
            threshold: f.threshold,
            model_default_threshold: f.model_default_threshold,
            weight_precision: f.weight_precision,
        }
    }
}
