//! The classifier: a loaded, optimised model plus options, shared freely between threads.

use std::path::Path;
use std::sync::Arc;

use rayon::prelude::*;

use crate::contract::ModelMetadata;
use crate::detect::{DetectedFace, FaceDetector};
use crate::error::{Error, Result};
use crate::input::decode;
use crate::input::orientation::Orientation;
use crate::input::pixels::PixelBuffer;
use crate::input::request::{FaceMode, Input, Request};
use crate::input::rotated::{self, TurnedRegion};
use crate::input::sampler;
use crate::input::source::{Stored, Upright};
use crate::memory;
use crate::model::model_file::{self, ParsedModel};
use crate::net::Kernel;
use crate::net::plan::{self, Plan};
use crate::options::{ClassifierOptions, FALLBACK_THRESHOLD};
use crate::prediction::{FaceResult, Prediction, softmax};
use crate::preprocess::{self, Preprocessing};
use crate::region::{self, FaceBox, Region};
use crate::simd_state;
use crate::workers::Workers;
use crate::yuv::YuvFrame;

/// Facts about a loaded model file.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelInfo {
    /// Size of the ONNX file in bytes.
    pub size_bytes: usize,
    /// Number of weight values (float or int8) in the file.
    pub parameter_count: usize,
    /// The contract metadata and any extra entries.
    pub metadata: ModelMetadata,
}

impl ModelInfo {
    /// The threshold a classifier of this file decides with when the caller sets none: the
    /// file's `glasses.default_threshold`, or [`FALLBACK_THRESHOLD`] when it has none.
    pub fn default_threshold(&self) -> f32 {
        self.metadata.default_threshold.unwrap_or(FALLBACK_THRESHOLD)
    }
}

/// Classifies face images for eyeglasses.
///
/// Cheap to clone (the model is shared) and `Send + Sync`: one instance serves any number of
/// threads without a lock.
#[derive(Debug, Clone)]
pub struct Classifier {
    plan: Plan,
    info: Arc<ModelInfo>,
    preprocessing: Preprocessing,
    options: ClassifierOptions,
    /// The bundled face detector (its weights shared between clones), on the classifier's
    /// kernel; `None` without the `face-detector` feature.
    detector: Option<FaceDetector>,
    kernel: Kernel,
    /// The threads inference is split over beside the caller's (`None` for one thread), shared
    /// by clones with the same thread count.
    workers: Option<Arc<Workers>>,
}

/// The bundled file, inflated once for [`Classifier::bundled_model_bytes`] (loading inflates a
/// copy of its own and drops it, so a classifier does not keep 800 KB of file alive).
#[cfg(feature = "bundled-model")]
static BUNDLED_FILE: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();

impl Classifier {
    /// The trained model shipped inside the library, default options.
    pub fn bundled() -> Result<Self> {
        Self::bundled_with(ClassifierOptions::default())
    }

    /// The trained model shipped inside the library.
    pub fn bundled_with(options: ClassifierOptions) -> Result<Self> {
        #[cfg(feature = "bundled-model")]
        {
            Self::from_bytes(&crate::model::embedded::CLASSIFIER.inflate()?, options)
        }
        #[cfg(not(feature = "bundled-model"))]
        {
            let _ = options;
            Err(Error::NoBundledModel)
        }
    }

