//! The uniffi surface (proc macros, no UDL) that the generated Swift bindings call.
//!
//! uniffi catches panics in every exported call itself, so nothing here needs `catch_unwind`;
//! a panic reaches Swift as an internal error instead of aborting.

use std::sync::Arc;

use glasses_core::{Classifier, ClassifierOptions, Orientation, YuvFrame, YuvRange};

use crate::c_api::{GlassesPixelFormat, GlassesStatus};
use crate::codes;

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
}

impl GlassesError {
    /// The case of a C status. Exhaustive, so a new status cannot compile without its Swift case.
    fn from_status(status: GlassesStatus, message: String) -> Self {
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
            // `Ok` is never an error; a panic is an internal failure.
            S::Ok | S::Panic | S::Internal => Self::Internal(message),
        }
    }
}

impl From<glasses_core::Error> for GlassesError {
    /// Through the table every surface shares (`codes.rs`): the status, then its case.
    fn from(e: glasses_core::Error) -> Self {
        Self::from_status(codes::status(e.kind()), codes::message(&e))
    }
}

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

impl From<glasses_core::Eyewear> for EyewearKind {
    fn from(e: glasses_core::Eyewear) -> Self {
        use glasses_core::Eyewear as E;
        match e {
            E::None => Self::NoEyewear,
            E::Eyeglasses => Self::Eyeglasses,
            E::Sunglasses => Self::Sunglasses,
            // Core's enum is non-exhaustive; a kind added there needs a case here (and in Swift).
            _ => Self::NoEyewear,
        }
    }
}

/// The result for one image: C's `GlassesResult`, and the record behind the Swift wrapper's
/// `GlassesResult`. Named `...Record` so that the generated Swift type does not clash with the
/// wrapper's public `GlassesResult`, which tests import together with the bindings.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
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
}

impl From<glasses_core::Prediction> for GlassesResultRecord {
    fn from(p: glasses_core::Prediction) -> Self {
        Self {
            has_glasses: p.has_glasses,
            probability: p.probability,
            eyewear: p.eyewear.into(),
            probability_none: p.probabilities.none,
            probability_sunglasses: p.probabilities.sunglasses,
        }
    }
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

/// The pixel box of a face given as fractions of the picture's size with the origin at the
/// bottom-left corner, as Apple's Vision reports `VNFaceObservation.boundingBox`, for a picture of
/// `image_width` x `image_height` pixels (the one Vision looked at, in the same orientation).
#[uniffi::export]
pub fn face_box_from_normalized_bottom_left(
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    image_width: u32,
    image_height: u32,
) -> FaceBox {
    glasses_core::FaceBox::from_normalized_bottom_left(x, y, width, height, image_width, image_height).into()
}

/// Memory layout of one pixel in the buffer given to `classify_pixels`: C's `GlassesPixelFormat`,
/// case for case in the same order (checked by tests and by scripts/gen-swift.sh).
#[derive(Debug, Clone, Copy, PartialEq, Eq, uniffi::Enum)]
pub enum PixelFormat {
    /// 4 bytes per pixel: red, green, blue, alpha (a `CGImage` drawn with `premultipliedLast`).
    Rgba8,
    /// 4 bytes per pixel: blue, green, red, alpha (`kCVPixelFormatType_32BGRA`).
    Bgra8,
    /// One native-endian `UInt32` `0xAARRGGBB` per pixel.
    Argb32,
    /// 3 bytes per pixel: red, green, blue.
    Rgb8,
    /// 1 byte per pixel: luminance.
    Gray8,
}

impl From<PixelFormat> for GlassesPixelFormat {
    fn from(f: PixelFormat) -> Self {
        match f {
            PixelFormat::Rgba8 => Self::Rgba8,
            PixelFormat::Bgra8 => Self::Bgra8,
            PixelFormat::Argb32 => Self::Argb32,
            PixelFormat::Rgb8 => Self::Rgb8,
            PixelFormat::Gray8 => Self::Gray8,
        }
    }
}

impl From<PixelFormat> for glasses_core::PixelFormat {
    /// Through C's codes, the one table of pixel formats.
    fn from(f: PixelFormat) -> Self {
        GlassesPixelFormat::from(f).core()
    }
}

/// Options for the `..._with_options` constructors: the fields of C's `GlassesOptions` and
/// Kotlin's `GlassesOptions`, plus the image file limit. Start from [`default_options`].
/// Named `...Record` so that it does not clash with the Swift wrapper's `GlassesOptions`.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct GlassesOptionsRecord {
    /// Decision threshold on P(eyeglasses), in [0, 1]. Default 0.5.
    pub threshold: f32,
    /// Largest picture (width x height) decoded or framed; larger ones fail with
    /// `ImageTooLarge` (`InvalidRegion` for a face box framed to more) before any pixel is
    /// decoded. Default 64 megapixels; must be positive.
    pub max_pixels: u64,
    /// Largest image file `classify_file` reads; larger ones fail with `FileTooLarge` unread.
    /// Default 64 MiB; must be positive.
    pub max_file_bytes: u64,
}

