//! The uniffi surface (proc macros, no UDL) that the generated Swift bindings call.
//!
//! One classifier object with three constructors (bundled model, model bytes, model file; each
//! with a [`GlassesOptionsRecord`]) and one classification method,
//! [`GlassesClassifier::classify`]: a [`GlassesInput`] (encoded bytes, a file, a pixel buffer or
//! an NV12 frame) and a [`GlassesRequest`] (orientation, optional face box, face mode), the same
//! input and request C's `glasses_classify` takes; [`GlassesClassifier::detect_faces`] and
//! [`GlassesClassifier::classify_faces`] answer for every face of the same input. The Swift wrapper (`ios/Sources/GlassesDetector`)
//! builds them from `CGImage`s, `CVPixelBuffer`s and `CGImagePropertyOrientation`s.
//!
//! uniffi catches panics in every exported call itself, so nothing here needs `catch_unwind`;
//! a panic reaches Swift as an internal error instead of aborting.

mod faces;
mod results;
mod types;

use std::sync::Arc;

use glasses_core::{Classifier, ClassifierOptions};

pub use faces::*;
pub use results::*;
pub use types::*;

/// Classifies face images for eyeglasses. Thread-safe: share one instance.
#[derive(Debug, uniffi::Object)]
pub struct GlassesClassifier {
    inner: Classifier,
}

#[uniffi::export]
impl GlassesClassifier {
    /// The model bundled in the library, with `options` (threshold and limits; start from
    /// [`default_options`]).
    #[uniffi::constructor]
    pub fn new(options: GlassesOptionsRecord) -> Result<Arc<Self>, GlassesError> {
        Ok(Arc::new(Self { inner: Classifier::bundled_with(options.try_into()?)? }))
    }

    /// A model from the bytes of an ONNX file, with `options`.
    #[uniffi::constructor]
    pub fn from_bytes(model: Vec<u8>, options: GlassesOptionsRecord) -> Result<Arc<Self>, GlassesError> {
        Ok(Arc::new(Self { inner: Classifier::from_bytes(&model, options.try_into()?)? }))
    }

    /// A model from an ONNX file, with `options`.
    #[uniffi::constructor]
    pub fn from_file(path: String, options: GlassesOptionsRecord) -> Result<Arc<Self>, GlassesError> {
        Ok(Arc::new(Self { inner: Classifier::from_file(path, options.try_into()?)? }))
    }

    /// The options in force; `threshold` is the one deciding (never `nil`): the options' own,
    /// else the model file's, else 0.5. `threads` is the one asked for (0 stays 0: one per core).
    pub fn options(&self) -> GlassesOptionsRecord {
        GlassesOptionsRecord { threshold: Some(self.inner.threshold()), ..self.inner.options().into() }
    }

    /// Which model this classifier runs (version, classes, input size, weight precision), the
    /// threshold in force and the model file's own recommended threshold.
    pub fn model_info(&self) -> GlassesModelInfoRecord {
        crate::model_info::ModelFacts::of(&self.inner).into()
    }

    /// Classifies `input` as `request` asks: turned upright by its orientation (after an encoded
    /// picture's EXIF orientation), then the face box in pixels of the upright picture or, without
    /// one, the face its `face_mode` finds (by default the largest; the whole picture when there
    /// is none). The result's `face` says which. Only what the model sees is read and converted.
    pub fn classify(
        &self,
        input: GlassesInput,
        request: GlassesRequest,
    ) -> Result<GlassesResultRecord, GlassesError> {
        Ok(self.inner.classify(input.core()?, &request.core()?)?.into())
    }

    /// Every face the built-in detector finds in `input` (turned upright by the request's
    /// orientation; its box and mode are not read), largest first. No face: an empty list.
    pub fn detect_faces(
        &self,
        input: GlassesInput,
        request: GlassesRequest,
    ) -> Result<Vec<DetectedFaceRecord>, GlassesError> {
        let faces = self.inner.detect_faces(input.core()?, &request.core()?)?;
        Ok(faces.into_iter().map(DetectedFaceRecord::from).collect())
    }

    /// Every face in `input` with the answer for each, largest first; the picture is read once.
    pub fn classify_faces(
        &self,
        input: GlassesInput,
        request: GlassesRequest,
    ) -> Result<Vec<FaceResultRecord>, GlassesError> {
        let results = self.inner.classify_faces(input.core()?, &request.core()?)?;
        Ok(results.into_iter().map(FaceResultRecord::from).collect())
    }
}

/// The library's default options (threshold `nil`: the model file's own, else 0.5; 64
/// megapixels, 64 MiB files, 1 thread), the start for the constructors' options.
#[uniffi::export]
pub fn default_options() -> GlassesOptionsRecord {
    (&ClassifierOptions::default()).into()
}

/// The orientation of an EXIF orientation value (1 to 8; `CGImagePropertyOrientation.rawValue`):
/// how a picture stored that way is turned upright. Any other value is `InvalidArgument`.
///
/// | EXIF (`CGImagePropertyOrientation`) | degrees | mirrored |
/// |---|---|---|
/// | 1 `.up`            |   0 | no  |
/// | 2 `.upMirrored`    |   0 | yes |
/// | 3 `.down`          | 180 | no  |
/// | 4 `.downMirrored`  | 180 | yes (a vertical flip) |
/// | 5 `.leftMirrored`  |  90 | yes (a transpose) |
/// | 6 `.right`         |  90 | no  |
/// | 7 `.rightMirrored` | 270 | yes (a transverse) |
/// | 8 `.left`          | 270 | no  |
#[uniffi::export]
pub fn orientation_from_exif(exif: u32) -> Result<GlassesOrientation, GlassesError> {
    let exif =
        u8::try_from(exif).ok().and_then(glasses_core::image::metadata::Orientation::from_exif).ok_or_else(
            || GlassesError::InvalidArgument(format!("EXIF orientation {exif}: only 1 to 8 exist")),
        )?;
    Ok(glasses_core::Orientation::from_exif(exif).into())
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

/// The library version (the Rust workspace's, `0.2.0`).
#[uniffi::export]
pub fn version() -> String {
    env!("CARGO_PKG_VERSION").to_owned()
}