    /// The bundled ONNX file itself (to save it, or inspect it).
    pub fn bundled_model_bytes() -> Result<&'static [u8]> {
        #[cfg(feature = "bundled-model")]
        {
            crate::model::embedded::CLASSIFIER.inflate_once(&BUNDLED_FILE)
        }
        #[cfg(not(feature = "bundled-model"))]
        {
            Err(Error::NoBundledModel)
        }
    }

    /// Loads a glasses ONNX model from memory, checks its contract, fixes the input shape and
    /// optimises it for this machine.
    pub fn from_bytes(bytes: &[u8], options: ClassifierOptions) -> Result<Self> {
        Self::load(bytes, options, Kernel::best())
    }

    /// The micro-kernels this CPU runs, fastest first; [`Classifier::from_bytes`] picks the first.
    /// For tests that run whole models on every kernel; not a stable API.
    #[doc(hidden)]
    pub fn available_kernels() -> Vec<&'static str> {
        Kernel::available().iter().map(Kernel::name).collect()
    }

    /// [`Classifier::from_bytes`] with the convolutions on the named micro-kernel (one of
    /// [`Classifier::available_kernels`]) instead of the fastest, so that tests run whole models
    /// on the kernels this CPU would not pick (a graph that tract runs ignores it). A name this
    /// CPU cannot run is [`Error::InvalidOptions`]: no caller can make it execute instructions
    /// the CPU lacks. Not a stable API.
    #[doc(hidden)]
    pub fn from_bytes_with_kernel(bytes: &[u8], options: ClassifierOptions, kernel: &str) -> Result<Self> {
        let Some(chosen) = Kernel::named(kernel) else {
            return Err(Error::InvalidOptions {
                reason: format!(
                    "kernel `{kernel}` does not run on this CPU, which runs {}",
                    Self::available_kernels().join(", ")
                ),
            });
        };
        Self::load(bytes, options, chosen)
    }

    fn load(bytes: &[u8], options: ClassifierOptions, kernel: Kernel) -> Result<Self> {
        options.validate()?;
        let ParsedModel { proto, metadata, parameter_count } = model_file::parse(bytes)?;
        // Backstop: tract's ONNX reader (feature `onnx-any`) indexes some maps unchecked and can
        // panic on hostile graphs; a model file must never take the process (or an FFI caller) down.
        let plan = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            plan::build(bytes, &proto, &metadata, kernel)
        }))
        .map_err(|_| Error::InvalidModel {
            reason: "the ONNX reader failed on this graph (internal panic)".into(),
        })??;
        Ok(Self {
            preprocessing: metadata.preprocessing(),
            info: Arc::new(ModelInfo { size_bytes: bytes.len(), parameter_count, metadata }),
            plan,
            options,
            detector: FaceDetector::bundled_on(options.detector, kernel)?,
            kernel,
            workers: start_workers(options.inference_threads())?,
        })
    }

    /// Loads a glasses ONNX model from a file.
    ///
    /// Only a regular file of at most [`ClassifierOptions::max_model_bytes`] is read; anything
    /// else is [`Error::NotARegularFile`] or [`Error::FileTooLarge`].
    pub fn from_file(path: impl AsRef<Path>, options: ClassifierOptions) -> Result<Self> {
        options.validate()?;
        let bytes = memory::read_regular_file(path.as_ref(), options.max_model_bytes)?;
        Self::from_bytes(&bytes, options)
    }

    /// Options in force.
    pub fn options(&self) -> &ClassifierOptions {
        &self.options
    }

    /// The decision threshold in force: the options' own, else the model file's default, else
    /// [`FALLBACK_THRESHOLD`].
    pub fn threshold(&self) -> f32 {
        self.options.threshold_for(&self.info.metadata)
    }

    /// The same model with other options (no reload).
    pub fn with_options(&self, options: ClassifierOptions) -> Result<Self> {
        options.validate()?;
        let detector = if options.detector == self.options.detector {
            self.detector.clone()
        } else {
            FaceDetector::bundled_on(options.detector, self.kernel)?
        };
        let workers = if options.inference_threads() == self.options.inference_threads() {
            self.workers.clone()
        } else {
            start_workers(options.inference_threads())?
        };
        Ok(Self { options, detector, workers, ..self.clone() })
    }

    /// The model's metadata.
    pub fn metadata(&self) -> &ModelMetadata {
        &self.info.metadata
    }

    /// Size, parameter count and metadata of the loaded model.
    pub fn info(&self) -> &ModelInfo {
        &self.info
    }

    /// Which engine runs the model and on which micro-kernels (e.g. "glasses engine, avx512
    /// kernels"); the kernels are chosen for the CPU at load.
    pub fn engine(&self) -> String {
        self.plan.engine()
    }

    /// Multiply-accumulates one classification spends in the model's convolutions (`None` when
    /// tract runs the model, with the `onnx-any` feature): the arithmetic its time is bound by.
    pub fn multiply_accumulates(&self) -> Option<u64> {
        self.plan.macs()
    }

    /// Milliseconds per step of the engine's plan, averaged over `runs` runs of `tensor` (a
    /// preprocessed tensor of the right length), with a description of each step. Empty when
    /// tract runs the model. For `parity/examples/profile_nodes.rs`; not a stable API.
    #[doc(hidden)]
    pub fn profile_steps(&self, tensor: &[f32], runs: usize) -> Result<Vec<(String, f64)>> {
        let expected = self.preprocessing.tensor_len();
        if tensor.len() != expected {
            return Err(Error::TensorShape { expected, actual: tensor.len() });
        }
        let steps = self.plan.profile(tensor, runs.max(1), self.workers.as_deref());
        simd_state::clear_upper_vector_state();
        Ok(steps)
    }

    /// The preprocessing this model expects (see [`crate::preprocess`]).
    pub fn preprocessing(&self) -> &Preprocessing {
        &self.preprocessing
    }

    /// Classifies `input` as `request` asks: the one path every `classify_*` method takes.
    ///
    /// The picture is read in place (decoded pictures in the decoder's own buffer, once), turned
    /// upright while it is read (EXIF orientation, then [`Request::orientation`]). The face is
    /// the request's box, or else the one its [`Request::face_mode`] finds (by default the
    /// largest the detector finds, the whole picture when there is none); the region the model
    /// sees (the centre crop, or the face box framed by [`ClassifierOptions::face_framing`]) is
    /// filtered straight into the model's input, as the detector's input is. Memory beyond the
    /// input's own is the two networks' inputs plus a few rows of the region; a face box far
    /// larger than the picture costs no more than one the picture's size.
    pub fn classify(&self, input: Input<'_>, request: &Request) -> Result<Prediction> {
        self.with_upright(input, request, |source| {
            if let Some(face_box) = request.face {
                return self.classify_upright(source, Some(face_box), 0.0);
            }
            let face = match request.face_mode {
                FaceMode::Whole => None,
                FaceMode::Auto => match &self.detector {
                    Some(detector) => detector.detect_upright(source)?.into_iter().next(),
                    None => None,
                },
                FaceMode::Detect => {
                    let largest = self.faces_upright(source)?.into_iter().next();
                    let (width, height) = source.size();
                    Some(largest.ok_or(Error::NoFace { width, height })?)
                }
            };
            let angle = face.map_or(0.0, |f| self.turn_of(&f));
            let prediction = self.classify_upright(source, face.map(|f| f.face_box), angle)?;
            Ok(Prediction { face, ..prediction })
        })
    }

    /// Every face the detector finds in `input`, largest first, in pixels of the upright
    /// picture (top-left origin) after [`Request::orientation`]; the request's face box and
    /// mode are not used. [`Error::NoFaceDetector`] in a build without the detector.
    pub fn detect_faces(&self, input: Input<'_>, request: &Request) -> Result<Vec<DetectedFace>> {
        self.with_upright(input, request, |source| self.faces_upright(source))
    }

    /// Every face in `input` ([`Self::detect_faces`]) with the answer for each, largest first;
    /// the picture is read once for all of them. No face: an empty list.
    pub fn classify_faces(&self, input: Input<'_>, request: &Request) -> Result<Vec<FaceResult>> {
        self.with_upright(input, request, |source| {
            self.faces_upright(source)?
                .into_iter()
                .map(|face| {
                    let prediction =
                        self.classify_upright(source, Some(face.face_box), self.turn_of(&face))?;
                    Ok(FaceResult { face, prediction: Prediction { face: Some(face), ..prediction } })
                })
                .collect()
        })
    }

    /// Opens `input` once (reads a file, decodes an encoded picture) and hands `then` the
    /// upright picture, read in place.
    fn with_upright<T>(
        &self,
        input: Input<'_>,
        request: &Request,
        then: impl FnOnce(&Upright<'_>) -> Result<T>,
    ) -> Result<T> {
        let decoded;
        let (stored, orientation) = match input {
            Input::Path(path) => {
                let bytes = memory::read_regular_file(path, self.options.max_file_bytes)?;
                return self.with_upright(Input::Encoded(&bytes), request, then);
            }
            Input::Encoded(bytes) => {
                let max_pixels = self.max_pixels();
                let (image, exif) =
                    decode::decode_unoriented(bytes, max_pixels, self.options.accept_truncated)?;
                decoded = image;
                (Stored::Image(&decoded), Orientation::from_exif(exif).then(request.orientation))
            }
            Input::Pixels(pixels) => (Stored::Pixels(pixels), request.orientation),
            Input::Yuv(frame) => (Stored::Yuv(frame), request.orientation),
            Input::Rgb(image) => (Stored::Rgb(image), request.orientation),
        };
        then(&Upright::new(stored, orientation)?)
    }

    fn faces_upright(&self, source: &Upright<'_>) -> Result<Vec<DetectedFace>> {
        self.detector.as_ref().ok_or(Error::NoFaceDetector)?.detect_upright(source)
    }

    /// The angle a detected face's framing is turned by: its eye line's when
    /// [`ClassifierOptions::align_faces`] is on (and the landmarks give one), else none.
    fn turn_of(&self, face: &DetectedFace) -> f64 {
        let angle = f64::from(face.eye_line_angle());
        if self.options.align_faces && angle.is_finite() { angle } else { 0.0 }
    }

    /// The answer for the whole upright picture (`None`) or for a face box framed by
    /// [`ClassifierOptions::face_framing`], turned by `angle` radians about the box's centre.
    pub(crate) fn classify_upright(
        &self,
        source: &Upright<'_>,
        face: Option<FaceBox>,
        angle: f64,
    ) -> Result<Prediction> {
        let (width, height) = source.size();
        // What the model sees: the whole upright picture or the face's framing in it, then the
        // centre of that with the model's aspect ratio.
        let seen = match face {
            None => Region { x: 0, y: 0, width, height },
            Some(face) => {
                region::framed_region(face, self.options.face_framing, width, height, self.max_pixels())?
            }
        };
        let region = self.preprocessing.crop_region(seen);
        let (width, height) = (self.preprocessing.width, self.preprocessing.height);
        let picture = match face {
            Some(face) if angle != 0.0 => {
                let pivot =
                    (face.x as f64 + face.width as f64 / 2.0, face.y as f64 + face.height as f64 / 2.0);
                rotated::sample_turned(source, TurnedRegion { region, pivot, angle }, width, height)?
            }
            _ => sampler::sample(source, region, width, height)?,
        };
        self.classify_tensor(&self.preprocessing.tensor_from_rgb(&picture))
    }

    /// The pixel limit in force: the option, at most [`preprocess::MAX_PIXELS_CEILING`].
    fn max_pixels(&self) -> u64 {
        self.options.max_pixels.min(preprocess::MAX_PIXELS_CEILING)
    }

    /// Classifies an encoded image (JPEG, PNG, WebP, BMP, GIF, TIFF, ...).
    pub fn classify_encoded(&self, bytes: &[u8]) -> Result<Prediction> {
        self.classify(Input::Encoded(bytes), &Request::new())
    }

    /// Classifies a raw pixel buffer.
    pub fn classify_pixels(&self, pixels: &PixelBuffer<'_>) -> Result<Prediction> {
        self.classify(Input::Pixels(*pixels), &Request::new())
    }

    /// Classifies an RGB image of any size.
    pub fn classify_rgb(&self, image: &image::RgbImage) -> Result<Prediction> {
        self.classify(Input::Rgb(image), &Request::new())
    }

    /// Classifies the face inside `face`, a face detector's box on `image` (see
    /// [`crate::region`]): the box is expanded to the framing the model was trained on
    /// ([`ClassifierOptions::face_framing`]) and classified; parts beyond the picture repeat its
    /// edge. Nothing is copied: the region is filtered straight into the model's input.
    pub fn classify_region(&self, image: &image::RgbImage, face: FaceBox) -> Result<Prediction> {
        self.classify(Input::Rgb(image), &Request::new().with_face(face))
    }

    /// [`Self::classify_region`] for a raw pixel buffer.
    pub fn classify_pixels_region(&self, pixels: &PixelBuffer<'_>, face: FaceBox) -> Result<Prediction> {
        self.classify(Input::Pixels(*pixels), &Request::new().with_face(face))
    }

    /// [`Self::classify_region`] for an encoded image; `face` is in the pixels of the upright
    /// picture (after its EXIF orientation is applied).
    pub fn classify_encoded_region(&self, bytes: &[u8], face: FaceBox) -> Result<Prediction> {
        self.classify(Input::Encoded(bytes), &Request::new().with_face(face))
    }

    /// Classifies the image file at `path`: a regular file of at most
    /// [`ClassifierOptions::max_file_bytes`] (devices, FIFOs and folders are refused unread).
    pub fn classify_path(&self, path: impl AsRef<Path>) -> Result<Prediction> {
        self.classify(Input::Path(path.as_ref()), &Request::new())
    }

    /// Classifies a YUV 4:2:0 camera frame, turned upright by `orientation` first. Only the pixels
    /// the model's filter reads are converted to RGB (see [`crate::yuv`]).
    pub fn classify_yuv(&self, frame: &YuvFrame<'_>, orientation: Orientation) -> Result<Prediction> {
        self.classify(Input::Yuv(*frame), &Request::new().with_orientation(orientation))
    }

    /// [`Self::classify_region`] for a YUV camera frame: `face` is in pixels of the upright frame
    /// (after `orientation`), as a face detector run on the upright picture reports it.
    pub fn classify_yuv_region(
        &self,
        frame: &YuvFrame<'_>,
        orientation: Orientation,
        face: FaceBox,
    ) -> Result<Prediction> {
        self.classify(Input::Yuv(*frame), &Request::new().with_orientation(orientation).with_face(face))
    }

    /// [`Self::classify_region`] for the image file at `path` (read as in [`Self::classify_path`]).
    pub fn classify_path_region(&self, path: impl AsRef<Path>, face: FaceBox) -> Result<Prediction> {
        self.classify(Input::Path(path.as_ref()), &Request::new().with_face(face))
    }

    /// Classifies an already preprocessed NCHW tensor of `3 * H * W` floats.
    pub fn classify_tensor(&self, tensor: &[f32]) -> Result<Prediction> {
        Ok(Prediction::from_probabilities(&self.probabilities(tensor)?, self.threshold()))
    }

    /// The model's raw logits for a preprocessed tensor, one per class of
    /// [`ModelMetadata::class_names`]: `[no eyeglasses, eyeglasses]` or `[no eyeglasses,
    /// eyeglasses, sunglasses]`.
    pub fn logits(&self, tensor: &[f32]) -> Result<Vec<f32>> {
        let expected = self.preprocessing.tensor_len();
        if tensor.len() != expected {
            return Err(Error::TensorShape { expected, actual: tensor.len() });
        }
        let shape = [1, 3, self.preprocessing.height as usize, self.preprocessing.width as usize];
        let values = self.plan.run(tensor, shape, self.workers.as_deref());
        simd_state::clear_upper_vector_state();
        let values = values?;
        if values.len() == self.info.metadata.num_classes() && values.iter().all(|v| v.is_finite()) {
            Ok(values)
        } else {
            Err(Error::Inference {
                reason: format!("model produced non-finite or misshaped logits {values:?}"),
            })
        }
    }

    /// The softmax of [`Self::logits`]: one probability per class, summing to 1.
    pub fn probabilities(&self, tensor: &[f32]) -> Result<Vec<f32>> {
        Ok(softmax(&self.logits(tensor)?))
    }

    /// Classifies many encoded images on all cores (rayon's global pool); results keep the input order.
    pub fn classify_encoded_batch<B: AsRef<[u8]> + Sync>(&self, images: &[B]) -> Vec<Result<Prediction>> {
        images.par_iter().map(|b| self.classify_encoded(b.as_ref())).collect()
    }

    /// Classifies many image files on all cores; results keep the input order.
    pub fn classify_paths<P: AsRef<Path> + Sync>(&self, paths: &[P]) -> Vec<Result<Prediction>> {
        paths.par_iter().map(|p| self.classify_path(p)).collect()
    }
}

/// The workers for `threads` threads (none for one).
fn start_workers(threads: usize) -> Result<Option<Arc<Workers>>> {
    if threads <= 1 {
        return Ok(None);
    }
    let workers = Workers::new(threads)
        .map_err(|e| Error::Inference { reason: format!("cannot start {threads} inference threads: {e}") })?;
    Ok(Some(Arc::new(workers)))
}