impl From<GlassesOptionsRecord> for ClassifierOptions {
    fn from(o: GlassesOptionsRecord) -> Self {
        Self::default()
            .with_threshold(o.threshold)
            .with_max_pixels(o.max_pixels)
            .with_max_file_bytes(o.max_file_bytes)
    }
}

impl From<&ClassifierOptions> for GlassesOptionsRecord {
    fn from(o: &ClassifierOptions) -> Self {
        Self { threshold: o.threshold, max_pixels: o.max_pixels, max_file_bytes: o.max_file_bytes }
    }
}

/// The library's default options (threshold 0.5, 64 megapixels, 64 MiB files), the start for
/// [`GlassesClassifier::with_options`] and its siblings.
#[uniffi::export]
pub fn default_options() -> GlassesOptionsRecord {
    (&ClassifierOptions::default()).into()
}

/// Classifies face images for eyeglasses. Thread-safe: share one instance.
#[derive(Debug, uniffi::Object)]
pub struct GlassesClassifier {
    inner: Classifier,
}

fn options(threshold: f32) -> ClassifierOptions {
    ClassifierOptions::default().with_threshold(threshold)
}

#[uniffi::export]
impl GlassesClassifier {
    /// The model bundled in the library, threshold 0.5.
    #[uniffi::constructor]
    pub fn new() -> Result<Arc<Self>, GlassesError> {
        Ok(Arc::new(Self { inner: Classifier::bundled()? }))
    }

    /// The model bundled in the library with a decision threshold in [0, 1].
    #[uniffi::constructor]
    pub fn bundled(threshold: f32) -> Result<Arc<Self>, GlassesError> {
        Ok(Arc::new(Self { inner: Classifier::bundled_with(options(threshold))? }))
    }

    /// A model from the bytes of an ONNX file, with a decision threshold in [0, 1].
    #[uniffi::constructor]
    pub fn from_bytes(model: Vec<u8>, threshold: f32) -> Result<Arc<Self>, GlassesError> {
        Ok(Arc::new(Self { inner: Classifier::from_bytes(&model, options(threshold))? }))
    }

    /// A model from an ONNX file, with a decision threshold in [0, 1].
    #[uniffi::constructor]
    pub fn from_file(path: String, threshold: f32) -> Result<Arc<Self>, GlassesError> {
        Ok(Arc::new(Self { inner: Classifier::from_file(path, options(threshold))? }))
    }

    /// The model bundled in the library with `options` (threshold and limits).
    #[uniffi::constructor]
    pub fn with_options(options: GlassesOptionsRecord) -> Result<Arc<Self>, GlassesError> {
        Ok(Arc::new(Self { inner: Classifier::bundled_with(options.into())? }))
    }

    /// A model from the bytes of an ONNX file, with `options`.
    #[uniffi::constructor]
    pub fn from_bytes_with_options(
        model: Vec<u8>,
        options: GlassesOptionsRecord,
    ) -> Result<Arc<Self>, GlassesError> {
        Ok(Arc::new(Self { inner: Classifier::from_bytes(&model, options.into())? }))
    }

    /// A model from an ONNX file, with `options`.
    #[uniffi::constructor]
    pub fn from_file_with_options(
        path: String,
        options: GlassesOptionsRecord,
    ) -> Result<Arc<Self>, GlassesError> {
        Ok(Arc::new(Self { inner: Classifier::from_file(path, options.into())? }))
    }

    /// The decision threshold in force.
    pub fn threshold(&self) -> f32 {
        self.inner.options().threshold
    }

    /// The options in force.
    pub fn options(&self) -> GlassesOptionsRecord {
        self.inner.options().into()
    }

    /// Classifies the image file at `path`, read by the library: a regular file of at most
    /// `max_file_bytes` (a larger one is `FileTooLarge`, a folder or device `NotARegularFile`,
    /// both refused before reading).
    pub fn classify_file(&self, path: String) -> Result<GlassesResultRecord, GlassesError> {
        Ok(self.inner.classify_path(path)?.into())
    }

