//! The uniffi surface (proc macros, no UDL) that the generated Swift bindings call.
//!
//! uniffi catches panics in every exported call itself, so nothing here needs `catch_unwind`;
//! a panic reaches Swift as an internal error instead of aborting.

use std::sync::Arc;

use glasses_core::{Classifier, ClassifierOptions};

/// Why a call failed. Flat: Swift sees one case per kind carrying the message.
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
}

impl From<glasses_core::Error> for GlassesError {
    fn from(e: glasses_core::Error) -> Self {
        use glasses_core::ErrorKind as K;
        let message = e.to_string();
        match e.kind() {
            K::InvalidOptions => Self::InvalidArgument(message),
            K::InvalidImage => Self::InvalidImage(message),
            K::ImageTooLarge => Self::ImageTooLarge(message),
            K::InvalidPixelBuffer => Self::InvalidPixelBuffer(message),
            K::InvalidModel => Self::InvalidModel(message),
            K::ContractViolation => Self::ContractViolation(message),
            K::Io => Self::Io(message),
            K::Inference => Self::Inference(message),
            K::NoBundledModel => Self::NoBundledModel(message),
            K::TruncatedImage => Self::TruncatedImage(message),
            K::OutOfMemory => Self::OutOfMemory(message),
            K::FileTooLarge => Self::FileTooLarge(message),
            K::NotARegularFile => Self::NotARegularFile(message),
            // TensorShape/Export cannot come from these calls.
            K::TensorShape | K::Export => Self::Internal(message),
            // New kinds added to core's non-exhaustive enum land here until they get a case.
            _ => Self::Internal(message),
        }
    }
}

/// The result for one image.
#[derive(Debug, Clone, Copy, PartialEq, uniffi::Record)]
pub struct Prediction {
    /// `probability >= threshold`.
    pub has_glasses: bool,
    /// P(eyeglasses) in [0, 1].
    pub probability: f32,
}

impl From<glasses_core::Prediction> for Prediction {
    fn from(p: glasses_core::Prediction) -> Self {
        Self { has_glasses: p.has_glasses, probability: p.probability }
    }
}

/// Memory layout of one pixel in the buffer given to `classify_pixels`.
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

impl From<PixelFormat> for glasses_core::PixelFormat {
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

    /// The decision threshold in force.
    pub fn threshold(&self) -> f32 {
        self.inner.options().threshold
    }

    /// Classifies an encoded image (JPEG, PNG, HEIC is not supported: convert it first).
    pub fn classify_encoded(&self, image: Vec<u8>) -> Result<Prediction, GlassesError> {
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
    ) -> Result<Prediction, GlassesError> {
        let stride = usize::try_from(stride).map_err(|e| GlassesError::InvalidArgument(e.to_string()))?;
        Ok(crate::classify_pixel_bytes(&self.inner, &pixels, width, height, stride, format.into())?.into())
    }
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
}