    /// [`Self::classify_file`] for the face inside `face` (as [`Self::classify_encoded_region`]).
    pub fn classify_file_region(
        &self,
        path: String,
        face: FaceBox,
    ) -> Result<GlassesResultRecord, GlassesError> {
        Ok(self.inner.classify_path_region(path, face.into())?.into())
    }

    /// Classifies an encoded image (JPEG, PNG, HEIC is not supported: convert it first).
    pub fn classify_encoded(&self, image: Vec<u8>) -> Result<GlassesResultRecord, GlassesError> {
        Ok(self.inner.classify_encoded(&image)?.into())
    }

    /// Classifies a raw pixel buffer; `stride` is the distance between row starts in bytes.
    pub fn classify_pixels(
        &self,
        pixels: Vec<u8>,
        width: u32,
        height: u32,
        stride: u32,
        format: PixelFormat,
    ) -> Result<GlassesResultRecord, GlassesError> {
        let stride = byte_stride(stride)?;
        Ok(crate::classify_pixel_bytes(&self.inner, &pixels, (width, height, stride), format.into(), None)?
            .into())
    }

    /// Classifies the face inside `face` (a face detector's box, in pixels of the upright
    /// picture) on an encoded image: the box is widened to the framing the model was trained on,
    /// cut out (parts beyond the picture repeat its edge) and classified.
    pub fn classify_encoded_region(
        &self,
        image: Vec<u8>,
        face: FaceBox,
    ) -> Result<GlassesResultRecord, GlassesError> {
        Ok(self.inner.classify_encoded_region(&image, face.into())?.into())
    }

    /// [`Self::classify_encoded_region`] for a raw pixel buffer (as [`Self::classify_pixels`]);
    /// only the framed region is converted.
    pub fn classify_pixels_region(
        &self,
        pixels: Vec<u8>,
        width: u32,
        height: u32,
        stride: u32,
        format: PixelFormat,
        face: FaceBox,
    ) -> Result<GlassesResultRecord, GlassesError> {
        let stride = byte_stride(stride)?;
        let face = Some(face.into());
        Ok(crate::classify_pixel_bytes(&self.inner, &pixels, (width, height, stride), format.into(), face)?
            .into())
    }

    /// Classifies an NV12 camera frame (iOS `kCVPixelFormatType_420YpCbCr8BiPlanarFullRange` or
    /// `...VideoRange`): the Y plane (`y_row_stride` bytes a row) and the interleaved Cb,Cr plane
    /// (`uv_row_stride` bytes a row, half the height), `width` x `height` pixels as stored, both
    /// even. `full_range` is true for `...FullRange` (0-255), false for `...VideoRange` (Y 16-235);
    /// colours are BT.601.
    ///
    /// The stored frame is turned upright by rotating it `rotation_degrees` clockwise (0, 90, 180
    /// or 270) and then, if `mirrored`, flipping it left to right. `face`, when given, is a face
    /// detector's box in pixels of that upright picture (as [`Self::classify_pixels_region`]);
    /// without it the whole upright frame is classified. Only the part the model sees is converted
    /// to RGB.
    ///
    /// uniffi copies both planes into Rust for the call (Swift `Data` to a Rust buffer); nothing is
    /// kept after it returns. An odd size, a plane shorter than its rows and strides need, or
    /// another rotation is `InvalidPixelBuffer`.
    ///
    /// BGRA frames (`kCVPixelFormatType_32BGRA`) have no rotation here: pass an upright frame to
    /// [`Self::classify_pixels`] / [`Self::classify_pixels_region`] with `PixelFormat::Bgra8`
    /// (rotate it in the app first, for example with Core Image).
    #[allow(clippy::too_many_arguments)]
    pub fn classify_nv12(
        &self,
        y: Vec<u8>,
        y_row_stride: u32,
        uv: Vec<u8>,
        uv_row_stride: u32,
        width: u32,
        height: u32,
        full_range: bool,
        rotation_degrees: u32,
        mirrored: bool,
        face: Option<FaceBox>,
    ) -> Result<GlassesResultRecord, GlassesError> {
        let range = if full_range { YuvRange::Full } else { YuvRange::Limited };
        let frame = YuvFrame::nv12(
            &y,
            byte_stride(y_row_stride)?,
            &uv,
            byte_stride(uv_row_stride)?,
            width,
            height,
            range,
        )?;
        let orientation = Orientation { rotation_degrees, mirrored };
        let prediction = match face {
            Some(face) => self.inner.classify_yuv_region(&frame, orientation, face.into())?,
            None => self.inner.classify_yuv(&frame, orientation)?,
        };
        Ok(prediction.into())
    }
}

fn byte_stride(stride: u32) -> Result<usize, GlassesError> {
    usize::try_from(stride).map_err(|e| GlassesError::InvalidArgument(e.to_string()))
}

/// The library version.
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}

#[cfg(test)]
mod tests {
    use glasses_core::export::{Architecture, ExportOptions, export_onnx, random_weights};

    use super::*;

    fn model() -> Vec<u8> {
        export_onnx(
            &random_weights(Architecture::SqueezeNet1_1, 7),
            &ExportOptions::new(Architecture::SqueezeNet1_1, 64),
        )
        .expect("export")
    }

    /// The Swift surface must answer exactly what core answers, for bytes and for every format.
    #[test]
    fn agrees_with_core_for_every_format() {
        let bytes = model();
        let core = Classifier::from_bytes(&bytes, options(0.5)).expect("core model");
        let ours = GlassesClassifier::from_bytes(bytes, 0.5).expect("uniffi model");
        let (w, h) = (9u32, 7u32);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i * 37 % 251) as u8).collect();
        let want = core
            .classify_pixels(
                &glasses_core::PixelBuffer::new(&rgb, w, h, w as usize * 3, glasses_core::PixelFormat::Rgb8)
                    .expect("buffer"),
            )
            .expect("core prediction");
        let px = |f: fn(&[u8]) -> Vec<u8>| rgb.chunks_exact(3).flat_map(f).collect::<Vec<u8>>();
        let argb = px(|p| {
            (0xff00_0000u32 | u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2]))
                .to_ne_bytes()
                .to_vec()
        });
        for (format, data, bpp) in [
            (PixelFormat::Rgb8, rgb.clone(), 3),
            (PixelFormat::Rgba8, px(|p| vec![p[0], p[1], p[2], 255]), 4),
            (PixelFormat::Bgra8, px(|p| vec![p[2], p[1], p[0], 255]), 4),
            (PixelFormat::Argb32, argb, 4),
        ] {
            let got = ours.classify_pixels(data, w, h, w * bpp, format).expect("prediction");
            assert!((got.probability - want.probability).abs() <= 1e-5, "{format:?}: {got:?} vs {want:?}");
            assert_eq!(got.has_glasses, want.has_glasses);
        }
    }

    #[test]
    fn errors_keep_their_kind_and_message() {
        let ours = GlassesClassifier::from_bytes(model(), 0.5).expect("model");
        let err = ours.classify_encoded(b"not an image".to_vec()).expect_err("garbage");
        assert!(matches!(err, GlassesError::InvalidImage(ref m) if m.starts_with("invalid image")), "{err}");
        let err = ours.classify_pixels(vec![0; 10], 4, 4, 16, PixelFormat::Rgba8).expect_err("short");
        assert!(matches!(err, GlassesError::InvalidPixelBuffer(_)), "{err}");
        let err = GlassesClassifier::from_bytes(vec![1, 2, 3], 0.5).expect_err("bad model");
        assert!(matches!(err, GlassesError::InvalidModel(_)), "{err}");
        let err = GlassesClassifier::from_bytes(model(), 1.5).expect_err("bad threshold");
        assert!(matches!(err, GlassesError::InvalidArgument(_)), "{err}");
        let err = GlassesClassifier::from_file("/nonexistent/model.onnx".into(), 0.5).expect_err("no file");
        assert!(matches!(err, GlassesError::Io(_)), "{err}");
        let err = GlassesClassifier::from_file("/".into(), 0.5).expect_err("a folder");
        assert!(matches!(err, GlassesError::NotARegularFile(_)), "{err}");
        let kinds = [
            glasses_core::Error::TruncatedImage { reason: "x".into() },
            glasses_core::Error::OutOfMemory { bytes: 1, what: "x" },
            glasses_core::Error::FileTooLarge { path: "p".into(), size: 2, max_bytes: 1 },
        ];
        let [truncated, oom, large] = kinds.map(GlassesError::from);
        assert!(matches!(truncated, GlassesError::TruncatedImage(_)), "{truncated}");
        assert!(matches!(oom, GlassesError::OutOfMemory(_)), "{oom}");
        assert!(matches!(large, GlassesError::FileTooLarge(_)), "{large}");
        assert_eq!(version(), env!("CARGO_PKG_VERSION"));
    }

    /// `max_pixels` and `max_file_bytes` reach core: a picture or a file one over is refused.
    #[test]
    fn options_limits_refuse_larger_pictures_and_files() {
        let defaults = default_options();
        assert_eq!(ClassifierOptions::from(defaults), ClassifierOptions::default());
        let rgb = glasses_core::image::RgbImage::from_fn(30, 20, |x, y| {
            glasses_core::image::Rgb([(x * 8) as u8, (y * 12) as u8, 90])
        });
        let mut png = std::io::Cursor::new(Vec::new());
        rgb.write_to(&mut png, glasses_core::image::ImageFormat::Png).expect("png");
        let png = png.into_inner();
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("face.png");
        std::fs::write(&path, &png).expect("write");
        let path = path.to_string_lossy().into_owned();
        let size = png.len() as u64;

        let exact = GlassesOptionsRecord { max_pixels: 600, max_file_bytes: size, ..defaults };
        let ours = GlassesClassifier::from_bytes_with_options(model(), exact).expect("model");
        assert_eq!(ours.options(), exact);
        let whole = ours.classify_encoded(png.clone()).expect("600 pixels fit");
        assert_eq!(ours.classify_file(path.clone()).expect("the file fits"), whole);
        let face = FaceBox { x: 8.0, y: 5.0, width: 10.0, height: 8.0 };
        assert_eq!(
            ours.classify_file_region(path.clone(), face).expect("file region"),
            ours.classify_encoded_region(png.clone(), face).expect("region")
        );

        let small = GlassesOptionsRecord { max_pixels: 599, max_file_bytes: size - 1, ..defaults };
        let ours = GlassesClassifier::from_bytes_with_options(model(), small).expect("model");
        let err = ours.classify_encoded(png.clone()).expect_err("601 pixels");
        assert!(matches!(err, GlassesError::ImageTooLarge(ref m) if m.contains("599")), "{err}");
        let err = ours.classify_file(path.clone()).expect_err("one byte over");
        assert!(
            matches!(err, GlassesError::FileTooLarge(ref m) if m.contains(&(size - 1).to_string())),
            "{err}"
        );
        let err = ours.classify_file_region(path, face).expect_err("one byte over");
        assert!(matches!(err, GlassesError::FileTooLarge(_)), "{err}");
        let err = ours.classify_file(dir.path().to_string_lossy().into_owned()).expect_err("a folder");
        assert!(matches!(err, GlassesError::NotARegularFile(_)), "{err}");

        for bad in [
            GlassesOptionsRecord { max_pixels: 0, ..defaults },
            GlassesOptionsRecord { max_file_bytes: 0, ..defaults },
            GlassesOptionsRecord { threshold: -1.0, ..defaults },
        ] {
            let err = GlassesClassifier::from_bytes_with_options(model(), bad).expect_err("out of range");
            assert!(matches!(err, GlassesError::InvalidArgument(_)), "{bad:?}: {err}");
        }
        let bundled = GlassesClassifier::with_options(GlassesOptionsRecord { threshold: 0.3, ..defaults })
            .expect("bundled");
        assert_eq!(bundled.threshold(), 0.3);
    }

    fn repo_root() -> std::path::PathBuf {
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
    }

    fn golden() -> serde_json::Value {
        let text =
            std::fs::read_to_string(repo_root().join("tests/fixtures/golden.json")).expect("golden.json");
        serde_json::from_str(&text).expect("golden.json parses")
    }

    fn f32_of(v: &serde_json::Value) -> f32 {
        v.as_f64().expect("a number") as f32
    }

    fn kind_name(kind: EyewearKind) -> &'static str {
        match kind {
            EyewearKind::NoEyewear => "none",
            EyewearKind::Eyeglasses => "eyeglasses",
            EyewearKind::Sunglasses => "sunglasses",
        }
    }

    /// `got` against one golden case: probability, decision, kind and the three probabilities.
    fn assert_golden(got: &GlassesResultRecord, case: &serde_json::Value, tolerance: f32, what: &str) {
        let close = |a: f32, b: f32| (a - b).abs() <= tolerance;
        assert!(close(got.probability, f32_of(&case["probability"])), "{what}: {got:?}");
        assert_eq!(got.has_glasses, case["has_glasses"].as_bool().expect("bool"), "{what}");
        assert_eq!(kind_name(got.eyewear), case["eyewear"].as_str().expect("kind"), "{what}: {got:?}");
        let want: Vec<f32> =
            case["probabilities"].as_array().expect("probabilities").iter().map(f32_of).collect();
        assert_eq!(want.len(), 3, "{what}: the golden model has three classes");
        assert!(close(got.probability_none, want[0]), "{what}: {got:?} vs {want:?}");
        assert!(close(got.probability, want[1]), "{what}: {got:?} vs {want:?}");
        let sunglasses = got.probability_sunglasses.expect("a three-class model gives P(sunglasses)");
        assert!(close(sunglasses, want[2]), "{what}: {got:?} vs {want:?}");
    }

    /// Every golden whole-image case, sunglasses included, answers its kind and probabilities.
    #[test]
    fn golden_kinds_and_probabilities() {
        let golden = golden();
        let tolerance = f32_of(&golden["tolerance"]);
        let model = repo_root().join(golden["model"].as_str().expect("model path"));
        let ours =
            GlassesClassifier::from_file(model.to_string_lossy().into_owned(), 0.5).expect("golden model");
        let mut kinds = std::collections::HashSet::new();
        for case in golden["cases"].as_array().expect("cases") {
            let image = case["image"].as_str().expect("image");
            let bytes = std::fs::read(repo_root().join("tests/fixtures").join(image)).expect("fixture image");
            let got = ours.classify_encoded(bytes).expect("prediction");
            assert_golden(&got, case, tolerance, image);
            kinds.insert(got.eyewear);
        }
        assert_eq!(kinds.len(), 3, "the golden cases cover every kind: {kinds:?}");
    }

    /// The golden region cases through both region calls and the Vision helper.
    #[test]
    fn golden_region_cases() {
        let golden = golden();
        let tolerance = f32_of(&golden["tolerance"]);
        let model = repo_root().join(golden["model"].as_str().expect("model path"));
        let ours =
            GlassesClassifier::from_file(model.to_string_lossy().into_owned(), 0.5).expect("golden model");
        let cases = golden["region_cases"].as_array().expect("region_cases");
        assert!(!cases.is_empty());
        for case in cases {
            let image = case["image"].as_str().expect("image");
            let bytes = std::fs::read(repo_root().join("tests/fixtures").join(image)).expect("fixture image");
            let b: Vec<f32> = case["face_box"].as_array().expect("face_box").iter().map(f32_of).collect();
            let face = FaceBox { x: b[0], y: b[1], width: b[2], height: b[3] };

            let got = ours.classify_encoded_region(bytes.clone(), face).expect("encoded region");
            assert_golden(&got, case, tolerance, image);

            // The same picture as an RGBA8 buffer with padded rows.
            let rgba = glasses_core::image::load_from_memory(&bytes).expect("decode").to_rgba8();
            let (w, h) = rgba.dimensions();
            let stride = w * 4 + 12;
            let mut padded = vec![0u8; (stride * h) as usize];
            for (row, src) in
                padded.chunks_exact_mut(stride as usize).zip(rgba.as_raw().chunks_exact(w as usize * 4))
            {
                row[..src.len()].copy_from_slice(src);
            }
            let got =
                ours.classify_pixels_region(padded, w, h, stride, PixelFormat::Rgba8, face).expect("pixels");
            assert_golden(&got, case, tolerance, image);

            // Vision's normalised bottom-left box for the same face comes back as the pixel box.
            let (fw, fh) = (w as f32, h as f32);
            let vision = face_box_from_normalized_bottom_left(
                face.x / fw,
                1.0 - (face.y + face.height) / fh,
                face.width / fw,
                face.height / fh,
                w,
                h,
            );
            for (got, want) in [
                (vision.x, face.x),
                (vision.y, face.y),
                (vision.width, face.width),
                (vision.height, face.height),
            ] {
                assert!((got - want).abs() < 1e-3, "{image}: {vision:?} vs {face:?}");
            }
        }
    }

    #[test]
    fn bad_face_boxes_are_invalid_regions() {
        let ours = GlassesClassifier::from_bytes(model(), 0.5).expect("model");
        let (w, h) = (8u32, 6u32);
        let rgb = vec![128u8; (w * h * 3) as usize];
        for face in [
            FaceBox { x: 20.0, y: 0.0, width: 4.0, height: 4.0 },
            FaceBox { x: 0.0, y: 0.0, width: 0.0, height: 4.0 },
            FaceBox { x: f32::NAN, y: 0.0, width: 4.0, height: 4.0 },
        ] {
            let err = ours
                .classify_pixels_region(rgb.clone(), w, h, w * 3, PixelFormat::Rgb8, face)
                .expect_err("bad box");
            assert!(matches!(err, GlassesError::InvalidRegion(ref m) if !m.is_empty()), "{face:?}: {err}");
        }
        // A box partly outside is fine; a bad buffer is still a buffer error, not a region error.
        let inside = FaceBox { x: -2.0, y: 1.0, width: 5.0, height: 4.0 };
        ours.classify_pixels_region(rgb, w, h, w * 3, PixelFormat::Rgb8, inside).expect("partly outside");
        let err = ours
            .classify_pixels_region(vec![0; 5], w, h, w * 3, PixelFormat::Rgb8, inside)
            .expect_err("short");
        assert!(matches!(err, GlassesError::InvalidPixelBuffer(_)), "{err}");
        let err = GlassesError::from(glasses_core::Error::InvalidRegion { reason: "r".into() });
        assert!(matches!(err, GlassesError::InvalidRegion(ref m) if m.contains('r')), "{err}");
    }

    /// A two-class model has no sunglasses probability (never a made-up zero) and never says
    /// sunglasses; its region calls agree with core's, ARGB included.
    #[test]
    fn two_class_model_has_no_sunglasses_probability() {
        let bytes = model();
        let core = Classifier::from_bytes(&bytes, options(0.5)).expect("core model");
        assert!(!core.metadata().has_sunglasses_class());
        let ours = GlassesClassifier::from_bytes(bytes, 0.5).expect("uniffi model");
        let (w, h) = (21u32, 17u32);
        let rgb: Vec<u8> = (0..w * h * 3).map(|i| (i * 53 % 249) as u8).collect();
        let face = FaceBox { x: 5.0, y: 3.0, width: 9.0, height: 8.0 };
        let buffer =
            glasses_core::PixelBuffer::new(&rgb, w, h, w as usize * 3, glasses_core::PixelFormat::Rgb8)
                .expect("buffer");
        let want = core.classify_pixels_region(&buffer, face.into()).expect("core region");
        let argb: Vec<u8> = rgb
            .chunks_exact(3)
            .flat_map(|p| {
                (0xff00_0000u32 | u32::from(p[0]) << 16 | u32::from(p[1]) << 8 | u32::from(p[2]))
                    .to_ne_bytes()
            })
            .collect();
        for (format, data, bpp) in [(PixelFormat::Rgb8, rgb.clone(), 3), (PixelFormat::Argb32, argb, 4)] {
            let got = ours.classify_pixels_region(data, w, h, w * bpp, format, face).expect("region");
            assert_eq!(got, GlassesResultRecord::from(want), "{format:?}");
            assert_eq!(got.probability_sunglasses, None, "{format:?}");
            assert_ne!(got.eyewear, EyewearKind::Sunglasses);
            assert!((got.probability_none + got.probability - 1.0).abs() < 1e-5, "{got:?}");
        }
        let whole = ours.classify_pixels(rgb, w, h, w * 3, PixelFormat::Rgb8).expect("whole");
        assert_eq!(whole.probability_sunglasses, None);
    }

    /// The reference conversion (BT.601, full range, as core/tests/integration/yuv.rs): Y per pixel, Cb and
    /// Cr of each 2x2 block's average, interleaved (NV12).
    fn to_nv12(rgb: &glasses_core::image::RgbImage) -> (Vec<u8>, Vec<u8>) {
        let (w, h) = rgb.dimensions();
        let px = |x: u32, y: u32| rgb.get_pixel(x, y).0.map(f32::from);
        let luma = |[r, g, b]: [f32; 3]| 0.299 * r + 0.587 * g + 0.114 * b;
        let y = (0..h).flat_map(|y| (0..w).map(move |x| (x, y))).map(|(x, y)| luma(px(x, y)).round() as u8);
        let mut uv = Vec::new();
        for cy in 0..h / 2 {
            for cx in 0..w / 2 {
                let mut sum = [0f32; 3];
                for (dx, dy) in [(0, 0), (1, 0), (0, 1), (1, 1)] {
                    let p = px(2 * cx + dx, 2 * cy + dy);
                    for c in 0..3 {
                        sum[c] += p[c] / 4.0;
                    }
                }
                let l = luma(sum);
                uv.push(((sum[2] - l) / 1.772 + 128.0).round().clamp(0.0, 255.0) as u8);
                uv.push(((sum[0] - l) / 1.402 + 128.0).round().clamp(0.0, 255.0) as u8);
            }
        }
        (y.collect(), uv)
    }

    /// Rows of `width` bytes padded to `stride`.
    fn padded(rows: &[u8], width: usize, stride: usize) -> Vec<u8> {
        rows.chunks(width).flat_map(|r| [r, &vec![7u8; stride - width][..]].concat()).collect()
    }

    /// A picture stored rotated as a portrait camera frame is (upright = stored turned 90
    /// degrees clockwise), as NV12 with padded rows: exactly core's answer for the same frame,
    /// and the upright RGB picture's within 0.05, with and without a face box.
    #[test]
    fn nv12_rotated_frame_agrees_with_core_and_the_upright_picture() {
        use glasses_core::image::imageops;
        let bytes = std::fs::read(repo_root().join("tests/fixtures/faces/none_landscape_240x150.jpg"))
            .expect("fixture image");
        let upright = glasses_core::image::load_from_memory(&bytes).expect("decode").to_rgb8();
        let (uw, uh) = upright.dimensions();
        assert!(uw % 2 == 0 && uh % 2 == 0 && uw != uh);
        let stored = imageops::rotate270(&upright);
        let (w, h) = stored.dimensions();
        assert_eq!((w, h), (uh, uw));
        let (y, uv) = to_nv12(&stored);
        let (y_stride, uv_stride) = (w as usize + 16, w as usize + 4);
        let (y_plane, uv_plane) = (padded(&y, w as usize, y_stride), padded(&uv, w as usize, uv_stride));

        let core = Classifier::bundled().expect("bundled model");
        let ours = GlassesClassifier::new().expect("bundled model");
        let frame =
            YuvFrame::nv12(&y_plane, y_stride, &uv_plane, uv_stride, w, h, YuvRange::Full).expect("frame");
        let turn = Orientation::rotated(90);
        let nv12 = |face: Option<FaceBox>| {
            ours.classify_nv12(
                y_plane.clone(),
                y_stride as u32,
                uv_plane.clone(),
                uv_stride as u32,
                w,
                h,
                true,
                90,
                false,
                face,
            )
            .expect("nv12")
        };
        let rgb = |face: Option<FaceBox>| {
            let data = upright.as_raw().clone();
            match face {
                Some(face) => ours.classify_pixels_region(data, uw, uh, uw * 3, PixelFormat::Rgb8, face),
                None => ours.classify_pixels(data, uw, uh, uw * 3, PixelFormat::Rgb8),
            }
            .expect("rgb")
        };

        let got = nv12(None);
        assert_eq!(got, GlassesResultRecord::from(core.classify_yuv(&frame, turn).expect("core yuv")));
        let want = rgb(None);
        assert!((got.probability - want.probability).abs() <= 0.05, "{got:?} vs {want:?}");
        assert!((got.probability_none - want.probability_none).abs() <= 0.05, "{got:?} vs {want:?}");

        // A face box in upright pixels.
        let face = FaceBox { x: 70.0, y: 20.0, width: 100.0, height: 110.0 };
        let got = nv12(Some(face));
        let want_core = core.classify_yuv_region(&frame, turn, face.into()).expect("core region");
        assert_eq!(got, GlassesResultRecord::from(want_core));
        let want = rgb(Some(face));
        assert!((got.probability - want.probability).abs() <= 0.05, "{got:?} vs {want:?}");

        // Limited range and mirroring reach core unchanged.
        let mirrored = Orientation { rotation_degrees: 270, mirrored: true };
        let limited =
            YuvFrame::nv12(&y_plane, y_stride, &uv_plane, uv_stride, w, h, YuvRange::Limited).expect("frame");
        let got = ours
            .classify_nv12(
                y_plane.clone(),
                y_stride as u32,
                uv_plane.clone(),
                uv_stride as u32,
                w,
                h,
                false,
                270,
                true,
                None,
            )
            .expect("limited, mirrored");
        assert_eq!(got, GlassesResultRecord::from(core.classify_yuv(&limited, mirrored).expect("core")));
    }

    #[test]
    fn bad_nv12_frames_are_invalid_pixel_buffers() {
        let ours = GlassesClassifier::from_bytes(model(), 0.5).expect("model");
        let (w, h) = (8u32, 6u32);
        let y = vec![100u8; (w * h) as usize];
        let uv = vec![128u8; (w * h / 2) as usize];
        let face = Some(FaceBox { x: 1.0, y: 1.0, width: 4.0, height: 4.0 });
        let call = |y: &[u8], uv: &[u8], w: u32, rotation: u32, face: Option<FaceBox>| {
            ours.classify_nv12(y.to_vec(), w, uv.to_vec(), w, w, h, true, rotation, false, face)
        };
        call(&y, &uv, w, 90, None).expect("a good frame");
        call(&y, &uv, w, 270, face).expect("a good frame with a face");
        for (what, result) in [
            ("odd width", call(&y, &uv, 7, 0, None)),
            ("short Y plane", call(&y[..y.len() - 1], &uv, w, 0, None)),
            ("short UV plane", call(&y, &uv[..uv.len() - 1], w, 0, None)),
            ("rotation 45", call(&y, &uv, w, 45, None)),
            ("rotation 45 with a face", call(&y, &uv, w, 45, face)),
        ] {
            let err = result.expect_err(what);
            assert!(matches!(err, GlassesError::InvalidPixelBuffer(ref m) if !m.is_empty()), "{what}: {err}");
        }
    }
}
